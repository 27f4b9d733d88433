"""The artifact catalog: every file a step hands to another, declared once.

Code asks the catalog for an artifact (``artifacts.ASSIGNMENTS``) and reads or
writes it through :class:`~segkit.study.folder.RunFolder`; no file name is
written as a string anywhere else. A step writes only the artifacts it owns,
and a parquet artifact must hold the columns declared here (a JSON artifact
the keys), so the contract between steps is checked every time it is used.

The table of the whole catalog is :func:`catalog_table`; ``docs/architecture.md``
shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

__all__ = ["CATALOG", "Artifact", "by_name", "catalog_table", "owned_by"]


@dataclass(frozen=True)
class Artifact:
    """One file in a run folder's ``artifacts/``.

    Attributes
    ----------
    name : str
        Path inside ``artifacts/`` (``"assignments.parquet"``).
    format : {"parquet", "json"}
        Parquet for tables, JSON for small documents.
    owner : str
        Key of the step that writes it (``"stability"``); no other step may.
    description : str
        What it holds, in a sentence.
    columns : tuple of str
        Parquet: columns always present. JSON: top-level keys always present
        (for a list of records, the keys of every record). More may follow
        (feature columns, optional measures).
    readers : tuple of str
        Keys of the steps (and ``"index"``, ``"compare"``, ``"exports"``, ``"summary"``: the run-level
        pages and files) that read it.
    optional : bool
        Written only by some studies (e.g. outcomes need transactions after
        the cut-off); readers must cope with its absence.
    """

    name: str
    format: Literal["parquet", "json"]
    owner: str
    description: str
    columns: tuple[str, ...] = ()
    readers: tuple[str, ...] = ()
    optional: bool = False

    @property
    def kind(self) -> str:
        """``"table"`` for parquet, ``"document"`` for JSON."""
        return "table" if self.format == "parquet" else "document"


# --------------------------------------------------------------------------- #
# 01 goals
BRIEF = Artifact("brief.json", "json", "goals",
                 "The brief: goal, horizon, KPI, success and knock-out criteria, attractiveness weights.",
                 ("goal", "horizon", "kpi", "success_criteria", "knockout_criteria", "min_segment_share",
                  "attractiveness"),
                 ("resources", "method", "profiling", "validation", "iteration", "index", "summary"))
# 02 resources
TABLE_CUSTOMERS = Artifact("tables/customers.parquet", "parquet", "resources",
                           "The customers table after validation and cleaning, in canonical columns.",
                           ("customer_id",), ("data", "iteration", "exports"), optional=True)
TABLE_TRANSACTIONS = Artifact("tables/transactions.parquet", "parquet", "resources",
                              "Transactions after validation, returns netted and outliers capped, flagged "
                              "by period.", ("customer_id", "date", "amount", "after_cutoff"),
                              ("data", "iteration", "exports"), optional=True)
TABLE_SURVEY = Artifact("tables/survey.parquet", "parquet", "resources",
                        "Survey answers after validation, yes/no items recoded to 0/1.",
                        ("customer_id",), ("data", "iteration", "exports"), optional=True)
QUALITY = Artifact("quality.json", "json", "resources",
                   "The data audit: rows affected per table and rule, and the rules.",
                   ("issues", "rules"), ("data", "exports"))
JOINS = Artifact("joins.parquet", "parquet", "resources",
                 "How the tables join on the customer id: ids in each, matched, in one only.",
                 ("left", "right", "n_left", "n_right", "n_matched", "n_only_left", "n_only_right"),
                 ("data",))
INVENTORY = Artifact("inventory.json", "json", "resources",
                     "What data the study has: tables, rows, customers, history, basis kind.",
                     ("n_customers", "tables", "basis_kind"), ("method", "index"))
FEASIBILITY = Artifact("feasibility.parquet", "parquet", "resources",
                       "Every method ranked by feasibility and fit with the goal, with what is missing.",
                       ("rank", "method", "family", "feasible", "score", "reasons", "missing"), ("method",))
# 03 method
METHOD = Artifact("method.json", "json", "method",
                  "The chosen method, how and why it was chosen, and the rejected candidates.",
                  ("method", "label", "family", "chosen_by", "reason", "basis", "basis_kind", "candidates",
                   "rejected"),
                  ("stability", "profiling", "index", "exports"))
# 04 data
CUSTOMER_TABLE = Artifact("customer_table.parquet", "parquet", "data",
                          "One row per segmented customer: features, value, attributes and survey answers.",
                          ("customer_id",),
                          ("stability", "profiling", "validation", "iteration", "compare", "exports"))
BASIS = Artifact("basis.parquet", "parquet", "data",
                 "The prepared segmentation basis (transformed, standardised), one row per segmented customer.",
                 ("customer_id",), ("stability", "profiling", "validation"))
BASIS_TRANSFORMS = Artifact("basis_transforms.parquet", "parquet", "data",
                            "How each basis variable was prepared (transform, centre, scale).",
                            ("column",), ("stability",))
OUTCOMES = Artifact("outcomes.parquet", "parquet", "data",
                    "What each customer did after the cut-off (orders, revenue, active), for validation.",
                    ("customer_id", "orders_after", "revenue_after", "active_after"),
                    ("profiling", "validation"), optional=True)
WATERFALL = Artifact("waterfall.parquet", "parquet", "data",
                     "The audit's waterfall: rows, customers and money (and margin) at each rule, from the raw "
                     "file's total to the analysed customers; reconciles to the cent.",
                     ("stage", "rule", "label", "rows", "customers", "amount", "rows_left", "customers_left",
                      "amount_left"), (), optional=True)
EARLY_BEHAVIOUR = Artifact("early_behaviour.parquet", "parquet", "data",
                           "Each customer's first 90 days of purchases (customers whose first window ends by the "
                           "cut-off): how a new customer is placed in a segment.",
                           ("customer_id", "first_purchase"), ("profiling",), optional=True)
# 05 stability
ASSIGNMENTS = Artifact("assignments.parquet", "parquet", "stability",
                       "Each segmented customer's segment: the one number and name used on every page.",
                       ("customer_id", "segment", "segment_name"),
                       ("profiling", "validation", "iteration", "compare", "exports"))
SEGMENTS = Artifact("segments.json", "json", "stability",
                    "One record per segment: number, name, size, share, action, description.",
                    (), ("profiling", "index", "exports", "summary"))
SEGMENTATION = Artifact("segmentation.json", "json", "stability",
                        "The chosen solution: method, k, why this k, whether it is stable, customers placed.",
                        ("method", "k", "reason", "is_stable", "n_customers"),
                        ("profiling", "validation", "iteration", "index", "summary"))
CENTERS = Artifact("centers.parquet", "parquet", "stability",
                   "Segment means of the basis variables (data-driven methods).",
                   ("segment",), (), optional=True)
STABILITY_GLOBAL = Artifact("stability_global.parquet", "parquet", "stability",
                            "Adjusted Rand index of every bootstrap pair, per number of segments.",
                            ("k",), (), optional=True)
STABILITY_SEGMENTS = Artifact("stability_segments.parquet", "parquet", "stability",
                              "Jaccard index of each segment in every bootstrap sample.",
                              ("segment",), (), optional=True)
STABILITY_RULES = Artifact("stability_rules.parquet", "parquet", "stability",
                           "Share of customers changing class when a scheme's thresholds are re-estimated.",
                           (), (), optional=True)
STABILITY_SLSW = Artifact("stability_slsw.parquet", "parquet", "stability",
                          "Jaccard index of each segment in every bootstrap pair (SLSW, flexclust's definition).",
                          ("segment", "boot", "jaccard"), (), optional=True)
INFORMATION_CRITERIA = Artifact("information_criteria.parquet", "parquet", "stability",
                                "Latent class models per k: log-likelihood, parameters, AIC, BIC, ICL, entropy.",
                                ("k", "log_likelihood", "n_params", "aic", "bic", "icl", "entropy"), (),
                                optional=True)
# 06 profiling
PROFILES = Artifact("profiles.parquet", "parquet", "profiling",
                    "Each segment's mean of every basis variable against the base, and whether it is distinctive.",
                    ("segment", "variable"), ("exports",))
SIZES = Artifact("sizes.parquet", "parquet", "profiling",
                 "Size, value and profit share of each segment, with the attractiveness measures.",
                 ("segment", "n", "share", "value_share"), ("validation", "iteration", "exports", "summary"),
                 optional=True)
SEGMENT_PROFILES = Artifact("segment_profiles.json", "json", "profiling",
                            "One record per segment: value share and persona, added to the segment's identity.",
                            ("segment", "value_share", "persona"), ("index", "exports"))
IDENTIFICATION = Artifact("identification.json", "json", "profiling",
                          "How well a new customer can be placed in a segment (identification rules).",
                          ("columns", "cv_accuracy", "holdout_accuracy", "baseline_accuracy"), ("validation",))
LIKELIHOOD_TO_BUY = Artifact("likelihood_to_buy.parquet", "parquet", "profiling",
                             "Each customer's estimated probability of buying again.",
                             ("customer_id", "score"), ("exports",), optional=True)
# 07 validation
VERDICT = Artifact("verdict.json", "json", "validation",
                   "The verdict against the brief: one row per criterion, and a summary.",
                   ("summary", "passed", "table"), ("index", "exports", "summary"))
# 08 iteration
ITERATION = Artifact("iteration.json", "json", "iteration",
                     "The comparison with an earlier segmentation and the keep/adjust/re-segment recommendation.",
                     ("compared_with", "ari", "stay_share", "recommendation", "reason"), ("index", "summary"),
                     optional=True)

#: Every artifact, in the order the steps write them.
CATALOG: tuple[Artifact, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Artifact))

#: The input tables step 2 saves, by table name.
TABLES: dict[str, Artifact] = {"customers": TABLE_CUSTOMERS, "transactions": TABLE_TRANSACTIONS,
                               "survey": TABLE_SURVEY}


def by_name(name: str) -> Artifact:
    """The artifact stored as ``name`` (its path inside ``artifacts/``).

    Raises
    ------
    KeyError
        Naming the artifacts that exist.
    """
    for a in CATALOG:
        if a.name == name:
            return a
    raise KeyError(f"no artifact {name!r}; the catalog has {', '.join(a.name for a in CATALOG)}")


def owned_by(step_key: str) -> tuple[Artifact, ...]:
    """The artifacts the step ``step_key`` writes."""
    return tuple(a for a in CATALOG if a.owner == step_key)


def catalog_table() -> pd.DataFrame:
    """The catalog as a tidy table: name, format, owner, readers, columns, optional, description.

    Examples
    --------
    >>> t = catalog_table()
    >>> t.loc[t["name"] == "assignments.parquet", "owner"].item()
    'stability'
    """
    return pd.DataFrame([{
        "name": a.name, "format": a.format, "owner": a.owner, "readers": ", ".join(a.readers),
        "columns": ", ".join(a.columns), "optional": a.optional, "description": a.description,
    } for a in CATALOG])

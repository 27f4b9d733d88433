"""Step 4, data: the audit of the inputs, the customer features and the segmentation basis.

Behaviour up to the cut-off is summarised per customer (each feature defined
once, in :mod:`segkit.features`); what happened after it is kept apart as the
outcomes step 7 validates against. Potential value comes from a BG/NBD and
Gamma-Gamma model fitted on the history. The basis is prepared (skewed
variables logged, everything standardised) for the segmentation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segkit.early import early_behaviour
from segkit.errors import DataError, SegkitWarning
from segkit.features import FEATURE_DEFINITIONS, OUTCOME_DEFINITIONS, compute_features, compute_outcomes, feature_engine
from segkit.io import QUALITY_RULES
from segkit.io.waterfall import Ledger, plot_waterfall, waterfall_table
from segkit.methods.prep import PreparedBasis
from segkit.pipeline import (
    basis_complete_cases,
    check_basis,
    customer_table,
    loyalty_check,
    prepare_study_basis,
    purchase_value_model,
    study_descriptors,
    value_settings,
)
from segkit.study import artifacts
from segkit.study.context import StepContext

__all__ = ["DataResult", "run"]

#: Features summarised in the report's distribution table, when present.
SUMMARY_FEATURES = ("recency_days", "frequency", "monetary_total", "monetary_avg", "tenure_days", "ipt_mean_days",
                    "promo_share", "spend_stability", "margin_rate", "return_rate")
#: Prepared basis variables correlated beyond this measure nearly the same thing.
STRONG_CORRELATION = 0.8
#: Orphan rows above this share of a file are worth a warning: the tables may not cover the same customers.
ORPHAN_WARN_SHARE = 0.05
_TABLE_ORDER = {"customers": 0, "transactions": 1, "survey": 2}
#: Audit rules that read a file as it is meant rather than fix a defect.
READING_RULES = ("amount_derived", "yes_no_recoded", "ordinal_coded", "ids_from_rows")


@dataclass
class DataResult:
    """What step 4 shows.

    Attributes
    ----------
    issues : DataFrame
        The audit: one row per table, rule and column (``quality.json``'s issues).
    rules : DataFrame
        Every audit rule and why (:data:`segkit.io.QUALITY_RULES`).
    joins : DataFrame
        Customer ids matched between tables.
    features : DataFrame or None
        Customer features up to the cut-off (None without transactions).
    value : DataFrame or None
        Potential value per customer (None without transactions).
    value_model : ValueResult or None
        The value models behind it: parameters with standard errors, diagnostics (fits that did
        not converge, parameters at a bound, P(alive) near 1 for most), settings.
    segmented : DataFrame
        The customer table of the customers who enter the segmentation.
    prepared : PreparedBasis
        The prepared basis and how each variable was prepared.
    n_incomplete : int
        Customers left out because a basis variable is missing.
    engine : str
        Where features were computed, in words.
    """

    issues: pd.DataFrame
    rules: pd.DataFrame
    joins: pd.DataFrame
    features: pd.DataFrame | None
    value: pd.DataFrame | None
    outcomes: pd.DataFrame | None
    segmented: pd.DataFrame
    prepared: PreparedBasis
    basis: list[str]
    n_incomplete: int
    engine: str
    cutoff: Any = None
    value_model: Any = None
    #: why there is no potential value although there are transactions (the model could not be fitted)
    value_note: str | None = None
    feature_definitions: pd.DataFrame = field(default_factory=lambda: FEATURE_DEFINITIONS)
    outcome_definitions: pd.DataFrame = field(default_factory=lambda: OUTCOME_DEFINITIONS)
    #: the waterfall from the raw file to the analysed customers (None without transactions)
    waterfall: pd.DataFrame | None = None
    #: the non-product lines excluded, per code or description
    non_product: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: descriptors read from the transactions: customers, with several values, ties, missing
    transaction_descriptors: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the amount above which a line was capped (None: too few purchases to cap)
    outlier_threshold: float | None = None
    #: the input column(s) the amount comes from (``Quantity x Price`` when derived)
    amount_source: str = "amount"
    #: rows read from each input file (blank rows included)
    rows_read: dict[str, int] = field(default_factory=dict)

    @property
    def waterfall_numbers(self) -> dict[str, Any] | None:
        """The numbers the waterfall's sentences quote: raw, analysed, excluded and after-cut-off money, lines
        without a customer id (count and shares of the file's lines and money); None without transactions."""
        w = self.waterfall
        if w is None:
            return None
        no_id = w.loc[w["rule"] == "missing_customer_id"]
        n_no_id = int(no_id["rows"].iloc[0]) if len(no_id) else 0
        raw = self.raw_total
        return {
            "raw": raw, "analysed": self.analysed_total,
            "excluded": float(w["amount"].iloc[1:-1].sum()),
            "after": float(w.loc[w["rule"] == "after_cutoff", "amount"].sum()),
            "no_id_rows": n_no_id,
            "no_id_row_share": n_no_id / float(w["rows_left"].iloc[0]) if n_no_id else 0.0,
            "no_id_money_share": float(no_id["amount"].iloc[0]) / raw if n_no_id and raw else None,
        }

    @property
    def survey_dropped(self) -> int:
        """Survey rows the audit's rules dropped (read, minus entering, minus missing a basis answer)."""
        return int(self.rows_read.get("survey", 0) - len(self.segmented) - self.n_incomplete)

    @property
    def raw_total(self) -> float | None:
        """The raw file's total amount (before any rule), to the cent."""
        return None if self.waterfall is None else float(self.waterfall["amount_left"].iloc[0])

    @property
    def analysed_total(self) -> float | None:
        """The analysed customers' total amount up to the cut-off, to the cent."""
        return None if self.waterfall is None else float(self.waterfall["amount_left"].iloc[-1])

    @property
    def waterfall_display(self) -> pd.DataFrame | None:
        """The waterfall as the report shows it: what each rule excluded, and what was left."""
        w = self.waterfall
        if w is None:
            return None
        out = pd.DataFrame({
            "rule": w["label"], "rows": w["rows"], "customers": w["customers"],
            f"money excluded ({self.amount_source})": w["amount"],
            "rows left": w["rows_left"], "customers left": w["customers_left"], "money left": w["amount_left"],
        })
        if "margin" in w and w["margin_left"].notna().any():
            out["margin excluded"] = w["margin"]
            out["margin left"] = w["margin_left"]
        out.loc[out.index[[0, -1]], ["rows", "customers", f"money excluded ({self.amount_source})"]] = None
        return out

    def plot_waterfall(self, ax=None):
        """The money from the raw file's total to the analysed customers, rule by rule (see :func:`plot_waterfall`)."""
        if self.waterfall is None:
            raise ValueError("no waterfall without transactions")
        from segkit.i18n import current

        return plot_waterfall(self.waterfall, ax=ax, currency=current().currency or "")

    @property
    def issues_table(self) -> pd.DataFrame:
        """The audit as the report shows it: per table, largest first, readable headers."""
        if self.issues.empty:
            return self.issues
        # defects first, largest first; then the rules that read the file as it is meant
        shown = self.issues.assign(_t=self.issues["table"].map(_TABLE_ORDER),
                                   _r=self.issues["rule"].isin(READING_RULES)).sort_values(
            ["_t", "_r", "n_rows"], ascending=[True, True, False], kind="stable")
        return shown[["table", "file", "rule", "column", "action", "n_rows", "share", "example_rows"]].rename(
            columns={"n_rows": "rows", "share": "share of file", "example_rows": "example rows"})

    @property
    def fixes(self) -> pd.DataFrame:
        """Audit rows that dropped, changed or flagged data: not the outcome period, and not the rules that read
        the file as it is meant (an amount derived, answers recoded, levels coded, ids numbered), which would
        dwarf the defects."""
        if not len(self.issues):
            return self.issues
        return self.issues.loc[~self.issues["rule"].isin(["after_cutoff", *READING_RULES])]

    @property
    def readings(self) -> pd.DataFrame:
        """Audit rows of the rules that read the file as it is meant (see :data:`READING_RULES`)."""
        if not len(self.issues):
            return self.issues
        return self.issues.loc[self.issues["rule"].isin(READING_RULES)]

    @property
    def n_after_cutoff(self) -> int:
        """Transaction lines after the cut-off, as the audit counted them (the outcome period)."""
        if self.issues.empty:
            return 0
        return int(self.issues.loc[self.issues["rule"] == "after_cutoff", "n_rows"].sum())

    @property
    def orphan_warnings(self) -> pd.DataFrame:
        """Files where more than :data:`ORPHAN_WARN_SHARE` of the rows belong to unknown customer ids."""
        if self.issues.empty:
            return self.issues
        return self.issues.loc[self.issues["rule"].isin(["orphan_transactions", "orphan_survey"])
                               & (self.issues["share"] > ORPHAN_WARN_SHARE)]

    @property
    def feature_summary(self) -> pd.DataFrame | None:
        """Mean, spread and quartiles of the main features."""
        if self.features is None:
            return None
        cols = [c for c in SUMMARY_FEATURES if c in self.features]
        desc = self.features[cols].describe(percentiles=[0.25, 0.5, 0.75]).T.reset_index()
        desc = desc.rename(columns={"index": "feature"})
        return desc[["feature", "mean", "std", "min", "25%", "50%", "75%", "max"]]

    @property
    def value_summary(self) -> pd.DataFrame | None:
        """Potential value per customer over the study's horizon: mean and quartiles."""
        if self.value is None:
            return None
        desc = self.value[["p_alive", "expected_orders", "expected_spend_per_order", "clv"]].describe().T
        desc = desc.reset_index().rename(columns={"index": "measure"})
        return desc[["measure", "mean", "25%", "50%", "75%", "max"]]

    @property
    def loyalty(self) -> Any:
        """Whether loyalty may use P(alive) (:func:`segkit.pipeline.loyalty_check`); None without a value model."""
        if self.value is None or "p_alive" not in self.segmented:
            return None
        flag = (self.value.attrs.get("bgnbd") or {}).get("converged")
        return loyalty_check(self.segmented, converged=None if flag is None else bool(flag))

    @property
    def yes_shares(self) -> pd.Series:
        """Share answering yes per basis item (binary bases), smallest first."""
        return self.segmented[self.basis].mean().sort_values()

    @property
    def correlation(self) -> pd.DataFrame | None:
        """Correlation of the prepared basis variables (None for one variable or a mixed basis)."""
        if len(self.basis) < 2 or self.prepared.kind == "mixed":
            return None
        return self.prepared.X[self.basis].corr()

    @property
    def strong_pairs(self) -> list[tuple[str, str, float]]:
        """Pairs of basis variables correlated beyond :data:`STRONG_CORRELATION`."""
        corr = self.correlation
        if corr is None:
            return []
        b = self.basis
        return [(x, y, float(corr.loc[x, y])) for i, x in enumerate(b) for y in b[i + 1:]
                if abs(corr.loc[x, y]) > STRONG_CORRELATION]


def run(ctx: StepContext) -> DataResult:
    """Compute features, outcomes, value, the customer table and the prepared basis; write them."""
    cfg = ctx.cfg
    window = ctx.window
    quality = ctx.read(artifacts.QUALITY)
    customers = ctx.read_optional(artifacts.TABLE_CUSTOMERS)
    transactions = ctx.read_optional(artifacts.TABLE_TRANSACTIONS)
    survey = ctx.read_optional(artifacts.TABLE_SURVEY)

    features = outcomes = value = value_model = None
    value_note: str | None = None
    if transactions is not None and window is not None:
        ctx.progress(f"computing customer features and outcomes from {len(transactions):,} lines")
        with feature_engine(cfg.engine) as engine:
            features = compute_features(transactions, cutoff=window.cutoff, **engine)
            outcomes = compute_outcomes(transactions, cutoff=window.cutoff, **engine)
        ctx.progress(f"fitting the potential-value model on {len(features):,} customers")
        history = window.in_history(transactions["date"])
        with warnings.catch_warnings():
            # The diagnostics are shown on the page, next to the parameters they concern.
            warnings.simplefilter("ignore", SegkitWarning)
            try:
                value_model = purchase_value_model(transactions.loc[history], cutoff=window.cutoff,
                                                   **value_settings(cfg))
            except (DataError, ValueError, FloatingPointError, np.linalg.LinAlgError) as err:
                # a study whose method does not read value goes on without it (step 3 refuses the value
                # schemes on such data); the page says why there is no potential value
                value_note = f"The potential-value model could not be fitted on this history: {err}."
                ctx.progress("the potential-value model could not be fitted; going on without potential value")
        value = None if value_model is None else value_model.customers
        ctx.write(artifacts.OUTCOMES, outcomes)
        ctx.write(artifacts.EARLY_BEHAVIOUR, early_behaviour(transactions.loc[history], cutoff=window.cutoff))
    table = customer_table(features=features, customers=customers, survey=survey, value=value,
                           descriptors=study_descriptors(cfg, transactions, window))
    basis = list(cfg.basis)
    check_basis(table, basis)
    segmented, n_incomplete = basis_complete_cases(table, basis)
    prepared = prepare_study_basis(cfg, segmented)
    ctx.write(artifacts.CUSTOMER_TABLE, segmented)
    ctx.write(artifacts.BASIS, prepared.X.reset_index())
    ctx.write(artifacts.BASIS_TRANSFORMS, prepared.transforms)
    waterfall = None
    if transactions is not None and window is not None and quality.get("ledger"):
        waterfall = _waterfall(quality["ledger"], transactions.loc[window.in_history(transactions["date"])],
                               features, segmented)
        ctx.write(artifacts.WATERFALL, waterfall)
    engine_text = "embedded DuckDB" if cfg.engine.name == "duckdb" else f"Spark ({cfg.engine.master})"
    issues = pd.DataFrame(quality["issues"])
    names = (transactions.attrs.get("source_names") if transactions is not None else None) or {}
    amount_source = _amount_source(quality)
    return DataResult(issues=issues, rules=QUALITY_RULES, joins=ctx.read(artifacts.JOINS), features=features,
                      value=value, outcomes=outcomes, segmented=segmented, prepared=prepared, basis=basis,
                      n_incomplete=n_incomplete, engine=engine_text,
                      cutoff=window.cutoff if window else None, value_model=value_model, value_note=value_note,
                      waterfall=waterfall,
                      non_product=pd.DataFrame(quality.get("non_product") or [],
                                               columns=["matched_on", "value", "kind", "rows", "customers",
                                                        "amount"]),
                      transaction_descriptors=pd.DataFrame(quality.get("descriptors") or []),
                      outlier_threshold=quality.get("outlier_threshold"), rows_read=quality.get("rows_read") or {},
                      amount_source=amount_source or names.get("amount", "amount"))


def _amount_source(quality: dict[str, Any]) -> str | None:
    derived = [i for i in quality.get("issues", []) if i.get("rule") == "amount_derived"]
    return str(derived[0]["column"]) if derived else None


def _waterfall(ledger: list[dict[str, Any]], history: pd.DataFrame, features: pd.DataFrame | None,
               segmented: pd.DataFrame) -> pd.DataFrame:
    """Step 2's ledger, continued to the analysed customers: those with a purchase left, then a full basis."""
    led = Ledger(stages=[dict(s) for s in ledger])
    buyers = set(features["customer_id"]) if features is not None else set()
    lines = history.loc[history["customer_id"].isin(buyers)]
    led.record("no_purchase_left", lines)
    lines = lines.loc[lines["customer_id"].isin(set(segmented["customer_id"]))]
    led.record("basis_incomplete", lines)
    led.record("analysed", lines, rows=0)
    return waterfall_table(led.stages)


def basis_grid(n: int, ncol: int = 3) -> tuple[int, int]:
    """Rows and columns of a grid of ``n`` small plots, at most ``ncol`` wide."""
    cols = min(n, ncol)
    return int(np.ceil(n / cols)), cols

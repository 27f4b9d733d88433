"""Step 3, method: choose a feasible method, say why, and why not the others.

The method must be feasible under the data found in step 2. Feasible is the
base to explore from, not a guarantee: steps 5 to 7 test whether its segments
are stable, describable and valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.errors import ConfigError
from segkit.i18n import translate
from segkit.methods.feasibility import choose_method
from segkit.methods.registry import get_method
from segkit.study import artifacts
from segkit.study.context import StepContext

#: Where the method's reason ends its first clause, in English or Chinese (the index shows that clause).
_FIRST_CLAUSE = re.compile(r"; |\. |；|。")

__all__ = ["MethodResult", "check_named_method", "run"]


@dataclass
class MethodResult:
    """What step 3 shows.

    Attributes
    ----------
    doc : dict
        As written to ``method.json``: method, label, family, chosen_by, reason,
        basis, basis_kind, candidates, rejected, and the k range and
        resampling settings step 5 will use.
    description : str
        What the chosen method does, in a sentence.
    ranked : DataFrame
        Every method ranked (step 2's feasibility table).
    rejected : DataFrame
        ``method``, ``what is missing`` for the infeasible ones.
    """

    doc: dict[str, Any]
    description: str
    ranked: pd.DataFrame
    rejected: pd.DataFrame

    @property
    def method(self) -> str:
        return str(self.doc["method"])

    @property
    def data_driven(self) -> bool:
        """Whether the method searches for segments in the data (k and bootstrap stability apply)."""
        return get_method(self.method).data_driven


def check_named_method(method: str, ranked: pd.DataFrame) -> None:
    """Refuse a method the study file names when the data cannot support it.

    Raises
    ------
    ConfigError
        Naming what is missing and the feasible methods.
    """
    if method == "auto":
        return
    row = ranked.loc[ranked["method"] == method].iloc[0]
    if not bool(row["feasible"]):
        raise ConfigError(f"the study file names method '{method}', which these data cannot support: "
                          f"{row['missing']}. Feasible methods: "
                          f"{', '.join(ranked.loc[ranked['feasible'].astype(bool), 'method'])}")


def run(ctx: StepContext) -> MethodResult:
    """Choose the method (or check the one the study file names) and write ``method.json``.

    Raises
    ------
    ConfigError
        When the study file names a method these data cannot support, naming
        what is missing and the feasible methods.
    """
    cfg = ctx.cfg
    brief = ctx.read(artifacts.BRIEF)
    inventory = ctx.read(artifacts.INVENTORY)
    ranked = ctx.read(artifacts.FEASIBILITY)
    kind = inventory["basis_kind"]
    stratify = cfg.stratify.model_dump() if cfg.stratify else None
    if cfg.method == "auto":
        method, reason = choose_method(brief, inventory, basis_kind=kind, k_max=cfg.k_range[1], stratify=stratify,
                                       min_history_months=cfg.value.min_history_months)
        chosen_by = translate("automatic choice (method: auto)")
    else:
        method = cfg.method
        check_named_method(method, ranked)
        row = ranked.loc[ranked["method"] == method].iloc[0]
        reason = translate("Named in the study file. {reasons}").format(reasons=row["reasons"])
        chosen_by = translate("named in the study file")
    spec = get_method(method)
    rejected = ranked.loc[~ranked["feasible"].astype(bool), ["method", "missing"]]
    doc = {
        "method": method,
        "label": spec.label,
        "family": spec.family,
        "chosen_by": chosen_by,
        "reason": reason,
        # the first clause, cut where either language ends one
        "reason_short": translate("{sentence}.").format(sentence=_FIRST_CLAUSE.split(reason)[0].rstrip(".。")),
        "basis": list(cfg.basis),
        "basis_kind": kind,
        "k_range": list(cfg.k_range),
        "candidates": ranked.loc[ranked["feasible"].astype(bool), "method"].tolist(),
        "rejected": rejected.to_dict("records"),
    }
    ctx.write(artifacts.METHOD, doc)
    return MethodResult(doc=doc, description=spec.description, ranked=ranked,
                        rejected=rejected.rename(columns={"missing": "what is missing"}))

"""Step 3: which segmentation methods the goal and the data allow, ranked.

A method is *feasible* when the data it needs exist in the inventory (step 2):
value schemes need transactions, lifetime-value ones enough history and repeat
purchases, survey schemes need survey items, data-driven methods need a basis
of the kind they model and enough customers per segment. Feasible methods are
scored by their fit with the brief (step 1): a long horizon favours behavioural
data-driven segments, a short one the immediately actionable value schemes;
yes/no items favour latent class analysis, a mixed basis k-prototypes.
Feasible is the base to explore from, not a guarantee of a useful result:
stability (step 5) and validation (step 7) decide that.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.i18n import join, translate
from segkit.methods.registry import METHODS, Fit

__all__ = ["CRITERIA", "choose_method", "feasibility_matrix", "rank_methods"]

#: What a method can need; each is a column of :func:`rank_methods`'s table (True/False/NA = not needed).
CRITERIA = (
    "transactions",
    "history",
    "repeat purchases",
    "survey items",
    "satisfaction",
    "basis type",
    "customers per segment",
    "stratify section",
)
#: Words in the brief's goal or KPI that mean it speaks of a topic a method's fit may follow.
_GOAL_WORDS = {
    "value": ("value", "profit", "revenue", "sales", "spend"),
    "service": ("satisf", "service", "experience", "complain"),
    "needs": ("need", "attitude", "product", "communication"),
}
_MIN_PER_SEGMENT = 10
_MIN_REPEAT_RATIO = 1.5


def history_floor(req: Any, reads_value: bool, study_min: int | None) -> int:
    """The shortest history a scheme accepts: the study file's ``value: min_history_months`` for a scheme
    that reads the value model, else the scheme's own floor (its recommended history when it has none)."""
    if reads_value and study_min is not None:
        return int(study_min)
    return int(req.min_history_months if req.min_history_months is not None else req.history_months)


def short_history_warning(history: float, months: int, why: str) -> str:
    """The warning given when a scheme is accepted on less history than it recommends."""
    return translate("warning: calibrated on {history} months of history, less than the {months} recommended "
                     "({why}); read its classes with that in mind").format(history=f"{history:.1f}", months=months,
                                                                           why=translate(why))


def _table(inventory: dict, name: str) -> dict:
    t = (inventory.get("tables") or {}).get(name) or {}
    return t if t.get("present", bool(t)) else {}


def _goal_text(brief: dict) -> str:
    return " ".join(str(brief.get(k, "")) for k in ("goal", "kpi")).lower()


def rank_methods(
    brief: dict[str, Any],
    inventory: dict[str, Any],
    *,
    basis_kind: str | None = None,
    k_max: int = 8,
    stratify: dict[str, Any] | None = None,
    min_history_months: int | None = None,
) -> pd.DataFrame:
    """Rank every segmentation method by feasibility and fit with the brief.

    Parameters
    ----------
    brief : dict
        Step 1's brief (``goal``, ``horizon``, ``kpi``, ...).
    inventory : dict
        Step 2's inventory (``n_customers``, ``tables``).
    basis_kind : {"numeric", "binary", "mixed"}, optional
        Kind of the study's basis (``prepare_basis(...).kind``); by default
        numeric when there are transactions, else binary when the survey has items.
    k_max : int, default 8
        Largest number of segments the study will try.
    stratify : dict, optional
        The study's ``stratify`` section; also read from ``brief["stratify"]``.
    min_history_months : int, optional
        The study file's ``value: min_history_months``: the shortest history the
        schemes that read the value model accept (they warn below their own
        recommended history).

    Returns
    -------
    DataFrame
        One row per method: ``method``, ``family``, ``feasible``, ``score``,
        ``rank`` (1 = best; feasible methods first), ``reasons``, ``missing``
        and one column per :data:`CRITERIA` (True met, False unmet, NA not needed).

    Examples
    --------
    >>> inv = {"n_customers": 500, "tables": {"survey": {"present": True, "n_customers": 500,
    ...        "items": ["a", "b", "c"], "has_satisfaction": False}}}
    >>> ranked = rank_methods({"goal": "needs", "horizon": "long"}, inv)
    >>> ranked.loc[ranked["rank"] == 1, "method"].item()
    'latent_class'
    """
    tx, survey = _table(inventory, "transactions"), _table(inventory, "survey")
    items = list(survey.get("items") or [])
    if basis_kind is None:
        basis_kind = "numeric" if tx else ("binary" if items else "numeric")
    if basis_kind not in ("numeric", "binary", "mixed"):
        raise ValueError(f"basis_kind must be 'numeric', 'binary' or 'mixed', got {basis_kind!r}")
    horizon = brief.get("horizon", "long")
    if horizon not in ("short", "long"):
        raise ValueError(f"brief['horizon'] must be 'short' or 'long', got {horizon!r}")
    stratify = stratify if stratify is not None else brief.get("stratify")
    history = float(tx.get("history_months") or 0.0)
    n_tx = int(tx.get("n_customers") or 0)
    n_orders = tx.get("n_orders") or tx.get("n_rows") or 0
    repeat_share = tx.get("repeat_customer_share")
    has_repeat = (repeat_share >= 0.1) if repeat_share is not None else (
        n_tx > 0 and n_orders / n_tx >= _MIN_REPEAT_RATIO)
    n_basis = n_tx if (tx and basis_kind != "binary") else int(
        survey.get("n_customers") or inventory.get("n_customers") or 0)
    goal = _goal_text(brief)
    topics = {topic for topic, words in _GOAL_WORDS.items() if any(w in goal for w in words)}

    def applies(fit: Fit) -> bool:
        return ((fit.basis_kind is None or fit.basis_kind == basis_kind)
                and (fit.horizon is None or fit.horizon == horizon)
                and (fit.goal is None or fit.goal in topics)
                and (not fit.transactions or bool(tx))
                and (fit.more_customers_than is None or n_basis > fit.more_customers_than))

    rows = []
    for spec in METHODS.values():
        req = spec.feasibility
        checks: dict[str, bool] = {}
        missing: list[str] = []
        reasons: list[str] = []
        score = 5.0

        # Called only within this iteration; the defaults bind this method's checks and missing list explicitly.
        def need(criterion: str, ok: bool, text: str, *,
                 checks: dict[str, bool] = checks, missing: list[str] = missing) -> None:
            checks[criterion] = bool(ok)
            if not ok:
                missing.append(text)

        if spec.data_driven:
            need("basis type", basis_kind in req.accepts,
                 translate("needs {accepts} (the basis is {kind})").format(accepts=translate(req.accepts_text),
                                                                          kind=basis_kind))
            if basis_kind == "binary":
                need("survey items", len(items) >= 2, translate("needs at least 2 yes/no items in the survey"))
            need("customers per segment", n_basis >= _MIN_PER_SEGMENT * k_max,
                 translate("needs at least {per} customers per segment at k_max = {k_max} ({total} customers; "
                           "{n} available)").format(per=_MIN_PER_SEGMENT, k_max=k_max,
                                                    total=_MIN_PER_SEGMENT * k_max, n=n_basis))
        if spec.stratify:
            need("stratify section", bool(stratify),
                 translate("needs a 'stratify' section in the study (type column, size column, thresholds)"))
        if req.satisfaction:
            need("satisfaction", bool(survey.get("has_satisfaction")),
                 translate("needs a satisfaction column in the survey"))
        if req.history_months is not None:
            months, why = req.history_months, req.history_why
            floor = history_floor(req, spec.value_model, min_history_months)
            need("transactions", bool(tx), translate("needs a transaction table"))
            override = (translate("; to accept a shorter history set value: min_history_months in the study file")
                        if spec.value_model else "")
            need("history", bool(tx) and history >= floor,
                 translate("needs a transaction table with >= {floor} months of history ({why}; {history} "
                           "available{override})").format(floor=floor, why=translate(why), history=f"{history:.1f}",
                                                          override=override)
                 if tx else translate("needs >= {months} months of transaction history").format(months=months))
            if tx and floor <= history < months:
                reasons.append(short_history_warning(history, months, why))
        if spec.value_model:
            need("repeat purchases", has_repeat,
                 translate("needs repeat purchases (most customers buying more than once) to fit a lifetime-value "
                           "model"))
        if req.fixed_k is not None:
            n_avail = int(survey.get("n_customers") or 0) if req.counted_in == "survey" else n_tx
            k = req.fixed_k
            need("customers per segment", n_avail >= _MIN_PER_SEGMENT * k,
                 translate("needs at least {total} customers ({n} available) for {what}").format(
                     total=_MIN_PER_SEGMENT * k, n=n_avail,
                     what=translate(req.fixed_k_text) if req.fixed_k_text else
                     translate("{n} per class").format(n=_MIN_PER_SEGMENT)))
        for fit in req.fits:
            if applies(fit):
                score += fit.score
                if fit.reason:
                    reasons.append(translate(fit.reason).format(history=history, n_basis=n_basis))

        feasible = not missing
        rows.append({
            "method": spec.name,
            "family": spec.family,
            "feasible": feasible,
            "score": round(score, 2) if feasible else 0.0,
            "reasons": join(reasons, "; "),
            "missing": join(missing, "; "),
            **{c: checks.get(c, pd.NA) for c in CRITERIA},
        })

    out = pd.DataFrame(rows)
    order = list(out.index)
    out = out.assign(_order=order).sort_values(["feasible", "score", "_order"], ascending=[False, False, True],
                                               kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    for c in CRITERIA:
        out[c] = out[c].astype("boolean")
    cols = ["method", "family", "feasible", "score", "rank", "reasons", "missing", *CRITERIA]
    return out[cols].reset_index(drop=True)


def choose_method(
    brief: dict[str, Any],
    inventory: dict[str, Any],
    *,
    basis_kind: str,
    k_max: int = 8,
    stratify: dict[str, Any] | None = None,
    min_history_months: int | None = None,
) -> tuple[str, str]:
    """The method ``method: auto`` uses, and why.

    ``auto`` segments on the study's basis, so it picks the best-ranked
    feasible *data-driven* method for that basis (rule-based schemes define
    their own basis: name them in the study to use them). Only when no
    data-driven method is feasible does it fall back to the best feasible
    rule-based scheme.

    Parameters
    ----------
    brief, inventory : dict
        Steps 1 and 2.
    basis_kind : {"numeric", "binary", "mixed"}
        ``prepare_basis(...).kind`` of the study's basis.
    k_max : int, default 8
    stratify : dict, optional
    min_history_months : int, optional
        As in :func:`rank_methods`.

    Returns
    -------
    method : str
    reasons : str
        Plain text: why this method, and what ruled out the others.

    Raises
    ------
    ValueError
        When no method at all is feasible (what each one misses is listed).

    Examples
    --------
    >>> inv = {"n_customers": 2000, "tables": {"transactions": {"present": True, "n_rows": 20000,
    ...        "n_customers": 2000, "history_months": 24.0}}}
    >>> choose_method({"goal": "most valuable shoppers", "horizon": "long"}, inv, basis_kind="numeric")[0]
    'kmeans'
    """
    ranked = rank_methods(brief, inventory, basis_kind=basis_kind, k_max=k_max, stratify=stratify,
                          min_history_months=min_history_months)
    feasible = ranked[ranked["feasible"]]
    pool = feasible[feasible["family"] == "data-driven"]
    fallback = pool.empty
    if fallback:
        pool = feasible
    if pool.empty:
        why = "; ".join(f"{r.method}: {r.missing}" for r in ranked.itertuples())
        raise ValueError(f"no segmentation method is feasible with these data: {why}")
    best = pool.iloc[0]
    # English templates translated before their values go in (segkit.i18n)
    text = [translate("{method} (score {score}): {reasons}.").format(
        method=best["method"], score=f"{best['score']:.1f}", reasons=best["reasons"])]
    if fallback:
        text.append(translate("No data-driven method fits the basis, so the best feasible rule-based scheme is used."))
    others = [f"{r.method} ({r.score:.1f})" for r in pool.iloc[1:].itertuples()]
    if others:
        text.append(translate("Also feasible, ranked lower: {methods}.").format(methods=join(others, ", ")))
    rules = feasible[feasible["family"] != "data-driven"]
    if not fallback and len(rules):
        text.append(translate("Rule-based schemes also feasible (name one in the study to use it): {methods}.").format(
            methods=join([f"{r.method} ({r.score:.1f})" for r in rules.itertuples()], ", ")))
    rejected = ranked[~ranked["feasible"]]
    if len(rejected):
        text.append(translate("Not feasible: {methods}.").format(
            methods=join([f"{r.method} {r.missing}" for r in rejected.itertuples()], "; ")))
    return str(best["method"]), join(text, " ")


def feasibility_matrix(ranked: pd.DataFrame) -> pd.DataFrame:
    """Methods x criteria with check and cross marks, for the step 3 report.

    Parameters
    ----------
    ranked : DataFrame
        Output of :func:`rank_methods`.

    Returns
    -------
    DataFrame
        ``method``, one column per criterion the methods use ("✓" met, "✗"
        unmet, "" not needed) and ``feasible`` ("✓"/"✗"), in rank order.

    Examples
    --------
    >>> inv = {"n_customers": 50, "tables": {"survey": {"present": True, "n_customers": 50,
    ...        "items": ["a", "b"], "has_satisfaction": False}}}
    >>> m = feasibility_matrix(rank_methods({"goal": "x", "horizon": "long"}, inv))
    >>> m.set_index("method").loc["rfm8", "transactions"]
    '✗'
    """
    missing_cols = [c for c in ("method", "feasible", *CRITERIA) if c not in ranked.columns]
    if missing_cols:
        raise ValueError(f"ranked must be the output of rank_methods; it lacks columns {missing_cols}")
    used = [c for c in CRITERIA if ranked[c].notna().any()]

    def mark(v: Any) -> str:
        return "" if pd.isna(v) else ("✓" if v else "✗")

    out = pd.DataFrame({"method": ranked["method"].to_numpy()})
    for c in used:
        out[c] = [mark(v) for v in ranked[c]]
    out["feasible"] = ["✓" if v else "✗" for v in ranked["feasible"]]
    return out

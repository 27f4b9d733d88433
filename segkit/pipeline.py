"""Glue between the steps: what a study's population, basis and method inputs are.

The step notebooks call these so that the decisions that span modules (which
customers are segmented, which table a basis column comes from, what a
rule-based scheme is fed) are made once, in tested code.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from segkit.config import StudyConfig
from segkit.errors import DataError

if TYPE_CHECKING:
    from segkit.methods.prep import PreparedBasis
    from segkit.study.window import StudyWindow

#: Customer-table columns that come from the value model (:func:`purchase_value` and :func:`customer_table`).
VALUE_COLUMNS = ("p_alive", "expected_orders", "expected_spend_per_order", "clv", "repeat_purchase_days",
                 "current_value", "loyalty")


def basis_kind(cfg: StudyConfig, inventory: dict[str, Any], customers: pd.DataFrame | None = None) -> str:
    """``binary`` when every basis column is a yes/no survey item, ``mixed`` when any is a
    categorical (non-numeric) customer attribute, else ``numeric``."""
    survey = (inventory.get("tables") or {}).get("survey") or {}
    items = set(survey.get("items") or [])
    if items and set(cfg.basis) <= items:
        return "binary"
    cat_cols = set(inventory.get("categorical_attributes") or [])
    if customers is not None:
        cat_cols |= {c for c in customers.columns
                     if c != "customer_id" and not pd.api.types.is_numeric_dtype(customers[c])}
    if cat_cols & set(cfg.basis):
        return "mixed"
    return "numeric"


def customer_table(
    *,
    features: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    survey: pd.DataFrame | None,
    value: pd.DataFrame | None = None,
    descriptors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per segmented customer with every column a basis, descriptor or scheme may use.

    The population is the customers with a purchase up to the cut-off when
    there are transactions, else the survey respondents. Attributes and
    survey answers are joined on ``customer_id`` (left joins: a customer
    without survey answers keeps missing values there). ``descriptors`` are
    those read from the transactions (each customer's most frequent country,
    channel, ...: :func:`segkit.io.descriptors.transaction_descriptors`); a
    customers table's column of the same name wins.
    """
    if features is not None:
        table = features.copy()
    elif survey is not None:
        table = survey.copy()
    else:
        raise DataError("a study needs a transaction table or a survey to define its customers")
    for extra in (value, survey if features is not None else None, customers, descriptors):
        if extra is None:
            continue
        new_cols = [c for c in extra.columns if c == "customer_id" or c not in table.columns]
        table = table.merge(extra[new_cols], on="customer_id", how="left", validate="one_to_one")
    if value is not None and "clv" in table:
        # Current value: spend per month of tenure; loyalty: from repeat behaviour (loyalty_score).
        months = (table["tenure_days"].clip(lower=30) / 30.4375)
        table["current_value"] = table["monetary_total"] / months
        table["loyalty"] = loyalty_score(table, converged=_converged(value))
    return table.sort_values("customer_id", kind="stable").reset_index(drop=True)


def study_descriptors(cfg: StudyConfig, transactions: pd.DataFrame | None,
                      window: StudyWindow | None) -> pd.DataFrame | None:
    """The study's descriptors read from the transactions, one value per customer (history lines only)."""
    from segkit.io.descriptors import transaction_descriptors
    from segkit.io.study import transaction_descriptor_columns

    cols = transaction_descriptor_columns(cfg, transactions)
    if not cols or transactions is None or window is None:
        return None
    table, _ = transaction_descriptors(transactions, cols, history=window.in_history(transactions["date"]))
    return table
def _converged(value: pd.DataFrame) -> bool | None:
    """Whether the purchase model's fit converged, when the value table says so."""
    flag = (value.attrs.get("bgnbd") or {}).get("converged")
    return None if flag is None else bool(flag)


def loyalty_check(table: pd.DataFrame, *, converged: bool | None = None) -> Any:
    """:func:`segkit.value.p_alive_check` of a customer table: whether loyalty may use P(alive)."""
    from segkit.value import p_alive_check

    repeat = table["repeat_purchase_days"] if "repeat_purchase_days" in table else pd.Series(0, index=table.index)
    return p_alive_check(table["p_alive"].fillna(1.0), repeat, converged=converged)


def loyalty_score(table: pd.DataFrame, *, converged: bool | None = None) -> pd.Series:
    """Loyalty from repeat behaviour: 0 for one-time buyers, else spend stability, with P(alive) where identified.

    * A customer with at most one order up to the cut-off is never loyal: 0.
    * A repeat buyer's loyalty is their spend stability (steady spend across quarters), averaged with
      P(alive) when the purchase model identifies it for them (a repeat purchase day) and the fit tells
      customers apart (:func:`segkit.value.p_alive_check`); else spend stability alone.

    Loyalty is therefore never above 0 for a one-time buyer, and a median split (the value x potential
    x loyalty scheme) never calls one loyal.
    """
    stability = table["spend_stability"].fillna(0.0) if "spend_stability" in table else pd.Series(
        0.0, index=table.index)
    score = stability.astype(float).copy()
    repeat = table["frequency"] > 1
    if loyalty_check(table, converged=converged).usable:
        identified = repeat & (table["repeat_purchase_days"].fillna(0) > 0)
        score[identified] = 0.5 * stability[identified] + 0.5 * table.loc[identified, "p_alive"].fillna(0.0)
    score[~repeat] = 0.0
    return score


def check_basis(table: pd.DataFrame, columns: list[str], *, source: str = "basis") -> None:
    """Every basis column must be in the customer table; name the missing ones and what exists."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        avail = ", ".join(sorted(c for c in table.columns if c != "customer_id"))
        raise DataError(f"{source} column(s) {missing} are not in the customer table; available: {avail}")


def purchase_value_model(transactions: pd.DataFrame, *, cutoff: Any, horizon_months: int = 12,
                         annual_discount_rate: float = 0.10) -> Any:
    """:func:`~segkit.value.fit_customer_value` of the study's cleaned transactions.

    Purchases returned in full stay in the cleaned table at amount 0 (for the return
    rate); they are no transactions for the purchase model, so only lines with a
    positive amount enter it. Adds ``repeat_purchase_days`` (the model's ``frequency``).
    """
    from segkit.value import fit_customer_value

    purchases = transactions.loc[transactions["amount"] > 0]
    result = fit_customer_value(purchases, cutoff=cutoff, horizon_months=horizon_months,
                                annual_discount_rate=annual_discount_rate)
    # the repeat purchase days say for whom the model identifies P(alive) (loyalty_score): the fit's own summary
    repeat = result.summary.set_index("customer_id")["frequency"]
    value = result.customers
    customers = value.assign(repeat_purchase_days=value["customer_id"].map(repeat).fillna(0).astype(int))
    customers.attrs = dict(value.attrs)
    return dataclasses.replace(result, customers=customers)


def purchase_value(transactions: pd.DataFrame, *, cutoff: Any, horizon_months: int = 12,
                   annual_discount_rate: float = 0.10) -> pd.DataFrame:
    """The per-customer table of :func:`purchase_value_model`."""
    return purchase_value_model(transactions, cutoff=cutoff, horizon_months=horizon_months,
                                annual_discount_rate=annual_discount_rate).customers


def value_settings(cfg: StudyConfig) -> dict[str, Any]:
    """The study file's value-model settings, as keyword arguments of :func:`purchase_value`."""
    return {"horizon_months": cfg.value.horizon_months, "annual_discount_rate": cfg.value.annual_discount_rate}


def prepare_study_basis(cfg: StudyConfig, table: pd.DataFrame) -> PreparedBasis:
    """:func:`~segkit.methods.prep.prepare_basis` of the study's basis; errors name the input behind a column.

    A basis column the study computed (``promo_share``) is named with the file and
    columns it was computed from, so the user knows where to look.
    """
    from segkit.features import FEATURE_DEFINITIONS
    from segkit.methods.prep import prepare_basis

    try:
        return prepare_basis(table, list(cfg.basis))
    except DataError as err:
        if err.file or err.column is None:
            raise
        source = _column_source(cfg, err.column, FEATURE_DEFINITIONS)
        if source is None:
            raise
        file, origin = source
        raise DataError(f"{err.message} ({origin})", file=file, column=err.column, rows=err.rows or None,
                        n_rows=err.n_rows) from None


def _column_source(cfg: StudyConfig, column: str, definitions: pd.DataFrame) -> tuple[str, str] | None:
    """The input file a computed customer-table column comes from, and how; None for other columns."""
    feature = definitions.loc[definitions["name"] == column]
    if len(feature) and cfg.data.transactions is not None:
        spec = cfg.data.transactions
        needs = ["date", "amount", *[c.strip() for c in feature["requires"].iloc[0].split(",") if c.strip()]]
        cols = ", ".join(repr(spec.columns.get(c, c)) for c in needs)
        return spec.path.name, f"computed from the transactions' columns {cols}"
    # attributes and survey items were checked, with their file named, when the tables were read
    return None


def basis_complete_cases(table: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, int]:
    """Rows with every basis column present, and how many were left out."""
    keep = table[columns].notna().all(axis=1)
    return table.loc[keep].reset_index(drop=True), int((~keep).sum())


def share_table(assignments: pd.DataFrame) -> pd.DataFrame:
    """Customers and share per segment: ``segment``, ``n``, ``share``."""
    n = assignments.groupby("segment").size().rename("n").reset_index()
    return n.assign(share=n["n"] / n["n"].sum())


def fit_final(method: str, k: int | None, X: pd.DataFrame, *, cfg: StudyConfig,
              sample_value: pd.Series | None = None, init: pd.DataFrame | None = None) -> Any:
    """Fit the study's method with ``k`` segments (ignored by rule-based schemes) on ``X``.

    The estimator is the method's :meth:`~segkit.methods.registry.MethodSpec.build_for_study`;
    ``init`` (one row per segment, basis columns, prepared space) starts it from given centres.
    """
    from segkit.methods.registry import get_method

    spec = get_method(method)
    if not spec.data_driven and sample_value is not None:
        sample_value = sample_value.reindex(X.index)
    est = spec.build_for_study(cfg, k)
    if init is not None:
        est.set_params(init=init)
    return est.fit(X, sample_value=sample_value)


def comparison_windows(window: StudyWindow, transactions: pd.DataFrame, months: int
                       ) -> tuple[StudyWindow, StudyWindow]:
    """An earlier window and a current window of the same length, for a like-for-like comparison over time.

    The earlier window ends ``months`` calendar months before the cut-off (:meth:`StudyWindow.shifted`).
    Both windows then hold the same number of days of history, ending at their own cut-off: as long
    as the study's own history when the data reach back far enough, else as long as the data allow
    before the earlier cut-off (the current side is then the last that many days). Tenure, recency,
    frequency and spend, all measured within each window up to its own cut-off, are comparable.

    Returns
    -------
    earlier, current : StudyWindow
        Both with a ``history_start``.

    Examples
    --------
    >>> import datetime as dt
    >>> from segkit.study.window import StudyWindow
    >>> tx = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2025-09-30"])})
    >>> e, c = comparison_windows(StudyWindow(dt.date(2025, 9, 30)), tx, 6)
    >>> (e.history_start, e.cutoff), (c.history_start, c.cutoff)
    ((datetime.date(2024, 1, 1), datetime.date(2025, 3, 31)), (datetime.date(2024, 7, 2), datetime.date(2025, 9, 30)))
    """
    import datetime as dt

    from segkit.study.window import StudyWindow

    history = transactions.loc[window.in_history(transactions["date"]), "date"]
    if history.empty:
        raise DataError(f"no transactions up to the cut-off {window.cutoff}: there is no history to compare",
                        column="date")
    data_start = max(history.min().date(), window.history_start or dt.date.min)
    earlier_cutoff = window.shifted(months).cutoff
    length = (window.cutoff - data_start).days  # days before the cut-off day
    if earlier_cutoff - dt.timedelta(days=length) < data_start:
        length = (earlier_cutoff - data_start).days
    if length < 0:
        raise DataError(f"the earlier window would end on {earlier_cutoff}, before the first purchase on "
                        f"{data_start}; lower earlier_window_months", column="date")
    step = dt.timedelta(days=length)
    return (StudyWindow(earlier_cutoff, history_start=earlier_cutoff - step),
            StudyWindow(window.cutoff, history_start=window.cutoff - step))


class WindowSegmentation(NamedTuple):
    """One window segmented: its assignments, customer table, fitted model and the data it was fitted on."""

    assignments: pd.DataFrame
    table: pd.DataFrame
    model: Any
    X: pd.DataFrame

    def place(self, other: WindowSegmentation) -> pd.DataFrame:
        """This window's model applied to ``other``'s customers: ``customer_id``, ``segment`` (as this model labels).

        Both windows' data are prepared the same way, each on its own window (for a data-driven basis,
        standardised within the window), so this places customers by where they stand relative to their
        own window's customers.
        """
        labels = np.asarray(self.model.predict(other.X[list(self.X.columns)]))
        return pd.DataFrame({"customer_id": other.X.index.astype(str), "segment": labels + 1})


def window_segmentation(
    cfg: StudyConfig,
    window: StudyWindow,
    *,
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None,
    survey: pd.DataFrame | None,
    method: str,
    k: int | None,
) -> WindowSegmentation:
    """Segment one window's history: the study's method and k, refitted on the features up to its cut-off.

    Features (tenure and recency included) are measured up to and including the window's own cut-off
    day, from its ``history_start`` on; the value model is refitted on the window when the basis or
    scheme reads it.

    Returns
    -------
    WindowSegmentation
        ``assignments`` (``customer_id``, ``segment``, ``segment_name``), ``table`` (the window's
        customer table of the customers segmented), ``model`` (the fitted estimator) and ``X`` (what it
        was fitted on: the prepared basis, or a scheme's input columns).

    Raises
    ------
    DataError
        When the window holds fewer customers than the largest number of segments tried.
    """
    from segkit.features import compute_features, feature_engine
    from segkit.methods.registry import get_method

    past = transactions.loc[window.in_history(transactions["date"])]
    n_past = past["customer_id"].nunique()
    if n_past < cfg.k_range[1]:
        raise DataError(f"the window from {window.history_start} up to and including {window.cutoff} has "
                        f"{n_past} customers with a purchase; at least {cfg.k_range[1]} are needed to segment it "
                        "(lower earlier_window_months)", column="date")
    with feature_engine(cfg.engine) as engine:
        features = compute_features(past, cutoff=window.cutoff, **engine)
    spec = get_method(method)
    # a basis or scheme that reads value needs the value model refitted on the window too
    needs_value = spec.value_model or bool(set(cfg.basis) & set(VALUE_COLUMNS))
    value = purchase_value(past, cutoff=window.cutoff, **value_settings(cfg)) if needs_value else None
    table = customer_table(features=features, customers=customers, survey=survey, value=value,
                           descriptors=study_descriptors(cfg, past, window))
    if spec.data_driven:
        table, _ = basis_complete_cases(table, list(cfg.basis))
        X = prepare_study_basis(cfg, table).X
        value_s = table.set_index("customer_id")["monetary_total"].reindex(X.index)
    else:
        cols = spec.input_columns(cfg)
        table, _ = basis_complete_cases(table, cols)
        X = table.set_index("customer_id")[cols]
        value_s = None
    seg = fit_final(method, k, X, cfg=cfg, sample_value=value_s)
    return WindowSegmentation(seg.result_.assignments[["customer_id", "segment", "segment_name"]], table, seg, X)


def earlier_window_assignments(
    cfg: StudyConfig,
    window: StudyWindow,
    *,
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None,
    survey: pd.DataFrame | None,
    method: str,
    k: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame, StudyWindow]:
    """Segment the earlier window of :func:`comparison_windows`: the same method and k, same-length history.

    Returns
    -------
    assignments : DataFrame
    table : DataFrame
        The earlier customer table of the customers segmented.
    earlier : StudyWindow
        The earlier window.
    """
    earlier, _ = comparison_windows(window, transactions, cfg.earlier_window_months)
    seg = window_segmentation(cfg, earlier, transactions=transactions, customers=customers, survey=survey,
                              method=method, k=k)
    return seg.assignments, seg.table, earlier


def segment_measures(table: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per-segment measures for the attractiveness criteria beyond size and value.

    Returns a frame with ``segment`` and, where the columns exist: ``growth`` (expected value of
    the next 12 months over the current 12-month run rate, minus 1), ``promo_share`` (share of
    spend bought on promotion: response to promotions), ``clv_per_customer`` and ``p_alive``.
    """
    t = assignments[["customer_id", "segment"]].merge(table, on="customer_id", how="left")
    g = t.groupby("segment")
    out = pd.DataFrame({"segment": sorted(t["segment"].unique())}).set_index("segment")
    if {"clv", "current_value"} <= set(t.columns):
        run_rate = 12 * g["current_value"].mean()
        out["growth"] = g["clv"].mean() / run_rate.where(run_rate > 0) - 1
        out["clv_per_customer"] = g["clv"].mean()
    if "promo_share" in t.columns:
        out["promo_share"] = g["promo_share"].mean()
    if "p_alive" in t.columns:
        out["p_alive"] = g["p_alive"].mean()
    return out.reset_index()


def verdict_display(table: pd.DataFrame) -> pd.DataFrame:
    """The verdict table as a reader wants it: one row per criterion, the value as measured, pass/FAIL in words.

    ``evidence_href`` holds the address of the section behind each value (shown as the ``evidence`` link).
    """
    def outcome(row: pd.Series) -> str:
        v = row["passed"]
        if v is None or pd.isna(v):
            return "team judges" if row["measure"] == "team_judges" else "not measured"
        return "pass" if bool(v) else "FAIL"

    step = table["evidence"].str.extract(r"^0(\d)_", expand=False)
    return pd.DataFrame({
        "criterion": table["criterion"],
        "kind": table["kind"],
        "measured by": table["measured_by"],
        "threshold": table["threshold_text"],
        "value": table["value_text"],
        "result": table.apply(outcome, axis=1),
        "evidence": ("step " + step).where(table["measure"] != "team_judges", "–"),
        "evidence_href": table["evidence"].where(table["measure"] != "team_judges", ""),
        "note": table["note"].fillna(""),
    })


def numeric_columns(table: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns of ``columns`` that are numeric in ``table`` (profiles compare means of these)."""
    return [c for c in columns if c in table.columns and pd.api.types.is_numeric_dtype(table[c])]

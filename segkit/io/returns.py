"""Returns, cancellations, non-sales and outliers in transactions.

Retail exports record a return as a row with a negative quantity and amount,
or (UCI Online Retail) an order id starting with ``"C"``. Such rows are never
sales: each is netted against the same customer's latest earlier purchases (of
the same product when a product column exists) within the same period (before
or after the cut-off, so that features at the cut-off use no later information).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.io.quality import CANCEL_PREFIX, OUTLIER_FACTOR, OUTLIER_MIN_ROWS, OUTLIER_QUANTILE, QualityReport
from segkit.io.waterfall import Ledger


def is_return(df: pd.DataFrame, *, cancel_prefix: str | None = CANCEL_PREFIX) -> pd.Series:
    """Which rows are returns or cancellations.

    A row is a return when its order id starts with ``cancel_prefix`` ("C"), or its quantity is
    negative; when the table has neither an order id nor a quantity, a negative
    amount is the only sign of a return and counts as one.

    Examples
    --------
    >>> df = pd.DataFrame({"order_id": ["536365", "C536379"], "amount": [15.3, -27.5]})
    >>> is_return(df).tolist()
    [False, True]
    """
    ret = pd.Series(False, index=df.index)
    if "order_id" in df.columns and cancel_prefix:
        order_id = df["order_id"].astype("string").str.strip().str.upper()
        ret |= order_id.str.startswith(cancel_prefix.upper()).fillna(False).astype(bool)
    if "quantity" in df.columns:
        ret |= df["quantity"].lt(0).fillna(False).astype(bool)
    if "order_id" not in df.columns and "quantity" not in df.columns:
        ret |= df["amount"].lt(0)
    return ret


def drop_non_sales(df: pd.DataFrame, *, report: QualityReport, cancel_prefix: str | None = CANCEL_PREFIX,
                   ledger: Ledger | None = None) -> pd.DataFrame:
    """Drop lines that are no sale and no return: a unit price <= 0, or an amount <= 0 that is not a return.

    A return of amount 0 (a free item sent back) gives nothing back and is dropped too.
    Counted as ``non_positive_amount``.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["a", "a", "a"], "amount": [5.0, 0.0, -3.0],
    ...                    "unit_price": [2.5, 0.0, -3.0]}, index=[2, 3, 4])
    >>> drop_non_sales(df, report=QualityReport()).index.tolist()
    [2]
    """
    ret = is_return(df, cancel_prefix=cancel_prefix)
    not_sale = (~ret & df["amount"].le(0)) | (ret & df["amount"].eq(0))
    if "unit_price" in df.columns:
        not_sale |= df["unit_price"].le(0).fillna(False).astype(bool)
    names = df.attrs.get("source_names", {})
    column = names.get("unit_price", "unit_price") if "unit_price" in df.columns else names.get("amount", "amount")
    report.add("transactions", df.attrs.get("file", ""), "non_positive_amount", rows=df.index[not_sale].tolist(),
               n_total=int(df.attrs.get("n_read", len(df))), column=column)
    out = df.loc[~not_sale]
    if ledger is not None:
        ledger.record("non_positive_amount", out, rows=int(not_sale.sum()))
    return out


def net_returns(df: pd.DataFrame, *, outcome_start: pd.Timestamp | None, report: QualityReport,
                cancel_prefix: str | None = CANCEL_PREFIX, ledger: Ledger | None = None) -> pd.DataFrame:
    """Drop non-sales, net returns against purchases; count each in ``report``.

    Parameters
    ----------
    df : DataFrame
        Clean transactions (customer_id, date, amount, optional product, quantity, order_id).
    outcome_start : Timestamp, optional
        First instant of the outcome period (:attr:`segkit.study.window.StudyWindow.history_end`);
        a return is netted only against purchases of its own period, so nothing after the cut-off
        changes the history the segments are formed on.
    report : QualityReport
        Receives ``non_positive_amount``, ``return_netted``, ``purchase_fully_returned``
        and ``return_unmatched``.
    cancel_prefix : str, optional
        An order id starting with it marks a cancellation (see :func:`is_return`).
    ledger : Ledger, optional
        Receives the stages ``return_unmatched`` (returns without a purchase to net) and
        ``return_netted`` (returns folded into purchases; what exceeded them is excluded).

    Returns
    -------
    DataFrame
        Purchases only, with amounts (quantities, margins) reduced by their
        returns and the amount netted off each line in ``returned_amount``; a
        purchase returned in full has amount 0.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-05"]),
    ...                    "amount": [30.0, -10.0]}, index=[2, 3])
    >>> net_returns(df, outcome_start=None, report=QualityReport())[["amount", "returned_amount"]].values.tolist()
    [[20.0, 10.0]]
    """
    file = df.attrs.get("file", "")
    n_total = int(df.attrs.get("n_read", len(df)))
    df = drop_non_sales(df, report=report, cancel_prefix=cancel_prefix)
    ret = is_return(df, cancel_prefix=cancel_prefix)
    returns = df.loc[ret].sort_values("date", kind="stable")
    df = df.loc[~ret].copy()
    df["returned_amount"] = 0.0
    if returns.empty:
        if ledger is not None:
            ledger.record("return_unmatched", df, rows=0)
            ledger.record("return_netted", df, rows=0)
        return df

    keys = ["customer_id", "product"] if "product" in df.columns else ["customer_id"]
    has_qty = "quantity" in df.columns
    bought = df["amount"].to_numpy(dtype=float)
    amount = bought.copy()
    qty = df["quantity"].to_numpy(dtype=float).copy() if has_qty else None
    dates = df["date"].to_numpy()
    after = dates >= np.datetime64(outcome_start) if outcome_start is not None else np.zeros(len(df), dtype=bool)
    # the purchases of the (customer, product) pairs some return names, by position: grouping every purchase
    # would build millions of groups for a few thousand returns (an inner merge keeps the purchases' order)
    named = df[keys].assign(_pos=np.arange(len(df))).merge(returns[keys].drop_duplicates(), on=keys, how="inner")
    pos = named["_pos"].to_numpy()
    groups = {(k if isinstance(k, tuple) else (k,)): pos[v]
              for k, v in named.groupby(keys, sort=False, dropna=False).indices.items()}
    netted: list[int] = []
    unmatched: list[int] = []
    for row, key, r_date, r_amount, r_qty in zip(
        returns.index, returns[keys].itertuples(index=False, name=None), returns["date"].to_numpy(),
        returns["amount"].to_numpy(dtype=float),
        returns["quantity"].to_numpy(dtype=float) if has_qty else np.full(len(returns), np.nan),
    ):
        left_amount, left_qty = abs(r_amount), abs(r_qty)
        r_after = outcome_start is not None and r_date >= np.datetime64(outcome_start)
        cand = groups.get(key, np.empty(0, dtype=int))
        cand = cand[(dates[cand] <= r_date) & (after[cand] == r_after) & (amount[cand] > 0)]
        # Latest purchase first: a return usually refers to a recent purchase.
        cand = cand[np.argsort(dates[cand], kind="stable")[::-1]]
        for i in cand:
            take = min(amount[i], left_amount)
            if qty is not None and not np.isnan(left_qty) and not np.isnan(qty[i]):
                q = min(qty[i], left_qty)
                qty[i] -= q
                left_qty -= q
            amount[i] -= take
            left_amount -= take
            if left_amount <= 1e-9:
                break
        (netted if len(cand) else unmatched).append(row)
    gone = amount <= 1e-9
    amount[gone] = 0.0
    if ledger is not None:
        ledger.record("return_unmatched", pd.concat([df, returns.drop(index=unmatched)]), rows=len(unmatched))
    df["amount"] = amount
    df["returned_amount"] = bought - amount
    if has_qty:
        df["quantity"] = qty
    if "margin" in df.columns:
        # the margin of the goods sent back is not earned
        df["margin"] = df["margin"] * np.divide(amount, bought, out=np.zeros_like(amount), where=bought != 0)
    report.add("transactions", file, "return_netted", rows=netted, n_total=n_total)
    report.add("transactions", file, "return_unmatched", rows=unmatched, n_total=n_total)
    report.add("transactions", file, "purchase_fully_returned", rows=df.index[gone].tolist(), n_total=n_total)
    if ledger is not None:
        ledger.record("return_netted", df, rows=len(netted))
    return df


def cap_outliers(df: pd.DataFrame, *, report: QualityReport, ledger: Ledger | None = None) -> pd.DataFrame:
    """Cap amounts above OUTLIER_FACTOR x the OUTLIER_QUANTILE quantile; flag them in ``amount_capped``.

    The quantile uses lower interpolation (an observed amount), so a single typo
    cannot raise its own threshold. Tables of fewer than OUTLIER_MIN_ROWS purchases
    are left alone: the 99.9th percentile of a handful of values means nothing.
    A capped line's margin shrinks in the same proportion as its amount. The threshold
    is left in ``df.attrs["outlier_threshold"]`` (None when the table is too small).

    Examples
    --------
    >>> df = pd.DataFrame({"amount": [10.0] * 120 + [1e9]})
    >>> cap_outliers(df, report=QualityReport())["amount"].max()
    np.float64(100.0)
    """
    df = df.copy()
    df["amount_capped"] = False
    df.attrs["outlier_threshold"] = None
    # purchases returned in full (amount 0) are no purchase amounts
    purchases = df["amount"].to_numpy(dtype=float)
    purchases = purchases[purchases > 0]
    if len(purchases) < OUTLIER_MIN_ROWS:
        if ledger is not None:
            ledger.record("outlier_capped", df, rows=0)
        return df
    threshold = OUTLIER_FACTOR * float(np.quantile(purchases, OUTLIER_QUANTILE, method="lower"))
    df.attrs["outlier_threshold"] = threshold
    high = df["amount"] > threshold
    report.add("transactions", df.attrs.get("file", ""), "outlier_capped", rows=df.index[high].tolist(),
               n_total=int(df.attrs.get("n_read", len(df))),
               column=df.attrs.get("source_names", {}).get("amount", "amount"))
    if "margin" in df.columns and high.any():
        # margin goes through the same rule as amount
        df.loc[high, "margin"] = df.loc[high, "margin"] * (threshold / df.loc[high, "amount"])
    df.loc[high, "amount"] = threshold
    df.loc[high, "amount_capped"] = True
    if ledger is not None:
        ledger.record("outlier_capped", df, rows=int(high.sum()))
    return df

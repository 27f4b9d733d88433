"""A customer's first months: what the firm knows of a new customer, to place them in a segment.

Segments are formed from behaviour up to the cut-off, so a rule on those same
variables places existing customers almost perfectly by construction and says
nothing about a *new* customer. This module summarises each customer's first
:data:`EARLY_WINDOW_DAYS` days of purchases, counted from their first
purchase, for the customers whose whole first window lies in the history (first
purchase at least that many days before the cut-off). Step 6 grows an
identification rule on these columns and step 7 judges "can a new customer be
placed in a segment" by its cross-validated accuracy.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["EARLY_COLUMNS", "EARLY_WINDOW_DAYS", "early_behaviour"]

#: Length of a customer's first window, in days from (and including) their first purchase day.
EARLY_WINDOW_DAYS = 90

#: The columns :func:`early_behaviour` computes, in words (the last two need the optional transaction columns).
EARLY_COLUMNS: dict[str, str] = {
    "early_orders": "orders in the first window (distinct order ids, else distinct purchase days)",
    "early_spend": "amount bought in the first window, net of returns",
    "early_order_value": "early_spend per order",
    "early_promo_share": "share of the first window's amount bought on promotion (needs promotion)",
    "early_categories": "distinct categories bought in the first window (needs category)",
}


def early_behaviour(transactions: pd.DataFrame, *, cutoff: Any, days: int = EARLY_WINDOW_DAYS) -> pd.DataFrame:
    """Each customer's first ``days`` days of purchases, for customers whose first window ends by the cut-off.

    Parameters
    ----------
    transactions : DataFrame
        Cleaned transactions: ``customer_id``, ``date``, ``amount`` and optionally ``order_id``,
        ``promotion``, ``category``. Purchases are the lines with ``amount > 0``.
    cutoff : date-like
        The study's cut-off (last day of the history, included).
    days : int
        Length of the first window.

    Returns
    -------
    DataFrame
        ``customer_id``, ``first_purchase`` and the columns of :data:`EARLY_COLUMNS` the
        transactions allow; one row per customer whose first purchase is at least ``days`` days
        before the day after the cut-off.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "amount": [10.0, 20.0, 5.0, 8.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-01", "2024-12-01"])})
    >>> early_behaviour(tx, cutoff="2024-12-31")[["customer_id", "early_orders", "early_spend"]]
      customer_id  early_orders  early_spend
    0           a             2         30.0
    """
    end = pd.Timestamp(cutoff).normalize() + pd.Timedelta(days=1)
    tx = transactions.loc[(transactions["amount"] > 0) & (transactions["date"] < end)].copy()
    tx["customer_id"] = tx["customer_id"].astype(str)
    tx["day"] = tx["date"].dt.normalize()
    first = tx.groupby("customer_id")["day"].min().rename("first_purchase")
    tx = tx.join(first, on="customer_id")
    complete = tx["first_purchase"] + pd.Timedelta(days=days) <= end
    win = tx.loc[complete & (tx["day"] < tx["first_purchase"] + pd.Timedelta(days=days))]
    order = "order_id" if "order_id" in win and win["order_id"].notna().all() else "day"
    g = win.groupby("customer_id")
    out = pd.DataFrame({"first_purchase": g["first_purchase"].first(), "early_orders": g[order].nunique(),
                        "early_spend": g["amount"].sum()})
    out["early_order_value"] = out["early_spend"] / out["early_orders"]
    if "promotion" in win:
        promo = win["amount"].where(win["promotion"].fillna(False).astype(bool), 0.0)
        out["early_promo_share"] = promo.groupby(win["customer_id"]).sum() / out["early_spend"]
    if "category" in win:
        out["early_categories"] = g["category"].nunique()
    return out.reset_index().sort_values("customer_id", kind="stable").reset_index(drop=True)

"""Descriptors read from the transactions (country, channel, store): one value per customer.

A customer's lines may carry different values (a move, a second store). The value
used is the **most frequent** among the customer's lines up to the cut-off; a tie is
broken by the most recent of the tied values. How many customers had more than one
value, and how many ties were broken, is counted in the audit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

STATS_COLUMNS = ["column", "customers", "several_values", "ties", "missing"]


def transaction_descriptors(transactions: pd.DataFrame, columns: Sequence[str], *,
                            history: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each customer's most frequent value of each column, and how often that was a choice.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date`` and the ``columns``.
    columns : sequence of str
        Transaction columns to describe customers by.
    history : Series of bool, optional
        Lines to use (those up to the cut-off); default all.

    Returns
    -------
    table : DataFrame
        ``customer_id`` and one column per descriptor, sorted by ``customer_id``.
    stats : DataFrame
        Per column: ``customers``, ``several_values`` (customers whose lines carry more
        than one value), ``ties`` (customers whose most frequent values tie; the most
        recent wins) and ``missing`` (customers with no value).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-05",
    ...                                            "2024-02-05"]),
    ...                    "country": ["UK", "UK", "EIRE", "France", "Spain"]})
    >>> table, stats = transaction_descriptors(tx, ["country"])
    >>> table["country"].tolist()
    ['UK', 'Spain']
    >>> stats[["customers", "several_values", "ties"]].values.tolist()
    [[2, 2, 1]]
    """
    t = transactions if history is None else transactions.loc[history]
    ids = pd.Index(sorted(t["customer_id"].dropna().unique()), name="customer_id")
    out = pd.DataFrame(index=ids)
    stats: list[dict[str, Any]] = []
    for col in columns:
        sub = t[["customer_id", "date", col]].dropna(subset=["customer_id", col])
        g = sub.groupby(["customer_id", col], sort=False, observed=True).agg(n=("date", "size"),
                                                                             last=("date", "max")).reset_index()
        # most lines first, then the most recent value: the first row per customer is the one kept
        g = g.sort_values(["customer_id", "n", "last"], ascending=[True, False, False], kind="stable")
        first = g.drop_duplicates("customer_id")
        n_values = g.groupby("customer_id").size()
        top = g.groupby("customer_id")["n"].max()
        n_top = g.loc[g["n"].eq(g["customer_id"].map(top))].groupby("customer_id").size()
        out[col] = first.set_index("customer_id")[col].reindex(ids)
        stats.append({"column": col, "customers": int(len(ids)), "several_values": int((n_values > 1).sum()),
                      "ties": int((n_top > 1).sum()), "missing": int(out[col].isna().sum())})
    return out.reset_index(), pd.DataFrame(stats, columns=STATS_COLUMNS)

"""The assignments table that every step after segmentation takes: checked, named, joined.

An assignments table has one row per customer: ``customer_id``, ``segment``
(an integer) and optionally ``segment_name``. Profiling (step 6), validation
(step 7) and iteration (step 8) all start from one, so its checks live here,
once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segkit.errors import DataError

__all__ = ["check_assignments", "join_on_customer", "segment_names"]


def check_assignments(assignments: pd.DataFrame, *, name: str = "assignments") -> pd.DataFrame:
    """Return a clean copy of an assignments table or raise a DataError naming the fault.

    Parameters
    ----------
    assignments : DataFrame
        ``customer_id`` and ``segment``, optionally ``segment_name``; other
        columns are dropped.
    name : str
        What to call the table in error messages (e.g. ``"previous"``).

    Returns
    -------
    DataFrame
        ``customer_id`` (str), ``segment`` (int) and ``segment_name`` (str;
        the segment number as text when the table had no names), with a
        fresh 0..n-1 index.

    Raises
    ------
    DataError
        When ``assignments`` is not a DataFrame, lacks ``customer_id`` or
        ``segment``, repeats a customer id or has customers without a segment.

    Examples
    --------
    >>> a = pd.DataFrame({"customer_id": [1, 2], "segment": [2.0, 1.0]})
    >>> check_assignments(a)
      customer_id  segment segment_name
    0           1        2            2
    1           2        1            1
    """
    if not isinstance(assignments, pd.DataFrame):
        raise DataError(f"{name} must be a DataFrame, got {type(assignments).__name__}")
    missing = [c for c in ("customer_id", "segment") if c not in assignments.columns]
    if missing:
        raise DataError(f"{name} needs columns customer_id and segment; missing {missing}", column=missing[0])
    out = assignments[[c for c in ("customer_id", "segment", "segment_name") if c in assignments.columns]].copy()
    out["customer_id"] = out["customer_id"].astype(str)
    dup = out["customer_id"].duplicated()
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 1).tolist()
        raise DataError(f"{name}: every customer must be in exactly one segment; ids repeat",
                        column="customer_id", rows=rows, n_rows=len(rows))
    if out["segment"].isna().any():
        rows = (np.flatnonzero(out["segment"].isna().to_numpy()) + 1).tolist()
        raise DataError(f"{name}: customers without a segment", column="segment", rows=rows, n_rows=len(rows))
    out["segment"] = out["segment"].astype(int)
    if "segment_name" not in out.columns:
        out["segment_name"] = out["segment"].astype(str)
    out["segment_name"] = out["segment_name"].astype(str)
    return out.reset_index(drop=True)


def segment_names(assignments: pd.DataFrame) -> dict[int, str]:
    """``{segment: name}`` from an assignments table (first name seen per segment).

    Parameters
    ----------
    assignments : DataFrame
        A table that passed :func:`check_assignments` (it needs ``segment``
        and ``segment_name``).

    Returns
    -------
    dict of int to str
        Segment number -> name, in segment order.

    Examples
    --------
    >>> a = pd.DataFrame({"segment": [2, 1, 2], "segment_name": ["Big", "Small", "Other"]})
    >>> segment_names(a)
    {1: 'Small', 2: 'Big'}
    """
    first = assignments.drop_duplicates("segment").sort_values("segment")
    return dict(zip(first["segment"].astype(int), first["segment_name"].astype(str)))


def join_on_customer(assignments: pd.DataFrame, table: pd.DataFrame, columns: Sequence[str], *,
                     table_name: str, how: str = "inner") -> pd.DataFrame:
    """Join the named columns of ``table`` to the assignments by customer_id, checking they exist.

    Parameters
    ----------
    assignments : DataFrame
        A table that passed :func:`check_assignments`.
    table : DataFrame
        ``customer_id`` (any type; compared as text) and ``columns``, at most
        one row per customer.
    columns : sequence of str
        The columns of ``table`` to bring over.
    table_name : str
        What to call ``table`` in error messages (e.g. ``"features"``).
    how : str
        The merge: ``"inner"`` keeps only customers in both tables,
        ``"left"`` keeps every assigned customer.

    Returns
    -------
    DataFrame
        The assignments' columns followed by ``columns``.

    Raises
    ------
    DataError
        When ``table`` lacks ``customer_id`` or one of ``columns``, or
        repeats a customer id.

    Examples
    --------
    >>> a = check_assignments(pd.DataFrame({"customer_id": ["a", "b"], "segment": [1, 2]}))
    >>> f = pd.DataFrame({"customer_id": ["a"], "age": [40]})
    >>> join_on_customer(a, f, ["age"], table_name="customers")
      customer_id  segment segment_name  age
    0           a        1            1   40
    """
    if "customer_id" not in table.columns:
        raise DataError(f"{table_name} needs a customer_id column", column="customer_id")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{table_name} has no column {missing[0]!r}; it has {list(table.columns)}",
                        column=missing[0])
    right = table[["customer_id", *columns]].copy()
    right["customer_id"] = right["customer_id"].astype(str)
    if right["customer_id"].duplicated().any():
        rows = (np.flatnonzero(right["customer_id"].duplicated().to_numpy()) + 1).tolist()
        raise DataError(f"{table_name}: customer ids repeat", column="customer_id", rows=rows, n_rows=len(rows))
    return assignments.merge(right, on="customer_id", how=how)

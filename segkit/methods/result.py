"""One result type for every segmentation method, rule-based or data-driven."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import DataError, SegkitError


@dataclass(frozen=True)
class SegmentationResult:
    """What a segmentation method produced.

    Attributes
    ----------
    method : str
        Name of the method (``"kmeans"``, ``"rfm8"``, ...).
    assignments : DataFrame
        One row per customer: ``customer_id``, ``segment`` (int, 1..k) and
        ``segment_name``. Every customer is in exactly one segment.
    segments : DataFrame
        One row per segment: ``segment``, ``name``, ``n_customers``, ``share``,
        ``action`` and ``description``; rule-based schemes add ``rule``.
    centers : DataFrame or None
        Segment means of the basis variables in their original units
        (index ``segment``), for data-driven methods.
    params : dict
        The settings that produced the result (k, seed, thresholds, ...).
    """

    method: str
    assignments: pd.DataFrame
    segments: pd.DataFrame
    centers: pd.DataFrame | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """The per-segment table (alias of :attr:`segments`)."""
        return self.segments

    @property
    def n_segments(self) -> int:
        return len(self.segments)

    def summary(self) -> pd.DataFrame:
        """Segments with size, share and action, ready to show in a report."""
        cols = [c for c in ("segment", "name", "n_customers", "share", "action", "description", "rule")
                if c in self.segments.columns]
        return self.segments[cols]

    def plot(self, ax=None):
        """Bar chart of segment sizes; returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * self.n_segments))
        seg = self.segments.sort_values("segment")
        labels = [f"{s}. {n}" for s, n in zip(seg["segment"], seg["name"])]
        ax.barh(labels[::-1], seg["n_customers"].to_numpy()[::-1], color="#4C72B0")
        ax.set_xlabel("customers")
        return ax


def build_result(
    method: str,
    customer_ids: Sequence[Any] | pd.Index | pd.Series,
    segment: Sequence[int] | np.ndarray,
    *,
    names: dict[int, str],
    actions: dict[int, str] | None = None,
    descriptions: dict[int, str] | None = None,
    rules: dict[int, str] | None = None,
    centers: pd.DataFrame | None = None,
    params: dict[str, Any] | None = None,
    all_segments: Sequence[int] | None = None,
) -> SegmentationResult:
    """Assemble and check a :class:`SegmentationResult`.

    Parameters
    ----------
    method : str
        Method name.
    customer_ids : sequence
        Customer ids, one per row, unique.
    segment : sequence of int
        Segment number (1..k) of each customer.
    names, actions, descriptions, rules : dict of int -> str
        Per-segment texts.
    centers : DataFrame, optional
        Segment means of the basis (index = segment number).
    params : dict, optional
        Settings to record.
    all_segments : sequence of int, optional
        Segments to list even when empty (rule-based schemes list every class).

    Raises
    ------
    SegkitError
        If a customer is missing a segment, appears twice, or a segment has no name.
    """
    ids = pd.Series(np.asarray(customer_ids), name="customer_id").astype(str)
    seg = pd.Series(np.asarray(segment), name="segment")
    if len(ids) != len(seg):
        raise SegkitError(f"{len(ids)} customer ids but {len(seg)} segment labels")
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].head(5).tolist()
        raise SegkitError(f"customer ids must be unique; repeated: {dup}")
    if seg.isna().any():
        raise SegkitError(f"{int(seg.isna().sum())} customers have no segment; every customer needs exactly one")
    seg = seg.astype(int)
    present = sorted(seg.unique().tolist())
    listed = sorted(set(all_segments) | set(present)) if all_segments is not None else present
    missing = [s for s in listed if s not in names]
    if missing:
        raise SegkitError(f"segments {missing} have no name")
    assignments = pd.DataFrame(
        {"customer_id": ids, "segment": seg, "segment_name": seg.map(names).astype(str)}
    )
    counts = seg.value_counts()
    rows = []
    for s in listed:
        n = int(counts.get(s, 0))
        row = {
            "segment": s,
            "name": names[s],
            "n_customers": n,
            "share": n / len(seg) if len(seg) else 0.0,
            "action": (actions or {}).get(s, ""),
            "description": (descriptions or {}).get(s, ""),
        }
        if rules is not None:
            row["rule"] = rules.get(s, "")
        rows.append(row)
    segments = pd.DataFrame(rows)
    return SegmentationResult(method, assignments, segments, centers, dict(params or {}))


def unique_ids(index: pd.Index) -> np.ndarray:
    """Customer ids as result keys; a bootstrap sample's repeated customers become "id~2", "id~3"."""
    ids = pd.Series(index.astype(str))
    rep = ids.groupby(ids).cumcount()
    return np.where(rep > 0, ids + "~" + (rep + 1).astype(str), ids).astype(object)


def check_sample_value(sample_value: Any, X: pd.DataFrame) -> np.ndarray | None:
    """``sample_value`` aligned with the rows of ``X`` (by customer id when a Series), or None."""
    if sample_value is None:
        return None
    if isinstance(sample_value, pd.Series) and not sample_value.index.equals(X.index):
        keyed = pd.Series(sample_value.to_numpy(), index=sample_value.index.astype(str))
        if keyed.index.has_duplicates:
            raise DataError("sample_value has repeated customer ids in its index")
        wanted = X.index.astype(str)
        absent = ~wanted.isin(keyed.index)
        if absent.any():
            raise DataError(
                f"sample_value lacks a value for {int(absent.sum())} of {len(X)} customers of X "
                f"(e.g. {list(wanted[absent][:3])})"
            )
        aligned = keyed.reindex(wanted)
        values = aligned.to_numpy(dtype=float)
    else:
        values = np.asarray(sample_value, dtype=float).ravel()
        if len(values) != len(X):
            raise DataError(f"sample_value has {len(values)} values but X has {len(X)} rows")
    if not np.isfinite(values).all():
        raise DataError(f"sample_value has {int((~np.isfinite(values)).sum())} missing or infinite values")
    return values

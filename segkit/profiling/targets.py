"""Which segments to target: attractiveness against fit to the goal (segment evaluation plot)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import DataError
from segkit.figures import new_axes, pretty
from segkit.i18n import translate
from segkit.palette import DARK_GREY, segment_colour, segment_label

__all__ = ["CRITERION_COLUMNS", "TargetMatrix", "target_matrix"]


#: How a criterion named in the brief is measured: keyword pattern -> column of the sizes table.
CRITERION_COLUMNS: list[tuple[str, str]] = [
    (r"value share|share of (value|sales|revenue)", "value_share"),
    (r"profit|margin", "profit_per_customer"),
    (r"growth|grow", "growth"),
    (r"promot", "promo_share"),
    (r"value|spend|revenue|sales|monetary", "value_per_customer"),
    (r"size|substantial|share|customers|volume", "share"),
]


#: A segment is a target when it scores at least this on both axes: the top-right quadrant of the plot.
TARGET_SCORE = 5.0


@dataclass(frozen=True)
class TargetMatrix:
    """Segments scored on attractiveness and on fit to the goal.

    Attributes
    ----------
    table : DataFrame
        One row per segment: ``segment``, ``name``, ``n``, ``share``,
        ``attractiveness`` (0-10, weighted), ``fit`` (0-10) and ``priority``
        (1 = target first; by attractiveness + fit).
    criteria : DataFrame
        Tidy: ``segment``, ``criterion``, ``measured_by``, ``raw_value``,
        ``score`` (0-10 across segments), ``weight`` and ``weighted``.
    fit_source : str
        What the fit axis measures.
    skipped : tuple of str
        Criteria left out because nothing measures them (``on_unmeasurable="skip"``).
    """

    table: pd.DataFrame
    criteria: pd.DataFrame
    fit_source: str
    skipped: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """The segments in priority order, the one to target first on top."""
        return self.table.sort_values("priority").reset_index(drop=True)

    def targets(self, min_share: float = 0.0) -> list[int]:
        """The target segments: top right (both scores at least :data:`TARGET_SCORE`) and at least ``min_share``.

        When no segment is top right, the first priority is the target if it is large enough.
        """
        t = self.table
        big = t["share"] >= min_share if "share" in t else pd.Series(True, index=t.index)
        top = t[(t["attractiveness"] >= TARGET_SCORE) & (t["fit"] >= TARGET_SCORE) & big]
        if top.empty:
            top = t[(t["priority"] == 1) & big]
        return sorted(int(s) for s in top["segment"])

    def plot(self, ax=None):
        """Segment evaluation plot: attractiveness (x) vs fit (y), bubble area = segment size."""
        t = self.table
        ax = new_axes(ax, (7.5, 6.5))
        size = 2500 * t["share"] / t["share"].max()
        ax.scatter(t["attractiveness"], t["fit"], s=size, c=[segment_colour(s) for s in t["segment"]],
                   alpha=0.75, edgecolor="black", linewidth=0.8)
        for r in t.itertuples():
            ax.annotate(f"{segment_label(r.segment, r.name)}\n{r.share:.0%} of customers",
                        (r.attractiveness, r.fit), ha="center", va="center", fontsize=8)
        ax.axvline(5, color=DARK_GREY, ls=":", lw=1)
        ax.axhline(5, color=DARK_GREY, ls=":", lw=1)
        ax.text(9.8, 9.8, "target", ha="right", va="top", fontsize=10, color=DARK_GREY, fontweight="bold")
        ax.set_xlim(-0.8, 10.8)
        ax.set_ylim(-0.8, 10.8)
        ax.set_xlabel("attractiveness of the segment to us (weighted score, 0-10)")
        ax.set_ylabel(f"fit to the goal (0-10: {self.fit_source})")
        ax.set_title("Segment evaluation plot (bubble area = segment size)")
        return ax


def _rescale(v: pd.Series) -> pd.Series:
    v = v.astype(float)
    lo, hi = v.min(), v.max()
    return pd.Series(5.0, index=v.index) if not np.isfinite(hi - lo) or hi == lo else (v - lo) / (hi - lo) * 10


def target_matrix(
    sizes: pd.DataFrame,
    brief: Mapping[str, Any] | Any,
    *,
    fit: Mapping[int, float] | None = None,
    scores: Mapping[str, Mapping[int, float]] | None = None,
    on_unmeasurable: str = "raise",
) -> TargetMatrix:
    """Score segments on the brief's weighted attractiveness criteria and on fit to the goal.

    Each criterion of ``brief["attractiveness"]`` is measured by a column of
    ``sizes`` (a column of that exact name, or by keyword: size/share ->
    ``share``; value/spend/revenue/sales -> ``value_per_customer``; value
    share -> ``value_share``; profit/margin -> ``profit_per_customer``;
    growth -> ``growth``) or by team scores given in ``scores``. Values are
    rescaled to 0-10 across segments (best = 10) and combined with the
    normalised weights. Without weights, size and value per customer count
    equally. The fit axis is ``fit`` (the team's 0-10 judgement per segment)
    or, without it, the segment's value index (its value per customer
    relative to the base) rescaled to 0-10, or its profit index when the KPI
    mentions profit or margin.

    Parameters
    ----------
    sizes : DataFrame
        :func:`segment_sizes` output, optionally with extra columns (``growth``).
    brief : dict or object
        With ``attractiveness`` ({criterion: weight}) and ``kpi``.
    fit : dict, optional
        Segment -> fit score 0-10.
    scores : dict, optional
        Criterion -> {segment: score} for criteria the data cannot measure.

    Returns
    -------
    TargetMatrix

    Examples
    --------
    >>> sizes = pd.DataFrame({"segment": [1, 2], "name": ["A", "B"], "n": [300, 700], "share": [0.3, 0.7],
    ...                       "value_per_customer": [90.0, 30.0], "value_index": [180.0, 60.0]})
    >>> tm = target_matrix(sizes, {"attractiveness": {"size": 1, "value per customer": 3}})
    >>> tm.table[["segment", "attractiveness", "fit"]].round(1).values.tolist()
    [[1.0, 7.5, 10.0], [2.0, 2.5, 0.0]]
    """
    get = (lambda k, d=None: brief.get(k, d)) if isinstance(brief, Mapping) else (
        lambda k, d=None: getattr(brief, k, d))
    weights = dict(get("attractiveness", None) or {"size": 0.5, "value per customer": 0.5})
    if on_unmeasurable not in ("raise", "skip"):
        raise ValueError(f"on_unmeasurable must be 'raise' or 'skip', got {on_unmeasurable!r}")
    scores = dict(scores or {})
    t = sizes.reset_index(drop=True).copy()
    if "name" not in t.columns:
        t["name"] = t["segment"].astype(str)

    def _column(crit: str) -> str | None:
        key = crit.strip().lower().replace(" ", "_")
        if key in t.columns:
            return key
        return next((c for pat, c in CRITERION_COLUMNS if re.search(pat, crit, re.I)), None)

    skipped = tuple(c for c in weights if c not in scores and (_column(c) is None or _column(c) not in t.columns))
    if on_unmeasurable == "skip":
        weights = {c: w for c, w in weights.items() if c not in skipped}
        if not weights:
            raise DataError(f"none of the attractiveness criteria {list(skipped)} can be measured from sizes")
    total_w = float(sum(weights.values()))
    if total_w <= 0:
        raise ValueError(f"attractiveness weights must be positive, got {weights}")
    rows = []
    for crit, w in weights.items():
        if crit in scores:
            raw, by = t["segment"].map(scores[crit]).astype(float), "team score"
        else:
            col = _column(crit)
            if col is None or col not in t.columns:
                have = [c for c in t.columns if pd.api.types.is_numeric_dtype(t[c])]
                raise DataError(f"cannot measure attractiveness criterion {crit!r}"
                                + (f": it needs column {col!r} in sizes" if col else "")
                                + f"; give scores={{{crit!r}: {{segment: 0-10}}}} or a sizes column (have {have})")
            raw, by = t[col].astype(float), col
        if raw.isna().any():
            raise DataError(f"criterion {crit!r} has no value for segment(s) "
                            f"{t.loc[raw.isna(), 'segment'].tolist()}")
        sc = _rescale(raw)
        for s, rv, v in zip(t["segment"], raw, sc):
            rows.append(dict(segment=int(s), criterion=crit, measured_by=by, raw_value=rv, score=v,
                             weight=w / total_w, weighted=v * w / total_w))
    crit_t = pd.DataFrame(rows)
    t["attractiveness"] = t["segment"].map(crit_t.groupby("segment")["weighted"].sum())
    if fit is not None:
        t["fit"] = t["segment"].map(fit).astype(float)
        if t["fit"].isna().any():
            raise ValueError(f"fit has no score for segment(s) {t.loc[t['fit'].isna(), 'segment'].tolist()}")
        source = translate("team judgement")
    else:
        kpi = f"{get('kpi', '') or ''} {get('goal', '') or ''} {get('statement', '') or ''}"
        col = "profit_index" if re.search(r"profit|margin", kpi, re.I) and "profit_index" in t.columns \
            else "value_index"
        if col not in t.columns:
            raise DataError("fit needs a value_index column in sizes (from segment_sizes) or fit= scores")
        t["fit"] = _rescale(t[col])
        source = translate("{variable} rescaled").format(variable=translate(pretty(col)))
    order = (t["attractiveness"] + t["fit"]).rank(ascending=False, method="first").astype(int)
    t["priority"] = order
    keep = [c for c in ("segment", "name", "n", "share") if c in t.columns]
    return TargetMatrix(t[keep + ["attractiveness", "fit", "priority"]], crit_t, source,
                        skipped if on_unmeasurable == "skip" else ())

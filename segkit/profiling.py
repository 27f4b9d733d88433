"""Step 6, profiling: describe each segment so it can be recognised and reached.

What a practitioner puts in front of a client after a segmentation: how big and
how valuable each segment is (:func:`segment_sizes`, :func:`whale_curve`), how
it differs on the variables that formed it (:func:`profile`,
:func:`separation_plot`), who its customers are (:func:`personas`,
:func:`descriptor_tests`, :func:`segment_logit`), how front-line staff can
recognise a new customer's segment (:func:`identification_rule`), whom to call
first (:func:`likelihood_to_buy`) and which segments to target
(:func:`target_matrix`).

Every function takes tidy frames keyed by ``customer_id`` and returns either a
tidy frame or a small result object with ``.table``, ``.summary()`` and
``.plot(ax=None)``. Colours come from :func:`segkit.palette.segment_palette`.
"""

from __future__ import annotations

import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segkit.assignments import check_assignments, join_on_customer, segment_names
from segkit.errors import DataError, SmallSegmentWarning
from segkit.figures import fmt_num, new_axes, pretty
from segkit.multitest import holm
from segkit.palette import BASE_COLOUR, DARK_GREY, GREY, segment_colour, segment_label, segment_palette

__all__ = [
    "IdentificationRule",
    "LikelihoodToBuy",
    "LogitResult",
    "PersonaResult",
    "ProfileResult",
    "TargetMatrix",
    "WhaleCurve",
    "descriptor_tests",
    "identification_rule",
    "likelihood_to_buy",
    "personas",
    "profile",
    "segment_logit",
    "segment_sizes",
    "separation_plot",
    "target_matrix",
    "whale_curve",
]

#: |standardised difference| from which a segment differs visibly from the base
#: (half a standard deviation: a "medium" effect in Cohen's terms).
DISTINCTIVE_STD_DIFF = 0.5


def _is_categorical(s: pd.Series) -> bool:
    """Descriptors with words, booleans or at most two numeric codes are treated as categories."""
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s):
        return True
    if not pd.api.types.is_numeric_dtype(s):
        return True
    return s.dropna().nunique() <= 2


# ---------------------------------------------------------------------------------------------
# size and value
# ---------------------------------------------------------------------------------------------

def segment_sizes(
    assignments: pd.DataFrame,
    features: pd.DataFrame,
    *,
    value_col: str = "monetary_total",
    profit_col: str | None = None,
) -> pd.DataFrame:
    """Size and value of each segment, with value per customer indexed to the base.

    Parameters
    ----------
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    features : DataFrame
        ``customer_id`` and ``value_col`` (and ``profit_col``).
    value_col : str
        What a customer is worth (e.g. spend before the cut-off).
    profit_col : str, optional
        A profit or margin column; adds ``profit``, ``profit_share``,
        ``profit_per_customer`` and ``profit_index``.

    Returns
    -------
    DataFrame
        One row per segment: ``segment``, ``name``, ``n``, ``share``,
        ``value``, ``value_share``, ``value_per_customer`` and ``value_index``
        (value per customer, base = 100). Customers missing from
        ``features`` count in ``n`` but add no value.

    Examples
    --------
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": [1, 1, 2],
    ...                   "segment_name": ["Big", "Big", "Small"]})
    >>> f = pd.DataFrame({"customer_id": ["a", "b", "c"], "monetary_total": [60.0, 30.0, 10.0]})
    >>> segment_sizes(a, f)[["segment", "n", "value_share", "value_index"]]
       segment  n  value_share  value_index
    0        1  2          0.9        135.0
    1        2  1          0.1         30.0
    """
    a = check_assignments(assignments)
    cols = [value_col] + ([profit_col] if profit_col else [])
    df = join_on_customer(a, features, cols, table_name="features", how="left")
    names = segment_names(a)
    g = df.groupby("segment")
    out = pd.DataFrame({"segment": sorted(names)})
    out["name"] = out["segment"].map(names)
    out["n"] = out["segment"].map(g.size()).astype(int)
    out["share"] = out["n"] / out["n"].sum()
    for col, stem in [(value_col, "value")] + ([(profit_col, "profit")] if profit_col else []):
        total = out["segment"].map(g[col].sum()).astype(float)
        out[stem] = total
        out[f"{stem}_share"] = total / total.sum() if total.sum() != 0 else np.nan
        out[f"{stem}_per_customer"] = total / out["n"]
        base = total.sum() / out["n"].sum()
        out[f"{stem}_index"] = out[f"{stem}_per_customer"] / base * 100 if base != 0 else np.nan
    return out


# ---------------------------------------------------------------------------------------------
# profiles on the basis
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProfileResult:
    """Segment means of the basis variables against the whole base.

    Attributes
    ----------
    table : DataFrame
        One row per segment and variable: ``segment``, ``segment_name``,
        ``variable``, ``n``, ``segment_mean``, ``base_mean``, ``base_sd``,
        ``diff``, ``std_diff`` (diff / base SD), ``p_value`` and ``p_adjusted``
        (Welch t-test of the segment against the rest, Holm over all cells)
        and ``distinctive`` (``|std_diff| >= threshold``).
    threshold : float
        The standardised difference that marks a variable as distinctive.
    basis : list of str
        The variables, in the order given.
    """

    table: pd.DataFrame
    threshold: float
    basis: list[str]

    def summary(self) -> pd.DataFrame:
        """The distinctive variables of each segment, largest differences first."""
        t = self.table[self.table["distinctive"]].copy()
        t["_abs"] = t["std_diff"].abs()
        t = t.sort_values(["segment", "_abs"], ascending=[True, False])
        return t[["segment", "segment_name", "variable", "segment_mean", "base_mean", "std_diff"]].reset_index(
            drop=True)

    @property
    def _binary_basis(self) -> bool:
        t = self.table
        return bool(((t["base_mean"] >= 0) & (t["base_mean"] <= 1) & (t["segment_mean"] >= 0)
                     & (t["segment_mean"] <= 1)).all() and self.table.attrs.get("binary", False))

    def plot(self, ax=None, *, segment: int | None = None):
        """The segment profile plot: one panel per segment, one bar per basis variable.

        Bars of distinctive variables are drawn in the segment's colour, the
        others in grey; the whole-base value is marked in red. Survey items
        coded 0/1 are shown as the share answering yes; other bases as the
        standardised difference from the base mean (0 = base), each bar
        labelled with the segment mean in the variable's own units.

        Parameters
        ----------
        ax : Axes or array of Axes, optional
            One Axes (requires ``segment``) or one per segment.
        segment : int, optional
            Draw only this segment's panel.

        Returns
        -------
        Axes or ndarray of Axes
            The Axes drawn on (an array when all segments are drawn).
        """
        import matplotlib.pyplot as plt

        segs = sorted(self.table["segment"].unique()) if segment is None else [segment]
        if ax is None:
            ncols = min(len(segs), 4)
            nrows = int(np.ceil(len(segs) / ncols))
            fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols + 1.6, 0.32 * len(self.basis) * nrows + 1.6),
                                     sharex=True, sharey=True, squeeze=False, layout="constrained")
            for extra in axes.ravel()[len(segs):]:
                extra.set_visible(False)
            what = "share answering yes" if self._binary_basis else "difference from the base mean"
            fig.suptitle(f"Segment profiles: {what} per basis variable", fontweight="bold")
            axes_list = list(axes.ravel()[: len(segs)])
        else:
            axes_list = list(np.atleast_1d(ax).ravel())
            if len(axes_list) != len(segs):
                raise ValueError(f"got {len(axes_list)} Axes for {len(segs)} segments; pass one Axes per segment "
                                 "or segment= to draw one panel")
        for a, s in zip(axes_list, segs):
            self._panel(a, s)
        axes_list[0].legend(loc="lower right", fontsize=8)
        return axes_list[0] if segment is not None else np.array(axes_list)

    def _panel(self, ax, segment: int) -> None:
        t = self.table[self.table["segment"] == segment].set_index("variable").loc[self.basis]
        ypos = np.arange(len(t))[::-1]
        binary = self._binary_basis
        colours = [segment_colour(segment) if d else GREY for d in t["distinctive"]]
        if binary:
            ax.barh(ypos, t["segment_mean"] * 100, color=colours, height=0.7)
            ax.plot(t["base_mean"] * 100, ypos, "o", color=BASE_COLOUR, ms=5, label="whole base")
            ax.set_xlim(0, 100)
            ax.set_xlabel("% answering yes")
        else:
            vals = t["std_diff"].clip(-3, 3)
            ax.barh(ypos, vals, color=colours, height=0.7)
            ax.axvline(0, color=BASE_COLOUR, lw=1.5, label="whole base")
            for thr in (-self.threshold, self.threshold):
                ax.axvline(thr, color=DARK_GREY, lw=0.6, ls=":")
            for y, v, m in zip(ypos, vals, t["segment_mean"]):
                ax.annotate(fmt_num(m), (v, y), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                            ha="left" if v >= 0 else "right", va="center", fontsize=8, color=DARK_GREY)
            ax.set_xlim(-3.4, 3.4)
            ax.set_xlabel("segment mean - base mean\n(base standard deviations)")
        n = int(t["n"].iloc[0])
        share = n / self.table.attrs.get("n_total", n)
        # Panels sit side by side: wrap long segment names instead of letting titles run into each other.
        title = textwrap.fill(segment_label(segment, t['segment_name'].iloc[0]), 34)
        ax.set_title(f"{title}\n{n:,} customers ({share:.0%})",
                     fontsize=10)
        ax.set_yticks(ypos, [pretty(v) for v in t.index], fontsize=9)
        ax.grid(axis="y", visible=False)


def profile(
    features: pd.DataFrame,
    assignments: pd.DataFrame,
    basis: Sequence[str],
    *,
    threshold: float = DISTINCTIVE_STD_DIFF,
) -> ProfileResult:
    """Compare each segment's mean of every basis variable with the whole base.

    A variable is *distinctive* for a segment when the segment mean lies at
    least ``threshold`` base standard deviations from the base mean. An
    effect-size rule rather than a significance test decides, because with
    thousands of customers almost every difference is "significant"; the
    Holm-adjusted Welch p-values are in the table for the reviewer.

    Parameters
    ----------
    features : DataFrame
        ``customer_id`` and the basis columns.
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    basis : sequence of str
        The variables the segmentation used.
    threshold : float
        Standardised difference that counts as distinctive (default 0.5).

    Returns
    -------
    ProfileResult

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": list("abcd"), "frequency": [1.0, 2.0, 9.0, 10.0]})
    >>> a = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2],
    ...                   "segment_name": ["Light", "Light", "Heavy", "Heavy"]})
    >>> p = profile(f, a, ["frequency"])
    >>> p.table[["segment", "segment_mean", "base_mean", "distinctive"]]
       segment  segment_mean  base_mean  distinctive
    0        1           1.5        5.5         True
    1        2           9.5        5.5         True
    """
    basis = list(basis)
    if not basis:
        raise ValueError("basis must name at least one column")
    a = check_assignments(assignments)
    df = join_on_customer(a, features, basis, table_name="features")
    bad = [c for c in basis if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])]
    if bad:
        bad_num = [c for c in bad if not pd.api.types.is_bool_dtype(df[c])]
        if bad_num:
            raise DataError(f"basis column {bad_num[0]!r} is not numeric (dtype {df[bad_num[0]].dtype})",
                            column=bad_num[0])
        df[bad] = df[bad].astype(float)
    rows = []
    for var in basis:
        x = df[var].astype(float)
        base_mean, base_sd = x.mean(), x.std(ddof=1)
        for seg, grp in df.groupby("segment"):
            xs = grp[var].astype(float).dropna()
            rest = x[df["segment"] != seg].dropna()
            p = np.nan
            if len(xs) > 1 and len(rest) > 1 and (xs.var() > 0 or rest.var() > 0):
                with warnings.catch_warnings():
                    # a constant group (e.g. all 0 on a survey item) is fine; scipy warns about precision
                    warnings.simplefilter("ignore", RuntimeWarning)
                    p = stats.ttest_ind(xs, rest, equal_var=False).pvalue
            diff = xs.mean() - base_mean
            rows.append({"segment": int(seg), "segment_name": grp["segment_name"].iloc[0], "variable": var,
                         "n": len(grp), "segment_mean": xs.mean(), "base_mean": base_mean, "base_sd": base_sd,
                         "diff": diff, "std_diff": diff / base_sd if base_sd > 0 else 0.0, "p_value": p})
    table = pd.DataFrame(rows).sort_values(["segment", "variable"], key=lambda s: s.map(
        {v: i for i, v in enumerate(basis)}) if s.name == "variable" else s).reset_index(drop=True)
    table["p_adjusted"] = holm(table["p_value"])
    table["distinctive"] = table["std_diff"].abs() >= threshold
    table.attrs["n_total"] = len(df)
    table.attrs["binary"] = bool(all(set(df[c].dropna().unique()) <= {0, 1} for c in basis))
    return ProfileResult(table, threshold, basis)


def separation_plot(
    X: pd.DataFrame | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    ax=None,
    *,
    names: Mapping[int, str] | None = None,
    max_points: int = 4000,
    random_state: int = 0,
):
    """Customers projected on the first two principal components, coloured by segment.

    The basis is standardised first, so no variable dominates by its units.
    Centroids are marked and labelled; at most ``max_points`` customers are
    drawn (a fixed random subsample) so the picture stays readable.

    Parameters
    ----------
    X : DataFrame or ndarray
        The basis, one row per customer (numeric).
    labels : sequence of int
        Segment of each row.
    ax : Axes, optional
    names : dict, optional
        Segment names for the centroid labels.
    max_points, random_state : int
        Subsample size and its seed.

    Returns
    -------
    Axes

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (20, 3)), rng.normal(4, 1, (20, 3))])
    >>> ax = separation_plot(X, [1] * 20 + [2] * 20)  # doctest: +SKIP
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    Z = np.asarray(X, dtype=float)
    lab = np.asarray(labels)
    if Z.ndim != 2 or len(Z) != len(lab):
        raise ValueError(f"X must be 2-D with one row per label; got shape {Z.shape} and {len(lab)} labels")
    if np.isnan(Z).any():
        raise DataError("the basis has missing values; impute or drop them before plotting")
    Z = StandardScaler().fit_transform(Z)
    n_comp = min(2, Z.shape[1])
    pca = PCA(n_components=n_comp, random_state=random_state).fit(Z)
    P = pca.transform(Z)
    if n_comp == 1:
        P = np.column_stack([P[:, 0], np.zeros(len(P))])
    ax = new_axes(ax, (7.5, 6))
    rng = np.random.default_rng(random_state)
    show = np.sort(rng.choice(len(P), size=min(max_points, len(P)), replace=False))
    segs = sorted(pd.unique(lab))
    pal = segment_palette(segs)
    for s in segs:
        m = lab[show] == s
        ax.scatter(P[show][m, 0], P[show][m, 1], s=9, alpha=0.35, color=pal[s], linewidths=0,
                   label=segment_label(s, (names or {}).get(s)))
    for s in segs:
        c = P[lab == s].mean(axis=0)
        ax.scatter(*c, s=220, color=pal[s], edgecolor="black", linewidth=1.2, zorder=3)
        ax.annotate(str(s), c, ha="center", va="center", fontsize=9, fontweight="bold", color="white", zorder=4)
    ev = pca.explained_variance_ratio_
    ax.set_xlabel(f"principal component 1 ({ev[0]:.0%} of variance)")
    ax.set_ylabel(f"principal component 2 ({ev[1]:.0%} of variance)" if n_comp > 1 else "")
    ax.set_title("How well the segments separate (standardised basis, PCA)")
    ax.legend(title="segment (centroid = large dot)", fontsize=8, markerscale=2, loc="best")
    return ax


# ---------------------------------------------------------------------------------------------
# whale curve
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WhaleCurve:
    """Cumulative profit with customers ranked from most to least profitable.

    Attributes
    ----------
    table : DataFrame
        One row per customer: ``rank``, ``customer_id``, ``segment``,
        ``segment_name``, ``profit``, ``cum_profit``, ``cum_profit_share``
        (of total profit), ``cum_customer_share``.
    total_profit : float
    share_for_80 : float
        Smallest share of customers that yields 80% of total profit.
    peak_profit_share : float
        Highest point of the curve, as a share of total profit (above 1 when
        some customers lose money).
    peak_customer_share : float
        Share of customers at the peak; the rest destroy profit.
    """

    table: pd.DataFrame
    total_profit: float
    share_for_80: float
    peak_profit_share: float
    peak_customer_share: float

    def by_segment(self) -> pd.DataFrame:
        """Per segment: customers, profit share, and how many lose money."""
        t = self.table
        g = t.groupby(["segment", "segment_name"])
        out = g.agg(n=("profit", "size"), profit=("profit", "sum"),
                    n_loss_making=("profit", lambda p: int((p < 0).sum()))).reset_index()
        out["profit_share"] = out["profit"] / self.total_profit if self.total_profit else np.nan
        out["loss_making_share"] = out["n_loss_making"] / out["n"]
        return out

    def summary(self) -> pd.DataFrame:
        """The curve's key numbers in one small table."""
        n_loss = int((self.table["profit"] < 0).sum())
        return pd.DataFrame({
            "measure": ["customers", "total profit", "share of customers yielding 80% of profit",
                        "peak of the curve (share of total profit)", "share of customers at the peak",
                        "loss-making customers"],
            "value": [len(self.table), self.total_profit, self.share_for_80, self.peak_profit_share,
                      self.peak_customer_share, n_loss],
        })

    def plot(self, ax=None):
        """The whale curve; points coloured by segment. Returns the Axes."""
        ax = new_axes(ax, (8, 5.5))
        t = self.table
        x, y = t["cum_customer_share"] * 100, t["cum_profit_share"] * 100
        ax.plot(np.r_[0, x], np.r_[0, y], color=DARK_GREY, lw=1, zorder=1)
        step = max(1, len(t) // 3000)  # thin the dots, never the line
        pal = segment_palette(sorted(t["segment"].unique()))
        sub = t.iloc[::step]
        for s, grp in sub.groupby("segment"):
            ax.scatter(grp["cum_customer_share"] * 100, grp["cum_profit_share"] * 100, s=10, color=pal[s],
                       label=segment_label(s, grp["segment_name"].iloc[0]), zorder=2)
        ax.axhline(100, color=DARK_GREY, ls="--", lw=0.8)
        ax.axhline(80, color=DARK_GREY, ls=":", lw=0.8)
        if np.isfinite(self.share_for_80):
            ax.annotate(f"{self.share_for_80:.0%} of customers\nyield 80% of profit",
                        (self.share_for_80 * 100, 80), xytext=(15, -40), textcoords="offset points",
                        arrowprops={"arrowstyle": "->", "color": DARK_GREY}, fontsize=9)
        if self.peak_profit_share > 1.0001:
            ax.annotate(f"peak {self.peak_profit_share:.0%} of total profit\nat {self.peak_customer_share:.0%}"
                        " of customers", (self.peak_customer_share * 100, self.peak_profit_share * 100),
                        xytext=(-20, 15), textcoords="offset points", ha="right", fontsize=9,
                        arrowprops={"arrowstyle": "->", "color": DARK_GREY})
        ax.set_xlim(0, 100)
        ax.set_xlabel("customers, most profitable first (% of all customers)")
        ax.set_ylabel("cumulative profit (% of total profit)")
        ax.set_title("Whale curve: where the profit comes from")
        ax.legend(title="segment", fontsize=8, markerscale=1.5, loc="lower right")
        return ax


def whale_curve(features: pd.DataFrame, assignments: pd.DataFrame, *, profit_col: str) -> WhaleCurve:
    """Rank customers by profit and accumulate it: the whale curve.

    Parameters
    ----------
    features : DataFrame
        ``customer_id`` and ``profit_col``.
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    profit_col : str
        Profit (or margin) per customer; may be negative.

    Returns
    -------
    WhaleCurve
        ``share_for_80`` and the peak are NaN when total profit is not positive.

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": list("abcd"), "margin_total": [50.0, 30, 30, -10]})
    >>> a = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2]})
    >>> w = whale_curve(f, a, profit_col="margin_total")
    >>> w.share_for_80, w.peak_profit_share, w.peak_customer_share
    (0.5, 1.1, 0.75)
    """
    a = check_assignments(assignments)
    df = join_on_customer(a, features, [profit_col], table_name="features")
    df = df.rename(columns={profit_col: "profit"})
    if df["profit"].isna().any():
        raise DataError(f"{int(df['profit'].isna().sum())} customers have no {profit_col}", column=profit_col)
    # ties broken by customer id so the curve is reproducible
    df = df.sort_values(["profit", "customer_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    total = float(df["profit"].sum())
    n = len(df)
    df.insert(0, "rank", np.arange(1, n + 1))
    df["cum_profit"] = df["profit"].cumsum()
    df["cum_customer_share"] = df["rank"] / n
    if total > 0:
        df["cum_profit_share"] = df["cum_profit"] / total
        reach = np.flatnonzero(df["cum_profit_share"].to_numpy() >= 0.8 - 1e-12)
        share80 = float(df["cum_customer_share"].iloc[reach[0]])
        ipeak = int(df["cum_profit"].to_numpy().argmax())
        peak, peak_share = float(df["cum_profit_share"].iloc[ipeak]), float(df["cum_customer_share"].iloc[ipeak])
    else:
        df["cum_profit_share"] = np.nan
        share80 = peak = peak_share = np.nan
    cols = ["rank", "customer_id", "segment", "segment_name", "profit", "cum_profit", "cum_profit_share",
            "cum_customer_share"]
    return WhaleCurve(df[cols], total, round(share80, 12), round(peak, 12), round(peak_share, 12))


# ---------------------------------------------------------------------------------------------
# identification rule
# ---------------------------------------------------------------------------------------------

class _Design:
    """One-hot coding learned on the training customers, reapplied to new ones."""

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.levels: dict[str, list[str]] = {}
        self.integer: dict[str, bool] = {}
        for c in self.columns:
            s = frame[c]
            if _is_categorical(s) and not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
                self.levels[c] = sorted(s.dropna().astype(str).unique().tolist())
            else:
                v = s.dropna().astype(float)
                self.integer[c] = bool(len(v) and np.allclose(v, np.round(v)))
        self.feature_names: list[tuple[str, str | None]] = []
        for c in self.columns:
            if c in self.levels:
                self.feature_names += [(c, lev) for lev in self.levels[c]]
            else:
                self.feature_names.append((c, None))

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise DataError(f"new customers lack column {missing[0]!r} the rule uses", column=missing[0])
        cols = []
        for c, lev in self.feature_names:
            if lev is None:
                cols.append(pd.to_numeric(frame[c], errors="coerce").astype(float).to_numpy())
            else:
                cols.append((frame[c].astype(str) == lev).to_numpy(dtype=float))
        return np.column_stack(cols) if cols else np.empty((len(frame), 0))


def _condition_text(col: str, lev: str | None, lo: float | None, hi: float | None, integer: bool,
                    is_level: bool | None, not_levels: list[str]) -> str:
    name = pretty(col)
    if lev is not None or not_levels or is_level is not None:
        if is_level:
            return f"{name} is {lev}"
        return f"{name} is not {' or '.join(not_levels)}"
    if integer:
        # a tree splits integers at x.5: "<= 34.5" reads "34 or under", "> 34.5" reads "35 or over"
        lo_i = int(np.floor(lo)) + 1 if lo is not None else None
        hi_i = int(np.floor(hi)) if hi is not None else None
        if lo_i is not None and hi_i is not None:
            return f"{name} {lo_i}-{hi_i}" if hi_i > lo_i else f"{name} = {lo_i}"
        return f"{name} {lo_i} or over" if lo_i is not None else f"{name} {hi_i} or under"
    if lo is not None and hi is not None:
        return f"{name} above {fmt_num(lo)} and at most {fmt_num(hi)}"
    return f"{name} above {fmt_num(lo)}" if lo is not None else f"{name} at most {fmt_num(hi)}"


class IdentificationRule:
    """A shallow decision tree that tells front-line staff a customer's segment.

    Attributes
    ----------
    cv_accuracy : float
        Mean accuracy over 5-fold stratified cross-validation on all customers
        (what to expect on new customers).
    cv_accuracy_sd : float
        Its standard deviation across folds.
    holdout_accuracy : float
        Accuracy on a 25% held-out split of a tree grown on the other 75%.
    baseline_accuracy : float
        Accuracy of always naming the largest segment.
    rules : DataFrame
        One row per leaf: ``rule_id``, ``segment``, ``segment_name``, ``rule``
        (plain words), ``n_customers``, ``accuracy`` (share of the leaf's
        customers really in that segment) and ``coverage`` (share of the
        segment's customers the leaf catches).
    confusion : DataFrame
        Cross-validated counts: true segment (rows) x assigned segment.
    tree : DecisionTreeClassifier
        Grown on all customers; the rules describe this tree.
    """

    def __init__(self, tree, design: _Design, names: dict[int, str], cv_scores: np.ndarray,
                 holdout_accuracy: float, baseline_accuracy: float, rules: pd.DataFrame,
                 confusion: pd.DataFrame) -> None:
        self.tree = tree
        self._design = design
        self.columns = design.columns
        self.names = names
        self.cv_accuracy = float(np.mean(cv_scores))
        self.cv_accuracy_sd = float(np.std(cv_scores, ddof=1))
        self.holdout_accuracy = float(holdout_accuracy)
        self.baseline_accuracy = float(baseline_accuracy)
        self.rules = rules
        self.confusion = confusion

    @property
    def table(self) -> pd.DataFrame:
        return self.rules

    def text(self) -> str:
        """The rules as lines a salesperson can read, largest leaves first within each segment."""
        lines = [f"If {r.rule} -> Segment {segment_label(r.segment, r.segment_name)} ({r.accuracy:.0%} right, "
                 f"{r.n_customers:,} customers)" for r in self.rules.itertuples()]
        lines.append(f"Overall: right for {self.cv_accuracy:.0%} of customers (cross-validated; held-out "
                     f"{self.holdout_accuracy:.0%}); always guessing the largest segment: "
                     f"{self.baseline_accuracy:.0%}.")
        return "\n".join(lines)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({
            "measure": ["cross-validated accuracy (5-fold)", "held-out accuracy (25% split)",
                        "majority baseline", "leaves (rules)", "columns used"],
            "value": [round(self.cv_accuracy, 3), round(self.holdout_accuracy, 3),
                      round(self.baseline_accuracy, 3), len(self.rules), ", ".join(self.columns)],
        })

    def assign(self, new_customers: pd.DataFrame) -> pd.DataFrame:
        """Segment of new customers: ``customer_id``, ``segment``, ``segment_name``, ``rule_id``."""
        X = self._design.transform(new_customers)
        seg = self.tree.predict(X).astype(int)
        leaf = self.tree.apply(X)
        leaf_rule = {lf: r for lfs, r in zip(self.rules["leaves"], self.rules["rule_id"]) for lf in lfs}
        ids = new_customers["customer_id"].astype(str).to_numpy() if "customer_id" in new_customers.columns \
            else np.asarray(new_customers.index.astype(str))
        return pd.DataFrame({"customer_id": ids, "segment": seg,
                             "segment_name": [self.names.get(s, str(s)) for s in seg],
                             "rule_id": [leaf_rule[lf] for lf in leaf]})

    def plot(self, ax=None):
        """Cross-validated confusion matrix, row percentages: where each segment's customers are sent."""
        import seaborn as sns

        cm = self.confusion
        share = cm.div(cm.sum(axis=1).replace(0, np.nan), axis=0) * 100
        ax = new_axes(ax, (1.1 * len(cm) + 3, 0.8 * len(cm) + 2))
        annot = np.array([[f"{p:.0f}%\n({n:,})" for p, n in zip(prow, nrow)]
                          for prow, nrow in zip(share.to_numpy(), cm.to_numpy())])
        labels = [segment_label(s, self.names.get(s)) for s in cm.index]
        sns.heatmap(share, annot=annot, fmt="", cmap="Blues", vmin=0, vmax=100, cbar_kws={"label": "% of row"},
                    xticklabels=[str(s) for s in cm.columns], yticklabels=labels, ax=ax, annot_kws={"fontsize": 8})
        ax.set_xlabel("segment the rule assigns")
        ax.set_ylabel("true segment")
        ax.set_title(f"Identification rule: {self.cv_accuracy:.0%} right (cross-validated), "
                     f"baseline {self.baseline_accuracy:.0%}")
        return ax

    def __repr__(self) -> str:
        return f"IdentificationRule(cv_accuracy={self.cv_accuracy:.3f}, leaves={len(self.rules)})"


def _tree_rules(tree, design: _Design, X: np.ndarray, y: np.ndarray, names: dict[int, str]) -> pd.DataFrame:
    """One plain-words rule per leaf; sibling leaves naming the same segment are merged into one rule."""
    t = tree.tree_
    leaves = tree.apply(X)
    seg_n = pd.Series(y).value_counts()
    rows = []

    def label(node: int) -> int | None:
        # the segment a whole subtree names, or None when its leaves disagree
        if t.children_left[node] == -1:
            return int(tree.classes_[np.argmax(t.value[node][0])])
        left, right = label(t.children_left[node]), label(t.children_right[node])
        return left if left is not None and left == right else None

    def leaves_under(node: int) -> list[int]:
        if t.children_left[node] == -1:
            return [node]
        return leaves_under(t.children_left[node]) + leaves_under(t.children_right[node])

    def walk(node: int, conds: list[tuple[int, str, float]]) -> None:
        s = label(node)
        if s is not None:
            members = leaves_under(node)
            in_rule = np.isin(leaves, members)
            n = int(in_rule.sum())
            right = int((y[in_rule] == s).sum())
            rows.append({"leaves": members, "segment": s, "segment_name": names.get(s, str(s)),
                         "rule": _conditions_to_text(conds, design), "n_customers": n,
                         "accuracy": right / n if n else np.nan, "coverage": right / seg_n.get(s, np.nan)})
            return
        f, thr = t.feature[node], t.threshold[node]
        walk(t.children_left[node], conds + [(f, "<=", thr)])
        walk(t.children_right[node], conds + [(f, ">", thr)])

    walk(0, [])
    out = pd.DataFrame(rows).sort_values(["segment", "n_customers"], ascending=[True, False])
    out.insert(0, "rule_id", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def _conditions_to_text(conds: list[tuple[int, str, float]], design: _Design) -> str:
    if not conds:
        return "any customer"
    per_col: dict[str, dict[str, Any]] = {}
    for f, op, thr in conds:
        col, lev = design.feature_names[f]
        d = per_col.setdefault(col, {"lo": None, "hi": None, "is": None, "not": []})
        if lev is None:
            if op == "<=":
                d["hi"] = thr if d["hi"] is None else min(d["hi"], thr)
            else:
                d["lo"] = thr if d["lo"] is None else max(d["lo"], thr)
        elif op == ">":  # one-hot column above 0.5: the customer has this level
            d["is"] = lev
        else:
            d["not"].append(lev)
    parts = []
    for col, d in per_col.items():
        if d["is"] is not None:
            parts.append(_condition_text(col, d["is"], None, None, False, True, []))
        elif d["not"]:
            parts.append(_condition_text(col, None, None, None, False, False, d["not"]))
        else:
            parts.append(_condition_text(col, None, d["lo"], d["hi"], design.integer.get(col, False), None, []))
    return " and ".join(parts)


def identification_rule(
    data: pd.DataFrame,
    assignments: pd.DataFrame,
    columns: Sequence[str],
    *,
    max_depth: int = 3,
    min_leaf_share: float = 0.01,
    test_size: float = 0.25,
    random_state: int = 0,
) -> IdentificationRule:
    """Grow a shallow decision tree that assigns customers to segments from a few columns.

    The reported accuracy is honest: 5-fold stratified cross-validation on
    all customers, plus the accuracy on a 25% held-out split of a tree grown
    on the remaining 75%. The rule shown and used by :meth:`~IdentificationRule.assign`
    is the tree grown on all customers. Leaves hold at least
    ``min_leaf_share`` of customers (and at least 5) so every rule is worth a
    line in a sales script.

    Parameters
    ----------
    data : DataFrame
        ``customer_id`` and the columns (descriptors or features; words or numbers).
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    columns : sequence of str
        What front-line staff can observe or ask.
    max_depth : int
        Depth of the tree (3 = at most three questions per customer).
    min_leaf_share : float
        Smallest leaf as a share of customers.
    test_size : float
        Held-out share.
    random_state : int
        Seed of the folds, the split and the tree.

    Returns
    -------
    IdentificationRule

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": [str(i) for i in range(40)], "age": list(range(20, 60))})
    >>> a = pd.DataFrame({"customer_id": c["customer_id"], "segment": [1] * 20 + [2] * 20,
    ...                   "segment_name": ["Young"] * 20 + ["Older"] * 20})
    >>> rule = identification_rule(c, a, ["age"], max_depth=1)
    >>> print(rule.rules.loc[0, "rule"])
    age 39 or under
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, train_test_split
    from sklearn.tree import DecisionTreeClassifier

    columns = list(columns)
    if not columns:
        raise ValueError("columns must name at least one column")
    a = check_assignments(assignments)
    df = join_on_customer(a, data, columns, table_name="data")
    if len(df) < 20:
        raise DataError(f"only {len(df)} customers have both a segment and the columns; need at least 20")
    design = _Design(df, columns)
    X = design.transform(df)
    y = df["segment"].to_numpy()
    names = segment_names(a)
    counts = pd.Series(y).value_counts()
    n_splits = int(min(5, counts.min())) if counts.min() >= 2 else 2
    if counts.min() < 5:
        warnings.warn(f"segment {counts.idxmin()} has only {counts.min()} customers; accuracy is imprecise",
                      SmallSegmentWarning, stacklevel=2)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(5, int(min_leaf_share * len(df))),
                                  random_state=random_state)
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    cv_pred = np.empty_like(y)
    scores = []
    for tr, te in cv.split(X, y):
        m = clone(tree).fit(X[tr], y[tr])
        cv_pred[te] = m.predict(X[te])
        scores.append(float((cv_pred[te] == y[te]).mean()))
    strat = y if counts.min() >= 2 else None
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=strat)
    holdout = float((clone(tree).fit(Xtr, ytr).predict(Xte) == yte).mean())
    tree.fit(X, y)
    segs = sorted(names)
    confusion = pd.crosstab(pd.Series(y, name="true"), pd.Series(cv_pred, name="assigned")).reindex(
        index=segs, columns=segs, fill_value=0)
    rules = _tree_rules(tree, design, X, y, names)
    return IdentificationRule(tree, design, names, np.array(scores), holdout, counts.max() / len(y), rules,
                              confusion)


# ---------------------------------------------------------------------------------------------
# personas and descriptors
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonaResult:
    """Who the customers of each segment are, against the whole base.

    Attributes
    ----------
    table : DataFrame
        Tidy: ``segment``, ``segment_name``, ``descriptor``, ``kind``
        ("categorical"/"numeric"), ``level`` (category, or "" for numbers),
        ``statistic`` ("share", "mean", "median"), ``segment_value``,
        ``base_value``, ``diff`` and ``index`` (segment / base x 100).
    sizes : DataFrame
        ``segment``, ``segment_name``, ``n``, ``share``.
    """

    table: pd.DataFrame
    sizes: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One short persona paragraph per segment."""
        return pd.DataFrame({"segment": self.sizes["segment"], "segment_name": self.sizes["segment_name"],
                             "persona": [self.persona_text(s) for s in self.sizes["segment"]]})

    def persona_text(self, segment: int, *, max_levels: int = 3, min_points: float = 5.0) -> str:
        """A persona paragraph built only from the data, with the base for comparison.

        Lists the categorical levels most over-represented in the segment (at
        least ``min_points`` percentage points above the base and held by at
        least 20% of the segment), then the median of each numeric descriptor.
        """
        sz = self.sizes.set_index("segment")
        if segment not in sz.index:
            raise ValueError(f"no segment {segment}; segments are {list(sz.index)}")
        t = self.table[self.table["segment"] == segment]
        head = (f"Segment {segment_label(segment, sz.loc[segment, 'segment_name'])}: "
                f"{sz.loc[segment, 'n']:,} customers ({sz.loc[segment, 'share']:.0%} of the base).")
        cat = t[(t["kind"] == "categorical") & (t["diff"] * 100 >= min_points) & (t["segment_value"] >= 0.2)]
        cat = cat.sort_values("diff", ascending=False).drop_duplicates("descriptor").head(max_levels)
        parts = [f"{r.segment_value:.0%} {pretty(r.descriptor)} {r.level} (base {r.base_value:.0%})"
                 for r in cat.itertuples()]
        num = t[(t["kind"] == "numeric") & (t["statistic"] == "median")]
        parts += [f"median {pretty(r.descriptor)} {fmt_num(r.segment_value)} (base {fmt_num(r.base_value)})"
                  for r in num.itertuples()]
        if not len(cat):
            parts.insert(0, f"no descriptor level stands out by {min_points:g} points or more")
        return head + " " + "; ".join(parts) + "."

    def plot(self, ax=None, *, descriptor: str | None = None):
        """Share of each level of a categorical descriptor by segment (stacked bars), base as the last bar."""
        t = self.table[self.table["kind"] == "categorical"]
        if t.empty:
            raise ValueError("no categorical descriptor to plot")
        descriptor = descriptor or t["descriptor"].iloc[0]
        d = t[t["descriptor"] == descriptor]
        if d.empty:
            raise ValueError(f"no categorical descriptor {descriptor!r}")
        wide = d.pivot(index="segment", columns="level", values="segment_value")
        base = d.drop_duplicates("level").set_index("level")["base_value"]
        labels = [segment_label(s, self.sizes.set_index("segment").loc[s, "segment_name"]) for s in wide.index]
        wide = pd.concat([wide, base.to_frame("whole base").T])
        ax = new_axes(ax, (8, 0.5 * len(wide) + 1.8))
        import seaborn as sns

        colours = sns.color_palette("Greys", len(wide.columns) + 1).as_hex()[1:]
        left = np.zeros(len(wide))
        y = np.arange(len(wide))[::-1]
        for col, colour in zip(wide.columns, colours):
            v = wide[col].fillna(0).to_numpy() * 100
            ax.barh(y, v, left=left, color=colour, edgecolor="white", label=str(col))
            for yi, li, vi in zip(y, left, v):
                if vi >= 7:
                    ax.annotate(f"{vi:.0f}%", (li + vi / 2, yi), ha="center", va="center", fontsize=8,
                                color="black" if _luminance(colour) > 0.5 else "white")
            left += v
        ax.set_yticks(y, labels + ["whole base"])
        for lab, s in zip(ax.get_yticklabels(), list(wide.index[:-1]) + ["base"]):
            lab.set_color(segment_colour(s) if s != "base" else "black")
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the segment's customers")
        ax.set_title(f"{pretty(descriptor).capitalize()} by segment")
        ax.legend(title=pretty(descriptor), bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8)
        return ax


def _luminance(colour: str) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b


def personas(customers: pd.DataFrame, assignments: pd.DataFrame, descriptors: Sequence[str]) -> PersonaResult:
    """Describe each segment by descriptors it was not formed on (age, household, city tier, ...).

    Categorical descriptors are summarised by the share of each level (missing
    values excluded), numeric ones by mean and median, each next to the whole
    base. Customers absent from ``customers`` are left out.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id`` and the descriptors.
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    descriptors : sequence of str

    Returns
    -------
    PersonaResult

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": list("abcd"), "age": [30, 34, 60, 64],
    ...                   "household_type": ["family", "family", "couple", "single"]})
    >>> a = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2],
    ...                   "segment_name": ["Young families", "Young families", "Seniors", "Seniors"]})
    >>> personas(c, a, ["age", "household_type"]).persona_text(1)
    'Segment 1. Young families: 2 customers (50% of the base). 100% household type family (base 50%); median age 32 (base 47).'
    """
    descriptors = list(descriptors)
    a = check_assignments(assignments)
    df = join_on_customer(a, customers, descriptors, table_name="customers")
    rows = []
    for d in descriptors:
        s = df[d]
        if _is_categorical(s):
            lev = s.astype("string").where(s.notna())
            base = lev.value_counts(normalize=True)
            for seg, grp in df.assign(_lev=lev).groupby("segment"):
                share = grp["_lev"].value_counts(normalize=True).reindex(base.index, fill_value=0.0)
                for level, b in base.items():
                    v = float(share[level])
                    rows.append((seg, d, "categorical", str(level), "share", v, float(b)))
        else:
            x = s.astype(float)
            for seg, grp in df.groupby("segment"):
                xs = grp[d].astype(float)
                rows.append((seg, d, "numeric", "", "mean", xs.mean(), x.mean()))
                rows.append((seg, d, "numeric", "", "median", xs.median(), x.median()))
    t = pd.DataFrame(rows, columns=["segment", "descriptor", "kind", "level", "statistic", "segment_value",
                                    "base_value"])
    names = segment_names(a)
    t.insert(1, "segment_name", t["segment"].map(names))
    t["diff"] = t["segment_value"] - t["base_value"]
    t["index"] = np.where(t["base_value"] != 0, t["segment_value"] / t["base_value"].replace(0, np.nan) * 100,
                          np.nan)
    n = df.groupby("segment").size()
    sizes = pd.DataFrame({"segment": n.index.astype(int), "segment_name": n.index.map(names), "n": n.to_numpy(),
                          "share": n.to_numpy() / n.sum()})
    return PersonaResult(t, sizes)


def _effect_label(value: float, cuts: tuple[float, float, float]) -> str:
    if not np.isfinite(value):
        return "n/a"
    return ("large" if value >= cuts[2] else "medium" if value >= cuts[1] else "small" if value >= cuts[0]
            else "negligible")


def descriptor_tests(customers: pd.DataFrame, assignments: pd.DataFrame, descriptors: Sequence[str], *,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Test whether each descriptor differs between segments, Holm-corrected across descriptors.

    Categorical descriptors: chi-square test of segment x level, effect size
    Cramer's V (small 0.1, medium 0.3, large 0.5). Numeric descriptors:
    Kruskal-Wallis (robust to skew), effect size eta-squared from H,
    ``(H - k + 1) / (n - k)`` (small 0.01, medium 0.06, large 0.14).
    p-values are adjusted with Holm's method (statsmodels ``multipletests``).

    Parameters
    ----------
    customers : DataFrame
        ``customer_id`` and the descriptors.
    assignments : DataFrame
    descriptors : sequence of str
    alpha : float
        Level for the reading (on adjusted p-values).

    Returns
    -------
    DataFrame
        ``descriptor``, ``kind``, ``test``, ``n``, ``statistic``, ``df``,
        ``p_value``, ``p_adjusted``, ``effect_measure``, ``effect_size``,
        ``reading`` and ``note`` (e.g. sparse cells).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": [str(i) for i in range(60)], "age": list(range(60))})
    >>> a = pd.DataFrame({"customer_id": c["customer_id"], "segment": [1] * 30 + [2] * 30})
    >>> bool(descriptor_tests(c, a, ["age"]).loc[0, "p_adjusted"] < 0.001)
    True
    """
    a = check_assignments(assignments)
    df = join_on_customer(a, customers, list(descriptors), table_name="customers")
    rows = []
    for d in descriptors:
        sub = df[["segment", d]].dropna()
        n, k = len(sub), sub["segment"].nunique()
        if k < 2 or n <= k:
            rows.append(dict(descriptor=d, kind="", test="not tested", n=n, statistic=np.nan, df=np.nan,
                             p_value=np.nan, effect_measure="", effect_size=np.nan, note="fewer than two segments"))
            continue
        if _is_categorical(df[d]):
            ct = pd.crosstab(sub["segment"], sub[d].astype(str))
            if ct.shape[1] < 2:
                rows.append(dict(descriptor=d, kind="categorical", test="not tested", n=n, statistic=np.nan,
                                 df=np.nan, p_value=np.nan, effect_measure="Cramer's V", effect_size=np.nan,
                                 note="only one level"))
                continue
            chi2, p, dof, exp = stats.chi2_contingency(ct.to_numpy(), correction=False)
            v = np.sqrt(chi2 / (n * (min(ct.shape) - 1)))
            sparse = (exp < 5).mean()
            rows.append(dict(descriptor=d, kind="categorical", test="chi-square", n=n, statistic=chi2, df=dof,
                             p_value=p, effect_measure="Cramer's V", effect_size=v,
                             note=f"{sparse:.0%} of cells expect fewer than 5 customers" if sparse > 0.2 else ""))
        else:
            groups = [g[d].astype(float).to_numpy() for _, g in sub.groupby("segment")]
            h, p = (0.0, 1.0) if np.ptp(sub[d].astype(float)) == 0 else stats.kruskal(*groups)
            eta = max(0.0, (h - k + 1) / (n - k))
            rows.append(dict(descriptor=d, kind="numeric", test="Kruskal-Wallis", n=n, statistic=h, df=k - 1,
                             p_value=p, effect_measure="eta-squared (H)", effect_size=eta, note=""))
    t = pd.DataFrame(rows)
    t["p_adjusted"] = holm(t["p_value"])
    readings = []
    for r in t.itertuples():
        if not np.isfinite(r.p_adjusted):
            readings.append("not tested")
            continue
        cuts = (0.1, 0.3, 0.5) if r.effect_measure == "Cramer's V" else (0.01, 0.06, 0.14)
        size = _effect_label(r.effect_size, cuts)
        readings.append(f"differs between segments ({size} effect)" if r.p_adjusted < alpha
                        else "no evidence of a difference")
    t["reading"] = readings
    return t[["descriptor", "kind", "test", "n", "statistic", "df", "p_value", "p_adjusted", "effect_measure",
              "effect_size", "reading", "note"]]


# ---------------------------------------------------------------------------------------------
# multinomial logit of segment on descriptors
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogitResult:
    """Multinomial logit of segment membership on the descriptors.

    Attributes
    ----------
    table : DataFrame
        ``segment`` (compared with ``reference_segment``), ``term``, ``coef``,
        ``std_err``, ``z``, ``p_value``, ``odds_ratio``. Numeric descriptors
        are standardised (coefficient per standard deviation); categorical
        ones are dummy-coded against their most frequent level.
    pseudo_r2 : float
        McFadden's pseudo-R2, ``1 - LL(model) / LL(intercept only)``.
    method : str
        ``"mle"`` or ``"l1-regularised"`` (the fallback when the
        maximum-likelihood fit separates perfectly or does not converge).
    reference_segment : int
    n : int
    result : statsmodels results object
    """

    table: pd.DataFrame
    pseudo_r2: float
    method: str
    reference_segment: int
    n: int
    result: Any = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """Terms with p < 0.05, largest odds ratios first."""
        t = self.table[(self.table["term"] != "const")]
        if t["p_value"].notna().any():
            t = t[t["p_value"] < 0.05]
        return t.assign(_a=t["coef"].abs()).sort_values(["segment", "_a"], ascending=[True, False]).drop(
            columns="_a").reset_index(drop=True)

    def plot(self, ax=None):
        """Odds ratios (log scale) per term and segment, versus the reference segment. Returns the Axes."""
        t = self.table[self.table["term"] != "const"]
        terms = list(dict.fromkeys(t["term"]))
        ax = new_axes(ax, (8, 0.35 * len(terms) * max(1, t["segment"].nunique()) ** 0.5 + 2))
        segs = sorted(t["segment"].unique())
        y = np.arange(len(terms))[::-1]
        off = np.linspace(-0.3, 0.3, len(segs)) if len(segs) > 1 else [0.0]
        for o, s in zip(off, segs):
            d = t[t["segment"] == s].set_index("term").loc[terms]
            ax.scatter(d["odds_ratio"].clip(1e-3, 1e3), y + o, color=segment_colour(s), s=30,
                       label=f"segment {s} vs {self.reference_segment}")
        ax.axvline(1, color=DARK_GREY, ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yticks(y, [pretty(tm) for tm in terms], fontsize=9)
        ax.set_xlabel("odds ratio (log scale; 1 = no effect)")
        ax.set_title(f"Who is in which segment: multinomial logit (McFadden R² {self.pseudo_r2:.2f})")
        ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
        return ax


def segment_logit(customers: pd.DataFrame, assignments: pd.DataFrame, descriptors: Sequence[str], *,
                  alpha: float = 1.0) -> LogitResult:
    """Regress segment membership on the descriptors with a multinomial logit (statsmodels MNLogit).

    The lowest-numbered segment is the reference. When the maximum-likelihood
    fit fails (perfect separation, a singular Hessian, no convergence or
    exploding coefficients) an L1-regularised fit with penalty ``alpha`` on
    every non-constant coefficient is used instead, and ``method`` says so.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id`` and the descriptors.
    assignments : DataFrame
    descriptors : sequence of str
    alpha : float
        L1 penalty weight of the fallback fit.

    Returns
    -------
    LogitResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = pd.DataFrame({"customer_id": [str(i) for i in range(200)], "age": rng.normal(45, 12, 200)})
    >>> a = pd.DataFrame({"customer_id": c["customer_id"], "segment": np.where(c["age"] > 45, 2, 1)})
    >>> segment_logit(c, a, ["age"]).method
    'l1-regularised'
    """
    import statsmodels.api as sm

    descriptors = list(descriptors)
    a = check_assignments(assignments)
    df = join_on_customer(a, customers, descriptors, table_name="customers").dropna(subset=descriptors)
    parts = []
    for d in descriptors:
        s = df[d]
        if _is_categorical(s):
            lev = s.astype(str)
            ref = lev.value_counts().idxmax()
            dummies = pd.get_dummies(lev, prefix=d, prefix_sep="=", dtype=float).drop(columns=f"{d}={ref}")
            parts.append(dummies)
        else:
            x = s.astype(float)
            parts.append(((x - x.mean()) / (x.std(ddof=1) or 1.0)).rename(d).to_frame())
    X = sm.add_constant(pd.concat(parts, axis=1), has_constant="add")
    X = X.loc[:, (X != 0).any()]  # a level absent after dropping missing rows carries no information
    segs = sorted(df["segment"].unique())
    if len(segs) < 2:
        raise DataError("segment_logit needs at least two segments")
    y = df["segment"].map({s: i for i, s in enumerate(segs)}).to_numpy()
    model = sm.MNLogit(y, X)
    res, method = None, "mle"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = model.fit(method="newton", maxiter=100, disp=False)
        except (np.linalg.LinAlgError, ValueError, OverflowError) as err:
            res = None
            caught.append(warnings.WarningMessage(str(err), RuntimeWarning, "", 0))
    bad = res is None or not res.mle_retvals.get("converged", False) or not np.all(np.isfinite(res.params)) \
        or np.abs(np.asarray(res.params)).max() > 15 or not np.all(np.isfinite(np.asarray(res.bse))) \
        or any("separation" in str(w.message).lower() for w in caught)
    if bad:
        method = "l1-regularised"
        pen = np.tile(np.where(X.columns == "const", 0.0, alpha), len(segs) - 1)
        with warnings.catch_warnings():
            # the regularised fit warns about p-values near the penalty's corner; they are reported as is
            warnings.simplefilter("ignore")
            res = model.fit_regularized(method="l1", alpha=pen, disp=False, maxiter=500, trim_mode="size")
    params = np.asarray(res.params)
    llf = float(model.loglike(params.ravel(order="F")))
    counts = np.bincount(y)
    llnull = float((counts * np.log(counts / counts.sum())).sum())
    bse = np.asarray(res.bse) if hasattr(res, "bse") else np.full_like(params, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = params / bse
    pv = 2 * stats.norm.sf(np.abs(z))
    rows = []
    for j, s in enumerate(segs[1:]):
        for i, term in enumerate(X.columns):
            rows.append(dict(segment=int(s), term=term, coef=params[i, j], std_err=bse[i, j], z=z[i, j],
                             p_value=pv[i, j], odds_ratio=float(np.exp(params[i, j]))))
    return LogitResult(pd.DataFrame(rows), 1 - llf / llnull, method, int(segs[0]), len(df), res)


# ---------------------------------------------------------------------------------------------
# likelihood to buy
# ---------------------------------------------------------------------------------------------

class LikelihoodToBuy:
    """Each customer's probability of buying in the next period, and the list to call first.

    The model is a logistic regression (scikit-learn) of the outcome after
    the cut-off on the features before it: right-skewed non-negative
    features are log-transformed (``log1p``) so a few very large customers
    do not dominate, missing values take the median, everything is
    standardised, and the segment enters as dummies when assignments are
    given. The quality reported (``cv_auc``) and the ``score_cv`` column come
    from 5-fold cross-validation, so they are what to expect on customers the
    model has not seen; ``score`` comes from the model fitted on everyone.
    To score the next period, apply :meth:`score_new` to features computed
    up to today.

    Attributes
    ----------
    scores : DataFrame
        ``customer_id``, ``segment``, ``segment_name``, ``score``,
        ``score_cv``, ``outcome`` and ``rank`` (1 = most likely).
    cv_auc : float
        Cross-validated area under the ROC curve.
    base_rate : float
        Share of customers who bought.
    coefficients : DataFrame
        ``term`` and ``coef`` (per standard deviation of the transformed feature).
    """

    def __init__(self, model, columns: list[str], log_cols: list[str], segments: list[int] | None,
                 scores: pd.DataFrame, cv_auc: float, base_rate: float, coefficients: pd.DataFrame) -> None:
        self.model = model
        self.columns = columns
        self.log_cols = log_cols
        self.segments = segments
        self.scores = scores
        self.cv_auc = cv_auc
        self.base_rate = base_rate
        self.coefficients = coefficients

    @property
    def table(self) -> pd.DataFrame:
        return self.scores

    def best_list(self, n: int = 100) -> pd.DataFrame:
        """The ``n`` customers most likely to buy, best first."""
        return self.scores.sort_values("rank").head(n).reset_index(drop=True)

    def score_new(self, features: pd.DataFrame, assignments: pd.DataFrame | None = None) -> pd.DataFrame:
        """Score customers with the fitted model: ``customer_id`` and ``score``."""
        X = _ltb_design(features, assignments, self.columns, self.log_cols, self.segments)
        return pd.DataFrame({"customer_id": features["customer_id"].astype(str).to_numpy(),
                             "score": self.model.predict_proba(X)[:, 1]})

    def summary(self) -> pd.DataFrame:
        by = self.scores.groupby(["segment", "segment_name"]).agg(
            n=("score", "size"), mean_score=("score", "mean"), bought=("outcome", "mean")).reset_index()
        return by

    def plot(self, ax=None):
        """Distribution of scores by segment (box plots), base rate marked. Returns the Axes."""
        import seaborn as sns

        s = self.scores
        ax = new_axes(ax, (7.5, 0.55 * s["segment"].nunique() + 1.8))
        order = sorted(s["segment"].unique())
        labels = {g: segment_label(g, n) for g, n in zip(s["segment"], s["segment_name"])}
        sns.boxplot(data=s.assign(seg=s["segment"].map(labels)), x="score", y="seg", hue="seg",
                    order=[labels[g] for g in order], palette={labels[g]: segment_colour(g) for g in order},
                    legend=False, fliersize=1.5, ax=ax)
        ax.axvline(self.base_rate, color=BASE_COLOUR, ls="--", lw=1, label=f"base rate {self.base_rate:.0%}")
        ax.set_xlim(0, 1)
        ax.set_xlabel("likelihood to buy in the next period (0-1)")
        ax.set_ylabel("")
        ax.set_title(f"Likelihood to buy by segment (cross-validated AUC {self.cv_auc:.2f})")
        ax.legend(fontsize=8, loc="lower right")
        return ax


def _ltb_design(features: pd.DataFrame, assignments: pd.DataFrame | None, columns: list[str],
                log_cols: list[str], segments: list[int] | None) -> pd.DataFrame:
    X = features[columns].astype(float).copy()
    for c in log_cols:
        X[c] = np.log1p(X[c].clip(lower=0))
    if segments is not None:
        if assignments is None:
            raise ValueError("the model uses segments: pass the new customers' assignments too")
        a = check_assignments(assignments)
        seg = features[["customer_id"]].astype(str).merge(a, on="customer_id", how="left")["segment"]
        for s in segments[1:]:
            X[f"segment={s}"] = (seg == s).astype(float).to_numpy()
    return X


def likelihood_to_buy(
    features: pd.DataFrame,
    outcomes: pd.DataFrame | pd.Series,
    assignments: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    target_col: str = "active_after",
    random_state: int = 0,
) -> LikelihoodToBuy:
    """Score each customer's likelihood to buy after the cut-off from behaviour before it.

    Parameters
    ----------
    features : DataFrame
        ``customer_id`` and numeric features before the cut-off.
    outcomes : DataFrame or Series
        A table with ``customer_id`` and ``target_col`` (bought or not), or a
        boolean Series indexed by customer id. Customers missing from it are
        counted as not buying.
    assignments : DataFrame, optional
        Adds the segment as a predictor and to the score table.
    columns : sequence of str, optional
        Predictors (default: every numeric column of ``features``).
    target_col : str
        The 0/1 outcome (default ``active_after``).
    random_state : int
        Seed of the cross-validation folds.

    Returns
    -------
    LikelihoodToBuy

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"customer_id": [str(i) for i in range(300)], "frequency": rng.poisson(3, 300)})
    >>> o = pd.DataFrame({"customer_id": f["customer_id"], "active_after": f["frequency"] + rng.normal(0, 1, 300) > 3})
    >>> likelihood_to_buy(f, o).cv_auc > 0.8
    True
    """
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if "customer_id" not in features.columns:
        raise DataError("features needs a customer_id column", column="customer_id")
    f = features.copy()
    f["customer_id"] = f["customer_id"].astype(str)
    if columns is None:
        columns = [c for c in f.columns if c != "customer_id" and pd.api.types.is_numeric_dtype(f[c])
                   and not pd.api.types.is_bool_dtype(f[c])]
    columns = list(columns)
    missing = [c for c in columns if c not in f.columns]
    if missing:
        raise DataError(f"features has no column {missing[0]!r}", column=missing[0])
    if isinstance(outcomes, pd.Series):
        target = outcomes.copy()
        target.index = target.index.astype(str)
    else:
        if target_col not in outcomes.columns or "customer_id" not in outcomes.columns:
            raise DataError(f"outcomes needs customer_id and {target_col!r}", column=target_col)
        target = outcomes.assign(customer_id=outcomes["customer_id"].astype(str)).set_index("customer_id")[
            target_col]
    y = f["customer_id"].map(target).fillna(False).astype(bool).to_numpy().astype(int)
    if y.min() == y.max():
        raise DataError(f"every customer has the same {target_col}; nothing to learn")
    log_cols = [c for c in columns if f[c].min() >= 0 and f[c].skew() > 1]
    segments = None
    if assignments is not None:
        a = check_assignments(assignments)
        segments = sorted(a["segment"].unique())
    X = _ltb_design(f, assignments, columns, log_cols, segments)
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=1000))
    n_splits = int(min(5, np.bincount(y).min()))
    if n_splits < 2:
        raise DataError(f"too few customers in one class of {target_col} to cross-validate")
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    score_cv = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    from sklearn.metrics import roc_auc_score

    model.fit(X, y)
    score = model.predict_proba(X)[:, 1]
    out = pd.DataFrame({"customer_id": f["customer_id"].to_numpy(), "score": score, "score_cv": score_cv,
                        "outcome": y.astype(bool)})
    if assignments is not None:
        out = out.merge(check_assignments(assignments), on="customer_id", how="left")
    else:
        out["segment"], out["segment_name"] = 0, "all customers"
    out = out[["customer_id", "segment", "segment_name", "score", "score_cv", "outcome"]]
    # ties ranked by customer id so the call list is reproducible
    out = out.sort_values(["score", "customer_id"], ascending=[False, True], kind="mergesort")
    out["rank"] = np.arange(1, len(out) + 1)
    coefs = pd.DataFrame({"term": ["intercept", *X.columns],
                          "coef": [model[-1].intercept_[0], *model[-1].coef_[0]]})
    return LikelihoodToBuy(model, columns, log_cols, segments, out.reset_index(drop=True),
                           float(roc_auc_score(y, score_cv)), float(y.mean()), coefs)


# ---------------------------------------------------------------------------------------------
# target matrix (segment evaluation plot)
# ---------------------------------------------------------------------------------------------

#: How a criterion named in the brief is measured: keyword pattern -> column of the sizes table.
CRITERION_COLUMNS: list[tuple[str, str]] = [
    (r"value share|share of (value|sales|revenue)", "value_share"),
    (r"profit|margin", "profit_per_customer"),
    (r"growth|grow", "growth"),
    (r"promot", "promo_share"),
    (r"value|spend|revenue|sales|monetary", "value_per_customer"),
    (r"size|substantial|share|customers|volume", "share"),
]


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
        return self.table.sort_values("priority").reset_index(drop=True)

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
        return key if key in t.columns else next((c for pat, c in CRITERION_COLUMNS if re.search(pat, crit, re.I)), None)

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
        source = "team judgement"
    else:
        kpi = f"{get('kpi', '') or ''} {get('goal', '') or ''} {get('statement', '') or ''}"
        col = "profit_index" if re.search(r"profit|margin", kpi, re.I) and "profit_index" in t.columns \
            else "value_index"
        if col not in t.columns:
            raise DataError("fit needs a value_index column in sizes (from segment_sizes) or fit= scores")
        t["fit"] = _rescale(t[col])
        source = f"{pretty(col)} rescaled"
    order = (t["attractiveness"] + t["fit"]).rank(ascending=False, method="first").astype(int)
    t["priority"] = order
    keep = [c for c in ("segment", "name", "n", "share") if c in t.columns]
    return TargetMatrix(t[keep + ["attractiveness", "fit", "priority"]], crit_t, source,
                        skipped if on_unmeasurable == "skip" else ())

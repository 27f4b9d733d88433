"""How each segment differs on the variables that formed it.

:func:`profile` compares each segment's mean of every basis variable with the
whole base (the segment profile plot); :func:`separation_plot` shows how well
the segments separate on the first two principal components.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from segkit.assignments import check_assignments, join_on_customer
from segkit.errors import DataError
from segkit.figures import fmt_num, new_axes, pretty
from segkit.methods.naming import ITEM_THRESHOLD, Z_THRESHOLD
from segkit.multitest import holm
from segkit.palette import (
    BASE_COLOUR,
    DARK_GREY,
    GREY,
    segment_colour,
    segment_label,
    segment_palette,
)

__all__ = ["DISTINCTIVE_STD_DIFF", "ProfileResult", "profile", "separation_plot"]


#: |standardised difference| from which a segment differs visibly from the base (half a standard
#: deviation: a "medium" effect in Cohen's terms); the same threshold names the segments.
DISTINCTIVE_STD_DIFF = Z_THRESHOLD


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
    prepared: pd.DataFrame | None = None,
) -> ProfileResult:
    """Compare each segment's mean of every basis variable with the whole base.

    With ``prepared`` (the basis as the segmentation saw it: log-transformed where skewed,
    indexed by customer id), the standardised difference of a variable it holds is measured
    there, so the profile, the segment names and the descriptions quote one number per
    segment and variable; the means stay on the variable's own scale.

    A yes/no item is *distinctive* when the segment's share of yes differs from the base's by at least
    :data:`~segkit.methods.naming.ITEM_THRESHOLD` (the rule the segment names use). Another
    variable is *distinctive* for a segment when the segment mean lies at
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
    scaled = None
    if prepared is not None:
        scaled = prepared.reindex(df["customer_id"].astype(str).to_numpy())
        scaled.index = df.index
    rows = []
    for var in basis:
        x = df[var].astype(float)
        base_mean, base_sd = x.mean(), x.std(ddof=1)
        z = None
        if scaled is not None and var in scaled and pd.api.types.is_numeric_dtype(scaled[var]):
            zx = scaled[var].astype(float)
            # population SD, as segkit.methods.naming.segment_profile computes the names' numbers
            z = ((zx - zx.mean()) / zx.std(ddof=0)) if zx.std(ddof=0) > 0 else zx * 0.0
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
            std_diff = (float(z.loc[grp.index].mean()) if z is not None
                        else diff / base_sd if base_sd > 0 else 0.0)
            rows.append({"segment": int(seg), "segment_name": grp["segment_name"].iloc[0], "variable": var,
                         "n": len(grp), "segment_mean": xs.mean(), "base_mean": base_mean, "base_sd": base_sd,
                         "diff": diff, "std_diff": std_diff, "p_value": p})
    table = pd.DataFrame(rows).sort_values(["segment", "variable"], key=lambda s: s.map(
        {v: i for i, v in enumerate(basis)}) if s.name == "variable" else s).reset_index(drop=True)
    table["p_adjusted"] = holm(table["p_value"])
    table.attrs["n_total"] = len(df)
    table.attrs["binary"] = bool(all(set(df[c].dropna().unique()) <= {0, 1} for c in basis))
    # yes/no items are named by their difference in share of yes (segkit.methods.naming); the profile marks the
    # same items, so a name never mentions an item the plot shows grey
    table["distinctive"] = (table["diff"].abs() >= ITEM_THRESHOLD if table.attrs["binary"]
                            else table["std_diff"].abs() >= threshold)
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

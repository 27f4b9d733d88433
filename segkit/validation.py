"""Step 7, validation: did the segments behave differently *after* the cut-off?

A segmentation that was never validated is not credible. This module tests
the segments against what customers did next (:func:`outcome_tests`), shows
how well a score ranks buyers (:func:`gains`), checks that the segments
replicate in two halves of the data (:func:`split_half_replication`) and
turns the brief's criteria into a pass/fail table (:func:`verdict`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segkit.assignments import check_assignments
from segkit.criteria import VERDICT_COLUMNS, Evidence, brief_criteria, measure_criteria
from segkit.errors import DataError
from segkit.figures import new_axes, pretty
from segkit.multitest import holm
from segkit.palette import BASE_COLOUR, DARK_GREY, GREY, segment_label, segment_palette

__all__ = [
    "GainsResult",
    "OutcomeTests",
    "ReplicationResult",
    "VerdictResult",
    "gains",
    "outcome_tests",
    "split_half_replication",
    "verdict",
]

#: Outcomes measured after the cut-off and how each is summarised and tested.
#: Orders and revenue are skewed (many zeros, a few large buyers): rank-based test.
OUTCOME_KINDS = {"orders_after": "numeric", "revenue_after": "numeric", "active_after": "binary",
                 "promo_share_after": "numeric"}
#: What a customer missing from the outcomes table did after the cut-off: nothing.
_ABSENT_MEANS = {"orders_after": 0.0, "revenue_after": 0.0, "active_after": False}


# ---------------------------------------------------------------------------------------------
# outcome tests
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutcomeTests:
    """Per-segment outcomes after the cut-off, with confidence intervals and tests.

    Attributes
    ----------
    table : DataFrame
        One row per outcome: ``outcome``, ``test``, ``statistic``, ``df``,
        ``p_value``, ``effect_size``, ``effect_measure``, ``n``,
        ``significant`` (at ``alpha``) and ``reading``.
    means : DataFrame
        One row per outcome and segment: ``n``, ``mean``, ``ci_low``,
        ``ci_high`` (95%), ``ci_method`` and ``base_mean``.
    pairwise : DataFrame
        Each segment against the rest of the base: ``diff`` (segment mean -
        rest mean), ``test``, ``p_value`` and ``p_adjusted`` (Holm within each
        outcome).
    alpha : float
    n_missing : int
        Customers absent from the outcomes table (counted as not buying).
    """

    table: pd.DataFrame
    means: pd.DataFrame
    pairwise: pd.DataFrame
    alpha: float
    n_missing: int

    def summary(self) -> pd.DataFrame:
        """The omnibus tests, one line per outcome."""
        return self.table[["outcome", "test", "statistic", "df", "p_value", "effect_measure", "effect_size",
                           "reading"]]

    def plot(self, ax=None, *, outcome: str | None = None):
        """Segment means with 95% confidence intervals, the base mean as a dashed line.

        Parameters
        ----------
        ax : Axes, optional
            Needs ``outcome`` when given; without both, one panel per outcome.
        outcome : str, optional

        Returns
        -------
        Axes or ndarray of Axes
        """
        import matplotlib.pyplot as plt

        outs = list(self.table["outcome"]) if outcome is None else [outcome]
        if ax is None:
            fig, axes = plt.subplots(1, len(outs), figsize=(4.6 * len(outs), 4.4), squeeze=False,
                                     layout="constrained")
            axes_list = list(axes.ravel())
            if len(outs) > 1:
                fig.suptitle("What the segments did after the cut-off (mean, 95% confidence interval)",
                             fontweight="bold")
        else:
            axes_list = list(np.atleast_1d(ax).ravel())
            if len(axes_list) != len(outs):
                raise ValueError(f"got {len(axes_list)} Axes for {len(outs)} outcomes; pass outcome= to draw one")
        for a, o in zip(axes_list, outs):
            self._panel(a, o)
        return axes_list[0] if outcome is not None else np.array(axes_list)

    def _panel(self, ax, outcome: str) -> None:
        m = self.means[self.means["outcome"] == outcome].sort_values("segment")
        if m.empty:
            raise ValueError(f"no outcome {outcome!r}; have {list(self.table['outcome'])}")
        binary = m["ci_method"].iloc[0] == "wilson"
        scale = 100 if binary else 1
        pal = segment_palette(m["segment"])
        x = np.arange(len(m))
        for xi, (_, r) in zip(x, m.iterrows()):
            ax.bar(xi, r["mean"] * scale, color=pal[r["segment"]], alpha=0.85, width=0.65)
            # A segment whose members all did the same has a zero-width interval, which rounding can
            # make a hair negative; a one-member segment has none (NaN): draw no bar then.
            lo = np.nan_to_num(max(r["mean"] - r["ci_low"], 0.0)) * scale
            hi = np.nan_to_num(max(r["ci_high"] - r["mean"], 0.0)) * scale
            ax.errorbar(xi, r["mean"] * scale, yerr=[[lo], [hi]], color="black", capsize=4, lw=1.2)
        ax.axhline(m["base_mean"].iloc[0] * scale, color=BASE_COLOUR, ls="--", lw=1, label="whole base")
        ax.set_xticks(x, [segment_label(s, n) for s, n in zip(m["segment"], m["segment_name"])],
                      rotation=30, ha="right", fontsize=9)
        row = self.table[self.table["outcome"] == outcome].iloc[0]
        p_text = _fmt_p(row["p_value"])
        ax.set_title(f"{pretty(outcome)}\n{row['test']} p {p_text if p_text.startswith('<') else '= ' + p_text}, "
                     f"{row['effect_measure']} = {row['effect_size']:.2f}", fontsize=10)
        ax.set_ylabel("% of customers" if binary else f"mean {pretty(outcome)} per customer")
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(axis="x", visible=False)


def _fmt_p(p: float) -> str:
    return "n/a" if not np.isfinite(p) else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def _t_ci(x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    if n < 2:
        return (np.nan, np.nan)
    se = x.std(ddof=1) / np.sqrt(n)
    h = stats.t.ppf(0.975, n - 1) * se
    return (x.mean() - h, x.mean() + h)


def _effect_label(value: float, cuts: tuple[float, float, float]) -> str:
    if not np.isfinite(value):
        return "n/a"
    return "large" if value >= cuts[2] else "medium" if value >= cuts[1] else "small" if value >= cuts[0] \
        else "negligible"


def outcome_tests(
    assignments: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    outcome_cols: Sequence[str] | None = None,
    alpha: float = 0.01,
) -> OutcomeTests:
    """Test whether the segments differ in what they did after the cut-off.

    Numeric outcomes (orders, revenue, promotion share) get a t-based 95%
    interval for the mean and a Kruskal-Wallis test, because they are skewed
    with many zeros; the effect size is epsilon-squared,
    ``H / ((n^2 - 1) / (n + 1))``. The active share gets a Wilson interval
    (statsmodels ``proportion_confint``) and a chi-square test on segment x
    active, with Cramer's V. Each segment is also compared with the rest of
    the base (Mann-Whitney U or chi-square), Holm-adjusted within outcome.

    Customers missing from ``outcomes`` are counted as having bought nothing
    (0 orders, 0 revenue, not active); their promotion share stays missing.

    Parameters
    ----------
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    outcomes : DataFrame
        ``customer_id`` and any of ``orders_after``, ``revenue_after``,
        ``active_after``, ``promo_share_after``.
    outcome_cols : sequence of str, optional
        Outcomes to test (default: those of the four present).
    alpha : float
        Significance level for the ``significant`` column (default 0.01).

    Returns
    -------
    OutcomeTests

    Examples
    --------
    >>> a = pd.DataFrame({"customer_id": [str(i) for i in range(40)], "segment": [1] * 20 + [2] * 20})
    >>> o = pd.DataFrame({"customer_id": a["customer_id"], "revenue_after": [0.0] * 20 + [50.0] * 20})
    >>> bool(outcome_tests(a, o).table.loc[0, "p_value"] < 0.001)
    True
    """
    a = check_assignments(assignments)
    if "customer_id" not in outcomes.columns:
        raise DataError("outcomes needs a customer_id column", column="customer_id")
    cols = list(outcome_cols) if outcome_cols is not None else [c for c in OUTCOME_KINDS if c in outcomes.columns]
    if not cols:
        raise DataError(f"outcomes has none of the columns {list(OUTCOME_KINDS)}; it has {list(outcomes.columns)}")
    missing = [c for c in cols if c not in outcomes.columns]
    if missing:
        raise DataError(f"outcomes has no column {missing[0]!r}", column=missing[0])
    o = outcomes[["customer_id", *cols]].copy()
    o["customer_id"] = o["customer_id"].astype(str)
    df = a.merge(o, on="customer_id", how="left", indicator=True)
    n_missing = int((df["_merge"] == "left_only").sum())
    for c in cols:
        if c in _ABSENT_MEANS:
            df[c] = df[c].where(df["_merge"] == "both", _ABSENT_MEANS[c])
    from statsmodels.stats.proportion import proportion_confint

    tests, means, pairs = [], [], []
    for c in cols:
        kind = OUTCOME_KINDS.get(c) or ("binary" if pd.api.types.is_bool_dtype(df[c]) or
                                        set(df[c].dropna().unique()) <= {0, 1} else "numeric")
        d = df[["segment", "segment_name", c]].dropna(subset=[c])
        y = d[c].astype(float).to_numpy()
        seg = d["segment"].to_numpy()
        segs = sorted(np.unique(seg))
        base = y.mean() if len(y) else np.nan
        for s in segs:
            ys = y[seg == s]
            if kind == "binary":
                lo, hi = proportion_confint(int(ys.sum()), len(ys), alpha=0.05, method="wilson")
                method = "wilson"
            else:
                lo, hi = _t_ci(ys)
                method = "t"
            means.append({"outcome": c, "segment": int(s), "segment_name": d.loc[d["segment"] == s,
                                                                                 "segment_name"].iloc[0],
                          "n": len(ys), "mean": ys.mean(), "ci_low": lo, "ci_high": hi, "ci_method": method,
                          "base_mean": base})
        groups = [y[seg == s] for s in segs]
        n = len(y)
        if len(segs) < 2:
            tests.append({"outcome": c, "test": "none (one segment)", "statistic": np.nan, "df": np.nan,
                          "p_value": np.nan, "effect_size": np.nan, "effect_measure": "", "n": n})
            continue
        if kind == "binary":
            ct = pd.crosstab(seg, y > 0.5).reindex(columns=[False, True], fill_value=0)
            if (ct.sum(axis=0) == 0).any():
                chi2, p, dof = 0.0, 1.0, len(segs) - 1
            else:
                chi2, p, dof, _ = stats.chi2_contingency(ct.to_numpy(), correction=False)
            tests.append({"outcome": c, "test": "chi-square", "statistic": chi2, "df": dof, "p_value": p,
                          "effect_size": np.sqrt(chi2 / n), "effect_measure": "Cramer's V", "n": n})
        else:
            if np.ptp(y) == 0:
                h, p = 0.0, 1.0
            else:
                h, p = stats.kruskal(*groups)
            tests.append({"outcome": c, "test": "Kruskal-Wallis", "statistic": h, "df": len(segs) - 1,
                          "p_value": p, "effect_size": h * (n + 1) / (n ** 2 - 1),
                          "effect_measure": "epsilon-squared", "n": n})
        pw = []
        for s in segs:
            ins, rest = y[seg == s], y[seg != s]
            if kind == "binary":
                ct = np.array([[ins.sum(), len(ins) - ins.sum()], [rest.sum(), len(rest) - rest.sum()]])
                p = 1.0 if (ct.sum(axis=0) == 0).any() else stats.chi2_contingency(ct, correction=False)[1]
                test = "chi-square"
            else:
                p = 1.0 if np.ptp(y) == 0 else stats.mannwhitneyu(ins, rest, alternative="two-sided").pvalue
                test = "Mann-Whitney U"
            pw.append({"outcome": c, "segment": int(s), "mean": ins.mean(), "rest_mean": rest.mean(),
                       "diff": ins.mean() - rest.mean(), "test": test, "p_value": p})
        pw = pd.DataFrame(pw)
        pw["p_adjusted"] = holm(pw["p_value"])
        pairs.append(pw)
    table = pd.DataFrame(tests)
    table["significant"] = table["p_value"] < alpha
    table["reading"] = [_outcome_reading(r, alpha) for _, r in table.iterrows()]
    pairwise = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame()
    return OutcomeTests(table, pd.DataFrame(means), pairwise, alpha, n_missing)


def _outcome_reading(r: pd.Series, alpha: float) -> str:
    if not np.isfinite(r["p_value"]):
        return "not tested"
    cuts = (0.1, 0.3, 0.5) if r["effect_measure"] == "Cramer's V" else (0.01, 0.06, 0.14)
    size = _effect_label(r["effect_size"], cuts)
    if r["p_value"] < alpha:
        return f"segments differ (p {'< 0.001' if r['p_value'] < 0.001 else '= ' + format(r['p_value'], '.3f')}, " \
               f"{size} effect)"
    return f"no difference shown at the {alpha:g} level (p = {r['p_value']:.3f})"


# ---------------------------------------------------------------------------------------------
# gains and lift
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GainsResult:
    """Cumulative gains and lift of a score, by bins of equal size (deciles by default).

    Attributes
    ----------
    table : DataFrame
        One row per bin, best scores first: ``bin``, ``n``, ``min_score``,
        ``max_score``, ``outcome`` (sum in the bin), ``rate`` (mean in the
        bin), ``cum_customer_share``, ``cum_gain`` (share of the total outcome
        captured so far), ``lift`` (bin rate / overall rate) and ``cum_lift``;
        for each baseline ranking given, ``cum_gain <name>`` (what ranking by
        it captures with as many customers).
    auc : float
        Area under the ROC curve when the outcome is 0/1, else NaN.
    """

    table: pd.DataFrame
    auc: float

    @property
    def baselines(self) -> list[str]:
        """The baseline rankings drawn with the score (``cum_gain <name>`` columns)."""
        return [c.removeprefix("cum_gain ") for c in self.table.columns if c.startswith("cum_gain ")]

    def answer(self, baseline: str = "past spend", *, bins: int = 3, score: str = "potential value",
               outcome: str = "the later revenue") -> str:
        """Whether the score ranks later buyers better than ``baseline`` over the first ``bins`` bins, in words.

        Compares the cumulative gains as the table shows them (one decimal of a percent): "better"
        only when the score gathers at least as much at every depth and more at one, "worse" the
        other way round, otherwise neither.

        Examples
        --------
        >>> t = pd.DataFrame({"cum_customer_share": [0.1, 0.2], "cum_gain": [0.4, 0.6],
        ...                   "cum_gain past spend": [0.4, 0.55]})
        >>> GainsResult(t, float("nan")).answer(bins=2).split(": ")[-1]
        'potential value ranks better than past spend at these depths.'
        """
        t = self.table.head(bins)
        mine = (100 * t["cum_gain"]).round(1)
        theirs = (100 * t[f"cum_gain {baseline}"]).round(1)
        depths = ", ".join(f"{100 * x:.0f}%" for x in t["cum_customer_share"])
        if (mine >= theirs).all() and (mine > theirs).any():
            verdict = f"{score} ranks better than {baseline} at these depths."
        elif (mine <= theirs).all() and (mine < theirs).any():
            verdict = f"{baseline} ranks at least as well at every one of these depths: {score} adds nothing over it."
        else:
            verdict = "neither ranks consistently better than the other at these depths."
        return (f"Over the top {depths} of customers, ranking by {score} gathers "
                f"{', '.join(f'{x:.1f}%' for x in mine)} of {outcome}, ranking by {baseline} "
                f"{', '.join(f'{x:.1f}%' for x in theirs)}: {verdict}")

    def summary(self) -> pd.DataFrame:
        return self.table[["bin", "n", "rate", "cum_customer_share", "cum_gain",
                           *(f"cum_gain {b}" for b in self.baselines), "lift", "cum_lift"]]

    def plot(self, ax=None, *, kind: str = "gains"):
        """``kind="gains"``: cumulative gains vs random and perfect; ``"lift"``: lift by bin.

        Returns
        -------
        Axes
        """
        ax = new_axes(ax, (6.5, 5))
        t = self.table
        if kind == "gains":
            x = np.r_[0, t["cum_customer_share"]] * 100
            ax.plot(x, np.r_[0, t["cum_gain"]] * 100, "o-", color="#0173b2", lw=2, label="score")
            ax.plot([0, 100], [0, 100], ls="--", color=DARK_GREY, label="random order")
            for name, colour in zip(self.baselines, ("#d55e00", "#cc78bc", "#ca9161")):
                ax.plot(x, np.r_[0, t[f"cum_gain {name}"]] * 100, "s--", color=colour, lw=1.3, ms=4,
                        label=f"ranked by {name}")
            perfect = t.attrs.get("perfect")
            if perfect is not None:
                ax.plot(x, np.r_[0, perfect] * 100, ls=":", color="#029e73", label="perfect order")
            ax.set_xlabel("customers contacted, best score first (% of all)")
            ax.set_ylabel("outcome captured (% of total)")
            ttl = "Cumulative gains"
            if np.isfinite(self.auc):
                ttl += f" (AUC {self.auc:.2f})"
            ax.set_title(ttl)
            ax.set_xlim(0, 100)
            ax.set_ylim(0, 102)
            ax.legend(loc="lower right", fontsize=9)
        elif kind == "lift":
            ax.bar(t["bin"], t["lift"], color="#0173b2")
            ax.axhline(1, color=DARK_GREY, ls="--", lw=1, label="random (lift 1)")
            for b, v in zip(t["bin"], t["lift"]):
                ax.annotate(f"{v:.1f}", (b, v), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
            ax.set_xticks(t["bin"])
            ax.set_xlabel(f"score {'decile' if len(t) == 10 else 'bin'} (1 = best scores)")
            ax.set_ylabel("lift (bin rate / overall rate)")
            ax.set_title("Lift by score decile" if len(t) == 10 else "Lift by score bin")
            ax.legend(fontsize=9)
        else:
            raise ValueError(f"kind must be 'gains' or 'lift', got {kind!r}")
        return ax


def gains(scores: Sequence[float] | np.ndarray | pd.Series, outcome: Sequence[float] | np.ndarray | pd.Series,
          *, n_bins: int = 10, baselines: Mapping[str, Sequence[float] | np.ndarray] | None = None) -> GainsResult:
    """Gains and lift table of a score against an outcome.

    Customers are sorted by score, highest first (ties keep their input
    order), and cut into ``n_bins`` groups of equal size. The outcome may be
    0/1 (bought or not) or an amount (revenue): gains are shares of its total.

    Parameters
    ----------
    scores : array-like
        Higher = more likely to buy.
    outcome : array-like
        Same length as ``scores``; non-negative.
    n_bins : int
        Number of bins (10 = deciles).
    baselines : mapping of str to array-like, optional
        Other rankings to compare with (e.g. past spend), same length as ``scores``; each adds a
        ``cum_gain <name>`` column: the share of the outcome its top customers capture, bin by bin.

    Returns
    -------
    GainsResult

    Examples
    --------
    >>> y = np.r_[np.ones(10), np.zeros(90)]
    >>> g = gains(y, y)
    >>> float(g.table.loc[0, "cum_gain"]), float(g.table.loc[0, "lift"])
    (1.0, 10.0)
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"scores and outcome must be 1-D of the same length, got {s.shape} and {y.shape}")
    others = {name: np.asarray(v, dtype=float) for name, v in (baselines or {}).items()}
    for name, v in others.items():
        if v.shape != s.shape:
            raise ValueError(f"baseline {name!r} has shape {v.shape}; scores have {s.shape}")
    ok = np.isfinite(s) & np.isfinite(y)
    s, y = s[ok], y[ok]
    others = {name: v[ok] for name, v in others.items()}
    if len(s) < n_bins:
        raise ValueError(f"need at least n_bins={n_bins} customers with a score and an outcome, got {len(s)}")
    if (y < 0).any():
        raise ValueError("outcome must be non-negative (0/1 or an amount)")
    total = y.sum()
    if total <= 0:
        raise ValueError("the outcome is zero for every customer; gains are undefined")
    order = np.argsort(-s, kind="stable")
    chunks = np.array_split(order, n_bins)
    ysorted_perfect = np.sort(y)[::-1]
    rows, pos, cum = [], 0, 0.0
    overall = y.mean()
    perfect = []
    for b, idx in enumerate(chunks, start=1):
        cum += y[idx].sum()
        pos += len(idx)
        perfect.append(ysorted_perfect[:pos].sum() / total)
        rows.append({"bin": b, "n": len(idx), "min_score": s[idx].min(), "max_score": s[idx].max(),
                     "outcome": y[idx].sum(), "rate": y[idx].mean(), "cum_customer_share": pos / len(s),
                     "cum_gain": cum / total, "lift": y[idx].mean() / overall,
                     "cum_lift": (cum / pos) / overall})
    table = pd.DataFrame(rows)
    sizes = np.cumsum([len(c) for c in chunks])
    for name, v in others.items():
        ranked = y[np.argsort(-v, kind="stable")]
        table[f"cum_gain {name}"] = np.cumsum(ranked)[sizes - 1] / total
    table.attrs["perfect"] = np.array(perfect)
    auc = np.nan
    if set(np.unique(y)) == {0.0, 1.0}:
        from sklearn.metrics import roc_auc_score

        auc = float(roc_auc_score(y, s))
    return GainsResult(table, auc)


# ---------------------------------------------------------------------------------------------
# split-half replication
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplicationResult:
    """Whether the segments come back when the data are split in two.

    Attributes
    ----------
    ari : float
        Adjusted Rand index on half B between the segments predicted by the
        model fitted on half A and the segments of the model fitted on B.
    max_abs_centroid_diff : float
        Largest absolute difference between matched segment means of the two
        halves, in standard deviations of the whole basis.
    centroids : DataFrame
        ``segment`` (numbered as the segmentation's own segments when a
        reference is given, else 1..k by half A's segments), ``segment_name``,
        ``variable``, ``mean_a``, ``mean_b``, ``diff``, ``std_diff``, ``z_a``
        and ``z_b``.
    mapping : dict
        Segment of half B -> matched segment of half A, both as the fits label
        them (Hungarian on overlap).
    n_a, n_b : int
    """

    ari: float
    max_abs_centroid_diff: float
    centroids: pd.DataFrame
    mapping: dict
    n_a: int
    n_b: int

    @property
    def table(self) -> pd.DataFrame:
        return self.centroids

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({
            "measure": ["customers in half A", "customers in half B",
                        "adjusted Rand index (A's model vs B's own segments, on B)",
                        "largest centroid difference (SD units)"],
            "value": [self.n_a, self.n_b, self.ari, self.max_abs_centroid_diff],
        })

    def plot(self, ax=None):
        """Matched segment means of the two halves (standardised), one point per segment and variable."""
        ax = new_axes(ax, (6, 5.5))
        c = self.centroids
        pal = segment_palette(c["segment"])
        for (s, name), grp in c.groupby(["segment", "segment_name"], sort=True):
            ax.scatter(grp["z_a"], grp["z_b"], color=pal[s], s=35, label=segment_label(s, name))
        lim = float(np.nanmax(np.abs(np.r_[c["z_a"], c["z_b"], 1.0]))) * 1.1
        ax.plot([-lim, lim], [-lim, lim], ls="--", color=DARK_GREY, lw=1, label="perfect replication")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xlabel("segment mean in half A (SD from the overall mean)")
        ax.set_ylabel("matched segment mean in half B (SD)")
        ax.set_title(f"Split-half replication (ARI {self.ari:.2f})")
        ax.legend(fontsize=8)
        return ax


def _match_labels(ref: np.ndarray, other: np.ndarray) -> dict:
    """Map each label of ``other`` to the label of ``ref`` it overlaps most, one-to-one (Hungarian)."""
    from scipy.optimize import linear_sum_assignment

    ct = pd.crosstab(pd.Series(other, name="other"), pd.Series(ref, name="ref"))
    rows, cols = linear_sum_assignment(-ct.to_numpy())
    return {_py(ct.index[r]): _py(ct.columns[c]) for r, c in zip(rows, cols)}


def _py(x: Any) -> Any:
    """numpy scalars as plain Python values, so mappings print and serialise cleanly."""
    return x.item() if hasattr(x, "item") else x


def split_half_replication(X: pd.DataFrame | np.ndarray, segmenter: Any, *, random_state: int | None = 0,
                           reference: Sequence[int] | np.ndarray | pd.Series | None = None,
                           names: Mapping[int, str] | None = None) -> ReplicationResult:
    """Fit the segmenter on each half of the customers and compare the two solutions.

    The customers are split at random into halves A and B. A copy of the
    segmenter is fitted on each half; A's model then assigns B's customers,
    and the adjusted Rand index between those assignments and B's own
    segments measures replication (1 = identical, 0 = chance). The segment
    means of the two halves are matched (Hungarian algorithm on the overlap
    on B) and compared in standard deviations of the whole basis.

    Parameters
    ----------
    X : DataFrame or ndarray
        The basis, one row per customer.
    segmenter : estimator
        scikit-learn style: ``fit(X)``, ``labels_``, ``predict(X)``; cloned,
        never modified.
    random_state : int, optional
        Seed of the split.
    reference : array-like of int, optional
        The segmentation's own segment of each row of ``X`` (step 5's). Half A's segments are matched
        to these by their members (Hungarian on overlap), so the centres carry the segmentation's
        numbers; without it they are numbered 1..k in half A's order.
    names : mapping of int to str, optional
        Segment names by number, for ``segment_name``.

    Returns
    -------
    ReplicationResult

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(6, 1, (100, 2))])
    >>> split_half_replication(X, KMeans(2, n_init=5, random_state=0)).ari
    1.0
    """
    from sklearn.base import clone
    from sklearn.metrics import adjusted_rand_score

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X), columns=[
        f"x{i + 1}" for i in range(np.asarray(X).shape[1])])
    frame = frame.reset_index(drop=True)
    n = len(frame)
    if n < 20:
        raise ValueError(f"split-half replication needs at least 20 customers, got {n}")
    rng = np.random.default_rng(random_state)
    perm = rng.permutation(n)
    ia, ib = np.sort(perm[: n // 2]), np.sort(perm[n // 2:])
    XA, XB = frame.iloc[ia], frame.iloc[ib]

    def fresh():
        try:
            return clone(segmenter)
        except TypeError:  # not a scikit-learn estimator: copy the unfitted object instead
            return copy.deepcopy(segmenter)

    def as_input(part: pd.DataFrame):
        return part if isinstance(X, pd.DataFrame) else part.to_numpy()

    ma, mb = fresh().fit(as_input(XA)), fresh().fit(as_input(XB))
    la, lb = np.asarray(ma.labels_), np.asarray(mb.labels_)
    lb_from_a = np.asarray(ma.predict(as_input(XB)))
    ari = float(adjusted_rand_score(lb_from_a, lb))
    mapping = _match_labels(lb_from_a, lb)
    # Centres are compared on the numeric columns; categorical ones (k-prototypes) have no mean.
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    sd = frame[numeric].std(ddof=1).replace(0, np.nan)
    mu = frame[numeric].mean()
    ca = XA[numeric].groupby(la).mean()
    cb = XB[numeric].groupby(lb).mean()
    if reference is not None:
        ref = np.asarray(reference)
        if len(ref) != n:
            raise ValueError(f"reference has {len(ref)} segments for {n} rows of X")
        a_to_ref = _match_labels(ref[ia], la)
    else:
        a_to_ref = {_py(lab): i + 1 for i, lab in enumerate(sorted(np.unique(la)))}
    rows = []
    for sb, sa in mapping.items():
        seg = a_to_ref.get(sa)
        if seg is None:  # half A found more segments than the reference has: no number to give it
            continue
        for v in numeric:
            rows.append({"segment": int(seg), "segment_name": (names or {}).get(int(seg), str(seg)), "variable": v,
                         "mean_a": ca.loc[sa, v], "mean_b": cb.loc[sb, v], "diff": cb.loc[sb, v] - ca.loc[sa, v],
                         "std_diff": (cb.loc[sb, v] - ca.loc[sa, v]) / sd[v],
                         "z_a": (ca.loc[sa, v] - mu[v]) / sd[v], "z_b": (cb.loc[sb, v] - mu[v]) / sd[v]})
    cent = pd.DataFrame(rows).sort_values(["segment", "variable"]).reset_index(drop=True)
    return ReplicationResult(ari, float(cent["std_diff"].abs().max()), cent, mapping, len(ia), len(ib))


# ---------------------------------------------------------------------------------------------
# verdict
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VerdictResult:
    """The brief's criteria, measured: one row per knock-out and success criterion, nothing counted twice.

    Attributes
    ----------
    table : DataFrame
        :data:`segkit.criteria.VERDICT_COLUMNS`: ``criterion``, ``kind`` ("knock-out" or
        "success"), ``measure``, ``measured_by``, ``threshold``, ``threshold_text``, ``value``,
        ``value_text``, ``passed`` (True/False, missing when not measured or left to the team),
        ``evidence`` (the report section behind the value) and ``note``.
    """

    table: pd.DataFrame

    @property
    def passed(self) -> bool:
        """True when every measured knock-out criterion passes."""
        ko = self.table[self.table["kind"] == "knock-out"]["passed"].dropna()
        return bool(ko.astype(bool).all())

    @property
    def counted(self) -> pd.DataFrame:
        """The rows a count takes: a criterion that repeats an earlier one's measurement (``same_as``) is left out."""
        t = self.table
        return t.loc[t["same_as"].isna()] if "same_as" in t else t

    @property
    def failed(self) -> list[str]:
        """Criteria measured and failed (each measurement once)."""
        t = self.counted
        return t.loc[t["passed"].eq(False).fillna(False).astype(bool), "criterion"].tolist()

    @property
    def n_judged(self) -> int:
        """Criteria not measured (left to the team, or their measure unavailable in this study)."""
        return int(self.table["passed"].isna().sum())

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None):
        """A traffic-light chart: one row per criterion, green pass, red fail, grey not measured."""
        t = self.table
        ax = new_axes(ax, (9, 0.45 * len(t) + 1.2))
        colour = {True: "#029e73", False: "#d55e00"}
        y = np.arange(len(t))[::-1]
        for yi, (_, r) in zip(y, t.iterrows()):
            p = r["passed"]
            c = GREY if pd.isna(p) else colour[bool(p)]
            ax.scatter(0, yi, s=160, color=c)
            label = "not measured" if pd.isna(p) else "pass" if p else "fail"
            ax.annotate(f"{label}: {r['value_text']} vs {r['threshold_text']}", (0.05, yi), va="center", fontsize=9)
        ax.set_yticks(y, [f"[{k}] {c[:70]}" for k, c in zip(t["kind"], t["criterion"])], fontsize=9)
        ax.set_xlim(-0.1, 1.5)
        ax.set_xticks([])
        ax.grid(False)
        ax.set_title("Verdict: " + ("every measured knock-out criterion passes" if self.passed
                                    else "a knock-out criterion fails"))
        return ax


def verdict(brief: Mapping[str, Any], evidence: Evidence) -> VerdictResult:
    """Measure every knock-out and success criterion of the brief: one row each.

    The brief's criteria were read once, at step 1 (:func:`segkit.brief.make_brief`): each has a
    measure and a threshold, or is left to the team. Each becomes exactly one row, in the brief's
    order (knock-out first); a statistic that answers several criteria is reported in each of their
    rows, never as rows of its own.

    Parameters
    ----------
    brief : dict
        The brief (``brief.json``): ``knockout_criteria`` and ``success_criteria``.
    evidence : Evidence
        What steps 5-7 measured (:class:`segkit.criteria.Evidence`).

    Returns
    -------
    VerdictResult

    Examples
    --------
    >>> from segkit.criteria import Evidence
    >>> brief = {"knockout_criteria": ["Every segment holds at least 5% of the customers"], "success_criteria": []}
    >>> verdict(brief, Evidence(segment_shares={1: 0.7, 2: 0.3})).passed
    True
    """
    rows = measure_criteria(brief_criteria(dict(brief)), evidence)
    table = pd.DataFrame(rows, columns=VERDICT_COLUMNS)
    table["passed"] = table["passed"].astype("boolean")
    table["value"] = table["value"].astype(float)
    return VerdictResult(table)

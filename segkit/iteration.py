"""Step 8, iteration: compare this segmentation with an earlier one and decide what to do.

Segments decay as markets and customers change. This module shows where the
customers of an earlier run went (:func:`migration_matrix`), how much the
segments' sizes and profiles moved (:func:`drift`), and turns both into a
documented keep / adjust / re-segment recommendation (:func:`recommend`).

Two runs may number the same segment differently. Current segments are
therefore first matched to previous ones by the Hungarian algorithm on the
number of shared customers, and every comparison uses the *previous* run's
numbering; :attr:`Migration.mapping` says which current segment became which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segkit.assignments import check_assignments, segment_names
from segkit.errors import DataError
from segkit.figures import new_axes, pretty
from segkit.palette import DARK_GREY, segment_colour, segment_label
from segkit.profiling import ProfileResult

__all__ = ["DEFAULT_THRESHOLDS", "Drift", "Migration", "Recommendation", "drift", "match_segments",
           "migration_matrix", "recommend"]

NEW, GONE = "new", "gone"


def match_segments(previous: pd.DataFrame, current: pd.DataFrame) -> dict[int, int | None]:
    """Match current segments to previous ones, one-to-one, maximising shared customers.

    Parameters
    ----------
    previous, current : DataFrame
        Assignments tables of the two runs.

    Returns
    -------
    dict
        ``{current segment: previous segment}``; a current segment left over
        when the current run has more segments maps to None.

    Examples
    --------
    >>> prev = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2]})
    >>> cur = pd.DataFrame({"customer_id": list("abcd"), "segment": [2, 2, 1, 1]})
    >>> match_segments(prev, cur)
    {1: 2, 2: 1}
    """
    from scipy.optimize import linear_sum_assignment

    p, c = check_assignments(previous, name="previous"), check_assignments(current, name="current")
    both = p.merge(c, on="customer_id", suffixes=("_prev", "_cur"))
    cur_segs = sorted(c["segment"].unique())
    prev_segs = sorted(p["segment"].unique())
    ct = pd.crosstab(both["segment_cur"], both["segment_prev"]).reindex(index=cur_segs, columns=prev_segs,
                                                                          fill_value=0)
    rows, cols = linear_sum_assignment(-ct.to_numpy())
    out: dict[int, int | None] = {int(s): None for s in cur_segs}
    for r, k in zip(rows, cols):
        out[int(ct.index[r])] = int(ct.columns[k])
    return out


@dataclass(frozen=True)
class Migration:
    """Where the customers of the previous run are now.

    Attributes
    ----------
    counts : DataFrame
        Previous segment (rows, plus ``"new"`` for customers only in the
        current run) x current segment in the previous numbering (columns,
        plus ``"gone"`` for customers only in the previous run).
    row_shares : DataFrame
        ``counts`` divided by its row totals.
    flows : DataFrame
        Tidy: ``from_segment``, ``to_segment``, ``n``, ``share`` (of the from row).
    ari : float
        Adjusted Rand index between the two runs on the customers in both.
    mapping : dict
        Current segment (own numbering) -> previous segment it was matched to;
        unmatched current segments get new numbers after the previous ones.
    stay_share : float
        Share of common customers in the matched segment of their previous one.
    n_common : int
    names_previous, names_current : dict
        Segment names (current keyed by the previous numbering).
    """

    counts: pd.DataFrame
    row_shares: pd.DataFrame
    flows: pd.DataFrame
    ari: float
    mapping: dict
    stay_share: float
    n_common: int
    names_previous: dict = field(default_factory=dict)
    names_current: dict = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        return self.flows

    def summary(self) -> pd.DataFrame:
        renamed = {c: p for c, p in self.mapping.items() if c != p}
        return pd.DataFrame({
            "measure": ["customers in both runs", "adjusted Rand index (both runs)",
                        "share staying in their segment", "current segments renumbered to match"],
            "value": [self.n_common, round(self.ari, 3), round(self.stay_share, 3),
                      ", ".join(f"{c}->{p}" for c, p in renamed.items()) or "none"],
        })

    def _label(self, key: Any, current: bool) -> str:
        if key in (NEW, GONE):
            return f"{key} customers"
        names = self.names_current if current else self.names_previous
        return segment_label(key, names.get(key))

    def plot(self, ax=None):
        """Heatmap of row percentages, each cell annotated with its count. Returns the Axes."""
        import seaborn as sns

        share = self.row_shares * 100
        ax = new_axes(ax, (1.25 * share.shape[1] + 3.5, 0.7 * share.shape[0] + 2))
        annot = np.array([[f"{p:.0f}%\n{n:,}" if n else "" for p, n in zip(prow, nrow)]
                          for prow, nrow in zip(share.fillna(0).to_numpy(), self.counts.to_numpy())])
        sns.heatmap(share, annot=annot, fmt="", cmap="Blues", vmin=0, vmax=100, linewidths=0.5,
                    cbar_kws={"label": "% of the previous segment's customers"}, annot_kws={"fontsize": 8},
                    xticklabels=[self._label(c, True) for c in share.columns],
                    yticklabels=[self._label(r, False) for r in share.index], ax=ax)
        ax.set_xlabel("segment now (matched to the previous numbering)")
        ax.set_ylabel("segment in the previous run")
        ax.set_title(f"Segment migration (ARI {self.ari:.2f}, {self.stay_share:.0%} stayed)")
        ax.tick_params(axis="x", rotation=30)
        for lab in ax.get_xticklabels():
            lab.set_ha("right")
        return ax

    def plot_flows(self, ax=None):
        """Alluvial chart: previous segments on the left, current on the right, bands sized by customers."""
        from matplotlib.patches import Polygon, Rectangle

        ax = new_axes(ax, (8, 6))
        c = self.counts
        total = c.to_numpy().sum()
        gap = 0.015 * total
        bar_w = 0.12

        def stack(keys, sizes):
            pos, y = {}, 0.0
            for k, s in zip(keys, sizes):
                pos[k] = y
                y += s + gap
            return pos

        left = stack(c.index, c.sum(axis=1))
        right = stack(c.columns, c.sum(axis=0))
        lcur, rcur = dict(left), dict(right)
        for r in c.index:
            for col in c.columns:
                n = c.loc[r, col]
                if n == 0:
                    continue
                y0l, y0r = lcur[r], rcur[col]
                xs = np.linspace(bar_w, 1 - bar_w, 30)
                t = (1 - np.cos(np.pi * (xs - bar_w) / (1 - 2 * bar_w))) / 2  # smooth S-shaped band
                bottom = y0l + (y0r - y0l) * t
                verts = np.r_[np.c_[xs, bottom], np.c_[xs[::-1], (bottom + n)[::-1]]]
                ax.add_patch(Polygon(verts, closed=True, facecolor=segment_colour(r) if r != NEW else "#8C8C8C",
                                     alpha=0.45, edgecolor="none"))
                lcur[r] += n
                rcur[col] += n
        for pos, sizes, x, cur in ((left, c.sum(axis=1), 0, False),
                                   (right, c.sum(axis=0), 1 - bar_w, True)):
            for k, y0 in pos.items():
                s = sizes[k]
                ax.add_patch(Rectangle((x, y0), bar_w, s, facecolor=segment_colour(k), edgecolor="white"))
                if s > 0:
                    ax.annotate(f"{self._label(k, cur)} ({s:,})", (x + (bar_w if cur else 0), y0 + s / 2),
                                xytext=(5 if cur else -5, 0), textcoords="offset points", va="center",
                                ha="left" if cur else "right", fontsize=8)
        height = max(sum(c.sum(axis=1)) + gap * len(c.index), sum(c.sum(axis=0)) + gap * len(c.columns))
        ax.set_xlim(-0.6, 1.6)
        ax.set_ylim(height, 0)
        ax.set_xticks([bar_w / 2, 1 - bar_w / 2], ["previous run", "current run"])
        ax.set_yticks([])
        ax.grid(False)
        for sp in ax.spines.values():
            sp.set_visible(False)
        ax.set_title("Where the customers went (band width = customers)")
        return ax


def migration_matrix(previous: pd.DataFrame, current: pd.DataFrame, *, match: bool = True) -> Migration:
    """Cross-tabulate the previous run's segments against the current run's.

    Parameters
    ----------
    previous, current : DataFrame
        Assignments tables (``customer_id``, ``segment``, ``segment_name``).
    match : bool
        Renumber current segments to the previous segments they overlap most
        (Hungarian algorithm). Turn off only when the numbering is known to agree.

    Returns
    -------
    Migration

    Examples
    --------
    >>> prev = pd.DataFrame({"customer_id": list("abcde"), "segment": [1, 1, 1, 2, 2]})
    >>> cur = pd.DataFrame({"customer_id": list("abcdf"), "segment": [1, 1, 2, 2, 2]})
    >>> m = migration_matrix(prev, cur)
    >>> m.counts.to_dict(orient="index")
    {1: {1: 2, 2: 1, 'gone': 0}, 2: {1: 0, 2: 1, 'gone': 1}, 'new': {1: 0, 2: 1, 'gone': 0}}
    """
    from sklearn.metrics import adjusted_rand_score

    p, c = check_assignments(previous, name="previous"), check_assignments(current, name="current")
    prev_segs = sorted(p["segment"].unique())
    if match:
        raw = match_segments(p, c)
        nxt = max(prev_segs) + 1
        mapping: dict[int, int] = {}
        for cs in sorted(raw):
            matched = raw[cs]
            if matched is None:
                mapping[cs], nxt = nxt, nxt + 1
            else:
                mapping[cs] = matched
    else:
        mapping = {int(s): int(s) for s in c["segment"].unique()}
    c = c.assign(segment=c["segment"].map(mapping))
    names_prev, names_cur = segment_names(p), segment_names(c)
    cur_segs = sorted(c["segment"].unique())
    both = p.merge(c, on="customer_id", how="outer", suffixes=("_prev", "_cur"))
    frm = both["segment_prev"].astype(object).where(both["segment_prev"].notna(), NEW)
    to = both["segment_cur"].astype(object).where(both["segment_cur"].notna(), GONE)
    frm = frm.map(lambda v: v if v == NEW else int(v))
    to = to.map(lambda v: v if v == GONE else int(v))
    rows = [*sorted({int(x) for x in prev_segs}), NEW]
    cols = [*sorted({int(x) for x in cur_segs} | {int(x) for x in prev_segs}), GONE]
    counts = pd.crosstab(frm, to).reindex(index=rows, columns=cols, fill_value=0)
    counts.index = pd.Index(rows, dtype=object)
    counts.columns = pd.Index(cols, dtype=object)
    counts.index.name, counts.columns.name = "previous", None
    # an empty "new" row is noise unless some customer is new
    if counts.loc[NEW].sum() == 0:
        counts = counts.drop(index=NEW)
    row_shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    flows = (counts.stack().rename("n").reset_index().rename(columns={"previous": "from_segment",
                                                                      "level_1": "to_segment"}))
    flows.columns = ["from_segment", "to_segment", "n"]
    flows["share"] = flows["n"] / flows["from_segment"].map(counts.sum(axis=1))
    flows = flows[flows["n"] > 0].reset_index(drop=True)
    common = both.dropna(subset=["segment_prev", "segment_cur"])
    n_common = len(common)
    ari = float(adjusted_rand_score(common["segment_prev"], common["segment_cur"])) if n_common else np.nan
    stay = float((common["segment_prev"] == common["segment_cur"]).mean()) if n_common else np.nan
    return Migration(counts, row_shares, flows, ari, mapping, stay, n_common, names_prev, names_cur)


# ---------------------------------------------------------------------------------------------
# drift
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drift:
    """How much segment sizes and profiles moved between two runs.

    Attributes
    ----------
    sizes : DataFrame
        ``segment`` (previous numbering), ``n_previous``, ``share_previous``,
        ``n_current``, ``share_current``, ``shift_points`` (percentage points)
        and ``status`` ("kept", "vanished" or "new").
    profiles : DataFrame
        ``segment``, ``variable``, ``previous_mean``, ``current_mean``,
        ``shift`` and ``std_shift`` (shift in standard deviations of the
        variable in the previous run's base).
    chi2, chi2_df, chi2_p : float
        Goodness-of-fit test of the current segment counts against the
        previous shares (segments in both runs). With thousands of customers
        it flags shifts too small to matter: read it with ``shift_points``.
    """

    sizes: pd.DataFrame
    profiles: pd.DataFrame
    chi2: float
    chi2_df: int
    chi2_p: float

    @property
    def table(self) -> pd.DataFrame:
        return self.sizes

    @property
    def max_size_shift(self) -> float:
        """Largest absolute change of a segment's share, in percentage points."""
        return float(self.sizes["shift_points"].abs().max())

    @property
    def max_profile_shift(self) -> float:
        """Largest absolute standardised shift of a segment mean (NaN without profiles)."""
        return float(self.profiles["std_shift"].abs().max()) if len(self.profiles) else np.nan

    @property
    def vanished(self) -> list[int]:
        return [int(s) for s in self.sizes.loc[self.sizes["status"] == "vanished", "segment"]]

    @property
    def new(self) -> list[int]:
        return [int(s) for s in self.sizes.loc[self.sizes["status"] == "new", "segment"]]

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({
            "measure": ["largest share change (points)", "largest profile shift (SD)",
                        "chi-square of sizes (p-value)", "vanished segments", "new segments"],
            "value": [round(self.max_size_shift, 2), round(self.max_profile_shift, 3), self.chi2_p,
                      ", ".join(map(str, self.vanished)) or "none", ", ".join(map(str, self.new)) or "none"],
        })

    def plot(self, ax=None):
        """Dumbbell chart of each segment's share in the previous and the current run. Returns the Axes."""
        ax = new_axes(ax, (7.5, 0.55 * len(self.sizes) + 1.8))
        t = self.sizes.sort_values("segment")
        y = np.arange(len(t))[::-1]
        for yi, r in zip(y, t.itertuples()):
            col = segment_colour(r.segment)
            ax.plot([r.share_previous * 100, r.share_current * 100], [yi, yi], color=col, lw=2.5)
            ax.scatter(r.share_previous * 100, yi, s=60, facecolor="white", edgecolor=col, lw=2, zorder=3)
            ax.scatter(r.share_current * 100, yi, s=60, color=col, zorder=3)
            ax.annotate(f"{r.shift_points:+.1f} pts", (max(r.share_previous, r.share_current) * 100, yi),
                        xytext=(8, 0), textcoords="offset points", va="center", fontsize=8, color=DARK_GREY)
        ax.set_yticks(y, [segment_label(s, n) if isinstance(n, str) and n else str(s)
                          for s, n in zip(t["segment"], t.get("name", t["segment"]))])
        ax.scatter([], [], s=60, facecolor="white", edgecolor=DARK_GREY, label="previous run")
        ax.scatter([], [], s=60, color=DARK_GREY, label="current run")
        ax.set_xlabel("share of customers (%)")
        ax.set_xlim(0, max(t["share_previous"].max(), t["share_current"].max()) * 115)
        ax.set_title(f"Segment size drift (largest change {self.max_size_shift:.1f} points)")
        ax.legend(fontsize=8, loc="lower right")
        return ax

    def plot_profiles(self, ax=None):
        """Heatmap of standardised shifts of each segment's mean (segment x variable). Returns the Axes."""
        import seaborn as sns

        if not len(self.profiles):
            raise ValueError("no profiles were given to drift(); nothing to draw")
        wide = self.profiles.pivot(index="segment", columns="variable", values="std_shift")
        ax = new_axes(ax, (0.9 * wide.shape[1] + 3, 0.6 * wide.shape[0] + 2))
        sns.heatmap(wide, annot=True, fmt=".2f", cmap="RdBu_r", center=0, vmin=-1, vmax=1, ax=ax,
                    cbar_kws={"label": "shift of the segment mean (SD)"},
                    xticklabels=[pretty(v) for v in wide.columns], annot_kws={"fontsize": 8})
        ax.set_xlabel("basis variable")
        ax.set_ylabel("segment (previous numbering)")
        ax.set_title("Profile drift: how far each segment's mean moved")
        return ax


def _sizes_frame(sizes: pd.DataFrame, label: str) -> pd.DataFrame:
    if "segment" not in sizes.columns:
        raise DataError(f"{label} needs a segment column", column="segment")
    ncol = "n" if "n" in sizes.columns else "n_customers" if "n_customers" in sizes.columns else None
    if ncol is None:
        raise DataError(f"{label} needs an n (or n_customers) column", column="n")
    out = sizes[["segment", ncol] + (["name"] if "name" in sizes.columns else [])].rename(columns={ncol: "n"})
    return out.assign(segment=out["segment"].astype(int))


def _profile_frame(p: ProfileResult | pd.DataFrame | None, label: str) -> pd.DataFrame | None:
    if p is None:
        return None
    t = p.table if isinstance(p, ProfileResult) else p
    need = ["segment", "variable", "segment_mean", "base_sd"]
    missing = [c for c in need if c not in t.columns]
    if missing:
        raise DataError(f"{label} needs columns {need} (the table of segkit.profiling.profile); "
                        f"missing {missing}", column=missing[0])
    return t[need]


def drift(
    previous_sizes: pd.DataFrame,
    current_sizes: pd.DataFrame,
    previous_profiles: ProfileResult | pd.DataFrame | None = None,
    current_profiles: ProfileResult | pd.DataFrame | None = None,
    *,
    mapping: Mapping[int, int] | None = None,
) -> Drift:
    """Compare segment sizes and profiles of two runs.

    Parameters
    ----------
    previous_sizes, current_sizes : DataFrame
        ``segment`` and ``n`` (or ``n_customers``), e.g. from
        :func:`segkit.profiling.segment_sizes` or ``SegmentationResult.segments``.
    previous_profiles, current_profiles : ProfileResult or DataFrame, optional
        Profiles on the same basis (:func:`segkit.profiling.profile`).
    mapping : dict, optional
        Current segment -> previous segment, e.g. :attr:`Migration.mapping`;
        without it the numbering is assumed to agree.

    Returns
    -------
    Drift

    Examples
    --------
    >>> prev = pd.DataFrame({"segment": [1, 2], "n": [500, 500]})
    >>> cur = pd.DataFrame({"segment": [1, 2], "n": [600, 400]})
    >>> drift(prev, cur).sizes["shift_points"].round(1).tolist()
    [10.0, -10.0]
    """
    mp = {int(k): int(v) for k, v in (mapping or {}).items() if v is not None}
    ps = _sizes_frame(previous_sizes, "previous_sizes")
    cs = _sizes_frame(current_sizes, "current_sizes")
    cs = cs.assign(segment=cs["segment"].map(lambda s: mp.get(s, s)))
    t = ps.merge(cs, on="segment", how="outer", suffixes=("_previous", "_current"))
    if "name_previous" in t.columns:
        t["name"] = t["name_previous"].fillna(t.get("name_current"))
        t = t.drop(columns=[c for c in ("name_previous", "name_current") if c in t.columns])
    t[["n_previous", "n_current"]] = t[["n_previous", "n_current"]].fillna(0).astype(int)
    t["share_previous"] = t["n_previous"] / t["n_previous"].sum()
    t["share_current"] = t["n_current"] / t["n_current"].sum()
    t["shift_points"] = (t["share_current"] - t["share_previous"]) * 100
    t["status"] = np.where(t["n_current"] == 0, "vanished", np.where(t["n_previous"] == 0, "new", "kept"))
    t = t.sort_values("segment").reset_index(drop=True)
    kept = t[t["status"] == "kept"]
    chi2, dof, p = np.nan, 0, np.nan
    if len(kept) >= 2:
        exp = kept["share_previous"] / kept["share_previous"].sum() * kept["n_current"].sum()
        chi2, p = stats.chisquare(kept["n_current"].to_numpy(), exp.to_numpy())
        dof = len(kept) - 1
    cols = ["segment", *(["name"] if "name" in t.columns else []), "n_previous", "share_previous", "n_current",
            "share_current", "shift_points", "status"]
    pp, cp = _profile_frame(previous_profiles, "previous_profiles"), _profile_frame(current_profiles,
                                                                                    "current_profiles")
    if pp is not None and cp is not None:
        cp = cp.assign(segment=cp["segment"].map(lambda s: mp.get(int(s), int(s))))
        prof = pp.merge(cp, on=["segment", "variable"], suffixes=("_previous", "_current"))
        prof = prof.rename(columns={"segment_mean_previous": "previous_mean", "segment_mean_current": "current_mean"})
        prof["shift"] = prof["current_mean"] - prof["previous_mean"]
        prof["std_shift"] = prof["shift"] / prof["base_sd_previous"].replace(0, np.nan)
        prof = prof[["segment", "variable", "previous_mean", "current_mean", "shift", "std_shift"]]
    else:
        prof = pd.DataFrame(columns=["segment", "variable", "previous_mean", "current_mean", "shift", "std_shift"])
    return Drift(t[cols], prof.reset_index(drop=True), float(chi2), int(dof), float(p))


_compute_drift = drift  # recommend() has a parameter named drift


# ---------------------------------------------------------------------------------------------
# recommendation
# ---------------------------------------------------------------------------------------------

#: Documented thresholds of :func:`recommend`.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "keep_min_ari": 0.8,  # keep: the two runs agree on at least this ARI ...
    "keep_max_size_shift": 5.0,  # ... no segment's share moved by 5 percentage points or more ...
    "keep_max_profile_shift": 0.5,  # ... and no segment mean moved by half a base SD or more
    "resegment_below_ari": 0.5,  # re-segment: the runs agree less than this
    "vanished_share": 0.01,  # re-segment: a previous segment now holds less than 1% of customers
}


@dataclass(frozen=True)
class Recommendation:
    """Keep, adjust or re-segment, with the checks behind it.

    Attributes
    ----------
    decision : str
        ``"keep"``, ``"adjust"`` or ``"re-segment"``.
    reasons : list of str
        Sentences with the numbers that led to the decision.
    table : DataFrame
        ``check``, ``measured``, ``threshold``, ``breached`` and ``leads_to``.
    thresholds : dict
    """

    decision: str
    reasons: list[str]
    table: pd.DataFrame
    thresholds: dict

    def summary(self) -> pd.DataFrame:
        return self.table

    def text(self) -> str:
        return f"Recommendation: {self.decision}. " + " ".join(self.reasons)

    def plot(self, ax=None):
        """The checks as bars of measured value relative to their threshold (1 = at the threshold)."""
        ax = new_axes(ax, (7.5, 0.5 * len(self.table) + 1.6))
        t = self.table
        ratio = (t["measured"] / t["threshold"].replace(0, np.nan)).fillna(0)
        y = np.arange(len(t))[::-1]
        ax.barh(y, ratio, color=["#d55e00" if b else "#029e73" for b in t["breached"]])
        ax.axvline(1, color=DARK_GREY, ls="--", lw=1)
        ax.set_yticks(y, t["check"], fontsize=9)
        ax.set_xlabel("measured / threshold (dashed line = threshold)")
        ax.set_title(f"Recommendation: {self.decision}")
        return ax


def recommend(migration: Migration, drift: Drift | None = None, *,
              thresholds: Mapping[str, float] | None = None) -> Recommendation:
    """Recommend to keep, adjust or re-segment.

    Rules (thresholds in :data:`DEFAULT_THRESHOLDS`, overridable):

    * **re-segment** when the runs agree poorly (ARI < ``resegment_below_ari``)
      or a previous segment vanished (current share < ``vanished_share``);
    * **keep** when ARI >= ``keep_min_ari``, no share moved by
      ``keep_max_size_shift`` points or more, no segment mean moved by
      ``keep_max_profile_shift`` base SDs or more, and no new segment appeared;
    * **adjust** otherwise (re-estimate sizes, profiles and actions, keep the scheme).

    Parameters
    ----------
    migration : Migration
    drift : Drift, optional
        Without it, size shifts are read from the migration counts and
        profiles are not checked.
    thresholds : dict, optional
        Any of the keys of :data:`DEFAULT_THRESHOLDS`.

    Returns
    -------
    Recommendation

    Examples
    --------
    >>> prev = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2]})
    >>> recommend(migration_matrix(prev, prev)).decision
    'keep'
    """
    th = dict(DEFAULT_THRESHOLDS)
    unknown = set(thresholds or {}) - set(th)
    if unknown:
        raise ValueError(f"unknown thresholds {sorted(unknown)}; allowed: {sorted(th)}")
    th.update(thresholds or {})
    ari = migration.ari
    rows: list[dict[str, Any]] = []
    reasons_reseg, reasons_adjust, reasons_ok = [], [], []
    if not np.isfinite(ari):
        reasons_reseg.append("the two runs share no customers, so they cannot be compared")
    else:
        low = ari < th["resegment_below_ari"]
        rows.append(dict(check="agreement of the runs (ARI) below re-segment level", measured=ari,
                         threshold=th["resegment_below_ari"], breached=low, leads_to="re-segment"))
        notkeep = ari < th["keep_min_ari"]
        rows.append(dict(check="agreement of the runs (ARI) below keep level", measured=ari,
                         threshold=th["keep_min_ari"], breached=notkeep, leads_to="adjust"))
        if low:
            reasons_reseg.append(f"the runs agree poorly (ARI {ari:.2f} < {th['resegment_below_ari']:g})")
        elif notkeep:
            reasons_adjust.append(f"the runs agree only moderately (ARI {ari:.2f} < {th['keep_min_ari']:g})")
        else:
            reasons_ok.append(f"the runs agree well (ARI {ari:.2f})")
    # a previous segment that got no match in the current run has no current column at all
    gone_segments = [s for s in migration.counts.index if s != NEW
                     and s not in migration.mapping.values()]
    if drift is None:
        # sizes can still be compared from the migration counts themselves; profiles cannot
        c = migration.counts
        prev_n = c.drop(index=NEW, errors="ignore").sum(axis=1)
        cur_n = c.drop(columns=GONE, errors="ignore").sum(axis=0)
        drift = _compute_drift(pd.DataFrame({"segment": prev_n.index.astype(int), "n": prev_n.to_numpy()}),
                                   pd.DataFrame({"segment": cur_n.index.astype(int), "n": cur_n.to_numpy()}))
        drift = Drift(drift.sizes[~((drift.sizes["n_previous"] == 0) & (drift.sizes["n_current"] == 0))],
                      drift.profiles, drift.chi2, drift.chi2_df, drift.chi2_p)
    if drift is not None:
        small = drift.sizes[(drift.sizes["n_previous"] > 0) & (drift.sizes["share_current"] < th["vanished_share"])]
        vanished = sorted(set(small["segment"].astype(int)) | set(gone_segments))
        mx = drift.max_size_shift
        rows.append(dict(check="largest change of a segment's share (points)", measured=mx,
                         threshold=th["keep_max_size_shift"], breached=mx >= th["keep_max_size_shift"],
                         leads_to="adjust"))
        (reasons_adjust if mx >= th["keep_max_size_shift"] else reasons_ok).append(
            f"the largest share change is {mx:.1f} points (limit {th['keep_max_size_shift']:g})")
        mp = drift.max_profile_shift
        if np.isfinite(mp):
            rows.append(dict(check="largest shift of a segment mean (SD)", measured=mp,
                             threshold=th["keep_max_profile_shift"], breached=mp >= th["keep_max_profile_shift"],
                             leads_to="adjust"))
            (reasons_adjust if mp >= th["keep_max_profile_shift"] else reasons_ok).append(
                f"the largest profile shift is {mp:.2f} SD (limit {th['keep_max_profile_shift']:g})")
        if drift.new:
            reasons_adjust.append(f"new segment(s) {drift.new} appeared")
            rows.append(dict(check="new segments", measured=float(len(drift.new)), threshold=0.0, breached=True,
                             leads_to="adjust"))
    rows.append(dict(check="vanished segments", measured=float(len(vanished)), threshold=0.0,
                     breached=bool(vanished), leads_to="re-segment"))
    if vanished:
        reasons_reseg.append(f"segment(s) {vanished} vanished (share below {th['vanished_share']:.0%})")
    if reasons_reseg:
        decision, reasons = "re-segment", reasons_reseg + reasons_adjust
    elif reasons_adjust:
        decision, reasons = "adjust", reasons_adjust
    else:
        decision, reasons = "keep", reasons_ok
    reasons = [r[0].upper() + r[1:] + "." for r in reasons]
    return Recommendation(decision, reasons, pd.DataFrame(rows), th)

"""Step 8, iteration: compare this segmentation with an earlier one and decide what to do.

Segments decay as markets and customers change. This module shows where the
customers of an earlier segmentation went (:func:`migration_matrix`), how much
the segments' sizes and profiles moved (:func:`drift`), and turns both into a
keep / adjust / re-segment recommendation that states its rule and the numbers
it used (:func:`recommend`).

Two segmentations may number the same segment differently. The earlier
segments are therefore matched to the current ones by content
(:func:`match_segments`: optimal matching of their profiles, or of their
members when there is no profile to compare), and every comparison keeps the
*current* numbering: an earlier segment is shown under the number of the
current segment it matches. The current run's numbers are never changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segkit.assignments import check_assignments, segment_names
from segkit.errors import DataError
from segkit.figures import new_axes, pretty
from segkit.i18n import join, translate
from segkit.palette import DARK_GREY, segment_colour, segment_label
from segkit.profiling import ProfileResult

__all__ = ["DEFAULT_THRESHOLDS", "INCONCLUSIVE", "MIN_REFIT_AGREEMENT", "WINDOW_DEPENDENT", "Drift", "Migration",
           "Recommendation", "agreement_words", "drift", "match_segments", "migration_matrix", "recommend",
           "window_days"]

NEW, GONE = "new", "gone"
#: Status of a matched segment in :attr:`Drift.sizes`: its profile stayed within the keep limit of
#: :func:`recommend` (``keep_max_profile_shift``), or moved by that much or more on a counted variable.
KEPT, PROFILE_MOVED, SIZE_MOVED = "kept", "profile moved", "share moved"
PROFILE_AND_SIZE_MOVED = "profile and share moved"
#: The statuses of an earlier segment that has a current match.
MATCHED_STATUSES = (KEPT, PROFILE_MOVED, SIZE_MOVED, PROFILE_AND_SIZE_MOVED)
VANISHED = "vanished"

#: The decision when the comparison cannot speak for the delivered segments (see :data:`MIN_REFIT_AGREEMENT`).
INCONCLUSIVE = "inconclusive"

#: When the data are too short for an earlier window as long as the delivered segmentation's history, the current
#: side is the same method and k refitted on a shorter window. Its drift speaks for the delivered segments only
#: when that refit agrees with them at least this much (ARI, on the customers in both); below, the comparison is
#: inconclusive. 0.6 sits above the re-segment level of :data:`DEFAULT_THRESHOLDS` (0.5): a refit that agrees with
#: the delivered segments less than two runs must agree to count as the same segmentation is, by this package's
#: own rule, a different segmentation; the margin of 0.1 allows for the refit seeing fewer days (a shorter window
#: moves tenure, recency and frequency, so some customers change side even when the segments are the same).
MIN_REFIT_AGREEMENT = 0.6

#: Basis variables whose values grow with the length of the history window (a longer window holds older first
#: purchases, more orders, more spend, longer gaps). Between windows of different lengths their shift is an
#: artefact of the windows, not drift: it is shown, and not counted.
WINDOW_DEPENDENT = ("tenure_days", "recency_days", "frequency", "monetary_total", "margin_total", "ipt_mean_days")
#: Two history windows count as the same length when they differ by at most this many days.
WINDOW_TOLERANCE_DAYS = 31


def window_days(table: pd.DataFrame) -> int | None:
    """The length in days of the history a customer table was computed on: its longest tenure, plus the first day.

    None when the table has no ``tenure_days`` (a survey study).
    """
    if "tenure_days" not in table or not table["tenure_days"].notna().any():
        return None
    return int(table["tenure_days"].max()) + 1


def _colour(key: Any) -> str:
    """A segment's colour; an earlier segment without a match, and new customers, are grey."""
    if isinstance(key, str) and (key == NEW or key.startswith("earlier")):
        return "#8C8C8C"
    return segment_colour(key)


def earlier_label(segment: int) -> str:
    """The label of an earlier segment that matches no current one (it keeps its own number)."""
    return f"earlier {segment}"


def _segment_means(table: pd.DataFrame, assignments: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    t = assignments[["customer_id", "segment"]].astype({"customer_id": str}).merge(
        table.astype({"customer_id": str})[["customer_id", *columns]], on="customer_id", how="inner")
    return t.groupby("segment")[columns].mean()


def match_segments(previous: pd.DataFrame, current: pd.DataFrame, *, previous_table: pd.DataFrame | None = None,
                   current_table: pd.DataFrame | None = None, columns: list[str] | tuple[str, ...] = ()
                   ) -> dict[int, int | None]:
    """Match each earlier segment to a current one, one-to-one, by content.

    With customer tables and numeric ``columns`` the segments are matched by their profiles: the
    Hungarian algorithm minimises the total distance between matched segment means, each variable in
    standard deviations of the two tables together. Without them, by their members: the matching
    maximises the customers the matched segments share.

    Parameters
    ----------
    previous, current : DataFrame
        Assignments tables of the two segmentations.
    previous_table, current_table : DataFrame, optional
        Their customer tables, for the profiles.
    columns : sequence of str
        The numeric variables to compare the profiles on.

    Returns
    -------
    dict
        ``{earlier segment: current segment}``; an earlier segment left over when the earlier
        segmentation has more segments maps to None.

    Examples
    --------
    >>> prev = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2]})
    >>> cur = pd.DataFrame({"customer_id": list("abcd"), "segment": [2, 2, 1, 1]})
    >>> match_segments(prev, cur)
    {1: 2, 2: 1}
    """
    from scipy.optimize import linear_sum_assignment

    p, c = check_assignments(previous, name="previous"), check_assignments(current, name="current")
    prev_segs = sorted(int(s) for s in p["segment"].unique())
    cur_segs = sorted(int(s) for s in c["segment"].unique())
    cols = list(columns)
    if previous_table is not None and current_table is not None and cols:
        mp, mc = _segment_means(previous_table, p, cols), _segment_means(current_table, c, cols)
        both = pd.concat([previous_table[cols], current_table[cols]], ignore_index=True)
        sd = both.std(ddof=1).replace(0, np.nan)
        zp = ((mp - both.mean()) / sd).reindex(prev_segs).fillna(0.0).to_numpy()
        zc = ((mc - both.mean()) / sd).reindex(cur_segs).fillna(0.0).to_numpy()
        cost = np.sqrt(((zp[:, None, :] - zc[None, :, :]) ** 2).sum(axis=2))
    else:
        shared = p.merge(c, on="customer_id", suffixes=("_prev", "_cur"))
        ct = pd.crosstab(shared["segment_prev"], shared["segment_cur"]).reindex(index=prev_segs, columns=cur_segs,
                                                                                fill_value=0)
        cost = -ct.to_numpy(dtype=float)
    rows, cols_idx = linear_sum_assignment(cost)
    out: dict[int, int | None] = {s: None for s in prev_segs}
    for r, k in zip(rows, cols_idx):
        out[prev_segs[r]] = cur_segs[k]
    return out


@dataclass(frozen=True)
class Migration:
    """Where the customers of the previous run are now.

    Attributes
    ----------
    counts : DataFrame
        Earlier segment, under the number of the current segment it matches
        (rows; ``"earlier N"`` when it matches none; ``"new"`` for customers
        only in the current segmentation) x current segment (columns, plus
        ``"gone"`` for customers only in the earlier one).
    row_shares : DataFrame
        ``counts`` divided by its row totals.
    flows : DataFrame
        Tidy: ``from_segment`` (the row label of :attr:`counts`), ``earlier_segment`` (that earlier
        segment's own number), ``to_segment``, ``n``, ``share`` (of the from row).
    ari : float
        Adjusted Rand index between the two segmentations on the customers in both.
    mapping : dict
        Earlier segment (its own number) -> the current segment it matches (None: no match).
    stay_share : float
        Share of common customers now in the current segment their earlier segment matches.
    n_common : int
    names_previous, names_current : dict
        Segment names, keyed by the row and column labels of :attr:`counts`.
    matched_by : str
        ``"profiles"`` or ``"members"`` (see :func:`match_segments`).
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
    matched_by: str = "members"

    @property
    def table(self) -> pd.DataFrame:
        return self.flows

    @property
    def matches(self) -> pd.DataFrame:
        """Which earlier segment matches which current one: numbers and names of both."""
        rows = []
        for p, c in sorted(self.mapping.items()):
            label = c if c is not None else earlier_label(p)
            rows.append({"earlier segment": p, "earlier name": self.names_previous.get(label, ""),
                         "matches current segment": "none" if c is None else c,
                         "current name": "" if c is None else self.names_current.get(c, "")})
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({
            "measure": ["customers in both segmentations", "adjusted Rand index (both)",
                        "share staying in their segment", f"earlier segments matched by {self.matched_by}"],
            "value": [self.n_common, round(self.ari, 3), round(self.stay_share, 3),
                      ", ".join(f"{p}->{c}" for p, c in self.mapping.items()) or "none"],
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
        ax.set_xlabel("segment now")
        ax.set_ylabel(f"earlier segment (numbered as the current one it matches, by {self.matched_by})")
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
                ax.add_patch(Polygon(verts, closed=True, facecolor=_colour(r), alpha=0.45, edgecolor="none"))
                lcur[r] += n
                rcur[col] += n
        for pos, sizes, x, cur in ((left, c.sum(axis=1), 0, False),
                                   (right, c.sum(axis=0), 1 - bar_w, True)):
            for k, y0 in pos.items():
                s = sizes[k]
                ax.add_patch(Rectangle((x, y0), bar_w, s, facecolor=_colour(k), edgecolor="white"))
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


def migration_matrix(previous: pd.DataFrame, current: pd.DataFrame, *,
                     mapping: Mapping[int, int | None] | None = None, matched_by: str = "members") -> Migration:
    """Cross-tabulate the earlier segments against the current ones, in the current numbering.

    Parameters
    ----------
    previous, current : DataFrame
        Assignments tables (``customer_id``, ``segment``, ``segment_name``).
    mapping : dict, optional
        Earlier segment -> current segment, from :func:`match_segments`; without it the segments are
        matched by their members.
    matched_by : str
        How ``mapping`` was made, for the report (``"profiles"`` or ``"members"``).

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
    if mapping is None:
        mapping, matched_by = match_segments(p, c), "members"
    mp = {int(k): (None if v is None else int(v)) for k, v in mapping.items()}
    names_cur = segment_names(c)
    names_prev_own = segment_names(p)

    def row_label(s: int) -> Any:
        m = mp.get(int(s))
        return earlier_label(int(s)) if m is None else m

    p = p.assign(row=p["segment"].map(row_label))
    names_prev = {row_label(s): n for s, n in names_prev_own.items()}
    cur_segs = sorted(int(s) for s in c["segment"].unique())
    rows_matched = sorted({r for r in p["row"] if not isinstance(r, str)})
    rows_unmatched = sorted({r for r in p["row"] if isinstance(r, str)}, key=lambda r: int(r.split()[-1]))
    both = p.merge(c, on="customer_id", how="outer", suffixes=("_prev", "_cur"))
    frm = both["row"].astype(object).where(both["row"].notna(), NEW)
    to = both["segment_cur"].astype(object).where(both["segment_cur"].notna(), GONE)
    to = to.map(lambda v: v if v == GONE else int(v))
    rows = [*rows_matched, *rows_unmatched, NEW]
    cols = [*cur_segs, GONE]
    counts = pd.crosstab(frm, to).reindex(index=rows, columns=cols, fill_value=0)
    counts.index = pd.Index(rows, dtype=object)
    counts.columns = pd.Index(cols, dtype=object)
    counts.index.name, counts.columns.name = "previous", None
    # an empty "new" row is noise unless some customer is new
    if counts.loc[NEW].sum() == 0:
        counts = counts.drop(index=NEW)
    row_shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    flows = counts.stack().rename("n").reset_index()
    flows.columns = ["from_segment", "to_segment", "n"]
    flows["share"] = flows["n"] / flows["from_segment"].map(counts.sum(axis=1))
    own = {row_label(s): s for s in names_prev_own}  # the earlier segment's own number behind each row label
    flows.insert(1, "earlier_segment", flows["from_segment"].map(lambda r: own.get(r, NEW if r == NEW else r)))
    flows = flows[flows["n"] > 0].reset_index(drop=True)
    common = both.dropna(subset=["segment_prev", "segment_cur"])
    n_common = len(common)
    ari = float(adjusted_rand_score(common["segment_prev"], common["segment_cur"])) if n_common else np.nan
    stay = float((common["row"] == common["segment_cur"].astype(int)).mean()) if n_common else np.nan
    return Migration(counts, row_shares, flows, ari, mp, stay, n_common, names_prev, names_cur, matched_by)


# ---------------------------------------------------------------------------------------------
# drift
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drift:
    """How much segment sizes and profiles moved between two segmentations, in the current numbering.

    Attributes
    ----------
    sizes : DataFrame
        ``segment`` (the current number; ``"earlier N"`` for an earlier segment that matches none),
        ``previous_segment`` (the earlier number it had), ``name``, ``n_previous``,
        ``share_previous``, ``n_current``, ``share_current``, ``shift_points`` (percentage
        points) and ``status``: "kept" (matched, no counted mean moved by ``profile_limit`` SD or
        more and its share by less than the keep limit in points), "profile moved", "share moved" or
        "profile and share moved" (matched, but past those limits), "vanished" (an earlier segment with
        no match) or "new" (a current segment no earlier one matches).
    profiles : DataFrame
        ``segment``, ``variable``, ``previous_mean``, ``current_mean``, ``shift``, ``std_shift``
        (shift in standard deviations of the variable in the earlier base) and ``counted`` (False
        for a variable whose shift is an artefact of windows of different lengths).
    chi2, chi2_df, chi2_p : float
        Goodness-of-fit test of the current segment counts against the earlier shares (segments in
        both). With thousands of customers it flags shifts too small to matter: read it with
        ``shift_points``.
    profile_limit : float
        The shift (base SDs) from which a matched segment's status is "profile moved": the keep limit of
        :func:`recommend` (``keep_max_profile_shift``), so that the table and the recommendation agree.
    """

    sizes: pd.DataFrame
    profiles: pd.DataFrame
    chi2: float
    chi2_df: int
    chi2_p: float
    profile_limit: float = field(default_factory=lambda: DEFAULT_THRESHOLDS["keep_max_profile_shift"])

    @property
    def table(self) -> pd.DataFrame:
        return self.sizes

    @property
    def max_size_shift(self) -> float:
        """Largest absolute change of a segment's share, in percentage points."""
        return float(self.sizes["shift_points"].abs().max())

    @property
    def counted_profiles(self) -> pd.DataFrame:
        """The profile shifts that count as drift (variables not moved by the windows alone)."""
        return self.profiles[self.profiles["counted"].astype(bool)] if len(self.profiles) else self.profiles

    @property
    def max_profile_shift(self) -> float:
        """Largest absolute standardised shift of a segment mean among the counted variables (NaN without)."""
        counted = self.counted_profiles
        return float(counted["std_shift"].abs().max()) if len(counted) else np.nan

    @property
    def not_counted(self) -> list[str]:
        """Variables shown but not counted as drift."""
        if not len(self.profiles):
            return []
        return sorted(set(self.profiles.loc[~self.profiles["counted"].astype(bool), "variable"]))

    @property
    def vanished(self) -> list[int]:
        """Earlier segments (their own numbers) with no current match."""
        return [int(s) for s in self.sizes.loc[self.sizes["status"] == VANISHED, "previous_segment"]]

    @property
    def matched(self) -> pd.DataFrame:
        """The rows of :attr:`sizes` of segments in both segmentations (kept or with a moved profile)."""
        return self.sizes[self.sizes["status"].isin(MATCHED_STATUSES)]

    @property
    def profile_moved(self) -> list[int]:
        """Current segments whose match moved by :attr:`profile_limit` SD or more on a counted variable."""
        return [int(s) for s in self.sizes.loc[self.sizes["status"].isin([PROFILE_MOVED, PROFILE_AND_SIZE_MOVED]),
                                               "segment"]]

    def with_profile_limit(self, limit: float, size_limit: float | None = None) -> Drift:
        """The same drift with the statuses of other keep limits (what :func:`recommend` judges by)."""
        if limit == self.profile_limit and size_limit is None:
            return self
        sizes = self.sizes.assign(status=_status(self.sizes, self.profiles, limit, size_limit))
        return Drift(sizes, self.profiles, self.chi2, self.chi2_df, self.chi2_p, limit)

    @property
    def new(self) -> list[int]:
        """Current segments no earlier segment matches."""
        return [int(s) for s in self.sizes.loc[self.sizes["status"] == "new", "segment"]]

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({
            "measure": ["largest share change (points)", "largest profile shift, counted variables (SD)",
                        "chi-square of sizes (p-value)", "vanished segments", "new segments"],
            "value": [round(self.max_size_shift, 2), round(self.max_profile_shift, 3), self.chi2_p,
                      ", ".join(map(str, self.vanished)) or "none", ", ".join(map(str, self.new)) or "none"],
        })

    def plot(self, ax=None):
        """Dumbbell chart of each segment's share in the earlier and the current segmentation. Returns the Axes."""
        ax = new_axes(ax, (7.5, 0.55 * len(self.sizes) + 1.8))
        t = self.sizes
        y = np.arange(len(t))[::-1]
        for yi, r in zip(y, t.itertuples()):
            col = _colour(r.segment)
            ax.plot([r.share_previous * 100, r.share_current * 100], [yi, yi], color=col, lw=2.5)
            ax.scatter(r.share_previous * 100, yi, s=60, facecolor="white", edgecolor=col, lw=2, zorder=3)
            ax.scatter(r.share_current * 100, yi, s=60, color=col, zorder=3)
            ax.annotate(f"{r.shift_points:+.1f} pts", (max(r.share_previous, r.share_current) * 100, yi),
                        xytext=(8, 0), textcoords="offset points", va="center", fontsize=8, color=DARK_GREY)
        ax.set_yticks(y, [segment_label(s, n) if isinstance(n, str) and n else str(s)
                          for s, n in zip(t["segment"], t.get("name", t["segment"]))])
        ax.scatter([], [], s=60, facecolor="white", edgecolor=DARK_GREY, label="earlier")
        ax.scatter([], [], s=60, color=DARK_GREY, label="now")
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
                    xticklabels=[pretty(v) + (" (not counted)" if v in self.not_counted else "")
                                 for v in wide.columns], annot_kws={"fontsize": 8})
        ax.set_xlabel("basis variable")
        ax.set_ylabel("segment")
        ax.set_title("Profile drift: how far each segment's mean moved")
        return ax


def _status(sizes: pd.DataFrame, profiles: pd.DataFrame, limit: float, size_limit: float | None = None) -> list[str]:
    """Each row's status: new, vanished, or a matched segment kept, or moved in profile or share.

    A matched segment's profile moved when a counted mean moved by ``limit`` SD or more; its share moved
    when it changed by ``size_limit`` points or more (the keep limits of :func:`recommend`). The one
    place the status is decided; a profile shift on a variable not counted (windows of different
    lengths) does not move a segment, as it does not count towards the recommendation.
    """
    size_limit = DEFAULT_THRESHOLDS["keep_max_size_shift"] if size_limit is None else float(size_limit)
    moved: set[int] = set()
    if len(profiles):
        counted = profiles[profiles["counted"].astype(bool)]
        worst = counted.groupby("segment")["std_shift"].apply(lambda x: x.abs().max())
        moved = {int(s) for s, v in worst.items() if np.isfinite(v) and v >= limit}
    out = []
    shifts = sizes["shift_points"] if "shift_points" in sizes else pd.Series(0.0, index=sizes.index)
    for seg, prev, shift in zip(sizes["segment"], sizes["previous_segment"], shifts):
        if pd.isna(prev):
            out.append(NEW)
        elif isinstance(seg, str):
            out.append(VANISHED)
        else:
            p = int(seg) in moved
            z = bool(np.isfinite(shift) and abs(shift) >= size_limit)
            out.append(PROFILE_AND_SIZE_MOVED if p and z else PROFILE_MOVED if p else SIZE_MOVED if z else KEPT)
    return out


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
    mapping: Mapping[int, int | None] | None = None,
    not_counted: Sequence[str] = (),
    profile_limit: float | None = None,
) -> Drift:
    """Compare segment sizes and profiles of two segmentations, in the current numbering.

    Parameters
    ----------
    previous_sizes, current_sizes : DataFrame
        ``segment`` and ``n`` (or ``n_customers``), e.g. from
        :func:`segkit.profiling.segment_sizes` or ``SegmentationResult.segments``.
    previous_profiles, current_profiles : ProfileResult or DataFrame, optional
        Profiles on the same basis (:func:`segkit.profiling.profile`).
    mapping : dict, optional
        Earlier segment -> current segment (:attr:`Migration.mapping`); without it the numbering is
        assumed to agree.
    not_counted : sequence of str
        Variables whose shift is shown but not counted as drift (see :data:`WINDOW_DEPENDENT`).
    profile_limit : float, optional
        A matched segment whose mean moved by this many base SDs or more on a counted variable has the
        status "profile moved", not "kept"; by default the keep limit of :func:`recommend`.

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
    ps = _sizes_frame(previous_sizes, "previous_sizes")
    cs = _sizes_frame(current_sizes, "current_sizes")
    if mapping is None:
        mp: dict[int, int | None] = {int(s): (int(s) if s in set(cs["segment"]) else None) for s in ps["segment"]}
    else:
        mp = {int(k): (None if v is None else int(v)) for k, v in mapping.items()}
    ps = ps.assign(previous_segment=ps["segment"],
                   segment=[mp.get(int(s)) if mp.get(int(s)) is not None else earlier_label(int(s))
                            for s in ps["segment"]])
    t = ps.merge(cs, on="segment", how="outer", suffixes=("_previous", "_current"))
    if "name_previous" in t.columns or "name_current" in t.columns:
        cur_name = t["name_current"] if "name_current" in t else pd.Series(np.nan, index=t.index)
        prev_name = t["name_previous"] if "name_previous" in t else pd.Series(np.nan, index=t.index)
        t["name"] = cur_name.where(cur_name.notna(), prev_name)
        t = t.drop(columns=[c for c in ("name_previous", "name_current") if c in t.columns])
    t[["n_previous", "n_current"]] = t[["n_previous", "n_current"]].fillna(0).astype(int)
    t["previous_segment"] = t["previous_segment"].astype("Int64")
    t["share_previous"] = t["n_previous"] / t["n_previous"].sum()
    t["share_current"] = t["n_current"] / t["n_current"].sum()
    t["shift_points"] = (t["share_current"] - t["share_previous"]) * 100
    t = t.assign(_key=[(1, int(str(x).split()[-1])) if isinstance(x, str) else (0, int(x)) for x in t["segment"]])
    t = t.sort_values("_key").drop(columns="_key").reset_index(drop=True)
    in_both = t["previous_segment"].notna() & pd.Series([not isinstance(x, str) for x in t["segment"]], index=t.index)
    kept = t[in_both]
    chi2, dof, p = np.nan, 0, np.nan
    if len(kept) >= 2:
        exp = kept["share_previous"] / kept["share_previous"].sum() * kept["n_current"].sum()
        chi2, p = stats.chisquare(kept["n_current"].to_numpy(), exp.to_numpy())
        dof = len(kept) - 1
    cols = ["segment", "previous_segment", *(["name"] if "name" in t.columns else []), "n_previous",
            "share_previous", "n_current", "share_current", "shift_points", "status"]
    pp, cp = _profile_frame(previous_profiles, "previous_profiles"), _profile_frame(current_profiles,
                                                                                    "current_profiles")
    prof_cols = ["segment", "variable", "previous_mean", "current_mean", "shift", "std_shift", "counted"]
    if pp is not None and cp is not None:
        pp = pp.assign(segment=pp["segment"].map(lambda s: mp.get(int(s))))
        pp = pp[pp["segment"].notna()].astype({"segment": int})
        prof = pp.merge(cp.astype({"segment": int}), on=["segment", "variable"], suffixes=("_previous", "_current"))
        prof = prof.rename(columns={"segment_mean_previous": "previous_mean", "segment_mean_current": "current_mean"})
        prof["shift"] = prof["current_mean"] - prof["previous_mean"]
        prof["std_shift"] = prof["shift"] / prof["base_sd_previous"].replace(0, np.nan)
        prof["counted"] = ~prof["variable"].isin(list(not_counted))
        prof = prof[prof_cols].sort_values(["segment", "variable"])
    else:
        prof = pd.DataFrame(columns=prof_cols)
    prof = prof.reset_index(drop=True)
    limit = DEFAULT_THRESHOLDS["keep_max_profile_shift"] if profile_limit is None else float(profile_limit)
    t["status"] = _status(t, prof, limit)
    return Drift(t[cols], prof, float(chi2), int(dof), float(p), limit)


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
    "refit_min_ari": MIN_REFIT_AGREEMENT,  # inconclusive: a refitted current side agrees less with the delivered one
}


def agreement_words(ari: float, th: Mapping[str, float] | None = None) -> str:
    """How well two segmentations agree, in words, by the ARI levels of :func:`recommend`.

    Below the re-segment level the agreement is called poor and the sentence says how far from chance
    (ARI 0) it is, so that no sentence waves away near-chance agreement.

    Examples
    --------
    >>> agreement_words(0.86)
    'agree well (ARI 0.86, at least 0.8)'
    >>> agreement_words(0.65)
    'agree only moderately (ARI 0.65, below 0.8)'
    >>> agreement_words(0.08)
    'agree poorly (ARI 0.08, below 0.5; 0 is chance agreement)'
    """
    t = {**DEFAULT_THRESHOLDS, **(th or {})}
    values = dict(ari=f"{ari:.2f}", keep=f"{t['keep_min_ari']:g}", low=f"{t['resegment_below_ari']:g}")
    if ari >= t["keep_min_ari"]:
        return translate("agree well (ARI {ari}, at least {keep})").format(**values)
    if ari >= t["resegment_below_ari"]:
        return translate("agree only moderately (ARI {ari}, below {keep})").format(**values)
    return translate("agree poorly (ARI {ari}, below {low}; 0 is chance agreement)").format(**values)


def recommendation_rule(th: Mapping[str, float], *, structural: bool = False, refit: bool = False) -> str:
    """The rule of :func:`recommend` in words, with its thresholds.

    ``refit``: the current side was refitted on a shorter window, so the rule first states when such a
    comparison speaks for the delivered segments (:data:`MIN_REFIT_AGREEMENT`).

    Examples
    --------
    >>> recommendation_rule(DEFAULT_THRESHOLDS)[:64]
    'Keep when the segmentations agree on the customers in both (ARI '
    >>> recommendation_rule(DEFAULT_THRESHOLDS, refit=True)[:57]
    'Inconclusive when the current side, refitted on a shorter'
    """
    what = ("the segment boundaries agree (the earlier model places the current customers as the current fit "
            "does, " if structural else "the segmentations agree on the customers in both (")
    keep = (f"Keep when {what}ARI at least {th['keep_min_ari']:g}), no segment's share "
            f"moved by {th['keep_max_size_shift']:g} points or more, no segment's mean moved by "
            f"{th['keep_max_profile_shift']:g} SD or more on a counted variable, and no segment is new")
    resegment = (f"re-segment when they agree poorly (ARI below {th['resegment_below_ari']:g}) or an earlier "
                 f"segment vanished (no current match, or below {th['vanished_share']:.0%} of customers now)")
    rule = f"{keep}; {resegment}; adjust otherwise."
    if refit:
        rule = (f"Inconclusive when the current side, refitted on a shorter window, agrees with step 5's segments "
                f"below ARI {th['refit_min_ari']:g}, or one of its segments holds mostly customers of other step 5 "
                "segments: the comparison then describes other groups than the delivered segments. "
                f"Otherwise: {rule[0].lower()}{rule[1:]}")
    return rule


@dataclass(frozen=True)
class Recommendation:
    """Keep, adjust or re-segment, with the rule and the checks behind it.

    Attributes
    ----------
    decision : str
        ``"keep"``, ``"adjust"`` or ``"re-segment"``; ``"inconclusive"`` (:data:`INCONCLUSIVE`) when the
        current side is a refit that agrees too little with the delivered segments to speak for them.
    reasons : list of str
        Sentences with the numbers that led to the decision, the deciding ones first.
    table : DataFrame
        ``check``, ``measured``, ``threshold``, ``breached`` and ``leads_to``.
    thresholds : dict
    rule : str
        The rule in words (:func:`recommendation_rule`).
    """

    decision: str
    reasons: list[str]
    table: pd.DataFrame
    thresholds: dict
    rule: str = ""

    def summary(self) -> pd.DataFrame:
        return self.table

    def text(self) -> str:
        return f"Recommendation: {self.decision}. " + " ".join(self.reasons) + f" Rule: {self.rule}"

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


def recommend(migration: Migration, drift: Drift | None = None, *, structure_ari: float | None = None,
              thresholds: Mapping[str, float] | None = None, refit_ari: float | None = None,
              conclusive_when: str | None = None, refit_mismatched: Sequence[int] = ()) -> Recommendation:
    """Recommend to keep, adjust or re-segment (the rule: :func:`recommendation_rule`).

    * **inconclusive** when the current side is a refit on a shorter window (``refit_ari`` given) that
      agrees with the delivered segments below ``refit_min_ari`` (:data:`MIN_REFIT_AGREEMENT`): its drift
      describes another segmentation, so no keep / adjust / re-segment is drawn from it;
    * **re-segment** when the segmentations agree poorly (ARI < ``resegment_below_ari``) or an earlier
      segment vanished (no current match, or its match holds less than ``vanished_share`` of customers);
    * **keep** when ARI >= ``keep_min_ari``, no share moved by ``keep_max_size_shift`` points or more, no
      segment mean moved by ``keep_max_profile_shift`` base SDs or more on a counted variable (a variable
      moved by windows of different lengths is not counted, see :func:`drift`), and no segment is new;
    * **adjust** otherwise (re-estimate sizes, profiles and actions, keep the scheme).

    Every reason quotes its number and limit, whether it decided or not.

    Parameters
    ----------
    migration : Migration
    drift : Drift, optional
        Without it, size shifts are read from the migration counts and profiles are not checked.
    structure_ari : float, optional
        Agreement of the segment structure: the earlier model placing the current customers against the
        current fit. When given, the ARI checks judge it, and the agreement on the customers in both
        (:attr:`Migration.ari`) is reported as how many customers moved; without it, they judge that.
    thresholds : dict, optional
        Any of the keys of :data:`DEFAULT_THRESHOLDS`.
    refit_ari : float, optional
        When the current side is the same method refitted on a shorter window than the delivered
        segmentation's: the refit's agreement (ARI) with the delivered segments.
    conclusive_when : str, optional
        What would make an inconclusive comparison conclusive, in words with its numbers (e.g. the
        history the data would need); a general sentence is used without it.
    refit_mismatched : sequence of int
        Refit segments most of whose customers are in other delivered segments than the one they are
        named for: their rows describe other groups, so the comparison is inconclusive for the
        delivered segments even when the refit agrees with them as a whole.

    Returns
    -------
    Recommendation

    Examples
    --------
    >>> prev = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2]})
    >>> recommend(migration_matrix(prev, prev)).decision
    'keep'
    >>> recommend(migration_matrix(prev, prev), refit_ari=0.11).decision
    'inconclusive'
    """
    th = dict(DEFAULT_THRESHOLDS)
    unknown = set(thresholds or {}) - set(th)
    if unknown:
        raise ValueError(f"unknown thresholds {sorted(unknown)}; allowed: {sorted(th)}")
    th.update(thresholds or {})
    structural = structure_ari is not None
    refit = refit_ari is not None
    r_ari = float(refit_ari) if refit_ari is not None else np.nan
    ari = float(structure_ari) if structure_ari is not None else migration.ari
    what = translate("the segment boundaries" if structural else "the segmentations")
    how = ("earlier model vs current fit, current customers" if structural else "customers in both")
    rows: list[dict[str, Any]] = []
    reasons_reseg: list[str] = []
    reasons_adjust: list[str] = []
    reasons_ok: list[str] = []
    low_refit = refit and not (np.isfinite(r_ari) and r_ari >= th["refit_min_ari"])
    mismatched = sorted(int(x) for x in refit_mismatched) if refit else []
    inconclusive = low_refit or bool(mismatched)
    if refit:
        rows.append(dict(check="agreement (ARI) of the refitted current side with step 5's segments, below the "
                               "level at which it speaks for them", measured=r_ari,
                         threshold=th["refit_min_ari"], breached=low_refit, leads_to=INCONCLUSIVE))
        rows.append(dict(check="refit segments holding mostly other step 5 segments' customers",
                         measured=float(len(mismatched)), threshold=0.0, breached=bool(mismatched),
                         leads_to=INCONCLUSIVE))
    if not np.isfinite(ari):
        reasons_reseg.append(translate("the two segmentations share no customers, so they cannot be compared"))
    else:
        low = ari < th["resegment_below_ari"]
        rows.append(dict(check=f"agreement (ARI, {how}) below re-segment level", measured=ari,
                         threshold=th["resegment_below_ari"], breached=low, leads_to="re-segment"))
        notkeep = ari < th["keep_min_ari"]
        rows.append(dict(check=f"agreement (ARI, {how}) below keep level", measured=ari,
                         threshold=th["keep_min_ari"], breached=notkeep, leads_to="adjust"))
        (reasons_reseg if low else reasons_adjust if notkeep else reasons_ok).append(
            translate("{what} {agreement}").format(what=what, agreement=agreement_words(ari, th)))
    if structural and np.isfinite(migration.ari):
        moved = translate("(ARI {ari} on the {n} customers in both; {stay} stayed)").format(
            ari=f"{migration.ari:.2f}", n=f"{migration.n_common:,}", stay=f"{migration.stay_share:.0%}")
        if migration.ari >= th["resegment_below_ari"]:
            reasons_ok.append(translate("customers moved between segments as customers do {moved}: shown, not a "
                                        "reason to re-segment").format(moved=moved))
        else:
            # near-chance agreement is said as such; it is not what the rule judges, and the sentence says so
            reasons_ok.append(translate(
                "a customer's earlier segment says little about their current one: the two agree poorly {moved}, "
                "below {low}, where 0 is chance; shown, not judged, since the rule judges whether the segment "
                "boundaries persist").format(moved=moved, low=f"{th['resegment_below_ari']:g}"))
    if drift is None:
        # sizes can still be compared from the migration counts themselves; profiles cannot
        c = migration.counts
        prev_n = c.drop(index=NEW, errors="ignore").sum(axis=1)
        cur_n = c.drop(columns=GONE, errors="ignore").sum(axis=0)
        prev_rows = [(r, n) for r, n in prev_n.items()]
        own = {v: k for k, v in migration.mapping.items() if v is not None}
        prev_sizes = pd.DataFrame({"segment": [own.get(r, int(str(r).split()[-1])) for r, _ in prev_rows],
                                   "n": [n for _, n in prev_rows]})
        drift = _compute_drift(prev_sizes, pd.DataFrame({"segment": cur_n.index.astype(int), "n": cur_n.to_numpy()}),
                               mapping=migration.mapping)
    # the statuses judge by this rule's limits
    drift = drift.with_profile_limit(th["keep_max_profile_shift"], th["keep_max_size_shift"])
    small = drift.matched[drift.matched["share_current"] < th["vanished_share"]]
    vanished = sorted(set(drift.vanished) | {int(s) for s in small["previous_segment"]})
    mx = drift.max_size_shift
    rows.append(dict(check="largest change of a segment's share (points)", measured=mx,
                     threshold=th["keep_max_size_shift"], breached=mx >= th["keep_max_size_shift"],
                     leads_to="adjust"))
    (reasons_adjust if mx >= th["keep_max_size_shift"] else reasons_ok).append(
        translate("the largest share change is {mx} points (limit {limit})").format(
            mx=f"{mx:.1f}", limit=f"{th['keep_max_size_shift']:g}"))
    mp = drift.max_profile_shift
    if np.isfinite(mp):
        rows.append(dict(check="largest shift of a segment mean, counted variables (SD)", measured=mp,
                         threshold=th["keep_max_profile_shift"], breached=mp >= th["keep_max_profile_shift"],
                         leads_to="adjust"))
        limit = f"{th['keep_max_profile_shift']:g}"
        moved_segments = translate(": segment(s) {segments} moved by {limit} SD or more on a counted variable").format(
            segments=drift.profile_moved, limit=limit) if drift.profile_moved else ""
        (reasons_adjust if mp >= th["keep_max_profile_shift"] else reasons_ok).append(
            translate("the largest profile shift is {mp} SD (limit {limit}){moved}").format(
                mp=f"{mp:.2f}", limit=limit, moved=moved_segments))
    if drift.not_counted:
        reasons_ok.append(translate("{variables} moved with the windows' different lengths and are not counted "
                                    "as drift").format(variables=join(drift.not_counted, ", ")))
    rows.append(dict(check="new segments", measured=float(len(drift.new)), threshold=0.0, breached=bool(drift.new),
                     leads_to="adjust"))
    if drift.new:
        reasons_adjust.append(translate("current segment(s) {segments} match no earlier segment").format(
            segments=drift.new))
    rows.append(dict(check="vanished segments", measured=float(len(vanished)), threshold=0.0,
                     breached=bool(vanished), leads_to="re-segment"))
    if vanished:
        reasons_reseg.append(translate("earlier segment(s) {segments} vanished (no match, or below {share})").format(
            segments=vanished, share=f"{th['vanished_share']:.0%}"))
    if inconclusive:
        agreement = f"ARI {r_ari:.2f}" if np.isfinite(r_ari) else translate("no customers in both")
        decision = INCONCLUSIVE
        why = (translate("the shorter window gives a different segmentation (its refit agrees with step 5's "
                         "segments at {agreement}, below {limit})").format(
                   agreement=agreement, limit=f"{th['refit_min_ari']:g}") if low_refit else
               translate("although the refit agrees with step 5's segments as a whole (ARI {ari}), its segment(s) "
                         "{segments} hold mostly customers of other step 5 segments (those rows describe other "
                         "groups)").format(ari=f"{r_ari:.2f}", segments=mismatched))
        reasons = [translate("the comparison is inconclusive for the delivered segments: {why}, so its drift says "
                             "nothing about whether to keep, adjust or re-segment them").format(why=why),
                   conclusive_when or translate("it becomes conclusive with more history before the earlier "
                                                "cut-off: a smaller earlier_window_months, or data reaching further "
                                                "back")]
    elif reasons_reseg:
        decision, reasons = "re-segment", reasons_reseg + reasons_adjust + reasons_ok
    elif reasons_adjust:
        decision, reasons = "adjust", reasons_adjust + reasons_ok
    else:
        decision, reasons = "keep", reasons_ok
    if refit and not inconclusive:
        reasons.append(translate("the current side, refitted on the shorter window, agrees with step 5's segments "
                                 "at ARI {ari} (at least {limit}), so the comparison speaks for them").format(
            ari=f"{r_ari:.2f}", limit=f"{th['refit_min_ari']:g}"))
    reasons = [translate("{sentence}.").format(sentence=r[0].upper() + r[1:]) for r in reasons]
    return Recommendation(decision, reasons, pd.DataFrame(rows), th,
                          recommendation_rule(th, structural=structural, refit=refit))

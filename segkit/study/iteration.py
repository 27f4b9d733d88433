"""Step 8, iteration: compare the segmentation with an earlier one and recommend what to do.

Segments decay as markets and customers change. The segmentation is compared
with, in order of preference:

1. the run named in the study file as ``previous_run`` (the segmentation the
   business actually worked with), else
2. the same method and number of segments refitted on the **earlier window**,
   like for like (:func:`segkit.pipeline.comparison_windows`): the earlier
   window ends ``earlier_window_months`` before the cut-off and holds as many
   days of history as the current side, whose features (tenure and recency
   too) are measured up to its own cut-off. When the data do not reach back far
   enough for the earlier window to be as long as step 5's history, the current
   side is refitted on its last days too, and its segments take step 5's
   numbers and names by their members. Such a refit speaks for step 5's
   segments only when it agrees with them at least at
   :data:`segkit.iteration.MIN_REFIT_AGREEMENT` (ARI); below, the
   recommendation is "inconclusive" and names the history that would make it
   conclusive; else
3. nothing: a study without transactions and without a previous run has no
   earlier segmentation, and the step says so.

The comparison (:func:`compare_segmentations`) keeps this run's segment numbers
and matches the earlier segments to them by content; it shows who moved where
(:func:`segkit.iteration.migration_matrix`), how much sizes and profiles
drifted (:func:`segkit.iteration.drift`; variables moved only by windows of
different lengths are shown, not counted) and the keep / adjust / re-segment
recommendation with its rule (:func:`segkit.iteration.recommend`). ``segkit
compare`` makes the same comparison between two finished runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from segkit import iteration as it
from segkit.errors import DataError
from segkit.i18n import translate
from segkit.methods.registry import get_method
from segkit.pipeline import comparison_windows, numeric_columns, share_table, window_segmentation
from segkit.profiling import profile
from segkit.profiling.evaluation import SegmentEvaluation, segment_evaluation
from segkit.study import artifacts
from segkit.study.context import StepContext
from segkit.study.folder import RunFolder
from segkit.study.window import StudyWindow

__all__ = ["Comparison", "IterationResult", "compare_segmentations", "run"]

#: Flows shown in the "largest flows" table; the heatmap and the alluvial chart show all of them.
N_LARGEST_FLOWS = 15

#: Why a study without transactions and without a previous run compares with nothing.
NOTHING_TO_COMPARE = ("There is no previous run named in the study file and no transaction history to form an "
                      "earlier window, so there is nothing to compare with yet.")


@dataclass(frozen=True)
class Comparison:
    """One segmentation compared with an earlier one.

    Attributes
    ----------
    migration : Migration
        Where the earlier segments' customers are now (current segments renumbered to the earlier ones).
    drift : Drift
        Segment shares then and now, and the shift of each segment's mean of each basis variable.
    recommendation : Recommendation
        Keep, adjust or re-segment, with the checks behind it.
    basis : list of str
        The numeric basis variables whose profiles were compared (those in both customer tables).
    window_note : str or None
        Why some variables are shown but not counted as drift (windows of different lengths).
    """

    migration: it.Migration
    drift: it.Drift
    recommendation: it.Recommendation
    basis: list[str]
    window_note: str | None = None

    @property
    def decision(self) -> str:
        """``"keep"``, ``"adjust"`` or ``"re-segment"``."""
        return self.recommendation.decision

    @property
    def reason(self) -> str:
        """The sentences behind the decision, as one text."""
        return " ".join(self.recommendation.reasons)

    @property
    def largest_flows(self) -> pd.DataFrame:
        """The :data:`N_LARGEST_FLOWS` largest flows between segments, largest first."""
        return self.migration.flows.sort_values("n", ascending=False).head(N_LARGEST_FLOWS)

    @property
    def profile_shift(self) -> pd.DataFrame | None:
        """Shift of each segment's mean (rows) of each basis variable (columns) in base SDs; None without profiles."""
        profiles = self.drift.profiles
        if not len(profiles):
            return None
        wide = profiles.pivot_table(index="segment", columns="variable", values="std_shift").round(2)
        wide = wide.rename(columns={v: f"{v} (not counted)" for v in self.drift.not_counted})
        names = self.migration.names_current
        wide.insert(0, "name", [names.get(int(seg), "") for seg in wide.index])
        return wide.reset_index()


def not_counted_for(previous_table: pd.DataFrame, current_table: pd.DataFrame, basis: list[str]
                    ) -> tuple[list[str], str | None]:
    """The basis variables whose shift is an artefact of two windows' different lengths, and why, in words.

    The windows' lengths are read from the customer tables (:func:`segkit.iteration.window_days`); when
    they differ by more than :data:`segkit.iteration.WINDOW_TOLERANCE_DAYS`, or a length is unknown, the
    variables of :data:`segkit.iteration.WINDOW_DEPENDENT` in the basis are not counted as drift.
    """
    moved = [v for v in basis if v in it.WINDOW_DEPENDENT]
    if not moved:
        return [], None
    a, b = it.window_days(previous_table), it.window_days(current_table)
    if a is not None and b is not None and abs(a - b) <= it.WINDOW_TOLERANCE_DAYS:
        return [], None
    lengths = (f"{a:,} days of history against {b:,}" if a is not None and b is not None
               else "histories of unknown length")
    return moved, (f"The two segmentations rest on {lengths}: {', '.join(moved)} grow with the length of the "
                   "window, so their shifts are shown but not counted as drift.")


def compare_segmentations(previous: pd.DataFrame, current: pd.DataFrame, *, previous_table: pd.DataFrame,
                          current_table: pd.DataFrame, basis: list[str], by_rule: bool = False,
                          structure_ari: float | None = None, refit_ari: float | None = None,
                          conclusive_when: str | None = None, refit_mismatched: Sequence[int] = ()) -> Comparison:
    """Compare ``current`` assignments with ``previous`` ones: migration, drift and recommendation.

    The current numbering is kept. The earlier segments are matched to the current ones by their
    profiles on the shared numeric basis (by their members when there is none); a rule-based scheme's
    classes are the same classes in both (``by_rule``), so they are matched by number.

    Parameters
    ----------
    previous, current : DataFrame
        Assignments (``customer_id``, ``segment``, ``segment_name``) of the earlier and the current segmentation.
    previous_table, current_table : DataFrame
        Their customer tables, for the profiles.
    basis : list of str
        The study's basis; profiles compare the numeric variables present in both tables (a basis
        variable one table lacks cannot drift measurably, and profiling it would fail).
    by_rule : bool
        Both are the same rule-based scheme: class N is class N.
    structure_ari : float, optional
        Whether the segment boundaries persist: the earlier model applied to the current customers
        against the current fit (ARI). When given it is the agreement the recommendation judges; the
        agreement on the customers in both is then how much customers moved, which segments defined by
        a life cycle (new, lapsed) show by nature.
    refit_ari, conclusive_when : float, str, optional
        When ``current`` is a refit on a shorter window than the delivered segmentation's: its agreement
        with the delivered segments, and what would make the comparison conclusive
        (:func:`segkit.iteration.recommend`).
    refit_mismatched : sequence of int
        Refit segments most of whose customers are in other step 5 segments (:func:`mismatched_segments`).

    Returns
    -------
    Comparison
    """
    shared = [c for c in numeric_columns(current_table, list(basis)) if c in previous_table.columns]
    if by_rule:
        cur = set(int(x) for x in current["segment"].unique())
        mapping: dict[int, int | None] = {int(p): (int(p) if int(p) in cur else None)
                                          for p in previous["segment"].unique()}
        matched_by = "class (the same rule)"
    else:
        mapping = it.match_segments(previous, current, previous_table=previous_table, current_table=current_table,
                                    columns=shared)
        matched_by = "profiles" if shared else "members"
    migration = it.migration_matrix(previous, current, mapping=mapping, matched_by=matched_by)
    not_counted, note = not_counted_for(previous_table, current_table, shared)
    drift = it.drift(share_table(previous), share_table(current).merge(
        current.drop_duplicates("segment")[["segment", "segment_name"]].rename(columns={"segment_name": "name"}),
        on="segment"), profile(previous_table, previous, shared), profile(current_table, current, shared),
        mapping=migration.mapping, not_counted=not_counted)
    recommendation = it.recommend(migration, drift, structure_ari=structure_ari, refit_ari=refit_ari,
                                  conclusive_when=conclusive_when, refit_mismatched=refit_mismatched)
    return Comparison(migration, drift, recommendation, shared, note)


@dataclass
class IterationResult:
    """What step 8 shows.

    Attributes
    ----------
    source : {"previous_run", "earlier_window", "none"}
        What the segmentation was compared with.
    compared_with : str or None
        The same in words, for the report and ``iteration.json`` (None when nothing was compared).
    why_not : str or None
        Why there is nothing to compare with (None when there is).
    comparison : Comparison or None
        Migration, drift and recommendation (None when there is nothing to compare with).
    earlier_window : StudyWindow or None
        The earlier window, when the comparison is with it.
    previous_run : Path or None
        The previous run folder, when the comparison is with it.
    current_window : StudyWindow or None
        The current side of an earlier-window comparison: as long as the earlier window.
    refit_ari : float or None
        When the current side had to be refitted on a shorter window: the agreement (ARI) of that refit
        with step 5's segments, whose numbers and names it took by its members.
    refit_sizes : DataFrame or None
        With ``refit_ari``: each segment's customers in step 5 and in the refit on the shorter window.
    """

    source: Literal["previous_run", "earlier_window", "none"]
    compared_with: str | None
    why_not: str | None = None
    comparison: Comparison | None = None
    earlier_window: StudyWindow | None = None
    previous_run: Path | None = None
    current_window: StudyWindow | None = None
    refit_ari: float | None = None
    refit_sizes: pd.DataFrame | None = None
    #: refit segments holding mostly other step 5 segments' customers (never for a rule's classes)
    refit_mismatched: list[int] = field(default_factory=list)
    #: the segment evaluation plot and decision table (selecting the targets); None without step 6's sizes
    evaluation: SegmentEvaluation | None = None
    #: why there is no evaluation plot
    evaluation_note: str | None = None

    @property
    def has_comparison(self) -> bool:
        """Whether there was anything to compare with."""
        return self.comparison is not None

    @property
    def comparison_windows(self) -> tuple[StudyWindow, StudyWindow] | None:
        """The earlier and the current window of an earlier-window comparison (the same length)."""
        if self.earlier_window is None or self.current_window is None:
            return None
        return self.earlier_window, self.current_window

    @property
    def windows_text(self) -> str | None:
        """The two windows in words: dates, length, and how the current side relates to step 5."""
        if self.comparison_windows is None:
            return None
        e, c = self.comparison_windows
        days = (c.cutoff - c.history_start).days + 1 if c.history_start else None
        text = (f"Both windows hold {days:,} days of history: the earlier from {e.history_start} to {e.cutoff}, the "
                f"current from {c.history_start} to {c.cutoff}; tenure and recency are measured within each up to "
                "its own cut-off.")
        if self.refit_ari is not None:
            text += (" The data do not reach back far enough for an earlier window as long as step 5's history, so "
                     f"the current side is the same method and k refitted on its last {days:,} days. ")
            if self.refit_speaks:
                text += (f"That refit agrees with step 5's segments at ARI {self.refit_ari:.2f} (at least "
                         f"{it.MIN_REFIT_AGREEMENT:g}), so its segments take step 5's numbers and names by their "
                         "members and the comparison speaks for them as a whole; their sizes are the refit's, not "
                         "step 5's.")
            elif self.refit_ari >= it.MIN_REFIT_AGREEMENT:
                text += (f"That refit agrees with step 5's segments as a whole (ARI {self.refit_ari:.2f}, at least "
                         f"{it.MIN_REFIT_AGREEMENT:g}) and its segments take step 5's numbers and names by their "
                         "members, but not every one of them is step 5's segment (below), so the comparison does "
                         "not speak for the delivered segments.")
            else:
                text += (f"That refit is a different segmentation from step 5's: they agree at ARI "
                         f"{self.refit_ari:.2f}, below {it.MIN_REFIT_AGREEMENT:g}. Its segments carry step 5's numbers "
                         "and names by a one-to-one matching of their members, but they are not step 5's segments, "
                         "and the tables below describe the refit.")
            text += self._mismatch_text()
        return text

    def _mismatch_text(self) -> str:
        """The refit segments most of whose customers are in other step 5 segments than the one they are named for."""
        if self.refit_sizes is None:
            return ""
        t = self.refit_sizes
        odd = t[t["segment"].isin(self.refit_mismatched)]
        if odd.empty:
            return ""
        parts = [f"{r.refit_also_in_step5_segment:,} of the {r.n_refit:,} in refit segment {r.segment} are in step "
                 f"5's segment {r.segment}" for r in odd.itertuples()]
        return (f" Refit segment(s) {odd['segment'].tolist()} hold mostly customers of other step 5 segments "
                f"({'; '.join(parts)}): their rows describe other groups under those names.")

    @property
    def refit_speaks(self) -> bool | None:
        """Whether a refitted current side agrees with step 5 enough to speak for it (None without a refit)."""
        if self.refit_ari is None:
            return None
        return bool(self.refit_ari >= it.MIN_REFIT_AGREEMENT) and not self.refit_mismatched

    @property
    def sides_caption(self) -> str:
        """What the migration and drift tables compare, for their captions."""
        if self.refit_ari is None or self.comparison_windows is None:
            return "this run's segments against the earlier ones"
        e, c = self.comparison_windows
        days = (c.cutoff - c.history_start).days + 1 if c.history_start else None
        which = "close to" if self.refit_speaks else "not"
        return (f"the refit on the current {days:,}-day window ({which} step 5's segments: ARI "
                f"{self.refit_ari:.2f} with them) against the refit on the earlier one")

    @property
    def migration(self) -> it.Migration | None:
        return self.comparison.migration if self.comparison else None

    @property
    def drift(self) -> it.Drift | None:
        return self.comparison.drift if self.comparison else None

    @property
    def recommendation(self) -> it.Recommendation | None:
        return self.comparison.recommendation if self.comparison else None

    def as_document(self) -> dict:
        """``iteration.json``: what was compared, the agreement, the recommendation and its rule.

        Raises
        ------
        ValueError
            When there was nothing to compare with (no document is written then).
        """
        if self.comparison is None:
            raise ValueError(f"step 8 compared with nothing, so there is no iteration document: {self.why_not}")
        m = self.comparison.migration
        return {"compared_with": self.compared_with, "ari": m.ari, "stay_share": m.stay_share,
                "recommendation": self.comparison.decision, "reason": self.comparison.reason,
                "rule": self.comparison.recommendation.rule, "matched_by": m.matched_by,
                "windows": self.windows_text}


def _read_previous_run(path: Path) -> tuple[RunFolder, pd.DataFrame, pd.DataFrame]:
    """The previous run's folder, assignments and customer table; its absence is the study file's fault."""
    prev = RunFolder(path)
    missing = [a.name for a in (artifacts.ASSIGNMENTS, artifacts.CUSTOMER_TABLE) if not prev.has(a)]
    if missing:
        raise DataError(f"previous_run must be a segkit run folder whose steps 4 and 5 completed; it has no "
                        f"{' and no '.join(f'artifacts/{m}' for m in missing)}", file=str(prev.path))
    return prev, prev.read(artifacts.ASSIGNMENTS), prev.read(artifacts.CUSTOMER_TABLE)


def _previous_method(prev: RunFolder) -> str | None:
    try:
        return str(prev.read(artifacts.SEGMENTATION)["method"])
    except (OSError, KeyError, ValueError):
        return None


def with_numbers_of(refit: pd.DataFrame, own: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """A refit's assignments with the numbers and names of ``own``'s segments, matched by members; and their ARI."""
    from sklearn.metrics import adjusted_rand_score

    mapping = it.match_segments(refit, own)
    names = dict(zip(own["segment"].astype(int), own["segment_name"]))
    spare = iter(s for s in range(max(names) + 1, max(names) + 1 + len(mapping)))
    number = {p: (c if c is not None else next(spare)) for p, c in mapping.items()}
    out = refit.assign(segment=refit["segment"].map(number))
    out["segment_name"] = out["segment"].map(names).fillna(refit["segment_name"])
    both = out.merge(own, on="customer_id", suffixes=("", "_own"))
    ari = float(adjusted_rand_score(both["segment_own"], both["segment"])) if len(both) else float("nan")
    return out, ari


def mismatched_segments(sizes: pd.DataFrame | None) -> list[int]:
    """Refit segments most of whose customers are in other step 5 segments than the one they are named for."""
    if sizes is None:
        return []
    odd = sizes[(sizes["n_refit"] > 0) & (sizes["refit_also_in_step5_segment"] * 2 < sizes["n_refit"])]
    return [int(x) for x in odd["segment"]]


def refit_sizes(refit: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """Each segment's customers in step 5's assignments (``own``) and in the refit on a shorter window.

    ``in_both`` counts the refit's customers who are in the same-numbered segment in step 5 too.
    """
    names = own.drop_duplicates("segment").set_index("segment")["segment_name"]
    both = refit.merge(own, on="customer_id", suffixes=("", "_own"))
    out = pd.DataFrame({"segment": sorted(set(own["segment"].astype(int)) | set(refit["segment"].astype(int)))})
    out["name"] = out["segment"].map(names).fillna(out["segment"].map(
        refit.drop_duplicates("segment").set_index("segment")["segment_name"]))
    out["n_step5"] = out["segment"].map(own["segment"].value_counts()).fillna(0).astype(int)
    out["n_refit"] = out["segment"].map(refit["segment"].value_counts()).fillna(0).astype(int)
    same = both.loc[both["segment"] == both["segment_own"], "segment"].value_counts()
    out["refit_also_in_step5_segment"] = out["segment"].map(same).fillna(0).astype(int)
    return out


def conclusive_when(window: StudyWindow, earlier: StudyWindow, data_start: dt.date, months: int) -> str:
    """What would let the earlier window hold step 5's whole history, with the dates, in words."""
    length = (window.cutoff - data_start).days
    needed = earlier.cutoff - dt.timedelta(days=length)
    return translate("it becomes conclusive with more history before the earlier cut-off: step 5's segments rest on "
                     "{days} days ({start} to {cutoff}), and an earlier window as long, ending {earlier}, needs "
                     "transactions from {needed} on; with the data as they are, a smaller earlier_window_months "
                     "(now {months}) lengthens both windows towards step 5's history").format(
        days=f"{length + 1:,}", start=data_start, cutoff=window.cutoff, earlier=earlier.cutoff, needed=needed,
        months=months)


def run(ctx: StepContext) -> IterationResult:
    """Compare with the previous run, else the earlier window, else nothing; write ``iteration.json``.

    Raises
    ------
    DataError
        When ``previous_run`` is not a run folder with assignments and a customer table, or when the
        earlier window has too few customers to segment.
    """
    result = _compare(ctx)
    result.evaluation, result.evaluation_note = _evaluation(ctx)
    return result


def _evaluation(ctx: StepContext) -> tuple[SegmentEvaluation | None, str | None]:
    """The segment evaluation plot from step 6's sizes and the brief (or why there is none)."""
    from segkit.study.profiling import saved_targets

    brief = ctx.read(artifacts.BRIEF)
    sizes = ctx.read_optional(artifacts.SIZES)
    if sizes is None:
        return None, ("Step 6 measured no segment sizes by value (no transactions), so the segments cannot be "
                      "placed on the evaluation plot.")
    tm, note, _ = saved_targets(sizes, brief)
    if tm is None:
        return None, note
    return segment_evaluation(tm, sizes, min_share=float(brief["min_segment_share"])), None


def _compare(ctx: StepContext) -> IterationResult:
    """Step 8's comparison with an earlier segmentation (see :func:`run`)."""
    cfg = ctx.cfg
    window = ctx.window
    current = ctx.read(artifacts.ASSIGNMENTS)
    table = ctx.read(artifacts.CUSTOMER_TABLE)

    segmentation = ctx.read(artifacts.SEGMENTATION)
    method, k = str(segmentation["method"]), segmentation["k"]
    by_rule = not get_method(method).data_driven
    structure_ari: float | None = None
    refit_ari: float | None = None
    remedy: str | None = None
    sizes: pd.DataFrame | None = None
    if cfg.previous_run is not None:
        prev, previous, previous_table = _read_previous_run(cfg.resolve(cfg.previous_run))
        result = IterationResult("previous_run", f"the previous run {prev.path.name}", previous_run=prev.path)
        by_rule = by_rule and _previous_method(prev) == method
    elif window is not None and ctx.has(artifacts.TABLE_TRANSACTIONS):
        transactions = ctx.read(artifacts.TABLE_TRANSACTIONS)
        earlier, now = comparison_windows(window, transactions, cfg.earlier_window_months)
        inputs = dict(transactions=transactions, customers=ctx.read_optional(artifacts.TABLE_CUSTOMERS),
                      survey=ctx.read_optional(artifacts.TABLE_SURVEY), method=method, k=k)
        ctx.progress(f"refitting {method} with k = {k} on the earlier window")
        before = window_segmentation(cfg, earlier, **inputs)
        previous, previous_table = before.assignments, before.table
        ctx.progress(f"refitting {method} with k = {k} on the current window of the same length")
        after = window_segmentation(cfg, now, **inputs)
        # do the boundaries persist? the earlier model places the current window's customers as the current fit does
        structure_ari = _ari(before.place(after), after.assignments)
        months = cfg.earlier_window_months
        history = transactions.loc[window.in_history(transactions["date"]), "date"]
        data_start = max(history.min().date(), window.history_start or dt.date.min)
        if now.history_start is not None and now.history_start > data_start:
            # step 5 saw more history than the earlier window can hold: the current side is the refit on as many days
            table = after.table
            # a rule's classes are the same classes in both fits; a data-driven refit takes step 5's numbers
            refit, refit_ari = ((after.assignments, _ari(after.assignments, current)) if by_rule
                                else with_numbers_of(after.assignments, current))
            sizes = refit_sizes(refit, current)
            current = refit
            remedy = conclusive_when(window, earlier, data_start, months)
        result = IterationResult(
            "earlier_window",
            f"the same method refitted with k = {k} on the earlier window ending {earlier.cutoff} ({months} months "
            "before the cut-off), as long as the current one",
            earlier_window=earlier, current_window=now, refit_ari=refit_ari, refit_sizes=sizes,
            # a rule's class N is class N in any window: its name is never misplaced
            refit_mismatched=[] if by_rule else mismatched_segments(sizes))
    else:
        return IterationResult("none", None, why_not=NOTHING_TO_COMPARE)

    result.comparison = compare_segmentations(previous, current, previous_table=previous_table,
                                              current_table=table, basis=list(cfg.basis), by_rule=by_rule,
                                              structure_ari=structure_ari, refit_ari=refit_ari,
                                              conclusive_when=remedy, refit_mismatched=result.refit_mismatched)
    ctx.write(artifacts.ITERATION, result.as_document())
    return result


def _ari(a: pd.DataFrame, b: pd.DataFrame) -> float:
    from sklearn.metrics import adjusted_rand_score

    both = a.merge(b, on="customer_id")
    return float(adjusted_rand_score(both["segment_x"], both["segment_y"])) if len(both) else float("nan")

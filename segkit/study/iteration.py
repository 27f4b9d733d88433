"""Step 8, iteration: compare the segmentation with an earlier one and recommend what to do.

Segments decay as markets and customers change. The segmentation is compared
with, in order of preference:

1. the run named in the study file as ``previous_run`` (the segmentation the
   business actually worked with), else
2. the same method and number of segments refitted on the **earlier window**:
   the study window moved ``earlier_window_months`` back
   (:meth:`~segkit.study.window.StudyWindow.shifted`), so it knows nothing of
   the later months, else
3. nothing: a study without transactions and without a previous run has no
   earlier segmentation, and the step says so.

The comparison (:func:`compare_segmentations`) is who moved where
(:func:`segkit.iteration.migration_matrix`), how much sizes and profiles
drifted (:func:`segkit.iteration.drift`) and the keep / adjust / re-segment
recommendation (:func:`segkit.iteration.recommend`). ``segkit compare`` makes
the same comparison between two finished runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from segkit import iteration as it
from segkit.errors import DataError
from segkit.pipeline import earlier_window_assignments, numeric_columns, share_table
from segkit.profiling import profile
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
    """

    migration: it.Migration
    drift: it.Drift
    recommendation: it.Recommendation
    basis: list[str]

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
        return wide.reset_index()


def compare_segmentations(previous: pd.DataFrame, current: pd.DataFrame, *, previous_table: pd.DataFrame,
                          current_table: pd.DataFrame, basis: list[str]) -> Comparison:
    """Compare ``current`` assignments with ``previous`` ones: migration, drift and recommendation.

    Parameters
    ----------
    previous, current : DataFrame
        Assignments (``customer_id``, ``segment``, ``segment_name``) of the earlier and the current segmentation.
    previous_table, current_table : DataFrame
        Their customer tables, for the profiles.
    basis : list of str
        The study's basis; profiles compare the numeric variables present in both tables (a basis
        variable one table lacks cannot drift measurably, and profiling it would fail).

    Returns
    -------
    Comparison
    """
    shared = [c for c in numeric_columns(current_table, list(basis)) if c in previous_table.columns]
    migration = it.migration_matrix(previous, current)
    drift = it.drift(share_table(previous), share_table(current), profile(previous_table, previous, shared),
                     profile(current_table, current, shared), mapping=migration.mapping)
    return Comparison(migration, drift, it.recommend(migration, drift), shared)


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
    """

    source: Literal["previous_run", "earlier_window", "none"]
    compared_with: str | None
    why_not: str | None = None
    comparison: Comparison | None = None
    earlier_window: StudyWindow | None = None
    previous_run: Path | None = None

    @property
    def has_comparison(self) -> bool:
        """Whether there was anything to compare with."""
        return self.comparison is not None

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
        """``iteration.json``: what was compared, the agreement and the recommendation.

        Raises
        ------
        ValueError
            When there was nothing to compare with (no document is written then).
        """
        if self.comparison is None:
            raise ValueError(f"step 8 compared with nothing, so there is no iteration document: {self.why_not}")
        m = self.comparison.migration
        return {"compared_with": self.compared_with, "ari": m.ari, "stay_share": m.stay_share,
                "recommendation": self.comparison.decision, "reason": self.comparison.reason}


def _read_previous_run(path: Path) -> tuple[RunFolder, pd.DataFrame, pd.DataFrame]:
    """The previous run's folder, assignments and customer table; its absence is the study file's fault."""
    prev = RunFolder(path)
    missing = [a.name for a in (artifacts.ASSIGNMENTS, artifacts.CUSTOMER_TABLE) if not prev.has(a)]
    if missing:
        raise DataError(f"previous_run must be a segkit run folder whose steps 4 and 5 completed; it has no "
                        f"{' and no '.join(f'artifacts/{m}' for m in missing)}", file=str(prev.path))
    return prev, prev.read(artifacts.ASSIGNMENTS), prev.read(artifacts.CUSTOMER_TABLE)


def run(ctx: StepContext) -> IterationResult:
    """Compare with the previous run, else the earlier window, else nothing; write ``iteration.json``.

    Raises
    ------
    DataError
        When ``previous_run`` is not a run folder with assignments and a customer table, or when the
        earlier window has too few customers to segment.
    """
    cfg = ctx.cfg
    window = ctx.window
    current = ctx.read(artifacts.ASSIGNMENTS)
    table = ctx.read(artifacts.CUSTOMER_TABLE)

    if cfg.previous_run is not None:
        prev, previous, previous_table = _read_previous_run(cfg.resolve(cfg.previous_run))
        result = IterationResult("previous_run", f"the previous run {prev.path.name}", previous_run=prev.path)
    elif window is not None and ctx.has(artifacts.TABLE_TRANSACTIONS):
        segmentation = ctx.read(artifacts.SEGMENTATION)
        ctx.progress(f"refitting {segmentation['method']} with k = {segmentation['k']} on the earlier window")
        previous, previous_table, earlier = earlier_window_assignments(
            cfg, window, transactions=ctx.read(artifacts.TABLE_TRANSACTIONS),
            customers=ctx.read_optional(artifacts.TABLE_CUSTOMERS), survey=ctx.read_optional(artifacts.TABLE_SURVEY),
            method=segmentation["method"], k=segmentation["k"])
        result = IterationResult(
            "earlier_window",
            f"the same method refitted with k = {segmentation['k']} on the earlier window ending {earlier.cutoff} "
            f"({cfg.earlier_window_months} months before the cut-off)",
            earlier_window=earlier)
    else:
        return IterationResult("none", None, why_not=NOTHING_TO_COMPARE)

    result.comparison = compare_segmentations(previous, current, previous_table=previous_table,
                                              current_table=table, basis=list(cfg.basis))
    ctx.write(artifacts.ITERATION, result.as_document())
    return result

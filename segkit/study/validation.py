"""Step 7, validation: did the segments behave differently after the cut-off, and do they meet the brief?

The segments were formed on behaviour up to the cut-off; what their members
did after it, in data the segmentation never saw, validates them (outcome
tests, and the gains of the potential value as a ranking). A data-driven
method is refitted on two random halves of the customers (split-half
replication). Every knock-out and success criterion of step 1 is then
measured: the verdict.

Without transactions after a cut-off (a survey study) later behaviour cannot
be compared; the result says so, and the verdict rests on what could be
measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pandas as pd

from segkit import validation as va
from segkit.errors import DataError
from segkit.methods import make_segmenter
from segkit.methods.registry import get_method
from segkit.pipeline import share_table, verdict_display
from segkit.study import artifacts
from segkit.study.context import StepContext

__all__ = ["ValidationResult", "run"]

#: Significance level of the outcome tests and the verdict's outcome criterion.
ALPHA = 0.01
#: The customer-table column that ranks customers for the gains chart: potential value at the cut-off.
SCORE_COLUMN = "clv"
#: The outcome the gains chart measures: revenue after the cut-off.
GAINS_OUTCOME = "revenue_after"

NO_LATER_BEHAVIOUR = ("This study has no transactions after a cut-off, so later behaviour cannot be compared. "
                      "Validate the segments in application instead: a campaign with a control group per segment, "
                      "or a repeat survey.")


@dataclass
class ValidationResult:
    """What step 7 shows.

    A section the data cannot support holds None and its ``*_note`` says why.

    Attributes
    ----------
    method : str
        The method of step 3.
    k : int
        Number of segments.
    outcomes : OutcomeTests or None
        Segments compared on what customers did after the cut-off.
    outcomes_note : str or None
        Why later behaviour could not be compared.
    gains : GainsResult or None
        Later revenue captured by the customers ranked by potential value.
    gains_note : str or None
        Why there is no gains chart.
    replication : ReplicationResult or None
        Split-half replication (data-driven methods).
    replication_note : str or None
        Why there is no replication.
    verdict : VerdictResult
        Every criterion of the brief, measured.
    n_passed, n_failed : int
        Measured criteria that pass and fail.
    summary : str
        The verdict in a sentence (``verdict.json``'s summary, shown on the index page).
    """

    method: str
    k: int
    outcomes: va.OutcomeTests | None
    outcomes_note: str | None
    gains: va.GainsResult | None
    gains_note: str | None
    replication: va.ReplicationResult | None
    replication_note: str | None
    verdict: va.VerdictResult
    n_passed: int
    n_failed: int
    summary: str

    @property
    def passed(self) -> bool:
        """Whether every measurable knock-out criterion passes."""
        return self.verdict.passed

    @property
    def has_later_behaviour(self) -> bool:
        """Whether the segments were compared on behaviour after the cut-off."""
        return self.outcomes is not None

    @property
    def outcome_names(self) -> list[str]:
        """The outcomes tested, in order (one panel each)."""
        return [] if self.outcomes is None else list(self.outcomes.table["outcome"])

    @property
    def centre_shift(self) -> pd.DataFrame | None:
        """Difference between matched segment centres of the two halves, in standard deviations.

        One row per segment of half A, one column per basis variable.
        """
        if self.replication is None:
            return None
        shift = self.replication.centroids.pivot_table(index="segment_a", columns="variable",
                                                       values="std_diff").round(2)
        return shift.reset_index().rename(columns={"segment_a": "segment (half A)"})

    @property
    def verdict_table(self) -> pd.DataFrame:
        """The verdict as a reader wants it: measured values formatted, pass/FAIL in words."""
        return verdict_display(self.verdict.table)


def _summary(verdict: va.VerdictResult, has_later_behaviour: bool) -> tuple[int, int, str]:
    passed = verdict.table["passed"]
    # pd.NA marks a criterion that was not measured: it neither passes nor fails.
    n_pass, n_fail = int(passed.eq(True).sum()), int(passed.eq(False).sum())
    later = "validation on later behaviour needs transactions after a cut-off, which this study lacks"
    if n_pass + n_fail == 0:
        text = "No criterion of the brief could be measured; the team judges them" + (
            "." if has_later_behaviour else f"; {later}.")
    elif n_fail:
        text = f"{n_pass} of {n_pass + n_fail} measured criteria pass; failed: {'; '.join(verdict.failed)}"
        text += "" if has_later_behaviour else f". Note that {later}."
    elif has_later_behaviour:
        text = f"{n_pass} of {n_pass} measured criteria pass; the segmentation is valid against the brief."
    else:
        text = (f"{n_pass} of {n_pass} measured criteria pass, but the segments are not yet validated: {later}.")
    return n_pass, n_fail, text


def _gains(table: pd.DataFrame, outcomes: pd.DataFrame | None) -> tuple[va.GainsResult | None, str | None]:
    if outcomes is None:
        return None, "Not available without transactions after the cut-off."
    if SCORE_COLUMN not in table or GAINS_OUTCOME not in outcomes:
        return None, "Not available: the study has no potential value to rank customers by."
    ranked = table[["customer_id", SCORE_COLUMN]].merge(outcomes[["customer_id", GAINS_OUTCOME]], on="customer_id")
    try:
        return va.gains(ranked[SCORE_COLUMN], ranked[GAINS_OUTCOME]), None
    except ValueError as err:
        return None, f"Not available: {err}."


def _replication(ctx: StepContext, method: str, k: int) -> tuple[va.ReplicationResult | None, str | None]:
    if not get_method(method).data_driven:
        return None, f"Not applicable: the {method} scheme assigns classes by rule, so there is nothing to refit."
    X = ctx.read(artifacts.BASIS).set_index("customer_id")
    ctx.progress("split-half replication")
    segmenter = make_segmenter(method, k, random_state=ctx.cfg.seed, n_init=ctx.cfg.n_init)
    try:
        return va.split_half_replication(X, segmenter, random_state=ctx.cfg.seed), None
    except ValueError as err:
        return None, f"Not available: {err}."


def run(ctx: StepContext) -> ValidationResult:
    """Test the segments on later behaviour, replicate them, measure the brief's criteria; write the verdict.

    Parameters
    ----------
    ctx : StepContext
        The run folder and the study; steps 1 to 6 must have run.

    Returns
    -------
    ValidationResult
    """
    brief = ctx.read(artifacts.BRIEF)
    segmentation = ctx.read(artifacts.SEGMENTATION)
    method, k = str(segmentation["method"]), int(segmentation["k"])
    table = ctx.read(artifacts.CUSTOMER_TABLE)
    assignments = ctx.read(artifacts.ASSIGNMENTS)
    sizes = ctx.read_optional(artifacts.SIZES)
    if sizes is None:
        sizes = share_table(assignments)
    identification: Any = SimpleNamespace(**ctx.read(artifacts.IDENTIFICATION))
    outcomes = ctx.read_optional(artifacts.OUTCOMES)

    tests, outcomes_note = None, None
    if outcomes is None:
        outcomes_note = NO_LATER_BEHAVIOUR
    else:
        try:
            tests = va.outcome_tests(assignments, outcomes, alpha=ALPHA)
        except DataError as err:
            outcomes_note = f"Later behaviour cannot be compared: {err}"
    gain, gains_note = _gains(table, outcomes)
    replication, replication_note = _replication(ctx, method, k)

    verdict = va.verdict(brief, sizes=sizes, outcomes=tests, identification=identification,
                         replication=replication, gains_result=gain, alpha=ALPHA)
    n_pass, n_fail, summary = _summary(verdict, tests is not None)
    ctx.write(artifacts.VERDICT, {
        "summary": summary, "passed": bool(verdict.passed),
        "table": verdict.table.astype(object).where(verdict.table.notna(), None).to_dict("records"),
    })
    return ValidationResult(method=method, k=k, outcomes=tests, outcomes_note=outcomes_note, gains=gain,
                            gains_note=gains_note, replication=replication, replication_note=replication_note,
                            verdict=verdict, n_passed=n_pass, n_failed=n_fail, summary=summary)

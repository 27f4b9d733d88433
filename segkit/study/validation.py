"""Step 7, validation: did the segments behave differently after the cut-off, and do they meet the brief?

The segments were formed on behaviour up to the cut-off; what their members
did after it, in data the segmentation never saw, validates them (outcome
tests). Lift is measured against random targeting *and* against what an
analyst would do without segments: as many customers ranked by past spend or
past frequency (:mod:`segkit.baselines`). A data-driven method is refitted on
two random halves of the customers (split-half replication), its centres
numbered as step 5's segments. Every knock-out and success criterion of step 1
is then measured, one row each: the verdict.

Without transactions after a cut-off (a survey study) later behaviour cannot
be compared; the result says so, and the verdict rests on what could be
measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit import validation as va
from segkit.baselines import BaselineLift, baseline_lift, heuristic_scores
from segkit.criteria import Evidence, kpi_outcome
from segkit.errors import DataError
from segkit.i18n import join, translate
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
    baselines : BaselineLift or None
        Each segment's and the target segments' later revenue against random targeting, past spend
        and past frequency.
    baselines_note : str or None
        Why there are no baselines.
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
    baselines: BaselineLift | None = None
    baselines_note: str | None = None

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

        One row per segment (step 5's number and name), one column per basis variable.
        """
        if self.replication is None:
            return None
        shift = self.replication.centroids.pivot_table(index=["segment", "segment_name"], columns="variable",
                                                       values="std_diff").round(2)
        return shift.reset_index().rename(columns={"segment_name": "name"})

    @property
    def verdict_table(self) -> pd.DataFrame:
        """The verdict as a reader wants it: measured values formatted, pass/FAIL in words."""
        return verdict_display(self.verdict.table)


def _summary(verdict: va.VerdictResult, has_later_behaviour: bool) -> tuple[int, int, str]:
    # each measurement counted once: a criterion repeating another's measurement is not a second pass or fail
    passed = verdict.counted["passed"]
    # pd.NA marks a criterion that was not measured: it neither passes nor fails.
    n_pass, n_fail = int(passed.eq(True).sum()), int(passed.eq(False).sum())
    n_judged = verdict.n_judged
    n_team = int((verdict.table["measure"] == "team_judges").sum())
    # every sentence is an English template translated before its numbers go in (segkit.i18n)
    later = translate("validation on later behaviour needs transactions after a cut-off, which this study lacks")
    parts = [translate("{n} left to the team").format(n=n_team)] if n_team else []
    n_missing = n_judged - n_team
    if n_missing:
        parts.append(translate("{n} without the data to measure it" if n_missing == 1 else
                               "{n} without the data to measure them").format(n=n_missing))
    judged = translate("; {n} more is not measured ({parts})" if n_judged == 1 else
                       "; {n} more are not measured ({parts})").format(n=n_judged, parts=join(parts, ", ")) \
        if n_judged else ""
    measured = translate("measured criteria" if n_judged else "criteria")
    n_same = int(verdict.table["same_as"].notna().sum()) if "same_as" in verdict.table else 0
    if n_same:
        judged += translate("; 1 criterion repeats another's measurement and is counted once" if n_same == 1
                            else "; {n} criteria repeat another's measurement and are counted once").format(n=n_same)
    counts = dict(n_pass=n_pass, n=n_pass + n_fail, measured=measured, judged=judged, later=later)
    if n_pass + n_fail == 0:
        text = translate("No criterion of the brief could be measured; the team judges them." if has_later_behaviour
                         else "No criterion of the brief could be measured; the team judges them; {later}.")
    elif n_fail:
        failed = join([translate(c) for c in verdict.failed], "; ")
        text = translate("{n_pass} of {n} {measured} pass{judged}; failed: {failed}." if has_later_behaviour else
                         "{n_pass} of {n} {measured} pass{judged}; failed: {failed}. Note that {later}.")
        counts["failed"] = failed
    elif has_later_behaviour:
        text = translate("{n_pass} of {n} {measured} pass{judged}.")
    else:
        text = translate("{n_pass} of {n} {measured} pass{judged}, but the segments are not yet validated: {later}.")
    return n_pass, n_fail, text.format(**counts)


def _gains(table: pd.DataFrame, outcomes: pd.DataFrame | None) -> tuple[va.GainsResult | None, str | None]:
    if outcomes is None:
        return None, "Not available without transactions after the cut-off."
    if SCORE_COLUMN not in table or GAINS_OUTCOME not in outcomes:
        return None, "Not available: the study has no potential value to rank customers by."
    ranked = table.merge(outcomes[["customer_id", GAINS_OUTCOME]], on="customer_id", how="left")
    ranked[GAINS_OUTCOME] = ranked[GAINS_OUTCOME].fillna(0.0)  # absent from the outcomes: bought nothing
    try:
        others = heuristic_scores(ranked)
    except KeyError:
        others = {}
    try:
        return va.gains(ranked[SCORE_COLUMN], ranked[GAINS_OUTCOME], baselines=others), None
    except ValueError as err:
        return None, f"Not available: {err}."


def _baselines(table: pd.DataFrame, assignments: pd.DataFrame, outcomes: pd.DataFrame | None,
               sizes: pd.DataFrame, outcome: str, seed: int) -> tuple[BaselineLift | None, str | None]:
    if outcomes is None:
        return None, "Not available without transactions after the cut-off."
    targets = [int(s) for s in sizes.loc[sizes["target"], "segment"]] if "target" in sizes else []
    try:
        return baseline_lift(table, assignments, outcomes, outcome=outcome, targets=targets,
                             random_state=seed), None
    except DataError as err:
        return None, f"Not available: {err}."


def _evidence(*, sizes: pd.DataFrame, tests: va.OutcomeTests | None, outcomes_note: str | None,
              identification: dict[str, Any], replication: va.ReplicationResult | None,
              replication_note: str | None, segmentation: dict[str, Any], lift: BaselineLift | None,
              lift_note: str | None, has_transactions: bool) -> Evidence:
    """What the verdict measures, gathered from steps 5-7; a missing measure carries why."""
    ev = Evidence(segment_shares={int(s): float(v) for s, v in zip(sizes["segment"], sizes["share"])},
                  has_transactions=has_transactions)
    if tests is not None:
        ev.outcome_p = {str(r.outcome): float(r.p_value) for r in tests.table.itertuples()}
        if len(tests.pairwise):
            worst = tests.pairwise.sort_values("p_adjusted").groupby("outcome").tail(1)
            ev.segment_p = {str(r.outcome): (float(r.p_adjusted), int(r.segment)) for r in worst.itertuples()}
    else:
        ev.notes["outcome_p_value"] = outcomes_note or "later behaviour was not compared"
    for source, key in (("early_behaviour", "early"), ("descriptors", "descriptor")):
        acc = identification.get(f"{key}_cv_accuracy")
        if acc is None:
            ev.notes[f"identification_{source}"] = identification.get(f"{key}_note") or f"no rule from {source}"
        else:
            ev.identification[source] = {"accuracy": acc, "baseline": identification[f"{key}_baseline_accuracy"],
                                         "n": int(identification[f"{key}_n"]),
                                         "window_days": identification.get("early_window_days")}
    if replication is not None:
        ev.replication_ari = float(replication.ari)
    else:
        ev.notes["replication_ari"] = replication_note or "not measured"
    if segmentation.get("median_ari") is not None:
        ev.bootstrap_ari = float(segmentation["median_ari"])
    else:
        ev.notes["bootstrap_ari"] = f"the {segmentation['method']} scheme has no bootstrap of k"
    if lift is not None and lift.targets:
        ev.lift = {b: (float(r["lift"]), float(r["ci_low"]), float(r["ci_high"]))
                   for b in ("random", "past spend") for r in [lift.row("target segments", b)]}
        ev.lift_outcome = lift.outcome
    else:
        why = lift_note or "step 6 chose no target segment"
        ev.notes["target_lift"] = ev.notes["lift_vs_past_spend"] = why
    return ev


def _replication(ctx: StepContext, method: str, k: int, assignments: pd.DataFrame
                 ) -> tuple[va.ReplicationResult | None, str | None]:
    if not get_method(method).data_driven:
        return None, f"Not applicable: the {method} scheme assigns classes by rule, so there is nothing to refit."
    X = ctx.read(artifacts.BASIS).set_index("customer_id")
    ctx.progress("split-half replication")
    segmenter = make_segmenter(method, k, random_state=ctx.cfg.seed, n_init=ctx.cfg.n_init)
    # the halves' centres carry step 5's numbers and names: matched by members to step 5's segments
    own = assignments.set_index("customer_id")
    reference = own["segment"].reindex(X.index.astype(str)).to_numpy()
    names = dict(zip(own["segment"].astype(int), own["segment_name"]))
    try:
        return va.split_half_replication(X, segmenter, random_state=ctx.cfg.seed, reference=reference,
                                         names=names), None
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
    identification: dict[str, Any] = ctx.read(artifacts.IDENTIFICATION)
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
    outcome = kpi_outcome(brief.get("kpi"))
    lift, lift_note = _baselines(table, assignments, outcomes, sizes, outcome, ctx.cfg.seed)
    replication, replication_note = _replication(ctx, method, k, assignments)

    evidence = _evidence(sizes=sizes, tests=tests, outcomes_note=outcomes_note, identification=identification,
                         replication=replication, replication_note=replication_note, segmentation=segmentation,
                         lift=lift, lift_note=lift_note, has_transactions=outcomes is not None)
    verdict = va.verdict(brief, evidence)
    n_pass, n_fail, summary = _summary(verdict, tests is not None)
    ctx.write(artifacts.VERDICT, {
        "summary": summary, "passed": bool(verdict.passed),
        "against_past_spend": None if lift is None else lift.conclusion,
        "table": verdict.table.astype(object).where(verdict.table.notna(), None).to_dict("records"),
    })
    return ValidationResult(method=method, k=k, outcomes=tests, outcomes_note=outcomes_note, gains=gain,
                            gains_note=gains_note, replication=replication, replication_note=replication_note,
                            verdict=verdict, n_passed=n_pass, n_failed=n_fail, summary=summary, baselines=lift,
                            baselines_note=lift_note)

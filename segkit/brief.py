"""Step 1: the segmentation brief (Dolnicar, Grun & Leisch 2018, step 2: fix the segmentation's criteria).

The brief is written before any data is looked at: what the segmentation is
for, how success is measured, the knock-out criteria every segment must pass,
and the weighted criteria that make a segment attractive.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.config import StudyConfig
from segkit.criteria import Criterion, read_criterion

#: Knock-out criteria from the literature; a segment failing one is not a target, whatever else it offers.
DEFAULT_KNOCKOUT = [
    "Substantial: large enough to be worth a tailored offer (at least the minimum segment share)",
    "Measurable: members can be identified from data the firm holds",
    "Accessible: members can be reached through the firm's channels",
    "Differentiable: the segment's behaviour differs clearly from the others",
    "Actionable: the firm can design and deliver an offer that fits the segment",
]

#: Attractiveness criteria used when the study gives none, with their weights.
DEFAULT_ATTRACTIVENESS = {
    "value per customer": 0.35,
    "segment size": 0.20,
    "expected growth": 0.20,
    "margin": 0.15,
    "response to promotions": 0.10,
}

_HORIZON_NOTE = {
    "short": ("Short-term goal: segments must be actionable now, so behavioural and value schemes on recent "
              "transactions (RFM, value x loyalty) are preferred over needs-based research."),
    "long": ("Long-term goal: segments should reflect stable behaviour or needs, so data-driven segmentation "
             "with stability analysis and validation on later behaviour is preferred."),
}


#: Success criteria used when the study gives none.
DEFAULT_SUCCESS = [
    "Segments differ in the KPI after the cut-off (p < 0.01)",
    "A new customer can be placed in a segment with at least 70% accuracy",
    "Segments replicate on half of the data (adjusted Rand index >= 0.7)",
]


def _spec(item: Any) -> str | dict[str, Any]:
    """A criterion of the study file as :func:`segkit.criteria.read_criterion` takes it."""
    return item if isinstance(item, str) else item.model_dump(exclude_none=True)


def read_criteria(cfg: StudyConfig) -> tuple[list[Criterion], list[Criterion]]:
    """The brief's knock-out and success criteria, each read once (:func:`segkit.criteria.read_criterion`).

    The knock-out list always holds a segment-size criterion: when the study's own list has none,
    "every segment holds at least the minimum segment share" is added, so the minimum share of the
    study file is checked once, as a row of the verdict like any other.
    """
    g = cfg.goal
    def read(item: Any, kind: str) -> Criterion:
        return read_criterion(_spec(item), kind=kind, kpi=g.kpi, min_segment_share=g.min_segment_share)

    knockout = [read(c, "knock-out") for c in (g.knockout_criteria or DEFAULT_KNOCKOUT)]
    if not any(c.measure == "min_segment_share" for c in knockout):
        knockout.insert(0, read(f"Substantial: every segment holds at least {g.min_segment_share:.0%} of the "
                                "customers (the minimum segment share)", "knock-out"))
    success = [read(c, "success") for c in (g.success_criteria or DEFAULT_SUCCESS)]
    return knockout, success


def make_brief(cfg: StudyConfig) -> dict[str, Any]:
    """Build the brief from the study's ``goal`` section, filling documented defaults.

    Returns
    -------
    dict
        goal, horizon, horizon_note, kpi, success_criteria and knockout_criteria (each a list of
        :class:`~segkit.criteria.Criterion` records: text, measure, threshold, ...),
        min_segment_share, attractiveness (weights normalised to sum to 1),
        attractiveness_defaulted, owner.
    """
    g = cfg.goal
    attractiveness = dict(g.attractiveness) or dict(DEFAULT_ATTRACTIVENESS)
    total = sum(attractiveness.values())
    knockout, success = read_criteria(cfg)
    return {
        "goal": g.statement,
        "horizon": g.horizon,
        "horizon_note": _HORIZON_NOTE[g.horizon],
        "kpi": g.kpi,
        "success_criteria": [c.to_record() for c in success],
        "success_defaulted": not g.success_criteria,
        "knockout_criteria": [c.to_record() for c in knockout],
        "knockout_defaulted": not g.knockout_criteria,
        "min_segment_share": g.min_segment_share,
        "attractiveness": {k: v / total for k, v in attractiveness.items()},
        "attractiveness_defaulted": not g.attractiveness,
        "owner": g.owner,
    }


def criteria_how(brief: dict[str, Any], key: str) -> pd.DataFrame:
    """One list of criteria as step 1 shows it: the text, what measures it and the threshold."""
    kind = "knock-out" if key == "knockout_criteria" else "success"
    crits = [Criterion.from_record(c, kind=kind) for c in brief.get(key) or []]
    return pd.DataFrame({"#": range(1, len(crits) + 1), f"{kind} criterion": [c.text for c in crits],
                         "measured by": [c.measured_by() for c in crits],
                         "threshold": [c.threshold_text if c.measure != "team_judges" else "the team judges"
                                       for c in crits]})


def criteria_table(brief: dict[str, Any]) -> pd.DataFrame:
    """The attractiveness criteria as a tidy table sorted by weight."""
    return (
        pd.DataFrame({"criterion": list(brief["attractiveness"]), "weight": list(brief["attractiveness"].values())})
        .sort_values("weight", ascending=False, kind="stable")
        .reset_index(drop=True)
    )

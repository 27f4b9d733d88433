"""Step 1: the segmentation brief (Dolnicar, Grun & Leisch 2018, step 2: fix the segmentation's criteria).

The brief is written before any data is looked at: what the segmentation is
for, how success is measured, the knock-out criteria every segment must pass,
and the weighted criteria that make a segment attractive.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.config import StudyConfig

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


def make_brief(cfg: StudyConfig) -> dict[str, Any]:
    """Build the brief from the study's ``goal`` section, filling documented defaults.

    Returns
    -------
    dict
        goal, horizon, horizon_note, kpi, success_criteria, knockout_criteria,
        min_segment_share, attractiveness (weights normalised to sum to 1),
        attractiveness_defaulted, owner.
    """
    g = cfg.goal
    attractiveness = dict(g.attractiveness) or dict(DEFAULT_ATTRACTIVENESS)
    total = sum(attractiveness.values())
    success = list(g.success_criteria) or [
        "Segments differ in the KPI after the cut-off (p < 0.01)",
        "A new customer can be placed in a segment with at least 70% accuracy",
        "Segments replicate on half of the data (adjusted Rand index >= 0.7)",
    ]
    return {
        "goal": g.statement,
        "horizon": g.horizon,
        "horizon_note": _HORIZON_NOTE[g.horizon],
        "kpi": g.kpi,
        "success_criteria": success,
        "success_defaulted": not g.success_criteria,
        "knockout_criteria": list(g.knockout_criteria) or list(DEFAULT_KNOCKOUT),
        "min_segment_share": g.min_segment_share,
        "attractiveness": {k: v / total for k, v in attractiveness.items()},
        "attractiveness_defaulted": not g.attractiveness,
        "owner": g.owner,
    }


def criteria_table(brief: dict[str, Any]) -> pd.DataFrame:
    """The attractiveness criteria as a tidy table sorted by weight."""
    return (
        pd.DataFrame({"criterion": list(brief["attractiveness"]), "weight": list(brief["attractiveness"].values())})
        .sort_values("weight", ascending=False, kind="stable")
        .reset_index(drop=True)
    )

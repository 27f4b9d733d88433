"""Step 1, goals: the brief the rest of the study is judged against.

Written before any data is looked at: what the segmentation is for, its KPI and
horizon, the success criteria step 7 tests, the knock-out criteria every
segment must pass and the weighted attractiveness criteria of step 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.brief import criteria_how, criteria_table, make_brief
from segkit.study import artifacts
from segkit.study.context import StepContext

__all__ = ["GoalsResult", "run"]


@dataclass
class GoalsResult:
    """What step 1 shows.

    Attributes
    ----------
    brief : dict
        The brief as written to ``brief.json`` (see :func:`segkit.brief.make_brief`).
    success : DataFrame
        ``#``, ``success criterion``, ``measured by``, ``threshold``.
    knockout : DataFrame
        ``#``, ``knock-out criterion``, ``measured by``, ``threshold``.
    attractiveness : DataFrame
        ``criterion``, ``weight`` (normalised to sum to 1), largest first.

    Notes
    -----
    The other settings of the study file (method, basis, k range, ...) are shown
    by the steps that use them and on the run's index page, so that a step
    re-used from an earlier run never shows a setting it did not depend on.
    """

    brief: dict[str, Any]
    success: pd.DataFrame
    knockout: pd.DataFrame
    attractiveness: pd.DataFrame

    @property
    def min_segment_share(self) -> float:
        return float(self.brief["min_segment_share"])


def run(ctx: StepContext) -> GoalsResult:
    """Write the brief (``brief.json``) from the study's ``goal`` section and return what step 1 shows."""
    brief = make_brief(ctx.cfg)
    ctx.write(artifacts.BRIEF, brief)
    return GoalsResult(
        brief=brief,
        success=criteria_how(brief, "success_criteria"),
        knockout=criteria_how(brief, "knockout_criteria"),
        attractiveness=criteria_table(brief),
    )

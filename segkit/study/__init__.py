"""The eight steps of a study as tested functions.

Each step is a module (``segkit.study.goals`` ... ``segkit.study.iteration``)
with ``run(ctx) -> <Step>Result``: it reads what it needs from the run folder,
computes everything its report shows, writes the artifacts it owns (declared
in :mod:`segkit.study.artifacts`) and returns a typed result. The step
notebooks are a parameters cell, one call of ``run`` and cells that display
the result.

Importing this package is cheap: the step modules load on first use.
"""

from segkit.study.steps import STEPS, StepInfo, get_step, steps_before

__all__ = ["STEPS", "StepInfo", "get_step", "steps_before"]

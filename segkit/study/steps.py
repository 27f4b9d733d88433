"""The eight steps of a study, in order: the one place that names them.

Each step is a module ``segkit.study.<key>`` with a ``run(ctx) -> <Step>Result``
function and a notebook ``NN_<key>.py`` that calls it and displays the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from segkit.errors import SegkitError

__all__ = ["STEPS", "StepInfo", "UnknownStepError", "get_step", "steps_before"]


class UnknownStepError(SegkitError, KeyError):
    """No step has the name or number given."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class StepInfo:
    """What the runner, the run folder and the reports need to know of one step.

    Attributes
    ----------
    number : int
        1 to 8.
    key : str
        The module name in ``segkit.study`` (``"stability"``).
    title : str
        The title shown in reports (``"Stability"``).
    settings : tuple of str
        Top-level study-file keys whose values this step's results depend on
        (beyond what the steps before it depend on). Re-using a step's
        artifacts from an earlier run is allowed only when these, and the
        input files, are unchanged.
    reads_inputs : bool
        Whether the step reads the study's input files (their SHA-256 must
        then be unchanged for its artifacts to be re-used).
    """

    number: int
    key: str
    title: str
    settings: tuple[str, ...]
    reads_inputs: bool = False

    @property
    def name(self) -> str:
        """The file stem of the step's notebook and report, e.g. ``"05_stability"``."""
        return f"{self.number:02d}_{self.key}"

    @property
    def module(self) -> str:
        """The module holding the step's ``run`` function."""
        return f"segkit.study.{self.key}"

    @property
    def notebook(self) -> str:
        """The notebook's file name in the package's ``notebooks`` folder."""
        return f"{self.name}.py"

    @property
    def html(self) -> str:
        """The report's file name in the run folder."""
        return f"{self.name}.html"


#: The eight steps in order. ``settings`` lists what each step adds to the study-file keys its results depend on.
STEPS: tuple[StepInfo, ...] = (
    # the presentation keys belong to step 1: every report, re-used ones too, is in one language and currency
    StepInfo(1, "goals", "Goals", ("goal", "language", "currency", "labels")),
    StepInfo(2, "resources", "Resources", ("data", "cutoff", "basis", "descriptors", "identifier_descriptors",
                                           "k_range", "stratify", "value"), reads_inputs=True),
    StepInfo(3, "method", "Method", ("method",)),
    StepInfo(4, "data", "Data", ("engine",)),
    StepInfo(5, "stability", "Stability", ("n_boot", "n_init", "seed", "start", "segment_names", "item_kinds")),
    StepInfo(6, "profiling", "Profiling", ()),
    StepInfo(7, "validation", "Validation", ()),
    StepInfo(8, "iteration", "Iteration", ("previous_run", "earlier_window_months")),
)


def get_step(step: str | int | StepInfo) -> StepInfo:
    """The step named by its number (``5``), key (``"stability"``) or file stem (``"05_stability"``).

    Raises
    ------
    UnknownStepError
        With the names allowed, when no step matches.

    Examples
    --------
    >>> get_step("05_stability").key
    'stability'
    >>> get_step(2).title
    'Resources'
    """
    if isinstance(step, StepInfo):
        return step
    for s in STEPS:
        if step in (s.number, s.key, s.name, str(s.number)):
            return s
    allowed = ", ".join(f"{s.number} / {s.key} / {s.name}" for s in STEPS)
    raise UnknownStepError(f"no step {step!r}; steps are {allowed}")


def steps_before(step: str | int | StepInfo) -> tuple[StepInfo, ...]:
    """The steps that run before ``step``."""
    n = get_step(step).number
    return tuple(s for s in STEPS if s.number < n)

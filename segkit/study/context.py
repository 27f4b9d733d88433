"""What a step function gets: the run folder, the study, the step, the window; and how to get one.

A step notebook starts with ``ctx = open_step("05_stability", run_dir, study_path)``
and hands ``ctx`` to the step's ``run``; a test builds the same context in-process
with :func:`new_context` or runs a chain of steps with :func:`run_steps`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segkit.config import StudyConfig, load_config
from segkit.errors import SegkitError
from segkit.i18n import Words, has_cjk, use_words, words_of
from segkit.study.artifacts import Artifact
from segkit.study.folder import FinishedRunError, RunFolder
from segkit.study.steps import STEPS, StepInfo, get_step
from segkit.study.window import StudyWindow

__all__ = ["PROGRESS_ENV", "StepContext", "new_context", "open_step", "run_step", "run_steps"]

#: Environment variable naming the file a step notebook appends its progress lines to (``segkit run`` prints them).
PROGRESS_ENV = "SEGKIT_PROGRESS"


def _silent(_: str) -> None:
    return None


def _progress_file(path: str | None) -> Callable[[str], None]:
    """Progress lines appended to ``path`` (for the runner to print), or dropped without one.

    A notebook's own output would end up in its report; this way the terminal shows what a long
    step is doing and the report stays clean.
    """
    if not path:
        return _silent

    def report(line: str) -> None:
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line.replace("\n", " ") + "\n")
        except OSError:
            pass  # progress is a courtesy; never fail a step over it

    return report


@dataclass
class StepContext:
    """Everything a step's ``run`` reads: where to read and write, the study, which step it is.

    Attributes
    ----------
    folder : RunFolder
        The run folder; artifacts are read and written through :meth:`read` and :meth:`write`.
    cfg : StudyConfig
        The study.
    step : StepInfo
        The step being run; it may write only the artifacts it owns.
    progress : callable
        Receives a line of text for work that takes more than a few seconds.
    """

    folder: RunFolder
    cfg: StudyConfig
    step: StepInfo
    progress: Callable[[str], None] = field(default=_silent)

    @property
    def window(self) -> StudyWindow | None:
        """The study window (None for a study without a cut-off)."""
        return StudyWindow.from_config(self.cfg)

    def _check_reader(self, artifact: Artifact) -> None:
        # The catalog's readers are the contract between steps: reading outside it is a bug here, not in the data.
        if self.step.key not in artifact.readers:
            raise SegkitError(f"step {self.step.name} reads {artifact.name}, but the artifact catalog does not list "
                              f"it among that artifact's readers ({', '.join(artifact.readers) or 'none'})")

    def read(self, artifact: Artifact) -> Any:
        """Read an artifact of an earlier step (see :meth:`RunFolder.read`)."""
        self._check_reader(artifact)
        return self.folder.read(artifact)

    def read_optional(self, artifact: Artifact) -> Any:
        """Read an artifact, or None when the study did not produce it."""
        self._check_reader(artifact)
        return self.folder.read_optional(artifact)

    def has(self, artifact: Artifact) -> bool:
        """Whether an earlier step wrote ``artifact``."""
        self._check_reader(artifact)
        return self.folder.has(artifact)

    def write(self, artifact: Artifact, data: Any) -> Path:
        """Write an artifact this step owns."""
        return self.folder.write(artifact, data, step=self.step)

    def for_step(self, step: str | int | StepInfo) -> StepContext:
        """The same folder and study, for another step."""
        return StepContext(self.folder, self.cfg, get_step(step), self.progress)


def _config(study: StudyConfig | str | Path) -> StudyConfig:
    return study if isinstance(study, StudyConfig) else load_config(study)


def new_context(run_dir: RunFolder | str | Path, study: StudyConfig | str | Path,
                step: str | int | StepInfo, *, progress: Callable[[str], None] = _silent) -> StepContext:
    """A context for ``step`` on ``run_dir`` (created if absent) and ``study`` (a config or a study file)."""
    folder = run_dir if isinstance(run_dir, RunFolder) else RunFolder(run_dir)
    folder.artifacts_dir.mkdir(parents=True, exist_ok=True)
    return StepContext(folder, _config(study), get_step(step), progress)


def open_step(step: str | int, run_dir: str | Path, study_path: str | Path) -> StepContext:
    """The context a step notebook works in, with the report figure style applied.

    Refuses a finished run folder: a finished run is never changed, whether by
    ``segkit run`` or by a notebook run by hand.

    Raises
    ------
    FinishedRunError
        When ``run_dir`` is a finished run, with the command that re-runs the
        step into a new folder.
    """
    from segkit.plots import set_theme, show_with_words

    folder = RunFolder(run_dir)
    info = get_step(step)
    if folder.is_finished:
        raise FinishedRunError(
            f"the run folder {folder.path} is finished and is never changed. To run step {info.name} again on "
            f"its earlier steps, run `segkit run {study_path} --from {info.name} --reuse {folder.path}`, which "
            "writes a new run folder, or set run_dir to a new folder and run the notebooks from step 1")
    ctx = new_context(folder, study_path, info, progress=_progress_file(os.environ.get(PROGRESS_ENV)))
    words = Words.from_config(ctx.cfg)
    use_words(words)
    if set_theme() is None and _needs_cjk(ctx.cfg):
        from segkit.display import callout

        callout(NO_CJK_FONT, kind="warn")
    show_with_words()
    return ctx


#: Said on a page whose figures may hold Chinese text when no CJK font is installed.
NO_CJK_FONT = ("No Chinese (CJK) font is installed, so Chinese text in the figures shows as empty boxes: install one "
               "(Debian/Ubuntu: apt-get install fonts-noto-cjk) and run the study again.")


def _needs_cjk(cfg: StudyConfig) -> bool:
    """Whether the figures may show Chinese: a zh report, or Chinese in the names and labels the study gives."""
    given = [*cfg.segment_names.values(), *cfg.labels.values(), *cfg.basis, *cfg.descriptors]
    return cfg.language == "zh" or any(has_cjk(t) for t in given)


def run_step(ctx: StepContext) -> Any:
    """Run the step of ``ctx``: call ``segkit.study.<key>.run(ctx)`` and return its result."""
    module = importlib.import_module(ctx.step.module)
    return module.run(ctx)


def run_steps(run_dir: RunFolder | str | Path, study: StudyConfig | str | Path,
              steps: Iterable[str | int] | None = None, *,
              progress: Callable[[str], None] = _silent) -> dict[str, Any]:
    """Run ``steps`` (default: all eight) in order, in-process, into ``run_dir``.

    This is how tests run a study on any data shape in seconds, without
    notebooks. Returns each step's result by step key.

    Examples
    --------
    >>> results = run_steps(tmp_path / "run", "data/demo/study.yaml", ["goals", "resources"])  # doctest: +SKIP
    >>> results["resources"].inventory["n_customers"]  # doctest: +SKIP
    5000
    """
    cfg = _config(study)
    chosen = [get_step(s) for s in steps] if steps is not None else list(STEPS)
    out: dict[str, Any] = {}
    with words_of(Words.from_config(cfg)):
        for info in chosen:
            out[info.key] = run_step(new_context(run_dir, cfg, info, progress=progress))
    return out

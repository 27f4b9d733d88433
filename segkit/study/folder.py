"""The run folder: where one run of a study keeps its reports, notebooks, artifacts and manifest.

::

    <out>/YYYY-MM-DD/<study>-<HHMMSS>/
      index.html             the entry page
      summary.html           the executive summary
      style.css              the one stylesheet every page links (relative, so a zipped folder still renders)
      NN_<step>.html         one report per step
      notebooks/             the executed notebooks
      artifacts/             what the steps hand each other (see segkit.study.artifacts)
      manifest.json          settings, input hashes, versions, per-step status and seconds

A run folder is created atomically and, once its run ends, never written again:
:meth:`RunFolder.finish` makes every file read-only and every later write is
refused.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.errors import SegkitError
from segkit.study.artifacts import Artifact
from segkit.study.steps import StepInfo, get_step

__all__ = ["FinishedRunError", "MissingArtifactError", "RunFolder"]

#: Run statuses after which the folder is never written again.
FINISHED_STATUSES = ("ok", "failed", "interrupted")
#: Parquet artifacts are zstd-compressed: a third smaller than the default snappy on the transactions copy, and
#: every reader (pandas, DuckDB, Spark) reads it.
PARQUET_COMPRESSION = "zstd"


class FinishedRunError(SegkitError):
    """A finished run folder was about to be changed."""


class MissingArtifactError(SegkitError):
    """A step needs an artifact an earlier step has not written."""


class RunFolder:
    """One run folder (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The folder. It need not exist yet for a scratch folder used by hand
        from a notebook; :meth:`create` makes a new dated one.

    Examples
    --------
    >>> import tempfile
    >>> from segkit.study import artifacts
    >>> run = RunFolder.create(tempfile.mkdtemp(), "demo", now=dt.datetime(2026, 1, 2, 3, 4, 5))
    >>> run.path.name
    'demo-030405'
    >>> _ = run.write(artifacts.BRIEF, {"goal": "g", "horizon": "long", "kpi": "k", "success_criteria": [],
    ...               "knockout_criteria": [], "min_segment_share": 0.05, "attractiveness": {}}, step="goals")
    >>> run.read(artifacts.BRIEF)["goal"]
    'g'
    """

    MANIFEST = "manifest.json"
    INDEX = "index.html"
    SUMMARY = "summary.html"
    #: One stylesheet per run folder; pages link it by this relative name instead of embedding it.
    STYLESHEET = "style.css"
    #: What a consultant hands to a client's CRM: the per-customer and segment workbooks.
    EXPORTS = "exports"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    # ------------------------------------------------------------------ layout
    @property
    def artifacts_dir(self) -> Path:
        return self.path / "artifacts"

    @property
    def notebooks_dir(self) -> Path:
        return self.path / "notebooks"

    @property
    def manifest_path(self) -> Path:
        return self.path / self.MANIFEST

    @property
    def index_path(self) -> Path:
        return self.path / self.INDEX

    @property
    def summary_path(self) -> Path:
        return self.path / self.SUMMARY

    @property
    def stylesheet_path(self) -> Path:
        return self.path / self.STYLESHEET

    @property
    def exports_dir(self) -> Path:
        return self.path / self.EXPORTS

    def html_path(self, step: str | int | StepInfo) -> Path:
        """The report of ``step``."""
        return self.path / get_step(step).html

    def notebook_path(self, step: str | int | StepInfo) -> Path:
        """The executed notebook of ``step``."""
        return self.notebooks_dir / f"{get_step(step).name}.ipynb"

    def artifact_path(self, artifact: Artifact) -> Path:
        return self.artifacts_dir / artifact.name

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(cls, out_dir: str | Path, name: str, *, now: dt.datetime | None = None) -> RunFolder:
        """Make a new, empty run folder ``<out_dir>/YYYY-MM-DD/<name>-HHMMSS`` (``-2``, ``-3`` in the same second).

        Raises
        ------
        FinishedRunError
            When ``out_dir`` lies inside a run folder (finished folders never change).
        """
        out = Path(out_dir).resolve()
        for folder in (out, *out.parents):
            if (folder / cls.MANIFEST).is_file() and (folder / "artifacts").is_dir():
                raise FinishedRunError(f"output folder {out} is inside the run folder {folder}, which must not "
                                       "change; choose another --out (e.g. reports)")
        now = now or dt.datetime.now()
        day = out / now.strftime("%Y-%m-%d")
        day.mkdir(parents=True, exist_ok=True)
        base = f"{name}-{now.strftime('%H%M%S')}"
        for i in range(1, 1000):
            candidate = day / (base if i == 1 else f"{base}-{i}")
            try:
                candidate.mkdir()  # atomic: two runs in the same second never share a folder
            except FileExistsError:
                continue
            run = cls(candidate)
            run.artifacts_dir.mkdir()
            run.notebooks_dir.mkdir()
            return run
        raise SegkitError(f"could not create a new run folder under {day}")

    # ------------------------------------------------------------------ manifest
    def read_manifest(self) -> dict[str, Any]:
        """The manifest, or an empty dict when the folder has none (a scratch folder)."""
        if not self.manifest_path.is_file():
            return {}
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically (a reader never sees half a file)."""
        self._check_writable()
        self._replace_manifest(manifest)

    def _replace_manifest(self, manifest: dict[str, Any]) -> None:
        tmp = self.path / f"{self.MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(self.manifest_path)

    def update_manifest(self, **changes: Any) -> dict[str, Any]:
        """Set top-level keys of the manifest; return the new manifest."""
        manifest = self.read_manifest()
        manifest.update(changes)
        self.write_manifest(manifest)
        return manifest

    @property
    def status(self) -> str | None:
        """The run's status from the manifest (``running``, ``ok``, ``failed``, ...), None without one."""
        return self.read_manifest().get("status")

    @property
    def is_finished(self) -> bool:
        """Whether the run has ended; a finished folder is never written again."""
        manifest = self.read_manifest()
        return bool(manifest.get("finished")) or manifest.get("status") in FINISHED_STATUSES

    def finish(self, status: str) -> None:
        """Record the final status and the time, and make every file read-only.

        This is the last write a run folder sees; it is refused on a folder
        that was already finished.
        """
        if status not in FINISHED_STATUSES:
            raise ValueError(f"status must be one of {FINISHED_STATUSES}, got {status!r}")
        manifest = self.read_manifest()
        if manifest.get("finished"):
            raise FinishedRunError(f"the run folder {self.path} was finished at {manifest['finished']}")
        manifest.update(status=status, finished=dt.datetime.now().isoformat(timespec="seconds"))
        self._replace_manifest(manifest)
        for p in self.path.rglob("*"):
            if p.is_file():
                p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))

    def _check_writable(self) -> None:
        if self.manifest_path.is_file() and self.is_finished:
            raise FinishedRunError(
                f"the run folder {self.path} is finished and is never changed. To re-run a step on it, run "
                f"`segkit run STUDY --from STEP --reuse {self.path}` (a new folder), or set run_dir to a new "
                "folder when running a notebook by hand")

    # ------------------------------------------------------------------ artifacts
    def has(self, artifact: Artifact) -> bool:
        """Whether ``artifact`` has been written."""
        return self.artifact_path(artifact).is_file()

    def read(self, artifact: Artifact) -> Any:
        """Read ``artifact``: a DataFrame for parquet, the decoded JSON otherwise.

        Raises
        ------
        MissingArtifactError
            Naming the step that writes it, when it is not there.
        """
        path = self.artifact_path(artifact)
        if not path.is_file():
            owner = next(s for s in _steps() if s.key == artifact.owner)
            raise MissingArtifactError(
                f"{artifact.name} is missing in {self.artifacts_dir}: it is written by step {owner.name}; "
                "run the steps before this one first (segkit run, or the earlier notebooks with the same run_dir)")
        if artifact.format == "parquet":
            return pd.read_parquet(path)
        return json.loads(path.read_text(encoding="utf-8"))

    def read_optional(self, artifact: Artifact) -> Any:
        """Like :meth:`read`, but None when the artifact was not written."""
        return self.read(artifact) if self.has(artifact) else None

    def write(self, artifact: Artifact, data: Any, *, step: str | int | StepInfo) -> Path:
        """Write ``artifact`` on behalf of ``step``; return its path.

        Raises
        ------
        SegkitError
            When ``step`` does not own the artifact, when a table lacks one of
            the catalog's columns (or a document one of its keys), or when the
            folder is finished.
        """
        info = get_step(step)
        if artifact.owner != info.key:
            raise SegkitError(f"step {info.name} may not write {artifact.name}: it belongs to step "
                              f"'{artifact.owner}'")
        self._check_writable()
        missing = [c for c in artifact.columns if not _has_key(data, c)]
        if artifact.format == "parquet" and not isinstance(data, pd.DataFrame):
            raise SegkitError(f"{artifact.name} is a table: give a DataFrame, got {type(data).__name__}")
        if missing:
            raise SegkitError(f"{artifact.name} must have {', '.join(artifact.columns)}; missing "
                              f"{', '.join(missing)}")
        path = self.artifact_path(artifact)
        path.parent.mkdir(parents=True, exist_ok=True)
        # written beside and renamed: a write cut short (disk full, a kill) never leaves half an artifact that a
        # later step or --reuse would take for the whole one
        tmp = path.with_name(f".{path.name}.partial")
        try:
            if artifact.format == "parquet":
                data.to_parquet(tmp, index=False, compression=PARQUET_COMPRESSION)
            else:
                tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable), encoding="utf-8")
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path

    def copy_artifacts(self, source: RunFolder, artifacts: list[Artifact]) -> list[str]:
        """Copy ``artifacts`` that exist in ``source`` into this folder (for re-used steps); return their names."""
        self._check_writable()
        copied = []
        for a in artifacts:
            src = source.artifact_path(a)
            if src.is_file():
                dst = self.artifact_path(a)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)  # copyfile: the copy is writable until this run finishes
                copied.append(a.name)
        return copied


def _has_key(data: Any, key: str) -> bool:
    """Whether a table has the column, a document the key, or every record of a list of records the key."""
    if isinstance(data, pd.DataFrame):
        return key in data.columns
    if isinstance(data, dict):
        return key in data
    if isinstance(data, list):
        return all(isinstance(r, dict) and key in r for r in data)
    return False


def _steps() -> tuple[StepInfo, ...]:
    from segkit.study.steps import STEPS

    return STEPS


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)

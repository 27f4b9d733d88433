"""Run a study: execute the eight notebooks with papermill into a dated run folder.

The run folder ``<out>/YYYY-MM-DD/<study>-<HHMMSS>/`` holds one self-contained
HTML report per step, the executed notebooks, ``artifacts/``, ``manifest.json``
and ``index.html``. Once the run ends the folder is never written again, and
its files are made read-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata as md
import json
import os
import platform
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segkit import __version__
from segkit.config import StudyConfig, load_config
from segkit.errors import DataError, SegkitError
from segkit.io import load_study_data

#: (file stem, title) of the eight steps, in order.
STEPS: list[tuple[str, str]] = [
    ("01_goals", "Goals"),
    ("02_resources", "Resources"),
    ("03_method", "Method"),
    ("04_data", "Data"),
    ("05_stability", "Stability"),
    ("06_profiling", "Profiling"),
    ("07_validation", "Validation"),
    ("08_iteration", "Iteration"),
]
#: Parameters every step notebook declares in its ``parameters`` cell.
STEP_PARAMETERS = ("run_dir", "study_path")

_PACKAGES = ("segkit", "numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "matplotlib",
             "seaborn", "duckdb", "pandera", "papermill", "nbconvert", "pyarrow", "kmodes")
_TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class StepRecord:
    """What happened to one step."""

    number: int
    name: str
    title: str
    status: str = "not run"  # "ok", "failed" or "not run"
    seconds: float | None = None
    error: str | None = None

    @property
    def html(self) -> str:
        return f"{self.name}.html"


@dataclass
class RunResult:
    """The outcome of :func:`run_study`."""

    run_dir: Path
    status: str
    steps: list[StepRecord] = field(default_factory=list)

    @property
    def failed_step(self) -> StepRecord | None:
        return next((s for s in self.steps if s.status == "failed"), None)

    @property
    def index(self) -> Path:
        return self.run_dir / "index.html"


def default_notebooks_dir() -> Path:
    """The ``notebooks/`` folder beside the package (the source checkout)."""
    return Path(__file__).resolve().parent.parent / "notebooks"


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks so large inputs do not fill memory."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        res = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None


def _check_inputs(cfg: StudyConfig) -> dict[str, dict[str, Any]]:
    """Every input file must exist before anything is written; return their hashes."""
    inputs = {}
    for table, path in cfg.input_files().items():
        if not path.is_file():
            raise DataError(f"the {table} file does not exist", file=str(path))
        inputs[table] = {"path": str(path), "bytes": path.stat().st_size, "sha256": sha256(path)}
    if cfg.previous_run is not None:
        prev = cfg.resolve(cfg.previous_run)
        if not (prev / "artifacts" / "assignments.parquet").is_file():
            raise DataError("previous_run must be a segkit run folder with artifacts/assignments.parquet",
                            file=str(prev))
    return inputs


def load_step_notebook(path: Path):
    """Read a step notebook (jupytext percent ``.py`` or ``.ipynb``) with deterministic cell ids."""
    import jupytext

    nb = jupytext.read(path)
    _normalise(nb, path.stem)
    return nb


def _normalise(nb, stem: str) -> None:
    # Random cell ids and a stale kernelspec would make reports differ between identical runs.
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem}-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)


def check_notebook_parameters(nb_dir: Path) -> None:
    """Each step notebook must declare the parameters the runner passes (papermill only warns)."""
    import tempfile

    import nbformat
    import papermill as pm

    with tempfile.TemporaryDirectory(prefix="segkit-") as tmp:
        for stem, _ in STEPS:
            path = nb_dir / f"{stem}.py"
            if not path.is_file():
                raise SegkitError(f"step notebook {path} is missing")
            ipynb = Path(tmp) / f"{stem}.ipynb"
            nbformat.write(load_step_notebook(path), ipynb)
            declared = set(pm.inspect_notebook(str(ipynb)).keys())
            missing = set(STEP_PARAMETERS) - declared
            if missing:
                raise SegkitError(f"notebook {path.name} does not declare parameters {sorted(missing)}")


def _check_out_dir(out_dir: Path) -> None:
    """A finished run folder is never changed: refuse to put new runs inside one."""
    for folder in (out_dir, *out_dir.parents):
        if (folder / "manifest.json").is_file() and (folder / "artifacts").is_dir():
            raise SegkitError(f"output folder {out_dir} is inside the run folder {folder}, which must not change; "
                              "choose another --out (e.g. reports)")


def _new_run_dir(out_dir: Path, name: str, now: dt.datetime) -> Path:
    day = out_dir / now.strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    base = f"{name}-{now.strftime('%H%M%S')}"
    for i in range(1, 1000):
        candidate = day / (base if i == 1 else f"{base}-{i}")
        try:
            candidate.mkdir()  # atomic: two runs in the same second never share a folder
            return candidate
        except FileExistsError:
            continue
    raise SegkitError(f"could not create a new run folder under {day}")


def _quiet_kernel_manager():
    """A kernel manager whose kernel process logs are not printed to the user's terminal.

    ipykernel warns on every start that it runs over TCP without encryption (harmless on
    localhost); cell output and errors travel over ZMQ, not the process's stderr, so nothing
    the report needs is lost.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["stderr"] = subprocess.DEVNULL
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def export_html(nb, *, resources: dict[str, Any]) -> str:
    """Export an executed notebook to a self-contained HTML report with the code hidden."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TemplateExporter.extra_template_basedirs = [str(_TEMPLATES)]
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    c.TemplateExporter.exclude_input = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "parameters", "injected-parameters"}
    c.TagRemovePreprocessor.remove_input_tags = {"remove-input", "hide-input"}
    exporter = HTMLExporter(config=c, template_name="segkit")
    res = {"segkit": resources, "segkit_css": (_TEMPLATES / "report.css").read_text(encoding="utf-8")}
    body, _ = exporter.from_notebook_node(nb, resources=res)
    return body


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return f"{type(exc).__name__}: {exc}"


def _make_read_only(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def run_study(
    study_path: Path | str,
    *,
    out_dir: Path | str = "reports",
    notebooks_dir: Path | str | None = None,
    progress: Callable[[str], None] = print,
    timeout: int = 3600,
    now: dt.datetime | None = None,
) -> RunResult:
    """Execute the eight steps of a study into a new dated run folder.

    Parameters
    ----------
    study_path : path
        The study file (YAML).
    out_dir : path
        Where dated run folders go.
    notebooks_dir : path, optional
        The step notebooks; defaults to ``notebooks/`` of the source checkout.
    progress : callable
        Receives one line of text per step.
    timeout : int
        Seconds a single cell may run.
    now : datetime, optional
        The run's time stamp (for tests).

    Returns
    -------
    RunResult
        ``status`` is ``"ok"`` or ``"failed"``; a failed run still has every
        step's HTML up to the failure, with the error shown.

    Raises
    ------
    ConfigError, DataError
        Before anything is written, when the study file or an input file is
        unusable (every stop rule of the data audit runs first).
    SegkitError
        When ``out_dir`` lies inside a run folder (finished folders never change).
    """
    import nbformat
    import papermill as pm

    study_path = Path(study_path).resolve()
    cfg = load_config(study_path)
    inputs = _check_inputs(cfg)
    out_dir = Path(out_dir).resolve()
    _check_out_dir(out_dir)
    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks_dir()
    check_notebook_parameters(nb_dir)
    # Read and audit the data once before any folder exists: unusable input stops here, with
    # nothing written (step 2 reads it again inside the run, where it is reported).
    load_study_data(cfg)

    now = now or dt.datetime.now()
    run_dir = _new_run_dir(out_dir, cfg.name, now)
    (run_dir / "artifacts").mkdir()
    (run_dir / "notebooks").mkdir()
    steps = [StepRecord(i + 1, stem, title) for i, (stem, title) in enumerate(STEPS)]
    manifest: dict[str, Any] = {
        "study": cfg.name,
        "title": cfg.title or cfg.name,
        "run_id": run_dir.name,
        "run_dir": str(run_dir),
        "started": now.isoformat(timespec="seconds"),
        "finished": None,
        "status": "running",
        "study_file": str(study_path),
        "study_file_sha256": sha256(study_path),
        "config": cfg.to_dict(),
        "seed": cfg.seed,
        "inputs": inputs,
        "segkit_version": __version__,
        "git_commit": _git_commit(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "steps": [],
    }
    _write_manifest(run_dir, manifest, steps)
    progress(f"segkit {__version__}: study '{cfg.name}' -> {run_dir}")

    env_backup = {k: os.environ.get(k) for k in ("PYTHONHASHSEED", "MPLBACKEND")}
    # Fixed hashing in the kernels keeps set/dict iteration, and so figures and tables, identical between runs.
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    failed = False
    try:
        for rec in steps:
            if failed:
                progress(f"[{rec.number}/8] {rec.title:<11} not run")
                continue
            t0 = time.perf_counter()
            nb = load_step_notebook(nb_dir / f"{rec.name}.py")
            out_nb = run_dir / "notebooks" / f"{rec.name}.ipynb"
            executed = None
            try:
                executed = pm.execute_notebook(
                    nb,
                    str(out_nb),
                    parameters={"run_dir": str(run_dir), "study_path": str(study_path)},
                    kernel_name="python3",
                    cwd=str(run_dir),
                    progress_bar=False,
                    execution_timeout=timeout,
                    log_output=False,
                    kernel_manager_class=_quiet_kernel_manager(),
                )
                rec.status = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure, timeouts included, fails the step
                rec.status = "failed"
                rec.error = _error_text(exc)
                failed = True
            rec.seconds = round(time.perf_counter() - t0, 2)
            if executed is None:
                executed = nbformat.read(out_nb, as_version=4) if out_nb.exists() else nb
            _normalise(executed, rec.name)
            nbformat.write(executed, out_nb)
            html = export_html(executed, resources=_html_resources(cfg, run_dir, rec, steps, study_path, now))
            (run_dir / rec.html).write_text(html, encoding="utf-8")
            line = f"[{rec.number}/8] {rec.title:<11} {rec.status:<6} {rec.seconds:6.1f} s"
            if rec.error:
                line += f"  {rec.error.splitlines()[0][:300]}"
            progress(line)
            _write_manifest(run_dir, manifest, steps)
    finally:
        for k, v in env_backup.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    status = "failed" if failed else "ok"
    manifest["status"] = status
    manifest["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    _write_manifest(run_dir, manifest, steps)
    from segkit.index_page import write_index

    write_index(run_dir, manifest)
    _make_read_only(run_dir)
    return RunResult(run_dir, status, steps)


def _html_resources(cfg, run_dir, rec, steps, study_path, now) -> dict[str, Any]:
    return {
        "study_title": cfg.title or cfg.name,
        "step_number": rec.number,
        "step_title": rec.title,
        "run_id": run_dir.name,
        "date": now.strftime("%Y-%m-%d %H:%M"),
        "version": __version__,
        "status": rec.status,
        "status_text": "FAILED" if rec.status == "failed" else rec.status,
        "error": rec.error or "",
        "steps": [{"number": s.number, "title": s.title, "html": s.html} for s in steps],
        "study_file": study_path.name,
        "notebook": f"{rec.name}.ipynb",
    }


def _write_manifest(run_dir: Path, manifest: dict[str, Any], steps: list[StepRecord]) -> None:
    manifest["steps"] = [
        {"step": s.name, "title": s.title, "status": s.status, "seconds": s.seconds, "error": s.error,
         "html": s.html if s.status != "not run" else None}
        for s in steps
    ]
    tmp = run_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(run_dir / "manifest.json")

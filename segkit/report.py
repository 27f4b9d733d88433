"""Run a study: execute the step notebooks with papermill into a new run folder.

The run folder (see :mod:`segkit.study.folder`) gets one self-contained HTML
report per step, the executed notebooks, the artifacts, ``manifest.json`` and
``index.html``. Once the run ends the folder is never written again. Part of a
study can be re-run into a new folder, re-using the earlier steps of a finished
run (``start``/``only`` with ``reuse``) when the settings and inputs those steps
depend on are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata as md
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segkit import __version__
from segkit.config import StudyConfig, load_config
from segkit.errors import DISK_FULL, ConfigError, DataError, SegkitError, mentions_disk_full, os_error_text
from segkit.pages import compact_notebook_images, write_page
from segkit.study import artifacts
from segkit.study.folder import RunFolder
from segkit.study.reuse import check_reuse
from segkit.study.steps import STEPS, StepInfo, get_step

#: Parameters every step notebook declares in its ``parameters`` cell.
STEP_PARAMETERS = ("run_dir", "study_path")

_PACKAGES = ("segkit", "numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "matplotlib",
             "seaborn", "duckdb", "pandera", "papermill", "nbconvert", "pyarrow", "kmodes")
_TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class StepRecord:
    """What happened to one step of a run."""

    number: int
    name: str
    title: str
    status: str = "not run"  # "ok", "failed", "reused" or "not run"
    seconds: float | None = None
    error: str | None = None
    peak_mb: float | None = None
    reused_from: str | None = None

    @property
    def html(self) -> str:
        return get_step(self.name).html

    def as_manifest(self) -> dict[str, Any]:
        return {"step": self.name, "title": self.title, "status": self.status, "seconds": self.seconds,
                "peak_mb": self.peak_mb, "error": self.error, "reused_from": self.reused_from,
                "html": self.html if self.status != "not run" else None}


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
        return RunFolder(self.run_dir).index_path


def notebooks_dir() -> Path:
    """The step notebooks: inside the installed package, or ``notebooks/`` of a source checkout.

    Raises
    ------
    SegkitError
        When neither exists (a broken installation).
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "notebooks", here.parent / "notebooks"):
        if (folder / STEPS[0].notebook).is_file():
            return folder
    raise SegkitError(f"the step notebooks are missing from this installation of segkit ({here}); reinstall it")


#: Kept for callers of the first version.
default_notebooks_dir = notebooks_dir


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks so large inputs do not fill memory."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run's numbers depend on."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        res = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None


def check_inputs(cfg: StudyConfig) -> dict[str, dict[str, Any]]:
    """Every input file must exist before anything is written; return their sizes and hashes."""
    inputs = {}
    for table, path in cfg.input_files().items():
        if not path.is_file():
            raise DataError(f"the {table} file does not exist", file=str(path))
        inputs[table] = {"path": str(path), "bytes": path.stat().st_size, "sha256": sha256(path)}
    if cfg.previous_run is not None:
        prev = RunFolder(cfg.resolve(cfg.previous_run))
        if not prev.has(artifacts.ASSIGNMENTS):
            raise DataError(f"previous_run must be a segkit run folder with artifacts/{artifacts.ASSIGNMENTS.name}",
                            file=str(prev.path))
    if cfg.start is not None:
        from segkit.methods.start import check_start_source

        check_start_source(cfg)
    return inputs


def load_step_notebook(path: Path, language: str = "en") -> Any:
    """Read a step notebook (jupytext percent ``.py`` or ``.ipynb``) with deterministic cell ids.

    The headings of its Markdown cells are put in the report's ``language`` (:mod:`segkit.i18n`);
    the text its code cells show is translated as it is displayed (:mod:`segkit.display`).
    """
    import jupytext

    from segkit.i18n import translate_markdown

    nb = jupytext.read(path)
    normalise_notebook(nb, path.stem)
    if language != "en":
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = translate_markdown(cell.source, language)
    return nb


def normalise_notebook(nb: Any, stem: str) -> None:
    """Deterministic cell ids and a plain ``python3`` kernelspec (random ids would make reports differ)."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem}-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)


#: Notebooks found to declare their parameters, by path, modification time and size (a changed file is checked again).
_CHECKED_NOTEBOOKS: set[tuple[str, int, int]] = set()


def check_notebook_parameters(nb_dir: Path, names: list[str] | None = None) -> None:
    """Each step notebook must declare the parameters the runner passes (papermill only warns)."""
    import tempfile

    def key(path: Path) -> tuple[str, int, int]:
        st = path.stat()
        return str(path.resolve()), st.st_mtime_ns, st.st_size

    stems = names or [s.name for s in STEPS]
    paths = [nb_dir / f"{stem}.py" for stem in stems]
    if all(p.is_file() and key(p) in _CHECKED_NOTEBOOKS for p in paths):
        return

    import nbformat
    import papermill as pm

    with tempfile.TemporaryDirectory(prefix="segkit-") as tmp:
        for stem in names or [s.name for s in STEPS]:
            path = nb_dir / f"{stem}.py"
            if not path.is_file():
                raise SegkitError(f"step notebook {path} is missing")
            ipynb = Path(tmp) / f"{stem}.ipynb"
            nbformat.write(load_step_notebook(path), ipynb)
            declared = set(pm.inspect_notebook(str(ipynb)).keys())
            missing = set(STEP_PARAMETERS) - declared
            if missing:
                raise SegkitError(f"notebook {path.name} does not declare parameters {sorted(missing)}")
            _CHECKED_NOTEBOOKS.add(key(path))


def quiet_kernel_manager() -> type:
    """A kernel manager that keeps kernel logs off the terminal and records the kernel's peak memory.

    ipykernel warns on every start that it runs over TCP without encryption (harmless on
    localhost); cell output and errors travel over ZMQ, not the process's stderr, so nothing
    the report needs is lost. The peak resident memory (Linux ``VmHWM``) is read just before
    the kernel is shut down and left in ``QuietKernelManager.last_peak_mb``.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        last_peak_mb: float | None = None

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw["stderr"] = subprocess.DEVNULL
            await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            pid = getattr(self.provisioner, "pid", None)
            type(self).last_peak_mb = _peak_mb(pid)
            await super()._async_shutdown_kernel(now=now, restart=restart)

        # AsyncKernelManager binds shutdown_kernel to its own coroutine when the class is made
        shutdown_kernel = _async_shutdown_kernel

    return QuietKernelManager


def _peak_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        return None
    return None


@dataclass
class Execution:
    """One notebook executed by :func:`execute_notebook`."""

    notebook: Any
    status: str
    error: str | None
    seconds: float
    peak_mb: float | None


def execute_notebook(nb: Any, out_nb: Path, *, parameters: dict[str, Any], cwd: Path, stem: str,
                     timeout: int = 3600) -> Execution:
    """Execute ``nb`` with papermill into ``out_nb``; a failure (timeouts included) is returned, not raised."""
    import nbformat
    import papermill as pm

    manager = quiet_kernel_manager()
    t0 = time.perf_counter()
    executed, status, error = None, "ok", None
    try:
        executed = pm.execute_notebook(nb, str(out_nb), parameters=parameters, kernel_name="python3",
                                       cwd=str(cwd), progress_bar=False, execution_timeout=timeout,
                                       log_output=False, kernel_manager_class=manager)
    except Exception as exc:  # noqa: BLE001 - any failure, timeouts included, fails the step
        status, error = "failed", error_text(exc)
    seconds = round(time.perf_counter() - t0, 2)
    if executed is None:
        executed = nbformat.read(out_nb, as_version=4) if out_nb.exists() else nb
    normalise_notebook(executed, stem)
    # the figures are most of a report's bytes; stored once compact, the page exported from it is compact too
    compact_notebook_images(executed)
    nbformat.write(executed, out_nb)
    return Execution(executed, status, error, seconds, getattr(manager, "last_peak_mb", None))


def export_html(nb: Any, *, resources: dict[str, Any]) -> str:
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
    # the page's language: a browser picks CJK fonts and line breaking by it (report.css's zh rules);
    # nbconvert takes an ISO 639-1 code only ("zh", not "zh-CN")
    c.HTMLExporter.language_code = str(resources.get("lang") or "en").split("-")[0]
    exporter = HTMLExporter(config=c, template_name="segkit")
    res = {"segkit": resources, "segkit_css": (_TEMPLATES / "report.css").read_text(encoding="utf-8")}
    body, _ = exporter.from_notebook_node(nb, resources=res)
    return body


def error_text(exc: BaseException) -> str:
    """``Name: message`` of an exception (papermill's cell errors carry the kernel's)."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return f"{type(exc).__name__}: {exc}"


def _plan(start: str | int | None, only: str | int | None, reuse: Path | str | None) -> tuple[int, int]:
    """First and last step number to execute; the steps before the first are re-used."""
    if start is not None and only is not None:
        raise ConfigError("give --from or --only, not both")
    chosen = only if only is not None else start
    first = get_step(chosen).number if chosen is not None else 1
    last = first if only is not None else len(STEPS)
    if first > 1 and reuse is None:
        raise ConfigError(f"running from step {STEPS[first - 1].name} needs --reuse RUN: the finished run whose "
                          "earlier steps to re-use")
    if first == 1 and reuse is not None:
        raise ConfigError("--reuse needs --from or --only with a step after 01_goals (nothing to re-use)")
    return first, last


def _raise_on_sigterm() -> Any:
    """Turn SIGTERM into KeyboardInterrupt while a run goes, so the run is marked interrupted like after Ctrl-C."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    return signal.signal(signal.SIGTERM, handler)


def _restore_sigterm(previous: Any) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def mark_stale_runs(out_dir: Path | str) -> list[Path]:
    """Mark as interrupted every run under ``out_dir`` still "running" whose process on this machine is gone.

    A run killed with ``kill -9`` (or stopped with the machine) never reaches its last write; the
    next segkit that reads the reports folder finds it here, so no run looks forever "running".

    Returns
    -------
    list of Path
        The run folders marked.
    """
    out = Path(out_dir)
    marked: list[Path] = []
    if not out.is_dir():
        return marked
    host = platform.node()
    for path in sorted(out.glob(f"*/*/{RunFolder.MANIFEST}")):
        run = RunFolder(path.parent)
        try:
            manifest = run.read_manifest()
        except (OSError, ValueError):
            continue
        pid = manifest.get("pid")
        if manifest.get("status") != "running" or manifest.get("finished") or not isinstance(pid, int):
            continue
        if manifest.get("host") != host or _process_alive(pid):
            continue
        manifest["error"] = (f"the process (pid {pid}) ended without finishing the run: killed, or the machine "
                             "stopped; its steps marked running did not complete")
        try:
            run.write_manifest(manifest)
            run.finish("interrupted")
        except OSError:
            continue
        marked.append(run.path)
    return marked


def check_out_dir(out_dir: Path | str, *, what: str = "the run folder") -> None:
    """Refuse an output folder that cannot be created or written, before any input is read.

    Raises
    ------
    ConfigError
        Naming the folder and what is in the way (a file, or no write permission).

    Examples
    --------
    >>> check_out_dir("/proc/segkit-reports")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    segkit.errors.ConfigError: --out /proc/segkit-reports: /proc is not writable (...), so the run folder ...
    """
    out = Path(out_dir).resolve()
    name = f"--out {out_dir}" if what == "the run folder" else str(out_dir)
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{name}: {probe} is a file, so {what} cannot be created there")
    import tempfile

    try:
        # a real write, not os.access: root passes os.access on a read-only file system
        with tempfile.TemporaryFile(dir=probe, prefix=".segkit-probe-"):
            pass
    except OSError as err:
        raise ConfigError(f"{name}: {probe} is not writable ({err.strerror or err}), so {what} cannot be "
                          "created there") from None


def _check_data(cfg: StudyConfig, progress: Callable[[str], None] = print) -> Any:
    """Read and audit the data, and check names and the named method, before any folder exists.

    Unusable input stops here with nothing written. The audited data are returned: the run
    hands them to its new folder, where step 2 takes them over instead of reading the files
    again (:func:`segkit.study.resources.stage_audit`).
    """
    from segkit.brief import make_brief
    from segkit.study.method import check_named_method
    from segkit.study.resources import assess, check_basis_values, check_descriptors, check_window, read_inputs

    t0 = time.perf_counter()
    data = read_inputs(cfg, progress=progress)
    check_window(cfg, data)
    for note in check_descriptors(cfg, data):
        progress(f"warning: {note}")
    check_basis_values(cfg, data)
    _, ranked = assess(cfg, make_brief(cfg), data)
    check_named_method(cfg.method, ranked)
    seconds = time.perf_counter() - t0
    if seconds > PROGRESS_SECONDS:
        progress(f"inputs read and checked in {seconds:.1f} s")
    return data


#: Work that takes longer than this (seconds) is reported in the terminal as it goes.
PROGRESS_SECONDS = 3.0
#: A report page above this size is slow to open and too large to mail; figures aggregate so that none reaches it.
MAX_PAGE_BYTES = 5 * 2**20


def page_size_warning(name: str, n_bytes: int, limit: int = MAX_PAGE_BYTES) -> str | None:
    """The terminal's warning about a report page above ``limit`` bytes, or None.

    Examples
    --------
    >>> page_size_warning("06_profiling.html", 1_000_000) is None
    True
    >>> page_size_warning("06_profiling.html", 7 * 2**20)[:64]
    'the page 06_profiling.html is 7.0 MB, above the 5.0 MB a report '
    """
    if n_bytes <= limit:
        return None
    return (f"the page {name} is {n_bytes / 2**20:.1f} MB, above the {limit / 2**20:.1f} MB a report page should "
            "stay under; a figure or table on it draws every customer instead of aggregating")


class _ProgressRelay:
    """Lines a step notebook reports (:func:`segkit.study.context.open_step`), printed by the runner.

    The kernel appends them to a file named in the environment variable ``SEGKIT_PROGRESS``; a
    thread prints each new line. Nothing of it reaches the notebook's output, so the reports
    stay free of it.
    """

    def __init__(self, progress: Callable[[str], None]) -> None:
        import tempfile
        import threading

        from segkit.study.context import PROGRESS_ENV

        fd, name = tempfile.mkstemp(prefix="segkit-progress-", suffix=".log")
        os.close(fd)
        self.path = Path(name)
        self.env = PROGRESS_ENV
        self._progress = progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> _ProgressRelay:
        self._old = os.environ.get(self.env)
        os.environ[self.env] = str(self.path)
        self._thread.start()
        return self

    def _follow(self) -> None:
        with open(self.path, encoding="utf-8") as fh:
            while True:
                line = fh.readline()
                if line:
                    self._progress(f"      {line.rstrip()}")
                    continue
                if self._stop.is_set():
                    return
                self._stop.wait(0.5)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self._old is None:
            os.environ.pop(self.env, None)
        else:
            os.environ[self.env] = self._old
        self.path.unlink(missing_ok=True)


def run_study(
    study_path: Path | str,
    *,
    out_dir: Path | str = "reports",
    notebooks: Path | str | None = None,
    progress: Callable[[str], None] = print,
    timeout: int = 3600,
    now: dt.datetime | None = None,
    start: str | int | None = None,
    only: str | int | None = None,
    reuse: Path | str | None = None,
) -> RunResult:
    """Execute the steps of a study into a new dated run folder.

    Parameters
    ----------
    study_path : path
        The study file (YAML).
    out_dir : path
        Where dated run folders go.
    notebooks : path, optional
        The step notebooks; defaults to :func:`notebooks_dir`.
    progress : callable
        Receives one line of text per step.
    timeout : int
        Seconds a single cell may run.
    now : datetime, optional
        The run's time stamp (for tests).
    start, only : str or int, optional
        Execute from this step to the end, or only this step (number, key or
        file stem); the steps before it are re-used from ``reuse``.
    reuse : path, optional
        A finished run folder whose earlier steps to re-use. Its input hashes
        and the settings those steps depend on must equal this study's.

    Returns
    -------
    RunResult
        ``status`` is ``"ok"`` or ``"failed"``; a failed run still has every
        step's HTML up to the failure, with the error shown.

    Raises
    ------
    ConfigError, DataError
        Before anything is written, when the study file or an input file is
        unusable (every stop rule of the data audit runs first), or when the
        re-used run differs in what its steps depend on.
    SegkitError
        When ``out_dir`` lies inside a run folder (finished folders never change).
    """
    study_path = Path(study_path).resolve()
    cfg = load_config(study_path)
    first, last = _plan(start, only, reuse)
    from segkit.exports import pseudonym_key

    pseudonym_key(cfg.share)  # a missing key stops the run before anything is written
    inputs = check_inputs(cfg)
    reused_steps = [s for s in STEPS if s.number < first]
    source = RunFolder(reuse) if reuse is not None else None
    if source is not None:
        check_reuse(source, cfg, inputs, reused_steps)
    nb_dir = Path(notebooks) if notebooks else notebooks_dir()
    check_notebook_parameters(nb_dir, [s.name for s in STEPS if first <= s.number <= last])
    check_out_dir(out_dir)
    for stale in mark_stale_runs(out_dir):
        progress(f"marked {stale} as interrupted: its process ended without finishing it")
    data = None
    t_check = time.perf_counter()
    if not any(s.reads_inputs for s in reused_steps):
        data = _check_data(cfg, progress)

    now = now or dt.datetime.now()
    run = RunFolder.create(out_dir, cfg.name, now=now)
    # the audit ran in this process, before step 2's kernel: its cost belongs in the per-step record too
    input_check = None if data is None else {"seconds": round(time.perf_counter() - t_check, 2),
                                             "peak_mb": _peak_mb(os.getpid())}
    records = [StepRecord(s.number, s.name, s.title) for s in STEPS]
    manifest: dict[str, Any] = {
        "study": cfg.name, "title": cfg.title or cfg.name, "run_id": run.path.name,
        "started": now.isoformat(timespec="seconds"), "finished": None, "status": "running",
        "study_file": study_path.name, "study_file_sha256": sha256(study_path), "config": cfg.to_dict(),
        "seed": cfg.seed, "inputs": {k: {**v, "path": Path(v["path"]).name} for k, v in inputs.items()},
        "segkit_version": __version__, "git_commit": _git_commit(), "platform": platform.platform(),
        "packages": package_versions(), "reused": None, "steps": [],
        # reading and auditing the inputs in this process, before step 2 (None when step 2 is re-used)
        "input_check": input_check,
        # who is running it: a later segkit finds a run whose process is gone (kill -9) by these
        "pid": os.getpid(), "host": platform.node(),
    }

    def save() -> None:
        manifest["steps"] = [r.as_manifest() for r in records]
        run.write_manifest(manifest)

    # from here a SIGTERM finishes the run folder as interrupted, as Ctrl-C does
    old_term = _raise_on_sigterm()
    try:
        save()
        progress(f"segkit {__version__}: study '{cfg.name}' -> {run.path}")
        if data is not None:
            from segkit.study.resources import stage_audit

            # each input is read once per run: step 2 takes over what the check read
            stage_audit(data, cfg, run)
            del data
        if source is not None:
            manifest["reused"] = _reuse_steps(run, source, reused_steps, records, cfg, study_path, now)
            for rec in records[: first - 1]:
                progress(f"[{rec.number}/8] {rec.title:<11} reused from {source.path.name}")
            save()
    except (OSError, KeyboardInterrupt) as err:
        # before any step ran: the folder is finished, saying why, and the error goes on to the caller
        from segkit.study.resources import STAGED_AUDIT

        interrupted = not isinstance(err, OSError)
        manifest["error"] = os_error_text(err) if isinstance(err, OSError) else "interrupted before the first step"
        shutil.rmtree(run.path / STAGED_AUDIT, ignore_errors=True)
        _close_run(run, manifest, records, "interrupted" if interrupted else "failed", progress)
        _restore_sigterm(old_term)
        raise

    env_backup = {k: os.environ.get(k) for k in ("PYTHONHASHSEED", "MPLBACKEND")}
    # Fixed hashing in the kernels keeps set/dict iteration, and so figures and tables, identical between runs.
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    failed = False
    status = "failed"
    relay = _ProgressRelay(progress)
    try:
        relay.__enter__()
        for rec in records[first - 1: last]:
            if failed:
                progress(f"[{rec.number}/8] {rec.title:<11} not run")
                _write_not_run_page(run, rec, records, cfg, study_path, now)
                continue
            t0 = time.perf_counter()
            too_big = None
            try:
                ex = execute_notebook(load_step_notebook(nb_dir / f"{rec.name}.py", cfg.language),
                                      run.notebook_path(rec.name),
                                      parameters={"run_dir": str(run.path), "study_path": str(study_path)},
                                      cwd=run.path, stem=rec.name, timeout=timeout)
                rec.status, rec.error, rec.seconds, rec.peak_mb = ex.status, ex.error, ex.seconds, ex.peak_mb
                if rec.error and mentions_disk_full(rec.error):
                    rec.error = f"{DISK_FULL}: {rec.error}"
                failed = ex.status == "failed"
                html = export_html(ex.notebook, resources=_html_resources(cfg, run, rec, records, study_path, now))
                write_page(run, run.html_path(rec.name), html)
                too_big = page_size_warning(run.html_path(rec.name).name, len(html.encode("utf-8")))
            except OSError as err:
                # the runner's own writes (notebook, report, manifest): the step is failed, the run stops
                rec.status, rec.error, failed = "failed", os_error_text(err), True
                rec.seconds = rec.seconds if rec.seconds is not None else round(time.perf_counter() - t0, 2)
            line = f"[{rec.number}/8] {rec.title:<11} {rec.status:<6} {rec.seconds:6.1f} s"
            if rec.peak_mb is not None:
                line += f"  peak {rec.peak_mb / 1024:.2f} GB"
            if rec.error:
                line += f"  {rec.error.splitlines()[0][:300]}"
            progress(line)
            if too_big:
                progress(f"      {too_big}")
            try:
                save()
            except OSError as err:
                if not failed:
                    rec.status, rec.error, failed = "failed", os_error_text(err), True
                    progress(f"[{rec.number}/8] {rec.title:<11} failed  {rec.error}")
        status = "failed" if failed else "ok"
    finally:
        relay.__exit__()
        _restore_sigterm(old_term)
        from segkit.study.resources import STAGED_AUDIT

        # a staged audit step 2 did not take over (it failed, or was not run) is no part of the run
        shutil.rmtree(run.path / STAGED_AUDIT, ignore_errors=True)
        for k, v in env_backup.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        final = status if status == "ok" or failed else "interrupted"
        write_handover(run, {**manifest, "status": final}, cfg, progress)
        _close_run(run, manifest, records, final, progress)
    return RunResult(run.path, status, records)


def _close_run(run: RunFolder, manifest: dict[str, Any], records: list[StepRecord], final: str,
               progress: Callable[[str], None]) -> None:
    """Write the index and finish the run folder, even when the disk is full.

    The manifest (a small file replaced atomically) is tried after the index; when even it cannot be
    written, the run stays "running" with this process gone, and the next segkit that reads the reports
    folder marks it interrupted (:func:`mark_stale_runs`).
    """
    from segkit.index_page import write_index

    manifest["steps"] = [r.as_manifest() for r in records]
    try:
        run.write_manifest(manifest)
        write_index(run.path, {**manifest, "status": final})
    except OSError as err:
        progress(f"the index page could not be written: {os_error_text(err)}")
    try:
        run.finish(final)
    except OSError as err:
        progress(f"the run folder could not be marked {final!r} ({os_error_text(err)}); the next segkit run into "
                 "this reports folder marks it interrupted")


def write_handover(run: RunFolder, manifest: dict[str, Any], cfg: StudyConfig,
                   progress: Callable[[str], None] = print) -> None:
    """The pages and files a consultant hands over: the per-customer and segment exports, the executive summary.

    Written once the steps are done, from their artifacts; a run whose step 5 did not finish has no
    segments, so no exports, and a summary page that says so. A failure here is reported and leaves the
    reports as they are.
    """
    from segkit.exports import pseudonym_key, write_exports
    from segkit.summary import write_summary, write_summary_error

    export_rows = None
    if run.has(artifacts.ASSIGNMENTS) and run.has(artifacts.CUSTOMER_TABLE):
        try:
            export = write_exports(run.path, key=pseudonym_key(cfg.share))
            export_rows = (export.n_rows, export.n_excluded)
        except Exception as exc:  # noqa: BLE001 - the step reports stay; the terminal names what went wrong
            progress(f"the exports were not written: {error_text(exc)}")
    # every step page links to summary.html: it is always written, saying why when there are no segments
    try:
        write_summary(run.path, manifest, export_rows=export_rows)
    except Exception as exc:  # noqa: BLE001 - as above; the page then says why there is no summary
        progress(f"the executive summary was not written: {error_text(exc)}")
        write_summary_error(run.path, manifest, error_text(exc))


def _reuse_steps(run: RunFolder, source: RunFolder, steps: list[StepInfo], records: list[StepRecord],
                 cfg: StudyConfig, study_path: Path, now: dt.datetime) -> dict[str, Any]:
    """Copy the re-used steps' artifacts and executed notebooks; re-export their reports for this run."""
    import nbformat

    owned = [a for a in artifacts.CATALOG if a.owner in {s.key for s in steps}]
    copied = run.copy_artifacts(source, owned)
    for s in steps:
        rec = records[s.number - 1]
        rec.status, rec.reused_from, rec.seconds = "reused", source.path.name, 0.0
        src_nb = source.notebook_path(s)
        if src_nb.is_file():
            nb = nbformat.read(src_nb, as_version=4)
            nbformat.write(nb, run.notebook_path(s))
            html = export_html(nb, resources=_html_resources(cfg, run, rec, records, study_path, now))
            write_page(run, run.html_path(s), html)
    return {"from": str(source.path), "steps": [s.name for s in steps], "artifacts": copied}


def _write_not_run_page(run: RunFolder, rec: StepRecord, records: list[StepRecord], cfg: StudyConfig,
                        study_path: Path, now: dt.datetime) -> None:
    """A short page for a step that did not run, naming the step that failed: no page links to a missing one."""
    import nbformat

    from segkit.i18n import translate

    failed = next((r for r in records if r.status == "failed"), None)
    if failed is None:
        return
    text = translate("This step was not run, because step {number} ({title}) failed before it; its report "
                     "[{html}]({html}) shows the error.", cfg.language).format(
        number=failed.number, title=translate(failed.title, cfg.language), html=failed.html)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text)]
    resources = _html_resources(cfg, run, rec, records, study_path, now)
    # no notebook was executed for this step, so the footer names none
    resources["footer"] = translate("Produced by segkit {version} from study file {study}; inputs and settings are "
                                    "recorded in manifest.json.", cfg.language).format(version=__version__,
                                                                                       study=study_path.name)
    try:
        write_page(run, run.html_path(rec.name), export_html(nb, resources=resources))
    except OSError:
        pass  # a courtesy page: a full disk is reported by the step that met it


def _html_resources(cfg: StudyConfig, run: RunFolder, rec: StepRecord, steps: list[StepRecord],
                    study_path: Path, now: dt.datetime) -> dict[str, Any]:
    from segkit.i18n import translate

    def t(text: str, **values: Any) -> str:
        return translate(text, cfg.language).format(**values)

    status_text = {"failed": t("FAILED"), "reused": t("re-used from run {run}", run=rec.reused_from)}.get(
        rec.status, t(rec.status))
    return {
        "lang": "zh-CN" if cfg.language == "zh" else cfg.language,
        "study_title": cfg.title or cfg.name,
        "step_number": rec.number,
        "step_heading": t("Step {n} of 8", n=rec.number),
        "step_title": t(rec.title),
        "overview": t("Overview"),
        "summary": t("Summary"),
        "failed_text": t("This step failed: {error}. The output up to the failure is shown below; later steps were "
                         "not run.", error=rec.error or ""),
        "footer": t("Produced by segkit {version} from study file {study}; inputs and settings are recorded in "
                    "manifest.json. The executed notebook is notebooks/{notebook}.", version=__version__,
                    study=study_path.name, notebook=f"{rec.name}.ipynb"),
        "run_text": t("Run {run}", run=run.path.name),
        "run_id": run.path.name,
        "date": now.strftime("%Y-%m-%d %H:%M"),
        "version": __version__,
        "status": rec.status,
        "status_text": status_text,
        "error": rec.error or "",
        "steps": [{"number": s.number, "title": t(s.title), "html": s.html} for s in steps],
        "study_file": study_path.name,
        "notebook": f"{rec.name}.ipynb",
    }

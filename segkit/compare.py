"""``segkit compare RUN_A RUN_B``: migration, agreement and drift between two finished runs, as a dated report."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from segkit import __version__
from segkit.errors import DataError
from segkit.study import artifacts
from segkit.study.folder import RunFolder

_NOTEBOOK = "compare_runs.py"


def _check_run(path: Path) -> dict:
    run = RunFolder(path)
    if not run.manifest_path.is_file():
        raise DataError(f"not a segkit run folder: {run.MANIFEST} is missing", file=str(path))
    for need in (artifacts.ASSIGNMENTS, artifacts.CUSTOMER_TABLE):
        if not run.has(need):
            raise DataError(f"not a finished segkit run folder: artifacts/{need.name} is missing", file=str(path))
    return run.read_manifest()


def compare_runs(run_a: Path | str, run_b: Path | str, *, out_dir: Path | str = "reports",
                 notebooks_dir: Path | str | None = None, now: dt.datetime | None = None) -> Path:
    """Compare two run folders into ``<out_dir>/YYYY-MM-DD/compare-<a>-vs-<b>-HHMMSS/compare.html``.

    Parameters
    ----------
    run_a, run_b : path
        The earlier and the later run folder (``segkit run`` output).
    out_dir : path
        Where the dated comparison folder goes.

    Returns
    -------
    Path
        The comparison's HTML report.

    Raises
    ------
    DataError
        If a folder is not a finished run.
    """
    from segkit.report import execute_notebook, export_html, load_step_notebook
    from segkit.report import notebooks_dir as default_notebooks

    run_a, run_b = Path(run_a).resolve(), Path(run_b).resolve()
    man_a, man_b = _check_run(run_a), _check_run(run_b)
    now = now or dt.datetime.now()
    run = RunFolder.create(out_dir, f"compare-{man_a['study']}-vs-{man_b['study']}", now=now)
    folder = run.path
    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks()
    nb = load_step_notebook(nb_dir / _NOTEBOOK)
    out_nb = folder / "compare.ipynb"
    t0 = time.perf_counter()
    ex = execute_notebook(nb, out_nb, parameters={"run_a": str(run_a), "run_b": str(run_b), "run_dir": str(folder)},
                          cwd=folder, stem="compare")
    status, error, executed = ex.status, ex.error, ex.notebook
    resources = {"study_title": f"{man_a['title']} vs {man_b['title']}", "step_number": None,
                 "step_title": f"Comparison of run {man_a['run_id']} with run {man_b['run_id']}",
                 "run_id": folder.name, "date": now.strftime("%Y-%m-%d %H:%M"), "version": __version__,
                 "status": status, "status_text": status.upper(), "error": error or "", "steps": [],
                 "study_file": "-", "notebook": "compare.ipynb"}
    html = folder / "compare.html"
    html.write_text(export_html(executed, resources=resources), encoding="utf-8")
    run.write_manifest({"run_a": run_a.name, "run_b": run_b.name, "status": "running", "error": error,
                        "seconds": round(time.perf_counter() - t0, 2), "segkit_version": __version__,
                        "started": now.isoformat(timespec="seconds")})
    run.finish(status)
    if status != "ok":
        raise DataError(f"the comparison failed: {error}; see {html}")
    return html

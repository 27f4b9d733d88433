"""``segkit compare RUN_A RUN_B``: migration, agreement and drift between two finished runs, as a dated report."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from segkit import __version__
from segkit.errors import DataError

_NOTEBOOK = "compare_runs.py"


def _check_run(path: Path) -> dict:
    for need in ("manifest.json", "artifacts/assignments.parquet", "artifacts/customer_table.parquet"):
        if not (path / need).is_file():
            raise DataError(f"not a finished segkit run folder: {need} is missing", file=str(path))
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


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
    import nbformat
    import papermill as pm

    from segkit.report import (_error_text, _make_read_only, _new_run_dir, _normalise, _quiet_kernel_manager,
                               default_notebooks_dir, export_html, load_step_notebook)

    run_a, run_b = Path(run_a).resolve(), Path(run_b).resolve()
    man_a, man_b = _check_run(run_a), _check_run(run_b)
    now = now or dt.datetime.now()
    folder = _new_run_dir(Path(out_dir).resolve(), f"compare-{man_a['study']}-vs-{man_b['study']}", now)
    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks_dir()
    nb = load_step_notebook(nb_dir / _NOTEBOOK)
    out_nb = folder / "compare.ipynb"
    t0 = time.perf_counter()
    status, error, executed = "ok", None, None
    try:
        executed = pm.execute_notebook(nb, str(out_nb), parameters={"run_a": str(run_a), "run_b": str(run_b),
                                                                     "run_dir": str(folder)},
                                       kernel_name="python3", cwd=str(folder), progress_bar=False,
                                       kernel_manager_class=_quiet_kernel_manager())
    except Exception as exc:  # noqa: BLE001 - the report shows any failure
        status, error = "failed", _error_text(exc)
    if executed is None:
        executed = nbformat.read(out_nb, as_version=4) if out_nb.exists() else nb
    _normalise(executed, "compare")
    nbformat.write(executed, out_nb)
    resources = {"study_title": f"{man_a['title']} vs {man_b['title']}", "step_number": None,
                 "step_title": f"Comparison of run {man_a['run_id']} with run {man_b['run_id']}",
                 "run_id": folder.name, "date": now.strftime("%Y-%m-%d %H:%M"), "version": __version__,
                 "status": status, "status_text": status.upper(), "error": error or "", "steps": [],
                 "study_file": "-", "notebook": "compare.ipynb"}
    html = folder / "compare.html"
    html.write_text(export_html(executed, resources=resources), encoding="utf-8")
    manifest = {"run_a": str(run_a), "run_b": str(run_b), "status": status, "error": error,
                "seconds": round(time.perf_counter() - t0, 2), "segkit_version": __version__,
                "started": now.isoformat(timespec="seconds")}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _make_read_only(folder)
    if status != "ok":
        raise DataError(f"the comparison failed: {error}; see {html}")
    return html

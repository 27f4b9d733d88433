"""``segkit compare RUN_A RUN_B``: migration, agreement and drift between two finished runs, as a dated report.

:func:`compare` makes the comparison (the same one step 8 makes with a previous
run, :func:`segkit.study.iteration.compare_segmentations`) and returns what the
report shows; :func:`compare_runs` executes the comparison notebook on it and
writes the dated HTML.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segkit import __version__
from segkit.config import RULE_BASED_METHODS
from segkit.errors import DataError
from segkit.study import artifacts
from segkit.study.folder import RunFolder
from segkit.study.iteration import Comparison, compare_segmentations

__all__ = ["ComparisonResult", "compare", "compare_runs"]

_NOTEBOOK = "compare_runs.py"


def _check_run(path: Path) -> dict[str, Any]:
    """The manifest of the run folder ``path``; a folder without one, or without the artifacts compared, is refused."""
    run = RunFolder(path)
    if not run.manifest_path.is_file():
        raise DataError(f"not a segkit run folder: {run.MANIFEST} is missing", file=str(path))
    for need in (artifacts.ASSIGNMENTS, artifacts.CUSTOMER_TABLE):
        if not run.has(need):
            raise DataError(f"not a finished segkit run folder: artifacts/{need.name} is missing", file=str(path))
    manifest = run.read_manifest()
    if not isinstance(manifest.get("config"), dict) or "basis" not in manifest["config"]:
        raise DataError(f"the run's {run.MANIFEST} has no study settings (config.basis); was it written by "
                        "segkit run?", file=str(path))
    return manifest


def _check_shared_customers(run_a: Path, run_b: Path) -> None:
    """Refuse two runs with no segmented customer in common: their migration and ARI would be empty (nan)."""
    ids_a = set(RunFolder(run_a).read(artifacts.ASSIGNMENTS)["customer_id"].astype(str))
    ids_b = set(RunFolder(run_b).read(artifacts.ASSIGNMENTS)["customer_id"].astype(str))
    if not ids_a & ids_b:
        raise DataError(f"runs {run_a.name} ({len(ids_a):,} customers) and {run_b.name} ({len(ids_b):,} customers) "
                        "share no segmented customer, so there is nothing to compare; compare two runs on the same "
                        "customers (e.g. this study re-run on newer data)", file=str(run_b))


def _check_same_basis(run_a: Path, man_a: dict[str, Any], run_b: Path, man_b: dict[str, Any]) -> None:
    """Refuse two runs segmented on bases with no variable in common: their segments are not comparable.

    Migration and agreement need customers in both runs (:func:`_check_shared_customers`); matching the
    earlier segments to the later ones and their drift need a basis variable both runs measured.
    """
    basis_a, basis_b = list(man_a["config"]["basis"]), list(man_b["config"]["basis"])
    if not set(basis_a) & set(basis_b):
        raise DataError(f"runs {run_a.name} and {run_b.name} were segmented on different bases with no variable in "
                        f"common ({', '.join(basis_a)} against {', '.join(basis_b)}), so their segments describe "
                        "different things; compare two runs of the same study", file=str(run_b))


@dataclass(frozen=True, kw_only=True)
class ComparisonResult(Comparison):
    """Two finished runs compared: the later run's segments against the earlier run's.

    Attributes
    ----------
    migration, drift, recommendation, basis
        As in :class:`~segkit.study.iteration.Comparison` (the earlier run plays the previous segmentation).
    run_a, run_b : Path
        The earlier and the later run folder.
    manifest_a, manifest_b : dict
        Their manifests (study, run id, settings).
    assignments_a, assignments_b : DataFrame
        Their assignments.
    """

    run_a: Path
    run_b: Path
    manifest_a: dict[str, Any]
    manifest_b: dict[str, Any]
    assignments_a: pd.DataFrame
    assignments_b: pd.DataFrame

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: folder, study, cut-off, method, customers and segments (as text, for display)."""
        rows = []
        for label, path, man, assignments in (("earlier", self.run_a, self.manifest_a, self.assignments_a),
                                              ("later", self.run_b, self.manifest_b, self.assignments_b)):
            rows.append({"run": label, "folder": path.name, "study": man.get("study"),
                         "cut-off": man["config"].get("cutoff"), "method": man["config"].get("method"),
                         "customers": len(assignments), "segments": assignments["segment"].nunique()})
        return pd.DataFrame(rows).astype(str)


def compare(run_a: Path | str, run_b: Path | str) -> ComparisonResult:
    """Compare the segments of the later run ``run_b`` with those of the earlier run ``run_a``.

    Parameters
    ----------
    run_a, run_b : path
        Run folders of ``segkit run`` (the earlier and the later).

    Returns
    -------
    ComparisonResult

    Raises
    ------
    DataError
        If a folder is not a segkit run with assignments and a customer table.

    Examples
    --------
    >>> result = compare("reports/2026-01-05/demo-101500", "reports/2026-04-06/demo-091200")  # doctest: +SKIP
    >>> result.recommendation.decision  # doctest: +SKIP
    'keep'
    """
    a, b = RunFolder(run_a), RunFolder(run_b)
    man_a, man_b = _check_run(a.path), _check_run(b.path)
    _check_same_basis(a.path, man_a, b.path, man_b)
    prev, cur = a.read(artifacts.ASSIGNMENTS), b.read(artifacts.ASSIGNMENTS)
    # the later run's basis decides what is profiled; compare_segmentations keeps what both tables have
    method_a, method_b = man_a["config"].get("method"), man_b["config"].get("method")
    by_rule = method_a == method_b and method_b in RULE_BASED_METHODS
    comparison = compare_segmentations(prev, cur, previous_table=a.read(artifacts.CUSTOMER_TABLE),
                                       current_table=b.read(artifacts.CUSTOMER_TABLE),
                                       basis=list(man_b["config"]["basis"]), by_rule=by_rule)
    return ComparisonResult(comparison.migration, comparison.drift, comparison.recommendation, comparison.basis,
                            comparison.window_note, run_a=a.path, run_b=b.path, manifest_a=man_a, manifest_b=man_b,
                            assignments_a=prev, assignments_b=cur)


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
        If a folder is not a finished run, or the runs share no customer or no basis variable.
    """
    from segkit.report import execute_notebook, export_html, load_step_notebook
    from segkit.report import notebooks_dir as default_notebooks

    run_a, run_b = Path(run_a).resolve(), Path(run_b).resolve()
    man_a, man_b = _check_run(run_a), _check_run(run_b)
    _check_same_basis(run_a, man_a, run_b, man_b)
    _check_shared_customers(run_a, run_b)
    now = now or dt.datetime.now()
    run = RunFolder.create(out_dir, f"compare-{man_a['study']}-vs-{man_b['study']}", now=now)
    folder = run.path
    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks()
    nb = load_step_notebook(nb_dir / _NOTEBOOK)
    out_nb = run.notebooks_dir / "compare.ipynb"
    t0 = time.perf_counter()
    ex = execute_notebook(nb, out_nb, parameters={"run_a": str(run_a), "run_b": str(run_b), "run_dir": str(folder)},
                          cwd=folder, stem="compare")
    status, error, executed = ex.status, ex.error, ex.notebook
    resources: dict[str, Any] = {
        "study_title": f"{man_a['title']} vs {man_b['title']}", "step_number": None,
        "step_title": f"Comparison of run {man_a['run_id']} with run {man_b['run_id']}",
        "run_id": folder.name, "date": now.strftime("%Y-%m-%d %H:%M"), "version": __version__,
        "status": status, "status_text": status.upper(), "error": error or "", "steps": [],
        "study_file": "-", "notebook": "compare.ipynb", "run_text": f"Run {folder.name}", "overview": "Overview",
        "failed_text": f"This step failed: {error}. The output up to the failure is shown below.",
        "footer": f"Produced by segkit {__version__}; the executed notebook is notebooks/compare.ipynb.",
    }
    html = folder / "compare.html"
    html.write_text(export_html(executed, resources=resources), encoding="utf-8")
    run.write_manifest({"run_a": run_a.name, "run_b": run_b.name, "status": "running", "error": error,
                        "seconds": round(time.perf_counter() - t0, 2), "segkit_version": __version__,
                        "started": now.isoformat(timespec="seconds")})
    run.finish(status)
    if status != "ok":
        raise DataError(f"the comparison failed: {error}; see {html}")
    return html

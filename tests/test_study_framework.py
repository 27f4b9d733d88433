"""The step framework: artifact catalog, run folder, study window, re-use check."""

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from segkit.config import load_config
from segkit.errors import SegkitError
from segkit.study import STEPS, artifacts, get_step
from segkit.study.context import new_context, open_step
from segkit.study.folder import FinishedRunError, MissingArtifactError, RunFolder
from segkit.study.reuse import reuse_differences
from segkit.study.window import StudyWindow

ROOT = Path(__file__).resolve().parents[1]


def test_catalog_names_are_unique_and_owned_by_a_step():
    names = [a.name for a in artifacts.CATALOG]
    assert len(names) == len(set(names))
    keys = {s.key for s in STEPS}
    for a in artifacts.CATALOG:
        assert a.owner in keys, a.name
        assert set(a.readers) <= keys | {"index", "compare", "exports", "summary"}, a.name
        # a step reads only what an earlier step wrote
        owner = get_step(a.owner).number
        assert all(get_step(r).number > owner for r in a.readers if r in keys), a.name
    table = artifacts.catalog_table()
    assert len(table) == len(artifacts.CATALOG) and table["owner"].isin(keys).all()


def test_no_artifact_file_name_is_written_outside_the_catalog():
    # Input tables keep their own names (a demo's transactions.parquet); artifacts' full names must not appear.
    names = [a.name for a in artifacts.CATALOG]
    pattern = re.compile("|".join(rf"[\"'/]{re.escape(n)}[\"']" for n in names))
    offenders = []
    for folder in ("segkit", "notebooks", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "artifacts.py" and path.parent.name == "study":
                continue
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_run_folders_never_collide(tmp_path):
    now = dt.datetime(2026, 11, 25, 14, 22, 33)
    a = RunFolder.create(tmp_path, "demo", now=now)
    b = RunFolder.create(tmp_path, "demo", now=now)
    assert a.path.name == "demo-142233" and b.path.name == "demo-142233-2"
    assert a.path.parent.name == "2026-11-25" == b.path.parent.name
    assert a.artifacts_dir.is_dir() and a.notebooks_dir.is_dir()
    with pytest.raises(FinishedRunError, match="inside the run folder"):
        a.write_manifest({"status": "running"})
        RunFolder.create(a.path / "sub", "demo", now=now)


def test_a_step_writes_only_what_it_owns_with_the_catalog_columns(tmp_path):
    run = RunFolder(tmp_path / "run")
    assignments = pd.DataFrame({"customer_id": ["a"], "segment": [1], "segment_name": ["x"]})
    with pytest.raises(SegkitError, match="step 06_profiling may not write assignments.parquet: it belongs to step "
                                          "'stability'"):
        run.write(artifacts.ASSIGNMENTS, assignments, step="profiling")
    with pytest.raises(SegkitError, match="must have customer_id, segment, segment_name; missing segment_name"):
        run.write(artifacts.ASSIGNMENTS, assignments.drop(columns="segment_name"), step="stability")
    run.write(artifacts.ASSIGNMENTS, assignments, step="stability")
    pd.testing.assert_frame_equal(run.read(artifacts.ASSIGNMENTS), assignments)
    with pytest.raises(MissingArtifactError, match="basis.parquet is missing .* written by step 04_data"):
        run.read(artifacts.BASIS)
    assert run.read_optional(artifacts.OUTCOMES) is None


def test_a_finished_folder_is_never_changed(tmp_path, small_demo):
    run = RunFolder.create(tmp_path, "demo")
    run.write_manifest({"status": "running", "finished": None})
    run.write(artifacts.SEGMENTS, [{"segment": 1}], step="stability")
    run.finish("ok")
    assert run.is_finished
    assert not run.artifact_path(artifacts.SEGMENTS).stat().st_mode & 0o200
    with pytest.raises(FinishedRunError, match="is finished and is never changed"):
        run.write(artifacts.SEGMENTS, [{"segment": 2}], step="stability")
    with pytest.raises(FinishedRunError):
        run.finish("ok")
    # a notebook run by hand on it is refused, with the command that makes a new folder
    with pytest.raises(FinishedRunError, match=r"--from 05_stability --reuse"):
        open_step("stability", run.path, small_demo / "study.yaml")


def test_window_boundaries_have_one_meaning():
    w = StudyWindow(dt.date(2025, 9, 30))
    dates = pd.Series(pd.to_datetime(["2025-09-30 00:00:00", "2025-09-30 23:59:59", "2025-10-01 00:00:00"]))
    assert w.in_history(dates).tolist() == [True, True, False]
    assert w.in_outcome(dates).tolist() == [False, False, True]
    assert w.outcome_start == dt.date(2025, 10, 1)
    assert w.months_before("2025-09-30") == pytest.approx(1 / (365.25 / 12))
    assert w.months_after("2025-10-01") == pytest.approx(1 / (365.25 / 12))
    assert w.shifted(6).cutoff == dt.date(2025, 3, 31)  # month ends stay month ends
    bounded = StudyWindow("2025-09-30", history_start="2025-01-01", outcome_end="2025-12-31")
    d = pd.Series(pd.to_datetime(["2024-12-31 00:00", "2025-01-01 00:00", "2025-12-31 12:00", "2026-01-01 00:00"]))
    assert bounded.in_history(d).tolist() == [False, True, False, False]
    assert bounded.in_outcome(d).tolist() == [False, False, True, False]
    with pytest.raises(ValueError, match="outcome_end 2025-09-30 must be after the cut-off"):
        StudyWindow("2025-09-30", outcome_end="2025-09-30")


def test_survey_study_has_no_window(small_demo):
    assert StudyWindow.from_config(load_config(small_demo / "survey_study.yaml")) is None
    assert StudyWindow.from_config(load_config(small_demo / "study.yaml")).cutoff == dt.date(2025, 9, 30)


def test_reuse_names_every_difference(small_demo):
    cfg = load_config(small_demo / "study.yaml")
    inputs = {"transactions": {"sha256": "a" * 64}, "customers": {"sha256": "b" * 64}, "survey": {"sha256": "c" * 64}}
    manifest = {"config": cfg.to_dict(), "inputs": inputs,
                "steps": [{"step": s.name, "status": "ok"} for s in STEPS]}
    upto4 = [s for s in STEPS if s.number <= 4]
    assert reuse_differences(manifest, cfg, inputs, upto4) == []
    # settings a later step uses may change
    changed = cfg.model_copy(update={"n_boot": 99, "seed": 1})
    assert reuse_differences(manifest, changed, inputs, upto4) == []
    changed = cfg.model_copy(update={"basis": ["recency_days", "frequency"]})
    assert reuse_differences(manifest, changed, inputs, upto4) == [
        "setting 'basis' changed: ['recency_days', 'frequency', 'monetary_avg', 'promo_share', 'tenure_days'] in that "
        "run, ['recency_days', 'frequency'] now"]
    other = {**inputs, "transactions": {"sha256": "d" * 64}}
    assert reuse_differences(manifest, cfg, other, upto4) == [
        "the transactions file changed (SHA-256 aaaaaaaaaaaa… then, dddddddddddd… now)"]
    # goals alone read no input file
    assert reuse_differences(manifest, cfg, other, upto4[:1]) == []
    failed = {**manifest, "steps": [{"step": "01_goals", "status": "ok"}, {"step": "02_resources", "status": "failed"}]}
    assert "step 02_resources did not complete" in reuse_differences(failed, cfg, inputs, upto4[:2])[0]


def test_steps_in_process_on_the_demo(demo_run_steps):
    run, results = demo_run_steps
    folder = RunFolder(run)
    for a in artifacts.CATALOG:
        if a.owner in ("goals", "resources", "method", "data", "stability") and not a.optional:
            assert folder.has(a), a.name
    assert results["method"].method == "kmeans"
    assert results["stability"].k == 5
    assert folder.read(artifacts.SEGMENTATION)["k"] == 5


def test_new_context_writes_into_a_scratch_folder(tmp_path, small_demo):
    ctx = new_context(tmp_path / "scratch", small_demo / "study.yaml", "goals")
    from segkit.study import goals

    res = goals.run(ctx)
    assert res.brief["min_segment_share"] == 0.05 and len(res.success) == 4
    assert ctx.folder.has(artifacts.BRIEF)


def test_catalog_readers_are_exactly_what_each_step_reads():
    # Every ctx.read/read_optional/has of a step module, against the catalog's readers of each artifact.
    call = re.compile(r"ctx\.(?:read|read_optional|has)\(\s*artifacts\.([A-Z_]+)")
    tables = re.compile(r"artifacts\.TABLES\b")
    for step in STEPS:
        source = (ROOT / "segkit" / "study" / f"{step.key}.py").read_text(encoding="utf-8")
        read = {getattr(artifacts, name).name for name in call.findall(source)}
        if tables.search(source) and step.key != "resources":
            read |= {a.name for a in artifacts.TABLES.values()}
        declared = {a.name for a in artifacts.CATALOG if step.key in a.readers}
        assert read == declared, (step.key, sorted(read - declared), sorted(declared - read))
    # the index page and segkit compare read finished runs through RunFolder
    used = re.compile(r"artifacts\.([A-Z][A-Z_]+)\b")
    for reader, module in (("index", "index_page.py"), ("compare", "compare.py"), ("exports", "exports.py"),
                           ("summary", "summary.py")):
        source = (ROOT / "segkit" / module).read_text(encoding="utf-8")
        read = {getattr(artifacts, n).name for n in used.findall(source) if n not in ("CATALOG", "TABLES")}
        declared = {a.name for a in artifacts.CATALOG if reader in a.readers}
        assert read == declared, (reader, sorted(read - declared), sorted(declared - read))


def test_reading_outside_the_catalog_is_refused(tmp_path, small_demo):
    ctx = new_context(tmp_path / "run", small_demo / "study.yaml", "goals")
    with pytest.raises(SegkitError, match="step 01_goals reads assignments.parquet, but the artifact catalog does not "
                                          "list it"):
        ctx.read(artifacts.ASSIGNMENTS)


def test_architecture_doc_shows_the_catalog_as_it_is():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for a in artifacts.CATALOG:
        row = f"| `{a.name}` | {a.format} | {a.owner} | {', '.join(a.readers) or '–'} |"
        assert row in doc, f"docs/architecture.md: update the catalog row of {a.name}: {row}"
    for s in STEPS:
        assert f"| {s.name} | `segkit.study.{s.key}.run` |" in doc


def test_same_inputs_same_assignments_in_process(demo_run_steps, small_demo, tmp_path):
    from segkit.study.context import run_steps

    first, _ = demo_run_steps
    run_steps(tmp_path / "again", small_demo / "study.yaml", ["goals", "resources", "method", "data", "stability"])
    pd.testing.assert_frame_equal(RunFolder(first).read(artifacts.ASSIGNMENTS),
                                  RunFolder(tmp_path / "again").read(artifacts.ASSIGNMENTS))

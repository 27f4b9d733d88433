"""End to end: the eight notebooks run on small demo data, as `segkit run` runs them."""

import json
import stat

import pandas as pd
import pytest
import yaml
from conftest import file_hashes
from sklearn.metrics import adjusted_rand_score

from segkit.cli import main
from segkit.report import run_study
from segkit.study import STEPS, artifacts
from segkit.study.folder import RunFolder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(small_demo, tmp_path_factory):
    before = file_hashes(small_demo)
    out = tmp_path_factory.mktemp("reports")
    result = run_study(small_demo / "study.yaml", out_dir=out, progress=lambda _: None)
    return result, before


def test_run_folder_is_complete(demo_run):
    result, _ = demo_run
    run = result.run_dir
    assert result.status == "ok", [(s.name, s.error) for s in result.steps]
    assert run.parent.name == pd.Timestamp.now().strftime("%Y-%m-%d")
    assert run.name.startswith("small-demo-")
    folder = RunFolder(run)
    for step in STEPS:
        html = folder.html_path(step).read_text(encoding="utf-8")
        assert "<script src=" not in html and "cdnjs" not in html  # readable offline
        assert "Traceback" not in html
        assert folder.notebook_path(step).is_file()
    manifest = folder.read_manifest()
    assert manifest["status"] == "ok" and manifest["seed"] == 2026
    assert [s["status"] for s in manifest["steps"]] == ["ok"] * 8
    assert all(s["seconds"] > 0 for s in manifest["steps"])
    assert all(s["peak_mb"] > 50 for s in manifest["steps"])  # a kernel with pandas loaded
    assert str(run.parent.parent) not in json.dumps(manifest)  # no absolute path of this machine
    assert set(manifest["inputs"]) == {"customers", "transactions", "survey"}
    assert manifest["packages"]["pandas"] and manifest["config"]["cutoff"] == "2025-09-30"
    index = folder.index_path.read_text(encoding="utf-8")
    for step in STEPS:
        assert f'href="{step.html}"' in index
    assert "The segments at a glance" in index and "k-means" in index.lower()
    # each input was read once: step 2 took over what the run's check read, and kept no second copy
    assert "Each file was read once" in folder.html_path("resources").read_text(encoding="utf-8")
    assert [p.name for p in run.iterdir() if p.name.startswith(".")] == []


def test_planted_segments_are_recovered(demo_run, small_demo):
    result, _ = demo_run
    got = RunFolder(result.run_dir).read(artifacts.ASSIGNMENTS)
    assert list(got.columns) == ["customer_id", "segment", "segment_name"]
    truth = pd.read_csv(small_demo / "ground_truth.csv", dtype={"customer_id": str})
    both = got.merge(truth, on="customer_id")
    assert len(both) == len(got) >= 700
    assert adjusted_rand_score(both["segment_true"], both["segment"]) >= 0.8
    assert RunFolder(result.run_dir).read(artifacts.SEGMENTATION)["k"] == 5


def test_inputs_untouched_and_run_read_only(demo_run, small_demo):
    result, before = demo_run
    assert file_hashes(small_demo) == before
    for p in result.run_dir.rglob("*"):
        if p.is_file():
            assert not p.stat().st_mode & stat.S_IWUSR, p


def test_same_inputs_same_assignments(demo_run, demo_run_steps):
    # The notebooks call the step functions: a notebook run and an in-process run of the same study agree
    # exactly, and each is reproducible (fixed seeds, no global state).
    result, _ = demo_run
    in_process, _ = demo_run_steps
    pd.testing.assert_frame_equal(RunFolder(result.run_dir).read(artifacts.ASSIGNMENTS),
                                  RunFolder(in_process).read(artifacts.ASSIGNMENTS))
    pd.testing.assert_frame_equal(RunFolder(result.run_dir).read(artifacts.CUSTOMER_TABLE),
                                  RunFolder(in_process).read(artifacts.CUSTOMER_TABLE))


def test_bad_data_file_writes_nothing_and_leaves_earlier_runs(demo_run, small_demo, tmp_path, capsys):
    # text in the amount column of a CSV copy of the transactions: the audit stops before any folder exists
    result, _ = demo_run
    tx = pd.read_parquet(small_demo / "transactions.parquet")
    tx["amount"] = tx["amount"].astype(str)
    tx.loc[[10, 40], "amount"] = "twelve"
    bad = tmp_path / "transactions.csv"
    tx.to_csv(bad, index=False)
    study = yaml.safe_load((small_demo / "study.yaml").read_text())
    for spec in study["data"].values():
        spec["path"] = str(small_demo / spec["path"])
    study["data"]["transactions"]["path"] = str(bad)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    earlier = {p: p.stat().st_mtime_ns for p in result.run_dir.parent.rglob("*")}
    inputs = file_hashes(tmp_path)
    assert main(["run", str(path), "--out", str(result.run_dir.parent.parent)]) == 2
    err = capsys.readouterr().err
    assert "file transactions.csv, column 'amount': 2 values are not numbers (e.g. 'twelve') [rows 12, 42]" in err
    assert {p: p.stat().st_mtime_ns for p in result.run_dir.parent.rglob("*")} == earlier
    assert file_hashes(tmp_path) == inputs


def test_out_inside_a_run_folder_is_refused(demo_run, small_demo, capsys):
    result, _ = demo_run
    inside = result.run_dir / "artifacts"
    before = sorted(result.run_dir.rglob("*"))
    assert main(["run", str(small_demo / "study.yaml"), "--out", str(inside)]) == 2
    assert f"is inside the run folder {result.run_dir}" in capsys.readouterr().err
    assert sorted(result.run_dir.rglob("*")) == before


def test_rerun_from_a_step_reuses_the_earlier_ones(demo_run, small_demo, tmp_path, capsys):
    result, _ = demo_run
    src = RunFolder(result.run_dir)
    before = {p: p.stat().st_mtime_ns for p in src.path.rglob("*")}
    # n_boot and seed are step 5's settings: steps 1-4 may be re-used, step 5 runs again
    study = yaml.safe_load((small_demo / "study.yaml").read_text())
    study.update(n_boot=6)
    for spec in study["data"].values():
        spec["path"] = str(small_demo / spec["path"])
    path = tmp_path / "more-boot.yaml"
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    code = main(["run", str(path), "--only", "05_stability", "--reuse", str(src.path), "--out", str(tmp_path / "o")])
    assert code == 0, capsys.readouterr().err
    new = RunFolder(next((tmp_path / "o").glob("*/*")))
    manifest = new.read_manifest()
    assert [s["status"] for s in manifest["steps"]] == ["reused"] * 4 + ["ok"] + ["not run"] * 3
    assert manifest["reused"]["from"] == str(src.path)
    assert artifacts.TABLE_TRANSACTIONS.name in manifest["reused"]["artifacts"]
    pd.testing.assert_frame_equal(new.read(artifacts.CUSTOMER_TABLE), src.read(artifacts.CUSTOMER_TABLE))
    assert new.read(artifacts.ASSIGNMENTS)["customer_id"].tolist() == src.read(artifacts.ASSIGNMENTS)[
        "customer_id"].tolist()
    assert "re-used from run" in new.html_path("03_method").read_text(encoding="utf-8")
    assert {p: p.stat().st_mtime_ns for p in src.path.rglob("*")} == before  # the source run never changes
    # a setting steps 1-4 depend on changed: refused, naming it, nothing written
    study.update(basis=["recency_days", "frequency"])
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    code = main(["run", str(path), "--from", "5", "--reuse", str(src.path), "--out", str(tmp_path / "p")])
    err = capsys.readouterr().err
    assert code == 2 and "setting 'basis' changed" in err
    assert not (tmp_path / "p").exists()
    assert main(["run", str(path), "--from", "5", "--out", str(tmp_path / "p")]) == 2
    assert "needs --reuse RUN" in capsys.readouterr().err


def test_share_copy_holds_what_a_client_reads_and_nothing_of_the_machine(demo_run, tmp_path, capsys):
    import re
    import zipfile

    from segkit.share import PRIVATE_MANIFEST_KEYS

    result, _ = demo_run
    run = result.run_dir
    before = file_hashes(run)
    dest = tmp_path / "for-the-client"
    assert main(["share", str(run), "--out", str(dest), "--zip"]) == 0
    assert "for-the-client.zip" in capsys.readouterr().out
    names = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    pages = {p.name for p in run.glob("*.html")}
    assert pages <= names and {"index.html", "summary.html", "style.css", "manifest.json"} <= names
    assert {"exports/customers.csv", "exports/customers.xlsx", "exports/segments.xlsx"} <= names
    assert not any(n.startswith(("notebooks/", "artifacts/")) for n in names)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and not set(PRIVATE_MANIFEST_KEYS) & set(manifest)
    # every link of every page resolves inside the copy (a zipped folder reads the same)
    for page in dest.glob("*.html"):
        for href in re.findall(r'(?:href|src)="([^"#:]+)"', page.read_text(encoding="utf-8")):
            assert (dest / href).is_file(), (page.name, href)
    with zipfile.ZipFile(tmp_path / "for-the-client.zip") as z:
        assert {n.split("/", 1)[1] for n in z.namelist() if not n.endswith("/")} == names
    assert file_hashes(run) == before  # the run folder is never changed
    assert main(["share", str(run), "--out", str(dest)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_every_page_of_a_real_run_renders_in_chromium_into_the_pdf(demo_run, tmp_path, capsys):
    import shutil

    from segkit.pdf import CHROMIUM_NAMES

    if not any(shutil.which(n) for n in CHROMIUM_NAMES):
        pytest.skip(f"none of {', '.join(CHROMIUM_NAMES)} is installed (Debian package 'chromium'): cannot render")
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install 'segkit[pdf]'")
    result, _ = demo_run
    out = tmp_path / "study.pdf"
    assert main(["pdf", str(result.run_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    reader = pypdf.PdfReader(out)
    titles = [o.title for o in reader.outline]
    # the index, the executive summary, then each step report, each starting on its own page
    assert len(titles) == 10 and titles[1] == "Executive summary" and all(f"Step {s.number} of 8" in t
                                                                  for s, t in zip(STEPS, titles[2:]))
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    assert starts == sorted(set(starts)) and len(reader.pages) > starts[-1]
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert str(result.run_dir.parent.parent) not in text and "@" not in text

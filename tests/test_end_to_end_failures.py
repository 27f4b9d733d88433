"""End to end: notebook runs that need no finished demo run (survey-only study, a failing step, bad inputs).

Split from test_end_to_end.py so the two files run on separate workers.
"""

import shutil

import pandas as pd
import pytest
import yaml

from segkit.cli import main
from segkit.report import run_study
from segkit.study import STEPS, artifacts
from segkit.study.folder import RunFolder

pytestmark = pytest.mark.slow


def test_survey_only_study(small_demo, tmp_path):
    # Data-derived text must show as text: plant HTML in a descriptor value.
    data = tmp_path / "data"
    shutil.copytree(small_demo, data)
    cust = pd.read_csv(data / "customers.csv", dtype=str)
    cust.loc[cust["household_type"] == "single", "household_type"] = "<b>single</b> & <script>x</script>"
    cust.to_csv(data / "customers.csv", index=False)
    # the notebooks' survey paths are what this run checks: a short k range and few bootstrap pairs suffice
    survey = yaml.safe_load((data / "survey_study.yaml").read_text(encoding="utf-8"))
    survey.update(k_range=[2, 4], n_boot=6, n_init=3)
    (data / "survey_study.yaml").write_text(yaml.safe_dump(survey, sort_keys=False), encoding="utf-8")
    result = run_study(data / "survey_study.yaml", out_dir=tmp_path / "out", progress=lambda _: None)
    assert result.status == "ok", [(s.name, s.error) for s in result.steps]
    assert RunFolder(result.run_dir).read(artifacts.METHOD)["method"] == "latent_class"
    validation = (result.run_dir / "07_validation.html").read_text(encoding="utf-8")
    assert "no transactions after a cut-off" in validation.lower()
    profiling = (result.run_dir / "06_profiling.html").read_text(encoding="utf-8")
    assert "<script>x</script>" not in profiling
    assert "&lt;script&gt;x&lt;/script&gt;" in profiling or "&amp;lt;script" in profiling


def test_failing_step_is_reported(small_demo, tmp_path):
    # A fault the up-front checks cannot see (planted in a copy of step 2's notebook) fails step 2 in the
    # runner: its page shows the error, the manifest marks it failed and the later steps "not run".
    from segkit.report import notebooks_dir

    nb = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), nb)
    step2 = nb / "02_resources.py"
    step2.write_text(step2.read_text(encoding="utf-8")
                     + '\n# %%\nraise RuntimeError("planted fault: the audited tables are unreadable")\n',
                     encoding="utf-8")
    lines: list[str] = []
    result = run_study(small_demo / "study.yaml", out_dir=tmp_path / "out", notebooks=nb, progress=lines.append)
    assert result.status == "failed"
    assert any("[2/8]" in line and "failed" in line and "planted fault" in line for line in lines), lines
    run = result.run_dir
    manifest = RunFolder(run).read_manifest()
    assert manifest["status"] == "failed"
    assert [s["status"] for s in manifest["steps"]] == ["ok"] + ["failed"] + ["not run"] * 6
    html = (run / "02_resources.html").read_text(encoding="utf-8")
    assert "planted fault" in html and "This step failed" in html
    # the steps after it have a page saying why they did not run, so no link leads nowhere
    later = (run / "03_method.html").read_text(encoding="utf-8")
    assert "This step was not run, because step 2 (Resources) failed" in later and 'href="02_resources.html"' in later
    assert "notebooks/03_method.ipynb" not in later  # no notebook ran for it
    assert all((run / f"{s.name}.html").exists() for s in STEPS)
    assert "failed" in (run / "index.html").read_text(encoding="utf-8").lower()


def test_bad_study_file_writes_nothing(small_demo, tmp_path, capsys):
    study = yaml.safe_load((small_demo / "study.yaml").read_text())
    study["k_rnage"] = [2, 5]
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "unknown key 'k_rnage'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_input_file_writes_nothing(small_demo, tmp_path, capsys):
    study = yaml.safe_load((small_demo / "study.yaml").read_text())
    for spec in study["data"].values():
        spec["path"] = str(small_demo / spec["path"])
    study["data"]["transactions"]["path"] = str(small_demo / "nope.parquet")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "nope.parquet" in err and "does not exist" in err
    assert not (tmp_path / "out").exists()


# SIGTERM, Ctrl-C and kill -9 (then the next run marks the folder) are cases of tests/test_faults.py.

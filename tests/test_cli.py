"""The segkit command: what it refuses before anything is written, and segkit new."""

import pytest
import yaml
from conftest import billion_laughs

from segkit.cli import main
from segkit.config import load_config


def _study(small_demo, tmp_path, base="study.yaml", **changes):
    study = yaml.safe_load((small_demo / base).read_text())
    study.update(changes)
    for spec in study["data"].values():
        spec["path"] = str(small_demo / spec["path"])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    return path


def test_a_named_method_the_data_cannot_support_stops_before_any_folder(small_demo, tmp_path, capsys):
    path = _study(small_demo, tmp_path, base="survey_study.yaml", method="rfm8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "names method 'rfm8', which these data cannot support: needs a transaction table" in err
    assert "Feasible methods: latent_class" in err
    assert not (tmp_path / "out").exists()


def test_partial_runs_are_refused_when_ill_formed(small_demo, tmp_path, capsys):
    path = _study(small_demo, tmp_path)
    assert main(["run", str(path), "--from", "stabilty", "--reuse", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no step 'stabilty'; steps are 1 / goals / 01_goals" in capsys.readouterr().err
    assert main(["run", str(path), "--only", "6", "--out", str(tmp_path / "o")]) == 2
    assert "running from step 06_profiling needs --reuse RUN" in capsys.readouterr().err
    assert main(["run", str(path), "--from", "3", "--reuse", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "not a segkit run folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_new_study_from_a_path_and_a_data_folder(tmp_path, capsys):
    from segkit.demo import write_demo

    write_demo(tmp_path / "d", n_customers=300, seed=3)
    target = tmp_path / "Client studies" / "Q3 retail"
    assert main(["new", str(target), "--data", str(tmp_path / "d")]) == 0
    cfg = load_config(target / "study.yaml")
    assert cfg.name == "Q3-retail"
    files = cfg.input_files()
    assert files["transactions"] == (tmp_path / "d" / "transactions.parquet").resolve()
    assert files["customers"].is_file()
    assert main(["new", str(target)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err


def test_new_study_without_data_makes_a_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my-study"]) == 0
    assert (tmp_path / "my-study" / "data").is_dir()
    cfg = load_config(tmp_path / "my-study" / "study.yaml")
    assert cfg.input_files()["transactions"] == (tmp_path / "my-study" / "data" / "transactions.csv").resolve()


def _laughs(path):
    """A 'billion laughs' study file: nine levels of nested aliases (9**8 strings if expanded)."""
    path.write_text(billion_laughs(8), encoding="utf-8")
    return path


def test_a_billion_laughs_study_file_is_refused_before_expanding(tmp_path, capsys):
    import time

    path = _laughs(tmp_path / "laughs.yaml")
    t = time.perf_counter()
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    # refused while parsing: nothing expanded (a loose bound, no timing threshold: expanding takes many seconds)
    assert time.perf_counter() - t < 30
    err = capsys.readouterr().err
    assert "line 2: YAML aliases (*a) are not allowed in a study file" in err and len(err) < 500
    assert not (tmp_path / "out").exists()


def test_an_oversized_study_file_is_refused(tmp_path, capsys):
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "# " + "x" * 1_100_000 + "\n", encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "a study file is at most 1,000,000" in capsys.readouterr().err


def test_demo_size_out_of_range_exits_2_before_writing(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_:
        main(["demo", str(tmp_path / "d"), "--n-customers", "1000001"])
    assert exit_.value.code == 2
    assert "the demo generates 50 to 1,000,000 customers, not 1,000,001" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_a_bad_date_format_is_a_study_file_error(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "data": {"transactions": {
        "path": "t.csv", "date_format": "%Q-%d", "columns": {"customer_id": "c", "date": "d", "amount": "a"}}}}),
        encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "'data.transactions.date_format': date_format '%Q-%d' is not a valid format: 'Q' is a bad directive" in err
    assert not (tmp_path / "out").exists()


def test_compare_refuses_two_runs_without_shared_customers(demo_run_steps, tmp_path, capsys):
    import pandas as pd
    from conftest import copy_run

    from segkit.study import artifacts

    a = copy_run(demo_run_steps[0], tmp_path / "a")
    b = copy_run(demo_run_steps[0], tmp_path / "b")
    import json

    for run in (a, b):  # steps run in-process write no manifest; a finished run's would hold its settings
        (run / "manifest.json").write_text(json.dumps({"study": "demo", "title": "demo", "run_id": run.name,
                                                       "config": {"basis": ["frequency"]}}), encoding="utf-8")
    path = b / "artifacts" / artifacts.ASSIGNMENTS.name
    other = pd.read_parquet(path)
    other["customer_id"] = "other-" + other["customer_id"].astype(str)
    other.to_parquet(path, index=False)
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "share no segmented customer, so there is nothing to compare" in err
    assert not (tmp_path / "out").exists()


def test_a_cutoff_outside_the_data_stops_before_any_folder(small_demo, tmp_path, capsys):
    late = _study(small_demo, tmp_path, cutoff="2030-01-31")
    assert main(["run", str(late), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "the study file's cutoff 2030-01-31; the transactions run from" in err
    assert "leaves 0 days of later behaviour to validate the segments (at least 28 are needed)" in err
    early = _study(small_demo, tmp_path, cutoff="2001-01-31")
    assert main(["run", str(early), "--out", str(tmp_path / "out")]) == 2
    assert "the cut-off is before the first purchase, so there is no history to segment" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_stops_before_reading(small_demo, tmp_path, capsys):
    path = _study(small_demo, tmp_path)
    (tmp_path / "a_file").write_text("x")
    assert main(["run", str(path), "--out", str(tmp_path / "a_file" / "reports")]) == 2
    assert f"{tmp_path / 'a_file'} is a file, so the run folder cannot be created there" in capsys.readouterr().err


@pytest.mark.parametrize("values, message", [
    (lambda n: [None] * n, "has no value in any of its"),
    (lambda n: ["same"] * n, "holds one value only ('same'"),
    (lambda n: [f"person{i}@example.com" for i in range(n)], "looks like e-mail addresses (100% of its values"),
    (lambda n: [f"+44 20 7946 {i:04d}" for i in range(n)], "phone number"),
    (lambda n: [f"Customer Name {i}" for i in range(n)], "has a different value for nearly every row"),
])
def test_a_descriptor_that_describes_nothing_or_identifies_people_is_refused(small_demo, tmp_path, capsys, values,
                                                                             message):
    import pandas as pd

    path = _study(small_demo, tmp_path)
    study = yaml.safe_load(path.read_text())
    customers = pd.read_csv(study["data"]["customers"]["path"]) if study["data"]["customers"]["path"].endswith(
        ".csv") else pd.read_parquet(study["data"]["customers"]["path"])
    customers["contact"] = values(len(customers))
    out = tmp_path / "customers.parquet"
    customers.to_parquet(out, index=False)
    study["data"]["customers"]["path"] = str(out)
    study["descriptors"] = [*study["descriptors"], "contact"]
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "column 'contact'" in err and message in err and "remove it from descriptors" in err
    assert not (tmp_path / "out").exists()


def test_all_zero_amounts_say_so_not_a_join_error(small_demo, tmp_path, capsys):
    import pandas as pd

    path = _study(small_demo, tmp_path)
    study = yaml.safe_load(path.read_text())
    src = study["data"]["transactions"]["path"]
    tx = pd.read_csv(src) if src.endswith(".csv") else pd.read_parquet(src)
    tx["amount"] = 0.0
    out = tmp_path / "zero.parquet"
    tx.to_parquet(out, index=False)
    study["data"]["transactions"]["path"] = str(out)
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no line of zero.parquet is left after the audit's rules" in err
    assert "zero or negative prices: " in err and "appears in" not in err
    assert not (tmp_path / "out").exists()


def test_a_value_model_that_cannot_be_fitted_leaves_the_study_going(small_demo, tmp_path):
    """Every customer bought once: no BG/NBD fit; step 4 says so and a basis without value runs on."""
    import pandas as pd

    from segkit.study.context import run_steps

    path = _study(small_demo, tmp_path, basis=["recency_days", "monetary_avg"], method="kmeans", k_range=[2, 3],
                  n_boot=3, n_init=2)
    study = yaml.safe_load(path.read_text())
    src = study["data"]["transactions"]["path"]
    tx = pd.read_csv(src) if src.endswith(".csv") else pd.read_parquet(src)
    once = tx.sort_values("date").groupby("customer_id").head(1)
    out = tmp_path / "once.parquet"
    once.to_parquet(out, index=False)
    study["data"]["transactions"]["path"] = str(out)
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    results = run_steps(tmp_path / "run", path, ["goals", "resources", "method", "data", "stability"])
    data = results["data"]
    assert data.value is None and data.value_model is None
    assert data.value_note.startswith("The potential-value model could not be fitted on this history:")
    assert "repeat purchases" in data.value_note
    assert results["stability"].k in (2, 3)

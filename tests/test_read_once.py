"""Each input is read once per run: the run's check stages the audit, step 2 takes it over; progress lines
from a notebook reach the terminal, never the report."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd

from segkit.config import load_config
from segkit.study import artifacts
from segkit.study.context import PROGRESS_ENV, _progress_file, run_steps
from segkit.study.folder import RunFolder


def test_step2_takes_over_the_staged_audit_without_reading_the_files(small_demo, tmp_path, monkeypatch):
    from segkit.study import resources

    cfg = load_config(small_demo / "study.yaml")
    data = resources.read_inputs(cfg)
    run = RunFolder.create(tmp_path / "out", cfg.name, now=dt.datetime(2026, 1, 2, 3, 4, 5))
    staged = resources.stage_audit(data, cfg, run)
    assert staged.is_dir()

    def no_second_read(*args, **kwargs):
        raise AssertionError("step 2 read the input files again")

    monkeypatch.setattr(resources, "load_study_data", no_second_read)
    results = run_steps(run.path, cfg, ["goals", "resources"])
    assert results["resources"].staged and not staged.exists()
    # the same artifacts as a step 2 that reads the files itself
    monkeypatch.undo()
    fresh = run_steps(tmp_path / "fresh", cfg, ["goals", "resources"])
    assert not fresh["resources"].staged
    for artifact in (artifacts.TABLE_TRANSACTIONS, artifacts.TABLE_CUSTOMERS, artifacts.JOINS):
        pd.testing.assert_frame_equal(run.read(artifact), RunFolder(tmp_path / "fresh").read(artifact))
    assert run.read(artifacts.QUALITY)["issues"] == RunFolder(tmp_path / "fresh").read(artifacts.QUALITY)["issues"]
    assert results["resources"].inventory == fresh["resources"].inventory


def test_a_staged_audit_of_other_settings_is_not_used(small_demo, tmp_path):
    from segkit.study import resources

    cfg = load_config(small_demo / "study.yaml")
    run = RunFolder.create(tmp_path / "out", cfg.name)
    resources.stage_audit(resources.read_inputs(cfg), cfg, run)
    other = cfg.model_copy(update={"cutoff": dt.date(2025, 6, 30)})
    assert not run_steps(run.path, other, ["goals", "resources"])["resources"].staged


def test_notebook_progress_reaches_the_terminal(tmp_path, monkeypatch):
    from segkit.report import _ProgressRelay

    printed: list[str] = []
    with _ProgressRelay(printed.append) as relay:
        import os

        report = _progress_file(os.environ[PROGRESS_ENV])
        report("global stability: k = 2 to 8")
        report("segment-level stability\nof k = 3")
        time.sleep(0.8)
    assert printed == ["      global stability: k = 2 to 8", "      segment-level stability of k = 3"]
    assert not relay.path.exists() and PROGRESS_ENV not in __import__("os").environ
    assert _progress_file(None)("ignored") is None

"""Step 6, profiling, in-process on the small demo's steps 1-5: results, artifacts, one owner per artifact."""

import hashlib

import numpy as np
import pandas as pd
import pytest
from conftest import copy_run

from segkit.index_page import index_context
from segkit.study import artifacts
from segkit.study.context import run_steps
from segkit.study.folder import RunFolder


@pytest.fixture(scope="module")
def profiled(demo_run_steps, small_demo, tmp_path_factory):
    """Steps 6 and 7 run on a copy of the demo's steps 1-5; (run folder, step 6 result, segments.json hash before)."""
    run, _ = demo_run_steps
    copy = copy_run(run, tmp_path_factory.mktemp("profiling") / "run")
    folder = RunFolder(copy)
    before = hashlib.sha256(folder.artifact_path(artifacts.SEGMENTS).read_bytes()).hexdigest()
    results = run_steps(copy, small_demo / "study.yaml", ["profiling", "validation"])
    return folder, results["profiling"], before


def test_sizes_cover_every_customer_and_all_the_value(profiled):
    folder, result, _ = profiled
    assignments = folder.read(artifacts.ASSIGNMENTS)
    sizes = folder.read(artifacts.SIZES)
    assert sizes["n"].sum() == len(assignments) == result.n_customers
    assert sizes["share"].sum() == pytest.approx(1.0)
    assert sizes["value_share"].sum() == pytest.approx(1.0)
    assert sizes["profit_share"].sum() == pytest.approx(1.0)
    # value is spend up to the cut-off, summed per segment
    table = folder.read(artifacts.CUSTOMER_TABLE).merge(assignments, on="customer_id")
    by_segment = table.groupby("segment")["monetary_total"].sum()
    assert sizes.set_index("segment")["value"].to_dict() == pytest.approx(by_segment.to_dict())
    pd.testing.assert_frame_equal(result.sizes.reset_index(drop=True), sizes)


def test_step_6_never_rewrites_step_5s_segments(profiled):
    folder, result, before = profiled
    after = hashlib.sha256(folder.artifact_path(artifacts.SEGMENTS).read_bytes()).hexdigest()
    assert after == before
    segments = folder.read(artifacts.SEGMENTS)
    assert all("value_share" not in s and "persona" not in s for s in segments)
    # what step 6 adds lives in its own artifact, one record per segment
    profiles = folder.read(artifacts.SEGMENT_PROFILES)
    assert [p["segment"] for p in profiles] == [s["segment"] for s in segments]
    assert sum(p["value_share"] for p in profiles) == pytest.approx(1.0)
    sizes = folder.read(artifacts.SIZES).set_index("segment")
    for p in profiles:
        assert p["value_share"] == pytest.approx(sizes.loc[p["segment"], "value_share"])
        assert p["persona"].startswith(f"Segment {p['segment']}. ") and "(base" in p["persona"]


def test_index_page_shows_value_share_and_persona(profiled):
    folder, result, _ = profiled
    segments = index_context(folder.path, {})["segments"]
    assert len(segments) == result.k
    top = max(segments, key=lambda s: s["value_share"])
    assert top["value_share_text"].endswith("%") and top["value_share_text"] != "–"
    assert top["persona"] == result.persona_texts[top["segment"]]
    assert top["name"] == result.names[top["segment"]]  # the name stays step 5's


def test_profit_is_the_margin_and_the_whale_curve_adds_up(profiled):
    folder, result, _ = profiled
    assert result.profit_label == "profit" and result.whale.label == "profit"
    table = folder.read(artifacts.CUSTOMER_TABLE)
    assert result.whale.total_profit == pytest.approx(table["margin_total"].sum())
    assert 0 < result.whale.share_for_80 < 0.8  # a minority of customers brings most of the profit
    assert result.whale.peak_profit_share >= 1.0
    by_segment = result.whale_by_segment
    assert by_segment["n"].sum() == result.n_customers
    assert by_segment["profit_share"].sum() == pytest.approx(1.0)


def test_profiles_identification_and_likelihood(profiled):
    folder, result, _ = profiled
    profiles = folder.read(artifacts.PROFILES)
    assert len(profiles) == result.k * len(result.profile.basis)
    assert set(profiles["segment"]) == set(result.names)
    assert len(result.distinctive) == int(profiles["distinctive"].sum()) > 0

    ident = folder.read(artifacts.IDENTIFICATION)
    assert 0 <= ident["baseline_accuracy"] < ident["cv_accuracy"] <= 1
    assert ident["cv_accuracy"] > 0.8  # the demo's planted segments are recognisable from behaviour
    assert 0 <= ident["holdout_accuracy"] <= 1
    assert ident["cv_accuracy"] == pytest.approx(result.behaviour_rule.cv_accuracy)
    assert ident["descriptor_cv_accuracy"] == pytest.approx(result.descriptor_rule.cv_accuracy)
    assert result.behaviour_rule_lines["rule"].iloc[-1].startswith("Overall: right for")
    assert result.basis_label == "behaviour"

    ltb = folder.read(artifacts.LIKELIHOOD_TO_BUY)
    assert len(ltb) == result.n_customers and ltb["score"].between(0, 1).all()
    assert result.likelihood.cv_auc > 0.7
    assert len(result.best_list) == 15 and result.best_list["rank"].tolist() == list(range(1, 16))


def test_descriptors_personas_and_targets(profiled):
    _, result, _ = profiled
    assert set(result.persona_texts) == set(result.names)
    assert result.personas_note is None and result.logit_note is None
    tests = result.descriptor_tests
    assert list(tests["descriptor"]) == result.descriptors
    assert (tests.loc[tests["descriptor"] == "age", "p_adjusted"] < 0.001).all()  # age is planted per segment
    assert 0 < result.logit.pseudo_r2 < 1
    tm = result.targets
    assert sorted(tm.table["priority"]) == list(range(1, result.k + 1))
    assert tm.table["attractiveness"].between(0, 10).all() and tm.table["fit"].between(0, 10).all()
    # every weighted criterion of the demo brief is measured from the data, margin by the margin
    assert tm.skipped == () and result.targets_by_spend == ()
    crit = result.target_criteria.set_index("criterion")
    assert set(crit.columns) == set(result.names)
    sizes = result.sizes.set_index("segment")
    assert crit.loc["margin"].to_dict() == pytest.approx(sizes["profit_per_customer"].to_dict())


def test_segment_actions_and_separation(profiled):
    folder, result, _ = profiled
    actions = result.segment_actions
    assert list(actions.columns) == ["segment", "name", "n_customers", "share", "value_share", "action"]
    assert actions["n_customers"].sum() == result.n_customers
    sep = result.separation
    assert len(sep.X) == len(sep.labels) == result.n_customers
    assert set(np.unique(sep.labels)) == set(result.names)


def test_a_descriptor_with_many_values_is_cut_to_its_most_frequent(demo_run_steps, small_demo, tmp_path):
    """A store column with hundreds of values: step 6 keeps the 19 most frequent plus 'other', and says so."""
    import yaml

    from segkit.study.profiling import MAX_DESCRIPTOR_LEVELS

    run = copy_run(demo_run_steps[0], tmp_path / "run")
    folder = RunFolder(run)
    path = folder.artifact_path(artifacts.CUSTOMER_TABLE)
    table = pd.read_parquet(path)
    rng = np.random.default_rng(0)
    table["store"] = [f"store {i}" for i in rng.zipf(1.6, len(table)) % 400]
    table.to_parquet(path, index=False)
    study = yaml.safe_load((small_demo / "study.yaml").read_text())
    study["descriptors"] = [*study["descriptors"], "store"]
    for spec in study["data"].values():
        spec["path"] = str(small_demo / spec["path"])
    study_path = tmp_path / "s.yaml"
    study_path.write_text(yaml.safe_dump(study), encoding="utf-8")
    result = run_steps(run, study_path, ["profiling"])["profiling"]
    n_values = table["store"].nunique()
    assert n_values > MAX_DESCRIPTOR_LEVELS
    assert result.descriptor_levels_note.startswith(f"store has {n_values:,} values: the 19 most frequent are kept")
    tested = result.descriptor_tests
    assert "store" in set(tested["descriptor"])


def test_the_terminal_names_each_part_of_step_6_as_it_starts(demo_run_steps, small_demo, tmp_path):
    from segkit.study.profiling import PROFILING_PARTS

    lines: list[str] = []
    run_steps(copy_run(demo_run_steps[0], tmp_path / "run"), small_demo / "study.yaml", ["profiling"],
              progress=lines.append)
    parts = [line for line in lines if line.startswith("profiling ")]
    assert len(parts) == PROFILING_PARTS
    assert [p.rsplit("(", 1)[1].split(")")[0] for p in parts] == [f"{i} of 6" for i in range(1, 7)]
    assert "identification rules (5 of 6), elapsed" in parts[4]

"""Step 8 (iteration) and ``segkit compare`` in-process: what is compared with, and the numbers."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import copy_run

from segkit.compare import compare
from segkit.config import load_config
from segkit.errors import DataError
from segkit.index_page import render_index
from segkit.iteration import INCONCLUSIVE, MIN_REFIT_AGREEMENT
from segkit.pipeline import earlier_window_assignments
from segkit.study import artifacts
from segkit.study import iteration as step8
from segkit.study.context import new_context, run_steps
from segkit.study.folder import RunFolder
from segkit.study.window import StudyWindow

EARLIER_CUTOFF = dt.date(2025, 3, 31)  # the demo's cut-off 2025-09-30, six months back, a month end kept


def test_step8_compares_with_the_earlier_window(demo_run_steps, small_demo, tmp_path):
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    result = run_steps(run, small_demo / "study.yaml", ["iteration"])["iteration"]

    assert result.source == "earlier_window" and result.has_comparison and result.why_not is None
    assert result.earlier_window.cutoff == EARLIER_CUTOFF
    assert result.compared_with == ("the same method refitted with k = 5 on the earlier window ending 2025-03-31 "
                                    "(6 months before the cut-off), as long as the current one")
    # like for like: the data begin on 2024-01-01, so both windows hold the 456 days up to their own cut-off
    earlier, now = result.comparison_windows
    assert (earlier.history_start, now.history_start) == (dt.date(2024, 1, 1), dt.date(2024, 7, 2))
    assert "Both windows hold 456 days of history" in result.windows_text
    assert 0 <= result.refit_ari <= 1 and f"ARI {result.refit_ari:.2f}" in result.windows_text
    m, rec = result.migration, result.recommendation
    assert 0 <= m.ari <= 1 and 0 <= m.stay_share <= 1 and m.matched_by == "profiles"
    # the refit on the shorter window agrees with step 5 enough to speak for it, and the page says so with its number
    assert result.refit_ari >= MIN_REFIT_AGREEMENT and result.refit_speaks
    assert rec.decision in ("keep", "adjust", "re-segment")
    assert rec.reasons[-1] == (f"The current side, refitted on the shorter window, agrees with step 5's segments at "
                               f"ARI {result.refit_ari:.2f} (at least {MIN_REFIT_AGREEMENT:g}), so the comparison "
                               "speaks for them.")
    assert rec.table.iloc[0]["leads_to"] == INCONCLUSIVE and not rec.table.iloc[0]["breached"]
    # the recommendation judges whether the boundaries persist; customers moving is shown, not held against it
    assert rec.rule.startswith("Inconclusive when the current side") and "Otherwise: keep when the segment " \
        "boundaries agree" in rec.rule
    assert rec.table["check"].iloc[1] == "refit segments holding mostly other step 5 segments' customers"
    assert rec.table["check"].iloc[2].startswith("agreement (ARI, earlier model vs current fit")
    assert any(f"ARI {m.ari:.2f} on the {m.n_common:,} customers in both" in r for r in rec.reasons)
    # step 5's sizes beside the refit's, so the drift table's n_current is read for what it is
    sizes = result.refit_sizes.set_index("segment")
    own_n = RunFolder(run).read(artifacts.ASSIGNMENTS)["segment"].value_counts()
    assert sizes["n_step5"].to_dict() == own_n.sort_index().to_dict()
    drift_n = result.drift.sizes.set_index("segment")["n_current"]
    assert all(sizes.loc[s, "n_refit"] == n for s, n in drift_n.items() if not isinstance(s, str))
    assert "refit on the current 456-day window (close to step 5's segments" in result.sides_caption
    # a refit segment named for a step 5 segment it shares few customers with is pointed out, with its numbers
    for r in result.refit_sizes.itertuples():
        said = f"{r.refit_also_in_step5_segment:,} of the {r.n_refit:,} in refit segment {r.segment} are in step 5's"
        assert (said in result.windows_text) == (2 * r.refit_also_in_step5_segment < r.n_refit)

    # every customer of the current window is counted once; "new" are those without a purchase in the earlier one
    folder = RunFolder(run)
    tx = folder.read(artifacts.TABLE_TRANSACTIONS)
    tx = tx[tx["amount"] > 0]
    in_now = set(tx.loc[now.in_history(tx["date"]), "customer_id"])
    in_earlier = set(tx.loc[earlier.in_history(tx["date"]), "customer_id"])
    new = in_now - in_earlier
    assert m.counts.loc["new"].sum() == len(new) > 0
    assert m.counts.drop(columns="gone").to_numpy().sum() == len(in_now)
    assert m.n_common == len(in_now) - len(new)
    # the current side keeps step 5's numbers and names
    own = folder.read(artifacts.ASSIGNMENTS).drop_duplicates("segment")
    assert m.names_current == dict(zip(own["segment"], own["segment_name"]))
    assert result.drift.sizes["share_previous"].sum() == pytest.approx(1)
    assert result.drift.sizes["share_current"].sum() == pytest.approx(1)
    assert len(result.comparison.largest_flows) == min(step8.N_LARGEST_FLOWS, len(m.flows))
    assert result.comparison.largest_flows["n"].is_monotonic_decreasing

    doc = folder.read(artifacts.ITERATION)
    assert doc == {"compared_with": result.compared_with, "ari": pytest.approx(m.ari),
                   "stay_share": pytest.approx(m.stay_share), "recommendation": rec.decision,
                   "reason": " ".join(rec.reasons), "rule": rec.rule, "matched_by": "profiles",
                   "windows": result.windows_text}


def test_step8_says_inconclusive_when_the_refit_is_another_segmentation(demo_run_steps, small_demo, tmp_path):
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    folder = RunFolder(run)
    # step 5's segments scrambled among its customers: the refit on the shorter window cannot agree with them
    own = folder.read(artifacts.ASSIGNMENTS)
    order = np.random.default_rng(3).permutation(len(own))
    scrambled = own.assign(segment=own["segment"].to_numpy()[order], segment_name=own["segment_name"].to_numpy()[order])
    folder.write(artifacts.ASSIGNMENTS, scrambled, step="stability")
    result = run_steps(run, small_demo / "study.yaml", ["iteration"])["iteration"]

    ari, rec = result.refit_ari, result.recommendation
    assert abs(ari) < 0.05 and not result.refit_speaks
    assert rec.decision == INCONCLUSIVE
    assert rec.reasons[0] == ("The comparison is inconclusive for the delivered segments: the shorter window gives a "
                              f"different segmentation (its refit agrees with step 5's segments at ARI {ari:.2f}, "
                              f"below {MIN_REFIT_AGREEMENT:g}), so its drift says nothing about whether to keep, "
                              "adjust or re-segment them.")
    # what would make it conclusive, with the dates: the demo's data begin 2024-01-01, step 5 sees 639 days to
    # 2025-09-30, and an earlier window as long, ending 2025-03-31, would need data from 2023-07-02
    assert rec.reasons[1] == ("It becomes conclusive with more history before the earlier cut-off: step 5's segments "
                              "rest on 639 days (2024-01-01 to 2025-09-30), and an earlier window as long, ending "
                              "2025-03-31, needs transactions from 2023-07-02 on; with the data as they are, a "
                              "smaller earlier_window_months (now 6) lengthens both windows towards step 5's "
                              "history.")
    assert not any(w in " ".join(rec.reasons) for w in ("Keep", "Adjust", "Re-segment"))
    assert (rec.table.iloc[0]["measured"], rec.table.iloc[0]["breached"]) == (pytest.approx(ari), True)
    assert f"That refit is a different segmentation from step 5's: they agree at ARI {ari:.2f}, below " \
           f"{MIN_REFIT_AGREEMENT:g}" in result.windows_text
    assert result.sides_caption.endswith(f"(not step 5's segments: ARI {ari:.2f} with them) against the refit on "
                                         "the earlier one")
    # the tables are still there, for what they are
    assert result.drift.sizes["n_current"].sum() == result.refit_sizes["n_refit"].sum() > 0
    doc = folder.read(artifacts.ITERATION)
    assert doc["recommendation"] == INCONCLUSIVE and doc["reason"] == " ".join(rec.reasons)
    page = render_index(run, {"steps": []})
    assert f"<b>Over time:</b> {INCONCLUSIVE} — The comparison is inconclusive" in page


def test_step8_with_itself_as_previous_run_keeps(demo_run_steps, make_study, tmp_path):
    previous = demo_run_steps[0]
    study = make_study(previous_run=str(previous))
    run = copy_run(previous, tmp_path / "run")
    result = step8.run(new_context(run, study, "iteration"))

    assert result.source == "previous_run" and result.previous_run == RunFolder(previous).path
    assert result.compared_with == f"the previous run {previous.name}"
    assert result.migration.ari == 1.0 and result.migration.stay_share == 1.0
    assert result.migration.n_common == len(RunFolder(run).read(artifacts.ASSIGNMENTS))
    assert result.drift.max_size_shift == 0 and result.drift.max_profile_shift == 0
    assert result.recommendation.decision == "keep"
    doc = RunFolder(run).read(artifacts.ITERATION)
    assert (doc["ari"], doc["stay_share"], doc["recommendation"]) == (1.0, 1.0, "keep")


def test_step8_refuses_a_previous_run_without_assignments(demo_run_steps, make_study, tmp_path):
    empty = tmp_path / "not-a-run"
    empty.mkdir()
    study = make_study(previous_run=str(empty))
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    with pytest.raises(DataError, match=rf"not-a-run: previous_run must be a segkit run folder .* no "
                                        rf"artifacts/{artifacts.ASSIGNMENTS.name} and no "
                                        rf"artifacts/{artifacts.CUSTOMER_TABLE.name}"):
        step8.run(new_context(run, study, "iteration"))
    assert not RunFolder(run).has(artifacts.ITERATION)


def test_survey_study_has_nothing_to_compare(make_study, tmp_path):
    study = make_study(base="survey_study.yaml")
    run = tmp_path / "run"
    results = run_steps(run, study, ["goals", "resources", "method", "data", "stability", "iteration"])
    result = results["iteration"]

    assert result.source == "none" and not result.has_comparison
    assert result.compared_with is None and result.migration is None and result.recommendation is None
    assert result.why_not == step8.NOTHING_TO_COMPARE
    assert "no previous run" in result.why_not and "no transaction history" in result.why_not
    assert not RunFolder(run).has(artifacts.ITERATION)
    with pytest.raises(ValueError, match="compared with nothing"):
        result.as_document()


def test_earlier_window_counts_the_whole_cutoff_day(demo_run_steps, small_demo):
    folder = RunFolder(demo_run_steps[0])
    cfg = load_config(small_demo / "study.yaml")
    tx = folder.read(artifacts.TABLE_TRANSACTIONS)
    template = tx.iloc[[0]]
    late = template.assign(customer_id="ZZ-LATE", order_id="ZZ-1", amount=50.0,
                           date=pd.Timestamp("2025-03-31 15:00"))
    next_day = template.assign(customer_id="ZZ-NEXT", order_id="ZZ-2", amount=50.0,
                               date=pd.Timestamp("2025-04-01 00:00"))
    tx = pd.concat([tx, late, next_day], ignore_index=True)
    # the old filter (date <= midnight of the earlier cut-off) lost the 15:00 line
    assert not (late["date"] <= pd.Timestamp(EARLIER_CUTOFF)).any()

    assignments, table, earlier = earlier_window_assignments(
        cfg, StudyWindow.from_config(cfg), transactions=tx, customers=folder.read(artifacts.TABLE_CUSTOMERS),
        survey=folder.read(artifacts.TABLE_SURVEY), method="kmeans", k=5)

    assert earlier.cutoff == EARLIER_CUTOFF
    assert "ZZ-LATE" in set(assignments["customer_id"])
    row = table.set_index("customer_id").loc["ZZ-LATE"]
    assert (row["frequency"], row["recency_days"], row["tenure_days"]) == (1, 0, 0)
    assert "ZZ-NEXT" not in set(table["customer_id"])


def _finished_copy(run, dest, study) -> RunFolder:
    """A copy of ``run`` with the manifest ``segkit run`` would write (the parts compare reads)."""
    folder = RunFolder(copy_run(run, dest))
    cfg = load_config(study)
    folder.write_manifest({"study": cfg.name, "title": cfg.title, "run_id": folder.path.name,
                           "config": cfg.to_dict(), "status": "ok"})
    return folder


def test_compare_two_runs_of_the_same_segmentation(demo_run_steps, small_demo, tmp_path):
    a = _finished_copy(demo_run_steps[0], tmp_path / "a", small_demo / "study.yaml")
    b = _finished_copy(demo_run_steps[0], tmp_path / "b", small_demo / "study.yaml")
    result = compare(a.path, b.path)

    n = len(a.read(artifacts.ASSIGNMENTS))
    assert result.migration.ari == 1.0 and result.migration.stay_share == 1.0 and result.migration.n_common == n
    assert result.recommendation.decision == "keep"
    assert result.basis == list(load_config(small_demo / "study.yaml").basis)
    runs = result.runs
    assert runs["folder"].tolist() == ["a", "b"] and runs["customers"].tolist() == [str(n)] * 2
    assert runs["cut-off"].tolist() == ["2025-09-30"] * 2 and runs["segments"].tolist() == ["5", "5"]
    # all flows stay on the diagonal
    flows = result.largest_flows
    assert (flows.loc[flows["n"] > 0, "from_segment"] == flows.loc[flows["n"] > 0, "to_segment"]).all()


def test_compare_refuses_a_folder_that_is_not_a_run(demo_run_steps, small_demo, tmp_path):
    a = _finished_copy(demo_run_steps[0], tmp_path / "a", small_demo / "study.yaml")
    bare = copy_run(demo_run_steps[0], tmp_path / "bare")  # artifacts but no manifest
    with pytest.raises(DataError, match=f"bare: not a segkit run folder: {RunFolder.MANIFEST} is missing"):
        compare(a.path, bare)

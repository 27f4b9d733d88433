"""Conclusions a client can trust: every claim of a report measured, and the number beside it (issue 13).

Each test here failed on the reports before issue 13: the verdict counted statistical tests instead of the
brief's criteria, a managerial k lost the evidence about other k, a re-run against itself did not state its
rule, step 7's split-half and step 8's migration numbered segments their own way, and lift was measured
against random targeting only.
"""

import re

import pandas as pd
import pytest
import yaml
from conftest import ROOT, copy_run

from segkit.index_page import render_index
from segkit.study import artifacts
from segkit.study.context import run_steps
from segkit.study.folder import RunFolder

LAST_THREE = ["profiling", "validation", "iteration"]


@pytest.fixture(scope="module")
def concluded(demo_run_steps, small_demo, tmp_path_factory):
    """Steps 6-8 on a copy of the small demo's steps 1-5; (run folder, results by step)."""
    run = copy_run(demo_run_steps[0], tmp_path_factory.mktemp("concluded") / "run")
    results = dict(demo_run_steps[1])
    results.update(run_steps(run, small_demo / "study.yaml", LAST_THREE))
    return RunFolder(run), results


def _demo_goal() -> dict:
    return yaml.safe_load((ROOT / "data" / "demo" / "study.yaml").read_text(encoding="utf-8"))["goal"]


# --------------------------------------------------------------------------------------------------------
# 1. the verdict: one row per criterion of the brief
# --------------------------------------------------------------------------------------------------------

def test_a_brief_with_three_criteria_gives_a_three_row_verdict(demo_run_steps, make_study, tmp_path):
    criteria = {"knock-out": ["Every segment holds at least 5% of the customers"],
                "success": ["Segments differ in revenue after the cut-off (p < 0.01)",
                            "Segments replicate on half of the data (adjusted Rand index >= 0.7)"]}
    goal = dict(_demo_goal(), knockout_criteria=criteria["knock-out"], success_criteria=criteria["success"])
    study = make_study(goal=goal)
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    result = run_steps(run, study, ["goals", "profiling", "validation"])["validation"]

    table = result.verdict.table
    assert len(table) == 3
    assert table["criterion"].tolist() == criteria["knock-out"] + criteria["success"]
    assert table["kind"].tolist() == ["knock-out", "success", "success"]
    assert table["measure"].tolist() == ["min_segment_share", "outcome_p_value", "replication_ari"]
    assert table["threshold"].tolist() == pytest.approx([0.05, 0.01, 0.7])
    assert table["value"].notna().all() and table["passed"].notna().all()
    assert table["evidence"].str.match(r"0[5-7]_\w+\.html#").all()
    n_pass = int(table["passed"].sum())
    assert result.summary.startswith(f"{n_pass} of 3 criteria pass")
    doc = RunFolder(run).read(artifacts.VERDICT)
    assert len(doc["table"]) == 3


def test_the_demo_verdict_counts_each_criterion_once(concluded):
    folder, results = concluded
    brief = folder.read(artifacts.BRIEF)
    table = results["validation"].verdict.table
    assert len(table) == len(brief["knockout_criteria"]) + len(brief["success_criteria"]) == 9
    assert not table["criterion"].duplicated().any()
    # a new customer is placed from their first months of behaviour, never from the basis at the cut-off
    ident = table.loc[table["measure"] == "identification_accuracy"].iloc[0]
    assert "first 90 days" in ident["measured_by"]
    early = folder.read(artifacts.IDENTIFICATION)["early_cv_accuracy"]
    assert ident["value"] == pytest.approx(early)
    assert ident["value"] != pytest.approx(folder.read(artifacts.IDENTIFICATION)["cv_accuracy"])
    # what cannot be measured is left to the team, and not counted
    judged = table.loc[table["passed"].isna()]
    assert set(judged["measure"]) == {"team_judges"}
    # the success criterion "placed ... 70%" repeats knock-out #2's measurement: one row each, counted once
    repeats = table.loc[table["same_as"].notna()]
    assert repeats["same_as"].tolist() == [2] and "counted once" in repeats["note"].iloc[0]
    v = results["validation"]
    assert v.n_passed + v.n_failed == len(table) - len(judged) - len(repeats)
    assert "1 criterion repeats another's measurement and is counted once" in v.summary


# --------------------------------------------------------------------------------------------------------
# 2. lift against random and against the obvious heuristic
# --------------------------------------------------------------------------------------------------------

def test_the_lift_table_includes_the_past_spend_baseline(concluded):
    folder, results = concluded
    lift = results["validation"].baselines
    t = lift.table
    assert set(t["baseline"]) == {"random", "past spend", "past frequency"}
    segments = folder.read(artifacts.SEGMENTS)
    assert set(t["group"]) == {*(f"{s['segment']}. {s['name']}" for s in segments), "target segments"}
    assert (t["ci_low"] <= t["lift"]).all() and (t["lift"] <= t["ci_high"]).all()
    # the lift against random is the segment's later revenue per customer over the base's
    outcomes = folder.read(artifacts.OUTCOMES)
    a = folder.read(artifacts.ASSIGNMENTS).merge(outcomes, on="customer_id", how="left").fillna({"revenue_after": 0})
    seg1 = t[(t["segment"] == 1) & (t["baseline"] == "random")].iloc[0]
    expected = a.loc[a["segment"] == 1, "revenue_after"].mean() / a["revenue_after"].mean()
    assert seg1["lift"] == pytest.approx(expected)
    # the headline names the heuristic and says whether the target segments beat it, with the table's numbers
    target = t[(t["group"] == "target segments") & (t["baseline"] == "past spend")].iloc[0]
    assert "past spend" in lift.headline and f"{target['lift']:.2f}" in lift.headline
    assert f"{100 * target['baseline_share']:.1f}%" in lift.headline
    # the index page's verdict says the same, with the same numbers
    said = folder.read(artifacts.VERDICT)["against_past_spend"]
    assert said == lift.conclusion and f"lift {target['lift']:.2f}, 95% interval {target['ci_low']:.2f}" in said
    assert said in render_index(folder.path, {"steps": []})


# --------------------------------------------------------------------------------------------------------
# 3. step 5: a managerial k keeps the evidence about the k around it; sentences agree with the table
# --------------------------------------------------------------------------------------------------------

_K_CLAIM = re.compile(r"k = (\d+) \(median ARI (-?\d\.\d\d)(?:, quartiles (-?\d\.\d\d) to (-?\d\.\d\d))?\)")


def _check_k_sentence(reason: str, summary: pd.DataFrame) -> list[int]:
    """Every 'k = N (median ARI m, quartiles a to b)' of the sentence against the table; the k named."""
    table = summary.set_index("k")
    named = []
    for k, median, q25, q75 in _K_CLAIM.findall(reason):
        row = table.loc[int(k)]
        assert median == f"{row['median']:.2f}", (k, reason)
        if q25:
            assert (q25, q75) == (f"{row['q25']:.2f}", f"{row['q75']:.2f}"), (k, reason)
        named.append(int(k))
    # "the highest" / "the most stable" is said exactly of the k whose median shows as the table's highest
    top = summary["median"].round(2).max()
    tops = {int(k) for k in table.index if round(table.loc[k, "median"], 2) == top}
    for k in re.findall(r"k = (\d+) \([^)]*\) (?:has the highest|is the most stable|is among the most)", reason):
        assert int(k) in tops, (k, reason)
    listed = re.search(r"(?:the most stable:|is [01]\.\d\d, at|of the most stable of k = \d+ to \d+,) "
                       r"k = ([\d, and]+)", reason)
    if listed:
        assert {int(x) for x in re.findall(r"\d+", listed.group(1))} == tops, reason
        assert f"{top:.2f}" in reason
    return named


def test_a_managerial_k_shows_the_stability_of_the_k_around_it(demo_run_steps, make_study, tmp_path):
    study = make_study(k_range=[4, 4], n_boot=4, n_init=2)
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    result = run_steps(run, study, ["stability"])["stability"]
    summary = result.global_stability.summary()
    assert summary["k"].tolist() == [2, 3, 4, 5, 6]
    assert result.k == 4 and summary.loc[summary["chosen"], "k"].tolist() == [4]
    assert "set in the study file" in result.reason
    named = _check_k_sentence(result.reason, summary)
    # the sentence quotes k = 4 first; any other k it names (the most stable) is checked against the table too
    assert named[0] == 4


def test_the_k_sentence_agrees_with_its_table(demo_run_steps):
    result = demo_run_steps[1]["stability"]
    summary = result.global_stability.summary()
    named = _check_k_sentence(result.reason, summary)
    assert result.k in named


# --------------------------------------------------------------------------------------------------------
# 4. step 8: the same study against itself keeps, and says by which rule
# --------------------------------------------------------------------------------------------------------

def test_the_same_study_rerun_against_its_first_run_keeps(concluded, demo_run_steps, make_study, tmp_path):
    first, _ = concluded
    # Steps 1-5 of a re-run are byte for byte those of the first run (test_same_inputs_same_assignments_in_process),
    # so the re-run starts from a copy of them and runs steps 6-8 with the first run as its previous run.
    second = copy_run(demo_run_steps[0], tmp_path / "second")
    study = make_study(previous_run=str(first.path))
    result = run_steps(second, study, LAST_THREE)["iteration"]
    assert result.source == "previous_run"
    assert result.migration.ari == 1.0 and result.migration.stay_share == 1.0
    assert result.migration.matched_by == "profiles"
    rec = result.recommendation
    assert rec.decision == "keep"
    assert rec.rule.startswith("Keep when") and "re-segment when" in rec.rule
    assert "ARI 1.00" in " ".join(rec.reasons)
    assert result.drift.max_size_shift == 0 and result.drift.max_profile_shift == 0
    doc = RunFolder(second).read(artifacts.ITERATION)
    assert doc["recommendation"] == "keep" and doc["rule"] == rec.rule


def test_the_earlier_window_is_as_long_as_the_current_one(concluded):
    _, results = concluded
    itr = results["iteration"]
    earlier, current = itr.comparison_windows
    assert (earlier.cutoff - earlier.history_start) == (current.cutoff - current.history_start)
    # the current run's numbers are kept: every column of the migration is one of step 5's segments
    k = results["stability"].k
    cols = [c for c in itr.migration.counts.columns if c != "gone"]
    assert set(cols) <= set(range(1, k + 1))


# --------------------------------------------------------------------------------------------------------
# 5. one number and one name per segment, on every page and in every export
# --------------------------------------------------------------------------------------------------------

NAMES = {1: "Harbour", 2: "Lantern", 3: "Orchard", 4: "Meadow", 5: "Quarry"}


def test_a_segment_has_one_number_and_name_everywhere(demo_run_steps, make_study, tmp_path):
    study = make_study(k_range=[5, 5], n_boot=4, n_init=3, segment_names=NAMES)
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    results = run_steps(run, study, ["stability", *LAST_THREE])
    folder = RunFolder(run)

    def pairs(frame, seg="segment", name="name"):
        return dict(zip(frame[seg].astype(int), frame[name]))

    assert pairs(folder.read(artifacts.ASSIGNMENTS).drop_duplicates("segment"), name="segment_name") == NAMES
    assert pairs(pd.DataFrame(folder.read(artifacts.SEGMENTS))) == NAMES
    assert pairs(folder.read(artifacts.SIZES)) == NAMES
    prof, val, itr = results["profiling"], results["validation"], results["iteration"]
    assert prof.names == NAMES and pairs(prof.segments) == NAMES
    assert pairs(val.outcomes.means, name="segment_name") == NAMES
    groups = {g for g in val.baselines.table["group"] if g != "target segments"}
    assert groups == {f"{s}. {n}" for s, n in NAMES.items()}
    # step 7's split-half centres carry step 5's numbers and names
    centres = val.replication.centroids
    assert pairs(centres.drop_duplicates("segment"), name="segment_name") == NAMES
    assert set(val.centre_shift["segment"]) == set(NAMES)
    # step 8 keeps this run's numbers; the earlier segments are matched to them
    m = itr.migration
    assert {c for c in m.counts.columns if c != "gone"} <= set(NAMES)
    assert m.names_current == NAMES
    kept = itr.drift.sizes[itr.drift.sizes["status"] != "vanished"]
    assert pairs(kept) == {s: NAMES[s] for s in kept["segment"]}
    page = render_index(run, {"steps": []})
    for s, n in NAMES.items():
        assert f'<td class="num">{s}</td><td><b>{n}</b>' in page


def test_segment_names_must_fit_the_segments(demo_run_steps, make_study):
    from segkit.config import load_config
    from segkit.errors import ConfigError
    from segkit.study.stability import named

    with pytest.raises(ConfigError, match="segment_names"):
        load_config(make_study(segment_names={0: "Zero"}))
    with pytest.raises(ConfigError, match="are both named 'A'"):
        load_config(make_study(segment_names={1: "A", 2: "A"}))
    solution = demo_run_steps[1]["stability"].segmentation  # five segments
    with pytest.raises(ConfigError, match=r"segment_names names segment 9, but the solution has segments 1 to 5"):
        named(solution, {1: "A", 9: "E"})
    renamed = named(solution, {2: "Second"})
    assert renamed.segments.set_index("segment").loc[2, "name"] == "Second"
    assert set(renamed.assignments.loc[renamed.assignments["segment"] == 2, "segment_name"]) == {"Second"}


# --------------------------------------------------------------------------------------------------------
# 6. text by the kind of basis item
# --------------------------------------------------------------------------------------------------------

def test_perception_items_read_as_perceptions_not_needs():
    import numpy as np

    from segkit.methods.naming import describe_segments

    rng = np.random.default_rng(0)
    seg = np.repeat([1, 2], 100)
    X = pd.DataFrame({"disgusting": np.r_[rng.random(100) < 0.8, rng.random(100) < 0.1].astype(int),
                      "price_sensitive": np.r_[rng.random(100) < 0.2, rng.random(100) < 0.7].astype(int)})
    out = describe_segments(X, seg, kind="binary", item_kinds={"disgusting": "perception",
                                                               "price_sensitive": "need"}).set_index("segment")
    a1, a2 = out.loc[1, "action"], out.loc[2, "action"]
    assert "value" not in a1 and "disgusting" in a1 and "%" in a1
    assert re.search(r"disgusting.*\d+% .*base \d+%", a1)
    assert "multi-buy deals" in a2 and re.search(r"\d+% .*base \d+%", a2)


# --------------------------------------------------------------------------------------------------------
# 7. value x potential x loyalty: one-time buyers are never loyal; a degenerate P(alive) is flagged
# --------------------------------------------------------------------------------------------------------

def test_one_time_buyers_are_never_loyal(concluded):
    folder, _ = concluded
    table = folder.read(artifacts.CUSTOMER_TABLE)
    once = table["frequency"] <= 1
    assert once.any()
    assert (table.loc[once, "loyalty"] == 0).all()
    assert (table.loc[~once, "loyalty"] > 0).any()


def test_a_degenerate_p_alive_is_flagged_and_loyalty_falls_back():
    import numpy as np

    from segkit.pipeline import customer_table

    n = 200
    features = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": np.r_[[1] * 50, [3] * 150],
                             "monetary_total": 100.0, "tenure_days": 300, "spend_stability": np.linspace(0, 1, n)})
    value = pd.DataFrame({"customer_id": features["customer_id"], "p_alive": 1.0, "expected_orders": 1.0,
                          "expected_spend_per_order": 10.0, "clv": 10.0,
                          "repeat_purchase_days": np.r_[[0] * 50, [2] * 150]})
    table = customer_table(features=features, customers=None, survey=None, value=value)
    assert (table.loc[table["frequency"] <= 1, "loyalty"] == 0).all()
    repeat = table["frequency"] > 1
    # P(alive) tells nobody apart here, so loyalty is spend stability alone
    assert table.loc[repeat, "loyalty"].tolist() == pytest.approx(table.loc[repeat, "spend_stability"].tolist())
    from segkit.value import p_alive_check

    check = p_alive_check(table["p_alive"], table["repeat_purchase_days"])
    assert not check.usable and check.share_certain == 1.0
    assert check.note.startswith("P(alive) is not used for loyalty: 100% of the 150 repeat customers")


def test_a_tie_at_the_tables_precision_is_called_a_tie():
    """Two k whose medians show the same at two decimals: neither 'has the highest' alone."""
    from segkit.stability._global import choose_k

    summary = pd.DataFrame({"k": [2, 3, 4], "median": [0.9612, 0.9581, 0.91], "q25": [0.95, 0.94, 0.88],
                            "q75": [0.97, 0.96, 0.93]})
    k, stable, reason = choose_k(summary)
    assert (k, stable) == (3, True)
    assert "k = 2 and 3 share the highest median adjusted Rand index" in reason and "(0.96 at two decimals)" in reason
    assert "has the highest" not in reason
    _check_k_sentence(reason, summary)


def test_step_6_quotes_the_same_standardised_differences_as_the_segment_names(demo_run_steps, small_demo, tmp_path):
    """The profile's standardised difference of a basis variable is the number the description quotes."""
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    prof = run_steps(run, small_demo / "study.yaml", ["profiling"])["profiling"].profile.table
    segments = pd.DataFrame(RunFolder(run).read(artifacts.SEGMENTS))
    checked = 0
    for seg in segments.itertuples():
        for var, value in re.findall(r"(\w+) ([+-]\d+\.\d) SD", seg.description):
            row = prof[(prof["segment"] == seg.segment) & (prof["variable"] == var)].iloc[0]
            assert f"{row['std_diff']:+.1f}" == value, (seg.segment, var, row["std_diff"], value)
            checked += 1
    assert checked >= 6


def test_step_8_evaluation_plot_uses_the_brief_and_step_6s_targets(concluded):
    """The evaluation plot of step 8 shows step 6's scores and targets, and says what its vertical axis measures."""
    run, results = concluded
    ev = results["iteration"].evaluation
    tm = results["profiling"].targets
    assert ev is not None and tm is not None
    t = ev.table.set_index("segment")
    step6 = tm.table.set_index("segment")
    assert t["attractiveness"].tolist() == pytest.approx(step6["attractiveness"].tolist())
    assert t["competitiveness"].tolist() == pytest.approx(step6["fit"].tolist())
    assert ev.targets == results["profiling"].target_segments and ev.targets
    # the brief has no competitiveness criteria: the page says so and names what is measured instead
    assert ev.y_note is not None and "no criteria for organisational competitiveness" in ev.y_note
    assert ev.y_source in ev.y_note
    table = ev.decision_table
    assert table["decision"].iloc[0] == "target" and len(table) == results["stability"].k
    brief = run.read(artifacts.BRIEF)
    for r in table.itertuples():
        if r.decision == "target":
            assert f"{r.attractiveness:.1f}" in r.why and r.share >= brief["min_segment_share"]
        else:
            assert r.why.startswith("not a target")
            if r.share < brief["min_segment_share"]:
                assert "below the brief's minimum" in r.why
    ax = ev.plot()
    assert "organisational competitiveness" in ax.get_ylabel()
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_executive_summary_quotes_the_results(concluded, tmp_path):
    """Every number of the summary's sentences comes from the segments and the verdict."""
    from segkit.exports import write_exports
    from segkit.summary import SUMMARY_TEXT, executive_summary, render_summary

    run, results = concluded
    copy = RunFolder(copy_run(run.path, tmp_path / "run"))
    export = write_exports(copy.path)
    s = executive_summary(copy.path, title="T", export_rows=(export.n_rows, export.n_excluded))
    sizes = results["profiling"].sizes.set_index("segment")
    targets = results["profiling"].target_segments
    assert [x.segment for x in s.targets] == sorted(targets, key=lambda g: -sizes.loc[g, "value_share"])
    n = int(sizes.loc[targets, "n"].sum())
    value = float(sizes.loc[targets, "value_share"].sum())
    answer = s.answer()
    assert f"{n:,} customers" in answer and f"{100 * value:.1f}%" in answer
    assert f"({len(targets)} of {results['stability'].k})" in answer
    verdict = run.read(artifacts.VERDICT)
    assert verdict["summary"] in s.sure()[0]
    failed = [r["criterion"] for r in verdict["table"] if r["passed"] is False and not r.get("same_as")]
    assert s.failed == failed
    key = "sure_fail" if not verdict["passed"] else "sure_success_failed" if failed else "sure_pass"
    assert s.sure()[0].startswith(SUMMARY_TEXT[key].split("{")[0])
    assert any(f"{export.n_rows:,} rows" in step for step in s.next_steps())
    html = render_summary(s, {"run_id": "r1", "segkit_version": "v"})
    # each target's action is on the page, escaped; every fixed heading comes from the one mapping
    for t in s.targets:
        assert html.count("<tr>") == len(s.targets) + 1
        assert t.name.replace("'", "&#39;") in html
    for key in ("question", "answer", "sure", "next"):
        assert f"<h2>{SUMMARY_TEXT[key]}</h2>" in html
    assert "data:image/png;base64," in html


def test_handed_over_pages_hold_no_machine_path(concluded, tmp_path):
    """The index and the summary name files relative to the run folder, never the analyst's machine."""
    from segkit.index_page import write_index
    from segkit.summary import write_summary

    run, _ = concluded
    copy = RunFolder(copy_run(run.path, tmp_path / "run"))
    manifest = {"run_id": copy.path.name, "title": "T", "status": "ok", "steps": [], "study_file": "study.yaml",
                "config": {}, "inputs": {"transactions": {"path": "transactions.parquet"}}}
    write_summary(copy.path, manifest)
    write_index(copy.path, manifest)
    for page in (copy.summary_path, copy.index_path):
        html = page.read_text(encoding="utf-8")
        assert str(tmp_path) not in html and str(ROOT) not in html and "/home/" not in html, page.name
    assert 'href="summary.html"' in copy.index_path.read_text(encoding="utf-8")


def test_step_6_page_shows_the_best_list_without_customer_ids(concluded):
    """Raw customer ids are for the per-customer export only; the page's best list ranks without them."""
    profiling = concluded[1]["profiling"]
    shown, full = profiling.best_list_shown, profiling.best_list
    assert "customer_id" not in shown.columns and "customer_id" in full.columns
    assert shown["rank"].tolist() == full["rank"].tolist() == list(range(1, len(full) + 1))


def test_summary_page_renders_in_headless_chromium(concluded, tmp_path):
    """The summary page, with its linked stylesheet, renders in a browser as a client opens it."""
    import shutil
    import subprocess

    from segkit.summary import write_summary

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (Debian package chromium): the page is not rendered")
    run, _ = concluded
    copy = RunFolder(copy_run(run.path, tmp_path / "run"))
    page = write_summary(copy.path, {"run_id": "r", "title": "T"})
    shot = tmp_path / "summary.png"
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1100,1600", f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a page with a table and a figure, not a blank one
    assert copy.stylesheet_path.is_file()

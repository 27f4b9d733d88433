"""Step 7, validation, in-process on the small demo; then steps 1-7 on every data shape the demo lacks."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import copy_run

from segkit.study import artifacts
from segkit.study.context import run_steps
from segkit.study.folder import RunFolder

FIRST_FIVE = ["goals", "resources", "method", "data", "stability"]


@pytest.fixture(scope="module")
def validated(demo_run_steps, small_demo, tmp_path_factory):
    """Steps 6 and 7 run on a copy of the demo's steps 1-5; (run folder, step 7 result)."""
    run, _ = demo_run_steps
    copy = copy_run(run, tmp_path_factory.mktemp("validation") / "run")
    results = run_steps(copy, small_demo / "study.yaml", ["profiling", "validation"])
    return RunFolder(copy), results["validation"]


def test_outcome_tests_detect_the_planted_differences(validated):
    folder, result = validated
    tests = result.outcomes.table.set_index("outcome")
    assert result.outcome_names == ["orders_after", "revenue_after", "active_after", "promo_share_after"]
    assert tests.loc["revenue_after", "p_value"] < 0.01
    assert tests["significant"].all()
    means = result.outcomes.means
    n = len(folder.read(artifacts.ASSIGNMENTS))
    assert means.loc[means["outcome"] == "revenue_after", "n"].sum() == n
    # the planted big spenders spend most afterwards too
    rev = means.loc[means["outcome"] == "revenue_after"].set_index("segment")["mean"]
    sizes = folder.read(artifacts.SIZES).set_index("segment")
    assert rev.idxmax() == sizes["value_per_customer"].idxmax()


def test_gains_and_replication(validated):
    _, result = validated
    g = result.gains.table
    assert len(g) == 10 and g["cum_gain"].iloc[-1] == pytest.approx(1.0)
    assert g["lift"].iloc[0] > 1.5  # potential value at the cut-off ranks later revenue
    rep = result.replication
    assert 0.7 <= rep.ari <= 1.0
    assert len(result.centre_shift) == result.k
    assert result.replication_note is None and result.gains_note is None and result.outcomes_note is None


def test_verdict_table_and_summary(validated):
    folder, result = validated
    doc = folder.read(artifacts.VERDICT)
    table = result.verdict.table
    brief = folder.read(artifacts.BRIEF)
    assert len(table) == len(brief["knockout_criteria"]) + len(brief["success_criteria"]) == len(doc["table"])
    assert doc["summary"] == result.summary and doc["passed"] is result.passed
    # a criterion repeating another's measurement keeps its row but is counted once
    measured = result.verdict.counted["passed"].notna().sum()
    assert result.n_passed + result.n_failed == measured > 0
    assert result.summary.startswith(f"{result.n_passed} of {measured} measured criteria pass")
    # each knock-out criterion of the demo's brief is measured, or left to the team by name
    ko = table.loc[table["kind"] == "knock-out"].set_index("measure")
    assert list(ko.index) == ["min_segment_share", "identification_accuracy", "team_judges", "segment_p_value",
                              "team_judges"]
    shown = result.verdict_table
    assert list(shown.columns) == ["criterion", "kind", "measured by", "threshold", "value", "result", "evidence",
                                   "evidence_href", "note"]
    assert shown["result"].isin(["pass", "FAIL", "team judges", "not measured"]).all()
    assert (shown["result"] == "pass").sum() == result.n_passed + (table["same_as"].notna() & table["passed"].eq(True)
                                                                   .fillna(False)).sum()


# --------------------------------------------------------------------------------------------------------
# All eight steps on the data shapes the demo lacks
# --------------------------------------------------------------------------------------------------------

ONLY_REQUIRED = ["order_id", "product", "category", "quantity", "margin", "promotion", "channel"]
SHAPES = {
    "no margin": dict(drop_transaction_columns=["margin"]),
    "no order id": dict(drop_transaction_columns=["order_id"]),
    "customer, date, amount only": dict(tables=["transactions"], drop_transaction_columns=ONLY_REQUIRED,
                                        basis=["recency_days", "frequency", "monetary_avg", "tenure_days"],
                                        descriptors=[]),
    "no customers table": dict(tables=["transactions", "survey"], descriptors=[]),
    "survey only": dict(base="survey_study.yaml"),
    "rule-based rfm8": dict(method="rfm8"),
    # the remaining optional columns (two at a time) and tables of the demo removed (a shorter k range)
    "no product or quantity": dict(drop_transaction_columns=["product", "quantity"], k_range=[2, 4]),
    "no category or channel": dict(drop_transaction_columns=["category", "channel"], k_range=[2, 4]),
    "no survey table": dict(tables=["customers", "transactions"], k_range=[2, 4]),
}
#: Shapes the demo study cannot run on: they stop before any step, with exit 2 and this message.
STOPS = {
    "no promotion": (dict(drop_transaction_columns=["promotion"]),
                     "basis variable 'promo_share' is computed from the transactions' promotion column, which "
                     "transactions.parquet does not have"),
    "a descriptor misspelt": (dict(descriptors=["age", "gendr"]), "descriptor 'gendr' is in no table; closest: "
                                                                  "'gender'"),
}


@pytest.fixture(params=list(SHAPES), ids=list(SHAPES))
def shape(request, make_study, tmp_path):
    """All eight steps in-process on one shape; (shape name, run folder, results by step key)."""
    study = make_study(**SHAPES[request.param], n_boot=6, n_init=3)
    run = tmp_path / "run"
    results = run_steps(run, study, FIRST_FIVE)
    segments = RunFolder(run).artifact_path(artifacts.SEGMENTS).read_bytes()
    results.update(run_steps(run, study, ["profiling", "validation", "iteration"]))
    assert RunFolder(run).artifact_path(artifacts.SEGMENTS).read_bytes() == segments  # step 5's, untouched
    return request.param, RunFolder(run), results


def test_every_shape_runs_all_eight_steps(shape):
    name, folder, results = shape
    prof, val, itr = results["profiling"], results["validation"], results["iteration"]
    # step 8: an earlier window of the same method wherever there are transactions, else nothing and why
    if name == "survey only":
        assert not itr.has_comparison and itr.why_not and not folder.has(artifacts.ITERATION)
    else:
        assert itr.source == "earlier_window" and 0 <= itr.migration.ari <= 1
        assert folder.read(artifacts.ITERATION)["recommendation"] in ("keep", "adjust", "re-segment")
    assignments = folder.read(artifacts.ASSIGNMENTS)
    segments = folder.read(artifacts.SEGMENTS)
    profiles = folder.read(artifacts.SEGMENT_PROFILES)
    assert [p["segment"] for p in profiles] == [s["segment"] for s in segments]
    ident = folder.read(artifacts.IDENTIFICATION)
    assert 0 <= ident["baseline_accuracy"] <= 1 and 0 <= ident["cv_accuracy"] <= 1
    assert len(folder.read(artifacts.VERDICT)["table"]) == len(val.verdict.table) > 0
    table = folder.read(artifacts.CUSTOMER_TABLE)

    if name == "survey only":
        for section in ("sizes", "whale", "likelihood", "targets"):
            assert getattr(prof, section) is None
            assert "no transactions" in getattr(prof, f"{section}_note").lower()
        assert prof.profit_label is None and prof.basis_label == "survey answers"
        assert not folder.has(artifacts.SIZES) and not folder.has(artifacts.LIKELIHOOD_TO_BUY)
        assert all(p["value_share"] is None and p["persona"] for p in profiles)
        assert val.outcomes is None and val.gains is None and not val.has_later_behaviour
        assert "no transactions after a cut-off" in val.outcomes_note
        assert "later behaviour needs transactions after a cut-off" in val.summary
        assert val.replication is not None  # a data-driven method on the survey
        return

    sizes = folder.read(artifacts.SIZES)
    assert sizes["n"].sum() == len(assignments)
    assert sizes["value_share"].sum() == pytest.approx(1.0)
    assert sum(p["value_share"] for p in profiles) == pytest.approx(1.0)
    assert val.has_later_behaviour
    assert val.outcomes.table.set_index("outcome").loc["revenue_after", "p_value"] < 0.01
    assert prof.likelihood is not None and folder.has(artifacts.LIKELIHOOD_TO_BUY)

    if name in ("no margin", "customer, date, amount only"):
        assert "margin_total" not in table
        assert prof.profit_label == "spend" and prof.whale.label == "spend"
        assert "no margin" in prof.profit_note
        assert not any("profit" in c for c in prof.sizes.columns)
        assert not any("profit" in c or "loss" in c for c in prof.whale_by_segment.columns)
        assert prof.whale_by_segment["spend_share"].sum() == pytest.approx(1.0)
        assert prof.whale.total_profit == pytest.approx(table["monetary_total"].sum())
        ax = prof.whale.plot()
        assert ax.get_ylabel() == "cumulative spend (% of total spend)" and "profit" not in ax.get_title()
        plt.close(ax.figure)
        # the brief's margin criterion is measured by spend per customer, and says so
        assert prof.targets_by_spend == ("margin",)
        crit = prof.targets.criteria
        assert set(crit.loc[crit["criterion"] == "margin", "measured_by"]) == {"value_per_customer"}
    else:
        assert prof.profit_label == "profit" and "margin_total" in table

    if name == "customer, date, amount only":
        assert prof.descriptors == [] and prof.personas is None and prof.descriptor_tests is None
        assert "no descriptors" in prof.personas_note and prof.descriptor_rule is None
        assert all(p["persona"] is None for p in profiles)
        assert ident["descriptor_cv_accuracy"] is None
        assert "response to promotions" in prof.targets.skipped  # no promotion column
        assert val.outcome_names == ["orders_after", "revenue_after", "active_after"]
    if name == "no order id":
        # orders are counted as distinct purchase dates: still a frequency to segment and test on
        assert val.outcomes.table.set_index("outcome").loc["orders_after", "p_value"] < 0.01
        assert val.replication is not None and 0 <= val.replication.ari <= 1
    if name == "no customers table":
        assert prof.personas is None and prof.descriptor_rule is None and prof.logit is None
        assert "no descriptors" in prof.descriptor_rule_note
    if name == "rule-based rfm8":
        assert prof.method == "rfm8" and val.replication is None
        assert "by rule" in val.replication_note
        counts = pd.DataFrame(segments).set_index("segment")["n_customers"]
        empty = [p for p in profiles if counts[p["segment"]] == 0]
        assert all(p["value_share"] == 0.0 and p["persona"] is None for p in empty)
        assert sizes["n"].sum() == counts.sum()


@pytest.mark.parametrize("name", list(STOPS))
def test_shapes_the_study_cannot_use_stop_before_any_step(name, make_study, tmp_path, capsys):
    from segkit.cli import main

    overrides, message = STOPS[name]
    study = make_study(**overrides, n_boot=6, n_init=3)
    assert main(["run", str(study), "--out", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert not (tmp_path / "reports").exists()

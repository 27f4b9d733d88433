import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.base import BaseEstimator, ClusterMixin  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

from segkit.criteria import Evidence  # noqa: E402
from segkit.errors import DataError  # noqa: E402
from segkit.validation import gains, outcome_tests, split_half_replication, verdict  # noqa: E402


def _planted(n=900, *, differ=True, seed=7):
    rng = np.random.default_rng(seed)
    seg = np.repeat([1, 2, 3], n // 3)
    p_active = np.array([0.3, 0.5, 0.8])[seg - 1] if differ else np.full(len(seg), 0.5)
    active = rng.random(len(seg)) < p_active
    orders = np.where(active, rng.poisson(np.array([1, 2, 4])[seg - 1] if differ else 2) + 1, 0)
    revenue = np.where(active, orders * rng.gamma(2.0, 20.0, len(seg)), 0.0)
    ids = [f"c{i:04d}" for i in range(len(seg))]
    a = pd.DataFrame({"customer_id": ids, "segment": seg,
                      "segment_name": pd.Series(seg).map({1: "Lapsing", 2: "Steady", 3: "Loyal"})})
    o = pd.DataFrame({"customer_id": ids, "orders_after": orders, "revenue_after": revenue,
                      "active_after": active})
    return a, o


def test_planted_differences_are_detected():
    a, o = _planted(differ=True)
    res = outcome_tests(a, o)
    t = res.table.set_index("outcome")
    assert set(t.index) == {"orders_after", "revenue_after", "active_after"}
    assert (t["p_value"] < 0.01).all()
    assert t["significant"].all()
    assert t.loc["active_after", "test"] == "chi-square"
    assert t.loc["revenue_after", "test"] == "Kruskal-Wallis"
    # planted active shares 0.3 / 0.5 / 0.8 lie inside the Wilson intervals
    m = res.means[res.means["outcome"] == "active_after"].set_index("segment")
    for s, p in {1: 0.3, 2: 0.5, 3: 0.8}.items():
        assert m.loc[s, "ci_low"] < p < m.loc[s, "ci_high"]


def test_no_difference_is_not_detected():
    a, o = _planted(differ=False, seed=11)
    t = outcome_tests(a, o).table
    assert (t["p_value"] > 0.05).all(), t[["outcome", "p_value"]]
    assert not t["significant"].any()


def test_confidence_intervals_and_effect_sizes_by_hand():
    a = pd.DataFrame({"customer_id": list("abcdefghij") + list("klmnopqrst"), "segment": [1] * 10 + [2] * 10})
    active = [True] * 8 + [False] * 2 + [True] * 2 + [False] * 8
    rev = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10] + [0.0] * 10
    o = pd.DataFrame({"customer_id": a["customer_id"], "active_after": active, "revenue_after": rev})
    res = outcome_tests(a, o)
    m = res.means.set_index(["outcome", "segment"])
    lo, hi = proportion_confint(8, 10, method="wilson")
    assert m.loc[("active_after", 1), "ci_low"] == pytest.approx(lo)
    assert m.loc[("active_after", 1), "ci_high"] == pytest.approx(hi)
    assert (lo, hi) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    # t interval: mean 5.5, sd 3.02765, t(0.975, 9) = 2.262157
    half = 2.262157 * 3.0276504 / np.sqrt(10)
    assert m.loc[("revenue_after", 1), "ci_low"] == pytest.approx(5.5 - half, abs=1e-5)
    t = res.table.set_index("outcome")
    # 2x2 chi-square without correction: chi2 = 7.2, Cramer's V = sqrt(7.2 / 20) = 0.6
    assert t.loc["active_after", "statistic"] == pytest.approx(7.2)
    assert t.loc["active_after", "effect_size"] == pytest.approx(0.6)
    assert t.loc["revenue_after", "effect_size"] == pytest.approx(
        t.loc["revenue_after", "statistic"] * 21 / (20 ** 2 - 1))


def test_pairwise_is_holm_adjusted_and_absent_customers_count_as_zero():
    a, o = _planted(differ=True)
    res = outcome_tests(a, o.iloc[:-30])
    assert res.n_missing == 30
    pw = res.pairwise[res.pairwise["outcome"] == "revenue_after"]
    assert np.allclose(pw["p_adjusted"], multipletests(pw["p_value"], method="holm")[1])
    m = res.means.set_index(["outcome", "segment"])
    assert m.loc[("orders_after", 3), "n"] == 300  # the 30 absent customers stay, with 0 orders


def test_outcome_tests_errors_name_the_column():
    a, o = _planted()
    with pytest.raises(DataError, match="revenue_after"):
        outcome_tests(a, o.drop(columns="revenue_after"), outcome_cols=["revenue_after"])


def test_gains_on_a_perfect_score():
    y = np.r_[np.ones(100), np.zeros(900)]
    g = gains(y.copy(), y)
    t = g.table
    assert t.loc[0, "cum_gain"] == 1.0
    assert t.loc[0, "lift"] == 10.0
    assert t["cum_lift"].iloc[-1] == pytest.approx(1.0)
    assert g.auc == 1.0
    assert list(t["n"]) == [100] * 10


def test_gains_on_amounts_by_hand():
    # four bins of one customer: scores sort revenue 40, 30, 20, 10 -> gains 0.4, 0.7, 0.9, 1.0
    g = gains([0.9, 0.1, 0.5, 0.7], [40.0, 10.0, 20.0, 30.0], n_bins=4)
    assert g.table["cum_gain"].tolist() == pytest.approx([0.4, 0.7, 0.9, 1.0])
    assert g.table["lift"].tolist() == pytest.approx([1.6, 1.2, 0.8, 0.4])
    assert np.isnan(g.auc)


class _KMeansSegmenter(ClusterMixin, BaseEstimator):
    """The minimal segmenter interface split_half_replication expects."""

    def __init__(self, n_segments=3, random_state=None):
        self.n_segments = n_segments
        self.random_state = random_state

    def fit(self, X, y=None):
        self.km_ = KMeans(self.n_segments, n_init=4, random_state=self.random_state).fit(X)
        self.labels_ = self.km_.labels_ + 1
        return self

    def predict(self, X):
        return self.km_.predict(X) + 1


def test_split_half_replication_separated_vs_structureless():
    rng = np.random.default_rng(3)
    centres = np.array([[0, 0, 0], [6, 0, 0], [0, 6, 6]])
    X = pd.DataFrame(np.vstack([rng.normal(c, 1, (150, 3)) for c in centres]), columns=["r", "f", "m"])
    seg = _KMeansSegmenter(3, random_state=0)
    res = split_half_replication(X, seg, random_state=1)
    assert res.ari > 0.95
    assert res.max_abs_centroid_diff < 0.2
    assert res.n_a + res.n_b == 450
    assert sorted(res.mapping) == [1, 2, 3] and sorted(res.mapping.values()) == [1, 2, 3]
    assert not hasattr(seg, "labels_")  # the caller's estimator is cloned, not fitted
    noise = pd.DataFrame(rng.uniform(size=(450, 6)))
    assert split_half_replication(noise, _KMeansSegmenter(5, random_state=0), random_state=1).ari < res.ari - 0.2


def test_verdict_one_row_per_criterion_passes_and_fails():
    a, o = _planted(differ=True)
    tests = outcome_tests(a, o)
    brief = {"knockout_criteria": ["Every segment holds at least 5% of the customers",
                                   "segments differ significantly in revenue (p < 0.01)"],
             "success_criteria": ["the target segments' lift is at least 2", "the sales team likes it"]}
    evidence = Evidence(segment_shares={1: 0.5, 2: 0.47, 3: 0.03},
                        outcome_p={r.outcome: r.p_value for r in tests.table.itertuples()},
                        lift={"random": (10.0, 9.0, 11.0), "past spend": (1.1, 1.0, 1.2)}, lift_outcome="revenue_after")
    v = verdict(brief, evidence)
    t = v.table
    assert len(t) == 4 and t["criterion"].tolist() == brief["knockout_criteria"] + brief["success_criteria"]
    size_row = t.iloc[0]
    assert size_row["measure"] == "min_segment_share"
    assert size_row["value"] == 0.03 and size_row["threshold"] == 0.05 and not size_row["passed"]
    assert size_row["value_text"] == "3%" and size_row["note"] == "segment 3 is the smallest"
    assert not v.passed
    assert v.failed == ["Every segment holds at least 5% of the customers"]
    assert t.iloc[1]["measure"] == "outcome_p_value" and t.iloc[1]["passed"]
    lift = t.iloc[2]
    assert lift["measure"] == "target_lift" and lift["threshold"] == 2 and lift["value"] == 10 and lift["passed"]
    assert lift["evidence"] == "07_validation.html#Do-the-segments-beat-ranking-by-past-spend?"
    judged = t.iloc[3]
    assert judged["measure"] == "team_judges" and pd.isna(judged["passed"]) and v.n_judged == 1
    evidence.segment_shares = {1: 0.4, 2: 0.3, 3: 0.3}
    assert verdict(brief, evidence).passed


def test_figures_render():
    a, o = _planted()
    res = outcome_tests(a, o)
    axes = res.plot()
    assert len(axes) == 3 and axes[0].get_ylabel()
    ax = res.plot(outcome="active_after")
    assert ax.get_ylabel() == "% of customers"
    y = np.r_[np.ones(100), np.zeros(900)]
    g = gains(np.linspace(1, 0, 1000), y)
    assert g.plot().get_xlabel().startswith("customers contacted")
    assert g.plot(kind="lift").get_title() == "Lift by score decile"
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(5, 1, (60, 2))])
    split_half_replication(X, _KMeansSegmenter(2, random_state=0)).plot()
    verdict({"knockout_criteria": ["Every segment holds at least 5% of the customers"]},
            Evidence(segment_shares={1: 0.6, 2: 0.4})).plot()
    plt.close("all")


def test_outcome_plot_with_constant_and_single_member_segments():
    # Zero-width and missing confidence intervals must still draw (no negative error bars).
    a = pd.DataFrame({"customer_id": [f"c{i}" for i in range(7)], "segment": [1, 1, 1, 2, 2, 2, 3],
                      "segment_name": ["a"] * 3 + ["b"] * 3 + ["c"]})
    out = pd.DataFrame({"customer_id": a["customer_id"], "orders_after": [1, 1, 1, 0, 2, 5, 3],
                        "revenue_after": [10.1, 10.1, 10.1, 0, 20, 50, 30],
                        "active_after": [True] * 3 + [False, True, True, True]})
    res = outcome_tests(a, out)
    axes = res.plot()
    assert len(np.ravel(axes)) >= 3


def test_gains_answer_compares_with_past_spend_as_the_table_rounds():
    from segkit.validation import GainsResult

    t = pd.DataFrame({"cum_customer_share": [0.1, 0.2, 0.3], "cum_gain": [0.527, 0.649, 0.724],
                      "cum_gain past spend": [0.527, 0.654, 0.736]})
    worse = GainsResult(t, float("nan")).answer()
    assert worse == ("Over the top 10%, 20%, 30% of customers, ranking by potential value gathers 52.7%, 64.9%, "
                     "72.4% of the later revenue, ranking by past spend 52.7%, 65.4%, 73.6%: past spend ranks at "
                     "least as well at every one of these depths: potential value adds nothing over it.")
    t["cum_gain past spend"] = [0.50, 0.66, 0.70]
    assert GainsResult(t, float("nan")).answer().endswith("neither ranks consistently better than the other at "
                                                          "these depths.")

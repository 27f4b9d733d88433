import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402

from segkit.errors import DataError  # noqa: E402
from segkit.palette import segment_palette  # noqa: E402
from segkit.profiling import (  # noqa: E402
    descriptor_tests,
    identification_rule,
    likelihood_to_buy,
    personas,
    profile,
    segment_logit,
    segment_sizes,
    separation_plot,
    target_matrix,
    whale_curve,
)

NAMES = {1: "Mainstream", 2: "Young families", 3: "Seniors"}


def _customers(n, seed):
    """Segments planted on age and household, with 10% of customers in a random segment."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    hh = rng.choice(["single", "family with kids", "couple"], n)
    tier = rng.choice(["tier 1", "tier 2", "tier 3"], n)
    seg = np.where((age < 35) & (hh == "family with kids"), 2, np.where(age >= 60, 3, 1))
    seg = np.where(rng.random(n) < 0.10, rng.integers(1, 4, n), seg)
    ids = [f"s{seed}-{i}" for i in range(n)]
    c = pd.DataFrame({"customer_id": ids, "age": age, "household_type": hh, "city_tier": tier})
    a = pd.DataFrame({"customer_id": ids, "segment": seg, "segment_name": pd.Series(seg).map(NAMES)})
    return c, a


def test_segment_sizes_by_hand():
    a = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2], "segment_name": ["A", "A", "B", "B"]})
    f = pd.DataFrame({"customer_id": list("abcd"), "monetary_total": [70.0, 10, 15, 5],
                      "margin_total": [20.0, 0, 5, -5]})
    s = segment_sizes(a, f, profit_col="margin_total").set_index("segment")
    assert s.loc[1, "value"] == 80 and s.loc[1, "value_share"] == 0.8
    assert s.loc[1, "value_per_customer"] == 40 and s.loc[1, "value_index"] == 160
    assert s.loc[2, "profit_share"] == 0.0 and s.loc[1, "profit_index"] == 200


def test_segment_sizes_profit_col_may_be_the_value_col():
    # transactions without a margin: step 6 measures profit by spend, the same column twice
    a = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2], "segment_name": ["A", "A", "B", "B"]})
    f = pd.DataFrame({"customer_id": list("abcd"), "monetary_total": [70.0, 10, 15, 5]})
    s = segment_sizes(a, f, value_col="monetary_total", profit_col="monetary_total")
    for stem in ("", "_share", "_per_customer", "_index"):
        assert s[f"profit{stem}"].tolist() == s[f"value{stem}"].tolist()
    assert s["value"].tolist() == [80.0, 20.0]


def test_whale_curve_four_customers_by_hand():
    f = pd.DataFrame({"customer_id": list("abcd"), "margin_total": [30.0, -10.0, 50.0, 30.0]})
    a = pd.DataFrame({"customer_id": list("abcd"), "segment": [2, 2, 1, 1]})
    w = whale_curve(f, a, profit_col="margin_total")
    assert w.total_profit == 100
    assert w.table["customer_id"].tolist() == ["c", "a", "d", "b"]
    assert w.table["cum_profit_share"].tolist() == pytest.approx([0.5, 0.8, 1.1, 1.0])
    assert w.table["cum_customer_share"].tolist() == [0.25, 0.5, 0.75, 1.0]
    assert (w.share_for_80, w.peak_profit_share, w.peak_customer_share) == (0.5, 1.1, 0.75)
    seg = w.by_segment().set_index("segment")
    assert seg.loc[1, "profit_share"] == 0.8 and seg.loc[2, "n_loss_making"] == 1


def test_profile_standardised_differences():
    f = pd.DataFrame({"customer_id": list("abcdef"), "frequency": [1.0, 2, 3, 10, 11, 12],
                      "promo_share": [0.5, 0.5, 0.5, 0.5, 0.5, 0.6]})
    a = pd.DataFrame({"customer_id": list("abcdef"), "segment": [1, 1, 1, 2, 2, 2],
                      "segment_name": ["Light"] * 3 + ["Heavy"] * 3})
    p = profile(f, a, ["frequency", "promo_share"])
    t = p.table.set_index(["segment", "variable"])
    sd = np.std([1, 2, 3, 10, 11, 12], ddof=1)
    assert t.loc[(1, "frequency"), "std_diff"] == pytest.approx((2 - 6.5) / sd)
    assert t.loc[(1, "frequency"), "distinctive"]
    # promo share: segment 1 is 0.0167 below the base mean, base SD 0.0408 -> -0.41 SD, not distinctive
    assert t.loc[(1, "promo_share"), "std_diff"] == pytest.approx(-0.0166667 / np.std([0.5] * 5 + [0.6], ddof=1),
                                                                   rel=1e-4)
    assert not t.loc[(1, "promo_share"), "distinctive"]
    assert np.allclose(p.table["p_adjusted"].dropna(),
                       multipletests(p.table["p_value"].dropna(), method="holm")[1])
    axes = p.plot()
    assert len(axes) == 2 and "Light" in axes[0].get_title()
    # distinctive bars take the segment colour, the others grey
    bar_colours = {matplotlib.colors.to_hex(b.get_facecolor()) for b in axes[0].patches}
    assert segment_palette([1])[1] in bar_colours
    plt.close("all")


def test_identification_rule_accuracy_holds_on_new_customers():
    c, a = _customers(2000, seed=1)
    rule = identification_rule(c, a, ["age", "household_type", "city_tier"], random_state=0)
    assert rule.cv_accuracy > rule.baseline_accuracy + 0.2
    assert abs(rule.holdout_accuracy - rule.cv_accuracy) < 0.05
    new_c, new_a = _customers(4000, seed=2)
    assigned = rule.assign(new_c)
    realised = (assigned["segment"].to_numpy() == new_a["segment"].to_numpy()).mean()
    assert abs(realised - rule.cv_accuracy) < 0.05
    assert realised > 0.85
    # the rule speaks in words staff can use
    young = rule.rules[rule.rules["segment"] == 2].iloc[0]["rule"]
    assert "household type is family with kids" in young and "age 34 or under" in young
    assert rule.rules["n_customers"].sum() == 2000
    assert "Young families" in rule.text()
    assert rule.plot().get_title().startswith("Identification rule")
    plt.close("all")


def test_identification_rule_needs_its_columns():
    c, a = _customers(200, seed=1)
    rule = identification_rule(c, a, ["age"])
    with pytest.raises(DataError, match="age"):
        rule.assign(c.drop(columns="age"))


def test_personas_and_descriptor_tests():
    c, a = _customers(1500, seed=4)
    p = personas(c, a, ["age", "household_type", "city_tier"])
    fam = p.table[(p.table["segment"] == 2) & (p.table["level"] == "family with kids")].iloc[0]
    base = (c["household_type"] == "family with kids").mean()
    assert fam["base_value"] == pytest.approx(base)
    text = p.persona_text(2)
    assert f"{fam['segment_value']:.0%} household type family with kids (base {base:.0%})" in text
    median_age = c.loc[a["segment"] == 2, "age"].median()
    assert f"median age {median_age:.0f}" in text
    t = descriptor_tests(c, a, ["age", "household_type", "city_tier"]).set_index("descriptor")
    assert t.loc["age", "p_adjusted"] < 0.01 and t.loc["household_type", "p_adjusted"] < 0.01
    assert t.loc["city_tier", "p_adjusted"] > 0.05  # not planted
    assert np.allclose(t["p_adjusted"], multipletests(t["p_value"], method="holm")[1])
    assert t.loc["age", "test"] == "Kruskal-Wallis" and t.loc["city_tier", "test"] == "chi-square"
    assert t.loc["household_type", "effect_size"] > t.loc["city_tier", "effect_size"]
    p.plot(descriptor="household_type")
    plt.close("all")


def test_holm_by_hand():
    # three descriptors whose raw p-values are known: Holm multiplies by 3, 2, 1 in order, then monotone
    c, a = _customers(300, seed=5)
    t = descriptor_tests(c, a, ["age", "household_type", "city_tier"])
    p = t["p_value"].to_numpy()
    order = np.argsort(p)
    expected = np.maximum.accumulate(np.minimum(1, p[order] * np.array([3, 2, 1])))
    assert np.allclose(t["p_adjusted"].to_numpy()[order], expected)


def test_segment_logit_normal_and_separated():
    c, a = _customers(1500, seed=6)
    res = segment_logit(c, a, ["age", "city_tier"])
    assert res.method == "mle" and 0 < res.pseudo_r2 < 1
    age3 = res.table[(res.table["segment"] == 3) & (res.table["term"] == "age")].iloc[0]
    assert age3["coef"] > 0 and age3["p_value"] < 0.001  # seniors are older than the mainstream
    sep = a.assign(segment=np.where(c["age"] >= 50, 2, 1))
    res2 = segment_logit(c, sep, ["age"])
    assert res2.method == "l1-regularised"
    assert np.isfinite(res2.table["coef"]).all() and res2.pseudo_r2 > 0.5
    res.plot()
    plt.close("all")


def test_likelihood_to_buy_ranks_buyers():
    rng = np.random.default_rng(8)
    n = 600
    f = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": rng.poisson(3, n),
                      "recency_days": rng.exponential(60, n), "monetary_total": rng.gamma(1.5, 80, n)})
    logit = 0.8 * (f["frequency"] - 3) - 0.02 * (f["recency_days"] - 60)
    o = pd.DataFrame({"customer_id": f["customer_id"], "active_after": rng.random(n) < 1 / (1 + np.exp(-logit))})
    ltb = likelihood_to_buy(f, o)
    assert ltb.cv_auc > 0.75
    best = ltb.best_list(50)
    assert len(best) == 50 and best["score"].is_monotonic_decreasing
    assert best["outcome"].mean() > ltb.base_rate + 0.2
    assert "monetary_total" in ltb.log_cols
    coef = ltb.coefficients.set_index("term")["coef"]
    assert coef["frequency"] > 0 and coef["recency_days"] < 0
    assert ltb.scores["score"].between(0, 1).all()


def test_target_matrix_by_hand():
    sizes = pd.DataFrame({"segment": [1, 2, 3], "name": ["A", "B", "C"], "n": [200, 500, 300],
                          "share": [0.2, 0.5, 0.3], "value_per_customer": [100.0, 20.0, 60.0],
                          "value_index": [250.0, 50.0, 150.0]})
    brief = {"attractiveness": {"size": 1.0, "value per customer": 3.0}, "kpi": "revenue per customer"}
    tm = target_matrix(sizes, brief)
    t = tm.table.set_index("segment")
    # size scores 0, 10, 3.33; value scores 10, 0, 5 -> 0.25 / 0.75 weights
    assert t["attractiveness"].tolist() == pytest.approx([7.5, 2.5, 0.25 * 10 / 3 + 0.75 * 5])
    assert t["fit"].tolist() == pytest.approx([10, 0, 5])
    assert t.loc[1, "priority"] == 1
    with pytest.raises(DataError, match="brand fit"):
        target_matrix(sizes, {"attractiveness": {"brand fit": 1.0}})
    tm2 = target_matrix(sizes, {"attractiveness": {"brand fit": 1.0}}, scores={"brand fit": {1: 2, 2: 8, 3: 5}},
                        fit={1: 3, 2: 9, 3: 6})
    assert tm2.table.set_index("segment").loc[2, "priority"] == 1
    assert tm.plot().get_title().startswith("Segment evaluation plot")
    plt.close("all")


def test_separation_plot_and_whale_plot_render():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(np.vstack([rng.normal(0, 1, (50, 3)), rng.normal(4, 1, (50, 3))]), columns=list("abc"))
    ax = separation_plot(X, [1] * 50 + [2] * 50, names={1: "Low", 2: "High"})
    assert ax.get_xlabel().startswith("principal component 1")
    f = pd.DataFrame({"customer_id": list("abcd"), "margin_total": [30.0, -10.0, 50.0, 30.0]})
    a = pd.DataFrame({"customer_id": list("abcd"), "segment": [2, 2, 1, 1]})
    assert whale_curve(f, a, profit_col="margin_total").plot().get_ylabel().startswith("cumulative profit")
    plt.close("all")

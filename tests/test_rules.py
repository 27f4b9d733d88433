"""Rule-based schemes on small hand-built tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from segkit.errors import DataError, SegkitError
from segkit.methods.rules import (
    ClassifyStratifySegmenter,
    RFM8Segmenter,
    RFMQuantileSegmenter,
    SatisfactionVolumeSegmenter,
    ValuePotentialLoyaltySegmenter,
    ValuePyramidSegmenter,
    days_until_next_purchase,
)


def frame(data: dict, ids) -> pd.DataFrame:
    return pd.DataFrame(data, index=pd.Index([str(i) for i in ids], name="customer_id"))


# ----------------------------------------------------------------------------- RFM 8

@pytest.fixture
def rfm8_table() -> pd.DataFrame:
    # Customer sN is built to fall in segment N: R bits 10101010, F 11001100, M 11110000.
    # Means: recency 50, frequency 5, monetary 300.
    return frame(
        {
            "recency_days": [10, 90, 10, 90, 10, 90, 10, 90],
            "frequency": [9, 9, 1, 1, 9, 9, 1, 1],
            "monetary_total": [500, 500, 500, 500, 100, 100, 100, 100],
            "ipt_mean_days": [25.0, 30, 40, 50, 5, 60, 70, 80],
        },
        [f"s{i}" for i in range(1, 9)],
    )


def test_rfm8_hits_all_eight_codes(rfm8_table):
    seg = RFM8Segmenter().fit(rfm8_table)
    assert seg.labels_.tolist() == list(range(8))
    assert seg.labels_.dtype.kind == "i"
    assert seg.thresholds_ == {"recency_days": 50.0, "frequency": 5.0, "monetary_total": 300.0}
    table = seg.result_.table
    assert table["code"].tolist() == ["111", "011", "101", "001", "110", "010", "100", "000"]
    assert table["name"].tolist() == [
        "important value", "important keep", "important develop", "important retain",
        "general value", "general keep", "general develop", "general retain",
    ]
    assert table["n_customers"].tolist() == [1] * 8
    assert table.loc[0, "action"] == "VIP treatment, priority service, first to hear of new products"
    assert table.loc[1, "action"].startswith("urgent win-back")
    assert table.loc[7, "action"] == "lowest priority"
    assert table.loc[0, "rule"] == "recency_days < 50 and frequency > 5 and monetary_total > 300"
    assigned = seg.result_.assignments
    assert assigned["customer_id"].tolist() == list(rfm8_table.index)
    assert (assigned["segment"].to_numpy() == seg.labels_ + 1).all()


def test_rfm8_lists_empty_classes_and_codes_equal_to_mean_as_zero(rfm8_table):
    seg = RFM8Segmenter().fit(rfm8_table.iloc[[0, 7]])  # means: 50, 5, 300
    assert seg.result_.table["n_customers"].tolist() == [1, 0, 0, 0, 0, 0, 0, 1]
    new = frame({"recency_days": [50, 49], "frequency": [5, 6], "monetary_total": [300, 301]}, ["eq", "better"])
    assert seg.predict(new).tolist() == [7, 0]
    assert seg.codes(new).tolist() == ["000", "111"]


def test_rfm8_days_to_next_purchase(rfm8_table):
    seg = RFM8Segmenter().fit(rfm8_table)
    days = seg.days_to_next_purchase(rfm8_table)
    assert days.loc["s1"] == 15.0  # mean interval 25 days, last purchase 10 days ago
    assert days.drop("s1").isna().all()
    overdue = rfm8_table.assign(ipt_mean_days=[4.0] + [10.0] * 7)
    assert seg.days_to_next_purchase(overdue).loc["s1"] == 0.0
    all_days = days_until_next_purchase(rfm8_table)
    assert all_days.loc[["s2", "s5"]].tolist() == [0.0, 0.0]
    assert all_days.loc["s7"] == 60.0


# ----------------------------------------------------------------------------- RFM quantile

@pytest.fixture
def five() -> pd.DataFrame:
    # Five distinct values score exactly 1..5. Built cells (R, F, M):
    # a 555 Champions, b 411 New Customers, c 333 Potential Loyalist (first match; Loyal also
    # matches), d 242 Loyal Customers, e 124 At Risk.
    return frame(
        {
            "recency_days": [1, 2, 3, 4, 5],
            "frequency": [50, 10, 30, 40, 20],
            "monetary_total": [500.0, 100, 300, 200, 400],
        },
        list("abcde"),
    )


def test_rfm_quantile_scores_and_named_segments(five):
    seg = RFMQuantileSegmenter().fit(five)
    scores = seg.scores(five)
    assert scores["rfm_score"].tolist() == ["555", "411", "333", "242", "124"]
    assert seg.result_.assignments["segment_name"].tolist() == [
        "Champions", "New Customers", "Potential Loyalist", "Loyal Customers", "At Risk",
    ]
    table = seg.result_.table
    assert len(table) == 11 and table["name"].iloc[-1] == "Others"
    assert table["n_customers"].sum() == 5
    assert (table["action"].str.len() > 0).all()
    assert table["rule"].iloc[0] == "R in 5..5 and F in 5..5 and M in 5..5 (1 of 125 score cells)"
    assert "10 of 125" in table["rule"].iloc[-1]


def test_rfm_quantile_predict_new_customers(five):
    seg = RFMQuantileSegmenter().fit(five)
    assert seg.predict(five).tolist() == seg.labels_.tolist()
    new = frame({"recency_days": [0, 100], "frequency": [1000, 25], "monetary_total": [1.0, 450.0]}, ["x", "y"])
    # x: most recent, most frequent, smallest spend = 551, no rule covers it -> Others (11).
    # y: 135 -> Can't Lose Them (R1-2, F3-4, M4-5).
    assert seg.scores(new)["rfm_score"].tolist() == ["551", "135"]
    assert (seg.predict(new) + 1).tolist() == [11, 6]


def test_rfm_quantile_ties_keep_the_scale(five):
    # Six one-time buyers of ten: they all score F = 1 and the repeat buyers still reach 5
    # (qcut with duplicates="drop" would collapse F to two bins here).
    X = frame(
        {"recency_days": np.arange(10), "frequency": [1] * 6 + [2, 3, 4, 5], "monetary_total": np.arange(10.0)},
        range(10),
    )
    seg = RFMQuantileSegmenter().fit(X)
    assert seg.scores(X)["f_score"].tolist() == [1] * 6 + [4, 4, 5, 5]
    # Row order does not change anyone's score.
    shuffled = X.iloc[[3, 9, 0, 6, 1, 8, 2, 7, 5, 4]]
    again = RFMQuantileSegmenter().fit(shuffled).scores(X)
    pd.testing.assert_frame_equal(again, seg.scores(X))


# ----------------------------------------------------------------------------- value pyramid

def test_pyramid_exact_1_4_15_80():
    rng = np.random.default_rng(7)
    X = frame({"clv": rng.permutation(np.arange(1.0, 101.0))}, range(100))
    seg = ValuePyramidSegmenter().fit(X)
    table = seg.result_.table
    assert table["name"].tolist() == ["platinum", "gold", "iron", "lead"]
    assert table["n_customers"].tolist() == [1, 4, 15, 80]
    assert seg.thresholds_ == {"platinum": 99.0, "gold": 95.0, "iron": 80.0}
    top = X["clv"].idxmax()
    assert seg.result_.assignments.set_index("customer_id").loc[top, "segment_name"] == "platinum"
    # value shares: 100 / 5050; gold 99+98+97+96 = 390.
    assert table["value_share"].iloc[0] == pytest.approx(100 / 5050)
    assert table["value_total"].iloc[1] == 390.0
    assert seg.predict(frame({"clv": [1000.0, 99.0, 80.0, 80.5]}, list("wxyz"))).tolist() == [0, 1, 3, 2]


def test_pyramid_ties_go_to_the_lower_tier_deterministically():
    values = np.arange(100.0, 0.0, -1.0)
    values[1] = 100.0  # top two tie: neither is platinum
    values[20] = values[19]  # tie across the iron/lead boundary: both lead
    X = frame({"clv": values}, range(100))
    seg = ValuePyramidSegmenter().fit(X)
    assert seg.result_.table["n_customers"].tolist() == [0, 5, 14, 81]
    perm = np.random.default_rng(3).permutation(100)
    seg2 = ValuePyramidSegmenter().fit(X.iloc[perm])
    assert (seg2.predict(X) == seg.labels_).all()


def test_pyramid_rounds_counts_on_small_bases():
    X = frame({"clv": np.arange(50.0)}, range(50))
    # 1% of 50 = 0.5 -> 1; 5% = 2.5 -> 3; 20% = 10.
    assert ValuePyramidSegmenter().fit(X).result_.table["n_customers"].tolist() == [1, 2, 7, 40]
    with pytest.raises(SegkitError, match=r"shares must be 4 positive numbers summing to 1, got \[0.5, 0.5\]"):
        ValuePyramidSegmenter(shares=(0.5, 0.5)).fit(X)


# ----------------------------------------------------------------------------- value x potential x loyalty

@pytest.fixture
def vpl_table() -> pd.DataFrame:
    bits = ["111", "110", "101", "100", "011", "010", "001", "000"]
    return frame(
        {
            "current": [10.0 if b[0] == "1" else 1.0 for b in bits],
            "potential": [10.0 if b[1] == "1" else 1.0 for b in bits],
            "loyalty": [10.0 if b[2] == "1" else 1.0 for b in bits],
        },
        [f"v{b}" for b in bits],
    )


@pytest.mark.parametrize("split", ["median", "mean", {"current": 5, "potential": 5, "loyalty": 5}])
def test_vpl_eight_classes(vpl_table, split):
    seg = ValuePotentialLoyaltySegmenter("current", "potential", "loyalty", split=split).fit(vpl_table)
    assert seg.labels_.tolist() == list(range(8))
    table = seg.result_.table
    assert table.loc[0, "name"] == "top customers"
    assert table.loc[0, "action"].startswith("one-to-one care with the most resources")
    assert table.loc[2, "name"] == "maintain" and table.loc[2, "code"] == "101"
    assert table.loc[6, "action"].startswith("minimal resources")
    assert table.loc[4, "action"].startswith("develop")
    assert table.loc[3, "action"].startswith("win back")
    assert table.loc[7, "name"] == "deprioritise"


def test_vpl_median_ties_are_low(vpl_table):
    X = frame({"c": [1.0, 2, 2, 3], "p": [1.0, 2, 2, 3], "l": [1.0, 2, 2, 3]}, list("abcd"))
    seg = ValuePotentialLoyaltySegmenter("c", "p", "l").fit(X)
    assert seg.thresholds_ == {"c": 2.0, "p": 2.0, "l": 2.0}
    assert (seg.labels_ + 1).tolist() == [8, 8, 8, 1]
    assert seg.result_.table.loc[0, "rule"] == "c > 2 and p > 2 and l > 2"
    with pytest.raises(SegkitError, match="split must be 'median', 'mean' or a dict.*got 'mode'"):
        ValuePotentialLoyaltySegmenter("c", "p", "l", split="mode").fit(X)
    with pytest.raises(SegkitError, match="split has no threshold for column 'l'"):
        ValuePotentialLoyaltySegmenter("c", "p", "l", split={"c": 1, "p": 1}).fit(X)


# ----------------------------------------------------------------------------- satisfaction x volume

@pytest.fixture
def sv_table() -> pd.DataFrame:
    return frame(
        {"monetary_total": [900.0] * 3 + [500.0] * 3 + [10.0] * 3, "satisfaction": [5, 3, 1] * 3},
        range(1, 10),
    )


def test_satisfaction_volume_nine_cells(sv_table):
    seg = SatisfactionVolumeSegmenter().fit(sv_table)
    assert (seg.labels_ + 1).tolist() == list(range(1, 10))
    lo, hi = seg.thresholds_["monetary_total"]
    assert lo == pytest.approx(10 + 2 / 3 * 490) and hi == pytest.approx(500 + 1 / 3 * 400)
    t = seg.result_.table
    assert t["customer_class"].tolist() == ["A", "D", "D", "B", "D", "D", "C", "C", "C"]
    assert t["strategy"].tolist() == ["partner", "improve", "correct"] * 3
    assert t["sales_model"].str.split(" ").str[0].tolist() == ["one-to-one"] * 3 + ["one-to-many"] * 3 + ["through"] * 3
    assert t.loc[0, "name"] == "A: high volume, high satisfaction"
    assert "proactive calls" in t.loc[1, "action"]
    assert "periodically" in t.loc[6, "action"]
    assert t.loc[4, "rule"] == "336.7 <= monetary_total < 633.3 and 3 <= satisfaction < 4"


def test_satisfaction_volume_explicit_thresholds(sv_table):
    seg = SatisfactionVolumeSegmenter(volume_thresholds=(100, 800), satisfaction_thresholds=None).fit(sv_table)
    assert seg.thresholds_["satisfaction"] == pytest.approx((1 + 2 / 3 * 2, 3 + 1 / 3 * 2))
    new = frame({"monetary_total": [800.0, 99.0], "satisfaction": [5, 5]}, ["big", "small"])
    assert (seg.predict(new) + 1).tolist() == [1, 7]
    with pytest.raises(SegkitError, match=r"volume_thresholds must be \(low, high\) with low <= high"):
        SatisfactionVolumeSegmenter(volume_thresholds=(9, 1)).fit(sv_table)


# ----------------------------------------------------------------------------- classify, then stratify

@pytest.fixture
def cs_table() -> pd.DataFrame:
    return frame({"kind": ["corp", "corp", "corp", "inst", "corp"], "revenue": [5.0, 50.0, 500.0, 5.0, 10.0]},
                 list("abcde"))


def test_classify_stratify(cs_table):
    seg = ClassifyStratifySegmenter("kind", "revenue", [10, 100]).fit(cs_table)
    names = seg.result_.assignments["segment_name"].tolist()
    assert names == ["corp / small", "corp / medium", "corp / large", "inst / small", "corp / medium"]
    t = seg.result_.table
    assert t["name"].tolist() == ["corp / large", "corp / medium", "corp / small",
                                  "inst / large", "inst / medium", "inst / small"]
    assert t["n_customers"].tolist() == [1, 2, 1, 0, 0, 1]
    assert t.loc[1, "rule"] == "kind == 'corp' and revenue >= 10 and revenue < 100"
    assert "value of the customer to the firm" in t.loc[0, "action"]


def test_classify_stratify_per_type_thresholds_and_errors(cs_table):
    seg = ClassifyStratifySegmenter("kind", "revenue", {"corp": [100], "inst": [1]}, tier_labels=["retail", "key"])
    seg.fit(cs_table)
    assert seg.result_.assignments["segment_name"].tolist() == [
        "corp / retail", "corp / retail", "corp / key", "inst / key", "corp / retail"]
    with pytest.raises(DataError, match=r"column 'kind': types \['bank'\] were not seen in fit; known types"):
        seg.predict(frame({"kind": ["bank"], "revenue": [1.0]}, ["z"]))
    with pytest.raises(SegkitError, match="tier_labels needs 3 names .* got 2"):
        ClassifyStratifySegmenter("kind", "revenue", [10, 100], tier_labels=["a", "b"]).fit(cs_table)
    with pytest.raises(SegkitError, match="strictly ascending list, got \\[100.0, 10.0\\]"):
        ClassifyStratifySegmenter("kind", "revenue", [100, 10]).fit(cs_table)


# ----------------------------------------------------------------------------- all schemes

SCHEMES = [
    (RFM8Segmenter(), "rfm8"),
    (RFMQuantileSegmenter(), "five"),
    (ValuePyramidSegmenter(value_col="monetary_total"), "five"),
    (ValuePotentialLoyaltySegmenter("current", "potential", "loyalty"), "vpl_table"),
    (SatisfactionVolumeSegmenter(), "sv_table"),
    (ClassifyStratifySegmenter("kind", "revenue", [10, 100]), "cs_table"),
]


@pytest.fixture
def tables(rfm8_table, five, vpl_table, sv_table, cs_table):
    return {"rfm8": rfm8_table, "five": five, "vpl_table": vpl_table, "sv_table": sv_table, "cs_table": cs_table}


@pytest.mark.parametrize("seg,table", SCHEMES, ids=[type(s).__name__ for s, _ in SCHEMES])
def test_clone_refit_and_predict(seg, table, tables):
    X = tables[table]
    fitted = clone(seg).fit(X)
    again = clone(fitted)
    assert not hasattr(again, "labels_")
    assert again.get_params() == seg.get_params()
    assert (again.fit(X).labels_ == fitted.labels_).all()
    assert (fitted.predict(X) == fitted.labels_).all()
    res = fitted.result_
    assert (res.assignments["segment"].to_numpy() == fitted.labels_ + 1).all()
    assert res.table["n_customers"].sum() == len(X)
    assert {"rule", "action", "description"} <= set(res.summary().columns)
    assert (res.table["rule"].str.len() > 0).all() and (res.table["action"].str.len() > 0).all()
    # A customer_id column works as well as the index.
    assert (clone(seg).fit(X.reset_index()).labels_ == fitted.labels_).all()


@pytest.mark.parametrize("seg,table", SCHEMES, ids=[type(s).__name__ for s, _ in SCHEMES])
def test_missing_column_is_named(seg, table, tables):
    X = tables[table]
    params = seg.get_params()
    col_param = next(k for k in params if k.endswith("_col"))
    bad = clone(seg).set_params(**{col_param: "no_such_col"})
    with pytest.raises(DataError, match="column 'no_such_col': not found in X; available columns"):
        bad.fit(X)
    with pytest.raises(SegkitError, match="is not fitted"):
        clone(seg).predict(X)


def test_bad_values_are_named_with_rows(rfm8_table):
    X = rfm8_table.astype({"frequency": float})
    X.iloc[2, 1] = np.nan
    with pytest.raises(DataError, match=r"column 'frequency': 1 customers have no value.*\[rows 3\]"):
        RFM8Segmenter().fit(X)
    with pytest.raises(DataError, match="column 'monetary_total': must be numeric"):
        RFM8Segmenter().fit(rfm8_table.astype({"monetary_total": str}))
    with pytest.raises(SegkitError, match="X must be a DataFrame indexed by customer_id, got ndarray"):
        RFM8Segmenter().fit(rfm8_table.to_numpy())


def test_bootstrap_sample_with_repeated_customers(rfm8_table):
    boot = rfm8_table.iloc[[0, 0, 0, 7]]  # s1 three times: means 30, 7, 400
    seg = RFM8Segmenter().fit(boot)
    assert seg.thresholds_ == {"recency_days": 30.0, "frequency": 7.0, "monetary_total": 400.0}
    assert seg.result_.assignments["customer_id"].tolist() == ["s1", "s1~2", "s1~3", "s8"]
    assert seg.result_.table["n_customers"].tolist() == [3, 0, 0, 0, 0, 0, 0, 1]


def test_sample_value_adds_value_columns(rfm8_table):
    value = pd.Series([80.0, 0, 0, 0, 0, 0, 0, 20.0], index=rfm8_table.index).iloc[::-1]  # aligned by id
    t = RFM8Segmenter().fit(rfm8_table, sample_value=value).result_.table
    assert t["value_total"].tolist() == [80.0] + [0.0] * 6 + [20.0]
    assert t.loc[0, "value_share"] == 0.8
    with pytest.raises(DataError, match="sample_value lacks a value for 1 of 8 customers"):
        RFM8Segmenter().fit(rfm8_table, sample_value=value.iloc[1:])

"""Features and outcomes on a hand-built 5-customer table, every value worked out by hand.

Cut-off 2024-06-30 (calendar quarter 2024Q2).

A  orders O1 (Jan 10: 100 food/web + 50 drinks/store promo), O2 (Mar 10: 60 food/web),
   O3 (Jun 20: 90 drinks/web promo); O4 after the cut-off (Jul 15: 200 promo).
B  one order P1 (Feb 1: 80 food + 20 frozen), a return R1 (Feb 15: -20 frozen), all store.
C  two orders on Nov 5 2023 (40, 60 promo), one on May 5 2024 (100); a return after the cut-off.
D  one order on the cut-off day at 18:30 (25, promo), one on Jul 1 (75).
E  a return only before the cut-off, a purchase after it: not a customer at the cut-off.
"""

from __future__ import annotations

import hashlib
import math

import pandas as pd
import pytest

from segkit.errors import DataError
from segkit.features import FEATURE_DEFINITIONS, OUTCOME_DEFINITIONS, compute_features, compute_outcomes

CUTOFF = "2024-06-30"
ROWS = [
    # customer, date, amount, order, category, channel, margin, promotion
    ("A", "2024-01-10 00:00:00", 100.0, "O1", "Food", "web", 30.0, False),
    ("A", "2024-01-10 00:00:00", 50.0, "O1", "Drinks", "store", 10.0, True),
    ("A", "2024-03-10 00:00:00", 60.0, "O2", "Food", "web", 20.0, False),
    ("A", "2024-06-20 00:00:00", 90.0, "O3", "Drinks", "web", 25.0, True),
    ("A", "2024-07-15 00:00:00", 200.0, "O4", "Food", "web", 50.0, True),
    ("B", "2024-02-01 00:00:00", 80.0, "P1", "Food", "store", 20.0, False),
    ("B", "2024-02-01 00:00:00", 20.0, "P1", "Frozen & Chilled", "store", 5.0, False),
    ("B", "2024-02-15 00:00:00", -20.0, "R1", "Frozen & Chilled", "store", -5.0, False),
    ("C", "2023-11-05 00:00:00", 40.0, "Q1", "Food", "web", 8.0, False),
    ("C", "2023-11-05 00:00:00", 60.0, "Q2", "Food", "web", 12.0, True),
    ("C", "2024-05-05 00:00:00", 100.0, "Q3", "Drinks", "web", 30.0, False),
    ("C", "2024-08-01 00:00:00", -30.0, "Q4", "Drinks", "web", -9.0, False),
    ("D", "2024-06-30 18:30:00", 25.0, "D1", "Drinks", "store", 5.0, True),
    ("D", "2024-07-01 00:00:00", 75.0, "D2", "Drinks", "store", 15.0, False),
    ("E", "2024-03-01 00:00:00", -10.0, "E1", "Food", "web", -2.0, False),
    ("E", "2024-07-10 00:00:00", 50.0, "E2", "Food", "web", 10.0, False),
]

# Hand-computed features of A, B, C, D (E has no purchase by the cut-off).
EXPECTED = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D"],
        # A: Jun 20 -> Jun 30; B: Feb 1 -> Jun 30 = 28+31+30+31+30; C: May 5 -> Jun 30; D: same day
        "recency_days": [10, 150, 56, 0],
        # B's return R1 is not an order; C has two orders on one day
        "frequency": [3, 1, 3, 1],
        "monetary_total": [300.0, 80.0, 200.0, 25.0],
        "monetary_avg": [100.0, 80.0, 200.0 / 3, 25.0],
        # A: Jan 10 -> Jun 30 = 21+29+31+30+31+30; C: Nov 5 2023 -> Jun 30 = 182 + 56
        "tenure_days": [172, 150, 238, 0],
        # A: gaps 60 (Jan 10 -> Mar 10) and 102 (Mar 10 -> Jun 20); B, D: one date -> tenure;
        # C: one gap Nov 5 -> May 5 = 25+31+31+29+31+30+5
        "ipt_mean_days": [81.0, 150.0, 182.0, 0.0],
        # A: population sd of (60, 102) = 21, / 81
        "ipt_cv": [21 / 81, 0.0, 0.0, 0.0],
        # quarterly net spend, first quarter to 2024Q2: A (210, 90): mean 150 sd 60 -> 1 - 0.4;
        # B (80, 0): cv 1 -> 0; C (100, 0, 100): cv sqrt(2)/2; D (25): one quarter -> 1
        "spend_stability": [0.6, 0.0, 1 - math.sqrt(2) / 2, 1.0],
        # gross amount on promotion: A 140/300, B 0, C 60/200, D 25/25
        "promo_share": [140 / 300, 0.0, 0.3, 1.0],
        "margin_total": [85.0, 20.0, 50.0, 5.0],
        "margin_rate": [85 / 300, 0.25, 0.25, 0.2],
        # B returned 20 of a gross 100
        "return_rate": [0.0, 0.2, 0.0, 0.0],
        "share_cat_drinks": [140 / 300, 0.0, 0.5, 1.0],
        "share_cat_food": [160 / 300, 0.8, 0.5, 0.0],
        "share_cat_frozen_chilled": [0.0, 0.2, 0.0, 0.0],
        "share_channel_store": [50 / 300, 1.0, 0.0, 1.0],
        "share_channel_web": [250 / 300, 0.0, 1.0, 0.0],
    }
)


@pytest.fixture
def tx() -> pd.DataFrame:
    df = pd.DataFrame(
        ROWS, columns=["customer_id", "date", "amount", "order_id", "category", "channel", "margin", "promotion"]
    )
    df["date"] = pd.to_datetime(df["date"])
    return df


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-12)


def test_every_feature_matches_hand_computation(tx):
    got = compute_features(tx, cutoff=CUTOFF)
    assert list(got.columns) == list(EXPECTED.columns)
    assert_same(got, EXPECTED)


def test_types_are_tidy(tx):
    got = compute_features(tx, cutoff=CUTOFF)
    assert got["customer_id"].tolist() == ["A", "B", "C", "D"]
    for col in ("recency_days", "frequency", "tenure_days"):
        assert pd.api.types.is_integer_dtype(got[col]), col
    assert not got.isna().any().any()


def test_shares_sum_to_one(tx):
    got = compute_features(tx, cutoff=CUTOFF)
    cats = got.filter(like="share_cat_").sum(axis=1)
    chans = got.filter(like="share_channel_").sum(axis=1)
    assert cats.tolist() == pytest.approx([1.0] * 4)
    assert chans.tolist() == pytest.approx([1.0] * 4)


def test_return_lowers_monetary_and_raises_return_rate(tx):
    without_return = tx[tx["order_id"] != "R1"]
    before = compute_features(without_return, cutoff=CUTOFF).set_index("customer_id").loc["B"]
    after = compute_features(tx, cutoff=CUTOFF).set_index("customer_id").loc["B"]
    assert before["monetary_total"] == 100.0 and after["monetary_total"] == 80.0
    assert before["return_rate"] == 0.0 and after["return_rate"] == pytest.approx(0.2)
    assert before["frequency"] == after["frequency"] == 1


def test_returns_netted_off_their_purchase_give_the_same_features(tx):
    # B's return R1 (-20 of frozen food, margin -5) netted off the P1 line it refers to, as
    # segkit.io.net_returns does: that line keeps amount 0 and records 20 in returned_amount.
    netted = tx[tx["order_id"] != "R1"].copy()
    netted["returned_amount"] = 0.0
    line = (netted["order_id"] == "P1") & (netted["category"] == "Frozen & Chilled")
    netted.loc[line, ["amount", "returned_amount", "margin"]] = [0.0, 20.0, 0.0]
    got = compute_features(netted, cutoff=CUTOFF).set_index("customer_id")
    raw = EXPECTED.set_index("customer_id")
    for col in ("recency_days", "frequency", "monetary_total", "monetary_avg", "tenure_days",
                "margin_total", "margin_rate", "return_rate", "ipt_mean_days", "spend_stability"):
        assert got.loc["B", col] == pytest.approx(raw.loc["B", col]), col
    assert got.loc["B", "return_rate"] == pytest.approx(0.2)
    # shares are of what was kept: nobody kept any frozen food, so it has no share column
    assert got.loc["B", "share_cat_food"] == 1.0 and "share_cat_frozen_chilled" not in got
    others = EXPECTED[EXPECTED.customer_id != "B"].drop(columns="share_cat_frozen_chilled").reset_index(drop=True)
    assert_same(got.drop(index="B").reset_index()[others.columns], others)


def test_zero_amount_lines_are_not_purchases(tx):
    free = pd.DataFrame({"customer_id": ["B", "F"], "date": pd.to_datetime(["2024-06-29", "2024-06-01"]),
                         "amount": [0.0, 0.0], "order_id": ["P9", "F1"], "category": ["Food", "Food"],
                         "channel": ["store", "store"], "margin": [0.0, 0.0], "promotion": [False, False]})
    got = compute_features(pd.concat([tx, free], ignore_index=True), cutoff=CUTOFF)
    assert_same(got, EXPECTED)  # B's recency and frequency unchanged; F is no customer


def test_rows_after_cutoff_do_not_count(tx):
    # moving every after-cut-off row further out changes nothing
    later = tx.copy()
    later.loc[later["date"] > "2024-06-30 23:59:59", "date"] += pd.Timedelta(days=400)
    assert_same(compute_features(later, cutoff=CUTOFF), EXPECTED)
    # an earlier cut-off drops D (only bought on Jun 30) and A's O3 (Jun 20)
    early = compute_features(tx, cutoff="2024-06-19", features="rfm").set_index("customer_id")
    assert early.index.tolist() == ["A", "B", "C"]
    assert early.loc["A", "monetary_total"] == 210.0
    assert early.loc["A", "frequency"] == 2
    assert early.loc["A", "recency_days"] == 101  # Mar 10 -> Jun 19 = 21+30+31+19


def test_rfm_only_gives_the_core_columns(tx):
    got = compute_features(tx, cutoff=CUTOFF, features="rfm")
    core = ["customer_id", "recency_days", "frequency", "monetary_total", "monetary_avg", "tenure_days"]
    assert list(got.columns) == core
    assert_same(got, EXPECTED[core])


def test_absent_optional_columns_omit_their_features(tx):
    bare = tx[["customer_id", "date", "amount"]]
    got = compute_features(bare, cutoff=CUTOFF)
    assert list(got.columns) == [
        "customer_id", "recency_days", "frequency", "monetary_total", "monetary_avg",
        "tenure_days", "ipt_mean_days", "ipt_cv", "spend_stability", "return_rate",
    ]
    # without order_id an order is a distinct purchase date: C's two Nov 5 orders become one
    assert got["frequency"].tolist() == [3, 1, 2, 1]
    assert got["monetary_avg"].tolist() == pytest.approx([100.0, 80.0, 100.0, 25.0])


def test_outcomes_after_cutoff(tx):
    got = compute_outcomes(tx, cutoff=CUTOFF)
    expected = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "orders_after": [1, 0, 0, 1],  # C only returned something
            "revenue_after": [200.0, 0.0, -30.0, 75.0],
            "active_after": [True, False, False, True],
            "promo_share_after": [1.0, 0.0, 0.0, 0.0],
        }
    )
    assert_same(got, expected)
    assert got["active_after"].dtype == bool


def test_outcomes_window_end_is_inclusive(tx):
    got = compute_outcomes(tx, cutoff=CUTOFF, end="2024-07-01").set_index("customer_id")
    assert got["orders_after"].tolist() == [0, 0, 0, 1]  # only D's Jul 1 order
    with pytest.raises(ValueError, match="end must be after cutoff"):
        compute_outcomes(tx, cutoff=CUTOFF, end="2024-06-01")


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_path_gives_same_as_dataframe_and_leaves_file_unchanged(tx, tmp_path, suffix):
    path = tmp_path / f"tx.{suffix}"
    if suffix == "csv":
        tx.to_csv(path, index=False)
    else:
        tx.to_parquet(path, index=False)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert_same(compute_features(path, cutoff=CUTOFF), EXPECTED)
    assert_same(compute_features(str(path), cutoff=CUTOFF), compute_features(tx, cutoff=CUTOFF))
    assert_same(compute_outcomes(path, cutoff=CUTOFF), compute_outcomes(tx, cutoff=CUTOFF))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_csv_ids_stay_text(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\n007,2024-01-01,5\n7,2024-01-02,6\n")
    got = compute_features(path, cutoff="2024-01-31", features="rfm")
    assert got["customer_id"].tolist() == ["007", "7"]


def test_small_memory_limit_still_works(tx):
    assert_same(compute_features(tx, cutoff=CUTOFF, memory_limit="64MB"), EXPECTED)


def test_feature_definitions_cover_every_feature(tx):
    assert list(FEATURE_DEFINITIONS.columns) == ["name", "definition", "unit", "requires", "rfm_core"]
    names = set(FEATURE_DEFINITIONS["name"])
    for col in EXPECTED.columns[1:]:
        stem = col if col in names else "share_cat_<category>" if "_cat_" in col else "share_channel_<channel>"
        assert stem in names, col
    assert FEATURE_DEFINITIONS["definition"].str.len().min() > 10
    assert set(OUTCOME_DEFINITIONS["name"]) == {"orders_after", "revenue_after", "active_after", "promo_share_after"}


def test_errors_name_what_is_wrong(tx, tmp_path):
    with pytest.raises(DataError, match=r"column 'amount'.*required column"):
        compute_features(tx.drop(columns="amount"), cutoff=CUTOFF)
    with pytest.raises(DataError, match="does not exist"):
        compute_features(tmp_path / "nope.parquet", cutoff=CUTOFF)
    with pytest.raises(ValueError, match="cutoff must be a date"):
        compute_features(tx, cutoff="not a date")
    with pytest.raises(ValueError, match="features must be 'all' or 'rfm'"):
        compute_features(tx, cutoff=CUTOFF, features="rf")
    with pytest.raises(ValueError, match=r"backend 'pyspark' needs a connected Ibis backend"):
        compute_features(tx, cutoff=CUTOFF, backend="pyspark")


def test_chinese_channel_names_keep_their_own_feature(tx):
    # before, every Chinese value slugged to "blank" and the channels were pooled into one column
    zh = tx.assign(channel=tx["channel"].map({"web": "天猫", "store": "京东 自营"}))
    got = compute_features(zh, cutoff=CUTOFF)
    assert "share_channel_天猫" in got and "share_channel_京东_自营" in got and "share_channel_blank" not in got
    assert got["share_channel_天猫"].tolist() == pytest.approx(EXPECTED["share_channel_web"].tolist())
    assert got["share_channel_京东_自营"].tolist() == pytest.approx(EXPECTED["share_channel_store"].tolist())

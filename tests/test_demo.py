"""Tests of segkit.demo: the planted segments are there, recoverable and reproducible.

The planted behaviour is checked on the clean data (``messy=False``); the
deliberate data problems of the default messy data are checked against the
audit of ``load_study_data``, and the planted segments must survive its cleaning.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from segkit.config import parse_config
from segkit.demo import (
    CHAINS,
    INJECTED_COLUMNS,
    NEEDS_SEGMENTS,
    PRODUCTS,
    SEGMENTS,
    SURVEY_ITEMS,
    DemoData,
    generate_demo,
    write_demo,
)
from segkit.features import compute_features
from segkit.io.study import StudyData, load_study_data

CUTOFF = pd.Timestamp("2025-09-30")
BASIS = ["recency_days", "frequency", "monetary_avg", "promo_share", "tenure_days"]
TODAY = dt.date(2026, 11, 25)  # after the history's end and before the 2062 typos
KEY = ["table", "rule", "column", "n_rows"]


@pytest.fixture(autouse=True)
def _one_thread():
    # k-means on a few thousand rows is fastest single-threaded; on a shared machine
    # extra OpenMP threads only contend for cores.
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo(messy=False)


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate_demo(800, messy=False)


@pytest.fixture(scope="module")
def messy_small() -> DemoData:
    return generate_demo(800)


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> StudyData:
    """The messy 800-customer demo, written to files and loaded as a study loads it."""
    folder = tmp_path_factory.mktemp("messy")
    write_demo(folder, n_customers=800)
    study = {"name": "t", "goal": {"statement": "s"},
             "data": {"customers": {"path": "customers.csv"}, "transactions": {"path": "transactions.parquet"},
                      "survey": {"path": "survey.csv"}},
             "basis": ["recency_days"], "cutoff": "2025-09-30"}
    return load_study_data(parse_config(study, base_dir=folder), today=TODAY)


def features_at(transactions: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The pipeline's basis features, written independently in pandas."""
    tx = transactions[transactions["date"] <= cutoff]
    by = tx.groupby("customer_id")
    amount = by["amount"].sum()
    promo_amount = tx["amount"].where(tx["promotion"], 0.0).groupby(tx["customer_id"]).sum()
    frequency = by["order_id"].nunique()
    return pd.DataFrame(
        {
            "recency_days": (cutoff - by["date"].max()).dt.days,
            "frequency": frequency,
            "monetary_avg": amount / frequency,
            "promo_share": promo_amount / amount,
            "tenure_days": (cutoff - by["date"].min()).dt.days,
        }
    )


def prepare(features: pd.DataFrame) -> pd.DataFrame:
    """log1p where min >= 0 and skewness > 1, then z-score: the pipeline's basis preparation."""
    x = features.astype(float)
    for col in x:
        if x[col].min() >= 0 and x[col].skew() > 1:
            x[col] = np.log1p(x[col])
    return (x - x.mean()) / x.std(ddof=0)


def kmeans_ari(data: DemoData, k: int) -> float:
    feats = features_at(data.transactions, CUTOFF)
    truth = data.truth.set_index("customer_id").loc[feats.index, "segment_true"]
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(prepare(feats[BASIS]))
    return adjusted_rand_score(truth, labels)


def injected_n(data: DemoData, table: str, rule: str) -> int:
    """Rows of ``table`` injected for the audit rule ``rule``."""
    inj = data.injected
    return int(inj.loc[inj["table"].eq(table) & inj["rule"].eq(rule), "n_rows"].sum())


def revenue_after(data: DemoData) -> pd.Series:
    tx = data.transactions
    after = tx[tx["date"] > CUTOFF].groupby("customer_id")["amount"].sum()
    return after.reindex(data.customers["customer_id"], fill_value=0.0)


# --- the constants -------------------------------------------------------------------------


def test_constants_describe_the_case():
    assert [s.id for s in SEGMENTS] == [1, 2, 3, 4, 5]
    assert sum(s.share for s in SEGMENTS) == pytest.approx(1.0)
    assert len(PRODUCTS) == 34
    assert len({p.name for p in PRODUCTS}) == 34
    assert sum(p.revenue_share for p in PRODUCTS) == pytest.approx(1.0)
    top8 = sorted((p.revenue_share for p in PRODUCTS), reverse=True)[:8]
    assert sum(top8) == pytest.approx(0.76)
    assert len(SURVEY_ITEMS) == 10
    assert all(item.isidentifier() and item == item.lower() for item in SURVEY_ITEMS)
    assert len(NEEDS_SEGMENTS) == 4
    assert all(set(ns.yes_items) <= set(SURVEY_ITEMS) for ns in NEEDS_SEGMENTS)


# --- shape and contract --------------------------------------------------------------------


def test_tables_follow_the_contract(demo):
    c, t, s, g = demo.customers, demo.transactions, demo.survey, demo.truth
    assert len(c) == 5000 and c["customer_id"].is_unique
    assert c["customer_id"].iloc[0] == "C00001"
    assert {"age", "gender", "city_tier", "income_band", "occupation", "household_type",
            "preferred_chain"} <= set(c.columns)
    assert c["age"].dtype == np.int64 and c["age"].between(18, 85).all()
    assert set(c["city_tier"]) == {"tier 1", "tier 2", "tier 3", "tier 4"}
    assert list(t.columns) == ["order_id", "customer_id", "date", "product", "category", "quantity",
                               "amount", "margin", "promotion", "channel"]
    assert t["date"].dtype == "datetime64[ns]"
    assert t["date"].min() == pd.Timestamp("2024-01-01")
    assert t["date"].max() == pd.Timestamp("2026-03-31")
    assert (t["amount"] > 0).all() and (t["quantity"] >= 1).all()
    assert t["promotion"].dtype == bool
    assert set(t["channel"]) == set(CHAINS)
    assert t["product"].nunique() == 34
    lines_per_order = t.groupby("order_id").size()
    assert lines_per_order.min() == 1 and lines_per_order.max() == 3
    assert not t.duplicated(["order_id", "product"]).any()
    # one customer, one date and one chain per order
    assert (t.groupby("order_id")[["customer_id", "date", "channel"]].nunique() == 1).all().all()
    assert set(t["customer_id"]) <= set(c["customer_id"])
    # everyone has bought before the cut-off, so every customer has features
    assert t.loc[t["date"] <= CUTOFF, "customer_id"].nunique() == 5000
    assert list(s.columns) == ["customer_id", "satisfaction", *SURVEY_ITEMS]
    assert len(s) == 2000 and s["customer_id"].is_unique
    assert s["satisfaction"].between(1, 5).all()
    assert set(np.unique(s[list(SURVEY_ITEMS)])) == {0, 1}
    assert list(g.columns) == ["customer_id", "segment_true", "segment_name_true", "needs_segment_true"]
    assert g["needs_segment_true"].notna().sum() == 2000
    assert set(g.loc[g["needs_segment_true"].notna(), "customer_id"]) == set(s["customer_id"])


def test_segment_shares_are_planted(demo):
    shares = demo.truth["segment_true"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(shares.to_numpy(), [s.share for s in SEGMENTS], atol=1e-3)
    names = demo.truth.drop_duplicates("segment_true").set_index("segment_true")["segment_name_true"]
    assert names.sort_index().tolist() == [s.name for s in SEGMENTS]


def test_eight_products_make_76_percent_of_sales(demo):
    revenue = demo.transactions.groupby("product")["amount"].sum().sort_values(ascending=False)
    assert revenue.iloc[:8].sum() / revenue.sum() == pytest.approx(0.76, abs=0.03)


def test_peak_seasons_carry_sales_and_promotions(demo):
    t = demo.transactions
    month = t["date"].dt.to_period("M")
    revenue = t.groupby(month)["amount"].sum()
    promo = t.groupby(month)["promotion"].mean()
    # Chinese New Year 2025 fell on 29 January, mid-autumn 2024 on 17 September
    assert revenue[pd.Period("2025-01")] > 2.0 * revenue[pd.Period("2025-05")]
    assert revenue[pd.Period("2024-09")] > 1.4 * revenue[pd.Period("2024-06")]
    assert promo[pd.Period("2025-01")] > 2.0 * promo[pd.Period("2025-05")]


# --- the planted behaviour -----------------------------------------------------------------


def test_segments_have_their_planted_profiles(demo):
    feats = features_at(demo.transactions, CUTOFF)
    seg = demo.truth.set_index("customer_id")["segment_true"]
    med = feats.groupby(seg.loc[feats.index]).median()
    loyal, promo, lapsing, occasional, new = (med.loc[i] for i in range(1, 6))
    assert loyal["frequency"] > 2 * promo["frequency"]
    assert loyal["monetary_avg"] == med["monetary_avg"].max()
    assert loyal["promo_share"] < 0.1
    assert 0.6 <= promo["promo_share"] <= 0.8
    assert 180 <= lapsing["recency_days"] <= 365 and lapsing["frequency"] >= 10
    assert occasional["frequency"] <= 4 and occasional["monetary_avg"] == med["monetary_avg"].min()
    assert new["tenure_days"] <= 120 and feats["tenure_days"].groupby(seg).max()[5] <= 120
    # deep promotions (buy-one-get-one) leave promotion hunters the thinnest margin
    tx = demo.transactions
    by_seg = tx.groupby(tx["customer_id"].map(seg))[["margin", "amount"]].sum()
    margin_rate = by_seg["margin"] / by_seg["amount"]
    assert margin_rate.idxmin() == 2 and margin_rate[1] - margin_rate[2] > 0.1


def test_planted_future_behaviour(demo):
    revenue = revenue_after(demo)
    seg = demo.truth.set_index("customer_id")["segment_true"].loc[revenue.index]
    active = (revenue > 0).groupby(seg).mean()
    planted = pd.Series({s.id: s.active_after for s in SEGMENTS})
    np.testing.assert_allclose(active.sort_index(), planted.sort_index(), atol=0.05)
    mean_revenue = revenue.groupby(seg).mean()
    assert mean_revenue.idxmax() == 1
    assert mean_revenue[3] < 0.1 * mean_revenue[1]
    # new customers grow: they spend more per month after the cut-off than before it
    tx = demo.transactions
    new_ids = seg.index[seg == 5]
    before = tx[(tx["date"] <= CUTOFF) & tx["customer_id"].isin(new_ids)]
    tenure_months = features_at(before, CUTOFF)["tenure_days"].clip(lower=30).mean() / 30.4
    monthly_before = before["amount"].sum() / len(new_ids) / tenure_months
    assert mean_revenue[5] / 6.0 > 1.2 * monthly_before


@pytest.mark.parametrize(("n", "threshold"), [(5000, 1e-6), (800, 0.01)])
def test_revenue_after_cutoff_differs_between_segments(n, threshold, demo, small):
    data = demo if n == 5000 else small
    revenue = revenue_after(data)
    seg = data.truth.set_index("customer_id")["segment_true"].loc[revenue.index]
    groups = [revenue[seg == s.id] for s in SEGMENTS]
    assert stats.kruskal(*groups).pvalue < threshold
    assert stats.f_oneway(*groups).pvalue < threshold


@pytest.mark.parametrize("which", ["demo", "small"])
def test_kmeans_recovers_planted_segments_at_the_natural_k(which, request):
    data = request.getfixturevalue(which)
    ari = {k: kmeans_ari(data, k) for k in (4, 5, 6)}
    assert ari[5] >= 0.85
    assert ari[4] <= ari[5] - 0.1
    assert ari[6] <= ari[5] - 0.05


def test_attributes_identify_segments_only_moderately(demo):
    x = pd.get_dummies(demo.customers.drop(columns=["customer_id", "city"]))
    y = demo.truth["segment_true"].to_numpy()
    tree = DecisionTreeClassifier(max_depth=4, random_state=0)
    accuracy = cross_val_score(tree, x, y, cv=5).mean()
    assert 0.55 <= accuracy <= 0.75


def test_kmeans_recovers_needs_segments_from_survey_items(demo):
    s = demo.survey.merge(demo.truth, on="customer_id")
    labels = KMeans(n_clusters=4, n_init=10, random_state=0).fit_predict(s[list(SURVEY_ITEMS)])
    assert adjusted_rand_score(s["needs_segment_true"].astype(int), labels) >= 0.7
    # needs relate to behaviour without copying it
    assert 0.02 < adjusted_rand_score(s["needs_segment_true"].astype(int), s["segment_true"]) < 0.5


def test_satisfaction_is_highest_among_loyal_and_lowest_among_lapsing(demo):
    s = demo.survey.merge(demo.truth, on="customer_id")
    mean = s.groupby("segment_true")["satisfaction"].mean()
    assert mean.idxmax() == 1 and mean.idxmin() == 3
    assert mean[1] - mean[3] > 1.0


# --- the deliberate data problems ----------------------------------------------------------


def test_messy_false_is_the_clean_data_of_before():
    # Content hashes of generate_demo(200, seed=5) before messiness existed: the clean data
    # must not move. Update them only when the planted data change on purpose.
    d = generate_demo(200, seed=5, messy=False)
    hashes = {k: int(pd.util.hash_pandas_object(getattr(d, k), index=True).sum() % 2**63)
              for k in ("customers", "transactions", "survey", "truth")}
    assert hashes == {"customers": 3199690122309198092, "transactions": 2369753268821770552,
                      "survey": 8543100892129129236, "truth": 3925017359136864447}
    assert d.injected.empty and list(d.injected.columns) == INJECTED_COLUMNS


def test_messy_data_keep_the_contract(small, messy_small):
    c, t, s = messy_small.customers, messy_small.transactions, messy_small.survey
    pd.testing.assert_frame_equal(messy_small.truth, small.truth)  # ground truth: real customers only
    assert t.dtypes.equals(small.transactions.dtypes)
    assert c.dtypes.equals(small.customers.dtypes) and s.dtypes.equals(small.survey.dtypes)
    inj = messy_small.injected
    assert list(inj.columns) == INJECTED_COLUMNS and inj["n_rows"].gt(0).all()
    # small: about 0.5-2% of the transaction lines
    n_tx = inj.loc[inj["table"].eq("transactions") & ~inj["rule"].eq("purchase_fully_returned"), "n_rows"].sum()
    assert 0.005 <= n_tx / len(small.transactions) <= 0.02
    cancel = t["order_id"].str.startswith("C")
    assert (t.loc[cancel, ["quantity", "amount"]] < 0).all().all()
    assert (t.loc[~cancel, "quantity"] > 0).all()
    assert cancel.sum() == injected_n(messy_small, "transactions", "return_netted") + injected_n(
        messy_small, "transactions", "return_unmatched")
    assert t["customer_id"].isna().sum() == injected_n(messy_small, "transactions", "missing_required")
    assert (t["date"] > pd.Timestamp("2026-03-31")).sum() == injected_n(messy_small, "transactions", "future_date")
    assert t.duplicated().sum() == injected_n(messy_small, "transactions", "duplicate_row")
    assert len(c) == len(small.customers) + 1 and c.duplicated().sum() == 1
    assert c["income_band"].isna().sum() == injected_n(messy_small, "customers", "missing_optional") - c[
        "occupation"].isna().sum()
    assert (s["satisfaction"] == 9).sum() == injected_n(messy_small, "survey", "satisfaction_out_of_range")


def test_messy_data_are_the_clean_rows_plus_the_injected_problems(small, messy_small):
    clean, messy = small.transactions, messy_small.transactions
    both = clean.merge(messy, how="outer", on=list(clean.columns), indicator=True)
    only_clean = int(both["_merge"].eq("left_only").sum())  # rows changed in place
    only_messy = int(both["_merge"].eq("right_only").sum())  # added rows and the changed ones
    n = {rule: injected_n(messy_small, "transactions", rule) for rule in messy_small.injected["rule"]}
    changed = n["missing_required"] + n["outlier_capped"] + n["future_date"]  # + sign errors
    assert changed <= only_clean <= changed + n["non_positive_amount"]
    assert only_messy == (n["return_netted"] + n["return_unmatched"] + n["non_positive_amount"]
                          + n["orphan_transactions"] + changed)
    assert len(messy) - len(clean) == only_messy - only_clean + n["duplicate_row"]


def test_audit_counts_exactly_the_injected_problems(messy_small, audited):
    got = audited.quality.table[KEY]
    got = got[got["rule"].ne("after_cutoff")].sort_values(KEY[:3]).reset_index(drop=True)
    expected = messy_small.injected[KEY].sort_values(KEY[:3]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.astype({"n_rows": np.int64}), expected, check_dtype=False)
    assert audited.quality.n("after_cutoff") > 0
    # every problem row is gone from the clean tables, and only real customers are left
    t = audited.transactions
    assert not t["order_id"].str.startswith("C").any()
    # purchases returned in full stay as lines of amount 0, with what was returned
    zero = t["amount"].eq(0)
    assert zero.sum() == injected_n(messy_small, "transactions", "purchase_fully_returned")
    assert (t.loc[~zero, "amount"] > 0).all() and (t.loc[zero, "returned_amount"] > 0).all()
    assert t["returned_amount"].gt(0).sum() >= zero.sum()
    assert set(t["customer_id"]) <= set(messy_small.truth["customer_id"])
    assert t["amount_capped"].sum() == injected_n(messy_small, "transactions", "outlier_capped")
    assert audited.customers["customer_id"].is_unique
    assert set(audited.survey["customer_id"]) <= set(messy_small.truth["customer_id"])


def test_planted_segments_survive_segkit_cleaning(messy_small, audited):
    feats = compute_features(audited.transactions, cutoff=CUTOFF.date()).set_index("customer_id")
    assert len(feats) == len(messy_small.truth)  # the problems cost no real customer their features
    truth = messy_small.truth.set_index("customer_id").loc[feats.index, "segment_true"]
    x = prepare(feats[BASIS])
    ari = {k: adjusted_rand_score(truth, KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x))
           for k in (4, 5, 6)}
    assert ari[5] >= 0.85
    assert ari[4] <= ari[5] - 0.1
    assert ari[6] <= ari[5] - 0.05


# --- reproducibility, arguments and files --------------------------------------------------


def test_same_seed_same_data_other_seed_other_data(small, messy_small):
    for ref, again in ((small, generate_demo(800, messy=False)), (messy_small, generate_demo(800))):
        for name in ("customers", "transactions", "survey", "truth", "injected"):
            pd.testing.assert_frame_equal(getattr(ref, name), getattr(again, name))
    other = generate_demo(800, seed=7)
    assert not other.transactions["amount"].equals(small.transactions["amount"])
    assert not other.truth["segment_true"].equals(small.truth["segment_true"])


def test_generation_leaves_global_rng_alone():
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    generate_demo(60)
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_other_dates_and_survey_share():
    kwargs = {"start": "2023-01-01", "cutoff": "2024-06-30", "end": "2024-12-31", "survey_share": 0.25}
    d = generate_demo(200, seed=3, messy=False, **kwargs)
    assert d.transactions["date"].min() >= pd.Timestamp("2023-01-01")
    assert d.transactions["date"].max() <= pd.Timestamp("2024-12-31")
    assert len(d.survey) == 50
    m = generate_demo(200, seed=3, **kwargs)
    late = m.transactions["date"] > pd.Timestamp("2024-12-31")
    assert late.sum() == injected_n(m, "transactions", "future_date")
    assert (m.transactions.loc[late, "date"].dt.year > 2026).all()  # 2024 -> 2042
    assert generate_demo(60, survey_share=0.0).survey.empty


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_customers": 10}, "n_customers must be between 50 and 99999, got 10"),
        ({"survey_share": 1.5}, "survey_share must be between 0 and 1, got 1.5"),
        ({"cutoff": "2024-03-01"}, "cutoff=2024-03-01"),
        ({"end": "2025-10-10"}, "end=2025-10-10"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_demo(**kwargs)


def test_write_demo_is_byte_identical(tmp_path):
    a = write_demo(tmp_path / "a", n_customers=200, seed=5)
    b = write_demo(tmp_path / "b", n_customers=200, seed=5)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "customers.csv", "ground_truth.csv", "survey.csv", "transactions.parquet"]
    for key in a:
        assert hashlib.sha256(a[key].read_bytes()).digest() == hashlib.sha256(b[key].read_bytes()).digest()
    back = generate_demo(200, seed=5)
    tx = pd.read_parquet(a["transactions"])
    pd.testing.assert_frame_equal(tx, back.transactions, check_dtype=False)
    truth = pd.read_csv(a["truth"], dtype={"customer_id": str})
    respondents = len(back.survey) - injected_n(back, "survey", "orphan_survey")  # not the mistyped ids
    assert truth["needs_segment_true"].isna().sum() == 200 - respondents
    customers = pd.read_csv(a["customers"], encoding="utf-8", dtype={"customer_id": str})
    assert customers["customer_id"].tolist() == back.customers["customer_id"].tolist()

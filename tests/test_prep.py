import numpy as np
import pandas as pd
import pytest

from segkit.errors import DataError
from segkit.methods import PreparedBasis, prepare_basis


@pytest.fixture
def customers():
    rng = np.random.default_rng(0)
    n = 200
    return pd.DataFrame({
        "customer_id": [f"C{i:03d}" for i in range(n)],
        "monetary_total": rng.lognormal(5, 1, n),  # right-skewed, non-negative -> log1p
        "promo_share": rng.uniform(0, 1, n),  # symmetric -> z-score only
        "margin_total": rng.lognormal(3, 1, n) - 30,  # skewed but has negatives -> no log
        "city_tier": rng.choice(["1", "2", "3"], n),
    })


def test_skewed_non_negative_columns_get_log1p_then_zscore(customers):
    basis = prepare_basis(customers, ["monetary_total", "promo_share", "margin_total"])
    t = basis.transforms.set_index("column")
    assert basis.kind == "numeric"
    assert t.loc["monetary_total", "transform"] == "log1p+zscore"
    assert t.loc["promo_share", "transform"] == "zscore"
    assert t.loc["margin_total", "transform"] == "zscore"  # negative values: log1p is not applied
    assert t.loc["monetary_total", "skewness"] > 1
    logged = np.log1p(customers["monetary_total"])
    assert t.loc["monetary_total", "center"] == pytest.approx(logged.mean())
    assert t.loc["monetary_total", "scale"] == pytest.approx(logged.std(ddof=0))
    expected = (logged - logged.mean()) / logged.std(ddof=0)
    np.testing.assert_allclose(basis.X["monetary_total"].to_numpy(), expected.to_numpy())
    np.testing.assert_allclose(basis.X.mean().to_numpy(), 0, atol=1e-12)
    np.testing.assert_allclose(basis.X.std(ddof=0).to_numpy(), 1)
    assert basis.X.index.name == "customer_id"
    assert basis.X.index[0] == "C000"
    assert list(basis.transforms.columns[:5]) == ["column", "kind", "transform", "center", "scale"]


def test_all_binary_columns_stay_zero_one():
    df = pd.DataFrame({"customer_id": list("abcdef"), "likes_a": [1, 0, 1, 0, 1, 1],
                       "likes_b": [True, False, False, False, True, True]})
    basis = prepare_basis(df, ["likes_a", "likes_b"])
    assert basis.kind == "binary"
    assert basis.X["likes_a"].tolist() == [1, 0, 1, 0, 1, 1]
    assert basis.X["likes_b"].tolist() == [1, 0, 0, 0, 1, 1]
    assert set(basis.transforms["transform"]) == {"none"}
    assert set(basis.transforms["kind"]) == {"binary"}


def test_binary_mixed_with_numeric_is_zscored():
    df = pd.DataFrame({"customer_id": list("abcd"), "item": [1, 0, 1, 0], "score": [1.0, 2.0, 3.0, 4.0]})
    basis = prepare_basis(df, ["item", "score"])
    assert basis.kind == "numeric"
    assert basis.X["item"].tolist() == [1.0, -1.0, 1.0, -1.0]


def test_categorical_columns_pass_through(customers):
    basis = prepare_basis(customers, ["promo_share", "city_tier"])
    assert basis.kind == "mixed"
    assert basis.X["city_tier"].tolist() == customers["city_tier"].tolist()
    assert basis.transforms.set_index("column").loc["city_tier", "kind"] == "categorical"


def test_transform_applies_the_same_recipe_to_new_customers(customers):
    basis = prepare_basis(customers, ["monetary_total", "promo_share", "city_tier"])
    again = basis.transform(customers)
    pd.testing.assert_frame_equal(again, basis.X)
    new = pd.DataFrame({"customer_id": ["N1"], "monetary_total": [np.exp(6) - 1], "promo_share": [0.5],
                        "city_tier": ["2"]})
    out = basis.transform(new)
    t = basis.transforms.set_index("column")
    assert out.loc["N1", "monetary_total"] == pytest.approx((6 - t.loc["monetary_total", "center"])
                                                            / t.loc["monetary_total", "scale"])
    assert out.loc["N1", "city_tier"] == "2"


def test_transform_rejects_negative_values_where_log1p_was_fitted(customers):
    basis = prepare_basis(customers, ["monetary_total"])
    new = pd.DataFrame({"customer_id": ["N1"], "monetary_total": [-5.0]})
    with pytest.raises(DataError, match="monetary_total.*below 0"):
        basis.transform(new)


def test_ids_may_come_from_the_index(customers):
    basis = prepare_basis(customers.set_index("customer_id"), ["promo_share"])
    assert basis.X.index.tolist() == customers["customer_id"].tolist()


def test_missing_column_is_named_with_the_available_ones(customers):
    with pytest.raises(DataError, match=r"\['frequency'\] not found; available columns: \['customer_id', "):
        prepare_basis(customers, ["promo_share", "frequency"])


def test_non_numeric_text_in_numeric_column():
    df = pd.DataFrame({"customer_id": [str(i) for i in range(20)],
                       "frequency": [str(i) for i in range(19)] + ["n/a"]})
    with pytest.raises(DataError, match=r"'frequency'.*1 non-numeric values such as \['n/a'\]"):
        prepare_basis(df, ["frequency"])


def test_text_of_numbers_is_a_category():
    # Codes typed as text on purpose ("1", "2", "3" tiers) are categories, not amounts.
    df = pd.DataFrame({"customer_id": list("abcd"), "frequency": [1.0, 2.0, 3.0, 4.0],
                       "tier": ["1", "2", "3", "1"]})
    basis = prepare_basis(df, ["frequency", "tier"])
    assert basis.kind == "mixed"
    assert basis.X["tier"].tolist() == ["1", "2", "3", "1"]


def test_all_missing_and_constant_columns_are_named():
    df = pd.DataFrame({"customer_id": list("abc"), "x": [np.nan] * 3, "c": [2.0] * 3, "ok": [1.0, 2.0, 4.0]})
    with pytest.raises(DataError, match="'x'.*entirely missing"):
        prepare_basis(df, ["ok", "x"])
    with pytest.raises(DataError, match=r"'c'.*same value \(2.0\) for every customer"):
        prepare_basis(df, ["ok", "c"])


def test_missing_values_are_counted():
    df = pd.DataFrame({"customer_id": list("abcd"), "recency_days": [1.0, np.nan, 3.0, np.nan]})
    with pytest.raises(DataError, match=r"'recency_days'.*2 of 4 customers have a missing value.*rows 2, 4"):
        prepare_basis(df, ["recency_days"])


def test_duplicate_ids_and_bad_id_column():
    df = pd.DataFrame({"customer_id": ["a", "a", "b"], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="customer ids must be unique, 1 repeat"):
        prepare_basis(df, ["x"])
    with pytest.raises(DataError, match="customer id column 'cid' not found"):
        prepare_basis(df, ["x"], id_col="cid")


def test_prepared_basis_is_frozen(customers):
    basis = prepare_basis(customers, ["promo_share"])
    assert isinstance(basis, PreparedBasis)
    with pytest.raises(AttributeError):
        basis.kind = "binary"

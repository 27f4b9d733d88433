"""The same Ibis feature definitions give the same numbers on PySpark as on DuckDB.

Starts a local Spark (Java 17), so it is slow: run with ``pytest -m slow``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.features import compute_features, compute_outcomes

pytestmark = pytest.mark.slow

RFM_CORE = ["customer_id", "recency_days", "frequency", "monetary_total", "monetary_avg", "tenure_days"]


@pytest.fixture(scope="module")
def spark_con():
    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
    ibis = pytest.importorskip("ibis")
    spark = (
        pyspark.sql.SparkSession.builder.master("local[1]")
        .appName("segkit-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        # naive timestamps must not shift across midnight
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield ibis.pyspark.connect(spark)
    spark.stop()


@pytest.fixture(scope="module")
def small_tx() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in rng.integers(0, 30, n)],
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "amount": np.round(rng.gamma(2.0, 20.0, n) * np.where(rng.random(n) < 0.1, -1, 1), 2),
            "order_id": [f"o{i}" for i in rng.integers(0, 150, n)],
            "category": rng.choice(["Food", "Drinks", "Frozen & Chilled"], n),
            "channel": rng.choice(["web", "store"], n),
            "margin": np.round(rng.normal(5, 2, n), 2),
            "promotion": rng.random(n) < 0.3,
        }
    )
    return df


def test_rfm_core_on_spark_equals_duckdb(spark_con, small_tx):
    duck = compute_features(small_tx, cutoff="2024-06-30", features="rfm")
    spark = compute_features(small_tx, cutoff="2024-06-30", features="rfm", con=spark_con)
    assert list(spark.columns) == RFM_CORE
    assert len(duck) >= 25
    pd.testing.assert_frame_equal(spark, duck, check_dtype=False, rtol=1e-9)


def test_full_features_and_outcomes_on_spark_equal_duckdb(spark_con, small_tx):
    duck = compute_features(small_tx, cutoff="2024-06-30")
    spark = compute_features(small_tx, cutoff="2024-06-30", backend="pyspark", con=spark_con)
    pd.testing.assert_frame_equal(spark, duck, check_dtype=False, rtol=1e-9)
    duck_out = compute_outcomes(small_tx, cutoff="2024-06-30")
    spark_out = compute_outcomes(small_tx, cutoff="2024-06-30", con=spark_con)
    pd.testing.assert_frame_equal(spark_out, duck_out, check_dtype=False, rtol=1e-9)


def test_study_engine_section_runs_the_features_on_spark(spark_con, small_tx):
    # what step 4 does with `engine: {name: pyspark}`; the session the fixture started is
    # already active, so it is used and left running
    from pyspark.sql import SparkSession

    from segkit.config import EngineSpec
    from segkit.features import feature_engine

    with feature_engine(EngineSpec(name="pyspark", master="local[1]")) as engine:
        assert engine["con"].name == "pyspark"
        got = compute_features(small_tx, cutoff="2024-06-30", **engine)
    assert SparkSession.getActiveSession() is not None
    pd.testing.assert_frame_equal(got, compute_features(small_tx, cutoff="2024-06-30"), check_dtype=False,
                                  rtol=1e-9)
    with feature_engine(EngineSpec(memory_limit="1GB")) as engine:
        assert engine == {"memory_limit": "1GB"}

"""Every method a study file can name gets a full eight-step run (issue: methods behind one interface)."""

import json

import pandas as pd
import pytest
import yaml

from segkit.report import run_study

pytestmark = pytest.mark.slow

SURVEY_ITEMS = ["price_sensitive", "values_convenience", "buys_for_children", "tries_new_products", "reads_labels",
                "influenced_by_tastings", "prefers_premium", "cooks_from_scratch", "shops_weekly", "trusts_brand"]


@pytest.fixture(scope="module")
def demo_1000(tmp_path_factory):
    from segkit.demo import write_demo

    folder = tmp_path_factory.mktemp("demo1000")
    write_demo(folder, n_customers=1000, seed=11)
    return folder


def _study(method: str) -> dict:
    from pathlib import Path

    base = yaml.safe_load((Path(__file__).resolve().parents[1] / "data/demo/study.yaml").read_text(encoding="utf-8"))
    st = dict(base, name=f"m-{method}", method=method, n_boot=4, n_init=3, k_range=[3, 6])
    if method == "classify_stratify":
        st["stratify"] = {"type_column": "gender", "size_column": "monetary_total",
                          "thresholds": [500, 2000], "tier_labels": ["small", "medium", "large"]}
    if method == "kprototypes":
        st["basis"] = ["recency_days", "frequency", "monetary_avg", "promo_share", "household_type"]
        st["descriptors"] = [d for d in st["descriptors"] if d != "household_type"]
    return st


@pytest.mark.parametrize("method", ["rfm8", "rfm_quantile", "value_pyramid", "value_potential_loyalty",
                                    "satisfaction_volume", "classify_stratify", "gmm", "ward", "kprototypes"])
def test_named_method_runs_all_steps(method, demo_1000, tmp_path):
    path = demo_1000 / f"{method}.yaml"
    path.write_text(yaml.safe_dump(_study(method)), encoding="utf-8")
    result = run_study(path, out_dir=tmp_path, progress=lambda _: None)
    assert result.status == "ok", [(s.name, s.error) for s in result.steps if s.error]
    art = result.run_dir / "artifacts"
    assert json.loads((art / "method.json").read_text())["method"] == method
    a = pd.read_parquet(art / "assignments.parquet")
    assert a["customer_id"].is_unique and a["segment"].notna().all()
    segments = pd.DataFrame(json.loads((art / "segments.json").read_text()))
    assert segments["n_customers"].sum() == len(a)
    assert (segments["action"].str.len() > 0).all()

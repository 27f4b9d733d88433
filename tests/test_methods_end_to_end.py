"""Every method a study file can name runs all eight steps, in-process (the step functions, no notebooks)."""

import pandas as pd
import pytest
import yaml

from segkit.study import artifacts
from segkit.study.context import run_steps
from segkit.study.folder import RunFolder


@pytest.fixture(scope="module")
def demo_1000(tmp_path_factory):
    from segkit.demo import write_demo

    folder = tmp_path_factory.mktemp("demo1000")
    write_demo(folder, n_customers=1000, seed=11)
    return folder


def _study(folder, method: str):
    from pathlib import Path

    base = yaml.safe_load((Path(__file__).resolve().parents[1] / "data/demo/study.yaml").read_text(encoding="utf-8"))
    st = dict(base, name=f"m-{method}", method=method, n_boot=4, n_init=3, k_range=[3, 6])
    if method == "classify_stratify":
        st["stratify"] = {"type_column": "gender", "size_column": "monetary_total",
                          "thresholds": [500, 2000], "tier_labels": ["small", "medium", "large"]}
    if method == "gmm":
        # a full-covariance mixture refits slowly: two values of k show the search
        st["k_range"] = [3, 4]
    if method == "kprototypes":
        # k-prototypes (kmodes) refits slowly: two values of k show the search without doubling the suite
        st["k_range"] = [3, 4]
        st["n_init"] = 1
        st["basis"] = ["recency_days", "frequency", "monetary_avg", "promo_share", "household_type"]
        st["descriptors"] = [d for d in st["descriptors"] if d != "household_type"]
    path = folder / f"{method}.yaml"
    path.write_text(yaml.safe_dump(st), encoding="utf-8")
    return path


# rfm8 runs all eight steps in tests/test_study_validation.py's shape matrix ("rule-based rfm8")
@pytest.mark.parametrize("method", ["rfm_quantile", "value_pyramid", "value_potential_loyalty",
                                    "satisfaction_volume", "classify_stratify", "gmm", "ward", "kprototypes"])
def test_named_method_runs_all_steps(method, demo_1000, tmp_path):
    results = run_steps(tmp_path / "run", _study(demo_1000, method))
    assert list(results) == ["goals", "resources", "method", "data", "stability", "profiling", "validation",
                             "iteration"]
    run = RunFolder(tmp_path / "run")
    assert run.read(artifacts.METHOD)["method"] == method
    a = run.read(artifacts.ASSIGNMENTS)
    assert a["customer_id"].is_unique and a["segment"].notna().all()
    segments = pd.DataFrame(run.read(artifacts.SEGMENTS))
    assert segments["n_customers"].sum() == len(a)
    assert (segments["action"].str.len() > 0).all()
    assert run.has(artifacts.VERDICT) and run.has(artifacts.SEGMENT_PROFILES)

"""The method registry: each method declared once, everything else derived from it."""

import inspect
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from segkit import config
from segkit.config import parse_config
from segkit.method_names import METHOD_NAMES
from segkit.methods import METHOD_INFO, MethodSpec, get_method, make_segmenter
from segkit.methods.feasibility import rank_methods
from segkit.methods.registry import DATA_DRIVEN_METHODS, METHODS, RULE_BASED_METHODS
from segkit.pipeline import fit_final

STUDY = {"name": "x", "goal": {"statement": "find valuable shoppers"},
         "data": {"transactions": {"path": "sales.csv"}}, "basis": ["frequency"], "cutoff": "2025-01-01"}
STRATIFY = {"type_column": "has_loan", "size_column": "balance", "thresholds": [1e4], "tier_labels": ["small", "big"]}
FAMILIES = {"data-driven", "rule-based value", "rule-based survey"}


def _options(spec: MethodSpec) -> dict:
    return dict(STRATIFY) if spec.stratify else {}


def test_every_allowed_method_name_has_exactly_one_spec():
    allowed = [m for m in config.METHODS if m != "auto"]
    assert config.METHODS[0] == "auto"
    assert allowed == list(METHOD_NAMES) == list(METHODS)
    assert len(set(allowed)) == len(allowed)
    for name in allowed:
        assert sum(spec.name == name for spec in METHODS.values()) == 1
        assert METHODS[name].name == name and get_method(name) is METHODS[name]


def test_config_family_lists_are_the_registry_ones():
    assert config.DATA_DRIVEN_METHODS == DATA_DRIVEN_METHODS == ("kmeans", "kprototypes", "gmm", "latent_class", "ward")
    assert config.RULE_BASED_METHODS == RULE_BASED_METHODS
    assert (*DATA_DRIVEN_METHODS, *RULE_BASED_METHODS) == METHOD_NAMES
    with pytest.raises(AttributeError, match="DATA_DRIVEN"):
        config.DATA_DRIVEN  # noqa: B018 - only the two registry lists are looked up lazily


def test_reading_a_study_file_does_not_load_the_methods():
    code = "import sys, segkit.config; assert 'sklearn' not in sys.modules and 'segkit.methods' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_name_names_the_allowed_ones():
    allowed = ", ".join(METHOD_NAMES)
    with pytest.raises(ValueError, match=f"unknown method 'kmedoids'; allowed: {allowed}$"):
        get_method("kmedoids")
    with pytest.raises(ValueError, match=r"'auto' must be resolved with choose_method first\); allowed: kmeans"):
        get_method("auto")
    with pytest.raises(ValueError, match="unknown method"):
        get_method(["kmeans"])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_flags_agree_with_the_family(name):
    spec = get_method(name)
    assert spec.family in FAMILIES
    data_driven = spec.family == "data-driven"
    assert spec.data_driven is data_driven
    assert get_method(name).data_driven is data_driven
    assert spec.k_applies is data_driven
    assert spec.stability == ("segments" if data_driven else "rules")
    assert (name in DATA_DRIVEN_METHODS) is data_driven and (name in RULE_BASED_METHODS) is not data_driven
    if data_driven:
        # Named from the profile on the basis, read as the estimator's basis kind.
        assert spec.naming == {"latent_class": "binary", "kprototypes": "mixed"}.get(name, "numeric")
        assert spec.feasibility.accepts and spec.feasibility.accepts_text
        assert not spec.rule_inputs and not spec.stratify and not spec.value_model
        assert spec.feasibility.fixed_k is None and spec.feasibility.history_months is None
    else:
        # A scheme reads fixed inputs: its own columns or the study's stratify section.
        assert bool(spec.rule_inputs) != spec.stratify
        assert not spec.feasibility.accepts and not spec.restarts
        assert spec.basis_kind.startswith("fixed")
        assert spec.naming == "scheme"


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_every_estimator_builds_and_clones(name):
    spec = get_method(name)
    params = inspect.signature(spec.estimator_class).parameters
    # The spec's flags say what the class takes.
    assert ("n_segments" in params) is spec.k_applies
    assert ("n_init" in params) is spec.restarts
    est = spec.build(3 if spec.k_applies else None, random_state=5, n_init=2, **_options(spec))
    assert type(est) is spec.estimator_class
    twin = clone(est)
    assert type(twin) is type(est) and twin is not est
    assert twin.get_params() == est.get_params()
    assert repr(make_segmenter(name, 3 if spec.k_applies else None, random_state=5, n_init=2, **_options(spec))) \
        == repr(est)
    if spec.restarts:
        assert est.get_params()["n_init"] == 2


def test_build_for_study_uses_the_study_settings():
    cfg = parse_config({**STUDY, "seed": 7, "n_init": 3})
    est = get_method("kmeans").build_for_study(cfg, 5)
    assert (est.n_segments, est.random_state, est.n_init) == (5, 7, 3)
    assert get_method("ward").build_for_study(cfg, 4).get_params()["n_segments"] == 4
    assert get_method("rfm8").build_for_study(cfg, 4).get_params() == make_segmenter("rfm8").get_params()
    strat = parse_config({**STUDY, "method": "classify_stratify", "stratify": STRATIFY})
    est = get_method("classify_stratify").build_for_study(strat, 4)
    assert (est.type_col, est.size_col, list(est.thresholds), list(est.tier_labels)) == \
        ("has_loan", "balance", [1e4], ["small", "big"])


def test_rule_inputs_come_from_the_spec_or_the_stratify_section():
    cfg = parse_config(STUDY)
    strat = parse_config({**STUDY, "stratify": STRATIFY})
    assert get_method("rfm8").input_columns(cfg) == ["recency_days", "frequency", "monetary_total"]
    assert get_method("value_potential_loyalty").input_columns(cfg) == ["current_value", "clv", "loyalty"]
    assert get_method("classify_stratify").input_columns(strat) == ["has_loan", "balance"]
    assert get_method("classify_stratify").input_columns(cfg) == []
    assert get_method("kmeans").input_columns(strat) == []
    # The lifetime-value schemes are exactly those reading clv.
    assert [n for n, s in METHODS.items() if s.value_model] == \
        [n for n, s in METHODS.items() if "clv" in s.rule_inputs] == ["value_pyramid", "value_potential_loyalty"]


def test_fit_final_builds_classify_stratify_from_the_study():
    cfg = parse_config({**STUDY, "method": "classify_stratify", "stratify": STRATIFY})
    X = pd.DataFrame({"has_loan": ["y", "n", "y", "n"], "balance": [5e3, 2e4, 3e4, 1e3]},
                     index=pd.Index(list("abcd"), name="customer_id"))
    value = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=pd.Index(list("abcde"), name="customer_id"))
    seg = fit_final("classify_stratify", 7, X, cfg=cfg, sample_value=value)
    assert seg.result_.assignments["segment_name"].tolist() == ["y / small", "n / big", "y / big", "n / small"]


def test_fit_final_data_driven_uses_k_seed_and_restarts():
    cfg = parse_config({**STUDY, "seed": 3, "n_init": 2})
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"],
                     index=pd.Index([f"c{i}" for i in range(40)], name="customer_id"))
    seg = fit_final("kmeans", 3, X, cfg=cfg)
    assert (seg.n_segments, seg.random_state, seg.n_init) == (3, 3, 2)
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        fit_final("nope", 3, X, cfg=cfg)


def test_method_info_and_feasibility_come_from_the_registry():
    assert METHOD_INFO.columns.tolist() == ["method", "label", "family", "needs", "basis_kind", "description"]
    info = METHOD_INFO.set_index("method")
    for name, spec in METHODS.items():
        assert tuple(info.loc[name]) == (spec.label, spec.family, spec.needs, spec.basis_kind, spec.description)
    inv = {"n_customers": 500, "tables": {"survey": {"present": True, "n_customers": 500, "items": ["a", "b"],
                                                     "has_satisfaction": False}}}
    ranked = rank_methods({"goal": "x", "horizon": "long"}, inv).set_index("method")
    assert sorted(ranked.index) == sorted(METHOD_NAMES)
    assert all(ranked.loc[n, "family"] == s.family for n, s in METHODS.items())
    assert not ranked.loc["classify_stratify", "feasible"]
    assert ranked.loc["classify_stratify", "missing"].startswith("needs a 'stratify' section")


def test_specs_are_frozen():
    with pytest.raises(AttributeError):
        get_method("kmeans").label = "x"  # type: ignore[misc]

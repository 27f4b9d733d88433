import copy

import pytest

from segkit.config import DATA_DRIVEN_METHODS, RULE_BASED_METHODS
from segkit.methods import choose_method, feasibility_matrix, rank_methods
from segkit.methods.feasibility import CRITERIA

ITEMS = ["price_sensitive", "values_convenience", "buys_for_children", "tries_new_products", "reads_labels"]

BRIEF = {
    "goal": "Find the most valuable groups of shoppers and rank them by sales value",
    "horizon": "long",
    "kpi": "revenue per customer in the 6 months after the cut-off",
    "success_criteria": [],
    "knockout_criteria": [],
    "min_segment_share": 0.05,
    "attractiveness": {"value per customer": 1.0},
}

TRANSACTION_STUDY = {  # shaped like the demo: 21 months of orders, a survey of 40% of customers
    "n_customers": 3000,
    "tables": {
        "transactions": {"present": True, "n_rows": 60000, "n_customers": 3000,
                         "columns": ["customer_id", "date", "amount", "promotion"],
                         "date_min": "2024-01-02", "date_max": "2026-03-31",
                         "history_months": 21.0, "months_after_cutoff": 6.0},
        "customers": {"present": True, "n_rows": 3000, "n_customers": 3000, "columns": ["customer_id", "age"]},
        "survey": {"present": True, "n_rows": 1200, "n_customers": 1200, "items": ITEMS, "has_satisfaction": True},
    },
}

SURVEY_ONLY = {
    "n_customers": 1200,
    "tables": {
        "transactions": {"present": False},
        "customers": {"present": True, "n_rows": 3000, "n_customers": 3000, "columns": ["customer_id", "age"]},
        "survey": {"present": True, "n_rows": 1200, "n_customers": 1200, "items": ITEMS, "has_satisfaction": False},
    },
}


def row(ranked, method):
    return ranked.set_index("method").loc[method]


def test_table_has_one_row_per_method_ranked_feasible_first():
    ranked = rank_methods(BRIEF, TRANSACTION_STUDY)
    assert sorted(ranked["method"]) == sorted([*DATA_DRIVEN_METHODS, *RULE_BASED_METHODS])
    assert ranked["rank"].tolist() == list(range(1, 12))
    n_feasible = int(ranked["feasible"].sum())
    assert ranked["feasible"].tolist() == [True] * n_feasible + [False] * (11 - n_feasible)
    assert ranked["score"].iloc[:n_feasible].is_monotonic_decreasing
    assert (ranked.loc[~ranked["feasible"], "missing"].str.len() > 0).all()
    assert (ranked.loc[ranked["feasible"], "missing"] == "").all()
    assert set(ranked["family"]) == {"data-driven", "rule-based value", "rule-based survey"}


def test_transaction_study_auto_picks_kmeans():
    method, why = choose_method(BRIEF, TRANSACTION_STUDY, basis_kind="numeric")
    assert method == "kmeans"
    assert "behavioural numeric basis from 21 months of transactions" in why
    assert "long horizon" in why
    assert "latent_class needs a basis of yes/no items coded 0/1 (the basis is numeric)" in why
    assert "Rule-based schemes also feasible (name one in the study to use it): value_potential_loyalty" in why
    ranked = rank_methods(BRIEF, TRANSACTION_STUDY, basis_kind="numeric")
    # Every value scheme is possible on these data too, but ranks below the behavioural methods.
    for m in ("rfm8", "rfm_quantile", "value_pyramid", "value_potential_loyalty", "satisfaction_volume"):
        assert row(ranked, m)["feasible"], m
    assert row(ranked, "kmeans")["score"] > row(ranked, "gmm")["score"] > row(ranked, "ward")["score"] \
        > row(ranked, "rfm8")["score"]
    assert not row(ranked, "kprototypes")["feasible"]


def test_survey_only_study_auto_picks_latent_class():
    method, why = choose_method(BRIEF | {"goal": "Find groups with different needs"}, SURVEY_ONLY,
                                basis_kind="binary")
    assert method == "latent_class"
    assert "yes/no items" in why
    ranked = rank_methods(BRIEF, SURVEY_ONLY)  # basis kind inferred from a survey with items
    assert ranked["method"].iloc[0] == "latent_class"
    assert row(ranked, "kmeans")["feasible"]  # possible on 0/1 items, but ranked lower
    assert row(ranked, "latent_class")["score"] - row(ranked, "kmeans")["score"] >= 2
    assert not row(ranked, "gmm")["feasible"]


def test_value_schemes_without_transactions_are_rejected_with_what_is_missing():
    ranked = rank_methods(BRIEF, SURVEY_ONLY)
    for m in ("rfm8", "rfm_quantile", "value_pyramid", "value_potential_loyalty"):
        r = row(ranked, m)
        assert not r["feasible"]
        assert r["missing"].startswith("needs a transaction table")
        assert r["transactions"] is False or not r["transactions"]
    assert "needs >= 12 months of transaction history" in row(ranked, "value_potential_loyalty")["missing"]
    sat = row(ranked, "satisfaction_volume")
    assert "needs a satisfaction column in the survey" in sat["missing"]
    assert "needs a transaction table" in sat["missing"]


def test_short_history_accepts_loyalty_with_a_warning_and_an_override():
    inv = copy.deepcopy(TRANSACTION_STUDY)
    inv["tables"]["transactions"]["history_months"] = 8.0
    ranked = rank_methods(BRIEF, inv)
    vpl = row(ranked, "value_potential_loyalty")
    # 8 months: accepted (the floor is 6), with the warning that 12 are recommended.
    assert vpl["feasible"] and vpl["missing"] == ""
    assert "warning: calibrated on 8.0 months of history, less than the 12 recommended" in vpl["reasons"]
    assert row(ranked, "value_pyramid")["feasible"]
    inv["tables"]["transactions"]["history_months"] = 4.0
    ranked = rank_methods(BRIEF, inv)
    vpl = row(ranked, "value_potential_loyalty")
    assert not vpl["feasible"]
    assert vpl["missing"].startswith("needs a transaction table with >= 6 months of history")
    assert "4.0 available; to accept a shorter history set value: min_history_months" in vpl["missing"]
    assert "needs a transaction table with >= 6 months of history" in row(ranked, "value_pyramid")["missing"]
    assert row(ranked, "rfm8")["feasible"]
    # The study file's override accepts 4 months for the value schemes, still with the warning.
    ranked = rank_methods(BRIEF, inv, min_history_months=4)
    vpl = row(ranked, "value_potential_loyalty")
    assert vpl["feasible"] and "calibrated on 4.0 months of history, less than the 12 recommended" in vpl["reasons"]
    pyr = row(ranked, "value_pyramid")
    assert pyr["feasible"] and "less than the 6 recommended" in pyr["reasons"]
    # rfm8 reads no value model: the override does not touch its own 3 months.
    inv["tables"]["transactions"]["history_months"] = 2.0
    assert not row(rank_methods(BRIEF, inv, min_history_months=1), "rfm8")["feasible"]


def test_lifetime_value_schemes_need_repeat_purchases():
    inv = copy.deepcopy(TRANSACTION_STUDY)
    inv["tables"]["transactions"]["n_rows"] = 3100  # almost everyone bought once
    ranked = rank_methods(BRIEF, inv)
    assert "needs repeat purchases" in row(ranked, "value_pyramid")["missing"]
    assert row(ranked, "rfm8")["feasible"]
    inv["tables"]["transactions"]["repeat_customer_share"] = 0.45  # measured share wins over the proxy
    assert row(rank_methods(BRIEF, inv), "value_pyramid")["feasible"]


def test_too_few_customers_for_k_max():
    inv = copy.deepcopy(SURVEY_ONLY)
    inv["tables"]["survey"]["n_customers"] = 60
    ranked = rank_methods(BRIEF, inv, k_max=8)
    assert row(ranked, "latent_class")["missing"] == (
        "needs at least 10 customers per segment at k_max = 8 (80 customers; 60 available)")
    assert row(rank_methods(BRIEF, inv, k_max=5), "latent_class")["feasible"]


def test_classify_stratify_needs_a_stratify_section():
    ranked = rank_methods(BRIEF, TRANSACTION_STUDY)
    assert row(ranked, "classify_stratify")["missing"].startswith("needs a 'stratify' section")
    spec = {"type_column": "has_loan", "size_column": "balance", "thresholds": [1e4, 1e5]}
    assert row(rank_methods(BRIEF, TRANSACTION_STUDY, stratify=spec), "classify_stratify")["feasible"]
    assert row(rank_methods(BRIEF | {"stratify": spec}, TRANSACTION_STUDY), "classify_stratify")["feasible"]


def test_mixed_basis_picks_kprototypes():
    method, why = choose_method(BRIEF, TRANSACTION_STUDY, basis_kind="mixed")
    assert method == "kprototypes"
    assert "numeric and categorical" in why


def test_short_horizon_puts_value_schemes_first_but_auto_stays_on_the_basis():
    brief = BRIEF | {"horizon": "short"}
    ranked = rank_methods(brief, TRANSACTION_STUDY, basis_kind="numeric")
    assert ranked["method"].iloc[0] == "rfm8"
    method, why = choose_method(brief, TRANSACTION_STUDY, basis_kind="numeric")
    assert method == "kmeans"


def test_service_goal_favours_satisfaction_volume():
    brief = BRIEF | {"goal": "Improve service satisfaction of our accounts", "horizon": "short"}
    plain = row(rank_methods(BRIEF | {"horizon": "short"}, TRANSACTION_STUDY), "satisfaction_volume")["score"]
    assert row(rank_methods(brief, TRANSACTION_STUDY), "satisfaction_volume")["score"] == plain + 2.0


def test_no_feasible_method_raises_with_what_each_misses():
    inv = {"n_customers": 10, "tables": {"survey": {"present": True, "n_customers": 10, "items": ITEMS,
                                                    "has_satisfaction": False}}}
    with pytest.raises(ValueError, match="no segmentation method is feasible.*kmeans: needs at least 10 customers"):
        choose_method(BRIEF, inv, basis_kind="binary")


def test_feasibility_matrix_marks():
    ranked = rank_methods(BRIEF, SURVEY_ONLY)
    m = feasibility_matrix(ranked).set_index("method")
    assert m.index.tolist() == ranked["method"].tolist()
    assert set(m.columns) <= set(CRITERIA) | {"feasible"}
    assert m.loc["rfm8", "transactions"] == "✗"
    assert m.loc["rfm8", "survey items"] == ""
    assert m.loc["latent_class", "basis type"] == "✓"
    assert m.loc["latent_class", "feasible"] == "✓"
    assert m.loc["satisfaction_volume", "satisfaction"] == "✗"
    assert m.loc["gmm", "feasible"] == "✗"
    with pytest.raises(ValueError, match=r"lacks columns \['feasible'"):
        feasibility_matrix(ranked.drop(columns="feasible"))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"brief\['horizon'\] must be 'short' or 'long', got 'medium'"):
        rank_methods(BRIEF | {"horizon": "medium"}, TRANSACTION_STUDY)
    with pytest.raises(ValueError, match="basis_kind must be 'numeric', 'binary' or 'mixed', got 'text'"):
        rank_methods(BRIEF, TRANSACTION_STUDY, basis_kind="text")


def test_a_study_naming_loyalty_on_a_short_history_runs_with_the_warning(make_study, tmp_path):
    """Steps 2 and 3 on 8 months of history: accepted, the warning in step 3's reason (4 months: see above)."""
    from segkit.study.context import run_steps

    eight = make_study(method="value_potential_loyalty", cutoff="2024-08-31", tables=["transactions"],
                       descriptors=[])
    res = run_steps(tmp_path / "a", eight, ["goals", "resources", "method"])["method"]
    assert res.doc["method"] == "value_potential_loyalty"
    assert "warning: calibrated on 8.0 months of history, less than the 12 recommended" in res.doc["reason"]

"""The example studies on the real data in ../shared/data: all eight steps in-process, and the audit.

Online Retail II is read exactly as exported (amount = Quantity x Price, credit notes netted,
non-product lines excluded, Country as a descriptor); its waterfall must reconcile the raw file's
total to the analysed customers' to the cent. The vacation motives survey comes as a client sends
it (yes/no words, identical answer rows of different respondents, missing descriptors).
The studies run with fewer bootstrap samples and a shorter k range than their study files say,
to keep the suite fast; `segkit run examples/<name>/study.yaml` runs them as written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from notebook_cells import report_text

from segkit.study import artifacts
from segkit.study.context import run_steps
from segkit.study.folder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RETAIL_FILE = SHARED / "online_retail_ii" / "online_retail_ii_2009_2010.csv.gz"
SURVEY_FILE = SHARED / "vacation_motives" / "vacation_motives.csv"
#: Quick settings for the suite: the studies' own are for `segkit run`.
QUICK = {"n_boot": 4, "n_init": 2, "k_range": [2, 4]}
#: sum of Quantity x Price over every line of the file (its README)
RAW_TOTAL = 9_539_484.63


def _need(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"../shared/data/{path.relative_to(SHARED)} not found: the shared reference data is not in "
                    "this checkout")


def _example(name: str, tmp: Path) -> Path:
    """The example's study file with quick settings, written beside a copy so paths still resolve."""
    folder = ROOT / "examples" / name
    study = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    study.update(QUICK)
    for spec in study["data"].values():
        spec["path"] = str((folder / spec["path"]).resolve())
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    _need(RETAIL_FILE)
    tmp = tmp_path_factory.mktemp("retail")
    study = _example("online_retail_ii", tmp)
    run = tmp / "run"
    return study, RunFolder(run), run_steps(run, study)


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    _need(SURVEY_FILE)
    tmp = tmp_path_factory.mktemp("survey")
    study = _example("vacation_motives", tmp)
    run = tmp / "run"
    return study, RunFolder(run), run_steps(run, study)


def test_example_paths_resolve_relative_to_the_study_file():
    from segkit.config import load_config

    for name, file in (("online_retail_ii", RETAIL_FILE), ("vacation_motives", SURVEY_FILE)):
        cfg = load_config(ROOT / "examples" / name / "study.yaml")
        assert list(cfg.input_files().values()) == [file.resolve()]
        assert (ROOT / "examples" / name / "README.md").is_file()


def test_online_retail_reconciles_to_the_cent(retail):
    _, folder, results = retail
    data = results["data"]
    w = folder.read(artifacts.WATERFALL)
    raw = pd.read_csv(RETAIL_FILE, dtype={"Customer ID": str, "Invoice": str, "StockCode": str})
    amount = raw["Quantity"] * raw["Price"]
    assert round(amount.sum(), 2) == RAW_TOTAL == data.raw_total == w["amount_left"].iloc[0]
    assert (w["rows_left"].iloc[0], w["customers_left"].iloc[0]) == (525_461, 4_383)
    # the raw total is the analysed total plus every rule's excluded money, to the cent
    excluded = w["amount"].iloc[1:-1]
    assert round(data.analysed_total + excluded.sum(), 2) == RAW_TOTAL
    # ... and the analysed total is what the customer table holds: each segmented customer's net spend
    table = folder.read(artifacts.CUSTOMER_TABLE)
    assert round(table["monetary_total"].sum(), 2) == data.analysed_total
    assert w["customers_left"].iloc[-1] == len(table) == len(folder.read(artifacts.ASSIGNMENTS))
    rule = w.set_index("rule")
    # each rule's figure is what the rule did, computed here from the raw file
    no_id = raw["Customer ID"].isna()
    assert rule.loc["missing_customer_id", "rows"] == no_id.sum() == 107_927
    assert rule.loc["missing_customer_id", "amount"] == round(amount[no_id].sum(), 2)
    with_id = raw.loc[~no_id]
    dup = with_id.duplicated(keep="first")
    assert rule.loc["duplicate_row", "rows"] == dup.sum()
    assert rule.loc["duplicate_row", "amount"] == round(amount[~no_id][dup].sum(), 2)
    kept = with_id.loc[~dup]
    codes = kept["StockCode"].str.strip().str.upper()
    non_product = codes.isin(["POST", "DOT", "C2", "C3", "M", "D", "S", "B", "ADJUST", "ADJUST2", "BANK CHARGES",
                              "AMAZONFEE", "TEST001", "TEST002", "GIFT"]) | codes.str.startswith("GIFT_")
    assert rule.loc["non_product", "rows"] == non_product.sum()
    assert rule.loc["non_product", "amount"] == round((kept["Quantity"] * kept["Price"])[non_product].sum(), 2)
    assert rule.loc["after_cutoff", "rows"] > 100_000
    assert set(ALWAYS := ["missing_customer_id", "duplicate_row", "non_product", "non_positive_amount",
                          "return_netted", "outlier_capped", "after_cutoff"]) <= set(w["rule"]), ALWAYS


def test_online_retail_audit_reads_as_the_data_is(retail):
    _, folder, results = retail
    res = results["resources"]
    fmt = res.formats.set_index("table").loc["transactions"]
    assert fmt["reader"] == "csv, gzip" and fmt["encoding"] == "utf-8 (found)" and fmt["separator"] == "comma (found)"
    assert res.transaction_descriptors.set_index("column").loc["Country", "several_values"] >= 1
    table = folder.read(artifacts.CUSTOMER_TABLE)
    assert table["Country"].notna().all() and (table["Country"] == "United Kingdom").mean() > 0.8
    quality = folder.read(artifacts.TABLE_TRANSACTIONS)
    assert (quality["amount"] >= 0).all() and "Country" in quality
    # credit notes were netted, never counted as sales
    issues = pd.DataFrame(folder.read(artifacts.QUALITY)["issues"]).set_index("rule")
    assert issues.loc["return_netted", "n_rows"] > 5000
    assert issues.loc["amount_derived", "column"] == "Quantity x Price"


def test_online_retail_step4_report_shows_the_raw_total(retail, monkeypatch, tmp_path):
    study, folder, _ = retail
    text = report_text("04_data", folder.path, study, monkeypatch)
    assert "The raw file totals 9,539,484.63" in text and "to the cent" in text
    assert "no customer id" in text and "non-product lines" in text


def test_online_retail_all_eight_steps(retail):
    _, folder, results = retail
    assert set(results) == {"goals", "resources", "method", "data", "stability", "profiling", "validation",
                            "iteration"}
    assert folder.has(artifacts.VERDICT) and folder.has(artifacts.ITERATION)
    val = results["validation"]
    assert val.has_later_behaviour and val.outcomes.table.set_index("outcome").loc["revenue_after", "p_value"] < 0.01


def test_vacation_motives_survey_as_it_comes(survey):
    _, folder, results = survey
    res = results["resources"]
    assert res.n_customers == 1000 and res.basis_kind == "binary" and len(res.survey_items) == 20
    assert list(res.ordinal) == ["Income"] and res.ordinal["Income"][0] == "Less than $30,000"
    answers = pd.read_csv(SURVEY_FILE)
    motives = list(answers.columns[1:21])
    tables = folder.read(artifacts.TABLE_SURVEY)
    # 137 respondents answered exactly as an earlier one: all kept
    assert answers[motives].duplicated().sum() == 137 and len(tables) == 1000
    assert tables[motives].isin([0, 1]).all().all()
    assert (tables[motives].sum() == (answers[motives] == "yes").sum()).all()
    income = tables.set_index("customer_id")["Income"]
    assert income.isna().sum() == 66 and income.min() == 1 and income.max() == 9
    issues = pd.DataFrame(folder.read(artifacts.QUALITY)["issues"])
    assert "duplicate_row" not in set(issues["rule"])
    assert issues.loc[issues["rule"] == "yes_no_recoded", "n_rows"].item() == 1000


def test_vacation_motives_all_eight_steps(survey):
    _, folder, results = survey
    assert len(results) == 8
    prof = results["profiling"]
    assert prof.sizes is None and "no transactions" in prof.sizes_note.lower()
    # ordinal descriptors are numbers in the profiles, not categories
    table = folder.read(artifacts.CUSTOMER_TABLE)
    assert pd.api.types.is_numeric_dtype(table["Income"])
    assert not results["iteration"].has_comparison

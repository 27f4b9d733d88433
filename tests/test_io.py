"""Unit tests of segkit.io: readers, dates, rules, returns, joins, report, inventory."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from segkit.config import parse_config  # noqa: E402
from segkit.errors import DataError  # noqa: E402
from segkit.features import compute_features  # noqa: E402
from segkit.io import (  # noqa: E402
    QUALITY_RULES,
    QualityReport,
    build_inventory,
    cap_outliers,
    decode_bytes,
    is_return,
    load_study_data,
    net_returns,
    parse_dates,
    read_table,
)
from segkit.io.schemas import items_to_01, yes_no_items  # noqa: E402

GOOD = Path(__file__).parent / "data" / "good"
TODAY = dt.date(2024, 12, 31)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def study(data: dict, base_dir: Path, **extra):
    return parse_config({"name": "t", "goal": {"statement": "test"}, "data": data, "basis": ["region"],
                         "cutoff": "2024-06-30", **extra}, base_dir=base_dir)


# --- reading ---------------------------------------------------------------------------------------

def test_read_table_indexes_by_spreadsheet_row_and_types_columns(tmp_path):
    p = write(tmp_path, "t.csv", "Kunde,date,amount,zip,age\n 007 ,2024-01-02,\"1,234.50\",01234,30\n"
                                 "8,2024-01-03,($12.00),02000,41\n")
    before = sha(p)
    df = read_table(p, columns={"customer_id": "Kunde"})
    assert list(df.index) == [2, 3]
    assert df["customer_id"].tolist() == ["007", "8"]
    assert df["date"].dtype == "datetime64[ns]"
    assert df["amount"].tolist() == ["1234.50", "-12.00"]  # numbers are typed by validation
    assert df["zip"].tolist() == ["01234", "02000"]  # codes with leading zeros stay text
    assert df["age"].tolist() == [30, 41]
    assert df.attrs["source_names"]["customer_id"] == "Kunde"
    assert sha(p) == before


def test_gbk_explicit_and_auto_agree(tmp_path):
    p = write(tmp_path, "cn.csv", "客户,date,amount\n张三,2024-01-02,5\n", encoding="gbk")
    auto = read_table(p, columns={"customer_id": "客户"})
    explicit = read_table(p, encoding="gbk", columns={"customer_id": "客户"})
    assert auto["customer_id"].tolist() == explicit["customer_id"].tolist() == ["张三"]


def test_decode_bytes_names_offset_and_line():
    with pytest.raises(DataError, match=re.escape("file x.csv: cannot decode the file: utf-8 fails at byte offset 6 "
                                                  "(line 2, bytes ff)")):
        decode_bytes(b"a,b\n1,\xff", encoding="utf-8", file="x.csv")
    assert decode_bytes("a\n".encode("utf-16"), file="x")[1] == "utf-16"
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        decode_bytes(b"a", encoding="klingon")


def test_separator_is_sniffed_and_can_be_given(tmp_path):
    p = write(tmp_path, "t.txt", "customer_id\tdate\tamount\nA\t2024-01-02\t3\n")
    assert list(read_table(p).columns) == ["customer_id", "date", "amount"]
    p2 = write(tmp_path, "t2.csv", "customer_id|date|amount\nA|2024-01-02|3\n")
    assert read_table(p2, separator="|")["customer_id"].tolist() == ["A"]


def test_parquet_ids_become_text():
    df = read_table(GOOD / "transactions.parquet", columns={"customer_id": "cust", "date": "day", "amount": "value"})
    assert df["customer_id"].iloc[0] == "1" and df.index[0] == 2
    assert df["date"].dtype == "datetime64[ns]"


def test_unknown_suffix_and_old_excel(tmp_path):
    for name, msg in [("t.json", "unknown file type '.json'"), ("t.xls", "old .xls workbooks are not supported")]:
        p = write(tmp_path, name, "x")
        with pytest.raises(DataError, match=re.escape(f"file {name}: {msg}")):
            read_table(p)


# --- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2024-03-05", "2024-03-05"), ("2024/03/05", "2024-03-05"), ("20240305", "2024-03-05"),
    ("05.03.2024", "2024-03-05"), ("2024年3月5日", "2024-03-05"), ("2024-03-05 14:30:00", "2024-03-05"),
])
def test_parse_dates_usual_formats(text, expected):
    out, _ = parse_dates(pd.Series([text, "2024-12-31" if "-" in text else text], index=[2, 3]))
    assert str(out[2].date()) == expected


def test_parse_dates_explicit_format_and_bad_rows():
    out, used = parse_dates(pd.Series(["05/03/2024", "31/12/2024"], index=[2, 3]), date_format="%d/%m/%Y")
    assert str(out[2].date()) == "2024-03-05" and used == {"%d/%m/%Y": [2, 3]}
    with pytest.raises(DataError, match=re.escape("column 'Datum': 1 values are not dates in '%d/%m/%Y' "
                                                  "(e.g. '2024-01-01') [rows 3]")):
        parse_dates(pd.Series(["05/03/2024", "2024-01-01"], index=[2, 3]), date_format="%d/%m/%Y", column="Datum")


def test_parse_dates_us_format_resolved_by_context():
    out, used = parse_dates(pd.Series(["12/1/2010 8:26", "12/13/2010 9:00", "3/4/2011 10:00"], index=[2, 3, 4]))
    assert list(used) == ["%m/%d/%Y %H:%M"]
    assert str(out[4].date()) == "2011-03-04"


# --- rules -----------------------------------------------------------------------------------------

def test_quality_rules_table_documents_every_rule_used():
    src = "".join(p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "segkit" / "io").glob("*.py"))
    used = set(re.findall(r'"([a-z_]+)", rows=', src)) | set(re.findall(r'report\.add\([^,]+, [^,]+, "([a-z_]+)"', src))
    assert used <= set(QUALITY_RULES["rule"])
    assert {"duplicate_row", "return_netted", "outlier_capped", "future_date"} <= used
    assert list(QUALITY_RULES.columns) == ["rule", "applies_to", "action", "rationale"]
    assert QUALITY_RULES["rule"].is_unique and QUALITY_RULES["rationale"].str.len().gt(20).all()


def test_is_return_rules():
    df = pd.DataFrame({"order_id": ["1", "c2", "3", "4"], "quantity": [1, 1, -2, 1], "amount": [5.0, -5, -4, -1]})
    assert is_return(df).tolist() == [False, True, True, False]
    assert is_return(pd.DataFrame({"amount": [3.0, -1.0]})).tolist() == [False, True]


def test_net_returns_by_product_latest_purchase_first():
    df = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a"], "product": ["x", "x", "y", "x"],
        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01", "2024-03-01"]),
        "quantity": [2.0, 1.0, 1.0, -2.0], "amount": [20.0, 10.0, 7.0, -15.0],
    }, index=[2, 3, 4, 5])
    rep = QualityReport()
    out = net_returns(df, outcome_start=None, report=rep)
    # 15 returned: the February x purchase (10) goes entirely, then 5 of January's 20.
    # The fully returned line stays, at amount 0, so its returned amount still counts.
    assert out["amount"].to_dict() == {2: 15.0, 3: 0.0, 4: 7.0}
    assert out["returned_amount"].to_dict() == {2: 5.0, 3: 10.0, 4: 0.0}
    assert out["quantity"].to_dict() == {2: 1.0, 3: 0.0, 4: 1.0}
    assert rep.n("return_netted") == 1 and rep.n("purchase_fully_returned") == 1


def test_net_returns_shrinks_margin_and_keeps_return_rate():
    df = pd.DataFrame({"customer_id": ["a", "a", "a"],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09"]),
                       "amount": [40.0, 60.0, -70.0], "margin": [10.0, 30.0, -35.0], "order_id": ["1", "2", "C3"]},
                      index=[2, 3, 4])
    out = net_returns(df, outcome_start=None, report=QualityReport())
    # latest first: all 60 of Jan 2 (margin 30 -> 0), then 10 of Jan 1's 40 (margin 10 -> 7.5)
    assert out["amount"].tolist() == [30.0, 0.0] and out["returned_amount"].tolist() == [10.0, 60.0]
    assert out["margin"].tolist() == [7.5, 0.0]
    f = compute_features(out, cutoff="2024-01-31").iloc[0]
    assert (f["frequency"], f["monetary_total"], f["recency_days"]) == (1, 30.0, 30)
    assert f["return_rate"] == pytest.approx(0.7)


def test_net_returns_without_product_nets_per_customer():
    df = pd.DataFrame({"customer_id": ["a", "b", "a"],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                       "amount": [30.0, 5.0, -10.0]}, index=[2, 3, 4])
    rep = QualityReport()
    out = net_returns(df, outcome_start=None, report=rep)
    assert out["amount"].to_dict() == {2: 20.0, 3: 5.0}
    assert out["returned_amount"].to_dict() == {2: 10.0, 3: 0.0}
    assert rep.table[["rule", "n_rows", "example_rows"]].values.tolist() == [["return_netted", 1, "4"]]


def test_returns_do_not_cross_the_cutoff():
    df = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2024-06-01", "2024-07-05"]),
                       "amount": [30.0, -10.0]}, index=[2, 3])
    rep = QualityReport()
    out = net_returns(df, outcome_start=pd.Timestamp("2024-07-01"), report=rep)
    assert out["amount"].tolist() == [30.0]
    assert rep.n("return_unmatched") == 1


def test_cap_outliers_leaves_small_tables_alone():
    small = pd.DataFrame({"amount": [1.0, 2.0, 1e6]})
    assert cap_outliers(small, report=QualityReport())["amount"].max() == 1e6


def test_yes_no_items_and_conversion():
    df = pd.DataFrame({"customer_id": ["a", "b", "c"], "satisfaction": [1, 2, 1], "q": ["是", "否", None],
                       "r": ["Yes", "no", "yes"], "s": [0, 1, 1], "city": ["x", "y", "x"]})
    assert yes_no_items(df) == ["q", "r", "s"]
    assert items_to_01(df["r"]).tolist() == [1, 0, 1]


def test_promotion_becomes_boolean(tmp_path):
    p = write(tmp_path, "t.csv", "customer_id,date,amount,promotion\n" +
              "".join(f"C{i},2024-01-0{1 + i % 9},{5 + i},{'是' if i % 2 else 'no'}\n" for i in range(10)))
    data = load_study_data(study({"transactions": {"path": p.name}}, tmp_path), today=TODAY)
    assert data.transactions["promotion"].tolist()[:2] == [False, True]


# --- study level ----------------------------------------------------------------------------------

def test_load_study_data_good_inputs_and_inventory():
    files = [GOOD / n for n in ("customers.csv", "transactions.csv", "survey.csv")]
    before = [sha(p) for p in files]
    cfg = study({n: {"path": f"{n}.csv"} for n in ("customers", "transactions", "survey")}, GOOD)
    data = load_study_data(cfg, today=TODAY)
    assert data.quality.table["rule"].tolist() == ["after_cutoff", "yes_no_recoded"]
    assert data.joins["n_matched"].tolist() == [12, 12, 12]
    assert data.files["survey"] == GOOD / "survey.csv"
    assert data.transactions["after_cutoff"].sum() == 16
    inv = build_inventory(data, cfg)
    assert inv["n_customers"] == 12
    tx = inv["tables"]["transactions"]
    assert (tx["date_min"], tx["date_max"], tx["n_rows"]) == ("2024-01-10", "2024-08-30", 60)
    assert tx["columns"] == ["customer_id", "date", "amount"]
    assert tx["history_months"] == round(173 / (365.25 / 12), 1)
    assert inv["tables"]["survey"]["items"] == ["likes_app", "q2"]
    assert inv["tables"]["survey"]["has_satisfaction"] is True
    assert inv["tables"]["customers"]["columns"] == ["customer_id", "region", "age"]
    assert json.loads(json.dumps(inv)) == inv
    assert [sha(p) for p in files] == before


def test_min_customers_argument_and_survey_only_study():
    cfg = parse_config(
        {"name": "s", "goal": {"statement": "x"}, "data": {"survey": {"path": "survey.csv"}}, "basis": ["likes_app"]},
        base_dir=GOOD)
    with pytest.raises(DataError, match=re.escape("file survey.csv, column 'customer_id': only 12 customers after "
                                                  "cleaning; the study needs at least 20")):
        load_study_data(cfg, today=TODAY, min_customers=20)
    inv = build_inventory(load_study_data(cfg, today=TODAY), cfg)
    assert inv["tables"]["transactions"]["present"] is False and inv["n_customers"] == 12


def test_quality_report_outputs(tmp_path):
    rep = QualityReport()
    rep.add("transactions", "t.csv", "duplicate_row", rows=[3, 9, 11, 12, 15, 20], n_total=60)
    rep.add("survey", "s.csv", "orphan_survey", rows=[], n_total=10)  # zero counts are not recorded
    assert rep.table[["n_rows", "share", "example_rows", "action"]].values.tolist() == [
        [6, 0.1, "3, 9, 11, 12, 15", "drop"]
    ]
    assert "duplicate_row" in rep.summary() and "10.0%" in rep.summary()
    path = rep.to_json(tmp_path / "audit.json")
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["issues"][0]["n_rows"] == 6 and len(payload["rules"]) == len(QUALITY_RULES)
    rep.add("transactions", "t.csv", "outlier_capped", rows=[4], n_total=60)
    rep.add("transactions", "t.csv", "after_cutoff", rows=list(range(2, 22)), n_total=60)
    ax = rep.plot()
    # largest first; coloured by what the rule did to the rows
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "transactions: after cutoff", "transactions: duplicate row", "transactions: outlier capped"]
    assert [t.get_text() for t in ax.texts] == ["20", "6", "1"]
    colors = [matplotlib.colors.to_hex(b.get_facecolor()) for b in ax.patches[:3]]
    assert colors == ["#4c72b0", "#c44e52", "#dd8452"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["dropped", "changed", "kept (flagged)"]
    plt.close(ax.figure)
    _, ax2 = plt.subplots()
    assert QualityReport().plot(ax=ax2) is ax2
    plt.close(ax2.figure)
    assert QualityReport().summary() == "Data quality: no rule had to fix anything."

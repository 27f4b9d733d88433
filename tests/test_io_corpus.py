"""The bad-input corpus (tests/data/bad, made by make_corpus.py): one fault per file.

Each case states the exact error (message parts: file, column, count, example rows)
or the exact fix counts, and every case checks that no input file changed.
Row numbers are spreadsheet rows: header = row 1, first data row = row 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from segkit.config import parse_config
from segkit.errors import DataError
from segkit.io import load_study_data

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
TODAY = dt.date(2024, 12, 31)
GOOD_T = {"path": "../good/transactions.csv"}
RETAIL = {"order_id": "InvoiceNo", "customer_id": "CustomerID", "date": "InvoiceDate", "product": "StockCode",
          "quantity": "Quantity", "amount": "Value"}


def study(data: dict, basis=("region",)):
    return parse_config({"name": "t", "goal": {"statement": "test"}, "data": data, "basis": list(basis),
                         "cutoff": "2024-06-30"}, base_dir=BAD)


def snapshot() -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(DATA.rglob("*")) if p.is_file()}


def T(path, **opts):  # noqa: N802 - reads like the study file
    return {"transactions": {"path": path, **opts}}


ERRORS = [
    ("empty", T("empty.csv"), ["file empty.csv: the file is empty (0 bytes)"]),
    ("blank_only", T("blank_only.csv"), ["file blank_only.csv: the file is empty (no header, only blank space)"]),
    ("header_only", T("header_only.csv"),
     ["file header_only.csv: the file has a header but no data rows", "['customer_id', 'date', 'amount']"]),
    ("duplicate_header", T("duplicate_header.csv"),
     ["file duplicate_header.csv: the header names these columns more than once: ['amount']"]),
    ("undecodable", T("undecodable.csv"),
     ["file undecodable.csv: cannot decode the file", "utf-8 fails at byte offset 82 (line 4, bytes 80 ff 31 32)",
      "gb18030 fails at byte offset 82 (line 4"]),
    ("gbk_read_as_utf8", T("gbk.csv", encoding="utf-8"),
     ["file gbk.csv: cannot decode the file: utf-8 fails at byte offset 0 (line 1",
      "it decodes as GB18030: set encoding: gb18030"]),
    ("missing_column", T("missing_amount.csv"),
     ["file missing_amount.csv, column 'amount': required column 'amount' not found",
      "did you mean 'amt'?", "Columns in the file: ['customer_id', 'date', 'amt']"]),
    ("misnamed_id", T("misnamed_id.csv"),
     ["column 'customer_id': required column 'customer_id' not found", "did you mean 'Customer ID'?"]),
    ("mapped_column_missing",
     T("mapped_missing.csv", columns={"customer_id": "Kunde", "date": "Datum", "amount": "Betrag"}),
     ["file mapped_missing.csv, column 'Betrag': the study reads 'amount' from column 'Betrag', but the file has "
      "no column 'Betrag'; did you mean 'Betrag_EUR'? Columns in the file: ['Kunde', 'Datum', 'Betrag_EUR']"]),
    # the file's own 'amount' must not be used silently in place of the mapped column
    ("mapped_column_missing_canonical_present", T("../good/transactions.csv", columns={"amount": "umsatz"}),
     ["file transactions.csv, column 'umsatz': the study reads 'amount' from column 'umsatz', but the file has "
      "no column 'umsatz'. Columns in the file: ['customer_id', 'date', 'amount']"]),
    ("mapped_optional_column_missing", T("../good/transactions.csv", columns={"promotion": "Promo"}),
     ["column 'Promo': the study reads 'promotion' from column 'Promo', but the file has no column 'Promo'"]),
    ("mapping_clash", T("negative_amounts.csv", columns={"amount": "quantity"}),
     ["file negative_amounts.csv, column 'quantity': the study reads column 'quantity' as 'amount', but the file "
      "also has a column 'amount'"]),
    ("utf8_declared_gbk", T("utf8_euro.csv", encoding="gbk"),
     ["file utf8_euro.csv: cannot decode the file: gbk fails at byte offset 56 (line 2",
      "it decodes as UTF-8: set encoding: utf-8 (or auto)"]),
    ("day_first_and_month_first", T("day_month_mixed.csv"),
     ["file day_month_mixed.csv, column 'date': dates are written both day-first (57 rows, e.g. '10/01/2024') and "
      "month-first (3 rows, e.g. '01/25/2024')", "set date_format", "[rows 59, 60, 61]"]),
    ("decimal_mark_ambiguous", T("semicolon_three_decimals.csv"),
     ["file semicolon_three_decimals.csv, column 'amount': 15 values such as '125,000' could mean 125.000 or 125000",
      "decimal: ',' or decimal: '.'", "[rows 3, 7, 11, 15, 19 (of 15)]"]),
    ("ids_half_zero_padded", {"customers": {"path": "customers_zero_padded.csv"},
                              "transactions": {"path": "transactions_half_padded.csv"}},
     ["file transactions_half_padded.csv, column 'customer_id': 6 of its 12 customer ids are not in "
      "customers_zero_padded.csv as written but match an id there once leading zeros are dropped "
      "(e.g. '10' vs '0010', '11' vs '0011', '12' vs '0012')"]),
    ("text_in_amount", T("text_in_amount.csv"),
     ["file text_in_amount.csv, column 'amount': 2 values are not numbers (e.g. 'Alice', 'Bob') [rows 4, 7]"]),
    ("decimal_comma_unset", T("semicolon_decimal_comma.csv"),
     ["column 'amount': 59 values look like numbers with a decimal comma (e.g. '12,50'); set decimal: ','",
      "[rows 3, 4, 5, 6, 7 (of 59)]"]),
    ("promotion_not_yes_no", T("promotion_bad.csv"),
     ["file promotion_bad.csv, column 'promotion': 1 values are not yes/no values", "'maybe'", "[rows 8]"]),
    ("ambiguous_dates", T("ambiguous_dates.csv"),
     ["file ambiguous_dates.csv, column 'date': dates are ambiguous: both '%d/%m/%Y' and '%m/%d/%Y'",
      "'03/04/2024'", "set date_format", "[rows 61]"]),
    ("unparsable_dates", T("unparsable_dates.csv"),
     ["file unparsable_dates.csv, column 'date': 2 values are not dates in any known format "
      "(e.g. 'soon') [rows 5, 10]"]),
    # checked on the first rows, before the file is read whole
    ("date_format_does_not_fit", T("dmy_dates.csv", date_format="%Y-%m-%d"),
     ["file dmy_dates.csv, column 'date': the study gives date_format '%Y-%m-%d', but no date of the first rows "
      "fits it (first values: ['10/01/2024', '29/02/2024', '19/04/2024'])"]),
    ("no_dates", T("no_dates.csv"),
     ["file no_dates.csv, column 'date': no value is a date in a known format (e.g. 'unknown')"]),
    ("all_ids_missing", T("all_ids_missing.csv"),
     ["file all_ids_missing.csv, column 'customer_id': no row has a customer id (60 rows, all empty)"]),
    ("one_customer", T("one_customer.csv"),
     ["file one_customer.csv, column 'customer_id': only 1 customers after cleaning; the study needs at least 8",
      "k_range [2, 8]"]),
    ("fewer_customers_than_k", T("few_customers.csv"), ["only 5 customers after cleaning; the study needs at least 8"]),
    ("several_sheets", T("several_sheets.xlsx"),
     ["file several_sheets.xlsx: the workbook has 3 sheets ['README', 'orders', 'old orders']; "
      "choose one with 'sheet'"]),
    ("unknown_sheet", T("several_sheets.xlsx", sheet="Orders"),
     ["sheet 'Orders' does not exist; sheets are ['README', 'orders', 'old orders']"]),
    ("constant_basis", {"customers": {"path": "customers_constant.csv"}, **{"transactions": GOOD_T}},
     ["file customers_constant.csv, column 'region': basis variable has the single value 'East' in all 12"]),
    ("ids_do_not_match", {"customers": {"path": "customers_zero_padded.csv"},
                          "transactions": {"path": "transactions_numeric_ids.csv"}},
     ["no customer id of transactions_numeric_ids.csv (transactions) appears in customers_zero_padded.csv",
      "['1', '10', '11'] vs ['001', '0010', '0011']", "leading zeros"]),
]

# (case, data, expected {(table, rule): (n_rows, example_rows)}, extra check on the loaded data)
FIXES = [
    ("blank_lines", T("blank_lines.csv"), {("transactions", "blank_row"): (2, "5, 6")},
     lambda d: d.transactions.index[3] == 7),
    ("duplicate_rows", T("duplicate_rows.csv"), {("transactions", "duplicate_row"): (3, "62, 63, 64")},
     lambda d: len(d.transactions) == 60),
    ("missing_ids_and_amount", T("missing_ids.csv"),
     {("transactions", "missing_required"): (3, None)}, lambda d: len(d.transactions) == 57),
    ("future_dates", T("future_dates.csv"), {("transactions", "future_date"): (2, "62, 63")},
     lambda d: d.transactions["date"].max() < dt.datetime(2025, 1, 1)),
    ("negative_amounts", T("negative_amounts.csv"),
     {("transactions", "non_positive_amount"): (4, "6, 11, 16, 22")}, lambda d: (d.transactions["amount"] > 0).all()),
    ("huge_value", T("huge_values.csv"), {("transactions", "outlier_capped"): (1, "152")},
     lambda d: d.transactions.loc[152, "amount"] == 10 * 107.0 and bool(d.transactions.loc[152, "amount_capped"])),
    ("mixed_dates", T("mixed_dates.csv"), {("transactions", "mixed_date_formats"): (15, "2, 6, 10, 14, 18")},
     lambda d: str(d.transactions.loc[6, "date"].date()) == "2024-07-28"),
    ("decimal_comma_semicolon", T("semicolon_decimal_comma.csv", decimal=","), {},
     lambda d: d.transactions.loc[2, "amount"] == 1234.5 and d.transactions.loc[3, "amount"] == 12.5),
    ("day_first_dates", T("dmy_dates.csv"), {}, lambda d: str(d.transactions.loc[2, "date"].date()) == "2024-01-10"),
    # not UTF-8, and read as Chinese it gives rare characters: Windows-1252 (Latin-1), found and reported
    ("western_file_detected", {"customers": {"path": "latin1.csv"}, "transactions": GOOD_T}, {},
     lambda d: d.customers["city"].head(3).tolist() == ["Zürich", "Genève", "Köln"]
     and d.customers.attrs["format"]["encoding"] == "cp1252" and d.customers.attrs["format"]["encoding_detected"]),
    ("western_file_encoding_given",
     {"customers": {"path": "latin1.csv", "encoding": "latin-1"}, "transactions": GOOD_T},
     {}, lambda d: d.customers["city"].head(3).tolist() == ["Zürich", "Genève", "Köln"]),
    ("three_decimals_comma", T("semicolon_three_decimals.csv", decimal=","), {},
     lambda d: d.transactions.loc[3, "amount"] == 125.0 and d.transactions.loc[2, "amount"] == 10.0),
    ("three_decimals_thousands", T("semicolon_three_decimals.csv", decimal="."), {},
     lambda d: d.transactions.loc[3, "amount"] == 125000.0),
    ("bom", T("bom.csv"), {}, lambda d: list(d.transactions.columns[:3]) == ["customer_id", "date", "amount"]),
    ("gbk_auto", T("gbk.csv", columns={"customer_id": "客户编号", "date": "日期", "amount": "金额", "product": "商品"}),
     {}, lambda d: set(d.transactions["product"]) == {"水饺", "速冻面"}),
    ("excel_sheet_by_name", T("several_sheets.xlsx", sheet="orders"), {}, lambda d: len(d.transactions) == 60),
    ("excel_sheet_by_index", T("several_sheets.xlsx", sheet=2), {}, None),  # 5 rows, C001 only: too few
    ("cancellations", T("cancellations.csv", columns=RETAIL),
     {("transactions", "return_netted"): (4, "4, 6, 10, 13"), ("transactions", "return_unmatched"): (1, "8"),
      ("transactions", "purchase_fully_returned"): (1, "5"), ("transactions", "non_positive_amount"): (1, "11")},
     lambda d: (round(d.transactions.loc[2, "amount"], 2), d.transactions.loc[2, "quantity"],
                round(d.transactions.loc[9, "amount"], 2), round(d.transactions.loc[12, "amount"], 2))
     == (10.2, 4.0, 5.5, 8.25) and (d.transactions["amount"] > 0).sum() == len(d.transactions) - 1
     and (d.transactions.loc[5, "amount"], d.transactions.loc[5, "returned_amount"]) == (0.0, 90.0)),
    ("duplicate_customer_ids", {"customers": {"path": "customers_dup_ids.csv"}, "transactions": GOOD_T},
     {("customers", "duplicate_id"): (2, "14, 15")}, lambda d: d.customers.loc[4, "region"] == "West"),
    ("orphans", {"customers": {"path": "customers_subset.csv"}, "transactions": GOOD_T,
                 "survey": {"path": "survey_orphans.csv"}},
     {("transactions", "orphan_transactions"): (10, "52, 53, 54, 55, 56"),
      ("survey", "orphan_survey"): (4, "12, 13, 14, 15"), ("survey", "yes_no_recoded"): (14, None)},
     lambda d: d.joins.set_index(["left", "right"])["n_only_right"].to_dict()
     == {("customers", "transactions"): 2, ("customers", "survey"): 4, ("transactions", "survey"): 2}
     and d.survey["喜欢新品"].tolist() == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]),
    ("satisfaction_out_of_range", {"transactions": GOOD_T, "survey": {"path": "survey_bad_satisfaction.csv"}},
     {("survey", "satisfaction_out_of_range"): (2, "4, 7")}, lambda d: d.survey["satisfaction"].isna().sum() == 2),
]


@pytest.mark.parametrize("case, data, parts", ERRORS, ids=[c[0] for c in ERRORS])
def test_corpus_errors(case, data, parts):
    before = snapshot()
    with pytest.raises(DataError, match=re.escape(parts[0])) as err:
        load_study_data(study(data), today=TODAY)
    for part in parts[1:]:
        assert part in str(err.value)
    assert snapshot() == before


@pytest.mark.parametrize("case, data, expected, check", FIXES, ids=[c[0] for c in FIXES])
def test_corpus_fixes(case, data, expected, check):
    before = snapshot()
    if case == "excel_sheet_by_index":
        with pytest.raises(DataError, match=r"only 1 customers after cleaning"):
            load_study_data(study(data), today=TODAY)
        assert snapshot() == before
        return
    loaded = load_study_data(study(data), today=TODAY)
    q = loaded.quality.table
    fixing = q[~q["rule"].isin(["after_cutoff", "missing_optional"])]
    assert set(zip(fixing["table"], fixing["rule"])) == set(expected)
    for (table, rule), (n, rows) in expected.items():
        got = q[(q["table"] == table) & (q["rule"] == rule)]
        assert int(got["n_rows"].sum()) == n
        if rows is not None:
            assert got["example_rows"].iloc[0] == rows
    if check is not None:
        assert check(loaded)
    assert snapshot() == before


def test_corpus_is_big_enough():
    assert len([p for p in BAD.iterdir() if p.suffix in {".csv", ".xlsx"}]) >= 25

"""Client files as they come: separators, headers, compression, Excel, encodings, derived amounts,
non-product lines, cancellations, survey shapes, ordinal levels, descriptors from transactions, names
checked up front, and the waterfall (margin included)."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from segkit.config import parse_config
from segkit.errors import ConfigError, DataError
from segkit.io import load_study_data, read_table
from segkit.io.readers import check_format, sniff_separator
from segkit.io.study import check_names
from segkit.io.waterfall import waterfall_table

TODAY = dt.date(2024, 12, 31)


def lines(n: int = 12, sep: str = ",") -> str:
    rows = [sep.join(["cust", "day", "value"])]
    rows += [sep.join([f"C{i % 9}", f"2024-0{1 + i % 9}-1{i % 9}", f"{5 + i}.50"]) for i in range(n)]
    return "\n".join(rows) + "\n"


def study(tmp: Path, data: dict, **extra):
    base = {"name": "t", "goal": {"statement": "test"}, "data": data, "basis": ["recency_days"],
            "cutoff": "2024-06-30", "k_range": [2, 3]}
    return parse_config({**base, **extra}, base_dir=tmp)


MAP = {"customer_id": "cust", "date": "day", "amount": "value"}


@pytest.mark.parametrize("sep, name", [(",", "t.csv"), (";", "t.txt"), ("\t", "t.tsv"), ("|", "t.dat")])
def test_separator_is_sniffed_and_reported(tmp_path, sep, name):
    (tmp_path / name).write_text(lines(sep=sep), encoding="utf-8")
    df = read_table(tmp_path / name, columns=MAP)
    assert len(df) == 12 and df.attrs["format"]["separator"] == sep and df.attrs["format"]["separator_detected"]


def test_whitespace_separated_and_headerless(tmp_path):
    text = "".join(f"C{i % 4}   2024-0{1 + i % 9}-15    {10 + i}.25\n" for i in range(10))
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    assert sniff_separator(text.splitlines()) == "whitespace"
    df = read_table(tmp_path / "t.txt", header=False, names=["cust", "day", "value"], columns=MAP)
    assert list(df.index[:2]) == [1, 2]  # no header: the first line is row 1
    assert df["customer_id"].iloc[0] == "C0" and df.attrs["format"]["separator"] == "whitespace"
    with pytest.raises(DataError, match=r"the study names 2 columns \(\['a', 'b'\]\) but the first line has 3 fields"):
        read_table(tmp_path / "t.txt", header=False, names=["a", "b"])


def test_headerless_needs_names():
    with pytest.raises(ConfigError, match="header: false needs names"):
        parse_config({"name": "t", "goal": {"statement": "g"}, "basis": ["x"],
                      "data": {"survey": {"path": "s.csv", "header": False}}})


def test_wrong_separator_stops_showing_the_first_lines(tmp_path):
    (tmp_path / "t.csv").write_text(lines(sep=";"), encoding="utf-8")
    with pytest.raises(DataError, match=re.escape("the study gives separator ',', but it does not split the first "
                                                  "lines into columns; they look ';'-separated. First lines: "
                                                  "'cust;day;value'")):
        check_format(tmp_path / "t.csv", separator=",")


def test_wrong_encoding_stops_on_the_first_lines(tmp_path):
    (tmp_path / "t.csv").write_bytes("kunde,ort\nC1,Zürich\n".encode("latin-1"))
    with pytest.raises(DataError, match="utf-8 fails at byte offset 14 \\(line 2"):
        check_format(tmp_path / "t.csv", encoding="utf-8")
    assert check_format(tmp_path / "t.csv")["encoding"] == "cp1252"


def test_gzip_zip_parquet_and_excel(tmp_path):
    text = lines(40)
    with gzip.open(tmp_path / "t.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(text)
    with zipfile.ZipFile(tmp_path / "t.zip", "w") as zf:
        zf.writestr("export/t.csv", text)
    plain = read_table(tmp_path / "t.csv.gz", columns=MAP)
    assert plain.attrs["format"]["compression"] == "gzip" and len(plain) == 40
    zipped = read_table(tmp_path / "t.zip", columns=MAP)
    pd.testing.assert_frame_equal(zipped, plain)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as zf:
        zf.writestr("a.csv", text)
        zf.writestr("b.csv", text)
    with pytest.raises(DataError, match="a .zip must hold exactly one data file; this one holds 2"):
        read_table(tmp_path / "two.zip")
    raw = pd.read_csv(tmp_path / "t.csv.gz", dtype=str)
    raw.to_excel(tmp_path / "t.xlsx", index=False, sheet_name="lines")
    excel = read_table(tmp_path / "t.xlsx", columns=MAP)
    assert excel.attrs["format"]["reader"] == "excel (calamine)"
    assert excel["customer_id"].tolist() == plain["customer_id"].tolist()
    assert excel["date"].tolist() == plain["date"].tolist()


def retail_lines() -> str:
    # two customers; C-invoices are credit notes; POST and BANK CHARGES are no products; one line has no id
    rows = [
        ("536365", "85123A", "WHITE HANGING HEART", 6, "2024-01-05 08:26", 2.55, "17850", "United Kingdom"),
        ("536365", "POST", "POSTAGE", 1, "2024-01-05 08:26", 18.00, "17850", "United Kingdom"),
        ("536366", "22633", "HAND WARMER UNION JACK", 12, "2024-02-01 09:00", 1.85, "17850", "France"),
        ("C536367", "85123A", "WHITE HANGING HEART", -2, "2024-02-10 10:00", 2.55, "17850", "United Kingdom"),
        ("536368", "22633", "HAND WARMER UNION JACK", 24, "2024-03-01 11:00", 1.85, "13047", "Germany"),
        ("536368", "22633", "HAND WARMER UNION JACK", 24, "2024-03-01 11:00", 1.85, "13047", "Germany"),
        ("536369", "BANK CHARGES", "Bank Charges", 1, "2024-03-02 11:00", 15.00, "13047", "Germany"),
        ("536370", "21730", "GLASS STAR", 3, "2024-03-03 12:00", 0.00, "13047", "Germany"),
        ("536371", "21730", "GLASS STAR", 8, "2024-03-04 12:00", 4.25, "", "United Kingdom"),
        ("C536372", "22960", "JAM MAKING SET", -1, "2024-04-01 12:00", 4.25, "13047", "Germany"),
        ("536373", "22960", "JAM MAKING SET", 5, "2024-08-01 12:00", 4.25, "13047", "Germany"),
    ]
    rows += [(f"6{i:05d}", "22960", "JAM MAKING SET", 1 + i % 3, f"2024-0{1 + i % 5}-2{i % 8} 10:00", 4.25,
              f"2{i % 6:04d}", "EIRE") for i in range(30)]
    head = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
    return head + "".join(",".join(str(v) for v in r) + "\n" for r in rows)


RETAIL = {"order_id": "Invoice", "product": "StockCode", "description": "Description", "quantity": "Quantity",
          "unit_price": "Price", "date": "InvoiceDate", "customer_id": "Customer ID"}


def test_retail_export_amount_cancellations_non_products_and_waterfall(tmp_path):
    (tmp_path / "r.csv").write_text(retail_lines(), encoding="utf-8")
    cfg = study(tmp_path, {"transactions": {"path": "r.csv", "columns": RETAIL}}, descriptors=["Country"])
    data = load_study_data(cfg, today=TODAY)
    q = data.quality.table.set_index("rule")
    assert q.loc["amount_derived", "column"] == "Quantity x Price"
    assert q.loc["non_product", "n_rows"] == 2 and q.loc["non_positive_amount", "n_rows"] == 1
    assert q.loc["duplicate_row", "n_rows"] == 1 and q.loc["return_netted", "n_rows"] == 1
    assert q.loc["return_unmatched", "n_rows"] == 1  # the jam set was bought only after the credit note
    t = data.transactions
    assert t.loc[2, "amount"] == pytest.approx(6 * 2.55 - 2 * 2.55) and t.loc[2, "returned_amount"] == 5.1
    assert set(data.non_product["value"]) == {"POST", "BANK CHARGES"}
    w = waterfall_table(data.ledger).set_index("rule")
    raw = 6 * 2.55 + 18 + 12 * 1.85 - 2 * 2.55 + 2 * 24 * 1.85 + 15 + 0 + 8 * 4.25 - 4.25 + 5 * 4.25 + sum(
        (1 + i % 3) * 4.25 for i in range(30))
    assert w.loc["raw", "amount_left"] == round(raw, 2)
    assert w.loc["missing_customer_id", "amount"] == 34.0 and w.loc["duplicate_row", "amount"] == 44.4
    assert w.loc["non_product", "amount"] == 33.0 and w.loc["return_unmatched", "amount"] == -4.25
    assert w.loc["return_netted", "amount"] == 0.0  # netting moves money, it excludes nothing
    assert round(w["amount"].iloc[1:].sum() + w["amount_left"].iloc[-1], 2) == w.loc["raw", "amount_left"]
    # Country, a transaction column, describes each customer by its most frequent value
    assert data.descriptors.set_index("column").loc["Country", "several_values"] == 1


def test_custom_cancel_prefix_and_non_product_patterns(tmp_path):
    text = retail_lines().replace("C536367", "R536367").replace(",-2,", ",2,")
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    spec = {"path": "r.csv", "columns": RETAIL, "cancel_prefix": "R",
            "non_product": {"codes": ["POST"], "descriptions": []}}
    data = load_study_data(study(tmp_path, {"transactions": spec}), today=TODAY)
    q = data.quality.table.set_index("rule")
    assert q.loc["non_product", "n_rows"] == 1  # bank charges stay: the study's list replaces the default
    assert data.non_product["value"].tolist() == ["POST"]
    assert q.loc["return_netted", "n_rows"] == 1  # R marks the credit note although its quantity is positive


def test_margin_goes_through_the_same_rules(tmp_path):
    rows = ["customer_id,date,amount,margin,order_id"]
    rows += [f"C{i % 10},2024-0{1 + i % 5}-1{i % 9},{10 + i % 7},{(10 + i % 7) * 0.3:.2f},{i}" for i in range(150)]
    rows += ["C1,2024-05-20,90000,27000,900", "C2,2024-05-21,-16,-4.8,C901", "C3,2024-05-22,0,0,902"]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = load_study_data(study(tmp_path, {"transactions": {"path": "m.csv"}}), today=TODAY)
    w = waterfall_table(data.ledger).set_index("rule")
    capped = data.transactions.loc[data.transactions["amount_capped"]]
    assert len(capped) == 1 and capped["margin"].item() == pytest.approx(27000 * capped["amount"].item() / 90000)
    assert w.loc["outlier_capped", "margin"] == pytest.approx(27000 - capped["margin"].item(), abs=0.01)
    assert round(w["margin"].iloc[1:].sum() + w["margin_left"].iloc[-1], 2) == w.loc["raw", "margin_left"]


def survey_csv(id_col: bool = True) -> str:
    head = ("respondent," if id_col else "") + "Rest and relax,Sports,Income,Often\n"
    rows = []
    for i in range(12):
        answer = ["Ja", "NEIN"][i % 2], ["nein", "ja"][i % 3 == 0], ["<30k", "30-60k", ">60k", ""][i % 4]
        often = ["Never", "More than once a week", "Sometimes"][i % 3]
        rows.append((f"V{i}," if id_col else "") + ",".join([*answer, often]))
    rows.append(rows[-1].split(",", 1)[1] if id_col else rows[-1])  # no id column: an identical row
    return head + "\n".join(rows[:-1] if id_col else rows) + "\n"


def test_survey_without_ids_words_and_ordinal_levels(tmp_path):
    (tmp_path / "s.csv").write_text(survey_csv(id_col=False), encoding="utf-8")
    spec = {"path": "s.csv", "ids": "row", "yes_words": ["ja"], "no_words": ["nein"],
            "ordinal": {"Income": ["<30k", "30-60k", ">60k"], "Often": ["Never", "Sometimes",
                                                                        "More than once a week"]}}
    cfg = study(tmp_path, {"survey": spec}, basis=["Rest and relax", "Sports"], descriptors=["Income", "Often"],
                cutoff=None)
    data = load_study_data(cfg, today=TODAY)
    s = data.survey
    assert s["customer_id"].tolist() == [str(i) for i in range(1, 14)]  # numbered by row, the twin row kept
    assert s["Rest and relax"].tolist()[:3] == [1, 0, 1] and s["Sports"].tolist()[:3] == [1, 0, 0]
    assert s["Income"].tolist()[:4] == [1, 2, 3, pd.NA] and s["Often"].tolist()[:3] == [1, 3, 2]
    q = data.quality.table.set_index("rule")
    assert q.loc["ids_from_rows", "n_rows"] == 13 and q.loc["yes_no_recoded", "n_rows"] == 13
    assert "duplicate_row" not in q.index
    assert set(q.loc["ordinal_coded", "column"]) == {"Income", "Often"}
    bad = {**spec, "ordinal": {"Income": ["<30k", "30-60k"]}}
    with pytest.raises(DataError, match=r"column 'Income': 3 values are not among the ordinal levels the study "
                                        r"gives \(e.g. \['>60k'\]\)"):
        load_study_data(study(tmp_path, {"survey": bad}, basis=["Sports"], cutoff=None), today=TODAY)


def test_names_found_nowhere_stop_with_the_closest(tmp_path):
    (tmp_path / "r.csv").write_text(retail_lines(), encoding="utf-8")
    cfg = study(tmp_path, {"transactions": {"path": "r.csv", "columns": RETAIL}},
                basis=["recency_days", "monetary_avrg", "promo_share"], descriptors=["country"])
    data = load_study_data(cfg, today=TODAY)
    with pytest.raises(DataError) as err:
        check_names(cfg, {"customers": None, "transactions": data.transactions, "survey": None})
    msg = str(err.value)
    assert "basis variable 'monetary_avrg' is in no table; closest: 'monetary_avg'" in msg
    assert "basis variable 'promo_share' is computed from the transactions' promotion column" in msg
    assert "descriptor 'country' is in no table; closest:" in msg and "'Country'" in msg

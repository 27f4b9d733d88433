"""Write the bad-input corpus (this folder) and the small good inputs (../good).

Run from anywhere: ``python tests/data/bad/make_corpus.py``. Output is deterministic
(except the Excel file's internal timestamps). Each file holds one fault; the
expected error or fix counts are in tests/test_io_corpus.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

BAD = Path(__file__).resolve().parent
GOOD = BAD.parent / "good"
HEADER = "customer_id,date,amount"


def base_rows(n_customers: int = 12, per_customer: int = 5) -> list[tuple[str, str, float]]:
    """Purchases of customers C001.. spread over Jan-Sep 2024 (cut-off in the studies: 2024-06-30)."""
    rows = []
    for i in range(n_customers):
        for j in range(per_customer):
            day = dt.date(2024, 1, 10) + dt.timedelta(days=50 * j + 3 * i)
            rows.append((f"C{i + 1:03d}", day.isoformat(), round(10 + 3 * i + 2.5 * j, 2)))
    return rows


def csv_text(rows, header: str = HEADER, sep: str = ",") -> str:
    return header + "\n" + "\n".join(sep.join(str(v) for v in r) for r in rows) + "\n"


def write(name: str, text: str | bytes, folder: Path = BAD) -> None:
    path = folder / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)


def main() -> None:
    GOOD.mkdir(exist_ok=True)
    rows = base_rows()
    ids = sorted({r[0] for r in rows})

    # --- good inputs -------------------------------------------------------------------------
    write("transactions.csv", csv_text(rows), GOOD)
    regions = ["East", "North", "South"]
    write("customers.csv", csv_text([(c, regions[k % 3], 25 + k) for k, c in enumerate(ids)],
                                    header="customer_id,region,age"), GOOD)
    write("survey.csv", csv_text([(c, 1 + k % 5, "yes" if k % 2 else "no", k % 2) for k, c in enumerate(ids)],
                                 header="customer_id,satisfaction,likes_app,q2"), GOOD)
    pq = pd.DataFrame({"cust": [int(c[1:]) for c, _, _ in rows], "day": pd.to_datetime([d for _, d, _ in rows]),
                       "value": [a for _, _, a in rows]})
    pq.to_parquet(GOOD / "transactions.parquet", index=False)

    # --- file-level faults -------------------------------------------------------------------
    write("empty.csv", b"")
    write("blank_only.csv", "  \n\n \n")
    write("header_only.csv", HEADER + "\n")
    write("duplicate_header.csv", csv_text([(*r, 1) for r in rows[:10]], header=HEADER + ",amount"))
    write("blank_lines.csv", csv_text(rows[:3]) + "\n,,\n" + "\n".join(",".join(map(str, r)) for r in rows[3:]) + "\n")

    # --- encodings ---------------------------------------------------------------------------
    cn_header = "客户编号,日期,金额,商品"
    cn_rows = [(c, d, a, "水饺" if k % 2 else "速冻面") for k, (c, d, a) in enumerate(rows)]
    write("gbk.csv", csv_text(cn_rows, header=cn_header).encode("gbk"))
    write("bom.csv", b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))
    bad_bytes = csv_text(rows[:2]).encode() + b"C003,2024-01-16,\x80\xff12\n" + csv_text(rows[3:6]).split("\n", 1)[1].encode()
    write("undecodable.csv", bad_bytes)
    # a Western file: GB18030 "decodes" it too, into rare characters (Zürich -> Z黵ich)
    cities = ["Zürich", "Genève", "Köln", "Málaga", "Besançon", "Århus"]
    write("latin1.csv", csv_text([(c, cities[k % 6], 30 + k) for k, c in enumerate(ids)],
                                 header="customer_id,city,age").encode("latin-1"))
    # UTF-8 that is not GBK (the euro sign)
    write("utf8_euro.csv", csv_text([(c, d, a, "€") for c, d, a in rows], header=HEADER + ",currency"))

    # --- columns -----------------------------------------------------------------------------
    write("missing_amount.csv", csv_text(rows, header="customer_id,date,amt"))
    write("misnamed_id.csv", csv_text(rows, header="Customer ID,date,amount"))
    write("mapped_missing.csv", csv_text(rows, header="Kunde,Datum,Betrag_EUR"))

    # --- types -------------------------------------------------------------------------------
    typed = [list(r) for r in rows]
    typed[2][2] = "Alice"  # row 4
    typed[5][2] = "Bob"  # row 7
    write("text_in_amount.csv", csv_text(typed))
    write("semicolon_decimal_comma.csv",
          csv_text([(c, d, f"{a:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")) for c, d, a in rows],
                   header="customer_id;date;amount", sep=";")
          .replace("10,00", "1.234,50", 1))
    # ';'-separated, whole amounts and three-decimal ones, no decimal point: is 131,600 131.6 or 131600?
    write("semicolon_three_decimals.csv",
          csv_text([(c, d, f"{a * 10:.3f}".replace(".", ",") if k % 4 == 1 else int(a)) for k, (c, d, a) in enumerate(rows)],
                   header="customer_id;date;amount", sep=";"))
    promo = [(c, d, a, "maybe" if k == 6 else ("是" if k % 2 else "否")) for k, (c, d, a) in enumerate(rows)]
    write("promotion_bad.csv", csv_text(promo, header="customer_id,date,amount,promotion"))

    # --- dates -------------------------------------------------------------------------------
    mixed = [(c, d if k % 4 else dt.date.fromisoformat(d).strftime("%d.%m.%Y"), a) for k, (c, d, a) in enumerate(rows)]
    write("mixed_dates.csv", csv_text(mixed))
    # ISO dates plus one 03/04/2024: 3 April or 4 March?
    write("ambiguous_dates.csv", csv_text(rows[1:] + [("C001", "03/04/2024", 5.0)]))
    # day-first, but the last three rows month-first (each fits only its own format)
    dm = [(c, dt.date.fromisoformat(d).strftime("%d/%m/%Y"), a) for c, d, a in rows[:-3]]
    md = [(c, d, a) for c, d, a in [("C012", "01/25/2024", 9.0), ("C012", "02/14/2024", 8.0), ("C011", "03/30/2024", 7.0)]]
    write("day_month_mixed.csv", csv_text(dm + md))
    write("dmy_dates.csv", csv_text([(c, dt.date.fromisoformat(d).strftime("%d/%m/%Y"), a) for c, d, a in rows]))
    write("unparsable_dates.csv", csv_text([(c, "soon" if k in (3, 8) else d, a) for k, (c, d, a) in enumerate(rows)]))
    write("no_dates.csv", csv_text([(c, "unknown", a) for c, d, a in rows]))
    fut = rows + [("C001", "2031-05-01", 20.0), ("C002", "2030-01-01", 30.0)]
    write("future_dates.csv", csv_text(fut))

    # --- values ------------------------------------------------------------------------------
    neg = [(c, d, -a if k in (4, 9, 14) else a, 1) for k, (c, d, a) in enumerate(rows)]
    neg[20] = (neg[20][0], neg[20][1], 0, 1)
    write("negative_amounts.csv", csv_text(neg, header="customer_id,date,amount,quantity"))
    write("duplicate_rows.csv", csv_text(rows + [rows[0], rows[7], rows[7]]))
    miss = [("" if k in (1, 30) else c, d, a) for k, (c, d, a) in enumerate(rows)]
    miss[40] = (miss[40][0], miss[40][1], "")
    write("missing_ids.csv", csv_text(miss))
    write("all_ids_missing.csv", csv_text([("", d, a) for _, d, a in rows]))
    write("one_customer.csv", csv_text([("C001", d, a) for _, d, a in rows]))
    write("few_customers.csv", csv_text(base_rows(n_customers=5)))
    many = base_rows(n_customers=30)  # 150 purchases
    many.append(("C007", "2024-03-03", 1e9))
    write("huge_values.csv", csv_text(many))

    # --- returns (UCI Online Retail style) ---------------------------------------------------
    retail = [
        ("536365", "C001", "2024-01-05 08:26", "85123A", 6, 15.30),
        ("536366", "C001", "2024-01-06 08:28", "22633", 6, 11.10),
        ("C536379", "C001", "2024-01-07 09:41", "85123A", -2, -5.10),  # netted against 536365
        ("536370", "C002", "2024-01-05 10:00", "22728", 24, 90.00),
        ("C536383", "C002", "2024-01-09 10:00", "22728", -24, -90.00),  # cancels 536370 completely
        ("536371", "C003", "2024-02-01 10:00", "21730", 2, 9.00),
        ("C536391", "C003", "2024-01-01 10:00", "21730", -1, -4.50),  # before any purchase: unmatched
        ("536380", "C004", "2024-03-01 12:00", "22086", 3, 8.25),
        ("536381", "C004", "2024-03-01 12:00", "22086", -1, -2.75),  # negative quantity, no C: a return
        ("536390", "C005", "2024-05-01 12:00", "22086", 1, 0.0),  # free item: not a sale
        ("536392", "C005", "2024-07-15 12:00", "22086", 4, 11.0),
        ("C536393", "C005", "2024-07-20 12:00", "22086", -1, -2.75),  # outcome period: netted there
    ] + [(f"5364{k:02d}", f"C{k:03d}", f"2024-0{1 + k % 8}-1{k % 9} 10:00", "22086", 1, 3.0 + k)
         for k in range(6, 14)]
    write("cancellations.csv", csv_text(retail, header="InvoiceNo,CustomerID,InvoiceDate,StockCode,Quantity,Value"))

    # --- tables that do not fit together -----------------------------------------------------
    write("customers_constant.csv", csv_text([(c, "East", 30 + k) for k, c in enumerate(ids)],
                                             header="customer_id,region,age"))
    write("customers_dup_ids.csv", csv_text([(c, "East" if k % 2 else "West", 30) for k, c in enumerate(ids)]
                                            + [("C003", "North", 44), ("C003", "East", 30)],
                                            header="customer_id,region,age"))
    write("customers_subset.csv", csv_text([(c, "East" if k % 2 else "West", 30 + k) for k, c in enumerate(ids[:10])],
                                           header="customer_id,region,age"))
    write("customers_zero_padded.csv", csv_text([(f"00{k + 1}", "East", 30) for k in range(12)],
                                                header="customer_id,region,age"))
    write("transactions_numeric_ids.csv", csv_text([(int(c[1:]), d, a) for c, d, a in rows]))
    # half the ids keep their zero padding, half lost it
    write("transactions_half_padded.csv", csv_text([(f"00{int(c[1:])}" if int(c[1:]) <= 6 else int(c[1:]), d, a)
                                                    for c, d, a in rows]))
    write("survey_orphans.csv", csv_text([(c, 3, "是" if k % 2 else "否") for k, c in enumerate(ids + ["X1", "X2"])],
                                         header="customer_id,satisfaction,喜欢新品"))
    write("survey_bad_satisfaction.csv", csv_text([(c, 99 if k in (2, 5) else 1 + k % 5, k % 2)
                                                   for k, c in enumerate(ids)], header="customer_id,satisfaction,q1"))

    # --- Excel -------------------------------------------------------------------------------
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    with pd.ExcelWriter(BAD / "several_sheets.xlsx", engine="openpyxl") as xw:
        pd.DataFrame({"note": ["exported 2024-10-01"]}).to_excel(xw, sheet_name="README", index=False)
        frame.to_excel(xw, sheet_name="orders", index=False)
        frame.head(5).to_excel(xw, sheet_name="old orders", index=False)


if __name__ == "__main__":
    main()

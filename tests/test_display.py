import pandas as pd

from segkit.display import fmt, table_html


def test_data_text_is_escaped():
    df = pd.DataFrame({"<b>col</b>": ["<script>alert(1)</script>", "a & b"], "n": [1, 2]})
    html = table_html(df, caption="<i>cap</i>")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;col&lt;/b&gt;" in html and "a &amp; b" in html and "&lt;i&gt;cap&lt;/i&gt;" in html


def test_number_formats():
    assert fmt(0.2534, "pct") == "25.3%"
    assert fmt(0.0002, "pct") == "< 0.1%" and fmt(0.0, "pct") == "0.0%"
    assert fmt(0.0004, "p") == "< 0.001"
    assert fmt(1234567.8) == "1,234,568"
    assert fmt(12.345) == "12.3"
    assert fmt(float("nan")) == "–"
    assert fmt(True) == "yes"


def test_long_tables_are_cut_with_a_note():
    html = table_html(pd.DataFrame({"a": range(100)}), max_rows=10)
    assert html.count("<tr>") == 11 and "90 more rows not shown" in html

"""Safe, consistent HTML for the reports.

Everything that comes from the data (column names, category values, segment
labels, file names) is escaped here before it reaches a report, so a value
such as ``<script>`` shows as text and is never interpreted as HTML.
Notebooks call these helpers instead of ``display(df)`` or ``Markdown(f"...")``.

They also apply the client's words (:mod:`segkit.i18n`): fixed text (sentence templates, table
headings, captions) in the study's language, each variable's label instead of its column name,
and the currency with every money figure.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segkit.i18n import current, money_label, relabel, translate, translate_markdown

__all__ = ["MONEY_COLUMNS", "callout", "escape", "fmt", "label", "money", "say", "show_table", "table_html"]

#: Columns of report tables whose values are money (besides those a table formats as ``money`` or ``cents``):
#: their heading carries the study's currency. The features among them are those with unit "currency" in
#: :data:`segkit.features.FEATURE_DEFINITIONS` (a test checks).
MONEY_COLUMNS = frozenset({
    "amount", "money", "revenue", "revenue_after", "monetary_total", "monetary_avg", "margin_total", "profit",
    "profit_per_customer", "value_per_customer", "clv", "clv_per_customer", "value_sum", "revenue_per_customer",
})

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def escape(value: Any) -> str:
    """Return ``value`` as HTML-escaped text."""
    return html.escape(str(value), quote=True)


def fmt(value: Any, kind: str | None = None) -> str:
    """Format a number for a report: thousands separators, sensible decimals.

    Parameters
    ----------
    value : Any
        The value.
    kind : {"pct", "int", "money", "cents", "p", None}
        ``pct`` shows a share (0.253 -> "25.3%"), ``p`` a p-value
        ("< 0.001" below one in a thousand), ``money`` an amount with the study's
        currency (:func:`money`), ``cents`` the same to the cent.
    """
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return translate("yes" if value else "no")
    if kind == "pct":
        v = float(value)
        # a few rows in a large table must not read as none
        return "< 0.1%" if 0 < v < 0.0005 else f"{100 * v:.1f}%"
    if kind == "p":
        v = float(value)
        return "< 0.001" if v < 0.001 else f"{v:.3f}"
    if kind == "int":
        return f"{int(round(float(value))):,}"
    if kind in ("money", "cents"):
        return money(value, cents=kind == "cents")
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if v == 0:
            return "0"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:,.1f}"
        return f"{v:.3g}" if abs(v) < 0.01 else f"{v:.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def money(value: Any, *, cents: bool = False, currency: str | None = None) -> str:
    """An amount of money as every report shows it: the study's currency, thousands separators.

    A symbol goes before the number, a code (letters) before it with a space. ``currency``
    defaults to the study's (:func:`segkit.i18n.current`); without one the number stands alone.

    Examples
    --------
    >>> money(1234.6, currency="¥"), money(-1234.5, cents=True, currency="CNY"), money(99.6)
    ('¥1,235', '-CNY 1,234.50', '100')
    """
    cur = currency if currency is not None else current().currency
    v = float(value)
    text = f"{abs(v):,.2f}" if cents else f"{abs(v):,.0f}"
    sign = "-" if v < 0 and text.strip("0.,") else ""
    if not cur:
        return f"{sign}{text}"
    return f"{sign}{cur} {text}" if cur.isalpha() else f"{sign}{cur}{text}"


def label(name: Any) -> str:
    """The study's label of a variable (``labels`` in the study file), else the name itself.

    Examples
    --------
    >>> from segkit.i18n import Words, words_of
    >>> with words_of(Words(labels={"recency_days": "days since last purchase"})):
    ...     label("recency_days"), label("frequency")
    ('days since last purchase', 'frequency')
    """
    return current().labels.get(str(name), str(name))


def _heading(col: Any, kind: str | None) -> str:
    """A table column's heading: the variable's label or the translated fixed name, with the currency for money."""
    name = str(col)
    text = label(name) if name in current().labels else translate(name)
    return money_label(text) if kind in ("money", "cents") or name in MONEY_COLUMNS else text


def _cell(value: Any, kind: str | None) -> str:
    # the heading carries the currency of a money column, so its cells show the number alone
    if kind in ("money", "cents") and not (value is None or value is pd.NA or pd.isna(value)):
        return money(value, cents=kind == "cents", currency="")
    if isinstance(value, str):
        return relabel(value)
    return fmt(value, kind)


def table_html(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    formats: Mapping[str, str] | None = None,
    index: bool = False,
    max_rows: int = 60,
    links: Mapping[str, str] | None = None,
) -> str:
    """Render ``df`` as an escaped HTML table.

    Parameters
    ----------
    df : DataFrame
        The table.
    caption : str, optional
        Shown above the table (escaped).
    formats : mapping of column -> kind, optional
        Per-column kinds for :func:`fmt` (``pct``, ``int``, ``money``, ``p``).
    index : bool
        Whether to show the index as the first column.
    max_rows : int
        Longer tables are cut, with a note of how many rows were left out.
    links : mapping of column -> column, optional
        Show a column's text as a link to the address in another column (which is not shown);
        both are escaped.

    Examples
    --------
    >>> df = pd.DataFrame({"evidence": ["step 7"], "href": ["07_validation.html#Verdict"]})
    >>> table_html(df, links={"evidence": "href"}).count('<a href="07_validation.html#Verdict">step 7</a>')
    1
    """
    formats = dict(formats or {})
    links = dict(links or {})
    data = df.reset_index() if index else df
    shown = data.head(max_rows)
    hrefs = {col: shown[target].tolist() for col, target in links.items()}
    shown = shown.drop(columns=[t for t in links.values() if t in shown.columns])
    head = "".join(f"<th>{escape(_heading(c, formats.get(c)))}</th>" for c in shown.columns)
    rows = []
    for i, rec in enumerate(shown.itertuples(index=False, name=None)):
        cells = []
        for col, val in zip(shown.columns, rec):
            numeric = isinstance(val, (int, float, np.integer, np.floating)) and not isinstance(val, bool)
            cls = ' class="num"' if numeric else ""
            text = escape(_cell(val, formats.get(col)))
            href = hrefs[col][i] if col in hrefs else None
            if isinstance(href, str) and href:
                text = f'<a href="{escape(href)}">{text}</a>'
            cells.append(f"<td{cls}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(translate(caption))}</caption>" if caption else ""
    more = ""
    if len(data) > max_rows:
        more = f'<p class="sk-more">{len(data) - max_rows:,} more rows not shown.</p>'
    return f'<table class="sk-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>{more}'


def show_table(df: pd.DataFrame, **kwargs: Any) -> None:
    """Display :func:`table_html` of ``df`` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(table_html(df, **kwargs)))


def _words(value: Any) -> Any:
    # a sentence the data made names variables by their columns; the client reads their labels
    return relabel(value) if isinstance(value, str) else value


def _md_escape(value: Any) -> str:
    # Escape HTML first (so tags become text), then Markdown's specials (so *a* stays literal).
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))


def say(template: str, /, **values: Any) -> None:
    """Display Markdown text with data-derived ``values`` escaped.

    The template is trusted (written by us) and shown in the study's language when the catalog
    of :mod:`segkit.i18n` has it; the values are not trusted.

    Examples
    --------
    >>> say("The largest segment is **{name}** with {n} customers.", name="<b>A</b>", n="1,204")  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    display(Markdown(translate_markdown(template).format(**{k: _md_escape(_words(v)) for k, v in values.items()})))


def callout(text: str, *, kind: str = "info", **values: Any) -> None:
    """Display a highlighted box (``info``, ``good``, ``warn`` or ``bad``).

    ``text`` is a trusted template (it may hold ``<b>``); ``values`` fill its
    ``{placeholders}`` and are escaped.
    """
    from IPython.display import HTML, display

    # The template is trusted and may hold simple HTML such as <b>; the values are escaped.
    body = translate(text).format(**{k: escape(_words(v)) for k, v in values.items()})
    cls = {"info": "", "good": " sk-good", "warn": " sk-warn", "bad": " sk-bad"}[kind]
    display(HTML(f'<div class="sk-callout{cls}">{body}</div>'))

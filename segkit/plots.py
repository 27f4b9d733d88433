"""The look of segkit's figures.

Nothing here runs at import time; notebooks call :func:`set_theme` once.
"""

from __future__ import annotations

import re
from typing import Any

import matplotlib as mpl
import seaborn as sns

from segkit.i18n import Words, current, money_label, relabel, translate

#: Family names tried, in order, for Chinese text in figures.
_CJK_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei",
                 "Microsoft YaHei", "PingFang SC"]


def set_theme(*, dpi: int = 110) -> str | None:
    """Apply the report style (seaborn whitegrid, readable sizes) and a CJK font if one is installed.

    Returns
    -------
    str or None
        The CJK font family used, or None when none is installed (Chinese
        text in figures would then show as boxes).
    """
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.0)
    mpl.rcParams.update({
        "figure.dpi": dpi,
        "savefig.dpi": dpi,
        "figure.autolayout": False,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.labelsize": 11,
        "legend.frameon": False,
        "svg.hashsalt": "segkit",
    })
    return use_cjk_font()


def use_cjk_font() -> str | None:
    """Register an installed CJK font with matplotlib, after :func:`seaborn.set_theme`.

    seaborn's theme resets ``font.sans-serif``, so this must run after it.
    """
    from matplotlib import font_manager as fm

    for path in fm.findSystemFonts():
        low = path.lower()
        if any(tag in low for tag in ("cjk", "sourcehan", "wqy", "notosanssc")):
            try:
                fm.fontManager.addfont(path)
            except (OSError, RuntimeError):  # a broken font file must not stop a report
                continue
    names = {f.name for f in fm.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in names:
            mpl.rcParams["font.family"] = "sans-serif"
            mpl.rcParams["font.sans-serif"] = [family, *mpl.rcParams["font.sans-serif"]]
            return family
    return None


def apply_words(fig: Any, words: Words | None = None) -> Any:
    """Put the study's words into a figure: labels for variable names, the currency on money axes, the language.

    Every text of the figure (titles, axis labels, tick labels, legends, annotations) has each whole
    variable name the study labels replaced by its label; an axis whose label names a money column
    (:data:`segkit.display.MONEY_COLUMNS`) gets the currency, and a text the catalog of
    :mod:`segkit.i18n` holds is put in the study's language. Figures are drawn with the column
    names; this runs just before a figure is shown (:func:`show_with_words`), so no plotting code
    needs to know the study's words. Returns ``fig``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.bar(["recency_days", "frequency"], [1, 2]); _ = ax.set_ylabel("profit")
    >>> _ = apply_words(fig, Words(currency="¥", labels={"recency_days": "days since last order"}))
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
    (['days since last order', 'frequency'], 'profit (¥)')
    >>> _ = ax.set_title("Share of customers"); _ = apply_words(fig, Words(language="zh"))
    >>> ax.get_title()
    '客户占比'
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    words = words or current()
    names = dict(words.labels)
    if not names and not words.currency and words.language == "en":
        return fig
    fig.canvas.draw()  # tick labels exist only once drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_ticklabels()
            new = [relabel(t.get_text(), names) for t in ticks]
            if new != [t.get_text() for t in ticks]:
                # fixed labels: the formatter would otherwise write the names back at the next draw
                axis.set_ticks(axis.get_ticklocs(), new)
            text = axis.label.get_text()
            new_text = relabel(text, names)
            if words.currency and _names_money(text) and words.currency not in text:
                new_text = money_label(new_text, words.currency)
            axis.label.set_text(translate(new_text, words.language))
    for t in fig.findobj(Text):
        if t.get_text() and t not in (a.xaxis.label for a in fig.axes) and t not in (a.yaxis.label for a in fig.axes):
            t.set_text(translate(relabel(t.get_text(), names), words.language))
    return fig


def _names_money(axis_label: str) -> bool:
    """Whether an axis label measures money: it names a money column (as such or as figures print it), not a share.

    Examples
    --------
    >>> _names_money("mean revenue after per customer"), _names_money("profit"), _names_money("cumulative profit (%)")
    (True, True, False)
    """
    from segkit.display import MONEY_COLUMNS

    if "%" in axis_label:
        return False
    spaced = " " + re.sub(r"[\W_]+", " ", axis_label) + " "
    return any(f" {c.replace('_', ' ')} " in spaced for c in MONEY_COLUMNS)


def show_with_words() -> None:
    """In a notebook, put the study's words (:func:`apply_words`) into every figure as it is displayed."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return
    ip = get_ipython()
    if ip is None:
        return
    import matplotlib.pyplot as plt

    # matplotlib loads its backend at the first figure; the inline backend registers its display
    # printers then, so load it now to have printers to wrap
    plt.switch_backend(mpl.rcParams["backend"])
    for mime in ("image/png", "image/svg+xml", "image/jpeg", "application/pdf"):
        formatter = ip.display_formatter.formatters.get(mime)
        original = formatter.lookup_by_type(Figure) if formatter is not None and Figure in formatter else None
        if original is None or getattr(original, "_segkit_words", False):
            continue

        def wrapped(fig: Any, _original: Any = original) -> Any:
            return _original(apply_words(fig))

        wrapped._segkit_words = True  # type: ignore[attr-defined]
        formatter.for_type(Figure, wrapped)

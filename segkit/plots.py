"""The look of segkit's figures.

Nothing here runs at import time; notebooks call :func:`set_theme` once.
"""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

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

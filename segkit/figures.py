"""Small helpers shared by the steps' figures and the words printed with them.

Profiling, validation and iteration draw their figures and write their
sentences the same way: a fresh Axes when none is given, column names as a
reader sees them and numbers as a report shows them. The look itself (theme,
fonts, colours) lives in :mod:`segkit.plots` and :mod:`segkit.palette`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["fmt_num", "fmt_share", "new_axes", "pretty"]


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the Axes of a new figure of ``figsize`` inches when ``ax`` is None.

    Parameters
    ----------
    ax : Axes or None
        Where the caller was asked to draw.
    figsize : tuple of float
        Width and height of the new figure, in inches (constrained layout).

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def pretty(name: str) -> str:
    """Column names as a reader sees them: ``monetary_total`` -> ``monetary total``.

    Parameters
    ----------
    name : str
        A column or variable name.

    Returns
    -------
    str

    Examples
    --------
    >>> pretty("monetary_total")
    'monetary total'
    """
    return str(name).replace("_", " ")


def fmt_num(x: float | None, *, digits: int = 3) -> str:
    """A number the way a report shows it: 12,345 / 123 / 12.3 / 0.123.

    Parameters
    ----------
    x : float or None
        The number; None, NaN and infinities show as ``"n/a"``.
    digits : int
        Significant digits below 100.

    Returns
    -------
    str

    Examples
    --------
    >>> [fmt_num(v) for v in (12345.6, 123.4, 12.34, 0.12345, 3.0, float("nan"))]
    ['12,346', '123', '12.3', '0.123', '3', 'n/a']
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100 or float(x).is_integer():
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def fmt_share(x: float, *, digits: int = 1) -> str:
    """A share as a percentage that never shows 0 for something that is there.

    Examples
    --------
    >>> fmt_share(0.1234), fmt_share(0.00004), fmt_share(0.0)
    ('12.3%', 'under 0.1%', '0.0%')
    """
    floor = 10.0 ** -(digits + 2)
    if 0 < abs(x) < floor:
        return f"under {100 * floor:.{digits}f}%"
    return f"{x:.{digits}%}"

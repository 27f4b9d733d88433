"""Multiple-testing correction shared by the steps that test many segments or descriptors at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["holm"]


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values via statsmodels, leaving NaN entries as NaN.

    Parameters
    ----------
    p_values : sequence of float or ndarray
        Raw p-values; NaN (a test not run) is left out of the correction.

    Returns
    -------
    ndarray
        Adjusted p-values, same length and order as ``p_values``.

    Examples
    --------
    >>> holm([0.01, float("nan"), 0.04]).round(3).tolist()
    [0.02, nan, 0.04]
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out

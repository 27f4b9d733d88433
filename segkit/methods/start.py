"""Starting centres for k-means and latent class: a client's existing segments, or a previous run's.

A study's ``start`` section (:class:`segkit.config.StartSpec`) names either a CSV of centres in the
basis's own units (one row per segment, one column per basis variable: the share answering yes for a
survey item, the raw value for a behavioural feature) or a finished run folder, whose centres are
in *its* prepared space and are first mapped back through *its* basis preparation. Either way the
centres are then prepared exactly as this study prepares its basis (``log1p`` where it logs, z-score
with its centre and scale), so they sit where the segments sit in this study's space.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import DataError

__all__ = ["StartCenters", "check_start_source", "from_prepared", "load_start", "to_prepared"]


@dataclass(frozen=True)
class StartCenters:
    """Given centres, ready for ``init=``.

    Attributes
    ----------
    centers : DataFrame
        One row per segment (index ``segment``, 1..k), one column per basis variable, in this
        study's prepared space.
    source : str
        Where they came from, in words ("the CSV centres.csv", "run demo-120000").
    path : Path
        The file or run folder.
    """

    centers: pd.DataFrame
    source: str
    path: Path

    @property
    def k(self) -> int:
        """Number of segments: the number of centres."""
        return len(self.centers)


def to_prepared(raw: pd.DataFrame, transforms: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Centres in the basis's own units -> the prepared space recorded in ``transforms``.

    Examples
    --------
    >>> tf = pd.DataFrame({"column": ["spend"], "kind": ["numeric"], "transform": ["zscore"],
    ...                    "center": [10.0], "scale": [2.0]})
    >>> to_prepared(pd.DataFrame({"spend": [12.0, 8.0]}), tf)["spend"].tolist()
    [1.0, -1.0]
    """
    out = {}
    for row in transforms.itertuples(index=False):
        if row.column not in raw.columns:
            raise DataError(f"the centres have no column for basis variable {row.column!r}; they have "
                            f"{', '.join(map(str, raw.columns))}", file=file, column=str(row.column))
        v = pd.to_numeric(raw[row.column], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(v).all():
            raise DataError("centres must be numbers", file=file, column=str(row.column))
        if row.kind == "categorical":
            raise DataError("a categorical basis variable has no centre to start from (k-prototypes cannot "
                            "start from given centres)", file=file, column=str(row.column))
        if row.kind == "binary":
            if ((v < 0) | (v > 1)).any():
                raise DataError("a yes/no item's centre is the share answering yes, between 0 and 1; got "
                                f"{v.round(3).tolist()}", file=file, column=str(row.column))
            out[row.column] = v
            continue
        if str(row.transform).startswith("log1p"):
            if (v < 0).any():
                raise DataError("the basis logs this variable (log1p), so its centres must be >= 0",
                                file=file, column=str(row.column))
            v = np.log1p(v)
        out[row.column] = (v - row.center) / row.scale
    return pd.DataFrame(out, index=raw.index)


def from_prepared(prepared: pd.DataFrame, transforms: pd.DataFrame) -> pd.DataFrame:
    """Centres in a prepared space -> the basis's own units (the inverse of :func:`to_prepared`).

    Examples
    --------
    >>> tf = pd.DataFrame({"column": ["spend"], "kind": ["numeric"], "transform": ["log1p+zscore"],
    ...                    "center": [1.0], "scale": [0.5]})
    >>> round(float(from_prepared(pd.DataFrame({"spend": [0.0]}), tf)["spend"].iloc[0]), 4)
    1.7183
    """
    out = {}
    for row in transforms.itertuples(index=False):
        v = prepared[row.column].to_numpy(dtype=float)
        if row.kind == "numeric":
            v = v * row.scale + row.center
            if str(row.transform).startswith("log1p"):
                v = np.expm1(v)
        out[row.column] = v
    return pd.DataFrame(out, index=prepared.index)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise DataError(f"cannot be read as a CSV of centres ({err})", file=str(path)) from None
    if "segment" in raw.columns:
        seg = pd.to_numeric(raw["segment"], errors="coerce")
        if seg.isna().any() or seg.duplicated().any():
            raise DataError("the segment column must number every row once", file=str(path), column="segment")
        raw = raw.assign(segment=seg.astype(int)).sort_values("segment").set_index("segment")
    else:
        raw.index = pd.RangeIndex(1, len(raw) + 1, name="segment")
    return raw


def check_start_source(cfg: Any) -> Path:
    """The ``start`` section's file or run folder must exist (checked before a run folder is made)."""
    from segkit.study import artifacts
    from segkit.study.folder import RunFolder

    path = cfg.start_source()
    if path is None:
        raise DataError("the study has no start section")
    if cfg.start.from_run is not None:
        run = RunFolder(path)
        missing = [a.name for a in (artifacts.CENTERS, artifacts.BASIS_TRANSFORMS) if not run.has(a)]
        if missing:
            absent = " and no ".join("artifacts/" + m for m in missing)
            raise DataError(f"start.from_run must be a segkit run folder whose steps 4 and 5 wrote segment centres "
                            f"(k-means or latent class); it has no {absent}", file=str(path))
    elif not path.is_file():
        raise DataError("start.centers: the CSV of centres does not exist", file=str(path))
    return path


def load_start(cfg: Any, transforms: pd.DataFrame, basis: list[str]) -> StartCenters:
    """The study's ``start`` centres in its prepared space.

    Parameters
    ----------
    cfg : StudyConfig
        With a ``start`` section.
    transforms : DataFrame
        This study's basis preparation (step 4's ``basis_transforms``).
    basis : list of str
        The basis columns, in order.

    Raises
    ------
    DataError
        Naming the file (and column) when the centres do not fit the basis.
    """
    from segkit.study import artifacts
    from segkit.study.folder import RunFolder

    path = check_start_source(cfg)
    if cfg.start.from_run is not None:
        run = RunFolder(path)
        prev = run.read(artifacts.CENTERS).set_index("segment")
        missing = [c for c in basis if c not in prev.columns]
        if missing:
            raise DataError(f"start.from_run's segments were formed on another basis: its centres lack {missing}",
                            file=str(path))
        raw = from_prepared(prev[basis], run.read(artifacts.BASIS_TRANSFORMS).set_index("column")
                            .loc[basis].reset_index())
        source = f"run {path.name}"
    else:
        raw = _read_csv(path)
        extra = [str(c) for c in raw.columns if c not in basis]
        if extra:
            raise DataError(f"the centres' columns must be the basis variables ({', '.join(basis)}); "
                            f"not in the basis: {extra}", file=str(path))
        source = f"the CSV {path.name}"
    if len(raw) < 2:
        raise DataError(f"give at least 2 centres (one row per segment); found {len(raw)}", file=str(path))
    centers = to_prepared(raw, transforms.set_index("column").loc[basis].reset_index(), file=str(path))[basis]
    centers.index = pd.RangeIndex(1, len(centers) + 1, name="segment")
    return StartCenters(centers, source, path)

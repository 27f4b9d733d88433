"""Prepare a segmentation basis: one transform rule, recorded so new customers get the same one.

The rule is the one most segmentation analysts apply to behavioural features
before distance-based clustering:

* numeric columns that are non-negative and right-skewed (skewness > 1, as
  spend and frequency almost always are) get ``log1p`` so that a few very large
  customers do not become segments of their own, then every numeric column is
  z-scored so that no variable dominates the distance by its unit;
* if *every* basis column is a 0/1 item (survey yes/no answers) the data stay
  0/1 (kind ``"binary"``), because latent class analysis models them as such;
* object, string and category columns pass through unchanged (kind
  ``"mixed"``), for k-prototypes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.errors import DataError

__all__ = ["PreparedBasis", "prepare_basis"]

#: Skewness above which a non-negative column is log-transformed.
SKEW_THRESHOLD = 1.0
#: Share of values that must parse as numbers for a text column to count as a numeric column
#: with a few bad entries (rather than a categorical column).
_NUMERIC_TEXT_SHARE = 0.9


@dataclass(frozen=True)
class PreparedBasis:
    """A basis ready for clustering, and the recipe that produced it.

    Attributes
    ----------
    X : DataFrame
        Prepared basis, indexed by ``customer_id`` (str), one column per basis column.
    transforms : DataFrame
        One row per column: ``column``, ``kind`` (``numeric``, ``binary`` or
        ``categorical``), ``transform`` (``log1p+zscore``, ``zscore``, ``none``),
        ``center``, ``scale`` (the mean and standard deviation used for the
        z-score, after ``log1p`` where applied) and ``skewness`` (of the raw column).
    kind : {"numeric", "binary", "mixed"}
        ``binary`` when every column is 0/1, ``mixed`` when any column is
        categorical, ``numeric`` otherwise.
    id_col : str
        Name of the customer id column in the input tables.
    """

    X: pd.DataFrame
    transforms: pd.DataFrame
    kind: str
    id_col: str = "customer_id"

    @property
    def columns(self) -> list[str]:
        """The basis columns, in order."""
        return self.transforms["column"].tolist()

    def transform(self, new_df: pd.DataFrame) -> pd.DataFrame:
        """Apply the recorded transform to other customers (e.g. new ones, to assign them).

        Parameters
        ----------
        new_df : DataFrame
            Table with ``id_col`` (as a column or as the index name) and every basis column.

        Returns
        -------
        DataFrame
            Indexed by ``customer_id``, columns as in :attr:`X`.

        Raises
        ------
        DataError
            If a column is missing, has missing or non-numeric values, or holds
            values below 0 where ``log1p`` was fitted on non-negative data.

        Examples
        --------
        >>> df = pd.DataFrame({"customer_id": ["a", "b", "c"], "frequency": [1.0, 3.0, 5.0]})
        >>> basis = prepare_basis(df, ["frequency"])
        >>> new = pd.DataFrame({"customer_id": ["d"], "frequency": [3.0]})
        >>> basis.transform(new).round(2)["frequency"].tolist()
        [0.0]
        """
        ids, data = _split_ids(new_df, self.columns, self.id_col)
        out = {}
        for row in self.transforms.itertuples(index=False):
            col = data[row.column]
            _check_missing(col, row.column)
            if row.kind == "categorical":
                out[row.column] = col.to_numpy()
                continue
            values = _to_numeric(col, row.column)
            if row.transform == "log1p+zscore":
                if (values < 0).any():
                    n_bad = int((values < 0).sum())
                    raise DataError(
                        f"{n_bad} values below 0, but the basis was prepared with log1p on "
                        "non-negative values; fix the values or prepare the basis again",
                        column=row.column,
                    )
                values = np.log1p(values)
            if row.kind == "binary":
                if not np.isin(values, (0.0, 1.0)).all():
                    bad = np.unique(values[~np.isin(values, (0.0, 1.0))])[:3].tolist()
                    raise DataError(f"expected 0/1 answers as in the basis, got values such as {bad}",
                                    column=row.column)
                values = values.astype(np.int64)
            else:
                values = (values - row.center) / row.scale
            out[row.column] = values
        return pd.DataFrame(out, index=pd.Index(ids, name="customer_id"))


def prepare_basis(df: pd.DataFrame, columns: Sequence[str], *, id_col: str = "customer_id") -> PreparedBasis:
    """Prepare the basis columns of a customer table for clustering.

    Parameters
    ----------
    df : DataFrame
        One row per customer, with ``id_col`` as a column or as the index name.
    columns : list of str
        The basis columns.
    id_col : str, default "customer_id"
        Customer id column; ids must be unique.

    Returns
    -------
    PreparedBasis
        ``.X`` indexed by customer id, ``.transforms`` recording each column's
        transform, ``.kind``.

    Raises
    ------
    DataError
        If a column is missing (the available ones are listed), holds
        non-numeric text in an otherwise numeric column, is entirely missing,
        is constant, or has missing values (the count is given); or if customer
        ids repeat.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c", "d", "e"],
    ...     "frequency": [1, 1, 2, 3, 40],
    ...     "promo_share": [0.1, 0.5, 0.2, 0.4, 0.3],
    ... })
    >>> basis = prepare_basis(df, ["frequency", "promo_share"])
    >>> basis.kind
    'numeric'
    >>> basis.transforms[["column", "transform"]].values.tolist()
    [['frequency', 'log1p+zscore'], ['promo_share', 'zscore']]
    """
    columns = list(columns)
    if not columns:
        raise DataError("the basis needs at least one column, got an empty list")
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise DataError(f"basis columns must be distinct; repeated: {dup}")
    ids, data = _split_ids(df, columns, id_col)

    kinds: dict[str, str] = {}
    numeric: dict[str, np.ndarray] = {}
    for c in columns:
        col = data[c]
        if col.isna().all():
            raise DataError(f"is entirely missing ({len(col)} customers); drop it from the basis", column=c)
        _check_missing(col, c)
        if _is_categorical(col):
            kinds[c] = "categorical"
        else:
            numeric[c] = _to_numeric(col, c)
            kinds[c] = "numeric"
        if col.nunique() < 2:
            raise DataError(
                f"has the same value ({_scalar(col.iloc[0])!r}) for every customer, so it cannot separate "
                "segments; drop it from the basis",
                column=c,
            )

    has_cat = "categorical" in kinds.values()
    all_binary = not has_cat and all(np.isin(v, (0.0, 1.0)).all() for v in numeric.values())
    kind = "mixed" if has_cat else ("binary" if all_binary else "numeric")

    rows, out = [], {}
    for c in columns:
        if kinds[c] == "categorical":
            out[c] = data[c].to_numpy()
            rows.append((c, "categorical", "none", np.nan, np.nan, np.nan))
            continue
        v = numeric[c]
        skew = float(pd.Series(v).skew())
        if all_binary:
            out[c] = v.astype(np.int64)
            rows.append((c, "binary", "none", 0.0, 1.0, skew))
            continue
        logged = v.min() >= 0 and skew > SKEW_THRESHOLD
        if logged:
            v = np.log1p(v)
        center, scale = float(v.mean()), float(v.std())
        if scale == 0:  # cannot happen after the constant check, but log1p can squeeze tiny ranges
            raise DataError("has no spread after transformation; drop it from the basis", column=c)
        out[c] = (v - center) / scale
        rows.append((c, "numeric", "log1p+zscore" if logged else "zscore", center, scale, skew))

    X = pd.DataFrame(out, index=pd.Index(ids, name="customer_id"))
    transforms = pd.DataFrame(rows, columns=["column", "kind", "transform", "center", "scale", "skewness"])
    return PreparedBasis(X=X, transforms=transforms, kind=kind, id_col=id_col)


def _split_ids(df: pd.DataFrame, columns: list[str], id_col: str) -> tuple[np.ndarray, pd.DataFrame]:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame of customers, got {type(df).__name__}")
    if id_col in df.columns:
        ids = df[id_col]
    elif df.index.name == id_col:
        ids = df.index.to_series()
    else:
        raise DataError(
            f"customer id column {id_col!r} not found as a column or the index name; "
            f"available columns: {list(map(str, df.columns))}"
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"basis column(s) {missing} not found; available columns: {list(map(str, df.columns))}"
        )
    ids = ids.astype(str).to_numpy()
    dup = pd.Series(ids).duplicated()
    if dup.any():
        raise DataError(
            f"customer ids must be unique, {int(dup.sum())} repeat (e.g. {list(ids[dup.to_numpy()][:3])})",
            column=id_col,
        )
    return ids, df[columns].reset_index(drop=True)


def _scalar(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v


def _check_missing(col: pd.Series, name: str) -> None:
    na = col.isna().to_numpy()
    if na.any():
        rows = (np.flatnonzero(na) + 1).tolist()
        raise DataError(
            f"{int(na.sum())} of {len(col)} customers have a missing value; impute or drop them "
            "before segmenting",
            column=name,
            rows=rows[:5],
            n_rows=int(na.sum()),
        )


def _is_categorical(col: pd.Series) -> bool:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return False
    # Text that is mostly numbers is a numeric column with a few bad cells (a reader keeps such a
    # column as text), not a category. Text that is entirely numbers was typed as text on purpose
    # (tier or region codes), so it is a category.
    parsed = pd.to_numeric(col, errors="coerce")
    share = parsed.notna().mean()
    return share < _NUMERIC_TEXT_SHARE or share == 1.0


def _to_numeric(col: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col):
        return col.astype(np.float64).to_numpy()
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=np.float64)
    parsed = pd.to_numeric(col, errors="coerce")
    bad = parsed.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        examples = col[bad].astype(str).unique()[:3].tolist()
        raise DataError(
            f"expected numbers, got {int(bad.sum())} non-numeric values such as {examples}",
            column=name,
            rows=(np.flatnonzero(bad) + 1).tolist()[:5],
            n_rows=int(bad.sum()),
        )
    return parsed.to_numpy(dtype=np.float64)

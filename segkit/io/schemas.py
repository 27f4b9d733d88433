"""pandera schemas of the three tables and the translation of their failures.

Validation runs in two passes. The *structure* schema checks that required
columns exist and that values can be coerced to their types; any failure stops
the study with a :class:`~segkit.errors.DataError`. The *content* schema's named
checks find rows that a documented rule of :data:`segkit.io.quality.QUALITY_RULES`
fixes (dropping, keeping as missing, ...); each fix is counted in the report.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

import pandas as pd

with warnings.catch_warnings():
    # pandera probes optional backends (pyspark) on import; their warnings are not ours.
    warnings.simplefilter("ignore", FutureWarning)
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

from segkit.config import TABLE_COLUMNS
from segkit.errors import DataError
from segkit.io.quality import QualityReport
from segkit.io.readers import NUMERIC_COLUMNS, looks_like_decimal_comma, suggest, to_bool
from segkit.io.waterfall import Ledger

_TYPES = {"amount": float, "quantity": float, "unit_price": float, "margin": float, "satisfaction": float}


def _is_yes_no(s: pd.Series) -> pd.Series:
    return s.isna() | s.isin([True, False])


def structure_schema(table: str) -> pa.DataFrameSchema:
    """Required columns and coercible types of ``table`` (failures are fatal).

    Examples
    --------
    >>> [c for c, col in structure_schema("transactions").columns.items() if col.required]
    ['customer_id', 'date', 'amount']
    """
    spec = TABLE_COLUMNS[table]
    cols: dict[str, pa.Column] = {
        "customer_id": pa.Column(
            str, nullable=True,
            checks=pa.Check(lambda s: bool(s.notna().any()), element_wise=False, name="no_customer_ids"),
        )
    }
    for name in (*spec["required"], *spec["optional"]):
        if name == "customer_id":
            continue
        required = name in spec["required"]
        if name in _TYPES:
            cols[name] = pa.Column(_TYPES[name], coerce=True, nullable=True, required=required)
        elif name == "date":
            cols[name] = pa.Column("datetime64[ns]", nullable=True, required=required)
        elif name == "promotion":
            cols[name] = pa.Column(nullable=True, required=False,
                                   checks=pa.Check(_is_yes_no, name="yes_no"))
        else:
            cols[name] = pa.Column(nullable=True, required=required)
    return pa.DataFrameSchema(cols, strict=False, name=table)


def content_schema(table: str, columns: list[str], *, today: dt.date) -> pa.DataFrameSchema:
    """Named checks whose failures a quality rule fixes; the check name is the rule.

    Examples
    --------
    >>> s = content_schema("survey", ["customer_id", "satisfaction"], today=dt.date(2025, 1, 1))
    >>> s.columns["satisfaction"].checks[0].name
    'satisfaction_out_of_range'
    """
    required = TABLE_COLUMNS[table]["required"]
    end_of_today = pd.Timestamp(today) + pd.Timedelta(days=1)
    cols = {}
    for name in columns:
        checks = []
        if name == "date":
            checks.append(pa.Check(lambda s: s.isna() | (s < end_of_today), name="future_date"))
        if name == "satisfaction":
            checks.append(pa.Check(lambda s: s.isna() | s.between(1, 5), name="satisfaction_out_of_range"))
        unique = name == "customer_id" and table in ("customers", "survey")
        cols[name] = pa.Column(nullable=name not in required, checks=checks, unique=unique,
                               report_duplicates="exclude_first")
    # two respondents may answer identically: in a survey only a repeated id is a duplicate
    rows_unique = None if table == "survey" else list(columns)
    return pa.DataFrameSchema(cols, strict=False, unique=rows_unique, report_duplicates="exclude_first", name=table)


def _failures(schema: pa.DataFrameSchema, df: pd.DataFrame) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            # pandera's error path may import pyspark, which warns about pandas 3; not the user's concern.
            warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark.*")
            schema.validate(df, lazy=True)
    except SchemaErrors as err:
        return err.failure_cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "failure_case", "index"])


def _rows(fc: pd.DataFrame) -> list[int]:
    return sorted({int(i) for i in fc["index"].dropna()})


def check_structure(df: pd.DataFrame, table: str, *, decimal: str | None = None) -> pd.DataFrame:
    """Validate columns and types of ``table``; return the frame with coerced types.

    Raises
    ------
    DataError
        Missing required column (with the columns present and the closest name),
        no customer ids, text that is not a number or yes/no, decimal commas read
        with decimal ".". Messages name the file, column, count and example rows.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["a"], "amount": ["1.5"], "date": pd.to_datetime(["2024-01-01"])})
    >>> check_structure(df, "transactions")["amount"].dtype
    dtype('float64')
    """
    file = df.attrs.get("file", "")
    names = df.attrs.get("source_names", {})
    label = lambda c: names.get(c, c)  # noqa: E731 - the name the user sees in the file
    df = df.copy()
    derive = table == "transactions" and "amount" not in df.columns and {"quantity", "unit_price"} <= set(df.columns)
    if derive:
        df["amount"] = 0.0  # a placeholder while quantity and unit_price are checked
    if "promotion" in df.columns:
        df["promotion"] = to_bool(df["promotion"])
    if decimal != ",":
        for col in NUMERIC_COLUMNS:
            if col in df.columns and looks_like_decimal_comma(df[col]):
                bad = df[col].astype("string").str.fullmatch(r"[-+]?\d+,\d{1,2}", na=False)
                raise DataError(
                    f"{int(bad.sum())} values look like numbers with a decimal comma (e.g. "
                    f"{df.loc[bad, col].iloc[0]!r}); set decimal: ',' for this table in the study",
                    file=file, column=label(col), rows=list(df.index[bad]), n_rows=int(bad.sum()),
                )
    fc = _failures(structure_schema(table), df)
    if fc.empty:
        out = structure_schema(table).validate(df)
        if derive:
            # a line's value is quantity x unit price (Online Retail and most invoice-line exports)
            out["amount"] = out["quantity"] * out["unit_price"]
        return out
    missing = fc.loc[fc["check"].eq("column_in_dataframe"), "failure_case"].tolist()
    if missing:
        present = [names.get(c, c) for c in df.columns]
        parts = []
        for col in missing:
            mapped = f" (the study maps it to {names[col]!r})" if col in names and names[col] != col else ""
            close = suggest(label(col), present) or suggest(col, present)
            hint = f"; did you mean {close!r}? map it with columns: {{{col}: {close!r}}}" if close else ""
            if col == "amount" and table == "transactions":
                hint += ("; or map quantity and unit_price (columns: {quantity: ..., unit_price: ...}) and the "
                         "amount is derived as quantity x unit price")
            parts.append(f"required column {col!r}{mapped} not found{hint}")
        raise DataError(f"{'; '.join(parts)}. Columns in the file: {present}", file=file,
                        column=label(missing[0]))
    if fc["check"].eq("no_customer_ids").any():
        raise DataError(f"no row has a customer id ({len(df)} rows, all empty)", file=file,
                        column=label("customer_id"))
    for col, group in fc.groupby("column", sort=False):
        rows = _rows(group)
        examples = ", ".join(repr(v) for v in group["failure_case"].drop_duplicates().head(3))
        what = "yes/no values (1/0, true/false, yes/no, 是/否)" if col == "promotion" else "numbers"
        raise DataError(f"{len(rows)} values are not {what} (e.g. {examples})", file=file,
                        column=label(col), rows=rows, n_rows=len(rows))
    raise DataError(f"the table does not match its schema:\n{fc.to_string()}", file=file)  # pragma: no cover


def apply_content_rules(df: pd.DataFrame, table: str, *, today: dt.date, report: QualityReport,
                        ledger: Ledger | None = None) -> pd.DataFrame:
    """Fix what the content schema finds, by the rules of QUALITY_RULES; count each fix.

    Order: rows without a customer id are dropped, then rows missing another required
    value, then exact duplicate rows (not in a survey, where two respondents may answer
    alike), then repeated ids (customers, survey: first kept), then future dates; values
    of satisfaction outside 1-5 become missing; other missing values are counted. A
    ``ledger`` records what is left after each rule that drops rows (the audit's waterfall).

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["a", "a", None]}, index=[2, 3, 4])
    >>> rep = QualityReport()
    >>> apply_content_rules(df, "customers", today=dt.date(2025, 1, 1), report=rep).index.tolist()
    [2]
    """
    file = df.attrs.get("file", "")
    names = df.attrs.get("source_names", {})
    n_total = int(df.attrs.get("n_read", len(df)))
    fc = _failures(content_schema(table, list(df.columns), today=today), df)
    df = df.copy()

    def stage(rule: str, rows: int) -> None:
        if ledger is not None:
            ledger.record(rule, df, rows=rows)

    missing = fc[fc["check"].eq("not_nullable")]
    drop: set[int] = set()
    # rows without an id first: the audit's waterfall names them apart (they are usually most of the loss)
    by_col = dict(list(missing.groupby("column", sort=False)))
    n_no_id = 0
    for col in sorted(by_col, key=lambda c: c != "customer_id"):
        rows = _rows(by_col[col])
        report.add(table, file, "missing_required", rows=rows, n_total=n_total, column=names.get(col, col))
        if col == "customer_id":
            n_no_id = len(rows)
            df = df.drop(index=rows)
            stage("missing_customer_id", n_no_id)
        drop |= set(rows)
    df = df.drop(index=sorted(set(df.index) & drop))
    stage("missing_required", len(drop) - n_no_id)

    dup = [r for r in _rows(fc[fc["check"].eq("multiple_fields_uniqueness")]) if r not in drop]
    report.add(table, file, "duplicate_row", rows=dup, n_total=n_total)
    df = df.drop(index=dup)
    drop |= set(dup)
    stage("duplicate_row", len(dup))

    dup_id = fc[fc["check"].eq("field_uniqueness") & fc["column"].eq("customer_id")]
    if not dup_id.empty:
        # Recomputed on what is left, so an exact duplicate is not counted twice.
        again = df.index[df["customer_id"].duplicated(keep="first")].tolist()
        report.add(table, file, "duplicate_id", rows=again, n_total=n_total,
                   column=names.get("customer_id", "customer_id"))
        df = df.drop(index=again)

    future = [r for r in _rows(fc[fc["check"].eq("future_date")]) if r in df.index]
    report.add(table, file, "future_date", rows=future, n_total=n_total, column=names.get("date", "date"))
    df = df.drop(index=future)
    stage("future_date", len(future))

    bad_sat = [r for r in _rows(fc[fc["check"].eq("satisfaction_out_of_range")]) if r in df.index]
    report.add(table, file, "satisfaction_out_of_range", rows=bad_sat, n_total=n_total,
               column=names.get("satisfaction", "satisfaction"))
    if bad_sat:
        df.loc[bad_sat, "satisfaction"] = float("nan")

    required = TABLE_COLUMNS[table]["required"]
    for col in df.columns:
        if col not in required:
            rows = df.index[df[col].isna()].tolist()
            report.add(table, file, "missing_optional", rows=rows, n_total=n_total, column=names.get(col, col))
    return df


_YES = frozenset({"1", "yes", "y", "true", "是"})
_NO = frozenset({"0", "no", "n", "false", "否"})


def _key(x: object) -> str:
    if isinstance(x, (int, float)) and not isinstance(x, bool) and float(x).is_integer():
        return str(int(x))
    return str(x).strip().lower()


def yes_no_words(yes: Sequence[str] = (), no: Sequence[str] = ()) -> tuple[frozenset[str], frozenset[str]]:
    """The words read as yes and as no: the built-in ones plus a study's own (any case).

    Examples
    --------
    >>> y, n = yes_no_words(["Ja"], ["Nein"])
    >>> "ja" in y and "nein" in n and "yes" in y
    True
    """
    return _YES | {w.strip().lower() for w in yes}, _NO | {w.strip().lower() for w in no}


def yes_no_items(df: pd.DataFrame, *, exclude: tuple[str, ...] = ("customer_id", "satisfaction"),
                 yes: Sequence[str] = (), no: Sequence[str] = ()) -> list[str]:
    """Columns whose non-missing values are all 0/1 or yes/no words (any case; 是/否 and ``yes``/``no`` too).

    Examples
    --------
    >>> yes_no_items(pd.DataFrame({"customer_id": ["a", "b"], "q1": ["是", "否"], "age": [30, 41]}))
    ['q1']
    >>> yes_no_items(pd.DataFrame({"q": ["Ja", "NEIN"]}), yes=["ja"], no=["nein"])
    ['q']
    """
    y, n = yes_no_words(yes, no)
    items = []
    for col in df.columns:
        if col in exclude:
            continue
        v = df[col].dropna()
        if v.empty:
            continue
        if v.map(_key).isin(y | n).all():
            items.append(col)
    return items


def items_to_01(s: pd.Series, *, yes: Sequence[str] = (), no: Sequence[str] = ()) -> pd.Series:
    """A yes/no item as nullable 0/1 integers (Int64).

    Examples
    --------
    >>> items_to_01(pd.Series(["yes", "否", None])).tolist()
    [1, 0, <NA>]
    >>> items_to_01(pd.Series(["Oui", "non"]), yes=["oui"], no=["non"]).tolist()
    [1, 0]
    """
    y, _ = yes_no_words(yes, no)

    def one(x: object) -> object:
        if pd.isna(x):
            return pd.NA
        return 1 if _key(x) in y else 0

    return pd.Series([one(x) for x in s], index=s.index, dtype="Int64", name=s.name)


def code_ordinal(s: pd.Series, levels: Sequence[object], *, file: str = "", column: str = "") -> pd.Series:
    """An ordinal column as 1, 2, ... in the order of ``levels`` (nullable Int64; missing stays missing).

    Raises
    ------
    DataError
        Naming the values that are not among the levels, with their rows.

    Examples
    --------
    >>> code_ordinal(pd.Series(["Never", "Often", None, "sometimes"]), ["never", "Sometimes", "often"]).tolist()
    [1, 3, <NA>, 2]
    """
    order = {_key(level): i + 1 for i, level in enumerate(levels)}
    keys = s.map(lambda x: _key(x) if pd.notna(x) else None)
    bad = keys.notna() & ~keys.isin(list(order))
    if bad.any():
        unknown = sorted({str(v) for v in s[bad]})[:5]
        rows = [int(r) for r in s.index[bad]]
        raise DataError(f"{len(rows)} values are not among the ordinal levels the study gives (e.g. {unknown}); "
                        f"levels: {[str(x) for x in levels]}", file=file, column=column, rows=rows, n_rows=len(rows))
    return pd.Series([order[k] if isinstance(k, str) else pd.NA for k in keys], index=s.index, dtype="Int64",
                     name=s.name)

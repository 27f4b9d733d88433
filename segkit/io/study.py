"""Load a study's tables: read, validate, fix by rule, link; and describe what is there."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.config import StudyConfig
from segkit.errors import DataError
from segkit.io.descriptors import STATS_COLUMNS, transaction_descriptors
from segkit.io.join import JOIN_COLUMNS, link_tables
from segkit.io.nonproduct import DETAIL_COLUMNS, exclude_non_products
from segkit.io.quality import QualityReport
from segkit.io.readers import check_format, read_table
from segkit.io.returns import cap_outliers, drop_non_sales, net_returns
from segkit.io.schemas import apply_content_rules, check_structure, code_ordinal, items_to_01, yes_no_items
from segkit.io.waterfall import Ledger
from segkit.progress import Progress
from segkit.study.window import StudyWindow

#: Columns segkit adds to transactions (not data columns of the file).
FLAG_COLUMNS = ("after_cutoff", "amount_capped", "returned_amount")
#: Files larger than this get a progress line while they are read (bytes).
PROGRESS_BYTES = 5 * 2**20


def _silent(_: str) -> None:
    return None


@dataclass
class StudyData:
    """The study's clean tables, what was fixed, and how the tables join.

    Tables are indexed by spreadsheet row number of their file (header = row 1).

    Attributes
    ----------
    customers, transactions, survey : DataFrame or None
        Canonical columns. ``transactions`` holds purchases net of their
        returns (a purchase returned in full has amount 0), with
        ``returned_amount`` (what was netted off the line) and the flags
        ``after_cutoff`` (outcome period, kept apart) and ``amount_capped``;
        descriptor columns the study names (``Country``) keep their file names.
    quality : QualityReport
        Rows affected by each rule.
    joins : DataFrame
        One row per pair of tables: distinct ids in each, matched and in one only.
    files : dict
        Table name -> input path.
    ledger : list of dict
        The transactions' waterfall stages (:class:`segkit.io.waterfall.Ledger`), up to the
        lines of the history; step 4 adds the analysed customers.
    non_product : DataFrame
        The non-product lines excluded, per code or description (:func:`segkit.io.nonproduct.non_product_lines`).
    descriptors : DataFrame
        Per descriptor read from the transactions: customers, with several values, ties, missing.
    formats : dict
        Table name -> how its file was read (reader, encoding, separator, header, date format, ...).
    ordinal : dict
        Canonical column -> its levels, lowest first (coded 1, 2, ...).
    """

    customers: pd.DataFrame | None
    transactions: pd.DataFrame | None
    survey: pd.DataFrame | None
    quality: QualityReport
    joins: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=JOIN_COLUMNS))
    files: dict[str, Path] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    non_product: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DETAIL_COLUMNS))
    descriptors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STATS_COLUMNS))
    formats: dict[str, dict[str, Any]] = field(default_factory=dict)
    ordinal: dict[str, list[str]] = field(default_factory=dict)
    outlier_threshold: float | None = None

    def summary(self) -> str:
        """Rows per table, then the quality summary."""
        lines = []
        for name in ("customers", "transactions", "survey"):
            df = getattr(self, name)
            if df is not None:
                lines.append(f"{name}: {len(df)} rows, {df['customer_id'].nunique()} customers "
                             f"({self.files[name].name})")
        return "\n".join([*lines, self.quality.summary()])

    def audit(self) -> dict[str, Any]:
        """The audit as a JSON-able document (``quality.json``): issues and rules, plus how each file
        was read, the waterfall's stages, the non-product lines, transaction descriptors and ordinal levels."""
        return {**self.quality.to_dict(), "formats": self.formats, "ledger": self.ledger,
                "non_product": self.non_product.astype(object).to_dict(orient="records"),
                "descriptors": self.descriptors.astype(object).to_dict(orient="records"),
                "ordinal": self.ordinal, "outlier_threshold": self.outlier_threshold,
                "rows_read": {name: int(df.attrs.get("n_read", len(df))) for name in ("customers", "transactions",
                                                                                      "survey")
                              if (df := getattr(self, name)) is not None},
                "files": {k: str(v) for k, v in self.files.items()}}

    def save(self, folder: Path | str) -> Path:
        """Write the clean tables (parquet, row numbers kept) and :meth:`audit` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        attrs = {}
        for name in ("customers", "transactions", "survey"):
            df = getattr(self, name)
            if df is not None:
                df.to_parquet(folder / f"{name}.parquet", index=True)
                attrs[name] = {k: v for k, v in df.attrs.items() if k in ("file", "source_names", "n_read", "format")}
        doc = {**self.audit(), "joins": self.joins.astype(object).to_dict(orient="records"), "attrs": attrs}
        (folder / "audit.json").write_text(json.dumps(doc, default=_jsonable, ensure_ascii=False), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str) -> StudyData:
        """The :class:`StudyData` :meth:`save` wrote into ``folder``."""
        folder = Path(folder)
        doc = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
        tables: dict[str, pd.DataFrame | None] = {}
        for name in ("customers", "transactions", "survey"):
            path = folder / f"{name}.parquet"
            df = pd.read_parquet(path) if path.is_file() else None
            if df is not None:
                df.attrs = doc["attrs"].get(name, {})
            tables[name] = df
        quality = QualityReport()
        if doc["issues"]:
            quality.table = pd.DataFrame(doc["issues"])[quality.table.columns]
        return cls(customers=tables["customers"], transactions=tables["transactions"], survey=tables["survey"],
                   quality=quality, joins=pd.DataFrame(doc["joins"], columns=JOIN_COLUMNS),
                   files={k: Path(v) for k, v in doc["files"].items()}, ledger=doc["ledger"],
                   non_product=pd.DataFrame(doc["non_product"], columns=DETAIL_COLUMNS),
                   descriptors=pd.DataFrame(doc["descriptors"], columns=STATS_COLUMNS), formats=doc["formats"],
                   ordinal=doc["ordinal"], outlier_threshold=doc.get("outlier_threshold"))


def _jsonable(v: Any) -> Any:
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
        return v.isoformat()
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)


def _read(cfg: StudyConfig, name: str, report: QualityReport) -> pd.DataFrame:
    spec = getattr(cfg.data, name)
    df = read_table(cfg.resolve(spec.path), encoding=spec.encoding, sheet=spec.sheet, separator=spec.separator,
                    decimal=spec.decimal, columns=spec.columns, date_format=spec.date_format, header=spec.header,
                    names=spec.names)
    file = df.attrs["file"]
    df.attrs["n_read"] = len(df) + df.attrs["n_blank_rows"]
    report.add(name, file, "blank_row", rows=df.attrs["blank_rows"], n_rows=df.attrs["n_blank_rows"],
               n_total=df.attrs["n_read"])
    if spec.ids == "row":
        if "customer_id" in df.columns:
            raise DataError("the study says ids: row, but the file has a customer_id column: drop ids: row, or "
                            "the mapping of customer_id", file=file, column="customer_id")
        attrs = dict(df.attrs)
        first = 2 if spec.header else 1
        # respondent n is the n-th data row of the file (blank rows keep their numbers)
        df.insert(0, "customer_id", [str(int(r) - first + 1) for r in df.index])
        df.attrs = {**attrs, "source_names": {**attrs["source_names"], "customer_id": "(row number)"}}
        report.add(name, file, "ids_from_rows", n_rows=len(df), n_total=df.attrs["n_read"],
                   column="(row number)")
    formats = df.attrs.get("date_formats", {})
    if len(formats) > 1:
        # The most common format is the norm; rows in the others are the ones to look at.
        report.add(name, file, "mixed_date_formats", rows=df.attrs["mixed_date_rows"],
                   n_rows=sum(formats.values()) - max(formats.values()), n_total=df.attrs["n_read"],
                   column=df.attrs["source_names"].get("date", "date"))
    return df


def check_formats(cfg: StudyConfig) -> dict[str, dict[str, Any]]:
    """Check each input's encoding, separator and date format on its first lines (see
    :func:`segkit.io.readers.check_format`); a wrong one stops here, before any file is read whole."""
    out = {}
    for name, path in cfg.input_files().items():
        spec = getattr(cfg.data, name)
        out[name] = check_format(path, encoding=spec.encoding, separator=spec.separator, header=spec.header,
                                 names=spec.names, date_column=spec.columns.get("date", "date"),
                                 date_format=spec.date_format)
    return out


def _nothing_left(path: Path, ledger: Ledger, attrs: dict[str, Any]) -> None:
    """Stop with what removed every line, rule by rule, instead of failing later on an empty table."""
    from segkit.io.waterfall import STAGE_LABELS

    read = int(attrs.get("n_read") or 0)
    removed = [(STAGE_LABELS.get(st["rule"], st["rule"].replace("_", " ")), int(st["rows"]))
               for st in ledger.stages[1:] if int(st["rows"])]
    removed.sort(key=lambda x: -x[1])
    parts = "; ".join(f"{label}: {n:,}" for label, n in removed[:5]) or "none recorded"
    raise DataError(f"no line of {path.name} is left after the audit's rules ({read:,} lines read; lines removed by "
                    f"rule: {parts}); when all amounts are 0 or negative, check the amount (or quantity and unit "
                    "price) columns of the mapping", file=str(path))


def load_study_data(
    cfg: StudyConfig, *, today: dt.date | None = None, min_customers: int | None = None,
    progress: Callable[[str], None] = _silent,
) -> StudyData:
    """Read, validate and fix the study's tables by the rules of ``QUALITY_RULES``.

    Parameters
    ----------
    cfg : StudyConfig
        The study; its ``data`` section says where each table is and how to read it.
    today : date, optional
        Dates after it are errors and dropped; defaults to the real today.
    min_customers : int, optional
        Fewest customers the study can segment; defaults to the largest k of ``cfg.k_range``.
    progress : callable, optional
        Receives a line of text for each phase of reading a large file.

    Returns
    -------
    StudyData

    Raises
    ------
    DataError
        On any fatal rule (see ``QUALITY_RULES`` with action "stop"), and when a basis variable
        or descriptor the study names is in no table (naming the closest column names).

    Examples
    --------
    >>> data = load_study_data(load_config("data/demo/study.yaml"))  # doctest: +SKIP
    >>> data.quality.table.head()  # doctest: +SKIP
    """
    today = today or dt.date.today()
    min_customers = cfg.k_range[1] if min_customers is None else min_customers
    report = QualityReport()
    files = cfg.input_files()
    window = StudyWindow.from_config(cfg)
    formats = check_formats(cfg)
    tables: dict[str, pd.DataFrame | None] = {"customers": None, "transactions": None, "survey": None}
    ledger = Ledger()
    non_product = pd.DataFrame(columns=DETAIL_COLUMNS)
    ordinal: dict[str, list[str]] = {}
    threshold = None
    for name, path in files.items():
        spec = getattr(cfg.data, name)
        big = path.stat().st_size > PROGRESS_BYTES
        t0 = time.perf_counter()
        if big:
            progress(f"reading {path.name} ({path.stat().st_size / 2**20:,.1f} MB)")
        df = _read(cfg, name, report)
        attrs = dict(df.attrs)
        formats[name] = {**formats.get(name, {}), **attrs.get("format", {})}
        if big:
            fmt = formats[name]
            how = ", ".join(f"{k} {fmt[k]!r}" for k in ("encoding", "separator") if k in fmt)
            progress(f"read {len(df):,} rows in {time.perf_counter() - t0:.1f} s" + (f" ({how})" if how else "")
                     + "; auditing")
        df = check_structure(df, name, decimal=spec.decimal)
        if name == "transactions" and "amount" not in attrs["source_names"]:
            names = attrs["source_names"]
            attrs["source_names"] = {**names, "amount": f"{names['quantity']} x {names['unit_price']}"}
            report.add(name, attrs["file"], "amount_derived", n_rows=len(df), n_total=attrs["n_read"],
                       column=attrs["source_names"]["amount"])
        df.attrs = attrs
        if name == "transactions":
            ledger.record("raw", df, extra_rows=attrs["n_blank_rows"])
            ledger.record("blank_row", df)
        # a large file's audit is five passes over its lines: say each as it ends
        phases = Progress(f"auditing {path.name}", 5 if name == "transactions" and window is not None else 1,
                          progress if big else None, every=0.0, quiet=0.0)
        df = apply_content_rules(df, name, today=today, report=report,
                                 ledger=ledger if name == "transactions" else None)
        df.attrs = attrs
        phases.advance_as("types, ranges, duplicates and dates checked")
        if name == "transactions" and window is not None:
            df, non_product = exclude_non_products(df, codes=spec.non_product.codes,
                                                   descriptions=spec.non_product.descriptions, report=report)
            ledger.record("non_product", df)
            phases.advance_as("non-product lines set apart")
            df = drop_non_sales(df, report=report, cancel_prefix=spec.cancel_prefix, ledger=ledger)
            phases.advance_as("non-sales dropped")
            df = net_returns(df, outcome_start=window.history_end, report=report, cancel_prefix=spec.cancel_prefix,
                             ledger=ledger)
            phases.advance_as("returns netted")
            df = cap_outliers(df, report=report, ledger=ledger)
            phases.advance_as("outliers capped")
            if df.empty:
                _nothing_left(path, ledger, attrs)
            threshold = df.attrs.get("outlier_threshold")
            df["after_cutoff"] = window.in_outcome(df["date"])
            report.add(name, attrs["file"], "after_cutoff", rows=df.index[df["after_cutoff"]].tolist(),
                       n_total=attrs["n_read"], column=attrs["source_names"].get("date", "date"))
            # columns of the file the study does not use are not carried into the run (their names are kept for
            # the check of the study's names)
            attrs["file_columns"] = [attrs["source_names"].get(c, c) for c in df.columns if c not in FLAG_COLUMNS]
            used = {*TRANSACTION_KEEP, *cfg.descriptors, *FLAG_COLUMNS}
            df = df[[c for c in df.columns if c in used]]
        if name in ("survey", "customers"):
            df, coded = _code_ordinals(df, spec.ordinal, name, report)
            ordinal.update(coded)
        if name == "survey":
            items = yes_no_items(df, exclude=("customer_id", "satisfaction", *ordinal), yes=spec.yes_words,
                                 no=spec.no_words)
            words = [c for c in items if not pd.api.types.is_numeric_dtype(df[c])]
            if words:
                answered = df[words].notna().any(axis=1)
                shown = ", ".join(words[:3]) + (f" and {len(words) - 3} more" if len(words) > 3 else "")
                report.add(name, attrs["file"], "yes_no_recoded", rows=df.index[answered].tolist(),
                           n_total=attrs["n_read"], column=f"{len(words)} items ({shown})")
            for col in items:
                df[col] = items_to_01(df[col], yes=spec.yes_words, no=spec.no_words)
        df.attrs = attrs
        tables[name] = df
        if big:
            progress(f"audited {path.name} in {time.perf_counter() - t0:.1f} s")

    tables, joins = link_tables(tables, report=report)
    descriptor_stats = pd.DataFrame(columns=STATS_COLUMNS)
    t = tables["transactions"]
    if t is not None and window is not None:
        if tables["customers"] is not None:
            ledger.record("orphan_transactions", t)
        history = window.in_history(t["date"])
        ledger.record("after_cutoff", t.loc[history])
        tx_desc = transaction_descriptor_columns(cfg, t)
        if tx_desc:
            # counted per customer (not per line): the audit shows them in their own table
            _, descriptor_stats = transaction_descriptors(t, tx_desc, history=history)
    ids = set()
    for df in tables.values():
        if df is not None:
            ids |= set(df["customer_id"])
    if len(ids) < min_customers:
        first = next(df for df in tables.values() if df is not None)
        raise DataError(
            f"only {len(ids)} customers after cleaning; the study needs at least {min_customers} "
            f"(the largest number of segments in k_range {list(cfg.k_range)})",
            file=first.attrs["file"], column="customer_id",
        )
    _check_basis(cfg, tables)
    return StudyData(customers=tables["customers"], transactions=tables["transactions"], survey=tables["survey"],
                     quality=report, joins=joins, files=files, ledger=ledger.to_list(), non_product=non_product,
                     descriptors=descriptor_stats, formats=formats, ordinal=ordinal, outlier_threshold=threshold)


#: Transaction columns carried into the run: the canonical ones (descriptors the study names are added).
TRANSACTION_KEEP = ("customer_id", "date", "amount", "order_id", "product", "category", "quantity", "unit_price",
                    "margin", "promotion", "channel")


def transaction_descriptor_columns(cfg: StudyConfig, transactions: pd.DataFrame | None) -> list[str]:
    """The study's descriptors that are transaction columns (country, channel, store), in study order."""
    if transactions is None:
        return []
    return [d for d in cfg.descriptors if d in transactions.columns and d != "customer_id"]


def _code_ordinals(df: pd.DataFrame, levels: dict[str, list[str]], table: str,
                   report: QualityReport) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    names = df.attrs.get("source_names", {})
    canonical = {file_name: c for c, file_name in names.items()}
    coded = {}
    for col, order in levels.items():
        name = canonical.get(col, col)
        if name not in df.columns:
            close = difflib.get_close_matches(col, [names.get(c, c) for c in df.columns], n=3, cutoff=0.5)
            hint = f"; closest: {close}" if close else ""
            raise DataError(f"the study declares column {col!r} ordinal, but the file has no such column{hint}",
                            file=df.attrs.get("file", table), column=col)
        df[name] = code_ordinal(df[name], order, file=df.attrs.get("file", table), column=col)
        coded[name] = [str(x) for x in order]
        report.add(table, df.attrs.get("file", ""), "ordinal_coded", rows=df.index[df[name].notna()].tolist(),
                   n_total=int(df.attrs.get("n_read", len(df))), column=col)
    return df, coded


def available_columns(tables: dict[str, pd.DataFrame | None]) -> dict[str, list[str]]:
    """Where each name a study may use as basis or descriptor comes from: source -> names.

    Features and the value model are computed from the transactions (``share_cat_<value>`` per
    category); customer attributes and survey answers are their tables' columns; any column of
    the transactions may describe customers (its most frequent value).
    """
    from segkit.features import FEATURE_DEFINITIONS, _slug
    from segkit.pipeline import VALUE_COLUMNS

    out: dict[str, list[str]] = {}
    t = tables.get("transactions")
    if t is not None:
        feats = []
        for f in FEATURE_DEFINITIONS.itertuples():
            needs = {c.strip() for c in f.requires.split(",") if c.strip()}
            if not needs <= set(t.columns):
                continue
            if f.name.endswith(">"):
                col = needs.pop()
                prefix = f.name.split("<")[0]
                feats += [f"{prefix}{_slug(v if pd.notna(v) else None)}" for v in t[col].unique()]
            else:
                feats.append(f.name)
        out["features of the transactions"] = feats
        out["value model"] = list(VALUE_COLUMNS)
        kept = [c for c in t.columns if c not in FLAG_COLUMNS]
        mapped = {v for k, v in t.attrs.get("source_names", {}).items() if k != v}
        out["transaction columns"] = kept + [c for c in t.attrs.get("file_columns", []) if c not in kept
                                             and c not in mapped]
    for name in ("customers", "survey"):
        df = tables.get(name)
        if df is not None:
            out[f"{name} table"] = [c for c in df.columns if c != "customer_id"]
    return out


def _feature_needs(name: str) -> list[str]:
    """The optional transaction columns the feature ``name`` is computed from (empty for other names)."""
    from segkit.features import FEATURE_DEFINITIONS
    from segkit.pipeline import VALUE_COLUMNS

    if name in VALUE_COLUMNS:
        return ["date", "amount"]
    for f in FEATURE_DEFINITIONS.itertuples():
        prefix = f.name.split("<")[0]
        if f.name == name or (f.name.endswith(">") and name.startswith(prefix)):
            return [c.strip() for c in f.requires.split(",") if c.strip()] or ["date", "amount"]
    return []


def check_names(cfg: StudyConfig, tables: dict[str, pd.DataFrame | None]) -> None:
    """Every basis variable and descriptor the study names must be somewhere; stop naming the closest names.

    A basis variable may be a feature, a value-model column, a customer attribute or a survey
    answer; a descriptor may also be a column of the transactions.
    """
    sources = available_columns(tables)
    basis_names = {n for src, names in sources.items() if src != "transaction columns" for n in names}
    all_names = basis_names | set(sources.get("transaction columns", []))
    problems = []
    for kind, wanted, known in (("basis variable", cfg.basis, basis_names),
                                ("descriptor", cfg.descriptors, all_names)):
        for name in wanted:
            if name in known:
                continue
            needs = _feature_needs(name)
            t = tables.get("transactions")
            lacking = [c for c in needs if t is not None and c not in t.columns]
            if lacking and t is not None:
                problems.append(f"{kind} {name!r} is computed from the transactions' {', '.join(lacking)} "
                                f"column{'s' if len(lacking) > 1 else ''}, which {t.attrs.get('file', 'the file')} "
                                "does not have (or the study does not map)")
                continue
            if needs and t is None:
                problems.append(f"{kind} {name!r} is computed from transactions, and the study has none")
                continue
            if kind == "basis variable" and name in all_names:
                problems.append(f"basis variable {name!r} is a transaction column; only customer-level values "
                                "(features, attributes, survey answers) can be a basis: name it a descriptor")
                continue
            close = difflib.get_close_matches(name, sorted(all_names), n=3, cutoff=0.5)
            close += [n for n in sorted(all_names) if n.lower() == name.lower() and n not in close]
            hint = f"; closest: {', '.join(repr(c) for c in close)}" if close else ""
            problems.append(f"{kind} {name!r} is in no table{hint}")
    if problems:
        where = "; ".join(f"{src}: {', '.join(names[:25])}{' ...' if len(names) > 25 else ''}"
                          for src, names in sources.items())
        raise DataError(f"{'; '.join(problems)}. Available: {where}", column=None)


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds, so a message shows ``1.0``, not ``np.float64(1.0)``."""
    return value.item() if hasattr(value, "item") else value


def _check_basis(cfg: StudyConfig, tables: dict[str, pd.DataFrame | None]) -> None:
    # Basis variables computed later (recency, ...) are checked by the features step, not here.
    for name in ("customers", "survey"):
        df = tables[name]
        if df is None:
            continue
        for col in cfg.basis:
            if col in df.columns and col != "customer_id":
                values = df[col].dropna()
                if values.nunique() <= 1:
                    what = (f"has the single value {_plain(values.iloc[0])!r} in all {len(values):,} non-missing "
                            "rows" if len(values) else f"has no value in any of its {len(df):,} rows")
                    raise DataError(
                        f"basis variable {what}; it cannot separate segments: drop it from basis",
                        file=df.attrs.get("file", name), column=df.attrs["source_names"].get(col, col),
                    )


def build_inventory(data: StudyData, cfg: StudyConfig) -> dict:
    """What data the study has, in the inventory format of step 2.

    Examples
    --------
    >>> inv = build_inventory(load_study_data(cfg), cfg)  # doctest: +SKIP
    >>> inv["tables"]["transactions"]["history_months"]  # doctest: +SKIP
    24.0
    """
    ids: set = set()
    tables: dict = {}
    t = data.transactions
    window = StudyWindow.from_config(cfg)
    if t is not None and window is not None:
        ids |= set(t["customer_id"])
        dmin, dmax = t["date"].min(), t["date"].max()
        tables["transactions"] = {
            "present": True, "n_rows": int(len(t)), "n_customers": int(t["customer_id"].nunique()),
            "n_rows_read": int(t.attrs.get("n_read", len(t))),
            "n_customers_history": int(t.loc[window.in_history(t["date"]), "customer_id"].nunique()),
            "columns": [c for c in t.columns if c not in FLAG_COLUMNS],
            "date_min": dmin.strftime("%Y-%m-%d"), "date_max": dmax.strftime("%Y-%m-%d"),
            "history_months": round(window.months_before(dmin), 1),
            "months_after_cutoff": round(window.months_after(dmax), 1),
        }
    else:
        tables["transactions"] = {"present": False, "n_rows": 0, "n_customers": 0, "columns": [],
                                  "date_min": None, "date_max": None, "history_months": 0.0,
                                  "months_after_cutoff": 0.0}
    c = data.customers
    if c is not None:
        ids |= set(c["customer_id"])
    tables["customers"] = {"present": c is not None, "n_rows": 0 if c is None else int(len(c)),
                           "n_customers": 0 if c is None else int(c["customer_id"].nunique()),
                           "columns": [] if c is None else list(c.columns)}
    s = data.survey
    if s is not None:
        ids |= set(s["customer_id"])
    tables["survey"] = {
        "present": s is not None, "n_rows": 0 if s is None else int(len(s)),
        "n_customers": 0 if s is None else int(s["customer_id"].nunique()),
        "items": [] if s is None else [col for col in s.columns if str(s[col].dtype) == "Int64"
                                       and col not in data.ordinal],
        "ordinal": {c: levels for c, levels in data.ordinal.items() if s is not None and c in s.columns},
        "has_satisfaction": s is not None and "satisfaction" in s.columns and bool(s["satisfaction"].notna().any()),
    }
    return {"n_customers": len(ids), "tables": tables}

"""Step 2, resources: what data the study has, and which methods it makes feasible.

Reads and audits the input files (the audit itself is reported in step 4),
saves the clean tables for the later steps, describes what is there (the
inventory) and ranks every method segkit offers by feasibility and fit with
the brief.

Each input is read once per run: ``segkit run`` reads and audits the inputs
before the run folder exists (unusable data stops with nothing written), then
hands the audited tables to the new run folder (:func:`stage_audit`); this step
takes them over instead of reading the files again. Run on its own (a notebook
by hand, :func:`segkit.study.context.run_steps`), it reads the files itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.config import StudyConfig
from segkit.io import StudyData, build_inventory, load_study_data
from segkit.io.study import check_names
from segkit.methods.feasibility import feasibility_matrix, rank_methods
from segkit.pipeline import basis_kind
from segkit.study import artifacts
from segkit.study.context import StepContext
from segkit.study.folder import RunFolder
from segkit.study.steps import get_step

__all__ = ["ResourcesResult", "assess", "audit_fingerprint", "read_inputs", "run", "stage_audit"]

#: Where ``segkit run`` leaves the audited inputs for step 2, inside the new run folder (removed once taken over).
STAGED_AUDIT = ".staged-audit"


@dataclass
class ResourcesResult:
    """What step 2 shows.

    Attributes
    ----------
    inventory : dict
        As written to ``inventory.json``: customers, tables (rows, columns,
        history), ``basis_kind``.
    tables : DataFrame
        One row per input table: ``table``, ``file``, ``rows``, ``customers``,
        ``columns``, ``covers`` (the period or items it covers).
    joins : DataFrame
        Customer ids matched between tables.
    ranked : DataFrame
        Every method ranked by feasibility and fit (``feasibility.parquet``).
    survey_items : list of str
        Yes/no survey items usable as a needs-based basis.
    """

    inventory: dict[str, Any]
    tables: pd.DataFrame
    joins: pd.DataFrame
    ranked: pd.DataFrame
    survey_items: list[str]
    #: how each file was read: table, file, reader, encoding, separator, header, date format (found or given)
    formats: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: ordinal columns and their levels, lowest first (coded 1, 2, ...)
    ordinal: dict[str, list[str]] = field(default_factory=dict)
    #: descriptors read from the transactions: customers, with several values, ties
    transaction_descriptors: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: whether the audit was taken over from ``segkit run``'s check (the files were read once, before the run)
    staged: bool = False
    #: personal columns left out of the run folder, by table: column -> why (its name, or its values)
    personal: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def personal_note(self) -> str | None:
        """The personal columns left out, in a sentence (None when there were none)."""
        if not self.personal:
            return None
        parts = [f"{t}: {', '.join(f'{c} ({why})' for c, why in cols.items())}" for t, cols in self.personal.items()]
        return ("Personal data are kept out of the run folder: these columns are not copied, so no report or export "
                "shows them (" + "; ".join(parts) + ").")

    @property
    def basis_kind(self) -> str:
        """``numeric``, ``binary`` or ``mixed``."""
        return str(self.inventory["basis_kind"])

    @property
    def n_customers(self) -> int:
        return int(self.inventory["n_customers"])

    @property
    def n_customers_history(self) -> int | None:
        """Customers with transaction lines up to the cut-off (those the segmentation can use); None without."""
        tx = self.inventory["tables"].get("transactions") or {}
        return int(tx["n_customers_history"]) if tx.get("present") and "n_customers_history" in tx else None

    @property
    def n_feasible(self) -> int:
        return int(self.ranked["feasible"].sum())

    @property
    def matrix(self) -> pd.DataFrame:
        """The feasibility matrix: one row per method, a tick or cross per requirement."""
        return feasibility_matrix(self.ranked)


def _table_rows(data: StudyData, inventory: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for name, info in inventory["tables"].items():
        if not info.get("present"):
            rows.append({"table": name, "file": "not provided", "rows": None, "customers": None,
                         "columns": None, "covers": ""})
            continue
        covers = ""
        if info.get("date_min"):
            covers = (f"{info['date_min']} to {info['date_max']}: {info['history_months']:.0f} months up to the "
                      f"cut-off, {info.get('months_after_cutoff', 0):.0f} after")
        elif name == "survey":
            covers = f"{len(info.get('items', []))} yes/no items" + (
                ", satisfaction 1-5" if info.get("has_satisfaction") else "")
        df = getattr(data, name)
        rows.append({"table": name, "file": data.files[name].name if name in data.files else "",
                     "rows in file": int(df.attrs.get("n_read", info["n_rows"])) if df is not None else None,
                     "rows": info["n_rows"], "customers": info["n_customers"],
                     "columns": len(info.get("columns") or info.get("items") or []), "covers": covers})
    out = pd.DataFrame(rows, columns=["table", "file", "rows in file", "rows", "customers", "columns", "covers"])
    for col in ("rows in file", "rows", "customers", "columns"):
        out[col] = out[col].astype("Int64")
    return out


#: Separators as a reader names them.
SEPARATOR_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar", "whitespace": "spaces or tabs"}


def _format_rows(data: StudyData) -> pd.DataFrame:
    rows = []
    for name, fmt in data.formats.items():
        def said(key: str, fmt: dict[str, Any] = fmt) -> str:
            value = fmt.get(key)
            if value is None:
                return ""
            shown = SEPARATOR_WORDS.get(str(value), str(value))
            return f"{shown} ({'found' if fmt.get(f'{key}_detected') else 'given'})"

        rows.append({"table": name, "file": data.files[name].name if name in data.files else "",
                     "reader": str(fmt.get("reader", "")) + (f", {fmt['compression']}" if fmt.get("compression")
                                                              else ""),
                     "encoding": said("encoding"), "separator": said("separator"),
                     "header": "yes" if fmt.get("header", True) else "no (names from the study file)",
                     "date format": said("date_format")})
    return pd.DataFrame(rows, columns=["table", "file", "reader", "encoding", "separator", "header", "date format"])


def audit_fingerprint(cfg: StudyConfig) -> str:
    """What the audit of a study depends on (step 2's settings), as a hash: a staged audit is used only for it."""
    settings = cfg.to_dict()
    keys = get_step("resources").settings
    return hashlib.sha256(json.dumps({k: settings.get(k) for k in keys}, sort_keys=True,
                                     default=str).encode("utf-8")).hexdigest()


def read_inputs(cfg: StudyConfig, *, progress: Any = None) -> StudyData:
    """Read and audit the study's inputs and check that every basis variable and descriptor exists.

    Raises
    ------
    DataError
        An unusable input, or a name found in no table (with the closest names).
    """
    data = load_study_data(cfg, **({"progress": progress} if progress else {}))
    check_names(cfg, {"customers": data.customers, "transactions": data.transactions, "survey": data.survey})
    return data


#: Days of transactions a study needs after its cut-off, to validate the segments on later behaviour (step 7).
MIN_OUTCOME_DAYS = 28
#: Customers with a purchase up to the cut-off a study needs per segment of the smallest k it tries, and in the
#: smallest segment the brief accepts (``goal.min_segment_share`` of them).
MIN_CUSTOMERS_PER_SEGMENT = 10


def check_window(cfg: StudyConfig, data: StudyData) -> None:
    """Refuse a cut-off outside the transactions, or one that leaves too little before or after it.

    Raises
    ------
    DataError
        Naming the study file's ``cutoff``, the transactions' first and last day and what is missing.
    """
    from segkit.errors import DataError

    tx = data.transactions
    if tx is None or cfg.cutoff is None or tx.empty:
        return
    dates = pd.to_datetime(tx["date"])
    first, last = dates.min().date(), dates.max().date()
    cut = cfg.cutoff
    where = f"the study file's cutoff {cut}; the transactions run from {first} to {last}"
    where_file = str(data.files.get("transactions", "transactions"))
    if cut < first:
        raise DataError(f"{where}: the cut-off is before the first purchase, so there is no history to segment; "
                        "set a cutoff inside the data", file=where_file, column="date")
    after = (last - cut).days
    if after < MIN_OUTCOME_DAYS:
        what = "after the last purchase" if after < 0 else f"{after} days before the last purchase"
        raise DataError(f"{where}: the cut-off is {what}, which leaves {max(after, 0)} days of later behaviour to "
                        f"validate the segments (at least {MIN_OUTCOME_DAYS} are needed); set the cutoff on or before "
                        f"{last - dt.timedelta(days=MIN_OUTCOME_DAYS)}", file=where_file, column="date")
    n = int(tx.loc[dates.dt.date <= cut, "customer_id"].nunique())
    need = MIN_CUSTOMERS_PER_SEGMENT * int(cfg.k_range[0])
    if n < need:
        who = f"{n:,} customer{'' if n == 1 else 's'}"
        raise DataError(f"{where}: {who} bought up to the cut-off, too few to segment into "
                        f"k = {cfg.k_range[0]} or more (at least {MIN_CUSTOMERS_PER_SEGMENT} per segment, "
                        f"{need:,} in all); move the cutoff later or lower k_range", file=where_file, column="date")
    share = cfg.goal.min_segment_share
    need = math.ceil(MIN_CUSTOMERS_PER_SEGMENT / share)
    if n < need:
        raise DataError(f"{where}: {n:,} customers bought up to the cut-off; the brief accepts segments down to "
                        f"goal.min_segment_share {share:.0%} of them, which would be {n * share:.1f} customers, fewer "
                        f"than {MIN_CUSTOMERS_PER_SEGMENT}: a segment that small cannot be profiled or tested. "
                        f"At least {need:,} customers are needed; raise goal.min_segment_share or move the cutoff "
                        "later",
                        file=where_file, column="date")


def check_basis_values(cfg: StudyConfig, data: StudyData) -> None:
    """Refuse a basis feature computed from the transactions that is constant or missing for every customer.

    Attributes and survey answers are checked when read; a feature (``promo_share`` of a shop without
    promotions) only once computed. It is computed here, on the audited transactions up to the cut-off,
    so the study stops before a run folder exists rather than at step 4. Always on embedded DuckDB:
    the tables are in memory already, and the definitions are the ones step 4 runs on any engine.

    Raises
    ------
    DataError
        Naming the basis variable, the transactions file, the columns it is computed from and the value found.
    """
    from segkit.errors import DataError
    from segkit.features import compute_features
    from segkit.pipeline import prepare_study_basis

    tx = data.transactions
    if tx is None or tx.empty or cfg.cutoff is None:
        return
    features = compute_features(tx, cutoff=cfg.cutoff,
                                memory_limit=cfg.engine.memory_limit if cfg.engine.name == "duckdb" else None)
    computed = [name for name in cfg.basis if name in features.columns and name != "customer_id"]
    if not computed:
        return
    # the customers step 4 segments: those with every computed basis value (a one-time buyer has no gap)
    complete = features.dropna(subset=computed)
    if complete.empty:
        file = str(data.files.get("transactions", "transactions"))
        raise DataError(f"basis variables {', '.join(map(repr, computed))}, computed from the transactions, have no "
                        f"customer with every value among the {len(features):,} with purchases up to the cut-off; "
                        "drop them from basis", file=file, column=computed[0])
    # the same rule, and the same message naming the columns a feature comes from, as step 4
    prepare_study_basis(cfg.model_copy(update={"basis": computed}), complete[["customer_id", *computed]])


#: A text descriptor is identifier-like when at least this share of its values look like e-mail addresses or
#: phone numbers, or when it holds a different value for (nearly) every customer.
IDENTIFIER_SHARE = 0.5
#: Below this many customers a column with one value each is not yet identifier-like (small studies).
IDENTIFIER_MIN_ROWS = 50
_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
_PHONE = r"^\+?[\d\s().-]{7,}$"


#: Parts of a column name that say it holds personal data whatever its values (names, contacts, addresses).
PERSONAL_NAME_PARTS = frozenset({"name", "firstname", "lastname", "surname", "fullname", "email", "mail", "phone",
                                 "mobile", "tel", "telephone", "fax", "address", "street", "zip", "postcode"})
#: The same in Chinese column names (matched as substrings: Chinese has no word breaks).
PERSONAL_NAME_ZH = ("姓名", "名字", "电话", "手机", "邮箱", "邮件", "地址", "身份证")


def identifier_kind(values: pd.Series) -> str | None:
    """What personal identifier a column's values are, in words, or None.

    ``"e-mail addresses"`` or ``"phone numbers"`` when at least :data:`IDENTIFIER_SHARE` of the text values
    look like them; ``"a different value for nearly every row"`` for text unique per row (names, ids) once
    there are :data:`IDENTIFIER_MIN_ROWS` values. Numbers, yes/no values and repeated categories are None.

    Examples
    --------
    >>> identifier_kind(pd.Series(["a@b.com", "c@d.org", None]))
    'e-mail addresses'
    >>> identifier_kind(pd.Series(["east", "west"] * 40)) is None
    True
    """
    v = values.dropna()
    if v.empty or pd.api.types.is_bool_dtype(v) or pd.api.types.is_numeric_dtype(v):
        return None
    text = v.astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    for what, pattern in (("e-mail addresses", _EMAIL), ("phone numbers", _PHONE)):
        if float(text.str.match(pattern).mean()) >= IDENTIFIER_SHARE:
            return what
    if len(text) >= IDENTIFIER_MIN_ROWS and text.nunique() >= (1 - 0.05) * len(text):
        return "a different value for nearly every row"
    return None


def personal_columns(table: pd.DataFrame, keep: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Columns of an input table holding personal data, with why: by their name or by their values.

    ``customer_id`` and the columns in ``keep`` (what the study uses: basis, descriptors, ...) are never
    listed; :func:`check_descriptors` has refused a descriptor that identifies people.

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["1", "2"], "Full Name": ["A B", "C D"], "city": ["x", "x"],
    ...                   "手机": ["1", "2"]})
    >>> personal_columns(t)
    {'Full Name': "its name says 'name'", '手机': "its name says '手机'"}
    """
    out: dict[str, str] = {}
    for col in table.columns:
        name = str(col)
        if name == "customer_id" or name in keep:
            continue
        parts = set(re.split(r"[^0-9a-z]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower())) - {""}
        hit = next((p for p in sorted(parts) if p in PERSONAL_NAME_PARTS), None) or next(
            (p for p in PERSONAL_NAME_ZH if p in name), None)
        if hit is not None:
            out[name] = f"its name says {hit!r}"
            continue
        kind = identifier_kind(table[col])
        if kind is not None:
            out[name] = f"it holds {kind}"
    return out


def study_columns(cfg: StudyConfig) -> set[str]:
    """The input columns the study uses beyond the customer id: basis, descriptors, stratification."""
    used = {*cfg.basis, *cfg.descriptors, "satisfaction"}
    if cfg.stratify is not None:
        used |= {cfg.stratify.type_column, cfg.stratify.size_column}
    return used


#: How a refused identifier-like descriptor can be left out instead (the study-file setting, named in the message).
DROP_IDENTIFIERS_HINT = "or set identifier_descriptors: drop in the study file to leave it out with a warning"


def check_descriptors(cfg: StudyConfig, data: StudyData) -> list[str]:
    """Refuse a descriptor that is empty, constant, or identifies people (e-mails, phone numbers, names).

    A descriptor describes segments; one with no values or a single value describes nothing, and one
    holding a personal identifier both leaks it into the reports and makes step 6 test thousands of
    levels. Numeric descriptors with many values (age, income) are fine. With the study file's
    ``identifier_descriptors: drop`` an identifier-like descriptor is removed from ``data`` (so no later
    step sees it) instead of refusing the study.

    Returns
    -------
    list of str
        One warning per descriptor dropped (empty unless ``identifier_descriptors`` is ``drop``).

    Raises
    ------
    DataError
        Naming the file, the column, what was found and a few examples.
    """
    from segkit.errors import DataError

    dropped: list[str] = []
    tables = {"customers": data.customers, "survey": data.survey, "transactions": data.transactions}
    for name in cfg.descriptors:
        table_name, table = next(((t, df) for t, df in tables.items() if df is not None and name in df.columns),
                                 (None, None))
        if table is None or table_name is None:
            continue  # a feature computed later (check_names has found it), or a descriptor already dropped
        file = str(data.files.get(table_name, table_name))
        found = _describes_nothing(name, table, table_name)
        if found is not None:
            raise DataError(found, file=file, column=name)
        found = _identifies_people(name, table, table_name)
        if found is None:
            continue
        if cfg.identifier_descriptors == "drop":
            kept = table.drop(columns=[name])
            kept.attrs = table.attrs
            setattr(data, table_name, kept)
            tables[table_name] = kept
            data.quality.add(table_name, Path(file).name, "identifier_descriptor", n_rows=len(table),
                             n_total=len(table), column=name)
            dropped.append(f"descriptor {name!r} of {Path(file).name} left out: {found}")
            continue
        raise DataError(f"{found}; remove it from descriptors, {DROP_IDENTIFIERS_HINT}", file=file, column=name)
    return dropped


def _descriptor_values(name: str, table: pd.DataFrame, table_name: str) -> tuple[pd.Series, pd.Series]:
    """The descriptor's column (one value per customer for the transactions: the one step 4 uses) and its values."""
    col = table[name]
    if table_name == "transactions":
        col = table.dropna(subset=[name]).groupby("customer_id")[name].agg(lambda v: v.mode().iloc[0])
    values = col.dropna()
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        values = values.astype(str).str.strip()
        values = values[values != ""]
    return col, values


def _describes_nothing(name: str, table: pd.DataFrame, table_name: str) -> str | None:
    col, values = _descriptor_values(name, table, table_name)
    if values.empty:
        return (f"descriptor {name!r} has no value in any of its {len(col):,} rows: it describes nothing; "
                "remove it from descriptors")
    if values.nunique() == 1:
        return (f"descriptor {name!r} holds one value only ({values.iloc[0]!r} in all {len(values):,} rows "
                "with a value): it cannot tell segments apart; remove it from descriptors")
    return None


def _identifies_people(name: str, table: pd.DataFrame, table_name: str) -> str | None:
    """What makes the descriptor identify people, or None."""
    _, values = _descriptor_values(name, table, table_name)
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        # age or income may be unique per person; a long whole number unique per row is an id or a phone
        num = values.astype(float)
        if (len(num) >= IDENTIFIER_MIN_ROWS and num.nunique() >= (1 - 0.05) * len(num)
                and bool((num == num.round()).all()) and float(num.abs().median()) >= 1e6):
            return (f"descriptor {name!r} holds a different long whole number for nearly every row "
                    f"({num.nunique():,} values in {len(num):,}, e.g. {int(num.iloc[0])}): an id or a "
                    "phone number, not a description of groups")
        return None
    text = values.astype(str)
    examples = ", ".join(repr(v) for v in text.head(3))
    for what, pattern in (("e-mail addresses", _EMAIL), ("phone numbers", _PHONE)):
        share = float(text.str.match(pattern).mean())
        if share >= IDENTIFIER_SHARE:
            return (f"descriptor {name!r} looks like {what} ({share:.0%} of its values, e.g. {examples}): "
                    "a personal identifier describes no segment and must not reach the reports")
    if len(text) >= IDENTIFIER_MIN_ROWS and text.nunique() >= (1 - 0.05) * len(text):
        return (f"descriptor {name!r} has a different value for nearly every "
                f"{'customer' if table_name == 'transactions' else 'row'} ({text.nunique():,} values in "
                f"{len(text):,}, e.g. {examples}): it identifies people (a name or an id) rather than "
                "describing groups")
    return None


def stage_audit(data: StudyData, cfg: StudyConfig, folder: RunFolder) -> Path:
    """Hand the audited inputs to a new run folder, for step 2 to take over instead of reading the files."""
    staged = folder.path / STAGED_AUDIT
    data.save(staged)
    (staged / "fingerprint").write_text(audit_fingerprint(cfg), encoding="utf-8")
    return staged


def _take_staged(folder: RunFolder, cfg: StudyConfig) -> StudyData | None:
    staged = folder.path / STAGED_AUDIT
    mark = staged / "fingerprint"
    if not mark.is_file() or mark.read_text(encoding="utf-8") != audit_fingerprint(cfg):
        return None
    return StudyData.load(staged)


def assess(cfg: StudyConfig, brief: dict[str, Any], data: StudyData) -> tuple[dict[str, Any], pd.DataFrame]:
    """The inventory of ``data`` and every method ranked by feasibility and fit with ``brief``.

    Returns
    -------
    inventory : dict
        As :func:`segkit.io.build_inventory`, plus ``basis_kind``.
    ranked : DataFrame
        :func:`segkit.methods.feasibility.rank_methods` of the study.
    """
    inventory = build_inventory(data, cfg)
    inventory["basis_kind"] = basis_kind(cfg, inventory, data.customers)
    stratify = cfg.stratify.model_dump() if cfg.stratify else None
    ranked = rank_methods(brief, inventory, basis_kind=inventory["basis_kind"], k_max=cfg.k_range[1],
                          stratify=stratify, min_history_months=cfg.value.min_history_months)
    return inventory, ranked


def run(ctx: StepContext) -> ResourcesResult:
    """Read and audit the inputs, save the clean tables and the inventory, rank the methods."""
    cfg = ctx.cfg
    brief = ctx.read(artifacts.BRIEF)
    data = _take_staged(ctx.folder, cfg)
    staged = data is not None
    if data is None:
        ctx.progress("reading and auditing the input files")
        data = read_inputs(cfg, progress=ctx.progress)
        for note in check_descriptors(cfg, data):
            ctx.progress(f"warning: {note}")
    personal: dict[str, dict[str, str]] = {}
    for name, artifact in artifacts.TABLES.items():
        table = getattr(data, name)
        if table is None:
            continue
        if name != "transactions":
            # share-safe: names, contacts and addresses the study does not use never enter the run folder
            personal[name] = personal_columns(table, study_columns(cfg))
            table = table.drop(columns=list(personal[name]))
        ctx.write(artifact, table)
    ctx.write(artifacts.QUALITY, data.audit())
    ctx.write(artifacts.JOINS, data.joins)
    inventory, ranked = assess(cfg, brief, data)
    ctx.write(artifacts.INVENTORY, inventory)
    ctx.write(artifacts.FEASIBILITY, ranked)
    # taken over: the run folder keeps the artifacts, not a second copy of the tables
    shutil.rmtree(ctx.folder.path / STAGED_AUDIT, ignore_errors=True)
    survey = inventory["tables"].get("survey") or {}
    return ResourcesResult(inventory=inventory, tables=_table_rows(data, inventory), joins=data.joins,
                           ranked=ranked, survey_items=list(survey.get("items") or []) if survey.get("present")
                           else [], formats=_format_rows(data), ordinal=dict(data.ordinal),
                           transaction_descriptors=data.descriptors, staged=staged,
                           personal={t: c for t, c in personal.items() if c})

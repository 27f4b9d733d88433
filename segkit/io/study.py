"""Load a study's tables: read, validate, fix by rule, link; and describe what is there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from segkit.config import StudyConfig
from segkit.errors import DataError
from segkit.io.join import JOIN_COLUMNS, link_tables
from segkit.io.quality import QualityReport
from segkit.io.readers import read_table
from segkit.io.returns import cap_outliers, net_returns
from segkit.io.schemas import apply_content_rules, check_structure, items_to_01, yes_no_items
from segkit.study.window import StudyWindow

#: Columns segkit adds to transactions (not data columns of the file).
FLAG_COLUMNS = ("after_cutoff", "amount_capped", "returned_amount")


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
        ``after_cutoff`` (outcome period, kept apart) and ``amount_capped``.
    quality : QualityReport
        Rows affected by each rule.
    joins : DataFrame
        One row per pair of tables: distinct ids in each, matched and in one only.
    files : dict
        Table name -> input path.
    """

    customers: pd.DataFrame | None
    transactions: pd.DataFrame | None
    survey: pd.DataFrame | None
    quality: QualityReport
    joins: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=JOIN_COLUMNS))
    files: dict[str, Path] = field(default_factory=dict)

    def summary(self) -> str:
        """Rows per table, then the quality summary."""
        lines = []
        for name in ("customers", "transactions", "survey"):
            df = getattr(self, name)
            if df is not None:
                lines.append(f"{name}: {len(df)} rows, {df['customer_id'].nunique()} customers "
                             f"({self.files[name].name})")
        return "\n".join([*lines, self.quality.summary()])


def _read(cfg: StudyConfig, name: str, report: QualityReport) -> pd.DataFrame:
    spec = getattr(cfg.data, name)
    df = read_table(cfg.resolve(spec.path), encoding=spec.encoding, sheet=spec.sheet, separator=spec.separator,
                    decimal=spec.decimal, columns=spec.columns, date_format=spec.date_format)
    file = df.attrs["file"]
    df.attrs["n_read"] = len(df) + df.attrs["n_blank_rows"]
    report.add(name, file, "blank_row", rows=df.attrs["blank_rows"], n_rows=df.attrs["n_blank_rows"],
               n_total=df.attrs["n_read"])
    formats = df.attrs.get("date_formats", {})
    if len(formats) > 1:
        # The most common format is the norm; rows in the others are the ones to look at.
        report.add(name, file, "mixed_date_formats", rows=df.attrs["mixed_date_rows"],
                   n_rows=sum(formats.values()) - max(formats.values()), n_total=df.attrs["n_read"],
                   column=df.attrs["source_names"].get("date", "date"))
    return df


def load_study_data(
    cfg: StudyConfig, *, today: dt.date | None = None, min_customers: int | None = None
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

    Returns
    -------
    StudyData

    Raises
    ------
    DataError
        On any fatal rule (see ``QUALITY_RULES`` with action "stop").

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
    tables: dict[str, pd.DataFrame | None] = {"customers": None, "transactions": None, "survey": None}
    for name in files:
        spec = getattr(cfg.data, name)
        df = _read(cfg, name, report)
        attrs = dict(df.attrs)
        df = check_structure(df, name, decimal=spec.decimal)
        df.attrs = attrs
        df = apply_content_rules(df, name, today=today, report=report)
        if name == "transactions" and window is not None:
            df = net_returns(df, outcome_start=window.history_end, report=report)
            df = cap_outliers(df, report=report)
            df["after_cutoff"] = window.in_outcome(df["date"])
            report.add(name, attrs["file"], "after_cutoff", rows=df.index[df["after_cutoff"]].tolist(),
                       n_total=attrs["n_read"], column=attrs["source_names"].get("date", "date"))
        if name == "survey":
            for col in yes_no_items(df):
                df[col] = items_to_01(df[col])
        df.attrs = attrs
        tables[name] = df

    tables, joins = link_tables(tables, report=report)
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
                     quality=report, joins=joins, files=files)


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
                    what = f"has the single value {values.iloc[0]!r}" if len(values) else "is empty"
                    raise DataError(
                        f"basis variable {what} in all {len(values)} non-missing rows; it cannot separate "
                        "segments: drop it from basis",
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
        "items": [] if s is None else [col for col in s.columns if str(s[col].dtype) == "Int64"],
        "has_satisfaction": s is not None and "satisfaction" in s.columns and bool(s["satisfaction"].notna().any()),
    }
    return {"n_customers": len(ids), "tables": tables}

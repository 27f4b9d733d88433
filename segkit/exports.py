"""What a consultant hands to a client's CRM: one row per customer, and a segment workbook.

``exports/customers.csv`` and ``exports/customers.xlsx`` hold every customer of the input,
one row each: the segmented ones with their segment number and name, basis features and
value scores, and every customer who was not segmented with the reason (which audit rule
removed them, no purchase up to the cut-off, first purchase after it, a basis variable
missing, ...). ``exports/segments.xlsx`` holds the segments' sizes, profiles, personas,
actions and the verdict on formatted sheets.

Raw customer ids appear in the run folder's pages nowhere; they appear here, or, with the
study file's ``share: {pseudonymise: true}``, keyed pseudonyms replace them
(:func:`pseudonyms`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import ConfigError
from segkit.io.waterfall import STAGE_LABELS
from segkit.study import artifacts
from segkit.study.folder import RunFolder

__all__ = ["CUSTOMER_CSV", "CUSTOMER_EXPORT", "EXCLUSION_REASONS", "PSEUDONYM_KEY_ENV", "SEGMENT_WORKBOOK",
           "CustomerExport", "customer_export", "pseudonyms", "segment_sheets", "write_exports", "write_workbook"]

#: The per-customer export (CSV and Excel share the stem) and the segment workbook, inside ``exports/``.
CUSTOMER_EXPORT = "customers"
SEGMENT_WORKBOOK = "segments.xlsx"
#: The per-customer CSV as pages name it: relative to the run folder.
CUSTOMER_CSV = f"{RunFolder.EXPORTS}/{CUSTOMER_EXPORT}.csv"
#: The environment variable holding the pseudonym key when the study file gives none.
PSEUDONYM_KEY_ENV = "SEGKIT_PSEUDONYM_KEY"
#: Hex digits of the HMAC-SHA256 kept in a pseudonym: 64 bits, no collision among a billion customers
#: in practice, short enough for a CRM field.
PSEUDONYM_DIGITS = 16

#: Why a customer of the input has no segment, by reason key. The audit's rules add theirs
#: (``audit:<rule>``, worded by :data:`segkit.io.waterfall.STAGE_LABELS`).
EXCLUSION_REASONS = {
    "segmented": "",
    "after_cutoff": "first purchase after the cut-off: no history to segment on yet",
    "before_history": "purchases only before the study window",
    "no_purchase": "no purchase in the transactions up to the cut-off",
    "no_purchase_left": "no purchase left up to the cut-off (returned in full, or zero amounts only)",
    "not_in_survey": "no answers in the survey, which is the segmentation basis",
    "basis_incomplete": "a basis variable is missing",
}
#: Value scores of the customer table the export carries, when present, with a readable header.
VALUE_COLUMNS = {"monetary_total": "spend up to the cut-off", "current_value": "current value (spend per month)",
                 "clv": "potential value (CLV)", "p_alive": "probability still active", "loyalty": "loyalty"}
#: Per-customer columns that always come first.
ID_COLUMNS = ("customer_id", "segment", "segment_name", "status", "reason")


@dataclass(frozen=True)
class CustomerExport:
    """The per-customer export of a run.

    Attributes
    ----------
    table : DataFrame
        One row per customer of the input: :data:`ID_COLUMNS`, then the basis
        features, then the value scores (and ``likelihood to buy``).
    basis : list of str
        The basis features among the columns.
    pseudonymised : bool
        Whether ``customer_id`` holds keyed pseudonyms instead of the raw ids.
    """

    table: pd.DataFrame
    basis: list[str]
    pseudonymised: bool = False

    @property
    def n_rows(self) -> int:
        return int(len(self.table))

    @property
    def n_excluded(self) -> int:
        return int((self.table["status"] != "segmented").sum())

    @property
    def reasons(self) -> pd.DataFrame:
        """Customers per status and reason, segmented first: ``status``, ``reason``, ``customers``."""
        t = self.table.groupby(["status", "reason"], dropna=False).size().rename("customers").reset_index()
        return t.sort_values(["status", "customers"], ascending=[False, False], kind="stable").reset_index(drop=True)


def pseudonyms(ids: pd.Series, key: str | bytes) -> pd.Series:
    """Keyed pseudonyms of customer ids: HMAC-SHA256 of the id under ``key``, first 16 hex digits.

    The same id and key always give the same pseudonym (a client can match two runs' exports); without
    the key nobody can recompute them from a list of candidate ids, unlike a plain hash.

    Examples
    --------
    >>> pseudonyms(pd.Series(["C001", "C002", "C001"]), "secret").tolist()
    ['0297db31e03d5d60', '6441af463953237a', '0297db31e03d5d60']
    """
    k = key.encode("utf-8") if isinstance(key, str) else key
    if not k:
        raise ConfigError("the pseudonym key is empty: give share.pseudonym_key in the study file or set "
                          f"{PSEUDONYM_KEY_ENV}")
    return ids.astype(str).map(
        lambda v: hmac.new(k, v.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_DIGITS])


def pseudonym_key(share: Any) -> str | None:
    """The key of the study's ``share`` settings: the study file's, else the environment's; None when off.

    Raises
    ------
    ConfigError
        When pseudonyms are asked for and neither gives a key.
    """
    if share is None or not getattr(share, "pseudonymise", False):
        return None
    key = getattr(share, "pseudonym_key", None) or os.environ.get(PSEUDONYM_KEY_ENV)
    if not key:
        raise ConfigError(f"share.pseudonymise is true but there is no key: set share.pseudonym_key in the study "
                          f"file or the environment variable {PSEUDONYM_KEY_ENV}")
    return str(key)


def _read(run: RunFolder, artifact: artifacts.Artifact) -> Any:
    try:
        return run.read_optional(artifact)
    except (OSError, ValueError):
        return None


def _audit_losses(quality: dict[str, Any] | None) -> dict[str, str]:
    """Customer id -> the first audit rule that removed all of the customer's lines."""
    lost: dict[str, str] = {}
    for stage in (quality or {}).get("ledger") or []:
        for cid in stage.get("lost_ids") or []:
            lost.setdefault(str(cid), stage["rule"])
    return lost


def _reason_text(key: str) -> str:
    if key.startswith("audit:"):
        rule = key.split(":", 1)[1]
        if rule in EXCLUSION_REASONS:
            return EXCLUSION_REASONS[rule]
        return f"excluded by the data audit: {STAGE_LABELS.get(rule, rule.replace('_', ' '))}"
    return EXCLUSION_REASONS[key]


def customer_export(run_dir: Path | str, *, key: str | None = None) -> CustomerExport:
    """One row per customer of the input, segmented or not, read from a run folder's artifacts.

    Parameters
    ----------
    run_dir : path
        A run folder whose steps 2-5 have run.
    key : str, optional
        Replace the customer ids by keyed pseudonyms (:func:`pseudonyms`).
    """
    run = RunFolder(run_dir)
    assignments = run.read(artifacts.ASSIGNMENTS)
    table = run.read(artifacts.CUSTOMER_TABLE)
    method = _read(run, artifacts.METHOD) or {}
    transactions = _read(run, artifacts.TABLE_TRANSACTIONS)
    customers = _read(run, artifacts.TABLE_CUSTOMERS)
    survey = _read(run, artifacts.TABLE_SURVEY)
    lost = _audit_losses(_read(run, artifacts.QUALITY))
    likelihood = _read(run, artifacts.LIKELIHOOD_TO_BUY)

    reason: dict[str, str] = {}
    # the order says which reason wins: the audit's rule, then what is left of the customer's purchases
    for cid, rule in lost.items():
        reason.setdefault(cid, f"audit:{rule}")
    if transactions is not None:
        tx = transactions.assign(customer_id=transactions["customer_id"].astype(str))
        after = tx["after_cutoff"].astype(bool)
        history_buyers = set(tx.loc[~after & (tx["amount"] > 0), "customer_id"])
        for cid in set(tx.loc[~after, "customer_id"]) - history_buyers:
            reason.setdefault(cid, "no_purchase_left")
        for cid in set(tx.loc[after, "customer_id"]) - set(tx.loc[~after, "customer_id"]):
            reason.setdefault(cid, "after_cutoff")
        for cid in set(customers["customer_id"].astype(str)) - set(tx["customer_id"]) if customers is not None \
                else ():
            reason.setdefault(cid, "no_purchase")
    elif survey is not None and customers is not None:
        for cid in set(customers["customer_id"].astype(str)) - set(survey["customer_id"].astype(str)):
            reason.setdefault(cid, "not_in_survey")
    segmented = set(assignments["customer_id"].astype(str))
    known = set(reason)
    for t in (customers, survey, transactions):
        if t is not None:
            known |= set(t["customer_id"].astype(str))
    for cid in known - set(reason):
        reason[cid] = "basis_incomplete"
    for cid in segmented:
        reason[cid] = "segmented"

    basis = [c for c in (method.get("basis") or []) if c in table.columns]
    values = [c for c in VALUE_COLUMNS if c in table.columns and c not in basis]
    ids = sorted(known | segmented)
    out = pd.DataFrame({"customer_id": ids})
    seg = assignments.assign(customer_id=assignments["customer_id"].astype(str))[
        ["customer_id", "segment", "segment_name"]]
    out = out.merge(seg, on="customer_id", how="left", validate="one_to_one")
    out["segment"] = out["segment"].astype("Int64")
    keys = out["customer_id"].map(reason)
    out["status"] = np.where(keys == "segmented", "segmented", "not segmented")
    out["reason"] = keys.map(_reason_text)
    feats = table.assign(customer_id=table["customer_id"].astype(str))[["customer_id", *basis, *values]]
    out = out.merge(feats, on="customer_id", how="left", validate="one_to_one")
    out = out.rename(columns=VALUE_COLUMNS)
    if likelihood is not None:
        lk = likelihood.assign(customer_id=likelihood["customer_id"].astype(str))[["customer_id", "score"]]
        out = out.merge(lk.rename(columns={"score": "likelihood to buy"}), on="customer_id", how="left",
                        validate="one_to_one")
    out = _rounded(out)
    if key is not None:
        out["customer_id"] = pseudonyms(out["customer_id"], key)
    return CustomerExport(out, basis, pseudonymised=key is not None)


#: Decimals kept in the export: shares and probabilities (values within -1..1) and everything else (money, days).
SHARE_DECIMALS, VALUE_DECIMALS = 4, 2


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Float columns rounded for a CRM: a probability to 4 decimals, money and days to the cent.

    Full float precision would more than double the CSV for digits nobody reads.
    """
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            small = bool(out[col].abs().max(skipna=True) <= 1) if out[col].notna().any() else True
            out[col] = out[col].round(SHARE_DECIMALS if small else VALUE_DECIMALS)
    return out


def segment_sheets(run_dir: Path | str) -> dict[str, pd.DataFrame]:
    """The sheets of the segment workbook: segments (size, value, action, persona), profiles, verdict."""
    run = RunFolder(run_dir)
    sheets: dict[str, pd.DataFrame] = {}
    segs = pd.DataFrame(_read(run, artifacts.SEGMENTS) or [])
    extra = pd.DataFrame(_read(run, artifacts.SEGMENT_PROFILES) or [])
    if len(segs):
        if len(extra):
            segs = segs.merge(extra[[c for c in extra.columns if c not in ("name",)]], on="segment", how="left")
        keep = [c for c in ("segment", "name", "n_customers", "share", "value_share", "action", "description",
                            "persona") if c in segs.columns]
        sheets["segments"] = segs[keep].rename(columns={"n_customers": "customers", "value_share": "value share"})
    sizes = _read(run, artifacts.SIZES)
    if sizes is not None:
        sheets["sizes and value"] = sizes
    profiles = _read(run, artifacts.PROFILES)
    if profiles is not None:
        sheets["profiles"] = profiles
    verdict = _read(run, artifacts.VERDICT) or {}
    if verdict.get("table"):
        v = pd.DataFrame(verdict["table"])
        v["result"] = v["passed"].map({True: "pass", False: "FAIL"}).fillna("not measured")
        keep = [c for c in ("result", "criterion", "kind", "value_text", "threshold_text") if c in v.columns]
        sheets["verdict"] = pd.concat([
            v[keep].rename(columns={"value_text": "measured", "threshold_text": "threshold"}),
            pd.DataFrame({"result": ["summary"], "criterion": [verdict.get("summary")]})], ignore_index=True)
    return sheets


#: Column formats of the workbooks, by how a column is named.
_PERCENT = ("share", "value share", "probability still active", "likelihood to buy")


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write ``sheets`` to an Excel workbook a client can read: bold header, frozen, widths and number formats."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, df in sheets.items():
            sheet = name[:31]  # Excel's limit
            df.to_excel(xl, sheet_name=sheet, index=False)
            ws = xl.sheets[sheet]
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = PatternFill("solid", fgColor="1F3A5F")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for i, col in enumerate(df.columns, start=1):
                s = df[col]
                # object first: a string column keeps its missing values through astype(str), with no length
                lengths = s.astype(object).map(lambda v: len(str(v))) if len(s) else pd.Series([0])
                width = min(60, max(len(str(col)), int(lengths.quantile(0.95))) + 2)
                ws.column_dimensions[get_column_letter(i)].width = max(8, width)
                if pd.api.types.is_float_dtype(s):
                    fmt = "0.0%" if str(col).lower() in _PERCENT or str(col).endswith("_share") else "#,##0.00"
                elif pd.api.types.is_integer_dtype(s):
                    fmt = "#,##0" if str(col) not in ("segment",) else "0"
                else:
                    fmt = None
                if fmt:
                    for row in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                        row[0].number_format = fmt
                elif width >= 60:
                    for row in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    return path


def write_exports(run_dir: Path | str, *, key: str | None = None) -> CustomerExport:
    """Write the per-customer export (CSV, Excel) and the segment workbook into the run's ``exports/``.

    Returns the per-customer export; ``exports/`` holds ``customers.csv``, ``customers.xlsx`` and, once
    step 5 has run, ``segments.xlsx``.
    """
    run = RunFolder(run_dir)
    export = customer_export(run.path, key=key)
    run.exports_dir.mkdir(exist_ok=True)
    csv = run.exports_dir / f"{CUSTOMER_EXPORT}.csv"
    # UTF-8 with BOM: Excel opens Chinese names and categories correctly from a double-click
    export.table.to_csv(csv, index=False, encoding="utf-8-sig")
    write_workbook(run.exports_dir / f"{CUSTOMER_EXPORT}.xlsx",
                   {"customers": export.table, "why not segmented": export.reasons})
    sheets = segment_sheets(run.path)
    if sheets:
        write_workbook(run.exports_dir / SEGMENT_WORKBOOK, sheets)
    return export

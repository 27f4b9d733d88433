"""Step 2, resources: what data the study has, and which methods it makes feasible.

Reads and audits the input files (the audit itself is reported in step 4),
saves the clean tables for the later steps, describes what is there (the
inventory) and ranks every method segkit offers by feasibility and fit with
the brief.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.config import StudyConfig
from segkit.io import StudyData, build_inventory, load_study_data
from segkit.methods.feasibility import feasibility_matrix, rank_methods
from segkit.pipeline import basis_kind
from segkit.study import artifacts
from segkit.study.context import StepContext

__all__ = ["ResourcesResult", "assess", "run"]


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

    @property
    def basis_kind(self) -> str:
        """``numeric``, ``binary`` or ``mixed``."""
        return str(self.inventory["basis_kind"])

    @property
    def n_customers(self) -> int:
        return int(self.inventory["n_customers"])

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
        rows.append({"table": name, "file": data.files[name].name if name in data.files else "",
                     "rows": info["n_rows"], "customers": info["n_customers"],
                     "columns": len(info.get("columns") or info.get("items") or []), "covers": covers})
    return pd.DataFrame(rows)


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
    ctx.progress("reading and auditing the input files")
    data = load_study_data(cfg)
    for name, artifact in artifacts.TABLES.items():
        table = getattr(data, name)
        if table is not None:
            ctx.write(artifact, table)
    ctx.write(artifacts.QUALITY, data.quality.to_dict())
    ctx.write(artifacts.JOINS, data.joins)
    inventory, ranked = assess(cfg, brief, data)
    ctx.write(artifacts.INVENTORY, inventory)
    ctx.write(artifacts.FEASIBILITY, ranked)
    survey = inventory["tables"].get("survey") or {}
    return ResourcesResult(inventory=inventory, tables=_table_rows(data, inventory), joins=data.joins,
                           ranked=ranked, survey_items=list(survey.get("items") or []) if survey.get("present")
                           else [])

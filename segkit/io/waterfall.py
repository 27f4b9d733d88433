"""The audit's waterfall: rows, customers and money from the raw file to the analysed customers.

Each rule of the audit that removes or changes transaction lines is a stage. After
each stage the ledger records what is left (rows, distinct customers, the total
amount and, where given, margin), each total rounded to the cent; what a rule
excluded is the difference between the totals before and after it. So the raw
file's total equals the analysed total plus every rule's excluded money, to the
cent, by construction; the tests check that each rule's figure is what the rule
did (e.g. the money of the lines without a customer id).

A netted cancellation moves money between lines (the purchase shrinks by what the
credit note gives back), so it excludes nothing but what could not be netted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Columns of :func:`waterfall_table`.
WATERFALL_COLUMNS = ("stage", "rule", "label", "rows", "customers", "amount", "margin", "rows_left",
                     "customers_left", "amount_left", "margin_left")

#: What each stage is called in the report.
STAGE_LABELS = {
    "raw": "raw file",
    "blank_row": "blank rows",
    "missing_customer_id": "no customer id",
    "missing_required": "no date or amount",
    "duplicate_row": "exact duplicates",
    "future_date": "dates in the future",
    "non_product": "non-product lines",
    "non_positive_amount": "zero or negative prices",
    "return_netted": "cancellations netted",
    "return_unmatched": "cancellations without a purchase to net",
    "outlier_capped": "outliers capped",
    "orphan_transactions": "customers not in the customers table",
    "before_history": "before the study window",
    "after_cutoff": "after the cut-off (outcome period)",
    "no_purchase_left": "no purchase left in the history",
    "basis_incomplete": "a basis variable missing",
    "analysed": "analysed customers",
}
#: Stages shown even when they found nothing: the audit a client asks for names them.
ALWAYS_SHOWN = ("missing_customer_id", "duplicate_row", "non_product", "non_positive_amount", "return_netted",
                "outlier_capped", "after_cutoff")


def _cents(x: float) -> float:
    return float(np.round(x, 2)) + 0.0  # + 0.0 turns -0.0 into 0.0


@dataclass
class Ledger:
    """What is left of the transactions after each rule (see the module docstring).

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["a", None, "b"], "amount": [10.0, 5.5, 2.25]})
    >>> led = Ledger()
    >>> led.record("raw", df)
    >>> led.record("missing_customer_id", df.dropna(), rows=1)
    >>> waterfall_table(led.stages)[["label", "rows", "customers", "amount", "amount_left"]].values.tolist()
    [['raw file', 0, 0, 0.0, 17.75], ['no customer id', 1, 0, 5.5, 12.25]]
    """

    stages: list[dict[str, Any]] = field(default_factory=list)
    has_margin: bool = False
    # the ids left after the last stage, to name the customers a rule removes entirely (``lost_ids``)
    _ids: set[str] | None = field(default=None, repr=False)

    def record(self, rule: str, df: pd.DataFrame, *, rows: int | None = None, amount: str = "amount",
               extra_rows: int = 0) -> None:
        """Record what is left in ``df`` after ``rule``; ``rows`` is how many lines the rule affected.

        Without ``rows``, the lines the rule removed (the drop in row count) are counted.
        """
        self.has_margin = self.has_margin or "margin" in df.columns
        left = int(len(df)) + extra_rows
        if rows is None:
            rows = (self.stages[-1]["rows_left"] - left) if self.stages else 0
        margin = _cents(float(df["margin"].sum())) if "margin" in df.columns else None
        n_customers = int(df["customer_id"].nunique())
        lost: list[str] = []
        # the ids are compared only when the count dropped: most rules remove lines, not whole customers
        if self._ids is None or n_customers < len(self._ids) or not self.stages:
            ids = set(df["customer_id"].dropna().astype(str))
            lost = sorted(self._ids - ids) if self._ids is not None else []
            self._ids = ids
        self.stages.append({
            "rule": rule, "rows": int(rows), "rows_left": left,
            "customers_left": n_customers,
            "amount_left": _cents(float(df[amount].sum())), "margin_left": margin,
            "lost_ids": lost,
        })

    def to_list(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.stages]


def waterfall_table(stages: list[dict[str, Any]], *, all_stages: bool = False) -> pd.DataFrame:
    """The ledger's stages as a table: what each rule excluded and what was left.

    ``customers`` are the customers no longer in the data after the rule; ``amount``
    and ``margin`` the money it excluded (before minus after, to the cent). Stages
    that changed nothing are left out unless they are in :data:`ALWAYS_SHOWN` (or
    ``all_stages``).
    """
    rows = []
    prev: dict[str, Any] | None = None
    for i, s in enumerate(stages):
        margin_prev = prev.get("margin_left") if prev else None
        margin = (_cents(margin_prev - s["margin_left"])
                  if prev is not None and margin_prev is not None and s.get("margin_left") is not None else None)
        row = {
            "stage": i, "rule": s["rule"], "label": STAGE_LABELS.get(s["rule"], s["rule"].replace("_", " ")),
            "rows": 0 if prev is None else int(s["rows"]),
            "customers": 0 if prev is None else int(prev["customers_left"] - s["customers_left"]),
            "amount": 0.0 if prev is None else _cents(prev["amount_left"] - s["amount_left"]),
            "margin": 0.0 if prev is None and s.get("margin_left") is not None else margin,
            "rows_left": int(s["rows_left"]), "customers_left": int(s["customers_left"]),
            "amount_left": float(s["amount_left"]), "margin_left": s.get("margin_left"),
        }
        prev = s
        changed = row["rows"] or row["customers"] or row["amount"] or (row["margin"] or 0)
        if i == 0 or i == len(stages) - 1 or changed or all_stages or s["rule"] in ALWAYS_SHOWN:
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(WATERFALL_COLUMNS))
    if out["margin_left"].isna().all():
        out = out.assign(margin=np.nan, margin_left=np.nan)
    return out


def plot_waterfall(table: pd.DataFrame, ax=None, *, currency: str = ""):
    """A waterfall of the money: the raw total, each rule's exclusion, the analysed total. Returns the Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.42 * len(table) + 1.2))
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    labels, lefts, widths, colors = [], [], [], []
    for i, r in enumerate(table.itertuples()):
        if i == 0 or i == len(table) - 1:
            labels.append(f"{r.label}")
            lefts.append(0.0)
            widths.append(r.amount_left)
            colors.append("#4C72B0")
            continue
        before = r.amount_left + r.amount
        labels.append(r.label)
        lefts.append(min(before, r.amount_left))
        widths.append(abs(r.amount))
        colors.append("#C44E52" if r.amount > 0 else "#55A868" if r.amount < 0 else "#BBBBBB")
    y = np.arange(len(labels))
    bars = ax.barh(y, widths, left=lefts, color=colors)
    texts = []
    for i, r in enumerate(table.itertuples()):
        value = r.amount_left if i in (0, len(table) - 1) else -r.amount + 0.0
        texts.append(f"{value:+,.2f}" if 0 < i < len(table) - 1 and value else f"{value:,.2f}")
    ax.bar_label(bars, labels=texts, padding=3, fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(f"money{f' ({currency})' if currency else ''}; red takes money out, green puts it back")
    ax.margins(x=0.18)
    ax.grid(axis="y", visible=False)
    ax.set_title("From the raw file to the analysed customers: money at each rule")
    return ax

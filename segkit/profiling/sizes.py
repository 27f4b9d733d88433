"""Size and value of each segment, and the whale curve of profit by customer.

:func:`segment_sizes` says how big and how valuable each segment is;
:func:`whale_curve` ranks customers by profit to show where the profit comes
from and which segments hold the loss-making customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.assignments import check_assignments, join_on_customer, segment_names
from segkit.errors import DataError
from segkit.figures import new_axes
from segkit.palette import DARK_GREY, segment_label, segment_palette

__all__ = ["WhaleCurve", "segment_sizes", "whale_curve"]


def segment_sizes(
    assignments: pd.DataFrame,
    features: pd.DataFrame,
    *,
    value_col: str = "monetary_total",
    profit_col: str | None = None,
) -> pd.DataFrame:
    """Size and value of each segment, with value per customer indexed to the base.

    Parameters
    ----------
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    features : DataFrame
        ``customer_id`` and ``value_col`` (and ``profit_col``).
    value_col : str
        What a customer is worth (e.g. spend before the cut-off).
    profit_col : str, optional
        A profit or margin column; adds ``profit``, ``profit_share``,
        ``profit_per_customer`` and ``profit_index``.

    Returns
    -------
    DataFrame
        One row per segment: ``segment``, ``name``, ``n``, ``share``,
        ``value``, ``value_share``, ``value_per_customer`` and ``value_index``
        (value per customer, base = 100). Customers missing from
        ``features`` count in ``n`` but add no value.

    Examples
    --------
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": [1, 1, 2],
    ...                   "segment_name": ["Big", "Big", "Small"]})
    >>> f = pd.DataFrame({"customer_id": ["a", "b", "c"], "monetary_total": [60.0, 30.0, 10.0]})
    >>> segment_sizes(a, f)[["segment", "n", "value_share", "value_index"]]
       segment  n  value_share  value_index
    0        1  2          0.9        135.0
    1        2  1          0.1         30.0
    """
    a = check_assignments(assignments)
    # profit may be measured by the value column itself (no margin in the data): join it once
    cols = list(dict.fromkeys([value_col] + ([profit_col] if profit_col else [])))
    df = join_on_customer(a, features, cols, table_name="features", how="left")
    names = segment_names(a)
    g = df.groupby("segment")
    out = pd.DataFrame({"segment": sorted(names)})
    out["name"] = out["segment"].map(names)
    out["n"] = out["segment"].map(g.size()).astype(int)
    out["share"] = out["n"] / out["n"].sum()
    for col, stem in [(value_col, "value")] + ([(profit_col, "profit")] if profit_col else []):
        total = out["segment"].map(g[col].sum()).astype(float)
        out[stem] = total
        out[f"{stem}_share"] = total / total.sum() if total.sum() != 0 else np.nan
        out[f"{stem}_per_customer"] = total / out["n"]
        base = total.sum() / out["n"].sum()
        out[f"{stem}_index"] = out[f"{stem}_per_customer"] / base * 100 if base != 0 else np.nan
    return out


@dataclass(frozen=True)
class WhaleCurve:
    """Cumulative profit with customers ranked from most to least profitable.

    Attributes
    ----------
    table : DataFrame
        One row per customer: ``rank``, ``customer_id``, ``segment``,
        ``segment_name``, ``profit``, ``cum_profit``, ``cum_profit_share``
        (of total profit), ``cum_customer_share``.
    total_profit : float
    share_for_80 : float
        Smallest share of customers that yields 80% of total profit.
    peak_profit_share : float
        Highest point of the curve, as a share of total profit (above 1 when
        some customers lose money).
    peak_customer_share : float
        Share of customers at the peak; the rest destroy profit.
    label : str
        What the curve ranks by, in words (``"profit"``; ``"spend"`` when the
        data have no margin and spend stands in for profit). Tables and the
        figure use it, so a curve of spend never says profit.
    """

    table: pd.DataFrame
    total_profit: float
    share_for_80: float
    peak_profit_share: float
    peak_customer_share: float
    label: str = "profit"

    def by_segment(self) -> pd.DataFrame:
        """Per segment: customers, share of the total, and how many customers are below zero.

        Returns
        -------
        DataFrame
            ``segment``, ``segment_name``, ``n``, then for profit ``profit``,
            ``n_loss_making``, ``profit_share``, ``loss_making_share``; for
            another label (``"spend"``) ``spend``, ``n_negative_spend``,
            ``spend_share``, ``negative_spend_share``.
        """
        t = self.table
        g = t.groupby(["segment", "segment_name"])
        out = g.agg(n=("profit", "size"), profit=("profit", "sum"),
                    n_loss_making=("profit", lambda p: int((p < 0).sum()))).reset_index()
        out["profit_share"] = out["profit"] / self.total_profit if self.total_profit else np.nan
        out["loss_making_share"] = out["n_loss_making"] / out["n"]
        if self.label == "profit":
            return out
        lab = self.label.replace(" ", "_")
        return out.rename(columns={"profit": lab, "n_loss_making": f"n_negative_{lab}",
                                   "profit_share": f"{lab}_share", "loss_making_share": f"negative_{lab}_share"})

    def summary(self) -> pd.DataFrame:
        """The curve's key numbers in one small table."""
        n_loss = int((self.table["profit"] < 0).sum())
        what = self.label
        below = "loss-making customers" if what == "profit" else f"customers with negative {what}"
        return pd.DataFrame({
            "measure": ["customers", f"total {what}", f"share of customers yielding 80% of {what}",
                        f"peak of the curve (share of total {what})", "share of customers at the peak", below],
            "value": [len(self.table), self.total_profit, self.share_for_80, self.peak_profit_share,
                      self.peak_customer_share, n_loss],
        })

    def plot(self, ax=None):
        """The whale curve; points coloured by segment. Returns the Axes."""
        ax = new_axes(ax, (8, 5.5))
        t = self.table
        x, y = t["cum_customer_share"] * 100, t["cum_profit_share"] * 100
        ax.plot(np.r_[0, x], np.r_[0, y], color=DARK_GREY, lw=1, zorder=1)
        step = max(1, len(t) // 3000)  # thin the dots, never the line
        pal = segment_palette(sorted(t["segment"].unique()))
        sub = t.iloc[::step]
        for s, grp in sub.groupby("segment"):
            ax.scatter(grp["cum_customer_share"] * 100, grp["cum_profit_share"] * 100, s=10, color=pal[s],
                       label=segment_label(s, grp["segment_name"].iloc[0]), zorder=2)
        ax.axhline(100, color=DARK_GREY, ls="--", lw=0.8)
        ax.axhline(80, color=DARK_GREY, ls=":", lw=0.8)
        what = self.label
        if np.isfinite(self.share_for_80):
            ax.annotate(f"{self.share_for_80:.0%} of customers\nyield 80% of {what}",
                        (self.share_for_80 * 100, 80), xytext=(15, -40), textcoords="offset points",
                        arrowprops={"arrowstyle": "->", "color": DARK_GREY}, fontsize=9)
        if self.peak_profit_share > 1.0001:
            # same precision as the report's sentence; drawn below the curve, clear of the title
            ax.annotate(f"peak {self.peak_profit_share:.1%} of total {what}\nat {self.peak_customer_share:.1%}"
                        " of customers", (self.peak_customer_share * 100, self.peak_profit_share * 100),
                        xytext=(-20, -45), textcoords="offset points", ha="right", fontsize=9,
                        arrowprops={"arrowstyle": "->", "color": DARK_GREY})
        ax.set_xlim(0, 100)
        first = "most profitable first" if what == "profit" else f"highest {what} first"
        ax.set_xlabel(f"customers, {first} (% of all customers)")
        ax.set_ylabel(f"cumulative {what} (% of total {what})")
        ax.set_title(f"Whale curve: where the {what} comes from")
        ax.legend(title="segment", fontsize=8, markerscale=1.5, loc="lower right")
        return ax


def whale_curve(features: pd.DataFrame, assignments: pd.DataFrame, *, profit_col: str,
                label: str = "profit") -> WhaleCurve:
    """Rank customers by profit and accumulate it: the whale curve.

    Parameters
    ----------
    features : DataFrame
        ``customer_id`` and ``profit_col``.
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    profit_col : str
        Profit (or margin) per customer; may be negative.
    label : str
        What ``profit_col`` measures, in words, for the tables and the figure
        (``"spend"`` when spend stands in for a missing margin).

    Returns
    -------
    WhaleCurve
        ``share_for_80`` and the peak are NaN when total profit is not positive.

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": list("abcd"), "margin_total": [50.0, 30, 30, -10]})
    >>> a = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2]})
    >>> w = whale_curve(f, a, profit_col="margin_total")
    >>> w.share_for_80, w.peak_profit_share, w.peak_customer_share
    (0.5, 1.1, 0.75)
    """
    a = check_assignments(assignments)
    df = join_on_customer(a, features, [profit_col], table_name="features")
    df = df.rename(columns={profit_col: "profit"})
    if df["profit"].isna().any():
        raise DataError(f"{int(df['profit'].isna().sum())} customers have no {profit_col}", column=profit_col)
    # ties broken by customer id so the curve is reproducible
    df = df.sort_values(["profit", "customer_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    total = float(df["profit"].sum())
    n = len(df)
    df.insert(0, "rank", np.arange(1, n + 1))
    df["cum_profit"] = df["profit"].cumsum()
    df["cum_customer_share"] = df["rank"] / n
    if total > 0:
        df["cum_profit_share"] = df["cum_profit"] / total
        reach = np.flatnonzero(df["cum_profit_share"].to_numpy() >= 0.8 - 1e-12)
        share80 = float(df["cum_customer_share"].iloc[reach[0]])
        ipeak = int(df["cum_profit"].to_numpy().argmax())
        peak, peak_share = float(df["cum_profit_share"].iloc[ipeak]), float(df["cum_customer_share"].iloc[ipeak])
    else:
        df["cum_profit_share"] = np.nan
        share80 = peak = peak_share = np.nan
    cols = ["rank", "customer_id", "segment", "segment_name", "profit", "cum_profit", "cum_profit_share",
            "cum_customer_share"]
    return WhaleCurve(df[cols], total, round(share80, 12), round(peak, 12), round(peak_share, 12), label)

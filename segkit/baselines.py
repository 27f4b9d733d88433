"""Honest baselines for step 7: do the segments beat what an analyst would do without them?

Lift against random targeting flatters any segmentation that puts the big
spenders together: ranking customers by what they spent before the cut-off
reaches most of the same later revenue with no segmentation at all.
:func:`baseline_lift` measures each segment, and the target segments of step 6
together, against three baselines of the same size:

* **random**: the whole base (lift = group mean / base mean);
* **past spend**: as many customers as the group, those with the highest spend
  up to the cut-off (ties broken by past frequency);
* **past frequency**: as many customers with the most orders up to the cut-off
  (ties broken by past spend).

The lift over a baseline is the group's later outcome per customer divided by
the baseline's. Intervals are 95% percentile bootstrap intervals over
customers: every resample re-draws the customers, so the group, the base and
the heuristic's top customers all vary together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.criteria import OUTCOME_WORDS
from segkit.errors import DataError
from segkit.figures import new_axes, pretty
from segkit.i18n import translate
from segkit.palette import DARK_GREY

__all__ = ["BASELINES", "N_BOOT", "BaselineLift", "baseline_lift", "heuristic_scores"]

#: The heuristics a segmentation must beat: name -> (customer-table column ranked, tie-breaking column).
BASELINES: dict[str, tuple[str, str]] = {
    "past spend": ("monetary_total", "frequency"),
    "past frequency": ("frequency", "monetary_total"),
}
#: Bootstrap resamples of the intervals.
N_BOOT = 200
#: The group of step 6's target segments, measured together.
TARGETS = "target segments"
_COLOURS = {"random": "#9AA5B1", "past spend": "#d55e00", "past frequency": "#0173b2"}


@dataclass(frozen=True)
class BaselineLift:
    """Lift of each segment and of the target segments over random targeting and over the heuristics.

    Attributes
    ----------
    table : DataFrame
        Tidy, one row per group and baseline: ``group`` ("3. Name" or "target segments"),
        ``segment`` (NaN for the target group), ``n``, ``share`` (of customers), ``mean`` (later
        outcome per customer), ``outcome_share`` (share of the later outcome), ``baseline``
        ("random", "past spend", "past frequency"), ``baseline_mean``, ``baseline_share`` (share of
        the later outcome the baseline's customers brought), ``lift`` (mean / baseline_mean),
        ``ci_low``, ``ci_high``.
    outcome : str
        The outcome after the cut-off (``revenue_after``).
    targets : list of int
        Step 6's target segments (empty: no target group).
    n_boot : int
    """

    table: pd.DataFrame
    outcome: str
    targets: list[int]
    n_boot: int

    def summary(self) -> pd.DataFrame:
        """One row per group: its share of customers and of the outcome, and its lift over each baseline."""
        t = self.table
        wide = t.pivot_table(index="group", columns="baseline", values="lift", sort=False)
        first = t.drop_duplicates("group").set_index("group")[["n", "share", "outcome_share"]]
        out = first.join(wide.rename(columns=lambda b: f"lift vs {b}")).reset_index()
        return out

    def row(self, group: str, baseline: str) -> pd.Series:
        """The table's row of one group and baseline."""
        t = self.table
        hit = t[(t["group"] == group) & (t["baseline"] == baseline)]
        if hit.empty:
            raise KeyError(f"no row for group {group!r} and baseline {baseline!r}")
        return hit.iloc[0]

    @property
    def beats(self) -> str | None:
        """Whether the target segments beat ranking by past spend: ``"beat"``, ``"no better"`` or ``"worse"``.

        "beat" when the whole 95% interval of the lift over past spend lies above 1 as the report
        rounds it (two decimals), "worse" when it lies below, "no better" when it reaches 1; None
        without target segments.
        """
        if not self.targets:
            return None
        r = self.row(TARGETS, "past spend")
        lo, hi = round(float(r["ci_low"]), 2), round(float(r["ci_high"]), 2)
        return "beat" if lo > 1 else "worse" if hi < 1 else "no better"

    @property
    def conclusion(self) -> str | None:
        """The answer in one sentence with its numbers (the index page's verdict); None without target segments."""
        if not self.targets:
            return None
        sp = self.row(TARGETS, "past spend")
        # English templates translated before their numbers go in (segkit.i18n)
        lift = translate("lift {lift}, 95% interval {lo} to {hi}").format(
            lift=f"{sp['lift']:.2f}", lo=f"{sp['ci_low']:.2f}", hi=f"{sp['ci_high']:.2f}")
        template = {
            "beat": "The target segments beat as many customers ranked by past spend ({lift}).",
            "no better": "The target segments do not clearly beat as many customers ranked by past spend ({lift}).",
            "worse": "As many customers ranked by past spend do better on {what} than the target segments ({lift}).",
        }[str(self.beats)]
        return translate(template).format(lift=lift,
                                          what=translate(OUTCOME_WORDS.get(self.outcome, pretty(self.outcome))))

    @property
    def headline(self) -> str:
        """The answer in words, every number from :attr:`table`."""
        what = OUTCOME_WORDS.get(self.outcome, pretty(self.outcome))
        if not self.targets:
            return (f"Step 6 chose no target segment, so there is no target group to compare; each segment's lift "
                    f"in {what} over random targeting and over ranking by past spend is in the table.")
        rnd, sp, fr = (self.row(TARGETS, b) for b in ("random", "past spend", "past frequency"))
        segs = ", ".join(str(s) for s in self.targets)
        conclusion = {
            "beat": "The target segments beat ranking by past spend: the whole interval lies above 1.",
            "no better": "The target segments do not clearly beat ranking by past spend: the interval reaches 1.",
            "worse": "Ranking by past spend does better than the target segments: the whole interval lies below 1.",
        }[str(self.beats)]
        return (f"The target segments ({segs}: {100 * rnd['share']:.1f}% of customers) brought "
                f"{100 * rnd['outcome_share']:.1f}% of the {what}, a lift of {rnd['lift']:.2f} over random targeting "
                f"(95% interval {rnd['ci_low']:.2f} to {rnd['ci_high']:.2f}). As many customers chosen by past spend "
                f"brought {100 * sp['baseline_share']:.1f}%: the segments' lift over them is {sp['lift']:.2f} "
                f"({sp['ci_low']:.2f} to {sp['ci_high']:.2f}); chosen by past frequency, "
                f"{100 * fr['baseline_share']:.1f}% (lift {fr['lift']:.2f}, {fr['ci_low']:.2f} to "
                f"{fr['ci_high']:.2f}). {conclusion}")

    def plot(self, ax=None):
        """Lift of each group over each baseline, with its 95% interval; 1 = as good as the baseline."""
        t = self.table
        groups = list(dict.fromkeys(t["group"]))
        ax = new_axes(ax, (9, 0.6 * len(groups) + 1.8))
        baselines = list(dict.fromkeys(t["baseline"]))
        offsets = np.linspace(-0.22, 0.22, len(baselines))
        y0 = np.arange(len(groups))[::-1]
        for off, b in zip(offsets, baselines):
            sub = t[t["baseline"] == b].set_index("group").reindex(groups)
            y = y0 + off
            err = np.vstack([(sub["lift"] - sub["ci_low"]).clip(lower=0), (sub["ci_high"] - sub["lift"]).clip(lower=0)])
            ax.errorbar(sub["lift"], y, xerr=np.nan_to_num(err), fmt="o", color=_COLOURS.get(b, DARK_GREY),
                        capsize=3, ms=5, lw=1.2, label=f"vs {b}")
        ax.axvline(1, color=DARK_GREY, ls="--", lw=1)
        ax.set_yticks(y0, groups, fontsize=9)
        for lab in ax.get_yticklabels():
            if lab.get_text() == TARGETS:
                lab.set_fontweight("bold")
        ax.set_xlabel(f"lift: {pretty(self.outcome)} per customer of the group / of the baseline (95% interval)")
        ax.set_title("Segments against random targeting and against ranking by past behaviour")
        ax.legend(fontsize=8, loc="lower right")
        return ax


def _descending(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Customer positions by ``primary`` then ``secondary``, highest first; position breaks the last ties."""
    return np.lexsort((np.arange(len(primary)), -secondary, -primary))


def heuristic_scores(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each heuristic of :data:`BASELINES` as a score (higher = ranked earlier), one per row of ``table``.

    The rank includes the tie-break, so a chart that sorts by the score ranks customers exactly as
    :func:`baseline_lift` does.
    """
    out = {}
    for b, (p, q) in BASELINES.items():
        order = _descending(table[p].fillna(0).to_numpy(float), table[q].fillna(0).to_numpy(float))
        score = np.empty(len(order))
        score[order] = -np.arange(len(order), dtype=float)
        out[b] = score
    return out


def _top_mean(counts: np.ndarray, y_sorted: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Mean outcome of the first ``n`` customers (with their resample counts) in a ranked order, per resample."""
    cum = np.cumsum(counts, axis=1)
    take = np.clip(n[:, None] - (cum - counts), 0, counts)
    return (take @ y_sorted) / np.where(n > 0, n, np.nan)


def baseline_lift(table: pd.DataFrame, assignments: pd.DataFrame, outcomes: pd.DataFrame, *,
                  outcome: str = "revenue_after", targets: Sequence[int] = (), n_boot: int = N_BOOT,
                  random_state: int | None = 0) -> BaselineLift:
    """Lift of each segment and of the target segments over random targeting, past spend and past frequency.

    Parameters
    ----------
    table : DataFrame
        The customer table: ``customer_id`` and the columns of :data:`BASELINES`.
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    outcomes : DataFrame
        ``customer_id`` and ``outcome``; a customer absent from it counts as 0.
    outcome : str
        The outcome after the cut-off to measure.
    targets : sequence of int
        Step 6's target segments, measured together as one more group.
    n_boot : int
        Bootstrap resamples of the intervals.
    random_state : int, optional

    Returns
    -------
    BaselineLift

    Examples
    --------
    >>> ids = [str(i) for i in range(100)]
    >>> t = pd.DataFrame({"customer_id": ids, "monetary_total": range(100), "frequency": [1] * 100})
    >>> a = pd.DataFrame({"customer_id": ids, "segment": [1] * 50 + [2] * 50, "segment_name": ["A"] * 50 + ["B"] * 50})
    >>> o = pd.DataFrame({"customer_id": ids, "revenue_after": [0.0] * 50 + [2.0] * 50})
    >>> r = baseline_lift(t, a, o, targets=[2], n_boot=20)
    >>> float(r.row("target segments", "random")["lift"]), float(r.row("target segments", "past spend")["lift"])
    (2.0, 1.0)
    """
    missing = [c for c in {c for pair in BASELINES.values() for c in pair} | {"customer_id"} if c not in table]
    if missing:
        raise DataError(f"the customer table has no {missing[0]!r}: the baselines rank customers by past spend "
                        "and frequency", column=missing[0])
    if outcome not in outcomes:
        raise DataError(f"outcomes has no column {outcome!r}", column=outcome)
    df = assignments[["customer_id", "segment", "segment_name"]].astype({"customer_id": str}).merge(
        table.astype({"customer_id": str})[["customer_id", *{c for p in BASELINES.values() for c in p}]],
        on="customer_id", how="left")
    o = outcomes[["customer_id", outcome]].astype({"customer_id": str})
    df = df.merge(o, on="customer_id", how="left")
    y = df[outcome].fillna(0).astype(float).to_numpy()
    seg = df["segment"].astype(int).to_numpy()
    n_all = len(df)
    if n_all == 0 or y.sum() <= 0:
        raise DataError(f"{outcome} is zero for every segmented customer; lift is undefined", column=outcome)
    names = dict(zip(df["segment"].astype(int), df["segment_name"]))
    groups: list[tuple[str, float, np.ndarray]] = []
    if targets:
        groups.append((TARGETS, np.nan, np.isin(seg, list(targets))))
    groups += [(f"{s}. {names[s]}", float(s), seg == s) for s in sorted(names)]
    orders = {b: _descending(df[p].fillna(0).to_numpy(float), df[q].fillna(0).to_numpy(float))
              for b, (p, q) in BASELINES.items()}

    def stats(counts: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        """Group mean and baseline mean per resample (rows of ``counts``)."""
        base = (counts @ y) / counts.sum(axis=1)
        out = {}
        sorted_counts = {b: counts[:, idx] for b, idx in orders.items()}
        for g, _, m in groups:
            n = counts[:, m].sum(axis=1)
            mean = (counts[:, m] @ y[m]) / np.where(n > 0, n, np.nan)
            out[(g, "mean")] = mean
            out[(g, "random")] = base
            for b, idx in orders.items():
                out[(g, b)] = _top_mean(sorted_counts[b], y[idx], n)
        return out

    point = stats(np.ones((1, n_all)))
    rng = np.random.default_rng(random_state)
    boots: dict[tuple[str, str], list[np.ndarray]] = {}
    chunk = max(1, min(n_boot, 2_000_000 // max(n_all, 1)))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        draws = rng.integers(0, n_all, size=(b, n_all)) + (np.arange(b) * n_all)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n_all).reshape(b, n_all).astype(float)
        for key, v in stats(counts).items():
            boots.setdefault(key, []).append(v)
        done += b
    boot = {k: np.concatenate(v) for k, v in boots.items()}
    total = y.sum()
    rows = []
    for g, s, m in groups:
        n = int(m.sum())
        mean = float(point[(g, "mean")][0])
        for base in ("random", *BASELINES):
            bmean = float(point[(g, base)][0])
            if base == "random":
                bshare = n / n_all
            else:
                bshare = float(y[orders[base][:n]].sum() / total)
            ratio = boot[(g, "mean")] / boot[(g, base)]
            ratio = ratio[np.isfinite(ratio)]
            lo, hi = (np.percentile(ratio, [2.5, 97.5]) if len(ratio) else (np.nan, np.nan))
            lift = mean / bmean if bmean > 0 else np.nan
            # A percentile interval of a ratio can miss its point estimate by a hair when the bootstrap
            # distribution is skewed; widening it to include the estimate never claims more.
            rows.append({"group": g, "segment": s, "n": n, "share": n / n_all, "mean": mean,
                         "outcome_share": float(y[m].sum() / total), "baseline": base, "baseline_mean": bmean,
                         "baseline_share": bshare, "lift": lift, "ci_low": min(float(lo), lift),
                         "ci_high": max(float(hi), lift)})
    return BaselineLift(pd.DataFrame(rows), outcome, sorted(int(t) for t in targets), n_boot)

"""The segment evaluation plot and decision table (Dolnicar, Grün & Leisch 2018, step 8: selecting the targets).

Each segment is placed by its attractiveness to the firm (x: the brief's weighted attractiveness
criteria) and by the firm's competitiveness in it (y: how well the firm can serve it); the bubble
area is the segment's size. The decision table says for each segment whether it is a target and
why. The scores are those of :func:`segkit.profiling.targets.target_matrix`, so step 6 and step 8
show the same numbers; the targets are step 6's (``target`` in the sizes table), the ones step 7
tests.

The brief holds weights for attractiveness only. Until it holds criteria for competitiveness, the
y axis shows what is measured instead, and :attr:`SegmentEvaluation.y_note` says so on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.figures import new_axes
from segkit.palette import DARK_GREY, segment_colour, segment_label
from segkit.profiling.targets import TARGET_SCORE, TargetMatrix

__all__ = ["EVALUATION_TEXT", "SegmentEvaluation", "evaluation_text", "segment_evaluation"]

#: The fixed words of the evaluation plot and decision table, in one place (to be translated whole).
EVALUATION_TEXT = {
    "title": "Segment evaluation plot (bubble area = segment size)",
    "x": "segment attractiveness (the brief's weighted criteria, 0-10)",
    "y": "organisational competitiveness (0-10: {source})",
    "target_corner": "target",
    "y_note": ("The brief gives no criteria for organisational competitiveness (how well the firm can serve a "
               "segment against its competitors), so the vertical axis shows what is measured instead: {source}. "
               "Add the team's competitiveness judgement to the brief to replace it."),
    "target_top_right": "target: attractiveness {a} and competitiveness {c} are both at least {cut}, and it holds "
                        "{share} of the customers (at least {min_share})",
    "target_first": "target: no segment is top right; it has the first priority (attractiveness + competitiveness)",
    "too_small": "not a target: it holds {share} of the customers, below the brief's minimum of {min_share}",
    "low_both": "not a target: attractiveness {a} and competitiveness {c} are below {cut}",
    "low_a": "not a target: attractiveness {a} is below {cut}",
    "low_c": "not a target: competitiveness {c} is below {cut}",
    "not_first": "not a target: no segment is top right and its priority is {p}",
    "col_decision": "decision",
    "col_why": "why",
    "decision_target": "target",
    "decision_not_target": "not a target",
}


def evaluation_text(language: str | None = None) -> dict[str, str]:
    """:data:`EVALUATION_TEXT` in ``language`` (default: the current words' language).

    Examples
    --------
    >>> evaluation_text("zh")["decision_target"]
    '目标'
    """
    from segkit.i18n import translate_mapping

    return translate_mapping(EVALUATION_TEXT, language)


def _f1(v: float) -> str:
    return f"{v:.1f}"


@dataclass(frozen=True)
class SegmentEvaluation:
    """The segment evaluation plot's data and the decision table.

    Attributes
    ----------
    table : DataFrame
        One row per segment: ``segment``, ``name``, ``n``, ``share``, ``attractiveness``,
        ``competitiveness`` (0-10), ``priority``, ``target`` (bool), ``decision``, ``why``.
    y_source : str
        What the competitiveness axis measures.
    y_note : str or None
        Why the axis measures that (the brief gives no competitiveness criteria); None when it does.
    criteria : DataFrame
        The attractiveness criteria as measured (:attr:`TargetMatrix.criteria`).
    min_share : float
        The brief's minimum segment share.
    """

    table: pd.DataFrame
    y_source: str
    y_note: str | None
    criteria: pd.DataFrame
    min_share: float

    @property
    def decision_table(self) -> pd.DataFrame:
        """The table as the report shows it: targets first, then by priority."""
        t = self.table.sort_values(["target", "priority"], ascending=[False, True], kind="stable")
        text = evaluation_text()
        return t[["segment", "name", "n", "share", "attractiveness", "competitiveness", "decision", "why"]] \
            .rename(columns={"n": "customers", "decision": text["col_decision"], "why": text["col_why"]}) \
            .reset_index(drop=True)

    @property
    def targets(self) -> list[int]:
        return [int(s) for s in self.table.loc[self.table["target"], "segment"]]

    def plot(self, ax: Any = None, text: dict[str, str] | None = None) -> Any:
        """Attractiveness (x) against competitiveness (y), bubble area = size, targets outlined thick.

        ``text`` defaults to :data:`EVALUATION_TEXT` in the current words' language.
        """
        text = text or evaluation_text()
        t = self.table
        ax = new_axes(ax, (9.5, 6.5))
        size = 2500 * t["share"] / t["share"].max()
        ax.scatter(t["attractiveness"], t["competitiveness"], s=size, c=[segment_colour(s) for s in t["segment"]],
                   alpha=0.75, edgecolor="black", linewidth=[2.6 if x else 0.8 for x in t["target"]])
        # the number in the bubble, the names in the legend: bubbles of similar scores sit close together and
        # their names would write over each other
        for r in t.itertuples():
            ax.annotate(f"{r.segment}" + ("★" if r.target else ""), (r.attractiveness, r.competitiveness),
                        ha="center", va="center", fontsize=9, fontweight="bold")
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], marker="o", ls="", markersize=9, markerfacecolor=segment_colour(r.segment),
                          markeredgecolor="black", label=f"{segment_label(r.segment, r.name)} ({r.share:.0%})")
                   for r in t.sort_values("segment").itertuples()]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8)
        ax.axvline(TARGET_SCORE, color=DARK_GREY, ls=":", lw=1)
        ax.axhline(TARGET_SCORE, color=DARK_GREY, ls=":", lw=1)
        ax.text(10.6, 10.6, text["target_corner"], ha="right", va="top", fontsize=10, color=DARK_GREY,
                fontweight="bold")
        ax.set_xlim(-1.2, 11.2)
        ax.set_ylim(-1.2, 11.2)
        ax.set_xlabel(text["x"])
        ax.set_ylabel(text["y"].format(source=self.y_source))
        ax.set_title(text["title"])
        return ax


def segment_evaluation(tm: TargetMatrix, sizes: pd.DataFrame, *, min_share: float,
                       text: dict[str, str] | None = None) -> SegmentEvaluation:
    """The evaluation plot's data and decision table from step 6's target matrix and sizes.

    Parameters
    ----------
    tm : TargetMatrix
        Attractiveness and fit scores (:func:`segkit.profiling.targets.target_matrix`).
    sizes : DataFrame
        Step 6's sizes, with ``target`` (the segments step 7 tests) when step 6 chose them.
    min_share : float
        The brief's minimum segment share.
    text : dict, optional
        :data:`EVALUATION_TEXT` or a translation (default: in the current words' language).

    Examples
    --------
    >>> from segkit.profiling.targets import target_matrix
    >>> sizes = pd.DataFrame({"segment": [1, 2, 3], "name": ["A", "B", "C"], "n": [300, 660, 40],
    ...                       "share": [0.3, 0.66, 0.04], "value_per_customer": [90.0, 30.0, 95.0],
    ...                       "value_index": [180.0, 60.0, 190.0]})
    >>> ev = segment_evaluation(target_matrix(sizes, {"attractiveness": {"value per customer": 1}}), sizes,
    ...                         min_share=0.05)
    >>> ev.table[["segment", "target"]].values.tolist()
    [[1, True], [2, False], [3, False]]
    >>> ev.table.loc[2, "why"]
    "not a target: it holds 4.0% of the customers, below the brief's minimum of 5.0%"
    """
    from segkit.display import fmt

    text = text or evaluation_text()
    t = tm.table.rename(columns={"fit": "competitiveness"}).copy()
    if "target" in sizes:
        chosen = set(int(s) for s in sizes.loc[sizes["target"].astype(bool), "segment"])
    else:
        chosen = set(tm.targets(min_share))
    t["target"] = t["segment"].astype(int).isin(chosen)
    top = (t["attractiveness"] >= TARGET_SCORE) & (t["competitiveness"] >= TARGET_SCORE)
    any_top = bool((top & (t["share"] >= min_share)).any())
    whys = []
    for r, is_top in zip(t.itertuples(), top):
        a, c, share = _f1(r.attractiveness), _f1(r.competitiveness), fmt(r.share, "pct")
        words = dict(a=a, c=c, cut=_f1(TARGET_SCORE), share=share, min_share=fmt(min_share, "pct"), p=r.priority)
        if r.target:
            key = "target_top_right" if is_top else "target_first"
        elif r.share < min_share:
            key = "too_small"
        elif not any_top:
            key = "not_first"
        elif r.attractiveness < TARGET_SCORE and r.competitiveness < TARGET_SCORE:
            key = "low_both"
        else:
            key = "low_a" if r.attractiveness < TARGET_SCORE else "low_c"
        whys.append(text[key].format(**words))
    t["why"] = whys
    t["decision"] = [text["decision_target"] if x else text["decision_not_target"] for x in t["target"]]
    note = text["y_note"].format(source=tm.fit_source)
    return SegmentEvaluation(t.reset_index(drop=True), tm.fit_source, note, tm.criteria, float(min_share))

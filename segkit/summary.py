"""The executive summary: the client's question answered on one page, from a run folder's artifacts.

The question (the brief's goal and KPI), the answer (the target segments with their size,
value share and one action each), how sure we are (step 7's verdict), what to do next and the
one figure that carries it: each segment's share of the customers against its share of the
value. Every number in a sentence comes from the run's results; the page's fixed words are
all in :data:`SUMMARY_TEXT`, one mapping, so that they can be translated in one place.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.display import fmt
from segkit.study import artifacts
from segkit.study.folder import RunFolder

__all__ = ["SUMMARY_TEXT", "ExecutiveSummary", "TargetSegment", "executive_summary", "not_reached_reason",
           "render_not_reached", "render_summary", "summary_text", "write_summary", "write_summary_error"]

#: Every fixed word of the summary page: headings, labels and sentence templates (``{name}`` fields are
#: filled from the results). One mapping, so a translation replaces it whole.
SUMMARY_TEXT: dict[str, str] = {
    "page_title": "Executive summary",
    "kicker": "Customer segmentation study",
    "question": "The question",
    "kpi": "Measured by:",
    "answer": "The answer",
    "answer_lead": ("The target segments ({n_targets} of {k}) hold {target_customers} customers "
                    "({target_share} of the {n_customers} segmented), who bring {target_value_share} of the value."),
    "answer_none": ("No segment qualifies as a target: {reason}. The {k} segments are listed on the overview "
                    "page."),
    "no_sizes": "the run has no segment values (no transactions or no profiling step)",
    "no_target": "none is both attractive and large enough",
    "value_label": "spend up to the cut-off",
    "col_segment": "Segment",
    "col_customers": "Customers",
    "col_share": "Share of customers",
    "col_value_share": "Share of value",
    "col_action": "What to do",
    "sure": "How sure we are",
    "sure_pass": "Every measured criterion of the brief passes. {summary}",
    "sure_success_failed": ("Every measured knock-out criterion passes, but not every success criterion: the "
                            "segments can be used, with the failed criteria in mind. {summary}"),
    "sure_fail": ("A knock-out criterion of the brief fails: the segments should not be acted on as they are. "
                  "{summary}"),
    "sure_missing": "Step 7 (validation) has not run, so the segments have not been tested against the brief.",
    "next": "What to do next",
    "next_export": ("Load {export} into the CRM: it has one row per customer ({n_rows} rows), with the segment "
                    "of each and, for the {n_excluded} not segmented, the reason."),
    "next_targets": "Brief the owners of the target segments on their actions (the table above).",
    "next_failed": "Before acting on the segments, resolve the failed criteria: {criteria}.",
    "next_iteration": "Over time, step 8's recommendation: {recommendation} (the reasons: {page}).",
    "keep": "keep",
    "adjust": "adjust",
    "re-segment": "re-segment",
    "inconclusive": "inconclusive",
    "next_recheck": "Re-run the study on fresh data and compare the runs (segkit compare) to see the segments move.",
    "figure": "Who brings the value",
    "figure_caption": ("Each segment's share of the customers (grey) and of the value ({value_label}, dark); "
                       "the target segments are marked ★."),
    "figure_customers": "share of customers",
    "figure_value": "share of value",
    "details": "The details: the overview page and the eight step reports.",
    "overview": "Overview",
    "footer": "Run {run_id} · segkit {version}. Every number on this page comes from the run's results.",
    "not_reached": "This run did not reach the segments, so there is nothing to summarise yet: {reason}.",
    "not_reached_failed": "step {step} failed ({error})",
    "not_reached_not_run": "step 5 (stability), which forms the segments, has not run",
    "not_reached_error": "the summary could not be written ({error})",
    "not_reached_next": "The overview page shows which steps ran; fix the cause and run the study again.",
}


@dataclass(frozen=True)
class TargetSegment:
    """One segment as the summary shows it."""

    segment: int
    name: str
    n: int
    share: float
    value_share: float | None
    action: str
    target: bool


@dataclass
class ExecutiveSummary:
    """What the executive summary page shows.

    Attributes
    ----------
    title, goal, kpi : str
        The study's title and the brief's question.
    segments : list of TargetSegment
        Every segment, targets first.
    n_customers, k : int
        Customers segmented and the number of segments.
    verdict_summary : str or None
        Step 7's summary sentence (None when step 7 has not run).
    verdict_passed : bool or None
        Whether every measured criterion passed.
    failed : list of str
        The criteria that failed.
    against_past_spend : str or None
        Step 7's sentence on the targets against ranking by past spend.
    iteration : str or None
        Step 8's recommendation (keep, adjust, re-segment, inconclusive); its reasons are on step 8's page.
    n_export_rows, n_excluded : int or None
        Rows of the per-customer export and customers in it not segmented.
    """

    title: str
    goal: str
    kpi: str
    segments: list[TargetSegment]
    n_customers: int
    k: int
    verdict_summary: str | None = None
    verdict_passed: bool | None = None
    failed: list[str] = field(default_factory=list)
    against_past_spend: str | None = None
    iteration: str | None = None
    n_export_rows: int | None = None
    n_excluded: int | None = None

    @property
    def targets(self) -> list[TargetSegment]:
        return [s for s in self.segments if s.target]

    @property
    def has_values(self) -> bool:
        return any(s.value_share is not None for s in self.segments)

    def answer(self, text: dict[str, str] = SUMMARY_TEXT) -> str:
        """The answer in one sentence, its numbers from the segments."""
        t = self.targets
        if not t:
            return text["answer_none"].format(reason=text["no_sizes"] if not self.has_values else text["no_target"],
                                              k=self.k)
        n = sum(s.n for s in t)
        value = sum(s.value_share or 0.0 for s in t)
        return text["answer_lead"].format(n_targets=len(t), k=self.k, target_customers=fmt(n, "int"),
                                          target_share=fmt(n / self.n_customers, "pct"),
                                          n_customers=fmt(self.n_customers, "int"),
                                          target_value_share=fmt(value, "pct"))

    def sure(self, text: dict[str, str] = SUMMARY_TEXT) -> list[str]:
        """How sure we are, in sentences: the verdict, the failed criteria, against past spend."""
        if self.verdict_summary is None:
            return [text["sure_missing"]]
        key = "sure_fail" if not self.verdict_passed else "sure_success_failed" if self.failed else "sure_pass"
        out = [text[key].format(summary=self.verdict_summary)]
        if self.against_past_spend:
            out.append(self.against_past_spend)
        return out

    def next_steps(self, text: dict[str, str] = SUMMARY_TEXT) -> list[str]:
        """What to do next, in order."""
        from segkit.exports import CUSTOMER_CSV

        out = []
        if self.failed:
            out.append(text["next_failed"].format(criteria="; ".join(self.failed)))
        if self.targets:
            out.append(text["next_targets"])
        if self.n_export_rows is not None:
            out.append(text["next_export"].format(export=CUSTOMER_CSV,
                                                  n_rows=fmt(self.n_export_rows, "int"),
                                                  n_excluded=fmt(self.n_excluded, "int")))
        if self.iteration:
            decision = text.get(self.iteration, self.iteration)
            out.append(text["next_iteration"].format(recommendation=decision, page=_step_page("iteration")))
        else:
            out.append(text["next_recheck"])
        return out

    def plot(self, ax: Any = None, text: dict[str, str] = SUMMARY_TEXT) -> Any:
        """Share of customers and share of value per segment, targets marked: the one figure of the page."""
        import numpy as np

        from segkit.figures import new_axes
        from segkit.palette import segment_label

        segs = sorted(self.segments, key=lambda s: s.segment)
        ax = new_axes(ax, (7.0, 0.42 * len(segs) + 1.2))
        y = np.arange(len(segs))
        ax.barh(y - 0.2, [s.share for s in segs], height=0.38, color="#B8B8B8", label=text["figure_customers"])
        ax.barh(y + 0.2, [s.value_share or 0.0 for s in segs], height=0.38, color="#1F3A5F",
                label=text["figure_value"])
        for i, s in enumerate(segs):
            ax.text(s.share + 0.005, i - 0.2, fmt(s.share, "pct"), va="center", fontsize=8)
            if s.value_share is not None:
                ax.text(s.value_share + 0.005, i + 0.2, fmt(s.value_share, "pct"), va="center", fontsize=8)
        ax.set_yticks(y, [("★ " if s.target else "") + segment_label(s.segment, s.name) for s in segs])
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.set_xlim(0, max([s.share for s in segs] + [s.value_share or 0 for s in segs]) * 1.18)
        # below the axes: inside, it would cover a bar of whichever segment sits in its corner
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
        ax.grid(axis="y", visible=False)
        return ax


def _read(run: RunFolder, artifact: artifacts.Artifact) -> Any:
    try:
        return run.read_optional(artifact)
    except (OSError, ValueError):
        return None


def executive_summary(run_dir: Path | str, *, title: str | None = None,
                      export_rows: tuple[int, int] | None = None) -> ExecutiveSummary:
    """The executive summary of a run folder whose steps 1 and 5 have run (later steps add to it).

    Parameters
    ----------
    run_dir : path
        The run folder.
    title : str, optional
        The study's title.
    export_rows : (int, int), optional
        Rows of the per-customer export and how many of them are not segmented.
    """
    run = RunFolder(run_dir)
    brief = _read(run, artifacts.BRIEF) or {}
    segmentation = _read(run, artifacts.SEGMENTATION) or {}
    segs = pd.DataFrame(_read(run, artifacts.SEGMENTS) or [])
    sizes = _read(run, artifacts.SIZES)
    verdict = _read(run, artifacts.VERDICT)
    iteration = _read(run, artifacts.ITERATION) or {}
    value_share = dict(zip(sizes["segment"], sizes["value_share"])) if sizes is not None else {}
    target = (set(int(s) for s in sizes.loc[sizes["target"], "segment"]) if sizes is not None and "target" in sizes
              else set())
    rows = [TargetSegment(int(r["segment"]), str(r["name"]), int(r["n_customers"]), float(r["share"]),
                          float(value_share[r["segment"]]) if r["segment"] in value_share else None,
                          str(r.get("action") or ""), int(r["segment"]) in target)
            for r in segs.to_dict("records")]
    rows.sort(key=lambda s: (not s.target, -(s.value_share or 0.0), s.segment))
    # each measurement once: a criterion repeating another's measurement is left out, as step 7 counts
    failed = [str(r.get("criterion")) for r in (verdict or {}).get("table") or []
              if r.get("passed") is False and not r.get("same_as")]
    it = str(iteration["recommendation"]) if iteration.get("recommendation") else None
    return ExecutiveSummary(
        title=title or "", goal=str(brief.get("goal") or ""), kpi=str(brief.get("kpi") or ""), segments=rows,
        n_customers=int(segmentation.get("n_customers") or sum(s.n for s in rows)),
        k=int(segmentation.get("k") or len(rows)),
        verdict_summary=verdict.get("summary") if verdict else None,
        verdict_passed=bool(verdict.get("passed")) if verdict else None, failed=failed,
        against_past_spend=(verdict or {}).get("against_past_spend"), iteration=it,
        n_export_rows=export_rows[0] if export_rows else None, n_excluded=export_rows[1] if export_rows else None)


def _step_page(key: str) -> str:
    from segkit.study.steps import get_step

    return get_step(key).html


def _figure_png(summary: ExecutiveSummary, text: dict[str, str]) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from segkit.plots import set_theme

    set_theme()
    ax = summary.plot(text=text)
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=96)
    plt.close(ax.figure)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def summary_text(language: str | None = None) -> dict[str, str]:
    """:data:`SUMMARY_TEXT` in ``language`` (default: the current words' language).

    Examples
    --------
    >>> summary_text("zh")["answer"]
    '答案'
    """
    from segkit.i18n import translate_mapping

    return translate_mapping(SUMMARY_TEXT, language)


def _language(manifest: dict[str, Any]) -> str:
    return str((manifest.get("config") or {}).get("language") or "en")


def _render(template: str, manifest: dict[str, Any], text: dict[str, str], **values: Any) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
    language = _language(manifest)
    return env.get_template(template).render(
        t=text, lang="zh-CN" if language == "zh" else language,
        footer=text["footer"].format(run_id=manifest.get("run_id", ""), version=manifest.get("segkit_version", "")),
        **values)


def render_summary(summary: ExecutiveSummary, manifest: dict[str, Any], text: dict[str, str] | None = None) -> str:
    """The summary page's HTML (values escaped by the template), in the language of the manifest's study."""
    text = text or summary_text(_language(manifest))
    rows = [{"label": f"{s.segment}. {s.name}", "n": fmt(s.n, "int"), "share": fmt(s.share, "pct"),
             "value_share": fmt(s.value_share, "pct") if s.value_share is not None else "–",
             "action": s.action} for s in summary.targets]
    return _render("summary.html.j2", manifest, text, s=summary, rows=rows, answer=summary.answer(text),
                   sure=summary.sure(text), next_steps=summary.next_steps(text),
                   figure=_figure_png(summary, text) if summary.segments else None,
                   caption=text["figure_caption"].format(value_label=text["value_label"]))


def not_reached_reason(manifest: dict[str, Any], text: dict[str, str]) -> str:
    """Why a run has no segments to summarise, from the manifest's step records.

    Examples
    --------
    >>> not_reached_reason({"steps": [{"step": "04_data", "status": "failed", "error": "no customers"}]},
    ...                    SUMMARY_TEXT)
    'step 4 failed (no customers)'
    """
    failed = [s for s in manifest.get("steps") or [] if s.get("status") == "failed"]
    if failed:
        step = str(failed[0].get("step") or "")
        number = step[:2].lstrip("0") if step[:2].isdigit() else step
        return text["not_reached_failed"].format(step=number, error=failed[0].get("error") or "")
    return text["not_reached_not_run"]


def render_not_reached(manifest: dict[str, Any], reason: str | None = None) -> str:
    """The summary page of a run without segments: it says so and why, so that no page links to a missing one."""
    text = summary_text(_language(manifest))
    sentence = text["not_reached"].format(reason=reason or not_reached_reason(manifest, text))
    return _render("summary.html.j2", manifest, text, s={"title": manifest.get("title") or ""}, rows=[],
                   not_reached=sentence)


def write_summary(run_dir: Path | str, manifest: dict[str, Any], *,
                  export_rows: tuple[int, int] | None = None) -> Path:
    """Write ``summary.html`` into the run folder.

    Every step page links to it, so a run without segments (step 5 failed or did not run) gets one too:
    it says that the run did not reach the segments and why.
    """
    from segkit.pages import write_page

    run = RunFolder(run_dir)
    if not run.has(artifacts.SEGMENTS):
        return write_page(run, run.summary_path, render_not_reached(manifest))
    summary = executive_summary(run.path, title=manifest.get("title"), export_rows=export_rows)
    return write_page(run, run.summary_path, render_summary(summary, manifest))


def write_summary_error(run_dir: Path | str, manifest: dict[str, Any], error: str) -> Path:
    """Write a ``summary.html`` that says the summary could not be written, and why (the links stay valid)."""
    from segkit.pages import write_page

    run = RunFolder(run_dir)
    text = summary_text(_language(manifest))
    html = render_not_reached(manifest, text["not_reached_error"].format(error=error))
    return write_page(run, run.summary_path, html)

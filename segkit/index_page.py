"""The run's entry page: goal, data, chosen method, segments at a glance, links to every step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from segkit.display import fmt
from segkit.i18n import relabel, translate
from segkit.study import artifacts
from segkit.study.folder import RunFolder

_TEMPLATES = Path(__file__).parent / "templates"


def _read(run: RunFolder, artifact: artifacts.Artifact) -> Any:
    try:
        return run.read_optional(artifact)
    except (OSError, ValueError):
        return None


def _segments(run: RunFolder, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    seg = _read(run, artifacts.SEGMENTS) or []
    # Step 6 adds value share and persona to each segment's identity; the number and name stay step 5's.
    extra = {p.get("segment"): p for p in (_read(run, artifacts.SEGMENT_PROFILES) or [])}
    for s in seg:
        s.update({k: v for k, v in extra.get(s.get("segment"), {}).items() if k not in ("segment", "name")})
        s["share_text"] = fmt(s.get("share"), "pct")
        s["value_share_text"] = fmt(s.get("value_share"), "pct") if s.get("value_share") is not None else "–"
        s["n_text"] = fmt(s.get("n_customers"), "int")
        for key in ("description", "persona", "action"):
            if s.get(key):
                s[key] = relabel(s[key], labels or {})
    return seg


def _verdict_rows(verdict: dict[str, Any], language: str = "en") -> list[dict[str, Any]]:
    """The verdict's rows as the index shows them: result in words, criterion, value, threshold, evidence."""
    rows = []
    for r in verdict.get("table") or []:
        passed = r.get("passed")
        result = ("team judges" if r.get("measure") == "team_judges" else "not measured") if passed is None \
            else ("pass" if passed else "FAIL")
        rows.append({"result": result, "criterion": translate(str(r.get("criterion") or ""), language),
                     "kind": r.get("kind"),
                     "value": r.get("value_text"), "threshold": r.get("threshold_text"),
                     "evidence": r.get("evidence") if r.get("measure") != "team_judges" else None})
    return rows


def _exports(run: RunFolder) -> dict[str, str] | None:
    """The export files the index names, relative to the run folder (None when the run wrote none)."""
    from segkit.exports import CUSTOMER_CSV, CUSTOMER_EXPORT, SEGMENT_WORKBOOK

    if not (run.path / CUSTOMER_CSV).is_file():
        return None
    return {"csv": CUSTOMER_CSV, "xlsx": f"{RunFolder.EXPORTS}/{CUSTOMER_EXPORT}.xlsx",
            "workbook": f"{RunFolder.EXPORTS}/{SEGMENT_WORKBOOK}"}


def _language(manifest: dict[str, Any]) -> str:
    return (manifest.get("config") or {}).get("language") or "en"


def index_context(run_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Everything the index template shows, read from the run's artifacts (missing ones are skipped).

    ``_`` puts the template's fixed text in the study's language (:mod:`segkit.i18n`).
    """
    language = _language(manifest)

    def _(text: Any, **values: Any) -> str:
        return translate(str(text), language).format(**values) if text is not None else ""

    def _html(text: str, **values: Any) -> Markup:
        # fixed text with markup of its own: the values are escaped, the template's tags kept
        return Markup(translate(text, language)).format(**values)

    run = RunFolder(run_dir)
    brief = _read(run, artifacts.BRIEF) or {}
    inventory = _read(run, artifacts.INVENTORY) or {}
    method = _read(run, artifacts.METHOD) or {}
    segmentation = _read(run, artifacts.SEGMENTATION) or {}
    verdict = _read(run, artifacts.VERDICT) or {}
    iteration = _read(run, artifacts.ITERATION) or {}
    tables = []
    for name, info in (inventory.get("tables") or {}).items():
        if info and info.get("present"):
            span = _("{start} to {end}", start=info.get("date_min"), end=info.get("date_max")) \
                if info.get("date_min") else ""
            tables.append({"name": name, "rows": fmt(info.get("n_rows"), "int"),
                           "customers": fmt(info.get("n_customers"), "int"), "span": span})
    return {
        "m": manifest,
        "brief": brief,
        "tables": tables,
        "method": method,
        "segmentation": segmentation,
        "segments": _segments(run, (manifest.get("config") or {}).get("labels")),
        "verdict": verdict,
        "verdict_rows": _verdict_rows(verdict, language),
        "iteration": iteration,
        "steps": manifest.get("steps", []),
        "css": (_TEMPLATES / "report.css").read_text(encoding="utf-8"),
        "has_summary": run.summary_path.is_file(),
        "exports": _exports(run),
        "total_seconds": round(sum(s.get("seconds") or 0 for s in manifest.get("steps", [])), 1),
        "run_summary": run_summary(manifest),
        "_": _,
        "_html": _html,
        "lang": "zh-CN" if language == "zh" else language,
    }


def run_summary(manifest: dict[str, Any]) -> str:
    """The run's status in words: which steps ran, were re-used, failed or were not run."""
    steps = manifest.get("steps", [])
    language = _language(manifest)

    def _(text: str, **values: Any) -> str:
        return translate(text, language).format(**values)

    by = {st: [s for s in steps if s.get("status") == st] for st in ("ok", "reused", "failed", "not run")}
    status = manifest.get("status")
    if status == "running":
        return _("running")
    if status == "interrupted":
        return _("run interrupted before it finished")
    if by["failed"]:
        return _("run FAILED at step {step}", step=by["failed"][0]["step"])
    if len(by["ok"]) + len(by["reused"]) == len(steps) and not by["reused"]:
        return _("all eight steps completed")
    parts = []
    if by["reused"]:
        parts.append(_("steps {first}-{last} re-used from run {run}", first=by["reused"][0]["step"][:2].lstrip("0"),
                       last=by["reused"][-1]["step"][:2].lstrip("0"), run=by["reused"][0].get("reused_from")))
    if by["ok"]:
        parts.append(_("{steps} run", steps=", ".join(s["step"] for s in by["ok"])))
    if by["not run"]:
        parts.append(_("{steps} not run", steps=", ".join(s["step"] for s in by["not run"])))
    return "; ".join(parts)


def render_index(run_dir: Path, manifest: dict[str, Any]) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                             undefined=jinja2.ChainableUndefined)
    return env.get_template("run_index.html.j2").render(**index_context(run_dir, manifest))


def write_index(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``index.html`` into ``run_dir``."""
    from segkit.pages import write_page

    run = RunFolder(run_dir)
    return write_page(run, run.index_path, render_index(run_dir, manifest))

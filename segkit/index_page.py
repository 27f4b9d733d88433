"""The run's entry page: goal, data, chosen method, segments at a glance, links to every step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from segkit.display import fmt

_TEMPLATES = Path(__file__).parent / "templates"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _segments(art: Path) -> list[dict[str, Any]]:
    seg = _read_json(art / "segments.json") or []
    for s in seg:
        s["share_text"] = fmt(s.get("share"), "pct")
        s["value_share_text"] = fmt(s.get("value_share"), "pct") if s.get("value_share") is not None else "–"
        s["n_text"] = fmt(s.get("n_customers"), "int")
    return seg


def index_context(run_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Everything the index template shows, read from the run's artifacts (missing ones are skipped)."""
    art = run_dir / "artifacts"
    brief = _read_json(art / "brief.json") or {}
    inventory = _read_json(art / "inventory.json") or {}
    method = _read_json(art / "method.json") or {}
    segmentation = _read_json(art / "segmentation.json") or {}
    verdict = _read_json(art / "verdict.json") or {}
    iteration = _read_json(art / "iteration.json") or {}
    tables = []
    for name, info in (inventory.get("tables") or {}).items():
        if info and info.get("present"):
            span = f"{info.get('date_min')} to {info.get('date_max')}" if info.get("date_min") else ""
            tables.append({"name": name, "rows": fmt(info.get("n_rows"), "int"),
                           "customers": fmt(info.get("n_customers"), "int"), "span": span})
    return {
        "m": manifest,
        "brief": brief,
        "tables": tables,
        "method": method,
        "segmentation": segmentation,
        "segments": _segments(art),
        "verdict": verdict,
        "iteration": iteration,
        "steps": manifest.get("steps", []),
        "css": (_TEMPLATES / "report.css").read_text(encoding="utf-8"),
        "total_seconds": round(sum(s.get("seconds") or 0 for s in manifest.get("steps", [])), 1),
    }


def render_index(run_dir: Path, manifest: dict[str, Any]) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                             undefined=jinja2.ChainableUndefined)
    return env.get_template("run_index.html.j2").render(**index_context(run_dir, manifest))


def write_index(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``index.html`` into ``run_dir``."""
    path = run_dir / "index.html"
    path.write_text(render_index(run_dir, manifest), encoding="utf-8")
    return path

"""Run a step notebook's cells in-process and keep the text its display cells show (no kernel, no papermill).

The report's sentences and tables come from these cells; a test reads them here in a second
instead of running the notebook through papermill.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def report_text(step: str, run_dir: Path, study_path: Path, monkeypatch) -> str:
    """The text (tables and sentences) notebook ``step`` displays for ``run_dir``; figures are closed unseen."""
    import IPython.display
    import jupytext
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown: list[str] = []

    def display(*objs, **_):
        for obj in objs:
            data = getattr(obj, "data", None)
            shown.append(str(data if data is not None else obj))

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(plt, "show", lambda *a, **k: plt.close("all"))
    nb = jupytext.read(ROOT / "notebooks" / f"{step}.py")
    scope = {"__name__": "__report__"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            scope.update(run_dir=str(run_dir), study_path=str(study_path))
            continue
        exec(compile(cell.source, f"{step}.py", "exec"), scope)  # noqa: S102 - our own notebook
    plt.close("all")
    text = html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(shown)))
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>~])", r"\1", text.replace("**", ""))
    return text

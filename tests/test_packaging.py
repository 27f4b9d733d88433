"""The install files agree, and the notebooks are stored as sources without outputs."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ;]", req, maxsplit=1)[0].lower()


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r for r in project["dependencies"]}
    for extra in ("test", "lab"):
        wanted.update({_name(r): r for r in project["optional-dependencies"][extra]})
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert sorted(_name(d.split("=")[0]) for d in conda) == ["pip", "python"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {_name(r): r for r in pip if not r.startswith("-e")}
    assert listed == wanted


def test_notebooks_are_percent_sources_with_parameters():
    from segkit.report import STEPS, load_step_notebook

    for stem, _ in STEPS:
        nb = load_step_notebook(ROOT / "notebooks" / f"{stem}.py")
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        assert ["parameters"] in tags, stem
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "def " not in src, f"{stem} defines a function: logic belongs in segkit/"

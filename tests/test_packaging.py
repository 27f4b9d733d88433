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
    extras = project["optional-dependencies"]
    for extra in ("spark", "pdf", "test", "lab"):
        # segkit[spark] and segkit[pdf] inside the test extra stand for those extras, listed themselves
        wanted.update({_name(r): r for r in extras[extra] if _name(r) != "segkit"})
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert sorted(_name(d.split("=")[0]) for d in conda) == ["pip", "python"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {_name(r): r for r in pip if not r.startswith("-e")}
    assert listed == wanted


def test_notebooks_are_percent_sources_with_parameters():
    from segkit.report import load_step_notebook
    from segkit.study import STEPS

    for step in STEPS:
        stem = step.name
        nb = load_step_notebook(ROOT / "notebooks" / step.notebook)
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        assert ["parameters"] in tags, stem
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "def " not in src, f"{stem} defines a function: logic belongs in segkit/"


def test_every_package_folder_is_listed_and_notebooks_ship_in_the_wheel(tmp_path):
    import subprocess
    import sys
    import zipfile

    from segkit.study import STEPS

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "segkit").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("segkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for step in STEPS:
        assert f"segkit/notebooks/{step.notebook}" in names
    assert "segkit/notebooks/compare_runs.py" in names
    assert "segkit/templates/report.css" in names and "segkit/templates/segkit/index.html.j2" in names

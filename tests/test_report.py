"""Unit tests of the runner's pieces that need no kernel."""

import shutil

import pytest

from segkit.errors import SegkitError
from segkit.report import check_notebook_parameters, export_html, load_step_notebook
from segkit.report import notebooks_dir as default_notebooks_dir


def test_notebook_without_a_declared_parameter_is_refused(tmp_path):
    nb_dir = tmp_path / "nb"
    shutil.copytree(default_notebooks_dir(), nb_dir)
    text = (nb_dir / "03_method.py").read_text(encoding="utf-8")
    (nb_dir / "03_method.py").write_text(text.replace("study_path: str", "study_file: str"), encoding="utf-8")
    with pytest.raises(SegkitError, match=r"03_method.py does not declare parameters \['study_path'\]"):
        check_notebook_parameters(nb_dir)
    (nb_dir / "03_method.py").write_text(text, encoding="utf-8")
    (nb_dir / "05_stability.py").unlink()
    with pytest.raises(SegkitError, match="05_stability.py is missing"):
        check_notebook_parameters(nb_dir)


def test_cell_ids_are_deterministic_and_html_has_no_code_or_cdn():
    nb = load_step_notebook(default_notebooks_dir() / "01_goals.py")
    assert [c["id"] for c in nb.cells][:3] == ["01_goals-00", "01_goals-01", "01_goals-02"]
    res = {"study_title": "<T>", "step_number": 1, "step_title": "Goals", "run_id": "r", "date": "d",
           "version": "v", "status": "ok", "status_text": "ok", "error": "", "steps": [], "study_file": "s",
           "notebook": "n"}
    html = export_html(nb, resources=res)
    assert "open_step" not in html  # code is hidden
    assert "cdnjs" not in html and "<script src=" not in html
    assert "&lt;T&gt;" in html  # the banner escapes the study title

import hashlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A small demo data set (800 customers) with a transaction study and a survey-only study."""
    from segkit.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, n_customers=800, seed=7)
    study = yaml.safe_load((ROOT / "data" / "demo" / "study.yaml").read_text(encoding="utf-8"))
    study.update(name="small-demo", n_boot=12, n_init=5)
    (folder / "study.yaml").write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    survey = yaml.safe_load((ROOT / "data" / "demo" / "survey_study.yaml").read_text(encoding="utf-8"))
    survey.update(name="small-survey", n_boot=12, n_init=5, k_range=[2, 6])
    (folder / "survey_study.yaml").write_text(yaml.safe_dump(survey, sort_keys=False), encoding="utf-8")
    return folder

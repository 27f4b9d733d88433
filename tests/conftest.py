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


#: Transaction columns of the demo beyond the required three (customer_id, date, amount).
DEMO_OPTIONAL_TRANSACTION_COLUMNS = ("order_id", "product", "category", "quantity", "margin", "promotion", "channel")


@pytest.fixture
def make_study(small_demo, tmp_path):
    """Write a variant of the small demo study and its data; return the study file's path.

    Parameters of the returned function
    -----------------------------------
    base : "study.yaml" or "survey_study.yaml"
    tables : the input tables to keep (default: those of ``base``)
    drop_transaction_columns : optional transaction columns to remove from the file
    **overrides : top-level study-file keys to set (``basis=[...]``, ``method="rfm8"``, ...)
    """
    import pandas as pd

    counter = iter(range(1000))

    def make(*, base: str = "study.yaml", tables=None, drop_transaction_columns=(), **overrides) -> Path:
        folder = tmp_path / f"study{next(counter)}"
        folder.mkdir()
        study = yaml.safe_load((small_demo / base).read_text(encoding="utf-8"))
        keep = list(tables) if tables is not None else list(study["data"])
        study["data"] = {name: spec for name, spec in study["data"].items() if name in keep}
        for name, spec in study["data"].items():
            src = small_demo / spec["path"]
            if name == "transactions" and drop_transaction_columns:
                tx = pd.read_parquet(src).drop(columns=list(drop_transaction_columns))
                tx.to_parquet(folder / src.name, index=False)
            else:
                (folder / src.name).write_bytes(src.read_bytes())
        study.update(overrides)
        path = folder / "study.yaml"
        path.write_text(yaml.safe_dump(study, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return make


@pytest.fixture(scope="session")
def demo_run_steps(small_demo, tmp_path_factory):
    """Steps 1-5 of the small demo study run in-process once per session; returns (run folder, results).

    Tests of steps 6-8 copy this folder (:func:`copy_run`) instead of recomputing the earlier steps.
    """
    from segkit.study.context import run_steps

    run = tmp_path_factory.mktemp("demo-steps") / "run"
    results = run_steps(run, small_demo / "study.yaml", ["goals", "resources", "method", "data", "stability"])
    return run, results


def copy_run(run: Path, dest: Path) -> Path:
    """A writable copy of a run folder, for a test that runs a later step on it."""
    import shutil

    shutil.copytree(run, dest)
    return dest


def billion_laughs(levels: int) -> str:
    """A study file of nested YAML aliases, nine per level: 9**levels strings if a loader expanded them."""
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    prev = "a"
    for name in "bcdefghijk"[: levels - 2]:
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
        prev = name
    lines.append(f"name: [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"

"""What every step notebook needs: the study, the run folder's artifacts, the report style.

A notebook starts with ``step = Step(run_dir, study_path)`` and then reads and
writes artifacts through it, so file names are defined once, here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.config import StudyConfig, load_config


class Step:
    """Access to a run folder from inside a step notebook.

    Parameters
    ----------
    run_dir : str or Path
        The run folder (created by ``segkit run``, or any folder when a
        notebook is run by hand).
    study_path : str or Path
        The study file.
    theme : bool
        Apply the report figure style.
    """

    def __init__(self, run_dir: str | Path, study_path: str | Path, *, theme: bool = True) -> None:
        self.run_dir = Path(run_dir).resolve()
        self.artifacts = self.run_dir / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.cfg: StudyConfig = load_config(study_path)
        if theme:
            from segkit.plots import set_theme

            self.cjk_font = set_theme()

    def path(self, name: str) -> Path:
        """Path of an artifact."""
        return self.artifacts / name

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def read_json(self, name: str) -> Any:
        return json.loads(self.path(name).read_text(encoding="utf-8"))

    def write_json(self, name: str, data: Any) -> Path:
        p = self.path(name)
        p.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable), encoding="utf-8")
        return p

    def read_parquet(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.path(name))

    def write_parquet(self, name: str, df: pd.DataFrame) -> Path:
        p = self.path(name)
        p.parent.mkdir(parents=True, exist_ok=True)
        df.to_parquet(p, index=False)
        return p

    def read_table(self, name: str) -> pd.DataFrame | None:
        """A cleaned input table saved by step 2 (``customers``, ``transactions``, ``survey``), or None."""
        p = self.path(f"tables/{name}.parquet")
        return pd.read_parquet(p) if p.exists() else None

    @property
    def has_transactions(self) -> bool:
        return self.cfg.data.transactions is not None


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)

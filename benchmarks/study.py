"""Wall time of the demo study, split into notebook/kernel overhead and analysis time.

Overhead is measured, in the same run, by executing a "null study": the same eight notebooks
through the same runner (kernel start, papermill, HTML export, index), keeping only each notebook's
parameters cell and import statements. Analysis time is the rest.

    python benchmarks/study.py [--study data/demo/study.yaml]

Ends with one line: ``study wall_s=<seconds> overhead_share=<0..1>``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segkit.report import STEPS, default_notebooks_dir, run_study  # noqa: E402

_IMPORT = re.compile(r"^(import |from \S+ import )")


def null_notebooks(folder: Path) -> Path:
    """Copies of the step notebooks reduced to their parameters cell and imports."""
    src = default_notebooks_dir()
    for stem, _ in STEPS:
        text = (src / f"{stem}.py").read_text(encoding="utf-8")
        header, *cells = re.split(r"^(?=# %%)", text, flags=re.M)
        kept = [header]
        for cell in cells:
            first, _, body = cell.partition("\n")
            if 'tags=["parameters"]' in first:
                kept.append(cell)
            elif not first.startswith("# %% [markdown]"):
                imports = [ln for ln in body.splitlines() if _IMPORT.match(ln)]
                if imports:
                    kept.append(first + "\n" + "\n".join(imports) + "\n\n")
        (folder / f"{stem}.py").write_text("".join(kept), encoding="utf-8")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default=str(ROOT / "data" / "demo" / "study.yaml"))
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="segkit-bench-"))
    try:
        nb = null_notebooks(Path(tempfile.mkdtemp(prefix="segkit-null-")))
        t0 = time.perf_counter()
        res_null = run_study(args.study, out_dir=out / "null", notebooks_dir=nb, progress=lambda _: None)
        null_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = run_study(args.study, out_dir=out / "study", progress=lambda line: print(" ", line))
        wall = time.perf_counter() - t0
        if res.status != "ok" or res_null.status != "ok":
            sys.exit(f"study failed: {res.failed_step or res_null.failed_step}")
        print("per step (s): " + ", ".join(f"{s.name}={s.seconds}" for s in res.steps))
        print(f"null study (kernels, imports, papermill, export): {null_s:.1f} s")
        print(f"analysis: {wall - null_s:.1f} s")
        print(f"study wall_s={wall:.1f} overhead_share={min(null_s / wall, 1):.2f}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

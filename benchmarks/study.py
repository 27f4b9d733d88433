"""Wall time of the demo study, split into notebook/kernel overhead and analysis time.

The analysis is the eight step functions; they are timed in-process, in the same run, with
``segkit.study.context.run_steps`` (one process, the same study). The notebook run is
``segkit run`` (a kernel per step, papermill, HTML export, index). Overhead is the difference.

    python benchmarks/study.py [--study data/demo/study.yaml]

Ends with one line: ``study wall_s=<seconds> analysis_s=<seconds> overhead_share=<0..1>``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segkit.report import run_study  # noqa: E402
from segkit.study.context import run_steps  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default=str(ROOT / "data" / "demo" / "study.yaml"))
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="segkit-bench-"))
    try:
        t0 = time.perf_counter()
        per_step = {}
        last = t0
        from segkit.study import STEPS

        for step in STEPS:
            run_steps(out / "in-process", args.study, [step.key])
            now = time.perf_counter()
            per_step[step.name] = round(now - last, 1)
            last = now
        analysis = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = run_study(args.study, out_dir=out / "study", progress=lambda line: print(" ", line))
        wall = time.perf_counter() - t0
        if res.status != "ok":
            sys.exit(f"study failed: {res.failed_step}")
        print("in-process per step (s): " + ", ".join(f"{k}={v}" for k, v in per_step.items()))
        print("notebook run per step (s): " + ", ".join(f"{s.name}={s.seconds}" for s in res.steps))
        print(f"study wall_s={wall:.1f} analysis_s={analysis:.1f} overhead_share={max(wall - analysis, 0) / wall:.2f}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

"""How the cost of the whole study grows with the number of customers.

For each size the demo data are generated (once; kept in ``--data``) and the demo study is run with
``segkit run`` in its own process; the per-step seconds and peak memory come from the run's
``manifest.json``, the wall time and the process's peak memory (it and its kernels) from the
operating system. Sizes 10,000 and 100,000 by default; ``--million`` adds 1,000,000.

    python benchmarks/scale.py [--million] [--sizes 10000 100000] [--data /tmp/segkit-scale]

Ends with one line: ``scale customers=<largest> wall_s=<s> peak_gb=<GB> exponent=<slope>``, the
exponent being the least-squares slope of log wall time on log customers over the sizes run (1:
the cost grows in proportion to the customers).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (10_000, 100_000)
MILLION = 1_000_000


def log_log_slope(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(sizes).

    >>> round(log_log_slope([10, 100, 1000], [1.0, 10.0, 100.0]), 6)
    1.0
    """
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def demo_data(n: int, folder: Path) -> Path:
    """The demo data of ``n`` customers in ``folder`` (generated unless already there) and its study file."""
    study = folder / "study.yaml"
    if not (folder / "transactions.parquet").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "segkit.cli", "demo", str(folder), "--n-customers", str(n)], check=True)
        print(f"  demo data of {n:,} customers written in {time.perf_counter() - t0:.0f} s")
    spec = yaml.safe_load((ROOT / "data" / "demo" / "study.yaml").read_text(encoding="utf-8"))
    spec["name"] = f"scale-{n}"
    study.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return study


def run_once(study: Path, out: Path) -> tuple[float, float, list[dict]]:
    """Run the study in its own process: wall seconds, peak GB (process and kernels), manifest steps."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "segkit.cli", "run", str(study), "--out", str(out)])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the study {study} failed (exit {os.waitstatus_to_exitcode(status)}); see {out}")
    manifest = json.loads(next(out.rglob("manifest.json")).read_text(encoding="utf-8"))
    check = manifest.get("input_check")
    # the inputs are read and audited before step 2, in the segkit process itself
    steps = ([{"step": "input check", **check}] if check else []) + manifest["steps"]
    peak_mb = max([usage.ru_maxrss / 1024] + [s["peak_mb"] or 0.0 for s in steps])  # ru_maxrss is in KB
    return wall, peak_mb / 1024, steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="customers per study")
    ap.add_argument("--million", action="store_true", help="add 1,000,000 customers (long)")
    ap.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "segkit-scale"),
                    help="where the demo data are kept between runs")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes) | ({MILLION} if args.million else set()))
    walls: list[float] = []
    peak = 0.0
    for n in sizes:
        print(f"{n:,} customers", flush=True)
        study = demo_data(n, Path(args.data) / str(n))
        wall, peak, steps = run_once(study, Path(tempfile.mkdtemp(prefix=f"segkit-scale-{n}-")))
        walls.append(wall)
        print(f"  {'step':<14}{'seconds':>9}{'peak GB':>9}")
        for s in steps:
            gb = "" if s["peak_mb"] is None else f"{s['peak_mb'] / 1024:.2f}"
            print(f"  {s['step']:<14}{s['seconds'] or 0:>9.1f}{gb:>9}")
        print(f"  {'whole run':<14}{wall:>9.1f}{peak:>9.2f}", flush=True)
    exponent = log_log_slope(sizes, walls) if len(sizes) > 1 else float("nan")
    print(f"scale customers={sizes[-1]} wall_s={walls[-1]:.0f} peak_gb={peak:.2f} exponent={exponent:.2f}")


if __name__ == "__main__":
    main()

"""Benchmark of segkit.stability against a plain scikit-learn loop and R's fpc::clusterboot.

(a) global stability, k = 2..8, 10 restarts, 100 bootstrap pairs (the book's
    14,000 k-means fits) on a survey-like 1,500 x 11 yes/no table;
(b) segment-level Jaccard for k = 4, 10 restarts, B = 100, against
    fpc::clusterboot (skipped with a message when Rscript/fpc are absent);
(c) 1M customers x 8 features, k = 2..8, subsample mode; time and peak memory;
(d) methods, on the vacation motives survey (1,000 x 20 yes/no; ``../shared/data``, or a
    simulated survey of that shape when it is absent): latent class global stability
    against k-means global stability with the same settings (k = 2..8, 10 restarts) and
    the same bootstrap samples (same seed), and SLSW (k = 6, 3 restarts) against a plain
    loop of scikit-learn KMeans fits on the same samples.

Timings are wall-clock on a shared machine, so the ratios (measured in the
same run on the same data) are what to read. ``--quick`` runs a small smoke version.
The last line is ``methods lca_vs_kmeans=<t_lca / t_kmeans> slsw_vs_loop=<t_slsw / t_loop>``:
time ratios, below 1 where the first is faster.

    python benchmarks/stability.py [--quick] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

from segkit.methods.clustering import KMeansSegmenter, LatentClassSegmenter
from segkit.stability import adjusted_rand, global_stability, segment_stability, slsw
from segkit.stability._core import bootstrap_pair, root_seed
from segkit.stability._segment import best_jaccard

#: The real survey of the reference tests, relative to the repository root.
VACATION_MOTIVES = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "vacation_motives" / \
    "vacation_motives.csv"


def survey_data(n: int = 1500, p: int = 11, seed: int = 0) -> pd.DataFrame:
    """Yes/no answers from a latent class model: 4 classes with distinct item profiles."""
    rng = np.random.default_rng(seed)
    probs = rng.beta(0.7, 0.7, size=(4, p))
    cls = rng.choice(4, size=n, p=[0.35, 0.3, 0.2, 0.15])
    X = (rng.random((n, p)) < probs[cls]).astype(float)
    return pd.DataFrame(X, index=[f"c{i}" for i in range(n)], columns=[f"q{j + 1}" for j in range(p)])


def sklearn_global(X: np.ndarray, ks, n_boot: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, rows = len(X), []
    for k in ks:
        for b in range(n_boot):
            labs = []
            for _ in range(2):
                idx = rng.integers(0, n, n)
                km = KMeans(k, n_init=10, random_state=int(rng.integers(2**31 - 1))).fit(X[idx])
                labs.append(km.predict(X))
            rows.append((k, b, adjusted_rand(*labs)))
    return pd.DataFrame(rows, columns=["k", "boot", "ari"])


def sklearn_jaccard(X: np.ndarray, k: int, n_boot: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    orig = KMeans(k, n_init=10, random_state=seed).fit(X).labels_
    out = []
    for _ in range(n_boot):
        idx = np.unique(rng.integers(0, len(X), len(X)))
        lab = KMeans(k, n_init=10, random_state=int(rng.integers(2**31 - 1))).fit(X[idx]).labels_
        out.append(best_jaccard(orig[idx], lab, k))
    return np.array(out)


R_SCRIPT = """
suppressMessages(library(fpc))
x <- as.matrix(read.csv("{data}"))
set.seed(1)
t <- system.time(cb <- clusterboot(x, B={B}, bootmethod="boot", clustermethod=kmeansCBI,
                                    krange={k}, runs=10, count=FALSE, seed=1))["elapsed"]
cat("elapsed", t, "\\n")
write.csv(data.frame(segment=seq_along(cb$bootmean), bootmean=cb$bootmean), "{out}", row.names=FALSE)
write.csv(data.frame(partition=cb$partition), "{part}", row.names=FALSE)
"""


def clusterboot(X: pd.DataFrame, k: int, B: int):
    """Run fpc::clusterboot; return (seconds inside R, bootmean per cluster, partition) or None."""
    if shutil.which("Rscript") is None:
        print("Rscript not found: skipping the clusterboot comparison (apt-get install r-base-core r-cran-fpc)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        X.to_csv(tmp / "x.csv", index=False)
        script = R_SCRIPT.format(data=tmp / "x.csv", B=B, k=k, out=tmp / "mean.csv", part=tmp / "part.csv")
        (tmp / "cb.R").write_text(script)
        proc = subprocess.run(["Rscript", str(tmp / "cb.R")], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"clusterboot failed, skipping it: {proc.stderr.strip()[-300:]}")
            return None
        secs = float(proc.stdout.split("elapsed")[1].split()[0])
        means = pd.read_csv(tmp / "mean.csv")["bootmean"].to_numpy()
        part = pd.read_csv(tmp / "part.csv")["partition"].to_numpy() - 1
    return secs, means, part


def match_by_centroid(X: np.ndarray, lab_a: np.ndarray, lab_b: np.ndarray, k: int) -> np.ndarray:
    """For each segment of ``lab_a``, the segment of ``lab_b`` with the nearest centroid."""
    ca = np.array([X[lab_a == j].mean(axis=0) for j in range(k)])
    cb = np.array([X[lab_b == j].mean(axis=0) for j in range(k)])
    r, c = linear_sum_assignment(((ca[:, None] - cb[None]) ** 2).sum(-1))
    return c[np.argsort(r)]


def motives_data() -> tuple[pd.DataFrame, str]:
    """The 20 vacation motives (yes = 1), or a simulated 1,000 x 20 survey when the file is absent."""
    if VACATION_MOTIVES.is_file():
        d = pd.read_csv(VACATION_MOTIVES)
        X = (d[d.columns[1:21]] == "yes").astype(np.int64)
        X.index = d["respondent"].astype(str)
        return X, "vacation motives 1000 x 20"
    print(f"{VACATION_MOTIVES} not found: a simulated 1000 x 20 survey stands in")
    return survey_data(1000, 20).astype(np.int64), "simulated survey 1000 x 20"


def loop_slsw(X: np.ndarray, labels: np.ndarray, k: int, n_boot: int, n_init: int, seed: int) -> np.ndarray:
    """slswFlexclust as a plain loop: scikit-learn KMeans on each sample of slsw's own bootstrap pairs."""
    seeds = root_seed(seed).spawn(1 + n_boot)[1:]
    rng = np.random.default_rng(seed)
    out = []
    for s in seeds:
        js = []
        for idx in bootstrap_pair(s, len(X), len(X)):
            lab = KMeans(k, n_init=n_init, random_state=int(rng.integers(2**31 - 1))).fit(X[idx]).predict(X)
            js.append(best_jaccard(labels, lab, k))
        out.append(np.mean(js, axis=0))
    return np.array(out)


def fmt(x) -> str:
    return "na" if x is None else f"{x:.3g}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke version")
    ap.add_argument("--n-jobs", type=int, default=2)
    args = ap.parse_args(argv)
    B = 10 if args.quick else 100
    ks = range(2, 9)
    X = survey_data()
    M = X.to_numpy()
    lines = []

    # (a) global stability
    t = time.perf_counter()
    g = global_stability(X, KMeansSegmenter(n_init=10), k_range=(2, 8), n_boot=B, random_state=1, n_jobs=args.n_jobs)
    seg_s = time.perf_counter() - t
    t = time.perf_counter()
    ref = sklearn_global(M, ks, B, seed=1)
    loop_s = time.perf_counter() - t
    both = g.summary()[["k", "median"]].merge(ref.groupby("k")["ari"].median().rename("sk_median").reset_index())
    print("(a) median ARI per k, segkit vs sklearn loop:\n" + both.round(3).to_string(index=False))
    print(f"(a) chosen k = {g.chosen_k}: {g.reason}")
    lines.append(f"stability n={len(X)} k=2-8 B={B} segkit_s={seg_s:.3g} sklearn_loop_s={loop_s:.3g} "
                 f"clusterboot_s=na speedup_vs_loop={loop_s / seg_s:.3g} speedup_vs_clusterboot=na "
                 f"max_jaccard_diff=na")

    # (b) segment-level stability vs clusterboot
    t = time.perf_counter()
    s = segment_stability(X, KMeansSegmenter(4, n_init=10, random_state=1), n_boot=B, random_state=1,
                          n_jobs=args.n_jobs)
    seg_s = time.perf_counter() - t
    t = time.perf_counter()
    sk_j = sklearn_jaccard(M, 4, B, seed=1)
    loop_s = time.perf_counter() - t
    print(f"(b) sklearn-loop mean Jaccard per its segments: {np.round(sk_j.mean(axis=0), 3).tolist()}")
    cb = clusterboot(X, 4, B)
    cb_s = diff = None
    if cb is not None:
        cb_s, cb_means, part = cb
        orig = KMeansSegmenter(4, n_init=10, random_state=1).fit(X).labels_
        m = match_by_centroid(M, orig, part, 4)
        ours = s.summary()["mean"].to_numpy()
        theirs = cb_means[m]
        diff = float(np.abs(ours - theirs).max())
        print("(b) mean Jaccard per segment, segkit vs clusterboot (matched by centroid):")
        table = pd.DataFrame({"segment": range(1, 5), "segkit": ours, "clusterboot": theirs})
        print(table.round(3).to_string(index=False))
    lines.append(f"stability n={len(X)} k=4 B={B} segkit_s={seg_s:.3g} sklearn_loop_s={loop_s:.3g} "
                 f"clusterboot_s={fmt(cb_s)} speedup_vs_loop={loop_s / seg_s:.3g} "
                 f"speedup_vs_clusterboot={fmt(None if cb_s is None else cb_s / seg_s)} max_jaccard_diff={fmt(diff)}")

    # (c) a million customers, subsample mode
    n_big = 100_000 if args.quick else 1_000_000
    rng = np.random.default_rng(3)
    centers = rng.normal(0, 3, size=(5, 8))
    big = centers[rng.integers(0, 5, n_big)] + rng.normal(size=(n_big, 8))
    t = time.perf_counter()
    gb = global_stability(big, KMeansSegmenter(n_init=10), k_range=(2, 8), n_boot=B, random_state=2,
                          n_jobs=args.n_jobs, subsample=5000, n_eval=20_000)
    big_s = time.perf_counter() - t
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"(c) n={n_big} x 8, k=2-8, B={B}, subsample=5000, n_eval=20000: {big_s:.1f} s, chosen k = "
          f"{gb.chosen_k}, peak RSS (self + largest child) {peak:.0f} MB")
    # (d) methods on a real survey
    V, what = motives_data()
    t = time.perf_counter()
    gk = global_stability(V, KMeansSegmenter(n_init=10), k_range=(2, 8), n_boot=B, random_state=4,
                          n_jobs=args.n_jobs)
    km_s = time.perf_counter() - t
    t = time.perf_counter()
    gl = global_stability(V, LatentClassSegmenter(n_init=10), k_range=(2, 8), n_boot=B, random_state=4,
                          n_jobs=args.n_jobs)
    lca_s = time.perf_counter() - t
    both = gk.summary()[["k", "median"]].merge(gl.summary()[["k", "median"]], on="k", suffixes=("_kmeans", "_lca"))
    print(f"(d) {what}: median bootstrap ARI per k, k-means and latent class on the same samples:\n"
          + both.round(3).to_string(index=False))
    print(f"(d) global stability k=2-8, 10 restarts, B={B}: k-means {km_s:.1f} s, latent class {lca_s:.1f} s")
    seg6 = KMeansSegmenter(6, n_init=10, random_state=4).fit(V)
    t = time.perf_counter()
    sw = slsw(V, seg6, n_boot=B, n_init=3, random_state=4, n_jobs=args.n_jobs)
    slsw_s = time.perf_counter() - t
    t = time.perf_counter()
    ref_j = loop_slsw(V.to_numpy(dtype=float), seg6.labels_, 6, B, 3, seed=4)
    loop_s = time.perf_counter() - t
    print(f"(d) SLSW k=6, 3 restarts, B={B} pairs: segkit {slsw_s:.1f} s, plain scikit-learn loop {loop_s:.1f} s; "
          f"median Jaccard per segment segkit {sw.medians.round(3).tolist()}, "
          f"loop {np.round(np.median(ref_j, axis=0), 3).tolist()}")
    print("\n".join(lines))
    print(f"methods lca_vs_kmeans={lca_s / km_s:.3g} slsw_vs_loop={slsw_s / loop_s:.3g}")


if __name__ == "__main__":
    sys.exit(main())

"""Global stability across numbers of segments (flexclust::bootFlexclust)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import UnstableSegmentsWarning
from segkit.stability._core import (
    LCA_PAIRS_PER_BATCH,
    Fitter,
    adjusted_rand,
    as_matrix,
    bootstrap_pair,
    check_k_range,
    check_n_boot,
    child_seed,
    parallel_map,
    root_seed,
)

#: Median bootstrap ARI below which no number of segments counts as stable. Steinley (2004)
#: reads ARI > 0.90 as excellent, > 0.80 good, > 0.65 moderate and below 0.65 poor recovery.
MIN_STABLE_ARI = 0.65
#: Numbers of segments whose median ARI is within this of the best count as equally stable.
ARI_TOLERANCE = 0.02


@dataclass(frozen=True)
class GlobalStability:
    """Bootstrap adjusted Rand indices per number of segments, and the k they point to.

    Attributes
    ----------
    table : DataFrame
        Tidy: one row per ``k`` and ``boot`` with the ``ari`` of the pair.
    chosen_k : int
        The number of segments the rule picks (see :func:`global_stability`).
    is_stable : bool
        Whether the chosen k reaches the stability threshold.
    reason : str
        One sentence explaining the choice.
    params : dict
        Settings of the analysis.
    """

    table: pd.DataFrame
    chosen_k: int
    is_stable: bool
    reason: str
    params: dict

    def summary(self) -> pd.DataFrame:
        """Median, mean and quartiles of the ARI per k, with the chosen k flagged."""
        g = self.table.groupby("k")["ari"]
        out = pd.DataFrame({"median": g.median(), "mean": g.mean(), "q25": g.quantile(0.25),
                            "q75": g.quantile(0.75), "n_boot": g.size()}).reset_index()
        out["chosen"] = out["k"] == self.chosen_k
        return out

    def plot(self, ax=None):
        """Box plots of the ARI per number of segments, as in Dolnicar et al. (2018, fig. 7.x)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        ks = sorted(self.table["k"].unique())
        data = [self.table.loc[self.table["k"] == k, "ari"].to_numpy() for k in ks]
        bp = ax.boxplot(data, positions=range(len(ks)), widths=0.6, patch_artist=True)
        for k, box in zip(ks, bp["boxes"]):
            box.set_facecolor("#55A868" if k == self.chosen_k and self.is_stable else "#DDDDDD")
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.axhline(MIN_STABLE_ARI, color="#C44E52", lw=1, ls="--")
        ax.set_xlabel("number of segments")
        ax.set_ylabel("adjusted Rand index")
        ax.set_ylim(min(-0.05, float(self.table["ari"].min()) - 0.05), 1.05)
        return ax


def _one_pair(shared: tuple, k: int, boot: int, seed: np.random.SeedSequence) -> tuple[int, int, float]:
    fitter, m, eval_idx = shared
    rng = np.random.default_rng(child_seed(seed, 1))
    labels = [fitter.fit(idx, k, rng, eval_idx)[1] for idx in bootstrap_pair(seed, len(fitter.M), m)]
    return k, boot, adjusted_rand(labels[0], labels[1])


def _pair_batch(shared: tuple, k: int, boots: list[int], seeds: list[np.random.SeedSequence]) -> list[tuple]:
    """Several pairs of one k fitted together (latent class: one batched EM for all their samples)."""
    fitter, m, eval_idx = shared
    n = len(fitter.M)
    samples = [idx for s in seeds for idx in bootstrap_pair(s, n, m)]
    labels = fitter.fit_many(samples, k, np.random.default_rng(child_seed(seeds[0], 1)), eval_idx)
    return [(k, b, adjusted_rand(labels[2 * i], labels[2 * i + 1])) for i, b in enumerate(boots)]


def pair_tasks(fitter: Fitter, ks: list[int], n_boot: int, seeds: list) -> tuple[Any, list[tuple]]:
    """The task function and its tasks: one per pair, or one per batch of pairs when fits are batched."""
    if not fitter.batched:
        return _one_pair, [(k, b, seeds[i * n_boot + b]) for i, k in enumerate(ks) for b in range(n_boot)]
    tasks = []
    for i, k in enumerate(ks):
        for lo in range(0, n_boot, LCA_PAIRS_PER_BATCH):
            boots = list(range(lo, min(lo + LCA_PAIRS_PER_BATCH, n_boot)))
            tasks.append((k, boots, [seeds[i * n_boot + b] for b in boots]))
    return _pair_batch, tasks


def choose_k(summary: pd.DataFrame, *, threshold: float = MIN_STABLE_ARI,
             tolerance: float = ARI_TOLERANCE) -> tuple[int, bool, str]:
    """Apply the choice rule to a per-k summary with ``k``, ``median`` and ``q25`` columns."""
    best = float(summary["median"].max())
    near = summary[summary["median"] >= best - tolerance]
    k = int(near["k"].max())
    row = summary.set_index("k").loc[k]
    others = [int(x) for x in near["k"] if x != k]
    tie = (f"; {', '.join(map(str, others))} segment solution(s) are as stable (within {tolerance:.2f}) "
           f"and the larger number was kept for the finer segmentation") if others else ""
    if best < threshold:
        return k, False, (
            f"No number of segments is stable: the best median adjusted Rand index between bootstrap "
            f"pairs is {best:.2f} (k = {k}), below {threshold:.2f}, so the data show no reproducible "
            f"segments and any solution is one of many equally good partitions (constructive segmentation)."
        )
    return k, True, (
        f"{k} segments: the highest median adjusted Rand index between bootstrap pairs "
        f"({row['median']:.2f}, quartiles {row['q25']:.2f}-{row['q75']:.2f}){tie}."
    )


def global_stability(
    X: pd.DataFrame | np.ndarray,
    segmenter: Any,
    *,
    k_range: tuple[int, int] = (2, 8),
    n_boot: int = 100,
    random_state: Any = None,
    n_jobs: int = 1,
    subsample: int | None = None,
    n_eval: int = 20_000,
) -> GlobalStability:
    """Global stability of segment solutions across numbers of segments.

    As ``flexclust::bootFlexclust`` (Dolnicar, Grün & Leisch 2018, sec. 7.5.3):
    for each k and each of ``n_boot`` pairs, two bootstrap samples are drawn,
    each is segmented independently (with the segmenter's own restarts), both
    solutions label the full data, and the adjusted Rand index (ARI) of the two
    labelings measures how reproducible the k-segment solution is.

    **Choosing k.** The k with the highest median ARI is chosen; k whose median
    is within ``0.02`` of the best count as equally stable and the largest of
    them is kept, since a stable finer solution carries more information than
    an equally stable coarse one (the coarse one is often nested in it).
    If the best median ARI is below ``0.65`` no k is stable: Steinley (2004)
    calls ARI < 0.65 poor recovery, and Dolnicar et al. then speak of
    constructive segmentation (the data hold no natural segments). In that case
    ``is_stable`` is False and an :class:`~segkit.UnstableSegmentsWarning` is emitted.

    Parameters
    ----------
    X : DataFrame or ndarray
        Prepared basis (rows = customers).
    segmenter : estimator
        scikit-learn style segmenter with an ``n_segments`` parameter; cloned
        for every fit. segkit's ``KMeansSegmenter`` takes a batched k-means path
        (same algorithm, far less overhead). ``LatentClassSegmenter`` on 0/1
        items takes a batched EM path (:mod:`segkit._fastlca`): the samples of
        ``LCA_PAIRS_PER_BATCH`` pairs are weightings of the distinct answer
        patterns and are fitted together; every restart runs ``SHORT_ITER`` EM
        iterations, the best continues from where it stands (warm start) until
        the log-likelihood gains less than the segmenter's ``tol`` per
        respondent (early stopping). Both paths draw the same bootstrap
        samples for the same seed.
    k_range : (int, int), default (2, 8)
        Smallest and largest number of segments, inclusive.
    n_boot : int, default 100
        Bootstrap pairs per k.
    random_state : int, Generator or None
        Seed; the result is the same for any ``n_jobs``.
    n_jobs : int, default 1
        joblib workers over bootstrap pairs (-1: all cores).
    subsample : int, optional
        Large-data mode: each bootstrap sample draws ``subsample`` rows (with
        replacement) instead of n, and the ARI is computed on one fixed random
        evaluation sample of ``n_eval`` customers instead of the full data. The
        ARI of two partitions estimated on a random sample of 20,000 customers
        is within about 0.01 of its full-data value.
    n_eval : int, default 20000
        Size of the evaluation sample in subsample mode.

    Returns
    -------
    GlobalStability

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from segkit.methods.clustering import KMeansSegmenter
    >>> X, _ = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> X = pd.DataFrame(X, index=[f"c{i}" for i in range(300)])
    >>> res = global_stability(X, KMeansSegmenter(), k_range=(2, 5), n_boot=20, random_state=1)
    >>> res.chosen_k, res.is_stable
    (3, True)
    """
    M, frame = as_matrix(X)
    n = len(M)
    ks = check_k_range(k_range, n)
    n_boot = check_n_boot(n_boot)
    ss = root_seed(random_state)
    eval_seed, *seeds = ss.spawn(1 + len(ks) * n_boot)
    if subsample is not None:
        if not 2 * max(ks) <= int(subsample) <= n:
            raise ValueError(f"subsample must be between 2 * max k ({2 * max(ks)}) and n ({n}), got {subsample}")
        m = int(subsample)
        eval_idx = (np.sort(np.random.default_rng(eval_seed).choice(n, size=n_eval, replace=False))
                    if n_eval < n else None)
    else:
        m, eval_idx = n, None
    fitter = Fitter.build(segmenter, M, frame, compress=subsample is None)
    func, tasks = pair_tasks(fitter, ks, n_boot, seeds)
    rows = parallel_map(func, (fitter, m, eval_idx), tasks, n_jobs)
    if fitter.batched:
        rows = [r for batch in rows for r in batch]
    table = pd.DataFrame(rows, columns=["k", "boot", "ari"]).astype({"k": "int64", "boot": "int64"})
    res = GlobalStability(table, 0, False, "", {})
    k, stable, reason = choose_k(res.summary())
    params = {"k_range": (ks[0], ks[-1]), "n_boot": n_boot, "subsample": subsample,
              "n_eval": None if eval_idx is None else len(eval_idx), "threshold": MIN_STABLE_ARI,
              "tolerance": ARI_TOLERANCE, "fast_kmeans": fitter.fast is not None,
              "batched_latent_class": fitter.batched}
    if not stable:
        warnings.warn(reason, UnstableSegmentsWarning, stacklevel=2)
    return GlobalStability(table, k, stable, reason, params)

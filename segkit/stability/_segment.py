"""Segment-level stability within one solution (fpc::clusterboot, flexclust::slswFlexclust)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from segkit.errors import UnstableSegmentsWarning
from segkit.progress import Progress
from segkit.stability._core import (
    Fitter,
    as_matrix,
    check_n_boot,
    contingency,
    jaccard_verdict,
    parallel_map,
    relabel,
    root_seed,
)


@dataclass(frozen=True)
class SegmentStability:
    """Bootstrap Jaccard index of every segment of one solution.

    Attributes
    ----------
    table : DataFrame
        Tidy: one row per ``segment`` (1-based, as in
        :class:`~segkit.methods.result.SegmentationResult`) and ``boot`` with
        the ``jaccard`` index of the segment's best match in that bootstrap sample.
    sizes : Series
        Customers per segment in the solution on the full data.
    params : dict
        Settings of the analysis.
    """

    table: pd.DataFrame
    sizes: pd.Series
    params: dict

    def summary(self) -> pd.DataFrame:
        """Per segment: size, mean, median and quartiles of the Jaccard index, the share of
        bootstrap samples that recover it (>= 0.75) and dissolve it (<= 0.5), and Hennig's verdict."""
        g = self.table.groupby("segment")["jaccard"]
        out = pd.DataFrame({
            "n_customers": self.sizes,
            "mean": g.mean(), "median": g.median(), "q25": g.quantile(0.25), "q75": g.quantile(0.75),
            "share_recovered": g.apply(lambda s: float((s >= 0.75).mean())),
            "share_dissolved": g.apply(lambda s: float((s <= 0.5).mean())),
        })
        out.index.name = "segment"
        out = out.reset_index()
        out["verdict"] = [jaccard_verdict(v) for v in out["mean"]]
        return out

    @property
    def is_stable(self) -> bool:
        """Whether every segment has a mean Jaccard index of at least 0.75."""
        return bool((self.table.groupby("segment")["jaccard"].mean() >= 0.75).all())

    def plot(self, ax=None):
        """Box plots of the Jaccard index per segment, with Hennig's 0.5 / 0.75 / 0.85 lines."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        segs = sorted(self.table["segment"].unique())
        data = [self.table.loc[self.table["segment"] == s, "jaccard"].to_numpy() for s in segs]
        bp = ax.boxplot(data, positions=range(len(segs)), widths=0.6, patch_artist=True)
        for d, box in zip(data, bp["boxes"]):
            m = float(np.mean(d))
            box.set_facecolor("#55A868" if m >= 0.75 else "#CCB974" if m >= 0.6 else "#C44E52")
        for y, style in ((0.5, ":"), (0.75, "--"), (0.85, "-")):
            ax.axhline(y, color="#777777", lw=0.8, ls=style)
        ax.set_xticks(range(len(segs)), [str(s) for s in segs])
        ax.set_xlabel("segment")
        ax.set_ylabel("Jaccard index")
        ax.set_ylim(-0.02, 1.02)
        return ax


def best_jaccard(orig: np.ndarray, boot: np.ndarray, k: int) -> np.ndarray:
    """For each original segment (0..k-1), the largest Jaccard index with any bootstrap segment.

    Both labelings are of the same bootstrap rows; a segment absent from the
    sample scores 0 (clusterboot's ``zerobyzero = 0``).
    """
    boot = relabel(boot)
    cont = contingency(orig, boot, k, int(boot.max()) + 1).astype(np.float64)
    union = cont.sum(axis=1)[:, None] + cont.sum(axis=0)[None, :] - cont
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, cont / union, 0.0)
    return jac.max(axis=1)


def _one_boot(shared: tuple, boot: int, seed: np.random.SeedSequence) -> np.ndarray:
    fitter, orig, k, multipleboot = shared
    rng = np.random.default_rng(seed)
    n = len(orig)
    idx = rng.integers(0, n, size=n)
    if not multipleboot:
        idx = np.unique(idx)
    lab, _ = fitter.fit(idx, k, rng, eval_idx=idx[:0])
    return best_jaccard(orig[idx], lab, k)


def segment_stability(
    X: pd.DataFrame | np.ndarray,
    segmenter: Any,
    *,
    n_boot: int = 100,
    random_state: Any = None,
    n_jobs: int = 1,
    multipleboot: bool = False,
    labels: Any = None,
    progress: Callable[[str], None] | None = None,
) -> SegmentStability:
    """Segment-level stability within a solution: bootstrap Jaccard index per segment.

    As ``fpc::clusterboot`` with ``bootmethod = "boot"`` (Hennig 2007): the
    segmenter is fitted on the full data; on each bootstrap sample it is fitted
    again, and each original segment, restricted to the customers in the
    sample, is compared with every segment of the bootstrap solution; its
    stability in that sample is the largest Jaccard index
    ``|A ∩ B| / |A ∪ B|``. Hennig's reading of the mean over samples, given in
    the ``verdict`` column of :meth:`SegmentStability.summary`: below 0.5 the
    segment is dissolved, 0.6-0.75 it indicates a pattern but which customers
    belong to it is doubtful, above 0.75 it is valid and stable, above 0.85
    highly stable. An :class:`~segkit.UnstableSegmentsWarning` is emitted when
    a segment's mean is below 0.6.

    Parameters
    ----------
    X : DataFrame or ndarray
        Prepared basis.
    segmenter : estimator
        The segmenter of the solution, with its ``n_segments``; cloned, never
        modified. If it is already fitted, its ``labels_`` are the solution
        studied; otherwise a clone is fitted on ``X``.
    n_boot : int, default 100
        Bootstrap samples.
    random_state : int, Generator or None
        Seed; the result is the same for any ``n_jobs``.
    n_jobs : int, default 1
        joblib workers over bootstrap samples.
    multipleboot : bool, default False
        As clusterboot's argument of that name: when False, a customer drawn
        several times enters the bootstrap sample once.
    labels : array-like of int, optional
        The solution studied, one label per row of ``X`` (e.g. a model fitted on more customers than
        ``X`` holds, restricted to them); overrides the segmenter's own. Labels are renumbered in
        sorted order.
    progress : callable, optional
        Receives progress lines (samples done of all, elapsed, time left) while the loop runs long.

    Returns
    -------
    SegmentStability

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from segkit.methods.clustering import KMeansSegmenter
    >>> X, _ = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> X = pd.DataFrame(X, index=[f"c{i}" for i in range(300)])
    >>> res = segment_stability(X, KMeansSegmenter(3), n_boot=20, random_state=1)
    >>> res.summary()["verdict"].tolist()
    ['highly stable', 'highly stable', 'highly stable']
    """
    M, frame = as_matrix(X)
    n_boot = check_n_boot(n_boot)
    ss = root_seed(random_state)
    orig_seed, *seeds = ss.spawn(1 + n_boot)
    fitted = getattr(segmenter, "labels_", None) if labels is None else np.asarray(labels)
    if labels is not None and len(labels) != len(M):
        raise ValueError(f"labels must give one segment per row of X ({len(M)}), got {len(labels)}")
    if fitted is not None and len(fitted) == len(M):
        orig = np.asarray(fitted, dtype=np.int64)
    else:
        est = clone(segmenter)
        if "random_state" in est.get_params() and est.get_params()["random_state"] is None:
            est.set_params(random_state=int(np.random.default_rng(orig_seed).integers(2**31 - 1)))
        orig = np.asarray(est.fit(frame if frame is not None else M).labels_, dtype=np.int64)
    orig = relabel(orig)
    k = int(orig.max()) + 1
    fitter = Fitter.build(segmenter, M, frame)
    bar = Progress(f"segment-level stability, k = {k}: bootstrap samples", n_boot, progress)
    rows = parallel_map(_one_boot, (fitter, orig, k, multipleboot), [(b, s) for b, s in enumerate(seeds)], n_jobs,
                        bar)
    bar.done()
    jac = np.vstack(rows)  # (n_boot, k)
    table = pd.DataFrame({
        "segment": np.tile(np.arange(1, k + 1), n_boot),
        "boot": np.repeat(np.arange(n_boot), k),
        "jaccard": jac.ravel(),
    })
    sizes = pd.Series(np.bincount(orig, minlength=k), index=pd.RangeIndex(1, k + 1, name="segment"))
    res = SegmentStability(table, sizes, {"n_boot": n_boot, "n_segments": k, "multipleboot": multipleboot,
                                          "fast_kmeans": fitter.fast is not None})
    means = jac.mean(axis=0)
    weak = [f"{s + 1} ({means[s]:.2f})" for s in range(k) if means[s] < 0.6]
    if weak:
        warnings.warn(f"segment(s) {', '.join(weak)} have a mean bootstrap Jaccard index below 0.6: "
                      "they are not reproducible", UnstableSegmentsWarning, stacklevel=2)
    return res

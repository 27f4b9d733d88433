"""Segment-level stability across solutions (SLSA; flexclust::slsaplot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.base import clone

from segkit.stability._core import as_matrix, check_k_range, contingency, relabel, root_seed


@dataclass(frozen=True)
class SLSA:
    """How the segments of each solution split and merge as k grows by one.

    Attributes
    ----------
    table : DataFrame
        Tidy edges: ``k_from``, ``seg_from``, ``k_to``, ``seg_to`` (segments
        1-based, numbered consecutively so segment j of k+1 is the one that
        best continues segment j of k), ``n`` customers moving, ``share`` of
        ``seg_from`` going to ``seg_to`` (sums to 1 per source segment) and
        the ``jaccard`` index of the two segments.
    nodes : DataFrame
        One row per ``k`` and ``segment``: ``n_customers``, ``entropy`` of the
        segment's origins in the k-1 solution and ``stability`` =
        1 - entropy / log(k-1) (1: all members come from one segment; NaN for
        the smallest k, which has no predecessor).
    labels : DataFrame
        Consecutively numbered segment of every customer (columns = k).
    """

    table: pd.DataFrame
    nodes: pd.DataFrame
    labels: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """The nodes table: segment sizes and entropy-based stability per k."""
        return self.nodes

    def plot(self, ax=None, *, min_share: float = 0.02):
        """Node-and-edge plot as ``slsaplot``: one column of nodes per k, edge width = share
        moving, node colour = entropy-based stability (green stable, red a mixture)."""
        import matplotlib.pyplot as plt
        from matplotlib import colormaps
        from matplotlib.colors import Normalize

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 5))
        cmap, norm = colormaps["RdYlGn"], Normalize(0, 1)
        for r in self.table.itertuples():
            if r.share >= min_share:
                ax.plot([r.k_from, r.k_to], [r.seg_from, r.seg_to], color="#555555",
                        lw=0.3 + 6 * r.share, alpha=0.35 + 0.5 * r.share, zorder=1, solid_capstyle="round")
        nd = self.nodes
        size = 150 + 900 * nd["n_customers"] / nd["n_customers"].max()
        colors = [cmap(norm(s)) if np.isfinite(s) else "#BBBBBB" for s in nd["stability"]]
        ax.scatter(nd["k"], nd["segment"], s=size, c=colors, edgecolors="#333333", zorder=2)
        for r in nd.itertuples():
            ax.annotate(str(r.segment), (r.k, r.segment), ha="center", va="center", fontsize=8, zorder=3)
        ax.set_xticks(sorted(nd["k"].unique()))
        ax.set_xlabel("number of segments")
        ax.set_ylabel("segment")
        ax.invert_yaxis()
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        ax.figure.colorbar(sm, ax=ax, label="stability (1 - normalised entropy)", fraction=0.04)
        return ax


def _match_next(prev: np.ndarray, new: np.ndarray, k_prev: int, k_new: int) -> np.ndarray:
    """Renumber ``new`` so each previous segment's best continuation keeps its number."""
    cont = contingency(new, prev, k_new, k_prev)
    rows, cols = linear_sum_assignment(-cont)
    mapping = np.empty(k_new, dtype=np.int64)
    mapping[rows] = cols
    rest = [r for r in range(k_new) if r not in set(rows)]
    # Segments left over get the next numbers, largest first.
    rest.sort(key=lambda r: -cont[r].sum())
    mapping[rest] = np.arange(k_prev, k_prev + len(rest))
    return mapping[new]


def segment_level_stability_across(
    X: pd.DataFrame | np.ndarray,
    segmenter: Any,
    *,
    k_range: tuple[int, int] = (2, 8),
    random_state: Any = None,
) -> SLSA:
    """Segment-level stability across solutions (Dolnicar, Grün & Leisch 2018, sec. 7.5.4.1).

    The segmenter is fitted on the full data for every k in ``k_range``;
    segments are numbered consecutively (segment j of k+1 is the best
    continuation of segment j of k, by maximum overlap). For each pair of
    consecutive solutions the table shows where each segment's customers go.
    A segment of k+1 whose customers all come from one segment of k has
    entropy 0 (a natural, stable segment); one assembled from several has high
    entropy, the sign of a segment created by the choice of k. ``slsaplot``
    draws this as a node-and-edge diagram (:meth:`SLSA.plot`).

    Parameters
    ----------
    X : DataFrame or ndarray
        Prepared basis.
    segmenter : estimator
        scikit-learn style segmenter with an ``n_segments`` parameter; cloned.
    k_range : (int, int), default (2, 8)
        Smallest and largest number of segments.
    random_state : int, Generator or None
        Seed for the fits.

    Returns
    -------
    SLSA

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from segkit.methods.clustering import KMeansSegmenter
    >>> X, _ = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> X = pd.DataFrame(X, index=[f"c{i}" for i in range(300)])
    >>> res = segment_level_stability_across(X, KMeansSegmenter(), k_range=(2, 4), random_state=0)
    >>> res.table.groupby(["k_from", "seg_from"])["share"].sum().round(6).unique().tolist()
    [1.0]
    """
    M, frame = as_matrix(X)
    ks = check_k_range(k_range, len(M))
    seeds = root_seed(random_state).spawn(len(ks))
    data = frame if frame is not None else M
    labels: dict[int, np.ndarray] = {}
    prev = None
    for k, seed in zip(ks, seeds):
        est = clone(segmenter)
        update: dict[str, Any] = {"n_segments": k}
        if "random_state" in est.get_params():
            update["random_state"] = int(np.random.default_rng(seed).integers(2**31 - 1))
        lab = relabel(np.asarray(est.set_params(**update).fit(data).labels_, dtype=np.int64))
        if prev is None:
            # The first solution is numbered by size, largest first.
            order = np.argsort(-np.bincount(lab), kind="stable")
            lab = np.argsort(order)[lab]
        else:
            lab = _match_next(prev, lab, int(prev.max()) + 1, int(lab.max()) + 1)
        labels[k] = lab
        prev = lab
    edges, nodes = [], []
    for i, k in enumerate(ks):
        lab = labels[k]
        kk = int(lab.max()) + 1
        sizes = np.bincount(lab, minlength=kk)
        if i == 0:
            ent = np.full(kk, np.nan)
            stab = np.full(kk, np.nan)
        else:
            pk = labels[ks[i - 1]]
            kp = int(pk.max()) + 1
            cont = contingency(pk, lab, kp, kk).astype(np.float64)
            from_sizes = cont.sum(axis=1)
            union = from_sizes[:, None] + sizes[None, :] - cont
            for a in range(kp):
                for b in range(kk):
                    edges.append((ks[i - 1], a + 1, k, b + 1, int(cont[a, b]), cont[a, b] / from_sizes[a],
                                  cont[a, b] / union[a, b]))
            p = cont / np.maximum(sizes, 1)[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                ent = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=0)
            stab = 1 - ent / np.log(kp) if kp > 1 else np.ones(kk)
        for s in range(kk):
            nodes.append((k, s + 1, int(sizes[s]), float(ent[s]), float(stab[s])))
    table = pd.DataFrame(edges, columns=["k_from", "seg_from", "k_to", "seg_to", "n", "share", "jaccard"])
    nodes_df = pd.DataFrame(nodes, columns=["k", "segment", "n_customers", "entropy", "stability"])
    index = frame.index if frame is not None else pd.RangeIndex(len(M))
    lab_df = pd.DataFrame({k: v + 1 for k, v in labels.items()}, index=index)
    return SLSA(table, nodes_df, lab_df)

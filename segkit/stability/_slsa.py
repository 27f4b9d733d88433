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
        best continues segment j of k, as flexclust's ``relabel``), ``n``
        customers moving, ``share`` of ``seg_from`` going to ``seg_to`` (sums
        to 1 per source segment), ``share_total`` of all customers moving
        along the edge (its width in the plot) and the ``jaccard`` index of
        the two segments.
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

    def plot(self, ax=None, *, min_share: float = 0.01, lwd: float = 50.0):
        """Node-and-edge plot as flexclust's ``slsaplot`` (Dolnicar, Grün & Leisch 2018, fig. 7.x).

        One column of nodes per k, spread over the same height (segment 1 at the top); an edge
        joins a segment of k to one of k + 1 when more than ``min_share`` of all customers move
        along it, its width proportional to that share. The green of an edge and of the node it
        leads to is the new segment's SLSA value, 1 - normalised entropy of where its members
        come from (squared, as ``slsaplot`` does): deep green, a segment that keeps its members;
        grey, one assembled from several.
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import hsv_to_rgb

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 5))
        nd = self.nodes
        ks = sorted(nd["k"].unique())
        col = {k: i for i, k in enumerate(ks)}
        kmax = max(ks)

        def y(k: int, seg: int) -> float:
            return float(np.linspace(kmax, 1, k)[seg - 1]) if k > 1 else (kmax + 1) / 2

        def green(stab: float):
            return hsv_to_rgb((0.4, float(np.clip(stab if np.isfinite(stab) else 0.0, 0, 1)) ** 2, 0.85))

        stab = nd.set_index(["k", "segment"])["stability"]
        for r in self.table.itertuples():
            if r.share_total > min_share:
                ax.plot([col[r.k_from], col[r.k_to]], [y(r.k_from, r.seg_from), y(r.k_to, r.seg_to)],
                        color=green(stab[(r.k_to, r.seg_to)]), lw=0.75 * lwd * r.share_total, zorder=1,
                        solid_capstyle="butt")
        for r in nd.itertuples():
            face = hsv_to_rgb((0.0, 0.0, 0.85)) if not np.isfinite(r.stability) else green(r.stability)
            ax.scatter(col[r.k], y(r.k, r.segment), s=420, color=face, edgecolors="#222222", zorder=2)
            ax.annotate(str(r.segment), (col[r.k], y(r.k, r.segment)), ha="center", va="center", fontsize=9,
                        zorder=3)
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.set_yticks([])
        ax.set_xlim(-0.4, len(ks) - 0.6)
        ax.set_ylim(0.4, kmax + 0.6)
        ax.set_xlabel("number of segments")
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        return ax


def _mincross(cont: np.ndarray) -> list[int]:
    """flexclust's ``mincross``: the order of the new segments (columns) under the previous ones (rows).

    Each previous segment keeps its best continuation by maximum overlap (one-to-one); a new
    segment left over is placed right after the previous segment most of its members come from,
    so edges of the SLSA plot cross as little as possible.
    """
    rows, cols = linear_sum_assignment(-cont)
    order = [int(c) for _, c in sorted(zip(rows, cols))]
    rest = [j for j in range(cont.shape[1]) if j not in set(order)]
    # Left-over segments are placed largest overlap first, as flexclust does.
    rest.sort(key=lambda j: -cont[:, j].max())
    for j in rest:
        nr = len(order)
        target = int(np.argmax(cont[:, j]))
        # flexclust: insert right of the origin's position, or left of the last one at the end.
        pos = target + 1 if target < nr - 1 else nr - 1
        order.insert(pos, j)
    return order


def _match_next(prev: np.ndarray, new: np.ndarray, k_prev: int, k_new: int) -> np.ndarray:
    """Renumber ``new`` by :func:`_mincross` (flexclust's ``relabel`` of a ``stepFlexclust`` series)."""
    order = _mincross(contingency(prev, new, k_prev, k_new).astype(np.float64))
    mapping = np.empty(k_new, dtype=np.int64)
    mapping[order] = np.arange(k_new)
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
    segments are numbered consecutively as flexclust's ``relabel`` does (the
    segments of k keep their numbers in their best continuations of k+1, by
    maximum overlap, and the new segment is numbered right after the one most
    of its members come from). For each pair of
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
                                  cont[a, b] / len(lab), cont[a, b] / union[a, b]))
            p = cont / np.maximum(sizes, 1)[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                ent = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=0)
            stab = 1 - ent / np.log(kp) if kp > 1 else np.ones(kk)
        for s in range(kk):
            nodes.append((k, s + 1, int(sizes[s]), float(ent[s]), float(stab[s])))
    table = pd.DataFrame(edges, columns=["k_from", "seg_from", "k_to", "seg_to", "n", "share", "share_total",
                                         "jaccard"])
    nodes_df = pd.DataFrame(nodes, columns=["k", "segment", "n_customers", "entropy", "stability"])
    index = frame.index if frame is not None else pd.RangeIndex(len(M))
    lab_df = pd.DataFrame({k: v + 1 for k, v in labels.items()}, index=index)
    return SLSA(table, nodes_df, lab_df)

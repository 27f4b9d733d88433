"""Batched k-means for the many small fits of a bootstrap stability analysis.

A global stability analysis with the book's settings (k = 2..8, 10 restarts,
100 bootstrap pairs) runs 14,000 k-means fits on a few thousand customers.
Each fit is tiny, so the cost of a plain loop is mostly per-call overhead.
Here all restarts of one fit advance together as a 3-D array of centres
``(n_init, k, n_features)``: one matrix product per Lloyd iteration serves
every restart.

The algorithm is the one scikit-learn's ``KMeans(algorithm="lloyd")`` runs:
greedy k-means++ seeding (``2 + log(k)`` candidate centres per step), Lloyd
iterations until the labels stop changing or the centres move less than
``tol`` times the mean feature variance, an empty cluster moved to the point
farthest from its centre, and the restart with the lowest inertia kept.
Everything is float64 and driven by one explicit ``numpy.random.Generator``,
so a seed gives the same result on every run.

Two choices make it flexclust's k-means instead (``kcca`` as run by
``stepFlexclust``, the algorithm of Dolnicar, Grün & Leisch 2018):
``init="random"`` starts each restart from k distinct data points drawn
uniformly (``randomcent``: the distinct rows, each equally likely), and
``select="distsum"`` keeps the restart with the smallest sum of Euclidean
(not squared) distances, which is how ``stepFlexclust`` picks among its
``nrep`` restarts. Given centres (``init=`` an array) start one restart there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["INITS", "SELECTS", "kmeans_fit", "kmeans_predict"]

#: How restarts are seeded: scikit-learn's greedy k-means++, or flexclust's k distinct random data points.
INITS = ("k-means++", "random")
#: Which restart is kept: lowest within-cluster sum of squares (scikit-learn), or lowest sum of
#: Euclidean distances to the centres (flexclust's ``stepFlexclust``).
SELECTS = ("inertia", "distsum")


def _part_dist(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """``||c||^2 - 2 x.c`` for every row and centre of a batch of centre sets.

    This is the squared distance less ``||x||^2``, which does not change which
    centre is nearest, so the assignment step skips adding it. ``centers`` is
    ``(r, k, p)``; the result is ``(k, r, n)``: one matrix product against all
    ``r * k`` centres is far cheaper than ``r`` small ones, and the centre axis
    first keeps each centre's values contiguous.
    """
    r, k, p = centers.shape
    flat = centers.transpose(1, 0, 2).reshape(k * r, p)
    d = flat @ X.T
    d *= -2.0
    d += np.einsum("cp,cp->c", flat, flat)[:, None]
    return d.reshape(k, r, X.shape[0])


def _sq_dist(X: np.ndarray, x_sq: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Full squared distances, shape ``(k, r, n)`` (see :func:`_part_dist`)."""
    d = _part_dist(X, centers)
    d += x_sq
    # The expanded form can dip a hair below zero by cancellation.
    np.maximum(d, 0.0, out=d)
    return d


def _argmin_first(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index and value of the minimum over the first (short, centre) axis.

    k passes of elementwise comparisons over contiguous blocks beat
    ``argmin(axis=0)``; like argmin they keep the first minimum on ties.
    """
    best = d[0].copy()
    lab = np.zeros(best.shape, dtype=np.intp)
    for j in range(1, d.shape[0]):
        m = d[j] < best
        np.minimum(best, d[j], out=best)
        lab += (j - lab) * m
    return lab, best


def _sample_weighted(weights: np.ndarray, n_draw: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n_draw`` row indices per batch row with probability proportional to ``weights`` (r, n)."""
    r, n = weights.shape
    cum = np.cumsum(weights, axis=1)
    total = cum[:, -1].copy()
    total[total <= 0] = 1.0
    u = rng.random((r, n_draw)) * total[:, None]
    # Searching one flattened, offset cumulative sum draws for all restarts at once.
    offsets = np.concatenate([[0.0], np.cumsum(total)[:-1]])[:, None]
    flat = (cum + offsets).ravel()
    idx = np.searchsorted(flat, (u + offsets).ravel(), side="right").reshape(r, n_draw)
    idx -= (np.arange(r) * n)[:, None]
    return np.clip(idx, 0, n - 1)


def _kmeans_plusplus(
    X: np.ndarray, x_sq: np.ndarray, w: np.ndarray, k: int, n_init: int, rng: np.random.Generator
) -> np.ndarray:
    """Greedy k-means++ seeding (Arthur & Vassilvitskii 2007) for ``n_init`` restarts at once.

    Row weights act as multiplicities, as in scikit-learn's ``sample_weight``.
    """
    n, p = X.shape
    n_trials = 2 + int(np.log(k))
    centers = np.empty((n_init, k, p))
    first = _sample_weighted(np.broadcast_to(w, (n_init, n)), 1, rng)[:, 0]
    centers[:, 0] = X[first]
    closest = _sq_dist(X, x_sq, centers[:, :1])[0]  # (r, n)
    rows = np.arange(n_init)
    for j in range(1, k):
        cand = _sample_weighted(closest * w, n_trials, rng)  # (r, L)
        # Candidates play the role of the centre axis: (L, r, n).
        cand_d = _sq_dist(X, x_sq, X[cand])
        np.minimum(cand_d, closest[None], out=cand_d)
        best = np.argmin(cand_d @ w, axis=0)  # (r,)
        centers[:, j] = X[cand[rows, best]]
        closest = cand_d[best, rows]
    return centers


def _given_init(init: np.ndarray, k: int, p: int) -> np.ndarray:
    """Given starting centres as a ``(r, k, p)`` batch."""
    C = np.asarray(init, dtype=np.float64)
    if C.ndim == 2:
        C = C[None]
    if C.ndim != 3 or C.shape[1:] != (k, p):
        raise ValueError(f"init must be an array of shape ({k}, {p}) (n_clusters, n_features), got {np.shape(init)}")
    if not np.isfinite(C).all():
        raise ValueError("init holds missing or infinite values")
    return C.copy()


def _random_init(X: np.ndarray, w: np.ndarray, k: int, n_init: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct data points per restart, each distinct value equally likely (flexclust's ``randomcent``
    on ``unique(x)``); rows of weight 0 are not in the sample and are never drawn."""
    present = np.flatnonzero(w > 0)
    # Distinct values by a fixed random projection: equal projections mean equal rows for 0/1 data,
    # and almost surely for any other (np.unique over whole rows would cost more than the fit).
    key = X[present] @ np.random.default_rng(0).standard_normal(X.shape[1])
    _, first = np.unique(key, return_index=True)
    cand = present[first]
    if len(cand) < k:
        raise ValueError(f"n_clusters ({k}) is larger than the number of distinct rows ({len(cand)})")
    picks = np.argpartition(rng.random((n_init, len(cand))), k - 1, axis=1)[:, :k]
    return X[cand[picks]]


def _lloyd(
    X: np.ndarray, x_sq: np.ndarray, w: np.ndarray, centers: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lloyd iterations for a batch of restarts; returns centres, labels (r, n) and squared distances (r, n)."""
    r, k, p = centers.shape
    n = X.shape[0]
    labels = np.full((r, n), -1, dtype=np.intp)
    dmin = np.zeros((r, n))
    active = np.arange(r)
    col = np.arange(n)[None, :]
    for _ in range(max_iter):
        lab, dm = _argmin_first(_part_dist(X, centers[active]))
        # A restart whose labels did not move has converged: its centres are already the means.
        changed = (lab != labels[active]).any(axis=1)
        labels[active] = lab
        dmin[active] = dm
        if not changed.any():
            break
        act = active[changed]
        lab = lab[changed]
        ra = len(act)
        onehot = np.zeros((ra * k, n))
        onehot[lab + (np.arange(ra) * k)[:, None], col] = w
        counts = onehot.sum(axis=1).reshape(ra, k)
        new = (onehot @ X).reshape(ra, k, p) / np.where(counts > 0, counts, 1.0)[:, :, None]
        empty = counts == 0
        empty_r, empty_j = np.nonzero(empty) if empty.any() else (np.empty(0, np.intp), np.empty(0, np.intp))
        for rr in np.unique(empty_r):
            # As scikit-learn does: an empty cluster restarts at the point farthest from its centre.
            js = empty_j[empty_r == rr]
            far = np.argsort(-(dmin[act[rr]] + x_sq), kind="stable")[: len(js)]
            new[rr, js] = X[far]
        shift = ((new - centers[act]) ** 2).sum(axis=(1, 2))
        centers[act] = new
        done = shift <= tol
        if done.any():
            # Converged on the centre-shift rule: one last assignment keeps labels and centres consistent.
            fin = act[done]
            lab_f, dm_f = _argmin_first(_part_dist(X, centers[fin]))
            labels[fin] = lab_f
            dmin[fin] = dm_f
        active = act[~done]
        if len(active) == 0:
            break
    dmin += x_sq
    np.maximum(dmin, 0.0, out=dmin)
    return centers, labels, dmin


def kmeans_fit(
    X: np.ndarray,
    n_clusters: int,
    *,
    n_init: int = 10,
    max_iter: int = 300,
    tol: float = 1e-4,
    sample_weight: np.ndarray | None = None,
    init: str | np.ndarray = "k-means++",
    select: str = "inertia",
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fit k-means with ``n_init`` restarts run as one batch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Data, float64.
    n_clusters : int
        Number of clusters k.
    n_init : int, default 10
        Number of restarts; the one with the lowest inertia is returned.
    max_iter : int, default 300
        Maximum Lloyd iterations per restart.
    tol : float, default 1e-4
        Convergence tolerance on the squared centre shift, relative to the mean
        feature variance (scikit-learn's definition).
    sample_weight : ndarray of shape (n_samples,), optional
        Row multiplicities. Fitting the distinct rows of a table weighted by
        their counts gives the same solutions as fitting the table itself,
        which makes yes/no survey data (few distinct answer patterns) cheap.
    init : {"k-means++", "random"} or ndarray, default "k-means++"
        Seeding of each restart: scikit-learn's greedy k-means++, flexclust's
        k distinct random data points, or given centres of shape
        ``(n_clusters, n_features)`` (then one restart, whatever ``n_init``).
    select : {"inertia", "distsum"}, default "inertia"
        The restart kept: lowest within-cluster sum of squares, or lowest sum
        of Euclidean distances (flexclust's ``stepFlexclust``).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    labels : ndarray of shape (n_samples,)
    inertia : float
        Within-cluster sum of squares.

    Raises
    ------
    ValueError
        For an unknown ``init`` or ``select``, or given centres of the wrong shape.

    Examples
    --------
    >>> X = np.r_[np.zeros((5, 2)), np.ones((5, 2))]
    >>> c, lab, inertia = kmeans_fit(X, 2, rng=np.random.default_rng(0))
    >>> sorted(np.bincount(lab).tolist()), float(inertia)
    ([5, 5], 0.0)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    if not 1 <= n_clusters <= n:
        raise ValueError(f"n_clusters must be between 1 and the number of rows ({n}), got {n_clusters}")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    x_sq = np.einsum("np,np->n", X, X)
    mean = w @ X / w.sum()
    var = w @ (X - mean) ** 2 / w.sum()
    tol_abs = tol * float(np.mean(var)) if tol > 0 else 0.0
    if select not in SELECTS:
        raise ValueError(f"select must be one of {SELECTS}, got {select!r}")
    if not isinstance(init, str):
        centers = _given_init(init, n_clusters, X.shape[1])
    elif init == "k-means++":
        centers = _kmeans_plusplus(X, x_sq, w, n_clusters, n_init, rng)
    elif init == "random":
        centers = _random_init(X, w, n_clusters, n_init, rng)
    else:
        raise ValueError(f"init must be one of {INITS} or an array of centres, got {init!r}")
    centers, labels, dmin = _lloyd(X, x_sq, w, centers, max_iter, tol_abs)
    inertia = dmin @ w
    score = inertia if select == "inertia" else np.sqrt(dmin) @ w
    best = int(np.argmin(score))
    return centers[best], labels[best], float(inertia[best])


def kmeans_predict(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Label of the nearest centre for every row of ``X``.

    Examples
    --------
    >>> kmeans_predict(np.array([[0.0], [0.9]]), np.array([[0.0], [1.0]])).tolist()
    [0, 1]
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    # Large bases are labelled in blocks so the distance matrix stays small.
    out = np.empty(X.shape[0], dtype=np.intp)
    step = 65536
    for s in range(0, X.shape[0], step):
        out[s : s + step] = _argmin_first(_part_dist(X[s : s + step], centers[None])[:, 0, :])[0]
    return out

"""Shared machinery: input checks, seeds, agreement indices, refitting, parallel map."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from segkit._fastkmeans import kmeans_fit, kmeans_predict
from segkit._fastlca import distinct_patterns, lca_fit_batch, lca_log_joint

#: Hennig (2007, 2008) reading of a segment's mean bootstrap Jaccard index, lower bounds.
JACCARD_VERDICTS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "pattern, membership doubtful"),
                    (0.5, "unstable"), (-np.inf, "dissolved"))


def jaccard_verdict(mean_jaccard: float) -> str:
    """Hennig's reading of a mean Jaccard index (see :func:`segment_stability`)."""
    return next(v for lo, v in JACCARD_VERDICTS if mean_jaccard >= lo)


def as_matrix(X: Any, name: str = "X") -> tuple[np.ndarray, pd.DataFrame | None]:
    """Float matrix view of ``X`` plus the frame itself when one was given."""
    frame = X if isinstance(X, pd.DataFrame) else None
    try:
        M = np.asarray(X.to_numpy(dtype=float) if frame is not None else X, dtype=np.float64)
    except (TypeError, ValueError):
        if frame is None:
            raise ValueError(f"{name} must be numeric, got dtype {np.asarray(X).dtype}") from None
        # Mixed-type bases (k-prototypes) are only handed to the segmenter, never used as numbers.
        M = np.full(frame.shape, np.nan)
        return M, frame
    if M.ndim != 2 or M.shape[0] < 4:
        raise ValueError(f"{name} must be a 2-D table with at least 4 rows, got shape {M.shape}")
    if frame is None and not np.isfinite(M).all():
        raise ValueError(f"{name} holds missing or infinite values; impute or drop them first")
    return M, frame


def check_k_range(k_range: Sequence[int], n: int) -> list[int]:
    lo, hi = (int(v) for v in k_range)
    if lo < 2 or hi < lo or hi >= n:
        raise ValueError(f"k_range must be (low, high) with 2 <= low <= high < n_customers ({n}), got {tuple(k_range)}")
    return list(range(lo, hi + 1))


def check_n_boot(n_boot: int) -> int:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    return int(n_boot)


def root_seed(random_state: Any) -> np.random.SeedSequence:
    """One SeedSequence from ``random_state``; every boot's seed is spawned from it up front,
    so results do not depend on how boots are shared among workers."""
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(2**31 - 1)))
    raise ValueError(f"random_state must be None, an int or a numpy Generator/RandomState, got {random_state!r}")


def adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    """Hubert & Arabie's adjusted Rand index of two labelings (0-based ints).

    Examples
    --------
    >>> adjusted_rand(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]))
    1.0
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    n = len(a)
    kb = int(b.max()) + 1
    cont = np.bincount(a * kb + b, minlength=(int(a.max()) + 1) * kb).astype(np.float64)
    sum_ij = float((cont * (cont - 1)).sum() / 2)
    ra = cont.reshape(-1, kb).sum(axis=1)
    cb = cont.reshape(-1, kb).sum(axis=0)
    sum_a = float((ra * (ra - 1)).sum() / 2)
    sum_b = float((cb * (cb - 1)).sum() / 2)
    expected = sum_a * sum_b / (n * (n - 1) / 2)
    max_index = (sum_a + sum_b) / 2
    if max_index == expected:
        # Both labelings put everyone together (or everyone apart): identical partitions.
        return 1.0
    return (sum_ij - expected) / (max_index - expected)


def contingency(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> np.ndarray:
    """Counts of rows by label of ``a`` (rows, ``ka``) and ``b`` (columns, ``kb``)."""
    return np.bincount(np.asarray(a, np.int64) * kb + np.asarray(b, np.int64), minlength=ka * kb).reshape(ka, kb)


def relabel(labels: np.ndarray) -> np.ndarray:
    """Labels as 0..m-1 (a fit may leave a segment empty)."""
    return np.unique(labels, return_inverse=True)[1].reshape(-1)


def kmeans_settings(segmenter: Any) -> dict[str, Any] | None:
    """Settings for the batched k-means path, or None when the segmenter is not plain k-means.

    The path is taken for segkit's ``KMeansSegmenter`` (scikit-learn Lloyd k-means
    on the prepared basis, which :mod:`segkit._fastkmeans` reproduces) and for any
    estimator that sets ``_segkit_plain_kmeans = True``. The name is checked rather
    than the class so this module does not import the methods package.
    """
    if type(segmenter).__name__ != "KMeansSegmenter" and not getattr(segmenter, "_segkit_plain_kmeans", False):
        return None
    p = segmenter.get_params()
    init = p.get("init", "k-means++")
    # Given starting centres fix one solution; bootstrap fits start afresh, with k-means++.
    return {"n_init": int(p.get("n_init", 10)), "max_iter": int(p.get("max_iter", 300)),
            "tol": float(p.get("tol", 1e-4)), "init": init if isinstance(init, str) else "k-means++",
            "select": str(p.get("select", "inertia"))}


def lca_settings(segmenter: Any, M: np.ndarray) -> dict[str, Any] | None:
    """Settings for the batched latent class path, or None when it does not apply.

    The path is taken for segkit's ``LatentClassSegmenter`` (and any estimator setting
    ``_segkit_latent_class = True``) on a 0/1 matrix: bootstrap samples are then weightings
    of the distinct answer patterns, and all of them are fitted together (:mod:`segkit._fastlca`).
    """
    if type(segmenter).__name__ != "LatentClassSegmenter" and not getattr(segmenter, "_segkit_latent_class", False):
        return None
    if not np.isin(M, (0.0, 1.0)).all():
        return None
    p = segmenter.get_params()
    return {"n_init": int(p.get("n_init", 10)), "max_iter": int(p.get("max_iter", 500)),
            "tol": float(p.get("tol", 1e-6))}


def child_seed(seed: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The ``i``-th child of ``seed``, the same however often it is asked for (unlike ``spawn``)."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, i), pool_size=seed.pool_size)


def bootstrap_pair(seed: np.random.SeedSequence, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The two bootstrap samples (``m`` row indices each, drawn with replacement from ``n``) of a pair.

    They are drawn from the pair seed's first child alone, so every method sees the same samples
    for the same seed; the fits draw from the second child (:func:`child_seed`).
    """
    rng = np.random.default_rng(child_seed(seed, 0))
    return rng.integers(0, n, size=m), rng.integers(0, n, size=m)


#: Latent class fits batched together: pairs per batch. Results depend on it (each batch has its own
#: random starts), never on ``n_jobs``.
LCA_PAIRS_PER_BATCH = 25


@dataclass
class Fitter:
    """Refits a segmenter with k segments on a bootstrap sample and labels other rows.

    ``fast`` holds k-means settings when the batched path applies. ``unique``,
    ``inverse`` and ``counts`` describe the distinct rows of ``M`` when they are
    few enough (yes/no surveys): a bootstrap sample is then just a weighting of
    the distinct rows, fitted once per distinct row.
    """

    segmenter: Any
    M: np.ndarray
    frame: pd.DataFrame | None
    fast: dict[str, Any] | None
    unique: np.ndarray | None = None
    inverse: np.ndarray | None = None
    lca: dict[str, Any] | None = None

    @classmethod
    def build(cls, segmenter: Any, M: np.ndarray, frame: pd.DataFrame | None, *, compress: bool = True) -> Fitter:
        fast = kmeans_settings(segmenter)
        if fast is None and frame is None and not hasattr(segmenter, "get_params"):
            raise TypeError(f"segmenter must be a scikit-learn style estimator, got {type(segmenter).__name__}")
        lca = lca_settings(segmenter, M) if fast is None else None
        unique = inverse = None
        if lca is not None:
            unique, inverse, _ = distinct_patterns(M)
        elif fast is not None and compress and len(M) <= 200_000:
            u, inv = np.unique(M, axis=0, return_inverse=True)
            if len(u) <= 0.8 * len(M):
                unique, inverse = u, inv.reshape(-1)
        return cls(segmenter, M, frame, fast, unique, inverse, lca)

    @property
    def batched(self) -> bool:
        """Whether :meth:`fit_many` fits all samples together (latent class) rather than one by one."""
        return self.lca is not None

    def fit_many(self, samples: list[np.ndarray], k: int, rng: np.random.Generator,
                 eval_idx: np.ndarray | None = None) -> np.ndarray:
        """Labels of ``eval_idx`` rows (or all rows) by a fit on each sample of row indices: (len(samples), n_eval)."""
        if self.lca is None or self.unique is None or self.inverse is None:
            return np.vstack([self.fit(idx, k, rng, eval_idx)[1] for idx in samples])
        from threadpoolctl import threadpool_limits

        U, inv = self.unique, self.inverse
        W = np.vstack([np.bincount(inv[idx], minlength=len(U)) for idx in samples]).astype(np.float64)
        # Many small matrix products: BLAS threads only get in each other's way.
        with threadpool_limits(limits=1, user_api="blas"):
            fit = lca_fit_batch(U, W, int(k), rng=rng, **self.lca)
            lab_u = lca_log_joint(U, fit.theta, fit.logw).argmax(axis=2)  # (m, B)
        ev = inv if eval_idx is None else inv[eval_idx]
        return np.ascontiguousarray(lab_u[ev].T)

    def fit(self, idx: np.ndarray, k: int | None, rng: np.random.Generator, eval_idx: np.ndarray | None = None):
        """Fit on rows ``idx``; return (labels of ``idx`` rows, labels of ``eval_idx`` rows or all rows)."""
        if self.fast is not None:
            k = int(k if k is not None else self.segmenter.get_params()["n_segments"])
            if self.unique is not None and self.inverse is not None:
                w = np.bincount(self.inverse[idx], minlength=len(self.unique)).astype(np.float64)
                rows = np.flatnonzero(w)
                centers, _, _ = kmeans_fit(self.unique[rows], k, sample_weight=w[rows], rng=rng, **self.fast)
                lab_u = kmeans_predict(self.unique, centers)
                ev = self.inverse if eval_idx is None else self.inverse[eval_idx]
                return lab_u[self.inverse[idx]], lab_u[ev]
            centers, lab, _ = kmeans_fit(self.M[idx], k, rng=rng, **self.fast)
            return lab, kmeans_predict(self.M if eval_idx is None else self.M[eval_idx], centers)
        est = clone(self.segmenter)
        params = est.get_params()
        update: dict[str, Any] = {}
        if k is not None:
            update["n_segments"] = int(k)
        if "random_state" in params:
            update["random_state"] = int(rng.integers(2**31 - 1))
        if not isinstance(params.get("init", ""), str):
            # Bootstrap fits start afresh (the question is whether independent fits find the segments),
            # and given starting centres would fix k.
            update["init"] = type(est)().get_params()["init"]
        est.set_params(**update)
        frame = self.frame
        sample = frame.iloc[idx] if frame is not None else self.M[idx]
        est.fit(sample)
        if eval_idx is not None and len(eval_idx) == 0:
            return np.asarray(est.labels_, dtype=np.int64), np.empty(0, dtype=np.int64)
        if eval_idx is None:
            target = frame if frame is not None else self.M
        else:
            target = frame.iloc[eval_idx] if frame is not None else self.M[eval_idx]
        return np.asarray(est.labels_, dtype=np.int64), np.asarray(est.predict(target), dtype=np.int64)


def _run_chunk(func: Callable, shared: Any, tasks: list, progress: Any = None) -> list:
    from threadpoolctl import threadpool_limits

    # The matrices are tiny: BLAS threads only fight the joblib workers for the cores.
    with threadpool_limits(limits=1, user_api="blas"):
        out = []
        for t in tasks:
            out.append(func(shared, *t))
            if progress is not None:
                progress.advance()
        return out


def _indexed_chunk(func: Callable, shared: Any, i: int, tasks: list) -> tuple[int, list]:
    return i, _run_chunk(func, shared, tasks)


#: Below this much estimated serial work (seconds), starting worker processes costs more than it saves.
_MIN_PARALLEL_SECONDS = 3.0


def parallel_map(func: Callable, shared: Any, tasks: list, n_jobs: int, progress: Any = None) -> list:
    """``[func(shared, *t) for t in tasks]``, over joblib workers in a few chunks.

    Each task carries its own seed, so the result is the same for any ``n_jobs``. The first task
    runs here and is timed: when all tasks together would take less than a few seconds, the rest
    run here too, since starting worker processes (about a second each) would cost more.
    ``progress`` (a :class:`segkit.progress.Progress` over ``len(tasks)``) advances as tasks, or
    chunks of them on workers, finish.
    """
    if n_jobs is None or n_jobs == 1 or len(tasks) < 2:
        return _run_chunk(func, shared, tasks, progress)
    t0 = time.perf_counter()
    first = _run_chunk(func, shared, tasks[:1], progress)
    if (time.perf_counter() - t0) * len(tasks) < _MIN_PARALLEL_SECONDS:
        return first + _run_chunk(func, shared, tasks[1:], progress)
    rest = tasks[1:]
    n_workers = Parallel(n_jobs=n_jobs)._effective_n_jobs()
    n_chunks = min(len(rest), 4 * n_workers)
    chunks = [rest[i::n_chunks] for i in range(n_chunks)]
    result: list = [None] * len(rest)
    # Chunks come back as they finish (for the progress line); the round-robin split is undone by index.
    for i, part in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_indexed_chunk)(func, shared, i, c) for i, c in enumerate(chunks)):
        result[i::n_chunks] = part
        if progress is not None:
            progress.advance(len(part))
    return first + result

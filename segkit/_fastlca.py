"""Batched EM for latent class analysis of yes/no items (a mixture of independent Bernoullis).

A latent class model of ``p`` yes/no items with ``k`` classes has class sizes
``w_c`` and yes-probabilities ``theta[c, j]``; answers are independent within a
class. Two facts make many fits cheap:

* answers repeat, so a data set is a weighting of its *distinct answer
  patterns* ``U`` (``m x p``), and a bootstrap sample is just another weighting
  of the same patterns (``W``, one row of counts per sample);
* every fit runs the same two matrix products per EM iteration, so all
  restarts of all samples advance together: the E-step is one product
  ``U @ A`` against the stacked ``(samples x restarts x k)`` log-odds, the
  M-step one product of the weighted posteriors with ``U``.

:func:`lca_fit` fits one weighting, every restart run to convergence.
:func:`lca_fit_batch` fits many weightings, each with its own restarts, in two
phases (Biernacki, Celeux & Govaert 2003, "emEM"): every restart runs
:data:`SHORT_ITER` EM iterations, then only the best restart of each sample
continues, from where it stands (the warm start), until the log-likelihood
improves by less than ``tol`` per observation (early stopping; a converged fit
leaves the batch, so late iterations cost only what still moves).

Item probabilities are clipped to ``[EPS, 1 - EPS]`` so that a class where
everybody says yes cannot give probability zero to someone who says no.
Everything is float64 and driven by one explicit random generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["EPS", "SHORT_ITER", "LCAFit", "distinct_patterns", "lca_fit", "lca_fit_batch", "lca_log_joint"]

#: Item probabilities are kept in ``[EPS, 1 - EPS]``.
EPS = 1e-6
#: EM iterations every restart runs before only the best restart of a sample continues.
SHORT_ITER = 15
#: Smallest class weight; a class that loses all members keeps this instead of log(0).
_MIN_WEIGHT = 1e-300
#: Up to this many items the log-joint of a pattern's best class stays above -13.8 * items - log(k), far
#: inside exp's range (and it is <= 0), so the E-step needs no shift by the row maximum.
_NO_SHIFT_ITEMS = 50


@dataclass(frozen=True)
class LCAFit:
    """Fitted latent class models, one per weighting (row of ``W``).

    Attributes
    ----------
    theta : ndarray (B, k, p)
        Yes-probability per class and item.
    logw : ndarray (B, k)
        Log class sizes.
    loglik : ndarray (B,)
        Log-likelihood of each weighting at the estimate.
    n_iter : ndarray (B,)
        EM iterations run (short phase included).
    converged : ndarray (B,)
        Whether the tolerance was reached before ``max_iter``.
    """

    theta: np.ndarray
    logw: np.ndarray
    loglik: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray


def distinct_patterns(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of a 0/1 matrix, the index of each row's pattern, and the counts.

    Examples
    --------
    >>> U, inv, counts = distinct_patterns(np.array([[1, 0], [0, 1], [1, 0]]))
    >>> U.tolist(), inv.tolist(), counts.tolist()
    ([[0.0, 1.0], [1.0, 0.0]], [1, 0, 1], [1.0, 2.0])
    """
    U, inv, counts = np.unique(np.asarray(X, dtype=np.float64), axis=0, return_inverse=True, return_counts=True)
    return U, inv.reshape(-1), counts.astype(np.float64)


def lca_log_joint(U: np.ndarray, theta: np.ndarray, logw: np.ndarray) -> np.ndarray:
    """``log w_c + log P(pattern | class c)`` for every pattern and class of a batch of models.

    ``theta`` is ``(F, k, p)`` and ``logw`` ``(F, k)``; the result is ``(m, F, k)``.

    Examples
    --------
    >>> lj = lca_log_joint(np.array([[1.0]]), np.array([[[0.5], [0.25]]]), np.log([[0.5, 0.5]]))
    >>> np.exp(lj).round(3).tolist()
    [[[0.25, 0.125]]]
    """
    F, k, p = theta.shape
    lt, l1t = np.log(theta), np.log1p(-theta)
    # x log t + (1 - x) log(1 - t) = x (log t - log(1 - t)) + sum log(1 - t): one product for all models.
    out = U @ (lt - l1t).reshape(F * k, p).T
    out += (l1t.sum(axis=2) + logw).reshape(F * k)
    return out.reshape(U.shape[0], F, k)


def _estep(U: np.ndarray, theta: np.ndarray, logw: np.ndarray, Wt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted posteriors (m, F, k) and per-fit log-likelihood (F,), for pattern weights ``Wt`` (m, F)."""
    L = lca_log_joint(U, theta, logw)
    shift = None
    if U.shape[1] > _NO_SHIFT_ITEMS:
        # Many items: the log-joint can fall below exp's range, so shift each pattern by its best class.
        shift = L.max(axis=2, keepdims=True)
        L -= shift
    np.exp(L, out=L)
    tot = L.sum(axis=2)
    lse = np.log(tot)
    if shift is not None:
        lse += shift[:, :, 0]
    ll = np.einsum("mf,mf->f", Wt, lse)
    L *= (Wt / tot)[:, :, None]
    return L, ll


def _mstep(U: np.ndarray, resp: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m, F, k = resp.shape
    R = resp.reshape(m, F * k)
    nk = R.sum(axis=0)
    theta = (R.T @ U) / np.maximum(nk, _MIN_WEIGHT)[:, None]
    np.clip(theta, EPS, 1 - EPS, out=theta)
    logw = np.log(np.maximum(nk.reshape(F, k) / n[:, None], _MIN_WEIGHT))
    return theta.reshape(F, k, U.shape[1]), logw


def _run_em(U: np.ndarray, Wt: np.ndarray, theta: np.ndarray, logw: np.ndarray, n: np.ndarray, *,
            max_iter: int, tol: float, it0: np.ndarray | None = None):
    """EM on every column of ``Wt`` (m, F) until each gains less than ``tol`` per observation.

    Returns theta, logw, log-likelihood, iterations and a converged flag per fit; a fit that
    converged keeps the parameters its log-likelihood was computed at.
    """
    F = theta.shape[0]
    ll_old = np.full(F, -np.inf)
    ll_out = np.empty(F)
    n_iter = np.zeros(F, dtype=np.int64) if it0 is None else it0.copy()
    conv = np.zeros(F, dtype=bool)
    active = np.arange(F)
    for _ in range(int(max_iter)):
        resp, ll = _estep(U, theta[active], logw[active], Wt[:, active])
        n_iter[active] += 1
        done = np.abs(ll - ll_old[active]) < tol * n[active]
        th, lw = _mstep(U, resp, n[active])
        keep = ~done
        theta[active[keep]] = th[keep]
        logw[active[keep]] = lw[keep]
        ll_out[active] = ll
        ll_old[active] = ll
        conv[active[done]] = True
        active = active[keep]
        if len(active) == 0:
            break
    if len(active):
        # Out of iterations: the last M-step's parameters, with their own log-likelihood.
        ll_out[active] = _estep(U, theta[active], logw[active], Wt[:, active])[1]
    return theta, logw, ll_out, n_iter, conv


def _start(k: int, p: int, shape: tuple[int, ...], rng: Any, init: np.ndarray | None):
    if init is not None:
        init = np.clip(np.asarray(init, dtype=np.float64), EPS, 1 - EPS)
        if init.shape != (k, p):
            raise ValueError(f"init must have shape (n_segments, n_items) = ({k}, {p}), got {init.shape}")
        theta = np.broadcast_to(init, (*shape, k, p)).copy()
    else:
        # Random starts: item probabilities anywhere between 0.25 and 0.75, equal class sizes.
        theta = rng.uniform(0.25, 0.75, size=(*shape, k, p))
    return theta, np.full((*shape, k), -np.log(k))


def _check(n_init: int, max_iter: int) -> None:
    if int(n_init) < 1 or int(max_iter) < 1:
        raise ValueError(f"n_init and max_iter must be >= 1, got {n_init} and {max_iter}")


def lca_fit_batch(
    U: np.ndarray,
    W: np.ndarray,
    k: int,
    *,
    n_init: int = 10,
    max_iter: int = 500,
    tol: float = 1e-6,
    rng: np.random.Generator | np.random.RandomState,
    init: np.ndarray | None = None,
    short_iter: int = SHORT_ITER,
) -> LCAFit:
    """Fit a latent class model with ``k`` classes to each weighting of the patterns ``U``.

    Parameters
    ----------
    U : ndarray (m, p)
        Distinct 0/1 answer patterns.
    W : ndarray (B, m)
        One row per fit: how often each pattern occurs in that sample.
    k : int
        Number of classes.
    n_init : int, default 10
        Random restarts per fit; all run ``short_iter`` iterations, the best continues.
    max_iter : int, default 500
        Largest number of EM iterations per fit (short phase included).
    tol : float, default 1e-6
        Stop when the log-likelihood improves by less than ``tol`` per observation.
    rng : numpy.random.Generator or RandomState
    init : ndarray (k, p), optional
        Start every fit from these item probabilities (equal class sizes); ``n_init`` is then 1.
    short_iter : int, default :data:`SHORT_ITER`
        Iterations of the short phase.

    Returns
    -------
    LCAFit

    Examples
    --------
    >>> U = np.array([[1.0, 1.0], [0.0, 0.0]])
    >>> fit = lca_fit_batch(U, np.array([[5.0, 5.0], [9.0, 1.0]]), 2, rng=np.random.default_rng(0))
    >>> np.exp(fit.logw).sum(axis=1).round(6).tolist()
    [1.0, 1.0]
    """
    _check(n_init, max_iter)
    U = np.ascontiguousarray(U, dtype=np.float64)
    W = np.atleast_2d(np.asarray(W, dtype=np.float64))
    B, p = W.shape[0], U.shape[1]
    n = W.sum(axis=1)
    R = 1 if init is not None else int(n_init)
    theta, logw = _start(k, p, (B, R), rng, init)
    it0 = None
    if R > 1:
        # Short phase: every restart of every sample, as one batch of B * R fits.
        th, lw, ll, it, _ = _run_em(U, np.repeat(W.T, R, axis=1), theta.reshape(B * R, k, p),
                                    logw.reshape(B * R, k), np.repeat(n, R), max_iter=min(short_iter, max_iter),
                                    tol=tol)
        best = ll.reshape(B, R).argmax(axis=1) + np.arange(B) * R
        theta, logw, it0 = th[best], lw[best], it[best]
    else:
        theta, logw = theta[:, 0], logw[:, 0]
    remaining = max(int(max_iter) - (0 if it0 is None else int(it0.min())), 1)
    theta, logw, ll, n_iter, conv = _run_em(U, np.ascontiguousarray(W.T), theta, logw, n, max_iter=remaining,
                                            tol=tol, it0=it0)
    return LCAFit(theta, logw, ll, n_iter, conv)


def lca_fit(
    U: np.ndarray,
    w: np.ndarray,
    k: int,
    *,
    n_init: int = 10,
    max_iter: int = 500,
    tol: float = 1e-6,
    rng: np.random.Generator | np.random.RandomState,
    init: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    """One weighting, every restart run to convergence (as one batch); the best log-likelihood wins.

    Returns ``theta (k, p)``, ``logw (k,)``, the log-likelihood, the iterations and whether it converged.

    Examples
    --------
    >>> U = np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    >>> theta, logw, ll, it, ok = lca_fit(U, np.array([4.0, 4.0, 2.0]), 2, rng=np.random.default_rng(0))
    >>> ok, round(float(np.exp(logw).sum()), 6)
    (True, 1.0)
    """
    _check(n_init, max_iter)
    U = np.ascontiguousarray(U, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    R = 1 if init is not None else int(n_init)
    theta, logw = _start(k, U.shape[1], (R,), rng, init)
    theta, logw, ll, it, conv = _run_em(U, np.repeat(w[:, None], R, axis=1), theta, logw, np.full(R, w.sum()),
                                        max_iter=max_iter, tol=tol)
    b = int(np.argmax(ll))
    return theta[b], logw[b], float(ll[b]), int(it[b]), bool(conv[b])

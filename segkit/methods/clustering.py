"""Data-driven segmenters: k-means, k-prototypes, Gaussian mixture, latent class, Ward.

All of them work on a prepared basis (:func:`segkit.methods.prep.prepare_basis`)
and share one interface, the scikit-learn one, so stability analysis can
``clone`` and refit them::

    seg = KMeansSegmenter(5, random_state=2026).fit(basis.X, sample_value=revenue)
    seg.labels_        # 0-based segment of each customer
    seg.result_        # SegmentationResult: segment = labels_ + 1, names, actions, centres
    seg.predict(new)   # assign new customers

Segment numbers carry meaning: after fitting, segments are renumbered so that
segment 1 has the highest mean ``sample_value`` (e.g. revenue) when given, else
it is the largest; ties are broken by size, then by the centre, so the same data
and ``random_state`` always give the same numbering. A fit from given centres
(``init=`` an array) keeps their order instead: segment j is the one started
from centre j, so given segments can be tracked.

Rows with a repeated customer id (e.g. a bootstrap sample) are fine: they get
``~2``, ``~3`` appended to their id in ``result_.assignments``.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import pairwise_distances_argmin
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from segkit._fastkmeans import INITS as KMEANS_INITS
from segkit._fastkmeans import SELECTS as KMEANS_SELECTS
from segkit._fastkmeans import kmeans_fit, kmeans_predict
from segkit._fastlca import distinct_patterns, lca_fit, lca_log_joint
from segkit.errors import DataError, SmallSegmentWarning
from segkit.methods.naming import describe_segments
from segkit.methods.result import SegmentationResult, build_result, check_sample_value, unique_ids

__all__ = [
    "GaussianMixtureSegmenter",
    "KMeansSegmenter",
    "KPrototypesSegmenter",
    "LatentClassSegmenter",
    "WardSegmenter",
]


class _Segmenter(ClusterMixin, BaseEstimator):
    """Shared fit/predict/renumber/result logic; subclasses fit the raw model."""

    method: ClassVar[str] = ""
    _basis_kind: ClassVar[str] = "numeric"  # what _check_X accepts: numeric, binary or mixed

    # -- subclass hooks -------------------------------------------------------------------
    def _fit_raw(self, X: pd.DataFrame, rng: np.random.RandomState) -> np.ndarray:
        raise NotImplementedError

    def _predict_raw(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _raw_centers(self) -> np.ndarray:
        """Model centres, one row per internal component."""
        raise NotImplementedError

    def _extra_params(self) -> dict[str, Any]:
        return {}

    # -- public API -----------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: None = None, *, sample_value: Any = None) -> _Segmenter:
        """Find the segments.

        Parameters
        ----------
        X : DataFrame
            Prepared basis indexed by ``customer_id``.
        y : None
            Ignored; present for scikit-learn compatibility.
        sample_value : Series or array-like, optional
            Value of each customer (e.g. revenue), aligned by ``customer_id``
            when a Series with that index, else by position. Segment 1 is the
            segment with the highest mean value; without it, the largest.

        Returns
        -------
        self
        """
        X = self._check_X(X, fitting=True)
        if isinstance(self.n_segments, bool) or not isinstance(self.n_segments, (int, np.integer)):
            raise ValueError(f"n_segments must be an integer >= 2, got {self.n_segments!r}")
        if not 2 <= self.n_segments <= len(X):
            raise ValueError(
                f"n_segments must be between 2 and the number of customers ({len(X)}), got {self.n_segments}"
            )
        value = check_sample_value(sample_value, X)
        rng = check_random_state(self.random_state)
        raw = np.asarray(self._fit_raw(X, rng), dtype=np.int64)
        if isinstance(getattr(self, "init", "random"), str):
            self._relabel = _renumber(raw, int(self.n_segments), X, value)
        else:
            # Given starting centres are given segments: segment j of the result is the one started from row j.
            self._relabel = np.arange(int(self.n_segments))
        self.labels_ = self._relabel[raw]
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        centers = self._raw_centers()
        if len(centers) < self.n_segments:
            # k-prototypes stops at the number of distinct rows when there are fewer than k.
            pad = np.full((self.n_segments - len(centers), centers.shape[1]), np.nan, dtype=centers.dtype)
            centers = np.vstack([centers, pad])
        order = np.argsort(self._relabel)
        self.cluster_centers_ = centers[order]
        present = np.unique(self.labels_)
        if len(present) < self.n_segments:
            warnings.warn(
                f"{self.method}: {self.n_segments - len(present)} of {self.n_segments} segments ended up "
                f"empty; the result has {len(present)} segments. Try fewer segments.",
                SmallSegmentWarning,
                stacklevel=2,
            )
        self.result_ = self._make_result(X, value)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Assign customers to the fitted segments.

        Parameters
        ----------
        X : DataFrame
            Prepared the same way as the data given to :meth:`fit` (same columns).

        Returns
        -------
        ndarray of int
            0-based segment of each row (``segment - 1``).
        """
        check_is_fitted(self, "labels_")
        X = self._check_X(X, fitting=False)
        return self._relabel[np.asarray(self._predict_raw(X), dtype=np.int64)]

    # -- shared helpers -------------------------------------------------------------------
    def _check_X(self, X: pd.DataFrame, *, fitting: bool) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise DataError(
                f"{type(self).__name__} expects a DataFrame indexed by customer_id "
                f"(e.g. prepare_basis(...).X), got {type(X).__name__}"
            )
        if fitting:
            if X.shape[1] == 0:
                raise DataError("X has no columns; give at least one basis column")
        else:
            expected = list(self.feature_names_in_)
            missing = [c for c in expected if c not in X.columns]
            if missing:
                raise DataError(
                    f"X lacks basis column(s) {missing} the segmenter was fitted on; expected {expected}"
                )
            X = X[expected]
        if len(X) == 0:
            raise DataError("X has no rows")
        non_numeric = [str(c) for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        if self._basis_kind != "mixed" and non_numeric:
            raise DataError(
                f"{type(self).__name__} needs numeric columns; {non_numeric} are not numeric "
                "(use KPrototypesSegmenter for a basis with categorical columns)"
            )
        for c in X.columns:
            col = X[c]
            n_na = int(col.isna().sum())
            if n_na:
                raise DataError(f"{n_na} missing values; impute or drop them before segmenting", column=str(c))
            if pd.api.types.is_numeric_dtype(col) and not np.isfinite(col.to_numpy(dtype=float)).all():
                raise DataError("infinite values; fix them before segmenting", column=str(c))
        if self._basis_kind == "binary":
            bad = [str(c) for c in X.columns if not np.isin(X[c].to_numpy(), (0, 1)).all()]
            if bad:
                raise DataError(
                    f"{type(self).__name__} models yes/no items coded 0/1; columns {bad} hold other values"
                )
        return X

    def _make_result(self, X: pd.DataFrame, value: np.ndarray | None) -> SegmentationResult:
        segment = self.labels_ + 1
        kind = None if self._basis_kind == "numeric" else self._basis_kind
        texts = describe_segments(X, segment, kind=kind).set_index("segment")
        num = X.select_dtypes("number")
        centers = num.groupby(segment).mean()
        for c in X.columns.difference(num.columns, sort=False):
            centers[c] = X[c].groupby(segment).agg(lambda s: s.mode().iloc[0])
        centers = centers[list(X.columns)]
        centers.index.name = "segment"
        params = {
            "n_segments": int(self.n_segments),
            "random_state": self.random_state if isinstance(self.random_state, (int, np.integer, type(None)))
            else repr(self.random_state),
            "basis": [str(c) for c in X.columns],
            "ordered_by": "sample_value" if value is not None else "size",
            **{k: (v if isinstance(v, (str, int, float, bool, type(None))) else "given centres")
               for k, v in self.get_params().items() if k not in ("n_segments", "random_state")},
            **self._extra_params(),
        }
        return build_result(
            self.method,
            unique_ids(X.index),
            segment,
            names=texts["name"].to_dict(),
            actions=texts["action"].to_dict(),
            descriptions=texts["description"].to_dict(),
            centers=centers,
            params=params,
        )


def _renumber(raw: np.ndarray, k: int, X: pd.DataFrame, value: np.ndarray | None) -> np.ndarray:
    """Map internal component -> 0-based segment: by mean value, then size, then centre."""
    num = X.select_dtypes("number").to_numpy(dtype=float)
    keys = []
    for c in range(k):
        members = raw == c
        size = int(members.sum())
        mean_value = float(value[members].mean()) if value is not None and size else -np.inf
        center = tuple(np.round(num[members].mean(axis=0), 9)) if size and num.shape[1] else ()
        # Empty components sort last; the centre makes ties independent of the internal numbering.
        keys.append((size == 0, -mean_value if value is not None else 0.0, -size, center, c))
    order = sorted(range(k), key=lambda c: keys[c])
    relabel = np.empty(k, dtype=np.int64)
    relabel[order] = np.arange(k)
    return relabel


def _init_array(init: Any, k: int, columns: list[str], what: str) -> np.ndarray | None:
    """Starting centres as a (k, n_columns) float array, or None for the method's own random starts.

    A DataFrame is matched to the basis by column name (extra columns are an error, so a
    misspelt item cannot be dropped silently); an array must already be in basis order.
    """
    if isinstance(init, str):
        return None
    if isinstance(init, pd.DataFrame):
        missing = [c for c in columns if c not in init.columns]
        extra = [str(c) for c in init.columns if c not in columns]
        if missing or extra:
            raise DataError(f"init's columns must be the basis columns; missing {missing}, not in the basis {extra}")
        init = init[columns]
    arr = np.asarray(init, dtype=float)
    if arr.shape != (k, len(columns)):
        raise DataError(f"init must hold {what} for {k} segments x {len(columns)} basis columns, got shape "
                        f"{arr.shape}; with init given, n_segments is its number of rows")
    if not np.isfinite(arr).all():
        raise DataError(f"init holds missing or infinite {what}")
    return arr


class KMeansSegmenter(_Segmenter):
    """k-means segments on a numeric prepared basis (scikit-learn ``KMeans``).

    Parameters
    ----------
    n_segments : int, default 4
        Number of segments.
    n_init : int, default 10
        Random restarts; the best is kept (see ``select``).
    max_iter : int, default 300
        Iterations per restart.
    init : "k-means++", "random" or array-like of shape (n_segments, n_features)
        How restarts start: scikit-learn's greedy k-means++; k distinct data
        points drawn at random (flexclust's ``kcca``, the book's k-means); or
        given centres in the prepared space (e.g. a previous solution's), as
        scikit-learn's ``init``: then ``n_init`` is ignored and the fit is one
        run of Lloyd's algorithm from those centres.
    select : "inertia" or "distsum", default "inertia"
        Which restart is kept: the lowest within-segment sum of squares
        (scikit-learn), or the lowest sum of distances to the centres
        (flexclust's ``stepFlexclust``). ``init="random", select="distsum"``
        is the k-means of Dolnicar, Grün & Leisch (2018).
    random_state : int, RandomState or None
        Seed of the restarts.

    Attributes
    ----------
    labels_ : ndarray of int
        0-based segment of each customer.
    cluster_centers_ : ndarray of shape (n_segments, n_features)
        Centroids in the prepared space, row ``i`` for segment ``i + 1``.
    inertia_ : float
        Within-segment sum of squares.
    result_ : SegmentationResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, .3, (20, 2)), rng.normal(4, .3, (10, 2))],
    ...                  columns=["frequency", "monetary_avg"])
    >>> seg = KMeansSegmenter(2, random_state=0).fit(X)
    >>> np.bincount(seg.labels_).tolist()   # segment 1 is the largest
    [20, 10]
    >>> KMeansSegmenter(2, init=seg.cluster_centers_).fit(X).labels_.tolist() == seg.labels_.tolist()
    True
    """

    method = "kmeans"

    def __init__(self, n_segments: int = 4, *, n_init: int = 10, max_iter: int = 300, init: Any = "k-means++",
                 select: str = "inertia", random_state=None):
        self.n_segments = n_segments
        self.n_init = n_init
        self.max_iter = max_iter
        self.init = init
        self.select = select
        self.random_state = random_state

    def _fit_raw(self, X, rng):
        start = _init_array(self.init, int(self.n_segments), list(X.columns), "centres")
        if start is None and self.init not in KMEANS_INITS:
            raise ValueError(f"init must be one of {KMEANS_INITS} or an array of centres, got {self.init!r}")
        if self.select not in KMEANS_SELECTS:
            raise ValueError(f"select must be one of {KMEANS_SELECTS}, got {self.select!r}")
        Xa = X.to_numpy(dtype=float)
        if start is None and (self.init != "k-means++" or self.select != "inertia"):
            # flexclust's choices are not scikit-learn's: the batched k-means of the stability analysis runs them.
            gen = np.random.default_rng(rng.randint(2**31 - 1))
            centers, labels, inertia = kmeans_fit(Xa, int(self.n_segments), n_init=int(self.n_init),
                                                  max_iter=int(self.max_iter), init=self.init, select=self.select,
                                                  rng=gen)
            self._centers, self._model = centers, None
            self.inertia_ = inertia
            return labels
        self._model = KMeans(self.n_segments, init="k-means++" if start is None else start,
                             n_init=self.n_init if start is None else 1, max_iter=self.max_iter, random_state=rng)
        self._model.fit(Xa)
        self._centers = self._model.cluster_centers_
        self.inertia_ = float(self._model.inertia_)
        self.n_iter_ = int(self._model.n_iter_)
        return self._model.labels_

    def _predict_raw(self, X):
        return kmeans_predict(X.to_numpy(dtype=float), self._centers)

    def _raw_centers(self):
        return self._centers

    def _extra_params(self):
        return {"inertia": self.inertia_}


class GaussianMixtureSegmenter(_Segmenter):
    """Gaussian mixture segments on a numeric prepared basis (scikit-learn ``GaussianMixture``).

    Segments may differ in shape and spread, unlike k-means; each customer
    gets the segment of highest posterior probability.

    Parameters
    ----------
    n_segments : int, default 4
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
    n_init : int, default 5
        EM restarts; the best likelihood is kept.
    random_state : int, RandomState or None

    Attributes
    ----------
    labels_, cluster_centers_ (component means), weights_, bic_, aic_, result_

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, .3, (20, 2)), rng.normal(4, .3, (10, 2))], columns=["a", "b"])
    >>> seg = GaussianMixtureSegmenter(2, random_state=0).fit(X)
    >>> seg.predict_proba(X).shape
    (30, 2)
    """

    method = "gmm"

    def __init__(self, n_segments: int = 4, *, covariance_type: str = "full", n_init: int = 5, random_state=None):
        self.n_segments = n_segments
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.random_state = random_state

    def _fit_raw(self, X, rng):
        allowed = ("full", "tied", "diag", "spherical")
        if self.covariance_type not in allowed:
            raise ValueError(f"covariance_type must be one of {allowed}, got {self.covariance_type!r}")
        Xa = X.to_numpy(dtype=float)
        self._model = GaussianMixture(
            self.n_segments, covariance_type=self.covariance_type, n_init=self.n_init, random_state=rng
        ).fit(Xa)
        self.bic_ = float(self._model.bic(Xa))
        self.aic_ = float(self._model.aic(Xa))
        self.converged_ = bool(self._model.converged_)
        return self._model.predict(Xa)

    def _predict_raw(self, X):
        return self._model.predict(X.to_numpy(dtype=float))

    def _raw_centers(self):
        return self._model.means_

    def _extra_params(self):
        return {"bic": self.bic_, "aic": self.aic_}

    @property
    def weights_(self) -> np.ndarray:
        """Mixture weights in segment order."""
        return self._model.weights_[np.argsort(self._relabel)]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Posterior probability of each segment (columns in segment order)."""
        check_is_fitted(self, "labels_")
        X = self._check_X(X, fitting=False)
        return self._model.predict_proba(X.to_numpy(dtype=float))[:, np.argsort(self._relabel)]


class LatentClassSegmenter(_Segmenter):
    """Latent class analysis of yes/no items: a Bernoulli mixture fitted by EM.

    Each segment ``s`` has a size ``weights_[s]`` and a probability
    ``item_probs_[s, j]`` of answering yes to item ``j``; answers are independent
    within a segment. EM runs on the distinct answer patterns weighted by how
    often each occurs (:mod:`segkit._fastlca`), all restarts as one batch; item
    probabilities are clipped to ``[1e-6, 1 - 1e-6]`` so a segment where
    everybody says yes cannot give a zero likelihood to a new customer who says no.

    Parameters
    ----------
    n_segments : int, default 4
    n_init : int, default 10
        Random restarts (item probabilities drawn from U(0.25, 0.75)), each run
        to convergence; the highest log-likelihood is kept.
    max_iter : int, default 500
    tol : float, default 1e-6
        Stop when the log-likelihood improves by less than this per customer.
    init : "random" or array-like of shape (n_segments, n_items)
        Start from these yes-probabilities (e.g. a previous solution's item
        profiles; equal segment sizes) instead of random starts; ``n_init``
        is then ignored, as in scikit-learn.
    random_state : int, RandomState or None

    Attributes
    ----------
    item_probs_ : DataFrame
        Segment (index, 1..k) x item probability of "yes".
    weights_ : ndarray
        Segment sizes as probabilities.
    log_likelihood_ : float
    n_params_ : int
        Free parameters, ``k * n_items + k - 1``.
    bic_, aic_, icl_ : float
        ``-2 log L + n_params * log(n)``, ``-2 log L + 2 n_params``, and BIC plus
        twice the classification entropy of the hard assignment (flexmix's ICL).
    entropy_ : float
        ``1 - sum(-tau log tau) / (n log k)`` of the posteriors ``tau`` (flexmix's EIC):
        1 when every customer belongs to one segment for certain.
    converged_ : bool
    n_iter_ : int

    Examples
    --------
    >>> X = pd.DataFrame({"likes_a": [1, 1, 1, 0, 0, 0], "likes_b": [1, 1, 0, 0, 0, 1]})
    >>> seg = LatentClassSegmenter(2, random_state=0).fit(X)
    >>> seg.item_probs_.shape
    (2, 2)
    """

    method = "latent_class"
    _basis_kind = "binary"

    def __init__(self, n_segments: int = 4, *, n_init: int = 10, max_iter: int = 500, tol: float = 1e-6,
                 init: Any = "random", random_state=None):
        self.n_segments = n_segments
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def _fit_raw(self, X, rng):
        from threadpoolctl import threadpool_limits

        if int(self.n_init) < 1 or int(self.max_iter) < 1:
            raise ValueError(f"n_init and max_iter must be >= 1, got {self.n_init} and {self.max_iter}")
        Xa = X.to_numpy(dtype=float)
        init = _init_array(self.init, self.n_segments, list(X.columns), "item probabilities")
        if init is not None and ((init < 0) | (init > 1)).any():
            raise ValueError("init holds item probabilities, which must be between 0 and 1")
        # Yes/no answers repeat: EM on the distinct answer patterns, weighted by how often each
        # occurs, is the same fit with far fewer rows (at most 2^items, and bootstrap samples repeat rows).
        patterns, _, counts = distinct_patterns(Xa)
        with threadpool_limits(limits=1, user_api="blas"):
            self._theta, self._logw, ll, self.n_iter_, self.converged_ = lca_fit(
                patterns, counts, int(self.n_segments), n_init=int(self.n_init), max_iter=int(self.max_iter),
                tol=float(self.tol), rng=rng, init=init)
        lj = self._log_joint(Xa)
        n, p = Xa.shape
        k = int(self.n_segments)
        self.n_params_ = k * p + k - 1
        self.log_likelihood_ = float(ll)
        self.bic_ = float(-2 * ll + self.n_params_ * np.log(n))
        self.aic_ = float(-2 * ll + 2 * self.n_params_)
        log_post = lj - logsumexp(lj, axis=1, keepdims=True)
        hard = lj.argmax(axis=1)
        self.icl_ = float(self.bic_ - 2 * log_post[np.arange(n), hard].sum())
        ent = -float((np.exp(log_post) * log_post).sum())
        self.entropy_ = float(1 - ent / (n * np.log(k)))
        return hard

    def _log_joint(self, Xa, theta=None, logw=None):
        theta = self._theta if theta is None else theta
        logw = self._logw if logw is None else logw
        return lca_log_joint(np.asarray(Xa, dtype=float), theta[None], logw[None])[:, 0, :]

    def _predict_raw(self, X):
        return self._log_joint(X.to_numpy(dtype=float)).argmax(axis=1)

    def _raw_centers(self):
        return self._theta

    def _extra_params(self):
        return {"log_likelihood": self.log_likelihood_, "bic": self.bic_, "aic": self.aic_, "icl": self.icl_,
                "entropy": self.entropy_}

    @property
    def item_probs_(self) -> pd.DataFrame:
        """Probability of "yes" per segment (rows, 1..k) and item (columns)."""
        return pd.DataFrame(
            self.cluster_centers_,
            index=pd.RangeIndex(1, self.n_segments + 1, name="segment"),
            columns=list(self.feature_names_in_),
        )

    @property
    def weights_(self) -> np.ndarray:
        """Segment sizes as probabilities, in segment order."""
        return np.exp(self._logw[np.argsort(self._relabel)])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Posterior probability of each segment (columns in segment order)."""
        check_is_fitted(self, "labels_")
        X = self._check_X(X, fitting=False)
        lj = self._log_joint(X.to_numpy(dtype=float))
        return np.exp(lj - logsumexp(lj, axis=1, keepdims=True))[:, np.argsort(self._relabel)]


class WardSegmenter(_Segmenter):
    """Hierarchical (Ward linkage) segments on a numeric prepared basis.

    Ward merges the two groups whose union least increases the within-segment
    sum of squares. It needs the pairwise distances of all customers
    (``n**2 / 2`` doubles: 1.6 GB at 20,000), so above ``max_fit_rows``
    customers it is fitted on a random sample of that size (drawn with
    ``random_state``) and every other customer joins the nearest centroid.

    :meth:`predict` assigns customers to the nearest segment centroid, which is
    how the tree would be used in practice; for a customer used in the fit this
    can differ from ``labels_`` near segment borders.

    Parameters
    ----------
    n_segments : int, default 4
    max_fit_rows : int, default 20000
        Largest number of customers fitted by Ward itself.
    random_state : int, RandomState or None
        Seed of the sample when there are more than ``max_fit_rows`` customers.

    Attributes
    ----------
    labels_, cluster_centers_ (centroids of the fitted customers), n_fit_rows_, result_

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, .3, (20, 2)), rng.normal(4, .3, (10, 2))], columns=["a", "b"])
    >>> WardSegmenter(2).fit(X).predict(X.iloc[[0, 25]]).tolist()
    [0, 1]
    """

    method = "ward"

    def __init__(self, n_segments: int = 4, *, max_fit_rows: int = 20_000, random_state=None):
        self.n_segments = n_segments
        self.max_fit_rows = max_fit_rows
        self.random_state = random_state

    def _fit_raw(self, X, rng):
        if int(self.max_fit_rows) < self.n_segments:
            raise ValueError(f"max_fit_rows must be >= n_segments ({self.n_segments}), got {self.max_fit_rows}")
        Xa = X.to_numpy(dtype=float)
        n = len(Xa)
        fit_rows = np.arange(n) if n <= self.max_fit_rows else np.sort(
            rng.choice(n, size=int(self.max_fit_rows), replace=False)
        )
        sub = AgglomerativeClustering(self.n_segments, linkage="ward").fit_predict(Xa[fit_rows])
        self._centers = np.vstack([Xa[fit_rows][sub == c].mean(axis=0) for c in range(self.n_segments)])
        labels = pairwise_distances_argmin(Xa, self._centers)
        labels[fit_rows] = sub
        self.n_fit_rows_ = len(fit_rows)
        return labels

    def _predict_raw(self, X):
        return pairwise_distances_argmin(X.to_numpy(dtype=float), self._centers)

    def _raw_centers(self):
        return self._centers

    def _extra_params(self):
        return {"n_fit_rows": self.n_fit_rows_}


class KPrototypesSegmenter(_Segmenter):
    """k-prototypes segments on a mixed numeric + categorical basis (the ``kmodes`` package).

    Distance = squared Euclidean on the numeric columns + ``gamma`` x number of
    mismatching categorical columns (Huang 1998).

    Parameters
    ----------
    n_segments : int, default 4
    categorical : list of str, optional
        Categorical columns; by default the object, string and category columns.
    gamma : float, optional
        Weight of a categorical mismatch; by default half the mean standard
        deviation of the numeric columns (0.5 on z-scored data).
    n_init : int, default 10
    random_state : int, RandomState or None

    Attributes
    ----------
    labels_, cluster_centers_ (object array, columns as in X), gamma_, cost_, result_

    Examples
    --------
    >>> X = pd.DataFrame({"spend": [0.1, 0.2, 0.0, 3.0, 3.1, 2.9],
    ...                   "city": ["a", "a", "a", "b", "b", "b"]})
    >>> seg = KPrototypesSegmenter(2, n_init=2, random_state=0).fit(X)
    >>> sorted(np.bincount(seg.labels_).tolist())
    [3, 3]
    """

    method = "kprototypes"
    _basis_kind = "mixed"

    def __init__(self, n_segments: int = 4, *, categorical: list[str] | None = None, gamma: float | None = None,
                 n_init: int = 10, random_state=None):
        self.n_segments = n_segments
        self.categorical = categorical
        self.gamma = gamma
        self.n_init = n_init
        self.random_state = random_state

    def _split(self, X: pd.DataFrame) -> list[int]:
        if self.categorical is None:
            cat = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        else:
            cat = list(self.categorical)
            missing = [c for c in cat if c not in X.columns]
            if missing:
                raise DataError(f"categorical column(s) {missing} not in X; X has {list(map(str, X.columns))}")
        if not cat:
            raise DataError(
                "k-prototypes needs at least one categorical column and X has none "
                "(object/string/category columns, or name them in categorical=); use KMeansSegmenter"
            )
        num = [c for c in X.columns if c not in cat]
        if not num:
            raise DataError(
                "k-prototypes needs at least one numeric column and every column is categorical; "
                "code yes/no items 0/1 and use LatentClassSegmenter"
            )
        bad = [str(c) for c in num if not pd.api.types.is_numeric_dtype(X[c])]
        if bad:
            raise DataError(f"columns {bad} are not numeric and not listed in categorical={cat}")
        return [X.columns.get_loc(c) for c in cat]

    def _array(self, X: pd.DataFrame) -> np.ndarray:
        arr = X.astype(object).to_numpy()
        for j in self._cat_idx:
            arr[:, j] = X.iloc[:, j].astype(str).to_numpy()
        return arr

    def _fit_raw(self, X, rng):
        from kmodes.kprototypes import KPrototypes

        self._cat_idx = self._split(X)
        self._model = KPrototypes(self.n_segments, n_init=self.n_init, gamma=self.gamma, random_state=rng)
        labels = self._model.fit_predict(self._array(X), categorical=self._cat_idx)
        self.gamma_ = float(self._model.gamma)
        self.cost_ = float(self._model.cost_)
        return labels

    def _predict_raw(self, X):
        return self._model.predict(self._array(X), categorical=self._cat_idx)

    def _raw_centers(self):
        raw = self._model.cluster_centroids_  # numeric columns first, then categorical
        n_cols = len(self.feature_names_in_)
        num_idx = [j for j in range(n_cols) if j not in self._cat_idx]
        out = np.empty((raw.shape[0], n_cols), dtype=object)
        out[:, num_idx] = raw[:, : len(num_idx)].astype(float)
        out[:, self._cat_idx] = raw[:, len(num_idx):]
        return out

    def _extra_params(self):
        return {"gamma": self.gamma_, "cost": self.cost_}

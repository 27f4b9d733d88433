"""Tests of segkit.stability and segkit._fastkmeans on data with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from segkit import UnstableSegmentsWarning
from segkit._fastkmeans import kmeans_fit, kmeans_predict
from segkit.stability import (
    adjusted_rand,
    global_stability,
    jaccard_verdict,
    rule_stability,
    segment_level_stability_across,
    segment_stability,
    stability_over_time,
)
from segkit.stability._segment import best_jaccard


class SkKMeans(ClusterMixin, BaseEstimator):
    """A generic (not fast-path) segmenter: sklearn k-means behind the segkit contract."""

    def __init__(self, n_segments=4, *, n_init=3, random_state=None):
        self.n_segments = n_segments
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, X, y=None):
        self.model_ = KMeans(self.n_segments, n_init=self.n_init, random_state=self.random_state).fit(
            np.asarray(X, dtype=float))
        self.labels_ = self.model_.labels_.astype(int)
        return self

    def predict(self, X):
        return self.model_.predict(np.asarray(X, dtype=float))


class KMeansSegmenter(SkKMeans):
    """Named like segkit's k-means segmenter, so stability takes the batched path."""


class MeanRule(BaseEstimator):
    """Rule scheme: above/below the learnt mean on two columns (4 classes)."""

    def fit(self, X, y=None):
        self.means_ = X[["a", "b"]].mean().to_numpy()
        self.labels_ = self.predict(X)
        return self

    def predict(self, X):
        v = X[["a", "b"]].to_numpy() > self.means_
        return (2 * v[:, 0] + v[:, 1]).astype(int)


def _blobs(n=400, k=4, p=5, seed=0, spread=8.0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, spread, size=(k, p))
    truth = np.repeat(np.arange(k), n // k)
    X = centers[truth] + rng.normal(size=(len(truth), p))
    return pd.DataFrame(X, index=[f"c{i}" for i in range(len(X))], columns=[f"x{j}" for j in range(p)]), truth


@pytest.fixture(scope="module")
def blobs():
    return _blobs()


@pytest.fixture(scope="module")
def planted_global(blobs):
    return global_stability(blobs[0], KMeansSegmenter(), k_range=(2, 6), n_boot=20, random_state=3)


# -- fast k-means -----------------------------------------------------------------------------

def test_fast_kmeans_matches_sklearn_on_blobs(blobs):
    X, truth = blobs
    c, lab, inertia = kmeans_fit(X.to_numpy(), 4, rng=np.random.default_rng(0))
    km = KMeans(4, n_init=10, random_state=0).fit(X.to_numpy())
    assert adjusted_rand_score(truth, lab) == 1.0
    assert inertia == pytest.approx(km.inertia_, rel=1e-9)
    np.testing.assert_array_equal(kmeans_predict(X.to_numpy(), c), lab)


def test_weighted_distinct_rows_equal_full_data():
    rng = np.random.default_rng(1)
    X = (rng.random((600, 6)) < 0.4).astype(float)
    u, inv, cnt = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    _, lab_full, in_full = kmeans_fit(X, 3, n_init=5, rng=np.random.default_rng(7))
    c_u, lab_u, in_u = kmeans_fit(u, 3, n_init=5, sample_weight=cnt, rng=np.random.default_rng(7))
    # Weights are multiplicities: the objective on distinct rows is the full-data objective.
    assert in_u == pytest.approx(((X - c_u[kmeans_predict(X, c_u)]) ** 2).sum())
    assert abs(in_u - in_full) / in_full < 0.02


def test_adjusted_rand_matches_sklearn():
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 4, 500), rng.integers(0, 5, 500)
    b[:300] = a[:300]
    assert adjusted_rand(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_best_jaccard_by_hand():
    orig = np.array([0, 0, 0, 1, 1, 1])
    boot = np.array([5, 5, 7, 7, 7, 7])
    # segment 0: best with boot 5 -> 2 / 3; segment 1: with boot 7 -> 3 / 4
    np.testing.assert_allclose(best_jaccard(orig, boot, 2), [2 / 3, 3 / 4])


# -- global stability -------------------------------------------------------------------------

def test_planted_four_segments_chosen(planted_global):
    res = planted_global
    s = res.summary().set_index("k")
    assert res.chosen_k == 4 and res.is_stable
    assert s.loc[4, "median"] > 0.99
    assert s.loc[5, "median"] < s.loc[4, "median"]
    assert "4 segments" in res.reason
    assert set(res.table.columns) == {"k", "boot", "ari"} and len(res.table) == 5 * 20


def test_structureless_data_is_not_stable():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.random((300, 8)), index=[f"c{i}" for i in range(300)])
    with pytest.warns(UnstableSegmentsWarning, match="No number of segments is stable"):
        res = global_stability(X, KMeansSegmenter(), k_range=(2, 5), n_boot=20, random_state=1)
    assert not res.is_stable
    assert res.summary()["median"].max() < 0.65
    assert res.reason.startswith("No number of segments is stable")


def test_deterministic_and_n_jobs_invariant(blobs, monkeypatch):
    # Force worker processes even for this small work, so the parallel path itself is compared.
    monkeypatch.setattr("segkit.stability._core._MIN_PARALLEL_SECONDS", 0.0)
    X = blobs[0]
    a = global_stability(X, KMeansSegmenter(), k_range=(3, 5), n_boot=6, random_state=11)
    b = global_stability(X, KMeansSegmenter(), k_range=(3, 5), n_boot=6, random_state=11, n_jobs=2)
    pd.testing.assert_frame_equal(a.table, b.table)
    c = global_stability(X.iloc[:, :2], SkKMeans(), k_range=(3, 4), n_boot=4, random_state=2)
    d = global_stability(X.iloc[:, :2], SkKMeans(), k_range=(3, 4), n_boot=4, random_state=2, n_jobs=2)
    pd.testing.assert_frame_equal(c.table, d.table)


def test_generic_path_agrees_with_fast_path(blobs):
    res = global_stability(blobs[0], SkKMeans(n_init=3), k_range=(3, 5), n_boot=8, random_state=0)
    assert res.chosen_k == 4 and res.summary().set_index("k").loc[4, "median"] > 0.99


def test_subsample_mode_agrees_with_full_bootstrap():
    X, _ = _blobs(n=3000, k=4, p=4, seed=9, spread=3.0)
    full = global_stability(X, KMeansSegmenter(), k_range=(2, 6), n_boot=20, random_state=4)
    sub = global_stability(X, KMeansSegmenter(), k_range=(2, 6), n_boot=20, random_state=4,
                           subsample=1500, n_eval=2000)
    assert sub.chosen_k == full.chosen_k == 4
    diff = (sub.summary()["median"] - full.summary()["median"]).abs()
    assert diff.max() < 0.05


def test_bad_arguments_are_named(blobs):
    with pytest.raises(ValueError, match="k_range"):
        global_stability(blobs[0], KMeansSegmenter(), k_range=(1, 3))
    with pytest.raises(ValueError, match="n_boot"):
        global_stability(blobs[0], KMeansSegmenter(), n_boot=1)
    with pytest.raises(ValueError, match="subsample"):
        global_stability(blobs[0], KMeansSegmenter(), k_range=(2, 3), subsample=5)


# -- segment-level stability ------------------------------------------------------------------

def test_planted_segments_are_highly_stable(blobs):
    res = segment_stability(blobs[0], KMeansSegmenter(4), n_boot=20, random_state=0)
    s = res.summary()
    assert list(s["segment"]) == [1, 2, 3, 4]
    assert (s["mean"] >= 0.85).all() and (s["verdict"] == "highly stable").all()
    assert s["n_customers"].sum() == 400 and res.is_stable


def test_split_blob_is_flagged(blobs):
    # Five segments on four blobs: one blob is cut in two, and that cut is not reproducible.
    with pytest.warns(UnstableSegmentsWarning, match="not reproducible"):
        res = segment_stability(blobs[0], SkKMeans(5, n_init=3), n_boot=15, random_state=0, n_jobs=2)
    means = np.sort(res.summary()["mean"].to_numpy())
    # Untouched blobs stay near 1; the halves of the cut blob fall below Hennig's 0.6.
    assert means[-2:].min() > 0.95 and means[0] < 0.6


def test_jaccard_verdicts():
    assert [jaccard_verdict(v) for v in (0.3, 0.55, 0.7, 0.8, 0.9)] == [
        "dissolved", "unstable", "pattern, membership doubtful", "stable", "highly stable"]


# -- SLSA -------------------------------------------------------------------------------------

def test_slsa_shares_and_nesting():
    rng = np.random.default_rng(0)
    # Two far groups, each made of two close blobs: 2 -> 4 segments is a clean split.
    centers = np.array([[0, 0], [0, 4], [40, 0], [40, 4]], dtype=float)
    X = pd.DataFrame(np.repeat(centers, 100, axis=0) + rng.normal(0, 0.5, (400, 2)))
    res = segment_level_stability_across(X, KMeansSegmenter(), k_range=(2, 4), random_state=0)
    t = res.table
    np.testing.assert_allclose(t.groupby(["k_from", "seg_from"])["share"].sum(), 1.0)
    assert t["n"].sum() == 2 * 400
    nodes = res.nodes.set_index(["k", "segment"])
    # Every segment of 3 and 4 comes from one segment of the previous solution.
    assert nodes.loc[[3, 4], "stability"].min() > 0.95
    assert np.isnan(nodes.loc[2, "stability"]).all()
    # Consecutive numbering: segment 1 of k=2 continues as segment 1 of k=3.
    assert t.query("k_from == 2 and seg_from == 1 and seg_to == 1")["share"].iloc[0] > 0.45


# -- rules and time ---------------------------------------------------------------------------

def test_rule_stability_clean_and_noisy():
    rng = np.random.default_rng(0)
    a = np.r_[rng.normal(-5, 0.3, 200), rng.normal(5, 0.3, 200)]
    b = rng.permutation(a)
    clean = pd.DataFrame({"a": a, "b": b})
    res = rule_stability(clean, MeanRule(), n_boot=30, random_state=0)
    assert res.mean_changed == 0.0 and (res.summary()["mean_changed"] == 0).all()
    noisy = pd.DataFrame(rng.normal(size=(400, 2)), columns=["a", "b"])
    res2 = rule_stability(noisy, MeanRule(), n_boot=30, random_state=0, n_jobs=2)
    # With no gap at the mean, customers near it flip: a few percent, not zero, not most.
    assert 0.01 < res2.mean_changed < 0.2
    assert len(res2.table) == 30 * 4


def test_stability_over_time(blobs):
    X, truth = blobs
    rng = np.random.default_rng(1)
    late = X + rng.normal(0, 0.2, X.shape)
    late = late.iloc[50:]
    res = stability_over_time(X, late, SkKMeans(4), random_state=0)
    assert list(res.table["n_customers"]) == [350, 350, 400, 350]
    assert (res.table["ari"] > 0.99).all() and (res.table["share_same"] > 0.99).all()
    assert (res.summary()["reading"] == "excellent").all()


def test_plots_return_axes(planted_global, blobs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = planted_global.plot()
    assert len(ax.get_xticklabels()) == 5
    seg = segment_stability(blobs[0], KMeansSegmenter(4), n_boot=3, random_state=0)
    slsa = segment_level_stability_across(blobs[0], KMeansSegmenter(), k_range=(2, 4), random_state=0)
    for obj in (seg, slsa):
        assert obj.plot() is not None
    plt.close("all")

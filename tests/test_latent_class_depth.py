"""Latent class in depth: the batched EM, its information criteria, and its bootstrap stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit._fastlca import distinct_patterns, lca_fit, lca_fit_batch, lca_log_joint
from segkit.methods.clustering import LatentClassSegmenter
from segkit.methods.information import IC_RULE, information_criteria
from segkit.stability import adjusted_rand, global_stability, slsw
from segkit.stability._core import Fitter, bootstrap_pair

#: Three planted classes of 12 yes/no items: each says yes to its own four items.
PROBS = np.array([[0.85] * 4 + [0.1] * 8, [0.1] * 4 + [0.85] * 4 + [0.1] * 4, [0.1] * 8 + [0.85] * 4])


def _survey(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    cls = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    X = (rng.random((n, PROBS.shape[1])) < PROBS[cls]).astype(np.int64)
    return pd.DataFrame(X, index=[f"r{i}" for i in range(n)], columns=[f"q{j + 1}" for j in range(12)]), cls


@pytest.fixture(scope="module")
def survey():
    return _survey()


def test_em_on_patterns_equals_em_on_rows(survey):
    """Weights over distinct patterns are multiplicities: same log-likelihood as the expanded rows."""
    X = survey[0].to_numpy(dtype=float)
    U, inv, counts = distinct_patterns(X)
    assert counts.sum() == len(X) and len(U) < len(X)
    start = np.random.default_rng(1).uniform(0.25, 0.75, (3, 12))
    th_u, lw_u, ll_u, _, ok_u = lca_fit(U, counts, 3, init=start, rng=np.random.default_rng(0))
    th_x, lw_x, ll_x, _, ok_x = lca_fit(X, np.ones(len(X)), 3, init=start, rng=np.random.default_rng(0))
    assert ok_u and ok_x
    assert ll_u == pytest.approx(ll_x, abs=1e-6)
    np.testing.assert_allclose(th_u, th_x, atol=1e-8)
    # The log-likelihood returned is the one of the returned parameters.
    lj = lca_log_joint(X, th_u[None], lw_u[None])[:, 0]
    assert float(np.log(np.exp(lj).sum(axis=1)).sum()) == pytest.approx(ll_u, abs=1e-6)


def test_batched_fits_equal_one_at_a_time(survey):
    """Each row of W is its own fit: batching B samples gives the B separate answers."""
    X = survey[0].to_numpy(dtype=float)
    U, inv, _ = distinct_patterns(X)
    rng = np.random.default_rng(3)
    W = np.vstack([np.bincount(inv[rng.integers(0, len(X), len(X))], minlength=len(U)) for _ in range(4)])
    start = PROBS + 0.05
    batch = lca_fit_batch(U, W, 3, init=start, rng=np.random.default_rng(0), tol=1e-9, max_iter=2000)
    for b in range(4):
        single = lca_fit_batch(U, W[b:b + 1], 3, init=start, rng=np.random.default_rng(0), tol=1e-9, max_iter=2000)
        assert batch.loglik[b] == pytest.approx(single.loglik[0], abs=1e-6)
        np.testing.assert_allclose(batch.theta[b], single.theta[0], atol=1e-7)
    assert batch.converged.all()


def test_early_stopping_tolerance_is_per_observation(survey):
    X = survey[0].to_numpy(dtype=float)
    U, _, counts = distinct_patterns(X)
    loose = lca_fit_batch(U, counts[None], 3, n_init=1, tol=1e-3, rng=np.random.default_rng(0))
    tight = lca_fit_batch(U, counts[None], 3, n_init=1, tol=1e-8, rng=np.random.default_rng(0))
    assert loose.converged[0] and tight.converged[0]
    assert loose.n_iter[0] < tight.n_iter[0]
    # Stopping when a step gains less than tol * n leaves the fit within a few steps' gains of the maximum.
    assert 0 <= tight.loglik[0] - loose.loglik[0] < 50 * 1e-3 * len(X)


def test_segmenter_recovers_planted_classes_and_reports_flexmix_criteria(survey):
    X, cls = survey
    seg = LatentClassSegmenter(3, n_init=5, random_state=0).fit(X)
    assert adjusted_rand(cls, seg.labels_) > 0.9
    # Segment 1 is the largest (half the respondents): it says yes to items 1-4.
    np.testing.assert_allclose(seg.item_probs_.loc[1].to_numpy(), PROBS[0], atol=0.06)
    n, p = X.shape
    assert seg.n_params_ == 3 * p + 2
    assert seg.bic_ == pytest.approx(-2 * seg.log_likelihood_ + seg.n_params_ * np.log(n))
    post = seg.predict_proba(X)
    hard = post[np.arange(n), post.argmax(axis=1)]
    assert seg.icl_ == pytest.approx(seg.bic_ - 2 * np.log(hard).sum(), rel=1e-9)
    assert seg.entropy_ == pytest.approx(1 + (post * np.log(post)).sum() / (n * np.log(3)), rel=1e-9)
    assert 0.7 < seg.entropy_ <= 1


def test_segmenter_starts_from_given_item_probabilities(survey):
    X, cls = survey
    # Given profiles in another order: segment j is the one started from row j, whatever its size.
    order = [2, 0, 1]
    seg = LatentClassSegmenter(3, init=PROBS[order]).fit(X)
    np.testing.assert_allclose(seg.item_probs_.to_numpy(), PROBS[order], atol=0.08)
    assert adjusted_rand(cls, seg.labels_) > 0.9
    assert (seg.labels_[cls == 2] == 0).mean() > 0.95
    assert seg.result_.params["init"] == "given centres"
    with pytest.raises(Exception, match="init must hold item probabilities for 3 segments x 12"):
        LatentClassSegmenter(3, init=PROBS[:2]).fit(X)
    with pytest.raises(ValueError, match="between 0 and 1"):
        LatentClassSegmenter(3, init=PROBS * 2).fit(X)


def test_information_criteria_pick_the_planted_number(survey):
    ic = information_criteria(survey[0], k_range=(1, 5), n_init=5, random_state=0)
    t = ic.table.set_index("k")
    assert (ic.chosen_k, ic.bic_k) == (3, 3)
    assert t.loc[1, "n_params"] == 12 and t.loc[5, "n_params"] == 5 * 12 + 4
    # The log-likelihood rises with k; the criteria are the formulas stated.
    assert t["log_likelihood"].is_monotonic_increasing
    np.testing.assert_allclose(t["bic"], -2 * t["log_likelihood"] + t["n_params"] * np.log(600))
    assert (t["icl"] >= t["bic"] - 1e-9).all()
    assert "3 segments: ICL is lowest there" in ic.reason
    assert ic.summary().set_index("k").loc[3, "lowest"] == "AIC, BIC, ICL"
    assert "lowest ICL" in IC_RULE


def test_latent_class_global_stability_is_batched_and_reproducible(survey):
    X, _ = survey
    seg = LatentClassSegmenter(n_init=4)
    a = global_stability(X, seg, k_range=(2, 4), n_boot=6, random_state=5)
    b = global_stability(X, seg, k_range=(2, 4), n_boot=6, random_state=5, n_jobs=2)
    assert a.params["batched_latent_class"]
    pd.testing.assert_frame_equal(a.table, b.table)
    med = a.summary().set_index("k")["median"]
    assert a.chosen_k == 3 and med[3] > 0.9 and med[3] > med[2]


def test_batched_latent_class_fits_match_the_estimator_on_the_same_sample(survey):
    """The batched path's fit of a bootstrap sample is the estimator's fit of that sample (same maximum)."""
    X, _ = survey
    M = X.to_numpy(dtype=float)
    fitter = Fitter.build(LatentClassSegmenter(3, n_init=5), M, None)
    idx, _ = bootstrap_pair(np.random.SeedSequence(9), len(M), len(M))
    lab = fitter.fit_many([idx], 3, np.random.default_rng(0))[0]
    est = LatentClassSegmenter(3, n_init=5, random_state=0).fit(X.iloc[idx])
    assert adjusted_rand(lab, est.predict(X)) > 0.97


def test_slsw_latent_class_on_planted_classes(survey):
    X, _ = survey
    res = slsw(X, LatentClassSegmenter(3, n_init=4, random_state=0), n_boot=8, random_state=0)
    assert res.params["batched_latent_class"] and res.params["n_init"] == 4
    assert (res.medians > 0.85).all()
    assert res.summary()["n_customers"].sum() == 600


def test_kmeans_and_latent_class_see_the_same_bootstrap_samples(survey, monkeypatch):
    """The benchmark's comparison is fair: for one seed both methods are fitted on the very same samples."""
    from segkit.methods.clustering import KMeansSegmenter
    from segkit.stability import _global

    drawn: dict[str, list] = {"kmeans": [], "lca": []}
    real = _global.bootstrap_pair

    def record(key):
        def draw(seed, n, m):
            pair = real(seed, n, m)
            drawn[key].append(tuple(np.concatenate(pair)[:20]))
            return pair
        return draw

    X, _ = survey
    monkeypatch.setattr(_global, "bootstrap_pair", record("kmeans"))
    global_stability(X, KMeansSegmenter(n_init=2), k_range=(2, 3), n_boot=3, random_state=8)
    monkeypatch.setattr(_global, "bootstrap_pair", record("lca"))
    global_stability(X, LatentClassSegmenter(n_init=2), k_range=(2, 3), n_boot=3, random_state=8)
    assert len(drawn["kmeans"]) == 6 and sorted(drawn["kmeans"]) == sorted(drawn["lca"])

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from segkit.config import DATA_DRIVEN_METHODS, RULE_BASED_METHODS
from segkit.errors import DataError
from segkit.methods import (
    METHOD_INFO,
    GaussianMixtureSegmenter,
    KMeansSegmenter,
    KPrototypesSegmenter,
    LatentClassSegmenter,
    WardSegmenter,
    describe_segments,
    make_segmenter,
)

SIZES = (150, 100, 50)
MEANS = np.array([[0, 0, 0, 0], [6, 6, 0, 0], [0, 6, 6, -6]], dtype=float)


def blobs(seed=0, sizes=SIZES):
    """Three well-separated Gaussian blobs (unit variance, centres >= 8.4 SD apart), largest first."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    X = MEANS[truth] + rng.normal(0, 1, (len(truth), 4))
    ids = [f"S{seed}-{i:04d}" for i in range(len(truth))]
    return pd.DataFrame(X, columns=["a", "b", "c", "d"], index=pd.Index(ids, name="customer_id")), truth


ITEM_PROFILES = np.array([  # 1 = yes with probability 0.85, 0 = 0.15
    [1, 1, 1, 0, 0, 0, 0, 0],
    [0, 0, 0, 1, 1, 1, 0, 0],
    [0, 1, 0, 0, 1, 0, 1, 1],
])


def bernoulli_items(seed=0, sizes=(300, 200, 100)):
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(3), sizes)
    p = np.where(ITEM_PROFILES[truth] == 1, 0.85, 0.15)
    X = (rng.random(p.shape) < p).astype(int)
    cols = [f"item_{j}" for j in range(X.shape[1])]
    return pd.DataFrame(X, columns=cols, index=pd.Index([f"R{i}" for i in range(len(X))], name="customer_id")), truth


def mixed(seed=0, sizes=(120, 90, 60)):
    """Numeric blobs plus a categorical column that agrees with the segment 85% of the time."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(3), sizes)
    centres = np.array([[0, 0], [4, 0], [0, 4]], dtype=float)
    num = centres[truth] + rng.normal(0, 1, (len(truth), 2))
    cats = np.array(["north", "south", "east"])
    city = np.where(rng.random(len(truth)) < 0.85, cats[truth], cats[rng.integers(0, 3, len(truth))])
    return pd.DataFrame({"spend": num[:, 0], "visits": num[:, 1], "region": city},
                        index=pd.Index([f"M{i}" for i in range(len(truth))], name="customer_id")), truth


@pytest.fixture(autouse=True)
def _one_thread():
    # OpenMP threads busy-wait on a loaded 2-core machine; these fits are tiny anyway.
    with threadpool_limits(1):
        yield


NUMERIC = [KMeansSegmenter, GaussianMixtureSegmenter, WardSegmenter]


def make(cls, k=3, seed=0):
    kwargs = {"random_state": seed}
    if cls in (KMeansSegmenter, KPrototypesSegmenter, LatentClassSegmenter):
        kwargs["n_init"] = 4
    if cls is GaussianMixtureSegmenter:
        kwargs["n_init"] = 2
    return cls(k, **kwargs)


def data_for(cls, seed=0):
    if cls is LatentClassSegmenter:
        return bernoulli_items(seed)
    if cls is KPrototypesSegmenter:
        return mixed(seed)
    return blobs(seed)


ALL = [*NUMERIC, LatentClassSegmenter, KPrototypesSegmenter]


# --- planted-segment recovery ---------------------------------------------------------------

@pytest.mark.parametrize("cls", NUMERIC)
def test_numeric_methods_recover_planted_blobs(cls):
    X, truth = blobs()
    seg = make(cls).fit(X)
    assert adjusted_rand_score(truth, seg.labels_) >= 0.95
    # No sample value: segment 1 is the largest, so segment numbers follow the planted sizes.
    assert np.bincount(seg.labels_).tolist() == pytest.approx(list(SIZES), abs=3)


def test_latent_class_recovers_planted_classes_and_item_probabilities():
    X, truth = bernoulli_items()
    seg = make(LatentClassSegmenter).fit(X)
    # With 0.85/0.15 items some answer patterns are ambiguous, so even the true parameters
    # misclassify a few respondents (oracle ARI 0.856 here): the fit must match that.
    theta, w, Xa = np.where(ITEM_PROFILES == 1, 0.85, 0.15), np.array([0.5, 1 / 3, 1 / 6]), X.to_numpy()
    oracle = (Xa @ np.log(theta).T + (1 - Xa) @ np.log(1 - theta).T + np.log(w)).argmax(axis=1)
    ari, ari_oracle = adjusted_rand_score(truth, seg.labels_), adjusted_rand_score(truth, oracle)
    assert ari >= 0.8
    assert ari >= ari_oracle - 0.02
    # Largest first -> segment s is planted class s - 1.
    np.testing.assert_allclose(seg.item_probs_.to_numpy(), np.where(ITEM_PROFILES == 1, 0.85, 0.15), atol=0.08)
    np.testing.assert_allclose(seg.weights_, [0.5, 1 / 3, 1 / 6], atol=0.04)
    assert seg.item_probs_.index.tolist() == [1, 2, 3]
    assert seg.converged_


def test_latent_class_likelihood_bic_and_posteriors_are_consistent():
    X, _ = bernoulli_items()
    seg = make(LatentClassSegmenter).fit(X)
    theta, w, Xa = seg.item_probs_.to_numpy(), seg.weights_, X.to_numpy()
    per_class = np.prod(np.where(Xa[:, None, :] == 1, theta, 1 - theta), axis=2) * w
    assert seg.log_likelihood_ == pytest.approx(np.log(per_class.sum(axis=1)).sum(), rel=1e-9)
    n_params = 3 * 8 + 2
    assert seg.bic_ == pytest.approx(-2 * seg.log_likelihood_ + n_params * np.log(len(X)))
    proba = seg.predict_proba(X)
    np.testing.assert_allclose(proba, per_class / per_class.sum(axis=1, keepdims=True), rtol=1e-9)
    assert (proba.argmax(axis=1) == seg.labels_).all()
    # The planted number of classes has the lowest BIC.
    bics = {k: make(LatentClassSegmenter, k).fit(X).bic_ for k in (2, 3, 4)}
    assert min(bics, key=bics.get) == 3


def test_latent_class_probabilities_stay_away_from_zero_and_one():
    X = pd.DataFrame({"a": [1] * 10 + [0] * 10, "b": [1] * 10 + [0] * 10})
    seg = LatentClassSegmenter(2, n_init=3, random_state=0).fit(X)
    probs = seg.item_probs_.to_numpy()
    assert probs.min() >= 1e-6 and probs.max() <= 1 - 1e-6
    # A new answer pattern the classes never saw still gets finite posteriors.
    assert np.isfinite(seg.predict_proba(pd.DataFrame({"a": [1], "b": [0]}))).all()


def test_kprototypes_recovers_mixed_segments_and_predicts():
    X, truth = mixed()
    seg = make(KPrototypesSegmenter).fit(X)
    assert adjusted_rand_score(truth, seg.labels_) >= 0.85
    assert seg.gamma_ == pytest.approx(0.5 * X[["spend", "visits"]].std(ddof=0).mean())
    X_new, truth_new = mixed(seed=1)
    assert adjusted_rand_score(truth_new, seg.predict(X_new)) >= 0.85
    # Centres keep X's column order: numeric means, then the region's mode.
    assert seg.cluster_centers_.shape == (3, 3)
    assert set(seg.cluster_centers_[:, 2]) == {"north", "south", "east"}
    assert seg.result_.centers.columns.tolist() == ["spend", "visits", "region"]


# --- renumbering, determinism, predict, clone ------------------------------------------------

@pytest.mark.parametrize("cls", ALL)
def test_same_random_state_gives_identical_labels(cls):
    X, _ = data_for(cls)
    a = make(cls, seed=7).fit(X)
    b = make(cls, seed=7).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.result_.segments, b.result_.segments)


@pytest.mark.parametrize("cls", ALL)
def test_segment_one_has_the_highest_mean_sample_value(cls):
    X, truth = data_for(cls)
    # The smallest planted segment is the most valuable.
    value = pd.Series(np.array([10.0, 50.0, 400.0])[truth], index=X.index)
    seg = make(cls).fit(X, sample_value=value.sample(frac=1, random_state=0))  # aligned by customer_id
    means = value.groupby(seg.labels_).mean()
    assert means.is_monotonic_decreasing
    assert np.mean((truth == 2) == (seg.labels_ == 0)) >= 0.95
    assert seg.result_.params["ordered_by"] == "sample_value"


@pytest.mark.parametrize("cls", ALL)
def test_predict_assigns_new_customers(cls):
    X, _ = data_for(cls)
    seg = make(cls).fit(X)
    X_new, truth_new = data_for(cls, seed=3)
    pred = seg.predict(X_new)
    assert pred.dtype.kind == "i" and pred.min() >= 0 and pred.max() < 3
    assert adjusted_rand_score(truth_new, pred) >= 0.8
    # Columns are matched by name, not position.
    np.testing.assert_array_equal(seg.predict(X_new[X_new.columns[::-1]]), pred)


@pytest.mark.parametrize("cls", [KMeansSegmenter, GaussianMixtureSegmenter, LatentClassSegmenter])
def test_predict_on_training_data_reproduces_labels(cls):
    X, _ = data_for(cls)
    seg = make(cls).fit(X)
    np.testing.assert_array_equal(seg.predict(X), seg.labels_)


@pytest.mark.parametrize("cls", ALL)
def test_clone_gives_an_unfitted_copy_that_refits_identically(cls):
    X, _ = data_for(cls)
    seg = make(cls, seed=3).fit(X)
    twin = clone(seg)
    assert twin.get_params() == seg.get_params()
    assert not hasattr(twin, "labels_")
    np.testing.assert_array_equal(twin.fit(X).labels_, seg.labels_)


@pytest.mark.parametrize("cls", ALL)
def test_result_matches_labels(cls):
    X, _ = data_for(cls)
    seg = make(cls).fit(X)
    res = seg.result_
    assert res.method == cls.method
    assert (res.assignments["segment"].to_numpy() == seg.labels_ + 1).all()
    assert res.assignments["customer_id"].tolist() == X.index.tolist()
    assert res.segments["name"].is_unique
    assert res.segments["share"].sum() == pytest.approx(1.0)
    assert res.segments["n_customers"].tolist() == np.bincount(seg.labels_).tolist()
    assert (res.segments["action"].str.len() > 20).all()
    assert res.centers.index.tolist() == [1, 2, 3]
    if cls is not KPrototypesSegmenter:
        np.testing.assert_allclose(res.centers.to_numpy(), X.groupby(seg.labels_ + 1).mean().to_numpy())


def test_cluster_centers_follow_the_renumbering():
    X, _ = blobs()
    seg = make(KMeansSegmenter).fit(X)
    np.testing.assert_allclose(seg.cluster_centers_, X.groupby(seg.labels_).mean().to_numpy(), atol=1e-8)
    gmm = make(GaussianMixtureSegmenter).fit(X)
    np.testing.assert_allclose(gmm.weights_, np.array(SIZES) / sum(SIZES), atol=0.02)
    np.testing.assert_allclose(gmm.predict_proba(X).argmax(axis=1), gmm.labels_)


def test_bootstrap_sample_with_repeated_ids_is_accepted():
    X, _ = blobs()
    boot = X.sample(frac=1, replace=True, random_state=1)
    seg = make(KMeansSegmenter).fit(boot)
    ids = seg.result_.assignments["customer_id"]
    assert ids.is_unique
    assert ids.str.contains("~2").any()


def test_ward_fits_a_seeded_sample_above_max_fit_rows():
    X, truth = blobs()
    a = WardSegmenter(3, max_fit_rows=120, random_state=5).fit(X)
    b = WardSegmenter(3, max_fit_rows=120, random_state=5).fit(X)
    assert a.n_fit_rows_ == 120
    assert adjusted_rand_score(truth, a.labels_) >= 0.95
    np.testing.assert_array_equal(a.labels_, b.labels_)
    # Customers outside the sample joined the nearest centroid, exactly as predict would place them.
    outside = a.predict(X) == a.labels_
    assert outside.mean() >= 0.99


# --- errors ------------------------------------------------------------------------------------

def test_errors_name_the_problem():
    X, _ = blobs()
    with pytest.raises(DataError, match=r"\['region'\] are not numeric.*KPrototypesSegmenter"):
        KMeansSegmenter(3).fit(X.assign(region="x"))
    with pytest.raises(DataError, match="column 'b': 1 missing values"):
        KMeansSegmenter(3).fit(X.assign(b=np.r_[np.nan, X["b"].to_numpy()[1:]]))
    with pytest.raises(ValueError, match=r"n_segments must be between 2 and the number of customers \(300\), got 301"):
        KMeansSegmenter(301).fit(X)
    with pytest.raises(ValueError, match="n_segments must be an integer >= 2, got 2.5"):
        KMeansSegmenter(2.5).fit(X)
    with pytest.raises(DataError, match=r"models yes/no items coded 0/1; columns \['a', 'b', 'c', 'd'\]"):
        LatentClassSegmenter(3).fit(X)
    with pytest.raises(DataError, match="needs at least one categorical column"):
        KPrototypesSegmenter(3).fit(X)
    with pytest.raises(DataError, match=r"sample_value has 2 values but X has 300 rows"):
        KMeansSegmenter(3).fit(X, sample_value=[1.0, 2.0])
    with pytest.raises(DataError, match="sample_value lacks a value for 1 of 300 customers"):
        KMeansSegmenter(3).fit(X, sample_value=pd.Series(1.0, index=X.index[1:]))
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        GaussianMixtureSegmenter(3, covariance_type="round").fit(X)
    seg = KMeansSegmenter(3, random_state=0).fit(X)
    with pytest.raises(DataError, match=r"lacks basis column\(s\) \['d'\]"):
        seg.predict(X.drop(columns="d"))


# --- naming ------------------------------------------------------------------------------------

def test_names_use_the_feature_vocabulary_and_actions_fit_the_profile():
    rng = np.random.default_rng(0)
    n = 50
    profiles = {  # recency, frequency, monetary_total, monetary_avg, tenure, promo_share (in SD)
        "vip": [-1.5, 1.5, 1.5, 1.5, 0.8, -0.5],
        "lapsed_valuable": [1.5, 0.6, 1.2, 0.5, 1.0, 0.0],
        "new": [-1.0, -1.0, -1.0, 0.0, -2.0, 0.0],
        "promo": [0.0, 0.6, 0.0, -0.2, 0.0, 2.0],
    }
    cols = ["recency_days", "frequency", "monetary_total", "monetary_avg", "tenure_days", "promo_share"]
    X = pd.DataFrame(np.vstack([np.array(p) + rng.normal(0, 0.2, (n, 6)) for p in profiles.values()]), columns=cols)
    segment = np.repeat([1, 2, 3, 4], n)
    out = describe_segments(X, segment).set_index("segment")
    names, actions = out["name"], out["action"]
    words = names[1].lower().split(", ")
    assert len(words) == 3 and {"recent", "frequent"} <= set(words)
    assert set(words) <= {"recent", "frequent", "high-spend", "big-basket"}
    assert names[2].lower().startswith("lapsed")
    assert "new" in names[3].lower().split(", ")
    assert names[4].lower().startswith("promotion-driven")
    assert actions[1].startswith("VIP retention")
    assert actions[2].startswith("Win back")
    assert actions[3].startswith("Second-purchase nurture")
    assert actions[4].startswith("Promotion-timed offers")
    assert "recency_days -" in out.loc[1, "description"]


def test_names_are_unique_even_for_identical_profiles():
    X = pd.DataFrame({"frequency": [1.0, 1.0, 1.0, 1.0, 9.0, 9.0]})
    out = describe_segments(X, [1, 1, 2, 2, 3, 3])
    assert out["name"].is_unique
    assert out["name"].tolist() == ["Infrequent", "Infrequent (2)", "Frequent"]


def test_survey_segments_are_named_by_their_distinctive_items():
    X, truth = bernoulli_items()
    out = describe_segments(X, truth + 1, kind="binary").set_index("segment")
    # Names are for people: snake_case items read as words, the first one capitalised.
    assert out.loc[1, "name"].startswith(("Item 0", "Item 1", "Item 2"))
    assert {w.lower() for w in out.loc[1, "name"].split(", ")[:3]} == {"item 0", "item 1", "item 2"}
    assert "item_0" in out.loc[1, "action"]
    assert "yes (base" in out.loc[1, "description"]


# --- registry ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method,cls", [
    ("kmeans", KMeansSegmenter), ("gmm", GaussianMixtureSegmenter), ("ward", WardSegmenter),
    ("latent_class", LatentClassSegmenter), ("kprototypes", KPrototypesSegmenter),
])
def test_make_segmenter_builds_each_data_driven_method(method, cls):
    seg = make_segmenter(method, 5, random_state=3, n_init=2)
    assert type(seg) is cls
    assert seg.n_segments == 5 and seg.random_state == 3
    if method != "ward":  # Ward is deterministic: it takes no restarts
        assert seg.n_init == 2
    assert make_segmenter(method).n_segments == 4


def test_make_segmenter_passes_options_and_rejects_unknown_ones():
    assert make_segmenter("gmm", 3, covariance_type="diag").covariance_type == "diag"
    with pytest.raises(ValueError, match=r"unknown method 'kmedoids'; allowed: kmeans, kprototypes, gmm"):
        make_segmenter("kmedoids")
    with pytest.raises(ValueError, match="'auto' must be resolved with choose_method first"):
        make_segmenter("auto")
    with pytest.raises(ValueError, match=r"method 'kmeans' does not take option\(s\) \['gamma'\]"):
        make_segmenter("kmeans", 3, gamma=1.0)


@pytest.mark.parametrize("method", RULE_BASED_METHODS)
def test_make_segmenter_builds_rule_based_methods(method):
    rules = pytest.importorskip("segkit.methods.rules")
    # classify_stratify takes the study file's stratify section as it is written there.
    options = {"type_column": "has_loan", "size_column": "balance", "thresholds": [1e4]} \
        if method == "classify_stratify" else {}
    seg = make_segmenter(method, random_state=0, **options)
    assert type(seg).__module__ == rules.__name__
    assert type(seg).__name__.endswith("Segmenter")
    if method == "classify_stratify":
        assert seg.get_params()["thresholds"] == [1e4]
        assert "balance" in seg.get_params().values()
    with pytest.raises(ValueError, match=f"method '{method}' defines its own segments"):
        make_segmenter(method, 5, **options)


def test_method_info_covers_every_method():
    assert METHOD_INFO["method"].tolist() == [*DATA_DRIVEN_METHODS, *RULE_BASED_METHODS]
    assert set(METHOD_INFO["family"]) == {"data-driven", "rule-based value", "rule-based survey"}
    assert METHOD_INFO.set_index("method").loc["latent_class", "basis_kind"] == "binary"

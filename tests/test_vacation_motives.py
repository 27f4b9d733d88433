"""segkit against R on a real survey: flexclust, fpc and flexmix on the vacation motives data.

The data and R's numbers live outside the repository, in ``../shared/data/vacation_motives``
(``R_REFERENCE.md`` there says how R computed them). R's numbers come from random starts, so
segments are matched by content (their item profiles), never by number, and the comparisons use
the tolerances of issue 15 or, for bootstrap medians, the Monte-Carlo error of R's own estimate.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import ks_2samp

from segkit.errors import UnstableSegmentsWarning
from segkit.methods.clustering import KMeansSegmenter, LatentClassSegmenter
from segkit.methods.information import information_criteria
from segkit.stability import global_stability, segment_level_stability_across, slsw

REF = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "vacation_motives"
#: The 20 yes/no motives are the columns after the respondent id.
N_ITEMS = 20
#: The book's k-means: flexclust's kcca (k distinct random data points as starts, the restart with the
#: smallest sum of distances kept).
BOOK_KMEANS = {"init": "random", "select": "distsum"}
SEED = 6
#: R's SLSW medians per segment of the stepFlexclust solution (R_REFERENCE.md).
R_SLSW = {3: [0.838, 0.762, 0.837], 6: [0.830, 0.637, 0.472, 0.635, 0.764, 0.752]}
#: R's SLSA values (1 - normalised entropy) of the three segments of k = 3.
R_SLSA_K3 = [1.0, 0.0, 0.79]


@pytest.fixture(scope="module")
def motives() -> pd.DataFrame:
    path = REF / "vacation_motives.csv"
    if not path.is_file():
        pytest.skip("../shared/data/vacation_motives not found: the shared reference data is not in this checkout")
    d = pd.read_csv(path)
    items = d.columns[1:1 + N_ITEMS]
    X = (d[items] == "yes").astype(np.int64)
    X.index = pd.Index(d["respondent"].astype(str), name="customer_id")
    return X


def _ref(name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(REF / name, **kw)


def _match(profiles_r: np.ndarray, profiles_ours: np.ndarray) -> np.ndarray:
    """For each R segment (row), the index of our segment with the nearest item profile (Hungarian)."""
    rows, cols = linear_sum_assignment(((profiles_r[:, None] - profiles_ours[None]) ** 2).sum(axis=2))
    return cols[np.argsort(rows)]


def _median_se(values: np.ndarray) -> float:
    """Large-sample standard error of a median: sqrt(pi / 2) * sd / sqrt(n)."""
    return float(np.sqrt(np.pi / 2) * np.std(values, ddof=1) / np.sqrt(len(values)))


# -- item 1: SLSW ------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [3, 6])
def test_slsw_kmeans_matches_slswflexclust(motives, k):
    """Per-segment median Jaccard within 0.05 of R's on R's solution; segkit's own solution close too.

    R's stepFlexclust solution is the solution the book studies: on it only the bootstrap side
    differs, and every median is within 0.05 (six seeds: at most 0.039). segkit's own best-of-10
    solution is another of the many near-equal local optima (sum of distances within 0.5 of R's,
    adjusted Rand index 0.8-0.97 with it), so a segment can differ a little more: over six seeds
    k = 3 stays within 0.05 and k = 6 within 0.062, with at most one segment beyond 0.05.
    """
    assign = _ref(f"k{k}_assignment.csv")
    assert (assign["respondent"].astype(str).to_numpy() == motives.index.to_numpy()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnstableSegmentsWarning)
        on_r = slsw(motives, KMeansSegmenter(k, **BOOK_KMEANS), labels=assign["segment"].to_numpy(),
                    n_boot=100, n_init=3, random_state=SEED)
        own = KMeansSegmenter(k, n_init=10, random_state=SEED, **BOOK_KMEANS).fit(motives)
        ours = slsw(motives, own, n_boot=100, n_init=3, random_state=SEED)
    np.testing.assert_allclose(on_r.medians.to_numpy(), R_SLSW[k], atol=0.05)
    prof_r = _ref(f"k{k}_profile_yes_share.csv", index_col=0).to_numpy()
    prof_ours = motives.groupby(own.labels_).mean().to_numpy()
    m = _match(prof_r, prof_ours)
    # Matched segments are the same segments: profiles within 0.1 of a yes-share on average.
    assert np.abs(prof_r - prof_ours[m]).mean() < 0.1
    diff = np.abs(ours.medians.to_numpy()[m] - R_SLSW[k])
    assert diff.max() < (0.05 if k == 3 else 0.07) and (diff > 0.05).sum() <= 1, diff.round(3)
    assert len(ours.table) == 100 * k and ours.params["n_init"] == 3


def test_slsw_definition_is_flexclusts(motives):
    """One pair by hand: Jaccard of each R segment with its best match, on all respondents, mean of the pair."""
    from segkit.stability._core import bootstrap_pair, root_seed

    labels = _ref("k3_assignment.csv")["segment"].to_numpy() - 1
    res = slsw(motives, KMeansSegmenter(3, n_init=3, **BOOK_KMEANS), labels=labels + 1, n_boot=2,
               random_state=0)
    seed = root_seed(0).spawn(3)[1]
    X = motives.to_numpy(dtype=float)
    from segkit._fastkmeans import kmeans_fit, kmeans_predict
    from segkit.stability._core import child_seed

    rng = np.random.default_rng(child_seed(seed, 1))
    best = []
    for idx in bootstrap_pair(seed, len(X), len(X)):
        # The batched k-means sees a bootstrap sample as weights on the rows (no compression: 863 patterns).
        centers, _, _ = kmeans_fit(X[idx], 3, n_init=3, rng=rng, init="random", select="distsum")
        lab = kmeans_predict(X, centers)
        jac = [[((labels == a) & (lab == b)).sum() / ((labels == a) | (lab == b)).sum() for b in range(3)]
               for a in range(3)]
        best.append(np.max(jac, axis=1))
    np.testing.assert_allclose(res.table.query("boot == 0")["jaccard"].to_numpy(), np.mean(best, axis=0))


def test_slsw_latent_class_runs_batched(motives):
    seg = LatentClassSegmenter(2, n_init=5, random_state=0).fit(motives)
    res = slsw(motives, seg, n_boot=10, n_init=5, random_state=0)
    assert res.params["batched_latent_class"] and len(res.table) == 20
    # Two latent classes (more and fewer motives) come back in every sample.
    assert (res.medians > 0.85).all() and (res.summary()["verdict"] == "highly stable").all()


# -- item 2: latent class information criteria -------------------------------------------------

def test_latent_class_information_criteria_match_flexmix(motives):
    ic = information_criteria(motives, k_range=(2, 8), random_state=0)
    ref = _ref("lca_information_criteria.csv").set_index("k")
    t = ic.table.set_index("k")
    # An EM that finds the maximum reaches R's best of 10 starts within 0.5; a better maximum is allowed.
    assert (t["log_likelihood"] > ref["logLik"] - 0.5).all(), (t["log_likelihood"] - ref["logLik"]).round(2)
    assert (t["log_likelihood"] < ref["logLik"] + 5).all()
    assert t["n_params"].tolist() == [20 * k + k - 1 for k in range(2, 9)]
    # Same formulas: AIC and BIC follow from the log-likelihood exactly as in R.
    np.testing.assert_allclose(t["aic"] - (-2 * t["log_likelihood"] + 2 * t["n_params"]), 0, atol=1e-6)
    np.testing.assert_allclose(ref["BIC"] + 2 * (ref["logLik"] - t["log_likelihood"]), t["bic"], atol=1e-6)
    assert (ic.bic_k, ic.chosen_k, ic.aic_k) == (5, 4, 8)
    # ICL adds the classification entropy to the BIC: close to R's where the maxima agree (k = 2..5).
    np.testing.assert_allclose(t.loc[2:5, "icl"], ref.loc[2:5, "ICL"], atol=5)
    assert (t["entropy"].between(0.6, 0.8)).all()
    assert "ICL is lowest" in ic.reason and "k = 5" in ic.reason


# -- item 4: global stability and SLSA -----------------------------------------------------------

def test_global_stability_orders_k_as_bootflexclust(motives):
    """The ordering of k by median ARI is R's as far as R's own numbers determine it.

    R's medians are estimates from 100 pairs: k = 4, 5 and 6 (.544, .606, .580) lie within 2.2
    Monte-Carlo standard errors of each other, so their order is not settled by R's run either
    (over six seeds segkit gives R's exact order once, at this seed, and 4, 5, 6 in some other
    order in the middle otherwise). What R's numbers do settle: 2 then 3 first, 4-6 in the
    middle, 7 then 8 last; each median within three standard errors of R's; the whole bootstrap
    distribution of every k indistinguishable from R's (two-sample Kolmogorov-Smirnov).
    """
    ref = _ref("boot_ari_k2to8.csv")
    ref.columns = ref.columns.astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnstableSegmentsWarning)
        g = global_stability(motives, KMeansSegmenter(n_init=10, **BOOK_KMEANS), k_range=(2, 8), n_boot=100,
                             random_state=SEED)
    ours = g.table.pivot(index="boot", columns="k", values="ari")
    med_o, med_r = ours.median(), ref.median()
    order_o = med_o.sort_values(ascending=False).index.tolist()
    order_r = med_r.sort_values(ascending=False).index.tolist()
    assert order_r == [2, 3, 5, 6, 4, 7, 8]
    assert order_o[:2] == [2, 3] and order_o[-2:] == [7, 8] and set(order_o[2:5]) == {4, 5, 6}, order_o
    se_o = ours.apply(lambda c: _median_se(c.to_numpy()))
    se_r = ref.apply(lambda c: _median_se(c.to_numpy()))
    assert (np.abs(med_o - med_r) < 3 * np.hypot(se_o, se_r)).all(), (med_o - med_r).round(3).tolist()
    assert g.chosen_k == 2
    for k in range(2, 9):
        assert ks_2samp(ours[k], ref[k]).pvalue > 0.01, k


def test_slsa_k3_as_slsaplot(motives):
    """k = 2 -> 3 as in R (1, 0, .79): one segment kept whole, one assembled half from each, one mostly from one.

    The third value depends on which of the near-equal k = 3 optima a run finds: .76-.86 over six seeds.
    """
    res = segment_level_stability_across(motives, KMeansSegmenter(n_init=10, **BOOK_KMEANS), k_range=(2, 4),
                                         random_state=SEED)
    k3 = np.sort(res.nodes.query("k == 3")["stability"].to_numpy())
    assert k3[0] < 0.01 and 0.7 < k3[1] < 0.9 and k3[2] > 0.99, k3.round(3)
    assert abs(k3[1] - sorted(R_SLSA_K3)[1]) < 0.08
    # The plot's edges: widths are shares of all respondents, one row per pair of segments.
    edges = res.table.query("k_from == 2")
    assert len(edges) == 6 and abs(edges["share_total"].sum() - 1) < 1e-12

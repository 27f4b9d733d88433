"""Given starting centres (k-means, latent class, the study file's start section), SLSW and SLSA numbering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans

from segkit._fastkmeans import kmeans_fit
from segkit.config import parse_config
from segkit.errors import ConfigError, DataError
from segkit.methods.clustering import KMeansSegmenter
from segkit.methods.start import from_prepared, to_prepared
from segkit.stability import adjusted_rand, segment_level_stability_across, slsw
from segkit.stability._slsa import _mincross

TRUE_CENTERS = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 3.0], [0.0, 6.0, -3.0], [6.0, 6.0, 6.0]])


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), [200, 150, 100, 50])
    X = TRUE_CENTERS[truth] + rng.normal(size=(500, 3))
    return pd.DataFrame(X, index=[f"c{i}" for i in range(500)], columns=["a", "b", "c"]), truth


# -- k-means from given centres ---------------------------------------------------------------

def test_kmeans_from_true_centres_recovers_them_in_their_order(blobs):
    X, truth = blobs
    order = [3, 1, 0, 2]
    seg = KMeansSegmenter(4, init=TRUE_CENTERS[order]).fit(X)
    # Segment j is the one started from row j: the given numbering, not size order.
    assert (seg.labels_ == np.argsort(order)[truth]).mean() > 0.99
    # Its centre is the mean of the planted group: the true centre up to sampling noise (50 to 200 points).
    group_means = X.groupby(truth).mean().to_numpy()[order]
    np.testing.assert_allclose(seg.cluster_centers_, group_means, atol=0.05)
    np.testing.assert_allclose(seg.cluster_centers_, TRUE_CENTERS[order], atol=0.45)
    # A DataFrame of centres is matched by column name.
    frame = pd.DataFrame(TRUE_CENTERS[order][:, ::-1], columns=["c", "b", "a"])
    assert (KMeansSegmenter(4, init=frame).fit(X).labels_ == seg.labels_).all()


def test_kmeans_centres_re_estimated_on_the_same_data_give_ari_1(blobs):
    X, _ = blobs
    first = KMeansSegmenter(4, random_state=3).fit(X)
    again = KMeansSegmenter(4, init=first.cluster_centers_).fit(X)
    assert adjusted_rand(first.labels_, again.labels_) == 1.0
    assert (first.labels_ == again.labels_).all()


def test_kmeans_init_errors(blobs):
    X, _ = blobs
    with pytest.raises(DataError, match="init must hold centres for 4 segments x 3 basis columns"):
        KMeansSegmenter(4, init=TRUE_CENTERS[:3]).fit(X)
    with pytest.raises(DataError, match=r"missing \['c'\], not in the basis \['d'\]"):
        KMeansSegmenter(4, init=pd.DataFrame(TRUE_CENTERS, columns=["a", "b", "d"])).fit(X)
    with pytest.raises(ValueError, match="init must be one of"):
        KMeansSegmenter(4, init="kmeans++").fit(X)


def test_flexclust_kmeans_random_starts_and_distsum(blobs):
    X, truth = blobs
    M = X.to_numpy()
    c, lab, inertia = kmeans_fit(M, 4, n_init=5, init="random", select="distsum", rng=np.random.default_rng(0))
    assert adjusted_rand(truth, lab) > 0.98
    seg = KMeansSegmenter(4, n_init=5, init="random", select="distsum", random_state=0).fit(X)
    assert adjusted_rand(truth, seg.labels_) > 0.98 and seg.inertia_ == pytest.approx(
        ((M - seg.cluster_centers_[seg.labels_]) ** 2).sum())
    # Random starts are distinct data points: with 4 distinct rows in 40, every start uses all four.
    tiny = np.repeat(TRUE_CENTERS, 10, axis=0)
    c, lab, inertia = kmeans_fit(tiny, 4, n_init=3, init="random", rng=np.random.default_rng(1))
    assert inertia == pytest.approx(0.0) and sorted(np.bincount(lab)) == [10, 10, 10, 10]


# -- SLSW -------------------------------------------------------------------------------------

class SkKMeans(ClusterMixin, BaseEstimator):
    """Not a segkit segmenter: SLSW refits it by cloning (the generic path)."""

    def __init__(self, n_segments=4, *, n_init=2, random_state=None):
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


def test_slsw_well_separated_segments_are_found_again(blobs):
    X, _ = blobs
    fast = slsw(X, KMeansSegmenter(4, random_state=0), n_boot=6, n_init=2, random_state=1)
    generic = slsw(X, SkKMeans(4, random_state=0), n_boot=6, random_state=1)
    assert fast.params["fast_kmeans"] and not generic.params["fast_kmeans"]
    for res in (fast, generic):
        assert (res.medians > 0.97).all() and (res.summary()["verdict"] == "highly stable").all()
        assert len(res.table) == 6 * 4 and res.table["jaccard"].between(0, 1).all()
    assert fast.summary()["n_customers"].tolist() == [200, 150, 100, 50]


def test_slsw_same_result_for_any_n_jobs_and_labels_given(blobs):
    X, truth = blobs
    a = slsw(X, KMeansSegmenter(4), labels=truth, n_boot=6, random_state=2)
    b = slsw(X, KMeansSegmenter(4), labels=truth + 10, n_boot=6, random_state=2, n_jobs=2)
    pd.testing.assert_frame_equal(a.table, b.table)
    with pytest.raises(ValueError, match="one segment per row of X"):
        slsw(X, KMeansSegmenter(4), labels=truth[:10], n_boot=2)


def test_slsw_a_split_blob_is_flagged():
    """Two blobs cut into three: the two halves of the cut blob swap members from sample to sample."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(np.r_[rng.normal(0, 1, (300, 2)), rng.normal(12, 1, (300, 2))])
    res = slsw(X, KMeansSegmenter(3, random_state=0), n_boot=20, random_state=0)
    med = res.summary().sort_values("median")
    assert med["median"].iloc[-1] > 0.95  # the blob left whole
    assert med["median"].iloc[0] < 0.85


def test_mincross_inserts_the_new_segment_next_to_its_origin():
    # Rows: 3 old segments; columns: 4 new ones. New 2 comes mostly from old 0.
    cont = np.array([[50, 0, 40, 0], [0, 60, 5, 0], [0, 0, 0, 70]], dtype=float)
    assert _mincross(cont) == [0, 2, 1, 3]
    # From the last old segment, flexclust places the new one left of the last position.
    cont2 = np.array([[50, 0, 0, 0], [0, 60, 0, 0], [0, 0, 40, 35]], dtype=float)
    assert _mincross(cont2) == [0, 1, 3, 2]


def test_slsa_numbering_follows_the_split(blobs):
    X, _ = blobs
    res = segment_level_stability_across(X, KMeansSegmenter(), k_range=(2, 4), random_state=0)
    nodes = res.nodes.set_index(["k", "segment"])
    assert nodes.loc[[3, 4], "stability"].min() > 0.9
    t = res.table
    # Every segment of k + 1 is numbered next to the segment of k it comes from: edges do not cross.
    main = t.loc[t.groupby(["k_to", "seg_to"])["n"].idxmax()]
    for _, g in main.groupby("k_to"):
        assert g.sort_values("seg_to")["seg_from"].is_monotonic_increasing
    assert abs(t.query("k_from == 2")["share_total"].sum() - 1) < 1e-12


# -- the study file's start section -----------------------------------------------------------

def _study(tmp_path, **extra):
    data = {"name": "s", "goal": {"statement": "x"}, "data": {"survey": {"path": "survey.csv"}},
            "basis": ["a", "b"], "method": "kmeans", **extra}
    return parse_config(data, base_dir=tmp_path)


def test_start_section_is_validated(tmp_path):
    cfg = _study(tmp_path, start={"centers": "centres.csv"})
    assert cfg.start_source() == (tmp_path / "centres.csv").resolve()
    with pytest.raises(ConfigError, match="give exactly one of start.from_run"):
        _study(tmp_path, start={})
    with pytest.raises(ConfigError, match="give exactly one of start.from_run"):
        _study(tmp_path, start={"centers": "a.csv", "from_run": "run"})
    with pytest.raises(ConfigError, match="a start section \\(given centres\\) needs method kmeans or latent_class, "
                                          "got method 'gmm'"):
        _study(tmp_path, start={"centers": "a.csv"}, method="gmm")
    with pytest.raises(ConfigError, match="unknown key 'start.centres'"):
        _study(tmp_path, start={"centres": "a.csv"})
    with pytest.raises(ConfigError, match="'value.annual_discount_rate'"):
        _study(tmp_path, value={"annual_discount_rate": 1.5})
    assert _study(tmp_path, value={"horizon_months": 24}).value.horizon_months == 24


def test_centres_map_between_prepared_spaces():
    tf = pd.DataFrame({"column": ["spend", "visits", "likes"], "kind": ["numeric", "numeric", "binary"],
                       "transform": ["log1p+zscore", "zscore", "none"], "center": [3.0, 5.0, 0.0],
                       "scale": [1.5, 2.0, 1.0]})
    raw = pd.DataFrame({"spend": [0.0, 100.0], "visits": [5.0, 9.0], "likes": [0.2, 0.9]})
    prep = to_prepared(raw, tf)
    np.testing.assert_allclose(prep["spend"], (np.log1p([0.0, 100.0]) - 3) / 1.5)
    np.testing.assert_allclose(prep["visits"], [0.0, 2.0])
    pd.testing.assert_frame_equal(from_prepared(prep, tf), raw)
    with pytest.raises(DataError, match="share answering yes, between 0 and 1"):
        to_prepared(raw.assign(likes=[0.2, 1.5]), tf, file="c.csv")
    with pytest.raises(DataError, match="centres must be >= 0"):
        to_prepared(raw.assign(spend=[-1.0, 2.0]), tf)


def test_a_study_restarted_from_its_own_run_gives_the_same_segments(demo_run_steps, small_demo, tmp_path):
    """Step 5 from a previous run's centres on the same data: ARI 1, the numbering kept, k from the centres."""
    from conftest import copy_run

    from segkit.config import StartSpec, load_config
    from segkit.study.context import run_steps

    run, results = demo_run_steps
    first = results["stability"]
    assert first.method == "kmeans"
    cfg = load_config(small_demo / "study.yaml")
    # The given centres set k, whatever the range says.
    cfg = cfg.model_copy(update={"method": "kmeans", "k_range": (2, 3), "start": StartSpec(from_run=run)})
    again = run_steps(copy_run(run, tmp_path / "again"), cfg, ["stability"])["stability"]
    assert again.k == first.k and again.start is not None and again.start.k == first.k
    a = first.assignments.set_index("customer_id")["segment"]
    b = again.assignments.set_index("customer_id")["segment"].reindex(a.index)
    assert adjusted_rand(a.to_numpy() - 1, b.to_numpy() - 1) == 1.0
    assert (a == b).all()
    assert again.reason.startswith(f"{first.k} segments, as given by run {run.name}")
    assert again.slsw is not None and len(again.slsw.table) == cfg.n_boot * first.k


def test_a_survey_study_starts_from_a_csv_of_profiles(make_study, tmp_path):
    """Latent class from a client's item profiles (share answering yes): k = rows, order kept."""
    from segkit.study.context import run_steps

    path = make_study(base="survey_study.yaml", method="latent_class", n_boot=4, k_range=[2, 4])
    survey = pd.read_csv(path.parent / "survey.csv")
    basis = yaml.safe_load(path.read_text(encoding="utf-8"))["basis"]
    yes = survey[basis].astype(float)
    # Two given profiles: respondents saying yes to the first item, and the others.
    prof = pd.DataFrame([yes[yes.iloc[:, 0] == 0].mean(), yes[yes.iloc[:, 0] == 1].mean()])
    prof.insert(0, "segment", [2, 1])
    prof.to_csv(path.parent / "profiles.csv", index=False)
    study = yaml.safe_load(path.read_text(encoding="utf-8"))
    study["start"] = {"centers": "profiles.csv"}
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    res = run_steps(tmp_path / "r", path, ["goals", "resources", "method", "data", "stability"])["stability"]
    assert res.k == 2 and "the CSV profiles.csv" in res.reason
    # Segment 1 is the profile given as segment 1: the first item's yes-sayers.
    seg = res.segmentation.centers
    assert seg.loc[1, basis[0]] > seg.loc[2, basis[0]]
    assert res.information_criteria is not None and res.information_criteria.table["k"].tolist() == [2, 3, 4]
    # A CSV that does not fit the basis is refused with the file named.
    prof.rename(columns={basis[1]: "typo"}).to_csv(path.parent / "profiles.csv", index=False)
    with pytest.raises(DataError, match="not in the basis: \\['typo'\\]"):
        run_steps(tmp_path / "r3", path, ["goals", "resources", "method", "data", "stability"])


def test_demo_steps_show_the_value_checks_and_slsw(demo_run_steps):
    from segkit.study import artifacts
    from segkit.study.folder import RunFolder

    run, results = demo_run_steps
    vm = results["data"].value_model
    assert vm.parameters["parameter"].tolist() == ["r", "alpha", "a", "b", "p", "q", "gamma"]
    assert vm.settings["horizon_months"] == 12 and vm.settings["annual_discount_rate"] == 0.10
    assert set(vm.diagnostics["check"]) >= {"converged", "parameters at a bound", "P(alive) near 1 for most"}
    st = results["stability"]
    assert st.information_criteria is None  # k-means: no likelihood
    table = RunFolder(run).read(artifacts.STABILITY_SLSW)
    assert len(table) == 12 * st.k and table["jaccard"].between(0, 1).all()
    summary = st.slsw_table
    assert summary["segment"].tolist() == list(range(1, st.k + 1)) and summary["name"].notna().all()


# issue 17: above STABILITY_SAMPLE customers, stability runs on a sample; the final model assigns everyone
def test_stability_on_a_sample_states_its_precision_and_assigns_everyone(demo_run_steps, small_demo, tmp_path,
                                                                         monkeypatch):
    from conftest import copy_run

    from segkit.study import stability
    from segkit.study.artifacts import SEGMENTATION
    from segkit.study.context import run_steps
    from segkit.study.folder import RunFolder

    run, results = demo_run_steps
    assert results["stability"].sample is None  # 800 customers: all of them, as before
    monkeypatch.setattr(stability, "STABILITY_SAMPLE", 300)
    lines: list[str] = []
    copy = copy_run(run, tmp_path / "run")
    res = run_steps(copy, small_demo / "study.yaml", ["stability"], progress=lines.append)["stability"]

    n = results["stability"].segments_sentence["n"]
    s = res.sample
    assert (s.n_sample, s.n_customers) == (300, n)
    # the final model is fitted on every customer and assigns each one
    assert len(res.assignments) == n and res.assignments["segment"].notna().all()
    # stability itself ran on the sample: the segment-level table counts the sampled customers only
    assert int(res.segment_stability.sizes.sum()) == 300
    aris = res.global_stability.table.query("k == @res.k")["ari"]
    assert s.n_pairs == len(aris) == 12
    assert s.median_ari == res.median_ari == float(np.median(aris))
    assert s.ci_low <= s.median_ari <= s.ci_high
    sentence = s.sentence()
    assert f"random sample of 300 of the {n:,} customers" in sentence
    assert f"{s.ci_low:.2f} to {s.ci_high:.2f}" in sentence
    assert RunFolder(copy).read(SEGMENTATION)["stability_sample"] == 300
    assert any(f"on a random sample of 300 of {n:,} customers" in line for line in lines)
    assert any(line.startswith(f"fitting the final {res.k}-segment model on all {n:,}") for line in lines)
    # the page says it, beside the global-stability table
    from notebook_cells import report_text

    text = report_text("05_stability", copy_run(run, tmp_path / "page"), small_demo / "study.yaml", monkeypatch)
    assert " ".join(sentence.split()) in " ".join(text.split())
    assert text.count("(on the random sample of 300 customers)") == 3  # the captions of the three stability tables

"""Graceful degradation (issue 16): a part that cannot be computed is reported, and the rest goes on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans

from segkit import stability as st
from segkit.profiling import descriptors as dsc
from segkit.study.stability import fitted_range


class FailsAtK(BaseEstimator, ClusterMixin):
    """k-means that raises, as a singular covariance would, for the numbers of segments in ``fail_at``."""

    def __init__(self, n_segments: int = 2, fail_at: tuple[int, ...] = (3,), random_state: int | None = None):
        self.n_segments = n_segments
        self.fail_at = fail_at
        self.random_state = random_state

    def fit(self, X, y=None):
        if self.n_segments in self.fail_at:
            raise np.linalg.LinAlgError(f"singular covariance matrix with {self.n_segments} segments")
        self.model_ = KMeans(self.n_segments, n_init=2, random_state=self.random_state).fit(X)
        self.labels_ = self.model_.labels_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def _blobs(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [6, 0], [0, 6], [6, 6]], dtype=float)
    return pd.DataFrame(centres[np.arange(n) % 4] + rng.normal(0, 0.5, (n, 2)), columns=["x", "y"])


def test_a_method_that_fails_for_one_k_is_measured_on_the_others():
    glob = st.global_stability(_blobs(), FailsAtK(fail_at=(3,)), k_range=(2, 5), n_boot=4, random_state=1)
    assert glob.failed == {3: "LinAlgError: singular covariance matrix with 3 segments"}
    assert sorted(glob.table["k"].unique()) == [2, 4, 5]
    assert (glob.table.groupby("k").size() == 4).all()
    assert glob.chosen_k == 4  # four planted blobs
    assert glob.reason.endswith("k = 3 could not be fitted (LinAlgError: singular covariance matrix with 3 "
                                "segments) and is left out.")
    assert fitted_range((2, 5), glob.chosen_k, glob.failed) == (4, 5)


def test_a_method_that_fails_for_every_k_stops_with_each_reason():
    with pytest.raises(ValueError, match=r"could not be fitted for every number of segments: k = 2 could not be "
                                         r"fitted \(LinAlgError: singular covariance matrix with 2 segments\); k = 3"):
        st.global_stability(_blobs(), FailsAtK(fail_at=(2, 3)), k_range=(2, 3), n_boot=2, random_state=1)


def test_a_descriptor_test_that_cannot_be_computed_says_why_and_the_others_are_tested(monkeypatch):
    n = 80
    customers = pd.DataFrame({"customer_id": [str(i) for i in range(n)], "age": np.arange(n) % 50 + 20,
                              "city": np.where(np.arange(n) % 2 == 0, "north", "south")})
    assignments = pd.DataFrame({"customer_id": customers["customer_id"], "segment": np.arange(n) % 2 + 1})

    def degenerate(table, correction=False):
        raise ValueError("The internally computed table of expected frequencies has a zero element at (0, 1).")

    monkeypatch.setattr(dsc.stats, "chi2_contingency", degenerate)
    t = dsc.descriptor_tests(customers, assignments, ["city", "age"]).set_index("descriptor")
    assert t.loc["city", "test"] == dsc.NOT_COMPUTED
    assert t.loc["city", "reading"] == ("not computed: ValueError: The internally computed table of expected "
                                        "frequencies has a zero element at (0, 1).")
    assert np.isnan(t.loc["city", "p_value"])
    assert t.loc["age", "test"] == "Kruskal-Wallis" and np.isfinite(t.loc["age", "p_adjusted"])

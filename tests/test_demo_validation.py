"""On the demo data: segments found at the cut-off behave differently afterwards, and the
identification rule is as accurate on new customers as it reports (issue: profiles, validation)."""

import numpy as np
import pytest

from segkit.demo import generate_demo
from segkit.features import compute_features, compute_outcomes
from segkit.methods import KMeansSegmenter, prepare_basis
from segkit.profiling import identification_rule
from segkit.validation import outcome_tests

BASIS = ["recency_days", "frequency", "monetary_avg", "promo_share", "tenure_days"]
CUTOFF = "2025-09-30"


@pytest.fixture(scope="module")
def segmented():
    demo = generate_demo(1200, seed=21, messy=False)
    feats = compute_features(demo.transactions, cutoff=CUTOFF)
    prep = prepare_basis(feats, BASIS)
    seg = KMeansSegmenter(5, n_init=5, random_state=0).fit(prep.X)
    return demo, feats, prep, seg


def test_future_behaviour_differs_between_segments(segmented):
    demo, feats, _, seg = segmented
    outcomes = compute_outcomes(demo.transactions, cutoff=CUTOFF)
    res = outcome_tests(seg.result_.assignments, outcomes, alpha=0.01)
    p = res.table.set_index("outcome")["p_value"]
    assert p["revenue_after"] < 0.01 and p["active_after"] < 0.01 and p["orders_after"] < 0.01
    # The planted contrast itself: the most valuable segment keeps buying, the lapsed one mostly does not.
    active = res.means.query("outcome == 'active_after'").set_index("segment")["mean"]
    assert active.max() > 0.9 and active.min() < 0.35


def test_identification_rule_holds_on_new_customers(segmented):
    _, feats, prep, seg = segmented
    rule = identification_rule(feats, seg.result_.assignments, BASIS, max_depth=4, random_state=0)
    # New customers from another draw of the same market, placed by the segmentation model itself.
    new = generate_demo(1200, seed=22, messy=False)
    new_feats = compute_features(new.transactions, cutoff=CUTOFF)
    truth = seg.predict(prep.transform(new_feats)) + 1
    placed = rule.assign(new_feats)["segment"].to_numpy()
    realised = float(np.mean(placed == truth))
    assert rule.cv_accuracy > rule.baseline_accuracy + 0.3
    assert abs(realised - rule.cv_accuracy) < 0.05
    assert abs(realised - rule.holdout_accuracy) < 0.06

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from segkit.iteration import (  # noqa: E402
    DEFAULT_THRESHOLDS,
    INCONCLUSIVE,
    MIN_REFIT_AGREEMENT,
    drift,
    match_segments,
    migration_matrix,
    recommend,
)
from segkit.profiling import profile  # noqa: E402


def _assign(ids, seg, names=None):
    names = names or {}
    seg = np.asarray(seg)
    return pd.DataFrame({"customer_id": list(ids), "segment": seg,
                         "segment_name": [names.get(int(s), f"S{s}") for s in seg]})


def _planted_runs():
    """300 customers in 3 segments; 20% of segment 1 moves to 2; 5 of segment 3 leave; 10 join.

    The current run numbers its segments differently: previous 1, 2, 3 are current 3, 1, 2.
    """
    ids = [f"c{i:03d}" for i in range(300)]
    prev_seg = np.repeat([1, 2, 3], 100)
    cur_seg = prev_seg.copy()
    cur_seg[:20] = 2
    relabel = {1: 3, 2: 1, 3: 2}
    prev = _assign(ids, prev_seg, {1: "Loyal", 2: "Bargain", 3: "Lapsed"})
    keep = np.r_[np.arange(295)]  # the last five of segment 3 are gone
    new_ids = [f"n{i}" for i in range(10)]
    cur = _assign([ids[i] for i in keep] + new_ids,
                  np.r_[[relabel[s] for s in cur_seg[keep]], [1] * 10],
                  {3: "Loyal", 1: "Bargain", 2: "Lapsed"})
    return prev, cur


def test_planted_migration_is_reported_exactly():
    prev, cur = _planted_runs()
    # earlier 1, 2, 3 are current 3, 1, 2: the current numbers are kept, the earlier segments matched to them
    assert match_segments(prev, cur) == {1: 3, 2: 1, 3: 2}
    m = migration_matrix(prev, cur)
    assert m.mapping == {1: 3, 2: 1, 3: 2} and m.matched_by == "members"
    assert m.row_shares.loc[3, 3] == 0.8
    assert m.row_shares.loc[3, 1] == 0.2
    assert m.row_shares.loc[1, 1] == 1.0
    assert m.counts.loc[2, "gone"] == 5 and m.row_shares.loc[2, "gone"] == 0.05
    assert m.counts.loc["new", 1] == 10 and m.counts.loc["new"].sum() == 10
    assert m.counts.to_numpy().sum() == 310
    assert m.n_common == 295
    assert m.stay_share == pytest.approx(275 / 295)
    common = prev.merge(cur, on="customer_id")
    assert m.ari == pytest.approx(adjusted_rand_score(common["segment_x"], common["segment_y"]))
    flows = m.flows.set_index(["from_segment", "to_segment"])
    assert flows.loc[(3, 1), "n"] == 20 and flows.loc[(3, 1), "share"] == 0.2
    assert m.names_current[1] == "Bargain" and m.names_previous[3] == "Loyal"
    assert m.matches["matches current segment"].tolist() == [3, 1, 2]


def test_segments_are_matched_by_profile_not_by_number():
    # the same two kinds of customer, different people and numbering: matched by what they are
    prev = _assign([f"p{i}" for i in range(40)], [1] * 20 + [2] * 20)
    cur = _assign([f"q{i}" for i in range(40)], [2] * 20 + [1] * 20)
    t_prev = pd.DataFrame({"customer_id": prev["customer_id"], "frequency": [1.0] * 20 + [9.0] * 20})
    t_cur = pd.DataFrame({"customer_id": cur["customer_id"], "frequency": [1.2] * 20 + [8.8] * 20})
    assert match_segments(prev, cur, previous_table=t_prev, current_table=t_cur, columns=["frequency"]) == {1: 2, 2: 1}


def test_recommend_keep_adjust_resegment():
    rng = np.random.default_rng(0)
    ids = [f"c{i}" for i in range(1000)]
    prev_seg = np.repeat([1, 2, 3, 4], 250)
    prev = _assign(ids, prev_seg)

    # keep: 2% of customers reshuffled at random
    keep_seg = prev_seg.copy()
    idx = rng.choice(1000, 20, replace=False)
    keep_seg[idx] = rng.integers(1, 5, 20)
    rec = recommend(migration_matrix(prev, _assign(ids, keep_seg)))
    assert rec.decision == "keep", rec.reasons

    # adjust: 40% of segment 1 (100 customers) drift into segment 2, shares move 10 points
    adj_seg = prev_seg.copy()
    adj_seg[:100] = 2
    mig = migration_matrix(prev, _assign(ids, adj_seg))
    assert 0.5 <= mig.ari < 0.8
    rec = recommend(mig)
    assert rec.decision == "adjust"
    assert any("10.0 points" in r for r in rec.reasons)

    # re-segment: segment 4 vanishes into segment 3
    gone_seg = np.where(prev_seg == 4, 3, prev_seg)
    mig = migration_matrix(prev, _assign(ids, gone_seg))
    rec = recommend(mig)
    assert rec.decision == "re-segment"
    assert any("[4] vanished" in r for r in rec.reasons)
    assert rec.rule.startswith("Keep when") and "adjust otherwise" in rec.rule

    # re-segment: the runs barely agree
    rand = _assign(ids, rng.integers(1, 5, 1000))
    assert recommend(migration_matrix(prev, rand)).decision == "re-segment"

    with pytest.raises(ValueError, match="unknown thresholds"):
        recommend(mig, thresholds={"keep_ari": 0.9})


def test_drift_sizes_profiles_and_threshold_effect():
    ids = [f"c{i}" for i in range(8)]
    f_prev = pd.DataFrame({"customer_id": ids, "frequency": [1.0, 2, 3, 4, 10, 11, 12, 13]})
    f_cur = f_prev.assign(frequency=f_prev["frequency"] + [0, 0, 0, 0, 2, 2, 2, 2])
    a_prev = _assign(ids, [1] * 4 + [2] * 4)
    a_cur = _assign(ids, [2] * 4 + [1] * 4)  # renumbered
    mig = migration_matrix(a_prev, a_cur)
    assert mig.mapping == {1: 2, 2: 1}
    d = drift(pd.DataFrame({"segment": [1, 2], "n": [4, 4]}), pd.DataFrame({"segment": [2, 1], "n": [4, 4]}),
              profile(f_prev, a_prev, ["frequency"]), profile(f_cur, a_cur, ["frequency"]), mapping=mig.mapping)
    assert d.max_size_shift == 0
    prof = d.profiles.set_index("segment")  # in the current numbering
    sd = np.std([1.0, 2, 3, 4, 10, 11, 12, 13], ddof=1)
    assert prof.loc[1, "shift"] == 2.0 and prof.loc[1, "std_shift"] == pytest.approx(2 / sd)
    assert prof.loc[2, "std_shift"] == 0
    rec = recommend(mig, d)
    assert rec.decision == "keep"  # 2 / 5.13 = 0.39 SD stays under the 0.5 SD limit
    assert recommend(mig, d, thresholds={"keep_max_profile_shift": 0.3}).decision == "adjust"
    # a variable moved by windows of different lengths is shown, not counted
    ignored = drift(pd.DataFrame({"segment": [1, 2], "n": [4, 4]}), pd.DataFrame({"segment": [2, 1], "n": [4, 4]}),
                    profile(f_prev, a_prev, ["frequency"]), profile(f_cur, a_cur, ["frequency"]), mapping=mig.mapping,
                    not_counted=["frequency"])
    assert np.isnan(ignored.max_profile_shift) and ignored.not_counted == ["frequency"]
    assert recommend(mig, ignored, thresholds={"keep_max_profile_shift": 0.3}).decision == "keep"
    size = drift(pd.DataFrame({"segment": [1, 2, 3], "n": [500, 300, 200]}),
                 pd.DataFrame({"segment": [1, 2], "n": [600, 400]}))
    t = size.sizes.set_index("segment")
    assert t["shift_points"].round(6).tolist() == [10.0, 10.0, -20.0]
    assert size.vanished == [3] and t.loc["earlier 3", "status"] == "vanished"
    # goodness of fit on the kept segments: expected 625 / 375 of 1000
    assert size.chi2 == pytest.approx((600 - 625) ** 2 / 625 + (400 - 375) ** 2 / 375)


def _moved_pair():
    """Two segments kept by number; segment 2's mean moves by about 0.4 base SD, segment 1's not at all."""
    ids = [f"c{i}" for i in range(8)]
    f_prev = pd.DataFrame({"customer_id": ids, "frequency": [1.0, 2, 3, 4, 10, 11, 12, 13]})
    f_cur = f_prev.assign(frequency=f_prev["frequency"] + [0, 0, 0, 0, 2, 2, 2, 2])
    a = _assign(ids, [1] * 4 + [2] * 4)
    sizes = pd.DataFrame({"segment": [1, 2], "n": [4, 4]})
    return a, sizes, profile(f_prev, a, ["frequency"]), profile(f_cur, a, ["frequency"])


def _status_follows_the_limit(d):
    worst = d.counted_profiles.assign(s=lambda t: t["std_shift"].abs()).groupby("segment")["s"].max()
    for seg, status in zip(d.sizes["segment"], d.sizes["status"]):
        assert status == ("profile moved" if worst.get(seg, 0) >= d.profile_limit else "kept"), (seg, status)


def test_a_matched_segment_whose_profile_moved_past_the_limit_is_not_kept():
    a, sizes, p_prev, p_cur = _moved_pair()
    d = drift(sizes, sizes, p_prev, p_cur)
    # the status judges by the recommendation's own limit: about 0.4 SD < 0.5 SD is kept
    assert 0.3 < d.max_profile_shift < 0.5
    assert d.profile_limit == DEFAULT_THRESHOLDS["keep_max_profile_shift"]
    assert d.sizes["status"].tolist() == ["kept", "kept"] and d.profile_moved == []
    _status_follows_the_limit(d)

    strict = drift(sizes, sizes, p_prev, p_cur, profile_limit=0.3)
    assert strict.sizes["status"].tolist() == ["kept", "profile moved"] and strict.profile_moved == [2]
    _status_follows_the_limit(strict)
    # moved is still matched: not vanished, and still in the size test
    assert strict.vanished == [] and strict.new == [] and strict.chi2_df == 1
    # the recommendation under the same limit names the segment the table marks
    rec = recommend(migration_matrix(a, a), d, thresholds={"keep_max_profile_shift": 0.3})
    assert rec.decision == "adjust"
    assert (f"The largest profile shift is {d.max_profile_shift:.2f} SD (limit 0.3): segment(s) [2] moved by 0.3 SD "
            "or more on a counted variable.") in rec.reasons
    # a variable not counted (windows of different lengths) moves no segment
    ignored = drift(sizes, sizes, p_prev, p_cur, profile_limit=0.3, not_counted=["frequency"])
    assert ignored.sizes["status"].tolist() == ["kept", "kept"]


def test_a_refit_that_disagrees_with_the_delivered_segments_is_inconclusive():
    a, sizes, p_prev, p_cur = _moved_pair()
    mig, d = migration_matrix(a, a), drift(sizes, sizes, p_prev, p_cur)
    assert recommend(mig, d).decision == "keep"

    rec = recommend(mig, d, refit_ari=0.11, conclusive_when="data from 2009-06-01 on would do")
    assert rec.decision == INCONCLUSIVE
    assert rec.reasons[0] == ("The comparison is inconclusive for the delivered segments: the shorter window gives a "
                              "different segmentation (its refit agrees with step 5's segments at ARI 0.11, below "
                              f"{MIN_REFIT_AGREEMENT:g}), so its drift says nothing about whether to keep, adjust or "
                              "re-segment them.")
    assert rec.reasons[1] == "Data from 2009-06-01 on would do."
    assert len(rec.reasons) == 2  # no keep / adjust / re-segment reason drawn from the refit's drift
    row = rec.table.iloc[0]
    assert (row["measured"], row["threshold"], row["breached"], row["leads_to"]) == (
        0.11, MIN_REFIT_AGREEMENT, True, INCONCLUSIVE)
    assert rec.rule.startswith(f"Inconclusive when the current side, refitted on a shorter window, agrees with step "
                               f"5's segments below ARI {MIN_REFIT_AGREEMENT:g}")
    # without a stated remedy, a general one
    assert "smaller earlier_window_months" in recommend(mig, d, refit_ari=0.11).reasons[1]

    # a refit that agrees enough speaks for the delivered segments, and says so with its number
    ok = recommend(mig, d, refit_ari=0.73)
    assert ok.decision == "keep" and not ok.table.iloc[0]["breached"]
    assert ok.reasons[-1] == (f"The current side, refitted on the shorter window, agrees with step 5's segments at "
                              f"ARI 0.73 (at least {MIN_REFIT_AGREEMENT:g}), so the comparison speaks for them.")
    assert recommend(mig, d, refit_ari=MIN_REFIT_AGREEMENT).decision == "keep"


def test_near_chance_movement_is_called_poor_not_natural():
    rng = np.random.default_rng(1)
    ids = [f"c{i}" for i in range(600)]
    prev = _assign(ids, np.repeat([1, 2, 3], 200))
    shuffled = migration_matrix(prev, _assign(ids, rng.integers(1, 4, 600)))
    assert shuffled.ari < 0.05
    text = recommend(shuffled, structure_ari=0.9).text()
    assert f"the two agree poorly (ARI {shuffled.ari:.2f} on the 600 customers in both" in text
    assert "below 0.5, where 0 is chance" in text and "as customers do" not in text
    moved = prev.assign(segment=np.where(np.arange(600) < 60, 2, prev["segment"]))
    mig = migration_matrix(prev, moved)
    assert mig.ari >= 0.5 and "moved between segments as customers do" in recommend(mig, structure_ari=0.9).text()


def test_figures_render():
    prev, cur = _planted_runs()
    m = migration_matrix(prev, cur)
    ax = m.plot()
    texts = [t.get_text() for t in ax.texts]
    assert "80%\n80" in texts and "20%\n20" in texts
    assert m.plot_flows().get_title().startswith("Where the customers went")
    d = drift(pd.DataFrame({"segment": [1, 2], "n": [50, 50]}), pd.DataFrame({"segment": [1, 2], "n": [60, 40]}))
    assert d.plot().get_xlabel() == "share of customers (%)"
    recommend(m, d).plot()
    plt.close("all")


def test_a_share_that_moved_past_the_limit_is_not_kept_and_mismatched_refit_segments_are_inconclusive():
    a, sizes, p_prev, p_cur = _moved_pair()
    # segment 2 grows by 10 points: its share moved past the keep limit (5 points) though its profile did not
    grown = sizes.assign(n=sizes["n"] * [0.8, 1.2]) if "n" in sizes else sizes.assign(
        n_customers=sizes["n_customers"] * [0.8, 1.2])
    d = drift(sizes, grown, p_prev, p_cur)
    assert d.max_size_shift >= DEFAULT_THRESHOLDS["keep_max_size_shift"]
    assert "kept" not in d.sizes["status"].tolist()
    assert set(d.sizes["status"]) == {"share moved"}
    rec = recommend(migration_matrix(a, a), d)
    assert rec.decision == "adjust" and rec.table.set_index("check").loc[
        "largest change of a segment's share (points)", "breached"]
    # a refit that agrees as a whole but one of whose segments is another step 5 segment's: inconclusive
    mig, same = migration_matrix(a, a), drift(sizes, sizes, p_prev, p_cur)
    rec = recommend(mig, same, refit_ari=0.73, refit_mismatched=[2])
    assert rec.decision == INCONCLUSIVE
    assert rec.reasons[0] == ("The comparison is inconclusive for the delivered segments: although the refit agrees "
                              "with step 5's segments as a whole (ARI 0.73), its segment(s) [2] hold mostly customers "
                              "of other step 5 segments (those rows describe other groups), so its drift says "
                              "nothing about whether to keep, adjust or re-segment them.")
    check = rec.table.set_index("check").loc["refit segments holding mostly other step 5 segments' customers"]
    assert (check["measured"], check["breached"]) == (1.0, True)

"""BG/NBD, Gamma-Gamma and lifetime value, pinned to the published CDNOW results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

from segkit.errors import DataError, SegkitError, SegkitWarning
from segkit.value import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    customer_value,
    fit_bgnbd,
    fit_gamma_gamma,
    rfm_summary,
)

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"
FHL = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW, sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


@pytest.fixture(scope="module")
def calib(cdnow) -> pd.DataFrame:
    return rfm_summary(cdnow, observation_period_end="1997-09-30", time_unit="W")


@pytest.fixture(scope="module")
def bg(calib) -> BetaGeoModel:
    return BetaGeoModel().fit(calib)


# ---------------------------------------------------------------- rfm_summary

def test_rfm_summary_merges_same_day_and_uses_repeat_spend_only():
    tx = pd.DataFrame({
        "cust": ["a", "a", "a", "a", "b", "c"],
        "when": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-15 00:00", "2024-01-29 00:00",
                                "2024-01-08 00:00", "2024-02-05 00:00"]),
        "value": [10.0, 5.0, 20.0, 40.0, 7.0, 99.0],
    })
    s = rfm_summary(tx, customer_id_col="cust", datetime_col="when", monetary_value_col="value",
                    observation_period_end="2024-01-29", time_unit="W")
    # c bought after the period end and is not a customer yet.
    assert s["customer_id"].tolist() == ["a", "b"]
    a = s.iloc[0]
    assert a["frequency"] == 2  # three distinct days, the first is not a repeat
    assert a["recency"] == pytest.approx(4.0)
    assert a["T"] == pytest.approx(4.0)
    assert a["monetary_value"] == pytest.approx(30.0)  # (20 + 40) / 2; the merged 15 is excluded
    b = s.iloc[1]
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0.0, 3.0, 0.0)
    # The input is not modified.
    assert tx.columns.tolist() == ["cust", "when", "value"] and len(tx) == 6


def test_rfm_summary_daily_unit():
    tx = pd.DataFrame({"customer_id": ["x", "x"], "date": pd.to_datetime(["2024-03-01", "2024-03-11"]),
                       "amount": [1.0, 2.0]})
    s = rfm_summary(tx, observation_period_end="2024-03-31", time_unit="D")
    assert s.loc[0, ["recency", "T"]].tolist() == [10.0, 30.0]


def test_rfm_summary_errors():
    tx = pd.DataFrame({"customer_id": ["x"], "date": pd.to_datetime(["2024-03-01"]), "amount": [1.0]})
    with pytest.raises(DataError, match="column 'spend'.*available"):
        rfm_summary(tx, monetary_value_col="spend", observation_period_end="2024-03-31")
    with pytest.raises(SegkitError, match="time_unit must be one of .*got 'Y'"):
        rfm_summary(tx, observation_period_end="2024-03-31", time_unit="Y")
    with pytest.raises(DataError, match="no transactions on or before"):
        rfm_summary(tx, observation_period_end="2023-12-31")


# ---------------------------------------------------------------- CDNOW raw facts

def test_cdnow_calibration_facts(cdnow, calib):
    assert len(cdnow) == 6919
    assert len(calib) == 2357
    assert calib["frequency"].sum() == 2457
    assert (calib["frequency"] == 0).sum() == 1411
    repeat = calib[calib["frequency"] > 0]
    assert len(repeat) == 946
    assert repeat["monetary_value"].mean() == pytest.approx(35.08, abs=0.005)
    # Customer 0001 in Hardie's spreadsheet: x = 2, t_x = 30.43, T = 38.86.
    first = calib.set_index("customer_id").loc["0001"]
    assert first["frequency"] == 2
    assert first["recency"] == pytest.approx(30.43, abs=0.005)
    assert first["T"] == pytest.approx(38.86, abs=0.005)


# ---------------------------------------------------------------- BG/NBD

def test_bgnbd_reproduces_fader_hardie_lee_2005(bg):
    for name, published in FHL.items():
        assert bg.params_[name] == pytest.approx(published, rel=0.02), name
    assert bg.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert bg.n_customers_ == 2357


def test_bgnbd_loglik_matches_textbook_formula():
    r, alpha, a, b = 0.5, 5.0, 0.8, 2.5
    x, tx, T = np.array([0.0, 3.0]), np.array([0.0, 20.0]), np.array([30.0, 35.0])
    got = BetaGeoModel._loglik_terms(r, alpha, a, b, x, tx, T)
    beta = special.beta
    gam = special.gamma
    a1 = gam(r + x) * alpha**r / gam(r)
    a2 = beta(a, b + x) / beta(a, b)
    a3 = (1 / (alpha + T)) ** (r + x)
    a4 = np.where(x > 0, a / (b + x - 1) / (alpha + tx) ** (r + x), 0.0)
    np.testing.assert_allclose(got, np.log(a1 * a2 * (a3 + a4)), rtol=1e-12)


def test_bgnbd_conditional_expectation_paper_example(bg):
    # FHL 2005, section 5: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
    m = BetaGeoModel()
    m.params_ = dict(FHL)
    one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    assert m.expected_purchases(39, one)[0] == pytest.approx(1.226, abs=0.001)
    assert m.expected_purchases(0, one)[0] == 0.0


def test_bgnbd_expectation_matches_textbook_hyp2f1(bg, calib):
    r, alpha, a, b = (bg.params_[k] for k in ("r", "alpha", "a", "b"))
    x, tx, T, t = (calib["frequency"].to_numpy(float), calib["recency"].to_numpy(float),
                   calib["T"].to_numpy(float), 39.0)
    num = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
        * special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    )
    den = 1 + (x > 0) * a / np.where(x > 0, b + x - 1, 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    np.testing.assert_allclose(bg.expected_purchases(t, calib), num / den, rtol=1e-9)


def test_bgnbd_holdout_correlation(bg, cdnow, calib):
    holdout = cdnow[cdnow["date"] > "1997-09-30"]
    actual = holdout.groupby(["customer_id", "date"]).size().groupby("customer_id").size()
    assert actual.sum() == 1882
    actual = actual.reindex(calib["customer_id"]).fillna(0).to_numpy()
    corr = np.corrcoef(bg.expected_purchases(39, calib), actual)[0, 1]
    assert corr == pytest.approx(0.626, abs=0.002)


def test_probability_alive_hand_computed():
    m = BetaGeoModel()
    m.params_ = dict(FHL)
    s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86]})
    r, alpha, a, b = FHL["r"], FHL["alpha"], FHL["a"], FHL["b"]
    expected = 1 / (1 + a / (b + 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))
    np.testing.assert_allclose(m.probability_alive(s), [1.0, expected], rtol=1e-12)


def test_bgnbd_errors(monkeypatch):
    with pytest.raises(SegkitError, match="not fitted"):
        BetaGeoModel().probability_alive(pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [1.0]}))
    no_repeat = pd.DataFrame({"frequency": [0] * 5, "recency": [0.0] * 5, "T": [5.0, 6, 7, 8, 9]})
    with pytest.raises(DataError, match="column 'frequency'.*every frequency is 0"):
        BetaGeoModel().fit(no_repeat)
    with pytest.raises(DataError, match="column 'T'.*needs this column"):
        BetaGeoModel().fit(no_repeat.drop(columns="T"))
    bad = no_repeat.assign(frequency=[1, 0, 0, 0, 0], recency=[9.0, 0, 0, 0, 0])
    with pytest.raises(DataError, match="recency must not exceed T.*rows 1"):
        BetaGeoModel().fit(bad)

    def failing(*args, **kwargs):
        return optimize.OptimizeResult(x=np.zeros(4), fun=np.nan, success=False, message="forced failure")

    monkeypatch.setattr(optimize, "minimize", failing)
    ok = no_repeat.assign(frequency=[1, 2, 0, 0, 0], recency=[3.0, 4.0, 0, 0, 0])
    with pytest.raises(SegkitError, match="BG/NBD maximum-likelihood fit did not converge"):
        BetaGeoModel().fit(ok)


# ---------------------------------------------------------------- Pareto/NBD

def test_pareto_nbd_reproduces_fader_hardie_lee_2005(calib):
    m = ParetoNBDModel().fit(calib)
    for name, published in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}.items():
        assert m.params_[name] == pytest.approx(published, rel=0.02), name
    assert m.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)
    alive = m.probability_alive(calib)
    assert ((alive > 0) & (alive <= 1)).all()
    assert (alive[calib["frequency"].to_numpy() == 0] < 0.5).all()  # unlike BG/NBD, x = 0 is not surely alive
    assert m.expected_purchases(39, calib).sum() == pytest.approx(1665.5, abs=1.0)


def test_pareto_nbd_likelihood_branches_agree():
    # alpha >= beta and alpha < beta use different hyp2f1 forms of the same quantity.
    x, tx, T = np.array([0.0, 1, 4]), np.array([0.0, 3, 20]), np.array([30.0, 30, 30])
    a = ParetoNBDModel._loglik_terms(0.5, 10.0 + 1e-7, 0.6, 10.0, x, tx, T)
    b = ParetoNBDModel._loglik_terms(0.5, 10.0, 0.6, 10.0 + 1e-7, x, tx, T)
    np.testing.assert_allclose(a, b, rtol=1e-6)


# ---------------------------------------------------------------- Gamma-Gamma

def test_gamma_gamma_reproduces_fader_hardie_2013(calib):
    gg = fit_gamma_gamma(calib)
    for name, published in GG.items():
        assert gg.params_[name] == pytest.approx(published, rel=0.02), name
    assert gg.log_likelihood_ == pytest.approx(-4055.9, abs=0.1)
    assert gg.n_customers_ == 946
    assert gg.frequency_monetary_corr_ == pytest.approx(0.11, abs=0.01)  # CDNOW: nearly independent, no warning


def test_gamma_gamma_expected_spend_hand_computed():
    g = GammaGammaModel()
    g.params_ = dict(GG)
    s = pd.DataFrame({"frequency": [0, 4], "monetary_value": [0.0, 50.0]})
    p, q, gamma = GG["p"], GG["q"], GG["gamma"]
    np.testing.assert_allclose(
        g.expected_spend(s), [p * gamma / (q - 1), p * (gamma + 4 * 50) / (4 * p + q - 1)], rtol=1e-12
    )


def test_gamma_gamma_warns_when_spend_tracks_frequency():
    s = pd.DataFrame({"frequency": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
                      "monetary_value": [5.0, 30, 12, 45, 20, 70, 25, 90, 40, 120]})
    with pytest.warns(SegkitWarning, match=r"correlate at r = 0.62 among the 10 repeat buyers"):
        g = GammaGammaModel().fit(s)
    assert g.frequency_monetary_corr_ == pytest.approx(np.corrcoef(s["frequency"], s["monetary_value"])[0, 1])


def test_gamma_gamma_errors():
    with pytest.raises(DataError, match="at least 3 customers with repeat purchases, got 1"):
        GammaGammaModel().fit(pd.DataFrame({"frequency": [0, 1], "monetary_value": [0.0, 10.0]}))
    with pytest.raises(DataError, match="column 'monetary_value'.*positive mean spend.*rows 2"):
        GammaGammaModel().fit(pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [10.0, 0.0, 4.0]}))


# ---------------------------------------------------------------- customer_value

@pytest.fixture(scope="module")
def values(cdnow):
    return customer_value(cdnow, cutoff="1997-09-30", horizon_months=12, annual_discount_rate=0.0)


def test_customer_value_undiscounted_equals_orders_times_spend(values, bg, calib):
    assert list(values.columns) == ["customer_id", "p_alive", "expected_orders", "expected_spend_per_order", "clv"]
    assert len(values) == 2357
    weeks_per_year = 365.25 / 7
    np.testing.assert_allclose(values["expected_orders"], bg.expected_purchases(weeks_per_year, calib), rtol=1e-9)
    np.testing.assert_allclose(values["clv"], values["expected_orders"] * values["expected_spend_per_order"], rtol=1e-9)
    # One-time buyers get the population mean spend p*gamma/(q-1).
    one_time = values.loc[calib["frequency"].to_numpy() == 0, "expected_spend_per_order"]
    assert one_time.nunique() == 1
    assert one_time.iloc[0] == pytest.approx(6.25 * 15.44 / 2.74, rel=0.01)
    assert values.attrs["bgnbd"]["r"] == pytest.approx(0.243, rel=0.02)


def test_customer_value_discount_and_margin(cdnow, values):
    disc = customer_value(cdnow, cutoff="1997-09-30", annual_discount_rate=0.10, margin_rate=0.3)
    ratio = disc["clv"] / values["clv"]
    # Monthly cash flows discounted at (1.1)^(1/12): the ratio lies between 0.3/1.1 and 0.3.
    assert ratio.between(0.3 / 1.1, 0.3).all()
    assert ratio.median() < 0.3 / 1.04
    per_customer = pd.Series(0.5, index=values["customer_id"])
    half = customer_value(cdnow, cutoff="1997-09-30", annual_discount_rate=0.0, margin_rate=per_customer)
    np.testing.assert_allclose(half["clv"], 0.5 * values["clv"], rtol=1e-9)


def test_customer_value_arguments(cdnow):
    with pytest.raises(SegkitError, match="horizon_months must be a positive integer, got 0"):
        customer_value(cdnow, cutoff="1997-09-30", horizon_months=0)
    with pytest.raises(SegkitError, match=r"margin_rate must be in \(0, 1\], got 30"):
        customer_value(cdnow, cutoff="1997-09-30", margin_rate=30)


def test_fit_bgnbd_shorthand(calib, bg):
    assert fit_bgnbd(calib).params_ == pytest.approx(bg.params_)


def test_expected_purchases_quadrature_matches_closed_form():
    # The quadrature fallback (used where scipy's 2F1 overflows for large a, b) computes the same expectation.
    from segkit.value import BetaGeoModel

    x = np.array([0.0, 1, 2, 7, 30])
    T = np.array([5.0, 20, 38.86, 30, 39])
    for r, alpha, a, b in [(0.243, 4.414, 0.793, 2.426), (1.34, 5.67, 3.5, 40.0)]:
        closed = BetaGeoModel._growth(r, alpha, a, b, x, T, 39.0)
        quad = BetaGeoModel._growth_by_quadrature(r, alpha, a, b, x, T, 39.0)
        np.testing.assert_allclose(quad, closed, rtol=1e-5)


def test_expected_purchases_finite_when_dropout_is_nearly_homogeneous():
    from segkit.value import BetaGeoModel

    m = BetaGeoModel()
    m.params_ = {"r": 1.34, "alpha": 5.67, "a": 16.6, "b": 1419.0}
    s = pd.DataFrame({"frequency": [0, 3, 40], "recency": [0.0, 6.0, 80.0], "T": [2.0, 8.0, 85.0]})
    e = m.expected_purchases(52, s)
    assert np.all(np.isfinite(e)) and np.all(e > 0)
    # almost no dropout: close to the plain NBD expectation (r + x) / (alpha + T) * t
    nbd = (1.34 + s["frequency"]) / (5.67 + s["T"]) * 52
    assert np.all(e <= nbd * 1.0001) and np.all(e > 0.5 * nbd)


# ---------------------------------------------------------------- diagnostics of the fits

def test_standard_errors_match_the_published_cdnow_fit(bg, calib):
    """BG/NBD on CDNOW: standard errors as the lifetimes package reports them (inverse Hessian)."""
    t = bg.parameter_table().set_index("parameter")
    published = {"r": 0.0126, "alpha": 0.3782, "a": 0.1857, "b": 0.7053}
    for name, se in published.items():
        assert t.loc[name, "std_error"] == pytest.approx(se, rel=0.02), name
    assert not t["at_bound"].any() and bg.converged_
    d = bg.diagnostics(calib).set_index("check")
    assert not d["flagged"].any()
    # 60% of CDNOW's customers never bought again: BG/NBD assumes them alive, so only the 946 repeat
    # customers are judged, and none of them is certainly alive.
    assert d.loc["P(alive) near 1 for most", "detail"] == "P(alive) >= 0.99 for 0% of the 946 repeat customers"


def test_a_fit_without_dropout_is_flagged_not_refused():
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 52, 300)
    # Everybody buys every few weeks up to the last days: the data show no dropout at all.
    s = pd.DataFrame({"frequency": rng.poisson(T / 4) + 1, "recency": T - rng.uniform(0, 0.5, 300), "T": T})
    m = BetaGeoModel().fit(s)
    d = m.diagnostics(s).set_index("check")["flagged"]
    assert d["parameters at a bound"] and d["P(alive) near 1 for most"] and d["standard errors"]
    assert "a" in m.at_bound_ and m.params_["a"] < 1e-3
    assert m.parameter_table().set_index("parameter")["std_error"].isna().all()


def test_an_unconverged_fit_is_flagged(monkeypatch, calib):
    real = optimize.minimize

    def stops_early(fun, x0, method=None, **kwargs):
        res = real(fun, x0, method=method, **kwargs)
        res.success, res.message = False, "stopped early (forced)"
        return res

    monkeypatch.setattr(optimize, "minimize", stops_early)
    m = BetaGeoModel().fit(calib)
    assert not m.converged_ and m.optimizer_message_ == "stopped early (forced)"
    row = m.diagnostics().set_index("check").loc["converged"]
    assert row["flagged"] and "did not report convergence (stopped early (forced))" in row["detail"]


def test_fit_customer_value_reports_parameters_checks_and_settings(cdnow):
    from segkit.value import fit_customer_value

    res = fit_customer_value(cdnow, cutoff="1997-09-30", horizon_months=24, annual_discount_rate=0.05)
    assert res.parameters["model"].tolist() == ["BG/NBD"] * 4 + ["Gamma-Gamma"] * 3
    assert res.parameters["std_error"].notna().all()
    assert res.flagged.empty and len(res.diagnostics) == 8
    assert res.settings["horizon_months"] == 24 and res.settings["annual_discount_rate"] == 0.05
    assert res.settings["n_customers"] == 2357 and res.settings["n_repeat"] == 946
    assert res.settings["history_months"] == pytest.approx(9.0, abs=0.1)
    short = fit_customer_value(cdnow, cutoff="1997-09-30", horizon_months=12, annual_discount_rate=0.05)
    assert (res.customers["clv"] >= short.customers["clv"] - 1e-9).all()
    assert res.customers["clv"].sum() > 1.5 * short.customers["clv"].sum()

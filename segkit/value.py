"""Potential value: BG/NBD purchase model, Gamma-Gamma spend model and lifetime value.

A small maximum-likelihood implementation in numpy/scipy, checked against the
published CDNOW results (Fader, Hardie & Lee 2005; Fader & Hardie 2013):

* :func:`rfm_summary` turns transactions into the per-customer sufficient
  statistics ``frequency`` (x, repeat transactions), ``recency`` (t_x),
  ``T`` and ``monetary_value`` (mean of the repeat transactions).
* :class:`BetaGeoModel` fits BG/NBD (r, alpha, a, b) and predicts the
  expected number of purchases and the probability a customer is alive.
* :class:`GammaGammaModel` fits the spend per transaction (p, q, gamma).
* :func:`customer_value` chains both into a discounted lifetime value per
  customer at the study's cut-off.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
the easy way: an alternative to the Pareto/NBD model. Marketing Science 24(2).

Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
value. http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from segkit.errors import DataError, SegkitError, SegkitWarning

__all__ = [
    "BOUND_TOLERANCE",
    "P_ALIVE_CERTAIN",
    "P_ALIVE_DEGENERATE_SHARE",
    "BetaGeoModel",
    "GammaGammaModel",
    "ParetoNBDModel",
    "ValueResult",
    "customer_value",
    "fit_bgnbd",
    "fit_customer_value",
    "fit_gamma_gamma",
    "rfm_summary",
]

#: Length of one time unit in days.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}

_SUMMARY_COLS = ("frequency", "recency", "T")

#: A log-parameter within this of a bound of the search (a factor of e^3, about 20) counts as at the
#: bound: the likelihood keeps rising towards 0 or infinity, the optimiser stops where it flattens,
#: and the data do not identify the parameter. Fitted values of real data sit far inside (the search
#: spans e^-12 to e^12 around the data's scale).
BOUND_TOLERANCE = 3.0
#: Correlation of purchase frequency and mean spend beyond which Gamma-Gamma's independence assumption is flagged.
_MAX_SPEND_FREQUENCY_CORR = 0.3
#: P(alive) at or above this counts as "certainly alive".
P_ALIVE_CERTAIN = 0.99
#: When more than this share of the customers the model can judge (BG/NBD: those with a repeat purchase) is
#: certainly alive, the model sees almost no dropout and P(alive) cannot rank them: the fit's check is flagged,
#: and loyalty (a median split in the value x potential x loyalty scheme) does not use P(alive).
P_ALIVE_DEGENERATE_SHARE = 0.5
#: A standard error above this multiple of its estimate means the data barely identify the parameter.
MAX_RELATIVE_SE = 1.0


def _days_per_unit(time_unit: str) -> float:
    if time_unit not in TIME_UNITS:
        raise SegkitError(f"time_unit must be one of {sorted(TIME_UNITS)}, got {time_unit!r}")
    return TIME_UNITS[time_unit]


def _require_columns(df: pd.DataFrame, cols: tuple[str, ...] | list[str], what: str) -> None:
    for col in cols:
        if col not in df.columns:
            raise DataError(
                f"{what} needs this column; available: {sorted(map(str, df.columns))}", column=col
            )


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str = "amount",
    observation_period_end: Any,
    time_unit: str = "W",
) -> pd.DataFrame:
    """Per-customer frequency, recency, age and mean repeat spend.

    Transactions after ``observation_period_end`` are ignored; rows of one
    customer on the same calendar day are merged into one transaction (their
    amounts summed), as in the BG/NBD literature.

    Parameters
    ----------
    transactions : DataFrame
        One row per order line or order.
    customer_id_col, datetime_col, monetary_value_col : str
        Column names.
    observation_period_end : date-like
        Last day observed (inclusive); ``T`` is measured up to this day.
    time_unit : {"W", "D", "M"}
        Unit of ``recency`` and ``T``: weeks (7 days), days, or months
        (365.25/12 days).

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``frequency`` (x = number of repeat
        transactions), ``recency`` (t_x = time from first to last
        transaction), ``T`` (time from first transaction to the period end)
        and ``monetary_value`` (mean amount of the repeat transactions, 0
        when x = 0), one row per customer, sorted by ``customer_id``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> rfm_summary(tx, observation_period_end="2024-01-29")
      customer_id  frequency  recency    T  monetary_value
    0           a          1      2.0  4.0            20.0
    1           b          0      0.0  3.0             0.0
    """
    _require_columns(transactions, (customer_id_col, datetime_col, monetary_value_col), "rfm_summary")
    unit = _days_per_unit(time_unit)
    end = pd.Timestamp(observation_period_end).normalize()
    tx = transactions[[customer_id_col, datetime_col, monetary_value_col]].copy()
    tx.columns = ["customer_id", "date", "amount"]
    try:
        tx["date"] = pd.to_datetime(tx["date"]).dt.normalize()
    except (TypeError, ValueError) as err:
        raise DataError(f"cannot be read as dates ({err})", column=datetime_col) from None
    if not pd.api.types.is_numeric_dtype(tx["amount"]):
        raise DataError(f"must be numeric, got dtype {tx['amount'].dtype}", column=monetary_value_col)
    tx["customer_id"] = tx["customer_id"].astype(str)
    tx = tx[tx["date"] <= end]
    if tx.empty:
        raise DataError(f"no transactions on or before observation_period_end {end.date()}", column=datetime_col)

    days = tx.groupby(["customer_id", "date"], as_index=False, sort=True)["amount"].sum()
    g = days.groupby("customer_id", sort=True)
    first = g["date"].transform("min")
    days["is_repeat"] = days["date"] > first
    out = g.agg(first=("date", "min"), last=("date", "max"), n_days=("date", "size"))
    repeat_spend = days[days["is_repeat"]].groupby("customer_id")["amount"].mean()
    summary = pd.DataFrame(
        {
            "customer_id": out.index.astype(str),
            "frequency": (out["n_days"] - 1).to_numpy(dtype=np.int64),
            "recency": ((out["last"] - out["first"]).dt.days / unit).to_numpy(dtype=float),
            "T": ((end - out["first"]).dt.days / unit).to_numpy(dtype=float),
            "monetary_value": repeat_spend.reindex(out.index).fillna(0.0).to_numpy(dtype=float),
        }
    )
    return summary


def _check_summary(summary: pd.DataFrame, *, need_monetary: bool = False) -> pd.DataFrame:
    cols = list(_SUMMARY_COLS) + (["monetary_value"] if need_monetary else [])
    _require_columns(summary, cols, "the RFM summary (see rfm_summary)")
    for col in cols:
        values = pd.to_numeric(summary[col], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
            raise DataError("must be a non-negative number", column=col, rows=rows, n_rows=len(rows))
    if (summary["recency"] > summary["T"] + 1e-9).any():
        rows = (np.flatnonzero((summary["recency"] > summary["T"] + 1e-9).to_numpy()) + 1).tolist()
        raise DataError("recency must not exceed T", column="recency", rows=rows, n_rows=len(rows))
    return summary


def _hessian(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    p = len(x)
    H = np.empty((p, p))
    f0 = f(x)
    for i in range(p):
        ei = np.zeros(p)
        ei[i] = h
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h**2
        for j in range(i):
            ej = np.zeros(p)
            ej[j] = h
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h**2)
    return H


def _fit_ml(negll, x0: np.ndarray, bounds: list[tuple[float, float]], model: str, names: list[str],
            n: float) -> dict[str, Any]:
    """Maximum likelihood over log-parameters, with what a reader needs to trust the fit.

    ``negll`` is the mean negative log-likelihood per customer (``n`` customers). L-BFGS-B first,
    Nelder-Mead when it fails. A fit whose log-likelihood is not finite is an error; one that did
    not converge, or ran to a bound of the search, is returned with those facts recorded (see
    :func:`_diagnose`), so the report can show them next to the numbers. Standard errors come from
    the inverse of the numerical Hessian of the total log-likelihood in log-parameters, by the delta
    method (``se(theta) = theta * se(log theta)``); they are missing where the Hessian is not
    positive definite (the likelihood is flat in some direction).
    """
    res = optimize.minimize(negll, x0, method="L-BFGS-B", bounds=bounds)
    message = str(res.message)
    if not (res.success and np.isfinite(res.fun)):
        alt = optimize.minimize(negll, res.x if np.all(np.isfinite(res.x)) else x0, method="Nelder-Mead",
                                options={"maxiter": 20_000, "xatol": 1e-8, "fatol": 1e-10})
        if np.isfinite(alt.fun) and (alt.success or not np.isfinite(res.fun) or alt.fun < res.fun):
            res = alt
            message = str(alt.message)
        if not np.isfinite(res.fun):
            raise SegkitError(
                f"{model} maximum-likelihood fit did not converge ({message}); check that the "
                "summary has enough customers with repeat purchases and plausible recency/T values"
            )
    x = np.clip(res.x, [lo for lo, _ in bounds], [hi for _, hi in bounds])
    at_bound = [nm for nm, (lo, hi), v in zip(names, bounds, x)
                if v - lo < BOUND_TOLERANCE or hi - v < BOUND_TOLERANCE]
    with np.errstate(all="ignore"):
        H = _hessian(lambda z: n * negll(z), x)
    se_log = np.full(len(x), np.nan)
    if np.all(np.isfinite(H)):
        try:
            np.linalg.cholesky(H)
            se_log = np.sqrt(np.diag(np.linalg.inv(H)))
        except np.linalg.LinAlgError:
            pass
    theta = np.exp(x)
    return {"x": x, "fun": float(res.fun), "converged": bool(res.success), "message": message,
            "at_bound": at_bound, "std_errors": dict(zip(names, (theta * se_log).tolist())),
            "params": dict(zip(names, theta.tolist()))}


class _MLModel:
    """What every maximum-likelihood model here records about its fit, and how it is shown."""

    #: Name in reports.
    model_name: ClassVar[str] = ""

    def _record(self, fit: dict[str, Any]) -> None:
        self.params_ = {k: float(v) for k, v in fit["params"].items()}
        self.std_errors_ = fit["std_errors"]
        self.converged_ = fit["converged"]
        self.at_bound_ = list(fit["at_bound"])
        self.optimizer_message_ = fit["message"]

    def parameter_table(self) -> pd.DataFrame:
        """Parameters with standard errors: ``model``, ``parameter``, ``estimate``, ``std_error``, ``at_bound``.

        Examples
        --------
        >>> s = pd.DataFrame({"frequency": [1, 2, 3, 1, 4, 2, 0],
        ...                   "monetary_value": [20.0, 35.0, 28.0, 50.0, 31.0, 22.0, 0.0]})
        >>> GammaGammaModel().fit(s).parameter_table()["parameter"].tolist()
        ['p', 'q', 'gamma']
        """
        if not hasattr(self, "params_"):
            raise SegkitError(f"{type(self).__name__} is not fitted; call fit(summary) first")
        return pd.DataFrame({
            "model": self.model_name,
            "parameter": list(self.params_),
            "estimate": list(self.params_.values()),
            "std_error": [self.std_errors_.get(k, np.nan) for k in self.params_],
            "at_bound": [k in self.at_bound_ for k in self.params_],
        })

    def _fit_checks(self) -> list[dict[str, Any]]:
        rows = [
            {"model": self.model_name, "check": "converged", "flagged": not self.converged_,
             "detail": "the optimiser converged" if self.converged_
             else f"the optimiser did not report convergence ({self.optimizer_message_}): the estimates may not be "
                  "the maximum"},
            {"model": self.model_name, "check": "parameters at a bound", "flagged": bool(self.at_bound_),
             "detail": "no parameter at a bound of the search" if not self.at_bound_
             else f"{', '.join(self.at_bound_)} ran to within a factor of {np.exp(BOUND_TOLERANCE):.0f} of a bound of "
                  "the search (towards 0 or infinity): the data do not identify it, and predictions that depend on it "
                  "rest on where the search stopped, not on the data"},
        ]
        missing = [k for k, v in self.std_errors_.items() if not np.isfinite(v)]
        weak = [f"{k} ({self.params_[k]:.3g} ± {v:.3g})" for k, v in self.std_errors_.items()
                if np.isfinite(v) and v > MAX_RELATIVE_SE * abs(self.params_[k])]
        if missing:
            detail = f"no standard error for {', '.join(missing)}: the likelihood is flat in some direction"
        elif weak:
            it = "it" if len(weak) == 1 else "them"
            detail = (f"standard error above the estimate for {', '.join(weak)}: the data barely identify {it}, and "
                      f"predictions that lean on {it} are uncertain")
        else:
            detail = "every standard error (from the curvature of the likelihood) is below its estimate"
        rows.append({"model": self.model_name, "check": "standard errors", "flagged": bool(missing or weak),
                     "detail": detail})
        return rows


#: The name of the fit check on P(alive), in the diagnostics table.
ALIVE_CHECK = "P(alive) near 1 for most"


def _alive_check(model: str, p_alive: np.ndarray, judged: np.ndarray | None = None, who: str = "customers"
                 ) -> dict[str, Any]:
    """The P(alive) check: flagged when more than :data:`P_ALIVE_DEGENERATE_SHARE` of the judged customers are certain.

    ``judged`` marks the customers the model can judge (BG/NBD: a repeat purchase; for the others it
    assumes P(alive) = 1); all customers when None.
    """
    p = np.asarray(p_alive, dtype=float)
    if judged is not None:
        p = p[np.asarray(judged, dtype=bool)]
    share = float(np.mean(p >= P_ALIVE_CERTAIN)) if len(p) else 0.0
    flagged = share > P_ALIVE_DEGENERATE_SHARE
    detail = f"P(alive) >= {P_ALIVE_CERTAIN} for {share:.0%} of the {len(p):,} {who}"
    if flagged:
        detail += (f" (more than {P_ALIVE_DEGENERATE_SHARE:.0%} is flagged): the model sees almost no dropout, so "
                   "P(alive) does not rank them and expected purchases rest on the purchase rate alone")
    return {"model": model, "check": ALIVE_CHECK, "flagged": flagged, "detail": detail}


class BetaGeoModel(_MLModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    Transactions follow a Poisson process with rate lambda ~ Gamma(r, alpha);
    after each transaction a customer drops out with probability
    p ~ Beta(a, b).

    Attributes
    ----------
    params_ : dict
        Maximum-likelihood ``r``, ``alpha``, ``a``, ``b``.
    std_errors_ : dict
        Their standard errors (NaN where the likelihood is flat).
    converged_ : bool
        Whether the optimiser converged.
    at_bound_ : list of str
        Parameters that ran to a bound of the search (not identified by the data).
    log_likelihood_ : float
        Log-likelihood at the estimate.
    n_customers_ : int
        Customers the model was fitted on.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0, 2, 5, 1, 0, 3], "recency": [0, 20, 30, 5, 0, 10],
    ...                   "T": [40, 38, 35, 30, 20, 39]})
    >>> m = BetaGeoModel().fit(s)
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    """

    model_name = "BG/NBD"

    def fit(self, summary: pd.DataFrame) -> BetaGeoModel:
        """Fit by maximum likelihood on an :func:`rfm_summary` table."""
        summary = _check_summary(summary)
        if len(summary) < 4:
            raise DataError(f"BG/NBD needs at least 4 customers, got {len(summary)}")
        if not (summary["frequency"] > 0).any():
            # With no repeat purchase the dropout process (a, b) is not identified at all.
            raise DataError("BG/NBD needs customers with repeat purchases; every frequency is 0",
                            column="frequency")
        # Customers with equal (x, t_x, T) contribute identical terms: fit on the distinct rows.
        grouped = (
            summary.groupby(list(_SUMMARY_COLS), sort=False).size().rename("n").reset_index()
        )
        x = grouped["frequency"].to_numpy(float)
        tx = grouped["recency"].to_numpy(float)
        T = grouped["T"].to_numpy(float)
        w = grouped["n"].to_numpy(float)
        scale = max(float(np.mean(summary["T"])), 1e-3)

        def negll(logp: np.ndarray) -> float:
            r, alpha, a, b = np.exp(logp)
            return -float(np.sum(w * self._loglik_terms(r, alpha, a, b, x, tx, T))) / w.sum()

        x0 = np.log([1.0, scale, 1.0, 1.0])
        bounds = [(-12.0, 12.0), (np.log(scale) - 15, np.log(scale) + 15), (-12.0, 12.0), (-12.0, 12.0)]
        fit = _fit_ml(negll, x0, bounds, self.model_name, ["r", "alpha", "a", "b"], float(w.sum()))
        self._record(fit)
        self.log_likelihood_ = -fit["fun"] * float(w.sum())
        self.n_customers_ = int(w.sum())
        return self

    def diagnostics(self, summary: pd.DataFrame | None = None) -> pd.DataFrame:
        """Checks of the fit: ``model``, ``check``, ``flagged``, ``detail`` (one row per check).

        Convergence, parameters at a bound, standard errors (missing, or above their estimate), and,
        given the customers' ``summary``, whether P(alive) is near 1 for most of the repeat customers
        (:data:`P_ALIVE_DEGENERATE_SHARE`; BG/NBD assumes the others alive, so they are not judged).
        """
        rows = self._fit_checks()
        if summary is not None:
            # BG/NBD assumes a customer without a repeat purchase alive: only repeat customers are judged
            rows.append(_alive_check(self.model_name, self.probability_alive(summary),
                                     summary["frequency"].to_numpy(float) > 0, "repeat customers"))
        return pd.DataFrame(rows, columns=["model", "check", "flagged", "detail"])

    @staticmethod
    def _loglik_terms(r, alpha, a, b, x, tx, T) -> np.ndarray:
        # FHL (2005) eq. 6, written as logs so large x and T do not overflow.
        common = (
            special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            + special.gammaln(a + b) + special.gammaln(b + x)
            - special.gammaln(b) - special.gammaln(a + b + x)
        )
        still = -(r + x) * np.log(alpha + T)
        has_rep = x > 0
        dropped = np.where(
            has_rep,
            np.log(a) - np.log(np.where(has_rep, b + x - 1, 1.0)) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
        return common + np.logaddexp(still, dropped)

    def _fitted(self) -> dict[str, float]:
        if not hasattr(self, "params_"):
            raise SegkitError("BetaGeoModel is not fitted; call fit(summary) first")
        return self.params_

    def _log_dropout_odds(self, summary: pd.DataFrame) -> np.ndarray:
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        x = summary["frequency"].to_numpy(float)
        tx = summary["recency"].to_numpy(float)
        T = summary["T"].to_numpy(float)
        has_rep = x > 0
        odds = (
            np.log(a) - np.log(np.where(has_rep, b + x - 1, 1.0))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        )
        return np.where(has_rep, odds, -np.inf)

    def probability_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(customer still active at T | x, t_x, T); 1 for customers with x = 0.

        Examples
        --------
        >>> m = BetaGeoModel()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> m.probability_alive(pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [39.0]}))
        array([1.])
        """
        summary = _check_summary(summary)
        return special.expit(-self._log_dropout_odds(summary))

    def expected_purchases(self, t: float, summary: pd.DataFrame) -> np.ndarray:
        """Expected number of purchases in the next ``t`` time units (FHL 2005 eq. 10).

        Parameters
        ----------
        t : float
            Length of the future period, in the summary's time unit.
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer.

        Examples
        --------
        >>> m = BetaGeoModel()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> s = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
        >>> round(float(m.expected_purchases(39, s)[0]), 3)
        1.226
        """
        if t < 0:
            raise SegkitError(f"t must be >= 0, got {t}")
        summary = _check_summary(summary)
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        x = summary["frequency"].to_numpy(float)
        T = summary["T"].to_numpy(float)
        if t == 0:
            return np.zeros(len(summary))
        if abs(a - 1) < 1e-6:
            # (1 - hyp)/(a - 1) is 0/0 at a = 1; the function is smooth in a, so average both sides.
            core = 0.5 * (self._growth(r, alpha, a - 1e-6, b, x, T, t) + self._growth(r, alpha, a + 1e-6, b, x, T, t))
        else:
            core = self._growth(r, alpha, a, b, x, T, t)
        return core * special.expit(-self._log_dropout_odds(summary))

    @staticmethod
    def _growth(r, alpha, a, b, x, T, t) -> np.ndarray:
        z = t / (alpha + T + t)
        # Euler's transformation turns ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)
        # into (1-z)^(a-1) 2F1(a-1, a+b-1-r; a+b+x-1; z): its series stays bounded for large x,
        # where the textbook form multiplies a vanishing power by an exploding series.
        hyp = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a - 1, a + b - 1 - r, a + b + x - 1, z)
        out = (a + b + x - 1) / (a - 1) * (1.0 - hyp)
        bad = ~np.isfinite(out)
        if bad.any():
            # With large a and b scipy's series overflows; integrate the same expectation directly.
            out[bad] = BetaGeoModel._growth_by_quadrature(r, alpha, a, b, x[bad], np.broadcast_to(T, x.shape)[bad], t)
        return out

    @staticmethod
    def _growth_by_quadrature(r, alpha, a, b, x, T, t, n_nodes: int = 96) -> np.ndarray:
        """E[X(t) | alive] as an integral over the dropout probability p.

        Given lambda and p, an alive customer makes (1 - exp(-lambda p t)) / p purchases in t
        (Fader, Hardie & Lee 2005, eq. 7). Averaging over lambda ~ Gamma(r + x, alpha + T) gives
        (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p, and p ~ Beta(a, b + x) is integrated with
        Gauss-Legendre nodes on its quantile scale, which stays accurate however peaked it is.
        """
        u, w = np.polynomial.legendre.leggauss(n_nodes)
        u, w = 0.5 * (u + 1), 0.5 * w
        p = stats.beta.ppf(u[None, :], a, (b + x)[:, None])
        base = (alpha + T)[:, None]
        g = -np.expm1((r + x)[:, None] * (np.log(base) - np.log(base + p * t))) / p
        return g @ w

    def expected_purchases_new_customer(self, t: float) -> float:
        """E[X(t)] for a customer just acquired (FHL 2005 eq. 9)."""
        p = self._fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        z = t / (alpha + t)
        hyp = np.exp(r * np.log(alpha / (alpha + t))) * special.hyp2f1(r, b, a + b - 1, z)
        return float((a + b - 1) / (a - 1) * (1 - hyp))


class ParetoNBDModel(_MLModel):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    Purchases follow a Poisson process with rate lambda ~ Gamma(r, alpha);
    lifetimes are exponential with rate mu ~ Gamma(s, beta). Offered as a
    cross-check of :class:`BetaGeoModel`; the likelihood follows Fader &
    Hardie's (2005) note on the Pareto/NBD and needs hyp2f1 with |z| < 1,
    which holds for every customer.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``s``, ``beta``.
    log_likelihood_ : float

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0, 2, 5, 1, 0, 3], "recency": [0, 20, 30, 5, 0, 10],
    ...                   "T": [40, 38, 35, 30, 20, 39]})
    >>> sorted(ParetoNBDModel().fit(s).params_)
    ['alpha', 'beta', 'r', 's']
    """

    model_name = "Pareto/NBD"

    @staticmethod
    def _log_a0(r, alpha, s, beta, x, tx, T) -> np.ndarray:
        # log of A0 in Fader & Hardie's note: a difference of two hyp2f1 terms, taken in logs.
        big, a_arg = (alpha, s + 1) if alpha >= beta else (beta, r + x)
        small = beta if alpha >= beta else alpha
        c = r + s + x
        z1 = (big - small) / (big + tx)
        z2 = (big - small) / (big + T)
        l1 = np.log(special.hyp2f1(c, a_arg, c + 1, z1)) - c * np.log(big + tx)
        l2 = np.log(special.hyp2f1(c, a_arg, c + 1, z2)) - c * np.log(big + T)
        with np.errstate(divide="ignore"):
            return l1 + np.log1p(-np.exp(np.minimum(l2 - l1, 0.0)))

    @classmethod
    def _loglik_terms(cls, r, alpha, s, beta, x, tx, T) -> np.ndarray:
        head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        dead = np.log(s) - np.log(r + s + x) + cls._log_a0(r, alpha, s, beta, x, tx, T)
        return head + np.logaddexp(alive, dead)

    def fit(self, summary: pd.DataFrame) -> ParetoNBDModel:
        """Fit by maximum likelihood on an :func:`rfm_summary` table."""
        summary = _check_summary(summary)
        if not (summary["frequency"] > 0).any():
            raise DataError("Pareto/NBD needs customers with repeat purchases; every frequency is 0",
                            column="frequency")
        grouped = summary.groupby(list(_SUMMARY_COLS), sort=False).size().rename("n").reset_index()
        x, tx, T, w = (grouped[c].to_numpy(float) for c in ("frequency", "recency", "T", "n"))
        scale = max(float(np.mean(summary["T"])), 1e-3)

        def negll(logp: np.ndarray) -> float:
            r, alpha, s, beta = np.exp(logp)
            with np.errstate(all="ignore"):
                ll = self._loglik_terms(r, alpha, s, beta, x, tx, T)
            # hyp2f1 can overflow far from the optimum; a large finite value steers the search back.
            return -float(np.sum(w * ll)) / w.sum() if np.all(np.isfinite(ll)) else 1e10

        x0 = np.log([1.0, scale, 1.0, scale])
        lo, hi = np.log(scale) - 15, np.log(scale) + 15
        fit = _fit_ml(negll, x0, [(-12.0, 12.0), (lo, hi), (-12.0, 12.0), (lo, hi)], self.model_name,
                      ["r", "alpha", "s", "beta"], float(w.sum()))
        self._record(fit)
        self.log_likelihood_ = -fit["fun"] * float(w.sum())
        return self

    def diagnostics(self, summary: pd.DataFrame | None = None) -> pd.DataFrame:
        """Checks of the fit, as :meth:`BetaGeoModel.diagnostics`."""
        rows = self._fit_checks()
        if summary is not None:
            rows.append(_alive_check(self.model_name, self.probability_alive(summary)))
        return pd.DataFrame(rows, columns=["model", "check", "flagged", "detail"])

    def probability_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(alive at T | x, t_x, T)."""
        if not hasattr(self, "params_"):
            raise SegkitError("ParetoNBDModel is not fitted; call fit(summary) first")
        summary = _check_summary(summary)
        p = self.params_
        r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
        x, tx, T = (summary[c].to_numpy(float) for c in _SUMMARY_COLS)
        log_odds = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                    + self._log_a0(r, alpha, s, beta, x, tx, T))
        return special.expit(-log_odds)

    def expected_purchases(self, t: float, summary: pd.DataFrame) -> np.ndarray:
        """Expected purchases in the next ``t`` time units (needs s != 1)."""
        alive = self.probability_alive(summary)
        p = self.params_
        r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
        x, T = summary["frequency"].to_numpy(float), summary["T"].to_numpy(float)
        if abs(s - 1) < 1e-8:
            growth = (r + x) * (beta + T) / (alpha + T) * np.log((beta + T + t) / (beta + T))
        else:
            growth = (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
        return growth * alive


class GammaGammaModel(_MLModel):
    """Gamma-Gamma model of the mean spend per transaction (Fader & Hardie 2013).

    Fitted on customers with at least one repeat transaction; assumes spend is
    independent of purchase frequency (``frequency_monetary_corr_`` reports
    the correlation on the fitted customers so a report can show it).

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``gamma``.
    log_likelihood_ : float
    n_customers_ : int
        Customers with x > 0 used in the fit.
    frequency_monetary_corr_ : float
        Pearson correlation of ``frequency`` and ``monetary_value`` among them.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [1, 2, 3, 1, 4, 2, 0],
    ...                   "monetary_value": [20.0, 35.0, 28.0, 50.0, 31.0, 22.0, 0.0]})
    >>> g = GammaGammaModel().fit(s)
    >>> sorted(g.params_)
    ['gamma', 'p', 'q']
    """

    model_name = "Gamma-Gamma"

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit by maximum likelihood on the customers with ``frequency > 0``."""
        _require_columns(summary, ["frequency", "monetary_value"], "the Gamma-Gamma fit")
        rep = summary[pd.to_numeric(summary["frequency"], errors="coerce") > 0]
        x = rep["frequency"].to_numpy(float)
        m = pd.to_numeric(rep["monetary_value"], errors="coerce").to_numpy(float)
        if len(rep) < 3:
            raise DataError(
                f"Gamma-Gamma needs at least 3 customers with repeat purchases, got {len(rep)}",
                column="frequency",
            )
        bad = ~np.isfinite(m) | (m <= 0)
        if bad.any():
            raise DataError(
                "repeat customers need a positive mean spend",
                column="monetary_value",
                rows=(np.flatnonzero(bad) + 1).tolist(),
                n_rows=int(bad.sum()),
            )
        scale = float(np.mean(m))

        def negll(logp: np.ndarray) -> float:
            p, q, g = np.exp(logp)
            ll = (
                special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q)
                + q * np.log(g) + (p * x - 1) * np.log(m) + p * x * np.log(x)
                - (p * x + q) * np.log(g + m * x)
            )
            return -float(np.mean(ll))

        x0 = np.log([1.0, 2.0, scale])
        bounds = [(-10.0, 10.0), (-10.0, 10.0), (np.log(scale) - 20, np.log(scale) + 20)]
        fit = _fit_ml(negll, x0, bounds, self.model_name, ["p", "q", "gamma"], float(len(rep)))
        p, q, g = (fit["params"][k] for k in ("p", "q", "gamma"))
        if q <= 1:
            raise SegkitError(
                f"Gamma-Gamma estimate q = {q:.3f} <= 1: the expected spend is infinite; "
                "the spend data are too heavy-tailed for this model"
            )
        self._record(fit)
        self.log_likelihood_ = -fit["fun"] * len(rep)
        self.n_customers_ = int(len(rep))
        self.frequency_monetary_corr_ = float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 and np.ptp(m) > 0 else 0.0
        if abs(self.frequency_monetary_corr_) >= _MAX_SPEND_FREQUENCY_CORR:
            warnings.warn(
                f"Gamma-Gamma assumes spend per order is independent of purchase frequency, but they "
                f"correlate at r = {self.frequency_monetary_corr_:.2f} among the {len(rep)} repeat buyers; "
                "expected spend (and CLV) of frequent buyers may be biased",
                SegkitWarning,
                stacklevel=2,
            )
        return self

    def diagnostics(self) -> pd.DataFrame:
        """Checks of the fit (convergence, bounds, standard errors) and of its assumption that spend per
        order does not depend on purchase frequency."""
        rows = self._fit_checks()
        r = self.frequency_monetary_corr_
        rows.append({"model": self.model_name, "check": "spend independent of frequency",
                     "flagged": abs(r) >= _MAX_SPEND_FREQUENCY_CORR,
                     "detail": f"correlation of frequency and mean spend among the {self.n_customers_:,} repeat "
                               f"buyers: {r:.2f}" + (" (the model assumes none: expected spend of frequent buyers "
                                                     "may be biased)" if abs(r) >= _MAX_SPEND_FREQUENCY_CORR else "")})
        return pd.DataFrame(rows, columns=["model", "check", "flagged", "detail"])

    def expected_spend(self, summary: pd.DataFrame) -> np.ndarray:
        """E[spend per transaction | x, m_x]; the population mean p*gamma/(q-1) when x = 0.

        Examples
        --------
        >>> g = GammaGammaModel()
        >>> g.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44}
        >>> g.expected_spend(pd.DataFrame({"frequency": [0], "monetary_value": [0.0]})).round(2)
        array([35.22])
        """
        if not hasattr(self, "params_"):
            raise SegkitError("GammaGammaModel is not fitted; call fit(summary) first")
        _require_columns(summary, ["frequency", "monetary_value"], "expected_spend")
        p, q, g = self.params_["p"], self.params_["q"], self.params_["gamma"]
        x = summary["frequency"].to_numpy(float)
        m = np.where(x > 0, summary["monetary_value"].to_numpy(float), 0.0)
        # A weighted mean of the population mean and the customer's own mean; x = 0 gives the former.
        return p * (g + x * m) / (p * x + q - 1)


def fit_bgnbd(summary: pd.DataFrame) -> BetaGeoModel:
    """Fit a :class:`BetaGeoModel`; shorthand for ``BetaGeoModel().fit(summary)``."""
    return BetaGeoModel().fit(summary)


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGammaModel:
    """Fit a :class:`GammaGammaModel`; shorthand for ``GammaGammaModel().fit(summary)``."""
    return GammaGammaModel().fit(summary)


@dataclass(frozen=True)
class ValueResult:
    """Potential value per customer and what a reader needs to judge the models behind it.

    Attributes
    ----------
    customers : DataFrame
        ``customer_id``, ``p_alive``, ``expected_orders``, ``expected_spend_per_order``, ``clv``.
    parameters : DataFrame
        Tidy: ``model``, ``parameter``, ``estimate``, ``std_error``, ``at_bound`` of BG/NBD and Gamma-Gamma.
    diagnostics : DataFrame
        Tidy: ``model``, ``check``, ``flagged``, ``detail``: convergence, parameters at a bound,
        standard errors, P(alive) near 1 for most, spend independent of frequency.
    settings : dict
        ``cutoff``, ``horizon_months``, ``annual_discount_rate``, ``history_months`` (first purchase
        to cut-off), ``n_customers``, ``n_repeat`` (customers with a repeat purchase).
    summary : DataFrame
        The RFM summary both models were fitted on (:func:`rfm_summary`); ``frequency`` is each
        customer's repeat purchase days.
    """

    customers: pd.DataFrame
    parameters: pd.DataFrame
    diagnostics: pd.DataFrame
    settings: dict
    summary: pd.DataFrame

    @property
    def flagged(self) -> pd.DataFrame:
        """The checks that failed."""
        return self.diagnostics.loc[self.diagnostics["flagged"]]


def fit_customer_value(
    transactions: pd.DataFrame,
    *,
    cutoff: Any,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    margin_rate: float | pd.Series | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str = "amount",
    time_unit: str = "W",
) -> ValueResult:
    """Expected future orders, spend and discounted lifetime value per customer, with the models' diagnostics.

    Fits BG/NBD and Gamma-Gamma on the transactions up to ``cutoff``, then
    sums, month by month over the horizon, the expected orders in that month
    times the expected spend per order, discounted at the monthly equivalent
    of ``annual_discount_rate`` (paid at the month's end). A fit that did not
    converge, ran a parameter to a bound, or puts most repeat customers at
    P(alive) near 1 is not refused: it is flagged in ``diagnostics`` (and a
    :class:`~segkit.errors.SegkitWarning` names it), so the report shows it beside the numbers.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (``customer_id``, ``date``, ``amount``).
    cutoff : date-like
        Last day of the observation period (inclusive).
    horizon_months : int
        Months ahead to value.
    annual_discount_rate : float
        Yearly discount rate, e.g. 0.10.
    margin_rate : float or Series, optional
        Share of revenue that is profit: one number, or a Series indexed by
        customer id (missing customers get the median). ``None`` values
        revenue (margin 1).
    customer_id_col, datetime_col, monetary_value_col, time_unit
        As in :func:`rfm_summary`.

    Returns
    -------
    ValueResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> tx = pd.DataFrame({"customer_id": rng.integers(0, 60, 400).astype(str),
    ...                    "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 360, 400), "D"),
    ...                    "amount": rng.gamma(4.0, 10.0, 400)})
    >>> res = fit_customer_value(tx, cutoff="2024-12-31", horizon_months=6)
    >>> res.parameters["parameter"].tolist()
    ['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma']
    >>> sorted(res.diagnostics["check"].unique())[:2]
    ['P(alive) near 1 for most', 'converged']
    """
    if not isinstance(horizon_months, (int, np.integer)) or horizon_months < 1:
        raise SegkitError(f"horizon_months must be a positive integer, got {horizon_months!r}")
    if not 0 <= annual_discount_rate < 1:
        raise SegkitError(f"annual_discount_rate must be in [0, 1), got {annual_discount_rate!r}")
    summary = rfm_summary(
        transactions,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        observation_period_end=cutoff,
        time_unit=time_unit,
    )
    bg = BetaGeoModel().fit(summary)
    gg = GammaGammaModel().fit(summary)
    month = TIME_UNITS["M"] / _days_per_unit(time_unit)
    monthly_rate = (1 + annual_discount_rate) ** (1 / 12) - 1
    cum = np.column_stack(
        [np.zeros(len(summary))] + [bg.expected_purchases(i * month, summary) for i in range(1, horizon_months + 1)]
    )
    per_month = np.diff(cum, axis=1)
    discount = (1 + monthly_rate) ** -np.arange(1, horizon_months + 1)
    spend = gg.expected_spend(summary)

    if margin_rate is None:
        margin = np.ones(len(summary))
    elif isinstance(margin_rate, pd.Series):
        mr = margin_rate.copy()
        mr.index = mr.index.astype(str)
        mr = mr.reindex(summary["customer_id"])
        margin = mr.fillna(mr.median()).to_numpy(float)
    else:
        if not 0 < float(margin_rate) <= 1:
            raise SegkitError(f"margin_rate must be in (0, 1], got {margin_rate!r}")
        margin = np.full(len(summary), float(margin_rate))

    out = pd.DataFrame(
        {
            "customer_id": summary["customer_id"].to_numpy(),
            "p_alive": bg.probability_alive(summary),
            "expected_orders": cum[:, -1],
            "expected_spend_per_order": spend,
            "clv": margin * spend * (per_month @ discount),
        }
    )
    out.attrs["bgnbd"] = dict(bg.params_, log_likelihood=bg.log_likelihood_, converged=bool(bg.converged_))
    out.attrs["gamma_gamma"] = dict(gg.params_, log_likelihood=gg.log_likelihood_,
                                    frequency_monetary_corr=gg.frequency_monetary_corr_)
    diagnostics = pd.concat([bg.diagnostics(summary), gg.diagnostics()], ignore_index=True)
    for r in diagnostics.loc[diagnostics["flagged"]].itertuples():
        warnings.warn(f"{r.model}: {r.check}: {r.detail}", SegkitWarning, stacklevel=2)
    end = pd.Timestamp(cutoff).normalize()
    first = pd.to_datetime(transactions[datetime_col]).min()
    settings = {"cutoff": str(end.date()), "horizon_months": int(horizon_months),
                "annual_discount_rate": float(annual_discount_rate),
                "history_months": round(float((end - first.normalize()).days / TIME_UNITS["M"]), 1),
                "n_customers": int(len(summary)), "n_repeat": int((summary["frequency"] > 0).sum())}
    return ValueResult(out, pd.concat([bg.parameter_table(), gg.parameter_table()], ignore_index=True),
                       diagnostics, settings, summary)


def customer_value(
    transactions: pd.DataFrame,
    *,
    cutoff: Any,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    margin_rate: float | pd.Series | None = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "date",
    monetary_value_col: str = "amount",
    time_unit: str = "W",
) -> pd.DataFrame:
    """The per-customer table of :func:`fit_customer_value` (parameters in ``.attrs``).

    Returns
    -------
    DataFrame
        ``customer_id``, ``p_alive``, ``expected_orders`` (over the horizon),
        ``expected_spend_per_order`` and ``clv``; fitted parameters are in
        ``.attrs["bgnbd"]`` and ``.attrs["gamma_gamma"]``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> tx = pd.DataFrame({"customer_id": rng.integers(0, 60, 400).astype(str),
    ...                    "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 360, 400), "D"),
    ...                    "amount": rng.gamma(4.0, 10.0, 400)})
    >>> cv = customer_value(tx, cutoff="2024-12-31", horizon_months=6)
    >>> list(cv.columns)
    ['customer_id', 'p_alive', 'expected_orders', 'expected_spend_per_order', 'clv']
    """
    return fit_customer_value(transactions, cutoff=cutoff, horizon_months=horizon_months,
                              annual_discount_rate=annual_discount_rate, margin_rate=margin_rate,
                              customer_id_col=customer_id_col, datetime_col=datetime_col,
                              monetary_value_col=monetary_value_col, time_unit=time_unit).customers


# ---------------------------------------------------------------------------------------------
# whether P(alive) tells customers apart (read by the loyalty of segkit.pipeline.customer_table)
# ---------------------------------------------------------------------------------------------

class PAliveCheck(NamedTuple):
    """Whether a fitted purchase model's P(alive) can rank customers.

    BG/NBD identifies P(alive) only for a customer with a repeat purchase day (for the others it is 1
    by the model's assumption), and a degenerate or unconverged fit gives nearly everyone 1.

    Attributes
    ----------
    usable : bool
    share_certain : float
        Share of the repeat customers with P(alive) of at least :data:`P_ALIVE_CERTAIN`.
    n_repeat : int
        Customers with a repeat purchase day: those the model identifies P(alive) for.
    note : str
        What the check found and what loyalty uses, in a sentence.
    """

    usable: bool
    share_certain: float
    n_repeat: int
    note: str


def p_alive_check(p_alive: pd.Series | np.ndarray, repeat_purchase_days: pd.Series | np.ndarray, *,
                  converged: bool | None = None) -> PAliveCheck:
    """Whether P(alive) tells the repeat customers apart, or the fit is degenerate or did not converge.

    Parameters
    ----------
    p_alive : array-like
        P(alive) per customer (:func:`customer_value`).
    repeat_purchase_days : array-like
        Repeat purchase days per customer (the BG/NBD ``frequency`` of :func:`rfm_summary`).
    converged : bool, optional
        Whether the fit converged, when known.

    Returns
    -------
    PAliveCheck

    Examples
    --------
    >>> p_alive_check([1.0, 0.999, 0.6, 0.4], [0, 3, 2, 5]).usable
    True
    >>> p_alive_check([1.0, 0.999, 0.995], [0, 3, 2]).note[:60]
    'P(alive) is not used for loyalty: 100% of the 2 repeat custo'
    """
    p = np.asarray(p_alive, dtype=float)
    x = np.nan_to_num(np.asarray(repeat_purchase_days, dtype=float))
    repeat = x > 0
    n = int(repeat.sum())
    share = float((p[repeat] >= P_ALIVE_CERTAIN).mean()) if n else float("nan")
    fallback = "loyalty falls back to spend stability for repeat buyers (one-time buyers are never loyal)"
    if converged is False:
        return PAliveCheck(False, share, n, f"P(alive) is not used for loyalty: the purchase model's fit did not "
                                            f"converge, so {fallback}.")
    if n == 0:
        return PAliveCheck(False, share, n, f"P(alive) is not used for loyalty: no customer has a repeat purchase "
                                            f"day, so the model identifies it for nobody; {fallback}.")
    if share > P_ALIVE_DEGENERATE_SHARE:
        return PAliveCheck(False, share, n, (
            f"P(alive) is not used for loyalty: {share:.0%} of the {n:,} repeat customers have P(alive) of "
            f"{P_ALIVE_CERTAIN} or more (the model sees almost no one drop out), so it cannot rank them: a "
            f"degenerate fit for this purpose; {fallback}."))
    return PAliveCheck(True, share, n, (
        f"Loyalty of the {n:,} repeat customers averages spend stability and P(alive) ({share:.0%} of them have "
        f"P(alive) of {P_ALIVE_CERTAIN} or more); one-time buyers, for whom the model assumes P(alive) = 1, are "
        "never loyal."))

"""Rule-based segmentation schemes as scikit-learn style estimators.

Each scheme learns its thresholds from the customer base in ``fit`` (so
stability analysis can re-estimate them on bootstrap samples) and applies
them to new customers in ``predict``. ``labels_`` are 0-based; the
:class:`~segkit.methods.result.SegmentationResult` in ``result_`` numbers
segments from 1, lists every class of the scheme even when empty, and gives
each a name, an action, a description and the ``rule`` that defines it.

Schemes (see DOMAIN.md):

* :class:`RFM8Segmenter` -- R, F, M each above/below the base's average, 8 classes.
* :class:`RFMQuantileSegmenter` -- 1-5 quintile scores, 10 named segments (R ``rfm`` convention).
* :class:`ValuePyramidSegmenter` -- platinum 1% / gold 4% / iron 15% / lead 80% by value.
* :class:`ValuePotentialLoyaltySegmenter` -- current x potential value x loyalty, 8 classes.
* :class:`SatisfactionVolumeSegmenter` -- satisfaction x purchase volume, 9 cells, classes A-D.
* :class:`ClassifyStratifySegmenter` -- customer type, then size tiers within type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from segkit.errors import DataError, SegkitError
from segkit.methods.result import SegmentationResult, build_result, check_sample_value, unique_ids

__all__ = [
    "ClassifyStratifySegmenter",
    "RFM8Segmenter",
    "RFMQuantileSegmenter",
    "SatisfactionVolumeSegmenter",
    "ValuePotentialLoyaltySegmenter",
    "ValuePyramidSegmenter",
    "days_until_next_purchase",
]


# ----------------------------------------------------------------------------- shared machinery

def _as_frame(X: Any) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise SegkitError(f"X must be a DataFrame indexed by customer_id, got {type(X).__name__}")
    if "customer_id" in X.columns and X.index.name != "customer_id":
        X = X.set_index("customer_id")
    return X


def _numeric(X: pd.DataFrame, col: str) -> np.ndarray:
    if col not in X.columns:
        raise DataError(f"not found in X; available columns: {sorted(map(str, X.columns))}", column=col)
    s = X[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise DataError(f"must be numeric, got dtype {s.dtype}", column=col)
    v = s.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(v)
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        raise DataError(
            f"{int(bad.sum())} customers have no value; fill or drop them before segmenting",
            column=col, rows=rows, n_rows=len(rows),
        )
    return v


def _fmt(v: float) -> str:
    return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"


class _RuleSegmenter(BaseEstimator):
    """fit/predict/result_ plumbing shared by the schemes; subclasses supply the rules."""

    _method = ""

    def fit(self, X: pd.DataFrame, y: None = None, *, sample_value: Any = None) -> _RuleSegmenter:
        """Learn the thresholds from ``X`` and segment its customers.

        Parameters
        ----------
        X : DataFrame
            One row per customer, indexed by ``customer_id`` (a ``customer_id``
            column is used as the index if present). Repeated ids, as in a
            bootstrap sample, count once per row.
        y : None
            Ignored; present for scikit-learn compatibility.
        sample_value : Series or array-like, optional
            Value of each customer (e.g. revenue), aligned by ``customer_id``
            when a Series, else by position. The segment order is fixed by the
            rules; the value adds ``value_total``, ``value_mean`` and
            ``value_share`` per segment to ``result_.table``.

        Returns
        -------
        self
        """
        X = _as_frame(X)
        if len(X) == 0:
            raise DataError("X has no customers")
        value = check_sample_value(sample_value, X)
        self._learn(X)
        self.labels_ = self._assign(X)
        self.result_ = self._result(X, self.labels_, value)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Segment (0-based) of each customer in ``X``, by the rules learned in ``fit``."""
        if not hasattr(self, "labels_"):
            raise SegkitError(f"{type(self).__name__} is not fitted; call fit(X) first")
        return self._assign(_as_frame(X))

    def fit_predict(self, X: pd.DataFrame, y: None = None) -> np.ndarray:
        """``fit(X).labels_``."""
        return self.fit(X).labels_

    # -- subclass hooks
    def _learn(self, X: pd.DataFrame) -> None:
        raise NotImplementedError

    def _assign(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _texts(self) -> dict[int, dict[str, Any]]:
        """Per segment number: name, action, description, rule and any extra columns."""
        raise NotImplementedError

    def _learned(self) -> dict[str, Any]:
        return {}

    def _default_value(self, X: pd.DataFrame) -> np.ndarray | None:
        return None

    def _result(self, X: pd.DataFrame, labels: np.ndarray, value: np.ndarray | None) -> SegmentationResult:
        texts = self._texts()
        core = ("name", "action", "description", "rule")
        res = build_result(
            self._method,
            unique_ids(X.index),
            labels + 1,
            names={s: t["name"] for s, t in texts.items()},
            actions={s: t["action"] for s, t in texts.items()},
            descriptions={s: t["description"] for s, t in texts.items()},
            rules={s: t["rule"] for s, t in texts.items()},
            params={**self.get_params(), **self._learned()},
            all_segments=sorted(texts),
        )
        extra = sorted({k for t in texts.values() for k in t} - set(core))
        segments = res.segments.copy()
        for key in extra:
            segments[key] = segments["segment"].map({s: t.get(key) for s, t in texts.items()})
        if value is None:
            value = self._default_value(X)
        if value is not None:
            by_segment = pd.Series(value).groupby(labels + 1)
            total = float(np.sum(value))
            segments["value_total"] = segments["segment"].map(by_segment.sum()).fillna(0.0)
            segments["value_mean"] = segments["segment"].map(by_segment.mean())
            segments["value_share"] = segments["value_total"] / total if total else np.nan
        return dataclasses.replace(res, segments=segments)


# ----------------------------------------------------------------------------- RFM 8-class

#: (code RFM, label, description, action) in segment order 1..8, as in DOMAIN.md.
RFM8_CLASSES: tuple[tuple[str, str, str, str], ...] = (
    ("111", "important value", "recent, frequent and big spenders",
     "VIP treatment, priority service, first to hear of new products"),
    ("011", "important keep", "lapsed but were frequent and big spenders",
     "urgent win-back: contact them, find out why they left, re-engage"),
    ("101", "important develop", "recent and big spenders but infrequent",
     "increasing coupons and spend-threshold offers to raise purchase frequency"),
    ("001", "important retain", "lapsed, infrequent, but big spenders",
     "retention offers"),
    ("110", "general value", "recent and frequent but small spenders",
     "membership top-up bonus, bundles, threshold discounts"),
    ("010", "general keep", "lapsed, frequent, small spenders",
     "'long time no see' coupons"),
    ("100", "general develop", "new: recent but infrequent and small spenders",
     "brand introduction, encourage a second purchase"),
    ("000", "general retain", "lost: lapsed, infrequent, small spenders",
     "lowest priority"),
)
_RFM8_INDEX = {code: i for i, (code, *_rest) in enumerate(RFM8_CLASSES)}


def days_until_next_purchase(
    X: pd.DataFrame, *, recency_col: str = "recency_days", ipt_col: str = "ipt_mean_days"
) -> pd.Series:
    """Expected days until a customer's next purchase: mean inter-purchase time minus days since the last.

    Floored at 0 (a customer past their usual interval is due now); NaN for
    customers with a single purchase (no inter-purchase time).

    Examples
    --------
    >>> X = pd.DataFrame({"recency_days": [10, 40, 5], "ipt_mean_days": [30.0, 25.0, np.nan]},
    ...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> days_until_next_purchase(X).tolist()
    [20.0, 0.0, nan]
    """
    X = _as_frame(X)
    recency = _numeric(X, recency_col)
    if ipt_col not in X.columns:
        raise DataError(f"not found in X; available columns: {sorted(map(str, X.columns))}", column=ipt_col)
    ipt = pd.to_numeric(X[ipt_col], errors="coerce").to_numpy(float)
    return pd.Series(np.maximum(ipt - recency, 0.0), index=X.index, name="days_to_next_purchase")


class RFM8Segmenter(_RuleSegmenter):
    """RFM 8-class scheme: R, F and M each coded 1 if better than the base's average.

    R is coded 1 when ``recency_days`` is *below* the mean (more recent), F and
    M when frequency and monetary value are *above* their means; a value equal
    to the mean is coded 0 (not better than average). The 8 codes map to the
    labels and actions of the material: 1 = 111 important value, 2 = 011
    important keep, 3 = 101 important develop, 4 = 001 important retain,
    5 = 110 general value, 6 = 010 general keep, 7 = 100 general develop,
    8 = 000 general retain.

    Parameters
    ----------
    recency_col, frequency_col, monetary_col : str
        Feature columns (days since last purchase, distinct orders, total spend).

    Attributes
    ----------
    thresholds_ : dict
        The base's mean of each column.
    labels_ : ndarray of int
        0-based segment of each customer.
    result_ : SegmentationResult
        Its ``segments`` table adds the ``code`` column.

    Examples
    --------
    >>> X = pd.DataFrame({"recency_days": [5, 90, 10, 80], "frequency": [9, 8, 1, 2],
    ...                   "monetary_total": [900, 50, 700, 40]},
    ...                  index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    >>> RFM8Segmenter().fit(X).result_.assignments["segment_name"].tolist()
    ['important value', 'general keep', 'important develop', 'general retain']
    """

    _method = "rfm8"

    def __init__(self, recency_col: str = "recency_days", frequency_col: str = "frequency",
                 monetary_col: str = "monetary_total") -> None:
        self.recency_col = recency_col
        self.frequency_col = frequency_col
        self.monetary_col = monetary_col

    def _learn(self, X: pd.DataFrame) -> None:
        self.thresholds_ = {
            self.recency_col: float(_numeric(X, self.recency_col).mean()),
            self.frequency_col: float(_numeric(X, self.frequency_col).mean()),
            self.monetary_col: float(_numeric(X, self.monetary_col).mean()),
        }

    def codes(self, X: pd.DataFrame) -> pd.Series:
        """The 3-digit RFM code ("111" ... "000") of each customer, by the fitted means."""
        if not hasattr(self, "thresholds_"):
            raise SegkitError("RFM8Segmenter is not fitted; call fit(X) first")
        X = _as_frame(X)
        t = self.thresholds_
        r = _numeric(X, self.recency_col) < t[self.recency_col]
        f = _numeric(X, self.frequency_col) > t[self.frequency_col]
        m = _numeric(X, self.monetary_col) > t[self.monetary_col]
        code = [f"{int(a)}{int(b)}{int(c)}" for a, b, c in zip(r, f, m)]
        return pd.Series(code, index=X.index, name="rfm_code")

    def _assign(self, X: pd.DataFrame) -> np.ndarray:
        return np.array([_RFM8_INDEX[c] for c in self.codes(X)], dtype=np.int64)

    def _learned(self) -> dict[str, Any]:
        return {"thresholds": dict(self.thresholds_)}

    def _texts(self) -> dict[int, dict[str, Any]]:
        t = self.thresholds_
        tests = {
            "R": (f"{self.recency_col} < {_fmt(t[self.recency_col])}",
                  f"{self.recency_col} >= {_fmt(t[self.recency_col])}"),
            "F": (f"{self.frequency_col} > {_fmt(t[self.frequency_col])}",
                  f"{self.frequency_col} <= {_fmt(t[self.frequency_col])}"),
            "M": (f"{self.monetary_col} > {_fmt(t[self.monetary_col])}",
                  f"{self.monetary_col} <= {_fmt(t[self.monetary_col])}"),
        }
        out = {}
        for i, (code, label, desc, action) in enumerate(RFM8_CLASSES):
            rule = " and ".join(tests[k][0 if d == "1" else 1] for k, d in zip("RFM", code))
            out[i + 1] = {"name": label, "action": action, "description": desc, "rule": rule, "code": code}
        return out

    def days_to_next_purchase(self, X: pd.DataFrame, *, ipt_col: str = "ipt_mean_days") -> pd.Series:
        """Expected days until the next purchase of the important-value customers in ``X``.

        ``max(ipt_mean_days - recency_days, 0)`` for customers in segment 1
        (important value), NaN for everyone else: time the VIP offer to arrive
        just before the customer would buy anyway.

        Examples
        --------
        >>> X = pd.DataFrame({"recency_days": [5, 90, 10, 80], "frequency": [9, 8, 1, 2],
        ...                   "monetary_total": [900, 50, 700, 40], "ipt_mean_days": [12.0, 20, 30, 60]},
        ...                  index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
        >>> RFM8Segmenter().fit(X).days_to_next_purchase(X).tolist()
        [7.0, nan, nan, nan]
        """
        X = _as_frame(X)
        days = days_until_next_purchase(X, recency_col=self.recency_col, ipt_col=ipt_col)
        return days.where(self.predict(X) == 0)


# ----------------------------------------------------------------------------- RFM quintile scores

#: The segment rules of the R ``rfm`` package (0.3.0, ``rfm_segment`` documentation):
#: (name, R range, F range, M range, action). The first rule that matches wins, as in the package.
RFM_QUANTILE_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int], str], ...] = (
    ("Champions", (5, 5), (5, 5), (5, 5),
     "reward them; early access to new products; ask for reviews and referrals"),
    ("Potential Loyalist", (3, 5), (3, 5), (2, 5),
     "offer membership or a loyalty programme; recommend related products"),
    ("Loyal Customers", (2, 4), (2, 4), (2, 4),
     "upsell higher-value products; loyalty rewards; ask for reviews"),
    ("Promising", (3, 4), (1, 3), (3, 5),
     "build brand awareness; offers that bring them back soon"),
    ("New Customers", (4, 5), (1, 3), (1, 5),
     "onboarding: welcome series, make the first experience a success, encourage a second order"),
    ("Can't Lose Them", (1, 2), (3, 4), (4, 5),
     "win them back now: personal contact, new products, do not lose them to a competitor"),
    ("At Risk", (1, 2), (2, 5), (4, 5),
     "personalised win-back messages; renewal offers; find out what went wrong"),
    ("Need Attention", (1, 3), (3, 5), (3, 5),
     "limited-time offers; recommendations from past purchases; reactivate"),
    ("About To Sleep", (2, 3), (1, 3), (1, 4),
     "share popular products and discounts to reconnect before they lapse"),
    ("Lost", (1, 1), (1, 5), (1, 5),
     "low-cost reactivation campaign at most; otherwise do not spend on them"),
)
OTHERS_NAME = "Others"


def _quantile_table() -> np.ndarray:
    """Segment index (0-based) of each (R, F, M) score cell; 10 = Others."""
    table = np.full((5, 5, 5), len(RFM_QUANTILE_RULES), dtype=np.int64)
    # Painting the rules last-to-first leaves each cell with the first rule that matches it.
    for i, (_name, (r0, r1), (f0, f1), (m0, m1), _a) in reversed(list(enumerate(RFM_QUANTILE_RULES))):
        table[r0 - 1:r1, f0 - 1:f1, m0 - 1:m1] = i
    return table


_QUANTILE_TABLE = _quantile_table()


def _quintile_score(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    # Share of the base strictly below each value: ranks, not value cut points, so a large tie
    # block (most customers buying once) keeps one score instead of collapsing the bins.
    below = np.searchsorted(reference, values, side="left") / len(reference)
    return np.minimum(np.floor(5 * below).astype(np.int64) + 1, 5)


class RFMQuantileSegmenter(_RuleSegmenter):
    """RFM quintile scores 1-5 and the 10 named segments of the R ``rfm`` package.

    Each of R, F, M is scored 1-5 by the customer's rank in the base:
    score = floor(5 * share of customers strictly worse) + 1, with recency
    reversed (more recent = higher R). Identical values share the score of the
    start of their tie block, so the lowest value always scores 1 and all
    one-time buyers get F = 1 however many there are; a score level can be
    empty when a tie block covers more than a fifth of customers (unlike
    ``qcut(duplicates="drop")``, the scale never shrinks to fewer levels).

    Segments follow the R ``rfm`` package (0.3.0), first matching rule wins,
    in segment order: 1 Champions R5 F5 M5; 2 Potential Loyalist R3-5 F3-5
    M2-5; 3 Loyal Customers R2-4 F2-4 M2-4; 4 Promising R3-4 F1-3 M3-5; 5 New
    Customers R4-5 F1-3 M1-5; 6 Can't Lose Them R1-2 F3-4 M4-5; 7 At Risk R1-2
    F2-5 M4-5; 8 Need Attention R1-3 F3-5 M3-5; 9 About To Sleep R2-3 F1-3
    M1-4; 10 Lost R1 (any F, M). These leave 10 of the 125 score cells
    uncovered (R2-5 with F4-5 and M1, plus R2 F1 M5 and R2 F5 M2: frequent
    buyers of small baskets, or a lapsing one-time big spender), so segment 11
    "Others" is a catch-all that keeps every customer in exactly one segment.

    Parameters
    ----------
    recency_col, frequency_col, monetary_col : str
        Feature columns.

    Attributes
    ----------
    reference_ : dict
        Sorted base values per column (recency negated) that scores are ranked against.
    labels_, result_
        As for every segmenter.

    Examples
    --------
    >>> X = pd.DataFrame({"recency_days": np.arange(10), "frequency": np.arange(10, 0, -1),
    ...                   "monetary_total": np.arange(10, 0, -1) * 10.0},
    ...                  index=pd.Index(list("abcdefghij"), name="customer_id"))
    >>> seg = RFMQuantileSegmenter().fit(X)
    >>> seg.scores(X)["rfm_score"].tolist()[:3]
    ['555', '555', '444']
    """

    _method = "rfm_quantile"

    def __init__(self, recency_col: str = "recency_days", frequency_col: str = "frequency",
                 monetary_col: str = "monetary_total") -> None:
        self.recency_col = recency_col
        self.frequency_col = frequency_col
        self.monetary_col = monetary_col

    def _signed(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        return {
            "r": -_numeric(X, self.recency_col),
            "f": _numeric(X, self.frequency_col),
            "m": _numeric(X, self.monetary_col),
        }

    def _learn(self, X: pd.DataFrame) -> None:
        self.reference_ = {k: np.sort(v) for k, v in self._signed(X).items()}

    def scores(self, X: pd.DataFrame) -> pd.DataFrame:
        """R, F, M scores (1-5) of each customer and the 3-digit ``rfm_score``."""
        if not hasattr(self, "reference_"):
            raise SegkitError("RFMQuantileSegmenter is not fitted; call fit(X) first")
        X = _as_frame(X)
        s = {k: _quintile_score(v, self.reference_[k]) for k, v in self._signed(X).items()}
        out = pd.DataFrame({"r_score": s["r"], "f_score": s["f"], "m_score": s["m"]}, index=X.index)
        out["rfm_score"] = (out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str))
        return out

    def _assign(self, X: pd.DataFrame) -> np.ndarray:
        sc = self.scores(X)
        return _QUANTILE_TABLE[sc["r_score"] - 1, sc["f_score"] - 1, sc["m_score"] - 1]

    def _texts(self) -> dict[int, dict[str, Any]]:
        out = {}
        for i, (name, r, f, m, action) in enumerate(RFM_QUANTILE_RULES):
            cells = np.argwhere(_QUANTILE_TABLE == i)
            out[i + 1] = {
                "name": name, "action": action,
                "description": f"R {r[0]}-{r[1]}, F {f[0]}-{f[1]}, M {m[0]}-{m[1]} (5 = best fifth)",
                "rule": f"R in {r[0]}..{r[1]} and F in {f[0]}..{f[1]} and M in {m[0]}..{m[1]}"
                        + (" and no earlier segment's rule matches" if i else "")
                        + f" ({len(cells)} of 125 score cells)",
            }
        n_other = int((_QUANTILE_TABLE == len(RFM_QUANTILE_RULES)).sum())
        out[len(RFM_QUANTILE_RULES) + 1] = {
            "name": OTHERS_NAME,
            "action": "mixed profile outside the standard grid: review the scores and treat like the closest segment",
            "description": "score combinations no named rule covers (mostly frequent buyers of small baskets)",
            "rule": f"none of the 10 rules matches ({n_other} of 125 score cells)",
        }
        return out

    def _learned(self) -> dict[str, Any]:
        cut = {}
        for key, col in (("r", self.recency_col), ("f", self.frequency_col), ("m", self.monetary_col)):
            ref = self.reference_[key]
            q = np.quantile(ref, [0.2, 0.4, 0.6, 0.8])
            cut[col] = (-q[::-1] if key == "r" else q).round(6).tolist()
        return {"quintile_cuts": cut}


# ----------------------------------------------------------------------------- value pyramid

PYRAMID_TIERS: tuple[tuple[str, str, str], ...] = (
    ("platinum", "the most valuable customers",
     "dedicated account care, exclusive offers and events; protect them first"),
    ("gold", "high value, below the very top",
     "loyalty rewards and priority service; develop them toward platinum"),
    ("iron", "enough value to matter, not yet loyal or large",
     "targeted cross-sell and up-sell to raise their spend"),
    ("lead", "low value; may cost more to serve than they bring",
     "low-cost, self-service channels; stop unprofitable service"),
)


class ValuePyramidSegmenter(_RuleSegmenter):
    """Value pyramid: platinum = top 1%, gold = next 4%, iron = next 15%, lead = remaining 80%.

    Customers are ranked by ``value_col`` (e.g. CLV). Tier k takes the
    customers whose value is strictly greater than that of the first customer
    beyond its cumulative count (round(n * cumulative share)); a tie straddling
    a boundary therefore goes to the lower tier, so a tier never exceeds its
    nominal share and identical customers share a tier. Prediction applies
    the same value thresholds.

    Parameters
    ----------
    value_col : str
        Customer value, larger = better.
    shares : sequence of 4 floats
        Shares of platinum, gold, iron, lead; must sum to 1.

    Attributes
    ----------
    thresholds_ : dict
        Tier name -> the value a customer must exceed to reach the tier.

    Examples
    --------
    >>> X = pd.DataFrame({"clv": np.arange(100.0, 0, -1)},
    ...                  index=pd.Index([f"c{i}" for i in range(100)], name="customer_id"))
    >>> ValuePyramidSegmenter().fit(X).result_.table["n_customers"].tolist()
    [1, 4, 15, 80]
    """

    _method = "value_pyramid"

    def __init__(self, value_col: str = "clv", shares: Sequence[float] = (0.01, 0.04, 0.15, 0.80)) -> None:
        self.value_col = value_col
        self.shares = shares

    def _learn(self, X: pd.DataFrame) -> None:
        shares = np.asarray(self.shares, dtype=float)
        if shares.shape != (4,) or (shares <= 0).any() or not np.isclose(shares.sum(), 1.0):
            raise SegkitError(f"shares must be 4 positive numbers summing to 1, got {list(self.shares)}")
        v = np.sort(_numeric(X, self.value_col))[::-1]
        n = len(v)
        counts = np.floor(n * np.cumsum(shares)[:3] + 0.5 + 1e-9).astype(int)
        self.thresholds_ = {
            name: float(v[c]) if c < n else -np.inf
            for (name, _d, _a), c in zip(PYRAMID_TIERS[:3], counts)
        }

    def _assign(self, X: pd.DataFrame) -> np.ndarray:
        v = _numeric(X, self.value_col)
        t = np.array(list(self.thresholds_.values()))
        # Number of thresholds a value fails to exceed = its tier index (thresholds descend).
        return (v[:, None] <= t[None, :]).sum(axis=1).astype(np.int64)

    def _learned(self) -> dict[str, Any]:
        return {"thresholds": dict(self.thresholds_)}

    def _texts(self) -> dict[int, dict[str, Any]]:
        out = {}
        cum = np.cumsum(np.asarray(self.shares, dtype=float))
        names = list(self.thresholds_)
        for i, (name, desc, action) in enumerate(PYRAMID_TIERS):
            if i < 3:
                rule = f"{self.value_col} > {_fmt(self.thresholds_[name])}"
                if i > 0:
                    rule += f" and <= {_fmt(self.thresholds_[names[i - 1]])}"
            else:
                rule = f"{self.value_col} <= {_fmt(self.thresholds_[names[2]])}"
            lo = 0.0 if i == 0 else cum[i - 1]
            out[i + 1] = {"name": name, "action": action,
                          "description": f"{desc} (ranks {lo:.0%}-{cum[i]:.0%} by {self.value_col})",
                          "rule": rule}
        return out

    def _default_value(self, X: pd.DataFrame) -> np.ndarray:
        # The pyramid's point is the value concentration; show it even without sample_value.
        return _numeric(X, self.value_col)


# ----------------------------------------------------------------------------- value x potential x loyalty

#: (current, potential, loyalty) high = 1, label, description, action; segment order 1..8.
VPL_CLASSES: tuple[tuple[str, str, str, str], ...] = (
    ("111", "top customers", "high current value, high potential, loyal",
     "one-to-one care with the most resources: dedicated manager, tailored offers"),
    ("110", "valuable but disloyal, growing", "high current value and potential, low loyalty",
     "win back and bind: find why they split their spend, loyalty incentives, service recovery"),
    ("101", "maintain", "high current value, loyal, little potential left",
     "maintain as is: keep service level, no extra investment"),
    ("100", "valuable but disloyal", "high current value, low potential, low loyalty",
     "win back at controlled cost: retention offers, fix service issues"),
    ("011", "develop (loyal)", "low current value, high potential, loyal",
     "develop: cross-sell and up-sell to grow their share of wallet"),
    ("010", "develop (uncommitted)", "low current value, high potential, low loyalty",
     "develop and bind: targeted offers to win their spend, then loyalty building"),
    ("001", "loyal low-value", "low current value and potential, but loyal",
     "minimal resources: low-cost service, keep them satisfied"),
    ("000", "deprioritise", "low current value, low potential, low loyalty",
     "deprioritise: self-service only, no marketing spend"),
)
_VPL_INDEX = {code: i for i, (code, *_r) in enumerate(VPL_CLASSES)}


def _split_threshold(values: np.ndarray, split: Any, col: str) -> float:
    if isinstance(split, Mapping):
        if col not in split:
            raise SegkitError(f"split has no threshold for column {col!r}; give one for each of the three columns")
        return float(split[col])
    if split == "median":
        return float(np.median(values))
    if split == "mean":
        return float(np.mean(values))
    raise SegkitError(f"split must be 'median', 'mean' or a dict column -> threshold, got {split!r}")


class ValuePotentialLoyaltySegmenter(_RuleSegmenter):
    """Current value x potential value x loyalty, each high/low: 8 classes.

    A customer is *high* on a dimension when strictly above the split
    (the base's median by default). Classes, coded (current, potential,
    loyalty): 1 = 111 top customers (one-to-one care, most resources);
    2 = 110 valuable but disloyal with potential (win back and bind);
    3 = 101 maintain as is; 4 = 100 valuable but disloyal (win back at
    controlled cost); 5 = 011 develop (loyal); 6 = 010 develop (uncommitted);
    7 = 001 loyal only (minimal resources); 8 = 000 deprioritise.

    Parameters
    ----------
    current_col : str
        Current value, e.g. spend per month (``current_value`` in the
        customer table of :mod:`segkit.pipeline`).
    potential_col : str
        Potential value, e.g. ``clv`` from :func:`segkit.value.customer_value`.
    loyalty_col : str
        Loyalty, larger = more loyal (e.g. spend stability, probability alive;
        ``loyalty`` in the pipeline's customer table).
    split : {"median", "mean"} or dict
        How "high" is decided; a dict gives a threshold per column.

    Attributes
    ----------
    thresholds_ : dict
        Column -> threshold.

    Examples
    --------
    >>> X = pd.DataFrame({"current": [9, 9, 1, 1], "potential": [9, 1, 9, 1], "loyalty": [9, 9, 1, 1]},
    ...                  index=pd.Index(list("abcd"), name="customer_id"))
    >>> seg = ValuePotentialLoyaltySegmenter("current", "potential", "loyalty").fit(X)
    >>> seg.result_.assignments["segment_name"].tolist()
    ['top customers', 'maintain', 'develop (uncommitted)', 'deprioritise']
    """

    _method = "value_potential_loyalty"

    def __init__(self, current_col: str = "current_value", potential_col: str = "clv",
                 loyalty_col: str = "loyalty", split: str | Mapping[str, float] = "median") -> None:
        self.current_col = current_col
        self.potential_col = potential_col
        self.loyalty_col = loyalty_col
        self.split = split

    def _cols(self) -> tuple[str, str, str]:
        return (self.current_col, self.potential_col, self.loyalty_col)

    def _learn(self, X: pd.DataFrame) -> None:
        self.thresholds_ = {c: _split_threshold(_numeric(X, c), self.split, c) for c in self._cols()}

    def _assign(self, X: pd.DataFrame) -> np.ndarray:
        high = [(_numeric(X, c) > self.thresholds_[c]).astype(int) for c in self._cols()]
        return np.array([_VPL_INDEX[f"{a}{b}{c}"] for a, b, c in zip(*high)], dtype=np.int64)

    def _learned(self) -> dict[str, Any]:
        return {"thresholds": dict(self.thresholds_)}

    def _texts(self) -> dict[int, dict[str, Any]]:
        out = {}
        for i, (code, name, desc, action) in enumerate(VPL_CLASSES):
            parts = [f"{c} {'>' if d == '1' else '<='} {_fmt(self.thresholds_[c])}" for c, d in zip(self._cols(), code)]
            out[i + 1] = {"name": name, "action": action, "description": desc,
                          "rule": " and ".join(parts), "code": code}
        return out


# ----------------------------------------------------------------------------- satisfaction x volume

_LEVELS = ("high", "medium", "low")
_SALES_MODEL = {"high": "one-to-one (dedicated account manager)",
                "medium": "one-to-many (salespeople by region)",
                "low": "through retailers"}
_STRATEGY = {"high": "partner", "medium": "improve", "low": "correct"}


def _sv_cell(volume: str, satisfaction: str) -> tuple[str, str, str]:
    """Class letter, description and action of one volume x satisfaction cell."""
    if volume == "low":
        return ("C", "many small buyers",
                f"serve through retailers; collect their needs periodically; strategy: {_STRATEGY[satisfaction]}")
    if satisfaction == "high":
        if volume == "high":
            return ("A", "large, satisfied accounts (churn typically 1-2%)",
                    "one-to-one partnership with a dedicated account manager")
        return ("B", "mid-sized, satisfied accounts", "one-to-many partnership through regional salespeople")
    if satisfaction == "medium":
        return ("D", "sizeable accounts, only moderately satisfied",
                "improve: proactive calls, fix complaints fast, targeted offers")
    return ("D", "sizeable accounts that are dissatisfied: churn risk",
            "correct now: escalate complaints, root-cause the dissatisfaction, recovery offer")


class SatisfactionVolumeSegmenter(_RuleSegmenter):
    """Satisfaction (high/medium/low) x purchase volume (high/medium/low): 9 cells.

    Volume sets the sales model (one-to-one / one-to-many / through
    retailers), satisfaction the strategy (partner / improve / correct).
    Segments run volume high -> low, then satisfaction high -> low
    (1 = high volume & high satisfaction ... 9 = low & low). Classes: A = high
    volume, high satisfaction (one-to-one partner); B = medium volume, high
    satisfaction (one-to-many partner); C = low volume (served through
    retailers, needs collected periodically); D = high or medium volume with
    medium satisfaction (improve: proactive calls, fast complaint handling,
    offers) or low satisfaction (correct, most urgently).

    A level is *high* when value >= the upper threshold, *medium* when >= the
    lower one, else *low*.

    Parameters
    ----------
    satisfaction_col, volume_col : str
        Columns.
    satisfaction_thresholds : (low, high) or None
        Default (3, 4) suits a 1-5 scale: 1-2 low, 3 medium, 4-5 high.
        ``None`` uses the base's terciles.
    volume_thresholds : (low, high) or None
        ``None`` (default) uses the base's terciles.

    Attributes
    ----------
    thresholds_ : dict
        Column -> (lower, upper) threshold.

    Examples
    --------
    >>> X = pd.DataFrame({"satisfaction": [5, 3, 1], "monetary_total": [900.0, 500.0, 10.0]},
    ...                  index=pd.Index(list("abc"), name="customer_id"))
    >>> SatisfactionVolumeSegmenter().fit(X).result_.assignments["segment"].tolist()
    [1, 5, 9]
    """

    _method = "satisfaction_volume"

    def __init__(self, satisfaction_col: str = "satisfaction", volume_col: str = "monetary_total",
                 satisfaction_thresholds: tuple[float, float] | None = (3.0, 4.0),
                 volume_thresholds: tuple[float, float] | None = None) -> None:
        self.satisfaction_col = satisfaction_col
        self.volume_col = volume_col
        self.satisfaction_thresholds = satisfaction_thresholds
        self.volume_thresholds = volume_thresholds

    @staticmethod
    def _bounds(values: np.ndarray, given: Any, name: str) -> tuple[float, float]:
        if given is None:
            lo, hi = np.quantile(values, [1 / 3, 2 / 3])
            return float(lo), float(hi)
        try:
            lo, hi = (float(g) for g in given)
        except (TypeError, ValueError):
            raise SegkitError(f"{name} must be (low, high) or None, got {given!r}") from None
        if not lo <= hi:
            raise SegkitError(f"{name} must be (low, high) with low <= high, got {given!r}")
        return lo, hi

    def _learn(self, X: pd.DataFrame) -> None:
        self.thresholds_ = {
            self.volume_col: self._bounds(_numeric(X, self.volume_col), self.volume_thresholds, "volume_thresholds"),
            self.satisfaction_col: self._bounds(_numeric(X, self.satisfaction_col), self.satisfaction_thresholds,
                                                "satisfaction_thresholds"),
        }

    def _level(self, X: pd.DataFrame, col: str) -> np.ndarray:
        lo, hi = self.thresholds_[col]
        v = _numeric(X, col)
        return np.where(v >= hi, 0, np.where(v >= lo, 1, 2))  # index into _LEVELS

    def _assign(self, X: pd.DataFrame) -> np.ndarray:
        return (3 * self._level(X, self.volume_col) + self._level(X, self.satisfaction_col)).astype(np.int64)

    def _learned(self) -> dict[str, Any]:
        return {"thresholds": {k: list(v) for k, v in self.thresholds_.items()}}

    def _texts(self) -> dict[int, dict[str, Any]]:
        def cond(col: str, level: str) -> str:
            lo, hi = self.thresholds_[col]
            return {"high": f"{col} >= {_fmt(hi)}", "medium": f"{_fmt(lo)} <= {col} < {_fmt(hi)}",
                    "low": f"{col} < {_fmt(lo)}"}[level]

        out = {}
        for i, vol in enumerate(_LEVELS):
            for j, sat in enumerate(_LEVELS):
                letter, desc, action = _sv_cell(vol, sat)
                out[3 * i + j + 1] = {
                    "name": f"{letter}: {vol} volume, {sat} satisfaction",
                    "action": action, "description": desc,
                    "rule": f"{cond(self.volume_col, vol)} and {cond(self.satisfaction_col, sat)}",
                    "customer_class": letter, "sales_model": _SALES_MODEL[vol], "strategy": _STRATEGY[sat],
                }
        return out


# ----------------------------------------------------------------------------- classify, then stratify

def _default_tier_labels(n: int) -> list[str]:
    known = {2: ["small", "large"], 3: ["small", "medium", "large"], 4: ["small", "medium", "large", "very large"]}
    return known.get(n, [f"tier {i + 1}" for i in range(n)])


class ClassifyStratifySegmenter(_RuleSegmenter):
    """Bank-style classification by customer type, then size tiers within each type.

    Types are the distinct values of ``type_col`` seen in ``fit``; size
    tiers come from ``thresholds`` (tier i when ``thresholds[i-1] <= size <
    thresholds[i]``). Segments are numbered by type (sorted), largest tier
    first. Each cell's action asks the owner to rate it on value of the firm
    to the customer and value of the customer to the firm, which needs
    judgement the data cannot give.

    Parameters
    ----------
    type_col : str
        Customer type (e.g. with/without loans, corporate/institutional).
    size_col : str
        Size measure (e.g. annual revenue, average daily balance).
    thresholds : sequence of float, or dict type -> sequence
        Ascending tier boundaries, the same for every type or per type.
    tier_labels : sequence of str, optional
        Names of the tiers from smallest to largest (len(thresholds) + 1);
        defaults to small/medium/large for two thresholds.

    Attributes
    ----------
    types_ : list of str
        Types seen in fit.

    Examples
    --------
    >>> X = pd.DataFrame({"kind": ["corp", "corp", "inst"], "revenue": [5.0, 50.0, 7.0]},
    ...                  index=pd.Index(list("abc"), name="customer_id"))
    >>> seg = ClassifyStratifySegmenter("kind", "revenue", [10.0]).fit(X)
    >>> seg.result_.assignments["segment_name"].tolist()
    ['corp / small', 'corp / large', 'inst / small']
    """

    _method = "classify_stratify"

    def __init__(self, type_col: str, size_col: str,
                 thresholds: Sequence[float] | Mapping[str, Sequence[float]],
                 tier_labels: Sequence[str] | None = None) -> None:
        self.type_col = type_col
        self.size_col = size_col
        self.thresholds = thresholds
        self.tier_labels = tier_labels

    def _types(self, X: pd.DataFrame) -> np.ndarray:
        if self.type_col not in X.columns:
            raise DataError(f"not found in X; available columns: {sorted(map(str, X.columns))}", column=self.type_col)
        t = X[self.type_col]
        if t.isna().any():
            rows = (np.flatnonzero(t.isna().to_numpy()) + 1).tolist()
            raise DataError("customers without a type; fill or drop them", column=self.type_col,
                            rows=rows, n_rows=len(rows))
        return t.astype(str).to_numpy()

    def _cuts(self, type_: str) -> list[float]:
        th = self.thresholds
        cuts = th.get(type_) if isinstance(th, Mapping) else th
        if cuts is None:
            raise SegkitError(f"thresholds has no entry for type {type_!r}; give one per type or one list for all")
        return [float(c) for c in cuts]

    def _learn(self, X: pd.DataFrame) -> None:
        types = sorted(set(self._types(X)))
        _numeric(X, self.size_col)
        n_cuts = None
        for t in types:
            cuts = self._cuts(t)
            if len(cuts) == 0 or any(b <= a for a, b in zip(cuts, cuts[1:])):
                raise SegkitError(f"thresholds for type {t!r} must be a non-empty strictly ascending list, got {cuts}")
            if n_cuts is not None and len(cuts) != n_cuts:
                raise SegkitError("thresholds must have the same number of tiers for every type")
            n_cuts = len(cuts)
        # fit rejects an X without customers and _types one with a missing type, so there is at least one type.
        assert n_cuts is not None
        labels = list(self.tier_labels) if self.tier_labels is not None else _default_tier_labels(n_cuts + 1)
        if len(labels) != n_cuts + 1:
            raise SegkitError(f"tier_labels needs {n_cuts + 1} names (len(thresholds) + 1), got {len(labels)}")
        self.types_ = types
        self.tier_labels_ = labels

    def _assign(self, X: pd.DataFrame) -> np.ndarray:
        types = self._types(X)
        size = _numeric(X, self.size_col)
        unknown = sorted(set(types) - set(self.types_))
        if unknown:
            raise DataError(f"types {unknown[:5]} were not seen in fit; known types: {self.types_}",
                            column=self.type_col)
        n_tiers = len(self.tier_labels_)
        out = np.empty(len(X), dtype=np.int64)
        for k, t in enumerate(self.types_):
            mask = types == t
            tier = np.searchsorted(np.asarray(self._cuts(t)), size[mask], side="right")
            out[mask] = k * n_tiers + (n_tiers - 1 - tier)  # largest tier first
        return out

    def _learned(self) -> dict[str, Any]:
        return {"types": list(self.types_), "tier_labels": list(self.tier_labels_)}

    def _texts(self) -> dict[int, dict[str, Any]]:
        out = {}
        n_tiers = len(self.tier_labels_)
        for k, t in enumerate(self.types_):
            cuts = self._cuts(t)
            for j in range(n_tiers):
                tier = n_tiers - 1 - j
                lo = cuts[tier - 1] if tier > 0 else None
                hi = cuts[tier] if tier < len(cuts) else None
                size_rule = " and ".join(
                    p for p in ((f"{self.size_col} >= {_fmt(lo)}" if lo is not None else ""),
                                (f"{self.size_col} < {_fmt(hi)}" if hi is not None else "")) if p
                )
                label = self.tier_labels_[tier]
                out[k * n_tiers + j + 1] = {
                    "name": f"{t} / {label}",
                    "action": "rate this cell on value of the firm to the customer and value of the customer "
                              "to the firm; serve the most attractive cells first",
                    "description": f"{self.type_col} {t}, {label} by {self.size_col}",
                    "rule": f"{self.type_col} == {t!r} and {size_rule}",
                    "customer_type": t, "tier": label,
                }
        return out

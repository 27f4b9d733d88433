"""Whom to call first: each customer's likelihood to buy after the cut-off (logistic regression)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segkit.assignments import check_assignments
from segkit.errors import DataError
from segkit.figures import new_axes
from segkit.palette import BASE_COLOUR, segment_colour, segment_label

__all__ = ["LikelihoodToBuy", "likelihood_to_buy"]


class LikelihoodToBuy:
    """Each customer's probability of buying in the next period, and the list to call first.

    The model is a logistic regression (scikit-learn) of the outcome after
    the cut-off on the features before it: right-skewed non-negative
    features are log-transformed (``log1p``) so a few very large customers
    do not dominate, missing values take the median, everything is
    standardised, and the segment enters as dummies when assignments are
    given. The quality reported (``cv_auc``) and the ``score_cv`` column come
    from 5-fold cross-validation, so they are what to expect on customers the
    model has not seen; ``score`` comes from the model fitted on everyone.
    To score the next period, apply :meth:`score_new` to features computed
    up to today.

    Attributes
    ----------
    scores : DataFrame
        ``customer_id``, ``segment``, ``segment_name``, ``score``,
        ``score_cv``, ``outcome`` and ``rank`` (1 = most likely).
    cv_auc : float
        Cross-validated area under the ROC curve.
    base_rate : float
        Share of customers who bought.
    coefficients : DataFrame
        ``term`` and ``coef`` (per standard deviation of the transformed feature).
    """

    def __init__(self, model, columns: list[str], log_cols: list[str], segments: list[int] | None,
                 scores: pd.DataFrame, cv_auc: float, base_rate: float, coefficients: pd.DataFrame) -> None:
        self.model = model
        self.columns = columns
        self.log_cols = log_cols
        self.segments = segments
        self.scores = scores
        self.cv_auc = cv_auc
        self.base_rate = base_rate
        self.coefficients = coefficients

    @property
    def table(self) -> pd.DataFrame:
        """The scores (same as :attr:`scores`), so every result object has a ``.table``."""
        return self.scores

    def best_list(self, n: int = 100) -> pd.DataFrame:
        """The ``n`` customers most likely to buy, best first."""
        return self.scores.sort_values("rank").head(n).reset_index(drop=True)

    def score_new(self, features: pd.DataFrame, assignments: pd.DataFrame | None = None) -> pd.DataFrame:
        """Score customers with the fitted model: ``customer_id`` and ``score``."""
        X = _ltb_design(features, assignments, self.columns, self.log_cols, self.segments)
        return pd.DataFrame({"customer_id": features["customer_id"].astype(str).to_numpy(),
                             "score": self.model.predict_proba(X)[:, 1]})

    def summary(self) -> pd.DataFrame:
        """Per segment: customers, mean score and the share who bought."""
        by = self.scores.groupby(["segment", "segment_name"]).agg(
            n=("score", "size"), mean_score=("score", "mean"), bought=("outcome", "mean")).reset_index()
        return by

    def plot(self, ax=None):
        """Distribution of scores by segment (box plots), base rate marked. Returns the Axes."""
        import seaborn as sns

        s = self.scores
        ax = new_axes(ax, (7.5, 0.55 * s["segment"].nunique() + 1.8))
        order = sorted(s["segment"].unique())
        labels = {g: segment_label(g, n) for g, n in zip(s["segment"], s["segment_name"])}
        sns.boxplot(data=s.assign(seg=s["segment"].map(labels)), x="score", y="seg", hue="seg",
                    order=[labels[g] for g in order], palette={labels[g]: segment_colour(g) for g in order},
                    legend=False, fliersize=1.5, ax=ax)
        ax.axvline(self.base_rate, color=BASE_COLOUR, ls="--", lw=1, label=f"base rate {self.base_rate:.0%}")
        ax.set_xlim(0, 1)
        ax.set_xlabel("likelihood to buy in the next period (0-1)")
        ax.set_ylabel("")
        ax.set_title(f"Likelihood to buy by segment (cross-validated AUC {self.cv_auc:.2f})")
        ax.legend(fontsize=8, loc="lower right")
        return ax


def _ltb_design(features: pd.DataFrame, assignments: pd.DataFrame | None, columns: list[str],
                log_cols: list[str], segments: list[int] | None) -> pd.DataFrame:
    X = features[columns].astype(float).copy()
    for c in log_cols:
        X[c] = np.log1p(X[c].clip(lower=0))
    if segments is not None:
        if assignments is None:
            raise ValueError("the model uses segments: pass the new customers' assignments too")
        a = check_assignments(assignments)
        seg = features[["customer_id"]].astype(str).merge(a, on="customer_id", how="left")["segment"]
        for s in segments[1:]:
            X[f"segment={s}"] = (seg == s).astype(float).to_numpy()
    return X


def likelihood_to_buy(
    features: pd.DataFrame,
    outcomes: pd.DataFrame | pd.Series,
    assignments: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    target_col: str = "active_after",
    random_state: int = 0,
) -> LikelihoodToBuy:
    """Score each customer's likelihood to buy after the cut-off from behaviour before it.

    Parameters
    ----------
    features : DataFrame
        ``customer_id`` and numeric features before the cut-off.
    outcomes : DataFrame or Series
        A table with ``customer_id`` and ``target_col`` (bought or not), or a
        boolean Series indexed by customer id. Customers missing from it are
        counted as not buying.
    assignments : DataFrame, optional
        Adds the segment as a predictor and to the score table.
    columns : sequence of str, optional
        Predictors (default: every numeric column of ``features``).
    target_col : str
        The 0/1 outcome (default ``active_after``).
    random_state : int
        Seed of the cross-validation folds.

    Returns
    -------
    LikelihoodToBuy

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"customer_id": [str(i) for i in range(300)], "frequency": rng.poisson(3, 300)})
    >>> o = pd.DataFrame({"customer_id": f["customer_id"], "active_after": f["frequency"] + rng.normal(0, 1, 300) > 3})
    >>> likelihood_to_buy(f, o).cv_auc > 0.8
    True
    """
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if "customer_id" not in features.columns:
        raise DataError("features needs a customer_id column", column="customer_id")
    f = features.copy()
    f["customer_id"] = f["customer_id"].astype(str)
    if columns is None:
        columns = [c for c in f.columns if c != "customer_id" and pd.api.types.is_numeric_dtype(f[c])
                   and not pd.api.types.is_bool_dtype(f[c])]
    columns = list(columns)
    missing = [c for c in columns if c not in f.columns]
    if missing:
        raise DataError(f"features has no column {missing[0]!r}", column=missing[0])
    if isinstance(outcomes, pd.Series):
        target = outcomes.copy()
        target.index = target.index.astype(str)
    else:
        if target_col not in outcomes.columns or "customer_id" not in outcomes.columns:
            raise DataError(f"outcomes needs customer_id and {target_col!r}", column=target_col)
        target = outcomes.assign(customer_id=outcomes["customer_id"].astype(str)).set_index("customer_id")[
            target_col]
    y = f["customer_id"].map(target).fillna(False).astype(bool).to_numpy().astype(int)
    if y.min() == y.max():
        raise DataError(f"every customer has the same {target_col}; nothing to learn")
    log_cols = [c for c in columns if f[c].min() >= 0 and f[c].skew() > 1]
    segments = None
    if assignments is not None:
        a = check_assignments(assignments)
        segments = sorted(a["segment"].unique())
    X = _ltb_design(f, assignments, columns, log_cols, segments)
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=1000))
    n_splits = int(min(5, np.bincount(y).min()))
    if n_splits < 2:
        raise DataError(f"too few customers in one class of {target_col} to cross-validate")
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    score_cv = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    from sklearn.metrics import roc_auc_score

    model.fit(X, y)
    score = model.predict_proba(X)[:, 1]
    out = pd.DataFrame({"customer_id": f["customer_id"].to_numpy(), "score": score, "score_cv": score_cv,
                        "outcome": y.astype(bool)})
    if assignments is not None:
        out = out.merge(check_assignments(assignments), on="customer_id", how="left")
    else:
        out["segment"], out["segment_name"] = 0, "all customers"
    out = out[["customer_id", "segment", "segment_name", "score", "score_cv", "outcome"]]
    # ties ranked by customer id so the call list is reproducible
    out = out.sort_values(["score", "customer_id"], ascending=[False, True], kind="mergesort")
    out["rank"] = np.arange(1, len(out) + 1)
    coefs = pd.DataFrame({"term": ["intercept", *X.columns],
                          "coef": [model[-1].intercept_[0], *model[-1].coef_[0]]})
    return LikelihoodToBuy(model, columns, log_cols, segments, out.reset_index(drop=True),
                           float(roc_auc_score(y, score_cv)), float(y.mean()), coefs)

"""Stability of rule-based schemes under resampling, and of a segmentation over time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.base import clone

from segkit.stability._core import adjusted_rand, check_n_boot, contingency, parallel_map, relabel, root_seed


def _ari_reading(ari: float) -> str:
    # Steinley (2004): > 0.90 excellent, > 0.80 good, > 0.65 moderate, below poor.
    return ("excellent" if ari > 0.9 else "good" if ari > 0.8 else "moderate" if ari > 0.65 else "poor")


@dataclass(frozen=True)
class RuleStability:
    """Customers changing class when a rule's thresholds are re-estimated on bootstrap samples.

    Attributes
    ----------
    table : DataFrame
        Tidy: one row per ``boot`` and ``segment`` (1-based class of the scheme
        fitted on the full base) with ``n`` customers, ``n_changed`` and
        ``share_changed``.
    """

    table: pd.DataFrame
    params: dict

    @property
    def by_boot(self) -> pd.DataFrame:
        """Share of the whole base changing class, per bootstrap sample."""
        g = self.table.groupby("boot")[["n", "n_changed"]].sum()
        return pd.DataFrame({"boot": g.index, "share_changed": g["n_changed"] / g["n"]}).reset_index(drop=True)

    @property
    def mean_changed(self) -> float:
        """Mean share of customers changing class over bootstrap samples."""
        return float(self.by_boot["share_changed"].mean())

    def summary(self) -> pd.DataFrame:
        """Per class: customers, mean / median / 95th percentile share changing class."""
        g = self.table.groupby("segment")
        return pd.DataFrame({
            "n_customers": g["n"].first(),
            "mean_changed": g["share_changed"].mean(),
            "median_changed": g["share_changed"].median(),
            "q95_changed": g["share_changed"].quantile(0.95),
        }).reset_index()

    def plot(self, ax=None):
        """Box plots of the share changing class, for the whole base and per class."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        segs = sorted(self.table["segment"].unique())
        data = [self.by_boot["share_changed"].to_numpy()]
        data += [self.table.loc[self.table["segment"] == s, "share_changed"].to_numpy() for s in segs]
        ax.boxplot(data, positions=range(len(data)), widths=0.6)
        ax.set_xticks(range(len(data)), ["all"] + [str(s) for s in segs])
        ax.set_xlabel("class on the full base")
        ax.set_ylabel("share changing class")
        return ax


def _one_rule_boot(shared: tuple, boot: int, seed: np.random.SeedSequence) -> np.ndarray:
    segmenter, X, base = shared
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(X), size=len(X))
    est = clone(segmenter)
    if "random_state" in est.get_params():
        est.set_params(random_state=int(rng.integers(2**31 - 1)))
    sample = X.iloc[idx] if isinstance(X, pd.DataFrame) else X[idx]
    return np.asarray(est.fit(sample).predict(X)) != base


def rule_stability(
    X: pd.DataFrame | np.ndarray,
    rule_segmenter: Any,
    *,
    n_boot: int = 100,
    random_state: Any = None,
    n_jobs: int = 1,
) -> RuleStability:
    """Stability of a rule-based scheme whose thresholds are learnt from the data.

    Rule schemes (RFM above/below average, quantile scores, value-pyramid
    percentiles) estimate thresholds from the customer base. Here the
    thresholds are re-estimated on each bootstrap sample and the whole base is
    classified again; the share of customers whose class changes shows how
    much of the scheme is noise in the thresholds. Customers near a threshold
    are the ones that move, so a class can be unstable while the scheme as a
    whole is not.

    Parameters
    ----------
    X : DataFrame or ndarray
        The columns the rule reads.
    rule_segmenter : estimator
        scikit-learn style rule segmenter (``fit`` learns thresholds,
        ``predict`` applies them); cloned.
    n_boot : int, default 100
        Bootstrap samples.
    random_state : int, Generator or None
        Seed.
    n_jobs : int, default 1
        joblib workers over bootstrap samples.

    Returns
    -------
    RuleStability

    Examples
    --------
    >>> from segkit.methods.rules import RFM8Segmenter  # doctest: +SKIP
    >>> res = rule_stability(rfm_table, RFM8Segmenter(), n_boot=50, random_state=0)  # doctest: +SKIP
    >>> res.mean_changed < 0.05  # doctest: +SKIP
    True
    """
    n_boot = check_n_boot(n_boot)
    seeds = root_seed(random_state).spawn(1 + n_boot)
    est = clone(rule_segmenter)
    if "random_state" in est.get_params():
        est.set_params(random_state=int(np.random.default_rng(seeds[0]).integers(2**31 - 1)))
    base = np.asarray(est.fit(X).labels_, dtype=np.int64)
    classes = np.unique(base)
    changed = parallel_map(_one_rule_boot, (rule_segmenter, X, base),
                           [(b, s) for b, s in enumerate(seeds[1:])], n_jobs)
    n = np.array([(base == c).sum() for c in classes])
    rows = []
    for b, ch in enumerate(changed):
        n_ch = np.bincount(np.searchsorted(classes, base[ch]), minlength=len(classes))
        for c, nn, nc in zip(classes, n, n_ch):
            rows.append((b, int(c) + 1, int(nn), int(nc), nc / nn))
    table = pd.DataFrame(rows, columns=["boot", "segment", "n", "n_changed", "share_changed"])
    return RuleStability(table, {"n_boot": n_boot})


@dataclass(frozen=True)
class TimeStability:
    """Agreement of the segmentations fitted on an earlier and a later window.

    Attributes
    ----------
    table : DataFrame
        One row per comparison: ``comparison``, ``n_customers``, ``ari``
        and ``share_same`` (share of customers in the matched segment).
    """

    table: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """The comparisons with Steinley's (2004) reading of each ARI."""
        out = self.table.copy()
        out["reading"] = [_ari_reading(a) for a in out["ari"]]
        return out

    def plot(self, ax=None):
        """Horizontal bars of the ARI per comparison; returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 2.5))
        ax.barh(self.table["comparison"][::-1], self.table["ari"][::-1], color="#4C72B0")
        ax.axvline(0.65, color="#C44E52", ls="--", lw=1)
        ax.set_xlim(min(0.0, float(self.table["ari"].min())), 1)
        ax.set_xlabel("adjusted Rand index")
        return ax


def _share_same(a: np.ndarray, b: np.ndarray) -> float:
    a, b = relabel(a), relabel(b)
    cont = contingency(a, b, int(a.max()) + 1, int(b.max()) + 1)
    r, c = linear_sum_assignment(-cont)
    return float(cont[r, c].sum() / len(a))


def stability_over_time(
    X_early: pd.DataFrame,
    X_late: pd.DataFrame,
    segmenter: Any,
    *,
    random_state: Any = None,
) -> TimeStability:
    """Stability of a segmentation between two time windows.

    The segmenter is fitted on each window. Four comparisons: (1) the two
    fitted labelings on the customers present in both windows; (2) the early
    model labelling the late data against the late fit; (3) the late model
    labelling the early data against the early fit; (4) the early model
    labelling the same customers in both windows (how many customers move
    between segments when the model is held fixed). (1)-(3) say whether the
    segment structure persisted; (4) says whether customers stay in their
    segment.

    Parameters
    ----------
    X_early, X_late : DataFrame
        Prepared basis of each window, indexed by ``customer_id``, same columns.
    segmenter : estimator
        scikit-learn style segmenter; cloned.
    random_state : int, Generator or None
        Seed for both fits.

    Returns
    -------
    TimeStability

    Examples
    --------
    >>> res = stability_over_time(X_2024, X_2025, KMeansSegmenter(4), random_state=0)  # doctest: +SKIP
    >>> res.summary()[["comparison", "ari", "reading"]]  # doctest: +SKIP
    """
    for name, X in (("X_early", X_early), ("X_late", X_late)):
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"{name} must be a DataFrame indexed by customer_id, got {type(X).__name__}")
    if list(X_early.columns) != list(X_late.columns):
        raise ValueError(f"X_early and X_late must have the same columns, got {list(X_early.columns)} "
                         f"and {list(X_late.columns)}")
    s_early, s_late = root_seed(random_state).spawn(2)
    fits = []
    for X, seed in ((X_early, s_early), (X_late, s_late)):
        est = clone(segmenter)
        if "random_state" in est.get_params():
            est.set_params(random_state=int(np.random.default_rng(seed).integers(2**31 - 1)))
        fits.append(est.fit(X))
    early, late = fits
    lab_e = pd.Series(np.asarray(early.labels_), index=X_early.index)
    lab_l = pd.Series(np.asarray(late.labels_), index=X_late.index)
    common = X_early.index.intersection(X_late.index)
    if len(common) < 2:
        raise ValueError(f"X_early and X_late share {len(common)} customers; need at least 2 to compare")
    pairs = [
        ("fitted labels, customers in both windows", lab_e.loc[common].to_numpy(), lab_l.loc[common].to_numpy()),
        ("early model vs late fit, late data", np.asarray(early.predict(X_late)), lab_l.to_numpy()),
        ("late model vs early fit, early data", np.asarray(late.predict(X_early)), lab_e.to_numpy()),
        ("early model, same customers early vs late", lab_e.loc[common].to_numpy(),
         np.asarray(early.predict(X_late.loc[common]))),
    ]
    rows = []
    for i, (name, a, b) in enumerate(pairs):
        # The last pair is labelled by one model, so its segment numbers correspond without matching.
        same = float((a == b).mean()) if i == 3 else _share_same(a, b)
        rows.append((name, len(a), adjusted_rand(relabel(a), relabel(b)), same))
    return TimeStability(pd.DataFrame(rows, columns=["comparison", "n_customers", "ari", "share_same"]))

"""One entry point to every segmentation method a study can name.

``make_segmenter("kmeans", 5, random_state=2026)`` returns an unfitted
estimator; :data:`METHOD_INFO` says what each method needs and does.
"""

from __future__ import annotations

import inspect
from typing import Any

import pandas as pd

from segkit.config import DATA_DRIVEN_METHODS, RULE_BASED_METHODS
from segkit.methods import clustering

__all__ = ["METHOD_INFO", "make_segmenter"]

_DATA_DRIVEN = {
    "kmeans": clustering.KMeansSegmenter,
    "kprototypes": clustering.KPrototypesSegmenter,
    "gmm": clustering.GaussianMixtureSegmenter,
    "latent_class": clustering.LatentClassSegmenter,
    "ward": clustering.WardSegmenter,
}
_RULE_BASED = {
    "rfm8": "RFM8Segmenter",
    "rfm_quantile": "RFMQuantileSegmenter",
    "value_pyramid": "ValuePyramidSegmenter",
    "value_potential_loyalty": "ValuePotentialLoyaltySegmenter",
    "satisfaction_volume": "SatisfactionVolumeSegmenter",
    "classify_stratify": "ClassifyStratifySegmenter",
}
#: Methods that restart from random starts, so the study's ``n_init`` applies.
_RESTARTING = ("kmeans", "kprototypes", "gmm", "latent_class")

METHOD_INFO: pd.DataFrame = pd.DataFrame(
    [
        ("kmeans", "data-driven", "a numeric basis (behavioural features from transactions, or survey scales)",
         "numeric", "k-means on the prepared basis: compact, similar-sized segments; new customers join "
         "the nearest centroid."),
        ("kprototypes", "data-driven", "a basis mixing numeric and categorical columns", "mixed",
         "k-prototypes (Huang): k-means distance on numeric columns plus a weighted count of "
         "mismatching categories."),
        ("gmm", "data-driven", "a numeric basis with many customers per segment", "numeric",
         "Gaussian mixture: segments may differ in spread and shape; gives each customer's segment probabilities."),
        ("latent_class", "data-driven", "survey yes/no items (0/1) as the basis", "binary",
         "Latent class analysis: a Bernoulli mixture; each segment has its own probability of yes per item."),
        ("ward", "data-driven", "a numeric basis (fitted on a sample above 20,000 customers)", "numeric",
         "Hierarchical clustering with Ward linkage; new customers join the nearest centroid."),
        ("rfm8", "rule-based value", "transactions (recency, frequency, monetary)", "fixed (RFM)",
         "RFM 8 classes: each of R, F, M better or worse than the base average, with the classic action per class."),
        ("rfm_quantile", "rule-based value", "transactions (recency, frequency, monetary)", "fixed (RFM)",
         "RFM quintile scores 1-5 per dimension, grouped into named segments."),
        ("value_pyramid", "rule-based value",
         "transactions with >= 6 months of history and repeat purchases (lifetime value)", "fixed (CLV)",
         "Customer lifetime value pyramid: platinum top 1%, gold next 4%, iron next 15%, lead the rest."),
        ("value_potential_loyalty", "rule-based value",
         "transactions with >= 12 months of history and repeat purchases", "fixed (value, CLV, loyalty)",
         "Current value x potential value x loyalty, each high/low: 8 classes with a resource rule each."),
        ("satisfaction_volume", "rule-based survey", "a survey satisfaction column and transactions",
         "fixed (satisfaction, volume)",
         "Satisfaction x purchase volume, 3 x 3: sales model by volume, partner/improve/correct by satisfaction."),
        ("classify_stratify", "rule-based value", "a 'stratify' section: a type column, a size column, thresholds",
         "fixed (type, size)",
         "Classify by customer type, then stratify by size within each type (bank style)."),
    ],
    columns=["method", "family", "needs", "basis_kind", "description"],
)
#: Names for reports.
METHOD_INFO.insert(1, "label", METHOD_INFO["method"].map({
    "kmeans": "k-means", "kprototypes": "k-prototypes", "gmm": "Gaussian mixture",
    "latent_class": "latent class analysis", "ward": "Ward hierarchical clustering", "rfm8": "RFM 8-class",
    "rfm_quantile": "RFM quintile scores", "value_pyramid": "value pyramid",
    "value_potential_loyalty": "current value x potential value x loyalty",
    "satisfaction_volume": "satisfaction x purchase volume", "classify_stratify": "classify then stratify",
}))


def make_segmenter(
    method: str,
    n_segments: int | None = None,
    *,
    random_state: Any = None,
    n_init: int = 10,
    **options: Any,
):
    """Return an unfitted segmenter for a method name of the study file.

    Parameters
    ----------
    method : str
        One of the names in :data:`segkit.config.DATA_DRIVEN_METHODS` or
        :data:`segkit.config.RULE_BASED_METHODS` (``"auto"`` is resolved by
        :func:`segkit.methods.feasibility.choose_method` first).
    n_segments : int, optional
        Number of segments; by default the method's own default (4 for the
        data-driven methods). Rule-based schemes fix it by their rules, so it
        must be None for them.
    random_state : int, RandomState or None
        Seed.
    n_init : int, default 10
        Random restarts, for the methods that restart (kmeans, kprototypes,
        gmm, latent_class). Ward and the rule-based schemes are deterministic
        and do not take it.
    **options
        Further arguments of the method's class (e.g. ``covariance_type`` for
        gmm, ``categorical`` for kprototypes, the study's ``stratify`` section for
        classify_stratify, whose ``type_column``/``size_column`` are accepted).

    Returns
    -------
    estimator
        With ``fit(X, y=None, *, sample_value=None)``, ``labels_``, ``predict`` and ``result_``.

    Raises
    ------
    ValueError
        For an unknown method (the allowed names are listed) or an option the
        method does not take (its options are listed).

    Examples
    --------
    >>> make_segmenter("kmeans", 5, random_state=1)
    KMeansSegmenter(n_segments=5, random_state=1)
    """
    if method in _DATA_DRIVEN:
        cls = _DATA_DRIVEN[method]
    elif method in _RULE_BASED:
        # Imported here: the rule-based module is optional for the data-driven path.
        from segkit.methods import rules

        cls = getattr(rules, _RULE_BASED[method])
    else:
        allowed = ", ".join((*DATA_DRIVEN_METHODS, *RULE_BASED_METHODS))
        hint = " ('auto' must be resolved with choose_method first)" if method == "auto" else ""
        raise ValueError(f"unknown method {method!r}{hint}; allowed: {allowed}")

    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    kwargs: dict[str, Any] = dict(options)
    if method == "classify_stratify":
        # The study file's stratify section says type_column/size_column; the class says *_col.
        for long, short in (("type_column", "type_col"), ("size_column", "size_col")):
            if long in kwargs and long not in accepted:
                kwargs[short] = kwargs.pop(long)
    if n_segments is not None:
        if "n_segments" not in accepted:
            raise ValueError(
                f"method {method!r} defines its own segments by its rules; n_segments cannot be set "
                f"(got {n_segments}); pass n_segments=None"
            )
        kwargs["n_segments"] = n_segments
    if "random_state" in accepted:
        kwargs["random_state"] = random_state
    if method in _RESTARTING:
        kwargs["n_init"] = n_init
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(
            f"method {method!r} does not take option(s) {unknown}; its options are {accepted}"
        )
    return cls(**kwargs)

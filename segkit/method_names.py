"""The names of the segmentation methods a study can name, and nothing else.

Everything else about a method (its family, estimator, inputs, feasibility
rule, ...) is declared once, in :data:`segkit.methods.registry.METHODS`,
which checks on import that it has exactly one spec per name here, in this
order. The names live apart from the registry so that :mod:`segkit.config`
can validate a study file without importing :mod:`segkit.methods` (whose
package loads scikit-learn); this module imports nothing.
"""

from __future__ import annotations

__all__ = ["METHOD_NAMES"]

#: Every method, in report order: the data-driven methods, then the rule-based schemes.
METHOD_NAMES: tuple[str, ...] = (
    "kmeans",
    "kprototypes",
    "gmm",
    "latent_class",
    "ward",
    "rfm8",
    "rfm_quantile",
    "value_pyramid",
    "value_potential_loyalty",
    "satisfaction_volume",
    "classify_stratify",
)

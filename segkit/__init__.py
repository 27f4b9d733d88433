"""segkit: customer segmentation studies in eight reproducible, reported steps.

Importing segkit changes no global state (no pandas options, no warning
filters, no matplotlib style); call :func:`segkit.plots.set_theme` for the
report look.
"""

from segkit.errors import (
    ConfigError,
    DataError,
    SegkitError,
    SegkitWarning,
    SmallSegmentWarning,
    UnstableSegmentsWarning,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "SegkitError",
    "SegkitWarning",
    "SmallSegmentWarning",
    "UnstableSegmentsWarning",
    "__version__",
]

"""Is the segmentation stable? Bootstrap analyses of Dolnicar, Grün & Leisch (2018, ch. 7).

- :func:`global_stability`: adjusted Rand index between solutions on bootstrap
  pairs, per number of segments (``flexclust::bootFlexclust``), and the k it points to.
- :func:`segment_stability`: Jaccard index of each segment over bootstrap
  samples (``fpc::clusterboot``), with Hennig's reading.
- :func:`slsw`: segment-level stability within a solution as flexclust's
  ``slswFlexclust`` (bootstrap pairs, every customer, best-match Jaccard).
- :func:`segment_level_stability_across`: how segments split and merge from k
  to k+1 (``flexclust::slsaplot``).
- :func:`rule_stability`: customers changing class when a rule's thresholds are
  re-estimated.
- :func:`stability_over_time`: agreement of segmentations of two time windows.

Every function takes ``random_state`` and gives the same result for any
``n_jobs``: one seed sequence is split into per-bootstrap seeds up front.
segkit's ``KMeansSegmenter`` is refitted by a batched k-means
(:mod:`segkit._fastkmeans`), which makes the book's 14,000 fits take seconds.
"""

from segkit.stability._core import adjusted_rand, jaccard_verdict
from segkit.stability._global import (
    ARI_TOLERANCE,
    MANAGERIAL_SPAN,
    MIN_STABLE_ARI,
    GlobalStability,
    failed_sentence,
    global_stability,
    k_claim,
    managerial_range,
)
from segkit.stability._rules_time import RuleStability, TimeStability, rule_stability, stability_over_time
from segkit.stability._segment import SegmentStability, segment_stability
from segkit.stability._slsa import SLSA, segment_level_stability_across
from segkit.stability._slsw import SLSW, SLSW_READING, slsw

__all__ = [
    "ARI_TOLERANCE",
    "MANAGERIAL_SPAN",
    "MIN_STABLE_ARI",
    "SLSA",
    "SLSW",
    "SLSW_READING",
    "GlobalStability",
    "RuleStability",
    "SegmentStability",
    "TimeStability",
    "adjusted_rand",
    "failed_sentence",
    "global_stability",
    "jaccard_verdict",
    "k_claim",
    "managerial_range",
    "rule_stability",
    "segment_level_stability_across",
    "segment_stability",
    "slsw",
    "stability_over_time",
]

"""Segmentation methods: rule-based schemes and data-driven segmenters behind one result type."""

from segkit.methods.clustering import (
    GaussianMixtureSegmenter,
    KMeansSegmenter,
    KPrototypesSegmenter,
    LatentClassSegmenter,
    WardSegmenter,
)
from segkit.methods.feasibility import choose_method, feasibility_matrix, rank_methods
from segkit.methods.naming import describe_segments
from segkit.methods.prep import PreparedBasis, prepare_basis
from segkit.methods.registry import METHOD_INFO, MethodSpec, get_method, make_segmenter
from segkit.methods.result import SegmentationResult, build_result

__all__ = [
    "METHOD_INFO",
    "GaussianMixtureSegmenter",
    "KMeansSegmenter",
    "KPrototypesSegmenter",
    "LatentClassSegmenter",
    "MethodSpec",
    "PreparedBasis",
    "SegmentationResult",
    "WardSegmenter",
    "build_result",
    "choose_method",
    "describe_segments",
    "feasibility_matrix",
    "get_method",
    "make_segmenter",
    "prepare_basis",
    "rank_methods",
]

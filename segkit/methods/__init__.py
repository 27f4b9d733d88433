"""Segmentation methods: rule-based schemes and data-driven segmenters behind one result type."""

from segkit.methods.result import SegmentationResult, build_result

__all__ = ["SegmentationResult", "build_result"]

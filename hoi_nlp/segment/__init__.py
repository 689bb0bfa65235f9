"""Segmentation: answers, speaker turns, coding passages and sentences, all as exact source slices."""

from hoi_nlp.segment.units import segment_source, segment_sources, segmentation_key

__all__ = ["segment_source", "segment_sources", "segmentation_key"]

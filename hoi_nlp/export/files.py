"""Atomic file writing for exports (see :mod:`hoi_nlp.io`, where it lives as a core utility)."""

from hoi_nlp.io import atomic_path, write_atomic, write_text_atomic

__all__ = ["atomic_path", "write_atomic", "write_text_atomic"]

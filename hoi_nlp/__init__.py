"""hoi_nlp: qualitative text analysis for Danish survey comments and interview transcripts."""

from __future__ import annotations

__version__ = "0.1.0"

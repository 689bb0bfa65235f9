"""The coder protocol and versioned coder names.

Every coder takes segments (or any texts wrapped as segments) and returns
:class:`~hoi_nlp.records.CodeAssignment` records with a confidence in [0, 1], its method and
its versioned name, so outputs always say which coder produced what.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from hoi_nlp.records import CodeAssignment, Segment

RULES_V1 = "hoi.rules.v1"
SIMILARITY_V1 = "hoi.similarity.v1"
CLASSIFIER_V1 = "hoi.classifier.v1"
COMBINED_V1 = "hoi.combined.v1"
TOPICS_V1 = "hoi.topics.v1"


@runtime_checkable
class Coder(Protocol):
    """Assigns codebook codes to segments."""

    name: str

    def code(self, segments: Sequence[Segment]) -> list[CodeAssignment]:
        """Return the assignments for ``segments`` (zero or more per segment)."""
        ...


def text_segments(items: Sequence[tuple[str, str]]) -> list[Segment]:
    """Wrap ``(id, text)`` pairs as standalone segments (for the JSONL contract and evaluation)."""
    return [
        Segment(segment_id=item_id, source_id=item_id, kind="passage", start=0, end=len(text), text=text)
        for item_id, text in items
    ]

"""The coder protocol and versioned coder names.

Every coder takes segments (or any texts wrapped as segments) and returns
:class:`~hoi_nlp.records.CodeAssignment` records with a confidence in [0, 1], its method and
its versioned name, so outputs always say which coder produced what.

Context: a coder that sets ``accepts_context = True`` also takes ``contexts`` — one
:class:`CodingContext` (or ``None``) per segment: the interviewer's question before a turn or a
survey answer's question text, and the texts of neighbouring units. Context only informs the
scores; assignments keep the segment's own offsets and evidence. :func:`code_segments` passes
contexts to coders that take them and calls older coders (``code(segments)``) without.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from hoi_nlp.records import CodeAssignment, Segment

if TYPE_CHECKING:
    from hoi_nlp.codebook import Codebook

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


@dataclass(frozen=True)
class CodingContext:
    """What surrounds a coding unit: the question it answers and its neighbouring units' texts."""

    question: str = ""
    neighbours: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.question.strip() or any(n.strip() for n in self.neighbours))


def code_segments(coder: Coder, segments: Sequence[Segment],
                  contexts: Sequence[CodingContext | None] | None = None) -> list[CodeAssignment]:
    """``coder.code(segments)``, with ``contexts`` when the coder takes them."""
    if contexts is not None and getattr(coder, "accepts_context", False):
        return coder.code(segments, contexts=contexts)  # type: ignore[call-arg]
    return coder.code(segments)


def for_new_coding(assignments: Sequence[CodeAssignment], codebook: Codebook) -> list[CodeAssignment]:
    """The assignments without codes the codebook marks deprecated ("kept for earlier codings; not
    offered for new coding"): no coder suggests them, nor offers them as possible."""
    retired = {code.id for code in codebook.codes if code.deprecated}
    return [a for a in assignments if a.code_id not in retired] if retired else list(assignments)


def text_segments(items: Sequence[tuple[str, str]]) -> list[Segment]:
    """Wrap ``(id, text)`` pairs as standalone segments (for the JSONL contract and evaluation)."""
    return [
        Segment(segment_id=item_id, source_id=item_id, kind="passage", start=0, end=len(text), text=text)
        for item_id, text in items
    ]

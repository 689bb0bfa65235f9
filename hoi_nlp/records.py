"""The typed records at the centre of hoi_nlp.

Data flows one way: ingest → segment → nlp → code → review → export. Every stage
reads and writes these small frozen records. A segment, an evidence span and a
quote are always character slices of a :class:`Source`'s normalised text, so
``source.text[seg.start:seg.end] == seg.text`` holds everywhere.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SourceKind = Literal["survey_answer", "transcript"]
SegmentKind = Literal["answer", "turn", "passage", "sentence"]
SpeakerRole = Literal["interviewer", "respondent"]
CoderMethod = Literal["rule", "similarity", "classifier", "combined", "topic", "human"]
DecisionAction = Literal[
    "accept", "reject", "add", "remove", "span", "memo", "flag", "unflag", "consensus", "undo", "stance"
]
# How a barrier is spoken of: it stands in the way, it is what success needs, it was overcome or is
# absent ("det er ikke en barriere hos os"), or its degree is rated ("i mindre grad").
Stance = Literal["hindrance", "precondition", "overcome", "rating"]
STANCES: tuple[str, ...] = ("hindrance", "precondition", "overcome", "rating")
STANCE_FAMILY = "barrier"  # the one family whose codings carry a stance


def is_stance_code(code_id: str) -> bool:
    """Whether a code's codings carry a stance (a code of the barrier family)."""
    return code_id.split(".", 1)[0] == STANCE_FAMILY


# A suggestion above the coder's threshold, or a below-threshold candidate the review app shows
# as "possible" (it never counts in tables).
Tier = Literal["suggested", "possible"]


def content_hash(text: str) -> str:
    """Return the sha256 hex digest of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_hash(*parts: str, length: int = 12) -> str:
    """Return a short stable id built from ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Record):
    """One document of text: a survey answer or an interview transcript.

    ``text`` is the normalised text (NFC, ``\\n`` newlines) that all offsets point into.
    ``locator`` says where in the original file it came from (e.g. ``row 12, column '1.2_kommentar'``).
    """

    source_id: str
    study: str
    kind: SourceKind
    path: str
    locator: str = ""
    text: str
    content_hash: str
    respondent_id: str
    question_id: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _hash_matches(self) -> Source:
        if self.content_hash != content_hash(self.text):
            raise ValueError(f"content_hash does not match the text of source {self.source_id}")
        return self


class Segment(_Record):
    """A span of a source: an answer, a speaker turn, a coding passage or a sentence."""

    segment_id: str
    source_id: str
    kind: SegmentKind
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    codable: bool = True
    parent_id: str | None = None
    question_id: str | None = None
    speaker: str | None = None
    speaker_role: SpeakerRole | None = None
    turn_index: int | None = None
    timestamp: str | None = None

    @model_validator(mode="after")
    def _span_is_valid(self) -> Segment:
        if self.end < self.start:
            raise ValueError(f"segment {self.segment_id}: end {self.end} < start {self.start}")
        if len(self.text) != self.end - self.start:
            raise ValueError(f"segment {self.segment_id}: text length does not match its offsets")
        return self

    @staticmethod
    def make_id(source_id: str, kind: str, start: int, end: int) -> str:
        """Stable id of a segment: the same span of the same source always gets the same id."""
        return f"{source_id}:{kind[0]}{start}-{end}"


def slice_segment(source: Source, *, kind: SegmentKind, start: int, end: int, **fields: object) -> Segment:
    """Build a :class:`Segment` whose text is exactly ``source.text[start:end]``."""
    if not 0 <= start <= end <= len(source.text):
        raise ValueError(f"span {start}-{end} outside source {source.source_id} (length {len(source.text)})")
    return Segment(
        segment_id=Segment.make_id(source.source_id, kind, start, end),
        source_id=source.source_id,
        kind=kind,
        start=start,
        end=end,
        text=source.text[start:end],
        **fields,  # type: ignore[arg-type]
    )


class Evidence(_Record):
    """Why a coder assigned a code: a span (offsets into the segment text) and what matched."""

    start: int
    end: int
    text: str
    pattern: str = ""


class CodeAssignment(_Record):
    """A code suggested for a segment by one coder, with confidence and provenance."""

    segment_id: str
    code_id: str
    confidence: float = Field(ge=0.0, le=1.0)
    method: CoderMethod
    coder: str
    codebook_version: str
    model_version: str | None = None
    evidence: tuple[Evidence, ...] = ()
    components: dict[str, float] = Field(default_factory=dict)
    stance: Stance | None = None  # barrier codes only
    tier: Tier = "suggested"


class ReviewDecision(_Record):
    """One analyst action in the append-only review log."""

    decision_id: str
    segment_id: str
    code_id: str | None = None
    action: DecisionAction
    analyst: str
    created_at: datetime = Field(default_factory=utcnow)
    start: int | None = None
    end: int | None = None
    memo: str | None = None
    round: str = "main"
    undoes: str | None = None
    outcome: str | None = None
    # read side only, never stored: the code a decision was made on when a later merge made its code
    merged_from: str | None = Field(default=None, exclude=True)


ReviewStatus = Literal["suggested", "accepted", "rejected", "added", "unreviewed"]


class CodeReview(_Record):
    """The analysts' current state of one (segment, code), as exports read it.

    ``start``/``end`` are offsets into the source text when an analyst adjusted the span;
    ``memo`` joins the memos on the code and on its segment.
    """

    status: ReviewStatus
    start: int | None = None
    end: int | None = None
    memo: str = ""
    analyst: str = ""
    stance: Stance | None = None  # the analyst's stance of a barrier code, when set


class Quote(_Record):
    """A citable slice of a source for one code, with a stable id."""

    quote_id: str
    code_id: str
    source_id: str
    segment_id: str
    start: int
    end: int
    text: str
    text_pseudonymized: str
    citation: str
    confidence: float = 0.0
    review_state: str = "machine"
    stance: str | None = None  # barrier codes: how the quoted coding speaks of the barrier (None: not set)

    @staticmethod
    def make_id(source_id: str, start: int, end: int, code_id: str) -> str:
        """The unkeyed quote id of earlier versions (``Q-`` plus a hash of source, span and code): quotes
        are made with the study's keyed id (``KeyRedactor.quote_id``); this one is still found."""
        return "Q-" + short_hash(source_id, str(start), str(end), code_id, length=10)

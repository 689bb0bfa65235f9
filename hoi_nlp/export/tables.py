"""Coded datasets as tables: one row per coded segment, code frequencies, respondents.

Frequencies are counted the way reports count them: the share of respondents
(municipalities/interviewees) mentioning a code, next to the number of segments. A
respondent counts once per code however many of its answers carry the code.

The "effective" coding of a segment is the machine suggestion combined with the analysts'
review: rejected suggestions drop out, codes added by analysts come in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from hoi_nlp.codebook import Codebook
from hoi_nlp.records import CodeAssignment, Segment, Source

logger = logging.getLogger(__name__)

ATTRIBUTE_COLUMNS = ("municipality", "region", "size_group", "role")
# Respondent attributes that identify a municipality or a person: only in raw exports.
IDENTIFYING_ATTRIBUTES = frozenset(
    {"municipality", "interviewer", "interviewer_speakers", "respondent_speakers", "date", "question"}
)
ATTRIBUTE_LABELS = {
    "municipality": "Kommune",
    "region": "Region",
    "size_group": "Størrelsesgruppe",
    "role": "Respondentrolle",
}
Redactor = Callable[[str, str], str]
REVIEW_LABELS = {
    "unreviewed": "ikke gennemset",
    "accepted": "accepteret",
    "rejected": "afvist",
    "added": "tilføjet",
    "suggested": "ikke gennemset",
}


@dataclass(frozen=True)
class ReviewState:
    """The analysts' current state of one (segment, code): status, optional span and memo."""

    status: str
    start: int | None = None
    end: int | None = None
    memo: str = ""
    analyst: str = ""


@dataclass(frozen=True)
class Coding:
    """One effective (segment, code) coding: machine confidence plus review state.

    ``start``/``end`` are offsets into the source text (the segment's span unless the
    analyst narrowed it).
    """

    segment_id: str
    source_id: str
    code_id: str
    start: int
    end: int
    confidence: float
    machine: bool
    review: str = "unreviewed"
    memo: str = ""
    analyst: str = ""
    coders: tuple[str, ...] = ()

    @property
    def counted(self) -> bool:
        """Whether the coding counts in tables (everything but rejected suggestions)."""
        return self.review != "rejected"

    @property
    def rank_tier(self) -> int:
        """0 for analyst-confirmed codings (accepted/added), 1 for machine-only ones."""
        return 0 if self.review in ("accepted", "added") else 1


@dataclass(frozen=True)
class CodedStudy:
    """Everything an export needs, loaded once from the workspace."""

    codebook: Codebook
    sources: dict[str, Source]
    segments: list[Segment]
    assignments: list[CodeAssignment]
    reviews: dict[tuple[str, str], ReviewState] = field(default_factory=dict)
    sentences: dict[str, list[Segment]] = field(default_factory=dict)
    name: str = ""
    sentence_loader: Callable[[str], list[Segment]] | None = None

    def sentences_of(self, source_id: str) -> list[Segment]:
        """The source's sentence segments (loaded on first use when a loader is set)."""
        if source_id not in self.sentences and self.sentence_loader is not None:
            self.sentences[source_id] = self.sentence_loader(source_id)
        return self.sentences.get(source_id, [])

    def assignments_by_segment(self) -> dict[str, list[CodeAssignment]]:
        """Assignments grouped by segment id, highest confidence first."""
        grouped: dict[str, list[CodeAssignment]] = {}
        for assignment in sorted(self.assignments, key=lambda a: -a.confidence):
            grouped.setdefault(assignment.segment_id, []).append(assignment)
        return grouped

    @cached_property
    def segment_by_id(self) -> dict[str, Segment]:
        """Coding units by id."""
        return {seg.segment_id: seg for seg in self.segments}

    @cached_property
    def respondent_of(self) -> dict[str, str]:
        """Segment id -> respondent id."""
        return {seg.segment_id: self.sources[seg.source_id].respondent_id for seg in self.segments}

    @cached_property
    def respondents(self) -> dict[str, dict[str, str]]:
        """Respondent id -> attributes (from its first source), sorted by id."""
        found: dict[str, dict[str, str]] = {}
        for source in sorted(self.sources.values(), key=lambda s: s.source_id):
            found.setdefault(source.respondent_id, dict(source.attributes))
        return dict(sorted(found.items()))

    @cached_property
    def all_codings(self) -> list[Coding]:
        """Effective codings of every (segment, code), rejected ones included."""
        return build_codings(self)

    @cached_property
    def codings(self) -> list[Coding]:
        """Codings that count (rejected suggestions left out)."""
        return [c for c in self.all_codings if c.counted]

    @cached_property
    def _codings_by_code(self) -> dict[str, list[Coding]]:
        grouped: dict[str, list[Coding]] = {}
        for coding in self.codings:
            grouped.setdefault(coding.code_id, []).append(coding)
        return grouped

    def codings_for(self, code_id: str) -> list[Coding]:
        """Counted codings of one code."""
        return list(self._codings_by_code.get(code_id, []))

    @cached_property
    def assignments_by_key(self) -> dict[tuple[str, str], list[CodeAssignment]]:
        """Machine assignments grouped by (segment id, code id), in load order."""
        grouped: dict[tuple[str, str], list[CodeAssignment]] = {}
        for assignment in self.assignments:
            grouped.setdefault((assignment.segment_id, assignment.code_id), []).append(assignment)
        return grouped

    def assignments_for(self, segment_id: str, code_id: str) -> list[CodeAssignment]:
        """The machine assignments of one (segment, code), from every coder."""
        return list(self.assignments_by_key.get((segment_id, code_id), []))

    @cached_property
    def respondent_matrix(self) -> pd.DataFrame:
        """Respondents × codes, 1 where a respondent mentions the code in any counted coding."""
        return self._presence_matrix(list(self.respondents), lambda c: self.respondent_of[c.segment_id])

    @cached_property
    def segment_matrix(self) -> pd.DataFrame:
        """Coding units × codes, 1 where the unit carries the code."""
        return self._presence_matrix([s.segment_id for s in self.segments], lambda c: c.segment_id)

    def _presence_matrix(self, index: list[str], row_of: Callable[[Coding], str]) -> pd.DataFrame:
        codes = self.codebook.code_ids
        row_number = {key: i for i, key in enumerate(index)}
        column_number = {code: j for j, code in enumerate(codes)}
        values = np.zeros((len(index), len(codes)), dtype=np.int64)
        cells = [(row_number[row_of(c)], column_number[c.code_id]) for c in self.codings
                 if c.code_id in column_number]
        if cells:
            rows, columns = zip(*cells, strict=True)
            values[list(rows), list(columns)] = 1
        return pd.DataFrame(values, index=index, columns=codes)


def build_codings(study: CodedStudy) -> list[Coding]:
    """Merge machine assignments (best per segment and code) with review states."""
    best = {key: found for key, found in study.assignments_by_key.items() if key[0] in study.segment_by_id}
    keys = sorted(set(best) | {k for k in study.reviews if k[0] in study.segment_by_id})
    return [_coding(study, key, best.get(key, []), study.reviews.get(key)) for key in keys]


def _coding(
    study: CodedStudy, key: tuple[str, str], machine: list[CodeAssignment], review: ReviewState | None
) -> Coding:
    seg = study.segment_by_id[key[0]]
    status = review.status if review else "unreviewed"
    if status == "suggested":
        status = "unreviewed"
    if not machine and status == "accepted":
        status = "added"
    start = review.start if review and review.start is not None else seg.start
    end = review.end if review and review.end is not None else seg.end
    return Coding(
        segment_id=seg.segment_id,
        source_id=seg.source_id,
        code_id=key[1],
        start=start,
        end=end,
        confidence=max((a.confidence for a in machine), default=1.0 if review else 0.0),
        machine=bool(machine),
        review=status,
        memo=review.memo if review else "",
        analyst=review.analyst if review else "",
        coders=tuple(sorted({a.coder for a in machine})),
    )


def exported_attributes(study: CodedStudy, *, raw: bool) -> list[str]:
    """Respondent attributes an export may show: identifying ones only in raw exports."""
    names: list[str] = [a for a in ATTRIBUTE_COLUMNS if raw or a not in IDENTIFYING_ATTRIBUTES]
    extra = sorted({k for attrs in study.respondents.values() for k in attrs} - set(ATTRIBUTE_COLUMNS))
    names += [k for k in extra if raw or k not in IDENTIFYING_ATTRIBUTES]
    return names


def segment_rows(study: CodedStudy, *, redact: Redactor, raw: bool = False) -> pd.DataFrame:
    """One row per coding unit: source reference, respondent attributes, codes per family.

    Per family three columns: the machine's codes, the reviewed (effective) codes and the
    review states; ``confidence`` lists each machine code's confidence.
    """
    by_segment: dict[str, list[Coding]] = {}
    for coding in study.all_codings:
        by_segment.setdefault(coding.segment_id, []).append(coding)
    attributes = exported_attributes(study, raw=raw)
    return pd.DataFrame(
        [
            _segment_row(study, seg, by_segment.get(seg.segment_id, []), attributes, redact=redact, raw=raw)
            for seg in study.segments
        ]
    )


def _segment_row(
    study: CodedStudy,
    seg: Segment,
    codings: list[Coding],
    attributes: Sequence[str],
    *,
    redact: Redactor,
    raw: bool,
) -> dict[str, object]:
    source = study.sources[seg.source_id]
    row: dict[str, object] = {
        "segment_id": seg.segment_id,
        "source_id": seg.source_id,
        "source_file": source.path,
        "locator": source.locator,
        "respondent_id": source.respondent_id,
        "question_id": seg.question_id or "",
        "speaker_role": seg.speaker_role or "",
        "turn_index": seg.turn_index,
        "start": seg.start,
        "end": seg.end,
        "text": redact(seg.segment_id, seg.text),
    }
    if raw:
        row["speaker"] = seg.speaker or ""
    row.update({attr: source.attributes.get(attr, "") for attr in attributes})
    for family in study.codebook.families:
        mine = [c for c in codings if c.code_id.startswith(family.id + ".")]
        row[f"machine_{family.id}"] = "; ".join(c.code_id for c in mine if c.machine)
        row[f"reviewed_{family.id}"] = "; ".join(c.code_id for c in mine if c.counted)
        row[f"review_state_{family.id}"] = "; ".join(
            f"{c.code_id}={c.review}" for c in mine if c.review != "unreviewed"
        )
    row["confidence"] = "; ".join(f"{c.code_id}={c.confidence:.2f}" for c in codings if c.machine)
    row["coders"] = "; ".join(sorted({name for c in codings for name in c.coders}))
    return row


def assignment_rows(study: CodedStudy) -> pd.DataFrame:
    """Long format: one row per (segment, code) with confidence, provenance and review state."""
    by_key = {(c.segment_id, c.code_id): c for c in study.all_codings}
    columns = [
        "segment_id",
        "respondent_id",
        "code_id",
        "family",
        "confidence",
        "method",
        "coder",
        "codebook_version",
        "model_version",
        "review_state",
        "counted",
    ]
    rows = [
        {
            "segment_id": a.segment_id,
            "respondent_id": study.respondent_of.get(a.segment_id, ""),
            "code_id": a.code_id,
            "family": a.code_id.split(".", 1)[0],
            "confidence": a.confidence,
            "method": a.method,
            "coder": a.coder,
            "codebook_version": a.codebook_version,
            "model_version": a.model_version or "",
            "review_state": by_key[(a.segment_id, a.code_id)].review
            if (a.segment_id, a.code_id) in by_key
            else "",
            "counted": by_key[(a.segment_id, a.code_id)].counted
            if (a.segment_id, a.code_id) in by_key
            else False,
        }
        for a in study.assignments
        if a.segment_id in study.segment_by_id
    ]
    rows += [
        {
            "segment_id": c.segment_id,
            "respondent_id": study.respondent_of[c.segment_id],
            "code_id": c.code_id,
            "family": c.code_id.split(".", 1)[0],
            "confidence": c.confidence,
            "method": "human",
            "coder": c.analyst,
            "codebook_version": "",
            "model_version": "",
            "review_state": c.review,
            "counted": True,
        }
        for c in study.all_codings
        if not c.machine
    ]
    return pd.DataFrame(rows, columns=columns)


def respondent_rows(study: CodedStudy, *, raw: bool = False) -> pd.DataFrame:
    """One row per respondent with its exportable attributes and how many answers/turns it gave."""
    attributes = exported_attributes(study, raw=raw)
    counts: dict[str, int] = {}
    for source in study.sources.values():
        counts[source.respondent_id] = counts.get(source.respondent_id, 0) + 1
    rows = [
        {"respondent_id": rid, "sources": counts.get(rid, 0), **{a: attrs.get(a, "") for a in attributes}}
        for rid, attrs in study.respondents.items()
    ]
    return pd.DataFrame(rows, columns=["respondent_id", "sources", *attributes])


def frequency_rows(study: CodedStudy, family_id: str) -> pd.DataFrame:
    """Per code of ``family_id``: respondents mentioning it, their share, segments (reviewed state)."""
    from hoi_nlp.export.stats import frequency_table

    return frequency_table(study, family_id)


def codebook_rows(codebook: Codebook) -> pd.DataFrame:
    """The codebook as a table (family, id, label, description)."""
    return pd.DataFrame(
        [
            {"family": c.family, "code_id": c.id, "label": c.label, "description": c.description}
            for c in codebook.codes
        ]
    )


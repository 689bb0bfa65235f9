"""Coded datasets as tables: one row per coded segment, code frequencies, respondents.

Frequencies are counted the way reports count them: the share of respondents
(municipalities/interviewees) mentioning a code, next to the number of segments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from hoi_nlp.codebook import Codebook
from hoi_nlp.records import CodeAssignment, Segment, Source

logger = logging.getLogger(__name__)

ATTRIBUTE_COLUMNS = ("municipality", "region", "size_group", "role")
Redactor = Callable[[str, str], str]


@dataclass(frozen=True)
class CodedStudy:
    """Everything an export needs, loaded once from the workspace."""

    codebook: Codebook
    sources: dict[str, Source]
    segments: list[Segment]
    assignments: list[CodeAssignment]

    def assignments_by_segment(self) -> dict[str, list[CodeAssignment]]:
        """Assignments grouped by segment id, highest confidence first."""
        grouped: dict[str, list[CodeAssignment]] = {}
        for assignment in sorted(self.assignments, key=lambda a: -a.confidence):
            grouped.setdefault(assignment.segment_id, []).append(assignment)
        return grouped


def segment_rows(study: CodedStudy, *, redact: Redactor) -> pd.DataFrame:
    """One row per coded segment: source reference, respondent attributes, codes per family."""
    by_segment = study.assignments_by_segment()
    rows = []
    for seg in study.segments:
        source = study.sources[seg.source_id]
        codes = by_segment.get(seg.segment_id, [])
        row: dict[str, object] = {
            "segment_id": seg.segment_id, "source_id": seg.source_id, "source_file": source.path,
            "locator": source.locator, "respondent_id": source.respondent_id,
            "question_id": seg.question_id or "", "speaker": seg.speaker or "",
            "turn_index": seg.turn_index, "start": seg.start, "end": seg.end,
            "text": redact(seg.segment_id, seg.text),
        }
        row.update({attr: source.attributes.get(attr, "") for attr in ATTRIBUTE_COLUMNS})
        for family in study.codebook.families:
            in_family = [a for a in codes if a.code_id.startswith(family.id + ".")]
            row[f"codes_{family.id}"] = "; ".join(a.code_id for a in in_family)
        row["confidence"] = "; ".join(f"{a.code_id}={a.confidence:.2f}" for a in codes)
        row["methods"] = "; ".join(sorted({a.coder for a in codes}))
        rows.append(row)
    return pd.DataFrame(rows)


def assignment_rows(study: CodedStudy) -> pd.DataFrame:
    """Long format: one row per (segment, code) with confidence and provenance."""
    return pd.DataFrame([{
        "segment_id": a.segment_id, "code_id": a.code_id, "family": a.code_id.split(".", 1)[0],
        "confidence": a.confidence, "method": a.method, "coder": a.coder,
        "codebook_version": a.codebook_version, "model_version": a.model_version or "",
        "evidence": " | ".join(ev.text for ev in a.evidence),
    } for a in study.assignments], columns=["segment_id", "code_id", "family", "confidence", "method", "coder",
                                            "codebook_version", "model_version", "evidence"])


def respondent_rows(study: CodedStudy) -> pd.DataFrame:
    """One row per respondent with its attributes and how many answers/turns it gave."""
    rows: dict[str, dict[str, object]] = {}
    for source in study.sources.values():
        row = rows.setdefault(source.respondent_id, {"respondent_id": source.respondent_id, "sources": 0})
        row["sources"] = int(row["sources"]) + 1  # type: ignore[call-overload]
        for key, value in source.attributes.items():
            if key != "question":
                row.setdefault(key, value)
    return pd.DataFrame(sorted(rows.values(), key=lambda r: str(r["respondent_id"])))


def frequency_rows(study: CodedStudy, family_id: str) -> pd.DataFrame:
    """Per code of ``family_id``: segments, respondents mentioning it and their share."""
    segment_respondent = {seg.segment_id: study.sources[seg.source_id].respondent_id for seg in study.segments}
    respondents = {source.respondent_id for source in study.sources.values()}
    rows = []
    for code in study.codebook.family(family_id).codes:
        hits = [a for a in study.assignments if a.code_id == code.id and a.segment_id in segment_respondent]
        mentioning = {segment_respondent[a.segment_id] for a in hits}
        rows.append({
            "code_id": code.id, "label": code.label, "segments": len({a.segment_id for a in hits}),
            "respondents": len(mentioning),
            "share_of_respondents_pct": round(100 * len(mentioning) / len(respondents), 1) if respondents else 0.0,
        })
    return pd.DataFrame(rows).sort_values(["respondents", "segments"], ascending=False, kind="stable")


def codebook_rows(codebook: Codebook) -> pd.DataFrame:
    """The codebook as a table (family, id, label, description)."""
    return pd.DataFrame([{"family": c.family, "code_id": c.id, "label": c.label, "description": c.description}
                         for c in codebook.codes])


def filter_segments(segments: Sequence[Segment], *, codable_only: bool = True) -> list[Segment]:
    """The coding units (``codable``) in source order."""
    return [seg for seg in segments if seg.codable or not codable_only]

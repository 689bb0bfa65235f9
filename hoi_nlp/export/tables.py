"""Coded datasets as tables: one row per coded segment, code frequencies, respondents.

Frequencies are counted the way reports count them: the share of respondents
(municipalities/interviewees) mentioning a code, next to the number of segments. A
respondent counts once per code however many of its answers carry the code.

The "effective" coding of a segment is the machine suggestion combined with the analysts'
review: rejected suggestions drop out, codes added by analysts come in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from hoi_nlp.codebook import Codebook
from hoi_nlp.export.stats import frequency_table
from hoi_nlp.export.study import (
    ATTRIBUTE_COLUMNS,
    IDENTIFYING_ATTRIBUTES,
    CodedStudy,
    Coding,
    Redactor,
)
from hoi_nlp.records import Segment

logger = logging.getLogger(__name__)


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
        "segment_id": redact.ident(seg.segment_id),
        "source_id": redact.ident(seg.source_id),
        "source_file": source.path,
        "locator": source.locator,
        "respondent_id": redact.ident(source.respondent_id),
        "question_id": redact.ident(seg.question_id or ""),
        "speaker_role": seg.speaker_role or "",
        "turn_index": seg.turn_index,
        "start": seg.start,
        "end": seg.end,
        "text": redact.span(source, seg.start, seg.end),
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


def assignment_rows(study: CodedStudy, *, redact: Redactor) -> pd.DataFrame:
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
            "segment_id": redact.ident(a.segment_id),
            "respondent_id": redact.ident(study.respondent_of.get(a.segment_id, "")),
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
            "segment_id": redact.ident(c.segment_id),
            "respondent_id": redact.ident(study.respondent_of[c.segment_id]),
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


def respondent_rows(study: CodedStudy, *, redact: Redactor, raw: bool = False) -> pd.DataFrame:
    """One row per respondent with its exportable attributes and how many answers/turns it gave."""
    attributes = exported_attributes(study, raw=raw)
    counts: dict[str, int] = {}
    for source in study.sources.values():
        counts[source.respondent_id] = counts.get(source.respondent_id, 0) + 1
    rows = [
        {"respondent_id": redact.ident(rid), "sources": counts.get(rid, 0),
         **{a: attrs.get(a, "") for a in attributes}}
        for rid, attrs in study.respondents.items()
    ]
    return pd.DataFrame(rows, columns=["respondent_id", "sources", *attributes])


def frequency_rows(study: CodedStudy, family_id: str) -> pd.DataFrame:
    """Per code of ``family_id``: respondents mentioning it, their share, segments (reviewed state)."""

    return frequency_table(study, family_id)


def codebook_rows(codebook: Codebook) -> pd.DataFrame:
    """The codebook as a table (family, id, label, description)."""
    return pd.DataFrame(
        [
            {"family": c.family, "code_id": c.id, "label": c.label, "description": c.description}
            for c in codebook.codes
        ]
    )


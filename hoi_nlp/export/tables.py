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
from hoi_nlp.export.lang import Texts, texts_for
from hoi_nlp.export.quotes import source_reference
from hoi_nlp.export.stats import frequency_table
from hoi_nlp.export.study import (
    ATTRIBUTE_COLUMNS,
    IDENTIFYING_ATTRIBUTES,
    CodedStudy,
    Coding,
    Redactor,
    coarse_role,
)
from hoi_nlp.ingest.numbers import number_value
from hoi_nlp.records import Segment
from hoi_nlp.settings import ReportSettings

logger = logging.getLogger(__name__)


def exported_attributes(study: CodedStudy, *, raw: bool) -> list[str]:
    """Respondent attributes an export may show: identifying ones only in raw exports."""
    names: list[str] = [a for a in ATTRIBUTE_COLUMNS if raw or a not in IDENTIFYING_ATTRIBUTES]
    extra = sorted({k for attrs in study.respondents.values() for k in attrs} - set(ATTRIBUTE_COLUMNS))
    names += [k for k in extra if raw or k not in IDENTIFYING_ATTRIBUTES]
    return names


def segment_rows(study: CodedStudy, *, redact: Redactor, raw: bool = False,
                 texts: Texts | None = None) -> pd.DataFrame:
    """One row per coding unit: source reference, respondent attributes, codes per family.

    Per family three columns: the machine's codes, the reviewed (effective) codes and the
    review states; ``confidence`` lists each machine code's confidence. Whole numbers stay
    whole (``turn_index`` is empty for survey answers, never ``1.0``).
    """
    by_segment: dict[str, list[Coding]] = {}
    for coding in study.all_codings:
        by_segment.setdefault(coding.segment_id, []).append(coding)
    attributes = exported_attributes(study, raw=raw)
    frame = pd.DataFrame(
        [
            _segment_row(study, seg, by_segment.get(seg.segment_id, []), attributes, redact=redact, raw=raw,
                         texts=texts or texts_for("da"))
            for seg in study.segments
        ]
    )
    return number_columns(integer_columns(frame, "turn_index", "start", "end"), study)


def number_columns(frame: pd.DataFrame, study: CodedStudy) -> pd.DataFrame:
    """The study's number attributes (:attr:`CodedStudy.number_attributes`) in ``frame`` as numbers:
    whole ones as Int64, others as Float64 (empty where a respondent has none), so that each format writes
    them its way (a number cell in XLSX, ``3.75`` in CSV and Parquet, ``3,75`` in Danish Excel's CSV)."""
    for column, whole in study.number_attributes.items():
        if column in frame.columns:
            numbers = [number_value(value) if isinstance(value, str) and value.strip() else None
                       for value in frame[column]]
            frame[column] = pd.array(numbers, dtype="Int64" if whole else "Float64")
    return frame


def integer_columns(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``columns`` as nullable integers (Int64): CSV writes ``1``, not ``1.0``; Parquet stores int64."""
    for column in columns:
        if column in frame.columns:
            frame[column] = frame[column].astype("Int64")
    return frame


def _segment_row(
    study: CodedStudy,
    seg: Segment,
    codings: list[Coding],
    attributes: Sequence[str],
    *,
    redact: Redactor,
    raw: bool,
    texts: Texts,
) -> dict[str, object]:
    source = study.sources[seg.source_id]
    # Offsets into the source as the export shows it, its one redaction (the original's offsets would
    # tell how long the names are that the placeholders hide); a raw export's redaction is the source.
    redaction = redact.redaction(source)
    start, end = redaction.position(seg.start), redaction.position(seg.end, end=True)
    row: dict[str, object] = {
        "segment_id": redact.segment_id(seg.segment_id),
        "source_id": redact.ident(seg.source_id),
        "source_file": source.path,
        "locator": source.locator,
        "material": study.material_of_segment.get(seg.segment_id, ""),
        "reference": source_reference(study, seg.segment_id, redact=redact, texts=texts),
        "respondent_id": redact.ident(source.respondent_id),
        "question_id": redact.ident(seg.question_id or ""),
        "speaker_role": seg.speaker_role or "",
        "turn_index": seg.turn_index,
        "start": start,
        "end": end,
        "text": redaction.text[start:end],
    }
    if raw:
        row["speaker"] = seg.speaker or ""
    row.update({attr: source.attributes.get(attr, "") for attr in attributes})
    for family in study.codebook.families:
        mine = [c for c in codings if c.code_id.startswith(family.id + ".")]
        row[f"machine_{family.id}"] = "; ".join(c.code_id for c in mine if c.machine)
        row[f"counted_{family.id}"] = "; ".join(c.code_id for c in mine if c.counted)
        row[f"review_state_{family.id}"] = "; ".join(
            f"{c.code_id}={c.review}" for c in mine if c.review != "unreviewed"
        )
    row["flagged"] = seg.segment_id in study.flagged  # flagged for discussion in the review app
    row["confidence"] = "; ".join(f"{c.code_id}={c.confidence:.2f}" for c in codings if c.machine)
    row["coders"] = "; ".join(sorted({name for c in codings for name in c.coders}))
    return row


ASSIGNMENT_COLUMNS = [
    "segment_id", "respondent_id", "code_id", "label", "family", "material", "reference", "question_id",
    "turn_index", "role", "text", "stance", "confidence", "method", "coder", "codebook_version",
    "model_version", "review_state", "counted",
]


def assignment_rows(study: CodedStudy, *, redact: Redactor, texts: Texts | None = None) -> pd.DataFrame:
    """Long format: one row per (segment, code) and coder, with the code's label, the coded text
    (pseudonymised) and its source, so filtering one code in Excel lists its quotes with their sources;
    plus confidence, provenance, stance and review state."""
    texts = texts or texts_for("da")
    by_key = {(c.segment_id, c.code_id): c for c in study.all_codings}
    described: dict[str, dict[str, object]] = {}

    def where(segment_id: str) -> dict[str, object]:
        if segment_id not in described:
            seg = study.segment_by_id[segment_id]
            source = study.sources[seg.source_id]
            described[segment_id] = {
                "segment_id": redact.segment_id(segment_id),
                "respondent_id": redact.ident(source.respondent_id),
                "material": study.material_of_segment.get(segment_id, ""),
                "reference": source_reference(study, segment_id, redact=redact, texts=texts),
                "question_id": redact.ident(seg.question_id or ""),
                "turn_index": seg.turn_index,
                "role": coarse_role(source.attributes.get("role") or ""),
            }
        return described[segment_id]

    def coded(coding: Coding | None, segment_id: str) -> dict[str, object]:
        seg = study.segment_by_id[segment_id]
        source = study.sources[seg.source_id]
        start, end = (coding.start, coding.end) if coding is not None else (seg.start, seg.end)
        return {"text": redact.span(source, start, end),
                "stance": (coding.stance if coding else None) or "",
                "review_state": coding.review if coding else "",
                "counted": coding.counted if coding else False}

    rows = [
        {
            **where(a.segment_id),
            "code_id": a.code_id,
            "label": study.codebook.code(a.code_id).label,
            "family": a.code_id.split(".", 1)[0],
            **coded(by_key.get((a.segment_id, a.code_id)), a.segment_id),
            "confidence": a.confidence,
            "method": a.method,
            "coder": a.coder,
            "codebook_version": a.codebook_version,
            "model_version": a.model_version or "",
        }
        for a in study.assignments
        if a.segment_id in study.segment_by_id
    ]
    rows += [
        {
            **where(c.segment_id),
            "code_id": c.code_id,
            "label": study.codebook.code(c.code_id).label,
            "family": c.code_id.split(".", 1)[0],
            **coded(c, c.segment_id),
            "confidence": c.confidence,
            "method": "human",
            "coder": c.analyst,
            "codebook_version": "",
            "model_version": "",
        }
        for c in study.all_codings
        if not c.machine
    ]
    return integer_columns(pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS), "turn_index")


def case_code_matrix(study: CodedStudy, *, redact: Redactor, texts: Texts | None = None) -> pd.DataFrame:
    """Cases (respondents and interviews) × codes: how many of a case's coding units carry each code
    (counted codings), like NVivo's framework matrix; a case's material and coarse role first."""
    texts = texts or texts_for("da")
    codes = study.codebook.code_ids
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for material, base in study.bases.items():
        for rid in base:
            counts[(material, rid)] = {}
    for coding in study.codings:
        key = (study.material_of_segment[coding.segment_id], study.respondent_of[coding.segment_id])
        cell = counts.setdefault(key, {})
        cell[coding.code_id] = cell.get(coding.code_id, 0) + 1
    rows = []
    for (material, rid), found in counts.items():
        attributes = study.respondents.get(rid, {})
        rows.append({"case": redact.ident(rid), "material": texts(f"material.{material}"),
                     "role": coarse_role(attributes.get("role") or ""),
                     "size_group": attributes.get("size_group", ""),
                     **{code: found.get(code, 0) for code in codes}})
    return pd.DataFrame(rows, columns=["case", "material", "role", "size_group", *codes])


def memo_rows(study: CodedStudy, *, redact: Redactor, texts: Texts | None = None) -> pd.DataFrame:
    """The memos written in the review app: when, by whom, on which unit and code, with the source.
    Memos on the study as a whole (a journal imported from QualCoder) follow, with no unit: their title is
    their reference. ``study`` is the public view: its memos are pseudonymised there
    (:func:`~hoi_nlp.export.study.public_view`), as the report and the .qdpx show them."""
    texts = texts or texts_for("da")
    memos = study.memos
    rows = [
        {
            "created_at": memo.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            "analyst": memo.analyst,
            "segment_id": redact.segment_id(memo.segment_id),
            "code_id": memo.code_id or "",
            "label": study.codebook.code(memo.code_id).label
            if memo.code_id and study.codebook.has_code(memo.code_id) else "",
            "reference": source_reference(study, memo.segment_id, redact=redact, texts=texts),
            "memo": memo.memo or "",
        }
        for memo in memos
    ]
    rows += [
        {
            "created_at": memo.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            "analyst": memo.analyst,
            "segment_id": "",
            "code_id": "",
            "label": "",
            "reference": texts("memo.study") + (f": {memo.title}" if memo.title else ""),
            "memo": memo.text,
        }
        for memo in study.study_memos
    ]
    return pd.DataFrame(rows, columns=["created_at", "analyst", "segment_id", "code_id", "label", "reference",
                                       "memo"])


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
    return number_columns(pd.DataFrame(rows, columns=["respondent_id", "sources", *attributes]), study)


def frequency_rows(study: CodedStudy, family_id: str, options: ReportSettings | None = None) -> pd.DataFrame:
    """Per code of ``family_id`` and material: respondents mentioning it, the base, the share."""
    return frequency_table(study, family_id, options)


def codebook_rows(codebook: Codebook) -> pd.DataFrame:
    """The codebook as a table (family, id, label, description)."""
    return pd.DataFrame(
        [
            {"family": c.family, "code_id": c.id, "label": c.label, "description": c.description}
            for c in codebook.codes
        ]
    )

"""Resolving a quote id without loading the study: ``hoi quote ID`` answers in well under a second.

Every quote handed out (by ``hoi cite``, ``hoi quotes search`` or an export) is recorded in
``<workspace>/quotes/registry.jsonl``: its id, code, source and offsets, never the original text, and
what it shows once pseudonymised (text, source place, role, code label, file id) with the source's
content hash and the pseudonymisation key's size. While neither changed, a lookup reads that entry,
the source row and the review decisions on the unit, and imports nothing of the language, coding or
privacy pipelines. Otherwise the quote is pseudonymised again through the study's redactor.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hoi_nlp.errors import ExportError
from hoi_nlp.export.lang import Texts, format_place
from hoi_nlp.records import Quote

if TYPE_CHECKING:
    from hoi_nlp.codebook import Codebook
    from hoi_nlp.export.study import CodedStudy
    from hoi_nlp.privacy.redact import KeyRedactor as Redactor
    from hoi_nlp.store import Workspace

REGISTRY = ("quotes", "registry.jsonl")


def registry_path(workspace: Workspace) -> Path:
    """``<workspace>/quotes/registry.jsonl``."""
    return workspace.path(*REGISTRY)


def load_registry(workspace: Workspace) -> dict[str, dict[str, object]]:
    """The recorded quotes by id."""
    path = registry_path(workspace)
    if not path.is_file():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["quote_id"]: r for r in records}


@dataclass(frozen=True)
class ResolvedQuote:
    """Where a quote comes from: code, source, file, reference (question and row, or interview turn),
    offsets, review state, and its text (pseudonymised, and the original for those allowed)."""

    quote_id: str
    code_id: str
    source_id: str
    segment_id: str
    path: str
    locator: str
    start: int
    end: int
    original: str
    review_state: str
    text: str = ""  # the pseudonymised text of the span
    reference: str = ""  # «Interview int07, tur 12» / «Spørgeskema, R012, spm. 1.2_kommentar, række 13»
    label: str = ""  # the code's label
    role: str = ""  # the respondent's coarse role («Kommunaldirektør»)
    original_path: str = ""  # the study file's own name (shown with --original only)
    shown_segment_id: str = ""  # the segment id as a reader without the original sees it
    # The span in the source's redaction (what the pseudonymised text is a slice of; None: not known).
    shown_span: tuple[int, int] | None = None
    stance: str | None = None  # a barrier quote's stance: the analyst's where set, else the machine's


def locate_quote(workspace: Workspace, codebook: Codebook | Callable[[], Codebook], quote_id: str, *,
                 redact: Callable[[], Redactor], texts: Texts | None = None,
                 original: bool = False) -> ResolvedQuote:
    """Find a quote by id reading only what it needs: its registry entry, its one source row and the
    review decisions on its coding unit. No study, coder, codebook or language pipeline is loaded while
    the registry holds what the quote shows and neither the source nor the pseudonymisation key has
    changed since (then it answers in well under a second); otherwise the quote is pseudonymised again
    (``redact()`` is called), and an id missing from the registry is searched in the whole study.
    ``codebook`` may be a function that loads it when needed.
    """
    from hoi_nlp.privacy.key import key_path, load_key
    from hoi_nlp.privacy.redact import OPAQUE_IDS
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import load_sources

    def book() -> Codebook:
        return codebook() if callable(codebook) else codebook

    record = load_registry(workspace).get(quote_id)
    if record is None and not quote_id.startswith("Q-"):
        return locate_segment(workspace, book, quote_id, redact=redact(), texts=texts, original=original)
    if record is None:
        from hoi_nlp.export.dataset import load_coded_study

        found = resolve_quote(load_coded_study(workspace, book()), quote_id, workspace=workspace,
                              redact=redact(), texts=texts)
        return found if original else dataclasses.replace(found, original="", original_path="")
    record = _followed(workspace, record)
    sources = load_sources(workspace, source_ids=[str(record["source_id"])])
    if not sources:
        raise gone(quote_id, record)
    source = sources[0]
    segment_id, code_id = str(record["segment_id"]), str(record["code_id"])
    state = current_state(workspace, segment_ids=[segment_id])
    code = state.codes.get((segment_id, code_id))
    review = ("unreviewed" if code.status == "suggested" else code.status) if code is not None else ""
    stance = _stance(workspace, segment_id, code_id, code.stance if code is not None else None)
    shown = record.get("shown")
    if isinstance(shown, dict) and shown.get("content_hash") == source.content_hash \
            and shown.get("ids") == OPAQUE_IDS \
            and shown.get("key_size") == len(load_key(key_path(workspace), study=workspace.study).originals):
        start, end = int(record["start"]), int(record["end"])  # type: ignore[call-overload]
        reference = format_place(dict(shown.get("place") or {}), texts)
        return ResolvedQuote(
            quote_id=quote_id, code_id=code_id, source_id=source.source_id, segment_id=segment_id,
            path=str(shown.get("file", "")), locator=source.locator or reference, start=start, end=end,
            original=source.text[start:end] if original else "", review_state=review or "ukendt",
            text=str(shown.get("text", "")), reference=reference,
            label=str(shown.get("label", "")), role=str(shown.get("role", "")),
            original_path=source.path if original else "", shown_segment_id=str(shown.get("segment", "")),
            shown_span=_span(shown.get("span")), stance=stance)
    from hoi_nlp.export.study import CodedStudy
    from hoi_nlp.store import load_segments

    segments = load_segments(workspace, segment_ids=[segment_id])
    if not segments:
        raise changed(quote_id, record)
    study = CodedStudy(codebook=book(), sources={source.source_id: source}, segments=segments, assignments=[])
    found = resolved_from(study, quote_id, record, review=review, redact=redact(), texts=texts)
    found = dataclasses.replace(found, stance=stance)
    return found if original else dataclasses.replace(found, original="", original_path="")


def locate_segment(workspace: Workspace, codebook: Callable[[], Codebook], shown_id: str, *,
                   redact: Redactor, texts: Texts | None = None, original: bool = False) -> ResolvedQuote:
    """A segment id as an export shows it (keyed, ``R01:4.1_kommentar:a-3fa2c1d09b``; or the raw id)
    resolved back to its source and span, for those who hold the study."""
    from hoi_nlp.export.study import CodedStudy
    from hoi_nlp.store import load_segments, load_sources, source_moves

    segments = load_segments(workspace)
    ids = [seg.segment_id for seg in segments]
    segment_id = shown_id if shown_id in set(ids) else redact.real_segment_id(shown_id, ids)
    if segment_id is None:
        segment_id = next((sid for sid in ids if redact.ident(sid) == shown_id != sid), None)
    if segment_id is None and (moves := source_moves(workspace)):
        # an id handed out before its source was renamed (a transcript's file, an interview id): the unit
        # is in the study under its source's id now, as the analysts' decisions on it are
        former = {f"{old}:{sid[len(new) + 1:]}": sid for old, new in moves.items() for sid in ids
                  if sid.startswith(new + ":")}
        found = shown_id if shown_id in former else redact.real_segment_id(shown_id, list(former))
        segment_id = former.get(found) if found else None
    if segment_id is None:
        raise _missing_segment(workspace, shown_id, redact, present={seg.source_id for seg in segments})
    seg = next(s for s in segments if s.segment_id == segment_id)
    source = load_sources(workspace, source_ids=[seg.source_id])[0]
    study = CodedStudy(codebook=codebook(), sources={source.source_id: source}, segments=[seg],
                       assignments=[])
    record: dict[str, object] = {"code_id": "", "source_id": seg.source_id, "segment_id": segment_id,
                                 "start": seg.start, "end": seg.end}
    found = resolved_from(study, shown_id, record, review="", redact=redact, texts=texts)
    return found if original else dataclasses.replace(found, original="", original_path="")


def _stance(workspace: Workspace, segment_id: str, code_id: str, analyst: str | None) -> str | None:
    """A barrier coding's stance: the analyst's (``analyst``) where set, else the machine's."""
    from hoi_nlp.records import is_stance_code
    from hoi_nlp.store import load_assignments

    if analyst or not is_stance_code(code_id):
        return analyst
    return next((a.stance for a in load_assignments(workspace, code_id=code_id)
                 if a.segment_id == segment_id and a.stance), None)


def resolve_quote(study: CodedStudy, quote_id: str, *, workspace: Workspace | None = None,
                  redact: Redactor | None = None, texts: Texts | None = None) -> ResolvedQuote:
    """Find a quote by id in a loaded study: in the registry, else among all codings' spans."""
    record = load_registry(workspace).get(quote_id) if workspace is not None else None
    if record is None:
        record = _search_codings(study, quote_id, redact=redact)
    if record is None:
        raise unknown_quote(quote_id, workspace)
    source = study.sources.get(str(record["source_id"]))
    if source is None:
        raise gone(quote_id, record)
    coding = next((c for c in study.all_codings
                   if c.segment_id == record["segment_id"] and c.code_id == record["code_id"]), None)
    found = resolved_from(study, quote_id, record, review=coding.review if coding else "", redact=redact,
                          texts=texts)
    return dataclasses.replace(found, stance=coding.stance if coding is not None else None)


def resolved_from(study: CodedStudy, quote_id: str, record: dict[str, object], *, review: str,
                  redact: Redactor | None, texts: Texts | None = None) -> ResolvedQuote:
    from hoi_nlp.export.quotes import role_label, source_reference

    source = study.sources[str(record["source_id"])]
    start, end = int(record["start"]), int(record["end"])  # type: ignore[call-overload]
    code_id = str(record["code_id"])
    segment_id = str(record["segment_id"])
    shown = redact is not None and not redact.raw
    reference = source_reference(study, segment_id, redact=redact, texts=texts) if redact is not None else ""
    shown_span = None
    if shown and redact is not None:
        redaction = redact.redaction(source)
        shown_span = (redaction.position(start), redaction.position(end, end=True))
    return ResolvedQuote(
        quote_id=quote_id,
        code_id=code_id,
        source_id=source.source_id,
        segment_id=segment_id,
        path=redact.file_id(source.path) if shown and redact is not None else source.path,
        locator=source.locator or reference,
        start=start,
        end=end,
        original=source.text[start:end],
        review_state=review or "ukendt",
        text=redact.span(source, start, end).strip() if redact is not None else "",
        reference=reference,
        label=study.codebook.code(code_id).label if study.codebook.has_code(code_id) else "",
        role=role_label(source),
        original_path=source.path,
        shown_segment_id=redact.segment_id(segment_id) if shown and redact is not None else segment_id,
        shown_span=shown_span,
    )


def _span(value: object) -> tuple[int, int] | None:
    """A ``[start, end]`` pair from a registry entry."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def _search_codings(study: CodedStudy, quote_id: str, *, redact: Redactor | None) -> dict[str, object] | None:
    """A quote id among every coding's spans: as quotes are made now (keyed by the study's secret), or an
    id handed out before they were keyed (an unkeyed hash)."""
    from hoi_nlp.export.quotes import quote_span

    def ids(source_id: str, start: int, end: int, code_id: str) -> set[str]:
        made = {Quote.make_id(source_id, start, end, code_id)}
        return made | {redact.quote_id(source_id, start, end, code_id)} if redact is not None else made

    for coding in study.all_codings:
        seg = study.segment_by_id[coding.segment_id]
        for start, end in {(seg.start, seg.end), (coding.start, coding.end), quote_span(study, coding)}:
            if quote_id in ids(coding.source_id, start, end, coding.code_id):
                return {
                    "code_id": coding.code_id,
                    "source_id": coding.source_id,
                    "segment_id": coding.segment_id,
                    "start": start,
                    "end": end,
                }
    return None


def unknown_quote(quote_id: str, workspace: Workspace | None) -> ExportError:
    """The error for an id no export or citation handed out."""
    return ExportError(
        f"unknown quote or segment id '{quote_id}'",
        path=str(workspace.root) if workspace else None,
        hint="quote ids (and segment ids) come from `hoi cite` or an export of this study",
    )


def _missing_segment(workspace: Workspace, shown_id: str, redact: Redactor, *,
                     present: set[str]) -> ExportError:
    """The error for a segment id not in the study: its source was removed from the study and has not
    come back (known by the source part of the id, as shown or raw; ``present``: the study's sources with
    segments), else an id nobody handed out."""
    from sqlalchemy import select

    from hoi_nlp.store import removed_sources_table

    source_part = shown_id.rpartition(":")[0]
    if source_part:
        with workspace.engine.connect() as conn:
            removed = set(conn.execute(select(removed_sources_table.c.source_id)).scalars()) - present
        if any(source_part in (sid, redact.ident(sid)) for sid in removed):
            return ExportError(
                f"segment '{shown_id}' is from source '{source_part}', which is no longer in the study",
                path=str(workspace.root),
                hint="its file or row left the study folder and a later run removed it; analysts' decisions "
                     "on it stay in the review log and count again if the same text returns")
    return unknown_quote(shown_id, workspace)


def _followed(workspace: Workspace, record: dict[str, object]) -> dict[str, object]:
    """A quote's registry entry with its source, unit and span where the study holds them now: through
    the source's renames and the moves of its unit by corrections of the source since the quote was
    handed out (``registered_at``; an entry from before it was kept follows every move)."""
    from datetime import datetime

    from hoi_nlp.store import whereabouts

    where = whereabouts(workspace)
    if not where.sources and not where.changes:
        return record
    at = record.get("registered_at")
    named_at = datetime.fromisoformat(str(at)) if at else datetime.min
    segment_id, shift = where.now(str(record["segment_id"]), named_at)
    source_id = str(record["source_id"])
    return record | {"source_id": where.sources.get(source_id, source_id), "segment_id": segment_id,
                     "start": int(record["start"]) + shift, "end": int(record["end"]) + shift}  # type: ignore[call-overload]


def changed(quote_id: str, record: dict[str, object]) -> ExportError:
    """The error for a quote whose own words were changed in its source since it was handed out."""
    return ExportError(
        f"quote '{quote_id}': the words it quoted in source '{record['source_id']}' have been changed "
        "since it was handed out (the source was edited)",
        hint=f"cite again: `hoi cite {record['code_id']}` gives the quotes of the source as it is now",
    )


def gone(quote_id: str, record: dict[str, object]) -> ExportError:
    """The error for a quote whose source left the study."""
    return ExportError(
        f"quote '{quote_id}' points to source '{record['source_id']}', which is no longer in the study",
        hint="the study was re-ingested; cite again",
    )

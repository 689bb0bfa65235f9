"""What each ``.qdpx`` export held, kept in the workspace: its import tells what the analyst deleted.

A coding the other tool's file lacks is a rejection only if the file held it. After a ``hoi retrain`` or a
re-coding since the export, the workspace's suggestions are another coder's: the file cannot show a
suggestion made since, and a deletion looks the same as a suggestion the file never held. So the export
records the codings it writes (unit, code, review state, confidence, place), the codebook version and the
coders that made them, under an id it writes into the project's Description
(``[hoi: eksport 0123456789abcdef]``; QualCoder keeps the Description as the project memo and writes it
back). The id is a digest of what the
file shows (the keyed unit ids, never raw ones) and of the review log's length, so exporting the same study
twice gives the same file and the same record, and an export after an undo in the app is another export.
A file without the id (an older export) or with one this workspace has no record of (another workspace's
export) is imported as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from hoi_nlp.records import utcnow

if TYPE_CHECKING:
    from hoi_nlp.store import Workspace

EXPORT_TAG = re.compile(r"\[hoi: eksport ([0-9a-f]{16})\]")


@dataclass(frozen=True)
class ExportRecord:
    """A ``.qdpx`` export as written: its codings ``(unit id, code id, review, confidence, source id, start,
    end)``, start and end in code points of the source's text as the file holds it (a unit of a source
    edited and cut again since has another id: its codings are found by their place)."""

    export_id: str
    codebook_version: str
    coders: tuple[str, ...]
    codings: tuple[tuple[str, str, str, float, str, int, int], ...]
    created_at: datetime | None = None

    @property
    def keys(self) -> frozenset[tuple[str, str]]:
        """The (unit, code) pairs the file held."""
        return frozenset((c[0], c[1]) for c in self.codings)

    def spans(self, source_id: str) -> list[tuple[str, int, int]]:
        """(code id, start, end) of the codings the file held in a source, in the file's text."""
        return [(c[1], c[5], c[6]) for c in self.codings if c[4] == source_id]

    def moved(self, moves: dict[str, str]) -> ExportRecord:
        """The record with its units and sources under the ids they have now: ``moves`` maps a source's id
        when the file was exported to its id now (:func:`hoi_nlp.store.source_moves`; a transcript whose id
        changed in the study's metadata keeps its text, its units' places and its decisions)."""
        from hoi_nlp.store import moved_segment_id

        codings = tuple((moved_segment_id(seg, moves), code, review, confidence, moves.get(src, src), a, b)
                        for seg, code, review, confidence, src, a, b in self.codings)
        return replace(self, codings=codings)


def export_id(shown: Iterable[tuple[str, str, str, str]], codebook_version: str,
              coders: Iterable[str], review_position: int = 0) -> str:
    """The id of an export: a digest of its codings as the file shows them (keyed unit id, code, review,
    confidence with two decimals), its codebook version and coders, and how far the review log had got
    (an export after an undo is another export, even where its codings are those of an earlier one)."""
    payload = json.dumps([sorted(map(list, shown)), codebook_version, sorted(set(coders)), review_position],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def export_tag(export: str) -> str:
    """The mark of an export in the project's Description."""
    return f"[hoi: eksport {export}]"


def tagged_export(description: str) -> str | None:
    """The export id a project's Description names (the last one, should a tool have joined two)."""
    found = EXPORT_TAG.findall(description or "")
    return found[-1] if found else None


def review_position(workspace: Workspace) -> int:
    """How many rows the review log holds (its last sequence number; 0 for none)."""
    from sqlalchemy import func

    from hoi_nlp.review.tables import decisions_table, ensure_review_schema

    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        return int(conn.execute(select(func.max(decisions_table.c.seq))).scalar() or 0)


def record_export(workspace: Workspace, record: ExportRecord) -> None:
    """Keep what an export wrote (once per id: the same id is the same content)."""
    from hoi_nlp.review.tables import ensure_review_schema, qdpx_exports_table

    ensure_review_schema(workspace)
    with workspace.engine.begin() as conn:
        known = conn.execute(select(qdpx_exports_table.c.export_id)
                             .where(qdpx_exports_table.c.export_id == record.export_id)).first()
        if known is None:
            conn.execute(insert(qdpx_exports_table), [{
                "export_id": record.export_id, "created_at": record.created_at or utcnow(),
                "codebook_version": record.codebook_version, "coders": list(record.coders),
                "codings": [list(c) for c in record.codings]}])


def load_export(workspace: Workspace, export: str | None) -> ExportRecord | None:
    """The record of export ``export`` in this workspace, or None (no id, or another workspace's)."""
    from hoi_nlp.review.tables import ensure_review_schema, qdpx_exports_table

    if not export:
        return None
    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        row = conn.execute(select(qdpx_exports_table)
                           .where(qdpx_exports_table.c.export_id == export)).mappings().first()
    if row is None:
        return None
    if any(len(c) != 7 for c in row["codings"]):  # not a record this version can read: import as before
        return None
    codings = tuple((str(s), str(c), str(r), float(v), str(src), int(a), int(b))
                    for s, c, r, v, src, a, b in row["codings"])
    return ExportRecord(row["export_id"], row["codebook_version"], tuple(row["coders"]), codings,
                        row["created_at"])

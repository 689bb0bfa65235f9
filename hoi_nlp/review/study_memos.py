"""Memos on the study as a whole: what NVivo and ATLAS.ti call project memos and QualCoder journals.

A memo in the decision log belongs to a coding unit or a coding; a thought about the study (how the
coding goes, a theme across interviews) belongs to none, and pinning it to some unit would misplace
it. Such memos are kept here, append-only like the log: ``hoi import-qdpx`` brings another tool's
journals in as the importing analyst's, the review app lists them on its journal page (pseudonymised
for a reviewer without original-text rights) and every export carries them, pseudonymised, as the
other memos are (the XLSX memo sheet, the ``.qdpx`` project's notes).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from hoi_nlp.errors import ReviewError
from hoi_nlp.qda import lf_only
from hoi_nlp.records import utcnow
from hoi_nlp.review.tables import ensure_review_schema, study_memos_table
from hoi_nlp.store import Workspace

MAX_TITLE = 200
MAX_TEXT = 20_000


@dataclass(frozen=True)
class StudyMemo:
    """One memo on the study: who wrote it, when, its title (a journal's name) and text, and where it
    came from ("app", or the file it was imported from)."""

    memo_id: str
    analyst: str
    created_at: datetime
    title: str
    text: str
    origin: str = "app"


def new_study_memo(*, analyst: str, text: str, title: str = "", origin: str = "app") -> StudyMemo:
    """A checked memo (not yet stored): a non-empty text, an analyst, lengths within bounds; its line
    breaks LF (a browser sends CRLF, which a spreadsheet shows as "_x000D_"), otherwise as written."""
    text, title, analyst = lf_only(text or "").strip(), (title or "").strip(), (analyst or "").strip()
    if not text:
        raise ReviewError("a study memo needs a text")
    if not analyst:
        raise ReviewError("a study memo needs the analyst who wrote it")
    if len(text) > MAX_TEXT or len(title) > MAX_TITLE:
        raise ReviewError("a study memo is at most {text} characters, its title {title}", text=MAX_TEXT,
                          title=MAX_TITLE)
    return StudyMemo("M-" + uuid.uuid4().hex, analyst[:100], utcnow(), title, text, origin[:300])


def memo_rows(memos: Sequence[StudyMemo]) -> list[dict[str, Any]]:
    """The table rows of ``memos``."""
    return [{"memo_id": m.memo_id, "analyst": m.analyst, "created_at": m.created_at, "title": m.title,
             "text": m.text, "origin": m.origin} for m in memos]


def record_study_memo(workspace: Workspace, *, analyst: str, text: str, title: str = "",
                      origin: str = "app") -> StudyMemo:
    """Append one memo on the study; it is committed when this returns."""
    memo = new_study_memo(analyst=analyst, text=text, title=title, origin=origin)
    ensure_review_schema(workspace)
    with workspace.engine.begin() as conn:
        conn.execute(insert(study_memos_table), memo_rows([memo]))
    return memo


def load_study_memos(workspace: Workspace) -> list[StudyMemo]:
    """The study's memos in the order they were written (with LF line breaks, also those an earlier version
    stored as the browser sent them)."""
    ensure_review_schema(workspace)
    query = select(study_memos_table).order_by(study_memos_table.c.seq)
    with workspace.engine.connect() as conn:
        return [StudyMemo(row.memo_id, row.analyst, row.created_at, row.title, lf_only(row.text), row.origin)
                for row in conn.execute(query)]

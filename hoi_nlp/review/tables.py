"""The review tables in the study's workspace database (created on first use).

``review_decisions`` is an append-only log: rows are inserted, never updated or deleted.
Accounts, sessions, blind rounds and the pseudonymisation cache live beside it, and so does
``review_codebook_changes``: the audit log of the study's codebook versions (also append-only).
"""

from __future__ import annotations

import threading

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from hoi_nlp.store import Key, UtcDateTime, Workspace, create_tables

review_metadata = MetaData()

# Memos on the study as a whole (a project memo, another tool's journal): append-only like the log.
study_memos_table = Table(
    "review_study_memos",
    review_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("memo_id", Key, nullable=False, unique=True),
    Column("analyst", Key, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("origin", Text, nullable=False),  # "app", or the file it was imported from
)

decisions_table = Table(
    "review_decisions",
    review_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", Key, nullable=False, unique=True),
    Column("segment_id", Key, nullable=False),
    Column("code_id", Key),
    Column("action", Key, nullable=False),
    Column("analyst", Key, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("start", Integer),
    Column("end", Integer),
    Column("memo", Text),
    Column("round", Key, nullable=False, default="main"),
    Column("undoes", Key),
    Column("outcome", Key),
    Index("ix_review_decisions_segment", "segment_id"),
    Index("ix_review_decisions_round", "round", "analyst"),
)

users_table = Table(
    "review_users",
    review_metadata,
    Column("username", Key, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Key, nullable=False),
    Column("can_see_original", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
)

sessions_table = Table(
    "review_sessions",
    review_metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", Key, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("ended", Boolean, nullable=False, default=False),
)

rounds_table = Table(
    "review_rounds",
    review_metadata,
    Column("round_id", Key, primary_key=True),
    Column("analysts", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", Key, nullable=False),
)

round_items_table = Table(
    "review_round_items",
    review_metadata,
    Column("round_id", Key, primary_key=True),
    Column("segment_id", Key, primary_key=True),
    Column("position", Integer, nullable=False),
)

round_done_table = Table(
    "review_round_done",
    review_metadata,
    Column("round_id", Key, primary_key=True),
    Column("analyst", Key, primary_key=True),
    Column("finished_at", UtcDateTime, nullable=False),
)

# A round nobody can finish is cancelled by a row here (append-only; its decisions stay in the log).
round_cancelled_table = Table(
    "review_round_cancelled",
    review_metadata,
    Column("round_id", Key, primary_key=True),
    Column("cancelled_by", Key, nullable=False),
    Column("cancelled_at", UtcDateTime, nullable=False),
    Column("reason", Text),
)

# Failed logins per username ("user:anna") and per client address ("addr:10.0.0.7"): the back-off
# survives a restart of the app.
login_failures_table = Table(
    "review_login_failures",
    review_metadata,
    Column("key", Key, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
)

codebook_changes_table = Table(
    "review_codebook_changes",
    review_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("action", Key, nullable=False),
    Column("analyst", Key, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("code_id", Key),
    Column("target", Key),
    Column("detail", JSON, nullable=False),
    Column("renames", JSON, nullable=False),
    Column("path", Key, nullable=False),
    Column("version_tag", Key, nullable=False),
)

# Each .qdpx export's machine and analyst codings (what the file held when it was written), by the export's id
# (``[hoi: eksport ID]`` in the project's Description): an import tells a coding deleted in the other tool
# from a suggestion made since, by a retrained coder or a re-coding (insert only).
qdpx_exports_table = Table(
    "review_qdpx_exports",
    review_metadata,
    Column("export_id", Key, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("codebook_version", Key, nullable=False),
    Column("coders", JSON, nullable=False),
    Column("codings", JSON, nullable=False),  # [[unit, code, review, confidence, source, start, end], ...]
)

_created: set[str] = set()
_lock = threading.Lock()


def ensure_review_schema(workspace: Workspace) -> None:
    """Create the review tables in ``workspace`` if they do not exist (once per process and database)."""
    url = str(workspace.engine.url)
    with _lock:
        if url in _created:
            return
        create_tables(review_metadata, workspace.engine)
        _created.add(url)

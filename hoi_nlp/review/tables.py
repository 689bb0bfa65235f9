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
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from hoi_nlp.store import Workspace, create_tables

review_metadata = MetaData()

decisions_table = Table(
    "review_decisions",
    review_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", String(40), nullable=False, unique=True),
    Column("segment_id", String(300), nullable=False),
    Column("code_id", String(200)),
    Column("action", String(20), nullable=False),
    Column("analyst", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("start", Integer),
    Column("end", Integer),
    Column("memo", Text),
    Column("round", String(100), nullable=False, default="main"),
    Column("undoes", String(40)),
    Column("outcome", String(20)),
    Index("ix_review_decisions_segment", "segment_id"),
    Index("ix_review_decisions_round", "round", "analyst"),
)

users_table = Table(
    "review_users",
    review_metadata,
    Column("username", String(100), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("can_see_original", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sessions_table = Table(
    "review_sessions",
    review_metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(100), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("ended", Boolean, nullable=False, default=False),
)

rounds_table = Table(
    "review_rounds",
    review_metadata,
    Column("round_id", String(100), primary_key=True),
    Column("analysts", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
)

round_items_table = Table(
    "review_round_items",
    review_metadata,
    Column("round_id", String(100), primary_key=True),
    Column("segment_id", String(300), primary_key=True),
    Column("position", Integer, nullable=False),
)

round_done_table = Table(
    "review_round_done",
    review_metadata,
    Column("round_id", String(100), primary_key=True),
    Column("analyst", String(100), primary_key=True),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)

codebook_changes_table = Table(
    "review_codebook_changes",
    review_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("action", String(20), nullable=False),
    Column("analyst", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("code_id", String(200)),
    Column("target", String(200)),
    Column("detail", JSON, nullable=False),
    Column("renames", JSON, nullable=False),
    Column("path", String(300), nullable=False),
    Column("version_tag", String(200), nullable=False),
)

_created: set[str] = set()
_lock = threading.Lock()


def ensure_review_schema(workspace: Workspace) -> None:
    """Create the review tables in ``workspace`` if they do not exist (once per process and database)."""
    url = str(workspace.engine.url)
    with _lock:
        if url in _created:
            return
        create_tables(workspace.engine, review_metadata)
        _created.add(url)

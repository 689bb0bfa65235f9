"""The study workspace: one folder per study with a SQL database and derived files.

``outputs/<study>/`` holds ``hoi.db`` (SQLite in WAL mode; or PostgreSQL through
``HOI_DATABASE_URL=postgresql+psycopg://…``, one database per study), ``parquet/``, ``exports/``,
``cache/`` (embeddings), ``keys/`` (pseudonymisation keys, owner-only) and ``prefect/``
(PREFECT_HOME for flow runs).

The SQL is portable between SQLite and PostgreSQL: identifiers are unbounded strings compared
byte-wise (``COLLATE "C"`` on PostgreSQL, SQLite's default), so rows sort the same whatever the
server's locale; times are stored as UTC and read back as naive UTC on both; JSON columns are
never sorted or compared in SQL; concurrent writers of the same key use ``ON CONFLICT`` upserts.
A missing driver, a refused connection or wrong credentials raise one :class:`WorkspaceError`
naming ``HOI_DATABASE_URL`` (password hidden) after a connect timeout of a few seconds.

Writes are idempotent: sources are keyed by their logical identity (respondent and question,
or interview) and carry a content hash; re-ingesting the same files changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import SequenceMatcher
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, make_url

from hoi_nlp.errors import WorkspaceError
from hoi_nlp.records import CodeAssignment, Evidence, Segment, Source, utcnow

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "HOI_DATABASE_URL"
#: Marks a workspace folder whose database is on a server (a SQLite workspace has its hoi.db).
SERVER_MARKER = ".hoi-workspace"
CONNECT_TIMEOUT_S = 5

#: Identifiers and labels (ids, codes, names, versions): unbounded, because PostgreSQL enforces
#: VARCHAR lengths where SQLite does not, and compared byte-wise on PostgreSQL (``COLLATE "C"``,
#: SQLite's BINARY) so that ORDER BY gives the same order on both whatever the server's locale.
Key = String().with_variant(String(collation="C"), "postgresql")


class UtcDateTime(TypeDecorator):  # type: ignore[type-arg]
    """A point in time stored as UTC and read back as naive UTC on every backend.

    SQLite keeps no time zone and returns naive values; PostgreSQL's ``timestamptz`` returns
    aware values in the session's time zone. Both now read the same, naive UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        utc = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value


metadata = MetaData()

sources_table = Table(
    "sources", metadata,
    Column("source_id", Key, primary_key=True),
    Column("study", Key, nullable=False),
    Column("kind", Key, nullable=False),
    Column("path", Text, nullable=False),
    Column("locator", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("respondent_id", Key, nullable=False),
    Column("question_id", Key),
    Column("attributes", JSON, nullable=False),
    Column("ingested_at", UtcDateTime, nullable=False),
)

segments_table = Table(
    "segments", metadata,
    Column("segment_id", Key, primary_key=True),
    Column("source_id", Key, ForeignKey("sources.source_id", ondelete="CASCADE"), nullable=False),
    Column("kind", Key, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("codable", Boolean, nullable=False),
    Column("parent_id", Key),
    Column("question_id", Key),
    Column("speaker", Key),
    Column("speaker_role", Key),
    Column("turn_index", Integer),
    Column("timestamp", Key),
    Index("ix_segments_source", "source_id"),
)

# what each source's segments were cut with (``hoi_nlp.segment.segmentation_key``): the rules' version,
# the settings and a transcript's speaker metadata; a source whose key differs is cut again
segmentations_table = Table(
    "segmentations", metadata,
    Column("source_id", Key, ForeignKey("sources.source_id", ondelete="CASCADE"), primary_key=True),
    Column("segmentation_key", String(64), nullable=False),
)

assignments_table = Table(
    "assignments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("segment_id", Key, ForeignKey("segments.segment_id", ondelete="CASCADE"), nullable=False),
    Column("code_id", Key, nullable=False),
    Column("method", Key, nullable=False),
    Column("coder", Key, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("codebook_version", Key, nullable=False),
    Column("model_version", Key),
    Column("evidence", JSON, nullable=False),
    Column("components", JSON, nullable=False),
    Column("stance", Key),
    Column("tier", Key, nullable=False, server_default="suggested"),
    Column("run_id", Key),
    UniqueConstraint("segment_id", "code_id", "coder", name="uq_assignment"),
    Index("ix_assignments_code", "code_id"),
)

runs_table = Table(
    "runs", metadata,
    Column("run_id", Key, primary_key=True),
    Column("stage", Key, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("params", JSON, nullable=False),
    Column("summary", JSON),
)

# Sources removed because their file or row left the study folder (their text's hash, to know them if
# the same text comes back under another id), and the moves so found: a renamed transcript, a changed
# interview or question id. Both append-only; analysts' decisions follow a move.
removed_sources_table = Table(
    "removed_sources", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("source_id", Key, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("removed_at", UtcDateTime, nullable=False),
)

source_moves_table = Table(
    "source_moves", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("old_source_id", Key, nullable=False),
    Column("new_source_id", Key, nullable=False),
    Column("moved_at", UtcDateTime, nullable=False),
)

# The coding units of a changed source whose own words are unchanged (a typo corrected in an earlier turn
# shifts every later turn): the id then, the id their place in the new text gives, the shift of their
# offsets (0: the unit stays where it was) and that place (kind, start, end: where the units stand until
# the source is cut again). Append-only. A move applies to the decisions made before it (``moved_at``):
# a unit that later takes a moved unit's old id keeps its own decisions.
unit_moves_table = Table(
    "unit_moves", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("old_segment_id", Key, nullable=False),
    Column("new_segment_id", Key, nullable=False),
    Column("shift", Integer, nullable=False),
    Column("moved_at", UtcDateTime, nullable=False),
    Column("kind", Key),
    Column("start", Integer),
    Column("end", Integer),
    Index("ix_unit_moves_old", "old_segment_id"),
    Index("ix_unit_moves_new", "new_segment_id"),
)

# the batches an older hoi_nlp marked done (read to adopt them, see CodingLedger; not written since)
ledger_table = Table(
    "batch_ledger", metadata,
    Column("stage", Key, primary_key=True),
    Column("batch_key", String(64), primary_key=True),
    Column("done_at", UtcDateTime, nullable=False),
)

# the sources whose coding units are coded, per coder/model/codebook stage (CodingLedger)
coded_sources_table = Table(
    "coded_sources", metadata,
    Column("stage", Key, primary_key=True),
    Column("source_id", Key, primary_key=True),
    Column("units_key", String(64), nullable=False),
    Column("done_at", UtcDateTime, nullable=False),
)

# Counters that each writer of a kind of study data raises in the transaction that changes it, so that a
# reader holding a copy (the review app's units) learns whether it is still current from one row, instead
# of a scan of the data; and marks of one-time work done on the workspace (``stale_coding_tidied``).
change_counts_table = Table(
    "change_counts", metadata,
    Column("name", Key, primary_key=True),
    Column("count", Integer, nullable=False),
)

#: The counter of the study's sources and segments (added, changed, removed).
UNITS_COUNTER = "units"
#: The counter of the machine's assignments (units coded again, codes renamed or merged, stale ones removed).
ASSIGNMENTS_COUNTER = "assignments"


def _enable_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - driver hook
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


# ---------------------------------------------------------------- opening the database

_LIBPQ_DRIVERS = frozenset({"psycopg", "psycopg2", "psycopg2cffi"})
_shared_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (also when it does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (sa_exc.ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _url_label(url: str) -> str:
    setting = os.environ.get(DATABASE_URL_ENV) or ""
    from_env = setting == url or ("{study}" in setting and url.startswith(setting.split("{study}")[0]))
    return f"{DATABASE_URL_ENV if from_env else 'the database URL'}={masked_url(url)}"


def _driver_hint(url: URL) -> str:
    if url.get_backend_name() == "postgresql":
        return ("install the PostgreSQL driver with: pip install 'hoi-nlp[postgres]' and use "
                "postgresql+psycopg://user:password@host:5432/study")
    return f"install the Python driver '{url.get_driver_name()}' or use another SQLAlchemy URL"


def _create_engine(raw_url: str) -> Engine:
    """An engine for ``raw_url``; a bad URL or a missing or async driver is a :class:`WorkspaceError`."""
    label = _url_label(raw_url)
    try:
        url = make_url(raw_url)
    except (sa_exc.ArgumentError, ValueError):
        raise WorkspaceError("not a database URL", path=label,
                             hint="e.g. postgresql+psycopg://user:password@host:5432/study") from None
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        options["pool_pre_ping"] = True  # a restarted server or a dropped idle connection is reconnected
        if url.get_driver_name() in _LIBPQ_DRIVERS:
            if "connect_timeout" not in url.query:
                connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
            connect_args.setdefault("application_name", "hoi_nlp")
            if "options" not in url.query:
                connect_args["options"] = "-c TimeZone=UTC"
    try:
        engine = create_engine(url, connect_args=connect_args, **options)
    except sa_exc.NoSuchModuleError:
        raise WorkspaceError(f"unknown database kind '{url.drivername}'", path=label,
                             hint="use sqlite:///path/hoi.db or postgresql+psycopg://…") from None
    except ImportError as exc:
        raise WorkspaceError(f"the database driver '{url.get_driver_name()}' is not installed "
                             f"(no module named '{getattr(exc, 'name', None) or url.get_driver_name()}')",
                             path=label, hint=_driver_hint(url)) from None
    if engine.dialect.is_async:
        engine.dispose()
        raise WorkspaceError(f"'{url.get_driver_name()}' is an asyncio driver; the study database needs a "
                             "synchronous one", path=label,
                             hint=("use postgresql+psycopg://… (pip install 'hoi-nlp[postgres]'); "
                                   "asyncpg is for Prefect's own database"))
    if url.get_backend_name() == "sqlite":
        _enable_sqlite_pragmas(engine)
    return engine


def _connection_error(raw_url: str, exc: BaseException) -> WorkspaceError:
    """One line for a failed connection: the driver's reason, the URL without password, a hint."""
    original = getattr(exc, "orig", None) or exc
    reason = " ".join(str(original).split()) or type(original).__name__
    password = make_url(raw_url).password if "://" in raw_url else None
    if password and len(str(password)) >= 3:
        reason = reason.replace(str(password), "***")
    lowered = reason.lower()
    if "password authentication failed" in lowered or "authentication failed" in lowered \
            or "no password supplied" in lowered:
        hint = "check the user name and password in the URL"
    elif "does not exist" in lowered and "database" in lowered:
        hint = "create the database first (one per study), e.g. createdb -O USER STUDY"
    elif any(word in lowered for word in ("refused", "timeout", "timed out", "resolve", "translate")):
        hint = "is the PostgreSQL server running and reachable at that host and port?"
    else:
        hint = "check the server, the URL and the user's rights"
    verb = "connect to" if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) else "use"
    return WorkspaceError(f"cannot {verb} the study database: {reason}", path=_url_label(raw_url), hint=hint)


def shared_engine(raw_url: str) -> Engine:
    """One engine (and connection pool) per server URL in this process; SQLite files get their own."""
    if raw_url.startswith("sqlite"):
        return _create_engine(raw_url)
    with _engines_lock:
        engine = _shared_engines.get(raw_url)
        if engine is None:
            engine = _shared_engines[raw_url] = _create_engine(raw_url)
        return engine


def close_shared_engine(raw_url: str) -> None:
    """Close the pooled connections to ``raw_url`` (e.g. before its database is dropped)."""
    with _engines_lock:
        engine = _shared_engines.pop(raw_url, None)
    if engine is not None:
        engine.dispose()


def create_tables(meta: MetaData, engine: Engine) -> None:
    """Create ``meta``'s missing tables, and add columns added since a workspace was made (its data
    stays); concurrent processes on one PostgreSQL database take turns."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x484F49})  # "HOI"
        meta.create_all(conn)
        _add_missing_columns(conn, meta)


def _add_missing_columns(conn: Connection, meta: MetaData) -> None:
    inspector = inspect(conn)
    for table in meta.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            column_type = column.type.compile(dialect=conn.dialect)
            default = f" DEFAULT '{column.server_default.arg}'" if column.server_default is not None else ""
            conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {column_type}{default}'))
            logger.info("added column %s.%s to an existing workspace", table.name, column.name)


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, keys: Sequence[str],
           replace: bool = True) -> None:
    """Insert ``rows``; a row whose ``keys`` exist already replaces it (``replace=False``: is skipped).

    ``INSERT … ON CONFLICT`` on PostgreSQL and SQLite, so concurrent writers of the same key do not
    fail (on PostgreSQL a delete-then-insert races: both deletes see nothing, one insert fails).
    """
    if not rows:
        return
    name = conn.dialect.name
    if name in ("postgresql", "sqlite"):
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statement = dialect_insert(table)
        others = [c.name for c in table.columns if c.name not in keys and c.name in rows[0]]
        statement = (statement.on_conflict_do_update(index_elements=list(keys),
                                                     set_={c: statement.excluded[c] for c in others})
                     if others and replace else statement.on_conflict_do_nothing(index_elements=list(keys)))
        conn.execute(statement, list(rows))
        return
    for row in rows:
        existing = delete(table) if replace else select(*[table.c[k] for k in keys])
        found = conn.execute(existing.where(*[table.c[k] == row[k] for k in keys]))
        if replace or found.first() is None:
            conn.execute(insert(table), [row])


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
DB_FILES = ("hoi.db", "hoi.db-wal", "hoi.db-shm", "hoi.db-journal")


def make_private(root: Path, sqlite: bool = True) -> None:
    """Create ``root`` (mode 0700) and its SQLite database file (0600) before SQLite opens it.

    The database holds the raw texts and the analysts' password hashes: only its owner may read
    it. SQLite gives the WAL and shared-memory files the database file's mode. A workspace made
    by an older version (0755 folder, 0644 database) is made private on its next open.
    """
    root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _chmod(root, PRIVATE_DIR)
    if not sqlite:
        return
    database = root / "hoi.db"
    if not database.exists():
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    for name in DB_FILES:
        if (root / name).exists():
            _chmod(root / name, PRIVATE_FILE)


def _chmod(path: Path, mode: int) -> None:
    """Set ``path``'s mode when it differs (a folder owned by someone else is left as it is)."""
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
            logger.info("made %s private (mode %o)", path, mode)
    except OSError as exc:  # pragma: no cover - not the owner
        logger.warning("could not make %s private: %s", path, exc)


@dataclass
class Workspace:
    """A study's workspace folder and database."""

    root: Path
    study: str
    db_url: str | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def open(cls, root: str | Path, *, study: str | None = None, db_url: str | None = None,
             create: bool = True) -> Workspace:
        """Open (and by default create) the workspace at ``root``.

        The database is ``<root>/hoi.db`` (SQLite) unless ``db_url`` or the ``HOI_DATABASE_URL``
        environment variable gives another SQLAlchemy URL (PostgreSQL: ``postgresql+psycopg://…``);
        ``{study}`` in it is replaced by the study's name (one database per study).
        Raises :class:`WorkspaceError` when the database cannot be reached, naming the URL without
        its password. The folder is private to its owner (0700) and the database file too (0600):
        see :func:`make_private`.
        """
        root = Path(root).resolve()
        db_url = db_url or os.environ.get(DATABASE_URL_ENV) or None
        if db_url is not None and "{study}" in db_url:  # one database per study from one setting
            db_url = db_url.replace("{study}", quote(study or root.name, safe=""))
        if not create and not (root / "hoi.db").exists() and db_url is None:
            raise WorkspaceError("no study database here", path=str(root),
                                 hint="run `hoi run STUDY_DIR` (or `hoi ingest`) first")
        make_private(root, db_url is None)
        workspace = cls(root=root, study=study or root.name, db_url=db_url)
        if not create and db_url is not None and not workspace.has_tables():
            raise WorkspaceError("the study database is empty", path=_url_label(db_url),
                                 hint="run `hoi run STUDY_DIR` (or `hoi ingest`) first")
        root.mkdir(parents=True, exist_ok=True)
        workspace.create_schema()
        if db_url is not None and not (root / SERVER_MARKER).exists():
            (root / SERVER_MARKER).write_text(
                f"The study database of this workspace is {masked_url(db_url)} ({DATABASE_URL_ENV}).\n",
                encoding="utf-8")
        return workspace

    @staticmethod
    def is_workspace_dir(path: str | Path) -> bool:
        """Whether ``path`` is a workspace folder (SQLite's ``hoi.db`` or a server database's marker)."""
        return (Path(path) / "hoi.db").exists() or (Path(path) / SERVER_MARKER).exists()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (created on first use; shared per server URL in a process)."""
        if self._engine is None:
            self._engine = shared_engine(self.db_url) if self.db_url else \
                _create_engine(f"sqlite:///{self.root / 'hoi.db'}")
        return self._engine

    def _connected(self, action: Any) -> Any:
        try:
            return action()
        except sa_exc.DBAPIError as exc:
            if self.db_url is None:
                raise
            raise _connection_error(self.db_url, exc) from None

    def has_tables(self) -> bool:
        """Whether the study tables exist in the database."""
        from sqlalchemy import inspect

        return bool(self._connected(lambda: inspect(self.engine).has_table(sources_table.name)))

    def create_schema(self) -> None:
        """Create all tables that do not exist yet, and columns added since a workspace was made."""
        self._connected(lambda: create_tables(metadata, self.engine))

    def path(self, *parts: str) -> Path:
        """A path inside the workspace; parent folders are created."""
        target = self.root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        return target

    @property
    def exports_dir(self) -> Path:
        """Folder for exported files."""
        return self.path("exports", ".keep").parent

    @property
    def cache_dir(self) -> Path:
        """Folder for caches (embeddings, NLP features)."""
        return self.path("cache", ".keep").parent

    @property
    def coder_model_dir(self) -> Path:
        """Where the study's retrained coder lives (``<workspace>/models/coder``; may not exist)."""
        return self.root / "models" / "coder"

    @property
    def keys_dir(self) -> Path:
        """Folder for pseudonymisation keys (owner-only)."""
        folder = self.path("keys", ".keep").parent
        folder.chmod(0o700)
        return folder


# ---------------------------------------------------------------- sources and segments

def _source_row(source: Source) -> dict[str, Any]:
    row = source.model_dump()
    row["ingested_at"] = utcnow()
    return row


def save_sources(workspace: Workspace, sources: Iterable[Source]) -> dict[str, int]:
    """Insert new sources, replace changed ones (and their segments), skip unchanged ones.

    A source whose text is unchanged but whose attributes or locator changed (e.g. a corrected
    municipality in the metadata sidecar) is updated in place and keeps its segments.
    Returns counts ``{"new": n, "changed": n, "unchanged": n}``.
    """
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    columns = (sources_table.c.source_id, sources_table.c.content_hash, sources_table.c.attributes,
               sources_table.c.locator, sources_table.c.path)
    with workspace.engine.begin() as conn:
        known = {row[0]: row[1:] for row in conn.execute(select(*columns)).all()}
        for source in sources:
            previous = known.get(source.source_id)
            if previous is not None and previous[0] == source.content_hash:
                if tuple(previous[1:]) != (source.attributes, source.locator, source.path):
                    conn.execute(update(sources_table).where(sources_table.c.source_id == source.source_id)
                                 .values(attributes=source.attributes, locator=source.locator,
                                         path=source.path, ingested_at=utcnow()))  # stored anew
                    counts["changed"] += 1
                else:
                    counts["unchanged"] += 1
                continue
            if previous is not None:
                _record_unit_moves(conn, source.source_id, source.text)
                _delete_source(conn, source.source_id)
                counts["changed"] += 1
            else:
                counts["new"] += 1
            conn.execute(insert(sources_table), [_source_row(source)])
            known[source.source_id] = (source.content_hash, source.attributes, source.locator, source.path)
        if counts["new"] or counts["changed"]:
            count_change(conn, UNITS_COUNTER)
    return counts


def _record_unit_moves(conn: Connection, source_id: str, new_text: str) -> None:
    """Before a changed source's units are deleted: each coding unit whose words the source's ``new_text``
    keeps (see :func:`unchanged_blocks`), or that was moved whole elsewhere (see :func:`_relocation`), is
    recorded at the place it has there, so that the decisions made on it so far follow it when it moved.
    A unit whose own words changed is not: its decisions stay in the log. A source changed again before
    it was cut again has the places its last change recorded."""
    source = sources_table.c.source_id == source_id
    old_text = conn.execute(select(sources_table.c.text).where(source)).scalar()
    units = _units_of(conn, source_id)
    if not units or old_text is None:
        return
    blocks = unchanged_blocks(old_text, new_text)
    now = utcnow()
    rows = []
    for segment_id, kind, start, end in units:
        shift = next((new - old for old, new, size in blocks if old <= start and end <= old + size), None)
        if shift is None:
            shift = _relocation(old_text, new_text, start, end)
        if shift is not None:  # None: its own words changed
            rows.append({"old_segment_id": segment_id, "shift": shift, "moved_at": now, "kind": kind,
                         "start": start + shift, "end": end + shift,
                         "new_segment_id": Segment.make_id(source_id, kind, start + shift, end + shift)})
    if rows:
        conn.execute(insert(unit_moves_table), rows)


def _relocation(old_text: str, new_text: str, start: int, end: int) -> int | None:
    """The shift of a unit moved elsewhere in its source (two answers swapped, a turn put back where it
    was said): its words, long enough to be one statement, stand once in the old text and once in the
    new. ``None`` when they changed, or are too short or repeated to tell which copy is which."""
    words = old_text[start:end]
    if len(words.strip()) < _RELOCATED_LENGTH or old_text.count(words) != 1 or new_text.count(words) != 1:
        return None
    return new_text.index(words) - start


_RELOCATED_LENGTH = 30  # characters a unit needs to be followed by its words alone


def _units_of(conn: Connection, source_id: str) -> list[tuple[str, str, int, int]]:
    """A source's coding units (id, kind, start, end): as it is cut, or, where a change since has not
    been cut yet, at the places that change recorded (see :func:`_record_unit_moves`)."""
    cut = conn.execute(select(segments_table.c.segment_id, segments_table.c.kind, segments_table.c.start,
                              segments_table.c.end).where(segments_table.c.source_id == source_id,
                                                          segments_table.c.codable.is_(True))).all()
    if cut:
        return [tuple(row) for row in cut]  # type: ignore[misc]
    moves = unit_moves_table.c
    mine = moves.new_segment_id.startswith(source_id + ":", autoescape=True)
    last = conn.execute(select(func.max(moves.moved_at)).where(mine)).scalar()
    if last is None:
        return []
    rows = conn.execute(select(moves.new_segment_id, moves.kind, moves.start, moves.end)
                        .where(mine, moves.moved_at == last, moves.kind.is_not(None))).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def unchanged_blocks(old: str, new: str) -> list[tuple[int, int, int]]:
    """``(offset in old, offset in new, length)`` of the stretches two versions of a text share, in
    order: difflib's longest matching blocks of whole lines, and within each run of changed lines their
    common beginning and end and the blocks of characters between (so a sentence after a corrected word
    in the same paragraph is found too)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_at = list(accumulate(map(len, old_lines), initial=0))
    new_at = list(accumulate(map(len, new_lines), initial=0))
    blocks: list[tuple[int, int, int]] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            blocks.append((old_at[a0], new_at[b0], old_at[a1] - old_at[a0]))
        elif tag == "replace":
            blocks += _changed_run_blocks(old, new, old_at[a0], old_at[a1], new_at[b0], new_at[b1])
    return blocks


def _changed_run_blocks(old: str, new: str, a0: int, a1: int, b0: int, b1: int) -> list[tuple[int, int, int]]:
    """The blocks ``old[a0:a1]`` and ``new[b0:b1]`` share: their common beginning and end, and between
    them difflib's matching characters where both middles are short enough to compare (quadratic)."""
    a, b = old[a0:a1], new[b0:b1]
    head = len(os.path.commonprefix([a, b]))
    tail = len(os.path.commonprefix([a[head:][::-1], b[head:][::-1]]))
    blocks = [(a0, b0, head)] if head else []
    a_mid, b_mid = a[head:len(a) - tail], b[head:len(b) - tail]
    if a_mid and b_mid and max(len(a_mid), len(b_mid)) <= _CHAR_DIFF_LIMIT:
        chars = SequenceMatcher(None, a_mid, b_mid, autojunk=False).get_matching_blocks()
        blocks += [(a0 + head + i, b0 + head + j, size) for i, j, size in chars if size]
    if tail:
        blocks.append((a1 - tail, b1 - tail, tail))
    return blocks


_CHAR_DIFF_LIMIT = 5_000  # characters between a changed run's common beginning and end compared one by one


def _delete_source(conn: Any, source_id: str) -> None:
    _delete_segments(conn, source_id)
    conn.execute(delete(sources_table).where(sources_table.c.source_id == source_id))


def _delete_segments(conn: Any, source_id: str) -> None:
    """Delete a source's segments with their machine codes, coding marks and the key they were cut with."""
    segment_ids = select(segments_table.c.segment_id).where(segments_table.c.source_id == source_id)
    if conn.execute(segment_ids.limit(1)).first() is not None:
        # the source's codes are deleted here, so it is coded under no stage any more -- else the same
        # text back later (a respondent who returns, an edit undone) is skipped, left without codes. An
        # older hoi's batch marks say nothing of which segments they held: none is adoptable any more.
        conn.execute(delete(coded_sources_table).where(coded_sources_table.c.source_id == source_id))
        conn.execute(delete(ledger_table))
    conn.execute(delete(assignments_table).where(assignments_table.c.segment_id.in_(segment_ids)))
    count_change(conn, ASSIGNMENTS_COUNTER)
    conn.execute(delete(segments_table).where(segments_table.c.source_id == source_id))
    conn.execute(delete(segmentations_table).where(segmentations_table.c.source_id == source_id))


def source_files(workspace: Workspace, *, study: str | Sequence[str]) -> dict[str, str]:
    """``{source id: file path}`` of the sources ingested from ``study``'s folder (or any of several
    names the same study was ingested under)."""
    names = [study] if isinstance(study, str) else list(study)
    query = select(sources_table.c.source_id, sources_table.c.path).where(sources_table.c.study.in_(names))
    with workspace.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(query).all()}


def stored_study_names(workspace: Workspace, source_ids: Sequence[str]) -> set[str]:
    """The study names the stored sources among ``source_ids`` were ingested under."""
    ids = list(source_ids)
    names: set[str] = set()
    with workspace.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            query = select(sources_table.c.study).where(
                sources_table.c.source_id.in_(ids[start:start + 500])).distinct()
            names.update(row[0] for row in conn.execute(query).all())
    return names


def remove_sources(workspace: Workspace, source_ids: Sequence[str]) -> None:
    """Remove sources with their segments and machine codes, in one transaction, remembering each
    one's text hash (analysts' decisions are an append-only log and stay)."""
    with workspace.engine.begin() as conn:
        hashes = dict(conn.execute(select(sources_table.c.source_id, sources_table.c.content_hash)
                                   .where(sources_table.c.source_id.in_(list(source_ids)))).all())
        for source_id in source_ids:
            _delete_source(conn, source_id)
        if hashes:
            conn.execute(insert(removed_sources_table), [
                {"source_id": sid, "content_hash": digest, "removed_at": utcnow()}
                for sid, digest in hashes.items()])
            count_change(conn, UNITS_COUNTER)


def link_moved_sources(workspace: Workspace, new_ids: Sequence[str]) -> dict[str, str]:
    """``{old id: new id}`` for each of ``new_ids`` whose text is that of exactly one source removed
    before (and not yet moved): recorded, so that analysts' decisions follow the renamed source."""
    if not new_ids:
        return {}
    with workspace.engine.begin() as conn:
        new_hashes = dict(conn.execute(select(sources_table.c.source_id, sources_table.c.content_hash)
                                       .where(sources_table.c.source_id.in_(list(new_ids)))).all())
        moved_at: dict[str, Any] = {}  # each old id's last move: a removal before it was followed already
        moves = select(source_moves_table.c.old_source_id, source_moves_table.c.moved_at)
        for old, at in conn.execute(moves):
            moved_at[old] = max(moved_at.get(old, at), at)
        removed: dict[str, set[str]] = {}
        for sid, digest, at in conn.execute(select(removed_sources_table.c.source_id,
                                                   removed_sources_table.c.content_hash,
                                                   removed_sources_table.c.removed_at)).all():
            if sid not in new_hashes and not (sid in moved_at and moved_at[sid] >= at):
                removed.setdefault(digest, set()).add(sid)
        by_hash: dict[str, list[str]] = {}
        for sid, digest in new_hashes.items():
            by_hash.setdefault(digest, []).append(sid)
        moves = {next(iter(removed[digest])): ids[0] for digest, ids in by_hash.items()
                 if len(ids) == 1 and len(removed.get(digest, ())) == 1}
        if moves:
            conn.execute(insert(source_moves_table), [
                {"old_source_id": old, "new_source_id": new, "moved_at": utcnow()}
                for old, new in moves.items()])
    return moves


def source_moves(workspace: Workspace) -> dict[str, str]:
    """Every moved source's id -> the id its text has now (chains followed)."""
    with workspace.engine.connect() as conn:
        return source_moves_in(conn)


def source_moves_in(conn: Connection) -> dict[str, str]:
    """:func:`source_moves` read on an open connection."""
    query = select(source_moves_table.c.old_source_id, source_moves_table.c.new_source_id).order_by(
        source_moves_table.c.seq)
    return compose_renames(conn.execute(query).all())


def compose_renames(steps: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Rename steps ``(old, new)`` in order composed into one map from every old id to its id now
    (chains followed; an id renamed back to itself drops out)."""
    now: dict[str, str] = {}
    for old, new in steps:
        for key, value in list(now.items()):
            if value == old:
                now[key] = new
        now[old] = new
    return {old: new for old, new in now.items() if old != new}


@dataclass(frozen=True)
class Whereabouts:
    """Where the unit a decision (or a review round) named stands now: under its source's id now
    (``sources``, renames: always) and, for each change of its source after it was named, where the
    change moved it (``changes``: per source, each change's time and ``{old id: (new id, shift)}`` of the
    units it moved, see :func:`_record_unit_moves`; ids under the sources' ids now)."""

    sources: dict[str, str]
    changes: dict[str, list[tuple[datetime, dict[str, tuple[str, int]]]]] = field(default_factory=dict)

    def now(self, segment_id: str, named_at: datetime) -> tuple[str, int]:
        """The id the unit named ``segment_id`` at ``named_at`` has now, and how far its offsets moved."""
        segment_id, shift = moved_segment_id(segment_id, self.sources), 0
        named_at = _naive_utc(named_at)
        for moved_at, moves in self.changes.get(segment_id.rpartition(":")[0], ()):
            if named_at < moved_at and segment_id in moves:
                segment_id, by = moves[segment_id]
                shift += by
        return segment_id, shift

    @property
    def moved_ids(self) -> set[str]:
        """Every id a change moved a unit from."""
        return {old for changes in self.changes.values() for _, moves in changes for old in moves}

    def former_ids(self, segment_ids: Iterable[str]) -> set[str]:
        """``segment_ids`` and every id a unit now under one of them may have been named by (a superset:
        :meth:`now` decides)."""
        ids = set(segment_ids)
        for source_id in {sid.rpartition(":")[0] for sid in ids}:
            changes = self.changes.get(source_id, ())
            while more := {old for _, moves in changes for old, (to, _) in moves.items() if to in ids} - ids:
                ids |= more
        for old, new in self.sources.items():
            ids |= {f"{old}:{sid[len(new) + 1:]}" for sid in list(ids) if sid.startswith(new + ":")}
        return ids


def _naive_utc(moment: datetime) -> datetime:
    """``moment`` as the workspace reads times back: naive UTC (see :class:`UtcDateTime`)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def whereabouts(workspace: Workspace) -> Whereabouts:
    """The sources' renames and the units' moves so far (see :class:`Whereabouts`)."""
    with workspace.engine.connect() as conn:
        return whereabouts_in(conn)


_WHEREABOUTS: dict[str, tuple[tuple[Any, ...], Whereabouts]] = {}  # per database, as of its last moves
_WHEREABOUTS_LOCK = threading.Lock()


def whereabouts_in(conn: Connection) -> Whereabouts:
    """:func:`whereabouts` read on an open connection (read again only after a move was recorded)."""
    stamp = tuple(conn.execute(select(select(func.max(source_moves_table.c.seq)).scalar_subquery(),
                                      select(func.max(unit_moves_table.c.seq)).scalar_subquery())).one())
    database = f"{conn.engine.url}#{id(conn.engine)}"
    with _WHEREABOUTS_LOCK:
        kept = _WHEREABOUTS.get(database)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    sources = source_moves_in(conn)
    changes: dict[str, list[tuple[datetime, dict[str, tuple[str, int]]]]] = {}
    query = select(unit_moves_table).where(unit_moves_table.c.shift != 0).order_by(unit_moves_table.c.seq)
    for row in conn.execute(query).mappings():
        old = moved_segment_id(row["old_segment_id"], sources)
        mine = changes.setdefault(old.rpartition(":")[0], [])
        moved_at = _naive_utc(row["moved_at"])
        if not mine or mine[-1][0] != moved_at:
            mine.append((moved_at, {}))
        mine[-1][1][old] = (moved_segment_id(row["new_segment_id"], sources), row["shift"])
    found = Whereabouts(sources, changes)
    with _WHEREABOUTS_LOCK:
        _WHEREABOUTS[database] = (stamp, found)
    return found


def moved_segment_id(segment_id: str, moves: dict[str, str]) -> str:
    """``segment_id`` under its source's id now (a segment id is ``<source id>:<place>``)."""
    source_id, sep, place = segment_id.rpartition(":")
    return f"{moves[source_id]}:{place}" if sep and source_id in moves else segment_id


def load_sources(workspace: Workspace, *, source_ids: Sequence[str] | None = None) -> list[Source]:
    """All sources (or those with ``source_ids``), ordered by id."""
    query = select(sources_table).order_by(sources_table.c.source_id)
    if source_ids is not None:
        query = query.where(sources_table.c.source_id.in_(list(source_ids)))
    with workspace.engine.connect() as conn:
        return [_source_from_row(row) for row in conn.execute(query).mappings()]


# Values repeated across many rows are interned: one string object per distinct value keeps a
# 100k-segment study's records small in memory.
_SHARED_SOURCE_FIELDS = ("study", "kind", "path", "respondent_id", "question_id")
_SHARED_SEGMENT_FIELDS = ("segment_id", "source_id", "kind", "parent_id", "question_id", "speaker",
                          "speaker_role")
_SHARED_ASSIGNMENT_FIELDS = ("segment_id", "code_id", "method", "coder", "codebook_version", "model_version")


def _interned(row: Any, fields: Sequence[str], *, drop: Sequence[str] = ()) -> dict[str, Any]:
    data = {k: v for k, v in row.items() if k not in drop}
    for name in fields:
        if isinstance(data.get(name), str):
            data[name] = sys.intern(data[name])
    return data


def _source_from_row(row: Any) -> Source:
    data = _interned(row, _SHARED_SOURCE_FIELDS, drop=("ingested_at",))
    data["attributes"] = {sys.intern(k): sys.intern(v) if isinstance(v, str) else v
                          for k, v in (data.get("attributes") or {}).items()}
    return Source(**data)


def count_change(conn: Connection, name: str) -> None:
    """Raise the change counter ``name`` by one, in the caller's transaction (created at 1)."""
    table = change_counts_table
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statement = dialect_insert(table).values(name=name, count=1)
        conn.execute(statement.on_conflict_do_update(index_elements=["name"],
                                                     set_={"count": table.c.count + 1}))
        return
    raised = conn.execute(update(table).where(table.c.name == name).values(count=table.c.count + 1))
    if not raised.rowcount:
        conn.execute(insert(table).values(name=name, count=1))


def change_count(workspace: Workspace, name: str) -> int:
    """The change counter ``name`` (0 while nothing raised it)."""
    with workspace.engine.connect() as conn:
        return conn.execute(select(change_counts_table.c.count)
                            .where(change_counts_table.c.name == name)).scalar() or 0


def units_stamp(workspace: Workspace) -> tuple[Any, ...]:
    """A cheap mark that changes whenever sources or segments do (a run added, changed or removed one):
    the units' change counter, which every writer of sources and segments raises in the same
    transaction (one row read, where counting and summing the segments read the whole table)."""
    return (change_count(workspace, UNITS_COUNTER),)


def save_segments(workspace: Workspace, segments: Iterable[Segment], *,
                  keys: Mapping[str, str] | None = None) -> int:
    """Insert segments that are not stored yet, and the ``keys`` ``{source id: segmentation key}`` they
    were cut with; return how many segments were new."""
    batch = [seg.model_dump() for seg in segments]
    ids = [row["segment_id"] for row in batch]
    with workspace.engine.begin() as conn:
        _record_segmentations(conn, keys or {})
        known = stored_segment_ids(conn, ids)
        new = [row for row in batch if row["segment_id"] not in known]
        if new:
            conn.execute(insert(segments_table), new)
            count_change(conn, UNITS_COUNTER)
    return len(new)


def stored_segment_ids(conn: Connection, segment_ids: Iterable[str]) -> set[str]:
    """Those of ``segment_ids`` the study holds (read in chunks of 500)."""
    ids, found = sorted(set(segment_ids)), set()
    for start in range(0, len(ids), 500):
        chunk = segments_table.c.segment_id.in_(ids[start:start + 500])
        found.update(conn.execute(select(segments_table.c.segment_id).where(chunk)).scalars())
    return found


def load_segments(workspace: Workspace, *, codable: bool | None = None,
                  source_ids: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
                  segment_ids: Sequence[str] | None = None) -> list[Segment]:
    """Stored segments, ordered by source and offset."""
    query = select(segments_table).order_by(segments_table.c.source_id, segments_table.c.start,
                                            segments_table.c.kind)
    if codable is not None:
        query = query.where(segments_table.c.codable == codable)
    if source_ids is not None:
        query = query.where(segments_table.c.source_id.in_(list(source_ids)))
    if kinds is not None:
        query = query.where(segments_table.c.kind.in_(list(kinds)))
    with workspace.engine.connect() as conn:
        if segment_ids is None:
            rows = conn.execute(query).mappings()
            return [Segment(**_interned(row, _SHARED_SEGMENT_FIELDS)) for row in rows]
        ids = list(segment_ids)
        found = [Segment(**_interned(row, _SHARED_SEGMENT_FIELDS)) for start in range(0, len(ids), 500)
                 for row in conn.execute(query.where(segments_table.c.segment_id.in_(ids[start:start + 500])))
                 .mappings()]
    return sorted(found, key=lambda seg: (seg.source_id, seg.start, seg.kind))


def _record_segmentations(conn: Connection, keys: Mapping[str, str]) -> None:
    upsert(conn, segmentations_table, [{"source_id": source_id, "segmentation_key": key}
                                       for source_id, key in keys.items()], keys=["source_id"])


def replace_segments(workspace: Workspace, source_id: str, segments: Sequence[Segment], *, key: str) -> None:
    """Replace a source's segments with ``segments`` cut again (with ``key``), in one transaction: its
    machine codes and coding marks go with the old ones, so its units are coded again (analysts'
    decisions stay in the decision log, applying again to a unit cut as before)."""
    with workspace.engine.begin() as conn:
        _delete_segments(conn, source_id)
        if segments:
            conn.execute(insert(segments_table), [seg.model_dump() for seg in segments])
        _record_segmentations(conn, {source_id: key})
        count_change(conn, UNITS_COUNTER)


def segmentation_keys(workspace: Workspace) -> dict[str, str]:
    """``{source id: the key its stored segments were cut with}`` (none for a source cut by an older hoi)."""
    query = select(segmentations_table.c.source_id, segmentations_table.c.segmentation_key)
    with workspace.engine.connect() as conn:
        return dict(conn.execute(query).all())


def source_kinds_and_attributes(workspace: Workspace) -> dict[str, tuple[str, dict[str, str]]]:
    """``{source id: (kind, attributes)}`` of every source, without their texts."""
    query = select(sources_table.c.source_id, sources_table.c.kind, sources_table.c.attributes)
    with workspace.engine.connect() as conn:
        return {row[0]: (row[1], row[2] or {}) for row in conn.execute(query).all()}


def sources_without_segments(workspace: Workspace) -> list[str]:
    """Ids of sources that have not been segmented yet."""
    segmented = select(segments_table.c.source_id).distinct()
    query = select(sources_table.c.source_id).where(sources_table.c.source_id.not_in(segmented))
    with workspace.engine.connect() as conn:
        return list(conn.execute(query).scalars())


# ---------------------------------------------------------------- assignments

def _assignment_row(assignment: CodeAssignment, run_id: str | None) -> dict[str, Any]:
    row = assignment.model_dump()
    row["evidence"] = [ev.model_dump() for ev in assignment.evidence]
    row["run_id"] = run_id
    return row


def replace_assignments(workspace: Workspace, assignments: Sequence[CodeAssignment], *,
                        segment_ids: Sequence[str], coders: Sequence[str] | None = None,
                        run_id: str | None = None, keep: Collection[tuple[str, str]] = (),
                        restore: Collection[tuple[str, str]] = ()) -> int:
    """Replace the assignments on ``segment_ids`` with ``assignments`` in one transaction: those of
    ``coders`` only, or (None) every coder's — a unit's suggestions are those of its last coding.

    The (segment, code) pairs in ``keep`` are left as they are: their stored assignment stays and a new
    one for them is not written -- unless the pair is in ``restore`` (a suggestion an analyst accepted or
    rejected) and nothing is stored for it (its source left the study and came back since): then the
    new one is written, for the decision to be on a suggestion again."""
    kept = set(keep)
    present: set[tuple[str, str]] = set()
    with workspace.engine.begin() as conn:
        ids = list(segment_ids)
        for start in range(0, len(ids), 500):
            where = [assignments_table.c.segment_id.in_(ids[start:start + 500])]
            if coders is not None:
                where.append(assignments_table.c.coder.in_(list(coders)))
            if kept:
                rows = conn.execute(select(assignments_table.c.id, assignments_table.c.segment_id,
                                           assignments_table.c.code_id).where(*where)).all()
                gone = [row_id for row_id, seg, code in rows if (seg, code) not in kept]
                stored = conn.execute(select(assignments_table.c.segment_id, assignments_table.c.code_id)
                                      .where(where[0])).all()  # any coder's
                present.update(pair for pair in map(tuple, stored) if pair in kept)
                for first in range(0, len(gone), 500):
                    conn.execute(delete(assignments_table).where(
                        assignments_table.c.id.in_(gone[first:first + 500])))
            else:
                conn.execute(delete(assignments_table).where(*where))
        wanted = set(restore) - present
        rows = [_assignment_row(a, run_id) for a in assignments
                if (a.segment_id, a.code_id) not in kept or (a.segment_id, a.code_id) in wanted]
        if rows:
            conn.execute(insert(assignments_table), rows)
        count_change(conn, ASSIGNMENTS_COUNTER)
    return len(rows)


def load_assignments(workspace: Workspace, *, coder: str | None = None, method: str | None = None,
                     code_id: str | None = None, tier: str | None = None,
                     segment_ids: Collection[str] | None = None) -> list[CodeAssignment]:
    """Stored machine assignments, optionally filtered (``tier``: "suggested" or "possible"; ``segment_ids``:
    those on these units only), ordered by unit and code."""
    query = select(assignments_table).order_by(assignments_table.c.segment_id, assignments_table.c.code_id)
    if tier is not None:
        query = query.where(assignments_table.c.tier == tier)
    if coder is not None:
        query = query.where(assignments_table.c.coder == coder)
    if method is not None:
        query = query.where(assignments_table.c.method == method)
    if code_id is not None:
        query = query.where(assignments_table.c.code_id == code_id)
    with workspace.engine.connect() as conn:
        if segment_ids is None:
            return [_assignment_from_row(row) for row in conn.execute(query).mappings()]
        ids = sorted(segment_ids)
        rows = [row for start in range(0, len(ids), 500) for row in conn.execute(
            query.where(assignments_table.c.segment_id.in_(ids[start:start + 500]))).mappings()]
    return [_assignment_from_row(row) for row in rows]  # the chunks are in id order: so is the whole


def _assignment_from_row(row: Any) -> CodeAssignment:
    data = _interned(row, _SHARED_ASSIGNMENT_FIELDS, drop=("id", "run_id"))
    evidence = data.pop("evidence") or []
    if isinstance(evidence, str):
        evidence = json.loads(evidence)
    return CodeAssignment(**data, evidence=tuple(
        Evidence(**{**ev, "pattern": sys.intern(ev.get("pattern", ""))}) for ev in evidence))


# ---------------------------------------------------------------- runs

def record_run(workspace: Workspace, *, run_id: str, stage: str, params: dict[str, Any],
               summary: dict[str, Any] | None = None) -> None:
    """Record that a stage ran, with its parameters and summary."""
    with workspace.engine.begin() as conn:
        upsert(conn, runs_table, [{
            "run_id": run_id, "stage": stage, "started_at": utcnow(), "finished_at": utcnow(),
            "params": params, "summary": summary or {},
        }], keys=["run_id"])


def last_run_params(workspace: Workspace, stage: str) -> dict[str, Any]:
    """The parameters of the last recorded run of ``stage`` ({} when none is recorded)."""
    with workspace.engine.connect() as conn:
        rows = conn.execute(select(runs_table.c.params).where(runs_table.c.stage == stage)
                            .order_by(runs_table.c.started_at.desc()).limit(1)).all()
    return dict(rows[0][0] or {}) if rows else {}


# ---------------------------------------------------------------- resumable coding

class _StageLedger:
    """What is done for a ``stage`` of work, whose results a ``family`` of stages shares."""

    def __init__(self, workspace: Workspace, *, stage: str, family: str | None = None) -> None:
        self.workspace = workspace
        self.stage = stage
        self.family = family

    @staticmethod
    def key(segments: Sequence[Segment]) -> str:
        """Content key of segments (a batch's, or one source's coding units): their ids and texts."""
        from hoi_nlp.records import content_hash

        return content_hash("\n".join(f"{s.segment_id}\t{s.text}" for s in segments))


class CodingLedger(_StageLedger):
    """Which sources are coded under a stage (a coder, its model version and the codebook's version),
    each with the key of the coding units it was coded with (their ids and texts).

    A run codes the units of the sources not marked here (or marked with other units: a changed text, a
    new segmentation), so a killed run resumes where it stopped and a source added, changed or removed
    costs the coding of that source only. Stages that write the same results share a ``family`` prefix:
    marking a source under one forgets the others' marks for it (their codes were just replaced) -- else
    coding under codebook A, then B, then A again would skip A's sources and keep B's codes. A source's
    marks go with its codes when it is changed or removed (:func:`remove_sources`, :func:`save_sources`).
    """

    def pending(self, units: Sequence[Segment], *, adopt_batch_size: int | None = None) -> list[Segment]:
        """``units`` (a study's coding units, in stored order) of the sources not coded under this stage
        as they are now. A workspace whose coding an older hoi_nlp marked by batch has its marks under
        this stage adopted first (``adopt_batch_size``: the batch size they were cut with)."""
        by_source = _units_by_source(units)
        done = self._done()
        if not done and adopt_batch_size:
            done = self._adopt_batch_marks(units, adopt_batch_size)
        return [unit for source_id, own in by_source.items()
                if done.get(source_id) != self.key(own) for unit in own]

    def mark_done(self, units: Sequence[Segment]) -> None:
        """Record the sources of ``units`` (each with all its coding units) as coded under this stage, and
        as no longer coded under the other stages of its ``family`` (what they stored was just replaced)."""
        rows = [{"stage": self.stage, "source_id": source_id, "units_key": self.key(own),
                 "done_at": utcnow()} for source_id, own in _units_by_source(units).items()]
        with self.workspace.engine.begin() as conn:
            if self.family:
                ids = [row["source_id"] for row in rows]
                for start in range(0, len(ids), 500):
                    conn.execute(delete(coded_sources_table).where(
                        coded_sources_table.c.stage.startswith(self.family, autoescape=True),
                        coded_sources_table.c.stage != self.stage,
                        coded_sources_table.c.source_id.in_(ids[start:start + 500])))
            upsert(conn, coded_sources_table, rows, keys=["stage", "source_id"])

    def _done(self) -> dict[str, str]:
        query = select(coded_sources_table.c.source_id, coded_sources_table.c.units_key).where(
            coded_sources_table.c.stage == self.stage)
        with self.workspace.engine.connect() as conn:
            return dict(conn.execute(query).all())

    def _adopt_batch_marks(self, units: Sequence[Segment], batch_size: int) -> dict[str, str]:
        """Mark the sources of every batch an older hoi_nlp marked done under this stage (fixed slices of
        ``batch_size`` units), so the first run after an upgrade codes nothing it had coded."""
        query = select(ledger_table.c.batch_key).where(ledger_table.c.stage == self.stage)
        with self.workspace.engine.connect() as conn:
            marked = set(conn.execute(query).scalars())
        if not marked:
            return {}
        done: list[Segment] = []
        for start in range(0, len(units), batch_size):
            batch = units[start:start + batch_size]
            if BatchLedger.key(batch) in marked:
                done.extend(batch)
        # a source cut by a slice boundary counts as coded only where both of its slices were marked
        everyone = _units_by_source(units)
        coded = {source_id: own for source_id, own in _units_by_source(done).items()
                 if len(own) == len(everyone[source_id])}
        if coded:
            self.mark_done([unit for own in coded.values() for unit in own])
        return {source_id: self.key(own) for source_id, own in coded.items()}


def _units_by_source(units: Iterable[Segment]) -> dict[str, list[Segment]]:
    by_source: dict[str, list[Segment]] = {}
    for unit in units:
        by_source.setdefault(unit.source_id, []).append(unit)
    return by_source


# ---------------------------------------------------------------- batch marks of an older hoi_nlp

class BatchLedger(_StageLedger):
    """Which batches of a stage are done, keyed by the batch's segment ids and texts: how an older
    hoi_nlp marked its coding (:class:`CodingLedger` adopts these marks; the old-workspace tidy reads them).

    A killed run resumes by skipping the batches recorded here; a changed text or a changed
    coder/codebook version (part of ``stage``) makes the batch pending again. Stages that write the
    same results (any coder under any codebook or model version) share a ``family`` prefix: marking a
    batch done under one forgets the others' entries for that batch, whose results it has just replaced —
    else coding under codebook A, then B, then A again would skip A's batches and keep B's codes.
    """

    def is_done(self, segments: Sequence[Segment]) -> bool:
        """Whether this exact batch was completed for this stage."""
        query = select(ledger_table.c.batch_key).where(
            ledger_table.c.stage == self.stage, ledger_table.c.batch_key == self.key(segments))
        with self.workspace.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def mark_done(self, segments: Sequence[Segment]) -> None:
        """Record the batch as completed, and no longer done for the other stages of its ``family``
        (what they stored for it was just replaced)."""
        with self.workspace.engine.begin() as conn:
            if self.family:
                conn.execute(delete(ledger_table).where(
                    ledger_table.c.stage.startswith(self.family, autoescape=True),
                    ledger_table.c.stage != self.stage,
                    ledger_table.c.batch_key == self.key(segments)))
            upsert(conn, ledger_table,
                   [{"stage": self.stage, "batch_key": self.key(segments), "done_at": utcnow()}],
                   keys=["stage", "batch_key"])

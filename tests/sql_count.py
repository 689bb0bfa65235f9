"""Which SQL statements a piece of work sends to a workspace's database (for tests of repeated reads)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def statements(workspace) -> Iterator[list[str]]:
    """The SQL text of every statement run on ``workspace``'s engine inside the block, in order."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(workspace.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(workspace.engine, "before_cursor_execute", record)


def reading(sent: list[str], table: str) -> list[str]:
    """The statements of ``sent`` that read ``table`` (``FROM table`` or a join on it)."""
    return [s for s in sent if s.startswith("SELECT") and (f"FROM {table}" in s or f"JOIN {table}" in s)]

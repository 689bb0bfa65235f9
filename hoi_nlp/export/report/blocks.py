"""The report as data: a title and a list of blocks (headings, paragraphs, tables, figures, quotes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Block:
    """One report element: heading, paragraph, table, figure, quote or note."""

    kind: str
    text: str = ""
    level: int = 1
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    path: Path | None = None
    ref: str = ""
    note: str = ""  # a quote's source reference
    state: str = ""  # a quote's review state, confidence and stance (quote lists for authors)


@dataclass
class Report:
    """A report: title, subtitle, raw flag and blocks."""

    title: str
    subtitle: str
    raw: bool = False
    blocks: list[Block] = field(default_factory=list)
    language: str = "da"

    def add(self, kind: str, text: str = "", **fields: object) -> None:
        """Append a block."""
        self.blocks.append(Block(kind, text, **fields))  # type: ignore[arg-type]

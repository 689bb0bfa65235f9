"""Paragraph text of a .docx transcript, in document order, tables included, media never unpacked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.files import check_office_zip, text_parts_only

MAX_LABEL_CHARS = 40
_LABEL_ONLY_RE = re.compile(r"^[\[(]?[\d:.,]*[\])]?\s*[A-ZÆØÅ][\wæøåÆØÅ.' -]{0,38}\s*[\[(]?[\d:.,]*[\])]?$")


def docx_paragraphs(path: Path, *, display: str) -> list[str]:
    """Paragraph texts of the body (table rows included); a bold leading label gets a colon."""
    import docx
    from docx.table import Table

    with check_office_zip(path, display=display) as archive:
        buffer = text_parts_only(archive, display=display)
    try:
        document = docx.Document(buffer)
        blocks = list(document.iter_inner_content())
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors ... on damaged files
        raise IngestError(
            f"the document cannot be opened: {exc.__class__.__name__}: {exc}",
            path=display,
            hint="open it in Word and save it again as .docx",
        ) from exc
    paragraphs: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            paragraphs.extend(_table_paragraphs(block))
        else:
            paragraphs.append(paragraph_text(block))
    return paragraphs


def paragraph_text(paragraph: Any) -> str:
    """Text of a paragraph; ``**Anne** Ja, ...`` (a bold label without colon) becomes ``Anne: Ja, ...``."""
    text: str = paragraph.text
    bold = ""
    for run in paragraph.runs:
        if run.bold or (bold and not run.text.strip()):
            bold += run.text
        else:
            break
    label = bold.strip()
    rest = text[len(bold) :] if text.startswith(bold) else ""
    if not label or not rest.strip() or label.endswith(":") or rest.lstrip().startswith(":"):
        return text
    if _LABEL_ONLY_RE.match(label):
        return f"{label}: {rest.lstrip()}"
    return text


def _table_paragraphs(table: Any) -> list[str]:
    """One paragraph per row ``label: text`` when the first cell is a short label, else each cell's text."""
    paragraphs: list[str] = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:  # merged cells repeat
                seen.add(id(cell._tc))
                cells.append(cell.text.strip())
        first, rest = (cells[0], [c for c in cells[1:] if c]) if cells else ("", [])
        if (
            rest
            and first
            and len(first) <= MAX_LABEL_CHARS
            and "\n" not in first
            and _LABEL_ONLY_RE.match(first.rstrip(":"))
        ):
            paragraphs.append(f"{first.rstrip(':')}: " + "\n".join(rest))
        else:
            paragraphs.extend(cell for cell in cells if cell)
    return paragraphs

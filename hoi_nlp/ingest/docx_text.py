"""Paragraph text of a .docx transcript, in document order, tables included, media never unpacked.

The text is Word's "accept all changes" view: tracked insertions (``w:ins``) and moves' new places
(``w:moveTo``) are read, deletions (``w:del``) and moves' old places (``w:moveFrom``) are not.
Content controls (``w:sdt``, in a paragraph or around paragraphs), hyperlinks, smart tags and
simple fields are read as the text Word shows. Page headers and footers, footnotes, endnotes,
comments, text boxes and embedded documents (``w:altChunk``) are not part of the body's paragraphs
and stay out; :func:`docx_unread_parts` names those that hold text, so that the run says what it
left out.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.files import check_office_zip, text_parts_only
from hoi_nlp.ingest.speakers import NOT_SPEAKERS, label_key

MAX_LABEL_CHARS = 40
_LABEL_ONLY_RE = re.compile(r"^[\[(]?[\d:.,]*[\])]?\s*[A-ZÆØÅ][\wæøåÆØÅ.' -]{0,38}\s*[\[(]?[\d:.,]*[\])]?$")
# Paragraph-level elements whose runs Word shows (w:del, w:moveFrom, w:sdtPr, w:pPr ... are skipped).
_RUN_CONTAINERS = frozenset(
    qn(tag)
    for tag in ("w:ins", "w:moveTo", "w:hyperlink", "w:smartTag", "w:fldSimple", "w:customXml", "w:sdt",
                "w:sdtContent", "w:dir", "w:bdo")
)
# Body-level elements that wrap paragraphs and tables: content controls and custom XML.
_BLOCK_CONTAINERS = frozenset(qn(tag) for tag in ("w:sdt", "w:sdtContent", "w:customXml"))


def docx_paragraphs(path: Path, *, display: str) -> list[str]:
    """Paragraph texts of the body (table rows included); a bold leading label gets a colon."""
    return read_docx(path, display=display)[0]


def read_docx(path: Path, *, display: str) -> tuple[list[str], list[str]]:
    """The body's paragraph texts (see :func:`docx_paragraphs`) and the parts holding text that are not
    read (see :func:`docx_unread_parts`), from one opening of the file."""
    import docx
    from docx.table import Table

    with check_office_zip(path, display=display) as archive:
        buffer = text_parts_only(archive, display=display)
        unread = _unread_parts(archive)
    try:
        document = docx.Document(buffer)
        body = document.element.body
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors ... on damaged files
        raise IngestError(
            f"the document cannot be opened: {exc.__class__.__name__}: {exc}",
            path=display,
            hint="open it in Word and save it again as .docx",
        ) from exc
    paragraphs: list[str] = []
    for block in _blocks(body):
        if block.tag == qn("w:tbl"):
            paragraphs.extend(_table_paragraphs(Table(block, document)))
        else:
            paragraphs.append(paragraph_text(block))
    return paragraphs, unread


def _blocks(container: Any) -> Iterator[Any]:
    """The ``w:p`` and ``w:tbl`` elements of a body or cell in order, content controls opened."""
    for child in container.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _blocks(child)


def _visible_runs(element: Any) -> Iterator[Any]:
    """The ``w:r`` elements of a paragraph that Word shows with all changes accepted, in order."""
    for child in element.iterchildren():
        if child.tag == qn("w:r"):
            yield child
        elif child.tag in _RUN_CONTAINERS:
            yield from _visible_runs(child)


def _is_bold(run: Any) -> bool:
    from docx.text.run import Run

    return bool(Run(run, None).bold)


def _run_text(run: Any) -> str:
    """A run's text as python-docx reads it, but every break a line break: python-docx drops page and
    column breaks, which glued the words on either side ("Interviewguide" + "I: ..." on a new page)."""
    parts = run.xpath("w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab")
    return "".join("\n" if part.tag == qn("w:br") else str(part) for part in parts)


def paragraph_text(paragraph: Any) -> str:
    """Text of a ``w:p``; ``**Anne** Ja, ...`` (a bold label without colon) becomes ``Anne: Ja, ...``."""
    runs = [(_run_text(run), _is_bold(run)) for run in _visible_runs(paragraph)]
    text = "".join(run_text for run_text, _ in runs)
    bold = ""
    for run_text, is_bold in runs:
        if is_bold or (bold and not run_text.strip()):
            bold += run_text
        else:
            break
    label = bold.strip()
    rest = text[len(bold) :]
    if not label or not rest.strip() or label.endswith(":") or rest.lstrip().startswith(":"):
        return text
    if _LABEL_ONLY_RE.match(label):
        return f"{label}: {rest.lstrip()}"
    return text


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs joined by newlines (nested tables left out, as python-docx's cell.text)."""
    return "\n".join(paragraph_text(block) for block in _blocks(cell._tc) if block.tag == qn("w:p"))


def _table_paragraphs(table: Any) -> list[str]:
    """One paragraph per row ``label: text`` when the first cell is a short label, else each cell's text.

    In a table of the interview's particulars (see :func:`_is_particulars_table`) a row whose label
    could be a speaker's is written ``label, text``: «Interviewer: Mette Skov» or «Respondent: Hanne
    Bruun, kommunaldirektør» under the title is who was there, not a turn (as the same length as a
    colon, so that the turns below keep their offsets)."""
    rows = [_row_cells(row) for row in table.rows]
    labelled = [(cells[0], [c for c in cells[1:] if c]) if cells else ("", []) for cells in rows]
    particulars = _is_particulars_table(labelled)
    paragraphs: list[str] = []
    for cells, (first, rest) in zip(rows, labelled, strict=True):
        if rest and _is_label(first):
            label = first.rstrip(":")
            joint = ", " if particulars and label_key(label) not in NOT_SPEAKERS else ": "
            paragraphs.append(f"{label}{joint}" + "\n".join(rest))
        else:
            paragraphs.extend(cell for cell in cells if cell)
    return paragraphs


def _row_cells(row: Any) -> list[str]:
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) not in seen:  # merged cells repeat
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell).strip())
    return cells


def _is_label(first: str) -> bool:
    return bool(first) and len(first) <= MAX_LABEL_CHARS and "\n" not in first and \
        _LABEL_ONLY_RE.match(first.rstrip(":")) is not None


def _is_particulars_table(rows: list[tuple[str, list[str]]]) -> bool:
    """A table of the interview's particulars (Kommune, Dato, Interviewer, Respondent …), as transcripts
    open with: two rows or more, each a label and one value, no label twice (a turn table's speakers
    recur), and one label at least that never names a speaker (``Dato``, ``Kommune``, ``Varighed``)."""
    if len(rows) < 2 or any(len(rest) != 1 or not _is_label(first) for first, rest in rows):
        return False
    keys = [label_key(first.rstrip(":")) for first, _ in rows]
    return len(set(keys)) == len(keys) and any(key in NOT_SPEAKERS for key in keys)


# Parts of a .docx outside the body, by what a researcher calls them; their text is never read.
_SIDE_PARTS = (
    (re.compile(r"word/header\d*\.xml"), "page header"),
    (re.compile(r"word/footer\d*\.xml"), "page footer"),
    (re.compile(r"word/footnotes\.xml"), "footnotes"),
    (re.compile(r"word/endnotes\.xml"), "endnotes"),
    (re.compile(r"word/comments\.xml"), "comments"),
)
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_NOTE_TYPES = frozenset({"separator", "continuationSeparator", "continuationNotice"})


def docx_unread_parts(path: Path, *, display: str) -> list[str]:
    """What holds text in a .docx outside the paragraphs read: page headers and footers, footnotes,
    endnotes, comments, text boxes and embedded documents (``w:altChunk``: a document or HTML that
    Word shows merged into the body), each as ``"page header (2 paragraphs)"``."""
    with check_office_zip(path, display=display) as archive:
        return _unread_parts(archive)


def _unread_parts(archive: zipfile.ZipFile) -> list[str]:
    found: dict[str, int] = {}
    for name in sorted(archive.namelist()):
        what = next((label for pattern, label in _SIDE_PARTS if pattern.fullmatch(name)), None)
        if what is None and name != "word/document.xml":
            continue
        if what is None:
            boxes, chunks = _texts_in_body(archive.read(name))
            for key, count in (("text boxes", boxes), ("embedded documents (altChunk)", chunks)):
                if count:
                    found[key] = found.get(key, 0) + count
            continue
        count = _texts_in_part(archive.read(name))
        if count:
            found[what] = found.get(what, 0) + count
    return [f"{what} ({count} {_unit(what, count)})" for what, count in found.items()]


def _unit(what: str, count: int) -> str:
    noun = "document" if what.startswith("embedded") else "paragraph"
    return noun + ("s" if count > 1 else "")


def _parse(xml: bytes) -> Any:
    from lxml import etree

    try:
        return etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, huge_tree=False))
    except etree.XMLSyntaxError:
        return None


def _has_text(paragraph: Any) -> bool:
    return bool("".join(t.text or "" for t in paragraph.iter(qn("w:t"))).strip())


def _texts_in_part(xml: bytes) -> int:
    """Paragraphs with text in a part outside the body; notes' separators left out."""
    root = _parse(xml)
    if root is None:
        return 0
    paragraphs = [
        p for p in root.iter(qn("w:p"))
        if not any(note.get(qn("w:type")) in _NOTE_TYPES for note in p.iterancestors())
    ]
    return sum(1 for p in paragraphs if _has_text(p))


def _texts_in_body(xml: bytes) -> tuple[int, int]:
    """In the body: the paragraphs with text in its text boxes, and its embedded documents (altChunk)."""
    root = _parse(xml)
    if root is None:
        return 0, 0
    # Word writes a text box twice: as a drawing and as its VML fallback
    boxes = [box for box in root.iter(qn("w:txbxContent"))
             if not any(parent.tag == _MC_FALLBACK for parent in box.iterancestors())]
    texts = sum(1 for box in boxes for p in box.iter(qn("w:p")) if _has_text(p))
    return texts, sum(1 for _ in root.iter(qn("w:altChunk")))

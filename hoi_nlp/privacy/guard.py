"""The leak check: every written file is read back and searched for the study's original names.

:class:`LeakGuard` knows every original the study key has replaced, plus names the metadata
says are names (municipalities, interviewers, speakers). After an export is written, each file
is read back (XLSX cells and sheet names, DOCX paragraphs, tables, headers and footers, zip
members, Parquet cells, plain text) and any original found stops the export; the message names
the file and the place in it (sheet, row and column; line; member) but never the name itself.
Figures are checked before they are drawn: their labels go through :meth:`LeakGuard.check_text`.
Raw exports (``--raw``) are not checked but say "IKKE PSEUDONYMISERET" in the file itself.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ExportError
from hoi_nlp.privacy.gazetteers import REGIONS
from hoi_nlp.privacy.key import PseudonymKey
from hoi_nlp.privacy.pseudonymize import find_originals, within
from hoi_nlp.records import Source

logger = logging.getLogger(__name__)

RAW_MARK = "IKKE PSEUDONYMISERET"
RAW_NOTE = (
    f"{RAW_MARK}: denne fil indeholder originale tekster med navne på personer, kommuner og steder. "
    "Den må ikke deles eller offentliggøres."
)
# Key entries of these types name groups that reports deliberately show (regions).
ALLOWED_PLACEHOLDERS = frozenset({"[REGION]"})
_REGION_NAME = re.compile(r"(?<![^\W_])Region(?:en)? (?:" + "|".join(REGIONS) + r")(?:s|'s)?(?![^\W_])")
# A file embedded as base64 (the HTML report's figures): data, not text; a name's letters occur in it
# by chance ("MH" in "…9CS0/MH+x3…"). Figures' labels are checked before they are drawn.
_EMBEDDED_DATA = re.compile(r"(?<=;base64,)[A-Za-z0-9+/=]+")
# The columns (their headers, in any case) in which exports name who coded: the tables' «coder», «coders» and
# «analyst», the report's memo table's «Analytiker»/«Analyst». An analyst's user name is no leak there only.
CODER_COLUMNS = frozenset({"coder", "coders", "analyst", "analytiker"})
LEAK_HINT = ("the text was not fully pseudonymised; report this as a bug, "
             "or export with --raw for internal use only")


@dataclass
class LeakGuard:
    """Checks exported text against the originals of the study key."""

    key: PseudonymKey
    raw: bool = False
    coders: tuple[str, ...] = ()  # the analysts' user names, shown where exports say who coded

    @classmethod
    def build(cls, key: PseudonymKey, *, shown_text: str = "", names: Mapping[str, str] | None = None,
              analysts: Iterable[str] = (), raw: bool = False) -> LeakGuard:
        """The guard of a study.

        ``shown_text`` is what every export shows on purpose (the codebook's labels and
        descriptions): originals found in it are not names ("Beskæftigelse"). ``names`` adds
        originals known from the metadata (``{"Aarhus": "[KOMMUNE]"}``), always looked for, whatever
        their length ("Ry"). Left out as well: region entries and single common Danish words the
        recogniser once mistook for names ("Altså"; a municipality such as "Lejre" stays). The
        ``analysts``' user names are what exports show as who coded: an analyst may share a name
        with someone in the study (the interviewer "Sofie Lund" reviewing as "sofie", a memo
        "Anna: …" that taught the key "Anna"). Their names stay guarded in every text; only where an
        export names the coder is one no leak (see :func:`_attributed`).
        """
        from hoi_nlp.privacy.gazetteers import place_words
        from hoi_nlp.privacy.recognise import is_common_word

        places = place_words()
        originals = {
            original: placeholder
            for original, placeholder in key.originals.items()
            if placeholder not in ALLOWED_PLACEHOLDERS
            and (original in key.pinned or not _shown_in(original, shown_text)
                 and not (len(original.split()) == 1 and is_common_word(original) and original not in places))
        }
        pinned = {original for original in key.pinned if original in originals}
        for name, placeholder in (names or {}).items():
            if len(name.strip()) >= 2:  # a name the metadata gives is always looked for ("Ry")
                originals.setdefault(name.strip(), placeholder)
                pinned.add(name.strip())
        logger.debug("leak guard: %d originals (%d from the metadata)", len(originals), len(pinned))
        return cls(key=PseudonymKey(study=key.study, persons=dict(key.persons), originals=originals,
                                    pinned=pinned, signed=key.signed & set(originals)), raw=raw,
                   coders=tuple(sorted({name.strip() for name in analysts if name.strip()})))

    @classmethod
    def for_study(cls, key: PseudonymKey, codebook: Codebook, sources: Iterable[Source], *,
                  analysts: Iterable[str] = (), raw: bool = False) -> LeakGuard:
        """The guard of a study: its key, less what the codebook shows and its analysts' user names,
        plus the metadata's names."""
        from hoi_nlp.privacy.redact import metadata_names

        names = {name: f"[{label}]" for name, label in metadata_names(sources).items()}
        return cls.build(key, shown_text=codebook_text(codebook), names=names, analysts=analysts, raw=raw)

    def leaks(self, text: str, *, study_text: bool = False) -> list[tuple[int, int]]:
        """Offsets of originals found in ``text`` (empty: nothing leaks). A region's official name
        ("Region Sjælland") is shown on purpose (the region column, crosstabs by region), so an
        original inside one ("Sjælland", once recognised as a place) is not a leak there; nor is an
        analyst's user name where an export names who coded (see :func:`_attributed`), unless
        ``text`` is a study's own text (a source's in a .qdpx), where no coder is named."""
        if self.raw or not self.key.originals or not text:
            return []
        if not unicodedata.is_normalized("NFC", text):  # a decomposed å ("Ta\u030arnby"): offsets into the
            text = unicodedata.normalize("NFC", text)  # composed text
        if ";base64," in text:  # blanked, not cut out: the offsets stay the text's own
            text = _EMBEDDED_DATA.sub(lambda m: " " * len(m.group()), text)
        found = [(start, end) for start, end, _ in find_originals(text, self.key)]
        if found and "egion" in text:
            shown = [(m.start(), m.end()) for m in _REGION_NAME.finditer(text)]
            found = [(s, e) for s, e in found if not within(shown, s, e)]
        if found and self.coders and not study_text:
            named = _attributed(text, self.coders)
            found = [(s, e) for s, e in found if not within(named, s, e)]
        return found

    def check_text(self, text: str, *, where: str = "", path: str | None = None,
                   study_text: bool = False) -> None:
        """Raise :class:`ExportError` if ``text`` contains an original (named by position, not by value)."""
        found = self.leaks(text, study_text=study_text)
        if found:
            places = ", ".join(f"characters {start}-{end}" for start, end in found[:3])
            raise ExportError(f"{len(found)} original name(s) would leak ({places})",
                              path=path, where=where or None, hint=LEAK_HINT)

    def check_texts(self, texts: Iterable[str], *, where: str = "") -> None:
        """Check several texts (figure labels, table headers) as one."""
        for text in texts:
            self.check_text(str(text), where=where)

    def check_file(self, path: Path) -> Path:
        """Check a written file piece by piece; remove it and raise if an original name appears in it."""
        if self.raw:
            return path
        exported, own = self._file_texts(path)
        if not self.leaks(exported) and not self.leaks(own, study_text=True):
            return path
        try:
            for where, text in self._checked_pieces(path):  # read again, to name the place
                self.check_text(text, where=where, path=str(path), study_text=_is_study_text(where))
        except ExportError as exc:
            path.unlink(missing_ok=True)
            raise ExportError(exc.message, path=str(path), where=exc.where,
                              hint="the file was removed; " + LEAK_HINT) from exc
        return path

    def _checked_pieces(self, path: Path) -> Iterator[tuple[str, str]]:
        """(place, text) of a file's pieces as they are checked: a coder column's cells without the coders."""
        return ((where, self._without_coders(text) if _is_coder_column(column) else text)
                for where, text, column in _pieces(path))

    def _file_texts(self, path: Path) -> tuple[str, str]:
        """A file's checked text: the exported text, and a study's own text (a .qdpx's sources), each in one
        string. The pieces are joined a batch at a time: a cell is kept as a string of its own only until its
        batch is joined, and its place not at all (a 100 MB CSV took 1.5 GB)."""
        joined: dict[bool, list[str]] = {False: [], True: []}
        batch: dict[bool, list[str]] = {False: [], True: []}
        for where, text in self._checked_pieces(path):
            own = _is_study_text(where)
            batch[own].append(text)
            if len(batch[own]) >= _BATCH:
                joined[own].append("\n".join(batch[own]))
                batch[own].clear()
        exported, own = ("\n".join([*joined[study], "\n".join(batch[study])]) for study in (False, True))
        return exported, own

    def _without_coders(self, cell: str) -> str:
        """A cell of a coder column with the analysts' user names blanked («sofie», «anna; sofie», «anna vs
        sofie»): what is left is checked as any cell is."""
        coders = {coder.casefold() for coder in self.coders}
        return "".join(" " * len(part) if part.strip().casefold() in coders else part
                       for part in _CODER_LIST.split(cell))


_BATCH = 10_000  # pieces joined into one string at a time (:meth:`LeakGuard._file_texts`)
_CODER_LIST = re.compile(r"([;,]| vs\.? )")  # the separators of a cell listing coders (kept by the split)


def _is_coder_column(column: str) -> bool:
    """Whether a table's column with this header names who coded (:data:`CODER_COLUMNS`)."""
    return column.strip().casefold() in CODER_COLUMNS


def _attributed(text: str, coders: Sequence[str]) -> list[tuple[int, int]]:
    """Where ``text`` names one of the ``coders`` the ways exports say who coded in running text, and only
    those: a .qdpx user (``<User … name="anna"``), a memo's «Memo (anna)» and a coding's «tilføjet af anna» /
    «accepteret af anna» (:func:`hoi_nlp.export.refi.provenance`). A table's coder column is known by its
    header instead (:data:`CODER_COLUMNS`, :meth:`LeakGuard.check_file`): a coder's name alone in any other
    cell, field or line is a leak (a speaker's cell holding the interviewer's name)."""
    name = "(?:" + "|".join(re.escape(coder) for coder in sorted(coders, key=len, reverse=True)) + ")"
    shapes = (rf'<User\b[^>]*?\bname="(?P<coder>{name})"', rf"Memo \((?P<coder>{name})\)",
              rf"(?:tilføjet|accepteret) af (?P<coder>{name})(?=$|[<;]| \(hoi_nlp )")
    return [m.span("coder") for shape in shapes
            for m in re.finditer(shape, text, flags=re.IGNORECASE | re.MULTILINE)]


def _is_study_text(where: str) -> bool:
    """Whether a piece of an exported file is a study's own text as such (a source in a .qdpx)."""
    return where.startswith("member 'sources/")


def _shown_in(original: str, shown_text: str) -> bool:
    """Whether ``original`` occurs as a word of ``shown_text`` ("Ry" is no word of "Rygning")."""
    return bool(original) and re.search(r"(?<![^\W_])" + re.escape(original) + r"(?![^\W_])",
                                        shown_text) is not None


def codebook_text(codebook: Codebook) -> str:
    """What every export shows on purpose: the codebook's labels and descriptions."""
    parts = [codebook.name]
    for family in codebook.families:
        parts += [family.label, family.description]
        parts += [f"{c.label} {c.description}" for c in family.codes]
    return "\n".join(parts)


def check_files(guard: LeakGuard, paths: Iterable[Path]) -> list[Path]:
    """Check each file (see :meth:`LeakGuard.check_file`); returns the paths."""
    return [guard.check_file(path) for path in paths]


def exported_text(path: Path) -> str:
    """All human-readable text of an exported file, in one string."""
    return "\n".join(text for _, text in exported_pieces(path))


def exported_pieces(path: Path) -> Iterator[tuple[str, str]]:
    """The human-readable text of a file as (place, text) pieces: cells, paragraphs, lines, members."""
    return ((where, text) for where, text, _ in _pieces(path))


def _pieces(path: Path) -> Iterator[tuple[str, str, str]]:
    """(place, text, column) of a file's pieces: ``column`` is the header of a table's cell ("" elsewhere),
    so that a coder's name is no leak in a coder column only (:data:`CODER_COLUMNS`)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_pieces(path)
    elif suffix == ".docx":
        yield from _docx_pieces(path)
    elif suffix in (".qdpx", ".zip"):
        yield from ((where, text, "") for where, text in _zip_pieces(path))
    elif suffix == ".parquet":
        yield from _parquet_pieces(path)
    elif suffix in (".png", ".pdf", ".jpg", ".svg"):
        return
    else:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        if suffix == ".csv":
            yield from _csv_pieces(text)
        elif suffix in (".html", ".htm"):
            yield from _html_pieces(text)
        elif suffix == ".md":
            yield from _markdown_pieces(text)
        else:
            yield from ((f"line {i}", line, "") for i, line in enumerate(text.splitlines(), start=1))


def _column(header: Sequence[str], index: int) -> str:
    """The header of a table's column ``index`` ("" past the header's end)."""
    return header[index] if index < len(header) else ""


def _csv_pieces(text: str) -> Iterator[tuple[str, str, str]]:
    """A CSV file's fields under their header (the first row; «,», «;» or a tab between fields), read with the
    field limit of the tables read in (:func:`~hoi_nlp.ingest.tables.allow_large_csv_fields`); from a row the
    reader cannot read on (a field longer still), the lines as they stand, where a coder's name is a leak."""
    from hoi_nlp.ingest.tables import allow_large_csv_fields

    allow_large_csv_fields()
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    read = 0  # the lines read as rows
    try:
        header = next(rows, [])
        yield from (("line 1", name, "") for name in header)
        read = rows.line_num
        for i, row in enumerate(rows, start=2):
            for j, value in enumerate(row):
                yield f"row {i}, column {j + 1}", value, _column(header, j)
            read = rows.line_num
    except csv.Error as exc:
        logger.warning("leak check: CSV read as lines from line %d on (%s)", read + 1, exc)
        lines = text.splitlines()[read:]
        yield from ((f"line {i}", line, "") for i, line in enumerate(lines, start=read + 1))


_HTML_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.DOTALL | re.IGNORECASE)
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.DOTALL | re.IGNORECASE)
_HTML_CELL = re.compile(r"<t([hd])\b[^>]*>(.*?)</t[hd]>", re.DOTALL | re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")


def _html_pieces(text: str) -> Iterator[tuple[str, str, str]]:
    """An HTML file's tables' cells under their header (a row of ``<th>``; cells and rows with attributes, a
    table over several lines), then its lines with only the coder columns' cells blanked (the other cells are
    read twice). A table inside a table ends at the inner one's end: the outer one's later rows are read as
    lines only, where a coder's name is a leak (the safe side)."""
    coder_cells = []
    line, counted = 1, 0  # the line at ``counted``: the cells come in order, each newline is counted once
    for table in _HTML_TABLE.finditer(text):
        for cell, column in _html_cells(text, table):
            line, counted = line + text.count("\n", counted, cell.start()), cell.start()
            yield f"line {line}, column '{column}'", html.unescape(_HTML_TAG.sub("", cell.group(2))), column
            if _is_coder_column(column):
                coder_cells.append(cell.span(2))
    kept, cursor = [], 0
    for start, end in coder_cells:
        kept += [text[cursor:start], re.sub(r"[^\n]", " ", text[start:end])]  # the lines stay where they were
        cursor = end
    blanked = "".join(kept) + text[cursor:]
    yield from ((f"line {i}", line, "") for i, line in enumerate(blanked.splitlines(), start=1))


def _html_cells(text: str, table: re.Match[str]) -> Iterator[tuple[re.Match[str], str]]:
    """The cells of an HTML table's rows below its header, each with its column's header."""
    header: list[str] = []
    for row in _HTML_ROW.finditer(text, table.start(), table.end()):
        cells = list(_HTML_CELL.finditer(text, row.start(1), row.end(1)))
        if cells and all(cell.group(1).lower() == "h" for cell in cells):
            header = [html.unescape(_HTML_TAG.sub("", cell.group(2))).strip() for cell in cells]
            continue
        yield from ((cell, _column(header, c)) for c, cell in enumerate(cells))


_MARKDOWN_RULE = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


def _markdown_pieces(text: str) -> Iterator[tuple[str, str, str]]:
    """A Markdown file's lines, its tables' cells apart under their header (the row above a «| --- |»)."""
    lines = text.splitlines()
    header: list[str] = []
    for i, line in enumerate(lines, start=1):
        if not line.startswith("|"):
            header = []
            yield f"line {i}", line, ""
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if i < len(lines) and _MARKDOWN_RULE.match(lines[i]):
            header = cells
        for c, cell in enumerate(cells):
            yield f"line {i}, column {c + 1}", cell, "" if header is cells else _column(header, c)


def _xlsx_pieces(path: Path) -> Iterator[tuple[str, str, str]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        yield f"sheet name '{name}'", name, ""
        header: list[str] = []
        for i, row in enumerate(book.get_sheet_by_name(name).to_python(), start=1):
            header = header or [str(value) for value in row]  # a sheet's first row names its columns
            for j, value in enumerate(row, start=1):
                if value is not None and value != "":
                    yield (f"sheet '{name}', row {i}, column {j}", str(value),
                           _column(header, j - 1) if i > 1 else "")


def _docx_pieces(path: Path) -> Iterator[tuple[str, str, str]]:
    import docx

    document = docx.Document(str(path))
    for i, paragraph in enumerate(document.paragraphs, start=1):
        yield f"paragraph {i}", paragraph.text, ""
    for t, table in enumerate(document.tables, start=1):
        header = [cell.text for cell in table.rows[0].cells] if table.rows else []
        for r, row in enumerate(table.rows, start=1):
            for c, cell in enumerate(row.cells, start=1):
                yield f"table {t}, row {r}, column {c}", cell.text, _column(header, c - 1) if r > 1 else ""
    for section in document.sections:
        for paragraph in section.header.paragraphs + section.footer.paragraphs:
            yield "header/footer", paragraph.text, ""
    yield "document properties", " ".join(filter(None, (document.core_properties.title,
                                                         document.core_properties.author,
                                                         document.core_properties.subject))), ""


def _zip_pieces(path: Path) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            yield f"member name '{name}'", name
            if name.lower().endswith((".xml", ".qde", ".txt", ".md", ".json", ".html", ".csv")):
                text = io.BytesIO(archive.read(name)).read().decode("utf-8-sig", errors="replace")
                for i, line in enumerate(text.splitlines(), start=1):
                    yield f"member '{name}', line {i}", line


def _parquet_pieces(path: Path) -> Iterator[tuple[str, str, str]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    yield "column names", " ".join(table.column_names), ""
    for name in table.column_names:
        for i, value in enumerate(table.column(name).to_pylist(), start=1):
            if value is not None and value != "":
                yield f"row {i}, column '{name}'", str(value), name

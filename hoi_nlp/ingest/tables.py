"""Read a survey export (``.xlsx`` or Danish-Excel ``.csv``) into a header and rows of strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.files import check_office_zip, decode_text, read_bytes, text_parts_only
from hoi_nlp.ingest.normalize import normalize_text

logger = logging.getLogger(__name__)

MAX_CELL_CHARS = 100_000
TABLE_SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class Table:
    """A survey export as strings: ``rows`` are ``(excel_row_number, cells)``, cells padded to the header."""

    path: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(path: Path, *, display: str | None = None) -> Table:
    """Read ``path`` (.xlsx or .csv) into a :class:`Table`; raise IngestError on unreadable input."""
    name = display or str(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw_rows = _xlsx_rows(path, display=name)
    elif suffix == ".csv":
        raw_rows = _csv_rows(path, display=name)
    else:
        raise IngestError(
            f"unsupported survey export type '{suffix}'", path=name, hint="export the survey as .xlsx or .csv"
        )
    return _build_table(raw_rows, display=name)


def _build_table(raw_rows: Iterator[tuple[int, list[str]]], *, display: str) -> Table:
    header_row = next(raw_rows, None)
    if header_row is None or not any(cell.strip() for cell in header_row[1]):
        raise IngestError(
            "the export has no header row (the first row is empty or the file has no rows)",
            path=display,
            hint="the first row must hold the column names",
        )
    header = _clean_header(header_row[1], display=display)
    rows: list[tuple[int, list[str]]] = []
    for number, cells in raw_rows:
        if not any(cell.strip() for cell in cells):
            continue
        _check_cells(number, cells, header, display=display)
        rows.append((number, (cells + [""] * len(header))[: len(header)]))
    return Table(path=display, header=header, rows=rows)


def _clean_header(cells: list[str], *, display: str) -> list[str]:
    header = [normalize_text(cell).strip() for cell in cells]
    while header and not header[-1]:
        header.pop()
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if name and name in seen:
            raise IngestError(
                f"column name '{name}' appears twice (columns {seen[name] + 1} and {index + 1})",
                path=display,
                where="row 1",
                hint="give every column a unique name",
            )
        seen[name] = index
    return header


def _check_cells(number: int, cells: list[str], header: list[str], *, display: str) -> None:
    for index, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            column = header[index] if index < len(header) else f"#{index + 1}"
            raise IngestError(
                f"a cell holds {len(cell):,} characters (limit {MAX_CELL_CHARS:,})",
                path=display,
                where=f"row {number}, column '{column}'",
                hint="check the export; a cell this long is usually a broken quote in a CSV",
            )
    extra = [cell for cell in cells[len(header) :] if cell.strip()]
    if extra:
        raise IngestError(
            f"the row has {len(cells)} cells but the header only {len(header)} columns",
            path=display,
            where=f"row {number}",
            hint="check the delimiter and quoting, or add the missing column names",
        )


# ---------------------------------------------------------------- CSV


def sniff_delimiter(text: str) -> str:
    """Pick ``;``, ``,`` or tab from the header line (the one occurring most often outside quotes)."""
    line, in_quotes = [], False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        elif char == "\n" and not in_quotes:
            break
        elif not in_quotes:
            line.append(char)
    counts = {delimiter: line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(path: Path, *, display: str) -> Iterator[tuple[int, list[str]]]:
    text = decode_text(read_bytes(path, display=display), display=display)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS * 4))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise IngestError(
            f"the CSV cannot be parsed: {exc}",
            path=display,
            where=f"row {reader.line_num}",
            hint="check quoting; save it again from Excel as CSV",
        ) from exc
    if rows:
        for number, row in enumerate(rows[1:], start=2):
            _check_delimiter(number, row, width=len(rows[0]), delimiter=delimiter, display=display)
    return iter([(number, row) for number, row in enumerate(rows, start=1)])


def _check_delimiter(number: int, row: list[str], *, width: int, delimiter: str, display: str) -> None:
    """Refuse a row that is short because it uses another delimiter than the header (mixed delimiters)."""
    missing = width - len(row)
    if width < 3 or missing < max(2, width // 2):
        return
    joined = delimiter.join(row)
    for other in {";", ",", "\t"} - {delimiter}:
        if joined.count(other) >= missing:
            shown = {"\t": "tab"}.get(other, repr(other))
            raise IngestError(
                f"the row uses {shown} between cells while the header uses {repr(delimiter)} "
                f"({len(row)} cells instead of {width}): mixed delimiters",
                path=display, where=f"row {number}",
                hint="save the export again from Excel/the survey tool with one delimiter throughout",
            )


# ---------------------------------------------------------------- XLSX


def cell_text(value: Any) -> str:
    """Render one spreadsheet value as text (integral floats without ``.0``, dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path, *, display: str) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    with check_office_zip(path, display=display) as archive:
        buffer = text_parts_only(archive, display=display)
    try:
        workbook = openpyxl.load_workbook(buffer, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise IngestError(
            f"the workbook cannot be opened: {exc.__class__.__name__}: {exc}",
            path=display,
            hint="open it in Excel and save it again as .xlsx",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [
            (number, [cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        if len(workbook.worksheets) > 1:
            logger.info("%s: reading the first of %d sheets", display, len(workbook.worksheets))
    except Exception as exc:
        raise IngestError(
            f"the first sheet cannot be read: {exc.__class__.__name__}: {exc}",
            path=display,
            hint="open it in Excel and save it again as .xlsx",
        ) from exc
    finally:
        workbook.close()
    return iter(rows)

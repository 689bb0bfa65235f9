"""Read a survey export (``.xlsx`` or Danish-Excel ``.csv``) into a header and rows of strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.files import check_office_zip, decode_text, read_bytes, text_parts_only
from hoi_nlp.ingest.normalize import column_key

logger = logging.getLogger(__name__)

MAX_CELL_CHARS = 100_000
_EXCEL_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SEP_LINE_RE = re.compile(r"sep=([;,\t|])[ \t]*(?:\n|$)", re.IGNORECASE)
TABLE_SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class Table:
    """A survey export as strings: ``rows`` are ``(excel_row_number, cells)``, cells padded to the header."""

    path: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what Excel does not show but is read (hidden rows, a hidden sheet)
    hidden_columns: tuple[str, ...] = ()  # the names of the columns Excel hides
    # per column, the question text the tool wrote where the column's name is another (a variable name,
    # a Qualtrics id, a repeated name told apart): the draft's ``question:``; "" where it is the name
    labels: tuple[str, ...] = ()
    recognised: tuple[str, ...] = ()  # the layout recognised and how its header was read, in words
    # the mark a text cell writes decimals with: "," in a Danish Excel CSV (semicolon-separated), "" where
    # unknown (a comma-separated CSV; an .xlsx, whose number cells are :class:`NumberCell`)
    decimal_mark: str = ""

    def label(self, column: str) -> str:
        """The question text of ``column`` (its name where the export gives no other)."""
        index = self.header.index(column)
        return (self.labels[index] if index < len(self.labels) else "") or column

    def aliases(self) -> dict[str, str]:
        """Question texts that name one column each and no column is named by: a schema written for the
        export with its other header row deleted names its columns so, and they still find them."""
        counts = Counter(label for label in self.labels if label)
        names = set(self.header)
        return {label: self.header[index] for index, label in enumerate(self.labels)
                if label and counts[label] == 1 and label not in names}


def read_table(path: Path, *, display: str | None = None, sheet: str | None = None) -> Table:
    """Read ``path`` (.xlsx or .csv) into a :class:`Table`; raise IngestError on unreadable input.

    ``sheet`` names the sheet of an .xlsx to read (default: the first); a .csv ignores it.
    """
    name = display or str(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_table(path, display=name, sheet=sheet)
    if suffix == ".csv":
        rows, delimiter = _csv_rows(path, display=name)
        return replace(_build_table(rows, display=name, spreadsheet=False),
                       decimal_mark="," if delimiter == ";" else "")
    from hoi_nlp.ingest.materials import SURVEY_CONVERSIONS

    hint = dict(SURVEY_CONVERSIONS).get(suffix, "export the survey as .xlsx or .csv")
    raise IngestError(f"unsupported survey export type '{suffix}' (survey exports are .xlsx or .csv)",
                      path=name, hint=hint)


def _xlsx_table(path: Path, *, display: str, sheet: str | None) -> Table:
    sheets, names = _read_sheets(path, display=display, only=sheet)
    chosen = next(iter(sheets.names), None)
    if len(names) > 1:
        logger.info("%s: reading sheet '%s' of %d sheets", display, chosen, len(names))
    try:
        table = _build_table(iter(sheets.rows.get(chosen, [])), display=display, spreadsheet=True)
    except IngestError as exc:
        if len(names) < 2:
            raise
        where = f"sheet '{chosen}'" + (f", {exc.where}" if exc.where else "")
        raise IngestError(exc.message, path=exc.path, where=where, hint=exc.hint) from exc
    notes = (*table.notes, *_hidden_notes(table, sheets, chosen), *_uncalculated_notes(table, sheets, chosen),
             *_same_columns_notes(table, sheets, chosen))
    hidden_columns = tuple(table.header[index - 1] for index in sheets.hidden_columns.get(chosen, ())
                           if index <= len(table.header) and table.header[index - 1])
    return replace(table, sheet=chosen, sheets=names, notes=notes, hidden_columns=hidden_columns)


def hidden_columns_note(table: Table, columns: Iterable[str]) -> list[str]:
    """A note naming those of ``columns`` that Excel hides: they are read like the others."""
    hidden = [column for column in dict.fromkeys(columns) if column in table.hidden_columns]
    if not hidden:
        return []
    listed = ", ".join(f"'{column}'" for column in hidden)
    return [f"the column(s) {listed} are hidden in Excel and are read like the others; check that they "
            "belong in the schema"]


def _same_columns_notes(table: Table, sheets: _Sheets, chosen: str | None) -> list[str]:
    """Name the other sheets that hold answers under the same column names (an export split over
    sheets): only one sheet is read, so their answers are not."""
    named = {name for name in table.header if name}
    same = [sheet for sheet, rows in sheets.others.items()
            if len(rows) > 1 and any(cell.strip() for cell in rows[1])
            and {column_key(cell) for cell in rows[0] if column_key(cell)} == named]
    return [f"the sheet '{sheet}' has the same columns and holds answers too, but only one sheet is read "
            f"('{chosen}'): its answers are not in the study — copy its rows below the others on one sheet"
            for sheet in same]


def _uncalculated_notes(table: Table, sheets: _Sheets, chosen: str | None) -> tuple[str, ...]:
    """Name the read rows' formula cells that hold no saved value: openpyxl (like any reader that does
    not calculate) reads them as empty, so their answers or attributes would be missing without a word."""
    read = {number for number, _ in table.rows}
    cells = [cell for number, cell in sheets.uncalculated.get(chosen, ()) if number in read]
    if not cells:
        return ()
    shown = ", ".join(cells[:10]) + (f" and {len(cells) - 10} more" if len(cells) > 10 else "")
    return (f"{len(cells)} cell(s) hold a formula whose value was never calculated and saved, and are read "
            f"as empty: {shown}; open the file in Excel or LibreOffice and save it again (or paste the "
            "column as values) so the values are stored",)


def _hidden_notes(table: Table, sheets: _Sheets, chosen: str | None) -> tuple[str, ...]:
    """Say what the read sheet holds that Excel does not show: every row is read, hidden or not."""
    notes = []
    if chosen in sheets.hidden:
        notes.append(f"the sheet '{chosen}' is hidden in Excel, and it is the one read")
    hidden = set(sheets.hidden_rows.get(chosen, ()))
    rows = [number for number, _ in table.rows if number in hidden]
    if rows:
        shown = ", ".join(map(str, rows[:10])) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        notes.append(
            f"{len(rows)} row(s) with answers are hidden in Excel (by hand or by a filter) and are read like "
            f"the others: row(s) {shown}; delete them from the export if they are test or withdrawn answers")
    return tuple(notes)


def _build_table(raw_rows: Iterator[tuple[int, list[str]]], *, display: str, spreadsheet: bool) -> Table:
    header_row = next(raw_rows, None)
    if header_row is None or not any(cell.strip() for cell in header_row[1]):
        raise IngestError(
            "the export has no header row (the first row is empty or the file has no rows)",
            path=display,
            hint="the first row must hold the column names",
        )
    rows = [(number, cells) for number, cells in raw_rows if any(cell.strip() for cell in cells)]
    _check_title_row(header_row[1], rows, display=display)
    layout = _recognise_layout(header_row[1], rows)
    first = [column_key(cell) for cell in header_row[1]]
    if layout is not None:
        rows = rows[layout.header_rows :]
    header, labels, told_apart = _clean_header(layout.names if layout else header_row[1],
                                               layout.labels if layout else None, spreadsheet=spreadsheet)
    _check_header_like_rows(first, header, rows, display=display)
    _check_summary_rows(rows, display=display)
    for number, cells in rows:
        _check_cells(number, cells, header, display=display)
    _check_unnamed_columns(header, len(header_row[1]), rows, display=display, spreadsheet=spreadsheet)
    width = len(header)
    recognised = ((layout.note,) if layout else ()) + told_apart
    notes = _test_response_notes(header, rows) if layout and layout.name == "qualtrics" else ()
    if layout and layout.name == "question texts":
        notes = _question_row_notes(layout.labels)
    return Table(path=display, header=header, rows=[(n, (c + [""] * width)[:width]) for n, c in rows],
                 labels=tuple(labels) if any(labels) else (), recognised=recognised, notes=notes)


# Qualtrics' Status of a response that no respondent gave: the author's preview, a generated test, spam.
_QUALTRICS_NOT_RESPONSES = frozenset({"survey preview", "survey test", "spam", "1", "2", "8"})


def _test_response_notes(header: list[str], rows: list[tuple[int, list[str]]]) -> tuple[str, ...]:
    """Name the rows of a Qualtrics export whose Status says a preview, test or spam, not a respondent:
    they are read like the others unless deleted."""
    if "Status" not in header:
        return ()
    index = header.index("Status")
    found = [number for number, cells in rows
             if index < len(cells) and cells[index].strip().casefold() in _QUALTRICS_NOT_RESPONSES]
    if not found:
        return ()
    shown = ", ".join(map(str, found[:10])) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
    return (f"{len(found)} row(s) are Qualtrics previews, tests or spam (column 'Status'), not respondents, "
            f"and are read like the others: row(s) {shown}; delete them from the export (or export "
            "without them) if they should not be in the study",)


_TITLE_HINT = "; if row 1 is a title, delete it: the header must be the first row"


def _filled(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell.strip())


def _check_title_row(first: list[str], rows: list[tuple[int, list[str]]], *, display: str) -> None:
    """Refuse a title or group-heading row above the column names (row 1 has far fewer cells filled)."""
    named = _filled(first)
    widest = max((_filled(cells) for _, cells in rows[:5]), default=0)
    longest = max((len(cells) for _, cells in rows[:5]), default=0)
    # A CSV whose row 1 has fewer cells than the rows has another delimiter problem (see below).
    if named <= 2 and widest >= 3 and widest > 2 * named and len(first) >= longest:
        raise IngestError(
            f"row 1 looks like a title or group heading, not the column names "
            f"(only {named} of {widest} columns filled)",
            path=display,
            where="row 1",
            hint="the header (one name per column) must be the first row: delete the rows above it "
            "and unmerge merged header cells",
        )


_VARIABLE_NAME_RE = re.compile(r"[^\W\d_][\w.]{0,39}")
_SUMMARY_LABELS = frozenset({"total", "totalt", "i alt", "ialt", "sum", "summa", "antal", "antal svar",
                             "gennemsnit", "middelværdi", "average", "mean", "count", "n", "samlet",
                             "alle", "all", "grand total", "hovedtotal"})


@dataclass(frozen=True)
class _Layout:
    """A survey tool's header over more than one row, recognised: the names the columns get, their
    question texts, and how many rows below row 1 belong to the header."""

    name: str
    names: list[str]
    labels: list[str]
    header_rows: int
    note: str


# Row 2 of a SurveyMonkey export above a single-answer or open question (English and Danish).
_MONKEY_ANSWER_LABELS = frozenset({"response", "open-ended response", "svar", "åbent svar",
                                   "åben besvarelse"})
_QUALTRICS_IMPORT_RE = re.compile(r'\{\s*"ImportId"\s*:')


def _recognise_layout(first: list[str], rows: list[tuple[int, list[str]]]) -> _Layout | None:
    """A header of two or three rows that a survey tool writes (a Qualtrics export, SurveyMonkey's
    question and answer rows, variable names under the question texts), else None: one header row."""
    second = rows[0][1] if rows and rows[0][0] == 2 else None
    if second is None:
        return None
    third = rows[1][1] if len(rows) > 1 and rows[1][0] == 3 else []
    imports = [cell for cell in third if cell.strip()]
    qualtrics = sum(1 for cell in imports if _QUALTRICS_IMPORT_RE.match(cell.strip()))
    below = [*second[: len(first)], *[""] * (len(first) - len(second))]  # row 2 under row 1's columns
    if imports and qualtrics >= 0.8 * len(imports):
        return _Layout(
            "qualtrics", list(first), below, 2,
            "a Qualtrics export: row 1's ids (Q1, Q2_TEXT) name the columns, row 2 holds the question "
            "texts and row 3 the import ids; neither is read as a respondent")
    if _is_qualtrics_text_row(first, second):
        return _Layout(
            "qualtrics", list(first), below, 1,
            "a Qualtrics export without its import-id row (or a legacy one): row 1's ids name the "
            "columns, row 2 holds the question texts and is not read as a respondent")
    named = [column_key(cell) for cell in first]
    if _is_monkey_answer_row(first, second, third):
        names, question = [], ""
        for index in range(max(len(first), len(second))):
            answer = column_key(second[index]) if index < len(second) else ""
            asked = column_key(first[index]) if index < len(first) else ""
            question = asked or (question if answer else "")
            plain = not answer or answer.casefold() in _MONKEY_ANSWER_LABELS
            names.append(question if plain or not question else f"{question} - {answer}")
        return _Layout(
            "surveymonkey", names, [""] * len(names), 1,
            "a SurveyMonkey export: row 1 holds the questions and row 2 the answer options (row 2 is not "
            "read as a respondent); a column is named by its question, an option's column by its question "
            "and option ('Spørgsmål - Andet')")
    if _looks_like_variable_names(second, named, rows[1:]):
        names = [cell if cell.strip() else first[index] if index < len(first) else ""
                 for index, cell in enumerate(second[: len(first)])]
        return _Layout(
            "variable names", names, list(first), 1,
            "row 2 holds variable names under the question texts of row 1 (as SurveyXact, Enalyzer and "
            "SPSS-style exports write them): the variable names name the columns, row 1 gives the questions")
    if _is_question_row_under_variable_names(first, second, rows[1:]):
        return _Layout(
            "question texts", list(first), below, 1,
            "row 2 holds the question texts under the variable names of row 1 (as SurveyXact, Enalyzer and "
            "SPSS-style exports can write them): the variable names name the columns, row 2 is no respondent")
    return None


def _question_row_notes(second: list[str]) -> tuple[str, ...]:
    """Say which row 2 was taken for question texts, not a respondent, and what to do if it is one."""
    shown = shorten(", ".join(f"'{cell.strip()}'" for cell in second if cell.strip()))
    return (f"row 2 ({shown}) is read as the question texts under the variable names of row 1, not as a "
            "respondent; if it is a respondent's answers, insert a row with the question texts (or an "
            "empty row) between row 1 and row 2 so that they are read",)


def _variable_names(values: list[str]) -> bool:
    """Three or more distinct names, each shaped like a variable name (``q1_2_komm``, ``s_3``), most
    with digits or underscores."""
    if len(values) < 3 or len(set(values)) != len(values):
        return False
    if not all(_VARIABLE_NAME_RE.fullmatch(value) for value in values):
        return False
    coded = sum(1 for value in values if "_" in value or any(char.isdigit() for char in value))
    return coded * 2 >= len(values)


def _shape(value: str) -> str:
    """``R_3kXy1`` → ``a_9a9``: letters and digits as runs, the rest as written."""
    return re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "a", value))


def _is_question_row_under_variable_names(first: list[str], second: list[str],
                                          later: list[tuple[int, list[str]]]) -> bool:
    """Row 2 is the question texts under variable names: row 1's names are all variable names, row 2
    fills nearly every column with distinct texts, at least one a question ('…?'), and in every
    column whose answers below repeat a few categories (two such at least) row 2 holds a text no
    respondent chose — where a respondent's row picks among the categories the others picked — and in
    no column whose cells below are all ids or numbers of one shape (``1``, ``R_3kXy``) does row 2 hold
    one of that shape, as a respondent's id or number would be."""
    named = [index for index, cell in enumerate(first) if cell.strip()]
    if not _variable_names([first[index].strip() for index in named]):
        return False
    texts = [second[index].strip() if index < len(second) else "" for index in named]
    filled = [text for text in texts if text]
    if len(filled) < 0.8 * len(named) or len(set(filled)) != len(filled) or len(later) < 4:
        return False
    if not any(text.endswith("?") and len(text.split()) >= 3 for text in filled):
        return False
    categorical = 0
    for index, text in zip(named, texts, strict=True):
        values = [cells[index].strip() for _, cells in later if index < len(cells) and cells[index].strip()]
        shapes = {_shape(value) for value in values}
        if len(values) >= 4 and len(shapes) == 1 and any(char.isdigit() for char in values[0]) \
                and _shape(text) in shapes:
            return False  # an id or a number like those below: a respondent's
        if len(values) >= 4 and len(set(values)) <= len(values) / 2:
            if text in values:
                return False
            categorical += 1
    return categorical >= 2


def _is_qualtrics_text_row(first: list[str], second: list[str]) -> bool:
    """Qualtrics' row 2 of question texts: 'Response ID' under the ``ResponseId`` column (legacy
    exports: 'ResponseID' under ``V1``), where a respondent's row holds an id such as ``R_3kXy…``."""
    for index, cell in enumerate(first[: len(second)]):
        if cell.strip().casefold() in ("responseid", "v1") and \
                "".join(second[index].split()).casefold() == "responseid":
            return True
    return False


# The respondent's own columns that lead a SurveyMonkey export (English and Danish), compared without
# spaces, hyphens and underscores: empty in its row 2.
_MONKEY_META = frozenset(re.sub(r"[\s_-]+", "", name) for name in (
    "respondent id", "collector id", "start date", "end date", "ip address", "email address", "first name",
    "last name", "custom data", "custom data 1", "respondent-id", "indsamler-id", "startdato", "slutdato",
    "ip-adresse", "e-mailadresse", "fornavn", "efternavn", "brugerdefinerede data",
    "brugerdefinerede data 1", "brugerdefineret data 1"))


def _is_monkey_answer_row(first: list[str], second: list[str], third: list[str] | None = None) -> bool:
    """SurveyMonkey's row 2, in the shape the tool writes it: the respondent's own columns lead row 1
    («Respondent ID», «Collector ID», «Start Date», …) with nothing under them, and under the
    questions after them, most (four in five) as SurveyMonkey writes them: 'Response', 'Open-Ended
    Response' or 'Svar' under a question of one column, an option's label under each column of a
    question that spans several (without a question of their own in row 1). Where the first
    respondent (``third``, row 3) has its own columns filled that row 2 leaves empty, any label under a
    question of one column fits too: the tool writes 'Dato / klokkeslæt' under a date question,
    'Antal' under a one-box text question. A first respondent whose id is empty and who answered «Svar»
    somewhere is no such row: it is read as a respondent."""
    def meta(cell: str) -> bool:
        return re.sub(r"[\s_-]+", "", column_key(cell).casefold()) in _MONKEY_META

    answers = [column_key(cell).casefold() for cell in second]
    answers += [""] * (len(first) - len(answers))
    lead = next((index for index, cell in enumerate(first) if not meta(cell)), len(first))
    if lead == 0 or any(answers[:lead]):
        return False
    groups: list[list[int]] = []  # a question's columns: its own and those with no name in row 1
    for index in range(lead, len(answers)):
        if index < len(first) and first[index].strip():
            groups.append([index])
        elif groups:
            groups[-1].append(index)
    # row 2 under the respondent's own columns empty, row 3 there filled: row 2 is no respondent's
    below_own = bool(third) and any(cell.strip() for cell in (third or [])[:lead])
    fits = sum(1 for group in groups if (
        (answers[group[0]] in _MONKEY_ANSWER_LABELS or (below_own and bool(answers[group[0]])))
        if len(group) == 1 else all(answers[index] for index in group)))
    labelled = sum(1 for answer in answers if answer in _MONKEY_ANSWER_LABELS)
    return bool(groups) and labelled >= 1 and fits >= 0.8 * len(groups)


def _check_header_like_rows(first: list[str], header: list[str], rows: list[tuple[int, list[str]]], *,
                            display: str) -> None:
    """Refuse the column names of row 1 repeated further down (exports pasted together), and a second
    header row of variable names that no recognised layout explains: it would be read as a respondent
    whose answers are the variable names."""
    while first and not first[-1]:
        first = first[:-1]
    for number, cells in rows:
        if [column_key(cell) for cell in cells[: len(first)]] == first:
            raise IngestError(
                "the row repeats the column names of row 1", path=display, where=f"row {number}",
                hint="delete the row (two exports pasted together keep the header of the second)")
    if rows and _looks_like_variable_names(rows[0][1], header, rows[1:]):
        number, cells = rows[0]
        shown = ", ".join(f"'{cell.strip()}'" for cell in cells if cell.strip())
        raise IngestError(
            f"row {number} looks like another header row of variable names ({shorten(shown)}), not a "
            "respondent's answers",
            path=display, where=f"row {number}",
            hint=f"delete row {number}: the rows above it must be the only header rows")


def shorten(text: str, limit: int = 120) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _looks_like_variable_names(cells: list[str], header: list[str],
                               later: list[tuple[int, list[str]]]) -> bool:
    """Every cell filled, distinct and shaped like a variable name (``q1_2_komm``, ``s_3``), with
    digits or underscores in most, while the rows below write text with spaces in those columns."""
    named = [index for index, name in enumerate(header) if name]
    values = [cells[index].strip() if index < len(cells) else "" for index in named]
    filled = [value for value in values if value]
    if len(filled) < 0.8 * len(named) or not _variable_names(filled):
        return False
    return any(
        index < len(row) and len(row[index].split()) > 1 for _, row in later[:50] for index in named
    )


_SUMMARY_NUMBER = re.compile(r"[-+]?\d[\d .,]*\s*%?")


def _check_summary_rows(rows: list[tuple[int, list[str]]], *, display: str) -> None:
    """Refuse a totals row at the bottom ('Total', 'I alt', 'Gennemsnit' in its first filled cell, and
    only numbers after it): it would be read as a respondent whose answers are counts. A respondent whose
    first filled cell is 'N' or 'Alle' writes words in other cells."""
    for number, cells in rows[-3:]:
        filled = [cell.strip() for cell in cells if cell.strip()]
        first = filled[0] if filled else ""
        if first.rstrip(":").strip().casefold() in _SUMMARY_LABELS and all(
                _SUMMARY_NUMBER.fullmatch(cell) for cell in filled[1:]):
            raise IngestError(
                f"row {number} looks like a totals or summary row ('{first}'), not a respondent",
                path=display, where=f"row {number}",
                hint="delete the totals/summary rows below the answers, and save the export again")


def _column_name(index: int, *, spreadsheet: bool) -> str:
    if spreadsheet:
        from openpyxl.utils import get_column_letter

        return f"column {get_column_letter(index + 1)}"
    return f"column {index + 1}"


def _check_unnamed_columns(
    header: list[str], raw_width: int, rows: list[tuple[int, list[str]]], *, display: str, spreadsheet: bool
) -> None:
    """Refuse answers in a column without a name in row 1 (e.g. under a merged header cell)."""
    for number, cells in rows:
        for index, cell in enumerate(cells):
            if not cell.strip() or (index < len(header) and header[index]):
                continue
            if not spreadsheet and index >= raw_width:
                raise IngestError(
                    f"the row has {len(cells)} cells but the header only {raw_width}",
                    path=display,
                    where=f"row {number}",
                    hint="check the delimiter and quoting, or add the missing column names"
                    + (_TITLE_HINT if raw_width <= 2 else ""),
                )
            column = _column_name(index, spreadsheet=spreadsheet)
            second_header = number == 2 and not cells[0].strip()
            raise IngestError(
                f"the column has answers (the first in row {number}) but no name in row 1"
                + (" — row 2 looks like a second header row (answer options under the questions), of a "
                   "layout hoi does not know" if second_header else ""),
                path=display,
                where=column,
                hint=(f"write each column's full name in row 1 (e.g. 'Question - Option' in {column}) and "
                      "delete row 2, so that row 1 is the only header row; or export from the survey tool "
                      "with one header row" if second_header else
                      f"write the column's name in row 1 of {column} (unmerge the header cells if it sits "
                      "under a merged cell), or delete the column"),
            )


def _clean_header(cells: list[str], labels: list[str] | None, *,
                  spreadsheet: bool) -> tuple[list[str], list[str], tuple[str, ...]]:
    """The columns' names as the schema names them, their question texts (see :attr:`Table.labels`) and
    a note on the names told apart.

    A name that several columns share (Microsoft Forms writes «Uddyb gerne» or «Andet» above every
    follow-up question of that wording) is kept by its first column; each later one is told apart by
    the nearest column before it whose name is unique so far, its question: «Uddyb gerne (I hvilken
    grad oplever I barrierer?)». A column's name depends only on the columns up to it, so a column
    added further on (a second «Andet» too) changes no name.
    """
    header = [column_key(cell) for cell in cells]
    texts = [column_key(label) for label in (labels or [])] + [""] * len(header)
    while header and not header[-1]:
        header.pop()
    names, questions = list(header), texts[: len(header)]
    taken = {name for name in header if name}
    shared: dict[str, list[str]] = {}
    for index, name in enumerate(header):
        if not name or name not in header[:index]:
            continue
        counts = Counter(header[: index + 1])
        at = next((before for before in range(index - 1, -1, -1)
                   if header[before] and counts[header[before]] == 1), None)
        anchor = header[at] if at is not None else ""
        base = f"{name} ({shorten(anchor, 60) if anchor else _column_name(index, spreadsheet=spreadsheet)})"
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base} {number}", number + 1
        taken.add(candidate)
        names[index] = candidate
        question = questions[index] or name
        questions[index] = f"{questions[at] or anchor}: {question}" if at is not None else question
        shared.setdefault(name, []).append(candidate)
    told_apart = tuple(
        f"{len(found) + 1} columns are named '{name}': the first keeps the name, each other is named by the "
        "question before it, " + ", ".join(f"'{item}'" for item in found) for name, found in shared.items())
    return names, questions, told_apart


def _check_cells(number: int, cells: list[str], header: list[str], *, display: str) -> None:
    for index, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            column = header[index] if index < len(header) and header[index] else f"#{index + 1}"
            raise IngestError(
                f"a cell holds {len(cell):,} characters (limit {MAX_CELL_CHARS:,})",
                path=display,
                where=f"row {number}, column '{column}'",
                hint="check the export; a cell this long is usually a broken quote in a CSV",
            )


# ---------------------------------------------------------------- CSV


def sniff_delimiter(text: str) -> str:
    """Pick ``;``, ``,`` or tab: the one occurring most often outside quotes on the header line.

    When the first line has none (a title line above the header), the first line with one decides.
    """
    for line in _unquoted_lines(text, limit=10):
        counts = {delimiter: line.count(delimiter) for delimiter in (";", ",", "\t")}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        if counts[best]:
            return best
    return ","


def _unquoted_lines(text: str, *, limit: int) -> Iterator[str]:
    """The first ``limit`` records of ``text`` with quoted parts left out."""
    line: list[str] = []
    in_quotes = False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        elif char == "\n" and not in_quotes:
            yield "".join(line)
            limit -= 1
            if not limit:
                return
            line = []
        elif not in_quotes:
            line.append(char)
    yield "".join(line)


@dataclass(frozen=True)
class _Record:
    """One parsed CSV record: its row number (the header is row 1), first physical line and raw text."""

    row: int
    line: int
    raw: str
    cells: list[str]

    @property
    def where(self) -> str:
        return f"row {self.row}" if self.row == self.line else f"row {self.row}, line {self.line} of the file"


def _csv_rows(path: Path, *, display: str) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """The CSV's rows and its delimiter."""
    text = decode_text(read_bytes(path, display=display), display=display)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    declared = _SEP_LINE_RE.match(text)
    if declared:  # Excel's "sep=;" line declares the delimiter; the header is the line after it
        delimiter, text = declared.group(1), text[declared.end() :]
    else:
        delimiter = sniff_delimiter(text)
    records = _csv_records(text, delimiter, display=display, skipped_lines=1 if declared else 0)
    if records:
        _check_records(records, delimiter=delimiter, display=display)
    return iter([(record.row, record.cells) for record in records]), delimiter


def allow_large_csv_fields() -> None:
    """Let :mod:`csv` read a field four times :data:`MAX_CELL_CHARS` long (so that a cell over the limit is
    named as such), where its own limit raised a bare error at 131,072 characters; the leak check of exports
    reads with it too."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS * 4))


def _csv_records(text: str, delimiter: str, *, display: str, skipped_lines: int) -> list[_Record]:
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    allow_large_csv_fields()
    records: list[_Record] = []
    first_line = 1
    try:
        for cells in reader:
            raw = "\n".join(lines[first_line - 1 : reader.line_num])
            line = first_line + skipped_lines
            records.append(_Record(row=len(records) + 1, line=line, raw=raw, cells=cells))
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise IngestError(
            f"the CSV cannot be parsed: {exc}",
            path=display,
            where=f"line {reader.line_num + skipped_lines}",
            hint="check quoting; save it again from Excel as CSV",
        ) from exc
    return records


def _check_records(records: list[_Record], *, delimiter: str, display: str) -> None:
    """Refuse damaged rows: a wrong cell count, or a quote that swallowed delimiters or whole rows.

    Excel and survey tools write every column on every row, so a row with fewer cells than the
    header is damaged; rows without any content (a trailing empty line) are fine.
    """
    header, width = records[0], len(records[0].cells)
    if not any(cell.strip() for cell in header.cells):
        return  # no header row: _build_table says so
    previous = header
    for record in records:
        if not any(cell.strip() for cell in record.cells):
            continue
        found = _unclosed_quote(record, delimiter=delimiter, width=width)
        short = record is not header and len(record.cells) < width
        if found is None and short:
            _check_delimiter(record, width=width, delimiter=delimiter, display=display)
            # a row before with every cell may hold a well-quoted cell over several lines with
            # delimiters in it: then only a quote closed mid-cell makes it suspect
            found = _suspect_quote(record, delimiter) or _suspect_quote(
                previous, delimiter, multi_line=len(previous.cells) != width)
        if found is not None:
            culprit, column, problem = found
            raise IngestError(
                f"a quote seems not to be closed: {problem}",
                path=display,
                where=f"{culprit.where}, column {_column_label(header, column)}",
                hint='close the quote (a " inside a cell is written ""), or save the export again from '
                "Excel/the survey tool",
            )
        if short:
            raise IngestError(
                f"the row has {len(record.cells)} cells but the header has {width}: the row is damaged "
                "(an export writes every column on every row)",
                path=display,
                where=record.where,
                hint="check the row's delimiters and quotes, or export the survey again",
            )
        previous = record


def _column_label(header: _Record, index: int) -> str:
    name = header.cells[index].strip() if index < len(header.cells) else ""
    return f"{index + 1} ('{name}')" if name else f"{index + 1}"


@dataclass(frozen=True)
class _QuotedCell:
    column: int
    body: str
    closed: bool
    ends_cell: bool


def _quoted_cells(raw: str, delimiter: str) -> Iterator[_QuotedCell]:
    """The cells of one raw record that open with a quote, with how their quote ends."""
    column, start = 0, 0
    while start <= len(raw):
        end = start
        if raw.startswith('"', start):
            close = _closing_quote(raw, start + 1)
            if close < 0:
                yield _QuotedCell(column, raw[start + 1 :], closed=False, ends_cell=True)
                return
            after = raw[close + 1 : close + 2]
            yield _QuotedCell(column, raw[start + 1 : close], closed=True, ends_cell=after in ("", delimiter))
            end = close + 1
        following = raw.find(delimiter, end)
        if following < 0:
            return
        column, start = column + 1, following + 1


def _closing_quote(raw: str, start: int) -> int:
    """Index of the quote closing a quoted cell whose text starts at ``start`` (``""`` is a quote), or -1."""
    while True:
        found = raw.find('"', start)
        if found < 0 or not raw.startswith('""', found):
            return found
        start = found + 2


def _unclosed_quote(record: _Record, *, delimiter: str, width: int) -> tuple[_Record, int, str] | None:
    """A quoted cell that runs to the end of the file, or holds lines that look like whole rows."""
    for cell in _quoted_cells(record.raw, delimiter):
        if not cell.closed:
            return record, cell.column, "the cell runs to the end of the file"
        row_like = max(2, width - 1)
        if any(line.count(delimiter) >= row_like for line in cell.body.split("\n")[1:]):
            return record, cell.column, "the cell spans several lines that look like whole rows"
    return None


def _suspect_quote(record: _Record, delimiter: str, *,
                   multi_line: bool = True) -> tuple[_Record, int, str] | None:
    """Near a short row: a quoted cell closed in the middle of its text, or (``multi_line``) spanning
    lines with delimiters."""
    for cell in _quoted_cells(record.raw, delimiter):
        if not cell.ends_cell:
            return record, cell.column, "it ends in the middle of the text, so cells are glued or split"
        if multi_line and "\n" in cell.body and delimiter in cell.body.split("\n", 1)[1]:
            return record, cell.column, "the cell spans several lines and swallows delimiters"
    return None


def _check_delimiter(record: _Record, *, width: int, delimiter: str, display: str) -> None:
    """Refuse a row that is short because it uses another delimiter than the header (mixed delimiters)."""
    row = record.cells
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
                path=display, where=record.where,
                hint="save the export again from Excel/the survey tool with one delimiter throughout",
            )


# ---------------------------------------------------------------- XLSX


class NumberCell(str):
    """The text of a spreadsheet cell that held a number (4.5), not a text that looks like one ("10.30"):
    see :mod:`hoi_nlp.ingest.numbers`."""

    __slots__ = ()


def cell_text(value: Any) -> str:
    """Render one spreadsheet value as text (integral floats without ``.0``, dates as ISO, no midnight);
    a number as a :class:`NumberCell`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, float) and value.is_integer():
        return NumberCell(int(value))
    if isinstance(value, int | float):
        return NumberCell(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()  # a date-only cell (Excel stores dates as midnight)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return decode_excel_escapes(value)
    return str(value)


def decode_excel_escapes(text: str) -> str:
    """Decode Excel's ``_xHHHH_`` escapes (``_x000D_`` is a carriage return; ``_x005F_`` escapes ``_``)."""
    return _EXCEL_ESCAPE_RE.sub(lambda match: chr(int(match.group(1), 16)), text)


@dataclass(frozen=True)
class _Sheets:
    """The sheets of a workbook, each read as ``(row_number, cells)``."""

    rows: dict[str, list[tuple[int, list[str]]]]
    hidden_rows: dict[str, tuple[int, ...]] = field(default_factory=dict)  # rows Excel does not show
    hidden: frozenset[str] = frozenset()  # sheets Excel does not show
    # the first two rows of the sheets not read: does one hold answers under the same columns?
    others: dict[str, list[list[str]]] = field(default_factory=dict)
    hidden_columns: dict[str, tuple[int, ...]] = field(default_factory=dict)  # columns, from 1
    # cells holding a formula with no saved value (read as empty): ``(row, "B3")``
    uncalculated: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.rows)


def _open_workbook(path: Path, *, display: str) -> tuple[Any, io.BytesIO]:
    import openpyxl

    with check_office_zip(path, display=display) as archive:
        buffer = text_parts_only(archive, display=display)
    try:
        return openpyxl.load_workbook(buffer, read_only=True, data_only=True), buffer
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise IngestError(
            f"the workbook cannot be opened: {exc.__class__.__name__}: {exc}",
            path=display,
            hint="open it in Excel and save it again as .xlsx",
        ) from exc


def _read_sheets(
    path: Path, *, display: str, only: str | None = None, every: bool = False
) -> tuple[_Sheets, tuple[str, ...]]:
    """Read the sheet named ``only`` (default: the first, or every sheet with ``every``).

    Returns the sheets read and the names of all the workbook's sheets.
    """
    workbook, buffer = _open_workbook(path, display=display)
    try:
        # chart sheets hold no cells: they are neither read nor offered
        names = tuple(name for name in workbook.sheetnames if hasattr(workbook[name], "iter_rows"))
        if only is None and names and not every:
            only = names[0]
        if only is not None and only not in names:
            charts = set(workbook.sheetnames) - set(names)
            listed = ", ".join(f"'{name}'" for name in names)
            raise IngestError(
                f"the sheet '{only}' is a chart, not a table of answers (the workbook's tables: {listed})"
                if only in charts else f"the workbook has no sheet '{only}' (its sheets: {listed})",
                path=display,
                hint="correct `sheet:` in the schema to the sheet that holds the answers",
            )
        wanted = [only] if only is not None else list(names)
        rows = {name: _sheet_rows(workbook[name], display=display) for name in wanted}
        hidden_parts = {name: _unseen_parts(buffer, workbook[name]) for name in wanted}
        hidden = frozenset(name for name in wanted if workbook[name].sheet_state != "visible")
        others = {name: [cells for _, cells in _sheet_rows(workbook[name], display=display, limit=2)]
                  for name in names if name not in wanted}
        return _Sheets(rows, {name: parts.rows for name, parts in hidden_parts.items()}, hidden, others,
                       {name: parts.columns for name, parts in hidden_parts.items()},
                       {name: parts.uncalculated for name, parts in hidden_parts.items()}), names
    finally:
        workbook.close()


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True)
class _UnseenParts:
    """What a sheet's XML says that openpyxl's values do not: hidden rows and (1-based) columns, and
    formula cells without a saved value (openpyxl reads those as empty)."""

    rows: tuple[int, ...] = ()
    columns: tuple[int, ...] = ()
    uncalculated: tuple[tuple[int, str], ...] = ()


_CELL_ROW_RE = re.compile(r"^[A-Z]{1,3}(\d+)$")


def _unseen_parts(buffer: io.BytesIO, sheet: Any) -> _UnseenParts:
    """Hidden rows (``<row hidden="1">``: by hand or by a filter), hidden columns (``<col min max
    hidden="1">``) and formula cells with no ``<v>`` (a workbook written by a program that never
    calculated it) of a sheet."""
    import zipfile

    from lxml import etree

    part = getattr(sheet, "_worksheet_path", None)
    if not part:
        return _UnseenParts()
    rows: list[int] = []
    columns: list[int] = []
    uncalculated: list[tuple[int, str]] = []
    tags = (f"{_MAIN_NS}row", f"{_MAIN_NS}col", f"{_MAIN_NS}c")
    try:
        with zipfile.ZipFile(buffer) as archive, archive.open(part) as handle:
            for _, element in etree.iterparse(handle, events=("end",), tag=tags, resolve_entities=False):
                if element.tag == tags[2]:
                    _note_uncalculated(element, uncalculated)
                elif element.get("hidden") in ("1", "true"):
                    if element.tag == tags[0] and (element.get("r") or "").isdigit():
                        rows.append(int(element.get("r")))
                    elif element.tag == tags[1] and f"{element.get('min')}{element.get('max')}".isdigit():
                        last = min(int(element.get("max")), 16384)  # Excel's last column
                        columns.extend(range(int(element.get("min")), last + 1))
                element.clear()
    except (KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return _UnseenParts()  # openpyxl read the sheet; only this extra look failed
    return _UnseenParts(tuple(rows), tuple(columns), tuple(uncalculated))


def _note_uncalculated(cell: Any, found: list[tuple[int, str]]) -> None:
    """Add ``cell`` to ``found`` when it holds a formula and no saved value."""
    formula = cell.find(f"{_MAIN_NS}f")
    if formula is None:
        return
    value = cell.find(f"{_MAIN_NS}v")
    # Excel saves a formula's empty text result as ``t="str"`` with an empty ``<v>``; openpyxl and other
    # writers leave ``<v>`` empty (or out) when nothing calculated it
    if value is not None and (value.text or cell.get("t") == "str"):
        return
    match = _CELL_ROW_RE.match(cell.get("r") or "")
    if match:
        found.append((int(match.group(1)), cell.get("r")))


def _sheet_rows(sheet: Any, *, display: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """The sheet's rows as text, every row as wide as the widest. The cells are read whatever the
    sheet's stated used range (``<dimension>``): some tools write ``A1`` there, and a read-only
    workbook would then give the first cell alone."""
    try:
        sheet.reset_dimensions()
        rows = [
            (number, [cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(max_row=limit, values_only=True), start=1)
        ]
    except Exception as exc:
        raise IngestError(
            f"the sheet '{sheet.title}' cannot be read: {exc.__class__.__name__}: {exc}",
            path=display,
            hint="open it in Excel and save it again as .xlsx",
        ) from exc
    width = max((len(cells) for _, cells in rows), default=0)
    return [(number, cells + [""] * (width - len(cells))) for number, cells in rows]


def _sheet_score(rows: list[tuple[int, list[str]]]) -> int:
    """How much a sheet looks like the answers: named columns in row 1 times rows with content."""
    if not rows:
        return 0
    filled_rows = sum(1 for _, cells in rows[1:] if any(cell.strip() for cell in cells))
    return _filled(rows[0][1]) * filled_rows


def data_sheet(path: Path, *, display: str | None = None) -> tuple[str | None, tuple[str, ...]]:
    """The sheet of an .xlsx export that looks most like the answers, and all its sheet names.

    For a .csv export: ``(None, ())``.
    """
    if path.suffix.lower() != ".xlsx":
        return None, ()
    sheets, names = _read_sheets(path, display=display or str(path), every=True)
    best = max(names, key=lambda name: _sheet_score(sheets.rows[name]))
    return best, names

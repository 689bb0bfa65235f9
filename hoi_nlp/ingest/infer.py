"""Draft a survey schema from an export's header and values (``hoi survey-schema``)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.missing import is_missing
from hoi_nlp.ingest.personal import personal_kind
from hoi_nlp.ingest.result import study_files
from hoi_nlp.ingest.tables import (
    TABLE_SUFFIXES,
    Table,
    data_sheet,
    hidden_columns_note,
    read_table,
    shorten,
)

_ID_RE = re.compile(
    r"respondent|resp\.?[ _-]?id|response[ _-]?id|^id$|^id[ _-]|[ _-]id$|kommune-?id|løbe-?n(umme)?r|^nr\.?$",
    re.I,
)
_ATTRIBUTE_RES = {
    # "Kommune", "Kommunenavn", "Hvilken kommune svarer du for?" (not "Kommune-ID", not "kommunens …")
    "municipality": re.compile(r"^kommune(navn)?$|\bkommune(navn)?\b(?!.*\bid\b)", re.I),
    "region": re.compile(r"region", re.I),
    "size_group": re.compile(r"størrelse|stoerrelse|storrelse|size|indbygger(tal|gruppe)", re.I),
    "role": re.compile(r"rolle|role|stilling|titel", re.I),
}
_OPEN_NAME_RE = re.compile(
    r"kommentar|andet|andre|indsats|beskriv|uddyb|fritekst|bemærk|hvilke|hvorfor", re.I
)
_CLOSED_VALUE_RE = re.compile(
    r"^(ja|nej|ved ikke|i (meget )?(høj|lav|nogen) grad|i ingen grad|slet ikke|\d+([.,]\d+)?\+?|"
    r"[\d\s.,;:/+-]+|x)$",
    re.I,
)
_QUESTION_ID_RE = re.compile(r"^(\d+(?:\.\d+)*[a-z]?)(?:[ _.:-]+(.*))?$", re.I)


def _values(table: Table, index: int) -> list[str]:
    return [cells[index].strip() for _, cells in table.rows if cells[index].strip()]


def looks_free_text(values: list[str]) -> bool:
    """Mostly long, varied text rather than Likert/Ja/Nej/number categories."""
    answers = [value for value in values if not is_missing(value)]
    if not answers:
        return False
    closed = sum(1 for value in answers if _CLOSED_VALUE_RE.match(value))
    if closed / len(answers) > 0.5:
        return False
    wordy = sum(1 for value in answers if len(value.split()) >= 4 or len(value) >= 30)
    varied = len(set(answers)) / len(answers)
    return wordy / len(answers) >= 0.5 and (varied >= 0.6 or len(answers) < 4)


_FORMS_CHOICES_RE = re.compile(r"(?:[^;]+;)+")


def _forms_choices(values: list[str]) -> bool:
    """Half the cells or more written as Microsoft Forms writes a multiple-choice answer: options each
    followed by ';', no space after it («Skole;Beskæftigelse;»), and every cell with a ';' so. A list a
    respondent typed («Økonomi; IT-systemer; tid») is not."""
    joined = [value for value in values if ";" in value]
    return bool(values) and len(joined) * 2 >= len(values) and all(
        _FORMS_CHOICES_RE.fullmatch(value) and "; " not in value for value in joined)


def _google_choices(values: list[str]) -> bool:
    """Cells written as Google Forms writes a checkbox answer: the chosen options joined by ', ' in the
    form's order («Skole, Beskæftigelse»), an «Andet» option's text among them. Ordinary answers have
    commas too, so the signal is the column's: most of its parts are options that recur in other
    cells, two options at least, two cells or more holding two options or more, and options always
    in one order, written alike (a respondent who types a list writes «IT, økonomi» one time,
    «Økonomi, IT» the next)."""
    answers = [value for value in values if not is_missing(value)]
    cells = [[part.strip() for part in value.split(", ") if part.strip()] for value in answers]
    counts = Counter(part for parts in cells for part in set(parts))
    options = {part for part, count in counts.items() if count > 1}
    parts = [part for cell in cells for part in cell]
    if len(answers) < 4 or len(options) < 2 or sum(1 for part in parts if part in options) < 0.7 * len(parts):
        return False
    if sum(1 for cell in cells if sum(1 for part in cell if part in options) >= 2) < 2:
        return False
    if any(_CLOSED_VALUE_RE.match(option) for option in options):  # «Ja, men …» is no option list
        return False
    if len({part.casefold() for part in counts}) < len(counts):  # «Økonomi» here, «økonomi» there: typed
        return False
    after: dict[str, set[str]] = {option: set() for option in options}
    for cell in cells:
        chosen = [part for part in cell if part in options]
        for index, first in enumerate(chosen):
            after[first].update(chosen[index + 1 :])
    return _one_order(after)


def _one_order(after: dict[str, set[str]]) -> bool:
    """True if one order of the options puts each before those ``after`` it (no cycle)."""
    placed: set[str] = set()
    while len(placed) < len(after):
        free = [option for option in after if option not in placed
                and not any(option in after[other] for other in after if other not in placed)]
        if not free:
            return False
        placed.update(free)
    return True


def choice_separator(values: list[str]) -> str | None:
    """How a column's cells join a multiple-choice answer's options: ';' as Microsoft Forms writes
    them, ', ' as Google Forms does, else None."""
    if _forms_choices(values):
        return ";"
    return ", " if _google_choices(values) else None


_CHOICE_TOOLS = {";": "joined by ';' as Microsoft Forms", ", ": "joined by ', ' as Google Forms"}
# Below this many answers, a column that looks like Google Forms' checkbox options (see
# :func:`_google_choices`) is drafted as free text with a comment: a handful of respondents who typed
# the same departments in the same order look alike, and a closed item would leave all of them uncoded.
GOOGLE_CHOICES_MIN_ANSWERS = 8


def _looks_multiple_choice(values: list[str]) -> bool:
    """Cells of options joined by ';' as Microsoft Forms writes them, mostly repeated ones, or by ', '
    as Google Forms does (see :func:`_google_choices`)."""
    separator = choice_separator(values)
    if separator != ";":
        return separator is not None
    parts = [part.strip() for value in values for part in value.split(";") if part.strip()]
    counts = Counter(parts)
    return bool(parts) and sum(1 for part in parts if counts[part] > 1) >= 0.7 * len(parts)


def _is_open(name: str, values: list[str]) -> bool:
    if looks_free_text(values):
        return True
    answers = [value for value in values if not is_missing(value)]
    all_closed = bool(answers) and all(_CLOSED_VALUE_RE.match(value) for value in answers)
    return bool(_OPEN_NAME_RE.search(name)) and not all_closed and len(set(answers)) != 1


def question_id(column: str) -> str:
    """Question id from a column name.

    ``1.2_kommentar`` stays as it is; ``1.2 Kommentar til x`` becomes ``1.2_kommentar_til``.
    """
    match = _QUESTION_ID_RE.match(column.strip())
    if match:
        rest = _slug(match.group(2) or "", words=2)
        return f"{match.group(1)}_{rest}" if rest else match.group(1)
    return _slug(column, words=4) or "spoergsmaal"


def _slug(text: str, *, words: int) -> str:
    parts = re.findall(r"[\wæøåÆØÅ]+", text.lower())
    return "_".join(parts[:words])[:40]


def _guess_id(table: Table, personal: set[str]) -> str:
    for index, name in enumerate(table.header):
        values = _values(table, index)
        unique = len(set(values)) == len(values) == len(table.rows)
        if name not in personal and _ID_RE.search(name) and unique:
            return name
    for index, name in enumerate(table.header):
        values = _values(table, index)
        if name and name not in personal and len(set(values)) == len(values) == len(table.rows):
            return name
    return next((name for name in table.header if name and name not in personal), table.header[0])


def _guess_attributes(table: Table, taken: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for index, name in enumerate(table.header):
        if looks_free_text(_values(table, index)):  # "Hvordan arbejder kommune og region sammen?"
            continue
        label = table.label(name) if name else name  # a Qualtrics "Q1" by its question text
        for attribute, pattern in _ATTRIBUTE_RES.items():
            named = pattern.search(name) or pattern.search(label)
            if attribute not in found and name not in taken and named:
                found[attribute] = name
                taken.add(name)
    return found


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def survey_export_in(path: Path) -> Path:
    """The export to draft a schema from: ``path`` itself, or the one export in a study's ``survey/`` folder.

    Raises IngestError saying what to pass when ``path`` does not exist or the folder holds no or several
    exports.
    """
    if path.is_file():
        return path
    if not path.is_dir():
        raise IngestError("the export file does not exist", path=str(path),
                          hint="give the path of a .xlsx or .csv survey export, or of the study folder")
    folder = path / "survey" if (path / "survey").is_dir() else path
    exports = study_files(folder, TABLE_SUFFIXES)
    if len(exports) == 1:
        return exports[0]
    if not exports:
        raise IngestError("the folder holds no .xlsx or .csv survey export", path=str(folder),
                          hint="put the export in the study's survey/ folder, or give the export file's path")
    listed = ", ".join(export.name for export in exports)
    raise IngestError(
        f"the folder holds {len(exports)} survey exports ({listed})",
        path=str(folder),
        hint=f"give the one to draft from, e.g. `hoi survey-schema {exports[0].as_posix()}`",
    )


@dataclass(frozen=True)
class SchemaDraft:
    """A draft schema (YAML text) and the .xlsx sheet it was read from, with all the workbook's sheets."""

    text: str
    sheet: str | None
    sheets: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what the sheet holds that Excel does not show, sheets not read
    recognised: tuple[str, ...] = ()  # the tool's layout recognised, names told apart (Table.recognised)
    personal: tuple[str, ...] = ()  # the columns of personal data left out of the draft


def draft_schema(export_path: Path) -> SchemaDraft:
    """Draft a schema for the export at ``export_path``, from the sheet that looks most like the answers."""
    sheet, sheets = data_sheet(export_path)
    table = read_table(export_path, sheet=sheet)
    # by its name or by the question text a tool wrote above it (Qualtrics' «Q2» asking «Navn»)
    personal = {name: kind for index, name in enumerate(table.header)
                if name and (kind := personal_kind(name, _values(table, index)) or personal_kind(
                    table.label(name), _values(table, index)))}
    respondent = _guess_id(table, set(personal))
    attributes = _guess_attributes(table, {respondent, *personal})
    used = {respondent, *attributes.values(), *personal}
    open_cols, closed_cols, choices, maybe_choices = [], [], [], []
    for index, name in enumerate(table.header):
        if name and name not in used:
            values = _values(table, index)
            is_open = _is_open(name, values)
            if is_open and _looks_multiple_choice(values):  # an open-sounding question, answered by options
                separator = choice_separator(values) or ";"
                if separator == ", " and sum(not is_missing(value) for value in values) < \
                        GOOGLE_CHOICES_MIN_ANSWERS:
                    maybe_choices.append(name)  # too few answers to tell: coded, with a comment
                else:
                    choices.append((name, separator))
            (open_cols if is_open and name not in dict(choices) else closed_cols).append(name)
    codes = _number_codes(table, open_cols)
    questions = {name: _question(table, name) for name in open_cols}
    columns = _Columns(respondent, attributes, open_cols, closed_cols, codes, questions, personal,
                       maybe_choices)
    text = _render(export_path.name, columns, sheet=sheet if len(sheets) > 1 else None)
    notes = (*table.notes, *hidden_columns_note(table, [respondent, *attributes.values(), *open_cols]),
             *_choices_notes(choices), *_maybe_choices_notes(maybe_choices),
             *_own_words_notes(table, closed_cols))
    return SchemaDraft(text=text, sheet=sheet, sheets=sheets, notes=notes, recognised=table.recognised,
                       personal=tuple(personal))


# A follow-up's title that says nothing without the question before it (Microsoft Forms, Google Forms).
_FOLLOW_UP_RE = re.compile(
    r"(andet|andre|uddyb( gerne)?|evt\.? uddybning|uddybning|kommentar(er)?|evt\.? kommentar(er)?|"
    r"bemærkning(er)?|other|please specify|comments?)\W*", re.I)


def _question(table: Table, column: str) -> str:
    """The question text of an open column for the draft; a lone «Andet» or «Uddyb gerne» with the
    question before it («Hvordan er indsatsen organiseret?: Uddyb gerne»)."""
    label = table.label(column)
    index = table.header.index(column)
    if label != column or not _FOLLOW_UP_RE.fullmatch(column) or index == 0:
        return label
    before = next((name for name in reversed(table.header[:index])
                   if name and not _FOLLOW_UP_RE.fullmatch(table.label(name).rsplit(": ", 1)[-1])), "")
    return f"{table.label(before)}: {column}" if before else label


def _choices_notes(columns: list[tuple[str, str]]) -> list[str]:
    """Name the columns that would be free text by their name or words but are drafted as closed items,
    their cells being options joined as Microsoft Forms (';') or Google Forms (', ') writes a
    multiple-choice answer."""
    return [f"the column '{column}' is drafted as a closed item (not coded): its cells are options "
            f"{_CHOICE_TOOLS[separator]} writes a multiple-choice answer; if respondents wrote them in their "
            "own words, move it to open_text" for column, separator in columns]


def _maybe_choices_notes(columns: list[str]) -> list[str]:
    """Name the free-text columns whose few answers look like Google Forms' checkbox options."""
    return [f"the column '{column}' is drafted as free text (coded), though its few answers look like "
            "options joined by ', ' as Google Forms writes a checkbox answer; if it is a checkbox question, "
            "move it under closed (not coded)" for column in columns]


def choice_own_words_notes(table: Table, read: Iterable[str]) -> list[str]:
    """The notes of :func:`_own_words_notes` for the multiple-choice columns (options joined as Microsoft
    or Google Forms write them) that are not in ``read`` (the columns coded as free text): at every
    ingest, so that an «Andet» option's words left uncoded are never left out without a word."""
    coded = set(read)
    columns = [name for index, name in enumerate(table.header) if name and name not in coded
               and choice_separator(_values(table, index))]
    return _own_words_notes(table, columns)


# Below this many answers, a part of a multiple-choice cell no other cell holds is a respondent's own words
# only with three words or more: of a few respondents, one alone often chooses an option.
OWN_WORDS_MIN_ANSWERS = 8


def _own_words_notes(table: Table, closed: list[str]) -> list[str]:
    """Name the closed items whose cells hold, besides the options, a respondent's own words: Microsoft
    and Google Forms write the text typed for an «Andet» option in the option's place («Skole;Vores
    egen tekst;», «Skole, Vores egen tekst, med komma»). A closed item is not coded, so those words
    would be left out without a word."""
    notes = []
    for column in closed:
        index = table.header.index(column)
        cells = [(number, cells[index].strip()) for number, cells in table.rows if cells[index].strip()]
        separator = choice_separator([cell for _, cell in cells])
        parts = [(number, [part.strip() for part in (cell.split(separator) if separator else [cell])
                           if part.strip()]) for number, cell in cells]
        counts = Counter(part for _, row in parts for part in row)
        own = []
        # the parts no other cell holds, joined again: one answer per row; in a cell of options any such
        # («PPR»), in a cell of one value three words at least (not a «Region Nordjylland» chosen once),
        # and so in a column of few answers, where an option chosen once is common («Ældre»)
        least = 1 if separator and len(cells) >= OWN_WORDS_MIN_ANSWERS else 3
        for number, row in parts:
            words = (separator or "").join(part for part in row if counts[part] == 1)
            if len(words.split()) >= least and not _CLOSED_VALUE_RE.match(words) and not is_missing(words):
                own.append(number)
        options = [part for part, count in counts.items() if count > 1]
        if own and len(options) >= 2:
            rows = ", ".join(map(str, own[:5])) + (" …" if len(own) > 5 else "")
            notes.append(
                f"the closed item '{column}' holds, besides its options, {len(own)} answer(s) in the "
                f"respondents' own words (an «Andet» option's text?) in row(s) {rows}: a closed item is not "
                "coded; to code them, copy them into a column of their own (e.g. "
                f"'{shorten(column, 50)} - Andet') and add it under open_text")
    return notes


def infer_schema(export_path: Path) -> str:
    """Return a commented draft schema (YAML text) for the export at ``export_path``."""
    return draft_schema(export_path).text


@dataclass(frozen=True)
class _Columns:
    respondent: str
    attributes: dict[str, str]
    open_text: list[str]
    closed: list[str]
    missing_codes: list[str]
    questions: dict[str, str]  # an open column's question text, where the export gives one
    personal: dict[str, str]  # columns of personal data, left out: what they hold
    maybe_choices: list[str]  # open columns whose few answers look like Google Forms' checkbox options


_NUMBER_CODE_RE = re.compile(r"-?\d{1,4}")


def _number_codes(table: Table, open_cols: list[str]) -> list[str]:
    """Number-only cells of the free-text columns ("99", "-9", "999"): survey tools' and SPSS's codes
    for a question not answered, which would otherwise be coded as answers."""
    codes = {value for column in open_cols for value in _values(table, table.header.index(column))
             if _NUMBER_CODE_RE.fullmatch(value)}
    return sorted(codes, key=lambda code: (len(code), code))


def _unique_ids(columns: list[str]) -> list[str]:
    ids: list[str] = []
    for column in columns:
        base = candidate = question_id(column)
        counter = 2
        while candidate in ids:
            candidate, counter = f"{base}_{counter}", counter + 1
        ids.append(candidate)
    return ids


def _render(name: str, columns: _Columns, *, sheet: str | None) -> str:
    lines = [
        f"# Draft survey schema inferred from {name}. Check every entry before ingesting:",
        "#  - sheet: the .xlsx sheet with the answers (only needed when it is not the first sheet).",
        "#  - respondent_id: the column with one unique id per respondent (row).",
        "#  - attributes: respondent attributes used in reporting (municipality, region, size_group, role).",
        "#  - open_text: the free-text columns; each non-missing cell becomes one answer to code.",
        "#    question_id is how analysts refer to the question; question is its wording (edit it).",
        "#  - closed: closed items to copy into every answer's attributes (uncomment the ones you need).",
        "#  - missing_values: non-answers besides the defaults ('-', 'Ved ikke', 'Nej', ...).",
        "#  The format is described in the README, section 'The survey schema (schema.yaml)'.",
        f"survey: {_q(Path(name).stem)}",
        *([f"sheet: {_q(sheet)}"] if sheet else []),
        f"respondent_id: {_q(columns.respondent)}",
        "attributes:" if columns.attributes else "attributes: {}",
        *(f"  {key}: {_q(column)}" for key, column in columns.attributes.items()),
        "open_text:" if columns.open_text else "open_text: []  # no free-text columns found: add them here",
    ]
    for column, qid in zip(columns.open_text, _unique_ids(columns.open_text), strict=True):
        question = columns.questions.get(column) or column
        lines += [f"  - column: {_q(column)}", f"    question_id: {_q(qid)}", f"    question: {_q(question)}"]
        if column in columns.maybe_choices:
            lines.append("    # its few answers look like Google Forms' checkbox options ('A, B'): "
                         "if it is a checkbox question, move it under closed (not coded)")
    lines.append("# closed:")
    lines += [
        f"#   - {{column: {_q(column)}, name: {_q(_slug(column, words=6) or 'item')}}}"
        for column in columns.closed
    ]
    if columns.personal:
        lines.append("# left out, as they identify the respondent (never name them in the schema):")
        lines += [f"#   {_q(column)}: {kind}" for column, kind in columns.personal.items()]
    if columns.missing_codes:
        shown = ", ".join(_q(code) for code in columns.missing_codes)
        lines += ["# number-only cells of the free-text columns (missing codes?), read as non-answers: "
                  "remove any that is an answer", f"missing_values: [{shown}]"]
    else:
        lines.append("missing_values: []")
    return "\n".join(lines) + "\n"

"""Survey exports → one :class:`~hoi_nlp.records.Source` per non-missing open-text answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from hoi_nlp import progress
from hoi_nlp.errors import HoiError, IngestError, SchemaError
from hoi_nlp.ingest.missing import (  # noqa: F401 (also imported from here)
    DEFAULT_MISSING_VALUES,
    EXCEL_ERROR_VALUES,
    is_missing,
    missing_set,
)
from hoi_nlp.ingest.normalize import normalize_text
from hoi_nlp.ingest.numbers import column_numbers
from hoi_nlp.ingest.personal import personal_kind
from hoi_nlp.ingest.result import FileReport, IngestResult, record_error, relative, study_files
from hoi_nlp.ingest.schema import SurveySchema, check_columns, load_schema
from hoi_nlp.ingest.tables import TABLE_SUFFIXES, Table, hidden_columns_note, read_table
from hoi_nlp.records import Source, content_hash

logger = logging.getLogger(__name__)



@dataclass
class SurveyReport:
    """What one export gave: rows read, answers per question and missing/non-answers per question."""

    path: str
    rows: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the file holds that Excel does not show
    # closed item -> True: whole numbers, False: numbers with decimals, None: text (see
    # :mod:`~hoi_nlp.ingest.numbers`); items without a value in the export are left out
    numbers: dict[str, bool | None] = field(default_factory=dict)

    @property
    def total_answers(self) -> int:
        """All answers (sources) produced."""
        return sum(self.answers.values())

    @property
    def total_missing(self) -> int:
        """All missing or non-answer cells."""
        return sum(self.missing.values())


def read_survey(
    export: Path, schema: SurveySchema, *, study: str, base_dir: Path, schema_path: str = "schema.yaml"
) -> tuple[list[Source], SurveyReport]:
    """Read one export with ``schema``; return its answer sources and a report of answers/missing."""
    display = _relative(export, base_dir)
    table = read_table(export, display=display, sheet=schema.sheet)
    for note in table.recognised:
        logger.info("%s: %s", display, note)
    aliases = table.aliases()
    check_columns(schema, [*table.header, *aliases], export=display, schema_path=schema_path,
                  sheet=table.sheet, sheets=table.sheets)
    _check_personal_columns(table, schema, aliases, display=display, schema_path=schema_path)
    _check_respondent_ids(table, schema, aliases, display=display)
    return _sources_from_table(table, schema, aliases, study=study)


def _check_personal_columns(table: Table, schema: SurveySchema, aliases: dict[str, str], *, display: str,
                            schema_path: str) -> None:
    """Refuse a schema that reads a column of e-mail or IP addresses or names (see :mod:`personal`): by
    its values, its name, the question text a tool wrote above it, or the name the schema gives it."""
    for section, column in schema.columns():
        name = aliases.get(column, column)
        index = table.header.index(name)
        values = [cells[index] for _, cells in table.rows]
        kind = next((found for found in (personal_kind(text, values) for text in
                                         dict.fromkeys((name, table.label(name), column))) if found), None)
        if kind is not None:
            raise SchemaError(
                f"column '{column}' ({section} in {schema_path}) holds {kind}: they identify the respondent "
                "and would reach the coding units and exports",
                path=display,
                hint=f"remove '{column}' from {schema_path}"
                + ("; choose a column of plain ids (the tool's 'Id', 'Respondent ID' or 'ResponseId', or "
                   "'Tidsstempel' of a Google Forms export) as respondent_id" if section == "respondent_id"
                   else ""))


def _relative(path: Path, base_dir: Path) -> str:
    try:
        return path.resolve().relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _check_respondent_ids(table: Table, schema: SurveySchema, aliases: dict[str, str], *,
                          display: str) -> None:
    index = table.header.index(aliases.get(schema.respondent_id, schema.respondent_id))
    rows_by_id: dict[str, list[int]] = {}
    for number, cells in table.rows:
        respondent = normalize_text(cells[index]).strip()
        if not respondent:
            raise IngestError(
                f"respondent id column '{schema.respondent_id}' is empty",
                path=display,
                where=f"row {number}",
                hint="give every respondent an id, or delete the row",
            )
        rows_by_id.setdefault(respondent, []).append(number)
    duplicates = {key: rows for key, rows in rows_by_id.items() if len(rows) > 1}
    if duplicates:
        listed = "; ".join(f"'{key}' in rows {', '.join(map(str, rows))}" for key, rows in duplicates.items())
        raise IngestError(
            f"duplicate respondent ids in column '{schema.respondent_id}': {listed}",
            path=display,
            hint="each respondent must appear once; remove or merge the duplicate rows",
        )


def _sources_from_table(
    table: Table, schema: SurveySchema, aliases: dict[str, str], *, study: str
) -> tuple[list[Source], SurveyReport]:
    column = {name: index for index, name in enumerate(table.header)}
    column |= {alias: column[name] for alias, name in aliases.items()}
    missing = missing_set(schema.missing_values)
    named = (aliases.get(column, column) for _, column in schema.columns())
    from hoi_nlp.ingest.infer import choice_own_words_notes

    coded = [aliases.get(field_.column, field_.column) for field_ in schema.open_text]
    notes = [*table.notes, *hidden_columns_note(table, named), *choice_own_words_notes(table, coded)]
    report = SurveyReport(path=table.path, rows=len(table.rows), notes=notes,
                          numbers=_closed_numbers(table, schema, column))
    report.answers = {field_.question_id: 0 for field_ in schema.open_text}
    report.missing = {field_.question_id: 0 for field_ in schema.open_text}
    sources: list[Source] = []
    for number, cells in table.rows:
        respondent = normalize_text(cells[column[schema.respondent_id]]).strip()
        attributes = _respondent_attributes(cells, column, schema)
        for field_ in schema.open_text:
            raw = cells[column[field_.column]]
            if is_missing(raw, missing):
                report.missing[field_.question_id] += 1
                continue
            text = normalize_text(raw).strip()
            sources.append(
                Source(
                    source_id=f"{respondent}:{field_.question_id}",
                    study=study,
                    kind="survey_answer",
                    path=table.path,
                    locator=f"row {number}, column '{field_.column}'",
                    text=text,
                    content_hash=content_hash(text),
                    respondent_id=respondent,
                    question_id=field_.question_id,
                    attributes={**attributes, "question": field_.question or field_.column},
                )
            )
            report.answers[field_.question_id] += 1
    logger.info(
        "%s: %d rows, %d answers, %d missing",
        table.path,
        report.rows,
        report.total_answers,
        report.total_missing,
    )
    return sources, report


def _closed_numbers(table: Table, schema: SurveySchema, column: dict[str, int]) -> dict[str, bool | None]:
    """Which of the schema's closed items are numbers in this export (:func:`column_numbers`)."""
    found: dict[str, bool | None] = {}
    for item in schema.closed:
        values = [cells[column[item.column]] for _, cells in table.rows]
        filled = [value for value in values if normalize_text(value).strip()]
        if filled:
            found[item.name] = column_numbers(filled, table.decimal_mark)
    return found


def _respondent_attributes(cells: list[str], column: dict[str, int], schema: SurveySchema) -> dict[str, str]:
    named = [*schema.attributes.items(), *((item.name, item.column) for item in schema.closed)]
    values = {name: normalize_text(cells[column[col]]).strip() for name, col in named}
    return {name: value for name, value in values.items() if value}


SCHEMA_NAMES = ("schema.yaml", "schema.yml")


def ingest_survey_folder(result: IngestResult, folder: Path, study_dir: Path,
                         bar: progress.Stage | None = None) -> None:
    """Read every export in ``survey/`` with the folder's ``schema.yaml`` (the "survey" material)."""
    exports = study_files(folder, TABLE_SUFFIXES, companions=SCHEMA_NAMES)
    if not exports:
        result.warnings.append(f"{relative(folder, study_dir)}: no .xlsx or .csv exports found")
        return
    schema_file = next((folder / name for name in SCHEMA_NAMES if (folder / name).is_file()), None)
    if schema_file is None:
        error = IngestError(
            "no schema.yaml next to the survey exports",
            path=relative(folder, study_dir),
            hint=f"draft one with `hoi survey-schema {relative(exports[0], study_dir)} "
            f"--output {relative(folder, study_dir)}/schema.yaml` and check it",
        )
        record_error(result, relative(folder, study_dir), error)
        return
    schema_display = relative(schema_file, study_dir)
    try:
        schema = load_schema(schema_file)
    except HoiError as exc:
        record_error(result, schema_display, exc)
        return
    for export in exports:
        display = relative(export, study_dir)
        try:
            sources, survey_report = read_survey(
                export, schema, study=result.study, base_dir=study_dir, schema_path=schema_display
            )
            report = FileReport(
                path=display,
                kind="survey",
                rows=survey_report.rows,
                answers=survey_report.answers,
                missing=survey_report.missing,
            )
            result.add(report, sources)
            result.closed_numbers[survey_report.path] = survey_report.numbers
            result.warnings.extend(f"{display}: {note}" for note in survey_report.notes)
        except HoiError as exc:
            record_error(result, display, exc)
        if bar is not None:
            bar.advance()

"""The survey schema: which export columns hold the respondent id, attributes and open text.

A schema is a small YAML file a researcher writes (or drafts with ``hoi survey-schema``)::

    survey: "Kommuneundersøgelse om helhedsorienterede indsatser 2024"
    sheet: "Besvarelser"          # optional: the .xlsx sheet with the answers (default: the first)
    respondent_id: "Respondent-ID"
    attributes: {municipality: "Kommune", region: "Region", size_group: "Størrelsesgruppe",
                 role: "Respondentrolle"}
    closed: [{column: "3.1_familier", name: "maalgruppe_familier"}]
    open_text:
      - {column: "1.1_kommentar", question_id: "1.1_kommentar", question: "Kommentarer til potentialer"}
    missing_values: ["-", "Ved ikke"]
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hoi_nlp.errors import SchemaError
from hoi_nlp.ingest.normalize import column_key

RESERVED_ATTRIBUTES = ("question",)
SCHEMA_DOCS = "the README, section 'The survey schema (schema.yaml)'"


def _nfc(value: str) -> str:
    """Column names compare as the header's cells do (:func:`column_key`: invisible characters, a line
    break in a header cell or a double space do not count)."""
    return column_key(value)


class _SchemaModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("column", check_fields=False)
    @classmethod
    def _column_nfc(cls, value: str) -> str:
        return _nfc(value)


class ClosedItem(_SchemaModel):
    """A closed item copied into every answer's attributes under ``name``."""

    column: str
    name: str


class OpenTextField(_SchemaModel):
    """An open-text column: each non-missing cell becomes one source."""

    column: str
    question_id: str = Field(min_length=1)
    question: str = ""


class SurveySchema(_SchemaModel):
    """Mapping of a wide survey export (one row per respondent) to sources."""

    survey: str = ""
    sheet: str | None = None
    respondent_id: str
    attributes: dict[str, str] = Field(default_factory=dict)
    closed: list[ClosedItem] = Field(default_factory=list)
    open_text: list[OpenTextField] = Field(min_length=1)
    missing_values: list[str] = Field(default_factory=list)

    @field_validator("respondent_id")
    @classmethod
    def _id_nfc(cls, value: str) -> str:
        return _nfc(value)

    @field_validator("attributes")
    @classmethod
    def _no_reserved_names(cls, value: dict[str, str]) -> dict[str, str]:
        from hoi_nlp.ingest.metadata import attribute_key

        reserved = [name for name in value if name in RESERVED_ATTRIBUTES]
        if reserved:
            raise ValueError(f"attribute name {reserved[0]!r} is reserved for the question text")
        keyed = {attribute_key(name): _nfc(column) for name, column in value.items()}
        if len(keyed) < len(value):
            raise ValueError("two attributes name the same one (e.g. 'municipality' and 'kommune')")
        return keyed

    @model_validator(mode="after")
    def _unique_ids(self) -> SurveySchema:
        _require_unique([field.question_id for field in self.open_text], "question_id in open_text")
        _require_unique([*self.attributes, *(item.name for item in self.closed)], "attribute/closed name")
        return self

    def columns(self) -> list[tuple[str, str]]:
        """Every column the schema names, as ``(section, column)``."""
        named = [("respondent_id", self.respondent_id)]
        named += [(f"attributes.{name}", column) for name, column in self.attributes.items()]
        named += [("closed", item.column) for item in self.closed]
        return named + [("open_text", field.column) for field in self.open_text]


def _require_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is used twice")
        seen.add(value)


# ---------------------------------------------------------------- loading


def load_schema(path: Path) -> SurveySchema:
    """Load and validate a schema YAML file; errors name the line and what to fix."""
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(
            f"cannot read the schema: {exc}", path=display, hint="save it as UTF-8 text"
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise SchemaError(
            f"the schema is not valid YAML: {getattr(exc, 'problem', exc)}",
            path=display,
            where=where,
            hint="fix the YAML syntax (indentation, quotes, colons)",
        ) from exc
    if not isinstance(data, dict):
        raise SchemaError(
            "the schema must be a YAML mapping with keys respondent_id, attributes, open_text, ...",
            path=display,
            hint=f"see `hoi survey-schema EXPORT` for a draft, and {SCHEMA_DOCS}",
        )
    try:
        return SurveySchema.model_validate(data)
    except ValidationError as exc:
        raise _schema_error(exc, root, display) from exc


def _schema_error(exc: ValidationError, root: yaml.Node | None, display: str) -> SchemaError:
    problems = []
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"]) or "(top level)"
        line = _line_of(root, error["loc"])
        prefix = f"line {line}: " if line else ""
        message = (
            f"unknown key (allowed: {', '.join(SurveySchema.model_fields)})"
            if error["type"] == "extra_forbidden" and len(error["loc"]) == 1
            else error["msg"]
        )
        problems.append(f"{prefix}{loc}: {message}")
    return SchemaError(
        "invalid schema: " + "; ".join(problems),
        path=display,
        hint=f"fix these keys; the format is described in {SCHEMA_DOCS}",
    )


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (a key's own line for the last step), if found."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((key, value) for key, value in node.value if key.value == str(step)), None)
            if match is None:
                return line
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


# ---------------------------------------------------------------- checking against an export


def check_columns(
    schema: SurveySchema,
    header: list[str],
    *,
    export: str,
    schema_path: str,
    sheet: str | None = None,
    sheets: tuple[str, ...] = (),
) -> None:
    """Raise SchemaError if a column named in the schema is absent from the export's header.

    ``sheet`` is the .xlsx sheet read and ``sheets`` all the workbook's sheets, named when there are several.
    """
    present = set(header)
    missing = [(section, column) for section, column in schema.columns() if column not in present]
    if not missing:
        return
    others = [name for name in sheets if name != sheet]
    if others and len(missing) == len(schema.columns()) and len(header) < 50:
        shown = ", ".join(f"'{name}'" for name in header if name)
        details = [f"none of the columns in {schema_path} is in the export (its header: {shown})"]
        missing = []
    else:
        details = []
    for section, column in missing:
        close = difflib.get_close_matches(column, header, n=3, cutoff=0.5)
        suggestion = f" (closest headers: {', '.join(repr(name) for name in close)})" if close else ""
        details.append(f"column '{column}' ({section} in {schema_path}) is not in the export{suggestion}")
    hint = (
        f"correct the column names in {schema_path} to match the export's header row, "
        "or remove the entries for columns this export does not have"
    )
    if others:
        listed = ", ".join(f"'{name}'" for name in others)
        hint += f"; if the answers are on another sheet ({listed}), name it with `sheet:` in {schema_path}"
    raise SchemaError(
        "; ".join(details),
        path=export,
        where=f"sheet '{sheet}'" if others else None,
        hint=hint,
    )

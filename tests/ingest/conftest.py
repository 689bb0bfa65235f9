"""Shared fixtures for the ingest tests: a tiny fabricated survey in every dialect, docx builders."""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
SURVEY_DATA = Path(__file__).resolve().parent.parent / "data" / "survey"

HEADER = [
    "Respondent-ID",
    "Kommune",
    "Region",
    "Størrelsesgruppe",
    "Respondentrolle",
    "2.1",
    "1.2_kommentar",
    "4.2a_indsats1",
]
ROWS = [
    [
        "R01",
        "Testkommune A",
        "Region Midtjylland",
        "Større kommune",
        "Kommunaldirektør",
        "Ja",
        "Sektorlovgivningen spænder ben for datadeling; vi må ikke dele oplysninger på tværs.",
        "Et fast tværgående team for familier med komplekse udfordringer.\nMålet er én plan – og én indgang.",
    ],
    ["R02", "Testkommune B", "Region Sjælland", "Mindre kommune", "Direktør", "Nej", "Ved ikke", "-"],
    [
        "R03",
        "Testkommune C",
        "Region Hovedstaden",
        "Større kommune",
        "Socialchef",
        "Ja",
        "Ingen kommentarer.",
        'Familiehuset: én koordinerende kontakt, "vi samler" indsatsen; café-møder hver uge.',
    ],
    ["R04", "Testkommune D", "Region Syddanmark", "Mindre kommune", "Direktør", "Ja", "", "Intet særligt"],
    [
        "R05",
        "Testkommune E",
        "Region Nordjylland",
        "Mindre kommune",
        "Kommunaldirektør",
        "Ja",
        "IT-systemerne taler ikke sammen, og økonomien følger søjlerne.",
        "  nej  ",
    ],
]
EXPECTED_ANSWERS = {"1.2_kommentar": 2, "4.2a_indsats1": 2}
EXPECTED_MISSING = {"1.2_kommentar": 3, "4.2a_indsats1": 3}

DIALECTS = {
    "utf8_comma": (",", "utf-8", ".csv"),
    "utf8bom_comma": (",", "utf-8-sig", ".csv"),
    "cp1252_semicolon": (";", "cp1252", ".csv"),
    "utf8_tab": ("\t", "utf-8", ".csv"),
    "xlsx": ("", "", ".xlsx"),
}


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write a CSV like Excel does (CRLF line ends, minimal quoting)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    """Write a one-sheet workbook."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    workbook.save(path)
    return path


def write_export(
    path: Path, dialect: str, header: Sequence[str] = HEADER, rows: Sequence[Sequence[str]] = ROWS
) -> Path:
    """Write the survey in ``dialect`` (a key of DIALECTS)."""
    delimiter, encoding, _ = DIALECTS[dialect]
    if dialect == "xlsx":
        return write_xlsx(path, header, rows)
    return write_csv(path, header, rows, delimiter=delimiter, encoding=encoding)


@pytest.fixture(scope="session")
def survey_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny survey written once in every dialect."""
    folder = tmp_path_factory.mktemp("exports")
    return {
        name: write_export(folder / f"export_{name}{suffix}", name)
        for name, (_, _, suffix) in DIALECTS.items()
    }


@pytest.fixture()
def schema_path() -> Path:
    """The schema of the tiny survey."""
    return DATA / "schema_small.yaml"


def make_docx(
    path: Path, paragraphs: Sequence[str | tuple[str, str]], table_rows: Sequence[Sequence[str]] = ()
) -> Path:
    """A .docx with ``paragraphs``; a ``(label, rest)`` tuple writes the label in bold without a colon."""
    import docx

    document = docx.Document()
    for item in paragraphs:
        if isinstance(item, tuple):
            paragraph = document.add_paragraph()
            paragraph.add_run(item[0]).bold = True
            paragraph.add_run(" " + item[1])
        else:
            document.add_paragraph(item)
    if table_rows:
        table = document.add_table(rows=0, cols=len(table_rows[0]))
        for cells in table_rows:
            row = table.add_row()
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    document.save(path)
    return path


def make_docx_xml(path: Path, body_xml: str) -> Path:
    """A .docx whose body is ``body_xml`` (WordprocessingML with the ``w:`` prefix), before sectPr."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    body = document.element.body
    for element in parse_xml(f"<w:body {nsdecls('w')}>{body_xml}</w:body>"):
        body.insert(len(body) - 1, element)
    document.save(path)
    return path


def add_zip_entries(path: Path, entries: dict[str, bytes], *, stored: bool = False) -> Path:
    """Append parts to an Office zip (e.g. a huge image or a bomb part)."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "a", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.fixture()
def docx_factory(tmp_path: Path) -> Callable[..., Path]:
    """Build a .docx in tmp_path: ``docx_factory(name, paragraphs, table_rows=())``."""

    def build(
        name: str, paragraphs: Sequence[str | tuple[str, str]], table_rows: Sequence[Sequence[str]] = ()
    ) -> Path:
        return make_docx(tmp_path / name, paragraphs, table_rows)

    return build


@pytest.fixture()
def study_dir(tmp_path: Path, survey_exports: dict[str, Path]) -> Path:
    """A study folder with one xlsx export + schema and two txt transcripts + metadata."""
    study = tmp_path / "teststudie"
    (study / "survey").mkdir(parents=True)
    (study / "transcripts").mkdir()
    shutil.copy(survey_exports["xlsx"], study / "survey" / "eksport.xlsx")
    shutil.copy(DATA / "schema_small.yaml", study / "survey" / "schema.yaml")
    for name in ("interview_timestamps.txt", "interview_names.txt", "metadata.csv"):
        shutil.copy(DATA / name, study / "transcripts" / name)
    return study


@pytest.fixture(scope="session")
def helpers() -> object:
    """The module-level builders and expected figures of this conftest, for tests to use."""
    import types

    return types.SimpleNamespace(
        DATA=DATA,
        SURVEY_DATA=SURVEY_DATA,
        HEADER=HEADER,
        ROWS=ROWS,
        EXPECTED_ANSWERS=EXPECTED_ANSWERS,
        EXPECTED_MISSING=EXPECTED_MISSING,
        write_csv=write_csv,
        write_xlsx=write_xlsx,
        write_export=write_export,
        make_docx=make_docx,
        make_docx_xml=make_docx_xml,
        add_zip_entries=add_zip_entries,
    )

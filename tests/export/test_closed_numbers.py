"""A numeric closed item (a rating) read from an .xlsx and from a Danish Excel CSV (semicolon, decimal
comma) comes out of every export in one form: a number, written as each format writes numbers."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from lxml import etree

from tests.conftest import DATA, hoi_from_checkout

QDA = "{urn:QDA-XML:project:1.0}"

HEADER = ["Id", "Kommune", "Vurdering", "Postnr", "Antal direktører", "Indbyggere", "EAN", "Kommentar"]
XLSX_ROWS = [
    ["R1", "Aarhus", 4.5, "0800", 2, 61000, 5798000012345,
     "Lovgivningen spænder ben for samarbejdet mellem afdelingerne."],
    ["R2", "Odense", 3, "8000", "Ved ikke", 12500, 5798000054321,
     "Vi mangler ressourcer og IT-systemer, der taler sammen."],
]
CSV_ROWS = [
    ["R3", "Vejle", "3,75", "7100", "3", "44.200", "5798000011111",
     "Journalsystemerne og IT-systemerne taler ikke sammen, så vi registrerer alt to gange."],
    ["R4", "Skive", "2", "7800", "1", "46.100", "5798000022222",
     "Budgetterne ligger i siloer, så ingen vil betale."],
]
SCHEMA = """survey: Tal i lukkede spørgsmål
respondent_id: Id
attributes: {municipality: Kommune}
closed:
  - {column: Vurdering, name: vurdering}
  - {column: Postnr, name: postnummer}
  - {column: Antal direktører, name: direktoerer}
  - {column: Indbyggere, name: indbyggere}
  - {column: EAN, name: ean}
open_text:
  - {column: Kommentar, question_id: q1, question: Kommentar}
"""


def _study(root: Path) -> None:
    survey = root / "studie" / "survey"
    survey.mkdir(parents=True)
    book = openpyxl.Workbook()
    for row in [HEADER, *XLSX_ROWS]:
        book.active.append(row)
    book.active["D2"].number_format = "@"  # the postal codes typed as text, as Excel keeps "0800"
    book.save(survey / "svar_1.xlsx")
    lines = [";".join(row) for row in [HEADER, *CSV_ROWS]]
    (survey / "svar_2.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    (survey / "schema.yaml").write_text(SCHEMA, encoding="utf-8")


def _csv_column(path: Path, column: str, *, delimiter: str) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["respondent_id"]: row[column] for row in csv.DictReader(handle, delimiter=delimiter)}


def test_a_numeric_closed_item_is_one_number_whichever_file_it_was_read_from(tmp_path: Path) -> None:
    _study(tmp_path)
    hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    exports = tmp_path / "outputs" / "studie" / "exports"
    segments = exports / "coded_dataset_segments.csv"
    assert _csv_column(segments, "vurdering", delimiter=",") == {"R1": "4.5", "R2": "3.0", "R3": "3.75",
                                                                   "R4": "2.0"}
    parquet = pd.read_parquet(exports / "coded_dataset_segments.parquet").set_index("respondent_id")
    assert parquet["vurdering"].to_dict() == {"R1": 4.5, "R2": 3.0, "R3": 3.75, "R4": 2.0}
    book = openpyxl.load_workbook(exports / "coded_dataset.xlsx", read_only=True)
    for sheet in ("Segmenter", "Respondenter"):
        rows = list(book[sheet].values)
        at = rows[0].index("vurdering")
        assert [row[at] for row in rows[1:]] == [4.5, 3, 3.75, 2], sheet  # number cells, not texts
    # Danish Excel's CSV writes the same numbers with its decimal comma
    danish = tmp_path / "da"
    hoi_from_checkout("export", "outputs/studie", "-f", "csv", "--csv-dialect", "excel-da", "-o", str(danish),
                      cwd=tmp_path)
    assert _csv_column(danish / "coded_dataset_segments.csv", "vurdering", delimiter=";") == {
        "R1": "4,5", "R2": "3,0", "R3": "3,75", "R4": "2,0"}
    # a code with a leading zero, a column that also holds a text, one whose mark may separate thousands
    # (Danish "44.200" inhabitants, never 44.2) and a 13-digit code (Excel: 5,798E+12) stay as they were read
    assert _csv_column(segments, "postnummer", delimiter=",") == {"R1": "0800", "R2": "8000", "R3": "7100",
                                                                    "R4": "7800"}
    assert _csv_column(segments, "direktoerer", delimiter=",") == {"R1": "2", "R2": "Ved ikke", "R3": "3",
                                                                     "R4": "1"}
    assert _csv_column(segments, "indbyggere", delimiter=",") == {"R1": "61000", "R2": "12500",
                                                                   "R3": "44.200", "R4": "46.100"}
    assert _csv_column(segments, "ean", delimiter=",")["R1"] == "5798000012345"
    respondents = list(book["Respondenter"].values)
    assert respondents[1][respondents[0].index("ean")] == "5798000012345"  # a text cell, not 5.798E+12


def test_a_numeric_closed_item_is_a_number_variable_in_the_qda_project(tmp_path: Path) -> None:
    """The REFI-QDA project carries the rating as a Float variable (a QDA tool sorts and filters it as a
    number), "3,75" from the Danish CSV as 3.75 like the xlsx's 4.5; text items stay Text."""
    _study(tmp_path)
    hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    hoi_from_checkout("export", "outputs/studie", "-f", "qdpx", "-o", "projekt.qdpx", cwd=tmp_path)
    with zipfile.ZipFile(tmp_path / "projekt.qdpx") as archive:
        project = etree.fromstring(archive.read("project.qde"))
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi" / "Project-mrt2019.xsd")))
    assert schema.validate(etree.ElementTree(project)), schema.error_log
    types = {v.get("name"): v.get("typeOfVariable") for v in project.iter(f"{QDA}Variable")}
    assert types["vurdering"] == "Float" and types["vurdering (kilde)"] == "Float"
    assert types["postnummer"] == types["direktoerer"] == types["indbyggere"] == types["ean"] == "Text"
    guid = next(v.get("guid") for v in project.iter(f"{QDA}Variable") if v.get("name") == "vurdering")
    ratings = {case.get("name"): value.findtext(f"{QDA}FloatValue")
               for case in project.iter(f"{QDA}Case") for value in case.iter(f"{QDA}VariableValue")
               if value.find(f"{QDA}VariableRef").get("targetGUID") == guid}
    assert ratings == {"R1": "4.5", "R2": "3", "R3": "3.75", "R4": "2"}


def test_a_group_of_a_numeric_closed_item_takes_either_decimal_mark(tmp_path: Path) -> None:
    """`hoi cite --group vurdering=3.75` finds the respondent whose Danish CSV wrote 3,75 (as the exports
    write the number 3.75), also written `vurdering=3,75`; `vurdering=3` the one whose .xlsx held 3."""
    _study(tmp_path)
    hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)

    def cited(group: str) -> list[str]:
        ran = hoi_from_checkout("cite", "studie", "barrier.it_integration", "--group", group,
                                "--stance", "any", "--format", "json", cwd=tmp_path)
        return sorted(quote["source"].split(", ")[1] for quote in json.loads(ran.stdout)["quotes"])

    assert cited("vurdering=3.75") == ["R3"]
    assert cited("vurdering=3,75") == ["R3"]
    assert cited("vurdering=3") == ["R2"]


# Danish texts that look like decimals and are none (times, day.month dates), an .xlsx number cell whose
# decimals look like a Danish thousand (2.375), a sign kept ("+5"), and attributes that are no closed items
DOUBT_HEADER = ["Id", "Postnr", "Aar", "Tidspunkt", "Dag", "Gennemsnit", "Plus", "Kun CSV", "Kommentar"]
DOUBT_XLSX_ROWS = [
    ["R1", 8000, 2024, "10.30", "24.12", 2.375, "+5", None,
     "Lovgivningen spænder ben, og IT-systemer taler ikke sammen."],
    ["R2", 5000, 2023, "8.00", "1.5", 3.5, "+5", None,
     "Vi mangler ressourcer og IT-systemer, der taler sammen."],
]
DOUBT_CSV_ROWS = [
    ["R3", "7100", "2024", "13.15", "3.10", "3,75", "+5", "5",
     "Journalsystemerne og IT-systemerne taler ikke sammen."],
    ["R4", "7800", "2022", "9.45", "31.1", "2", "+5", "7",
     "Budgetterne ligger i siloer, så ingen vil betale for IT-systemer."],
]
DOUBT_SCHEMA = """survey: Tal og tekster
respondent_id: Id
attributes: {postnummer: Postnr, aar: Aar}
closed:
  - {column: Tidspunkt, name: moedetid}
  - {column: Dag, name: besoegsdag}
  - {column: Gennemsnit, name: gennemsnit}
  - {column: Plus, name: plus}
  - {column: Kun CSV, name: kun_csv}
open_text:
  - {column: Kommentar, question_id: q1, question: Kommentar}
"""


@pytest.fixture(scope="module")
def doubtful_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exports of a study whose .xlsx and Danish CSV hold the doubtful values above."""
    root = tmp_path_factory.mktemp("doubtful")
    survey = root / "studie" / "survey"
    survey.mkdir(parents=True)
    book = openpyxl.Workbook()
    for row in [DOUBT_HEADER, *DOUBT_XLSX_ROWS]:
        book.active.append(row)
    book.save(survey / "svar_1.xlsx")
    lines = [";".join(row) for row in [DOUBT_HEADER, *DOUBT_CSV_ROWS]]
    (survey / "svar_2.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    (survey / "schema.yaml").write_text(DOUBT_SCHEMA, encoding="utf-8")
    hoi_from_checkout("run", "studie", "--coder", "rules", cwd=root)
    hoi_from_checkout("export", "outputs/studie", "-f", "qdpx", "-o", "projekt.qdpx", cwd=root)
    return root


def _parquet_column(root: Path, column: str) -> dict[str, object]:
    frame = pd.read_parquet(root / "outputs" / "studie" / "exports" / "coded_dataset_segments.parquet")
    return frame.drop_duplicates("respondent_id").set_index("respondent_id")[column].to_dict()


def _qdpx_types(root: Path) -> dict[str, str]:
    with zipfile.ZipFile(root / "projekt.qdpx") as archive:
        project = etree.fromstring(archive.read("project.qde"))
    return {v.get("name"): v.get("typeOfVariable") for v in project.iter(f"{QDA}Variable")}


def test_danish_times_and_dates_are_never_taken_for_decimals(doubtful_exports: Path) -> None:
    """«10.30» (a time), «8.00», «3.10» (3 October) and «1.5» stay as read in every export: in a Danish
    CSV «.» is no decimal mark, and an .xlsx's text cell is a text; never 10.3, 8.0 or 3.1."""
    segments = doubtful_exports / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv"
    assert _csv_column(segments, "moedetid", delimiter=",") == {"R1": "10.30", "R2": "8.00", "R3": "13.15",
                                                                  "R4": "9.45"}
    assert _csv_column(segments, "besoegsdag", delimiter=",") == {"R1": "24.12", "R2": "1.5", "R3": "3.10",
                                                                    "R4": "31.1"}
    assert _parquet_column(doubtful_exports, "besoegsdag")["R3"] == "3.10"
    types = _qdpx_types(doubtful_exports)
    assert types["moedetid"] == types["besoegsdag"] == "Text"


def test_an_xlsx_number_cell_is_a_number_whatever_its_decimals(doubtful_exports: Path) -> None:
    """The .xlsx's number cell 2.375 is 2.375 (not a Danish thousand), so the column is one of numbers
    with the CSV's «3,75»; a closed item only the CSV fills is one of whole numbers."""
    assert _parquet_column(doubtful_exports, "gennemsnit") == {"R1": 2.375, "R2": 3.5, "R3": 3.75, "R4": 2.0}
    kun_csv = _parquet_column(doubtful_exports, "kun_csv")
    assert (kun_csv["R3"], kun_csv["R4"]) == (5, 7) and pd.isna(kun_csv["R1"])
    assert _qdpx_types(doubtful_exports)["gennemsnit"] == "Float"


def test_only_closed_items_become_numbers(doubtful_exports: Path) -> None:
    """Attributes that are no closed items (a postal code, a year) stay text as read, whatever they look
    like, and «+5» keeps its sign as a text."""
    assert _parquet_column(doubtful_exports, "postnummer") == {"R1": "8000", "R2": "5000", "R3": "7100",
                                                               "R4": "7800"}
    assert _parquet_column(doubtful_exports, "aar") == {"R1": "2024", "R2": "2023", "R3": "2024",
                                                        "R4": "2022"}
    assert set(_parquet_column(doubtful_exports, "plus").values()) == {"+5"}
    types = _qdpx_types(doubtful_exports)
    assert types["postnummer"] == types["aar"] == types["plus"] == "Text"


def test_a_survey_file_failing_to_ingest_keeps_the_numbers_of_its_stored_answers(tmp_path: Path) -> None:
    """A CSV damaged (or schema.yaml gone) after a first ingest keeps its stored answers, and with them
    the closed items it gave as numbers: the rating stays a number for every respondent, never text."""
    _study(tmp_path)
    for stage in ("ingest", "segment", "export"):
        hoi_from_checkout(stage, "studie", cwd=tmp_path)
    numbers = {"R1": "4.5", "R2": "3.0", "R3": "3.75", "R4": "2.0"}
    assert _csv_column(tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv",
                       "vurdering", delimiter=",") == numbers
    survey = tmp_path / "studie" / "survey"
    csv_file = survey / "svar_2.csv"
    damaged = csv_file.read_text(encoding="utf-8-sig").replace("R4;Skive", "R4;Skive;overskydende;felt", 1)
    csv_file.write_text(damaged, encoding="utf-8-sig")
    ingest = hoi_from_checkout("ingest", "studie", cwd=tmp_path, expect_failure=True)
    assert "files failed: 1" in ingest.stdout
    hoi_from_checkout("export", "outputs/studie", "-f", "csv", "-o", "damaged", cwd=tmp_path)
    assert _csv_column(tmp_path / "damaged" / "coded_dataset_segments.csv", "vurdering",
                       delimiter=",") == numbers
    (survey / "schema.yaml").unlink()  # no file of the survey can be read now
    hoi_from_checkout("ingest", "studie", cwd=tmp_path, expect_failure=True)
    hoi_from_checkout("export", "outputs/studie", "-f", "csv", "-o", "no_schema", cwd=tmp_path)
    assert _csv_column(tmp_path / "no_schema" / "coded_dataset_segments.csv", "vurdering",
                       delimiter=",") == numbers


def test_an_item_declared_closed_after_an_export_is_a_number_in_the_next(tmp_path: Path) -> None:
    """The rating first kept as a plain attribute (text as read), then moved under `closed:` in the schema:
    the attributes read are the same, only which items are numbers changed. `hoi export` took the export
    for up to date and kept the files with the text."""
    _study(tmp_path)
    schema = tmp_path / "studie" / "survey" / "schema.yaml"
    as_attribute = SCHEMA.replace("{municipality: Kommune}", "{municipality: Kommune, vurdering: Vurdering}")
    schema.write_text(as_attribute.replace("  - {column: Vurdering, name: vurdering}\n", ""),
                      encoding="utf-8")
    for stage in ("ingest", "segment", "export"):
        hoi_from_checkout(stage, "studie", cwd=tmp_path)
    segments = tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv"
    as_read = {"R1": "4.5", "R2": "3", "R3": "3,75", "R4": "2"}
    assert _csv_column(segments, "vurdering", delimiter=",") == as_read
    schema.write_text(SCHEMA, encoding="utf-8")
    hoi_from_checkout("ingest", "studie", cwd=tmp_path)
    hoi_from_checkout("export", "studie", cwd=tmp_path)
    assert _csv_column(segments, "vurdering", delimiter=",") == {"R1": "4.5", "R2": "3.0", "R3": "3.75",
                                                                  "R4": "2.0"}

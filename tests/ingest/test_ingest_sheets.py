"""Workbooks with several sheets: the schema's ``sheet:``, the draft picks the data sheet, errors name it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from hoi_nlp.cli import app
from hoi_nlp.errors import IngestError, SchemaError
from hoi_nlp.ingest.infer import draft_schema
from hoi_nlp.ingest.schema import load_schema
from hoi_nlp.ingest.survey import read_survey

HEADER = ["Respondent-ID", "Kommune", "Beskriv indsatsen"]
ROWS = [
    ["R1", "Skive", "Vi har en fælles plan for familien og én kontaktperson."],
    ["R2", "Thisted", "En tværfaglig styregruppe mødes hver måned om de svære sager."],
    ["R3", "Struer", "Ingen kommentarer"],
]


def _info_then_data(path: Path) -> Path:
    workbook = Workbook()
    info = workbook.active
    info.title = "Info"
    info.append(["Om undersøgelsen"])
    info.append(["Denne fil indeholder besvarelserne på arket Besvarelser."])
    data = workbook.create_sheet("Besvarelser")
    for row in [HEADER, *ROWS]:
        data.append(row)
    workbook.save(path)
    return path


def _schema(tmp_path: Path, sheet: str | None) -> Path:
    path = tmp_path / "schema.yaml"
    lines = [f'sheet: "{sheet}"'] if sheet else []
    lines += ['respondent_id: "Respondent-ID"', "attributes: {municipality: Kommune}",
              'open_text: [{column: "Beskriv indsatsen", question_id: "indsats"}]']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_schema_sheet_selects_the_sheet(tmp_path: Path) -> None:
    export = _info_then_data(tmp_path / "eksport.xlsx")
    sources, report = read_survey(export, load_schema(_schema(tmp_path, "Besvarelser")), study="s",
                                  base_dir=tmp_path)
    assert [source.source_id for source in sources] == ["R1:indsats", "R2:indsats"]
    assert sources[0].locator == "row 2, column 'Beskriv indsatsen'"


def test_without_sheet_the_error_names_the_sheet_read_and_the_others(tmp_path: Path) -> None:
    export = _info_then_data(tmp_path / "eksport.xlsx")
    with pytest.raises(SchemaError) as caught:
        read_survey(export, load_schema(_schema(tmp_path, None)), study="s", base_dir=tmp_path)
    message = str(caught.value)
    assert "eksport.xlsx (sheet 'Info'): none of the columns in schema.yaml is in the export" in message
    assert "another sheet ('Besvarelser'), name it with `sheet:`" in message


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    export = _info_then_data(tmp_path / "eksport.xlsx")
    with pytest.raises(IngestError, match=r"no sheet 'Svar' \(its sheets: 'Info', 'Besvarelser'\)"):
        read_survey(export, load_schema(_schema(tmp_path, "Svar")), study="s", base_dir=tmp_path)


def test_table_errors_name_the_sheet(tmp_path: Path) -> None:
    export = _info_then_data(tmp_path / "eksport.xlsx")
    workbook = load_workbook(export)
    skaev = workbook.create_sheet("Skæv")
    skaev.append(["Respondent-ID", None])
    skaev.append(["R1", "Et svar uden overskrift"])
    workbook.save(export)
    with pytest.raises(IngestError, match=r"eksport.xlsx \(sheet 'Skæv', column B\): the column has answers"):
        read_survey(export, load_schema(_schema(tmp_path, "Skæv")), study="s", base_dir=tmp_path)


def test_draft_reads_the_data_sheet_and_names_it(tmp_path: Path) -> None:
    export = _info_then_data(tmp_path / "eksport.xlsx")
    draft = draft_schema(export)
    assert (draft.sheet, draft.sheets) == ("Besvarelser", ("Info", "Besvarelser"))
    data = yaml.safe_load(draft.text)
    assert data["sheet"] == "Besvarelser" and data["respondent_id"] == "Respondent-ID"
    assert [item["column"] for item in data["open_text"]] == ["Beskriv indsatsen"]
    schema_file = tmp_path / "schema.yaml"
    schema_file.write_text(draft.text, encoding="utf-8")
    sources, _ = read_survey(export, load_schema(schema_file), study="s", base_dir=tmp_path)
    assert len(sources) == 2


def test_survey_schema_command_says_which_sheet_it_read(tmp_path: Path) -> None:
    export = _info_then_data(tmp_path / "eksport.xlsx")
    result = CliRunner().invoke(app, ["survey-schema", str(export)])
    assert result.exit_code == 0, result.output
    assert "Read sheet 'Besvarelser' of eksport.xlsx" in result.stderr and "'Info'" in result.stderr
    assert 'sheet: "Besvarelser"' in result.stdout and "Read sheet" not in result.stdout


def test_readme_schema_example_is_a_valid_schema(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("#### The survey schema (schema.yaml)") :]
    start = section.index("```yaml") + len("```yaml")
    example = section[start : section.index("```\n", start)]
    path = tmp_path / "schema.yaml"
    path.write_text(example, encoding="utf-8")
    assert load_schema(path).sheet == "Besvarelser"

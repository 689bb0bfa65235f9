"""Schema validation errors and the inferred draft schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hoi_nlp.errors import IngestError, SchemaError
from hoi_nlp.ingest.infer import infer_schema, question_id
from hoi_nlp.ingest.schema import load_schema
from hoi_nlp.ingest.survey import read_survey
from hoi_nlp.ingest.tables import MAX_CELL_CHARS, read_table


def _schema(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schema.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_extra_key_is_rejected_with_its_line(tmp_path: Path, schema_path: Path) -> None:
    text = schema_path.read_text(encoding="utf-8") + "sheet_name: Ark1\n"
    line = text.count("\n")
    with pytest.raises(SchemaError, match=rf"line {line}: sheet_name: unknown key") as info:
        load_schema(_schema(tmp_path, text))
    assert "schema.yaml" in str(info.value) and info.value.code == "HOI-E020"
    assert "allowed: survey, sheet, respondent_id" in str(info.value)
    assert "README, section 'The survey schema (schema.yaml)'" in str(info.value)
    assert "hoi_nlp/" not in str(info.value)


def test_extra_key_inside_open_text_names_its_line(tmp_path: Path) -> None:
    text = 'respondent_id: "ID"\nopen_text:\n  - column: "a"\n    question_id: "a"\n    qestion: "x"\n'
    with pytest.raises(SchemaError, match=r"line 5: open_text\.0\.qestion"):
        load_schema(_schema(tmp_path, text))


def test_missing_required_key_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="open_text"):
        load_schema(_schema(tmp_path, 'respondent_id: "ID"\n'))
    with pytest.raises(SchemaError, match=r"line 2.*not valid YAML"):
        load_schema(_schema(tmp_path, "respondent_id: ID\nopen_text: a: b\n"))
    with pytest.raises(SchemaError, match="YAML mapping"):
        load_schema(_schema(tmp_path, "- a\n- b\n"))


def test_duplicate_question_ids_are_rejected(tmp_path: Path) -> None:
    text = "respondent_id: ID\nopen_text:\n  - {column: a, question_id: q}\n  - {column: b, question_id: q}\n"
    with pytest.raises(SchemaError, match="question_id in open_text 'q' is used twice"):
        load_schema(_schema(tmp_path, text))


def test_missing_column_names_file_column_and_closest_headers(
    tmp_path: Path, survey_exports: dict[str, Path], schema_path: Path
) -> None:
    text = schema_path.read_text(encoding="utf-8").replace(
        'column: "1.2_kommentar"', 'column: "1.2_komentar"'
    )
    schema = load_schema(_schema(tmp_path, text))
    export = survey_exports["cp1252_semicolon"]
    with pytest.raises(SchemaError) as info:
        read_survey(export, schema, study="s", base_dir=export.parent)
    message = str(info.value)
    assert export.name in message
    assert "column '1.2_komentar'" in message
    assert "closest headers: '1.2_kommentar'" in message
    assert "correct the column names" in message


def test_duplicate_respondent_ids_name_the_rows(tmp_path: Path, helpers: object, schema_path: Path) -> None:
    rows = [list(row) for row in helpers.ROWS]
    rows[3][0] = "R01"
    export = helpers.write_export(tmp_path / "dup.csv", "utf8_comma", rows=rows)
    with pytest.raises(IngestError, match=r"dup\.csv.*'R01' in rows 2, 5"):
        read_survey(export, load_schema(schema_path), study="s", base_dir=tmp_path)


def test_empty_respondent_id_names_the_row(tmp_path: Path, helpers: object, schema_path: Path) -> None:
    rows = [list(row) for row in helpers.ROWS]
    rows[1][0] = " "
    export = helpers.write_export(tmp_path / "tom.xlsx", "xlsx", rows=rows)
    with pytest.raises(IngestError, match=r"tom\.xlsx \(row 3\).*is empty"):
        read_survey(export, load_schema(schema_path), study="s", base_dir=tmp_path)


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b";;;\r\n1;2;3\r\n"])
def test_empty_file_or_header_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tom.csv"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=r"tom\.csv.*(empty|no header row)"):
        read_table(path)


def test_empty_xlsx_sheet_is_a_clear_error(tmp_path: Path, helpers: object) -> None:
    path = helpers.write_xlsx(tmp_path / "tom.xlsx", [], [])
    with pytest.raises(IngestError, match="no header row"):
        read_table(path)


def test_extremely_long_cell_names_row_and_column(tmp_path: Path, helpers: object) -> None:
    path = helpers.write_csv(
        tmp_path / "lang.csv", ["ID", "kommentar"], [["1", "kort"], ["2", "ø" * (MAX_CELL_CHARS + 1)]]
    )
    with pytest.raises(IngestError, match=r"lang\.csv \(row 3, column 'kommentar'\)"):
        read_table(path)


def test_repeated_header_names_are_told_apart_by_the_question_before_them(tmp_path: Path,
                                                                         helpers: object) -> None:
    header = ["ID", "Hvordan går det?", "Uddyb gerne", "Hvad mangler?", "Uddyb gerne", "tekst", "tekst"]
    path = helpers.write_csv(tmp_path / "h.csv", header, [["1", "Godt", "a", "Tid", "b", "c", "d"]])
    table = read_table(path)
    assert table.header == ["ID", "Hvordan går det?", "Uddyb gerne", "Hvad mangler?",
                            "Uddyb gerne (Hvad mangler?)", "tekst", "tekst (Hvad mangler?)"]
    assert table.label("Uddyb gerne (Hvad mangler?)") == "Hvad mangler?: Uddyb gerne"
    assert table.label("Hvad mangler?") == "Hvad mangler?"  # a unique name keeps its name
    assert table.rows[0][1][4] == "b"


def test_a_repeated_personal_column_is_still_known_as_one() -> None:
    from hoi_nlp.ingest.personal import personal_kind

    assert personal_kind("Navn (Hvem udfylder skemaet?)") == "respondents' names or locations"
    assert personal_kind("Mail (Hvem udfylder skemaet?) 2") == "e-mail addresses"
    assert personal_kind("Navn på indsatsen") is None and personal_kind("Kommunenavn") is None


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("1.2_kommentar", "1.2_kommentar"),
        ("4.2a_indsats2", "4.2a_indsats2"),
        ("2.1", "2.1"),
        ("1.2 Kommentar til barrierer", "1.2_kommentar_til"),
        ("Afsluttende kommentar", "afsluttende_kommentar"),
    ],
)
def test_question_id_from_column_name(column: str, expected: str) -> None:
    assert question_id(column) == expected


def _wide_export(tmp_path: Path, helpers: object) -> Path:
    header = [
        "Respondent-ID",
        "Kommune",
        "Region",
        "Størrelsesgruppe",
        "Respondentrolle",
        "1.1_1 Bedre ressourceudnyttelse",
        "1.2_kommentar",
        "2.1",
        "4.1",
        "4.2a_indsats1",
        "4.2c_andet",
    ]
    likert = ["I høj grad", "I nogen grad", "Ved ikke", "I lav grad"]
    texts = [
        "Vi mangler fælles IT-systemer på tværs af forvaltningerne.",
        "Ved ikke",
        "Økonomien følger stadig de gamle søjler, det er svært.",
        "Lovgivningen er ikke tilpasset.",
    ]
    rows = [
        [
            f"R{i}",
            f"Kommune {i}",
            "Region Sjælland",
            "Mindre kommune",
            "Direktør",
            likert[i],
            texts[i],
            "Ja" if i % 2 else "Nej",
            str(i + 1),
            f"Et tværgående team nummer {i} for familier med mange sager i flere forvaltninger.",
            "" if i else "Kultur og fritid er også med",
        ]
        for i in range(4)
    ]
    return helpers.write_export(tmp_path / "bred.xlsx", "xlsx", header=header, rows=rows)


def test_infer_schema_drafts_a_valid_schema(tmp_path: Path, helpers: object) -> None:
    export = _wide_export(tmp_path, helpers)
    draft = infer_schema(export)
    assert draft.startswith("# Draft survey schema inferred from bred.xlsx")
    data = yaml.safe_load(draft)
    assert data["respondent_id"] == "Respondent-ID"
    assert data["attributes"] == {
        "municipality": "Kommune",
        "region": "Region",
        "size_group": "Størrelsesgruppe",
        "role": "Respondentrolle",
    }
    assert [item["column"] for item in data["open_text"]] == ["1.2_kommentar", "4.2a_indsats1", "4.2c_andet"]
    assert [item["question_id"] for item in data["open_text"]] == [
        "1.2_kommentar",
        "4.2a_indsats1",
        "4.2c_andet",
    ]
    assert '#   - {column: "2.1"' in draft and '#   - {column: "1.1_1 Bedre ressourceudnyttelse"' in draft
    schema = load_schema(_schema(tmp_path, draft))
    sources, report = read_survey(export, schema, study="s", base_dir=tmp_path)
    assert report.answers == {"1.2_kommentar": 3, "4.2a_indsats1": 4, "4.2c_andet": 1}


def test_infer_schema_on_the_demo_export(helpers: object) -> None:
    export = helpers.SURVEY_DATA / "hoi_export_semicolon_cp1252.csv"
    if not export.exists():
        pytest.skip("demo survey fixture not present")
    data = yaml.safe_load(infer_schema(export))
    columns = {item["column"] for item in data["open_text"]}
    assert data["respondent_id"] == "Respondent-ID"
    assert {"1.1_kommentar", "1.2_kommentar", "4.2a_indsats1", "7_afsluttende_kommentar"} <= columns
    assert not columns & {"2.1", "3.1_familier", "4.1", "4.2d_antal_direktoerer"}

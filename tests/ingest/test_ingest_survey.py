"""Survey exports in every dialect → answer sources, missing values counted, not coded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.normalize import normalize_text
from hoi_nlp.ingest.schema import load_schema
from hoi_nlp.ingest.survey import is_missing, missing_set, read_survey
from hoi_nlp.ingest.tables import decode_excel_escapes, read_table, sniff_delimiter
from hoi_nlp.records import content_hash


@pytest.mark.parametrize("dialect", ["utf8_comma", "utf8bom_comma", "cp1252_semicolon", "utf8_tab", "xlsx"])
def test_every_dialect_gives_the_same_sources(
    dialect: str, survey_exports: dict[str, Path], schema_path: Path, helpers: object
) -> None:
    export = survey_exports[dialect]
    sources, report = read_survey(export, load_schema(schema_path), study="s", base_dir=export.parent)
    assert report.rows == 5
    assert report.answers == helpers.EXPECTED_ANSWERS
    assert report.missing == helpers.EXPECTED_MISSING
    assert [s.source_id for s in sources] == [
        "R01:1.2_kommentar",
        "R01:4.2a_indsats1",
        "R03:4.2a_indsats1",
        "R05:1.2_kommentar",
    ]
    first = sources[1]
    assert (
        first.text == "Et fast tværgående team for familier med komplekse udfordringer.\n"
        "Målet er én plan – og én indgang."
    )
    assert (
        first.kind == "survey_answer"
        and first.respondent_id == "R01"
        and first.question_id == "4.2a_indsats1"
    )
    assert first.path == export.name
    assert first.locator == "row 2, column '4.2a_indsats1'"
    assert first.content_hash == content_hash(first.text)
    assert first.attributes == {
        "municipality": "Testkommune A",
        "region": "Region Midtjylland",
        "size_group": "Større kommune",
        "role": "Kommunaldirektør",
        "hoi_igangsat": "Ja",
        "question": "Beskriv indsats 1 for familier",
    }
    assert (
        sources[2].text
        == 'Familiehuset: én koordinerende kontakt, "vi samler" indsatsen; café-møder hver uge.'
    )
    assert sources[2].locator == "row 4, column '4.2a_indsats1'"


def test_missing_values_are_not_sources(survey_exports: dict[str, Path], schema_path: Path) -> None:
    sources, _ = read_survey(
        survey_exports["utf8_comma"],
        load_schema(schema_path),
        study="s",
        base_dir=survey_exports["utf8_comma"].parent,
    )
    texts = {source.text.casefold() for source in sources}
    assert not texts & {"ved ikke", "-", "ingen kommentarer.", "intet særligt", "nej", ""}


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "-",
        "–",
        "...",
        "?",
        "Ved ikke",
        "ved ikke.",
        "VED IKKE",
        "Nej",
        "nej.",
        "Ingen kommentarer",
        "ingen  kommentarer!",
        "N/A",
        "x",
    ],
)
def test_default_non_answers(value: str) -> None:
    assert is_missing(value)


@pytest.mark.parametrize(
    "value", ["#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NULL!", "#NUM!", "#N/A", "#VÆRDI!"]
)
def test_excel_error_values_are_missing(value: str) -> None:
    assert is_missing(value)


@pytest.mark.parametrize(
    "value",
    [
        "Nej, ikke endnu – vi mangler ressourcer",
        "Ja",
        "IT",
        "Ingen ressourcer",
        "Vi ved ikke hvornår loven kommer",
    ],
)
def test_real_answers_are_not_missing(value: str) -> None:
    assert not is_missing(value)


def test_schema_missing_values_extend_the_defaults() -> None:
    missing = missing_set(["Intet særligt"])
    assert is_missing("intet særligt.", missing)
    assert is_missing("Ved ikke", missing)
    assert not is_missing("Intet særligt", missing_set())


def test_other_helpers_fixtures_read_like_the_demo_export(helpers: object) -> None:
    semicolon = helpers.SURVEY_DATA / "hoi_export_semicolon_cp1252.csv"
    bom = helpers.SURVEY_DATA / "hoi_export_comma_utf8bom.csv"
    schema_file = helpers.SURVEY_DATA.parents[2] / "corpora" / "demo" / "survey" / "schema.yaml"
    if not (semicolon.exists() and bom.exists() and schema_file.exists()):
        pytest.skip("survey fixtures of the demo corpus not present")
    schema = load_schema(schema_file)
    first, first_report = read_survey(semicolon, schema, study="demo", base_dir=semicolon.parent)
    second, second_report = read_survey(bom, schema, study="demo", base_dir=bom.parent)
    assert [(s.source_id, s.text) for s in first] == [(s.source_id, s.text) for s in second]
    assert first_report.answers == second_report.answers and first_report.total_answers > 0
    assert not any("Ã" in s.text for s in first)


def test_sniff_delimiter_ignores_quoted_commas() -> None:
    assert sniff_delimiter('"a, b";c;d\n1;2;3') == ";"
    assert sniff_delimiter("a,b,c\n") == ","
    assert sniff_delimiter("a\tb\n") == "\t"
    assert sniff_delimiter("enkelt kolonne\n") == ","


def test_xlsx_numbers_render_without_decimals(tmp_path: Path, helpers: object) -> None:
    path = helpers.write_xlsx(tmp_path / "tal.xlsx", ["ID", "antal"], [[101, 3.0], [102, 2.5]])
    table = read_table(path)
    assert table.rows == [(2, ["101", "3"]), (3, ["102", "2.5"])]


def test_xlsx_dates_without_a_time_render_as_dates(tmp_path: Path, helpers: object) -> None:
    rows = [[101, dt.datetime(2024, 3, 4)], [102, dt.datetime(2024, 3, 1, 9, 30)]]
    table = read_table(helpers.write_xlsx(tmp_path / "dato.xlsx", ["ID", "Besvaret dato"], rows))
    assert table.rows == [(2, ["101", "2024-03-04"]), (3, ["102", "2024-03-01T09:30:00"])]


def test_trailing_empty_rows_are_skipped_and_row_numbers_kept(tmp_path: Path, helpers: object) -> None:
    path = helpers.write_csv(
        tmp_path / "e.csv", ["ID", "tekst"], [["1", "a"], ["", ""], ["2", "b"], ["", ""]]
    )
    assert [number for number, _ in read_table(path).rows] == [2, 4]


def test_row_with_more_cells_than_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "skæv.csv"
    path.write_text("ID;tekst\n1;hej;ekstra\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"row 2.*3 cells but the header only 2"):
        read_table(path)


def test_decomposed_header_and_padded_schema_columns_still_match(tmp_path: Path, helpers: object) -> None:
    header = ["Respondent-ID\u00a0", "Omra\u030ade", " Bemærkning "]
    export = helpers.write_csv(tmp_path / "mac.csv", header, [["R1", "Nord", "Det går godt."]])
    schema_file = tmp_path / "schema.yaml"
    schema_file.write_text(
        'respondent_id: "Respondent-ID"\nattributes: {region: " Område"}\n'
        'open_text: [{column: "Bemærkning", question_id: "b"}]\n',
        encoding="utf-8",
    )
    sources, _ = read_survey(export, load_schema(schema_file), study="s", base_dir=tmp_path)
    assert [(s.source_id, s.text, s.attributes["region"]) for s in sources] == [
        ("R1:b", "Det går godt.", "Nord")
    ]


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        ("Første linje_x000D_\nanden linje", "Første linje\r\nanden linje"),
        ("lodret tab_x000B_fra Mac", "lodret tab\x0bfra Mac"),
        ("et literalt _x005F_x000D_ i teksten", "et literalt _x000D_ i teksten"),
        ("snake_case_x_ og _x00_ bliver", "snake_case_x_ og _x00_ bliver"),
    ],
)
def test_excel_escaped_characters_are_decoded(stored: str, text: str) -> None:
    assert decode_excel_escapes(stored) == text


def test_xlsx_control_escapes_do_not_reach_the_sources(tmp_path: Path, helpers: object) -> None:
    path = helpers.write_xlsx(
        tmp_path / "ctrl.xlsx", ["ID", "Kommentar_x005F_x0031_"], [["R1", "Første linje_x000D_\nanden linje"]]
    )
    table = read_table(path)
    assert table.header == ["ID", "Kommentar_x0031_"]
    assert normalize_text(table.rows[0][1][1]) == "Første linje\nanden linje"


@pytest.mark.parametrize(
    ("delimiter", "values", "numbers"),
    [
        (";", ["3,75", "-2,5", "4"], False),  # a Danish Excel CSV: the comma is its decimal mark
        (";", ["4", "-2", "0"], True),
        (";", ["3,75", "10.30"], None),  # a «.» in a Danish CSV is no decimal mark: a time
        (";", ["3,50", "4"], None),  # a trailing zero after the mark: a formatted text, when in doubt text
        (";", ["+5", "4"], None),  # a sign kept as written
        (";", ["0800", "8000"], None),  # a code with a leading zero
        (",", ["13.15", "4"], None),  # a comma-separated CSV: which mark its decimals take is not known
        (",", ["13", "4"], True),
    ],
)
def test_a_closed_item_is_a_number_only_where_its_decimal_mark_is_known(
    tmp_path: Path, delimiter: str, values: list[str], numbers: bool | None
) -> None:
    lines = [delimiter.join(["Id", "Vurdering", "Svar"]),
             *(delimiter.join([f"R{n}", value, "Det går godt."]) for n, value in enumerate(values))]
    export = tmp_path / "svar.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    schema_file = tmp_path / "schema.yaml"
    schema_file.write_text("respondent_id: Id\nclosed: [{column: Vurdering, name: vurdering}]\n"
                           "open_text: [{column: Svar, question_id: s}]\n", encoding="utf-8")
    _, report = read_survey(export, load_schema(schema_file), study="s", base_dir=tmp_path)
    assert report.numbers == {"vurdering": numbers}

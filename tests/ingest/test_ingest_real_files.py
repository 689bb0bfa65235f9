"""Files as real studies bring them: exports and transcripts shaped by survey tools, Word and typists."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.study import ingest_study
from hoi_nlp.ingest.tables import read_table


def test_files_of_other_formats_are_errors_saying_how_to_convert_and_other_files_are_named(
    study_dir: Path,
) -> None:
    (study_dir / "survey" / "eksport_gammel.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel")
    (study_dir / "survey" / "unicode.txt").write_text("a\tb\n", encoding="utf-16")
    (study_dir / "survey" / "spoergeskema.pdf").write_bytes(b"%PDF-1.4")
    (study_dir / "transcripts" / "interview_03.doc").write_bytes(b"\xd0\xcf\x11\xe0 old word")
    (study_dir / "transcripts" / "interview_04.pdf").write_bytes(b"%PDF-1.4")
    (study_dir / "transcripts" / "interview_05.rtf").write_text("{\\rtf1 I: hej}")
    (study_dir / "transcripts" / "gamle").mkdir()
    (study_dir / "transcripts" / "Metadata.xlsx").write_bytes(b"PK")  # the sidecar kept in Excel
    (study_dir / "survey" / "schema.yaml.txt").write_text("respondent_id: x")  # Notepad's hidden ending
    (study_dir / "transcripts" / "metadata.csv.txt").write_text("file;role\n")  # not read as a transcript
    result = ingest_study(study_dir)
    errors = {error.path: error.message for error in result.errors}
    assert sorted(errors) == ["survey/eksport_gammel.xls", "survey/schema.yaml.txt", "survey/unicode.txt",
                              "transcripts/Metadata.xlsx", "transcripts/interview_03.doc",
                              "transcripts/interview_04.pdf", "transcripts/interview_05.rtf",
                              "transcripts/metadata.csv.txt"]
    assert "save it from Excel as CSV UTF-8 named metadata.csv" in errors["transcripts/Metadata.xlsx"]
    assert "must be named schema.yaml: rename the file" in errors["survey/schema.yaml.txt"]
    assert "must be named metadata.csv" in errors["transcripts/metadata.csv.txt"]
    assert errors["transcripts/metadata.csv.txt"].endswith("; then run again")
    assert "Save as' Excel Workbook (.xlsx)" in errors["survey/eksport_gammel.xls"]
    assert "rename it to .csv" in errors["survey/unicode.txt"]
    assert "Word Document (.docx); then move interview_05.rtf out of transcripts/" in errors[
        "transcripts/interview_05.rtf"]
    assert "copy the text out of the PDF" in errors["transcripts/interview_04.pdf"]
    # the files it reads are read all the same; other files are named, not passed over in silence
    assert len(result.reports) == 3
    assert "survey/: 1 other file(s) or folder(s) not read (spoergeskema.pdf)" in " ".join(result.warnings)
    assert "transcripts/: 1 other file(s) or folder(s) not read (gamle/)" in " ".join(result.warnings)


def test_a_companion_file_named_in_another_case_is_an_error_saying_to_rename_it(tmp_path: Path) -> None:
    # «Metadata.csv» is not read (the name is matched exactly) and was passed over as a companion: the
    # transcripts lost their attributes, and the names to pseudonymise, after a mere warning
    folder = tmp_path / "study" / "transcripts"
    folder.mkdir(parents=True)
    (folder / "interview_01.txt").write_text("I: Hvad gør I?\nD: Vi samarbejder.\n", encoding="utf-8")
    (folder / "Metadata.csv").write_text("file;interview_id\ninterview_01.txt;int01\n", encoding="utf-8")
    errors = {error.path: error.message for error in ingest_study(tmp_path / "study").errors}
    assert "must be named metadata.csv" in errors.get("transcripts/Metadata.csv", ""), errors


def test_an_xls_export_given_to_the_reader_says_how_to_convert_it(tmp_path: Path) -> None:
    export = tmp_path / "eksport.xls"
    export.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    with pytest.raises(IngestError, match=r"'\.xls'.*Save as' Excel Workbook \(\.xlsx\)"):
        read_table(export)


def _survey_rows() -> list[list[object]]:
    return [
        [1, "Testkommune A", "Vi samler indsatsen omkring familien, så borgeren har én plan.", "Ja"],
        [2, "Testkommune B", "#N/A", "Nej"],
        [3, "Testkommune C", "Lovgivningen spænder ben for datadeling på tværs.", "Ja"],
    ]


def test_a_second_header_row_of_variable_names_names_the_columns_and_is_no_respondent(
    tmp_path: Path, helpers: object
) -> None:
    header = ["Respondent", "Kommune", "1.1 Hvilke potentialer ser du? Kommentar", "2.1 Er I i gang?"]
    variables = ["resp_id", "kommune", "q1_1_komm", "q2_1_særlig"]
    export = helpers.write_xlsx(tmp_path / "surveyxact.xlsx", header, [variables, *_survey_rows()])
    table = read_table(export)
    assert table.header == variables and [number for number, _ in table.rows] == [3, 4, 5]
    assert table.label("q1_1_komm") == "1.1 Hvilke potentialer ser du? Kommentar"
    assert "variable names" in table.recognised[0]
    # a schema written for the export with row 2 deleted names the columns by the question texts
    assert table.aliases()["1.1 Hvilke potentialer ser du? Kommentar"] == "q1_1_komm"
    # the same export without the variable names reads; answers of single words are no header row
    rows = [[1, "Aarhus", "Nej", "Ja"], [2, "Vejle", "Måske senere", "Nej"], [3, "Odense", "Ja tak", "q2"]]
    assert len(read_table(helpers.write_xlsx(tmp_path / "ok.xlsx", header, rows)).rows) == 3


def test_variable_names_where_no_layout_puts_them_are_still_refused(tmp_path: Path, helpers: object) -> None:
    header = ["Respondent", "Kommune", "1.1 Hvilke potentialer ser du? Kommentar", "2.1 Er I i gang?"]
    variables = ["resp_id", "kommune", "q1_1_komm", "q2_1_særlig"]
    export = helpers.write_xlsx(tmp_path / "surveyxact.xlsx", header, [[""] * 4, variables, *_survey_rows()])
    with pytest.raises(IngestError, match=r"row 3 looks like another header row of variable names "
                                          r"\('resp_id', 'kommune', 'q1_1_komm', 'q2_1_særlig'\)") as error:
        read_table(export)
    assert error.value.where == "row 3" and "delete row 3" in error.value.hint


def test_the_header_repeated_further_down_is_refused(tmp_path: Path, helpers: object) -> None:
    header = ["Respondent", "Kommune", "1.1 Kommentar", "2.1"]
    rows = [*_survey_rows()[:2], header, _survey_rows()[2]]
    export = helpers.write_csv(tmp_path / "to_eksporter.csv", header, rows, delimiter=";")
    with pytest.raises(IngestError, match="repeats the column names of row 1") as error:
        read_table(export)
    assert error.value.where == "row 4"


@pytest.mark.parametrize("label", ["Total", "I alt", "Gennemsnit:"])
def test_a_totals_row_below_the_answers_is_refused_not_read_as_a_respondent(
    tmp_path: Path, helpers: object, label: str
) -> None:
    header = ["Respondent", "Kommune", "1.1 Kommentar", "2.1"]
    export = helpers.write_xlsx(tmp_path / "eksport.xlsx", header, [*_survey_rows(), [label, "", "2", "2"]])
    with pytest.raises(IngestError, match=rf"row 5 looks like a totals or summary row \('{label}'\)"):
        read_table(export)


def test_a_last_respondent_answering_n_or_alle_first_is_read_not_refused_as_totals(
    tmp_path: Path, helpers: object
) -> None:
    # the id is not in column A: a consent column 'N' or an answer 'Alle' opens the row, words follow
    header = ["Samtykke", "Respondent", "Kommune", "1.1 Kommentar"]
    rows = [["J", 1, "Testkommune A", "Én plan for familien."], ["N", 2, "Testkommune B", "Alle skal med."],
            ["Alle", 3, "Testkommune C", "Økonomien følger søjlerne."]]
    assert len(read_table(helpers.write_xlsx(tmp_path / "eksport.xlsx", header, rows)).rows) == 3


def _turns_of(path: Path, **attributes: str) -> list[tuple[str, str, str | None, str]]:
    from hoi_nlp.ingest.transcript import read_transcript

    source, turns = read_transcript(path, study="s", display=path.name, attributes=attributes)
    for turn in turns:
        assert source.text[turn.start : turn.end] == turn.text(source)
    return [(t.speaker, t.speaker_role, t.timestamp, t.text(source)) for t in turns]


@pytest.mark.parametrize("listed", [False, True])
def test_teams_transcript_name_and_minutes_on_their_own_line(tmp_path: Path, helpers: object,
                                                             listed: bool) -> None:
    # Microsoft Teams' downloaded transcript: "Navn Efternavn   0:03" alone, the words on the next line
    path = helpers.make_docx(tmp_path / "teams.docx", [
        "Transskription", "4. marts 2024, 10:02",
        "Jens Hansen   0:03", "Godt, lad os starte med formålet.",
        "Mette Sørensen   0:15", "Vi har samlet familieindsatsen i én enhed.",
        "Jens Hansen   1:02", "Hvordan styrer I økonomien?",
        "Mette Sørensen   1:02:10", "Med en fælles pulje.",
    ])
    attributes = {"interviewer_speakers": "Jens Hansen", "respondent_speakers": "Mette Sørensen"}
    turns = _turns_of(path, **(attributes if listed else {}))
    assert [(speaker, timestamp, words) for speaker, _, timestamp, words in turns] == [
        ("Jens Hansen", "0:03", "Godt, lad os starte med formålet."),
        ("Mette Sørensen", "0:15", "Vi har samlet familieindsatsen i én enhed."),
        ("Jens Hansen", "1:02", "Hvordan styrer I økonomien?"),
        ("Mette Sørensen", "1:02:10", "Med en fælles pulje."),
    ]
    assert turns[0][1] == ("interviewer" if listed else "respondent")


def test_a_label_whose_words_open_with_a_number_still_starts_a_turn(tmp_path: Path) -> None:
    # Teams' "Navn   0:03" must not read as a label, but «D:20 procent …» (no space after the colon) is a
    # turn: it was glued to the interviewer's turn before it, and the respondent's words went uncoded
    path = tmp_path / "tal.txt"
    path.write_text("I: Hvor mange når I?\nD:20 procent af de unge, vil jeg tro.\n", encoding="utf-8")
    assert [(speaker, words) for speaker, _, _, words in _turns_of(path)] == [
        ("I", "Hvor mange når I?"), ("D", "20 procent af de unge, vil jeg tro.")]


def test_a_second_interviewer_and_spoerger_svarer_labels_get_the_interviewers_role(tmp_path: Path) -> None:
    path = tmp_path / "to_interviewere.txt"
    path.write_text("Interviewer 1: Hvad er formålet?\nInterviewer 2: Og målgruppen?\n"
                    "IP: Udsatte unge.\nInterviewer 2: Hvorfor dem?\nIP: Fordi de falder mellem stolene.\n"
                    "Spørger: Og økonomien?\nSvarer: Den følger søjlerne.\nSpørger: Tak.\n", encoding="utf-8")
    roles = {(speaker, role) for speaker, role, _, _ in _turns_of(path)}
    assert roles == {("Interviewer 1", "interviewer"), ("Interviewer 2", "interviewer"), ("IP", "respondent"),
                     ("Spørger", "interviewer"), ("Svarer", "respondent")}


def test_text_in_a_docx_outside_the_body_is_named_as_not_read(study_dir: Path) -> None:
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Interview med kommunaldirektør Jens Hansen, Testkommune A"
    section.footer.paragraphs[0].text = "Transskriberet af Mette Sørensen"
    document.add_paragraph("I: Hvad er formålet med indsatsen?")
    answer = document.add_paragraph("D: At familien kun har én plan.")
    document.add_comment(answer.runs, text="Tjek navnet på enheden", author="MS")
    document.save(study_dir / "transcripts" / "med_sidehoved.docx")
    plain = docx.Document()
    plain.add_paragraph("I: Og økonomien?")
    plain.add_paragraph("D: Den følger søjlerne.")
    plain.save(study_dir / "transcripts" / "uden_sidehoved.docx")
    result = ingest_study(study_dir)
    assert result.ok
    notes = [warning for warning in result.warnings if "outside the document body" in warning]
    assert notes == [
        "text outside the document body is not read (only the body's paragraphs and tables are): "
        "transcripts/med_sidehoved.docx: comments (1 paragraph), page footer (1 paragraph), page header "
        "(1 paragraph); if some of it belongs to the interview, move it into the body and run again"
    ]
    assert "Jens Hansen" not in notes[0]  # what it holds is not repeated where it may be logged


def test_an_embedded_document_in_a_docx_is_named_as_not_read(study_dir: Path) -> None:
    """A transcript pasted in as an embedded document (``w:altChunk``, as mail-merge and web tools write
    it) shows in Word as part of the body but is no paragraph of it: the run names it."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("I: Hvad er formålet med indsatsen?")
    document.add_paragraph("D: At familien kun har én plan.")
    html = "<html><body><p>I: Og økonomien?</p><p>D: Den følger søjlerne.</p></body></html>"
    chunk = Part(PackURI("/word/afchunk1.html"), "text/html", html.encode("utf-8"), document.part.package)
    rid = document.part.relate_to(chunk, RELATIONSHIP_TYPE.A_F_CHUNK)
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="{rid}"/>'))
    document.save(study_dir / "transcripts" / "med_indlejret.docx")
    result = ingest_study(study_dir)
    assert result.ok
    notes = [warning for warning in result.warnings if "outside the document body" in warning]
    assert len(notes) == 1 and "transcripts/med_indlejret.docx: embedded documents (altChunk) (1 document)" \
        in notes[0] and "opened in Word and saved" in notes[0]


def test_each_docx_transcript_is_unpacked_once(study_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The body and the parts not read come from one opening of the file (each opening unpacks and
    checks the whole archive)."""
    import docx

    from hoi_nlp.ingest import docx_text

    for name in ("a.docx", "b.docx"):
        document = docx.Document()
        document.add_paragraph("I: Hvad er formålet med indsatsen?")
        document.add_paragraph("D: At familien kun har én plan.")
        document.sections[0].footer.paragraphs[0].text = "Side 1"
        document.save(study_dir / "transcripts" / name)
    opened: list[str] = []
    real = docx_text.check_office_zip

    def counting(path: Path, *, display: str) -> object:
        opened.append(display)
        return real(path, display=display)

    monkeypatch.setattr(docx_text, "check_office_zip", counting)
    result = ingest_study(study_dir)
    docx_files = sorted(path.name for path in (study_dir / "transcripts").glob("*.docx"))
    assert docx_files == ["a.docx", "b.docx"]
    assert sorted(Path(name).name for name in opened) == docx_files
    assert "transcripts/a.docx: page footer (1 paragraph); transcripts/b.docx: page footer" in " ".join(
        result.warnings)


def test_rows_hidden_in_excel_are_read_and_named(study_dir: Path) -> None:
    import openpyxl

    export = study_dir / "survey" / "eksport.xlsx"
    workbook = openpyxl.load_workbook(export)
    sheet = workbook.active
    sheet.auto_filter.ref = "A1:H6"
    for number in (2, 5):  # R01 and R04 filtered out of view (e.g. test answers), an empty row hidden too
        sheet.row_dimensions[number].hidden = True
    sheet.row_dimensions[40].hidden = True
    workbook.save(export)
    result = ingest_study(study_dir)
    assert result.ok and result.reports[0].rows == 5  # nothing is dropped ...
    said = ("survey/eksport.xlsx: 2 row(s) with answers are hidden in Excel (by hand or by a filter) and are "
            "read like the others: row(s) 2, 5;")
    assert said in " ".join(result.warnings)  # ... and the run says so


def test_formula_cells_without_a_saved_value_are_named(study_dir: Path) -> None:
    """A workbook written by a program (a script, an export tool) holds formulas nothing calculated:
    they are read as empty, so the run names the cells instead of losing their values without a word."""
    import openpyxl

    export = study_dir / "survey" / "eksport.xlsx"
    workbook = openpyxl.load_workbook(export)
    sheet = workbook.active
    sheet.cell(row=3, column=sheet.max_column + 1, value="=LEN(B3)")
    sheet.cell(row=40, column=1, value="=1+1")  # an empty row's formula: not a respondent, not named
    workbook.save(export)
    result = ingest_study(study_dir)
    assert result.ok and result.reports[0].rows == 5
    column = openpyxl.utils.get_column_letter(sheet.max_column)
    said = (f"survey/eksport.xlsx: 1 cell(s) hold a formula whose value was never calculated and saved, "
            f"and are read as empty: {column}3;")
    assert said in " ".join(result.warnings)


def test_a_hidden_sheet_that_is_read_is_named(tmp_path: Path, helpers: object) -> None:
    import openpyxl

    export = helpers.write_xlsx(tmp_path / "eksport.xlsx", helpers.HEADER, helpers.ROWS)
    workbook = openpyxl.load_workbook(export)
    workbook.active.title = "Rådata"
    workbook.create_sheet("Rapport").append(["Kommuneundersøgelsen 2024"])
    workbook["Rådata"].sheet_state = "hidden"
    workbook.save(export)
    table = read_table(export)
    assert table.sheet == "Rådata" and len(table.rows) == 5
    assert table.notes == ("the sheet 'Rådata' is hidden in Excel, and it is the one read",)


def test_a_title_page_and_guide_notes_before_the_interview_are_counted_as_in_no_turn(
    tmp_path: Path, helpers: object
) -> None:
    path = helpers.make_docx(tmp_path / "k09.docx", [
        "Interview 09", "", "Interviewguide", "1. Formål og målgruppe", "2. Organisering og ledelse",
        "I: Hvad er formålet?", "D: At samle indsatsen om familien.",
    ])
    from hoi_nlp.ingest.transcript import read_transcript_parsed

    source, parsed = read_transcript_parsed(path, study="s", display="k09.docx")
    assert parsed.preamble_lines == 4 and [t.speaker for t in parsed.turns] == ["I", "D"]
    assert source.text.startswith("Interview 09")  # kept in the text, in no turn


@pytest.mark.parametrize("listed", [False, True])
def test_labels_with_initials_in_brackets_start_turns_with_their_bases_role(tmp_path: Path,
                                                                           listed: bool) -> None:
    path = tmp_path / "k10.txt"
    path.write_text("Interview 10\nInterviewer (MS): Hvad er formålet?\nDirektør (JH): At samle indsatsen.\n"
                    "Interviewer (MS): Og økonomien?\nDirektør (JH): Den følger søjlerne.\n",
                    encoding="utf-8")
    attributes = {"interviewer_speakers": "Interviewer", "respondent_speakers": "Direktør"} if listed else {}
    assert [(speaker, role, words) for speaker, role, _, words in _turns_of(path, **attributes)] == [
        ("Interviewer (MS)", "interviewer", "Hvad er formålet?"),
        ("Direktør (JH)", "respondent", "At samle indsatsen."),
        ("Interviewer (MS)", "interviewer", "Og økonomien?"),
        ("Direktør (JH)", "respondent", "Den følger søjlerne."),
    ]


def test_a_line_break_or_double_space_in_a_header_cell_matches_the_schemas_single_space(
    tmp_path: Path, helpers: object
) -> None:
    from hoi_nlp.ingest.schema import SurveySchema
    from hoi_nlp.ingest.survey import read_survey

    header = ["Respondent-ID", "Kommune", "1.1 Hvilke potentialer ser I?\nKommentar (valgfri)",
              "Afsluttende  kommentarer "]
    rows = [["1", "Testkommune A", "Én plan for hele familien.", "Tak for en god undersøgelse."]]
    export = helpers.write_xlsx(tmp_path / "eksport.xlsx", header, rows)
    schema = SurveySchema.model_validate({
        "respondent_id": "Respondent-ID", "attributes": {"municipality": "Kommune"},
        "open_text": [
            {"column": "1.1 Hvilke potentialer ser I? Kommentar (valgfri)", "question_id": "1.1"},
            {"column": "Afsluttende kommentarer", "question_id": "afslut"},
        ],
    })
    sources, report = read_survey(export, schema, study="s", base_dir=tmp_path)
    assert [(source.question_id, source.text) for source in sources] == [
        ("1.1", "Én plan for hele familien."), ("afslut", "Tak for en god undersøgelse.")]
    assert read_table(export).header[2] == "1.1 Hvilke potentialer ser I? Kommentar (valgfri)"


def test_the_draft_proposes_number_codes_in_free_text_columns_as_missing_values(
    tmp_path: Path, helpers: object
) -> None:
    import yaml

    from hoi_nlp.ingest.infer import draft_schema

    header = ["Respondent-ID", "Kommune", "1.2 Kommentar til barrierer", "Antal direktører"]
    rows = [[1, "Testkommune A", "Lovgivningen spænder ben for datadeling på tværs af områder.", 2],
            [2, "Testkommune B", "99", 3],
            [3, "Testkommune C", "Vi mangler IT-systemer, der kan tale sammen med hinanden.", 4],
            [4, "Testkommune D", "-9", 1]]
    draft = yaml.safe_load(draft_schema(helpers.write_xlsx(tmp_path / "eksport.xlsx", header, rows)).text)
    assert [field["column"] for field in draft["open_text"]] == ["1.2 Kommentar til barrierer"]
    assert draft["missing_values"] == ["-9", "99"]  # not the closed item's numbers


def test_built_in_labels_typed_in_lower_case_start_turns(tmp_path: Path) -> None:
    path = tmp_path / "k11.txt"
    path.write_text("i: Hvad er formålet?\nd: At samle indsatsen om familien.\ninterviewer 1: Og økonomien?\n"
                    "d: Den følger søjlerne.\n", encoding="utf-8")
    assert [(speaker, role) for speaker, role, _, _ in _turns_of(path)] == [
        ("i", "interviewer"), ("d", "respondent"), ("interviewer 1", "interviewer"), ("d", "respondent")]


def test_a_page_break_inside_a_paragraph_separates_lines(tmp_path: Path, helpers: object) -> None:
    # the title page ends with Ctrl+Enter in the paragraph that goes on with the first turn
    path = helpers.make_docx_xml(tmp_path / "k12.docx", (
        '<w:p><w:r><w:t>Interview 12</w:t><w:br w:type="page"/><w:t>I: Hvad er formålet?</w:t></w:r></w:p>'
        '<w:p><w:r><w:t>D: At samle indsatsen.</w:t><w:br w:type="column"/><w:t>Og én plan.</w:t></w:r></w:p>'
    ))
    assert [(speaker, words) for speaker, _, _, words in _turns_of(path)] == [
        ("I", "Hvad er formålet?"), ("D", "At samle indsatsen.\nOg én plan.")]


def test_answers_on_another_sheet_with_the_same_columns_are_named_as_not_read(
    tmp_path: Path, helpers: object
) -> None:
    import openpyxl

    export = helpers.write_xlsx(tmp_path / "eksport.xlsx", helpers.HEADER, helpers.ROWS[:3])
    workbook = openpyxl.load_workbook(export)
    workbook.active.title = "Region Nord"
    rest = workbook.create_sheet("Region Syd")
    for row in [helpers.HEADER, *helpers.ROWS[3:]]:
        rest.append(row)
    workbook.create_sheet("Labels").append(["Variabel", "Label"])
    workbook.save(export)
    table = read_table(export)
    assert table.sheet == "Region Nord" and len(table.rows) == 3
    assert table.notes == ("the sheet 'Region Syd' has the same columns and holds answers too, but only one "
                           "sheet is read ('Region Nord'): its answers are not in the study — copy its rows "
                           "below the others on one sheet",)


def test_survey_schema_says_what_the_sheet_hides(tmp_path: Path, helpers: object) -> None:
    import openpyxl
    from typer.testing import CliRunner

    from hoi_nlp.cli import app

    export = helpers.write_xlsx(tmp_path / "eksport.xlsx", helpers.HEADER, helpers.ROWS)
    workbook = openpyxl.load_workbook(export)
    workbook.active.row_dimensions[3].hidden = True
    workbook.save(export)
    result = CliRunner().invoke(app, ["survey-schema", str(export)])
    assert result.exit_code == 0
    assert "Note: eksport.xlsx: 1 row(s) with answers are hidden in Excel" in result.stderr


def test_metadata_columns_in_danish_or_another_case_are_the_known_keys(tmp_path: Path) -> None:
    from hoi_nlp.privacy.redact import metadata_names

    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    (study / "transcripts" / "k01.txt").write_text(
        "Interviewer (MS): Hvad er formålet?\nKD: At samle indsatsen i Testby.\n", encoding="utf-8")
    (study / "transcripts" / "metadata.csv").write_text(
        "Fil;Interview ID;Kommune;Rolle;Interviewer speakers;Respondent-Speakers;Indsats\n"
        "k01.txt;K01;Testby Kommune;Kommunaldirektør;Interviewer;KD;Familiehuset\n", encoding="cp1252")
    result = ingest_study(study)
    assert result.ok, result.errors
    source = result.sources[0]
    assert source.source_id == "K01"
    assert source.attributes == {"municipality": "Testby Kommune", "role": "Kommunaldirektør",
                                 "interviewer_speakers": "Interviewer", "respondent_speakers": "KD",
                                 "Indsats": "Familiehuset"}
    assert [(turn.speaker, turn.speaker_role) for turn in result.turns["K01"]] == [
        ("Interviewer (MS)", "interviewer"), ("KD", "respondent")]
    assert metadata_names([source])["Testby Kommune"] == "KOMMUNE"  # replaced everywhere


def test_schema_attributes_in_danish_or_another_case_are_the_known_attributes() -> None:
    from hoi_nlp.ingest.schema import SurveySchema

    schema = SurveySchema.model_validate({
        "respondent_id": "ID", "open_text": [{"column": "Kommentar", "question_id": "k"}],
        "attributes": {"Kommune": "Hvilken kommune?", "Rolle": "Stilling", "Size group": "Str.",
                       "sektor": "S"},
    })
    assert schema.attributes == {"municipality": "Hvilken kommune?", "role": "Stilling", "size_group": "Str.",
                                 "sektor": "S"}


def test_a_chart_sheet_in_the_workbook_is_passed_over(tmp_path: Path, helpers: object) -> None:
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    from hoi_nlp.ingest.infer import draft_schema

    export = helpers.write_xlsx(tmp_path / "eksport.xlsx", helpers.HEADER, helpers.ROWS)
    workbook = openpyxl.load_workbook(export)
    chart = BarChart()
    chart.add_data(Reference(workbook.active, min_col=1, min_row=1, max_row=3))
    workbook.create_chartsheet("Diagram", 0).add_chart(chart)  # the first sheet, as tools put it
    workbook.save(export)
    assert len(read_table(export).rows) == 5
    assert "respondent_id: \"Respondent-ID\"" in draft_schema(export).text
    with pytest.raises(IngestError, match="the sheet 'Diagram' is a chart, not a table of answers"):
        read_table(export, sheet="Diagram")


def test_a_sheet_whose_stated_used_range_is_a1_is_read_whole(tmp_path: Path, helpers: object) -> None:
    # streaming xlsx writers of some web tools state <dimension ref="A1"/> whatever the sheet holds
    import re
    import zipfile

    written = helpers.write_xlsx(tmp_path / "skrevet.xlsx", helpers.HEADER, helpers.ROWS)
    export = tmp_path / "eksport.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
            target.writestr(item, data)
    table = read_table(export)
    assert table.header == helpers.HEADER and len(table.rows) == 5
    assert all(len(cells) == len(helpers.HEADER) for _, cells in table.rows)


def test_the_metadatas_interviewer_labelled_by_name_is_the_interviewer(tmp_path: Path) -> None:
    path = tmp_path / "k12.txt"
    path.write_text("Mette Skov: Hvad er formålet?\nSøren Møller: At samle indsatsen.\n"
                    "Mette Skov: Og økonomien?\nSøren Møller: Den følger søjlerne.\n", encoding="utf-8")
    from hoi_nlp.ingest.transcript import read_transcript_parsed

    source, parsed = read_transcript_parsed(path, study="s", display="k12.txt",
                                            attributes={"interviewer": "Mette Skov"})
    assert [(t.speaker, t.speaker_role) for t in parsed.turns] == [
        ("Mette Skov", "interviewer"), ("Søren Møller", "respondent"),
        ("Mette Skov", "interviewer"), ("Søren Møller", "respondent")]
    assert not any("'Mette Skov'" in warning for warning in parsed.warnings)


def test_a_csv_saved_as_csv_macintosh_reads_its_danish_letters(tmp_path: Path, helpers: object) -> None:
    export = helpers.write_csv(tmp_path / "mac.csv", helpers.HEADER, helpers.ROWS, delimiter=";",
                               encoding="mac_roman")
    table = read_table(export)
    assert table.header[3] == "Størrelsesgruppe"
    assert table.rows[0][1][6].startswith("Sektorlovgivningen spænder ben for datadeling")
    # cp1252 text with ¾ or ® of its own is not taken for Mac Roman
    cp1252 = helpers.write_csv(tmp_path / "cp.csv", ["ID", "Kommentar"],
                               [["1", "Prisen var 3¾ kr. for Word®-licensen"], ["2", "Fælles møder"]],
                               delimiter=";", encoding="cp1252")
    assert read_table(cp1252).rows[0][1][1] == "Prisen var 3¾ kr. for Word®-licensen"


def test_iv_resp_and_inf_abbreviations_have_their_roles(tmp_path: Path) -> None:
    path = tmp_path / "k13.txt"
    path.write_text("IV: Hvad er formålet?\nResp: At samle indsatsen.\nIV: Og jer?\nInf: Også det.\n",
                    encoding="utf-8")
    assert [(speaker, role) for speaker, role, _, _ in _turns_of(path)] == [
        ("IV", "interviewer"), ("Resp", "respondent"), ("IV", "interviewer"), ("Inf", "respondent")]


@pytest.mark.parametrize("heading", ["Interviewguide", "NOTER:", "[Interview slut]", "Bilag 1"])
def test_a_guide_or_notes_below_the_last_turn_are_not_the_respondents_words(
    tmp_path: Path, helpers: object, heading: str
) -> None:
    path = helpers.make_docx(tmp_path / "k14.docx", [
        "I: Hvad er formålet?", "D: At samle indsatsen om familien.", "Og at spare penge på sigt.", "",
        heading, "1. Formål og målgruppe", "2. Økonomistyring på tværs",
    ])
    from hoi_nlp.ingest.transcript import read_transcript_parsed

    source, parsed = read_transcript_parsed(path, study="s", display="k14.docx")
    assert [t.text(source) for t in parsed.turns] == [
        "Hvad er formålet?", "At samle indsatsen om familien.\nOg at spare penge på sigt."]
    assert parsed.trailing_lines == 3 and source.text.endswith("2. Økonomistyring på tværs")


def test_ingest_says_how_many_lines_below_the_last_turn_are_not_coded(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hoi_nlp.cli import app

    (tmp_path / "studie" / "transcripts").mkdir(parents=True)
    (tmp_path / "studie" / "transcripts" / "k15.txt").write_text(
        "Interview 15\nI: Hvad er formålet?\nD: At samle indsatsen.\n\nNoter\nRing tilbage om tal.\n",
        encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "studie"), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert ("transcripts/k15.txt: 2 turns; 1 line(s) before the first turn not coded; 2 line(s) after the "
            "last turn (from a heading such as 'Noter') not coded") in result.stdout


def test_hidden_columns_the_schema_names_are_read_and_named(study_dir: Path) -> None:
    import openpyxl

    from hoi_nlp.ingest.infer import draft_schema

    export = study_dir / "survey" / "eksport.xlsx"
    workbook = openpyxl.load_workbook(export)
    workbook.active.column_dimensions["G"].hidden = True  # 1.2_kommentar, an open-text column
    workbook.active.column_dimensions["F"].hidden = True  # 2.1, a closed item
    workbook.active.column_dimensions["J"].hidden = True  # an empty column beyond the header
    workbook.save(export)
    result = ingest_study(study_dir)
    assert result.ok and result.reports[0].answers["1.2_kommentar"] == 2
    notes = [warning for warning in result.warnings if "hidden in Excel" in warning]
    assert notes == ["survey/eksport.xlsx: the column(s) '2.1', '1.2_kommentar' are hidden in Excel and are "
                     "read like the others; check that they belong in the schema"]
    assert any("'1.2_kommentar' are hidden in Excel" in note for note in draft_schema(export).notes)


def test_a_metadata_row_naming_the_file_without_its_ending_matches_it() -> None:
    from hoi_nlp.ingest.metadata import TranscriptMeta, match_files

    rows = {name: TranscriptMeta(file=name, interview_id=name[-2:]) for name in
            ("interview_01", "Interview 2. Vejle", "interview_03", "interview_03.txt")}
    matched, missing = match_files(rows, ["interview_01.docx", "Interview 2. Vejle.docx", "interview_03.docx",
                                          "interview_03.txt"])
    assert {name: meta.file for name, meta in matched.items()} == {
        "interview_01.docx": "interview_01", "Interview 2. Vejle.docx": "Interview 2. Vejle",
        "interview_03.txt": "interview_03.txt", "interview_03.docx": "interview_03"}
    assert missing == {}


def test_a_label_and_a_tab_before_the_words_start_a_turn(tmp_path: Path, helpers: object) -> None:
    # a hanging indent: "Interviewer<TAB>Hvad ...", no colon
    path = helpers.make_docx(tmp_path / "k16.docx", [
        "Interview 16", "Interviewer\tHvad er formålet?", "Direktør\tAt samle indsatsen om familien.",
        "Interviewer\tOg økonomien?", "Direktør\tDen følger søjlerne.", "Økonomi\t3 mio. kr. om året til det",
    ])
    assert [(speaker, role, words) for speaker, role, _, words in _turns_of(path)] == [
        ("Interviewer", "interviewer", "Hvad er formålet?"),
        ("Direktør", "respondent", "At samle indsatsen om familien."),
        ("Interviewer", "interviewer", "Og økonomien?"),
        ("Direktør", "respondent", "Den følger søjlerne.\nØkonomi\t3 mio. kr. om året til det"),
    ]


def test_role_labels_transcripts_use_stay_readable_and_initials_do_not() -> None:
    from hoi_nlp.privacy.redact import is_role_label

    roles = ("Spørger", "Svarer", "Interviewperson", "Inf", "Taler 1", "Speaker 2", "IV", "Resp")
    assert [label for label in roles if not is_role_label(label)] == []
    assert not any(is_role_label(label) for label in ("Interviewer (MS)", "Mette Skov", "KJ"))


def test_a_schema_column_name_with_an_invisible_character_matches_the_header(tmp_path: Path,
                                                                             helpers: object) -> None:
    # a column name copied from a header holding a soft hyphen or a zero-width space compares as the
    # header does (the header's invisible characters were dropped, the schema's kept)
    from hoi_nlp.ingest.schema import SurveySchema
    from hoi_nlp.ingest.survey import read_survey

    export = helpers.write_xlsx(tmp_path / "eksport.xlsx", ["Respondent-ID", "Kommune", "Andre barrierer"],
                                [["1", "Testkommune A", "Økonomien."]])
    schema = SurveySchema.model_validate({
        "respondent_id": "Respondent\u200b-ID", "attributes": {"municipality": "Kommune"},
        "open_text": [{"column": "Andre bar\u00adrierer", "question_id": "2.2"}],
    })
    sources, _ = read_survey(export, schema, study="s", base_dir=tmp_path)
    assert [(source.question_id, source.text) for source in sources] == [("2.2", "Økonomien.")]


@pytest.mark.parametrize("heading", ["Bilag 1: Interviewguide", "Noter: opfølgning aftalt med direktøren"])
def test_an_appendix_or_notes_heading_with_its_title_below_the_last_turn_is_not_coded(
    tmp_path: Path, helpers: object, heading: str
) -> None:
    # «Bilag 1: Interviewguide» (a heading with its title, as Word users write it) was taken for words of
    # the last turn: the guide's questions were coded and quoted as the director's own
    import csv

    from tests.conftest import hoi_from_checkout

    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    helpers.make_docx(folder / "interview_ringsted.docx", [
        "Interview med direktøren", "I: Hvordan er indsatsen organiseret?",
        "D: Vi har et fast tværgående team, der mødes hver uge om familierne.", "I: Tak for interviewet.",
        "D: Selv tak.", "", heading, "Hvordan er indsatsen organiseret, og hvem leder den?",
        "Hvilke barrierer oplever I, fx IT-systemer der ikke taler sammen?"])
    (folder / "metadata.csv").write_text(
        "file,interview_id,municipality,interviewer_speakers,respondent_speakers\n"
        "interview_ringsted.docx,int04,Ringsted,I,D\n", encoding="utf-8")
    ran = hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ("transcripts/interview_ringsted.docx: 4 turns; 1 line(s) before the first turn not coded; 3 "
            "line(s) after the last turn") in ran.stdout, ran.stdout
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert texts == ["Vi har et fast tværgående team, der mødes hver uge om familierne.", "Selv tak."], texts


@pytest.mark.parametrize("paragraph", [
    "Noter: dem tager vi altid på papir, og så bliver de scannet.",
    "Bilag 2 - det var budgettet, og det blev godkendt.",
    "Interviewguiden – den havde vi ikke set før mødet, men det gik fint.",
    "Notater: dem skriver ingen, fordi der ikke er tid.",
    "Noter. Det er det vi mangler mest.",
])
def test_the_directors_last_paragraph_that_starts_with_a_headings_word_is_kept(
    tmp_path: Path, helpers: object, paragraph: str
) -> None:
    # a heading with its title ends the interview, but a sentence the director says after «Noter:» or
    # «Bilag 2 -» is his words: it was dropped with everything after it
    from hoi_nlp.ingest.transcript import read_transcript_parsed

    path = helpers.make_docx(tmp_path / "k16.docx", [
        "I: Hvordan håndterer I noterne?", "D: Vi skriver dem ind bagefter.", paragraph, "Så er de gemt."])
    source, parsed = read_transcript_parsed(path, study="s", display="k16.docx")
    assert [t.text(source) for t in parsed.turns] == [
        "Hvordan håndterer I noterne?", f"Vi skriver dem ind bagefter.\n{paragraph}\nSå er de gemt."]
    assert parsed.trailing_lines == 0

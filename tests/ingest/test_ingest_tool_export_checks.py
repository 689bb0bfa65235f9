"""Survey tools' layouts read at the library level: the personal-data check by a column's question
text, the row taken as question texts, `;` lists, repeated names and what counts as personal data."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoi_nlp.errors import SchemaError
from hoi_nlp.ingest.infer import draft_schema
from hoi_nlp.ingest.schema import load_schema
from hoi_nlp.ingest.survey import read_survey
from hoi_nlp.ingest.tables import read_table

QUALTRICS = '''ResponseId,Status,Q1,Q2,Q3_TEXT
Response ID,Response Type,Hvilken kommune?,Navn,Hvordan er indsatsen organiseret?
"{""ImportId"":""_recordId""}","{""ImportId"":""status""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}",\
"{""ImportId"":""QID3_TEXT""}"
R_1a,0,Skive,Anne Hansen,Vi har et fast team der mødes hver uge
R_2b,0,Viborg,Bo Jensen,Et tværfagligt team med en koordinator
R_3c,0,Struer,Lise Holm,Vi mødes når der er behov for det
'''
SURVEY_XACT = """Respondent-id;Hvilken kommune?;Dit navn;Mailadresse;Hvordan er indsatsen organiseret?
s_1;s_2;s_3;s_4;s_5
1;Skive;Anne Hansen;anne@skive.dk;Vi har et fast team der mødes hver uge
2;Viborg;Bo Jensen;bo@viborg.dk;Et tværfagligt team med en koordinator
3;Struer;Lise Holm;lise@struer.dk;Vi mødes når der er behov for det
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_names_column_labelled_by_its_question_text_is_left_out_of_the_draft(tmp_path: Path) -> None:
    """Qualtrics' «Q2» and SurveyXact's «s_3» ask «Navn» / «Dit navn»: the draft leaves them out as
    personal data instead of offering them as closed items."""
    qualtrics = draft_schema(_write(tmp_path / "qx.csv", QUALTRICS))
    assert qualtrics.personal == ("Q2",) and '"Q2"' in qualtrics.text.split("# left out")[1]
    assert '{column: "Q2"' not in qualtrics.text
    xact = draft_schema(_write(tmp_path / "sx.csv", SURVEY_XACT))
    assert set(xact.personal) == {"s_3", "s_4"} and '{column: "s_3"' not in xact.text


@pytest.mark.parametrize(("export", "text", "schema", "column"), [
    ("qx.csv", QUALTRICS, 'respondent_id: "ResponseId"\nattributes:\n  role: "Q2"\nopen_text:\n'
     '  - {column: "Q3_TEXT", question_id: "q3"}\n', "Q2"),
    ("sx.csv", SURVEY_XACT, 'respondent_id: "s_1"\nopen_text:\n  - {column: "s_5", question_id: "q5"}\n'
     '  - {column: "Dit navn", question_id: "navn"}\n', "Dit navn"),
])
def test_a_schema_naming_a_names_column_by_its_id_or_question_text_is_refused(
        tmp_path: Path, export: str, text: str, schema: str, column: str) -> None:
    path = _write(tmp_path / export, text)
    loaded = load_schema(_write(tmp_path / "schema.yaml", f'survey: "s"\n{schema}'))
    with pytest.raises(SchemaError, match=f"column '{column}' .* holds respondents' names"):
        read_survey(path, loaded, study="s", base_dir=tmp_path)


VARIABLE_NAMES = "resp_id;kommune;region;q1_organisering;q2_barrierer;rolle\n"
RESPONDENTS = [
    "2;Viborg;Region Midtjylland;Vi har et fast team;IT-systemerne taler ikke sammen;Medarbejder",
    "3;Holstebro;Region Midtjylland;Et tværfagligt team mødes;Ledelsen bakker ikke op;Medarbejder",
    "4;Struer;Region Midtjylland;Vi mødes hver uge;Der mangler tid;Medarbejder",
    "5;Lemvig;Region Midtjylland;Koordinator i hver sag;Jura og GDPR;Medarbejder",
    "6;Herning;Region Midtjylland;Fælles mål;Ingen fælles budget;Medarbejder",
]


def test_a_first_respondent_asking_a_question_is_not_taken_for_question_texts(tmp_path: Path) -> None:
    """Under variable names, respondent 1 answers with a question and alone picks «Region Hovedstaden»
    and «Leder»: their id «1» is shaped like the ids below, so the row is a respondent, read."""
    first = "1;Skive;Region Hovedstaden;Hvorfor skal vi organisere os anderledes nu?;Økonomien følger " \
            "søjlerne;Leder"
    table = read_table(_write(tmp_path / "q.csv", VARIABLE_NAMES + "\n".join([first, *RESPONDENTS]) + "\n"))
    assert [number for number, _ in table.rows] == [2, 3, 4, 5, 6, 7] and not table.recognised
    assert table.rows[0][1][3] == "Hvorfor skal vi organisere os anderledes nu?"
    assert "Hvorfor skal vi" not in draft_schema(tmp_path / "q.csv").text


def test_the_row_taken_for_question_texts_is_named_in_a_warning(tmp_path: Path) -> None:
    texts = "Respondent;Kommune;Region;Hvordan er indsatsen organiseret?;Hvad er barriererne?;Rolle"
    path = _write(tmp_path / "q.csv", VARIABLE_NAMES + "\n".join([texts, *RESPONDENTS]) + "\n")
    table = read_table(path)
    assert [number for number, _ in table.rows] == [3, 4, 5, 6, 7]
    assert any(note.startswith("row 2 ('Respondent', 'Kommune', 'Region', 'Hvordan er indsatsen") and
               "insert a row with the question texts" in note for note in table.notes), table.notes
    assert any("row 2 (" in note for note in draft_schema(path).notes)
    schema = load_schema(_write(tmp_path / "schema.yaml", 'survey: "s"\nrespondent_id: "resp_id"\n'
                                'open_text:\n  - {column: "q1_organisering", question_id: "q1"}\n'))
    _, report = read_survey(path, schema, study="s", base_dir=tmp_path)
    assert report.rows == 5 and any("is read as the question texts" in note for note in report.notes)


def _answers_csv(path: Path, question: str, answers: list[str]) -> Path:
    rows = [f'{number},K{number},"{answer}"' for number, answer in enumerate(answers, start=1)]
    return _write(path, "\n".join([f"Id,Kommune,{question}", *rows]) + "\n")


def test_an_open_question_answered_as_a_typed_list_stays_open(tmp_path: Path) -> None:
    """Respondents who list barriers in their own words («Økonomi; IT-systemer; tid») answer an open
    question: it is drafted for coding, not as a closed item of Microsoft Forms' options."""
    path = _answers_csv(tmp_path / "semi.csv", "Hvilke barrierer oplever I i samarbejdet?", [
        "Økonomi; IT-systemer; tid", "IT-systemer; jura", "Økonomi; tid", "Tid; økonomi; ledelse",
        "jura; IT-systemer", "Økonomi; IT-systemer"])
    draft = draft_schema(path)
    assert '  - column: "Hvilke barrierer oplever I i samarbejdet?"' in draft.text
    assert not any("drafted as a closed item" in note for note in draft.notes)


def test_a_forms_multiple_choice_question_drafted_closed_is_named(tmp_path: Path) -> None:
    path = _answers_csv(tmp_path / "forms.csv", "Hvilke fagområder indgår?", [
        "Skole;Beskæftigelse;", "Skole;", "Beskæftigelse;Skole;", "Skole;Sundhed;", "Sundhed;"])
    draft = draft_schema(path)
    assert '#   - {column: "Hvilke fagområder indgår?"' in draft.text
    assert ("the column 'Hvilke fagområder indgår?' is drafted as a closed item (not coded): its cells are "
            "options joined by ';'") in " ".join(draft.notes)


def test_a_second_andet_added_to_the_form_renames_no_column(tmp_path: Path) -> None:
    """A schema written when the form had one «Andet» still reads it after a second was added: the first
    of a repeated name keeps it, later ones are told apart by the question before them."""
    schema = load_schema(_write(tmp_path / "schema.yaml", 'survey: "f"\nrespondent_id: "Id"\nopen_text:\n'
                                '  - {column: "Andet", question_id: "andet"}\n'))
    before = _write(tmp_path / "f1.csv", "Id,Hvordan er indsatsen organiseret?,Andet\n"
                    "1,Team,Vi mødes hver uge i teamet\n2,Team,Et fast team\n")
    after = _write(tmp_path / "f2.csv", "Id,Hvordan er indsatsen organiseret?,Andet,Hvad er barriererne?,"
                   "Andet\n1,Team,Vi mødes hver uge i teamet,IT,Systemerne\n2,Team,Et fast team,Jura,GDPR\n")
    texts = [[source.text for source in read_survey(path, schema, study="f", base_dir=tmp_path)[0]]
             for path in (before, after)]
    assert texts[0] == texts[1] == ["Vi mødes hver uge i teamet", "Et fast team"]
    assert read_table(after).header[-1] == "Andet (Hvad er barriererne?)"


def test_a_repeated_question_is_told_apart_by_a_question_not_the_id_column(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path / "r.csv", "Id;Hvordan er indsatsen organiseret?;Uddyb gerne;"
                              "Hvad er barriererne?;Uddyb gerne;Hvordan er indsatsen organiseret?\n"
                              "1;Team;Vi mødes;IT;Systemer;x\n2;Team;Vi ses;Jura;GDPR;y\n"))
    assert table.header == ["Id", "Hvordan er indsatsen organiseret?", "Uddyb gerne", "Hvad er barriererne?",
                            "Uddyb gerne (Hvad er barriererne?)",
                            "Hvordan er indsatsen organiseret? (Hvad er barriererne?)"]


@pytest.mark.parametrize(("name", "values", "kind"), [
    ("Budget", ["1.000.000.000", "2.500.000.000", "kr. 3"], None),  # amounts, not IP addresses
    ("E-mail (Må vi kontakte dig?)", ["Ja", "Nej", "Ja"], None),  # a question about e-mail
    ("Klient", ["010180-1234", "311299-4321"], "CPR numbers"),
    ("CPR-nr", [], "CPR numbers"),
    ("Telefonnummer", ["12 34 56 78"], "phone numbers"),
    ("Mail", ["anonymous"], "e-mail addresses"),  # by its name, whatever the cells
    ("IP Address", ["192.168.1.4"], "IP addresses"),
])
def test_personal_data_is_known_by_values_where_the_name_only_asks(name: str, values: list[str],
                                                                   kind: str | None) -> None:
    from hoi_nlp.ingest.personal import personal_kind

    assert personal_kind(name, values) == kind


@pytest.mark.parametrize("column", ["Indbyggergruppe", "Kommunestørrelse"])
def test_common_danish_names_of_the_size_group_are_known(tmp_path: Path, column: str) -> None:
    from hoi_nlp.ingest.metadata import metadata_key

    path = _write(tmp_path / "s.csv", f"Id;Kommune;{column};Hvordan er indsatsen organiseret?\n"
                  "1;Skive;Under 44.200;Vi har et fast team der mødes hver uge\n"
                  "2;Aarhus;Over 44.200;Et tværfagligt team med en koordinator\n")
    assert f'  size_group: "{column}"' in draft_schema(path).text
    assert metadata_key(column) == "size_group"

"""Survey exports as Microsoft Forms, SurveyMonkey, Qualtrics, Google Forms and SurveyXact write them
(built with openpyxl and csv as the tools emit them), walked as the README's researcher walks them:
``hoi survey-schema STUDY -o STUDY/survey/schema.yaml``, then ``hoi ingest`` / ``hoi run``, each a
subprocess. Header rows are never respondents, repeated column names get distinct names, and the
columns of e-mail and IP addresses and names never reach a coding unit."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from hoi_nlp.store import Workspace, load_sources

ANSWERS = [
    ("Skive", "Vi har et fast tværgående team for familier, der mødes hver uge.",
     "Økonomien følger søjlerne, og det spænder ben for os."),
    ("Vejle", "Vores IT-systemer taler ikke sammen, så vi dobbeltregistrerer alt.", ""),
    ("Odense", "Der mangler en fælles faglig forståelse mellem beskæftigelse og socialområdet.",
     "Vi har ikke ressourcer nok til koordinatorerne i den nye enhed."),
    ("Aarhus", "En ny selvstændig enhed med egen leder og eget budget for familierne.",
     "Sektorlovgivningen er den største barriere for os i det daglige arbejde."),
]
PERSONAL = ("@", "192.168.", "10.0.0.", "Jens Hansen", "anonymous")


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append([None if value == "" else value for value in row])
    workbook.save(path)
    return path


def _csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def ms_forms(folder: Path) -> Path:
    """Microsoft Forms' Excel download (Danish): respondent columns, then one column per question, the
    follow-up questions all titled «Uddyb gerne» or «Andet»."""
    rows: list[list[object]] = [[
        "Id", "Starttidspunkt", "Fuldførelsestidspunkt", "Mail", "Navn", "Hvilken kommune repræsenterer du?",
        "Hvordan er indsatsen organiseret?", "Uddyb gerne", "I hvilken grad oplever I barrierer?",
        "Uddyb gerne", "Andet"]]
    for number, (municipality, first, second) in enumerate(ANSWERS, start=1):
        started = dt.datetime(2024, 3, number, 10, 5)
        rows.append([number, started, started + dt.timedelta(minutes=9), f"jens{number}@{municipality}.dk",
                     "Jens Hansen", municipality, "Faste tværgående teams", first, "I høj grad", second,
                     "Samarbejdet med psykiatrien i regionen halter." if number == 2 else ""])
    return _xlsx(folder / "Kommuneundersøgelse(1-4).xlsx", rows)


def _monkey_rows() -> list[list[str]]:
    questions = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
                 "First Name", "Last Name", "Hvilken kommune repræsenterer du?",
                 "Hvordan er indsatsen organiseret? Beskriv kort.", "Hvilke fagområder indgår?", "", "",
                 "Hvad er de største barrierer?"]
    answers = ["", "", "", "", "", "", "", "", "Response", "Open-Ended Response", "Skole", "Beskæftigelse",
               "Andet (angiv venligst)", "Open-Ended Response"]
    rows = [questions, answers]
    for number, (municipality, first, second) in enumerate(ANSWERS, start=1):
        other = "Psykiatrien i regionen er med i teamet" if number == 3 else ""
        rows.append([str(114000000000 + number), "431234567", "03/01/2024 10:05:00 AM",
                     "03/01/2024 10:15:00 AM", f"192.168.1.{number}", "", "", "", municipality, first,
                     "Skole" if number % 2 else "", "Beskæftigelse", other, second])
    return rows


def survey_monkey_xlsx(folder: Path) -> Path:
    return _xlsx(folder / "Sheet_1.xlsx", _monkey_rows())


def survey_monkey_csv(folder: Path) -> Path:
    return _csv(folder / "Sheet_1.csv", _monkey_rows())


def qualtrics(folder: Path) -> Path:
    """Qualtrics' CSV download: ids, question texts, then the import ids as JSON."""
    ids = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Finished", "ResponseId",
           "RecipientLastName", "RecipientFirstName", "RecipientEmail", "LocationLatitude",
           "LocationLongitude", "DistributionChannel", "UserLanguage", "Q1", "Q2", "Q3_1", "Q4"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Finished", "Response ID",
             "Recipient Last Name", "Recipient First Name", "Recipient Email", "Location Latitude",
             "Location Longitude", "Distribution Channel", "User Language",
             "Hvilken kommune repræsenterer du?", "Hvordan er indsatsen organiseret? Beskriv kort.",
             "I hvilken grad oplever I barrierer? - Lovgivning", "Hvad er de største barrierer?"]
    imports = [json.dumps({"ImportId": name}) for name in [
        "startDate", "endDate", "status", "ipAddress", "progress", "finished", "_recordId",
        "recipientLastName", "recipientFirstName", "recipientEmail", "locationLatitude", "locationLongitude",
        "distributionChannel", "userLanguage", "QID1_TEXT", "QID2_TEXT", "QID3_1", "QID4_TEXT"]]
    rows = [ids, texts, imports]
    for number, (municipality, first, second) in enumerate(ANSWERS, start=1):
        rows.append(["2024-03-01 10:05:00", "2024-03-01 10:15:00", "IP Address", f"10.0.0.{number}", "100",
                     "True", f"R_3kXy{number}AbCdEfGh", "Hansen", "Jens", f"jens{number}@kommune.dk", "55.6",
                     "12.5", "email", "DA", municipality, first, "I høj grad", second])
    return _csv(folder / "HOI_2024.csv", rows)


def google_forms(folder: Path) -> Path:
    """Google Forms' responses as CSV (Danish): a timestamp and the e-mail the form collected."""
    rows = [["Tidsstempel", "Mailadresse", "Hvilken kommune repræsenterer du?",
             "Hvordan er indsatsen organiseret?", "Hvad er de største barrierer?"]]
    for number, (municipality, first, second) in enumerate(ANSWERS, start=1):
        rows.append([f"01/03/2024 10.0{number}.12", f"jens{number}@{municipality.lower()}.dk", municipality,
                     first, second])
    return _csv(folder / "Kommuneundersøgelse (svar) - Formularsvar 1.csv", rows, encoding="utf-8")


def survey_xact(folder: Path) -> Path:
    """SurveyXact's Excel dataset with the variable names under the question texts."""
    rows: list[list[object]] = [
        ["Respondent", "Kommune", "1.1 Hvordan er indsatsen organiseret? Kommentar",
         "1.2 Hvilke barrierer ser du? Kommentar", "2.1 Er I i gang?"],
        ["resp_id", "kommune", "q1_1_komm", "q1_2_komm", "q2_1"]]
    rows += [[number, municipality, first, second, "Ja"]
             for number, (municipality, first, second) in enumerate(ANSWERS, start=1)]
    return _xlsx(folder / "dataset.xlsx", rows)


# tool: (builder, what survey-schema says it recognised, the open columns drafted, their questions)
TOOLS = {
    "ms_forms": (ms_forms, "2 columns are named 'Uddyb gerne'",
                 {"Uddyb gerne":
                      "Hvordan er indsatsen organiseret?: Uddyb gerne",
                  "Uddyb gerne (I hvilken grad oplever I barrierer?)":
                      "I hvilken grad oplever I barrierer?: Uddyb gerne"}),
    "survey_monkey_xlsx": (survey_monkey_xlsx, "a SurveyMonkey export",
                           {"Hvordan er indsatsen organiseret? Beskriv kort.":
                                "Hvordan er indsatsen organiseret? Beskriv kort.",
                            "Hvilke fagområder indgår? - Andet (angiv venligst)":
                                "Hvilke fagområder indgår? - Andet (angiv venligst)",
                            "Hvad er de største barrierer?": "Hvad er de største barrierer?"}),
    "survey_monkey_csv": (survey_monkey_csv, "a SurveyMonkey export",
                          {"Hvordan er indsatsen organiseret? Beskriv kort.":
                               "Hvordan er indsatsen organiseret? Beskriv kort.",
                           "Hvad er de største barrierer?": "Hvad er de største barrierer?"}),
    "qualtrics": (qualtrics, "a Qualtrics export",
                  {"Q2": "Hvordan er indsatsen organiseret? Beskriv kort.",
                   "Q4": "Hvad er de største barrierer?"}),
    "google_forms": (google_forms, None,
                     {"Hvordan er indsatsen organiseret?": "Hvordan er indsatsen organiseret?",
                      "Hvad er de største barrierer?": "Hvad er de største barrierer?"}),
    "survey_xact": (survey_xact, "variable names under the question texts",
                    {"q1_1_komm": "1.1 Hvordan er indsatsen organiseret? Kommentar",
                     "q1_2_komm": "1.2 Hvilke barrierer ser du? Kommentar"}),
}


def hoi(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300)


def _study(tmp_path: Path, tool: str) -> tuple[Path, Path]:
    study = tmp_path / "studie"
    (study / "survey").mkdir(parents=True)
    return study, TOOLS[tool][0](study / "survey")


@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_tool_export_is_drafted_and_read_through_the_cli(tmp_path: Path, tool: str) -> None:
    study, _ = _study(tmp_path, tool)
    _, recognised, questions = TOOLS[tool]
    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    if recognised:
        assert "Recognised in" in drafted.stderr and recognised in drafted.stderr
    schema = yaml.safe_load((study / "survey" / "schema.yaml").read_text(encoding="utf-8"))
    drafted_questions = {field["column"]: field["question"] for field in schema["open_text"]}
    assert {column: drafted_questions.get(column) for column in questions} == questions
    text = (study / "survey" / "schema.yaml").read_text(encoding="utf-8")
    named = [schema["respondent_id"], *schema["attributes"].values(), *drafted_questions]
    assert not any(column in ("Mail", "Navn", "IP Address", "Email Address", "First Name", "IPAddress",
                              "RecipientEmail", "Mailadresse") for column in named), text
    assert schema["attributes"].get("municipality"), text  # "Q1" of Qualtrics by its question text too

    ingested = hoi("ingest", "studie", cwd=tmp_path)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    assert ": 4 rows," in ingested.stdout  # the header rows are no respondents
    sources = load_sources(Workspace.open(tmp_path / "outputs" / "studie", study="studie"))
    assert sources and {source.respondent_id for source in sources} <= {
        str(value) for value in (*range(1, 5), *(114000000000 + n for n in range(1, 5)),
                                 *(f"R_3kXy{n}AbCdEfGh" for n in range(1, 5)),
                                 *(f"01/03/2024 10.0{n}.12" for n in range(1, 5)))}
    for source in sources:
        shown = json.dumps([source.source_id, source.text, source.locator, source.attributes],
                           ensure_ascii=False)
        assert not any(item in shown for item in PERSONAL), shown
        assert "ImportId" not in shown and "Open-Ended Response" not in shown and "q1_1_komm" != source.text
    assert {source.attributes["question"] for source in sources} <= set(questions.values()) | {
        "Hvilke fagområder indgår? - Andet (angiv venligst)", "I hvilken grad oplever I barrierer?: Andet",
        "I hvilken grad oplever I barrierer? - Lovgivning"}


@pytest.mark.parametrize(("tool", "section", "column", "kind"), [
    ("google_forms", "respondent_id", "Mailadresse", "e-mail addresses"),
    ("survey_monkey_xlsx", "closed", "IP Address", "IP addresses"),
    ("ms_forms", "attributes.role", "Navn", "respondents' names"),
])
def test_a_schema_that_names_a_personal_data_column_is_refused(tmp_path: Path, tool: str, section: str,
                                                                column: str, kind: str) -> None:
    study, _ = _study(tmp_path, tool)
    assert hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path).returncode == 0
    path = study / "survey" / "schema.yaml"
    schema = yaml.safe_load(path.read_text(encoding="utf-8"))
    if section == "respondent_id":
        schema["respondent_id"] = column
    elif section == "closed":
        schema["closed"] = [{"column": column, "name": "ip"}]
    else:
        schema["attributes"]["role"] = column
    path.write_text(yaml.safe_dump(schema, allow_unicode=True), encoding="utf-8")
    ingested = hoi("ingest", "studie", cwd=tmp_path)
    assert ingested.returncode == 1 and "Traceback" not in ingested.stderr
    assert f"column '{column}' ({section} in survey/schema.yaml) holds {kind}" in ingested.stderr
    assert f"remove '{column}' from survey/schema.yaml" in ingested.stderr
    assert "Sources: 0" in ingested.stdout


def test_a_qualtrics_export_without_its_import_id_row_is_read_without_its_text_row(tmp_path: Path) -> None:
    """Researchers often delete the row of {"ImportId": …} (or export in the legacy layout): the row of
    question texts is still recognised by its 'Response ID' and is no respondent."""
    study, export = _study(tmp_path, "qualtrics")
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    _csv(export, [rows[0], rows[1], *rows[3:]])
    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path)
    assert "Qualtrics export without its import-id row" in drafted.stderr
    ingested = hoi("ingest", "studie", cwd=tmp_path)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    assert "HOI_2024.csv: 4 rows," in ingested.stdout
    sources = load_sources(Workspace.open(tmp_path / "outputs" / "studie", study="studie"))
    assert {source.respondent_id for source in sources} == {f"R_3kXy{n}AbCdEfGh" for n in range(1, 5)}


def test_a_two_row_header_of_an_unknown_layout_is_refused_saying_what_to_do(tmp_path: Path) -> None:
    """SurveyMonkey's layout in a language hoi does not know ('Antwort', 'Offene Antwort'): row 2 is
    not recognised, so it is refused — never read as a respondent — with what to do."""
    study, export = _study(tmp_path, "survey_monkey_csv")
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    german = {"Response": "Antwort", "Open-Ended Response": "Offene Antwort"}
    rows[1] = [german.get(cell, cell) for cell in rows[1]]
    _csv(export, rows)
    drafted = hoi("survey-schema", "studie", cwd=tmp_path)
    assert drafted.returncode == 1 and "Traceback" not in drafted.stderr
    assert ("(column 12): the column has answers (the first in row 2) but no name in row 1 — row 2 looks "
            "like a second header row") in drafted.stderr
    assert "delete row 2, so that row 1 is the only header row" in drafted.stderr


def test_question_texts_under_variable_names_are_no_respondent(tmp_path: Path) -> None:
    """SurveyXact's dataset with the labels under the variable names: row 2 is recognised (it holds a
    text no respondent chose in each closed item), read as the questions, and is no respondent; the same
    export whose row 2 is a respondent picking the usual categories keeps that respondent."""
    names = ["resp_id", "kommune", "q1", "q1_komm", "q2_1"]
    texts = ["Respondent", "Kommune", "Er I i gang med en indsats?", "Uddyb gerne dit svar",
             "Indsatsens fase"]
    answers = [[number, municipality, "Ja" if number % 2 else "Nej", f"{first} (runde {number})",
                "Drift" if number < 3 else "Pilot"]
               for number, (municipality, first, _) in enumerate(ANSWERS * 2, start=1)]
    study, _ = _study(tmp_path, "survey_xact")
    export = _xlsx(study / "survey" / "dataset.xlsx", [names, texts, *answers])
    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path)
    assert "row 2 holds the question texts under the variable names of row 1" in drafted.stderr
    schema = yaml.safe_load((study / "survey" / "schema.yaml").read_text(encoding="utf-8"))
    assert {field["column"]: field["question"] for field in schema["open_text"]} == {
        "q1_komm": "Uddyb gerne dit svar"}
    ingested = hoi("ingest", "studie", cwd=tmp_path)
    assert "dataset.xlsx: 8 rows, 8 answers" in ingested.stdout, ingested.stdout + ingested.stderr

    from hoi_nlp.ingest.tables import read_table

    respondent = [0, "Skive", "Ja", "Et svar med flere ord i sig", "Pilot"]
    assert len(read_table(_xlsx(export, [names, respondent, *answers])).rows) == 9


def test_own_words_of_an_andet_option_in_a_closed_item_are_named_by_the_draft(tmp_path: Path) -> None:
    """Microsoft Forms writes the text typed for «Andet» in the option's place of a multiple-choice
    cell («Skole;Beskæftigelse;»): the draft keeps the item closed (its option lists are no answers to
    code, though the question asks «Hvilke …») and says which rows hold words it will not code."""
    from openpyxl import load_workbook

    study, export = _study(tmp_path, "ms_forms")
    workbook = load_workbook(export)
    sheet = workbook.active
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value="Hvilke fagområder indgår?")
    for row, value in enumerate(["Skole;Beskæftigelse;", "Skole;", "Beskæftigelse;Skole;",
                                 "Skole;Psykiatrien i regionen er med hver uge;"], start=2):
        sheet.cell(row=row, column=column, value=value)
    workbook.save(export)
    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    assert ("the closed item 'Hvilke fagområder indgår?' holds, besides its options, 1 answer(s) in the "
            "respondents' own words (an «Andet» option's text?) in row(s) 5") in drafted.stderr
    schema = yaml.safe_load((study / "survey" / "schema.yaml").read_text(encoding="utf-8"))
    assert "Hvilke fagområder indgår?" not in [field["column"] for field in schema["open_text"]]


def test_options_chosen_once_in_a_small_survey_are_no_own_words(tmp_path: Path) -> None:
    """Four directors ticked departments («Sundhed;Ældre;»): each option one of them alone chose was named
    as a respondent's own words to copy into a column of its own; words typed for «Andet» still are."""
    from openpyxl import load_workbook

    study, export = _study(tmp_path, "ms_forms")
    workbook = load_workbook(export)
    sheet = workbook.active
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value="Fagområder")
    for row, value in enumerate(["Skole;Beskæftigelse;", "Sundhed;Ældre;",
                                 "Beskæftigelse;Specialiseret voksen;", "Dagtilbud;Skole;"], start=2):
        sheet.cell(row=row, column=column, value=value)
    workbook.save(export)
    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    assert "own words" not in drafted.stderr
    assert '#   - {column: "Fagområder"' in (study / "survey" / "schema.yaml").read_text(encoding="utf-8")


def test_qualtrics_previews_and_tests_are_named_in_the_run(tmp_path: Path) -> None:
    study, export = _study(tmp_path, "qualtrics")
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    preview = [*rows[3]]
    preview[2], preview[6], preview[14] = "Survey Preview", "R_preview0001", "Testkommune"
    _csv(export, [*rows, preview])
    assert hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path).returncode == 0
    ingested = hoi("ingest", "studie", cwd=tmp_path)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    assert ("1 row(s) are Qualtrics previews, tests or spam (column 'Status'), not respondents, and are read "
            "like the others: row(s) 8; delete them") in ingested.stderr


def test_ms_forms_follow_up_columns_keep_their_names_and_ids_through_a_run(tmp_path: Path) -> None:
    """`hoi run` codes each «Uddyb gerne» under its own question id; a question added to the form later
    (a new column at the end) changes no column's name, so the study's ids stay."""
    study, export = _study(tmp_path, "ms_forms")
    assert hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path).returncode == 0
    ran = hoi("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    segments = (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").read_text(
        encoding="utf-8-sig")
    assert "3:uddyb_gerne:" in segments and "3:uddyb_gerne_i_hvilken:" in segments
    assert "Hvordan er indsatsen organiseret?: Uddyb gerne" in (
        tmp_path / "outputs" / "studie" / "exports" / "rapport.md").read_text(encoding="utf-8")
    assert not any(item in segments for item in PERSONAL)

    from openpyxl import load_workbook

    workbook = load_workbook(export)
    sheet = workbook.active
    sheet.cell(row=1, column=sheet.max_column + 1, value="Uddyb gerne")
    workbook.save(export)
    again = hoi("ingest", "studie", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "8 answers, 4 missing (new 0, changed 0, unchanged 8)" in again.stdout

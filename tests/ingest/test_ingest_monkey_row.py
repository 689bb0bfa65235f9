"""SurveyMonkey's row 2 («Response», «Open-Ended Response», option labels) is taken for a header row
only in the shape the tool writes it: the respondent's own columns («Respondent ID», «Collector ID»,
…) lead with nothing under them, and most questions have the tool's label or options under them. A
first respondent whose id is empty and who answered «Svar» in two cells is read as a respondent,
through ``hoi survey-schema`` and ``hoi run`` (subprocesses)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from hoi_nlp.ingest.tables import read_table

HEADER = ["Id", "Kommune", "Hvem svarer?", "Hvad svarer I borgerne?", "Hvordan er indsatsen organiseret?"]
ROWS = [
    ["", "Skive", "Svar", "Svar", "Vi har et fast tværgående team, der mødes hver uge om familierne."],
    ["2", "Vejle", "Direktøren", "Et brev", "IT-systemerne taler ikke sammen, så vi registrerer dobbelt."],
    ["3", "Odense", "Direktøren", "En plan", "Der mangler en fælles faglig forståelse på tværs."],
    ["4", "Aarhus", "Chefen", "Et møde", "En ny selvstændig enhed med egen leder og eget budget."],
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_a_first_respondent_answering_svar_is_read_as_a_respondent(tmp_path: Path) -> None:
    study = tmp_path / "studie"
    (study / "survey").mkdir(parents=True)
    _write(study / "survey" / "svar.csv", [HEADER, *ROWS])
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "300"}

    def hoi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300)

    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml")
    assert drafted.returncode == 0, drafted.stderr
    assert "SurveyMonkey" not in drafted.stderr
    schema = (study / "survey" / "schema.yaml").read_text(encoding="utf-8")
    assert '"Kommune - Skive"' not in schema and '"Hvordan er indsatsen organiseret?"' in schema
    ran = hoi("run", "studie", "--coder", "rules")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "survey/svar.csv: 4 rows" in ran.stdout
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert any("fast tværgående team" in text for text in texts)


def test_surveymonkey_row_two_is_still_recognised_with_its_respondent_columns_cut(tmp_path: Path) -> None:
    """An export whose author deleted the columns of IP and e-mail addresses and names: «Respondent
    ID» and the dates still lead, and row 2 is the tool's, named as not read as a respondent."""
    path = _write(tmp_path / "Sheet_1.csv", [
        ["Respondent ID", "Start Date", "Hvordan er indsatsen organiseret?", "Hvilke fagområder indgår?", ""],
        ["", "", "Open-Ended Response", "Skole", "Beskæftigelse"],
        ["114001", "03/01/2024", "Vi har et fast tværgående team.", "Skole", ""],
        ["114002", "03/01/2024", "Vores IT-systemer taler ikke sammen.", "", "Beskæftigelse"]])
    table = read_table(path)
    assert [number for number, _ in table.rows] == [3, 4]
    assert table.header[-1] == "Hvilke fagområder indgår? - Beskæftigelse"
    assert any("row 2 is not read as a respondent" in note for note in table.recognised)


def test_a_full_surveymonkey_export_with_date_and_number_questions_is_read(tmp_path: Path) -> None:
    """SurveyMonkey writes 'Dato / klokkeslæt' under a date question and 'Antal' under a one-box text
    question; with a checkbox question and 'Response' / 'Open-Ended Response' beside them the four-in-
    five rule refused the export (HOI-E030, row 2 taken for an unknown header row). The respondent's
    own columns, empty in row 2 and filled in row 3, show row 2 is the tool's."""
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1"]
    questions = [("Hvilken kommune repræsenterer du?", ["Response"]),
                 ("Hvilke fagområder indgår i indsatsen?", ["Skole", "Beskæftigelse", "Sundhed",
                                                            "Andet (angiv venligst)"]),
                 ("Hvordan er indsatsen organiseret?", ["Open-Ended Response"]),
                 ("Hvornår startede indsatsen?", ["Dato / klokkeslæt"]),
                 ("Hvor mange medarbejdere er i teamet?", ["Antal"]),
                 ("Hvilke barrierer oplever I?", ["Open-Ended Response"])]
    first, second = list(meta), [""] * len(meta)
    for question, labels in questions:
        first += [question] + [""] * (len(labels) - 1)
        second += labels
    answers = [["Skive", "Skole", "", "Sundhed", "PPR og psykiatrien", "Vi har et fast tværgående team.",
                "01/09/2021", "12", "Økonomien følger søjlerne."],
               ["Vejle", "", "Beskæftigelse", "", "", "En selvstændig enhed med egen leder.", "01/01/2022",
                "8", "IT-systemerne taler ikke sammen."],
               ["Odense", "Skole", "Beskæftigelse", "", "", "Netværk på tværs af forvaltningerne.",
                "01/03/2022", "5", "Lovgivningen om datadeling."]]
    rows = [[str(114000 + number), "4321", "03/01/2024 10:00:00 AM", "03/01/2024 10:12:00 AM", "", "", "", "",
             "", *cells] for number, cells in enumerate(answers)]
    study = tmp_path / "studie"
    (study / "survey").mkdir(parents=True)
    _write(study / "survey" / "svar.csv", [first, second, *rows])
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "300"}

    def hoi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300)

    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml")
    assert drafted.returncode == 0, drafted.stdout + drafted.stderr
    schema = (study / "survey" / "schema.yaml").read_text(encoding="utf-8")
    assert "Hvornår startede indsatsen? - Dato / klokkeslæt" in schema
    ran = hoi("run", "studie", "--coder", "rules")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "survey/svar.csv: 3 rows" in ran.stdout
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert any("fast tværgående team" in text for text in texts)
    assert not any("Open-Ended Response" in text for text in texts)

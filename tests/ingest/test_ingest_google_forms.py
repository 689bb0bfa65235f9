"""Google Forms' checkbox answers: the chosen options joined by ', ' in the form's order, the text
typed for «Andet» among them. Walked as the README's researcher walks them (``hoi survey-schema`` then
``hoi run``, subprocesses): the column is drafted as a closed item, not as free text to code, and the
rows holding a respondent's own words are named; ordinary answers with commas stay free text."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from hoi_nlp.ingest.infer import draft_schema

OPTIONS = ["Dagtilbud", "Skole", "Specialiseret børn og unge", "Beskæftigelse", "Sundhed", "Kultur og fritid"]
CHOSEN = [[1, 3], [1], [0, 1, 3], [1, 2, 3], [3, 4], [1, 3], [2, 3, 4], [1, 2]]
OTHER = {2: "Psykiatrien i regionen er med hver uge, og PPR", 6: "PPR"}  # «Andet», typed
MUNICIPALITIES = ["Skive", "Vejle", "Odense", "Aarhus", "Viborg", "Holstebro", "Herning", "Ikast-Brande"]
ANSWERS = [
    "Vi har et fast tværgående team for familier, der mødes hver uge.",
    "Vores IT-systemer taler ikke sammen, så vi dobbeltregistrerer alt.",
    "Der mangler en fælles faglig forståelse, især mellem beskæftigelse og socialområdet.",
    "En ny selvstændig enhed med egen leder og eget budget for familierne.",
    "Økonomien følger søjlerne, og det spænder ben for os.",
    "Sektorlovgivningen, datadeling og IT, det er de største barrierer.",
    "Vi samarbejder i netværk, men uden fælles budget, og det er svært.",
    "Ledelsen bakker op, men medarbejderne mangler tid til koordinering.",
]
CHECKBOX = "Hvilke fagområder indgår i indsatsen?"
OPEN = "Hvordan er indsatsen organiseret?"


def _rows() -> list[list[str]]:
    rows = [["Tidsstempel", "Hvilken kommune repræsenterer du?", CHECKBOX, OPEN]]
    for number, (municipality, chosen, answer) in enumerate(zip(MUNICIPALITIES, CHOSEN, ANSWERS,
                                                                strict=True)):
        parts = [OPTIONS[index] for index in chosen] + ([OTHER[number]] if number in OTHER else [])
        rows.append([f"01/03/2024 10.0{number}.12", municipality, ", ".join(parts), answer])
    return rows


def _export(folder: Path, kind: str) -> Path:
    if kind == "csv":
        path = folder / "Kommuneundersøgelse (svar) - Formularsvar 1.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(_rows())
        return path
    workbook = Workbook()
    for row in _rows():
        workbook.active.append(row)
    path = folder / "Kommuneundersøgelse (svar).xlsx"
    workbook.save(path)
    return path


def _hoi(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_google_forms_checkbox_column_is_drafted_closed_and_its_own_words_named(tmp_path: Path,
                                                                                  kind: str) -> None:
    study = tmp_path / "studie"
    (study / "survey").mkdir(parents=True)
    _export(study / "survey", kind)
    drafted = _hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    schema = yaml.safe_load((study / "survey" / "schema.yaml").read_text(encoding="utf-8"))
    assert [field["column"] for field in schema["open_text"]] == [OPEN]
    assert f'#   - {{column: "{CHECKBOX}"' in (study / "survey" / "schema.yaml").read_text(encoding="utf-8")
    assert (f"the column '{CHECKBOX}' is drafted as a closed item (not coded): its cells are options joined "
            "by ', ' as Google Forms writes a multiple-choice answer") in drafted.stderr
    # the «Andet» text is named by its rows (the header is row 1), a one-word one too
    assert (f"the closed item '{CHECKBOX}' holds, besides its options, 2 answer(s) in the respondents' own "
            "words (an «Andet» option's text?) in row(s) 4, 8") in drafted.stderr

    ran = _hoi("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert len(texts) == len(ANSWERS) and not any("Beskæftigelse, " in text for text in texts)


def _draft(tmp_path: Path, answers: list[str]) -> str:
    path = tmp_path / "svar.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Id", "Kommune", "Hvilke barrierer oplever I?"],
                                      *([str(n), f"K{n}", answer]
                                        for n, answer in enumerate(answers, start=1))])
    return draft_schema(path).text


@pytest.mark.parametrize("answers", [
    # lists respondents typed: the same words, in another order from one respondent to the next, or
    # written another way
    ["Økonomi, IT-systemer", "IT-systemer, økonomi, tid", "Tid, Økonomi", "Økonomi, IT-systemer, jura",
     "jura, Tid", "IT-systemer, Tid"],
    ["Økonomi, IT-systemer", "IT-systemer, Tid", "Tid, Økonomi", "Økonomi, IT-systemer, Jura",
     "Jura, Tid", "Økonomi, Tid"],
    ["Økonomi, IT-systemer", "Økonomi, tid", "Økonomi, Tid", "IT-systemer, Tid", "Økonomi", "Tid"],
    # answers with a «Ja, …» / «Nej, …» opening
    ["Ja, men det går langsomt", "Ja", "Nej, ikke endnu", "Ja", "Ja, og det virker godt", "Nej"],
    # ordinary sentences with commas
    ANSWERS,
])
def test_answers_with_commas_stay_free_text(tmp_path: Path, answers: list[str]) -> None:
    text = _draft(tmp_path, answers)
    assert '  - column: "Hvilke barrierer oplever I?"' in text


def test_every_ingest_names_the_own_words_a_checkbox_column_holds(tmp_path: Path) -> None:
    """A schema that leaves the checkbox column uncoded (as drafted): `hoi ingest` says each time which
    rows hold a respondent's own words, so they are never left out without a word."""
    study = tmp_path / "studie"
    (study / "survey").mkdir(parents=True)
    _export(study / "survey", "csv")
    (study / "survey" / "schema.yaml").write_text(
        f'survey: "s"\nrespondent_id: "Tidsstempel"\n'
        f'open_text:\n  - {{column: "{OPEN}", question_id: "org"}}\n',
        encoding="utf-8")
    ingested = _hoi("ingest", "studie", cwd=tmp_path)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    assert (f"survey/Kommuneundersøgelse (svar) - Formularsvar 1.csv: the closed item '{CHECKBOX}' holds, "
            "besides its options, 2 answer(s) in the respondents' own words (an «Andet» option's text?) in "
            "row(s) 4, 8") in " ".join(ingested.stderr.split())


def test_a_list_few_respondents_typed_alike_is_drafted_as_free_text_with_a_comment(tmp_path: Path) -> None:
    """Six directors typed their departments in the same order («Jobcenter, Socialforvaltningen, PPR»):
    drafted as a closed item, all six answers went uncoded once the draft was accepted. With so few
    answers a checkbox column cannot be told from a typed list: the draft codes it and says so."""
    answers = ["Jobcenter, Socialforvaltningen", "Jobcenter, Socialforvaltningen, PPR", "Jobcenter, PPR",
               "Socialforvaltningen, PPR", "Jobcenter", "Jobcenter, Socialforvaltningen"]
    study = tmp_path / "studie"
    (study / "survey").mkdir(parents=True)
    with (study / "survey" / "svar.csv").open("w", newline="", encoding="utf-8") as handle:
        question = "Hvilke forvaltninger samarbejder I med? Uddyb gerne"
        csv.writer(handle).writerows([["Id", "Kommune", question],
                                      *([str(n), f"K{n}", cell] for n, cell in enumerate(answers, 1))])
    drafted = _hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    text = (study / "survey" / "schema.yaml").read_text(encoding="utf-8")
    schema = yaml.safe_load(text)
    assert [field["column"] for field in schema["open_text"]] == [
        "Hvilke forvaltninger samarbejder I med? Uddyb gerne"]
    assert "# its few answers look like Google Forms' checkbox options" in text
    said = " ".join(drafted.stderr.split())
    assert "is drafted as free text (coded), though its few answers look like options joined by ', '" in said

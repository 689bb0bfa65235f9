"""Names the pseudonymiser missed, followed through a study's export: a survey and interviews ingested,
segmented, coded and exported with the statistical recogniser, the export's every table read back."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA

# (respondent, municipality, answer): what each answer probes
SURVEY = [
    ("R001", "Vejle", "Amira Hansen fra jobcentret har stået for det tværgående team."),
    ("R002", "Lemvig", "Spørg amira hansen, hun ved mere om teamet."),  # lower case, first name unlisted
    ("R003", "Gentofte", "Skriv til nielsen.sofie på Teams, hvis I vil vide mere."),  # surname first
    # municipalities that are ordinary words too, not in the metadata, opening a sentence
    ("R004", "Odense", "Tønder lukkede skolen sidste år."),
    ("R005", "Aarhus", "Skive lukkede skolen i fjor. Vejen til job er lang, og vejen frem er samarbejde."),
    # lower case, never capitalised
    ("R006", "Vejle", "Vi har talt med camilla jensen om det, mvh team nord."),
    # a job title's letters, a file name's too (below); words before a surname that are no first names
    ("R007", "Vejle", "Vi mangler SSA'er og SSH'er. Vi lavede coaching pedersen var glad."),
    # ordinary plurals before a verb of acting, with an object that is no municipality's
    ("R008", "Vejle", "Brande lukkede motorvejen i timevis. Odder åbner munden, når de spiser."),
]
TURNS = "I: Hvordan arbejder I på tværs?\nD: Vi har et fast team, og økonomien ligger i søjlerne.\n"
# transcripts without interview_id, known by their files' names (initials one role word away and beside the
# interview word; a job title's letters one role word away, no one's)
TRANSCRIPTS = ("Interview_leder_LB.txt", "Interview_MKH.txt", "Interview_leder_SSA.txt",
               "Interview_leder_og_SSH.txt")


def write_study(folder: Path) -> Path:
    (folder / "survey").mkdir(parents=True)
    shutil.copy(DATA / "study_small" / "survey" / "schema.yaml", folder / "survey" / "schema.yaml")
    with open(folder / "survey" / "export.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Respondent-ID", "Kommune", "Region", "Størrelsesgruppe", "Respondentrolle",
                         "1.2_kommentar", "4.2a_indsats1", "7_afsluttende_kommentar"])
        for rid, municipality, text in SURVEY:
            writer.writerow([rid, municipality, "Region Syddanmark", "Større kommune", "Direktør", text, "",
                             ""])
    transcripts = folder / "transcripts"
    transcripts.mkdir()
    rows = ["file,interview_id,municipality,region,size_group,role,date,interviewer,interviewer_speakers,"
            "respondent_speakers"]
    for name in TRANSCRIPTS:
        (transcripts / name).write_text(TURNS, encoding="utf-8")
        rows.append(f"{name},,Aalborg,Region Nordjylland,Større kommune,Direktør,2024-04-02,,I,D")
    (transcripts / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> str:
    """Everything the study's pseudonymised xlsx and csv exports hold, as text."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.export.api import export_study
    from hoi_nlp.privacy.guard import exported_text
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    root = tmp_path_factory.mktemp("names-export")
    study = write_study(root / "study")
    codebook = load_codebook(DATA / "codebooks" / "small.yaml")
    workspace = Workspace.open(root / "ws", study="names")
    summary = ingest_stage(study, workspace)
    assert not summary["errors"], summary["errors"]
    segment_stage(workspace, Settings())
    code_stage(workspace, codebook, Settings(), coder=RuleCoder(codebook))
    published = export_study(workspace, codebook, settings=Settings(), formats=("xlsx", "csv"),
                             output=root / "out", embeddings=False)
    return "\n".join(exported_text(path) for path in published)


def test_the_answers_reach_the_export(exported) -> None:
    assert "fra jobcentret har stået for det tværgående team" in exported
    assert "økonomien ligger i søjlerne" in exported


@pytest.mark.parametrize("probe", [
    "amira", "hansen",  # «amira hansen» in lower case after «Amira Hansen»: a first name outside the lists
    "sofie", "nielsen",  # «nielsen.sofie»: a handle, surname first
    "camilla", "jensen",  # «camilla jensen»: lower case, never capitalised in the study
    "Tønder", "Skive",  # before an ordinary verb of acting with its object
])
def test_no_name_the_answers_hold_reaches_the_export(exported, probe) -> None:
    assert probe.casefold() not in exported.casefold()


@pytest.mark.parametrize("initials", ["LB", "MKH"])
def test_initials_in_a_transcripts_file_name_do_not_reach_the_export(exported, initials) -> None:
    assert not re.search(rf"(?<![^\W_]){initials}(?![^\W_])", exported)


def test_the_ordinary_words_stay(exported) -> None:
    assert "Vejen til job er lang, og vejen frem er samarbejde." in exported
    assert "om det, mvh team nord." in exported
    assert "Vi mangler SSA'er og SSH'er. Vi lavede coaching pedersen var glad." in exported
    assert "Brande lukkede motorvejen i timevis. Odder åbner munden, når de spiser." in exported

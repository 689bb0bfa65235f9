"""Automatic transcription's generic speakers («Speaker 1», «Taler 2», «Deltager 1», «Person 2»,
WhisperX' «SPEAKER_00») in a transcript whose metadata names no speaker: the one who asks the
questions is the interviewer, not coded, and a warning says so and how to name the speakers in
metadata.csv; where none does, all are coded as the respondent's with a warning saying what to do.
Walked through ``hoi run`` (a subprocess) on a transcript as Word's Transcribe saves it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

QUESTIONS = ["Hvordan er indsatsen organiseret hos jer?", "Hvad er de største barrierer?",
             "Og hvordan følger I op på effekterne?"]
ANSWERS = ["Vi har et fast tværgående team, der mødes hver uge om familierne og deres plan.",
           "Økonomien følger søjlerne, og IT-systemerne taler ikke sammen, så vi registrerer dobbelt.",
           "Vi måler på beskæftigelse og uddannelse, men det tager tid at se effekterne hos borgerne."]


def _word_transcript(path: Path, label: str, *, questions: list[str]) -> Path:
    """Word's Transcribe «With speakers and timestamps»: time and speaker above the words."""
    document = docx.Document()
    document.add_paragraph("Interview med direktøren")
    for number, (question, answer) in enumerate(zip(questions, ANSWERS, strict=True)):
        document.add_paragraph(f"00:0{number}:05 {label} 1")
        document.add_paragraph(question)
        document.add_paragraph(f"00:0{number}:20 {label} 2")
        document.add_paragraph(answer)
    document.save(path)
    return path


def _run(tmp_path: Path, label: str, *, questions: list[str],
         metadata: dict[str, str] | None = None) -> tuple[str, list[str]]:
    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    _word_transcript(folder / "interview_skive.docx", label, questions=questions)
    row = {"file": "interview_skive.docx", "municipality": "Skive", "role": "Kommunaldirektør",
           **(metadata or {})}
    (folder / "metadata.csv").write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n",
                                         encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "400"}
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "run", "studie", "--coder", "rules"],
                         cwd=tmp_path, env=env, text=True, capture_output=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    return " ".join(ran.stderr.split()), texts


@pytest.mark.parametrize("label", ["Speaker", "Taler", "Deltager", "Person"])
def test_the_generic_speaker_who_asks_the_questions_is_taken_as_the_interviewer(tmp_path: Path,
                                                                               label: str) -> None:
    warnings, texts = _run(tmp_path, label, questions=QUESTIONS)
    assert (f"transcripts/interview_skive.docx: the speakers have the generic labels of automatic "
            f"transcription ('{label} 1', '{label} 2'); '{label} 1' asks the questions (3 of its 3 turns "
            f"hold a '?'), so its turns are taken as the interviewer's and not coded") in warnings
    assert f"interviewer_speakers (e.g. '{label} 2') and respondent_speakers (e.g. '{label} 1')" in warnings
    assert not any(question in text for text in texts for question in QUESTIONS)
    assert any("fast tværgående team" in text for text in texts)


def test_where_no_generic_speaker_asks_the_questions_all_are_coded_with_a_warning(tmp_path: Path) -> None:
    statements = [question.replace("?", ".").replace("Hvordan er", "Sådan er") for question in QUESTIONS]
    warnings, texts = _run(tmp_path, "Speaker", questions=statements)
    assert ("the speakers have the generic labels of automatic transcription ('Speaker 1', 'Speaker 2') and "
            "none of them asks most of the questions, so the turns of all are treated as the respondent's "
            "and coded; name the interviewer in this file's row of metadata.csv") in warnings
    assert any(statements[1] in text for text in texts)


def test_the_metadata_names_the_generic_speakers_as_the_user_says(tmp_path: Path) -> None:
    """The user's word wins: «Speaker 2» named the interviewer, though «Speaker 1» asks."""
    warnings, texts = _run(tmp_path, "Speaker", questions=QUESTIONS,
                           metadata={"interviewer_speakers": "Speaker 2", "respondent_speakers": "Speaker 1"})
    assert "generic labels" not in warnings
    assert any(QUESTIONS[0] in text for text in texts)
    assert not any("fast tværgående" in text for text in texts)


def test_short_replies_and_a_question_quoted_in_an_answer_do_not_hide_the_interviewer() -> None:
    """Between the questions the interviewer says «Ja.» and «Mm, okay.»; the director quotes a question
    once («hvem betaler?»): the one who asks is still the interviewer."""
    from hoi_nlp.ingest.transcript import parse_transcript
    from hoi_nlp.records import Source, content_hash

    lines = []
    for question, answer in zip(QUESTIONS, ANSWERS, strict=True):
        lines += [f"Taler 1: {question}", f"Taler 2: {answer}", "Taler 1: Ja.", f"Taler 2: {answer}",
                  "Taler 1: Mm, okay."]
    lines.append("Taler 2: Og så spørger man jo: hvem betaler? Det gør søjlerne hver for sig.")
    text = "\n".join(lines)
    source = Source(source_id="x", study="s", kind="transcript", path="transcripts/x.txt", text=text,
                    content_hash=content_hash(text), respondent_id="x")
    parsed = parse_transcript(source)
    assert {(turn.speaker, turn.speaker_role) for turn in parsed.turns} == {
        ("Taler 1", "interviewer"), ("Taler 2", "respondent")}
    assert "'Taler 1' asks the questions (3 of its 9 turns hold a '?')" in " ".join(parsed.warnings)

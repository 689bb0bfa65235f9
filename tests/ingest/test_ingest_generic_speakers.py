"""Automatic transcription's generic speakers («Speaker 1», «Taler 2», «Deltager 1», «Person 2»,
WhisperX' «SPEAKER_00») in a transcript whose metadata names no speaker: the one who asks the
questions is the interviewer, not coded, and a warning says so and how to name the speakers in
metadata.csv; where none does, all are coded as the respondent's with a warning saying what to do.
Walked through ``hoi run`` (a subprocess) on a transcript as Word's Transcribe saves it."""

from __future__ import annotations

import csv
from pathlib import Path

import docx
import pytest

from tests.conftest import hoi_from_checkout

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


def _write_metadata(folder: Path, row: dict[str, str]) -> None:
    (folder / "metadata.csv").write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n",
                                         encoding="utf-8")


def _hoi_run(tmp_path: Path) -> tuple[str, list[str]]:
    """``hoi run studie`` in ``tmp_path``: its warnings and the exported coding units' texts."""
    ran = hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    return " ".join(ran.stderr.split()), texts


def _run(tmp_path: Path, label: str, *, questions: list[str],
         metadata: dict[str, str] | None = None) -> tuple[str, list[str]]:
    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    _word_transcript(folder / "interview_skive.docx", label, questions=questions)
    row = {"file": "interview_skive.docx", "municipality": "Skive", "role": "Kommunaldirektør",
           **(metadata or {})}
    _write_metadata(folder, row)
    return _hoi_run(tmp_path)


@pytest.mark.parametrize("label", ["Speaker", "Taler", "Deltager", "Person"])
def test_the_generic_speaker_who_asks_the_questions_is_taken_as_the_interviewer(tmp_path: Path,
                                                                               label: str) -> None:
    warnings, texts = _run(tmp_path, label, questions=QUESTIONS)
    assert (f"transcripts/interview_skive.docx: the speakers have the generic labels of automatic "
            f"transcription ('{label} 1', '{label} 2'); '{label} 1' asks the questions (3 of its 3 turns "
            f"end on a '?'), so its turns are taken as the interviewer's and not coded") in warnings
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
    assert "'Taler 1' asks the questions (3 of its 9 turns end on a '?')" in " ".join(parsed.warnings)


def _run_text(tmp_path: Path, lines: list[str], *,
              metadata: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """``hoi run`` on a plain-text transcript of ``lines``; the warnings and the coded units' texts."""
    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    (folder / "interview_skive.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    row = {"file": "interview_skive.txt", "municipality": "Skive", **(metadata or {})}
    _write_metadata(folder, row)
    return _hoi_run(tmp_path)


THREE = ["Speaker 1: Hvordan er indsatsen organiseret hos jer?",
         "Speaker 2: Vi har et fast tværgående team, hvor jobcentret, familieafdelingen og sundhedsplejen "
         "mødes hver uge om de familier, der er i indsatsen, og laver en fælles plan med familien.",
         "Speaker 3: Og det var i 2021, vi startede, ikke?",
         "Speaker 2: Jo, det var i efteråret 2021, og vi startede med ti familier og er nu oppe på fyrre.",
         "Speaker 1: Så det er et team, der mødes fast hver uge. Lad os gå videre til barriererne.",
         "Speaker 2: Økonomien følger søjlerne, og IT-systemerne taler ikke sammen, så vi registrerer "
         "dobbelt.",
         "Speaker 3: Må jeg lige supplere? Lovgivningen gør også, at vi ikke må dele data på tværs uden "
         "samtykke.",
         "Speaker 1: Det giver god mening. Og hvad er jeres mål?",
         "Speaker 2: Flere i job og uddannelse, og at familierne oplever én samlet plan i stedet for "
         "fem.",
         "Speaker 1: Tak. Det var en god afrunding."]


def test_of_three_generic_speakers_none_is_guessed_and_the_hint_names_every_speaker(tmp_path: Path) -> None:
    """A second respondent who asks «…, ikke?» and «Må jeg lige supplere? …» was taken as the interviewer
    and their words went uncoded; the hint then named two of three speakers, so following it stopped the
    file (a speaker in neither list)."""
    warnings, texts = _run_text(tmp_path, THREE)
    assert ("('Speaker 1', 'Speaker 2', 'Speaker 3') and there are three or more of them: none is taken as "
            "the interviewer, so the turns of all are treated as the respondent's and coded") in warnings
    assert any("Lovgivningen gør også" in text for text in texts)
    hint = ("interviewer_speakers (e.g. 'Speaker 1') and respondent_speakers, every other speaker "
            "(e.g. 'Speaker 2|Speaker 3')")
    assert hint in warnings
    # following the hint (in a new workspace): the interviewer's turns go, both respondents' stay
    warnings, texts = _run_text(tmp_path / "named", THREE, metadata={"interviewer_speakers": "Speaker 1",
                                                           "respondent_speakers": "Speaker 2|Speaker 3"})
    assert "generic labels" not in warnings
    assert any("Lovgivningen gør også" in text for text in texts)
    assert not any("Lad os gå videre" in text for text in texts)


def test_tag_questions_and_prompts_without_a_question_mark_make_no_interviewer() -> None:
    """The interviewer opens with a long consent text and prompts «Fortæl lidt om …»; the director ends
    statements with «…, ikke?»: the director was taken as the interviewer and nothing they said coded."""
    from hoi_nlp.ingest.transcript import parse_transcript
    from hoi_nlp.records import Source, content_hash

    lines = ["Taler 1: Tak fordi du ville være med. Interviewet tager cirka en halv time, og det, du siger, "
             "bliver anonymiseret. Jeg optager, så jeg kan skrive det ud bagefter. Der er ingen rigtige "
             "eller forkerte svar, og du kan til enhver tid trække dig.",
             "Taler 2: Ja, det er fint.",
             "Taler 1: Så lad os starte. Fortæl lidt om, hvordan indsatsen er bygget op hos jer.",
             "Taler 2: Vi har et fast tværgående team, ikke? Jobcentret og familieafdelingen sidder "
             "sammen, ikke?",
             "Taler 1: Godt. Så vil jeg gerne høre om de barrierer, I har mødt undervejs.",
             "Taler 2: Det er jo altid økonomien, der følger søjlerne, vel?",
             "Taler 1: Til sidst vil jeg gerne høre om jeres mål med indsatsen.",
             "Taler 2: Flere i job og uddannelse, ikke sandt?",
             "Taler 1: Tusind tak for din tid, det var meget nyttigt."]
    text = "\n".join(lines)
    source = Source(source_id="x", study="s", kind="transcript", path="transcripts/x.txt", text=text,
                    content_hash=content_hash(text), respondent_id="x")
    parsed = parse_transcript(source)
    assert {turn.speaker_role for turn in parsed.turns} == {"respondent"}
    assert "none of them asks most of the questions" in " ".join(parsed.warnings)


def test_speakers_listed_after_a_run_cut_the_transcript_again(tmp_path: Path) -> None:
    """The user runs, reads the warning naming the speakers to list, lists them in metadata.csv and runs
    again in the same workspace: the transcript is cut and attributed again (its turns kept the first
    run's roles, the interviewer's words coded as the respondent's), and a warning says so."""
    warnings, texts = _run_text(tmp_path, THREE)
    assert any("Lad os gå videre" in text for text in texts)
    _write_metadata(tmp_path / "studie" / "transcripts",
                    {"file": "interview_skive.txt", "municipality": "Skive",
                     "interviewer_speakers": "Speaker 1", "respondent_speakers": "Speaker 2|Speaker 3"})
    warnings, texts = _hoi_run(tmp_path)
    assert not any("Lad os gå videre" in text for text in texts)
    assert any("Lovgivningen gør også" in text for text in texts)
    assert ("transcripts/interview_skive.txt: cut into turns and coding units again, as its speakers in "
            "metadata.csv, hoi's rules for reading turns or the [segment] settings changed; its new units "
            "are coded again (analysts' decisions still apply to a unit cut as before)") in warnings

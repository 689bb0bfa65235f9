"""Transcript layouts that transcription tools and transcribers write, built with python-docx as the
tools save them and read through ``hoi ingest`` (a subprocess): each turn's words are an exact slice
of the source, its timestamp is kept as the turn's and never in the coded words."""

from __future__ import annotations

import csv
import html
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from hoi_nlp.ingest.transcript import read_transcript_parsed
from tests.conftest import hoi_from_checkout

TURNS = [
    ("I", "Speaker 1", "Hvordan er indsatsen organiseret hos jer?"),
    ("D", "Speaker 2", "Vi har et fast tværgående team, der mødes hver uge om familierne."),
    ("I", "Speaker 1", "Hvad er de største barrierer?"),
    ("D", "Speaker 2", "Økonomien følger søjlerne, og IT-systemerne taler ikke sammen."),
]
STAMPS = ["00:00:03", "00:01:12", "00:02:40", "00:03:05"]
STAMPED = [(*turn, stamp) for turn, stamp in zip(TURNS, STAMPS, strict=True)]
LAYOUTS = {
    # the label, then the timestamp in brackets, then the words (no colon)
    "label_bracket_timestamp": [f"{label} [{stamp}] {words}" for label, _, words, stamp in STAMPED],
    "label_paren_timestamp": [f"{label} ({stamp}) {words}" for label, _, words, stamp in STAMPED],
    "timestamp_label_colon": [f"[{stamp}] {label}: {words}" for label, _, words, stamp in STAMPED],
    # Word's Transcribe ("With speakers and timestamps"): timestamp and speaker above the words
    "word_transcribe": [line for _, speaker, words, stamp in STAMPED
                        for line in (f"{stamp} {speaker}", words, "")],
    # Otter: speaker and minutes above the words
    "otter": [line for _, speaker, words, stamp in STAMPED
              for line in (f"{speaker}  {stamp[4:]}", words, "")],
}


def _docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(path)
    return path


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_transcript_layout_is_read_into_turns_without_its_timestamps(tmp_path: Path, layout: str) -> None:
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    path = _docx(study / "transcripts" / "interview_01.docx", ["Interview med direktøren", *LAYOUTS[layout]])
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "ingest", "studie"], cwd=tmp_path, env=env,
                         text=True, capture_output=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "transcripts/interview_01.docx: 4 turns; 1 line(s) before the first turn not coded" in ran.stdout

    source, parsed = read_transcript_parsed(path, study="studie", display="transcripts/interview_01.docx")
    words = [source.text[turn.start : turn.end] for turn in parsed.turns]
    assert words == [text for _, _, text in TURNS]
    assert all(turn.timestamp and turn.timestamp not in source.text[turn.start : turn.end]
               for turn in parsed.turns)
    if layout.startswith(("label", "timestamp")):
        assert [turn.speaker_role for turn in parsed.turns] == ["interviewer", "respondent"] * 2


@pytest.mark.parametrize("speakers", ["labels", "numbered"])
def test_a_transcript_in_a_table_of_time_speaker_and_words_is_read(tmp_path: Path, speakers: str) -> None:
    """A table with a row per turn — time, speaker, words — as NVivo and transcription services write
    it; with Word's «Speaker 1» too, whose rows are read cell by cell."""
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    document = docx.Document()
    document.add_paragraph("Interview med direktøren")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Tid", "Taler", "Tekst"], strict=True):
        cell.text = text
    for label, speaker, words, stamp in STAMPED:
        row = table.add_row().cells
        for cell, text in zip(row, [stamp, label if speakers == "labels" else speaker, words], strict=True):
            cell.text = text
    path = study / "transcripts" / "interview_01.docx"
    document.save(path)
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "ingest", "studie"], cwd=tmp_path, env=env,
                         text=True, capture_output=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "transcripts/interview_01.docx: 4 turns" in ran.stdout

    source, parsed = read_transcript_parsed(path, study="studie", display="transcripts/interview_01.docx")
    assert [(turn.timestamp, source.text[turn.start : turn.end]) for turn in parsed.turns] == [
        (stamp, words) for _, _, words, stamp in STAMPED]


@pytest.mark.parametrize("lists", [True, False])
def test_a_table_of_the_interviews_particulars_above_the_turns_is_no_turn(
        tmp_path: Path, lists: bool) -> None:
    """Transcripts open with a table of who, where and when: «Interviewer | Mette Skov (MS)»,
    «Respondent | Hanne Bruun (HB), kommunaldirektør». Its rows were read as turns: with the speakers
    listed in metadata.csv the file was refused (label 'Respondent' in neither list, and the advice to
    list it would have coded the director's name); without lists the name was a coded answer."""
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    document = docx.Document()
    document.add_paragraph("Interview med kommunaldirektøren")
    table = document.add_table(rows=0, cols=2)
    for key, value in [("Kommune", "Faxe Kommune"), ("Dato", "12.03.2024"),
                       ("Interviewer", "Mette Skov (MS)"),
                       ("Respondent:", "Hanne Bruun (HB), kommunaldirektør"), ("Varighed", "47 min")]:
        row = table.add_row().cells
        row[0].text, row[1].text = key, value
    for label, _, words, stamp in STAMPED:
        document.add_paragraph(f"{'MS' if label == 'I' else 'HB'}: [{stamp}] {words}")
    path = study / "transcripts" / "interview_01.docx"
    document.save(path)
    speakers = ",MS,HB" if lists else ",,"
    (study / "transcripts" / "metadata.csv").write_text(
        "file,municipality,interviewer,interviewer_speakers,respondent_speakers\n"
        f"interview_01.docx,Faxe,Mette Skov{speakers}\n", encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "ingest", "studie"], cwd=tmp_path, env=env,
                         text=True, capture_output=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "transcripts/interview_01.docx: 4 turns; 6 line(s) before the first turn not coded" in ran.stdout

    source, parsed = read_transcript_parsed(path, study="studie", display="transcripts/interview_01.docx")
    assert [source.text[turn.start : turn.end] for turn in parsed.turns] == [text for _, _, text in TURNS]
    assert "Kommune: Faxe Kommune\nDato: 12.03.2024\nInterviewer, Mette Skov (MS)\n" in source.text


def _vtt(cues: list[tuple[str, str]], *, teams: bool) -> str:
    """A WebVTT transcript as Teams (voice tags, a turn cut into cues of a few seconds, cue ids) or
    Zoom (numbered cues, «Name: words») writes it."""
    blocks = ["WEBVTT"]
    for number, (speaker, words) in enumerate(cues, start=1):
        start = f"00:{number // 60:02d}:{number % 60:02d}.120"
        end = f"00:{number // 60:02d}:{number % 60:02d}.980"
        if teams:
            halves = [words[: len(words) // 2].rsplit(" ", 1)[0], ""]
            halves[1] = words[len(halves[0]) :].strip()
            for part, half in enumerate(halves):
                blocks.append(f"6c0ffee0-1d2e-4f5a-9b8c-1a2b3c4d5e6f/{number}-{part}\n{start} --> {end}\n"
                              f"<v {speaker}>{html.escape(half, quote=False)}</v>")
        else:
            blocks.append(f"{number}\n{start} --> {end}\n{speaker}: {words}")
    return "\n\n".join(blocks) + "\n"


@pytest.mark.parametrize(("tool", "name", "interviewer", "respondent"), [
    ("teams", "Interview Skive.vtt", "Mette Skov", "Henrik Bjerregaard"),
    ("zoom", "zoom_vejle.vtt", "Mette Skov", "Henrik Bjerregaard"),
    ("teams", "saved_as_text.txt", "Mette Skov", "Henrik Bjerregaard"),
    # display names as an organisation's directory writes them
    ("teams", "Interview Vejle.vtt", "Skov, Mette", "henrik bjerregaard (Vejle Kommune)"),
    # a guest shown by e-mail address: the address is never in the text
    ("teams", "Interview Odense.vtt", "Mette Skov", "henrik.bjerregaard@odense.dk (Guest)"),
])
def test_a_teams_or_zoom_webvtt_transcript_is_read(tmp_path: Path, tool: str, name: str, interviewer: str,
                                                   respondent: str) -> None:
    """Teams' and Zoom's «Download transcript» (.vtt): each speaker's consecutive cues are one turn,
    timings, cue ids and tags are not in the words; the metadata's interviewer is the interviewer."""
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    cues = [(interviewer if label == "I" else respondent, words) for label, _, words in TURNS]
    cues[3] = (cues[3][0], "Økonomien følger søjlerne & IT-systemerne taler ikke sammen.")
    path = study / "transcripts" / name
    path.write_text(_vtt(cues, teams=tool == "teams"), encoding="utf-8")
    (study / "transcripts" / "metadata.csv").write_text(
        f'file,municipality,role,interviewer\n{name},Skive,Kommunaldirektør,"{interviewer}"\n',
        encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "ingest", "studie"], cwd=tmp_path, env=env,
                         text=True, capture_output=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"transcripts/{name}: 4 turns" in ran.stdout and "not read" not in ran.stderr

    source, parsed = read_transcript_parsed(path, study="studie", display=f"transcripts/{name}",
                                            attributes={"interviewer": interviewer})
    assert "@" not in source.text and "odense.dk" not in source.text.casefold()
    read = [(turn.speaker_role, turn.timestamp, source.text[turn.start : turn.end]) for turn in parsed.turns]
    assert read == [("interviewer" if speaker == interviewer else "respondent", f"00:00:0{number}", words)
                    for number, (speaker, words) in enumerate(cues, start=1)]


def test_segmenting_a_transcript_does_not_repeat_the_warnings_of_its_ingest(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`hoi run` printed each speaker warning twice: at ingest, and again when the segment stage parsed
    the stored text anew."""
    from hoi_nlp.segment import segment_source

    path = _docx(tmp_path / "interview.docx", LAYOUTS["word_transcribe"])
    source, parsed = read_transcript_parsed(path, study="s", display="interview.docx")
    assert parsed.warnings  # «Speaker 1» is in no speaker list
    with caplog.at_level("WARNING"):
        segments = segment_source(source)
    assert segments and not [record for record in caplog.records if record.levelname == "WARNING"]


def test_names_before_a_bracketed_timestamp_are_speakers_where_one_is_named(tmp_path: Path) -> None:
    """«Mette Skov [00:00:05] …» / «Peter Lund [00:00:12] …», the interviewer named in metadata.csv: only
    her name was taken as a label, so the director's words were cut into her turns (the name «Peter Lund»
    left as words at the end of each), nothing was coded, and `hoi run` said every turn was hers."""
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    named = {"I": "Mette Skov", "D": "Peter Lund"}
    _docx(study / "transcripts" / "interview_01.docx",
          [f"{named[label]} [{stamp}] {words}" for label, _, words, stamp in STAMPED])
    (study / "transcripts" / "metadata.csv").write_text(
        "file,municipality,interviewer\ninterview_01.docx,Skive,Mette Skov\n", encoding="utf-8")
    ran = hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert "interviewer's" not in ran.stderr
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        coded = [row["text"] for row in csv.DictReader(handle)]
    assert coded == [TURNS[1][2], TURNS[3][2]]

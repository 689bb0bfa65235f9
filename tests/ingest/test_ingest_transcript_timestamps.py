"""Times said inside a turn are words, not timestamps; a word before a time in brackets is no speaker;
a .vtt cue without a speaker keeps its words as written."""

from __future__ import annotations

import pytest

from hoi_nlp.ingest.subtitles import webvtt_text
from hoi_nlp.ingest.transcript import parse_transcript
from hoi_nlp.records import Source, content_hash


def _turns(text: str, path: str = "interview.txt") -> list[tuple[str, str | None, str]]:
    source = Source(source_id="x", study="s", kind="transcript", path=path, text=text,
                    content_hash=content_hash(text), respondent_id="x")
    return [(turn.speaker, turn.timestamp, text[turn.start : turn.end])
            for turn in parse_transcript(source).turns]


@pytest.mark.parametrize("line", ["(10:30) mødes vi i teamet, og så kører vi.",
                                  "10:30:00 mødes vi i teamet, og så kører vi.",
                                  "10:30 mødes vi i teamet, og så kører vi."])
def test_a_time_opening_a_line_of_a_turn_stays_in_its_words(line: str) -> None:
    """The file writes no timestamps: «(10:30) mødes vi …» continues the director's turn, time and all."""
    text = f"I: Hvornår mødes I?\nD: Det gør vi om tirsdagen.\n{line}\nI: Og hvad så?\nD: Så ja."
    assert _turns(text)[1] == ("D", None, f"Det gør vi om tirsdagen.\n{line}")
    assert len(_turns(text)) == 4


def test_a_timestamp_written_as_the_file_writes_its_timestamps_starts_a_turn_of_the_same_speaker() -> None:
    text = ("(00:05) I: Hvornår mødes I?\n(00:12) D: Det gør vi om tirsdagen.\n"
            "(01:30) Og så kører vi.\n(02:00) I: Og hvad så?\n(02:10) D: Så ja.")
    assert _turns(text)[1:3] == [("D", "00:12", "Det gør vi om tirsdagen."),
                                 ("D", "01:30", "Og så kører vi.")]
    stamped = "I: Hvornår?\nD: Vi mødes.\n[00:01:30] Og så kører vi.\nI: Og hvad så?\nD: Så ja."
    assert _turns(stamped)[2] == ("D", "00:01:30", "Og så kører vi.")


def test_a_timestamp_inside_a_line_of_words_is_never_coded() -> None:
    """Transcription services put «[00:12:30]» every few minutes, also in the middle of a paragraph: it
    was kept in the director's coded words; the words after it are a turn of the same speaker."""
    text = ("I: Hvordan evaluerer I?\nR: Vi følger hvor mange der kommer i job. [00:12:30] Og vi har også "
            "en forventning om besparelser. [00:13:02]\nI: Tak. [00:13:05]  Næste spørgsmål?\nR: Ja.")
    assert _turns(text) == [
        ("I", None, "Hvordan evaluerer I?"),
        ("R", None, "Vi følger hvor mange der kommer i job."),
        ("R", "00:12:30", "Og vi har også en forventning om besparelser."),
        ("I", None, "Tak."), ("I", "00:13:05", "Næste spørgsmål?"), ("R", None, "Ja.")]
    said = "I: Hvornår?\nD: Vi mødes [kl. 10:30] og igen (10:30:00) om fredagen.\nI: Og så?\nD: Så ja."
    assert _turns(said)[1] == ("D", None, "Vi mødes [kl. 10:30] og igen (10:30:00) om fredagen.")


def test_a_word_before_a_time_in_brackets_is_no_speaker() -> None:
    text = "I: Hvornår?\nD: Ja\nSkive [1:30] er en kommune\nSkive [2:30] igen\nI: Og hvad så?\nD: Så ja."
    assert _turns(text) == [("I", None, "Hvornår?"),
                            ("D", None, "Ja\nSkive [1:30] er en kommune\nSkive [2:30] igen"),
                            ("I", None, "Og hvad så?"), ("D", None, "Så ja.")]
    known = "I [00:00:05] Hvornår?\nD [00:00:09] Vi mødes.\nI [00:01:00] Og så?\nD [00:01:05] Så ja."
    assert [speaker for speaker, _, _ in _turns(known)] == ["I", "D", "I", "D"]


def _vtt(*cues: str) -> str:
    return "WEBVTT\n\n" + "\n\n".join(f"{number}\n00:00:{number:02d}.000 --> 00:00:{number:02d}.900\n{cue}"
                                      for number, cue in enumerate(cues, start=1)) + "\n"


def test_a_teams_cue_without_a_speaker_keeps_its_words_as_written() -> None:
    text = webvtt_text(_vtt("<v Mette Skov>Hvordan er indsatsen organiseret?</v>",
                            "<v Jens Hansen>Vi har et team.</v>", "Kort sagt: det virker.",
                            "<v Mette Skov>Og barrierer?</v>", "<v Jens Hansen>Økonomien.</v>"),
                       display="x.vtt")
    assert "Kort sagt: det virker." in text and "Kort Sagt" not in text
    assert ("Jens Hansen", "00:00:03", "Kort sagt: det virker.") in _turns(text, "x.vtt")


def test_zoom_cues_name_their_speaker_before_a_colon() -> None:
    text = webvtt_text(_vtt("Mette Skov: Hvordan er indsatsen organiseret?", "jens hansen: Vi har et team.",
                            "Mette Skov: Og barrierer?"), display="x.vtt")
    assert text.splitlines()[1] == "[00:00:02] Jens Hansen: Vi har et team."

"""Property tests: random input to the txt transcript parser and the CSV reader gives sources or a
clear HoiError, never another exception; turn spans always slice the source text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hoi_nlp.errors import HoiError, IngestError
from hoi_nlp.ingest.schema import load_schema
from hoi_nlp.ingest.survey import read_survey
from hoi_nlp.ingest.transcript import parse_turns, read_transcript
from hoi_nlp.records import Source, content_hash

LABELS = [
    "I",
    "D",
    "Int.",
    "Interviewer",
    "Direktør",
    "Anne",
    "Henrik Madsen",
    "Dato",
    "Men",
    "[00:01:02] I",
    "I (00:12)",
    "D [00:12:34]",
    "00:12:34 D",
    "Fx",
    "  ",
    "",
]
FRAGMENTS = [
    "Hvad",
    "siger",
    "økonomien",
    "?",
    ":",
    "[00:00:01]",
    "(00:12)",
    "\u00a0",
    "\u200b",
    "Ã¸",
    "–",
    " ",
]
FUZZ = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW_FUZZ = settings(
    deadline=None, max_examples=1500, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

transcript_lines = st.lists(
    st.tuples(
        st.sampled_from(LABELS),
        st.sampled_from([": ", ":", " ", ""]),
        st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=6),
    ).map(lambda parts: parts[0] + parts[1] + " ".join(parts[2])),
    max_size=12,
).map("\n".join)
csv_cell = st.sampled_from(
    ["ID", "tekst", "1", "2", "Ved ikke", '"a;b"', '"', "ø", "", "\n", "Ã¦"]
) | st.text(max_size=8)
csv_text = st.tuples(
    st.sampled_from([";", ",", "\t"]), st.lists(st.lists(csv_cell, min_size=1, max_size=4), max_size=6)
).map(lambda parts: parts[0].join(["ID", "tekst"]) + "\n" + "\n".join(parts[0].join(row) for row in parts[1]))


def _check_turns(text: str) -> None:
    source = Source(
        source_id="f",
        study="s",
        kind="transcript",
        path="f.txt",
        text=text,
        content_hash=content_hash(text),
        respondent_id="f",
    )
    try:
        turns = parse_turns(source)
    except IngestError:
        return
    previous_end = 0
    for index, turn in enumerate(turns):
        assert turn.index == index
        assert previous_end <= turn.start < turn.end <= len(text)
        spoken = text[turn.start : turn.end]
        assert spoken.strip() and spoken == spoken.rstrip()
        previous_end = turn.end


def _transcript_from_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        source, turns = read_transcript(path, study="s", display=path.name)
    except IngestError:
        return
    assert turns and source.text[turns[0].start : turns[0].end]


def _survey_from_bytes(path: Path, schema_file: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        sources, report = read_survey(path, load_schema(schema_file), study="s", base_dir=path.parent)
    except HoiError:
        return
    assert report.total_answers == len(sources)
    assert all(source.text.strip() for source in sources)


def _tiny_schema(folder: Path) -> Path:
    path = folder / "schema.yaml"
    path.write_text("respondent_id: ID\nopen_text: [{column: tekst, question_id: t}]\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ["I: \x85", "I: \u2028\nD: ja", "D:\u3000\nI: Ã\x85"])
def test_regression_unicode_whitespace_after_label(text: str) -> None:
    """Found by the heavy fuzz: NEL/line separators after a label gave a whitespace-only turn."""
    from hoi_nlp.ingest.normalize import normalize_text

    _check_turns(normalize_text(text))


@FUZZ
@given(text=transcript_lines)
def test_parse_turns_spans_are_valid(text: str) -> None:
    from hoi_nlp.ingest.normalize import normalize_text

    _check_turns(normalize_text(text))


@FUZZ
@given(data=st.binary(max_size=300) | transcript_lines.map(lambda t: t.encode("utf-8")))
def test_txt_transcript_random_bytes(tmp_path: Path, data: bytes) -> None:
    _transcript_from_bytes(tmp_path / "fuzz.txt", data)


@FUZZ
@given(data=st.binary(max_size=300) | csv_text.map(lambda t: t.encode("cp1252", errors="replace")))
def test_csv_reader_random_bytes(tmp_path: Path, data: bytes) -> None:
    _survey_from_bytes(tmp_path / "fuzz.csv", _tiny_schema(tmp_path), data)


vtt_cue = st.tuples(
    st.sampled_from(["", "1\n", "6c0ffee0/12-0\n"]),
    st.sampled_from(["00:00:03.120 --> 00:00:05.480", "00:03.1 --> x", "-->", "01:02:03,5 --> 01:02:04,0"]),
    st.sampled_from(["<v Jens Hansen>", "<v.loud Mette>", "Jens: ", "", "<v >", "<"]),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=5).map(" ".join),
    st.sampled_from(["</v>", "", "&amp;", "\n", "</"]),
).map(lambda parts: f"{parts[0]}{parts[1]}\n{parts[2]}{parts[3]}{parts[4]}")
vtt_text = st.lists(vtt_cue | st.text(max_size=20), max_size=8).map(
    lambda cues: "WEBVTT\n\n" + "\n\n".join(cues))


@FUZZ
@given(data=vtt_text.map(lambda t: t.encode("utf-8"))
       | st.binary(max_size=200).map(lambda b: b"WEBVTT\n\n" + b))
def test_webvtt_transcript_random_cues(tmp_path: Path, data: bytes) -> None:
    _transcript_from_bytes(tmp_path / "fuzz.vtt", data)


srt_cue = st.tuples(
    st.sampled_from(["", "1\n", "12\n"]),
    st.sampled_from(["00:00:03,120 --> 00:00:05,480", "00:03,1 --> x", "-->", "01:02:03.5 --> 01:02:04.0"]),
    st.sampled_from(["Speaker 1: ", "[Jens Hansen] ", "[SPEAKER_00]: ", "[Latter] ", "", "<i>", "["]),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=5).map(" ".join),
).map(lambda parts: f"{parts[0]}{parts[1]}\n{parts[2]}{parts[3]}")
srt_text = st.lists(srt_cue | st.text(max_size=20), max_size=8).map("\n\n".join)


@FUZZ
@given(data=srt_text.map(lambda t: t.encode("utf-8")) | st.binary(max_size=200))
def test_subrip_transcript_random_cues(tmp_path: Path, data: bytes) -> None:
    _transcript_from_bytes(tmp_path / "fuzz.srt", data)


@pytest.mark.slow
@SLOW_FUZZ
@given(text=transcript_lines | st.text(max_size=400))
def test_parse_turns_spans_are_valid_heavy(text: str) -> None:
    from hoi_nlp.ingest.normalize import normalize_text

    _check_turns(normalize_text(text))


@pytest.mark.slow
@SLOW_FUZZ
@given(data=st.binary(max_size=2000) | st.text(max_size=600).map(lambda t: t.encode("utf-8")))
def test_txt_and_csv_random_bytes_heavy(tmp_path: Path, data: bytes) -> None:
    _transcript_from_bytes(tmp_path / "fuzz.txt", data)
    _survey_from_bytes(tmp_path / "fuzz.csv", _tiny_schema(tmp_path), data)

from __future__ import annotations

from dataclasses import dataclass

from hoi_nlp.segment.units import segment_source
from hoi_nlp.settings import SegmentSettings
from tests.conftest import make_source


@dataclass
class FakeTurn:
    index: int
    speaker: str
    speaker_role: str
    timestamp: str | None
    start: int
    end: int


def _check_offsets(source, segments):
    for seg in segments:
        assert source.text[seg.start:seg.end] == seg.text


def test_short_answer_is_one_codable_unit_with_sentences():
    source = make_source("  Mangler tid, bl.a. til møder jf. aftalen. Også IT er svært.\n")
    segments = segment_source(source)
    _check_offsets(source, segments)
    answer = [s for s in segments if s.kind == "answer"]
    sentences = [s for s in segments if s.kind == "sentence"]
    assert len(answer) == 1 and answer[0].codable and answer[0].text.startswith("Mangler")
    assert [s.text for s in sentences] == ["Mangler tid, bl.a. til møder jf. aftalen.", "Også IT er svært."]
    assert all(not s.codable and s.parent_id == answer[0].segment_id for s in sentences)


def test_list_lines_are_separate_sentences():
    source = make_source("- Økonomi\n- Ledelse\n- IT")
    sentences = [s.text for s in segment_source(source) if s.kind == "sentence"]
    assert sentences == ["- Økonomi", "- Ledelse", "- IT"]


def test_long_answer_is_cut_into_passages_of_whole_sentences():
    text = " ".join(f"Dette er sætning nummer {i} om samarbejdet på tværs." for i in range(30))
    source = make_source(text)
    segments = segment_source(source, settings=SegmentSettings(max_passage_words=40))
    _check_offsets(source, segments)
    passages = [s for s in segments if s.kind == "passage"]
    assert len(passages) > 1 and all(s.codable for s in passages)
    assert not [s for s in segments if s.kind == "answer"][0].codable
    assert all(len(p.text.split()) <= 40 for p in passages)


def test_transcript_turns_only_respondent_codable():
    text = "I: Hvordan organiserer I det?\nD: Vi har et fast team. Det mødes hver uge."
    source = make_source(text, source_id="INT01", kind="transcript", respondent_id="INT01")
    turns = [FakeTurn(0, "I", "interviewer", None, 3, 29),
             FakeTurn(1, "D", "respondent", "00:01:02", 33, len(text))]
    segments = segment_source(source, turns=turns)
    _check_offsets(source, segments)
    turn_segs = [s for s in segments if s.kind == "turn"]
    assert [s.codable for s in turn_segs] == [False, True]
    assert (turn_segs[1].speaker == "D" and turn_segs[1].turn_index == 1
            and turn_segs[1].timestamp == "00:01:02")
    sentences = [s for s in segments if s.kind == "sentence" and s.turn_index == 1]
    assert [s.text for s in sentences] == ["Vi har et fast team.", "Det mødes hver uge."]


def test_a_run_on_turn_without_full_stops_is_cut_into_passages_at_clause_ends():
    # transcribed speech: 160 words, commas only, one "sentence"
    clauses = [f"og så havde vi det møde nummer {i} med jobcentret om familierne" for i in range(16)]
    text = "D: " + ", ".join(clauses)
    source = make_source(text, source_id="INT02", kind="transcript", respondent_id="INT02")
    turns = [FakeTurn(0, "D", "respondent", None, 3, len(text))]
    segments = segment_source(source, turns=turns, settings=SegmentSettings(max_passage_words=40))
    _check_offsets(source, segments)
    codable = [s for s in segments if s.codable]
    assert len(codable) > 1 and all(s.kind == "passage" for s in codable)
    assert all(len(s.text.split()) <= 40 for s in codable)
    assert all(s.text.endswith(",") for s in codable[:-1])  # cut after a comma, not mid-clause
    assert " ".join(s.text for s in codable) == text[3:]  # every word in exactly one passage

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hoi_nlp.records import CodeAssignment, Quote, Segment, slice_segment
from tests.conftest import make_source


def test_slice_segment_round_trips_offsets():
    source = make_source("Første sætning. Anden sætning med æøå.")
    seg = slice_segment(source, kind="sentence", start=16, end=38)
    assert seg.text == "Anden sætning med æøå."
    assert source.text[seg.start:seg.end] == seg.text


def test_segment_rejects_text_that_does_not_match_offsets():
    with pytest.raises(ValidationError):
        Segment(segment_id="x", source_id="s", kind="sentence", start=0, end=3, text="abcd")


def test_slice_outside_source_is_rejected():
    source = make_source("kort")
    with pytest.raises(ValueError, match="outside source"):
        slice_segment(source, kind="sentence", start=2, end=10)


def test_source_hash_must_match_text():
    source = make_source("tekst")
    with pytest.raises(ValidationError):
        source.model_copy(update={"text": "anden"}).model_validate(
            {**source.model_dump(), "text": "anden"})


def test_confidence_must_be_a_probability():
    with pytest.raises(ValidationError):
        CodeAssignment(segment_id="s", code_id="a.b", confidence=1.5, method="rule", coder="x",
                       codebook_version="v")


def test_quote_ids_are_stable_and_distinct():
    a = Quote.make_id("R001:1.2", 0, 10, "barrier.ressourcer")
    assert a == Quote.make_id("R001:1.2", 0, 10, "barrier.ressourcer")
    assert a != Quote.make_id("R001:1.2", 0, 11, "barrier.ressourcer")
    assert a.startswith("Q-")

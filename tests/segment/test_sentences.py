"""Sentence spans: what quotes are cut from."""

from __future__ import annotations

import pytest

from hoi_nlp.segment.sentences import sentence_spans


@pytest.fixture(scope="module")
def nlp():
    import spacy

    pipeline = spacy.blank("da")
    pipeline.add_pipe("sentencizer")
    return pipeline


@pytest.mark.parametrize(("text", "expected"), [
    ("Det var dyrt, ikke? (griner) Det er jo sådan det er.",
     ["Det var dyrt, ikke?", "(griner) Det er jo sådan det er."]),
    ("Det var dyrt. [griner] Det er jo sådan.", ["Det var dyrt.", "[griner] Det er jo sådan."]),
    ("Vi fik penge (fra puljen). Det hjalp.", ["Vi fik penge (fra puljen).", "Det hjalp."]),
])
def test_no_sentence_starts_inside_a_transcriber_note(nlp, text, expected):
    assert [text[a:b] for a, b in sentence_spans(text, nlp)] == expected


def test_spans_are_offsets_into_the_text(nlp):
    text = "Første linje. (pause)\nAnden linje? (griner) Ja, det er rigtigt."
    spans = sentence_spans(text, nlp, offset=100)
    assert [text[a - 100:b - 100] for a, b in spans] == [
        "Første linje.", "(pause)", "Anden linje?", "(griner) Ja, det er rigtigt."]


def test_a_sentence_wrapped_onto_the_next_line_stays_one_sentence(nlp):
    # pasted from a PDF or an e-mail: the line breaks mid-sentence, the next goes on in lower case
    text = ("Vi har samlet indsatsen i en enhed, som\nbetyder at borgeren kun har én plan. Det er godt.\n"
            "Økonomi\nLedelse\n- it")
    assert [text[a:b] for a, b in sentence_spans(text, nlp)] == [
        "Vi har samlet indsatsen i en enhed, som\nbetyder at borgeren kun har én plan.", "Det er godt.",
        "Økonomi", "Ledelse", "- it"]


def test_a_list_in_lower_case_stays_a_list(nlp):
    # a survey answer listing barriers one per line is no wrapped sentence
    text = "tid\nøkonomi\nmanglende opbakning fra ledelsen"
    assert [text[a:b] for a, b in sentence_spans(text, nlp)] == [
        "tid", "økonomi", "manglende opbakning fra ledelsen"]

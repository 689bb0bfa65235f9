from __future__ import annotations

import pytest

from hoi_nlp.coding.base import text_segments
from hoi_nlp.coding.rules import RuleCoder, noisy_or


@pytest.fixture(scope="module")
def coder(small_codebook):
    return RuleCoder(small_codebook)


def _codes(coder, text):
    return {a.code_id: a for a in coder.code(text_segments([("x", text)]))}


def test_lemma_pattern_matches_inflected_forms(coder):
    found = _codes(coder, "Økonomien lå i søjlerne dengang.")
    assert "barrier.tvaergaaende_oekonomistyring" in found
    assert found["barrier.tvaergaaende_oekonomistyring"].confidence == pytest.approx(0.9)


def test_evidence_offsets_slice_the_segment_text(coder):
    text = "Altså, vores IT-systemer taler ikke sammen med jobcentrets journalsystemer."
    found = _codes(coder, text)
    it = found["barrier.it_integration"]
    assert {ev.text for ev in it.evidence} == {"IT-systemer", "taler ikke sammen", "journalsystemer"}
    for ev in it.evidence:
        assert text[ev.start:ev.end] == ev.text
    assert it.method == "rule" and it.coder == "hoi.rules.v1"
    assert it.codebook_version.startswith("small@")


def test_several_cues_raise_confidence(coder):
    one = _codes(coder, "IT-systemerne er gamle.")["barrier.it_integration"].confidence
    three = _codes(coder, "IT-systemerne taler ikke sammen, journalsystemet heller ikke.")[
        "barrier.it_integration"].confidence
    assert three > one


@pytest.mark.parametrize("text", ["Vi holder møde hver uge bl.a. om budgettet, jf. aftalen.", "", "æøå"])
def test_no_match_gives_no_code(coder, text):
    assert _codes(coder, text) == {}


def test_noisy_or():
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert noisy_or([]) == 0.0
    assert noisy_or([1.0]) == 0.99


def test_default_codebook_codes_its_own_examples(hoi_codebook):
    coder = RuleCoder(hoi_codebook)
    examples = [(f"{c.id}#{i}", ex) for c in hoi_codebook.codes for i, ex in enumerate(c.examples)]
    hits = {(a.segment_id.split("#")[0], a.code_id) for a in coder.code(text_segments(examples))}
    recalled = sum((key.split("#")[0], key.split("#")[0]) in hits for key, _ in examples)
    assert recalled / len(examples) >= 0.6


def test_a_regex_s_first_characters_are_read_from_its_parse_and_unknown_where_unsure():
    from hoi_nlp.coding.rules import regex_first_characters

    assert regex_first_characters("^politisk") == {"p"}
    assert regex_first_characters("^(borger|famili)") == {"b", "f"}
    assert regex_first_characters("^(?:ab|[cd]e)") == {"a", "c", "d"}
    assert regex_first_characters(r"\Aab") == {"a"}
    for unsure in ("samarbejd", "^u?tryg", "^(a|)b", "^[a-c]", "(?i)^ab", "^(?i:a)b", "^\\w+", "^(", "^.x"):
        assert regex_first_characters(unsure) is None, unsure


def test_token_pattern_index_finds_exactly_what_one_matcher_finds(hoi_codebook):
    """Skipping patterns that cannot match must not change a single match."""
    import spacy
    from spacy.matcher import Matcher

    from hoi_nlp.coding.rules import TokenPatternIndex

    nlp = spacy.blank("da")
    patterns = {
        "regex_gap": [{"LOWER": {"REGEX": "^(borger|famili)"}}, {"OP": "?"}, {"LOWER": {"REGEX": "^motiv"}}],
        "plain": [{"LOWER": "ledere"}, {"LOWER": "i"}, {"LOWER": {"IN": ["forvaltningen", "afdelingen"]}}],
        "plus": [{"LOWER": "meget", "OP": "+"}, {"LOWER": "svært"}],
        "unknown_attribute": [{"IS_DIGIT": True}, {"LOWER": "kommuner"}],
        "no_plain_test": [{"IS_DIGIT": True}, {"LOWER": {"FUZZY": "kommune"}}],
        "negated": [{"LOWER": "ikke", "OP": "!"}, {"LOWER": "sammen"}],
        "unanchored": [{"LOWER": {"REGEX": "samarbejd"}}],
        "class_then_words": [{"LOWER": {"REGEX": "^[fb]or(ældre|valtning)"}},
                             {"LOWER": {"REGEX": "^(?i:S)am"}}],
        "optional_first": [{"LOWER": {"REGEX": "^u?tryg"}}],
    }
    for key, tokens in [(f"{c.id}#{i}", p.tokens) for c in hoi_codebook.codes
                        for i, p in enumerate(c.patterns) if p.kind == "tokens"]:
        patterns[key] = tokens
    index, plain = TokenPatternIndex(nlp.vocab), Matcher(nlp.vocab)
    for key, tokens in patterns.items():
        index.add(key, tokens)
        plain.add(key, [tokens])
    texts = [ex for c in hoi_codebook.codes for ex in c.examples] + [
        "Borgerne og familiernes motivation svinger.", "Ledere i forvaltningen og ledere i afdelingen.",
        "Det er meget meget svært.", "Hele 12 kommuner deltog.", "De arbejder sammen, men ikke sammen.", "",
        "Tværsamarbejdet mellem forvaltning samt forældre.", "Borældre Samler utrygge og trygge."]
    for doc in nlp.pipe(texts):
        assert sorted(index(doc)) == sorted(plain(doc)), doc.text
    assert len(index) == len(patterns)

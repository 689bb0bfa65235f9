"""The explanation API the review app uses: words in the analyst's words, nearest examples, the definition."""

from __future__ import annotations

import re

from hoi_nlp.coding.explain import Explanation, explain, explain_codes


def test_explain_gives_matched_words_examples_and_definition(trained_tfidf, coding_codebook):
    out, _ = trained_tfidf
    text = "Vi mangler ressourcer og tid til det tværgående arbejde."
    found = explain(
        out, coding_codebook, text, "barrier.ressourcer", context="Hvad er jeres største barriere?"
    )
    assert isinstance(found, Explanation)
    code = coding_codebook.code("barrier.ressourcer")
    assert found.label == code.label and found.definition == code.description and found.family == "barrier"
    assert found.include == (code.include or "") and found.exclude == (code.exclude or "")
    assert found.words and "ressourcer" in found.words[0]
    for word in found.words:  # the analyst's words, never spaCy pattern syntax
        assert not re.search(r"LOWER|REGEX|tokens:|lemma:|\{|\[", word), word
        assert any(part.lower() in text.lower() for part in word.replace("…", " ").split() if part), word
    assert found.examples and all(isinstance(e, str) and e for e in found.examples)
    assert len(found.example_origins) == len(found.examples)
    assert found.tier == "suggested" and found.stance in ("hindrance", "precondition", "overcome", "rating")
    assert 0 <= found.confidence <= 1 and found.threshold is not None
    assert set(found.components) == {"rule", "similarity", "classifier"}


def test_explain_codes_shares_one_analysis_and_accepts_a_loaded_coder(trained_tfidf, coding_codebook):
    from hoi_nlp.coding.model_io import load_trained_coder

    out, _ = trained_tfidf
    coder = load_trained_coder(coding_codebook, model_dir=out)
    text = "Jobcentret og de unge uden uddannelse mangler et fælles system."
    many = explain_codes(coder, coding_codebook, text, coding_codebook.code_ids)
    assert [e.code_id for e in many] == coding_codebook.code_ids
    unrelated = next(e for e in many if e.code_id == "barrier.ressourcer")
    assert unrelated.stance is not None and unrelated.family_label
    assert next(e for e in many if e.code_id == "area.beskaeftigelse").stance is None


def test_rule_evidence_reads_as_words(coding_codebook):
    from hoi_nlp.coding.base import text_segments
    from hoi_nlp.coding.rules import RuleCoder, readable_pattern

    coder = RuleCoder(coding_codebook)
    for assignment in coder.code(
        text_segments([("a", "Systemerne taler ikke sammen, og vi mangler ressourcer.")])
    ):
        for evidence in assignment.evidence:
            assert evidence.pattern and not re.search(r"LOWER|REGEX|tokens:|\{", evidence.pattern)
    for code in coding_codebook.codes:
        for pattern in code.patterns:
            shown = readable_pattern(pattern)
            assert shown and not re.search(r"LOWER|REGEX|\{|\^|\$", shown), shown

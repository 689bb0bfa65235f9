"""What a rule matched, said in words on the segment page (the coder's readable evidence, issue 17)."""

from __future__ import annotations

import pytest

from hoi_nlp.review.app.explain import _pattern_words
from hoi_nlp.review.app.i18n import translator


@pytest.mark.parametrize("evidence, danish", [
    ("it-system (og bøjninger)", "ordet «it-system» i alle bøjninger"),
    ("samme sprog", "udtrykket «samme sprog»"),
    ("betaler … høster", "ordene «betaler … høster» (… vilkårlige ord, / et af ordene)"),
    ("lemma:it-system", "ordet «it-system» i alle bøjninger"),  # a workspace coded before readable evidence
    ("tokens:[{LOWER: {REGEX: x}}]", "et ordmønster fra kodebogen"),
])
def test_rule_evidence_reads_as_words(evidence, danish):
    template, text = _pattern_words(evidence)
    _ = translator("da")
    shown = _(template, text=text) if text else _(template)
    assert shown == danish
    assert not any(syntax in shown for syntax in ("REGEX", "LOWER", "lemma:", "tokens:"))

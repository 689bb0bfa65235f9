"""A redaction maps source offsets to offsets into its text and back (the review app's pages carry the
redaction's offsets to a reviewer without rights)."""

from __future__ import annotations

from hoi_nlp.privacy.pseudonymize import ReplacedSpan
from hoi_nlp.privacy.redact import Redaction

SOURCE = "Her i Lemvig mangler vi tid. Kontakt Mette Hansen nu."
REDACTED = "Her i [KOMMUNE] mangler vi tid. Kontakt [PERSON 1] nu."


def redaction() -> Redaction:
    spans = []
    for original, placeholder in (("Lemvig", "[KOMMUNE]"), ("Mette Hansen", "[PERSON 1]")):
        start, out_start = SOURCE.index(original), REDACTED.index(placeholder)
        spans.append(ReplacedSpan(start, start + len(original), "X", placeholder,
                                  out_start, out_start + len(placeholder)))
    return Redaction("s", REDACTED, tuple(spans))


def test_every_offset_outside_a_name_maps_there_and_back() -> None:
    r = redaction()
    hidden = [(s.start, s.end) for s in r.spans]
    for offset in range(len(SOURCE) + 1):
        if any(start < offset < end for start, end in hidden):
            continue
        assert r.source_position(r.position(offset)) == offset
        if offset < len(SOURCE) and not any(start == offset for start, _ in hidden):
            assert REDACTED[r.position(offset)] == SOURCE[offset]  # the same character


def test_an_edge_inside_a_placeholder_takes_the_whole_name() -> None:
    r = redaction()
    inside = REDACTED.index("[PERSON 1]") + 3
    assert r.source_position(inside) == SOURCE.index("Mette")
    assert r.source_position(inside, end=True) == SOURCE.index("Mette Hansen") + len("Mette Hansen")
    assert r.source_position(REDACTED.index(" mangler")) == SOURCE.index(" mangler")

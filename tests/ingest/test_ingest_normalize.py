"""normalize_text: newlines, invisible characters, spaces, mojibake, idempotence."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoi_nlp.ingest.normalize import fix_mojibake, has_mojibake, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("linje 1\r\nlinje 2\rlinje 3", "linje 1\nlinje 2\nlinje 3"),
        ("\ufeffKommentar", "Kommentar"),
        ("sam\u200bar\u200dbejde\u2060", "samarbejde"),
        ("15\u00a0pct.\u202faf", "15 pct. af"),
        ("slut   \nnæste\t\n", "slut\nnæste\n"),
        ("Ã¦ble, Ã¸konomi, pÃ¥ tvÃ¦rs", "æble, økonomi, på tværs"),
        ("Ã˜STER Ã… Ã†RØ", "ØSTER Å ÆRØ"),
        ("Ã\x98st Ã\x85 Ã\x86", "Øst Å Æ"),  # latin-1 misreading
        ("Familiehuset â€“ Ã©n indgang", "Familiehuset – én indgang"),
        ("a\u030a", "å"),  # NFC
        ("allerede æøå ÆØÅ", "allerede æøå ÆØÅ"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_mojibake_detection_only_fires_on_misreadings() -> None:
    assert has_mojibake("pÃ¥ tvÃ¦rs")
    assert not has_mojibake("på tværs – Økonomi")
    assert fix_mojibake("Ã¸") == "ø"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_and_nfc(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once and "\ufeff" not in once

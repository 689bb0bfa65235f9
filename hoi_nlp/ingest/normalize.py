"""Text normalisation: the one place where raw file text becomes the text offsets point into.

``normalize_text`` is deterministic and idempotent: NFC, ``\\n`` newlines, no BOM or zero-width
characters, plain spaces instead of non-breaking ones, no trailing whitespace on a line, and the
usual UTF-8-read-as-cp1252/latin-1 mojibake of æøå (``Ã¦`` → ``æ``) repaired.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
# Every other character str.isspace() knows becomes a plain space or a newline.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_LINE_BREAKS = "\x85\u2028\u2029"
_DELETE_INVISIBLE = {ord(ch): None for ch in _INVISIBLE}
_PLAIN_WHITESPACE = {**{ord(ch): " " for ch in _SPACES}, **{ord(ch): "\n" for ch in _LINE_BREAKS}}
# C0 control characters other than tab and newline/carriage return, plus DEL.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_TRAILING_WS_RE = re.compile(r"[ \t\f\v]+$", re.MULTILINE)
_MOJIBAKE_TARGETS = "æøåÆØÅéèêëöüäÉÖÜÄáóíú–—‘’“”…"


def _mojibake_table() -> dict[str, str]:
    """Map the cp1252 and latin-1 misreadings of UTF-8 encoded characters back to the characters."""
    table: dict[str, str] = {}
    for char in _MOJIBAKE_TARGETS:
        encoded = char.encode("utf-8")
        for encoding in ("cp1252", "latin-1"):
            try:
                table[encoded.decode(encoding)] = char
            except UnicodeDecodeError:
                continue
    return table


_MOJIBAKE = _mojibake_table()
_MOJIBAKE_RE = re.compile("|".join(re.escape(bad) for bad in sorted(_MOJIBAKE, key=len, reverse=True)))


def has_mojibake(text: str) -> bool:
    """True if ``text`` contains a known UTF-8-as-cp1252/latin-1 misreading (``Ã¦``, ``Ã¸``, ...)."""
    return _MOJIBAKE_RE.search(text) is not None


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 text that was decoded as cp1252 or latin-1 (``Ã¸`` → ``ø``)."""
    return _MOJIBAKE_RE.sub(lambda match: _MOJIBAKE[match.group(0)], text)


def normalize_text(raw: str) -> str:
    """Return the normalised form of ``raw`` that all downstream offsets point into."""
    text = raw.translate(_DELETE_INVISIBLE)
    text = _CONTROL_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
    text = unicodedata.normalize("NFC", text)
    while has_mojibake(text):
        text = unicodedata.normalize("NFC", fix_mojibake(text))
    # After the mojibake repair: latin-1 mojibake of Å is "Ã\x85".
    text = text.translate(_PLAIN_WHITESPACE)
    return _TRAILING_WS_RE.sub("", text)


def column_key(cell: str) -> str:
    """A header cell or a schema's column name as column names compare: normalised, each run of
    whitespace one space (a line break typed in the cell with Alt+Enter, or a double space, is invisible
    in Excel)."""
    return " ".join(normalize_text(cell).split())

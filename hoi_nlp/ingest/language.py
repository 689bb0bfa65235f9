"""A light language check: the coders are Danish, so answers in other languages are flagged.

Counts Danish, English and German function words (words shared with Danish, such as "at",
"for", "have", "mit", are left out of the foreign lists). Short texts, and texts with too few
function words to tell (keyword lists), are ``unknown``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_WORD = re.compile(r"[a-zæøåéü]+")
_ENGLISH = frozenset(
    "the and of to in is that was on are with as this not but they from or we an which you their has "
    "been were would will there all can more if our about also its than these should could because "
    "into other what when who only some".split()
)
_GERMAN = frozenset(
    "und ist nicht ein eine einen wir ich auf für von das zu dem haben wird sind auch sich mit dass "
    "werden oder aber noch wie bei".split()
)


@lru_cache(maxsize=1)
def _danish() -> frozenset[str]:
    path = Path(__file__).resolve().parent.parent / "resources" / "stopwords_da.txt"
    words = {line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()}
    return frozenset(w for w in words if w and not w.startswith("#")) - _ENGLISH


def guess_language(text: str, *, min_words: int = 6) -> str:
    """``da``, ``en``, ``de`` or ``unknown`` (too short, or too few function words to tell)."""
    words = _WORD.findall(text.lower())
    if len(words) < min_words:
        return "unknown"
    german = _GERMAN - _danish()
    counts = {"da": sum(w in _danish() for w in words), "en": sum(w in _ENGLISH for w in words),
              "de": sum(w in german for w in words)}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= 0.1 * len(words) else "unknown"

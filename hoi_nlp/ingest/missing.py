"""Non-answers in survey cells: empty, punctuation-only, «Ved ikke», «Ingen kommentarer», Excel's error
values — what the survey reader skips and the schema draft counts as missing."""

from __future__ import annotations

import re
from collections.abc import Iterable

EXCEL_ERROR_VALUES = (
    "#value!", "#div/0!", "#ref!", "#name?", "#null!", "#num!", "#spill!", "#calc!", "#getting_data",
    "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!",
    "#værdi!", "#division/0!", "#reference!", "#navn?", "#nul!", "#tal!",
)
DEFAULT_MISSING_VALUES = (
    "-",
    "ved ikke",
    "vi ved ikke",
    "nej",
    "nej tak",
    "ingen",
    "intet",
    "ingen kommentar",
    "ingen kommentarer",
    "ingen bemærkninger",
    "ingen yderligere kommentarer",
    "intet at tilføje",
    "ikke relevant",
    "ikke aktuelt",
    "n/a",
    "na",
    "nan",
    "none",
    "null",
    "x",
    "#n/a",
    "#i/t",
    # Excel's error values (English; Danish Excel shows #I/T, #VÆRDI!, #DIVISION/0!, #REFERENCE!, #NAVN?)
    *EXCEL_ERROR_VALUES,
    "ubesvaret",
    "ikke besvaret",
)
_PUNCT_EDGES = " .,;:!?-–—_*'\"()[]/\\"
_SPACES_RE = re.compile(r"\s+")


def _missing_key(value: str) -> str:
    return _SPACES_RE.sub(" ", value.strip().strip(_PUNCT_EDGES)).casefold()


def missing_set(extra: Iterable[str] = ()) -> frozenset[str]:
    """The default non-answers plus ``extra``, in the form :func:`is_missing` compares."""
    return frozenset(_missing_key(value) for value in (*DEFAULT_MISSING_VALUES, *extra)) | {""}


def is_missing(value: str, missing: frozenset[str] | None = None) -> bool:
    """True for empty, punctuation-only or non-answer cells ("-", "Ved ikke", "Nej.", "Ingen kommentarer")."""
    key = _missing_key(value)
    if not any(char.isalnum() for char in key):
        return True
    return key in (missing if missing is not None else missing_set())

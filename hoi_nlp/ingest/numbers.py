"""Which closed items of a survey export are numbers (a rating): decided as the file is read, where known.

An .xlsx cell that held a number (:class:`~hoi_nlp.ingest.tables.NumberCell`) is one, whatever its decimals
("2.375"). A text is one only where its decimal mark is known: a Danish Excel CSV (semicolon-separated)
writes decimals with a comma ("3,75"), so a «.» there is never a decimal mark ("10.30" is a time, "3.10"
the 3rd of October, "44.200" a thousand). Elsewhere (a comma-separated CSV, an .xlsx's text cell) only a
whole number is. When in doubt the item stays text, as read: a code with a leading zero ("0800"), more than
9 digits (an EAN), a sign ("+5"), a trailing zero after the mark ("3,50", "8,00"), any text.
"""

from __future__ import annotations

import re

from hoi_nlp.ingest.tables import NumberCell

# the ingest run's parameter holding, per survey export, which closed items are numbers there
# (``{"survey/svar.csv": {"vurdering": False, "kommentar_kode": None}}``): what exports write as numbers
CLOSED_NUMBERS = "closed_numbers"
# a whole number as a count or rating writes it (no leading zero, no sign but a minus, at most 9 digits)
_WHOLE = r"-?(?:0|[1-9]\d{0,8})"
_WHOLE_RE = re.compile(_WHOLE)
_CELL_NUMBER_RE = re.compile(_WHOLE + r"(?:\.\d+)?")  # an .xlsx number cell as its text (4.5, 2.375)
_DECIMAL_COMMA_RE = re.compile(_WHOLE + r"(?:,\d*[1-9])?")  # a Danish CSV's number: 3,75 (not 3,50)
_VALUE_RE = re.compile(_WHOLE + r"(?:[.,]\d+)?")  # a value already found a number, or typed in --group


def read_number(cell: str, decimal_mark: str) -> bool | None:
    """Whether ``cell`` (not empty) is a number: True a whole one, False one with decimals, None no number
    (or not surely one). ``decimal_mark``: "," where the file writes decimals so (a Danish Excel CSV), ""
    where no text's mark is known."""
    text = cell.strip()
    if isinstance(cell, NumberCell):
        return None if not _CELL_NUMBER_RE.fullmatch(text) else "." not in text
    if _WHOLE_RE.fullmatch(text):
        return True
    if decimal_mark == "," and _DECIMAL_COMMA_RE.fullmatch(text):
        return False
    return None


def number_value(text: str) -> int | float | None:
    """A value :func:`read_number` found a number (or one typed as such) as a number: "3,75" and "3.75"
    are 3.75, "3" is 3; None where ``text`` is written as no number."""
    text = text.strip()
    if not _VALUE_RE.fullmatch(text):
        return None
    if _WHOLE_RE.fullmatch(text):
        return int(text)
    return float(text.replace(",", "."))


def column_numbers(values: list[str], decimal_mark: str) -> bool | None:
    """Whether a column's ``values`` (its filled cells) are all numbers: True all whole, False some with
    decimals, None not all numbers (the column stays text)."""
    kinds = [read_number(value, decimal_mark) for value in values]
    if any(kind is None for kind in kinds):
        return None
    return all(kinds)

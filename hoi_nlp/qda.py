"""REFI-QDA (QDA-XML 1.0) names shared by the writer (:mod:`hoi_nlp.export.refi`) and the reader
(:mod:`hoi_nlp.review.refi_import`): namespaces, stable GUIDs, the machine coder's user, the names
codes and sources get in a project (unique, safe as file names), the tags that lead back to ids and the
line breaks texts are written and compared with."""

from __future__ import annotations

import bisect
import re
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hoi_nlp.codebook import Code, Codebook

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
MACHINE_USER = "hoi_nlp"
# Listed first when a project has no human analyst yet, so that QualCoder (which makes the first
# user the active coder) records new codings under a human name, not the machine's.
PLACEHOLDER_ANALYST = "analytiker"
_GUID_NAMESPACE = uuid.UUID("6f1c7a4e-3b9d-5c2a-8e71-2d4b9f0a6c13")

# ``[hoi: barrier.it_integration]`` in a code's Description, ``[hoi: source <guid>]`` in a source's.
CODE_TAG = re.compile(r"\[hoi: ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\]")
SOURCE_TAG = re.compile(r"\[hoi: source \{?([0-9a-fA-F-]{36})\}?\]")
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
# Characters Windows forbids in file names, and "." (QualCoder takes what follows as an extension).
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*.\x00-\x1f]+')
_RESERVED_NAME = re.compile(r"^(CON|PRN|AUX|NUL|COM\d|LPT\d)$", re.IGNORECASE)


def lf_only(text: str) -> str:
    """``text`` with LF line breaks only (a CRLF or a lone CR is one LF): how a project writes a memo's text
    and how its reader compares texts, so that the two stay the same (a browser form sends CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Positions:
    """Positions in a text as a project counts them: UTF-16 code units, so that a character beyond the Basic
    Multilingual Plane (an emoji) counts two, as QualCoder's editor (Qt) counts it, where hoi counts one code
    point. QualCoder highlights a selection at ``startPosition`` as a Qt position and exports the positions
    its editor gave (README, "REFI-QDA round trips"). Without such characters both counts are the same."""

    def __init__(self, text: str) -> None:
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]  # their code point indices
        self._units = [index + n for n, index in enumerate(self._astral)]  # their UTF-16 offsets
        self.length = len(text) + len(self._astral)  # the text's length in UTF-16 units

    def unit(self, index: int) -> int:
        """The UTF-16 offset of a code point index."""
        return index + bisect.bisect_left(self._astral, index) if self._astral else index

    def index(self, unit: int, *, end: bool = False) -> int:
        """The code point index of a UTF-16 offset; one that falls between the two halves of a character is
        moved to the character's start (or, for an ``end``, past it), so that a selection keeps it whole.
        An offset beyond the text stays beyond it."""
        if not self._astral:
            return unit
        n = bisect.bisect_left(self._units, unit)  # characters of two units that start before ``unit``
        if n and self._units[n - 1] == unit - 1:  # inside the (n-1)th
            return self._astral[n - 1] + (1 if end else 0)
        return unit - n


def guid(kind: str, *parts: str) -> str:
    """A stable GUID for a record: uuid5 of its kind and ids."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join((kind, *parts))))


def record_guid(kind: str, record_id: str, keyed: Callable[[str, str], str] | None = None) -> str:
    """The GUID of a source or case (``kind``): uuid5 of its id keyed with the study's secret (``keyed``, a
    redactor's :meth:`~hoi_nlp.privacy.redact.KeyRedactor.keyed_id`, in a pseudonymised export), else of
    the raw id (raw exports, and every export written before GUIDs were keyed)."""
    shown = keyed(kind, record_id) if keyed is not None else record_id
    return guid(kind, record_id) if shown == record_id else guid(kind, "keyed", shown)


def normal_guid(value: str | None) -> str:
    """A GUID as compared: lower case, without braces or spaces (``{ABC…}`` and ``abc…`` match)."""
    text = (value or "").strip()
    found = _GUID.match(text)
    return found.group(1).lower() if found else text.lower()


def is_machine_user(name: str) -> bool:
    """Whether a REFI-QDA user name is hoi_nlp's machine coder."""
    return name.strip().casefold() == MACHINE_USER


def safe_file_name(name: str) -> str:
    """A source name safe as a file name on Windows and without a '.' a tool would read as an extension."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" _") or "kilde"
    return f"{cleaned}_" if _RESERVED_NAME.match(cleaned) else cleaned


def source_names(source_ids: Iterable[str], shown: Callable[[str], str]) -> dict[str, str]:
    """Source id -> the unique, file-name-safe name a project gives it (``shown`` pseudonymises the id)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for source_id in sorted(source_ids):
        base = safe_file_name(shown(source_id))
        name, n = base, 2
        while name.casefold() in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.casefold())
        names[source_id] = name
    return names


def code_description(code: Code) -> str:
    """A code's Description: its description, inclusion and exclusion notes and the ``[hoi: id]`` tag."""
    text = code.description
    if code.include:
        text += f"\nMedtag: {code.include}"
    if code.exclude:
        text += f"\nUdelad: {code.exclude}"
    return f"{text.strip()}\n[hoi: {code.id}]".strip()


def code_names(codebook: Codebook) -> tuple[dict[str, str], dict[str, str]]:
    """(family id -> name, code id -> name): names unique across the whole codebook (case-insensitive).

    QualCoder merges codes of the same name and drops the codings of all but one, so a label used
    twice gets its family's label (then its id) added: ``Andet (Barrierer)``.
    """
    families = {f.id: (f.label or f.id).strip() or f.id for f in codebook.families}
    codes = {c.id: c.label.strip() or c.id for c in codebook.codes}
    family_of = {c.id: c.family for c in codebook.codes}
    counts: dict[str, int] = {}
    for name in [*families.values(), *codes.values()]:
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    taken: set[str] = set()
    for family_id, name in families.items():
        if counts[name.casefold()] > 1 and name.casefold() in taken:
            name = f"{name} ({family_id})"
        families[family_id] = name
        taken.add(name.casefold())
    for code_id, name in codes.items():
        if counts[name.casefold()] > 1:
            name = f"{name} ({families.get(family_of[code_id], family_of[code_id])})"
        if name.casefold() in taken:
            name = f"{codes[code_id]} ({code_id})"
        codes[code_id] = name
        taken.add(name.casefold())
    return families, codes

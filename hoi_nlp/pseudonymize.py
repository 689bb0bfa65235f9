"""Pseudonymise Danish text for export: typed placeholders, one key per study kept apart.

Persons become "[PERSON 1]", "[PERSON 2]" (numbered consistently across a study), places
"[KOMMUNE]", "[REGION]", "[STED]", units "[ENHED]"/"[JOBCENTER]"/"[ORGANISATION]", contact data
"[EMAIL]", "[TELEFON]", "[CPR]", "[ADRESSE]", "[LINK]". National bodies stay. Every replaced span
records its offsets in the input and in the output, so the mapping is exact.

The :class:`PseudonymKey` (placeholder <-> originals) lives in the workspace's ``keys/`` folder
(dir 0700, file 0600), never next to exports. :func:`assert_no_leak` is the exports' last check.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoi_nlp.errors import ExportError, HoiError

if TYPE_CHECKING:
    from spacy.language import Language

    from hoi_nlp.settings import Settings
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

KEY_FILENAME = "pseudonym_key.json"
PLACEHOLDERS = {
    "KOMMUNE": "[KOMMUNE]", "REGION": "[REGION]", "STED": "[STED]", "ORGANISATION": "[ORGANISATION]",
    "JOBCENTER": "[JOBCENTER]", "ENHED": "[ENHED]", "NAVN": "[NAVN]", "EMAIL": "[EMAIL]",
    "TELEFON": "[TELEFON]", "CPR": "[CPR]", "ADRESSE": "[ADRESSE]", "LINK": "[LINK]",
}
_GENITIVE = re.compile(r"(?:'s|’s|'|’)$")


def normalise_name(name: str) -> str:
    """Case-folded name without genitive ending or extra spaces ("Lars Hansens" -> "lars hansen")."""
    words = _GENITIVE.sub("", " ".join(name.split())).casefold().split()
    return " ".join(words)


@dataclass
class PseudonymKey:
    """Per-study key: person numbers by normalised name, and placeholder <-> originals."""

    study: str = ""
    persons: dict[str, int] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)
    _matcher: tuple[int, re.Pattern[str] | None, dict[str, str]] | None = field(
        default=None, repr=False, compare=False)

    def known_pattern(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """Compiled regex over the originals (rebuilt only when the key has grown)."""
        if self._matcher is None or self._matcher[0] != len(self.originals):
            known = _known_originals(self)
            self._matcher = (len(self.originals), _pattern_for(known), known)
        return self._matcher[1], self._matcher[2]

    def placeholders(self) -> dict[str, list[str]]:
        """Placeholder -> sorted originals it replaced."""
        out: dict[str, list[str]] = {}
        for original, placeholder in self.originals.items():
            out.setdefault(placeholder, []).append(original)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def person_number(self, name: str) -> int:
        """The study-wide number of a person; a first or last name alone reuses a unique full name."""
        norm = normalise_name(name)
        if norm.endswith("s") and norm not in self.persons and norm[:-1] in self.persons:
            norm = norm[:-1]
        if norm in self.persons:
            return self.persons[norm]
        number = self._match_part(norm) or max(self.persons.values(), default=0) + 1
        self.persons[norm] = number
        return number

    def _match_part(self, norm: str) -> int | None:
        words = norm.split()
        if len(words) == 1:
            found = {n for known, n in self.persons.items()
                     if len(known.split()) > 1 and words[0] in (known.split()[0], known.split()[-1])}
        else:
            found = {self.persons[w] for w in (words[0], words[-1]) if w in self.persons}
        return found.pop() if len(found) == 1 else None

    def placeholder_for(self, label: str, original: str) -> str:
        """The placeholder of ``original`` (recorded in the key)."""
        if label == "PERSON":
            placeholder = f"[PERSON {self.person_number(original)}]"
        else:
            placeholder = PLACEHOLDERS.get(label, "[NAVN]")
        self.originals[original] = placeholder
        return placeholder

    def to_json(self) -> str:
        """JSON text of the key (both directions)."""
        data = {"version": 1, "study": self.study, "persons": self.persons, "originals": self.originals,
                "placeholders": self.placeholders()}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, path: str = "") -> PseudonymKey:
        """Parse a key written by :meth:`to_json`."""
        try:
            data = json.loads(text)
            return cls(study=data.get("study", ""), persons=dict(data["persons"]),
                       originals=dict(data["originals"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise HoiError("pseudonym key file is not valid", path=path,
                           hint="restore it from backup; a new key renumbers persons") from exc


def key_path(workspace: Workspace) -> Path:
    """Where the study's key lives: ``<workspace>/keys/pseudonym_key.json``."""
    return workspace.keys_dir / KEY_FILENAME


def load_key(path: str | Path, *, study: str = "") -> PseudonymKey:
    """Load a key; a missing file gives an empty key for ``study``."""
    path = Path(path)
    if not path.is_file():
        return PseudonymKey(study=study)
    return PseudonymKey.from_json(path.read_text(encoding="utf-8"), path=str(path))


def save_key(key: PseudonymKey, path: str | Path) -> Path:
    """Write the key atomically with file mode 0600 inside a 0700 folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key.to_json())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class ReplacedSpan:
    """One replacement: ``text[start:end]`` became ``output[out_start:out_end] == placeholder``."""

    start: int
    end: int
    type: str
    placeholder: str
    out_start: int
    out_end: int


@dataclass(frozen=True)
class PseudonymizedText:
    """The pseudonymised text and its replaced spans (offsets in both texts)."""

    text_pseudonymized: str
    replaced: tuple[ReplacedSpan, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (no original text)."""
        return {"text_pseudonymized": self.text_pseudonymized, "replaced": [asdict(r) for r in self.replaced]}

    def to_original(self, out_pos: int) -> int:
        """Map an offset in the pseudonymised text back to the input text."""
        shift = 0
        for span in self.replaced:
            if out_pos < span.out_start:
                break
            if out_pos < span.out_end:
                return span.start
            shift = span.end - span.out_end
        return out_pos + shift


def apply_spans(text: str, spans: Sequence[tuple[int, int, str]], key: PseudonymKey) -> PseudonymizedText:
    """Replace non-overlapping ``(start, end, label)`` spans of ``text`` with the key's placeholders."""
    parts, replaced, cursor, out_len = [], [], 0, 0
    for start, end, label in sorted(spans):
        if start < cursor:
            continue
        placeholder = key.placeholder_for(label, text[start:end])
        parts.append(text[cursor:start])
        out_len += start - cursor
        replaced.append(ReplacedSpan(start, end, label, placeholder, out_len, out_len + len(placeholder)))
        parts.append(placeholder)
        out_len += len(placeholder)
        cursor = end
    parts.append(text[cursor:])
    return PseudonymizedText("".join(parts), tuple(replaced))


def _label_of(placeholder: str) -> str:
    return "PERSON" if placeholder.startswith("[PERSON") else placeholder.strip("[]")


def _matchable(original: str, placeholder: str) -> bool:
    """Whether a key entry is worth looking for: 3+ characters, a letter, not a generic word.

    Older keys may hold junk ("+", "Job", "Børn"); matching those would replace ordinary words
    everywhere, so they are ignored. Contact data (e-mail, phone, CPR, ...) is always matched.
    """
    from hoi_nlp.nlp.entity_filter import is_generic_phrase

    if placeholder in ("[EMAIL]", "[TELEFON]", "[CPR]", "[ADRESSE]", "[LINK]"):
        return len(original) >= 3
    return len(original) >= 3 and any(ch.isalpha() for ch in original) and not is_generic_phrase(original)


def _known_originals(key: PseudonymKey) -> dict[str, str]:
    """Originals (and the parts of person names) the key knows, each with its entity label."""
    from hoi_nlp.nlp.gazetteers import person_names
    from hoi_nlp.nlp.ner import is_common_word

    names = person_names()
    known = {orig: _label_of(ph) for orig, ph in key.originals.items() if _matchable(orig, ph)}
    for orig, ph in key.originals.items():
        if ph.startswith("[PERSON"):
            for part in _GENITIVE.sub("", orig).split():
                if len(part) >= 3 and part[0].isupper() and (part in names or not is_common_word(part)) \
                        and _matchable(part, ph):
                    known.setdefault(part, "PERSON")
    return known


def _pattern_for(words: Iterable[str]) -> re.Pattern[str] | None:
    alternatives = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?:'s|’s|s|'|’)?(?![\w])")


def find_originals(text: str, key: PseudonymKey) -> list[tuple[int, int, str]]:
    """Occurrences in ``text`` of any original the key has replaced before (case-sensitive)."""
    pattern, known = key.known_pattern()
    if pattern is None:
        return []
    found = []
    for match in pattern.finditer(text):
        base = _GENITIVE.sub("", match.group())
        stem = base[:-1] if base.endswith("s") else base
        label = known.get(match.group()) or known.get(base) or known.get(stem)
        found.append((match.start(), match.end(), label or "NAVN"))
    return found


def assert_no_leak(text: str, key: PseudonymKey) -> list[str]:
    """Originals from ``key`` that occur in ``text`` (empty list: nothing leaks)."""
    return sorted({text[s:e] for s, e, _ in find_originals(text, key)})


def ensure_no_leak(text: str, key: PseudonymKey, *, where: str = "") -> None:
    """Raise :class:`ExportError` when ``text`` still contains an original from the key."""
    leaks = assert_no_leak(text, key)
    if leaks:
        raise ExportError(f"{len(leaks)} original name(s) would leak into the export", where=where or None,
                          hint="pseudonymise the text again with the study's key before exporting")


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    from hoi_nlp.nlp.ner import PRIORITY

    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            m_start, m_end, m_label = merged[-1]
            best = max(m_label, label, key=lambda x: PRIORITY.get(x, 0))
            merged[-1] = (m_start, max(m_end, end), best)
        else:
            merged.append((start, end, label))
    return merged


def privacy_pipeline_args(settings: Settings, keep_organisations: Sequence[str] | None = None,
                          ) -> tuple[str, str, tuple[str, ...]]:
    """The :func:`hoi_nlp.nlp.ner.load_ner_pipeline` arguments for these settings."""
    keep = keep_organisations if keep_organisations is not None else settings.pseudonymize.keep_organisations
    return settings.nlp.ner_model, settings.nlp.pipeline, tuple(keep)


class Pseudonymizer:
    """Pseudonymise texts with the privacy NER pipeline and a study key."""

    def __init__(self, *, key: PseudonymKey, nlp: Language | None = None,
                 keep_organisations: Sequence[str] | None = None, processes: int | None = None) -> None:
        from hoi_nlp.nlp.ner import load_ner_pipeline
        from hoi_nlp.settings import load_settings

        settings = load_settings()
        self.key = key
        # Helper processes can rebuild the pipeline only when it is the configured one.
        self._pipeline_args = None if nlp is not None else privacy_pipeline_args(settings, keep_organisations)
        self.nlp = nlp or load_ner_pipeline(*self._pipeline_args)
        self.processes = settings.pseudonymize.processes if processes is None else processes

    def _finish(self, text: str, spans: list[tuple[int, int, str]]) -> PseudonymizedText:
        for start, end, label in spans:
            self.key.placeholder_for(label, text[start:end])
        return apply_spans(text, _merge(spans + find_originals(text, self.key)), self.key)

    def pseudonymize(self, text: str) -> PseudonymizedText:
        """Pseudonymise one text."""
        from hoi_nlp.nlp.ner import entity_spans

        return self._finish(text, entity_spans(self.nlp(text)))

    def pseudonymize_many(self, texts: Iterable[str]) -> list[PseudonymizedText]:
        """Pseudonymise many texts (batched; large batches use ``processes`` cores for the NER).

        Placeholders are handed out in text order whatever the number of processes.
        """
        from hoi_nlp.nlp.ner import detect_entity_spans

        texts = list(texts)
        helpers = max(0, min(self.processes, os.cpu_count() or 1) - 1)
        spans = detect_entity_spans(texts, self.nlp, helpers=helpers, pipeline_args=self._pipeline_args)
        return [self._finish(text, found) for text, found in zip(texts, spans, strict=True)]


def pseudonymize_text(text: str, *, key: PseudonymKey, nlp: Language | None = None) -> PseudonymizedText:
    """Pseudonymise ``text`` with ``key`` (updated in memory; save it with :func:`save_key`)."""
    return Pseudonymizer(key=key, nlp=nlp).pseudonymize(text)


def pseudonymize_records(records: Sequence[tuple[str, str]], *, workspace: Workspace,
                         nlp: Language | None = None) -> dict[str, PseudonymizedText]:
    """Pseudonymise ``(id, text)`` records with the workspace's key, then save the key."""
    path = key_path(workspace)
    key = load_key(path, study=workspace.root.name)
    results = Pseudonymizer(key=key, nlp=nlp).pseudonymize_many([text for _, text in records])
    save_key(key, path)
    return {rid: result for (rid, _), result in zip(records, results, strict=True)}

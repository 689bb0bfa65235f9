"""Pseudonymise Danish text for export: typed placeholders, one key per study kept apart.

Persons become "[PERSON 1]", "[PERSON 2]" (numbered consistently across a study), places
"[KOMMUNE]", "[REGION]", "[STED]", units "[ENHED]"/"[JOBCENTER]"/"[ORGANISATION]", contact data
"[EMAIL]", "[TELEFON]", "[CPR]", "[ADRESSE]", "[LINK]". National bodies stay. Every replaced span
records its offsets in the input and in the output, so the mapping is exact.

The :class:`PseudonymKey` (placeholder <-> originals) lives in the workspace's ``keys/`` folder
(dir 0700, file 0600), never next to exports. :func:`assert_no_leak` is the exports' last check.
"""

from __future__ import annotations

import bisect
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hoi_nlp.errors import ExportError
from hoi_nlp.privacy.key import GENITIVE, PLACEHOLDERS, PseudonymKey, unglued

if TYPE_CHECKING:
    from spacy.language import Language

    from hoi_nlp.settings import Settings

logger = logging.getLogger(__name__)

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
    """Replace non-overlapping ``(start, end, label)`` spans of ``text`` with the key's placeholders (a
    :data:`~hoi_nlp.privacy.recognise.HERE_ONLY` span with «[NAVN]», which the key does not learn)."""
    from hoi_nlp.privacy.recognise import HERE_ONLY

    parts, replaced, cursor, out_len = [], [], 0, 0
    for start, end, label in sorted(spans):
        if start < cursor:
            continue
        kind, placeholder = ("NAVN", PLACEHOLDERS["NAVN"]) if label == HERE_ONLY else \
            (label, key.placeholder_for(label, text[start:end]))
        parts.append(text[cursor:start])
        out_len += start - cursor
        replaced.append(ReplacedSpan(start, end, kind, placeholder, out_len, out_len + len(placeholder)))
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
    from hoi_nlp.privacy.entity_filter import is_generic_phrase

    if placeholder in ("[EMAIL]", "[TELEFON]", "[CPR]", "[ADRESSE]", "[LINK]"):
        return len(original) >= 3
    return len(original) >= 3 and any(ch.isalpha() for ch in original) and not is_generic_phrase(original)


def _abbreviation_as_person(original: str, placeholder: str, names: frozenset[str]) -> bool:
    """A person entry that is a word or abbreviation of the field in capitals ("TR", "PRIS", "LMU"), which an
    older version learnt from a memo signed or opened with it ("/TR", "PRIS:"): no name to look for
    elsewhere (a first name in capitals, "/LISE", still is one)."""
    from hoi_nlp.privacy.recognise import is_initials

    return (placeholder.startswith("[PERSON") and original.isupper() and len(original) <= 4
            and original.capitalize() not in names and not is_initials(original))


def _known_originals(key: PseudonymKey) -> dict[str, str]:
    """Originals (and the parts of person names) the key knows, each with its entity label; names
    the metadata gives (``key.pinned``) whatever their length ("Ry"), and a person's initials ("KJ",
    learnt from a memo signed "/KJ", not from a line opened "KJ:" or a speaker's label; never a word or
    abbreviation of the field such as "IT", "OK" or "HF")."""
    from hoi_nlp.privacy.gazetteers import person_names
    from hoi_nlp.privacy.recognise import is_common_word, is_initials, is_lower_case_word, name_case

    names = person_names()
    known = {orig: _label_of(ph) for orig, ph in key.originals.items()
             if (_matchable(orig, ph) and not _abbreviation_as_person(orig, ph, names))
             or (orig in key.pinned and len(orig) >= 2)
             or (ph.startswith("[PERSON") and orig in key.signed and is_initials(orig))}
    for orig, ph in key.originals.items():
        if ph.startswith("[PERSON"):
            for part in GENITIVE.sub("", orig).split():
                if len(part) >= 3 and part[0].isupper() and (part in names or not is_common_word(part)) \
                        and _matchable(part, ph):
                    known.setdefault(part, "PERSON")
                elif len(part) >= 3 and part.islower() and name_case(part) in names \
                        and not is_lower_case_word(part):
                    # «hansen» of «per hansen» (learnt as written) is «Hansen»; «per», a word, stays a word
                    known.setdefault(name_case(part), "PERSON")
        elif ph == "[EMAIL]":
            for name in names_in_email(orig):
                known.setdefault(name, "PERSON")
    return known


def names_in_email(address: str) -> list[str]:
    """First names an e-mail address spells out ("anne-mette.kjaersgaard@fanoe.dk" -> "Anne-Mette"):
    pieces of its local part whose every part is a known first or last name and no ordinary word."""
    from hoi_nlp.privacy.gazetteers import person_names
    from hoi_nlp.privacy.recognise import is_common_word

    names = person_names()
    found = []
    for piece in re.split(r"[._+]", address.split("@", 1)[0]):
        name = "-".join(part.capitalize() for part in piece.split("-"))
        if len(piece) >= 3 and name.replace("-", "").isalpha() and not is_common_word(piece) \
                and all(part in names for part in name.split("-")):
            found.append(name)
    return found


PLACE_LABELS = frozenset({"KOMMUNE", "STED"})
# names the key also learns as written apart when the text glued their words ("jensHansen", "int_bodil_hjort")
GLUED_LABELS = frozenset({"PERSON", "KOMMUNE", "STED"})
# "i ry", "fra skive": after these a lower-case municipality that is also an ordinary word is the place
PLACE_PREPOSITION = re.compile(r"(?:^|[^\w])(?:i|fra|på)\s+$", re.IGNORECASE)


def _caseless(original: str, label: str, key: PseudonymKey) -> bool:
    """Whether ``original`` is a name to look for in any case ("karl johan", "sorø-teamet"): a name
    the metadata gives, a municipality or place the gazetteer knows, or a person whose every name part
    is a known first or last name, or of two or more words one of which is, the others no ordinary words
    ("amira hansen": a first name outside the lists beside a listed surname). Other entries (the
    recogniser's guesses, "Livsmestring" as [NAVN]) are matched as written only, so ordinary lower-case
    words are not replaced."""
    from hoi_nlp.privacy.gazetteers import person_names, place_words
    from hoi_nlp.privacy.recognise import is_common_word, name_case

    if original in key.pinned:
        return True
    if label in PLACE_LABELS:
        return original in place_words()
    if label == "PERSON":
        names = person_names()
        parts = [p for word in original.split() for p in word.split("-")]
        listed = [p in names or name_case(p) in names for p in parts]  # «per hansen» as written too
        if len(original.split()) < 2:
            return bool(parts) and all(listed)
        return any(listed) and all(known or (p.isalpha() and not is_common_word(p))
                                   for p, known in zip(parts, listed, strict=True))
    return False


def _caseless_spellings(known: dict[str, str], key: PseudonymKey) -> dict[str, str]:
    """The names to look for in any case, in every spelling, with their labels; an ordinary word
    ("karl", "holm") or a name that is a word in lower case ("max", "frank") only when it is the study's own
    place ("ry", found after "i", "fra" or "på")."""
    from hoi_nlp.privacy.recognise import is_lower_case_word

    pinned = {p.casefold() for p in key.pinned}
    found = {spelling: label for orig, label in known.items() if _caseless(orig, label, key)
             for spelling in ascii_spellings(orig)
             if not is_lower_case_word(spelling) or (spelling in pinned and label in PLACE_LABELS)}
    for orig, label in known.items():  # a person's name glued as handles and ids glue it ("jensHansen")
        if label == "PERSON":
            for spelling in ascii_spellings(orig):
                found.update(dict.fromkeys(glued_spellings(spelling), label))
    return found


def _all_listed(name: str) -> bool:
    """Whether every word of a name in lower case is a listed first or last name («mette hansen»: learnt as
    «Mette Hansen»; never «coaching hansen», whose capitalised «Coaching» the key would hide everywhere)."""
    from hoi_nlp.privacy.recognise import listed_words

    return all(listed for _, listed in listed_words(name))


def glued_spellings(name: str) -> set[str]:
    """A name of two or more words glued as handles and ids glue them, case-folded ("jens hansen" ->
    jenshansen, jens_hansen, jens.hansen, jens-hansen; surname first too: hansen_jens, hansen.jens), less
    ordinary words; none for a name of one word."""
    from hoi_nlp.privacy.recognise import is_common_word

    words = GENITIVE.sub("", name).casefold().split()
    if len(words) < 2 or not all(word.replace("-", "").isalpha() for word in words):
        return set()
    surname_first = [words[-1], *words[:-1]]
    glued = {join.join(words) for join in ("", "_", ".", "-")} | {join.join(surname_first) for join in "_."}
    return {spelling for spelling in glued if not is_common_word(spelling)}


@dataclass(frozen=True)
class KnownMatcher:
    """The key's originals as two patterns: as written, and in any case (names only)."""

    stamp: tuple[int, int]
    exact: re.Pattern[str] | None
    known: dict[str, str]
    caseless: re.Pattern[str] | None
    caseless_known: dict[str, str]
    id_names: frozenset[tuple[str, ...]]
    pinned_forms: frozenset[str]  # the metadata's names, case-folded


def _pattern_for(words: Iterable[str], *, ignore_case: bool = False) -> re.Pattern[str] | None:
    alternation = trie_alternation(words)
    if not alternation:
        return None
    # "_" separates words here: "interview_Ballerup_Henrik.docx" holds "Ballerup" and "Henrik"
    return re.compile(r"(?<![^\W_])(?:" + alternation + r")(?:'s|’s|s|'|’)?(?![^\W_])",
                      re.IGNORECASE if ignore_case else 0)


def trie_alternation(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, as a trie: "Anne", "Anne Marie", "Anders" become
    ``An(?:ders|ne(?: Marie)?)``. It matches what the plain alternation sorted longest first
    matches (of the words matching at one place, one is a prefix of the other, and the greedy
    optional groups try the longer first), but Python's regex engine need not try every word at
    every character: the leak check reads a 10k study's exports about four times faster."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return f"(?:{body})?" if len(branches) == 1 else body + "?"

    return emit(trie)


def known_matcher(key: PseudonymKey) -> KnownMatcher:
    """Compiled patterns over the key's originals (rebuilt only when the key has changed)."""
    stamp = (len(key.originals), len(key.pinned), key.generation)
    if not isinstance(key.matcher, KnownMatcher) or key.matcher.stamp != stamp:
        known = _known_originals(key)
        caseless = _caseless_spellings(known, key)
        key.matcher = KnownMatcher(stamp, _pattern_for(known), known,
                                   _pattern_for(caseless, ignore_case=True), caseless, _id_names(known, key),
                                   frozenset(p.casefold() for p in key.pinned))
    return key.matcher


def _label(found: str, known: dict[str, str], *, fold: bool = False) -> str | None:
    base = GENITIVE.sub("", found)
    stem = base[:-1] if base.endswith("s") else base
    forms = (found, base, stem)
    return next((known[f.casefold() if fold else f] for f in forms if (f.casefold() if fold else f) in known),
                None)


# Lower-case place names that are, after i/fra/på too, everyday Danish far more often than the place:
# "det står i vejen for os", "på vejen" ("in the way", "on the way") — barrier talk is full of them.
IDIOM_PLACES = frozenset({"vejen"})


def _is_own_place(word: str, label: str, matcher: KnownMatcher) -> bool:
    form = GENITIVE.sub("", word).casefold()
    return label in PLACE_LABELS and form in matcher.pinned_forms and form not in IDIOM_PLACES


def _after_place_preposition(text: str, start: int) -> bool:
    return PLACE_PREPOSITION.search(text, max(0, start - 8), start) is not None


def _overlaps(spans: list[tuple[int, int, str]], starts: list[int], start: int, end: int) -> bool:
    """Whether ``start:end`` overlaps one of the sorted, non-overlapping ``spans`` without holding it
    whole (a glued name, «amira.hansen», holds the surname found as written inside it)."""
    i = bisect.bisect_right(starts, start) - 1
    before = i >= 0 and spans[i][1] > start and spans[i][0] < start
    j = bisect.bisect_left(starts, end) - 1  # the last span starting before ``end``
    return before or (j >= 0 and spans[j][0] >= start and spans[j][1] > end)


def _names_any_case(text: str, matcher: KnownMatcher,
                    taken: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Names written in another case or without æ, ø, å ("karl johan", "SORØ", "fanoe"): an ordinary
    word in lower case ("ry", "lise", "bo") is left, except the study's own municipality or place (one
    the metadata names) right after "i", "fra" or "på" ("i ry", but "i vejen" is "in the way")."""
    from hoi_nlp.privacy.recognise import is_common_word

    if matcher.caseless is None:
        return []
    found = []
    starts = [s for s, _, _ in taken]  # sorted, not overlapping
    for match in matcher.caseless.finditer(text):
        start, end = match.span()
        if _overlaps(taken, starts, start, end):
            continue
        label = _label(match.group(), matcher.caseless_known, fold=True) or "NAVN"
        word = match.group()
        common = is_common_word(word) or is_common_word(GENITIVE.sub("", word))
        if common and not (_is_own_place(word, label, matcher) and _after_place_preposition(text, start)):
            continue
        found.append((start, end, label))
    return found


def find_originals(text: str, key: PseudonymKey) -> list[tuple[int, int, str]]:
    """Occurrences in ``text`` of any original the key has replaced before: as written, and names
    (persons, places, the metadata's names) in any case where that is no ordinary word."""
    matcher = known_matcher(key)
    if matcher.exact is None:
        return []
    found = [(m.start(), m.end(), _label(m.group(), matcher.known) or "NAVN")
             for m in matcher.exact.finditer(text)]
    wider = _names_any_case(text, matcher, found)
    if wider:  # a name found as written inside a longer one found in any case is that one
        held = [(start, end) for start, end, _ in wider]
        found = [s for s in found if not within(held, s[0], s[1])]
    return outside_placeholders(text, sorted(found + wider))


# A placeholder already in a text ("[KOMMUNE]", "[PERSON 3]": an example a reviewer without rights
# took from a pseudonymised quote) is no name: its word is neither learnt nor replaced again.
PLACEHOLDER_IN_TEXT = re.compile(r"\[(?:" + "|".join(sorted({*PLACEHOLDERS, "PERSON"})) + r")(?: \d+)?\]")


def outside_placeholders(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``spans`` less those inside a placeholder the text already holds."""
    if "[" not in text:
        return spans
    held = [(m.start(), m.end()) for m in PLACEHOLDER_IN_TEXT.finditer(text)]
    return [s for s in spans if not within(held, s[0], s[1])] if held else spans


def within(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``start:end`` lies inside one of ``spans`` (sorted and not overlapping, as a regex finds
    them): the one starting last at or before ``start`` is the only one that can hold it (a bisection,
    where testing each span made a whole exported file's check quadratic)."""
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i >= 0 and end <= spans[i][1]


ID_PART = re.compile(r"[^\W\d_]+|\d+")
_CAMEL = re.compile(r"(?<=[a-zæøå])(?=[A-ZÆØÅ])")
# how Danes spell æ, ø and å in file names and ids ("int_fanoe_bette", "aarhus_02", "Soro")
ASCII_SPELLINGS = {"æ": ("ae",), "ø": ("oe", "o"), "å": ("aa", "a")}
ID_NAME_LABELS = frozenset({"PERSON", "KOMMUNE", "STED"})


def id_parts(value: str) -> tuple[str, ...]:
    """The word parts of an id, case-folded: split on "_", "-", ".", spaces, where digits start or
    end and where a capital follows a small letter ("Lejre-02:7_fanoe_vejle" -> lejre, 02, 7, fanoe, vejle;
    "InterviewLiseBerg" -> interview, lise, berg)."""
    return tuple(ID_PART.findall(_CAMEL.sub(" ", value).casefold()))


def ascii_spellings(word: str) -> set[str]:
    """``word`` case-folded and as written without æ, ø, å ("Fanø" -> fanø, fanoe, fano)."""
    spellings = {word.casefold()}
    for letter, replacements in ASCII_SPELLINGS.items():
        spellings |= {s.replace(letter, r) for s in spellings for r in replacements}
    return spellings


def _id_names(known: dict[str, str], key: PseudonymKey) -> frozenset[tuple[str, ...]]:
    """The key's names as id parts, in every spelling: persons, municipalities and places, and the
    metadata's names (not the recogniser's other guesses, nor single ordinary words, so a question id
    "3_livsmestring" stays readable)."""
    from hoi_nlp.privacy.recognise import is_common_word

    names = set()
    for original, label in known.items():
        if not (original in key.pinned or _caseless(original, label, key)
                or (label in ID_NAME_LABELS and not is_common_word(original))):
            continue
        names |= {parts for spelling in ascii_spellings(original) if (parts := id_parts(spelling))}
    return frozenset(names)


@lru_cache(maxsize=4)
def _lengths(names: frozenset[tuple[str, ...]]) -> frozenset[int]:
    """How many id parts the names have (once per set of names, not once per id asked about)."""
    return frozenset(len(name) for name in names)


# the first letter of a word in lower case ("bodil hjort"), capitalised by :meth:`Pseudonymizer.learn_names`
_TITLE_WORD = re.compile(r"(?<![^\W\d_])[a-zæøå]")


def _ordinary_words(span: str) -> bool:
    """Whether every word of ``span`` is an ordinary word or one of the field ("Samarbejde Jobcenter",
    "Vejen"): in an id naming no person a question's or a unit's words, not a name to hide everywhere."""
    from hoi_nlp.privacy.entity_filter import is_generic_word
    from hoi_nlp.privacy.recognise import is_common_word

    return all(is_common_word(word) or is_generic_word(word) for word in span.replace("-", " ").split())


def _abbreviation(word: str, is_initials: Callable[[str], bool]) -> bool:
    """Two to four capitals that are no one's initials: a role label or an abbreviation of the field ("IP",
    "HF"), whatever the model took it for in an id ("IP_Lise_Ærø")."""
    return word.isupper() and len(word) <= 4 and not is_initials(word)


def _agrees(known: Sequence[tuple[int, int, str, str]], start: int, end: int, label: str) -> bool:
    """Whether a span of the recogniser agrees with the gazetteers' names it overlaps: the same label, and
    starting where the first of them starts ("Mohammed Al-Hassan" over "Mohammed"; not "Søren Ærø" as a
    municipality over the person "Søren", nor "Interview Lærer Hanne" over "Hanne")."""
    overlaps = [k for k in known if k[0] < end and start < k[1]]
    return not overlaps or (overlaps[0][0] == start and all(k[2] == label for k in overlaps))


def _within_known(known: Sequence[tuple[int, int, str, str]], start: int, end: int) -> bool:
    """Whether ``start:end`` lies inside a name the gazetteers found (learnt as they write it already)."""
    return any(k[0] <= start and end <= k[1] for k in known)


def holds_name(value: str, key: PseudonymKey) -> bool:
    """Whether an id holds a name the key knows, in any case or ASCII spelling, as whole word parts
    ("int_fanoe_bette" holds "Fanø" and "Bette"; "interview_02" holds none), also decomposed as a Mac
    writes file names ("Ta\u030arnby")."""
    value = unicodedata.normalize("NFC", value)
    if find_originals(value, key):
        return True
    names = known_matcher(key).id_names
    parts = id_parts(value)
    lengths = _lengths(names)
    return any(parts[i:i + n] in names for n in lengths for i in range(len(parts) - n + 1))


def assert_no_leak(text: str, key: PseudonymKey) -> list[str]:
    """Originals from ``key`` that occur in ``text`` (empty list: nothing leaks)."""
    return sorted({text[s:e] for s, e, _ in find_originals(text, key)})


def ensure_no_leak(text: str, key: PseudonymKey, *, where: str = "") -> None:
    """Raise :class:`ExportError` when ``text`` still contains an original from the key."""
    leaks = assert_no_leak(text, key)
    if leaks:
        raise ExportError(f"{len(leaks)} original name(s) would leak into the export", where=where or None,
                          hint="pseudonymise the text again with the study's key before exporting")


def merge_spans(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    from hoi_nlp.privacy.recognise import PRIORITY

    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            m_start, m_end, m_label = merged[-1]
            best = max(m_label, label, key=lambda x: PRIORITY.get(x, 0))
            merged[-1] = (m_start, max(m_end, end), best)
        else:
            merged.append((start, end, label))
    return merged


def privacy_pipeline_args(settings: Settings) -> tuple[str, str, tuple[str, ...]]:
    """The :func:`hoi_nlp.privacy.recognise.load_ner_pipeline` arguments for these settings."""
    return settings.nlp.ner_model, settings.nlp.pipeline, tuple(settings.pseudonymize.keep_organisations)


class Pseudonymizer:
    """Pseudonymise texts with the privacy NER pipeline of ``settings`` (or ``nlp``) and a study key."""

    def __init__(self, *, key: PseudonymKey, settings: Settings, nlp: Language | None = None) -> None:
        from hoi_nlp.privacy.recognise import load_ner_pipeline, load_patterns_pipeline

        self.key = key
        patterns = settings.pseudonymize.recogniser == "patterns"
        # Helper processes can rebuild the pipeline only when it is the configured statistical one.
        self._pipeline_args = None if nlp is not None or patterns else privacy_pipeline_args(settings)
        if nlp is None:
            keep = tuple(settings.pseudonymize.keep_organisations)
            nlp = (load_patterns_pipeline(keep) if patterns
                   else load_ner_pipeline(*privacy_pipeline_args(settings)))
        self.nlp = nlp
        self.processes = settings.pseudonymize.processes

    def _learn(self, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Record the originals of ``spans`` in the key (so they are found in every other text); the
        word of a placeholder the text already holds is none."""
        from hoi_nlp.privacy.recognise import HERE_ONLY, is_initials, is_lower_case_word, name_case

        spans = outside_placeholders(text, spans)
        for start, end, label in spans:
            if label == HERE_ONLY:
                continue  # «Leder» of «Mette Hansen;Leder»: hidden in this text only
            original = text[start:end]
            self.key.placeholder_for(label, original)
            if label in GLUED_LABELS and (name := unglued(original)) != original:
                self.key.placeholder_for(label, name)  # "jensHansen": Jens Hansen, wherever written so
            elif label == "PERSON" and original.islower() and " " in original and _all_listed(original) \
                    and not is_lower_case_word(original.split()[0]):
                # «mette hansen»: «Mette Hansen», whose «Mette» and «Hansen» are looked for alone; never «hans
                # jensen» («Hans» alone would be hidden at every sentence's start: the name in any case only)
                self.key.placeholder_for(label, " ".join(name_case(word) for word in original.split()))
            if label == "PERSON" and start and is_initials(text[start:end]) and (
                    text[start - 1] == "/" or (text[start - 1] == "(" and text[end:end + 1] == ")")):
                self.key.sign(text[start:end])  # "… /KJ", "Mette Skov (MS)": surely someone's initials
        return [(start, end, label) for start, end, label in spans]

    def _finish(self, text: str, spans: list[tuple[int, int, str]]) -> PseudonymizedText:
        return apply_spans(text, merge_spans(self._learn(text, spans) + find_originals(text, self.key)),
                           self.key)

    def recognise_many(self, texts: Sequence[str], *,
                       done: Callable[[int], None] | None = None) -> list[list[tuple[int, int, str]]]:
        """The recogniser's entity spans in each text (the key learns their originals), without the key pass.

        ``done(n)`` is called as each chunk of ``n`` texts is finished (progress).
        """
        from hoi_nlp.privacy.recognise import detect_entity_spans

        texts = list(texts)
        distinct = list(dict.fromkeys(texts))  # a text's spans depend on the text alone: recognised once
        if done is not None and len(distinct) < len(texts):
            done(len(texts) - len(distinct))
        helpers = max(0, min(self.processes, os.cpu_count() or 1) - 1)
        spans = detect_entity_spans(distinct, self.nlp, helpers=helpers, pipeline_args=self._pipeline_args,
                                    done=done)
        found = dict(zip(distinct, spans, strict=True))
        return [self._learn(text, found[text]) for text in texts]  # the key learns in text order

    def learn_names(self, texts: Iterable[str], labels: Collection[str]) -> None:
        """Let the key learn the names in ``texts`` (file names, ids, the study's name): those the gazetteers
        know, in any case and however the words are joined (:func:`~hoi_nlp.privacy.recognise.id_name_spans`:
        "søren_hansen", "InterviewLiseBerg"), and the entities of ``labels`` the recogniser finds in the text
        as written or with its words capitalised ("bodil hjort" -> "Bodil Hjort") -- not its other guesses,
        nor a span with a digit (to the model an id's "R0084:1.2" may look like a person), nor one the
        gazetteers read otherwise ("Søren Ærø" is a person and a municipality, "Interview Lærer Hanne" no
        person's whole name)."""
        from hoi_nlp.privacy.recognise import detect_entity_spans, id_name_spans, is_initials

        texts = list(dict.fromkeys(texts))
        known = {text: id_name_spans(text) for text in texts}
        for text in texts:
            for _, _, label, name in known[text]:
                self.key.placeholder_for(label, name)
                if label == "PERSON" and is_initials(name):  # "Interview_KJ": surely someone's initials
                    self.key.sign(name)
        titled = {text: _TITLE_WORD.sub(lambda m: m.group().upper(), text) for text in texts}
        variants = list(dict.fromkeys([*texts, *(titled[t] for t in texts if titled[t] != t)]))
        found = dict(zip(variants, detect_entity_spans(variants, self.nlp), strict=True))
        for text in texts:
            persons = {start for start, _, label, _ in known[text] if label == "PERSON"}
            spans = [s for s in found[text] if s[2] in labels]
            # the capitalised text only adds a person's surname to a first name the gazetteers know
            spans += [s for s in found[titled[text]] if s[2] == "PERSON" and s[0] in persons] \
                if titled[text] != text else []
            source = titled[text]
            self._learn(source, [(start, end, label) for start, end, label in spans
                                 if not any(ch.isdigit() for ch in source[start:end])
                                 and not _abbreviation(source[start:end], is_initials)
                                 and (persons or not _ordinary_words(source[start:end]))
                                 and _agrees(known[text], start, end, label)
                                 and not _within_known(known[text], start, end)])

    def pseudonymize(self, text: str) -> PseudonymizedText:
        """Pseudonymise one text."""
        from hoi_nlp.privacy.recognise import entity_spans

        return self._finish(text, entity_spans(self.nlp(text)))

    def pseudonymize_many(self, texts: Iterable[str]) -> list[PseudonymizedText]:
        """Pseudonymise many texts (batched; large batches use ``processes`` cores for the NER).

        Placeholders are handed out in text order whatever the number of processes.
        """
        texts = list(texts)
        spans = self.recognise_many(texts)
        return [apply_spans(text, merge_spans(found + find_originals(text, self.key)), self.key)
                for text, found in zip(texts, spans, strict=True)]

"""Danish NER for privacy: the statistical model plus gazetteers, patterns and heuristics.

:func:`build_ner_pipeline` loads the bundled model (``models/ner_da``, trained on UNER
Danish-DDT) or any installed spaCy/DaCy pipeline with an ``ner`` component, and adds
SpanRulers for municipalities, regions, jobcentres, local units and national bodies, and a
resolver that writes one non-overlapping list of labelled spans to ``doc.spans["hoi_entities"]``,
after :func:`hoi_nlp.privacy.entity_filter.filter_spans` has trimmed them to the name and dropped
generic words ("Psykiatrien", "Familieafdelingen", "KUI").

Labels in ``hoi_entities``: PERSON, KOMMUNE, REGION, STED, ORGANISATION, JOBCENTER, ENHED,
NAVN (a capitalised word that looks like a proper name), EMAIL, TELEFON, CPR, ADRESSE, LINK,
and KEEP (national bodies that may stay).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from hoi_nlp.errors import ModelError
from hoi_nlp.privacy import gazetteers as gaz
from hoi_nlp.privacy.entity_filter import ROLE_WORDS, filter_spans, is_place_compound, is_sentence_initial
from hoi_nlp.settings import resolve_repo_path

logger = logging.getLogger(__name__)

SPANS_KEY = "hoi_entities"
BUNDLED_MODEL = "models/ner_da"
MODEL_LABELS = {"PER": "PERSON", "PERSON": "PERSON", "LOC": "STED", "GPE": "STED", "ORG": "ORGANISATION"}
# The label of a span hidden in its own text only and never taught to the key: a part of a «;» list the model
# read as one person that reads as no name («Leder» of «Mette Hansen;Leder», «SharePoint»); it shows «[NAVN]»
# (:func:`hoi_nlp.privacy.pseudonymize.apply_spans`)
HERE_ONLY = "NAVN_HER"
# Higher wins when overlapping spans are merged into one.
PRIORITY = {"KEEP": 0, HERE_ONLY: 1, "NAVN": 1, "STED": 2, "ORGANISATION": 3, "PERSON": 4, "ENHED": 5,
            "REGION": 6, "KOMMUNE": 7, "JOBCENTER": 8, "LINK": 9, "ADRESSE": 9, "EMAIL": 10, "TELEFON": 10,
            "CPR": 11}
STREET_SUFFIXES = ("gade", "vej", "allé", "alle", "stræde", "plads", "torv", "boulevard", "vænge", "have",
                   "park", "toften", "stien", "bakken", "høj", "gyde", "løkke", "vang", "kær", "engen")
CONTACT_PATTERNS: dict[str, re.Pattern[str]] = {
    # also written to fool harvesters: "mette(at)vejle.dk", "mette [at] vejle [dot] dk"
    "EMAIL": re.compile(r"[\w.+-]+(?:@|\s?[(\[{](?:at|snabel-a)[)\]}]\s?)[\w-]+"
                        r"(?:(?:\.|\s?[(\[{](?:dot|punktum)[)\]}]\s?)[\w-]+)+", re.IGNORECASE),
    "LINK": re.compile(r"(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]"
                       r"|(?<![@\w.])[\w-]+(?:\.[\w-]+)*\.(?:dk|com|org|net|eu|nu|info|io)\b(?:/[^\s<>\"]*[\w/])?"),
    "CPR": re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[- ]?\d{4}(?!\d)"),
    "TELEFON": re.compile(r"(?<![\d+.,-])(?:(?:\+|00)45[ ]?)?(?:\d{2} ?){3}\d{2}(?![\d.,-]\d|\d)"
                          r"|(?<![\d+.,-])(?:(?:\+|00)45[ ]?)?\d{4}[ ]\d{4}(?![\d.,-]\d|\d)"),
    "ADRESSE": re.compile(
        r"\b(?:[A-ZÆØÅ][\w.-]*\s)?(?:[A-ZÆØÅ][\w-]*(?:" + "|".join(STREET_SUFFIXES) + r")"
        r"|(?:Allé|Alle|Vej|Gade|Plads|Torv|Boulevard|Stræde|Vænge|Park))"
        r"\s\d{1,4}[A-Za-z]?\b(?:,?\s(?:st|kl|\d{1,2})\.(?:\s?(?:th|tv|mf)\.?)?)?(?:,?\s\d{4}\s[A-ZÆØÅ]\w+)?"
        # any street name when a house number, a postcode and a town follow ("Flakhaven 2, 5000 Odense")
        r"|\b(?:[A-ZÆØÅ][\w.-]*\s)?[A-ZÆØÅ][\w.-]*\s\d{1,4}[A-Za-z]?,?\s[1-9]\d{3}\s[A-ZÆØÅ]\w+(?:\s[A-ZØKVSN]\b)?"),
}
# National laws ("Beskæftigelsesloven", "Serviceloven") identify nobody.
GENERIC_SUFFIXES = ("loven", "lovens", "lov", "bekendtgørelsen")


def is_role_label(span: Span) -> bool:
    """A lone role/title word ("Direktør", "Kommunaldirektør", "Borgmesteren") names nobody."""
    word = span.text.lower().rstrip(":")
    role = (span.text in ROLE_WORDS or word in gaz.TITLES or word.endswith(("direktør", "direktøren"))
            or word.endswith(GENERIC_SUFFIXES))
    return len(span) == 1 and role




@lru_cache(maxsize=1)
def _common_words() -> frozenset[str] | object:
    from hoi_nlp.nlp.pipeline import danish_lemma_table

    return danish_lemma_table()


def is_common_word(word: str) -> bool:
    """True when the lower-cased ``word`` is an ordinary Danish word form."""
    table = _common_words()
    return word.lower() in table  # type: ignore[operator]


# Listed names that the Danish word list lacks but that are words when written in lower case, in Danish or in
# the English a Danish text quotes ("max 10 minutter", "meget frank og ærlig", "she said", "someone else",
# "lone worker", "the wind"): a name in capitals, never one in lower case. The English verbs and nouns among
# them open no lower-case name either («he said jensen»; :func:`lower_case_name_spans`)
_ENGLISH_WORD_NAMES = frozenset({"said", "wind", "sloth"})
_WORD_NAMES = _ENGLISH_WORD_NAMES | frozenset({"max", "frank", "else", "bent", "lone", "signe", "jan"})


def is_lower_case_word(word: str) -> bool:
    """True when ``word`` written in lower case is a word and no name: an ordinary Danish word form
    (:func:`is_common_word`) or a listed name that is a word as well (:data:`_WORD_NAMES`: "max", "frank")."""
    return is_common_word(word) or word.lower() in _WORD_NAMES


_INITIAL = re.compile(r"^[A-ZÆØÅ]\.(?:'s|’s)?$")


def _is_initial(token: Token) -> bool:
    """"C." followed by a capitalised word or another initial, or a genitive initial "H.'s"."""
    if not _INITIAL.match(token.text):
        return False
    if token.text.endswith("s"):
        return True
    nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return nxt is not None and (nxt.is_title or bool(_INITIAL.match(nxt.text)))


def _after_initial(token: Token) -> bool:
    return token.i > 0 and token.is_title and bool(_INITIAL.match(token.doc[token.i - 1].text))


def _upper_name(token: Token) -> bool:
    """An all-capitals word next to another one, neither an ordinary word ("STEVEN SPIELBERG")."""
    def rare_caps(tok: Token) -> bool:
        return tok.is_upper and tok.is_alpha and len(tok) >= 3 and not is_common_word(tok.text)

    doc = token.doc
    neighbours = [doc[j] for j in (token.i - 1, token.i + 1) if 0 <= j < len(doc)]
    return rare_caps(token) and any(rare_caps(n) for n in neighbours)


def _hyphen_name(text: str) -> bool:
    return "-" in text and any(part in gaz.person_names() for part in text.split("-"))


def looks_like_name(token: Token) -> bool:
    """A capitalised word that is no ordinary Danish word; sentence-initial ones must be rarer still."""
    text = token.text
    if not (text[:1].isupper() or token.is_title):  # every test below needs a capital letter
        return False
    if _is_initial(token) or _after_initial(token) or _upper_name(token) or (
            _hyphen_name(text) and text[:1].isupper()):
        return True
    if not text[:1].isupper() or not token.is_title or len(text) < 2 or text in ROLE_WORDS:
        return False
    base = text.rstrip("'’")
    if is_sentence_initial(token):
        return len(base) >= 3 and not is_common_word(base) and not is_common_word(base.removesuffix("s"))
    return not is_common_word(base.removesuffix("s")) or base in gaz.last_names()


def _known_name(token: Token) -> bool:
    text = token.text.rstrip("'’")
    if not text[:1].isupper():  # the name lists are in title case
        return False
    names = gaz.person_names()
    base = text[:-1] if text.endswith("s") and text[:-1] in names else text
    if base not in names:
        return False
    return not is_sentence_initial(token) or not is_common_word(base) or _from_somewhere(token)


def _from_somewhere(token: Token) -> bool:
    """A name followed by "fra" ("Bo fra IT siger …"): a person, even where the name is an ordinary
    word ("bo") at the start of a sentence."""
    nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return nxt is not None and nxt.lower_ == "fra"


def name_spans(doc: Doc) -> list[Span]:
    """Runs of gazetteer first/last names, extended over adjacent capitalised words and initials."""
    spans, i = [], 0
    while i < len(doc):
        if not _known_name(doc[i]):
            i += 1
            continue
        end = i + 1
        while end < len(doc) and (_known_name(doc[end]) or (doc[end].is_title and looks_like_name(doc[end]))
                                  or re.fullmatch(r"[A-ZÆØÅ]\.", doc[end].text)):
            end += 1
        spans.append(Span(doc, i, end, label="PERSON"))
        i = end
    return spans


def contact_spans(doc: Doc) -> list[Span]:
    """E-mail, links, CPR, phone numbers and street addresses found by regular expressions."""
    spans = []
    for label, pattern in CONTACT_PATTERNS.items():
        for match in pattern.finditer(doc.text):
            span = doc.char_span(match.start(), match.end(), label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
    return spans


def compound_place_spans(doc: Doc) -> list[Span]:
    """Hyphen compounds that start with a municipality or place ("Gladsaxe-modellen", "Padborg-teamet")."""
    spans = []
    for token in doc:
        head = token.text.split("-", 1)[0]
        if "-" not in token.text or not head[:1].isupper():
            continue
        word = gaz._strip_genitive(head)
        label = "KOMMUNE" if word in gaz.municipality_words() else "STED" if word in gaz.place_words() else ""
        if label:
            spans.append(Span(doc, token.i, token.i + 1, label=label))
    return spans


# The placeholder of a name headed by an institution word: "Hou Kommune" a municipality, "Region Vest" a
# body, every other head ("Hou Skole", "Familiens Hus", "Skovbo Klinik") a local unit.
_INSTITUTION_LABELS = {"kommune": "KOMMUNE", "region": "ORGANISATION"}
# Labels an institution's head overrules: the model's and the heuristics' guesses ("Hou Skole" as a person).
_GUESSED_LABELS = frozenset({"PERSON", "NAVN", "STED", "ORGANISATION"})


def institution_head(word: str) -> str:
    """The institution word that heads ``word`` ("skole" of "Skole", "Skoles", "Ungdomsskole"), or ""
    (also for a known person or place: "Blokhus" is a town)."""
    base = word.rstrip("'’")
    if base in gaz.person_names() or base in gaz.place_words():
        return ""
    lower = base.lower()
    for form in dict.fromkeys((lower, lower[:-1] if lower.endswith("s") else lower)):
        if form in gaz.INSTITUTION_HEADS:
            return form
        found = next((h for h in gaz.INSTITUTION_HEADS if len(h) >= 5 and form.endswith(h)
                      and len(form) - len(h) >= 3), "")
        if found:
            return found
    return ""


# Institution words that are Danish surnames too ("Birgitte Skole").
_SURNAME_HEADS = frozenset({"skole"})
# Words before a unit's name that point at the place ("på Birgitte Skole", "til Birgitte Skole").
_PLACE_WORDS_BEFORE = frozenset({"på", "i", "fra", "til", "ved", "mod", "gennem", "omkring",
                                 # verbs of visiting or lying somewhere ("Vi besøgte Marie Skole i går")
                                 "besøgte", "besøger", "besøge", "besøgt", "ligger", "lå", "forlod"})


def is_person_with_institution_surname(span: Span) -> bool:
    """A known first name and a surname that is an institution word too ("Birgitte Skole sagde …", "talte
    med Birgitte Skole"), with no preposition, determiner or possessive before it that points at the place
    ("på Birgitte Skole", "vores Birgitte Skole"). A school named after a person takes the genitive
    ("Hans Tausens Skole"): no first name right before the head."""
    if len(span) != 2 or not span[0].is_title or not span[1].is_title:
        return False
    head = span[1].text.rstrip("'’").lower()
    if head not in _SURNAME_HEADS and head.removesuffix("s") not in _SURNAME_HEADS:
        return False
    first = span[0].text
    if first not in gaz.first_names() or first in gaz.place_words():
        return False
    before = span.doc[span.start - 1].lower_ if span.start > 0 else ""
    return before not in _PLACE_WORDS_BEFORE and before not in _INSTITUTION_OPENERS


def institution_label(span: Span) -> str:
    """The label of a name of two or more words headed by an institution word, or the span's own (a person
    whose surname is an institution word: "Birgitte Skole")."""
    if span.label_ not in _GUESSED_LABELS or len(span) < 2:
        return span.label_
    head = institution_head(span[-1].text)
    if head and is_person_with_institution_surname(span):
        return "PERSON"
    return _INSTITUTION_LABELS.get(head, "ENHED") if head else span.label_


def _place_word(word: str) -> bool:
    base = word.rstrip("'’")
    return base not in gaz.person_names() and (
        base in gaz.place_words() or (base.endswith("s") and base[:-1] in gaz.place_words()))


def kind_label(span: Span) -> str:
    """The label the words of a guessed name tell, else its own: a unit for an institution's head, a
    municipality or place for known place words («Fyn», «Skælskør» the model called a person or a body),
    a place for a word headed like a housing area («Finlandsparken», «Nordparken»), a name (no person)
    for ordinary words alone («Tidligt Sammen»)."""
    label = institution_label(span)
    if label != span.label_ or span.label_ not in _GUESSED_LABELS or span.label_ == "STED":
        return label
    words = [t.text for t in span if t.is_alpha or t.text.rstrip("'’").isalpha()]
    if words and all(_place_word(w) for w in words):
        munis = gaz.municipality_words()
        in_munis = all(w.rstrip("'’") in munis or w.rstrip("'’s") in munis for w in words)
        return "KOMMUNE" if in_munis else "STED"
    if len(span) == 1 and span.label_ != "PERSON" and is_place_compound(span.text):
        return "STED"
    if span.label_ == "PERSON" and len(words) >= 2 and len(words) == len(span) and all(
            is_common_word(w) and w not in gaz.person_names() for w in words):
        return "NAVN"  # an initiative's name of ordinary words ("Tidligt Sammen"), no known name in it
    return label


def _with_kind_labels(spans: Iterable[Span]) -> list[Span]:
    return [s if kind_label(s) == s.label_ else Span(s.doc, s.start, s.end, label=kind_label(s))
            for s in spans]


# Words that open a sentence before a capitalised institution word without naming it ("Ny Afdeling", "Vores
# Skole"); any other word there is a name ("Holme Skole", "Strand Skole": ordinary words and names at once).
_INSTITUTION_OPENERS = frozenset({
    "ny", "nye", "vores", "jeres", "deres", "min", "mit", "mine", "din", "dit", "hans", "hendes",
    "den", "det", "de", "en", "et", "hver", "hvert", "alle", "denne", "dette", "disse", "anden", "andet",
    "andre", "gammel",
    "gamle", "samme", "egen", "eget", "lokal", "lokale", "kommunal", "kommunale", "privat", "private",
    "offentlig", "offentlige", "fælles", "stor", "store", "lille", "små", "hele", "første", "sidste", "ene",
    "enhver", "nogle", "mange", "flere", "vor", "specialiseret", "almen", "almene", "særlig", "særlige",
})


def institution_spans(doc: Doc) -> list[Span]:
    """A capitalised word before a capitalised institution word ("Skovbo Klinik", "Familiens Hus"): a unit
    the model may miss. At the start of a sentence the first word must be no determiner or common adjective
    ("Ny Afdeling", "Vores Skole")."""
    spans = []
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if not (token.is_title and prev.is_title and prev.is_alpha) or prev.text in ROLE_WORDS:
            continue
        if not institution_head(token.text) or institution_head(prev.text):
            continue
        if is_sentence_initial(prev) and prev.text.lower() in _INSTITUTION_OPENERS:
            continue
        label = _INSTITUTION_LABELS.get(institution_head(token.text), "ENHED")
        span = Span(doc, prev.i, token.i + 1, label=label)
        spans.append(Span(doc, prev.i, token.i + 1, label="PERSON")
                     if is_person_with_institution_surname(span) else span)
    return spans


# A memo signed with a first name (and a surname or initial) or initials: "… /Bo", "… -Bo", "… – Bo",
# "… /KJ", "/Lise Berg", "/Bo H.", "/MKH", "//Bo", or opened with one: "Bo: tjek citatet", "MKH: …". The
# separator may be glued to the name ("/Bo" is one token).
_SIGNATURE = re.compile(r"([/–—-]{0,2})([A-ZÆØÅ][a-zæøå]+|[A-ZÆØÅ]{2,12})")
_SIGN_MARKS = ("/", "//", "-", "–", "—")


def _line_ends_after(token: Token) -> bool:
    """Only punctuation follows ``token`` on its line."""
    if "\n" in token.whitespace_:
        return True
    for nxt in token.doc[token.i + 1:]:
        if "\n" in nxt.text:
            return True
        if not nxt.is_punct:
            return False
        if "\n" in nxt.whitespace_:
            return True
    return True


def _line_starts_at(token: Token) -> bool:
    prev = token.doc[token.i - 1] if token.i > 0 else None
    return prev is None or "\n" in prev.text or "\n" in prev.whitespace_


# Capitals that open or sign a memo without naming anyone ("NB:", "OBS:", "/MVH").
_MEMO_ABBREVIATIONS = frozenset({
    "NB", "PS", "OBS", "FYI", "MVH", "VH", "TODO", "TLF", "ATT", "SV", "RE", "VS", "MHT", "IFT", "EVT", "BTW",
    "ASAP", "INFO", "MEMO", "NOTE", "NOTAT", "TJEK", "HUSK", "SE", "JF", "JFR", "DVS", "FX", "BLA", "INKL",
    "ØK", "NN", "XX", "XXX",  # «ØK:» the economy; stand-ins for a name not given
})


_INITIALS = re.compile(r"[A-ZÆØÅ]{2,4}")
_ROMAN_NUMERAL = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
# Danish parties' letters and short names: the party's, not a person's initials («Interview_borgmester_SF»).
_PARTY_LETTERS = frozenset({"RV", "KF", "SF", "LA", "KD", "DF", "EL", "NB", "DD", "FG", "ALT", "DKP"})
# Two letters of organisations a study's files are named after that read as initials («Interview_leder_UC»:
# University College; DS, SL, DJ: unions; BR: Borgerrepræsentationen; SD, NT, FH).
_ORGANISATION_LETTERS = frozenset({"UC", "DS", "SL", "DJ", "BR", "SD", "NT", "FH",
                                   # a municipality's committees and bodies («Interview_formand_ØU»)
                                   "ØU", "ÆU", "FU", "PU", "BU", "SU", "TU", "KU", "KK", "RH", "AU", "UU",
                                   "HU", "MU", "EU", "FN"})
# Words between an interview word and letters that name no role («Interview_fra_KK», «Interview_hos_ÆU»)
_NO_ROLE_WORDS = frozenset({"efter", "under", "over", "uden", "mellem", "blandt", "omkring", "inden", "siden",
                            "gennem", "imod", "ifølge", "angående", "vedrørende"})
# Abbreviations of a municipality's own departments and units ("MSB: ventetiden …", Aarhus's magistrates),
# and of the field's systems and bodies ("IKT", "UVM", "PLO"): no one's initials, though they may name a unit
# (the recogniser's business, not the initials')
_UNIT_ABBREVIATIONS = frozenset({
    "MSB", "MBU", "MSO", "MKB", "MTM", "MKL", "SOF", "BØR", "BUU", "BUF", "SUF", "ÆLD", "SUN", "KUF", "TMU",
    "BSF", "SSU", "KFU", "UDV", "ADM", "HR", "IT", "ØKO", "IKT", "UVM", "PLO", "BBR", "OPP", "KTO", "BEK",
})


def is_initials(word: str) -> bool:
    """Two to four capitals that are no word or abbreviation of the field: someone's initials ("KJ",
    "MKH"; not "IT", "KL", "JC", "OK", "PS", "TR", "PRIS", "HF", "HK", "SDU", "MSB", a speaker's role label
    such as "IP" or "INT", a Roman numeral "III")."""
    if not _INITIALS.fullmatch(word) or _ROMAN_NUMERAL.fullmatch(word):
        return False
    from hoi_nlp.privacy.entity_filter import is_generic_word
    from hoi_nlp.privacy.entity_filter import is_role_label as is_speaker_role

    return (word not in ROLE_WORDS and word not in _MEMO_ABBREVIATIONS and word not in _UNIT_ABBREVIATIONS
            and not is_speaker_role(word) and not is_generic_word(word)
            and not is_common_word(word))  # "PRIS:"


def _signature_name(name: str) -> bool:
    """A first name (any case: "Bo", "SØREN") or initials of two to four letters that are no abbreviation of
    the field ("KJ", "MKH"; not "IT", "KL", "JC")."""
    if name.isupper() and len(name) <= 4:
        return is_initials(name)
    return name.capitalize() in gaz.first_names()


def _glued_mark(token: Token, mark: str) -> bool:
    """A sign mark written against the name after a space or at a line's start (" /Bo", not "SSP/PPR")."""
    if mark:  # in the token: "/Bo"
        before = token.doc[token.i - 1] if token.i > 0 else None
        return before is None or bool(before.whitespace_) or "\n" in before.text
    prev = token.doc[token.i - 1] if token.i > 0 else None
    if prev is None or prev.text not in ("/", "//") or prev.whitespace_:
        return False
    before = token.doc[prev.i - 1] if prev.i > 0 else None
    return before is None or bool(before.whitespace_) or "\n" in before.text


def _surname_end(token: Token) -> int:
    """The end of a signature's name: a surname or an initial on the same line ("/Lise Berg", "/Bo H.")."""
    end = token.i + 1
    doc = token.doc
    if "\n" in token.whitespace_ or end >= len(doc):
        return end
    nxt = doc[end]
    if re.fullmatch(r"[A-ZÆØÅ]\.?", nxt.text):  # "H." or "H" "."
        glued_dot = not nxt.text.endswith(".") and end + 1 < len(doc) and doc[end + 1].text == "."
        return end + 2 if glued_dot else end + 1
    if nxt.text[:1].isupper() and nxt.text.isalpha() and (
            nxt.text in gaz.last_names() or nxt.text in gaz.person_names() or not is_common_word(nxt.text)):
        return end + 1
    return end


def signature_spans(doc: Doc) -> list[Span]:
    """The name signing a memo, as a person: "… /Bo", "… – Bo", "… /KJ" at the end of a line, a glued
    "/Bo" or "/MKH" anywhere, "Bo:" or "KJ:" at the start of a line. "Bo", an ordinary word too, is
    otherwise no name at the start of a sentence.

    Three or four capitals opening a line ("MKH:", "SOF:") are as often a unit or a committee the line is
    about ("SOF: ventetiden er lang") as someone's initials: they count only where the text shows a
    pattern of signatures — the same capitals sign it ("/MKH"), or another name or two-letter initials
    sign or open one of its lines ("KJ: enig")."""
    sure, unsure = [], []
    for token in doc:
        match = _SIGNATURE.fullmatch(token.text)
        if match is None or not _signature_name(match.group(2)):
            continue
        prev = doc[token.i - 1].text if token.i > 0 else ""
        marked = bool(match.group(1)) or prev in _SIGN_MARKS
        signed = marked and token.i > 0 and (_line_ends_after(token) or _glued_mark(token, match.group(1)))
        opening = not match.group(1) and _line_starts_at(token) and token.i + 1 < len(doc) \
            and doc[token.i + 1].text == ":"
        if signed:
            sure.append(Span(doc, token.i, _surname_end(token), label="PERSON"))
        elif opening:
            name = match.group(2)
            long_initials = name.isupper() and len(name) >= 3
            (unsure if long_initials else sure).append(Span(doc, token.i, token.i + 1, label="PERSON"))
    signers = {span.text.lstrip("".join(_SIGN_MARKS)).split()[0] for span in sure}
    return sure + [span for span in unsure if span.text in signers or signers - {span.text}]


def bracketed_initials(doc: Doc, spans: Sequence[Span]) -> list[Span]:
    """The person's initials in brackets right after the person ("Mette Skov (MS)", "Hanne Bruun (HB),
    kommunaldirektør", as a transcript's particulars give them): that person's, as a signature's are."""
    found = []
    for span in spans:
        if span.label_ != "PERSON" or span.end + 2 >= len(doc):
            continue
        opening, word, closing = doc[span.end], doc[span.end + 1], doc[span.end + 2]
        if opening.text == "(" and closing.text == ")" and is_initials(word.text) \
                and _initials_of(span.text, word.text):
            found.append(Span(doc, word.i, word.i + 1, label="PERSON"))
    return found


def _initials_of(name: str, initials: str) -> bool:
    """Whether ``initials`` are the name's ("Mette Skov" MS, "Mette Kirstine Hansen" MKH or MH; not a
    party's letters after a politician, "Pia Olsen Dyhr (SF)")."""
    letters = [part[0].upper() for part in re.split(r"[\s-]+", name) if part]
    return bool(letters) and initials in ("".join(letters), letters[0] + letters[-1])


def heuristic_spans(doc: Doc) -> list[Span]:
    """Single capitalised words that look like proper names (labelled NAVN)."""
    return [Span(doc, t.i, t.i + 1, label="NAVN") for t in doc if looks_like_name(t)]


# Finite verbs that make a bare place name opening a sentence its subject: "Skive har en model", "Greve
# satser på" — an ordinary noun there would take an article or the definite form ("En skive", "Skiven").
_SUBJECT_VERBS = frozenset({
    "har", "havde", "er", "var", "kan", "kunne", "skal", "skulle", "vil", "ville", "må", "måtte", "gør",
    "gjorde", "får", "fik", "bruger", "brugte", "arbejder", "arbejdede", "satser", "satsede", "tilbyder",
    "mangler", "manglede", "valgte", "vælger", "startede", "starter", "prøver", "forsøger", "laver", "lavede",
    "samarbejder", "deltager", "deltog", "oplever", "oplevede", "fortæller", "siger", "sagde", "mener",
})
# Ambiguous places whose bare form is a definite noun, a common subject itself ("Vejen er lang").
_DEFINITE_PLACES = frozenset({"Vejen"})
# Verbs of deciding, saying or wanting, with "at" after them ("Tønder besluttede at …", "Lejre svarede, at
# …"): only someone who decides can be their subject, never a road, a barrel or a fire ("Vejen sikrer, at …",
# "Brande forhindrer, at …", "Vejen når at …", "Vejen lover at …"): present and past as written, and the
# participle after "har"/"havde" ("Vejen har besluttet at …"; not "Vejen har formået/nået at …").
_DECIDING_VERBS = frozenset({
    "beslutter", "besluttede", "vedtager", "vedtog", "vælger", "valgte", "siger", "sagde", "meddeler",
    "meddelte", "svarer", "svarede", "oplyser", "oplyste", "ønsker", "ønskede", "planlægger", "planlagde",
    "udtaler", "udtalte", "melder", "meldte", "mener", "mente", "fortæller", "fortalte", "forventer",
    "forventede", "overvejer", "overvejede", "erklærer", "erklærede", "bekræfter", "bekræftede", "agter",
})
_DECIDED = frozenset({
    "besluttet", "vedtaget", "valgt", "sagt", "meddelt", "svaret", "oplyst", "ønsket", "planlagt", "udtalt",
    "meldt", "ment", "fortalt", "forventet", "overvejet", "erklæret", "bekræftet",
})
# Verbs of acting on an institution, a service or staff ("Tønder lukkede skolen", "Skive ansatte en
# koordinator"): done by an authority, never by a barrel, a slice, an otter or a gut ("Tarm lukkede sig"),
# with an object right after them; present and past, and the participle after "har"/"havde"
_ACTING_VERBS = frozenset({
    "lukker", "lukkede", "åbner", "åbnede", "opretter", "oprettede", "ansætter", "ansatte", "etablerer",
    "etablerede", "indfører", "indførte", "nedlægger", "nedlagde", "iværksætter", "iværksatte", "afskediger",
    "afskedigede", "omorganiserer", "omorganiserede", "sammenlægger", "sammenlagde", "udvider", "udvidede",
})
_ACTED = frozenset({
    "lukket", "åbnet", "oprettet", "ansat", "etableret", "indført", "nedlagt", "iværksat", "afskediget",
    "omorganiseret", "sammenlagt", "udvidet",
})
# What may open the object of such a verb ("lukkede en/sin/to skoler", "ansatte en ny direktør")
_OBJECT_OPENERS = frozenset({"en", "et", "den", "det", "de", "sin", "sit", "sine", "alle", "flere", "nye",
                             "hele", "to", "tre", "fire", "fem"})
_NEW = frozenset({"ny", "nyt", "nye"})
# The objects such a verb acts on when an authority acts: a municipality's institutions, services and staff,
# as a word or a compound's end ("ungeenheden"); never any other noun, which an otter, a fire or a count may
# open, close or hire as well ("Odder åbner munden", "Brande lukkede motorvejen", "Greve ansatte en
# godsforvalter"), and the key would then hide the word in every text
_MUNICIPAL_OBJECTS = (
    "skole", "skolen", "skoler", "skolerne", "plejehjem", "plejehjemmet", "plejehjemmene", "bibliotek",
    "biblioteket", "biblioteker", "bibliotekerne", "jobcenter", "jobcentret", "jobcenteret", "daginstitution",
    "daginstitutionen", "daginstitutioner", "daginstitutionerne", "børnehave", "børnehaven", "børnehaver",
    "vuggestue", "vuggestuen", "vuggestuer", "svømmehal", "svømmehallen", "svømmehaller", "botilbud",
    "botilbuddet", "dagtilbud", "dagtilbuddet", "ungdomsklub", "ungdomsklubben", "enhed", "enheden",
    "enheder", "team", "teamet", "teams", "center", "centret", "centeret", "centre", "afdeling", "afdelingen",
    "medarbejder", "medarbejdere", "medarbejderne", "lærer", "lærere", "lærerne", "pædagog", "pædagoger",
    "pædagogerne", "sagsbehandler", "sagsbehandlere", "socialrådgiver", "socialrådgivere", "direktør",
    "direktøren", "koordinator", "koordinatorer", "konsulent", "konsulenter",
)
# Ambiguous places whose word may itself close or open things ("Brande lukkede skolen i tre dage": fires)
_NOT_ACTING = frozenset({"Brande"})
_COPULAS = frozenset({"er", "var", "bliver", "blev"})
_MODALS = frozenset({"kan", "kunne", "skal", "skulle", "vil", "ville", "må", "måtte"})
# Words ending in -e after a copula that are no plural adjective ("Skive er ude/måske/bare/lige …")
_NOT_PLURAL_AGREEMENT = frozenset({"de", "ude", "inde", "oppe", "nede", "hjemme", "ikke", "også", "nu",
                                   "stadig", "måske", "bare", "lige", "mere", "ganske", "meget", "rigtig",
                                   "bedre", "værre", "større", "mindre", "længere", "ældre", "yngre", "færre",
                                   "flere", "dårligere", "hurtige"})


def _plural_agreement(verb: Token) -> bool:
    """A copula followed by a plural adjective that ends the sentence or stands before its plural noun
    ("Odder er gode svømmere", "Brande er sjældne."): the subject is the plural noun. Not where the
    adjective says what the place does ("Lejre er gode til at samarbejde": Danes give a municipality
    plural agreement too), nor a comparative or an adverb ("Odder er bedre end …", "Skive er måske …")."""
    doc = verb.doc
    after = doc[verb.i + 1] if verb.i + 1 < len(doc) else None
    if (verb.lower_ not in _COPULAS or after is None or not after.is_alpha or len(after.text) < 4
            or not after.lower_.endswith("e") or after.lower_ in _NOT_PLURAL_AGREEMENT
            or after.lower_.endswith("ere")):
        return False
    then = doc[after.i + 1] if after.i + 1 < len(doc) else None
    return then is None or then.is_punct or (then.is_alpha and then.lower_.endswith(("ere", "er", "e"))
                                             and then.lower_ not in _NOT_PLURAL_AGREEMENT)


def _decides(verb: Token) -> bool:
    """A verb of deciding or saying with "at" after it (:data:`_DECIDING_VERBS`: "Tønder besluttede at
    lukke", "Vejen svarede, at …", "Tønder har besluttet at …", "Lejre meldte ud, at …")."""
    doc = verb.doc
    k = verb.i + 1
    if verb.lower_ in ("har", "havde") and k < len(doc) and doc[k].lower_ in _DECIDED:
        verb, k = doc[k], k + 1
    elif verb.lower_ not in _DECIDING_VERBS:
        return False
    if k < len(doc) and verb.lower_.startswith("meld") and doc[k].lower_ == "ud":
        k += 1  # "meldte ud, at"
    if k < len(doc) and doc[k].text == ",":
        k += 1
    return k < len(doc) and doc[k].lower_ == "at" and verb.is_lower


def _acts_on(verb: Token) -> bool:
    """A verb of acting with a municipality's institution, service or staff as its object right after it
    (:data:`_ACTING_VERBS`, :data:`_MUNICIPAL_OBJECTS`: "Tønder lukkede skolen", "Skive har ansat en ny
    koordinator"; not "Tarm lukkede sig", "… åbnede op", "Odder åbner munden", "Brande lukkede vejen")."""
    doc = verb.doc
    k = verb.i + 1
    if verb.lower_ in ("har", "havde") and k < len(doc) and doc[k].lower_ in _ACTED:
        k += 1
    elif verb.lower_ not in _ACTING_VERBS or not verb.is_lower:
        return False
    if k < len(doc) and (doc[k].lower_ in _OBJECT_OPENERS or doc[k].like_num):
        k += 1
    if k < len(doc) and doc[k].lower_ in _NEW:
        k += 1
    return k < len(doc) and doc[k].is_lower and doc[k].is_alpha and _municipal_object(doc[k].lower_)


# Fewest letters before a municipal object at a compound's end ("ungeenheden", "folkeskolen")
_MIN_COMPOUND_HEAD = 3


def _municipal_object(word: str) -> bool:
    """A municipality's institution, service or staff (:data:`_MUNICIPAL_OBJECTS`) as a word or a real
    compound's end: at least three letters before the end ("ungeenheden", "folkeskolen", "jobkonsulenter"),
    and no noun in -hed of an adjective in -en that merely ends so ("åbenhed", "forlegenheden",
    "beskedenhed": «åben», «forlegen», «beskeden» are ordinary words)."""
    if word in _MUNICIPAL_OBJECTS:
        return True
    end = next((obj for obj in _MUNICIPAL_OBJECTS if word.endswith(obj)), None)
    if end is None or len(word) - len(end) < _MIN_COMPOUND_HEAD:
        return False
    head = word[:-len(end)]
    return not (end.startswith("enhed") and is_common_word(head + "en"))


def _place_as_subject(token: Token, *, town: bool = False) -> bool:
    """An ambiguous place name opening a sentence that reads as the place: followed by a listed finite verb
    ("Skive har", "Lejre satser"; not with a plural adjective after a copula, "Odder er gode svømmere"; not
    for a ``town`` that is a common word, "Hals er ømme", "Stege kan man"; no other verb, "Odder lever i
    åen", "Tarm lukkede sig"), by a verb of deciding or saying with "at" after it, whatever the word is
    ("Tønder besluttede at", "Vejen valgte at"; :func:`_decides`), by a verb of acting on a municipality's
    institution or staff, any word but "Vejen" and "Brande" ("Tønder lukkede skolen"; :func:`_acts_on`),
    alone in brackets ("Region Sjælland (Lejre)") or before "/" and another place ("Lejre/Roskilde",
    "Skive/Region Midtjylland")."""
    doc = token.doc
    nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
    word = gaz._strip_genitive(token.text)
    if nxt is None or _decides(nxt):
        return nxt is not None
    if word in _DEFINITE_PLACES:
        return False
    if word not in _NOT_ACTING and _acts_on(nxt):
        return True
    prev = doc[token.i - 1] if token.i > 0 else None
    after = doc[token.i + 2] if token.i + 2 < len(doc) else None
    bracketed = prev is not None and prev.text == "(" and nxt.text == ")"
    listed = nxt.text == "/" and after is not None and (after.text in gaz.place_words()
                                                        or after.text == "Region")
    subject = (nxt.lower_ in _SUBJECT_VERBS and not _plural_agreement(nxt)
               and not (town and nxt.lower_ in _COPULAS | _MODALS))  # "Hals er ømme", "Stege kan man"
    return subject or bracketed or listed


def _drop_ambiguous(spans: Iterable[Span]) -> list[Span]:
    """Drop a bare ambiguous place name ("Vejen", "Ringe") at the start of a sentence, unless it reads as the
    place there (:func:`_place_as_subject`: "Skive har en god model", "(Lejre)", "Lejre/Roskilde")."""
    kept = []
    for span in spans:
        word = gaz._strip_genitive(span.text)
        town = span.label_ == "STED" and is_common_word(word)
        bare = len(span) == 1 and (word in gaz.AMBIGUOUS_PLACES or town)
        if bare and is_sentence_initial(span[0]) and not _place_as_subject(span[0], town=town):
            continue
        kept.append(span)
    return kept


def _weak_model_span(span: Span) -> bool:
    """A lone sentence-initial ordinary word the model tagged ("Medarbejderne", "Altså")."""
    word = span.text.rstrip("'’")
    return (len(span) == 1 and is_sentence_initial(span[0]) and word not in gaz.person_names()
            and is_common_word(word))


def _inside(inner: Span, outer: Span) -> bool:
    return outer.start_char <= inner.start_char and inner.end_char <= outer.end_char


def resolve_spans(candidates: list[Span], keep: list[Span]) -> list[Span]:
    """Merge overlapping candidates (union, highest-priority label); drop those inside a KEEP span."""
    candidates = [s for s in candidates if not any(_inside(s, k) for k in keep)]
    candidates += [k for k in keep if not any(_inside(k, s) and k != s for s in candidates)]
    merged: list[tuple[int, int, str]] = []
    for span in sorted(candidates, key=lambda s: (s.start, -s.end)):
        label = span.label_
        if merged and span.start < merged[-1][1]:
            start, end, old = merged[-1]
            if (old == "KEEP") != (label == "KEEP"):
                label = old if old != "KEEP" else label
            else:
                label = max(old, label, key=lambda x: PRIORITY.get(x, 0))
            merged[-1] = (start, max(end, span.end), label)
        else:
            merged.append((span.start, span.end, label))
    return [Span(candidates[0].doc, s, e, label=lab) for s, e, lab in merged] if candidates else []


class EntityResolver:
    """Pipeline component: combine model, rulers, name gazetteer, patterns and heuristics."""

    def __init__(self, nlp: Language, *, use_heuristics: bool = True) -> None:
        self.use_heuristics = use_heuristics
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add("TITLE_PERSON", gaz.title_person_patterns())

    def _title_persons(self, doc: Doc) -> list[Span]:
        spans = []
        for _, start, end in self.matcher(doc):
            heads = [j for j in range(start + 1, end) if doc[j].is_title
                     and (doc[j - 1].lower_ in gaz.TITLES or doc[j - 1].text == ",")]
            if heads:
                spans.append(Span(doc, heads[-1] if doc[heads[-1] - 1].text == "," else heads[0], end,
                                  label="PERSON"))
        return spans

    def __call__(self, doc: Doc) -> Doc:
        ruled = _drop_ambiguous(list(doc.spans.get("hoi_gazetteer", [])))
        keep = [s for s in ruled if s.label_ == "KEEP"]
        candidates = [s for s in ruled if s.label_ != "KEEP"]
        candidates += [Span(doc, e.start, e.end, label=MODEL_LABELS[e.label_])
                       for e in doc.ents if e.label_ in MODEL_LABELS and not _weak_model_span(e)]
        candidates += self._title_persons(doc) + name_spans(doc) + contact_spans(doc)
        candidates += compound_place_spans(doc) + institution_spans(doc) + signature_spans(doc)
        if self.use_heuristics:
            candidates += heuristic_spans(doc)
        candidates = [s for s in candidates if s.label_ in CONTACT_PATTERNS or not is_role_label(s)]
        resolved = filter_spans(resolve_spans(candidates, keep))
        doc.spans[SPANS_KEY] = _with_kind_labels(filter_spans(resolved + bracketed_initials(doc, resolved)))
        return doc


@Language.factory("hoi_entity_resolver", default_config={"use_heuristics": True})
def _make_resolver(nlp: Language, name: str, use_heuristics: bool) -> EntityResolver:
    return EntityResolver(nlp, use_heuristics=use_heuristics)


def _load_base(model_dir: str | Path | None, pipeline_name: str | None) -> Language:
    """The statistical NER: an installed pipeline with 'ner' if named, else the bundled model."""
    if pipeline_name and pipeline_name != "hoi.da_lookup.v1":
        try:
            nlp = spacy.load(pipeline_name, exclude=["lemmatizer", "textcat"])
        except OSError as exc:
            raise ModelError(f"spaCy pipeline '{pipeline_name}' is not installed",
                             hint="install it or leave nlp.pipeline at 'hoi.da_lookup.v1'") from exc
        if nlp.has_pipe("ner"):
            return nlp
        logger.warning("pipeline %s has no 'ner'; using the bundled NER model", pipeline_name)
    path = resolve_repo_path(model_dir or BUNDLED_MODEL)
    if not (path / "meta.json").is_file():
        raise ModelError("Danish NER model not found", path=str(path),
                         hint="train it with `hoi models train-ner` or set nlp.ner_model")
    return spacy.load(path)


def add_privacy_components(nlp: Language, *, keep: tuple[str, ...] = (), use_heuristics: bool = True) -> None:
    """Add sentencizer, gazetteer SpanRulers and the resolver to ``nlp`` (in place)."""
    if not any(nlp.has_pipe(p) for p in ("sentencizer", "senter", "parser")):
        nlp.add_pipe("sentencizer", first=True)
    lower, exact = gaz.phrase_patterns(keep=keep)
    for name, attr, patterns in (("hoi_gazetteer", "LOWER", lower + gaz.token_patterns()),
                                 ("hoi_gazetteer_exact", "ORTH", exact)):
        ruler = nlp.add_pipe("span_ruler", name=name, config={
            "spans_key": "hoi_gazetteer", "phrase_matcher_attr": attr, "overwrite": False, "validate": True})
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    nlp.add_pipe("hoi_entity_resolver", config={"use_heuristics": use_heuristics})


def build_ner_pipeline(*, model_dir: str | Path | None = None, pipeline_name: str | None = None,
                       keep: Iterable[str] = (), use_heuristics: bool = True) -> Language:
    """The combined privacy NER pipeline (statistical NER + gazetteers + patterns).

    ``pipeline_name`` may name an installed DaCy/da_core_news pipeline; its NER is then used
    with the gazetteers. Otherwise the bundled model in ``model_dir`` (default models/ner_da).
    """
    nlp = _load_base(model_dir, pipeline_name)
    add_privacy_components(nlp, keep=tuple(keep), use_heuristics=use_heuristics)
    logger.info("privacy NER pipeline: %s", ", ".join(nlp.pipe_names))
    return nlp


@lru_cache(maxsize=2)
def load_patterns_pipeline(keep: tuple[str, ...] = ()) -> Language:
    """A privacy pipeline without the statistical NER: gazetteers, patterns and name heuristics (fast)."""
    nlp = spacy.blank("da")
    add_privacy_components(nlp, keep=keep)
    return nlp


@lru_cache(maxsize=2)
def load_ner_pipeline(model_dir: str | None = None, pipeline_name: str | None = None,
                      keep: tuple[str, ...] = ()) -> Language:
    """Cached :func:`build_ner_pipeline` (one per process and configuration)."""
    return build_ner_pipeline(model_dir=model_dir, pipeline_name=pipeline_name, keep=keep)


def entities(doc: Doc) -> list[Span]:
    """The resolved entity spans of a Doc processed by the privacy pipeline."""
    return list(doc.spans.get(SPANS_KEY, []))


EntitySpan = tuple[int, int, str]
PipelineArgs = tuple[str | None, str | None, tuple[str, ...]]
# Below this many texts a helper process costs more (about 4 s to start) than it saves.
PARALLEL_MIN_TEXTS = 2000
HELPER_TIMEOUT_S = 300


def _name_start(span: Span) -> int:
    """Where the name of ``span`` starts: after a signature's glued mark ("/Bo" is the name "Bo")."""
    if span.label_ in CONTACT_PATTERNS or span.text[:1] not in _SIGN_MARKS:
        return span.start_char
    return span.start_char + len(span.text) - len(span.text.lstrip("".join(_SIGN_MARKS)))


def entity_spans(doc: Doc) -> list[EntitySpan]:
    """``(start_char, end_char, label)`` of the entities to replace (KEEP spans left out), with the names
    glued into a word of the text (:func:`glued_name_spans`) and written in lower case
    (:func:`lower_case_name_spans`)."""
    found = [part for s in entities(doc) if s.label_ != "KEEP"
             for part in _persons_apart(doc.text, (_name_start(s), s.end_char, s.label_))]
    glued = glued_name_spans(doc.text) + lower_case_name_spans(doc.text)
    if not glued:
        return found
    # one label for one place: the stronger of the two ("jensHansen" a person, not the model's organisation)
    labels = {(start, end): label for start, end, label in found}
    for start, end, label in glued:
        labels[start, end] = max(labels.get((start, end), label), label, key=lambda x: PRIORITY.get(x, 0))
    return sorted((start, end, label) for (start, end), label in labels.items())


def _persons_apart(text: str, span: EntitySpan) -> list[EntitySpan]:
    """A person span the model read over a «;» («Lone Madsen;Bent Nielsen», a list in a cell) as the persons
    it lists: one person, the key learnt «Lone Madsen;Bent Nielsen» and gave «Lone» its number. A part that
    reads as no name (:func:`_reads_as_name`: «Leder», «Ja», «SharePoint», «Per») is hidden in this
    text, as the whole was, but never taught to the key (:data:`HERE_ONLY`): it would be hidden everywhere."""
    start, end, label = span
    if label != "PERSON" or ";" not in text[start:end]:
        return [span]
    return [(start + m.start(), start + m.end(), label if _reads_as_name(m.group()) else HERE_ONLY)
            for m in re.finditer(r"[^;\s](?:[^;]*[^;\s])?", text[start:end])]


def _reads_as_name(part: str) -> bool:
    """Whether a part of a list the model read as one person holds a listed first or last name that is no
    ordinary word («Mette Hansen», «Amira Hansen», «Bent Nielsen»; not «Per», «Hans», «Tage», «Skov»: taught
    to the key, the word would be hidden at every sentence's start, «Per uge er nok.»), or is of two or more
    capitalised words none of which is an ordinary word or one of the field («Amira Khalil», «Oksana
    Petrenko»; not «Microsoft Teams»)."""
    words = listed_words(part)
    return any(listed and not is_lower_case_word(word.casefold()) for word, listed in words) \
        or (len(words) >= 2 and all(_unlisted_name_word(word) for word, _ in words))


def _unlisted_name_word(word: str) -> bool:
    """Whether ``word`` is written as a name («Khalil») and is no ordinary word nor one of the field."""
    from hoi_nlp.privacy.entity_filter import is_generic_word

    return (word[:1].isupper() and word[1:].islower() and word.isalpha()
            and not is_lower_case_word(word.casefold()) and not is_generic_word(word))


def listed_words(text: str) -> list[tuple[str, bool]]:
    """The words of ``text`` (split at spaces and hyphens), each with whether the lists hold it as a first or
    last name, in any case («per hansen»: («per», True), («hansen», True))."""
    names = gaz.person_names()
    return [(word, name_case(word) in names) for word in re.split(r"[\s-]+", text)]


# A word of running text that joins words the way ids and handles do: camelCase, "_", "." or "-"
# ("jensHansen", "int_jens_hansen_02", "jens.hansen", "projektAarhus"); e-mail addresses and links are
# contact data, found whole
_TEXT_WORD = re.compile(r"[^\s,;:!?()\[\]{}\"'«»“”]+")
_GLUED = re.compile(r"[a-zæøå][A-ZÆØÅ]|[^\W_]_+[^\W_]|[^\W\d_][.-][^\W\d_]")
_CONTACT_WORD = re.compile(r"[^@\s]@|://|^www\.|\(at\)", re.IGNORECASE)  # not a handle ("@jensHansen")


def glued_name_spans(text: str) -> list[EntitySpan]:
    """Names the gazetteers know glued into one word of running text, in any case: «mødtes med jensHansen»,
    «se mappen int_bodil_hjort_02», «projektAarhus» (:func:`id_name_spans` word by word; the model and the
    capital-letter heuristics read such a word as one, or not at all). Persons, municipalities and places."""
    spans = []
    for match in _TEXT_WORD.finditer(text):
        word = match.group()
        if not _GLUED.search(word) or _CONTACT_WORD.search(word):
            continue
        spans += [(match.start() + start, match.start() + end, label)
                  for start, end, label, _ in id_name_spans(word)]
    return spans


# A word of running text in lower case (no part of a handle, an address or a file's name: «hansen.docx»)
_LOWER_WORD = re.compile(r"(?<![^\W_]|[-.@])[a-zæøå]+(?:-[a-zæøå]+)?(?![^\W_]|[-.@]\w)")


# Listed first names that are Danish verbs too («tage», «rose», «bo», «ane», «signe», «anker», «verner»): they
# open no lower-case name wherever they stand, after «at», a modal, an adverb or another verb alike («kan ikke
# tage jensen med», «skal også rose hansen», «glemte tage jensen»): the key would learn «Tage» and hide «Tage
# hensyn …». (A first name that is a word but no verb, «per», «hans», «bent», «lone», opens one.)
_VERB_NAMES = frozenset({"tage", "rose", "bo", "ane", "signe", "anker", "verner"})
# Listed surnames that the word list lacks but that read as words of the language or its neighbours («kirk»,
# «berg», «bach», «kjær» for «kær»): no first name that is a word opens a lower-case name before them
# («frank kirk»)
_WORDLIKE_SURNAMES = frozenset({"berg", "bach", "kirk", "kjær", "kjaer", "koch"})


def lower_case_name_spans(text: str) -> list[EntitySpan]:
    """A person's name written in lower case in running text («talte med anne hansen», «mette hansen
    sagde»): a first name of the lists that is no ordinary word before a surname of the lists that is no
    ordinary word, with such first names before them and such surnames after them («anne mette hansen»,
    «mette kjær hansen»: one person, not two); a first name that is an ordinary word too opens such a name
    («per hansen sagde», «hans jensen mente», «bent nielsen»: right before a surname that is no word, «hans»
    is no «his» nor «per» a «per»), unless it is a verb too («at tage jensen med», «skal også rose hansen»,
    «glemte tage jensen»: :data:`_VERB_NAMES`). Nothing else: no unknown word before a surname («coaching
    hansen», «sharepoint jensen», «amira hansen», which the key finds in lower case once it knows «Amira
    Hansen»), no ordinary word («til hansen»), no surname that is a word («hans skov», «per dag»), no
    abbreviation («mvh jensen»); and none where another first name comes before («jens peter nielsen», «at
    tage mette hansen med», «hans peter jensen»: the whole or a part, the key cannot tell). The key learns
    every such name, and would hide a wrong part in every text. (The model and the capital-letter heuristics
    read capitals.)"""
    words = [(m.start(), m.end(), m.group()) for m in _LOWER_WORD.finditer(text)]

    def spaced(i: int) -> bool:  # word i and word i + 1 one space apart
        return text[words[i][1]:words[i + 1][0]] == " "

    def kind(i: int) -> str:
        return _id_word_kind(words[i][2])

    def plain(i: int, wanted: str) -> bool:
        return kind(i) == wanted and not is_lower_case_word(words[i][2])

    def worded_first(i: int) -> bool:  # «per», «hans», «bent»: a name's start; never a verb («tage»)
        return (kind(i) == "first" and is_lower_case_word(words[i][2])
                and words[i][2] not in _ENGLISH_WORD_NAMES | _VERB_NAMES
                and words[i + 1][2] not in _WORDLIKE_SURNAMES)

    spans: set[EntitySpan] = set()
    for i in range(len(words) - 1):
        if not (spaced(i) and (plain(i, "first") or worded_first(i)) and plain(i + 1, "last")):
            continue
        start, end = i, i + 1
        while plain(start, "first") and start > 0 and spaced(start - 1) and plain(start - 1, "first"):
            start -= 1
        while end + 1 < len(words) and spaced(end) and plain(end + 1, "last"):
            end += 1
        if not (start > 0 and spaced(start - 1) and kind(start - 1) == "first"):
            spans.add((words[start][0], words[end][1], "PERSON"))
    return sorted(spans)


def spans_of_texts(nlp: Language, texts: Sequence[str]) -> list[list[EntitySpan]]:
    """:func:`entity_spans` of each text, in this process."""
    return [entity_spans(doc) for doc in nlp.pipe(texts, batch_size=64)]


class _Helper:
    """One ``hoi_nlp.privacy.ner_helper`` subprocess; chunks go in and come back in order."""

    def __init__(self, pipeline_args: PipelineArgs, answers: queue.Queue) -> None:
        self.sent: deque[int] = deque()
        self.errors = tempfile.TemporaryFile()
        package_root = str(Path(__file__).resolve().parents[2])  # importable however this process found it
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hoi_nlp.privacy.ner_helper", json.dumps(list(pipeline_args))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=env)
        self._outbox: queue.Queue = queue.Queue()
        threading.Thread(target=self._write, daemon=True).start()
        threading.Thread(target=self._read, args=(answers,), daemon=True).start()

    def send(self, index: int, texts: list[str]) -> None:
        self.sent.append(index)
        self._outbox.put((json.dumps(texts) + "\n").encode("utf-8"))

    def _write(self) -> None:
        try:
            while (data := self._outbox.get()) is not None:
                self.process.stdin.write(data)  # type: ignore[union-attr]
                self.process.stdin.flush()  # type: ignore[union-attr]
        except OSError:
            pass  # the helper died; the reader reports it

    def _read(self, answers: queue.Queue) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            answers.put((self, [[tuple(span) for span in spans] for spans in json.loads(line)]))
        answers.put((self, None))  # end of output: finished or died

    def close(self) -> str:
        """Stop the helper; returns the last line it wrote to stderr (why it failed, if it did)."""
        self._outbox.put(None)
        if self.process.poll() is None:
            self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=10)
            except Exception:  # noqa: BLE001
                self.process.kill()
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", errors="replace").strip().splitlines()
        self.errors.close()
        return lines[-1] if lines else f"exit code {self.process.returncode}"


def detect_entity_spans(texts: Sequence[str], nlp: Language, *, helpers: int = 0,
                        pipeline_args: PipelineArgs | None = None, chunk_size: int = 256,
                        done: Callable[[int], None] | None = None) -> list[list[EntitySpan]]:
    """Entity spans of every text, in order.

    With ``helpers`` and the ``pipeline_args`` of :func:`load_ner_pipeline`, that many helper
    processes take chunks from the end while this process works from the start, so the NER
    uses every core on a large study. If a helper cannot start or dies, this process does the rest.
    ``done(n)`` is called as each chunk of ``n`` texts is finished (progress).
    """
    texts = list(texts)
    if helpers < 1 or pipeline_args is None or len(texts) < PARALLEL_MIN_TEXTS:
        if done is None:
            return spans_of_texts(nlp, texts)
        found: list[list[EntitySpan]] = []
        for start in range(0, len(texts), chunk_size):
            found += spans_of_texts(nlp, texts[start:start + chunk_size])
            done(len(texts[start:start + chunk_size]))
        return found
    chunks = [texts[i:i + chunk_size] for i in range(0, len(texts), chunk_size)]
    results: list[list[list[EntitySpan]] | None] = [None] * len(chunks)
    todo = deque(range(len(chunks)))
    answers: queue.Queue = queue.Queue()
    working = [_Helper(pipeline_args, answers) for _ in range(helpers)]

    def give_up(helper: _Helper) -> None:  # its unanswered chunks go back on the list
        working.remove(helper)
        todo.extend(helper.sent)
        helper.sent.clear()
        logger.warning("NER helper process failed (%s); finishing in this process", helper.close())

    def collect(block: bool) -> None:
        while True:
            try:
                helper, spans = answers.get(block=block, timeout=HELPER_TIMEOUT_S if block else None)
            except queue.Empty:
                if block:  # no answer for minutes: the helpers are stuck
                    for stuck in list(working):
                        stuck.process.kill()
                        give_up(stuck)
                return
            block = False
            if helper not in working:  # already given up: its chunks are back on the list
                continue
            if spans is None:
                give_up(helper)
            else:
                index = helper.sent.popleft()
                results[index] = spans
                if done is not None:
                    done(len(chunks[index]))

    try:
        while todo or any(h.sent for h in working):
            collect(block=False)
            for helper in working:
                while todo and len(helper.sent) < 2:
                    helper.send(index := todo.pop(), chunks[index])
            if todo:
                index = todo.popleft()
                results[index] = spans_of_texts(nlp, chunks[index])
                if done is not None:
                    done(len(chunks[index]))
            elif any(h.sent for h in working):
                collect(block=True)
    finally:
        for helper in working:
            helper.close()
    return [spans for chunk_result in results for spans in chunk_result or []]


# ---------------------------------------------------------------- names in file names and ids

# Words of an id: camelCase, hyphens, "_" and spaces part them ("InterviewLiseBerg", "Jørgen-Kragh")
_ID_WORD = re.compile(r"[A-ZÆØÅÉÜÖÄ]?[a-zæøåéüöä]+|[A-ZÆØÅÉÜÖÄ]+(?![a-zæøåéüöä])")
# Words after which an id names the person interviewed ("Interview Ahmad", "int_bodil")
_INTERVIEW_WORDS = frozenset({"interview", "int", "samtale", "informant", "ip", "respondent", "deltager",
                              "interviewperson", "fokusgruppe", "gruppeinterview", "med"})


def name_case(word: str) -> str:
    """``word`` as a name is written ("anne-mette" -> "Anne-Mette", "TØNDER" -> "Tønder")."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _id_word_kind(word: str) -> str:
    """"first", "last", "KOMMUNE", "STED" or "" for one word of an id, in any case."""
    title = name_case(word)
    if title in gaz.first_names():
        return "first"
    if title in gaz.last_names():
        return "last"
    if title in gaz.municipality_words():
        return "KOMMUNE"
    if title in gaz.place_words():
        return "STED"
    return ""


def _id_role_word(word: str) -> bool:
    """An ordinary word naming a role between an interview word and initials («Interview_leder_LB»,
    «Interview_borger_KJ»): a title or a lower-case word of the language, not capitals ("IT")."""
    lower = word.lower()
    return not word.isupper() and (lower in gaz.TITLES or (len(word) > 3 and lower not in _NO_ROLE_WORDS
                                                            and is_common_word(word)))


def _named_letters(word: str) -> bool:
    """Capitals one role word from an interview word that more likely name a party, an organisation or a
    unit than a person («Interview_borgmester_SF», «Interview_leder_UC», «Interview_leder_KFF»): three or
    four capitals there are a unit's, a job title's or an organisation's as often as anyone's initials
    («Interview_leder_SSA», «Interview_leder_DGI»), and the key would hide them in every text."""
    return len(word) != 2 or word in _PARTY_LETTERS or word in _ORGANISATION_LETTERS


def _id_initials(words: Sequence[tuple[int, int, str]], interview: Sequence[bool],
                 found: Sequence[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Initials next to an interview word of an id, as written ("Interview_KJ", "samtale-MKH", "KJ_interview",
    "Fokusgruppe_KJ_LM": a run of them), or two letters one role word away ("Interview_leder_LB"; not a
    party's or an organisation's letters there, "Interview_borgmester_SF", "Interview_leder_UC", nor three
    or four capitals, more often a unit's or a job title's, "Interview_leder_TMF", "Interview_leder_SSA",
    nor letters after «og», "Interview_leder_og_PA"): someone's, as surely as a memo's signature; not an
    abbreviation of the field or a role label ("Interview_IT", "IP_03", "Interview_leder_AI")."""
    initials = [is_initials(word) for _, _, word in words]
    taken = [i for i, (start, _, _) in enumerate(words) if any(s <= start < e for s, e, _, _ in found)]
    chosen: set[int] = set()
    for i, said in enumerate(interview):
        if not said:
            continue
        for step in (1, -1):  # the run after the interview word, and the one before it
            j = i + step
            role = 0 <= j < len(words) and j not in taken and not initials[j] and _id_role_word(words[j][2])
            j += step if role else 0
            while 0 <= j < len(words) and initials[j] and j not in taken \
                    and not (role and _named_letters(words[j][2])):
                chosen.add(j)
                j += step
    return [(words[i][0], words[i][1], "PERSON", words[i][2]) for i in sorted(chosen)]


def id_name_spans(text: str) -> list[tuple[int, int, str, str]]:
    """The names an id or a file's name holds, found in the gazetteers whatever the case or the way its
    words are joined ("søren_hansen", "interview_kragh_tønder", "Jørgen-Kragh", "InterviewLiseBerg",
    "int_bodil"), as ``(start, end, label, name)`` with the name as a name is written ("Søren Hansen").

    A person is a run of first names and surnames (and an unknown word right after a first name: "bodil
    hjort"; not one before a surname, "sharepoint_jensen", "amira_hansen": the key would learn the word as a
    first name), or an unknown word after "interview", "int" … ("Interview Ahmad"); a first or last name that
    is an ordinary word too ("lise", "bo") only beside another name or after such a word. A municipality or
    place that is an ordinary word too ("tønder", "vejen") counts only in an id that names a person as
    well, so a question id ("Q3_Vejen_frem", "Samarbejde_Jobcenter", "R0084:1.2") stays as it is. Initials
    next to an interview word ("Interview_KJ", "samtale-MKH") are a person, as written."""
    from hoi_nlp.privacy.entity_filter import is_generic_word

    words = [(m.start(), m.end(), m.group()) for m in _ID_WORD.finditer(text)]
    # a hyphen inside a double name ("anne-mette") joins it into one word when the whole is a name
    merged: list[tuple[int, int, str]] = []
    for start, end, word in words:
        double = f"{merged[-1][2]}-{word}" if merged and text[merged[-1][1]:start] == "-" else ""
        if double and _id_word_kind(double) == "first":
            merged[-1] = (merged[-1][0], end, double)
        else:
            merged.append((start, end, word))
    kinds = [_id_word_kind(word) for _, _, word in merged]
    common = [is_common_word(word) or is_generic_word(word.capitalize()) for _, _, word in merged]
    interview = [word.lower() in _INTERVIEW_WORDS for _, _, word in merged]
    names = [k in ("first", "last") for k in kinds]

    def sure(i: int) -> bool:
        """A name word that is no ordinary word, or one beside another name or after "interview"."""
        if not names[i]:
            return False
        beside = (i > 0 and (names[i - 1] or interview[i - 1])) or (i + 1 < len(kinds) and names[i + 1])
        return not common[i] or beside

    def unknown(i: int) -> bool:
        word = merged[i][2]
        return (not kinds[i] and not common[i] and not interview[i] and len(word) >= 3
                and not (word.isupper() and len(word) <= 4))

    found: list[tuple[int, int, str, str]] = []
    i = 0
    while i < len(merged):
        if sure(i) or (i > 0 and interview[i - 1] and unknown(i)):
            j = i + 1
            while j < len(merged) and (names[j] or (kinds[j - 1] == "first" and unknown(j))) \
                    and text[merged[j - 1][1]:merged[j][0]] in (" ", "_", "-", "", ".", "+"):
                j += 1
            name = " ".join(name_case(merged[k][2]) for k in range(i, j))
            found.append((merged[i][0], merged[j - 1][1], "PERSON", name))
            i = j
            continue
        i += 1
    found += _id_initials(merged, interview, found)
    person = bool(found)
    for (start, end, word), kind, ordinary in zip(merged, kinds, common, strict=True):
        if kind in ("KOMMUNE", "STED") and (not ordinary or person) \
                and not any(s <= start < e for s, e, _, _ in found):
            found.append((start, end, kind, name_case(word)))
    return sorted(found)

"""Danish gazetteers: municipalities, regions, names, national bodies, and spaCy patterns for them.

The word lists live in ``hoi_nlp/privacy/resources/`` (written by hand for this project). This module
turns them into SpanRuler patterns with the inflections Danish text uses: genitives
("Ballerups", "Aarhus'", "Københavns Kommunes"), "X Kommune", "Region X", jobcentres and
local units. Labels:

``KOMMUNE``, ``REGION``, ``JOBCENTER``, ``ENHED`` (local units), ``STED`` (towns, districts,
housing areas), ``KEEP`` (national bodies, countries and generic programmes/systems that identify
nobody), ``PERSON`` (title + name patterns).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

REGIONS = ("Hovedstaden", "Midtjylland", "Syddanmark", "Sjælland", "Nordjylland")
# Municipality names that are also ordinary Danish words: matched only capitalised and not at
# the start of a sentence, or inside "X Kommune" / "i X" contexts.
AMBIGUOUS_PLACES = frozenset({"Vejen", "Odder", "Greve", "Skive", "Lejre", "Tønder", "Varde", "Mors",
                              "Holte", "Brande", "Sæby", "Lyngby", "Aars", "Struer", "Midtfyn"})
TITLES = (
    "direktør", "direktøren", "kommunaldirektør", "kommunaldirektøren", "borgmester", "borgmesteren",
    "viceborgmester", "rådmand", "rådmanden", "formand", "formanden", "næstformand", "chef", "chefen",
    "fagchef", "centerchef", "afdelingsleder", "leder", "lederen", "kollega", "kollegaen", "kollegerne",
    "sagsbehandler", "sagsbehandleren", "koordinator", "koordinatoren", "konsulent", "konsulenten",
    "socialdirektør", "børnedirektør", "beskæftigelsesdirektør", "teamleder", "minister", "ministeren",
    "fru", "hr.", "hr", "frk.", "socialrådgiver", "udvalgsformand", "medarbejder", "medarbejderen",
    "stabschef", "projektleder", "projektlederen", "jobkonsulent", "kontaktperson", "mentor",
)
UNIT_SUFFIXES = ("huset", "hus", "centret", "centeret", "center", "gården", "skolen", "teamet", "værket")
# Words that head the name of an institution or a local unit ("Hou Skole", "Familiens Hus", "Skovbo
# Klinik", "Lindely Bosted"), also as the head of a compound ("Hou Ungdomsskole"): a unit, never a person.
INSTITUTION_HEADS = frozenset({
    "skole", "skolen", "gymnasium", "gymnasiet", "børnehus", "børnehuset", "hus", "huset", "center",
    "centret", "centeret", "klinik", "klinikken", "bosted", "bostedet", "afdeling", "afdelingen",
    "forvaltning", "forvaltningen", "børnehave", "børnehaven", "vuggestue", "vuggestuen", "institution",
    "institutionen", "plejehjem", "plejehjemmet", "sygehus", "sygehuset", "hospital", "hospitalet",
    "værested", "værestedet", "klub", "klubben", "kommune", "region",
})


@dataclass(frozen=True)
class Municipality:
    """One of the 98 municipalities: running-text name, official name, region, aliases."""

    name: str
    official: str
    region: str
    aliases: tuple[str, ...]


def _resource_lines(name: str) -> list[str]:
    text = resources.files("hoi_nlp.privacy.resources").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def municipalities() -> tuple[Municipality, ...]:
    """All 98 Danish municipalities."""
    rows = csv.DictReader(_resource_lines("municipalities.tsv"), delimiter="\t")
    return tuple(Municipality(r["name"], r["official"], r["region"],
                              tuple(a for a in (r.get("aliases") or "").split(";") if a)) for r in rows)


@lru_cache(maxsize=1)
def derived_forms() -> dict[str, tuple[str, ...]]:
    """Adjectives and resident nouns per municipality ("københavnsk", "aarhusianere")."""
    rows = (line.split("\t") for line in _resource_lines("municipality_derived.txt"))
    return {name: tuple(forms.split(";")) for name, forms in rows}


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Common Danish first names (title case)."""
    return frozenset(_resource_lines("first_names.txt"))


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Common Danish surnames (title case)."""
    return frozenset(_resource_lines("last_names.txt"))


@lru_cache(maxsize=1)
def person_names() -> frozenset[str]:
    """First names and surnames together."""
    return first_names() | last_names()


@lru_cache(maxsize=1)
def national_bodies() -> tuple[str, ...]:
    """National bodies and countries that may stay in pseudonymised text."""
    return tuple(_resource_lines("national_bodies.txt"))


@lru_cache(maxsize=1)
def generic_terms() -> tuple[str, ...]:
    """Generic programmes, fields, laws and nationwide IT systems ("FGU", "KUI", "Nexus") that stay."""
    return tuple(_resource_lines("generic_terms.txt"))


@lru_cache(maxsize=1)
def domain_words() -> frozenset[str]:
    """Ordinary words of the field the lemma table lacks ("bostøtte"): :mod:`hoi_nlp.privacy.domain_words`."""
    return frozenset(_resource_lines("domain_words.txt"))


@lru_cache(maxsize=1)
def municipality_words() -> frozenset[str]:
    """Every single word of a municipality name, official name or alias ("Halsnæs", "Hundested")."""
    words = set()
    for muni in municipalities():
        for name in (muni.name, muni.official, *muni.aliases):
            words.update(w for w in name.split() if w not in {"Kommune", "Regionskommune"})
    return frozenset(words)


@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    """Towns, districts, housing areas and islands that are not municipality names (STED)."""
    munis = {form for m in municipalities() for form in (m.name, *m.aliases)}
    return tuple(dict.fromkeys(p for p in _resource_lines("places.txt") if p not in munis))


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Single words of places and municipalities: never treated as ordinary words."""
    return frozenset(w for p in places() for w in p.split()) | municipality_words()


def genitives(name: str) -> list[str]:
    """Danish genitive spellings of ``name`` ("Ballerups", "Aarhus'", "Aarhus’")."""
    if name.isupper():
        return [name + "'s", name + "’s", name + "s"]
    if name[-1] in "sxzSXZ":
        return [name + "'", name + "’", name + "s"]
    return [name + "s"]


def place_forms(name: str) -> list[str]:
    """``name`` and its genitives."""
    return [name, *genitives(name)]


def municipality_phrases(muni: Municipality) -> list[str]:
    """Every phrase that names ``muni``: bare, genitive, "X Kommune(s)", "Kommunen X", official."""
    phrases = {muni.official, *genitives(muni.official)}
    for form in (muni.name, *muni.aliases):
        for variant in place_forms(form):
            phrases.update({variant, f"{variant} Kommune", f"{variant} Kommunes", f"{variant} kommune",
                            f"{variant} kommunes"})
        phrases.update({f"Kommunen {form}", f"kommunen {form}"})
    return sorted(phrases)


def region_phrases(region: str) -> list[str]:
    """"Region X", its genitive, and "Regionen X"."""
    base = f"Region {region}"
    return [base, *genitives(base), f"Regionen {region}", f"region {region}"]


def _phrase(label: str, text: str, *, ident: str = "") -> dict[str, Any]:
    return {"label": label, "pattern": text, "id": ident or text}


def _strip_genitive(word: str) -> str:
    for suffix in ("'s", "’s", "'", "’", "s"):
        if word.endswith(suffix) and word[: -len(suffix)] in AMBIGUOUS_PLACES:
            return word[: -len(suffix)]
    return word


def _case_sensitive(text: str) -> bool:
    words = text.split()
    core = [w for w in words if w.lower() not in {"kommune", "kommunes", "jobcenter", "i", "kommunen"}]
    return any(w.rstrip("'’s").isupper() or _strip_genitive(w) in AMBIGUOUS_PLACES for w in core or words)


def _municipality_patterns() -> list[dict[str, Any]]:
    patterns = [_phrase("KOMMUNE", form, ident=name)
                for name, forms in derived_forms().items() for form in forms]
    for muni in municipalities():
        patterns.extend(_phrase("KOMMUNE", p, ident=muni.name) for p in municipality_phrases(muni))
        for form in (muni.name, *muni.aliases):
            heads = ("Jobcenter", "Jobcentret i", "Jobcenteret i", "Jobcenter i")
            patterns.extend(_phrase("JOBCENTER", f"{head} {form}", ident=muni.name) for head in heads)
            patterns.extend(_phrase("JOBCENTER", f"Jobcenter {v}", ident=muni.name) for v in genitives(form))
    return patterns


def phrase_patterns(*, keep: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """SpanRuler phrase patterns as (case-insensitive, case-sensitive) lists.

    Abbreviations ("KL", "STAR", "EVA"), towns and districts, and place names that are also words
    ("Vejen") must match exactly; everything else matches in any case ("københavns kommune").
    """
    patterns = _municipality_patterns()
    for region in REGIONS:
        patterns.extend(_phrase("REGION", p, ident=region) for p in region_phrases(region))
    for body in (*national_bodies(), *generic_terms(), *keep):
        patterns.extend(_phrase("KEEP", variant, ident=body) for variant in place_forms(body))
    for place in places():
        patterns.extend(_phrase("STED", variant, ident=place) for variant in place_forms(place))
    lower = [p for p in patterns if p["label"] != "STED" and not _case_sensitive(p["pattern"])]
    exact = [p for p in patterns if p["label"] == "STED" or _case_sensitive(p["pattern"])]
    return lower, exact


def token_patterns() -> list[dict[str, Any]]:
    """SpanRuler token patterns for local units ("Ungehuset", "Familiehuset på X", "Center for …")."""
    unit = {"TEXT": {"REGEX": "^[A-ZÆØÅ][a-zæøå]+(" + "|".join(UNIT_SUFFIXES) + ")s?$"}}
    proper = {"IS_TITLE": True}
    return [
        {"label": "ENHED", "pattern": [unit, {"LOWER": {"IN": ["på", "i", "ved"]}}, proper]},
        {"label": "ENHED", "pattern": [unit]},
        {"label": "ENHED", "pattern": [{"TEXT": {"IN": ["Center", "Centret", "Centeret", "Huset"]}},
                                       {"LOWER": "for"}, proper,
                                       {"TEXT": {"IN": ["og", ","]}, "OP": "?"},
                                       {"IS_TITLE": True, "OP": "*"}]},
        {"label": "ENHED", "pattern": [{"TEXT": {"IN": ["Center", "Centret", "Huset", "Team", "Enheden"]}},
                                       proper]},
    ]


def title_person_patterns() -> list[list[dict[str, Any]]]:
    """Matcher patterns whose capitalised tail is a person: "direktør Mette Hansen", "chefen for X, Pia"."""
    name = {"IS_TITLE": True, "IS_SENT_START": False}
    initial = {"TEXT": {"REGEX": r"^[A-ZÆØÅ]\.$"}, "OP": "?"}
    return [
        [{"LOWER": {"IN": list(TITLES)}}, name, initial, {"IS_TITLE": True, "OP": "{0,2}"}],
        [{"LOWER": {"REGEX": "^(chef|leder|direktør|formand)en$"}}, {"LOWER": {"IN": ["for", "i", "på"]}},
         {"IS_PUNCT": False, "OP": "{1,4}"}, {"ORTH": ","}, name, {"IS_TITLE": True, "OP": "{0,2}"}],
    ]

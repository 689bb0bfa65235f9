"""Precision filter for privacy entities: trim spans to the name, drop generic words.

Capitalised ordinary words and generic unit names ("Psykiatrien", "Familieafdelingen", "Børne-",
"KUI", "Budgetlogikken") identify nobody, yet the model and the heuristics tag them. A span is
dropped when every word in it is generic (:func:`is_generic_word`) and none is a known name or
place. Leading titles, verbs, interjections and punctuation ("Kontakt Søren Poulsen",
"+ Jobcenter Køge", "Øh… Det") are trimmed off first. Multi-word local units ("Center for
Sammenhængende Indsatser"), gazetteer places and contact data are never dropped.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.tokens import Span, Token

from hoi_nlp.nlp import gazetteers as gaz

# Labels the filter may drop; KOMMUNE/REGION/JOBCENTER come from gazetteers, contacts from patterns.
DROPPABLE = frozenset({"PERSON", "STED", "ORGANISATION", "NAVN", "ENHED"})
UNTOUCHED = frozenset({"EMAIL", "TELEFON", "CPR", "ADRESSE", "LINK", "KEEP"})
# Heads of generic compounds: "Familie|afdelingen", "Overgangs|forløb", "Budget|logikken".
GENERIC_HEADS = frozenset({
    "afdeling", "team", "udvalg", "forløb", "indsats", "center", "centre", "område", "lov", "love",
    "forvaltning", "enhed", "reform", "struktur", "samarbejde", "konsulent", "korps", "deling", "logik",
    "gruppe", "effekt", "fravær", "psykiatri", "social", "vejledning", "vejleder", "sekretariat", "stab",
    "direktion", "myndighed", "hospital", "tilbud", "ordning", "model", "plan", "chef", "direktør",
    "leder", "koordinator", "rådgiver", "behandling", "pleje", "service", "politik", "strategi",
})
_HEAD_FORMS = ("ene", "erne", "en", "et", "er", "e", "s")
TITLE_ENDINGS = ("chef", "chefen", "direktør", "direktøren", "leder", "lederen", "konsulent", "formand",
                 "borgmester", "rådmand", "koordinator", "rådgiver")
CONNECTORS = frozenset({"og", "&", "+", "for", "i", "på", "af", "til", "med", ",", "-", "–", "/"})


def _table() -> object:
    from hoi_nlp.nlp.pipeline import _danish_lemma_table

    return _danish_lemma_table()


def _in_table(word: str) -> bool:
    return len(word) >= 2 and word in _table()  # type: ignore[operator]


def _lemma(word: str) -> str:
    table = _table()
    return str(table.get(word)) if word in table else word  # type: ignore[operator,attr-defined]


def is_known_name(word: str) -> bool:
    """A first/last name, municipality or place word ("Hals", "Holm", "Vejen"), genitive or not."""
    names = gaz.first_names() | gaz.last_names() | gaz.place_words()
    base = word.rstrip("'’")
    return base in names or (base.endswith("s") and base[:-1] in names)


def _generic_term(word: str) -> bool:
    terms = _generic_terms()
    return word in terms or word.rstrip("'’s") in terms


@lru_cache(maxsize=1)
def _generic_terms() -> frozenset[str]:
    return frozenset(t for t in gaz.generic_terms() if " " not in t)


_PARTICLES = ("frem", "ud", "ind", "op", "ned", "over", "under", "gen", "sam", "bag", "mod", "om")


def _common(lower: str) -> bool:
    """An ordinary word form, also as genitive, with an adjective -e, or behind a particle ("fremskudt")."""
    if _in_table(lower) or (lower.endswith("s") and _in_table(lower[:-1])) or _in_table(lower + "e"):
        return True
    return any(lower.startswith(p) and len(lower) - len(p) >= 4 and _in_table(lower[len(p):])
               for p in _PARTICLES)


def _head(suffix: str) -> bool:
    if suffix in GENERIC_HEADS or _lemma(suffix) in GENERIC_HEADS:
        return True
    return any(suffix.endswith(f) and suffix[: -len(f)] in GENERIC_HEADS for f in _HEAD_FORMS)


def _prefix(prefix: str, *, depth: int) -> bool:
    candidates = {prefix, prefix[:-1] if prefix[-1:] in ("s", "e") else prefix}
    return any(len(c) >= 3 and (_common(c) or _generic_term(c.upper()) or
                                (depth > 0 and _generic_compound(c, depth=depth - 1))) for c in candidates)


def _generic_compound(lower: str, *, depth: int = 1) -> bool:
    """"familieafdelingen", "overgangsforløb", "jobcenterchef": a common word + a generic head."""
    for cut in range(3, len(lower) - 2):
        if _head(lower[cut:]) and _prefix(lower[:cut], depth=depth):
            return True
    return False


@lru_cache(maxsize=65536)
def is_generic_word(word: str) -> bool:
    """True when ``word`` is an ordinary word, generic compound, truncated compound or generic term."""
    word = word.strip()
    if not any(ch.isalpha() for ch in word):
        return True
    if _generic_term(word):
        return True
    if is_known_name(word):
        return False
    if word.isupper() and len(word) > 1:
        return False  # an abbreviation not listed as generic ("SOF", "BØR") may name a local unit
    lower = word.lower().rstrip("'’")
    if lower.endswith("-"):
        stem = lower.rstrip("-")
        return _common(stem) or _prefix(stem, depth=1) or _generic_compound(stem)
    if "-" in lower:
        return all(len(part) == 1 or is_generic_word(part) for part in word.split("-") if part)
    return _common(lower) or _generic_compound(lower)


def is_generic_phrase(text: str) -> bool:
    """Every word of ``text`` (connectors aside) is generic: "Børn og Unge", "+ Job", "Øh… Det"."""
    words = [w.strip(".,:;!?…\"'()") for w in text.split()]
    return all(is_generic_word(w) for w in words if w and w.lower() not in CONNECTORS)


def _is_title(token: Token) -> bool:
    lower = token.lower_.rstrip(":")
    return lower in gaz.TITLES or lower.endswith(TITLE_ENDINGS)


def _junk_lead(token: Token, label: str) -> bool:
    """A leading token that is no part of a name: punctuation, interjection, title, ordinary word."""
    if not any(ch.isalpha() for ch in token.text) or token.is_punct or _is_title(token):
        return True
    if label in ("KOMMUNE", "REGION", "JOBCENTER", "ENHED"):
        return token.lower_ in {"øh", "øhm", "altså", "og", "men", "så", "det", "den"}
    return token.lower_ not in CONNECTORS and is_generic_word(token.text)


def trim(span: Span) -> Span | None:
    """``span`` without leading junk and trailing punctuation; None when nothing is left."""
    start, end = span.start, span.end
    while start < end and _junk_lead(span.doc[start], span.label_):
        start += 1
    while end > start and (not any(ch.isalpha() for ch in span.doc[end - 1].text)
                           or span.doc[end - 1].lower_ in CONNECTORS):
        end -= 1
    if start == end:
        return None
    return span if (start, end) == (span.start, span.end) else Span(span.doc, start, end, label=span.label_)


def _protected(span: Span) -> bool:
    """A multi-word local unit ("Center for Sammenhængende Indsatser", "Familiehuset på Vestergade")."""
    return span.label_ == "ENHED" and len(span) > 1


def is_generic_span(span: Span) -> bool:
    """A droppable span whose words are all generic ("Psykiatrien", "Børn og Unge", "FGU")."""
    if span.label_ not in DROPPABLE or _protected(span):
        return False
    return is_generic_phrase(span.text)


def filter_spans(spans: list[Span]) -> list[Span]:
    """Trim every entity to its name and drop the generic ones (KEEP and contact data untouched)."""
    kept = []
    for span in spans:
        if span.label_ in UNTOUCHED:
            kept.append(span)
            continue
        trimmed = trim(span)
        if trimmed is not None and not is_generic_span(trimmed):
            kept.append(trimmed)
    return kept

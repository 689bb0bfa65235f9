"""Precision filter for privacy entities: trim spans to the name, drop generic words.

Capitalised ordinary words and generic unit names ("Psykiatrien", "Familieafdelingen", "Børne-",
"KUI", "Budgetlogikken") identify nobody, yet the model and the heuristics tag them. A span is
dropped when every word in it is generic (:func:`is_generic_word`) and none is a known name or
place. Leading titles, verbs, interjections and punctuation ("Kontakt Søren Poulsen",
"+ Jobcenter Køge", "Øh… Det") are trimmed off first. Multi-word local units ("Center for
Sammenhængende Indsatser"), gazetteer places and contact data are never dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from hoi_nlp.privacy import gazetteers as gaz

if TYPE_CHECKING:  # spaCy is imported where a span is made: `hoi quote` reads redact's helpers without it
    from spacy.tokens import Span, Token

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
    "memo", "notat", "note", "referat", "kommentar", "journal", "lag", "holder", "kriterium",
})
_HEAD_FORMS = ("ene", "erne", "ne", "en", "et", "er", "e", "s")
# Endings of abstract nouns (of actions, states and qualities): an ordinary word with one of them is the
# head of a generic compound whatever the word ("Silo|tænkning", "Netværks|organisering",
# "Ledelses|opbakning", "Center|dannelsen"). Names of units and places end in concrete heads
# ("Unge|huset", "Hede|husene") and are not touched.
ABSTRACT_ENDINGS = ("ning", "ring", "ling", "else", "hed", "skab", "tion", "isme")
# Adjectives and participles as heads: "Søjle|opdelt", "Fag|faglig", "Borger|rettet", "Udviklings|orienteret",
# "Fag|professionelt" (compounds a survey answer opens with). The head is an ordinary word whose lemma is a
# derived adjective (-lig, -isk, -bar, -som, -iel, -ionel, -iv) or which is a participle of a verb (lemma in
# -e: "opdelt" of "opdele", "krævende" of "kræve"). Names of places and persons end in nouns ("-høj", "-rød",
# "-holt", "-toft" are adjectives or nouns without such an ending) and are not touched; the gazetteers'
# names and the metadata's are never generic anyway.
ADJECTIVE_ENDINGS = ("lig", "isk", "bar", "som", "iel", "ionel", "iv")
PARTICIPLE_ENDINGS = ("t", "te", "de", "ende")
TITLE_ENDINGS = ("chef", "chefen", "direktør", "direktøren", "leder", "lederen", "konsulent", "formand",
                 "borgmester", "rådmand", "koordinator", "rådgiver")
_INITIAL = re.compile(r"^[A-ZÆØÅ]\.$")
CONNECTORS = frozenset({"og", "&", "+", "for", "i", "på", "af", "til", "med", ",", "-", "–", "/"})

# Role labels and sentence-initial words that are capitalised but name nobody.
ROLE_WORDS = frozenset({
    "Direktør", "Kommunaldirektør", "Interviewer", "Intervieweren", "Respondent", "Borgmester", "Jeg",
    "Vi", "De", "Den", "Det", "Der", "Og", "Men", "Så", "HOI", "Kommunen", "Regionen", "Hovedloven",
    "Ja", "Nej", "Indsats", "Spørgsmål", "Svar", "Kommentar", "Andet", "Hr", "Fru", "CPR", "Cpr",
    # interjections in transcripts
    "Øh", "Øhm", "Øhh", "Hmm", "Mm", "Mhm", "Altså", "Okay", "OK", "Jo", "Nå", "Nåh", "Ok",
    # generic units and domain acronyms that identify no municipality
    "Jobcenter", "Jobcentret", "Jobcenteret", "Rådhuset", "Borgerservice", "PPR", "SFO", "FGU", "STU", "UU",
    "SSP", "KKR", "MED", "IT", "BUF", "SKS", "VISO", "HR", "ADHD", "PTSD", "OCD", "ASF", "SEL", "LAB", "LAS",
    "VUM", "FN",
    # stressed forms transcripts write with an accent ("Dér sidder vi fast", "Dét er det svære")
    "Dér", "Dét", "Hér", "Én", "Ét",
})

_SENTENCE_OPENERS = frozenset({":", '"', "“", "”", "«", "»", "-", "–", "—", "(", "*", "•", "'", "?", "!",
                               "."})


# Labels of the model's and the heuristics' guesses (the gazetteers' names are never ordinary compounds).
_GUESSES = frozenset({"NAVN", "PERSON", "STED", "ORGANISATION"})
_QUOTES_AND_BRACKETS = frozenset({'"', "“", "”", "«", "»", "'", "(", "„"})


def is_sentence_initial(token: Token) -> bool:
    """Whether ``token`` starts a sentence, a line, a quote or a list item."""
    if token.i == 0 or token.is_sent_start:
        return True
    prev = token.doc[token.i - 1]
    return prev.text in _SENTENCE_OPENERS or prev.is_space or "\n" in prev.whitespace_


def _table() -> object:
    from hoi_nlp.nlp.pipeline import danish_lemma_table

    return danish_lemma_table()


def _in_table(word: str) -> bool:
    return len(word) >= 2 and word in _table()  # type: ignore[operator]


def _lemma(word: str) -> str:
    table = _table()
    return str(table.get(word)) if word in table else word  # type: ignore[operator,attr-defined]


def is_known_name(word: str) -> bool:
    """A first/last name, municipality or place word ("Hals", "Holm", "Vejen"), genitive or not."""
    names = gaz.person_names() | gaz.place_words()
    base = word.rstrip("'’")
    return base in names or (base.endswith("s") and base[:-1] in names)


def _generic_term(word: str) -> bool:
    terms = _generic_terms()
    return word in terms or word.rstrip("'’s") in terms


@lru_cache(maxsize=1)
def _generic_terms() -> frozenset[str]:
    return frozenset(t for t in gaz.generic_terms() if " " not in t)


@lru_cache(maxsize=1)
def _national_abbreviations() -> frozenset[str]:
    """Abbreviated national bodies ("KL", "STAR"): generic inside compounds too ("KL-regi")."""
    return frozenset(t for t in gaz.national_bodies() if t.isupper() and " " not in t)


_PARTICLES = ("frem", "ud", "ind", "op", "ned", "over", "under", "gen", "sam", "bag", "mod", "om")


def in_lemma_table(lower: str) -> bool:
    """A form in the Danish lemma table, also as genitive."""
    return _in_table(lower) or (lower.endswith("s") and _in_table(lower[:-1]))


_INFLECTIONS = ("erne", "rne", "ene", "ne", "en", "et", "er", "r", "e", "t", "s")


# Words cut short in notes and terse answers ("Ældreomr.", "Socialafd.", "FGU-vejl."), alone or as heads.
_CUT_WORDS = frozenset({"omr", "afd", "udd", "beh", "rådg", "vejl", "pæd", "medarb", "koord", "psyk", "spec",
                        "sygepl", "forv", "sagsbeh", "samarb"})


def _stem(lower: str) -> str:
    """``lower`` without its longest inflection ending, keeping four letters or more."""
    for ending in _INFLECTIONS:
        if lower.endswith(ending) and len(lower) - len(ending) >= 4:
            return lower[: -len(ending)]
    return lower


@lru_cache(maxsize=1)
def _domain_stems() -> frozenset[str]:
    """The field's own words and their stems."""
    return gaz.domain_words() | {_stem(word) for word in gaz.domain_words()}


def _domain_word(lower: str) -> bool:
    """One of the field's own words, in any inflection ("fritidsguider" as "fritidsguide")."""
    stems = _domain_stems()
    return lower in stems or _stem(lower) in stems


def _common(lower: str) -> bool:
    """An ordinary word form (the lemma table or the field's own words, :mod:`domain_words`), also as
    genitive or behind a particle ("fremskudt")."""
    if in_lemma_table(lower) or _domain_word(lower) or lower.rstrip(".") in _CUT_WORDS:
        return True
    return any(lower.startswith(p) and len(lower) - len(p) >= 4 and _in_table(lower[len(p):])
               for p in _PARTICLES)


def _abstract_head(suffix: str) -> bool:
    """An ordinary abstract noun of five letters or more ("tænkning", "dannelsen")."""
    return len(suffix) >= 5 and _in_table(suffix) and (
        suffix.endswith(ABSTRACT_ENDINGS) or _lemma(suffix).endswith(ABSTRACT_ENDINGS))


def _adjective_head(suffix: str) -> bool:
    """An ordinary derived adjective or a verb's participle of four letters or more ("faglig", "opdelt",
    "rettede", "orienteret", "professionelt", "krævende")."""
    if len(suffix) < 4 or not _in_table(suffix):
        return False
    lemma = _lemma(suffix)
    return lemma.endswith(ADJECTIVE_ENDINGS) or (
        lemma.endswith("e") and lemma != suffix and suffix.endswith(PARTICIPLE_ENDINGS))


def _head(suffix: str) -> bool:
    if suffix in GENERIC_HEADS or suffix in _CUT_WORDS or _lemma(suffix) in GENERIC_HEADS:
        return True
    return _abstract_head(suffix) or _adjective_head(suffix) or any(
        suffix.endswith(f) and suffix[: -len(f)] in GENERIC_HEADS for f in _HEAD_FORMS)


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


# Heads of the names of places and housing areas ("Vest|byen", "Hede|husene", "Nord|parken", "Sten|lille").
PLACE_HEADS = frozenset({
    "by", "bye", "havn", "park", "vang", "gård", "gaard", "hus", "huse", "vej", "gade", "høj", "lund",
    "lunde", "skov", "bakke", "bak", "dal", "mose", "strand", "holm", "toft", "tofte", "have", "bjerg",
    "berg", "eng", "enge", "mark", "hede", "kær", "kilde", "bro", "sted", "borg", "næs", "vig", "sund",
    "ager", "bæk", "sø", "fjord", "bugt", "kyst", "land", "torv", "plads", "kvarter", "side", "ende", "lev",
    "rup", "strup", "torp", "ved", "vænge", "løkke", "sti", "gyde", "ly", "bo", "rød", "holt", "skær", "værk",
    "leje", "lyst", "lille", "minde", "pris", "kro", "ø", "å",
})
# ... and of local units and families ("Borger|indgangen", "Unge|porten", "Skov|mand", "Lade|foged"): a
# compound with one of them may be a name, however ordinary its two words.
NAME_HEADS = PLACE_HEADS | frozenset({
    "hjem", "center", "indgang", "port", "stue", "hal", "skole", "klinik", "base", "punkt", "hjørne",
    "trappe", "rum", "værksted", "café", "cafe", "spor", "linje", "kompas", "rede", "skib", "stjerne",
    "spire", "bord", "hold", "klub", "tårn", "slot", "kirke", "mølle", "anlæg", "mand", "søn", "datter",
    "sang", "foged", "smed", "skytte", "stad", "bølle", "unger",
})
# First parts that make a compound a place ("Nord|havn", "Nørre|parken", "Ny|byen").
DIRECTION_WORDS = frozenset({
    "nord", "syd", "øst", "vest", "nørre", "søndre", "sønder", "øster", "vester", "midt", "ny", "nye",
    "gammel", "gamle", "store", "stor", "lille", "over", "neder", "øvre", "nedre", "sankt", "skt",
})


def _name_head(head: str, heads: frozenset[str] = NAME_HEADS) -> bool:
    """``head`` is one of ``heads``, inflected or not ("byen", "husene", "parken")."""
    forms = {head, _lemma(head)} | {head[: -len(e)] for e in (*_INFLECTIONS, "en", "et") if head.endswith(e)}
    return bool(forms & heads)


def is_place_compound(word: str) -> bool:
    """A word headed like a place or a housing area: "Nordparken", "Finlandsparken", "Vestervang"."""
    lower = word.lower()
    return word.isalpha() and any(_name_head(lower[cut:], PLACE_HEADS) for cut in range(3, len(lower) - 1))


def _definite_singular(head: str) -> bool:
    """"indgangen", "systemet": the form of a unique thing, and of the names of units ("Ungeporten")."""
    return head.endswith(("en", "et")) and not head.endswith(("ene", "rne")) and _lemma(head) != head


def _plural(head: str) -> bool:
    """A noun's indefinite plural ("familier", "pakker"): a form no place or unit name takes (the definite
    plural is the form of day-care and association names: "Trolde|ungerne", "Regnbue|børnene")."""
    return head.endswith("er") and _lemma(head) != head


def _definite_plural(head: str) -> bool:
    """"stammerne", "tallene", "ungerne": a noun's definite plural."""
    return head.endswith(("ene", "rne")) and _lemma(head) != head


# Endings of abstract nouns ("ledel|se", "økono|mi", "opbak|ning", "tvær|faglig|hed"): no place, unit or
# family name has such a head ("Her|ning" is no compound: "ning" is no word).
_ABSTRACT_ENDINGS = ("hed", "else", "ning", "skab", "tion", "sion", "isme", "itet", "ering", "nomi", "logi",
                     "grafi")
# First parts Danish joins with a linking "s" by their ending ("investering|s|case", "ledelse|s|opbakning",
# "sundhed|s|pleje"): a surname or town joined so ("Rosen|s|tand", "Brand|s|trup") has no such ending.
_LINKING_ENDINGS = ("ing", "else", "hed", "tion", "sion", "skab", "dom", "sel", "itet", "tet")


def _abstract(head: str) -> bool:
    """An abstract noun in its base form ("økonomi", "ledelse", "opbakning", "koordinering")."""
    return len(head) >= 6 and head.endswith(_ABSTRACT_ENDINGS) and _lemma(head) == head


def _ordinary_prefix(prefix: str, *, linked: bool) -> bool:
    """An ordinary first part, not a direction or a name; ``linked``: one joined by a linking "s" to the
    head that its ending asks for ("investering|s|case"), which town names and surnames lack ("Middel|fart",
    "Støv|ring", "Sten|løse", "Rosen|s|tand")."""
    candidates = {prefix[:-1]} if linked else {prefix, prefix[:-1] if prefix[-1:] in ("s", "e") else prefix}
    return (not linked or prefix.endswith("s")) and any(
        len(c) >= (5 if linked else 4) and _common(c) and c not in DIRECTION_WORDS
        and (not linked or c.endswith(_LINKING_ENDINGS))
        and not is_known_name(c.capitalize()) for c in candidates)


def _any_name_head(lower: str) -> bool:
    """Some cut of ``lower`` leaves a head of a place, unit or family name ("Brand|strup", "Skov|mand"); a
    derivational ending is no head ("tværfaglig|hed" is no "hede")."""
    return any(_name_head(lower[cut:]) for cut in range(3, len(lower) - 1)
               if lower[cut:] not in _ABSTRACT_ENDINGS + _LINKING_ENDINGS)


def is_ordinary_compound(word: str) -> bool:
    """Two ordinary words, no cut of them headed like a name, not after a direction and not in its definite
    singular: an indefinite plural head ("Flygtninge|familier"), an abstract noun ("Søjle|økonomi",
    "Borger|inddragelse") or one joined by the linking "s" its first part asks for ("Investerings|case",
    "Forebyggelses|pakkerne"). Not "Vest|byen", "Nord|havn", "Borger|indgangen", "Unge|porten",
    "Middel|fart", "Brands|trup" (a place head in another cut), "Trolde|ungerne" (a definite plural without
    a linking "s": the form of day-care names)."""
    if not word.isalpha() or is_known_name(word):
        return False
    lower = word.lower()
    if _any_name_head(lower):
        return False
    for cut in range(4, len(lower) - 3):
        head = lower[cut:]
        if not _common(head) or _definite_singular(head):
            continue
        if _ordinary_prefix(lower[:cut], linked=not (_plural(head) or _abstract(head))):
            return True
    return False


@lru_cache(maxsize=65536)
def is_generic_word(word: str) -> bool:
    """True when ``word`` is an ordinary word, generic compound, truncated compound or generic term."""
    word = word.strip()
    letters = sum(ch.isalpha() for ch in word)
    if letters == 0:
        return True
    if letters == 1 and word[0].isupper():
        return False  # an initial ("R.") is part of a name
    if _generic_term(word) or word in _national_abbreviations():
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


_FILLERS = frozenset({"øh", "øhm", "øhh", "hm", "hmm", "mm", "mmm", "æh", "æhm", "ehm", "altså", "jo", "ja",
                      "nej", "kontakt"})


def _junk_lead(token: Token, label: str, nxt: Token | None) -> bool:
    """A leading token that is no part of a name: punctuation, filler, title, or (before a person's
    name) a generic term such as "FGU" or a sentence-initial ordinary word such as "Kontakt"; an item
    number or id ("Q2", "R12") before any name."""
    if not any(ch.isalpha() for ch in token.text) or token.is_punct or _is_title(token):
        return True
    if token.lower_ in _FILLERS:
        return True
    if nxt is not None and _item_number(token.text):
        return True  # an item number or id before the words ("Q2 Samarbejde", "R12 Birthe Kjærgaard")
    if label != "PERSON" or nxt is None or token.lower_ in CONNECTORS or is_generic_word(nxt.text):
        return False
    return _generic_term(token.text) or (is_sentence_initial(token) and is_generic_word(token.text))


def trim(span: Span) -> Span | None:
    """``span`` without leading junk and trailing punctuation; None when nothing is left."""
    start, end = span.start, span.end
    while start < end and _junk_lead(span.doc[start], span.label_,
                                     span.doc[start + 1] if start + 1 < end else None):
        start += 1
    while end > start and (not any(ch.isalpha() for ch in span.doc[end - 1].text)
                           or span.doc[end - 1].lower_ in CONNECTORS):
        end -= 1
    if start == end:
        return None
    if (start, end) == (span.start, span.end):
        return span
    from spacy.tokens import Span

    return Span(span.doc, start, end, label=span.label_)


def _protected(span: Span) -> bool:
    """A multi-word local unit ("Center for Sammenhængende Indsatser", "Familiehuset på Vestergade")."""
    return span.label_ == "ENHED" and len(span) > 1


def _coordinated(span: Span) -> bool:
    doc = span.doc
    around = [doc[i] for i in (span.start - 1, span.end) if 0 <= i < len(doc)]
    return any(t.lower_ in ("og", "&", "+", "/") for t in around)


def _after_initial(span: Span) -> bool:
    return span.start > 0 and bool(_INITIAL.match(span.doc[span.start - 1].text))


def _person_evidence(span: Span) -> bool:
    """A lone uninflected ordinary word the model calls a person mid-sentence ("Det samme vil Bank."):
    kept, unless it is a compound, a generic term, or stands in a department list ("Børn og Familie")."""
    token = span[0]
    lower = token.lower_
    plain = (_in_table(lower) and _lemma(lower) == lower and not _generic_term(token.text)
             and token.text not in ROLE_WORDS)
    before = token.doc[token.i - 1].text if token.i > 0 else ""
    # after a pause, or after an item number as a heading starts ("Q2 Samarbejde")
    after_pause = before in ("…", "...") or _item_number(before)
    return (span.label_ == "PERSON" and plain and not is_sentence_initial(token) and not after_pause
            and not _coordinated(span))


def is_generic_span(span: Span) -> bool:
    """A droppable span whose words are all generic: one word ("Psykiatrien", "FGU") or words joined
    by "og"/"&"/"+" ("Børn og Unge"). "Indre Mission" stays: capitalised words in a row are a name."""
    if span.label_ not in DROPPABLE or _protected(span) or _after_initial(span):
        return False
    content = [t for t in span if t.lower_ not in CONNECTORS and any(ch.isalpha() for ch in t.text)]
    if len(content) == 1 and len(span) == 1 and _person_evidence(span):
        return False
    joined = len(content) == 1 or any(t.lower_ in ("og", "&", "+") for t in span)
    return joined and is_generic_phrase(span.text) or _ordinary_opening(span)


def _ordinary_opening(span: Span) -> bool:
    """A sentence opening with a compound of two ordinary words that the model or the heuristics took for
    a name ("Flygtningefamilier, især dem …", "Investeringscase: …"); mid-sentence, or quoted or in brackets
    ('det vi kalder "Familiebordet"'), such a word stays a name."""
    if len(span) != 1 or span.label_ not in _GUESSES or not is_sentence_initial(span[0]):
        return False
    prev = span.doc[span.start - 1].text if span.start > 0 else ""
    return prev not in _QUOTES_AND_BRACKETS and is_ordinary_compound(span.text)


# Ids and references of letters and digits ("R003", "K-04", "B7", "§ 5"): a study's respondent and
# interview ids in an analyst's memo ("se også R003"), item numbers — never a person or a place.
ID_LIKE = re.compile(r"^(?:[A-ZÆØÅa-zæøå]{1,4}[-.]?\d+[A-Za-z]?|\d+[-.]?[A-ZÆØÅa-zæøå]{1,2})$")
ABBREVIATIONS = frozenset({"Jf.", "Jf", "Jvf.", "Evt.", "Bl.a.", "Fx.", "Fx", "Ca.", "Mht.", "Vedr.",
                           "Inkl.", "Ang.", "Ang", "Spm.", "Spm", "Sp.", "Sv.", "Bem.", "Afd.", "Udd.",
                           "Obs.", "Nb.", "NB", "NB.", "Pga.", "Pga", "Mhp.", "Mhp", "Iflg.", "Ift.", "Vha."})


def _item_number(text: str) -> bool:
    """An item number or id with a digit ("Q2", "R12"), not a bare abbreviation."""
    return bool(ID_LIKE.match(text)) and any(ch.isdigit() for ch in text)


def is_id_like(span: Span) -> bool:
    """A droppable span made only of id-like words or abbreviations (see :data:`ID_LIKE`)."""
    words = [t.text for t in span if t.text not in CONNECTORS]
    return span.label_ in DROPPABLE and bool(words) and all(
        ID_LIKE.match(w) or w in ABBREVIATIONS for w in words)


def filter_spans(spans: list[Span]) -> list[Span]:
    """Trim every entity to its name and drop the generic ones (KEEP and contact data untouched)."""
    kept = []
    for span in spans:
        if span.label_ in UNTOUCHED:
            kept.append(span)
            continue
        trimmed = trim(span)
        if trimmed is not None and not is_generic_span(trimmed) and not is_id_like(trimmed):
            kept.append(trimmed)
    return kept


# One letter ("I", "D", "R2") or a usual role abbreviation is a role; other two-letter labels are
# initials ("KJ", "MH" for Karl Johan, Mette Hansen) and are pseudonymised like names.
_ROLE_LABEL = re.compile(
    r"^(?:[A-ZÆØÅ]\d*|(?:IP|IV|KD|INT|RESP|MOD)\d*|interviewer|intervieweren|respondent|informant|moderator|"
    r"deltager|interviewperson|spørger|svarer|inf|taler|speaker|"
    r"[\wæøå]*(?:direktør|chef|leder|konsulent|rådgiver|borgmester|koordinator|medarbejder))(?:\s*\d+)?$",
    re.IGNORECASE,
)


def is_role_label(label: str) -> bool:
    """Whether a speaker label names a role ("I", "D", "Interviewer", "Kommunaldirektør") or is an
    abbreviation of the field ("HK", "SDU") rather than a person."""
    text = label.strip().rstrip(":")
    return (not text or text in ROLE_WORDS or bool(_ROLE_LABEL.match(text))
            or (text.isupper() and is_generic_word(text)))

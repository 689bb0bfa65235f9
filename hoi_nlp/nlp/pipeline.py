"""Load the Danish spaCy pipeline once, behind a configurable name.

The bundled default, ``hoi.da_lookup.v1``, is ``spacy.blank("da")`` with a sentencizer and a
lookup lemmatizer over spacy-lookups-data's 553k Danish forms, with a lower-case fallback,
genitive/inflection stripping for unknown words and a small override list for known wrong
entries. Any installed Danish spaCy package (``da_core_news_lg``, a DaCy model) can be named
instead; it is loaded with :func:`spacy.load`, never downloaded.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

import spacy
from spacy.language import Language
from spacy.lookups import Table
from spacy.tokens import Doc

from hoi_nlp.errors import ModelError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

DEFAULT_PIPELINE = "hoi.da_lookup.v1"

# Entries in the lookup table that are wrong for running text (the table maps "med" to "mede").
LEMMA_OVERRIDES: dict[str, str] = {
    "med": "med",
    "mere": "mere",
    "flere": "flere",
    "ved": "ved",
    "man": "man",
    "der": "der",
    "for": "for",
    "vi": "vi",
    "os": "os",
    "kan": "kunne",
    "skal": "skulle",
    "vil": "ville",
    "må": "måtte",
    "får": "få",
    "fik": "få",
    "gør": "gøre",
    "gjorde": "gøre",
    "er": "være",
    "var": "være",
    "har": "have",
    "havde": "have",
    "unge": "ung",
    "børn": "barn",
    "børnene": "barn",
    "centret": "center",
    "centrets": "center",
    "centre": "center",
    "centrene": "center",
    "centrenes": "center",
    # Forms the table gives a wrong lemma (found in the demo's theme keywords: "have" -> "hav").
    "have": "have",
    "voksen": "voksen",
    "fast": "fast",
    "faste": "fast",
    "godt": "god",
    "svært": "svær",
    "fint": "fin",
    "tæt": "tæt",
    "tit": "tit",
    "nyt": "ny",
    "lavet": "lave",
    "borger": "borger",
    "rådgiver": "rådgiver",
    "sagsbehandler": "sagsbehandler",
    "leder": "leder",
    "lederne": "leder",
    "kolleger": "kollega",
    "kollegerne": "kollega",
    "erfaren": "erfaren",
    "egen": "egen",
    "eget": "egen",
    "egne": "egen",
    "både": "både",
    "under": "under",
    "end": "end",
    "op": "op",
    "før": "før",
    "anden": "anden",
    "mange": "mange",
    "meget": "meget",
    "handicap": "handicap",
    "interviewer": "interviewer",
    "vegne": "vegne",
}

# Inflectional endings tried, longest first, when a word is not in the table.
_SUFFIXES = ("ernes", "enes", "erne", "ene", "ens", "ets", "en", "et", "er", "e", "s")


def _stem_candidates(stem: str) -> tuple[str, ...]:
    """Base forms a stripped stem may come from: itself, +e, and the -er/-r alternation
    of Danish nouns (jobcentr-et → jobcenter, kamr-et → kammer is not attempted)."""
    candidates = [stem, stem + "e"]
    if stem.endswith("r") and len(stem) >= 4 and stem[-2] not in "aeiouyæøå":
        candidates.append(stem[:-1] + "er")
    return tuple(candidates)


class LookupLemmatizer:
    """Lemmatise with a lookup table: exact form, lower case, then stripped inflections."""

    def __init__(self, table: Table, overrides: dict[str, str]) -> None:
        self.table = table
        self.overrides = overrides

    def lemma(self, word: str) -> str:
        """Return the lower-cased lemma of ``word``."""
        lower = word.lower()
        if lower in self.overrides:
            return self.overrides[lower]
        for form in (word, lower):
            found = self.table.get(form)
            if found and form in self.table:
                return str(found).lower()
        return self._strip_inflection(lower)

    def _strip_inflection(self, lower: str) -> str:
        if "-" in lower:
            head, _, tail = lower.rpartition("-")
            return f"{head}-{self.lemma(tail)}" if tail else lower
        for suffix in _SUFFIXES:
            stem = lower[: -len(suffix)]
            if lower.endswith(suffix) and len(stem) >= 3:
                for candidate in _stem_candidates(stem):
                    if candidate in self.table:
                        return str(self.table[candidate]).lower()
        return self._compound_head(lower)

    def _compound_head(self, lower: str) -> str:
        """Lemmatise an unknown compound by its longest known head word (sektor+lovgivningerne)."""
        for split in range(3, len(lower) - 3):
            head = lower[split:]
            if head in self.overrides:
                return lower[:split] + self.overrides[head]
            if head in self.table:
                return lower[:split] + str(self.table[head]).lower()
        return lower

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if not token.is_punct and not token.is_space:
                token.lemma_ = self.lemma(token.text)
            else:
                token.lemma_ = token.text
        return doc


@Language.factory("hoi_lookup_lemmatizer")
def _make_lookup_lemmatizer(nlp: Language, name: str) -> LookupLemmatizer:
    return LookupLemmatizer(danish_lemma_table(), LEMMA_OVERRIDES)


@lru_cache(maxsize=1)
def danish_lemma_table() -> Table:
    try:
        from spacy_lookups_data import get_file  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelError("spacy-lookups-data is not installed", hint="pip install spacy-lookups-data") from exc
    from spacy.lookups import load_lookups

    lookups = load_lookups("da", ["lemma_lookup"])
    return lookups.get_table("lemma_lookup")


def build_bundled_pipeline() -> Language:
    """The default offline Danish pipeline: tokenizer, sentencizer, lookup lemmatizer."""
    nlp = spacy.blank("da")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("hoi_lookup_lemmatizer")
    return nlp


@lru_cache(maxsize=4)
def load_pipeline(name: str = DEFAULT_PIPELINE) -> Language:
    """Load the pipeline ``name`` once per process.

    ``hoi.da_lookup.v1`` is bundled; any other name must be an installed spaCy package or a
    model directory on disk.
    """
    if name == DEFAULT_PIPELINE:
        return build_bundled_pipeline()
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ModelError(
            f"spaCy pipeline '{name}' is not installed",
            hint=f"install the package that provides it, or set nlp.pipeline = '{DEFAULT_PIPELINE}'",
        ) from exc
    if not nlp.has_pipe("sentencizer") and not nlp.has_pipe("senter") and not nlp.has_pipe("parser"):
        nlp.add_pipe("sentencizer")
    logger.info("loaded spaCy pipeline %s (%s)", name, ", ".join(nlp.pipe_names))
    return nlp


@lru_cache(maxsize=4)
def load_sentence_pipeline(name: str = DEFAULT_PIPELINE) -> Language:
    """The pipeline used to split sentences: for the bundled one, only tokenizer + sentencizer
    (no lemmas needed); an installed package is used whole (its parser/senter may split better)."""
    if name != DEFAULT_PIPELINE:
        return load_pipeline(name)
    nlp = spacy.blank("da")
    nlp.add_pipe("sentencizer")
    return nlp


def lemmatize(text: str, *, pipeline: str = DEFAULT_PIPELINE) -> str:
    """Return the space-joined lower-case lemmas of ``text``."""
    nlp = load_pipeline(pipeline)
    return " ".join(token.lemma_.lower() for token in nlp(text) if not token.is_space)


def pipe(texts: Iterable[str], *, pipeline: str = DEFAULT_PIPELINE, batch_size: int = 256) -> Iterator[Doc]:
    """Stream Docs for ``texts`` in batches (never holds a whole corpus of Docs)."""
    nlp = load_pipeline(pipeline)
    yield from nlp.pipe(texts, batch_size=batch_size)

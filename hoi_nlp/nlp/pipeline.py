"""Load the Danish spaCy pipeline once, behind a configurable name.

The bundled default, ``hoi.da_lookup.v1``, is ``spacy.blank("da")`` with a sentencizer and a
lookup lemmatizer over spacy-lookups-data's 553k Danish forms, with a lower-case fallback,
genitive/inflection stripping for unknown words and a small override list for known wrong
entries. Any installed Danish spaCy package (``da_core_news_lg``, a DaCy model) can be named
instead; it is loaded with :func:`spacy.load`, never downloaded.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from hoi_nlp.errors import ModelError
from hoi_nlp.io import write_atomic
from hoi_nlp.settings import LEGACY_CACHE_ENV, machine_cache_dir

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
    """Lemmatise with a lookup table: exact form, lower case, then stripped inflections.

    ``table`` is any mapping from form to lemma (``in``, ``get``, ``[]``); a callable returning
    one is called on first use, so a pipeline that never lemmatises never loads the table.
    Lemmas are remembered per word form (a bounded memo), so running text costs one dictionary
    lookup per token once its words have been seen.
    """

    MEMO_SIZE = 200_000

    def __init__(self, table: LemmaLookup | Mapping[str, str] | Callable[[], LemmaLookup],
                 overrides: dict[str, str]) -> None:
        self._table = table
        self.overrides = overrides
        self._memo: dict[str, str] = {}

    @property
    def table(self) -> LemmaLookup | Mapping[str, str]:
        """The lookup table (loaded on first use)."""
        if callable(self._table):
            self._table = self._table()
        return self._table

    def lemma(self, word: str) -> str:
        """Return the lower-cased lemma of ``word``."""
        found = self._memo.get(word)
        if found is None:
            found = self._lemma(word)
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            self._memo[word] = found
        return found

    def _lemma(self, word: str) -> str:
        lower = word.lower()
        if lower in self.overrides:
            return self.overrides[lower]
        table = self.table
        for form in (word, lower):
            found = table.get(form)
            if found and form in table:
                return str(found).lower()
        return self._strip_inflection(lower)

    def _strip_inflection(self, lower: str) -> str:
        if "-" in lower:
            head, _, tail = lower.rpartition("-")
            return f"{head}-{self.lemma(tail)}" if tail else lower
        table = self.table
        for suffix in _SUFFIXES:
            stem = lower[: -len(suffix)]
            if lower.endswith(suffix) and len(stem) >= 3:
                for candidate in _stem_candidates(stem):
                    if candidate in table:
                        return str(table[candidate]).lower()
        return self._compound_head(lower)

    def _compound_head(self, lower: str) -> str:
        """Lemmatise an unknown compound by its longest known head word (sektor+lovgivningerne)."""
        table = self.table
        for split in range(3, len(lower) - 3):
            head = lower[split:]
            if head in self.overrides:
                return lower[:split] + self.overrides[head]
            if head in table:
                return lower[:split] + str(table[head]).lower()
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
    return LookupLemmatizer(danish_lemma_table, LEMMA_OVERRIDES)


def _form_hash(form: str) -> int:
    return int.from_bytes(hashlib.blake2b(form.encode("utf-8"), digest_size=8).digest(), "little")


class LemmaLookup:
    """A read-only form → lemma table held compactly: the sorted 64-bit hashes of the forms, each
    form's lemma as an index into the list of distinct lemmas (553k Danish forms: ~10 MB and a
    few tens of milliseconds to load, against ~150 MB and seconds for a dict or spaCy ``Table``).

    Like spaCy's ``Table`` it stores hashes, not the forms: ``in``, ``get`` and ``[]`` behave as on
    the original mapping (a 64-bit hash collision with an absent word is vanishingly unlikely);
    the forms cannot be listed. Lookups are remembered in a bounded memo.
    """

    FORMAT = 1
    MEMO_SIZE = 100_000

    def __init__(self, hashes: np.ndarray, lemma_index: np.ndarray, lemmas: list[str]) -> None:
        self._hashes = hashes
        self._index = lemma_index
        self._lemmas = lemmas
        self._memo: dict[str, str | None] = {}

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, str]]) -> LemmaLookup:
        """Build from ``(form, lemma)`` pairs."""
        lemma_ids: dict[str, int] = {}
        pairs = sorted((_form_hash(form), lemma_ids.setdefault(lemma, len(lemma_ids)))
                       for form, lemma in items)
        hashes = np.fromiter((h for h, _ in pairs), dtype=np.uint64, count=len(pairs))
        if len(hashes) > 1 and not (hashes[1:] != hashes[:-1]).all():
            raise ModelError("two forms of the lemma table share a 64-bit hash", hint="report this as a bug")
        index = np.fromiter((i for _, i in pairs), dtype=np.uint32, count=len(pairs))
        return cls(hashes, index, list(lemma_ids))

    def save(self, path: Path) -> Path:
        """Write the table to ``path`` (``.npz``) atomically."""
        blob = "\n".join(self._lemmas).encode("utf-8")
        if len(blob.split(b"\n")) != len(self._lemmas):
            raise ModelError("a lemma contains a line break", hint="report this as a bug")

        def write(tmp: Path) -> None:
            with tmp.open("wb") as stream:
                np.savez(stream, format=np.array([self.FORMAT]), hashes=self._hashes, index=self._index,
                         lemmas=np.frombuffer(blob, dtype=np.uint8))

        return write_atomic(path, write, mode=0o644)

    @classmethod
    def load(cls, path: Path) -> LemmaLookup:
        """Read a table written by :meth:`save`."""
        with np.load(path) as data:
            if int(data["format"][0]) != cls.FORMAT:
                raise ValueError(f"lemma table format {int(data['format'][0])}, expected {cls.FORMAT}")
            lemmas = data["lemmas"].tobytes().decode("utf-8").split("\n")
            return cls(data["hashes"], data["index"], lemmas)

    def _find(self, form: str) -> str | None:
        found = self._memo.get(form, self)
        if found is not self:
            return found  # type: ignore[return-value]
        key = _form_hash(form)
        i = int(self._hashes.searchsorted(np.uint64(key)))
        lemma = self._lemmas[int(self._index[i])] if i < len(self._hashes) and int(self._hashes[i]) == key \
            else None
        if len(self._memo) >= self.MEMO_SIZE:
            self._memo.clear()
        self._memo[form] = lemma
        return lemma

    def __contains__(self, form: object) -> bool:
        return isinstance(form, str) and self._find(form) is not None

    def __getitem__(self, form: str) -> str:
        lemma = self._find(form) if isinstance(form, str) else None
        if lemma is None:
            raise KeyError(form)
        return lemma

    def get(self, form: str, default: Any = None) -> Any:  # type: ignore[override]
        lemma = self._find(form) if isinstance(form, str) else None
        return default if lemma is None else lemma

    def __len__(self) -> int:
        return len(self._hashes)


LEMMA_CACHE_ENV = LEGACY_CACHE_ENV


def lemma_cache_dir() -> Path:
    """Where the compact lemma table is kept (derived from the installed spacy-lookups-data, built on
    first use): :func:`hoi_nlp.settings.machine_cache_dir`."""
    return machine_cache_dir()


def _lookups_source() -> Path:
    try:
        import spacy_lookups_data
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelError("spacy-lookups-data is not installed",
                         hint="pip install spacy-lookups-data") from exc
    return Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz"


@lru_cache(maxsize=1)
def danish_lemma_table() -> LemmaLookup:
    """spacy-lookups-data's Danish lemma lookup table (553k forms) as a compact :class:`LemmaLookup`.

    Built once from the installed package into :func:`lemma_cache_dir` (a second or two), then
    loaded from there; where that folder cannot be written, it is built in memory each time.
    """
    source = _lookups_source()
    try:
        version = metadata.version("spacy-lookups-data")
        size = source.stat().st_size
    except (metadata.PackageNotFoundError, OSError) as exc:
        raise ModelError("spacy-lookups-data's Danish lemma table is missing", path=str(source),
                         hint="pip install --force-reinstall spacy-lookups-data") from exc
    path = lemma_cache_dir() / f"da-lemma-lookup-{version}-{size}-v{LemmaLookup.FORMAT}.npz"
    if path.is_file():
        try:
            return LemmaLookup.load(path)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("rebuilding the unreadable lemma table %s: %s", path, exc)
    logger.info("building the compact Danish lemma table from %s (once)", source)
    with gzip.open(source, "rb") as stream:
        table = LemmaLookup.from_items(json.loads(stream.read()).items())
    try:
        table.save(path)
    except OSError as exc:
        logger.warning("cannot keep the lemma table in %s (%s): it is rebuilt in every process", path, exc)
    return table


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

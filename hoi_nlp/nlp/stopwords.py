"""Danish stop words for topic keywords: function words, auxiliaries and spoken fillers.

The list (``hoi_nlp/resources/stopwords_da.txt``) is used only when counting words for
c-TF-IDF keywords, never before embedding: the embedding model sees the full text.
Because the topic vectoriser counts lemmas, :func:`stopword_lemmas` adds the lemma of every
listed form, so ``er`` also removes ``være``.

Theme keywords and labels use :func:`theme_stopwords`: these plus a domain list
(``hoi_nlp/resources/stopwords_themes_da.txt``): generic verbs, the words of the survey's own
questions ("besvare", "vælge", "forvente"), interview filler, and words nearly every answer in this
field holds ("kommune", "medarbejder", "borger", "indsats"), plus a study's own additions.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE

STOPWORDS_FILE = Path(__file__).resolve().parent.parent / "resources" / "stopwords_da.txt"
THEME_STOPWORDS_FILE = STOPWORDS_FILE.with_name("stopwords_themes_da.txt")
# Lemmas of listed forms that are content words in this domain ("tidligere" -> "tidlig indsats").
CONTENT_LEMMAS = frozenset({"tidlig", "nytte", "ende", "rette", "tag", "hav", "sen", "nær", "næste", "and"})


@lru_cache(maxsize=4)
def danish_stopwords(path: str | Path = STOPWORDS_FILE) -> frozenset[str]:
    """The lower-cased stop words of ``path`` (one per line, ``#`` starts a comment line)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=4)
def stopword_lemmas(pipeline: str = DEFAULT_PIPELINE) -> frozenset[str]:
    """The stop words plus their lemmas under ``pipeline`` (for a lemma-based vectoriser)."""
    from hoi_nlp.nlp.pipeline import lemmatize

    words = danish_stopwords()
    lemmas = {lemma for word in words for lemma in lemmatize(word, pipeline=pipeline).split()}
    return frozenset(words | (lemmas - CONTENT_LEMMAS))


def theme_stopwords(pipeline: str = DEFAULT_PIPELINE, extra: Iterable[str] = ()) -> frozenset[str]:
    """Stop words for theme keywords: :func:`stopword_lemmas`, the domain list and ``extra``, with lemmas."""
    return _theme_stopwords(pipeline, tuple(sorted({w.strip().lower() for w in extra if w.strip()})))


@lru_cache(maxsize=8)
def _theme_stopwords(pipeline: str, extra: tuple[str, ...]) -> frozenset[str]:
    from hoi_nlp.nlp.pipeline import lemmatize

    words = danish_stopwords(THEME_STOPWORDS_FILE) | set(extra)
    lemmas = {lemma for word in words for lemma in lemmatize(word, pipeline=pipeline).split()}
    return stopword_lemmas(pipeline) | words | lemmas

"""Danish stop words for topic keywords: function words, auxiliaries and spoken fillers.

The list (``hoi_nlp/resources/stopwords_da.txt``) is used only when counting words for
c-TF-IDF keywords, never before embedding: the embedding model sees the full text.
Because the topic vectoriser counts lemmas, :func:`stopword_lemmas` adds the lemma of every
listed form, so ``er`` also removes ``være``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE

STOPWORDS_FILE = Path(__file__).resolve().parent.parent / "resources" / "stopwords_da.txt"
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

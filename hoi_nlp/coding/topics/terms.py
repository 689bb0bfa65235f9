"""The terms theme keywords are counted in: Danish lemmas and two-word phrases, stop words as gaps.

:class:`ThemeTerms` is the analyser of the c-TF-IDF vectoriser. A text becomes lower-case lemmas
(words only, no digits); a stop-listed lemma (:func:`~hoi_nlp.nlp.stopwords.theme_stopwords`) or
a one-letter word is a gap. Terms are the remaining lemmas and the pairs of lemmas that stand next
to each other in the text, so a phrase never bridges a removed word ("tid til borgeren" gives no
"tid borger"). Labels show a phrase as the text most often says it (:func:`surface_forms`:
"faste teammøder", not the lemmas "fast teammøde").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Pseudonymisation placeholders ("[PERSON 1]", "[KOMMUNE]") are gaps, not words.
PLACEHOLDER = re.compile(r"\[[A-ZÆØÅ][A-ZÆØÅ _-]*(?: \d+)?\]")


class ThemeTerms:
    """Lemma uni- and bigrams of a text; stop words and one-letter words break phrases."""

    def __init__(self, lemma: Callable[[str], str], stopwords: Iterable[str]) -> None:
        self.lemma = lemma
        self.stopwords = frozenset(stopwords)
        self._known: dict[str, str | None] = {}

    def _term(self, word: str) -> str | None:
        if word not in self._known:
            lemma = self.lemma(word).lower()
            ok = len(lemma) > 1 and not lemma.isdigit() and lemma not in self.stopwords
            self._known[word] = lemma if ok and word.lower() not in self.stopwords else None
        return self._known[word]

    def words(self, text: str) -> list[tuple[str, str | None]]:
        """Every word of ``text`` (lower case) with its term lemma, ``None`` for a gap."""
        words: list[tuple[str, str | None]] = []
        for i, piece in enumerate(PLACEHOLDER.split(text)):
            if i:
                words.append(("", None))
            words += [(word.lower(), self._term(word)) for word in WORD.findall(piece)]
        return words

    def tokens(self, text: str) -> list[str | None]:
        """The term lemmas of ``text`` in order, ``None`` where a stop word stood."""
        return [term for _, term in self.words(text)]

    def __call__(self, text: str) -> list[str]:
        tokens = self.tokens(text)
        grams = [t for t in tokens if t]
        grams += [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False) if a and b and a != b]
        return grams


def surface_forms(terms: ThemeTerms, texts: Sequence[str], wanted: Iterable[str]) -> dict[str, str]:
    """The most frequent lower-case wording in ``texts`` of every lemma term in ``wanted``."""
    wanted = set(wanted)
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        words = terms.words(text)
        for i, (word, term) in enumerate(words):
            if term in wanted:
                seen[term][word] += 1
            if i and term and words[i - 1][1]:
                pair = f"{words[i - 1][1]} {term}"
                if pair in wanted:
                    seen[pair][f"{words[i - 1][0]} {word}"] += 1
    return {term: forms.most_common(1)[0][0] for term, forms in seen.items()}


def document_terms(terms: ThemeTerms, texts: Sequence[str]) -> list[set[str]]:
    """The term set of every text (for in-theme document frequencies)."""
    return [set(terms(text)) for text in texts]

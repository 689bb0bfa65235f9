"""The key's matcher as a trie matches exactly what the plain alternation (longest first) matches."""

from __future__ import annotations

import random
import re

from hoi_nlp.privacy.pseudonymize import trie_alternation

WORDS = ["Anne", "Anne Marie", "Anne-Mette", "Anders", "Andersen", "Ann", "Bo", "Bodil", "Bo Hansen",
         "Ballerup", "Ballerupvej 12", "K.", "mette@example.dk", "Ø. Jensen", "Æbeltoft", "(Lone)"]
EDGE = r"(?<![^\W_])(?:{})(?:'s|’s|s|'|’)?(?![^\W_])"


def _plain(words: list[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return re.compile(EDGE.format("|".join(alternatives)))


def _random_text(rng: random.Random, words: list[str], n: int) -> str:
    pieces = []
    for _ in range(n):
        word = rng.choice(words)
        cut = rng.random()
        if cut < 0.2:
            word = word[: rng.randrange(1, len(word) + 1)]
        elif cut < 0.5:
            word += rng.choice(["s", "'s", "’", "x", "_", "-Hansen", " Hansen", " Marie", "sen"])
        pieces.append(rng.choice(["", "_", "x", "(", " "]) + word + rng.choice(["", " ", ".", "_", ",\n"]))
    return " ".join(pieces)


def test_trie_matches_the_plain_alternation_exactly():
    rng = random.Random(7)
    found = 0
    for round_ in range(20):
        words = rng.sample(WORDS, k=rng.randrange(1, len(WORDS) + 1))
        trie = re.compile(EDGE.format(trie_alternation(words)))
        text = _random_text(rng, WORDS, 400)
        plain = [(m.span(), m.group()) for m in _plain(words).finditer(text)]
        assert [(m.span(), m.group()) for m in trie.finditer(text)] == plain, round_
        found += len(plain)
    assert found > 1000  # the texts do hold names, suffixes and near misses


def test_trie_shares_prefixes():
    assert trie_alternation(["Anne", "Anne Marie", "Anders"]) == r"An(?:ders|ne(?:\ Marie)?)"
    assert trie_alternation([]) == ""

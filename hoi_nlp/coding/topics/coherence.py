"""Topic coherence as NPMI of a topic's top terms on the study's own text (numpy only, no download).

For two terms *a* and *b* with document probabilities P(a), P(b) and joint probability P(a, b)
(the share of reference documents containing both)::

    NPMI(a, b) = log(P(a, b) / (P(a) P(b))) / -log P(a, b)

which is 1 when the terms only occur together, 0 when they are independent and -1 when they never
co-occur (the convention for P(a, b) = 0). A topic's coherence is the mean NPMI over all pairs of its
top terms; a model's is the mean over its topics. The reference documents are the study's own
segments, as term sets (``window=None``), or boolean sliding windows of ``window`` tokens over each
segment (a segment shorter than the window is one window), as in Röder et al.'s C_NPMI.

A term may be a phrase ("fast kontaktperson"): a document contains it when its tokens occur next to
each other there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np


def _ngrams(tokens: Sequence[str], max_n: int) -> set[str]:
    return {" ".join(tokens[i : i + n]) for n in range(1, max_n + 1) for i in range(len(tokens) - n + 1)}


def reference_sets(
    documents: Iterable[Sequence[str]], *, window: int | None = None, max_n: int = 2
) -> list[set[str]]:
    """The term sets (uni- to ``max_n``-grams) of every document or of every sliding window."""
    sets: list[set[str]] = []
    for tokens in documents:
        tokens = list(tokens)
        if not tokens:
            continue
        if window is None or len(tokens) <= window:
            sets.append(_ngrams(tokens, max_n))
        else:
            sets.extend(_ngrams(tokens[i : i + window], max_n) for i in range(len(tokens) - window + 1))
    return sets


def npmi_matrix(terms: Sequence[str], reference: Sequence[set[str]]) -> np.ndarray:
    """Pairwise NPMI of ``terms`` over ``reference`` (a list of term sets); 1 on the diagonal."""
    n_docs = len(reference)
    if not n_docs:
        raise ValueError("NPMI needs at least one reference document")
    presence = np.array([[term in doc for doc in reference] for term in terms], dtype=np.float64)
    joint = (presence @ presence.T) / n_docs
    single = presence.sum(axis=1) / n_docs
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(joint) - np.log(np.outer(single, single))
        npmi = pmi / -np.log(joint)
    npmi[joint == 0] = -1.0
    npmi[joint == 1] = 1.0  # both terms in every document: log 1 / -log 1
    np.fill_diagonal(npmi, 1.0)
    return npmi


def topic_npmi(terms: Sequence[str], reference: Sequence[set[str]]) -> float | None:
    """Mean NPMI over all pairs of ``terms`` (``None`` with fewer than two distinct terms)."""
    terms = list(dict.fromkeys(terms))
    if len(terms) < 2:
        return None
    matrix = npmi_matrix(terms, reference)
    pairs = [matrix[i, j] for i, j in combinations(range(len(terms)), 2)]
    return float(np.mean(pairs))


def top_terms(keywords: Sequence[str], *, n: int = 10) -> list[str]:
    """The first ``n`` distinct words of a topic's keywords, phrases split into their words."""
    words = [word for keyword in keywords for word in keyword.split()]
    return list(dict.fromkeys(words))[:n]

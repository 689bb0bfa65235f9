"""The evidence every trained coder reads: embeddings, lemmas and rule-pattern hits.

Texts go once through the spaCy pipeline (lemmas and rule matches share the Docs) and once
through the embedder (cached), and the result is passed to the similarity coder, the
classifier and the combiner alike. Context texts (the question a unit answers, neighbouring
units) are analysed the same way, once per distinct text, into :class:`ContextFeatures`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.base import CodingContext
from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, embed_cached
from hoi_nlp.records import Evidence

logger = logging.getLogger(__name__)


@dataclass
class ContextFeatures:
    """Analysed context texts (``pool``) and, per row, which of them are its question and neighbours."""

    pool: TextFeatures
    question: np.ndarray  # (n,) index into pool, -1 without a question
    neighbours: list[tuple[int, ...]] = field(default_factory=list)

    def subset(self, idx: np.ndarray) -> ContextFeatures:
        return ContextFeatures(self.pool, self.question[idx], [self.neighbours[i] for i in idx])


@dataclass
class TextFeatures:
    """Per-text evidence, rows aligned with the input texts."""

    embeddings: np.ndarray
    lemmas: list[str]
    rules: np.ndarray
    evidence: list[dict[str, tuple[Evidence, ...]]]
    texts: list[str] = field(default_factory=list)
    context: ContextFeatures | None = None

    def __len__(self) -> int:
        return len(self.lemmas)

    def subset(self, index: np.ndarray | Sequence[int]) -> TextFeatures:
        """The rows at ``index``."""
        idx = np.asarray(index, dtype=int)
        return TextFeatures(
            self.embeddings[idx],
            [self.lemmas[i] for i in idx],
            self.rules[idx],
            [self.evidence[i] for i in idx],
            [self.texts[i] for i in idx] if self.texts else [],
            self.context.subset(idx) if self.context is not None else None,
        )


def rule_features(
    texts: Sequence[str],
    rule_coder: RuleCoder,
    code_ids: Sequence[str],
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[list[str], np.ndarray, list[dict[str, tuple[Evidence, ...]]]]:
    """Lemmas, the rule-confidence matrix and rule evidence for ``texts`` (one spaCy pass);
    ``on_progress(done, total)`` hears every 256 texts."""
    index = {code_id: j for j, code_id in enumerate(code_ids)}
    matrix = np.zeros((len(texts), len(code_ids)), dtype=np.float32)
    lemmas: list[str] = []
    evidence: list[dict[str, tuple[Evidence, ...]]] = []
    for i, doc in enumerate(rule_coder.nlp.pipe(texts, batch_size=256)):
        if on_progress is not None and i and i % 256 == 0:
            on_progress(i, len(texts))
        lemmas.append(" ".join(tok.lemma_.lower() for tok in doc if not (tok.is_space or tok.is_punct)))
        found: dict[str, tuple[Evidence, ...]] = {}
        for assignment in rule_coder.code_doc(doc, str(i)):
            if assignment.code_id in index:
                matrix[i, index[assignment.code_id]] = assignment.confidence
                found[assignment.code_id] = assignment.evidence
        evidence.append(found)
    if on_progress is not None:
        on_progress(len(texts), len(texts))
    return lemmas, matrix, evidence


def analyse_texts(
    texts: Sequence[str],
    *,
    codebook: Codebook,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    rule_coder: RuleCoder | None = None,
    code_ids: Sequence[str] | None = None,
    contexts: Sequence[CodingContext | None] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> TextFeatures:
    """Embed, lemmatise and rule-match ``texts`` (and, given ``contexts``, their context texts).

    ``on_progress(step, done, total)`` hears how far each step is ("words": the spaCy pass,
    "embeddings": the texts not in the cache)."""
    texts = list(texts)
    code_ids = list(code_ids or codebook.code_ids)
    rule_coder = rule_coder or RuleCoder(codebook)
    lemmas, rules, evidence = rule_features(texts, rule_coder, code_ids,
                                            on_progress=_step(on_progress, "words"))
    embeddings = embed_cached(texts, embedder, cache, kind="passage",
                              on_progress=_step(on_progress, "embeddings"))
    logger.info("analysed %d texts (%d rule hits)", len(texts), int((rules > 0).sum()))
    features = TextFeatures(embeddings, lemmas, rules, evidence, texts)
    if contexts is not None and any(contexts):
        features.context = analyse_contexts(contexts, codebook=codebook, embedder=embedder, cache=cache,
                                            rule_coder=rule_coder, code_ids=code_ids, on_progress=on_progress)
    return features


def _step(
    on_progress: Callable[[str, int, int], None] | None, step: str
) -> Callable[[int, int], None] | None:
    if on_progress is None:
        return None
    return lambda done, total: on_progress(step, done, total)


def analyse_contexts(
    contexts: Sequence[CodingContext | None],
    *,
    codebook: Codebook,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    rule_coder: RuleCoder,
    code_ids: Sequence[str],
    on_progress: Callable[[str, int, int], None] | None = None,
) -> ContextFeatures:
    """Analyse each distinct question and neighbour text once; index them per row."""
    pool_index: dict[str, int] = {}

    def index_of(text: str) -> int:
        text = text.strip()
        if not text:
            return -1
        return pool_index.setdefault(text, len(pool_index))

    question = np.full(len(contexts), -1, dtype=np.int64)
    neighbours: list[tuple[int, ...]] = []
    for i, context in enumerate(contexts):
        if context is None:
            neighbours.append(())
            continue
        question[i] = index_of(context.question)
        neighbours.append(tuple(j for n in context.neighbours if (j := index_of(n)) >= 0))
    pool_texts = list(pool_index)
    lemmas, rules, evidence = rule_features(pool_texts, rule_coder, code_ids,
                                            on_progress=_step(on_progress, "context words"))
    embeddings = embed_cached(pool_texts, embedder, cache, kind="passage",
                              on_progress=_step(on_progress, "context embeddings"))
    pool = TextFeatures(embeddings, lemmas, rules, evidence, pool_texts)
    return ContextFeatures(pool, question, neighbours)

"""The evidence every trained coder reads: embeddings, lemmas and rule-pattern hits.

Texts go once through the spaCy pipeline (lemmas and rule matches share the Docs) and once
through the embedder (cached), and the result is passed to the similarity coder, the
classifier and the combiner alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, embed_cached
from hoi_nlp.records import Evidence

logger = logging.getLogger(__name__)


@dataclass
class TextFeatures:
    """Per-text evidence, rows aligned with the input texts."""

    embeddings: np.ndarray
    lemmas: list[str]
    rules: np.ndarray
    evidence: list[dict[str, tuple[Evidence, ...]]]

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
        )


def rule_features(
    texts: Sequence[str], rule_coder: RuleCoder, code_ids: Sequence[str]
) -> tuple[list[str], np.ndarray, list[dict[str, tuple[Evidence, ...]]]]:
    """Lemmas, the rule-confidence matrix and rule evidence for ``texts`` (one spaCy pass)."""
    index = {code_id: j for j, code_id in enumerate(code_ids)}
    matrix = np.zeros((len(texts), len(code_ids)), dtype=np.float32)
    lemmas: list[str] = []
    evidence: list[dict[str, tuple[Evidence, ...]]] = []
    for i, doc in enumerate(rule_coder.nlp.pipe(texts, batch_size=256)):
        lemmas.append(" ".join(tok.lemma_.lower() for tok in doc if not (tok.is_space or tok.is_punct)))
        found: dict[str, tuple[Evidence, ...]] = {}
        for assignment in rule_coder.code_doc(doc, str(i)):
            if assignment.code_id in index:
                matrix[i, index[assignment.code_id]] = assignment.confidence
                found[assignment.code_id] = assignment.evidence
        evidence.append(found)
    return lemmas, matrix, evidence


def analyse_texts(
    texts: Sequence[str],
    *,
    codebook: Codebook,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    rule_coder: RuleCoder | None = None,
    code_ids: Sequence[str] | None = None,
) -> TextFeatures:
    """Embed, lemmatise and rule-match ``texts``."""
    texts = list(texts)
    code_ids = list(code_ids or codebook.code_ids)
    rule_coder = rule_coder or RuleCoder(codebook)
    lemmas, rules, evidence = rule_features(texts, rule_coder, code_ids)
    embeddings = embed_cached(texts, embedder, cache, kind="passage")
    logger.info("analysed %d texts (%d rule hits)", len(texts), int((rules > 0).sum()))
    return TextFeatures(embeddings, lemmas, rules, evidence)

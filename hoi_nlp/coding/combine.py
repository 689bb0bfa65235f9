"""Combine rule, similarity and classifier evidence (``hoi.combined.v1``) and apply trained coders.

The stacker is one small logistic model pooled over all codes: its inputs per (segment, code)
are the logits of the calibrated similarity and classifier probabilities, the code's own rule
confidence (noisy-OR of its matching patterns) and whether a rule fired, plus a per-family
offset and per-family slopes of the two logits. Pooling keeps it to a few dozen weights, so it
generalises to codes with few examples. Per-code decision thresholds are chosen on
out-of-fold probabilities (max F1, shrunk towards one global threshold; the shrinkage weight
is itself chosen by cross-validation) and stored with the model.

:class:`TrainedCoder` applies a saved :class:`CoderBundle` to segments as one of three coders:
``similarity``, ``classifier`` or ``combined``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.linear_model import LogisticRegression

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.base import CLASSIFIER_V1, COMBINED_V1, SIMILARITY_V1
from hoi_nlp.coding.classify import ClassifierModel
from hoi_nlp.coding.features import TextFeatures, analyse_texts
from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.coding.similarity import SimilarityModel
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache
from hoi_nlp.records import CodeAssignment, Segment

logger = logging.getLogger(__name__)

TrainedMethod = Literal["similarity", "classifier", "combined"]
CODER_NAMES: dict[str, str] = {
    "similarity": SIMILARITY_V1,
    "classifier": CLASSIFIER_V1,
    "combined": COMBINED_V1,
}
_EPS = 1e-4


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities, clipped away from 0 and 1."""
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


class Stacker:
    """A pooled logistic model over per-code evidence with per-family offsets and slopes."""

    def __init__(self, families: Sequence[str], *, c: float = 1.0, seed: int = 0) -> None:
        self.families = list(families)
        self.family_ids = sorted(set(self.families))
        self.c = c
        self.seed = seed
        self.model: LogisticRegression | None = None

    def design(self, sim: np.ndarray, clf: np.ndarray, rules: np.ndarray) -> np.ndarray:
        """One row per (text, code): evidence, family one-hot, family × classifier/similarity logit."""
        n, c = sim.shape
        onehot = np.zeros((c, len(self.family_ids)))
        for j, family in enumerate(self.families):
            onehot[j, self.family_ids.index(family)] = 1.0
        columns = [logit(sim), logit(clf), rules, (rules > 0).astype(float)]
        evidence = np.stack([col.reshape(-1) for col in columns], axis=1)
        family = np.tile(onehot, (n, 1))
        slopes = [family * evidence[:, [1]], family * evidence[:, [0]]]
        return np.hstack([evidence, family, *slopes])

    def fit(self, sim: np.ndarray, clf: np.ndarray, rules: np.ndarray, labels: np.ndarray) -> Stacker:
        """Fit on out-of-fold component probabilities."""
        self.model = LogisticRegression(C=self.c, max_iter=1000, random_state=self.seed)
        self.model.fit(self.design(sim, clf, rules), labels.reshape(-1))
        return self

    def predict_proba(self, sim: np.ndarray, clf: np.ndarray, rules: np.ndarray) -> np.ndarray:
        """Combined probability ``(n, C)``."""
        if self.model is None:
            raise ValueError("Stacker.fit() has not been run")
        return self.model.predict_proba(self.design(sim, clf, rules))[:, 1].reshape(sim.shape)

    def weights(self) -> dict[str, float]:
        """Readable weights (for the model card)."""
        if self.model is None:
            return {}
        names = ["similarity_logit", "classifier_logit", "rule_confidence", "rule_fired"]
        names += [f"family:{f}" for f in self.family_ids]
        names += [f"classifier_logit×{f}" for f in self.family_ids]
        names += [f"similarity_logit×{f}" for f in self.family_ids]
        return {n: round(float(w), 3) for n, w in zip(names, self.model.coef_[0], strict=True)}


def best_f1_threshold(probs: np.ndarray, y: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    """The threshold in ``grid`` with the highest F1 (ties: the middle one) and that F1."""
    pred = probs[:, None] >= grid[None, :]
    tp = (pred & (y[:, None] == 1)).sum(axis=0)
    fp = (pred & (y[:, None] == 0)).sum(axis=0)
    fn = (~pred & (y[:, None] == 1)).sum(axis=0)
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    best = np.flatnonzero(f1 >= f1.max() - 1e-9)
    return float(grid[best[len(best) // 2]]), float(f1.max())


def select_thresholds(
    probs: np.ndarray, labels: np.ndarray, *, prior_weight: float = 10.0, grid: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Per-code thresholds: each code's max-F1 cut shrunk towards the pooled (micro) max-F1 cut.

    ``t_c = (n_c * t_best_c + prior_weight * t_global) / (n_c + prior_weight)``, where ``n_c`` is
    the number of positives of the code; codes without positives get ``t_global``.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3) if grid is None else grid
    t_global, _ = best_f1_threshold(probs.reshape(-1), labels.reshape(-1), grid)
    thresholds = np.full(labels.shape[1], t_global)
    for j in range(labels.shape[1]):
        positives = float(labels[:, j].sum())
        if positives > 0:
            t_code, _ = best_f1_threshold(probs[:, j], labels[:, j], grid)
            thresholds[j] = (positives * t_code + prior_weight * t_global) / (positives + prior_weight)
    return np.round(thresholds, 4), t_global


def cv_threshold_predictions(
    probs: np.ndarray, labels: np.ndarray, folds: np.ndarray, *, prior_weight: float = 10.0
) -> np.ndarray:
    """Boolean predictions where each fold uses thresholds chosen on the other folds."""
    pred = np.zeros(labels.shape, dtype=bool)
    for k in np.unique(folds):
        other, this = folds != k, folds == k
        cut, _ = select_thresholds(probs[other], labels[other], prior_weight=prior_weight)
        pred[this] = probs[this] >= cut[None, :]
    return pred


PRIOR_WEIGHTS = (10.0, 30.0, 100.0, 300.0, 1000.0)


def choose_prior_weight(
    probs: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
    *,
    candidates: Sequence[float] = PRIOR_WEIGHTS,
    tolerance: float = 0.005,
) -> tuple[float, dict[float, float]]:
    """The threshold shrinkage weight by cross-validation: the smallest within ``tolerance`` of the best.

    Each fold is scored (micro F1) with thresholds chosen on the other folds. Returns the
    chosen weight and the CV micro F1 of every candidate.
    """
    scores: dict[float, float] = {}
    gold = labels == 1
    for weight in candidates:
        pred = cv_threshold_predictions(probs, labels, folds, prior_weight=weight)
        tp, wrong = int((pred & gold).sum()), int((pred != gold).sum())
        scores[float(weight)] = round(2 * tp / max(2 * tp + wrong, 1), 4)
    best = max(scores.values())
    chosen = min(w for w, f in scores.items() if f >= best - tolerance)
    return chosen, scores


@dataclass
class CoderBundle:
    """Everything a trained coder needs, except the embedding model (referenced by id)."""

    code_ids: list[str]
    families: list[str]
    codebook_version: str
    embedder_spec: dict[str, str]
    pipeline: str
    similarity: SimilarityModel
    classifier: ClassifierModel
    stacker: Stacker
    thresholds: dict[str, list[float]]
    tfidf_embedder: Any = None
    model_version: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, features: TextFeatures) -> dict[str, np.ndarray]:
        """Rule, similarity, classifier and combined probabilities ``(n, C)`` each."""
        sim = self.similarity.predict_proba(features.embeddings)
        clf = self.classifier.predict_proba(features)
        combined = self.stacker.predict_proba(sim, clf, features.rules)
        return {"rule": features.rules, "similarity": sim, "classifier": clf, "combined": combined}


class TrainedCoder:
    """Apply a :class:`CoderBundle` as the similarity, classifier or combined coder."""

    def __init__(
        self,
        bundle: CoderBundle,
        codebook: Codebook,
        *,
        method: TrainedMethod = "combined",
        embedder: Embedder,
        cache: EmbeddingCache | None = None,
        min_confidence: float | None = None,
    ) -> None:
        self.bundle = bundle
        self.codebook = codebook
        self.method = method
        self.name = CODER_NAMES[method]
        self.version = bundle.model_version
        self.embedder = embedder
        self.cache = cache
        self.min_confidence = min_confidence
        self.rule_coder = RuleCoder(codebook, pipeline=bundle.pipeline)

    def features(self, texts: Sequence[str]) -> TextFeatures:
        """Embeddings, lemmas and rule hits for ``texts``."""
        return analyse_texts(
            texts,
            codebook=self.codebook,
            embedder=self.embedder,
            cache=self.cache,
            rule_coder=self.rule_coder,
            code_ids=self.bundle.code_ids,
        )

    def thresholds(self) -> np.ndarray:
        """The decision threshold per code (``min_confidence`` overrides when given)."""
        if self.min_confidence is not None:
            return np.full(len(self.bundle.code_ids), self.min_confidence)
        return np.asarray(self.bundle.thresholds[self.method])

    def code(self, segments: Sequence[Segment]) -> list[CodeAssignment]:
        """Assignments with confidence ≥ the code's threshold."""
        features = self.features([seg.text for seg in segments])
        return self.code_features(segments, features)

    def code_features(self, segments: Sequence[Segment], features: TextFeatures) -> list[CodeAssignment]:
        """Like :meth:`code` for already analysed segments."""
        probs = self.bundle.probabilities(features)
        chosen = probs[self.method] >= self.thresholds()[None, :]
        assignments: list[CodeAssignment] = []
        for i, j in zip(*np.nonzero(chosen), strict=True):
            assignments.append(self._assignment(segments[i], features, probs, int(i), int(j)))
        return assignments

    def _assignment(
        self, seg: Segment, features: TextFeatures, probs: dict[str, np.ndarray], i: int, j: int
    ) -> CodeAssignment:
        code_id = self.bundle.code_ids[j]
        components = {k: round(float(v[i, j]), 4) for k, v in probs.items() if k != "combined"}
        return CodeAssignment(
            segment_id=seg.segment_id,
            code_id=code_id,
            confidence=round(float(probs[self.method][i, j]), 4),
            method=self.method,
            coder=self.name,
            codebook_version=self.codebook.version_tag,
            model_version=self.bundle.model_version,
            evidence=features.evidence[i].get(code_id, ()),
            components=components,
        )

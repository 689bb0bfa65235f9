"""The supervised model behind ``hoi.classifier.v1``: one calibrated logistic model per code.

Features: the segment embedding (centred), lemma word uni-/bigram TF-IDF, lemma character
3–5-gram TF-IDF within word boundaries (catches parts of Danish compounds such as
"familieindsats") and the rule-pattern confidences of all codes (down-weighted, i.e. more
strongly regularised: cross-validation showed full-weight rule features overfit). Each code
gets a class-balanced L2 logistic regression; its decision values are mapped to probabilities
by Platt scaling fitted on out-of-fold decisions (per code when it has enough positives, else
one pooled map). The coder that applies it to segments lives in :mod:`hoi_nlp.coding.combine`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from hoi_nlp.coding.features import TextFeatures

logger = logging.getLogger(__name__)

MIN_POSITIVES_PER_CODE_PLATT = 8


class ClassifierModel:
    """Per-code logistic regressions over embedding ⊕ lemma word and char TF-IDF ⊕ rule hits.

    Defaults were chosen by 5-fold cross-validation on the training data (MODEL_CARD.md).
    """

    def __init__(
        self,
        *,
        c: float = 16.0,
        tfidf_weight: float = 1.0,
        char_weight: float = 1.0,
        rule_weight: float = 0.5,
        seed: int = 0,
    ) -> None:
        self.c = c
        self.tfidf_weight = tfidf_weight
        self.char_weight = char_weight
        self.rule_weight = rule_weight
        self.seed = seed
        self.code_ids: list[str] = []
        self.vectorizer: TfidfVectorizer | None = None
        self.char_vectorizer: TfidfVectorizer | None = None
        self.centre = np.zeros(0, dtype=np.float32)
        self.scale = 1.0
        self.models: list[LogisticRegression | None] = []
        self.platt: list[tuple[float, float]] = []

    def fit_vectorizer(self, lemmas: Sequence[str]) -> ClassifierModel:
        """Fit the lemma word and character TF-IDF vocabularies (unsupervised; may see all texts)."""
        self.vectorizer = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            min_df=2,
            max_df=0.5,
            sublinear_tf=True,
            max_features=30000,
            token_pattern=r"(?u)\b\w+\b",
        )
        self.vectorizer.fit(list(lemmas))
        self.char_vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            min_df=2,
            max_df=0.5,
            sublinear_tf=True,
            max_features=50000,
            dtype=np.float32,
        )
        self.char_vectorizer.fit(list(lemmas))
        for vectorizer in (self.vectorizer, self.char_vectorizer):
            vectorizer.stop_words_ = None  # the pruned terms are not needed to transform (smaller artefact)
        return self

    def design(self, features: TextFeatures) -> sparse.csr_matrix:
        """The feature matrix for ``features``."""
        if self.vectorizer is None:
            raise ValueError("ClassifierModel.fit_vectorizer() has not been run")
        emb = (features.embeddings.astype(np.float32) - self.centre) * self.scale
        blocks = [sparse.csr_matrix(emb), self.vectorizer.transform(features.lemmas) * self.tfidf_weight]
        if self.char_vectorizer is not None and self.char_weight > 0:
            blocks.append(self.char_vectorizer.transform(features.lemmas) * self.char_weight)
        blocks.append(sparse.csr_matrix(features.rules * self.rule_weight))
        return sparse.hstack(blocks, format="csr")

    def fit(self, features: TextFeatures, labels: np.ndarray, code_ids: Sequence[str]) -> ClassifierModel:
        """Fit one balanced logistic regression per code (codes without positives get none)."""
        self.code_ids = list(code_ids)
        self.centre = features.embeddings.mean(axis=0).astype(np.float32)
        spread = np.linalg.norm(features.embeddings - self.centre, axis=1).mean()
        self.scale = float(1.0 / spread) if spread > 0 else 1.0
        x = self.design(features)
        self.models = [self._fit_one(x, labels[:, j]) for j in range(labels.shape[1])]
        return self

    def _fit_one(self, x: sparse.csr_matrix, y: np.ndarray) -> LogisticRegression | None:
        if y.sum() == 0 or y.sum() == len(y):
            return None
        model = LogisticRegression(C=self.c, class_weight="balanced", max_iter=3000, random_state=self.seed)
        return model.fit(x, y)

    def decision(self, features: TextFeatures) -> np.ndarray:
        """Raw decision values ``(n, C)``; codes without a model get a very low value."""
        x = self.design(features)
        out = np.full((x.shape[0], len(self.models)), -10.0)
        for j, model in enumerate(self.models):
            if model is not None:
                out[:, j] = model.decision_function(x)
        return out

    def calibrate(self, decisions: np.ndarray, labels: np.ndarray) -> ClassifierModel:
        """Fit Platt maps on out-of-fold decision values."""
        pooled = _platt(decisions.reshape(-1), labels.reshape(-1), seed=self.seed)
        self.platt = [
            _platt(decisions[:, j], labels[:, j], seed=self.seed)
            if labels[:, j].sum() >= MIN_POSITIVES_PER_CODE_PLATT
            else pooled
            for j in range(labels.shape[1])
        ]
        return self

    def proba_from_decision(self, decisions: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from decision values."""
        if not self.platt:
            raise ValueError("ClassifierModel.calibrate() has not been run")
        slope = np.array([a for a, _ in self.platt])
        intercept = np.array([b for _, b in self.platt])
        return 1.0 / (1.0 + np.exp(-(decisions * slope + intercept)))

    def predict_proba(self, features: TextFeatures) -> np.ndarray:
        """Calibrated probability of every code."""
        return self.proba_from_decision(self.decision(features))


def _platt(decision: np.ndarray, y: np.ndarray, *, seed: int) -> tuple[float, float]:
    if y.sum() == 0 or y.sum() == len(y):
        return 1.0, -8.0
    model = LogisticRegression(C=10.0, random_state=seed).fit(decision.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])

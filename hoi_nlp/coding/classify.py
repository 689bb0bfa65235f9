"""The supervised model behind ``hoi.classifier.v1``: one calibrated logistic model per code.

Features: the segment embedding (centred), lemma word uni-/bigram TF-IDF, lemma character
3–5-gram TF-IDF within word boundaries (catches parts of Danish compounds such as
"familieindsats") and the rule-pattern confidences of all codes (down-weighted, i.e. more
strongly regularised: cross-validation showed full-weight rule features overfit). Each code
gets a class-balanced L2 logistic regression, all codes fitted jointly
(:func:`hoi_nlp.coding.linear.fit_multilabel`, rows weighted: the study's own passages count
more); its decision values are mapped to probabilities by Platt scaling fitted on out-of-fold
decisions (per code when it has enough positives, else one pooled map).

A fitted model is plain arrays (:meth:`to_arrays`/:meth:`from_arrays`) and predicts with numpy
only. The coder that applies it to segments lives in :mod:`hoi_nlp.coding.combine`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from hoi_nlp.coding.features import TextFeatures
from hoi_nlp.coding.linear import LinearWeights, fit_logistic, fit_multilabel, sigmoid
from hoi_nlp.coding.text_vectors import SparseRows, TfidfSpace

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
        self.vectorizer: TfidfSpace | None = None
        self.char_vectorizer: TfidfSpace | None = None
        self.centre = np.zeros(0, dtype=np.float32)
        self.scale = 1.0
        self.weights: LinearWeights | None = None
        self.platt = np.zeros((0, 2))

    # ---------------------------------------------------------------- features

    def fit_vectorizer(self, lemmas: Sequence[str]) -> ClassifierModel:
        """Fit the lemma word and character TF-IDF vocabularies (unsupervised; may see all texts)."""
        self.vectorizer = TfidfSpace.fit(lemmas, analyzer="word", ngram_range=(1, 2), max_features=30000)
        self.char_vectorizer = TfidfSpace.fit(
            lemmas, analyzer="char_wb", ngram_range=(3, 5), max_features=50000
        )
        return self

    def fit_scaling(self, embeddings: np.ndarray) -> ClassifierModel:
        """Centre and scale of the embedding block (unit mean distance from the centre)."""
        self.centre = embeddings.mean(axis=0).astype(np.float32)
        spread = float(np.linalg.norm(embeddings - self.centre, axis=1).mean())
        self.scale = 1.0 / spread if spread > 0 else 1.0
        return self

    def sparse_block(self, lemmas: Sequence[str], rules: np.ndarray) -> SparseRows:
        """TF-IDF words and characters and rule confidences as one sparse row block."""
        if self.vectorizer is None or self.char_vectorizer is None:
            raise ValueError("ClassifierModel.fit_vectorizer() has not been run")
        blocks = [
            self.vectorizer.transform(lemmas).scaled(self.tfidf_weight),
            self.char_vectorizer.transform(lemmas).scaled(self.char_weight),
        ]
        rule_rows = _dense_to_rows(np.asarray(rules, dtype=np.float64) * self.rule_weight)
        blocks.append(rule_rows)
        return _hstack(blocks)

    def dense_block(self, embeddings: np.ndarray) -> np.ndarray:
        """The centred, scaled embeddings."""
        return (np.asarray(embeddings, dtype=np.float32) - self.centre) * self.scale

    # ---------------------------------------------------------------- fitting

    def fit(
        self,
        features: TextFeatures,
        labels: np.ndarray,
        code_ids: Sequence[str],
        *,
        row_weights: np.ndarray | None = None,
        start: LinearWeights | None = None,
        sparse: object | None = None,
    ) -> ClassifierModel:
        """Fit the balanced logistic regressions of all codes (``start``: warm start from earlier weights).

        ``sparse`` may pass the rows' sparse block already built (a ``scipy.sparse`` matrix).
        """
        self.code_ids = list(code_ids)
        if not len(self.centre):
            self.fit_scaling(features.embeddings)
        x_sparse = (
            sparse if sparse is not None else self.sparse_block(features.lemmas, features.rules).to_scipy()
        )
        self.weights, iterations = fit_multilabel(
            x_sparse,
            self.dense_block(features.embeddings),
            labels,
            c=self.c,
            row_weights=row_weights,
            start=start,
        )
        logger.debug("classifier fitted on %d rows in %d iterations", labels.shape[0], iterations)
        return self

    def decision(self, features: TextFeatures) -> np.ndarray:
        """Raw decision values ``(n, C)``."""
        return self.decision_from_blocks(
            self.sparse_block(features.lemmas, features.rules), self.dense_block(features.embeddings)
        )

    def decision_from_blocks(self, sparse_rows: SparseRows, dense: np.ndarray) -> np.ndarray:
        """Decision values from prepared blocks (numpy only)."""
        if self.weights is None:
            raise ValueError("ClassifierModel.fit() has not been run")
        w = self.weights
        return sparse_rows.dot(w.sparse_w) + dense.astype(np.float64) @ w.dense_w.astype(np.float64) + w.bias

    def calibrate(
        self, decisions: np.ndarray, labels: np.ndarray, *, weights: np.ndarray | None = None
    ) -> ClassifierModel:
        """Fit Platt maps on out-of-fold decision values (rows may be weighted)."""
        pooled = _platt(
            decisions.reshape(-1),
            labels.reshape(-1),
            None if weights is None else np.repeat(weights, labels.shape[1]),
        )
        self.platt = np.array(
            [
                _platt(decisions[:, j], labels[:, j], weights)
                if labels[:, j].sum() >= MIN_POSITIVES_PER_CODE_PLATT
                else pooled
                for j in range(labels.shape[1])
            ]
        )
        return self

    def proba_from_decision(self, decisions: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from decision values."""
        if not len(self.platt):
            raise ValueError("ClassifierModel.calibrate() has not been run")
        return sigmoid(decisions * self.platt[:, 0] + self.platt[:, 1])

    def predict_proba(self, features: TextFeatures) -> np.ndarray:
        """Calibrated probability of every code."""
        return self.proba_from_decision(self.decision(features))

    # ---------------------------------------------------------------- storage

    def params(self) -> dict[str, float]:
        """Hyperparameters (for the manifest)."""
        return {
            "c": self.c,
            "tfidf_weight": self.tfidf_weight,
            "char_weight": self.char_weight,
            "rule_weight": self.rule_weight,
            "seed": self.seed,
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted model as arrays (weights as float16: a few MB)."""
        if self.weights is None or self.vectorizer is None or self.char_vectorizer is None:
            raise ValueError("the classifier is not fitted")
        return {
            **self.vectorizer.to_arrays("clf.word"),
            **self.char_vectorizer.to_arrays("clf.char"),
            "clf.centre": self.centre.astype(np.float32),
            "clf.scale": np.asarray([self.scale]),
            "clf.sparse_w": self.weights.sparse_w.astype(np.float16),
            "clf.dense_w": self.weights.dense_w.astype(np.float32),
            "clf.bias": self.weights.bias.astype(np.float64),
            "clf.platt": self.platt.astype(np.float64),
        }

    @classmethod
    def from_arrays(
        cls, arrays: object, params: dict[str, float], code_ids: Sequence[str]
    ) -> ClassifierModel:
        """The model stored by :meth:`to_arrays`."""
        get = arrays.__getitem__  # type: ignore[attr-defined]
        model = cls(
            **{
                k: v
                for k, v in params.items()
                if k in ("c", "tfidf_weight", "char_weight", "rule_weight", "seed")
            }
        )  # type: ignore[arg-type]
        model.code_ids = list(code_ids)
        model.vectorizer = TfidfSpace.from_arrays(arrays, "clf.word")
        model.char_vectorizer = TfidfSpace.from_arrays(arrays, "clf.char")
        model.centre = get("clf.centre").astype(np.float32)
        model.scale = float(get("clf.scale")[0])
        model.weights = LinearWeights(
            get("clf.sparse_w").astype(np.float32),
            get("clf.dense_w").astype(np.float32),
            get("clf.bias").astype(np.float64),
        )
        model.platt = get("clf.platt").astype(np.float64)
        return model


def _dense_to_rows(matrix: np.ndarray) -> SparseRows:
    rows, cols = np.nonzero(matrix)
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return SparseRows(
        np.cumsum(indptr), cols.astype(np.int64), matrix[rows, cols].astype(np.float64), matrix.shape[1]
    )


def _hstack(blocks: Sequence[SparseRows]) -> SparseRows:
    """Blocks with the same rows side by side."""
    offsets = np.cumsum([0] + [b.n_cols for b in blocks])
    counts = np.stack([np.diff(b.indptr) for b in blocks], axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts.sum(axis=1))]).astype(np.int64)
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1], dtype=np.float64)
    row_start = indptr[:-1].copy()
    for b, offset in zip(blocks, offsets[:-1], strict=True):
        lengths = np.diff(b.indptr)
        if not lengths.sum():
            continue
        target = np.repeat(row_start - b.indptr[:-1], lengths) + np.arange(b.indptr[-1])
        indices[target] = b.indices + offset
        data[target] = b.data
        row_start += lengths
    return SparseRows(indptr, indices, data, int(offsets[-1]))


def _platt(decision: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    if y.sum() == 0 or y.sum() == len(y):
        return np.array([1.0, -8.0])
    theta = fit_logistic(decision, y, c=10.0, weights=weights)
    return np.array([theta[0], theta[1]])


def empty_rows(n: int, n_cols: int) -> SparseRows:
    """``n`` empty sparse rows."""
    return SparseRows(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), n_cols)


def decision_to_proba(decision: np.ndarray, platt: np.ndarray) -> np.ndarray:
    """Platt map applied column-wise."""
    return sigmoid(decision * platt[:, 0] + platt[:, 1])

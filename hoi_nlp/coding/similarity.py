"""The similarity model behind ``hoi.similarity.v1``: nearest exemplars plus the code profile.

For each code, a segment gets two cosines: the mean of its top-k cosines to the code's
exemplars (codebook examples and training positives) and its cosine to the code's profile
(label + description + inclusion note, embedded as a query). Raw cosines of e5-style models
crowd into 0.80–0.95, so neither is used as is: each is turned into a per-code z-score
against a background of texts that do not have the code, and one logistic (Platt) model,
pooled over codes, maps the two z-scores to a probability. No absolute cosine cut exists.
The coder that applies it to segments lives in :mod:`hoi_nlp.coding.combine`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

_MIN_SD = 1e-3


class SimilarityModel:
    """Exemplar and profile similarity per code, z-scored per code and calibrated."""

    def __init__(self, *, top_k: int = 3, seed: int = 0) -> None:
        self.top_k = top_k
        self.seed = seed
        self.code_ids: list[str] = []
        self.profiles = np.zeros((0, 0), dtype=np.float16)
        self.exemplars = np.zeros((0, 0), dtype=np.float16)
        self.exemplar_codes = np.zeros(0, dtype=np.int32)
        self.exemplar_rows = np.zeros(0, dtype=np.int64)
        self.mean = np.zeros((2, 0))
        self.sd = np.ones((2, 0))
        self.platt: LogisticRegression | None = None

    def fit(
        self,
        code_ids: Sequence[str],
        profiles: np.ndarray,
        vectors: np.ndarray,
        labels: np.ndarray,
        *,
        row_ids: np.ndarray | None = None,
    ) -> SimilarityModel:
        """Store exemplars (the positives among ``vectors``) and per-code background statistics."""
        self.code_ids = list(code_ids)
        self.profiles = profiles.astype(np.float16)
        rows, codes = np.nonzero(labels)
        self.exemplars = vectors[rows].astype(np.float16)
        self.exemplar_codes = codes.astype(np.int32)
        ids = np.arange(len(vectors)) if row_ids is None else np.asarray(row_ids)
        self.exemplar_rows = ids[rows].astype(np.int64)
        raw = self.raw_scores(vectors, row_ids=ids)
        self.mean, self.sd = _background_stats(raw, labels)
        return self

    def raw_scores(self, vectors: np.ndarray, *, row_ids: np.ndarray | None = None) -> np.ndarray:
        """``(2, n, C)``: top-k exemplar cosine and profile cosine; a row never sees itself."""
        vectors = vectors.astype(np.float32)
        profile = vectors @ self.profiles.astype(np.float32).T
        sims = vectors @ self.exemplars.astype(np.float32).T
        if row_ids is not None and len(self.exemplar_rows):
            sims[np.asarray(row_ids)[:, None] == self.exemplar_rows[None, :]] = -np.inf
        top = profile.copy()
        for j in range(len(self.code_ids)):
            top[:, j] = _top_k_mean(sims[:, self.exemplar_codes == j], self.top_k, fallback=profile[:, j])
        return np.stack([top, profile])

    def zscores(self, raw: np.ndarray) -> np.ndarray:
        """Per-code z-scores of the raw cosines against the background."""
        return (raw - self.mean[:, None, :]) / self.sd[:, None, :]

    def calibrate(self, z: np.ndarray, labels: np.ndarray) -> SimilarityModel:
        """Fit the pooled Platt model on out-of-fold z-scores ``(2, n, C)``."""
        self.platt = LogisticRegression(C=1.0, random_state=self.seed)
        self.platt.fit(_pool(z), labels.reshape(-1))
        return self

    def proba_from_z(self, z: np.ndarray) -> np.ndarray:
        """Calibrated probabilities ``(n, C)`` from z-scores."""
        if self.platt is None:
            raise ValueError("SimilarityModel.calibrate() has not been run")
        n, c = z.shape[1], z.shape[2]
        return self.platt.predict_proba(_pool(z))[:, 1].reshape(n, c)

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        """Calibrated probability of every code for every vector."""
        return self.proba_from_z(self.zscores(self.raw_scores(vectors)))


def _top_k_mean(sims: np.ndarray, k: int, *, fallback: np.ndarray) -> np.ndarray:
    if sims.shape[1] == 0:
        return fallback
    k = min(k, sims.shape[1])
    top = -np.sort(-sims, axis=1)[:, :k]
    finite = np.isfinite(top)
    counts = finite.sum(axis=1)
    total = np.where(finite, top, 0.0).sum(axis=1)
    return np.where(counts > 0, total / np.maximum(counts, 1), fallback)


def _background_stats(raw: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    negative = labels == 0
    mean = np.zeros((2, labels.shape[1]))
    sd = np.ones((2, labels.shape[1]))
    for j in range(labels.shape[1]):
        mask = negative[:, j] if negative[:, j].sum() >= 2 else np.ones(len(labels), dtype=bool)
        mean[:, j] = raw[:, mask, j].mean(axis=1)
        sd[:, j] = np.maximum(raw[:, mask, j].std(axis=1), _MIN_SD)
    return mean, sd


def _pool(z: np.ndarray) -> np.ndarray:
    return np.clip(z.reshape(2, -1).T, -10.0, 10.0)

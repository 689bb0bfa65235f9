"""The similarity model behind ``hoi.similarity.v1``: nearest training texts plus the code profile.

For each code, a segment gets two scores: a kNN vote (the share of its ``k`` most similar
training texts that carry the code, neighbours weighted by ``exp(cosine / tau)``) and its
cosine to the code's profile (label + description + inclusion note, embedded as a query).
Raw cosines of e5-style models crowd into 0.80–0.95, so the profile cosine is turned into a
per-code z-score against texts without the code; the vote is used as its (clipped) log-odds.
A small logistic model per code maps the two to a probability (pooled over codes with few
positives). No absolute cosine cut exists. The coder that applies it to segments lives in
:mod:`hoi_nlp.coding.combine`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hoi_nlp.coding.linear import fit_logistic, sigmoid

_MIN_SD = 1e-3
_VOTE_CLIP = 0.01
MIN_POSITIVES_PER_CODE_CALIBRATION = 8


class SimilarityModel:
    """kNN vote over training texts and profile similarity per code, calibrated per code."""

    def __init__(self, *, top_k: int = 30, tau: float = 0.02, seed: int = 0) -> None:
        self.top_k = top_k
        self.tau = tau
        self.seed = seed
        self.code_ids: list[str] = []
        self.profiles = np.zeros((0, 0), dtype=np.float16)
        self.exemplars = np.zeros((0, 0), dtype=np.float16)
        self.exemplar_labels = np.zeros((0, 0), dtype=np.int8)
        self.exemplar_rows = np.zeros(0, dtype=np.int64)
        self.mean = np.zeros(0)
        self.sd = np.ones(0)
        self.calibration = np.zeros((0, 3))

    def fit(
        self,
        code_ids: Sequence[str],
        profiles: np.ndarray,
        vectors: np.ndarray,
        labels: np.ndarray,
        *,
        row_ids: np.ndarray | None = None,
    ) -> SimilarityModel:
        """Store the training texts as neighbours and the profile cosines' background statistics."""
        self.code_ids = list(code_ids)
        self.profiles = profiles.astype(np.float16)
        self.exemplars = vectors.astype(np.float16)
        self.exemplar_labels = labels.astype(np.int8)
        ids = np.arange(len(vectors)) if row_ids is None else np.asarray(row_ids)
        self.exemplar_rows = ids.astype(np.int64)
        profile = vectors.astype(np.float32) @ self.profiles.astype(np.float32).T
        self.mean, self.sd = _background_stats(profile, labels)
        return self

    def raw_scores(self, vectors: np.ndarray, *, row_ids: np.ndarray | None = None) -> np.ndarray:
        """``(2, n, C)``: kNN vote and profile cosine; a row never counts itself as a neighbour."""
        vectors = vectors.astype(np.float32)
        profile = vectors @ self.profiles.astype(np.float32).T
        sims = vectors @ self.exemplars.astype(np.float32).T
        if row_ids is not None and len(self.exemplar_rows):
            sims[np.asarray(row_ids)[:, None] == self.exemplar_rows[None, :]] = -np.inf
        return np.stack([self._vote(sims), profile])

    def _vote(self, sims: np.ndarray) -> np.ndarray:
        n_codes = len(self.code_ids)
        if sims.shape[1] == 0:
            return np.zeros((sims.shape[0], n_codes))
        k = min(self.top_k, sims.shape[1])
        idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sims, idx, axis=1)
        finite = np.isfinite(top)
        best = np.where(finite, top, -np.inf).max(axis=1, keepdims=True)
        weights = np.where(finite, np.exp((top - np.where(np.isfinite(best), best, 0.0)) / self.tau), 0.0)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        return np.einsum("nk,nkc->nc", weights, self.exemplar_labels[idx].astype(np.float64))

    def zscores(self, raw: np.ndarray) -> np.ndarray:
        """``(2, n, C)``: log-odds of the clipped vote and the per-code z-score of the profile cosine."""
        vote = np.clip(raw[0], _VOTE_CLIP, 1 - _VOTE_CLIP)
        return np.stack([np.log(vote / (1 - vote)), (raw[1] - self.mean) / self.sd])

    def calibrate(self, z: np.ndarray, labels: np.ndarray, *,
                  weights: np.ndarray | None = None) -> SimilarityModel:
        """Fit the per-code logistic maps on out-of-fold scores ``(2, n, C)`` (rows may be weighted)."""
        pooled = _logistic(z.reshape(2, -1).T, labels.reshape(-1),
                           None if weights is None else np.repeat(weights, labels.shape[1]))
        self.calibration = np.array(
            [
                _logistic(z[:, :, j].T, labels[:, j], weights)
                if labels[:, j].sum() >= MIN_POSITIVES_PER_CODE_CALIBRATION
                and labels[:, j].sum() < len(labels)
                else pooled
                for j in range(labels.shape[1])
            ]
        )
        return self

    def proba_from_z(self, z: np.ndarray) -> np.ndarray:
        """Calibrated probabilities ``(n, C)`` from scores."""
        if not len(self.calibration):
            raise ValueError("SimilarityModel.calibrate() has not been run")
        w = self.calibration
        score = z[0] * w[:, 0] + np.clip(z[1], -10.0, 10.0) * w[:, 1] + w[:, 2]
        return sigmoid(score)

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        """Calibrated probability of every code for every vector."""
        return self.proba_from_z(self.zscores(self.raw_scores(vectors)))

    def nearest(self, vector: np.ndarray, j: int, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most similar training rows that carry code ``j``: ``(row id, cosine)``."""
        rows = np.flatnonzero(self.exemplar_labels[:, j])
        if not len(rows):
            return []
        sims = self.exemplars[rows].astype(np.float32) @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-sims)[:k]
        return [(int(self.exemplar_rows[rows[i]]), float(sims[i])) for i in order]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted model as arrays."""
        return {"sim.profiles": self.profiles.astype(np.float16),
                "sim.exemplars": self.exemplars.astype(np.float16),
                "sim.labels": np.packbits(self.exemplar_labels.astype(bool), axis=1),
                "sim.rows": self.exemplar_rows.astype(np.int64), "sim.mean": self.mean.astype(np.float64),
                "sim.sd": self.sd.astype(np.float64), "sim.calibration": self.calibration.astype(np.float64),
                "sim.params": np.asarray([self.top_k, self.tau, self.seed], dtype=np.float64)}

    @classmethod
    def from_arrays(cls, arrays: object, code_ids: Sequence[str]) -> SimilarityModel:
        """The model stored by :meth:`to_arrays`."""
        get = arrays.__getitem__  # type: ignore[attr-defined]
        top_k, tau, seed = get("sim.params").tolist()
        model = cls(top_k=int(top_k), tau=float(tau), seed=int(seed))
        model.code_ids = list(code_ids)
        model.profiles = get("sim.profiles")
        model.exemplars = get("sim.exemplars")
        model.exemplar_labels = np.unpackbits(get("sim.labels"), axis=1, count=len(code_ids)).astype(np.int8)
        model.exemplar_rows = get("sim.rows")
        model.mean, model.sd = get("sim.mean"), get("sim.sd")
        model.calibration = get("sim.calibration")
        return model


def _background_stats(raw: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    negative = labels == 0
    mean = np.zeros(labels.shape[1])
    sd = np.ones(labels.shape[1])
    for j in range(labels.shape[1]):
        mask = negative[:, j] if negative[:, j].sum() >= 2 else np.ones(len(labels), dtype=bool)
        mean[j] = raw[mask, j].mean()
        sd[j] = max(float(raw[mask, j].std()), _MIN_SD)
    return mean, sd


def _logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """``[w_vote, w_profile, intercept]`` of a logistic model (a flat low prior without both classes)."""
    if y.sum() == 0 or y.sum() == len(y):
        return np.array([0.0, 0.0, -8.0])
    return fit_logistic(np.clip(x, -10.0, 10.0), y, c=1.0, weights=weights)

"""Active-learning order for review: the most informative segments first.

Informativeness is uncertainty (how close a segment's code probabilities lie to their
decision thresholds, summed as binary entropy over codes) balanced against diversity:
segments are picked greedily by maximal marginal relevance, so the next pick is uncertain
*and* unlike the segments already picked (cosine on embeddings). Analysts then see a varied
set of hard cases instead of twenty near-duplicates of the same borderline comment.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_EPS = 1e-6


def uncertainty(probs: np.ndarray, thresholds: np.ndarray | float = 0.5) -> np.ndarray:
    """Per-segment uncertainty in [0, 1]: mean binary entropy of the 3 most uncertain codes.

    Each probability is first mapped so that its code's threshold sits at 0.5 (piecewise
    linear), so a probability equal to its threshold counts as maximally uncertain.
    """
    probs = np.clip(np.asarray(probs, dtype=float), 0.0, 1.0)
    t = np.broadcast_to(np.asarray(thresholds, dtype=float), probs.shape[-1:])
    centred = np.where(
        probs < t, 0.5 * probs / np.maximum(t, _EPS), 0.5 + 0.5 * (probs - t) / np.maximum(1 - t, _EPS)
    )
    c = np.clip(centred, _EPS, 1 - _EPS)
    entropy = -(c * np.log2(c) + (1 - c) * np.log2(1 - c))
    top = np.sort(entropy, axis=1)[:, -3:]
    return top.mean(axis=1)


def mmr_order(scores: np.ndarray, embeddings: np.ndarray, *, k: int, diversity: float = 0.3) -> list[int]:
    """Greedy maximal-marginal-relevance order of ``k`` indices.

    Each step picks ``argmax (1 - diversity) * score - diversity * max cosine to the picked``.
    """
    n = len(scores)
    k = min(k, n)
    if k <= 0:
        return []
    vectors = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)
    scores = np.asarray(scores, dtype=float)
    closest = np.full(n, -np.inf)
    chosen: list[int] = []
    available = np.ones(n, dtype=bool)
    for _ in range(k):
        redundancy = np.where(np.isfinite(closest), closest, 0.0)
        gain = np.where(available, (1 - diversity) * scores - diversity * redundancy, -np.inf)
        pick = int(np.argmax(gain))
        chosen.append(pick)
        available[pick] = False
        closest = np.maximum(closest, vectors @ vectors[pick])
    return chosen


def review_queue(
    segment_ids: Sequence[str],
    probs: np.ndarray,
    embeddings: np.ndarray,
    *,
    k: int,
    thresholds: np.ndarray | float = 0.5,
    diversity: float = 0.3,
) -> list[str]:
    """The ``k`` segment ids to review first, most informative first.

    ``probs`` is ``(n_segments, n_codes)`` (e.g. the combined coder's probabilities) and
    ``thresholds`` the per-code decision thresholds the probabilities are compared with.
    """
    if len(segment_ids) != len(probs) or len(segment_ids) != len(embeddings):
        raise ValueError("segment_ids, probs and embeddings must have the same length")
    if not len(segment_ids):
        return []
    order = mmr_order(uncertainty(probs, thresholds), embeddings, k=k, diversity=diversity)
    return [segment_ids[i] for i in order]


def review_queue_from_coder(
    coder: object, segments: Sequence[object], *, k: int, diversity: float = 0.3
) -> list[str]:
    """Order ``segments`` with a trained coder (:class:`~hoi_nlp.coding.combine.TrainedCoder`)."""
    texts = [seg.text for seg in segments]  # type: ignore[attr-defined]
    features = coder.features(texts)  # type: ignore[attr-defined]
    probs = coder.bundle.probabilities(features)[coder.method]  # type: ignore[attr-defined]
    ids = [seg.segment_id for seg in segments]  # type: ignore[attr-defined]
    return review_queue(
        ids,
        probs,
        features.embeddings,
        k=k,
        thresholds=coder.thresholds(),  # type: ignore[attr-defined]
        diversity=diversity,
    )

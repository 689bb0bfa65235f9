"""Active-learning order: uncertain first, near-duplicates pushed back."""

from __future__ import annotations

import numpy as np
import pytest

from hoi_nlp.review.queue import mmr_order, review_queue, uncertainty


def test_probability_at_threshold_is_most_uncertain():
    probs = np.array([[0.30, 0.0], [0.95, 0.0], [0.02, 0.0]])
    scores = uncertainty(probs, np.array([0.3, 0.5]))
    assert scores[0] > scores[1] and scores[0] > scores[2]


def test_queue_prefers_uncertain_and_diverse():
    ids = ["sure", "unsure_a", "unsure_a_copy", "unsure_b"]
    probs = np.array([[0.99], [0.5], [0.5], [0.45]])
    embeddings = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    order = review_queue(ids, probs, embeddings, k=3, thresholds=0.5, diversity=0.5)
    assert order[0] in {"unsure_a", "unsure_a_copy"}
    assert order[1] == "unsure_b"
    assert "sure" not in order[:2]


def test_without_diversity_order_is_by_uncertainty():
    scores = np.array([0.1, 0.9, 0.5])
    assert mmr_order(scores, np.eye(3), k=3, diversity=0.0) == [1, 2, 0]


def test_queue_checks_lengths_and_handles_empty():
    assert review_queue([], np.zeros((0, 2)), np.zeros((0, 3)), k=5) == []
    with pytest.raises(ValueError):
        review_queue(["a"], np.zeros((2, 2)), np.zeros((1, 3)), k=1)

"""A trained coder's cached training carried over to a study codebook with other code ids."""

from __future__ import annotations

import numpy as np

from hoi_nlp.coding.linear import LinearWeights
from hoi_nlp.coding.training.adapt import CodeMapping, _columns, _start


def _mapping() -> CodeMapping:
    # the coder knew a, b, c, d; the study renamed a to a2, merged d into c, dropped b, created n
    return CodeMapping(code_ids=("c", "a2", "n"), base_ids=("a", "b", "c", "d"),
                       sources={"c": ("c", "d"), "a2": ("a",), "n": ()})


def test_which_codes_are_carried_refitted_and_left_out():
    mapping = _mapping()
    assert mapping.carried == {"a2": "a"}
    assert mapping.refitted == ["c", "n"]
    assert mapping.dropped == ["b"]
    assert mapping.summary()["renamed"] == {"a": "a2"} and mapping.summary()["merged"] == {"c": ["c", "d"]}


def test_labels_follow_their_codes_and_a_merge_unites_them():
    labels = np.array([[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=np.int8)
    moved = _columns(labels, _mapping(), axis=1, merge=np.max)
    assert moved.tolist() == [[0, 1, 0], [1, 0, 0], [1, 0, 0]]  # c|d, a, nothing for the new code


def test_the_warm_start_keeps_each_carried_codes_weights_and_rule_feature():
    n_words, base = 3, ("a", "b", "c", "d")
    sparse = np.arange((n_words + 4) * 4, dtype=float).reshape(n_words + 4, 4)
    weights = LinearWeights(sparse, np.arange(8, dtype=float).reshape(2, 4), np.array([1.0, 2.0, 3.0, 4.0]))
    start = _start(weights, _mapping())
    assert start is not None and start.sparse_w.shape == (n_words + 3, 3)
    a2 = 1  # a2's column is a's: word weights, bias, dense weights and the weight of its own rule feature
    assert start.sparse_w[:n_words, a2].tolist() == sparse[:n_words, base.index("a")].tolist()
    assert start.bias[a2] == 1.0 and start.dense_w[:, a2].tolist() == [0.0, 4.0]
    assert start.sparse_w[n_words + a2, a2] == sparse[n_words + base.index("a"), base.index("a")]
    assert not start.sparse_w[:, [0, 2]].any() and start.bias[[0, 2]].tolist() == [0.0, 0.0]  # refitted: 0
    assert not start.sparse_w[n_words + 0].any() and not start.sparse_w[n_words + 2].any()

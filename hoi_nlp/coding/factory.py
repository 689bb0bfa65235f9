"""Build a coder by name from settings: ``rules``, ``similarity``, ``classifier`` or ``combined``."""

from __future__ import annotations

import logging
from pathlib import Path
from functools import lru_cache

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.base import Coder
from hoi_nlp.errors import ModelError
from hoi_nlp.settings import Settings, resolve_repo_path

logger = logging.getLogger(__name__)

CODER_NAMES = ("rules", "similarity", "classifier", "combined")


def make_coder(name: str, codebook: Codebook, settings: Settings, *, cache_dir: str | Path | None = None) -> Coder:
    """Return the coder ``name`` for ``codebook``; trained coders load from ``settings.coding.model_dir``.

    ``cache_dir`` is where embeddings are cached (a study passes ``<workspace>/cache/embeddings``).
    """
    if name == "rules":
        from hoi_nlp.coding.rules import RuleCoder

        return RuleCoder(codebook, pipeline=settings.nlp.pipeline)
    if name not in CODER_NAMES:
        raise ModelError(f"unknown coder '{name}'", hint=f"choose one of {', '.join(CODER_NAMES)}")
    from hoi_nlp.coding.train import load_coder
    from hoi_nlp.nlp.embed import EmbeddingCache

    cache = EmbeddingCache(cache_dir) if cache_dir is not None else None
    return load_coder(name, codebook, settings=settings, cache=cache,
                      model_dir=resolve_repo_path(settings.coding.model_dir))


@lru_cache(maxsize=8)
def cached_coder(name: str, codebook_path: str, settings_path: str | None = None,
                 cache_dir: str | None = None) -> Coder:
    """One coder per (name, codebook, settings, cache) per process: batches reuse loaded models."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.settings import load_settings

    return make_coder(name, load_codebook(codebook_path), load_settings(settings_path), cache_dir=cache_dir)

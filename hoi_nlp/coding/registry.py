"""The coders by name: ``hoi.rules.v1`` (rules), ``hoi.similarity.v1`` (similarity),
``hoi.classifier.v1`` (classifier) and ``hoi.combined.v1`` (combined, the default).

Settings, the CLI and the flows name a coder; :func:`make_coder` builds it. A new coder is one
module with a builder ``(codebook, settings, options) -> Coder`` plus one ``register_lazy`` line
here; names are listed without importing any model code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.base import Coder
from hoi_nlp.nlp.embed import EmbeddingCache
from hoi_nlp.registry import Registry
from hoi_nlp.settings import Settings, resolve_repo_path


@dataclass(frozen=True)
class CoderOptions:
    """How to build a coder: where its trained model is, where embeddings are cached, a cut-off."""

    model_dir: Path
    cache: EmbeddingCache | None = None
    min_confidence: float | None = None


CoderBuilder = Callable[[Codebook, Settings, CoderOptions], Coder]
coders: Registry[CoderBuilder] = Registry("coder")
coders.register_lazy("hoi.rules.v1", "hoi_nlp.coding.rules:build_rule_coder", aliases=("rules",))
coders.register_lazy("hoi.similarity.v1", "hoi_nlp.coding.model_io:build_similarity", aliases=("similarity",))
coders.register_lazy("hoi.classifier.v1", "hoi_nlp.coding.model_io:build_classifier", aliases=("classifier",))
coders.register_lazy("hoi.combined.v1", "hoi_nlp.coding.model_io:build_combined", aliases=("combined",))


def coder_names() -> list[str]:
    """The short names of the registered coders, in registration order."""
    return coders.names()


def make_coder(name: str, codebook: Codebook, settings: Settings, *, model_dir: str | Path | None = None,
               cache: EmbeddingCache | None = None, min_confidence: float | None = None) -> Coder:
    """Build the coder ``name`` (short or versioned); trained coders load from ``model_dir``
    (default ``settings.coding.model_dir``) and cache embeddings in ``cache``."""
    options = CoderOptions(model_dir=(Path(model_dir) if model_dir
                                      else resolve_repo_path(settings.coding.model_dir)),
                           cache=cache, min_confidence=min_confidence)
    return coders.get(name)(codebook, settings, options)

"""Emergent-theme stages over a study workspace: what the ``hoi-themes`` flow and ``hoi themes`` call.

``embed_stage`` computes (once, cached in ``<workspace>/cache/embeddings``) the embedding of
every codable segment; ``fit_stage`` fits :func:`~hoi_nlp.coding.topics.fit.fit_themes` on them,
pseudonymises the representative quotes with the study key, and writes
``<workspace>/themes/themes.{json,csv}`` plus the interactive plots; ``plot_stage`` draws the
PNG plots from the saved result into ``<workspace>/exports/themes/``; ``promote_stage`` adds a
theme as a new code to the study's own codebook (``<workspace>/codebook/vNNNN.yaml``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.topics.fit import fit_themes
from hoi_nlp.coding.topics.io import load_themes, save_themes, write_html_plots, write_png_plots
from hoi_nlp.coding.topics.model import ThemesResult
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, embed_cached, get_embedder
from hoi_nlp.privacy.guard import LeakGuard, check_files
from hoi_nlp.privacy.key import key_path, load_key
from hoi_nlp.privacy.redact import KeyRedactor, StudyRedactor
from hoi_nlp.records import Segment, Source
from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import embedding_cache
from hoi_nlp.store import Workspace, load_segments, load_sources

logger = logging.getLogger(__name__)


def themes_dir(workspace: Workspace) -> Path:
    """``<workspace>/themes``: the themes result."""
    return workspace.path("themes", ".keep").parent


def plots_dir(workspace: Workspace) -> Path:
    """``<workspace>/exports/themes``: the theme plots."""
    return workspace.path("exports", "themes", ".keep").parent


def segment_embeddings(
    workspace: Workspace, settings: Settings, *, cache: EmbeddingCache | None = None
) -> tuple[list[Segment], np.ndarray, Embedder]:
    """Codable segments, their embeddings (computed only when not cached) and the embedder."""
    segments = load_segments(workspace, codable=True)
    texts = [seg.text for seg in segments]
    embedder = get_embedder(settings.embeddings, fit_texts=texts)
    vectors = embed_cached(texts, embedder, cache if cache is not None else embedding_cache(workspace))
    return segments, vectors, embedder


def embed_stage(workspace: Workspace, settings: Settings) -> dict[str, Any]:
    """Embed every codable segment into the workspace cache; report counts and seconds."""
    cache = embedding_cache(workspace)
    started = time.perf_counter()
    segments, _, embedder = segment_embeddings(workspace, settings, cache=cache)
    return {
        "segments": len(segments),
        "embedded": cache.misses,
        "cached": cache.hits,
        "model": embedder.model_id,
        "seconds": round(time.perf_counter() - started, 2),
    }


def public_texts(workspace: Workspace, settings: Settings, segments: Sequence[Segment],
                 sources: dict[str, Source]) -> tuple[list[str], dict[str, Source]]:
    """The segments' texts and the sources' attributes as themes may show them (pseudonymised)."""
    redactor = StudyRedactor(workspace, settings)
    redactor.prepare(list(sources.values()))
    texts = [redactor.span(sources[seg.source_id], seg.start, seg.end) for seg in segments]
    values = redactor.values(v for s in sources.values() for v in s.attributes.values())
    public = {sid: s.model_copy(update={"attributes": {k: values.get(v, v) for k, v in s.attributes.items()}})
              for sid, s in sources.items()}
    redactor.save()
    return texts, public


def shown_ids(result: ThemesResult, redactor: KeyRedactor) -> ThemesResult:
    """The themes' quotes and assignments with their ids as a pseudonymised export shows them: the
    segment id keyed (its source offsets would tell the length of the names its text hides), the
    source id opaque where it holds a name."""
    themes = [theme.model_copy(update={"quotes": [
        quote.model_copy(update={"segment_id": redactor.segment_id(quote.segment_id),
                                 "source_id": redactor.ident(quote.source_id)})
        for quote in theme.quotes]}) for theme in result.themes]
    assignments = {redactor.segment_id(sid): topic for sid, topic in result.assignments.items()}
    return result.model_copy(update={"themes": themes, "assignments": assignments})


def fit_stage(
    workspace: Workspace, codebook: Codebook, settings: Settings
) -> tuple[ThemesResult, list[Path]]:
    """Fit the themes on the workspace's pseudonymised segments; write the result and the interactive
    plots, each leak-checked (a file with an original name is removed and the stage fails)."""
    cache = embedding_cache(workspace)
    segments, vectors, embedder = segment_embeddings(workspace, settings, cache=cache)
    sources = {source.source_id: source for source in load_sources(workspace)}
    texts, public = public_texts(workspace, settings, segments, sources)
    result = fit_themes(segments, vectors, codebook, settings=settings, embedder=embedder, cache=cache,
                        sources=public, texts=texts, pseudonymised=True, study=workspace.study)
    result = shown_ids(result, StudyRedactor(workspace, settings))
    guard = LeakGuard.for_study(load_key(key_path(workspace), study=workspace.study), codebook,
                                sources.values())
    paths = save_themes(result, themes_dir(workspace))
    paths += write_html_plots(result, plots_dir(workspace))
    return result, check_files(guard, paths)


def plot_stage(workspace: Workspace) -> list[Path]:
    """PNG plots (topic sizes, topics × respondent groups) from the saved themes."""
    return write_png_plots(load_themes(themes_dir(workspace)), plots_dir(workspace))


def summary(result: ThemesResult) -> dict[str, Any]:
    """A JSON-able summary of a themes result."""
    kinds = [theme.kind for theme in result.themes]
    return {
        "segments": result.n_segments,
        "themes": len(result.themes),
        "emergent": kinds.count("emergent"),
        "code_topics": kinds.count("code"),
        "outliers_before_reduction": result.outliers_before_reduction,
        "zeroshot_min_similarity": result.params.get("zeroshot_min_similarity"),
        "largest_emergent_share": result.quality.get("largest_emergent_share"),
        "outlier_share": result.quality.get("outlier_share"),
        "npmi_emergent": result.quality.get("npmi_emergent"),
    }


def promote_stage(
    workspace: Workspace,
    codebook: Codebook,
    topic_id: int,
    *,
    code_id: str,
    label: str,
    description: str | None = None,
    analyst: str,
) -> tuple[Codebook, Path]:
    """Add theme ``topic_id`` as code ``code_id`` to the study's codebook (``codebook``: the study's
    current one) as its next version; never to the codebook file the study was run with. Returns the
    new codebook and its file. Later runs of the study (``hoi run``, ``hoi code``, ``hoi review``,
    ``hoi retrain``, ``hoi export``) use it."""
    from hoi_nlp.coding.topics.promote import EMERGENT_FAMILY_FIELDS, promoted_code
    from hoi_nlp.review.codebook_edit import add_code, versions_dir

    code = promoted_code(load_themes(themes_dir(workspace)), topic_id, codebook, code_id=code_id, label=label,
                         description=description, where=versions_dir(workspace))
    new, change = add_code(workspace, codebook, code, analyst=analyst, new_family=EMERGENT_FAMILY_FIELDS,
                           detail={"from_topic": topic_id})
    logger.info("promoted topic %d to code %s in %s", topic_id, code_id, change.path)
    return new, workspace.root / change.path

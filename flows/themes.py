"""The ``hoi-themes`` flow: embed segments (cached) → fit BERTopic themes → plots.

Run with ``hoi themes fit STUDY`` (ephemeral Prefect, PREFECT_HOME in the workspace) or as a
deployment from ``hoi serve``. Each task calls one stage function of :mod:`hoi_nlp.themes`.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task

from hoi_nlp import themes
from hoi_nlp.codebook import DEFAULT_CODEBOOK, load_codebook
from hoi_nlp.settings import load_settings
from hoi_nlp.store import Workspace


@task(name="embed-segments", retries=1)
def embed_segments_task(workspace_dir: str, settings_path: str | None) -> dict[str, Any]:
    """Embed every codable segment not yet in the workspace's embedding cache."""
    return themes.embed_stage(Workspace.open(workspace_dir, create=False), load_settings(settings_path))


@task(name="fit-themes")
def fit_themes_task(workspace_dir: str, codebook_path: str, settings_path: str | None) -> dict[str, Any]:
    """Fit BERTopic with the codebook as zero-shot topics; write themes.json/csv and HTML plots."""
    workspace = Workspace.open(workspace_dir, create=False)
    result, paths = themes.fit_stage(workspace, load_codebook(codebook_path), load_settings(settings_path))
    return {**themes.summary(result), "files": [str(path) for path in paths]}


@task(name="plot-themes", retries=1)
def plot_themes_task(workspace_dir: str) -> list[str]:
    """Draw the PNG plots from the saved themes."""
    return [str(path) for path in themes.plot_stage(Workspace.open(workspace_dir, create=False))]


@flow(name="hoi-themes")
def themes_flow(
    workspace_dir: str, codebook_path: str = str(DEFAULT_CODEBOOK), settings_path: str | None = None
) -> dict[str, Any]:
    """Emergent themes of a study: embed → fit → plot."""
    embedding = embed_segments_task(workspace_dir, settings_path)
    fitted = fit_themes_task(workspace_dir, codebook_path, settings_path)
    fitted["files"] += plot_themes_task(workspace_dir)
    get_run_logger().info(
        "themes: %d (%d emergent) on %d segments", fitted["themes"], fitted["emergent"], fitted["segments"]
    )
    return {"embedding": embedding, **fitted}

"""The ``hoi-themes`` flow: embed segments (cached) → fit BERTopic themes → plots.

Run with ``hoi themes fit STUDY`` (ephemeral Prefect, PREFECT_HOME in the workspace) or as a
deployment from ``hoi serve``. Each task calls one stage function of :mod:`hoi_nlp.stages.themes`.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task

from hoi_nlp.stages import themes
from hoi_nlp.stages.study import run_inputs


@task(name="embed-segments", retries=1)
def embed_segments_task(workspace_dir: str, settings_path: str | None) -> dict[str, Any]:
    """Embed every codable segment not yet in the workspace's embedding cache."""
    inputs = run_inputs(workspace_dir, settings_path=settings_path, create=False)
    return themes.embed_stage(inputs.workspace, inputs.settings)


@task(name="fit-themes")
def fit_themes_task(workspace_dir: str, codebook_path: str | None,
                    settings_path: str | None) -> dict[str, Any]:
    """Fit BERTopic with the codebook as zero-shot topics; write themes.json/csv and HTML plots."""
    inputs = run_inputs(workspace_dir, codebook_path, settings_path, create=False)
    result, paths = themes.fit_stage(inputs.workspace, inputs.codebook, inputs.settings)
    return {**themes.summary(result), "files": [str(path) for path in paths]}


@task(name="plot-themes", retries=1)
def plot_themes_task(workspace_dir: str) -> list[str]:
    """Draw the PNG plots from the saved themes."""
    return [str(path) for path in themes.plot_stage(run_inputs(workspace_dir, create=False).workspace)]


@flow(name="hoi-themes")
def themes_flow(
    workspace_dir: str, codebook_path: str | None = None, settings_path: str | None = None
) -> dict[str, Any]:
    """Emergent themes of a study: embed → fit → plot."""
    embedding = embed_segments_task(workspace_dir, settings_path)
    fitted = fit_themes_task(workspace_dir, codebook_path, settings_path)
    fitted["files"] += plot_themes_task(workspace_dir)
    get_run_logger().info(
        "themes: %d (%d emergent) on %d segments", fitted["themes"], fitted["emergent"], fitted["segments"]
    )
    return {"embedding": embedding, **fitted}

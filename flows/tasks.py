"""Prefect tasks: each wraps one library stage function; I/O tasks retry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task

from hoi_nlp import runner
from hoi_nlp.codebook import load_codebook
from hoi_nlp.coding.factory import cached_coder
from hoi_nlp.settings import load_settings
from hoi_nlp.store import Workspace, load_segments


def embeddings_dir(workspace: Workspace) -> str:
    """The study's embedding cache."""
    return str(workspace.cache_dir / "embeddings")


@task(name="ingest", retries=2, retry_delay_seconds=2)
def ingest_task(study_dir: str, workspace_dir: str) -> dict[str, Any]:
    """Read the study folder into the workspace database."""
    return runner.ingest_stage(study_dir, Workspace.open(workspace_dir))


@task(name="segment", retries=1)
def segment_task(workspace_dir: str, settings_path: str | None) -> dict[str, int]:
    """Segment sources that have no segments yet."""
    return runner.segment_stage(Workspace.open(workspace_dir), load_settings(settings_path))


@task(name="plan-coding")
def plan_coding_task(workspace_dir: str, codebook_path: str, coder_name: str,
                     settings_path: str | None) -> list[list[str]]:
    """Segment ids of the batches still to code."""
    workspace = Workspace.open(workspace_dir)
    coder = cached_coder(coder_name, codebook_path, settings_path, embeddings_dir(workspace))
    ledger = runner.coding_ledger(workspace, load_codebook(codebook_path), coder)
    batch_size = load_settings(settings_path).flow.batch_size
    return [[seg.segment_id for seg in batch]
            for batch in runner.pending_batches(workspace, ledger, batch_size=batch_size)]


@task(name="code-batch", retries=2, retry_delay_seconds=1)
def code_batch_task(workspace_dir: str, segment_ids: list[str], codebook_path: str, coder_name: str,
                    settings_path: str | None, run_id: str | None = None) -> int:
    """Code one batch of segments and commit its assignments."""
    workspace = Workspace.open(workspace_dir)
    batch = load_segments(workspace, codable=True, segment_ids=segment_ids)
    coder = cached_coder(coder_name, codebook_path, settings_path, embeddings_dir(workspace))
    ledger = runner.coding_ledger(workspace, load_codebook(codebook_path), coder)
    return runner.code_batch(workspace, coder, batch, ledger=ledger, run_id=run_id)


@task(name="export", retries=2, retry_delay_seconds=2)
def export_task(workspace_dir: str, codebook_path: str, output_dir: str | None,
                formats: list[str] | None = None) -> list[str]:
    """Write the coded dataset and quote extracts."""
    workspace = Workspace.open(workspace_dir)
    out = Path(output_dir) if output_dir else None
    paths = runner.export_stage(workspace, load_codebook(codebook_path), out_dir=out, formats=formats)
    return [str(path) for path in paths]

"""Prefect tasks: each wraps one stage function of :mod:`hoi_nlp.stages`; I/O tasks retry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task

from hoi_nlp.errors import HoiError
from hoi_nlp.stages import study as stages


@task(name="ingest", retries=2, retry_delay_seconds=2)
def ingest_task(study_dir: str, workspace_dir: str) -> dict[str, Any]:
    """Read the study folder into the workspace database."""
    return stages.ingest_stage(study_dir, stages.run_inputs(workspace_dir).workspace)


@task(name="segment", retries=1)
def segment_task(workspace_dir: str, settings_path: str | None) -> dict[str, Any]:
    """Segment sources that have no segments yet, and cut again those cut with other rules or speakers."""
    inputs = stages.run_inputs(workspace_dir, settings_path=settings_path)
    return stages.segment_stage(inputs.workspace, inputs.settings)


@task(name="plan-coding")
def plan_coding_task(workspace_dir: str, codebook_path: str, coder_name: str | None,
                     settings_path: str | None) -> list[list[str]]:
    """Segment ids of the batches still to code."""
    return stages.plan_coding(stages.run_inputs(workspace_dir, codebook_path, settings_path), coder_name)


@task(name="describe-coder")
def describe_coder_task(workspace_dir: str, codebook_path: str, coder_name: str | None,
                        settings_path: str | None) -> dict[str, str]:
    """Which coder codes the study: name, model version, model folder, origin (bundled or retrained)."""
    inputs = stages.run_inputs(workspace_dir, codebook_path, settings_path)
    return stages.describe_study_coder(inputs, coder_name)


@task(name="code-batch", retries=2, retry_delay_seconds=1)
def code_batch_task(workspace_dir: str, segment_ids: list[str], codebook_path: str, coder_name: str | None,
                    settings_path: str | None, run_id: str | None = None) -> int:
    """Code one batch of segments and commit its assignments."""
    inputs = stages.run_inputs(workspace_dir, codebook_path, settings_path)
    return stages.code_batch_ids(inputs, segment_ids, coder_name=coder_name, run_id=run_id)


def _worth_retrying(_task: Any, _run: Any, state: Any) -> bool:
    """Retry trouble that may pass (I/O), not a user's error such as a name that would leak: that
    fails the same way every time, and the run should stop with its message at once."""
    try:
        state.result()
    except HoiError:
        return False
    except Exception:  # noqa: BLE001 - anything else may be transient
        return True
    return True


@task(name="export", retries=2, retry_delay_seconds=2, retry_condition_fn=_worth_retrying)
def export_task(workspace_dir: str, codebook_path: str | None, output_dir: str | None,
                formats: list[str] | None, settings_path: str | None) -> list[str]:
    """Write the coded dataset, quotes and reports (pseudonymised, leak-checked)."""
    inputs = stages.run_inputs(workspace_dir, codebook_path, settings_path)
    paths = stages.export_stage(inputs, out_dir=Path(output_dir) if output_dir else None, formats=formats)
    return [str(path) for path in paths]

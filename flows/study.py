"""The study flows: ``hoi-ingest``, ``hoi-code``, ``hoi-export`` and ``hoi-run`` (all three).

Run with ``hoi run STUDY_DIR`` (ephemeral Prefect, PREFECT_HOME in the workspace) or as
deployments from ``hoi serve``. Heavy coding runs in batches on the configured task runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.runtime import flow_run

from flows.runners import make_task_runner, preload_models
from flows.tasks import (
    code_batch_task,
    describe_coder_task,
    export_task,
    ingest_task,
    plan_coding_task,
    segment_task,
)
from hoi_nlp.progress import stage
from hoi_nlp.stages.study import check_study_coder, default_workspace_dir, study_codebook_file


def _workspace(study_dir: str, workspace_dir: str | None) -> str:
    return str(Path(workspace_dir) if workspace_dir else default_workspace_dir(study_dir))


@flow(name="hoi-ingest")
def ingest_flow(study_dir: str, workspace_dir: str | None = None,
                settings_path: str | None = None) -> dict[str, Any]:
    """Ingest a study folder and segment its sources."""
    workspace = _workspace(study_dir, workspace_dir)
    summary = ingest_task(study_dir, workspace)
    summary["segmentation"] = segment_task(workspace, settings_path)
    return summary


@flow(name="hoi-code", task_runner=make_task_runner())
def code_flow(workspace_dir: str, codebook_path: str | None = None, coder: str | None = None,
              settings_path: str | None = None) -> dict[str, int]:
    """Code every pending batch of segments, batches in parallel on the task runner (``codebook_path``:
    default the study's own codebook file, :func:`~hoi_nlp.stages.study.study_codebook_file`)."""
    codebook_path = str(study_codebook_file(workspace_dir, codebook_path))
    preload_models(codebook_path, coder, settings_path)  # Dask workers load while the batches are planned
    plan = plan_coding_task(workspace_dir, codebook_path, coder, settings_path)
    described = describe_coder_task(workspace_dir, codebook_path, coder, settings_path)
    run_id = str(flow_run.get_id() or "")
    assignments = 0
    with stage("code", sum(len(ids) for ids in plan), unit="coding units") as bar:
        futures = [code_batch_task.submit(workspace_dir, ids, codebook_path, coder, settings_path, run_id)
                   for ids in plan]
        sizes = {id(future): len(ids) for future, ids in zip(futures, plan, strict=True)}
        for future in as_completed(futures):
            assignments += future.result()
            bar.advance(sizes[id(future)])
    get_run_logger().info("coded %d batches, %d assignments with %s %s", len(plan), assignments,
                          described["coder"], described["model_version"])
    return {"batches": len(plan), "assignments": assignments,
            "coding_units": sum(len(ids) for ids in plan), "coder": described}


@flow(name="hoi-export")
def export_flow(workspace_dir: str, codebook_path: str | None = None,
                output_dir: str | None = None, formats: list[str] | None = None,
                settings_path: str | None = None) -> list[str]:
    """Export the coded dataset and quotes (pseudonymised)."""
    return export_task(workspace_dir, codebook_path, output_dir, formats, settings_path)


@flow(name="hoi-run")
def run_flow(study_dir: str, workspace_dir: str | None = None, codebook_path: str | None = None,
             output_dir: str | None = None, coder: str | None = None,
             settings_path: str | None = None) -> dict[str, Any]:
    """Ingest → segment → code → export a study.

    When no file of the study could be read (each is under ``summary["ingest"]["errors"]``), the run
    stops after ingest: nothing is coded or exported and ``summary["stopped"]`` says so.
    """
    workspace = _workspace(study_dir, workspace_dir)
    check_study_coder(workspace, codebook_path, coder, settings_path)  # refused: nothing read or cut
    summary: dict[str, Any] = {"workspace": workspace}
    summary["ingest"] = ingest_flow(study_dir, workspace, settings_path)
    if summary["ingest"].get("errors") and not summary["ingest"].get("files"):
        get_run_logger().warning("no file of %s could be ingested: nothing coded or exported", study_dir)
        return {**summary, "stopped": "ingest", "coding": None, "exports": []}
    runner = make_task_runner(settings_path)
    summary["coding"] = code_flow.with_options(task_runner=runner)(
        workspace, codebook_path, coder, settings_path
    )
    summary["exports"] = export_flow(workspace, codebook_path, output_dir, None, settings_path)
    return summary

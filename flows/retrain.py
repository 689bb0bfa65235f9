"""The ``hoi-retrain`` flow: retrain the coders from analysts' decisions and re-score the study."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from hoi_nlp.stages.retrain import retrain_from_reviews
from hoi_nlp.stages.study import run_inputs


@task(name="retrain-from-reviews", retries=1)
def retrain_task(workspace_dir: str, codebook_path: str | None, settings_path: str | None,
                 rescore: bool) -> dict[str, Any]:
    """Train on the bundled training data plus the study's reviewed decisions; re-score the queue."""
    inputs = run_inputs(workspace_dir, codebook_path, settings_path, create=False)
    return retrain_from_reviews(inputs.workspace, codebook=inputs.codebook, settings=inputs.settings,
                                rescore=rescore)


@flow(name="hoi-retrain")
def retrain_flow(workspace_dir: str, codebook_path: str | None = None,
                 settings_path: str | None = None, rescore: bool = True) -> dict[str, Any]:
    """Retrain the study's coder from accepted/rejected decisions (model in <workspace>/models/coder)."""
    return retrain_task(workspace_dir, codebook_path, settings_path, rescore)

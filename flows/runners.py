"""Choose the Prefect task runner from settings: local threads or a Dask cluster."""

from __future__ import annotations

import os
from typing import Any

from hoi_nlp.stages.study import load_run_settings


def make_task_runner(settings_path: str | None = None) -> Any:
    """``threads`` → ThreadPoolTaskRunner; ``dask`` → DaskTaskRunner (address or a local cluster)."""
    settings = load_run_settings(settings_path).flow
    if settings.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:  # pragma: no cover - extra missing
            from hoi_nlp.errors import MissingExtraError

            raise MissingExtraError("prefect-dask", "flows") from exc
        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        # Worker processes must reach a Prefect API: with Prefect's in-process ephemeral API
        # (no PREFECT_API_URL), the local cluster's two workers run as threads in this process.
        processes = bool(os.environ.get("PREFECT_API_URL"))
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": processes})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=2)

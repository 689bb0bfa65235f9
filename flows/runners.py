"""Choose the Prefect task runner from settings: local threads or a Dask cluster.

The Dask runner preloads the coding models on every worker (:mod:`flows.dask_workers`): the
coding flow calls :func:`preload_models` before it hands out batches.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from hoi_nlp.stages.study import load_run_settings


def make_task_runner(settings_path: str | None = None) -> Any:
    """``threads`` → ThreadPoolTaskRunner; ``dask`` → DaskTaskRunner (address or a local cluster)."""
    settings = load_run_settings(settings_path).flow
    if settings.task_runner == "dask":
        try:
            from flows.dask_workers import HoiDaskTaskRunner
        except ImportError as exc:  # pragma: no cover - extra missing
            from hoi_nlp.errors import MissingExtraError

            raise MissingExtraError("prefect-dask", "flows") from exc
        if settings.dask_address:
            return HoiDaskTaskRunner(address=settings.dask_address)
        # Worker processes must reach a Prefect API: with a temporary one (Prefect's ephemeral mode,
        # or hoi run's own start of it), the local cluster's two workers run as threads in this process.
        from flows.environment import uses_temporary_api

        processes = bool(os.environ.get("PREFECT_API_URL")) and not uses_temporary_api()
        return HoiDaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1,
                                                 "processes": processes})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=2)


def preload_models(codebook_path: str | None, coder_name: str | None, settings_path: str | None) -> None:
    """Have the running flow's task runner load the coding models on its workers, if it can (Dask).

    The thread runner shares this process's models and needs nothing; a failure here only means
    each worker loads the models in its first task, as before.
    """
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    runner = getattr(context, "task_runner", None)
    load = getattr(runner, "load_models", None)
    if load is None:
        return
    try:
        load(codebook_path, coder_name, settings_path)
    except Exception as exc:  # noqa: BLE001 - preloading is an optimisation, never a reason to fail
        logging.getLogger(__name__).warning("could not preload the models on the Dask workers: %s", exc)

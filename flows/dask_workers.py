"""Dask workers load the models once: a worker plugin, registered by the flow's task runner.

Without it every worker loaded the spaCy pipeline, the coder and the embedding model inside its
first coding task of every flow run. :class:`HoiModelsPlugin` starts that load as soon as a
worker joins (or the plugin is registered), in a background thread so the worker keeps answering
the scheduler; the models stay in the worker process's caches
(:func:`hoi_nlp.stages.study.load_models`) for every later batch, study and flow run. A task
that arrives while the load is still running waits for it rather than loading a second copy.

On a cluster started by hand the workers need this repository importable (the same checkout, or
``pip install 'hoi-nlp[flows]'`` plus the flows folder), as for the coding tasks themselves.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from distributed import WorkerPlugin
from prefect_dask import DaskTaskRunner

logger = logging.getLogger(__name__)

PLUGIN_NAME = "hoi-models"


class HoiModelsPlugin(WorkerPlugin):
    """Load the coding models into a worker process when it starts (once per process)."""

    name = PLUGIN_NAME

    def __init__(self, codebook_path: str | None = None, coder_name: str | None = None,
                 settings_path: str | None = None) -> None:
        self.codebook_path = codebook_path
        self.coder_name = coder_name
        self.settings_path = settings_path
        self._thread: threading.Thread | None = None
        self.result: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("_thread", "result")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._thread = None
        self.result = None

    def setup(self, worker: Any = None) -> None:
        """Start loading in the background (the worker's event loop must not block)."""
        self._thread = threading.Thread(target=self.load, name="hoi-load-models", daemon=True)
        self._thread.start()

    def load(self) -> dict[str, Any] | None:
        """Load the models now (a no-op when this process has them already)."""
        from hoi_nlp.stages.study import load_models

        try:
            self.result = load_models(self.codebook_path, self.coder_name, self.settings_path)
            logger.info("hoi models ready in this worker: %s", self.result)
        except Exception as exc:  # noqa: BLE001 - the coding task that needs the model reports it clearly
            logger.warning("loading the hoi models on this worker failed: %s", exc)
        return self.result

    def wait(self, timeout: float | None = None) -> dict[str, Any] | None:
        """Wait for a load started by :meth:`setup`."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.result


class HoiDaskTaskRunner(DaskTaskRunner):
    """Prefect's Dask task runner that also preloads the coding models on every worker."""

    def load_models(self, codebook_path: str | None, coder_name: str | None,
                    settings_path: str | None) -> None:
        """Register :class:`HoiModelsPlugin` with the cluster: current workers start loading now,
        workers that join later when they start. Registering again (the next flow run) costs
        nothing where the models are loaded already."""
        plugin = HoiModelsPlugin(codebook_path, coder_name, settings_path)
        self.client.register_plugin(plugin, name=PLUGIN_NAME)

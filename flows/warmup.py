"""Load the flow's models in a background thread while Prefect's temporary server starts.

Starting the ephemeral API (a subprocess; database migrations on a fresh workspace) leaves
this process waiting for several seconds; the models the tasks need (spaCy pipeline, coder,
privacy NER) load meanwhile into the same per-process caches the tasks read.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


def preload_models(workspace_dir: str, codebook_path: str, coder_name: str | None,
                   settings_path: str | None) -> threading.Thread:
    """Start loading in a daemon thread; a failure is left for the task that needs the model to report."""

    def load() -> None:
        try:
            from hoi_nlp.stages.study import preload_models as preload

            preload(workspace_dir, codebook_path, coder_name, settings_path)
        except Exception as exc:  # noqa: BLE001 - the task that needs the model reports it clearly
            logger.debug("preloading models failed: %s", exc)

    thread = threading.Thread(target=load, name="hoi-preload", daemon=True)
    thread.start()
    return thread

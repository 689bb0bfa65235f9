"""``hoi serve``: the study flows as Prefect deployments, so runs start from the Prefect UI.

When no Prefect API is configured, a local Prefect server (with its UI) is started on
127.0.0.1 with its database in ``PREFECT_HOME``; point ``PREFECT_API_URL`` at an existing
server (e.g. one backed by PostgreSQL) to use that instead.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

DEPLOYMENTS = ("study-run", "study-code", "study-export", "themes", "retrain")


def wait_for_api(api_url: str, *, timeout: float = 90.0) -> None:
    """Block until the Prefect API answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server at {api_url} did not start within {timeout:.0f} s")


def start_local_server(*, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``prefect server start`` on 127.0.0.1:port (database in PREFECT_HOME);
    return it and its API URL."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "true"}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "flows.orphan_guard",  # stops with `hoi serve`, even after kill -9
               "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        wait_for_api(api_url)
    except RuntimeError:
        process.terminate()
        raise
    return process, api_url


def build_deployments() -> list:
    """One deployment per flow: study run, code, export, themes and retrain (where installed)."""
    from flows.study import code_flow, export_flow, run_flow

    deployments = [run_flow.to_deployment(name="study-run", tags=["hoi"]),
                   code_flow.to_deployment(name="study-code", tags=["hoi"]),
                   export_flow.to_deployment(name="study-export", tags=["hoi"])]
    for module, attr, name in (("flows.themes", "themes_flow", "themes"),
                               ("flows.retrain", "retrain_flow", "retrain")):
        try:
            flow_obj = getattr(__import__(module, fromlist=[attr]), attr)
        except (ImportError, AttributeError) as exc:
            logger.warning("deployment %s not available: %s", name, exc)
            continue
        deployments.append(flow_obj.to_deployment(name=name, tags=["hoi"]))
    return deployments


def serve_deployments(*, limit: int = 2) -> None:
    """Register the deployments and run flow runs as they are triggered (blocks until interrupted)."""
    from prefect import serve

    serve(*build_deployments(), limit=limit, print_starting_message=False)


def prefect_home_for(root: str | Path) -> Path:
    """The PREFECT_HOME used by ``hoi serve``."""
    home = Path(root).resolve() / "prefect-server"
    home.mkdir(parents=True, exist_ok=True)
    return home

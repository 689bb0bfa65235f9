"""`hoi serve` starts a local Prefect server, registers deployments, and runs one triggered via the API."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import DATA, REPO


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _deployment_id(api: str) -> str | None:
    try:
        found = httpx.post(f"{api}/deployments/filter",
                           json={"deployments": {"name": {"any_": ["study-run"]}}}, timeout=5).json()
    except httpx.HTTPError:
        return None
    return found[0]["id"] if found else None


def _created_run(api: str, deployment: str, params: dict) -> dict | None:
    """The flow run created from ``deployment``; None while the server answers 503 (its database busy
    right after start-up: Prefect's own client retries those too)."""
    response = httpx.post(f"{api}/deployments/{deployment}/create_flow_run", json={"parameters": params},
                          timeout=10)
    if response.status_code == 503:
        return None
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.slow
def test_serve_registers_deployments_and_runs_a_study(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    hoi = [sys.executable, "-c", "from hoi_nlp.cli import app; app()"]
    server = subprocess.Popen([*hoi, "serve", "--home", str(tmp_path / "serve"), "--port", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deployment = _wait(lambda: _deployment_id(api), 150, "the study-run deployment")
        study = tmp_path / "study_small"
        shutil.copytree(DATA / "study_small", study)
        params = {"study_dir": str(study), "workspace_dir": str(tmp_path / "ws"),
                  "codebook_path": str(DATA / "codebooks" / "small.yaml"), "coder": "rules"}
        run = _wait(lambda: _created_run(api, deployment, params), 60, "the flow run to be created")

        def finished():
            state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5).json()["state"]["type"]
            return state if state in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

        assert _wait(finished, 180, "the triggered flow run") == "COMPLETED"
        assert (tmp_path / "ws" / "exports" / "coded_dataset.xlsx").exists()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

"""PostgreSQL fixtures: one throw-away cluster per test session, one fresh database per test.

The cluster is started by :mod:`tests.postgres.cluster` (initdb + pg_ctl in a temporary folder on
a free localhost port). Where Debian's ``postgresql`` package could not be installed (``make
postgres``), every test that needs the server is skipped with that reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.postgres.cluster import ClusterUnavailable, start_cluster


@pytest.fixture(scope="session")
def pg_cluster():
    """A running throw-away PostgreSQL cluster (skips where PostgreSQL is not installed)."""
    try:
        cluster = start_cluster()
    except ClusterUnavailable as exc:
        pytest.skip(f"PostgreSQL is not available here: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster):
    """A SQLAlchemy URL of a fresh, empty database of its own (dropped afterwards)."""
    from hoi_nlp.store import close_shared_engine

    name = pg_cluster.create_database()
    url = pg_cluster.url(name)
    yield url
    close_shared_engine(url)
    pg_cluster.drop_database(name)


def hoi_command() -> list[str]:
    """The installed ``hoi`` console script next to this interpreter (or the CLI module)."""
    script = Path(sys.executable).parent / "hoi"
    return [str(script)] if script.is_file() else [sys.executable, "-c", "from hoi_nlp.cli import app; app()"]


def hoi_env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    """The environment of a ``hoi`` subprocess: its own PREFECT_HOME, the given study database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HF_", "HOI_DATABASE_URL"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    env["HF_HUB_OFFLINE"] = "1"
    if database_url:
        env["HOI_DATABASE_URL"] = database_url
    return env


def run_hoi(args: list[str], *, tmp_path: Path, database_url: str | None, timeout: float = 600
            ) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``hoi ARGS`` in the repository; returns the finished process and its wall time in seconds."""
    started = time.monotonic()
    result = subprocess.run([*hoi_command(), *args], cwd=REPO, env=hoi_env(tmp_path, database_url),
                            capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - started

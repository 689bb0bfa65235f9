"""A study database that cannot be used is one clear, fast error naming HOI_DATABASE_URL (no password).

The CLI runs as a subprocess, as a user would start it: a missing or asyncio driver, a refused
connection and wrong credentials each give exit code != 0, exactly one ``Error:`` line naming
``HOI_DATABASE_URL`` with the password hidden, and no traceback, within seconds.
"""

from __future__ import annotations

import pytest

from tests.conftest import DATA
from tests.postgres.cluster import PASSWORD, free_port
from tests.postgres.conftest import run_hoi

pytestmark = pytest.mark.postgres

SECRET = "Hemmelig-Kode-4711"
# Detected before the flow starts: CLI start-up (imports) plus a connect timeout of 5 s at most.
FAST_S = 30


def _one_clear_error(result, seconds: float, *, expect: str) -> str:
    output = result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    assert len(errors) == 1, output
    assert result.stderr.strip() == errors[0], output  # nothing else on stderr
    assert "HOI_DATABASE_URL=postgresql+" in errors[0] and ":***@" in errors[0], errors[0]
    assert SECRET not in output
    assert expect in errors[0], errors[0]
    assert seconds < FAST_S, f"took {seconds:.1f} s"
    return errors[0]


def _run(tmp_path, url: str):
    return run_hoi(["run", str(DATA / "study_small"), "--workspace", str(tmp_path / "ws")],
                   tmp_path=tmp_path, database_url=url, timeout=120)


@pytest.mark.parametrize(("driver", "expect"), [
    ("pg8000", "the database driver 'pg8000' is not installed"),
    ("asyncpg", "'asyncpg' is an asyncio driver"),
])
def test_missing_or_async_driver_is_one_clear_error(tmp_path, driver, expect):
    result, seconds = _run(tmp_path, f"postgresql+{driver}://hoi:{SECRET}@127.0.0.1:{free_port()}/study")
    line = _one_clear_error(result, seconds, expect=expect)
    assert "pip install 'hoi-nlp[postgres]'" in line and "postgresql+psycopg://" in line
    assert not (tmp_path / "ws" / "prefect").exists(), "the flow started before the database was checked"


def test_refused_connection_is_one_clear_error(tmp_path):
    port = free_port()  # nothing listens there
    result, seconds = _run(tmp_path, f"postgresql+psycopg://hoi:{SECRET}@127.0.0.1:{port}/study")
    line = _one_clear_error(result, seconds, expect="cannot connect to the study database")
    assert "refused" in line.lower() and f"port {port}" in line
    assert "is the PostgreSQL server running" in line


def test_wrong_credentials_are_one_clear_error(tmp_path, pg_cluster, pg_url):
    database = pg_url.rsplit("/", 1)[1]
    result, seconds = _run(tmp_path, pg_cluster.url(database, password=SECRET))
    line = _one_clear_error(result, seconds, expect="password authentication failed")
    assert "check the user name and password" in line


def test_library_errors_name_the_url_without_password(pg_cluster, pg_url, tmp_path, monkeypatch):
    from hoi_nlp.errors import WorkspaceError
    from hoi_nlp.store import Workspace, masked_url

    assert masked_url(f"postgresql+psycopg://u:{SECRET}@h/db") == "postgresql+psycopg://u:***@h/db"
    assert SECRET not in masked_url(f"postgresql+psycopg://u:{SECRET}@h:notaport/db")
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_study"
    monkeypatch.setenv("HOI_DATABASE_URL", missing)
    with pytest.raises(WorkspaceError, match='database "no_such_study" does not exist') as info:
        Workspace.open(tmp_path / "ws")
    assert "HOI_DATABASE_URL=" in str(info.value) and PASSWORD not in str(info.value)
    # An existing but empty database is no study yet for commands that read one.
    with pytest.raises(WorkspaceError, match="the study database is empty"):
        Workspace.open(tmp_path / "ws", db_url=pg_url, create=False)

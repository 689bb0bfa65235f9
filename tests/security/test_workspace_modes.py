"""The study database (raw texts, password hashes) and Prefect's database are the owner's only,
also when the library is used without the CLI's umask, and also for a workspace made before.
(After a real ``hoi run``: tests/security/test_probe_study.py.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PREFECT_VARIABLES = ("PREFECT_HOME", "PREFECT_SERVER_ANALYTICS_ENABLED", "PREFECT_LOGGING_LEVEL",
                     "PREFECT_SERVER_LOGGING_LEVEL", "PREFECT_UI_ENABLED",
                     "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_workspace_is_private_whatever_the_umask(tmp_path):
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.store import Workspace

    old = os.umask(0o022)
    try:
        workspace = Workspace.open(tmp_path / "study", study="study")
        add_user(workspace, "anna", "korrekt-hest-batteri")  # a write: the WAL and shared-memory files
        assert mode(workspace.root) == 0o700
        database = [workspace.root / n for n in ("hoi.db", "hoi.db-wal", "hoi.db-shm")]
        assert database[0].exists() and database[1].exists()
        assert {p.name: oct(mode(p)) for p in database if p.exists()} == {
            p.name: "0o600" for p in database if p.exists()}
    finally:
        os.umask(old)
        workspace.engine.dispose()


def test_a_workspace_made_before_is_made_private_when_opened(tmp_path):
    from hoi_nlp.store import Workspace

    Workspace.open(tmp_path / "study", study="study").engine.dispose()
    (tmp_path / "study").chmod(0o755)
    (tmp_path / "study" / "hoi.db").chmod(0o644)
    Workspace.open(tmp_path / "study", create=False).engine.dispose()
    assert mode(tmp_path / "study") == 0o700 and mode(tmp_path / "study" / "hoi.db") == 0o600


def test_prefects_folder_and_database_are_private(tmp_path, monkeypatch):
    from flows.environment import configure_prefect

    for name in PREFECT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    old = os.umask(0o022)
    try:
        home = configure_prefect(tmp_path / "ws")
    finally:
        os.umask(old)
    assert home == (tmp_path / "ws" / "prefect").resolve()
    assert mode(home) == 0o700 and mode(home / "prefect.db") == 0o600


def test_the_cli_writes_nothing_others_can_read(tmp_path):
    from tests.security.conftest import hoi, write_review_study

    study = write_review_study(tmp_path / "study")
    ingested = hoi("ingest", str(study), "--workspace", str(tmp_path / "ws"), timeout=300)
    assert ingested.returncode == 0, ingested.stderr
    added = hoi("users", "add", str(tmp_path / "ws"), "anna", "--password-stdin",
                stdin="korrekt-hest-batteri\n", timeout=300)
    assert added.returncode == 0, added.stderr
    assert [str(p) for p in (tmp_path / "ws").rglob("*") if mode(p) & 0o077] == []

"""Prefect's environment for a study: PREFECT_HOME inside the workspace, no telemetry, no server by hand.

Must run before ``prefect`` is imported: Prefect reads its settings at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

# Prefect sends usage events on import (SDK telemetry, unless DO_NOT_TRACK) and from its server
# (PREFECT_SERVER_ANALYTICS_ENABLED); the first import in a terminal prints a notice saying so.
TELEMETRY_OFF = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def switch_off_telemetry() -> None:
    """Switch Prefect's telemetry and analytics off in this process and the processes it starts.

    Set, not defaulted: a value inherited from the shell cannot switch them back on.
    Must run before ``prefect`` is imported (its SDK telemetry starts on import).
    """
    os.environ.update(TELEMETRY_OFF)


def configure_prefect(workspace_dir: str | Path, *, verbose: bool = False) -> Path:
    """Point Prefect at ``<workspace>/prefect`` (ephemeral mode) unless a server is configured.

    Without ``verbose``, Prefect's own logs (which include tracebacks of failed tasks) are
    silenced: the CLI reports errors itself, as one clear message.
    """
    home = Path(workspace_dir).resolve() / "prefect"
    if "PREFECT_HOME" not in os.environ:
        _private_home(home)
    os.environ.setdefault("PREFECT_HOME", str(home))
    switch_off_telemetry()
    # Prefect's own INFO lines (flow-run names, "Finished in state …") are not the project's logs:
    # -v shows Prefect's warnings and errors only.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING" if verbose else "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    # The ephemeral API starts in a subprocess; on a loaded 2-core machine 20 s is not always enough.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    return Path(os.environ["PREFECT_HOME"])


def _private_home(home: Path) -> None:
    """Prefect's folder and database (flow parameters, logs) are private to the owner: a 0700
    folder and a 0600 ``prefect.db`` created before Prefect opens it (SQLite gives its WAL and
    shared-memory files the same mode)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    home.chmod(0o700)
    database = home / "prefect.db"
    if not database.exists():
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in home.iterdir():
        if path.is_file():
            path.chmod(0o600)

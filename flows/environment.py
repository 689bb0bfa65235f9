"""Prefect's environment for a study: PREFECT_HOME inside the workspace, no telemetry, no server by hand.

Must run before ``prefect`` is imported: Prefect reads its settings at import time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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
    shared-memory files the same mode). A new database starts as a copy of the empty, migrated
    template (:func:`build_template`) where there is one, so a new study's first run does not
    wait for Prefect's migrations (about 4 s)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    home.chmod(0o700)
    database = home / "prefect.db"
    if not database.exists():
        template = template_dir()
        with os.fdopen(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600), "wb") as stream:
            try:
                if (template / TEMPLATE_DONE).is_file():
                    stream.write((template / "prefect.db").read_bytes())
                    for name in TEMPLATE_FILES[1:]:
                        if (template / name).is_file() and not (home / name).exists():
                            (home / name).write_bytes((template / name).read_bytes())
            except OSError:  # an unreadable template: Prefect migrates the empty database itself
                stream.seek(0)
                stream.truncate()
    for path in home.iterdir():
        if path.is_file():
            path.chmod(0o600)


# ---------------------------------------------------------------- the empty database's template

TEMPLATE_FILES = ("prefect.db", "memo_store.toml")  # the database and Prefect's record of its blocks
TEMPLATE_DONE = "complete"


def template_dir() -> Path:
    """Where the empty Prefect database is kept, per Prefect version (beside the lemma table)."""
    from importlib import metadata

    from hoi_nlp.settings import machine_cache_dir

    try:
        version = metadata.version("prefect")
    except metadata.PackageNotFoundError:  # pragma: no cover - a core dependency
        version = "unknown"
    return machine_cache_dir() / f"prefect-{version}"


def build_template() -> Path:
    """Start Prefect's temporary server once on an empty home (migrations, block types), with no
    flow run and no study, and keep its database as the template new workspaces copy.

    Run by ``make install``; the server starts in a process of its own, since Prefect reads
    ``PREFECT_HOME`` at import.
    """
    target = template_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".prefect-template-") as scratch:
        home = Path(scratch) / "home"
        _private_home(home)
        env = {**os.environ, **TELEMETRY_OFF, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "CRITICAL",
               "PREFECT_API_URL": "", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
        starts_server = ("import asyncio\nfrom prefect.client.orchestration import get_client\n"
                         "async def main():\n    async with get_client() as client:\n"
                         "        await client.hello()\nasyncio.run(main())\n")
        subprocess.run([sys.executable, "-c", starts_server], env=env, check=True, capture_output=True)
        ready = Path(scratch) / "template"
        ready.mkdir(mode=0o700)
        for name in TEMPLATE_FILES:
            if (home / name).is_file():
                shutil.copyfile(home / name, ready / name)
        (ready / TEMPLATE_DONE).write_text("an empty, migrated Prefect database\n", encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        ready.rename(target)
    return target


def prepare_template() -> None:
    """``make install``'s step: build the template, or say in one line why not (nothing depends on it)."""
    try:
        print(f"Prefect's empty database, for new workspaces to copy: {build_template()}")
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"could not prepare Prefect's empty database ({type(exc).__name__}); "
              "each new study's first run migrates its own instead")


# ---------------------------------------------------------------- one command's temporary API

# Prefect's own start of the same server (prefect.server.api.server.SubprocessASGIServer) sets these.
TEMPORARY_API_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                     "PREFECT__SERVER_FINAL": "1"}
_temporary: TemporaryApi | None = None


class TemporaryApi:
    """Prefect's temporary API server for one command, started before Prefect is imported here.

    Left to itself, Prefect starts the same server (its "ephemeral" mode: ``uvicorn`` serving its
    API from ``PREFECT_HOME``) when the first flow runs, after importing its server package into
    this process only to start it (~1.6 s), then waits for it (~3.5 s). Started first, it boots on
    the other core while this process imports Prefect and loads the models. ``PREFECT_API_URL``
    points this process (and the processes it starts) at it; it stops when the command ends, and
    by itself when the command is killed outright (:mod:`flows.orphan_guard`); Ctrl+C reaches the
    command only, which stops it when it ends.
    """

    def __init__(self) -> None:
        import atexit
        import importlib.util

        spec = importlib.util.find_spec("prefect")
        if spec is None or spec.origin is None:
            raise RuntimeError("Prefect is not installed")
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.errors = tempfile.TemporaryFile()
        command = [sys.executable, "-m", "flows.orphan_guard", "uvicorn",
                   "--app-dir", str(Path(spec.origin).parent.parent),
                   "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        # In a session of its own: Ctrl+C in a terminal signals the whole foreground process group,
        # and a server stopped by it would leave `hoi run` unable to record its batches' end
        # (a traceback of refused connections after a minute of retries). The command stops it at
        # exit (atexit below), the orphan guard when the command is killed outright.
        self.process = subprocess.Popen(command, env={**os.environ, **TEMPORARY_API_ENV},
                                        stdout=subprocess.DEVNULL, stderr=self.errors,
                                        start_new_session=True)
        os.environ["PREFECT_API_URL"] = self.api_url
        atexit.register(self.stop)

    def wait(self, *, timeout: float | None = None) -> None:
        """Return once the API answers its health check; a clear error with the server's last words
        if it stopped or did not answer in time (``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``)."""
        import time
        import urllib.error
        import urllib.request

        limit = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        from hoi_nlp.errors import HoiError

        raise HoiError(f"Prefect's temporary API server did not start ({self._last_words()})",
                       hint="run the command again, or set PREFECT_API_URL to use a running Prefect server")

    def _last_words(self) -> str:
        code = self.process.poll()
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", errors="replace").strip().splitlines()
        said = lines[-1] if lines else ""
        return "; ".join(filter(None, [f"exit code {code}" if code is not None else "no answer", said]))

    def stop(self) -> None:
        """Stop the server (once; also at exit)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.errors.close()


def start_temporary_api() -> TemporaryApi | None:
    """Start this command's temporary Prefect API now (:class:`TemporaryApi`), unless a server is
    configured (``PREFECT_API_URL``) or Prefect is already imported (it has read its settings)."""
    global _temporary
    if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules or _temporary is not None:
        return None
    _temporary = TemporaryApi()
    return _temporary


def uses_temporary_api() -> bool:
    """Whether this process's Prefect API is the temporary one of :func:`start_temporary_api`."""
    return _temporary is not None and os.environ.get("PREFECT_API_URL") == _temporary.api_url


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

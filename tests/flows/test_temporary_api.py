"""``hoi run``'s temporary Prefect API: started before Prefect is imported, used, stopped at exit.

Each check runs in a fresh interpreter: Prefect reads PREFECT_API_URL once, at import, and this
test process has imported it already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from flows.environment import start_temporary_api, uses_temporary_api

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, tmp_path: Path, **env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    environment.update({"PYTHONPATH": str(REPO), **env})
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_flow_runs_against_the_temporary_api_which_stops_with_the_command(tmp_path):
    result = _python(f"""
        import json, os, sys
        from flows.environment import configure_prefect, start_temporary_api, uses_temporary_api
        configure_prefect({str(tmp_path / "ws")!r})
        api = start_temporary_api()
        url = os.environ["PREFECT_API_URL"]
        from prefect import flow
        api.wait()

        @flow
        def answer() -> int:
            return 42

        from prefect.server.api.server import SubprocessASGIServer
        print(json.dumps({{"url": url, "pid": api.process.pid, "answer": answer(),
                          "ours": uses_temporary_api(),
                          "prefect_started_its_own": bool(SubprocessASGIServer._instances)}}))
    """, tmp_path)
    assert result["url"].startswith("http://127.0.0.1:") and result["url"].endswith("/api")
    assert result["answer"] == 42 and result["ours"] and not result["prefect_started_its_own"]
    with pytest.raises(ProcessLookupError):  # stopped when the command ended
        os.kill(result["pid"], 0)
    assert (tmp_path / "ws" / "prefect" / "prefect.db").is_file()  # the study's own Prefect database


def test_a_server_that_dies_is_one_clear_error(tmp_path):
    result = _python(f"""
        import json
        from flows.environment import configure_prefect, start_temporary_api
        from hoi_nlp.errors import HoiError
        configure_prefect({str(tmp_path / "ws")!r})
        api = start_temporary_api()
        api.process.kill()
        try:
            api.wait(timeout=30)
        except HoiError as exc:
            print(json.dumps({{"error": str(exc)}}))
    """, tmp_path)
    assert "Prefect's temporary API server did not start (exit code -9" in result["error"]
    assert "PREFECT_API_URL" in result["error"]


def test_not_started_where_a_server_is_configured_or_prefect_read_its_settings(tmp_path):
    configured = _python("""
        import json
        from flows.environment import start_temporary_api
        print(json.dumps({"started": start_temporary_api() is not None}))
    """, tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert configured == {"started": False}
    import prefect  # noqa: F401 - this process has read Prefect's settings

    assert start_temporary_api() is None and not uses_temporary_api()


def test_the_server_exits_when_its_command_is_killed_outright(tmp_path):
    """`kill -9` on `hoi run` (or the out-of-memory killer) skips its clean-up at exit: the temporary
    API server must not live on, orphaned, holding the study's Prefect database."""
    import signal
    import time

    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    environment["PYTHONPATH"] = str(REPO)
    code = textwrap.dedent(f"""
        import sys, time
        from flows.environment import configure_prefect, start_temporary_api
        configure_prefect({str(tmp_path / "ws")!r})
        api = start_temporary_api()
        api.wait()
        print(api.process.pid, flush=True)
        time.sleep(600)
    """)
    command = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=environment,
                               stdout=subprocess.PIPE, text=True)
    try:
        server = int(command.stdout.readline())
        os.kill(server, 0)  # running
        command.send_signal(signal.SIGKILL)  # the command alone, as `kill -9 PID` does
        command.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(server, signal.SIGKILL)
            raise AssertionError("the temporary API server outlived its killed command")
    finally:
        command.kill()


def test_ctrl_c_in_a_terminal_leaves_the_server_to_the_command(tmp_path):
    """Ctrl+C in a terminal sends SIGINT to the whole foreground process group. `hoi run` then
    finishes the batches in progress and records their end through the API; a server stopped by the
    same Ctrl+C made that a minute of retries and a traceback of refused connections. The server
    must live until the command stops it, at its exit."""
    import signal
    import time

    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    environment["PYTHONPATH"] = str(REPO)
    code = textwrap.dedent(f"""
        import json, signal, time, urllib.request
        # Ctrl+C as a terminal's command has it: a test run started in the background (`make test &`
        # in a script) ignores SIGINT, and this child would inherit that and sleep through the Ctrl+C.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from flows.environment import configure_prefect, start_temporary_api
        configure_prefect({str(tmp_path / "ws")!r})
        api = start_temporary_api()
        api.wait()
        try:  # the Ctrl+C may come as soon as the pid is read
            print(api.process.pid, flush=True)
            time.sleep(600)
        except KeyboardInterrupt:
            time.sleep(1.5)  # the server's own handling of the same Ctrl+C, had it received it
            try:
                with urllib.request.urlopen(api.api_url + "/health", timeout=5) as answer:
                    alive = answer.status == 200
            except OSError:
                alive = False
            print(json.dumps({{"alive": alive}}), flush=True)
    """)
    command = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    watchdog = threading.Timer(120, command.kill)  # a child that never answers fails the test in time
    watchdog.start()
    try:
        server = int(command.stdout.readline())
        os.killpg(command.pid, signal.SIGINT)  # as the terminal does on Ctrl+C
        said = command.stdout.readline()
        assert said, command.stderr.read()[-3000:]
        result = json.loads(said)
        assert result == {"alive": True}, "Ctrl+C stopped the temporary API under the running command"
        command.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # and the command stopped it at its exit
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(server, signal.SIGKILL)
            raise AssertionError("the temporary API server outlived its command")
    finally:
        watchdog.cancel()
        command.kill()

"""Resilience: the whole flow runs with the network blocked; a killed run resumes without redoing work."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import DATA, REPO


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HF_"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    return env


@pytest.mark.slow
def test_whole_flow_runs_with_outbound_network_blocked(tmp_path):
    study = tmp_path / "study_small"
    shutil.copytree(DATA / "study_small", study)
    out = subprocess.run([sys.executable, "-m", "tests.resilience.netblock", "run", str(study),
                          "--workspace", str(tmp_path / "ws")], cwd=REPO, env=_env(tmp_path),
                         capture_output=True, text=True, timeout=600)
    assert "NETWORK-ATTEMPT" not in out.stderr, out.stderr[-2000:]
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "ws" / "exports" / "coded_dataset.xlsx").exists()


# the coding units of the sources the coding ledger marks coded
UNITS_DONE = ("select count(*) from segments s join coded_sources c on c.source_id = s.source_id "
              "where s.codable and c.stage like 'code:%'")


def _units_done(db) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute(UNITS_DONE).fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_batches_or_duplicates(tmp_path):
    from benchmarks.generate import generate_study

    study = generate_study(1500, tmp_path / "study")
    settings = tmp_path / "settings.toml"
    settings.write_text('[flow]\nbatch_size = 25\n', encoding="utf-8")
    workspace = tmp_path / "ws"
    command = [sys.executable, "-c", "from hoi_nlp.cli import app; app()", "run", str(study), "--workspace",
               str(workspace), "--coder", "rules", "--settings", str(settings)]
    first = subprocess.Popen(command, cwd=REPO, env=_env(tmp_path), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    while _units_done(workspace / "hoi.db") < 75 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done_at_kill = _units_done(workspace / "hoi.db")
    assert done_at_kill >= 75, "the run was not caught while coding"
    assert not (workspace / "exports" / "coded_dataset.xlsx").exists()

    second = subprocess.run(command, cwd=REPO, env=_env(tmp_path), capture_output=True, text=True,
                            timeout=600)
    assert second.returncode == 0, second.stderr[-2000:]
    with sqlite3.connect(workspace / "hoi.db") as conn:
        done = conn.execute(UNITS_DONE).fetchone()[0]
        codable = conn.execute("select count(*) from segments where codable").fetchone()[0]
        duplicates = conn.execute("select count(*) from (select segment_id, code_id, coder, count(*) c "
                                  "from assignments group by 1, 2, 3 having c > 1)").fetchone()[0]
    redone = int(re.search(r"coded (\d+) coding units in \d+ batches", second.stdout).group(1))
    assert done_at_kill < done == codable
    assert redone == codable - done_at_kill
    assert duplicates == 0
    assert (workspace / "exports" / "coded_dataset.xlsx").exists()

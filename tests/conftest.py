"""Shared fixtures: the small test codebook, the bundled codebook, a fresh workspace, the demo as
``hoi run`` leaves it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data."""
    return DATA


@pytest.fixture(scope="session")
def small_codebook():
    """A three-code codebook (tests/data/codebooks/small.yaml)."""
    from hoi_nlp.codebook import load_codebook

    return load_codebook(DATA / "codebooks" / "small.yaml")


@pytest.fixture(scope="session")
def hoi_codebook():
    """The bundled default codebook."""
    from hoi_nlp.codebook import load_codebook

    return load_codebook()


@pytest.fixture
def workspace(tmp_path):
    """An empty study workspace in a temporary folder."""
    from hoi_nlp.store import Workspace

    return Workspace.open(tmp_path / "ws", study="test")


def make_source(text: str, *, source_id: str = "R001:1.2_kommentar", kind: str = "survey_answer",
                respondent_id: str = "R001", **attributes: str):
    """A source built from ``text`` (helper for tests)."""
    from hoi_nlp.records import Source, content_hash

    return Source(source_id=source_id, study="test", kind=kind, path="survey/x.xlsx", locator="row 2",
                  text=text, content_hash=content_hash(text), respondent_id=respondent_id,
                  question_id="1.2_kommentar" if kind == "survey_answer" else None, attributes=attributes)


# ---------------------------------------------------------------- the demo as `hoi run` leaves it

HOI = str(Path(sys.executable).parent / "hoi")
DEMO = REPO / "corpora" / "demo"


def rename_source(workspace, old: str, new: str, **changes: str) -> dict[str, str]:
    """Give source ``old`` (and its units) the id ``new``, as a run does when its interview_id or file
    name changed and its text came back: removed, saved again, the move recorded."""
    from hoi_nlp.store import (
        link_moved_sources,
        load_segments,
        load_sources,
        remove_sources,
        save_segments,
        save_sources,
    )

    source = next(s for s in load_sources(workspace) if s.source_id == old)
    segments = [s for s in load_segments(workspace) if s.source_id == old]
    remove_sources(workspace, [old])
    save_sources(workspace, [source.model_copy(update={"source_id": new, **changes})])
    save_segments(workspace, [s.model_copy(update={
        "segment_id": new + ":" + s.segment_id.rpartition(":")[2], "source_id": new,
        "parent_id": s.parent_id and new + ":" + s.parent_id.rpartition(":")[2]}) for s in segments])
    return link_moved_sources(workspace, [new])


def hoi(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run the `hoi` CLI as a user would (a subprocess); fail the test with its output when it fails."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([HOI, *args], capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"hoi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def hoi_from_checkout(*args: str, cwd: Path, timeout: float = 300,
                      expect_failure: bool = False) -> subprocess.CompletedProcess[str]:
    """``hoi`` run in ``cwd`` from this checkout's source (``python -m hoi_nlp.cli``, the repository first
    on the path, not the installed ``hoi``, which may be another checkout's); fails the test when it fails
    (or, with ``expect_failure``, when it succeeds)."""
    env = os.environ | {"PYTHONPATH": str(REPO), "COLUMNS": "400"}
    result = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=cwd, env=env, text=True,
                            capture_output=True, timeout=timeout)
    if expect_failure:
        assert result.returncode != 0, f"hoi {' '.join(args)} succeeded:\n{result.stdout}\n{result.stderr}"
    else:
        assert result.returncode == 0, f"hoi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """The demo study's workspace as the real ``hoi run corpora/demo`` leaves it (run once per session;
    several minutes on two cores; shared by the export and review tests). Tests that change it work on a
    copy (:func:`demo_copy`)."""
    workspace = tmp_path_factory.mktemp("demo-run") / "demo"
    hoi("run", str(DEMO), "--workspace", str(workspace), timeout=1800)
    return workspace


@pytest.fixture
def demo_copy(demo_run, tmp_path) -> Path:
    """A private copy of the demo workspace (for tests that write memos or decisions)."""
    target = tmp_path / "demo"
    shutil.copytree(demo_run, target, ignore=shutil.ignore_patterns("exports"))
    return target

"""Shared fixtures: the small test codebook, the bundled codebook, a fresh workspace."""

from __future__ import annotations

import os
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

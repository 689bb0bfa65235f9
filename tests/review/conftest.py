"""A small coded study workspace (built once per session, copied per test) and app clients."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA

PASSWORD = "korrekt-hest-batteri"


def review_settings():
    """Settings of the review tests: the fast patterns-only recogniser (no statistical NER model).

    The app speaks English here, the language these tests' assertions were written in; the Danish
    default is tested in test_workbench.py.
    """
    from hoi_nlp.settings import Settings

    return Settings(pseudonymize={"recogniser": "patterns"}, review={"language": "en"})


def _build(root: Path) -> Path:
    from sqlalchemy import text

    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.review.masking import PrivacyView
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(root / "study_small", study="study_small")
    ingest_stage(DATA / "study_small", workspace)
    segment_stage(workspace, Settings())
    codebook = load_codebook(DATA / "codebooks" / "small.yaml")
    code_stage(workspace, codebook, Settings(), coder=RuleCoder(codebook))
    PrivacyView(workspace, review_settings()).prepare_all()
    with workspace.engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    workspace.engine.dispose()
    return workspace.root


@pytest.fixture(scope="session")
def built_study(tmp_path_factory) -> Path:
    """The coded study_small workspace (rule coder, small codebook, display pseudonyms cached)."""
    return _build(tmp_path_factory.mktemp("review-study"))


def copy_study(built_study: Path, folder: Path, users: dict[str, str] | None = None):
    """A private copy of the coded workspace in ``folder``, with accounts ``{name: role}``."""
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.store import Workspace

    target = folder / "study_small"
    shutil.copytree(built_study, target)
    workspace = Workspace.open(target, study="study_small", create=False)
    for name, role in (users or {}).items():
        add_user(workspace, name, PASSWORD, role=role)
    return workspace


@pytest.fixture
def study_ws(built_study, tmp_path):
    """A private copy of the coded workspace."""
    return copy_study(built_study, tmp_path)


@pytest.fixture(scope="session")
def small_cb():
    from hoi_nlp.codebook import load_codebook

    return load_codebook(DATA / "codebooks" / "small.yaml")


def make_client(workspace, codebook, *, login: bool = True, **options):
    from fastapi.testclient import TestClient

    from hoi_nlp.review.app import AppConfig, create_app
    from hoi_nlp.review.masking import PrivacyView

    settings = review_settings()
    config = AppConfig(
        workspace=workspace,
        codebook=codebook,
        settings=settings,
        login=login,
        active_learning=False,
        privacy=PrivacyView(workspace, settings),
        local_user="local",
        **options,
    )
    # the app refuses Host headers other than this machine's (DNS rebinding): not "testserver"
    return TestClient(create_app(config), base_url="http://127.0.0.1", follow_redirects=False)


def shown_id(client, segment_id: str) -> str:
    """A segment id as a reviewer without rights has it in links (keyed, without its source offsets)."""
    return client.app.state.config.privacy.segment_id(segment_id)


def shown_segment_id(workspace, segment_id: str) -> str:
    """The same for an app in another process (``hoi review``), from the study's key as saved (its
    secret is made by the first page that shows an id)."""
    from hoi_nlp.privacy.key import key_path, load_key
    from hoi_nlp.privacy.redact import KeyRedactor

    key = load_key(key_path(workspace), study=workspace.study)
    assert key.secret, "no page has shown an id yet"
    return KeyRedactor(key).segment_id(segment_id)


def csrf_of(html: str) -> str:
    import re

    match = re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD) -> str:
    """Log in and return the CSRF token of the session."""
    response = client.post("/login", data={"username": username, "password": password, "next": "/queue"})
    assert response.status_code == 303, response.text
    page = client.get("/queue")
    assert page.status_code == 200
    return csrf_of(page.text)


def page_offsets(html: str, start_at: str, end_at: str) -> tuple[int, int]:
    """The offsets a selection from ``start_at`` up to ``end_at`` carries on a segment page, read from
    its text pieces as the page's script reads them (``data-s`` + characters into the piece)."""
    import html as html_lib
    import re

    pieces = [(int(s), html_lib.unescape(text)) for s, text in
              re.findall(r'<span class="t[^"]*" data-s="(\d+)" data-e="\d+">([^<]*)</span>', html)]
    shown = "".join(text for _, text in pieces)
    first = pieces[0][0]
    assert shown.count(start_at) == 1, shown
    return first + shown.index(start_at), first + shown.index(end_at, shown.index(start_at))

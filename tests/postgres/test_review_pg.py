"""The review app on PostgreSQL: two analysts, each with their own app process's state, deciding at once."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import DATA
from tests.review.conftest import PASSWORD, login, shown_id

pytestmark = pytest.mark.postgres

ROUNDS = 6  # decisions per analyst per coding unit


@pytest.fixture
def pg_study(tmp_path, pg_url):
    """study_small ingested, segmented and rule-coded into a fresh PostgreSQL database."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(tmp_path / "study_small", study="study_small", db_url=pg_url)
    ingest_stage(DATA / "study_small", workspace)
    segment_stage(workspace, Settings())
    codebook = load_codebook(DATA / "codebooks" / "small.yaml")
    code_stage(workspace, codebook, Settings(), coder=RuleCoder(codebook))
    return workspace, codebook


def _app_client(workspace, codebook):
    """One analyst's review app (as if each ran `hoi review` on their own machine against the server)."""
    from fastapi.testclient import TestClient

    from hoi_nlp.review.app import AppConfig, create_app
    from hoi_nlp.review.masking import PrivacyView
    from tests.review.conftest import review_settings

    settings = review_settings()
    config = AppConfig(workspace=workspace, codebook=codebook, settings=settings, login=True,
                       active_learning=False, privacy=PrivacyView(workspace, settings))
    return TestClient(create_app(config), base_url="http://127.0.0.1", follow_redirects=False)


def test_two_analysts_deciding_at_once_are_all_recorded(pg_study):
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.decisions import current_state, load_decisions, machine_suggestions
    from hoi_nlp.store import load_segments

    workspace, codebook = pg_study
    analysts = ("anna", "bent")
    clients = {}
    for name in analysts:
        add_user(workspace, name, PASSWORD)
        clients[name] = _app_client(workspace, codebook)
    tokens = {name: login(clients[name], name) for name in analysts}
    units = [s.segment_id for s in load_segments(workspace, codable=True)]
    suggested = machine_suggestions(workspace)
    plan = {  # both analysts work through the same units, alternating accept/reject/memo on each
        name: [(unit, code_id, ("accept", "reject", "memo")[(i + j + k) % 3])
               for j, unit in enumerate(units)
               for code_id in [c for (seg, c) in suggested if seg == unit] or ["barrier.it_integration"]
               for i in range(ROUNDS)]
        for k, name in enumerate(analysts)
    }
    start = threading.Barrier(len(analysts))
    failures: list[str] = []

    def work(name: str) -> None:
        client, csrf = clients[name], tokens[name]
        start.wait()
        for unit, code_id, action in plan[name]:
            memo = f"{name}: {action}" if action == "memo" else ""
            data = {"action": action, "code_id": code_id, "memo": memo}
            try:
                response = client.post(f"/segment/{shown_id(client, unit)}/decide", data=data,
                                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
            except Exception as exc:  # noqa: BLE001 - the app raised: reported below
                failures.append(f"{name} {action} {unit}: {exc!r}"[:400])
                continue
            if response.status_code != 200:
                failures.append(f"{name} {action} {unit}: {response.status_code} {response.text[:300]}")

    threads = [threading.Thread(target=work, args=(name,)) for name in analysts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures[:3]

    decisions = load_decisions(workspace)
    assert len(decisions) == sum(len(steps) for steps in plan.values()) >= 50
    assert sorted((d.analyst, d.segment_id, d.code_id, d.action) for d in decisions) == sorted(
        (name, unit, code_id, action) for name in analysts for unit, code_id, action in plan[name])
    assert len({d.decision_id for d in decisions}) == len(decisions)
    for name in analysts:  # each analyst's own log is in the order they decided
        mine = [(d.segment_id, d.code_id, d.action) for d in decisions if d.analyst == name]
        assert mine == plan[name]
    state = current_state(workspace)
    decided = [s for s in state.codes.values() if s.status != "suggested"]
    assert decided and all(s.decided_by in analysts for s in decided)
    # Both apps pseudonymised the same sources at once into the shared display cache: one row each.
    from sqlalchemy import func, select

    from hoi_nlp.privacy.redact import recognised_table

    with workspace.engine.connect() as conn:
        cached = conn.execute(select(recognised_table.c.source_id, func.count())
                              .group_by(recognised_table.c.source_id)).all()
    assert cached and all(count == 1 for _, count in cached)

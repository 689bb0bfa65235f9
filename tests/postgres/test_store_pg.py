"""The study database on PostgreSQL behaves as on SQLite: the store tests again, sorting, lengths, times,
JSON, concurrent writers of one key, the export's freshness key and the review tables."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from hoi_nlp.records import Segment, utcnow
from hoi_nlp.store import (
    BatchLedger,
    Workspace,
    ledger_table,
    load_segments,
    load_sources,
    runs_table,
    save_segments,
    save_sources,
    upsert,
)
from tests.conftest import make_source

# The store tests of tests/test_store.py, collected here again with the PostgreSQL workspace below.
from tests.test_store import (  # noqa: F401
    test_changed_attributes_update_in_place_and_keep_segments,
    test_changed_source_replaces_its_segments,
    test_coding_is_resumable_and_idempotent,
    test_decisions_follow_turns_through_a_reworded_question_and_a_swap,
    test_reingest_does_not_duplicate,
    test_segments_load_by_id_in_source_order,
    test_the_units_stamp_moves_with_every_change_of_sources_or_segments_and_reads_one_row,
)

pytestmark = pytest.mark.postgres

# Ids that sort differently under a Danish collation ("aa" = "å", case and punctuation ignored first)
# than byte-wise, as SQLite sorts them.
AWKWARD_IDS = ["aa:1", "Ab:1", "a-b:1", "a_b:1", "B:1", "z:1", "æ:1", "ø:1", "å:1", "Å:1", "R10:1", "R9:1"]


@pytest.fixture
def workspace(tmp_path, pg_url):
    """An empty study workspace whose database is a fresh PostgreSQL database."""
    return Workspace.open(tmp_path / "ws", study="test", db_url=pg_url)


@pytest.fixture
def sqlite_workspace(tmp_path):
    return Workspace.open(tmp_path / "ws_sqlite", study="test")


def _awkward_sources():
    return [make_source(f"Svar {i}. Med en sætning mere.", source_id=sid, respondent_id=sid.split(":")[0],
                        municipality="Ærø", region="Syddanmark")
            for i, sid in enumerate(AWKWARD_IDS)]


def test_rows_sort_as_on_sqlite_whatever_the_server_locale(workspace, sqlite_workspace, pg_cluster):
    from sqlalchemy import text

    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import segment_stage

    if pg_cluster.collation == "icu:da":  # the server's own order differs, so the test means something
        values = ", ".join(f"('{sid}')" for sid in AWKWARD_IDS)
        with workspace.engine.connect() as conn:
            query = text(f"SELECT x FROM (VALUES {values}) AS t(x) ORDER BY x")
            server_order = conn.execute(query).scalars().all()
        assert server_order != sorted(AWKWARD_IDS)

    for ws in (workspace, sqlite_workspace):
        save_sources(ws, _awkward_sources())
        segment_stage(ws, Settings())
    assert [s.source_id for s in load_sources(workspace)] == sorted(AWKWARD_IDS)  # Python: by code point
    assert [s.source_id for s in load_sources(workspace)] == \
        [s.source_id for s in load_sources(sqlite_workspace)]
    assert [s.segment_id for s in load_segments(workspace)] == \
        [s.segment_id for s in load_segments(sqlite_workspace)]


def test_long_ids_and_labels_fit(workspace):
    """SQLite ignores VARCHAR lengths; PostgreSQL enforced String(200) on ids from long question names."""
    question = "4.2a_" + "hvad_består_indsatsen_i_og_hvad_har_I_ønsket_at_opnå_" * 8
    source = make_source("Et svar. Og en sætning til.", source_id=f"R001:{question}", respondent_id="R" * 250)
    save_sources(workspace, [source])
    segment = Segment(segment_id=f"{source.source_id}:a0-10" + "x" * 300, source_id=source.source_id,
                      kind="answer", start=0, end=8, text="Et svar.", codable=True, speaker="S" * 400)
    assert save_segments(workspace, [segment]) == 1
    assert load_sources(workspace)[0].source_id == source.source_id
    assert load_segments(workspace)[0].speaker == "S" * 400
    BatchLedger(workspace, stage="code:" + "v" * 500).mark_done([segment])


def test_json_attributes_round_trip_and_times_read_as_naive_utc(workspace, sqlite_workspace):
    from hoi_nlp.store import record_run

    for ws in (workspace, sqlite_workspace):
        save_sources(ws, _awkward_sources()[:2])
        record_run(ws, run_id="r1", stage="ingest", params={"b": 1, "a": [1, "ø"]}, summary={"n": 2})
        record_run(ws, run_id="r1", stage="ingest", params={"b": 2}, summary={})  # same run id: replaced
    pg_sources, lite_sources = load_sources(workspace), load_sources(sqlite_workspace)
    assert [s.attributes for s in pg_sources] == [s.attributes for s in lite_sources]
    assert list(pg_sources[0].attributes) == ["municipality", "region"]  # key order kept (json, not jsonb)
    rows = {}
    for name, ws in (("pg", workspace), ("sqlite", sqlite_workspace)):
        with ws.engine.connect() as conn:
            rows[name] = conn.execute(select(runs_table)).mappings().all()
    assert [r["params"] for r in rows["pg"]] == [{"b": 2}] == [r["params"] for r in rows["sqlite"]]
    for row in rows["pg"] + rows["sqlite"]:
        started = row["started_at"]
        assert started.tzinfo is None and abs((utcnow().replace(tzinfo=None) - started).total_seconds()) < 60


def test_export_freshness_key_is_stable_and_sees_changes(workspace, hoi_codebook):
    """The export's input digest used to ORDER BY the JSON attributes (no ordering operator for json)."""
    from hoi_nlp.export.freshness import export_key
    from hoi_nlp.settings import Settings

    save_sources(workspace, _awkward_sources())
    first = export_key(workspace, hoi_codebook, settings=Settings(), options={"formats": ["csv"]})
    assert export_key(workspace, hoi_codebook, settings=Settings(), options={"formats": ["csv"]}) == first
    changed = make_source("Svar 0. Med en sætning mere.", source_id="aa:1", respondent_id="aa",
                          municipality="Fanø", region="Syddanmark")
    assert save_sources(workspace, [changed])["changed"] == 1
    assert export_key(workspace, hoi_codebook, settings=Settings(), options={"formats": ["csv"]}) != first


def test_concurrent_writers_of_one_key_both_succeed(workspace):
    """Two transactions writing the same key: with delete-then-insert the second failed on PostgreSQL
    (its delete saw nothing, its insert hit the first one's row); the upsert waits and replaces."""
    row = {"stage": "code:x", "batch_key": "k" * 64, "done_at": utcnow()}
    errors: list[BaseException] = []
    with workspace.engine.connect() as first:
        transaction = first.begin()
        upsert(first, ledger_table, [row], keys=["stage", "batch_key"])

        def second_writer() -> None:
            try:
                with workspace.engine.begin() as conn:
                    upsert(conn, ledger_table, [{**row, "done_at": utcnow()}], keys=["stage", "batch_key"])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)  # the second writer now waits for the first one's row lock
        transaction.commit()
        thread.join(30)
    assert not errors, errors
    with workspace.engine.connect() as conn:
        assert len(conn.execute(select(ledger_table)).all()) == 1


def test_review_tables_on_postgres(workspace, small_codebook):
    """Accounts, sessions (booleans, times), blind rounds (JSON analysts, finishing twice) and decisions."""
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.review.accounts import add_user, authenticate, create_session, end_session, get_session
    from hoi_nlp.review.decisions import current_state, load_decisions, record_decision
    from hoi_nlp.review.rounds import assign_round, finish_round, list_rounds
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, segment_stage

    save_sources(workspace, _awkward_sources()[:4])
    segment_stage(workspace, Settings())
    code_stage(workspace, small_codebook, Settings(), coder=RuleCoder(small_codebook))
    user = add_user(workspace, "anna", "korrekt-hest-batteri", can_see_original=True)
    assert authenticate(workspace, "anna", "korrekt-hest-batteri") == user
    token, _ = create_session(workspace, user)
    assert get_session(workspace, token).user.can_see_original is True
    end_session(workspace, token)
    assert get_session(workspace, token) is None
    units = [s.segment_id for s in load_segments(workspace, codable=True)]
    for unit in units[:2]:
        record_decision(workspace, segment_id=unit, action="add", analyst="anna",
                        code_id="barrier.it_integration", codebook=small_codebook)
    assert len(load_decisions(workspace)) == 2
    state = current_state(workspace)
    statuses = {state.codes[(unit, "barrier.it_integration")].status for unit in units[:2]}
    assert statuses <= {"added", "accepted"}
    add_user(workspace, "bent", "korrekt-hest-batteri")
    round_ = assign_round(workspace, "R1", ["anna", "bent"], segment_ids=units[:2])
    assert round_.analysts == ("anna", "bent") and round_.segment_ids == tuple(units[:2])
    finish_round(workspace, "R1", "anna")
    assert "anna" in finish_round(workspace, "R1", "anna").finished
    assert [r.round_id for r in list_rounds(workspace)] == ["R1"]


def test_a_workspace_folder_is_recognised_without_hoi_db(tmp_path, pg_url, monkeypatch):
    """Commands given a workspace folder (`hoi export WS`) used to look for its hoi.db file."""
    from hoi_nlp.stages.study import resolve_workspace

    monkeypatch.setenv("HOI_DATABASE_URL", pg_url)
    monkeypatch.chdir(tmp_path)
    created = Workspace.open(tmp_path / "elsewhere" / "study_ws")
    assert not (created.root / "hoi.db").exists()
    assert resolve_workspace(created.root).root == created.root
    assert "***" in (created.root / ".hoi-workspace").read_text(encoding="utf-8")


def test_one_database_per_study_from_one_setting(tmp_path, pg_cluster, monkeypatch):
    """HOI_DATABASE_URL=…/hoi_{study}: each study's workspace opens its own database."""
    from hoi_nlp.store import close_shared_engine

    names = {study: pg_cluster.create_database(f"hoi_{study}") for study in ("alpha", "beta")}
    monkeypatch.setenv("HOI_DATABASE_URL", pg_cluster.url("hoi_{study}"))
    try:
        for study in names:
            workspace = Workspace.open(tmp_path / study)
            assert workspace.db_url == pg_cluster.url(f"hoi_{study}")
            source = make_source(f"Svar i {study}.", source_id=f"{study}:1", respondent_id=study)
            save_sources(workspace, [source])
        for study in names:
            assert [s.source_id for s in load_sources(Workspace.open(tmp_path / study))] == [f"{study}:1"]
    finally:
        for study, name in names.items():
            close_shared_engine(pg_cluster.url(f"hoi_{study}"))
            pg_cluster.drop_database(name)


def test_processes_creating_the_tables_at_once_take_turns(tmp_path, pg_url):
    """Flows, review apps and workers open a fresh study database at the same moment."""
    from hoi_nlp.store import create_tables, metadata, shared_engine

    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_schema() -> None:
        try:
            start.wait()
            create_tables(metadata, shared_engine(pg_url))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_schema) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert Workspace.open(tmp_path / "ws", db_url=pg_url, create=False).has_tables()

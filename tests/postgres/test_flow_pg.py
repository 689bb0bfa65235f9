"""Whole ``hoi run`` flows on the bundled demo study, on PostgreSQL and SQLite, as real CLI subprocesses.

One module fixture runs, side by side (lean enough for the fast suite on 2 cores):
- on SQLite: ``hoi run corpora/demo --coder rules``;
- on PostgreSQL (HOI_DATABASE_URL set): the same command, killed (SIGKILL, with its Prefect server)
  once three coding batches' worth of units are coded, then run again to the end.
The tests check that the PostgreSQL run finishes and holds what the SQLite one holds; that the
resumed run coded again no source it had coded and duplicated nothing (as tests/resilience on SQLite, which is
slow); and that the export is the same as SQLite's: every CSV and Parquet table cell by cell, the
XLSX sheets except timestamps, quotes and report. The rule coder does the same database work as
the default combined coder in a third of the time.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import signal
import subprocess
import time

import pytest

from tests.conftest import REPO
from tests.postgres.conftest import hoi_command, hoi_env

pytestmark = pytest.mark.postgres

DEMO = REPO / "corpora" / "demo"
BATCH = 25
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
# Opaque ids (id-…, fil-…), quote ids (Q-…) and the keyed part of segment ids (…:a-…, t-, p-, s-) are keyed
# by each study's own random secret: the two runs' differ. They are compared by where they stand: the
# n-th distinct id of one file is the n-th distinct id of the other.
_OPAQUE = re.compile(r"\b(?:id|fil|Q|[atps])-[0-9a-f]{8,16}\b")


class _Opaque:
    """Replaces each distinct opaque id by its order of first appearance (one instance per file)."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        return _OPAQUE.sub(lambda m: self.seen.setdefault(m.group(), f"<id {len(self.seen)}>"), value)


# the coding units of the sources the coding ledger marks coded
UNITS_DONE = ("select count(*) from segments s join coded_sources c on c.source_id = s.source_id "
              "where s.codable and c.stage like 'code:%'")


def _units_done(url: str) -> int:
    import psycopg

    try:
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=2) as conn:
            return int(conn.execute(UNITS_DONE).fetchone()[0])
    except psycopg.Error:  # no tables yet
        return 0


@pytest.fixture(scope="module")
def demo_runs(pg_cluster, tmp_path_factory):
    """The demo on SQLite, and on PostgreSQL killed while coding and resumed, side by side."""
    from hoi_nlp.store import close_shared_engine

    base = tmp_path_factory.mktemp("demo-runs")
    database = pg_cluster.create_database()
    url = pg_cluster.url(database)
    settings = base / "settings.toml"
    settings.write_text(f"[flow]\nbatch_size = {BATCH}\n", encoding="utf-8")
    runs: dict = {"url": url}
    for name in ("sqlite", "postgres"):
        (base / name).mkdir()
        # The same workspace folder name: the report names the study after it.
        runs[name] = {"workspace": base / name / "demo"}

    def start(name: str, database_url: str | None) -> subprocess.Popen:
        command = [*hoi_command(), "run", str(DEMO), "--workspace", str(runs[name]["workspace"]),
                   "--coder", "rules", "--settings", str(settings)]
        return subprocess.Popen(command, cwd=REPO, env=hoi_env(base / name, database_url), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    started = time.monotonic()
    on_sqlite = start("sqlite", None)
    first = start("postgres", url)
    deadline = time.monotonic() + 400
    while _units_done(url) < 3 * BATCH and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    runs["done_at_kill"] = _units_done(url)
    runs["exported_before_kill"] = (runs["postgres"]["workspace"] / "exports" / "coded_dataset.xlsx").exists()
    second = start("postgres", url)
    for name, process in (("postgres", second), ("sqlite", on_sqlite)):
        stdout, stderr = process.communicate(timeout=900)
        runs[name].update(returncode=process.returncode, stdout=stdout, stderr=stderr)
    runs["seconds"] = time.monotonic() - started
    yield runs
    close_shared_engine(url)
    pg_cluster.drop_database(database)


def _counts(engine) -> dict[str, int]:
    from sqlalchemy import func, select

    from hoi_nlp.store import assignments_table, coded_sources_table, segments_table, sources_table

    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (sources_table, segments_table, assignments_table, coded_sources_table)}


def test_hoi_run_on_the_demo_study_finishes_on_postgres(demo_runs):
    from hoi_nlp.store import Workspace

    for name in ("sqlite", "postgres"):
        run = demo_runs[name]
        assert run["returncode"] == 0, f"{name}: {run['stderr'][-3000:]}"
        assert "Traceback" not in run["stderr"], run["stderr"][-3000:]
        assert (run["workspace"] / "exports" / "coded_dataset.xlsx").is_file()
    assert not (demo_runs["postgres"]["workspace"] / "hoi.db").exists(), "the PostgreSQL run wrote SQLite"
    on_postgres = Workspace.open(demo_runs["postgres"]["workspace"], db_url=demo_runs["url"], create=False)
    on_sqlite = Workspace.open(demo_runs["sqlite"]["workspace"], create=False)
    counts = _counts(on_postgres.engine)
    assert counts == _counts(on_sqlite.engine)
    assert counts["sources"] > 500 and counts["segments"] > 3000 and counts["assignments"] > 1000


def test_killed_run_resumed_on_postgres_without_redoing_batches_or_duplicates(demo_runs):
    from sqlalchemy import text

    from hoi_nlp.store import Workspace

    assert demo_runs["done_at_kill"] >= 3 * BATCH, "the run was not caught while coding"
    assert not demo_runs["exported_before_kill"]
    assert demo_runs["postgres"]["returncode"] == 0, demo_runs["postgres"]["stderr"][-3000:]
    engine = Workspace.open(demo_runs["postgres"]["workspace"], db_url=demo_runs["url"], create=False).engine
    with engine.connect() as conn:
        done = conn.execute(text(UNITS_DONE)).scalar_one()
        codable = conn.execute(text("select count(*) from segments where codable")).scalar_one()
        duplicates = conn.execute(text(
            "select count(*) from (select segment_id, code_id, coder from assignments "
            "group by 1, 2, 3 having count(*) > 1) as d")).scalar_one()
    stdout = demo_runs["postgres"]["stdout"]
    redone = int(re.search(r"coded (\d+) coding units in \d+ batches", stdout).group(1))
    assert demo_runs["done_at_kill"] < done == codable
    assert redone == codable - demo_runs["done_at_kill"]
    assert duplicates == 0
    assert "(new 0, changed 0, unchanged 524)" in stdout  # the killed run's ingest was kept


def _frame_cells(frame) -> list[list[object]]:
    opaque = _Opaque()
    rows = [list(frame.columns)] + frame.astype(object).where(frame.notna(), None).values.tolist()
    return [[opaque(cell) for cell in row] for row in rows]


def _cells_equal(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    return left == right


def _is_timestamp(value: object) -> bool:
    if isinstance(value, dt.datetime | dt.date):
        return True
    return isinstance(value, str) and bool(_TIMESTAMP.search(value))


def test_export_is_the_same_as_on_sqlite(demo_runs):
    import openpyxl
    import pandas as pd

    lite = demo_runs["sqlite"]["workspace"] / "exports"
    pg = demo_runs["postgres"]["workspace"] / "exports"
    assert demo_runs["sqlite"]["returncode"] == demo_runs["postgres"]["returncode"] == 0
    names = sorted(p.relative_to(lite).as_posix() for p in lite.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(pg).as_posix() for p in pg.rglob("*") if p.is_file())
    tables = [n for n in names if n.endswith((".csv", ".parquet"))]
    assert {"coded_dataset_segments.csv", "coded_dataset_codes.parquet", "frekvenser.csv"} <= set(tables)
    for name in tables:
        if name.endswith(".csv"):
            texts = ((folder / name).read_text(encoding="utf-8-sig") for folder in (lite, pg))
            assert _Opaque()(next(texts)) == _Opaque()(next(texts)), name
            left, right = (pd.read_csv(folder / name, dtype=str, keep_default_na=False)
                           for folder in (lite, pg))
        else:
            left, right = pd.read_parquet(lite / name), pd.read_parquet(pg / name)
            assert list(left.dtypes.astype(str)) == list(right.dtypes.astype(str)), name
        assert left.shape == right.shape and len(left) > 0, name
        for row, (a, b) in enumerate(zip(_frame_cells(left), _frame_cells(right), strict=True)):
            assert all(_cells_equal(x, y) for x, y in zip(a, b, strict=True)), f"{name} row {row}: {a} != {b}"
    for name in [n for n in names if n.endswith(".md")]:
        left, right = (_Opaque()((folder / name).read_text(encoding="utf-8")) for folder in (lite, pg))
        assert _TIMESTAMP.sub("<time>", left) == _TIMESTAMP.sub("<time>", right), name
    books = [openpyxl.load_workbook(folder / "coded_dataset.xlsx", read_only=True) for folder in (lite, pg)]
    assert books[0].sheetnames == books[1].sheetnames
    for sheet in books[0].sheetnames:
        rows = [[[opaque(cell) for cell in row] for row in book[sheet].iter_rows(values_only=True)]
                for book, opaque in zip(books, (_Opaque(), _Opaque()), strict=True)]
        assert len(rows[0]) == len(rows[1]) > (0 if sheet == "Memoer" else 1), sheet  # no memos yet
        for number, (a, b) in enumerate(zip(*rows, strict=True), start=1):
            assert len(a) == len(b), f"{sheet} row {number}"
            for x, y in zip(a, b, strict=True):
                assert _cells_equal(x, y) or (_is_timestamp(x) and _is_timestamp(y)), \
                    f"XLSX {sheet} row {number}: {x!r} != {y!r}"



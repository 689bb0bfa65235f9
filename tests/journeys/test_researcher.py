"""The researcher's journey: a new study, its own survey export (no schema) and .docx interviews
with a metadata sheet → `hoi survey-schema` → `hoi run` (in a terminal, from the folder that holds
the study, as the README shows) → pseudonymised exports, progress on the way, no telemetry notice.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.journeys.conftest import RUN_NEW_STUDY_S, TELEMETRY_NOTICE, export_texts, hoi, leaks
from tests.journeys.new_study import COMMENT_BARRIERS, ID, MUNICIPALITY, ROLE, SIZE

pytestmark = pytest.mark.journey


def test_the_schema_draft_reads_the_new_export_as_is(researcher):
    ran = researcher.schema.check()
    schema_file = researcher.study.root / "survey" / "schema.yaml"
    assert "Draft schema written to" in ran.stdout and schema_file.exists()
    schema = yaml.safe_load(schema_file.read_text(encoding="utf-8"))
    assert schema["respondent_id"] == ID
    assert schema["attributes"] == {"municipality": MUNICIPALITY, "size_group": SIZE, "role": ROLE}
    open_columns = [item["column"] for item in schema["open_text"]]
    assert COMMENT_BARRIERS in open_columns and len(open_columns) == 3  # not the municipality, not Likert


def test_hoi_run_on_the_new_study(researcher):
    ran = researcher.run.check(limit=RUN_NEW_STUDY_S)
    out = ran.output
    # It says where the workspace went: outputs/<study folder name> in the current folder.
    assert f"workspace {researcher.workspace}" in out
    assert (researcher.workspace / "hoi.db").exists()
    # Progress per stage with counts, then a timing summary, and no telemetry notice.
    sources = researcher.study.comments + researcher.study.interviews
    for stage, count in (("ingest", "4/4"), ("segment", f"{sources}/{sources}"), ("pseudonymise", "/"),
                         ("export", "/")):
        assert re.search(rf"{stage}\b.*{re.escape(count)}", out), f"no progress line for {stage}:\n{out}"
    assert re.search(r"code\b.*\d+/\d+ coding units", out), out
    assert re.search(r"Time per stage: .*ingest [\d.]+ s.*code .*export .*\(total", out), out
    assert TELEMETRY_NOTICE not in out and "telemetry" not in out.lower(), out
    assert "Finished in state" not in out
    # The counts it names are what the dataset holds.
    summary = re.search(r"(\d+) sources .* cut into (\d+) coding units; (\d+) of them carry (\d+) suggested",
                        out)
    assert summary, out
    held, units, coded, suggested = map(int, summary.groups())
    assert held == sources
    exports = researcher.workspace / "exports"
    import pandas as pd

    segments = pd.read_csv(exports / "coded_dataset_segments.csv")
    codes = pd.read_csv(exports / "coded_dataset_codes.csv")
    assert len(segments) == units and segments["segment_id"].is_unique
    assert len(codes) == suggested and codes["segment_id"].nunique() == coded


def test_the_exports_exist_and_are_pseudonymised(researcher):
    assert researcher.run.returncode == 0, researcher.run.output[-3000:]
    exports = researcher.workspace / "exports"
    for name in ("coded_dataset.xlsx", "coded_dataset_segments.csv", "coded_dataset_codes.parquet",
                 "quotes.md", "rapport.md"):
        assert (exports / name).stat().st_size > 0, name
    texts = export_texts(exports)
    assert leaks(texts, researcher.study.names) == []
    # The text is still there, with placeholders where the names were.
    segments = texts["coded_dataset_segments.csv"]
    assert "[KOMMUNE]" in segments and "[PERSON" in segments
    assert "Økonomien ligger i søjlerne" in segments


def test_running_again_does_only_new_work_and_v_shows_the_projects_logs(researcher):
    assert researcher.run.returncode == 0, researcher.run.output[-3000:]
    ran = hoi("-v", "run", researcher.study.root.name, cwd=researcher.cwd, home=researcher.home,
              timeout=RUN_NEW_STUDY_S * 2).check(limit=RUN_NEW_STUDY_S)
    assert re.search(r"^  segment: nothing new$", ran.stderr, re.M), ran.stderr
    assert re.search(r"^  code: nothing new$", ran.stderr, re.M), ran.stderr
    assert re.search(r"^INFO hoi_nlp\.", ran.stderr, re.M), ran.stderr  # the project's own logs
    for prefect_line in ("flow run", "Finished in state", "task run", TELEMETRY_NOTICE):
        assert prefect_line not in ran.output, prefect_line
    assert "0 new coding units" in ran.stdout

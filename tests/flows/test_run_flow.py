"""One real flow run on a tiny study: ingest → segment → code (rules) → export."""

from __future__ import annotations

import shutil

import openpyxl

from tests.conftest import DATA


def test_run_flow_end_to_end_and_rerun_is_idempotent(tmp_path, prefect_home):
    from flows.study import run_flow

    study = tmp_path / "study_small"
    shutil.copytree(DATA / "study_small", study)
    workspace = tmp_path / "ws"
    codebook = str(DATA / "codebooks" / "small.yaml")

    summary = run_flow(str(study), str(workspace), codebook, None, "rules", None)
    exports = {p.split("/")[-1] for p in summary["exports"]}
    assert {"coded_dataset.xlsx", "quotes.md", "coded_dataset_segments.parquet"} <= exports
    assert summary["coding"]["batches"] >= 1
    assert summary["coding"]["coder"] == {"coder": "hoi.rules.v1", "model_version": "", "model_dir": "",
                                          "origin": "patterns"}  # `hoi run` names the coder it used

    book = openpyxl.load_workbook(workspace / "exports" / "coded_dataset.xlsx", read_only=True)
    assert {"Segmenter", "Koder", "Respondenter", "Kodebog"} <= set(book.sheetnames)
    rows = list(book["Segmenter"].iter_rows(values_only=True))
    header = rows[0]
    barrier_columns = [i for i, name in enumerate(header) if "barrier" in str(name)]
    r001 = " ".join(str(r[i]) for r in rows[1:] if r[header.index("respondent_id")] == "R001"
                    for i in barrier_columns)
    assert "barrier.it_integration" in r001
    quotes = (workspace / "exports" / "quotes.md").read_text(encoding="utf-8")
    assert "Mette Hansen" not in quotes and "12 34 56 78" not in quotes

    again = run_flow(str(study), str(workspace), codebook, None, "rules", None)
    assert again["coding"]["batches"] == 0
    assert again["ingest"]["segmentation"]["segments_created"] == 0

"""A stored source is cut again when what it was cut with changes (hoi's rules for turns and units, the
[segment] settings, a transcript's speakers in metadata.csv), not only when its file changes: walked
through ``hoi run`` on a workspace as an older hoi left it."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from tests.conftest import hoi_from_checkout

TRANSCRIPT = ("I: Hvordan evaluerer I?\n"
              "D: Vi følger hvor mange der kommer i job. [00:12:30] Og vi har også en forventning om "
              "besparelser på sigt.\n"
              "I: Tak for det.\n"
              "D: Selv tak.\n")


def _study(tmp_path: Path) -> Path:
    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    (folder / "interview_skive.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (folder / "metadata.csv").write_text("file,municipality\ninterview_skive.txt,Skive\n", encoding="utf-8")
    return tmp_path / "outputs" / "studie"


def _cut_as_before_the_mid_line_timestamp_rule(workspace_dir: Path) -> None:
    """The transcript's units as a hoi before session 16 cut them (the director's words around the
    timestamp one turn, the timestamp in its coded words), in a workspace that kept no segmentation key."""
    from hoi_nlp.ingest.transcript import parse_transcript
    from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE, load_sentence_pipeline
    from hoi_nlp.segment.units import segment_transcript
    from hoi_nlp.settings import SegmentSettings
    from hoi_nlp.store import Workspace, load_sources, save_segments

    workspace = Workspace.open(workspace_dir, create=False)
    source = load_sources(workspace)[0]
    turns = parse_transcript(source).turns
    assert [turn.timestamp for turn in turns] == [None, None, "00:12:30", None, None]
    merged = [turns[0], replace(turns[1], end=turns[2].end), *turns[3:]]
    old = segment_transcript(source, merged, nlp=load_sentence_pipeline(DEFAULT_PIPELINE),
                             settings=SegmentSettings())
    with workspace.engine.begin() as conn:
        units = "SELECT segment_id FROM segments WHERE source_id = :source"
        for statement in (f"DELETE FROM assignments WHERE segment_id IN ({units})",
                          "DELETE FROM coded_sources WHERE source_id = :source",
                          "DELETE FROM segments WHERE source_id = :source"):
            conn.execute(text(statement), {"source": source.source_id})
    save_segments(workspace, old)
    with workspace.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS segmentations"))  # an older hoi kept no segmentation keys


def _coded_texts(workspace_dir: Path) -> list[str]:
    with (workspace_dir / "exports" / "coded_dataset_segments.csv").open(encoding="utf-8-sig",
                                                                         newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def test_a_transcript_cut_before_the_mid_line_timestamp_rule_is_cut_again_on_the_next_run(tmp_path: Path):
    workspace_dir = _study(tmp_path)
    hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    _cut_as_before_the_mid_line_timestamp_rule(workspace_dir)
    hoi_from_checkout("export", str(workspace_dir), cwd=tmp_path)
    assert any("[00:12:30]" in text for text in _coded_texts(workspace_dir))  # the older hoi's cut

    ran = hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    texts = _coded_texts(workspace_dir)
    assert not any("[00:12:30]" in text for text in texts)
    assert "Vi følger hvor mange der kommer i job." in texts
    assert "Og vi har også en forventning om besparelser på sigt." in texts
    warnings = " ".join(ran.stderr.split())
    assert "transcripts/interview_skive.txt: cut into turns and coding units again" in warnings
    assert "(1 cut again)" in ran.stdout

    ran = hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)  # cut once, not every run
    assert "cut again" not in ran.stdout + ran.stderr


def test_an_edited_transcript_names_the_decisions_it_leaves_in_the_log_only(tmp_path: Path):
    """A transcript corrected after review: the decisions on the unit whose own words changed are no longer
    shown or exported (those on the units after it follow them), and `hoi run` says so."""
    from hoi_nlp.review.decisions import load_decisions, record_decision
    from hoi_nlp.store import Workspace, load_segments

    workspace_dir = _study(tmp_path)
    hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    workspace = Workspace.open(workspace_dir, create=False)
    units = load_segments(workspace, codable=True)
    assert len(units) == 3  # the director's three turns, every one after the edit's place
    for unit in units:  # an analyst reviewed every unit: a memo on each
        record_decision(workspace, segment_id=unit.segment_id, action="memo", analyst="ana",
                        memo=f"Set: {unit.text[:8]}")
    transcript = tmp_path / "studie" / "transcripts" / "interview_skive.txt"
    transcript.write_text(TRANSCRIPT.replace("Vi følger hvor", "Vi følger nøje hvor"), encoding="utf-8")

    ran = hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ("transcripts/interview_skive.txt: 1 coding unit(s) that analysts made decisions on are cut "
            "otherwise now (the file was edited or cut into turns again): those decisions stay in the "
            "decision log only") in " ".join(ran.stderr.split())
    workspace = Workspace.open(workspace_dir, create=False)
    # the edited unit's memo stays in the log only; the two after it are on their units at new offsets
    assert sorted(d.memo for d in load_decisions(workspace)) == ["Set: Og vi ha", "Set: Selv tak"]
    held = {u.segment_id for u in load_segments(workspace)}
    assert {d.segment_id for d in load_decisions(workspace)} <= held

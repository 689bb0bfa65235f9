"""Whole-study ingest: both folders, metadata sidecar, collected errors, idempotent workspace saves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.study import ingest_into_workspace, ingest_study
from hoi_nlp.ingest.transcript import parse_turns
from hoi_nlp.store import Workspace, load_sources


def test_ingest_study_reads_survey_and_transcripts(study_dir: Path) -> None:
    result = ingest_study(study_dir)
    assert result.ok and result.study == "teststudie"
    kinds = [(s.kind, s.source_id) for s in result.sources]
    assert kinds[:4] == [
        ("survey_answer", "R01:1.2_kommentar"),
        ("survey_answer", "R01:4.2a_indsats1"),
        ("survey_answer", "R03:4.2a_indsats1"),
        ("survey_answer", "R05:1.2_kommentar"),
    ]
    assert kinds[4:] == [("transcript", "K02"), ("transcript", "K01")]
    assert {s.path for s in result.sources} == {
        "survey/eksport.xlsx",
        "transcripts/interview_names.txt",
        "transcripts/interview_timestamps.txt",
    }
    survey_report = result.reports[0]
    assert (survey_report.rows, survey_report.missing) == (5, {"1.2_kommentar": 3, "4.2a_indsats1": 3})
    assert [r.turns for r in result.reports[1:]] == [5, 6]
    assert result.warnings == ["transcripts/metadata.csv: file 'mangler.docx' is listed but does not exist"]


def test_metadata_sets_ids_attributes_and_roles(study_dir: Path) -> None:
    result = ingest_study(study_dir)
    names = next(s for s in result.sources if s.source_id == "K02")
    assert names.respondent_id == "K02"
    assert names.attributes == {
        "municipality": "Testkommune Nord",
        "region": "Region Nordjylland",
        "size_group": "Mindre kommune",
        "role": "Direktør",
        "date": "2024-04-05",
        "interviewer": "Anne",
        "interviewer_speakers": "Anne",
        "respondent_speakers": "Henrik Madsen",
    }
    turns = result.turns["K02"]
    assert [t.speaker_role for t in turns] == [
        "interviewer",
        "respondent",
        "interviewer",
        "respondent",
        "interviewer",
    ]
    assert parse_turns(names) == turns  # re-derivable from the stored source alone
    for source in result.sources:
        for turn in result.turns.get(source.source_id, []):
            spoken = source.text[turn.start : turn.end]
            assert spoken == spoken.strip() and spoken and ":" not in spoken[:2]


def test_transcript_without_metadata_row_gets_a_warning(study_dir: Path) -> None:
    shutil.copy(study_dir / "transcripts" / "interview_names.txt", study_dir / "transcripts" / "ekstra.txt")
    result = ingest_study(study_dir)
    extra = next(s for s in result.sources if s.source_id == "ekstra")
    assert extra.attributes == {}
    assert (
        "transcripts/ekstra.txt: no row in the metadata sidecar; ingested without attributes"
        in result.warnings
    )


def test_a_transcript_that_fails_is_not_said_to_be_ingested(study_dir: Path) -> None:
    """Notes without speaker labels and without a metadata row: its error said it was not read, and a
    warning beside it that it was «ingested without attributes»."""
    (study_dir / "transcripts" / "noter.txt").write_text(
        "Vi talte om samarbejdet. Direktøren fortalte, at økonomien ligger i søjlerne.\n", encoding="utf-8")
    result = ingest_study(study_dir)
    assert any(e.path == "transcripts/noter.txt" and "no speaker turns" in e.message for e in result.errors)
    assert not any("noter.txt" in warning for warning in result.warnings), result.warnings


def test_yaml_metadata(tmp_path: Path, helpers: object) -> None:
    folder = tmp_path / "st" / "transcripts"
    folder.mkdir(parents=True)
    shutil.copy(helpers.DATA / "interview_names.txt", folder / "a.txt")
    (folder / "metadata.yaml").write_text(
        "- {file: a.txt, interview_id: K7, role: Direktør, interviewer_speakers: Anne}\n", encoding="utf-8"
    )
    result = ingest_study(tmp_path / "st")
    assert result.sources[0].source_id == "K7"
    assert result.turns["K7"][0].speaker_role == "interviewer"


def test_one_bad_file_does_not_stop_the_others(study_dir: Path) -> None:
    (study_dir / "transcripts" / "ødelagt.docx").write_bytes(b"not a docx")
    (study_dir / "transcripts" / "tom.txt").write_bytes(b"")
    result = ingest_study(study_dir)
    assert [e.path for e in result.errors] == ["transcripts/tom.txt", "transcripts/ødelagt.docx"]
    assert "corrupt" in result.errors[1].message and "transcripts/ødelagt.docx" in result.errors[1].message
    assert len(result.sources) == 6


def test_schema_problems_are_collected(study_dir: Path) -> None:
    (study_dir / "survey" / "schema.yaml").unlink()
    result = ingest_study(study_dir)
    assert result.errors[0].path == "survey"
    assert "hoi survey-schema survey/eksport.xlsx --output survey/schema.yaml" in result.errors[0].message
    assert len(result.sources) == 2


def test_duplicate_ids_across_files(study_dir: Path) -> None:
    shutil.copy(study_dir / "survey" / "eksport.xlsx", study_dir / "survey" / "kopi.xlsx")
    result = ingest_study(study_dir)
    assert result.errors[0].path == "survey/kopi.xlsx"
    assert "already produced by survey/eksport.xlsx" in result.errors[0].message
    assert "unique id across files" not in result.errors[0].message  # a copy: the same answers


def test_the_same_export_saved_also_as_csv_is_named_as_such(study_dir: Path) -> None:
    """A survey team delivers the export as .xlsx and, «for Excel», as .csv (semicolons, cp1252): the
    error asked to give each respondent a unique id across files, which they have."""
    import csv
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(study_dir / "survey" / "eksport.xlsx").worksheets[0]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(
        ["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True))
    (study_dir / "survey" / "eksport.csv").write_bytes(buffer.getvalue().encode("cp1252"))
    result = ingest_study(study_dir)
    assert result.errors[0].path == "survey/eksport.xlsx"
    assert "the same answers as survey/eksport.csv (the same export saved twice" in result.errors[0].message
    assert "keep one of them" in result.errors[0].message


def test_study_without_survey_or_transcripts(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="neither a survey/ nor a transcripts/ folder"):
        ingest_study(tmp_path)
    with pytest.raises(IngestError, match="does not exist"):
        ingest_study(tmp_path / "mangler")


def test_reingest_into_workspace_is_idempotent(study_dir: Path, tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws", study="teststudie")
    first = ingest_into_workspace(study_dir, workspace)
    assert first.totals() == {"new": 6, "changed": 0, "unchanged": 0}
    assert first.saved["survey/eksport.xlsx"] == {"new": 4, "changed": 0, "unchanged": 0}
    second = ingest_into_workspace(study_dir, workspace)
    assert second.totals() == {"new": 0, "changed": 0, "unchanged": 6}
    transcript = study_dir / "transcripts" / "interview_names.txt"
    transcript.write_text(
        transcript.read_text(encoding="utf-8") + "Henrik Madsen: En sidste ting.\n", encoding="utf-8"
    )
    third = ingest_into_workspace(study_dir, workspace)
    assert third.totals() == {"new": 0, "changed": 1, "unchanged": 5}
    stored = {s.source_id: s for s in load_sources(workspace)}
    assert len(stored) == 6 and stored["K02"].text.endswith("Henrik Madsen: En sidste ting.")


def test_a_withdrawn_respondent_and_a_renamed_transcript_leave_the_study(study_dir: Path, tmp_path: Path,
                                                                          helpers: object) -> None:
    """The study holds what its folder holds: a deleted survey row (a respondent who withdrew) and a
    renamed transcript are removed, not kept beside their new form, each named in a warning."""
    workspace = Workspace.open(tmp_path / "ws", study="teststudie")
    ingest_into_workspace(study_dir, workspace)
    assert {"R05:1.2_kommentar", "K01"} <= {s.source_id for s in load_sources(workspace)}
    helpers.write_xlsx(study_dir / "survey" / "eksport.xlsx", helpers.HEADER,  # type: ignore[attr-defined]
                       [row for row in helpers.ROWS if row[0] != "R05"])  # type: ignore[attr-defined]
    transcripts = study_dir / "transcripts"
    (transcripts / "interview_timestamps.txt").rename(transcripts / "interview_ts.txt")
    summary = ingest_into_workspace(study_dir, workspace)
    stored = {s.source_id: s.path for s in load_sources(workspace)}
    assert not any(sid.startswith("R05:") for sid in stored) and "K01" not in stored
    assert stored["interview_ts"] == "transcripts/interview_ts.txt"
    assert len(stored) == 5 and stored == {s.source_id: s.path for s in ingest_study(study_dir).sources}
    assert summary.removed == {"survey/eksport.xlsx": ["R05:1.2_kommentar"],
                               "transcripts/interview_timestamps.txt": ["K01"]}
    assert summary.moved == {"K01": "interview_ts"}  # the same text under a new name
    warnings = "\n".join(summary.result.warnings)
    assert "survey/eksport.xlsx no longer gives 1 source(s) ingested before (R05:1.2_kommentar)" in warnings
    assert "K01 is now interview_ts (transcripts/interview_ts.txt: the same text" in warnings
    assert "interview_timestamps.txt is no longer" not in warnings


def test_a_renamed_study_folder_still_removes_what_its_folder_no_longer_gives(study_dir: Path,
                                                                               tmp_path: Path) -> None:
    """The team renames the study folder and runs it on its workspace (`--workspace`); then a
    transcript is renamed and a respondent withdraws. The old sources were stored under the folder's
    old name and were never removed: the interview counted twice, the withdrawn answer kept."""
    import shutil

    workspace = Workspace.open(tmp_path / "ws", study="teststudie")
    ingest_into_workspace(study_dir, workspace)
    renamed = study_dir.parent / "Studie 2025"
    shutil.move(study_dir, renamed)
    transcripts = renamed / "transcripts"
    (transcripts / "interview_timestamps.txt").rename(transcripts / "interview_ts.txt")
    summary = ingest_into_workspace(renamed, workspace)
    stored = {s.source_id: s.path for s in load_sources(workspace)}
    assert "K01" not in stored and stored["interview_ts"] == "transcripts/interview_ts.txt"
    assert stored == {s.source_id: s.path for s in ingest_study(renamed).sources}  # nothing twice
    assert summary.moved == {"K01": "interview_ts"}  # decisions follow it


def test_analysts_decisions_follow_a_renamed_transcript(study_dir: Path,
                                                           tmp_path: Path) -> None:
    """Renaming a file or a question id keeps the text: the decisions made on it apply to it under
    its new id (they were left behind before), also when the file comes back in a later run."""
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import segment_stage
    from hoi_nlp.store import load_segments

    workspace = Workspace.open(tmp_path / "ws", study="teststudie")
    ingest_into_workspace(study_dir, workspace)
    segment_stage(workspace, Settings())
    unit = next(s for s in load_segments(workspace, codable=True) if s.source_id == "K01")
    record_decision(workspace, segment_id=unit.segment_id, action="add", code_id="barrier.x", analyst="anna")
    record_decision(workspace, segment_id=unit.segment_id, action="memo", memo="vigtig", analyst="anna")
    transcripts = study_dir / "transcripts"
    moved_out = tmp_path / "interview_timestamps.txt"
    (transcripts / "interview_timestamps.txt").rename(moved_out)
    ingest_into_workspace(study_dir, workspace)  # the file is gone: K01 removed, its decisions kept
    assert not [k for k in current_state(workspace).codes if k[0].startswith("K01:")]
    moved_out.rename(transcripts / "interview_ts.txt")  # back, under another name, a run later
    summary = ingest_into_workspace(study_dir, workspace)
    segment_stage(workspace, Settings())
    assert summary.moved == {"K01": "interview_ts"}
    now = unit.segment_id.replace("K01:", "interview_ts:", 1)
    state = current_state(workspace)
    assert state.codes[(now, "barrier.x")].status == "added"
    assert [m.text for m in state.note(now).memos] == ["vigtig"]


def test_a_file_that_cannot_be_read_keeps_its_sources(study_dir: Path, tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws", study="teststudie")
    ingest_into_workspace(study_dir, workspace)
    before = {s.source_id for s in load_sources(workspace)}
    (study_dir / "survey" / "eksport.xlsx").write_bytes(b"not a workbook")
    (study_dir / "survey" / "schema.yaml").write_text("respondent_id: [", encoding="utf-8")
    summary = ingest_into_workspace(study_dir, workspace)
    assert summary.result.errors and summary.removed == {}
    assert {s.source_id for s in load_sources(workspace)} == before


def test_metadata_file_names_match_case_insensitively_and_missing_ones_get_a_suggestion(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "st" / "transcripts"
    folder.mkdir(parents=True)
    (folder / "metadata.csv").write_text(
        "file;interview_id;municipality\n"
        "INT_C.TXT;C1;Fanø\nint_fanoe.txt;F1;Fanø\nint_vordingbrg.txt;V1;Vordingborg\n",
        encoding="utf-8",
    )
    for name in ("int_c.txt", "Int_Fanoe.txt", "int_vordingborg.txt"):
        (folder / name).write_text("I: Hvordan går det?\nD: Godt.\n", encoding="utf-8")
    result = ingest_study(tmp_path / "st")
    assert result.ok
    ids = {source.path: source.source_id for source in result.sources}
    assert ids["transcripts/int_c.txt"] == "C1" and ids["transcripts/Int_Fanoe.txt"] == "F1"
    assert ids["transcripts/int_vordingborg.txt"] == "int_vordingborg"
    assert (
        "transcripts/metadata.csv: file 'int_vordingbrg.txt' is listed but does not exist; "
        "did you mean 'int_vordingborg.txt'?" in result.warnings
    )
    assert len(result.warnings) == 2  # + ingested without attributes; none for int_c.txt or Int_Fanoe.txt
    assert "transcripts/int_vordingborg.txt: no row in the metadata sidecar" in result.warnings[1]


def test_metadata_case_insensitive_match_only_when_unique() -> None:
    from hoi_nlp.ingest.metadata import TranscriptMeta, match_files

    rows = {"Int_C.txt": TranscriptMeta("Int_C.txt", "C1"), "b.txt": TranscriptMeta("b.txt", "B1")}
    matched, missing = match_files(rows, ["int_c.txt", "INT_C.txt", "B.TXT"])
    assert {name: meta.interview_id for name, meta in matched.items()} == {"B.TXT": "B1"}
    assert list(missing) == ["Int_C.txt"] and missing["Int_C.txt"] in ("int_c.txt", "INT_C.txt")

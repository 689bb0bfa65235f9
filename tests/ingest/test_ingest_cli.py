"""``hoi ingest`` and ``hoi survey-schema`` through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hoi_nlp.cli import app

runner = CliRunner()


def test_ingest_prints_a_summary_and_is_idempotent(study_dir: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    first = runner.invoke(app, ["ingest", str(study_dir), "--workspace", str(workspace)])
    assert first.exit_code == 0, first.output
    assert "survey/eksport.xlsx: 5 rows, 4 answers, 6 missing (new 4, changed 0, unchanged 0)" in first.stdout
    assert ("transcripts/interview_timestamps.txt: 6 turns; 2 line(s) before the first turn not coded "
            "(new 1, changed 0, unchanged 0)") in first.stdout
    assert "Sources: 6 (new 6, changed 0, unchanged 0); files failed: 0" in first.stdout
    assert "mangler.docx" in first.stderr
    second = runner.invoke(app, ["ingest", str(study_dir), "--workspace", str(workspace)])
    assert second.exit_code == 0
    assert "Sources: 6 (new 0, changed 0, unchanged 6)" in second.stdout


def test_default_workspace_is_outputs_study_name(
    study_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["ingest", str(study_dir)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outputs" / "teststudie" / "hoi.db").is_file()


def test_failed_file_exits_1_names_it_and_ingests_the_rest(study_dir: Path, tmp_path: Path) -> None:
    (study_dir / "transcripts" / "skadet.docx").write_bytes(b"\x00\x01 not a document")
    result = runner.invoke(app, ["ingest", str(study_dir), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 1
    assert "transcripts/skadet.docx: the file is corrupt" in result.stderr
    assert "1 file(s) could not be ingested" in result.stderr
    assert "Traceback" not in result.output
    assert "Sources: 6 (new 6" in result.stdout


def test_missing_study_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ingest", str(tmp_path / "findes_ikke"), "--workspace", str(tmp_path / "ws")]
    )
    assert result.exit_code == 1
    assert "findes_ikke" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_survey_schema_prints_and_writes_a_draft(survey_exports: dict[str, Path], tmp_path: Path) -> None:
    printed = runner.invoke(app, ["survey-schema", str(survey_exports["cp1252_semicolon"])])
    assert printed.exit_code == 0, printed.output
    assert yaml.safe_load(printed.stdout)["respondent_id"] == "Respondent-ID"
    target = tmp_path / "survey" / "schema.yaml"
    written = runner.invoke(app, ["survey-schema", str(survey_exports["xlsx"]), "--output", str(target)])
    assert written.exit_code == 0 and "Draft schema written" in written.stdout
    columns = [item["column"] for item in yaml.safe_load(target.read_text(encoding="utf-8"))["open_text"]]
    assert columns == ["1.2_kommentar", "4.2a_indsats1"]


def test_survey_schema_on_a_bad_file(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["survey-schema", str(tmp_path / "ingen.xlsx")])
    assert missing.exit_code == 1 and "ingen.xlsx" in missing.stderr and "does not exist" in missing.stderr
    binary = tmp_path / "binær.csv"
    binary.write_bytes(b"\x00\xff" * 50)
    result = runner.invoke(app, ["survey-schema", str(binary)])
    assert result.exit_code == 1 and "binær.csv" in result.stderr and "Traceback" not in result.output


def test_unlisted_speaker_is_an_error_and_a_one_off_label_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "st" / "transcripts"
    folder.mkdir(parents=True)
    (folder / "metadata.csv").write_text(
        "file;interview_id;interviewer_speakers;respondent_speakers\nint_a.txt;A1;I;D\n", encoding="utf-8"
    )
    (folder / "int_a.txt").write_text(
        "I: Velkommen.\nD: Tak.\nMads: Må jeg spørge til økonomien?\nD: Den er stram.\nMads: Hvorfor?\n",
        encoding="utf-8",
    )
    (folder / "int_b.txt").write_text(
        "I: Hvordan går det?\nR: Godt.\nBorgmester: Må jeg lige tilføje, at byrådet bakker op?\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ingest", str(tmp_path / "st"), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 1
    assert "transcripts/int_a.txt (line 3): turn 3 has the speaker label 'Mads'" in result.stderr
    assert "Warning: transcripts/int_b.txt (line 3): 'Borgmester:' looks like a speaker" in result.stderr
    assert "transcripts/int_b.txt: 2 turns" in result.stdout
    assert "Traceback" not in result.output


def test_survey_schema_accepts_a_study_folder_with_one_export(study_dir: Path) -> None:
    (study_dir / "survey" / "schema.yaml").unlink()
    for folder in (study_dir, study_dir / "survey"):
        result = runner.invoke(app, ["survey-schema", str(folder)])
        assert result.exit_code == 0, result.output
        assert yaml.safe_load(result.stdout)["respondent_id"] == "Respondent-ID"


def test_survey_schema_on_a_folder_without_one_export_says_what_to_pass(study_dir: Path) -> None:
    (study_dir / "survey" / "eksport.xlsx").rename(study_dir / "survey" / "a.xlsx")
    (study_dir / "survey" / "b.csv").write_text("ID;tekst\nR1;hej\n", encoding="utf-8")
    several = runner.invoke(app, ["survey-schema", str(study_dir)])
    assert several.exit_code == 1 and "Traceback" not in several.output
    assert "holds 2 survey exports (a.xlsx, b.csv)" in several.stderr and "survey/a.xlsx" in several.stderr
    empty = study_dir / "tom"
    (empty / "survey").mkdir(parents=True)
    none = runner.invoke(app, ["survey-schema", str(empty)])
    assert none.exit_code == 1 and "holds no .xlsx or .csv survey export" in none.stderr

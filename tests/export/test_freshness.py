"""An export whose inputs are unchanged is not redone; any change (or a missing file) redoes it."""

from __future__ import annotations

from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import RunInputs, export_stage
from hoi_nlp.store import load_assignments, replace_assignments


def test_unchanged_export_is_skipped_and_changes_redo_it(coded_workspace, small_codebook):
    inputs = RunInputs(coded_workspace, small_codebook, Settings(pseudonymize={"recogniser": "patterns"}))
    first = export_stage(inputs, formats=["xlsx"])
    xlsx = next(p for p in first if p.name.endswith(".xlsx"))
    stamp = xlsx.stat().st_mtime_ns
    assert export_stage(inputs, formats=["xlsx"]) == first
    assert xlsx.stat().st_mtime_ns == stamp

    xlsx.unlink()
    export_stage(inputs, formats=["xlsx"])
    assert xlsx.exists()
    stamp = xlsx.stat().st_mtime_ns

    first, *_ = load_assignments(coded_workspace)
    kept = [a for a in load_assignments(coded_workspace) if a.segment_id == first.segment_id and a != first]
    replace_assignments(coded_workspace, kept, segment_ids=[first.segment_id], coders=[first.coder])
    export_stage(inputs, formats=["xlsx"])
    assert xlsx.stat().st_mtime_ns != stamp

    other = RunInputs(coded_workspace, small_codebook, Settings(pseudonymize={"recogniser": "patterns",
                                                                              "keep_organisations": ["KL"]}))
    stamp = xlsx.stat().st_mtime_ns
    export_stage(other, formats=["xlsx"])  # other privacy settings: a new export
    assert xlsx.stat().st_mtime_ns != stamp


def test_a_run_that_changes_the_study_names_the_reports_exported_before_as_out_of_date(tmp_path):
    # `hoi run` rewrites only its own formats: a .qdpx or report exported before a transcript was corrected
    # stayed in exports/ beside the new files without a word, ready to be sent on as the study
    from tests.conftest import hoi_from_checkout

    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    transcript = folder / "interview_01.txt"
    transcript.write_text("I: Hvad er de største barrierer?\nD: Vores IT-systemer taler ikke sammen, så vi "
                          "registrerer alt to gange.\n", encoding="utf-8")
    hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    hoi_from_checkout("export", "studie", "--format", "qdpx", "--format", "html", cwd=tmp_path)
    transcript.write_text(transcript.read_text(encoding="utf-8").replace("to gange", "tre gange"),
                          encoding="utf-8")
    ran = hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path)
    said = " ".join(ran.stderr.split())
    assert ("exports/: rapport.html, studie.qdpx were exported before the study last changed and are out of "
            "date (this export did not write them): export them again (`hoi export studie --format html "
            "--format qdpx`) or delete them") in said, said
    hoi_from_checkout("export", "studie", "--format", "qdpx", "--format", "html", cwd=tmp_path)
    assert "out of date" not in hoi_from_checkout("run", "studie", "--coder", "rules", cwd=tmp_path).stderr


def test_another_studys_files_in_a_shared_export_folder_are_not_called_out_of_date(tmp_path):
    # two studies exported into one folder with -o: the first study's project is no older version of the
    # second's, and must not be named as out of date when the second is exported
    from tests.conftest import hoi_from_checkout

    shared = tmp_path / "til_rapport"
    answers = {"a": "Vores IT-systemer taler ikke sammen.", "b": "Økonomien ligger i søjlerne."}
    for study, words in answers.items():
        folder = tmp_path / study / "transcripts"
        folder.mkdir(parents=True)
        (folder / "interview_01.txt").write_text(f"I: Hvad er barrieren?\nD: {words}\n", encoding="utf-8")
        hoi_from_checkout("run", study, "--coder", "rules", cwd=tmp_path)
        exported = hoi_from_checkout("export", study, "-o", str(shared / f"{study}.qdpx"), cwd=tmp_path)
        assert "out of date" not in exported.stderr, exported.stderr


def _export_again(said: str) -> list[str]:
    """The words after ``hoi`` of the command the out-of-date warning gives (one warning expected)."""
    import re
    import shlex

    commands = re.findall(r"again \(`hoi ([^`]+)`\)", " ".join(said.split()))
    assert len(commands) == 1, said
    return shlex.split(commands[0])


def test_the_out_of_date_warning_gives_the_command_with_the_workspace_and_the_export_folder(tmp_path):
    # the command said `hoi export studie --format …` alone: with the study's workspace given by -w it failed
    # («no study database here»), and with an -o folder it wrote the files elsewhere, leaving the old ones
    from tests.conftest import hoi_from_checkout

    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    transcript = folder / "interview_01.txt"
    transcript.write_text("I: Hvad er barrieren?\nD: Vores IT-systemer taler ikke sammen.\n",
                          encoding="utf-8")
    workspace = ["-w", "arbejde/studie"]
    shared = tmp_path / "til_deling"
    hoi_from_checkout("run", "studie", *workspace, "--coder", "rules", cwd=tmp_path)
    hoi_from_checkout("export", "studie", *workspace, "--format", "html", cwd=tmp_path)
    hoi_from_checkout("export", "studie", *workspace, "-o", str(shared), "--format", "qdpx",
                      "--quotes-per-code", "2", cwd=tmp_path)
    transcript.write_text(transcript.read_text(encoding="utf-8").replace("ikke", "slet ikke"),
                          encoding="utf-8")

    ran = hoi_from_checkout("run", "studie", *workspace, "--coder", "rules", cwd=tmp_path)
    assert "rapport.html was exported before the study last changed" in " ".join(ran.stderr.split())
    again = _export_again(ran.stderr)
    assert again == ["export", "studie", *workspace, "--format", "html"], again
    assert "out of date" not in hoi_from_checkout(*again, cwd=tmp_path).stderr

    exported = hoi_from_checkout("export", "studie", *workspace, "-o", str(shared), "--format", "docx",
                                 cwd=tmp_path)
    again = _export_again(exported.stderr)
    assert again == ["export", "studie", *workspace, "-o", str(shared.resolve()), "--format", "qdpx",
                     "--quotes-per-code", "2"], again
    hoi_from_checkout(*again, cwd=tmp_path)
    exported = hoi_from_checkout("export", "studie", *workspace, "-o", str(shared), "--format", "docx",
                                 cwd=tmp_path)
    assert "out of date" not in exported.stderr, exported.stderr
    # the folder is zipped and sent on: its manifest names the study by a digest, not the workspace's path
    assert "arbejde" not in (shared / ".export-manifest.json").read_text(encoding="utf-8")

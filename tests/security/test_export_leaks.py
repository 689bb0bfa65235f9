"""Exports and the leak check attacked: names in file names, free-text roles, memos and figure labels;
the leak check's blind spots; an export killed, a stale staging folder, a leak in one file of many;
``hoi run`` when something would leak."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.security.conftest import MUNICIPALITIES, SPEAKER_NAMES, review_settings, write_review_study

NAMES = (*SPEAKER_NAMES, *MUNICIPALITIES, "Lone Madsen", "Lone", "Madsen", "Kjær", "Holm")
PATTERNS_TOML = '[pseudonymize]\nrecogniser = "patterns"\n'


def all_text(path: Path) -> str:
    """Everything readable in an exported file: its pieces, and every member of a zip (xlsx, docx, qdpx)."""
    from hoi_nlp.privacy.guard import exported_text

    text = "" if path.suffix == ".png" else exported_text(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            text += "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return text


def names_in(text: str) -> list[str]:
    return [n for n in NAMES if re.search(r"(?<![^\W_])" + re.escape(n) + r"(?![^\W_])", text)]


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_no_export_format_holds_a_name_from_file_names_roles_or_memos(review_ws, security_codebook, tmp_path):
    from hoi_nlp.export.api import ALL_FORMATS, export_study
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import load_segments

    segment = next(s for s in load_segments(review_ws, codable=True) if "Ballerup" in s.segment_id)
    record_decision(review_ws, segment_id=segment.segment_id, action="accept", analyst="chef",
                    code_id="barrier.it_integration")
    record_decision(review_ws, segment_id=segment.segment_id, action="memo", analyst="chef",
                    memo="Henrik i Ballerup nævner også Lone Madsen fra Gentofte")
    out = tmp_path / "out"
    published = export_study(review_ws, security_codebook, settings=review_settings(), formats=ALL_FORMATS,
                             output=out)
    assert {p.suffix for p in published} >= {".xlsx", ".parquet", ".csv", ".md", ".docx", ".html", ".qdpx",
                                              ".qdc", ".png"}
    leaks = {p.name: names_in(all_text(p)) for p in files(out) if names_in(all_text(p))}
    assert not leaks
    assert not [p for p in files(out) if any(n in p.name for n in NAMES)]
    import pandas as pd

    segments = pd.read_parquet(out / "coded_dataset_segments.parquet")
    assert segments["source_file"].str.fullmatch(r"fil-[0-9a-f]{8}\.(csv|txt)").all()
    assert set(segments["role"]) >= {"Socialchef [PERSON 5]", "Direktør i [KOMMUNE]"} or \
        any(r.startswith("Socialchef [PERSON") for r in segments["role"])
    project = next(p for p in published if p.suffix == ".qdpx")
    with zipfile.ZipFile(project) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    note = re.search(r"<PlainTextContent>([^<]*)</PlainTextContent>", qde)
    assert note and "i [KOMMUNE] nævner også [PERSON" in note.group(1)


def test_an_analyst_whose_name_a_memo_taught_the_key_can_still_export(review_ws, security_codebook, tmp_path):
    """Analysts sign memos ("Anna: …"), which teaches the key "Anna"; the exports then show the user
    "anna" as a coder (REFI Users, the memo sheet). That is no leak: the export must not fail."""
    from hoi_nlp.export.api import export_study
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import load_segments

    segment = next(s for s in load_segments(review_ws, codable=True) if "Ballerup" in s.segment_id)
    record_decision(review_ws, segment_id=segment.segment_id, action="memo", analyst="anna",
                    memo="Anna her: jeg er enig med Bo i koden.")
    record_decision(review_ws, segment_id=segment.segment_id, action="accept", analyst="bo",
                    code_id="barrier.it_integration")
    published = export_study(review_ws, security_codebook, settings=review_settings(),
                             formats=("xlsx", "qdpx"), output=tmp_path / "out")
    project = next(p for p in published if p.suffix == ".qdpx")
    with zipfile.ZipFile(project) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert 'name="anna"' in qde and 'name="bo"' in qde
    assert "Anna her" not in qde


def test_the_leak_check_reads_underscores_attribute_values_and_names_no_name(review_ws, security_codebook):
    from hoi_nlp.errors import ExportError
    from hoi_nlp.export.api import open_study

    opened = open_study(review_ws, security_codebook, settings=review_settings())
    for text in ("interview_Ballerup_Henrik.docx", "fil_Aarhus.csv", "Socialchef Lone Madsen",
                 "Direktør i Gentofte"):
        with pytest.raises(ExportError) as caught:
            opened.guard.check_text(text, where="sheet 'Respondenter', row 4, column 5")
        message = str(caught.value)
        assert "would leak" in message and "row 4, column 5" in message
        assert not names_in(message), message


def test_figure_labels_are_checked_before_anything_is_drawn(review_ws, security_codebook, tmp_path):
    """Figures cannot be read back: a name in a label (here an unredacted attribute value that holds the
    municipality, "Region Ballerup", drawn as a crosstab group) stops the export before a PNG is written.

    (Roles are drawn as the reports' coarse labels and groups below the threshold not at all, so the raw
    role "Socialchef Lone Madsen" no longer reaches a figure; the threshold is lowered to draw every group.)
    """
    import dataclasses

    from hoi_nlp.errors import ExportError
    from hoi_nlp.export.api import open_study
    from hoi_nlp.export.dataset import export_figures, load_coded_study
    from hoi_nlp.export.stats import StudyStats
    from hoi_nlp.settings import ReportSettings

    opened = open_study(review_ws, security_codebook, settings=review_settings())
    raw = load_coded_study(review_ws, security_codebook)
    raw = dataclasses.replace(raw, sources={
        sid: s.model_copy(update={"attributes": {**s.attributes,
                                                 "region": f"Region {s.attributes['municipality']}"}})
        for sid, s in raw.sources.items()})
    with pytest.raises(ExportError) as caught:
        export_figures(raw, tmp_path / "figurer", guard=opened.guard,
                       stats=StudyStats(raw, ReportSettings(min_group_size=1)))
    assert "figure" in str(caught.value) and not names_in(str(caught.value))
    assert not list(tmp_path.rglob("*.png"))
    assert export_figures(opened.study, tmp_path / "ok", guard=opened.guard)  # the public view draws


def test_a_leak_in_one_file_publishes_no_file_at_all(review_ws, security_codebook, tmp_path, monkeypatch):
    from hoi_nlp.errors import ExportError
    from hoi_nlp.export.api import export_study
    from hoi_nlp.export.formats import exporters, load_formats

    load_formats()

    def leaky(ctx):  # a format that forgot to redact one field
        path = ctx.out_dir / "zz_notes.md"
        path.write_text("Noter fra interviewet i Ballerup\n", encoding="utf-8")
        return [path]

    monkeypatch.setitem(exporters._entries, "leaky", leaky)
    out = tmp_path / "out"
    with pytest.raises(ExportError) as caught:
        export_study(review_ws, security_codebook, settings=review_settings(), output=out,
                     formats=["xlsx", "csv", "parquet", "leaky"])
    assert "zz_notes.md" in str(caught.value) and "line 1" in str(caught.value)
    assert not names_in(str(caught.value))
    assert files(out) == []  # not the checked XLSX, CSV and Parquet either, and no staging folder


def test_a_stale_staging_folder_and_part_files_are_removed_by_the_next_export(review_ws, security_codebook,
                                                                              tmp_path):
    from hoi_nlp.export.api import export_study

    out = tmp_path / "out"
    (out / ".hoi-staging-killed" / "figurer").mkdir(parents=True)
    (out / ".hoi-staging-killed" / "coded_dataset_segments.csv").write_text("Ballerup", encoding="utf-8")
    (out / ".coded_dataset.xlsx.x1y2.part.xlsx").write_text("half", encoding="utf-8")
    (out / "figurer").mkdir()
    (out / "figurer" / ".andele_barrier.png.abc.part.png").write_bytes(b"\x89PNG")
    published = export_study(review_ws, security_codebook, settings=review_settings(), output=out,
                             formats=["csv"])
    assert sorted(files(out)) == sorted(published)
    assert not [p for p in out.rglob("*") if ".hoi-staging-" in p.name or ".part" in p.name]


def test_a_killed_export_leaves_no_part_file_and_no_unchecked_file(review_ws, tmp_path):
    """``hoi export`` killed (SIGKILL) while it writes: nothing but its staging folder is left, and
    the next export removes that."""
    settings = tmp_path / "run.toml"
    settings.write_text(PATTERNS_TOML, encoding="utf-8")
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "hoi"), "export", str(review_ws.root), "--output", str(out),
               "--settings", str(settings), "--codebook", str(REPO / "tests/data/codebooks/small.yaml")]
    formats = [a for f in ("xlsx", "parquet", "csv", "md", "docx", "html", "qdpx") for a in ("--format", f)]
    process = subprocess.Popen(command + formats, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    staged: list[Path] = []
    while time.monotonic() < deadline and process.poll() is None and not staged:
        staged = [p for p in out.glob(".hoi-staging-*/**/*") if p.is_file()] if out.exists() else []
        time.sleep(0.005)
    assert staged, "the export finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    left = [p for p in files(out) if not any(".hoi-staging-" in part for part in p.relative_to(out).parts)]
    assert left == []  # no .part file, no final file whose check never ran
    again = subprocess.run(command + ["--format", "csv"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert not [p for p in out.rglob("*") if ".hoi-staging-" in str(p) or ".part" in p.name]
    assert {p.name for p in files(out)} >= {"coded_dataset_segments.csv", "frekvenser.csv"}


def test_hoi_run_fails_with_a_clear_message_when_something_would_leak(tmp_path):
    """A recogniser that misses every name (simulated) must not end in ``exit 0``: the run fails
    non-zero, names the file and the place but not the name, and publishes nothing."""
    study = write_review_study(tmp_path / "study")
    settings = tmp_path / "run.toml"
    settings.write_text(PATTERNS_TOML, encoding="utf-8")
    workspace = tmp_path / "ws"
    script = (
        "import sys\n"
        "from hoi_nlp.privacy import redact\n"
        "redact.KeyRedactor.span = lambda self, source, start, end: source.text[start:end]\n"
        "from hoi_nlp.cli import app\n"
        "sys.argv = ['hoi'] + sys.argv[1:]\n"
        "app()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "run", str(study), "--workspace", str(workspace),
         "--settings", str(settings), "--codebook", str(REPO / "tests/data/codebooks/small.yaml"),
         "--coder", "rules"],
        capture_output=True, text=True, timeout=900, cwd=REPO,
    )
    assert result.returncode != 0, result.stdout[-2000:]
    assert "would leak" in result.stderr and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert not names_in(result.stderr + result.stdout)
    exports = workspace / "exports"
    assert not [p for p in files(exports) if not p.name.startswith(".")] if exports.exists() else True

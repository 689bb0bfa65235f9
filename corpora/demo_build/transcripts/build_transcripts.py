"""Build the fictional demo interview transcripts (.docx) from hand-written text sources.

All interviews are invented. The texts live in ``src/interview_NN.txt`` (UTF-8, one paragraph
per line, written exactly as it should appear in the document). This script turns each
source into ``interview_NN.docx`` with python-docx: one paragraph per line, a bold title
line, and - for some interviews - bold speaker labels (the label is its own run, as in
many real transcripts). It also builds the small parser fixture
``tests/data/transcripts/short_interview.docx`` from ``short_interview.txt`` (paragraphs
separated by blank lines there; exactly one bold label in the .docx).

The output is byte-for-byte reproducible: core properties are fixed and the zip entries
get a fixed timestamp.

Usage (from the repository root)::

    .venv/bin/python corpora/demo_build/transcripts/build_transcripts.py          # build + check
    .venv/bin/python corpora/demo_build/transcripts/build_transcripts.py --check  # check only
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.document import Document as DocxDocument

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEMO = REPO / "corpora" / "demo" / "transcripts"
FIXTURE_DIR = REPO / "tests" / "data" / "transcripts"
FIXED_TIME = dt.datetime(2024, 5, 1, 12, 0, 0)
ZIP_TIME = (2024, 5, 1, 12, 0, 0)
TIMESTAMP = r"(?:\[\d{2}:\d{2}:\d{2}\]\s*)?"


@dataclass(frozen=True)
class Spec:
    """How one transcript is rendered."""

    stem: str
    labels: tuple[str, ...]
    header_lines: int
    bold_labels: bool


SPECS = (
    Spec("interview_01", ("I", "D"), 2, True),
    Spec("interview_02", ("I", "D"), 2, False),
    Spec("interview_03", ("I", "D"), 2, False),
    Spec("interview_04", ("Interviewer", "Direktør"), 2, True),
    Spec("interview_05", ("Interviewer", "Direktør"), 0, False),
    Spec("interview_06", ("Anne", "Henrik"), 2, True),
    Spec("interview_07", ("Anne", "Birgitte"), 2, False),
    Spec("interview_08", ("Interviewer", "Respondent"), 3, True),
)


def label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    """Regex splitting a turn into (timestamp, label + colon, rest)."""
    alternatives = "|".join(re.escape(label) for label in labels)
    return re.compile(rf"^({TIMESTAMP})((?:{alternatives}):)(\s.*)$", re.DOTALL)


def read_source_lines(path: Path) -> list[str]:
    """Non-empty lines of a one-paragraph-per-line source file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def read_fixture_paragraphs(path: Path) -> list[str]:
    """Paragraphs of a blank-line separated plain-text transcript."""
    blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
    return [" ".join(block.split()) for block in blocks if block.strip()]


def add_paragraph(document: DocxDocument, text: str, pattern: re.Pattern[str] | None) -> None:
    """Add one paragraph; with a pattern, the speaker label becomes a bold run."""
    match = pattern.match(text) if pattern else None
    paragraph = document.add_paragraph()
    if match is None:
        paragraph.add_run(text)
        return
    timestamp, label, rest = match.groups()
    if timestamp:
        paragraph.add_run(timestamp)
    paragraph.add_run(label).bold = True
    paragraph.add_run(rest)


def new_document(title: str) -> DocxDocument:
    document = docx.Document()
    props = document.core_properties
    props.author = "hoi_nlp demo (fiktivt)"
    props.last_modified_by = "hoi_nlp demo (fiktivt)"
    props.title = title
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    return document


def save_reproducible(document: DocxDocument, path: Path) -> None:
    """Save with fixed zip timestamps so rebuilds are byte-identical."""
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())


def build_interview(spec: Spec) -> Path:
    lines = read_source_lines(HERE / "src" / f"{spec.stem}.txt")
    document = new_document(lines[0] if spec.header_lines else spec.stem)
    pattern = label_pattern(spec.labels) if spec.bold_labels else None
    for index, line in enumerate(lines):
        if index == 0 and spec.header_lines:
            document.add_paragraph().add_run(line).bold = True
        else:
            add_paragraph(document, line, pattern)
    target = DEMO / f"{spec.stem}.docx"
    save_reproducible(document, target)
    return target


def build_fixture() -> Path:
    """short_interview.docx: same paragraphs as the .txt, only the first D: label bold."""
    paragraphs = read_fixture_paragraphs(FIXTURE_DIR / "short_interview.txt")
    document = new_document(paragraphs[0])
    pattern = label_pattern(("D",))
    bolded = False
    for text in paragraphs:
        use_bold = not bolded and pattern.match(text) is not None
        add_paragraph(document, text, pattern if use_bold else None)
        bolded = bolded or use_bold
    target = FIXTURE_DIR / "short_interview.docx"
    save_reproducible(document, target)
    return target


def docx_paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def count_turn_words(paragraphs: list[str], spec: Spec) -> tuple[int, int]:
    """(number of labelled turns, words in all paragraphs after the header)."""
    pattern = label_pattern(spec.labels)
    body = paragraphs[spec.header_lines :]
    turns = sum(1 for text in body if pattern.match(text))
    return turns, sum(len(text.split()) for text in body)


def check_interview(spec: Spec) -> list[str]:
    """Compare the .docx with its source; return problems (empty when fine)."""
    path = DEMO / f"{spec.stem}.docx"
    expected = read_source_lines(HERE / "src" / f"{spec.stem}.txt")
    actual = docx_paragraphs(path)
    problems = []
    if actual != expected:
        problems.append(f"{path.name}: paragraphs differ from src/{spec.stem}.txt")
    first_turn = actual[spec.header_lines] if len(actual) > spec.header_lines else ""
    if not label_pattern(spec.labels).match(first_turn):
        problems.append(f"{path.name}: first paragraph after header is not a labelled turn")
    turns, words = count_turn_words(actual, spec)
    print(f"{path.name}: {len(actual)} paragraphs, {turns} labelled turns, {words} words")
    return problems


def check_fixture() -> list[str]:
    expected = read_fixture_paragraphs(FIXTURE_DIR / "short_interview.txt")
    path = FIXTURE_DIR / "short_interview.docx"
    actual = docx_paragraphs(path)
    bold_runs = [r.text for p in docx.Document(str(path)).paragraphs for r in p.runs if r.bold]
    print(f"{path.name}: {len(actual)} paragraphs, bold runs {bold_runs}")
    problems = [] if actual == expected else [f"{path.name}: paragraphs differ from .txt"]
    if bold_runs != ["D:"]:
        problems.append(f"{path.name}: expected exactly one bold 'D:' label")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check existing .docx files")
    args = parser.parse_args(argv)
    if not args.check:
        for spec in SPECS:
            build_interview(spec)
        build_fixture()
    problems = [p for spec in SPECS for p in check_interview(spec)] + check_fixture()
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The README's journeys, walked as a new user walks them: the ``hoi`` command in a subprocess (in
a terminal where a user would see it), the review app in Debian chromium.

Each journey starts from what the previous README command leaves on disk. The expensive runs
(``hoi run`` on a new study, and on the demo as ``make demo`` runs it) happen once per session.
Time limits are loose (2 loaded cores): they catch a path that takes minutes, not seconds.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.journeys.new_study import NewStudy, build_new_study

HOI_SCRIPT = Path(sys.executable).parent / "hoi"
# Variables that switch Prefect's telemetry off or mark a CI machine (where Prefect keeps quiet by
# itself): the journeys run without them, as on a newcomer's laptop, so the CLI must switch it off.
TELEMETRY_VARS = ("DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED", "CI", "GITHUB_ACTIONS", "GITLAB_CI",
                  "JENKINS_URL", "TRAVIS", "CIRCLECI", "BUILDKITE", "TF_BUILD", "CODEBUILD_BUILD_ID",
                  "BITBUCKET_COMMIT", "TEAMCITY_VERSION", "DRONE", "SEMAPHORE", "APPVEYOR", "BUDDY",
                  "CI_NAME")
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\r")
TELEMETRY_NOTICE = "anonymous usage data"

# Loose limits (seconds) on 2 cores shared with other work.
RUN_NEW_STUDY_S = 420
RUN_DEMO_S = 900
COMMAND_S = 240
PAGE_S = 8.0
FIRST_QUEUE_S = 15.0


def hoi_command() -> list[str]:
    """The ``hoi`` a user runs: the installed script next to this Python (the editable install)."""
    if HOI_SCRIPT.exists():
        return [str(HOI_SCRIPT)]
    return [sys.executable, "-m", "hoi_nlp.cli"]


def user_env(home: Path) -> dict[str, str]:
    """A newcomer's environment: a fresh HOME, no telemetry opt-out, not a CI machine."""
    env = {k: v for k, v in os.environ.items() if k not in TELEMETRY_VARS and not k.startswith("PREFECT_")}
    home.mkdir(parents=True, exist_ok=True)
    return env | {"HOME": str(home), "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}


@dataclass
class Ran:
    """A finished command: what the user saw and how long it took."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def check(self, limit: float = COMMAND_S) -> Ran:
        assert self.returncode == 0, f"`hoi {' '.join(self.args)}` failed:\n{self.output[-4000:]}"
        assert "Traceback" not in self.output, self.output[-4000:]
        assert self.seconds < limit, \
            f"`hoi {' '.join(self.args)}` took {self.seconds:.0f} s (limit {limit} s)"
        return self


def hoi(*args: str, cwd: Path, home: Path, stdin: str | None = None, timeout: float = COMMAND_S) -> Ran:
    """``hoi ARGS`` with its output going to pipes (a script, a CI log)."""
    started = time.monotonic()
    proc = subprocess.run([*hoi_command(), *args], cwd=cwd, env=user_env(home), input=stdin, text=True,
                          capture_output=True, timeout=timeout)
    return Ran(list(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def hoi_in_terminal(*args: str, cwd: Path, home: Path, timeout: float = COMMAND_S) -> Ran:
    """``hoi ARGS`` in a pseudo-terminal, as typed by a user: what it prints there (colours removed)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.monotonic()
    proc = subprocess.Popen([*hoi_command(), *args], cwd=cwd, env=user_env(home) | {"TERM": "xterm"},
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            if time.monotonic() - started > timeout:
                proc.kill()
                raise AssertionError(f"`hoi {' '.join(args)}` ran longer than {timeout} s:\n"
                                     + b"".join(chunks).decode("utf-8", "replace")[-3000:])
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every process holding the terminal has closed it
                    data = b""
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:  # ended, and nothing more to read
                break
    finally:
        os.close(master)
    proc.wait()
    text = ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))
    return Ran(list(args), proc.returncode, text, "", time.monotonic() - started)


# ---------------------------------------------------------------- the researcher's run


@dataclass
class ResearcherRun:
    """A new study after `hoi survey-schema` and `hoi run`, run from ``cwd`` as the README says."""

    cwd: Path
    home: Path
    study: NewStudy
    schema: Ran
    run: Ran

    @property
    def workspace(self) -> Path:
        return self.cwd / "outputs" / self.study.root.name


@pytest.fixture(scope="session")
def researcher(tmp_path_factory) -> ResearcherRun:
    """`hoi survey-schema` then `hoi run my_study` (in a terminal, default workspace) on a new study."""
    cwd = tmp_path_factory.mktemp("researcher")
    home = cwd / "home"
    study = build_new_study(cwd / "min_undersoegelse")
    export = study.export.relative_to(cwd)
    schema = hoi("survey-schema", str(export), "-o", str(export.parent / "schema.yaml"), cwd=cwd, home=home)
    run = hoi_in_terminal("run", study.root.name, cwd=cwd, home=home, timeout=RUN_NEW_STUDY_S * 2)
    return ResearcherRun(cwd, home, study, schema, run)


# ---------------------------------------------------------------- the demo as `make demo` leaves it


@dataclass
class DemoRun:
    """``hoi run corpora/demo --workspace outputs/demo`` (what ``make demo`` runs) on a copy of the corpus."""

    cwd: Path
    home: Path
    run: Ran
    names: list[str]

    @property
    def workspace(self) -> Path:
        return self.cwd / "outputs" / "demo"


def demo_names() -> list[str]:
    """Every municipality and person the demo's inputs name (metadata and survey attributes)."""
    import csv

    from openpyxl import load_workbook

    names: set[str] = set()
    with (REPO / "corpora/demo/transcripts/metadata.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names |= {row["municipality"], row["interviewer"]}
    book = load_workbook(REPO / "corpora/demo/survey/hoi_kommuneundersoegelse_2024.xlsx", read_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    column = header.index("Kommune")
    names |= {str(row[column]) for row in rows if row[column]}
    return sorted(n for n in names if n)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> DemoRun:
    """The demo study run as `make demo` runs it, its output going to a pipe (as in make's log)."""
    cwd = tmp_path_factory.mktemp("demo")
    home = cwd / "home"
    shutil.copytree(REPO / "corpora" / "demo", cwd / "corpora" / "demo")
    run = hoi("run", "corpora/demo", "--workspace", "outputs/demo", cwd=cwd, home=home,
              timeout=RUN_DEMO_S * 2)
    return DemoRun(cwd, home, run, demo_names())


# ---------------------------------------------------------------- reading exports


def export_texts(folder: Path, only: str | None = None) -> dict[str, str]:
    """The text of every export file a reader could open (tables, reports, REFI-QDA), by file name
    (``only``: just the file of that name)."""
    import zipfile

    texts: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and only in (None, p.name)):
        texts[f"{path.relative_to(folder)} (name)"] = path.name
        suffix = path.suffix.lower()
        if suffix in (".csv", ".md", ".html", ".json", ".txt", ".qdc", ".xml"):
            texts[str(path.relative_to(folder))] = path.read_text(encoding="utf-8-sig", errors="replace")
        elif suffix == ".parquet":
            import pandas as pd

            texts[str(path.relative_to(folder))] = pd.read_parquet(path).to_csv()
        elif suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            texts[str(path.relative_to(folder))] = "\n".join(
                str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                for cell in row if cell is not None)
        elif suffix == ".docx":
            from docx import Document

            document = Document(str(path))
            cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
            texts[str(path.relative_to(folder))] = "\n".join([p.text for p in document.paragraphs] + cells)
        elif suffix == ".qdpx":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    texts[f"{path.relative_to(folder)}!{member} (name)"] = member
                    if member.endswith((".xml", ".txt", ".qde")):
                        texts[f"{path.relative_to(folder)}!{member}"] = archive.read(member).decode(
                            "utf-8", "replace")
    return texts


def leaks(texts: dict[str, str], names: list[str]) -> list[str]:
    """Where any of ``names`` (or a part of a person's name) shows up, as whole words."""
    words = set(names)
    for name in names:
        words |= {part for part in re.split(r"[\s]+", name) if len(part) >= 4 and part[0].isupper()}
    pattern = re.compile(r"(?<![\w])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True))
                         + r")(?![\w])")
    found = []
    for where, text in texts.items():
        for match in pattern.finditer(text):
            around = text[max(0, match.start() - 60):match.end() + 40]
            found.append(f"{where}: {match.group()!r} in …{around}…")
    return found

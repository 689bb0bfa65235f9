"""Atomic writing (hoi_nlp.io) where the output is no regular file: ``-o /dev/stdout``, a named pipe."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hoi_nlp.io import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "tests" / "data" / "survey" / "hoi_export_semicolon_cp1252.csv"


def _pipe_behind_a_link(tmp_path: Path) -> tuple[Path, Path, list[bytes]]:
    """A named pipe and a link to it, as /dev/stdout is a link to /proc/self/fd/1, with a reader."""
    pipe, link = tmp_path / "pipe", tmp_path / "stdout"
    os.mkfifo(pipe)
    link.symlink_to(pipe)
    got: list[bytes] = []

    def read() -> None:
        with pipe.open("rb") as reader:
            got.append(reader.read())

    threading.Thread(target=read, daemon=True).start()
    return pipe, link, got


def test_an_output_that_is_a_device_or_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    """`hoi cite … --format json -o /dev/stdout` moved a regular file onto /dev/stdout: the JSON never
    reached the terminal, and as root the machine's /dev/stdout link was a file for every later process."""
    pipe, link, got = _pipe_behind_a_link(tmp_path)
    write_text_atomic(link, '{"quotes": []}\n')
    assert link.is_symlink() and pipe.is_fifo()
    for _ in range(100):
        if got:
            break
        threading.Event().wait(0.05)
    assert got == [b'{"quotes": []}\n']
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "stdout"]  # no temporary left


@pytest.mark.skipif(not SURVEY.exists(),
                    reason="needs the survey fixture")
def test_the_cli_writes_into_a_pipe_given_as_output(tmp_path: Path) -> None:
    pipe, link, got = _pipe_behind_a_link(tmp_path)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "survey-schema", str(SURVEY), "-o", str(link)],
                         env=env, text=True, capture_output=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert link.is_symlink() and pipe.is_fifo()
    for _ in range(100):
        if got:
            break
        threading.Event().wait(0.05)
    assert got and got[0].startswith(b"# Draft survey schema")


def test_a_link_to_a_redirected_stdout_is_written_into_and_kept(tmp_path: Path) -> None:
    """`hoi cite … -o /dev/stdout > f.txt`: the link's target is a regular file (the redirect), so the
    writer replaced the link with a file of its own (as root, the machine's /dev/stdout) and f.txt got
    nothing. Through a link to /proc/self/fd/1, as /dev/stdout is, the bytes reach the redirect."""
    link, redirect = tmp_path / "mystdout", tmp_path / "f.txt"
    link.symlink_to("/proc/self/fd/1")
    code = ("import sys; print('before', flush=True); from hoi_nlp.io import write_text_atomic; "
            f"write_text_atomic({str(link)!r}, 'citat\\n')")
    with redirect.open("w") as out:
        subprocess.run([sys.executable, "-c", code], stdout=out, check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert redirect.read_text() == "before\ncitat\n"


def test_a_link_to_a_file_keeps_the_link_and_writes_the_file(tmp_path: Path) -> None:
    real, link = tmp_path / "report.md", tmp_path / "latest.md"
    real.write_text("old")
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_links_in_a_chain_a_dangling_link_and_a_folder(tmp_path: Path) -> None:
    """Only the link's first step was looked at: a link to a link to /dev/stdout replaced the redirect; a
    dangling link was replaced by a file; a link to a folder failed only after the output was made."""
    first, second, redirect = tmp_path / "so2", tmp_path / "so", tmp_path / "o2.txt"
    second.symlink_to("/dev/stdout")
    first.symlink_to(second)
    code = ("print('before', flush=True); from hoi_nlp.io import write_text_atomic; "
            f"write_text_atomic({str(first)!r}, 'citat\\n')")
    with redirect.open("w") as out:
        subprocess.run([sys.executable, "-c", code], stdout=out, check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert first.is_symlink() and redirect.read_text() == "before\ncitat\n"
    dangling = tmp_path / "latest.md"
    dangling.symlink_to(tmp_path / "reports" / "r1.md")
    (tmp_path / "reports").mkdir()
    write_text_atomic(dangling, "ny")
    assert dangling.is_symlink() and (tmp_path / "reports" / "r1.md").read_text() == "ny"
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        write_text_atomic(folder, "x")

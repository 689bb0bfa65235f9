"""The export's helper process: a large file written beside the export, moved into place whole."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from hoi_nlp.export.helper import FileHelper


def in_helper() -> bool:
    return Path(sys.argv[0]).parts[-2:] == ("export", "helper.py")  # python -m hoi_nlp.export.helper


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_with_pid(path: Path, _payload: object) -> None:
    path.write_text(str(os.getpid()), encoding="utf-8")


def fail_to_write(path: Path, _payload: object) -> None:
    path.write_text("half", encoding="utf-8")
    raise ValueError("the disk said no")


def die_in_helper(path: Path, lines: list[str]) -> None:
    """Dies (as a killed or out-of-memory helper would) when run in a helper, writes when run here."""
    if in_helper():
        os._exit(3)
    write_lines(path, lines)


def write_slowly(path: Path, _payload: object) -> None:
    path.write_text("started", encoding="utf-8")
    time.sleep(60)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_small_file_is_written_here(tmp_path: Path) -> None:
    target = tmp_path / "small.txt"
    with FileHelper(min_size=1000) as helper:
        assert helper.write(target, write_with_pid, None, size=999) == target
        assert target.read_text() == str(os.getpid()) and not helper.pending(target)


def test_a_large_file_is_written_by_a_helper_and_moved_into_place_whole(tmp_path: Path) -> None:
    target = tmp_path / "large.txt"
    lines = [f"række {i}" for i in range(50_000)]
    with FileHelper(min_size=10) as helper:
        helper.write(target, write_lines, lines, size=len(lines))
        assert helper.pending(target)
        helper.finish()
        assert not helper.pending(target)
    assert target.read_text(encoding="utf-8").splitlines() == lines
    assert leftovers(tmp_path) == []


def test_the_helper_is_another_process(tmp_path: Path) -> None:
    target = tmp_path / "pid.txt"
    with FileHelper(min_size=0) as helper:
        helper.write(target, write_with_pid, None, size=1)
        helper.finish()
    assert target.read_text() != str(os.getpid())


def test_a_writers_error_is_raised_here_and_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "broken.txt"
    with FileHelper(min_size=0) as helper:
        helper.write(target, fail_to_write, None, size=1)
        with pytest.raises(ValueError, match="the disk said no"):
            helper.finish()
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_helper_that_dies_leaves_its_file_to_be_written_here(tmp_path: Path) -> None:
    target = tmp_path / "survivor.txt"
    with FileHelper(min_size=0) as helper:
        helper.write(target, die_in_helper, ["a", "b"], size=2)
        helper.finish()
    assert target.read_text().splitlines() == ["a", "b"] and leftovers(tmp_path) == []


def test_closing_stops_a_running_helper_and_removes_its_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "stopped.txt"
    started = time.monotonic()
    with FileHelper(min_size=0) as helper:
        helper.write(target, write_slowly, None, size=1)
        time.sleep(1.0)
    assert time.monotonic() - started < 20
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_job_that_cannot_be_sent_is_written_here(tmp_path: Path) -> None:
    target = tmp_path / "local.txt"

    def not_picklable(path: Path, lines: list[str]) -> None:  # a closure: pickle cannot send it
        write_lines(path, lines)

    with FileHelper(min_size=0) as helper:
        helper.write(target, not_picklable, ["x"], size=1)
        helper.finish()
    assert target.read_text().splitlines() == ["x"] and leftovers(tmp_path) == []

"""Write a large file in a helper process while the export goes on.

On a large study the XLSX workbook is the export's longest single step (a 10,000-answer study:
~890,000 cells, ~5 s on one core), and nothing else in the export waits for it: the figures,
CSV, Parquet and report files are written meanwhile. :class:`FileHelper` hands such a file to a
helper process (``python -m hoi_nlp.export.helper``) on the machine's other core;
:meth:`FileHelper.finish` waits for it (before the leak guard reads every file) and moves it into
place. Small files are written in this process (a helper costs about a second of start-up); a
helper that cannot start or dies leaves its file to be written here, so a file is never missing,
and a writer's own error is raised here as it would have been.

The helper is a fresh interpreter, not a fork (this process runs threads) nor multiprocessing's
"spawn" (which would run the calling script's top level again in the helper).
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hoi_nlp.io import atomic_path, write_atomic

logger = logging.getLogger(__name__)

# Below this many cells a workbook is written here: a helper would take longer to start.
HELPER_MIN_CELLS = 200_000

Writer = Callable[[Path, Any], None]


@dataclass
class _Job:
    target: Path
    tmp: Path
    place: AbstractContextManager[Path]  # the file's atomic_path: moves it into place, or removes it
    write: Writer
    payload: Any
    process: subprocess.Popen[bytes]
    errors: IO[bytes]
    sender: threading.Thread | None = None
    send_failed: list[str] = field(default_factory=list)


class FileHelper:
    """Files written by helper processes during one export; use as a context manager."""

    def __init__(self, *, min_size: int | None = None) -> None:
        self.min_size = HELPER_MIN_CELLS if min_size is None else min_size
        self._jobs: list[_Job] = []

    def __enter__(self) -> FileHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, target: Path, write: Writer, payload: Any, *, size: int) -> Path:
        """``write(tmp, payload)`` and move the result to ``target``: in a helper process when
        ``size`` (cells, rows: what the writer's time grows with) reaches ``min_size`` and the
        machine has a second core, here otherwise. ``write`` must be a module-level function and
        ``payload`` picklable. Returns ``target``, which exists after :meth:`finish`."""
        if size < self.min_size or (os.cpu_count() or 1) < 2:
            return write_atomic(target, lambda tmp: write(tmp, payload))
        try:
            self._jobs.append(self._start(target, write, payload))
        except OSError as exc:  # no process could be started: write it here
            logger.warning("could not start a helper process for %s (%s); writing it here", target.name, exc)
            return write_atomic(target, lambda tmp: write(tmp, payload))
        return target

    def pending(self, path: Path) -> bool:
        """Whether ``path`` is still being written by a helper."""
        return any(job.target == Path(path) for job in self._jobs)

    def finish(self) -> None:
        """Wait for every helper and move its file into place; a writer's error is raised here."""
        while self._jobs:
            job = self._jobs.pop(0)
            try:
                self._finish(job)
            except BaseException as exc:
                job.place.__exit__(type(exc), exc, exc.__traceback__)  # removes the partial file
                raise
            else:
                job.place.__exit__(None, None, None)  # moves it into place

    def close(self) -> None:
        """Stop helpers still running (an export that failed) and remove their partial files."""
        for job in self._jobs:
            if job.process.poll() is None:
                job.process.kill()
            job.process.wait()
            _close_pipes(job)
            stopped = RuntimeError("export stopped")
            job.place.__exit__(RuntimeError, stopped, None)
        self._jobs.clear()

    def _start(self, target: Path, write: Writer, payload: Any) -> _Job:
        package_root = str(Path(__file__).resolve().parents[2])  # importable however this process found it
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        errors = tempfile.TemporaryFile()
        process = subprocess.Popen([sys.executable, "-m", "hoi_nlp.export.helper"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                   env={**os.environ, "PYTHONPATH": path})
        place = atomic_path(target)
        tmp = place.__enter__()  # the temporary file every writer uses; a stale one is removed later
        job = _Job(target, tmp, place, write, payload, process, errors)
        # The job goes in through a thread: the helper reads it once it has started, and this
        # process goes on with the export meanwhile.
        job.sender = threading.Thread(target=_send, args=(job,), name="hoi-export-helper-send", daemon=True)
        job.sender.start()
        logger.info("writing %s in a helper process (pid %s)", target.name, process.pid)
        return job

    def _finish(self, job: _Job) -> None:
        if job.sender is not None:
            job.sender.join()
        if job.send_failed:  # the job never reached the helper (not picklable, or it is gone)
            job.process.kill()
        answer = job.process.stdout.read() if job.process.stdout else b""
        job.process.wait()
        outcome = _outcome(answer, job)
        _close_pipes(job)
        if isinstance(outcome, str):
            logger.warning("the helper writing %s failed (%s); writing it here", job.target.name, outcome)
            job.write(job.tmp, job.payload)
        elif isinstance(outcome, BaseException):
            raise outcome


def _send(job: _Job) -> None:
    stdin = job.process.stdin
    try:
        data = pickle.dumps((job.write, job.payload, str(job.tmp)), protocol=pickle.HIGHEST_PROTOCOL)
        stdin.write(data)  # type: ignore[union-attr]
    except Exception as exc:  # noqa: BLE001 - finish() writes the file here
        job.send_failed.append(f"{type(exc).__name__}: {exc}")
    finally:
        try:
            stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass


def _outcome(answer: bytes, job: _Job) -> object:
    """``None`` (written), the writer's exception, or why the helper failed (text)."""
    if job.send_failed:
        return job.send_failed[0]
    try:
        return pickle.loads(answer)
    except Exception:  # noqa: BLE001 - no answer: the helper died (killed, out of memory)
        job.errors.seek(0)
        lines = job.errors.read().decode("utf-8", errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {job.process.returncode}"


def _close_pipes(job: _Job) -> None:
    for stream in (job.process.stdin, job.process.stdout, job.errors):
        if stream is not None:
            stream.close()


def main() -> None:
    """The helper: read one pickled job from stdin, write its file, answer on stdout with the
    pickled outcome (``None``, or the writer's exception; its text when that does not pickle)."""
    write, payload, tmp = pickle.load(sys.stdin.buffer)
    try:
        write(Path(tmp), payload)
        outcome: object = None
    except Exception as exc:  # noqa: BLE001 - raised again in the exporting process
        outcome = exc
    try:
        answer = pickle.dumps(outcome)
    except Exception:  # noqa: BLE001
        answer = pickle.dumps(RuntimeError(f"{type(outcome).__name__}: {outcome}"))
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()

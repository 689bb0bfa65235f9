"""Progress of long work: stages say how far they are; whoever listens (the CLI) shows it.

Library code never prints. A stage opens a :func:`stage` with its total and advances it as work
gets done; every step becomes a :class:`Progress` event handed to the listeners registered with
:func:`listen` (the CLI draws progress bars and a timing summary from them). Without listeners
nothing happens, so a stage called from a test or the review app costs nothing extra.

    with progress.stage("segment", total=len(pending), unit="sources") as bar:
        for chunk in chunks:
            ...
            bar.advance(len(chunk))

Listeners are process-wide and thread-safe: Prefect runs a flow's tasks in threads of the
process that started the run, and their events reach the same listeners.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Progress", "Stage", "listen", "report", "stage"]


@dataclass(frozen=True)
class Progress:
    """One step of a stage: ``done`` of ``total`` (``None`` when unknown) ``unit``s."""

    stage: str
    done: int
    total: int | None
    unit: str = ""
    finished: bool = False
    at: float = 0.0  # time.monotonic() of the event


Listener = Callable[[Progress], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def report(stage: str, done: int, total: int | None = None, *, unit: str = "",
           finished: bool = False) -> None:
    """Tell every listener that ``stage`` has done ``done`` of ``total`` units (cheap without listeners)."""
    if not _listeners:
        return
    event = Progress(stage, done, total, unit, finished, time.monotonic())
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(event)


@contextmanager
def listen(listener: Listener) -> Iterator[Listener]:
    """Register ``listener`` for the events of every stage while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield listener
    finally:
        with _lock:
            _listeners.remove(listener)


class Stage:
    """A stage in progress: :meth:`advance` or :meth:`update` it; it reports each change."""

    def __init__(self, name: str, total: int | None, unit: str) -> None:
        self.name, self.total, self.unit = name, total, unit
        self.done = 0
        self._lock = threading.Lock()

    def advance(self, n: int = 1) -> None:
        """``n`` more units are done."""
        with self._lock:
            self.done += n
            done = self.done
        report(self.name, done, self.total, unit=self.unit)

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` units are done (and the total is ``total``, when it changed)."""
        with self._lock:
            self.done = done
            if total is not None:
                self.total = total
        report(self.name, done, self.total, unit=self.unit)

    def finish(self) -> None:
        """The stage is over (reported once, also when it stopped early)."""
        report(self.name, self.done, self.total, unit=self.unit, finished=True)


@contextmanager
def stage(name: str, total: int | None = None, *, unit: str = "") -> Iterator[Stage]:
    """A stage named ``name`` with ``total`` units of work: reports its start, each step and its end."""
    current = Stage(name, total, unit)
    report(name, 0, total, unit=unit)
    try:
        yield current
    finally:
        current.finish()

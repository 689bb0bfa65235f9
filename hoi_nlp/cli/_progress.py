"""How the CLI shows long work: a progress bar per stage and a timing summary at the end.

The library reports ``(stage, done, total)`` through :mod:`hoi_nlp.progress`; this module is
the listener. On a terminal each stage gets a rich progress bar with counts, rate, ETA and
elapsed time; when the output goes to a file or a pipe (CI logs, ``hoi run … > log``) each stage
prints a plain line every few seconds and one when it ends, so a log still shows where the time went.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from hoi_nlp import progress
from hoi_nlp.cli._app import echo

LINE_EVERY_S = 10.0  # plain output: at most one line per stage this often (plus its last line)


@dataclass
class _Stage:
    name: str
    unit: str = ""
    total: int | None = None
    done: int = 0
    started: float = 0.0
    seconds: float = 0.0  # summed over finished runs of this stage
    running: bool = False
    last_line: float = 0.0
    task: Any = None
    runs: list[float] = field(default_factory=list)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _line(stage: _Stage, now: float, *, finished: bool) -> str:
    elapsed = max(now - stage.started, 1e-9)
    rate = stage.done / elapsed
    count = f"{stage.done:,}" + (f"/{stage.total:,}" if stage.total is not None else "")
    if stage.total is None and not stage.done:
        count = "done" if finished else "running"
    elif stage.total == 0:
        count = "nothing new"
    text = f"  {stage.name}: {count} {stage.unit}".rstrip()
    if finished:
        if stage.total == 0:
            return f"  {stage.name}: nothing new"
        return text + f" in {_duration(elapsed)}" + (f" ({rate:,.1f}/s)" if stage.done else "")
    extra = [f"{rate:,.1f}/s"]
    if stage.total:
        extra.insert(0, f"{100 * stage.done / stage.total:.0f} %")
        if rate > 0:
            extra.append(f"ETA {_duration((stage.total - stage.done) / rate)}")
    return text + f" ({', '.join(extra)})"


class ProgressDisplay:
    """Listens to :mod:`hoi_nlp.progress` while a command runs; prints the stage timings at the end."""

    def __init__(self, *, live: bool | None = None, first: str | None = None) -> None:
        """``first``: a stage shown from the start until the library reports its first stage
        (``hoi run``: "start-up" while Prefect's server starts and the models load)."""
        self.live = sys.stderr.isatty() if live is None else live
        self.first = first
        self.stages: dict[str, _Stage] = {}
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._bars: Any = None
        self._listening: Any = None
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    # -- context

    def __enter__(self) -> ProgressDisplay:
        if self.live:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bars = Progress(
                TextColumn("{task.description:<13}"), BarColumn(), TextColumn("{task.fields[count]}"),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
                TimeElapsedColumn(), console=Console(stderr=True), redirect_stderr=True, transient=False)
            self._bars.start()
            self._route_logs_through_bars()
        self._listening = progress.listen(self)
        self._listening.__enter__()
        if self.first:
            progress.report(self.first, 0, None)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._listening.__exit__(kind, exc, tb)
        if self._bars is not None:
            self._bars.stop()
            for handler, stream in self._handlers:
                handler.setStream(stream)

    def _route_logs_through_bars(self) -> None:
        """Log lines (``-v``) go above the bars instead of through them."""
        for handler in logging.getLogger().handlers:
            stream = getattr(handler, "stream", None)
            if isinstance(handler, logging.StreamHandler) and stream is sys.__stderr__:
                self._handlers.append((handler, handler.setStream(sys.stderr)))

    # -- events

    def __call__(self, event: progress.Progress) -> None:
        with self._lock:
            first = self.stages.get(self.first or "")
            if first is not None and first.running and event.stage != first.name:
                self._record(progress.Progress(first.name, 0, None, "", True, event.at))
            self._record(event)

    def running_stage(self) -> str | None:
        """The stage started last of those still running (None before any). Read without the lock: a
        Ctrl+C handler asks, and may interrupt this thread while it holds it."""
        try:
            running = [stage for stage in list(self.stages.values()) if stage.running]
        except RuntimeError:  # another thread added a stage meanwhile
            return None
        return max(running, key=lambda stage: stage.started).name if running else None

    def _record(self, event: progress.Progress) -> None:
        stage = self.stages.get(event.stage)
        if stage is None:
            stage = self.stages[event.stage] = _Stage(event.stage, event.unit)
        if not stage.running and not event.finished:
            stage.running, stage.started, stage.last_line = True, event.at, event.at
        stage.unit = event.unit or stage.unit
        stage.done, stage.total = event.done, event.total
        if event.finished:
            if stage.running:
                stage.runs.append(event.at - stage.started)
            stage.running = False
        self._show(stage, event)

    def _show(self, stage: _Stage, event: progress.Progress) -> None:
        if self._bars is not None:
            elapsed = max(event.at - stage.started, 1e-9) if stage.started else 0.0
            rate = f"{stage.done / elapsed:,.1f}/s" if elapsed and stage.done else ""
            done, total = stage.done, stage.total
            count = f"{done:,}/{total:,} {stage.unit}" if total is not None else f"{done:,} {stage.unit}"
            if total is None and not done:
                count = "…"
            if event.finished and not total:  # nothing to do, or of unknown size: full once it is over
                count = "nothing new" if total == 0 else "done"
                done = total = max(done, 1)
            if stage.task is None:
                stage.task = self._bars.add_task(stage.name, total=total, count=count, rate=rate)
            self._bars.update(stage.task, completed=done, total=total, count=count, rate=rate)
            return
        if event.finished:
            if stage.runs:
                echo(_line(stage, stage.started + stage.runs[-1], finished=True), err=True)
        elif event.at - stage.last_line >= LINE_EVERY_S and stage.done != stage.total:
            stage.last_line = event.at
            echo(_line(stage, event.at, finished=False), err=True)

    # -- the end

    def summary(self) -> str:
        """``Time per stage: ingest 0.2 s · segment 2.9 s · … (total 1 min 11 s)``."""
        parts = [f"{stage.name} {_duration(sum(stage.runs))}" for stage in self.stages.values() if stage.runs]
        total = _duration(time.monotonic() - self.started)
        return f"Time per stage: {' · '.join(parts)} (total {total})" if parts else f"Took {total}"

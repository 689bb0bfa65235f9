"""Atomic file writing (core): an output is either complete or absent, never half-written.

Every writer in hoi_nlp goes through :func:`atomic_path`: the file is written next to its
target under a hidden temporary name and moved into place only when the writer succeeded.
``mode`` (e.g. ``0o600`` for keys) is set before any byte is written.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(target: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; move it into place only if the block succeeds.

    The temporary name ends with the target's suffix, so writers that infer the format from it
    (matplotlib, pandas) work unchanged.
    """
    target = Path(target)
    if target.is_symlink():  # the file a link names is written, the link kept (``-o /dev/stdout > f.txt``)
        hops = _link_chain(target)
        if any(_in_system_folder(p) for p in hops) and hops[-1].exists():
            with _streamed_into(target) as tmp:
                yield tmp
            return
        target = hops[-1]  # an ordinary file, or where a dangling link points: written there
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder: give a file name")
    if target.exists() and not target.is_file():
        # a device, pipe or socket (``-o /dev/stdout``, a named pipe): written into, never replaced -- a
        # move put a regular file in place of /dev/stdout's link, for every later process on the machine
        with _streamed_into(target) as tmp:
            yield tmp
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + target.suffix,
                                    dir=target.parent)
    if mode is not None:
        os.fchmod(fd, mode)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if mode is not None:
            tmp.chmod(mode)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _link_chain(link: Path) -> list[Path]:
    """``link`` and each path its links lead to, in turn (the last is no link)."""
    chain = [link]
    while chain[-1].is_symlink() and len(chain) < 40:
        chain.append(chain[-1].parent / os.readlink(chain[-1]))
    return chain


def _in_system_folder(path: Path) -> bool:
    """Under /dev or /proc: a stream (``/dev/stdout`` -> ``/proc/self/fd/1`` -> the shell's redirect)."""
    return path.is_absolute() and path.parts[1:2] in (("dev",), ("proc",))


@contextlib.contextmanager
def _streamed_into(target: Path) -> Iterator[Path]:
    """A temporary file (with ``target``'s suffix) whose bytes are copied into ``target`` once the block
    succeeded."""
    with tempfile.TemporaryDirectory(prefix="hoi-out-") as folder:
        tmp = Path(folder) / f"out{target.suffix}"
        tmp.touch(mode=0o600)
        yield tmp
        with tmp.open("rb") as data, target.open("ab") as out:  # a redirect keeps what came before
            shutil.copyfileobj(data, out)


def write_atomic(target: str | Path, writer: Callable[[Path], None], *, mode: int | None = None) -> Path:
    """Call ``writer(tmp_path)`` and move the result to ``target`` atomically."""
    with atomic_path(target, mode=mode) as tmp:
        writer(tmp)
    return Path(target)


def write_text_atomic(target: str | Path, text: str, *, mode: int | None = None) -> Path:
    """Write UTF-8 text atomically."""
    return write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), mode=mode)


def write_bytes_atomic(target: str | Path, data: bytes, *, mode: int | None = None) -> Path:
    """Write bytes atomically."""
    return write_atomic(target, lambda tmp: tmp.write_bytes(data), mode=mode)


def write_jsonl_atomic(target: str | Path, items: Iterable[dict[str, Any]], *,
                       mode: int | None = None) -> Path:
    """Write one JSON object per line (UTF-8, not ASCII-escaped) atomically."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as handle:
            for item in items:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")

    return write_atomic(target, write, mode=mode)


# ---------------------------------------------------------------- spreadsheet cells

# CSV/formula injection (OWASP): a text starting with one of these is run as a formula when a CSV
# file, or a table copied out of a report, is opened in Excel or LibreOffice ("=HYPERLINK(…)",
# "+cmd|' /C calc'!A0", "@SUM(…)"). Such a text gets a leading "'" (shown as text, never run);
# plain numbers ("-3", "+45", "-0,25") stay numbers and a lone "-" (no value) stays as it is. XLSX
# cells are written as typed strings instead. The full-width forms ("＝", "＋", "－", "＠") count too:
# Excel with an East Asian input or locale takes "＝SUM(…)" for "=SUM(…)".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (a plain number is not one)."""
    return len(text) > 1 and text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text)


def safe_cell(value: Any) -> Any:
    """``value`` as a cell no spreadsheet will run: formula-like texts get a leading ``'``."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def safe_frame(frame: Any) -> Any:
    """A copy of a pandas frame with :func:`safe_cell` applied to its text cells and column names."""
    out = frame.copy()
    for column in out.columns:
        if getattr(out[column].dtype, "kind", "") == "O":  # object and string columns
            out[column] = out[column].map(safe_cell)
    return out.rename(columns={c: safe_cell(c) for c in out.columns if isinstance(c, str)})


CSV_DIALECTS = ("excel", "excel-da")


def write_csv_frame(frame: Any, path: str | Path, *, dialect: str = "excel") -> None:
    """A pandas frame as CSV for a spreadsheet, formula-safe (:func:`safe_frame`).

    ``excel``: UTF-8 BOM, comma, CRLF, decimal point; ``excel-da`` (Danish Excel, whose list separator
    is ";" and decimal sign ","): UTF-8 BOM, semicolon, CRLF, decimal comma.
    """
    if dialect not in CSV_DIALECTS:
        raise ValueError(f"unknown CSV dialect {dialect!r}")
    danish = dialect == "excel-da"
    safe_frame(frame).to_csv(path, index=False, sep=";" if danish else ",", decimal="," if danish else ".",
                             encoding="utf-8-sig", lineterminator="\r\n")

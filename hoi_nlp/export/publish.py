"""Publish only checked files: an export is written to a staging folder, checked whole, then moved.

A killed export leaves no half-written or unchecked file where users look; a leak found in one
file stops the whole export and removes every file of it, not only the leaking one. The staging
folder (``.hoi-staging-…`` inside the export folder) is removed whatever happens, and staging
folders left by a killed process are removed by the next export into the same folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from hoi_nlp.errors import ExportError

logger = logging.getLogger(__name__)

STAGING_PREFIX = ".hoi-staging-"


class Staging:
    """A staging folder whose files are moved into ``target`` together by :meth:`publish`."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target))

    def publish(self, files: Sequence[Path]) -> list[Path]:
        """Move ``files`` (inside the staging folder) to the same relative places under ``target``."""
        published = []
        for path in files:
            relative = Path(path).resolve().relative_to(self.dir.resolve())
            final = self.target / relative
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
            published.append(final)
        return published


def _remove_stale(target: Path) -> None:
    for leftover in target.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for part in target.rglob(".*.part*"):  # temporary files of writers killed mid-write
        part.unlink(missing_ok=True)


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Staging]:
    """A :class:`Staging` folder inside ``target``, removed when the block ends (published or not); a
    folder that cannot be made or written is an error naming it."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        _remove_stale(target)
        stage = Staging(target)
    except OSError as exc:
        raise ExportError(f"cannot write to the export folder: {exc.strerror or exc}", path=str(target),
                          hint="choose a folder you can write to with --output") from None
    try:
        yield stage
    finally:
        shutil.rmtree(stage.dir, ignore_errors=True)

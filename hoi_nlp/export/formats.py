"""The export formats: one registry entry per format, each a function of one :class:`ExportContext`.

A format writes its files into ``ctx.out_dir`` (the export's staging folder) and returns them;
:func:`hoi_nlp.export.api.export_study` checks every file and publishes them together. A new
format is one function registered here (or in its own module imported by :data:`BUILT_IN`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.export.helper import FileHelper
from hoi_nlp.export.study import CodedStudy, Redactor
from hoi_nlp.privacy.guard import LeakGuard
from hoi_nlp.registry import Registry
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace


@dataclass
class ExportContext:
    """Everything a format needs: the (public view of the) study, its redactor and guard, options."""

    workspace: Workspace
    codebook: Codebook
    settings: Settings
    study: CodedStudy
    redact: Redactor
    guard: LeakGuard
    out_dir: Path
    formats: tuple[str, ...]
    raw: bool = False
    csv_dialect: str = "excel"
    quotes_per_code: int = 3
    embeddings: bool = True
    file_name: str | None = None  # a target file name given by the user (``-o project.qdpx``)
    shared: dict[str, Any] = field(default_factory=dict)  # work several formats share (tables, figures)
    helper: FileHelper = field(default_factory=FileHelper)  # large files written beside the export

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``name`` is asked for in this export, the stored result after."""
        if name not in self.shared:
            self.shared[name] = compute()
        return self.shared[name]

    def target(self, default_name: str) -> Path:
        """Where a single-file format writes: the user's file name when it has this suffix."""
        name = self.file_name if self.file_name and Path(self.file_name).suffix == Path(default_name).suffix \
            else default_name
        return self.out_dir / name


Exporter = Callable[[ExportContext], list[Path]]
exporters: Registry[Exporter] = Registry("export format")

# Modules that register the built-in formats (imported on first use).
BUILT_IN = ("hoi_nlp.export.dataset", "hoi_nlp.export.report.export", "hoi_nlp.export.refi")


def load_formats() -> Registry[Exporter]:
    """The registry with the built-in formats registered."""
    for module in BUILT_IN:
        importlib.import_module(module)
    return exporters

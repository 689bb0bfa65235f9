"""Skip an export whose inputs have not changed since the files were written.

The key covers everything an export reads: sources (ids, hashes, attributes), machine
assignments, the review log, the codebook version, the privacy pipeline and the options. It is
stored next to the files; a changed input, a missing file or other options mean a new export.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select

from hoi_nlp.codebook import Codebook
from hoi_nlp.ingest.numbers import CLOSED_NUMBERS
from hoi_nlp.io import write_text_atomic
from hoi_nlp.records import content_hash
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace, assignments_table, last_run_params, sources_table

logger = logging.getLogger(__name__)

MANIFEST = ".export-manifest.json"


def _table_digest(workspace: Workspace, key: Sequence[Any], *columns: Any) -> str:
    """Digest of ``key`` + ``columns`` over all rows, ordered by the unique ``key`` only.

    Never ORDER BY a JSON column: PostgreSQL has no ordering operator for ``json``.
    """
    query = select(*key, *columns).order_by(*key)
    with workspace.engine.connect() as conn:
        return content_hash("\n".join("\t".join(map(str, row)) for row in conn.execute(query)))


def _decisions_digest(workspace: Workspace) -> str:
    if not inspect(workspace.engine).has_table("review_decisions"):
        return "none"
    from hoi_nlp.review.tables import decisions_table, study_memos_table

    with workspace.engine.connect() as conn:
        count, last = conn.execute(select(func.count(), func.max(decisions_table.c.seq))).one()
        memos = conn.execute(select(func.count(), func.max(study_memos_table.c.seq))).one() \
            if inspect(workspace.engine).has_table(study_memos_table.name) else (0, None)
    return (f"{count}:{last}" if count else "none") + (f"/{memos[0]}:{memos[1]}" if memos[0] else "")


def data_key(workspace: Workspace, codebook: Codebook) -> str:
    """A digest of what the study holds (sources, machine codes, the review, the codebook version): a file
    exported under another data key was made from the study as it was before."""
    parts = [
        codebook.version_tag,
        _table_digest(workspace, [sources_table.c.source_id], sources_table.c.content_hash,
                      sources_table.c.attributes),
        _table_digest(workspace, [assignments_table.c.segment_id, assignments_table.c.code_id,
                                  assignments_table.c.coder], assignments_table.c.confidence,
                      assignments_table.c.tier, assignments_table.c.stance),
        _decisions_digest(workspace),
        json.dumps(last_run_params(workspace, "ingest").get(CLOSED_NUMBERS), sort_keys=True),
    ]
    return content_hash("\x1f".join(parts))


def export_key(workspace: Workspace, codebook: Codebook, *, settings: Settings,
               options: dict[str, Any], data: str | None = None) -> str:
    """A digest of every input of an export: the study's :func:`data_key` (``data`` when worked out
    already), hoi's version, the privacy pipeline, the settings and the export's options."""
    from hoi_nlp import __version__
    from hoi_nlp.privacy.redact import privacy_fingerprint

    parts = [
        __version__, privacy_fingerprint(settings), settings.model_dump_json(),
        json.dumps(options, sort_keys=True, default=str), data or data_key(workspace, codebook),
    ]
    return content_hash("\x1f".join(parts))


def fresh_files(out_dir: Path, key: str) -> list[Path] | None:
    """The files of the last export into ``out_dir`` if it had this key and they all still exist."""
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    files = [out_dir / name for name in data.get("files", [])]
    if data.get("key") != key or not files or not all(path.is_file() for path in files):
        return None
    return files


def _manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def study_id(workspace: Workspace) -> str:
    """Which study's files a manifest lists: a digest of its workspace's place, not the place itself (the
    export folder is zipped and sent on)."""
    return content_hash(str(workspace.root.resolve()))


def record_export(out_dir: Path, key: str, files: Sequence[Path], *, data: str, study: str,
                  shape: dict[str, Any], format_of: dict[Path, str]) -> None:
    """Remember which files this export key produced, and of every file exported into ``out_dir`` from
    ``study`` (by this export or an earlier one) the data key it was made under, its format and the options
    that shaped it (``shape``: raw, csv_dialect, quotes_per_code, the ``-o`` file's name), so that the
    command that writes it again can be given; a folder another study exported into before (``-o`` into a
    shared folder) starts afresh."""
    names = {Path(path): str(Path(path).resolve().relative_to(out_dir.resolve())) for path in files}
    manifest = _manifest(out_dir)
    written = manifest.get("written") if manifest.get("study") == study else None
    written = {name: made for name, made in written.items() if isinstance(made, dict)} \
        if isinstance(written, dict) else {}
    written.update({name: {"data": data, "format": format_of.get(path, ""), **shape}
                    for path, name in names.items()})
    write_text_atomic(out_dir / MANIFEST, json.dumps(
        {"key": key, "files": list(names.values()), "study": study, "data": data, "written": written},
        indent=1))


@dataclass(frozen=True)
class StaleFiles:
    """Files of an export folder written from the study as it was before, and the options of the export
    that wrote them (the command that writes them again)."""

    names: list[str]
    formats: list[str]
    shape: dict[str, Any]


def stale_exports(out_dir: Path) -> list[StaleFiles]:
    """The files in ``out_dir`` an earlier export wrote from the study as it was before the latest
    export's (a report or .qdpx exported before a run that changed the data), grouped by the options of
    the export that wrote them."""
    manifest = _manifest(out_dir)
    latest, written = manifest.get("data"), manifest.get("written")
    if not latest or not isinstance(written, dict):
        return []
    groups: dict[str, tuple[list[str], set[str], dict[str, Any]]] = {}
    for name, made in sorted(written.items()):
        # a .qdc holds the codebook alone, so it is out of date only with the codebook, which may not have
        # changed
        if not isinstance(made, dict) or made.get("data") == latest or name.endswith(".qdc") \
                or not (out_dir / name).is_file():
            continue
        shape = {k: v for k, v in made.items() if k not in ("data", "format")}
        names, formats, _ = groups.setdefault(json.dumps(shape, sort_keys=True), ([], set(), shape))
        names.append(name)
        formats.add(str(made.get("format") or ""))
    return [StaleFiles(names, sorted(f for f in formats if f), shape)
            for names, formats, shape in groups.values()]

"""Stage functions over a study workspace: what the Prefect flows and the CLI both call.

Each stage reads from and writes to the workspace database and is idempotent: re-running a
stage with nothing changed does no work, and an interrupted stage resumes where it stopped
(segmentation is per source, coding per batch, each committed in its own transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.base import Coder
from hoi_nlp.records import Segment
from hoi_nlp.settings import Settings
from hoi_nlp.store import (
    BatchLedger,
    Workspace,
    load_segments,
    load_sources,
    replace_assignments,
    save_segments,
    sources_without_segments,
)

logger = logging.getLogger(__name__)


def default_workspace_dir(study_dir: str | Path, *, outputs: str | Path = "outputs") -> Path:
    """``outputs/<study folder name>/``."""
    return Path(outputs) / Path(study_dir).resolve().name


def ingest_stage(study_dir: str | Path, workspace: Workspace) -> dict[str, Any]:
    """Read the study folder into the workspace; returns a JSON-able per-file summary.

    A file that cannot be read is reported under ``errors`` (its clear message) while the
    other files are still ingested.
    """
    from hoi_nlp.ingest.study import ingest_into_workspace

    summary = ingest_into_workspace(Path(study_dir), workspace)
    result = summary.result
    return {
        "files": {report.path: {"kind": report.kind, "rows": report.rows, "turns": report.turns,
                                "answers": sum(report.answers.values()), "missing": sum(report.missing.values()),
                                **summary.saved.get(report.path, {})} for report in result.reports},
        "sources": len(result.sources),
        "totals": summary.totals(),
        "errors": [error.message for error in result.errors],
        "warnings": list(result.warnings),
    }


def segment_stage(workspace: Workspace, settings: Settings) -> dict[str, int]:
    """Segment every source that has no segments yet (committed per chunk of sources)."""
    from hoi_nlp.segment import segment_source

    pending = sources_without_segments(workspace)
    created = 0
    for start in range(0, len(pending), 200):  # one transaction per 200 sources: resumable, not chatty
        chunk = load_sources(workspace, source_ids=pending[start:start + 200])
        created += save_segments(workspace, [seg for source in chunk for seg in segment_source(
            source, settings=settings.segment, pipeline=settings.nlp.pipeline)])
    logger.info("segmented %d sources into %d segments", len(pending), created)
    return {"sources_segmented": len(pending), "segments_created": created}


def batches(items: Sequence[Segment], size: int) -> Iterator[list[Segment]]:
    """Consecutive batches of ``size`` items."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def coding_ledger(workspace: Workspace, codebook: Codebook, coder: Coder) -> BatchLedger:
    """The batch ledger of ``coder`` under this codebook and model version."""
    version = getattr(coder, "version", "")
    return BatchLedger(workspace, stage=f"code:{coder.name}:{version}:{codebook.version_tag}")


def pending_batches(workspace: Workspace, ledger: BatchLedger, *, batch_size: int) -> list[list[Segment]]:
    """Batches of codable segments that this ledger has not seen completed."""
    segments = load_segments(workspace, codable=True)
    return [batch for batch in batches(segments, batch_size) if not ledger.is_done(batch)]


def code_batch(workspace: Workspace, coder: Coder, segments: Sequence[Segment], *, ledger: BatchLedger,
               run_id: str | None = None) -> int:
    """Code one batch, replace its stored assignments in one transaction, then mark it done."""
    assignments = coder.code(segments)
    coders = {coder.name} | {a.coder for a in assignments}
    replace_assignments(workspace, assignments, segment_ids=[s.segment_id for s in segments],
                        coders=sorted(coders), run_id=run_id)
    ledger.mark_done(segments)
    logger.info("coded batch of %d segments (%d assignments)", len(segments), len(assignments))
    return len(assignments)


def code_stage(workspace: Workspace, codebook: Codebook, settings: Settings, *, coder: Coder,
               run_id: str | None = None) -> dict[str, int]:
    """Code all pending batches of codable segments in this process."""
    ledger = coding_ledger(workspace, codebook, coder)
    total = len(load_segments(workspace, codable=True))
    pending = pending_batches(workspace, ledger, batch_size=settings.flow.batch_size)
    for batch in pending:
        code_batch(workspace, coder, batch, ledger=ledger, run_id=run_id)
    coded = sum(len(batch) for batch in pending)
    return {"segments_coded": coded, "segments_skipped": total - coded, "segments_total": total}


def export_stage(workspace: Workspace, codebook: Codebook, *, out_dir: Path | None = None,
                 formats: Sequence[str] | None = None, raw: bool = False) -> list[Path]:
    """Export the coded dataset and quotes (pseudonymised and leak-checked unless ``raw``).

    An export whose inputs are unchanged since the last one into the same folder is skipped.
    """
    from hoi_nlp.export.api import export_study
    from hoi_nlp.export.dataset import TABLE_FORMATS
    from hoi_nlp.export.freshness import export_key, fresh_files, record_export

    target = (out_dir or workspace.exports_dir).resolve()
    options = {"formats": list(formats or TABLE_FORMATS), "raw": raw, "out": str(target)}
    key = export_key(workspace, codebook, options=options)
    files = fresh_files(target, key)
    if files is not None:
        logger.info("export inputs unchanged: keeping %d files in %s", len(files), target)
        return files
    files = export_study(workspace, codebook, formats=options["formats"], output=target, raw=raw)
    record_export(target, key, files)
    return files


def resolve_workspace(study_or_workspace: str | Path, workspace: str | Path | None = None) -> Workspace:
    """Open the workspace given directly, or the one a study folder was run into."""
    if workspace is not None:
        return Workspace.open(workspace, create=False)
    path = Path(study_or_workspace)
    if Workspace.is_workspace_dir(path):
        return Workspace.open(path, create=False)
    return Workspace.open(default_workspace_dir(path), create=False)

"""Stages over a study workspace: what the Prefect flows and the CLI both call.

Each stage reads from and writes to the workspace database and is idempotent: re-running a
stage with nothing changed does no work, and an interrupted stage resumes where it stopped
(segmentation and coding are marked per source, each batch committed in its own transaction).
Settings and the codebook are loaded here (:func:`run_inputs`) and passed down; nothing below
this layer reads a settings file.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoi_nlp import progress
from hoi_nlp.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook
from hoi_nlp.coding.base import CodingContext, code_segments  # light: records only
from hoi_nlp.errors import WorkspaceError
from hoi_nlp.settings import Settings, load_settings

# Heavy modules (the database layer, numpy, the coders) are imported where a stage needs them,
# so ``hoi code --input`` (no workspace) and every short CLI call start without them.
if TYPE_CHECKING:
    from hoi_nlp.coding.base import Coder
    from hoi_nlp.nlp.embed import EmbeddingCache
    from hoi_nlp.records import Quote, Segment, Source
    from hoi_nlp.store import CodingLedger, Workspace

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class RunInputs:
    """What every stage of a run reads: the workspace, the codebook and the settings."""

    workspace: Workspace
    codebook: Codebook
    settings: Settings


def load_run_settings(settings_path: str | Path | None = None) -> Settings:
    """The run settings (``--settings``, ``HOI_SETTINGS`` or configs/runs/default.toml)."""
    return _cached_settings(str(settings_path) if settings_path else None)


@lru_cache(maxsize=8)
def _cached_settings(path: str | None) -> Settings:
    return load_settings(path)


def load_run_codebook(codebook_path: str | Path | None = None) -> Codebook:
    """The codebook (``--codebook`` or the bundled one); parsed once per process and content."""
    return load_codebook(Path(codebook_path) if codebook_path else DEFAULT_CODEBOOK)


def run_inputs(workspace_dir: str | Path, codebook_path: str | Path | None = None,
               settings_path: str | Path | None = None, *, create: bool = True) -> RunInputs:
    """Open the workspace and load the codebook and settings of a run (a given codebook file becomes
    the study's, :func:`study_codebook_file`)."""
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(workspace_dir, create=create)
    settings = load_run_settings(settings_path)
    tidy_stale_coding_once(workspace, batch_size=settings.flow.batch_size)
    codebook = load_run_codebook(study_codebook_file(workspace.root, codebook_path))
    return RunInputs(workspace, study_codebook(workspace, codebook), settings)


CODEBOOK_RECORD = "codebook_file.json"  # in the workspace: the codebook file the study was last given


def study_codebook_file(workspace_dir: str | Path, given: str | Path | None = None) -> Path:
    """The codebook file of a command on a study: ``given`` (``--codebook``), which the study then
    keeps as its own; else the file it was last given (``hoi run my_study --codebook my_codes.yaml``
    once, and ``hoi export``/``hoi review my_study`` use my_codes.yaml); else the bundled codebook.
    Codes changed in the study itself (review app, ``hoi themes promote``) are versions on top of it
    (:func:`study_codebook`)."""
    import json

    from hoi_nlp.errors import CodebookError
    from hoi_nlp.io import write_text_atomic

    record = Path(workspace_dir) / CODEBOOK_RECORD
    if given:
        path = Path(given).resolve()
        if Path(workspace_dir).is_dir() and _recorded_codebook(record) != path:
            _check_new_codebook(workspace_dir, path)  # a refused file does not become the study's
            write_text_atomic(record, json.dumps({"path": str(path)}, ensure_ascii=False) + "\n")
        return path
    recorded = _recorded_codebook(record)
    if recorded is None:
        return DEFAULT_CODEBOOK
    if not recorded.is_file():
        raise CodebookError("the codebook file this study was run with is gone", path=str(recorded),
                            hint="give the study's codebook with --codebook FILE")
    return recorded


def _check_new_codebook(workspace_dir: str | Path, path: Path) -> None:
    """Raise when the codebook file ``path`` lacks codes the study's analysts decided on."""
    from hoi_nlp.store import Workspace

    if Workspace.is_workspace_dir(workspace_dir):
        study_codebook(Workspace.open(workspace_dir, create=False), load_run_codebook(path))


def _recorded_codebook(record: Path) -> Path | None:
    import json

    try:
        return Path(json.loads(record.read_text(encoding="utf-8"))["path"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def study_codebook(workspace: Workspace, codebook: Codebook) -> Codebook:
    """The codebook a study uses: its latest version when analysts changed it in the review app
    (``<workspace>/codebook/``), else ``codebook``. Refused (:class:`CodebookError`) when it lacks a
    code analysts have decided on — a code deleted or renamed in the study's codebook file — since
    those decisions would then count nowhere."""
    from hoi_nlp.review.codebook_edit import current_codebook
    from hoi_nlp.review.decisions import check_decided_codes

    current = current_codebook(workspace, codebook)
    check_decided_codes(workspace, current)
    return current


def default_workspace_dir(study_dir: str | Path, *, outputs: str | Path = "outputs") -> Path:
    """``outputs/<study folder name>/`` (relative to the current folder)."""
    return Path(outputs) / Path(study_dir).resolve().name


def resolve_workspace(study_or_workspace: str | Path, workspace: str | Path | None = None) -> Workspace:
    """Open the workspace given directly, or the one a study folder was run into."""
    from hoi_nlp.store import Workspace

    if workspace is not None:
        opened = Workspace.open(workspace, create=False)
    elif Path(study_or_workspace).is_file():
        raise WorkspaceError("this is a file, not a study folder or workspace", path=str(study_or_workspace),
                             hint="give the folder `hoi run` was run on, or its workspace with -w; a JSONL "
                                  "file of texts is coded with `hoi code --input FILE --output OUT.jsonl`")
    elif Workspace.is_workspace_dir(Path(study_or_workspace)):
        opened = Workspace.open(Path(study_or_workspace), create=False)
    else:
        opened = Workspace.open(default_workspace_dir(Path(study_or_workspace)), create=False)
    tidy_stale_coding_once(opened)
    return opened


_TIDIED: set[str] = set()
TIDIED_MARK = "stale_coding_tidied"  # in the workspace's change_counts: the tidy below was done
_TIDY_LOCK = threading.Lock()


def tidy_stale_coding(workspace: Workspace, *, batch_size: int | None = None) -> dict[str, int]:
    """Bring a workspace coded before coding replaced every coder's suggestions up to date, touching no
    analyst's decision: a batch marked done under several coders or versions keeps only its latest mark
    (what coding marks now), and a unit's suggestions nobody decided on are only its last coder's — the
    coder of its batch's latest mark where the batch is found (``batch_size``: the settings' ``[flow]
    batch_size``), else the coder of the unit's newest suggestion. Returns what it removed; on a
    workspace coded since (or tidied), it finds nothing."""
    from sqlalchemy import delete, func, select

    from hoi_nlp.review.decisions import decided_pairs
    from hoi_nlp.settings import FlowSettings
    from hoi_nlp.store import (
        ASSIGNMENTS_COUNTER,
        BatchLedger,
        assignments_table,
        count_change,
        ledger_table,
        load_segments,
    )

    removed = {"ledger_marks": 0, "suggestions": 0}
    latest: dict[str, str] = {}  # batch key -> the coder of its latest mark, where it had several
    with workspace.engine.begin() as conn:
        marks = conn.execute(select(ledger_table.c.stage, ledger_table.c.batch_key, ledger_table.c.done_at)
                             .where(ledger_table.c.stage.startswith("code:", autoescape=True))).all()
        by_batch: dict[str, list[Any]] = {}
        for mark in marks:
            by_batch.setdefault(mark.batch_key, []).append(mark)
        for batch_key, found in by_batch.items():
            if len(found) < 2:
                continue
            last = max(found, key=lambda m: (m.done_at, m.stage))
            latest[batch_key] = last.stage.split(":")[1]
            for mark in found:
                if mark is not last:
                    conn.execute(delete(ledger_table).where(ledger_table.c.stage == mark.stage,
                                                            ledger_table.c.batch_key == batch_key))
                    removed["ledger_marks"] += 1
        mixed = [row[0] for row in conn.execute(
            select(assignments_table.c.segment_id).group_by(assignments_table.c.segment_id)
            .having(func.count(func.distinct(assignments_table.c.coder)) > 1))]
    coder_of: dict[str, str] = {}  # unit -> its last coder, known from its batch's mark
    if latest:
        size = batch_size or FlowSettings().batch_size
        for batch in batches(load_segments(workspace, codable=True), size):
            coder = latest.get(BatchLedger.key(batch))
            if coder:
                coder_of.update((seg.segment_id, coder) for seg in batch)
    units = sorted(set(mixed) | set(coder_of))
    if not units:
        return removed
    decided = decided_pairs(workspace, units)
    with workspace.engine.begin() as conn:
        for start in range(0, len(units), 500):
            rows = conn.execute(select(assignments_table.c.id, assignments_table.c.segment_id,
                                       assignments_table.c.code_id, assignments_table.c.coder)
                                .where(assignments_table.c.segment_id.in_(units[start:start + 500]))).all()
            newest: dict[str, tuple[int, str]] = {}
            for row in rows:
                if row.id > newest.get(row.segment_id, (-1, ""))[0]:
                    newest[row.segment_id] = (row.id, row.coder)
            stale = [row.id for row in rows
                     if row.coder != coder_of.get(row.segment_id, newest[row.segment_id][1])
                     and (row.segment_id, row.code_id) not in decided]
            for first in range(0, len(stale), 500):
                conn.execute(delete(assignments_table)
                             .where(assignments_table.c.id.in_(stale[first:first + 500])))
            removed["suggestions"] += len(stale)
        if removed["suggestions"]:
            count_change(conn, ASSIGNMENTS_COUNTER)
    return removed


def tidy_stale_coding_once(workspace: Workspace, *, batch_size: int | None = None) -> None:
    """:func:`tidy_stale_coding` the first time a command opens ``workspace`` (logged when it removed
    anything), then marked done in the workspace (its ``change_counts``, not the batch ledger, which the
    tidy itself edits): later commands read the mark, one row, where the tidy scans every suggestion.
    Coding since replaces every coder's suggestions, so what the tidy removes can only come from an older
    hoi_nlp's coding, before the mark."""
    from hoi_nlp.store import change_count, count_change

    key = str(workspace.db_url or workspace.root)
    with _TIDY_LOCK:
        if key in _TIDIED:
            return
        _TIDIED.add(key)
        if change_count(workspace, TIDIED_MARK):
            return
        removed = tidy_stale_coding(workspace, batch_size=batch_size)
        with workspace.engine.begin() as conn:
            count_change(conn, TIDIED_MARK)
    if any(removed.values()):
        logger.warning("this workspace was coded by an older hoi_nlp: removed %d stale batch marks and %d "
                       "undecided suggestions of coders that no longer code its units (no analyst's decision "
                       "was touched)", removed["ledger_marks"], removed["suggestions"])


def active_model_dir(workspace: Workspace, settings: Settings) -> Path:
    """The coder the study uses now: its retrained one if it exists, else the configured model."""
    from hoi_nlp.settings import resolve_repo_path

    own = workspace.coder_model_dir
    return own if own.exists() else resolve_repo_path(settings.coding.model_dir)


def embedding_cache(workspace: Workspace) -> EmbeddingCache:
    """The workspace's embedding cache (``<workspace>/cache/embeddings``)."""
    from hoi_nlp.nlp.embed import EmbeddingCache

    return EmbeddingCache(workspace.cache_dir / "embeddings")


# ---------------------------------------------------------------- ingest and segment


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
                                "preamble_lines": report.preamble_lines,
                                "trailing_lines": report.trailing_lines,
                                "answers": sum(report.answers.values()),
                                "missing": sum(report.missing.values()),
                                **summary.saved.get(report.path, {})} for report in result.reports},
        "sources": len(result.sources),
        "totals": summary.totals(),
        "removed": {path: len(ids) for path, ids in summary.removed.items()},
        "errors": [error.message for error in result.errors],
        "warnings": list(result.warnings),
    }


def segment_stage(workspace: Workspace, settings: Settings) -> dict[str, Any]:
    """Segment every source that has no segments yet, and cut again each one cut with other rules,
    settings or speaker metadata (committed per chunk of sources). A source cut again as before keeps
    its units and codes; one cut differently gets the new units, coded again, and a warning."""
    from hoi_nlp.segment import segmentation_key
    from hoi_nlp.store import segmentation_keys, source_kinds_and_attributes, sources_without_segments

    new = sources_without_segments(workspace)
    keys = {source_id: segmentation_key(kind, attributes, settings.segment, settings.nlp.pipeline)
            for source_id, (kind, attributes) in source_kinds_and_attributes(workspace).items()}
    stored, unsegmented = segmentation_keys(workspace), set(new)
    stale = [source_id for source_id in sorted(keys)
             if source_id not in unsegmented and stored.get(source_id) != keys[source_id]]
    created = units = 0
    cut_again: list[Source] = []
    with progress.stage("segment", len(new) + len(stale), unit="sources") as bar:
        for start in range(0, len(new), 200):  # one transaction per 200 sources: resumable, not chatty
            made, codable = _segment_new(workspace, settings, new[start:start + 200], keys)
            created, units = created + made, units + codable
            bar.advance(len(new[start:start + 200]))
        for start in range(0, len(stale), 200):
            cut_again += _segment_again(workspace, settings, stale[start:start + 200], keys)
            bar.advance(len(stale[start:start + 200]))
    logger.info("segmented %d sources into %d coding units (%d segments of every kind); %d cut again "
                "differently", len(new), units, created, len(cut_again))
    warnings = _cut_again_warnings(cut_again) + _decisions_left_warnings(
        workspace, [*new, *(source.source_id for source in cut_again)])
    return {"sources_segmented": len(new), "segments_created": created, "coding_units_created": units,
            "sources_cut_again": len(cut_again), "warnings": warnings}


def _segment_new(workspace: Workspace, settings: Settings, source_ids: Sequence[str],
                 keys: dict[str, str]) -> tuple[int, int]:
    """Segment sources never segmented; (segments created, coding units among them)."""
    from hoi_nlp.segment import segment_source
    from hoi_nlp.store import load_sources, save_segments

    segments = [seg for source in load_sources(workspace, source_ids=source_ids)
                for seg in segment_source(source, settings=settings.segment, pipeline=settings.nlp.pipeline)]
    created = save_segments(workspace, segments, keys={sid: keys[sid] for sid in source_ids})
    return created, sum(seg.codable for seg in segments)


def _segment_again(workspace: Workspace, settings: Settings, source_ids: Sequence[str],
                   keys: dict[str, str]) -> list[Source]:
    """Cut sources again with the current key; those cut differently get the new segments. Returns them."""
    from hoi_nlp.segment import segment_source
    from hoi_nlp.store import load_segments, load_sources, replace_segments, save_segments

    stored: dict[str, list[Segment]] = {}
    for seg in load_segments(workspace, source_ids=source_ids):
        stored.setdefault(seg.source_id, []).append(seg)
    changed: list[Source] = []
    for source in load_sources(workspace, source_ids=source_ids):
        segments = segment_source(source, settings=settings.segment, pipeline=settings.nlp.pipeline)
        if _as_stored(segments) != _as_stored(stored.get(source.source_id, [])):
            replace_segments(workspace, source.source_id, segments, key=keys[source.source_id])
            changed.append(source)
    cut_alike = set(source_ids) - {source.source_id for source in changed}
    save_segments(workspace, [], keys={source_id: keys[source_id] for source_id in cut_alike})
    return changed


def _as_stored(segments: Sequence[Segment]) -> list[dict[str, Any]]:
    return sorted((seg.model_dump() for seg in segments), key=lambda row: row["segment_id"])


def _cut_again_warnings(sources: Sequence[Source]) -> list[str]:
    """One warning per file whose sources were cut into other coding units than before."""
    answers = Counter(source.path for source in sources if source.kind != "transcript")
    said = [f"{path}: {count} answer(s) cut into coding units again, as hoi's rules for cutting them or "
            "the [segment] settings changed" for path, count in sorted(answers.items())]
    said += [f"{path}: cut into turns and coding units again, as its speakers in metadata.csv, hoi's rules "
             "for reading turns or the [segment] settings changed"
             for path in sorted({source.path for source in sources if source.kind == "transcript"})]
    return [f"{line}; its new units are coded again (analysts' decisions still apply to a unit cut as "
            "before)" for line in said]


def _decisions_left_warnings(workspace: Workspace, segmented: Sequence[str]) -> list[str]:
    """One warning per file of the ``segmented`` sources (edited, or cut again) that no longer holds some
    units analysts made decisions on: those decisions stay in the decision log only."""
    from hoi_nlp.review.decisions import decisions_left_behind
    from hoi_nlp.store import load_sources

    gone = decisions_left_behind(workspace, segmented)
    per_file: Counter[str] = Counter()
    for source in load_sources(workspace, source_ids=sorted(gone)):
        per_file[source.path] += gone[source.source_id]
    return [f"{path}: {count} coding unit(s) that analysts made decisions on are cut otherwise now (the "
            "file was edited or cut into turns again): those decisions stay in the decision log only, no "
            "longer shown, counted or exported; review the file's new units in `hoi review`"
            for path, count in sorted(per_file.items())]


# ---------------------------------------------------------------- coding


def batches(items: Sequence[Segment], size: int) -> Iterator[list[Segment]]:
    """Consecutive batches of ``size`` items: how hoi_nlp cut coding batches before
    :func:`coding_batches` (the tidy of an older workspace finds its batch marks with it)."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def coding_batches(units: Sequence[Segment], size: int) -> Iterator[list[Segment]]:
    """Batches of whole sources' coding units (in the stored order), each of at most ``size`` units unless
    one source alone has more: the coding ledger marks a source coded with its batch, and a unit's
    context (its neighbours, its interviewer's question) comes from its own source."""
    batch: list[Segment] = []
    for start, end in _source_runs(units):
        if batch and len(batch) + end - start > size:
            yield batch
            batch = []
        batch.extend(units[start:end])
    if batch:
        yield batch


def _source_runs(units: Sequence[Segment]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each run of consecutive units of one source."""
    start = 0
    for position in range(1, len(units) + 1):
        if position == len(units) or units[position].source_id != units[start].source_id:
            yield start, position
            start = position


def study_coder(inputs: RunInputs, name: str | None = None, *, model_dir: str | Path | None = None) -> Coder:
    """The coder ``name`` (default: the settings' coder) for this study, caching embeddings in its workspace.

    Without ``model_dir`` a study that was retrained (``hoi retrain``) codes with its own model.
    """
    from hoi_nlp.coding.registry import make_coder
    directory = model_dir or active_model_dir(inputs.workspace, inputs.settings)
    name = name or inputs.settings.coding.coder
    if name not in RULE_CODERS:
        _check_study_codebook(inputs, Path(directory))
    return _cached_coder(name, inputs.codebook, inputs.settings,
                         str(directory),
                         str(inputs.workspace.cache_dir / "embeddings"), make_coder)


RULE_CODERS = ("rules", "hoi.rules.v1")


def describe_study_coder(inputs: RunInputs, name: str | None = None) -> dict[str, str]:
    """Which coder codes this study now (the one :func:`study_coder` loads), read from its manifest: its
    versioned name, model version, model folder and origin — ``"study"`` (the study's own, from ``hoi
    retrain``), ``"bundled"`` (the model shipped in ``models/coder``), ``"configured"`` (another folder
    named by ``[coding] model_dir``) or ``"patterns"`` (the rule coder, which has no trained model)."""
    return describe_coder(inputs.settings, name, active_model_dir(inputs.workspace, inputs.settings),
                          study_dir=inputs.workspace.coder_model_dir)


def describe_coder(settings: Settings, name: str | None = None, model_dir: str | Path | None = None, *,
                   study_dir: Path | None = None) -> dict[str, str]:
    """The coder ``name`` (default: the settings') with its trained model in ``model_dir`` (default: the
    settings' ``[coding] model_dir``), described as :func:`describe_study_coder` does (``study_dir``: the
    study's own coder folder, whose model is the study's)."""
    from hoi_nlp.coding.model_io import read_manifest
    from hoi_nlp.coding.registry import coders
    from hoi_nlp.settings import CodingSettings, resolve_repo_path

    name = name or settings.coding.coder
    versioned = coders.resolve(name)
    if name in RULE_CODERS:
        return {"coder": versioned, "model_version": "", "model_dir": "", "origin": "patterns"}
    directory = Path(model_dir or resolve_repo_path(settings.coding.model_dir)).resolve()
    if study_dir is not None and directory == study_dir.resolve():
        origin = "study"
    elif directory == resolve_repo_path(CodingSettings().model_dir).resolve():
        origin = "bundled"
    else:
        origin = "configured"
    return {"coder": versioned, "model_version": str(read_manifest(directory).get("model_version") or ""),
            "model_dir": str(directory), "origin": origin}


def _differing_trained_ids(workspace: Workspace, codebook: Codebook, model_dir: Path) -> list[str] | None:
    """The code ids of the trained coder in ``model_dir`` where the study's own codebook (changed in the
    study) lists others or the same in another order; None when the codebook was never changed here,
    the ids agree or no readable coder is there (loading or training it reports that)."""
    from hoi_nlp.coding.model_io import read_manifest, trained_code_ids
    from hoi_nlp.errors import HoiError
    from hoi_nlp.review.codebook_edit import codebook_history

    try:
        trained = trained_code_ids(read_manifest(model_dir))
    except (HoiError, OSError, ValueError):
        return None
    if not trained or trained == list(codebook.code_ids) or not codebook_history(workspace):
        return None
    return trained


def study_codes_differ(workspace: Workspace, codebook: Codebook,
                       model_dir: Path) -> tuple[list[str], list[str]]:
    """The codes the study's own codebook (changed in the study: a code created in the review app or
    promoted from a theme) has beyond the trained coder in ``model_dir``, and those it lacks; both empty
    when the codebook was never changed here, the codes agree or no readable coder is there."""
    from hoi_nlp.coding.model_io import code_id_changes

    trained = _differing_trained_ids(workspace, codebook, model_dir)
    return ([], []) if trained is None else code_id_changes(codebook, trained)


def study_code_order_differs(workspace: Workspace, codebook: Codebook, model_dir: Path) -> bool:
    """Whether the study's own codebook has the trained coder's codes in another order (a code moved to
    another family and back): the coder reads its codes by position, so it must be retrained (the quick
    way: nothing to refit)."""
    trained = _differing_trained_ids(workspace, codebook, model_dir)
    return trained is not None and set(trained) == set(codebook.code_ids)


def _check_study_codebook(inputs: RunInputs, model_dir: Path) -> None:
    """One clear error when the study's own codebook has codes the trained coder was not trained on."""
    from hoi_nlp.errors import ModelError
    from hoi_nlp.review.codebook_edit import versions_dir

    new, gone = study_codes_differ(inputs.workspace, inputs.codebook, model_dir)
    if not (new or gone):
        if study_code_order_differs(inputs.workspace, inputs.codebook, model_dir):
            raise ModelError(
                f"the study's codebook {inputs.codebook.version_tag} (in {versions_dir(inputs.workspace)}) "
                f"lists the trained coder's codes in another order (a code moved to another family and "
                f"back): the coder in {model_dir} reads them by position",
                hint="run `hoi retrain STUDY` (quick: the coder's training is carried over as it is), "
                     "or code with the patterns only (`--coder rules`)")
        return
    raise ModelError(
        f"the study's codebook {inputs.codebook.version_tag} (in {versions_dir(inputs.workspace)}) "
        f"has other codes than the trained coder in {model_dir} (new: {new[:5]}, gone: {gone[:5]})",
        hint="run `hoi retrain STUDY` to train the study's coder with them, "
             "or code with the patterns only (`--coder rules`)",
    )


def check_study_coder(workspace_dir: str | Path, codebook_path: str | Path | None, coder_name: str | None,
                      settings_path: str | Path | None) -> None:
    """Before a run reads anything: the one clear error :func:`study_coder` would give after ingest and
    segmentation (the study's codebook has codes its trained coder lacks), so that a refused run leaves
    the study as it was — not with new files ingested and cut into coding units that no coder coded,
    counted in every table until the next run."""
    inputs = run_inputs(workspace_dir, codebook_path, settings_path)
    if (coder_name or inputs.settings.coding.coder) not in RULE_CODERS:
        _check_study_codebook(inputs, Path(active_model_dir(inputs.workspace, inputs.settings)))


# Coders are loaded once per process and configuration (``_LOADED``) and shared by every study
# workspace; each workspace gets its own view with that workspace's embedding cache (``_VIEWS``,
# the most recent few kept). A Dask worker loads them once (flows/dask_workers.py) and keeps
# them for every later batch and flow run; the lock makes a task that starts while the worker is
# still loading wait for that load instead of starting a second one.
_LOADED: dict[tuple[str, ...], Coder] = {}
_VIEWS: OrderedDict[tuple[tuple[str, ...], str], Coder] = OrderedDict()
_MAX_VIEWS = 4
_LOCK = threading.RLock()


def _coder_key(name: str, codebook: Codebook, settings: Settings, model_dir: str) -> tuple[str, ...]:
    return (name, codebook.version_tag, settings.model_dump_json(), str(model_dir))


def _loaded_coder(name: str, codebook: Codebook, settings: Settings, model_dir: str, make: Any,
                  cache: EmbeddingCache | None = None) -> Coder:
    """The coder as loaded (once per process and configuration)."""
    key = _coder_key(name, codebook, settings, model_dir)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = make(name, codebook, settings, model_dir=model_dir, cache=cache)
            logger.info("loaded coder %s from %s", name, model_dir)
        return _LOADED[key]


def _with_cache(coder: Coder, cache: EmbeddingCache | None) -> Coder:
    """``coder`` caching embeddings in ``cache``: a shallow copy sharing the loaded models. A coder
    without a ``cache`` attribute keeps no per-study state (the rule coder) and is shared as is."""
    if not hasattr(coder, "cache"):
        return coder
    view = copy.copy(coder)
    view.cache = cache  # type: ignore[attr-defined]
    return view


def _cached_coder(name: str, codebook: Codebook, settings: Settings, model_dir: str, cache_dir: str,
                  make: Any) -> Coder:
    """One coder per (name, codebook, settings, model) per process, viewed through this cache."""
    from hoi_nlp.nlp.embed import EmbeddingCache

    key = (_coder_key(name, codebook, settings, model_dir), cache_dir)
    with _LOCK:
        if key in _VIEWS:
            _VIEWS.move_to_end(key)
            return _VIEWS[key]
        cache = EmbeddingCache(cache_dir)
        fresh = _coder_key(name, codebook, settings, model_dir) not in _LOADED
        loaded = _loaded_coder(name, codebook, settings, model_dir, make, cache=cache)
        _VIEWS[key] = loaded if fresh else _with_cache(loaded, cache)
        while len(_VIEWS) > _MAX_VIEWS:
            _VIEWS.popitem(last=False)
        return _VIEWS[key]


def loaded_coders() -> int:
    """How many coders this process has loaded (each configuration once)."""
    return len(_LOADED)


def load_models(codebook_path: str | Path | None = None, coder_name: str | None = None,
                settings_path: str | Path | None = None) -> dict[str, Any]:
    """Load what coding needs (spaCy pipeline, coder, embedding model) into this process's caches,
    and code one throw-away text so every lazily loaded part is ready; no study is needed.

    A Dask worker runs this once when it starts (flows/dask_workers.py); later batches, from any
    study and flow run, reuse what it loaded. Returns what was loaded and how long it took.
    """
    import time

    from hoi_nlp.coding.base import text_segments
    from hoi_nlp.coding.registry import make_coder
    from hoi_nlp.nlp.pipeline import load_pipeline
    from hoi_nlp.settings import resolve_repo_path

    started = time.perf_counter()
    settings = load_run_settings(settings_path)
    codebook = load_run_codebook(codebook_path)
    name = coder_name or settings.coding.coder
    load_pipeline(settings.nlp.pipeline)
    model_dir = str(resolve_repo_path(settings.coding.model_dir))
    coder = _loaded_coder(name, codebook, settings, model_dir, make_coder)
    warm_up = text_segments([("warm-up", "Vi mangler ledelsesopbakning fra direktionen.")])
    _with_cache(coder, None).code(warm_up)  # pages in the embedding model and the lemma table
    return {"coder": name, "coders_loaded": loaded_coders(),
            "seconds": round(time.perf_counter() - started, 2)}


def coding_ledger(workspace: Workspace, codebook: Codebook, coder: Coder) -> CodingLedger:
    """The coding ledger of ``coder`` under this codebook and model version (the sources it marks coded
    are no longer coded under any other coder or version: their suggestions were replaced)."""
    from hoi_nlp.store import CodingLedger

    version = getattr(coder, "version", "")
    stage = f"code:{coder.name}:{version}:{codebook.version_tag}"
    return CodingLedger(workspace, stage=stage, family="code:")


def pending_batches(workspace: Workspace, ledger: CodingLedger, *, batch_size: int) -> list[list[Segment]]:
    """Batches of the coding units of the sources this ledger does not have coded as they are now."""
    from hoi_nlp.store import load_segments

    units = ledger.pending(load_segments(workspace, codable=True), adopt_batch_size=batch_size)
    return list(coding_batches(units, batch_size))


def plan_coding(inputs: RunInputs, coder_name: str | None = None) -> list[list[str]]:
    """Segment ids of the batches still to code (what the flow hands out to its task runner)."""
    coder = study_coder(inputs, coder_name)
    ledger = coding_ledger(inputs.workspace, inputs.codebook, coder)
    return [[seg.segment_id for seg in batch]
            for batch in pending_batches(inputs.workspace, ledger,
                                         batch_size=inputs.settings.flow.batch_size)]


def coding_contexts(workspace: Workspace, segments: Sequence[Segment]) -> list[CodingContext | None]:
    """Each coding unit's context from the workspace: the question it answers and its neighbouring units.

    A transcript unit's question is the nearest interviewer turn before its turn (``turn_index``) that
    asks something (a question mark or four words or more: backchannels such as "Mm." are skipped), a
    survey answer's the question text of its column (``source.attributes["question"]``); its
    neighbours are the coding units just before and after it in the same source (the previous and
    next respondent turn, or the passages beside it in a long turn or answer).
    """
    from hoi_nlp.store import load_segments, load_sources

    source_ids = sorted({seg.source_id for seg in segments})
    sources = {src.source_id: src for start in range(0, len(source_ids), 500)
               for src in load_sources(workspace, source_ids=source_ids[start:start + 500])}
    transcripts = [sid for sid in source_ids if sid in sources and sources[sid].kind == "transcript"]
    turns: dict[str, list[Segment]] = {}
    for start in range(0, len(transcripts), 200):
        for turn in load_segments(workspace, kinds=["turn"], source_ids=transcripts[start:start + 200]):
            turns.setdefault(turn.source_id, []).append(turn)
    units: dict[str, list[Segment]] = {}
    for start in range(0, len(source_ids), 500):
        for unit in load_segments(workspace, codable=True, source_ids=source_ids[start:start + 500]):
            units.setdefault(unit.source_id, []).append(unit)
    contexts: list[CodingContext | None] = []
    for seg in segments:
        source = sources.get(seg.source_id)
        question = ""
        if source is not None and source.kind == "transcript":
            if seg.turn_index is not None and seg.speaker_role != "interviewer":
                earlier = [t for t in turns.get(seg.source_id, [])
                           if t.speaker_role == "interviewer" and t.turn_index is not None
                           and t.turn_index < seg.turn_index and _is_question(t.text)]
                if earlier:
                    question = max(earlier, key=lambda t: t.turn_index or 0).text
        elif source is not None:
            question = source.attributes.get("question", "")
        ordered = units.get(seg.source_id, [])
        position = next((k for k, unit in enumerate(ordered) if unit.segment_id == seg.segment_id), None)
        neighbours: tuple[str, ...] = ()
        if position is not None:
            neighbours = tuple(ordered[k].text for k in (position - 1, position + 1) if 0 <= k < len(ordered))
        context = CodingContext(question=question, neighbours=neighbours)
        contexts.append(context if context else None)
    return contexts


def _is_question(text: str) -> bool:
    return "?" in text or len(text.split()) >= 4


def code_batch(workspace: Workspace, coder: Coder, segments: Sequence[Segment], *, codebook: Codebook,
               ledger: CodingLedger, run_id: str | None = None) -> int:
    """Code one batch (with each unit's context when the coder takes it), replace its stored
    assignments — every coder's: after `--coder rules` and then a trained coder, the units hold the
    trained coder's suggestions only — in one transaction, then mark it done. A suggestion analysts
    already decided keeps the coder, version and confidence it was decided on; codes the codebook
    marks deprecated are not suggested."""
    from hoi_nlp.coding.base import for_new_coding
    from hoi_nlp.review.decisions import decided_pair_sets
    from hoi_nlp.store import replace_assignments

    contexts = coding_contexts(workspace, segments) if getattr(coder, "accepts_context", False) else None
    assignments = for_new_coding(code_segments(coder, segments, contexts), codebook)
    ids = [s.segment_id for s in segments]
    keep, restore = decided_pair_sets(workspace, ids)
    replace_assignments(workspace, assignments, segment_ids=ids, run_id=run_id, keep=keep, restore=restore)
    # the batch is no longer coded under another coder or version: going back to one re-codes it
    ledger.mark_done(segments)
    logger.info("coded batch of %d segments (%d assignments)", len(segments), len(assignments))
    return len(assignments)


def code_batch_ids(inputs: RunInputs, segment_ids: Sequence[str], *, coder_name: str | None = None,
                   run_id: str | None = None) -> int:
    """Code the batch with these segment ids (a flow task's unit of work)."""
    from hoi_nlp.store import load_segments

    coder = study_coder(inputs, coder_name)
    batch = load_segments(inputs.workspace, codable=True, segment_ids=list(segment_ids))
    ledger = coding_ledger(inputs.workspace, inputs.codebook, coder)
    return code_batch(inputs.workspace, coder, batch, codebook=inputs.codebook, ledger=ledger, run_id=run_id)


def code_stage(workspace: Workspace, codebook: Codebook, settings: Settings, *, coder: Coder,
               run_id: str | None = None) -> dict[str, int]:
    """Code all pending batches of codable segments in this process."""
    from hoi_nlp.store import load_segments

    ledger = coding_ledger(workspace, codebook, coder)
    total = len(load_segments(workspace, codable=True))
    pending = pending_batches(workspace, ledger, batch_size=settings.flow.batch_size)
    coded = sum(len(batch) for batch in pending)
    with progress.stage("code", coded, unit="coding units") as bar:
        for batch in pending:
            code_batch(workspace, coder, batch, codebook=codebook, ledger=ledger, run_id=run_id)
            bar.advance(len(batch))
    return {"segments_coded": coded, "segments_skipped": total - coded, "segments_total": total}


def study_counts(workspace: Workspace) -> dict[str, int]:
    """What the study database holds, named as the exports name it.

    ``coding_units`` are the segments that are coded and reviewed (answers and interview passages);
    ``segments`` counts every kind (also the turns and sentences the units are cut from).
    ``suggested`` codes are what the exports count; ``possible`` ones are below-threshold candidates
    the review app offers.
    """
    from sqlalchemy import func, select

    from hoi_nlp.store import assignments_table, segments_table, sources_table

    with workspace.engine.connect() as conn:
        sources = conn.execute(select(func.count()).select_from(sources_table)).scalar_one()
        kinds = dict(conn.execute(select(segments_table.c.codable, func.count())
                                  .group_by(segments_table.c.codable)).all())
        tiers = dict(conn.execute(select(assignments_table.c.tier, func.count())
                                  .group_by(assignments_table.c.tier)).all())
        coded_units = conn.execute(select(func.count(func.distinct(assignments_table.c.segment_id)))
                                   .where(assignments_table.c.tier == "suggested")).scalar_one()
    return {"sources": int(sources), "coding_units": int(kinds.get(True, 0)),
            "segments": int(sum(kinds.values())), "suggested": int(tiers.get("suggested", 0)),
            "possible": int(tiers.get("possible", 0)), "units_with_codes": int(coded_units)}


# ---------------------------------------------------------------- export and citations


def export_stage(inputs: RunInputs, *, out_dir: Path | None = None, formats: Sequence[str] | None = None,
                 raw: bool = False, csv_dialect: str = "excel", quotes_per_code: int = 3) -> list[Path]:
    """Export the coded dataset, quotes and reports (pseudonymised and leak-checked unless ``raw``).

    An export whose inputs (data, codebook, settings, privacy pipeline, options) are unchanged since
    the last one into the same place is skipped.
    """
    from hoi_nlp.export.api import default_formats, export_folder, export_study
    from hoi_nlp.export.freshness import data_key, export_key, fresh_files, record_export, study_id

    workspace = inputs.workspace
    chosen = list(formats or default_formats(out_dir))
    folder, file_name = export_folder(workspace, out_dir)
    options = {"formats": chosen, "raw": raw, "out": str(folder / (file_name or "")),
               "csv_dialect": csv_dialect, "quotes_per_code": quotes_per_code}
    data = data_key(workspace, inputs.codebook)
    key = export_key(workspace, inputs.codebook, settings=inputs.settings, options=options, data=data)
    files = fresh_files(folder, key)
    if files is not None:
        logger.info("export inputs unchanged: keeping %d files in %s", len(files), folder)
        return files
    files = export_study(workspace, inputs.codebook, settings=inputs.settings, formats=chosen,
                         output=out_dir, raw=raw, csv_dialect=csv_dialect, quotes_per_code=quotes_per_code)
    shape = {"raw": raw, "csv_dialect": csv_dialect, "quotes_per_code": quotes_per_code,
             "file_name": file_name}
    record_export(folder, key, files, data=data, study=study_id(workspace), shape=shape,
                  format_of=files.format_of)
    return files


def cite_stage(inputs: RunInputs, code_id: str, *, n: int = 5, group: str | None = None,
               stance: str | None = None, with_attributes: Sequence[str] = ()) -> Any:
    """The ``n`` best pseudonymised quotes for ``code_id`` with their source references (registered so
    their ids resolve) and the line saying what they rest on (:class:`hoi_nlp.export.api.Citations`); a
    barrier's as a hindrance unless ``stance`` says otherwise."""
    from hoi_nlp.export.api import cite

    return cite(inputs.workspace, inputs.codebook, code_id, settings=inputs.settings, n=n, group=group,
                stance=stance, with_attributes=with_attributes)


def search_stage(inputs: RunInputs, query: str, *, n: int = 10) -> list[tuple[float, Quote, str]]:
    """Semantic search over the coded segments; hits as pseudonymised quotes with their sources."""
    from hoi_nlp.export.api import search

    return search(inputs.workspace, inputs.codebook, query, settings=inputs.settings, n=n)


def quote_stage(workspace: Workspace, quote_id: str, *, settings: Settings,
                codebook_path: str | Path | None = None, original: bool = False) -> Any:
    """Where a quote comes from and what it says, pseudonymised (the original too with ``original``).

    Reads only the quote's registry entry, its source row and the review decisions on its unit: no
    study, coder, codebook or language pipeline is loaded unless the quote must be pseudonymised again.
    """
    from hoi_nlp.export.lang import texts_for
    from hoi_nlp.export.lookup import locate_quote

    def redactor() -> Any:
        from hoi_nlp.privacy.redact import StudyRedactor

        return StudyRedactor(workspace, settings)

    def codebook() -> Codebook:
        given = load_run_codebook(study_codebook_file(workspace.root, codebook_path))
        return study_codebook(workspace, given)

    return locate_quote(workspace, codebook, quote_id, redact=redactor,
                        texts=texts_for(settings.report.language), original=original)


def preload_models(workspace_dir: str | Path, codebook_path: str | Path | None, coder_name: str | None,
                   settings_path: str | Path | None) -> None:
    """Load what a run needs (spaCy pipeline, coder, privacy NER) into this process's caches."""
    from hoi_nlp.nlp.pipeline import load_pipeline
    from hoi_nlp.privacy.pseudonymize import privacy_pipeline_args
    from hoi_nlp.privacy.recognise import load_ner_pipeline

    inputs = run_inputs(workspace_dir, codebook_path, settings_path)
    load_pipeline(inputs.settings.nlp.pipeline)
    study_coder(inputs, coder_name)
    load_ner_pipeline(*privacy_pipeline_args(inputs.settings))


def code_texts(items: Sequence[tuple[str, str]], codebook: Codebook | str | Path | None,
               settings: Settings, *, coder_name: str | None = None, model_dir: str | Path | None = None,
               min_confidence: float | None = None, batch_size: int = 512,
               contexts: dict[str, str] | None = None) -> list[Any]:
    """Code ``(id, text)`` pairs outside any study (the ``hoi code --input`` JSONL contract).

    ``codebook`` is a codebook or its file (``None``: the bundled one), then loaded here.
    ``contexts`` maps ids to the question a text answers (the input's optional ``"context"``).
    The embedding model works through the texts in the background from the start
    (:func:`~hoi_nlp.nlp.embed.embed_ahead`): on the other core while the codebook and the coder
    load and while each batch's lemmas, rules and classifier run here, on both while this waits
    for vectors.
    """
    from hoi_nlp.coding.base import for_new_coding, text_segments
    from hoi_nlp.coding.registry import make_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, embed_ahead

    name = coder_name or settings.coding.coder
    cache = EmbeddingCache()
    ahead = [] if name in _NO_EMBEDDINGS else [text for _, text in items]
    assignments: list[Any] = []
    with embed_ahead(ahead, settings.embeddings, cache):
        if not isinstance(codebook, Codebook):
            codebook = load_run_codebook(codebook)
        coder = make_coder(name, codebook, settings, model_dir=model_dir, min_confidence=min_confidence,
                           cache=cache)
        for start in range(0, len(items), batch_size):
            chunk = list(items[start:start + batch_size])
            chunk_contexts = None
            if contexts:
                chunk_contexts = [CodingContext(question=contexts[key]) if contexts.get(key) else None
                                  for key, _ in chunk]
            assignments += for_new_coding(code_segments(coder, text_segments(chunk), chunk_contexts),
                                          codebook)
    return assignments


_NO_EMBEDDINGS = frozenset({"rules", "hoi.rules.v1"})

"""Ingest a whole study folder: one sub-folder per kind of material (see :mod:`hoi_nlp.ingest.materials`).

``ingest_study`` is pure (reads files, returns records); ``ingest_into_workspace`` stores the
sources. One bad file never stops the others: its error is collected and reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hoi_nlp import progress
from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.materials import Material, material_folders, materials
from hoi_nlp.ingest.numbers import CLOSED_NUMBERS
from hoi_nlp.ingest.result import FileError, FileReport, IngestResult, record_error, relative, study_files
from hoi_nlp.records import utcnow

if TYPE_CHECKING:
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

_WHAT_GOES_WHERE = "put survey exports + schema.yaml in survey/ and interviews in transcripts/"

__all__ = [
    "FileError", "FileReport", "IngestResult", "IngestSummary", "gone_sources", "ingest_into_workspace",
    "ingest_study",
]


def ingest_study(study_dir: Path) -> IngestResult:
    """Read every material folder of ``study_dir`` (``survey/``, ``transcripts/``) into sources
    (no writes)."""
    study_dir = Path(study_dir).resolve()
    if not study_dir.is_dir():
        raise IngestError(
            "the study folder does not exist",
            path=str(study_dir),
            hint="give the folder that holds " + " and/or ".join(f"{f}/" for f in material_folders()),
        )
    present = [(name, materials.get(name)) for name in materials.names()
               if (study_dir / materials.get(name).folder).is_dir()]
    if not present:
        raise IngestError(
            "the study folder has neither a "
            + " nor a ".join(f"{f}/" for f in material_folders())
            + " folder",
            path=str(study_dir),
            hint=_WHAT_GOES_WHERE,
        )
    result = IngestResult(study=study_dir.name)
    files = sum(len(study_files(study_dir / m.folder, m.suffixes, companions=m.companions))
                for _, m in present)
    with progress.stage("ingest", files, unit="files") as bar:
        for _, material in present:
            material.read(result, study_dir / material.folder, study_dir, bar)
            _flag_unread_files(result, material, study_dir)
    _flag_other_languages(result)
    if files == 0 and not result.errors:
        folders = [f"{material.folder}/" for _, material in present]
        raise IngestError(" and ".join(folders) + (" hold" if len(folders) > 1 else " holds")
                          + " no file to read", path=str(study_dir), hint=_WHAT_GOES_WHERE)
    return result


def _flag_unread_files(result: IngestResult, material: Material, study_dir: Path) -> None:
    """Name every entry of a material's folder that is not read: a format given by mistake (a .xls
    export, a .pdf or .doc transcript) is an error saying how to convert it; other files and
    sub-folders are listed in one warning — none of a study's files is left out without a word."""
    folder = study_dir / material.folder
    read = set(study_files(folder, material.suffixes, companions=material.companions))
    accepted = "/".join(suffix.lstrip(".") for suffix in material.suffixes)
    others: list[str] = []
    for path in sorted(folder.iterdir()):
        if path in read or path.name.startswith(("~$", ".")) or _read_companion(material, path):
            continue
        hint = None if path.is_dir() else material.conversion(path.name)
        if hint is None:
            others.append(path.name + ("/" if path.is_dir() else ""))
            continue
        display = relative(path, study_dir)
        then = ("; then run again" if material.misnamed_companion(path.name)
                else f"; then move {path.name} out of {material.folder}/ and run again")
        record_error(result, display, IngestError(
            f"the file is not read: {material.folder}/ reads {accepted} files"
            + (f" and {' or '.join(material.companions)}" if material.companions else ""),
            path=display, hint=hint + then))
    if others:
        result.warnings.append(
            f"{material.folder}/: {len(others)} other file(s) or folder(s) not read ({', '.join(others)}); "
            f"only the {accepted} files directly in {material.folder}/ are")


def _read_companion(material: Material, path: Path) -> bool:
    """A companion file the reader finds under its own name (on a case-insensitive file system also
    when written «Metadata.csv»; on Linux that one is not read and is named as misnamed)."""
    return any(name.casefold() == path.name.casefold() and (path.parent / name).is_file()
               for name in material.companions)


_LANGUAGE_NAMES = {"en": "English", "de": "German"}


def _flag_other_languages(result: IngestResult) -> None:
    """Warn about answers/transcripts that are not Danish: they are ingested, but coded unreliably."""
    from hoi_nlp.ingest.language import guess_language

    for source in result.sources:
        language = guess_language(source.text)
        if language in _LANGUAGE_NAMES:
            where = f" ({source.locator})" if source.locator else ""
            result.warnings.append(
                f"{source.path}{where}: the text looks {_LANGUAGE_NAMES[language]}, not Danish; it is "
                "ingested, but the coders are trained on Danish — check its codes in the review app")


@dataclass
class IngestSummary:
    """The ingest result plus what storing it changed, per file: new/changed/unchanged counts."""

    result: IngestResult
    saved: dict[str, dict[str, int]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)  # file -> ids of sources no longer in it
    moved: dict[str, str] = field(default_factory=dict)  # old source id -> its id now (the same text)

    def totals(self) -> dict[str, int]:
        """Summed new/changed/unchanged counts."""
        totals = {"new": 0, "changed": 0, "unchanged": 0}
        for counts in self.saved.values():
            for key, value in counts.items():
                totals[key] += value
        return totals


def ingest_into_workspace(study_dir: Path, workspace: Workspace) -> IngestSummary:
    """Ingest ``study_dir`` and save its sources into ``workspace``, file by file."""
    from hoi_nlp.store import (
        last_run_params,
        link_moved_sources,
        record_run,
        save_sources,
        source_files,
        stored_study_names,
    )

    result = ingest_study(study_dir)
    summary = IngestSummary(result=result)
    by_id = {source.source_id: source for source in result.sources}
    # The study's earlier names too: a study folder renamed and run on its workspace (`--workspace`)
    # keeps its stored sources under the old name; without it a source gone since (an id changed, a
    # row deleted) stayed beside its new form, counted twice, its decisions left behind.
    studies = {result.study} | stored_study_names(workspace, list(by_id))
    known = source_files(workspace, study=sorted(studies))
    for report in result.reports:
        summary.saved[report.path] = save_sources(workspace, [by_id[sid] for sid in report.source_ids])
    summary.removed = remove_gone_sources(result, Path(study_dir).resolve(), workspace, studies=studies)
    summary.moved = link_moved_sources(workspace, [sid for sid in by_id if sid not in known])
    _warn_about_changes(result, summary)
    previous = last_run_params(workspace, "ingest").get(CLOSED_NUMBERS) or {}
    closed_numbers = closed_numbers_kept(result, previous,
                                         set(source_files(workspace, study=sorted(studies)).values()))
    record_run(
        workspace,
        run_id=f"ingest-{utcnow():%Y%m%dT%H%M%S%f}",
        stage="ingest",
        params={"study_dir": str(Path(study_dir).resolve()), CLOSED_NUMBERS: closed_numbers},
        summary={"sources": len(result.sources), "errors": len(result.errors), **summary.totals(),
                 "removed": sum(len(ids) for ids in summary.removed.values())},
    )
    return summary


def closed_numbers_kept(result: IngestResult, previous: dict[str, dict[str, bool | None]],
                        stored_files: set[str]) -> dict[str, dict[str, bool | None]]:
    """The closed items each survey file gives as numbers: this run's for the files it read, the last
    ingest's for the files it could not read (a damaged row, no schema.yaml) whose sources stay stored —
    without them export took the item for text for every respondent."""
    read = {report.path for report in result.reports}
    kept = {path: items for path, items in previous.items() if path not in read and path in stored_files}
    return {**kept, **result.closed_numbers}


def gone_sources(result: IngestResult, study_dir: Path, stored: dict[str, str]) -> dict[str, list[str]]:
    """Stored sources (``{id: file}``) the study folder no longer gives, by file: their file was read
    and no longer yields them (a row deleted, an id or question id changed) or is no longer there (a
    file deleted or renamed). A file that exists but could not be read keeps its sources."""
    produced = {source.source_id for source in result.sources}
    read = {report.path for report in result.reports}
    gone: dict[str, list[str]] = {}
    for source_id, path in sorted(stored.items()):
        if source_id not in produced and (path in read or not (study_dir / path).exists()):
            gone.setdefault(path, []).append(source_id)
    return gone


def remove_gone_sources(result: IngestResult, study_dir: Path, workspace: Workspace, *,
                        studies: set[str] | None = None) -> dict[str, list[str]]:
    """Remove the sources :func:`gone_sources` finds (with their segments and machine codes) and warn
    about each file: the study then holds what its folder holds, so a withdrawn respondent or a
    renamed transcript is not counted twice or kept in exports."""
    from hoi_nlp.store import remove_sources, source_files

    gone = gone_sources(result, study_dir, source_files(workspace, study=sorted(studies or {result.study})))
    if gone:
        remove_sources(workspace, [source_id for ids in gone.values() for source_id in ids])
    return gone


def _warn_about_changes(result: IngestResult, summary: IngestSummary) -> None:
    """One warning per file whose sources were removed, and one per source found again under a new id."""
    read = {report.path for report in result.reports}
    for path, ids in summary.removed.items():
        left = [sid for sid in ids if sid not in summary.moved]
        if not left:
            continue
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        why = "no longer gives" if path in read else "is no longer in the study folder and no longer gives"
        result.warnings.append(
            f"{path} {why} {len(left)} source(s) ingested before ({shown}): removed from the study "
            "with their coding units and machine codes; analysts' decisions on them stay in the "
            "decision log and apply again if the same text returns")
        logger.info("removed %d source(s) of %s from the study", len(left), path)
    for old, new in summary.moved.items():
        result.warnings.append(f"{old} is now {new} ({_file_of(result, new)}: the same text under a new "
                               "file name or id): analysts' decisions on it follow it")


def _file_of(result: IngestResult, source_id: str) -> str:
    """The file a source of this ingest came from."""
    return next((s.path for s in result.sources if s.source_id == source_id), "")

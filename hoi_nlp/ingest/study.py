"""Ingest a whole study folder: ``survey/`` exports and ``transcripts/`` interviews.

``ingest_study`` is pure (reads files, returns records); ``ingest_into_workspace`` stores the
sources. One bad file never stops the others: its error is collected and reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from hoi_nlp import progress
from hoi_nlp.errors import HoiError, IngestError
from hoi_nlp.ingest.metadata import TranscriptMeta, find_metadata, load_metadata
from hoi_nlp.ingest.schema import load_schema
from hoi_nlp.ingest.survey import read_survey
from hoi_nlp.ingest.tables import TABLE_SUFFIXES
from hoi_nlp.ingest.transcript import TRANSCRIPT_SUFFIXES, Turn, read_transcript
from hoi_nlp.records import Source, utcnow

if TYPE_CHECKING:
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

SCHEMA_NAMES = ("schema.yaml", "schema.yml")


@dataclass
class FileReport:
    """What one file gave."""

    path: str
    kind: Literal["survey", "transcript"]
    source_ids: list[str] = field(default_factory=list)
    rows: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    turns: int = 0


@dataclass(frozen=True)
class FileError:
    """A file that could not be ingested, with the clear message of its error."""

    path: str
    message: str


@dataclass
class IngestResult:
    """Sources, transcript turns by source id, per-file reports, errors and warnings of one study."""

    study: str
    sources: list[Source] = field(default_factory=list)
    turns: dict[str, list[Turn]] = field(default_factory=dict)
    reports: list[FileReport] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if every file was ingested."""
        return not self.errors

    def add(self, report: FileReport, sources: list[Source]) -> None:
        """Add one file's sources, refusing ids another file already produced."""
        known = {source.source_id: source.path for source in self.sources}
        clash = next((source for source in sources if source.source_id in known), None)
        if clash is not None:
            raise IngestError(
                f"source id '{clash.source_id}' was already produced by {known[clash.source_id]}",
                path=report.path,
                hint="give each respondent/interview a unique id across files",
            )
        self.sources.extend(sources)
        report.source_ids = [source.source_id for source in sources]
        self.reports.append(report)


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith(("~$", "."))
    )


def _relative(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix()


def ingest_study(study_dir: Path) -> IngestResult:
    """Read ``survey/`` and ``transcripts/`` of ``study_dir`` into sources (no database writes)."""
    study_dir = Path(study_dir).resolve()
    if not study_dir.is_dir():
        raise IngestError(
            "the study folder does not exist",
            path=str(study_dir),
            hint="give the folder that holds survey/ and/or transcripts/",
        )
    survey_dir, transcripts_dir = study_dir / "survey", study_dir / "transcripts"
    if not survey_dir.is_dir() and not transcripts_dir.is_dir():
        raise IngestError(
            "the study folder has neither a survey/ nor a transcripts/ folder",
            path=str(study_dir),
            hint="put survey exports + schema.yaml in survey/ and interviews in transcripts/",
        )
    result = IngestResult(study=study_dir.name)
    files = (len(_files(survey_dir, TABLE_SUFFIXES)) if survey_dir.is_dir() else 0) + \
        (len(_files(transcripts_dir, TRANSCRIPT_SUFFIXES)) if transcripts_dir.is_dir() else 0)
    with progress.stage("ingest", files, unit="files") as bar:
        if survey_dir.is_dir():
            _ingest_surveys(result, survey_dir, study_dir, bar)
        if transcripts_dir.is_dir():
            _ingest_transcripts(result, transcripts_dir, study_dir, bar)
    _flag_other_languages(result)
    return result


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


def _record_error(result: IngestResult, path: str, exc: HoiError) -> None:
    logger.info("%s", exc)
    result.errors.append(FileError(path=path, message=str(exc)))


# ---------------------------------------------------------------- survey


def _ingest_surveys(result: IngestResult, folder: Path, study_dir: Path,
                    bar: progress.Stage | None = None) -> None:
    exports = _files(folder, TABLE_SUFFIXES)
    if not exports:
        result.warnings.append(f"{_relative(folder, study_dir)}: no .xlsx or .csv exports found")
        return
    schema_file = next((folder / name for name in SCHEMA_NAMES if (folder / name).is_file()), None)
    if schema_file is None:
        error = IngestError(
            "no schema.yaml next to the survey exports",
            path=_relative(folder, study_dir),
            hint=f"draft one with `hoi survey-schema {_relative(exports[0], study_dir)} "
            f"--output {_relative(folder, study_dir)}/schema.yaml` and check it",
        )
        _record_error(result, _relative(folder, study_dir), error)
        return
    schema_display = _relative(schema_file, study_dir)
    try:
        schema = load_schema(schema_file)
    except HoiError as exc:
        _record_error(result, schema_display, exc)
        return
    for export in exports:
        display = _relative(export, study_dir)
        try:
            sources, survey_report = read_survey(
                export, schema, study=result.study, base_dir=study_dir, schema_path=schema_display
            )
            report = FileReport(
                path=display,
                kind="survey",
                rows=survey_report.rows,
                answers=survey_report.answers,
                missing=survey_report.missing,
            )
            result.add(report, sources)
        except HoiError as exc:
            _record_error(result, display, exc)
        if bar is not None:
            bar.advance()


# ---------------------------------------------------------------- transcripts


def _transcript_metadata(
    result: IngestResult, folder: Path, study_dir: Path, files: list[Path]
) -> dict[str, TranscriptMeta] | None:
    sidecar = find_metadata(folder)
    if sidecar is None:
        if files:
            result.warnings.append(
                f"{_relative(folder, study_dir)}: no metadata.csv; transcripts get no attributes"
            )
        return {}
    try:
        metadata = load_metadata(sidecar, display=_relative(sidecar, study_dir))
    except HoiError as exc:
        _record_error(result, _relative(sidecar, study_dir), exc)
        return None
    names = {path.name for path in files}
    for name in sorted(set(metadata) - names):
        result.warnings.append(f"{_relative(sidecar, study_dir)}: file '{name}' is listed but does not exist")
    return metadata


def _ingest_transcripts(result: IngestResult, folder: Path, study_dir: Path,
                        bar: progress.Stage | None = None) -> None:
    files = _files(folder, TRANSCRIPT_SUFFIXES)
    metadata = _transcript_metadata(result, folder, study_dir, files)
    if metadata is None:
        return
    if not files:
        result.warnings.append(f"{_relative(folder, study_dir)}: no .docx or .txt transcripts found")
    for path in files:
        display = _relative(path, study_dir)
        meta = metadata.get(path.name)
        if meta is None and metadata:
            result.warnings.append(f"{display}: no row in the metadata sidecar; ingested without attributes")
        try:
            source, turns = read_transcript(
                path,
                study=result.study,
                display=display,
                interview_id=meta.interview_id if meta else None,
                attributes=meta.attributes if meta else None,
            )
            result.add(FileReport(path=display, kind="transcript", turns=len(turns)), [source])
            result.turns[source.source_id] = turns
        except HoiError as exc:
            _record_error(result, display, exc)
        if bar is not None:
            bar.advance()


# ---------------------------------------------------------------- into the workspace


@dataclass
class IngestSummary:
    """The ingest result plus what storing it changed, per file: new/changed/unchanged counts."""

    result: IngestResult
    saved: dict[str, dict[str, int]] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        """Summed new/changed/unchanged counts."""
        totals = {"new": 0, "changed": 0, "unchanged": 0}
        for counts in self.saved.values():
            for key, value in counts.items():
                totals[key] += value
        return totals


def ingest_into_workspace(study_dir: Path, workspace: Workspace) -> IngestSummary:
    """Ingest ``study_dir`` and save its sources into ``workspace``, file by file."""
    from hoi_nlp.store import record_run, save_sources

    result = ingest_study(study_dir)
    summary = IngestSummary(result=result)
    by_id = {source.source_id: source for source in result.sources}
    for report in result.reports:
        summary.saved[report.path] = save_sources(workspace, [by_id[sid] for sid in report.source_ids])
    record_run(
        workspace,
        run_id=f"ingest-{utcnow():%Y%m%dT%H%M%S%f}",
        stage="ingest",
        params={"study_dir": str(Path(study_dir).resolve())},
        summary={"sources": len(result.sources), "errors": len(result.errors), **summary.totals()},
    )
    return summary

"""What ingesting a study gives: sources, transcript turns, per-file reports, errors and warnings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hoi_nlp.errors import HoiError, IngestError
from hoi_nlp.records import Source

if TYPE_CHECKING:
    from hoi_nlp.ingest.transcript import Turn

logger = logging.getLogger(__name__)


@dataclass
class FileReport:
    """What one file gave."""

    path: str
    kind: str  # the material: "survey", "transcript", …
    source_ids: list[str] = field(default_factory=list)
    rows: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    turns: int = 0
    preamble_lines: int = 0  # transcript lines before the first turn, kept in its text but in no turn
    trailing_lines: int = 0  # transcript lines from a heading after the last turn ("Interviewguide") on


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
    # per survey export (as its sources' ``path``), which closed items are numbers there (see
    # :attr:`~hoi_nlp.ingest.survey.SurveyReport.numbers`)
    closed_numbers: dict[str, dict[str, bool | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True if every file was ingested."""
        return not self.errors

    def add(self, report: FileReport, sources: list[Source]) -> None:
        """Add one file's sources, refusing ids another file already produced."""
        known = {source.source_id: source for source in self.sources}
        clash = next((source for source in sources if source.source_id in known), None)
        if clash is not None:
            first = known[clash.source_id]
            same = [source for source in sources if source.source_id in known
                    and known[source.source_id].content_hash == source.content_hash]
            hint = "give each respondent/interview a unique id across files"
            if len(same) == len(sources):  # every answer again, word for word: one export saved twice
                hint = (f"it holds the same answers as {first.path} (the same export saved twice, e.g. as "
                        ".xlsx and .csv?): keep one of them in the folder")
            raise IngestError(f"source id '{clash.source_id}' was already produced by {first.path}",
                              path=report.path, hint=hint)
        self.sources.extend(sources)
        report.source_ids = [source.source_id for source in sources]
        self.reports.append(report)



def study_files(folder: Path, suffixes: tuple[str, ...], *, companions: tuple[str, ...] = ()) -> list[Path]:
    """The files of ``folder`` with one of ``suffixes`` (office lock files and hidden files left out,
    and files named like a companion under another ending, ``metadata.csv.txt``: not material)."""
    stems = {companion.split(".")[0].casefold() for companion in companions}
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith(("~$", "."))
        and path.name.split(".")[0].casefold() not in stems
    )


def relative(path: Path, base: Path) -> str:
    """``path`` as shown to the user: relative to the study folder, with forward slashes."""
    return path.relative_to(base).as_posix()


def record_error(result: IngestResult, path: str, exc: HoiError) -> None:
    logger.info("%s", exc)
    result.errors.append(FileError(path=path, message=str(exc)))

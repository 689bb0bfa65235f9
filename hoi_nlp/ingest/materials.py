"""The kinds of study material and how each folder of a study is read: a small registry.

A study folder holds one sub-folder per kind of material: ``survey/`` (wide survey exports, .xlsx or
.csv, with ``schema.yaml``) and ``transcripts/`` (interviews, .docx, .txt, .vtt or .srt, with a
metadata sidecar).
Each kind is one :class:`Material` registered here with the function that reads its folder; a new
format (a plain-text focus-group transcript, a CSV of answers already in long form) is one module
with such a function plus one ``register`` line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hoi_nlp import progress
from hoi_nlp.ingest.result import IngestResult
from hoi_nlp.registry import Registry

FolderReader = Callable[[IngestResult, Path, Path, "progress.Stage | None"], None]


@dataclass(frozen=True)
class Material:
    """A kind of study material: its folder in the study, its file suffixes, and its folder reader."""

    folder: str
    suffixes: tuple[str, ...]
    reader: str  # "module:function" taking (result, folder, study_dir, progress bar or None)
    companions: tuple[str, ...] = ()  # other file names the folder holds by design (schema.yaml, ...)
    # other formats a researcher may put here by mistake: suffix -> how to convert the file
    conversions: tuple[tuple[str, str], ...] = ()
    companion_hint: str = ""  # what to do with a companion saved under another ending (metadata.xlsx)

    def conversion(self, name: str) -> str | None:
        """How to turn the file ``name`` into one this material reads, if it is a known format or a
        companion file saved under another ending (``metadata.xlsx``, ``schema.yaml.txt``)."""
        if self.companion_hint and self.misnamed_companion(name):
            return self.companion_hint
        return dict(self.conversions).get(Path(name).suffix.lower())

    def misnamed_companion(self, name: str) -> bool:
        """True for a companion file saved under another ending or case (``metadata.xlsx``,
        ``schema.yaml.txt``, ``Metadata.csv``): only the exact names are read."""
        stems = {companion.split(".")[0].casefold() for companion in self.companions}
        return name not in self.companions and name.split(".")[0].casefold() in stems  # exact names only

    def read(self, result: IngestResult, folder: Path, study_dir: Path,
             bar: progress.Stage | None = None) -> None:
        """Read the material's folder into ``result``, advancing ``bar`` per file
        (imports the reader on first use)."""
        import importlib

        module, _, name = self.reader.partition(":")
        getattr(importlib.import_module(module), name)(result, folder, study_dir, bar)


_SHEET = "open it in Excel (or LibreOffice Calc) and 'Save as' Excel Workbook (.xlsx), or CSV UTF-8 (.csv)"
_TEXT = "open it in Word (or LibreOffice Writer) and 'Save as' Word Document (.docx)"
SURVEY_CONVERSIONS = (
    (".xls", _SHEET), (".xlsm", _SHEET), (".xlsb", _SHEET), (".ods", _SHEET), (".numbers", _SHEET),
    (".tsv", "rename it to .csv (tab-separated exports are read as .csv), or " + _SHEET),
    (".txt", "if it is Excel's 'Unicode text' (tab-separated), rename it to .csv; else " + _SHEET),
    (".sav", "export the answers from SPSS (or the survey tool) as .xlsx or .csv"),
)
TRANSCRIPT_CONVERSIONS = (
    (".doc", _TEXT), (".docm", _TEXT), (".rtf", _TEXT), (".odt", _TEXT), (".pages", _TEXT),
    (".pdf", "copy the text out of the PDF into a .docx (or UTF-8 .txt) file, or save the original "
             "transcript as .docx; check the speaker labels afterwards"),
)

materials: Registry[Material] = Registry("study material")
materials.register("survey")(
    Material("survey", (".xlsx", ".csv"), "hoi_nlp.ingest.survey:ingest_survey_folder",
             companions=("schema.yaml", "schema.yml"), conversions=SURVEY_CONVERSIONS,
             companion_hint="the survey schema must be named schema.yaml: rename the file (Windows may hide "
             "an ending such as .txt: show file name extensions in the Explorer's View menu)"))
materials.register("transcript")(
    Material("transcripts", (".docx", ".txt", ".vtt", ".srt"),
             "hoi_nlp.ingest.transcript:ingest_transcript_folder",
             companions=("metadata.csv", "metadata.yaml", "metadata.yml"),
             conversions=TRANSCRIPT_CONVERSIONS,
             companion_hint="the transcripts' metadata must be named metadata.csv (or metadata.yaml): "
             "rename it, or save it from Excel as CSV UTF-8 named metadata.csv (Windows may hide an ending: "
             "show file name extensions)"))


def material_folders() -> list[str]:
    """The folder names a study may hold, in reading order."""
    return [materials.get(name).folder for name in materials.names()]

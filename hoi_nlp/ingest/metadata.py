"""The transcripts' metadata sidecar (``metadata.csv`` or ``metadata.yaml``): one row per interview file."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hoi_nlp.errors import TranscriptError
from hoi_nlp.ingest.tables import read_table

METADATA_NAMES = ("metadata.csv", "metadata.yaml", "metadata.yml")
NOT_ATTRIBUTES = ("file", "interview_id")
SPEAKER_KEYS = ("interviewer_speakers", "respondent_speakers")
KNOWN_KEYS = ("file", "interview_id", "municipality", "region", "size_group", "role", "date", "interviewer",
              *SPEAKER_KEYS)
# Danish and other spellings researchers give the known columns.
_KEY_ALIASES = {
    "fil": "file", "filnavn": "file", "filename": "file", "file_name": "file", "interviewid": "interview_id",
    "kommune": "municipality", "kommunenavn": "municipality", "størrelse": "size_group",
    "størrelsesgruppe": "size_group", "indbyggergruppe": "size_group", "kommunestørrelse": "size_group",
    "rolle": "role", "dato": "date", "interviewdato": "date",
    "intervieweren": "interviewer", "interviewers_speakers": "interviewer_speakers",
    "respondents_speakers": "respondent_speakers",
}


def metadata_key(name: str) -> str:
    """The key a column name stands for: a known key in any case, with spaces or hyphens for
    underscores ("Municipality", "Interview ID", "Respondent-speakers") or in Danish ("Kommune",
    "Rolle", "Fil"); any other column keeps its name. A known key spelled otherwise would be an
    attribute under another name: its municipality not replaced everywhere, its speaker lists unread."""
    key = re.sub(r"[\s-]+", "_", name.strip().casefold())
    key = _KEY_ALIASES.get(key, key)
    return key if key in KNOWN_KEYS else name.strip()


RESPONDENT_KEYS = ("municipality", "region", "size_group", "role", "date", "interviewer")


def attribute_key(name: str) -> str:
    """A survey schema's attribute name as :func:`metadata_key` reads it, for the respondent attributes
    only ("Kommune" and "Municipality" are ``municipality``: replaced everywhere and left out of
    pseudonymised exports); any other name stays as written."""
    key = metadata_key(name)
    return key if key in RESPONDENT_KEYS else name.strip()


def _keyed(record: dict[str, str], *, display: str, where: str) -> dict[str, str]:
    """``record`` with its column names as :func:`metadata_key` reads them; two columns for one key
    are an error."""
    keyed: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in record.items():
        key = metadata_key(name)
        if key in keyed:
            raise TranscriptError(
                f"the columns '{names[key]}' and '{name}' both give '{key}'",
                path=display, where=where, hint="keep one of the two columns")
        keyed[key], names[key] = value, name
    return keyed


@dataclass(frozen=True)
class TranscriptMeta:
    """Metadata of one transcript file; ``attributes`` go to Source.attributes."""

    file: str
    interview_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def find_metadata(folder: Path) -> Path | None:
    """The sidecar in ``folder``, if any."""
    return next((folder / name for name in METADATA_NAMES if (folder / name).is_file()), None)


def load_metadata(path: Path, *, display: str) -> dict[str, TranscriptMeta]:
    """Rows of the sidecar keyed by file name."""
    records = (
        _yaml_records(path, display=display)
        if path.suffix in (".yaml", ".yml")
        else _csv_records(path, display=display)
    )
    result: dict[str, TranscriptMeta] = {}
    for where, record in records:
        meta = _meta(_keyed(record, display=display, where=where), display=display, where=where)
        if meta.file in result:
            raise TranscriptError(
                f"file '{meta.file}' is listed twice",
                path=display,
                where=where,
                hint="keep one row per transcript file",
            )
        result[meta.file] = meta
    return result


def match_files(
    metadata: dict[str, TranscriptMeta], names: list[str]
) -> tuple[dict[str, TranscriptMeta], dict[str, str | None]]:
    """Pair the sidecar's rows with the folder's file ``names``.

    A row matches its file by exact name, else case-insensitively when exactly one row and one file
    share the name (``INT_C.TXT`` = ``int_c.txt``; Windows and macOS do not tell them apart), else
    without its ending (``interview_01`` = ``interview_01.docx``; Windows hides endings).
    Returns the rows by file name, and each row that names no file with the closest unmatched
    file name (None if none is close).
    """
    matched = {name: metadata[name] for name in names if name in metadata}
    rows_left = [listed for listed in metadata if listed not in matched]
    files_left = [name for name in names if name not in matched]
    rows_by_key = Counter(listed.casefold() for listed in rows_left)
    files_by_key = {name.casefold(): name for name in files_left}
    files_per_key = Counter(name.casefold() for name in files_left)
    for listed in list(rows_left):
        key = listed.casefold()
        if rows_by_key[key] == 1 and files_per_key[key] == 1:
            matched[files_by_key[key]] = metadata[listed]
            rows_left.remove(listed)
            files_left.remove(files_by_key[key])
    _match_by_stem(metadata, matched, rows_left, files_left)
    missing = {listed: _closest(listed, files_left) for listed in rows_left}
    return matched, missing


def _match_by_stem(metadata: dict[str, TranscriptMeta], matched: dict[str, TranscriptMeta],
                   rows_left: list[str], files_left: list[str]) -> None:
    """A row naming a file without its ending ("interview_01" for interview_01.docx: Windows hides
    endings) matches the one file of that name, when only that row and that file share it."""
    stems = Counter(Path(name).stem.casefold() for name in files_left)
    rows = Counter(listed.casefold() for listed in rows_left)
    for listed in list(rows_left):
        key = listed.casefold()
        if key.endswith((".docx", ".txt")) or rows[key] != 1 or stems[key] != 1:
            continue
        name = next(name for name in files_left if Path(name).stem.casefold() == key)
        matched[name] = metadata[listed]
        rows_left.remove(listed)
        files_left.remove(name)


def _closest(name: str, candidates: list[str]) -> str | None:
    by_key = {candidate.casefold(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.casefold(), list(by_key), n=1, cutoff=0.6)
    return by_key[close[0]] if close else None


def _meta(record: dict[str, str], *, display: str, where: str) -> TranscriptMeta:
    file_name = record.get("file", "").strip()
    if not file_name:
        raise TranscriptError(
            "the 'file' value is missing",
            path=display,
            where=where,
            hint="give the transcript's file name (e.g. interview_01.docx) in column 'file'",
        )
    attributes = {
        key: value.strip() for key, value in record.items() if key not in NOT_ATTRIBUTES and value.strip()
    }
    return TranscriptMeta(
        file=Path(file_name).name,
        interview_id=record.get("interview_id", "").strip() or None,
        attributes=attributes,
    )


def _csv_records(path: Path, *, display: str) -> list[tuple[str, dict[str, str]]]:
    table = read_table(path, display=display)
    if "file" not in map(metadata_key, table.header):
        raise TranscriptError(
            f"no 'file' column (columns: {', '.join(table.header)})",
            path=display,
            where="row 1",
            hint="name the column with the transcript file names 'file'",
        )
    return [
        (f"row {number}", {name: cells[i] for i, name in enumerate(table.header) if name})
        for number, cells in table.rows
    ]


def _yaml_records(path: Path, *, display: str) -> list[tuple[str, dict[str, str]]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TranscriptError(
            f"cannot read the metadata: {exc}",
            path=display,
            hint="save it as UTF-8 YAML: a list of mappings with a 'file' key",
        ) from exc
    if isinstance(data, dict):
        data = [{"file": name, **(values or {})} for name, values in data.items()]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise TranscriptError(
            "the metadata must be a list of mappings (one per transcript)",
            path=display,
            hint="write e.g. '- {file: interview_01.docx, interview_id: K01, role: Direktør}'",
        )
    return [
        (f"entry {index}", {str(k): "" if v is None else str(v) for k, v in item.items()})
        for index, item in enumerate(data, start=1)
    ]

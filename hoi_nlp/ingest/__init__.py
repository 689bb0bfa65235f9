"""Ingest: survey exports and interview transcripts → normalised :class:`~hoi_nlp.records.Source` records."""

from __future__ import annotations

from hoi_nlp.ingest.infer import infer_schema
from hoi_nlp.ingest.normalize import normalize_text
from hoi_nlp.ingest.schema import SurveySchema, load_schema
from hoi_nlp.ingest.study import (
    FileError,
    FileReport,
    IngestResult,
    IngestSummary,
    ingest_into_workspace,
    ingest_study,
)
from hoi_nlp.ingest.survey import SurveyReport, is_missing, read_survey
from hoi_nlp.ingest.transcript import Turn, parse_turns, read_transcript

__all__ = [
    "FileError",
    "FileReport",
    "IngestResult",
    "IngestSummary",
    "SurveyReport",
    "SurveySchema",
    "Turn",
    "infer_schema",
    "ingest_into_workspace",
    "ingest_study",
    "is_missing",
    "load_schema",
    "normalize_text",
    "parse_turns",
    "read_survey",
    "read_transcript",
]

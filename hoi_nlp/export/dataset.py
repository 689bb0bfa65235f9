"""Write the coded dataset of a study: XLSX workbook, Parquet/CSV tables and quote extracts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ExportError
from hoi_nlp.export.files import write_atomic, write_text_atomic
from hoi_nlp.export.quotes import Redactor, quotes_markdown
from hoi_nlp.export.tables import (
    CodedStudy,
    assignment_rows,
    codebook_rows,
    filter_segments,
    frequency_rows,
    respondent_rows,
    segment_rows,
)
from hoi_nlp.store import Workspace, load_assignments, load_segments, load_sources

logger = logging.getLogger(__name__)

TABLE_FORMATS = ("xlsx", "parquet", "csv", "md")


def load_coded_study(workspace: Workspace, codebook: Codebook, *, coder: str | None = None) -> CodedStudy:
    """Load sources, coding units and machine assignments (of ``coder``, default: all final ones)."""
    sources = {source.source_id: source for source in load_sources(workspace)}
    if not sources:
        raise ExportError("the study has no sources", path=str(workspace.root),
                          hint="run `hoi run STUDY_DIR` or `hoi ingest` first")
    segments = filter_segments(load_segments(workspace, codable=True))
    assignments = [a for a in load_assignments(workspace, coder=coder) if codebook.has_code(a.code_id)]
    return CodedStudy(codebook=codebook, sources=sources, segments=segments, assignments=assignments)


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            worksheet = writer.sheets[name[:31]]
            worksheet.freeze_panes = "A2"
            for column in worksheet.columns:
                width = max((len(str(cell.value or "")) for cell in column[:200]), default=8)
                worksheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))


def dataset_sheets(study: CodedStudy, *, redact: Redactor) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, in order."""
    sheets = {"Segmenter": segment_rows(study, redact=redact), "Koder": assignment_rows(study)}
    for family in study.codebook.families:
        sheets[f"Frekvens {family.id}"] = frequency_rows(study, family.id)
    sheets["Respondenter"] = respondent_rows(study)
    sheets["Kodebog"] = codebook_rows(study.codebook)
    return sheets


def export_dataset(study: CodedStudy, out_dir: Path, *, redact: Redactor, name: str = "coded_dataset",
                   formats: Sequence[str] = TABLE_FORMATS, csv_dialect: str = "excel") -> list[Path]:
    """Write the coded dataset in ``formats``; each file is written atomically. Returns the paths."""
    unknown = set(formats) - set(TABLE_FORMATS)
    if unknown:
        raise ExportError(f"unknown format(s) {sorted(unknown)}", hint=f"choose from {', '.join(TABLE_FORMATS)}")
    sheets = dataset_sheets(study, redact=redact)
    written: list[Path] = []
    if "xlsx" in formats:
        written.append(write_atomic(out_dir / f"{name}.xlsx", lambda tmp: _write_xlsx(tmp, sheets)))
    if "parquet" in formats:
        written.append(write_atomic(out_dir / f"{name}_segments.parquet",
                                    lambda tmp: sheets["Segmenter"].to_parquet(tmp, index=False)))
        written.append(write_atomic(out_dir / f"{name}_codes.parquet",
                                    lambda tmp: sheets["Koder"].to_parquet(tmp, index=False)))
    if "csv" in formats:
        written.append(write_atomic(out_dir / f"{name}_segments.csv",
                                    lambda tmp: _write_csv(sheets["Segmenter"], tmp, dialect=csv_dialect)))
    if "md" in formats:
        written.append(write_text_atomic(out_dir / "quotes.md", quotes_markdown(study, redact=redact)))
    logger.info("exported %s", ", ".join(p.name for p in written))
    return written


def _write_csv(frame: pd.DataFrame, path: Path, *, dialect: str) -> None:
    """``excel``: UTF-8 with BOM, comma; ``excel-da``: cp1252-safe UTF-8 BOM with semicolons."""
    separator = ";" if dialect == "excel-da" else ","
    frame.to_csv(path, index=False, sep=separator, encoding="utf-8-sig", lineterminator="\r\n")

"""One entry point per export, as the CLI and the flows call them.

``export_study`` writes any mix of formats: tables (xlsx, parquet, csv, md quotes), the
report (docx, md, html) and REFI-QDA (qdpx project, qdc codebook). All go through the
study's redactor unless ``raw`` and are leak-checked after writing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ExportError
from hoi_nlp.export.cite import best_quotes, register_quotes, study_embedding
from hoi_nlp.export.dataset import TABLE_FORMATS, export_dataset, export_figures, load_coded_study
from hoi_nlp.export.privacy import LeakGuard
from hoi_nlp.export.redact import study_redactor
from hoi_nlp.export.tables import CodedStudy, Redactor
from hoi_nlp.records import Quote
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

REPORT_FORMATS = ("docx", "html")
REFI_FORMATS = ("qdpx", "qdc")
ALL_FORMATS = (*TABLE_FORMATS, *REPORT_FORMATS, *REFI_FORMATS)


def _target(output: Path | None, default_dir: Path, name: str, suffix: str) -> Path:
    """``output`` when it names a file with ``suffix``, else ``<output or default_dir>/<name>``."""
    if output is not None and output.suffix.lower() == suffix:
        return output
    return (output or default_dir) / name


def export_study(
    workspace: Workspace,
    codebook: Codebook,
    *,
    formats: Sequence[str] = TABLE_FORMATS,
    output: Path | None = None,
    raw: bool = False,
    csv_dialect: str = "excel",
    quotes_per_code: int = 3,
    embeddings: bool = True,
) -> list[Path]:
    """Export the study in ``formats``; returns the written files."""
    unknown = sorted(set(formats) - set(ALL_FORMATS))
    if unknown:
        raise ExportError(f"unknown format(s) {unknown}", hint=f"choose from {', '.join(ALL_FORMATS)}")
    study = load_coded_study(workspace, codebook)
    redact = study_redactor(workspace, study, raw=raw)
    guard = LeakGuard.for_study(workspace, study, raw=raw)
    out_dir = (
        output
        if output is not None and not output.suffix
        else (output.parent if output else workspace.exports_dir)
    )
    written: list[Path] = []
    tables = [f for f in formats if f in TABLE_FORMATS]
    reports = [f for f in formats if f in (*REPORT_FORMATS, "md")]
    if tables:
        written += export_dataset(
            study,
            out_dir,
            redact=redact,
            formats=tables,
            csv_dialect=csv_dialect,
            raw=raw,
            guard=guard,
            plots=not reports,
        )
    if reports:
        written += export_reports(
            workspace,
            study,
            out_dir,
            redact=redact,
            formats=reports,
            raw=raw,
            guard=guard,
            per_code=quotes_per_code,
            embeddings=embeddings,
        )
    if "qdpx" in formats:
        from hoi_nlp.export.refi import export_qdpx

        path = _target(output, out_dir, f"{study.name or 'study'}.qdpx", ".qdpx")
        written.append(guard.check_file(export_qdpx(study, path, redact=redact, raw=raw)))
    if "qdc" in formats:
        from hoi_nlp.export.refi import export_qdc

        written.append(export_qdc(codebook, _target(output, out_dir, "codebook.qdc", ".qdc")))
    return written


def quote_picker(
    workspace: Workspace,
    study: CodedStudy,
    *,
    redact: Redactor,
    n: int,
    embeddings: bool,
    with_attributes: Sequence[str] = (),
) -> tuple[object, list[Quote]]:
    """A function code_id -> best quotes (recording what it hands out), and that record."""
    embed = _embedding_or_none(workspace, study) if embeddings else None
    handed: list[Quote] = []

    def pick(code_id: str) -> list[Quote]:
        quotes = best_quotes(study, code_id, redact=redact, n=n, embed=embed, with_attributes=with_attributes)
        handed.extend(quotes)
        return quotes

    return pick, handed


def _embedding_or_none(workspace: Workspace, study: CodedStudy):  # noqa: ANN202
    from hoi_nlp.errors import HoiError

    try:
        return study_embedding(workspace, study)
    except HoiError as exc:
        logger.warning("no embeddings for quote selection (%s); ranking by review state and confidence", exc)
        return None


def export_reports(
    workspace: Workspace,
    study: CodedStudy,
    out_dir: Path,
    *,
    redact: Redactor,
    formats: Sequence[str],
    raw: bool,
    guard: LeakGuard,
    per_code: int = 3,
    embeddings: bool = True,
) -> list[Path]:
    """The report in ``formats`` (docx, md, html) with its figures."""
    from hoi_nlp.export.report import build_report, write_report

    figure_paths = export_figures(study, out_dir / "figurer")
    figures = {p.stem.removeprefix("andele_"): p for p in figure_paths if p.stem.startswith("andele_")}
    from hoi_nlp.export.cite import prepare_quotes

    prepare_quotes(study, study.codings, redact)
    pick, handed = quote_picker(workspace, study, redact=redact, n=per_code, embeddings=embeddings)
    report = build_report(
        study,
        pick=pick,
        figures=figures,
        raw=raw,
        workspace_root=workspace.root,
        reviews=_decision_counts(workspace),
        agreement=agreement_rows(workspace),
        thresholds=_thresholds(),
    )
    register_quotes(workspace, handed)
    written = []
    for fmt in formats:
        path = out_dir / f"rapport.{fmt}"
        written.append(guard.check_file(write_report(report, path, fmt=fmt)))
    return written + figure_paths


def _decision_counts(workspace: Workspace) -> dict[str, int]:
    from hoi_nlp.export.review_state import decision_counts

    return decision_counts(workspace)


def agreement_rows(workspace: Workspace) -> list[tuple[str, str]]:
    """The overall agreement figures (blind rounds and machine vs analysts) for the method notes."""
    from hoi_nlp.review.agreement import OVERALL, all_agreement

    rows = []
    for row in all_agreement(workspace):
        if row.code_id != OVERALL or not row.units:
            continue
        figures = [f"Cohens κ = {row.kappa:.2f}" if row.kappa is not None else "",
                   f"Krippendorffs α = {row.alpha:.2f}" if row.alpha is not None else "",
                   f"enighed {row.percent:.0f} %" if row.percent is not None else ""]
        rows.append((f"Enighed, {row.comparison}", ", ".join(f for f in figures if f) + f" ({row.units} enheder)"))
    return rows


def _thresholds() -> str:
    from hoi_nlp.settings import load_settings

    settings = load_settings()
    return (
        f"minimum sikkerhed {settings.coding.min_confidence:.2f}; citatudvælgelse med indlejringer "
        f"({settings.embeddings.backend}); near-duplikater ved cosinus ≥ 0,97"
    )


def cite(
    workspace: Workspace,
    codebook: Codebook,
    code_id: str,
    *,
    n: int = 5,
    group: str | None = None,
    with_attributes: Sequence[str] = (),
    embeddings: bool = True,
) -> list[Quote]:
    """The ``n`` best pseudonymised quotes for ``code_id`` (recorded so their ids resolve)."""
    from hoi_nlp.export.cite import parse_group

    study = load_coded_study(workspace, codebook)
    codebook.code(code_id)
    redact = study_redactor(workspace, study)
    guard = LeakGuard.for_study(workspace, study, raw=False)
    embed = _embedding_or_none(workspace, study) if embeddings else None
    quotes = best_quotes(
        study,
        code_id,
        redact=redact,
        n=n,
        embed=embed,
        group=parse_group(group),
        with_attributes=with_attributes,
    )
    for quote in quotes:
        guard.check_text(quote.citation, where=quote.quote_id)
    register_quotes(workspace, quotes)
    return quotes


def search(workspace: Workspace, codebook: Codebook, query: str, *, n: int = 10) -> list[tuple[float, Quote]]:
    """Semantic search over coded segments; hits as pseudonymised quotes with their cosine."""
    from hoi_nlp.export.cite import search_segments

    study = load_coded_study(workspace, codebook)
    redact = study_redactor(workspace, study)
    guard = LeakGuard.for_study(workspace, study, raw=False)
    hits = search_segments(study, query, embed=study_embedding(workspace, study), redact=redact, n=n)
    for _, quote in hits:
        guard.check_text(quote.citation, where=quote.quote_id)
    register_quotes(workspace, [q for _, q in hits])
    return hits

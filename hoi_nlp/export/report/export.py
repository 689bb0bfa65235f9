"""The report formats (docx, html, md) and the Markdown quote extract, registered as export formats."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from hoi_nlp.errors import HoiError
from hoi_nlp.export.cite import Embedding, best_quotes, prepare_quotes, register_quotes, study_embedding
from hoi_nlp.export.dataset import context_figures
from hoi_nlp.export.formats import ExportContext, exporters
from hoi_nlp.export.quotes import quotes_markdown
from hoi_nlp.export.report.build import build_report
from hoi_nlp.export.report.render import write_report
from hoi_nlp.io import write_text_atomic
from hoi_nlp.records import Quote
from hoi_nlp.review.agreement import OVERALL, all_agreement
from hoi_nlp.review.decisions import decision_counts
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)


def embedding_or_none(ctx: ExportContext) -> Embedding | None:
    """The study's embedder for quote selection, or None (with a warning) when it cannot be loaded."""
    if not ctx.embeddings:
        return None
    try:
        return study_embedding(ctx.workspace, ctx.study, ctx.settings.embeddings)
    except HoiError as exc:
        logger.warning("no embeddings for quote selection (%s); ranking by review state and confidence", exc)
        return None


def agreement_rows(workspace: Workspace) -> list[tuple[str, str]]:
    """The overall agreement figures (blind rounds and machine vs analysts) for the method notes."""
    rows = []
    for row in all_agreement(workspace):
        if row.code_id != OVERALL or not row.units:
            continue
        figures = [f"Cohens κ = {row.kappa:.2f}" if row.kappa is not None else "",
                   f"Krippendorffs α = {row.alpha:.2f}" if row.alpha is not None else "",
                   f"enighed {row.percent:.0f} %" if row.percent is not None else ""]
        rows.append((f"Enighed, {row.comparison}", ", ".join(f for f in figures if f) + f" ({row.units} enheder)"))
    return rows


def thresholds_note(settings: Settings) -> str:
    """The method note's line on thresholds and quote selection."""
    return (
        f"minimum sikkerhed {settings.coding.min_confidence:.2f}; citatudvælgelse med indlejringer "
        f"({settings.embeddings.backend}); near-duplikater ved cosinus ≥ 0,97"
    )


def quote_picker(ctx: ExportContext) -> tuple[Callable[[str], list[Quote]], list[Quote]]:
    """A function code_id -> best quotes (recording what it hands out), and that record."""
    embed = embedding_or_none(ctx)
    handed: list[Quote] = []

    def pick(code_id: str) -> list[Quote]:
        quotes = best_quotes(ctx.study, code_id, redact=ctx.redact, n=ctx.quotes_per_code, embed=embed)
        handed.extend(quotes)
        return quotes

    return pick, handed


def write_reports(ctx: ExportContext, fmt: str) -> list[Path]:
    """The report in ``fmt`` with its figures."""
    figures = {p.stem.removeprefix("andele_"): p for p in context_figures(ctx) if p.stem.startswith("andele_")}
    prepare_quotes(ctx.study, ctx.study.codings, ctx.redact)
    pick, handed = quote_picker(ctx)
    report = build_report(ctx.study, pick=pick, figures=figures, raw=ctx.raw, workspace_root=ctx.workspace.root,
                          reviews=decision_counts(ctx.workspace), agreement=agreement_rows(ctx.workspace),
                          thresholds=thresholds_note(ctx.settings))
    register_quotes(ctx.workspace, handed)
    return [write_report(report, ctx.out_dir / f"rapport.{fmt}", fmt=fmt), *context_figures(ctx)]


@exporters.register("docx")
def export_docx(ctx: ExportContext) -> list[Path]:
    """The report as a Word document (``rapport.docx``)."""
    return write_reports(ctx, "docx")


@exporters.register("html")
def export_html(ctx: ExportContext) -> list[Path]:
    """The report as one self-contained HTML page (``rapport.html``)."""
    return write_reports(ctx, "html")


@exporters.register("md")
def export_markdown(ctx: ExportContext) -> list[Path]:
    """The quote extract (``quotes.md``) and the report in Markdown (``rapport.md``)."""
    quotes = write_text_atomic(ctx.out_dir / "quotes.md", quotes_markdown(ctx.study, redact=ctx.redact, raw=ctx.raw))
    return [quotes, *write_reports(ctx, "md")]

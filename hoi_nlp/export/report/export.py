"""The report formats (docx, html, md) and the Markdown quote extract, registered as export formats."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from hoi_nlp.errors import HoiError
from hoi_nlp.export.cite import Embedding, best_quotes, prepare_quotes, register_quotes, study_embedding
from hoi_nlp.export.dataset import context_figures, context_stats
from hoi_nlp.export.formats import ExportContext, exporters
from hoi_nlp.export.lang import Texts, texts_for
from hoi_nlp.export.quotes import quoted_stances, quotes_markdown, source_reference
from hoi_nlp.export.report.build import build_report
from hoi_nlp.export.report.render import write_report
from hoi_nlp.export.tables import memo_rows
from hoi_nlp.io import write_text_atomic
from hoi_nlp.records import Quote
from hoi_nlp.review.agreement import OVERALL, AgreementRow, all_agreement
from hoi_nlp.review.decisions import MAIN_ROUND, decision_counts
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

QUOTES_MD_PER_CODE = 5


def embedding_or_none(ctx: ExportContext) -> Embedding | None:
    """The study's embedder for quote selection, or None (with a warning) when it cannot be loaded."""
    if not ctx.embeddings:
        return None
    try:
        return study_embedding(ctx.workspace, ctx.study, ctx.settings.embeddings)
    except HoiError as exc:
        logger.warning("no embeddings for quote selection (%s); ranking by review state and confidence", exc)
        return None


def agreement_rows(workspace: Workspace, texts: Texts | None = None) -> list[tuple[str, str]]:
    """The overall agreement figures (blind rounds and machine vs analysts) for the method notes."""
    texts = texts or texts_for("da")
    rows = []
    for row in all_agreement(workspace):
        if row.code_id != OVERALL or not row.units:
            continue
        figures = [f"Cohens κ = {texts.number(row.kappa, 2)}" if row.kappa is not None else "",
                   f"Krippendorffs α = {texts.number(row.alpha, 2)}" if row.alpha is not None else "",
                   texts("method.agreement_percent", value=texts.number(row.percent))
                   if row.percent is not None else ""]
        # row.units counts the (coding unit, code) judgements pooled, row.segments the coding units
        # they lie on: a round of 6 units is not reported as "9 units"
        counts = texts("method.units_count", segments=row.segments, n=row.units)
        if row.left_out:
            counts += "; " + texts("method.left_out", n=row.left_out)
        rows.append((texts("method.agreement", comparison=comparison_label(row, texts)),
                     ", ".join(f for f in figures if f) + f" ({counts})"))
    return rows


def comparison_label(row: AgreementRow, texts: Texts) -> str:
    """What an agreement row compares, in the report's language ("maskine vs. anna (runde R1)")."""
    first, _, second = row.coders.partition(" vs ")
    if first != "machine":
        coders = f" {texts('comparison.vs')} ".join(row.coders.split(" vs "))
        return texts("comparison.round", round=row.round, coders=coders)
    if second == "analysts":
        label = texts("comparison.machine vs analysts")
    else:
        label = texts("comparison.machine", who=second)
    if row.round == MAIN_ROUND:
        return label
    return texts("comparison.in_round", comparison=label, round=row.round)


def thresholds_note(settings: Settings) -> str:
    """The method note's line on thresholds and quote selection."""
    texts = texts_for(settings.report.language)
    return texts("method.thresholds_value", confidence=texts.number(settings.coding.min_confidence, 2),
                 backend=settings.embeddings.backend)


def quote_picker(ctx: ExportContext, n: int | None = None
                 ) -> tuple[Callable[[str], list[Quote]], list[Quote]]:
    """A function code_id -> best citable quotes (recording what it hands out), and that record.

    One picker serves one document: a text it has handed out is not handed out again for another code.
    A barrier is quoted where it is spoken of as a hindrance (or its stance is not set), as the report's
    tables count it first.
    """
    embed = ctx.once("quote_embedding", lambda: embedding_or_none(ctx))
    handed: list[Quote] = []
    seen: set[str] = set()

    def pick(code_id: str) -> list[Quote]:
        quotes = best_quotes(ctx.study, code_id, redact=ctx.redact, n=n or ctx.quotes_per_code, embed=embed,
                             stances=quoted_stances(code_id),
                             min_content_words=ctx.settings.report.quote_min_content_words, seen=seen)
        handed.extend(quotes)
        return quotes

    return pick, handed


def quote_reference(ctx: ExportContext) -> Callable[[Quote], str]:
    """A quote's source reference in the export's language (material, question and row, or turn)."""
    texts = texts_for(ctx.settings.report.language)
    return lambda quote: source_reference(ctx.study, quote.segment_id, redact=ctx.redact, texts=texts)


def write_reports(ctx: ExportContext, fmt: str) -> list[Path]:
    """The report in ``fmt`` with its figures."""
    figures = {p.stem.removeprefix("andele_"): p for p in context_figures(ctx)
               if p.stem.startswith("andele_")}
    prepare_quotes(ctx.study, ctx.study.codings, ctx.redact)
    pick, handed = quote_picker(ctx)
    stats = context_stats(ctx)
    report = build_report(ctx.study, pick=pick, figures=figures, raw=ctx.raw,
                          workspace_root=ctx.workspace.root if ctx.workspace else None,
                          reviews=decision_counts(ctx.workspace) if ctx.workspace else {},
                          agreement=agreement_rows(ctx.workspace, stats.texts) if ctx.workspace else [],
                          thresholds=thresholds_note(ctx.settings), stats=stats,
                          reference=quote_reference(ctx),
                          memos=memo_rows(ctx.study, redact=ctx.redact, texts=stats.texts))
    if ctx.workspace is not None:
        register_quotes(ctx.workspace, handed, study=ctx.study, redact=ctx.redact)
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
    """The quote extract (``quotes.md``: up to 5 quotes per code, each with its source) and the report in
    Markdown (``rapport.md``)."""
    prepare_quotes(ctx.study, ctx.study.codings, ctx.redact)
    pick, handed = quote_picker(ctx, n=QUOTES_MD_PER_CODE)
    text = quotes_markdown(ctx.study, redact=ctx.redact, pick=pick, raw=ctx.raw,
                           texts=texts_for(ctx.settings.report.language))
    if ctx.workspace is not None:
        register_quotes(ctx.workspace, handed, study=ctx.study, redact=ctx.redact)
    quotes = write_text_atomic(ctx.out_dir / "quotes.md", text)
    return [quotes, *write_reports(ctx, "md")]

"""CLI commands for exports and citations: ``hoi export``, ``hoi cite``, ``hoi quote``, ``hoi quotes search``,
``hoi codebook import-qdc`` and ``hoi import-qdpx``.

``hoi export`` keeps the options of the basic export it replaces (study, --workspace, --codebook,
--output, --format, --raw) and adds report, REFI-QDA and CSV-dialect options.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hoi_nlp.cli._app import StudyFirstCommand, app, codebook_app, echo, handle_errors, quotes_app
from hoi_nlp.cli._options import (
    AFTER_STUDY_ARG,
    CODEBOOK_OPT,
    SETTINGS_OPT,
    STUDY_OPT,
    WORKSPACE_OPT,
    shell_word,
    study_first,
    study_inputs,
)

if TYPE_CHECKING:
    from hoi_nlp.export.freshness import StaleFiles
    from hoi_nlp.export.lang import Texts
    from hoi_nlp.stages.study import RunInputs
    from hoi_nlp.store import Workspace


def _texts(inputs: RunInputs) -> Texts:
    """The export side's texts in the settings' language ([report] language; Danish by default)."""
    from hoi_nlp.export.lang import texts_for

    return texts_for(inputs.settings.report.language)


DEFAULT_CSV_DIALECT = "excel"
DEFAULT_QUOTES_PER_CODE = 3


def warn_stale_exports(workspace: Workspace, output: Path | None, study: Path,
                       workspace_option: Path | None) -> None:
    """Name the files of the export folder (``output`` or the workspace's) that an earlier export wrote from
    the study as it was before (a report, a .qdpx), and the command that writes them again (with the
    ``-w``/``-o`` and options they were written with): nobody should send one on as the study now."""
    from hoi_nlp.export.api import export_folder
    from hoi_nlp.export.freshness import stale_exports

    folder, _ = export_folder(workspace, output)
    for stale in stale_exports(folder):
        command = _export_again(stale, study, workspace_option, folder, workspace.exports_dir.resolve())
        was, are, them = ("was", "is", "it") if len(stale.names) == 1 else ("were", "are", "them")
        echo(f"Warning: {folder}/: {', '.join(stale.names)} {was} exported before the study last changed and "
             f"{are} out of date (this export did not write {them}): export {them} again (`{command}`) or "
             f"delete {them}", err=True)


def _export_again(stale: StaleFiles, study: Path, workspace_option: Path | None, folder: Path,
                  default_folder: Path) -> str:
    """The ``hoi export`` command that writes ``stale``'s files again where they are, as they were shaped."""
    words = ["hoi", "export", str(study)]
    if workspace_option is not None:
        words += ["-w", str(workspace_option)]
    file_name = stale.shape.get("file_name")
    if file_name or folder != default_folder:
        words += ["-o", str(folder / file_name) if file_name else str(folder)]
    words += [word for fmt in stale.formats for word in ("--format", fmt)]
    if stale.shape.get("raw"):
        words.append("--raw")
    if (dialect := stale.shape.get("csv_dialect", DEFAULT_CSV_DIALECT)) != DEFAULT_CSV_DIALECT:
        words += ["--csv-dialect", str(dialect)]
    if (quotes := stale.shape.get("quotes_per_code", DEFAULT_QUOTES_PER_CODE)) != DEFAULT_QUOTES_PER_CODE:
        words += ["--quotes-per-code", str(quotes)]
    return " ".join(shell_word(word) for word in words)


@app.command("export")
@handle_errors
def export_command(
    study: Path = typer.Argument(..., help="Study folder or its workspace."),
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Export folder (default: <workspace>/exports), or FILE.qdpx / FILE.qdc."
    ),
    fmt: list[str] | None = typer.Option(
        None,
        "--format",
        "-f",
        help="xlsx|parquet|csv|md|docx|html|qdpx|qdc (repeat for several) [default: xlsx, parquet, csv, md; "
        "with -o FILE.qdpx, FILE.qdc or FILE.xlsx that file's format].",
        show_default=False,
    ),
    raw: bool = typer.Option(
        False, "--raw", help="Export original, NOT pseudonymised text (marked as such)."
    ),
    csv_dialect: str = typer.Option(
        DEFAULT_CSV_DIALECT, "--csv-dialect", help="excel | excel-da (semicolon, decimal comma)."
    ),
    quotes_per_code: int = typer.Option(DEFAULT_QUOTES_PER_CODE, "--quotes-per-code",
                                        help="Quotes per code in the report."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Export the coded dataset, report and REFI-QDA files (pseudonymised by default)."""
    from hoi_nlp.stages.study import export_stage

    inputs = study_inputs(study, workspace, codebook, settings)
    texts = _texts(inputs)
    if raw:
        echo(texts("cli.raw_warning"), err=True)
    paths = export_stage(inputs, out_dir=output, formats=fmt, raw=raw, csv_dialect=csv_dialect,
                         quotes_per_code=quotes_per_code)
    for path in paths:
        echo(texts("cli.wrote", path=path))
    warn_stale_exports(inputs.workspace, output, study, workspace)


@app.command("cite", cls=StudyFirstCommand)
@handle_errors
def cite_command(
    code: str = typer.Argument(..., metavar="[STUDY] CODE", help="Code id, e.g. barrier.it_integration, "
                               "after the study folder or workspace when given here (or give --study)."),
    after_study: str | None = AFTER_STUDY_ARG,
    study: Path | None = STUDY_OPT,
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    n: int = typer.Option(5, "--n", "-n", min=1, help="How many quotes."),
    group: str | None = typer.Option(
        None, "--group", help="Only respondents with ATTR=VALUE, e.g. size_group='Mindre kommune'."
    ),
    stance: str | None = typer.Option(
        None, "--stance", help="Barrier codes: hindrance (the default, with codings whose stance is not set) "
        "| precondition | overcome | rating | any."
    ),
    fmt: str = typer.Option("md", "--format", "-f", help="md | docx | xlsx | json"),
    with_attributes: bool = typer.Option(
        False, "--with-attributes", help="Add size group and region to the citation as far as "
        "[report] min_group_size respondents of the same material and role share them "
        "(never the municipality)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (docx, xlsx: default in exports/)."
    ),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """The best pseudonymised quotes for a code, with citation lines, sources and quote ids."""
    from hoi_nlp.export.quotes import CITATION_ATTRIBUTES
    from hoi_nlp.stages.study import cite_stage

    study, code = study_first(code, after_study, study, workspace, command="hoi cite", argument="CODE")
    inputs = study_inputs(study, workspace, codebook, settings)
    texts = _texts(inputs)
    ws, codes = inputs.workspace, inputs.codebook
    quotes = cite_stage(inputs, code, n=n, group=group, stance=stance,
                        with_attributes=CITATION_ATTRIBUTES if with_attributes else ())
    if not quotes:
        from hoi_nlp.export.quotes import stance_shown
        from hoi_nlp.records import is_stance_code

        where = texts("cli.in_group", group=group) if group else ""
        if is_stance_code(code) and stance != "any":
            where += texts("cli.with_stance", stance=stance_shown(stance or "hindrance", texts))
        # json stays one object (its header, no quotes) for a script; the reason goes to stderr then
        echo(texts("cli.no_quotes", code=code, group=where), err=fmt == "json")
        if quotes.too_short:
            echo(texts("cli.too_short", n=quotes.too_short, k=quotes.min_content_words), err=fmt == "json")
        if fmt != "json":
            return
    _emit_quotes(
        list(quotes),
        header=quotes.header,
        fmt=fmt,
        output=output,
        title=f"{codes.code(code).label} ({code})",
        note=quotes.note,
        default=ws.exports_dir / f"citater_{code}.docx",
        texts=texts,
    )


def _emit_quotes(quotes: list, *, header: dict, fmt: str, output: Path | None, title: str, note: str,
                 default: Path, texts: Texts) -> None:
    from hoi_nlp.errors import ExportError
    from hoi_nlp.io import write_text_atomic
    if fmt == "json":
        from hoi_nlp.export.cite import citation_document

        text = json.dumps(citation_document(header, quotes), ensure_ascii=False, indent=1)
    elif fmt == "xlsx":
        from hoi_nlp.export.cite import write_citations_xlsx

        target = output or default.with_suffix(".xlsx")
        written = _writing(target, lambda: write_citations_xlsx(target, quotes, title=title, note=note))
        echo(texts("cli.wrote", path=written))
        return
    elif fmt == "md":
        from hoi_nlp.export.quotes import quote_line

        text = "\n".join([f"## {title}", "", note + ".", "", *(quote_line(q, reference, texts=texts)
                                                              for q, reference in quotes)])
    elif fmt == "docx":
        from hoi_nlp.export.quotes import quote_state
        from hoi_nlp.export.report.blocks import Report
        from hoi_nlp.export.report.render import write_docx

        report = Report(title=texts("report.quotes_title", title=title),
                        subtitle=f"{texts('report.quotes_subtitle')}. {note}.",
                        language=texts.language)
        for quote, reference in quotes:
            report.add("quote", quote.citation, ref=quote.quote_id, note=reference,
                       state=quote_state(quote, texts))
        target = output or default
        echo(texts("cli.wrote", path=_writing(target, lambda: write_docx(report, target))))
        return
    else:
        raise ExportError(f"unknown format '{fmt}'", hint="choose md, docx, xlsx or json")
    if output is not None:
        echo(texts("cli.wrote", path=_writing(output, lambda: write_text_atomic(output, text + chr(10)))))
    else:
        echo(text)


def _writing(path: Path, write: Callable[[], Path]) -> Path:
    """``write()``, with a file that cannot be written an error naming it (not a traceback)."""
    from hoi_nlp.errors import ExportError

    try:
        return write()
    except OSError as exc:
        raise ExportError(f"cannot write the file: {exc.strerror or exc}", path=str(path),
                          hint="choose a file in a folder you can write to with --output") from None


@app.command("quote", cls=StudyFirstCommand)
@handle_errors
def quote_command(
    quote_id: str = typer.Argument(..., metavar="[STUDY] ID", help="Quote id (Q-…) from `hoi cite` or a "
                                   "report, or a segment id from an export, after the study folder or "
                                   "workspace when given here (or give --study)."),
    after_study: str | None = AFTER_STUDY_ARG,
    study: Path | None = STUDY_OPT,
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    original: bool = typer.Option(
        False, "--original", help="Also print the original, NOT pseudonymised span and file name."
    ),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """A quote's (or an exported segment id's) text, pseudonymised, and where it comes from: code, source
    (question and row, or interview turn), role, file, offsets into the pseudonymised source (the
    original's with --original) and review state."""
    from hoi_nlp.export.lang import texts_for
    from hoi_nlp.stages.study import load_run_settings, quote_stage, resolve_workspace

    study, quote_id = study_first(quote_id, after_study, study, workspace, command="hoi quote",
                                  argument="ID")
    run_settings = load_run_settings(settings)
    texts = texts_for(run_settings.report.language)
    found = quote_stage(resolve_workspace(study or Path("."), workspace), quote_id, settings=run_settings,
                        codebook_path=codebook, original=original)
    from hoi_nlp.records import is_stance_code

    review = texts(f"review.{found.review_state}")
    # Offsets into the source's redaction, of which the text is a slice (the original's offsets would
    # tell how long the hidden names are); the source's own with --original.
    span = (found.start, found.end) if original or found.shown_span is None else found.shown_span
    rows = (
        *((("cli.quote", found.quote_id), ("cli.code", f"{found.code_id} ({found.label})" if found.label
                                             else found.code_id)) if found.code_id else ()),
        ("cli.source", found.reference),
        ("cli.role", found.role),
        ("cli.file", found.path),
        ("cli.segment", found.segment_id if original else found.shown_segment_id),
        ("cli.offsets", f"{span[0]}-{span[1]}"),
        *((("cli.review", review),) if found.code_id else ()),
        *((("cli.stance", texts(f"stance.{found.stance or 'unknown'}").lower()),)
          if is_stance_code(found.code_id) else ()),
        ("cli.text", f'«"{found.text}"»'),
    )
    width = max(len(texts(key)) for key, _ in rows)
    for key, value in rows:
        echo(f"{texts(key):{width}s}  {value}")
    if original:
        echo(texts("cli.original_warning"), err=True)
        echo(f"{texts('cli.file'):{width}s}  {found.original_path}")
        echo(found.original)


@quotes_app.command("search", cls=StudyFirstCommand)
@handle_errors
def quotes_search_command(
    text: str = typer.Argument(..., metavar="[STUDY] TEXT", help="What to look for, in Danish, after the "
                               "study folder or workspace when given here (or give --study)."),
    after_study: str | None = AFTER_STUDY_ARG,
    study: Path | None = STUDY_OPT,
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    n: int = typer.Option(10, "--n", "-n", min=1, help="How many hits."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Semantic search over the study's coded segments (embeddings, cached); each hit with its source."""
    from hoi_nlp.stages.study import search_stage

    study, text = study_first(text, after_study, study, workspace, command="hoi quotes search",
                              argument="TEXT", text=True)
    inputs = study_inputs(study, workspace, codebook, settings)
    for score, quote, reference in search_stage(inputs, text, n=n):
        echo(f"{score:.3f}  {quote.quote_id}  [{quote.code_id}]  {quote.citation} — {reference}")


@codebook_app.command("import-qdc")
@handle_errors
def codebook_import_qdc(
    file: Path = typer.Argument(..., help="REFI-QDA codebook (.qdc), or a .qdpx project (its codebook)."),
    output: Path = typer.Option(..., "--output", "-o", help="Codebook YAML to write."),
    codebook: Path | None = typer.Option(
        None, "--codebook", "-c",
        help="The hoi codebook the file was exported from (default: the bundled one): codes keep its ids, "
             "patterns and examples.",
    ),
) -> None:
    """Convert a REFI-QDA .qdc codebook into a hoi_nlp codebook YAML (hoi's code ids kept)."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.review.refi_import import convert_qdc

    known = load_codebook(codebook) if codebook is not None else load_codebook()
    result = convert_qdc(file, output, known=known)
    new = len(result.codebook.codes) - result.kept
    echo(
        f"wrote {output}: {len(result.codebook.families)} families, {len(result.codebook.codes)} codes "
        f"({result.kept} with hoi's ids kept, {new} new"
        + (": add patterns or examples before coding with them)" if new else ")")
    )
    for note in result.notes:
        echo(f"Note: {note}", err=True)


@app.command("import-qdpx")
@handle_errors
def import_qdpx_command(
    study: Path = typer.Argument(..., help="Study folder or its workspace."),
    file: Path = typer.Argument(..., help="REFI-QDA project (.qdpx) coded in another tool."),
    analyst: str | None = typer.Option(
        None, "--analyst",
        help="Who made the decisions the file does not attribute (deleted codings, codings made under "
             "the machine's name). Codings a named user created are that user's.",
    ),
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    round: str = typer.Option("main", "--round", help="Review round the decisions belong to."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be recorded; write nothing."),
) -> None:
    """Record what an analyst did to a .qdpx project in NVivo, ATLAS.ti, MAXQDA or QualCoder as decisions."""
    from hoi_nlp.stages.review import import_project

    summary = import_project(study_inputs(study, workspace, codebook), file, analyst=analyst, round=round,
                             dry_run=dry_run)
    echo(f"{summary.codings} codings read from {summary.sources} sources of this study")
    echo(("Dry run, nothing written. Would record: " if summary.dry_run else "Recorded: ") + summary.line)
    for warning in summary.warnings[:20]:
        echo(f"Warning: {warning}", err=True)
    if len(summary.warnings) > 20:
        echo(f"Warning: … and {len(summary.warnings) - 20} more", err=True)
    if summary.note:
        echo(f"Note: {summary.note}", err=True)

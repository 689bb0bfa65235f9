"""One entry point per export, as the stages call them.

:func:`export_study` writes any mix of formats (see :mod:`hoi_nlp.export.formats`): tables
(xlsx, parquet, csv), quotes and the report (md, docx, html) and REFI-QDA (qdpx, qdc). Every
format reads the study's public view through its one redactor; all files are written to a
staging folder, checked by the leak guard, and only then moved into the export folder together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hoi_nlp import progress
from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ExportError
from hoi_nlp.export.cite import (
    best_quotes,
    citation_header,
    group_value_is,
    parse_group,
    register_quotes,
    search_segments,
    study_embedding,
)
from hoi_nlp.export.dataset import TABLE_FORMATS, load_coded_study
from hoi_nlp.export.formats import ExportContext, load_formats
from hoi_nlp.export.helper import FileHelper
from hoi_nlp.export.lang import texts_for
from hoi_nlp.export.lookup import ResolvedQuote, locate_quote
from hoi_nlp.export.publish import staging
from hoi_nlp.export.quotes import quoted_stances, selection_facts, selection_note, source_reference
from hoi_nlp.export.study import CodedStudy, public_view
from hoi_nlp.privacy.guard import LEAK_HINT, LeakGuard
from hoi_nlp.privacy.redact import StudyRedactor
from hoi_nlp.records import Quote, Source, is_stance_code
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace, load_segments, load_sources

logger = logging.getLogger(__name__)

REPORT_FORMATS = ("docx", "html")
REFI_FORMATS = ("qdpx", "qdc")
ALL_FORMATS = (*TABLE_FORMATS, *REPORT_FORMATS, *REFI_FORMATS)
#: The formats that write one file, named as ``--output`` names it (:meth:`ExportContext.target`).
SINGLE_FILE_FORMATS = ("xlsx", *REFI_FORMATS)


@dataclass(frozen=True)
class OpenStudy:
    """A coded study ready to publish: its public view, its one redactor and its leak guard."""

    study: CodedStudy
    redact: StudyRedactor
    guard: LeakGuard
    codebook: Codebook | None = None
    sources: tuple[Source, ...] = ()  # the original sources (their metadata names the guard knows)
    analysts: tuple[str, ...] = ()  # who reviewed: exports show their user names

    def current_guard(self) -> LeakGuard:
        """The guard over every original the key knows now: writing the files may have taught it
        names (a text a writer pseudonymises itself) that must not appear in any file either."""
        if self.codebook is None:
            return self.guard
        return LeakGuard.for_study(self.redact.key, self.codebook, self.sources, analysts=self.analysts,
                                   raw=self.guard.raw)


def open_study(workspace: Workspace, codebook: Codebook, *, settings: Settings,
               raw: bool = False) -> OpenStudy:
    """Load the coded study, redact every source once (cached), make its public view, and build
    its guard (after the view: names found in attribute values and memos are guarded too)."""
    study = load_coded_study(workspace, codebook)
    redact = StudyRedactor(workspace, settings, raw=raw)
    sources = list(study.sources.values())
    redact.prepare(sources)
    public = public_view(study, redact)
    analysts = _analysts(study)
    guard = LeakGuard.for_study(redact.key, codebook, sources, analysts=analysts, raw=raw)
    return OpenStudy(public, redact, guard, codebook, tuple(sources), analysts)


def open_study_for_code(workspace: Workspace, codebook: Codebook, code_id: str, *,
                        settings: Settings) -> OpenStudy:
    """:func:`open_study` for quoting one code: the coding units the code is on, with their codings (see
    :func:`~hoi_nlp.export.dataset.load_coded_study`), where the study's every other unit and coding is
    not read. The sources, the review and the leak guard are the whole study's, as :func:`open_study`
    makes them: the guard knows every name of the key and of every source's metadata. Its quotes are
    those :func:`open_study` gives as long as every source has its redaction cached and every name the
    metadata gives is in the key (as `hoi run` leaves a study); otherwise it is :func:`open_study`, which
    redacts every source first (the order names are learnt in numbers their placeholders)."""
    redact = StudyRedactor(workspace, settings)
    sources = load_sources(workspace)
    if not sources or not _redactions_cached(workspace, redact, sources):
        return open_study(workspace, codebook, settings=settings)
    study = load_coded_study(workspace, codebook, code_id=code_id, sources=sources)
    public = public_view(study, redact)
    analysts = _analysts(study)
    guard = LeakGuard.for_study(redact.key, codebook, sources, analysts=analysts)
    return OpenStudy(public, redact, guard, codebook, tuple(sources), analysts)


def _analysts(study: CodedStudy) -> tuple[str, ...]:
    """Who reviewed or wrote memos: the user names exports show as who coded (see :class:`LeakGuard`)."""
    return tuple(sorted({r.analyst for r in study.reviews.values() if r.analyst}
                        | {m.analyst for m in study.memos} | {m.analyst for m in study.study_memos}))


def _redactions_cached(workspace: Workspace, redact: StudyRedactor, sources: Sequence[Source]) -> bool:
    """Whether every source's redaction is cached for this redactor (the same text, the same recogniser)
    and the key holds every name the sources' metadata gives: then redacting every source first, as
    :func:`open_study` does, would change nothing."""
    from sqlalchemy import select

    from hoi_nlp.privacy.redact import metadata_names, recognised_table

    if not set(metadata_names(sources)) <= redact.key.pinned:
        return False
    table = recognised_table
    with workspace.engine.connect() as conn:
        cached = set(conn.execute(select(table.c.source_id, table.c.content_hash)
                                  .where(table.c.fingerprint == redact.fingerprint)).tuples())
    return all((source.source_id, source.content_hash) in cached for source in sources)


def default_formats(output: Path | None) -> tuple[str, ...]:
    """The formats an export writes when none are chosen: the file's own format where ``output`` names a
    file of a format written to one file (``project.qdpx``, ``codebook.qdc``, ``data.xlsx``), else the
    tables (:data:`~hoi_nlp.export.dataset.TABLE_FORMATS`)."""
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    return (suffix,) if suffix in SINGLE_FILE_FORMATS else TABLE_FORMATS


def export_folder(workspace: Workspace, output: Path | None) -> tuple[Path, str | None]:
    """The export folder (resolved) and, when ``output`` names a file (``project.qdpx``), that file's name."""
    if output is None:
        return workspace.exports_dir.resolve(), None
    output = output.resolve()
    return (output.parent, output.name) if output.suffix else (output, None)


class ExportedFiles(list[Path]):
    """The published files of an export; ``format_of`` names the format that wrote each one."""

    def __init__(self, files: Sequence[Path], format_of: dict[Path, str]) -> None:
        super().__init__(files)
        self.format_of = format_of


def export_study(
    workspace: Workspace,
    codebook: Codebook,
    *,
    settings: Settings,
    formats: Sequence[str] = TABLE_FORMATS,
    output: Path | None = None,
    raw: bool = False,
    csv_dialect: str = "excel",
    quotes_per_code: int = 3,
    embeddings: bool = True,
) -> ExportedFiles:
    """Export the study in ``formats``; returns the published files (all checked, or none at all)."""
    registry = load_formats()
    unknown = sorted(f for f in formats if f not in registry)
    if unknown:
        raise ExportError(f"unknown format(s) {unknown}", hint=f"choose from {', '.join(registry.names())}")
    opened = open_study(workspace, codebook, settings=settings, raw=raw)
    out_dir, file_name = export_folder(workspace, output)
    with staging(out_dir) as stage, FileHelper() as helper:
        ctx = ExportContext(workspace=workspace, codebook=codebook, settings=settings, study=opened.study,
                            redact=opened.redact, guard=opened.guard, out_dir=stage.dir,
                            formats=tuple(formats), raw=raw, csv_dialect=csv_dialect,
                            quotes_per_code=quotes_per_code,
                            embeddings=embeddings, file_name=file_name, helper=helper)
        made_by: dict[Path, str] = {}  # each file by the first format that wrote it (figures are shared)
        with progress.stage("export", len(formats) + 1, unit="steps") as bar:
            for name in formats:
                for path in registry.get(name)(ctx):
                    made_by.setdefault(path, name)
                bar.advance()
            files = list(made_by)
            helper.finish()  # a large workbook written meanwhile by a helper process
            guard = opened.current_guard()
            for path in files:  # the last step: every file read back by the leak guard
                try:
                    guard.check_file(path)
                except ExportError as exc:  # name the file where it would have been published
                    final = out_dir / Path(path).resolve().relative_to(stage.dir.resolve())
                    raise ExportError(exc.message, path=str(final), where=exc.where,
                                      hint="no file of this export was published; " + LEAK_HINT) from exc
            bar.advance()
        opened.redact.save()
        published = stage.publish(files)
    logger.info("exported %s", ", ".join(p.name for p in published))
    format_of = {final: made_by[path] for path, final in zip(files, published, strict=True)}
    return ExportedFiles(published, format_of)


@dataclass(frozen=True)
class Citations:
    """A code's best quotes with their source references, and the line that says what they rest on
    (:func:`~hoi_nlp.export.quotes.selection_note`); iterates over the (quote, reference) pairs."""

    quotes: list[tuple[Quote, str]]
    note: str
    too_short: int = 0  # codings left out for too few content words (why there may be none)
    min_content_words: int = 0
    header: dict[str, object] = field(default_factory=dict)  # the JSON's (:func:`citation_header`)

    def __iter__(self) -> Iterator[tuple[Quote, str]]:
        return iter(self.quotes)

    def __len__(self) -> int:
        return len(self.quotes)


def cite(
    workspace: Workspace,
    codebook: Codebook,
    code_id: str,
    *,
    settings: Settings,
    n: int = 5,
    group: str | None = None,
    stance: str | None = None,
    with_attributes: Sequence[str] = (),
    embeddings: bool = True,
) -> Citations:
    """The ``n`` best pseudonymised quotes for ``code_id`` with their source references (recorded so
    their ids resolve) and what they rest on. A barrier is quoted as a hindrance unless ``stance`` names
    another (or ``any``)."""
    _check_code(workspace, codebook, code_id)
    if stance is not None and not is_stance_code(code_id):
        raise ExportError(f"--stance: '{code_id}' is not a barrier code; only barriers carry a stance",
                          hint="leave out --stance")
    stances = quoted_stances(code_id, stance or "hindrance")
    opened = open_study_for_code(workspace, codebook, code_id, settings=settings)
    grouped = parse_group(group)
    if grouped is not None:
        _check_group(opened.study, *grouped)
    # a TF-IDF embedder is fitted on every coding unit of the study, as for the whole study's quotes
    fit = load_segments(workspace, codable=True) if settings.embeddings.backend == "tfidf" else None
    embed = study_embedding(workspace, opened.study, settings.embeddings, fit=fit) if embeddings else None
    too_short: list[Quote] = []
    quotes = best_quotes(opened.study, code_id, redact=opened.redact, n=n, embed=embed,
                         group=grouped, stances=stances, with_attributes=with_attributes,
                         min_content_words=settings.report.quote_min_content_words,
                         min_group_size=settings.report.min_group_size, too_short=too_short)
    facts = selection_facts(opened.study, quotes, group=grouped,
                            stance=(stance or "hindrance") if is_stance_code(code_id) else None)
    note = selection_note(opened.study, quotes, texts=texts_for(settings.report.language), facts=facts)
    header = citation_header(opened.study, code_id, facts, redact=opened.redact)
    sourced = _sourced(workspace, opened, quotes, settings, header=_plain(header))
    return Citations(sourced, note, len(too_short), settings.report.quote_min_content_words, header)


def _plain(value: object) -> str:
    """Every key and value of a (nested) header on lines of their own, as the leak check reads text: a
    repr or JSON of it escapes a line break into «\\nLemvig», where no word boundary is left."""
    if isinstance(value, dict):
        return "\n".join(f"{_plain(key)}\n{_plain(item)}" for key, item in value.items())
    if isinstance(value, list | tuple | set):
        return "\n".join(_plain(item) for item in value)
    return str(value)


def _check_code(workspace: Workspace, codebook: Codebook, code_id: str) -> None:
    """A code of the study's codebook; one renamed or merged in the review app names its code now."""
    from hoi_nlp.review.codebook_edit import code_id_map

    if not codebook.has_code(code_id) and (now := code_id_map(workspace).get(code_id)):
        raise ExportError(f"code '{code_id}' has been renamed or merged into '{now}' in this study",
                          hint=f"cite '{now}' (its codings include {code_id}'s)")
    codebook.code(code_id)  # an unknown code: an error with the closest ids


def _check_group(study: CodedStudy, attribute: str, value: str) -> None:
    """``attribute`` is one the quotes' sources show (identifying ones are left out of citations) and some
    source has ``value`` there (compared as :func:`~hoi_nlp.export.cite.best_quotes` does,
    :func:`~hoi_nlp.export.cite.group_value_is`): a mistyped value is an error naming the values there
    are, not «no quotes»."""
    known = sorted({key for source in study.sources.values() for key in source.attributes})
    if attribute not in known:
        hint = ("use one of: " + ", ".join(known)) if known else "its sources have no attributes"
        raise ExportError(f"--group: the study's sources have no attribute '{attribute}'", hint=hint)
    values = sorted({source.attributes[attribute] for source in study.sources.values()
                     if source.attributes.get(attribute)})
    if not any(group_value_is(study, attribute, known_value, value) for known_value in values):
        shown = ", ".join(f"'{v}'" for v in values[:GROUP_VALUES_SHOWN])
        more = f" and {len(values) - GROUP_VALUES_SHOWN} more" if len(values) > GROUP_VALUES_SHOWN else ""
        raise ExportError(f"--group: no source has {attribute}='{value}'",
                          hint=f"the values of {attribute} are {shown}{more}" if values
                          else f"no source has a value for {attribute}")


GROUP_VALUES_SHOWN = 20


def search(workspace: Workspace, codebook: Codebook, query: str, *, settings: Settings,
           n: int = 10) -> list[tuple[float, Quote, str]]:
    """Semantic search over coded segments; hits as pseudonymised quotes with their cosine and source."""
    opened = open_study(workspace, codebook, settings=settings)
    embed = study_embedding(workspace, opened.study, settings.embeddings)
    hits = search_segments(opened.study, query, embed=embed, redact=opened.redact, n=n,
                           min_content_words=settings.report.quote_min_content_words)
    sourced = _sourced(workspace, opened, [q for _, q in hits], settings)
    return [(score, quote, reference) for (score, _), (quote, reference) in zip(hits, sourced, strict=True)]


def _sourced(workspace: Workspace, opened: OpenStudy, quotes: list[Quote],
             settings: Settings, *, header: str = "") -> list[tuple[Quote, str]]:
    """Quotes with their source references, leak-checked (with the ``header`` that goes before them) and
    registered so their ids resolve."""
    texts = texts_for(settings.report.language)
    sourced = [(q, source_reference(opened.study, q.segment_id, redact=opened.redact, texts=texts))
               for q in quotes]
    guard = opened.current_guard()  # over the names pseudonymising these quotes may have taught the key
    for quote, reference in sourced:
        guard.check_text(f"{quote.citation} {reference}", where=quote.quote_id)
    if header:
        guard.check_text(header, where="the quotes' header")
    opened.redact.save()
    register_quotes(workspace, quotes, study=opened.study, redact=opened.redact)
    return sourced


def quote(workspace: Workspace, codebook: Codebook | Callable[[], Codebook], quote_id: str, *,
          settings: Settings, original: bool = False) -> ResolvedQuote:
    """Where a quote comes from and what it says (pseudonymised; the original too with ``original``),
    read without loading the study (``codebook`` may be a function loading it only when needed)."""
    return locate_quote(workspace, codebook, quote_id, redact=lambda: StudyRedactor(workspace, settings),
                        texts=texts_for(settings.report.language), original=original)

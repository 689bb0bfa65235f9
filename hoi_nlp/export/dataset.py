"""Write the coded dataset of a study: XLSX workbook, Parquet/CSV tables, figures and quote extracts.

Every file is written atomically and then checked by the study's :class:`LeakGuard`. A raw
export carries an "IKKE PSEUDONYMISERET" sheet first (and a marker column in CSV/Parquet).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ExportError, HoiError
from hoi_nlp.export.formats import ExportContext, exporters
from hoi_nlp.export.lang import Texts, texts_for
from hoi_nlp.export.stats import FIGURE_CODES, STANCE_COLUMNS, StudyStats, cooccurrence, crosstab_attributes
from hoi_nlp.export.study import ATTRIBUTE_LABELS, CodedStudy, Redactor
from hoi_nlp.export.tables import (
    assignment_rows,
    case_code_matrix,
    codebook_rows,
    memo_rows,
    respondent_rows,
    segment_rows,
)
from hoi_nlp.ingest.numbers import CLOSED_NUMBERS
from hoi_nlp.io import CSV_DIALECTS, write_atomic, write_csv_frame
from hoi_nlp.privacy.guard import RAW_MARK, RAW_NOTE, LeakGuard
from hoi_nlp.records import Source
from hoi_nlp.review.decisions import code_reviews, current_state, effective_decisions, load_decisions
from hoi_nlp.review.study_memos import load_study_memos
from hoi_nlp.store import Workspace, load_assignments, load_segments, load_sources

logger = logging.getLogger(__name__)

TABLE_FORMATS = ("xlsx", "parquet", "csv", "md")
DATASET = "coded_dataset"


def _model_version(model_dir: Path) -> str:
    """The model version of the trained coder in ``model_dir`` ("" when there is none)."""
    from hoi_nlp.coding.model_io import read_manifest  # not at import: it loads the coder's modules (spaCy)

    try:
        return str(read_manifest(model_dir).get("model_version") or "") if model_dir.is_dir() else ""
    except (HoiError, OSError, ValueError):
        return ""


def load_coded_study(
    workspace: Workspace, codebook: Codebook, *, coder: str | None = None, with_review: bool = True,
    code_id: str | None = None, sources: Iterable[Source] | None = None,
) -> CodedStudy:
    """Load sources, coding units, machine assignments (of ``coder``, default all) and the review state.

    With ``code_id``, the coding units and machine assignments are those of the units the code is on (a
    suggestion of it, or an analyst's decision on it), with every code's assignments there: what quoting
    the code needs (``hoi cite``), without reading the rest of the study's codings. Sources, the review
    (its decisions and memos) and the study's memos are read whole either way. ``sources``: the study's
    sources when the caller has read them already.
    """
    sources = {source.source_id: source
               for source in (load_sources(workspace) if sources is None else sources)}
    if not sources:
        raise ExportError(
            "the study has no sources",
            path=str(workspace.root),
            hint="run `hoi run STUDY_DIR` or `hoi ingest` first",
        )
    state = current_state(workspace) if with_review else None
    if code_id is None:
        segments = load_segments(workspace, codable=True)
        assignments = load_assignments(workspace, coder=coder, tier="suggested")
        by_id = {seg.segment_id: seg for seg in segments}
        codable: Collection[str] = by_id
        reviews = code_reviews(state, by_id) if state is not None else {}
    else:
        codable = codable_ids(workspace)
        units = {a.segment_id for a in load_assignments(workspace, coder=coder, tier="suggested",
                                                        code_id=code_id)}
        if state is not None:
            units |= {segment_id for segment_id, code in state.codes if code == code_id}
        # the reviews of these units, and of every unit an analyst decided on or wrote a memo on (the
        # study's analysts and memos): the rest are the machine's suggestions, unreviewed
        reviewed = (units | state.segments.keys()) & codable if state is not None else set()
        reviews = code_reviews(state, reviewed) if state is not None else {}
        segments = [seg for seg in load_segments(workspace, segment_ids=sorted(units)) if seg.codable]
        by_id = {seg.segment_id: seg for seg in segments}
        assignments = load_assignments(workspace, coder=coder, tier="suggested", segment_ids=by_id)
    # the "suggested" tier only: the "possible" candidates never count, they are not even read
    assignments = [a for a in assignments if codebook.has_code(a.code_id)]
    reviews = {k: v for k, v in reviews.items() if codebook.has_code(k[1])}
    flagged = frozenset(sid for sid, note in state.segments.items() if note.flagged and sid in codable) \
        if state is not None else frozenset()
    memos = [d for d in effective_decisions(load_decisions(workspace)) if d.action == "memo" and d.memo] \
        if with_review else []
    study_memos = load_study_memos(workspace) if with_review else []
    from hoi_nlp.coding.model_io import previous_model_dir

    retrained = frozenset(filter(None, (_model_version(path) for path in (
        workspace.coder_model_dir, previous_model_dir(workspace.coder_model_dir)))))
    return CodedStudy(
        codebook=codebook,
        sources=sources,
        segments=segments,
        assignments=assignments,
        reviews=reviews,
        name=workspace.study,
        sentence_loader=lambda source_id: load_segments(workspace, source_ids=[source_id],
                                                        kinds=["sentence"]),
        memos=memos,
        study_memos=study_memos,
        retrained_versions=retrained,
        title=study_title(workspace, sources.values()),
        flagged=flagged,
        closed_numbers=_last_ingest(workspace).get(CLOSED_NUMBERS) or {},
    )


def codable_ids(workspace: Workspace) -> set[str]:
    """The ids of the study's coding units (without reading the units)."""
    from sqlalchemy import select

    from hoi_nlp.store import segments_table

    with workspace.engine.connect() as conn:
        query = select(segments_table.c.segment_id).where(segments_table.c.codable)
        return set(conn.execute(query).scalars())


def _last_ingest(workspace: Workspace) -> dict[str, Any]:
    """The parameters of the study's last ingest ({} when none is recorded)."""
    from hoi_nlp.store import last_run_params

    return last_run_params(workspace, "ingest")


def study_title(workspace: Workspace, sources: Iterable[Source]) -> str:
    """The study's own name: the survey schema's ``survey:`` (of the folder the last ingest read),
    else the study folder's name; "" when neither is known."""
    import yaml

    params = _last_ingest(workspace)
    folder = Path(str(params.get("study_dir", ""))) if params else None
    if folder is not None and folder.name:
        for schema in sorted((folder / "survey").glob("*.y*ml")):
            try:
                data = yaml.safe_load(schema.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            if isinstance(data, dict) and str(data.get("survey") or "").strip():
                return str(data["survey"]).strip()
    folders = {s.study for s in sources if s.study}
    return folders.pop() if len(folders) == 1 else (folder.name if folder is not None else "")


def _sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A name Excel takes for a sheet (31 characters, none of []:*?/\\), unlike every one in ``taken``
    (case-insensitive): two long names alike in their first 31 characters get "~2", "~3", ... at the end."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name)[:31]
    shown, n = base, 2
    while taken is not None and shown.casefold() in taken:
        suffix = f"~{n}"
        shown, n = base[: 31 - len(suffix)] + suffix, n + 1
    if taken is not None:
        taken.add(shown.casefold())
    return shown


# Cells are written as typed: a text starting with "=" stays text (no formula injection), and
# URL-like answers are not turned into hyperlinks.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell (it drops the rest without a word)


def excel_sized(sheets: dict[str, pd.DataFrame], texts: Texts) -> dict[str, pd.DataFrame]:
    """The sheets with every text longer than Excel's cell limit cut visibly (a note saying how long it
    was and where the whole text is), each cut column logged; the frames given are not changed."""
    out = {}
    for name, frame in sheets.items():
        for j, column in enumerate(frame.columns):
            if getattr(frame[column].dtype, "kind", "") != "O":
                continue
            long = frame[column].map(lambda v: isinstance(v, str) and len(v) > EXCEL_CELL_LIMIT)
            if not long.any():
                continue
            if frame is sheets[name]:
                frame = frame.copy()
            rows = [i for i, flag in enumerate(long.tolist()) if flag]
            for i in rows:
                text = frame.iat[i, j]
                note = texts("sheet.cut", n=f"{len(text):,}".replace(",", "." if not texts.english else ","))
                frame.iat[i, j] = text[: EXCEL_CELL_LIMIT - len(note)] + note
            logger.warning("sheet '%s', column '%s': %d text(s) longer than Excel's cell limit of 32,767 "
                           "characters (first at row %d) cut in the XLSX, marked as cut; the Parquet and CSV "
                           "files hold the whole text", name, column, len(rows), rows[0] + 2)
        out[name] = frame
    return out


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write ``sheets`` to an XLSX workbook with frozen headers and fitted column widths.

    Rows are streamed (xlsxwriter's constant-memory mode), so a 100k-segment study does not
    hold every cell in memory.
    """
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS, "constant_memory": True})
    try:
        bold = book.add_format({"bold": True})
        taken: set[str] = set()
        for name, frame in sheets.items():
            sheet = book.add_worksheet(_sheet_name(name, taken))
            sheet.freeze_panes(1, 0)
            for j, column in enumerate(frame.columns):
                sheet.set_column(j, j, min(60, max(10, _display_width(column, frame.iloc[:199, j]) + 2)))
            sheet.write_row(0, 0, [str(column) for column in frame.columns], bold)
            for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
                for j, value in enumerate(row):
                    if (cell := _cell(value)) is not None:
                        sheet.write(i, j, cell)
    finally:
        book.close()


def _cell(value: object) -> str | int | float | bool | None:
    """A frame value as an Excel cell: None for empty (None, NaN, NaT, NA), text for anything unusual."""
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN is empty
    if value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value))):
        return None
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and pd.api.types.is_scalar(value):
        return _cell(item())
    return str(value)


def _display_width(header: object, values: pd.Series) -> int:
    """The widest of the header and the first values, in characters."""
    return max([len(str(header))] + [len(str(v)) for v in values if pd.notna(v)])


def dataset_sheets(study: CodedStudy, *, redact: Redactor, raw: bool = False,
                   stats: StudyStats | None = None) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, in order (an "IKKE PSEUDONYMISERET" sheet first in raw exports)."""
    stats = stats or StudyStats(study)
    texts = stats.texts
    sheets: dict[str, pd.DataFrame] = {}
    if raw:
        sheets[RAW_MARK] = pd.DataFrame({RAW_MARK: [RAW_NOTE]})
    sheets[texts("sheet.segments")] = segment_rows(study, redact=redact, raw=raw, texts=texts)
    sheets[texts("sheet.codes")] = assignment_rows(study, redact=redact, texts=texts)
    for family in study.codebook.families:
        sheets[texts("sheet.frequency", family=family.id)] = stats.frequencies(family.id)
    if study.question_bases:
        sheets[texts("sheet.by_question")] = stats.by_question
    for attribute in crosstab_attributes(study):
        frame = stats.crosstabs[stats.crosstabs["attribute"] == attribute]
        if not frame.empty:
            sheets[texts("sheet.crosstab", attribute=attribute)] = frame.reset_index(drop=True)
    sheets[texts("sheet.cooccurrence_respondent")] = cooccurrence(study, level="respondent").reset_index(
        names="code_id")
    sheets[texts("sheet.cooccurrence_segment")] = cooccurrence(study, level="segment").reset_index(
        names="code_id")
    sheets[texts("sheet.matrix")] = case_code_matrix(study, redact=redact, texts=texts)
    sheets[texts("sheet.memos")] = memo_rows(study, redact=redact, texts=texts)
    sheets[texts("sheet.respondents")] = respondent_rows(study, redact=redact, raw=raw)
    sheets[texts("sheet.codebook")] = codebook_rows(study.codebook)
    return sheets


def write_csv(frame: pd.DataFrame, path: Path, *, dialect: str = "excel") -> None:
    """``excel``: UTF-8 BOM, comma, CRLF; ``excel-da``: UTF-8 BOM, semicolon, CRLF, decimal comma.

    Texts a spreadsheet would run as a formula ("=HYPERLINK(…)") get a leading ``'`` (:func:`safe_frame`).
    """
    if dialect not in CSV_DIALECTS:
        raise ExportError(f"unknown CSV dialect '{dialect}'", hint=f"choose {' or '.join(CSV_DIALECTS)}")
    write_csv_frame(frame, path, dialect=dialect)


def _marked(frame: pd.DataFrame, raw: bool) -> pd.DataFrame:
    return frame.assign(**{"pseudonymisering": RAW_MARK}) if raw else frame


def context_stats(ctx: ExportContext) -> StudyStats:
    """The export's numbers (frequencies, crosstabs, tests), computed once and shared by every format."""
    return ctx.once("stats", lambda: StudyStats(ctx.study, ctx.settings.report))


def context_sheets(ctx: ExportContext) -> dict[str, pd.DataFrame]:
    """The dataset's tables, computed once per export (xlsx, csv and parquet share them)."""
    return ctx.once("sheets", lambda: dataset_sheets(ctx.study, redact=ctx.redact, raw=ctx.raw,
                                                     stats=context_stats(ctx)))


def context_figures(ctx: ExportContext) -> list[Path]:
    """The figures, drawn once per export (tables and report share them)."""
    return ctx.once("figures", lambda: export_figures(ctx.study, ctx.out_dir / "figurer", guard=ctx.guard,
                                                      stats=context_stats(ctx)))


@exporters.register("xlsx")
def export_xlsx(ctx: ExportContext) -> list[Path]:
    """The coded dataset as one workbook (``coded_dataset.xlsx``) plus the figures."""
    sheets = excel_sized(context_sheets(ctx), context_stats(ctx).texts)
    cells = sum(frame.size for frame in sheets.values())  # a large workbook is written by a helper process
    path = ctx.helper.write(ctx.target(f"{DATASET}.xlsx"), write_xlsx, sheets, size=cells)
    return [path, *context_figures(ctx)]


@exporters.register("parquet")
def export_parquet(ctx: ExportContext) -> list[Path]:
    """Segments and codes as Parquet tables."""
    return [write_atomic(ctx.out_dir / f"{DATASET}_{suffix}.parquet",
                         lambda tmp, f=frame: f.to_parquet(tmp, index=False))
            for suffix, frame in _long_tables(ctx)]


@exporters.register("csv")
def export_csv(ctx: ExportContext) -> list[Path]:
    """Segments, codes and frequencies as CSV (``--csv-dialect excel-da``: Danish Excel) plus the figures."""
    paths = [write_atomic(ctx.out_dir / f"{DATASET}_{suffix}.csv",
                          lambda tmp, f=frame: write_csv(f, tmp, dialect=ctx.csv_dialect))
             for suffix, frame in _long_tables(ctx)]
    paths += _frequency_csvs(ctx.study, ctx.out_dir, dialect=ctx.csv_dialect, stats=context_stats(ctx))
    return paths + context_figures(ctx)


def _long_tables(ctx: ExportContext) -> list[tuple[str, pd.DataFrame]]:
    texts = context_stats(ctx).texts
    sheets = context_sheets(ctx)
    return [(suffix, _marked(sheets[texts(sheet)], ctx.raw))
            for sheet, suffix in (("sheet.segments", "segments"), ("sheet.codes", "codes"))]


def _frequency_csvs(study: CodedStudy, out_dir: Path, *, dialect: str, stats: StudyStats) -> list[Path]:
    frames = [stats.frequencies(family.id).assign(family=family.id) for family in study.codebook.families]
    table = pd.concat(frames, ignore_index=True)
    for column in table.columns:
        if column in ("base", "mentioning", "segments", "reviewed_segments", *STANCE_COLUMNS):
            table[column] = table[column].astype("Int64")
    return [write_atomic(out_dir / "frekvenser.csv", lambda tmp: write_csv(table, tmp, dialect=dialect))]


def _labels(frame: pd.DataFrame, *columns: str) -> list[str]:
    """The texts a figure of ``frame`` draws: index, column names and the given columns' values."""
    return [str(v) for v in (*frame.index, *frame.columns, *(v for c in columns for v in frame[c]))]


def family_bars(stats: StudyStats, family_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A family's bar chart data: codes × materials (shown bases only), the share in pct. and its
    label ``22 pct. (17 af 77)``. A stance family counts hindrances and mentions without a stance
    (barriers mentioned as overcome or absent are left out)."""
    texts = stats.texts
    frame = stats.frequencies(family_id)
    frame = frame[frame["mentioning"].notna()]
    with_stance = "stance_unknown" in frame.columns
    mentioned = stats.mentioned_codes(family_id)[:FIGURE_CODES]
    labels = {c.id: c.label for c in stats.study.codebook.family(family_id).codes}
    shares = pd.DataFrame(index=[labels[c] for c in mentioned])
    notes = pd.DataFrame(index=shares.index)
    for material, rows in frame.groupby("material", sort=False):
        base = int(rows["base"].iloc[0])
        series = texts("report.subtitle_material", material=texts(f"material.{material}"), n=base,
                       unit=texts(f"unit.{material}"))
        by_code = rows.set_index("code_id")
        column = "hindrance_or_unknown" if with_stance else "mentioning"
        counts = {c: int(by_code.loc[c, column]) for c in mentioned}
        shares[series] = [100 * counts[c] / base for c in mentioned]
        notes[series] = [texts.share(counts[c], base) for c in mentioned]
    return shares, notes


def export_figures(study: CodedStudy, out_dir: Path, *, guard: LeakGuard, stats: StudyStats | None = None,
                   ) -> list[Path]:
    """Bar charts of code shares per family and material, heatmaps of crosstabs and of co-occurrence (PNG).

    Every share carries its base; groups below the threshold are merged or left out. Figures cannot
    be read back, so ``guard`` checks every label before it is drawn.
    """
    from hoi_nlp.export.plots import bar_chart, heatmap

    stats = stats or StudyStats(study)
    texts = stats.texts
    drawings: list[tuple[str, list[str], Callable[[], Path]]] = []  # (name, labels, draw)
    for family in study.codebook.families:
        shares, notes = family_bars(stats, family.id)
        if not shares.empty and shares.shape[1]:
            title = stats.figure_caption(family.id)
            path = out_dir / f"andele_{family.id}.png"
            drawings.append((path.stem, [title, *_labels(shares), *notes.to_numpy().ravel().tolist()],
                             lambda s=shares, n=notes, p=path, t=title: bar_chart(
                                 s, n, p, title=t, axis_label=texts("report.figure_axis"))))
        for material in study.bases:
            for attribute in crosstab_attributes(study)[:3]:
                shares = stats.crosstab_shares(family.id, attribute, material)
                if shares.empty or shares.shape[1] < 2:
                    continue
                counts = stats.crosstab_counts(family.id, attribute, material)
                cells = pd.DataFrame(
                    [[f"{texts.number(v)} ({int(k)})" if v == v else ""
                      for v, k in zip(row_v, row_k, strict=True)]
                     for row_v, row_k in zip(shares.to_numpy(), counts.to_numpy(), strict=True)],
                    index=shares.index, columns=shares.columns)
                label = texts.get(f"attribute.{attribute}", ATTRIBUTE_LABELS.get(attribute, attribute))
                title = texts("figure.crosstab_title", family=family.label, attribute=label.lower(),
                              material=texts(f"material.{material}").lower())
                name = f"krydstabel_{family.id}_{attribute}" + (
                    "" if material == "survey" else f"_{material}")
                path = out_dir / f"{name}.png"
                drawings.append((name, [title, *_labels(shares)],
                                 lambda s=shares, c=cells, p=path, t=title: heatmap(
                                     s, p, percent=True, title=t, value_label=texts("figure.share"),
                                     cells=c)))
    for name, labels, _ in drawings:  # every label of every figure, before the first is drawn
        guard.check_texts(labels, where=f"figure {name}")
    paths = [draw() for _, _, draw in drawings]
    paths.append(cooccurrence_figure(study, out_dir / "samforekomst_respondent.png", guard=guard,
                                     texts=texts))
    return paths


def cooccurrence_figure(study: CodedStudy, path: Path, *, guard: LeakGuard, top: int = 15,
                        texts: Texts | None = None) -> Path:
    """Heatmap of respondent-level co-occurrence among the ``top`` most frequent codes."""
    from hoi_nlp.export.plots import heatmap

    texts = texts or texts_for("da")
    matrix = cooccurrence(study, level="respondent")
    order = sorted(matrix.index, key=lambda c: -matrix.loc[c, c])[:top]
    order = [c for c in order if matrix.loc[c, c] > 0] or order[:2]
    labels = [study.codebook.code(c).label for c in order]
    frame = pd.DataFrame(matrix.loc[order, order].to_numpy(), index=labels, columns=labels)
    title = texts("figure.cooccurrence_title")
    guard.check_texts([title, *_labels(frame)], where=f"figure {path.stem}")
    return heatmap(frame, path, title=title, value_label=texts("figure.respondents"))

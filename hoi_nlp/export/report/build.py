"""The study report as blocks, rendered to DOCX, Markdown or HTML by :mod:`hoi_nlp.export.report.render`.

Titled with the study's own name. Per code family: the share of each material that mentions each
code, always with its base («22 pct. (17 af 77)»; barriers counted by stance), its figure, the codes
by survey question, the group differences with raw and Benjamini–Hochberg adjusted p-values (small
groups merged or suppressed), and per code the selected quotes with their source references. Then
emergent themes (when a themes result exists in the workspace), the method notes and appendices
(the analysts' memos, the survey's questions). Everything quoted is pseudonymised; the report speaks
one language (``[report] language``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from hoi_nlp.export.lang import SUPPRESSED, Texts, texts_for
from hoi_nlp.export.report.blocks import Report
from hoi_nlp.export.stats import STANCE_KEYS, STANCE_ORDER, StudyStats, crosstab_attributes
from hoi_nlp.export.study import ATTRIBUTE_LABELS, CodedStudy
from hoi_nlp.records import Quote

logger = logging.getLogger(__name__)

QuotePicker = Callable[[str], list[Quote]]
Referencer = Callable[[Quote], str]
THEMES_FILES = ("themes/themes.json", "themes.json", "exports/themes.json")
TOP_CODES = 3


def _material_header(stats: StudyStats, material: str) -> str:
    texts = stats.texts
    return f"{texts(f'material.{material}')} ({texts('base_n', n=len(stats.base(material)))})"


def _suppressed_materials(stats: StudyStats, family_id: str) -> list[str]:
    """Materials whose base is too small to show and that hold codings of the family."""
    study = stats.study
    used = {study.material_of_segment[c.segment_id] for code in study.codebook.family(family_id).codes
            for c in study.codings_for(code.id)}
    return [m for m in study.bases if m in used and not stats.shown(len(stats.base(m)))]


def frequency_block(report: Report, stats: StudyStats, family_id: str) -> list[str]:
    """The family's shares per material (by stance for barriers); returns the codes mentioned."""
    texts = stats.texts
    mentioned = stats.mentioned_codes(family_id)
    if not mentioned:
        hidden = _suppressed_materials(stats, family_id)
        report.add("paragraph", texts("report.mentions_suppressed", n=stats.min_size, materials=", ".join(
            f"{texts(f'material.{m}')} (N = {len(stats.base(m))})" for m in hidden))
            if hidden else texts("report.no_mentions"))
        return []
    family = stats.study.codebook.family(family_id).label
    frame = stats.frequencies(family_id)
    labels = {c.id: c.label for c in stats.study.codebook.family(family_id).codes}
    if stats.has_stance(family_id):
        _stance_tables(report, stats, family, frame, mentioned, labels)
        return mentioned
    materials = list(stats.study.bases)
    cells = {(r.code_id, r.material): r.share for r in frame.itertuples()}
    rows = tuple((labels[c], *(cells.get((c, m), SUPPRESSED) for m in materials)) for c in mentioned)
    report.add("table", texts("report.frequency_caption", family=family),
               header=(texts("report.code"), *(_material_header(stats, m) for m in materials)), rows=rows)
    return mentioned


def _stance_tables(report: Report, stats: StudyStats, family: str, frame: pd.DataFrame,
                   mentioned: Sequence[str], labels: dict[str, str]) -> None:
    """One table per shown material: hindrances, overcome/absent, other stances and unknown apart."""
    texts = stats.texts
    for material, rows in frame.groupby("material", sort=False):
        n = int(rows["base"].iloc[0])
        if not stats.shown(n):
            continue
        by_code = rows.set_index("code_id")
        present = [k for k in ("precondition", "rating", "stance_unknown") if by_code[k].sum() > 0]
        columns = ["hindrance", "overcome", *present]
        order = [STANCE_KEYS[s] for s in STANCE_ORDER]
        columns = sorted(columns, key=order.index)
        keys = {STANCE_KEYS[s]: f"stance.{s or 'unknown'}" for s in STANCE_ORDER}
        body = tuple(
            (labels[c], *(texts.share(int(by_code.loc[c, k]), n) for k in columns),
             texts.share(int(by_code.loc[c, "mentioning"]), n))
            for c in mentioned if by_code.loc[c, "mentioning"] > 0
        )
        if not body:
            continue
        caption = texts("report.stance_caption", family=family, material=texts(f"material.{material}"),
                        base=texts("base_n", n=n), unknown=texts("stance.unknown"))
        report.add("table", caption,
                   header=(texts("report.code"), *(texts(keys[k]) for k in columns), texts("stance.any")),
                   rows=body)


def question_block(report: Report, stats: StudyStats, family_id: str) -> None:
    """The family's most frequent codes per survey question, each share with the question's base."""
    texts = stats.texts
    frame = stats.by_question
    frame = frame[(frame["family"] == family_id) & frame["mentioning"].notna()]
    if frame.empty:
        return
    rows = []
    for question_id, group in frame.groupby("question_id", sort=False):
        top = group.sort_values("mentioning", ascending=False, kind="stable").head(TOP_CODES)
        rows.append((str(question_id), str(int(group["base"].iloc[0])),
                     "; ".join(f"{r.label} {r.share}" for r in top.itertuples())))
    family = stats.study.codebook.family(family_id).label
    report.add("table", texts("report.by_question_caption", family=family),
               header=(texts("report.question"), texts("report.answered"), texts("report.top_codes")),
               rows=tuple(rows))


def difference_block(report: Report, stats: StudyStats, family_id: str, code_ids: Sequence[str]) -> None:
    """Per material: each code's share by size group (or the first attribute with two shown groups),
    with the raw and adjusted p-value; * marks codes whose difference survives the adjustment."""
    texts = stats.texts
    if not code_ids:
        return
    family = stats.study.codebook.family(family_id).label
    for material in stats.study.bases:
        attribute = next((a for a in crosstab_attributes(stats.study)
                          if len(stats.groups(material, a).shown) >= 2), None)
        if attribute is None:
            continue
        frame = stats.crosstab_family(family_id, attribute, material)
        groups = stats.groups(material, attribute)
        names = [*groups.shown, *groups.suppressed]
        header = [texts("group_n", group=g, n=len(groups.shown[g])) if g in groups.shown else g
                  for g in names]
        rows = []
        for code_id in code_ids:
            mine = frame[frame["code_id"] == code_id]
            if mine.empty:
                continue
            cells = dict(zip(mine["group"], mine["share"], strict=True))
            first = mine.iloc[0]
            significant = first["significant"]
            star = "* " if pd.notna(significant) and bool(significant) else ""
            rows.append((star + str(first["label"]), *(cells.get(g, SUPPRESSED) for g in names),
                         str(first["note"])))
        if rows:
            label = texts.get(f"attribute.{attribute}", ATTRIBUTE_LABELS.get(attribute, attribute)).lower()
            report.add("table", texts("report.difference_caption", family=family, attribute=label,
                                      material=texts(f"material.{material}").lower()),
                       header=(texts("report.code"), *header, texts("report.test")), rows=tuple(rows))


def quotes_block(report: Report, study: CodedStudy, code_ids: Sequence[str], pick: QuotePicker,
                 reference: Referencer | None = None) -> None:
    """Per mentioned code: its label and selected quotes with citation, source reference and quote id."""
    for code_id in code_ids:
        quotes = pick(code_id)
        if not quotes:
            continue
        report.add("heading", study.codebook.code(code_id).label, level=3)
        for quote in quotes:
            report.add("quote", quote.citation, ref=quote.quote_id,
                       note=reference(quote) if reference else "")


def find_themes(workspace_root: Path | None) -> list[dict[str, object]]:
    """Emergent themes from a themes result file in the workspace (empty when there is none)."""
    if workspace_root is None:
        return []
    for name in THEMES_FILES:
        path = workspace_root / name
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                logger.warning("themes file %s is not valid JSON; left out of the report", path)
                return []
            themes = data.get("themes", data) if isinstance(data, dict) else data
            return [t for t in themes if isinstance(t, dict)]
    return []


def themes_block(report: Report, themes: Sequence[dict[str, object]], texts: Texts | None = None) -> None:
    """Emergent themes: label, size and key words."""
    texts = texts or texts_for(report.language)
    report.add("heading", texts("themes.heading"), level=1)
    report.add("paragraph", texts("themes.intro"))
    rows = tuple(
        (
            str(t.get("label") or t.get("name") or t.get("id") or "Tema"),
            str(t.get("size") or t.get("count") or ""),
            ", ".join(map(str, t.get("keywords") or t.get("words") or []))[:120],
        )
        for t in themes
    )
    report.add("table", texts("themes.table"),
               header=(texts("themes.theme"), texts("themes.segments"), texts("themes.keywords")), rows=rows)


def method_rows(
    study: CodedStudy, *, reviews: dict[str, int], agreement: Sequence[tuple[str, str]], thresholds: str,
    stats: StudyStats | None = None,
) -> tuple[tuple[str, str], ...]:
    """Method notes as (label, value) rows: coding, bases, small groups, tests, stance, quotes."""
    stats = stats or StudyStats(study)
    texts = stats.texts
    def named(version: str) -> str:
        return version + (f", {texts('method.retrained')}" if version in study.retrained_versions else "")

    coders = sorted({a.coder + (f" ({named(a.model_version)})" if a.model_version else "")
                     for a in study.assignments})
    reviewed = sum(1 for c in study.all_codings if c.review != "unreviewed")
    rejected = sum(1 for c in study.all_codings if c.review == "rejected")
    bases = "; ".join(f"{texts(f'material.{m}')}: {len(b)} {texts(f'material_base.{m}')}"
                      for m, b in study.bases.items())
    rows = [
        (texts("method.codebook"), study.codebook.version_tag),
        (texts("method.coders"), "; ".join(coders) or "-"),
        (texts("method.thresholds"), thresholds),
        (texts("method.bases"), bases or "-"),
        (texts("method.sources"), str(len(study.sources))),
        (texts("method.units"), str(len(study.segments))),
        (texts("method.codings"), str(len(study.codings))),
        (texts("method.reviewed"), texts("method.reviewed_value", n=reviewed, rejected=rejected)),
    ]
    if reviews:
        rows.append((texts("method.decisions"), ", ".join(f"{k}: {v}" for k, v in sorted(reviews.items()))))
    rows += list(agreement)
    rows.append((texts("method.small_cells"), texts("method.small_cells_value", n=stats.min_size,
                                                    other=texts("other_group"))))
    rows.append((texts("method.tests"), texts("method.tests_value", m=stats.test_count,
                                              fdr=texts.number(stats.options.fdr, 2),
                                              survivors=stats.survivors)))
    barrier = [c for c in study.codings if stats.has_stance(c.code_id.split(".", 1)[0])]
    if barrier:
        rows.append((texts("method.stance"), texts("method.stance_value", unknown=texts("stance.unknown"),
                                                   unknown_n=sum(1 for c in barrier if not c.stance),
                                                   total=len(barrier))))
    rows.append((texts("method.quotes"),
                 texts("method.quotes_value", n=stats.options.quote_min_content_words)))
    return tuple(rows)


def appendix_blocks(report: Report, stats: StudyStats, memos: pd.DataFrame | None) -> None:
    """Appendices: the analysts' memos (pseudonymised) and the survey's open questions with their bases."""
    texts = stats.texts
    if memos is not None and not memos.empty:
        report.add("heading", texts("report.appendix_memos"), level=1)
        report.add("paragraph", texts("report.memos_intro"))
        report.add("table", texts("report.appendix_memos"),
                   header=(texts("report.memo_analyst"), texts("report.code"), texts("report.memo_source"),
                           texts("report.memo_text")),
                   rows=tuple((str(r.analyst), str(r.label or r.code_id or "–"), str(r.reference),
                               str(r.memo)) for r in memos.itertuples()))
    if stats.questions:
        report.add("heading", texts("report.appendix_questions"), level=1)
        report.add("table", texts("report.appendix_questions"),
                   header=(texts("report.question"), texts("report.question_text"), texts("report.answered")),
                   rows=tuple((q, text or "–", str(n)) for q, text, n in stats.questions))


def build_report(
    study: CodedStudy,
    *,
    pick: QuotePicker,
    figures: dict[str, Path],
    raw: bool = False,
    workspace_root: Path | None = None,
    reviews: dict[str, int] | None = None,
    agreement: Sequence[tuple[str, str]] = (),
    thresholds: str = "-",
    stats: StudyStats | None = None,
    reference: Referencer | None = None,
    memos: pd.DataFrame | None = None,
) -> Report:
    """Assemble the report's blocks."""
    from hoi_nlp.privacy.guard import RAW_NOTE

    stats = stats or StudyStats(study)
    texts = stats.texts
    materials = " · ".join(texts("report.subtitle_material", material=texts(f"material.{m}"), n=len(b),
                                 unit=texts(f"unit.{m}")) for m, b in study.bases.items())
    report = Report(
        title=study.display_name,
        subtitle=texts("report.subtitle", materials=materials, version=study.codebook.version_tag),
        raw=raw,
        language=texts.language,
    )
    if raw:
        report.add("warning", RAW_NOTE)
    state = texts("quotes.raw") if raw else texts("quotes.pseudonymised")
    report.add("paragraph", texts("report.intro", state=state))
    for family in study.codebook.families:
        report.add("heading", family.label, level=1)
        mentioned = frequency_block(report, stats, family.id)
        if family.id in figures and mentioned:
            report.add("figure", stats.figure_caption(family.id), path=figures[family.id])
        question_block(report, stats, family.id)
        difference_block(report, stats, family.id, mentioned)
        quotes_block(report, study, mentioned, pick, reference)
    themes = find_themes(workspace_root)
    if themes:
        themes_block(report, themes, texts)
    report.add("heading", texts("report.method"), level=1)
    report.add(
        "table",
        texts("report.method_notes"),
        header=("", ""),
        rows=method_rows(study, reviews=reviews or {}, agreement=agreement, thresholds=thresholds,
                         stats=stats),
    )
    appendix_blocks(report, stats, memos)
    return report

"""The study report as a list of blocks, rendered to DOCX, Markdown or HTML by :mod:`hoi_nlp.export.report.render`.

Per code family: the frequency table (share of respondents), its bar chart, the strongest
group differences, and per code the selected quotes. Then emergent themes (when a themes
result exists in the workspace) and method notes: codebook version, coders and model
versions, thresholds, review counts and agreement. Everything quoted is pseudonymised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from hoi_nlp.export.report.blocks import Report
from hoi_nlp.export.stats import crosstab, crosstab_attributes, format_p
from hoi_nlp.export.study import ATTRIBUTE_LABELS, CodedStudy
from hoi_nlp.export.tables import frequency_rows
from hoi_nlp.records import Quote

logger = logging.getLogger(__name__)

QuotePicker = Callable[[str], list[Quote]]
THEMES_FILES = ("themes/themes.json", "themes.json", "exports/themes.json")


def _pct(value: float) -> str:
    return f"{value:.0f}".replace(".", ",")


def frequency_block(report: Report, study: CodedStudy, family_id: str) -> list[str]:
    """The family's frequency table; returns the ids of codes that are mentioned."""
    frame = frequency_rows(study, family_id)
    rows = tuple(
        (r.label, str(r.respondents), _pct(r.share_of_respondents_pct), str(r.segments))
        for r in frame.itertuples()
        if r.respondents > 0
    )
    total = len(study.respondents)
    if not rows:
        report.add("paragraph", "Ingen af respondenterne nævner koder i denne familie.")
        return []
    label = study.codebook.family(family_id).label
    report.add(
        "table",
        f"{label}: andel af respondenterne (N = {total}), der nævner koden",
        header=("Kode", "Respondenter", "Pct.", "Segmenter"),
        rows=rows,
    )
    return [r.code_id for r in frame.itertuples() if r.respondents > 0]


def difference_block(report: Report, study: CodedStudy, family_id: str, code_ids: Sequence[str]) -> None:
    """A table of each code's shares by size group (or the first crosstab attribute) with the test."""
    attributes = crosstab_attributes(study)
    if not attributes or not code_ids:
        return
    attribute = attributes[0]
    groups = sorted({a.get(attribute, "") for a in study.respondents.values()} - {""})
    if len(groups) < 2:
        return
    rows = []
    for code_id in code_ids:
        frame, test = crosstab(study, code_id, attribute)
        shares = {
            r.group: f"{_pct(r.share_pct)} ({r.mentioning}/{r.respondents})" for r in frame.itertuples()
        }
        rows.append(
            (study.codebook.code(code_id).label, *(shares.get(g, "-") for g in groups), test.describe())
        )
    label = ATTRIBUTE_LABELS.get(attribute, attribute).lower()
    family = study.codebook.family(family_id).label
    report.add(
        "table",
        f"{family}: andel (pct.) efter {label}, med test",
        header=("Kode", *groups, "Test"),
        rows=tuple(rows),
    )


def quotes_block(report: Report, study: CodedStudy, code_ids: Sequence[str], pick: QuotePicker) -> None:
    """Per mentioned code: its label and selected quotes with citation and quote id."""
    for code_id in code_ids:
        quotes = pick(code_id)
        if not quotes:
            continue
        report.add("heading", study.codebook.code(code_id).label, level=3)
        for quote in quotes:
            report.add("quote", quote.citation, ref=quote.quote_id)


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


def themes_block(report: Report, themes: Sequence[dict[str, object]]) -> None:
    """Emergent themes: label, size and key words."""
    report.add("heading", "Nye temaer (ikke i kodebogen)", level=1)
    report.add(
        "paragraph",
        "Temaerne er fundet automatisk blandt segmenter, som ingen kode dækker, og er "
        "kandidater til nye koder. De skal vurderes af en analytiker.",
    )
    rows = tuple(
        (
            str(t.get("label") or t.get("name") or t.get("id") or "Tema"),
            str(t.get("size") or t.get("count") or ""),
            ", ".join(map(str, t.get("keywords") or t.get("words") or []))[:120],
        )
        for t in themes
    )
    report.add("table", "Nye temaer", header=("Tema", "Segmenter", "Nøgleord"), rows=rows)


def method_rows(
    study: CodedStudy, *, reviews: dict[str, int], agreement: Sequence[tuple[str, str]], thresholds: str
) -> tuple[tuple[str, str], ...]:
    """Method notes as (label, value) rows."""
    coders = sorted(
        {f"{a.coder}" + (f" ({a.model_version})" if a.model_version else "") for a in study.assignments}
    )
    reviewed = sum(1 for c in study.all_codings if c.review != "unreviewed")
    rows = [
        ("Kodebog", study.codebook.version_tag),
        ("Kodere og modeller", "; ".join(coders) or "-"),
        ("Tærskler", thresholds),
        ("Respondenter", str(len(study.respondents))),
        ("Kilder (svar og interview)", str(len(study.sources))),
        ("Kodningsenheder", str(len(study.segments))),
        ("Kodninger i tabellerne", str(len(study.codings))),
        (
            "Gennemsete kodninger",
            f"{reviewed} (heraf afvist: {sum(1 for c in study.all_codings if c.review == 'rejected')})",
        ),
    ]
    if reviews:
        rows.append(("Analytikerbeslutninger", ", ".join(f"{k}: {v}" for k, v in sorted(reviews.items()))))
    rows += list(agreement)
    return tuple(rows)


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
) -> Report:
    """Assemble the report's blocks."""
    from hoi_nlp.privacy.guard import RAW_NOTE

    report = Report(
        title=f"Kodning af {study.codebook.name or study.name}",
        subtitle=f"Studie: {study.name} · {len(study.respondents)} respondenter · "
        f"kodebog {study.codebook.version_tag}",
        raw=raw,
    )
    if raw:
        report.add("warning", RAW_NOTE)
    report.add(
        "paragraph",
        "Tabellerne viser, hvor stor en andel af respondenterne der nævner hver kode; en "
        "respondent tælles én gang pr. kode, uanset hvor mange svar eller interviewudsagn der har koden. "
        "Citaterne er " + ("IKKE pseudonymiserede." if raw else "pseudonymiserede") + " og gengives med "
        "respondentens rolle; citat-id'et fører tilbage til kilden (hoi quote ID).",
    )
    for family in study.codebook.families:
        report.add("heading", family.label, level=1)
        mentioned = frequency_block(report, study, family.id)
        if family.id in figures and mentioned:
            report.add(
                "figure",
                f"{family.label}: andel af respondenterne, der nævner koden",
                path=figures[family.id],
            )
        difference_block(report, study, family.id, mentioned)
        quotes_block(report, study, mentioned, pick)
    themes = find_themes(workspace_root)
    if themes:
        themes_block(report, themes)
    report.add("heading", "Metode", level=1)
    report.add(
        "table",
        "Metodenoter",
        header=("", ""),
        rows=method_rows(study, reviews=reviews or {}, agreement=agreement, thresholds=thresholds),
    )
    report.add(
        "paragraph",
        "Signifikanstest: chi²-test, når alle forventede antal er mindst 5; ellers Fishers "
        "eksakte test for 2×2-tabeller; ellers angives 'for få observationer'. p-værdier under 0,05 "
        f"regnes som signifikante. Eksempel på notation: p = {format_p(0.0312)}.",
    )
    return report

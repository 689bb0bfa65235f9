"""The report: frequency tables, figures, quotes, method notes; themes only when a themes file exists."""

from __future__ import annotations

import json

import docx
import pytest

from hoi_nlp.export.cite import best_quotes
from hoi_nlp.export.dataset import export_figures
from hoi_nlp.export.quotes import source_reference
from hoi_nlp.export.report.build import build_report
from hoi_nlp.export.report.render import write_report
from hoi_nlp.export.stats import StudyStats
from hoi_nlp.settings import ReportSettings


@pytest.fixture
def stats(study):
    """The fixture's numbers with every group shown (its groups are far below the default threshold)."""
    return StudyStats(study, ReportSettings(min_group_size=1))


@pytest.fixture
def report(study, redact, guard, stats, tmp_path):
    figures = {
        p.stem.removeprefix("andele_"): p
        for p in export_figures(study, tmp_path / "figurer", guard=guard, stats=stats)
        if p.stem.startswith("andele_")
    }
    return build_report(
        study,
        pick=lambda code: best_quotes(study, code, redact=redact, n=2),
        figures=figures,
        reviews={"accept": 2},
        thresholds="minimum 0.50",
        stats=stats,
        reference=lambda quote: source_reference(study, quote.segment_id, redact=redact),
    )


def test_report_blocks_per_family(report, study):
    assert report.title == "fixture"  # the study's name, not "Kodning af …"
    headings = [b.text for b in report.blocks if b.kind == "heading"]
    assert headings[:2] == [study.codebook.families[0].label, "Utilstrækkelig integration af IT-systemer"]
    assert "Metode" in headings
    assert "Nye temaer (ikke i kodebogen)" not in headings
    tables = {b.text.split(":")[0].split(" (")[0]: b for b in report.blocks if b.kind == "table"}
    # barriers: hindrances apart from overcome/absent, stance unknown said so; every share with its base
    stance = tables["Barrierer, Spørgeskema"]
    assert stance.header == ("Kode", "Hindring", "Overvundet/fraværende", "Holdning ukendt", "Nævnt i alt")
    assert ("Utilstrækkelig integration af IT-systemer", "0 pct. (0 af 4)", "0 pct. (0 af 4)",
            "75 pct. (3 af 4)", "75 pct. (3 af 4)") in stance.rows
    area = tables["Fagområder"]
    assert area.header == ("Kode", "Spørgeskema (N = 4)", "Interview (N = 1)")
    assert ("Beskæftigelsesområdet", "50 pct. (2 af 4)", "100 pct. (1 af 1)") in area.rows
    difference = tables["Barrierer, spørgeskema"]
    assert difference.header[1:3] == ("Mindre kommune (n = 2)", "Større kommune (n = 2)")
    it_row = next(r for r in difference.rows if "integration af IT" in r[0])
    assert it_row[1:3] == ("50 pct. (1 af 2)", "100 pct. (2 af 2)")
    assert it_row[-1] == "Fishers eksakte test p = 1,000, justeret p = 1,000"
    method = dict(tables["Metodenoter"].rows)
    assert method["Kodebog"] == study.codebook.version_tag
    assert method["Analytikerbeslutninger"] == "accept: 2"
    assert "Benjamini–Hochberg" in method["Signifikanstest"]
    assert "færre end 1 respondenter" in method["Små grupper"]
    quotes = [b for b in report.blocks if b.kind == "quote"]
    assert quotes and all(b.text.startswith('«"') and b.ref.startswith("Q-") for b in quotes)
    assert all(b.note.startswith(("Spørgeskema, R", "Interview T5")) for b in quotes)


def test_docx_markdown_and_html(report, tmp_path):
    document = docx.Document(str(write_report(report, tmp_path / "r.docx", fmt="docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert report.title in text and "Metode" in text
    assert len(document.inline_shapes) == 2  # one bar chart per family with mentions
    markdown = write_report(report, tmp_path / "r.md", fmt="md").read_text(encoding="utf-8")
    assert "| Beskæftigelsesområdet | 50 pct. (2 af 4) | 100 pct. (1 af 1) |" in markdown
    assert "](figurer/andele_barrier.png)" in markdown
    page = write_report(report, tmp_path / "r.html", fmt="html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2 and "<blockquote>" in page


def test_themes_section_when_a_themes_file_exists(study, redact, tmp_path):
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "themes.json").write_text(
        json.dumps({"themes": [{"label": "Ventetid på loven", "size": 4, "keywords": ["lov", "vente"]}]}),
        encoding="utf-8",
    )
    report = build_report(study, pick=lambda code: [], figures={}, workspace_root=tmp_path)
    assert "Nye temaer (ikke i kodebogen)" in [b.text for b in report.blocks if b.kind == "heading"]
    themes = next(b for b in report.blocks if b.kind == "table" and b.text == "Nye temaer")
    assert themes.rows == (("Ventetid på loven", "4", "lov, vente"),)


def test_method_notes_carry_machine_vs_analyst_agreement(coded_workspace):
    from hoi_nlp.export.report.export import agreement_rows
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import load_assignments

    assert agreement_rows(coded_workspace) == []
    machine = load_assignments(coded_workspace)
    record_decision(coded_workspace, segment_id=machine[0].segment_id, code_id=machine[0].code_id,
                    action="accept", analyst="anna")
    record_decision(coded_workspace, segment_id=machine[1].segment_id, code_id=machine[1].code_id,
                    action="reject", analyst="anna")
    rows = dict(agreement_rows(coded_workspace))
    label = "Enighed, maskine vs. analytikere"  # one language: no English label in a Danish report
    units = len({machine[0].segment_id, machine[1].segment_id})
    assert label in rows and "enighed 50 %" in rows[label]
    assert f"({units} kodeenheder, 2 vurderinger (kodeenhed × kode))" in rows[label]


def test_a_family_whose_counts_are_hidden_is_not_reported_as_unmentioned(study, redact):
    """Below the small-group limit the counts are hidden: the report says so, not that nobody
    mentions the family's codes (a small interview study hits this always)."""
    stats = StudyStats(study, ReportSettings(min_group_size=1000))
    built = build_report(study, pick=lambda code: [], figures={}, reviews={}, thresholds="-", stats=stats,
                         reference=lambda quote: "")
    paragraphs = [b.text for b in built.blocks if b.kind == "paragraph"]
    assert not any("Ingen af respondenterne nævner" in p for p in paragraphs)
    assert any("antallene vises ikke: Spørgeskema (N = " in p and "færre end 1000" in p for p in paragraphs)


def test_method_notes_carry_a_finished_round_only_and_in_danish(coded_workspace):
    from hoi_nlp.export.report.export import agreement_rows
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.review.rounds import assign_round, finish_round
    from hoi_nlp.store import load_assignments

    machine = load_assignments(coded_workspace)
    units = sorted({a.segment_id for a in machine})[:2]
    for name in ("anna", "bo"):
        add_user(coded_workspace, name, "korrekt-hest-batteri")
    assign_round(coded_workspace, "R1", ["anna", "bo"], segment_ids=units)
    for analyst, action in (("anna", "accept"), ("bo", "reject")):
        for assignment in (a for a in machine if a.segment_id in units):
            record_decision(coded_workspace, segment_id=assignment.segment_id, code_id=assignment.code_id,
                            action=action, analyst=analyst, round="R1")
    finish_round(coded_workspace, "R1", "anna")
    assert agreement_rows(coded_workspace) == []  # bo has not finished: the round counts nowhere
    finish_round(coded_workspace, "R1", "bo")
    labels = [label for label, _ in agreement_rows(coded_workspace)]
    assert labels == ["Enighed, runde R1 (anna vs. bo)", "Enighed, maskine vs. anna (runde R1)",
                      "Enighed, maskine vs. bo (runde R1)"]


def test_the_method_notes_count_a_rounds_coding_units_apart_from_its_judgements(coded_workspace):
    """A round of 2 coding units with several codes each was reported as «(5 enheder)»: the count was
    of the (unit, code) judgements pooled, while the round page says 2 coding units."""
    from hoi_nlp.export.report.export import agreement_rows
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.review.rounds import assign_round, finish_round
    from hoi_nlp.store import load_assignments

    machine = load_assignments(coded_workspace)
    per_unit: dict[str, list] = {}
    for assignment in machine:
        per_unit.setdefault(assignment.segment_id, []).append(assignment)
    units = sorted(unit for unit, codes in per_unit.items() if len(codes) > 1)[:2]
    assert len(units) == 2, "the fixture needs two units with several suggestions"
    for name in ("anna", "bo"):
        add_user(coded_workspace, name, "korrekt-hest-batteri")
    assign_round(coded_workspace, "R1", ["anna", "bo"], segment_ids=units)
    for analyst in ("anna", "bo"):
        for unit in units:
            for assignment in per_unit[unit]:
                record_decision(coded_workspace, segment_id=unit, code_id=assignment.code_id,
                                action="accept", analyst=analyst, round="R1")
        finish_round(coded_workspace, "R1", analyst)
    judgements = sum(len({a.code_id for a in per_unit[unit]}) for unit in units)
    rows = dict(agreement_rows(coded_workspace))
    round_row = rows["Enighed, runde R1 (anna vs. bo)"]
    assert f"(2 kodeenheder, {judgements} vurderinger (kodeenhed × kode))" in round_row


def test_a_word_file_with_a_long_subtitle_is_written(tmp_path):
    """`hoi cite --format docx` failed with a traceback once its subtitle (what the quotes rest on) passed
    the 255 characters Word allows a document property."""
    import docx

    from hoi_nlp.export.report.blocks import Report
    from hoi_nlp.export.report.render import write_docx

    report = Report(title="Citater: " + "lang titel " * 30, subtitle="hvad citaterne bygger på " * 20)
    report.add("quote", '«"Tekst." (Direktør)»', ref="Q-0123456789", note="Interview int01, tur 3",
               state="accepteret")
    document = docx.Document(str(write_docx(report, tmp_path / "citater.docx")))
    assert document.core_properties.title == report.title[:255]
    assert any(p.text.startswith("hvad citaterne bygger på") for p in document.paragraphs)
    assert any(p.text.endswith("[Q-0123456789] (accepteret)") for p in document.paragraphs)

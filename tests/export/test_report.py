"""The report: frequency tables, figures, quotes, method notes; themes only when a themes file exists."""

from __future__ import annotations

import json

import docx
import pytest

from hoi_nlp.export.cite import best_quotes
from hoi_nlp.export.dataset import export_figures
from hoi_nlp.export.report.build import build_report
from hoi_nlp.export.report.render import write_report


@pytest.fixture
def report(study, redact, guard, tmp_path):
    figures = {
        p.stem.removeprefix("andele_"): p
        for p in export_figures(study, tmp_path / "figurer", guard=guard)
        if p.stem.startswith("andele_")
    }
    return build_report(
        study,
        pick=lambda code: best_quotes(study, code, redact=redact, n=2),
        figures=figures,
        reviews={"accept": 2},
        thresholds="minimum 0.50",
    )


def test_report_blocks_per_family(report, study):
    headings = [b.text for b in report.blocks if b.kind == "heading"]
    assert headings[:2] == [study.codebook.families[0].label, "Utilstrækkelig integration af IT-systemer"]
    assert "Metode" in headings
    assert "Nye temaer (ikke i kodebogen)" not in headings
    tables = {b.text: b for b in report.blocks if b.kind == "table"}
    frequencies = tables["Barrierer: andel af respondenterne (N = 5), der nævner koden"]
    assert ("Utilstrækkelig integration af IT-systemer", "3", "60", "3") in frequencies.rows
    difference = tables["Barrierer: andel (pct.) efter størrelsesgruppe, med test"]
    it_row = next(r for r in difference.rows if r[0].startswith("Utilstrækkelig"))
    assert it_row[-1] == "Fishers eksakte test p = 1,000"
    method = dict(tables["Metodenoter"].rows)
    assert method["Kodebog"] == study.codebook.version_tag
    assert method["Analytikerbeslutninger"] == "accept: 2"
    quotes = [b for b in report.blocks if b.kind == "quote"]
    assert quotes and all(b.text.startswith('«"') and b.ref.startswith("Q-") for b in quotes)


def test_docx_markdown_and_html(report, tmp_path):
    document = docx.Document(str(write_report(report, tmp_path / "r.docx", fmt="docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert report.title in text and "Metode" in text
    assert len(document.inline_shapes) == 2  # one bar chart per family with mentions
    markdown = write_report(report, tmp_path / "r.md", fmt="md").read_text(encoding="utf-8")
    assert "| Utilstrækkelig integration af IT-systemer | 3 | 60 | 3 |" in markdown
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
    label = "Enighed, machine vs analysts"
    assert label in rows and "enighed 50 %" in rows[label] and "(2 enheder)" in rows[label]

"""SLOW: the report DOCX renders to PDF with LibreOffice (headless) and to PNG pages with pdftoppm.

Needs the Debian packages ``libreoffice-writer-nogui`` and ``poppler-utils``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hoi_nlp.export.cite import best_quotes
from hoi_nlp.export.dataset import export_figures
from hoi_nlp.export.report.build import build_report
from hoi_nlp.export.report.render import write_report
from tests.conftest import hoi

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftoppm")),
                       reason="needs libreoffice-writer-nogui and poppler-utils (apt, `make report-tools`)"),
]


def _pdf(docx_path: Path, tmp_path: Path) -> Path:
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(docx_path)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / f"{docx_path.stem}.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    return pdf


def page_fill(pdf: Path, tmp_path: Path) -> list[float]:
    """Per page: how much of its height holds content (first to last inked row, footer left out)."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "fill")], check=True,
                   timeout=300)
    fills = []
    for page in sorted(tmp_path.glob("fill-*.png")):
        image = Image.open(page).convert("L")
        width, height = image.size
        pixels = image.load()
        inked = [y for y in range(int(0.92 * height)) if any(pixels[x, y] < 200 for x in range(width))]
        fills.append((inked[-1] - inked[0]) / height if inked else 0.0)
    return fills


def test_demo_report_has_no_near_empty_pages(demo_run, tmp_path):
    hoi("export", str(demo_run), "-o", str(tmp_path / "out"), "-f", "docx")
    fills = page_fill(_pdf(tmp_path / "out" / "rapport.docx", tmp_path), tmp_path)
    assert len(fills) > 10
    near_empty = [i + 1 for i, fill in enumerate(fills[:-1]) if fill < 0.45]
    assert not near_empty, f"pages {near_empty} are nearly empty (fills {[round(f, 2) for f in fills]})"


def test_report_docx_renders_to_pdf_and_png(study, redact, guard, tmp_path):
    from hoi_nlp.export.stats import StudyStats
    from hoi_nlp.settings import ReportSettings

    stats = StudyStats(study, ReportSettings(min_group_size=1))  # the fixture's groups are tiny
    figures = {
        p.stem.removeprefix("andele_"): p
        for p in export_figures(study, tmp_path / "figurer", guard=guard, stats=stats)
        if p.stem.startswith("andele_")
    }
    report = build_report(
        study, pick=lambda code: best_quotes(study, code, redact=redact, n=2), figures=figures, stats=stats
    )
    pdf = _pdf(write_report(report, tmp_path / "rapport.docx", fmt="docx"), tmp_path)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "side")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("side-*.png"))
    assert len(pages) >= 2
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Metode" in text and "Kommunaldirektør" in text and "Mette" not in text

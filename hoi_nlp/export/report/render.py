"""Render a :class:`~hoi_nlp.export.report.build.Report` as DOCX (python-docx), Markdown or HTML."""

from __future__ import annotations

import base64
import html
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from hoi_nlp.export.lang import texts_for
from hoi_nlp.export.report.blocks import Block, Report
from hoi_nlp.io import safe_cell, write_atomic, write_text_atomic

ACCENT = "1F3A5F"
# Cells right-aligned in tables: numbers, shares with their base, "–" and test results.
_NUMERIC = re.compile(r"^(–|-|[<\d][\d\s.,]*(pct\.|%)?( \(\d+ (af|of) \d+\))?)$")
FONT = "Calibri"


# ---------------------------------------------------------------- DOCX


def _docx_styles(document: object) -> None:
    from docx.shared import Pt, RGBColor

    styles = document.styles  # type: ignore[attr-defined]
    styles["Normal"].font.name = FONT
    styles["Normal"].font.size = Pt(10.5)
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11.5)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor.from_string(ACCENT)
    styles["Quote"].font.size = Pt(10.5)


def _shade(cell: object, color: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), color)
    cell._tc.get_or_add_tcPr().append(shading)  # type: ignore[attr-defined]


def _docx_table(document: object, block: Block) -> None:
    from docx.shared import Pt, RGBColor

    if block.text and any(block.header):
        caption = document.add_paragraph(block.text)  # type: ignore[attr-defined]
        caption.runs[0].bold = True
        caption.paragraph_format.keep_with_next = True
    table = document.add_table(rows=1, cols=len(block.header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    if any(block.header):
        for cell, text in zip(table.rows[0].cells, block.header, strict=True):
            cell.text = safe_cell(text).replace("/", "/\u200b")  # "Overvundet/fraværende" may wrap there
            run = cell.paragraphs[0].runs[0]
            run.bold, run.font.color.rgb = True, RGBColor(0xFF, 0xFF, 0xFF)
            _shade(cell, ACCENT)
    for index, row in enumerate(block.rows):
        cells = table.add_row().cells
        for col, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.text = safe_cell(text)
            if index % 2:
                _shade(cell, "EEF2F7")
            if col > 0 and any(block.header) and _NUMERIC.match(text):
                cell.paragraphs[0].alignment = 2
    if not any(block.header):
        table._tbl.remove(table.rows[0]._tr)  # type: ignore[attr-defined]
    points = 9 if len(block.header) < 5 else 8
    _widths(table, block, font_pt=points)
    size = Pt(points)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = size
    document.add_paragraph()  # type: ignore[attr-defined]


def _widths(table: object, block: Block, *, font_pt: float, total_cm: float = 16.5) -> None:
    """Columns of numbers and shares exactly as wide as their longest cell (they never wrap); the text
    columns share what is left by how much text they hold."""
    from docx.shared import Cm

    char_cm = 0.019 * font_pt  # an average Calibri (or its substitute) character
    fixed: dict[int, float] = {}
    weights: dict[int, float] = {}
    for index in range(len(block.header)):
        cells = [row[index] for row in block.rows]
        if cells and index > 0 and all(_NUMERIC.match(c) for c in cells):
            longest = max([6] + [len(c) for c in cells])  # the header wraps (see _header_text)
            fixed[index] = min(5.0, longest * char_cm + 0.45)
            continue
        texts = [block.header[index], *cells]
        typical = sorted(len(t) for t in texts)[int(0.9 * (len(texts) - 1))]
        longest_word = max((len(w) for t in texts for w in t.split()), default=1)
        weights[index] = min(45, max(6, longest_word, typical))
    left = max(total_cm - sum(fixed.values()), 2.0 * len(weights))
    widths = [fixed[i] if i in fixed else left * weights[i] / sum(weights.values())
              for i in range(len(block.header))]
    table.autofit = False  # type: ignore[attr-defined]
    for index, column in enumerate(table.columns):  # type: ignore[attr-defined]
        column.width = Cm(widths[index])
    for row in table.rows:  # type: ignore[attr-defined]
        for index, cell in enumerate(row.cells):
            cell.width = Cm(widths[index])


def _picture_width_cm(path: Path, *, width: float = 15.5, max_height: float = 9.0) -> float:
    """Full text width, narrower when that would make the figure taller than ``max_height``."""
    from PIL import Image

    with Image.open(path) as image:
        ratio = image.height / image.width
    return min(width, max_height / ratio)


def _docx_block(document: object, block: Block, *, figure_word: str = "Figur") -> None:
    from docx.shared import Cm, Pt, RGBColor

    if block.kind == "heading":
        heading = document.add_heading(block.text, level=block.level)  # type: ignore[attr-defined]
        heading.paragraph_format.keep_with_next = True
    elif block.kind == "paragraph":
        document.add_paragraph(block.text)  # type: ignore[attr-defined]
    elif block.kind == "warning":
        run = document.add_paragraph().add_run(block.text)  # type: ignore[attr-defined]
        run.bold, run.font.color.rgb = True, RGBColor(0xB0, 0x00, 0x20)
    elif block.kind == "table":
        _docx_table(document, block)
    elif block.kind == "figure" and block.path is not None:
        document.add_picture(str(block.path), width=Cm(_picture_width_cm(block.path)))  # type: ignore[attr-defined]
        document.paragraphs[-1].paragraph_format.keep_with_next = True  # type: ignore[attr-defined]
        caption = document.add_paragraph(f"{figure_word}: {block.text}")  # type: ignore[attr-defined]
        caption.runs[0].italic = True
    elif block.kind == "quote":
        paragraph = document.add_paragraph(block.text, style="Quote")  # type: ignore[attr-defined]
        state = f" ({block.state})" if block.state else ""
        ref = paragraph.add_run(f"  — {block.note} · [{block.ref}]{state}" if block.note
                                else f"  [{block.ref}]{state}")
        ref.font.size, ref.font.color.rgb = Pt(8), RGBColor(0x80, 0x80, 0x80)


def write_docx(report: Report, path: Path) -> Path:
    """Write the report as a Word document."""
    import docx
    from docx.shared import Cm, Pt

    document = docx.Document()
    _docx_styles(document)
    # the template's own properties said «python-docx», «generated by python-docx» and 23 Dec 2013
    properties = document.core_properties
    properties.title = report.title[:255]  # Word's limit for a document property
    properties.author, properties.comments = "hoi_nlp", ""
    properties.created = properties.modified = datetime.now(UTC).replace(microsecond=0)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, as Danish reports are printed
    section.left_margin = section.right_margin = Cm(2.2)
    footer = section.footer.paragraphs[0]
    texts = texts_for(report.language)
    footer.text = texts("report.footer_raw") if report.raw else texts("report.footer", title=report.title)
    footer.runs[0].font.size = Pt(8)
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle).runs[0].italic = True
    for block in report.blocks:
        _docx_block(document, block, figure_word=texts("report.figure"))
    return write_atomic(path, lambda tmp: document.save(str(tmp)))


# ---------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    return safe_cell(text).replace("|", "\\|").replace("\n", " ")


def _md_block(block: Block, base: Path) -> list[str]:
    if block.kind == "heading":
        return [f"{'#' * (block.level + 1)} {block.text}", ""]
    if block.kind == "warning":
        return [f"> **{block.text}**", ""]
    if block.kind == "table":
        header = block.header if any(block.header) else ("", "")
        lines = [f"**{block.text}**", ""] if block.text and any(block.header) else []
        lines += ["| " + " | ".join(map(_md_cell, header)) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join(map(_md_cell, row)) + " |" for row in block.rows] + [""]
    if block.kind == "figure" and block.path is not None:
        return [f"![{block.text}]({os.path.relpath(block.path, base)})", ""]
    if block.kind == "quote":
        note = f" — {block.note} ·" if block.note else ""
        state = f" ({block.state})" if block.state else ""
        return [f"> {' '.join(block.text.split())}{note} `{block.ref}`{state}", ""]
    return [block.text, ""]


def render_markdown(report: Report, *, base: Path) -> str:
    """The report as Markdown; figure links are relative to ``base``."""
    lines = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    for block in report.blocks:
        lines += _md_block(block, base)
    return "\n".join(lines)


def write_markdown(report: Report, path: Path) -> Path:
    """Write the report as Markdown next to its figures."""
    return write_text_atomic(path, render_markdown(report, base=path.parent))


# ---------------------------------------------------------------- HTML

_CSS = """body{font-family:Calibri,'DejaVu Sans',sans-serif;max-width:54rem;margin:2rem auto;color:#222;
line-height:1.45}
h1,h2,h3,h4{color:#1f3a5f}table{border-collapse:collapse;margin:.5rem 0 1.2rem;font-size:.9rem}
th{background:#1f3a5f;color:#fff;text-align:left}th,td{border:1px solid #c8d0da;padding:.25rem .5rem}
tr:nth-child(even) td{background:#eef2f7}
blockquote{border-left:4px solid #1f3a5f;margin:.6rem 0;padding:.2rem .8rem}
code{color:#777;font-size:.8rem}.warning{color:#b00020;font-weight:bold}img{max-width:100%}"""


def _html_block(block: Block) -> str:
    esc = html.escape
    if block.kind == "heading":
        return f"<h{block.level + 1}>{esc(block.text)}</h{block.level + 1}>"
    if block.kind == "warning":
        return f'<p class="warning">{esc(block.text)}</p>'
    if block.kind == "table":
        head = "".join(f"<th>{esc(safe_cell(h))}</th>" for h in block.header) if any(block.header) else ""
        body = "".join("<tr>" + "".join(f"<td>{esc(safe_cell(c))}</td>" for c in row) + "</tr>"
                       for row in block.rows)
        caption = f"<caption><b>{esc(block.text)}</b></caption>" if block.text and head else ""
        return f"<table>{caption}{f'<tr>{head}</tr>' if head else ''}{body}</table>"
    if block.kind == "figure" and block.path is not None:
        data = base64.b64encode(block.path.read_bytes()).decode("ascii")
        return (
            f'<figure><img alt="{esc(block.text)}" src="data:image/png;base64,{data}"><figcaption>'
            f"{esc(block.text)}</figcaption></figure>"
        )
    if block.kind == "quote":
        note = f' <small class="source">— {esc(block.note)} ·</small>' if block.note else ""
        state = f' <small class="state">({esc(block.state)})</small>' if block.state else ""
        return f"<blockquote>{esc(block.text)}{note} <code>{esc(block.ref)}</code>{state}</blockquote>"
    return f"<p>{esc(block.text)}</p>"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (figures embedded)."""
    body = "\n".join(_html_block(b) for b in report.blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(report.language)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(report.title)}"
        f"</title><style>{_CSS}</style></head><body><h1>{html.escape(report.title)}</h1>"
        f"<p><i>{html.escape(report.subtitle)}</i></p>\n{body}\n</body></html>\n"
    )


def write_html(report: Report, path: Path) -> Path:
    """Write the report as HTML."""
    return write_text_atomic(path, render_html(report))


def write_report(report: Report, path: Path, *, fmt: str) -> Path:
    """Render ``report`` as ``docx``, ``md`` or ``html`` at ``path`` (atomically)."""
    renderers = {"docx": write_docx, "md": write_markdown, "html": write_html}
    return renderers[fmt](report, path)

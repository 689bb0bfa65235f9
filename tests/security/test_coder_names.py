"""An analyst who shares a name with someone in the study: the demo's interviewer Sofie Lund (named in
the transcripts' metadata.csv) reviews under her own name. Every export failed ("1 original name(s)
would leak ... report this as a bug") because the coder column, the .qdpx users and the memos' «Memo
(Sofie Lund):» named her. Exports name who coded; the study's texts stay guarded against her name."""

from __future__ import annotations

import zipfile

import pytest

from hoi_nlp.errors import ExportError
from hoi_nlp.privacy.guard import LeakGuard
from hoi_nlp.privacy.key import PseudonymKey
from hoi_nlp.review.decisions import record_decision
from hoi_nlp.store import Workspace, load_assignments, load_segments
from tests.conftest import hoi

FORMATS = ("xlsx", "csv", "parquet", "md", "docx", "html", "qdpx")


@pytest.mark.parametrize("analyst", ["Sofie Lund", "sofie"])
def test_the_interviewer_reviewing_under_her_own_name_can_export(demo_copy, tmp_path, analyst):
    workspace = Workspace.open(demo_copy, create=False)
    unit = next(s for s in load_segments(workspace, codable=True) if s.source_id.startswith("int03"))
    record_decision(workspace, segment_id=unit.segment_id, action="add", analyst=analyst,
                    code_id="barrier.it_integration")
    suggested = next(a for a in load_assignments(workspace) if a.segment_id.startswith("int03")
                     and a.code_id != "barrier.it_integration")
    record_decision(workspace, segment_id=suggested.segment_id, action="accept", analyst=analyst,
                    code_id=suggested.code_id)
    record_decision(workspace, segment_id=unit.segment_id, action="memo", analyst=analyst,
                    memo="Direktøren nævner it igen.")
    workspace.engine.dispose()
    out = tmp_path / "out"
    hoi("export", str(demo_copy), "-o", str(out), *(f"--format={f}" for f in FORMATS if f != "qdpx"))
    hoi("export", str(demo_copy), "-o", str(out / "projekt.qdpx"))
    codes = (out / "coded_dataset_codes.csv").read_text(encoding="utf-8-sig")
    assert f",{analyst}," in codes
    with zipfile.ZipFile(out / "projekt.qdpx") as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert f'name="{analyst}"' in project and f"Memo ({analyst}): Direktøren nævner it igen." in project
    assert f"tilføjet af {analyst}" in project and f"accepteret af {analyst} (hoi_nlp " in project
    # her name as the interviewer is still hidden wherever the study's words are shown
    assert "Sofie Lund" not in (out / "quotes.md").read_text(encoding="utf-8").replace(f"({analyst})", "")


def _guard(*coders: str) -> LeakGuard:
    originals = {"Sofie Lund": "[INTERVIEWER 1]", "Sofie": "[PERSON 1]"}
    key = PseudonymKey(study="s", persons={}, originals=originals, pinned={"Sofie Lund"}, signed=set())
    return LeakGuard.build(key, analysts=coders)


@pytest.mark.parametrize("text", [
    "Sofie sagde, at it-systemerne ikke taler sammen.",  # in a text
    "Ja. Sofie Lund: Og hvad så med jobcentret?",  # a speaker's label left in a text
    "vi talte med en af Sofie Lunds kolleger",
    "tilføjet af Sofie. Og så videre",
    '"Sofie, kan du fortælle om det?",R001',  # a turn opening a CSV field
    "<blockquote>Sofie, kan du sige mere?</blockquote>",
    "min kollega (Sofie) sagde",
    "det blev besluttet af Sofie",
])
def test_a_coders_name_is_still_a_leak_in_the_studys_words(text):
    for guard in (_guard("sofie"), _guard("Sofie Lund")):
        with pytest.raises(ExportError):
            guard.check_text(text, where="sheet 'Segmenter', row 2, column 9")


@pytest.mark.parametrize("text", [
    '<User guid="b799" name="sofie"/>',
    "<Description>tilføjet af sofie</Description>",
    "<Description>accepteret af sofie (hoi_nlp 0.82); hindring</Description>",
    "Memo (sofie): Direktøren nævner it igen.",
])
def test_a_coders_name_where_an_export_says_who_coded_is_no_leak(text):
    assert _guard("sofie").leaks(text) == []
    assert _guard().leaks(text) != []  # the same text from no coder of the study is a leak
    assert _guard("sofie").leaks(text, study_text=True) != []  # a source's own text names no coder


@pytest.mark.parametrize("text", [
    "sofie", "R001,barrier.it_integration,added,sofie,0.82", "| sofie | int03 |", "<td>sofie</td>",
    '<Variable name="sofie"/>', '<TextSource name="sofie"/>',
])
def test_a_coders_name_alone_in_a_text_is_a_leak(text):
    """A cell, CSV line, table cell or XML name holding only the coder's name was no leak wherever it stood:
    which column names who coded only the file's header tells
    (:func:`test_a_speaker_cell_holding_a_coders_name_is_a_leak`)."""
    assert _guard("sofie").leaks(text) != []


def _table_file(folder, suffix, header, row):
    """``header`` and one ``row`` written as an export writes a table in ``suffix``'s format."""
    import docx
    import pandas as pd

    path = folder / f"tabel.{suffix}"
    frame = pd.DataFrame([row], columns=header)
    if suffix == "csv":
        frame.to_csv(path, index=False, sep=";")
    elif suffix == "xlsx":
        frame.to_excel(path, index=False)
    elif suffix == "parquet":
        frame.to_parquet(path)
    elif suffix == "md":
        path.write_text(f"# Tabel\n\n| {' | '.join(header)} |\n| {' | '.join('---' for _ in header)} |\n"
                        f"| {' | '.join(row)} |\n", encoding="utf-8")
    elif suffix == "html":
        cells = "".join(f"<th>{h}</th>" for h in header), "".join(f"<td>{c}</td>" for c in row)
        table = f"<table><tr>{cells[0]}</tr><tr>{cells[1]}</tr></table>"
        path.write_text(f"<html>{table}</html>\n", encoding="utf-8")
    else:
        document = docx.Document()
        table = document.add_table(rows=2, cols=len(header))
        for values, cells in zip((header, row), table.rows, strict=True):
            for value, cell in zip(values, cells.cells, strict=True):
                cell.text = value
        document.save(str(path))
    return path


TABLE_FORMATS = ("csv", "xlsx", "parquet", "md", "html", "docx")


@pytest.mark.parametrize("suffix", TABLE_FORMATS)
@pytest.mark.parametrize("coder", ["sofie", "Sofie Lund"])
def test_a_speaker_cell_holding_a_coders_name_is_a_leak(tmp_path, suffix, coder):
    """An export whose speaker (or attribute) cell held only an original name that is also a coder's user name
    passed the leak check: a coder's name alone in any cell or CSV field was taken for the coder column. Only
    a column headed as one that names who coded («coder», «coders», «analyst», «Analytiker») may hold it."""
    path = _table_file(tmp_path, suffix, ["segment_id", "speaker", "coder"], ["s-1", coder, "anna"])
    with pytest.raises(ExportError):
        _guard(coder, "anna").check_file(path)
    assert not path.exists()


@pytest.mark.parametrize("suffix", TABLE_FORMATS)
@pytest.mark.parametrize(("column", "cell"), [("coder", "sofie"), ("coders", "anna; sofie"),
                                              ("analyst", "Sofie"), ("Analytiker", "sofie")])
def test_a_coders_name_in_a_coder_column_is_no_leak(tmp_path, suffix, column, cell):
    path = _table_file(tmp_path, suffix, ["segment_id", "speaker", column], ["s-1", "[INTERVIEWER 1]", cell])
    assert _guard("sofie", "anna").check_file(path) == path
    with pytest.raises(ExportError):  # the same column of a study without that coder
        _guard("anna").check_file(path)


_HTML_TABLES = {
    "cell attributes": ('<html><table><caption><b>Memoer</b></caption><tr><th>segment_id</th><th>speaker</th>'
                        '<th>Analytiker</th></tr><tr><td class="id">s-1</td><td class="x">{speaker}</td>'
                        '<td>{coder}</td></tr></table></html>\n'),
    "row attributes": ('<html><table class="t"><tr class="h"><th>segment_id</th><th class="who">speaker</th>'
                       '<th class="who">Analytiker</th></tr><tr class="r"><td>s-1</td><td>{speaker}</td>'
                       '<td class="x">{coder}</td></tr></table></html>\n'),
    "several lines": ('<html>\n<table>\n  <tr>\n    <th>segment_id</th>\n    <th>speaker</th>\n'
                      '    <th>Analytiker</th>\n  </tr>\n  <tr>\n    <td>s-1</td>\n'
                      '    <td class="x">{speaker}</td>\n    <td>\n      {coder}\n    </td>\n  </tr>\n'
                      '</table>\n</html>\n'),
}


@pytest.mark.parametrize("layout", _HTML_TABLES)
def test_an_html_tables_cells_with_attributes_or_over_lines_are_read_under_their_header(tmp_path, layout):
    """A cell with attributes (``<td class="x">Sofie Lund</td>``) was no longer checked at all (its row was
    taken out of the line, and the cell not read), and the cells after it moved under the wrong header; a
    table written over several lines lost its header, so its coder column's names were leaks."""
    path = tmp_path / "rapport.html"
    path.write_text(_HTML_TABLES[layout].format(speaker="Sofie Lund", coder="anna"), encoding="utf-8")
    with pytest.raises(ExportError):
        _guard("anna").check_file(path)
    assert not path.exists()
    path.write_text(_HTML_TABLES[layout].format(speaker="[INTERVIEWER 1]", coder="Sofie Lund"),
                    encoding="utf-8")
    assert _guard("Sofie Lund").check_file(path) == path
    with pytest.raises(ExportError):  # the same column of a study without that coder
        _guard("anna").check_file(path)


@pytest.fixture
def csv_default_field_limit():
    """:mod:`csv`'s own field limit (131,072 characters), whatever another test raised it to."""
    import csv

    before = csv.field_size_limit(131_072)
    yield
    csv.field_size_limit(before)


@pytest.mark.parametrize("length", [200_000, 500_000])
def test_a_csv_export_with_a_long_field_is_checked(tmp_path, csv_default_field_limit, length):
    """A field over 131,072 characters raised csv's bare «_csv.Error: field larger than field limit»: the
    check reads with the tables' raised limit, and past that the lines as they stand."""
    path = tmp_path / "tekster.csv"
    filler = "Vi talte om det. " * (length // 17)
    for text, leaks in ((filler, False), (filler + "Sofie Lund sagde det.", True)):
        path.write_text(f"segment_id;text;coder\ns-1;{text};anna\ns-2;kort;anna\n", encoding="utf-8")
        if leaks:
            with pytest.raises(ExportError):
                _guard("anna").check_file(path)
        else:
            assert _guard("anna").check_file(path) == path


def test_the_leak_check_of_a_large_csv_keeps_no_place_per_cell(tmp_path):
    """The check of a 100 MB CSV took 1.5 GB (main's 0.5 GB): it kept every cell with its place ("row 9,
    column 3"). The places are made again only when a leak is found."""
    import tracemalloc

    path = tmp_path / "koder.csv"
    rows = "".join(f"s-{i};[PERSON 3];anna;barrier.x;Vi talte om det {i}\n" for i in range(15_000))
    path.write_text("segment_id;speaker;coder;code_id;text\n" + rows, encoding="utf-8")
    guard = _guard("anna")
    small = tmp_path / "lille.csv"
    small.write_text("segment_id;coder\ns-1;anna\n", encoding="utf-8")
    guard.check_file(small)  # what is loaded once (the name lists, the key's patterns) is not counted
    tracemalloc.start()
    try:
        assert guard.check_file(path) == path
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * path.stat().st_size  # 22 times the file's size with a place per cell; 7 now


def test_the_leak_check_of_a_large_html_table_takes_linear_time(tmp_path):
    """Each cell's line was counted from the file's start: 20,000 rows took 22 s (main 0.15 s). The lines are
    counted once, in order; a leak in the last row is still named at its line."""
    import time

    rows = "".join(f"<tr>\n<td>s-{i}</td>\n<td>[PERSON 1] sagde noget om it {i}</td>\n<td>anna</td>\n</tr>\n"
                   for i in range(20_000))
    head = "<html><table><tr><th>id</th><th>text</th><th>Analytiker</th></tr>\n"
    path = tmp_path / "rapport.html"
    path.write_text(head + rows + "</table></html>", encoding="utf-8")
    started = time.perf_counter()
    assert _guard("anna").check_file(path) == path
    assert time.perf_counter() - started < 3
    last = "<tr>\n<td>s-x</td>\n<td>Sofie Lund sagde det</td>\n<td>anna</td>\n</tr>\n"
    path.write_text(head + rows + last + "</table></html>", encoding="utf-8")
    with pytest.raises(ExportError, match=f"line {2 + 5 * 20_000 + 2}"):
        _guard("anna").check_file(path)

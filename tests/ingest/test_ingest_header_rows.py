"""The header must be row 1 with a name for every column that holds answers; title rows are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.infer import infer_schema
from hoi_nlp.ingest.tables import read_table


def _workbook(path: Path, rows: list[list[object]], merged: tuple[str, ...] = ()) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    workbook.save(path)
    return path


def test_xlsx_column_under_a_merged_header_cell_is_named_by_its_letter(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "eksport.xlsx",
        [
            ["Respondent-ID", "Kommune", "Rolle", "Beskriv indsatsen", None, "Afsluttende kommentar"],
            ["R1", "Skive", "Direktør", "Indsats 1: en fælles plan", "Indsats 2: en kontaktperson", "Tak"],
        ],
        merged=("D1:E1",),
    )
    for read in (read_table, infer_schema):
        with pytest.raises(IngestError, match=r"eksport.xlsx \(column E\).*answers \(the first in row 2\) "
                           r"but no name in row 1.*unmerge"):
            read(path)


def test_xlsx_unnamed_last_column_gets_no_delimiter_hint(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "eksport.xlsx", [["ID", "Kommentar", None], ["R1", "Godt", "Et svar uden overskrift"]]
    )
    with pytest.raises(IngestError, match=r"\(column C\).*no name in row 1") as caught:
        read_table(path)
    assert "delimiter" not in str(caught.value)


def test_csv_unnamed_column_inside_the_header_is_named_by_its_number(tmp_path: Path) -> None:
    path = tmp_path / "eksport.csv"
    path.write_text("ID;Kommentar;;\r\nR1;Godt;Et svar;\r\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"\(column 3\).*no name in row 1"):
        read_table(path)


def test_title_row_above_the_csv_header_is_named(tmp_path: Path) -> None:
    path = tmp_path / "eksport.csv"
    path.write_text("HOI-undersøgelse 2024;;;\r\nID;Kommune;Rolle;Kommentar\r\nR1;Skive;Direktør;Godt\r\n",
                    encoding="utf-8")
    with pytest.raises(IngestError, match=r"\(row 1\): row 1 looks like a title.*must be the first row"):
        read_table(path)


def test_two_row_merged_xlsx_header_is_a_title_error_without_delimiter_hint(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "eksport.xlsx",
        [
            ["HOI-undersøgelse 2024", None, None, "Åbne spørgsmål", None],
            ["ID", "Kommune", "Rolle", "Beskriv", "Barrierer"],
            ["R1", "Skive", "Direktør", "En plan", "Økonomien"],
        ],
        merged=("A1:C1", "D1:E1"),
    )
    with pytest.raises(IngestError, match=r"row 1 looks like a title") as caught:
        read_table(path)
    assert "delimiter" not in str(caught.value)


def test_excel_sep_line_declares_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "eksport.csv"
    text = "sep=;\r\nID;Kommune;Kommentar\r\nR1;Køge;Godt, og bedre\r\nR2;Skive\r\n"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(IngestError, match=r"row 3, line 4 of the file\): the row has 2 cells but the header"):
        read_table(path)
    path.write_bytes("sep=,\r\nID,Kommune,Kommentar\r\nR1,Køge,\"Godt; og bedre\"\r\n".encode("cp1252"))
    table = read_table(path)
    assert table.header == ["ID", "Kommune", "Kommentar"]
    assert table.rows == [(2, ["R1", "Køge", "Godt; og bedre"])]


def test_csv_title_line_without_delimiters_mentions_the_title(tmp_path: Path) -> None:
    path = tmp_path / "eksport.csv"
    path.write_text("Min undersøgelse\r\nID;Kommune;Kommentar\r\nR1;Skive;Godt\r\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"row 2\).*check the delimiter.*if row 1 is a title, delete it"):
        read_table(path)

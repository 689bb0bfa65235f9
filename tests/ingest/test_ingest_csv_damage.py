"""Damaged CSV exports (broken quotes, short rows) are refused with the row and column, never misread."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.tables import read_table


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "eksport.csv"
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    return path


def test_quote_closed_mid_cell_names_the_row_and_column(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "ID;Kommune;Kommentar 1;Kommentar 2\n"
        'R1;Ærø;"om ""søjler"" uden citat;"IT-systemerne;x\nog lovgivningen; den.";Tak\n'
        "R2;Køge;-;-\n",
    )
    with pytest.raises(IngestError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "eksport.csv (row 2, column 3 ('Kommentar 1'))" in message
    assert "a quote seems not to be closed" in message


def test_quote_never_closed_is_refused_even_when_the_cell_count_fits(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'ID;Kommune;Kommentar\nR1;Ærø;ok\nR2;Køge;"åbent citat\nR3;Aabenraa;svar\n')
    with pytest.raises(IngestError, match=r"row 3, column 3 \('Kommentar'\).*runs to the end of the file"):
        read_table(path)


def test_quote_swallowing_whole_rows_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'ID;Kommune;Kommentar\nR1;Ærø;"åbent\nR2;Køge;svar"\nR3;Aabenraa;svar\n')
    with pytest.raises(IngestError, match=r"row 2, column 3.*look like whole rows"):
        read_table(path)


def test_short_row_is_refused_with_its_row(tmp_path: Path) -> None:
    path = _csv(tmp_path, "ID;Kommune;Kommentar;Note\nR1;Ærø;svar;x\nR2;Køge;svar\nR3;A;b;c\n")
    with pytest.raises(IngestError, match=r"eksport.csv \(row 3\): the row has 3 cells but the header has 4"):
        read_table(path)


def test_row_numbers_name_the_file_line_when_a_cell_spans_lines(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'ID;Kommentar;Note\nR1;"to\nlinjer";x\nR2;svar\n')
    with pytest.raises(IngestError, match=r"row 3, line 4 of the file"):
        read_table(path)


def test_multiline_cells_with_delimiters_and_an_empty_last_row_are_fine(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        'ID;Kommune;Kommentar;Note\nR1;Ærø;"IT-systemerne taler ikke sammen,\nog loven; den.";x\n'
        "R2;Køge;-;\n\n",
    )
    table = read_table(path)
    assert [(number, cells[2]) for number, cells in table.rows] == [
        (2, "IT-systemerne taler ikke sammen,\nog loven; den."),
        (3, "-"),
    ]


def test_a_short_row_after_a_well_quoted_multi_line_cell_is_blamed_on_itself(tmp_path: Path) -> None:
    """Row 2 quotes a cell over two lines with a ';' in it, correctly, and has every cell; row 3 is
    short: the error names row 3 as short, not row 2's quote."""
    from hoi_nlp.ingest.tables import read_table

    path = tmp_path / "eksport.csv"
    path.write_text('ID;Kommune;Region;Barrierer\n'
                    'R001;Køge;Region Sjælland;"IT-systemerne taler ikke sammen,\n'
                    'og lovgivningen; den spænder ben."\n'
                    'R002;Køge;Region Sjælland\n', encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "the row has 3 cells but the header has 4" in message and "row 3" in message
    assert "quote" not in message.split("—")[0]

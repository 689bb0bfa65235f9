"""Bad input files: corrupt, encrypted, zip bombs, huge images, binary text, empty files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest import files
from hoi_nlp.ingest.tables import read_table
from hoi_nlp.ingest.transcript import read_transcript


def _read(path: Path) -> object:
    if path.suffix in (".docx", ".txt"):
        return read_transcript(path, study="s", display=path.name)
    return read_table(path, display=path.name)


@pytest.mark.parametrize("name", ["k.docx", "e.xlsx"])
def test_corrupt_office_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive " * 20)
    with pytest.raises(IngestError, match=rf"{name}: the file is corrupt.*save it again"):
        _read(path)


def test_zip_without_document_parts(tmp_path: Path, helpers: object) -> None:
    path = tmp_path / "tom.docx"
    helpers.add_zip_entries(path, {"noget.txt": b"hej"})
    with pytest.raises(IngestError, match=r"tom\.docx: the document cannot be opened"):
        _read(path)


@pytest.mark.parametrize("name", ["k.docx", "e.xlsx"])
def test_password_protected_office_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(files.OLE_MAGIC + os.urandom(4096))
    with pytest.raises(IngestError, match=rf"{name}: the file is password-protected.*remove the password"):
        _read(path)


def test_zip_bomb_by_ratio_is_refused_before_parsing(
    docx_factory: Callable[..., Path], helpers: object
) -> None:
    path = docx_factory("bombe.docx", ["I: Hej", "D: Hej"])
    helpers.add_zip_entries(path, {"word/fyld.xml": b"<a/>" * (2 * 1024 * 1024)})
    with pytest.raises(IngestError, match=r"bombe\.docx: the file's compression ratio is \d+:1.*zip bomb"):
        _read(path)


def test_zip_bomb_by_total_size_is_refused(
    docx_factory: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, survey_exports: dict[str, Path]
) -> None:
    monkeypatch.setattr(files, "MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(IngestError, match=r"would unpack to .* MB of text parts"):
        _read(docx_factory("stor.docx", ["I: Hej", "D: Hej"]))
    with pytest.raises(IngestError, match="would unpack to"):
        read_table(survey_exports["xlsx"])


def test_huge_embedded_media_are_ignored(docx_factory: Callable[..., Path], helpers: object) -> None:
    path = docx_factory("billede.docx", ["I: Hvad viser billedet?", "D: Organisationen."])
    helpers.add_zip_entries(path, {"word/media/image9.png": b"\x89PNG" + b"\x00" * (3 * 1024 * 1024)})
    source, turns = read_transcript(path, study="s", display=path.name)
    assert len(turns) == 2 and "Organisationen." in source.text


@pytest.mark.parametrize("name", ["k.txt", "e.csv"])
def test_binary_file_with_text_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(IngestError, match=rf"{name}: the file contains NUL bytes.*save it as UTF-8"):
        _read(path)


def test_undecodable_text_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "k.txt"
    path.write_bytes(b"I: hej \x81\x8d\x8f\x90\x9d")
    with pytest.raises(IngestError, match=r"k\.txt \(line 1\): the file is neither UTF-8 nor cp1252"):
        _read(path)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_mixed_encodings_name_the_lines_not_a_byte_offset(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "eksport.csv"
    utf8 = bom + "ID;Tekst\r\nR1;især ”serviceloven” og Ý\r\n".encode()
    path.write_bytes(utf8 + "R2;Økonomien\r\n".encode("cp1252"))
    with pytest.raises(IngestError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "eksport.csv (line 2)" in message
    assert "line 3 is not UTF-8 (byte 0xd8) and line 2 is not cp1252" in message
    assert "mix encodings" in message
    assert "at 3" not in message


@pytest.mark.parametrize("name", ["k.txt", "k.docx", "e.csv", "e.xlsx"])
def test_empty_file_names_the_file_and_what_to_do(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(IngestError, match=rf"{name}: the file is empty — "):
        _read(path)


def test_whitespace_only_transcript(tmp_path: Path) -> None:
    path = tmp_path / "k.txt"
    path.write_text("\ufeff \r\n\u200b\r\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"k\.txt: the transcript has no text"):
        _read(path)

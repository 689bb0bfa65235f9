"""Safe reading of input files: size and zip-bomb limits, encrypted Office files, text decoding.

Every check raises :class:`~hoi_nlp.errors.IngestError` naming the file and what to do, before
any parser (openpyxl, python-docx, csv) sees the bytes.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
from pathlib import Path

from hoi_nlp.errors import IngestError

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Ratios are only meaningful for sizeable archives; small XML parts compress very well.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_TEXT_FILE_BYTES = 200 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MEDIA_PREFIXES = ("word/media/", "xl/media/", "ppt/media/", "word/embeddings/", "xl/embeddings/")


def read_bytes(path: Path, *, display: str | None = None) -> bytes:
    """Read a whole (text) file, refusing empty and oversized files."""
    name = display or str(path)
    size = path.stat().st_size
    if size == 0:
        raise IngestError(
            "the file is empty", path=name, hint="export it again or remove it from the study folder"
        )
    if size > MAX_TEXT_FILE_BYTES:
        raise IngestError(
            f"the file is {size / 1e6:.0f} MB, more than the {MAX_TEXT_FILE_BYTES / 1e6:.0f} MB limit",
            path=name,
            hint="split it into smaller files",
        )
    return path.read_bytes()


# Byte-order marks of UTF-16/32 (Notepad's "Unicode" is UTF-16 LE with BOM); UTF-32 first, its LE BOM
# starts like UTF-16 LE's.
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, *, display: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16/32 with BOM, else cp1252; refuse binary data."""
    encoding = next((name for bom, name in _UNICODE_BOMS if data.startswith(bom)), None)
    if encoding is not None:
        return _decode_with_bom(data, encoding, display=display)
    if b"\x00" in data:
        raise IngestError(
            "the file contains NUL bytes, so it is binary, not text",
            path=display,
            hint="save it as UTF-8 text (or CSV UTF-8 from Excel), or use the .docx/.xlsx original",
        )
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:  # (utf-8-sig reports offsets 3 bytes off)
        not_utf8 = bom + exc.start
    mac = _mac_roman(data)
    if mac is not None:
        return mac
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        utf8_line, cp1252_line = _line_of(data, not_utf8), _line_of(data, exc.start)
        mixed = "; it seems to mix encodings" if utf8_line != cp1252_line else ""
        raise IngestError(
            f"the file is neither UTF-8 nor cp1252 text: line {utf8_line} is not UTF-8 "
            f"(byte 0x{data[not_utf8]:02x}) and line {cp1252_line} is not cp1252 "
            f"(byte 0x{data[exc.start]:02x}){mixed}",
            path=display,
            where=f"line {min(utf8_line, cp1252_line)}",
            hint="save it as UTF-8 text from the program that made it (or retype the lines named)",
        ) from exc


# æ ø å Æ Ø Å in Mac Roman (Excel for Mac's "CSV (Macintosh)", old TextEdit files): read as cp1252
# they are ¾ ¿ Œ ® ¯ and an undefined byte, so without this check "fælles" silently became "f¾lles".
_MAC_DANISH_BETWEEN_LETTERS = re.compile(rb"[A-Za-z][\xbe\xbf\x8c\xae\xaf\x81][A-Za-z]")
_CP1252_DANISH = (b"\xe6", b"\xf8", b"\xe5", b"\xc6", b"\xd8", b"\xc5")


def _mac_roman(data: bytes) -> str | None:
    """``data`` decoded as Mac Roman when it is Danish text in that encoding: its æøå bytes stand
    between letters, and no byte of cp1252's æøå occurs (so cp1252 text is never taken for it)."""
    if any(byte in data for byte in _CP1252_DANISH):
        return None
    found = _MAC_DANISH_BETWEEN_LETTERS.findall(data, 0, 1_000_000)
    return data.decode("mac_roman") if len(found) >= 2 else None


def _decode_with_bom(data: bytes, encoding: str, *, display: str) -> str:
    """Decode UTF-16/32 text that starts with its byte-order mark (the mark is dropped)."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"the file starts like {encoding.upper()} text but is damaged (undecodable bytes at {exc.start})",
            path=display,
            hint="open it in the program that made it and save it again as UTF-8 text",
        ) from exc
    if "\x00" in text:
        raise IngestError(
            f"the file is {encoding.upper()} text with NUL characters in it, so it is binary, not text",
            path=display,
            hint="save it as UTF-8 text, or use the .docx/.xlsx original",
        )
    return text


def _line_of(data: bytes, offset: int) -> int:
    """1-based line number of the byte at ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _is_media(name: str) -> bool:
    return name.startswith(MEDIA_PREFIXES)


def check_office_zip(path: Path, *, display: str) -> zipfile.ZipFile:
    """Open an Office Open XML file as a zip after checking it is safe to unpack.

    Refuses empty files, password-protected/legacy (OLE) files, non-zip files and zip bombs:
    more than ``MAX_UNCOMPRESSED_BYTES`` in the text parts, or a compression ratio above
    ``MAX_COMPRESSION_RATIO``. Embedded media are not counted because they are never read.
    """
    kind = path.suffix.lower().lstrip(".") or "office"
    if path.stat().st_size == 0:
        raise IngestError("the file is empty", path=display, hint=f"save the {kind} file again")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        raise IngestError(
            f"the file is password-protected (encrypted) or an old binary Office file, not {kind}",
            path=display,
            hint=f"remove the password or 'Save as' .{kind} in Office and try again",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(
            f"the file is corrupt: it is not a valid .{kind} (zip) file",
            path=display,
            hint=f"open it in Office and save it again as .{kind}",
        ) from exc
    try:
        _check_sizes(archive, display=display)
    except IngestError:
        archive.close()
        raise
    return archive


def _check_sizes(archive: zipfile.ZipFile, *, display: str) -> None:
    parts = [info for info in archive.infolist() if not _is_media(info.filename)]
    total = sum(info.file_size for info in parts)
    packed = sum(info.compress_size for info in parts)
    hint = "this looks like a zip bomb or a damaged file; open and re-save it in Office, or remove it"
    if total > MAX_UNCOMPRESSED_BYTES:
        raise IngestError(
            f"the file would unpack to {total / 1e6:.0f} MB of text parts "
            f"(limit {MAX_UNCOMPRESSED_BYTES / 1e6:.0f} MB)",
            path=display,
            hint=hint,
        )
    if total > RATIO_CHECK_MIN_BYTES and total > MAX_COMPRESSION_RATIO * max(packed, 1):
        raise IngestError(
            f"the file's compression ratio is {total / max(packed, 1):.0f}:1 "
            f"(limit {MAX_COMPRESSION_RATIO}:1)",
            path=display,
            hint=hint,
        )


def text_parts_only(archive: zipfile.ZipFile, *, display: str) -> io.BytesIO:
    """Copy ``archive`` into memory with embedded media emptied, so only text parts are unpacked."""
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                out.writestr(info, b"" if _is_media(info.filename) else archive.read(info))
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ) as exc:
        raise IngestError(
            f"the file is corrupt: cannot unpack it ({exc})",
            path=display,
            hint="open it in Office and save it again",
        ) from exc
    buffer.seek(0)
    return buffer

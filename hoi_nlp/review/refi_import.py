"""Bring REFI-QDA work back: a ``.qdc`` codebook as hoi_nlp YAML, ``.qdpx`` codings as review decisions.

Reading accepts what QualCoder, NVivo, MAXQDA and ATLAS.ti write: any single ``*.qde`` in the
archive, a ``sources``/``Sources`` folder (members looked up case-insensitively), texts with a BOM
(offsets count after it) and CRLF line breaks (counted as one or two characters, whichever the
selections fit), ``plainTextPath``, ``richTextPath`` or inline ``PlainTextContent``, GUIDs in any
case and with braces, codes nested under categories, and any namespace version. It refuses what
could harm: DTDs (XXE, billion laughs), members that unpack beyond a size limit (zip bombs),
paths out of the archive (``internal://../../etc/passwd``) and offsets that are not integers,
negative, reversed or beyond the text. Every refusal is one :class:`ReviewError` naming the file
and the element or offset.

Decisions mean what the analyst did in the other tool (see :func:`plan_import`): codings the
machine user created and nobody changed record nothing; codings of a human user become that user's
``accept`` (where they match a machine coding) or ``add``, plus a ``span`` where the bounds differ;
codings the project had when it was exported and the file lacks become ``reject``. A file from
another coding run of the study (another workspace: it holds unreviewed machine suggestions this
workspace's coder does not make, or machine codings with other confidences) is not taken to have
rejected the suggestions it lacks, nor its unreviewed suggestions to be anyone's decisions; a warning
counts both. A file of this workspace's own export names it (:mod:`hoi_nlp.review.refi_exports`): then
exactly the codings that export wrote and the file lacks are rejections, after a retraining too, and a
coding under the machine's name it did not write was moved there by the analyst. Memos (a selection's
Description, notes on a span of a source, a note on a whole source of one coding unit) become ``memo``
decisions, a note's of its creatingUser, the others of the importing analyst (see :class:`_Memos`); a
note nothing in the file refers to (QualCoder's journal, a project memo) becomes a memo on the study
(:mod:`hoi_nlp.review.study_memos`); notes with no place in the study (notes on codes, on a source of
several units) are named in a warning. A file none
of whose sources is the study's is refused. Everything is checked first and then written in one
transaction: all or nothing.

Texts are mapped from the file (possibly pseudonymised, possibly changed by the tool) back to the
study's source text in linear time: exact match first, then an anchored diff around mismatches.
"""

from __future__ import annotations

import bisect
import difflib
import logging
import re
import tempfile
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from lxml import etree

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import CodebookError, HoiError, ReviewError
from hoi_nlp.io import write_text_atomic
from hoi_nlp.qda import (
    CODE_TAG,
    MACHINE_USER,
    PLACEHOLDER_ANALYST,
    SOURCE_TAG,
    Utf16Positions,
    code_description,
    code_names,
    guid,
    is_machine_user,
    lf_only,
    normal_guid,
    record_guid,
    source_names,
)
from hoi_nlp.records import CodeAssignment, ReviewDecision, Segment, Source, utcnow

if TYPE_CHECKING:
    from hoi_nlp.review.decisions import ReviewState
    from hoi_nlp.review.refi_exports import ExportRecord
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

# Limits on what an import unpacks and aligns (module constants, so tests can lower them).
MAX_MEMBER_BYTES = 64 * 2**20  # one file inside the archive, unpacked
MAX_TOTAL_BYTES = 512 * 2**20  # everything read from one archive, unpacked
MAX_MEMBERS = 100_000
MAX_XML_BYTES = 64 * 2**20  # a .qdc file
MAX_SOURCE_CHARS = 5_000_000  # one source text (either side of an alignment)
DIFF_WINDOW = 10_000  # product of two window lengths difflib aligns without looking for anchors
DIFF_WINDOW_FALLBACK = 4_000_000  # ... and where no anchor is left
MAX_MEMO_MATCH = 10_000  # characters of a memo from a file compared head by head with the study's memos
DIFF_BUDGET = 100_000_000  # all difflib windows of one source together (about 5 s at worst)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_TRANSLIT = {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"}
_WORD = re.compile(r"\w+")
_INT = re.compile(r"\s*\+?\d{1,12}\s*")
_PSEUDO_USERS = {"atlas.ti", "default", ""}  # tool pseudo-users: nobody in particular
ACTION_ORDER = ("accept", "reject", "add", "span", "unchanged")


def slug(name: str) -> str:
    """A codebook id part from a name: ``Økonomi & styring`` -> ``oekonomi_styring``."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in name)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text if text[:1].isalpha() else f"k_{text}" if text else "kode"


# ---------------------------------------------------------------- safe XML and archives


def parse_xml(data: bytes, *, path: str, member: str, error: type[HoiError] = ReviewError) -> etree._Element:
    """Parse REFI-QDA XML safely (no DTD, no entities, no network) with namespaces stripped.

    Elements are matched by local name, so ``urn:QDA-XML:project:1.0``, ``…:1:0`` and ``…:0:4`` read
    alike. A document type declaration is refused: REFI-QDA files have none, and its entities could
    read local files (XXE) or expand without end (billion laughs).
    """
    data = data.removeprefix(_BOMS[0][0])
    where = member or None
    if b"<!DOCTYPE" in data or b"<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E" in data:
        raise error("the XML declares a DTD (<!DOCTYPE …>), which REFI-QDA files never do; refused "
                    "(entities could read local files or expand without end)", path=path, where=where,
                    hint="export the file again from your QDA program")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        message = str(getattr(exc, "msg", exc))
        hint = "export the file again from your QDA program"
        if line and any(m in message for m in ("EntityRef", "StartTag", "Unescaped '<'", "AttValue")):
            lines = data.decode("utf-8", "replace").splitlines()
            column = max(int(getattr(exc, "offset", 0) or 0) - 1, 0)
            text = lines[line - 1] if line <= len(lines) else ""
            shown = "".join(ch if ch.isprintable() else "?" for ch in text[max(column - 40, 0):column + 40])
            message += f": …{shown.strip()}…"  # control characters never reach the terminal
            hint = ("a text in the file holds an '&' or '<' written as it is (QualCoder writes annotation "
                    "texts unescaped): change that character in the other tool (e.g. '&' to 'og') and export "
                    "again")
        raise error(f"not well-formed XML: {message}", path=path,
                    where=f"{member}, line {line}" if line and member else (
                        f"line {line}" if line else where),
                    hint=hint) from exc
    if root is None or root.getroottree().docinfo.internalDTD is not None:
        raise error("the XML declares a DTD, which REFI-QDA files never do; refused", path=path, where=where)
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
        else:  # entity references left unresolved: refuse rather than guess
            raise error("the XML uses entity references; refused", path=path, where=where)
    return root


def _children(element: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in element if child.tag == tag]


def _child_text(element: etree._Element, tag: str) -> str | None:
    for child in element:
        if child.tag == tag:
            return child.text or ""
    return None


class QdpxArchive:
    """A ``.qdpx`` zip read member by member, each capped in unpacked size; nothing is extracted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = str(path)
        if not path.exists():
            raise ReviewError("file not found", path=self.display,
                              hint="check the path, or export the project from your QDA program as "
                                   "REFI-QDA (.qdpx) and give that file")
        if path.is_dir():
            raise ReviewError("this is a folder, not a .qdpx file", path=self.display,
                              hint="give the .qdpx file your QDA program exported")
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
            message, hint = _not_a_zip(path)
            raise ReviewError(message or f"not a readable .qdpx project (not a zip archive: {exc})",
                              path=self.display, hint=hint or "export the project from your QDA program as "
                                                              "REFI-QDA (.qdpx)") from exc
        if len(infos) > MAX_MEMBERS:
            raise ReviewError(f"the archive holds {len(infos)} files (limit {MAX_MEMBERS})",
                              path=self.display)
        self.read_bytes = 0
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename.replace("\\", "/").lstrip("/")
            if not info.is_dir() and name:
                self.members.setdefault(name.casefold(), info)
        self.base = self._base()

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()

    def __enter__(self) -> QdpxArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _base(self) -> str:
        at_root = [n for n in self.members if n.endswith(".qde") and "/" not in n]
        if not at_root:  # a project zipped with its folder: one .qde one level down
            at_root = [n for n in self.members if n.endswith(".qde") and n.count("/") == 1]
        if not at_root:
            raise ReviewError("the archive holds no project file (*.qde)", path=self.display,
                              hint="export the project from your QDA program as REFI-QDA (.qdpx)")
        self.project_member = next((n for n in at_root if n.rsplit("/", 1)[-1] == "project.qde"), None)
        if self.project_member is None:
            if len(at_root) > 1:
                raise ReviewError(f"the archive holds several project files ({', '.join(sorted(at_root))})",
                                  path=self.display, hint="keep one .qde file in the .qdpx")
            self.project_member = at_root[0]
        return self.project_member.rpartition("/")[0] + "/" if "/" in self.project_member else ""

    def read(self, member: str) -> bytes:
        """A member's bytes (by its case-folded name), refusing more than the limits allow."""
        info = self.members[member]
        limit = min(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES - self.read_bytes)
        allowed = (f"limit {_size(MAX_MEMBER_BYTES)} per file" if limit == MAX_MEMBER_BYTES
                   else f"limit {_size(MAX_TOTAL_BYTES)} for the whole archive")
        hint = "this looks like a zip bomb or a damaged file; export the project again"
        if info.file_size > limit:
            raise ReviewError(f"{info.filename} would unpack to {_size(info.file_size)} ({allowed})",
                              path=self.display, hint=hint)
        try:
            with self.zip.open(info) as handle:
                data = handle.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
                zlib.error) as exc:
            raise ReviewError(f"{info.filename} cannot be unpacked: {exc}", path=self.display,
                              hint="export the project again (without a password)") from exc
        if len(data) > limit:
            raise ReviewError(f"{info.filename} unpacks to more than it says ({allowed})", path=self.display,
                              hint=hint)
        self.read_bytes += len(data)
        return data

    def project(self) -> etree._Element:
        """The project document."""
        assert self.project_member is not None
        return parse_xml(self.read(self.project_member), path=self.display,
                         member=self.members[self.project_member].filename)

    def internal(self, reference: str, *, where: str, what: str = "the source's text") -> str:
        """The member an ``internal://`` path names (looked up in ``sources/`` case-insensitively)."""
        scheme, sep, rest = reference.partition("://")
        if not sep or scheme.casefold() != "internal":
            raise ReviewError(f"'{reference}' is not inside the archive; hoi reads only the texts it holds",
                              path=self.display, where=where,
                              hint="export the project with its sources embedded (internal://)")
        target = rest.replace("\\", "/")
        parts = target.split("/")
        if not target or target.startswith("/") or ":" in target or any(p in ("", ".", "..") for p in parts):
            raise ReviewError(f"the path '{reference}' leaves the archive's sources folder; refused",
                              path=self.display, where=where)
        wanted = target.casefold()
        for candidate in (f"{self.base}sources/{wanted}", f"{self.base}{wanted}"):
            if candidate in self.members:
                return candidate
        raise ReviewError(f"the archive has no file sources/{target}", path=self.display, where=where,
                          hint=f"export the project again; {what} is missing")


def _not_a_zip(path: Path) -> tuple[str, str]:
    """(message, hint) for a file that is REFI-QDA XML rather than a zipped project ("" when it is not)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).removeprefix(_BOMS[0][0]).lstrip()
    except OSError:
        return "", ""
    if not head.startswith(b"<"):
        return "", ""
    if re.search(rb"<(?:\w+:)?CodeBook[\s>]", head) and not re.search(rb"<(?:\w+:)?Project[\s>]", head):
        return ("this is a REFI-QDA codebook (.qdc), not a project (.qdpx): it holds codes, no codings",
                "bring its codes into a codebook with `hoi codebook import-qdc FILE -o codebook.yaml`; "
                "import-qdpx takes a .qdpx project exported from the QDA program")
    return ("this is an XML file, not a .qdpx project (a zip of project.qde and its sources/ folder)",
            "export the project from your QDA program as REFI-QDA (.qdpx), or zip the project.qde together "
            "with its sources/ folder")


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def decode_text(data: bytes, *, path: str, where: str) -> str:
    """A source text file as text: UTF-8 (or UTF-16 with its BOM); a leading BOM is not part of the text."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom):], name
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReviewError(f"the text is not valid {encoding.upper()} (byte {exc.start})", path=path,
                          where=where, hint="REFI-QDA texts are UTF-8; export the project again") from exc


# ---------------------------------------------------------------- the project as read


@dataclass(frozen=True)
class FileCoding:
    """A ``Coding`` of a selection: the code it refers to and who created it."""

    code_guid: str
    user_guid: str


@dataclass(frozen=True)
class FileSelection:
    """A ``PlainTextSelection`` with validated offsets into its source's text as read."""

    guid: str
    start: int
    end: int
    codings: tuple[FileCoding, ...]
    description: str = ""  # the selection's memo (QualCoder's coding memo)
    note_refs: tuple[str, ...] = ()  # notes the selection or its codings refer to


@dataclass(frozen=True)
class FileSource:
    """A text source of the project: its text (LF line breaks, no BOM) and selections into it."""

    guid: str
    name: str
    description: str
    text: str
    selections: tuple[FileSelection, ...]
    note_refs: tuple[str, ...] = ()  # notes the source refers to (annotations, memos on the source)
    counted: str = ""  # the text the file's positions count (CRLF kept where a CRLF counts two), if not text
    crs: tuple[int, ...] = ()  # where ``counted`` has a CR that ``text`` leaves out

    def text_span(self, start: int, end: int) -> tuple[int, int]:
        """A span of the file's positions (UTF-16 units, a CRLF counted as the source's selections count
        it) as code point indices into :attr:`text`."""
        units = Utf16Positions(self.counted or self.text)
        start, end = units.index(start), units.index(end, end=True)
        return _collapse(start, list(self.crs)), _collapse(end, list(self.crs))


@dataclass(frozen=True)
class FileNote:
    """A ``Note``: its text and, for an annotation, the span of the text it annotates."""

    guid: str
    name: str
    text: str
    span: tuple[int, int] | None
    user: str = ""  # the GUID of the user who wrote it (creatingUser)


@dataclass(frozen=True)
class FileCode:
    """A code of the project's codebook."""

    guid: str
    name: str
    description: str
    codable: bool


@dataclass
class QdpxProject:
    """What hoi reads of a ``.qdpx`` project."""

    path: str
    origin: str
    users: dict[str, str]
    codes: list[FileCode]
    sources: list[FileSource]
    skipped: Counter[str] = field(default_factory=Counter)
    notes: dict[str, FileNote] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)  # selection or source -> notes linked to it
    case_memos: list[str] = field(default_factory=list)  # names of the cases with a Description (a memo)
    referenced: set[str] = field(default_factory=set)  # notes something refers to (NoteRef, Link)
    description: str = ""  # the project's Description (hoi writes whether its texts are pseudonymised)


def _offset(value: str | None, attribute: str, *, path: str, where: str) -> int:
    if value is None or not _INT.fullmatch(value):
        shown = "missing" if value is None else f'"{value[:40]}"'
        problem = "negative" if value is not None and value.strip().startswith("-") else "not an integer"
        raise ReviewError(f"{attribute} is {shown}: {problem if value is not None else 'required'}",
                          path=path, where=where, hint="offsets are whole character positions from 0")
    return int(value)


def _line_breaks(raw: str, selections: list[tuple[int, int, int, int, str]], origin: str) -> tuple[str, bool]:
    """The text with LF line breaks, and whether the offsets count a CRLF as two characters.

    ``selections`` are (start, end) as code point indices if a CRLF counts one, the same if it counts two,
    and the selection's name. The selections decide where they can: an end beyond the LF text needs two;
    otherwise the convention under which more selection names quote their text wins; otherwise the
    producer's (ATLAS.ti, QualCoder and MAXQDA count one, the standard and NVivo count code points: two).
    """
    lf = lf_only(raw)
    if len(lf) == len(raw):
        return lf, False
    if any(end > len(lf) for _, end, _, _, _ in selections):
        return lf, True
    crs = _cr_positions(raw)
    votes = Counter[bool]()
    for start, end, start_two, end_two, name in selections:
        quoted = " ".join(name.split())[:40]
        if not quoted:
            continue
        one = " ".join(lf[start:end].split())[:40]
        two = " ".join(lf[_collapse(start_two, crs):_collapse(end_two, crs)].split())[:40]
        if quoted == one and quoted != two:
            votes[False] += 1
        elif quoted == two and quoted != one:
            votes[True] += 1
    if votes[True] != votes[False]:
        return lf, votes[True] > votes[False]
    producer = origin.casefold()
    return lf, not any(tool in producer for tool in ("atlas", "qualcoder", "maxqda", "hoi_nlp"))


def _cr_positions(raw: str) -> list[int]:
    """Positions of the CR of every CRLF (the characters an LF text leaves out)."""
    return [m.start() for m in re.finditer("\r\n", raw)]


def _collapse(offset: int, crs: list[int]) -> int:
    return offset - bisect.bisect_left(crs, offset)


def _source_text(archive: QdpxArchive, element: etree._Element, *, where: str) -> tuple[str, bool] | None:
    """(text, whether CRLF may count as two) from PlainTextContent, plainTextPath or richTextPath."""
    content = _child_text(element, "PlainTextContent")
    if content is not None and not element.get("plainTextPath"):
        return content, False  # the XML parser has already turned CRLF into LF
    path = element.get("plainTextPath") or ""
    if path:
        member = archive.internal(path, where=f"{where}, plainTextPath")
        return decode_text(archive.read(member), path=archive.display, where=f"{where}, {path}"), True
    rich = element.get("richTextPath") or ""
    if not rich:
        return None
    member = archive.internal(rich, where=f"{where}, richTextPath")
    data = archive.read(member)
    if member.endswith(".txt"):
        return decode_text(data, path=archive.display, where=f"{where}, {rich}"), True
    if member.endswith(".docx"):
        return _docx_text(data, display=f"{archive.display}:{member}"), False
    return None


def _docx_text(data: bytes, *, display: str) -> str:
    from hoi_nlp.ingest.docx_text import docx_paragraphs

    with tempfile.TemporaryDirectory(prefix="hoi-qdpx-") as folder:
        path = Path(folder) / "source.docx"
        path.write_bytes(data)
        return "\n".join(docx_paragraphs(path, display=display))


def _read_source(archive: QdpxArchive, element: etree._Element, origin: str,
                 skipped: Counter[str]) -> FileSource | None:
    name = element.get("name") or ""
    source_guid = normal_guid(element.get("guid"))
    where = f"source '{name or source_guid}'"
    found = _source_text(archive, element, where=where)
    if found is None:
        skipped["sources without a text hoi can read"] += 1
        return None
    raw, may_have_crlf = found
    if len(raw) > MAX_SOURCE_CHARS:
        raise ReviewError(f"the text has {len(raw):,} characters (limit {MAX_SOURCE_CHARS:,})",
                          path=archive.display, where=where, hint="split the source in your QDA program")
    pending = []
    for sel in _children(element, "PlainTextSelection"):
        sel_where, start, end = _selection_span(archive, sel, where)
        made_by = sel.get("creatingUser") or sel.get("modifyingUser")
        codings = tuple(
            FileCoding(normal_guid(ref.get("targetGUID")), normal_guid(coding.get("creatingUser") or made_by))
            for coding in _children(sel, "Coding")
            for ref in _children(coding, "CodeRef")[:1]
        )
        refs = tuple(normal_guid(ref.get("targetGUID")) for ref in sel.iter("NoteRef"))
        memo = (_child_text(sel, "Description") or "").strip()
        unreadable = sum(not _children(coding, "CodeRef") for coding in _children(sel, "Coding"))
        pending.append((sel_where, start, end, sel.get("name") or "", sel.get("guid") or "", codings,
                        memo, refs, unreadable))
    # Positions count UTF-16 units (an emoji two, as QualCoder's editor does): made code point indices here.
    text, two = (raw, False)
    if may_have_crlf and "\r" in raw:
        one_units, two_units = Utf16Positions(lf_only(raw)), Utf16Positions(raw)
        spans = [(one_units.index(s), one_units.index(e, end=True), two_units.index(s),
                  two_units.index(e, end=True), n) for _, s, e, n, *_ in pending]
        text, two = _line_breaks(raw, spans, origin)
    counted = raw if two else text
    units = Utf16Positions(counted)
    crs = _cr_positions(raw) if two else []
    selections = []
    for sel_where, start, end, _, sel_guid, codings, memo, refs, unreadable in pending:
        if end > units.length:
            size = (f"{units.length} characters" if units.length == len(counted)
                    else f"{units.length} UTF-16 units, {len(counted)} characters")
            raise ReviewError(f"the selection {start}-{end} ends beyond the text ({size})",
                              path=archive.display, where=sel_where)
        if unreadable:  # named apart from empty selections: the analyst coded something there
            skipped["codings without a code reference (CodeRef)"] += unreadable
        # empty as the file says (an empty selection inside an emoji's two units widens to the emoji)
        if start == end or not (codings or memo or refs):
            if not unreadable:
                skipped["empty selections or selections without a coding"] += 1
            continue
        start, end = units.index(start), units.index(end, end=True)
        if two:
            start, end = _collapse(start, crs), _collapse(end, crs)
        selections.append(FileSelection(normal_guid(sel_guid), start, end, codings, memo, refs))
    description = _child_text(element, "Description") or ""
    refs = tuple(normal_guid(ref.get("targetGUID")) for ref in _children(element, "NoteRef"))
    return FileSource(source_guid, name, description, text, tuple(selections), refs,
                      counted=raw if two else "", crs=tuple(crs))


def _read_note(archive: QdpxArchive, element: etree._Element) -> FileNote:
    """A note's text (inline or from its text file) and the span of its first selection, if any."""
    note_guid = normal_guid(element.get("guid"))
    name = element.get("name") or ""
    where = f"note '{name or note_guid}'"
    text = _child_text(element, "PlainTextContent")
    path = element.get("plainTextPath") or ""
    if path and not text:
        member = archive.internal(path, where=f"{where}, plainTextPath", what="the note's text")
        text = decode_text(archive.read(member), path=archive.display, where=f"{where}, {path}")
    text = lf_only(text or "").strip()
    span = None
    for sel in _children(element, "PlainTextSelection")[:1]:
        _, start, end = _selection_span(archive, sel, where)
        span = (start, end)
    user = normal_guid(element.get("creatingUser") or element.get("modifyingUser"))
    return FileNote(note_guid, name, text, span, user)


def _selection_span(archive: QdpxArchive, sel: etree._Element, where: str) -> tuple[str, int, int]:
    """Where a PlainTextSelection is (for errors) and its checked start and end positions."""
    sel_where = f"{where}, PlainTextSelection {sel.get('guid') or '?'}"
    start = _offset(sel.get("startPosition"), "startPosition", path=archive.display, where=sel_where)
    end = _offset(sel.get("endPosition"), "endPosition", path=archive.display, where=sel_where)
    if end < start:
        raise ReviewError(f"the selection is reversed: endPosition {end} < startPosition {start}",
                          path=archive.display, where=sel_where)
    return sel_where, start, end


def _codes(root: etree._Element) -> list[FileCode]:
    codebook = next((c for c in root if c.tag == "CodeBook"), None)
    if codebook is None:
        return []
    return [FileCode(normal_guid(code.get("guid")), code.get("name") or "",
                     _child_text(code, "Description") or "", _is_codable(code))
            for code in codebook.iter("Code")]


def _is_codable(code: etree._Element) -> bool:
    return (code.get("isCodable") or "true").strip().lower() not in ("false", "0")


def read_project(path: Path) -> QdpxProject:
    """Read and check a ``.qdpx`` project: every offset is validated before anything is used."""
    with QdpxArchive(Path(path)) as archive:
        root = archive.project()
        if root.tag != "Project":
            raise ReviewError(f"the project file's root is <{root.tag}>, not <Project>", path=archive.display,
                              where=archive.project_member)
        origin = root.get("origin") or ""
        users = {normal_guid(u.get("guid")): (u.get("name") or u.get("id") or "").strip()
                 for users in _children(root, "Users") for u in _children(users, "User")}
        project = QdpxProject(str(path), origin, users, _codes(root), [],
                              description=_child_text(root, "Description") or "")
        for sources in _children(root, "Sources"):
            for element in sources:
                if element.tag != "TextSource":
                    project.skipped[f"{element.tag} sources (hoi codes text only)"] += 1
                    continue
                source = _read_source(archive, element, origin, project.skipped)
                if source is not None:
                    project.sources.append(source)
        for notes in _children(root, "Notes"):
            for element in _children(notes, "Note"):
                note = _read_note(archive, element)
                if note.text:
                    project.notes[note.guid] = note
        project.case_memos = [case.get("name") or normal_guid(case.get("guid"))
                              for cases in _children(root, "Cases") for case in _children(cases, "Case")
                              if (_child_text(case, "Description") or "").strip()]
        project.referenced = {normal_guid(ref.get("targetGUID")) for ref in root.iter("NoteRef")}
        for links in _children(root, "Links"):  # NVivo links a memo to what it is about
            for link in _children(links, "Link"):
                origin_guid, target = normal_guid(link.get("originGUID")), normal_guid(link.get("targetGUID"))
                if target in project.notes:
                    origin_guid, target = target, origin_guid
                if origin_guid in project.notes:
                    project.links.setdefault(target, []).append(origin_guid)
                    project.referenced.add(origin_guid)
    return project


# ---------------------------------------------------------------- aligning texts


class AlignmentError(ValueError):
    """The text in the file cannot be aligned with the study's text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _common_prefix(a: str, i: int, b: str, j: int, n: int) -> int:
    """Length of the common prefix of ``a[i:i+n]`` and ``b[j:j+n]`` (slices compared in C)."""
    if a[i : i + n] == b[j : j + n]:
        return n
    size = 64
    while size < n and a[i : i + size] == b[j : j + size]:
        size *= 2
    lo, hi = size // 2 if size > 64 else 0, min(size, n) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[i : i + mid] == b[j : j + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, i_end: int, b: str, j_end: int, n: int) -> int:
    """Length of the common suffix of ``a[:i_end]`` and ``b[:j_end]``, at most ``n``."""
    if a[i_end - n : i_end] == b[j_end - n : j_end]:
        return n
    size = 64
    while size < n and a[i_end - size : i_end] == b[j_end - size : j_end]:
        size *= 2
    lo, hi = size // 2 if size > 64 else 0, min(size, n) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[i_end - mid : i_end] == b[j_end - mid : j_end]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _runs(text: str, lo: int, hi: int, size: int) -> tuple[Counter[str], dict[str, int]]:
    """Every run of ``size`` consecutive words in ``text[lo:hi]`` (the exact text from the first word's start
    to the last word's end): how often it occurs, and where first."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, lo, hi)]
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for index in range(len(words) - size + 1):
        start, end = words[index][0], words[index + size - 1][1]
        run = text[start:end]
        counts[run] += 1
        first.setdefault(run, start)
    return counts, first


def _anchors(a: str, e0: int, e1: int, b: str, o0: int, o1: int) -> list[tuple[int, int, int]]:
    """Runs of words found once in each window, as (position in a, position in b, length), in order in
    both and not overlapping (the longest increasing chain, patience-diff style). Single words first;
    where no word is unique (repetitive text), runs of 3, 8 and 20 words."""
    for size in (1, 3, 8, 20):
        counts_a, first_a = _runs(a, e0, e1, size)
        counts_b, first_b = _runs(b, o0, o1, size)
        pairs = sorted((first_a[run], first_b[run], len(run)) for run, n in counts_a.items()
                       if n == 1 and counts_b.get(run) == 1)
        chain = _increasing(pairs)
        if chain:
            return chain
    return []


def _increasing(pairs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The longest chain of ``pairs`` (sorted by position in a) increasing in b too, without overlaps."""
    tails: list[int] = []
    tail_index: list[int] = []
    back = [-1] * len(pairs)
    for index, (_, pos_b, _) in enumerate(pairs):
        k = bisect.bisect_left(tails, pos_b)
        if k == len(tails):
            tails.append(pos_b)
            tail_index.append(index)
        else:
            tails[k] = pos_b
            tail_index[k] = index
        back[index] = tail_index[k - 1] if k else -1
    chain = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    kept: list[tuple[int, int, int]] = []
    for pos_a, pos_b, length in reversed(chain):
        if not kept or (pos_a >= kept[-1][0] + kept[-1][2] and pos_b >= kept[-1][1] + kept[-1][2]):
            kept.append((pos_a, pos_b, length))
    return kept


def _diff_window(a: str, e0: int, e1: int, b: str, o0: int, o1: int, positions: list[int]) -> None:
    matcher = difflib.SequenceMatcher(None, a[e0:e1], b[o0:o1], autojunk=False)
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal":
            positions[e0 + i1 : e0 + i2] = range(o0 + j1, o0 + j1 + i2 - i1)
        else:
            positions[e0 + i1 : e0 + i2] = [o0 + j1] * (i2 - i1)


def offset_map(exported: str, original: str) -> list[int]:
    """For every position 0..len(exported), the matching position in ``original``.

    Linear in practice: the common prefix and suffix are matched exactly; what differs is split
    at words found once in each side (in order), and only small windows are left to difflib.
    A position inside a replaced stretch (a placeholder) maps to the start of its original.
    """
    n, m = len(exported), len(original)
    if max(n, m) > MAX_SOURCE_CHARS:
        raise AlignmentError(f"the text is too long to align ({max(n, m):,} characters, limit "
                             f"{MAX_SOURCE_CHARS:,})", 0)
    if exported == original:
        return list(range(n + 1))
    positions = [0] * (n + 1)
    stack = [(0, n, 0, m)]
    budget = DIFF_BUDGET
    while stack:
        e0, e1, o0, o1 = stack.pop()
        p = _common_prefix(exported, e0, original, o0, min(e1 - e0, o1 - o0))
        positions[e0 : e0 + p] = range(o0, o0 + p)
        e0, o0 = e0 + p, o0 + p
        s = _common_suffix(exported, e1, original, o1, min(e1 - e0, o1 - o0))
        positions[e1 - s : e1] = range(o1 - s, o1)
        e1, o1 = e1 - s, o1 - s
        if e0 == e1:
            continue
        if o0 == o1:
            positions[e0:e1] = [o0] * (e1 - e0)
            continue
        size = (e1 - e0) * (o1 - o0)
        anchors = [] if size <= DIFF_WINDOW else _anchors(exported, e0, e1, original, o0, o1)
        if not anchors:
            budget -= size
            if size > DIFF_WINDOW_FALLBACK or budget < 0:
                raise AlignmentError(f"the text differs from the study's text too much to align "
                                     f"(characters {e0}-{e1} of the file)", e0)
            _diff_window(exported, e0, e1, original, o0, o1, positions)
            continue
        prev_e, prev_o = e0, o0
        for ea, oa, length in anchors:
            stack.append((prev_e, ea, prev_o, oa))
            positions[ea : ea + length] = range(oa, oa + length)
            prev_e, prev_o = ea + length, oa + length
        stack.append((prev_e, e1, prev_o, o1))
    positions[n] = m
    return positions


# ---------------------------------------------------------------- the study an import lands in


@dataclass(frozen=True)
class CodedUnits:
    """What a .qdpx import places codings on: the study's sources, coding units and machine codings."""

    codebook: Codebook
    sources: dict[str, Source]
    segments: list[Segment]
    assignments: list[CodeAssignment]
    names: dict[str, str] = field(default_factory=dict)  # source name as exported (case-folded) -> id
    contexts: dict[str, tuple[int, int]] = field(default_factory=dict)  # unit -> its turn/answer span
    guids: dict[str, str] = field(default_factory=dict)  # source GUID an export gave (keyed or not) -> id
    renames: dict[str, str] = field(default_factory=dict)  # code id an earlier export used -> its id now
    moves: dict[str, str] = field(default_factory=dict)  # source id an earlier export used -> its id now

    def __post_init__(self) -> None:
        if not self.guids:  # units given without the study's secret: the GUIDs of raw ids alone
            object.__setattr__(self, "guids", exported_guids(self.sources, moves=self.moves))

    @property
    def segment_by_id(self) -> dict[str, Segment]:
        """Coding units by id."""
        return {seg.segment_id: seg for seg in self.segments}

    @classmethod
    def load(cls, workspace: Workspace, codebook: Codebook) -> CodedUnits:
        """The workspace's sources, codable segments, machine suggestions and the names it exported."""
        from hoi_nlp.privacy.key import key_path, load_key
        from hoi_nlp.privacy.redact import KeyRedactor
        from hoi_nlp.store import load_assignments, load_segments, load_sources, source_moves

        sources = {s.source_id: s for s in load_sources(workspace)}
        moves = {old: new for old, new in source_moves(workspace).items() if new in sources}
        segments = load_segments(workspace, codable=True)
        assignments = [a for a in load_assignments(workspace)
                       if codebook.has_code(a.code_id) and a.tier == "suggested"]
        parents = {s.parent_id for s in segments if s.parent_id}
        spans = {s.segment_id: (s.start, s.end)
                 for s in load_segments(workspace, segment_ids=sorted(parents))}
        contexts = {s.segment_id: spans.get(s.parent_id or "", (s.start, s.end)) for s in segments}
        from hoi_nlp.review.codebook_edit import code_id_map

        redact = KeyRedactor(load_key(key_path(workspace), study=workspace.study))
        return cls(codebook=codebook, sources=sources, segments=segments, assignments=assignments,
                   names=exported_names(sources, redact.ident, moves), contexts=contexts,
                   guids=exported_guids(sources, redact, moves), renames=code_id_map(workspace), moves=moves)

    @classmethod
    def of_study(cls, study: Any, ident: Any = None, *, redact: Any = None) -> CodedUnits:
        """The units of an in-memory coded study (a :class:`~hoi_nlp.export.study.CodedStudy`); ``redact``
        (the study's :class:`~hoi_nlp.privacy.redact.KeyRedactor`) finds its sources by their keyed GUIDs."""
        ident = ident or (redact.ident if redact is not None else (lambda value: value))
        return cls(codebook=study.codebook, sources=dict(study.sources), segments=list(study.segments),
                   assignments=[a for a in study.assignments if a.tier == "suggested"],
                   names=exported_names(study.sources, ident), guids=exported_guids(study.sources, redact))


def exported_guids(source_ids: Iterable[str], redact: Any = None,
                   moves: dict[str, str] | None = None) -> dict[str, str]:
    """Every GUID an export may have given a source -> its id: the uuid5 of its raw id (raw exports and
    every export written before source GUIDs were keyed) and, with the study's secret, the keyed one of a
    pseudonymised export (see :func:`hoi_nlp.qda.record_guid`); ``redact`` is the study's pseudonymising
    :class:`~hoi_nlp.privacy.redact.KeyRedactor` (a raw one keys nothing). ``moves`` (a source's id an
    earlier export used -> its id now, :func:`hoi_nlp.store.source_moves`) adds the GUIDs of the ids a
    renamed source had (a source's id now wins over another's old one)."""
    ids = sorted(source_ids)
    found: dict[str, str] = {}
    for ident, sid in [*sorted((moves or {}).items()), *((sid, sid) for sid in ids)]:
        found[record_guid("source", ident)] = sid
        if redact is not None and redact.key.secret:  # without a secret no export has keyed a GUID yet
            found[record_guid("source", ident, redact.keyed_id)] = sid
    return found


def exported_names(source_ids: Iterable[str], ident: Any,
                   moves: dict[str, str] | None = None) -> dict[str, str]:
    """Every name an export may have given a source (pseudonymised or raw), case-folded -> source id; with
    ``moves`` (as :func:`exported_guids`) also the names of the ids a renamed source had."""
    ids = sorted(source_ids)
    names: dict[str, str] = {}
    if moves:
        before = sorted(set(ids) - set(moves.values()) | set(moves))  # the study's ids before the moves
        now = {sid: sid for sid in ids} | moves
        names.update({old.casefold(): now[old] for old in moves})
        names.update({name.casefold(): now[old] for old, name in source_names(before, lambda v: v).items()
                      if old in moves})
        names.update({name.casefold(): now[old] for old, name in source_names(before, ident).items()
                      if old in moves})
    names.update({sid.casefold(): sid for sid in ids})
    names.update({name.casefold(): sid for sid, name in source_names(ids, lambda v: v).items()})
    names.update({name.casefold(): sid for sid, name in source_names(ids, ident).items()})
    return names


# ---------------------------------------------------------------- planning the decisions


@dataclass(frozen=True)
class ImportedCoding:
    """A coding from another tool, placed on a coding unit (offsets into the source text)."""

    segment_id: str
    code_id: str
    start: int
    end: int
    user: str = ""  # the human who created it ("" = the machine user or nobody named)


@dataclass(frozen=True)
class PlannedDecision:
    """One decision an import will record."""

    action: str
    segment_id: str
    code_id: str
    analyst: str | None  # None: the analyst given with --analyst
    start: int | None = None
    end: int | None = None
    memo: str | None = None


@dataclass
class ImportPlan:
    """What an import would record: decisions, counts per kind and what was left out."""

    decisions: list[PlannedDecision] = field(default_factory=list)
    codings: list[ImportedCoding] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    sources: int = 0
    # (title, text, author: None for the importing analyst) of journals
    study_memos: list[tuple[str, str, str | None]] = field(default_factory=list)


def _code_lookup(codes: Sequence[FileCode], codebook: Codebook,
                 renames: dict[str, str] | None = None) -> dict[str, str]:
    """Code GUID in the project -> hoi code id: by GUID, ``[hoi: id]`` tag, exported name, then label. A code
    the study renamed or merged since the file was exported (``renames``: old id -> id now) is found by its
    old id's GUID and tag."""
    renamed = {old: new for old, new in (renames or {}).items() if codebook.has_code(new)}
    by_guid = {guid("code", old): new for old, new in renamed.items()}
    by_guid.update({guid("code", c.id): c.id for c in codebook.codes})
    _, exported = code_names(codebook)
    by_name = {c.label.casefold(): c.id for c in codebook.codes}
    by_name.update({name.casefold(): code_id for code_id, name in exported.items()})
    lookup = {}
    for code in codes:
        if not code.codable:
            continue
        tag = CODE_TAG.search(code.description)
        tagged = None if tag is None else (
            tag.group(1) if codebook.has_code(tag.group(1)) else renamed.get(tag.group(1)))
        code_id = by_guid.get(code.guid) or tagged or by_name.get(code.name.strip().casefold())
        if code_id:
            lookup[code.guid] = code_id
    return lookup


def _guids_of(source: FileSource) -> list[str]:
    """The GUIDs a source carries: its own, and the one hoi wrote into its Description (a tool that gives
    sources new GUIDs keeps the Description)."""
    tag = SOURCE_TAG.search(source.description)
    return [source.guid, *([normal_guid(tag.group(1))] if tag else [])]


def _match_source(source: FileSource, units: CodedUnits, by_guid: dict[str, str]) -> str | None:
    return (next((by_guid[g] for g in _guids_of(source) if g in by_guid), None)
            or units.names.get(source.name.strip().casefold()))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


def _state_without_review(units: CodedUnits) -> ReviewState:
    from hoi_nlp.review.decisions import fold

    best: dict[tuple[str, str], float] = {}
    for a in units.assignments:
        best[(a.segment_id, a.code_id)] = max(a.confidence, best.get((a.segment_id, a.code_id), 0.0))
    return fold([], best)


@dataclass
class _SourcePlan:
    """The machine's and the review's codings of one source, as the export wrote them."""

    units: list[Segment]
    exported: dict[tuple[str, str], tuple[int, int]]  # (unit, code) -> span, present in the export
    status: dict[tuple[str, str], str]
    consumed: set[tuple[str, str]] = field(default_factory=set)


def _source_plan(source_id: str, units: CodedUnits, state: ReviewState,
                 by_source: dict[str, list[Segment]], codes_of: dict[str, list[Any]]) -> _SourcePlan:
    segs = by_source.get(source_id, [])
    exported, status = {}, {}
    for seg in segs:
        note = state.segments.get(seg.segment_id)
        for code in codes_of.get(seg.segment_id, []):
            if not units.codebook.has_code(code.code_id):
                continue
            key = (seg.segment_id, code.code_id)
            status[key] = code.status
            if code.status in ("suggested", "accepted", "added"):
                exported[key] = code.span or (note.span if note else None) or (seg.start, seg.end)
    return _SourcePlan(segs, exported, status)


def _place(plan: _SourcePlan, code_id: str, span: tuple[int, int]) -> str | None:
    """The unit for a new coding: exact bounds, else the smallest containing it, else the largest overlap;
    among equals a unit where the code is not taken yet."""
    def free(seg: Segment) -> bool:
        return (seg.segment_id, code_id) not in plan.consumed

    exact = [s for s in plan.units if (s.start, s.end) == span]
    containing = sorted((s for s in plan.units if s.start <= span[0] and span[1] <= s.end),
                        key=lambda s: (not free(s), s.end - s.start))
    for found in (sorted(exact, key=lambda s: not free(s)), containing):
        if found:
            return found[0].segment_id
    overlaps = sorted(((_overlap(span, (s.start, s.end)), free(s), s.segment_id) for s in plan.units),
                      reverse=True)
    return overlaps[0][2] if overlaps and overlaps[0][0] > 0 else None


class _Planner:
    def __init__(self, units: CodedUnits, state: ReviewState, plan: ImportPlan,
                 written: frozenset[tuple[str, str]] | None = None) -> None:
        self.units = units
        self.written = written  # the (unit, code) pairs the file's export wrote, when the workspace knows
        self.places: dict[str, list[tuple[str, int, int]]] = {}  # source -> (code, start, end) it wrote there
        self.known_codes: set[str] = set()  # the study's codes the file's codebook has
        self.state = state
        self.plan = plan
        self.segment_by_id = units.segment_by_id
        self.machine = {(a.segment_id, a.code_id) for a in units.assignments}
        self.best: dict[tuple[str, str], float] = {}  # (unit, code) -> its confidence as the export shows it
        for a in units.assignments:
            key = (a.segment_id, a.code_id)
            self.best[key] = max(a.confidence, self.best.get(key, 0.0))
        self.other_confidence = False  # a machine coding of the file with another confidence than here
        self.foreign = 0  # unreviewed machine codings of the file this workspace's coder does not suggest
        self.left = 0  # this workspace's suggestions the file lacks, left unreviewed (another coding run)
        self.moved = 0  # codings under the machine's name the export did not write (moved or merged there)

    def span(self, segment_id: str, code_id: str, span: tuple[int, int], current: tuple[int, int],
             who: str | None, where: str) -> None:
        seg = self.segment_by_id[segment_id]
        lo, hi = self.units.contexts.get(segment_id, (seg.start, seg.end))
        start, end = max(span[0], lo), min(span[1], hi)
        if (start, end) != span:
            self.plan.warnings.append(f"{where}: the coding {span[0]}-{span[1]} crosses its turn or answer; "
                                      f"kept {start}-{end}")
        if start >= end or (start, end) == current:
            return
        self.plan.decisions.append(PlannedDecision("span", segment_id, code_id, who, start, end))
        self.plan.counts["span"] += 1

    def moved_here(self, splan: _SourcePlan, key: tuple[str, str], span: tuple[int, int]) -> bool:
        """Whether a coding under the machine's name with its unreviewed provenance, of a code the machine
        does not suggest there, was moved to its code in the other tool rather than suggested by another
        coding run: the export did not write it, or it has the bounds of an exported coding on its unit of a
        code the file's codebook lacks (QualCoder merges a code into another with its codings)."""
        if self.written is not None and not self.was_written(key):
            return True
        return any(k[0] == key[0] and k[1] not in self.known_codes and s == span and k not in splan.consumed
                   for k, s in splan.exported.items())

    def was_written(self, key: tuple[str, str]) -> bool:
        """Whether the file's export wrote a coding of ``key`` (its unit and code), or of its code where the
        unit is now (a source edited and cut again since gives its units other ids)."""
        if self.written is None or key in self.written:
            return True
        seg = self.segment_by_id.get(key[0])
        return seg is not None and any(code == key[1] and _overlap((start, end), (seg.start, seg.end)) > 0
                                       for code, start, end in self.places.get(seg.source_id, ()))

    def as_exported(self, key: tuple[str, str], span: tuple[int, int]) -> bool:
        """Whether a coding of the file has the very bounds its export wrote for its code there (in the
        study's text as it is now)."""
        seg = self.segment_by_id.get(key[0])
        return seg is not None and (key[1], *span) in self.places.get(seg.source_id, ())

    def compare(self, key: tuple[str, str], confidence: str | None) -> None:
        """Note a machine coding of the file whose confidence is not this workspace's (another coding run:
        an export shows the best confidence of a coding's suggestions with two decimals)."""
        if confidence is not None and key in self.best and f"{self.best[key]:.2f}" != confidence:
            self.other_confidence = True

    def decide(self, action: str, key: tuple[str, str], who: str | None) -> None:
        self.plan.decisions.append(PlannedDecision(action, key[0], key[1], who))
        self.plan.counts[action] += 1


def plan_import(project: QdpxProject, units: CodedUnits, state: ReviewState | None = None,
                study_memos: Sequence[Any] = (), export: ExportRecord | None = None) -> ImportPlan:
    """The decisions that record what the analyst did in the other tool.

    Against the review as it stands (``state``; by default the machine's suggestions alone), for
    every source of the file that belongs to the study:

    - a coding whose (unit, code, bounds) is what the export wrote records nothing (``unchanged``),
      except an unreviewed machine coding that a human re-created: ``accept``;
    - a coding overlapping an exported one of the same code with other bounds: ``span`` (and
      ``accept`` when a human made it and the machine's coding was unreviewed);
    - any other coding: ``add`` (``accept`` on a unit where the machine suggested the code but an
      analyst had rejected it), with a ``span`` where its bounds differ from the unit's; a coding by
      the machine user of a code an analyst rejected after the export records nothing;
    - an exported coding the file lacks (of a code the file's codebook has): ``reject``;
    - but when the file holds unreviewed machine codings this workspace's coder does not suggest, or
      machine codings with other confidences (it was exported from another coding run, e.g. another
      workspace of the study), those unreviewed codings record nothing and an
      unreviewed suggestion the file lacks is left as it is (its coder may never have suggested it).

    With ``export``, the workspace's record of the export the file was made from (its Description names
    it), the file's own codings are known: a coding it lacks is a ``reject`` exactly when the export wrote
    it, also after a retraining or a re-coding since; a suggestion made since, and a coding an analyst
    accepted or added in the app since, are not in it and record nothing.

    Decisions of codings a human created are that user's; the others (rejects, changes made under
    the machine's or no name) are left to the analyst given to :func:`import_qdpx`. Memos go on the
    units and codings they are about; a note nothing refers to is a memo on the study (unless it is one
    of the ``study_memos`` the study has).
    """
    state = state if state is not None else _state_without_review(units)
    if export is not None and units.moves:  # the export's units under their sources' ids now
        export = export.moved(units.moves)
    plan = ImportPlan()
    codes = _code_lookup(project.codes, units.codebook, units.renames)
    known_codes = set(codes.values())
    by_guid = units.guids
    by_source: dict[str, list[Segment]] = {}
    for seg in units.segments:
        by_source.setdefault(seg.source_id, []).append(seg)
    written = None if export is None else frozenset(
        (seg, units.renames.get(code, code)) for seg, code in export.keys)
    planner = _Planner(units, state, plan, written)
    planner.known_codes = known_codes
    codes_of: dict[str, list[Any]] = {}
    for (segment_id, _), code_state in state.codes.items():
        codes_of.setdefault(segment_id, []).append(code_state)
    skipped: Counter[str] = Counter(project.skipped)
    unknown_codes: Counter[str] = Counter()
    memos = _Memos(planner, project, study_memos)
    unkeyed = {record_guid("source", old): new for old, new in units.moves.items()}
    unkeyed.update({record_guid("source", sid): sid for sid in units.sources})
    old_guids = []  # sources the file names by the uuid5 of their raw id
    lacking: list[tuple[tuple[str, str], str | None]] = []  # exported codings the file lacks, their status
    absent: Counter[str] = Counter()  # codings of codes the file's codebook lacks (deleted or merged there)
    for source in project.sources:
        source_id = _match_source(source, units, by_guid)
        if source_id is None or source_id not in units.sources:
            skipped["sources not in this study"] += 1
            continue
        plan.sources += 1
        if source_id in (unkeyed.get(g) for g in _guids_of(source)):
            old_guids.append((source, source_id))
        where = f"source '{source.name or source_id}'"
        try:
            positions = offset_map(source.text, units.sources[source_id].text)
        except AlignmentError as exc:
            raise ReviewError(str(exc), path=project.path, where=f"{where}, offset {exc.offset}",
                              hint="import the project into the study it was exported from") from exc
        splan = _source_plan(source_id, units, state, by_source, codes_of)
        if export is not None:  # where the export wrote its codings, in the study's text as it is now
            planner.places[source_id] = [(units.renames.get(code, code), positions[start], positions[end])
                                         for code, start, end in export.spans(source_id)
                                         if end < len(positions)]
        found = []
        for sel in source.selections:
            span = (positions[sel.start], positions[sel.end])
            for coding in sel.codings:
                code_id = codes.get(coding.code_guid)
                if code_id is None:
                    unknown_codes[coding.code_guid] += 1
                    continue
                if span[0] >= span[1]:
                    skipped["codings that cover no text of the study"] += 1
                    continue
                user = _user(project, coding.user_guid)
                found.append((code_id, span, user, not user and _machine_only(sel.description),
                              _confidence(sel.description)))
        first = len(plan.codings)
        _plan_source(planner, splan, found, where)
        memos.source(source, positions, splan, codes, plan.codings[first:])
        lacking += [(key, splan.status.get(key)) for key in sorted(splan.exported)
                    if key not in splan.consumed and key[1] in known_codes]
        absent.update(key[1] for key in splan.exported if key not in splan.consumed
                      and key[1] not in known_codes and planner.was_written(key))
    other_run = planner.foreign or planner.other_confidence
    since: Counter[str] = Counter()  # codings the file lacks because they came after the export
    for key, status in lacking:
        if not planner.was_written(key):  # never in the file: made or decided since
            since["suggested" if status == "suggested" else "decided"] += 1
        elif written is None and other_run and status == "suggested":  # never in the file, or deleted
            planner.left += 1
        else:
            planner.decide("reject", key, None)
    if absent:
        plan.warnings.append(_absent_codes_warning(absent, units.codebook))
    if planner.moved:
        plan.warnings.append(f"{planner.moved} codings under the machine's name that the export did not "
                             "write (moved to another code, or codes merged, in the other tool) are recorded "
                             "as decisions of the importing analyst")
    if export is not None:
        if planner.foreign or since:
            plan.warnings.append(_coded_since_warning(export, planner.foreign, since))
    elif planner.foreign or planner.left:
        plan.warnings.append(_other_run_warning(planner.foreign, planner.left))
    if unknown_codes:
        named = sorted({c.name.strip() for c in project.codes if c.guid in unknown_codes and c.name.strip()})
        if named:  # codes the file defines (made in the other tool, or in another workspace's app)
            shown = ", ".join(f"'{n[:60]}'" for n in named[:5]) + (", …" if len(named) > 5 else "")
            plan.warnings.append(
                f"{sum(unknown_codes.values())} codings of codes not in the codebook skipped ({shown}): "
                "add those codes to this workspace's codebook (the app's codebook pages) and import the file "
                "again")
        else:
            skipped["codings of codes not in the codebook"] += sum(unknown_codes.values())
    plan.warnings += [f"{count} {what} skipped" for what, count in sorted(skipped.items())]
    if _unkeyed_pseudonymised(project, units, old_guids):
        plan.warnings.insert(0, OLD_GUIDS_WARNING)
    extra = project_memo(project.description)
    if extra:  # the project memo (QualCoder keeps it in the Description): about the study as a whole
        memos.journal(FileNote("", PROJECT_MEMO_TITLE, extra, None))
    memos.finish()
    plan.warnings += _outside_the_review(project, units.codebook, codes)
    return plan


PROJECT_MEMO_TITLE = "Projektmemo"


def project_memo(description: str) -> str:
    """What an analyst wrote into the project's Description (QualCoder's project memo, which it keeps
    there): the Description without the lines hoi's export writes (which texts, codebook, coders, the
    export's id)."""
    from hoi_nlp.privacy.guard import RAW_NOTE
    from hoi_nlp.review.refi_exports import EXPORT_TAG

    text = EXPORT_TAG.sub("", lf_only(description or ""))
    text = re.sub(r"Kodet med hoi_nlp, kodebog \S+\. (?:" + re.escape(RAW_NOTE) + r"|Teksterne er "
                  r"pseudonymiserede\.)(?: Maskinens forslag: [^\n]*?\.(?=\s|$))?", "", text)
    return text.strip()


OLD_GUIDS_WARNING = (
    "this file was written by an older hoi_nlp and carries unkeyed source and case ids (uuid5 of the raw "
    "ids, which confirm a guessed id such as a name): delete it and its copies and export the study again "
    "(docs/SECURITY.md, \"Offsets and segment ids\")")


def _unkeyed_pseudonymised(project: QdpxProject, units: CodedUnits,
                           old_guids: list[tuple[FileSource, str]]) -> bool:
    """Whether the file is a pseudonymised export written before source and case GUIDs were keyed: it names
    sources by the uuid5 of their raw ids, and it is no raw export (which keeps those GUIDs on purpose): its
    Description lacks the raw export's mark and a text in it differs from the source's own (pseudonymised).
    A pseudonymised export of a study whose texts hold no name at all cannot be told from a raw one."""
    from hoi_nlp.privacy.guard import RAW_MARK

    if not old_guids or RAW_MARK in project.description:
        return False
    return any(" ".join(source.text.split()) != " ".join(units.sources[sid].text.split())
               for source, sid in old_guids)


def _outside_the_review(project: QdpxProject, codebook: Codebook, codes: dict[str, str]) -> list[str]:
    """Warnings for what an analyst may have written in the other tool that an import does not bring:
    memos on cases (respondents) and codes whose description differs from the codebook's."""
    def shown(names: list[str]) -> str:
        return ", ".join(f"'{n}'" for n in names[:5]) + (", …" if len(names) > 5 else "")

    warnings = []
    if project.case_memos:
        warnings.append(f"{len(project.case_memos)} case memos ({shown(project.case_memos)}) not imported: "
                        "hoi keeps memos on coding units and codings; copy them into the review app by hand")
    def untagged(text: str) -> str:  # a code renamed in the app since the export has another id in its tag
        return " ".join(CODE_TAG.sub("", text).split())

    changed = [c.name for c in project.codes if c.codable and c.guid in codes and c.description.strip()
               and untagged(c.description) != untagged(code_description(codebook.code(codes[c.guid])))]
    if changed:
        warnings.append(f"{len(changed)} codes have another description in the file than in the study's "
                        f"codebook ({shown(changed)}): import-qdpx records codings and memos, not codebook "
                        "changes; bring those with `hoi codebook import-qdc` (or the app's codebook pages)")
    return warnings


_NUMBERED = re.compile(r"(.*\S) \([2-9]\d*\)")  # "Overvejelser (2)": a journal title the export made unique
_PROVENANCE = re.compile(r"(?:(?:tilføjet|accepteret)(?: af [^\n]*?)?(?: \(hoi_nlp \d\.\d\d\))?"
                         r"|hoi_nlp \d\.\d\d, ikke gennemset)(?:; [^\n]*)?")
_MEMO_LINE = re.compile(r"\nMemo \(([^()\n]*)\): ")
_UNREVIEWED = re.compile(r"hoi_nlp \d\.\d\d, ikke gennemset(?:; [^\n]*)?")
_CONFIDENCE = re.compile(r"hoi_nlp (\d\.\d\d)(?:, ikke gennemset|\))")


class _Memos:
    """Memos of the file (selection Descriptions and Notes) placed on the study's coding units.

    A memo lands on the coding its selection became (unit and code), else on the unit its span falls
    in. A Note is the memo of the human user who created it (``creatingUser``: the file says who wrote
    it), other memos (a selection's Description, a source's memo, a note of the machine user or of nobody
    named) are the importing analyst's. What hoi wrote into the file itself (the provenance line of a
    selection's Description, the ``Memo (name): …`` lines and Notes of memos the study has) and any
    text already a memo on the same place records nothing, so importing a file again adds nothing. The
    ``Memo (name): …`` lines are copies of the Notes the export wrote beside them (QualCoder shows a
    selection's Description as the coding's memo): where such a Note is in the file, the Note alone is
    the memo, so a memo on a unit is not also recorded on each of its codings (importing into another
    workspace of the study, which has none of these memos yet). One author's memo is recorded once on a
    place; two analysts' memos of the same text are two memos.
    """

    def __init__(self, planner: _Planner, project: QdpxProject, study_memos: Sequence[Any] = ()) -> None:
        self.planner = planner
        self.project = project
        # the study's own (notes nothing refers to), also as QualCoder on Windows reads them
        self.study_texts = [t for m in study_memos for t in (m.text, windows_garbled(m.text))]
        self.study_titles = [m.title or f"Memo ({m.analyst})" for m in study_memos]  # as exports name them
        self.used: set[str] = set()
        self.unplaced: Counter[str] = Counter()
        self.planned: set[tuple[str, str | None, str]] = set()
        known = [m for c in planner.state.codes.values() for m in c.memos]
        known += [m for n in planner.state.segments.values() for m in n.memos]
        self.known_notes = {guid("note", m.decision_id) for m in known}
        self.texts: dict[str, set[str]] = {}  # unit -> texts of its memos and its codes' memos
        self.analysts: dict[str, set[str]] = {}  # unit -> who wrote a memo there
        for (segment_id, _), code_state in planner.state.codes.items():
            for memo in code_state.memos:
                self.texts.setdefault(segment_id, set()).add(memo.text.strip())
                self.analysts.setdefault(segment_id, set()).add(memo.analyst)
        for segment_id, note in planner.state.segments.items():
            for memo in note.memos:
                self.texts.setdefault(segment_id, set()).add(memo.text.strip())
                self.analysts.setdefault(segment_id, set()).add(memo.analyst)

    def _description(self, text: str, segment_id: str, notes: set[str] = frozenset()
                     ) -> tuple[list[str], set[str]]:
        """(memos to record, texts hoi wrote) of a selection's Description; ``notes``: texts of the notes
        the source refers to (a ``Memo (name): …`` line holding one is a copy of that note)."""
        parts = _MEMO_LINE.split("\n" + text.strip())
        head, blocks = parts[0].strip(), list(zip(parts[1::2], parts[2::2], strict=True))
        first, _, rest = head.partition("\n")
        if _PROVENANCE.fullmatch(first.strip()):
            head = rest.strip()
        found, written = [head] if head else [], set()
        for analyst, body in blocks:
            body = body.strip()
            if lf_only(body) in notes:  # a copy of a note of this source: the note is the memo
                continue
            if analyst not in self.analysts.get(segment_id, set()):
                found.append(f"Memo ({analyst}): {body}")
                continue
            written.add(body)  # a memo of the study hoi exported: what add() finds new in it is recorded
            found.append(body)
        return found, written

    def _note(self, note_guid: str, skip: set[str]) -> str | None:
        note = self.project.notes.get(note_guid)
        if note is None:
            return None
        self.used.add(note_guid)
        if note_guid in self.known_notes or note.text in skip:
            return None
        return note.text

    def author(self, note_guid: str) -> str | None:
        """Who wrote a note: its human creatingUser, else None (the importing analyst)."""
        note = self.project.notes.get(note_guid)
        return (_user(self.project, note.user) or None) if note is not None else None

    def add(self, segment_id: str, code_id: str | None, text: str, author: str | None = None) -> None:
        text = new_memo_text(text, self.texts.get(segment_id, set()))
        key = (segment_id, code_id, author, text)
        if not text or key in self.planned:
            return
        self.planned.add(key)
        self.planner.plan.decisions.append(PlannedDecision("memo", segment_id, code_id, author, memo=text))
        self.planner.plan.counts["memo"] += 1

    def source(self, source: FileSource, positions: list[int], splan: _SourcePlan, codes: dict[str, str],
               placed: list[ImportedCoding]) -> None:
        """The memos of one source of the study."""
        by_span = {(c.code_id, c.start, c.end): c.segment_id for c in placed}
        exported: set[str] = set()  # memos hoi wrote into this source's Descriptions
        on_source = [*source.note_refs, *self.project.links.get(source.guid, ())]
        for sel in source.selections:
            on_source += [*sel.note_refs, *self.project.links.get(sel.guid, ())]
        notes = {self.project.notes[r].text for r in on_source if r in self.project.notes}
        for sel in source.selections:
            span = (positions[sel.start], positions[sel.end])
            target = next(((by_span[(codes[c.code_guid], *span)], codes[c.code_guid]) for c in sel.codings
                           if (codes.get(c.code_guid), *span) in by_span), None)
            if target is None:
                unit = _place(splan, "", span) if span[0] < span[1] else None
                target = (unit, None) if unit else None
            texts, written = (self._description(sel.description, target[0], notes) if target
                              else ([sel.description], set()))
            exported |= written
            memos: list[tuple[str, str | None]] = [(t, None) for t in texts]
            refs = [*sel.note_refs, *self.project.links.get(sel.guid, ())]
            memos += [(t, self.author(ref)) for ref in refs if (t := self._note(ref, written))]
            memos = [(t, who) for t, who in memos if t.strip()]
            if target is None:
                self.unplaced["memos on text that is no coding unit of the study"] += len(memos)
                continue
            for text, who in memos:
                self.add(target[0], target[1], text, who)
        for ref in (*source.note_refs, *self.project.links.get(source.guid, ())):
            note = self.project.notes.get(ref)
            text = self._note(ref, exported)
            if note is None or text is None:
                continue
            if note.span is None:  # a note on the whole source (NVivo's, MAXQDA's document memo)
                self._whole_source(splan, text, self.author(ref))
                continue
            start, end = source.text_span(*note.span)  # counted as the source's selections count
            span = (positions[min(start, len(positions) - 1)], positions[min(end, len(positions) - 1)])
            unit = _place(splan, "", span) if span[0] < span[1] else None
            if unit is None:
                self.unplaced["notes on text outside the source's coding units"] += 1
            else:
                self.add(unit, None, text, self.author(ref))
        memo = source_memo(source.description)
        if memo:  # QualCoder's file memo (and other tools' source descriptions)
            self._whole_source(splan, memo)

    def journal(self, note: FileNote) -> None:
        """A note nothing refers to (QualCoder's journal, a project memo) is a memo on the study, unless hoi
        wrote it there (one of the study's memos, also as the export pseudonymised it and as QualCoder on
        Windows garbles it: :func:`windows_garbled`); text added to such a memo in the other tool is
        recorded."""
        text = new_memo_text(note.text, self.study_texts)
        planned = self.planner.plan.study_memos
        author = self.author(note.guid)
        if not text or any(text == t and author == who for _, t, who in planned):
            return
        planned.append((self._title(note.name), text, author))
        self.planner.plan.counts["journal"] += 1

    def _title(self, name: str) -> str:
        """A journal's title without the " (2)" an export added to make it unique (a study memo's title, as
        the export pseudonymised it, then a number), so that the next export does not name it "… (2) (2)";
        a title the study has as it stands is kept."""
        name = name.strip()
        found = _NUMBERED.fullmatch(name)
        if found is None or any(shown_as(name, title) for title in self.study_titles):
            return name
        return found.group(1) if any(shown_as(found.group(1), t) for t in self.study_titles) else name

    def _whole_source(self, splan: _SourcePlan, text: str, author: str | None = None) -> None:
        """A memo on a whole source is its coding unit's memo when the source is one unit (most survey
        answers are); a source of several units (an interview, a long answer) has no memo of its own."""
        if len(splan.units) == 1:
            self.add(splan.units[0].segment_id, None, text, author)
        else:
            self.unplaced["notes on a whole source of several coding units (an interview, a long "
                          "answer)"] += 1

    def finish(self) -> None:
        """Warn of every note or memo that found no place (journals, notes of other sources)."""
        rest = [n for g, n in self.project.notes.items() if g not in self.used and g not in self.known_notes]
        spans = [n for n in rest if n.span is not None]
        rest = [n for n in rest if n.span is None]
        for note in [n for n in rest if n.guid not in self.project.referenced]:
            self.journal(note)  # about the study as a whole: a journal, a project memo
        rest = [n for n in rest if n.guid in self.project.referenced]
        if spans:  # QualCoder's export refers only to the first annotation of each source
            self.unplaced["annotations (notes on a span of text) the file ties to no source (QualCoder names "
                          "the source of the first annotation of each source only)"] += len(spans)
        if rest:
            names = ", ".join(f"'{n.name}'" for n in rest[:5] if n.name)
            more = ", …" if len(rest) > 5 else ""
            self.unplaced["notes not tied to a text of this study (journals, notes on codes or other "
                          f"sources{': ' + names + more if names else ''})"] += len(rest)
        for what, count in sorted(self.unplaced.items()):
            self.planner.plan.warnings.append(
                f"{count} {what} not imported as memos: hoi keeps memos on coding units and codings; "
                "copy them into the review app by hand")


# What an export puts in place of a name or an identifying id in a memo: "[PERSON 2]", "[KOMMUNE]", "id-…".
_SHOWN_FOR = re.compile(r"\[[A-ZÆØÅ]+(?: \d+)?\]|\b(?:id|fil)-[0-9a-f]{8,10}(?:\.\w{1,5})?")


def shown_as(shown: str, original: str) -> bool:
    """Whether ``shown`` is ``original`` as an export writes it: equal, or equal but for placeholders that
    each stand for some text (a memo pseudonymised into a .qdpx and brought back by QualCoder)."""
    if shown == original:
        return True
    parts = _SHOWN_FOR.split(shown)
    if len(parts) == 1:
        return False
    first, *middle, last = parts  # a glob match, linear: each placeholder stands for at least one character
    if not original.startswith(first) or not original.endswith(last):
        return False
    position, end = len(first), len(original) - len(last)
    for part in middle:
        found = original.find(part, position + 1, end - 1)
        if found < 0:
            return False
        position = found + len(part)
    return end - position >= 1


def windows_garbled(text: str) -> str:
    """``text`` as QualCoder on Windows reads a journal's file: it opens the file without an encoding, so
    the UTF-8 bytes hoi wrote are read as the locale's cp1252 ("Økonomien" -> "Ã˜konomien"), and its own
    export writes that back as it reads. A byte cp1252 lacks (the 0x9d of "”") fails its reading (an empty
    journal, which records nothing); here it becomes U+FFFD, so that the rest of a memo still compares where
    such a character was inside a name the export replaced."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


def new_memo_text(text: str, known: Iterable[str]) -> str:
    """What is new in a memo from a file, given the memos the study has there: nothing when it is one of
    them (as written, or pseudonymised as an export shows it), the text after one it starts with (text
    added in the other tool), else all of it (a memo written, or changed, in the other tool). Line breaks
    compare as LF (a memo written in a browser holds CRLF; a file read back, LF)."""
    text = lf_only(text).strip()
    known = [lf_only(k).strip() for k in known if k.strip()]
    if not text or any(shown_as(text, k) for k in known):
        return ""
    if len(text) > MAX_MEMO_MATCH:  # a very long memo: only a known memo as written counts as its head
        head = max((k for k in known if text.startswith(k) and text[len(k):][:1].isspace()), key=len,
                   default="")
        return text[len(head):].strip() if head else text
    rest = ""
    for gap in re.finditer(r"\s+", text):
        if any(shown_as(text[: gap.start()], k) for k in known):
            rest = text[gap.end():]  # the longest known head wins
    return rest or text


def source_memo(description: str) -> str:
    """What an analyst wrote into a source's Description (QualCoder's file memo): all of it but the lines
    hoi wrote there, its ``[hoi: source …]`` tag and the locator line just above it."""
    lines = lf_only(description).split("\n")
    tag = next((i for i, line in enumerate(lines) if SOURCE_TAG.search(line)), None)
    if tag is not None:
        lines[tag] = SOURCE_TAG.sub("", lines[tag])
        if tag > 0:
            del lines[tag - 1]
    return "\n".join(lines).strip()


def _user(project: QdpxProject, user_guid: str) -> str:
    """The human who created a coding; "" for the machine user, a tool's pseudo-user or nobody named."""
    if user_guid == guid("user", MACHINE_USER):
        return ""
    name = project.users.get(user_guid, "")[:100]
    if is_machine_user(name) or name.casefold() in _PSEUDO_USERS or name == PLACEHOLDER_ANALYST:
        return ""
    return name


def _machine_only(description: str) -> bool:
    """Whether a selection's Description starts with the provenance hoi's export gives a machine suggestion
    no analyst reviewed ("hoi_nlp 0.42, ikke gennemset")."""
    return bool(_UNREVIEWED.fullmatch(lf_only(description).strip().partition("\n")[0].strip()))


def _confidence(description: str) -> str | None:
    """The machine's confidence the provenance line of a selection's Description shows ("0.42")."""
    first = lf_only(description).strip().partition("\n")[0].strip()
    found = _CONFIDENCE.search(first) if _PROVENANCE.fullmatch(first) else None
    return found.group(1) if found else None


def _other_run_warning(foreign: int, left: int) -> str:
    parts = [f"{foreign} unreviewed machine suggestions of the file that this workspace's coder does not "
             "make record nothing (no analyst decided them)"] if foreign else []
    if left:
        parts.append(f"{left} suggestions of this workspace that the file lacks are left unreviewed, not "
                     "rejected (the file's coder may never have suggested them): review them in the app")
    return ("the file comes from another coding run of the study (another workspace, or this one coded "
            "again: its machine suggestions differ from this workspace's): " + "; ".join(parts))


def _absent_codes_warning(absent: Counter[str], codebook: Codebook) -> str:
    _, names = code_names(codebook)
    shown = ", ".join(f"'{names.get(c, c)}'" for c in sorted(absent)[:5]) + (", …" if len(absent) > 5 else "")
    return (f"{len(absent)} codes of the study are not in the file's codebook ({shown}: deleted, or merged "
            f"into another code, in the other tool): their {sum(absent.values())} codings in the file's "
            "sources are neither rejected nor moved; merge or delete those codes on the app's codebook "
            "pages, or review their codings in the app")


def _coded_since_warning(export: ExportRecord, dropped: int, since: Counter[str]) -> str:
    parts = []
    if since["suggested"]:
        parts.append(f"{since['suggested']} suggestions made since (not in the file) are left unreviewed: "
                     "review them in the app")
    if since["decided"]:
        parts.append(f"{since['decided']} codings accepted or added in the app since (not in the file) are "
                     "kept")
    if dropped:
        parts.append(f"{dropped} unreviewed machine suggestions of the file that the coder no longer makes "
                     "record nothing (no analyst decided them)")
    return (f"the study changed since this file was exported (export {export.export_id}, coder "
            f"{', '.join(export.coders) or '-'}; a retraining, a re-coding or the app's review): codings "
            "deleted in the file are rejected; " + "; ".join(parts))


def _plan_source(planner: _Planner, splan: _SourcePlan,
                 found: list[tuple[str, tuple[int, int], str, bool, str | None]], where: str) -> None:
    plan = planner.plan
    rest = []
    for code_id, span, user, machine_only, confidence in found:  # 1. exactly what the export wrote
        key = next((k for k, s in splan.exported.items() if k[1] == code_id and s == span
                    and k not in splan.consumed), None)
        if key is None:
            rest.append((code_id, span, user, machine_only, confidence))
            continue
        planner.compare(key, confidence)
        splan.consumed.add(key)
        plan.codings.append(ImportedCoding(key[0], code_id, span[0], span[1], user))
        if user and splan.status.get(key) == "suggested":
            planner.decide("accept", key, user)
        else:
            plan.counts["unchanged"] += 1
    later = []
    for code_id, span, user, machine_only, confidence in rest:  # 2. an exported coding with other bounds
        overlapping = sorted(((_overlap(span, s), k) for k, s in splan.exported.items()
                              if k[1] == code_id and k not in splan.consumed and _overlap(span, s) > 0),
                             reverse=True)
        if not overlapping:
            later.append((code_id, span, user, machine_only))
            continue
        key = overlapping[0][1]
        planner.compare(key, confidence)
        splan.consumed.add(key)
        plan.codings.append(ImportedCoding(key[0], code_id, span[0], span[1], user))
        accept = bool(user) and splan.status.get(key) == "suggested"
        if accept:
            planner.decide("accept", key, user)
        if not planner.as_exported(key, span):
            planner.span(key[0], code_id, span, splan.exported[key], user or None, where)
        elif not accept:  # the bounds the export wrote: the study's text changed since, not the coding
            plan.counts["unchanged"] += 1
    for code_id, span, user, machine_only in later:  # 3. new codings
        segment_id = _place(splan, code_id, span)
        if segment_id is None:
            plan.warnings.append(f"{where}: no coding unit at {span[0]}-{span[1]}; coding skipped")
            continue
        key = (segment_id, code_id)
        if key in splan.consumed:
            plan.warnings.append(f"{where}: a second coding of '{code_id}' in unit {segment_id} "
                                 f"({span[0]}-{span[1]}); hoi keeps one per unit and code")
            continue
        splan.consumed.add(key)
        plan.codings.append(ImportedCoding(segment_id, code_id, span[0], span[1], user))
        if not user and key in planner.machine:  # the machine's own coding, rejected since the export
            plan.counts["unchanged"] += 1
            continue
        if machine_only and not planner.moved_here(splan, key, span):
            planner.foreign += 1  # another coding run's (or an earlier coder's) suggestion: nobody's decision
            continue
        if machine_only:  # the analyst moved a coding to this code, or merged codes, in the other tool
            planner.moved += 1
        planner.decide("accept" if key in planner.machine else "add", key, user or None)
        seg = planner.segment_by_id[segment_id]
        planner.span(segment_id, code_id, span, (seg.start, seg.end), user or None, where)


def read_qdpx_codings(path: Path, units: CodedUnits) -> tuple[list[ImportedCoding], list[str]]:
    """Codings of a ``.qdpx`` project placed on the study's coding units, plus warnings."""
    plan = plan_import(read_project(Path(path)), units)
    return plan.codings, plan.warnings


# ---------------------------------------------------------------- recording


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, in a dry run, would do): decisions per kind, codings read, warnings."""

    codings: int
    decisions: dict[str, int]
    warnings: tuple[str, ...]
    sources: int = 0
    dry_run: bool = False
    note: str = ""

    @property
    def line(self) -> str:
        """``accept N, reject N, add N, span N, unchanged N``."""
        line = ", ".join(f"{kind} {self.decisions.get(kind, 0)}" for kind in ACTION_ORDER)
        line += f", memo {self.decisions['memo']}" if self.decisions.get("memo") else ""
        return line + (f", journal {self.decisions['journal']}" if self.decisions.get("journal") else "")


def _analyst_for(plan: ImportPlan, project: QdpxProject, analyst: str | None) -> str | None:
    if analyst and analyst.strip():
        return analyst.strip()[:100]
    humans = {d.analyst for d in plan.decisions if d.analyst}
    named = {name for name in project.users.values()
             if name and not is_machine_user(name) and name.casefold() not in _PSEUDO_USERS
             and name != PLACEHOLDER_ANALYST}
    if len(humans | named) == 1:
        return (humans | named).pop()[:100]
    return None


def import_qdpx(
    workspace: Workspace,
    path: Path,
    units: CodedUnits,
    *,
    analyst: str | None = None,
    round: str = "main",
    dry_run: bool = False,
) -> ImportSummary:
    """Record what an analyst did to a ``.qdpx`` project in another tool as review decisions.

    All offsets and references are checked before anything is written; the decisions are then
    written in one transaction. ``analyst`` is whose decisions the file does not attribute
    (rejects of deleted codings, changes made under the machine's name); without it, the file's
    only human user. ``dry_run`` plans and counts without writing.
    """
    from hoi_nlp.review.decisions import MAIN_ROUND, current_state
    from hoi_nlp.review.refi_exports import load_export, tagged_export
    from hoi_nlp.review.study_memos import load_study_memos, new_study_memo

    project = read_project(Path(path))
    round = round or MAIN_ROUND
    state = current_state(workspace, round=round,
                          analyst=analyst if round != MAIN_ROUND and analyst else None)
    export = load_export(workspace, tagged_export(project.description))
    plan = plan_import(project, units, state, load_study_memos(workspace), export)
    if plan.sources == 0:
        raise ReviewError(
            f"nothing in the file matches this study: none of its {len(project.sources)} text sources "
            "is a source of this study (the project was not exported from it)", path=str(path),
            hint="export the study with `hoi export STUDY -f qdpx`, code that file in the other tool "
                 "and import it")
    if plan.study_memos and round != MAIN_ROUND:  # a blind coder's journal would show to the others
        plan.warnings.append(f"{len(plan.study_memos)} journals (notes on the study as a whole) not "
                             f"imported: memos on the study are shared, and round '{round}' is blind; add "
                             "them after the round, or import the file into the main review")
        plan.counts.pop("journal", None)
        plan.study_memos.clear()
    _not_again(plan, workspace, round, export, analyst if round != MAIN_ROUND and analyst else None)
    fallback = _analyst_for(plan, project, analyst)
    unnamed = sum(d.analyst is None for d in plan.decisions)
    unnamed += sum(who is None for *_, who in plan.study_memos)
    if fallback is None and unnamed:
        raise ReviewError(f"{unnamed} decisions do not say who made them "
                          "(deleted codings, codings made under the machine's name, memos or journals)",
                          path=str(path), hint="name the analyst with --analyst NAME")
    rows = [_decision_row(d, fallback or "", round) for d in plan.decisions]
    _check(rows, units)
    journals = [new_study_memo(analyst=who or fallback or "", text=text, title=title, origin=Path(path).name)
                for title, text, who in plan.study_memos]
    if (rows or journals) and not dry_run:
        _write(workspace, rows, journals)
    logger.info("import of %s: %s%s", path, ", ".join(f"{k} {v}" for k, v in plan.counts.items()),
                " (dry run)" if dry_run else "")
    return ImportSummary(len(plan.codings), dict(plan.counts), tuple(plan.warnings), plan.sources, dry_run)


_UNDOABLE = ("accept", "reject", "add", "span")


def _not_again(plan: ImportPlan, workspace: Workspace, round: str, export: ExportRecord | None,
               analyst: str | None = None) -> None:
    """Leave out the decisions an analyst undid in the app after the file was exported (any time, for a file
    without the export's id): importing a file again, e.g. after a retraining, must not make again what was
    undone since. A warning counts them. In a blind round only ``analyst``'s own undos count."""
    from hoi_nlp.review.decisions import load_decisions, undone_ids

    decisions = load_decisions(workspace, round=round, analyst=analyst)
    undone = undone_ids(decisions)
    undone_at: dict[str, Any] = {}
    for d in decisions:
        if d.action == "undo" and d.undoes in undone:
            undone_at[d.undoes] = max(d.created_at, undone_at.get(d.undoes, d.created_at))
    since = export.created_at if export is not None else None
    keys = {(d.action, d.segment_id, d.code_id, d.start, d.end) for d in decisions
            if d.decision_id in undone_at and d.action in _UNDOABLE
            and (since is None or undone_at[d.decision_id] >= since)}
    if not keys:
        return
    kept = []
    for d in plan.decisions:
        if d.action in _UNDOABLE and (d.action, d.segment_id, d.code_id, d.start, d.end) in keys:
            plan.counts[d.action] -= 1
            if not plan.counts[d.action]:
                del plan.counts[d.action]
        else:
            kept.append(d)
    if len(kept) < len(plan.decisions):
        plan.warnings.append(f"{len(plan.decisions) - len(kept)} decisions the file implies were undone in "
                             "the app since the export and are not made again (make them in the app if you "
                             "mean them)")
        plan.decisions = kept


def _decision_row(decision: PlannedDecision, fallback: str, round: str) -> dict[str, Any]:
    from hoi_nlp.review.decisions import new_decision_id

    record = ReviewDecision(decision_id=new_decision_id(), segment_id=decision.segment_id,
                            code_id=decision.code_id, action=decision.action,  # type: ignore[arg-type]
                            analyst=decision.analyst or fallback, created_at=utcnow(), start=decision.start,
                            end=decision.end, memo=decision.memo, round=round)
    return record.model_dump()


def _check(rows: list[dict[str, Any]], units: CodedUnits) -> None:
    """Validate every decision before one is written (the same rules as the review app's)."""
    from hoi_nlp.review.decisions import check_span

    segments = units.segment_by_id
    for row in rows:
        seg = segments.get(row["segment_id"])
        if row["action"] == "memo" and seg is not None and (row["code_id"] is None
                                                            or units.codebook.has_code(row["code_id"])):
            continue
        if seg is None or not units.codebook.has_code(row["code_id"]):
            raise ReviewError(f"decision on unknown unit or code: {row['segment_id']} {row['code_id']}")
        if row["action"] == "span":
            check_span(row["segment_id"], row["start"], row["end"],
                       text_length=len(units.sources[seg.source_id].text),
                       context=units.contexts.get(seg.segment_id, (seg.start, seg.end)))


def _write(workspace: Workspace, rows: list[dict[str, Any]], journals: Sequence[Any] = ()) -> None:
    """Append all decisions and memos on the study in one transaction: all or nothing."""
    from sqlalchemy import insert

    from hoi_nlp.review.study_memos import memo_rows
    from hoi_nlp.review.tables import decisions_table, ensure_review_schema, study_memos_table

    ensure_review_schema(workspace)
    with workspace.engine.begin() as conn:
        if rows:
            conn.execute(insert(decisions_table), rows)
        if journals:
            conn.execute(insert(study_memos_table), memo_rows(journals))


# ---------------------------------------------------------------- .qdc codebooks


def _read_xml_file(path: Path) -> etree._Element:
    try:
        size = path.stat().st_size
        if size > MAX_XML_BYTES:
            raise CodebookError(f"the file has {size / 2**20:.0f} MiB "
                                f"(limit {MAX_XML_BYTES / 2**20:.0f} MiB)", path=str(path))
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from exc
    if data.startswith(b"PK\x03\x04"):  # a .qdpx project: its codebook (read with the archive's limits)
        with QdpxArchive(path) as archive:
            return archive.project()
    return parse_xml(data, path=str(path), member="", error=CodebookError)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


_NOTE = re.compile(r"^(Medtag|Udelad): (.*)$", re.MULTILINE)


def _split_description(text: str) -> tuple[str, str | None, str | None]:
    """(description, include, exclude) of a Description hoi wrote (tag and notes taken out)."""
    notes = {m.group(1): m.group(2).strip() for m in _NOTE.finditer(text)}
    body = _NOTE.sub("", CODE_TAG.sub("", text)).strip()
    return body, notes.get("Medtag") or None, notes.get("Udelad") or None


@dataclass
class _CodebookReader:
    known: Codebook | None
    family_ids: set[str] = field(default_factory=set)
    code_ids: set[str] = field(default_factory=set)
    kept: int = 0

    def known_id(self, element: etree._Element, kind: str) -> str | None:
        description = _child_text(element, "Description") or ""
        tag = CODE_TAG.search(description)
        if tag and ("." in tag.group(1)) == (kind == "code"):
            return tag.group(1)
        if self.known is None:
            return None
        element_guid = normal_guid(element.get("guid"))
        ids = self.known.code_ids if kind == "code" else self.known.family_ids
        return next((i for i in ids if guid(kind, i) == element_guid), None)


def _codable_codes(element: etree._Element) -> list[etree._Element]:
    """Every codable code at or below ``element``."""
    return [c for c in element.iter("Code") if _is_codable(c)]


def qdc_to_codebook_dict(path: Path, *, codebook_id: str | None = None,
                         known: Codebook | None = None) -> dict:
    """A hoi_nlp codebook (as a dict) from a ``.qdc`` file (or a project's codebook).

    Top-level codes become families and the codable codes below them their codes. Ids hoi wrote
    are kept: from the ``[hoi: id]`` tag in a code's Description, else from the GUID hoi gives a code
    of ``known`` (the codebook the file was exported from). A code keeps its family from its id; new
    codes get ``<family>.<name as id>``. Codes known from ``known`` keep their patterns and examples.
    """
    root = _read_xml_file(Path(path))
    codebook_el = root if root.tag == "CodeBook" else next((c for c in root if c.tag == "CodeBook"), None)
    codes_el = next((c for c in codebook_el if c.tag == "Codes"), None) if codebook_el is not None else None
    if codes_el is None:
        raise CodebookError("no <Codes> element: not a REFI-QDA codebook", path=str(path))
    reader = _CodebookReader(known)
    known_families = {f.id: f for f in known.families} if known else {}
    _, known_names = code_names(known) if known else ({}, {})
    families: dict[str, dict] = {}
    loose = []
    notes: list[str] = []
    for top in _children(codes_el, "Code"):
        inner = [c for c in _codable_codes(top) if c is not top]
        if not inner:
            if _is_codable(top):
                loose.append(top)
            else:
                notes.append(f"category '{top.get('name') or '?'}' holds no codes: not imported")
            continue
        if _is_codable(top):  # a code with sub-codes (QualCoder, NVivo): a family, and a code of it
            inner.insert(0, top)
            notes.append(f"code '{top.get('name') or '?'}' has sub-codes: it is a family and a code of that "
                         "family (hoi codebooks have two levels)")
        family_id = reader.known_id(top, "family")
        if family_id is None or family_id in families:
            family_id = _unique(slug(top.get("name") or "familie"), reader.family_ids | set(families))
        else:
            reader.family_ids.add(family_id)
        # nested deeper and not keeping a family of its own (a hoi id of another family, see _add_code)
        deeper = [c for c in inner if c is not top and c.getparent() is not top
                  and (reader.known_id(c, "code") or family_id).split(".", 1)[0] == family_id]
        if deeper:
            shown = ", ".join(f"'{_path(c, top)}'" for c in deeper[:5]) + (", …" if len(deeper) > 5 else "")
            notes.append(f"{len(deeper)} code(s) nested deeper than one level under "
                         f"'{top.get('name') or '?'}' are codes of that family (hoi codebooks have two "
                         f"levels): {shown}")
        description, _, _ = _split_description(_child_text(top, "Description") or "")
        families[family_id] = {"id": family_id, "label": top.get("name") or family_id,
                               "description": description, "codes": []}
        for element in inner:
            _add_code(reader, families, family_id, element, known_families, known_names)
    for element in loose:
        _add_code(reader, families, None, element, known_families, known_names)
    return {
        "id": codebook_id or (known.id if known and reader.kept else slug(Path(path).stem)),
        "version": "1",
        "language": "da",
        "name": Path(path).stem,
        "description": f"Importeret fra {Path(path).name}",
        "families": [f for f in families.values() if f["codes"]],
        "_kept": reader.kept,
        "_notes": notes,
    }


def _path(element: etree._Element, top: etree._Element) -> str:
    """A nested code's names from below ``top`` down to it: ``Lovgivning / Serviceloven``."""
    names = []
    while element is not None and element is not top:
        names.append(element.get("name") or "?")
        element = element.getparent()
    return " / ".join(reversed(names))


def _add_code(reader: _CodebookReader, families: dict[str, dict], family_id: str | None,
              element: etree._Element, known_families: dict[str, Any], known_names: dict[str, str]) -> None:
    name = (element.get("name") or "").strip() or "kode"
    code_id = reader.known_id(element, "code")
    if code_id is not None and code_id in reader.code_ids:
        code_id = None  # the same code twice (copied in the other tool): the copy gets a new id
    if code_id is not None:
        family_id = code_id.split(".", 1)[0]
        reader.kept += 1
    family_id = family_id or "oevrige_koder"
    if family_id not in families:
        family = known_families.get(family_id)
        families[family_id] = {"id": family_id, "label": family.label if family else (
            "Øvrige koder" if family_id == "oevrige_koder" else family_id),
            "description": family.description if family else "", "codes": []}
    if code_id is None:
        taken = {c["id"].split(".", 1)[1] for c in families[family_id]["codes"]}
        code_id = f"{family_id}.{_unique(slug(name), taken)}"
    reader.code_ids.add(code_id)
    description, include, exclude = _split_description(_child_text(element, "Description") or "")
    known = reader.known.code(code_id) if reader.known and reader.known.has_code(code_id) else None
    entry: dict[str, Any] = {"id": code_id, "label": known.label if known and known_names.get(code_id) == name
                             else name, "description": description}
    if include:
        entry["include"] = include
    if exclude:
        entry["exclude"] = exclude
    color = element.get("color") or ""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        entry["color"] = color
    if known is not None:
        if known.patterns:
            entry["patterns"] = [p.model_dump(exclude_none=True, exclude_defaults=True)
                                 for p in known.patterns]
        if known.examples:
            entry["examples"] = list(known.examples)
    families[family_id]["codes"].append(entry)


@dataclass(frozen=True)
class QdcImport:
    """A converted codebook, how many of its code ids came from hoi, and what was changed to fit."""

    codebook: Codebook
    kept: int
    notes: tuple[str, ...] = ()


def import_qdc(path: Path, output: Path, *, codebook_id: str | None = None,
               known: Codebook | None = None) -> Codebook:
    """Convert a ``.qdc`` file into a codebook YAML at ``output`` and return it loaded (validated)."""
    return convert_qdc(path, output, codebook_id=codebook_id, known=known).codebook


def convert_qdc(path: Path, output: Path, *, codebook_id: str | None = None,
                known: Codebook | None = None) -> QdcImport:
    """:func:`import_qdc` with the count of ids kept from hoi."""
    from hoi_nlp.codebook import load_codebook

    data = qdc_to_codebook_dict(Path(path), codebook_id=codebook_id, known=known)
    kept, notes = data.pop("_kept"), data.pop("_notes")
    if not data["families"]:
        raise CodebookError("the codebook holds no codes (only categories, or nothing); nothing written",
                            path=str(path),
                            hint="export the codebook again from your QDA program with its codes")
    header = (f"# Kodebog importeret fra {Path(path).name}. Id'er fra hoi_nlp er bevaret ({kept}); "
              "nye koder har id'er afledt af navnene og ingen mønstre.\n")
    write_text_atomic(output, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110))
    return QdcImport(load_codebook(output), kept, tuple(notes))

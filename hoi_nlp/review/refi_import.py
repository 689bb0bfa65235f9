"""Bring REFI-QDA work back: a ``.qdc`` codebook as hoi_nlp YAML, ``.qdpx`` codings as review decisions.

Codes are matched by GUID (hoi_nlp's own exports), then by the ``[hoi: id]`` tag in the
description, then by label. Selections are mapped from the exported (possibly pseudonymised)
text back to the source text by aligning the two texts, and attached to the coding unit
they fit (exactly, else the smallest unit containing them, else the one overlapping most).
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from lxml import etree

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import CodebookError, ExportError
from hoi_nlp.io import write_text_atomic
from hoi_nlp.qda import CODEBOOK_NS, PROJECT_NS, guid
from hoi_nlp.records import CodeAssignment, Segment, Source

if TYPE_CHECKING:
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

_TAG = re.compile(r"\[hoi: ([a-z0-9_.]+)\]")
_TRANSLIT = {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"}


def slug(name: str) -> str:
    """A codebook id part from a name: ``Økonomi & styring`` -> ``oekonomi_styring``."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in name)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text if text[:1].isalpha() else f"k_{text}" if text else "kode"


def _parse(path: Path) -> etree._Element:
    try:
        return etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise CodebookError(f"not a readable REFI-QDA XML file: {exc}", path=str(path)) from exc


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _description(element: etree._Element, ns: str) -> str:
    found = element.find(f"{{{ns}}}Description")
    return _TAG.sub("", found.text or "").strip() if found is not None else ""


def _leaf_codes(element: etree._Element, ns: str, prefix: str = "") -> list[tuple[str, etree._Element]]:
    """(label path, element) of every codable code below ``element`` (nested names joined with ' / ')."""
    found = []
    for child in element.findall(f"{{{ns}}}Code"):
        label = f"{prefix}{child.get('name', '')}"
        if child.get("isCodable", "true") == "true":
            found.append((label, child))
        found += _leaf_codes(child, ns, prefix=f"{label} / ")
    return found


def qdc_to_codebook_dict(path: Path, *, codebook_id: str | None = None) -> dict:
    """A hoi_nlp codebook (as a dict) from a ``.qdc`` file: top-level codes become families."""
    root = _parse(path)
    ns = CODEBOOK_NS if root.tag == f"{{{CODEBOOK_NS}}}CodeBook" else PROJECT_NS
    codes_el = (
        root.find(f"{{{ns}}}Codes") if ns == CODEBOOK_NS else root.find(f"{{{ns}}}CodeBook/{{{ns}}}Codes")
    )
    if codes_el is None:
        raise CodebookError("no <Codes> element: not a REFI-QDA codebook", path=str(path))
    families, family_ids, loose = [], set(), []
    for top in codes_el.findall(f"{{{ns}}}Code"):
        children = _leaf_codes(top, ns)
        if not children:
            loose.append((top.get("name", ""), top))
            continue
        families.append(_family(top.get("name", ""), _description(top, ns), children, family_ids, ns))
    if loose:
        families.append(_family("Øvrige koder", "", loose, family_ids, ns))
    return {
        "id": codebook_id or slug(path.stem),
        "version": "1",
        "language": "da",
        "name": path.stem,
        "description": f"Importeret fra {path.name}",
        "families": families,
    }


def _family(
    label: str, description: str, codes: list[tuple[str, etree._Element]], taken: set[str], ns: str
) -> dict:
    family_id = _unique(slug(label), taken)
    code_names: set[str] = set()
    entries = []
    for name, element in codes:
        entry = {
            "id": f"{family_id}.{_unique(slug(name), code_names)}",
            "label": name,
            "description": _description(element, ns),
        }
        if element.get("color") and re.fullmatch(r"#[0-9a-fA-F]{6}", element.get("color", "")):
            entry["color"] = element.get("color")
        entries.append(entry)
    return {"id": family_id, "label": label, "description": description, "codes": entries}


def import_qdc(path: Path, output: Path, *, codebook_id: str | None = None) -> Codebook:
    """Convert a ``.qdc`` file into a codebook YAML at ``output`` and return it loaded (validated)."""
    from hoi_nlp.codebook import load_codebook

    data = qdc_to_codebook_dict(Path(path), codebook_id=codebook_id)
    header = f"# Kodebog importeret fra {Path(path).name}. Id'er er afledt af navnene; mønstre er tomme.\n"
    write_text_atomic(output, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110))
    return load_codebook(output)


# ---------------------------------------------------------------- .qdpx codings


@dataclass(frozen=True)
class CodedUnits:
    """What a .qdpx import places codings on: the study's sources, coding units and machine codings."""

    codebook: Codebook
    sources: dict[str, Source]
    segments: list[Segment]
    assignments: list[CodeAssignment]

    @property
    def segment_by_id(self) -> dict[str, Segment]:
        """Coding units by id."""
        return {seg.segment_id: seg for seg in self.segments}

    @classmethod
    def load(cls, workspace: Workspace, codebook: Codebook) -> CodedUnits:
        """The workspace's sources, codable segments and machine assignments."""
        from hoi_nlp.store import load_assignments, load_segments, load_sources

        return cls(codebook=codebook, sources={s.source_id: s for s in load_sources(workspace)},
                   segments=load_segments(workspace, codable=True),
                   assignments=[a for a in load_assignments(workspace) if codebook.has_code(a.code_id)])


@dataclass(frozen=True)
class ImportedCoding:
    """A coding from another tool, placed on a coding unit (offsets into the source text)."""

    segment_id: str
    code_id: str
    start: int
    end: int
    user: str = ""


def offset_map(exported: str, original: str) -> list[int]:
    """For every position 0..len(exported), the matching position in ``original``."""
    if exported == original:
        return list(range(len(original) + 1))
    positions = [0] * (len(exported) + 1)
    matcher = difflib.SequenceMatcher(None, exported, original, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for i in range(i1, i2 + 1):
            positions[i] = j1 + (i - i1) if tag == "equal" else (j1 if i < i2 else j2)
    return positions


def _code_lookup(root: etree._Element, codebook: Codebook) -> dict[str, str]:
    """GUID in the project -> hoi code id."""
    by_guid = {guid("code", c.id): c.id for c in codebook.codes}
    by_label = {c.label.casefold(): c.id for c in codebook.codes}
    lookup = {}
    for element in root.iter(f"{{{PROJECT_NS}}}Code"):
        tag = _TAG.search(element.findtext(f"{{{PROJECT_NS}}}Description") or "")
        code_id = (
            by_guid.get(element.get("guid", "").lower().strip("{}"))
            or (tag.group(1) if tag and codebook.has_code(tag.group(1)) else None)
            or by_label.get(element.get("name", "").casefold())
        )
        if code_id:
            lookup[element.get("guid", "").lower().strip("{}")] = code_id
    return lookup


def _read_project(path: Path) -> tuple[etree._Element, zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
        return etree.fromstring(archive.read("project.qde")), archive
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise ExportError(
            f"not a readable .qdpx project: {exc}",
            path=str(path),
            hint="export the project from your QDA tool as REFI-QDA (.qdpx)",
        ) from exc


def _source_text(archive: zipfile.ZipFile, element: etree._Element) -> str:
    content = element.findtext(f"{{{PROJECT_NS}}}PlainTextContent")
    if content is not None:
        return content
    target = element.get("plainTextPath", "").removeprefix("internal://")
    return archive.read(f"Sources/{target}").decode("utf-8-sig")


def read_qdpx_codings(path: Path, study: CodedUnits) -> tuple[list[ImportedCoding], list[str]]:
    """Codings of a ``.qdpx`` project placed on this study's coding units, plus warnings."""
    root, archive = _read_project(Path(path))
    codes = _code_lookup(root, study.codebook)
    users = {u.get("guid", "").lower(): u.get("name", "") for u in root.iter(f"{{{PROJECT_NS}}}User")}
    by_guid = {guid("source", sid): sid for sid in study.sources}
    found, warnings = [], []
    with archive:
        for element in root.iter(f"{{{PROJECT_NS}}}TextSource"):
            source_id = by_guid.get(element.get("guid", "").lower()) or element.get("name", "")
            if source_id not in study.sources:
                warnings.append(f"source '{element.get('name')}' is not in this study; skipped")
                continue
            positions = offset_map(_source_text(archive, element), study.sources[source_id].text)
            found += _selections(element, source_id, positions, study, codes, users, warnings)
    return found, warnings


def _selections(
    element: etree._Element,
    source_id: str,
    positions: list[int],
    study: CodedUnits,
    codes: dict[str, str],
    users: dict[str, str],
    warnings: list[str],
) -> list[ImportedCoding]:
    out = []
    for sel in element.findall(f"{{{PROJECT_NS}}}PlainTextSelection"):
        start = positions[min(int(sel.get("startPosition", 0)), len(positions) - 1)]
        end = positions[min(int(sel.get("endPosition", 0)), len(positions) - 1)]
        unit = place_span(study, source_id, start, end)
        for coding in sel.findall(f"{{{PROJECT_NS}}}Coding"):
            ref = coding.find(f"{{{PROJECT_NS}}}CodeRef")
            code_id = codes.get((ref.get("targetGUID", "") if ref is not None else "").lower().strip("{}"))
            if code_id is None or unit is None:
                warnings.append(
                    f"{source_id} {start}-{end}: "
                    + ("code not in the codebook" if code_id is None else "no coding unit here")
                )
                continue
            user = users.get(coding.get("creatingUser", "").lower(), "")
            out.append(ImportedCoding(unit, code_id, start, end, user))
    return out


def place_span(study: CodedUnits, source_id: str, start: int, end: int) -> str | None:
    """The coding unit for a span: exact match, else smallest containing, else largest overlap."""
    units = [s for s in study.segments if s.source_id == source_id]
    exact = [s for s in units if (s.start, s.end) == (start, end)]
    if exact:
        return exact[0].segment_id
    containing = sorted(
        (s for s in units if s.start <= start and end <= s.end), key=lambda s: s.end - s.start
    )
    if containing:
        return containing[0].segment_id
    overlaps = sorted(((min(end, s.end) - max(start, s.start), s.segment_id) for s in units), reverse=True)
    return overlaps[0][1] if overlaps and overlaps[0][0] > 0 else None


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: decisions written (by action), codings skipped, warnings."""

    codings: int
    decisions: dict[str, int]
    warnings: tuple[str, ...]
    note: str = ""


def import_qdpx(
    workspace: Workspace, path: Path, study: CodedUnits, *, analyst: str, round: str = "main"
) -> ImportSummary:
    """Record a ``.qdpx`` project's codings as ``analyst``'s review decisions (accept/add, span)."""
    from hoi_nlp.review.decisions import record_decision

    codings, warnings = read_qdpx_codings(path, study)

    machine = {(a.segment_id, a.code_id) for a in study.assignments}
    counts: dict[str, int] = {}
    for coding in sorted(set(codings), key=lambda c: (c.segment_id, c.code_id, c.start)):
        action = "accept" if (coding.segment_id, coding.code_id) in machine else "add"
        record_decision(
            workspace,
            segment_id=coding.segment_id,
            action=action,
            analyst=analyst,
            code_id=coding.code_id,
            round=round,
            codebook=study.codebook,
        )
        counts[action] = counts.get(action, 0) + 1
        seg = study.segment_by_id[coding.segment_id]
        if (coding.start, coding.end) != (seg.start, seg.end):
            record_decision(
                workspace,
                segment_id=coding.segment_id,
                action="span",
                analyst=analyst,
                code_id=coding.code_id,
                start=coding.start,
                end=coding.end,
                round=round,
            )
            counts["span"] = counts.get("span", 0) + 1
    return ImportSummary(len(codings), counts, tuple(warnings))

"""REFI-QDA exchange (QDA-XML 1.0): ``.qdpx`` projects and ``.qdc`` codebooks.

A ``.qdpx`` is a zip with ``project.qde`` and ``Sources/<guid>.txt``. Each source is a
plain-text source (UTF-8, ``\\n`` line endings exactly as in ``source.text``) and each coding a
``PlainTextSelection`` whose ``startPosition``/``endPosition`` are character offsets into
that text. The codebook becomes a code tree (families as parent codes), respondents become
cases with their attributes as variables, memos become notes. NVivo, ATLAS.ti, MAXQDA and
QualCoder open it.

Pseudonymised exports redact each source piecewise, cut at every coding boundary, so the
offsets of the codings in the pseudonymised text are known exactly. GUIDs are uuid5 of the
records' ids, and zip entries carry a fixed date, so re-exporting gives the same file.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from hoi_nlp.codebook import Code, Codebook
from hoi_nlp.export.formats import ExportContext, exporters
from hoi_nlp.export.study import CodedStudy, Coding, Redactor
from hoi_nlp.export.tables import exported_attributes
from hoi_nlp.io import write_atomic
from hoi_nlp.qda import CODEBOOK_NS, MACHINE_USER, PROJECT_NS, guid

logger = logging.getLogger(__name__)

_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
FAMILY_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _el(parent: etree._Element | None, tag: str, ns: str = PROJECT_NS, **attrs: str) -> etree._Element:
    qualified = f"{{{ns}}}{tag}"
    element = (
        etree.Element(qualified, nsmap={None: ns}) if parent is None else etree.SubElement(parent, qualified)
    )
    for key, value in attrs.items():
        element.set(key, value)
    return element


def _text_el(parent: etree._Element, tag: str, text: str, ns: str = PROJECT_NS) -> etree._Element:
    element = _el(parent, tag, ns)
    element.text = text
    return element


# ---------------------------------------------------------------- codebook


def _code_el(parent: etree._Element, code: Code, color: str, ns: str) -> None:
    element = _el(
        parent,
        "Code",
        ns,
        guid=guid("code", code.id),
        name=code.label,
        isCodable="true",
        color=code.color or color,
    )
    text = code.description
    if code.include:
        text += f"\nMedtag: {code.include}"
    if code.exclude:
        text += f"\nUdelad: {code.exclude}"
    _text_el(element, "Description", f"{text.strip()}\n[hoi: {code.id}]".strip(), ns)


def codebook_tree(parent: etree._Element, codebook: Codebook, ns: str) -> None:
    """``Codes`` with one parent code per family and its codes as children."""
    codes = _el(parent, "Codes", ns)
    for index, family in enumerate(codebook.families):
        color = FAMILY_COLORS[index % len(FAMILY_COLORS)]
        element = _el(
            codes,
            "Code",
            ns,
            guid=guid("family", family.id),
            name=family.label or family.id,
            isCodable="false",
            color=color,
        )
        _text_el(element, "Description", f"{family.description}\n[hoi: {family.id}]".strip(), ns)
        for code in family.codes:
            _code_el(element, code, color, ns)


def codebook_xml(codebook: Codebook) -> bytes:
    """A ``.qdc`` codebook document."""
    root = _el(None, "CodeBook", CODEBOOK_NS, origin=f"hoi_nlp {codebook.version_tag}")
    codebook_tree(root, codebook, CODEBOOK_NS)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def export_qdc(codebook: Codebook, path: Path) -> Path:
    """Write the codebook as a REFI-QDA ``.qdc`` file."""
    data = codebook_xml(codebook)
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


# ---------------------------------------------------------------- project


@dataclass(frozen=True)
class ExportedSource:
    """A source as written into the project: its (pseudonymised) text and mapped codings."""

    source_id: str
    guid: str
    text: str
    selections: dict[tuple[int, int], list[Coding]]


def export_sources(study: CodedStudy, redact: Redactor) -> list[ExportedSource]:
    """Every source as its one redaction, with its codings' offsets mapped onto the redacted text."""
    by_source: dict[str, list[Coding]] = {}
    for coding in study.codings:
        by_source.setdefault(coding.source_id, []).append(coding)
    exported = []
    for source_id in sorted(study.sources):
        redaction = redact.redaction(study.sources[source_id])
        selections: dict[tuple[int, int], list[Coding]] = {}
        for coding in by_source.get(source_id, []):
            span = (redaction.position(coding.start), redaction.position(coding.end, end=True))
            selections.setdefault(span, []).append(coding)
        exported.append(ExportedSource(source_id, guid("source", source_id), redaction.text, selections))
    return exported


def _users(study: CodedStudy) -> list[str]:
    names = {MACHINE_USER} | {c.analyst for c in study.codings if c.analyst}
    return sorted(names)


def _coding_user(coding: Coding) -> str:
    return coding.analyst if coding.analyst and coding.review in ("accepted", "added") else MACHINE_USER


def _variables(root: etree._Element, study: CodedStudy, attributes: Sequence[str]) -> None:
    if not attributes:
        return
    variables = _el(root, "Variables")
    for name in attributes:
        _el(variables, "Variable", guid=guid("variable", name), name=name, typeOfVariable="Text")


def _cases(root: etree._Element, study: CodedStudy, attributes: Sequence[str], redact: Redactor) -> None:
    cases = _el(root, "Cases")
    sources_of: dict[str, list[str]] = {}
    for source in study.sources.values():
        sources_of.setdefault(source.respondent_id, []).append(source.source_id)
    for respondent, attrs in study.respondents.items():
        case = _el(cases, "Case", guid=guid("case", respondent), name=redact.ident(respondent))
        for name in attributes:
            value = _el(case, "VariableValue")
            _el(value, "VariableRef", targetGUID=guid("variable", name))
            _text_el(value, "TextValue", attrs.get(name, ""))
        for source_id in sorted(sources_of.get(respondent, [])):
            _el(case, "SourceRef", targetGUID=guid("source", source_id))


def _selection(
    parent: etree._Element,
    exported: ExportedSource,
    span: tuple[int, int],
    codings: list[Coding],
    notes: list[tuple[str, str]],
    redact: Redactor,
) -> None:
    sel = _el(
        parent,
        "PlainTextSelection",
        guid=guid("selection", exported.source_id, *map(str, span)),
        name=exported.text[span[0] : span[1]][:60].replace("\n", " "),
        startPosition=str(span[0]),
        endPosition=str(span[1]),
        creatingUser=guid("user", MACHINE_USER),
    )
    _text_el(
        sel,
        "Description",
        "; ".join(f"{c.code_id}: {c.review}, sikkerhed {c.confidence:.2f}" for c in codings),
    )
    for coding in codings:
        element = _el(
            sel,
            "Coding",
            guid=guid("coding", coding.segment_id, coding.code_id),
            creatingUser=guid("user", _coding_user(coding)),
        )
        _el(element, "CodeRef", targetGUID=guid("code", coding.code_id))
        if coding.memo:
            note_guid = guid("note", coding.segment_id, coding.code_id)
            _el(element, "NoteRef", targetGUID=note_guid)
            notes.append((note_guid, redact.value(coding.memo)))


def project_xml(
    study: CodedStudy, exported: Sequence[ExportedSource], *, redact: Redactor, raw: bool = False,
    description: str = "",
) -> bytes:
    """The ``project.qde`` document."""
    root = _el(
        None,
        "Project",
        name=study.name or study.codebook.name or "hoi_nlp",
        origin="hoi_nlp",
        creatingUserGUID=guid("user", MACHINE_USER),
    )
    users = _el(root, "Users")
    for name in _users(study):
        _el(users, "User", guid=guid("user", name), name=name)
    codebook_tree(_el(root, "CodeBook"), study.codebook, PROJECT_NS)
    attributes = exported_attributes(study, raw=raw)
    _variables(root, study, attributes)
    _cases(root, study, attributes, redact)
    sources = _el(root, "Sources")
    notes: list[tuple[str, str]] = []
    for item in exported:
        source = study.sources[item.source_id]
        element = _el(
            sources,
            "TextSource",
            guid=item.guid,
            name=redact.ident(item.source_id),
            plainTextPath=f"internal://{item.guid}.txt",
        )
        _text_el(element, "Description", f"{source.path} — {source.locator}".strip(" —"))
        for span in sorted(item.selections):
            _selection(element, item, span, item.selections[span], notes, redact)
    if notes:
        notes_el = _el(root, "Notes")
        for note_guid, text in notes:
            note = _el(notes_el, "Note", guid=note_guid, name="Memo")
            _text_el(note, "PlainTextContent", text)
    if description:
        _text_el(root, "Description", description)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _zip_write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


@exporters.register("qdpx")
def export_project(ctx: ExportContext) -> list[Path]:
    """The study as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA and QualCoder."""
    name = ctx.redact.ident(ctx.study.name or "study")
    return [export_qdpx(ctx.study, ctx.target(f"{name}.qdpx"), redact=ctx.redact, raw=ctx.raw)]


@exporters.register("qdc")
def export_codebook(ctx: ExportContext) -> list[Path]:
    """The codebook as a REFI-QDA codebook."""
    return [export_qdc(ctx.codebook, ctx.target("codebook.qdc"))]


def export_qdpx(study: CodedStudy, path: Path, *, redact: Redactor, raw: bool = False) -> Path:
    """Write the study as a REFI-QDA ``.qdpx`` project (atomically)."""
    from hoi_nlp.privacy.guard import RAW_NOTE

    exported = export_sources(study, redact)
    description = f"Kodet med hoi_nlp, kodebog {study.codebook.version_tag}. " + (
        RAW_NOTE if raw else "Teksterne er pseudonymiserede."
    )
    project = project_xml(study, exported, redact=redact, raw=raw, description=description)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as archive:
            _zip_write(archive, "project.qde", project)
            for item in exported:
                _zip_write(archive, f"Sources/{item.guid}.txt", item.text.encode("utf-8"))

    logger.info(
        "writing %s: %d sources, %d selections", path, len(exported), sum(len(e.selections) for e in exported)
    )
    return write_atomic(path, write)

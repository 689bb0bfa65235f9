"""REFI-QDA exchange (QDA-XML 1.0): ``.qdpx`` projects and ``.qdc`` codebooks.

A ``.qdpx`` is a zip with ``project.qde`` and ``sources/<guid>.txt``. Each source is a plain-text
source (UTF-8 without BOM, ``\\n`` line endings only) and each coding one ``PlainTextSelection``
whose ``startPosition``/``endPosition`` are offsets into that text in UTF-16 code units (an emoji
counts two; see the first point below). The codebook becomes
a code tree (families as categories, ``isCodable="false"``), respondents become cases with their
attributes as case variables, each source carries its own source variables, memos become notes.

What the importers of QualCoder, NVivo, MAXQDA and ATLAS.ti need, and why:

- ``Project@origin`` is set (QualCoder's importer fails without it).
- Positions count UTF-16 code units, not code points: QualCoder keeps and highlights a coding at the
  positions of its Qt editor, which counts a character beyond the BMP (an emoji) as two, imports
  ``startPosition`` as such a position and exports the positions its editor gave. The XSD says only
  ``xsd:integer``; the unit NVivo, MAXQDA and ATLAS.ti use is not verified.
- Texts are UTF-8 without BOM and LF only (QualCoder inserts a space after every line break when
  the first one is CRLF; a BOM shifts its offsets by one).
- Code names are unique across the codebook (QualCoder merges same-named codes and drops codings).
- Human analysts are listed before the machine user (QualCoder makes the first user the active
  coder); a placeholder analyst is listed when nobody has reviewed yet.
- One selection per coding, created by the coding's user (QualCoder takes the owner from the
  selection and copies the selection's Description into the coding memo): provenance stays short
  and per coding; analysts' memos are Notes (with ``creationDateTime``) and part of that memo.
- Source names are safe as Windows file names and have no "." (QualCoder reads an extension).
- Respondent attributes are also per-source variables (QualCoder ignores ``SourceRef`` in cases), under
  Variables of their own ("region (kilde)": own GUID and name, used only on sources): QualCoder makes a
  variable a case attribute when a case uses it (matched by name), so shared ones hid the sources' values.
- A memo on a coding unit is a Note with the memo as ``PlainTextContent`` and a ``PlainTextSelection`` of
  the unit's span, referenced (``NoteRef``) from its source: QualCoder imports only such notes (or
  journals) as annotations; NVivo, ATLAS.ti and MAXQDA read the referenced note as before.
- Sets: one per code family (``MemberCode``) and one per material and size group (``MemberSource``);
  QualCoder imports only Sets of sources, each as a file attribute of the Set's name (refused when a
  Variable has that name, so none has), NVivo and MAXQDA as sets and document sets.
- A memo on the study as a whole is a Note nothing refers to, named, with its text in a file of its own
  (``plainTextPath``, not ``PlainTextContent``): QualCoder imports only such notes as journals (as its
  own export writes them), and fails on a second journal of the same name, so names are unique.

The project's Description names the export (``[hoi: eksport ID]``, after the coders that made its
suggestions), and the workspace keeps which codings it wrote (:mod:`hoi_nlp.review.refi_exports`): QualCoder
keeps the Description as its project memo, so the import of the file, after a retraining too, tells a coding
deleted there from a suggestion made since.

Pseudonymised exports slice each source from its one redaction, so the offsets of the codings in
the pseudonymised text are known exactly. GUIDs are uuid5 of the records' ids as the export shows
them (a coding's of its keyed segment id, never of the source offsets a raw segment id carries: a uuid5
of those could be found by trying every pair of offsets; a source's and a case's of its id keyed with
the study's secret, as a uuid5 of a raw id such as "Interview_Jens_Hansen" would confirm a guessed
name) and zip entries carry a fixed date, so re-exporting gives the same file.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from hoi_nlp import __version__
from hoi_nlp.codebook import Codebook
from hoi_nlp.export.formats import ExportContext, exporters
from hoi_nlp.export.study import MATERIAL_OF_KIND, CodedStudy, Coding, Redactor
from hoi_nlp.export.tables import exported_attributes
from hoi_nlp.ingest.numbers import number_value
from hoi_nlp.io import write_atomic
from hoi_nlp.qda import (
    CODEBOOK_NS,
    MACHINE_USER,
    PLACEHOLDER_ANALYST,
    PROJECT_NS,
    Utf16Positions,
    code_description,
    code_names,
    guid,
    lf_only,
    record_guid,
    source_names,
)
from hoi_nlp.review.refi_exports import ExportRecord, export_id, export_tag, record_export, review_position

if TYPE_CHECKING:
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
SOURCES_FOLDER = "sources"  # lower case, as the REFI-QDA standard names it
ORIGIN = f"hoi_nlp {__version__}"
FAMILY_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
STANCE_LABELS = {"hindrance": "hindring", "precondition": "forudsætning", "overcome": "overvundet",
                 "rating": "vurdering"}
# XML 1.0 cannot hold these characters (neither in text nor in attributes).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub(" ", text)


def _el(parent: etree._Element | None, tag: str, ns: str = PROJECT_NS, **attrs: str) -> etree._Element:
    qualified = f"{{{ns}}}{tag}"
    element = (
        etree.Element(qualified, nsmap={None: ns}) if parent is None else etree.SubElement(parent, qualified)
    )
    for key, value in attrs.items():
        element.set(key, _clean(value))
    return element


def _text_el(parent: etree._Element, tag: str, text: str, ns: str = PROJECT_NS) -> etree._Element:
    element = _el(parent, tag, ns)
    element.text = _clean(text)
    return element


def _date(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


# ---------------------------------------------------------------- codebook


def codebook_tree(parent: etree._Element, codebook: Codebook, ns: str) -> None:
    """``Codes`` with one category (not codable) per family and its codes as children."""
    families, names = code_names(codebook)
    codes = _el(parent, "Codes", ns)
    for index, family in enumerate(codebook.families):
        color = FAMILY_COLORS[index % len(FAMILY_COLORS)]
        element = _el(codes, "Code", ns, guid=guid("family", family.id), name=families[family.id],
                      isCodable="false", color=color)
        _text_el(element, "Description", f"{family.description}\n[hoi: {family.id}]".strip(), ns)
        for code in family.codes:
            child = _el(element, "Code", ns, guid=guid("code", code.id), name=names[code.id],
                        isCodable="true", color=code.color or color)
            _text_el(child, "Description", code_description(code), ns)


def codebook_xml(codebook: Codebook) -> bytes:
    """A ``.qdc`` codebook document."""
    root = _el(None, "CodeBook", CODEBOOK_NS, origin=f"{ORIGIN} ({codebook.version_tag})")
    codebook_tree(root, codebook, CODEBOOK_NS)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def export_qdc(codebook: Codebook, path: Path) -> Path:
    """Write the codebook as a REFI-QDA ``.qdc`` file."""
    data = codebook_xml(codebook)
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


# ---------------------------------------------------------------- project


@dataclass(frozen=True)
class ExportedSource:
    """A source as written into the project: its (pseudonymised) text and its codings' spans in it."""

    source_id: str
    guid: str
    text: str
    selections: dict[tuple[int, int], list[Coding]]
    units: dict[str, tuple[int, int]] = field(default_factory=dict)  # coding unit id -> its span in text

    @cached_property
    def _units(self) -> Utf16Positions:
        return Utf16Positions(self.text)

    def positions(self, span: tuple[int, int]) -> tuple[str, str]:
        """``startPosition`` and ``endPosition`` of a span of the text (code point indices): UTF-16 units."""
        return str(self._units.unit(span[0])), str(self._units.unit(span[1]))


@dataclass(frozen=True)
class ProjectMemo:
    """An analyst's memo on a coding (``code_id``) or on a coding unit (``code_id`` None)."""

    segment_id: str
    code_id: str | None
    analyst: str
    created_at: datetime
    text: str
    key: str  # what makes its GUID stable (the decision id)


@dataclass
class _Project:
    study: CodedStudy
    redact: Redactor
    memos: Sequence[ProjectMemo]
    notes: list[tuple[str, ProjectMemo]] = field(default_factory=list)
    annotated: dict[str, tuple[str, str]] = field(default_factory=dict)  # unit memo's note -> its positions
    files: dict[str, str] = field(default_factory=dict)  # file in sources/ -> its text (journals' texts)


def plain_text(text: str) -> str:
    """A text as a project stores it: LF only and no BOM, one character for one (offsets unchanged)."""
    text = text.replace("\r", "\n")
    return " " + text[1:] if text.startswith("\ufeff") else text


def export_sources(study: CodedStudy, redact: Redactor) -> list[ExportedSource]:
    """Every source as its one redaction, with its codings' offsets mapped onto the redacted text."""
    by_source: dict[str, list[Coding]] = {}
    for coding in study.codings:
        by_source.setdefault(coding.source_id, []).append(coding)
    units_of: dict[str, list[tuple[str, int, int]]] = {}
    for seg in study.segments:
        units_of.setdefault(seg.source_id, []).append((seg.segment_id, seg.start, seg.end))
    exported = []
    for source_id in sorted(study.sources):
        redaction = redact.redaction(study.sources[source_id])
        selections: dict[tuple[int, int], list[Coding]] = {}
        for coding in by_source.get(source_id, []):
            span = (redaction.position(coding.start), redaction.position(coding.end, end=True))
            selections.setdefault(span, []).append(coding)
        units = {seg: (redaction.position(start), redaction.position(end, end=True))
                 for seg, start, end in units_of.get(source_id, [])}
        exported.append(ExportedSource(source_id, record_guid("source", source_id, redact.keyed_id),
                                       plain_text(redaction.text), selections, units))
    return exported


def coding_user(coding: Coding) -> str:
    """Who created a coding as the project says: the analyst who accepted or added it, else the machine."""
    return coding.analyst if coding.analyst and coding.review in ("accepted", "added") else MACHINE_USER


def project_users(study: CodedStudy, memos: Sequence[ProjectMemo] = ()) -> list[str]:
    """The project's users: human analysts (or a placeholder analyst) first, the machine user last."""
    humans = {coding_user(c) for c in study.codings} | {m.analyst for m in memos if m.analyst}
    humans |= {m.analyst for m in study.study_memos}
    humans.discard(MACHINE_USER)
    return [*(sorted(humans) or [PLACEHOLDER_ANALYST]), MACHINE_USER]


def provenance(coding: Coding) -> str:
    """The short, per-coding note of where a coding comes from (its selection's Description)."""
    if coding.review == "added":
        text = f"tilføjet af {coding.analyst}" if coding.analyst else "tilføjet"
    elif coding.review == "accepted":
        text = f"accepteret af {coding.analyst}" if coding.analyst else "accepteret"
        text += f" (hoi_nlp {coding.confidence:.2f})" if coding.machine else ""
    else:
        text = f"hoi_nlp {coding.confidence:.2f}, ikke gennemset"
    if coding.stance:
        text += f"; {STANCE_LABELS.get(coding.stance, coding.stance)}"
    return text


SOURCE_MATERIAL = "material"  # the source variable saying which material (survey, interview) a source is


def source_variable(name: str) -> tuple[str, str]:
    """A source variable's GUID and name: its own Variable, never one a case uses (see the module doc)."""
    return guid("source-variable", name), f"{name} (kilde)"


def source_attributes(attributes: Sequence[str]) -> list[str]:
    """The source variables: the material, then the exported attributes (as each source has them)."""
    return [SOURCE_MATERIAL, *(a for a in attributes if a != SOURCE_MATERIAL)]


def _variables(root: etree._Element, attributes: Sequence[str], on_sources: Sequence[str],
               numbers: Mapping[str, bool]) -> None:
    """The variables; a number attribute (:attr:`CodedStudy.number_attributes`, a rating) is an Integer or
    Float variable, so a QDA tool sorts and filters it as a number."""
    if not attributes and not on_sources:
        return
    variables = _el(root, "Variables")
    for name in attributes:
        _el(variables, "Variable", guid=guid("variable", name), name=name,
            typeOfVariable=_variable_type(name, numbers))
    for name in on_sources:
        variable_guid, variable_name = source_variable(name)
        _el(variables, "Variable", guid=variable_guid, name=variable_name,
            typeOfVariable=_variable_type(name, numbers))


def _variable_type(name: str, numbers: Mapping[str, bool]) -> str:
    return "Text" if name not in numbers else "Integer" if numbers[name] else "Float"


def _variable_values(parent: etree._Element, attrs: dict[str, str], attributes: Sequence[str], *,
                     numbers: Mapping[str, bool], on_source: bool = False) -> None:
    for name in attributes:
        text = attrs.get(name, "")
        if name in numbers and not text.strip():
            continue  # a number variable without a value: no value (an empty text is no number)
        value = _el(parent, "VariableValue")
        target = source_variable(name)[0] if on_source else guid("variable", name)
        _el(value, "VariableRef", targetGUID=target)
        if name in numbers:
            number = number_value(text)
            _text_el(value, "IntegerValue" if numbers[name] else "FloatValue",
                     str(number) if numbers[name] else format(Decimal(str(number)), "f"))
        else:
            _text_el(value, "TextValue", text)


def _cases(root: etree._Element, study: CodedStudy, attributes: Sequence[str], redact: Redactor) -> None:
    if not study.respondents:
        return
    cases = _el(root, "Cases")
    sources_of: dict[str, list[str]] = {}
    for source in study.sources.values():
        sources_of.setdefault(source.respondent_id, []).append(source.source_id)
    for respondent, attrs in study.respondents.items():
        case = _el(cases, "Case", guid=record_guid("case", respondent, redact.keyed_id),
                   name=redact.ident(respondent))
        _variable_values(case, attrs, attributes, numbers=study.number_attributes)
        for source_id in sorted(sources_of.get(respondent, [])):
            _el(case, "SourceRef", targetGUID=record_guid("source", source_id, redact.keyed_id))


def _coding_memos(project: _Project) -> dict[tuple[str, str | None], list[ProjectMemo]]:
    found: dict[tuple[str, str | None], list[ProjectMemo]] = {}
    for memo in project.memos:
        found.setdefault((memo.segment_id, memo.code_id), []).append(memo)
    return found


def _selection(
    parent: etree._Element,
    project: _Project,
    exported: ExportedSource,
    span: tuple[int, int],
    coding: Coding,
    memos: list[ProjectMemo],
) -> None:
    user = guid("user", coding_user(coding))
    unit = project.redact.segment_id(coding.segment_id)  # GUIDs of what the export shows: no offsets
    start, end = exported.positions(span)
    sel = _el(
        parent,
        "PlainTextSelection",
        guid=guid("selection", unit, coding.code_id),
        name=exported.text[span[0] : span[1]][:60].replace("\n", " "),
        startPosition=start,
        endPosition=end,
        creatingUser=user,
    )
    description = provenance(coding) + "".join(f"\nMemo ({m.analyst}): {m.text}" for m in memos)
    _text_el(sel, "Description", description)
    element = _el(sel, "Coding", guid=guid("coding", unit, coding.code_id), creatingUser=user)
    _el(element, "CodeRef", targetGUID=guid("code", coding.code_id))
    for memo in memos:
        if memo.code_id is not None:
            note_guid = guid("note", memo.key)
            _el(element, "NoteRef", targetGUID=note_guid)
            project.notes.append((note_guid, memo))


def _source(sources: etree._Element, project: _Project, item: ExportedSource, name: str,
            attributes: Sequence[str], memos: dict[tuple[str, str | None], list[ProjectMemo]]) -> None:
    study = project.study
    source = study.sources[item.source_id]
    element = _el(sources, "TextSource", guid=item.guid, name=name,
                  plainTextPath=f"internal://{item.guid}.txt", creatingUser=guid("user", MACHINE_USER))
    locator = f"{source.path} — {source.locator}".strip(" —")
    _text_el(element, "Description", f"{locator}\n[hoi: source {item.guid}]".strip())
    for span in sorted(item.selections):
        for coding in sorted(item.selections[span], key=lambda c: c.code_id):
            on_coding = memos.get((coding.segment_id, coding.code_id), [])
            on_unit = memos.get((coding.segment_id, None), [])
            _selection(element, project, item, span, coding, on_coding + on_unit)
    units = sorted({seg for seg, code in memos if code is None
                    and study.segment_by_id[seg].source_id == item.source_id})
    for segment_id in units:  # memos on a coding unit: notes on its source
        for memo in memos[(segment_id, None)]:
            note_guid = guid("note", memo.key)
            _el(element, "NoteRef", targetGUID=note_guid)
            project.notes.append((note_guid, memo))
            project.annotated[note_guid] = item.positions(item.units[segment_id])
    _variable_values(element, source_values(study, item.source_id), attributes, on_source=True,
                     numbers=study.number_attributes)


def source_values(study: CodedStudy, source_id: str) -> dict[str, str]:
    """A source's variable values: its own attribute values (pseudonymised as the study's sources are), else
    its respondent's, and its material."""
    source = study.sources[source_id]
    return {**study.respondents.get(source.respondent_id, {}),
            **{k: v for k, v in source.attributes.items() if isinstance(v, str)},
            SOURCE_MATERIAL: MATERIAL_OF_KIND.get(source.kind, "survey")}


# The groups of sources a project offers as Sets (MAXQDA's document sets, NVivo's sets): the material and
# the size group reports compare. QualCoder makes each Set with sources a file attribute named after it.
SET_GROUPS = {SOURCE_MATERIAL: "Materiale", "size_group": "Størrelsesgruppe"}


def _sets(root: etree._Element, study: CodedStudy, exported: Sequence[ExportedSource],
          attributes: Sequence[str]) -> None:
    """One Set per code family (its codes as ``MemberCode``) and one per value of a group of sources
    (:data:`SET_GROUPS`, as far as the export shows the attribute; its sources as ``MemberSource``).
    Names are unique and no Variable's (QualCoder refuses an attribute name it has)."""
    sets = _el(root, "Sets")
    families, _ = code_names(study.codebook)
    for family in study.codebook.families:
        if not family.codes:
            continue
        element = _el(sets, "Set", guid=guid("set", "family", family.id),
                      name=f"Kodefamilie: {families[family.id]}")
        _text_el(element, "Description", f"Koderne i familien {families[family.id]}\n[hoi: {family.id}]")
        for code in family.codes:
            _el(element, "MemberCode", targetGUID=guid("code", code.id))
    for attribute, label in SET_GROUPS.items():
        if attribute != SOURCE_MATERIAL and attribute not in attributes:
            continue
        members: dict[str, list[str]] = {}
        for item in exported:
            value = source_values(study, item.source_id).get(attribute, "").strip()
            if value:
                members.setdefault(value, []).append(item.guid)
        for value in sorted(members):
            element = _el(sets, "Set", guid=guid("set", attribute, value), name=f"{label}: {value}")
            _text_el(element, "Description", f"Kilder med {attribute} = {value}")
            for source_guid in members[value]:
                _el(element, "MemberSource", targetGUID=source_guid)
    if not len(sets):  # the schema wants a Set in Sets
        root.remove(sets)


def _notes(root: etree._Element, project: _Project) -> None:
    if not project.notes and not project.study.study_memos:
        return
    notes = _el(root, "Notes")
    _, names = code_names(project.study.codebook)
    seen = set()
    for note_guid, memo in project.notes:
        if note_guid in seen:
            continue
        seen.add(note_guid)
        label = f"Memo: {names.get(memo.code_id, memo.code_id)}" if memo.code_id else "Memo"
        user, date = guid("user", memo.analyst), _date(memo.created_at)
        note = _el(notes, "Note", guid=note_guid, name=label, creatingUser=user, creationDateTime=date,
                   modifyingUser=user, modifiedDateTime=date)  # QualCoder dates an annotation by these
        _text_el(note, "PlainTextContent", memo.text)
        if note_guid in project.annotated:  # a memo on a coding unit: an annotation of the unit's span
            start, end = project.annotated[note_guid]
            _el(note, "PlainTextSelection", guid=guid("annotation", memo.key), name=label,
                startPosition=str(start), endPosition=str(end), creatingUser=user, creationDateTime=date)
    titles: set[str] = set()
    for study_memo in project.study.study_memos:  # on the study as a whole: a journal (module doc)
        user, date = guid("user", study_memo.analyst), _date(study_memo.created_at)
        title = study_memo.title or f"Memo ({study_memo.analyst})"
        title = _unique_title(_clean(title).strip() or f"Memo ({study_memo.analyst})", titles)
        note_guid = guid("note", f"study:{study_memo.memo_id}")
        _el(notes, "Note", guid=note_guid, name=title, plainTextPath=f"internal://{note_guid}.txt",
            creatingUser=user, creationDateTime=date, modifyingUser=user, modifiedDateTime=date)
        # one line break, not two (the import compares with lf_only too); pseudonymised in the view
        project.files[f"{note_guid}.txt"] = plain_text(lf_only(study_memo.text))


def _unique_title(title: str, taken: set[str]) -> str:
    """A journal's name not yet taken (compared case-insensitively): QualCoder keeps journals by name and
    fails on a second journal of the same name."""
    name, n = title, 2
    while name.casefold() in taken:
        name, n = f"{title} ({n})", n + 1
    taken.add(name.casefold())
    return name


def project_xml(
    study: CodedStudy,
    exported: Sequence[ExportedSource],
    *,
    redact: Redactor,
    raw: bool = False,
    description: str = "",
    memos: Sequence[ProjectMemo] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The ``project.qde`` document and the texts it refers to beside the sources' (the journals', by their
    file name in ``sources/``): an archive without them would point to files it lacks."""
    memos = list(memos) if memos is not None else memos_of_codings(study, redact)
    project = _Project(study, redact, memos)
    root = _el(None, "Project", name=redact.ident(study.name or study.codebook.name or "hoi_nlp"),
               origin=ORIGIN, creatingUserGUID=guid("user", MACHINE_USER))
    users = _el(root, "Users")
    for name in project_users(study, memos):
        _el(users, "User", guid=guid("user", name), name=name)
    codebook_tree(_el(root, "CodeBook"), study.codebook, PROJECT_NS)
    attributes = exported_attributes(study, raw=raw)
    on_sources = source_attributes(attributes)
    _variables(root, attributes, on_sources, study.number_attributes)
    _cases(root, study, attributes, redact)
    sources = _el(root, "Sources")
    names = source_names(study.sources, redact.ident)
    by_key = _coding_memos(project)
    for item in exported:
        _source(sources, project, item, names[item.source_id], on_sources, by_key)
    _notes(root, project)
    _sets(root, study, exported, attributes)
    if description:
        _text_el(root, "Description", description)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True), project.files


# When no decision log is at hand (a study built in memory), a coding's memo has no date of its own.
_UNDATED = datetime(2020, 1, 1, tzinfo=UTC)


def memos_of_codings(study: CodedStudy, redact: Redactor) -> list[ProjectMemo]:
    """Memos as the study's codings carry them (joined, undated): one per coding with a memo (its GUID
    made from the segment id as the export shows it)."""
    return [ProjectMemo(c.segment_id, c.code_id, c.analyst or PLACEHOLDER_ANALYST, _UNDATED, c.memo,
                        f"{redact.segment_id(c.segment_id)}\x1f{c.code_id}") for c in study.codings if c.memo]


def memos_of_review(workspace: Workspace, study: CodedStudy, redact: Redactor) -> list[ProjectMemo]:
    """The analysts' memos from the decision log (main review), each with its author and date, and its
    text as the study's public view shows it (pseudonymised there; one the view lacks, here)."""
    from hoi_nlp.review.decisions import current_state

    state = current_state(workspace)
    wanted = set(study.segment_by_id)
    found = [ProjectMemo(seg, code, m.analyst, m.created_at, m.text, m.decision_id)
             for (seg, code), s in state.codes.items() if seg in wanted for m in s.memos if m.text]
    found += [ProjectMemo(seg, None, m.analyst, m.created_at, m.text, m.decision_id)
              for seg, note in state.segments.items() if seg in wanted for m in note.memos if m.text]
    shown = {d.decision_id: d.memo for d in study.memos if d.memo}
    values = redact.values(m.text for m in found if m.key not in shown)
    found = [replace(m, text=shown[m.key] if m.key in shown else values[m.text]) for m in found]
    return sorted(found, key=lambda m: (m.segment_id, m.code_id or "", m.created_at, m.key))


def _zip_write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def export_record(study: CodedStudy, redact: Redactor, review_position: int = 0,
                  exported: Sequence[ExportedSource] | None = None) -> ExportRecord:
    """What a ``.qdpx`` of the study holds, under the id its Description will carry (see
    :mod:`hoi_nlp.review.refi_exports`): every coding it writes with its place in the file's text, the
    codebook version, the coders."""
    exported = exported if exported is not None else export_sources(study, redact)
    codings = tuple(sorted((c.segment_id, c.code_id, c.review, round(c.confidence, 4), item.source_id, *span)
                           for item in exported for span, found in item.selections.items() for c in found))
    coders = tuple(sorted({a.model_version or a.coder for a in study.assignments if a.tier == "suggested"}))
    version = study.codebook.version_tag
    shown = ((redact.segment_id(c[0]), c[1], c[2], f"{c[3]:.2f}") for c in codings)
    return ExportRecord(export_id(shown, version, coders, review_position), version, coders, codings)


@exporters.register("qdpx")
def export_project(ctx: ExportContext) -> list[Path]:
    """The study as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA and QualCoder; the workspace keeps what
    it wrote (its import tells codings deleted in the other tool from suggestions made since)."""
    name = ctx.redact.ident(ctx.study.name or "study")
    memos, record = None, None
    if ctx.workspace is not None:
        memos = memos_of_review(ctx.workspace, ctx.study, ctx.redact)
        record = export_record(ctx.study, ctx.redact, review_position(ctx.workspace))
        record_export(ctx.workspace, record)
    return [export_qdpx(ctx.study, ctx.target(f"{name}.qdpx"), redact=ctx.redact, raw=ctx.raw, memos=memos,
                        record=record)]


@exporters.register("qdc")
def export_codebook(ctx: ExportContext) -> list[Path]:
    """The codebook as a REFI-QDA codebook."""
    return [export_qdc(ctx.codebook, ctx.target("codebook.qdc"))]


def export_qdpx(study: CodedStudy, path: Path, *, redact: Redactor, raw: bool = False,
                memos: Sequence[ProjectMemo] | None = None, record: ExportRecord | None = None) -> Path:
    """Write the study as a REFI-QDA ``.qdpx`` project (atomically); ``record`` (what the workspace keeps of
    this export) gives the coders and the export's id to the project's Description."""
    from hoi_nlp.privacy.guard import RAW_NOTE

    exported = export_sources(study, redact)
    description = f"Kodet med hoi_nlp, kodebog {study.codebook.version_tag}. " + (
        RAW_NOTE if raw else "Teksterne er pseudonymiserede."
    )
    if record is not None:
        coders = f" Maskinens forslag: {', '.join(record.coders)}." if record.coders else ""
        description += f"{coders} {export_tag(record.export_id)}"
    project, files = project_xml(study, exported, redact=redact, raw=raw, description=description,
                                 memos=memos)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as archive:
            _zip_write(archive, "project.qde", project)
            for item in exported:
                _zip_write(archive, f"{SOURCES_FOLDER}/{item.guid}.txt", item.text.encode("utf-8"))
            for name, text in sorted(files.items()):
                _zip_write(archive, f"{SOURCES_FOLDER}/{name}", text.encode("utf-8"))

    logger.info(
        "writing %s: %d sources, %d selections", path, len(exported), sum(len(e.selections) for e in exported)
    )
    return write_atomic(path, write)

""".qdpx import: files in the shapes QualCoder, NVivo, MAXQDA and ATLAS.ti write (made by these tests from
hoi's own export), and decisions that mean what the analyst did in the other tool.

The shape helpers here are also used by the demo round trip (test_refi_demo.py) and the attack tests.
"""

from __future__ import annotations

import copy
import re
import sys
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from hoi_nlp.errors import ReviewError
from hoi_nlp.qda import MACHINE_USER, PROJECT_NS
from tests.conftest import DATA

NS = {"q": PROJECT_NS}
Q = f"{{{PROJECT_NS}}}"
CODEBOOK = DATA / "codebooks" / "small.yaml"
# The command as installed (the console script beside this Python), as a user runs it.
HOI = [str(Path(sys.executable).with_name("hoi"))] if Path(sys.executable).with_name("hoi").exists() else [
    sys.executable, "-c", "from hoi_nlp.cli import app; app()"]


# ---------------------------------------------------------------- a .qdpx as another tool re-saves it


class Qdpx:
    """A .qdpx opened for editing: the project XML, the texts by internal file name, and how to zip them."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            self.root = etree.fromstring(archive.read("project.qde"))
            self.files = {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist() if "/" in n}
        self.qde_name = "project.qde"
        self.folder = "sources"
        self.qde_bom = False
        self.extra: dict[str, bytes] = {}

    def all(self, tag: str) -> list[etree._Element]:
        return list(self.root.iter(Q + tag))

    def source(self, name: str) -> etree._Element:
        return next(s for s in self.all("TextSource") if s.get("name") == name)

    def file_of(self, source: etree._Element) -> str:
        return source.get("plainTextPath").split("://", 1)[1]

    def text(self, source: etree._Element) -> str:
        return self.files[self.file_of(source)].decode("utf-8-sig").replace("\r\n", "\n")

    def user(self, name: str) -> str:
        """The GUID of user ``name`` (added to Users, first, when missing)."""
        for user in self.all("User"):
            if user.get("name") == name:
                return user.get("guid")
        users = self.root.find("q:Users", NS)
        element = etree.Element(Q + "User", guid=str(uuid.uuid4()), name=name)
        users.insert(0, element)
        return element.get("guid")

    def code_guid(self, code_id: str) -> str:
        tag = f"[hoi: {code_id}]"
        return next(c.get("guid") for c in self.all("Code") if tag in (c.findtext(Q + "Description") or ""))

    def add_coding(self, source: etree._Element, start: int, end: int, code_id: str, user: str) -> None:
        """A coding made in the other tool (a selection with one Coding), placed after the others."""
        sel = etree.Element(Q + "PlainTextSelection", guid=str(uuid.uuid4()), startPosition=str(start),
                            endPosition=str(end), creatingUser=self.user(user))
        coding = etree.SubElement(sel, Q + "Coding", guid=str(uuid.uuid4()), creatingUser=self.user(user))
        etree.SubElement(coding, Q + "CodeRef", targetGUID=self.code_guid(code_id))
        selections = source.findall("q:PlainTextSelection", NS)
        if selections:
            selections[-1].addnext(sel)
        else:
            source.find("q:Description", NS).addnext(sel)

    def selections(self, source: etree._Element, code_id: str) -> list[etree._Element]:
        code = self.code_guid(code_id)
        return [s for s in source.findall("q:PlainTextSelection", NS)
                if any(r.get("targetGUID") == code for r in s.iter(Q + "CodeRef"))]

    def save(self, path: Path) -> Path:
        data = etree.tostring(self.root, xml_declaration=True, encoding="utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(self.qde_name, (b"\xef\xbb\xbf" if self.qde_bom else b"") + data)
            for name, content in self.files.items():
                archive.writestr(f"{self.folder}/{name}", content)
            for name, content in self.extra.items():
                archive.writestr(name, content)
        return path


def _new_guids(project: Qdpx, *, upper: bool = False, braces: bool = False) -> None:
    """Every GUID replaced (QualCoder makes new ones on each export), references and file names too."""
    mapping = {}
    for element in project.root.iter():
        if element.get("guid"):
            new = str(uuid.uuid4())
            new = new.upper() if upper else new
            mapping[element.get("guid")] = "{" + new + "}" if braces else new
    for element in project.root.iter():
        for attribute in ("guid", "targetGUID", "creatingUser", "creatingUserGUID", "modifyingUser"):
            if element.get(attribute) in mapping:
                element.set(attribute, mapping[element.get(attribute)])
        if element.get("plainTextPath"):
            old = project.file_of(element)
            new = mapping[old.removesuffix(".txt")].strip("{}") + ".txt"
            project.files[new] = project.files.pop(old)
            element.set("plainTextPath", f"internal://{new}")


def _crlf(project: Qdpx, *, counted_twice: bool) -> None:
    """Texts with CRLF line breaks; offsets count a CRLF as two characters (NVivo) or as one (ATLAS.ti)."""
    for source in project.all("TextSource"):
        if not source.get("plainTextPath"):
            continue
        name = project.file_of(source)
        text = project.files[name].decode("utf-8-sig")
        project.files[name] = text.replace("\n", "\r\n").encode("utf-8")
        if counted_twice:
            for sel in source.findall("q:PlainTextSelection", NS):
                for attribute in ("startPosition", "endPosition"):
                    value = int(sel.get(attribute))
                    sel.set(attribute, str(value + text[:value].count("\n")))


def qualcoder(project: Qdpx) -> None:
    """QualCoder 3.8: new GUIDs, ``Sources/``, a BOM on project.qde and every text, richTextPath to the
    .txt beside plainTextPath, the project named '<name>.qda', a creatingUserGUID not among the users."""
    _new_guids(project)
    project.folder, project.qde_bom = "Sources", True
    project.root.set("origin", "QualCoder 3.8.2")
    project.root.set("name", project.root.get("name") + ".qda")
    project.root.set("creatingUserGUID", str(uuid.uuid4()))
    for source in project.all("TextSource"):
        name = project.file_of(source)
        project.files[name] = b"\xef\xbb\xbf" + project.files[name]
        source.set("richTextPath", source.get("plainTextPath"))


def qualcoder4(project: Qdpx) -> None:
    """QualCoder 4.0: lower-case ``sources/``, BOM only on the texts."""
    qualcoder(project)
    project.folder, project.qde_bom = "sources", False
    project.root.set("origin", "QualCoder 4.0 Beta")


def nvivo(project: Qdpx) -> None:
    """NVivo (Windows): ``Sources/``, CRLF counted as two, a ``.root`` file, memos as notes in text files
    without dates linked to selections, no origin version check needed."""
    project.folder = "Sources"
    project.root.set("origin", "NVivo 14")
    project.extra["Sources/.root"] = b""
    _crlf(project, counted_twice=True)
    notes = project.root.find("q:Notes", NS)
    if notes is None:
        notes = etree.Element(Q + "Notes")
        project.root.find("q:Sources", NS).addnext(notes)
    links = etree.Element(Q + "Links")
    notes.addnext(links)
    for sel in project.all("PlainTextSelection")[:2]:
        note_guid = str(uuid.uuid4())
        etree.SubElement(notes, Q + "Note", guid=note_guid, name=f"Annotation {note_guid[:4]}",
                         plainTextPath=f"internal://{note_guid}.txt")
        project.files[f"{note_guid}.txt"] = b"En annotation\r\n"
        etree.SubElement(links, Q + "Link", guid=str(uuid.uuid4()), originGUID=note_guid,
                         targetGUID=sel.get("guid"), direction="OneWay")


def maxqda(project: Qdpx) -> None:
    """MAXQDA 24: UPPER-case GUIDs, selections without dates or users, codable parent codes, no
    descriptions on sources (they are found by name)."""
    _new_guids(project, upper=True)
    project.root.set("origin", "MAXQDA 24 (Release 24.7.0)")
    for code in project.all("Code"):
        code.set("isCodable", "true")
    for source in project.all("TextSource"):
        description = source.find("q:Description", NS)
        if description is not None:
            source.remove(description)
    for sel in project.all("PlainTextSelection"):
        for attribute in ("creatingUser", "creationDateTime"):
            sel.attrib.pop(attribute, None)


def atlas(project: Qdpx) -> None:
    """ATLAS.ti 23: '<project name>.qde', UPPER-case GUIDs in braces, CRLF counted as one, the pseudo-user
    'ATLAS.ti' listed first, one source's text inline (PlainTextContent) instead of a file."""
    _new_guids(project, upper=True, braces=True)
    project.qde_name = f"{project.root.get('name')}.qde"
    project.folder = "Sources"
    project.root.set("origin", "ATLAS.ti for Windows 23.2.3.27778")
    project.user("ATLAS.ti")
    _crlf(project, counted_twice=False)
    inline = next(s for s in project.all("TextSource") if s.find("q:PlainTextSelection", NS) is not None)
    text = project.files.pop(project.file_of(inline)).decode("utf-8").replace("\r\n", "\n")
    del inline.attrib["plainTextPath"]
    content = etree.Element(Q + "PlainTextContent")
    content.text = text
    inline.find("q:Description", NS).addnext(content)


def no_origin(project: Qdpx) -> None:
    """A producer that writes no origin and no users."""
    del project.root.attrib["origin"]
    users = project.root.find("q:Users", NS)
    project.root.remove(users)


SHAPES: dict[str, Callable[[Qdpx], None]] = {"qualcoder-3.8": qualcoder, "qualcoder-4": qualcoder4,
                                             "nvivo": nvivo, "maxqda": maxqda, "atlas.ti": atlas,
                                             "no-origin": no_origin}


def reshaped(path: Path, shape: str, target: Path) -> Path:
    """``path`` as ``shape`` would write it back."""
    project = Qdpx(path)
    SHAPES[shape](project)
    return project.save(target)


# ---------------------------------------------------------------- fixtures


def export_project(workspace, codebook, target: Path) -> Path:
    """A workspace's own .qdpx export (pseudonymised: the patterns recogniser plus the key's names)."""
    from hoi_nlp.export.api import export_study
    from hoi_nlp.settings import Settings

    settings = Settings(pseudonymize={"recogniser": "patterns"})
    [path] = export_study(workspace, codebook, settings=settings, formats=["qdpx"], output=target)
    return path


@pytest.fixture
def exported(coded_workspace, small_codebook, tmp_path):
    """The fabricated study's own .qdpx export."""
    return export_project(coded_workspace, small_codebook, tmp_path / "export" / "fixture.qdpx")


def _import(workspace, codebook, path, **options):
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx

    return import_qdpx(workspace, path, CodedUnits.load(workspace, codebook), **options)


def _decisions(workspace):
    from hoi_nlp.review.decisions import load_decisions

    return load_decisions(workspace)


# ---------------------------------------------------------------- shapes


@pytest.mark.parametrize("shape", list(SHAPES))
def test_an_untouched_export_in_each_tools_shape_records_no_decisions(shape, coded_workspace, small_codebook,
                                                                     exported, tmp_path):
    path = reshaped(exported, shape, tmp_path / f"{shape}.qdpx")
    summary = _import(coded_workspace, small_codebook, path, analyst="ana")
    # NVivo's shape carries two annotations (notes linked to selections): the analyst's memos
    memos = 2 if shape == "nvivo" else 0
    assert summary.decisions == {"unchanged": 7, **({"memo": memos} if memos else {})}, summary
    assert summary.codings == 7 and summary.sources == 6
    assert summary.warnings == ()
    assert [(d.action, d.analyst, d.memo) for d in _decisions(coded_workspace)] == [
        ("memo", "ana", "En annotation")] * memos


def test_crlf_counted_as_two_or_as_one_lands_on_the_same_characters(coded_workspace, small_codebook, exported,
                                                                   tmp_path):
    from hoi_nlp.review.refi_import import CodedUnits, plan_import, read_project

    units = CodedUnits.load(coded_workspace, small_codebook)
    spans = {}
    for shape in ("nvivo", "atlas.ti"):
        plan = plan_import(read_project(reshaped(exported, shape, tmp_path / f"{shape}.qdpx")), units)
        spans[shape] = sorted((c.segment_id, c.code_id, c.start, c.end) for c in plan.codings)
    transcript = [c for c in spans["nvivo"] if c[0].startswith("T5")]
    assert transcript and spans["nvivo"] == spans["atlas.ti"]
    t5 = units.sources["T5"].text
    assert t5[transcript[0][2] : transcript[0][2] + 3] == "Det"  # after the turn's "D: ", past the line break


def test_rich_text_only_source_is_read_from_its_docx(coded_workspace, small_codebook, exported, tmp_path):
    import io

    import docx

    project = Qdpx(exported)
    source = project.source("R1_q0")
    document = docx.Document()
    for line in project.text(source).split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    name = project.file_of(source).replace(".txt", ".docx")
    project.files[name] = buffer.getvalue()
    del project.files[project.file_of(source)]
    del source.attrib["plainTextPath"]
    source.set("richTextPath", f"internal://{name}")
    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "rich.qdpx"), analyst="ana")
    assert summary.decisions == {"unchanged": 7}


def test_codes_are_found_by_tag_name_or_guid_nested_anyhow(coded_workspace, small_codebook, exported,
                                                           tmp_path):
    project = Qdpx(exported)
    codes = project.all("Code")
    for code in codes:  # no tags left: codes are found by GUID, or by name once the GUIDs are new too
        description = code.find("q:Description", NS)
        description.text = "Omdøbt i et andet program"
    families = project.root.find("q:CodeBook/q:Codes", NS)
    outer = etree.SubElement(families, Q + "Code", guid=str(uuid.uuid4()), name="Mappe", isCodable="false")
    for family in codes:
        if family.get("isCodable") == "false":
            outer.append(family)  # categories nested one level deeper
    path = project.save(tmp_path / "nested.qdpx")
    assert _import(coded_workspace, small_codebook, path, analyst="ana").decisions == {"unchanged": 7}
    project = Qdpx(path)
    _new_guids(project)
    assert _import(coded_workspace, small_codebook, project.save(tmp_path / "by_name.qdpx"),
                   analyst="ana").decisions == {"unchanged": 7}


# ---------------------------------------------------------------- decisions


def _edit(exported: Path, target: Path, shape: str | None = None) -> Path:
    """What an analyst did in the other tool: one coding added (whole answer), one machine coding deleted,
    one machine coding narrowed to its first sentence (still under the machine's name), and one machine
    coding re-created under the analyst's own name (= accepted)."""
    project = Qdpx(exported)
    r2 = project.source("R2_q0")  # "IT-systemerne er et stort problem for os i [KOMMUNE]."
    project.add_coding(r2, 0, len(project.text(r2)), "area.beskaeftigelse", "ana")
    r3 = project.source("R3_q0")
    [deleted] = project.selections(r3, "area.beskaeftigelse")
    r3.remove(deleted)
    r1 = project.source("R1_q0")
    [narrowed] = project.selections(r1, "barrier.it_integration")
    narrowed.set("endPosition", str(project.text(r1).index(".") + 1))
    [mine] = project.selections(r1, "barrier.tvaergaaende_oekonomistyring")
    for element in (mine, *mine.iter(Q + "Coding")):
        element.set("creatingUser", project.user("bo"))
    if shape:
        SHAPES[shape](project)
    return project.save(target)


@pytest.mark.parametrize("shape", [None, "qualcoder-4", "nvivo", "atlas.ti"])
def test_an_edited_project_records_exactly_what_the_analyst_did(shape, coded_workspace, small_codebook,
                                                               exported, tmp_path):
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import load_sources

    path = _edit(exported, tmp_path / "edited.qdpx", shape)
    summary = _import(coded_workspace, small_codebook, path, analyst="carl")
    memos = 2 if shape == "nvivo" else 0  # NVivo's shape carries two annotations: carl's memos
    assert summary.decisions == {"add": 1, "reject": 1, "span": 1, "accept": 1, "unchanged": 4,
                                 **({"memo": memos} if memos else {})}, summary
    made = sorted((d.action, d.analyst, d.code_id, d.segment_id.split(":")[0])
                  for d in _decisions(coded_workspace) if d.action != "memo")
    assert sum(d.action == "memo" and d.analyst == "carl" for d in _decisions(coded_workspace)) == memos
    assert made == [("accept", "bo", "barrier.tvaergaaende_oekonomistyring", "R1"),
                    ("add", "ana", "area.beskaeftigelse", "R2"),
                    ("reject", "carl", "area.beskaeftigelse", "R3"),
                    ("span", "carl", "barrier.it_integration", "R1")]
    state = current_state(coded_workspace)
    by_code = {(seg.split(":")[0], code): s for (seg, code), s in state.codes.items()}
    assert by_code[("R2", "area.beskaeftigelse")].status == "added"
    assert by_code[("R3", "area.beskaeftigelse")].status == "rejected"
    r1 = {s.source_id: s.text for s in load_sources(coded_workspace)}["R1:q0"]
    span = by_code[("R1", "barrier.it_integration")].span
    assert r1[span[0] : span[1]] == "Vores IT-systemer taler ikke sammen."
    again = _import(coded_workspace, small_codebook, path, analyst="carl")  # nothing new the second time
    assert again.decisions == {"unchanged": 7}, again
    assert len(_decisions(coded_workspace)) == 4 + memos


def test_dry_run_counts_and_writes_nothing(coded_workspace, small_codebook, exported, tmp_path):
    path = _edit(exported, tmp_path / "edited.qdpx")
    summary = _import(coded_workspace, small_codebook, path, analyst="carl", dry_run=True)
    assert summary.dry_run and summary.line == "accept 1, reject 1, add 1, span 1, unchanged 4"
    assert _decisions(coded_workspace) == []


def test_unattributed_decisions_need_an_analyst(coded_workspace, small_codebook, exported, tmp_path):
    project = Qdpx(exported)
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    r4 = project.source("R4_q0")  # coded under the machine's name (QualCoder's first user was the machine)
    project.add_coding(r4, 0, 5, "barrier.it_integration", MACHINE_USER)
    path = project.save(tmp_path / "p.qdpx")
    with pytest.raises(ReviewError, match=r"3 decisions do not say who made them.*--analyst"):
        _import(coded_workspace, small_codebook, path)
    assert _decisions(coded_workspace) == []
    summary = _import(coded_workspace, small_codebook, path, analyst="ana")
    assert summary.decisions == {"reject": 1, "add": 1, "span": 1, "unchanged": 6}
    assert {d.analyst for d in _decisions(coded_workspace)} == {"ana"}


def test_the_only_human_of_the_file_is_the_default_analyst(coded_workspace, small_codebook, exported,
                                                           tmp_path):
    project = Qdpx(exported)
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    project.add_coding(project.source("R4_q0"), 0, 5, "barrier.it_integration", "ana")
    for user in project.all("User"):
        if user.get("name") == "analytiker":
            user.getparent().remove(user)
    _import(coded_workspace, small_codebook, project.save(tmp_path / "p.qdpx"))
    assert {d.analyst for d in _decisions(coded_workspace)} == {"ana"}


def test_machine_codings_of_sources_missing_from_the_file_stay_untouched(coded_workspace, small_codebook,
                                                                        exported, tmp_path):
    project = Qdpx(exported)
    sources = project.root.find("q:Sources", NS)
    for source in list(sources)[1:]:
        sources.remove(source)  # only R1's source is in the file
    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "p.qdpx"), analyst="ana")
    assert summary.decisions == {"unchanged": 2} and summary.sources == 1


def test_codings_of_unknown_codes_and_sources_are_skipped_with_a_warning(coded_workspace, small_codebook,
                                                                         exported, tmp_path):
    project = Qdpx(exported)
    codes = project.root.find("q:CodeBook/q:Codes", NS)
    etree.SubElement(codes, Q + "Code", guid=str(uuid.uuid4()), name="Ny kode i NVivo", isCodable="true")
    r4 = project.source("R4_q0")
    sel = copy.deepcopy(project.selections(project.source("R1_q0"), "barrier.it_integration")[0])
    sel.set("guid", str(uuid.uuid4()))
    sel.find("q:Coding/q:CodeRef", NS).set("targetGUID", codes[-1].get("guid"))
    sel.set("endPosition", "5")
    r4.find("q:Description", NS).addnext(sel)
    stranger = copy.deepcopy(r4)
    stranger.set("guid", str(uuid.uuid4()))
    stranger.set("name", "Et andet dokument")
    stranger.remove(stranger.find("q:Description", NS))
    r4.addnext(stranger)
    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "p.qdpx"), analyst="ana")
    assert summary.decisions == {"unchanged": 7}
    assert set(summary.warnings) == {
        "1 codings of codes not in the codebook skipped ('Ny kode i NVivo'): add those codes to this "
        "workspace's codebook (the app's codebook pages) and import the file again",
        "1 sources not in this study skipped"}


def test_cli_import_dry_run_then_real(coded_workspace, exported, tmp_path):
    import subprocess

    path = _edit(exported, tmp_path / "edited.qdpx", "qualcoder-4")
    hoi = [*HOI, "import-qdpx", str(coded_workspace.root), str(path), "-c", str(CODEBOOK),
           "--analyst", "carl"]
    dry = subprocess.run([*hoi, "--dry-run"], capture_output=True, text=True, timeout=300)
    assert dry.returncode == 0, dry.stderr
    expected = "accept 1, reject 1, add 1, span 1, unchanged 4"
    assert f"Dry run, nothing written. Would record: {expected}" in dry.stdout
    assert _decisions(coded_workspace) == []
    real = subprocess.run(hoi, capture_output=True, text=True, timeout=300)
    assert real.returncode == 0, real.stderr
    assert f"Recorded: {expected}" in real.stdout
    assert len(_decisions(coded_workspace)) == 4


# ---------------------------------------------------------------- memos, and files hoi cannot use


def _note(project: Qdpx, name: str | None, text: str, *, span: tuple[int, int] | None = None,
          in_file: bool = False) -> str:
    """A Note as QualCoder writes it (an annotation: inline text and the span it annotates; a journal: a
    named note with its text in a file); returns its GUID."""
    notes = project.root.find("q:Notes", NS)
    if notes is None:
        notes = etree.Element(Q + "Notes")
        project.root.find("q:Sources", NS).addnext(notes)
    note = etree.SubElement(notes, Q + "Note", guid=str(uuid.uuid4()), creatingUser=project.user("ana"),
                            creationDateTime="2026-12-06T20:50:00Z")
    if name:
        note.set("name", name)
    if in_file:
        note.set("plainTextPath", f"internal://{note.get('guid')}.txt")
        project.files[f"{note.get('guid')}.txt"] = text.encode("utf-8")
        etree.SubElement(note, Q + "Description")
    else:
        etree.SubElement(note, Q + "PlainTextContent").text = text
    if span:
        etree.SubElement(note, Q + "PlainTextSelection", guid=str(uuid.uuid4()), startPosition=str(span[0]),
                         endPosition=str(span[1]))
    return note.get("guid")


def test_cli_imports_qualcoder_memos_once_and_warns_of_what_has_no_place(coded_workspace, small_codebook,
                                                                         tmp_path, memo_unit):
    """A coding memo (the selection's Description) becomes the importing analyst's memo, an annotation (a
    Note on a span of a source) the memo of the note's creatingUser; the memos the study had (exported into
    the file) are not recorded again, a journal (a note nothing refers to) becomes a memo on the study by
    its creatingUser, and importing the file again records nothing."""
    import subprocess

    from hoi_nlp.review.decisions import current_state

    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "memos.qdpx")
    project = Qdpx(exported)
    r1 = project.source("R1_q0")
    project.add_coding(r1, 0, len(project.text(r1)), "area.beskaeftigelse", "ana")
    new = project.selections(r1, "area.beskaeftigelse")[-1]
    etree.SubElement(new, Q + "Description").text = "Ana: økonomien fylder"
    new.insert(0, new[-1])  # Description before Coding, as QualCoder writes it
    r4 = project.source("R4_q0")
    annotation = _note(project, None, "Annotation fra QualCoder", span=(0, 5))
    etree.SubElement(r4, Q + "NoteRef", targetGUID=annotation)
    _note(project, "Ana journal", "Journal: mine overvejelser om kodningen.", in_file=True)
    qualcoder4(project)
    path = project.save(tmp_path / "qualcoder.qdpx")
    hoi = [*HOI, "import-qdpx", str(coded_workspace.root), str(path), "-c", str(CODEBOOK),
           "--analyst", "carl"]

    first = subprocess.run(hoi, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "Recorded: accept 0, reject 0, add 1, span 0, unchanged 7, memo 2, journal 1" in first.stdout, \
        first.stdout
    assert "not imported" not in first.stderr, first.stderr
    from hoi_nlp.review.study_memos import load_study_memos

    assert [(m.analyst, m.title, m.text, m.origin) for m in load_study_memos(coded_workspace)] == [
        ("ana", "Ana journal", "Journal: mine overvejelser om kodningen.", "qualcoder.qdpx")]
    state = current_state(coded_workspace)
    memos = sorted((m.analyst, m.text, seg.split(":")[0], code)
                   for (seg, code), s in state.codes.items() for m in s.memos)
    memos += sorted((m.analyst, m.text, seg.split(":")[0], None)
                    for seg, n in state.segments.items() for m in n.memos)
    assert memos == [("ana", "Spørg Mette Hansen om teamet", "R2", "area.beskaeftigelse"),
                     ("carl", "Ana: økonomien fylder", "R1", "area.beskaeftigelse"),
                     ("ana", "Annotation fra QualCoder", "R4", None),
                     ("bo", "Hele svaret er uklart", "R2", None)]

    count = len(_decisions(coded_workspace))
    again = subprocess.run(hoi, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "Recorded: accept 0, reject 0, add 0, span 0, unchanged 8\n" in again.stdout, again.stdout
    assert len(_decisions(coded_workspace)) == count
    assert len(load_study_memos(coded_workspace)) == 1


def test_a_journal_is_exported_pseudonymised_and_not_imported_again(coded_workspace, small_codebook,
                                                                     tmp_path):
    """A memo on the study (a QualCoder journal brought in) goes out again in the .qdpx as a note nothing
    refers to (QualCoder's journal) and on the XLSX memo sheet, pseudonymised like every memo; the
    project coming back records nothing new, and text added to it in the other tool is recorded."""
    import openpyxl

    from hoi_nlp.export.api import export_study
    from hoi_nlp.review.study_memos import load_study_memos, record_study_memo
    from hoi_nlp.settings import Settings

    record_study_memo(coded_workspace, analyst="carl", title="Overvejelser",
                      text="Mette Hansen mener at økonomien fylder i alle interviews.", origin="journal.qdpx")
    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "journal.qdpx")
    project = Qdpx(exported)
    notes = [n for n in project.root.iter(Q + "Note") if n.get("name") == "Overvejelser"]
    assert len(notes) == 1
    assert notes[0].find("q:PlainTextContent", NS) is None  # its text is in a file, as QualCoder reads it
    text = project.files[project.file_of(notes[0])].decode("utf-8")
    assert "Mette" not in text and "Hansen" not in text and "økonomien fylder" in text, text
    assert not [r for r in project.root.iter(Q + "NoteRef") if r.get("targetGUID") == notes[0].get("guid")]

    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "back.qdpx"), analyst="carl")
    assert summary.decisions.get("journal", 0) == 0 and len(load_study_memos(coded_workspace)) == 1
    project.files[project.file_of(notes[0])] = (text + " Også i Region Syd.").encode("utf-8")
    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "added.qdpx"), analyst="carl")
    assert summary.decisions["journal"] == 1
    assert load_study_memos(coded_workspace)[-1].text == "Også i Region Syd."

    settings = Settings(pseudonymize={"recogniser": "patterns"})
    files = export_study(coded_workspace, small_codebook, settings=settings, formats=["xlsx"],
                         output=tmp_path / "x" / "data.xlsx")
    xlsx = next(f for f in files if str(f).endswith(".xlsx"))
    sheet = openpyxl.load_workbook(xlsx, read_only=True)["Memoer"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and "Overvejelser" in str(r)]
    assert len(rows) == 2 and "økonomien fylder" in str(rows[0]) and "Mette" not in str(rows), rows


def test_notes_on_a_whole_source_are_the_memo_of_its_one_unit_and_named_otherwise(coded_workspace,
                                                                                 small_codebook, tmp_path):
    """QualCoder keeps a source's memo in its Description (beside what hoi wrote there); NVivo and MAXQDA
    link a note to the whole source. On a source of one coding unit (a survey answer) that is the unit's
    memo; a source of several units (an interview) has no memo of its own: the warning says so. QualCoder
    refers only to the first annotation of each source: the others are named as tied to no source."""
    from hoi_nlp.records import slice_segment
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import load_sources, save_segments

    t5 = next(s for s in load_sources(coded_workspace) if s.source_id == "T5")
    cut = t5.text.index("Men helt")  # T5's turn becomes two coding units
    start = t5.text.index("D: ") + 3
    save_segments(coded_workspace, [slice_segment(t5, kind="passage", start=start, end=cut),
                                    slice_segment(t5, kind="passage", start=cut, end=len(t5.text))])
    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "whole.qdpx")
    project = Qdpx(exported)
    r4 = project.source("R4_q0")
    r4.find("q:Description", NS).text += "\nAnas kildememo: svaret siger intet"  # QualCoder's file memo
    r3 = project.source("R3_q0")
    on_r3 = _note(project, "Dokumentmemo", "Hele svaret handler om IT")
    etree.SubElement(r3, Q + "NoteRef", targetGUID=on_r3)
    on_t5 = _note(project, "Interviewmemo", "Et godt interview")
    etree.SubElement(project.source("T5"), Q + "NoteRef", targetGUID=on_t5)
    first = _note(project, None, "Første annotation", span=(0, 5))
    etree.SubElement(r4, Q + "NoteRef", targetGUID=first)
    _note(project, None, "Anden annotation", span=(6, 12))  # QualCoder writes no NoteRef for it
    qualcoder4(project)
    path = project.save(tmp_path / "qualcoder.qdpx")

    summary = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert summary.decisions == {"unchanged": 7, "memo": 3}, summary
    state = current_state(coded_workspace)
    memos = sorted((seg.split(":")[0], m.analyst, m.text)
                   for seg, n in state.segments.items() for m in n.memos)
    assert memos == [("R3", "ana", "Hele svaret handler om IT"),  # notes: by their creatingUser
                     ("R4", "ana", "Første annotation"),
                     ("R4", "carl", "Anas kildememo: svaret siger intet")]  # a source's Description
    assert sorted(summary.warnings) == [
        "1 annotations (notes on a span of text) the file ties to no source (QualCoder names the source of "
        "the first annotation of each source only) not imported as memos: hoi keeps memos on coding units "
        "and codings; copy them into the review app by hand",
        "1 notes on a whole source of several coding units (an interview, a long answer) not imported as "
        "memos: hoi keeps memos on coding units and codings; copy them into the review app by hand"]
    again = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert again.decisions == {"unchanged": 7}, again


def test_pseudonymised_memos_back_from_qualcoder_are_known_and_what_was_added_or_changed_is_kept(
        coded_workspace, small_codebook, tmp_path, memo_unit):
    """The export pseudonymises memos ("Spørg [PERSON 1] om teamet"); QualCoder gives its notes new GUIDs.
    Brought back untouched they record nothing (an annotation naming a person was recorded again, in its
    pseudonymised form); text appended to such a memo is recorded, and so is a memo changed in QualCoder
    (it was dropped: neither the memo as written nor a memo it starts with)."""
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.store import load_segments

    r4 = next(s.segment_id for s in load_segments(coded_workspace, codable=True) if s.source_id == "R4:q0")
    record_decision(coded_workspace, segment_id=r4, action="memo", analyst="bo",
                    memo="Mette Hansen siger intet her")  # a unit memo naming a person: an annotation
    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "memos.qdpx")
    untouched = Qdpx(exported)
    qualcoder4(untouched)
    assert "[PERSON 1] siger intet her" in etree.tostring(untouched.root, encoding="unicode")
    summary = _import(coded_workspace, small_codebook, untouched.save(tmp_path / "qc.qdpx"), analyst="carl")
    assert summary.decisions == {"unchanged": 7}, summary

    edited = Qdpx(exported)
    for description in edited.root.iter(Q + "Description"):
        text = description.text or ""
        asked = "Memo (ana): Spørg [PERSON 1] om teamet"
        text = text.replace(asked, asked + " - og om økonomien")
        description.text = text.replace("Memo (bo): Hele svaret er uklart", "Memo (bo): Hele svaret er klart")
    qualcoder4(edited)
    summary = _import(coded_workspace, small_codebook, edited.save(tmp_path / "edited.qdpx"), analyst="carl")
    assert summary.decisions == {"unchanged": 7, "memo": 2}, summary
    state = current_state(coded_workspace)
    new = sorted((code, m.text) for (seg, code), c in state.codes.items() if seg == memo_unit
                 for m in c.memos if m.analyst == "carl")
    assert new == [("area.beskaeftigelse", "- og om økonomien"),
                   ("area.beskaeftigelse", "Hele svaret er klart")]


def test_case_memos_and_code_descriptions_changed_in_qualcoder_are_named(coded_workspace, small_codebook,
                                                                         exported, tmp_path):
    """QualCoder keeps a case's memo in its Description and a code's memo in the code's: an import records
    neither (no memo on a respondent, no codebook change), and said nothing of them."""
    project = Qdpx(exported)
    case = project.all("Case")[0]
    etree.SubElement(case, Q + "Description").text = "Respondenten var travl"
    case.insert(0, case[-1])  # Description first, as QualCoder writes it
    code = next(c for c in project.all("Code")
                if "[hoi: barrier.it_integration]" in c.findtext(Q + "Description"))
    code.find(Q + "Description").text += "\nAna: også telefoni"
    qualcoder4(project)
    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "qc.qdpx"), analyst="ana")
    assert summary.decisions == {"unchanged": 7}, summary
    assert summary.warnings == (
        f"1 case memos ('{case.get('name')}') not imported: hoi keeps memos on coding units and codings; "
        "copy them into the review app by hand",
        f"1 codes have another description in the file than in the study's codebook ('{code.get('name')}'): "
        "import-qdpx records codings and memos, not codebook changes; bring those with `hoi codebook "
        "import-qdc` (or the app's codebook pages)")


def test_an_unescaped_ampersand_qualcoder_wrote_is_shown_with_what_to_do(coded_workspace, small_codebook,
                                                                           exported, tmp_path):
    """QualCoder writes an annotation's text into the XML as it is: 'IT & økonomi' breaks the file. The
    error shows the place and says to change the character (exporting again would write it again)."""
    project = Qdpx(exported)
    annotation = _note(project, None, "PLACEHOLDER", span=(0, 5))
    etree.SubElement(project.source("R4_q0"), Q + "NoteRef", targetGUID=annotation)
    path = project.save(tmp_path / "amp.qdpx")
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    files["project.qde"] = files["project.qde"].replace(b"PLACEHOLDER", "IT & økonomi\x1b[2J".encode())
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(ReviewError) as caught:
        _import(coded_workspace, small_codebook, path, analyst="ana")
    message = str(caught.value)
    assert "not well-formed XML" in message
    assert "<PlainTextContent>IT & økonomi?[2J</PlainTextContent>" in message
    assert "\x1b" not in message  # no control character from the file reaches the terminal
    assert "an '&' or '<' written as it is" in message and "change that character" in message
    assert _decisions(coded_workspace) == []


def test_a_memo_is_known_through_its_placeholders_in_linear_time():
    """Each placeholder of an exported memo stands for some text; matching them must not backtrack (a file
    whose memo is forty placeholders and spaces held an import for ever with a regular expression), and a
    long memo is not compared head by head (two minutes for a 120,000-character memo)."""
    import subprocess
    import sys

    from hoi_nlp.review.refi_import import shown_as

    assert shown_as("Spørg [PERSON 1] om teamet", "Spørg Mette Hansen om teamet")
    assert shown_as("=[LINK]\") [KOMMUNE] og [PERSON 8]",
                    '=HYPERLINK("http://x") Odense Kommune og Mette Hansen')
    assert not shown_as("Spørg [PERSON 1] om teamet", "Spørg  om teamet")  # a placeholder is some text
    assert shown_as("[A][B] id-3fa2c1d09b", "Bo Ek R7") and not shown_as("[A][B] x", "B x")
    code = ("from hoi_nlp.review.refi_import import new_memo_text, shown_as\n"
            "assert not shown_as('[P] ' * 40 + 'Z', 'a ' * 10_000)\n"
            "assert new_memo_text('ord ' * 30_000 + 'ny', ['ord ' * 20_000]) == 'ord ' * 10_000 + 'ny'")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_cli_import_of_a_missing_file_says_file_not_found(coded_workspace, tmp_path):
    import subprocess

    missing = tmp_path / "missing.qdpx"
    run = subprocess.run([*HOI, "import-qdpx", str(coded_workspace.root), str(missing), "-c", str(CODEBOOK),
                          "--analyst", "carl"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert f"[HOI-E090] {missing}: file not found" in run.stderr, run.stderr
    assert "check the path" in run.stderr
    assert "Errno" not in run.stderr and "zip" not in run.stderr and "Traceback" not in run.stderr


def test_cli_import_of_another_studys_project_is_an_error(coded_workspace, exported, tmp_path):
    """A project none of whose sources is the study's (another study, or a project made in the other tool)
    records nothing and says what to do instead."""
    import subprocess

    project = Qdpx(exported)
    _new_guids(project)
    for n, source in enumerate(project.all("TextSource")):
        source.set("name", f"interview_{n}")
        source.remove(source.find("q:Description", NS))
    path = project.save(tmp_path / "foreign.qdpx")
    run = subprocess.run([*HOI, "import-qdpx", str(coded_workspace.root), str(path), "-c", str(CODEBOOK),
                          "--analyst", "carl"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout
    assert f"[HOI-E090] {path}: nothing in the file matches this study" in run.stderr, run.stderr
    assert "none of its 6 text sources is a source of this study" in run.stderr
    assert "hoi export STUDY -f qdpx" in run.stderr and "Traceback" not in run.stderr
    assert _decisions(coded_workspace) == []


def test_a_blind_rounds_import_leaves_its_journals_out_with_a_warning(coded_workspace, small_codebook,
                                                                      tmp_path):
    """Memos on the study are shared by every analyst: a journal in the project of a blind round would
    show the round's coder's thoughts to the others, so that import names it instead of recording it."""
    from hoi_nlp.review.study_memos import load_study_memos

    project = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "round.qdpx"))
    _note(project, "Ana journal", "Journal: mine overvejelser om kodningen.", in_file=True)
    path = project.save(tmp_path / "round_journal.qdpx")
    summary = _import(coded_workspace, small_codebook, path, analyst="carl", round="R1")
    assert "journal" not in summary.decisions and load_study_memos(coded_workspace) == []
    assert any("1 journals" in w and "round 'R1' is blind" in w for w in summary.warnings), summary.warnings
    assert _import(coded_workspace, small_codebook, path, analyst="carl").decisions["journal"] == 1


# ---------------------------------------------------------------- into another workspace of the study


def _another_run(tmp_path: Path, workspace, *, drop: tuple[str, str], extra: tuple[str, str]):
    """A fresh workspace of the fixture study (no review yet, the study's key), coded by another coding run:
    the fixture's suggestions without ``drop`` and with ``extra`` ((source id, code id) each), the others
    with other confidences."""
    from hoi_nlp.privacy.key import key_path
    from hoi_nlp.store import Workspace, replace_assignments, save_segments, save_sources
    from tests.export.conftest import build_records

    fresh = Workspace.open(tmp_path / "fresh", study="fixture")
    sources, segments, assignments = build_records()
    save_sources(fresh, sources)
    save_segments(fresh, segments)
    unit_of = {s.source_id: s for s in segments if s.codable}
    assignments = [a.model_copy(update={"confidence": round(a.confidence - 0.03, 2)}) for a in assignments
                   if (unit_of[drop[0]].segment_id, drop[1]) != (a.segment_id, a.code_id)]
    assignments.append(assignments[0].model_copy(update={"segment_id": unit_of[extra[0]].segment_id,
                                                         "code_id": extra[1], "evidence": ()}))
    replace_assignments(fresh, assignments, segment_ids=[s.segment_id for s in segments],
                        coders=["hoi.rules.v1"])
    key_path(fresh).write_bytes(key_path(workspace).read_bytes())
    return fresh


def test_a_teams_project_imported_into_a_fresh_workspace_records_the_teams_work_once(
        coded_workspace, small_codebook, tmp_path, memo_unit):
    """An analyst restores the team's .qdpx into a fresh workspace of the same study (another machine, a
    coder that suggests a little differently). Each memo comes once, as its author's (the Note's
    creatingUser): two analysts' memos of the same text are two memos, and the copies of a unit's memos the
    export writes into each of its codings' Descriptions (QualCoder's coding memo) are not memos of those
    codings. Analysts' codings are theirs (an acceptance of what the fresh coder also suggests: accept);
    the other run's unreviewed suggestions, and the fresh coder's suggestions the file lacks, are nobody's
    decisions: nothing recorded, a warning. Importing it again, or into its own workspace, records
    nothing."""
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.store import load_segments

    units = {s.source_id: s.segment_id for s in load_segments(coded_workspace, codable=True)}
    record_decision(coded_workspace, segment_id=memo_unit, action="memo", analyst="ana",
                    memo="Hele svaret er uklart")  # the same text as bo's memo on the unit
    record_decision(coded_workspace, segment_id=units["R4:q0"], action="add", analyst="bo",
                    code_id="area.beskaeftigelse")
    path = export_project(coded_workspace, small_codebook, tmp_path / "export" / "team.qdpx")
    assert _import(coded_workspace, small_codebook, path, analyst="carl").decisions == {"unchanged": 8}
    fresh = _another_run(tmp_path, coded_workspace, drop=("R3:q0", "area.beskaeftigelse"),
                         extra=("R4:q0", "barrier.it_integration"))

    summary = _import(fresh, small_codebook, path, analyst="carl")
    assert summary.decisions == {"accept": 1, "add": 1, "unchanged": 5, "memo": 3}, summary
    decisions = sorted((d.action, d.analyst, d.segment_id.split(":")[0], d.code_id or "", d.memo or "")
                       for d in _decisions(fresh))
    assert decisions == [
        ("accept", "ana", "R2", "area.beskaeftigelse", ""),
        ("add", "bo", "R4", "area.beskaeftigelse", ""),
        ("memo", "ana", "R2", "", "Hele svaret er uklart"),
        ("memo", "ana", "R2", "area.beskaeftigelse", "Spørg [PERSON 1] om teamet"),
        ("memo", "bo", "R2", "", "Hele svaret er uklart"),
    ]
    assert any(w.startswith("the file comes from another coding run") and "1 unreviewed machine suggestions "
               "of the file that this workspace's coder does not make record nothing" in w
               and "1 suggestions of this workspace that the file lacks are left unreviewed" in w
               for w in summary.warnings), summary.warnings
    state = current_state(fresh)
    assert state.codes[(units["R4:q0"], "barrier.it_integration")].status == "suggested"
    assert (units["R3:q0"], "area.beskaeftigelse") not in state.codes

    again = _import(fresh, small_codebook, path, analyst="carl")
    assert again.decisions == {"unchanged": 7}, again


def test_a_file_of_another_coding_run_that_suggested_less_rejects_nothing_it_lacks(
        coded_workspace, small_codebook, exported, tmp_path):
    """A fresh workspace whose coder suggests all the file's codings and one more: the file cannot say that
    anyone rejected the one more; its machine codings' confidences ("hoi_nlp 0.85, ikke gennemset") are not
    this workspace's, so the file is from another coding run and the suggestion it lacks stays unreviewed.
    The same file into its own workspace, with a suggestion deleted in the other tool, still rejects it."""
    fresh = _another_run(tmp_path, coded_workspace, drop=("R4:q0", "-"),
                         extra=("R4:q0", "barrier.it_integration"))
    summary = _import(fresh, small_codebook, exported, analyst="carl")
    assert summary.decisions == {"unchanged": 7}, summary
    assert _decisions(fresh) == []
    assert any("1 suggestions of this workspace that the file lacks are left unreviewed" in w
               for w in summary.warnings), summary.warnings

    project = Qdpx(exported)
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "p.qdpx"), analyst="carl")
    assert summary.decisions == {"reject": 1, "unchanged": 6}, summary
    assert not any("another coding run" in w for w in summary.warnings), summary.warnings


# ---------------------------------------------------------------- coded again since the export


def _recode(workspace, *, extra: tuple[str, str], drop: tuple[str, str] | None = None) -> None:
    """The workspace coded again since its export (``hoi retrain`` re-scores the study, or ``hoi run``): every
    suggestion with another confidence and another coder's version, ``drop`` ((source id, code id)) no
    longer suggested and ``extra`` suggested anew; decisions stay."""
    from hoi_nlp.store import load_assignments, load_segments, replace_assignments

    segments = load_segments(workspace)
    unit_of = {s.source_id: s.segment_id for s in segments if s.codable}
    old = load_assignments(workspace)
    dropped = (unit_of[drop[0]], drop[1]) if drop else None
    new = [a.model_copy(update={"confidence": round(a.confidence - 0.03, 2),
                                "model_version": "coder-retrained"})
           for a in old if (a.segment_id, a.code_id) != dropped]
    new.append(new[0].model_copy(update={"segment_id": unit_of[extra[0]], "code_id": extra[1],
                                         "evidence": ()}))
    replace_assignments(workspace, new, segment_ids=[s.segment_id for s in segments],
                        coders=["hoi.rules.v1"])


def _untagged(path: Path, target: Path) -> Path:
    """The file as an export written before exports carried their id (or a tool that dropped the project's
    Description)."""
    project = Qdpx(path)
    description = project.root.find("q:Description", NS)
    description.text = description.text.split(" Maskinens forslag: ")[0]
    assert "eksport" not in description.text
    return project.save(target)


def test_codings_deleted_in_the_other_tool_are_rejected_after_a_retraining_since_the_export(
        coded_workspace, small_codebook, exported, tmp_path):
    """The export names itself in the project's Description (QualCoder keeps it as the project memo) and the
    workspace keeps what it wrote. After a retraining that re-scored every suggestion (other confidences) and
    suggests one code anew, the coding the analyst deleted in QualCoder is still her rejection, the new
    suggestion (never in the file) stays unreviewed, and a warning says so."""
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import load_segments

    description = Qdpx(exported).root.findtext(Q + "Description")
    assert re.search(r"Maskinens forslag: hoi\.rules\.v1\. \[hoi: eksport [0-9a-f]{16}\]$",
                     description), description
    path = _edit(exported, tmp_path / "edited.qdpx", "qualcoder-4")
    _recode(coded_workspace, extra=("R4:q0", "barrier.it_integration"))

    summary = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert summary.decisions == {"add": 1, "reject": 1, "span": 1, "accept": 1, "unchanged": 4}, summary
    units = {s.source_id: s.segment_id for s in load_segments(coded_workspace, codable=True)}
    state = current_state(coded_workspace)
    assert state.codes[(units["R3:q0"], "area.beskaeftigelse")].status == "rejected"
    assert state.codes[(units["R4:q0"], "barrier.it_integration")].status == "suggested"
    assert any(w.startswith("the study changed since this file was exported")
               and "1 suggestions made since (not in the file) are left unreviewed" in w
               for w in summary.warnings), summary.warnings
    assert not any("another coding run" in w for w in summary.warnings), summary.warnings
    assert _import(coded_workspace, small_codebook, path, analyst="carl").decisions == {"unchanged": 7}


def test_an_older_export_after_a_retraining_leaves_deleted_codings_unreviewed_with_a_warning(
        coded_workspace, small_codebook, exported, tmp_path):
    """A file without the export's id (written by an older hoi_nlp) cannot tell a deletion from a suggestion
    made since: as before, the suggestions it lacks stay unreviewed and the warning says to review them."""
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import load_segments

    path = _untagged(_edit(exported, tmp_path / "edited.qdpx"), tmp_path / "old.qdpx")
    _recode(coded_workspace, extra=("R4:q0", "barrier.it_integration"))
    summary = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert summary.decisions == {"add": 1, "span": 1, "accept": 1, "unchanged": 4}, summary
    units = {s.source_id: s.segment_id for s in load_segments(coded_workspace, codable=True)}
    state = current_state(coded_workspace)
    assert state.codes[(units["R3:q0"], "area.beskaeftigelse")].status == "suggested"
    assert any(w.startswith("the file comes from another coding run")
               and "2 suggestions of this workspace that the file lacks are left unreviewed" in w
               for w in summary.warnings), summary.warnings


def test_a_suggestion_no_longer_made_records_nothing_and_another_workspace_imports_as_before(
        coded_workspace, small_codebook, exported, tmp_path):
    """After a re-coding that no longer suggests a code the file still holds (the analyst left it): nothing
    is recorded for it, and the warning counts it. A workspace without the export's record (the same file
    in another workspace of the study) imports it as before."""
    _recode(coded_workspace, extra=("R4:q0", "barrier.it_integration"),
            drop=("R1:q0", "barrier.it_integration"))
    summary = _import(coded_workspace, small_codebook, exported, analyst="carl")
    assert summary.decisions == {"unchanged": 6}, summary
    assert _decisions(coded_workspace) == []
    assert any("1 unreviewed machine suggestions of the file that the coder no longer makes record "
               "nothing" in w for w in summary.warnings), summary.warnings

    fresh = _another_run(tmp_path, coded_workspace, drop=("R4:q0", "-"),
                         extra=("R4:q0", "barrier.it_integration"))
    summary = _import(fresh, small_codebook, exported, analyst="carl")
    assert summary.decisions == {"unchanged": 7}, summary
    assert any(w.startswith("the file comes from another coding run") for w in summary.warnings)


def test_a_coding_added_in_the_app_after_the_export_is_not_rejected_by_the_import(
        coded_workspace, small_codebook, exported, tmp_path):
    """An analyst adds a code in the app after the export, while a colleague codes the file in QualCoder: the
    file cannot hold that coding, and its import keeps it (an older file, without the export's id, still
    rejects it: the README says to check with --dry-run)."""
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.store import load_segments

    old = _untagged(exported, tmp_path / "old.qdpx")
    units = {s.source_id: s.segment_id for s in load_segments(coded_workspace, codable=True)}
    record_decision(coded_workspace, segment_id=units["R4:q0"], action="add", analyst="bo",
                    code_id="area.beskaeftigelse")
    summary = _import(coded_workspace, small_codebook, exported, analyst="carl", dry_run=True)
    assert summary.decisions == {"unchanged": 7}, summary
    assert any("1 codings accepted or added in the app since (not in the file) are kept" in w
               for w in summary.warnings), summary.warnings
    assert _import(coded_workspace, small_codebook, old, analyst="carl", dry_run=True).decisions == {
        "reject": 1, "unchanged": 7}
    _import(coded_workspace, small_codebook, exported, analyst="carl")
    assert current_state(coded_workspace).codes[(units["R4:q0"], "area.beskaeftigelse")].status == "added"


def _merged(path: Path, source: str, target: str, tmp_path: Path) -> Qdpx:
    """The file after QualCoder merged code ``source`` into ``target`` (its code tree, Ctrl-drag): the
    source code's memo appended to the target's, the source code gone, its codings moved to the target with
    their owner and memo, and a moved coding the target already has at the same place by the same owner
    deleted; written back as QualCoder 4 writes a project."""
    project = Qdpx(path)
    old, new = project.code_guid(source), project.code_guid(target)
    gone = next(c for c in project.all("Code") if c.get("guid") == old)
    memo = next(c for c in project.all("Code") if c.get("guid") == new).find("q:Description", NS)
    memo.text += (f"\n\n[Merged from code: {gone.get('name')}, Coder: hoi_nlp, Merger date: 2026-12-07 "
                  f"10:00:00]\n{gone.findtext(Q + 'Description')}")
    gone.getparent().remove(gone)
    for member in project.all("MemberCode"):
        if member.get("targetGUID") == old:
            member.getparent().remove(member)
    for text in project.all("TextSource"):
        selections = text.findall("q:PlainTextSelection", NS)
        place = {(s.get("startPosition"), s.get("endPosition"), s.get("creatingUser")) for s in selections
                 if s.find("q:Coding/q:CodeRef", NS).get("targetGUID") == new}
        for sel in selections:
            ref = sel.find("q:Coding/q:CodeRef", NS)
            if ref.get("targetGUID") == old:
                if (sel.get("startPosition"), sel.get("endPosition"), sel.get("creatingUser")) in place:
                    text.remove(sel)
                else:
                    ref.set("targetGUID", new)
    qualcoder4(project)
    return project


@pytest.mark.parametrize("tagged", [True, False])
def test_codes_merged_in_qualcoder_are_the_analysts_codings_and_deletions_still_rejections(
        tagged, coded_workspace, small_codebook, exported, tmp_path):
    """The analyst merges the IT code into the economy code in QualCoder and deletes one
    machine coding. The moved codings keep the machine's name and provenance, so they looked like another
    coding run's suggestions: nothing was recorded for them and, the file taken for another run's, the
    deletion was left unreviewed. They are the analyst's codings (``add``; where the target code was already
    there QualCoder dropped the copy), the deletion is a rejection (in a file without the export's id too:
    the moved coding has the bounds of a coding of the code the file lacks), and a warning names the code the
    file lacks, whose codings are neither rejected nor moved."""
    source = exported if tagged else _untagged(exported, tmp_path / "old.qdpx")
    project = _merged(source, "barrier.it_integration", "barrier.tvaergaaende_oekonomistyring", tmp_path)
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    summary = _import(coded_workspace, small_codebook, project.save(tmp_path / "merged.qdpx"), analyst="carl")
    assert summary.decisions == {"add": 2, "reject": 1, "unchanged": 3}, summary
    made = sorted((d.action, d.analyst, d.segment_id.split(":")[0], d.code_id)
                  for d in _decisions(coded_workspace))
    assert made == [("add", "carl", "R2", "barrier.tvaergaaende_oekonomistyring"),
                    ("add", "carl", "R3", "barrier.tvaergaaende_oekonomistyring"),
                    ("reject", "carl", "R3", "area.beskaeftigelse")]
    assert not any("another coding run" in w or "changed since" in w for w in summary.warnings), \
        summary.warnings
    assert any(w.startswith("1 codes of the study are not in the file's codebook ('Utilstrækkelig "
                            "integration af IT-systemer'")
               and "their 3 codings in the file's sources are neither rejected nor moved" in w
               for w in summary.warnings), summary.warnings


@pytest.mark.parametrize("tagged", [True, False])
def test_a_code_renamed_in_the_app_since_the_export_keeps_the_files_codings(
        tagged, coded_workspace, small_codebook, exported, tmp_path):
    """After the export an analyst renames a code in the app with a new id (its suggestions move to it),
    while a colleague deletes one of its codings in QualCoder and adds one. The file names the code by its
    old id (GUID and tag): the import follows the study's renames, so the deletion is a rejection and the new
    coding an add of the renamed code, not codings of an unknown code skipped."""
    from hoi_nlp.review.codebook_edit import rename_code

    project = Qdpx(exported if tagged else _untagged(exported, tmp_path / "old.qdpx"))
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    r4 = project.source("R4_q0")
    project.add_coding(r4, 0, len(project.text(r4)), "area.beskaeftigelse", "ana")
    qualcoder4(project)
    path = project.save(tmp_path / "edited.qdpx")
    codebook, _ = rename_code(coded_workspace, small_codebook, analyst="bo", code_id="area.beskaeftigelse",
                              label="Job og beskæftigelse", name="job")

    summary = _import(coded_workspace, codebook, path, analyst="carl")
    assert summary.decisions == {"add": 1, "reject": 1, "unchanged": 6}, summary
    made = sorted((d.action, d.analyst, d.segment_id.split(":")[0], d.code_id)
                  for d in _decisions(coded_workspace))
    assert made == [("add", "ana", "R4", "area.job"), ("reject", "carl", "R3", "area.job")]
    assert not any("not in the codebook" in w or "changed since" in w for w in summary.warnings), \
        summary.warnings


def test_a_coding_whose_code_was_changed_in_qualcoder_is_a_rejection_and_an_add(
        coded_workspace, small_codebook, exported, tmp_path):
    """QualCoder's "Change code" gives a coding another code and keeps its owner (the machine user) and
    memo (the machine's provenance). The export did not write that coding, so it is the analyst's: the old
    code is rejected there and the new one added (before, the file was taken for another coding run's)."""
    project = Qdpx(exported)
    r2 = project.source("R2_q0")
    [sel] = project.selections(r2, "barrier.it_integration")
    sel.find("q:Coding/q:CodeRef", NS).set("targetGUID", project.code_guid("area.beskaeftigelse"))
    qualcoder4(project)
    path = project.save(tmp_path / "changed.qdpx")
    summary = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert summary.decisions == {"add": 1, "reject": 1, "unchanged": 6}, summary
    made = sorted((d.action, d.analyst, d.segment_id.split(":")[0], d.code_id)
                  for d in _decisions(coded_workspace))
    assert made == [("add", "carl", "R2", "area.beskaeftigelse"),
                    ("reject", "carl", "R2", "barrier.it_integration")]
    assert not any("another coding run" in w or "changed since" in w for w in summary.warnings), \
        summary.warnings


@pytest.mark.parametrize("tagged", [True, False])
def test_importing_a_file_again_does_not_redo_what_an_analyst_undid_in_the_app(
        tagged, coded_workspace, small_codebook, exported, tmp_path):
    """The file's deletion became carl's rejection; bo disagrees and undoes it in the app. Importing the same
    file again (after a retraining, say) left it rejected again, silently. Now the import leaves it as bo left
    it and says so. A file exported after the undo, in which the coding is deleted again, rejects it."""
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.store import load_segments

    project = Qdpx(exported if tagged else _untagged(exported, tmp_path / "old.qdpx"))
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    path = project.save(tmp_path / "edited.qdpx")
    assert _import(coded_workspace, small_codebook, path, analyst="carl").decisions == {"reject": 1,
                                                                                       "unchanged": 6}
    [reject] = _decisions(coded_workspace)
    record_decision(coded_workspace, segment_id=reject.segment_id, action="undo", analyst="bo",
                    undoes=reject.decision_id)

    again = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert again.decisions == {"unchanged": 6}, again
    assert any(w.startswith("1 decisions the file implies were undone in the app since the export")
               for w in again.warnings), again.warnings
    units = {s.source_id: s.segment_id for s in load_segments(coded_workspace, codable=True)}
    assert current_state(coded_workspace).codes[(units["R3:q0"], "area.beskaeftigelse")].status == "suggested"

    if tagged:  # exported after the undo, deleted again in the other tool: a new decision
        newer = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "newer.qdpx"))
        r3 = newer.source("R3_q0")
        r3.remove(newer.selections(r3, "area.beskaeftigelse")[0])
        later = _import(coded_workspace, small_codebook, newer.save(tmp_path / "newer.qdpx"), analyst="carl")
        assert later.decisions == {"reject": 1, "unchanged": 6}, later


def test_a_coding_deleted_in_a_source_edited_since_the_export_is_still_a_rejection(
        coded_workspace, small_codebook, exported, tmp_path):
    """After the export the study's answer R3 is corrected (a few words put first) and ingested again: its
    unit is cut anew, with another id, and coded again. The coding the analyst deleted in QualCoder is found
    by its place in the text (the file's text aligned with the corrected one), so it is rejected, not taken
    for a suggestion made since."""
    from hoi_nlp.records import content_hash, slice_segment
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import (
        load_assignments,
        load_segments,
        load_sources,
        replace_assignments,
        save_segments,
        save_sources,
    )

    project = Qdpx(exported)
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    qualcoder4(project)
    path = project.save(tmp_path / "edited.qdpx")

    old_unit = next(s for s in load_segments(coded_workspace, codable=True) if s.source_id == "R3:q0")
    old = [a for a in load_assignments(coded_workspace) if a.segment_id == old_unit.segment_id]
    source = next(s for s in load_sources(coded_workspace) if s.source_id == "R3:q0")
    text = "Kort sagt: " + source.text
    source = source.model_copy(update={"text": text, "content_hash": content_hash(text)})
    save_sources(coded_workspace, [source])
    unit = slice_segment(source, kind="answer", start=0, end=len(text))
    save_segments(coded_workspace, [unit])
    replace_assignments(coded_workspace, [a.model_copy(update={"segment_id": unit.segment_id, "evidence": ()})
                                          for a in old], segment_ids=[unit.segment_id])
    assert unit.segment_id != old_unit.segment_id

    summary = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert summary.decisions == {"reject": 1, "unchanged": 6}, summary
    assert current_state(coded_workspace).codes[(unit.segment_id, "area.beskaeftigelse")].status == "rejected"
    assert not any("made since" in w for w in summary.warnings), summary.warnings


def test_the_project_memo_written_in_qualcoder_becomes_a_memo_on_the_study(
        coded_workspace, small_codebook, exported, tmp_path):
    """QualCoder keeps its project memo in the project's Description, where hoi's export says which texts,
    codebook, coders and export the file holds. What the analyst wrote there was dropped by the import; it
    is now the importing analyst's memo on the study (hoi's own lines are not), once."""
    from hoi_nlp.review.study_memos import load_study_memos

    project = Qdpx(exported)
    description = project.root.find("q:Description", NS)
    description.text += "\n\nOverordnet: økonomien fylder mest i svarene."
    qualcoder4(project)
    path = project.save(tmp_path / "memo.qdpx")
    summary = _import(coded_workspace, small_codebook, path, analyst="carl")
    assert summary.decisions == {"unchanged": 7, "journal": 1}, summary
    [memo] = load_study_memos(coded_workspace)
    assert (memo.analyst, memo.title, memo.text) == ("carl", "Projektmemo",
                                                     "Overordnet: økonomien fylder mest i svarene.")
    assert _import(coded_workspace, small_codebook, path, analyst="carl").decisions == {"unchanged": 7}
    assert _import(coded_workspace, small_codebook, exported, analyst="carl").decisions == {"unchanged": 7}


def test_in_a_blind_round_another_analysts_undo_does_not_hold_back_an_import(
        coded_workspace, small_codebook, exported, tmp_path):
    """Two coders import their QualCoder work into blind round R1: ana's rejection, undone by ana, does not
    keep carl's own rejection of the same coding out (each decides alone in a blind round)."""
    from hoi_nlp.review.decisions import record_decision

    project = Qdpx(exported)
    r3 = project.source("R3_q0")
    r3.remove(project.selections(r3, "area.beskaeftigelse")[0])
    path = project.save(tmp_path / "edited.qdpx")
    assert _import(coded_workspace, small_codebook, path, analyst="ana", round="R1").decisions["reject"] == 1
    [reject] = _decisions(coded_workspace)
    record_decision(coded_workspace, segment_id=reject.segment_id, action="undo", analyst="ana",
                    undoes=reject.decision_id, round="R1")
    assert _import(coded_workspace, small_codebook, path, analyst="carl", round="R1").decisions["reject"] == 1
    assert "reject" not in _import(coded_workspace, small_codebook, path, analyst="ana", round="R1").decisions

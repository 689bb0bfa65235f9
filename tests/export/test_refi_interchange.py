"""The .qdpx as the other tools' own importers read it, and what it must not give away.

- Source and case GUIDs are keyed with the study's secret in a pseudonymised export (a uuid5 of a raw
  source id such as "Interview_Jens_Hansen" would confirm a guessed name); ``hoi import-qdpx`` maps
  them back, and a file written before (raw uuid5 GUIDs) still imports.
- Checks of what QualCoder's importer (``refi.py``, ``RefiImport.import_project``) needs, each written
  as our own reading of the exported file the way that importer's logic reads it (:func:`qualcoder_reads`),
  one case per requirement shown to be caught; memos on the study reach it as journals.
- Files laid out by other tools, or damaged: a correct import or a clear error, nothing written.
"""

from __future__ import annotations

import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from hoi_nlp.qda import MACHINE_USER, PROJECT_NS, guid
from tests.export.test_refi_import import CODEBOOK, HOI, NS, Q, Qdpx, export_project


@dataclass
class QualCoderProject:
    """What QualCoder's REFI-QDA project import makes of a .qdpx: its tables, as far as hoi's files go."""

    origin: str = ""
    coder: str = ""  # the first user: QualCoder's active coder after the import
    categories: dict[str, str | None] = field(default_factory=dict)  # name -> its parent category
    codes: dict[str, str] = field(default_factory=dict)  # GUID -> name
    files: dict[str, str] = field(default_factory=dict)  # source name -> its text
    # (code, file, pos0, pos1, owner, the text selected)
    code_text: list[tuple[str, str, int, int, str, str]] = field(default_factory=list)
    annotations: list[tuple[str, int, int, str]] = field(default_factory=list)  # file, pos0, pos1, memo
    journals: dict[str, str] = field(default_factory=dict)  # name -> text
    file_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    cases: dict[str, dict[str, str]] = field(default_factory=dict)  # case name -> case attributes
    project_memo: str = ""


def qualcoder_reads(path: Path, *, windows: bool = False) -> QualCoderProject:
    """Read a .qdpx the way QualCoder's importer (refi.py, ``RefiImport.import_project``) does, asserting
    wherever it would fail or drop something silently:

    - ``Project@origin`` is read as a string (``"ATLAS" in origin.upper()``); the first User becomes the
      active coder; the CodeBook's first child is ``Codes``, a Code is a category only when
      ``isCodable="false"``, categories and codes of the same name are merged (codings lost);
    - a TextSource without ``path`` is read from ``sources/`` (or ``Sources/``) by its ``plainTextPath``,
      as UTF-8 (a BOM stays a character), and a CRLF in its first line adds a space after every line
      break; selections are ``startPosition``/``endPosition`` into that text (positions of its Qt editor,
      UTF-16 units; the text it keeps for a coding is sliced by code points), owned by the selection's
      ``creatingUser``, coded with the ``CodeRef`` that is the Coding's first child (GUIDs compared as
      written); the same code, file, span and owner twice is refused (one coding dropped);
    - every Variable's name is unique; a source's VariableValues are file attributes; a named Case's turn
      its variables into case attributes (hiding their file values); a Case's GUID equal to a Code's
      deletes that code;
    - every Note has ``creationDateTime`` or ``modifiedDateTime`` (else the import stops); a Note a
      TextSource's NoteRef names is an annotation when it holds ``PlainTextContent`` and a
      ``PlainTextSelection``; any other Note is a journal only with a ``plainTextPath`` and a name, its
      text read from that file, and a second journal of the same name stops the import. It opens a
      journal's file without an encoding: on Windows (``windows``) as the locale's cp1252, a byte cp1252
      lacks failing the reading (the journal is then empty).
    """
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    folder = "sources" if any(n.startswith("sources/") for n in members) else "Sources"
    qde = next(n for n in members if n.endswith(".qde") and "/" not in n)
    root = etree.fromstring(members[qde])
    assert root.tag == f"{{{PROJECT_NS}}}Project"
    q = f"{{{PROJECT_NS}}}"
    read = QualCoderProject(origin=root.get("origin"))
    assert isinstance(read.origin, str) and read.origin, "QualCoder reads origin.upper()"

    def file(reference: str, encoding: str = "utf-8") -> str:
        name = f"{folder}{reference.split('internal:/', 1)[1]}"
        assert name in members, f"QualCoder finds no file {name}"
        if encoding != "utf-8":  # open(path_) with the locale's encoding: an error leaves the journal empty
            try:
                return members[name].decode(encoding)
            except UnicodeDecodeError:
                return ""
        return members[name].decode("utf-8", errors="replace")

    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    read.coder = next(iter(users.values()), "")

    def walk(element, category):
        for code in element.findall("q:Code", NS):
            if code.get("isCodable") == "false":
                assert code.get("name") not in read.categories, f"category {code.get('name')} merged"
                read.categories[code.get("name")] = category
                walk(code, code.get("name"))
            else:
                assert code.get("name") not in read.codes.values(), f"code {code.get('name')} merged"
                read.codes[code.get("guid")] = code.get("name")
                walk(code, category)

    codebook = root.find("q:CodeBook", NS)
    if codebook is not None:
        assert codebook[0].tag == q + "Codes", "QualCoder takes the CodeBook's first child as Codes"
        walk(codebook[0], None)
    variables = {}
    for variable in root.iterfind("q:Variables/q:Variable", NS):
        assert variable.get("name") not in variables.values(), f"variable {variable.get('name')} refused"
        variables[variable.get("guid")] = variable.get("name")

    def values(element):
        found = {}
        for value in element.findall("q:VariableValue", NS):
            name = variables[value.find("q:VariableRef", NS).get("targetGUID")]
            found[name] = (next((v.text for v in value if v.tag != q + "VariableRef"), None) or "").strip()
        return found

    annotated = {}
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        assert source.get("path") is None and source.get("plainTextPath"), "QualCoder needs plainTextPath"
        name = source.get("name")
        assert name not in read.files, f"a second source {name} is renamed"
        text = file(source.get("plainTextPath"))
        assert "\r" not in text.split("\n", 1)[0] and not text.startswith("\ufeff")
        read.files[name] = text
        for sel in source.findall("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert 0 <= start < end <= len(text.encode("utf-16-le")) // 2  # Qt positions (UTF-16 units)
            owner = users.get(sel.get("creatingUser") or sel.get("modifyingUser"), "default")
            for coding in sel.findall("q:Coding", NS):
                assert coding[0].tag == q + "CodeRef", "QualCoder takes a Coding's first child as its CodeRef"
                code = read.codes.get(coding[0].get("targetGUID"))
                assert code is not None, "a coding of no code"
                row = (code, name, start, end, owner, text[start:end])
                assert row not in read.code_text, f"QualCoder refuses a second {row[:5]}"
                read.code_text.append(row)
        for ref in source.findall("q:NoteRef", NS):
            annotated[ref.get("targetGUID")] = name
        read.file_attributes[name] = values(source)
    for note in root.iterfind("q:Notes/q:Note", NS):
        assert note.get("creationDateTime") or note.get("modifiedDateTime"), "QualCoder stops: no date"
        if note.get("guid") in annotated:
            sel = note.find("q:PlainTextSelection", NS)
            memo = note.findtext("q:PlainTextContent", namespaces=NS)
            if sel is not None and memo is not None:
                read.annotations.append((annotated[note.get("guid")], int(sel.get("startPosition")),
                                         int(sel.get("endPosition")), memo))
        elif note.get("plainTextPath") is not None and note.get("name") != "":
            assert note.get("name") not in read.journals, f"QualCoder stops: 2 journals {note.get('name')}"
            encoding = "cp1252" if windows else "utf-8"
            read.journals[note.get("name")] = file(note.get("plainTextPath"), encoding)
    case_types = set()
    for case in root.iterfind("q:Cases/q:Case", NS):
        assert case.get("guid") not in read.codes, "QualCoder deletes a code whose GUID is a case's"
        if case.get("name") is not None:
            read.cases[case.get("name")] = values(case)
            case_types |= set(read.cases[case.get("name")])
    read.file_attributes = {f: {k: v for k, v in a.items() if k not in case_types}
                            for f, a in read.file_attributes.items()}
    read.project_memo = root.findtext("q:Description", default="", namespaces=NS)
    return read


def qdpx_strings(path: Path) -> str:
    """Everything a .qdpx holds, as one lower-case text: its member names and every member as written (the
    project's every attribute value and text: GUIDs, targetGUIDs, plainTextPaths, Descriptions; the
    sources' and journals' texts), so a GUID is found wherever it went."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        return "\n".join([*names, *(archive.read(n).decode("utf-8", "replace") for n in names)]).lower()


def _cli_import(workspace, path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*HOI, "import-qdpx", str(workspace.root), str(path), "-c", str(CODEBOOK),
                           "--analyst", "carl", *extra], capture_output=True, text=True, timeout=300)


def _anonymous(project: Qdpx) -> None:
    """Sources renamed and their Descriptions (with hoi's ``[hoi: source …]`` tag) dropped: only the GUIDs
    can tie them to the study."""
    for n, source in enumerate(project.all("TextSource")):
        source.set("name", f"kilde_{n}")
        description = source.find("q:Description", NS)
        if description is not None:
            source.remove(description)


def test_source_and_case_guids_are_keyed_and_import_maps_them_back(coded_workspace, small_codebook, tmp_path):
    from hoi_nlp.store import load_sources

    sources = load_sources(coded_workspace)
    project = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "keyed.qdpx"))
    raw = {guid("source", s.source_id) for s in sources} | {guid("case", s.respondent_id) for s in sources}
    shown = [s.get("guid") for s in project.all("TextSource")]
    cases = [c.get("guid") for c in project.all("Case")]
    assert len(shown) == len(sources) and cases
    assert not (set(shown) | set(cases)) & raw  # a guessed id cannot be confirmed by recomputing a uuid5
    assert {r.get("targetGUID") for r in project.all("SourceRef")} == set(shown)
    assert all(project.file_of(s) == f"{s.get('guid')}.txt" for s in project.all("TextSource"))
    selections = len(project.all("PlainTextSelection"))

    _anonymous(project)
    run = _cli_import(coded_workspace, project.save(tmp_path / "keyed-only.qdpx"), "--dry-run")
    assert run.returncode == 0, run.stderr
    expected = f"Would record: accept 0, reject 0, add 0, span 0, unchanged {selections}"
    assert expected in run.stdout, run.stdout
    assert "not in this study" not in run.stdout + run.stderr


def test_a_project_written_with_raw_uuid5_guids_still_imports(coded_workspace, small_codebook, tmp_path):
    """Exports made before the GUIDs were keyed carry uuid5 of the raw source ids."""
    from hoi_nlp.privacy.key import key_path, load_key
    from hoi_nlp.privacy.redact import KeyRedactor
    from hoi_nlp.review.refi_import import exported_guids
    from hoi_nlp.store import load_sources

    project = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "old.qdpx"))
    ids = exported_guids([s.source_id for s in load_sources(coded_workspace)],
                         KeyRedactor(load_key(key_path(coded_workspace))))
    for source in project.all("TextSource"):
        old = guid("source", ids[source.get("guid")])
        for ref in project.all("SourceRef"):
            if ref.get("targetGUID") == source.get("guid"):
                ref.set("targetGUID", old)
        project.files[f"{old}.txt"] = project.files.pop(project.file_of(source))
        source.set("guid", old)
        source.set("plainTextPath", f"internal://{old}.txt")
    _anonymous(project)
    selections = len(project.all("PlainTextSelection"))
    run = _cli_import(coded_workspace, project.save(tmp_path / "old-guids.qdpx"), "--dry-run")
    assert run.returncode == 0, run.stderr
    expected = f"Would record: accept 0, reject 0, add 0, span 0, unchanged {selections}"
    assert expected in run.stdout, run.stdout
    # ... and the analyst learns that the file gives the raw ids away, and what to do
    [line] = [x for x in run.stderr.splitlines() if "unkeyed" in x]
    assert line.startswith("Warning: this file was written by an older hoi_nlp")
    assert "docs/SECURITY.md" in line


def test_no_old_guid_warning_for_a_current_or_a_raw_export(coded_workspace, small_codebook, tmp_path):
    """A raw export keeps uuid5 of the raw ids on purpose (its texts are the originals); a current
    pseudonymised export keys them: neither is an old file."""
    from hoi_nlp.export.api import export_study
    from hoi_nlp.settings import Settings

    settings = Settings(pseudonymize={"recogniser": "patterns"})
    [raw] = export_study(coded_workspace, small_codebook, settings=settings, formats=["qdpx"],
                         output=tmp_path / "raw", raw=True)
    current = export_project(coded_workspace, small_codebook, tmp_path / "export" / "current.qdpx")
    for path in (raw, current):
        run = _cli_import(coded_workspace, path, "--dry-run")
        assert run.returncode == 0, run.stderr
        assert "unchanged 7" in run.stdout and "unkeyed" not in run.stderr, run.stderr


def test_raw_exports_keep_uuid5_of_the_raw_ids(study, key, tmp_path):
    """A raw export shows the ids anyway: its GUIDs are those of every earlier export."""
    import zipfile

    from lxml import etree

    from hoi_nlp.export.refi import export_qdpx
    from hoi_nlp.privacy.redact import KeyRedactor

    path = export_qdpx(study, tmp_path / "raw.qdpx", redact=KeyRedactor(key, raw=True), raw=True)
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
    assert sorted(s.get("guid") for s in root.iter(Q + "TextSource")) == sorted(
        guid("source", sid) for sid in study.sources)


def test_study_memos_reach_qualcoder_as_journals_and_come_back_once(coded_workspace, small_codebook, tmp_path,
                                                                   memo_unit):
    """A QualCoder project's journal imported with `hoi import-qdpx` is a memo on the study; the study's
    export gives it to QualCoder as a journal again (a named Note with its text in a file: QualCoder drops
    a Note that holds its text inline and is referred to by nothing), with a name of its own beside an app
    memo of the same title (a second journal of one name stops QualCoder's import), pseudonymised. QualCoder's
    own export of those journals (new GUIDs, a BOM on each text) imports as nothing new."""
    from hoi_nlp.review.study_memos import load_study_memos, record_study_memo
    from tests.export.test_refi_import import _note, qualcoder4

    project = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "first.qdpx"))
    _note(project, "Overvejelser", "Mette Hansen mener at økonomien fylder.", in_file=True)
    qualcoder4(project)
    run = _cli_import(coded_workspace, project.save(tmp_path / "from-qualcoder.qdpx"))
    assert run.returncode == 0 and "journal 1" in run.stdout, run.stdout + run.stderr
    record_study_memo(coded_workspace, analyst="bo", title="Overvejelser", text="Teams går igen overalt.")

    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "second.qdpx")
    read = qualcoder_reads(exported)
    assert read.journals == {"Overvejelser": "[PERSON 1] mener at økonomien fylder.",
                             "Overvejelser (2)": "Teams går igen overalt."}
    assert [a[3] for a in read.annotations] == ["Hele svaret er uklart"]  # bo's memo on the unit
    assert read.coder != MACHINE_USER
    with zipfile.ZipFile(exported) as archive:
        assert not [n for n in archive.namelist() if b"Mette" in archive.read(n)]

    back = Qdpx(exported)
    qualcoder4(back)  # new GUIDs (journals' files renamed with them)
    for note in back.all("Note"):
        if note.get("plainTextPath"):
            back.files[back.file_of(note)] = b"\xef\xbb\xbf" + back.files[back.file_of(note)]
    again = _cli_import(coded_workspace, back.save(tmp_path / "back.qdpx"))
    assert again.returncode == 0, again.stderr
    assert "journal" not in again.stdout and "not imported" not in again.stderr, again.stdout + again.stderr
    assert len(load_study_memos(coded_workspace)) == 2


def test_journals_qualcoder_on_windows_garbled_come_back_as_nothing_new(coded_workspace, small_codebook,
                                                                       tmp_path):
    """QualCoder on Windows reads a journal's file as cp1252 ("Økonomien" shows as "Ã˜konomien"; a "”"
    fails its reading: an empty journal) and its export writes that back: not a memo on the study again;
    text added to such a journal in QualCoder is recorded, and only that."""
    from hoi_nlp.review.study_memos import load_study_memos, record_study_memo
    from tests.export.test_refi_import import qualcoder4

    record_study_memo(coded_workspace, analyst="ana", title="Økonomi",
                      text="Økonomien fylder for Mette Hansen.\nÅrsagen: færre hænder.")
    record_study_memo(coded_workspace, analyst="ana", title="Citat", text="”Vi når det ikke” sagde de.")
    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "windows.qdpx")
    read = qualcoder_reads(exported, windows=True)
    assert read.journals == {"Økonomi": "Ã˜konomien fylder for [PERSON 1].\nÃ…rsagen: fÃ¦rre hÃ¦nder.",
                             "Citat": ""}

    def from_qualcoder(added: str) -> Path:
        back = Qdpx(exported)
        qualcoder4(back)  # new GUIDs; QualCoder writes each journal as it holds it, UTF-8 with a BOM
        for note in back.all("Note"):
            if note.get("plainTextPath"):
                text = read.journals[note.get("name")] + (added if note.get("name") == "Økonomi" else "")
                back.files[back.file_of(note)] = "\ufeff".encode() + text.replace("\n", "\r\n").encode()
        return back.save(tmp_path / f"windows{len(added)}.qdpx")

    again = _cli_import(coded_workspace, from_qualcoder(""))
    assert again.returncode == 0, again.stderr
    assert "journal" not in again.stdout and "not imported" not in again.stderr, again.stdout + again.stderr
    assert len(load_study_memos(coded_workspace)) == 2
    added = _cli_import(coded_workspace, from_qualcoder("\nOgså i Region Syd."))
    assert added.returncode == 0 and "journal 1" in added.stdout, added.stdout + added.stderr
    assert [(m.title, m.text) for m in load_study_memos(coded_workspace)[2:]] == [
        ("Økonomi", "Også i Region Syd.")]


def test_text_added_to_a_journal_the_export_numbered_keeps_its_title(coded_workspace, small_codebook,
                                                                    tmp_path):
    """Two memos on the study titled alike go out as "Overvejelser" and "Overvejelser (2)"; text added in
    QualCoder to the second is recorded under "Overvejelser" (the number was the export's), so the next
    export names it "Overvejelser (3)", not "Overvejelser (2) (2)"; a journal QualCoder's user numbered
    keeps its title."""
    from hoi_nlp.review.study_memos import load_study_memos, record_study_memo
    from tests.export.test_refi_import import _note, qualcoder4

    record_study_memo(coded_workspace, analyst="ana", title="Overvejelser", text="Teams går igen.")
    record_study_memo(coded_workspace, analyst="bo", title="Overvejelser", text="Økonomien fylder.")
    record_study_memo(coded_workspace, analyst="bo", text="Uden titel.")
    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "first.qdpx")
    assert set(qualcoder_reads(exported).journals) == {"Overvejelser", "Overvejelser (2)", "Memo (bo)"}
    project = Qdpx(exported)
    qualcoder4(project)
    for note in project.all("Note"):
        if note.get("name") in ("Overvejelser (2)", "Memo (bo)"):
            project.files[project.file_of(note)] += f"\nTilføjet til {note.get('name')}.".encode()
    _note(project, "Plan (2)", "Anden udgave af planen.", in_file=True)
    run = _cli_import(coded_workspace, project.save(tmp_path / "numbered.qdpx"))
    assert run.returncode == 0 and "journal 3" in run.stdout, run.stdout + run.stderr
    assert [(m.title, m.text) for m in load_study_memos(coded_workspace)[3:]] == [
        ("Overvejelser", "Tilføjet til Overvejelser (2)."), ("Memo (bo)", "Tilføjet til Memo (bo)."),
        ("Plan (2)", "Anden udgave af planen.")]
    again = export_project(coded_workspace, small_codebook, tmp_path / "export" / "second.qdpx")
    assert set(qualcoder_reads(again).journals) == {"Overvejelser", "Overvejelser (2)", "Overvejelser (3)",
                                                    "Memo (bo)", "Memo (bo) (2)", "Plan (2)"}


# ---------------------------------------------------------------- files laid out by other tools


def test_import_qdpx_of_a_qdc_codebook_says_what_to_use_instead(coded_workspace, small_codebook, tmp_path):
    from hoi_nlp.export.refi import export_qdc
    from hoi_nlp.review.decisions import load_decisions

    path = export_qdc(small_codebook, tmp_path / "codebook.qdc")
    run = _cli_import(coded_workspace, path)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "this is a REFI-QDA codebook (.qdc), not a project (.qdpx)" in run.stderr, run.stderr
    assert "hoi codebook import-qdc" in run.stderr
    assert load_decisions(coded_workspace) == []


def test_a_coding_without_a_code_reference_is_named_in_a_warning(coded_workspace, small_codebook, tmp_path):
    """A Coding with no CodeRef (a damaged file) was counted among empty selections: the warning names it for
    what it is; like a coding of a code nobody defines, it leaves the machine's code there removed."""
    project = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "refs.qdpx"))
    selections = len(project.all("PlainTextSelection"))
    coding = project.all("Coding")[0]
    coding.remove(coding.find("q:CodeRef", NS))
    run = _cli_import(coded_workspace, project.save(tmp_path / "refs-broken.qdpx"), "--dry-run")
    assert run.returncode == 0, run.stderr
    assert f"accept 0, reject 1, add 0, span 0, unchanged {selections - 1}" in run.stdout, run.stdout
    assert "Warning: 1 codings without a code reference (CodeRef) skipped" in run.stderr, run.stderr
    assert "empty selections" not in run.stderr


def test_a_source_whose_text_the_archive_lacks_is_a_clear_error_and_nothing_is_written(
        coded_workspace, small_codebook, tmp_path):
    from hoi_nlp.review.decisions import load_decisions

    project = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "gone.qdpx"))
    source = project.source("R2_q1")
    project.add_coding(project.source("R1_q0"), 0, 5, "area.beskaeftigelse", "ana")
    project.files.pop(project.file_of(source))
    run = _cli_import(coded_workspace, project.save(tmp_path / "gone-text.qdpx"))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"source 'R2_q1', plainTextPath): the archive has no file sources/{project.file_of(source)}" \
        in run.stderr, run.stderr
    assert load_decisions(coded_workspace) == []


def test_qualcoder_reads_the_qdc_codebook_as_categories_holding_codes(tmp_path):
    """QualCoder's codebook import takes the namespace version from the root's children, the ``Codes`` child
    of ``CodeBook``, a Code as a category only when ``isCodable="false"`` (its children then in that
    category), refuses a second category or code of one name and keeps a code's colour; the study's
    default codebook comes through whole."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.export.refi import export_qdc
    from hoi_nlp.qda import CODEBOOK_NS

    codebook = load_codebook()
    root = etree.parse(str(export_qdc(codebook, tmp_path / "codebook.qdc"))).getroot()
    [child] = list(root)
    assert child.tag == f"{{{CODEBOOK_NS}}}Codes"
    categories, codes = {}, {}

    def walk(element, category):
        for code in element.findall(f"{{{CODEBOOK_NS}}}Code"):
            name = code.get("name")
            if code.get("isCodable") == "false":
                assert name not in categories
                categories[name] = category
                walk(code, name)
            else:
                assert name not in codes and code.get("color", "").startswith("#")
                codes[name] = category
                walk(code, category)

    walk(child, None)
    assert len(categories) == len(codebook.families) and set(categories.values()) == {None}
    assert len(codes) == len(codebook.codes) and None not in codes.values()


def test_a_project_laid_out_otherwise_imports_unchanged(coded_workspace, small_codebook, tmp_path):
    """Paths that name the sources folder themselves (``internal://sources/<guid>.txt``), codes without a
    colour and a category nested under another tool's code: the same codings, no decision."""
    project = Qdpx(export_project(coded_workspace, small_codebook, tmp_path / "export" / "layout.qdpx"))
    for source in project.all("TextSource"):
        source.set("plainTextPath", f"internal://sources/{project.file_of(source)}")
    for code in project.all("Code"):
        code.attrib.pop("color", None)
    first, second = project.root.find("q:CodeBook/q:Codes", NS).findall("q:Code", NS)[:2]
    first.find("q:Code", NS).append(second)
    selections = len(project.all("PlainTextSelection"))
    path = project.save(tmp_path / "layout-other.qdpx")
    with zipfile.ZipFile(path) as archive:
        assert all(n == "project.qde" or n.startswith("sources/") for n in archive.namelist())
    run = _cli_import(coded_workspace, path, "--dry-run")
    assert run.returncode == 0, run.stderr
    assert f"accept 0, reject 0, add 0, span 0, unchanged {selections}" in run.stdout, run.stdout


def _inline_journal(p: Qdpx) -> None:
    note = next(n for n in p.all("Note") if n.get("plainTextPath"))
    text = p.files.pop(p.file_of(note)).decode("utf-8")
    del note.attrib["plainTextPath"]
    etree.SubElement(note, Q + "PlainTextContent").text = text


def _same_journal_names(p: Qdpx) -> None:
    for note in p.all("Note"):
        if note.get("plainTextPath"):
            note.set("name", "Overvejelser")


def _first(tag: str):
    return lambda p: p.all(tag)[0]


REQUIREMENTS = {
    "a source is read by its plainTextPath": lambda p: p.all("TextSource")[0].attrib.pop("plainTextPath"),
    "a text has no BOM": lambda p: p.files.update(
        {p.file_of(p.all("TextSource")[0]): b"\xef\xbb\xbf" + p.files[p.file_of(p.all("TextSource")[0])]}),
    "a text's first line has no CRLF": lambda p: p.files.update(
        {p.file_of(p.all("TextSource")[0]): b"x\r\n" + p.files[p.file_of(p.all("TextSource")[0])]}),
    "a selection lies within its text": lambda p: p.all("PlainTextSelection")[0].set("endPosition", "99999"),
    "a Coding's first child is its CodeRef": lambda p: p.all("Coding")[0].insert(
        0, etree.Element(Q + "NoteRef", targetGUID=guid("x"))),
    "a coding refers to a code": lambda p: p.all("CodeRef")[0].set("targetGUID", guid("nobody")),
    "one coding per code, file, span and owner": lambda p: p.all("PlainTextSelection")[0].append(
        etree.fromstring(etree.tostring(p.all("Coding")[0]))),
    "code names are unique": lambda p: [c.set("name", "Samme") for c in p.all("Code")[1:3]],
    "category names are unique": lambda p: [c.set("name", "Samme") for c in p.all("Code")
                                            if c.get("isCodable") == "false"],
    "the CodeBook's first child is Codes": lambda p: p.root.find("q:CodeBook", NS).insert(
        0, etree.Element(Q + "Description")),
    "variable names are unique": lambda p: [v.set("name", "Samme") for v in p.all("Variable")],
    "a case's GUID is no code's": lambda p: p.all("Case")[0].set("guid", p.all("Code")[1].get("guid")),
    "a note has a date": lambda p: [p.all("Note")[0].attrib.pop(a) for a in ("creationDateTime",
                                                                               "modifiedDateTime")],
    "a journal's text is in its file": _inline_journal,
    "journal names are unique": _same_journal_names,
    "the project has an origin": lambda p: p.root.attrib.pop("origin"),
}


@pytest.fixture
def qualcoder_ready(coded_workspace, small_codebook, tmp_path, memo_unit):
    """The fixture study's export with reviewed codings, memos on a coding and a unit, and two journals."""
    from hoi_nlp.review.study_memos import record_study_memo

    record_study_memo(coded_workspace, analyst="ana", title="Overvejelser", text="Teams går igen.")
    record_study_memo(coded_workspace, analyst="bo", title="Økonomi", text="Økonomien fylder.")
    return export_project(coded_workspace, small_codebook, tmp_path / "export" / "ready.qdpx")


def test_our_export_gives_qualcoder_what_it_reads(qualcoder_ready):
    read = qualcoder_reads(qualcoder_ready)
    codings = len(Qdpx(qualcoder_ready).all("Coding"))
    assert len(read.files) == 6 and len(read.code_text) == codings == 7 and read.coder == "ana"
    assert set(read.journals) == {"Overvejelser", "Økonomi"} and len(read.annotations) == 1
    assert read.cases and all(read.file_attributes.values())
    assert all(text == read.files[f][s:e] for _, f, s, e, _, text in read.code_text)


@pytest.mark.parametrize("requirement", list(REQUIREMENTS))
def test_each_requirement_of_qualcoders_importer_is_checked(requirement, qualcoder_ready, tmp_path):
    """The file breaking one requirement is caught by :func:`qualcoder_reads` (so the export passing it
    meets that requirement): it fails, or loses what the requirement keeps (a journal)."""
    project = Qdpx(qualcoder_ready)
    REQUIREMENTS[requirement](project)
    path = project.save(tmp_path / "broken.qdpx")
    try:
        read = qualcoder_reads(path)
    except (AssertionError, KeyError, TypeError, AttributeError):
        return
    assert len(read.journals) < 2, f"not caught: {requirement}"


def test_a_journal_an_earlier_export_wrote_inline_comes_back_as_nothing_new(coded_workspace, qualcoder_ready,
                                                                          tmp_path):
    """Exports before journals had files of their own held the text inline (PlainTextContent)."""
    from hoi_nlp.review.study_memos import load_study_memos

    project = Qdpx(qualcoder_ready)
    _inline_journal(project)
    _inline_journal(project)
    assert not [n for n in project.all("Note") if n.get("plainTextPath")]
    run = _cli_import(coded_workspace, project.save(tmp_path / "old-journals.qdpx"))
    assert run.returncode == 0, run.stderr
    assert "journal" not in run.stdout and "not imported" not in run.stderr, run.stdout + run.stderr
    assert len(load_study_memos(coded_workspace)) == 2


def test_memos_written_with_crlf_line_breaks_come_back_as_nothing_new(coded_workspace, small_codebook,
                                                                      tmp_path):
    """A memo written in the browser holds CRLF line breaks; the file gives them back as LF: the same memo."""
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.review.study_memos import record_study_memo
    from hoi_nlp.store import load_segments

    unit = next(s.segment_id for s in load_segments(coded_workspace, codable=True) if s.source_id == "R2:q1")
    record_decision(coded_workspace, segment_id=unit, action="memo", analyst="bo",
                    memo="Linje et\r\nLinje to")
    record_study_memo(coded_workspace, analyst="ana", title="Linjer", text="Første linje\r\nAnden linje")
    exported = export_project(coded_workspace, small_codebook, tmp_path / "export" / "crlf.qdpx")
    assert qualcoder_reads(exported).journals == {"Linjer": "Første linje\nAnden linje"}
    run = _cli_import(coded_workspace, exported)
    assert run.returncode == 0, run.stderr
    assert "memo" not in run.stdout and "journal" not in run.stdout, run.stdout


def test_a_journal_whose_text_the_archive_lacks_is_a_clear_error(coded_workspace, qualcoder_ready, tmp_path):
    from hoi_nlp.review.decisions import load_decisions

    project = Qdpx(qualcoder_ready)
    note = next(n for n in project.all("Note") if n.get("plainTextPath"))
    project.files.pop(project.file_of(note))
    project.add_coding(project.source("R1_q0"), 0, 5, "area.beskaeftigelse", "ana")
    run = _cli_import(coded_workspace, project.save(tmp_path / "no-journal-text.qdpx"))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"(note '{note.get('name')}', plainTextPath): the archive has no file sources/" in run.stderr
    assert "export the project again; the note's text is missing" in run.stderr, run.stderr
    assert [d for d in load_decisions(coded_workspace) if d.analyst == "ana" and d.action == "add"] == []

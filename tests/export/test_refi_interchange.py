"""The .qdpx as the other tools' own importers read it, and what it must not give away.

- Source and case GUIDs are keyed with the study's secret in a pseudonymised export (a uuid5 of a raw
  source id such as "Interview_Jens_Hansen" would confirm a guessed name); ``hoi import-qdpx`` maps
  them back, and a file written before (raw uuid5 GUIDs) still imports.
- Checks of what QualCoder's importer (``refi.py``, ``RefiImport.import_project``) needs, each written
  as our own reading of the exported file the way that importer's logic reads it.
"""

from __future__ import annotations

import subprocess

from hoi_nlp.qda import guid
from tests.export.test_refi_import import CODEBOOK, HOI, NS, Q, Qdpx, export_project


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

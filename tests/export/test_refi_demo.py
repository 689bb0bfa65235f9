"""The round trip on the demo study (corpora/demo: 70 survey respondents, 7 interviews) as analysts make it:
hoi's .qdpx export, opened and re-saved by another tool (the shapes of tests/export/test_refi_import.py),
edited there, and brought back with `hoi import-qdpx` (a subprocess), first with --dry-run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.export.test_refi_import import HOI, NS, SHAPES, Qdpx, export_project, reshaped

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo study ingested, segmented and coded with the rule coder and the bundled codebook, and its
    .qdpx export (the workspace is copied by tests that write)."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    root = tmp_path_factory.mktemp("refi-demo")
    workspace = Workspace.open(root / "demo", study="demo")
    ingest_stage(REPO / "corpora" / "demo", workspace)
    segment_stage(workspace, Settings())
    codebook = load_codebook()
    code_stage(workspace, codebook, Settings(), coder=RuleCoder(codebook))
    path = export_project(workspace, codebook, root / "export" / "demo.qdpx")
    with workspace.engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    workspace.engine.dispose()
    return workspace.root, codebook, path


def _copy(demo, tmp_path):
    from hoi_nlp.store import Workspace

    target = tmp_path / "demo"
    shutil.copytree(demo[0], target)
    return Workspace.open(target, study="demo", create=False)


def _selections(path: Path) -> int:
    return len(Qdpx(path).all("PlainTextSelection"))


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_demo_export_in_each_tools_shape_comes_back_unchanged(shape, demo, tmp_path):
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx
    from hoi_nlp.store import Workspace

    root, codebook, path = demo
    workspace = Workspace.open(root, study="demo", create=False)
    codings = _selections(path)
    assert codings > 1000
    summary = import_qdpx(workspace, reshaped(path, shape, tmp_path / "shaped.qdpx"),
                          CodedUnits.load(workspace, codebook), analyst="ana", dry_run=True)
    memos = {"memo": 2} if shape == "nvivo" else {}  # NVivo's shape carries two annotations: ana's memos
    assert summary.decisions == {"unchanged": codings, **memos}, summary
    assert summary.sources == 532 and summary.warnings == ()


def _edit(path: Path, target: Path) -> tuple[Path, dict[str, str]]:
    """In the other tool (QualCoder 4): delete one machine coding, narrow one to its first sentence, code
    one answer with a new code under the analyst's name and re-create one machine coding as 'bo'."""
    project = Qdpx(path)
    sources = [s for s in project.all("TextSource") if s.findall("q:PlainTextSelection", NS)]
    deleted = sources[0].findall("q:PlainTextSelection", NS)[0]
    sources[0].remove(deleted)
    narrowed = None
    for source in sources[1:]:
        for sel in source.findall("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            cut = project.text(source).find(". ", start, end)
            if cut != -1 and narrowed is None:
                sel.set("endPosition", str(cut + 1))
                narrowed = source
    added_to = next(s for s in sources[2:] if s is not narrowed)
    first = added_to.findall("q:PlainTextSelection", NS)[0]
    taken = {r.get("targetGUID") for r in added_to.iter(f"{{{NS['q']}}}CodeRef")}
    code = next(c for c in project.all("Code") if c.get("isCodable") == "true" and c.get("guid") not in taken)
    tag = code.findtext("q:Description", namespaces=NS).rsplit("[hoi: ", 1)[1].rstrip("]")
    project.add_coding(added_to, int(first.get("startPosition")), int(first.get("endPosition")), tag, "ana")
    accepted_in = next(s for s in sources[3:] if s is not narrowed and s is not added_to)
    mine = accepted_in.findall("q:PlainTextSelection", NS)[0]
    bo = project.user("bo")
    for element in (mine, *mine.iter(f"{{{NS['q']}}}Coding")):
        element.set("creatingUser", bo)
    SHAPES["qualcoder-4"](project)
    return project.save(target), {"added": tag}


def test_an_edited_demo_project_through_the_cli_records_exactly_the_edits(demo, tmp_path):
    from hoi_nlp.review.decisions import current_state, load_decisions

    workspace = _copy(demo, tmp_path)
    codings = _selections(demo[2])
    edited, info = _edit(demo[2], tmp_path / "edited.qdpx")
    command = [*HOI, "import-qdpx", str(workspace.root), str(edited), "--analyst", "carl"]
    expected = f"accept 1, reject 1, add 1, span 1, unchanged {codings - 3}"
    dry = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=600)
    assert dry.returncode == 0, dry.stderr
    assert f"Dry run, nothing written. Would record: {expected}" in dry.stdout, dry.stdout
    assert f"{codings} codings read from 532 sources" in dry.stdout
    assert load_decisions(workspace) == []
    real = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert real.returncode == 0, real.stderr
    assert f"Recorded: {expected}" in real.stdout and "Traceback" not in real.stderr
    made = sorted((d.action, d.analyst) for d in load_decisions(workspace))
    assert made == [("accept", "bo"), ("add", "ana"), ("reject", "carl"), ("span", "carl")]
    state = current_state(workspace)
    added = [s for (_, code), s in state.codes.items() if code == info["added"] and s.status == "added"]
    assert len(added) == 1 and added[0].decided_by == "ana"
    assert sum(s.status == "rejected" for s in state.codes.values()) == 1
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx

    again = import_qdpx(workspace, edited, CodedUnits.load(workspace, demo[1]), analyst="carl")
    assert again.line == f"accept 0, reject 0, add 0, span 0, unchanged {codings}"  # nothing new twice


def test_the_demo_export_validates_against_the_refi_schema(demo):
    import zipfile

    from lxml import etree

    from tests.conftest import DATA

    schema = etree.XMLSchema(etree.parse(str(DATA / "refi" / "Project-mrt2019.xsd")))
    with zipfile.ZipFile(demo[2]) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        texts = [archive.read(n) for n in archive.namelist() if n.startswith("sources/")]
    assert schema.validate(root), schema.error_log
    assert len(texts) == 532 and not any(t.startswith(b"\xef\xbb\xbf") or b"\r" in t for t in texts)
    names = [c.get("name").casefold() for c in root.iter("{*}Code")]
    assert len(names) == len(set(names))


def test_qualcoder_reads_the_demo_sources_variables_as_file_attributes(demo):
    import zipfile

    from lxml import etree

    from tests.export.test_refi import qualcoder_import

    with zipfile.ZipFile(demo[2]) as archive:
        imported = qualcoder_import(etree.fromstring(archive.read("project.qde")))
    on_files = {name for name, kind in imported["types"].items() if kind == "file"}
    assert on_files and all(name.endswith(" (kilde)") for name in on_files)
    assert {name for name, kind in imported["types"].items() if kind == "case"} == {
        name.removesuffix(" (kilde)") for name in on_files} - {"material"}
    materials = [attrs.get("material (kilde)") for attrs in imported["file_attributes"].values()]
    assert len(materials) == 532 and set(materials) == {"survey", "interview"}


def test_an_edited_project_comes_back_after_the_interviews_id_changed(tmp_path):
    """The analyst deletes two codings of interview int01 in QualCoder; meanwhile the study's metadata.csv
    renames int01 to int01x and the study is run again (decisions follow the renamed source). The import
    follows the move from the id the file was exported with: both deletions are rejections on int01x's
    units, and no source of the file is skipped (the whole interview was dropped before)."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.privacy.key import key_path, load_key
    from hoi_nlp.privacy.redact import KeyRedactor
    from hoi_nlp.review.decisions import current_state, load_decisions
    from hoi_nlp.review.refi_import import CodedUnits, exported_guids, import_qdpx
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace, source_moves

    folder = tmp_path / "demo"
    shutil.copytree(REPO / "corpora" / "demo", folder)
    workspace = Workspace.open(tmp_path / "ws", study="demo")
    codebook = load_codebook()

    def run() -> None:  # what `hoi run` does before its export, with the rule coder
        ingest_stage(folder, workspace)
        segment_stage(workspace, Settings())
        code_stage(workspace, codebook, Settings(), coder=RuleCoder(codebook))

    run()
    path = export_project(workspace, codebook, tmp_path / "demo.qdpx")
    codings = _selections(path)
    project = Qdpx(path)
    int01_guids = set(exported_guids(["int01"], KeyRedactor(load_key(key_path(workspace), study="demo"))))
    [source] = [s for s in project.all("TextSource") if s.get("guid") in int01_guids]
    deleted = source.findall("q:PlainTextSelection", NS)[:2]
    assert len(deleted) == 2 and all(len(s.findall("q:Coding", NS)) == 1 for s in deleted)
    for sel in deleted:
        source.remove(sel)
    edited = project.save(tmp_path / "edited.qdpx")

    metadata = folder / "transcripts" / "metadata.csv"
    metadata.write_text(metadata.read_text(encoding="utf-8").replace(",int01,", ",int01x,"), encoding="utf-8")
    run()
    assert source_moves(workspace) == {"int01": "int01x"}

    command = [*HOI, "import-qdpx", str(workspace.root), str(edited), "--analyst", "carl"]
    expected = f"accept 0, reject 2, add 0, span 0, unchanged {codings - 2}"
    dry = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=600)
    assert dry.returncode == 0, dry.stderr
    assert f"Would record: {expected}" in dry.stdout, dry.stdout
    assert "not in this study" not in dry.stdout + dry.stderr
    real = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert real.returncode == 0, real.stderr
    assert f"Recorded: {expected}" in real.stdout, real.stdout
    made = load_decisions(workspace)
    assert [(d.action, d.segment_id.split(":")[0]) for d in made] == [("reject", "int01x")] * 2
    state = current_state(workspace)
    assert {key for key, s in state.codes.items() if s.status == "rejected"} == {
        (d.segment_id, d.code_id) for d in made}
    again = import_qdpx(workspace, edited, CodedUnits.load(workspace, codebook), analyst="carl", dry_run=True)
    assert again.line == f"accept 0, reject 0, add 0, span 0, unchanged {codings - 2}"

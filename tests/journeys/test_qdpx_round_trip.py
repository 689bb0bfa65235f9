"""The REFI-QDA round trip on the demo as `make demo` leaves it (`hoi run corpora/demo`, in a copy): the
analyst codes the pseudonymised `.qdpx` in QualCoder (a coding, an annotation, a journal naming a
municipality), `hoi import-qdpx` brings it back, and the next `hoi export -f qdpx` (pseudonymised and
`--raw`) is valid against the REFI XSD, is read by QualCoder's importer as the study (see
tests/export/test_refi_interchange.py), holds no GUID a guessed id could confirm and no name, and
comes back from QualCoder as nothing new.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest
from lxml import etree

from tests.conftest import DATA
from tests.journeys.conftest import export_texts, hoi, leaks

pytestmark = pytest.mark.journey


def test_a_qualcoder_round_trip_of_the_demo(demo, tmp_path):
    from hoi_nlp.qda import guid
    from hoi_nlp.store import Workspace, load_sources
    from tests.export.test_refi_import import Q, Qdpx, _note, qualcoder4
    from tests.export.test_refi_interchange import qdpx_strings, qualcoder_reads

    assert demo.run.returncode == 0, demo.run.output[-3000:]
    workspace = tmp_path / "demo"
    shutil.copytree(demo.workspace, workspace)
    study = ["corpora/demo", "--workspace", str(workspace)]
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi" / "Project-mrt2019.xsd")))
    first = tmp_path / "first"
    hoi("export", *study, "--format", "qdpx", "--output", str(first), cwd=demo.cwd, home=demo.home).check()

    project = Qdpx(first / "demo.qdpx")
    source = next(s for s in project.all("TextSource") if len(project.text(s)) > 200)
    project.add_coding(source, 10, 120, "barrier.oekonomiske_incitamenter", "ana")
    annotation = _note(project, None, "Se også næste svar", span=(0, 40))
    etree.SubElement(source, Q + "NoteRef", targetGUID=annotation)
    town = next(n for n in demo.names if " " not in n and len(n) > 4)
    _note(project, "Overvejelser", f"Økonomien fylder mest i {town}.", in_file=True)
    qualcoder4(project)
    coded = project.save(tmp_path / "coded-in-qualcoder.qdpx")
    ran = hoi("import-qdpx", *study, str(coded), "--analyst", "carl", cwd=demo.cwd, home=demo.home).check()
    assert ", add 1," in ran.stdout and "memo 1, journal 1" in ran.stdout, ran.stdout

    second, raw = tmp_path / "second", tmp_path / "raw"
    hoi("export", *study, "--format", "qdpx", "--output", str(second), cwd=demo.cwd, home=demo.home).check()
    hoi("export", *study, "--format", "qdpx", "--raw", "--output", str(raw), cwd=demo.cwd,
        home=demo.home).check()
    ids = Workspace.open(workspace, study="demo", create=False)
    sources = load_sources(ids)
    from_raw_ids = {guid("source", s.source_id) for s in sources} | {guid("case", s.respondent_id)
                                                                     for s in sources}
    for path, pseudonymised in ((second / "demo.qdpx", True), (raw / "demo.qdpx", False)):
        with zipfile.ZipFile(path) as archive:
            root = etree.fromstring(archive.read("project.qde"))
        assert schema.validate(root), schema.error_log
        read = qualcoder_reads(path)
        assert len(read.files) == len(sources) == 532 and read.coder == "ana"
        assert [c[0] for c in read.code_text if c[4] == "ana"] == [
            read.codes[Qdpx(path).code_guid("barrier.oekonomiske_incitamenter")]]
        assert [a[3] for a in read.annotations] == ["Se også næste svar"]
        [journal] = read.journals.values()
        assert journal.startswith("Økonomien fylder mest i ") and (town in journal) != pseudonymised
        # keyed only where the export hides names: no uuid5 of a raw id in any attribute (guid, targetGUID,
        # plainTextPath), text (a Description's [hoi: source …] tag) or member name of the file
        everything = qdpx_strings(path)
        assert bool([g for g in from_raw_ids if g in everything]) != pseudonymised
    assert leaks(export_texts(second), demo.names) == []

    back = Qdpx(second / "demo.qdpx")
    qualcoder4(back)
    again = hoi("import-qdpx", *study, str(back.save(tmp_path / "back.qdpx")), "--analyst", "carl",
                cwd=demo.cwd, home=demo.home).check()
    assert "accept 0, reject 0, add 0, span 0, unchanged" in again.stdout, again.stdout
    assert "memo" not in again.stdout and "journal" not in again.stdout, again.stdout

"""REFI-QDA: XSD-valid .qdpx/.qdc, exact offsets in the Sources/ texts, round trips, qdc import."""

from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from hoi_nlp.export.refi import export_qdc, export_qdpx
from hoi_nlp.qda import PROJECT_NS
from hoi_nlp.review.refi_import import import_qdc, offset_map, read_qdpx_codings, slug
from tests.conftest import DATA

NS = {"q": PROJECT_NS}


@pytest.fixture(scope="module")
def project_schema():
    return etree.XMLSchema(etree.parse(str(DATA / "refi" / "Project-mrt2019.xsd")))


@pytest.fixture(scope="module")
def codebook_schema():
    return etree.XMLSchema(etree.parse(str(DATA / "refi" / "Codebook-mrt2019.xsd")))


def _project(path):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde")), {
            n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("Sources/")
        }


def test_qdpx_validates_and_offsets_slice_the_segment_text(study, redact, tmp_path, project_schema):
    path = export_qdpx(study, tmp_path / "p.qdpx", redact=redact)
    root, texts = _project(path)
    assert project_schema.validate(root), project_schema.error_log
    checked = 0
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts["Sources/" + source.get("plainTextPath").removeprefix("internal://")]
        original = study.sources[source.get("name")].text
        assert "\r" not in text and text.count("\n") == original.count("\n")
        for sel in source.iterfind("q:PlainTextSelection", NS):
            span = text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]
            units = [s for s in study.segments if s.source_id == source.get("name")]
            assert span in {redact.span(study.sources[s.source_id], s.start, s.end) for s in units}
            checked += len(sel.findall("q:Coding", NS))
    assert checked == 7  # seven codings on five selections (R1 and R3 carry two codes each)
    assert "Mette Hansen" not in "".join(texts.values())


def test_qdpx_has_code_tree_cases_and_variables(study, redact, tmp_path):
    root, _ = _project(export_qdpx(study, tmp_path / "p.qdpx", redact=redact))
    families = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [f.get("name") for f in families] == ["Barrier", "Area"] or len(families) == 2
    assert families[0].get("isCodable") == "false"
    assert families[0].find("q:Code", NS).get("color") == "#d62728"
    cases = root.findall("q:Cases/q:Case", NS)
    assert [c.get("name") for c in cases] == ["R1", "R2", "R3", "R4", "T5"]
    variables = [v.get("name") for v in root.findall("q:Variables/q:Variable", NS)]
    assert variables == ["region", "size_group", "role"]


def test_reexport_is_byte_identical(study, redact, tmp_path):
    first = export_qdpx(study, tmp_path / "a.qdpx", redact=redact).read_bytes()
    assert export_qdpx(study, tmp_path / "b.qdpx", redact=redact).read_bytes() == first


def test_round_trip_gives_the_same_codings(study, redact, tmp_path):
    path = export_qdpx(study, tmp_path / "p.qdpx", redact=redact)
    imported, warnings = read_qdpx_codings(path, study)
    assert warnings == []
    assert sorted((c.segment_id, c.code_id, c.start, c.end) for c in imported) == sorted(
        (c.segment_id, c.code_id, c.start, c.end) for c in study.codings
    )


def test_offset_map_through_placeholders():
    original = "Spørg Mette Hansen i Lemvig om det."
    exported = "Spørg [PERSON 1] i [KOMMUNE] om det."
    positions = offset_map(exported, original)
    start = exported.index("om det")
    assert original[positions[start] : positions[len(exported)]] == "om det."
    assert positions[exported.index("[PERSON 1]")] == original.index("Mette")


def test_qdc_validates_and_imports_as_a_loadable_codebook(small_codebook, tmp_path, codebook_schema):
    path = export_qdc(small_codebook, tmp_path / "codebook.qdc")
    assert codebook_schema.validate(etree.parse(str(path))), codebook_schema.error_log
    codebook = import_qdc(path, tmp_path / "imported.yaml")
    assert len(codebook.codes) == len(small_codebook.codes)
    assert codebook.codes[0].id == "barrierer.utilstraekkelig_integration_af_it_systemer"
    assert codebook.codes[0].description == "IT-systemer der ikke taler sammen."
    assert all(not code.patterns for code in codebook.codes)
    assert import_qdc(path, tmp_path / "again.yaml").code_ids == codebook.code_ids


def test_slug_is_stable_for_danish_names():
    assert slug("Økonomi & styring på tværs") == "oekonomi_styring_paa_tvaers"
    assert slug("3 direktører") == "k_3_direktoerer"

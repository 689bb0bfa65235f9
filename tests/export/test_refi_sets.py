"""REFI-QDA Sets in the .qdpx: one per code family (its codes as MemberCode) and one per material and size
group (their sources as MemberSource), valid against the XSD, named as the export shows the values, read by
QualCoder as it reads Sets (a Set with sources becomes a file attribute named after it, codes are left
out) and ignored by `hoi import-qdpx` (a study has no home for them)."""

from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from hoi_nlp.export.refi import export_qdpx
from hoi_nlp.qda import PROJECT_NS, guid
from tests.conftest import DATA

NS = {"q": PROJECT_NS}


@pytest.fixture(scope="module")
def project_schema():
    return etree.XMLSchema(etree.parse(str(DATA / "refi" / "Project-mrt2019.xsd")))


def _root(path):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"))


def _sets(root) -> dict[str, etree._Element]:
    return {s.get("name"): s for s in root.iterfind("q:Sets/q:Set", NS)}


def test_a_set_per_code_family_and_per_material_and_size_group(study, redact, tmp_path, project_schema):
    root = _root(export_qdpx(study, tmp_path / "p.qdpx", redact=redact))
    assert project_schema.validate(root), project_schema.error_log
    sets = _sets(root)
    for family in study.codebook.families:
        element = sets[f"Kodefamilie: {family.label}"]
        members = [m.get("targetGUID") for m in element.iterfind("q:MemberCode", NS)]
        assert members == [guid("code", c.id) for c in family.codes]
    sources = {s.get("guid"): s for s in root.iterfind("q:Sources/q:TextSource", NS)}
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}

    def shown(source, name):  # the source's own variable value, as the export shows it
        return next(v.findtext("q:TextValue", namespaces=NS) for v in source.iterfind("q:VariableValue", NS)
                    if variables[v.find("q:VariableRef", NS).get("targetGUID")] == name)

    groups = {name: s for name, s in sets.items() if not name.startswith("Kodefamilie: ")}
    assert sorted(groups) == ["Materiale: interview", "Materiale: survey", "Størrelsesgruppe: Mindre kommune",
                              "Størrelsesgruppe: Større kommune"]
    for name, element in groups.items():
        label, value = name.split(": ", 1)
        variable = {"Materiale": "material (kilde)", "Størrelsesgruppe": "size_group (kilde)"}[label]
        members = {m.get("targetGUID") for m in element.iterfind("q:MemberSource", NS)}
        assert members == {g for g, s in sources.items() if shown(s, variable) == value}, name
    assert len(groups["Materiale: interview"].findall("q:MemberSource", NS)) == 1
    # QualCoder makes a Set with sources a file attribute of its name: one no Variable has, or it refuses it
    assert not set(groups) & set(variables.values())
    assert len(sets) == len(set(sets))


def test_no_sets_of_identifying_attributes_and_names_as_pseudonymised(study, redact, tmp_path):
    """The municipality is no group of a pseudonymised export; a raw export's Sets are the same groups."""
    for raw in (False, True):
        root = _root(export_qdpx(study, tmp_path / f"p{raw}.qdpx", redact=redact, raw=raw))
        names = " ".join(_sets(root))
        assert "Lemvig" not in names and "Vejle" not in names and "Kommune:" not in names


def test_import_qdpx_reads_a_project_with_sets_and_leaves_them(coded_workspace, small_codebook, tmp_path):
    from tests.export.test_refi_import import _import, export_project

    path = export_project(coded_workspace, small_codebook, tmp_path / "export" / "sets.qdpx")
    assert _sets(_root(path))
    summary = _import(coded_workspace, small_codebook, path, analyst="ana")
    assert summary.decisions == {"unchanged": 7} and summary.warnings == ()

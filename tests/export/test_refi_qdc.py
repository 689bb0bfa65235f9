""".qdc import keeps hoi's code ids: from the [hoi: id] tag, or from the GUIDs hoi wrote; new codes get ids
from their names. Codebooks as QualCoder, NVivo and ATLAS.ti write them back (BOM, other namespace
versions, new GUIDs, codes moved or copied)."""

from __future__ import annotations

import subprocess
import uuid

from lxml import etree

from hoi_nlp.codebook import load_codebook
from hoi_nlp.export.refi import codebook_xml
from hoi_nlp.review.refi_import import convert_qdc, import_qdc
from tests.conftest import REPO
from tests.export.test_refi_import import HOI

NS = "urn:QDA-XML:codebook:1.0"
Q = f"{{{NS}}}"


def _codes(root, codable=True):
    return [c for c in root.iter(Q + "Code") if (c.get("isCodable") == "true") == codable]


def _write(root, path, *, bom=False, namespace=None):
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    if namespace:
        data = data.replace(NS.encode(), namespace.encode())
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def test_the_bundled_codebook_comes_back_with_its_ids_and_patterns(hoi_codebook, tmp_path):
    path = _write(etree.fromstring(codebook_xml(hoi_codebook)), tmp_path / "codebook.qdc")
    result = convert_qdc(path, tmp_path / "back.yaml", known=hoi_codebook)
    codebook = result.codebook
    assert codebook.code_ids == hoi_codebook.code_ids and codebook.family_ids == hoi_codebook.family_ids
    assert result.kept == len(hoi_codebook.codes)
    assert [c.label for c in codebook.codes] == [c.label for c in hoi_codebook.codes]
    assert [len(c.patterns) for c in codebook.codes] == [len(c.patterns) for c in hoi_codebook.codes]
    assert [c.include for c in codebook.codes] == [c.include for c in hoi_codebook.codes]


def test_a_qualcoder_codebook_keeps_ids_by_tag_despite_new_guids(small_codebook, tmp_path):
    root = etree.fromstring(codebook_xml(small_codebook))
    root.set("origin", "QualCoder")
    for code in root.iter(Q + "Code"):
        code.set("guid", str(uuid.uuid4()))  # QualCoder makes new GUIDs on export
    path = _write(root, tmp_path / "Codebook-projekt.qdc", bom=True)
    assert import_qdc(path, tmp_path / "k.yaml").code_ids == small_codebook.code_ids


def test_ids_come_from_guids_when_the_tags_are_gone(small_codebook, tmp_path):
    root = etree.fromstring(codebook_xml(small_codebook))
    for description in root.iter(Q + "Description"):
        description.getparent().remove(description)
    path = _write(root, tmp_path / "k.qdc", namespace="urn:QDA-XML:codebook:0:4")  # ATLAS.ti 26
    assert import_qdc(path, tmp_path / "k.yaml", known=small_codebook).code_ids == small_codebook.code_ids
    derived = import_qdc(path, tmp_path / "k2.yaml")  # without the codebook hoi cannot know: ids from names
    assert derived.codes[0].id == "barrierer.utilstraekkelig_integration_af_it_systemer"


def test_new_moved_and_copied_codes(small_codebook, tmp_path):
    root = etree.fromstring(codebook_xml(small_codebook))
    barrier, area = _codes(root, codable=False)
    it = _codes(barrier)[0]
    area.append(it)  # moved to another category: keeps its id, and so its family
    copy = etree.fromstring(etree.tostring(it))
    copy.set("guid", str(uuid.uuid4()))
    copy.set("name", "IT (kopi)")
    area.append(copy)  # copied with its description (and tag): the copy gets a new id
    new = etree.SubElement(barrier, Q + "Code", guid=str(uuid.uuid4()), name="Nye regler i 2025",
                           isCodable="true", color="#123456")
    etree.SubElement(new, Q + "Description").text = "Tilføjet i NVivo."
    path = _write(root, tmp_path / "k.qdc", namespace="urn:QDA-XML:codebook:1:0")
    result = convert_qdc(path, tmp_path / "k.yaml")
    ids = result.codebook.code_ids
    assert "barrier.it_integration" in ids and "barrier.nye_regler_i_2025" in ids
    assert "area.it_kopi" in ids and result.kept == 3
    assert result.codebook.code("barrier.nye_regler_i_2025").description == "Tilføjet i NVivo."
    assert result.codebook.code("barrier.it_integration").label == "Utilstrækkelig integration af IT-systemer"


def test_cli_import_qdc_reports_kept_and_new_ids(small_codebook, tmp_path):
    root = etree.fromstring(codebook_xml(small_codebook))
    etree.SubElement(_codes(root, codable=False)[1], Q + "Code", guid=str(uuid.uuid4()), name="Sundhed",
                     isCodable="true")
    path = _write(root, tmp_path / "k.qdc")
    result = subprocess.run([*HOI, "codebook", "import-qdc", str(path), "-o", str(tmp_path / "k.yaml")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "2 families, 4 codes (3 with hoi's ids kept, 1 new: add patterns or examples" in result.stdout
    assert load_codebook(tmp_path / "k.yaml").code_ids[-1] == "area.sundhed"


QUALCODER_QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" xsi:schemaLocation="urn:QDA-XML:codebook:1.0 Codebook.xsd" \
origin="QualCoder" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Codes>
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000001" name="Løs kode" isCodable="true" color="#F781F3" />
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000002" name="Barrierer" isCodable="false">
<Description>Kategori for barrierer
med linjeskift</Description>
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000003" name="Lovgivning" isCodable="true" color="#81BEF7">
<Description>Modstridende lovgivning.
Linje to &amp; mere.</Description>
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000004" name="Serviceloven" isCodable="true" color="#81BEF7" />
</Code>
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000006" name="Underkategori" isCodable="false">
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000007" name="IT" isCodable="true" color="#ff0000" />
</Code>
</Code>
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000008" name="Mål" isCodable="true" color="#00ff00">
<Description>En kode med underkoder</Description>
<Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000009" name="Beskæftigelse" isCodable="true" color="#00aa00" />
</Code>
<Code guid="0b5e1c2a-1111-4a5b-9c1d-00000000000a" name="Tom kategori" isCodable="false" />
</Codes>
</CodeBook>"""


def test_a_qualcoder_codebook_with_nested_codes_says_how_they_fit_two_levels(small_codebook, tmp_path):
    """QualCoder nests codes under codes and categories under categories, and writes empty categories:
    nested codes become codes of the top category's family (named in a note), a code with sub-codes is
    a family and a code of it (its codings must have a code), an empty category is no code at all."""
    path = tmp_path / "Codebook-qc.qdc"
    path.write_bytes(b"\xef\xbb\xbf" + QUALCODER_QDC.encode("utf-8"))  # QualCoder writes utf-8-sig
    result = convert_qdc(path, tmp_path / "qc.yaml", known=small_codebook)
    codebook = result.codebook
    labels = {c.id: c.label for c in codebook.codes}
    assert labels == {"barrierer.lovgivning": "Lovgivning", "barrierer.serviceloven": "Serviceloven",
                      "barrierer.it": "IT", "maal.maal": "Mål", "maal.beskaeftigelse": "Beskæftigelse",
                      "oevrige_koder.loes_kode": "Løs kode"}
    assert "Tom kategori" not in labels.values() and "tom" not in " ".join(codebook.family_ids)
    assert codebook.code("barrierer.lovgivning").description == "Modstridende lovgivning.\nLinje to & mere."
    assert codebook.code("barrierer.lovgivning").color == "#81BEF7"
    assert result.notes == (
        "2 code(s) nested deeper than one level under 'Barrierer' are codes of that family (hoi codebooks "
        "have two levels): 'Lovgivning / Serviceloven', 'Underkategori / IT'",
        "code 'Mål' has sub-codes: it is a family and a code of that family (hoi codebooks have two levels)",
        "category 'Tom kategori' holds no codes: not imported",
    )
    cli = subprocess.run([*HOI, "codebook", "import-qdc", str(path), "-o", str(tmp_path / "cli.yaml")],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert "Note: category 'Tom kategori' holds no codes: not imported" in cli.stderr


def test_a_codebook_without_codes_is_an_error(small_codebook, tmp_path):
    """A .qdc of categories only wrote an empty codebook (0 families, 0 codes) and said it had worked: now
    an error that writes nothing."""
    import pytest

    from hoi_nlp.errors import CodebookError

    empty = tmp_path / "tom.qdc"
    empty.write_text('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
                     'origin="QualCoder"><Codes><Code guid="0b5e1c2a-1111-4a5b-9c1d-000000000009" '
                     'name="Tom kategori" isCodable="false" /></Codes></CodeBook>', encoding="utf-8")
    with pytest.raises(CodebookError, match="the codebook holds no codes"):
        convert_qdc(empty, tmp_path / "tom.yaml", known=small_codebook)
    assert not (tmp_path / "tom.yaml").exists()
    assert not list(tmp_path.glob("*.yaml"))


def test_a_qdpx_project_given_to_import_qdc_gives_its_codebook(coded_workspace, small_codebook, tmp_path):
    """A .qdpx given instead of a .qdc failed with 'Start tag expected': its project's codebook is read."""
    from tests.export.test_refi_import import export_project

    project = export_project(coded_workspace, small_codebook, tmp_path / "export" / "p.qdpx")
    result = convert_qdc(project, tmp_path / "p.yaml", known=small_codebook)
    assert result.codebook.code_ids == small_codebook.code_ids and result.kept == len(small_codebook.codes)


def test_codes_nested_under_another_family_keep_their_own_and_are_not_said_to_move(hoi_codebook, tmp_path):
    """A hoi family nested inside a code of another family (QualCoder lets an analyst drag it there): its
    codes keep their ids and so their family; the note names only codes that do become codes of the top
    category's family (it used to name them all)."""
    root = etree.fromstring(codebook_xml(hoi_codebook))
    first, second = _codes(root, codable=False)[:2]
    _codes(first)[0].append(second)
    new = etree.SubElement(_codes(first)[0], Q + "Code", guid=str(uuid.uuid4()), name="Ny underkode",
                           isCodable="true")
    path = _write(root, tmp_path / "nested.qdc")
    cli = subprocess.run([*HOI, "codebook", "import-qdc", str(path), "-o", str(tmp_path / "n.yaml"), "-c",
                          str(REPO / "configs" / "codebooks" / "hoi.yaml")],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    codebook = load_codebook(tmp_path / "n.yaml")
    assert codebook.family_ids == hoi_codebook.family_ids
    assert {c.id for c in codebook.codes} - {c.id for c in hoi_codebook.codes} == {
        f"{hoi_codebook.families[0].id}.ny_underkode"}
    top = first.get("name")
    assert (f"Note: 1 code(s) nested deeper than one level under '{top}' are codes of that family (hoi "
            f"codebooks have two levels): '{_codes(first)[0].get('name')} / {new.get('name')}'") in cli.stderr

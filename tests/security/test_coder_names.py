"""An analyst who shares a name with someone in the study: the demo's interviewer Sofie Lund (named in
the transcripts' metadata.csv) reviews under her own name. Every export failed ("1 original name(s)
would leak ... report this as a bug") because the coder column, the .qdpx users and the memos' «Memo
(Sofie Lund):» named her. Exports name who coded; the study's texts stay guarded against her name."""

from __future__ import annotations

import zipfile

import pytest

from hoi_nlp.errors import ExportError
from hoi_nlp.privacy.guard import LeakGuard
from hoi_nlp.privacy.key import PseudonymKey
from hoi_nlp.review.decisions import record_decision
from hoi_nlp.store import Workspace, load_assignments, load_segments
from tests.conftest import hoi

FORMATS = ("xlsx", "csv", "parquet", "md", "docx", "html", "qdpx")


@pytest.mark.parametrize("analyst", ["Sofie Lund", "sofie"])
def test_the_interviewer_reviewing_under_her_own_name_can_export(demo_copy, tmp_path, analyst):
    workspace = Workspace.open(demo_copy, create=False)
    unit = next(s for s in load_segments(workspace, codable=True) if s.source_id.startswith("int03"))
    record_decision(workspace, segment_id=unit.segment_id, action="add", analyst=analyst,
                    code_id="barrier.it_integration")
    suggested = next(a for a in load_assignments(workspace) if a.segment_id.startswith("int03")
                     and a.code_id != "barrier.it_integration")
    record_decision(workspace, segment_id=suggested.segment_id, action="accept", analyst=analyst,
                    code_id=suggested.code_id)
    record_decision(workspace, segment_id=unit.segment_id, action="memo", analyst=analyst,
                    memo="Direktøren nævner it igen.")
    workspace.engine.dispose()
    out = tmp_path / "out"
    hoi("export", str(demo_copy), "-o", str(out), *(f"--format={f}" for f in FORMATS if f != "qdpx"))
    hoi("export", str(demo_copy), "-o", str(out / "projekt.qdpx"))
    codes = (out / "coded_dataset_codes.csv").read_text(encoding="utf-8-sig")
    assert f",{analyst}," in codes
    with zipfile.ZipFile(out / "projekt.qdpx") as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert f'name="{analyst}"' in project and f"Memo ({analyst}): Direktøren nævner it igen." in project
    assert f"tilføjet af {analyst}" in project and f"accepteret af {analyst} (hoi_nlp " in project
    # her name as the interviewer is still hidden wherever the study's words are shown
    assert "Sofie Lund" not in (out / "quotes.md").read_text(encoding="utf-8").replace(f"({analyst})", "")


def _guard(*coders: str) -> LeakGuard:
    originals = {"Sofie Lund": "[INTERVIEWER 1]", "Sofie": "[PERSON 1]"}
    key = PseudonymKey(study="s", persons={}, originals=originals, pinned={"Sofie Lund"}, signed=set())
    return LeakGuard.build(key, analysts=coders)


@pytest.mark.parametrize("text", [
    "Sofie sagde, at it-systemerne ikke taler sammen.",  # in a text
    "Ja. Sofie Lund: Og hvad så med jobcentret?",  # a speaker's label left in a text
    "vi talte med en af Sofie Lunds kolleger",
    "tilføjet af Sofie. Og så videre",
    '"Sofie, kan du fortælle om det?",R001',  # a turn opening a CSV field
    "<blockquote>Sofie, kan du sige mere?</blockquote>",
    "min kollega (Sofie) sagde",
    "det blev besluttet af Sofie",
])
def test_a_coders_name_is_still_a_leak_in_the_studys_words(text):
    for guard in (_guard("sofie"), _guard("Sofie Lund")):
        with pytest.raises(ExportError):
            guard.check_text(text, where="sheet 'Segmenter', row 2, column 9")


@pytest.mark.parametrize("text", [
    "sofie",  # the coder cell of a table
    'R001,barrier.it_integration,added,sofie,0.82',  # a CSV line
    '<User guid="b799" name="sofie"/>',
    "<Description>tilføjet af sofie</Description>",
    "<Description>accepteret af sofie (hoi_nlp 0.82); hindring</Description>",
    "Memo (sofie): Direktøren nævner it igen.",
    "| sofie | barrier.it_integration | int03 |",
    "<td>sofie</td>",
])
def test_a_coders_name_where_an_export_says_who_coded_is_no_leak(text):
    assert _guard("sofie").leaks(text) == []
    assert _guard().leaks(text) != []  # the same text from no coder of the study is a leak
    assert _guard("sofie").leaks(text, study_text=True) != []  # a source's own text names no coder

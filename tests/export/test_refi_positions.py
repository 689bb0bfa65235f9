"""Positions in a .qdpx count UTF-16 code units, as QualCoder's editor (Qt) does: an emoji (a character beyond
the Basic Multilingual Plane, as real survey answers have them) counts two there and one in Python. hoi
writes its codings at the positions QualCoder highlights, and reads a coding made in QualCoder on the
characters the analyst selected there; its own codings come back unchanged."""

from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from hoi_nlp.qda import PROJECT_NS
from tests.export import conftest as fixture_study
from tests.export.test_refi_import import NS, Qdpx, _note, export_project

# The fabricated study with emoji: before the director's turn (the coding unit starts after one), inside a
# survey answer and at the end of one.
EMOJI = {
    "R1": ["Vores IT-systemer 💻 taler ikke sammen 😤. Økonomien ligger i søjlerne, og det er svært 👎🏽"],
    "T5": None,  # the interviewer's question gets one
}


def _with_emoji(respondents):
    changed = []
    for respondent, kind, attrs, texts in respondents:
        if respondent == "T5":
            texts = [texts[0].replace("sværeste?\n", "sværeste? 🤔\n")]
        elif EMOJI.get(respondent):
            texts = EMOJI[respondent]
        changed.append((respondent, kind, attrs, texts))
    return changed


@pytest.fixture
def emoji_workspace(request, monkeypatch):
    monkeypatch.setattr(fixture_study, "RESPONDENTS", _with_emoji(fixture_study.RESPONDENTS))
    return request.getfixturevalue("coded_workspace")


@pytest.fixture
def emoji_export(emoji_workspace, small_codebook, tmp_path):
    return export_project(emoji_workspace, small_codebook, tmp_path / "export" / "emoji.qdpx")


def _utf16(text: str, start: int, end: int) -> str:
    """What Qt (QualCoder's editor) shows between two positions of ``text``."""
    data = text.encode("utf-16-le")
    return data[2 * start : 2 * end].decode("utf-16-le")


def _unit(text: str, index: int) -> int:
    """The Qt position of a Python index."""
    return len(text[:index].encode("utf-16-le")) // 2


def _units(workspace):
    from hoi_nlp.store import load_segments

    return {s.source_id: s for s in load_segments(workspace, codable=True)}


def test_qualcoder_highlights_each_coding_on_its_units_text(emoji_workspace, emoji_export):
    project = Qdpx(emoji_export)
    units = _units(emoji_workspace)
    checked = 0
    for source in project.all("TextSource"):
        text = project.text(source)
        for sel in source.findall("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert 0 <= start < end <= len(text.encode("utf-16-le")) // 2
            shown = _utf16(text, start, end)
            assert shown == sel.get("name")[:60] or shown.startswith(sel.get("name").rstrip("…"))
            if "😤" in text or "🤔" in text:
                checked += 1
                # the whole unit: the answer to its last emoji, the director's turn after the question's
                assert shown.endswith("👎🏽") or shown.startswith("Det er mange ting")
    assert checked == 3  # R1's two codings, T5's one
    assert {s for s in units} >= {"R1:q0", "T5"}


def test_a_coding_made_in_qualcoder_after_an_emoji_is_read_on_the_characters_selected(
        emoji_workspace, small_codebook, emoji_export, tmp_path):
    from hoi_nlp.review.refi_import import CodedUnits, plan_import, read_project
    from hoi_nlp.store import load_sources

    project = Qdpx(emoji_export)
    source = next(s for s in project.all("TextSource") if "🤔" in project.text(s))
    text = project.text(source)
    at = text.index("Men helt konkret")  # the analyst selects this sentence in QualCoder: Qt positions
    sentence = text[at : text.index(".", at) + 1]
    project.add_coding(source, _unit(text, at), _unit(text, at + len(sentence)),
                       "barrier.tvaergaaende_oekonomistyring", "ana")
    plan = plan_import(read_project(project.save(tmp_path / "qualcoder.qdpx")),
                       CodedUnits.load(emoji_workspace, small_codebook))
    decided = {d.action: d.segment_id for d in plan.decisions}
    assert decided == {"add": _units(emoji_workspace)["T5"].segment_id, "span": decided["add"]}
    [span] = [d for d in plan.decisions if d.action == "span"]
    t5 = next(s for s in load_sources(emoji_workspace) if s.source_id == "T5")
    assert t5.text[span.start : span.end] == sentence


def test_an_untouched_export_with_emoji_comes_back_unchanged(emoji_workspace, small_codebook, emoji_export):
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx

    summary = import_qdpx(emoji_workspace, emoji_export, CodedUnits.load(emoji_workspace, small_codebook),
                          analyst="ana")
    assert summary.decisions == {"unchanged": 7}, summary
    assert summary.warnings == ()


def test_a_selection_beyond_the_text_counts_utf16_units(emoji_workspace, small_codebook, emoji_export,
                                                         tmp_path):
    from hoi_nlp.errors import ReviewError
    from hoi_nlp.review.refi_import import read_project

    project = Qdpx(emoji_export)
    source = next(s for s in project.all("TextSource") if "😤" in project.text(s))
    length = len(project.text(source).encode("utf-16-le")) // 2
    sel = source.find("q:PlainTextSelection", NS)
    sel.set("endPosition", str(length))  # the end of the text as Qt counts it: still inside
    read_project(project.save(tmp_path / "end.qdpx"))
    sel.set("endPosition", str(length + 1))
    with pytest.raises(ReviewError, match=rf"ends beyond the text \({length} UTF-16 units"):
        read_project(project.save(tmp_path / "beyond.qdpx"))


def test_the_texts_are_utf8_without_bom(emoji_export):
    with zipfile.ZipFile(emoji_export) as archive:
        texts = [archive.read(n) for n in archive.namelist() if n.startswith("sources/")]
        root = etree.fromstring(archive.read("project.qde"))
    assert root.tag == f"{{{PROJECT_NS}}}Project"
    assert texts and all(not t.startswith(b"\xef\xbb\xbf") and b"\r" not in t for t in texts)
    assert any("😤".encode() in t for t in texts)


def test_a_memo_on_a_unit_after_an_emoji_is_annotated_on_its_text_and_comes_back_once(
        emoji_workspace, small_codebook, tmp_path):
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx

    unit = _units(emoji_workspace)["T5"]
    record_decision(emoji_workspace, segment_id=unit.segment_id, action="memo", analyst="bo",
                    memo="Hele turen handler om økonomi")
    path = export_project(emoji_workspace, small_codebook, tmp_path / "export" / "memo.qdpx")
    project = Qdpx(path)
    source = next(s for s in project.all("TextSource") if "🤔" in project.text(s))
    [note] = [n for n in project.all("Note") if n.find("q:PlainTextSelection", NS) is not None]
    sel = note.find("q:PlainTextSelection", NS)
    annotated = _utf16(project.text(source), int(sel.get("startPosition")), int(sel.get("endPosition")))
    assert annotated.startswith("Det er mange ting") and annotated.endswith("giver os.")
    units = CodedUnits.load(emoji_workspace, small_codebook)
    assert import_qdpx(emoji_workspace, path, units, analyst="ana").decisions == {"unchanged": 7}
    # an annotation made in QualCoder on the director's "D: " (no coding unit): Qt positions, after the emoji
    text = project.text(source)
    at = text.index("\nD: ") + 1
    note_guid = _note(project, None, "Talerskift", span=(_unit(text, at), _unit(text, at + 3)))
    etree.SubElement(source, f"{{{PROJECT_NS}}}NoteRef", targetGUID=note_guid)
    summary = import_qdpx(emoji_workspace, project.save(tmp_path / "annotated.qdpx"), units, analyst="ana",
                          dry_run=True)
    assert summary.decisions == {"unchanged": 7}, summary
    assert "1 notes on text outside the source's coding units" in " ".join(summary.warnings)


@pytest.mark.parametrize("shape", ["qualcoder-3.8", "nvivo", "maxqda", "atlas.ti"])
def test_an_export_with_emoji_in_each_tools_shape_comes_back_unchanged(shape, emoji_workspace, small_codebook,
                                                                      emoji_export, tmp_path):
    """Also with CRLF line breaks counted as two (NVivo) or one (ATLAS.ti) around the emoji, and a BOM."""
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx
    from tests.export.test_refi_import import reshaped

    path = reshaped(emoji_export, shape, tmp_path / f"{shape}.qdpx")
    summary = import_qdpx(emoji_workspace, path, CodedUnits.load(emoji_workspace, small_codebook),
                          analyst="ana", dry_run=True)
    assert summary.decisions == {"unchanged": 7, **({"memo": 2} if shape == "nvivo" else {})}, summary
    assert summary.warnings == ()


@pytest.fixture
def greeted_workspace(request, monkeypatch):
    """The fabricated study with twenty lines of the interviewer's greeting before T5's question."""
    respondents = [(respondent, kind, attrs,
                    ["I: Velkommen.\n" * 20 + texts[0]] if respondent == "T5" else texts)
                   for respondent, kind, attrs, texts in fixture_study.RESPONDENTS]
    monkeypatch.setattr(fixture_study, "RESPONDENTS", respondents)
    return request.getfixturevalue("coded_workspace")


def test_an_annotation_in_a_file_counting_crlf_as_two_lands_on_its_unit(greeted_workspace, small_codebook,
                                                                         tmp_path):
    """NVivo counts a CRLF as two characters in notes' spans as in selections: a note's span was read as if
    a CRLF counted one, so a note on the director's last words (after twenty lines) fell beyond the text and
    was dropped with a warning (nearer the start of a source, on a neighbouring unit)."""
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx, plan_import, read_project
    from tests.export.test_refi_import import _crlf, _note

    project = Qdpx(export_project(greeted_workspace, small_codebook, tmp_path / "export" / "greeted.qdpx"))
    source = next(s for s in project.all("TextSource") if "Velkommen" in project.text(s))
    text = project.text(source)
    start, end = _unit(text, text.index("giver os.")), _unit(text, len(text))
    start, end = start + text.count("\n"), end + text.count("\n")  # as NVivo counts: each LF a CRLF
    _crlf(project, counted_twice=True)
    note_guid = _note(project, None, "Loven er afgørende", span=(start, end))
    etree.SubElement(source, f"{{{PROJECT_NS}}}NoteRef", targetGUID=note_guid)
    path = project.save(tmp_path / "nvivo.qdpx")
    units = CodedUnits.load(greeted_workspace, small_codebook)
    [memo] = [d for d in plan_import(read_project(path), units).decisions if d.action == "memo"]
    assert memo.segment_id == _units(greeted_workspace)["T5"].segment_id
    summary = import_qdpx(greeted_workspace, path, units, analyst="ana", dry_run=True)
    assert summary.decisions == {"unchanged": 7, "memo": 1}, summary
    assert summary.warnings == ()


def test_an_empty_selection_inside_an_emoji_stays_empty(emoji_workspace, small_codebook, emoji_export,
                                                        tmp_path):
    """A selection whose start and end are one position between an emoji's two UTF-16 units widened to the
    emoji and was imported as a coding."""
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx

    project = Qdpx(emoji_export)
    source = next(s for s in project.all("TextSource") if "😤" in project.text(s))
    text = project.text(source)
    inside = _unit(text, text.index("😤")) + 1
    project.add_coding(source, inside, inside, "barrier.tvaergaaende_oekonomistyring", "ana")
    summary = import_qdpx(emoji_workspace, project.save(tmp_path / "empty.qdpx"),
                          CodedUnits.load(emoji_workspace, small_codebook), analyst="ana", dry_run=True)
    assert summary.decisions == {"unchanged": 7}, summary
    assert "1 empty selections" in " ".join(summary.warnings)

"""A link to a coding unit made before its transcript was corrected (a bookmark, a link in a memo or an
e-mail, the id a pseudonymised export shows): the unit's words unchanged, at new offsets under a new id,
the app answered «no coding unit»; it now leads to the unit as it is now, and says why when the unit's own
words changed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from hoi_nlp.review.accounts import add_user
from tests.review.conftest import PASSWORD, login, make_client, shown_id
from tests.review.test_changed_source_decisions import TURNS, _corrected, _opened, _run, _unit, _write


def test_a_link_to_a_unit_before_its_transcript_was_corrected_leads_to_it_now(tmp_path: Path, small_cb):
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    _write(study, TURNS)
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        solved, typo = _unit(workspace, "Ja, på IT-delen"), _unit(workspace, "Altså, øh")
        add_user(workspace, "anna", PASSWORD)  # without original-text rights: keyed ids in her links
        add_user(workspace, "chef", PASSWORD, can_see_original=True)
        reader = make_client(workspace, small_cb)
        login(reader, "anna")
        links = {"solved": shown_id(reader, solved), "typo": shown_id(reader, typo)}  # her bookmarks
    _write(study, _corrected(TURNS))
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        now = _unit(workspace, "Ja, på IT-delen")
        assert now != solved
        seer, reader = make_client(workspace, small_cb), make_client(workspace, small_cb)
        login(seer, "chef")
        login(reader, "anna")
        for client, old, new in ((seer, solved, now), (reader, links["solved"], shown_id(reader, now))):
            moved = client.get(f"/segment/{old}?status=all")
            assert moved.status_code == 303, moved.text[-500:]
            assert unquote(moved.headers["location"]) == f"/segment/{new}?status=all"
            page = client.get(moved.headers["location"])
            assert page.status_code == 200 and "fælles løsning" in page.text
        # the unit whose own words were corrected: not found, and the page says why
        for client, old in ((seer, typo), (reader, links["typo"])):
            gone = client.get(f"/segment/{old}")
            assert gone.status_code == 404
            assert "its transcript was corrected" in gone.text, gone.text[-800:]
            client.cookies.set("hoi_lang", "da")
            assert "transskriptionen er rettet" in client.get(f"/segment/{old}").text
        assert typo not in reader.get(f"/segment/{links['typo']}").text
        # an id of no unit, then or now: the units' former ids were worked out once, not per request
        redactor, worked_out = reader.app.state.config.privacy.redactor, []
        real = redactor._opaque
        redactor._opaque = lambda *parts, length: worked_out.append(parts) or real(*parts, length=length)
        source_part = links["solved"].rpartition(":")[0]
        assert reader.get(f"/segment/{source_part}:a-0000000000").status_code == 404
        worked_out.clear()
        assert reader.get(f"/segment/{source_part}:a-0000000001").status_code == 404
        assert [parts for parts in worked_out if parts[0] == "segment"] == []


def test_a_link_to_a_unit_before_its_source_was_renamed_leads_to_it_now(study_ws, small_cb):
    """A bookmark (or a pseudonymised export's id) from before a source was renamed (its interview_id
    changed) answered «no coding unit»: the moves were looked up under the sources' ids now."""
    from hoi_nlp.store import load_segments
    from tests.conftest import rename_source

    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "chef", PASSWORD, can_see_original=True)
    seer, reader = make_client(study_ws, small_cb), make_client(study_ws, small_cb)
    login(seer, "chef")
    login(reader, "anna")
    unit = next(s for s in load_segments(study_ws, codable=True) if s.source_id.startswith("R001:"))
    bookmark = shown_id(reader, unit.segment_id)
    new_source = unit.source_id.replace("R001", "R901")
    assert rename_source(study_ws, unit.source_id, new_source, respondent_id="R901")
    now = new_source + ":" + unit.segment_id.rpartition(":")[2]
    for client, old, new in ((seer, unit.segment_id, now), (reader, bookmark, shown_id(reader, now)),
                             (seer, bookmark, now)):
        moved = client.get(f"/segment/{old}")
        assert moved.status_code == 303, moved.text[-500:]
        assert unquote(moved.headers["location"]) == f"/segment/{new}"
        assert client.get(moved.headers["location"]).status_code == 200


def test_a_reader_with_rights_is_told_why_an_export_s_id_of_a_changed_unit_is_gone(tmp_path: Path, small_cb):
    """The id a pseudonymised export shows for a unit whose own words were corrected since, opened by a
    reviewer with original-text rights: the source was looked for under the id that reviewer is shown (the
    real one), not the export's opaque one (the file name holds a name), so the page said only «no coding
    unit»."""
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    written = study / "transcripts" / "interview_01.txt"  # as _write writes it
    named = written.with_name("interview_Mette_Hansen.txt")
    _write(study, TURNS)
    written.replace(named)
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        add_user(workspace, "chef", PASSWORD, can_see_original=True)
        exported = shown_id(make_client(workspace, small_cb), _unit(workspace, "Altså, øh"))
    assert exported.startswith("id-")
    _write(study, _corrected(TURNS))
    written.replace(named)
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        seer = make_client(workspace, small_cb)
        login(seer, "chef")
        gone = seer.get(f"/segment/{exported}")
        assert gone.status_code == 404 and "its transcript was corrected" in gone.text, gone.text[-800:]

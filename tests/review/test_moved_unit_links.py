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

"""A unit page's place in its list (Previous, Next, "n / total") comes from the units and lists the app
keeps between requests: it is the list page's order under every filter and for both rights levels, and
it follows decisions, re-coding and other writers of the study at the next request."""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import sys
from urllib.parse import unquote

import pytest

from hoi_nlp.review.accounts import add_user
from hoi_nlp.review.decisions import current_state, record_decision
from hoi_nlp.store import replace_assignments
from tests.review.conftest import PASSWORD, csrf_of, login, make_client, shown_id
from tests.sql_count import reading, statements

FILTERS = ("", "status=all", "code=barrier.it_integration", "status=all&code=barrier.it_integration",
           "band=high", "status=all&band=mid", "family=barrier", "status=accepted", "status=rejected",
           "status=flagged", "status=all&speaker=D", "question=4.2a_indsats1", "status=all&source=INT-A",
           "status=all&attr=region%3DRegion+Midtjylland", "status=all&attr=role%3DDirekt%C3%B8r")


def _listed(client, query: str) -> list[str]:
    """The units a list page lists, in its order (the ids its links carry)."""
    mode = "browse" if "status=" in query else "queue"
    page = client.get(f"/{mode}?{query}")
    assert page.status_code == 200, page.text
    return list(dict.fromkeys(unquote(u) for u in re.findall(r'href="/segment/([^"?]+)', page.text)))


def _place(client, unit: str, query: str) -> tuple[str, str, str]:
    """(position text, previous unit, next unit) as a unit page shows them ("" when none)."""
    page = client.get(f"/segment/{unit}" + (f"?{query}" if query else ""))
    assert page.status_code == 200, page.text
    text = page.text
    position = re.search(r'<span class="pos">([^<]*)</span>', text).group(1).strip()
    prev = re.search(r'data-prev="([^"]*)"', text).group(1)
    nxt = re.search(r'data-next="([^"]*)"', text).group(1)
    ids = [unquote(html_lib.unescape(v).split("?")[0].removeprefix("/segment/")) if v.startswith("/segment/")
           else "" for v in (prev, nxt)]
    return position, ids[0], ids[1]


def _check_lists(client) -> int:
    """Every unit of every filtered list shows its place in that list; returns how many were opened."""
    opened = 0
    for query in FILTERS:
        listed = _listed(client, query)
        for i, unit in enumerate(listed):
            wrap = listed[0] if query.find("status=") < 0 and listed[0] != unit else ""
            after = listed[i + 1] if i + 1 < len(listed) else wrap
            expected = (f"{i + 1} / {len(listed)}", listed[i - 1] if i else "", after)
            assert _place(client, unit, query) == expected, (query, unit)
            opened += 1
    return opened


@pytest.fixture
def reader(study_ws, small_cb):
    """The app of a reviewer without original-text rights (the pseudonymised view)."""
    client = make_client(study_ws, small_cb, login=False)
    client.get("/login")
    return client


@pytest.fixture
def seer(study_ws, small_cb):
    """The app of a reviewer with original-text rights."""
    add_user(study_ws, "chef", PASSWORD, role="admin", can_see_original=True)
    client = make_client(study_ws, small_cb)
    login(client, "chef")
    return client


def _decide_some(workspace) -> None:
    state = current_state(workspace)
    decided = sorted({seg for seg, _ in state.codes})
    for i, unit in enumerate(decided[::2]):
        code = state.for_segment(unit)[0].code_id
        action = ("accept", "reject", "flag")[i % 3]
        record_decision(workspace, segment_id=unit, action=action, analyst="anna",
                        code_id=code if action != "flag" else None)


@pytest.mark.parametrize("view", ["reader", "seer"])
def test_a_unit_page_shows_its_place_in_the_list_it_was_opened_from(study_ws, view, request):
    client = request.getfixturevalue(view)
    assert _check_lists(client) >= 20
    _decide_some(study_ws)  # written beside the app: lists gain and lose units
    assert _check_lists(client) >= 20


def _queue_place(client, unit):
    return _place(client, unit, "")


def _real(client, shown: str) -> str:
    """The unit behind an id a reviewer without rights has in links."""
    return next(s for s in client.app.state.config.corpus.by_id if shown_id(client, s) == shown)


def test_the_place_follows_a_decision_another_process_writes(study_ws, reader):
    queue = _listed(reader, "")
    first, second, third = queue[:3]
    assert _queue_place(reader, first) == (f"1 / {len(queue)}", "", second)
    pending = [c.code_id for c in current_state(study_ws).for_segment(_real(reader, second))
               if c.status == "suggested"]
    assert pending
    script = ("import sys; from hoi_nlp.store import Workspace; from hoi_nlp.review.decisions import "
              "record_decision as r; w = Workspace.open(sys.argv[1], study='study_small', create=False)\n"
              "for code in sys.argv[3:]: r(w, segment_id=sys.argv[2], action='accept', code_id=code, "
              "analyst='bo')")
    subprocess.run([sys.executable, "-c", script, str(study_ws.root), _real(reader, second), *pending],
                   check=True)
    # the second unit has nothing left to decide: it left the queue, Next skips it
    assert _queue_place(reader, first) == (f"1 / {len(queue) - 1}", "", third)
    # opened from the queue it stays in its place (the list it was opened from, as after a decision)
    assert _queue_place(reader, second) == (f"2 / {len(queue)}", first, third)
    assert _listed(reader, "") == [u for u in queue if u != second]


def test_the_place_follows_a_decision_made_in_the_app_and_its_undo(study_ws, seer):
    queue = _listed(seer, "")
    first, second, third = queue[:3]
    csrf = csrf_of(seer.get(f"/segment/{second}").text)
    pending = [c.code_id for c in current_state(study_ws).for_segment(second) if c.status == "suggested"]
    assert pending
    for code in pending:
        response = seer.post(f"/segment/{second}/decide", data={"action": "reject", "code_id": code},
                             headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert response.status_code == 200
    assert f"2 / {len(queue)}" in response.text  # the decided unit keeps its place on its own page
    assert _queue_place(seer, first) == (f"1 / {len(queue) - 1}", "", third)
    assert seer.post(f"/segment/{second}/undo", data={}, headers={"X-CSRF-Token": csrf}).status_code == 303
    assert _queue_place(seer, first) == (f"1 / {len(queue)}", "", second)


def test_the_place_follows_a_unit_coded_again(study_ws, reader):
    """Re-coding (``hoi code``, ``hoi run``, a retraining's re-scoring) that takes a unit's suggestions
    away takes it out of the queue at the next request."""
    queue = _listed(reader, "")
    first, second, third = queue[:3]
    assert _queue_place(reader, first)[2] == second
    replace_assignments(study_ws, [], segment_ids=[_real(reader, second)])
    assert _queue_place(reader, first) == (f"1 / {len(queue) - 1}", "", third)


def test_a_unit_page_reads_only_its_own_unit_once_the_lists_are_kept(study_ws, reader):
    """A unit page folded every decision over every suggestion of the study and filtered every unit to
    know its neighbours (390 ms at 17k units); once the app keeps the list, a page reads the study's
    suggestions and decisions of its own unit only, also after a decision written beside it."""
    queue = _listed(reader, "")
    _queue_place(reader, queue[0])
    record_decision(study_ws, segment_id=_real(reader, queue[3]), action="flag", analyst="bo")
    for unit in queue[1:4]:
        with statements(study_ws) as sent:
            _queue_place(reader, unit)
        assert reading(sent, "assignments") and reading(sent, "review_decisions")
        assert all(_of_units(s) for s in reading(sent, "assignments")), sent
        # the unit's own decisions, the log's length, the decisions written since the last request and a
        # few reviewed quotes of its codes (its explanations)
        assert all(_of_units(s) or "count(" in s or ".seq > ?" in s or "LIMIT ?" in s
                   for s in reading(sent, "review_decisions"))


def _of_units(statement: str) -> bool:
    """Whether a statement reads named units only (``segment_id = ?``, ``segment_id IN (?, ...)``)."""
    return re.search(r"segment_id (= \?|IN \(\?)", statement) is not None


def test_the_place_follows_a_code_renamed_beside_the_app(study_ws, small_cb, seer):
    """A code renamed (its suggestions and decisions now under its new id) by another analyst's app."""
    from hoi_nlp.review.codebook_edit import rename_code

    renamed = "status=all&code=barrier.it_systemer"
    before = _listed(seer, "status=all&code=barrier.it_integration")
    assert len(before) >= 1 and _listed(seer, renamed) == []
    assert _place(seer, before[0], renamed)[0] == "1 / 1"  # kept in its place in an empty list
    rename_code(study_ws, small_cb, analyst="bo", code_id="barrier.it_integration", label="IT-systemer",
                name="it_systemer")
    assert _listed(seer, renamed) == before
    for i, unit in enumerate(before):
        assert _place(seer, unit, renamed)[0] == f"{i + 1} / {len(before)}"


def test_lists_built_from_a_reload_seen_half_done_are_built_again(study_ws, seer):
    """A request beside a corpus reload could read the new segments with the old units: the kept lists
    were built from the old units and kept (an added interview's units showed «0 / n», totals stayed
    wrong) until the next run. The lists now key on the units read as well."""
    from hoi_nlp.store import load_segments

    config = seer.app.state.config
    corpus = config.corpus
    queue = _listed(seer, "status=all")
    unit = queue[0]
    dropped = next(u for u in queue if u != unit)
    # the reload half done: segments read without `dropped`, units not yet set (the old list)
    corpus.by_id = {s.segment_id: s for s in load_segments(study_ws) if s.segment_id != dropped}
    assert _place(seer, unit, "status=all")[0] == f"1 / {len(queue)}"  # built from the old units
    corpus.units = [u for u in corpus.units if u.segment_id != dropped]  # the reload finishes
    assert _place(seer, unit, "status=all")[0] == f"1 / {len(queue) - 1}"

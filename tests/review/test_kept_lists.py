"""The queue and browse pages of the main review come from the units, lists and counts the app keeps
between requests (:class:`~hoi_nlp.review.app.unit_index.UnitIndex`): once kept, a list page reads no
suggestion or decision of the whole study, and what it shows is what a fresh app shows for the same
study — after decisions made in the app and beside it, an undo, a memo, a unit coded again — for a
reviewer with and one without original-text rights."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hoi_nlp.review.accounts import add_user
from hoi_nlp.review.app.paging import filter_counts
from hoi_nlp.review.app.views import Filters
from hoi_nlp.review.decisions import current_state, record_decision
from hoi_nlp.store import replace_assignments
from tests.review.conftest import PASSWORD, csrf_of, login, make_client
from tests.sql_count import reading, statements

LISTS = ("/queue", "/browse", "/queue?status=all", "/browse?status=accepted", "/browse?status=rejected",
         "/browse?status=flagged", "/browse?status=possible", "/browse?status=added", "/queue?band=high",
         "/browse?band=low", "/queue?family=barrier", "/browse?status=all&code=barrier.it_integration",
         "/queue?code=barrier.it_integration&band=mid", "/browse?speaker=D", "/browse?status=all&speaker=D",
         "/queue?question=4.2a_indsats1", "/browse?source=INT-A",
         "/browse?attr=region%3DRegion+Midtjylland", "/browse?status=pending&attr=role%3DDirekt%C3%B8r",
         "/queue?page=2", "/browse?page=2", "/browse?status=all&page=99")


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    html = re.sub(r'("X-CSRF-Token": ")[^"]+', r"\1X", response.text)
    return re.sub(r'(name="csrf_token" value=")[^"]+', r"\1X", html)


def _pages(client) -> dict[str, str]:
    return {url: _page(client, url) for url in LISTS}


def _clients(study_ws, small_cb, **options):
    """One app, two reviewers: «seer» with original-text rights, «reader» without."""
    add_user(study_ws, "seer", PASSWORD, role="admin", can_see_original=True)
    add_user(study_ws, "reader", PASSWORD, role="analyst", can_see_original=False)
    seer = make_client(study_ws, small_cb, **options)
    seer.app.state.config.settings.review.page_size = 2  # pages of a list too
    login(seer, "seer")
    reader = TestClient(seer.app, base_url="http://127.0.0.1", follow_redirects=False)  # the same app
    login(reader, "reader")
    return seer, reader


def _fresh(study_ws, small_cb, **options) -> dict[str, dict[str, str]]:
    """The list pages as a fresh app shows them (nothing kept yet), for both reviewers."""
    client = make_client(study_ws, small_cb, **options)
    client.app.state.config.settings.review.page_size = 2
    login(client, "seer")
    seen = _pages(client)
    client = make_client(study_ws, small_cb, **options)
    client.app.state.config.settings.review.page_size = 2
    login(client, "reader")
    return {"seer": seen, "reader": _pages(client)}


def _kept(seer, reader) -> dict[str, dict[str, str]]:
    return {"seer": _pages(seer), "reader": _pages(reader)}


def _pending(workspace) -> list[tuple[str, str]]:
    state = current_state(workspace)
    return sorted((seg, code) for (seg, code), s in state.codes.items() if s.status == "suggested")


def test_list_pages_follow_the_study_as_a_fresh_app_shows_it(study_ws, small_cb):
    seer, reader = _clients(study_ws, small_cb)
    before = _kept(seer, reader)
    assert before == _fresh(study_ws, small_cb)
    csrf = csrf_of(seer.get("/codebook").text)
    pending = _pending(study_ws)
    units = [u.segment_id for u in seer.app.state.config.corpus.units]
    assert len(pending) >= 5 and len(units) >= 6
    # decisions through the app, with list pages asked between them
    decided = [("accept", *pending[0]), ("reject", *pending[1]), ("flag", units[3], ""),
               ("memo", units[4], ""), ("add", units[5], "barrier.it_integration"), ("flag", units[2], "")]
    for action, unit, code in decided:
        memo = "Ring til Henrik Sørensen" if action == "memo" else ""
        data = {"action": action, "code_id": code, "memo": memo}
        response = seer.post(f"/segment/{unit}/decide", data=data,
                             headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert response.status_code == 200, response.text[:300]
        _page(reader, "/queue")
        _page(seer, "/browse?status=accepted")
        _page(reader, "/browse?status=flagged")
    after = _kept(seer, reader)
    assert after == _fresh(study_ws, small_cb)
    changed = [url for url in LISTS if after["reader"][url] != before["reader"][url]]
    assert len(changed) >= 8, changed  # the decisions show
    # decisions written beside the app (another analyst's app, an import), then an undo in this one
    record_decision(study_ws, segment_id=pending[2][0], action="reject", analyst="bo", code_id=pending[2][1])
    record_decision(study_ws, segment_id=pending[3][0], action="accept", analyst="bo", code_id=pending[3][1])
    record_decision(study_ws, segment_id=units[-1], action="add", analyst="bo",
                    code_id="barrier.it_integration")
    record_decision(study_ws, segment_id=units[2], action="unflag", analyst="bo")
    assert seer.post(f"/segment/{pending[0][0]}/undo", data={},
                     headers={"X-CSRF-Token": csrf}).status_code == 303
    assert _kept(seer, reader) == _fresh(study_ws, small_cb)
    # a unit coded again (its suggestions gone)
    replace_assignments(study_ws, [], segment_ids=[pending[4][0]])
    assert _kept(seer, reader) == _fresh(study_ws, small_cb)


def test_list_pages_follow_an_active_learning_order(study_ws, small_cb):
    ids = sorted({seg for seg, _ in _pending(study_ws)}, reverse=True)[::2]
    seer, reader = _clients(study_ws, small_cb, order=ids)
    assert _kept(seer, reader) == _fresh(study_ws, small_cb, order=ids)
    for unit, code in _pending(study_ws)[:3]:
        record_decision(study_ws, segment_id=unit, action="accept", analyst="bo", code_id=code)
    assert _kept(seer, reader) == _fresh(study_ws, small_cb, order=ids)


def test_pages_in_flight_with_the_older_order_do_not_thrash_the_kept_lists(study_ws, small_cb, monkeypatch):
    """A new active-learning order (a retraining, `hoi retrain` beside the app) while pages still in flight
    hold the older one: each page of one order evicted the other order's ranks and lists, so every request
    sorted every unit and filtered every list again until the older pages drained (measured on the demo
    study: 866 units filtered per request, alternating). Both orders' lists are now kept; each page shows
    its own order's list, as a fresh app does."""
    from hoi_nlp.review.app import unit_index

    pending = sorted({seg for seg, _ in _pending(study_ws)})
    older, newer = pending[::-1], pending[1:] + pending[:1]
    seer, _reader = _clients(study_ws, small_cb, order=older)
    config = seer.app.state.config
    url = "/queue?status=all"
    shown = {"older": _page(seer, url)}
    config.order = newer
    shown["newer"] = _page(seer, url)
    filtered: list[str] = []
    real = unit_index.unit_matches
    monkeypatch.setattr(unit_index, "unit_matches", lambda *a, **k: filtered.append(a[0]) or real(*a, **k))
    for order, name in ((older, "older"), (newer, "newer")) * 3:  # pages of both orders, interleaved
        config.order = order
        assert _page(seer, url) == shown[name]
    assert not filtered, f"{len(filtered)} units filtered again"
    assert shown["older"] != shown["newer"]
    assert shown["newer"] == _fresh_page(study_ws, small_cb, url, order=newer)


def _fresh_page(study_ws, small_cb, url: str, **options) -> str:
    client = make_client(study_ws, small_cb, **options)
    client.app.state.config.settings.review.page_size = 2
    login(client, "seer")
    return _page(client, url)


@pytest.mark.parametrize("rights", [True, False])
def test_kept_counts_are_the_counts_of_the_study_as_it_is(study_ws, small_cb, rights):
    """The counts a list page shows beside each filter value, kept and updated unit by unit, equal those
    counted from the whole review again."""
    client = make_client(study_ws, small_cb, login=False)
    config = client.app.state.config
    shown = config.privacy if not rights else None
    from hoi_nlp.review.app.views import FULL_VIEW

    shown = shown or FULL_VIEW
    filters = [Filters(), Filters(status="all"), Filters(status="accepted", family="barrier"),
               Filters(status="all", band="high"), Filters(code="barrier.it_integration"),
               Filters(status="rejected"), Filters(status="flagged", speaker="D")]

    def check() -> None:
        state = current_state(study_ws)
        for wanted in filters:
            _, counts, _ = config.unit_index.listing(config.corpus, config.codebook, wanted, shown=shown)
            counted = Filters(**{**wanted.__dict__, "status": wanted.status or "pending"})
            assert counts == filter_counts(config.corpus, state, counted, shown=shown), wanted

    check()
    units = [u.segment_id for u in config.corpus.units]
    decided = [("accept", *p) for p in _pending(study_ws)[:2]] + [("reject", *_pending(study_ws)[2])]
    decided += [("flag", units[2], None), ("add", units[3], "barrier.it_integration"),
                ("unflag", units[2], None), ("remove", units[3], "barrier.it_integration"),
                ("undo-last", units[3], None)]
    for i, (action, unit, code) in enumerate(decided):
        if action == "undo-last":
            from hoi_nlp.review.decisions import load_decisions

            last = load_decisions(study_ws, segment_id=unit)[-1]
            record_decision(study_ws, segment_id=unit, action="undo", analyst="bo", undoes=last.decision_id,
                            code_id=last.code_id)
        else:
            record_decision(study_ws, segment_id=unit, action=action, analyst="bo", code_id=code)
        if i % 2 == 0:
            check()
    check()


def test_a_list_page_reads_no_whole_review_once_kept(study_ws, small_cb):
    """The queue and browse pages folded every decision over every suggestion of the study and counted
    every unit on each request (~0.9 s and ~1.3 s CPU at 17k units); once kept, a list page reads the
    change counters and the decisions written since, nothing of the whole review."""
    seer, reader = _clients(study_ws, small_cb)
    pages = ("/queue", "/browse", "/browse?status=all&band=high", "/queue?page=2")
    for client in (seer, reader):
        for url in pages:
            _page(client, url)
    unit, code = _pending(study_ws)[0]
    record_decision(study_ws, segment_id=unit, action="accept", analyst="bo", code_id=code)
    for client in (seer, reader):
        for url in pages:
            with statements(study_ws) as sent:
                _page(client, url)
            assert not reading(sent, "assignments") or all(_of_units(s) for s in reading(sent, "assignments"))
            assert all(_of_units(s) or "count(" in s or ".seq > ?" in s or "max(" in s
                       for s in reading(sent, "review_decisions")), sent


def _of_units(statement: str) -> bool:
    return re.search(r"segment_id (= \?|IN \(\?)", statement) is not None


def _reader_page_while_seer_opens_a_unit(monkeypatch, seer, reader, unit: str, made: str) -> None:
    """The reader's page under band=high whose list (or counts) is being made, held until released; the
    seer's unit page meanwhile must not wait for it."""
    import threading

    from hoi_nlp.review.app import unit_index
    from hoi_nlp.review.masking import PrivacyView

    making, release = threading.Event(), threading.Event()
    name = "unit_matches" if made == "list" else "count_units"
    real = getattr(unit_index, name)

    def slow(*args, **options):  # the reader's new list (or its counts) takes its time
        shown = options.get("shown", args[-1])
        filters = next(a for a in args if isinstance(a, Filters))
        if isinstance(shown, PrivacyView) and filters.band == "high":
            making.set()
            release.wait(20)
        return real(*args, **options)

    monkeypatch.setattr(unit_index, name, slow)
    opened: list[int] = []
    other = threading.Thread(target=lambda: opened.append(reader.get(_reader_page(reader, unit, made))
                                                          .status_code))
    other.start()
    try:
        assert making.wait(20)
        page = threading.Thread(target=lambda: opened.append(
            seer.get(f"/segment/{unit}?status=all").status_code))
        page.start()
        page.join(10)
        assert opened == [200], "the unit page waited for another reviewer's list"
    finally:
        release.set()
        other.join(20)
    assert opened == [200, 200]


def _reader_page(reader, unit: str, made: str) -> str:
    shown = reader.app.state.config.privacy.segment_id(unit)
    return f"/segment/{shown}?band=high" if made == "list" else "/browse?band=high"


@pytest.mark.parametrize("made", ["list", "counts"])
def test_a_unit_page_does_not_wait_for_a_list_another_reviewer_has_made(study_ws, small_cb, monkeypatch,
                                                                        made):
    """Filtering every unit for a list not kept yet (a reviewer's first page under new filters: a second
    or more at 17k units), or counting them for a list page, held the index's lock, so every other
    reviewer's unit page waited for it; a new list and its counts are now made outside the lock."""
    seer, reader = _clients(study_ws, small_cb)
    unit = _pending(study_ws)[0][0]
    assert seer.get(f"/segment/{unit}?status=all").status_code == 200  # the seer's list: kept
    _reader_page_while_seer_opens_a_unit(monkeypatch, seer, reader, unit, made)


@pytest.mark.parametrize("made", ["list", "counts"])
def test_a_list_older_than_the_changes_remembered_is_made_again_outside_the_lock(study_ws, small_cb,
                                                                                monkeypatch, made):
    """A kept list or its counts not opened for more decision batches than the index remembers could not
    be patched and was made again from every unit under the lock (~1.3 s at 17k): every other reviewer's
    unit page waited for it (found by a read-through)."""
    from hoi_nlp.review.app import unit_index
    from hoi_nlp.review.decisions import record_decision

    monkeypatch.setattr(unit_index, "HISTORY", 2)
    seer, reader = _clients(study_ws, small_cb)
    unit = _pending(study_ws)[0][0]
    assert reader.get(_reader_page(reader, unit, made)).status_code == 200  # kept
    for i in range(5):  # more batches than remembered, each caught up by the seer's page
        record_decision(study_ws, segment_id=unit, action="flag" if i % 2 == 0 else "unflag", analyst="bo")
        assert seer.get(f"/segment/{unit}?status=all").status_code == 200
    _reader_page_while_seer_opens_a_unit(monkeypatch, seer, reader, unit, made)


def test_a_unit_gone_from_the_study_has_next_only_where_its_list_goes_round(study_ws, small_cb):
    """A unit a run removed while its page was being made (the page looked it up before the reload) had
    Next to the first unit of its list under every filter; only the queue goes round to its first unit."""
    client = make_client(study_ws, small_cb, login=False)
    config = client.app.state.config
    index, corpus = config.unit_index, config.corpus
    gone = "R999:1.2_kommentar:a0-10"  # a unit the units read now do not hold
    queue, _, _ = index.listing(corpus, config.codebook, Filters())
    every, _, _ = index.listing(corpus, config.codebook, Filters(status="all"))
    place = index.place(corpus, config.codebook, Filters(), gone)
    assert (place.position, place.prev_id, place.next_id) == (0, None, queue[0].segment.segment_id)
    for filters in (Filters(status="all"), Filters(status="accepted"), Filters(status="all", band="high")):
        place = index.place(corpus, config.codebook, filters, gone)
        assert (place.position, place.prev_id, place.next_id) == (0, None, None), filters
    last = every[-1].segment.segment_id  # the end of a list that does not go round: no Next either
    assert index.place(corpus, config.codebook, Filters(status="all"), last).next_id is None


def test_a_facet_link_is_the_filters_query_with_its_value():
    """Browse's facet links (one per value: every source of the study) are made by Filters.linker, the
    other filters encoded once: the same query string as Filters.query."""
    import random

    from hoi_nlp.review.app.views import FILTER_KEYS

    values = ["", "a", "x y", "æ=ø&b", "role=Direktør", "R#1?%", "7", "[PERSON 3]"]
    pick = random.Random(1)
    for _ in range(3000):
        filters = Filters(**{k: pick.choice(values) for k in FILTER_KEYS})
        key, value = pick.choice(FILTER_KEYS), pick.choice(values)
        assert filters.linker(key)(value) == filters.query(**{key: value}), (filters, key, value)


def test_a_reviewer_without_rights_never_gets_what_is_kept_for_one_with_them(study_ws, small_cb):
    """Lists, counts and facet values are kept per view: a reviewer with rights browsing by a speaker's
    name first leaves nothing a reviewer without rights is then shown (their lists filter by
    placeholders, their facets and counts show them)."""
    from sqlalchemy import update

    from hoi_nlp.store import UNITS_COUNTER, count_change, segments_table

    with study_ws.engine.begin() as conn:  # an interview whose respondent is labelled by name
        named = segments_table.c.source_id == "INT-A", segments_table.c.speaker == "D"
        conn.execute(update(segments_table).where(*named).values(speaker="Henrik Holm"))
        count_change(conn, UNITS_COUNTER)
    seer, reader = _clients(study_ws, small_cb)
    named = ("/browse", "/browse?status=all&speaker=Henrik+Holm", "/queue?speaker=Henrik+Holm",
             "/browse?status=all")
    for url in named:
        assert "Henrik Holm" in _page(seer, url), url  # kept with the name, for the seer
    for url in ("/browse", "/browse?status=all", "/queue", "/browse?status=all&band=high"):
        assert "Henrik" not in _page(reader, url), url
    for url in named[1:3]:  # the name typed as a filter matches nothing the reader is shown
        assert re.search(r'id="list-summary">0 ', _page(reader, url)), url
    assert _kept(seer, reader) == _fresh(study_ws, small_cb)



def _learn_while_made(monkeypatch, reader, module, name: str) -> list[bool]:
    """``module.name`` (a step of making the reader's page) with the key learning, on its first call, that
    «Int» is a name (as another page or a run beside the app teaches it): «INT-A» then holds a name."""
    from hoi_nlp.review.masking import PrivacyView

    redactor, real, learnt = reader.app.state.config.privacy.redactor, getattr(module, name), []

    def learn_meanwhile(*args, **options):
        made = real(*args, **options)
        for_reader = name == "page_of" or any(isinstance(a, PrivacyView) for a in [*args, *options.values()])
        if for_reader and not learnt:
            learnt.append(True)
            with redactor._lock:
                redactor.key.placeholder_for("PERSON", "Int")
        return made

    monkeypatch.setattr(module, name, learn_meanwhile)
    return learnt


@pytest.mark.parametrize("step", ["page_of", "unit_matches", "count_units"])
def test_a_list_page_is_made_with_one_key_of_the_study(study_ws, small_cb, monkeypatch, step):
    """The key's stamp was read apart from the list it guards: a list page whose key learnt a name while it
    was made (a source id «INT-A» that now holds a name, shown as an opaque id from then on) listed the
    units its filter «source=INT-A» found with the older key, shown with the newer one: the reviewer
    without rights saw which opaque id is «INT-A». A page is made again when the key moved meanwhile."""
    from hoi_nlp.review.app import routes, unit_index

    seer, reader = _clients(study_ws, small_cb)
    url = "/browse?status=all&source=INT-A"
    if step == "page_of":
        assert not re.search(r'id="list-summary">0 ', _page(reader, url))  # kept with the older key
    opaque = reader.app.state.config.privacy.redactor.ident
    learnt = _learn_while_made(monkeypatch, reader, routes if step == "page_of" else unit_index, step)
    page = _page(reader, url)
    assert learnt and opaque("INT-A") != "INT-A"
    assert re.search(r'id="list-summary">0 ', page), "the name typed listed units shown by their opaque id"


def test_a_unit_page_s_place_in_its_list_is_made_with_one_key_of_the_study(study_ws, small_cb, monkeypatch):
    """The unit page's place in its list under «source=INT-A» (its position, the next unit of the list)
    was found with the key before it learnt that «INT-A» holds a name and shown with the key after: the
    link to the next unit told a reviewer without rights which other unit is from «INT-A»."""
    from hoi_nlp.review.app import routes

    seer, reader = _clients(study_ws, small_cb)
    unit = "INT-A:t109-259"
    url = f"/segment/{reader.app.state.config.privacy.segment_id(unit)}?status=all&source=INT-A"
    assert re.search(r'class="pos">1 / [2-9]', _page(reader, url))  # the list kept, with the older key
    learnt = _learn_while_made(monkeypatch, reader, routes, "segment_extras")
    page = _page(reader, url)
    assert learnt
    assert re.search(r'class="pos">1 / 1<', page), re.search(r'class="pos">[^<]*<', page)

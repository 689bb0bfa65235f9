"""The review app over HTTP (FastAPI TestClient): login, sessions, CSRF, decisions, pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape as html_escape

import pytest

from hoi_nlp.review.accounts import add_user, authenticate, create_session, get_session
from hoi_nlp.review.decisions import current_state, load_decisions, record_decision
from hoi_nlp.review.rounds import assign_round, cancel_round, finish_round
from tests.review.conftest import PASSWORD, csrf_of, login, make_client, shown_id

IT = "barrier.it_integration"
R001 = "R001:1.2_kommentar:a0-68"
LEMVIG = "R002:7_afsluttende_kommentar:a0-65"


@pytest.fixture
def client(study_ws, small_cb):
    add_user(study_ws, "anna", PASSWORD)
    return make_client(study_ws, small_cb)


def test_pages_need_a_login(client):
    for path in ("/queue", "/browse", f"/segment/{R001}", "/codebook", "/agreement", "/rounds"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/queue", headers={"HX-Request": "true"}).headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("target",
                         ["/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example"])
def test_the_login_leads_to_no_other_site_by_a_path_a_browser_reads_as_one(client, target):
    """`next=/\\evil.example` passed the check for `//` and the browser, which reads a backslash as a slash,
    went to evil.example after the login (a link sent to an analyst)."""
    response = client.post("/login", data={"username": "anna", "password": PASSWORD, "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    assert 'name="next" value="/queue"' in client.get("/login", params={"next": target}).text


def test_wrong_password_is_refused_and_right_one_sets_a_safe_cookie(client):
    assert client.post("/login", data={"username": "anna", "password": "forkert-kode"}).status_code == 401
    assert client.post("/login", data={"username": "nobody", "password": PASSWORD}).status_code == 401
    response = client.post(
        "/login", data={"username": "anna", "password": PASSWORD, "next": "//evil.example"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_state_changes_need_the_csrf_token(client, study_ws):
    csrf = login(client, "anna")
    data = {"action": "accept", "code_id": IT}
    assert client.post(f"/segment/{R001}/decide", data=data).status_code == 403
    assert client.post(f"/segment/{R001}/decide", data=data | {"csrf_token": "wrong"}).status_code == 403
    assert client.post(f"/segment/{R001}/decide", data=data, headers={"X-CSRF-Token": "x"}).status_code == 403
    assert load_decisions(study_ws) == []
    assert client.post(f"/segment/{R001}/decide", data=data | {"csrf_token": csrf}).status_code == 303
    assert (
        client.post(
            f"/segment/{R001}/decide",
            data={"action": "reject", "code_id": IT},
            headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
        ).status_code
        == 200
    )
    assert [d.action for d in load_decisions(study_ws)] == ["accept", "reject"]
    assert client.post("/logout", data={}).status_code == 403


def test_sessions_expire_when_idle_and_end_on_logout(client, study_ws):
    user = authenticate(study_ws, "anna", PASSWORD)
    token, session = create_session(study_ws, user)
    assert get_session(study_ws, token) is not None
    from hoi_nlp.records import utcnow

    assert get_session(study_ws, token, now=utcnow() + timedelta(hours=9)) is None
    assert get_session(study_ws, token, now=utcnow() + timedelta(hours=7)) is not None
    csrf = login(client, "anna")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/queue").status_code == 303


def test_queue_is_pseudonymised_and_ordered_by_confidence(client):
    login(client, "anna")
    page = client.get("/queue").text
    assert "Vores IT-systemer" in page
    jobcentret_turn = page.index("Altså, vi har lavet")
    assert page.index("Vores IT-systemer") > jobcentret_turn  # 0.85 pending before 0.90
    page = client.get("/browse?status=all").text
    assert "[KOMMUNE]" in page and "Lemvig" not in page and "Mette Hansen" not in page


def test_a_user_allowed_to_see_originals_sees_them(study_ws, small_cb):
    add_user(study_ws, "chef", PASSWORD, role="admin", can_see_original=True)
    client = make_client(study_ws, small_cb)
    login(client, "chef")
    assert "Lemvig" in client.get(f"/segment/{LEMVIG}?status=all").text


def test_segment_page_shows_context_codes_and_shortcuts(client):
    login(client, "anna")
    page = client.get(f"/segment/{R001}").text
    assert IT in page and "0.92" in page and "IT-systemer" in page
    assert 'data-s="0"' in page and "<kbd>a</kbd> accept" in page
    turn = client.get("/segment/INT-A:t291-447").text
    assert "Hvad er det sværeste" in turn.replace("Og hvad", "Hvad") or "sværeste" in turn
    assert 'class="speaker">I' in turn and 'class="speaker">D' in turn


def test_decide_add_span_memo_flag_undo_over_http(client, study_ws):
    csrf = login(client, "anna")
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    post = lambda data: client.post(f"/segment/{R001}/decide", data=data, headers=headers)  # noqa: E731
    assert post({"action": "accept", "code_id": IT}).status_code == 200
    assert post({"action": "add", "code_id": "area.beskaeftigelse"}).status_code == 200
    assert post({"action": "span", "start": "6", "end": "35"}).status_code == 200
    bad = post({"action": "span", "start": "60", "end": "200"})
    assert bad.status_code == 422 and "outside" in bad.text
    assert post({"action": "add", "code_id": "barrier.nonsense"}).status_code == 422
    assert post({"action": "memo", "memo": "God citat"}).status_code == 200
    assert post({"action": "flag"}).status_code == 200
    state = current_state(study_ws)
    assert state.codes[(R001, IT)].status == "accepted"
    assert state.codes[(R001, "area.beskaeftigelse")].status == "added"
    assert state.note(R001).span == (6, 35) and state.note(R001).flagged
    undo = client.post(f"/segment/{R001}/undo", data={}, headers=headers)
    assert undo.status_code == 200
    assert not current_state(study_ws).note(R001).flagged
    assert [d.action for d in load_decisions(study_ws)][-1] == "undo"


def test_a_forged_decision_action_is_refused_with_422_not_500(client, study_ws):
    csrf = login(client, "anna")
    before = len(load_decisions(study_ws))
    for extra in ({"HX-Request": "true"}, {}):  # the page's htmx request and a plain form post
        for action in ("zzz", "ACCEPT", ""):
            response = client.post(f"/segment/{R001}/decide", data={"action": action, "code_id": IT},
                                   headers={"X-CSRF-Token": csrf, **extra})
            assert response.status_code == 422, (action, response.status_code)
            if action:
                assert f"unknown action &#39;{action}&#39;" in response.text or \
                    f"unknown action '{action}'" in response.text, response.text[-500:]
    assert len(load_decisions(study_ws)) == before


def test_codebook_and_code_pages_count_decisions(client, study_ws):
    csrf = login(client, "anna")
    client.post(f"/segment/{R001}/decide", data={"action": "reject", "code_id": IT, "csrf_token": csrf})
    page = client.get("/codebook").text
    assert "Utilstrækkelig integration af IT-systemer" in page
    code_page = client.get(f"/codebook/{IT}").text
    assert "rejected" in code_page and "Vores IT-systemer" in code_page


def test_blind_round_hides_the_other_analyst_until_both_finish(study_ws, small_cb):
    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001])
    anna, bo = make_client(study_ws, small_cb), make_client(study_ws, small_cb)
    csrf_a, csrf_b = login(anna, "anna"), login(bo, "bo")
    anna.post(
        f"/segment/{R001}/decide",
        data={"action": "accept", "code_id": IT, "q": "round=R1", "csrf_token": csrf_a},
    )
    bo.post(
        f"/segment/{R001}/decide",
        data={"action": "reject", "code_id": IT, "q": "round=R1", "csrf_token": csrf_b},
    )
    page = bo.get(f"/segment/{R001}?round=R1").text
    assert "anna" not in page.split("History")[1]
    assert "Disagreements appear when" in bo.get("/rounds/R1").text
    assert anna.post("/rounds/R1/finish", data={"csrf_token": csrf_a}).status_code == 303
    assert bo.post("/rounds/R1/finish", data={"csrf_token": csrf_b}).status_code == 303
    locked = anna.post(
        f"/segment/{R001}/decide",
        data={"action": "reject", "code_id": IT, "q": "round=R1", "csrf_token": csrf_a},
        headers={"HX-Request": "true"},
    )
    assert locked.status_code == 422
    round_page = anna.get("/rounds/R1").text
    assert IT in round_page and "applied" in round_page
    anna.post(
        "/rounds/R1/resolve",
        data={"segment_id": R001, "code_id": IT, "outcome": "present", "csrf_token": csrf_a},
    )
    assert current_state(study_ws).codes[(R001, IT)].status == "accepted"
    assert "consensus" in [d.action for d in load_decisions(study_ws)]
    assert "round R1" in anna.get("/agreement").text
    assert "/agreement.csv?dialect=excel-da" in anna.get("/agreement").text  # for Danish Excel:
    danish = anna.get("/agreement.csv?dialect=excel-da&round=R1").text.lstrip("\ufeff").splitlines()
    assert danish[0].startswith("comparison;code_id;coders;") and "round R1;" in danish[1]
    assert ";0,0;" in danish[1] or ";100,0;" in danish[1]  # a decimal comma, not a point
    assert anna.get("/agreement.csv?dialect=semikolon").status_code == 400
    outsider = make_client(study_ws, small_cb)
    add_user(study_ws, "cai", PASSWORD)
    login(outsider, "cai")
    assert outsider.get(f"/segment/{R001}?round=R1").status_code == 403


def test_round_page_shows_units_not_reviewed_and_finish_warns(study_ws, small_cb):
    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001, LEMVIG])
    anna, bo = make_client(study_ws, small_cb), make_client(study_ws, small_cb)
    csrf_a, csrf_b = login(anna, "anna"), login(bo, "bo")
    for segment_id, action in [(R001, "accept"), (LEMVIG, "add")]:
        anna.post(f"/segment/{shown_id(anna, segment_id)}/decide",
                  data={"action": action, "code_id": IT, "q": "round=R1", "csrf_token": csrf_a})
    bo.post(f"/segment/{R001}/decide", data={"action": "accept", "code_id": IT, "q": "round=R1",
                                             "csrf_token": csrf_b})
    assert "You have not reviewed 1 of the 2 units" in bo.get("/rounds/R1").text
    assert anna.post("/rounds/R1/finish", data={"csrf_token": csrf_a}).status_code == 303
    warned = bo.post("/rounds/R1/finish", data={"csrf_token": csrf_b})
    assert warned.status_code == 200 and "Finish anyway" in warned.text
    assert "not reviewed by" not in anna.get("/rounds/R1").text  # bo has not finished: nothing shown
    assert bo.post("/rounds/R1/finish", data={"csrf_token": csrf_b, "confirm": "yes"}).status_code == 303
    page = anna.get("/rounds/R1").text
    assert "not reviewed by bo" in page and '<tr id="d-' not in page  # LEMVIG is no disagreement
    assert "Computed on the 1 units every analyst reviewed; 1 left out" in page
    assert "1 of the round&#39;s units left out: not reviewed by every analyst" in anna.get("/agreement").text


def test_agreement_pages_name_the_comparisons_and_write_numbers_in_the_analysts_language(study_ws, small_cb):
    """The Danish app headed its agreement tables «round R1», «machine vs anna (round R1)», «machine
    vs analysts» and wrote «50.0 %», «0.000» — the English of the CSV, in the middle of Danish pages."""
    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001, LEMVIG])
    anna, bo = make_client(study_ws, small_cb), make_client(study_ws, small_cb)
    csrf_a, csrf_b = login(anna, "anna"), login(bo, "bo")
    for client, csrf, action in [(anna, csrf_a, "accept"), (bo, csrf_b, "reject")]:
        for segment_id in (R001, LEMVIG):
            client.post(f"/segment/{shown_id(client, segment_id)}/decide",
                        data={"action": action, "code_id": IT, "q": "round=R1", "csrf_token": csrf})
        client.post("/rounds/R1/finish", data={"csrf_token": csrf, "confirm": "yes"})
    anna.post(f"/segment/{R001}/decide", data={"action": "accept", "code_id": IT, "csrf_token": csrf_a})
    english = anna.get("/agreement").text
    assert "round R1 (anna vs bo)" in english and "machine vs anna (round R1)" in english
    assert "machine vs analysts" in english
    anna.cookies.set("hoi_lang", "da")
    danish = anna.get("/agreement").text
    for words in ("runde R1 (anna vs. bo)", "maskine vs. anna (runde R1)", "maskine vs. bo (runde R1)",
                  "maskine vs. analytikere"):
        assert f"<h2>{words}</h2>" in danish
    assert "machine" not in danish and "round R1" not in danish
    for page in (danish, anna.get("/rounds/R1").text):  # decimal commas: «33,3 %», «-0,250»
        assert re.search(r"\d,\d %<", page) and re.search(r">-?\d,\d{3}<", page)
        assert not re.search(r"\d\.\d+ %<", page) and not re.search(r">-?\d\.\d{3}<", page)


def test_a_cancelled_round_is_locked_and_says_so(study_ws, small_cb):
    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001])
    cancel_round(study_ws, "R1", by="admin")
    anna = make_client(study_ws, small_cb)
    csrf = login(anna, "anna")
    decided = anna.post(f"/segment/{R001}/decide", headers={"HX-Request": "true"},
                        data={"action": "accept", "code_id": IT, "q": "round=R1", "csrf_token": csrf})
    assert decided.status_code == 422 and load_decisions(study_ws, round="R1") == []
    page = anna.get("/rounds/R1").text
    assert "This round was cancelled" in page and 'id="finish-round"' not in page
    assert anna.post("/rounds/R1/finish", data={"csrf_token": csrf, "confirm": "yes"}).status_code == 422


def test_an_unknown_round_is_a_404_with_its_name(client):
    csrf = login(client, "anna")
    for path in ("/browse?round=R9", "/queue?round=R9", f"/segment/{R001}?round=R9"):
        response = client.get(path)
        assert response.status_code == 404 and "unknown round &#39;R9&#39;" in response.text, path
    form = {"segment_id": R001, "code_id": IT, "outcome": "present", "csrf_token": csrf}
    resolved = client.post("/rounds/R9/resolve", data=form)
    assert resolved.status_code == 404


def test_round_errors_are_in_the_analysts_language(study_ws, small_cb):
    """The Danish app answered a round that does not exist, a finish by someone outside the round and a
    cancelled round's finish in English («unknown round 'R9'»)."""
    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    add_user(study_ws, "cai", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001])
    anna, cai = make_client(study_ws, small_cb), make_client(study_ws, small_cb)
    csrf_a, csrf_c = login(anna, "anna"), login(cai, "cai")
    anna.cookies.set("hoi_lang", "da")
    cai.cookies.set("hoi_lang", "da")
    unknown = anna.get("/rounds/R9")
    assert unknown.status_code == 404 and "ukendt runde &#39;R9&#39;" in unknown.text
    outsider = cai.post("/rounds/R1/finish", data={"csrf_token": csrf_c, "confirm": "yes"})
    assert outsider.status_code == 422
    assert "&#39;cai&#39; er ikke analytiker i runde &#39;R1&#39;" in outsider.text
    cancel_round(study_ws, "R1", by="admin")
    cancelled = anna.post("/rounds/R1/finish", data={"csrf_token": csrf_a, "confirm": "yes"})
    assert cancelled.status_code == 422 and "runde &#39;R1&#39; er annulleret" in cancelled.text
    for page in (unknown.text, outsider.text, cancelled.text):
        assert "round" not in page.split("<main>")[1]


def test_main_page_offers_undo_only_for_main_review_decisions(study_ws, small_cb):
    import re

    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001])
    for analyst, action in (("anna", "accept"), ("bo", "reject")):
        record_decision(study_ws, segment_id=R001, action=action, code_id=IT, analyst=analyst, round="R1")
        finish_round(study_ws, "R1", analyst)
    record_decision(study_ws, segment_id=R001, action="consensus", code_id=IT, outcome="present",
                    analyst="anna", round="R1")
    main = record_decision(study_ws, segment_id=R001, action="flag", analyst="anna")
    anna = make_client(study_ws, small_cb)
    csrf = login(anna, "anna")
    page = anna.get(f"/segment/{R001}").text
    assert "consensus" in page and "R1" in page.split("History")[1]  # round decisions are shown
    offered = re.findall(r'name="decision_id" value="(D-[0-9a-f]+)"', page)
    assert offered == [main.decision_id]
    for decision_id in offered:
        undone = anna.post(f"/segment/{R001}/undo", data={"decision_id": decision_id, "csrf_token": csrf})
        assert undone.status_code == 303


def test_no_login_mode_creates_a_local_session_but_still_checks_csrf(study_ws, small_cb):
    client = make_client(study_ws, small_cb, login=False)
    page = client.get("/queue")
    assert page.status_code == 200 and "local" in page.text
    csrf = csrf_of(page.text)
    assert client.post(f"/segment/{R001}/decide", data={"action": "accept", "code_id": IT}).status_code == 403
    assert (
        client.post(
            f"/segment/{R001}/decide", data={"action": "accept", "code_id": IT, "csrf_token": csrf}
        ).status_code
        == 303
    )
    assert load_decisions(study_ws)[0].analyst == "local"


def test_static_files_are_local(client):
    assert client.get("/static/htmx.min.js").status_code == 200
    login(client, "anna")
    page = client.get("/queue").text
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page


def test_the_flagged_filter_finds_a_flagged_unit_and_a_code_filter_reads_that_code_s_status(client, study_ws):
    """The Flag button flags the unit: ``status=flagged`` lists it. With a code chosen, a status filter
    reads that code's status ("accepted quotes of code X"), not any code's on the unit."""
    from hoi_nlp.review.decisions import record_decision

    login(client, "anna")
    record_decision(study_ws, segment_id=R001, action="flag", analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="add", code_id="area.beskaeftigelse", analyst="anna")
    shown = shown_id(client, R001)  # the id in the list's links
    assert shown in client.get("/browse?status=flagged").text
    assert shown not in client.get(f"/browse?status=accepted&code={IT}").text
    assert shown in client.get(f"/browse?status=rejected&code={IT}").text
    assert shown in client.get("/browse?status=added&code=area.beskaeftigelse").text
    assert shown not in client.get("/browse?status=rejected&code=area.beskaeftigelse").text


def test_a_complete_round_s_agreements_can_be_carried_into_the_main_review(study_ws, small_cb):
    """Codes both analysts applied (or both left) count in the exports only through the main review:
    one button carries them there as the consensus they are; the agreement figures do not change."""
    from hoi_nlp.review.agreement import round_agreement

    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001])
    clients = {name: make_client(study_ws, small_cb) for name in ("anna", "bo")}
    for name, client in clients.items():
        csrf = login(client, name)
        client.post(f"/segment/{R001}/decide", data={"action": "add", "code_id": "area.beskaeftigelse",
                                                     "q": "round=R1", "csrf_token": csrf})
        client.post("/rounds/R1/finish", data={"csrf_token": csrf, "confirm": "yes"})
    before = round_agreement(study_ws, "R1")
    assert (R001, "area.beskaeftigelse") not in current_state(study_ws).codes
    anna = clients["anna"]
    page = anna.get("/rounds/R1").text
    assert 'id="apply-agreements"' in page
    csrf = login(anna, "anna")
    assert anna.post("/rounds/R1/apply-agreements", data={"csrf_token": csrf}).status_code == 303
    state = current_state(study_ws)
    assert state.codes[(R001, "area.beskaeftigelse")].status == "added"
    assert state.codes[(R001, IT)].status == "rejected"  # the machine's suggestion neither applied
    assert round_agreement(study_ws, "R1") == before
    assert 'id="apply-agreements"' not in anna.get("/rounds/R1").text  # nothing left to carry


def test_an_analyst_undoes_only_their_own_main_review_decisions(study_ws, small_cb):
    import re

    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    add_user(study_ws, "lead", PASSWORD, role="admin")
    annas = record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    bo = make_client(study_ws, small_cb)
    csrf = login(bo, "bo")
    page = bo.get(f"/segment/{R001}").text
    assert re.findall(r'name="decision_id" value="(D-[0-9a-f]+)"', page) == []  # no undo link on anna's
    refused = bo.post(f"/segment/{R001}/undo", data={"decision_id": annas.decision_id, "csrf_token": csrf},
                      follow_redirects=True)
    assert "only undo your own decisions" in refused.text
    assert [d.action for d in load_decisions(study_ws)] == ["accept"]  # anna's decision stands
    lead = make_client(study_ws, small_cb)
    csrf = login(lead, "lead")  # an admin may undo anyone's (it stays in the history)
    assert annas.decision_id in lead.get(f"/segment/{R001}").text
    lead.post(f"/segment/{R001}/undo", data={"decision_id": annas.decision_id, "csrf_token": csrf})
    assert [d.action for d in load_decisions(study_ws)] == ["accept", "undo"]


def test_the_page_carries_no_offsets_that_tell_a_hidden_names_length(study_ws, small_cb):
    import html as html_lib
    import re

    from tests.review.conftest import page_offsets

    source_text = "Her i Lemvig mangler vi tid. Kontakt Mette Hansen på 12 34 56 78."
    add_user(study_ws, "anna", PASSWORD)
    anna = make_client(study_ws, small_cb)
    csrf = login(anna, "anna")
    shown = shown_id(anna, LEMVIG)  # keyed: "R002:7_afsluttende_kommentar:a-…", not "…:a0-65"
    assert not re.search(r":a\d+-\d+$", shown)
    # the real id is refused, as every other guess of the unit's offsets (it would confirm the length)
    guesses = (LEMVIG, LEMVIG.replace("65", "66"))
    assert {anna.get(f"/segment/{guess}").status_code for guess in guesses} == {404}
    page = anna.get(f"/segment/{shown}?status=all").text
    pieces = re.findall(r'<span class="t[^"]*" data-s="(\d+)" data-e="(\d+)">([^<]*)</span>', page)
    assert any(text.startswith("[PERSON") for *_, text in pieces)
    for s, e, text in pieces:  # a placeholder spans its own length, not the name's
        assert int(e) - int(s) == len(html_lib.unescape(text)), (s, e, text)
    start, end = page_offsets(page, "Kontakt", " på")
    anna.post(f"/segment/{shown}/decide",
              data={"action": "span", "start": str(start), "end": str(end), "csrf_token": csrf})
    wanted = (source_text.index("Kontakt"), source_text.index(" på"))
    assert current_state(study_ws).note(LEMVIG).span == wanted
    assert "Mette" not in anna.get(f"/segment/{shown}?status=all").text


def test_memos_on_the_study_are_listed_pseudonymised_and_can_be_written(client, study_ws):
    """A journal brought in from QualCoder (a memo on the study as a whole) is on the study memos page,
    pseudonymised for an analyst without original-text rights; an analyst can write one there."""
    from hoi_nlp.review.study_memos import load_study_memos, record_study_memo

    record_study_memo(study_ws, analyst="carl", title="Journal om Lemvig",
                      text="Borgmesteren i Lemvig var meget positiv.", origin="Journal Lemvig.qdpx")
    token = login(client, "anna")
    page = client.get("/memos")
    assert page.status_code == 200
    assert "meget positiv" in page.text and "Lemvig" not in page.text, page.text
    assert ".qdpx" in page.text  # the imported file's name, pseudonymised like the memo
    response = client.post("/memos", data={"csrf_token": token, "title": "Tanker",
                                           "text": "Tværgående mønster i svarene."})
    assert response.status_code == 303
    assert [(m.analyst, m.title, m.text, m.origin) for m in load_study_memos(study_ws)][-1] == (
        "anna", "Tanker", "Tværgående mønster i svarene.", "app")
    assert client.post("/memos", data={"title": "x", "text": "y"}).status_code == 403  # CSRF
    assert client.post("/memos", data={"csrf_token": token, "text": "  "}).status_code == 422
    assert len(load_study_memos(study_ws)) == 2


def test_memos_written_in_the_browser_are_stored_with_lf_line_breaks(client, study_ws, small_cb, tmp_path):
    """A browser sends a textarea's line breaks as CRLF: a memo on the study and a coding's memo are stored
    with LF (else the XLSX memo sheet shows a literal _x000D_ to openpyxl and pandas), and otherwise as
    the analyst wrote them."""
    import openpyxl

    from hoi_nlp.export.api import export_study
    from hoi_nlp.review.study_memos import load_study_memos, record_study_memo
    from tests.review.conftest import review_settings

    token = login(client, "anna")
    study_memo = "Første linje\r\n\r\n  anden linje,\ttredje\rfjerde "
    assert client.post("/memos", data={"csrf_token": token, "title": "Linjer", "text": study_memo},
                       ).status_code == 303
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    response = client.post(f"/segment/{R001}/decide", headers=headers,
                           data={"action": "memo", "memo": "God\r\ncitat\r\n- om IT "})
    assert response.status_code == 200
    record_decision(study_ws, segment_id=R001, action="memo", code_id=IT, analyst="bo",
                    memo="Enig\r\nmed anna")
    record_study_memo(study_ws, analyst="bo", text="Fra\r\nkommandolinjen")
    assert [m.text for m in load_study_memos(study_ws)] == ["Første linje\n\n  anden linje,\ttredje\nfjerde",
                                                           "Fra\nkommandolinjen"]
    assert [d.memo for d in load_decisions(study_ws) if d.memo] == ["God\ncitat\n- om IT", "Enig\nmed anna"]

    files = export_study(study_ws, small_cb, settings=review_settings(), formats=["xlsx"],
                         output=tmp_path / "x" / "data.xlsx")
    xlsx = next(f for f in files if str(f).endswith(".xlsx"))
    cells = [str(c) for sheet in openpyxl.load_workbook(xlsx, read_only=True).worksheets
             for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert {"God\ncitat\n- om IT", "Enig\nmed anna", "Fra\nkommandolinjen"} <= set(cells)
    assert not [c for c in cells if "\r" in c or "_x000D_" in c]


def test_memos_an_earlier_version_stored_with_crlf_read_with_lf(study_ws, small_cb, tmp_path):
    """Memos stored before memos were written with LF keep the browser's CRLF in the log (never rewritten):
    they read with LF, so the review, the exports and the XLSX memo sheet show no _x000D_."""
    import openpyxl
    from sqlalchemy import insert

    from hoi_nlp.export.api import export_study
    from hoi_nlp.review.study_memos import load_study_memos, memo_rows, new_study_memo
    from hoi_nlp.review.tables import decisions_table, ensure_review_schema, study_memos_table
    from tests.review.conftest import review_settings

    decision = record_decision(study_ws, segment_id=R001, action="memo", code_id=IT, analyst="bo", memo="x")
    memo = new_study_memo(analyst="bo", title="Gammel", text="x")
    ensure_review_schema(study_ws)
    with study_ws.engine.begin() as conn:  # as an earlier version wrote them
        conn.execute(insert(decisions_table), [{**decision.model_dump(), "decision_id": "D-old",
                                                "memo": "Gammel\r\nkodememo"}])
        conn.execute(insert(study_memos_table), [{**memo_rows([memo])[0], "text": "Gammel\r\nstudiememo"}])
    assert [d.memo for d in load_decisions(study_ws) if d.decision_id == "D-old"] == ["Gammel\nkodememo"]
    assert [m.text for m in current_state(study_ws).codes[(R001, IT)].memos] == ["x", "Gammel\nkodememo"]
    assert [m.text for m in load_study_memos(study_ws)] == ["Gammel\nstudiememo"]
    files = export_study(study_ws, small_cb, settings=review_settings(), formats=["xlsx"],
                         output=tmp_path / "x" / "data.xlsx")
    xlsx = next(f for f in files if str(f).endswith(".xlsx"))
    cells = [str(c) for sheet in openpyxl.load_workbook(xlsx, read_only=True).worksheets
             for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert {"Gammel\nkodememo", "Gammel\nstudiememo"} <= set(cells)
    assert not [c for c in cells if "\r" in c or "_x000D_" in c]


def test_keyed_ids_resolve_after_the_corpus_reloads_with_as_many_units(study_ws):
    """A corrected transcript gives units of the same count under other ids: the keyed ids of the new
    units must resolve (the alias table was kept while the key and the unit count stayed the same)."""
    from hoi_nlp.review.masking import PrivacyView
    from hoi_nlp.store import load_segments
    from tests.review.conftest import review_settings

    view = PrivacyView(study_ws, review_settings())
    segments = load_segments(study_ws)
    before = {s.segment_id: s for s in segments}
    assert view.real_id(view.segment_id(segments[0].segment_id), before) == segments[0].segment_id
    moved = segments[0].segment_id + "x"  # another unit id, the same number of units
    after = {moved if sid == segments[0].segment_id else sid: s for sid, s in before.items()}
    assert view.real_id(view.segment_id(moved), after) == moved


def _withdrawn_after(monkeypatch, module, name: str, workspace, source: str = "R001:1.2_kommentar") -> None:
    """``module.name`` done, a `hoi run` beside the app removes ``source`` (a respondent withdrew) before
    the request writes its decision: the library then refuses the unit by its real id."""
    from hoi_nlp.store import remove_sources

    real = getattr(module, name)

    def then_withdrawn(*args, **options):
        done = real(*args, **options)
        remove_sources(workspace, [source])
        return done

    monkeypatch.setattr(module, name, then_withdrawn)


@pytest.mark.parametrize("attempt", ["stance", "undo", "resolve", "apply-agreements"])
def test_a_refusal_names_a_unit_by_the_id_the_reviewer_is_shown(study_ws, small_cb, monkeypatch, attempt):
    """«unknown segment 'R001:1.2_kommentar:a0-68'»: a stance, an undo, a round's resolution and its
    agreements carried over, refused because the unit left the study meanwhile, named the unit by its real
    id (its source name and offsets) to a reviewer without original-text rights."""
    from hoi_nlp.review import rounds
    from hoi_nlp.review.app import routes, workbench

    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "bo", PASSWORD)
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001])
    for analyst in ("anna", "bo"):
        record_decision(study_ws, segment_id=R001, action="add", code_id=IT, analyst=analyst, round="R1")
        finish_round(study_ws, "R1", analyst)
    memo = record_decision(study_ws, segment_id=R001, action="memo", memo="Se igen.", analyst="anna")
    anna = make_client(study_ws, small_cb)
    csrf = login(anna, "anna")
    shown = shown_id(anna, R001)
    module, name, path, form = {
        "stance": (workbench, "_real_id", f"/segment/{shown}/stance",
                   {"code_id": IT, "outcome": "hindrance"}),
        "undo": (routes, "effective_decisions", f"/segment/{shown}/undo", {"decision_id": memo.decision_id}),
        "resolve": (routes, "_real_id", "/rounds/R1/resolve",
                    {"segment_id": shown, "code_id": IT, "outcome": "present"}),
        "apply-agreements": (rounds, "agreements", "/rounds/R1/apply-agreements", {}),
    }[attempt]
    _withdrawn_after(monkeypatch, module, name, study_ws)
    refused = anna.post(path, data=form | {"csrf_token": csrf})
    assert refused.status_code in (409, 422), refused.text[-500:]
    assert "unknown segment" in refused.text, refused.text[-800:]
    assert R001 not in refused.text and "a0-68" not in refused.text
    assert html_escape(shown) in refused.text

"""A reviewer without --can-see-original, attacking the review app over HTTP.

The study has interviews whose speakers are named ("Anne:", "Henrik:"), one in a file named
after its municipality and respondent, survey respondents with municipality attributes (R005 is
Aarhus) and free-text roles ("Socialchef Lone Madsen", "Direktør i Gentofte").
"""

from __future__ import annotations

import re

import pytest

from tests.review.conftest import shown_id
from tests.security.conftest import MUNICIPALITIES, PASSWORD, SPEAKER_NAMES, login, make_client

NAMES = (*SPEAKER_NAMES, *MUNICIPALITIES, "Lone Madsen", "Kjær", "Holm")
IT = "barrier.it_integration"


def names_in(page: str) -> list[str]:
    """The study's names that occur in ``page`` as words ("_" and ":" separate words too)."""
    return [n for n in NAMES if re.search(r"(?<![^\W_])" + re.escape(n) + r"(?![^\W_])", page)]


def count(page: str) -> int:
    match = re.search(r"(\d+) coding units?", page)
    assert match, page[:500]
    return int(match.group(1))


def _without_tokens(page: str) -> str:
    return re.sub(r'value="[^"]+"|"X-CSRF-Token": "[^"]+"', "", page)


def links(page: str) -> list[str]:
    return sorted(set(re.findall(r'href="(/segment/[^"?]+)', page)))


@pytest.fixture
def reviewer(review_ws, security_codebook):
    """anna, an analyst without original-text rights, logged in."""
    from hoi_nlp.review.accounts import add_user

    add_user(review_ws, "anna", PASSWORD)
    client = make_client(review_ws, security_codebook)
    login(client, "anna")
    return client


def test_no_page_shows_a_speaker_or_municipality_name(reviewer):
    browse = reviewer.get("/browse").text
    segments = links(browse)
    assert len(segments) == 9
    pages = {"/browse": browse}
    for url in ("/queue", "/codebook", f"/codebook/{IT}", "/rounds", "/agreement", "/agreement.csv"):
        pages[url] = reviewer.get(url).text
    for url in segments:
        response = reviewer.get(url)
        assert response.status_code == 200, url
        pages[url] = response.text
    leaks = {url: names_in(page) for url, page in pages.items() if names_in(page)}
    assert not leaks
    # speakers are shown as placeholders (one per person, the same on every page), roles as text
    interview = next(page for url, page in pages.items() if url.startswith("/segment/id-"))
    header = interview.split('<div id="context"')[0]
    assert re.search(r"<h1>Kommunaldirektør <span class=\"muted\">· \[PERSON \d+\]</span></h1>", header)
    assert interview.count("[PERSON") >= 4  # the context's speaker labels too
    assert "Socialchef [PERSON" in browse and "Direktør i [KOMMUNE]" in browse
    assert "fil-" in interview and ".txt" in interview  # the file name as a stable id


def test_a_reviewer_with_rights_sees_the_originals(review_ws, security_codebook):
    """The control: the same pages show the names to someone allowed to see them."""
    from hoi_nlp.review.accounts import add_user

    add_user(review_ws, "chef", PASSWORD, can_see_original=True)
    client = make_client(review_ws, security_codebook)
    login(client, "chef")
    browse = client.get("/browse").text
    assert {"Henrik", "Birgitte", "Ballerup", "Lone Madsen"} <= set(names_in(browse))
    assert client.get("/browse?attr=municipality=Aarhus").status_code == 200
    assert count(client.get("/browse?attr=municipality=Aarhus").text) == 3  # R005 and the interview int-b


@pytest.mark.parametrize("query", [
    "attr=municipality=Aarhus", "attr=municipality=Ballerup", "attr=interviewer=Anne Kjær",
    "attr=interviewer_speakers=Anne", "attr=respondent_speakers=Henrik", "attr=date=2024-04-02",
    "attr=question=Andre barrierer",
])
def test_hidden_attributes_cannot_be_filtered(reviewer, query):
    for page in ("/browse", "/queue"):
        response = reviewer.get(f"{page}?{query}")
        assert response.status_code == 400, (page, query)
        assert not names_in(response.text)


def test_a_refused_filter_is_said_in_the_apps_language(reviewer):
    """The refusal was an English sentence in the Danish app (a formatted message matches no translation),
    and the attributes it lists are named in the app's language too, as its filters name them."""
    reviewer.cookies.set("hoi_lang", "da")
    response = reviewer.get("/browse?attr=municipality=Aarhus")
    assert response.status_code == 400
    assert "du kan kun filtrere efter attributterne rolle, størrelsesgruppe, region" in response.text
    assert "you can filter" not in response.text
    reviewer.cookies.set("hoi_lang", "en")
    assert "you can filter by the attributes role, size_group, region only" in reviewer.get(
        "/browse?attr=municipality=Aarhus").text


@pytest.mark.parametrize("query", [
    "speaker=Henrik", "speaker=Birgitte", "attr=role=Socialchef Lone Madsen", "attr=role=Direktør i Gentofte",
    "source=interview_Ballerup_Henrik", "attr=region=Region Hovedstaden&speaker=Henrik",
])
def test_original_names_as_filters_find_nothing(reviewer, query):
    response = reviewer.get(f"/browse?{query}")
    assert response.status_code == 200
    assert count(response.text) == 0


def test_facets_list_only_what_is_shown_and_their_filters_work(reviewer):
    browse = reviewer.get("/browse").text
    side = browse.split("</aside>")[0]
    assert "Kommune" not in side and "municipality" not in side and "interviewer" not in side
    speakers = sorted(set(re.findall(r"speaker=(%5BPERSON\+\d+%5D)", side)))
    assert len(speakers) == 2  # Henrik and Birgitte, each under one placeholder
    for speaker in speakers:
        assert count(reviewer.get(f"/browse?speaker={speaker}").text) == 2
    role = re.search(r'href="/browse\?([^"]*role%3DSocialchef[^"]*)"', side)
    assert role and count(reviewer.get("/browse?" + role.group(1).replace("&amp;", "&")).text) == 1
    assert count(reviewer.get("/browse?attr=region=Region Hovedstaden").text) == 3


def test_an_id_that_holds_a_name_is_not_accepted_and_decisions_go_through_the_shown_id(reviewer, review_ws):
    from hoi_nlp.review.decisions import load_decisions
    from hoi_nlp.store import load_segments
    from tests.review.conftest import csrf_of

    real = next(s.segment_id for s in load_segments(review_ws, codable=True) if "Ballerup" in s.segment_id)
    assert reviewer.get(f"/segment/{real}").status_code == 404  # would confirm a guessed name
    shown = next(url for url in links(reviewer.get("/browse").text) if url.startswith("/segment/id-"))
    page = reviewer.get(shown)
    assert page.status_code == 200
    response = reviewer.post(f"{shown}/decide", data={"action": "accept", "code_id": IT,
                                                      "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303 and "Ballerup" not in response.headers["location"]
    decided = [d.segment_id for d in load_decisions(review_ws)]
    assert len(decided) == 1 and "Ballerup" in decided[0]  # recorded on the real unit behind the shown id
    assert reviewer.app.state.config.privacy.segment_id(decided[0]) == shown.removeprefix("/segment/")
    guessed = reviewer.post(f"/segment/{real}/decide",
                            data={"action": "reject", "code_id": IT, "csrf_token": csrf_of(page.text)})
    assert guessed.status_code == 404


def test_a_memo_that_names_someone_is_pseudonymised_for_reviewers_without_rights(review_ws, security_codebook,
                                                                                  reviewer):
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import load_segments

    add_user(review_ws, "chef", PASSWORD, can_see_original=True)
    segment = next(s for s in load_segments(review_ws, codable=True) if s.segment_id.startswith("int-b"))
    record_decision(review_ws, segment_id=segment.segment_id, action="memo", analyst="chef",
                    memo="Birgitte fra Aarhus sagde det samme til Mads Holm")
    page = reviewer.get(f"/segment/{shown_id(reviewer, segment.segment_id)}").text
    assert "fra [KOMMUNE] sagde det samme til [PERSON" in page
    assert not names_in(page)


def test_a_memo_on_a_code_is_shown_under_the_code_and_pseudonymised_for_reviewers_without_rights(
        review_ws, security_codebook, reviewer):
    """A memo on one code of a unit (what `hoi import-qdpx` records from a coding's Description) is
    shown under that code, pseudonymised for a reviewer without rights; with rights, as written."""
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import load_segments

    add_user(review_ws, "chef", PASSWORD, can_see_original=True)
    segment = next(s for s in load_segments(review_ws, codable=True) if s.segment_id.startswith("int-b"))
    record_decision(review_ws, segment_id=segment.segment_id, action="memo", analyst="chef", code_id=IT,
                    memo="Kodningen passer: Birgitte fra Aarhus bruger samme ord")
    page = reviewer.get(f"/segment/{shown_id(reviewer, segment.segment_id)}").text
    row = page.split(f'data-code="{IT}"', 1)[1].split('class="code-actions"', 1)[0]
    assert "code-memo" in row and "[KOMMUNE] bruger samme ord" in row
    assert not names_in(page)
    chef = make_client(review_ws, security_codebook)
    login(chef, "chef")
    assert "Birgitte fra Aarhus bruger samme ord" in chef.get(f"/segment/{segment.segment_id}").text


def test_a_token_pattern_s_matched_words_are_not_shown_when_they_are_a_hidden_name(review_ws, reviewer):
    """A codebook token pattern (``^aar…``) is described by the words it matched: where those are a
    name, the "why" shows that a word pattern of the codebook matched, not the name."""
    from hoi_nlp.records import CodeAssignment, Evidence
    from hoi_nlp.store import load_segments, replace_assignments

    segment = next(s for s in load_segments(review_ws, codable=True)
                   if s.segment_id.startswith("int-b") and "Aarhus" in s.text)
    start = segment.text.index("Aarhus")
    found = CodeAssignment(segment_id=segment.segment_id, code_id=IT, confidence=0.6, method="rule",
                           coder="hoi.rules.v1", codebook_version="1",
                           evidence=(Evidence(start=start, end=start + 6, text="Aarhus", pattern="Aarhus"),))
    replace_assignments(review_ws, [found], segment_ids=[segment.segment_id], coders=["hoi.rules.v1"])
    page = reviewer.get(f"/segment/{shown_id(reviewer, segment.segment_id)}").text
    assert not names_in(page)
    assert "a word pattern of the codebook" in page


def test_an_open_blind_round_leaks_through_no_route(review_ws, security_codebook):
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.rounds import assign_round
    from hoi_nlp.store import load_segments

    for name, role in (("anna", "analyst"), ("bo", "analyst"), ("admin", "admin")):
        add_user(review_ws, name, PASSWORD, role=role)
    ids = [s.segment_id for s in load_segments(review_ws, codable=True)][:3]
    assign_round(review_ws, "R1", ["anna", "bo"], segment_ids=ids)
    clients = {name: make_client(review_ws, security_codebook) for name in ("anna", "bo", "admin")}
    tokens = {name: login(client, name) for name, client in clients.items()}
    before = {name: {url: client.get(url).text for url in ("/codebook", f"/codebook/{IT}")}
              for name, client in clients.items()}
    for name, action in (("anna", "accept"), ("bo", "reject")):
        for segment_id in ids:
            clients[name].post(f"/segment/{shown_id(clients[name], segment_id)}/decide", data={
                "action": action, "code_id": IT, "q": "round=R1", "csrf_token": tokens[name]})
    for name, client in clients.items():
        for url in ("/agreement.csv?round=R1", "/agreement.csv"):
            body = client.get(url).text.strip().splitlines()
            assert len(body) == 1 and "R1" not in "\n".join(body), (name, url)  # the header only
        page = client.get("/agreement").text
        assert "round R1" not in page and "<option>R1</option>" not in page
        assert client.get("/agreement?round=R1").text.count("<table") == 0
        for url, text in before[name].items():
            assert _without_tokens(client.get(url).text) == _without_tokens(text), url
        assert count(client.get("/browse?status=accepted").text) == 0
        assert count(client.get("/browse?status=rejected").text) == 0
        history = client.get(f"/segment/{shown_id(client, ids[0])}").text.split("History")[1]
        other = {"anna": "bo", "bo": "anna", "admin": "anna"}[name]
        assert f"<strong>{other}</strong>" not in history
    for name in ("anna", "bo"):
        clients[name].post("/rounds/R1/finish", data={"csrf_token": tokens[name]})
    complete = clients["anna"].get("/agreement.csv?round=R1").text.strip().splitlines()
    assert len(complete) > 1 and "round R1" in complete[1]  # the control: shown once complete


def test_initials_a_memo_is_signed_with_are_hidden_on_other_pages_before_that_memo_is_opened(
        review_ws, security_codebook, reviewer):
    """«Godt citat /LB» written in the app taught the key LB's initials only once a reviewer without rights
    opened that very memo (or an export read it): «Spørg LB om tallene» on another unit showed LB as
    written until then. A memo is read for the key as it is saved; a study memo too."""
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.store import load_segments
    from tests.review.conftest import csrf_of

    add_user(review_ws, "chef", PASSWORD, can_see_original=True)
    chef = make_client(review_ws, security_codebook)
    token = login(chef, "chef")
    first, second = [s for s in load_segments(review_ws, codable=True)][:2]
    for segment, memo in ((first, "Godt citat /LB"), (second, "Spørg LB om tallene")):
        saved = chef.post(f"/segment/{segment.segment_id}/decide",
                          data={"action": "memo", "memo": memo, "csrf_token": token})
        assert saved.status_code in (200, 303), saved.text
    chef.post("/memos", data={"title": "Referat", "text": "Se noterne. /MKH", "csrf_token": token})
    page = reviewer.get(f"/segment/{shown_id(reviewer, second.segment_id)}").text
    assert "Spørg [PERSON" in page and not re.search(r"\bLB\b", page)
    token = csrf_of(reviewer.get("/memos").text)
    reviewer.post("/memos", data={"text": "Enig med MKH.", "csrf_token": token})
    assert not re.search(r"\bMKH\b", reviewer.get("/memos").text)

"""The analyst's workbench over HTTP (FastAPI TestClient), in the app's default language, Danish.

Codebook work with its audit trail (issue 15), browse paging with counts per filter, the admin
page, the language switch (issues 15/12), and the segment page's explanations, possible codes
and barrier stance (issue 17).
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from hoi_nlp.review.accounts import add_user, authenticate
from hoi_nlp.review.codebook_edit import code_id_map, codebook_history, current_codebook, resolve_renames
from hoi_nlp.review.decisions import code_reviews, current_state, load_decisions, machine_suggestions
from hoi_nlp.store import ASSIGNMENTS_COUNTER, assignments_table, count_change, load_assignments
from tests.review.conftest import PASSWORD, login, page_offsets, shown_id

IT = "barrier.it_integration"
OEK = "barrier.tvaergaaende_oekonomistyring"
JOB = "area.beskaeftigelse"
R001 = "R001:1.2_kommentar:a0-68"
LEMVIG = "R002:7_afsluttende_kommentar:a0-65"
TURN = "INT-A:t109-259"
TEMPLATES = Path(__file__).resolve().parents[2] / "hoi_nlp" / "review" / "app" / "templates"


def danish_client(workspace, codebook, **review):
    """The app as `hoi review` serves it by default (Danish), with the tests' fast recogniser."""
    from fastapi.testclient import TestClient

    from hoi_nlp.review.app import AppConfig, create_app
    from hoi_nlp.review.masking import PrivacyView
    from hoi_nlp.settings import Settings

    settings = Settings(pseudonymize={"recogniser": "patterns"}, review=review)
    config = AppConfig(
        workspace=workspace,
        codebook=codebook,
        settings=settings,
        active_learning=False,
        privacy=PrivacyView(workspace, settings),
    )
    return TestClient(create_app(config), base_url="http://127.0.0.1", follow_redirects=False)


@pytest.fixture
def anna(study_ws, small_cb):
    add_user(study_ws, "anna", PASSWORD)
    client = danish_client(study_ws, small_cb)
    client.csrf = login(client, "anna")
    return client


def _post(client, url, data, **headers):
    return client.post(url, data={**data, "csrf_token": client.csrf}, headers=headers)


# ---------------------------------------------------------------- language


def test_the_app_speaks_danish_by_default_and_english_on_request(anna, study_ws, small_cb):
    page = anna.get("/queue").text
    assert 'lang="da"' in page and "Kodekø" in page and "Gennemse" in page and "Review queue" not in page
    segment = anna.get(f"/segment/{R001}").text
    assert (
        "Acceptér" in segment and "Afvis" in segment and "Historik" in segment and ">Accept<" not in segment
    )
    assert anna.post("/language", data={"language": "en", "next": "/queue"}).status_code == 403  # CSRF
    switched = _post(anna, "/language", {"language": "en", "next": "/browse?status=all"})
    assert switched.status_code == 303 and switched.headers["location"] == "/browse?status=all"
    assert "hoi_lang=en" in switched.headers["set-cookie"]
    page = anna.get("/queue").text
    assert 'lang="en"' in page and "Review queue" in page and "Kodekø" not in page
    assert (
        _post(anna, "/language", {"language": "da", "next": "//evil.example"}).headers["location"] == "/queue"
    )
    assert "Kodekø" in anna.get("/queue").text
    english = danish_client(study_ws, small_cb, language="en")
    login(english, "anna")
    assert "Review queue" in english.get("/queue").text


def _template_strings() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"_\(\s*'([^']+)'", text)) | set(re.findall(r'_\(\s*"([^"]+)"', text))
    return found


#: The app's modules and the library modules whose refusals the app shows.
APP_MODULES = (
    "hoi_nlp/review/app/workbench.py",
    "hoi_nlp/review/app/explain.py",
    "hoi_nlp/review/app/routes.py",
    "hoi_nlp/review/codebook_edit.py",
    "hoi_nlp/review/accounts.py",
    "hoi_nlp/review/decisions.py",
    "hoi_nlp/review/rounds.py",
    "hoi_nlp/review/study_memos.py",
    "hoi_nlp/review/agreement.py",
)


def test_every_refusal_the_app_shows_is_a_template_with_its_parameters():
    """A refusal written as an f-string has no entry the app could translate: the analyst read the
    library's English in the Danish app (a rename to a retired id, a stance on a code outside the
    barrier family, a decision on a unit that left the study …). Every message and hint of these
    modules is a template on one source line, filled with keyword parameters."""
    for module in APP_MODULES:
        text = (TEMPLATES.parents[3] / module).read_text(encoding="utf-8")
        formatted = re.findall(r'(?:Error\(\s*|\bhint=\s*)f["\']', text)
        assert not formatted, (module, len(formatted))


def _alert(page: str) -> str:
    found = re.search(r'<p class="alert"[^>]*>(.*?)</p>', page, re.S)
    assert found, page[-800:]
    return unescape(found.group(1))


def test_the_library_s_refusals_reach_the_analyst_in_the_app_s_language(anna, study_ws, small_cb):
    """The app showed the library's English refusal in the Danish app: a decision without its code or with
    a mistyped one, a study memo too long, a span offset that is no number (a 500 before), a round of
    another analyst; now in Danish, and in English when the analyst chose English."""
    turn = shown_id(anna, TURN)
    refusals = {  # what the analyst does -> (status, Danish, English)
        ("hx", f"/segment/{turn}/decide", (("action", "accept"),)): (
            422, "handlingen 'accept' skal have en kode", "action 'accept' needs a code"),
        ("hx", f"/segment/{turn}/decide", (("action", "accept"), ("code_id", "barrier.it_integratoin"))): (
            422, "ukendt kode-id 'barrier.it_integratoin' — mente du barrier.it_integration?",
            "unknown code id 'barrier.it_integratoin' — did you mean barrier.it_integration?"),
        ("form", "/memos", (("text", "x" * 20_001),)): (
            422, "et memo om studiet er højst 20000 tegn, dets titel 200", "a study memo is at most 20000"),
        ("hx", f"/segment/{turn}/decide", (("action", "span"), ("start", "abc"), ("end", "9"))): (
            422, "forskydningen 'abc' er ikke et helt tal", "offset 'abc' is not a whole number"),
        ("form", "/rounds/R9/finish", ()): (422, "ukendt runde 'R9'", "unknown round 'R9'"),
    }
    for language in ("da", "en"):
        if language == "en":
            _post(anna, "/language", {"language": "en", "next": "/queue"})
        for (kind, url, data), (status, danish, english) in refusals.items():
            headers = {"HX-Request": "true"} if kind == "hx" else {}
            refused = _post(anna, url, dict(data), **headers)
            assert refused.status_code == status, (url, refused.text[-500:])
            shown = _alert(refused.text)
            if language == "da":
                assert danish in shown and english not in shown, shown
            else:
                assert english in shown and danish not in shown, shown


def test_the_words_a_refusal_lists_are_in_the_analysts_language(anna, study_ws, small_cb):
    """A Danish refusal listed the app's words in English: «brug en af accept, reject, add, …» (a forged
    action), the stances of a forged stance («'maybe': hindrance, precondition, …», not even a sentence),
    the attributes a reviewer without rights may filter by («role, size_group, region») and the roles of
    an account («analyst, admin»); the pages name them in Danish."""
    add_user(study_ws, "chef", PASSWORD, role="admin")
    chef = danish_client(study_ws, small_cb)
    chef.csrf = login(chef, "chef")
    unit = shown_id(anna, R001)
    refusals = [  # (client, method, url, form) -> (status, Danish, English)
        ((anna, "hx", f"/segment/{unit}/decide", {"action": "zzz"}),
         (422, "ukendt handling 'zzz' — brug en af acceptér, afvis, tilføj, fjern, udsnit",
          "unknown action 'zzz' — use one of accept, reject, add, remove, span")),
        ((anna, "hx", f"/segment/{unit}/stance", {"code_id": IT, "outcome": "maybe"}),
         (422, "'maybe' er ingen holdning: brug en af hindring, forudsætning, overvundet / ikke til stede, "
               "vurdering", "'maybe' is no stance: use one of hindrance, precondition, overcome, rating")),
        ((anna, "get", "/queue?attr=municipality%3DLemvig", {}),
         (400, "du kan kun filtrere efter attributterne rolle, størrelsesgruppe, region",
          "you can filter by the attributes role, size_group, region only")),
        ((chef, "form", "/admin/users/add", {"username": "dorte", "password": PASSWORD, "role": "boss"}),
         (422, "ukendt rolle 'boss' — brug en af analytiker, admin",
          "unknown role 'boss' — use one of analyst, admin")),
    ]
    for language in ("da", "en"):
        for client in (anna, chef):
            if language == "en":
                _post(client, "/language", {"language": "en", "next": "/queue"})
        for (client, kind, url, data), (status, danish, english) in refusals:
            if kind == "get":
                refused = client.get(url)
            else:
                refused = _post(client, url, data, **({"HX-Request": "true"} if kind == "hx" else {}))
            assert refused.status_code == status, (url, refused.text[-500:])
            shown = _alert(refused.text)
            assert (danish if language == "da" else english) in shown, shown


def test_every_word_the_app_shows_has_its_danish():
    from hoi_nlp.records import STANCES
    from hoi_nlp.review.app.i18n import DA
    from hoi_nlp.review.app.paging import STATUSES
    from hoi_nlp.review.app.views import BANDS
    from hoi_nlp.review.decisions import ACTIONS, REVIEW_STATUSES

    strings = _template_strings()
    assert len(strings) > 150
    for module in APP_MODULES:
        text = (TEMPLATES.parents[3] / module).read_text(encoding="utf-8")
        strings |= set(re.findall(r'(?:_|Error)\(\s*"([^"]+)"', text))
        strings |= set(re.findall(r'\bhint=\s*"([^"]+)"', text))  # a refusal's hint is shown too
    dynamic = {
        *STANCES,
        *ACTIONS,
        *REVIEW_STATUSES,
        *STATUSES,
        *BANDS,
        "possible",
        "analyst",
        "admin",
        "codebook example",
        "reviewed quote",
        "training example",
        "rules",
        "similarity",
        "classifier",
        "the word «{text}» in any form",
        "the phrase «{text}»",
        "a word pattern of the codebook",
        "active learning (the coder's most uncertain units first, varied)",
        "lowest confidence first",
    }
    missing = sorted(s for s in strings | dynamic if s not in DA and s not in ("Dansk", "English"))
    assert not missing, missing


# ---------------------------------------------------------------- codebook work


def test_codebook_work_in_the_app_is_versioned_audited_and_followed_by_the_codings(anna, study_ws, small_cb):
    # an analyst's decisions before the change: reject IT, accept the budget code, on R001
    for action, code in (("reject", IT), ("accept", OEK)):
        assert _post(anna, f"/segment/{R001}/decide", {"action": action, "code_id": code}).status_code == 303
    # --- a new code from a quote (a selection across a name): pseudonymised example, added to the unit
    source_text = "Her i Lemvig mangler vi tid. Kontakt Mette Hansen på 12 34 56 78."
    start = source_text.index("mangler")
    end = source_text.index(" på 12")
    lemvig = shown_id(anna, LEMVIG)  # the id in the page's links (keyed: its offsets would tell lengths)
    shown_start, shown_end = page_offsets(anna.get(f"/segment/{lemvig}?status=all").text, "mangler", " på")
    assert (shown_start, shown_end) != (start, end)  # the page carries offsets into the redaction
    created = _post(
        anna,
        "/codebook/new",
        {
            "segment_id": lemvig,
            "family": "barrier",
            "label": "Mangel på tid",
            "description": "Tid som knap ressource.",
            "start": str(shown_start),
            "end": str(shown_end),
            "q": "status=all",
        },
    )
    assert created.status_code == 303 and created.headers["location"] == f"/segment/{lemvig}?status=all"
    new = "barrier.mangel_paa_tid"
    codebook = current_codebook(study_ws, small_cb)
    example = codebook.code(new).examples[0]
    assert example.startswith("mangler vi tid. Kontakt [PERSON") and "Mette" not in example
    state = current_state(study_ws)
    assert state.codes[(LEMVIG, new)].status == "added" and state.codes[(LEMVIG, new)].span == (start, end)
    page = anna.get(f"/segment/{lemvig}?status=all").text
    assert f'data-code="{new}"' in page and "Mangel på tid" in page and "Mette" not in page
    # --- merge the budget code into IT: R001's machine suggestions become one, the decisions follow
    merged = _post(anna, f"/codebook/{OEK}/merge", {"into": IT})
    assert merged.status_code == 303 and merged.headers["location"].startswith(f"/codebook/{IT}?saved=")
    assert "Gemt: kodebogens version 3." in anna.get(merged.headers["location"]).text
    assert [a.confidence for a in load_assignments(study_ws) if a.segment_id == R001] == [0.92]
    assert current_state(study_ws).codes[(R001, IT)].status == "accepted"  # reject IT, then accept OEK → IT
    assert (R001, OEK) not in current_state(study_ws).codes
    assert "Økonomien ligger i søjlerne." in current_codebook(study_ws, small_cb).code(IT).examples
    # --- rename with a new id, move to another family, deprecate and restore
    renamed = _post(
        anna, f"/codebook/{IT}/rename", {"label": "IT-systemer taler ikke sammen", "name": "it_systemer"}
    )
    assert renamed.headers["location"].startswith("/codebook/barrier.it_systemer?saved=4")
    moved = _post(anna, f"/codebook/{JOB}/move", {"family": "barrier"})
    assert moved.headers["location"].startswith("/codebook/barrier.beskaeftigelse?saved=5")
    assert _post(anna, f"/codebook/{new}/deprecate", {"reason": "for smal"}).status_code == 303
    refused = _post(
        anna, f"/segment/{R001}/decide", {"action": "add", "code_id": new}, **{"HX-Request": "true"}
    )
    assert refused.status_code == 422 and f"koden '{new}' er udfaset" in unescape(refused.text)  # in Danish
    assert _post(anna, f"/codebook/{new}/restore", {}).status_code == 303
    # every codebook version is a file; the decisions log is untouched, read through the renames
    assert sorted(p.name for p in (study_ws.root / "codebook").glob("*.yaml")) == [
        f"v000{i}.yaml" for i in range(1, 8)
    ]
    assert code_id_map(study_ws) == {
        OEK: "barrier.it_systemer",
        IT: "barrier.it_systemer",
        JOB: "barrier.beskaeftigelse",
    }
    assert {d.code_id for d in load_decisions(study_ws) if d.segment_id == R001} == {"barrier.it_systemer"}
    assert current_state(study_ws).codes[(R001, "barrier.it_systemer")].status == "accepted"
    assert {a.code_id for a in load_assignments(study_ws)} == {
        "barrier.it_systemer",
        "barrier.beskaeftigelse",
    }
    assert set(machine_suggestions(study_ws)) >= {
        (R001, "barrier.it_systemer"),
        (TURN, "barrier.beskaeftigelse"),
    }
    # --- the audit trail: who changed what, when; and that the coder should be retrained
    history = anna.get("/codebook/history").text
    for words in (
        "Kodebogen kopieret ind i studiet (3 koder",
        "Oprettede barrier.mangel_paa_tid «Mangel på tid»",
        "(ud fra et citat)",
        f"Slog {OEK} «Manglende tværgående økonomistyring» sammen med {IT}",
        f"Omdøbte {IT}",
        "nyt id barrier.it_systemer",
        "Flyttede area.beskaeftigelse fra area til barrier",
        "Udfasede barrier.mangel_paa_tid «Mangel på tid»: for smal",
        "Genindførte",
        "anna",
        "Gentræning anbefales",
        "hoi retrain STUDY",
    ):
        assert words in history, words
    assert [c.action for c in codebook_history(study_ws)] == [
        "import",
        "create",
        "merge",
        "rename",
        "move",
        "deprecate",
        "restore",
    ]
    assert "Gentræning anbefales" in anna.get("/codebook").text
    # a later app (another server start) uses the study's latest codebook, not the file it was started with
    again = danish_client(study_ws, small_cb)
    login(again, "anna")
    assert "IT-systemer taler ikke sammen" in again.get("/codebook").text


def test_codebook_changes_reach_the_exports(anna, study_ws, tmp_path):
    assert _post(anna, f"/codebook/{OEK}/merge", {"into": IT}).status_code == 303
    assert _post(anna, "/codebook/new", {"family": "area", "label": "Ældreområdet"}).status_code == 303
    out = tmp_path / "kodebog.qdc"
    small = Path(__file__).resolve().parents[1] / "data" / "codebooks" / "small.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hoi_nlp.cli",
            "export",
            str(study_ws.root),
            "--format",
            "qdc",
            "--codebook",
            str(small),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    xml = out.read_text(encoding="utf-8")
    assert "Ældreområdet" in xml and "Manglende tværgående økonomistyring" not in xml


def test_codebook_errors_are_shown_in_the_analysts_language(anna):
    itself = _post(anna, f"/codebook/{IT}/merge", {"into": IT})
    assert itself.status_code == 422 and "en kode kan ikke slås sammen med sig selv" in itself.text
    taken = _post(anna, "/codebook/new", {"family": "barrier", "label": "x", "name": "it_integration"})
    assert taken.status_code == 422 and "der findes allerede en kode 'barrier.it_integration'" in unescape(
        taken.text
    )
    unknown = _post(anna, "/codebook/barrier.nope/rename", {"label": "Ny"})
    assert unknown.status_code == 422 and "ukendt kode 'barrier.nope'" in unescape(unknown.text)
    assert anna.post(f"/codebook/{IT}/rename", data={"label": "Ny"}).status_code == 403  # no CSRF token


def test_a_code_from_a_quote_refused_keeps_what_the_analyst_typed(anna, study_ws):
    """Another analyst had created a code of that name meanwhile: the refusal was a bare error page
    («Tilbage til køen»), and the label, description and rules the analyst had typed were gone."""
    lemvig = shown_id(anna, LEMVIG)
    assert _post(anna, "/codebook/new", {"segment_id": lemvig, "family": "barrier", "label": "Tidspres",
                                         "q": "status=all"}).status_code == 303
    decisions = len(load_decisions(study_ws))
    form = {"segment_id": lemvig, "family": "barrier", "label": "Tidspres",
            "description": "Medarbejderne har for travlt til møder på tværs.",
            "include": "Kodes når tid nævnes som barriere.", "exclude": "Ikke økonomi.", "q": "status=all"}
    refused = _post(anna, "/codebook/new", form)
    assert refused.status_code == 422
    page = unescape(refused.text)
    assert "der findes allerede en kode 'barrier.tidspres'" in page  # why, in Danish
    assert 'id="segment-body"' in page or "Opret en kode ud fra dette citat" in page  # the unit's page
    assert '<details class="card create-code" id="create-code" open>' in refused.text  # the form, open
    for typed in ("Tidspres", form["description"], form["include"], form["exclude"]):
        assert typed in page
    assert '<option value="barrier" selected>' in refused.text
    assert len(load_decisions(study_ws)) == decisions  # nothing recorded


def test_text_typed_into_the_codebook_is_pseudonymised(anna, study_ws, small_cb):
    """The codebook goes into every export and its words are left out of the exports' leak check."""
    form = {"family": "area", "label": "Lemvig-modellen",
            "description": "Som Mette Hansen beskriver den.", "name": "lokal_model"}
    assert _post(anna, "/codebook/new", form).status_code == 303
    code = current_codebook(study_ws, small_cb).code("area.lokal_model")
    assert "Lemvig" not in code.label and "[KOMMUNE]" in code.label
    assert "Mette" not in code.description and "[PERSON" in code.description
    renamed = _post(anna, "/codebook/area.lokal_model/rename", {"label": "Modellen fra Lemvig"})
    assert renamed.status_code == 303
    assert "Lemvig" not in current_codebook(study_ws, small_cb).code("area.lokal_model").label


def test_a_code_id_holding_a_name_of_the_study_is_refused(anna, study_ws, small_cb):
    """Labels are pseudonymised as typed, the id is not: an analyst who named a new code
    `lemvig_model` showed the municipality to every reviewer without rights (the code's chip, the
    codebook history) and left `hoi export` refusing to publish anything until it was renamed."""
    before = len(codebook_history(study_ws))
    for url, form in (("/codebook/new", {"family": "area", "label": "Lokal model", "name": "lemvig_model"}),
                      ("/codebook/new", {"family": "area", "label": "Lemvig model", "name": "LEMVIG_model"}),
                      (f"/codebook/{IT}/rename", {"label": "IT", "name": "it_i_lemvig"})):
        refused = _post(anna, url, form)
        assert refused.status_code == 422, (url, form)
        assert "kodens id ville rumme et navn, som studiet pseudonymiserer" in unescape(refused.text)
        assert "lemvig" not in refused.text.lower()
    assert len(codebook_history(study_ws)) == before
    assert not any("lemvig" in code.id for code in current_codebook(study_ws, small_cb).codes)
    # the label alone names nobody once pseudonymised: its slug becomes the id
    assert _post(anna, "/codebook/new", {"family": "area", "label": "Lemvig model"}).status_code == 303
    assert not any("lemvig" in code.id for code in current_codebook(study_ws, small_cb).codes)


def test_a_refused_span_tells_a_reviewer_without_rights_no_source_offsets(anna):
    """A selection outside the unit was refused with «span 3-28 of segment 'k1:t47-280' leaves the coding
    unit's context 47-280»: the unit's own id and source offsets, which tell a reviewer without rights how
    much longer the hidden names are than their placeholders."""
    shown = shown_id(anna, TURN)
    for start, end in ((0, 5), (0, 10**6)):
        form = {"action": "span", "start": str(start), "end": str(end)}
        refused = _post(anna, f"/segment/{shown}/decide", form, **{"HX-Request": "true"})
        assert refused.status_code == 422
        assert TURN not in unescape(refused.text)
        alert = re.search(r'<p class="alert" role="alert" id="error">(.*?)</p>', refused.text)
        error = unescape(alert.group(1))
        assert error.startswith("markeringen ligger uden for det fremhævede svar eller den fremhævede tur")
        assert not re.search(r"\d", error)


def test_a_code_from_a_quote_outside_the_unit_tells_a_reviewer_without_rights_no_offsets(anna):
    """«Create a code from this quote» refused the same selection with the library's own words: the
    unit's id and source offsets."""
    shown = shown_id(anna, TURN)
    form = {"family": "area", "label": "Ny kode", "segment_id": shown, "start": "0", "end": str(10**6)}
    refused = _post(anna, "/codebook/new", form)
    assert refused.status_code == 422
    assert TURN not in unescape(refused.text)
    assert "markeringen ligger uden for det fremhævede svar" in unescape(refused.text)
    alert = re.search(r'<p class="alert" role="alert">(.*?)</p>', refused.text, re.S)
    assert not re.search(r"\d", unescape(alert.group(1)))


def test_rename_steps_compose_into_one_map():
    assert resolve_renames([{"a.x": "a.y"}, {"a.y": "b.y"}, {"c.z": "b.y"}]) == {
        "a.x": "b.y",
        "a.y": "b.y",
        "c.z": "b.y",
    }
    assert resolve_renames([{"a.x": "a.y"}, {"a.y": "a.x"}]) == {"a.y": "a.x"}


def test_a_version_file_reads_back_as_the_same_codebook(study_ws, small_cb):
    from hoi_nlp.review.codebook_edit import create_code

    codebook, change = create_code(study_ws, small_cb, analyst="anna", family_id="area", label="Sundhed")
    first = current_codebook(study_ws, small_cb)
    assert first == codebook and change.version == 2
    original = study_ws.root / "codebook" / "v0001.yaml"
    from hoi_nlp.codebook import load_codebook

    copy = load_codebook(original)
    assert [c.model_dump() for c in copy.codes] == [c.model_dump() for c in small_cb.codes]


# ---------------------------------------------------------------- browse paging and counts


def test_browse_pages_through_every_unit_with_counts_per_filter(study_ws, small_cb):
    add_user(study_ws, "anna", PASSWORD)
    client = danish_client(study_ws, small_cb, page_size=2)
    login(client, "anna")
    first = client.get("/browse").text
    assert "side 1 af 3" in first and "6 kodeenheder" in first and "viser 1–2" in first
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/browse?page={page}").text
        seen += re.findall(r'<tr class="unit-row" data-href="/segment/([^"?]+)', html)
    assert len(seen) == 6 and len(set(seen)) == 6
    last = client.get("/browse?page=99").text
    assert "side 3 af 3" in last and '<td class="num">5</td>' in last
    assert "Næste side" in first and 'data-page="next" href="/browse?status=all&amp;page=2"' in first
    # counts: what each filter value would show together with the other filters
    assert f'<option value="{JOB}" >Beskæftigelsesområdet (3)</option>' in first
    assert f'<option value="{IT}" >Utilstrækkelig integration af IT-systemer (1)</option>' in first
    filtered = client.get(f"/browse?code={JOB}").text
    assert "3 kodeenheder" in filtered and "side" not in filtered.split("<h1>")[1].split("</p>")[0]
    # families: no unit with the area code carries a barrier code too
    assert '<option value="barrier" >Barrierer (0)</option>' in filtered
    assert '<option value="area" >Fagområder (3)</option>' in filtered
    assert '<option value="pending" >afventer (3)</option>' in filtered
    sidebar = filtered.split("<aside")[1].split("</aside>")[0]
    assert 'Større kommune <span class="count">3</span>' in sidebar
    assert (
        'Mindre kommune <span class="count">0</span>' in sidebar
        and "<summary>Størrelsesgruppe</summary>" in sidebar
    )
    queue = client.get("/queue").text
    assert "afventer (4)" in queue and "side 1 af 2" in queue


def test_the_queue_says_which_order_it_shows(anna):
    page = anna.get("/queue").text
    assert "ordnet efter laveste sikkerhed først" in page
    config = anna.app.state.config
    config.order = ["INT-A:t291-447", R001]  # what the background active-learning ranking produces
    page = anna.get("/queue").text
    assert "ordnet efter aktiv læring" in page
    assert page.index(shown_id(anna, "INT-A:t291-447")) < page.index(shown_id(anna, R001)) \
        < page.index("R001:4.2a_indsats1")


def test_code_chips_show_the_family(anna):
    browse = anna.get("/browse").text
    assert re.search(r'<span class="fam-label">Fagområder</span> Beskæftigelsesområdet', browse)
    assert re.search(r'<span class="fam-label">Barrierer</span> Utilstrækkelig integration', browse)


# ---------------------------------------------------------------- admin page


def test_the_admin_page_manages_accounts_for_admins_only(study_ws, small_cb, anna):
    add_user(study_ws, "chef", PASSWORD, role="admin")
    assert anna.get("/admin/users").status_code == 403
    assert _post(anna, "/admin/users/add", {"username": "eve", "password": "x" * 12}).status_code == 403
    assert "/admin/users" not in anna.get("/queue").text
    chef = danish_client(study_ws, small_cb)
    chef.csrf = login(chef, "chef")
    page = chef.get("/admin/users").text
    assert 'data-user="anna"' in page and 'data-user="chef"' in page and 'href="/admin/users"' in page
    assert chef.post("/admin/users/add", data={"username": "bo", "password": "x" * 12}).status_code == 403
    added = _post(
        chef,
        "/admin/users/add",
        {"username": "bo", "password": "bo-kodeord-1", "role": "analyst", "can_see_original": "1"},
    )
    assert added.status_code == 303 and added.headers["location"] == "/admin/users?done=added&user=bo"
    assert "Tilføjede bo." in chef.get(added.headers["location"]).text
    assert authenticate(study_ws, "bo", "bo-kodeord-1").can_see_original
    short = _post(chef, "/admin/users/add", {"username": "cai", "password": "kort"})
    assert short.status_code == 422 and "adgangskoden skal have mindst 10 tegn" in short.text
    taken = _post(chef, "/admin/users/add", {"username": "bo", "password": "et-godt-kodeord-7"})
    assert taken.status_code == 422 and "brugeren 'bo' findes allerede" in unescape(taken.text)
    # a new password ends the user's sessions
    reset = _post(chef, "/admin/users/anna/password", {"password": "nyt-kodeord-9"})
    assert reset.status_code == 303
    assert "Ny adgangskode sat for anna" in chef.get(reset.headers["location"]).text
    assert anna.get("/queue").status_code == 303
    assert authenticate(study_ws, "anna", PASSWORD) is None and authenticate(
        study_ws, "anna", "nyt-kodeord-9"
    )
    removed = _post(chef, "/admin/users/bo/remove", {})
    assert removed.status_code == 303
    after = chef.get(removed.headers["location"]).text
    assert "Fjernede bo" in after and 'data-user="bo"' not in after
    assert authenticate(study_ws, "bo", "bo-kodeord-1") is None
    myself = _post(chef, "/admin/users/chef/remove", {})
    assert myself.status_code == 422 and "du kan ikke fjerne dig selv" in myself.text


# ---------------------------------------------------------------- explanations, possible codes, stance


def _machine_output(workspace):
    """What the coder writes since issue 17: a below-threshold candidate and a barrier stance."""
    with workspace.engine.begin() as conn:
        conn.execute(
            update(assignments_table)
            .where(assignments_table.c.segment_id == R001, assignments_table.c.code_id == IT)
            .values(stance="hindrance")
        )
        row = (
            conn.execute(select(assignments_table).where(assignments_table.c.segment_id == R001))
            .mappings()
            .first()
        )
        conn.execute(
            insert(assignments_table),
            [
                {
                    **{k: v for k, v in row.items() if k != "id"},
                    "code_id": JOB,
                    "confidence": 0.31,
                    "tier": "possible",
                    "stance": None,
                    "evidence": [{"start": 6, "end": 17, "text": "IT-systemer", "pattern": "lemma:it"}],
                    "components": {"rule": 0.2, "similarity": 0.35, "classifier": 0.3},
                }
            ],
        )
        count_change(conn, ASSIGNMENTS_COUNTER)  # as the coder's writers do: the open app follows it


def test_the_segment_page_explains_each_suggestion_in_the_analysts_words(anna, study_ws):
    _machine_output(study_ws)
    page = anna.get(f"/segment/{R001}").text
    assert "“IT-systemer”" in page and "“taler ikke sammen”" in page
    assert "ordet «it-systemer» i alle bøjninger" in page and "udtrykket «taler ikke sammen»" in page
    assert "IT-systemer der ikke taler sammen." in page  # the definition beside the suggestion
    assert '“Vores IT-systemer taler ikke sammen.” <span class="muted">(kodebogseksempel)</span>' in page
    turn = anna.get(f"/segment/{TURN}").text
    assert "udtrykket «jobcentret»" in turn and "“jobcentret”" in turn  # readable evidence (issue 17)
    for syntax in ("REGEX", "LOWER", "tokens:", "lemma:", "phrase:"):
        assert syntax not in page and syntax not in turn


def test_possible_codes_are_shown_apart_and_count_only_when_accepted(anna, study_ws):
    _machine_output(study_ws)
    page = anna.get(f"/segment/{R001}").text
    assert "Mulige koder" in page and f'class="code-row possible" tabindex="0" data-code="{JOB}"' in page
    assert "0,31" in page and "lighed 0,35" in page  # the Danish app writes a decimal comma
    assert "0,5–0,8" in anna.get("/browse").text  # also in its confidence bands
    anna.cookies.set("hoi_lang", "en")
    assert "0.31" in anna.get(f"/segment/{R001}").text
    anna.cookies.set("hoi_lang", "da")
    assert (R001, JOB) not in current_state(study_ws).codes and (R001, JOB) not in machine_suggestions(
        study_ws
    )
    accepted = _post(
        anna, f"/segment/{R001}/decide", {"action": "add", "code_id": JOB}, **{"HX-Request": "true"}
    )
    assert accepted.status_code == 200 and "Mulige koder" not in accepted.text
    assert current_state(study_ws).codes[(R001, JOB)].status == "added"


def test_units_with_possible_codes_can_be_listed(anna, study_ws):
    """A unit whose codes are only "possible" is never in the queue (nothing is pending): the
    "possible" status lists the units with candidates nobody has decided on."""
    _machine_output(study_ws)
    listed = anna.get("/browse?status=possible").text
    r001 = shown_id(anna, R001)  # the id in the list's links
    assert r001 in listed and re.search(r'muligvis <span class="count">1</span>', listed)
    assert r001 in anna.get(f"/browse?status=possible&code={JOB}").text
    assert r001 not in anna.get(f"/browse?status=possible&code={IT}").text
    page = anna.get(f"/segment/{R001}").text
    row = page.split(f'class="code-row possible" tabindex="0" data-code="{JOB}"', 1)[1].split("</li>\n", 1)[0]
    assert 'name="action" value="reject"' in row  # "looked at, not this code" can be recorded
    _post(anna, f"/segment/{R001}/decide", {"action": "reject", "code_id": JOB})
    assert r001 not in anna.get("/browse?status=possible").text
    assert current_state(study_ws).codes[(R001, JOB)].status == "rejected"


def test_the_barrier_stance_is_shown_and_the_analyst_can_change_it(anna, study_ws):
    _machine_output(study_ws)
    page = anna.get(f"/segment/{R001}").text
    assert "Holdning:</strong> hindring (maskine)" in page
    changed = _post(
        anna, f"/segment/{R001}/stance", {"code_id": IT, "outcome": "overcome"}, **{"HX-Request": "true"}
    )
    assert changed.status_code == 200 and "Holdning:</strong> overvundet / ikke til stede" in changed.text
    assert code_reviews(current_state(study_ws))[(R001, IT)].stance == "overcome"
    assert [d.action for d in load_decisions(study_ws)] == ["stance"]
    bad = _post(
        anna, f"/segment/{R001}/stance", {"code_id": IT, "outcome": "maybe"}, **{"HX-Request": "true"}
    )
    assert bad.status_code == 422
    assert f'data-code="{JOB}"' in anna.get("/segment/INT-A:t291-447").text
    assert "Holdning" not in anna.get("/segment/INT-A:t291-447").text  # area codes carry no stance


def test_examples_from_the_study_are_pseudonymised_for_reviewers_without_rights(study_ws, small_cb, anna):
    add_user(study_ws, "chef", PASSWORD, role="admin", can_see_original=True)
    assert (
        _post(
            anna, f"/segment/{shown_id(anna, LEMVIG)}/decide",
            {"action": "add", "code_id": IT, "q": "status=all"},
        ).status_code
        == 303
    )
    page = anna.get(f"/segment/{R001}").text
    assert "(gennemgået citat)" in page and "[KOMMUNE]" in page
    assert "Lemvig" not in page and "Mette" not in page
    chef = danish_client(study_ws, small_cb)
    login(chef, "chef")
    assert "Her i Lemvig mangler vi tid" in chef.get(f"/segment/{R001}").text


def test_citing_a_merged_code_or_grouping_by_a_missing_attribute_says_what_to_do(study_ws, small_cb):
    """A report author who cites a code merged away in the review app is told its id now; --group by
    an attribute the sources do not show is an error naming those they do (not "no quotes")."""
    from hoi_nlp.errors import ExportError
    from hoi_nlp.export.api import cite
    from hoi_nlp.review.codebook_edit import merge_codes
    from hoi_nlp.settings import Settings

    codebook, _ = merge_codes(study_ws, small_cb, analyst="anna", code_id=OEK, into=IT)
    with pytest.raises(ExportError, match=f"'{OEK}' has been renamed or merged into '{IT}'"):
        cite(study_ws, codebook, OEK, settings=Settings(), embeddings=False)
    with pytest.raises(ExportError, match="no attribute 'kommune'") as raised:
        cite(study_ws, codebook, IT, settings=Settings(), embeddings=False, group="kommune=Vejle")
    assert "size_group" in (raised.value.hint or "")
    assert cite(study_ws, codebook, IT, settings=Settings(), embeddings=False,
                group="size_group=Større kommune")


def test_citing_a_group_no_respondent_is_in_names_the_values_there_are(study_ws, small_cb):
    """`--group region=Syddanmark` (the value is «Region Syddanmark») said «no quotes», as if the code
    had none there: a value no source holds is an error naming the values there are."""
    from hoi_nlp.errors import ExportError
    from hoi_nlp.export.api import cite
    from hoi_nlp.settings import Settings

    with pytest.raises(ExportError, match="no source has size_group='Lille kommune'") as raised:
        cite(study_ws, small_cb, IT, settings=Settings(), embeddings=False, group="size_group=Lille kommune")
    assert "Større kommune" in (raised.value.hint or "")


def test_codebook_show_of_a_study_shows_its_codebook_as_it_is_now(study_ws, small_cb):
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.review.codebook_edit import merge_codes

    merge_codes(study_ws, small_cb, analyst="anna", code_id=OEK, into=IT)
    result = CliRunner().invoke(app, ["codebook", "show", "--workspace", str(study_ws.root)])
    assert result.exit_code == 0, result.output
    assert IT in result.output and OEK not in result.output

"""Work that read the same study data more than once: each read now happens once (counted as SQL
statements on the workspace's database; no timings)."""

from __future__ import annotations

from hoi_nlp.review.decisions import record_decision
from hoi_nlp.settings import Settings
from tests.conftest import DATA
from tests.sql_count import reading, statements

IT = "barrier.it_integration"
OEK = "barrier.tvaergaaende_oekonomistyring"
R001 = "R001:1.2_kommentar:a0-68"
LEMVIG = "R002:7_afsluttende_kommentar:a0-65"


def test_coding_a_batch_reads_its_units_decisions_once(study_ws, small_cb):
    """Re-coding a batch asked for its units' decisions twice (the decided codes to keep, then those decided
    on a suggestion to restore); both come from one read, and the decided codes are still kept."""
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.stages.study import code_batch, coding_ledger
    from hoi_nlp.store import load_assignments, load_segments

    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    before = {(a.segment_id, a.code_id): a for a in load_assignments(study_ws)}
    coder = RuleCoder(small_cb)
    batch = load_segments(study_ws, codable=True)
    with statements(study_ws) as sent:
        code_batch(study_ws, coder, batch, codebook=small_cb, ledger=coding_ledger(study_ws, small_cb, coder))
    assert len(reading(sent, "review_decisions")) == 1
    after = {(a.segment_id, a.code_id): a for a in load_assignments(study_ws)}
    assert after[(R001, IT)] == before[(R001, IT)] and after[(R001, OEK)] == before[(R001, OEK)]


def test_retraining_reads_the_review_once(study_ws, small_cb, tmp_path):
    """A retraining folded the whole review three times (the rows, the stances, the units left out); the
    summary is the same from one read."""
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder
    from hoi_nlp.stages.retrain import retrain_from_reviews

    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="stance", code_id=IT, analyst="anna",
                    outcome="overcome")
    record_decision(study_ws, segment_id=LEMVIG, action="reject", code_id=IT, analyst="anna")
    with statements(study_ws) as sent:
        summary = retrain_from_reviews(study_ws, codebook=small_cb, settings=Settings(),
                                       train_paths=[DATA / "review" / "train_small.jsonl"],
                                       embedder=TfidfEmbedder(dim=16),
                                       cache=EmbeddingCache(tmp_path / "cache"), rescore=False)
    assert len(reading(sent, "review_decisions")) == 1
    assert summary["reviewed_rows"] == 1 and summary["left_out_undecided"] == 1


def test_a_list_page_folds_the_review_once(study_ws, small_cb):
    """The queue and browse pages folded every decision and suggestion of the study twice per request (the
    list, then the filters' counts); one fold serves both, and the counts still count the list."""
    from tests.review.conftest import make_client

    client = make_client(study_ws, small_cb, login=False)
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    client.get("/login")
    with statements(study_ws) as sent:
        page = client.get("/browse?status=accepted")
    assert page.status_code == 200 and ">1 coding unit<" in page.text
    decisions = reading(sent, "review_decisions")
    checks = [s for s in decisions if "max(review_decisions.seq)" in s]  # the log's length (the kept lists)
    assert len(checks) == 1 and len(decisions) == 2  # one check, one fold
    assert len([s for s in reading(sent, "assignments") if "tier" in s]) == 2  # suggested, possible


def test_a_request_checks_that_the_study_s_units_are_current_without_reading_them(study_ws, small_cb):
    """Every request counted the study's sources and summed its segments' offsets to learn whether a run had
    changed them (a scan of the segments, ~8 ms at 100k units); it reads one counter now."""
    from tests.review.conftest import make_client

    client = make_client(study_ws, small_cb, login=False)
    client.get("/login")
    with statements(study_ws) as sent:
        assert client.get("/login").status_code == 200
    assert not reading(sent, "segments") and not reading(sent, "sources")
    assert len(reading(sent, "change_counts")) == 1


def test_the_pseudonymised_view_works_an_id_out_once_while_the_key_is_the_same(study_ws):
    """A list page asks for every unit's ids as shown (84,000 look-ups through the key's names at 17k units);
    each id is worked out once while the key is unchanged, and again once it learns a name the id holds."""
    from hoi_nlp.review.masking import PrivacyView
    from tests.review.conftest import review_settings

    view = PrivacyView(study_ws, review_settings())
    worked_out = []
    real = view.redactor.ident
    view.redactor.ident = lambda value: worked_out.append(value) or real(value)
    assert view.ident("interview_Bjerringbro_02") == "interview_Bjerringbro_02"
    assert view.ident("interview_Bjerringbro_02") == "interview_Bjerringbro_02"
    assert worked_out == ["interview_Bjerringbro_02"]
    view.redactor.key.placeholder_for("KOMMUNE", "Bjerringbro")
    assert view.ident("interview_Bjerringbro_02").startswith("id-")
    assert view.speaker("Bjerringbro") == view.speaker("Bjerringbro")


def test_a_link_s_unit_is_found_without_working_out_every_unit_s_shown_id(study_ws):
    """A unit page of a reviewer without rights maps its link's id back to the unit. That built every
    unit's whole shown id (each id's source part through the key's names: ~2.5 s at 17k units) on the first
    page and again whenever the key learnt a name; the keyed part alone finds the unit, whatever the key
    learns, and an id that holds a learnt name still resolves."""
    from hoi_nlp.review.masking import PrivacyView
    from hoi_nlp.store import load_segments
    from tests.review.conftest import review_settings

    view = PrivacyView(study_ws, review_settings())
    ids = {s.segment_id: s for s in load_segments(study_ws)}
    shown = {sid: view.segment_id(sid) for sid in ids}
    worked_out = []
    real = view.redactor.ident
    view.redactor.ident = lambda value: worked_out.append(value) or real(value)
    for sid, link in shown.items():
        assert view.real_id(link, ids) == sid
    view.redactor.key.placeholder_for("PERSON", "Henrik")  # the key learns a name
    assert view.real_id(shown[R001], ids) == R001
    assert worked_out == []


def test_a_study_not_yet_exported_makes_its_first_list_pages_once(tmp_path, small_cb, monkeypatch):
    """A study coded (`hoi ingest`, `hoi segment`, `hoi code`) and reviewed before its first export: its
    texts were never pseudonymised, so each first list page learnt the names in the texts it listed while
    it showed their previews, and was made again (every unit filtered and counted twice)."""
    from hoi_nlp.review.app import routes
    from tests.review.conftest import make_client
    from tests.review.test_changed_source_decisions import TURNS, _opened, _run, _write

    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    _write(study, [*TURNS[:3], ("D", "Vores IT-systemer taler ikke sammen, siger Mette Hansen."), *TURNS[4:]])
    for command in (("ingest", "studie"), ("segment", "studie"), ("code", "studie", "--coder", "rules")):
        _run(tmp_path, *command)
    made, real = [], routes._made_list_page

    def counted(request, mode, *args):
        made.append(request.url.path)
        return real(request, mode, *args)

    monkeypatch.setattr(routes, "_made_list_page", counted)
    with _opened(tmp_path) as workspace:
        client = make_client(workspace, small_cb, login=False)
        for path in ("/queue", "/browse"):
            page = client.get(path)
            assert page.status_code == 200 and "Mette" not in page.text and "[PERSON" in page.text
    assert made == ["/queue", "/browse"]


def test_the_first_list_page_finds_the_recogniser_loaded_and_the_attributes_read(study_ws, small_cb,
                                                                                  monkeypatch):
    """The first /queue after start loaded the privacy recogniser and recognised the names in every
    source's attributes (4.7 s of the first /queue at 17k units, the most of it): the app does it while it
    starts, beside loading the word lists, so the first page (made after it, as a reviewer opens it) only
    makes its list."""
    import threading

    from hoi_nlp.privacy import redact
    from tests.review.conftest import make_client

    client = make_client(study_ws, small_cb, login=False)
    for thread in threading.enumerate():
        if thread.name.startswith("hoi-"):
            thread.join()
    loaded, recognised = [], []
    real_init, real_values = redact.Pseudonymizer.__init__, redact.StudyRedactor._recognise_values

    def loading(self, *args, **options):
        loaded.append(True)
        real_init(self, *args, **options)

    def recognising(self, values, *args, **options):
        recognised.extend(values)
        return real_values(self, values, *args, **options)

    monkeypatch.setattr(redact.Pseudonymizer, "__init__", loading)
    monkeypatch.setattr(redact.StudyRedactor, "_recognise_values", recognising)
    page = client.get("/queue")
    assert page.status_code == 200 and "Mette" not in page.text
    assert not loaded and not recognised


def _wait_for_start_up() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("hoi-"):
            thread.join()


def test_a_page_opened_while_the_app_starts_does_not_wait_for_the_recogniser(study_ws, small_cb, monkeypatch):
    """The start-up thread loaded the recogniser (seconds) holding the pseudonym key's lock, which every
    request takes to follow the key file: the first page, even the login page, waited for the whole
    warm-up. The login page comes back while the recogniser is still loading, also while a reviewer
    without rights waits for it on her first list page (that page held the view's lock meanwhile)."""
    import threading

    from fastapi.testclient import TestClient

    from hoi_nlp.privacy import redact
    from hoi_nlp.review.accounts import add_user
    from tests.review.conftest import PASSWORD, make_client

    loading, release, loaded = threading.Event(), threading.Event(), []
    real_init = redact.Pseudonymizer.__init__

    def slow(self, *args, **options):
        loading.set()
        release.wait(timeout=10)
        loaded.append(True)
        real_init(self, *args, **options)

    monkeypatch.setattr(redact.Pseudonymizer, "__init__", slow)
    add_user(study_ws, "anna", PASSWORD)  # without original-text rights: the app loads the recogniser
    client = make_client(study_ws, small_cb)
    try:
        assert loading.wait(timeout=10)
        page = client.get("/login")
        assert page.status_code == 200 and not loaded
        client.post("/login", data={"username": "anna", "password": PASSWORD, "next": "/queue"})
        waiting = threading.Thread(target=client.get, args=("/queue",))
        waiting.start()
        waiting.join(timeout=1.5)
        assert waiting.is_alive() and not loaded  # her first list page waits for the recogniser
        other = TestClient(client.app, base_url="http://127.0.0.1", follow_redirects=False)
        answered: list[int] = []
        asking = threading.Thread(target=lambda: answered.append(other.get("/login").status_code))
        asking.start()
        asking.join(timeout=5)
        assert answered == [200] and not loaded
    finally:
        release.set()
        _wait_for_start_up()
    waiting.join()
    assert loaded


def test_an_app_whose_reviewers_all_have_rights_never_loads_the_recogniser(study_ws, small_cb, monkeypatch):
    """The start-up thread loaded the recogniser (~120 MB, seconds) in every app, also where no reader is
    shown pseudonymised texts (every account with original-text rights)."""
    from hoi_nlp.privacy import redact
    from hoi_nlp.review.accounts import add_user
    from tests.review.conftest import PASSWORD, login, make_client

    loaded = []
    real_init = redact.Pseudonymizer.__init__

    def loading(self, *args, **options):
        loaded.append(True)
        real_init(self, *args, **options)

    monkeypatch.setattr(redact.Pseudonymizer, "__init__", loading)
    add_user(study_ws, "chef", PASSWORD, can_see_original=True)
    client = make_client(study_ws, small_cb)
    _wait_for_start_up()
    login(client, "chef")
    assert client.get("/segment/" + R001).status_code == 200
    assert not loaded
    # logins off: only the local user opens the app; an account without rights does not count
    add_user(study_ws, "local", PASSWORD, can_see_original=True)
    add_user(study_ws, "anna", PASSWORD)
    make_client(study_ws, small_cb, login=False)
    _wait_for_start_up()
    assert not loaded

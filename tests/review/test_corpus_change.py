"""A running review app follows the study as `hoi run` changes it (sources added, changed or removed)."""

from __future__ import annotations

from hoi_nlp.records import Segment, Source
from hoi_nlp.store import load_segments, load_sources, remove_sources, save_segments, save_sources
from tests.review.conftest import make_client, shown_id

R001 = "R001:1.2_kommentar:a0-68"


def test_a_running_app_follows_sources_a_later_run_removes_and_adds(study_ws, small_cb):
    """A respondent who withdrew (their row gone, `hoi run` again) stayed in the open app's lists and pages
    until it was restarted, and an interview added meanwhile never reached the queue: the app read the
    study's units once, when it started."""
    client = make_client(study_ws, small_cb, login=False)
    assert client.get(f"/segment/{R001}").status_code == 200
    assert shown_id(client, R001) in client.get("/queue?status=all").text
    source = next(s for s in load_sources(study_ws) if s.source_id == "R001:1.2_kommentar")
    remove_sources(study_ws, [source.source_id])  # what `hoi run` does for a withdrawn respondent
    assert shown_id(client, R001) not in client.get("/queue?status=all").text
    assert client.get(f"/segment/{R001}").status_code == 404
    # the same text back under a new id, as a later run adds it
    new = Source.model_validate({**source.model_dump(), "source_id": "R099:1.2_kommentar",
                                 "respondent_id": "R099"})
    save_sources(study_ws, [new])
    seg = Segment(segment_id="R099:1.2_kommentar:a0-68", source_id=new.source_id, kind="answer", start=0,
                  end=68, text=new.text[:68], codable=True, question_id=new.question_id)
    save_segments(study_ws, [seg])
    assert seg.segment_id in {s.segment_id for s in load_segments(study_ws)}
    assert shown_id(client, seg.segment_id) in client.get("/queue?status=all").text
    assert client.get(f"/segment/{seg.segment_id}").status_code == 200



def test_a_running_app_shows_a_source_s_corrected_attributes(study_ws, small_cb):
    """A corrected region in the export (`hoi run`: «changed», attributes updated in place, the text kept):
    the open app went on showing the old one."""
    client = make_client(study_ws, small_cb, login=False)
    source = next(s for s in load_sources(study_ws) if s.source_id == "R001:1.2_kommentar")
    assert "Region Syddanmark" in client.get(f"/segment/{R001}").text
    moved = source.model_copy(update={"attributes": {**source.attributes, "region": "Region Sjælland"}})
    assert save_sources(study_ws, [moved])["changed"] == 1
    page = client.get(f"/segment/{R001}").text
    assert "Region Sjælland" in page and "Region Syddanmark" not in page


def test_a_list_being_made_while_a_run_reloads_the_study_is_served_whole(study_ws, small_cb, monkeypatch):
    """A `hoi run` beside the app removed a withdrawn respondent while a list page was filtering the study's
    units (outside the index's lock): the page mixed the units it had with the study reloaded meanwhile
    and answered 500 (a removed unit's source looked up in the new study)."""
    from hoi_nlp.review.app import unit_index
    from hoi_nlp.review.app.state import refresh_corpus

    client = make_client(study_ws, small_cb, login=False)
    config = client.app.state.config
    assert client.get("/queue?status=all").status_code == 200  # the study's units: kept
    real, reloaded = unit_index.unit_matches, []

    def reload_meanwhile(*args, **options):
        if not reloaded:  # the first unit filtered: a run beside the app removes R001, another page reloads
            reloaded.append(True)
            remove_sources(study_ws, ["R001:1.2_kommentar"])
            refresh_corpus(config)
        return real(*args, **options)

    monkeypatch.setattr(unit_index, "unit_matches", reload_meanwhile)
    question = "1.2_kommentar"
    page = client.get(f"/browse?status=all&question={question}")
    assert reloaded and page.status_code == 200, page.text[-500:]
    monkeypatch.setattr(unit_index, "unit_matches", real)
    again = client.get(f"/browse?status=all&question={question}")
    assert shown_id(client, R001) not in again.text


def test_a_page_begun_before_a_reload_neither_mixes_nor_puts_the_older_study_back(study_ws, small_cb):
    """A page that took the study's units before a reload, and reached the kept lists after a newer page
    had built them again: it gets a list of its own study, and the kept units stay the newer study's
    (the next page reads no whole review again)."""
    from hoi_nlp.review.app.state import refresh_corpus
    from hoi_nlp.review.app.views import Filters
    from tests.sql_count import reading, statements

    client = make_client(study_ws, small_cb, login=False)
    config = client.app.state.config
    before = config.corpus.snapshot()  # an older page's study
    remove_sources(study_ws, ["R001:1.2_kommentar"])
    refresh_corpus(config)
    assert shown_id(client, R001) not in client.get("/queue?status=all").text  # kept: the newer study
    units, _counts, _facets = config.unit_index.listing(before, config.codebook, Filters(status="all"))
    assert R001 in {u.segment.segment_id for u in units}  # the older page: its own study, whole
    with statements(study_ws) as sent:
        assert shown_id(client, R001) not in client.get("/queue?status=all").text
    assert not reading(sent, "assignments"), "the kept units went back to the older study"


class _WithdrawnOnRead(dict):
    """The app's units by id, whose first read of ``unit`` lets a `hoi run` beside the app remove that
    unit's respondent and the app reload the study: a page reading the study twice reads it half old."""

    def __init__(self, by_id, unit: str, withdraw) -> None:
        super().__init__(by_id)
        self.unit, self.withdraw = unit, withdraw

    def _read(self, key) -> None:
        if key == self.unit and self.withdraw is not None:
            withdraw, self.withdraw = self.withdraw, None
            withdraw()

    def get(self, key, default=None):
        value = super().get(key, default)
        self._read(key)
        return value

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self._read(key)
        return value


def _withdrawn_on_read(client, workspace, unit: str = R001) -> None:
    """Arm :class:`_WithdrawnOnRead` on the app's study (R001's respondent withdraws)."""
    from hoi_nlp.review.app.state import refresh_corpus

    config = client.app.state.config

    def withdraw() -> None:
        remove_sources(workspace, [unit.rpartition(":")[0]])
        refresh_corpus(config)

    config.corpus.by_id = _WithdrawnOnRead(config.corpus.by_id, unit, withdraw)


def _round_of_r001(workspace, small_cb):
    """A complete blind round of R001 that neither analyst reviewed, and anna's app (with rights)."""
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.rounds import assign_round, finish_round
    from tests.review.conftest import PASSWORD, login

    for name in ("anna", "bo"):
        add_user(workspace, name, PASSWORD, can_see_original=True)
    assign_round(workspace, "R1", ["anna", "bo"], segment_ids=[R001, "R002:7_afsluttende_kommentar:a0-65"])
    for name in ("anna", "bo"):
        finish_round(workspace, "R1", name)
    client = make_client(workspace, small_cb)
    return client, login(client, "anna")


def test_a_round_page_made_while_a_run_reloads_the_study_is_served_whole(study_ws, small_cb):
    """A respondent withdrawn by a `hoi run` beside the app while the round page listed its units not
    reviewed: the page took the unit from the study of before and its source from the study of after
    (500)."""
    client, _csrf = _round_of_r001(study_ws, small_cb)
    assert "not reviewed by" in client.get("/rounds/R1").text
    _withdrawn_on_read(client, study_ws)
    page = client.get("/rounds/R1")
    assert page.status_code == 200, page.text[-500:]


def test_a_code_made_from_a_quote_while_a_run_reloads_the_study_answers_why(study_ws, small_cb):
    """A new code from a quote of a unit whose respondent a `hoi run` beside the app withdrew meanwhile:
    the quote's unit was read from the study of before and its source from the study of after (500,
    and a second read after the code was saved failed the same way); now the code is saved and the
    page says why the unit did not get it."""
    client, csrf = _round_of_r001(study_ws, small_cb)
    _withdrawn_on_read(client, study_ws)
    made = client.post("/codebook/new", data={"segment_id": R001, "family": "barrier",
                                              "label": "Mangel på tid", "start": "0", "end": "20",
                                              "csrf_token": csrf})
    assert made.status_code == 422, made.text[-500:]
    assert f"unknown segment &#39;{R001}&#39;" in made.text and "reload the page" in made.text


def test_a_span_decided_while_a_run_reloads_the_study_answers_why(study_ws, small_cb):
    """A quote span sent by a reviewer without rights (offsets into the redaction) of a unit whose
    respondent a `hoi run` beside the app withdrew meanwhile: the unit was read from the study of before
    and its source from the study of after (500); now the refusal says the unit is gone, by its shown id."""
    from hoi_nlp.review.accounts import add_user
    from tests.review.conftest import PASSWORD, login

    add_user(study_ws, "cai", PASSWORD)
    client = make_client(study_ws, small_cb)
    csrf = login(client, "cai")
    _withdrawn_on_read(client, study_ws)
    shown = shown_id(client, R001)
    decided = client.post(f"/segment/{shown}/decide", headers={"HX-Request": "true"}, data={
        "action": "span", "code_id": "barrier.it_integration", "start": "0", "end": "10", "csrf_token": csrf})
    assert decided.status_code in (404, 422), decided.text[-500:]
    assert R001 not in decided.text and "a0-68" not in decided.text

"""The append-only decision log and the state derived from it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hoi_nlp.errors import ReviewError
from hoi_nlp.review.decisions import current_state, load_decisions, record_decision, reviewed_rows
from hoi_nlp.review.tables import decisions_table
from hoi_nlp.store import load_segments, load_sources

IT = "barrier.it_integration"
OEK = "barrier.tvaergaaende_oekonomistyring"
JOB = "area.beskaeftigelse"
R001 = "R001:1.2_kommentar:a0-68"


def _state(ws, **kw):
    return current_state(ws, **kw).codes


def test_suggestions_start_as_suggested_and_decisions_change_status(study_ws, small_cb):
    codes = _state(study_ws)
    assert codes[(R001, IT)].status == "suggested" and codes[(R001, IT)].confidence == pytest.approx(0.92)
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna", codebook=small_cb)
    record_decision(
        study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna", codebook=small_cb
    )
    record_decision(study_ws, segment_id=R001, action="add", code_id=JOB, analyst="bo", codebook=small_cb)
    codes = _state(study_ws)
    assert (codes[(R001, IT)].status, codes[(R001, OEK)].status, codes[(R001, JOB)].status) == (
        "accepted",
        "rejected",
        "added",
    )
    assert codes[(R001, JOB)].decided_by == "bo" and not codes[(R001, JOB)].suggested


def test_log_is_append_only_and_undo_reverts(study_ws):
    first = record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=IT, analyst="anna")
    assert _state(study_ws)[(R001, IT)].status == "rejected"
    latest = load_decisions(study_ws, segment_id=R001)[-1]
    undo = record_decision(
        study_ws, segment_id=R001, action="undo", undoes=latest.decision_id, analyst="anna"
    )
    assert _state(study_ws)[(R001, IT)].status == "accepted"
    record_decision(study_ws, segment_id=R001, action="undo", undoes=undo.decision_id, analyst="anna")
    assert _state(study_ws)[(R001, IT)].status == "rejected"  # undoing the undo restores the reject
    record_decision(study_ws, segment_id=R001, action="undo", undoes=first.decision_id, analyst="bo")
    decisions = load_decisions(study_ws, segment_id=R001)
    assert [d.action for d in decisions] == ["accept", "reject", "undo", "undo", "undo"]
    assert decisions[0].decision_id == first.decision_id  # the first row is still there, unchanged


def test_undo_of_everything_returns_to_the_machine_state(study_ws):
    decision = record_decision(study_ws, segment_id=R001, action="reject", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="undo", undoes=decision.decision_id, analyst="anna")
    assert _state(study_ws)[(R001, IT)].status == "suggested"


def test_span_is_validated_against_the_source_and_context(study_ws):
    source = next(s for s in load_sources(study_ws) if s.source_id == "R001:1.2_kommentar")
    record_decision(study_ws, segment_id=R001, action="span", code_id=IT, start=6, end=35, analyst="anna")
    state = current_state(study_ws)
    assert state.codes[(R001, IT)].span == (6, 35)
    assert source.text[6:35] == "IT-systemer taler ikke sammen"
    for start, end in [(-1, 5), (10, 10), (20, 10), (0, len(source.text) + 1)]:
        with pytest.raises(ReviewError):
            record_decision(study_ws, segment_id=R001, action="span", start=start, end=end, analyst="anna")


def test_span_must_stay_inside_the_turn_of_an_interview_unit(study_ws):
    turn = next(s for s in load_segments(study_ws, codable=True) if s.kind == "turn")
    record_decision(
        study_ws,
        segment_id=turn.segment_id,
        action="span",
        start=turn.start + 7,
        end=turn.end - 1,
        analyst="anna",
    )
    with pytest.raises(ReviewError, match="context"):
        record_decision(
            study_ws,
            segment_id=turn.segment_id,
            action="span",
            start=turn.start - 5,
            end=turn.end,
            analyst="anna",
        )


def test_bad_decisions_are_refused(study_ws, small_cb):
    cases = [
        dict(segment_id="nope", action="accept", code_id=IT),
        dict(segment_id=R001, action="accept"),
        dict(segment_id=R001, action="accept", code_id="barrier.unknown"),
        dict(segment_id=R001, action="explode", code_id=IT),
        dict(segment_id=R001, action="memo", memo="   "),
        dict(segment_id=R001, action="undo", undoes="D-missing"),
        dict(segment_id=R001, action="consensus", code_id=IT, outcome="maybe"),
    ]
    for case in cases:
        with pytest.raises(Exception):  # noqa: B017 - ReviewError, CodebookError or pydantic ValidationError
            record_decision(study_ws, analyst="anna", codebook=small_cb, **case)
    assert load_decisions(study_ws) == []


def test_memos_flags_and_reviewed_rows(study_ws):
    record_decision(study_ws, segment_id=R001, action="memo", memo="Tjek med Bo", analyst="anna")
    record_decision(study_ws, segment_id=R001, action="flag", analyst="anna")
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    note = current_state(study_ws).note(R001)
    assert note.flagged and [m.text for m in note.memos] == ["Tjek med Bo"]
    record_decision(study_ws, segment_id=R001, action="unflag", analyst="bo")
    assert not current_state(study_ws).note(R001).flagged
    rows = reviewed_rows(study_ws)
    assert rows == [
        {
            "segment_id": R001,
            "text": "Vores IT-systemer taler ikke sammen, og økonomien ligger i søjlerne.",
            "codes_accepted": [IT],
            "codes_rejected": [OEK],
            "codes_pending": [],
        }
    ]
    record_decision(study_ws, segment_id=R001, action="span", start=0, end=35, analyst="anna")
    assert reviewed_rows(study_ws)[0]["text"] == "Vores IT-systemer taler ikke sammen"


def test_analyst_and_round_filters(study_ws):
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna", round="R1")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=IT, analyst="bo", round="R1")
    assert _state(study_ws)[(R001, IT)].status == "suggested"  # blind rounds do not touch the main state
    assert _state(study_ws, analyst="anna", round="R1")[(R001, IT)].status == "accepted"
    assert _state(study_ws, analyst="bo", round="R1")[(R001, IT)].status == "rejected"
    record_decision(
        study_ws,
        segment_id=R001,
        action="consensus",
        code_id=IT,
        outcome="present",
        analyst="anna",
        round="R1",
    )
    assert _state(study_ws)[(R001, IT)].status == "accepted"  # a consensus sets the main state


def test_two_analysts_writing_at_once_lose_nothing(study_ws):
    segments = [s.segment_id for s in load_segments(study_ws, codable=True)]
    errors: list[BaseException] = []

    def work(analyst: str) -> None:
        try:
            for i in range(30):
                record_decision(
                    study_ws,
                    segment_id=segments[i % len(segments)],
                    action="memo",
                    memo=f"{analyst} {i}",
                    analyst=analyst,
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("anna", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with study_ws.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(decisions_table)).scalar() == 60
    memos = {m.text for note in current_state(study_ws).segments.values() for m in note.memos}
    assert memos == {f"{a} {i}" for a in ("anna", "bo") for i in range(30)}


def test_a_stance_is_for_barrier_codes_only(study_ws, small_cb):
    """A stance on another family's code is refused; one an older log holds is not folded (it made
    the report count that family by stance)."""
    record_decision(study_ws, segment_id=R001, action="add", code_id=JOB, analyst="anna", codebook=small_cb)
    with pytest.raises(ReviewError, match="a stance is for barrier codes"):
        record_decision(study_ws, segment_id=R001, action="stance", code_id=JOB, outcome="hindrance",
                        analyst="anna", codebook=small_cb)
    record_decision(study_ws, segment_id=R001, action="stance", code_id=JOB, outcome="hindrance",
                    analyst="anna")
    record_decision(study_ws, segment_id=R001, action="stance", code_id=IT, outcome="overcome",
                    analyst="anna", codebook=small_cb)
    codes = _state(study_ws)
    assert codes[(R001, JOB)].stance is None and codes[(R001, IT)].stance == "overcome"


def test_a_merge_keeps_the_code_an_analyst_accepted_beside_its_rejected_duplicate(study_ws, small_cb):
    """Accept the right code, reject its duplicate, merge the duplicate into it: the unit keeps the
    code (it was rejected before, and the history read as if the analyst had rejected it). A decision
    after the merge decides for the merged code; a rename alone keeps the last decision."""
    from hoi_nlp.review.codebook_edit import merge_codes, rename_code

    for action, code in (("accept", IT), ("reject", OEK)):
        record_decision(study_ws, segment_id=R001, action=action, code_id=code, analyst="anna",
                        codebook=small_cb)
    codebook, _ = merge_codes(study_ws, small_cb, analyst="anna", code_id=OEK, into=IT)
    assert _state(study_ws)[(R001, IT)].status == "accepted"
    record_decision(study_ws, segment_id=R001, action="reject", code_id=IT, analyst="bo", codebook=codebook)
    assert _state(study_ws)[(R001, IT)].status == "rejected"
    record_decision(study_ws, segment_id=R001, action="accept", code_id=JOB, analyst="anna",
                    codebook=codebook)
    codebook, _ = rename_code(study_ws, codebook, analyst="anna", code_id=JOB, label="Job", name="job")
    record_decision(study_ws, segment_id=R001, action="reject", code_id="area.job", analyst="anna",
                    codebook=codebook)
    assert _state(study_ws)[(R001, "area.job")].status == "rejected"


def test_a_flag_reaches_the_exported_study(study_ws, small_cb):
    from hoi_nlp.export.dataset import load_coded_study

    record_decision(study_ws, segment_id=R001, action="flag", analyst="anna")
    assert load_coded_study(study_ws, small_cb).flagged == frozenset({R001})


def test_an_id_a_code_had_before_is_not_given_to_a_new_code(study_ws, small_cb):
    """Rename a code, then create a new one under the old id: the new code's decisions (and the coder's
    training rows of the old id) were read as the renamed code's. The old id stays its own; a code may
    take its own earlier id back."""
    import pytest

    from hoi_nlp.review.codebook_edit import CodebookEditError, create_code, move_code, rename_code

    it = "barrier.it_integration"
    codebook, _ = rename_code(study_ws, small_cb, analyst="anna", code_id=it, label="IT", name="it2")
    with pytest.raises(CodebookEditError, match="was the id of the code now called 'barrier.it2'"):
        create_code(study_ws, codebook, analyst="anna", family_id="barrier", label="It integration",
                    name="it_integration")
    codebook, _ = create_code(study_ws, codebook, analyst="anna", family_id="barrier", label="Ny")
    with pytest.raises(CodebookEditError, match="was the id of the code now called"):
        rename_code(study_ws, codebook, analyst="anna", code_id="barrier.ny", label="Ny",
                    name="it_integration")
    codebook, _ = rename_code(study_ws, codebook, analyst="anna", code_id="barrier.it2", label="IT",
                              name="it_integration")  # its own id back
    assert it in codebook.code_ids
    codebook, _ = move_code(study_ws, codebook, analyst="anna", code_id=it, family_id="area")
    codebook, _ = move_code(study_ws, codebook, analyst="anna", code_id="area.it_integration",
                            family_id="barrier")  # and back
    assert it in codebook.code_ids


def test_a_merge_target_cannot_take_the_id_merged_into_it(study_ws, small_cb):
    """Merge A into B, then rename B to A's id: decisions made on A and on B before the merge both read as
    A's afterwards («accept A, reject B» became a rejection) — A's id was never B's own."""
    import pytest

    from hoi_nlp.review.codebook_edit import CodebookEditError, merge_codes, rename_code

    it, oek = "barrier.it_integration", "barrier.tvaergaaende_oekonomistyring"
    codebook, _ = merge_codes(study_ws, small_cb, analyst="anna", code_id=it, into=oek)
    with pytest.raises(CodebookEditError, match="was the id of the code now called"):
        rename_code(study_ws, codebook, analyst="anna", code_id=oek, label="IT", name="it_integration")

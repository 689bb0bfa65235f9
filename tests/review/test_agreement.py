"""Agreement numbers: hand-computed values and the maintained libraries agree."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from hoi_nlp.errors import ReviewError
from hoi_nlp.review.accounts import add_user
from hoi_nlp.review.agreement import (
    OVERALL,
    all_agreement,
    cohen_kappa,
    krippendorff_alpha,
    machine_vs_analyst,
    percent_agreement,
    round_agreement,
    write_agreement,
)
from hoi_nlp.review.decisions import record_decision
from hoi_nlp.review.rounds import (
    assign_round,
    cancel_round,
    disagreements,
    finish_round,
    get_round,
    round_codings,
)
from tests.review.conftest import PASSWORD

A = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
B = [1, 0, 0, 0, 1, 0, 1, 1, 0, 0]
IT = "barrier.it_integration"
OEK = "barrier.tvaergaaende_oekonomistyring"
JOB = "area.beskaeftigelse"
R001 = "R001:1.2_kommentar:a0-68"
R001B = "R001:4.2a_indsats1:a0-91"
TURN = "INT-A:t291-447"


def test_hand_computed_two_coders():
    # po = 8/10; pe = .4*.4 + .6*.6 = .52; kappa = (.8 - .52) / .48
    assert percent_agreement(A, B) == pytest.approx(80.0)
    assert cohen_kappa(A, B) == pytest.approx(0.28 / 0.48)
    # coincidences: o00 = 10, o11 = 6, o01 = o10 = 2; De = 2*12*8/(20*19); alpha = 1 - .2/De
    assert krippendorff_alpha([A, B]) == pytest.approx(1 - 0.2 / (192 / 380))


def test_matches_the_libraries_on_random_data():
    rng = np.random.default_rng(7)
    for _ in range(5):
        a = rng.integers(0, 2, 40).tolist()
        b = [x if rng.random() < 0.8 else 1 - x for x in a]
        c = [x if rng.random() < 0.7 else 1 - x for x in a]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
        matrix = np.array([a, b, c], dtype=float)
        assert krippendorff_alpha(matrix) == pytest.approx(
            krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        )


def test_undefined_cases_are_none():
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) is None
    assert krippendorff_alpha([[1, 1], [1, 1]]) is None
    assert percent_agreement([], []) is None
    with_missing = [[1, np.nan, 0, 1, 0], [1, 0, np.nan, 1, 1]]
    assert krippendorff_alpha(with_missing) == pytest.approx(
        krippendorff.alpha(reliability_data=np.array(with_missing), level_of_measurement="nominal")
    )


def _analysts(ws, *names):
    for name in names:
        add_user(ws, name, PASSWORD)


def _blind_round(ws):
    _analysts(ws, "anna", "bo")
    assign_round(ws, "R1", ["anna", "bo"], segment_ids=[R001, R001B, TURN])
    for analyst, decisions in {
        "anna": [(R001, "accept", IT), (R001, "accept", OEK), (R001B, "accept", JOB), (TURN, "reject", JOB)],
        "bo": [(R001, "accept", IT), (R001, "reject", OEK), (R001B, "accept", JOB), (TURN, "accept", JOB)],
    }.items():
        for segment_id, action, code in decisions:
            record_decision(
                ws, segment_id=segment_id, action=action, code_id=code, analyst=analyst, round="R1"
            )


def test_round_agreement_per_code_and_overall(study_ws):
    _blind_round(study_ws)
    rows = {r.code_id: r for r in round_agreement(study_ws, "R1")}
    # units: R001×{IT, OEK}, R001B×JOB, TURN×JOB -> anna [1,1,1,0], bo [1,0,1,1]
    assert rows[OVERALL].units == 4 and rows[OVERALL].percent == pytest.approx(50.0)
    assert rows[OVERALL].kappa == pytest.approx(cohen_kappa_score([1, 1, 1, 0], [1, 0, 1, 1]), abs=1e-4)
    # per code: every unit both reviewed, absent for both is agreement (NVivo's coding comparison)
    assert rows[IT].units == 3 and rows[IT].percent == 100.0 and rows[IT].kappa == 1.0  # [1,0,0] both
    # JOB: [0,1,0] vs [0,1,1]
    assert rows[JOB].units == 3 and rows[JOB].percent == pytest.approx(200 / 3, abs=1e-3)
    assert rows[JOB].kappa == pytest.approx(cohen_kappa_score([0, 1, 0], [0, 1, 1]), abs=1e-4)
    assert {r.segments for r in rows.values()} == {3} and {r.left_out for r in rows.values()} == {0}
    current = get_round(study_ws, "R1")
    assert not current.complete
    finish_round(study_ws, "R1", "anna")
    finish_round(study_ws, "R1", "bo")
    found = {(d.segment_id, d.code_id) for d in disagreements(study_ws, get_round(study_ws, "R1"))}
    assert found == {(R001, OEK), (TURN, JOB)}


def test_machine_vs_analyst(study_ws):
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    record_decision(study_ws, segment_id=R001B, action="accept", code_id=JOB, analyst="anna")
    record_decision(study_ws, segment_id=TURN, action="add", code_id=IT, analyst="anna")
    rows = {r.code_id: r for r in machine_vs_analyst(study_ws, "anna")}
    # machine [IT:1, OEK:1, JOB:1, TURN-IT:0] vs anna [1, 0, 1, 1]; TURN-JOB is still pending: left out
    assert rows[OVERALL].units == 4 and rows[OVERALL].percent == pytest.approx(50.0)
    assert rows[OVERALL].kappa == pytest.approx(cohen_kappa_score([1, 1, 1, 0], [1, 0, 1, 1]), abs=1e-4)


def test_write_csv_and_xlsx(study_ws, tmp_path):
    _blind_round(study_ws)
    rows = all_agreement(study_ws)
    assert write_agreement(rows, tmp_path / "a.csv").read_text(encoding="utf-8-sig").startswith("comparison,")
    assert (write_agreement(rows, tmp_path / "a.xlsx")).stat().st_size > 0
    with pytest.raises(Exception, match="format"):
        write_agreement(rows, tmp_path / "a.txt")


def test_agreement_csv_for_danish_excel(study_ws, tmp_path):
    """Danish Excel splits a CSV at ";" and reads "," as the decimal sign: with a comma file every row
    lands in one column and 83.33 reads as 8333."""
    import csv
    import io

    _blind_round(study_ws)
    rows = round_agreement(study_ws, "R1")
    text = write_agreement(rows, tmp_path / "a.csv", dialect="excel-da").read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert table[0][:6] == ["comparison", "code_id", "coders", "units", "positives", "percent"]
    percents = [r[5] for r in table[1:] if r[5]]
    assert percents and all("." not in p for p in percents) and any("," in p for p in percents), percents
    assert text.endswith("\r\n") and "\r\n" in text[:-2]
    with pytest.raises(Exception, match="dialect"):
        write_agreement(rows, tmp_path / "b.csv", dialect="semikolon")


def test_consensus_leaves_the_blind_codings_alone(study_ws):
    _blind_round(study_ws)
    finish_round(study_ws, "R1", "anna")
    finish_round(study_ws, "R1", "bo")
    before = round_agreement(study_ws, "R1")
    machine_before = machine_vs_analyst(study_ws, "anna", round="R1")
    # anna resolves both disagreements her way and against it: her blind coding must not change
    record_decision(study_ws, segment_id=R001, action="consensus", code_id=OEK, outcome="absent",
                    analyst="anna", round="R1")
    record_decision(study_ws, segment_id=TURN, action="consensus", code_id=JOB, outcome="present",
                    analyst="anna", round="R1")
    assert round_agreement(study_ws, "R1") == before
    assert machine_vs_analyst(study_ws, "anna", round="R1") == machine_before
    items = disagreements(study_ws, get_round(study_ws, "R1"))
    resolved = {(d.segment_id, d.code_id): d.resolved for d in items}
    assert resolved == {(R001, OEK): "absent", (TURN, JOB): "present"}


def test_units_an_analyst_never_reviewed_are_left_out_not_absent(study_ws):
    _analysts(study_ws, "anna", "bo")
    assign_round(study_ws, "R1", ["anna", "bo"], segment_ids=[R001, R001B, TURN])
    for segment_id, action, code in [(R001, "accept", IT), (R001, "accept", OEK), (R001B, "accept", JOB),
                                     (TURN, "accept", JOB)]:
        record_decision(study_ws, segment_id=segment_id, action=action, code_id=code, analyst="anna",
                        round="R1")
    for segment_id, action, code in [(R001, "accept", IT), (R001, "reject", OEK)]:  # bo stops after R001
        record_decision(study_ws, segment_id=segment_id, action=action, code_id=code, analyst="bo",
                        round="R1")
    rows = {r.code_id: r for r in round_agreement(study_ws, "R1")}
    # only R001 counts: IT 1/1, OEK 1/0 -> 50 %; R001B and TURN are not "absent" for bo
    assert rows[OVERALL].units == 2 and rows[OVERALL].percent == pytest.approx(50.0)
    assert rows[OVERALL].segments == 1 and rows[OVERALL].left_out == 2
    assert JOB not in rows  # in play only on units bo never reviewed
    finish_round(study_ws, "R1", "anna")
    finish_round(study_ws, "R1", "bo")
    current = get_round(study_ws, "R1")
    assert [(d.segment_id, d.code_id) for d in disagreements(study_ws, current)] == [(R001, OEK)]
    assert round_codings(study_ws, current).not_reviewed() == {R001B: ["bo"], TURN: ["bo"]}


def test_an_unfinished_round_counts_in_no_agreement(study_ws):
    _blind_round(study_ws)
    assert {r.round for r in all_agreement(study_ws)} <= {"main"}
    with pytest.raises(ReviewError, match=r"unfinished \(anna 3 of 3, bo 3 of 3 units reviewed\)"):
        all_agreement(study_ws, round_id="R1")
    finish_round(study_ws, "R1", "anna")
    finish_round(study_ws, "R1", "bo")
    assert {r.comparison for r in all_agreement(study_ws, round_id="R1")} == {
        "round R1", "machine vs anna (round R1)", "machine vs bo (round R1)"}


def test_a_complete_round_cannot_be_cancelled(study_ws):
    _blind_round(study_ws)
    finish_round(study_ws, "R1", "anna")
    finish_round(study_ws, "R1", "bo")
    with pytest.raises(ReviewError, match="complete"):
        cancel_round(study_ws, "R1", by="admin")


def test_a_round_keeps_its_codings_after_a_source_was_renamed(study_ws):
    """A source renamed after the round began (a changed interview_id; its decisions follow it): the round
    listed its units under their old ids while the coders' decisions came back under the new ones — «0 of
    3 reviewed», nothing compared."""
    from hoi_nlp.store import load_sources
    from tests.conftest import rename_source

    _blind_round(study_ws)
    before = {r.code_id: (r.units, r.percent) for r in round_agreement(study_ws, "R1")}
    source_id = next(s.source_id for s in load_sources(study_ws) if R001.startswith(s.source_id + ":"))
    new_id = source_id.replace("R001", "R901")
    assert rename_source(study_ws, source_id, new_id, respondent_id="R901") == {source_id: new_id}
    assert get_round(study_ws, "R1").segment_ids[0].startswith(new_id + ":")
    assert {r.code_id: (r.units, r.percent) for r in round_agreement(study_ws, "R1")} == before

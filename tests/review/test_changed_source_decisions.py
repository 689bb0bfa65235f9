"""A transcript corrected after analysts reviewed it (a typo fixed in one turn, `hoi run` again): the
decisions and memos on its other turns, whose words are unchanged but stand at new offsets, stay on
them. Before, every unit after the edit got a new id and its decisions were hidden (the app showed
«Ingen beslutninger endnu» and the suggestions pending again; exports left them out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hoi_nlp.review.accounts import add_user
from hoi_nlp.review.decisions import current_state, load_decisions, record_decision
from hoi_nlp.review.rounds import assign_round, get_round
from hoi_nlp.store import Workspace, load_segments, load_sources

TURNS = [
    ("I", "Hvad har I ønsket at opnå?"),
    ("D", "Altså, øh, det vi gerne ville, det var jo at borgeren, at borgeren kun skal fortælle sin "
          "historie én gang."),
    ("I", "Hvad er de største barrierer?"),
    ("D", "Vores IT-systemer taler ikke sammen, så sagsbehandlerne dobbeltregistrerer."),
    ("I", "Har I løst det?"),
    ("D", "Ja, på IT-delen har vi faktisk løst det med en fælles løsning. Det tog to år."),
]


def _write(study: Path, turns: list[tuple[str, str]]) -> None:
    (study / "transcripts" / "interview_01.txt").write_text(
        "Interview med direktøren\n" + "\n".join(f"{label}: {words}" for label, words in turns) + "\n",
        encoding="utf-8")


def _run(cwd: Path, *command: str) -> str:
    """``hoi run studie`` (or ``hoi COMMAND…``) in ``cwd``; its stdout, or its stderr for a run."""
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    args = list(command) or ["run", "studie", "--coder", "rules"]
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=cwd,
                         env=env, text=True, capture_output=True, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return ran.stdout if command else ran.stderr


def _first_run(tmp_path: Path, turns: list[tuple[str, str]] = TURNS) -> Path:
    """A study of one transcript of ``turns``, after its first `hoi run`; the study's folder."""
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    _write(study, turns)
    _run(tmp_path)
    return study


def _unit(workspace: Workspace, words: str) -> str:
    return next(s.segment_id for s in load_segments(workspace, codable=True) if s.text.startswith(words))


@contextmanager
def _opened(tmp_path: Path) -> Iterator[Workspace]:
    """The study's workspace as the last run left it, closed after use (the next run writes to it)."""
    workspace = Workspace.open(tmp_path / "outputs" / "studie", create=False)
    try:
        yield workspace
    finally:
        workspace.engine.dispose()


def _corrected(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``turns`` with the repeated words of the director's first answer corrected."""
    return [*turns[:1], ("D", turns[1][1].replace("borgeren, at borgeren", "borgeren")), *turns[2:]]


def test_decisions_on_unchanged_turns_follow_a_corrected_transcript(tmp_path: Path) -> None:
    """The decisions, memos and stances on the turns after the correction stay on them, and a quote span
    an analyst narrowed (source offsets) still reads the same words, as exports and retraining slice
    the source with it."""
    study = _first_run(tmp_path)
    code = "barrier.it_integration"
    with _opened(tmp_path) as workspace:
        solved, typo = _unit(workspace, "Ja, på IT-delen"), _unit(workspace, "Altså, øh")
        record_decision(workspace, segment_id=solved, action="add", analyst="anna", code_id=code)
        record_decision(workspace, segment_id=solved, action="stance", analyst="anna", code_id=code,
                        outcome="overcome")
        record_decision(workspace, segment_id=solved, action="memo", analyst="bo", memo="Løst efter to år.")
        record_decision(workspace, segment_id=typo, action="memo", analyst="anna", memo="Gentaget ord.")
        for name in ("anna", "bo"):
            add_user(workspace, name, "et langt nok kodeord 7")
        assign_round(workspace, "R1", ["anna", "bo"], segment_ids=[solved])
        record_decision(workspace, segment_id=solved, action="add", analyst="bo", code_id=code, round="R1")
        systems = next(s for s in load_segments(workspace, codable=True) if s.text.startswith("Vores IT"))
        record_decision(workspace, segment_id=systems.segment_id, action="add", analyst="anna", code_id=code)
        record_decision(workspace, segment_id=systems.segment_id, action="span", analyst="anna", code_id=code,
                        start=systems.start + systems.text.index("sagsbehandlerne"), end=systems.end)
    cite = ("cite", code, "-w", "outputs/studie", "--format", "json", "--stance", "any")
    cited = json.loads(_run(tmp_path, *cite))["quotes"]
    (quote,) = [q["quote_id"] for q in cited if "løst det med en fælles løsning" in q["text"]]

    _write(study, _corrected(TURNS))
    said = _run(tmp_path)
    # the memo on the corrected turn itself is left behind, and the run says so
    assert ("interview_01.txt: 1 coding unit(s) that analysts made decisions on are cut otherwise now"
            in " ".join(said.split()))
    with _opened(tmp_path) as workspace:
        now, systems_now = _unit(workspace, "Ja, på IT-delen"), _unit(workspace, "Vores IT")
        assert now != solved  # the same turn at new offsets
        kept = [(d.segment_id, d.action, d.analyst) for d in load_decisions(workspace, round="main")]
        assert kept == [(now, "add", "anna"), (now, "stance", "anna"), (now, "memo", "bo"),
                        (systems_now, "add", "anna"), (systems_now, "span", "anna")]
        assert [(d.action, d.memo) for d in load_decisions(workspace, segment_id=now, round="main")][-1] == \
            ("memo", "Løst efter to år.")
        state = current_state(workspace)
        assert state.codes[(now, code)].status == "added"
        # a blind round begun before the correction holds the turn where it is now, with its decisions
        assert get_round(workspace, "R1").segment_ids == (now,)
        assert [d.segment_id for d in load_decisions(workspace, round="R1")] == [now]
        start, end = state.codes[(systems_now, code)].span
        assert load_sources(workspace)[0].text[start:end] == "sagsbehandlerne dobbeltregistrerer."
        # the corrected turn's own words changed: its memo stays in the log, on no unit
        assert _unit(workspace, "Altså, øh") != typo
    # a quote handed out before the correction shows the same words
    shown = _run(tmp_path, "quote", quote, "-w", "outputs/studie", "--original")
    assert "løst det med en fælles løsning" in shown


REPEATED = [*TURNS[:3], ("D", "Ja, det er rigtigt."), ("I", "Og økonomien?"), ("D", "Ja, det er rigtigt."),
            *TURNS[4:]]


def test_a_repeated_turn_keeps_each_copys_decisions(tmp_path: Path) -> None:
    """Two turns with the same words: after an earlier correction each copy keeps its own decisions, and
    when one copy is deleted the other keeps its own (not the deleted copy's)."""
    study = _first_run(tmp_path, REPEATED)
    with _opened(tmp_path) as workspace:
        first, second = sorted((s for s in load_segments(workspace, codable=True)
                                if s.text == "Ja, det er rigtigt."), key=lambda s: s.start)
        record_decision(workspace, segment_id=first.segment_id, action="memo", analyst="anna", memo="første")
        record_decision(workspace, segment_id=second.segment_id, action="memo", analyst="anna", memo="anden")
    corrected = _corrected(REPEATED)
    _write(study, corrected)
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        copies = sorted((s for s in load_segments(workspace, codable=True)
                         if s.text == "Ja, det er rigtigt."), key=lambda s: s.start)
        memos = {d.segment_id: d.memo for d in load_decisions(workspace)}
        assert [memos.get(s.segment_id) for s in copies] == ["første", "anden"]
    _write(study, corrected[:2] + corrected[4:])  # the first copy and the question before it deleted
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        (copy,) = [s for s in load_segments(workspace, codable=True) if s.text == "Ja, det er rigtigt."]
        assert [d.memo for d in load_decisions(workspace, segment_id=copy.segment_id)] == ["anden"]
        assert [d.memo for d in load_decisions(workspace)] == ["anden"]


def test_a_unit_back_at_its_old_place_keeps_the_decisions_made_since(tmp_path: Path) -> None:
    """A correction undone: the turn is back at its first offsets (its first id). The decisions made
    before, between and after both changes all stand on it, and the last one can be undone."""
    study = _first_run(tmp_path)
    with _opened(tmp_path) as workspace:
        first = _unit(workspace, "Ja, på IT-delen")
        record_decision(workspace, segment_id=first, action="memo", analyst="anna", memo="før")
    _write(study, _corrected(TURNS))
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        moved = _unit(workspace, "Ja, på IT-delen")
        record_decision(workspace, segment_id=moved, action="memo", analyst="anna", memo="imellem")
    _write(study, TURNS)
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        assert _unit(workspace, "Ja, på IT-delen") == first
        after = record_decision(workspace, segment_id=first, action="memo", analyst="anna", memo="efter")
        assert [d.memo for d in load_decisions(workspace, segment_id=first)] == ["før", "imellem", "efter"]
        record_decision(workspace, segment_id=first, action="undo", analyst="anna", undoes=after.decision_id)
        assert [(d.segment_id, d.memo) for d in load_decisions(workspace) if d.action == "memo"] == [
            (first, "før"), (first, "imellem"), (first, "efter")]
    # then the turn's own words are edited: every decision on it is left behind, none on a missing unit
    _write(study, [*TURNS[:5], ("D", TURNS[5][1].replace("to år", "tre år"))])
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        held = {s.segment_id for s in load_segments(workspace)}
        assert [d.memo for d in load_decisions(workspace) if d.action == "memo"] == []
        assert {d.segment_id for d in load_decisions(workspace)} <= held


def test_two_corrections_read_before_the_transcript_is_cut_again_keep_the_decisions(tmp_path: Path) -> None:
    """Two corrections, the first only read (`hoi ingest`, or a run stopped before cutting): the decisions
    on the turns whose words neither changed follow them through both."""
    study = _first_run(tmp_path)
    with _opened(tmp_path) as workspace:
        record_decision(workspace, segment_id=_unit(workspace, "Ja, på IT-delen"), action="memo",
                        analyst="anna", memo="følger med")
    first = _corrected(TURNS)
    _write(study, first)
    _run(tmp_path, "ingest", "studie")
    _write(study, [*first[:3], ("D", TURNS[3][1].replace("taler ikke", "snakker ikke")), *first[4:]])
    _run(tmp_path)
    with _opened(tmp_path) as workspace:
        assert [(d.segment_id, d.memo) for d in load_decisions(workspace)] == [
            (_unit(workspace, "Ja, på IT-delen"), "følger med")]


def test_turns_put_in_another_order_keep_their_decisions(tmp_path: Path) -> None:
    """Two question-and-answer pairs swapped (a transcript put back in the order things were said): each
    answer keeps its decisions at its new place, and the run does not call their words changed."""
    study = _first_run(tmp_path)
    code = "barrier.it_integration"
    with _opened(tmp_path) as workspace:
        systems, solved = _unit(workspace, "Vores IT"), _unit(workspace, "Ja, på IT-delen")
        record_decision(workspace, segment_id=systems, action="add", analyst="anna", code_id=code)
        record_decision(workspace, segment_id=solved, action="memo", analyst="anna", memo="Løst.")
    _write(study, [*TURNS[:2], *TURNS[4:], *TURNS[2:4]])
    said = _run(tmp_path)
    assert "cut otherwise now" not in said
    with _opened(tmp_path) as workspace:
        systems_now, solved_now = _unit(workspace, "Vores IT"), _unit(workspace, "Ja, på IT-delen")
        assert {systems_now, solved_now}.isdisjoint({systems, solved})
        assert [(d.segment_id, d.action) for d in load_decisions(workspace)] == [
            (systems_now, "add"), (solved_now, "memo")]
        assert current_state(workspace).codes[(systems_now, code)].status == "added"

"""A transcript corrected after analysts reviewed it (a typo fixed in one turn, `hoi run` again): the
decisions and memos on its other turns, whose words are unchanged but stand at new offsets, stay on
them. Before, every unit after the edit got a new id and its decisions were hidden (the app showed
«Ingen beslutninger endnu» and the suggestions pending again; exports left them out)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hoi_nlp.review.decisions import current_state, load_decisions, record_decision
from hoi_nlp.store import Workspace, load_segments

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


def _run(cwd: Path) -> None:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ran = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "run", "studie", "--coder", "rules"], cwd=cwd,
                         env=env, text=True, capture_output=True, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def _unit(workspace: Workspace, words: str) -> str:
    return next(s.segment_id for s in load_segments(workspace, codable=True) if s.text.startswith(words))


def test_decisions_on_unchanged_turns_follow_a_corrected_transcript(tmp_path: Path) -> None:
    study = tmp_path / "studie"
    (study / "transcripts").mkdir(parents=True)
    _write(study, TURNS)
    _run(tmp_path)
    workspace = Workspace.open(tmp_path / "outputs" / "studie", create=False)
    try:
        solved, typo = _unit(workspace, "Ja, på IT-delen"), _unit(workspace, "Altså, øh")
        record_decision(workspace, segment_id=solved, action="add", analyst="anna",
                        code_id="barrier.it_integration")
        record_decision(workspace, segment_id=solved, action="stance", analyst="anna",
                        code_id="barrier.it_integration", outcome="overcome")
        record_decision(workspace, segment_id=solved, action="memo", analyst="bo", memo="Løst efter to år.")
        record_decision(workspace, segment_id=typo, action="memo", analyst="anna", memo="Gentaget ord.")
    finally:
        workspace.engine.dispose()

    corrected = [*TURNS]
    corrected[1] = ("D", TURNS[1][1].replace("borgeren, at borgeren", "borgeren"))
    _write(study, corrected)
    _run(tmp_path)
    workspace = Workspace.open(tmp_path / "outputs" / "studie", create=False)
    try:
        now = _unit(workspace, "Ja, på IT-delen")
        assert now != solved  # the same turn at new offsets
        kept = [(d.segment_id, d.action, d.analyst) for d in load_decisions(workspace)]
        assert kept == [(now, "add", "anna"), (now, "stance", "anna"), (now, "memo", "bo")]
        assert [(d.action, d.memo) for d in load_decisions(workspace, segment_id=now)][-1] == \
            ("memo", "Løst efter to år.")
        state = current_state(workspace)
        assert state.codes[(now, "barrier.it_integration")].status == "added"
        # the corrected turn's own words changed: its memo stays in the log, on no unit
        assert _unit(workspace, "Altså, øh") != typo
    finally:
        workspace.engine.dispose()

"""A workspace coded by an older hoi_nlp: its stale coding is tidied when a command opens it."""

from __future__ import annotations

from hoi_nlp.review.decisions import load_decisions, record_decision
from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import batches, run_inputs, tidy_stale_coding
from hoi_nlp.store import BatchLedger, ledger_table, load_assignments, load_segments, replace_assignments
from tests.conftest import DATA

CODEBOOK = DATA / "codebooks" / "small.yaml"


def _marks(workspace) -> list[tuple[str, str]]:
    from sqlalchemy import select

    with workspace.engine.connect() as conn:
        return sorted((r.stage, r.batch_key) for r in conn.execute(select(ledger_table)))


def _old_shape(workspace, *, marks: bool):
    """The study as an older hoi left it: the rule coder's run, then a trained coder's run that replaced
    only its own rows (it suggested codes on half the units) and, with ``marks``, marked every batch done
    beside the rule coder's marks. An analyst accepted one rule suggestion on a unit both coded."""
    rules = load_assignments(workspace)
    assert rules and {a.coder for a in rules} == {"hoi.rules.v1"}
    units = sorted({a.segment_id for a in rules})
    later = units[: len(units) // 2 + 1]
    trained = [a.model_copy(update={"coder": "hoi.combined.v1", "method": "combined",
                                    "model_version": "coder-old", "confidence": 0.9})
               for a in rules if a.segment_id in later]
    replace_assignments(workspace, trained, segment_ids=later, coders=["hoi.combined.v1"])
    if marks:  # an older hoi marked batches (no family), the rule coder's run first
        old_batches = list(batches(load_segments(workspace, codable=True), Settings().flow.batch_size))
        for stage in ("code:hoi.rules.v1:rules-old:small@1", "code:hoi.combined.v1:coder-old:small@1"):
            ledger = BatchLedger(workspace, stage=stage)
            for batch in old_batches:
                ledger.mark_done(batch)
    decided = next(a for a in rules if a.segment_id in later)
    record_decision(workspace, segment_id=decided.segment_id, action="accept", code_id=decided.code_id,
                    analyst="anna")
    return rules, trained, decided


def test_an_old_workspace_loses_stale_marks_and_other_coders_undecided_suggestions_on_open(study_ws):
    """Opening a workspace an older hoi coded (any command does) keeps one mark per batch, the latest, and
    of the suggestions nobody decided only those of the coder that coded the batch last — also on units
    where it found nothing — and every decided one; the decisions are untouched, and a second look finds
    nothing more."""
    rules, trained, decided = _old_shape(study_ws, marks=True)
    decisions = load_decisions(study_ws)
    marks_before = _marks(study_ws)
    assert len(marks_before) == 2 * len({key for _, key in marks_before})

    inputs = run_inputs(study_ws.root, CODEBOOK)  # what every command on the study does first

    after = load_assignments(inputs.workspace)
    assert {(a.segment_id, a.code_id) for a in after if a.coder == "hoi.rules.v1"} == {
        (decided.segment_id, decided.code_id)}
    assert {(a.segment_id, a.code_id) for a in after if a.coder == "hoi.combined.v1"} == {
        (a.segment_id, a.code_id) for a in trained}
    assert _marks(study_ws) == [(stage, key) for stage, key in marks_before
                                if stage.startswith("code:hoi.combined.v1")]
    assert load_decisions(study_ws) == decisions
    assert tidy_stale_coding(study_ws) == {"ledger_marks": 0, "suggestions": 0}


def test_without_its_batches_marks_a_unit_keeps_the_coder_of_its_newest_suggestions(study_ws):
    """Where the ledger does not say which coder coded a batch last, a unit holding two coders' suggestions
    keeps the newest one's (and the decided ones); a unit only the rule coder coded keeps its own."""
    rules, trained, decided = _old_shape(study_ws, marks=False)
    later = {a.segment_id for a in trained}

    removed = tidy_stale_coding(study_ws)

    after = load_assignments(study_ws)
    assert {(a.segment_id, a.code_id) for a in after if a.coder == "hoi.rules.v1"} == {
        (decided.segment_id, decided.code_id)} | {(a.segment_id, a.code_id) for a in rules
                                                   if a.segment_id not in later}
    assert removed == {"ledger_marks": 0,
                       "suggestions": sum(a.segment_id in later for a in rules) - 1}


def test_the_tidy_runs_once_per_workspace_not_in_every_command(study_ws, monkeypatch):
    """Each command (a new process) scanned every suggestion of the study again for an older hoi's stale
    coding; the first to tidy a workspace now marks it there, outside the batch ledger, and later commands
    read the mark."""
    from hoi_nlp.stages import study

    tidied = []
    real = study.tidy_stale_coding
    monkeypatch.setattr(study, "tidy_stale_coding", lambda ws, **kw: tidied.append(ws.root) or real(ws, **kw))
    monkeypatch.setattr(study, "_TIDIED", set())
    marks = _marks(study_ws)
    run_inputs(study_ws.root, CODEBOOK)
    assert tidied == [study_ws.root] and _marks(study_ws) == marks
    monkeypatch.setattr(study, "_TIDIED", set())  # what a new process knows
    run_inputs(study_ws.root, CODEBOOK)
    assert tidied == [study_ws.root]

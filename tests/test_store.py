from __future__ import annotations

from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.records import slice_segment
from hoi_nlp.review.decisions import load_decisions, record_decision
from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import code_stage, segment_stage
from hoi_nlp.store import (
    Whereabouts,
    _relocation,
    load_assignments,
    load_segments,
    load_sources,
    save_segments,
    save_sources,
    unchanged_blocks,
)
from tests.conftest import make_source


def _sources():
    return [make_source("IT-systemerne taler ikke sammen.", source_id="R001:1.2", respondent_id="R001"),
            make_source("Jobcentret er med i teamet.", source_id="R002:1.2", respondent_id="R002")]


def test_reingest_does_not_duplicate(workspace):
    assert save_sources(workspace, _sources()) == {"new": 2, "changed": 0, "unchanged": 0}
    assert save_sources(workspace, _sources()) == {"new": 0, "changed": 0, "unchanged": 2}
    assert len(load_sources(workspace)) == 2


def test_changed_source_replaces_its_segments(workspace):
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    changed = make_source("Nu en helt anden tekst.", source_id="R001:1.2", respondent_id="R001")
    assert save_sources(workspace, [changed])["changed"] == 1
    segment_stage(workspace, Settings())
    texts = {s.text for s in load_segments(workspace, kinds=["answer"])}
    assert texts == {"Nu en helt anden tekst.", "Jobcentret er med i teamet."}


def test_coding_is_resumable_and_idempotent(workspace, small_codebook):
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    coder = RuleCoder(small_codebook)
    first = code_stage(workspace, small_codebook, Settings(), coder=coder)
    assert first["segments_coded"] == 2
    second = code_stage(workspace, small_codebook, Settings(), coder=coder)
    assert second == {"segments_coded": 0, "segments_skipped": 2, "segments_total": 2}
    codes = sorted((a.segment_id.split(":")[0], a.code_id) for a in load_assignments(workspace))
    assert codes == [("R001", "barrier.it_integration"), ("R002", "area.beskaeftigelse")]


def test_changed_attributes_update_in_place_and_keep_segments(workspace):
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    before = len(load_segments(workspace))
    fixed = make_source("IT-systemerne taler ikke sammen.", source_id="R001:1.2", respondent_id="R001",
                        municipality="Vejle")
    assert save_sources(workspace, [fixed])["changed"] == 1
    stored = {s.source_id: s for s in load_sources(workspace)}
    assert stored["R001:1.2"].attributes == {"municipality": "Vejle"}
    assert len(load_segments(workspace)) == before


def test_segments_load_by_id_in_source_order(workspace):
    many = [make_source(f"Svar nummer {i}. Anden sætning.", source_id=f"R{i:04d}:1.2",
                        respondent_id=f"R{i:04d}")
            for i in range(1600)]
    save_sources(workspace, many)
    segment_stage(workspace, Settings())
    every = load_segments(workspace, codable=True)
    wanted = [seg.segment_id for seg in every[::-3]]  # reversed, more ids than one query chunk
    assert len(wanted) > 500
    loaded = load_segments(workspace, codable=True, segment_ids=wanted)
    assert [seg.segment_id for seg in loaded] == [seg.segment_id for seg in every
                                                  if seg.segment_id in set(wanted)]
    assert load_segments(workspace, segment_ids=[]) == []


def test_a_workspace_from_an_earlier_version_gains_new_columns_and_keeps_its_data(tmp_path):
    """Columns added since a workspace was made (assignment stance and tier) are added in place."""
    import sqlite3

    from hoi_nlp.store import Workspace, load_assignments, replace_assignments, save_segments, save_sources

    workspace = Workspace.open(tmp_path / "ws", study="old")
    source = make_source("IT-systemerne taler ikke sammen.")
    save_sources(workspace, [source])
    from hoi_nlp.segment import segment_source

    segments = segment_source(source)
    save_segments(workspace, segments)
    from hoi_nlp.records import CodeAssignment

    unit = next(s for s in segments if s.codable)
    replace_assignments(workspace, [CodeAssignment(segment_id=unit.segment_id,
                                                   code_id="barrier.it_integration",
                                                   confidence=0.9, method="rule", coder="hoi.rules.v1",
                                                   codebook_version="v")],
                        segment_ids=[unit.segment_id], coders=["hoi.rules.v1"])
    workspace.engine.dispose()
    with sqlite3.connect(tmp_path / "ws" / "hoi.db") as conn:  # as an earlier version left it
        conn.execute("ALTER TABLE assignments DROP COLUMN stance")
        conn.execute("ALTER TABLE assignments DROP COLUMN tier")
    reopened = Workspace.open(tmp_path / "ws", create=False)
    [assignment] = load_assignments(reopened)
    assert (assignment.code_id, assignment.stance, assignment.tier) == (
        "barrier.it_integration", None, "suggested")


def _codebook_b(tmp_path):
    """The small codebook as version 0.2, with barrier.it_integration renamed barrier.it_systemer."""
    from hoi_nlp.codebook import load_codebook
    from tests.conftest import DATA

    renamed = (DATA / "codebooks" / "small.yaml").read_text(encoding="utf-8").replace(
        "barrier.it_integration", "barrier.it_systemer").replace('version: "0.1"', 'version: "0.2"')
    (tmp_path / "small_b.yaml").write_text(renamed, encoding="utf-8")
    return load_codebook(tmp_path / "small_b.yaml")


def test_coding_again_under_an_earlier_codebook_recodes(workspace, small_codebook, tmp_path):
    """A → B → A: B's run replaced A's machine codes, so A's old ledger entries no longer hold and
    A's codes come back (the batch was skipped, leaving B's codes under A's name)."""
    other = _codebook_b(tmp_path)
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    for codebook in (small_codebook, other, small_codebook):
        code_stage(workspace, codebook, Settings(), coder=RuleCoder(codebook))
        codes = {a.code_id for a in load_assignments(workspace)}
        assert codes <= set(codebook.code_ids), codes
        assert len(codes) == 2


def test_coding_with_another_coder_replaces_the_machines_suggestions(workspace, small_codebook, tmp_path):
    """`--coder rules` first, then a trained coder (the README's journey for a codebook of one's own):
    the first coder's suggestions stayed beside the second's and were counted with them."""
    class OtherCoder(RuleCoder):  # a second coder: the same patterns under another coder name
        name = "hoi.rules.other"

    other = _codebook_b(tmp_path)
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    for codebook, coder in ((small_codebook, RuleCoder(small_codebook)), (other, OtherCoder(other)),
                            (small_codebook, RuleCoder(small_codebook))):
        code_stage(workspace, codebook, Settings(), coder=coder)
        stored = load_assignments(workspace)
        assert {a.coder for a in stored} == {coder.name}
        assert {a.code_id for a in stored} <= set(codebook.code_ids) and len(stored) == 2


def test_a_source_that_leaves_and_comes_back_is_coded_again(workspace, small_codebook):
    """A respondent's row removed (`hoi run`), then back as it was: the run said «code: nothing new» and
    the returned answers stayed without machine codes — the batch of all units was the one coded before
    the removal, still marked done in the ledger though the removal had deleted its codes."""
    from hoi_nlp.store import remove_sources

    coder = RuleCoder(small_codebook)
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    code_stage(workspace, small_codebook, Settings(), coder=coder)
    remove_sources(workspace, ["R001:1.2"])
    code_stage(workspace, small_codebook, Settings(), coder=coder)
    assert {a.segment_id.split(":")[0] for a in load_assignments(workspace)} == {"R002"}
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    assert code_stage(workspace, small_codebook, Settings(), coder=coder)["segments_coded"] == 1  # R001 only
    codes = sorted((a.segment_id.split(":")[0], a.code_id) for a in load_assignments(workspace))
    assert codes == [("R001", "barrier.it_integration"), ("R002", "area.beskaeftigelse")]


def test_a_text_changed_and_changed_back_is_coded_again(workspace, small_codebook):
    """A → B → A on one answer (a typo corrected, then the correction undone): B's ingest deleted A's codes,
    but A's batch was still marked done, so A came back without machine codes."""
    coder = RuleCoder(small_codebook)
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    code_stage(workspace, small_codebook, Settings(), coder=coder)
    edited = make_source("Nu en helt anden tekst.", source_id="R001:1.2", respondent_id="R001")
    save_sources(workspace, [edited])
    segment_stage(workspace, Settings())
    code_stage(workspace, small_codebook, Settings(), coder=coder)
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    code_stage(workspace, small_codebook, Settings(), coder=coder)
    codes = sorted((a.segment_id.split(":")[0], a.code_id) for a in load_assignments(workspace))
    assert codes == [("R001", "barrier.it_integration"), ("R002", "area.beskaeftigelse")]


def test_a_decided_suggestion_comes_back_with_its_source(workspace, small_codebook):
    """An analyst accepted the machine's code on an answer; the respondent's row left and came back: the
    accepted suggestion was not written again (a decided pair keeps its stored assignment, but removing
    the source had deleted it), so the unit showed the code as «added» by the analyst, with no confidence."""
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.store import remove_sources

    coder = RuleCoder(small_codebook)
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    code_stage(workspace, small_codebook, Settings(), coder=coder)
    unit = next(a.segment_id for a in load_assignments(workspace) if a.segment_id.startswith("R001"))
    record_decision(workspace, segment_id=unit, action="accept", code_id="barrier.it_integration",
                    analyst="anna", codebook=small_codebook)
    remove_sources(workspace, ["R001:1.2"])
    save_sources(workspace, _sources())
    segment_stage(workspace, Settings())
    code_stage(workspace, small_codebook, Settings(), coder=coder)
    assert [(a.segment_id, a.code_id) for a in load_assignments(workspace) if a.segment_id == unit] == [
        (unit, "barrier.it_integration")]
    assert current_state(workspace).codes[(unit, "barrier.it_integration")].status == "accepted"


def test_the_units_stamp_moves_with_every_change_of_sources_or_segments_and_reads_one_row(workspace):
    """The review app asks for it at every request: it counted and summed every segment (a scan of the
    table, ~8 ms at 100k units); now it reads one counter that each writer raises in its transaction."""
    from hoi_nlp.store import remove_sources, save_segments, units_stamp
    from tests.sql_count import reading, statements

    stamps = [units_stamp(workspace)]

    def moved() -> bool:
        stamps.append(units_stamp(workspace))
        return stamps[-1] != stamps[-2]

    save_sources(workspace, _sources())
    assert moved()
    save_sources(workspace, _sources())  # unchanged
    assert not moved()
    corrected = _sources()[0].model_copy(update={"attributes": {"region": "Region Sjælland"}})
    assert save_sources(workspace, [corrected])["changed"] == 1
    assert moved()
    segment_stage(workspace, Settings())
    assert moved()
    assert save_segments(workspace, load_segments(workspace)) == 0
    assert not moved()
    remove_sources(workspace, ["R002:1.2"])
    assert moved()
    with statements(workspace) as sent:
        units_stamp(workspace)
    assert len(sent) == 1 and not reading(sent, "segments") and not reading(sent, "sources")


def test_unchanged_blocks_find_unchanged_lines_and_sentences_after_an_edit():
    old = "I: Hvad?\nD: Det var godt. Det var dyrt.\nI: Og så?\nD: Ja.\n"
    new = "I: Hvad?\nD: Det var meget godt. Det var dyrt.\nI: Og så?\nD: Ja.\n"

    def moved(words: str) -> int | None:
        at = old.index(words)
        return next((b - a for a, b, size in unchanged_blocks(old, new)
                     if a <= at and at + len(words) <= a + size), None)

    assert moved("D: Ja.") == len("meget ")  # a later turn: a whole line
    assert moved("Det var dyrt.") == len("meget ")  # a later sentence in the corrected line
    assert moved("Det var godt.") is None  # its own words changed
    assert moved("I: Hvad?") == 0
    # a paragraph longer than the character comparison reaches: its common beginning and end still count
    long_old = "D: " + "Vi har et godt samarbejde. " * 400 + "Det var dyrt.\n"
    long_new = "D: Ja, " + "Vi har et godt samarbejde. " * 400 + "Det var dyrt.\n"
    (block,) = [b for b in unchanged_blocks(long_old, long_new) if b[2] > 100]
    assert block == (3, 7, len(long_old) - 3)


def test_a_unit_moved_whole_is_relocated_only_when_its_words_tell_which_copy_it_is():
    answer = "D: Vores IT-systemer taler ikke sammen.\n"
    old = "I: Hvad?\n" + answer + "I: Og så?\nD: Ja.\n"
    swapped = "I: Og så?\nD: Ja.\nI: Hvad?\n" + answer

    def relocated(old_text: str, new_text: str, words: str) -> int | None:
        at = old_text.index(words)
        return _relocation(old_text, new_text, at, at + len(words))

    assert relocated(old, swapped, answer) == swapped.index(answer) - old.index(answer)
    assert relocated(old, swapped, "D: Ja.\n") is None  # too short to be told apart by its words
    assert relocated(old, swapped + answer, answer) is None  # two copies now: which one is it?
    assert relocated(old + answer, swapped, answer) is None  # two copies before
    assert relocated(old, swapped.replace("taler ikke", "snakker ikke"), answer) is None  # words changed


def _turns_stored(workspace, text: str) -> dict[str, str]:
    """``text`` saved as one transcript cut into its lines, as `hoi run` would; ``{line: unit id}``."""
    source = make_source(text, source_id="int01", kind="transcript", respondent_id="int01")
    save_sources(workspace, [source])
    units, start = [], 0
    for line in text.splitlines(keepends=True):
        units.append(slice_segment(source, kind="turn", start=start, end=start + len(line.rstrip("\n"))))
        start += len(line)
    save_segments(workspace, units)
    return {unit.text: unit.segment_id for unit in units}


def test_decisions_follow_turns_through_a_reworded_question_and_a_swap(workspace):
    """The store's side of a corrected transcript (on SQLite, and on PostgreSQL in tests/postgres)."""
    fixed = "D: Vi har faktisk løst det med en fælles løsning."
    swapped = "D: IT-systemerne taler ikke sammen, desværre."
    before = _turns_stored(workspace, f"I: Hvad virkede?\n{fixed}\nI: Og barriererne?\n{swapped}\n")
    for line in (fixed, swapped):
        record_decision(workspace, segment_id=before[line], action="memo", analyst="anna", memo=line[3:9])
    after = _turns_stored(workspace, f"I: Og barriererne?\n{swapped}\nI: Hvad har virket?\n{fixed}\n")
    assert [(d.segment_id, d.memo) for d in load_decisions(workspace)] == [
        (after[fixed], "Vi har"), (after[swapped], "IT-sys")]


def test_whereabouts_move_a_unit_named_before_a_change_only():
    from datetime import UTC, datetime

    first, second = datetime(2026, 1, 2), datetime(2026, 1, 4)  # naive UTC, as the workspace reads them
    where = Whereabouts({"int1": "int01"}, {"int01": [(first, {"int01:t10-20": ("int01:t5-15", -5)}),
                                                      (second, {"int01:t5-15": ("int01:t10-20", 5)})]})
    before, between, after = (datetime(2026, 1, d, tzinfo=UTC) for d in (1, 3, 5))
    assert where.now("int1:t10-20", before) == ("int01:t10-20", 0)  # moved there and back
    assert where.now("int01:t5-15", between) == ("int01:t10-20", 5)
    assert where.now("int01:t10-20", between) == ("int01:t10-20", 0)  # another unit took the old place
    assert where.now("int01:t5-15", after) == ("int01:t5-15", 0)
    assert where.former_ids({"int01:t10-20"}) >= {"int01:t10-20", "int01:t5-15", "int1:t10-20", "int1:t5-15"}

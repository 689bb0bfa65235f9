"""The coding ledger marks sources, not fixed slices of the study: a source added, changed or removed costs
the coding of that source only, a killed run resumes where it stopped, and a workspace an older hoi_nlp
marked by batch is not coded again after the upgrade."""

from __future__ import annotations

from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import (
    batches,
    code_batch,
    code_stage,
    coding_batches,
    coding_ledger,
    pending_batches,
)
from hoi_nlp.store import BatchLedger, load_assignments, load_segments, remove_sources, save_sources
from tests.conftest import make_source

SIZE = 4
TEXTS = ("IT-systemerne taler ikke sammen.", "Jobcentret er med i teamet.", "Vi mangler tid til det.")


def _settings() -> Settings:
    settings = Settings()
    settings.flow.batch_size = SIZE
    return settings


def _study(n: int, *, skip: int | None = None) -> list:
    return [make_source(f"{TEXTS[i % 3]} Svar nummer {i}.", source_id=f"R{i:03d}:1.2",
                        respondent_id=f"R{i:03d}") for i in range(n) if i != skip]


def _coded(workspace, codebook, settings=None) -> dict[str, int]:
    from hoi_nlp.stages.study import segment_stage

    settings = settings or _settings()
    segment_stage(workspace, settings)
    return code_stage(workspace, codebook, settings, coder=RuleCoder(codebook))


def test_a_source_added_changed_or_removed_costs_the_coding_of_that_source_only(workspace, small_codebook):
    """Fixed slices of the study shifted every later batch when a source was added (a late interview), and
    a changed or removed source wiped the whole ledger: each `hoi run` after it re-coded the study."""
    save_sources(workspace, _study(40, skip=3))
    assert _coded(workspace, small_codebook)["segments_coded"] == 39
    save_sources(workspace, _study(40))  # R003 comes in early in the stored order
    assert _coded(workspace, small_codebook) == {"segments_coded": 1, "segments_skipped": 39,
                                                 "segments_total": 40}
    save_sources(workspace, [make_source("Her taler IT-systemerne heller ikke sammen.", source_id="R010:1.2",
                                         respondent_id="R010")])
    assert _coded(workspace, small_codebook)["segments_coded"] == 1
    remove_sources(workspace, ["R020:1.2"])
    assert _coded(workspace, small_codebook)["segments_coded"] == 0
    codes = {a.segment_id.split(":")[0] for a in load_assignments(workspace)
             if a.code_id == "barrier.it_integration"}
    assert codes == {f"R{i:03d}" for i in range(0, 40, 3)} | {"R010"}


def test_a_killed_run_resumes_with_the_sources_it_had_not_coded(workspace, small_codebook):
    from hoi_nlp.stages.study import segment_stage

    save_sources(workspace, _study(20))
    segment_stage(workspace, _settings())
    coder = RuleCoder(small_codebook)
    ledger = coding_ledger(workspace, small_codebook, coder)
    first, *rest = pending_batches(workspace, ledger, batch_size=SIZE)
    code_batch(workspace, coder, first, codebook=small_codebook, ledger=ledger)  # then the run was killed
    resumed = code_stage(workspace, small_codebook, _settings(), coder=coder)
    assert resumed["segments_coded"] == sum(len(batch) for batch in rest) == 20 - len(first)
    assert code_stage(workspace, small_codebook, _settings(), coder=coder)["segments_coded"] == 0


def test_a_transcript_is_coded_in_one_batch_with_its_neighbours(workspace):
    """A source's units stay together (the ledger marks the source with its batch; a unit's context comes
    from its own source); batches are filled to ``size`` with whole sources."""
    from hoi_nlp.records import Segment

    def units(source: str, n: int) -> list[Segment]:
        return [Segment(segment_id=f"{source}:u{k}", source_id=source, kind="answer", start=k, end=k + 1,
                        text="x", codable=True) for k in range(n)]

    study = units("a", 2) + units("b", 7) + units("c", 1) + units("d", 2) + units("e", 3)
    cut = [[unit.source_id for unit in batch] for batch in coding_batches(study, 4)]
    assert cut == [["a"] * 2, ["b"] * 7, ["c", "d", "d"], ["e"] * 3]


def test_coding_an_older_hoi_marked_by_batch_is_adopted_not_redone(workspace, small_codebook):
    """After an upgrade, the batches an older hoi_nlp marked coded under the same coder, model and codebook
    are not coded again (their sources are marked instead); a source that one of its slices left
    unmarked is coded."""
    from hoi_nlp.stages.study import segment_stage
    from hoi_nlp.store import coded_sources_table

    save_sources(workspace, _study(10))
    segment_stage(workspace, _settings())
    coder = RuleCoder(small_codebook)
    ledger = coding_ledger(workspace, small_codebook, coder)
    code_stage(workspace, small_codebook, _settings(), coder=coder)
    with workspace.engine.begin() as conn:  # what an older hoi left: batch marks, no source marks
        conn.execute(coded_sources_table.delete())
    old = BatchLedger(workspace, stage=ledger.stage, family="code:")
    slices = list(batches(load_segments(workspace, codable=True), SIZE))
    for batch in slices[:-1]:
        old.mark_done(batch)
    left = {unit.source_id for unit in slices[-1]}
    coded = pending_batches(workspace, ledger, batch_size=SIZE)
    assert {unit.source_id for batch in coded for unit in batch} == left
    resumed = code_stage(workspace, small_codebook, _settings(), coder=coder)
    assert resumed["segments_coded"] == len(slices[-1])
    assert code_stage(workspace, small_codebook, _settings(), coder=coder)["segments_coded"] == 0


def test_coding_under_another_codebook_and_back_codes_again(workspace, small_codebook, hoi_codebook):
    """A → B → A: marking a source under B forgets A's mark for it (B's codes replaced A's)."""
    save_sources(workspace, _study(6))
    assert _coded(workspace, small_codebook)["segments_coded"] == 6
    assert _coded(workspace, hoi_codebook)["segments_coded"] == 6
    assert _coded(workspace, small_codebook)["segments_coded"] == 6
    assert {a.code_id for a in load_assignments(workspace)} <= {c.id for c in small_codebook.codes}

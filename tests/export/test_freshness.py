"""An export whose inputs are unchanged is not redone; any change (or a missing file) redoes it."""

from __future__ import annotations

from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import RunInputs, export_stage
from hoi_nlp.store import load_assignments, replace_assignments


def test_unchanged_export_is_skipped_and_changes_redo_it(coded_workspace, small_codebook):
    inputs = RunInputs(coded_workspace, small_codebook, Settings(pseudonymize={"recogniser": "patterns"}))
    first = export_stage(inputs, formats=["xlsx"])
    xlsx = next(p for p in first if p.name.endswith(".xlsx"))
    stamp = xlsx.stat().st_mtime_ns
    assert export_stage(inputs, formats=["xlsx"]) == first
    assert xlsx.stat().st_mtime_ns == stamp

    xlsx.unlink()
    export_stage(inputs, formats=["xlsx"])
    assert xlsx.exists()
    stamp = xlsx.stat().st_mtime_ns

    first, *_ = load_assignments(coded_workspace)
    kept = [a for a in load_assignments(coded_workspace) if a.segment_id == first.segment_id and a != first]
    replace_assignments(coded_workspace, kept, segment_ids=[first.segment_id], coders=[first.coder])
    export_stage(inputs, formats=["xlsx"])
    assert xlsx.stat().st_mtime_ns != stamp

    other = RunInputs(coded_workspace, small_codebook, Settings(pseudonymize={"recogniser": "patterns",
                                                                              "keep_organisations": ["KL"]}))
    stamp = xlsx.stat().st_mtime_ns
    export_stage(other, formats=["xlsx"])  # other privacy settings: a new export
    assert xlsx.stat().st_mtime_ns != stamp

"""An export whose inputs are unchanged is not redone; any change (or a missing file) redoes it."""

from __future__ import annotations

from hoi_nlp.runner import export_stage
from hoi_nlp.store import load_assignments, replace_assignments


def test_unchanged_export_is_skipped_and_changes_redo_it(coded_workspace, small_codebook):
    first = export_stage(coded_workspace, small_codebook, formats=["xlsx"])
    xlsx = next(p for p in first if p.name.endswith(".xlsx"))
    stamp = xlsx.stat().st_mtime_ns
    assert export_stage(coded_workspace, small_codebook, formats=["xlsx"]) == first
    assert xlsx.stat().st_mtime_ns == stamp

    xlsx.unlink()
    export_stage(coded_workspace, small_codebook, formats=["xlsx"])
    assert xlsx.exists()
    stamp = xlsx.stat().st_mtime_ns

    first, *_ = load_assignments(coded_workspace)
    kept = [a for a in load_assignments(coded_workspace) if a.segment_id == first.segment_id and a != first]
    replace_assignments(coded_workspace, kept, segment_ids=[first.segment_id], coders=[first.coder])
    export_stage(coded_workspace, small_codebook, formats=["xlsx"])
    assert xlsx.stat().st_mtime_ns != stamp

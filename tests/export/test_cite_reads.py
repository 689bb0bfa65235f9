"""`hoi cite` reads the units its code is on, not the whole study's codings: its quotes, citation lines,
references and note are those the whole study gives (its leak guard the whole study's)."""

from __future__ import annotations

import shutil

import pytest

from hoi_nlp.export import api
from hoi_nlp.review.decisions import record_decision
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace, load_segments
from tests.sql_count import reading, statements

SETTINGS = Settings(pseudonymize={"recogniser": "patterns"}, embeddings={"backend": "tfidf"},
                    report={"min_group_size": 1})
ASKED = [("area.beskaeftigelse", {}), ("barrier.it_integration", {}),
         ("barrier.it_integration", {"stance": "any", "with_attributes": ("size_group", "region")}),
         ("barrier.it_integration", {"group": "size_group=Mindre kommune"}),
         ("area.beskaeftigelse", {"n": 2, "with_attributes": ("region",)})]


def _cite(workspace, codebook, code_id, **options):
    found = api.cite(workspace, codebook, code_id, settings=SETTINGS, **options)
    return [(q.model_dump(), reference) for q, reference in found], found.note, found.too_short


def _whole_study(monkeypatch):
    """`hoi cite` as it was: the whole study opened."""
    monkeypatch.setattr(api, "open_study_for_code",
                        lambda workspace, codebook, code_id, *, settings: api.open_study(
                            workspace, codebook, settings=settings))


def _reviewed(workspace) -> None:
    """Decisions of two analysts: an accepted and a rejected suggestion, an added code with a memo, a
    stance, an adjusted span."""
    segments = load_segments(workspace, codable=True)
    units = [s.segment_id for s in segments]
    record_decision(workspace, segment_id=units[2], action="span", analyst="bo",
                    start=segments[2].start, end=segments[2].end - 1)
    record_decision(workspace, segment_id=units[0], action="reject", analyst="bo",
                    code_id="area.beskaeftigelse")
    record_decision(workspace, segment_id=units[1], action="add", analyst="ana",
                    code_id="barrier.it_integration")
    record_decision(workspace, segment_id=units[1], action="memo", analyst="ana",
                    code_id="barrier.it_integration", memo="Spørg Mette Hansen")
    for unit in units[2:]:
        record_decision(workspace, segment_id=unit, action="stance", analyst="ana",
                        code_id="barrier.it_integration", outcome="overcome")


@pytest.mark.parametrize("cached", [True, False])
def test_cite_gives_what_the_whole_study_gives(coded_workspace, memo_unit, small_codebook, tmp_path,
                                               monkeypatch, cached):
    """Every code, with and without a group, attributes or a stance; with every source's redaction
    cached (as `hoi run` leaves a study), and before any was made (then the whole study is redacted)."""
    from hoi_nlp.privacy.key import key_path, load_key, save_key

    _reviewed(coded_workspace)
    if cached:
        api.open_study(coded_workspace, small_codebook, settings=SETTINGS)
    key = load_key(key_path(coded_workspace), study="fixture")
    key.opaque("the study's secret, made once for both copies", length=8)
    save_key(key, key_path(coded_workspace))
    twin_root = tmp_path / "twin"
    shutil.copytree(coded_workspace.root, twin_root)
    twin = Workspace.open(twin_root, study="fixture", create=False)
    asked = [(code.id, {}) for code in small_codebook.codes] + ASKED
    now = [_cite(coded_workspace, small_codebook, code_id, **options) for code_id, options in asked]
    _whole_study(monkeypatch)
    before = [_cite(twin, small_codebook, code_id, **options) for code_id, options in asked]
    assert now == before
    assert any(quotes for quotes, _, _ in now)
    assert any(q["review_state"] in ("accepted", "added") for quotes, _, _ in now for q, _ in quotes)


def test_cite_reads_the_codings_of_its_code_only(coded_workspace, memo_unit, small_codebook):
    api.open_study(coded_workspace, small_codebook, settings=SETTINGS)  # every source redacted, as by a run
    with statements(coded_workspace) as sent:
        assert _cite(coded_workspace, small_codebook, "barrier.it_integration")[0]
    # the codings' assignments (with their evidence): the code's, and every code's on its units only
    assignments = [s for s in reading(sent, "assignments") if "assignments.evidence" in s]
    assert assignments
    assert all("code_id = ?" in s or "segment_id IN (?" in s for s in assignments), assignments
    assert not [s for s in reading(sent, "privacy_recognised") if "spans" in s and "source_id IN" not in s]

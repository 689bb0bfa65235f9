"""``hoi quote`` shows the segment id as a reader without the original sees it (raw with --original)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hoi_nlp.cli import app
from tests.conftest import DATA

pytestmark = pytest.mark.slow
CODEBOOK = str(DATA / "codebooks" / "small.yaml")


@pytest.fixture
def lemvig_workspace(tmp_path, monkeypatch):
    """The export tests' fabricated workspace with respondent R2 renamed "Lemvig-02" (a municipality)."""
    from hoi_nlp.privacy.key import PseudonymKey, key_path, save_key
    from hoi_nlp.store import Workspace, replace_assignments, save_segments, save_sources
    from tests.export import conftest as fixture

    monkeypatch.setattr(fixture, "RESPONDENTS", [(r.replace("R2", "Lemvig-02"), *rest)
                                                 for r, *rest in fixture.RESPONDENTS])
    monkeypatch.setattr(fixture, "CODINGS", [(r.replace("R2", "Lemvig-02"), *rest)
                                             for r, *rest in fixture.CODINGS])
    workspace = Workspace.open(tmp_path / "fixture", study="fixture")
    sources, segments, assignments = fixture.build_records()
    save_sources(workspace, sources)
    save_segments(workspace, segments)
    replace_assignments(workspace, assignments, segment_ids=[s.segment_id for s in segments],
                        coders=["hoi.rules.v1"])
    save_key(PseudonymKey(study="fixture", originals={"Lemvig": "[KOMMUNE]"}), key_path(workspace))
    return workspace


def _quote(*args: str) -> str:
    result = CliRunner().invoke(app, ["quote", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_quote_prints_the_shown_segment_id(lemvig_workspace) -> None:
    ws = str(lemvig_workspace.root)
    out = CliRunner().invoke(app, ["cite", "area.beskaeftigelse", "-w", ws, "-c", CODEBOOK, "--n", "5",
                                   "--format", "json"])
    assert out.exit_code == 0, out.output
    quote = next(q for q in json.loads(out.output)["quotes"] if q["source"].startswith("Spørgeskema, id-"))
    for _ in range(2):  # freshly pseudonymised, then from the quote registry
        shown = _quote(quote["quote_id"], "-w", ws, "-c", CODEBOOK)
        assert "Lemvig" not in shown and "lemvig" not in shown.casefold()
        assert "segment" in shown and "id-" in shown
    assert "Lemvig-02:q1" in _quote(quote["quote_id"], "-w", ws, "-c", CODEBOOK, "--original")

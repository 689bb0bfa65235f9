"""The export CLI end to end on the fabricated workspace (real redactor and embeddings)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from hoi_nlp.cli import app
from tests.conftest import DATA

pytestmark = pytest.mark.slow
CODEBOOK = str(DATA / "codebooks" / "small.yaml")


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cite_then_quote_resolves(coded_workspace):
    ws = str(coded_workspace.root)
    out = _run("cite", "area.beskaeftigelse", "-w", ws, "-c", CODEBOOK, "--n", "3", "--format", "json")
    quotes = json.loads(out)
    assert 1 <= len(quotes) <= 3
    assert all(re.match(r'^«".+" \((Kommunaldirektør|Direktør)\)»$', q["citation"]) for q in quotes)
    assert not any("Mette" in q["citation"] or "Lemvig" in q["citation"] for q in quotes)
    shown = _run("quote", quotes[0]["quote_id"], "-w", ws, "-c", CODEBOOK)
    assert "offsets" in shown and "Jobcentret" not in shown.split("review")[-1]
    original = CliRunner().invoke(
        app, ["quote", quotes[0]["quote_id"], "-w", ws, "-c", CODEBOOK, "--original"]
    )
    assert "NOT pseudonymised" in original.output


def test_search_and_group_filter(coded_workspace):
    ws = str(coded_workspace.root)
    hits = _run("quotes", "search", "IT-systemer der ikke virker", "-w", ws, "-c", CODEBOOK, "--n", "2")
    assert len(hits.strip().splitlines()) == 2
    small = _run(
        "cite",
        "barrier.it_integration",
        "-w",
        ws,
        "-c",
        CODEBOOK,
        "--group",
        "size_group=Mindre kommune",
        "--with-attributes",
    )
    assert "Mindre kommune" in small and "Større kommune" not in small


def test_export_qdpx_and_import_back_as_decisions(coded_workspace, tmp_path):
    from hoi_nlp.review.decisions import current_state

    ws = str(coded_workspace.root)
    target = tmp_path / "fixture.qdpx"
    _run("export", ws, "-c", CODEBOOK, "--format", "qdpx", "--output", str(target))
    out = _run("import-qdpx", ws, str(target), "--analyst", "ana", "-c", CODEBOOK)
    # an untouched export records no decisions (issue 14: the machine's own codings are not reviews)
    assert "7 codings read" in out and "accept 0, reject 0, add 0, span 0, unchanged 7" in out
    state = current_state(coded_workspace)
    assert {s.status for s in state.codes.values()} == {"suggested"}


def test_qdc_export_and_import(coded_workspace, tmp_path):
    _run(
        "export",
        str(coded_workspace.root),
        "-c",
        CODEBOOK,
        "--format",
        "qdc",
        "--output",
        str(tmp_path / "k.qdc"),
    )
    out = _run("codebook", "import-qdc", str(tmp_path / "k.qdc"), "--output", str(tmp_path / "k.yaml"))
    assert "2 families, 3 codes" in out

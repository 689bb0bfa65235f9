"""A study's own codebook file edited or replaced after analysts decided on its codes."""

from __future__ import annotations

import json

import pytest

from hoi_nlp.errors import CodebookError
from hoi_nlp.review.decisions import record_decision
from hoi_nlp.stages.study import CODEBOOK_RECORD, run_inputs
from tests.conftest import DATA

IT = "barrier.it_integration"
JOB = "area.beskaeftigelse"
R001 = "R001:1.2_kommentar:a0-68"


def _codebook(tmp_path, name: str, replace: tuple[str, str] | None = None) -> str:
    text = (DATA / "codebooks" / "small.yaml").read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_codebook_without_decided_codes_is_refused_and_not_recorded(study_ws, small_cb, tmp_path):
    first = _codebook(tmp_path, "mine.yaml")
    run_inputs(study_ws.root, first)
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna", codebook=small_cb)
    record_decision(study_ws, segment_id=R001, action="add", code_id=JOB, analyst="anna", codebook=small_cb)
    renamed = _codebook(tmp_path, "renamed.yaml", ("id: barrier.it_integration", "id: barrier.it_systemer"))
    with pytest.raises(CodebookError) as caught:
        run_inputs(study_ws.root, renamed)
    message = str(caught.value)
    assert "barrier.it_integration (1 accepted)" in message and "deprecated: true" in message
    assert JOB not in message
    record = json.loads((study_ws.root / CODEBOOK_RECORD).read_text(encoding="utf-8"))
    assert record["path"] == first  # the refused file did not become the study's
    # the same file edited in place: refused the same way
    (tmp_path / "mine.yaml").write_text((tmp_path / "renamed.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    with pytest.raises(CodebookError):
        run_inputs(study_ws.root)


def test_a_decided_code_kept_as_deprecated_is_accepted(study_ws, small_cb, tmp_path):
    record_decision(study_ws, segment_id=R001, action="reject", code_id=IT, analyst="anna", codebook=small_cb)
    kept = _codebook(tmp_path, "kept.yaml", ("        label: Utilstrækkelig integration af IT-systemer\n",
                                             "        label: Utilstrækkelig integration af IT-systemer\n"
                                             "        deprecated: true\n"))
    assert run_inputs(study_ws.root, kept).codebook.code(IT).deprecated


def test_an_undone_decision_does_not_hold_a_code(study_ws, small_cb, tmp_path):
    decision = record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna",
                               codebook=small_cb)
    record_decision(study_ws, segment_id=R001, action="undo", undoes=decision.decision_id, analyst="anna")
    renamed = _codebook(tmp_path, "renamed.yaml", ("id: barrier.it_integration", "id: barrier.it_systemer"))
    assert run_inputs(study_ws.root, renamed).codebook.has_code("barrier.it_systemer")


def test_a_running_review_app_follows_the_study_s_codebook_file_when_it_changes(study_ws, small_cb, tmp_path):
    """The file marked `deprecated: true` (and `hoi run` again) while `hoi review` runs: the app stops
    offering the code and refuses adding it, as a freshly started app does (it kept the codebook it
    started with, so analysts could still add the deprecated code until the app was restarted)."""
    from fastapi.testclient import TestClient

    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.app import create_app
    from hoi_nlp.review.decisions import load_decisions
    from hoi_nlp.stages.review import review_app_config
    from tests.review.conftest import login

    mine = _codebook(tmp_path, "mine.yaml")
    add_user(study_ws, "anna", "Kattelem-Bjerg-2026!")
    app = create_app(review_app_config(run_inputs(study_ws.root, mine)))
    client = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
    csrf = login(client, "anna", "Kattelem-Bjerg-2026!")
    def offered(page: str) -> bool:
        return f'<option value="{IT}">' in page

    assert offered(client.get(f"/segment/{R001}").text)  # offered while it is current
    deprecated = (tmp_path / "mine.yaml").read_text(encoding="utf-8").replace(
        "        label: Utilstrækkelig integration af IT-systemer\n",
        "        label: Utilstrækkelig integration af IT-systemer\n        deprecated: true\n")
    (tmp_path / "mine.yaml").write_text(deprecated, encoding="utf-8")
    assert run_inputs(study_ws.root).codebook.code(IT).deprecated  # what `hoi run` now reads
    page = client.get(f"/segment/{R001}").text
    assert not offered(page)
    refused = client.post(f"/segment/{R001}/decide", headers={"HX-Request": "true"},
                          data={"action": "add", "code_id": IT, "csrf_token": csrf})
    assert refused.status_code == 422
    assert not [d for d in load_decisions(study_ws, segment_id=R001) if d.action == "add" and d.code_id == IT]
    # back to the previous file: offered again
    restored = deprecated.replace("        deprecated: true\n", "")
    (tmp_path / "mine.yaml").write_text(restored, encoding="utf-8")
    assert offered(client.get(f"/segment/{R001}").text)


def test_round_and_agreement_commands_refuse_a_codebook_without_decided_codes(study_ws, small_cb, tmp_path):
    """`hoi agreement`, `hoi review assign` and `hoi review cancel-round` refuse the study's codebook file
    once it lacks a decided code, as `hoi run`/`hoi export` do (they read the decision log without
    looking at the codebook: assign created a round, agreement counted the deleted code)."""
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.review.accounts import add_user
    from hoi_nlp.review.rounds import list_rounds

    mine = _codebook(tmp_path, "mine.yaml")
    run_inputs(study_ws.root, mine)
    for name in ("anna", "bo"):
        add_user(study_ws, name, "Kattelem-Bjerg-2026!")
    runner = CliRunner()
    assert runner.invoke(app, ["review", "assign", str(study_ws.root), "--round", "R1",
                               "--analysts", "anna,bo"]).exit_code == 0
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna", codebook=small_cb)
    renamed = (tmp_path / "mine.yaml").read_text(encoding="utf-8").replace(
        "id: barrier.it_integration", "id: barrier.it_systemer")
    (tmp_path / "mine.yaml").write_text(renamed, encoding="utf-8")
    for args in (["agreement", str(study_ws.root)],
                 ["agreement", str(study_ws.root), "-o", str(tmp_path / "agreement.csv")],
                 ["review", "assign", str(study_ws.root), "--round", "R2", "--analysts", "anna,bo"],
                 ["review", "cancel-round", str(study_ws.root), "--round", "R1"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert "barrier.it_integration (1 accepted)" in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert not (tmp_path / "agreement.csv").exists()
    rounds = list_rounds(study_ws)
    assert [r.round_id for r in rounds] == ["R1"] and rounds[0].cancelled is None

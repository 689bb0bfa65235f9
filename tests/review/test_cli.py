"""``hoi users``, ``hoi review assign``, ``hoi agreement`` and the safety checks of ``hoi review``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hoi_nlp.cli import app
from hoi_nlp.errors import ReviewError
from hoi_nlp.review.accounts import add_user, authenticate
from hoi_nlp.review.decisions import load_decisions, record_decision
from hoi_nlp.review.rounds import finish_round, get_round, list_rounds

runner = CliRunner()


def test_users_add_and_list(study_ws):
    root = str(study_ws.root)
    result = runner.invoke(
        app,
        ["users", "add", root, "anna", "--password-stdin", "--can-see-original"],
        input="et-langt-kodeord\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate(study_ws, "anna", "et-langt-kodeord").can_see_original
    prompted = runner.invoke(
        app, ["users", "add", root, "bo", "--role", "admin"], input="hemmeligt-ord\nhemmeligt-ord\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert runner.invoke(app, ["users", "add", root, "cai"], input="aaaaaaaaa\nbbbbbbbbb\n").exit_code != 0
    assert (
        runner.invoke(app, ["users", "add", root, "dan", "--password-stdin"], input="kort\n").exit_code != 0
    )
    listed = runner.invoke(app, ["users", "list", root])
    assert (
        listed.exit_code == 0
        and "anna\tanalyst, original text" in listed.output
        and "bo\tadmin" in listed.output
    )


def test_assign_and_agreement(study_ws, tmp_path):
    root = str(study_ws.root)
    for name in ("anna", "bo"):
        add_user(study_ws, name, "et-langt-kodeord")
    result = runner.invoke(
        app, ["review", "assign", root, "--round", "R1", "--analysts", "anna,bo", "--sample", "3"]
    )
    assert result.exit_code == 0, result.output
    assert len(get_round(study_ws, "R1").segment_ids) == 3
    again = runner.invoke(app, ["review", "assign", root, "--round", "R1", "--analysts", "anna,bo"])
    assert again.exit_code != 0 and "exists already" in again.output
    unfinished = runner.invoke(app, ["agreement", root, "--round", "R1"])
    assert unfinished.exit_code != 0 and "Traceback" not in unfinished.output
    assert "round 'R1' is unfinished (anna 0 of 3, bo 0 of 3 units reviewed)" in unfinished.output
    listed = runner.invoke(app, ["agreement", root])
    assert listed.exit_code == 0 and "round R1" not in listed.output.split("round R1 left out")[0]
    assert "round R1 left out: unfinished (anna 0 of 3, bo 0 of 3 units reviewed)" in listed.output
    for name in ("anna", "bo"):
        finish_round(study_ws, "R1", name)
    out = tmp_path / "agreement.xlsx"
    written = runner.invoke(app, ["agreement", root, "--round", "R1", "--output", str(out)])
    assert written.exit_code == 0 and out.exists()
    danish = tmp_path / "agreement.csv"  # semicolons and decimal commas for Danish Excel
    written = runner.invoke(app, ["agreement", root, "--round", "R1", "-o", str(danish), "--csv-dialect",
                                  "excel-da"])
    assert written.exit_code == 0, written.output
    assert danish.read_text(encoding="utf-8-sig").startswith("comparison;code_id;coders;units;")


@pytest.mark.parametrize("sample", ["0", "-2"])
def test_assign_refuses_a_sample_of_no_units(study_ws, sample):
    """`--sample -2` ended in a traceback (ValueError from random.sample) and `--sample 0` said the study had
    no coding units to assign — run it first: both say what --sample needs, and no round is made."""
    root = str(study_ws.root)
    for name in ("anna", "bo"):
        add_user(study_ws, name, "et-langt-kodeord")
    result = runner.invoke(
        app, ["review", "assign", root, "--round", "R1", "--analysts", "anna,bo", "--sample", sample])
    assert result.exit_code != 0 and "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"--sample {sample}: a round needs at least one coding unit" in result.output
    assert list_rounds(study_ws) == []


def test_cancel_round_records_it_and_keeps_the_decisions(study_ws):
    root = str(study_ws.root)
    for name in ("anna", "bo"):
        add_user(study_ws, name, "et-langt-kodeord")
    runner.invoke(app, ["review", "assign", root, "--round", "R2", "--analysts", "anna,bo", "--sample", "2"])
    unit = get_round(study_ws, "R2").segment_ids[0]
    record_decision(study_ws, segment_id=unit, action="add", code_id="barrier.it_integration",
                    analyst="anna", round="R2")
    result = runner.invoke(app, ["review", "cancel-round", root, "--round", "R2", "--reason", "carl left"])
    assert result.exit_code == 0 and "Round R2 cancelled" in result.output, result.output
    assert get_round(study_ws, "R2").cancelled is not None and len(load_decisions(study_ws, round="R2")) == 1
    listed = runner.invoke(app, ["agreement", root])
    assert "round R2 left out: cancelled" in listed.output
    again = runner.invoke(app, ["review", "cancel-round", root, "--round", "R2"])
    assert again.exit_code != 0 and "cancelled already" in again.output
    with pytest.raises(ReviewError, match="cancelled"):
        finish_round(study_ws, "R2", "anna")


def test_assign_refuses_analysts_without_an_account(study_ws):
    add_user(study_ws, "anna", "et-langt-kodeord")
    add_user(study_ws, "bo", "et-langt-kodeord")
    result = runner.invoke(
        app, ["review", "assign", str(study_ws.root), "--round", "R1", "--analysts", "anna,carl"]
    )
    assert result.exit_code != 0 and "no account for 'carl'" in result.output
    assert "known users: anna, bo" in result.output and "Traceback" not in result.output
    assert list_rounds(study_ws) == []


def test_no_login_is_refused_off_localhost(study_ws):
    result = runner.invoke(app, ["review", str(study_ws.root), "--host", "0.0.0.0", "--no-login"])
    assert result.exit_code != 0 and "only allowed on 127.0.0.1" in result.output


def test_a_port_in_use_is_an_error_before_the_app_claims_it(study_ws):
    """`hoi review` printed "… on http://127.0.0.1:PORT/" and then uvicorn's bare bind error: the page
    at that address belonged to whatever else listened there (another study's review app)."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["review", str(study_ws.root), "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert f"port {port}" in result.output and "--port" in result.output
    assert "http://" not in result.output

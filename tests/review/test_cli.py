"""``hoi users``, ``hoi review assign``, ``hoi agreement`` and the safety checks of ``hoi review``."""

from __future__ import annotations

from typer.testing import CliRunner

from hoi_nlp.cli import app
from hoi_nlp.review.accounts import add_user, authenticate
from hoi_nlp.review.rounds import get_round, list_rounds

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
    out = tmp_path / "agreement.xlsx"
    written = runner.invoke(app, ["agreement", root, "--round", "R1", "--output", str(out)])
    assert written.exit_code == 0 and out.exists()


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

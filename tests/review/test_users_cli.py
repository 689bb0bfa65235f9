"""``hoi users list|add|remove|reset-password`` as a user runs them: the CLI in a subprocess."""

from __future__ import annotations

import subprocess
import sys

from hoi_nlp.review.accounts import authenticate, create_session, get_session


def hoi(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_users_commands_manage_the_review_accounts(study_ws):
    root = str(study_ws.root)
    empty = hoi("users", "list", root)
    assert empty.returncode == 0 and "No accounts yet" in empty.stdout
    assert hoi("users", "add", root, "anna", "--password-stdin", stdin="hest-batteri-42\n").returncode == 0
    added = hoi("users", "add", root, "chef", "--role", "admin", "--password-stdin", stdin="kaffe-kande-77\n")
    assert added.returncode == 0 and "Added chef (admin)" in added.stdout
    listed = hoi("users", "list", root)
    assert listed.returncode == 0 and "anna\tanalyst" in listed.stdout and "chef\tadmin" in listed.stdout
    # a new password works at once and ends the sessions opened with the old one
    token, _ = create_session(study_ws, authenticate(study_ws, "anna", "hest-batteri-42"))
    reset = hoi("users", "reset-password", root, "anna", "--password-stdin", stdin="nyt-kodeord-42\n")
    assert reset.returncode == 0 and "New password set for anna" in reset.stdout
    assert authenticate(study_ws, "anna", "hest-batteri-42") is None
    assert authenticate(study_ws, "anna", "nyt-kodeord-42") is not None
    assert get_session(study_ws, token) is None
    short = hoi("users", "reset-password", root, "anna", "--password-stdin", stdin="kort\n")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr + short.stdout
    assert "Traceback" not in short.stderr
    unknown = hoi("users", "reset-password", root, "nobody", "--password-stdin", stdin="langt-kodeord\n")
    assert unknown.returncode != 0 and "unknown user 'nobody'" in unknown.stderr + unknown.stdout
    # remove asks first; --yes skips the question; the last admin stays
    kept = hoi("users", "remove", root, "anna", stdin="n\n")
    assert kept.returncode != 0 and "anna\tanalyst" in hoi("users", "list", root).stdout
    removed = hoi("users", "remove", root, "anna", "--yes")
    assert removed.returncode == 0 and "Removed anna" in removed.stdout
    assert "anna" not in hoi("users", "list", root).stdout
    assert authenticate(study_ws, "anna", "nyt-kodeord-42") is None
    last = hoi("users", "remove", root, "chef", "--yes")
    assert last.returncode != 0 and "last admin" in last.stderr + last.stdout
    gone = hoi("users", "remove", root, "anna", "--yes")
    assert gone.returncode != 0 and "unknown user 'anna'" in gone.stderr + gone.stdout


def test_removing_an_unknown_user_or_the_last_admin_says_so_without_asking_first(study_ws):
    root = str(study_ws.root)
    assert hoi("users", "add", root, "chef", "--role", "admin", "--password-stdin",
               stdin="kaffe-kande-77\n").returncode == 0
    for name, problem in (("nobody", "unknown user 'nobody'"), ("chef", "last admin")):
        # an answer "y" on stdin would remove the account if the question came first
        refused = hoi("users", "remove", root, name, stdin="y\n")
        output = refused.stdout + refused.stderr
        assert refused.returncode != 0 and problem in output, output
        assert f"Remove {name}?" not in output and "Traceback" not in output
    assert "chef\tadmin" in hoi("users", "list", root).stdout

"""CLI for the review: ``hoi review [assign|prepare]``, ``hoi users``, ``hoi agreement``, ``hoi retrain``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperGroup

from hoi_nlp.cli._app import app, echo, fail, handle_errors, users_app
from hoi_nlp.cli._options import CODEBOOK_OPT, SETTINGS_OPT, STUDY_ARG, coder_line, study_inputs

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class _ServeByDefault(TyperGroup):
    """``hoi review STUDY`` serves the app; ``hoi review assign …`` runs the subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["serve", *args]
        return super().parse_args(ctx, args)


review_app = typer.Typer(
    cls=_ServeByDefault,
    no_args_is_help=True,
    help="Review coded quotes in the browser (`hoi review STUDY`) and manage rounds.",
)
app.add_typer(review_app, name="review")


def _workspace(study: Path) -> Any:
    from hoi_nlp.stages.study import resolve_workspace

    return resolve_workspace(study)


def _study_workspace(study: Path) -> Any:
    """The workspace of a command that works on the study's coding (rounds, agreement): refused, naming
    the codes, when the study's codebook file lacks a code analysts decided on, like every study command
    (accounts, which hold no coding, need only :func:`_workspace`)."""
    return study_inputs(study).workspace


@review_app.command("serve")
@handle_errors
def serve_command(
    study: Path = STUDY_ARG,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (default: this machine only)."),
    port: int = typer.Option(8765, help="Port."),
    no_login: bool = typer.Option(
        False, "--no-login", help="No passwords (local use only: needs --host 127.0.0.1)."
    ),
    user: str = typer.Option("", help="Analyst name used with --no-login (default: your login name)."),
    codebook: Path | None = CODEBOOK_OPT,
    confidence_order: bool = typer.Option(
        False, "--confidence-order", help="Order the queue by confidence only (skip active learning)."
    ),
    allowed_host: list[str] = typer.Option(
        [], "--allowed-host", help="A host name the app may be reached by besides 127.0.0.1/localhost and "
        "--host (e.g. the machine's name when listening on 0.0.0.0); repeat for several."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Serve the review app for a study (http://127.0.0.1:8765 by default)."""
    import getpass

    import uvicorn

    from hoi_nlp.review.app import create_app
    from hoi_nlp.stages.review import review_app_config
    from hoi_nlp.stages.study import load_run_codebook, study_codebook_file

    if host not in LOCAL_HOSTS:
        if no_login:
            fail(
                f"--no-login is only allowed on 127.0.0.1, not on {host}: other machines could reach the app"
            )
        echo(
            f"Warning: listening on {host}: anyone who can reach this machine can open the login page. "
            "Use HTTPS (a reverse proxy) on shared networks.",
            err=True,
        )
    inputs = study_inputs(study, None, codebook, settings)
    given = load_run_codebook(study_codebook_file(inputs.workspace.root, codebook))
    if inputs.codebook.version_tag != given.version_tag:
        echo(f"Codebook: the study's own version {inputs.codebook.version_tag} (changed in the review app; "
             f"its history is on /codebook/history)")
    hosts = tuple(allowed_host) + (() if host in ("0.0.0.0", "::") else (host,))
    config = review_app_config(inputs, login=not no_login, local_user=user or getpass.getuser() or "analyst",
                               active_learning=not confidence_order, allowed_hosts=hosts)
    application = create_app(config)
    if not _port_free(host, port):  # else the address printed below is another program's
        fail(f"port {port} on {host} is in use (another `hoi review` or another program listens there) — "
             f"choose another with --port, e.g. --port {port + 1}")
    echo(f"hoi review: {inputs.workspace.study} on http://{host}:{port}/  (Ctrl+C stops)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _port_free(host: str, port: int) -> bool:
    """Whether the app can listen on ``host``:``port`` (bound as uvicorn binds, then released)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@review_app.command("assign")
@handle_errors
def assign_command(
    study: Path = STUDY_ARG,
    round_id: str = typer.Option(..., "--round", help="Round id, e.g. R1."),
    analysts: str = typer.Option(..., help="Comma-separated usernames, e.g. anna,bo."),
    sample: int | None = typer.Option(None, help="Random sample of N coding units (default: all)."),
    seed: int = typer.Option(0, help="Seed of the sample."),
) -> None:
    """Assign the same segments to several analysts for blind double coding."""
    from hoi_nlp.review.rounds import assign_round

    created = assign_round(
        _study_workspace(study), round_id, analysts.split(","), sample=sample, seed=seed, created_by="cli"
    )
    echo(f"Round {created.round_id}: {len(created.segment_ids)} segments for {', '.join(created.analysts)}")


@review_app.command("prepare")
@handle_errors
def prepare_command(study: Path = STUDY_ARG, settings: Path | None = SETTINGS_OPT) -> None:
    """Pseudonymise every source for display now (`hoi run` already does this; for older workspaces)."""
    from hoi_nlp.stages.review import prepare_review

    echo(f"Pseudonymised {prepare_review(study_inputs(study, settings=settings))} sources")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Repeat password", hide_input=True)
    if first != second:
        fail("the passwords differ")
    return str(first)


@users_app.command("add")
@handle_errors
def users_add_command(
    study: Path = STUDY_ARG,
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option("analyst", help="analyst or admin."),
    can_see_original: bool = typer.Option(
        False, "--can-see-original", help="May see the original (not pseudonymised) text."
    ),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Create an analyst account for a study's review app."""
    from hoi_nlp.review.accounts import add_user

    user = add_user(
        _workspace(study),
        username,
        _read_password(password_stdin),
        role=role,
        can_see_original=can_see_original,
    )
    echo(f"Added {user.username} ({user.role}{', sees original text' if user.can_see_original else ''})")


@users_app.command("list")
@handle_errors
def users_list_command(study: Path = STUDY_ARG) -> None:
    """List the accounts of a study."""
    from hoi_nlp.review.accounts import list_users

    users = list_users(_workspace(study))
    if not users:
        echo(f"No accounts yet: add one with `hoi users add {study} NAME`")
    for user in users:
        extra = ", original text" if user.can_see_original else ""
        echo(f"{user.username}\t{user.role}{extra}{'' if user.active else ' (disabled)'}")


@users_app.command("remove")
@handle_errors
def users_remove_command(
    study: Path = STUDY_ARG,
    username: str = typer.Argument(..., help="Login name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove an account (its sessions end; its decisions stay in the log under its name)."""
    from hoi_nlp.review.accounts import check_removable, remove_user

    workspace = _workspace(study)
    check_removable(workspace, username)  # an unknown user or the last admin: say so before asking
    if not yes and not typer.confirm(f"Remove {username}?"):
        fail("nothing removed")
    remove_user(workspace, username)
    echo(f"Removed {username}; their decisions stay in the review log")


@users_app.command("reset-password")
@users_app.command("password", hidden=True)  # the same command under its shorter name
@handle_errors
def users_reset_password_command(
    study: Path = STUDY_ARG,
    username: str = typer.Argument(..., help="Login name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from stdin."),
) -> None:
    """Give an account a new password (the policy applies; its open sessions end and its login
    back-off is cleared)."""
    from hoi_nlp.review.accounts import set_password

    user = set_password(_workspace(study), username, _read_password(password_stdin))
    echo(f"New password set for {user.username}; their sessions were ended")


@app.command("agreement")
@handle_errors
def agreement_command(
    study: Path = STUDY_ARG,
    round_id: str | None = typer.Option(None, "--round", help="Only this double-coding round."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write a .csv or .xlsx file."),
    csv_dialect: str = typer.Option(
        "excel", "--csv-dialect", help="excel | excel-da (semicolon, decimal comma) for a .csv file."
    ),
) -> None:
    """Inter-coder and machine-vs-analyst agreement (percent, Cohen's kappa, Krippendorff's alpha)."""
    from hoi_nlp.review.agreement import all_agreement, write_agreement

    workspace = _study_workspace(study)
    rows = all_agreement(workspace, round_id=round_id)
    if output is not None:
        echo(f"Wrote {write_agreement(rows, output, dialect=csv_dialect)}")
    else:
        echo("comparison\tcode\tunits\tpercent\tkappa\talpha")
        for row in rows:
            echo(
                "\t".join(
                    str(v if v is not None else "-")
                    for v in (row.comparison, row.code_id, row.units, row.percent, row.kappa, row.alpha)
                )
            )
    for note in _agreement_notes(workspace, rows, round_id):
        echo(note, err=True)


def _agreement_notes(workspace: Any, rows: list[Any], round_id: str | None) -> list[str]:
    """What the figures leave out: units not reviewed by every analyst, unfinished or cancelled rounds."""
    from hoi_nlp.review.agreement import OVERALL
    from hoi_nlp.review.rounds import list_rounds, round_progress

    notes = [
        f"{row.comparison}: computed on the {row.segments} units every analyst reviewed; "
        f"{row.left_out} left out (not reviewed by every analyst)"
        for row in rows
        if row.code_id == OVERALL and row.left_out
    ]
    if round_id is None:
        for current in list_rounds(workspace):
            if current.cancelled is not None:
                notes.append(f"round {current.round_id} left out: cancelled")
            elif not current.complete:
                progress = round_progress(workspace, current)
                notes.append(f"round {current.round_id} left out: unfinished ({progress})")
    return notes


@review_app.command("cancel-round")
@handle_errors
def cancel_round_command(
    study: Path = STUDY_ARG,
    round_id: str = typer.Option(..., "--round", help="The round to cancel, e.g. R2."),
    reason: str = typer.Option("", help="Why (kept with the cancellation)."),
) -> None:
    """Cancel a round nobody can finish: it is locked and left out of agreement; its decisions stay in
    the log (nothing is deleted) and its id stays taken."""
    import getpass

    from hoi_nlp.review.rounds import cancel_round

    cancelled = cancel_round(_study_workspace(study), round_id, by=getpass.getuser() or "cli", reason=reason)
    echo(f"Round {cancelled.round_id} cancelled; its decisions stay in the review log")


@app.command("retrain")
@handle_errors
def retrain_command(
    study: Path = STUDY_ARG,
    codebook: Path | None = CODEBOOK_OPT,
    no_rescore: bool = typer.Option(False, "--no-rescore", help="Only train; do not re-code the study."),
    restore_previous: bool = typer.Option(
        False, "--restore-previous", help="Go back to the coder the last retraining replaced (kept in "
        "<workspace>/models/coder.previous; again goes forward) and re-score the study with it."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Retrain the coders with the analysts' reviewed quotes and re-score the study."""
    from hoi_nlp.cli._progress import ProgressDisplay
    from hoi_nlp.stages.retrain import retrain_from_reviews
    from hoi_nlp.stages.study import describe_study_coder

    inputs = study_inputs(study, None, codebook, settings)
    if restore_previous:
        _restore_previous(inputs, rescore=not no_rescore)
        return
    with ProgressDisplay() as display:
        summary = retrain_from_reviews(inputs.workspace, codebook=inputs.codebook, settings=inputs.settings,
                                       rescore=not no_rescore)
    echo(display.summary())
    echo(
        f"Retrained on {summary['training_texts']} texts ({summary['reviewed_rows']} reviewed, "
        f"weighted {summary['study_weight'] or 1:g}) in {summary['seconds']} s -> {summary['model_dir']}"
    )
    echo(f"  the study codes with {coder_line(describe_study_coder(inputs))} from now on")
    if summary.get("left_out_undecided"):
        echo(f"  left out: {summary['left_out_undecided']} reviewed coding units with suggestions nobody has "
             "decided yet (learnt from once they are all accepted or rejected)")
    if summary.get("previous_model_dir"):
        echo(f"  the coder it replaced is kept in {summary['previous_model_dir']} "
             f"(`hoi retrain {study} --restore-previous` goes back to it)")
    _echo_scores(summary["cv"])
    if "rescore" in summary:
        echo(f"  re-scored {summary['rescore']['segments_coded']} coding units")
    if "rescore_skipped" in summary:
        echo(f"  not re-scored: the study's codebook changed to {summary['rescore_skipped']} during the "
             "retraining, with other codes than the coder learnt; run `hoi retrain` again")


def _restore_previous(inputs: Any, *, rescore: bool) -> None:
    from hoi_nlp.cli._progress import ProgressDisplay
    from hoi_nlp.coding.model_io import previous_model_dir, read_manifest
    from hoi_nlp.stages.retrain import rescore_study, restore_previous_coder
    from hoi_nlp.stages.study import active_model_dir

    restored = restore_previous_coder(inputs.workspace)
    model_dir = active_model_dir(inputs.workspace, inputs.settings)
    version = read_manifest(model_dir).get("model_version")
    echo(f"The study codes with {version} again ({model_dir}"
         f"{'' if restored else ': the configured coder'}); the replaced one is kept in "
         f"{previous_model_dir(inputs.workspace.coder_model_dir)}")
    if rescore:
        with ProgressDisplay() as display:
            result = rescore_study(inputs.workspace, codebook=inputs.codebook, settings=inputs.settings,
                                   model_dir=model_dir)
        echo(display.summary())
        echo(f"  re-scored {result['segments_coded']} coding units")


def _echo_scores(cv: dict[str, dict[str, Any]]) -> None:
    """The retrained coder's cross-validated scores, each with what it was measured on: the training
    texts as a whole are mostly the bundled rows (scored by the base model's folds), so the study's own
    passages are reported apart."""
    from hoi_nlp.coding.training.train import STUDY_CV, few_passages_note

    trained = [name for name in ("similarity", "classifier", "combined") if name in cv]
    if trained:
        first = cv[trained[0]]
        echo(f"  micro-F1 cross-validated on all {first['texts']} training texts ({first['data']}): "
             + ", ".join(f"{name} {cv[name]['micro_f1']:.3f}" for name in trained))
    if "rules" in cv:
        echo(f"  micro-F1 of the rules (not trained) on the same texts: {cv['rules']['micro_f1']:.3f}")
    study = cv.get(STUDY_CV)
    if study:
        echo(f"  on {study['data']}: combined micro-F1 {study['micro_f1']:.3f} "
             f"(precision {study['precision']:.3f}, recall {study['recall']:.3f})")
        if few_passages_note(study["texts"]):
            echo(f"  note: {few_passages_note(study['texts'])}")

"""CLI commands over a whole study: ``hoi run``, ``hoi segment``, ``hoi export``, ``hoi codebook …``."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from hoi_nlp.cli._app import app, codebook_app, echo, fail, handle_errors
from hoi_nlp.cli._options import CODEBOOK_OPT, CODER_OPT, SETTINGS_OPT, STUDY_ARG, WORKSPACE_OPT, coder_line
from hoi_nlp.cli._options import codebook_path as _codebook_path
from hoi_nlp.cli.commands_export import warn_stale_exports
from hoi_nlp.cli.commands_ingest import file_line

STOPPING = ("Stopping: the batches being coded are finished and saved first (up to a minute or two); "
            "`hoi run` again goes on from there.")
STOPPING_BY_STAGE = {
    "code": STOPPING,
    "pseudonymise": "Stopping: the exports being written are left unwritten (the files of the last run stay "
                    "as they were); everything coded is saved, and `hoi run` again writes the exports.",
}
STOPPING_BY_STAGE["export"] = STOPPING_BY_STAGE["pseudonymise"]
STOPPING_ELSE = "Stopping: what is done is saved; `hoi run` again goes on from there."
_running_stage: list[Callable[[], str | None]] = []  # the open run's display, asked which stage runs


def stopping_message(stage: str | None) -> str:
    """What the first Ctrl+C says, for the stage that runs (coding finishes its batches; the others stop)."""
    return STOPPING_BY_STAGE.get(stage or "", STOPPING_ELSE)


def say_stopping(signum: int, frame: object) -> None:
    """The first Ctrl+C of `hoi run`: say at once what happens to the stage that runs (the batches in progress
    finish), then interrupt as Python does (a second Ctrl+C interrupts whatever runs then)."""
    stage = _running_stage[-1]() if _running_stage else "code"
    echo(f"\n{stopping_message(stage)}", err=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stopping_said(running: Callable[[], str | None] | None = None) -> Iterator[None]:
    """While the block runs, Ctrl+C first says what happens (:func:`say_stopping`, for the stage
    ``running`` names); Python's handler after. A Ctrl+C the command was started to ignore (``hoi run &``
    in a script: the shell sets it so, and Python keeps it) stays ignored."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield
        return
    previous = signal.signal(signal.SIGINT, say_stopping)
    if running is not None:
        _running_stage.append(running)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if running is not None:
            _running_stage.remove(running)


@app.command("run")
@handle_errors
def run_command(
    study_dir: Path = typer.Argument(..., exists=True, file_okay=False,
                                     help="Study folder (survey/, transcripts/)."),
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    coder: str | None = CODER_OPT,
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Export folder (default: <workspace>/exports)."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Run the whole flow on a study: ingest → segment → code → export (a Prefect flow run).

    The workspace is outputs/<study folder name>/ in the current folder unless --workspace names one.
    """
    from hoi_nlp.cli._progress import ProgressDisplay
    from hoi_nlp.stages.study import (
        default_workspace_dir,
        load_run_codebook,
        load_run_settings,
        study_codebook_file,
    )

    workspace_dir = (workspace or default_workspace_dir(study_dir)).resolve()
    codebook_file = str(study_codebook_file(workspace_dir, codebook))  # given, or the study's own
    load_run_codebook(codebook_file)  # fail fast with clear messages before the flow starts
    load_run_settings(settings)
    from hoi_nlp.stages.study import run_inputs

    run_inputs(workspace_dir, settings_path=settings)  # the study database is reachable, or one clear error
    from hoi_nlp.stages.study import check_study_coder

    check_study_coder(workspace_dir, codebook_file, coder, settings)  # refused before anything is read
    from flows.environment import configure_prefect, start_temporary_api

    verbose = logging.getLogger().isEnabledFor(logging.INFO)
    configure_prefect(workspace_dir, verbose=verbose)
    api = start_temporary_api()  # boots while Prefect is imported here and the models load
    echo(f"Running {study_dir} → workspace {workspace_dir}")
    from flows.warmup import preload_models

    preload_models(str(workspace_dir), codebook_file, coder, str(settings) if settings else None)
    from flows.study import run_flow
    # Prefect's run names and "Finished in state" lines are not the project's logs: its warnings
    # show with -v, nothing of it without (the CLI reports errors itself, as one clear message).
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.WARNING if verbose else logging.CRITICAL)

    # start-up: Prefect's server, models
    with ProgressDisplay(first="start-up") as display, _stopping_said(display.running_stage):
        if api is not None:
            api.wait()
        summary = run_flow(str(study_dir.resolve()), str(workspace_dir), codebook_file,
                           str(output.resolve()) if output else None, coder,
                           str(settings) if settings else None)
    if summary.get("stopped") == "ingest":  # no file could be read: each one's own error, nothing else
        echo(display.summary())
        errors = summary["ingest"]["errors"]
        for message in errors:
            echo(f"Error: {message}", err=True)
        fail(f"none of the study's {len(errors)} file(s) could be ingested, so nothing was coded or "
             f"exported. Fix them and run `hoi run {study_dir}` again.")
    _print_run_summary(summary, workspace_dir, study_dir, output=output, workspace_option=workspace)
    echo(display.summary())
    errors = summary["ingest"].get("errors", [])
    if errors:
        for message in errors:
            echo(f"Error: {message}", err=True)
        fail(f"{len(errors)} file(s) could not be ingested; the rest of the study was processed. "
             "Fix them and run again (finished work is not redone).")


def _print_run_summary(summary: dict, workspace_dir: Path, study: Path, *, output: Path | None,
                       workspace_option: Path | None) -> None:
    from hoi_nlp.stages.study import study_counts
    from hoi_nlp.store import Workspace

    ingest = summary["ingest"]
    echo(f"Workspace: {summary['workspace']}")
    for name, report in ingest.get("files", {}).items():
        echo(file_line(f"ingested {name}", report))
    seg = ingest.get("segmentation", {})
    coding = summary["coding"]
    cut_again = f" ({seg['sources_cut_again']} cut again)" if seg.get("sources_cut_again") else ""
    echo(f"  segmented {seg.get('sources_segmented', 0)} new sources{cut_again} → "
         f"{seg.get('coding_units_created', 0)} new coding units; coded {coding.get('coding_units', 0)} "
         f"coding units in {coding['batches']} batches")
    if coding.get("coder"):
        echo(f"  coder: {coder_line(coding['coder'])}")
    opened = Workspace.open(workspace_dir, create=False)
    counts = study_counts(opened)
    possible = f" (+ {counts['possible']} possible ones to review)" if counts["possible"] else ""
    echo(f"The study holds {counts['sources']} sources (survey answers and interviews) cut into "
         f"{counts['coding_units']} coding units; {counts['units_with_codes']} of them carry "
         f"{counts['suggested']} suggested codes{possible}.")
    exports = [Path(p) for p in summary["exports"]]
    _print_exports(exports)
    for warning in ingest.get("warnings", []) + seg.get("warnings", []):
        echo(f"Warning: {warning}", err=True)
    if exports:
        warn_stale_exports(opened, output, study, workspace_option)


def _print_exports(paths: list[Path]) -> None:
    """The files written: one line per file in the export folder, one per subfolder (the plots)."""
    if not paths:
        return
    folder = Path(os.path.commonpath([p.parent for p in paths]))
    echo(f"Exports in {folder}/ (pseudonymised):")
    shown: set[str] = set()
    for path in paths:
        part = path.relative_to(folder).parts[0]
        if part in shown:
            continue
        shown.add(part)
        inside = [p for p in paths if p.relative_to(folder).parts[0] == part]
        echo(f"  {part}" if len(inside) == 1 and inside[0].parent == folder else
             f"  {part}/ ({len(inside)} files)")


@app.command("segment")
@handle_errors
def segment_command(study: Path = STUDY_ARG, workspace: Path | None = WORKSPACE_OPT,
                    settings: Path | None = SETTINGS_OPT) -> None:
    """Segment ingested sources into answers, turns, passages and sentences."""
    from hoi_nlp.stages.study import load_run_settings, resolve_workspace, segment_stage

    result = segment_stage(resolve_workspace(study, workspace), load_run_settings(settings))
    cut_again = f"; {result['sources_cut_again']} cut again" if result["sources_cut_again"] else ""
    echo(f"Segmented {result['sources_segmented']} sources into {result['coding_units_created']} new coding "
         f"units ({result['segments_created']} new segments of every kind: answers, turns, passages, "
         f"sentences){cut_again}.")
    for warning in result["warnings"]:
        echo(f"Warning: {warning}", err=True)


@codebook_app.command("validate")
@handle_errors
def codebook_validate(path: Path = typer.Argument(..., help="Codebook YAML file."),
                      spec: Path | None = typer.Option(
                          None, help="Also compare ids/labels with a specification.")) -> None:
    """Validate a codebook: structure, ids, patterns (and optionally ids/labels against a spec)."""
    from hoi_nlp.codebook import check_against_spec, dangling_references, load_codebook
    from hoi_nlp.errors import CodebookError

    codebook = load_codebook(path)
    n_patterns = sum(len(code.patterns) for code in codebook.codes)
    if spec is not None:
        problems = check_against_spec(codebook, spec)
        if problems:
            raise CodebookError("; ".join(problems), path=str(path), hint=f"compare with {spec}")
    echo(f"OK: {codebook.version_tag}: {len(codebook.families)} families, {len(codebook.codes)} codes, "
         f"{n_patterns} patterns")
    for line in dangling_references(codebook):  # analysts read these rules in the app: fix the text
        echo(f"Warning: {line}", err=True)


@codebook_app.command("show")
@handle_errors
def codebook_show(
    path: Path | None = typer.Argument(None, help="Codebook YAML (default: the bundled one)."),
    study: Path | None = typer.Option(
        None, "--study", "-s", help="Show this study's codebook as it is now (the review app's changes in)."),
    workspace: Path | None = WORKSPACE_OPT,
) -> None:
    """Print the code tree with labels: a codebook file's, or a study's as it is now."""
    from hoi_nlp.codebook import load_codebook

    if study is not None or workspace is not None:
        from hoi_nlp.cli._options import study_inputs

        codebook = study_inputs(study, workspace).codebook
        echo(f"{codebook.id} {codebook.version_tag}")
    else:
        codebook = load_codebook(_codebook_path(path))
    for family in codebook.families:
        echo(f"{family.id}  {family.label}")
        for code in family.codes:
            echo(f"  {code.id:45s} {code.label}")


@app.command("serve")
@handle_errors
def serve_command(
    home: Path = typer.Option(Path("outputs"),
                              help="Folder for the local Prefect server's data (PREFECT_HOME)."),
    port: int = typer.Option(4200, help="Port of the local Prefect server (127.0.0.1 only)."),
    api_url: str | None = typer.Option(None, envvar="PREFECT_API_URL",
                                       help="Use an existing Prefect server instead of starting one."),
) -> None:
    """Serve the study flows as Prefect deployments; start runs from the Prefect UI or API."""
    import os

    from flows.environment import configure_prefect
    from flows.serve import prefect_home_for, start_local_server

    server = None
    if not api_url:
        os.environ["PREFECT_HOME"] = str(prefect_home_for(home))
        configure_prefect(home, verbose=True)
        server, api_url = start_local_server(port=port)
        echo(f"Started a local Prefect server: UI at {api_url.removesuffix('/api')} "
             f"(data in {os.environ['PREFECT_HOME']})")
    os.environ["PREFECT_API_URL"] = api_url
    from flows.serve import serve_deployments

    echo(f"Serving the hoi deployments (hoi-run/study-run, hoi-code/study-code, …) against {api_url}; "
         "Ctrl+C stops.")
    try:
        serve_deployments()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

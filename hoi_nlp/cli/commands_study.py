"""CLI commands over a whole study: ``hoi run``, ``hoi segment``, ``hoi export``, ``hoi codebook …``."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from hoi_nlp.cli._app import app, codebook_app, echo, fail, handle_errors
from hoi_nlp.cli._options import CODEBOOK_OPT, CODER_OPT, SETTINGS_OPT, WORKSPACE_OPT
from hoi_nlp.cli._options import codebook_path as _codebook_path


@app.command("run")
@handle_errors
def run_command(
    study_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Study folder (survey/, transcripts/)."),
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    coder: str | None = CODER_OPT,
    output: Path | None = typer.Option(None, "--output", "-o", help="Export folder (default: <workspace>/exports)."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Run the whole flow on a study: ingest → segment → code → export (a Prefect flow run)."""
    from hoi_nlp.stages.study import default_workspace_dir, load_run_codebook, load_run_settings

    workspace_dir = (workspace or default_workspace_dir(study_dir)).resolve()
    load_run_codebook(_codebook_path(codebook))  # fail fast with clear messages before the flow starts
    load_run_settings(settings)
    from hoi_nlp.stages.study import run_inputs

    run_inputs(workspace_dir, settings_path=settings)  # the study database is reachable, or one clear error
    from flows.environment import configure_prefect

    verbose = logging.getLogger().isEnabledFor(logging.INFO)
    configure_prefect(workspace_dir, verbose=verbose)
    from flows.study import run_flow
    from flows.warmup import preload_models

    preload_models(str(workspace_dir), _codebook_path(codebook), coder, str(settings) if settings else None)
    if not verbose:  # one clear error from the CLI instead of Prefect's tracebacks
        for name in ("prefect", "prefect.flow_runs", "prefect.task_runs"):
            logging.getLogger(name).setLevel(logging.CRITICAL)

    summary = run_flow(str(study_dir.resolve()), str(workspace_dir), _codebook_path(codebook),
                       str(output.resolve()) if output else None, coder, str(settings) if settings else None)
    _print_run_summary(summary)
    errors = summary["ingest"].get("errors", [])
    if errors:
        for message in errors:
            echo(f"Error: {message}", err=True)
        fail(f"{len(errors)} file(s) could not be ingested; the rest of the study was processed. "
             "Fix them and run again (finished work is not redone).")


def _print_run_summary(summary: dict) -> None:
    ingest = summary["ingest"]
    echo(f"Workspace: {summary['workspace']}")
    for name, report in ingest.get("files", {}).items():
        what = f"{report['turns']} turns" if report["kind"] == "transcript" else \
            f"{report['rows']} rows, {report['answers']} answers, {report['missing']} missing"
        echo(f"  ingested {name}: {what} (new {report.get('new', 0)}, unchanged {report.get('unchanged', 0)})")
    seg = ingest.get("segmentation", {})
    echo(f"  segmented {seg.get('sources_segmented', 0)} sources → {seg.get('segments_created', 0)} new segments")
    coding = summary["coding"]
    echo(f"  coded {coding['batches']} batches → {coding['assignments']} code assignments")
    for path in summary["exports"]:
        echo(f"  wrote {path}")
    for warning in ingest.get("warnings", []):
        echo(f"Warning: {warning}", err=True)


@app.command("segment")
@handle_errors
def segment_command(workspace: Path = typer.Argument(..., help="Study workspace."),
                    settings: Path | None = SETTINGS_OPT) -> None:
    """Segment ingested sources into answers, turns, passages and sentences."""
    from hoi_nlp.settings import load_settings
    from hoi_nlp.stages.study import segment_stage
    from hoi_nlp.store import Workspace

    result = segment_stage(Workspace.open(workspace, create=False), load_settings(settings))
    echo(f"Segmented {result['sources_segmented']} sources into {result['segments_created']} new segments.")


@codebook_app.command("validate")
@handle_errors
def codebook_validate(path: Path = typer.Argument(..., help="Codebook YAML file."),
                      spec: Path | None = typer.Option(None, help="Also compare ids/labels with a specification.")) -> None:
    """Validate a codebook: structure, ids, patterns (and optionally ids/labels against a spec)."""
    from hoi_nlp.codebook import check_against_spec, load_codebook
    from hoi_nlp.errors import CodebookError

    codebook = load_codebook(path)
    n_patterns = sum(len(code.patterns) for code in codebook.codes)
    if spec is not None:
        problems = check_against_spec(codebook, spec)
        if problems:
            raise CodebookError("; ".join(problems), path=str(path), hint=f"compare with {spec}")
    echo(f"OK: {codebook.version_tag}: {len(codebook.families)} families, {len(codebook.codes)} codes, "
         f"{n_patterns} patterns")


@codebook_app.command("show")
@handle_errors
def codebook_show(path: Path | None = typer.Argument(None, help="Codebook YAML (default: the bundled one).")) -> None:
    """Print the code tree with labels."""
    from hoi_nlp.codebook import load_codebook

    codebook = load_codebook(_codebook_path(path))
    for family in codebook.families:
        echo(f"{family.id}  {family.label}")
        for code in family.codes:
            echo(f"  {code.id:45s} {code.label}")


@app.command("serve")
@handle_errors
def serve_command(
    home: Path = typer.Option(Path("outputs"), help="Folder for the local Prefect server's data (PREFECT_HOME)."),
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
        echo(f"Started a local Prefect server: UI at {api_url.removesuffix('/api')} (data in {os.environ['PREFECT_HOME']})")
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

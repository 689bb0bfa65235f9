"""CLI commands for ingest: ``hoi ingest`` and ``hoi survey-schema`` (owned by the ingest stage)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from hoi_nlp.cli._app import app, echo, fail, handle_errors


def turns_line(turns: int, preamble_lines: int, trailing_lines: int = 0) -> str:
    """A transcript's turns, and the lines before its first turn or from a heading after its last
    ("Interviewguide", "Noter") that no turn holds, so not coded."""
    line = f"{turns} turns"
    if preamble_lines:
        line += f"; {preamble_lines} line(s) before the first turn not coded"
    if trailing_lines:
        line += f"; {trailing_lines} line(s) after the last turn (from a heading such as 'Noter') not coded"
    return line


def file_line(path: str, report: dict) -> str:
    """One ingested file as the ingest stage reports it (:func:`~hoi_nlp.stages.study.ingest_stage`): what
    it gave and how many of its sources are new, changed or unchanged."""
    if report["kind"] == "transcript":
        what = turns_line(report["turns"], report.get("preamble_lines", 0), report.get("trailing_lines", 0))
    else:
        what = f"{report['rows']} rows, {report['answers']} answers, {report['missing']} missing"
    return (f"  {path}: {what} (new {report.get('new', 0)}, changed {report.get('changed', 0)}, "
            f"unchanged {report.get('unchanged', 0)})")


def _print_summary(summary: dict, study: str, workspace_root: Path) -> None:
    echo(f"Study '{study}' → {workspace_root}")
    for path, report in summary["files"].items():
        echo(file_line(path, report))
    totals = summary["totals"]
    echo(f"Sources: {summary['sources']} (new {totals['new']}, changed {totals['changed']}, "
         f"unchanged {totals['unchanged']}); files failed: {len(summary['errors'])}")
    for warning in summary["warnings"]:
        echo(f"Warning: {warning}", err=True)


@app.command("ingest")
@handle_errors
def ingest_command(
    study_dir: Annotated[Path, typer.Argument(help="Study folder with survey/ and/or transcripts/.")],
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", "-w", help="Workspace folder (default: outputs/<study folder name>/).")] = None,
) -> None:
    """Read survey exports and transcripts into the study workspace (re-running changes nothing)."""
    from hoi_nlp.stages.study import default_workspace_dir, ingest_stage
    from hoi_nlp.store import Workspace

    root = workspace or default_workspace_dir(study_dir)
    name = Path(study_dir).resolve().name
    store = Workspace.open(root, study=name)
    summary = ingest_stage(study_dir, store)
    _print_summary(summary, name, store.root)
    if summary["errors"]:
        for message in summary["errors"]:
            echo(f"Error: {message}", err=True)
        fail(f"{len(summary['errors'])} file(s) could not be ingested; fix them and run `hoi ingest` again")


_STREAM_NAME = re.compile(r"/dev/(stdout|stderr|fd/\d+)|/proc/(self|\d+)/fd/\d+")


def _names_a_stream(output: Path) -> bool:
    """Whether ``output`` names one of the process's open streams (``/dev/stdout``, ``/dev/fd/1``, even
    redirected to a file), its ``..`` collapsed first: ``/dev/../tmp/x.yaml`` or ``/proc/self/cwd/x.yaml``
    is a file like any other."""
    return _STREAM_NAME.fullmatch(os.path.normpath(output.absolute())) is not None


def _refuse_to_replace(output: Path) -> None:
    """A schema already at ``output`` holds the user's checks and edits: the draft does not replace it
    unasked, nor one a link points to. A device or pipe (not a regular file), or a stream named as one
    (``-o /dev/stdout``, even redirected to a file), is written into as asked."""
    from hoi_nlp.errors import SchemaError

    if output.is_file() and not _names_a_stream(output):  # a link to an edited schema is that schema
        raise SchemaError("the file exists (a schema you may have checked and edited); the draft did not "
                          "replace it", path=str(output),
                          hint="pass --force to replace it, or write the draft to another file "
                          "(-o draft.yaml) and compare")


@app.command("survey-schema")
@handle_errors
def survey_schema_command(
    export_file: Annotated[Path, typer.Argument(
        help="Survey export (.xlsx or .csv), or a study folder with one export in survey/.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the draft here instead of printing it.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the --output file when it exists (a schema you checked and edited).",
    )] = False,
) -> None:
    """Draft a survey schema (YAML) from an export's header and values."""
    from hoi_nlp.ingest.infer import draft_schema, survey_export_in

    if output is not None and not force:
        _refuse_to_replace(output)
    export_file = survey_export_in(export_file)
    draft = draft_schema(export_file)
    if len(draft.sheets) > 1:
        others = ", ".join(f"'{name}'" for name in draft.sheets if name != draft.sheet)
        echo(f"Read sheet '{draft.sheet}' of {export_file.name} (it looks most like the answers; "
             f"the workbook also has {others}); the draft names it with `sheet:`.", err=True)
    for note in draft.recognised:
        echo(f"Recognised in {export_file.name}: {note}.", err=True)
    if draft.personal:
        listed = ", ".join(f"'{name}'" for name in draft.personal)
        echo(f"Left out of the draft: {listed} (personal data: e-mail or IP addresses, CPR or phone "
             "numbers, names); hoi refuses a schema that names them.", err=True)
    for note in draft.notes:
        echo(f"Note: {export_file.name}: {note}", err=True)
    if output is None:
        echo(draft.text.rstrip("\n"))
        return
    from hoi_nlp.io import write_text_atomic

    write_text_atomic(output, draft.text)
    study = export_file.parent.parent if export_file.parent.name == "survey" else "STUDY"
    echo(f"Draft schema written to {output}; check it before running `hoi run {study}`.")



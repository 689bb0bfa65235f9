"""The ``hoi`` command line: one typer app assembled from per-stage command modules."""

from __future__ import annotations

# Nothing leaves the machine: Prefect's telemetry is off before any command can import Prefect.
from flows.environment import switch_off_telemetry

switch_off_telemetry()

from hoi_nlp.cli import (  # noqa: E402, F401  (importing registers the commands)
    _app,
    commands_code,
    commands_export,
    commands_ingest,
    commands_models,
    commands_privacy,
    commands_review,
    commands_study,
    commands_themes,
)
from hoi_nlp.cli._app import app  # noqa: E402

__all__ = ["app", "main"]


def main(prog_name: str | None = None) -> None:
    """The ``hoi`` program: run the command, then spare the interpreter's exit the walk over every
    object the command loaded (spaCy, the models: ~0.15 s of a short command's time) by moving
    them out of the garbage collector's reach; the process ends next, so nothing is kept longer."""
    import gc

    try:
        app(prog_name=prog_name)
    finally:
        gc.freeze()

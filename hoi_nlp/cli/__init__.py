"""The ``hoi`` command line: one typer app assembled from per-stage command modules."""

from __future__ import annotations

from hoi_nlp.cli import (  # noqa: F401  (importing registers the commands)
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
from hoi_nlp.cli._app import app

__all__ = ["app"]

"""The one ``hoi`` typer app and the helpers every command module shares.

Command modules import only light modules at top level and import heavy libraries inside
the command body, so ``hoi --help`` stays fast. Library code logs; only the CLI prints.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
import typer
from typer.core import TyperCommand

from hoi_nlp.errors import HoiError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="hoi",
    help="hoi_nlp: code Danish survey comments and interview transcripts against a codebook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
codebook_app = typer.Typer(help="Validate, show and import codebooks (a study's codebook as .qdc: "
                           "`hoi export STUDY --format qdc`).", no_args_is_help=True)
models_app = typer.Typer(help="Train and inspect bundled models (NER, coders).", no_args_is_help=True)
users_app = typer.Typer(help="Manage analysts' local accounts for the review app.", no_args_is_help=True)
quotes_app = typer.Typer(help="Search quotes in a study.", no_args_is_help=True)
themes_app = typer.Typer(
    help="Emergent themes (BERTopic): fit, show, promote to a code.", no_args_is_help=True
)
app.add_typer(codebook_app, name="codebook")
app.add_typer(models_app, name="models")
app.add_typer(users_app, name="users")
app.add_typer(quotes_app, name="quotes")
app.add_typer(themes_app, name="themes")


class StudyFirstCommand(TyperCommand):
    """A command whose usage line leaves out its hidden arguments: ``hoi cite [OPTIONS] [STUDY] CODE``
    (the code's second place, after a study given first, is a hidden argument)."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not getattr(param, "hidden", False):
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


def echo(message: str = "", *, err: bool = False) -> None:
    """Print to the user (the only place hoi_nlp prints)."""
    typer.echo(message, err=err)


def fail(message: str, code: int = 1) -> None:
    """Print an error without a traceback and exit non-zero."""
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Turn :class:`HoiError` (and user interrupts) into a clear message and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HoiError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", code=130)
        return None

    return wrapper  # type: ignore[return-value]


def setup_logging(verbose: bool) -> None:
    """Send library logs to stderr: INFO with --verbose, WARNING otherwise."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show progress logs.")) -> None:
    """hoi_nlp command line."""
    import os

    os.umask(0o077)  # everything hoi writes (database, Prefect's, caches, exports) is the owner's only
    setup_logging(verbose)

"""The options and arguments many commands share, defined once, and how they become stage inputs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from hoi_nlp.stages.study import RunInputs

CODEBOOK_OPT = typer.Option(
    None, "--codebook", "-c",
    help="Codebook YAML (default: the file the study was last given, else configs/codebooks/hoi.yaml); "
         "a study keeps the file it is given.",
)
SETTINGS_OPT = typer.Option(
    None, "--settings", help="Run settings TOML (default: $HOI_SETTINGS or configs/runs/default.toml)."
)
WORKSPACE_OPT = typer.Option(
    None, "--workspace", "-w",
    help="Study workspace (default: outputs/<study folder name>/ in the current folder).",
)
STUDY_ARG = typer.Argument(..., help="Study folder (its workspace is outputs/<name>/) or a workspace folder.")
# The argument after a study given first (``hoi cite STUDY CODE``): see :func:`study_first`.
AFTER_STUDY_ARG = typer.Argument(None, hidden=True, show_default=False)
NO_STUDY_HINT = "pass --study STUDY_DIR or --workspace WORKSPACE"


def study_first(first: str, second: str | None, study: Path | None, workspace: Path | None = None, *,
                command: str, argument: str, text: bool = False) -> tuple[Path | None, str]:
    """The study and the command's own argument (a code, a quote id, a search text): ``hoi cite STUDY
    CODE`` reads as ``hoi cite CODE --study STUDY``, the study first as ``hoi export STUDY`` takes it.
    ``first`` is taken for the study only when it names a study folder or workspace that exists; the study
    is given once (not also with --study or --workspace). ``command`` (``hoi cite``) and ``argument``
    (``CODE``) name the form in the messages; ``text``: the argument is a text of any words (a search),
    which two words not in quotes were meant as."""
    from hoi_nlp.errors import WorkspaceError

    usage = f"{command} STUDY {argument}"
    if second is None:
        if study is None and workspace is None:
            if _names_study(first):  # the study given, its argument forgotten
                raise WorkspaceError(f"no {argument} given after the study '{first}'",
                                     hint=f"give it after the study: `{usage}`")
            raise WorkspaceError("no study given", hint=f"give the study first: `{usage}` (its folder or "
                                 "workspace), or pass --study STUDY_DIR or --workspace WORKSPACE")
        return study, first
    given = f"--study {study}" if study is not None else f"--workspace {workspace}" if workspace else ""
    if not _names_study(first):
        if text:
            where = f" {given}" if given else ""
            raise WorkspaceError(f"'{first}' is no study folder or workspace, and {command} takes one text",
                                 hint=f"to search for several words, put them in quotes: `{command} "
                                 f"\"{first} {second}\"{where}`")
        if not given and Path(second).is_dir():
            swapped = f"{command} {shell_word(second)} {shell_word(first)}"
            raise WorkspaceError(f"'{first}' is no study folder or workspace; '{second}' is a folder",
                                 hint=f"give the study first: `{swapped}`")
        raise WorkspaceError(f"'{first}' is no study folder or workspace, and {command} takes one {argument}",
                             hint=f"give the study once: `{usage}` (its folder or workspace) or --study STUDY"
                             if given else f"give the study first: `{usage}` (a study folder or workspace "
                             "that exists)")
    if given:
        raise WorkspaceError(f"two studies given: '{first}' and {given}",
                             hint=f"give the study once: `{usage}` or --study STUDY")
    return Path(first), second


def _names_study(word: str) -> bool:
    """Whether ``word`` names a study folder or a workspace that exists (or a study folder's workspace,
    ``outputs/<name>/``)."""
    from hoi_nlp.stages.study import default_workspace_dir

    return Path(word).is_dir() or default_workspace_dir(word).is_dir()


_PLAIN_WORD = re.compile(r"[\w@%+=:,./-]+")


def shell_word(text: str) -> str:
    """``text`` as one word of a command line to copy into a shell: as it is when it holds only letters
    (Danish ones too), digits and ``@%+=:,./-``; else in single quotes, so a space, ``$``, a quote or a tab
    in a path reaches the command as written."""
    return text if _PLAIN_WORD.fullmatch(text) else shlex.quote(text)


STUDY_OPT = typer.Option(
    None, "--study", "-s", help="Study folder (its workspace is outputs/<name>/) or workspace."
)
CODER_OPT = typer.Option(None, "--coder", help="Coder name: rules, similarity, classifier or combined "
                         "(default: the settings' [coding] coder).")


def study_inputs(study: Path | None, workspace: Path | None = None, codebook: Path | None = None,
                 settings: Path | None = None) -> RunInputs:
    """The stage inputs of an existing study workspace (found from the study folder or given)."""
    from hoi_nlp.errors import WorkspaceError
    from hoi_nlp.stages.study import (
        RunInputs,
        load_run_codebook,
        load_run_settings,
        resolve_workspace,
        study_codebook,
        study_codebook_file,
    )

    if study is None and workspace is None:
        raise WorkspaceError("no study given", hint=NO_STUDY_HINT)
    opened = resolve_workspace(study or Path("."), workspace)
    codebook_file = study_codebook_file(opened.root, codebook)
    codebook_obj = study_codebook(opened, load_run_codebook(codebook_file))
    return RunInputs(opened, codebook_obj, load_run_settings(settings))


def codebook_path(codebook: Path | None) -> str:
    """The codebook file as an absolute path (the bundled one by default)."""
    from hoi_nlp.codebook import DEFAULT_CODEBOOK

    return str((codebook or DEFAULT_CODEBOOK).resolve())


def coder_line(described: dict[str, str]) -> str:
    """One line naming the coder :func:`~hoi_nlp.stages.study.describe_study_coder` described (the CLI's
    summaries)."""
    version = f" {described['model_version']}" if described.get("model_version") else ""
    where = {
        "study": f"the study's retrained coder (`hoi retrain`), {described['model_dir']}",
        "bundled": "the bundled coder",
        "configured": f"the coder in {described['model_dir']}",
        "patterns": "the codebook's patterns, no trained model",
    }[described["origin"]]
    return f"{described['coder']}{version}: {where}"

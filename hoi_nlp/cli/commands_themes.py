"""CLI commands for emergent themes: ``hoi themes fit|show|promote``."""

from __future__ import annotations

from pathlib import Path

import typer

from hoi_nlp.cli._app import echo, handle_errors, themes_app
from hoi_nlp.cli._options import CODEBOOK_OPT, SETTINGS_OPT, WORKSPACE_OPT

STUDY_ARG = typer.Argument(..., help="Study folder (or its workspace) that `hoi run` has ingested.")


@themes_app.command("fit")
@handle_errors
def fit_command(
    study: Path = STUDY_ARG,
    workspace: Path | None = WORKSPACE_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Fit emergent themes (BERTopic, codebook as zero-shot topics) as a Prefect flow run."""
    from hoi_nlp.stages.study import (
        load_run_codebook,
        load_run_settings,
        resolve_workspace,
        study_codebook_file,
    )

    ws = resolve_workspace(study, workspace)
    codebook_file = str(study_codebook_file(ws.root, codebook))  # given, or the study's own
    load_run_codebook(codebook_file)  # fail fast before the flow starts
    load_run_settings(settings)
    from flows.environment import configure_prefect

    configure_prefect(ws.root)
    from flows.themes import themes_flow

    result = themes_flow(str(ws.root), codebook_file, str(settings) if settings else None)
    emb = result["embedding"]
    echo(
        f"Embedded {emb['segments']} segments ({emb['embedded']} new, {emb['cached']} cached) "
        f"in {emb['seconds']} s"
    )
    echo(
        f"Themes: {result['themes']} ({result['code_topics']} codebook codes, "
        f"{result['emergent']} emergent); "
        f"zero-shot threshold {result['zeroshot_min_similarity']}"
    )
    if result.get("largest_emergent_share") is not None:
        npmi = result.get("npmi_emergent")
        echo(
            f"Largest emergent theme: {result['largest_emergent_share']:.0%} of the segments; "
            f"outliers {result['outlier_share']:.0%}; coherence (NPMI) "
            f"{'–' if npmi is None else format(npmi, '+.2f')}"
        )
    for path in result["files"]:
        echo(f"  wrote {path}")
    echo("Show them with `hoi themes show`; add one to the codebook with `hoi themes promote`.")


@themes_app.command("show")
@handle_errors
def show_command(
    study: Path = STUDY_ARG,
    workspace: Path | None = WORKSPACE_OPT,
    kind: str | None = typer.Option(None, help="Only 'emergent', 'code' or 'outlier' topics."),
    topic: int | None = typer.Option(None, help="One topic in full: keywords, quotes and who says it."),
) -> None:
    """Show the fitted themes as a table, or one theme in full (pseudonymised quotes)."""
    from hoi_nlp.coding.topics.io import load_themes, markdown_table, quality_line, theme_detail
    from hoi_nlp.stages.study import resolve_workspace
    from hoi_nlp.stages.themes import themes_dir

    result = load_themes(themes_dir(resolve_workspace(study, workspace)))
    if topic is not None:
        echo(theme_detail(result, topic))
        return
    if kind:
        result = result.model_copy(update={"themes": [t for t in result.themes if t.kind == kind]})
    echo(
        f"{result.study}: {result.n_segments} segments, fitted {result.created_at[:19]} "
        f"with {result.embedding_model}"
    )
    if quality_line(result):
        echo(quality_line(result))
    echo(markdown_table(result))
    echo("One theme in full: `hoi themes show STUDY --topic ID`.")


@themes_app.command("promote")
@handle_errors
def promote_command(
    study: Path = STUDY_ARG,
    topic_id: int = typer.Argument(..., help="Topic id from `hoi themes show`."),
    code_id: str = typer.Option(
        ..., "--code-id", help="New code id, family.slug (e.g. emergent.sprogbarrierer)."
    ),
    label: str = typer.Option(..., "--label", help="Danish label of the new code."),
    description: str | None = typer.Option(
        None, "--description", help="Description (default: from the theme)."
    ),
    analyst: str | None = typer.Option(
        None, "--analyst", help="Who promotes it, for the codebook's change log (default: your login)."
    ),
    codebook: Path | None = CODEBOOK_OPT,
    workspace: Path | None = WORKSPACE_OPT,
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Add a theme as a new code to the study's own codebook (quotes as examples, keyphrases as patterns).

    The study gets a new codebook version in <workspace>/codebook/; the codebook it was run with
    (--codebook, default the bundled one) is not changed.
    """
    from hoi_nlp.cli._options import study_inputs
    from hoi_nlp.review.advice import retrain_advice
    from hoi_nlp.stages.study import active_model_dir
    from hoi_nlp.stages.themes import promote_stage

    inputs = study_inputs(study, workspace, codebook, settings)
    new, path = promote_stage(inputs.workspace, inputs.codebook, topic_id, code_id=code_id, label=label,
                              description=description, analyst=analyst or _login())
    echo(f"added {code_id} ({label}) from topic {topic_id} to the study's codebook {new.version_tag}: {path}")
    echo("`hoi run`, `hoi code`, `hoi review`, `hoi export` and `hoi retrain` on this study use it "
         "from now on.")
    if inputs.settings.coding.coder == "rules":
        return
    advice = retrain_advice(inputs.workspace, new, active_model_dir(inputs.workspace, inputs.settings))
    if advice is not None and advice.required:
        echo(
            f"The study's trained coder does not know {', '.join(advice.new_codes) or code_id} yet: "
            f"run `hoi retrain {study}` to train it with the new code's examples (and the analysts' "
            f"decisions) before `hoi run` or `hoi code`, or code with the patterns only: add "
            f"`--coder rules` to `hoi run` / `hoi code`."
        )


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "hoi"

"""CLI commands for emergent themes: ``hoi themes fit|show|promote``."""

from __future__ import annotations

from pathlib import Path

import typer

from hoi_nlp.cli._app import echo, handle_errors, themes_app
from hoi_nlp.cli._options import CODEBOOK_OPT, SETTINGS_OPT, WORKSPACE_OPT
from hoi_nlp.cli._options import codebook_path as _codebook_path

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
    from hoi_nlp.stages.study import load_run_codebook, load_run_settings, resolve_workspace

    ws = resolve_workspace(study, workspace)
    load_run_codebook(_codebook_path(codebook))  # fail fast before the flow starts
    load_run_settings(settings)
    from flows.environment import configure_prefect

    configure_prefect(ws.root)
    from flows.themes import themes_flow

    result = themes_flow(str(ws.root), _codebook_path(codebook), str(settings) if settings else None)
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
    codebook: Path | None = CODEBOOK_OPT,
    workspace: Path | None = WORKSPACE_OPT,
) -> None:
    """Add a theme to the codebook as a new code (quotes as examples, keyphrases as patterns)."""
    from hoi_nlp.coding.topics.io import load_themes
    from hoi_nlp.coding.topics.promote import promote_topic
    from hoi_nlp.stages.study import resolve_workspace
    from hoi_nlp.stages.themes import themes_dir

    result = load_themes(themes_dir(resolve_workspace(study, workspace)))
    path = promote_topic(
        result,
        topic_id,
        codebook_path=_codebook_path(codebook),
        code_id=code_id,
        label=label,
        description=description,
    )
    echo(f"added {code_id} ({label}) from topic {topic_id} to {path}")

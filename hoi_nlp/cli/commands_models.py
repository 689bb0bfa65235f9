"""CLI commands for the trained coders: ``hoi train`` and ``hoi models coder``."""

from __future__ import annotations

from pathlib import Path

import typer

from hoi_nlp.cli._app import app, echo, handle_errors, models_app
from hoi_nlp.cli._options import CODEBOOK_OPT, SETTINGS_OPT


@app.command("train")
@handle_errors
def train_command(
    codebook: Path | None = CODEBOOK_OPT,
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: models/coder)."),
    data: list[Path] = typer.Option(
        [], "--data", help="Labelled JSONL (repeatable; default: corpora/train/*.jsonl)."
    ),
    include_reviews: Path | None = typer.Option(
        None, "--include-reviews", help="Study workspace whose analysts' decisions are added."
    ),
    folds: int = typer.Option(5, min=2, help="Cross-validation folds."),
    seed: int = typer.Option(0, help="Random seed (training is deterministic for a seed)."),
    update_manifest: bool = typer.Option(True, help="Update the [coder] table of models/models.toml."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Train the similarity, classifier and combined coders and save them with a manifest."""
    from hoi_nlp.coding.evaluate import format_table
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, update_models_toml
    from hoi_nlp.stages.retrain import train_stage
    from hoi_nlp.stages.study import load_run_codebook, load_run_settings

    out_dir = out or DEFAULT_MODEL_DIR
    report = train_stage(load_run_codebook(codebook), load_run_settings(settings), data=data,
                         review_workspace=include_reviews, out_dir=out_dir, folds=folds, seed=seed)
    echo(format_table(list(report.cv.values()), per_code=False))
    if update_manifest and Path(out_dir).resolve() == DEFAULT_MODEL_DIR.resolve():
        update_models_toml(out_dir, report.manifest)
    echo(f"trained on {report.n_rows} texts in {report.seconds:.0f} s -> {out_dir}")


@models_app.command("coder")
@handle_errors
def coder_info(
    model_dir: Path | None = typer.Option(None, help="Coder folder (default: models/coder)."),
) -> None:
    """Show what the trained coder was trained on and its cross-validated scores."""
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, read_manifest

    manifest = read_manifest(model_dir or DEFAULT_MODEL_DIR)
    echo(f"model {manifest['model_version']}  trained {manifest['trained_at']}")
    echo(f"codebook {manifest['codebook_version']}  embedder {manifest['embedder']['model_id']}")
    for entry in manifest["training_data"]:
        echo(f"  data {entry['path']}  rows={entry['rows']}  sha256={entry['sha256'][:12]}")
    for name, cv in manifest["cv"].items():
        echo(f"  {name:11s} micro F1 {cv['micro_f1']:.3f}  macro F1 {cv['macro_f1']:.3f}  ({cv['data']})")

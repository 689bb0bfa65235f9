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
    study_data: list[Path] = typer.Option(
        [], "--study-data", help="Labelled passages from the study itself (JSONL, repeatable): added to the "
        "base coder, weighted above its training data by a weight chosen by cross-validation. Needs --out."
    ),
    base: Path | None = typer.Option(None, "--base", help="With --study-data: the coder to add them to "
                                     "(default: models/coder)."),
    include_reviews: Path | None = typer.Option(
        None, "--include-reviews", help="Study workspace whose analysts' decisions are added."
    ),
    folds: int = typer.Option(5, min=2, help="Cross-validation folds."),
    seed: int = typer.Option(0, help="Random seed (training is deterministic for a seed)."),
    update_manifest: bool = typer.Option(True, help="Update the [coder] table of models/models.toml."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Train the similarity, classifier and combined coders and save them with a manifest.

    With --study-data the study's labelled passages are added to a trained coder (--base) in
    well under the time of a full training: only the classifier is refitted.
    """
    from hoi_nlp.cli._progress import ProgressDisplay
    from hoi_nlp.coding.evaluate import format_table
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, update_models_toml
    from hoi_nlp.coding.training.train import STUDY_CV, few_passages_note
    from hoi_nlp.errors import InputFormatError
    from hoi_nlp.stages.retrain import train_stage
    from hoi_nlp.stages.study import load_run_codebook, load_run_settings

    if study_data and out is None:
        raise InputFormatError("--study-data needs --out: a coder trained on a study's passages belongs "
                               "to the study, not to models/coder",
                               hint="add --out FOLDER (e.g. outputs/coder-mystudy)")
    out_dir = out or DEFAULT_MODEL_DIR
    with ProgressDisplay() as display:
        result = train_stage(load_run_codebook(codebook), load_run_settings(settings), data=data,
                             study_data=study_data, base_dir=base, review_workspace=include_reviews,
                             out_dir=out_dir, folds=folds, seed=seed)
    echo(display.summary())
    echo(format_table([r for name, r in result.cv.items() if "rows)" not in name and name != STUDY_CV],
                      per_code=False))
    study = result.cv.get(STUDY_CV)
    if study is not None:
        echo(f"on {study.data}: combined micro P {study.micro.precision:.3f}, R {study.micro.recall:.3f}, "
             f"F1 {study.micro.f1:.3f}")
        if few_passages_note(study.n_texts):
            echo(f"  note: {few_passages_note(study.n_texts)}")
    if update_manifest and not study_data and Path(out_dir).resolve() == DEFAULT_MODEL_DIR.resolve():
        update_models_toml(out_dir, result.manifest)
    weight = result.manifest.get("study_weight")
    if weight:
        echo(f"study passages: {weight['study_passages']}, weighted {weight['chosen']:g} "
             f"(chosen by cross-validation: {weight['cv_average_precision']})")
    echo(f"trained on {result.n_rows} texts in {result.seconds:.0f} s -> {out_dir}")


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

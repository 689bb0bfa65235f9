"""CLI commands for the trained coders: ``hoi train`` and ``hoi models coder``."""

from __future__ import annotations

from pathlib import Path

import typer

from hoi_nlp.cli._app import app, echo, handle_errors, models_app


@app.command("train")
@handle_errors
def train_command(
    codebook: Path | None = typer.Option(None, "--codebook", "-c", help="Codebook YAML (default: bundled)."),
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
) -> None:
    """Train the similarity, classifier and combined coders and save them with a manifest."""
    from hoi_nlp.codebook import DEFAULT_CODEBOOK, load_codebook
    from hoi_nlp.coding.evaluate import format_table
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, update_models_toml
    from hoi_nlp.coding.train import default_train_paths, train_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, get_embedder
    from hoi_nlp.settings import load_settings

    codebook_obj = load_codebook(codebook or DEFAULT_CODEBOOK)
    extra = _review_rows(include_reviews, codebook_obj) if include_reviews else []
    embedder = get_embedder(load_settings().embeddings)
    out_dir = out or DEFAULT_MODEL_DIR
    report = train_coder(
        codebook_obj,
        train_paths=data or default_train_paths(),
        extra_rows=extra,
        embedder=embedder,
        out_dir=out_dir,
        cache=EmbeddingCache(),
        folds=folds,
        seed=seed,
    )
    echo(
        format_table(
            [report.cv[k] for k in ("rules", "similarity", "classifier", "combined")], per_code=False
        )
    )
    if update_manifest and Path(out_dir).resolve() == DEFAULT_MODEL_DIR.resolve():
        update_models_toml(out_dir, report.manifest)
    echo(
        f"trained on {report.n_rows} texts ({len(extra)} from reviews) in {report.seconds:.0f} s -> {out_dir}"
    )


def _review_rows(workspace_dir: Path, codebook: object) -> list[object]:
    from hoi_nlp.review.retrain import labelled_rows
    from hoi_nlp.store import Workspace

    return labelled_rows(Workspace.open(workspace_dir, create=False), codebook=codebook)  # type: ignore[arg-type]


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

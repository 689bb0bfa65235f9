"""CLI commands for segmentation and coding: ``hoi code``, ``hoi evaluate``, ``hoi codebook validate``."""

from __future__ import annotations

from pathlib import Path

import typer

from hoi_nlp.cli._app import app, echo, handle_errors

CODER_CHOICES = ("rules", "similarity", "classifier", "combined")


def _build_coder(name: str, codebook_path: Path | None, model_dir: Path | None,
                 min_confidence: float | None) -> tuple[object, object]:
    from hoi_nlp.codebook import DEFAULT_CODEBOOK, load_codebook
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.coding.train import load_coder
    from hoi_nlp.errors import ModelError
    from hoi_nlp.settings import load_settings, resolve_repo_path

    if name not in CODER_CHOICES:
        raise ModelError(f"unknown coder '{name}'", hint=f"choose one of {', '.join(CODER_CHOICES)}")
    settings = load_settings()
    codebook = load_codebook(codebook_path or DEFAULT_CODEBOOK)
    if name == "rules":
        return codebook, RuleCoder(codebook, pipeline=settings.nlp.pipeline)
    directory = model_dir or resolve_repo_path(settings.coding.model_dir)
    return codebook, load_coder(name, codebook, settings=settings, model_dir=directory,
                                min_confidence=min_confidence)


@app.command("code")
@handle_errors
def code_command(
    study: Path | None = typer.Argument(None, help="Code a study's segments (its folder or workspace) instead."),
    input: Path | None = typer.Option(None, "--input", "-i", help="JSONL: one {\"id\", \"text\"} per line."),
    output: Path | None = typer.Option(None, "--output", "-o", help="JSONL with the codes added (atomic)."),
    coder: str = typer.Option("combined", help="rules | similarity | classifier | combined."),
    codebook: Path | None = typer.Option(None, "--codebook", "-c", help="Codebook YAML (default: bundled)."),
    model_dir: Path | None = typer.Option(None, help="Trained coder folder (default: models/coder)."),
    min_confidence: float | None = typer.Option(None, min=0.0, max=1.0,
                                                help="Replace the per-code thresholds by one cut-off."),
    batch_size: int = typer.Option(512, min=1, help="Texts coded per batch."),
) -> None:
    """Code texts: a JSONL file (--input/--output) or, given STUDY, the study's segments (a stage).

    JSONL contract: each output line repeats "id" and "text" and adds
    "codes": [{"code", "confidence", "method"}].
    """
    from hoi_nlp.coding.base import text_segments
    from hoi_nlp.coding.data import read_code_input, write_coded
    from hoi_nlp.errors import InputFormatError

    if study is not None:
        _code_study(study, coder, codebook)
        return
    if input is None or output is None:
        raise InputFormatError("give --input IN.jsonl and --output OUT.jsonl, or a STUDY folder to code",
                               hint="see `hoi code --help`")
    items = read_code_input(input)
    _, coder_obj = _build_coder(coder, codebook, model_dir, min_confidence)
    assignments = []
    for start in range(0, len(items), batch_size):
        batch = text_segments([(key, text) for key, text, _ in items[start:start + batch_size]])
        assignments += coder_obj.code(batch)  # type: ignore[attr-defined]
    if coder == "rules" and min_confidence is not None:
        assignments = [a for a in assignments if a.confidence >= min_confidence]
    write_coded(output, items, assignments)
    coded = len({a.segment_id for a in assignments})
    echo(f"coded {len(items)} texts with {coder}: {len(assignments)} codes on {coded} texts -> {output}")


@app.command("evaluate")
@handle_errors
def evaluate_command(
    data: Path | None = typer.Option(None, "--data", "-d", help="Labelled JSONL (default: corpora/eval/dev.jsonl)."),
    coder: str = typer.Option("all", help="rules | similarity | classifier | combined | all."),
    codebook: Path | None = typer.Option(None, "--codebook", "-c", help="Codebook YAML (default: bundled)."),
    model_dir: Path | None = typer.Option(None, help="Trained coder folder (default: models/coder)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the scores (.json or .csv)."),
    per_code: bool = typer.Option(True, "--per-code/--summary", help="Show one row per code."),
) -> None:
    """Score coders against analysts' codes: per-code P/R/F1 and kappa, per family, micro/macro F1."""
    from hoi_nlp.coding.data import load_labelled
    from hoi_nlp.coding.evaluate import evaluate_coders, format_table, write_reports
    from hoi_nlp.settings import REPO_ROOT

    names = list(CODER_CHOICES) if coder == "all" else [coder]
    path = data or REPO_ROOT / "corpora" / "eval" / "dev.jsonl"
    if data is None and not path.is_file():
        _print_cv(model_dir, names)
        return
    coders = {}
    for name in names:
        codebook_obj, coders[name] = _build_coder(name, codebook, model_dir, None)
    rows = load_labelled(path, codebook=codebook_obj, unknown="drop")  # type: ignore[arg-type]
    reports = evaluate_coders(rows, coders, codebook_obj.code_ids, data=str(path))  # type: ignore[attr-defined]
    echo(format_table(reports, per_code=per_code))
    if output:
        echo(f"wrote {write_reports(reports, output)}")


def _print_cv(model_dir: Path | None, names: list[str]) -> None:
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, read_manifest

    manifest = read_manifest(model_dir or DEFAULT_MODEL_DIR)
    echo("No dev set (corpora/eval/dev.jsonl) found: showing the CROSS-VALIDATION scores stored with the model")
    echo(f"({manifest['folds']}-fold CV over {manifest['n_texts']} training texts; thresholds chosen on other folds).")
    echo(f"{'coder':12s}{'micro P':>9s}{'micro R':>9s}{'micro F1':>10s}{'macro F1':>10s}")
    for name in names:
        cv = manifest["cv"].get(name)
        if cv:
            echo(f"{name:12s}{cv['micro_precision']:9.3f}{cv['micro_recall']:9.3f}{cv['micro_f1']:10.3f}"
                 f"{cv['macro_f1']:10.3f}")


def _code_study(study: Path, coder: str, codebook: Path | None) -> None:
    """The coding stage over a study workspace (the same functions the flow runs)."""
    from hoi_nlp.codebook import DEFAULT_CODEBOOK, load_codebook
    from hoi_nlp.coding.factory import make_coder
    from hoi_nlp.runner import code_stage, resolve_workspace
    from hoi_nlp.settings import load_settings

    settings = load_settings()
    codebook_obj = load_codebook(codebook or DEFAULT_CODEBOOK)
    workspace = resolve_workspace(study)
    coder_obj = make_coder(coder, codebook_obj, settings, cache_dir=workspace.cache_dir / "embeddings")
    result = code_stage(workspace, codebook_obj, settings, coder=coder_obj)
    echo(f"coded {result['segments_coded']} segments with {coder} "
         f"({result['segments_skipped']} already coded, {result['segments_total']} in all)")

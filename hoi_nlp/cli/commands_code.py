"""CLI commands for segmentation and coding: ``hoi code``, ``hoi evaluate``, ``hoi codebook validate``."""

from __future__ import annotations

from pathlib import Path

import typer

from hoi_nlp.cli._app import app, echo, handle_errors
from hoi_nlp.cli._options import CODEBOOK_OPT, CODER_OPT, SETTINGS_OPT, coder_line, study_inputs


@app.command("code")
@handle_errors
def code_command(
    study: Path | None = typer.Argument(
        None, help="Code a study's segments (its folder or workspace) instead."),
    input: Path | None = typer.Option(None, "--input", "-i", help="JSONL: one {\"id\", \"text\"} per line."),
    output: Path | None = typer.Option(None, "--output", "-o", help="JSONL with the codes added (atomic)."),
    coder: str | None = CODER_OPT,
    codebook: Path | None = CODEBOOK_OPT,
    model_dir: Path | None = typer.Option(None, help="Trained coder folder (default: models/coder)."),
    min_confidence: float | None = typer.Option(None, min=0.0, max=1.0,
                                                help="Replace the per-code thresholds by one cut-off."),
    batch_size: int = typer.Option(512, min=1, help="Texts coded per batch."),
    possible: bool = typer.Option(False, "--possible", help="Also list below-threshold candidates "
                                  "(\"possible\", as the review app shows them) per line."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Code texts: a JSONL file (--input/--output) or, given STUDY, the study's segments (a stage).

    JSONL contract: each input line is {"id", "text"} with an optional "context" (the question the
    text answers: it informs the scores, never adds a code by itself); each output line repeats
    "id", "text" and "context" and adds "codes": [{"code", "confidence", "method"}], barrier codes with
    "stance" (hindrance, precondition, overcome or rating).
    """
    from hoi_nlp.coding.training.data import read_code_contexts, read_code_input, write_coded
    from hoi_nlp.errors import InputFormatError
    from hoi_nlp.stages.study import code_texts, describe_coder, load_run_settings

    if study is not None:
        _code_study(study, coder, codebook, settings)
        return
    if input is None or output is None:
        raise InputFormatError("give --input IN.jsonl and --output OUT.jsonl, or a STUDY folder to code",
                               hint="see `hoi code --help`")
    items = read_code_input(input)
    run_settings = load_run_settings(settings)
    contexts = read_code_contexts(input)
    assignments = code_texts([(key, text) for key, text, _ in items], codebook, run_settings,
                             coder_name=coder, model_dir=model_dir, min_confidence=min_confidence,
                             batch_size=batch_size, contexts=contexts)
    write_coded(output, items, assignments, with_possible=possible, contexts=contexts)
    assignments = [a for a in assignments if getattr(a, "tier", "suggested") != "possible"]
    coded = len({a.segment_id for a in assignments})
    echo(f"coded {len(items)} texts: {len(assignments)} codes on {coded} texts -> {output}\n"
         f"  coder: {coder_line(describe_coder(run_settings, coder, model_dir))}")


# The labelled sets `hoi evaluate` scores by default (corpora/eval/), each with what it is.
EVALUATION_SETS = {
    "dev.jsonl": "dev: our own writing, never trained on",
    "hard.jsonl": "hard: written to resemble real material, blind to the training data, never trained on",
    "blind2.jsonl": "blind2: a second author's, blind to the training data and to dev and hard, "
                    "never trained or tuned on",
    "dense.jsonl": "dense: director turns with three codes on average, shown rather than named; "
                   "blind to the other sets, never trained on",
    "blind3.jsonl": "blind3: director turns and survey comments by two authors blind to the training "
                    "data and to the other sets; used for one choice (session 9), never trained on",
}


@app.command("evaluate")
@handle_errors
def evaluate_command(
    data: list[Path] = typer.Option([], "--data", "-d", help="Labelled JSONL (repeatable; default: "
                                    "the evaluation sets corpora/eval/dev, hard, blind2, dense and blind3 "
                                    ".jsonl)."),
    coder: str = typer.Option("all", help="A coder name (rules, similarity, classifier, combined) or all."),
    codebook: Path | None = CODEBOOK_OPT,
    model_dir: Path | None = typer.Option(None, help="Trained coder folder (default: models/coder)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the scores (.json or .csv)."),
    per_code: bool = typer.Option(True, "--per-code/--summary", help="Show one row per code."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Score coders against analysts' codes: per code P/R/F1 and kappa, per family and register, micro/macro.

    Each labelled set is scored on its own: by default dev.jsonl (our own writing), hard.jsonl
    (written to resemble real material, blind to the training data), blind2.jsonl (a second
    author's, blind to the training data and to the other sets, never used for any choice),
    dense.jsonl (director turns carrying several codes, shown rather than named, by another author
    blind to the other sets; never trained on) and blind3.jsonl (director turns and survey
    comments by two more authors blind to the training data and to the other sets), with
    questions and neighbouring turns as context and, where the set has gold stances, the barrier
    stance accuracy.
    """
    from hoi_nlp.coding.evaluate import evaluate_coders, format_table, write_reports
    from hoi_nlp.coding.registry import coder_names, make_coder
    from hoi_nlp.coding.training.data import load_labelled
    from hoi_nlp.settings import REPO_ROOT
    from hoi_nlp.stages.study import load_run_codebook, load_run_settings

    names = coder_names() if coder == "all" else [coder]
    eval_dir = REPO_ROOT / "corpora" / "eval"
    paths = list(data) or [p for p in (eval_dir / name for name in EVALUATION_SETS) if p.is_file()]
    if not paths:
        _print_cv(model_dir, names)
        return
    codebook_obj, run_settings = load_run_codebook(codebook), load_run_settings(settings)
    coders = {name: make_coder(name, codebook_obj, run_settings, model_dir=model_dir) for name in names}
    reports = []
    for number, path in enumerate(paths):
        rows = load_labelled(path, codebook=codebook_obj, unknown="raise" if data else "drop")
        found = evaluate_coders(rows, coders, codebook_obj.code_ids, data=str(path))
        if number:
            echo("")
        echo(f"== {_set_label(path)}")
        echo(format_table(found, per_code=per_code))
        reports += found
    if output:
        echo(f"wrote {write_reports(reports, output)}")


def _set_label(path: Path) -> str:
    return f"{path.name} ({EVALUATION_SETS[path.name]})" if path.name in EVALUATION_SETS else str(path)


def _print_cv(model_dir: Path | None, names: list[str]) -> None:
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, read_manifest

    manifest = read_manifest(model_dir or DEFAULT_MODEL_DIR)
    echo("No dev set (corpora/eval/dev.jsonl) found: "
         "showing the CROSS-VALIDATION scores stored with the model")
    echo(f"({manifest['folds']}-fold CV over {manifest['n_texts']} training texts; "
         "thresholds chosen on other folds).")
    echo(f"{'coder':12s}{'micro P':>9s}{'micro R':>9s}{'micro F1':>10s}{'macro F1':>10s}")
    for name in names:
        cv = manifest["cv"].get(name)
        if cv:
            echo(f"{name:12s}{cv['micro_precision']:9.3f}{cv['micro_recall']:9.3f}{cv['micro_f1']:10.3f}"
                 f"{cv['macro_f1']:10.3f}")


def _code_study(study: Path, coder: str | None, codebook: Path | None, settings: Path | None) -> None:
    """The coding stage over a study workspace (the same functions the flow runs)."""
    from hoi_nlp.stages.study import code_stage, describe_study_coder, study_coder

    inputs = study_inputs(study, None, codebook, settings)
    result = code_stage(inputs.workspace, inputs.codebook, inputs.settings, coder=study_coder(inputs, coder))
    echo(f"coded {result['segments_coded']} segments "
         f"({result['segments_skipped']} already coded, {result['segments_total']} in all) with "
         f"{coder_line(describe_study_coder(inputs, coder))}")

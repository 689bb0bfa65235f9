"""CLI commands for privacy: ``hoi pseudonymize`` and the NER model commands under ``hoi models``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hoi_nlp.cli._app import app, echo, handle_errors, models_app
from hoi_nlp.cli._options import SETTINGS_OPT

DEFAULT_DATA = Path("/work/shared/data/uner_danish_ddt")
DATA_HELP = "Folder with UNER_Danish-DDT da_ddt-ud-{train,dev,test}.iob2 (CC BY-SA 4.0; not in the repo)."


def _check_key_outside(key: Path, output: Path) -> None:
    from hoi_nlp.errors import ExportError

    if key.resolve().parent == output.resolve().parent:
        raise ExportError("the key file must not lie next to the pseudonymised output", path=str(key),
                          hint="keep keys in the study's keys/ folder (the default)")


@app.command("pseudonymize")
@handle_errors
def pseudonymize_command(
    input: Path = typer.Option(..., "--input", "-i", help='JSONL: one {"id", "text"} per line.'),
    output: Path = typer.Option(..., "--output", "-o",
                                help="JSONL with the placeholders and replaced spans."),
    key: Path | None = typer.Option(None, "--key", "-k",
                                    help="Key file (default: outputs/<study>/keys/pseudonym_key.json)."),
    study: str = typer.Option("default", help="Study whose key is used when --key is not given."),
    drop_original: bool = typer.Option(False, "--drop-original",
                                       help='Leave the original "text" out of the output (safe to share).'),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Replace persons, places, units and contact data by placeholders; the key is kept apart."""
    from hoi_nlp.privacy.jsonl import pseudonymize_jsonl
    from hoi_nlp.privacy.key import key_path
    from hoi_nlp.stages.study import load_run_settings
    from hoi_nlp.store import Workspace

    key_file = key or key_path(Workspace.open(Path("outputs") / study, study=study))
    _check_key_outside(key_file, output)
    count = pseudonymize_jsonl(input, output, key_file=key_file, settings=load_run_settings(settings),
                               drop_original=drop_original)
    echo(f"pseudonymised {count} texts -> {output} (key: {key_file})")


def _print_prf(scores: dict) -> None:
    echo(f"{'type':<8}{'P':>8}{'R':>8}{'F':>8}")
    for label, prf in sorted(scores["per_type"].items()):
        echo(f"{label:<8}{prf['p']:>8.3f}{prf['r']:>8.3f}{prf['f']:>8.3f}")
    echo(f"{'ALL':<8}{scores['ents_p']:>8.3f}{scores['ents_r']:>8.3f}{scores['ents_f']:>8.3f}")


@models_app.command("train-ner")
@handle_errors
def train_ner_command(
    output: Path = typer.Option(Path("models/ner_da"), help="Where the trained pipeline goes."),
    data: Path = typer.Option(DEFAULT_DATA, help=DATA_HELP),
    config: Path | None = typer.Option(None, help="spaCy config (default: configs/ner/ner_da.cfg)."),
    max_steps: int | None = typer.Option(None, min=1, help="Override training.max_steps (bounded run)."),
    limit: int = typer.Option(0, min=0, help="Use only the first N sentences of each split (smoke runs)."),
) -> None:
    """Train the Danish NER (tok2vec CNN + ner, CPU) and print test P/R/F per type."""
    from hoi_nlp.privacy.ner_train import DEFAULT_CONFIG, train_ner

    scores = train_ner(data_dir=data, output=output, config=config or DEFAULT_CONFIG, max_steps=max_steps,
                       limit=limit)
    _print_prf(scores)
    echo(f"trained in {scores['training_minutes']} min -> {output}")


@models_app.command("evaluate-ner")
@handle_errors
def evaluate_ner_command(
    data: Path = typer.Option(DEFAULT_DATA, help=DATA_HELP),
    model: Path = typer.Option(Path("models/ner_da"), help="Trained NER pipeline."),
    split: str = typer.Option("test", help="train | dev | test."),
) -> None:
    """Print entity P/R/F per type of the statistical NER on a UNER split."""
    from hoi_nlp.privacy.ner_train import evaluate_ner

    _print_prf(evaluate_ner(model_dir=model, data_dir=data, split=split))


@models_app.command("evaluate-pseudonymizer")
@handle_errors
def evaluate_pseudonymizer_command(
    data: Path = typer.Option(DEFAULT_DATA, help=DATA_HELP),
    split: str = typer.Option("test", help="train | dev | test."),
    as_json: bool = typer.Option(False, "--json", help="Print the raw figures as JSON."),
    settings: Path | None = SETTINGS_OPT,
) -> None:
    """Token recall of the pseudonymiser per gold type (PER/LOC/ORG) and its precision side."""
    from hoi_nlp.privacy.evaluate import evaluate_pseudonymizer
    from hoi_nlp.stages.study import load_run_settings

    figures = evaluate_pseudonymizer(data_dir=data, split=split, settings=load_run_settings(settings))
    if as_json:
        echo(json.dumps(figures, indent=2))
        return
    for label, recall in sorted(figures["token_recall"].items()):
        echo(f"{label:<5} token recall {recall:.3f}  ({figures['tokens'][label]} tokens)")
    echo(f"non-entity tokens replaced: {figures['non_entity_replaced_rate']:.3%}")
    echo(f"replaced-token precision:  {figures['replaced_token_precision']:.3f}")


@models_app.command("domain-words")
@handle_errors
def domain_words_command(
    train: Path | None = typer.Option(None, help="Training JSONL folder (default: the repository's "
                                      "corpora/train)."),
    check: bool = typer.Option(False, "--check", help="Only say whether the shipped list is current "
                               "(exit 1 when not)."),
) -> None:
    """Rebuild the field's own words the pseudonymiser treats as ordinary (resources/domain_words.txt).

    Run after adding training text: the words it uses in lower case that the Danish lemma table lacks
    ("bostøtte", "egenmestring") are never names on their own.
    """
    from hoi_nlp.io import write_atomic
    from hoi_nlp.privacy.domain_words import domain_words as build
    from hoi_nlp.privacy.domain_words import render, resource_path, training_texts
    from hoi_nlp.settings import REPO_ROOT

    words = build(training_texts(train or REPO_ROOT / "corpora" / "train"))
    target = resource_path()
    current = target.read_text(encoding="utf-8") == render(words)
    if check:
        echo(f"{target}: {'current' if current else 'out of date: run `hoi models domain-words`'}")
        raise typer.Exit(0 if current else 1)
    write_atomic(target, lambda tmp: tmp.write_text(render(words), encoding="utf-8"), mode=0o644)
    echo(f"{len(words)} words written to {target}")

"""``python -m benchmarks.bench_operating_points [--betas 1 1.5 2]``: what other operating points would give.

The shipped thresholds maximise F-beta for the model's beta on out-of-fold training predictions.
This re-chooses them, the same way and on the same out-of-fold predictions (stored in the model's
``training.npz``), for other betas, and scores each set of thresholds on dev, hard and dense (never
choosing anything on them). Prints a Markdown table: micro P/R/F1 per set and interview F1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SETS = ("dev", "hard", "dense")


def run(betas: list[float], model_dir: Path | None = None) -> list[dict]:
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.combine import choose_prior_weight, select_thresholds
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, load_trained_coder
    from hoi_nlp.coding.training.data import label_matrix, load_labelled, row_contexts
    from hoi_nlp.coding.training.train import (
        CALIBRATION_BOOST,
        load_cached_training,
        stack_evidence,
        stacked_oof,
    )

    codebook = load_codebook()
    directory = model_dir or DEFAULT_MODEL_DIR
    coder = load_trained_coder(codebook, model_dir=directory)
    bundle = coder.bundle
    cached = load_cached_training(directory, bundle)
    data, oof = cached.data, cached.oof
    p_sim = bundle.similarity.proba_from_z(oof.sim_z)
    p_clf = bundle.classifier.proba_from_decision(oof.decision)
    extra = stack_evidence(bundle.classifier, oof, p_clf, bundle.cooc)
    p_comb = stacked_oof(
        bundle.stacker, p_sim, p_clf, data.features.rules, data.labels, oof.folds, extra, weights=data.weights
    )
    weights = data.weights * np.where(data.calibration, CALIBRATION_BOOST, 1.0)
    sets = {}
    for name in SETS:
        rows = load_labelled(Path("corpora/eval") / f"{name}.jsonl", codebook=codebook, unknown="drop")
        features = coder.features([r.text for r in rows], row_contexts(rows))
        sets[name] = (
            label_matrix(rows, codebook.code_ids).astype(bool),
            bundle.probabilities(features)["combined"],
            np.array([r.register == "interview" for r in rows]),
        )
    results = []
    for beta in betas:
        prior, _ = choose_prior_weight(p_comb, data.labels, oof.folds, beta=beta, weights=weights)
        thresholds, _ = select_thresholds(p_comb, data.labels, prior_weight=prior, beta=beta, weights=weights)
        row: dict = {"beta": beta, "shipped": abs(beta - bundle.beta) < 1e-9}
        for name, (gold, probs, interview) in sets.items():
            pred = probs >= thresholds[None, :]
            row[name] = _prf(gold, pred)
            row[f"{name}_interview_f1"] = _prf(gold[interview], pred[interview])[2]
        results.append(row)
    return results


def _prf(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp, fp, fn = int((gold & pred).sum()), int((~gold & pred).sum()), int((gold & ~pred).sum())
    return (
        round(tp / max(tp + fp, 1), 3),
        round(tp / max(tp + fn, 1), 3),
        round(2 * tp / max(2 * tp + fp + fn, 1), 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--betas", type=float, nargs="+", default=[1.0, 1.5, 2.0])
    parser.add_argument("--model-dir", type=Path, default=None)
    args = parser.parse_args()
    print("| β | " + " | ".join(f"{name} P / R / F1 | {name} interview F1" for name in SETS) + " |")
    print("|---|" + "---|---:|" * len(SETS))
    for r in run(args.betas, args.model_dir):
        label = f"{r['beta']:g}" + (" (shipped)" if r["shipped"] else "")
        cells = [
            f"{r[name][0]:.3f} / {r[name][1]:.3f} / {r[name][2]:.3f} | {r[f'{name}_interview_f1']:.3f}"
            for name in SETS
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

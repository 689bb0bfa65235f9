"""``python -m benchmarks.tune_classifier``: the classifier's hyperparameters by cross-validation.

One setting at a time around the shipped one (C, and the weights of the word TF-IDF, character
TF-IDF and rule blocks), each scored by the same grouped 5-fold cross-fitting ``hoi train`` runs,
on the training data only: the out-of-fold classifier's micro average precision on the rows in
the registers the coder falls shortest on (transcribed speech and terse survey comments:
``corpora/train/interview_speech*.jsonl`` and ``survey_comments.jsonl``) and on all rows. No
evaluation set is read. Prints a Markdown table; the shipped setting is marked.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

ALTERNATIVES = {
    "c": (8.0, 32.0),
    "tfidf_weight": (0.5, 2.0),
    "char_weight": (0.5, 2.0),
    "rule_weight": (0.25, 1.0),
}
SPEECH_FILES = ("interview_speech", "survey_comments")


def shipped() -> dict[str, float]:
    """The classifier's defaults (what ``hoi train`` uses) for the tuned hyperparameters."""
    import inspect

    from hoi_nlp.coding.classify import ClassifierModel

    defaults = inspect.signature(ClassifierModel).parameters
    return {name: float(defaults[name].default) for name in ALTERNATIVES}


def settings_to_try(names: list[str]) -> list[dict[str, float]]:
    """The shipped setting, then each named hyperparameter moved to each alternative alone."""
    base = shipped()
    out = [base]
    for name in names:
        out += [{**base, name: value} for value in ALTERNATIVES[name]]
    return out


def run(names: list[str], folds: int = 5, seed: int = 0) -> list[dict]:
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.classify import ClassifierModel
    from hoi_nlp.coding.training.train import (
        collect_rows,
        cross_fit,
        default_train_paths,
        group_folds,
        micro_average_precision,
        training_set,
    )
    from hoi_nlp.nlp.embed import EmbeddingCache, embed_cached, get_embedder
    from hoi_nlp.settings import Settings

    codebook = load_codebook()
    embedder = get_embedder(Settings().embeddings)
    cache = EmbeddingCache()
    rows = collect_rows(codebook, train_paths=default_train_paths())
    data = training_set(codebook, rows, embedder=embedder, cache=cache)
    profiles = embed_cached([c.profile_text() for c in codebook.codes], embedder, cache, kind="query")
    fold_of = group_folds(data.groups, folds, seed)
    speech = np.array([r.origin.startswith(SPEECH_FILES) for r in data.rows])
    results = []
    base = shipped()
    for setting in settings_to_try(names):
        started = time.perf_counter()
        template = (
            ClassifierModel(seed=seed, **setting)
            .fit_vectorizer(data.features.lemmas)
            .fit_scaling(data.features.embeddings)
        )
        sparse = template.sparse_block(data.features.lemmas, data.features.rules).to_scipy()
        oof, _ = cross_fit(
            data,
            profiles,
            codebook.code_ids,
            template=template,
            sparse=sparse,
            folds=fold_of,
            seed=seed,
            progress=lambda *_: None,
        )
        results.append(
            {
                **setting,
                "shipped": setting == base,
                "ap_speech": round(micro_average_precision(data.labels[speech], oof.decision[speech]), 4),
                "ap_all": round(micro_average_precision(data.labels, oof.decision), 4),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        print(results[-1], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", nargs="+", choices=sorted(ALTERNATIVES), default=sorted(ALTERNATIVES))
    args = parser.parse_args()
    results = run(args.params)
    print("\n| C | word TF-IDF | char TF-IDF | rules | CV AP speech+survey | CV AP all rows | s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        mark = " (shipped)" if r["shipped"] else ""
        print(
            f"| {r['c']:g}{mark} | {r['tfidf_weight']:g} | {r['char_weight']:g} | {r['rule_weight']:g} "
            f"| {r['ap_speech']:.4f} | {r['ap_all']:.4f} | {r['seconds']:.0f} |"
        )


if __name__ == "__main__":
    main()

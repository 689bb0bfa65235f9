"""Combine rule, similarity and classifier evidence (``hoi.combined.v1``) and apply trained coders.

The stacker is one small logistic model pooled over all codes: its inputs per (segment, code)
are the logits of the calibrated similarity and classifier probabilities, the code's own rule
confidence (noisy-OR of its matching patterns) and whether a rule fired, per-family offsets and
slopes of the two logits, and optionally (``Stacker.extras``, chosen by cross-validation at
training time) the context — the classifier's logit for the code on the question the unit
answers and on its neighbouring units, centred on its mean over training rows with context, so
that context can only shift a code relative to other codes, never raise every code of a unit —
and co-occurrence (how strongly the segment's other likely codes imply this one, from the
training labels). Pooling keeps it to a few dozen weights, so it generalises to codes with few
examples.

Per-code decision thresholds maximise F-beta (``BETA``, recall weighted above precision: a code
the coder misses costs the analyst more than a suggestion they reject) on out-of-fold
probabilities, shrunk towards one global threshold (the shrinkage weight is itself chosen by
cross-validation), with rows like the material analysts code (transcribed speech, terse
survey comments, the study's own passages) weighted up. Candidates below the threshold but
above a floor are kept as ``tier="possible"`` (at most a few per segment): the review app shows
them, tables never count them. Barrier assignments carry a predicted stance
(:mod:`hoi_nlp.coding.stance`).

:class:`TrainedCoder` applies a :class:`CoderBundle` to segments as one of three coders:
``similarity``, ``classifier`` or ``combined``. Everything here predicts with numpy only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.base import CLASSIFIER_V1, COMBINED_V1, SIMILARITY_V1, CodingContext
from hoi_nlp.coding.classify import ClassifierModel
from hoi_nlp.coding.features import ContextFeatures, TextFeatures, analyse_texts
from hoi_nlp.coding.linear import fit_logistic, sigmoid
from hoi_nlp.coding.rules import RuleCoder
from hoi_nlp.coding.similarity import SimilarityModel
from hoi_nlp.coding.stance import StanceModel, stance_words
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache
from hoi_nlp.records import CodeAssignment, Segment

logger = logging.getLogger(__name__)

TrainedMethod = Literal["similarity", "classifier", "combined"]
CODER_NAMES: dict[str, str] = {
    "similarity": SIMILARITY_V1,
    "classifier": CLASSIFIER_V1,
    "combined": COMBINED_V1,
}
BETA = 1.5
POSSIBLE_FLOOR = 0.10
POSSIBLE_PER_SEGMENT = 3
_EPS = 1e-4
_LOGIT_CLIP = 8.0


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities, clipped away from 0 and 1."""
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


# ---------------------------------------------------------------- context and co-occurrence evidence


@dataclass
class StackEvidence:
    """What the stacker reads besides the three components, one ``(n, C)`` array each (or ``(n,)`` flags)."""

    ctx_question: np.ndarray
    has_question: np.ndarray
    ctx_neighbours: np.ndarray
    has_neighbours: np.ndarray
    cooc: np.ndarray

    @classmethod
    def empty(cls, n: int, c: int) -> StackEvidence:
        return cls(np.zeros((n, c)), np.zeros(n), np.zeros((n, c)), np.zeros(n), np.zeros((n, c)))

    def subset(self, idx: np.ndarray) -> StackEvidence:
        return StackEvidence(
            self.ctx_question[idx],
            self.has_question[idx],
            self.ctx_neighbours[idx],
            self.has_neighbours[idx],
            self.cooc[idx],
        )


def context_evidence(
    context: ContextFeatures | None, pool_proba: np.ndarray | None, n: int, c: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the classifier's logit on its question and the largest on its neighbours, with flags."""
    q, has_q = np.zeros((n, c)), np.zeros(n)
    nb, has_nb = np.zeros((n, c)), np.zeros(n)
    if context is None or pool_proba is None or not len(pool_proba):
        return q, has_q, nb, has_nb
    pool_logit = np.clip(logit(pool_proba), -_LOGIT_CLIP, _LOGIT_CLIP)
    rows = np.flatnonzero(context.question >= 0)
    q[rows] = pool_logit[context.question[rows]]
    has_q[rows] = 1.0
    for i, neighbours in enumerate(context.neighbours):
        if neighbours:
            nb[i] = pool_logit[list(neighbours)].max(axis=0)
            has_nb[i] = 1.0
    return q, has_q, nb, has_nb


def cooccurrence_matrix(labels: np.ndarray, *, smoothing: float = 5.0) -> np.ndarray:
    """``M[j, c] = P(code c | code j)`` in the training labels (smoothed; zero diagonal)."""
    y = labels.astype(np.float64)
    joint = y.T @ y
    counts = y.sum(axis=0)
    matrix = joint / (counts[:, None] + smoothing)
    np.fill_diagonal(matrix, 0.0)
    return matrix


def cooccurrence_evidence(clf_proba: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """How strongly a row's other likely codes imply each code: ``Σ_j p_j · P(c | j)``, capped at 2."""
    if not matrix.size:
        return np.zeros_like(clf_proba)
    return np.clip(clf_proba @ matrix, 0.0, 2.0)


# ---------------------------------------------------------------- stacker


class Stacker:
    """A pooled logistic model over per-code evidence with per-family offsets and slopes."""

    BASE = ("similarity_logit", "classifier_logit", "rule_confidence", "rule_fired")
    EXTRA = ("question_logit", "neighbour_logit", "cooccurrence")

    def __init__(
        self, families: Sequence[str], *, c: float = 1.0, seed: int = 0, extras: Sequence[str] = ()
    ) -> None:
        self.families = list(families)
        self.family_ids = sorted(set(self.families))
        self.c = c
        self.seed = seed
        self.extras = tuple(extras)
        unknown = set(self.extras) - set(self.EXTRA)
        if unknown:
            raise ValueError(f"unknown stacker inputs {sorted(unknown)}")
        self.coef: np.ndarray | None = None
        self.question_mean = np.zeros(len(self.families))
        self.neighbour_mean = np.zeros(len(self.families))

    def fit_centres(self, extra: StackEvidence) -> Stacker:
        """Per-code means of the question and neighbour logits over rows that have them."""
        for name, values, present in (
            ("question_mean", extra.ctx_question, extra.has_question),
            ("neighbour_mean", extra.ctx_neighbours, extra.has_neighbours),
        ):
            rows = present > 0
            setattr(self, name, values[rows].mean(axis=0) if rows.any() else np.zeros(values.shape[1]))
        return self

    def design(
        self, sim: np.ndarray, clf: np.ndarray, rules: np.ndarray, extra: StackEvidence | None = None
    ) -> np.ndarray:
        """One row per (text, code): evidence, family one-hot, family × logits, context, co-occurrence."""
        n, c = sim.shape
        onehot = np.zeros((c, len(self.family_ids)))
        for j, family in enumerate(self.families):
            onehot[j, self.family_ids.index(family)] = 1.0
        columns = [logit(sim), logit(clf), rules, (rules > 0).astype(float)]
        extra = extra or StackEvidence.empty(n, c)
        available = {
            "question_logit": lambda: (extra.ctx_question - self.question_mean) * extra.has_question[:, None],
            "neighbour_logit": lambda: (
                (extra.ctx_neighbours - self.neighbour_mean) * extra.has_neighbours[:, None]
            ),
            "cooccurrence": lambda: extra.cooc,
        }
        columns += [available[name]() for name in self.extras]
        evidence = np.stack([np.asarray(col, dtype=np.float64).reshape(-1) for col in columns], axis=1)
        family = np.tile(onehot, (n, 1))
        slopes = [family * evidence[:, [1]], family * evidence[:, [0]]]
        return np.hstack([evidence, family, *slopes])

    def fit(
        self,
        sim: np.ndarray,
        clf: np.ndarray,
        rules: np.ndarray,
        labels: np.ndarray,
        extra: StackEvidence | None = None,
        *,
        weights: np.ndarray | None = None,
    ) -> Stacker:
        """Fit on out-of-fold component probabilities (rows may be weighted)."""
        row_w = None if weights is None else np.repeat(np.asarray(weights, dtype=np.float64), sim.shape[1])
        if extra is not None:
            self.fit_centres(extra)
        self.coef = fit_logistic(
            self.design(sim, clf, rules, extra), labels.reshape(-1), c=self.c, weights=row_w
        )
        return self

    def predict_proba(
        self, sim: np.ndarray, clf: np.ndarray, rules: np.ndarray, extra: StackEvidence | None = None
    ) -> np.ndarray:
        """Combined probability ``(n, C)``."""
        if self.coef is None:
            raise ValueError("Stacker.fit() has not been run")
        x = self.design(sim, clf, rules, extra)
        return sigmoid(x @ self.coef[:-1] + self.coef[-1]).reshape(sim.shape)

    def names(self) -> list[str]:
        names = [*self.BASE, *self.extras]
        names += [f"family:{f}" for f in self.family_ids]
        names += [f"classifier_logit×{f}" for f in self.family_ids]
        names += [f"similarity_logit×{f}" for f in self.family_ids]
        return names

    def weights(self) -> dict[str, float]:
        """Readable weights (for the model card)."""
        if self.coef is None:
            return {}
        out = {n: round(float(w), 3) for n, w in zip(self.names(), self.coef[:-1], strict=True)}
        out["intercept"] = round(float(self.coef[-1]), 3)
        return out


# ---------------------------------------------------------------- thresholds


def fbeta(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, beta: float) -> np.ndarray:
    """F-beta from (weighted) counts."""
    b2 = beta * beta
    return (1 + b2) * tp / np.maximum((1 + b2) * tp + b2 * fn + fp, 1e-12)


def threshold_scores(
    probs: np.ndarray,
    labels: np.ndarray,
    grid: np.ndarray,
    *,
    beta: float = 1.0,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """F-beta of every column of ``probs`` (rows × codes) at every cut in ``grid``: ``(codes, cuts)``.

    A row is predicted at cut ``g`` when its probability is ``>= g``. Each probability is binned
    once by how many cuts it reaches, so the (weighted) true and false positives at every cut are
    cumulative sums over the bins — no rows × cuts matrix per code.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim == 1:
        probs, labels = probs[:, None], np.asarray(labels)[:, None]
    n, k = probs.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    reached = np.searchsorted(grid, probs, side="right")  # cuts g with grid[g] <= p
    pos = (labels == 1) * w[:, None]
    neg = (labels != 1) * w[:, None]
    flat = (reached + np.arange(k)[None, :] * (len(grid) + 1)).ravel()
    size = k * (len(grid) + 1)
    pos_bins = np.bincount(flat, weights=pos.ravel(), minlength=size).reshape(k, -1)
    neg_bins = np.bincount(flat, weights=neg.ravel(), minlength=size).reshape(k, -1)
    # predicted at cut g: rows that reach more than g cuts
    tp = np.cumsum(pos_bins[:, ::-1], axis=1)[:, ::-1][:, 1:]
    fp = np.cumsum(neg_bins[:, ::-1], axis=1)[:, ::-1][:, 1:]
    fn = pos.sum(axis=0)[:, None] - tp
    return fbeta(tp, fp, fn, beta)


def _best_cut(score: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    best = np.flatnonzero(score >= score.max() - 1e-9)
    return float(grid[best[len(best) // 2]]), float(score.max())


def best_threshold(
    probs: np.ndarray,
    y: np.ndarray,
    grid: np.ndarray,
    *,
    beta: float = 1.0,
    weights: np.ndarray | None = None,
) -> tuple[float, float]:
    """The threshold in ``grid`` with the highest F-beta (ties: the middle one) and that F-beta."""
    return _best_cut(threshold_scores(probs, y, grid, beta=beta, weights=weights)[0], grid)


def best_f1_threshold(probs: np.ndarray, y: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    """The threshold in ``grid`` with the highest F1 (ties: the middle one) and that F1."""
    return best_threshold(probs, y, grid, beta=1.0)


THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def select_thresholds(
    probs: np.ndarray,
    labels: np.ndarray,
    *,
    prior_weight: float = 10.0,
    grid: np.ndarray | None = None,
    beta: float = 1.0,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Per-code thresholds: each code's max-F-beta cut shrunk towards the pooled (micro) max-F-beta cut.

    ``t_c = (n_c * t_best_c + prior_weight * t_global) / (n_c + prior_weight)``, where ``n_c`` is
    the (weighted) number of positives of the code; codes without positives get ``t_global``.
    """
    grid = THRESHOLD_GRID if grid is None else grid
    w = np.ones(labels.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    t_global, _ = best_threshold(
        probs.reshape(-1), labels.reshape(-1), grid, beta=beta, weights=np.repeat(w, labels.shape[1])
    )
    thresholds = np.full(labels.shape[1], t_global)
    scores = threshold_scores(probs, labels, grid, beta=beta, weights=w)
    for j in range(labels.shape[1]):
        positives = float((labels[:, j] * w).sum())
        if positives > 0:
            t_code, _ = _best_cut(scores[j], grid)
            thresholds[j] = (positives * t_code + prior_weight * t_global) / (positives + prior_weight)
    return np.round(thresholds, 4), t_global


def cv_threshold_predictions(
    probs: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
    *,
    prior_weight: float = 10.0,
    beta: float = 1.0,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean predictions where each fold uses thresholds chosen on the other folds."""
    pred = np.zeros(labels.shape, dtype=bool)
    for k in np.unique(folds):
        other, this = folds != k, folds == k
        cut, _ = select_thresholds(
            probs[other],
            labels[other],
            prior_weight=prior_weight,
            beta=beta,
            weights=None if weights is None else weights[other],
        )
        pred[this] = probs[this] >= cut[None, :]
    return pred


PRIOR_WEIGHTS = (10.0, 30.0, 100.0, 300.0, 1000.0)


def choose_prior_weight(
    probs: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
    *,
    candidates: Sequence[float] = PRIOR_WEIGHTS,
    tolerance: float = 0.005,
    beta: float = 1.0,
    weights: np.ndarray | None = None,
) -> tuple[float, dict[float, float]]:
    """The threshold shrinkage weight by cross-validation: the smallest within ``tolerance`` of the best.

    Each fold is scored (micro F-beta, rows weighted) with thresholds chosen on the other folds.
    Returns the chosen weight and the CV micro F-beta of every candidate.
    """
    scores: dict[float, float] = {}
    gold = labels == 1
    w = (np.ones(labels.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64))[:, None]
    for weight in candidates:
        pred = cv_threshold_predictions(probs, labels, folds, prior_weight=weight, beta=beta, weights=weights)
        tp, fp, fn = ((pred & gold) * w).sum(), ((pred & ~gold) * w).sum(), ((~pred & gold) * w).sum()
        scores[float(weight)] = round(float(fbeta(np.array(tp), np.array(fp), np.array(fn), beta)), 4)
    best = max(scores.values())
    chosen = min(w_ for w_, f in scores.items() if f >= best - tolerance)
    return chosen, scores


def possible_mask(
    probs: np.ndarray,
    thresholds: np.ndarray,
    *,
    floor: float = POSSIBLE_FLOOR,
    per_segment: int = POSSIBLE_PER_SEGMENT,
) -> np.ndarray:
    """Below-threshold candidates: probability ≥ ``floor``, the ``per_segment`` most likely per row."""
    candidate = (probs < thresholds[None, :]) & (probs >= floor)
    if per_segment <= 0 or not candidate.any():
        return np.zeros_like(candidate)
    ranked = np.where(candidate, probs, -1.0)
    order = np.argsort(-ranked, axis=1)[:, :per_segment]
    keep = np.zeros_like(candidate)
    np.put_along_axis(keep, order, True, axis=1)
    return keep & candidate


# ---------------------------------------------------------------- the bundle and the coder


@dataclass
class CoderBundle:
    """Everything a trained coder needs, except the embedding model (referenced by id)."""

    code_ids: list[str]
    families: list[str]
    codebook_version: str
    embedder_spec: dict[str, str]
    pipeline: str
    similarity: SimilarityModel
    classifier: ClassifierModel
    stacker: Stacker
    thresholds: dict[str, list[float]]
    tfidf_embedder: Any = None
    model_version: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    stance: StanceModel = field(default_factory=StanceModel)
    cooc: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    possible: dict[str, float] = field(
        default_factory=lambda: {"floor": POSSIBLE_FLOOR, "per_segment": POSSIBLE_PER_SEGMENT}
    )
    beta: float = BETA
    source_dir: str = ""

    def stack_evidence(self, features: TextFeatures, clf_proba: np.ndarray) -> StackEvidence:
        """Context and co-occurrence evidence for the stacker."""
        n, c = clf_proba.shape
        pool_proba = None
        if features.context is not None and len(features.context.pool):
            pool_proba = self.classifier.predict_proba(features.context.pool)
        q, has_q, nb, has_nb = context_evidence(features.context, pool_proba, n, c)
        return StackEvidence(q, has_q, nb, has_nb, cooccurrence_evidence(clf_proba, self.cooc))

    def probabilities(self, features: TextFeatures) -> dict[str, np.ndarray]:
        """Rule, similarity, classifier and combined probabilities ``(n, C)`` each."""
        sim = self.similarity.predict_proba(features.embeddings)
        clf = self.classifier.predict_proba(features)
        combined = self.stacker.predict_proba(sim, clf, features.rules, self.stack_evidence(features, clf))
        return {"rule": features.rules, "similarity": sim, "classifier": clf, "combined": combined}

    def stances(self, features: TextFeatures) -> list[str]:
        """The predicted stance of each text (used for its barrier codes)."""
        words = stance_words(self.classifier.vectorizer, features.lemmas)
        texts = features.texts or [""] * len(features)
        return self.stance.predict(words, texts, features.embeddings)


class TrainedCoder:
    """Apply a :class:`CoderBundle` as the similarity, classifier or combined coder."""

    accepts_context = True

    def __init__(
        self,
        bundle: CoderBundle,
        codebook: Codebook,
        *,
        method: TrainedMethod = "combined",
        embedder: Embedder,
        cache: EmbeddingCache | None = None,
        min_confidence: float | None = None,
        possible: bool = True,
    ) -> None:
        self.bundle = bundle
        self.codebook = codebook
        self.method = method
        self.name = CODER_NAMES[method]
        self.version = bundle.model_version
        self.embedder = embedder
        self.cache = cache
        self.min_confidence = min_confidence
        self.possible = possible
        self.rule_coder = RuleCoder(codebook, pipeline=bundle.pipeline)

    def features(
        self, texts: Sequence[str], contexts: Sequence[CodingContext | None] | None = None
    ) -> TextFeatures:
        """Embeddings, lemmas and rule hits for ``texts`` (and their contexts)."""
        return analyse_texts(
            texts,
            codebook=self.codebook,
            embedder=self.embedder,
            cache=self.cache,
            rule_coder=self.rule_coder,
            code_ids=self.bundle.code_ids,
            contexts=contexts,
        )

    def thresholds(self) -> np.ndarray:
        """The decision threshold per code (``min_confidence`` overrides when given)."""
        if self.min_confidence is not None:
            return np.full(len(self.bundle.code_ids), self.min_confidence)
        return np.asarray(self.bundle.thresholds[self.method])

    def code(
        self, segments: Sequence[Segment], contexts: Sequence[CodingContext | None] | None = None
    ) -> list[CodeAssignment]:
        """Assignments with confidence ≥ the code's threshold, plus "possible" candidates below it."""
        features = self.features([seg.text for seg in segments], contexts)
        return self.code_features(segments, features)

    def code_features(self, segments: Sequence[Segment], features: TextFeatures) -> list[CodeAssignment]:
        """Like :meth:`code` for already analysed segments."""
        probs = self.bundle.probabilities(features)
        scores = probs[self.method]
        thresholds = self.thresholds()
        chosen = scores >= thresholds[None, :]
        possible = np.zeros_like(chosen)
        if self.possible and self.min_confidence is None:
            possible = possible_mask(
                scores,
                thresholds,
                floor=self.bundle.possible.get("floor", POSSIBLE_FLOOR),
                per_segment=int(self.bundle.possible.get("per_segment", POSSIBLE_PER_SEGMENT)),
            )
        barrier = np.array([f == "barrier" for f in self.bundle.families])
        needs_stance = ((chosen | possible) & barrier[None, :]).any(axis=1)
        stances: list[str | None] = [None] * len(segments)
        if needs_stance.any():
            rows = np.flatnonzero(needs_stance)
            for i, stance in zip(rows, self.bundle.stances(features.subset(rows)), strict=True):
                stances[int(i)] = stance
        assignments: list[CodeAssignment] = []
        for tier, mask in (("suggested", chosen), ("possible", possible)):
            for i, j in zip(*np.nonzero(mask), strict=True):
                assignments.append(
                    self._assignment(
                        segments[i],
                        features,
                        probs,
                        int(i),
                        int(j),
                        tier,
                        stances[int(i)] if barrier[j] else None,
                    )
                )
        return assignments

    def _assignment(
        self,
        seg: Segment,
        features: TextFeatures,
        probs: dict[str, np.ndarray],
        i: int,
        j: int,
        tier: str,
        stance: str | None,
    ) -> CodeAssignment:
        code_id = self.bundle.code_ids[j]
        components = {k: round(float(v[i, j]), 4) for k, v in probs.items() if k != "combined"}
        return CodeAssignment(
            segment_id=seg.segment_id,
            code_id=code_id,
            confidence=round(float(probs[self.method][i, j]), 4),
            method=self.method,
            coder=self.name,
            codebook_version=self.codebook.version_tag,
            model_version=self.bundle.model_version,
            evidence=features.evidence[i].get(code_id, ()),
            components=components,
            stance=stance,  # type: ignore[arg-type]
            tier=tier,  # type: ignore[arg-type]
        )

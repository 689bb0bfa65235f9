"""Carry a trained coder's cached training over to a study codebook with other code ids.

A study's codebook changes in the review app (a code created, renamed, moved or merged) or by a
promoted theme. The quick retraining (:func:`hoi_nlp.coding.training.train.train_with_study`) adds the
study's passages to the bundled coder's cached training rows; this module maps those rows to the
study's codes first, so that a changed codebook is not a full training (spaCy and embeddings of every
bundled row, five cross-fitted folds of every code: 9 minutes and more on 2 cores):

- a code that continues one of the coder's codes (the same id, or renamed or moved in the study)
  keeps that code's labels, rule hits, out-of-fold evidence, similarity profile and classifier
  weights as they are;
- a new code, or one merged from several, is *refitted*: the bundled rows' labels for it are those of
  the codes merged into it (none for a new code: the bundled rows never show it), its rule hits are
  matched on the bundled texts (only where it has patterns), its profile is embedded, and its
  out-of-fold evidence on the bundled rows comes from one cross-fit over the bundled rows' folds of
  that code alone, each fold's fit seeing the study's passages (where its positives are);
- a code the study's codebook no longer has is left out.

The classifier weights of carried codes are a warm start (the final fit refits every code). The
bundled rows' neighbour texts are not kept with the coder, and their question texts (846 distinct in
the bundled coder) are not analysed again (spaCy and embeddings: some 20 s), so a refitted code's
context evidence on the bundled rows is its median out-of-fold decision (uninformative; the stacker
learns how much context counts from the carried codes of its family); the study's own passages carry
their real context. A study passage that repeats a bundled text adds its refitted codes to that row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.linear import LinearWeights, fit_multilabel

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]
REFIT_STUDY_WEIGHT = 1.0  # the study passages' weight in the refitted codes' cross-fit of the bundled rows


@dataclass(frozen=True)
class CodeMapping:
    """How the study's codes relate to the trained coder's: ``sources[code]`` lists the coder's codes
    each study code continues (one: carried as it is; none or several: refitted)."""

    code_ids: tuple[str, ...]
    base_ids: tuple[str, ...]
    sources: Mapping[str, tuple[str, ...]]

    @property
    def carried(self) -> dict[str, str]:
        return {c: s[0] for c, s in self.sources.items() if len(s) == 1}

    @property
    def refitted(self) -> list[str]:
        return [c for c in self.code_ids if len(self.sources[c]) != 1]

    @property
    def dropped(self) -> list[str]:
        used = {s for sources in self.sources.values() for s in sources}
        return [b for b in self.base_ids if b not in used]

    def summary(self) -> dict[str, Any]:
        renamed = {b: c for c, b in self.carried.items() if b != c}
        return {"carried": len(self.carried), "renamed": renamed, "refitted": self.refitted,
                "merged": {c: list(s) for c, s in self.sources.items() if len(s) > 1},
                "left_out": self.dropped}


def map_codes(base_ids: Sequence[str], codebook: Codebook,
              renames: Mapping[str, str] | None = None) -> CodeMapping:
    """The study codebook's codes against the coder's (``renames``: each old id's id now, from the
    study's codebook changes)."""
    renames = dict(renames or {})
    current = set(codebook.code_ids)
    sources: dict[str, list[str]] = {c: [] for c in codebook.code_ids}
    for base in base_ids:
        now = renames.get(base, base)
        if now in current:
            sources[now].append(base)
    return CodeMapping(tuple(codebook.code_ids), tuple(base_ids),
                       {c: tuple(s) for c, s in sources.items()})


def _columns(matrix: np.ndarray, mapping: CodeMapping, *, axis: int, merge: Callable[..., np.ndarray],
             fill: float = 0.0) -> np.ndarray:
    """``matrix``'s code axis rearranged to the study's codes (several sources merged, none filled)."""
    index = {b: j for j, b in enumerate(mapping.base_ids)}
    moved = np.moveaxis(np.asarray(matrix), axis, -1)
    out = np.full((*moved.shape[:-1], len(mapping.code_ids)), fill, dtype=moved.dtype)
    for j, code in enumerate(mapping.code_ids):
        sources = [index[s] for s in mapping.sources[code]]
        if sources:
            out[..., j] = merge(moved[..., sources], axis=-1)
    return np.moveaxis(out, -1, axis)


def adapt_cached_training(
    base: Any,
    bundle: Any,
    codebook: Codebook,
    mapping: CodeMapping,
    *,
    repeated: Sequence[Any] = (),
    embedder: Any,
    cache: Any,
    progress: ProgressFn,
) -> tuple[Any, np.ndarray, LinearWeights | None]:
    """The coder's cached training (``base``: :class:`CachedTraining`) over the study's codes, with the
    similarity profiles and classifier warm start to match; the refitted codes' out-of-fold evidence is
    :func:`refit_evidence`'s. ``repeated`` are study passages whose text is a bundled row's: their
    refitted codes are added to that row."""
    data, oof = base.data, base.oof
    labels = _columns(data.labels, mapping, axis=1, merge=np.max)
    stance = _columns(data.stance, mapping, axis=1, merge=np.max, fill=-1)
    rules = _columns(data.features.rules, mapping, axis=1, merge=np.max)
    refit = [mapping.code_ids.index(c) for c in mapping.refitted]
    _add_repeated(labels, data.features.texts, repeated, mapping.code_ids, refit)
    with_patterns = [j for j in refit if codebook.code(mapping.code_ids[j]).patterns]
    if with_patterns:
        rules[:, with_patterns] = _rule_hits(data.features.texts, codebook,
                                             [mapping.code_ids[j] for j in with_patterns], bundle, progress)
    features = replace(data.features, rules=rules)
    rows = [_relabelled(row, labels[i], stance[i], mapping.code_ids) for i, row in enumerate(data.rows)]
    adapted = replace(data, rows=rows, features=features, labels=labels, stance=stance)
    profiles = _columns(bundle.similarity.profiles.astype(np.float32), mapping, axis=0, merge=np.mean)
    if refit:
        from hoi_nlp.nlp.embed import embed_cached

        fresh = embed_cached([codebook.code(mapping.code_ids[j]).profile_text() for j in refit], embedder,
                             cache, kind="query")
        profiles[refit] = np.asarray(fresh, dtype=np.float32)
    start = _start(bundle.classifier.weights, mapping)
    adapted_oof = replace(
        oof,
        sim_z=_columns(oof.sim_z, mapping, axis=2, merge=np.max),
        decision=_columns(oof.decision, mapping, axis=1, merge=np.max),
        question_decision=_columns(oof.question_decision, mapping, axis=1, merge=np.max),
        neighbour_decision=_columns(oof.neighbour_decision, mapping, axis=1, merge=np.max),
    )
    logger.info("carried %d of the coder's codes to the study's codebook, refitted %s, left out %s",
                len(mapping.carried), mapping.refitted, mapping.dropped)
    return replace(base, data=adapted, oof=adapted_oof), profiles, start


def _add_repeated(labels: np.ndarray, texts: Sequence[str], repeated: Sequence[Any], code_ids: Sequence[str],
                  refit: list[int]) -> None:
    """Label the bundled rows whose text a study passage repeats with its refitted codes."""
    codes = {" ".join(r.text.split()): set(r.codes) for r in repeated}
    if not codes:
        return
    for i, text in enumerate(texts):
        given = codes.get(" ".join(text.split()))
        if given:
            for j in refit:
                if code_ids[j] in given:
                    labels[i, j] = 1


def _relabelled(row: Any, labels: np.ndarray, stance: np.ndarray, code_ids: Sequence[str]) -> Any:
    from hoi_nlp.coding.stance import STANCES

    return replace(row, codes=tuple(code_ids[j] for j in np.flatnonzero(labels)),
                   stance={code_ids[j]: STANCES[int(stance[j])] for j in np.flatnonzero(stance >= 0)})


def _rule_hits(texts: Sequence[str], codebook: Codebook, code_ids: list[str], bundle: Any,
               progress: ProgressFn) -> np.ndarray:
    """The patterns of ``code_ids`` matched on ``texts`` (one spaCy pass)."""
    from hoi_nlp.coding.features import rule_features
    from hoi_nlp.coding.rules import RuleCoder

    coder = RuleCoder(codebook, pipeline=bundle.pipeline)

    def heard(done: int, total: int) -> None:
        progress("the new codes' patterns", done, total)

    _, hits, _ = rule_features(texts, coder, code_ids, on_progress=heard)
    return hits


def _start(weights: LinearWeights | None, mapping: CodeMapping) -> LinearWeights | None:
    """The coder's classifier weights as a warm start over the study's codes: carried codes' columns
    (and their rule-feature rows: the sparse block ends with one per code) as they are, refitted
    codes' zero."""
    if weights is None:
        return None
    n_words = weights.sparse_w.shape[0] - len(mapping.base_ids)
    carried = mapping.carried
    index = {b: j for j, b in enumerate(mapping.base_ids)}
    c = len(mapping.code_ids)
    sparse_w = np.zeros((n_words + c, c))
    dense_w = np.zeros((weights.dense_w.shape[0], c))
    bias = np.zeros(c)
    for j, code in enumerate(mapping.code_ids):
        if code not in carried:
            continue
        b = index[carried[code]]
        sparse_w[:n_words, j] = weights.sparse_w[:n_words, b]
        dense_w[:, j] = weights.dense_w[:, b]
        bias[j] = weights.bias[b]
        for i, other in enumerate(mapping.code_ids):  # the rule feature of each carried code
            if other in carried:
                sparse_w[n_words + i, j] = weights.sparse_w[n_words + index[carried[other]], b]
    return LinearWeights(sparse_w, dense_w, bias)


def refit_evidence(base: Any, study: Any, mapping: CodeMapping, profiles: np.ndarray, *, sparse: Any,
                   template: Any, seed: int, progress: ProgressFn) -> None:
    """Out-of-fold evidence of the refitted codes on the bundled rows (``base``, adapted), in place: for
    each of their folds, the codes' classifier and similarity fitted on the other folds' rows and every
    study passage (``study``, or None). ``sparse`` is the rows' sparse block, the study's after the
    bundled rows'."""
    from hoi_nlp.coding.similarity import SimilarityModel

    data, oof = base.data, base.oof
    refit = [mapping.code_ids.index(c) for c in mapping.refitted]
    if not refit:
        return
    n = len(data)
    parts = [data] if study is None else [data, study]
    dense = np.vstack([template.dense_block(part.features.embeddings) for part in parts])
    embeddings = np.vstack([part.features.embeddings for part in parts])
    labels = np.vstack([part.labels for part in parts])[:, refit]
    n_study = len(embeddings) - n
    weights = np.r_[data.weights, np.full(n_study, REFIT_STUDY_WEIGHT)]
    ids = mapping.refitted
    folds = np.unique(oof.folds)
    for step, k in enumerate(folds):
        held = np.flatnonzero(oof.folds == k)
        train = np.r_[np.flatnonzero(oof.folds != k), n + np.arange(n_study)]
        fitted, _ = fit_multilabel(sparse[train], dense[train], labels[train], c=template.c,
                                   row_weights=weights[train])
        decision = sparse[held] @ fitted.sparse_w + dense[held] @ fitted.dense_w + fitted.bias
        oof.decision[np.ix_(held, refit)] = decision
        sim = SimilarityModel(seed=seed).fit(ids, profiles[refit], embeddings[train], labels[train],
                                             row_ids=train)
        oof.sim_z[np.ix_([0, 1], held, refit)] = sim.zscores(sim.raw_scores(embeddings[held]))
        progress("the new codes' evidence", step + 1, len(folds))
    typical = np.median(oof.decision[:, refit], axis=0)
    oof.question_decision[:, refit] = typical
    oof.neighbour_decision[:, refit] = typical

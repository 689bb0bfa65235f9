"""How a barrier is spoken of: ``hindrance``, ``precondition``, ``overcome`` or ``rating``.

Barrier codes are topic codes: "det er ikke en barriere hos os" and "IT i høj grad en barriere"
carry the same code. The stance tells them apart (records.CodeAssignment.stance):

- ``hindrance`` — the factor stands in the way;
- ``precondition`` — it is named as what success needs ("det kræver …", "afgørende");
- ``overcome`` — it was a problem and is solved, or is explicitly not a problem here;
- ``rating`` — its degree is assessed ("i mindre grad", "kun 2 pct.") without saying it hinders.

:class:`StanceModel` is four one-vs-rest logistic models over the passage's lemma word TF-IDF
(the classifier's vocabulary), its embedding and a handful of Danish cue patterns (negated
barrier words, "løst"/"på plads", "kræver"/"forudsætning", degree phrases and shares),
trained on the stance labels of the training data's barrier codes. It predicts one stance per
passage (passages with several barriers nearly always speak of them the same way); without a
model every barrier is a ``hindrance``. Plain arrays, numpy only at prediction time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from hoi_nlp.coding.linear import LinearWeights, fit_multilabel
from hoi_nlp.coding.text_vectors import SparseRows, TfidfSpace

STANCES: tuple[str, ...] = ("hindrance", "precondition", "overcome", "rating")
DEFAULT_STANCE = "hindrance"

_CUES: dict[str, str] = {
    "negated_problem": r"\b(ikke|ingen|aldrig)\b[^.!?]{0,40}"
                       r"\b(barriere|udfordring|problem|hindring|hæmsko|bremse)",
    "not_there": r"\bikke (der|dér|dét|det),? (det|problemet|skoen|vi)",
    "no_problem": r"\bingen (barriere|udfordring|problem)|ikke (noget|et) problem"
                  r"|ikke en (barriere|udfordring)",
    "solved": r"\b(løst|afhjulpet|fået styr|fået rettet|på plads|rettet op|er vendt|det vendte|løsnede|"
    r"har hjulpet|hjulpet (rigtig )?(meget|en del)|blevet (meget )?bedre|blevet mindre|"
    r"fungerer (fint|godt)|heldigvis)\b",
    "resolved_past": r"\b(i starten|i begyndelsen|før|tidligere|dengang)\b",
    "now": r"\bnu\b",
    "requires": r"\b(kræver|krævede|forudsætning|forudsætter|afgørende|nøglen|altafgørende|står og falder|"
    r"nødvendig|skal have|må have|har brug for|det vigtigste)\b",
    "without": r"\buden\b[^.!?]{0,60}\b(ikke|intet|ingen)\b",
    "if_not": r"\bhvis (ikke|man ikke|de ikke|vi ikke)\b",
    "degree": r"\bi (meget )?(høj|lav|mindre|nogen|ringe|begrænset|større|mindre) grad\b",
    "share": r"\d+ ?(pct|%|procent)"
             r"|\b(andel|halvdelen|tredjedel|fjerdedel|hver (anden|tredje|fjerde|femte))\b",
    "scale": r"\b(skala|karakter|treer|firer|femmer|toer|ener)\b",
    "assess": r"\b(vurderer|vurderes|angiver|oplever)\b",
    "problem_words": r"\b(svært|problem|udfordring|barriere|mangler|mangel|bremser|frustrerende|"
    r"ikke godt nok|halter|knas)\b",
}
_CUE_RES = [re.compile(p) for p in _CUES.values()]


def cue_matrix(texts: Sequence[str]) -> np.ndarray:
    """``(n, n_cues)`` 0/1: which cue patterns occur in each (lower-cased) text."""
    out = np.zeros((len(texts), len(_CUE_RES)), dtype=np.float64)
    for i, text in enumerate(texts):
        lowered = text.lower()
        for j, pattern in enumerate(_CUE_RES):
            if pattern.search(lowered):
                out[i, j] = 1.0
    return out


class StanceModel:
    """Four one-vs-rest logistic models: word TF-IDF ⊕ cue patterns ⊕ embedding → stance."""

    def __init__(self, *, c: float = 4.0, cue_weight: float = 1.0, embedding_weight: float = 0.5) -> None:
        self.c = c
        self.cue_weight = cue_weight
        self.embedding_weight = embedding_weight
        self.weights: LinearWeights | None = None

    def _dense(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        emb = np.asarray(embeddings, dtype=np.float64) * self.embedding_weight
        return np.hstack([cue_matrix(texts) * self.cue_weight, emb])

    def fit(
        self,
        words: SparseRows,
        texts: Sequence[str],
        embeddings: np.ndarray,
        stances: Sequence[str],
        *,
        row_weights: np.ndarray | None = None,
    ) -> StanceModel:
        """Fit on passages (one row per labelled barrier code) with their gold stances."""
        labels = np.zeros((len(stances), len(STANCES)), dtype=np.int8)
        for i, stance in enumerate(stances):
            labels[i, STANCES.index(stance)] = 1
        self.weights, _ = fit_multilabel(
            words.to_scipy(),
            self._dense(texts, embeddings),
            labels,
            c=self.c,
            row_weights=row_weights,
            balanced=False,
        )
        return self

    def scores(self, words: SparseRows, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Decision values ``(n, 4)`` in the order of :data:`STANCES`."""
        if self.weights is None:
            out = np.full((len(texts), len(STANCES)), -1.0)
            out[:, 0] = 1.0
            return out
        w = self.weights
        return words.dot(w.sparse_w) + self._dense(texts, embeddings) @ w.dense_w.astype(np.float64) + w.bias

    def predict(self, words: SparseRows, texts: Sequence[str], embeddings: np.ndarray) -> list[str]:
        """The most likely stance of each passage."""
        return [STANCES[int(j)] for j in self.scores(words, texts, embeddings).argmax(axis=1)]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted model as arrays (nothing when unfitted)."""
        if self.weights is None:
            return {}
        return {
            "stance.sparse_w": self.weights.sparse_w.astype(np.float32),
            "stance.dense_w": self.weights.dense_w.astype(np.float32),
            "stance.bias": self.weights.bias.astype(np.float64),
            "stance.params": np.asarray([self.c, self.cue_weight, self.embedding_weight]),
        }

    @classmethod
    def from_arrays(cls, arrays: object) -> StanceModel:
        """The model stored by :meth:`to_arrays` (an unfitted one when absent)."""
        files = getattr(arrays, "files", None) or list(arrays)  # type: ignore[call-overload]
        if "stance.params" not in files:
            return cls()
        get = arrays.__getitem__  # type: ignore[attr-defined]
        c, cue_weight, embedding_weight = get("stance.params").tolist()
        model = cls(c=c, cue_weight=cue_weight, embedding_weight=embedding_weight)
        model.weights = LinearWeights(get("stance.sparse_w"), get("stance.dense_w"), get("stance.bias"))
        return model


def stance_words(space: TfidfSpace | None, lemmas: Sequence[str]) -> SparseRows:
    """The stance model's word block (the classifier's word TF-IDF of the lemmas)."""
    if space is None:
        return SparseRows(
            np.zeros(len(lemmas) + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), 0
        )
    return space.transform(lemmas)

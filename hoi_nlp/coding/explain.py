"""Why a code was suggested, in the analyst's words (for the review app).

API::

    explain(coder_or_model_dir, codebook, text, code_id, *, context=None, n_words=6, n_examples=3,
            cache=None) -> Explanation
    explain_codes(coder_or_model_dir, codebook, text, code_ids, *, context=None, ...) -> list[Explanation]

``coder_or_model_dir`` is a loaded :class:`~hoi_nlp.coding.combine.TrainedCoder` (reuse it: loading
costs a second) or the folder of a trained coder (``models/coder`` or a study's retrained
``<workspace>/models/coder``); ``context`` is the question the text answers (a string) or a
:class:`~hoi_nlp.coding.base.CodingContext`. :func:`explain_codes` analyses the text once for
several codes.

An :class:`Explanation` holds:

- ``words`` — what in the text speaks for the code, as it is written there: the words the
  codebook's patterns matched (a token pattern's matched words with "…" for skipped ones), then
  the words and word pairs that weigh most for the code in the classifier (their weight times
  their TF-IDF in this text, positive only), mapped from lemmas back to the text's own words;
- ``examples`` — the training passages most similar to the text that carry the code (for a
  study's retrained coder these include the analysts' reviewed passages), with
  ``example_origins`` saying where each comes from (a training file, ``codebook``, ``study`` or
  ``review``) and ``example_ids`` their training row ids (a reviewed passage's is
  ``review:<segment id>``). Every example is raw text: the training corpus names people and
  municipalities, and study passages are the study's own text. Show them to reviewers without
  original-text rights pseudonymised, as the review app does (a study passage as the slice of its
  source's redaction, any other text through the study's redactor);
- the code's ``label``, ``family``/``family_label``, ``definition`` (description) and its
  ``include``/``exclude`` rules from the codebook;
- the coder's ``confidence``, the code's ``threshold``, the ``tier`` the coder gives it
  (``suggested``, ``possible`` or ``None`` below the possible floor), the predicted ``stance`` of a
  barrier code and the ``components`` (rule, similarity, classifier probabilities).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.base import CodingContext, text_segments
from hoi_nlp.coding.combine import TrainedCoder
from hoi_nlp.nlp.embed import EmbeddingCache


@dataclass(frozen=True)
class Explanation:
    """The reasons for one code on one text (see the module docstring)."""

    code_id: str
    label: str
    family: str
    family_label: str
    definition: str
    include: str = ""
    exclude: str = ""
    words: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    example_origins: list[str] = field(default_factory=list)
    example_ids: list[str] = field(default_factory=list)
    confidence: float | None = None
    threshold: float | None = None
    tier: str | None = None
    stance: str | None = None
    components: dict[str, float] = field(default_factory=dict)


def _coder(
    coder_or_model_dir: TrainedCoder | str | Path, codebook: Codebook, cache: EmbeddingCache | None
) -> TrainedCoder:
    if isinstance(coder_or_model_dir, TrainedCoder):
        return coder_or_model_dir
    from hoi_nlp.coding.model_io import load_trained_coder

    return load_trained_coder(codebook, model_dir=coder_or_model_dir, method="combined", cache=cache)


def _context(context: CodingContext | str | None) -> CodingContext | None:
    if context is None or isinstance(context, CodingContext):
        return context or None
    return CodingContext(question=context) or None


def explain(
    coder_or_model_dir: TrainedCoder | str | Path,
    codebook: Codebook,
    text: str,
    code_id: str,
    *,
    context: CodingContext | str | None = None,
    n_words: int = 6,
    n_examples: int = 3,
    cache: EmbeddingCache | None = None,
) -> Explanation:
    """Why ``code_id`` is (or is not) suggested for ``text``."""
    return explain_codes(
        coder_or_model_dir,
        codebook,
        text,
        [code_id],
        context=context,
        n_words=n_words,
        n_examples=n_examples,
        cache=cache,
    )[0]


def explain_codes(
    coder_or_model_dir: TrainedCoder | str | Path,
    codebook: Codebook,
    text: str,
    code_ids: Sequence[str],
    *,
    context: CodingContext | str | None = None,
    n_words: int = 6,
    n_examples: int = 3,
    cache: EmbeddingCache | None = None,
) -> list[Explanation]:
    """:func:`explain` for several codes of one text (the text is analysed once)."""
    coder = _coder(coder_or_model_dir, codebook, cache)
    bundle = coder.bundle
    features = coder.features([text], [_context(context)])
    assignments = {a.code_id: a for a in coder.code_features(text_segments([("x", text)]), features)}
    probs = bundle.probabilities(features)
    thresholds = coder.thresholds()
    doc = coder.rule_coder.nlp(text)
    explanations = []
    for code_id in code_ids:
        code = codebook.code(code_id)
        j = bundle.code_ids.index(code_id)
        assignment = assignments.get(code_id)
        rule_words = [
            ev.pattern if "…" in ev.pattern else ev.text for ev in features.evidence[0].get(code_id, ())
        ]
        words = list(dict.fromkeys(rule_words))
        for word in classifier_words(coder, doc, features.lemmas[0], j, n=n_words):
            if len(words) >= n_words + len(rule_words):
                break
            if not any(word.lower() in w.lower() for w in words):
                words.append(word)
        nearest = nearest_training_examples(coder, features.embeddings[0], j, n=n_examples)
        family = codebook.family(code.family)
        explanations.append(
            Explanation(
                code_id=code_id,
                label=code.label,
                family=code.family,
                family_label=family.label,
                definition=code.description,
                include=code.include or "",
                exclude=code.exclude or "",
                words=words,
                examples=[e.text for e in nearest],
                example_origins=[e.origin for e in nearest],
                example_ids=[e.row_id for e in nearest],
                confidence=round(float(probs[coder.method][0, j]), 4),
                threshold=round(float(thresholds[j]), 4),
                tier=assignment.tier if assignment is not None else None,
                stance=(assignment.stance if assignment is not None else bundle.stances(features)[0])
                if code.family == "barrier"
                else None,
                components={k: round(float(v[0, j]), 4) for k, v in probs.items() if k != "combined"},
            )
        )
    return explanations


def classifier_words(coder: TrainedCoder, doc: object, lemmas: str, j: int, *, n: int = 6) -> list[str]:
    """The text's words and word pairs that weigh most for code ``j`` in the classifier, as written."""
    clf = coder.bundle.classifier
    space, weights = clf.vectorizer, clf.weights
    if space is None or weights is None or not len(space):
        return []
    rows = space.transform([lemmas])
    column = weights.sparse_w[: len(space), j].astype(np.float64) * clf.tfidf_weight
    contributions = rows.data * column[rows.indices]
    order = np.argsort(-contributions)
    surface = _surface_forms(doc)
    stop = _stopwords()
    out: list[str] = []
    for k in order:
        if contributions[k] <= 0 or len(out) >= n:
            break
        term = space.terms[int(rows.indices[k])]
        if all(part in stop or len(part) < 3 for part in term.split()):
            continue
        shown = surface.get(term)
        if shown and shown not in out:
            out.append(shown)
    return out


def _stopwords() -> frozenset[str]:
    from hoi_nlp.nlp.stopwords import stopword_lemmas

    try:
        return frozenset(stopword_lemmas())
    except Exception:  # noqa: BLE001 - explanations work without the list
        return frozenset()


def _surface_forms(doc: object) -> dict[str, str]:
    """Lemma unigrams and bigrams (as the classifier sees them) → the words in the text."""
    tokens = [t for t in doc if not (t.is_space or t.is_punct)]  # type: ignore[attr-defined]
    forms: dict[str, str] = {}
    for i, token in enumerate(tokens):
        forms.setdefault(token.lemma_.lower(), token.text)
        if i + 1 < len(tokens):
            nxt = tokens[i + 1]
            forms.setdefault(f"{token.lemma_.lower()} {nxt.lemma_.lower()}", f"{token.text} {nxt.text}")
    return forms


@dataclass(frozen=True)
class TrainingExample:
    """One training passage: its raw text, where it comes from (a training file, ``codebook``,
    ``study`` or ``review``) and its training row id (``review:<segment id>`` for a reviewed passage)."""

    text: str
    origin: str
    row_id: str


_TEXTS: dict[str, tuple[list[str], list[str], list[str]]] = {}


def _training_rows(coder: TrainedCoder) -> tuple[list[str], list[str], list[str]]:
    """The coder's training texts, origins and row ids, cached per model."""
    source = coder.bundle.source_dir
    key = f"{source}:{coder.bundle.model_version}"
    if key not in _TEXTS:
        texts: list[str] = []
        origins: list[str] = []
        ids: list[str] = []
        if source:
            from hoi_nlp.coding.model_io import load_training
            from hoi_nlp.coding.text_vectors import split_texts
            from hoi_nlp.errors import ModelError

            try:
                arrays = load_training(source)
                n = int(arrays["n_rows"][0])
                texts, origins = split_texts(arrays["texts"], n), split_texts(arrays["origins"], n)
                ids = split_texts(arrays["ids"], n)
            except ModelError:
                pass
        _TEXTS[key] = (texts, origins, ids)
    return _TEXTS[key]


def nearest_training_examples(
    coder: TrainedCoder, vector: np.ndarray, j: int, *, n: int = 3
) -> list[TrainingExample]:
    """The ``n`` training passages with code ``j`` most similar to ``vector`` (raw text: see the
    module docstring on showing them to reviewers without original-text rights)."""
    texts, origins, ids = _training_rows(coder)
    if not texts:
        return []
    found = coder.bundle.similarity.nearest(vector, j, k=n)
    return [
        TrainingExample(texts[row], origins[row], ids[row] if row < len(ids) else "")
        for row, _ in found
        if 0 <= row < len(texts)
    ]


"""Barrier stance: cue patterns, the model, and the stance on barrier assignments."""

from __future__ import annotations

import numpy as np

from hoi_nlp.coding.stance import STANCES, StanceModel, cue_matrix, stance_words
from hoi_nlp.coding.text_vectors import TfidfSpace

EXAMPLES = {
    "hindrance": [
        "Systemerne taler ikke sammen, det er et stort problem.",
        "Vi mangler tid og penge.",
        "Psykiatrien er ikke med, og det bremser forløbene.",
        "Lederne prioriterer ikke samarbejdet.",
    ],
    "precondition": [
        "Det kræver, at lederne bakker op.",
        "Fælles mål er en forudsætning for at lykkes.",
        "Mandatet er afgørende for teamet.",
        "Uden opbakning fra direktionen sker der ikke noget.",
    ],
    "overcome": [
        "Det er ikke en barriere hos os længere.",
        "Vi har løst det med en fælles pulje.",
        "IT er ikke noget problem, det fungerer fint nu.",
        "Det var svært i starten, men nu er det på plads.",
    ],
    "rating": [
        "IT i høj grad en barriere.",
        "Kun 7 pct. ser det som en barriere.",
        "Lovgivningen i mindre grad.",
        "Ressourcer i nogen grad en udfordring.",
    ],
}


def test_cues_fire_on_the_danish_phrases():
    cues = cue_matrix(["Det er ikke en barriere hos os", "Det kræver opbakning", "i høj grad", "Kun 4 pct."])
    assert cues.sum(axis=1).min() >= 1


def test_stance_model_learns_and_round_trips():
    texts = [t for stance in STANCES for t in EXAMPLES[stance]] * 3
    stances = [stance for stance in STANCES for _ in EXAMPLES[stance]] * 3
    lemmas = [t.lower() for t in texts]
    space = TfidfSpace.fit(lemmas, analyzer="word", ngram_range=(1, 2), min_df=1, max_df=1.0)
    embeddings = np.zeros((len(texts), 4))
    model = StanceModel().fit(stance_words(space, lemmas), texts, embeddings, stances)
    predicted = model.predict(stance_words(space, lemmas), texts, embeddings)
    assert np.mean([p == s for p, s in zip(predicted, stances, strict=True)]) > 0.9
    again = StanceModel.from_arrays(model.to_arrays())
    assert again.predict(stance_words(space, lemmas), texts, embeddings) == predicted
    assert (
        StanceModel().predict(stance_words(space, lemmas[:2]), texts[:2], embeddings[:2]) == ["hindrance"] * 2
    )


def test_barrier_assignments_carry_a_stance_others_none(trained_tfidf, coding_codebook):
    from hoi_nlp.coding.base import text_segments
    from hoi_nlp.coding.model_io import load_trained_coder

    out, _ = trained_tfidf
    coder = load_trained_coder(coding_codebook, model_dir=out)
    found = coder.code(
        text_segments([("a", "Jobcentret mangler ressourcer, og systemerne taler ikke sammen.")])
    )
    assert found
    for assignment in found:
        if assignment.code_id.startswith("barrier."):
            assert assignment.stance in STANCES
        else:
            assert assignment.stance is None
        assert assignment.tier in ("suggested", "possible")

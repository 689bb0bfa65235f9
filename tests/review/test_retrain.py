"""Reviewed quotes retrain the coders and re-score the study."""

from __future__ import annotations

import pytest

from hoi_nlp.errors import ModelError
from hoi_nlp.review.decisions import record_decision
from hoi_nlp.review.labels import labelled_rows
from hoi_nlp.settings import Settings
from hoi_nlp.stages.retrain import retrain_from_reviews
from hoi_nlp.store import load_assignments
from tests.conftest import DATA

IT = "barrier.it_integration"
OEK = "barrier.tvaergaaende_oekonomistyring"
R001 = "R001:1.2_kommentar:a0-68"
LEMVIG = "R002:7_afsluttende_kommentar:a0-65"


def test_nothing_reviewed_is_a_clear_error(study_ws, small_cb):
    with pytest.raises(ModelError, match="no reviewed segments"):
        retrain_from_reviews(study_ws, codebook=small_cb, settings=Settings(), rescore=False)


def test_rows_from_reviews(study_ws, small_cb):
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    record_decision(
        study_ws, segment_id=LEMVIG, action="add", code_id="barrier.ukendt_kode_fra_andet", analyst="bo"
    )
    rows = {r.id: r for r in labelled_rows(study_ws, codebook=small_cb)}
    assert rows[f"review:{R001}"].codes == (IT,)
    assert rows[f"review:{LEMVIG}"].codes == ()  # codes outside the codebook are dropped


def test_retrain_and_rescore(study_ws, small_cb, tmp_path):
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder

    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="accept", code_id=OEK, analyst="anna")
    record_decision(study_ws, segment_id=LEMVIG, action="reject", code_id=IT, analyst="anna")
    summary = retrain_from_reviews(
        study_ws,
        codebook=small_cb,
        settings=Settings(),
        train_paths=[DATA / "review" / "train_small.jsonl"],
        embedder=TfidfEmbedder(dim=16),
        cache=EmbeddingCache(tmp_path / "cache"),
        method="combined",
    )
    assert summary["reviewed_rows"] == 2
    assert summary["model_dir"].endswith("models/coder")
    assert summary["rescore"]["segments_coded"] == summary["rescore"]["segments_total"] > 0
    coders = {a.coder for a in load_assignments(study_ws)}
    assert any(c != "hoi.rules.v1" for c in coders)

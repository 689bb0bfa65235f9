"""Ids that hold a name in another case or spelling (interview, question, study ids) are opaque ids."""

from __future__ import annotations

import pytest

from hoi_nlp.privacy.guard import LeakGuard, exported_text
from hoi_nlp.privacy.key import PseudonymKey
from hoi_nlp.privacy.redact import KeyRedactor


def study_key() -> PseudonymKey:
    key = PseudonymKey(study="t")
    for place in ("Fanø", "Vejle", "Lejre", "Sorø", "Aarhus"):
        key.placeholder_for("KOMMUNE", place)
    key.placeholder_for("NAVN", "Livsmestring")  # a recogniser's guess, no name
    key.pin("PERSON", "Bette")  # the metadata's speaker
    return key


@pytest.mark.parametrize("value", [
    "int_fanoe_bette", "int_fano_02", "Lejre-02", "Lejre-02:7_fanoe_vejle_kommentar:a0-60",
    "7_fanoe_vejle_kommentar", "vejle_lejre_2025", "SORO-03", "int.bette.1", "aarhus01",
])
def test_ids_holding_a_name_become_opaque(value: str) -> None:
    shown = KeyRedactor(study_key()).ident(value)
    assert shown.startswith("id-") and shown != value


@pytest.mark.parametrize("value", [
    "int02:t50-122", "R001:1.2_kommentar:a0-83", "7_afsluttende_kommentar", "3_livsmestring", "interview_b",
    "study_2025",
])
def test_ids_without_a_name_stay(value: str) -> None:
    assert KeyRedactor(study_key()).ident(value) == value


def test_the_leak_check_finds_names_in_ascii_spelling() -> None:
    guard = LeakGuard.build(study_key())
    assert guard.leaks("Interview int_fanoe_bette, tur 4")
    assert guard.leaks("spm. 7_soroe_kommentar")
    assert not guard.leaks("Interview id-3fa2c1d09b, tur 4")


def renamed_study(codebook):
    """The export tests' fabricated study with question ids and a study name that hold names."""
    from hoi_nlp.export.study import CodedStudy
    from tests.export.conftest import build_records

    renamed = {"q0": "7_fanoe_vejle_kommentar", "q1": "2_bette_kommentar"}
    sources, segments, assignments = build_records()
    sources = [s.model_copy(update={"question_id": renamed.get(s.question_id or "", s.question_id)})
               for s in sources]
    segments = [s.model_copy(update={"question_id": renamed.get(s.question_id or "", s.question_id)})
                for s in segments if s.codable]
    return CodedStudy(codebook=codebook, sources={s.source_id: s for s in sources}, segments=segments,
                      assignments=assignments, name="vejle_lejre_2025")


def test_exports_show_question_and_study_ids_without_names(small_codebook, tmp_path) -> None:
    from hoi_nlp.export.study import public_view
    from hoi_nlp.privacy.redact import metadata_names
    from tests.export.conftest import export_formats

    study = renamed_study(small_codebook)
    key = study_key()
    for name, label in metadata_names(study.sources.values()).items():  # as the study's redactor seeds it
        key.pin(label, name)
    redact = KeyRedactor(key)
    shown = public_view(study, redact)
    assert shown.name.startswith("id-")
    paths = export_formats(shown, tmp_path, redact=redact, formats=["xlsx", "csv", "qdpx"],
                           guard=LeakGuard.for_study(key, study.codebook, study.sources.values()),
                           figures=False)
    assert {p.suffix for p in paths} >= {".xlsx", ".csv", ".qdpx"}
    for path in paths:
        text = exported_text(path).casefold()
        for raw in ("fanoe", "vejle_lejre", "bette"):
            assert raw not in text, (path.name, raw)
        assert "vejle" not in path.name


def test_the_review_app_lists_question_ids_as_shown() -> None:
    from hoi_nlp.records import Segment
    from hoi_nlp.review.app.views import Corpus
    from hoi_nlp.review.masking import PrivacyView

    corpus = Corpus.__new__(Corpus)  # only its sources are needed here
    corpus.sources = {}
    seg = Segment(segment_id="R1:7_fanoe_vejle_kommentar:a0-5", source_id="R1:7_fanoe_vejle_kommentar",
                  kind="answer", start=0, end=5, text="Hej!!", question_id="7_fanoe_vejle_kommentar")
    shown = corpus.question(seg, PrivacyView(None, redactor=KeyRedactor(study_key())))  # type: ignore[arg-type]
    assert shown.startswith("id-")
    assert corpus.question(seg) == "7_fanoe_vejle_kommentar"

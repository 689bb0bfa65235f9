"""A multiple-choice answer in one cell («Skole;Beskæftigelse», or «Beskæftigelse, Sundhed, Social» as
Google Forms joins them), copied into every answer's attributes as a closed item: the recogniser read
the glued options as one name (or the last «Social» as a person), and a reviewer without original-text
rights and every pseudonymised export showed «[NAVN]» for a choice of two professional areas (a single
option, «Skole», stayed). Each option is now recognised on its own; a name among them is still hidden."""

from __future__ import annotations

import pytest

from hoi_nlp.privacy.redact import StudyRedactor
from hoi_nlp.settings import Settings
from tests.conftest import make_source


@pytest.fixture(scope="module")
def privacy_nlp():
    from hoi_nlp.privacy.recognise import load_ner_pipeline

    return load_ner_pipeline()


@pytest.mark.parametrize(("chosen", "shown"), [
    ("Skole;Beskæftigelse", "Skole;Beskæftigelse"),
    ("Sundhed;Andet", "Sundhed;Andet"),
    ("Beskæftigelse;Sundhed", "Beskæftigelse;Sundhed"),
    ("Beskæftigelse; Sundhed; Social", "Beskæftigelse; Sundhed; Social"),
    ("Social og sundhed;Kultur og fritid", "Social og sundhed;Kultur og fritid"),
    ("Jobcenter | Ydelse", "Jobcenter | Ydelse"),
    ("Skole;Beskæftigelse;", "Skole;Beskæftigelse;"),
    ("Beskæftigelse, Sundhed, Social", "Beskæftigelse, Sundhed, Social"),
    ("Teknik og miljø, Social", "Teknik og miljø, Social"),
    ("Skole, Lone Madsen", "Skole, [PERSON 1]"),
    ("Aarhus;Skole", "[KOMMUNE];Skole"),
])
def test_each_option_of_a_multiple_choice_answer_is_recognised_on_its_own(workspace, privacy_nlp, chosen,
                                                                          shown):
    source = make_source("Vi samarbejder på tværs.", source_id="R001:4.1c", fagomraader=chosen)
    redactor = StudyRedactor(workspace, Settings(), nlp=privacy_nlp)
    assert redactor.public_sources([source])["R001:4.1c"].attributes["fagomraader"] == shown

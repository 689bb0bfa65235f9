"""Frequencies per respondent, crosstabs with the right test, co-occurrence, reviewed state."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hoi_nlp.export.stats import (
    TOO_FEW,
    cooccurrence,
    crosstab,
    crosstab_attributes,
    frequency_table,
    significance,
)
from hoi_nlp.records import CodeReview


def test_frequencies_count_each_respondent_once(study):
    frame = frequency_table(study, "barrier").set_index("code_id")
    assert frame.loc["barrier.it_integration", "respondents"] == 3
    assert frame.loc["barrier.it_integration", "share_of_respondents_pct"] == 60.0
    area = frequency_table(study, "area").set_index("code_id")
    # R2, R3 and T5 mention the job centre; R2 only once although it has two answers
    assert area.loc["area.beskaeftigelse", "respondents"] == 3
    assert area.loc["area.beskaeftigelse", "segments"] == 3


def test_rejected_suggestions_do_not_count_and_added_codes_do(study):
    r1 = next(s for s in study.segments if s.source_id == "R1:q0")
    r4 = next(s for s in study.segments if s.source_id == "R4:q0")
    reviewed = dataclasses.replace(
        study,
        reviews={
            (r1.segment_id, "barrier.it_integration"): CodeReview(status="rejected", analyst="ana"),
            (r4.segment_id, "barrier.it_integration"): CodeReview(status="accepted", analyst="ana"),
        },
    )
    frame = frequency_table(reviewed, "barrier").set_index("code_id")
    assert frame.loc["barrier.it_integration", "respondents"] == 3  # R1 out, R4 in
    assert frame.loc["barrier.it_integration", "reviewed_segments"] == 1
    added = [c for c in reviewed.codings if not c.machine]
    assert [(c.segment_id, c.review) for c in added] == [(r4.segment_id, "added")]


def test_crosstab_counts_shares_and_fisher_for_small_2x2(study):
    frame, test = crosstab(study, "barrier.it_integration", "size_group")
    rows = {r.group: (r.respondents, r.mentioning, r.share_pct) for r in frame.itertuples()}
    assert rows == {"Større kommune": (3, 2, 66.7), "Mindre kommune": (2, 1, 50.0)}
    assert test.test == "Fishers eksakte test"
    assert test.p_value == pytest.approx(1.0)


def test_crosstab_with_many_sparse_groups_is_not_testable(study):
    _, test = crosstab(study, "barrier.it_integration", "region")
    assert test.p_value is None
    assert test.describe() == TOO_FEW


def test_chi_square_when_expected_counts_are_large():
    result = significance(np.array([[30, 20], [10, 40]]))
    assert result.test == "chi²"
    assert result.p_value == pytest.approx(4.4557e-05, rel=1e-3)  # chi² = 16.67 by hand, df = 1
    assert significance(np.array([[3, 0], [0, 3]])).test == "Fishers eksakte test"
    assert significance(np.array([[5, 0], [0, 0]])).describe() == TOO_FEW


def test_crosstab_attributes_include_target_group_items(study):
    source = next(iter(study.sources.values()))
    with_target = dataclasses.replace(
        study,
        sources={
            **study.sources,
            source.source_id: source.model_copy(
                update={"attributes": {**source.attributes, "maalgruppe_unge": "Ja"}}
            ),
        },
    )
    assert crosstab_attributes(with_target) == ["size_group", "region", "role", "maalgruppe_unge"]


def test_cooccurrence_respondent_and_segment_level(study):
    people = cooccurrence(study, level="respondent")
    segments = cooccurrence(study, level="segment")
    it, area = "barrier.it_integration", "area.beskaeftigelse"
    assert people.loc[it, area] == 2  # R2 (different answers) and R3 (same answer)
    assert segments.loc[it, area] == 1  # only R3's answer carries both
    assert people.loc[it, it] == 3
    assert people.loc[it, "barrier.tvaergaaende_oekonomistyring"] == 1

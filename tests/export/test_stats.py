"""Frequencies per respondent, crosstabs with the right test, co-occurrence, reviewed state."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hoi_nlp.export.stats import (
    TOO_FEW,
    StudyStats,
    benjamini_hochberg,
    cooccurrence,
    crosstab,
    crosstab_attributes,
    frequency_table,
    protect_groups,
    significance,
)
from hoi_nlp.records import CodeReview
from hoi_nlp.settings import ReportSettings

SHOW_ALL = ReportSettings(min_group_size=1)  # the fixture's groups are tiny: show them to test the counting


def test_frequencies_count_each_respondent_once_per_material(study):
    frame = frequency_table(study, "barrier", SHOW_ALL).set_index(["code_id", "material"])
    it = frame.loc[("barrier.it_integration", "survey")]
    assert (it["mentioning"], it["base"], it["share_pct"], it["share"]) == (3, 4, 75.0, "75 pct. (3 af 4)")
    area = frequency_table(study, "area", SHOW_ALL).set_index(["code_id", "material"])
    # R2 and R3 mention the job centre in the survey (R2 once although it has two answers), T5 in its
    # interview
    assert area.loc[("area.beskaeftigelse", "survey"), "mentioning"] == 2
    assert area.loc[("area.beskaeftigelse", "survey"), "segments"] == 2
    assert area.loc[("area.beskaeftigelse", "interview"), "share"] == "100 pct. (1 af 1)"


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
    frame = frequency_table(reviewed, "barrier", SHOW_ALL).set_index(["code_id", "material"])
    assert frame.loc[("barrier.it_integration", "survey"), "mentioning"] == 3  # R1 out, R4 in
    assert frame.loc[("barrier.it_integration", "survey"), "reviewed_segments"] == 1
    added = [c for c in reviewed.codings if not c.machine]
    assert [(c.segment_id, c.review) for c in added] == [(r4.segment_id, "added")]


def test_crosstab_counts_shares_and_fisher_for_small_2x2(study):
    frame, test = crosstab(study, "barrier.it_integration", "size_group", material="survey", options=SHOW_ALL)
    rows = {r.group: (r.respondents, r.mentioning, r.share_pct) for r in frame.itertuples()}
    assert rows == {"Større kommune": (2, 2, 100.0), "Mindre kommune": (2, 1, 50.0)}
    assert test.test == "fisher" and test.describe().startswith("Fishers eksakte test p = ")
    assert test.p_value == pytest.approx(1.0)


def test_crosstab_with_many_sparse_groups_is_not_testable(study):
    _, test = crosstab(study, "barrier.it_integration", "region", material="survey", options=SHOW_ALL)
    assert test.p_value is None
    assert test.describe() == TOO_FEW


def test_chi_square_when_expected_counts_are_large():
    result = significance(np.array([[30, 20], [10, 40]]))
    assert result.test == "chi2" and result.describe() == "chi² p = < 0,001"
    assert result.p_value == pytest.approx(4.4557e-05, rel=1e-3)  # chi² = 16.67 by hand, df = 1
    assert significance(np.array([[3, 0], [0, 3]])).test == "fisher"
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


def test_small_groups_are_merged_into_others_or_suppressed():
    groups = {"A": list("abcdef"), "B": list("gh"), "C": list("ijk"), "D": list("lmnopq")}
    merged = protect_groups(groups, min_size=5, other="Øvrige")
    assert {g: len(m) for g, m in merged.shown.items()} == {"A": 6, "D": 6, "Øvrige": 5}
    assert merged.merged == ("B", "C") and merged.suppressed == ()
    alone = protect_groups({"A": list("abcdef"), "B": list("gh")}, min_size=5, other="Øvrige")
    assert list(alone.shown) == ["A"] and alone.suppressed == ("B",)


def test_groups_below_the_threshold_show_no_number(study):
    stats = StudyStats(study)  # default: groups of fewer than 5 respondents are not shown
    frame = stats.frequencies("barrier")
    assert frame["mentioning"].isna().all() and set(frame["share"]) == {"–"}
    assert stats.crosstabs.empty  # no attribute has two groups of five in four survey answers
    shown = StudyStats(study, SHOW_ALL).frequencies("barrier")
    assert shown["mentioning"].notna().all()


def test_benjamini_hochberg_by_hand():
    # sorted 0.01, 0.01, 0.03, 0.04 (m = 4): p·m/rank = 0.04, 0.02, 0.04, 0.04; running minimum from the
    # largest down: 0.02, 0.02, 0.04, 0.04
    assert benjamini_hochberg([0.01, 0.03, 0.04, 0.01]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([0.5, 0.9]) == pytest.approx([0.9, 0.9])
    assert benjamini_hochberg([]) == []


def test_only_the_barrier_family_is_counted_by_stance(study):
    """A stance on an area coding (an older review log could set one) does not make the area family
    counted by stance, nor count in the report's stance sentence."""
    r1 = next(s for s in study.segments if s.source_id == "R1:q0")
    review = CodeReview(status="accepted", analyst="ana", stance="hindrance")
    reviewed = dataclasses.replace(study, reviews={(r1.segment_id, "area.beskaeftigelse"): review})
    stats = StudyStats(reviewed, SHOW_ALL)
    assert stats.has_stance("barrier") and not stats.has_stance("area")

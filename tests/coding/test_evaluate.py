"""Per-code, per-family, micro/macro scores and kappa."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hoi_nlp.coding.evaluate import evaluate_matrix, format_table, scores, write_reports

CODES = ["barrier.a", "barrier.b", "target.c"]


def test_scores_known_counts():
    gold = np.array([1, 1, 0, 0, 1])
    pred = np.array([1, 0, 1, 0, 1])
    result = scores(gold, pred, with_kappa=True)
    assert (result.precision, result.recall, result.f1) == (pytest.approx(2 / 3, abs=1e-4),) * 3
    assert result.support == 3 and result.predicted == 3
    assert result.kappa == pytest.approx(1 / 6, abs=1e-4)


def test_perfect_agreement_has_kappa_one():
    gold = np.array([0, 0, 1])
    assert scores(gold, gold, with_kappa=True).kappa == 1.0


def test_evaluate_matrix_families_micro_macro():
    gold = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1], [0, 0, 0]])
    pred = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0], [1, 0, 0]])
    report = evaluate_matrix(gold, pred, CODES, coder="x", data="fixture")
    assert report.micro.f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 2), abs=1e-4)
    assert report.per_code["barrier.b"].f1 == 0.0
    assert report.per_family["target"].recall == 0.5
    assert report.macro_f1 == pytest.approx(np.mean([2 / 3, 0.0, 2 / 3]), abs=1e-4)


def test_table_and_files(tmp_path):
    gold = np.array([[1, 0, 1], [0, 1, 0]])
    report = evaluate_matrix(gold, gold, CODES, coder="combined", data="fixture")
    table = format_table([report])
    assert "barrier.a" in table and "micro F1" in table and "family target" in table
    data = json.loads(write_reports([report], tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data[0]["micro"]["f1"] == 1.0
    lines = write_reports([report], tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("coder,level,id") and any(line.startswith("combined,micro") for line in lines)


def test_per_register_scores_pool_only_that_registers_rows():
    gold = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])
    pred = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 1], [0, 1, 0]])
    registers = ["survey", "survey", "report", ""]
    report = evaluate_matrix(gold, pred, CODES, coder="x", data="d", registers=registers)
    assert set(report.per_register) == {"survey", "report"}
    survey = report.per_register["survey"]
    assert (survey.support, survey.predicted, survey.f1) == (2, 1, pytest.approx(2 / 3, abs=1e-4))
    assert report.per_register["report"].f1 == 1.0
    assert "register survey" in format_table([report], per_code=False)


def test_table_states_the_stance_of_the_coder_it_names():
    gold = np.array([[1, 0, 1], [0, 1, 0]])
    reports = [evaluate_matrix(gold, gold, CODES, coder=name, data="fixture")
               for name in ("similarity", "combined")]
    for report, detected in zip(reports, (3, 7), strict=True):
        report.stance = {"pairs": 10, "accuracy": 0.8, "majority": "hindrance", "majority_share": 0.6,
                         "counts": {"hindrance": 6}, "detected_pairs": detected, "detected_accuracy": 0.9}
    line = format_table(reports).splitlines()[-1]
    assert line.startswith("barrier stance (combined)") and "on the 7 it also suggested" in line

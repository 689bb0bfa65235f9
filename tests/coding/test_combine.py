"""Thresholds, the stacker, training/saving/loading the coder bundle and the CLI contract."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from hoi_nlp.cli import app
from hoi_nlp.coding.combine import (
    THRESHOLD_GRID,
    Stacker,
    best_f1_threshold,
    choose_prior_weight,
    cv_threshold_predictions,
    fbeta,
    select_thresholds,
    threshold_scores,
)
from hoi_nlp.coding.model_io import load_bundle, load_trained_coder, read_manifest, update_models_toml
from hoi_nlp.errors import ModelError


def test_best_threshold_separates_classes():
    probs = np.array([0.1, 0.2, 0.35, 0.6, 0.7, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1])
    threshold, f1 = best_f1_threshold(probs, y, np.round(np.arange(0.05, 0.96, 0.05), 2))
    assert 0.35 < threshold <= 0.6 and f1 == 1.0


def test_threshold_scores_count_each_cut_as_predicting_at_or_above_it():
    rng = np.random.default_rng(3)
    probs = rng.random((200, 4))
    probs[:50, 0] = THRESHOLD_GRID[rng.integers(0, len(THRESHOLD_GRID), 50)]  # exactly on a cut
    labels = (rng.random((200, 4)) < 0.3).astype(int)
    weights = rng.choice([1.0, 3.0, 10.0], 200)
    scores = threshold_scores(probs, labels, THRESHOLD_GRID, beta=1.5, weights=weights)
    for j in range(4):
        pred = probs[:, j, None] >= THRESHOLD_GRID[None, :]
        pos = labels[:, j, None] == 1
        tp, fp, fn = ((m * weights[:, None]).sum(axis=0) for m in (pred & pos, pred & ~pos, ~pred & pos))
        np.testing.assert_allclose(scores[j], fbeta(tp, fp, fn, 1.5), atol=1e-12)


def test_cv_thresholds_come_from_the_other_folds():
    probs = np.array([[0.3], [0.35], [0.8], [0.3], [0.35], [0.8]])
    labels = np.array([[1], [0], [1], [0], [1], [1]])
    folds = np.array([0, 0, 0, 1, 1, 1])
    pred = cv_threshold_predictions(probs, labels, folds, prior_weight=0.0)
    # fold 0's cut comes from fold 1 (0.3 is a negative there, 0.35 a positive) and vice versa
    assert pred[:, 0].tolist() == [False, True, True, True, True, True]


def test_prior_weight_is_the_smallest_within_tolerance_of_the_best():
    rng = np.random.default_rng(1)
    labels = (rng.uniform(size=(300, 3)) < 0.3).astype(int)
    probs = np.clip(labels * 0.3 + rng.uniform(0.0, 0.7, labels.shape), 0, 1)
    folds = np.arange(300) % 3
    chosen, cv = choose_prior_weight(probs, labels, folds, candidates=(1.0, 10.0, 100.0), tolerance=0.0)
    assert set(cv) == {1.0, 10.0, 100.0} and cv[chosen] == max(cv.values())
    assert chosen == min(w for w, f in cv.items() if f == max(cv.values()))
    loose, _ = choose_prior_weight(probs, labels, folds, candidates=(1.0, 10.0, 100.0), tolerance=1.0)
    assert loose == 1.0


def test_thresholds_shrink_towards_global_for_rare_codes():
    rng = np.random.default_rng(0)
    labels = np.zeros((400, 2), dtype=int)
    labels[:200, 0] = 1
    labels[:2, 1] = 1
    probs = np.where(labels == 1, rng.uniform(0.5, 1.0, labels.shape), rng.uniform(0.0, 0.5, labels.shape))
    probs[:2, 1] = 0.95
    probs[2:, 1] = rng.uniform(0.0, 0.9, 398)
    thresholds, t_global = select_thresholds(probs, labels, prior_weight=10)
    assert abs(thresholds[0] - t_global) < 0.05
    raw, _ = best_f1_threshold(probs[:, 1], labels[:, 1], np.round(np.arange(0.05, 0.951, 0.025), 3))
    assert abs(thresholds[1] - t_global) < abs(raw - t_global)


def test_stacker_prefers_agreeing_evidence():
    rng = np.random.default_rng(1)
    labels = (rng.uniform(size=(300, 3)) < 0.2).astype(int)
    sim = np.clip(0.3 + 0.4 * labels + rng.normal(0, 0.15, labels.shape), 0.01, 0.99)
    clf = np.clip(0.2 + 0.6 * labels + rng.normal(0, 0.1, labels.shape), 0.01, 0.99)
    rules = (labels * (rng.uniform(size=labels.shape) < 0.5)) * 0.7
    stacker = Stacker(["a", "a", "b"]).fit(sim, clf, rules, labels)
    probs = stacker.predict_proba(sim, clf, rules)
    assert probs[labels == 1].mean() > 0.6 > 0.2 > probs[labels == 0].mean()
    assert stacker.weights()["classifier_logit"] > 0


def test_training_writes_manifest_and_reloads(trained_tfidf, coding_codebook, coding_data):
    out, report = trained_tfidf
    manifest = read_manifest(out)
    assert manifest["codebook_version"] == coding_codebook.version_tag
    assert manifest["training_data"][0]["rows"] == 48 and len(manifest["training_data"][0]["sha256"]) == 64
    assert manifest["n_texts"] == report.n_rows == 48 + 6
    assert set(manifest["cv"]) == {"rules", "similarity", "classifier", "combined"}
    assert set(manifest["thresholds"]["combined"]) == set(coding_codebook.code_ids)
    assert manifest["embedder"]["backend"] == "tfidf"
    bundle = load_bundle(out)
    assert bundle.model_version == manifest["model_version"]
    assert report.cv["combined"].micro.f1 > 0.5


def test_training_is_reproducible(trained_tfidf, coding_codebook, coding_data, tmp_path):
    from hoi_nlp.coding.training.train import train_coder
    from hoi_nlp.nlp.embed import TfidfEmbedder

    first, _ = trained_tfidf
    again = train_coder(
        coding_codebook,
        train_paths=[coding_data["train"]],
        embedder=TfidfEmbedder(dim=64),
        out_dir=tmp_path / "again",
        cache=None,
        folds=3,
    )
    assert read_manifest(first)["thresholds"] == again.manifest["thresholds"]
    assert read_manifest(first)["cv"] == again.manifest["cv"]


def test_combined_coder_assigns_with_provenance(trained_tfidf, coding_codebook):
    from hoi_nlp.coding.base import text_segments

    out, _ = trained_tfidf
    coder = load_trained_coder(coding_codebook, model_dir=out, method="combined")
    segments = text_segments([("a", "Vi mangler ressourcer og tid til det."), ("b", "Tak for ordet.")])
    assignments = coder.code(segments)
    found = {(a.segment_id, a.code_id): a for a in assignments}
    hit = found[("a", "barrier.ressourcer")]
    assert set(hit.components) == {"rule", "similarity", "classifier"} and hit.method == "combined"
    assert hit.evidence and hit.evidence[0].text == "ressourcer"
    assert hit.confidence >= coder.thresholds()[coding_codebook.code_ids.index("barrier.ressourcer")]
    assert hit.confidence > max((a.confidence for a in assignments if a.segment_id == "b"), default=0.0)


def test_loading_with_changed_codebook_ids_raises(trained_tfidf, small_codebook):
    out, _ = trained_tfidf
    with pytest.raises(ModelError, match="hoi train") as caught:
        load_trained_coder(small_codebook, model_dir=out)
    # a codebook of one's own: the patterns right away, or a coder of its own beside the bundled one
    # (the hint said "it writes models/coder/", i.e. overwrite the bundled coder)
    assert "--coder rules" in str(caught.value) and "--out" in str(caught.value)
    assert "it writes models/coder/" not in str(caught.value)


def test_tampered_artefact_is_refused(trained_tfidf, tmp_path):
    import shutil

    out, _ = trained_tfidf
    copy = shutil.copytree(out, tmp_path / "copy")
    with (copy / "coder.npz").open("ab") as stream:
        stream.write(b"x")
    with pytest.raises(ModelError, match="sha256"):
        load_bundle(copy)


def test_models_toml_keeps_other_tables(trained_tfidf, tmp_path):
    out, report = trained_tfidf
    toml_path = tmp_path / "models.toml"
    toml_path.write_text('[ner]\nname = "ner_da"\n\n[coder]\nname = "old"\n', encoding="utf-8")
    update_models_toml(out, report.manifest, toml_path)
    import tomllib

    data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    assert data["ner"]["name"] == "ner_da"
    assert data["coder"]["sha256"] == report.manifest["sha256"]


def _write_input(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("coder", ["combined", "classifier", "similarity", "rules"])
def test_cli_code_contract(trained_tfidf, coding_data, tmp_path, cache_dir, coder):
    out, _ = trained_tfidf
    source = _write_input(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": 7, "text": "Jobcentret mangler ressourcer."}, ensure_ascii=False),
            json.dumps({"id": "b", "text": ""}),
        ],
    )
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app,
        [
            "code",
            "--input",
            str(source),
            "--output",
            str(target),
            "--coder",
            coder,
            "--codebook",
            str(coding_data["train"].parent / "codebook.yaml"),
            "--model-dir",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [7, "b"] and lines[1]["codes"] == []
    for code in lines[0]["codes"]:
        extra = {"stance"} if code["code"].startswith("barrier.") else set()
        assert set(code) == {"code", "confidence", "method"} | extra and 0 <= code["confidence"] <= 1
        assert code.get("stance", "hindrance") in ("hindrance", "precondition", "overcome", "rating")
        assert code["method"] == ("rule" if coder == "rules" else coder)
    assert "barrier.ressourcer" in {c["code"] for c in lines[0]["codes"]}


def test_cli_code_bad_line_names_the_line(tmp_path, coding_data, trained_tfidf):
    out, _ = trained_tfidf
    source = _write_input(tmp_path / "in.jsonl", ['{"id": 1, "text": "fint"}', '{"id": 2, "tekst": "x"}'])
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app,
        [
            "code",
            "-i",
            str(source),
            "-o",
            str(target),
            "--model-dir",
            str(out),
            "--codebook",
            str(coding_data["train"].parent / "codebook.yaml"),
        ],
    )
    assert result.exit_code != 0
    assert "HOI-E040" in result.output and "line 2" in result.output and "text" in result.output
    assert not target.exists()


def test_cli_evaluate_all_coders(trained_tfidf, coding_data, tmp_path, cache_dir):
    out, _ = trained_tfidf
    scores_path = tmp_path / "scores.json"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--data",
            str(coding_data["dev"]),
            "--model-dir",
            str(out),
            "--codebook",
            str(coding_data["train"].parent / "codebook.yaml"),
            "--output",
            str(scores_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "micro F1" in result.output and "barrier.it_integration" in result.output
    reports = json.loads(scores_path.read_text(encoding="utf-8"))
    assert [r["coder"] for r in reports] == ["rules", "similarity", "classifier", "combined"]
    assert reports[-1]["n_texts"] == 6

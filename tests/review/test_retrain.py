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
    assert summary["cv"]["combined"]["texts"] > 2  # labelled with what each number was measured on
    assert "CV" in summary["cv"]["combined"]["data"]
    assert summary["rescore"]["segments_coded"] == summary["rescore"]["segments_total"] > 0
    coders = {a.coder for a in load_assignments(study_ws)}
    assert any(c != "hoi.rules.v1" for c in coders)


def test_retrain_learns_a_code_added_to_the_study(study_ws, small_cb, tmp_path, monkeypatch):
    """A code the base coder lacks (created in the app or promoted from a theme) is learnt, even before
    any review (from the example it was created with): not HOI-E060 from the base coder — and the quick
    way, on the base coder's cached training (a full training took 9 minutes and more on the demo)."""
    from hoi_nlp.coding.model_io import read_manifest
    from hoi_nlp.coding.training import train as train_module
    from hoi_nlp.coding.training.train import train_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder
    from hoi_nlp.review.codebook_edit import create_code

    small = DATA / "review" / "train_small.jsonl"
    base = tmp_path / "base"
    train_coder(small_cb, train_paths=[small], embedder=TfidfEmbedder(dim=16), out_dir=base,
                cache=EmbeddingCache(tmp_path / "cache"))
    codebook, _ = create_code(study_ws, small_cb, analyst="anna", family_id="barrier", label="Mangel på tid",
                              example="Vi mangler tid til at koordinere på tværs.")
    monkeypatch.setattr(train_module, "default_train_paths", lambda: [small])
    monkeypatch.setattr(train_module, "train_coder", None)  # never a full training
    summary = retrain_from_reviews(
        study_ws,
        codebook=codebook,
        settings=Settings(),
        cache=EmbeddingCache(tmp_path / "cache"),
        base_dir=base,
    )
    assert summary["reviewed_rows"] == 0
    manifest = read_manifest(summary["model_dir"])
    assert "barrier.mangel_paa_tid" in manifest["code_ids"]
    assert manifest["base_model"]["path"] == str(base)
    assert manifest["codes_from_base_model"]["refitted"] == ["barrier.mangel_paa_tid"]
    assert manifest["codes_from_base_model"]["carried"] == len(small_cb.code_ids)
    assert summary["rescore"]["segments_coded"] == summary["rescore"]["segments_total"] > 0


def test_renamed_and_merged_codes_keep_the_base_coders_evidence(study_ws, small_cb, tmp_path, monkeypatch):
    """A code renamed in the app keeps what the base coder learnt of it (its rows' labels under the new
    id); two codes merged are one code whose rows are those of both — without a full training."""
    from hoi_nlp.coding.model_io import load_bundle
    from hoi_nlp.coding.training import train as train_module
    from hoi_nlp.coding.training.train import load_cached_training, train_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder
    from hoi_nlp.review.codebook_edit import merge_codes, rename_code

    base = tmp_path / "base"
    train_coder(small_cb, train_paths=[DATA / "review" / "train_small.jsonl"], embedder=TfidfEmbedder(dim=16),
                out_dir=base, cache=EmbeddingCache(tmp_path / "cache"))
    codebook, _ = rename_code(study_ws, small_cb, analyst="anna", code_id="area.beskaeftigelse", label="Job",
                              name="job")
    codebook, _ = merge_codes(study_ws, codebook, analyst="anna", code_id=OEK, into=IT)
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    monkeypatch.setattr(train_module, "train_coder", None)  # never a full training
    summary = retrain_from_reviews(study_ws, codebook=codebook, settings=Settings(),
                                   cache=EmbeddingCache(tmp_path / "cache"), base_dir=base, rescore=False)
    before = load_cached_training(base, load_bundle(base)).data
    after = load_cached_training(summary["model_dir"], load_bundle(summary["model_dir"])).data
    n = len(before)
    old = {c: before.labels[:, j] for j, c in enumerate(small_cb.code_ids)}
    new = {c: after.labels[:n, j] for j, c in enumerate(codebook.code_ids)}
    assert sorted(new) == ["area.job", IT]
    assert old["area.beskaeftigelse"].any()
    assert new["area.job"].tolist() == old["area.beskaeftigelse"].tolist()
    assert new[IT].tolist() == (old[IT] | old[OEK]).tolist()
    assert after.rows[0].text == before.rows[0].text  # the same rows, in the same order


def test_a_code_created_without_an_example_before_any_review_needs_no_full_training(study_ws, small_cb,
                                                                                      tmp_path, monkeypatch):
    """A code created by its name alone, nothing reviewed yet: the study cannot be coded until the coder
    has the code (`hoi run` says to retrain); the retraining is the quick one, and the code is suggested
    nowhere until analysts use it."""
    from hoi_nlp.coding.model_io import read_manifest
    from hoi_nlp.coding.training import train as train_module
    from hoi_nlp.coding.training.train import train_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder
    from hoi_nlp.review.codebook_edit import create_code

    base = tmp_path / "base"
    train_coder(small_cb, train_paths=[DATA / "review" / "train_small.jsonl"], embedder=TfidfEmbedder(dim=16),
                out_dir=base, cache=EmbeddingCache(tmp_path / "cache"))
    codebook, _ = create_code(study_ws, small_cb, analyst="anna", family_id="barrier", label="Mangel på tid")
    monkeypatch.setattr(train_module, "train_coder", None)
    summary = retrain_from_reviews(study_ws, codebook=codebook, settings=Settings(),
                                   cache=EmbeddingCache(tmp_path / "cache"), base_dir=base)
    refitted = read_manifest(summary["model_dir"])["codes_from_base_model"]["refitted"]
    assert refitted == ["barrier.mangel_paa_tid"]
    assert summary["rescore"]["segments_coded"] == summary["rescore"]["segments_total"] > 0
    assert not any(a.code_id == "barrier.mangel_paa_tid" for a in load_assignments(study_ws))


def _tiny_base(small_cb, tmp_path):
    from hoi_nlp.coding.training.train import train_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder

    base = tmp_path / "base"
    train_coder(small_cb, train_paths=[DATA / "review" / "train_small.jsonl"], embedder=TfidfEmbedder(dim=16),
                out_dir=base, cache=EmbeddingCache(tmp_path / "cache"))
    return base


def test_a_merge_before_any_review_adds_no_copy_of_the_bundled_rows(study_ws, small_cb, tmp_path):
    """The merged codes' examples are bundled texts already: they went in again as «study passages», each
    its own out-of-fold neighbour (the study weight chosen on 2 copies, the study's score 1.0)."""
    from hoi_nlp.coding.model_io import load_bundle, read_manifest
    from hoi_nlp.coding.training.train import load_cached_training
    from hoi_nlp.nlp.embed import EmbeddingCache
    from hoi_nlp.review.codebook_edit import merge_codes

    base = _tiny_base(small_cb, tmp_path)
    codebook, _ = merge_codes(study_ws, small_cb, analyst="anna", code_id=OEK, into=IT)
    summary = retrain_from_reviews(study_ws, codebook=codebook, settings=Settings(),
                                   cache=EmbeddingCache(tmp_path / "cache"), base_dir=base, rescore=False)
    trained = load_cached_training(summary["model_dir"], load_bundle(summary["model_dir"]))
    texts = [" ".join(t.split()) for t in trained.data.features.texts]
    assert len(texts) == len(set(texts)) == len(load_cached_training(base, load_bundle(base)).data)
    assert "study_weight" not in read_manifest(summary["model_dir"])


def test_a_code_moved_and_back_is_retrained_the_quick_way(study_ws, small_cb, tmp_path, monkeypatch):
    """Moving a code to another family and back leaves the same codes in another order: `hoi retrain`
    crashed («code ids differ (new: [], gone: [])») and `hoi run` said nothing before the coder failed."""
    from hoi_nlp.coding.model_io import read_manifest
    from hoi_nlp.coding.training import train as train_module
    from hoi_nlp.nlp.embed import EmbeddingCache
    from hoi_nlp.review.codebook_edit import move_code
    from hoi_nlp.stages.study import study_code_order_differs

    base = _tiny_base(small_cb, tmp_path)
    codebook, _ = move_code(study_ws, small_cb, analyst="anna", code_id=IT, family_id="area")
    codebook, _ = move_code(study_ws, codebook, analyst="anna", code_id="area.it_integration",
                            family_id="barrier")
    assert set(codebook.code_ids) == set(small_cb.code_ids) and codebook.code_ids != small_cb.code_ids
    assert study_code_order_differs(study_ws, codebook, base)
    monkeypatch.setattr(train_module, "train_coder", None)
    summary = retrain_from_reviews(study_ws, codebook=codebook, settings=Settings(),
                                   cache=EmbeddingCache(tmp_path / "cache"), base_dir=base)
    manifest = read_manifest(summary["model_dir"])
    assert manifest["code_ids"] == list(codebook.code_ids)
    assert manifest["codes_from_base_model"]["refitted"] == []
    assert summary["rescore"]["segments_coded"] == summary["rescore"]["segments_total"] > 0


def test_a_study_passage_repeating_a_bundled_text_labels_that_row(study_ws, small_cb, tmp_path):
    """A new code created from a quote that is also a bundled training text: the study's copy was dropped
    as a duplicate, leaving the bundled copy a negative of the code — its only positive gone."""
    from hoi_nlp.coding.model_io import load_bundle
    from hoi_nlp.coding.training.data import load_labelled
    from hoi_nlp.coding.training.train import load_cached_training
    from hoi_nlp.nlp.embed import EmbeddingCache
    from hoi_nlp.review.codebook_edit import create_code

    base = _tiny_base(small_cb, tmp_path)
    quote = load_labelled(DATA / "review" / "train_small.jsonl", codebook=small_cb, unknown="drop")[0].text
    codebook, _ = create_code(study_ws, small_cb, analyst="anna", family_id="barrier", label="Mangel på tid",
                              example=quote)
    summary = retrain_from_reviews(study_ws, codebook=codebook, settings=Settings(),
                                   cache=EmbeddingCache(tmp_path / "cache"), base_dir=base, rescore=False)
    data = load_cached_training(summary["model_dir"], load_bundle(summary["model_dir"])).data
    rows = [r for r in data.rows if " ".join(r.text.split()) == " ".join(quote.split())]
    assert len(rows) == 1 and "barrier.mangel_paa_tid" in rows[0].codes


def test_a_code_renamed_in_the_app_during_a_retraining_keeps_its_new_id(study_ws, small_cb, tmp_path,
                                                                           monkeypatch):
    """An analyst renamed a code's id in the app while `hoi retrain` trained (minutes): the re-score
    then coded the study with the codebook the training had started from, writing the machine's
    suggestions under the old id again (an id the study no longer has) over those the rename had moved."""
    from hoi_nlp.coding.training import train as train_module
    from hoi_nlp.coding.training.train import train_coder
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder
    from hoi_nlp.review.codebook_edit import create_code, current_codebook, rename_code

    small = DATA / "review" / "train_small.jsonl"
    base = tmp_path / "base"
    train_coder(small_cb, train_paths=[small], embedder=TfidfEmbedder(dim=16), out_dir=base,
                cache=EmbeddingCache(tmp_path / "cache"))
    started, _ = create_code(study_ws, small_cb, analyst="anna", family_id="barrier", label="Mangel på tid",
                             example="Vi mangler tid til at koordinere på tværs.")
    monkeypatch.setattr(train_module, "default_train_paths", lambda: [small])
    real = train_module.train_from_rows

    def renamed_meanwhile(*args, **options):
        report = real(*args, **options)
        rename_code(study_ws, current_codebook(study_ws, small_cb), analyst="bo",
                    code_id="barrier.mangel_paa_tid", label="Tidsmangel", name="tidsmangel")
        return report

    monkeypatch.setattr(train_module, "train_from_rows", renamed_meanwhile)
    summary = retrain_from_reviews(study_ws, codebook=started, settings=Settings(),
                                   cache=EmbeddingCache(tmp_path / "cache"), base_dir=base)
    stored = load_assignments(study_ws)
    assert stored and not any(a.code_id == "barrier.mangel_paa_tid" for a in stored)
    assert not any(a.codebook_version == started.version_tag for a in stored)
    now = current_codebook(study_ws, small_cb)
    assert summary["rescore_skipped"] == now.version_tag and "rescore" not in summary


def test_a_promoted_theme_shows_in_the_codebook_history(study_ws, small_cb):
    from hoi_nlp.review.codebook_edit import add_code
    from tests.review.conftest import make_client

    code = {"id": "emergent.tolk", "label": "Tolkning", "examples": ["Vi mangler tolke."]}
    family = {"id": "emergent", "label": "Nye temaer"}
    codebook, _ = add_code(study_ws, small_cb, code, analyst="anna", new_family=family,
                           detail={"from_topic": 3})
    assert codebook.family("emergent").codes[0].examples == ["Vi mangler tolke."]
    page = make_client(study_ws, codebook, login=False).get("/codebook/history").text
    assert "Created emergent.tolk «Tolkning» (from theme 3, `hoi themes promote`)" in page


def _retrain(study_ws, small_cb, tmp_path, **options):
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder

    return retrain_from_reviews(study_ws, codebook=small_cb, settings=Settings(),
                                train_paths=[DATA / "review" / "train_small.jsonl"],
                                embedder=TfidfEmbedder(dim=16), cache=EmbeddingCache(tmp_path / "cache"),
                                method="combined", **options)


def _reject_all(workspace, segment_id):
    from hoi_nlp.review.decisions import current_state

    for (seg, code), state in current_state(workspace).codes.items():
        if seg == segment_id and state.status == "suggested":
            record_decision(workspace, segment_id=seg, action="reject", code_id=code, analyst="anna")


def _model_versions(workspace):
    """The model versions of the trained coder's suggestions nobody decided (re-scoring replaces those)."""
    from hoi_nlp.review.decisions import decided_pairs

    assignments = [a for a in load_assignments(workspace) if a.coder != "hoi.rules.v1"]
    decided = decided_pairs(workspace, sorted({a.segment_id for a in assignments}))
    return {a.model_version for a in assignments if (a.segment_id, a.code_id) not in decided}


def test_a_second_retraining_keeps_the_coder_it_replaces_and_the_study_can_go_back(study_ws, small_cb,
                                                                                    tmp_path):
    """The coder a retraining replaces is kept (models/coder.previous); going back to it re-codes the
    study with it, although its batches were coded by it once before (the ledger said "done")."""
    from hoi_nlp.coding.model_io import read_manifest
    from hoi_nlp.nlp.embed import EmbeddingCache
    from hoi_nlp.stages.retrain import rescore_study, restore_previous_coder

    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    first = _retrain(study_ws, small_cb, tmp_path)
    assert first["previous_model_dir"] is None  # before it, the study coded with the configured coder
    first_version = read_manifest(first["model_dir"])["model_version"]
    _reject_all(study_ws, LEMVIG)
    second = _retrain(study_ws, small_cb, tmp_path)
    second_version = read_manifest(second["model_dir"])["model_version"]
    assert second_version != first_version and _model_versions(study_ws) == {second_version}
    assert read_manifest(second["previous_model_dir"])["model_version"] == first_version

    restore_previous_coder(study_ws)
    assert read_manifest(study_ws.coder_model_dir)["model_version"] == first_version
    result = rescore_study(study_ws, codebook=small_cb, settings=Settings(),
                           model_dir=study_ws.coder_model_dir, cache=EmbeddingCache(tmp_path / "cache"))
    assert result["segments_coded"] == result["segments_total"] > 0
    assert _model_versions(study_ws) == {first_version}
    restore_previous_coder(study_ws)  # and forward again
    assert read_manifest(study_ws.coder_model_dir)["model_version"] == second_version


def test_a_retraining_killed_while_saving_leaves_the_study_a_working_coder(study_ws, small_cb, tmp_path,
                                                                            monkeypatch):
    """A retraining that dies after writing part of the new coder (as with kill -9) leaves the study's
    coder as it was: loadable, the same version; nothing half-written is used."""
    from hoi_nlp.coding import model_io
    from hoi_nlp.coding.model_io import load_bundle, read_manifest

    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    first = _retrain(study_ws, small_cb, tmp_path, rescore=False)
    version = read_manifest(first["model_dir"])["model_version"]
    record_decision(study_ws, segment_id=LEMVIG, action="reject", code_id=IT, analyst="anna")
    written = []
    real = model_io._atomic_write

    def dies_after_the_arrays(path, write, **options):
        if written:
            raise KeyboardInterrupt  # the process ends here, the new coder.npz already written
        written.append(path)
        real(path, write, **options)

    monkeypatch.setattr(model_io, "_atomic_write", dies_after_the_arrays)
    with pytest.raises(KeyboardInterrupt):
        _retrain(study_ws, small_cb, tmp_path, rescore=False)
    monkeypatch.undo()
    assert load_bundle(study_ws.coder_model_dir).model_version == version


def test_retraining_leaves_decided_suggestions_as_they_were_decided(study_ws, small_cb, tmp_path):
    """Re-scoring after a retraining re-codes what nobody decided; a suggestion an analyst accepted or
    rejected keeps the coder, model version and confidence it was decided on, and a code an analyst
    added stays the analyst's ("added"), not a suggestion of a coder trained on that very decision."""
    from hoi_nlp.review.decisions import current_state

    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    _retrain(study_ws, small_cb, tmp_path)
    combined = {(a.segment_id, a.code_id): a for a in load_assignments(study_ws) if a.coder != "hoi.rules.v1"}
    by_segment: dict[str, list[str]] = {}
    for seg, code in sorted(combined):
        by_segment.setdefault(seg, []).append(code)
    (seg_a, codes_a), (seg_b, codes_b) = list(by_segment.items())[:2]
    record_decision(study_ws, segment_id=seg_a, action="accept", code_id=codes_a[0], analyst="anna")
    record_decision(study_ws, segment_id=seg_b, action="reject", code_id=codes_b[0], analyst="bo")
    missing = next(c for c in small_cb.code_ids if (seg_b, c) not in combined)
    record_decision(study_ws, segment_id=seg_b, action="add", code_id=missing, analyst="bo")
    before = {key: s.status for key, s in current_state(study_ws).codes.items() if s.decided_by}
    _retrain(study_ws, small_cb, tmp_path)

    after = {(a.segment_id, a.code_id): a for a in load_assignments(study_ws) if a.coder != "hoi.rules.v1"}
    for key in ((seg_a, codes_a[0]), (seg_b, codes_b[0])):
        assert after[key] == combined[key]  # the suggestion the decision was made on
    assert (seg_b, missing) not in after
    assert {key: s.status for key, s in current_state(study_ws).codes.items() if s.decided_by} == before
    undecided = [key for key in after if key not in before]
    assert undecided and all(after[k].model_version != combined[(seg_a, codes_a[0])].model_version
                             for k in undecided)


def test_a_unit_with_undecided_suggestions_is_not_learnt_as_their_absence(study_ws, small_cb):
    """A unit where the analyst accepted one suggestion but has not yet decided another is left out of
    training (as a row it said the undecided code is absent, and re-scoring then dropped that
    suggestion from the queue before anyone judged it); once every suggestion is decided it counts."""
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.review.labels import partly_reviewed

    suggested: dict[str, list[str]] = {}
    for (seg, code), state in current_state(study_ws).codes.items():
        if state.suggested:
            suggested.setdefault(seg, []).append(code)
    seg, codes = next((s, sorted(c)) for s, c in sorted(suggested.items()) if len(c) >= 2)
    record_decision(study_ws, segment_id=seg, action="accept", code_id=codes[0], analyst="anna")
    assert f"review:{seg}" not in {r.id for r in labelled_rows(study_ws, codebook=small_cb)}
    assert partly_reviewed(study_ws) == 1
    for code in codes[1:]:
        record_decision(study_ws, segment_id=seg, action="reject", code_id=code, analyst="anna")
    rows = {r.id: r for r in labelled_rows(study_ws, codebook=small_cb)}
    assert rows[f"review:{seg}"].codes == (codes[0],) and partly_reviewed(study_ws) == 0


def test_hoi_code_names_the_bundled_or_the_studys_retrained_coder(study_ws, small_cb, tmp_path):
    """`hoi run` and `hoi code STUDY` say which coder codes the study: the bundled one, or the study's own
    from `hoi retrain` (with its model version, which every suggestion it makes records), and after
    `--restore-previous` the bundled one again."""
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.coding.model_io import read_manifest
    from hoi_nlp.settings import resolve_repo_path
    from hoi_nlp.stages.retrain import restore_previous_coder
    from hoi_nlp.stages.study import RunInputs, describe_study_coder

    inputs = RunInputs(study_ws, small_cb, Settings())
    bundled = describe_study_coder(inputs)
    assert bundled == {"coder": "hoi.combined.v1", "origin": "bundled",
                       "model_dir": str(resolve_repo_path("models/coder").resolve()),
                       "model_version": read_manifest(resolve_repo_path("models/coder"))["model_version"]}
    assert describe_study_coder(inputs, "rules")["origin"] == "patterns"

    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    first = _retrain(study_ws, small_cb, tmp_path)
    version = read_manifest(first["model_dir"])["model_version"]
    assert describe_study_coder(inputs) == {"coder": "hoi.combined.v1", "model_version": version,
                                            "model_dir": str(study_ws.coder_model_dir.resolve()),
                                            "origin": "study"}
    assert _model_versions(study_ws) == {version}  # the record: each suggestion names the model

    result = CliRunner().invoke(app, ["code", str(study_ws.root), "--codebook",
                                      str(DATA / "codebooks" / "small.yaml")])
    assert result.exit_code == 0, result.output
    assert f"hoi.combined.v1 {version}: the study's retrained coder (`hoi retrain`)" in result.output
    from hoi_nlp.export.dataset import load_coded_study
    from hoi_nlp.export.report.build import method_rows

    rows = dict(method_rows(load_coded_study(study_ws, small_cb), reviews={}, agreement=(), thresholds=""))
    retrained = f"hoi.combined.v1 ({version}, genoplært på studiets gennemgåede citater)"
    assert retrained in rows["Kodere og modeller"]  # the report's method notes name it

    restore_previous_coder(study_ws)  # the first retraining replaced the configured coder
    assert describe_study_coder(inputs) == bundled


def test_a_running_review_app_follows_a_coder_retrained_from_the_command_line(study_ws, small_cb, tmp_path):
    """`hoi retrain` run while `hoi review` is open: the app orders its queue with the study's new coder
    (it kept the coder it started with until restarted), keeping the old order until the new one is
    ready; `--restore-previous` takes it back the same way. The analysts' decisions stay as they were."""
    import time

    from fastapi.testclient import TestClient

    from hoi_nlp.review.app import create_app
    from hoi_nlp.review.decisions import load_decisions
    from hoi_nlp.stages.retrain import restore_previous_coder
    from hoi_nlp.stages.review import review_app_config
    from hoi_nlp.stages.study import RunInputs

    config = review_app_config(RunInputs(study_ws, small_cb, Settings()), login=False)
    client = TestClient(create_app(config), base_url="http://127.0.0.1", follow_redirects=False)
    bundled = config.model_dir
    assert bundled != study_ws.coder_model_dir

    def queue_order(expect_ordered: bool) -> str:
        deadline = time.monotonic() + 120
        while True:
            page = client.get("/queue")
            assert page.status_code == 200
            if (config.order is not None) == expect_ordered or time.monotonic() > deadline:
                return page.text
            time.sleep(0.5)

    assert "laveste sikkerhed først" in queue_order(False)  # the bundled coder does not fit small.yaml
    record_decision(study_ws, segment_id=R001, action="accept", code_id=IT, analyst="anna")
    record_decision(study_ws, segment_id=R001, action="reject", code_id=OEK, analyst="anna")
    decided = load_decisions(study_ws)
    _retrain(study_ws, small_cb, tmp_path)  # as `hoi retrain` does, in another process
    queue_order(True)
    assert config.model_dir == study_ws.coder_model_dir
    assert "aktiv læring" in queue_order(True)
    assert set(config.order) == {u.segment_id for u in config.corpus.units}

    restore_previous_coder(study_ws)  # `hoi retrain --restore-previous`: the configured coder again
    assert "laveste sikkerhed først" in queue_order(False)
    assert config.model_dir == bundled
    assert load_decisions(study_ws) == decided

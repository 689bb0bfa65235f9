"""The bundled coder is plain arrays: it loads without pickles and codes without scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys

from hoi_nlp.coding.model_io import ARTEFACT, DEFAULT_MODEL_DIR, MANIFEST, TRAINING, read_manifest

CODE_ONE_TEXT = """
import sys, json
from hoi_nlp.codebook import load_codebook
from hoi_nlp.coding.base import CodingContext, text_segments
from hoi_nlp.coding.model_io import load_trained_coder
from hoi_nlp.nlp.embed import EmbeddingCache
coder = load_trained_coder(load_codebook(), cache=EmbeddingCache(sys.argv[1]))
text = "Hun taster det hele ind to gange, fordi systemerne ikke taler sammen."
found = coder.code(text_segments([("a", text)]), contexts=[CodingContext(question="Hvad med IT?")])
print(json.dumps({"sklearn": "sklearn" in sys.modules, "joblib": "joblib" in sys.modules,
                  "codes": [[a.code_id, a.tier, a.stance] for a in found]}))
"""


def test_bundled_model_files_are_arrays_checked_by_the_manifest():
    import numpy as np

    manifest = read_manifest(DEFAULT_MODEL_DIR)
    assert manifest["format"] == "hoi.coder.v2" and set(manifest["files"]) == {ARTEFACT, TRAINING}
    for name in (ARTEFACT, TRAINING):
        with np.load(DEFAULT_MODEL_DIR / name, allow_pickle=False) as data:  # no pickled objects inside
            assert data.files
    total = sum((DEFAULT_MODEL_DIR / n).stat().st_size for n in (ARTEFACT, TRAINING, MANIFEST))
    assert total < 12 * 1024 * 1024


def test_coding_with_the_bundled_model_imports_no_scikit_learn(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", CODE_ONE_TEXT, str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert not result["sklearn"] and not result["joblib"]
    suggested = {code for code, tier, _ in result["codes"] if tier == "suggested"}
    assert "barrier.it_integration" in suggested
    assert all(stance for code, _, stance in result["codes"] if code.startswith("barrier."))


def test_a_codebook_changed_only_in_wording_names_the_retraining_a_study_needs(tmp_path, caplog):
    """After a label was changed in the review app every `hoi run` of the study warned «consider `hoi
    train`», a command that trains the bundled coder, not the study's."""
    import logging

    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.model_io import check_codebook, load_bundle

    bundled = DEFAULT_MODEL_DIR.parents[1] / "configs" / "codebooks" / "hoi.yaml"
    reworded = tmp_path / "hoi.yaml"
    label = "label: Utilstrækkelig politisk efterspørgsel"
    reworded.write_text(bundled.read_text(encoding="utf-8").replace(label, label + " (omformuleret)", 1),
                        encoding="utf-8")
    codebook = load_codebook(reworded)
    bundle = load_bundle(DEFAULT_MODEL_DIR)
    assert list(codebook.code_ids) == list(bundle.code_ids)
    assert codebook.version_tag != bundle.codebook_version
    with caplog.at_level(logging.WARNING, logger="hoi_nlp.coding.model_io"):
        check_codebook(bundle, codebook)
    assert "`hoi retrain STUDY`" in caplog.text

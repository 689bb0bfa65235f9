"""The shipped NER model matches its manifest entry and card."""

from __future__ import annotations

import tomllib

from hoi_nlp.privacy.ner_train import model_digest
from hoi_nlp.settings import REPO_ROOT


def test_manifest_digest_matches_shipped_model() -> None:
    manifest = tomllib.loads((REPO_ROOT / "models" / "models.toml").read_text(encoding="utf-8"))
    entry = manifest["ner_da"]
    assert entry["license"] == "CC BY-SA 4.0" and entry["codebook_independent"] is True
    assert model_digest(REPO_ROOT / entry["path"]) == entry["sha256"]
    assert (REPO_ROOT / entry["card"]).is_file()
    assert not (REPO_ROOT / entry["path"] / "model-last").exists()

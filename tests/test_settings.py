"""Settings files: relative paths are read from the file's own folder, as a user writes them."""

from __future__ import annotations

from hoi_nlp.settings import DEFAULT_SETTINGS, REPO_ROOT, load_settings, resolve_repo_path


def test_a_relative_model_dir_is_read_from_the_settings_files_folder(tmp_path, monkeypatch):
    (tmp_path / "models" / "my_coder").mkdir(parents=True)
    (tmp_path / "my.toml").write_text('[coding]\nmodel_dir = "models/my_coder"\n', encoding="utf-8")
    monkeypatch.chdir(REPO_ROOT)  # wherever hoi runs
    settings = load_settings(tmp_path / "my.toml")
    assert resolve_repo_path(settings.coding.model_dir) == tmp_path / "models" / "my_coder"


def test_a_relative_path_missing_beside_the_file_still_names_the_bundled_one(tmp_path):
    (tmp_path / "my.toml").write_text('[nlp]\nner_model = "models/ner_da"\n', encoding="utf-8")
    settings = load_settings(tmp_path / "my.toml")
    assert settings.nlp.ner_model == "models/ner_da"
    assert resolve_repo_path(settings.nlp.ner_model) == REPO_ROOT / "models" / "ner_da"


def test_the_bundled_settings_keep_their_repository_paths():
    assert load_settings(DEFAULT_SETTINGS).coding.model_dir == "models/coder"

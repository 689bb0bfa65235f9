"""A new workspace's Prefect database starts as a copy of the empty, migrated template."""

from __future__ import annotations

import stat

from flows.environment import TEMPLATE_DONE, _private_home, template_dir


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_home_copies_a_complete_template_privately(tmp_path, monkeypatch):
    monkeypatch.setenv("HOI_CACHE_DIR", str(tmp_path / "cache"))
    template = template_dir()
    template.mkdir(parents=True)
    (template / "prefect.db").write_bytes(b"SQLite format 3\x00 migrated")
    (template / "memo_store.toml").write_text("block_auto_registration = 'x'\n", encoding="utf-8")
    (template / TEMPLATE_DONE).write_text("done\n", encoding="utf-8")

    home = tmp_path / "ws" / "prefect"
    _private_home(home)

    assert (home / "prefect.db").read_bytes() == b"SQLite format 3\x00 migrated"
    assert (home / "memo_store.toml").read_text(encoding="utf-8") == "block_auto_registration = 'x'\n"
    assert _mode(home) == 0o700
    assert {_mode(p) for p in home.iterdir()} == {0o600}


def test_existing_database_is_never_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("HOI_CACHE_DIR", str(tmp_path / "cache"))
    template = template_dir()
    template.mkdir(parents=True)
    (template / "prefect.db").write_bytes(b"template")
    (template / TEMPLATE_DONE).write_text("done\n", encoding="utf-8")
    home = tmp_path / "prefect"
    home.mkdir()
    (home / "prefect.db").write_bytes(b"the study's runs")

    _private_home(home)

    assert (home / "prefect.db").read_bytes() == b"the study's runs"


def test_unfinished_template_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("HOI_CACHE_DIR", str(tmp_path / "cache"))
    template = template_dir()
    template.mkdir(parents=True)
    (template / "prefect.db").write_bytes(b"half written")  # no completion marker

    home = tmp_path / "prefect"
    _private_home(home)

    assert (home / "prefect.db").read_bytes() == b""
    assert not (home / "memo_store.toml").exists()

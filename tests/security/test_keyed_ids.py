"""Opaque ids ("id-…", "fil-…") are keyed by a per-study secret: a guessed original cannot be confirmed
offline, and every id stays the same within a study."""

from __future__ import annotations

import hashlib
import json

from hoi_nlp.privacy.key import PseudonymKey, key_path, load_key, save_key
from hoi_nlp.privacy.redact import KeyRedactor, StudyRedactor
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace


def lejre_key() -> PseudonymKey:
    key = PseudonymKey(study="t")
    key.placeholder_for("KOMMUNE", "Lejre")
    return key


def test_an_id_is_no_plain_hash_of_its_original() -> None:
    shown = KeyRedactor(lejre_key()).ident("Lejre-02")
    assert shown.startswith("id-")
    assert shown != "id-" + hashlib.sha256(b"Lejre-02").hexdigest()[:10]
    assert shown != KeyRedactor(lejre_key()).ident("Lejre-02")  # another study, another secret


def test_file_ids_are_keyed_too() -> None:
    redactor = KeyRedactor(lejre_key())
    path = "transcripts/interview_Fanø_Bette.txt"
    shown = redactor.file_id(path)
    assert shown.startswith("fil-") and shown.endswith(".txt")
    assert shown != "fil-" + hashlib.sha256(path.encode()).hexdigest()[:8] + ".txt"
    assert redactor.file_id(path) == shown


def test_ids_stay_the_same_when_the_key_is_saved_and_loaded(tmp_path) -> None:
    key = lejre_key()
    shown = KeyRedactor(key).ident("Lejre-02")
    save_key(key, tmp_path / "key.json")
    assert KeyRedactor(load_key(tmp_path / "key.json")).ident("Lejre-02") == shown


def test_an_old_key_gets_its_secret_on_first_use_and_keeps_it(tmp_path) -> None:
    workspace = Workspace.open(tmp_path / "ws", study="t")
    save_key(lejre_key(), key_path(workspace))
    data = json.loads(key_path(workspace).read_text("utf-8"))
    data.pop("secret")
    key_path(workspace).write_text(json.dumps(data), "utf-8")  # a key written before secrets existed

    shown = StudyRedactor(workspace, Settings()).ident("Lejre-02")
    saved = json.loads(key_path(workspace).read_text("utf-8"))
    assert len(saved["secret"]) == 64
    assert StudyRedactor(workspace, Settings()).ident("Lejre-02") == shown


def test_quote_ids_are_keyed_and_the_same_raw_or_pseudonymised(tmp_path) -> None:
    from hoi_nlp.records import Quote

    workspace = Workspace.open(tmp_path / "ws", study="t")
    save_key(PseudonymKey(study="t"), key_path(workspace))  # no secret yet; a raw export comes first
    where = ("interview_Lejre_Henrik:t3", 0, 40, "barrier.x")
    raw = StudyRedactor(workspace, Settings(), raw=True).quote_id(*where)
    assert raw.startswith("Q-") and raw != Quote.make_id(*where)
    assert len(load_key(key_path(workspace)).secret) == 64  # kept, so the id stays the same
    shown = StudyRedactor(workspace, Settings()).quote_id(*where)
    assert shown == raw


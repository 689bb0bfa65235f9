"""Two processes hold the study's key: the review app (loaded when it started) and a `hoi run` beside it.
The app saving its key overwrote the names the run had learnt, and the app never read them: an added
interview's file name stood in its ids for a reviewer without rights."""

from __future__ import annotations

from hoi_nlp.privacy.key import key_path, load_key, merge_saved, save_key
from hoi_nlp.review.masking import PrivacyView
from hoi_nlp.settings import Settings


def test_saving_a_key_keeps_what_another_process_saved_and_its_numbers(workspace):
    path = key_path(workspace)
    app = load_key(path, study="test")
    app.placeholder_for("PERSON", "Jens Holm")
    save_key(app, path)
    run = load_key(path, study="test")  # a run beside the app, from the file as it was then
    app.placeholder_for("PERSON", "Lise Berg")  # the app learns a person: number 2
    run.placeholder_for("PERSON", "Gitte Brandstrup")  # so does the run: also number 2
    run.placeholder_for("KOMMUNE", "Tønder")
    run.placeholder_for("PERSON", "KJ")
    run.sign("KJ")  # initials a memo's signature taught the run
    save_key(run, path)
    before = app.generation
    save_key(app, path)
    saved = load_key(path)
    assert saved.originals["Gitte Brandstrup"] == "[PERSON 2]"  # the run's number stands (its exports)
    assert saved.originals["Lise Berg"] == "[PERSON 4]" and saved.originals["Tønder"] == "[KOMMUNE]"
    assert saved.originals["Jens Holm"] == "[PERSON 1]" and saved.signed == {"KJ"}
    assert app.originals == saved.originals and app.persons == saved.persons and app.generation > before
    assert app.placeholder_for("PERSON", "Lise") == "[PERSON 4]"  # a first name finds its person


def test_merging_what_is_known_already_changes_nothing(workspace):
    key = load_key(key_path(workspace), study="test")
    key.placeholder_for("PERSON", "Jens Holm")
    save_key(key, key_path(workspace))
    generation = key.generation
    merge_saved(key, load_key(key_path(workspace)))
    assert key.generation == generation


def test_the_app_takes_in_names_a_run_saved_to_the_key(workspace):
    view = PrivacyView(workspace, Settings(pseudonymize={"recogniser": "patterns"}))
    view.follow_saved_key()
    raw = "samtale_Gitte_Brandstrup"
    assert view.ident(raw) == raw  # nothing names her yet
    run = load_key(key_path(workspace), study=workspace.study)
    run.placeholder_for("PERSON", "Gitte Brandstrup")  # `hoi run` learnt her from a file name
    save_key(run, key_path(workspace))
    assert view.follow_saved_key()
    assert "Gitte" not in view.ident(raw) and view.ident(raw).startswith("id-")
    generation = view.redactor.key.generation
    view.follow_saved_key()  # its own save since (the opaque ids' secret) brings nothing new
    assert view.redactor.key.generation == generation

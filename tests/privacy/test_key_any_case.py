"""Names the study key holds are found in any case, except where the lower-case form is an ordinary word."""

from __future__ import annotations

from hoi_nlp.privacy.guard import LeakGuard
from hoi_nlp.privacy.key import PseudonymKey
from hoi_nlp.privacy.redact import KeyRedactor
from hoi_nlp.review.masking import PrivacyView


def study_key() -> PseudonymKey:
    key = PseudonymKey(study="t")
    key.placeholder_for("PERSON", "Karl Johan")
    key.placeholder_for("PERSON", "Lise-Lotte Winther")
    key.placeholder_for("PERSON", "Lise")
    key.placeholder_for("KOMMUNE", "Sorø")
    key.placeholder_for("KOMMUNE", "Lejre")
    key.placeholder_for("NAVN", "Livsmestring")  # a recogniser's guess, not a name
    key.pin("KOMMUNE", "Ry")  # the metadata's municipality
    key.pin("PERSON", "Bo")  # the metadata's speaker
    return key


def test_lower_case_names_are_replaced() -> None:
    shown = KeyRedactor(study_key()).value("karl johan og lise-lotte fra sorø-teamet. Vi bor i ry. SORØ!")
    assert shown == "[PERSON 1] og [PERSON 2] fra [KOMMUNE]-teamet. Vi bor i [KOMMUNE]. [KOMMUNE]!"


def test_ordinary_words_stay() -> None:
    text = "Det er en lise at bo her; vi har et godt ry, to lejre og et kursus i livsmestring."
    assert KeyRedactor(study_key()).value(text) == text


def test_names_the_metadata_gives_are_replaced_as_written_however_short() -> None:
    assert KeyRedactor(study_key()).value("Ry og Bo.") == "[KOMMUNE] og [PERSON 4]."


def test_memos_replace_lower_case_names() -> None:
    view = PrivacyView(None, redactor=KeyRedactor(study_key()))  # type: ignore[arg-type]
    assert view.memo("spørg karl johan om det") == "spørg [PERSON 1] om det"


def test_leak_check_finds_lower_case_names() -> None:
    guard = LeakGuard.build(study_key(), shown_text="Rygning og Lejrskole")
    for text in ("karl johan", "lise-lotte", "sorø-teamet", "i ry.", "Lejre"):
        assert guard.leaks(text), text
    assert not guard.leaks("et godt ry, en lise, to lejre, livsmestring")


def test_leak_check_always_checks_the_metadata_names() -> None:
    key = PseudonymKey(study="t")
    key.placeholder_for("NAVN", "Ry")  # a common word in the key: left out of the key's part of the check
    guard = LeakGuard.build(key, shown_text="Ry", names={"Ry": "[KOMMUNE]", "Bo": "[PERSON]", "X": "[NAVN]"})
    assert guard.leaks("I Ry.") and guard.leaks("Spørg Bo.")
    assert not guard.leaks("Xylofon")


def test_codebook_words_hide_only_whole_words() -> None:
    key = PseudonymKey(study="t")
    key.placeholder_for("KOMMUNE", "Vejle")
    assert LeakGuard.build(key, shown_text="Vejledning").leaks("i Vejle")
    assert not LeakGuard.build(key, shown_text="Vejle-modellen").leaks("i Vejle")


def test_a_municipality_that_is_an_ordinary_word_is_the_place_only_when_the_metadata_names_it() -> None:
    key = PseudonymKey(study="t")
    key.placeholder_for("KOMMUNE", "Vejen")  # recognised in some text, not the study's own
    key.pin("KOMMUNE", "Ry")
    shown = KeyRedactor(key).value("De står i vejen for os i ry, men Vejen hjælper.")
    assert shown == "De står i vejen for os i [KOMMUNE], men [KOMMUNE] hjælper."


def test_a_first_name_the_key_holds_in_an_email_address_is_replaced() -> None:
    key = PseudonymKey(study="t")
    key.placeholder_for("EMAIL", "anne-mette.kjaersgaard@fanoe.dk")
    key.placeholder_for("EMAIL", "post.jobcenter@kommune.dk")
    shown = KeyRedactor(key).value("Kollegaen anne-mette er i økonomi, anne-mette.kjaersgaard@fanoe.dk.")
    assert shown == "Kollegaen [PERSON 1] er i økonomi, [EMAIL]."
    assert KeyRedactor(key).value("Send det med post til jobcenter.") == "Send det med post til jobcenter."


def test_a_redaction_is_made_again_when_the_metadata_names_a_known_original() -> None:
    from hoi_nlp.records import Source, content_hash

    key = PseudonymKey(study="t")
    key.placeholder_for("STED", "Ry")  # recognised before, as written
    text = "Vi arbejder i ry."
    source = Source(source_id="s", study="t", kind="survey_answer", path="a.csv", text=text,
                    content_hash=content_hash(text), respondent_id="R1")
    redactor = KeyRedactor(key)
    assert redactor.redaction(source).text == text
    key.pin("KOMMUNE", "Ry")  # another source's metadata names it: the key's size stays the same
    assert redactor.redaction(source).text == "Vi arbejder i [STED]."


def test_the_metadata_names_are_saved_with_the_key(tmp_path) -> None:
    from hoi_nlp.privacy.key import load_key, save_key

    save_key(study_key(), tmp_path / "key.json")
    key = load_key(tmp_path / "key.json")
    assert key.pinned == {"Ry", "Bo"}
    assert KeyRedactor(key).value("Vi bor i ry, spørg Bo.") == "Vi bor i [KOMMUNE], spørg [PERSON 4]."


def test_the_idiom_i_vejen_is_no_place_even_in_a_study_with_vejen() -> None:
    """A national survey's metadata names every municipality, Vejen too: "står i vejen for" and
    "på vejen" stay readable (and the bundled codebook's rule texts pass the leak check)."""
    key = PseudonymKey(study="t")
    key.pin("KOMMUNE", "Vejen")
    key.pin("KOMMUNE", "Ry")
    shown = KeyRedactor(key).value("Reglerne står i vejen for os på vejen, i ry og i Vejen.")
    assert shown == "Reglerne står i vejen for os på vejen, i [KOMMUNE] og i [KOMMUNE]."


def test_initials_as_a_speaker_label_are_a_name_and_one_letter_a_role() -> None:
    """Transcribers often label a speaker by initials ("KJ:" for Karl Johan): those are pseudonymised
    like a name; one letter ("I", "D", "R2") and usual role abbreviations ("IP", "KD") are roles."""
    from hoi_nlp.privacy.redact import is_role_label, metadata_names
    from hoi_nlp.records import Source, content_hash

    assert [is_role_label(label) for label in ("KJ", "kj", "MH")] == [False, False, False]
    assert all(is_role_label(label) for label in ("I", "D", "R2", "IP", "KD", "Interviewer", "Int"))
    text = "I: Hej\nKJ: Hej"
    source = Source(source_id="K1", study="s", kind="transcript", path="t/k1.txt", text=text,
                    content_hash=content_hash(text), respondent_id="K1",
                    attributes={"interviewer_speakers": "I", "respondent_speakers": "KJ"})
    assert metadata_names([source]) == {"KJ": "PERSON"}


def test_leak_check_reads_no_names_into_embedded_images() -> None:
    """The HTML report embeds its figures as base64: a speaker's initials ("MH") turn up in such data
    by chance and stopped the export as a leak; the figures' labels are checked before drawing."""
    guard = LeakGuard.build(PseudonymKey(study="t"), names={"MH": "[PERSON]", "Sorø": "[KOMMUNE]"})
    html = '<p>Tekst</p><figure><img alt="Andele" src="data:image/png;base64,iVBO+9CS0/MH+x3dzc=="></figure>'
    assert not guard.leaks(html)
    assert guard.leaks(html.replace("Tekst", "MH siger")) == [(3, 5)]
    assert guard.leaks('<img alt="Sorø" src="data:image/png;base64,iVBO/MH+x3dzc==">')
    # only the data is passed over: words after it (a text that happens to hold ";base64,") are read
    assert guard.leaks("filen;base64, Sorø kommune")


def test_a_name_relabelled_by_a_later_text_is_seen_by_every_cache_of_the_key() -> None:
    """«Bette Nord» first recognised as an organisation, later as a person, kept the key's size: the compiled
    patterns and the review app's shown ids compared the size, so an id «int_bette_nord» stayed as written
    for a reviewer without rights until the key learnt another name (read-through of the review app)."""
    from hoi_nlp.privacy.pseudonymize import apply_spans, holds_name
    from hoi_nlp.privacy.redact import KeyRedactor
    from hoi_nlp.review.masking import PrivacyView

    key = PseudonymKey(study="s", secret="00" * 32)
    apply_spans("Bette Nord hjalp", [(0, 10, "ORGANISATION")], key)
    view = PrivacyView(object(), redactor=KeyRedactor(key))
    assert view.ident("int_bette_nord") == "int_bette_nord"  # an organisation's name is no person's
    generation = key.generation
    apply_spans("Bette Nord sagde", [(0, 10, "PERSON")], key)
    assert key.originals == {"Bette Nord": "[PERSON 1]"} and key.generation > generation
    assert holds_name("int_bette_nord", key)
    assert view.ident("int_bette_nord") != "int_bette_nord"


def test_an_attribute_corrected_in_the_metadata_reaches_a_reviewer_without_rights() -> None:
    """The shown sources were cached by their text's hash: a role corrected in metadata.csv (the text
    unchanged) kept its old value in lists and filters."""
    from hoi_nlp.records import Source, content_hash

    text = "Vi har et godt samarbejde."
    source = Source(source_id="r1", study="s", kind="survey_answer", path="eksport.xlsx", text=text,
                    content_hash=content_hash(text), respondent_id="R1", attributes={"role": "Direktør"})
    view = PrivacyView(object(), redactor=KeyRedactor(study_key()))
    assert view.sources([source])["r1"].attributes["role"] == "Direktør"
    corrected = source.model_copy(update={"attributes": {"role": "Kommunaldirektør"}})
    assert view.sources([corrected])["r1"].attributes["role"] == "Kommunaldirektør"

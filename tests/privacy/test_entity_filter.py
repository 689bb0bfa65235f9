"""The precision filter: generic words, units and programmes stay; names and places still go."""

from __future__ import annotations

import pytest

from hoi_nlp.privacy.entity_filter import is_generic_phrase, is_generic_word
from hoi_nlp.privacy.key import PseudonymKey
from hoi_nlp.privacy.pseudonymize import Pseudonymizer
from hoi_nlp.settings import Settings


@pytest.fixture(scope="session")
def privacy_nlp():
    from hoi_nlp.privacy.recognise import load_ner_pipeline

    return load_ner_pipeline()


@pytest.fixture
def pseudo(privacy_nlp) -> Pseudonymizer:
    return Pseudonymizer(key=PseudonymKey(study="filter"), settings=Settings(), nlp=privacy_nlp)


GENERIC = [
    "Psykiatrien", "Børn", "Familie", "Familieafdelingen", "Familieteamet", "Datadeling", "Lovgivningen",
    "Omsorg", "Job", "Budgetlogikken", "Forvaltningsstrukturen", "Mentorforløb", "Overgangsforløb",
    "Fremskudt", "KUI", "BUL", "FGU", "Børneudvalget", "Integrationsudvalget", "Magistraten", "Borgercenter",
    "Hjemløseindsatsen", "Børne-", "Familie-", "Beskæftigelses-", "Arbejdsmarkeds-", "Jobcentret",
    "Borgerservice", "Kriminalforsorgen", "UU-vejlederne", "+", "…",
    # compounds of an ordinary word and an abstract noun (-ning, -ering, -else, -hed, -skab, -tion)
    "Silotænkning", "Netværksorganisering", "Ledelsesopbakning", "Centerdannelsen", "Helhedstænkningen",
    # sentence-initial in the bundled codebook's examples, which a reviewer without original-text rights
    # sees pseudonymised: each became a "name" in the study's key
    "Ledelseslaget", "Tovholderen", "Succeskriteriet",
    # compounds of an ordinary word and an adjective or participle, opening survey answers
    "Søjleopdelt", "Fagfaglig", "Fagfagligt", "Tværfagligt", "Helhedsorienteret", "Borgerrettet",
    "Borgerrettede", "Sektoropdelt", "Udviklingsorienteret", "Fagprofessionelt",
]
NOT_GENERIC = [
    "Gellerup", "Mjølnerparken", "Hundested", "Hals", "Ringe", "Søren", "Poulsen", "Holm", "Abernathy", "SOF",
    "R.", "Gladsaxe-modellen", "Finsensvej-området", "Ungehuset", "Ungeporten", "Hedehusene",
]


@pytest.mark.parametrize("word", GENERIC)
def test_generic_words(word: str) -> None:
    assert is_generic_word(word)


@pytest.mark.parametrize("word", NOT_GENERIC)
def test_names_places_and_unknown_abbreviations_are_not_generic(word: str) -> None:
    assert not is_generic_word(word)


def test_generic_phrases() -> None:
    assert is_generic_phrase("Børn og Unge") and is_generic_phrase("+ Job") and is_generic_phrase("Øh… Det")
    assert not is_generic_phrase("Familiehuset på Vestergade") and not is_generic_phrase("Jobcenter Køge")


@pytest.mark.parametrize("text", [
    "Særlig indsats for unge sammen med Psykiatrien i kommunen.",
    "Familieteam på tværs af Børn & Familie og Jobcentret.",
    "2 (Børn og Unge + Job og Velfærd)",
    "3 direktører, Børn og Familie, Job og Velfærd og Sundhed og Omsorg",
    "1) Lovgivningen er fortsat sektoropdelt, også efter hovedloven.",
    "Datadeling er svært. Budgetlogikken og Forvaltningsstrukturen spænder ben.",
    "Mentorforløb og Overgangsforløb for unge. Fremskudt indsats overfor hjemløse.",
    "Samarbejde med FGU og STU om overgange, KUI og BUL.",
    "Direktionen har godkendt, Børneudvalget og Integrationsudvalget er orienteret.",
    "Byrådet har godkendt rammen, udmøntningen er sket i Magistraten.",
    "Vi er i gang med at samle indsatserne i et fælles Borgercenter.",
    "Hjemløseindsatsen (Housing First) kører videre.",
    "Beskæftigelses- og Socialudvalget samt Børne- og Familie- og Arbejdsmarkeds- og Skoleudvalget.",
    "Familieafdelingen, Familieteamet og Kriminalforsorgen deltager. Borgerservice hjælper.",
    "Vi har mange fagsystemer (Nexus, DUBU, Momentum) og de taler ikke sammen.",
    # survey answers that opened with such a compound lost it to [NAVN] or [PERSON 1]
    "Silotænkning, både i budgetterne og i hovederne.",
    "Netværksorganisering: vi har beholdt strukturen, men styrket koordinationen mellem lederne.",
    "Ledelsesopbakning på afdelingslederniveau mangler nogle steder.",
    "Centerdannelsen har gjort det lettere, men vi er bange for en ny silo.",
    # ... or with an adjective/participle compound: each became [PERSON 1], [NAVN] or [STED]
    "Søjleopdelt økonomi er vores største barriere.",
    "Fagfaglig ledelse fylder meget hos os. Fagfagligt set er det svært.",
    "Borgerrettet arbejde er vigtigst. Søjleopdelt.",
    "Borgerrettede indsatser. Sektoropdelt styring. Udviklingsorienteret ledelse. Fagprofessionelt.",
    "Tværfagligt samarbejde kræver tid. Helhedsorienteret indsats er målet.",
])
def test_generic_words_stay(pseudo, text: str) -> None:
    result = pseudo.pseudonymize(text)
    assert result.text_pseudonymized == text, result.replaced


@pytest.mark.parametrize(("text", "gone", "placeholder"), [
    ("Helhedsorienteret indsats for familier i Gellerup og Mjølnerparken.", ["Gellerup", "Mjølnerparken"],
     "[STED]"),
    ("Familierne i Hundested og i Brøndby Strand har langt.", ["Hundested", "Brøndby Strand"], "[KOMMUNE]"),
    ("Det sker i Familiehuset på Vestergade hver uge.", ["Familiehuset på Vestergade"], "[ENHED]"),
    ("Unge mødes i Ungehuset i Holbæk.", ["Ungehuset", "Holbæk"], "[KOMMUNE]"),
    ("Fælles indsats Børn og Unge + Jobcenter Køge, ca. 60 familier.", ["Køge"], "[JOBCENTER]"),
    ("Vi har nu Center for Sammenhængende Indsatser.", ["Sammenhængende"], "[ENHED]"),
    ("Indsats for borgere i Ringe og Vig er tilpasset.", ["Ringe", "Vig"], "[STED]"),
    ("Samarbejde med Psykiatrien i Region Syddanmark.", ["Syddanmark"], "[REGION]"),
    ("Skriv til lomad@odsherred.dk eller ring 47 78 40 62.", ["lomad", "47 78"], "[EMAIL]"),
    ("Vi bor på Vestergade 12 i Odense.", ["Vestergade", "Odense"], "[ADRESSE]"),
    ("Hans CPR er 010203-1234 ifølge sagen.", ["010203"], "[CPR]"),
    ("Læs mere på www.holbaek.dk/hoi i dag.", ["holbaek"], "[LINK]"),
    ("Det sagde direktør Mette Hansen og Lars.", ["Mette", "Hansen", "Lars"], "[PERSON 1]"),
])
def test_identifying_examples_go(pseudo, text: str, gone: list[str], placeholder: str) -> None:
    out = pseudo.pseudonymize(text).text_pseudonymized
    assert placeholder in out, out
    assert not any(word in out for word in gone), out


def test_psychiatry_stays_next_to_a_replaced_region(pseudo) -> None:
    out = pseudo.pseudonymize("Samarbejde med Psykiatrien i Region Syddanmark.").text_pseudonymized
    assert out == "Samarbejde med Psykiatrien i [REGION]."


@pytest.mark.parametrize(("text", "original"), [
    ("Kontakt Søren Poulsen ved spørgsmål.", "Søren Poulsen"),
    ("Jobcenterchef Henrik Skov har besvaret på vegne af direktionen.", "Henrik Skov"),
    ("Direktør Pia Andersen svarede.", "Pia Andersen"),
    ("Fælles indsats + Jobcenter Køge.", "Jobcenter Køge"),
])
def test_spans_are_trimmed_to_the_name(pseudo, text: str, original: str) -> None:
    pseudo.pseudonymize(text)
    assert original in pseudo.key.originals
    assert all(orig[0].isalpha() for orig in pseudo.key.originals), pseudo.key.originals


def test_person_evidence_keeps_a_plain_word_used_as_a_name(pseudo) -> None:
    out = pseudo.pseudonymize("Men hvidløg hjælper, mener lægerne B. Lau og R. Lin.").text_pseudonymized
    assert "Lin" not in out and "Lau" not in out


def test_a_name_spelt_like_an_adjective_compound_is_still_replaced(pseudo) -> None:
    """A person the recogniser finds with a first name, and a name the metadata gives (the study's key),
    go even when spelt like a generic adjective compound."""
    out = pseudo.pseudonymize("Det sagde Lise Fagfaglig på mødet.").text_pseudonymized
    assert "Fagfaglig" not in out and "Lise" not in out, out
    pseudo.key.pin("STED", "Borgerrettet")  # the metadata's place
    out = pseudo.pseudonymize("Borgerrettet har en ny plan. Vi bor i Borgerrettet.").text_pseudonymized
    assert "Borgerrettet" not in out, out


@pytest.mark.parametrize("text", [
    # on our evaluation sets these openings became «[NAVN], især dem …», «[NAVN]: tværgående team»
    "Flygtningefamilier, især dem, der kom for nogle år siden, fylder meget.",
    "Investeringscase: tværgående team, der skal spare to mio. på to år.",
    "Forebyggelsespakkerne virker ikke. Fraværsdagene stiger.",
    # an abstract head: a code label «Søjleøkonomi» became [PERSON n] and the key then hid the word everywhere
    "Søjleøkonomi",
    "Søjleøkonomi er et problem hos os. Borgerinddragelse mangler.",
])
def test_ordinary_compounds_opening_a_sentence_stay(pseudo, text: str) -> None:
    assert pseudo.pseudonymize(text).text_pseudonymized == text


@pytest.mark.parametrize(("text", "name"), [
    ("Nordparken er et af de udsatte boligområder.", "Nordparken"),
    ("Vestbyen har mange familier.", "Vestbyen"),
    ("Nordhavn har mange familier.", "Nordhavn"),
    ("Borgerindgangen er åben hver dag.", "Borgerindgangen"),
    ("Ungeporten er vores indgang for de unge.", "Ungeporten"),
    ("Hedehusene ligger tæt på.", "Hedehusene"),
    ("Vi kalder det \"Forebyggelsespakkerne\" internt.", "Forebyggelsespakkerne"),
    ("Vi har også en indsats i Skovparken og Solbakken.", "Skovparken"),
    # a read-through found these left as written by the first version of the rule: a surname or town joined
    # by a linking "s" its first part does not ask for, a place head in another cut, day-care names
    ("Rosenstand har ringet til os.", "Rosenstand"),
    ("Brandstrup sagde, at det gik.", "Brandstrup"),
    ("Troldeungerne har fået ny leder.", "Troldeungerne"),
    ("Regnbuebørnene holder lukket i juli.", "Regnbuebørnene"),
    # the price: an ordinary definite plural without such a linking "s" is hidden too
    ("Tid tid tid. Sagsstammerne er for store.", "Sagsstammerne"),
])
def test_places_units_and_quoted_names_like_compounds_stay_hidden(pseudo, text: str, name: str) -> None:
    assert name not in pseudo.pseudonymize(text).text_pseudonymized


def test_no_town_district_or_name_of_our_lists_would_pass_as_an_ordinary_compound(monkeypatch) -> None:
    # the rule must hold without the lists: a town they lack ("Middelfart" = middel + fart, "Støvring" =
    # støv + ring in the lemma table) or a surname ("Skovmand", "Ladefoged") is no ordinary compound either
    from hoi_nlp.privacy import entity_filter
    from hoi_nlp.privacy import gazetteers as gaz

    words = {w for place in gaz.places() for w in place.split()}
    words |= gaz.municipality_words() | gaz.person_names()
    monkeypatch.setattr(entity_filter, "is_known_name", lambda word: False)
    passing = sorted(w for w in words | {"Skovmand", "Ladefoged", "Fuglsang", "Jægerspris", "Stenlille",
                                         "Rosenstand", "Brandstrup", "Troldeungerne", "Kirkemusene",
                                         "Bjørneunger"}
                     if entity_filter.is_ordinary_compound(w))
    assert passing == []
    assert entity_filter.is_ordinary_compound("Flygtningefamilier")


@pytest.mark.parametrize("text", [
    # transcripts stress a word with an accent, and answers open with an abbreviation: each became [NAVN]
    "Dér sidder vi fast.", "Dét er det svære.", "Pga. økonomien venter vi.", "Ift. økonomien er det svært.",
    "Iflg. loven skal vi.", "Mhp. at samle indsatsen.", "Vha. én plan.",
])
def test_stressed_words_and_abbreviations_opening_a_sentence_stay(pseudo, text: str) -> None:
    assert pseudo.pseudonymize(text).text_pseudonymized == text

"""Quotes: exact slices, trimming to the evidence sentence, ranking, diversity, citation format, ids."""

from __future__ import annotations

import dataclasses
import re

import pytest

from hoi_nlp.export.cite import Embedding, best_quotes, register_quotes, resolve_quote
from hoi_nlp.export.quotes import citation_line, make_quote
from hoi_nlp.records import CodeReview, Quote

CITATION = re.compile(r'^«"[^"]+" \((Kommunaldirektør|Direktør)(, [^)]+)?\)»$')


@pytest.fixture
def embed(study):
    from hoi_nlp.nlp.embed import TfidfEmbedder

    return Embedding(TfidfEmbedder(dim=8).fit([s.text for s in study.segments]))


def test_citation_line_uses_role_only_and_never_the_municipality(study):
    source = study.sources["R1:q0"]
    assert citation_line("Tekst", source) == '«"Tekst" (Kommunaldirektør)»'
    assert (
        citation_line("Tekst", source, with_attributes=("size_group", "region", "municipality"))
        == '«"Tekst" (Kommunaldirektør, Større kommune, Region Syddanmark)»'
    )


def test_quotes_are_exact_source_slices_and_pseudonymised(study, redact, embed):
    quotes = best_quotes(study, "area.beskaeftigelse", redact=redact, n=5, embed=embed)
    assert quotes
    for quote in quotes:
        assert quote.text == study.sources[quote.source_id].text[quote.start : quote.end]
        assert CITATION.match(quote.citation), quote.citation
        assert quote.quote_id == redact.quote_id(quote.source_id, quote.start, quote.end, quote.code_id)
    r2 = next(q for q in quotes if q.source_id == "R2:q1")
    assert "Mette" not in r2.citation and "[PERSON 1]" in r2.citation


def test_long_turn_is_trimmed_to_the_evidence_sentence(study, redact):
    coding = next(c for c in study.codings_for("area.beskaeftigelse") if c.source_id == "T5")
    quote = make_quote(study, coding, redact=redact)
    assert (
        quote.text
        == "Men helt konkret er det jobcentret, der skal have gevinsten, mens andre betaler regningen."
    )
    assert study.sources["T5"].text[quote.start : quote.end] == quote.text


def test_one_quote_per_respondent_and_reviewed_first(study, redact, embed):
    quotes = best_quotes(study, "barrier.it_integration", redact=redact, n=5, embed=embed)
    respondents = [study.sources[q.source_id].respondent_id for q in quotes]
    assert len(respondents) == len(set(respondents)) == 3
    r3 = next(s for s in study.segments if s.source_id == "R3:q0")
    reviewed = dataclasses.replace(
        study,
        reviews={(r3.segment_id, "barrier.it_integration"): CodeReview(status="accepted", analyst="ana")},
    )
    first = best_quotes(reviewed, "barrier.it_integration", redact=redact, n=1, embed=embed)[0]
    assert (first.source_id, first.review_state) == ("R3:q0", "accepted")


def test_group_filter_and_near_duplicates(study, redact, embed):
    small = best_quotes(
        study,
        "barrier.it_integration",
        redact=redact,
        n=5,
        embed=embed,
        group=("size_group", "Mindre kommune"),
    )
    assert [q.source_id for q in small] == ["R2:q0"]
    everything_is_a_duplicate = best_quotes(
        study, "barrier.it_integration", redact=redact, n=5, embed=embed, duplicate_cosine=-1.0
    )
    assert len(everything_is_a_duplicate) == 1


def test_quote_id_resolves_through_the_registry(coded_workspace, small_codebook, redact):
    from hoi_nlp.export.dataset import load_coded_study

    study = load_coded_study(coded_workspace, small_codebook)
    quote = best_quotes(study, "area.beskaeftigelse", redact=redact, n=3)[-1]
    register_quotes(coded_workspace, [quote])
    found = resolve_quote(study, quote.quote_id, workspace=coded_workspace)
    assert (found.source_id, found.start, found.end, found.code_id) == (
        quote.source_id,
        quote.start,
        quote.end,
        "area.beskaeftigelse",
    )
    assert found.original == quote.text
    assert registry_has_no_text(coded_workspace, quote.text)


def test_a_quote_id_handed_out_before_ids_were_keyed_still_resolves(
        coded_workspace, small_codebook, redact) -> None:
    from hoi_nlp.export.dataset import load_coded_study

    study = load_coded_study(coded_workspace, small_codebook)
    coding = study.codings_for("area.beskaeftigelse")[0]
    segment = study.segment_by_id[coding.segment_id]
    for quote_id in (Quote.make_id(coding.source_id, segment.start, segment.end, coding.code_id),
                     redact.quote_id(coding.source_id, segment.start, segment.end, coding.code_id)):
        found = resolve_quote(study, quote_id, workspace=coded_workspace, redact=redact)
        assert (found.source_id, found.start, found.end) == (coding.source_id, segment.start, segment.end)


def registry_has_no_text(workspace, text):
    from hoi_nlp.export.cite import registry_path

    return text not in registry_path(workspace).read_text(encoding="utf-8")


@pytest.mark.parametrize(("role", "label"), [
    ("Kommunaldirektør", "Kommunaldirektør"),
    ("kommunaldirektør (konstitueret)", "Kommunaldirektør"),
    ("Direktør for social, sundhed og beskæftigelse", "Direktør"),
    ("Børne- og ungedirektør", "Direktør"),
    ("Socialchef", "Leder"),
    ("", "Respondent"),
])
def test_citation_uses_the_reports_coarse_role_labels(role, label):
    from tests.conftest import make_source

    source = make_source("tekst", role=role, municipality="Vejle", size_group="Mindre kommune")
    assert citation_line("tekst", source) == f'\u00ab"tekst" ({label})\u00bb'
    assert "Vejle" not in citation_line("tekst", source, with_attributes=["municipality", "size_group"])


def test_a_code_an_analyst_added_without_a_span_is_quoted_where_the_unit_speaks_of_it(
        study, redact, tmp_path):
    """Without evidence or a span, a long unit is quoted at the sentence nearest the code's own words
    (label, description, examples), not at its first sentence."""
    from hoi_nlp.codebook import load_codebook
    from tests.conftest import DATA

    code = "barrier.tvaergaaende_oekonomistyring"
    yaml_text = (DATA / "codebooks" / "small.yaml").read_text(encoding="utf-8").replace(
        '          - "Økonomien ligger i søjlerne."',
        '          - "Økonomien ligger i søjlerne."\n'
        '          - "Én afdeling betaler regningen, en anden får gevinsten."')
    (tmp_path / "cb.yaml").write_text(yaml_text, encoding="utf-8")
    t5 = next(s for s in study.segments if s.source_id == "T5")
    added = dataclasses.replace(study, codebook=load_codebook(tmp_path / "cb.yaml"),
                                reviews={(t5.segment_id, code): CodeReview(status="accepted", analyst="ana")})
    coding = next(c for c in added.codings_for(code) if c.source_id == "T5")
    assert not coding.machine
    quote = make_quote(added, coding, redact=redact)
    assert quote.text.endswith("gevinsten, mens andre betaler regningen.")


def test_a_quote_of_a_code_an_analyst_added_shows_no_machine_confidence():
    from hoi_nlp.export.quotes import quote_line

    common = dict(code_id="c", source_id="s", segment_id="s:a0-5", start=0, end=5, text="Tekst",
                  text_pseudonymized="Tekst", citation="«Tekst»", quote_id="Q-1")
    added = quote_line(Quote(**common, confidence=1.0, review_state="added"))
    machine = quote_line(Quote(**common, confidence=0.83, review_state="machine"))
    assert "sikkerhed" not in added and "sikkerhed 0,83" in machine


def _with_stances(study, stances):
    """The study with the machine's stance of each barrier assignment set per respondent."""
    assignments = [
        a.model_copy(update={"stance": stances.get(study.respondent_of[a.segment_id])})
        if a.code_id.startswith("barrier.") else a
        for a in study.assignments
    ]
    return dataclasses.replace(study, assignments=assignments)


def test_barrier_quotes_are_hindrances_unless_another_stance_is_asked_for(study, redact, embed):
    """A barrier quoted as «we have solved that» illustrated the barrier in the report and `hoi cite`
    (the demo's «Politikerne har været gode …» under «Utilstrækkelig politisk efterspørgsel»): by
    default a barrier is quoted where it is spoken of as a hindrance (or its stance is not set), as the
    report's tables count it first; another stance only when asked for, and each quote says its stance."""
    from hoi_nlp.export.quotes import quote_line, quoted_stances

    code = "barrier.it_integration"
    staged = _with_stances(study, {"R1": "overcome", "R2": "hindrance"})
    default = best_quotes(staged, code, redact=redact, n=5, embed=embed, stances=quoted_stances(code))
    assert sorted(q.source_id for q in default) == ["R2:q0", "R3:q0"]
    assert {q.source_id: q.stance for q in default} == {"R2:q0": "hindrance", "R3:q0": None}
    overcome = best_quotes(staged, code, redact=redact, n=5, embed=embed,
                           stances=quoted_stances(code, "overcome"))
    assert [(q.source_id, q.stance) for q in overcome] == [("R1:q0", "overcome")]
    assert len(best_quotes(staged, code, redact=redact, n=5, embed=embed,
                           stances=quoted_stances(code, "any"))) == 3
    assert "overvundet/fraværende" in quote_line(overcome[0])
    assert quoted_stances("area.beskaeftigelse") is None  # only barriers carry a stance


def test_the_quote_extract_quotes_barriers_as_hindrances(study, redact, tmp_path):
    from tests.export.conftest import export_formats

    staged = _with_stances(study, {"R1": "overcome", "R2": "hindrance"})
    export_formats(staged, tmp_path, redact=redact, formats=["md"], figures=False, embeddings=False)
    extract = (tmp_path / "quotes.md").read_text(encoding="utf-8")
    section = extract.split("(`barrier.it_integration`)")[1].split("###")[0]
    assert "IT-systemerne er et stort problem" in section
    assert "Vores IT-systemer taler ikke sammen" not in section
    assert re.search(r"^\d+ citater: 0 accepteret eller tilføjet af en analytiker, \d+ kun maskinkodet .* · "
                     r"kodet af hoi\.rules\.v1 · udtrukket \d{4}-\d\d-\d\d\.$", extract, re.M), extract[:600]
    assert "Barrierer citeres, hvor de omtales som en hindring" in extract
    report = (tmp_path / "rapport.md").read_text(encoding="utf-8")
    assert "Barrierer citeres, hvor de omtales som en hindring" in report  # the method notes say so
    section = report.split("#### Utilstrækkelig integration af IT-systemer")[1].split("####")[0]
    assert "IT-systemerne er et stort problem" in section
    assert "Vores IT-systemer taler ikke sammen" not in section


def test_a_quote_list_says_what_its_quotes_rest_on(study, redact, embed):
    """An author pasting quotes must see how many an analyst confirmed and how many are the machine's
    alone, the selection, the codebook and coder versions and the date (`hoi cite` said none of it)."""
    from datetime import date

    from hoi_nlp.export.quotes import selection_note

    r3 = next(s for s in study.segments if s.source_id == "R3:q0")
    reviewed = dataclasses.replace(
        study,
        reviews={(r3.segment_id, "barrier.it_integration"): CodeReview(status="accepted", analyst="ana")})
    quotes = best_quotes(reviewed, "barrier.it_integration", redact=redact, n=5, embed=embed)
    note = selection_note(reviewed, quotes, group=("size_group", "Større kommune"), stance="hindrance",
                          today=date(2026, 12, 7))
    assert note.startswith("3 citater: 1 accepteret eller tilføjet af en analytiker, 2 kun maskinkodet")
    assert "holdning: hindring (eller ikke angivet)" in note and "gruppe: size_group=Større kommune" in note
    assert f"kodebog {study.codebook.version_tag}" in note and "kodet af hoi.rules.v1" in note
    assert note.endswith("udtrukket 2026-12-07")
    one = selection_note(reviewed, quotes[:1], today=date(2026, 12, 7))
    assert one.startswith("1 citat: 1 accepteret"), one  # not «1 citater»


def test_a_short_evidence_sentence_of_a_long_turn_is_quoted_with_its_neighbour(small_codebook, redact):
    """«Budgettet ligger i de forskellige afdelinger.» (six words) was the demo's whole quote from a turn
    of 80: a sentence cut from a long unit is joined with the next (else the previous) until it holds
    enough words to cite — still one exact slice of the source."""
    from hoi_nlp.export.study import CodedStudy
    from hoi_nlp.records import CodeAssignment, Evidence, slice_segment
    from tests.export.conftest import _sentences, _source

    text = " ".join([
       "Det gør vi ikke rigtig. Budgettet ligger i de forskellige afdelinger. Teamene har ikke et budget.",
       "Hvis de beslutter, at en familie skal have en familiebehandler, så er det familieafdelingens budget.",
       "Hvis de beslutter, at mor skal have en mentor, så er det jobcentrets.",
       "Og det fungerer sådan set, fordi det er de samme indsatser, der ville være givet alligevel.",
       "Men det betyder også, at der ikke er nogen, der har et samlet overblik over, hvad en familie koster.",
    ])
    assert len(text.split()) > 60
    attributes = ("Aarhus", "Region Midtjylland", "Større kommune", "Direktør")
    source = _source("T9", "transcript", attributes, 0, text)
    unit = slice_segment(source, kind="turn", start=0, end=len(text), speaker_role="respondent")
    phrase = "Budgettet ligger i de forskellige afdelinger"
    at = text.index(phrase)
    study = CodedStudy(
        codebook=small_codebook, sources={source.source_id: source}, segments=[unit],
        assignments=[CodeAssignment(segment_id=unit.segment_id,
                                    code_id="barrier.tvaergaaende_oekonomistyring", confidence=0.9,
                                    method="rule", coder="hoi.rules.v1", codebook_version="small@0.1",
                                    evidence=(Evidence(start=at, end=at + len(phrase), text=phrase),))],
        sentences={source.source_id: _sentences(source, 0, len(text))}, name="fixture")
    quote = make_quote(study, study.codings[0], redact=redact)
    assert quote.text == ("Budgettet ligger i de forskellige afdelinger. Teamene har ikke et budget. Hvis de "
                          "beslutter, at en familie skal have en familiebehandler, så er det "
                          "familieafdelingens budget.")
    assert text[quote.start:quote.end] == quote.text


class _Vectors:
    """An embedding of the fixture's texts given by hand (which text is most representative)."""

    def __init__(self, by_start: dict[str, list[float]]):
        self.by_start = by_start

    def __call__(self, texts, *, kind="passage"):
        import numpy as np

        return np.array([next(v for prefix, v in self.by_start.items() if t.startswith(prefix))
                         for t in texts])


def test_a_suggestion_the_coder_doubts_is_not_quoted_before_likely_ones(study, redact):
    """The demo's report quoted «Så om det samlet set er en besparelse …» (confidence 0.37, about savings,
    not political demand) for «Utilstrækkelig politisk efterspørgsel» ahead of suggestions at 0.93–0.98,
    because it lay nearest the code's centre: representativeness now orders the likely suggestions (0.5
    or more) and the doubtful ones after them, never one across the other."""
    confidence = {"R1": 0.4, "R2": 0.8, "R3": 0.7}
    assignments = [a.model_copy(update={"confidence": confidence[study.respondent_of[a.segment_id]]})
                   if a.code_id == "barrier.it_integration" else a for a in study.assignments]
    doubted = dataclasses.replace(study, assignments=assignments)
    central = _Vectors({"Vores": [1.0, 0.0], "IT-systemerne": [0.9, 0.436], "Jobcentret": [0.9, -0.436]})
    quotes = best_quotes(doubted, "barrier.it_integration", redact=redact, n=3, embed=central)
    assert [q.source_id for q in quotes][-1] == "R1:q0", [q.source_id for q in quotes]


def test_a_quote_within_the_quote_is_shown_in_single_quotes_in_the_citation_line():
    """«"… sagde: "Jamen, hvad får mit område ud af det?""» (11 of the demo report's quotes) breaks the
    quotation marks an author pastes: in the citation line a double quote inside the quote is shown as
    a single one; the quote's text stays the exact slice."""
    from tests.conftest import make_source

    text = 'En fagchef sagde: "Jamen, hvad får mit område ud af det?"'
    source = make_source(text, role="Kommunaldirektør")
    assert citation_line(text, source) == \
        "«\"En fagchef sagde: 'Jamen, hvad får mit område ud af det?'\" (Kommunaldirektør)»"


def test_hoi_quote_says_the_stance_of_a_barrier_quote(coded_workspace, small_codebook, redact):
    """An author checking a barrier quote by its id sees whether it is cited as a hindrance: the
    analyst's stance where set, else the machine's (`hoi quote` showed none)."""
    from hoi_nlp.export.dataset import load_coded_study
    from hoi_nlp.export.lookup import locate_quote
    from hoi_nlp.review.decisions import record_decision

    study = load_coded_study(coded_workspace, small_codebook)
    quote = best_quotes(study, "barrier.it_integration", redact=redact, n=1)[0]
    register_quotes(coded_workspace, [quote], study=study, redact=redact)
    assert locate_quote(coded_workspace, small_codebook, quote.quote_id, redact=lambda: redact).stance is None
    record_decision(coded_workspace, segment_id=quote.segment_id, action="stance", analyst="ana",
                    code_id="barrier.it_integration", outcome="overcome")
    found = locate_quote(coded_workspace, small_codebook, quote.quote_id, redact=lambda: redact)
    assert found.stance == "overcome"
    assert resolve_quote(load_coded_study(coded_workspace, small_codebook), quote.quote_id,
                         workspace=coded_workspace, redact=redact).stance == "overcome"


def test_an_analysts_span_cut_mid_word_is_quoted_in_whole_words(study, redact):
    """A selection in the review app that starts and ends inside words («t der ikke … overb») was quoted
    as it was: the quote is widened to the words it cuts, still one slice of the source."""
    t5 = next(s for s in study.segments if s.source_id == "T5")
    text = study.sources["T5"].text
    start = text.index("konkret er det") + 3  # «kret er det jobcentret …»
    end = text.index("gevinsten") + 4  # «… skal have gevi»
    reviewed = dataclasses.replace(study, reviews={(t5.segment_id, "area.beskaeftigelse"): CodeReview(
        status="accepted", analyst="ana", start=start, end=end)})
    coding = next(c for c in reviewed.codings_for("area.beskaeftigelse") if c.source_id == "T5")
    quote = make_quote(reviewed, coding, redact=redact)
    assert quote.text == "konkret er det jobcentret, der skal have gevinsten"
    assert text[quote.start:quote.end] == quote.text


def test_a_citation_shows_size_group_and_region_only_for_groups_large_enough(study, redact, embed):
    """`--with-attributes` put «(Kommunaldirektør, Større kommune, Region Nordjylland)» under the one
    interview from a larger municipality in Region Nordjylland — the municipality, for anyone who knows
    the sample. A citation shows the attributes only as far as at least `min_group_size` respondents of
    the same material and role share them (region first left out, then size group)."""
    from hoi_nlp.export.quotes import CITATION_ATTRIBUTES

    def citations(min_group_size: int) -> dict[str, str]:
        quotes = best_quotes(study, "barrier.it_integration", redact=redact, n=5, embed=embed,
                             with_attributes=CITATION_ATTRIBUTES, min_group_size=min_group_size)
        return {q.source_id: q.citation.rsplit("(", 1)[1] for q in quotes}

    assert citations(1) == {"R1:q0": "Kommunaldirektør, Større kommune, Region Syddanmark)»",
                            "R2:q0": "Direktør, Mindre kommune, Region Midtjylland)»",
                            "R3:q0": "Kommunaldirektør, Større kommune, Region Hovedstaden)»"}
    # two survey directors of larger municipalities (R1, R3) and two of smaller ones (R2, R4)
    assert citations(2) == {"R1:q0": "Kommunaldirektør, Større kommune)»",
                            "R2:q0": "Direktør, Mindre kommune)»",
                            "R3:q0": "Kommunaldirektør, Større kommune)»"}
    assert set(citations(5).values()) == {"Kommunaldirektør)»", "Direktør)»"}


def test_asking_for_no_quotes_gives_none(study, redact, embed):
    """`hoi cite --n 0` listed one quote."""
    from hoi_nlp.export.quotes import quotes_for_code

    assert best_quotes(study, "barrier.it_integration", redact=redact, n=0, embed=embed) == []
    assert quotes_for_code(study, "barrier.it_integration", redact=redact, limit=0) == []


def test_codings_too_short_to_quote_are_counted_so_the_cli_can_say_why_there_are_none(study, redact, embed):
    """`hoi cite` said «Ingen citater» without a reason when the only coding's span had too few content
    words; the codings left out so are handed back."""
    too_short: list = []
    quotes = best_quotes(study, "barrier.it_integration", redact=redact, n=3, embed=embed,
                         min_content_words=1000, too_short=too_short)
    assert quotes == [] and too_short
    assert {q.code_id for q in too_short} == {"barrier.it_integration"}
    assert best_quotes(study, "barrier.it_integration", redact=redact, n=3, embed=embed, too_short=too_short)


def test_a_short_answer_is_quoted_without_its_sentences_about_another_code(study, redact):
    """«Datadeling!! Vi bruger uforholdsmæssigt meget tid på at indhente samtykker. Og så er der det evige
    spørgsmål om hvem der betaler …» was the demo's quote for «Utilstrækkelige økonomiske incitamenter»:
    sentences at its edges that carry another code's evidence and none of this code's are left out, as
    long as what is left holds enough words."""
    from hoi_nlp.records import CodeAssignment, Evidence
    from tests.export.conftest import _sentences

    r1 = next(s for s in study.segments if s.source_id == "R1:q0")
    text = study.sources["R1:q0"].text
    assert text == "Vores IT-systemer taler ikke sammen. Økonomien ligger i søjlerne, og det er svært."
    economy = next(c for c in study.codings_for("barrier.tvaergaaende_oekonomistyring")
                   if c.source_id == "R1:q0")
    assert make_quote(study, economy, redact=redact).text == text  # the first sentence is 5 words
    longer = "Og det betyder, at ingen af afdelingerne vil betale for en indsats, der gavner de andre."
    source = study.sources["R1:q0"].model_copy(update={"text": text + " " + longer})
    unit = r1.model_copy(update={"end": len(source.text), "text": source.text,
                                 "segment_id": "R1:q0:a0-" + str(len(source.text))})
    at = source.text.index("Økonomien")
    reworded = dataclasses.replace(
        study, sources={**study.sources, "R1:q0": source},
        segments=[unit if s.segment_id == r1.segment_id else s for s in study.segments],
        sentences={**study.sentences, "R1:q0": _sentences(source, 0, len(source.text))},
        assignments=[a for a in study.assignments if a.segment_id != r1.segment_id] + [
            CodeAssignment(segment_id=unit.segment_id, code_id=code, confidence=0.9, method="rule",
                           coder="hoi.rules.v1", codebook_version="small@0.1",
                           evidence=(Evidence(start=start, end=start + len(phrase), text=phrase),))
            for code, start, phrase in [("barrier.it_integration", 6, "IT-systemer"),
                                        ("barrier.tvaergaaende_oekonomistyring", at, "Økonomien")]])
    economy = next(c for c in reworded.codings_for("barrier.tvaergaaende_oekonomistyring")
                   if c.source_id == "R1:q0")
    quote = make_quote(reworded, economy, redact=redact)
    assert quote.text == "Økonomien ligger i søjlerne, og det er svært. " + longer
    assert source.text[quote.start:quote.end] == quote.text
    it = next(c for c in reworded.codings_for("barrier.it_integration") if c.source_id == "R1:q0")
    assert make_quote(reworded, it, redact=redact).text.startswith("Vores IT-systemer taler ikke sammen.")


def test_hoi_quote_on_a_keyed_segment_id_of_a_removed_source_says_it_left_the_study(
        coded_workspace, small_codebook, redact):
    """A keyed segment id from an export, its source since removed from the study folder (a respondent who
    withdrew): `hoi quote` said «unknown quote or segment id», as for an id nobody handed out; a quote id
    said the source is no longer in the study."""
    from hoi_nlp.errors import ExportError
    from hoi_nlp.export.lookup import locate_quote
    from hoi_nlp.store import load_segments, remove_sources

    seg = next(s for s in load_segments(coded_workspace, codable=True) if s.source_id == "R2:q1")
    shown = redact.segment_id(seg.segment_id)
    assert shown != seg.segment_id
    found = locate_quote(coded_workspace, small_codebook, shown, redact=lambda: redact)
    assert found.segment_id == seg.segment_id
    remove_sources(coded_workspace, ["R2:q1"])
    for asked in (shown, seg.segment_id):
        with pytest.raises(ExportError, match="no longer in the study") as gone:
            locate_quote(coded_workspace, small_codebook, asked, redact=lambda: redact)
        assert "R2:q1" in str(gone.value)
    with pytest.raises(ExportError, match="unknown quote or segment id"):
        locate_quote(coded_workspace, small_codebook, "R7:q1:a-0123456789", redact=lambda: redact)


def test_hoi_quote_finds_a_keyed_segment_id_handed_out_before_its_source_was_renamed(
        coded_workspace, small_codebook, redact):
    """A renamed source (its text back under a new id; analysts' decisions follow it): a segment id an
    export gave before the rename finds the unit under its new id."""
    from hoi_nlp.export.lookup import locate_quote
    from hoi_nlp.store import load_segments
    from tests.conftest import rename_source

    seg = next(s for s in load_segments(coded_workspace) if s.source_id == "R2:q1" and s.codable)
    shown = redact.segment_id(seg.segment_id)
    assert rename_source(coded_workspace, "R2:q1", "R9:q1", respondent_id="R9") == {"R2:q1": "R9:q1"}
    found = locate_quote(coded_workspace, small_codebook, shown, redact=lambda: redact)
    assert (found.source_id, found.start, found.end) == ("R9:q1", seg.start, seg.end)


def test_a_source_renamed_back_and_forth_keeps_following_its_text(coded_workspace):
    """int01 -> int01x -> int01 -> int01x: the third rename was not linked (an id once moved was never
    looked at again), so decisions of both earlier periods pointed at a source no longer there."""
    from hoi_nlp.store import source_moves
    from tests.conftest import rename_source

    assert rename_source(coded_workspace, "R2:q1", "R9:q1") == {"R2:q1": "R9:q1"}
    assert rename_source(coded_workspace, "R9:q1", "R2:q1") == {"R9:q1": "R2:q1"}
    assert rename_source(coded_workspace, "R2:q1", "R9:q1") == {"R2:q1": "R9:q1"}
    assert source_moves(coded_workspace) == {"R2:q1": "R9:q1"}

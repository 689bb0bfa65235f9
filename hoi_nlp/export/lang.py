"""The words exports speak: Danish by default, English on request (``[report] language``).

Every text a user reads in the report, the quote extract, figures, sheet names and the export
commands' messages comes from :data:`TEXTS`, so one setting switches all of it and no page mixes
the two languages. Numbers are written the language's way: ``22 pct. (17 af 77)`` and ``0,031`` in
Danish, ``22% (17 of 77)`` and ``0.031`` in English.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("da", "en")
SUPPRESSED = "–"

TEXTS: dict[str, tuple[str, str]] = {
    # numbers and bases
    "share": ("{pct} pct. ({k} af {n})", "{pct}% ({k} of {n})"),
    "pct_only": ("{pct} pct.", "{pct}%"),
    "base_n": ("N = {n}", "N = {n}"),
    "group_n": ("{group} (n = {n})", "{group} (n = {n})"),
    "other_group": ("Øvrige", "Other"),
    "too_few": ("for få observationer", "too few observations"),
    "chi2": ("chi²", "chi²"),
    "fisher": ("Fishers eksakte test", "Fisher's exact test"),
    "test_p": ("{test} p = {p}", "{test} p = {p}"),
    "test_p_adjusted": ("{test} p = {p}, justeret p = {q}", "{test} p = {p}, adjusted p = {q}"),
    "survives": ("signifikant efter justering", "significant after adjustment"),
    # materials
    "material.survey": ("Spørgeskema", "Survey"),
    "material.interview": ("Interview", "Interviews"),
    "material_base.survey": ("respondenter med mindst ét åbent svar",
                             "respondents with at least one open answer"),
    "material_base.interview": ("interview", "interviews"),
    # stance
    "stance.hindrance": ("Hindring", "Hindrance"),
    "stance.precondition": ("Forudsætning", "Precondition"),
    "stance.overcome": ("Overvundet/fraværende", "Overcome/absent"),
    "stance.rating": ("Vurdering", "Rating"),
    "stance.unknown": ("Holdning ukendt", "Stance unknown"),
    "stance.any": ("Nævnt i alt", "Mentioned, all"),
    # attributes
    "attribute.municipality": ("Kommune", "Municipality"),
    "attribute.region": ("Region", "Region"),
    "attribute.size_group": ("Størrelsesgruppe", "Size group"),
    "attribute.role": ("Respondentrolle", "Respondent role"),
    # review states
    "review.unreviewed": ("ikke gennemset", "not reviewed"),
    "review.accepted": ("accepteret", "accepted"),
    "review.rejected": ("afvist", "rejected"),
    "review.added": ("tilføjet", "added"),
    "review.machine": ("maskinkodet", "machine-coded"),
    "review.unknown": ("ukendt", "unknown"),
    # source references
    "ref.survey": ("Spørgeskema, {respondent}, spm. {question}", "Survey, {respondent}, question {question}"),
    "ref.row": ("række {row}", "row {row}"),
    "ref.interview": ("Interview {respondent}", "Interview {respondent}"),
    "ref.turn": ("tur {turn}", "turn {turn}"),
    "ref.file": ("fil {file}", "file {file}"),
    # quotes
    "quotes.title": ("Citater pr. kode — {name}", "Quotes by code — {name}"),
    "quotes.intro": (
        "Kodebog: `{version}`. Citaterne er {state}. Hvert citat står med sin kilde (materiale, spørgsmål "
        "eller interviewtur, rolle); citat-id'et fører tilbage til kilde og position (`hoi quote ID`).",
        "Codebook: `{version}`. The quotes are {state}. Each quote carries its source (material, question "
        "or interview turn, role); the quote id leads back to source and position (`hoi quote ID`).",
    ),
    "quotes.pseudonymised": ("pseudonymiserede", "pseudonymised"),
    "quotes.raw": ("IKKE pseudonymiserede", "NOT pseudonymised"),
    "quotes.none": ("_Ingen citater._", "_No quotes._"),
    "quotes.confidence": ("sikkerhed {value}", "confidence {value}"),
    "quotes.state": (
        "{count}: {reviewed} accepteret eller tilføjet af en analytiker, {machine} kun maskinkodet "
        "(ikke gennemset)",
        "{count}: {reviewed} accepted or added by an analyst, {machine} machine-coded only (not reviewed)",
    ),
    "quotes.count": ("{n} citater", "{n} quotes"),
    "quotes.count_one": ("1 citat", "1 quote"),
    "quotes.stance": ("holdning: {stance}", "stance: {stance}"),
    "quotes.stance_hindrance": ("hindring (eller ikke angivet)", "hindrance (or not set)"),
    "quotes.stance_any": ("alle", "any"),
    "quotes.group": ("gruppe: {group}", "group: {group}"),
    "quotes.codebook": ("kodebog {version}", "codebook {version}"),
    "quotes.coders": ("kodet af {coders}", "coded by {coders}"),
    "quotes.drawn": ("udtrukket {date}", "drawn {date}"),
    "quotes.barriers": (
        "Barrierer citeres, hvor de omtales som en hindring (eller holdningen ikke er angivet), som "
        "tabellerne tæller dem først.",
        "Barriers are quoted where they are spoken of as a hindrance (or the stance is not set), as the "
        "tables count them first.",
    ),
    # report
    "report.subtitle": ("{materials} · kodebog {version}", "{materials} · codebook {version}"),
    "report.subtitle_material": ("{material}: {n} {unit}", "{material}: {n} {unit}"),
    "unit.survey": ("respondenter", "respondents"),
    "unit.interview": ("interview", "interviews"),
    "report.intro": (
        "Tabellerne viser for hvert materiale for sig, hvor stor en andel der nævner hver kode. I "
        "spørgeskemaet er basis de respondenter, der har besvaret mindst ét åbent spørgsmål (eller det "
        "enkelte spørgsmål, i tabellerne efter spørgsmål); i interviewene er basis antallet af interview. "
        "Hver andel står med sin basis, fx «22 pct. (17 af 77)». En respondent tælles én gang pr. kode, "
        "uanset hvor mange svar eller udsagn der har koden. Citaterne er {state} og gengives med "
        "respondentens rolle og kilde; citat-id'et fører tilbage til kilden (hoi quote ID).",
        "The tables show, for each material separately, the share that mentions each code. In the "
        "survey the base is the respondents who answered at least one open question (or the question "
        "itself, in the tables by question); in the interviews it is the number of interviews. Every "
        "share is printed with its base, e.g. «22% (17 of 77)». A respondent counts once per code, "
        "however many answers or turns carry the code. The quotes are {state} and are given with the "
        "respondent's role and source; the quote id leads back to the source (hoi quote ID).",
    ),
    "report.frequency_caption": (
        "{family}: andel, der nævner koden, pr. materiale",
        "{family}: share mentioning the code, by material",
    ),
    "report.stance_caption": (
        "{family}, {material} ({base}): hindringer talt for sig og adskilt fra barrierer nævnt som "
        "overvundet eller fraværende; «{unknown}» = nævnt, uden at maskinen eller en analytiker har "
        "angivet holdningen",
        "{family}, {material} ({base}): hindrances counted apart from barriers mentioned as overcome "
        "or absent; «{unknown}» = mentioned without a stance set by the machine or an analyst",
    ),
    "report.code": ("Kode", "Code"),
    "report.figure_caption": (
        "{family}: andel, der nævner koden, pr. materiale (pct. af basis)",
        "{family}: share mentioning the code, by material (% of base)",
    ),
    "report.figure_caption_stance": (
        "{family}: andel, der nævner barrieren som hindring eller uden angivet holdning, pr. materiale "
        "(pct. af basis; nævnt som overvundet/fraværende tælles ikke med)",
        "{family}: share mentioning the barrier as a hindrance or without a stance, by material "
        "(% of base; mentioned as overcome/absent not counted)",
    ),
    "report.figure_top": ("; de {n} hyppigste koder", "; the {n} most frequent codes"),
    "report.figure_axis": ("Andel af basis (pct.)", "Share of base (%)"),
    "report.by_question_caption": (
        "{family} efter spørgsmål (spørgeskema): basis er de respondenter, der har besvaret spørgsmålet",
        "{family} by question (survey): the base is the respondents who answered the question",
    ),
    "report.question": ("Spørgsmål", "Question"),
    "report.answered": ("Besvaret af", "Answered by"),
    "report.top_codes": ("Hyppigste koder", "Most frequent codes"),
    "report.difference_caption": (
        "{family}, {material}: andel efter {attribute}, med test (* = signifikant efter "
        "Benjamini–Hochberg-justering)",
        "{family}, {material}: share by {attribute}, with test (* = significant after "
        "Benjamini–Hochberg adjustment)",
    ),
    "report.test": ("Test", "Test"),
    "report.no_mentions": (
        "Ingen af respondenterne nævner koder i denne familie.",
        "None of the respondents mentions a code of this family.",
    ),
    "report.mentions_suppressed": (
        "Familiens koder er brugt, men antallene vises ikke: {materials} har færre end {n} "
        "respondenter (grænsen for små grupper). Kodningerne står i datasættet og citaterne.",
        "The family's codes are used, but their counts are not shown: {materials} has fewer than {n} "
        "respondents (the small-group limit). The codings are in the dataset and the quotes.",
    ),
    "report.method": ("Metode", "Method"),
    "report.method_notes": ("Metodenoter", "Method notes"),
    "report.figure": ("Figur", "Figure"),
    "report.appendix_memos": ("Bilag: analytikernes memoer", "Appendix: the analysts' memos"),
    "report.memos_intro": (
        "Memoer skrevet i gennemsynsappen, pseudonymiserede som citaterne.",
        "Memos written in the review app, pseudonymised like the quotes.",
    ),
    "report.memo_analyst": ("Analytiker", "Analyst"),
    "report.memo_text": ("Memo", "Memo"),
    "report.memo_source": ("Kilde", "Source"),
    "report.appendix_questions": ("Bilag: spørgeskemaets åbne spørgsmål",
                                  "Appendix: the survey's open questions"),
    "report.question_text": ("Spørgsmålstekst", "Question text"),
    "report.footer": ("{title} · pseudonymiseret · hoi_nlp", "{title} · pseudonymised · hoi_nlp"),
    "report.footer_raw": ("IKKE PSEUDONYMISERET — må ikke deles", "NOT PSEUDONYMISED — do not share"),
    "report.quotes_title": ("Citater: {title}", "Quotes: {title}"),
    "report.quotes_subtitle": ("Pseudonymiserede citater fra hoi_nlp", "Pseudonymised quotes from hoi_nlp"),
    # method notes
    "method.codebook": ("Kodebog", "Codebook"),
    "method.coders": ("Kodere og modeller", "Coders and models"),
    "method.retrained": ("genoplært på studiets gennemgåede citater",
                         "retrained on the study's reviewed quotes"),
    "method.thresholds": ("Tærskler", "Thresholds"),
    "method.bases": ("Basis", "Bases"),
    "method.sources": ("Kilder (svar og interview)", "Sources (answers and interviews)"),
    "method.units": ("Kodningsenheder", "Coding units"),
    "method.codings": ("Kodninger i tabellerne", "Codings in the tables"),
    "method.reviewed": ("Gennemsete kodninger", "Reviewed codings"),
    "method.reviewed_value": ("{n} (heraf afvist: {rejected})", "{n} (of which rejected: {rejected})"),
    "method.decisions": ("Analytikerbeslutninger", "Analyst decisions"),
    "method.agreement": ("Enighed, {comparison}", "Agreement, {comparison}"),
    "method.agreement_percent": ("enighed {value} %", "agreement {value}%"),
    "method.units_count": ("{segments} kodeenheder, {n} vurderinger (kodeenhed × kode)",
                           "{segments} coding units, {n} judgements (coding unit × code)"),
    "method.small_cells": ("Små grupper", "Small groups"),
    "method.small_cells_value": (
        "Grupper med færre end {n} respondenter er slået sammen til «{other}» eller, når også den er "
        "for lille, ikke vist («–») i tabeller, krydstabeller og figurer.",
        "Groups of fewer than {n} respondents are merged into «{other}» or, when that is still too "
        "small, not shown («–») in tables, crosstabs and figures.",
    ),
    "method.tests": ("Signifikanstest", "Significance tests"),
    "method.tests_value": (
        "chi²-test, når alle forventede antal er mindst 5; ellers Fishers eksakte test for 2×2-tabeller; "
        "ellers «for få observationer». Der er kørt {m} test; p-værdierne er justeret for mange test "
        "med Benjamini–Hochberg (falsk opdagelsesrate {fdr}), og kun test med justeret p < {fdr} regnes "
        "som signifikante ({survivors} af {m}). Både rå og justerede p-værdier står i tabellerne.",
        "chi-square test when every expected count is at least 5; else Fisher's exact test for 2×2 "
        "tables; else «too few observations». {m} tests were run; the p-values are adjusted for "
        "multiple testing with Benjamini–Hochberg (false discovery rate {fdr}), and only tests with "
        "adjusted p < {fdr} count as significant ({survivors} of {m}). Raw and adjusted p-values are both "
        "in the tables.",
    ),
    "method.stance": ("Barrierer og holdning", "Barriers and stance"),
    "method.stance_value": (
        "Barrierekoder tælles efter holdning: nævnt som hindring, som forudsætning, som overvundet eller "
        "fraværende, eller som vurdering. Holdningen er analytikerens, hvor den er sat, ellers maskinens. "
        "«{unknown}» er kodninger uden holdning (nævnt, holdning ukendt): {unknown_n} af {total} "
        "barrierekodninger.",
        "Barrier codes are counted by stance: mentioned as a hindrance, a precondition, overcome or "
        "absent, or as a rating. The stance is the analyst's where set, else the machine's. "
        "«{unknown}» are codings without a stance (mentioned, stance unknown): {unknown_n} of {total} "
        "barrier codings.",
    ),
    "method.quotes": ("Citater", "Quotes"),
    "method.quotes_value": (
        "Citater vælges blandt kodninger (analytikergodkendte først, afviste aldrig, maskinforslag med "
        "sikkerhed under 0,5 sidst), skal rumme mindst {n} indholdsord, og korte svar («Ja.», «Nej.») og "
        "tilbagemeldinger står ikke alene. Samme tekst citeres kun én gang. Barrierer citeres, hvor de "
        "omtales som en hindring (eller holdningen ikke er angivet).",
        "Quotes are chosen among codings (analyst-confirmed first, rejected never, machine suggestions "
        "under 0.5 confidence last), must hold at least {n} content words, and short answers («Yes.», "
        "«No.») and backchannels never stand alone. The same text is quoted once. Barriers are quoted "
        "where they are spoken of as a hindrance (or the stance is not set).",
    ),
    "method.thresholds_value": (
        "minimum sikkerhed {confidence}; citatudvælgelse med indlejringer ({backend}); "
        "near-duplikater ved cosinus ≥ 0,97",
        "minimum confidence {confidence}; quote selection with embeddings ({backend}); "
        "near duplicates at cosine ≥ 0.97",
    ),
    "comparison.machine vs analysts": ("maskine vs. analytikere", "machine vs analysts"),
    "comparison.machine": ("maskine vs. {who}", "machine vs {who}"),
    "comparison.round": ("runde {round} ({coders})", "round {round} ({coders})"),
    "comparison.in_round": ("{comparison} (runde {round})", "{comparison} (round {round})"),
    "comparison.vs": ("vs.", "vs"),
    "method.left_out": ("{n} udeladt, som ikke alle analytikere har gennemgået",
                        "{n} left out that not every analyst reviewed"),
    # themes (the themes engineer's section keeps its own wording; its headings come from here)
    "themes.heading": ("Nye temaer (ikke i kodebogen)", "Emergent themes (not in the codebook)"),
    "themes.intro": (
        "Temaerne er fundet automatisk blandt segmenter, som ingen kode dækker, og er kandidater til nye "
        "koder. De skal vurderes af en analytiker.",
        "The themes were found automatically among segments no code covers, and are candidates for new "
        "codes. An analyst should judge them.",
    ),
    "themes.table": ("Nye temaer", "Emergent themes"),
    "themes.theme": ("Tema", "Theme"),
    "themes.segments": ("Segmenter", "Segments"),
    "themes.keywords": ("Nøgleord", "Keywords"),
    # sheets
    "sheet.segments": ("Segmenter", "Segments"),
    "sheet.codes": ("Koder", "Codes"),
    "sheet.frequency": ("Frekvens {family}", "Frequency {family}"),
    "sheet.by_question": ("Frekvens pr. spørgsmål", "Frequency by question"),
    "sheet.crosstab": ("Krydstabel {attribute}", "Crosstab {attribute}"),
    "sheet.cooccurrence_respondent": ("Samforekomst respondent", "Co-occurrence respondent"),
    "sheet.cooccurrence_segment": ("Samforekomst segment", "Co-occurrence segment"),
    "sheet.matrix": ("Case × kode", "Case × code"),
    "sheet.memos": ("Memoer", "Memos"),
    "memo.study": ("Memo om studiet", "Memo on the study"),
    "sheet.respondents": ("Respondenter", "Respondents"),
    "sheet.codebook": ("Kodebog", "Codebook"),
    "sheet.cut": (" … [afkortet: {n} tegn, Excel rummer højst 32.767 i en celle; hele teksten står i "
                  "Parquet- og CSV-filerne]",
                  " … [cut: {n} characters, Excel holds at most 32,767 in a cell; the whole text is in "
                  "the Parquet and CSV files]"),
    # figures
    "figure.crosstab_title": (
        "{family} efter {attribute}, {material} (pct. af gruppen)",
        "{family} by {attribute}, {material} (% of the group)",
    ),
    "figure.share": ("Andel (pct.)", "Share (%)"),
    "figure.cooccurrence_title": (
        "Samforekomst af koder (antal respondenter, der nævner begge)",
        "Co-occurrence of codes (respondents mentioning both)",
    ),
    "figure.respondents": ("Antal respondenter", "Respondents"),
    # CLI messages of the export commands
    "cli.wrote": ("skrev {path}", "wrote {path}"),
    "cli.raw_warning": (
        "Advarsel: --raw: filerne er IKKE pseudonymiserede og er mærket «IKKE PSEUDONYMISERET».",
        "Warning: --raw: the files are NOT pseudonymised and are marked 'IKKE PSEUDONYMISERET'.",
    ),
    "cli.no_quotes": ("Ingen citater for {code}{group}.", "No quotes for {code}{group}."),
    "cli.too_short": ("{n} kodning(er) er udeladt, fordi de har færre end {k} indholdsord og ikke står "
                      "alene som citat: udvid markeringen i review-appen, eller sænk "
                      "report.quote_min_content_words.",
                      "{n} coding(s) left out because they have fewer than {k} content words and do not "
                      "stand on their own as a quote: widen the selection in the review app, or lower "
                      "report.quote_min_content_words."),
    "cli.in_group": (" i {group}", " in {group}"),
    "cli.with_stance": (" med holdningen {stance} (`--stance any` giver alle)",
                        " with the stance {stance} (`--stance any` gives all)"),
    "cli.original_warning": (
        "Advarsel: teksten nedenfor er det ORIGINALE udsnit og er IKKE pseudonymiseret.",
        "Warning: the text below is the ORIGINAL span and is NOT pseudonymised.",
    ),
    "cli.quote": ("citat", "quote"),
    "cli.code": ("kode", "code"),
    "cli.source": ("kilde", "source"),
    "cli.where": ("sted", "where"),
    "cli.segment": ("segment", "segment"),
    "cli.file": ("fil", "file"),
    "cli.offsets": ("position", "offsets"),
    "cli.review": ("gennemsyn", "review"),
    "cli.role": ("rolle", "role"),
    "cli.stance": ("holdning", "stance"),
    "cli.text": ("tekst", "text"),
    "cli.original": ("original", "original"),
    "cli.unknown_format": ("ukendt format '{fmt}'", "unknown format '{fmt}'"),
}


@dataclass(frozen=True)
class Texts:
    """The texts of one language: ``texts("share", pct="22", k=17, n=77)``."""

    language: str = "da"

    @property
    def english(self) -> bool:
        """Whether this is the English text set."""
        return self.language == "en"

    def __call__(self, key: str, **values: object) -> str:
        pair = TEXTS.get(key)
        if pair is None:
            return key.split(".", 1)[-1]
        return pair[1 if self.english else 0].format(**values)

    def get(self, key: str, default: str) -> str:
        """The text of ``key`` when there is one, else ``default``."""
        return self(key) if key in TEXTS else default

    def number(self, value: float, digits: int = 0) -> str:
        """A number with the language's decimal mark: ``0,031`` / ``0.031``."""
        text = f"{value:.{digits}f}"
        return text if self.english else text.replace(".", ",")

    def p_value(self, p: float) -> str:
        """``< 0,001`` / ``0,031`` (Danish) or ``< 0.001`` / ``0.031`` (English)."""
        return f"< {self.number(0.001, 3)}" if p < 0.001 else self.number(p, 3)

    def share(self, k: int | None, n: int | None) -> str:
        """``22 pct. (17 af 77)``; ``–`` when suppressed (``k`` or ``n`` is None) or the base is empty."""
        if k is None or n is None or n <= 0:
            return SUPPRESSED
        return self("share", pct=self.number(100 * k / n), k=k, n=n)


def texts_for(language: str | None) -> Texts:
    """The texts of ``language`` (Danish for anything unknown)."""
    return Texts(language if language in LANGUAGES else "da")


def format_place(place: dict[str, object], texts: Texts | None = None) -> str:
    """``Spørgeskema, R012, spm. 1.2_kommentar, række 13`` / ``Interview int07, tur 12``."""
    texts = texts or texts_for("da")
    if not place:
        return ""
    if place.get("material") == "interview":
        parts = [texts("ref.interview", respondent=place.get("respondent", ""))]
        if place.get("turn") is not None:
            parts.append(texts("ref.turn", turn=place["turn"]))
        return ", ".join(parts)
    parts = [texts("ref.survey", respondent=place.get("respondent", ""),
                   question=place.get("question", ""))]
    if place.get("row") is not None:
        parts.append(texts("ref.row", row=place["row"]))
    return ", ".join(parts)

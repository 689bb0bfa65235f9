"""The review app's words in Danish (the default) and English: one dictionary, nothing scattered.

Templates and routes write English source strings through ``_``: ``{{ _('Review queue') }}`` or
``_('{n} coding units', n=total)``. :data:`DA` holds the Danish for every one of them (a test
checks that no string of a template is missing); English is the source string itself. The
language is the analyst's choice (a cookie set from the top bar) or else the study's setting
``[review] language``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LANGUAGES = ("da", "en")
COOKIE = "hoi_lang"

DA: dict[str, str] = {
    # ---- top bar, login, errors
    "Review": "Gennemgang",
    "Study workspace": "Studiets arbejdsmappe",
    "Queue": "Kø",
    "Browse": "Gennemse",
    "Codebook": "Kodebog",
    "Double coding": "Dobbeltkodning",
    "Agreement": "Enighed",
    "Study memos": "Memoer om studiet",
    "Users": "Brugere",
    "admin": "admin",
    "may see original text": "må se den originale tekst",
    "sees pseudonymised text": "ser pseudonymiseret tekst",
    "Log out": "Log ud",
    "Log in": "Log ind",
    "Language": "Sprog",
    "Review of coded quotes for": "Gennemgang af kodede citater for",
    "Username": "Brugernavn",
    "Password": "Adgangskode",
    "Accounts are created with": "Konti oprettes med",
    "Wrong username or password.": "Forkert brugernavn eller adgangskode.",
    "Error": "Fejl",
    "Back to the queue": "Tilbage til køen",
    "invalid or missing CSRF token; reload the page": "ugyldig eller manglende CSRF-nøgle; genindlæs siden",
    "The server could not save this. Reload the page; nothing you saw as saved is lost.":
        "Serveren kunne ikke gemme dette. Genindlæs siden; intet af det, du så som gemt, er tabt.",
    "The app did not answer: this was not saved. Check that `hoi review` runs, then reload the page.":
        "Appen svarede ikke: dette blev ikke gemt. Tjek at `hoi review` kører, og genindlæs siden.",
    "the study's pseudonym key is changing; reload the page in a moment":
        "studiets pseudonymnøgle ændres lige nu; genindlæs siden om et øjeblik",
    # ---- lists
    "Review queue": "Kodekø",
    "Round {round}": "Runde {round}",
    "Browse by": "Gennemse efter",
    "Confidence band": "Sikkerhedsniveau",
    "Question": "Spørgsmål",
    "Speaker": "Taler",
    "Source": "Kilde",
    "Status": "Status",
    "Code": "Kode",
    "Family": "Familie",
    "Attribute": "Baggrundsvariabel",
    "Role": "Rolle",
    "Size group": "Størrelsesgruppe",
    "Region": "Region",
    "Confidence": "Sikkerhed",
    "any": "alle",
    "Filter": "Filtrér",
    "Clear": "Nulstil",
    "e.g. 1.2_kommentar": "fx 1.2_kommentar",
    "{n} coding units": "{n} kodeenheder",
    "1 coding unit": "1 kodeenhed",
    "with undecided suggestions": "med uafklarede forslag",
    "ordered by": "ordnet efter",
    "active learning (the coder's most uncertain units first, varied)":
        "aktiv læring (kodeenheder, coderen er mest usikker på, først — varieret)",
    "lowest confidence first": "laveste sikkerhed først",
    "showing {first}–{last}": "viser {first}–{last}",
    "page {page} of {pages}": "side {page} af {pages}",
    "First": "Første",
    "Previous page": "Forrige side",
    "Next page": "Næste side",
    "Last": "Sidste",
    "Nothing to review here": "Intet at gennemgå her",
    "with these filters": "med disse filtre",
    "Quote": "Citat",
    "Where": "Hvor",
    "Codes": "Koder",
    "no codes": "ingen koder",
    "turn {n}": "tur {n}",
    "move": "flyt",
    "open": "åbn",
    "next page": "næste side",
    "previous page": "forrige side",
    "low": "lav",
    "mid": "middel",
    "high": "høj",
    "all": "alle",
    "pending": "afventer",
    "flagged": "markeret",
    "possible": "muligvis",
    # ---- statuses
    "suggested": "foreslået",
    "accepted": "accepteret",
    "rejected": "afvist",
    "added": "tilføjet",
    "unreviewed": "ikke gennemgået",
    # ---- segment page
    "List": "Liste",
    "Previous": "Forrige",
    "Next": "Næste",
    "Previous (k / p)": "Forrige (k / p)",
    "Next (j / n)": "Næste (j / n)",
    "Blind round": "Blind runde",
    "you see only your own decisions until every analyst has finished.":
        "du ser kun dine egne beslutninger, indtil alle analytikere er færdige.",
    "This round is finished for you; decisions are locked.":
        "Runden er afsluttet for dig; beslutningerne er låst.",
    "Round page": "Rundens side",
    "Respondent": "Respondent",
    "original text": "original tekst",
    "pseudonymised": "pseudonymiseret",
    "Quote span": "Citatets udsnit",
    "adjusted": "justeret",
    "Set quote to selection": "Sæt citatet til markeringen",
    "Select text in the context first (s)": "Markér først tekst i konteksten (s)",
    "Reset to the whole unit": "Nulstil til hele kodeenheden",
    "machine confidence": "maskinens sikkerhed",
    "by": "af",
    "Accept": "Acceptér",
    "Reject": "Afvis",
    "Add": "Tilføj",
    "No suggestions for this unit. Add a code below.":
        "Ingen forslag til denne kodeenhed. Tilføj en kode nedenfor.",
    "Add a code — type to search (c)": "Tilføj en kode — skriv for at søge (c)",
    "Memo & flag": "Memo og markering",
    "Write a memo (m) — Ctrl+Enter saves": "Skriv et memo (m) — Ctrl+Enter gemmer",
    "Save memo": "Gem memo",
    "Memo": "Memo",
    "Title": "Titel",
    "Memos on the study as a whole, not on one coding unit: journals imported from QualCoder "
    "(`hoi import-qdpx`) and memos written here. Exports carry them, pseudonymised.":
        "Memoer om studiet som helhed, ikke om én kodeenhed: journaler importeret fra QualCoder "
        "(`hoi import-qdpx`) og memoer skrevet her. Eksporterne har dem med, pseudonymiseret.",
    "imported from {file}": "importeret fra {file}",
    "No memos on the study yet.": "Endnu ingen memoer om studiet.",
    "a study memo needs a text": "et memo om studiet skal have en tekst",
    "Memo on this code": "Memo om koden",
    "Agreements": "Enighed",
    ("Codes every analyst coded alike, applied or not, on units all of them reviewed: {n} not yet "
     "carried into the main review (the exports count the main review)."):
        ("Koder, som alle analytikere har kodet ens, anvendt eller ej, på enheder de alle har "
         "gennemgået: {n} er endnu ikke ført over i hovedgennemgangen (eksporterne tæller "
         "hovedgennemgangen)."),
    "Carry the {n} agreements into the main review": "Før de {n} enige kodninger over i hovedgennemgangen",
    "made on": "truffet på",
    ", merged since": ", siden lagt sammen",
    "Flagged for discussion — unflag": "Markeret til drøftelse — fjern markering",
    "Flag for discussion": "Markér til drøftelse",
    "History": "Historik",
    "Undo my last decision here (u)": "Fortryd min seneste beslutning her (u)",
    "Undo last": "Fortryd seneste",
    "undo": "fortryd",
    "No decisions yet.": "Ingen beslutninger endnu.",
    "accept": "acceptér",
    "reject": "afvis",
    "choose code": "vælg kode",
    "add code": "tilføj kode",
    "span from selection": "udsnit fra markering",
    "memo": "memo",
    "flag": "markér",
    "next": "næste",
    "previous": "forrige",
    "remove": "fjern",
    "add": "tilføj",
    "span": "udsnit",
    "unflag": "fjern markering",
    "consensus": "konsensus",
    "stance": "holdning",
    # ---- suggestions explained (issue 17)
    "Possible codes": "Mulige koder",
    "Below the coder's threshold: shown so you can see what it nearly suggested. They count only when you "
    "accept one.":
        "Under coderens tærskel: vist, så du kan se, hvad den næsten foreslog. De tæller først, når du "
        "accepterer en.",
    "Why?": "Hvorfor?",
    "Words that matched": "Ord, der matchede",
    "the word «{text}» in any form": "ordet «{text}» i alle bøjninger",
    "the phrase «{text}»": "udtrykket «{text}»",
    "the words «{text}» (… any words, / either word)": "ordene «{text}» (… vilkårlige ord, / et af ordene)",
    "a word pattern of the codebook": "et ordmønster fra kodebogen",
    "No single words decided this: the suggestion comes from the meaning of the whole unit.":
        "Ingen enkelte ord afgjorde dette: forslaget bygger på betydningen af hele kodeenheden.",
    "Scores of the coders": "Codernes vurdering",
    "rules": "regler",
    "similarity": "lighed",
    "classifier": "klassifikator",
    "Nearest examples": "Nærmeste eksempler",
    "codebook example": "kodebogseksempel",
    "reviewed quote": "gennemgået citat",
    "training example": "træningseksempel",
    "Definition": "Definition",
    "Include": "Medtag",
    "Exclude": "Udelad",
    "Stance": "Holdning",
    "machine": "maskine",
    "not set": "ikke angivet",
    "Set stance": "Angiv holdning",
    "hindrance": "hindring",
    "precondition": "forudsætning",
    "overcome": "overvundet / ikke til stede",
    "rating": "vurdering",
    "deprecated": "udgået",
    # ---- codebook pages
    "Suggested": "Foreslået",
    "Accepted": "Accepteret",
    "Added": "Tilføjet",
    "Rejected": "Afvist",
    "Pending": "Afventer",
    "Retraining…": "Gentræner…",
    "Retrain coders with reviewed quotes": "Gentræn coderne med gennemgåede citater",
    "Last retraining: {rows} reviewed segments, {texts} texts in {seconds} s.":
        "Seneste gentræning: {rows} gennemgåede kodeenheder, {texts} tekster på {seconds} s.",
    "Changes and versions": "Ændringer og versioner",
    "New code": "Ny kode",
    "Label": "Betegnelse",
    "Name in the id (optional)": "Navn i id'et (valgfrit)",
    "Description": "Beskrivelse",
    "Create code": "Opret kode",
    "Create a code from this quote": "Opret en kode ud fra dette citat",
    "The quote (or your selection in the text) becomes the new code's first example, pseudonymised, and the "
    "code is added to this unit.":
        "Citatet (eller din markering i teksten) bliver den nye kodes første eksempel, pseudonymiseret, og "
        "koden tilføjes denne kodeenhed.",
    "applied": "anvendt",
    "review pending": "gennemgå de afventende",
    "Codebook examples": "Kodebogens eksempler",
    "Quotes in this study": "Citater i dette studie",
    "No quotes yet.": "Ingen citater endnu.",
    "Edit this code": "Redigér denne kode",
    "Rename": "Omdøb",
    "New label": "Ny betegnelse",
    "New name in the id (optional)": "Nyt navn i id'et (valgfrit)",
    "Merge into": "Slå sammen med",
    "Merge": "Slå sammen",
    "Its codings, patterns and examples move to the chosen code; this code disappears.":
        "Kodningerne, mønstrene og eksemplerne flyttes til den valgte kode; denne kode forsvinder.",
    "Move to family": "Flyt til familie",
    "Move": "Flyt",
    "Deprecate": "Udfas",
    "Reason (optional)": "Begrundelse (valgfri)",
    "Earlier codings stay; the code is no longer offered for new coding.":
        "Tidligere kodninger bevares; koden tilbydes ikke længere til ny kodning.",
    "Restore": "Genindfør",
    "This code is deprecated: it is kept for earlier codings and not offered for new coding.":
        "Koden er udfaset: den bevares for tidligere kodninger og tilbydes ikke til ny kodning.",
    "Codebook changes": "Ændringer i kodebogen",
    "Every change writes a new version of the study's codebook; exports and the app use the newest.":
        "Hver ændring skriver en ny version af studiets kodebog; eksporter og appen bruger den nyeste.",
    "Version": "Version",
    "When": "Hvornår",
    "Who": "Hvem",
    "What": "Hvad",
    "No changes yet: the study uses the codebook it was coded with ({tag}).":
        "Ingen ændringer endnu: studiet bruger den kodebog, det blev kodet med ({tag}).",
    "Codebook copied into the study ({codes} codes, from {tag})":
        "Kodebogen kopieret ind i studiet ({codes} koder, fra {tag})",
    "Created {code} «{label}»": "Oprettede {code} «{label}»",
    "from a quote": "ud fra et citat",
    "from theme {topic}, `hoi themes promote`": "ud fra tema {topic}, `hoi themes promote`",
    "Renamed {code}: «{before}» → «{label}»": "Omdøbte {code}: «{before}» → «{label}»",
    "new id {target}": "nyt id {target}",
    "Merged {code} «{label}» into {target} «{into}»": "Slog {code} «{label}» sammen med {target} «{into}»",
    "Moved {code} from {source} to {family} (now {target})":
        "Flyttede {code} fra {source} til {family} (nu {target})",
    "Deprecated {code} «{label}»": "Udfasede {code} «{label}»",
    "Restored {code} «{label}»": "Genindførte {code} «{label}»",
    "{n} machine suggestions moved": "{n} maskineforslag flyttet",
    "Retraining required": "Gentræning påkrævet",
    "Retraining recommended": "Gentræning anbefales",
    "The trained coder knows other codes than the codebook (new: {new}; gone: {gone}). It cannot suggest "
    "with this codebook until it is retrained.":
        "Den trænede coder kender andre koder end kodebogen (nye: {new}; forsvundne: {gone}). Den kan ikke "
        "foreslå koder med denne kodebog, før den er gentrænet.",
    "The machine's suggestions were made with codebook {old}; the codebook is now {new}. Retrain the coder "
    "so it suggests the changed codes.":
        "Maskinens forslag blev lavet med kodebogen {old}; kodebogen er nu {new}. Gentræn coderen, så den "
        "foreslår de ændrede koder.",
    "Retrain with the button on the codebook page (admins) or `hoi retrain STUDY`.":
        "Gentræn med knappen på kodebogssiden (administratorer) eller `hoi retrain STUDY`.",
    "Saved: codebook version {version}.": "Gemt: kodebogens version {version}.",
    "retraining is not available in this app": "gentræning er ikke tilgængelig i denne app",
    # ---- messages of the review routes
    "only admins can retrain the coders": "kun administratorer kan gentræne coderne",
    "unknown round '{round}'": "ukendt runde '{round}'",
    "'{analyst}' is not an analyst of round '{round}'": "'{analyst}' er ikke analytiker i runde '{round}'",
    "round '{round}' was cancelled": "runde '{round}' er annulleret",
    "round '{round}' is not complete: every analyst must finish first":
        "runde '{round}' er ikke afsluttet: alle analytikere skal være færdige først",
    "the round is not complete: every analyst must finish first":
        "runden er ikke afsluttet: alle analytikere skal være færdige først",
    "only the round's analysts or an admin can resolve it":
        "kun rundens analytikere eller en administrator kan afgøre den",
    "this round is finished; decisions are locked": "runden er afsluttet; beslutningerne er låst",
    "nothing of yours to undo here": "intet af dit at fortryde her",
    "unknown decision": "ukendt beslutning",
    "in a blind round you can only undo your own decisions":
        "i en blind runde kan du kun fortryde dine egne beslutninger",
    "you can only undo your own decisions; decide again to change another analyst's "
    "(both stay in the history)":
        "du kan kun fortryde dine egne beslutninger; beslut igen for at ændre en andens "
        "(begge bliver i historikken)",
    "'consensus' has its own button": "'consensus' har sin egen knap",
    "Nothing left after this unit: back to the list (j / n)":
        "Intet tilbage efter denne kodeenhed: tilbage til listen (j / n)",
    "Back to the list": "Tilbage til listen",
    "no such coding unit": "ingen sådan kodeenhed",
    "the password is on the list of common passwords":
        "adgangskoden er på listen over almindelige adgangskoder",
    "the password is a repetition or a sequence of characters":
        "adgangskoden er en gentagelse eller en række af tegn",
    "the password must not contain the username": "adgangskoden må ikke indeholde brugernavnet",
    "choose a passphrase of {n}+ characters, e.g. four unrelated words":
        "vælg en adgangssætning på {n}+ tegn, fx fire ord uden sammenhæng",
    "'undo' has its own button": "'undo' har sin egen knap",
    "Not Found": "Ikke fundet",
    "none": "ingen",
    # ---- codebook edit errors (hoi_nlp.review.codebook_edit)
    "unknown code '{code}'": "ukendt kode '{code}'",
    "you are not an analyst of round '{round}'": "du er ikke analytiker i runden '{round}'",
    # ---- words a refusal lists (Words): attributes a reader may filter by
    "role": "rolle",
    "size_group": "størrelsesgruppe",
    "region": "region",
    "'{outcome}' is no stance: use one of {stances}": "'{outcome}' er ingen holdning: brug en af {stances}",
    "you can filter by the attributes {attributes} only":
        "du kan kun filtrere efter attributterne {attributes}",
    "no coding unit '{segment}'": "ingen kodeenhed '{segment}'",
    "no coding unit '{segment}': its transcript was corrected since, and the unit's words with it":
        "ingen kodeenhed '{segment}': transskriptionen er rettet siden, og kodeenhedens ord med den",
    "segment '{segment}' is not part of round '{round}'":
        "enheden '{segment}' er ikke med i runden '{round}'",
    "bad span": "ugyldig markering",
    "unknown family '{family}'": "ukendt familie '{family}'",
    "a code '{code}' exists already": "der findes allerede en kode '{code}'",
    "'{code}' was the id of the code now called '{now}', whose decisions it holds":
        "'{code}' var id for koden, der nu hedder '{now}', og dens beslutninger hører til den",
    "the selection lies outside the highlighted answer or turn — select text inside it":
        "markeringen ligger uden for det fremhævede svar eller den fremhævede tur — markér tekst inden "
        "for den",
    "the code's id would hold a name the study pseudonymises":
        "kodens id ville rumme et navn, som studiet pseudonymiserer",
    "choose a name for the id without persons, municipalities or places: an id is shown as it is, to every "
    "analyst and in the exports":
        "vælg et navn til id'et uden personer, kommuner eller steder: et id vises, som det er, for alle "
        "analytikere og i eksporterne",
    "a code needs a label": "en kode skal have en betegnelse",
    "a label may have at most 200 characters": "en betegnelse må højst have 200 tegn",
    "the code name '{name}' may only use a-z, 0-9 and _ (starting with a letter)":
        "kodenavnet '{name}' må kun bruge a-z, 0-9 og _ (og skal begynde med et bogstav)",
    "nothing to change: the code is already called '{label}'":
        "intet at ændre: koden hedder allerede '{label}'",
    "a code cannot be merged into itself": "en kode kan ikke slås sammen med sig selv",
    "the code is in family '{family}' already": "koden er allerede i familien '{family}'",
    "the code is already deprecated": "koden er allerede udfaset",
    "the code is not deprecated": "koden er ikke udfaset",
    "a codebook change needs the analyst's name": "en ændring af kodebogen kræver analytikerens navn",
    "the codebook was changed meanwhile (now {tag})": "kodebogen er ændret i mellemtiden (nu {tag})",
    "choose another name": "vælg et andet navn",
    "reload the page": "genindlæs siden",
    "reload the page and make the change again": "genindlæs siden, og lav ændringen igen",
    # ---- agreement and rounds
    "Percent agreement, Cohen's κ (two coders) and Krippendorff's α (nominal) on the coding units every "
    "coder reviewed. Per code: every such unit (absent for both is agreement); overall: the (unit, code) "
    "pairs the coders faced (the machine's suggestions and every code an analyst decided). “—” means "
    "undefined (no variation).":
        "Procentvis enighed, Cohens κ (to kodere) og Krippendorffs α (nominal) på de kodeenheder, som alle "
        "kodere har gennemgået. Pr. kode: hver sådan enhed (fravær hos begge er enighed); samlet: de par af "
        "(enhed, kode), koderne tog stilling til (maskinens forslag og hver kode, en analytiker besluttede). "
        "“—” betyder udefineret (ingen variation).",
    "{left} of the round's units left out: not reviewed by every analyst.":
        "{left} af rundens kodeenheder udeladt: ikke gennemgået af alle analytikere.",
    "Round": "Runde",
    "Show": "Vis",
    "Download CSV": "Hent CSV",
    "Download CSV (Danish Excel)": "Hent CSV (dansk Excel)",
    "Units": "Enheder",
    "Applied": "Anvendt",
    "Overall": "Samlet",
    "round {round} ({coders})": "runde {round} ({coders})",
    "machine vs {who}": "maskine vs. {who}",
    "machine vs analysts": "maskine vs. analytikere",
    "{comparison} (round {round})": "{comparison} (runde {round})",
    " vs ": " vs. ",
    "No agreement to show yet: review some suggestions, or finish a double-coding round.":
        "Ingen enighed at vise endnu: gennemgå nogle forslag, eller afslut en dobbeltkodningsrunde.",
    "Blind double coding": "Blind dobbeltkodning",
    "Rounds are created with": "Runder oprettes med",
    "Analysts do not see each other's decisions in a round until all have finished.":
        "Analytikerne ser ikke hinandens beslutninger i en runde, før alle er færdige.",
    "Analysts": "Analytikere",
    "Segments": "Kodeenheder",
    "My progress": "Mine fremskridt",
    "complete": "afsluttet",
    "in progress": "i gang",
    "not applied": "ikke anvendt",
    "No rounds yet.": "Ingen runder endnu.",
    "Rounds": "Runder",
    "segments": "kodeenheder",
    "analysts": "analytikere",
    "Code this round": "Kod denne runde",
    "I have finished this round": "Jeg er færdig med runden",
    "Disagreements": "Uenigheder",
    "applied (✔)": "anvendt (✔)",
    "not applied (✘)": "ikke anvendt (✘)",
    "Consensus": "Konsensus",
    "Apply": "Anvend",
    "Not apply": "Anvend ikke",
    "No disagreements.": "Ingen uenigheder.",
    "Finish anyway": "Afslut alligevel",
    "cancelled": "annulleret",
    "This round was cancelled: it is locked and counts in no agreement; its decisions stay in the log.":
        "Runden er annulleret: den er låst og indgår ikke i nogen enighed; dens beslutninger bliver i "
        "loggen.",
    "Finish anyway?": "Vil du afslutte alligevel?",
    "You have not reviewed {n} of the {total} units of this round (decided no code on them). They count as "
    "not reviewed by you and are left out of the agreement.":
        "Du har ikke gennemgået {n} af rundens {total} kodeenheder (ikke taget stilling til nogen kode). "
        "De regnes som ikke gennemgået af dig og indgår ikke i enigheden.",
    "Computed on the {n} units every analyst reviewed; {left} left out (not reviewed by every analyst).":
        "Beregnet på de {n} kodeenheder, som alle analytikere har gennemgået; {left} udeladt (ikke "
        "gennemgået af alle analytikere).",
    "Not reviewed by every analyst": "Ikke gennemgået af alle analytikere",
    "These units are left out of the agreement and are no disagreements.":
        "Disse kodeenheder indgår ikke i enigheden og er ikke uenigheder.",
    "Not reviewed by": "Ikke gennemgået af",
    "not reviewed by {who}": "ikke gennemgået af {who}",
    "Disagreements appear when every analyst has finished ({done} of {total} done).":
        "Uenighederne vises, når alle analytikere er færdige ({done} af {total} færdige).",
    # ---- users (admin page)
    "Accounts of this study's review app. The same as `hoi users list|add|remove|reset-password`.":
        "Konti til studiets gennemgangsapp. Det samme som `hoi users list|add|remove|reset-password`.",
    "User": "Bruger",
    "Original text": "Original tekst",
    "Active": "Aktiv",
    "analyst": "analytiker",
    "yes": "ja",
    "no": "nej",
    "you": "dig",
    "New password": "Ny adgangskode",
    "Reset password": "Nulstil adgangskode",
    "Remove": "Fjern",
    "Add a user": "Tilføj en bruger",
    "May see the original (not pseudonymised) text": "Må se den originale (ikke pseudonymiserede) tekst",
    "Add user": "Tilføj bruger",
    "Added {user}.": "Tilføjede {user}.",
    "Removed {user}; their decisions stay in the log.":
        "Fjernede {user}; brugerens beslutninger bevares i loggen.",
    "New password set for {user}; their sessions were ended.":
        "Ny adgangskode sat for {user}; brugerens sessioner er afsluttet.",
    "only admins can manage users": "kun administratorer kan administrere brugere",
    "you cannot remove yourself": "du kan ikke fjerne dig selv",
    "Remove {user}?": "Fjern {user}?",
    # ---- accounts errors (hoi_nlp.review.accounts)
    "user '{user}' exists already": "brugeren '{user}' findes allerede",
    "unknown user '{user}'": "ukendt bruger '{user}'",
    "the password must have at least {n} characters": "adgangskoden skal have mindst {n} tegn",
    "username '{user}' may use letters, digits, '.', '_' and '-' (max 64)":
        "brugernavnet '{user}' må bruge bogstaver, tal, '.', '_' og '-' (højst 64)",
    "unknown role '{role}'": "ukendt rolle '{role}'",
    "'{user}' is the last admin: add another admin first":
        "'{user}' er den sidste administrator: tilføj en anden administrator først",
    # ---- the library's refusals the app shows (hoi_nlp.review: decisions, rounds, agreement, memos)
    "offset {value} is not a whole number": "forskydningen {value} er ikke et helt tal",
    "choose an id without persons, municipalities or places: every analyst and export shows it":
        "vælg et id uden personer, kommuner eller steder: alle analytikere og eksporter viser det",
    "see `hoi users list`": "se `hoi users list`",
    "too many failed logins; try again in {seconds} seconds":
        "for mange mislykkede logins; prøv igen om {seconds} sekunder",
    "use one of {roles}": "brug en af {roles}",
    "a consensus needs outcome 'present' or 'absent', got {outcome}":
        "en konsensus skal have udfaldet 'present' eller 'absent', fik {outcome}",
    "a decision needs the analyst's name": "en beslutning skal have analytikerens navn",
    "a memo cannot be empty": "et memo kan ikke være tomt",
    "a stance is for barrier codes; '{code}' is not one":
        "en holdning er til barrierekoder; '{code}' er ikke en",
    "a stance needs a code and one of {stances}, got {outcome}":
        "en holdning skal have en kode og en af {stances}, fik {outcome}",
    "action '{action}' needs a code": "handlingen '{action}' skal have en kode",
    "cannot undo unknown decision '{decision}'": "kan ikke fortryde den ukendte beslutning '{decision}'",
    "choose another code, or restore it on its codebook page":
        "vælg en anden kode, eller genskab den på dens side i kodebogen",
    "code '{code}' is deprecated: it is not used for new coding":
        "koden '{code}' er udfaset: den bruges ikke til ny kodning",
    "codebook {version} lacks {n} decided code(s): {codes}; their decisions would count nowhere":
        "kodebog {version} mangler {n} kode(r) med beslutninger: {codes}; beslutningerne ville "
        "ikke tælle nogen steder",
    "decision '{decision}' belongs to another segment or round":
        "beslutningen '{decision}' hører til et andet segment eller en anden runde",
    "reload the page; the study may have been re-run": "genindlæs siden; studiet kan være kørt igen",
    "select text inside the highlighted answer or turn":
        "markér tekst inden for det fremhævede svar eller tur",
    "select text inside the quote's context": "markér tekst inden for citatets kontekst",
    "set the stance of a code of the barrier family": "sæt holdningen på en kode i barrierefamilien",
    "span of segment '{segment}' needs integer start and end, got {start}, {end}":
        "udsnittet af segment '{segment}' skal have hele tal som start og slut, fik {start}, {end}",
    "span {start}-{end} of segment '{segment}' is outside its source (0-{length})":
        "udsnittet {start}-{end} af segment '{segment}' ligger uden for kilden (0-{length})",
    "span {start}-{end} of segment '{segment}' leaves the coding unit's context {first}-{last}":
        "udsnittet {start}-{end} af segment '{segment}' går uden for kodeenhedens kontekst {first}-{last}",
    "unknown action '{action}'": "ukendt handling '{action}'",
    "unknown segment '{segment}'": "ukendt segment '{segment}'",
    "use one of {actions}": "brug en af {actions}",
    "--analysts a,b": "--analysts a,b",
    "blind double coding needs at least two analysts": "blind dobbeltkodning kræver mindst to analytikere",
    "choose a new round id": "vælg et nyt runde-id",
    "known users: {known}; add one with `hoi users add STUDY NAME`":
        "kendte brugere: {known}; tilføj en med `hoi users add STUDY NAME`",
    "no account for {unknown}: a round's analysts must be users of the study":
        "ingen konto for {unknown}: en rundes analytikere skal være brugere af studiet",
    "no coding units to assign": "ingen kodeenheder at fordele",
    "--sample {sample}: a round needs at least one coding unit":
        "--sample {sample}: en runde kræver mindst én kodeenhed",
    "give a sample of 1 or more units, or leave --sample out for all of them":
        "angiv en stikprøve på 1 eller flere enheder, eller udelad --sample for dem alle",
    "round '{round}' exists already": "runden '{round}' findes allerede",
    "round '{round}' is complete: its agreement stands and it cannot be cancelled":
        "runden '{round}' er afsluttet: dens enighed står ved magt, og den kan ikke annulleres",
    "round '{round}' was cancelled already": "runden '{round}' er allerede annulleret",
    "round id '{round}' must be letters/digits/._- and not 'main'":
        "runde-id'et '{round}' skal bestå af bogstaver/tal/._- og må ikke være 'main'",
    "run the study first (`hoi run STUDY`)": "kør først studiet (`hoi run STUDY`)",
    "see the rounds page or `hoi review assign`": "se siden med runder eller `hoi review assign`",
    "a study memo is at most {text} characters, its title {title}":
        "et memo om studiet er højst {text} tegn, dets titel {title}",
    "a study memo needs the analyst who wrote it":
        "et memo om studiet skal have den analytiker, der skrev det",
    "both coders need the same units": "begge kodere skal have de samme enheder",
    "choose {dialects}": "vælg {dialects}",
    "each finishes it on /rounds/{round} or: `hoi review cancel-round STUDY --round {round}`":
        "hver afslutter den på /rounds/{round} eller: `hoi review cancel-round STUDY --round {round}`",
    "round '{round}' is unfinished ({progress}): its agreement is computed once all have finished":
        "runden '{round}' er ikke afsluttet ({progress}): enigheden beregnes, når alle er færdige",
    "round '{round}' was cancelled: it has no agreement":
        "runden '{round}' blev annulleret: den har ingen enighed",
    "unknown CSV dialect '{dialect}'": "ukendt CSV-dialekt '{dialect}'",
    "unknown agreement format '{suffix}'": "ukendt format for enighed '{suffix}'",
    "use .csv or .xlsx": "brug .csv eller .xlsx",
    # ---- the codebook's refusals the app shows (hoi_nlp.codebook)
    "unknown code id '{code}'": "ukendt kode-id '{code}'",
    "did you mean {close}?": "mente du {close}?",
    "see `hoi codebook show` (a study's codes now: `hoi codebook show --study STUDY`)":
        "se `hoi codebook show` (studiets koder nu: `hoi codebook show --study STUDY`)",
    "known: {known}": "kendte: {known}",
}


#: The parameters of the library's refusals that list words of the app's vocabulary (stances, actions,
#: roles, attributes), each shown in the analyst's language like the pages show them.
LISTED_PARAMS = ("stances", "actions", "roles", "attributes")


class Words(tuple[str, ...]):
    """Words of the app's vocabulary listed in a message («use one of accept, reject, …»): the
    translator shows each in the analyst's language; as text (a log, an HTTP detail) the English."""

    def __str__(self) -> str:
        return ", ".join(self)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def translator(language: str) -> Callable[..., str]:
    """``_(text, **params)``: ``text`` in ``language`` with ``{params}`` filled in (:class:`Words`
    among them translated too)."""
    table = DA if language == "da" else {}

    def translate(message: str, /, **params: Any) -> str:
        out = table.get(message, message)
        shown = {k: ", ".join(table.get(w, w) for w in v) if isinstance(v, Words) else v
                 for k, v in params.items()}
        return out.format(**shown) if params else out

    return translate


def comparison_heading(row: Any, _: Callable[..., str]) -> str:
    """What an agreement row compares, in the analyst's language: «runde R1 (anna vs. bo)»,
    «maskine vs. anna (runde R1)», «maskine vs. analytikere» (``row.comparison`` is the English
    of the CSV and the command line)."""
    first, _sep, second = row.coders.partition(" vs ")
    if first != "machine":
        return _("round {round} ({coders})", round=row.round, coders=_(" vs ").join(row.coders.split(" vs ")))
    label = _("machine vs analysts") if second == "analysts" else _("machine vs {who}", who=second)
    if row.round == "main":
        return label
    return _("{comparison} (round {round})", comparison=label, round=row.round)


def number(value: float, digits: int, language: str) -> str:
    """``value`` with ``digits`` decimals as the language writes it (Danish: a decimal comma)."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "da" else text


def language_of(request: Any, default: str) -> str:
    """The analyst's language: their choice (cookie) or the study's setting."""
    chosen = request.cookies.get(COOKIE, "") if request is not None else ""
    return chosen if chosen in LANGUAGES else (default if default in LANGUAGES else "da")


def error_text(exc: Exception, language: str) -> str:
    """A refusal's message (and hint) in ``language``: the library's errors carry their message and hint
    as templates with their parameters (:class:`~hoi_nlp.errors.HoiError`), translated here like every
    word of the app; what is not one of them shows as written."""
    _ = translator(language)
    params = {k: Words(v.split(", ")) if k in LISTED_PARAMS and isinstance(v, str) else v
              for k, v in getattr(exc, "params", {}).items()}
    template = getattr(exc, "template", None)
    message = _(template, **params) if template else str(exc)
    hint = getattr(exc, "hint_template", None)
    return message + (f" — {_(hint, **params)}" if hint else "")

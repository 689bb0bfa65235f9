# ruff: noqa: E501
"""Build the fictional demo survey export and its CSV test fixtures.

All free-text answers below are invented for the demo. Municipality names, regions and size groups are
real (size groups approximately right), but nothing written here was said by anyone in those municipalities.

Outputs (deterministic; run from anywhere):
    corpora/demo/survey/hoi_kommuneundersoegelse_2024.xlsx   (all respondents)
    tests/data/survey/hoi_export_semicolon_cp1252.csv         (first 8 rows, ';', cp1252, CRLF)
    tests/data/survey/hoi_export_comma_utf8bom.csv            (first 8 rows, ',', UTF-8 with BOM, CRLF)

Usage:
    python corpora/demo_build/survey/build_survey.py

Column scheme: 4.x families, 5.x young people, 6.x adults, all with the same sub-ids:
    X.1 antal indsatser, X.2a_indsats1..3, X.2b_beslutningsniveau, X.2b_kommentar,
    X.2c_fagomraader, X.2c_andet, X.2d_antal_direktoerer, X.2d_kommentar.

The respondent blocks in DATA use a small line format:
    @ Kommune | rolle-kode | 2.1 2.2 (J/N) | målgrupper (F U V or -) | antal indsatser per målgruppe
    key: text            (one cell; a literal backslash-n in the text becomes a line break in the cell)
Keys: 1.1, 1.2, 2.2a (andre målgrupper), 2.2k, 3.1, 7 and, per målgruppe F/U/V:
    F1..F3 (indsats 1-3), Fb (kommentar beslutningsniveau), Fc (andet fagområde), Fd (kommentar direktører),
    optional overrides Fbl (beslutningsniveau), Ffa (fagområder, '; '-separated), Fdn (antal direktører).
Closed items not given explicitly are drawn from a seeded random generator.
"""

from __future__ import annotations

import csv
import random
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
XLSX_PATH = REPO / "corpora" / "demo" / "survey" / "hoi_kommuneundersoegelse_2024.xlsx"
FIXTURE_DIR = REPO / "tests" / "data" / "survey"
FIXTURE_ROWS = 8
SEED = 2024

REGIONS = {
    "Region Hovedstaden": "Albertslund Allerød Ballerup Bornholm Brøndby Fredensborg Frederiksberg Frederikssund "
    "Gentofte Gladsaxe Gribskov Halsnæs Helsingør Herlev Hillerød Høje-Taastrup Ishøj København Rødovre Vallensbæk",
    "Region Sjælland": "Faxe Sorø Guldborgsund Holbæk Kalundborg Køge Lolland Næstved Odsherred Roskilde Slagelse "
    "Vordingborg",
    "Region Syddanmark": "Assens Billund Esbjerg Vejen Faaborg-Midtfyn Haderslev Kerteminde Kolding Langeland "
    "Middelfart Nyborg Odense Svendborg Sønderborg Vejle Aabenraa",
    "Region Midtjylland": "Favrskov Hedensted Herning Holstebro Horsens Lemvig Norddjurs Odder Randers Silkeborg "
    "Samsø Viborg Aarhus Struer",
    "Region Nordjylland": "Brønderslev Frederikshavn Hjørring Jammerbugt Mariagerfjord Morsø Rebild Aalborg",
}
REGION_OF = {k: region for region, names in REGIONS.items() for k in names.split()}

# Municipalities below the median of about 44,200 inhabitants (approximate 2024 figures).
SMALLER = set(
    "Albertslund Allerød Bornholm Brøndby Fredensborg Gribskov Halsnæs Herlev Ishøj Rødovre Vallensbæk "
    "Faxe Sorø Lolland Odsherred Assens Billund Vejen Kerteminde Langeland Middelfart Nyborg "
    "Lemvig Norddjurs Odder Samsø Struer Brønderslev Jammerbugt Mariagerfjord Morsø Rebild".split()
)

ROLES = {
    "KD": "Kommunaldirektør",
    "DBS": "Direktør for beskæftigelse og social",
    "DSS": "Direktør for social og sundhed",
    "BUD": "Børne- og ungedirektør",
    "SC": "Socialchef",
    "JC": "Jobcenterchef",
    "FC": "Familiechef",
    "CK": "Chefkonsulent",
}

LIKERT = ["I meget lav grad", "I lav grad", "I nogen grad", "I høj grad", "I meget høj grad"]
DONT_KNOW = "Ved ikke"

POTENTIALS = [
    "Bedre udnyttelse af kommunens administrative ressourcer",
    "Reducerede udgifter til de pågældende borgere eller familier",
    "Bedre virkning af indsatsen til den enkelte borger eller familie",
    "Øget oplevelse af mening og sammenhæng for borgeren",
    "Forebyggelse eller reduktion af behov for andre indsatser",
    "Bedre samarbejde og koordinering på tværs af områder",
    "Udvikling/afprøvning af ny måde at tilrettelægge myndighedssamarbejdet",
]
# Mean position on the 0-4 Likert scale per potential item.
POTENTIAL_MEANS = [2.1, 2.0, 3.3, 3.4, 2.9, 3.2, 2.8]

BARRIERS = [
    "Utilstrækkelig politisk efterspørgsel",
    "Utilstrækkelig ledelsesmæssig opbakning i direktionen",
    "Utilstrækkelig ledelsesmæssig opbakning blandt fagchefer",
    "Utilstrækkelig opbakning blandt medarbejderne",
    "Utilstrækkelig interesse blandt de pågældende borgere",
    "Utilstrækkelige medarbejderkompetencer til at samarbejde på tværs",
    "Utilstrækkelig fællesfaglig forståelse af borgerens situation",
    "Ledere og medarbejdere på forskellige fysiske lokationer",
    "Utilstrækkelige økonomiske incitamenter",
    "Utilstrækkelig integration af IT-systemer",
    "Begrænset investeringsfokus i kommunen",
    "Kommunen har ikke de fornødne tidsmæssige og økonomiske ressourcer",
    "Begrænset potentiale pga. utilstrækkelig volumen i målgrupper",
    "Usikkerhed om de forventede økonomiske gevinster",
    "Usikkerhed om de forventede resultater for borgerne",
    "Forskellige og modstridende krav i sektorlovgivninger",
    "Usikkerhed om lovhjemmel til datadeling",
    "Forsinkelse af HOI-loven",
]
BARRIER_MEANS = [0.9, 0.5, 1.0, 1.0, 0.8, 1.6, 1.6, 1.3, 1.8, 3.0, 1.5, 2.4, 1.2, 2.2, 1.7, 3.1, 2.8, 1.9]

DECISION_LEVELS = ["Kommunalbestyrelsen", "Økonomiudvalget", "Fagudvalg", "Direktionen"]
DECISION_WEIGHTS = [0.2, 0.12, 0.33, 0.35]
AREAS = [
    "Dagtilbud",
    "Skole",
    "Specialiseret børn og unge",
    "Specialiseret voksen",
    "Beskæftigelse",
    "Ældre",
    "Sundhed",
    "Kultur og fritid",
    "Andet",
]
# Probability that an area is ticked, per target group (families, young people, adults).
AREA_PROBS = {
    "F": [0.45, 0.7, 0.95, 0.3, 0.9, 0.02, 0.45, 0.15],
    "U": [0.0, 0.35, 0.75, 0.6, 0.95, 0.0, 0.5, 0.2],
    "V": [0.0, 0.0, 0.15, 0.95, 0.95, 0.15, 0.7, 0.1],
}
TARGETS = {"F": ("4", "familier"), "U": ("5", "unge"), "V": ("6", "voksne")}

OPEN_KEYS = {
    "1.1": "1.1_kommentar",
    "1.2": "1.2_kommentar",
    "2.2a": "2.2_andre_maalgrupper",
    "2.2k": "2.2_kommentar",
    "3.1": "3.1_kommentar",
    "7": "7_afsluttende_kommentar",
}
for _t, (_n, _) in TARGETS.items():
    OPEN_KEYS.update(
        {
            f"{_t}1": f"{_n}.2a_indsats1",
            f"{_t}2": f"{_n}.2a_indsats2",
            f"{_t}3": f"{_n}.2a_indsats3",
            f"{_t}b": f"{_n}.2b_kommentar",
            f"{_t}c": f"{_n}.2c_andet",
            f"{_t}d": f"{_n}.2d_kommentar",
        }
    )
OVERRIDE_KEYS = {f"{t}{s}" for t in TARGETS for s in ("bl", "fa", "dn")}


def columns() -> list[str]:
    """Return the export's column headers in order."""
    cols = ["Respondent-ID", "Kommune", "Region", "Størrelsesgruppe", "Respondentrolle"]
    cols += [f"1.1_{i} {label}" for i, label in enumerate(POTENTIALS, 1)] + ["1.1_kommentar"]
    cols += [f"1.2_{i} {label}" for i, label in enumerate(BARRIERS, 1)] + ["1.2_kommentar"]
    cols += ["2.1", "2.2", "2.2_andre_maalgrupper", "2.2_kommentar"]
    cols += ["3.1_familier", "3.1_unge", "3.1_voksne", "3.1_kommentar"]
    for n, _ in TARGETS.values():
        cols += [f"{n}.1", f"{n}.2a_indsats1", f"{n}.2a_indsats2", f"{n}.2a_indsats3"]
        cols += [f"{n}.2b_beslutningsniveau", f"{n}.2b_kommentar", f"{n}.2c_fagomraader", f"{n}.2c_andet"]
        cols += [f"{n}.2d_antal_direktoerer", f"{n}.2d_kommentar"]
    return cols + ["7_afsluttende_kommentar"]


def parse_blocks(data: str) -> list[dict[str, str]]:
    """Parse the DATA string into one dict per respondent block."""
    blocks: list[dict[str, str]] = []
    for raw in data.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@ "):
            kommune, role, hoi, targets, counts = (p.strip() for p in line[2:].split("|"))
            blocks.append(
                {"_kommune": kommune, "_role": role, "_hoi": hoi, "_targets": targets, "_counts": counts}
            )
            continue
        key, sep, text = line.partition(":")
        if not sep or (key not in OPEN_KEYS and key not in OVERRIDE_KEYS) or key in blocks[-1]:
            raise ValueError(f"Bad or duplicate line in block {blocks[-1]['_kommune']}: {raw!r}")
        blocks[-1][key] = text.strip().replace("\\n", "\n")
    return blocks


def likert(rng: random.Random, mean: float, shift: float, p_dont_know: float) -> str:
    """Draw one Likert answer around mean (0-4 scale) shifted by a respondent tendency."""
    if rng.random() < p_dont_know:
        return DONT_KNOW
    value = round(rng.gauss(mean + shift, 0.85))
    return LIKERT[min(4, max(0, value))]


def target_cells(rng: random.Random, block: dict[str, str], t: str, count: int) -> dict[str, object]:
    """Closed and open cells of one target-group section (4.x, 5.x or 6.x)."""
    n = TARGETS[t][0]
    ticked = [a for a, p in zip(AREAS, AREA_PROBS[t], strict=False) if rng.random() < p]
    if block.get(f"{t}c"):
        ticked.append("Andet")
    areas = block.get(f"{t}fa") or "; ".join(ticked or ["Beskæftigelse"])
    n_areas = len(areas.split(";"))
    directors = block.get(f"{t}dn") or rng.choice(["1", "2", "2", "3"] if n_areas > 2 else ["1", "1", "2"])
    level = block.get(f"{t}bl") or rng.choices(DECISION_LEVELS, DECISION_WEIGHTS)[0]
    return {
        f"{n}.1": count,
        f"{n}.2b_beslutningsniveau": level,
        f"{n}.2c_fagomraader": areas,
        f"{n}.2d_antal_direktoerer": "4+" if directors == "4" else directors,
    }


def build_row(index: int, block: dict[str, str]) -> dict[str, object]:
    """Turn one respondent block into a full export row (column -> value)."""
    rng = random.Random(SEED * 1000 + index)
    kommune = block["_kommune"]
    row: dict[str, object] = {
        "Respondent-ID": f"R{index:03d}",
        "Kommune": kommune,
        "Region": REGION_OF[kommune],
        "Størrelsesgruppe": "Mindre kommune" if kommune in SMALLER else "Større kommune",
        "Respondentrolle": ROLES[block["_role"]],
    }
    shift = rng.gauss(0, 0.4)
    for i, mean in enumerate(POTENTIAL_MEANS, 1):
        row[f"1.1_{i} {POTENTIALS[i - 1]}"] = likert(rng, mean, shift, 0.04)
    shift = rng.gauss(0, 0.4)
    for i, mean in enumerate(BARRIER_MEANS, 1):
        row[f"1.2_{i} {BARRIERS[i - 1]}"] = likert(rng, mean, shift, 0.05)
    in_progress, decided = block["_hoi"].split()
    row["2.1"] = "Ja" if in_progress == "J" else "Nej"
    row["2.2"] = "Ja" if decided == "J" else "Nej"
    if "J" in (in_progress, decided):
        targets = block["_targets"].replace("-", "")
        counts = iter(block["_counts"].split())
        for t, (_, name) in TARGETS.items():
            row[f"3.1_{name}"] = "Valgt" if t in targets else "Ikke valgt"
            if t in targets:
                row.update(target_cells(rng, block, t, int(next(counts))))
    for key, col in OPEN_KEYS.items():
        if key in block:
            row[col] = block[key]
    return row


def write_xlsx(rows: list[dict[str, object]], cols: list[str], path: Path) -> None:
    """Write the wide export as a single-sheet workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Besvarelser"
    ws.append(cols)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([row.get(c) for c in cols])
    ws.freeze_panes = "B2"
    wb.properties.creator = "hoi_nlp demo (fiktive data)"
    wb.properties.title = "Kommuneundersøgelse om helhedsorienterede indsatser 2024 (fiktiv demo)"
    wb.save(path)
    normalise_zip(path)


def normalise_zip(path: Path) -> None:
    """Make the saved workbook byte-reproducible: fixed zip entry dates and document timestamps."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for name, payload in entries:
            if name == "docProps/core.xml":
                payload = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-06-01T00:00:00Z", payload
                )
            info = zipfile.ZipInfo(name, date_time=(2024, 6, 1, 0, 0, 0))
            zout.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED)


def write_csv(
    rows: list[dict[str, object]], cols: list[str], path: Path, *, delimiter: str, encoding: str
) -> None:
    """Write rows as CSV in an Excel dialect (CRLF row ends, minimal quoting)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(cols)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in cols])


def main() -> None:
    """Build the workbook and the two CSV fixtures."""
    cols = columns()
    rows = [build_row(i, b) for i, b in enumerate(parse_blocks(DATA), 1)]
    kommuner = [r["Kommune"] for r in rows]
    if len(set(kommuner)) != len(kommuner):
        raise ValueError("A municipality appears twice")
    write_xlsx(rows, cols, XLSX_PATH)
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    head = rows[:FIXTURE_ROWS]
    write_csv(head, cols, FIXTURE_DIR / "hoi_export_semicolon_cp1252.csv", delimiter=";", encoding="cp1252")
    write_csv(head, cols, FIXTURE_DIR / "hoi_export_comma_utf8bom.csv", delimiter=",", encoding="utf-8-sig")
    n_text = sum(1 for r in rows for c in OPEN_KEYS.values() if r.get(c))
    print(f"{len(rows)} respondents, {n_text} non-empty free-text cells -> {XLSX_PATH}")


DATA = r"""
@ Holbæk | KD | J J | F U V | 2 2 1
1.1: Potentialet er størst ift. borgerens oplevelse af sammenhæng – administrativt er vi ikke overbeviste om at det bliver billigere, slet ikke i opstartsfasen.
1.2: Den største udfordring er lovgivningen. Vi sidder med 3-4 planer for samme familie fordi SEL/BUL, LAB og sundhedsloven hver har deres krav. Dertil kommer fagsystemer der ikke taler sammen.
2.2k: Byrådet besluttede i jan. 2024 at udbrede "Familien i Centrum" til hele kommunen.
F1: "Familien i Centrum": én familierådgiver og én samlet plan for familier hvor en forælder er på kontanthjælp og barnet har sag i familieafdelingen. Målet er at forældrene kommer tættere på job og at børnene trives bedre.
F2: Tværfagligt familieteam (jobcenter, familieafdeling, sundhedsplejen) der mødes hver uge om de tungeste familier.
Fb: Forankret i Børne- og ungeudvalget og Beskæftigelsesudvalget i fællesskab
U1: Ungeenheden i Holbæk samler KUI, jobcentrets ungeindsats og SSP under én leder. Skal få flere unge i uddannelse/job og færre der falder fra FGU.
U2: Mentorforløb for unge 18-25 år med angst/depression i samarbejde m. psykiatrien
V1: Helhedsorienteret forløb for borgere i ressourceforløb med misbrug – én koordinerende sagsbehandler på tværs af jobcenter og voksenområdet.
Vd: Beskæftigelsesdirektør og social- og sundhedsdirektør
7: Kontakt gerne vores projektleder Lisbeth Nørgaard (lisbeth.n@holbaek.example) hvis I vil høre mere om Familien i Centrum.
3.1: Voksenindsatsen er kun for borgere over 30 – under 30 hører de til i Ungeenheden

@ Morsø | KD | N N | - | -
1.1: Svært at svare på, vi har ikke erfaringer endnu.
1.2: Som lille kommune har vi meget få borgere i de enkelte målgrupper. Det giver ikke mening at bygge et særskilt setup op, vi klarer det i de eksisterende netværk og ved at folk kender hinanden.
2.2k: Vi afventer den nye lov inden vi beslutter noget
7: -

@ Frederiksberg | DBS | J J | F U V | 3 2 2
1.1: Vores erfaring er at det især er koordineringen der bliver bedre. Økonomien er sværere at få øje på – gevinsterne falder ofte et andet sted end hvor udgiften ligger.
1.2: Datadeling!! Vi bruger uforholdsmæssigt meget tid på at indhente samtykker. Og så er der det evige spørgsmål om hvem der betaler når indsatsen i én forvaltning giver besparelsen i en anden.
2.2a: Borgere med handicap og deres familier (børn med autisme o.l.)
3.1: Vi har valgt alle tre, men reelt er familieindsatsen længst fremme.
F1: Sammen om familien – fælles myndighedsteam for familier med sager i både Familieafdelingen og Jobcentret. Én plan, én indgang. Mål: færre anbringelser og forældre i job eller uddannelse
F2: Tidlig indsats i dagtilbud ift. familier hvor forældrene er langtidsledige
F3: Helhedsorienteret indsats i Finsensvej-området (boligsocial)
Fb: Fagudvalgene er orienteret, men selve beslutningen ligger i direktionen
Fc: Boligselskaberne og Frederiksberg Forsyning
U1: Ungeindgangen: Unge 15-25 år får én ungevejleder på tværs af KUI, jobcenter og socialområdet
U2: Fast ungeteam der mødes hver 14. dag med deltagelse fra SSP, misbrugsbehandlingen og UU
V1: Fælles plan for borgere på kontanthjælp med psykiske lidelser og misbrug
V2: Sag-til-sag samarbejde om hjemløse borgere, herberget inddrages
Vd: Alle tre direktører + kommunaldirektøren som formand for styregruppen
7: Det er positivt at loven kommer, men vi håber ikke den bliver for bureaukratisk.
Ub: Besluttet i direktionen, Arbejdsmarkeds- og Uddannelsesudvalget følger indsatsen halvårligt

@ Assens | KD | J N | F V | 1 1
1.2: Vi har en meget søjleopdelt organisation og budgetterne ligger i søjlerne. Det er svært at flytte penge.
F1: Tværfagligt samarbejde om udsatte familier hvor både familieafdeling og jobcenter er inde. Mødes efter behov.
Fd: 2 (Børn og Unge + Job og Velfærd)
V1: Forløb for ledige med komplekse problemer, én kontaktperson.
7: Nej

@ Aarhus | DBS | J J | F U V | 3 3 3
1.1: Stort potentiale – især når det gælder de borgere der i dag har 5-10 forskellige kontakter til kommunen. Vi ser fra vores egne opgørelser at ca. 2 pct. af borgerne står for en meget stor del af udgifterne på tværs af områderne.
1.2: 1) Lovgivningen er fortsat sektoropdelt, også efter hovedloven. 2) Vi mangler en metode til at styre økonomien på tværs – vores budgetter følger magistratsafdelingerne. 3) IT: borgeren skal registreres i mindst fire systemer.
2.2a: Borgere i Gellerup/Toveshøj, varetægtsfængslede og unge løsladte
2.2k: Flere af indsatserne er startet som satspuljeprojekter og er siden gjort permanente.
3.1: Vi har indsatser for alle tre grupper, men organiseret forskelligt
F1: "Familie i Fokus" – jobcenter og familieområdet laver én fælles plan med familien. Formål: forældrene i beskæftigelse og bedre trivsel hos børnene, og på sigt bryde den negative sociale arv.
F2: Helhedsorienteret indsats i udvalgte dagtilbud i Gellerup, hvor dagtilbud, sundhedspleje og jobcenter samarbejder om familierne.
F3: Fælles myndighedsenhed for familier med børn med handicap
Fb: Byrådet har godkendt rammen, den konkrete udmøntning er sket i Magistraten
Fc: Boligsociale medarbejdere; Kriminalforsorgen
U1: Ungeenhed med medarbejdere fra beskæftigelse, sociale forhold og børn og unge samlet på én adresse. Egen leder og eget budget.
U2: Overgangen 17,5-23 år: fælles forløb så den unge ikke taber i overgangen fra BUL til SEL
U3: Mentorkorps for unge med misbrug, samarbejde med Region Midt (psykiatrien)
Ub: Besluttet i forbindelse med budgetforliget
V1: Kontanthjælpsmodtagere med komplekse problemer får én koordinerende sagsbehandler
V2: Tværgående indsats for hjemløse – herberg, misbrugscenter, jobcenter og psykiatrien
V3: Udslusning fra fængsel, samarbejde med Kriminalforsorgen
Vc: Kriminalforsorgen, herbergerne
Vd: 3 direktører fra 3 magistratsafdelinger
7: Vi vil gerne stille op til en uddybende snak.
Fd: Borgmesterens Afdeling koordinerer, derudover 2 rådmandsafdelinger (MSB og BØR)

@ Lolland | SC | J J | F V | 1 1
1.1: Ved ikke endnu, det er for tidligt
1.2: Rekruttering er et kæmpe problem hos os – vi har svært ved at få uddannede socialrådgivere og det hele hænger på ganske få personer. Samtidig har vi mange borgere i målgruppen, så volumen er ikke problemet.
F1: Familieteam på tværs af Børn & Familie og Jobcentret. Vi vil gerne bryde den sociale arv, mange familier har været på overførselsindkomst i generationer.
Fd: Direktøren for Børn og Unge og direktøren for Social og Arbejdsmarked
V1: Helhedsorienteret indsats for langtidsledige med fysiske og psykiske helbredsproblemer. Mål: at flere kommer i job eller fleksjob
7: Se ovenfor

@ Gentofte | KD | J J | F U | 1 2
1.1: I Gentofte er målgruppen forholdsvis lille, men hver enkelt sag er til gengæld dyr, så potentialet er reelt.
1.2: Ingen kommentarer
F1: Helhedsorienteret familieindsats: en koordinerende familierådgiver, fælles familieplan og faste tværfaglige møder hver anden uge.
Ffa: Skole; Specialiseret børn og unge; Beskæftigelse; Sundhed
U1: Ungeteam for 15-25 årige uden uddannelse med bl.a. angst og depression. Mål: uddannelse
U2: Samarbejde med FGU og STU om overgange
Ub: Direktionen har besluttet; Børne- og skoleudvalget og Social- og seniorudvalget orienteret.
7: Ingen
3.1: Voksne er fravalgt, da vi vurderer at de nuværende samarbejdsfora dækker behovet

@ Kerteminde | KD | J N | V | 1
1.1: Vi tror på det, men det er svært at bevise.
1.2: Volumen, vi er en lille kommune med få sager. Vi har ikke råd til at sætte folk af alene til dette.\nDesuden er det svært at få lægerne og psykiatrien med.
2.2k: Det er besluttet at vente til HOI-loven er fuldt indfaset.
V1: Fælles sagsbehandling på tværs af jobcenter og socialafdelingen for borgere på kontanthjælp og ressourceforløb m. misbrug. Formålet er færre aktører omkring borgeren.
Vb: Direktionen
Vd: -

@ Esbjerg | KD | J J | F U V | 2 1 2
1.1: Især forebyggelse. Hvis vi tager fat i familien tidligt kan vi undgå en del dyre foranstaltninger senere
2.2k: Vi er i gang med at udvide til flere målgrupper
F1: Familieindsats i Jobcenter Esbjerg og Børn & Kultur: fælles rådgiver og samlet plan for familier hvor forældrene er på ydelse. Mål: forældre i job, børn i trivsel.
F2: Opsporing i dagtilbud og skole, koordinering med sundhedsplejen
Fb: Byrådet godkendte business casen i 2022
U1: Ungeporten – ungeenhed med UU, ungejobcenter og unge-misbrug samlet. Formålet er at flere unge under 30 kommer i uddannelse
V1: Koordinerende sagsbehandler til borgere med sager i både jobcenter og socialområdet
V2: Indsats for hjemløse og borgere i risiko for udsættelse af deres bolig, i samarbejde med boligorganisationerne
Vc: Boligorganisationer
7: Vi savner at staten følger op med en mere fleksibel finansieringsmodel.
Ub: direktionen, efter drøftelse i Uddannelses- og beskæftigelsesudvalget

@ Brønderslev | DBS | J J | F U | 1 1
1.1: Bedre samarbejde internt har vi allerede set. Om det giver besparelser er for tidligt at sige
1.2: -
F1: Tværfagligt samarbejde om familier med børn med særlige behov hvor forældrene er sygemeldte eller ledige. Én tovholder.
Fd: 2
U1: Ungeindsats under Job og Uddannelse, samlet myndighed for 15-29 år. Ønsker at få flere i uddannelse
Uc: Ungdomsskolen
7: Nej tak
2.2k: Der er truffet beslutning om en voksenindsats som starter 1/1-2025

@ Vejle | KD | J J | F U V | 3 2 2
1.1: Her i Vejle har vi haft helhedsorienteret tilgang siden forsøget med de frikommuner. Vi ser klare resultater for borgerne, men de økonomiske gevinster er sværere at dokumentere end vi havde regnet med.
1.2: Største barriere er dobbeltheden i lovgivningen – mange proceskrav der ikke giver værdi for borgeren. Vi har fx skullet lave både handleplan efter SEL §141 og jobplan for samme borger.
2.2a: Alle borgere – vi har helhedsorientering som generelt princip for alle vores borgerforløb
3.1: Familieindsatsen er den ældste, ungeindsatsen kom til i 2021
F1: "Sammen om familien": familier på kanten af arbejdsmarkedet med børn med særlige behov. Ét team, én plan, én koordinator. Målet er selvforsørgelse og bedre trivsel hos børnene
F2: Helhedsorienteret indsats i Finlandsparken i samarbejde med boligforeningen
F3: Familiens Hus: gravide og småbørnsfamilier med sårbarhed, sundhedsplejen som indgang
Fc: Boligforeningen
Fd: 3 direktører, Børn og Familie, Job og Velfærd og Sundhed og Omsorg
U1: Ungeenheden: samler Ungdommens Uddannelsesvejledning, jobcentrets unge-afdeling og socialområdet for unge 15-30 år. Egen chef (Karina Mikkelsen) og eget budget
U2: Særlig indsats for unge med angst – sammen med Psykiatrien i Region Syddanmark
V1: Borgere på kontanthjælp med misbrug og psykiske problemer, koordinerende sagsbehandler
V2: Borgere i ressourceforløb med mange sager
Vb: Fagudvalg (Beskæftigelsesudvalget)
7: Vi har god erfaring med at stille en lille projektgruppe på tværs. Meget gerne mere viden om, hvordan vi kan måle økonomien på tværs.
Ud: Direktøren for Job og Velfærd har det overordnede ansvar, de andre direktører sidder i styregruppen

@ Ishøj | KD | J N | F U | 1 1
1.2: Der er stor udskiftning blandt medarbejderne. Det gør det svært at holde fast i en fælles faglig forståelse.
F1: Familier i udsatte boligområder (Vejleåparken) – fælles indsats mellem familieafdelingen, jobcentret og de boligsociale medarbejdere. Målet er at færre børn anbringes og at flere forældre får arbejde.
Fc: Det boligsociale helhedsplan-sekretariat
U1: Ungeteam med mentor og vejleder, fokus på uddannelse
3.1: Unge og familier hænger tæt sammen hos os – mange af de unge er børn i de familier vi allerede arbejder med

@ Næstved | BUD | J J | F U | 2 1
1.1: Helt klart potentiale for børnene. Når forældrene får styr på job og økonomi smitter det af på børnene.
1.2: Vi har svært ved at få skolerne til at se sig selv som en del af indsatsen. Det er stadig et spørgsmål om at skolelederne prioriterer det.\nOg så mangler vi fælles data.
3.1: Ja
F1: Familiecenter Næstved: én indgang for familier med komplekse problemer. Koordinerende rådgiver, familieplan. Vi vil gerne forebygge anbringelser og øge trivsel.
F2: Tværfaglige konferencer på skolerne med deltagelse af jobcentret
Fb: Besluttet af Børne- og Skoleudvalget, Arbejdsmarkeds- og uddannelsesudvalget er orienteret
U1: Unge 15-17 år med skolevægring – samarbejde mellem PPR, familieafdeling og UU
Ud: Kun børne- og ungedirektøren
7: Vores familiechef Mette Hansen kan kontaktes for yderligere.

@ Samsø | KD | N N | - | -
1.2: Vi er for få til at det giver mening at lave særskilte indsatser. Alle kender alle, og samarbejdet foregår uformelt.
2.2k: Ikke aktuelt for Samsø pt.
7: Vi er en ø-kommune med ca. 3.700 indbyggere, det skal ses i det lys.

@ Odense | DBS | J J | F U V | 3 3 2
1.1: Meget stort potentiale for de borgere der i dag falder mellem to stole. Vi ser også at medarbejderne bliver gladere for arbejdet når de kan se at det nytter.
1.2: Vi har mange fagsystemer (Nexus, DUBU, Momentum, KMD Sag m.fl.) og de taler ikke sammen. Dertil kommer usikkerhed om hvad vi må dele med hinanden uden samtykke. Jurister i forvaltningerne vurderer det forskelligt.
2.2a: Borgere i Vollsmose; indsatte og løsladte
2.2k: Odense har siden 2019 arbejdet med "Helhedsorienteret indsats" i tre forvaltninger
F1: Familieindsatsen "Familien Først": fælles myndighed i BUF og BMF for familier, hvor forældre er på kontanthjælp eller i ressourceforløb. Målet er færre anbringelser og at forældre kommer i job.
F2: Familier med børn med handicap – koordinerende sagsbehandler på tværs af handicapområdet og jobcentret
F3: Tidlig forebyggende indsats i sundhedsplejen
Fbl: Kommunalbestyrelsen
U1: Ungeindsats for 18-29 årige uden uddannelse: ungeguide fra socialområdet + jobkonsulent. Fokus på at mestre eget liv og komme i uddannelse
U2: Fælles indsats for unge i misbrug, Misbrugscenteret + jobcentret
U3: Fælles rådgivning om overgangen til voksenlivet (17,5 år)
V1: Helhedsorienteret indsats for borgere med komplekse problemer i Vollsmose
V2: Fremskudt indsats overfor hjemløse
Vd: 4 – alle rådmandsforvaltninger har en direktør
7: Der burde være en national monitorering så vi kan sammenligne os med andre kommuner.
Ub: Beskæftigelses- og Socialudvalget
Uc: Psykiatrien i Region Syddanmark, FGU Fyn

@ Herning | KD | J J | U V | 2 1
1.1: Bedre udnyttelse af ressourcerne er en forudsætning for at vi overhovedet kan løfte opgaven med den stigende efterspørgsel på det specialiserede område
1.2: Vi har prøvet i mange år – barrieren er ikke viljen men rammerne. Budgetlogikken og den sektoropdelte lovgivning spænder ben
U1: Ungeenheden Herning – én indgang for unge mellem 15 og 30 år, samlet under Beskæftigelse. Skal sikre at flere får en ungdomsuddannelse.
U2: Unge med psykiatriske diagnoser, fast team med psykiatrien
Uc: Regionspsykiatrien
V1: Voksne med komplekse problemer – én plan, én kontaktperson
Vd: 2 direktører
2.2k: Der er besluttet en udvidelse til familieområdet, forventes i drift medio 2025
3.1: Familier er ikke valgt endnu, se 2.2

@ Fredensborg | KD | J J | F | 1
1.2: Vi har i direktionen besluttet at prioritere det, men det er svært at få det ned i organisationen. Mellemlederne er pressede på egne måltal.
2.2k: Ny indsats besluttet i budget 2024
F1: Familiecentret: én indgang og fælles familieplan for familier med sager i både Børn og Familie og Jobcentret. Forebyggelse af negativ social arv.
Fb: Fagudvalg + økonomiudvalget
3.1: Unge og voksne håndteres i jobcentrets almindelige drift
1.1: Store forventninger, men svært at svare på uden erfaringer
7: Det bliver afgørende at den nye lov giver mulighed for én samlet plan der reelt ERSTATTER de andre planer – ellers bliver det bare endnu en plan oven i de andre.

@ Aalborg | DSS | J J | F U V | 2 2 3
1.1: Vi har gode erfaringer med at borgerne oplever mere sammenhæng. De siger, at de ikke skal fortælle deres historie forfra hele tiden
1.2: Forvaltningsstrukturen i Aalborg med magistratsforvaltninger gør det svært at lave fælles budget. Politisk er der opbakning, men konkret styring på tværs mangler.
2.2a: Borgere med senhjerneskade; hjemløse
F1: Fælles familieteam mellem Familie- og Beskæftigelsesforvaltningen og Skoleforvaltningen
F2: Tidlig indsats i daginstitutionerne i Aalborg Øst
U1: Unge i udsatte positioner 15-25, "Ungeindsats Aalborg" – koordinerende ungeguide
U2: Overgangsforløb fra barn til voksen for unge med handicap
V1: Voksne med misbrug og psykiske lidelser – "dobbeltdiagnose-team" med regionspsykiatrien
V2: Hjemløseindsatsen (Housing First)
V3: Borgere på sygedagpenge med komplekse forløb, samarbejde med sundhedsområdet
Vc: Regionen / Aalborg Universitetshospital
Vd: 2 + borgmesterens forvaltning er inde i styregruppen
7: Vi er glade for at der endelig kommer en lov.
Fb: Godkendt af Familie- og Beskæftigelsesudvalget
Ud: 2

@ Langeland | KD | N J | F V | 1 1
1.1: Ved ikke
1.2: Vi har få medarbejdere og de har mange kasketter på. Det er både en fordel og en ulempe. Vi kender borgerne godt.
2.2k: Kommunalbestyrelsen har besluttet at vi går i gang i efteråret 2024, med afsæt i HOI-loven
F1: Kommende familieindsats – én koordinerende rådgiver.
V1: Ikke besluttet endnu hvordan den skal se ud
7: Vi ville gerne have mere vejledning fra ministeriet om hvordan loven skal forstås for en lille kommune.

@ Køge | KD | J J | F U V | 2 1 1
1.2: økonomistyringen på tværs er den største udfordring. Og så bliver der bygget nye siloer når vi laver nye enheder
F1: "Familien i centrum" – fælles indsats Børn og Unge + Jobcenter Køge, ca. 60 familier. Formålet er at øge forældrenes tilknytning til arbejdsmarkedet og børnenes trivsel
F2: Forebyggende familieindsats i skolerne
U1: Ungeenheden: Unge under 30 uden uddannelse, én vejleder
V1: Borgere med mere end 3 sager i forvaltningerne
Vd: Social- og sundhedsdirektør, beskæftigelsesdirektør
7: Se ovenfor
Fb: Økonomiudvalget har godkendt investeringscasen (4-årig investering)

@ Hjørring | KD | J J | F U V | 1 1 1
1.1: Bedre samarbejde på tværs og færre overlappende indsatser
F1: Familieteamet: tværfagligt team med sagsbehandlere fra familieafdelingen og jobcentret. Mødes fast hver uge. Mål: forældre i job og stabil hverdag for børnene
U1: Ungehuset i Hjørring – samlokalisering af UU, jobcentrets ungeindsats og ungerådgivningen
V1: Fælles indgang for voksne med komplekse sager
Vb: Direktionen har besluttet det
Fd: to direktører
7: Vi håber at hovedloven giver bedre muligheder for at dele oplysninger i de konkrete sager uden at skulle have nyt samtykke hver gang.

@ Albertslund | KD | J J | F U | 2 1
1.2: Vi oplever at det er svært at få borgerne til at give samtykke til at vi deler oplysninger.
2.2a: Borgere i Hedemarken og Albertslund Syd (boligsociale indsatser)
F1: Helhedsorienteret familieindsats i samarbejde med helhedsplanen i Albertslund Syd
F2: Familier med børn i dagtilbud hvor forældre er ledige
Fc: Boligsociale helhedsplaner
U1: Ungeindsatsen: unge 16-25 år, fælles plan på tværs af UU, jobcenter og SSP
7: Vi er en lille kommune med store sociale udfordringer.
2.2k: Vi er i gang med at samle indsatserne i et fælles Borgercenter
1.1: Potentialet er stort fordi mange af vores familier har sager mange steder. Vi kan ikke blive ved med at have 8 fagpersoner om den samme familie

@ Silkeborg | JC | J J | U V | 2 2
1.1: Jobcentret oplever at sagerne bliver mere overskuelige når der er én plan. Men det kræver at koordinatoren faktisk har mandat til at træffe beslutninger på tværs
1.2: Koordinatorerne har ikke myndighed over de andre områders ydelser. De kan koordinere men ikke beslutte – så ender det alligevel med at sagen går frem og tilbage mellem afdelingerne.
U1: Uddannelses- og jobindsats for unge med psykisk sårbarhed, "Ung Silkeborg". Målet er at den unge kommer i uddannelse og bliver i den
U2: KUI-teamet: samlet vejledning og koordinering for unge under 25 år
Ub: Beskæftigelsesudvalget
V1: Koordinerende sagsbehandler for langtidsledige med misbrug
V2: Samarbejde med Regionspsykiatrien Silkeborg om borgere med psykiske lidelser
Vc: regionspsykiatrien
Vd: 2, hhv. direktør for beskæftigelse og direktør for social og sundhed
7: Besvaret af jobcenterchefen på vegne af direktionen
3.1: Familier er ikke en del af vores HOI-arbejde, det ligger i Børn og Unges egen tidlige indsats

@ Middelfart | KD | J J | F U V | 1 1 1
1.1: Medarbejderne er glade for at arbejde på den her måde. Det er meningsfuldt for dem.
F1: Tværgående familieteam, sagsbehandlere fra Børn og Unge og fra jobcenteret sidder sammen 2 dage om ugen
U1: Unge 18-30 – "Ungeindsats Middelfart" i jobcentret
V1: Helhedsorienteret indsats for borgere i ressourceforløb
Vd: 1 direktør har ansvaret på tværs
7: Middelfart deltager gerne i erfaringsudveksling.
Fb: Byrådet (via budgetaftalen)

@ Slagelse | DBS | J J | F U V | 2 2 1
1.2: Det vigtigste er ledelse. Hvis ikke fagcheferne bakker op, sker der ingenting ude i afdelingerne. Derudover mangler vi fælles IT
F1: Familieindsats med én familieplan – pilot i Korsør og Skælskør. Vi vil mindske antallet af tiltag/foranstaltninger i familien og få forældrene tættere på arbejdsmarkedet.
F2: "Sammen om barnet" – dagtilbud og sundhedspleje om småbørnsfamilier med sårbarhed
U1: Ungeindsats for 15-25 årige, tovholder på tværs af områderne
U2: Unge med misbrug, fælles behandlingsforløb med jobcentret
V1: Voksne med flere sager – fælles plan
Vc: -
2.2a: Borgere i Ringparken og Motalavej
Fd: To direktører

@ Gribskov | KD | J N | F | 1
1.2: Vi har afdelinger fordelt på flere matrikler (Helsinge og Gilleleje) og det gør det mere besværligt at samarbejde. Et fælles hus ville hjælpe
F1: Familier med sager i jobcenter og familieafdeling – koordinerende sagsbehandler og tværfaglige møder. Formål: at familierne oplever én samlet kommune
Fb: Direktionen
7: Ingen kommentarer
2.2k: Ikke endnu. Vi venter på den nye struktur i forvaltningen

@ Kolding | KD | J J | F U V | 3 2 2
1.1: I Kolding har vi fulgt resultaterne tæt. Vi kan se et fald i antallet af borgere på offentlig forsørgelse i målgruppen, men vi kan ikke sige med sikkerhed at det skyldes indsatsen.
1.2: Det største problem er manglende tværgående økonomistyring. Vi kan ikke se de samlede udgifter til en familie på tværs. Og så er der forskellige formålsparagraffer i lovgivningen der trækker i hver sin retning.
2.2a: Beboere i Skovparken og Munkebo (helhedsplanerne)
3.1: Vi har valgt alle tre målgrupper. Familierne var først (2018).
F1: Familieindsatsen: familier med børn under 18 hvor mindst én forælder har været på offentlig forsørgelse i mere end 2 år. Én familierådgiver, én plan. Målet er selvforsørgelse og trivsel for børnene
F2: Tidlig opsporing i dagtilbud – pædagoger, sundhedsplejerske og familierådgiver samarbejder
F3: Boligsocial indsats i Skovparken
Fb: Byrådet har besluttet at gøre indsatsen permanent fra 2023
Fc: helhedsplanerne / boligselskaberne
U1: "Ungeporten": samling af alle ungeindsatser for 15-30 år i en ny selvstændig enhed med egen leder
U2: Unge med autisme – overgangen til voksenlivet, STU og beskæftigelse
V1: Tværgående team for voksne med komplekse udfordringer
V2: Indsats for kvinder på krisecenter og deres børn
7: Vi har delt vores business case med KL.
Fd: 3 direktører
Ub: Ungeporten blev etableret efter byrådsbeslutning i 2021

@ Odder | KD | J J | U | 1
1.1: Ved ikke
1.2: For få borgere i målgrupperne til at vi kan lave et selvstændigt tilbud. Vi samarbejder med nabokommunerne
2.2k: Der er besluttet en ny ungeindsats med start i 2024
U1: Ungeindsats for unge med angst og depression: mentor, UU-vejleder og sagsbehandler i ét team. Målet er uddannelse
Ud: 2 direktører
7: Nej
3.1: Kun unge. Familier og voksne klares i de almindelige samarbejdsfora

@ Randers | KD | J J | F U V | 2 1 2
1.1: Vi håber på besparelser på sigt, men det er ikke det primære. Det primære er at borgerne får et bedre liv.
1.2: Forsinkelsen af loven har betydet at vi har stået lidt i stampe. Vi har ikke villet bygge noget op, som vi så skal lave om, når loven kommer.
F1: Familieindsats med "én plan" for familier med sager i Børn og Familie og Jobcentret. Indsatsen skal reducere antallet af anbringelser og få forældre i job.
F2: Fremskudt jobcenter i dagtilbud
U1: Ungeenhed med UU, ungejobcenter og Ungdomsskolens særlige tilbud
Uc: Ungdomsskolen
V1: Koordinerende sagsbehandler for borgere med mange sager
V2: Borgere med misbrug
Vb: Direktionen har besluttet indsatsen, Social- og Sundhedsudvalget er orienteret
7: Vi ser frem til lovens ikrafttræden, men frygter at dokumentationskravene bliver tunge.
Ud: 1 – Job og Velfærd
3.1: Alle tre

@ København | CK | J J | F U V | 3 3 3
1.1: Det kommer an på hvilken målgruppe man taler om. For familierne ser vi bedre effekt, for de voksne hjemløse er billedet mere blandet.
1.2: Med 7 forvaltninger med hver deres udvalg og budget er det en stor styringsmæssig opgave at lave noget på tværs. Vi har forvaltningsgrænser der er vanskelige at krydse
2.2a: Borgere i Tingbjerg og Mjølnerparken; hjemløse; borgere med dobbeltdiagnose
2.2k: Besvarelsen er koordineret mellem Socialforvaltningen og Beskæftigelses- og Integrationsforvaltningen
F1: Fælles familieindsats mellem BUF, SOF og BIF i udvalgte bydele. Familierne får én familieplan og én koordinerende rådgiver. Mål: forældre tættere på arbejdsmarkedet, børnene i trivsel.
F2: Helhedsorienteret indsats for familier i boligområderne Tingbjerg og Husum
F3: Forebyggende indsats i sundhedsplejen for sårbare gravide
Fb: Borgerrepræsentationen har bevilget midlerne (overførselssagen 2022)
Fd: 3 forvaltninger med hver sin administrerende direktør
U1: "Unge i Centrum": fælles ungeindsats for 15-29 årige med sag i både SOF og BIF. Målet er uddannelse/beskæftigelse og at mindske kriminalitet
U2: Fælles ungecenter med KUI, ungdomsskole og jobcenter
U3: Overgang til voksenlivet for unge med handicap
Uc: Politiet (SSP), Kriminalforsorgen
V1: Housing First-inspireret indsats for hjemløse med fælles team fra SOF og BIF
V2: Borgere på kontanthjælp med psykisk sygdom – samarbejde med Region Hovedstadens Psykiatri
V3: Indsats for løsladte borgere
Vc: Kriminalforsorgen; Region Hovedstaden
7: Besvaret af chefkonsulent i Socialforvaltningen på vegne af de administrerende direktører. Kontakt Søren Poulsen ved spørgsmål.
3.1: Indsatserne er forskellige fra forvaltning til forvaltning, derfor har vi valgt alle tre

@ Halsnæs | KD | J J | F | 2
1.2: ingen særlige
F1: Familieteam – koordination mellem jobcentret og Børn, Unge og Familie. Vil forhindre at børnene vokser op med samme problemer som forældrene
F2: Helhedsorienteret tilgang i Frederiksværk Nord (boligsocialt)
Fd: 1 direktør (Børn, Unge og Familie samt Job)
Fb: direktionen har besluttet, udvalgene er orienteret

@ Billund | KD | J N | V | 1
1.1: I nogen grad
1.2: Vi er en mindre kommune, og vi har få borgere med komplekse problemer. Men de der er, er dyre. Vi overvejer et samarbejde med Vejle og Vejen
V1: Koordinerende indsats for voksne borgere på offentlig forsørgelse med flere sager. Én kontaktperson på tværs.
2.2k: Der arbejdes på et oplæg til politisk beslutning i løbet af 2024
3.1: Vi har valgt voksne, da det er der vi ser det største behov

@ Viborg | DBS | J J | F U V | 2 2 2
1.1: Samarbejdet på tværs er blevet markant bedre. Medarbejderne har fået et bedre kendskab til hinandens fagligheder og lovgivning
1.2: Der er stadig en monofaglig kultur i nogle afdelinger. "Det er ikke min opgave" er en sætning vi hører for tit. Og så er journalisering i flere systemer en tidsrøver
F1: Familieteam på tværs af Børn og Familie og Arbejdsmarked
F2: Tidlig indsats i skolerne ved bekymrende fravær
U1: Ungeteam: unge 15-25 år med fokus på at mestre eget liv og komme i uddannelse
U2: Unge med misbrug
V1: Voksenteam for borgere med komplekse sager
V2: Fælles sundhedsindsats med regionen om borgere med psykiske lidelser
Vb: Fagudvalg – Social- og Sundhedsudvalget
Ud: Direktør for Arbejdsmarked og direktør for Børn og Unge
7: Vi er bekymrede for om de økonomiske rammer følger med lovens krav om at tilbyde indsatsen til skal-målgruppen.

@ Guldborgsund | KD | J J | F U V | 2 1 1
1.1: Vi forventer at gevinsterne først viser sig om 5-10 år
1.2: Vi har meget begrænsede midler og skal finde besparelser hvert år. Det er svært at få plads til investeringer der først betaler sig hjem om flere år.
F1: Familiehus i Nykøbing F. med tværfaglige medarbejdere fra familieafdelingen, jobcentret og sundhedsplejen. Målet er trivsel for børnene og job til forældrene
F2: Familier med sager i mindst to forvaltninger – fælles plan
U1: Ungeindsats under Uddannelse og Beskæftigelse
V1: Borgere i ressourceforløb
Fb: Økonomiudvalget – pga. den tværgående økonomi
7: Vi har en stor målgruppe og et stort behov. Samtidig har vi en af landets laveste indtægter pr. indbygger, så det er ikke fordi vi ikke vil, men vi kan ikke finansiere en investering der først tjener sig hjem om 5-10 år uden at skære andre steder. Udligningen tager ikke højde for det.

@ Mariagerfjord | KD | J J | F U | 1 1
F1: Familier med komplekse udfordringer – fast tværfagligt team der mødes hver 14. dag
U1: Unge med behov for mere end uddanelsesvejledning: KUI-indsats
Ud: 1
2.2k: Forventer at udvide til voksne i 2025

@ Gladsaxe | BUD | J J | F U | 3 1
1.1: Vi har haft en helhedsorienteret tilgang på børneområdet i flere år. Det har givet færre anbringelser
1.2: Den største udfordring er at få jobcentret til at tænke familie og ikke kun individ
F1: Helhedsorienteret familieindsats: koordinerende rådgiver, én plan. Vi vil styrke forældrenes tilknytning til arbejdsmarkedet og sikre børnenes trivsel
F2: Tidlig indsats i dagtilbud (Gladsaxe-modellen)
F3: Skolefravær – tværfaglig indsats med PPR og familieafdelingen
Fb: Børne- og Undervisningsudvalget og Beskæftigelses- og Integrationsudvalget
Fd: 2 direktører + kommunaldirektøren
U1: Ungeenhed
Ub: Direktionen
7: Besvarelsen er drøftet mellem kommunaldirektøren og BUD

@ Sønderborg | KD | J J | F U V | 1 2 1
1.2: Vi skal passe på at helhedsorientering ikke bliver endnu et lag oven i det eksisterende. Der er i forvejen mange tværgående fora
F1: Familie og Job – tværfagligt samarbejde om familier med sager i Familie og Børn og i jobcentret
U1: Ungeenheden i Sønderborg samler UU, jobcentret og Ungdomsskolens specialtilbud. Én indgang for unge 15-30 år
U2: Unge med psykisk sårbarhed, samarbejde med Psykiatrien i Region Syddanmark
V1: Voksne med komplekse udfordringer – fælles plan og koordinator
7: Tak for en god undersøgelse
2.2a: Unge med autisme og ADHD

@ Lemvig | KD | N N | - | -
1.2: Vi har ikke oplevet et behov for en særskilt model – koordineringen foregår i de enkelte sager.
7: -

@ Roskilde | DBS | J J | F U V | 2 1 1
F1: Familieindsats – "Roskilde-modellen", fast tværfagligt team med sagsbehandlere fra Børn og Unge og Jobcenter Roskilde. Familien får én plan.
F2: Familier med børn med handicap
U1: Ungeteam for unge på uddannelseshjælp
V1: Voksne med misbrug og psykisk lidelse
Vc: Psykiatrien
Fb: Direktionen har godkendt, Socialudvalget og Skole- og Børneudvalget er orienteret
7: Generelt bakker vi op om intentionerne i den nye lov, men vi er skeptiske overfor om den reelt fjerner dobbeltarbejdet.

@ Horsens | KD | J J | F U V | 2 2 2
1.2: Vi har brugt meget tid på at få fagcheferne med. Det lykkedes ved at lave fælles mål i direktionen og følge op på dem hvert kvartal.
2.2a: Borgere med handicap
F1: "Familien samlet": familier med sager i mindst to forvaltninger, én koordinerende rådgiver og én familieplan. Mål: trivsel og selvforsørgelse
F2: Tidlig indsats i dagtilbud for børn i udsatte familier
U1: Ungeindsats: unge 15-30 år uden uddannelse og med sociale problemer. Et fast ungeteam mødes ugentligt
U2: Unge med misbrug i samarbejde med rusmiddelcenteret
V1: Tværfagligt voksenteam
V2: Indsats for borgere i hjemløshed
Vd: Alle 4 direktører sidder i styregruppen
7: Horsens Kommune vil gerne deltage i videre udvikling af feltet
Fc: Politi, kriminalforsorg og frivillige organisationer

@ Vallensbæk | KD | N N | - | -
1.2: Lille kommune, få sager
2.2k: Nej
7: Nej
1.1: Vi har ikke erfaring med HOI ud over de almindelige tværfaglige møder

@ Faxe | KD | J N | F V | 1 1
1.2: Vi har ikke tid – alle er optaget af driften og af nye reformer (beskæftigelsesreformen, Barnets Lov). Det er svært at finde overskud til at udvikle noget nyt på tværs.
F1: Familieteam hvor sagsbehandler fra familieafdelingen og jobcentret holder fælles møder med familien
V1: Koordinerende sagsbehandler for borgere med mere end én sag

@ Svendborg | KD | J J | F U V | 2 2 1
1.1: Vi ser det især som en måde at give borgeren en bedre oplevelse på. De skal ikke fortælle deres historie 10 gange.
F1: Familieindsatsen i Svendborg: tværfagligt team med familierådgivere, jobkonsulenter og sundhedsplejersker. Formål: forebygge anbringelser, få forældre i job
F2: Sammen om skolen – indsats mod skolefravær
U1: Ungdommens Hus Svendborg – samling af ungeindsatser (UU, jobcenter, SSP, ungerådgivning) på én adresse. Egen leder.
U2: Unge med angst – gruppeforløb og mentor
V1: Borgere med psykiske lidelser på kontanthjælp
Vd: 2 direktører
Ub: Byrådet besluttede Ungdommens Hus i 2022
Uc: Kriminalforsorgen (ungdomssanktionen)

@ Herlev | KD | J J | F U | 1 1
F1: Helhedsorienteret familieindsats i samarbejde med boligområdet Herlev Hjerte
U1: Ungeindsats for 15-25 årige
1.1: Sammenhæng for borgerne og mindre spild i systemet
2.2a: Borgere i Herlev Hjerte
7: Et par bemærkninger:\n- 1.2 er svær at svare på, da barriererne er forskellige fra område til område\n- Vi har besvaret 4.2 for den indsats der er længst fremme\n- HOI-loven er efter vores opfattelse et skridt i den rigtige retning, men den løser ikke udfordringen med de mange planer

@ Holstebro | FC | J J | F U | 2 1
1.1: Vi oplever en bedre dialog med familierne
1.2: Forskellige faglige perspektiver: jobcentret ser forælderen som ledig, familieafdelingen ser barnet. Det tager tid at opbygge et fælles blik på familien.
F1: "Familie i centrum" – fælles team af familierådgivere og jobkonsulenter. Mål: at familien oplever én indgang og én plan, og at forældrene kommer tættere på arbejdsmarkedet
F2: Familier i Holstebro Nord
Fb: Udvalget for Børn og Familie
Fd: Børne- og ungedirektøren og arbejdsmarkedsdirektøren
U1: Ungeindsats i jobcentret
7: Besvaret af familiechefen
3.1: Voksne er ikke valgt fordi det ligger i jobcentrets almindelige drift

@ Rebild | KD | J N | F | 1
F1: Familieindsats i Støvring, tværfagligt team
2.2k: Der er ikke truffet en formel beslutning, men vi arbejder på det

@ Kalundborg | KD | J J | F U V | 1 1 1
1.1: Reduktion af behovet for andre indsatser – fx færre anbringelser og færre borgere i dyre botilbud. Det er der vi ser den økonomiske gevinst, hvis der er en
1.2: Vores største udfordring er at få regionen med. Mange af borgerne har psykiatriske diagnoser og der er lang ventetid, og psykiatrien deltager sjældent i vores møder.
F1: Familieindsats: én plan og en koordinerende familierådgiver for familier med sager i Børn og Familie samt Job og Borgerservice
U1: Unge 15-25 med angst/depression – ungeteam med psykolog tilknyttet
V1: Borgere med dobbeltdiagnoser, samarbejde med distriktspsykiatrien
Vc: Distriktspsykiatrien i Region Sjælland
Fb: Fagudvalg

@ Haderslev | DBS | J J | F U V | 2 1 1
1.1: Det bedste ved det er at medarbejderne får et fælles sprog
1.2: Loven blev forsinket og vi har afventet. Nu er vi i gang, men vi er usikre på hvordan skal-målgruppen skal afgrænses i praksis.
2.2k: Vi har besluttet at starte med familierne og udvide senere
F1: Helhedsorienteret familieindsats med koordinerende sagsbehandler. Familier hvor forældrene har været på kontanthjælp i over 2 år og har børn med sag efter BUL
F2: Familiehuset – åben rådgivning
U1: Ungeindsats for unge 18-25 på uddannelseshjælp med psykiske problemer
V1: Koordineret indsats for voksne i ressourceforløb
Vb: Direktionen

@ Hillerød | KD | J J | F U V | 2 2 1
1.2: IT-systemerne! Medarbejderne skal dokumentere det samme i tre systemer. Det tager tid fra borgerne og er demotiverende.
2.2a: Borgere med erhvervet hjerneskade
F1: Tværgående familieteam, fast ugentligt møde, koordinator fra familieafdelingen. Formålet er at familien kun har én plan
F2: Tidlig indsats for familier hvor et barn har højt fravær
U1: Ungeteam – unge 15-25, mentor og vejleder
U2: Unge i kriminalitetstruede miljøer – SSP, familieafdeling og jobcenter
Uc: Politiet/SSP
V1: Voksne med hjerneskade – tværfaglig koordination mellem sundhed, socialområdet og jobcentret
7: Vi håber at kunne bidrage til den kommende evaluering af loven
Fb: Besluttet af Børne- og Familieudvalget

@ Norddjurs | KD | J N | F V | 1 1
1.2: Vi har få ressourcer og mange af vores medarbejdere har travlt med at nå lovkravene i egne sager. Det er en luksus at sætte tid af til samarbejde på tværs
F1: Familieteam – jobcentret og familieafdelingen i Grenaa. Vi ønsker at færre børn skal anbringes
V1: Koordineret indsats for borgere på kontanthjælp med misbrug
7: Vi er i gang med at se på hvordan vi organiserer os ift. den nye lov.
2.2k: Afventer at loven træder fuldt i kraft

@ Jammerbugt | DSS | J J | F U V | 1 1 1
1.2: Fysisk afstand mellem vores rådhuse i Aabybro og Fjerritslev. Men det har faktisk hjulpet at vi har fået Teams
F1: Familieteam på tværs af Familieafdelingen og Job og Borgerservice, mødes hver uge
U1: Ungeteam med fokus på unge der er faldet fra FGU
V1: Koordinerende sagsbehandler
Vd: 1 direktør med ansvar for både social, sundhed og beskæftigelse
2.2a: Borgere med handicap

@ Ballerup | KD | J J | F U V | 2 2 2
1.1: Især ift. borgernes oplevelse – og medarbejdernes arbejdsglæde, som er steget i de teams der arbejder på tværs
1.2: Det er en udfordring at få samarbejdet til at køre når medarbejderne stadig bliver målt på de søjlevise mål. Vi skal have nogle fælles mål, ellers trækker alle mod eget område.
2.2a: Familier med børn med handicap; borgere med autisme
F1: "Hele familien" – én familieplan på tværs af Børn og Familie og Jobcentret. Formålet er at forældrene bliver selvforsørgende og at børnene får en god opvækst
F2: Familier i Hedegården – boligsocial indsats
U1: Ungeindsatsen: unge 15-30 år, samlet i ét team i Ungecenter Ballerup med egen leder og budget
U2: Fælles indsats for unge med autisme
V1: Voksne med komplekse udfordringer på kontanthjælp
V2: Borgere med psykiske lidelser
Vd: 3 + kommunaldirektør
7: Vi savner at regionen forpligtes mere i loven.
Fb: Økonomiudvalget, fordi finansieringen går på tværs

@ Vejen | SC | J N | V | 1
1.1: Ved ikke
1.2: Vi har endnu ikke en fælles forståelse i kommunen af hvad helhedsorienteret betyder. Nogle ser det som et projekt, andre som en arbejdsform.
V1: Koordinerende sagsbehandler til voksne borgere med sag i jobcenter og socialområde. Mål: færre møder, mere sammenhæng
Vd: 2
7: Svaret på vegne af direktøren
2.2k: Vi har søgt om puljemidler – venter på svar

@ Sorø | KD | J J | F | 1
1.2: Manglende viden om hvad der virker. Vi ville gerne læne os op ad noget evidens, men det er svært at finde
F1: Familieindsats hvor familierne får en fast koordinator fra familieafdelingen og en jobkonsulent. Vi vil gerne øge familiernes livskvalitet og trivsel
Fb: Byrådet godkendte i forbindelse med budget 2023
3.1: Vi er startet med familierne

@ Hedensted | CK | J J | F U V | 1 2 1
1.2: Ingen kommentarer
F1: Familieindsatsen "Fælles om familien" – én plan på tværs af Børn og Familie og Arbejdsmarked
U1: Ungeindsats – unge 15-25 år
U2: Samarbejde med FGU og erhvervsskolerne om fastholdelse
Uc: FGU, erhvervsskoler
V1: Voksne med flere sager
7: Besvaret af chefkonsulent i direktionssekretariatet
2.2a: Borgere på sygedagpenge med komplekse forløb

@ Frederikshavn | JC | J J | U V | 2 2
1.1: Vi har i jobcentret set at flere kommer i job når vi samarbejder med socialområdet om de samme borgere
1.2: Det er vores erfaring at det tager lang tid at opbygge tillid mellem fagområderne. Men når det først lykkes er det rigtig godt
U1: Ungeindsats "Ung i Frederikshavn" med uddannelsesvejledere og jobkonsulenter i ét team
U2: Unge med psykiske problemer – samarbejde med Børne- og Ungdomspsykiatrien
V1: Koordinerende sagsbehandler til borgere med misbrug
V2: Indsats for borgere på Læsø og Hals er tilpasset lokale forhold
Vd: Beskæftigelsesdirektør og socialdirektør
7: Jobcenterchef Henrik Skov har besvaret på vegne af direktionen

@ Bornholm | KD | J J | F U V | 1 1 1
1.1: Vi er en ø og har ikke mulighed for at henvise til tilbud i andre kommuner. Det gør det ekstra vigtigt at vi samarbejder internt.
1.2: Vi har svært ved at rekruttere, især socialrådgivere og psykologer. Derudover er regionens tilbud langt væk.
F1: Familieindsats: familier hvor forældrene er på offentlig forsørgelse og har børn med særlige behov. Én familieplan.
U1: Ungeindsats – unge med behov for støtte til uddannelse
V1: Voksne med komplekse udfordringer – koordinerende sagsbehandler
Fb: Kommunalbestyrelsen
7: Vi deltager gerne i netværk med andre kommuner, gerne digitalt pga afstanden

@ Aabenraa | KD | J J | F U V | 2 1 1
1.2: Manglende volumen er ikke en barriere for os, men manglende ressourcer. Vi har svært ved at finde tid til den tværgående koordinering når sagstallene stiger.
F1: Helhedsorienteret indsats for familier på kontanthjælp. Fælles team (familierådgiver, jobkonsulent, sundhedsplejerske). Formålet er at bryde den negative sociale arv
F2: Tidlig indsats i dagtilbud i Kruså og Padborg
U1: Ungeindsats med fokus på uddannelse
V1: Borgere med mere end 2 sager

@ Brøndby | DBS | J J | F U | 2 2
1.2: Udfordringen er at vores budgetter ligger i hvert sit område. Hvis jobcentret bruger penge på en familie, er det familieafdelingen der får gevinsten (færre foranstaltninger).
2.2a: Beboere i Brøndby Strand
F1: Familieindsats i Brøndby Strand – én plan og én koordinator. Målet er flere foraeldre i job og færre børn med behov for særlig støtte
F2: Familier med sprog- og integrationsudfordringer
Fc: Boligsociale medarbejdere
U1: Unge i Brøndby Strand, ungeteam med SSP, UU og jobcenter
U2: Unge med misbrug
7: Indsatsen har givet os meget læring om samarbejde på tværs

@ Vordingborg | KD | J J | F V | 1 1
1.2: Det er svært at få borgerne med – mange er skeptiske overfor kommunen og vil ikke give samtykke til at vi deler oplysninger
F1: Familieindsats med kordinerende sagsbehandler
V1: Voksne i ressourceforløb med psykiske lidelser
Vd: 2 (Social og Sundhed, Beskæftigelse)
3.1: Familier og voksne. Ungeindsatsen ligger i samarbejdet med FGU

@ Favrskov | KD | J J | F U | 1 1
1.2: Vi kan se at samarbjedet afhænger meget af enkelte ildsjæle. Når de skifter job falder det fra hinanden. Vi skal have det forankret i strukturen, ikke i personer.
F1: Familieteam, Hinnerup og Hadsten – tværfagligt samarbejde om familier med børn i dagtilbud og skole, hvor forældrene er ledige
U1: Ungeteam
Ud: 1
Fb: Direktion

@ Allerød | KD | J N | F | 1
F1: Tværfagligt samarbejde om familier med komplekse udfordringer. Koordinerende familierådgiver
2.2k: Vi har endnu ikke besluttet hvordan vi implementerer hovedloven

@ Nyborg | SC | J J | F V | 1 1
F1: Familiesamarbejde mellem jobcentret og familieafdelingen
V1: Koordinerende sagsbehandler for voksne med flere sager
7: Svaret af socialchefen

@ Odsherred | KD | J J | F U V | 1 1 1
F1: Familieteam med koordinator. Vi vil gerne have at børnene kommer i skole og at forældrene får arbejde
U1: Ungeindsats – unge med skolevægring og unge der er faldet ud af uddannelse
V1: Koordinerende indsats for voksne på kontanthjælp
Fc: Frivillige foreninger
7: Der mangler en fælles forståelse af hvad "skal-målgruppen" omfatter. Det giver forskellig praksis kommunerne imellem.

@ Helsingør | DBS | J J | F U V | 2 1 2
1.1: Den store gevinst er at vi får nogle bedre forløb for borgerne. Økonomien kommer i anden række
1.2: Datadeling er fortsat en stor barriere. Vi kan ikke se hinandens journaler og skal have samtykke fra borgeren hver gang. Hovedloven løser kun en del af det.
2.2a: Borgere i Vapnagård og Nøjsomhed
F1: Familieindsatsen i Vapnagård – samarbejde mellem familieafdelingen, jobcentret og boligsocial helhedsplan
F2: Familier med børn med ADHD/autisme
U1: Ungeenhed i jobcentret for unge under 30
V1: Voksne med dobbeltdiagnoser
V2: Borgere i hjemløshed
Vc: Regionspsykiatrien og herberget
Fb: Fagudvalg

@ Faaborg-Midtfyn | KD | J J | F U V | 2 1 1
1.1: Vi har brugt helhedsorientering som en del af vores strategi for at få flere i job
1.2: Det er svært at måle effekten. Vi har ikke baseline data, og når vi sammenligner med andre kommuner er det svært at vide hvad der skyldes indsatsen
F1: Familieindsats i Ringe og Faaborg: én plan, én koordinator. Målet er job og trivsel
F2: Familiekonsulenter i skolerne
U1: Ungeindsats med UU og jobcentret
V1: Koordinerende sagsbehandler
3.1: Vi har valgt alle tre. Men ærligt talt er det de samme borgere vi ser i alle tre grupper – de unge er børn i familierne og bliver til de voksne med komplekse problemer, hvis vi ikke lykkes.

@ Struer | KD | N N | - | -
1.2: Vi har haft fokus på andre opgaver, bl.a. den nye beskæftigelsesreform og omlægning af ældreområdet
2.2k: Vi overvejer et samarbejde med Holstebro og Lemvig

@ Frederikssund | KD | J J | F U | 1 1
F1: Familieteam på tværs
U1: Ungeteam

@ Høje-Taastrup | DBS | J J | F U V | 2 2 1
1.1: vi ser bedre resultater for borgerne især når vi inddrager dem i at lave deres egen plan
1.2: Vi mangler en samlet metode til at følge økonomien på tværs. Det gør det svært at argumentere for indsatsen politisk
2.2a: Borgere i Gadehavegård og Tåstrupgård
F1: "Familien i fokus" – én plan på tværs af Børn og Familie, Jobcentret og Sundhed
F2: Familier i de almene boligområder
U1: Ungeindsats for unge 15-25 år uden uddannelse
U2: Unge med kriminalitet – SSP og ungeteam
V1: Voksne borgere på kontanthjælp med komplekse problemer
Fd: Tre direktører
7: Vi er meget interesserede i resultaterne – især hvad andre kommuner gør ift. økonomistyring på tværs

@ Rødovre | KD | J J | F U | 1 1
1.2: Manglende opbakning blandt fagchefer er ikke en barriere hos os – men medarbejderne skal have tid til det
F1: Familieindsats – tværfagligt team
U1: Ungeindsats
7: -
"""

if __name__ == "__main__":
    main()

# ruff: noqa: E501
"""Build the fictional demo survey export and its CSV test fixtures.

All free-text answers below are invented for the demo. Municipality names, regions and size groups are
real (size groups approximately right), but nothing written here was said by anyone in those municipalities.

Outputs (deterministic; run from anywhere):
    corpora/demo/survey/hoi_kommuneundersoegelse_2024.xlsx   (all respondents)
    tests/data/survey/hoi_export_semicolon_cp1252.csv         (first 8 rows, ';', cp1252, CRLF)
    tests/data/survey/hoi_export_comma_utf8bom.csv            (first 8 rows, ',', UTF-8 with BOM, CRLF)

Usage:
    python corpora/demo/survey/build_survey.py

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
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
XLSX_PATH = HERE / "hoi_kommuneundersoegelse_2024.xlsx"
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
            blocks.append({"_kommune": kommune, "_role": role, "_hoi": hoi, "_targets": targets, "_counts": counts})
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


def write_csv(rows: list[dict[str, object]], cols: list[str], path: Path, *, delimiter: str, encoding: str) -> None:
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
"""

if __name__ == "__main__":
    main()

"""A study the project has never seen, brought as a new user brings one.

An XLSX export from some survey tool (its own header texts, Likert items, free-text comments,
no schema) and .docx interviews with the metadata sheet the README documents. Every answer and
every turn is invented for this test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ID = "Svar-nr."
MUNICIPALITY = "Hvilken kommune svarer du for?"
ROLE = "Din stilling"
SIZE = "Kommunestørrelse (indbyggere)"
LIKERT = [
    "Lovgivningen på området spænder ben for samarbejdet på tværs",
    "Vi har IT-systemer, der kan dele oplysninger mellem afdelingerne",
    "Ledelsen bakker op om den tværgående indsats",
]
COMMENT_BARRIERS = "Uddyb gerne, hvad der især står i vejen for jer"
COMMENT_ORGANISATION = "Fortæl kort, hvordan I har skruet jeres helhedsorienterede indsats sammen"
COMMENT_OTHER = "Noget andet, du vil sige til os? (frivilligt)"

GRADES = ["I meget høj grad", "I høj grad", "I nogen grad", "I lav grad", "I meget lav grad", "Ved ikke"]

# (municipality, size, role, barriers comment, organisation comment, other comment)
ANSWERS = [
    ("Faaborg-Midtfyn", "Under 50.000", "Kommunaldirektør",
     "Økonomien ligger i søjlerne, så ingen afdeling vil betale for en indsats, som en anden får "
     "gevinsten af.",
     "Vi har lavet et fast tværgående team med en socialrådgiver, en jobkonsulent og en fra PPR, som mødes "
     "hver uge om de familier, der har flest sager.",
     ""),
    ("Ringkøbing-Skjern", "Under 50.000", "Direktør for social og beskæftigelse",
     "Journalsystemerne taler ikke sammen, og vi må ikke dele oplysninger uden samtykke. Det koster tid.",
     "Én indgang, én koordinerende kontaktperson og én plan for borgeren. Henrik Vestergaard fra "
     "jobcentret har stået for det.",
     "Vi venter stadig på vejledningen til den nye lov."),
    ("Vordingborg", "Under 50.000", "Kommunaldirektør",
     "Sektorlovgivningen kræver hver sin plan, og medarbejderne er usikre på, hvad de må dele.",
     "I Vordingborg har vi oprettet en ny enhed med egen leder, eget budget og medarbejdere fra både "
     "familieafdelingen og beskæftigelse.",
     ""),
    ("Hjørring", "Over 50.000", "Direktør for børn og unge",
     "Det er svært at få ledelsen på afdelingsniveau til at prioritere det, når hver chef måles på "
     "eget budget.",
     "Vi arbejder i netværk i den eksisterende struktur og har styrket koordinationen mellem cheferne.",
     "Kontakt gerne Birgitte Mølgaard, hvis I vil høre mere."),
    ("Kalundborg", "Under 50.000", "Kommunaldirektør",
     "Manglende ressourcer. Vi har ikke personale nok til at holde møderne kørende i hverdagen.",
     "Tværgående teams omkring udsatte unge mellem 15 og 25 år, der hverken er i uddannelse eller job.",
     ""),
    ("Ikast-Brande", "Under 50.000", "Direktør for sundhed og omsorg",
     "Vi mangler en fælles faglig forståelse; socialrådgivere og jobkonsulenter taler forbi hinanden.",
     "Et tværgående team for voksne borgere med komplekse udfordringer, der har været på offentlig "
     "forsørgelse i mange år.",
     "Lovens forsinkelse har gjort, at vi har holdt igen med at investere."),
    ("Frederikssund", "Over 50.000", "Kommunaldirektør",
     "Budgetterne er delt op i siloer, og gevinsten af indsatsen lander et andet sted end udgiften.",
     "Vi har samlet indsatsen for familier med komplekse problemer i et nyt center med egen ledelse.",
     ""),
    ("Tønder", "Under 50.000", "Direktør for arbejdsmarked",
     "IT-systemerne kan ikke integreres, så vi registrerer det samme tre gange.",
     "Netværksorganisering med en fælles koordinator, der sidder i jobcentret i Tønder.",
     "Borgmester Jens Riis Kristensen har bakket op fra starten."),
    ("Varde", "Under 50.000", "Kommunaldirektør",
     "Usikkerhed om hjemmelsgrundlaget for at dele data mellem forvaltningerne.",
     "Faste tværgående teams, hvor opgaven sætter holdet, og medarbejderne bagefter går tilbage til deres "
     "afdelinger.",
     ""),
    ("Odsherred", "Under 50.000", "Direktør for social og sundhed",
     "Manglende opbakning fra direktionen i starten, men det er blevet bedre.",
     "Vi har én koordinerende sagsbehandler pr. familie og en fælles plan, som alle arbejder ud fra.",
     "Det vigtigste er, at borgeren oplever sammenhæng."),
    ("Guldborgsund", "Over 50.000", "Kommunaldirektør",
     "Vi har for få hænder, og sygefraværet blandt socialrådgiverne er højt.",
     "Indsatsen er rettet mod udsatte unge med angst, depression eller misbrug og går på tværs af "
     "uddannelse, beskæftigelse og psykiatri.",
     ""),
    ("Rebild", "Under 50.000", "Direktør for børn, unge og familie",
     "Forskellige regler for økonomistyring i de tre forvaltninger gør det tungt at lave en fælles pulje.",
     "En tværgående styregruppe på direktørniveau og et team af frontmedarbejdere fra fire fagområder.",
     "Lone Kjærgaard er tovholder, hvis I har spørgsmål."),
]

# (file name, municipality, interviewer, role, turns as (speaker, text))
INTERVIEWS = [
    ("samtale_a.docx", "Svendborg", "Mette Dalgaard", "Kommunaldirektør", [
        ("I", "Tak fordi du ville være med. Kan du fortælle, hvordan I har organiseret de helhedsorienterede "
              "indsatser i Svendborg?"),
        ("D", "Ja. Vi har valgt faste tværgående teams. En socialrådgiver, en jobkonsulent og en "
              "sundhedsplejerske mødes hver tirsdag om de familier, der har flest sager, og bagefter går "
              "de tilbage til deres afdelinger."),
        ("I", "Hvad har været det sværeste?"),
        ("D", "Økonomien. Gevinsten af en indsats i familieafdelingen lander i jobcentret, og så vil ingen "
              "betale. Vi har talt med økonomidirektøren Anders Holm om en fælles pulje, men den er ikke "
              "på plads endnu."),
        ("I", "Og IT?"),
        ("D", "IT-systemerne taler ikke sammen. Den fælles plan ligger i et Word-dokument, som lægges ind i "
              "tre systemer. Det er dobbeltregistrering, og medarbejderne er trætte af det."),
    ]),
    ("Rebild_direktoer.docx", "Rebild", "Mette Dalgaard", "Direktør for børn, unge og familie", [
        ("I", "Hvem er målgruppen for jeres indsats?"),
        ("D", "Det er familier med komplekse udfordringer, hvor forældrene har været på kontanthjælp i mange "
              "år, og hvor der er børn med en sag i familieafdelingen."),
        ("I", "Hvordan måler I, om det virker?"),
        ("D", "Vi følger, om forældrene kommer tættere på arbejdsmarkedet, og om børnenes trivsel bliver "
              "bedre. Men det er svært at evaluere, fordi data ligger i forskellige systemer."),
        ("I", "Har lovgivningen været en hindring?"),
        ("D", "Ja, sektorlovene kræver hver sin plan. Vi håber, at den nye lov giver os mulighed for én plan "
              "for hele familien."),
    ]),
    ("samtale_c.docx", "Haderslev", "Kasper Bonde", "Direktør for beskæftigelse", [
        ("Interviewer", "Hvordan er ledelsen involveret?"),
        ("Direktør", "Direktionen står samlet bag. Vi har en styregruppe med tre direktører, og "
                     "afdelingscheferne mødes hver måned for at løse de sager, der sidder fast."),
        ("Interviewer", "Hvad med de unge?"),
        ("Direktør", "For de udsatte unge, der hverken er i uddannelse eller job, har vi lavet en ny enhed "
                     "med egen leder og eget budget. Det var en stor beslutning i kommunalbestyrelsen i "
                     "Haderslev."),
    ]),
]


@dataclass
class NewStudy:
    """Where the study lies and which names from it must never reach an export."""

    root: Path
    export: Path
    names: list[str] = field(default_factory=list)
    respondents: int = 0
    comments: int = 0
    interviews: int = 0


def build_new_study(root: Path) -> NewStudy:
    """Write ``root/survey/besvarelser_2025.xlsx`` and ``root/transcripts/*.docx`` + ``metadata.csv``."""
    import csv

    from docx import Document
    from openpyxl import Workbook

    (root / "survey").mkdir(parents=True)
    (root / "transcripts").mkdir()
    book = Workbook()
    sheet = book.active
    sheet.title = "Besvarelser"
    sheet.append([ID, MUNICIPALITY, SIZE, ROLE, *LIKERT, COMMENT_BARRIERS, COMMENT_ORGANISATION,
                  COMMENT_OTHER])
    comments = 0
    for number, (municipality, size, role, barriers, organisation, other) in enumerate(ANSWERS, start=1):
        grades = [GRADES[(number + i) % len(GRADES)] for i in range(len(LIKERT))]
        sheet.append([1000 + number, municipality, size, role, *grades, barriers, organisation,
                      other or None])
        comments += sum(1 for text in (barriers, organisation, other) if text)
    export = root / "survey" / "besvarelser_2025.xlsx"
    book.save(export)

    with (root / "transcripts" / "metadata.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "interview_id", "municipality", "role", "date", "interviewer",
                         "interviewer_speakers", "respondent_speakers"])
        for number, (name, municipality, interviewer, role, turns) in enumerate(INTERVIEWS, start=1):
            speakers = sorted({speaker for speaker, _ in turns})
            asking = "Interviewer" if "Interviewer" in speakers else "I"
            answering = next(s for s in speakers if s != asking)
            writer.writerow([name, f"samtale{number}", municipality, role, f"2025-0{number}-1{number}",
                             interviewer, asking, answering])
            document = Document()
            document.add_paragraph(f"Interview med {role.lower()}, {municipality} Kommune")
            for speaker, text in turns:
                document.add_paragraph(f"{speaker}: {text}")
            document.save(root / "transcripts" / name)

    persons = ["Henrik Vestergaard", "Birgitte Mølgaard", "Jens Riis Kristensen", "Lone Kjærgaard",
               "Anders Holm", "Mette Dalgaard", "Kasper Bonde"]
    municipalities = [a[0] for a in ANSWERS] + [i[1] for i in INTERVIEWS]
    return NewStudy(root=root, export=export, names=sorted(set(persons + municipalities)),
                    respondents=len(ANSWERS), comments=comments, interviews=len(INTERVIEWS))

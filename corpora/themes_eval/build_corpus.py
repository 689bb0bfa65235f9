# ruff: noqa: E501
"""Build the invented staff survey used to measure emergent themes (see README.md beside this file).

Every answer below was written for this corpus. Municipality names and regions are real, but nothing
here was said by anyone in those municipalities. Each answer carries the theme its writer meant
(the gold label in ``labels.csv``); the labels are ours, not an analyst's coding.

Outputs (deterministic; run from anywhere):
    corpora/themes_eval/survey/medarbejderundersoegelse_2025.csv   (';', UTF-8)
    corpora/themes_eval/labels.csv                                  (respondent, question, theme)

Usage:
    python corpora/themes_eval/build_corpus.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SURVEY = HERE / "survey" / "medarbejderundersoegelse_2025.csv"
LABELS = HERE / "labels.csv"
SEED = 2025
N_RESPONDENTS = 72

QUESTIONS = {
    "1_fungerer": "Hvad fungerer bedst i jeres helhedsorienterede indsats?",
    "2_udfordringer": "Hvad er de største udfordringer i din hverdag med indsatsen?",
    "3_borgerne": "Hvad har borgerne og familierne fået ud af indsatsen? Giv gerne et eksempel.",
    "4_kommentar": "Har du andre kommentarer?",
}

MUNICIPALITIES = {
    "Region Nordjylland": ("Thisted Vesthimmerland Frederikshavn Hjørring Jammerbugt Morsø Rebild Aalborg "
                           "Brønderslev Mariagerfjord Læsø").split(),
    "Region Midtjylland": ("Ringkøbing-Skjern Skive Viborg Herning Holstebro Horsens Lemvig Norddjurs Odder "
                           "Randers Silkeborg Syddjurs Aarhus Struer Ikast-Brande").split(),
    "Region Syddanmark": ("Tønder Varde Assens Billund Esbjerg Vejen Haderslev Kerteminde Kolding Langeland "
                          "Middelfart Nyborg Odense Svendborg Sønderborg Vejle Aabenraa Fredericia").split(),
    "Region Sjælland": ("Lolland Faxe Sorø Guldborgsund Holbæk Kalundborg Køge Næstved Odsherred Roskilde "
                        "Slagelse Vordingborg Stevns Ringsted").split(),
    "Region Hovedstaden": ("Albertslund Ballerup Bornholm Brøndby Fredensborg Gentofte Gladsaxe Gribskov Halsnæs "
                           "Helsingør Herlev Hillerød Ishøj København").split(),
}
LARGER = set("Aalborg Hjørring Frederikshavn Viborg Herning Holstebro Horsens Randers Silkeborg Aarhus Esbjerg "
             "Haderslev Kolding Odense Svendborg Sønderborg Vejle Aabenraa Fredericia Guldborgsund Holbæk "
             "Kalundborg Køge Næstved Roskilde Slagelse Gentofte Gladsaxe Helsingør Hillerød København Ballerup "
             "Ringkøbing-Skjern Skive".split())
ROLES = ["Koordinator"] * 24 + ["Socialrådgiver"] * 16 + ["Jobkonsulent"] * 14 + ["Teamleder"] * 10 + \
    ["Sundhedsplejerske"] * 8

# theme -> (who says it more often: an attribute value or "", [(question, answer), ...])
ANSWERS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "teammoeder": ("", [
        ("1_fungerer", "De faste teammøder hver tirsdag. Vi sidder med jobcentret, familieafdelingen og misbrugsbehandlingen omkring samme bord, og beslutningerne bliver taget dér."),
        ("1_fungerer", "At vi mødes hver uge i teamet og kender hinanden. Jeg kan ringe direkte til jobkonsulenten i stedet for at sende en mail og vente i dagevis."),
        ("1_fungerer", "Det ugentlige teammøde, hvor vi gennemgår familierne en for en. Det giver et fælles billede af familien."),
        ("1_fungerer", "Vores tværfaglige team. Vi har lært hinandens fagsprog at kende, og der er kort vej fra snak til handling."),
        ("1_fungerer", "Teammødet om torsdagen er rygraden. Alle faggrupper er med, også sundhedsplejersken og skolen, når det er relevant."),
        ("1_fungerer", "At vi er samlet i det samme team og mødes fast. Før sad vi hver for sig og vidste ikke, hvad de andre lavede med familien."),
        ("1_fungerer", "Den korte vej mellem faggrupperne. Vi mødes ugentligt og kan hurtigt aftale, hvem der gør hvad."),
        ("1_fungerer", "Møderne i teamet fungerer godt. Vi har en fast dagsorden, og sagerne bliver fulgt op fra uge til uge."),
        ("1_fungerer", "Samarbejdet med kollegerne fra beskæftigelse. Vi holder teammøde hver mandag og deler viden om borgerne med samtykke."),
        ("1_fungerer", "At vi kender hinanden personligt efter et år i teamet. Det gør det nemmere at sige til, når noget ikke fungerer."),
        ("1_fungerer", "Det faste tværfaglige teammøde. Det er dér, vi finder løsningerne sammen i stedet for at sende sagen videre til næste afdeling."),
        ("1_fungerer", "Ugentlige møder på tværs af afdelingerne, hvor vi laver en fælles plan og følger op på den."),
        ("1_fungerer", "Vi er blevet et rigtigt team. Socialrådgiver, jobkonsulent og mentor mødes hver uge og tager ansvar sammen."),
        ("1_fungerer", "Det tætte samarbejde i teamet og de faste mødetider. Så ved alle, hvornår en sag kan blive drøftet."),
    ]),
    "en_kontaktperson": ("Koordinator", [
        ("1_fungerer", "Én fast kontaktperson for familien. Familien skal ikke fortælle deres historie igen og igen til nye sagsbehandlere."),
        ("1_fungerer", "At borgeren har én indgang og én koordinator, som de kan ringe til, når der er noget."),
        ("1_fungerer", "Koordinatorrollen. Borgeren ved, hvem de skal kontakte, og jeg holder styr på alle aftalerne."),
        ("1_fungerer", "Én plan og én kontaktperson i stedet for syv forskellige. Det skaber ro hos familierne."),
        ("1_fungerer", "At der er én, der har overblikket over hele familiens situation og kan samle trådene."),
        ("1_fungerer", "Den faste kontaktperson. Borgerne siger selv, at det er første gang, de har oplevet, at nogen kendte hele deres sag."),
        ("1_fungerer", "Én indgang til kommunen. Borgeren slipper for at blive sendt rundt mellem afdelingerne."),
        ("3_borgerne", "Borgerne fortæller, at de endelig har én at ringe til. En mor sagde, at hun for første gang ikke skulle gentage sin historie."),
        ("3_borgerne", "Færre møder med forskellige rådgivere og én kontaktperson, der kender familien. Det giver tryghed."),
        ("3_borgerne", "En ung mand sagde til mig, at han nu ved, hvem han skal ringe til, når brevene fra kommunen kommer."),
        ("3_borgerne", "Familierne oplever, at der er én, der holder fast i dem og koordinerer, i stedet for fem sagsbehandlere."),
        ("3_borgerne", "Tryghed. De kender deres koordinator og slipper for at fortælle det hele forfra."),
        ("3_borgerne", "De har fået én fast person i kommunen, og det har gjort, at de tør tage kontakt, før tingene brænder på."),
    ]),
    "borgerens_maal": ("", [
        ("1_fungerer", "At borgeren selv sætter målene. Vi starter med at spørge, hvad der er vigtigst for dem, og ikke hvad lovgivningen kræver."),
        ("1_fungerer", "Netværksmøderne, hvor familien selv inviterer bedsteforældre, venner eller en nabo med. Det ændrer hele samtalen."),
        ("1_fungerer", "Borgerinddragelsen. Planen bliver skrevet sammen med borgeren og med borgerens egne ord."),
        ("1_fungerer", "Vi spørger borgeren, hvad et godt liv er for dem, og bygger planen op omkring det. Det giver motivation."),
        ("1_fungerer", "At familien er med til at bestemme rækkefølgen. Nogle gange er det boligen, der skal løses først, ikke jobbet."),
        ("1_fungerer", "Netværksmøder med familiens egne folk. Det er ofte dér, de bedste løsninger kommer fra."),
        ("3_borgerne", "Borgerne oplever at blive lyttet til. De er med til at sætte målene, og det gør en forskel for motivationen."),
        ("3_borgerne", "En far sagde, at det var første gang, han selv havde fået lov at bestemme, hvad der skulle stå i hans plan."),
        ("3_borgerne", "De har fået mere ejerskab over deres eget forløb, fordi målene er deres egne."),
        ("3_borgerne", "Familierne tager mere ansvar, når de selv har formuleret målene i planen."),
        ("3_borgerne", "Flere borgere kommer til møderne, fordi de ved, at det er deres egne ønsker, vi arbejder med."),
        ("3_borgerne", "Netværket omkring familien er blevet styrket. En bedstemor er nu fast med på møderne og hjælper i hverdagen."),
    ]),
    "supervision": ("Teamleder", [
        ("1_fungerer", "Den faglige sparring med kolleger fra andre fag. Jeg lærer noget nyt hver uge."),
        ("1_fungerer", "Supervision en gang om måneden med en ekstern psykolog. Det hjælper os med de tunge sager."),
        ("1_fungerer", "Den fælles uddannelse vi fik i starten, hvor alle faggrupper var på kursus sammen."),
        ("1_fungerer", "Sparringen med teamlederen og muligheden for at drøfte svære sager med en erfaren kollega."),
        ("1_fungerer", "Faglig supervision og kollegial sparring. Uden det ville vi brænde ud."),
        ("2_udfordringer", "Vi mangler supervision. Sagerne er tunge, og der er ikke afsat tid til faglig sparring."),
        ("2_udfordringer", "Der er ingen fælles kompetenceudvikling. Nye medarbejdere bliver kastet ud i det uden kursus."),
        ("2_udfordringer", "Supervisionen er blevet skåret væk, og det mærker vi på trivslen i teamet."),
        ("4_kommentar", "Husk at prioritere supervision og efteruddannelse, hvis indsatsen skal holde på de dygtige medarbejdere."),
        ("4_kommentar", "Vi kunne godt bruge mere faglig sparring på tværs af kommunerne. Det er svært at stå alene med metoden."),
    ]),
    "it_systemer": ("", [
        ("2_udfordringer", "Dobbeltregistrering. Vi skriver det samme ind i tre forskellige fagsystemer, fordi de ikke taler sammen."),
        ("2_udfordringer", "IT-systemerne. Jobcentret og familieafdelingen har hver deres system, og den fælles plan kan ikke ligge nogen steder."),
        ("2_udfordringer", "Fagsystemerne er ikke bygget til tværgående arbejde. Vi har lavet planen i et regneark ved siden af."),
        ("2_udfordringer", "Jeg bruger en time om dagen på at taste det samme ind flere steder. Det er tid, der burde gå til borgerne."),
        ("2_udfordringer", "Systemerne kan ikke dele data, så vi må printe og scanne dokumenter mellem afdelingerne."),
        ("2_udfordringer", "Manglende fælles IT-løsning. Vi kan ikke se hinandens notater, og det giver fejl og dobbeltarbejde."),
        ("2_udfordringer", "Tre systemer, tre logins og ingen fælles journal. Det er frustrerende for alle i teamet."),
        ("2_udfordringer", "Vi venter stadig på et fælles system til den samlede plan. Indtil da er det dobbeltregistrering."),
        ("4_kommentar", "Få nu lavet en fælles digital plan, som alle fagsystemer kan læse. Det ville spare os for meget tid."),
        ("4_kommentar", "IT er stadig den største tidsrøver. Det bør løses nationalt og ikke i hver enkelt kommune."),
    ]),
    "samtykke": ("Socialrådgiver", [
        ("2_udfordringer", "Reglerne for samtykke. Vi er usikre på, hvad vi må dele med hinanden, og juristerne giver forskellige svar."),
        ("2_udfordringer", "Usikkerhed om tavshedspligt og videregivelse af oplysninger. Nogle kolleger holder igen af frygt for at gøre noget forkert."),
        ("2_udfordringer", "Vi skal indhente samtykke til alt, og hvis borgeren trækker det tilbage, står vi med en halv plan."),
        ("2_udfordringer", "Det er uklart, om sundhedsplejersken må fortælle jobcentret om mors depression. Den juridiske ramme halter."),
        ("2_udfordringer", "Samtykkeerklæringerne er lange og svære at forstå for borgerne. Mange skriver under uden at vide hvad."),
        ("2_udfordringer", "Datadeling mellem sektorerne. Regionen må ikke dele med os, og vi må ikke dele med dem uden samtykke."),
        ("2_udfordringer", "Vi bruger meget tid på at finde ud af, hvad vi lovligt må drøfte på teammødet, når borgeren ikke er til stede."),
        ("2_udfordringer", "Lovgivningen om videregivelse af personoplysninger er ikke skrevet til tværgående teams."),
        ("4_kommentar", "Den nye lov burde gøre det lettere at dele oplysninger. Det er stadig ikke klart for os i praksis."),
        ("4_kommentar", "Vi har brug for klare regler for datadeling, så medarbejderne tør bruge det tværfaglige samarbejde."),
    ]),
    "sagsbelastning": ("Koordinator", [
        ("2_udfordringer", "Alt for mange sager pr. koordinator. Jeg har 28 familier, og det er umuligt at være den faste kontakt for dem alle."),
        ("2_udfordringer", "Sagstallet er for højt. Der er ikke tid til at lave det relationelle arbejde, som metoden bygger på."),
        ("2_udfordringer", "Tid. Vi har ikke tid nok til den enkelte borger, når hver af os har over tyve sager."),
        ("2_udfordringer", "Sagsmængden vokser hele tiden, men vi er ikke blevet flere. Det går ud over kvaliteten."),
        ("2_udfordringer", "Jeg løber stærkt hver dag. Der er for mange sager og for lidt tid til hjemmebesøg."),
        ("2_udfordringer", "Det høje antal sager betyder, at vi kun når de akutte ting og ikke det forebyggende arbejde."),
        ("2_udfordringer", "Travlhed. Vi kan ikke nå at følge op på planerne, fordi der hele tiden kommer nye sager ind."),
        ("2_udfordringer", "Sagsbelastningen er for stor. Jeg arbejder over hver uge for at nå det mest nødvendige."),
        ("2_udfordringer", "For mange familier pr. medarbejder. Vi var lovet et loft på femten sager, men det er aldrig blevet overholdt."),
        ("2_udfordringer", "Presset på tid gør, at møderne med borgerne bliver korte, og så mister vi relationen."),
        ("4_kommentar", "Sæt et loft over antallet af sager pr. koordinator, ellers virker metoden ikke."),
        ("4_kommentar", "Metoden er god, men den kræver tid, og tiden er der ikke med det nuværende sagstal."),
        ("4_kommentar", "Vi har for mange sager. Det er den enkeltstående vigtigste ting at løse."),
    ]),
    "personaleudskiftning": ("Teamleder", [
        ("2_udfordringer", "Stor udskiftning blandt medarbejderne. Familierne har haft tre forskellige koordinatorer på et år."),
        ("2_udfordringer", "Rekruttering. Vi kan ikke få uddannede socialrådgivere, og stillingerne står ubesatte i månedsvis."),
        ("2_udfordringer", "Personaleflugt. Når en erfaren kollega stopper, forsvinder viden om familierne med hende."),
        ("2_udfordringer", "Vi har svært ved at fastholde medarbejdere. Mange søger væk efter et år, fordi presset er for stort."),
        ("2_udfordringer", "Nye kolleger skal oplæres hele tiden, og det tager tid fra arbejdet med borgerne."),
        ("2_udfordringer", "Vikarer og ubesatte stillinger. Det er svært at opbygge relationer, når personalet skifter."),
        ("2_udfordringer", "Jobcentret har skiftet kontaktperson til teamet fire gange i år. Det er umuligt at få kontinuitet."),
        ("2_udfordringer", "Mangel på erfarne medarbejdere. De nyuddannede er dygtige, men har ikke erfaringen til de tunge sager."),
        ("4_kommentar", "Hvis vi ikke får styr på rekrutteringen og fastholdelsen af medarbejdere, falder indsatsen fra hinanden."),
        ("4_kommentar", "Udskiftningen i personalet er det, familierne klager mest over. Spørg Birgitte Holm i vores team, hun har talt med dem."),
        ("4_kommentar", "Der skal gøres noget for at fastholde de medarbejdere, der har erfaringen. Løn og arbejdsvilkår betyder noget."),
    ]),
    "psykiatri_ventetid": ("Socialrådgiver", [
        ("2_udfordringer", "Ventetiden i psykiatrien. Unge med angst venter et halvt år på udredning, og imens står alt stille."),
        ("2_udfordringer", "Vi kan ikke få borgerne udredt. Ventelisterne i børne- og ungdomspsykiatrien er alt for lange."),
        ("2_udfordringer", "Samarbejdet med regionspsykiatrien. Borgerne bliver afvist, fordi de også har et misbrug, og så falder de mellem to stole."),
        ("2_udfordringer", "Lang ventetid på behandling. Uden en diagnose kan vi ikke sætte de rigtige tilbud i gang."),
        ("2_udfordringer", "Psykiatrien er svær at få i tale, og udskrivningerne sker, uden at vi bliver informeret."),
        ("2_udfordringer", "Ventelisterne til psykolog og psykiater er det største problem for de unge i vores målgruppe."),
        ("2_udfordringer", "Borgere med dobbeltdiagnoser bliver sendt frem og tilbage mellem misbrugsbehandlingen og psykiatrien."),
        ("2_udfordringer", "Vi mangler en indgang til psykiatrien. Det tager måneder at få en udredning, og det går ud over alt andet."),
        ("4_kommentar", "Regionen skal med i samarbejdet. Uden psykiatrien kan vi ikke hjælpe de mest udsatte unge."),
        ("4_kommentar", "Ventetiden på udredning er urimelig lang, og den undergraver hele planen."),
        ("4_kommentar", "Det er et kæmpe problem, at psykiatrien ikke er forpligtet af loven på samme måde som kommunen."),
    ]),
    "bolig": ("Større kommune", [
        ("2_udfordringer", "Boligmangel. Vi kan ikke finde billige boliger til borgerne, og uden en bolig giver resten ingen mening."),
        ("2_udfordringer", "Flere af vores borgere er hjemløse eller sofasurfer. Det er svært at arbejde med job, når man ikke har et sted at bo."),
        ("2_udfordringer", "Der mangler almene boliger med lav husleje. Ventelisterne er flere år lange her i Aarhus."),
        ("2_udfordringer", "Borgere bliver sat ud af deres lejlighed på grund af huslejerestancer, og så starter vi forfra."),
        ("2_udfordringer", "Manglen på egnede boliger til unge. Vi har unge, der bor på herberg, fordi der ikke er andet."),
        ("2_udfordringer", "Boligsituationen fylder mere og mere. Vi bruger meget tid på at finde et sted at bo til familierne."),
        ("2_udfordringer", "Det er næsten umuligt at skaffe en bolig, som en borger på kontanthjælp kan betale."),
        ("2_udfordringer", "Vi har ingen akutboliger, og det betyder, at familier bliver splittet, når de mister deres lejlighed."),
        ("3_borgerne", "En familie har fået en større lejlighed, og det har givet ro til, at børnene kan komme i skole igen."),
        ("3_borgerne", "En ung kvinde har fået sin egen bolig efter to år på herberg. Det var forudsætningen for alt det andet."),
        ("4_kommentar", "Boligpolitikken skal tænkes ind i indsatsen. Vi kan ikke hjælpe folk, der ikke har et sted at bo."),
        ("4_kommentar", "Samarbejdet med boligselskaberne burde være en del af det helhedsorienterede arbejde."),
    ]),
    "transport_afstande": ("Mindre kommune", [
        ("2_udfordringer", "Lange afstande. Vi kører to timer tur-retur til et hjemmebesøg, og borgerne kan ikke selv komme til os."),
        ("2_udfordringer", "Den offentlige transport er dårlig i landområderne. Borgerne kan ikke nå til aktivering uden bil."),
        ("2_udfordringer", "Mange af vores borgere bor langt ude på landet i Thisted, og bussen kører kun to gange om dagen."),
        ("2_udfordringer", "Transporttiden æder vores tid. Vi dækker et stort geografisk område med mange små byer."),
        ("2_udfordringer", "Borgerne har ikke råd til buskort, og så kommer de ikke til møderne i jobcentret."),
        ("2_udfordringer", "Afstanden til behandlingstilbud. Nærmeste misbrugscenter ligger fyrre kilometer væk."),
        ("2_udfordringer", "Det er svært at lave tilbud lokalt i en landkommune, så alt foregår i byen, som mange ikke kan komme til."),
        ("4_kommentar", "Husk de små landkommuner. Afstandene gør, at metoden skal tilpasses, fx med videomøder."),
        ("4_kommentar", "Vi har fået lov at give buskort, og det har løst en del af problemet med fremmøde."),
    ]),
    "projektmidler": ("Teamleder", [
        ("2_udfordringer", "Indsatsen er finansieret af projektmidler, der udløber næste år. Ingen ved, hvad der sker bagefter."),
        ("2_udfordringer", "Usikkerheden om økonomien. Puljemidlerne stopper, og politikerne har ikke besluttet, om indsatsen skal forankres."),
        ("2_udfordringer", "Vi er et projekt på tredje år, og kollegerne er begyndt at søge andre stillinger, fordi fremtiden er usikker."),
        ("2_udfordringer", "Økonomien. Besparelserne rammer de forebyggende indsatser først, og vores team er i spil."),
        ("2_udfordringer", "Midlertidig finansiering. Det er svært at planlægge langsigtet, når budgettet kun gælder et år ad gangen."),
        ("4_kommentar", "Indsatsen skal gøres permanent. Det giver ingen mening at bygge noget op, som lukker, når puljen er brugt."),
        ("4_kommentar", "Vi håber, at kommunalbestyrelsen vil forankre indsatsen i den almindelige drift efter projektperioden."),
        ("4_kommentar", "Puljefinansiering er gift for langsigtede indsatser. Man skal have tid til at vise effekten."),
        ("4_kommentar", "Sørg for, at der er penge til at fortsætte, når projektet slutter. Familierne har brug for stabilitet."),
        ("4_kommentar", "Det er bekymrende, at indsatsen måske lukker til sommer, når puljemidlerne løber ud."),
    ]),
    "boern_trivsel": ("Sundhedsplejerske", [
        ("3_borgerne", "Børnene kommer i skole igen. I én familie er fraværet faldet fra halvdelen af dagene til næsten ingenting."),
        ("3_borgerne", "Bedre trivsel hos børnene. Lærerne fortæller, at de er mere rolige og deltager i undervisningen."),
        ("3_borgerne", "Et barn, der ikke havde været i skole i et år, går nu fast tre dage om ugen med støtte."),
        ("3_borgerne", "Forældrene er begyndt at komme til skole-hjem-samtaler, og børnene har fået en mere stabil hverdag."),
        ("3_borgerne", "Færre underretninger fra skolen og daginstitutionen om familierne i indsatsen."),
        ("3_borgerne", "Børnene har fået en fritidsaktivitet og nogle venner. Det lyder småt, men det betyder alt for trivslen."),
        ("3_borgerne", "Skolefraværet er faldet, og flere af børnene er kommet i gang med lektiehjælp."),
        ("3_borgerne", "Mindre konflikt i hjemmet, og det kan vi se på børnenes trivsel i børnehaven og skolen."),
        ("3_borgerne", "En pige, der havde ondt i maven hver morgen, glæder sig nu til at komme i klassen."),
    ]),
    "job_uddannelse": ("Jobkonsulent", [
        ("3_borgerne", "Flere forældre er kommet i job eller praktik. En mor har fået en fast stilling på femten timer om ugen."),
        ("3_borgerne", "Tre af vores unge er startet på en uddannelse efter flere år uden for skolesystemet."),
        ("3_borgerne", "Borgere, der har været på kontanthjælp i ti år, er kommet i virksomhedspraktik og har fået løntilskud."),
        ("3_borgerne", "En ung mand har gennemført FGU og er i gang med en erhvervsuddannelse som tømrer."),
        ("3_borgerne", "Flere er kommet tættere på arbejdsmarkedet. Det er ikke alle, der er i job, men de møder op hver dag."),
        ("3_borgerne", "En far er kommet i fleksjob og har fortalt, at det er første gang i mange år, han føler sig nyttig."),
        ("3_borgerne", "Vi ser, at flere unge fastholdes i uddannelse, fordi mentoren følger dem tæt i starten."),
        ("3_borgerne", "Job har været nøglen for flere familier. Når økonomien bliver bedre, bliver alt andet lettere."),
        ("3_borgerne", "En kvinde har fået et ordinært job i et supermarked efter et langt sygdomsforløb."),
        ("3_borgerne", "Flere af de unge har fået et fritidsjob, og et par af dem er startet på produktionsskole."),
    ]),
    "diverse": ("", [
        ("1_fungerer", "Det fungerer generelt fint."),
        ("1_fungerer", "Svært at sige, vi er lige startet op."),
        ("1_fungerer", "Ledelsen bakker op og prioriterer indsatsen, det gør en stor forskel for os."),
        ("3_borgerne", "Det er for tidligt at sige noget om resultaterne."),
        ("3_borgerne", "Det varierer meget fra borger til borger."),
        ("4_kommentar", "Tak for en god undersøgelse."),
        ("4_kommentar", "Jeg håber, resultaterne bliver delt med os, der har svaret."),
        ("4_kommentar", "Spørgsmålene passede ikke helt til vores måde at organisere os på."),
    ]),
}


def respondents(rng: random.Random) -> list[dict[str, str]]:
    """``N_RESPONDENTS`` staff members: a municipality (at most two per municipality), region, size, role."""
    places = [(name, region) for region, names in MUNICIPALITIES.items() for name in names]
    rng.shuffle(places)
    roles = ROLES[:N_RESPONDENTS]
    rng.shuffle(roles)
    people = []
    for index in range(N_RESPONDENTS):
        name, region = places[index % len(places)]
        people.append({"Respondent-ID": f"M{index + 1:03d}", "Kommune": name, "Region": region,
                       "Størrelsesgruppe": "Større kommune" if name in LARGER else "Mindre kommune",
                       "Rolle": roles[index]})
    return people


def assign(people: list[dict[str, str]], rng: random.Random) -> tuple[dict, list[tuple[str, str, str]]]:
    """Give every answer to a respondent who has not answered that question; two in three answers of a
    theme with a typical speaker go to such a speaker while one is free."""
    cells: dict[tuple[str, str], str] = {}
    labels = []
    answers = [(theme, who, q, text) for theme, (who, items) in ANSWERS.items() for q, text in items]
    rng.shuffle(answers)
    for theme, who, question, text in answers:
        free = [p for p in people if (p["Respondent-ID"], question) not in cells]
        typical = [p for p in free if who in (p["Rolle"], p["Størrelsesgruppe"])]
        pool = typical if who and typical and rng.random() < 2 / 3 else free
        person = rng.choice(pool)
        cells[(person["Respondent-ID"], question)] = text
        labels.append((person["Respondent-ID"], question, theme))
    return cells, sorted(labels)


def main() -> None:
    rng = random.Random(SEED)
    people = respondents(rng)
    cells, labels = assign(people, rng)
    SURVEY.parent.mkdir(parents=True, exist_ok=True)
    with SURVEY.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([*people[0], *QUESTIONS])
        for person in people:
            writer.writerow([*person.values(),
                             *(cells.get((person["Respondent-ID"], q), "-") for q in QUESTIONS)])
    with LABELS.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["respondent_id", "question_id", "theme"])
        writer.writerows(labels)
    print(f"wrote {SURVEY} ({len(people)} respondents, {len(cells)} answers) and {LABELS}")


if __name__ == "__main__":
    main()

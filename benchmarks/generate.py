"""Scale the demo study to N answers: varied text recombined from the demo's real sentences.

Each generated answer joins 1–4 sentences drawn (seeded) from different demo answers and
interview turns, so the corpus is varied rather than one sentence repeated. Written as a
semicolon CSV in cp1252-safe UTF-8 with a schema, like a real survey export.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parent.parent
DEMO_SURVEY = REPO / "corpora" / "demo" / "survey" / "hoi_kommuneundersoegelse_2024.xlsx"
DEMO_TRANSCRIPTS = REPO / "corpora" / "demo" / "transcripts" / "src"
FIELDS = ("1.2_kommentar", "4.2a_indsats1", "5.2a_indsats1", "6.2a_indsats1", "7_afsluttende_kommentar")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def demo_sentences() -> list[str]:
    """Sentences of the demo corpus's free-text answers and interview turns."""
    book = openpyxl.load_workbook(DEMO_SURVEY, read_only=True)
    sheet = book.worksheets[0]
    texts = [str(v) for row in sheet.iter_rows(min_row=2, values_only=True) for v in row
             if isinstance(v, str) and len(v.split()) >= 4]
    for path in sorted(DEMO_TRANSCRIPTS.glob("*.txt")):
        texts += [line.split(":", 1)[-1] for line in path.read_text(encoding="utf-8").splitlines()
                  if len(line.split()) >= 6]
    sentences = [s.strip() for text in texts for s in _SENTENCE.split(text) if len(s.split()) >= 3]
    return sorted(set(sentences))


def generate_study(n_answers: int, out_dir: Path, *, seed: int = 13) -> Path:
    """Write ``out_dir/survey/{export.csv,schema.yaml}`` with about ``n_answers`` answers."""
    rng = random.Random(seed)
    sentences = demo_sentences()
    survey = out_dir / "survey"
    survey.mkdir(parents=True, exist_ok=True)
    n_rows = max(1, n_answers // len(FIELDS))
    with (survey / "export.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Respondent-ID", "Kommune", "Størrelsesgruppe", "Respondentrolle", *FIELDS])
        for row in range(n_rows):
            answers = [" ".join(rng.sample(sentences, rng.randint(1, 4))) for _ in FIELDS]
            writer.writerow([f"B{row:06d}", f"Kommune {row % 98}",
                             rng.choice(["Mindre kommune", "Større kommune"]),
                             rng.choice(["Kommunaldirektør", "Direktør", "Socialchef"]), *answers])
    schema = ["survey: generated benchmark study", 'respondent_id: "Respondent-ID"', "attributes:",
              '  municipality: "Kommune"', '  size_group: "Størrelsesgruppe"', '  role: "Respondentrolle"',
              "open_text:"]
    schema += [f'  - {{column: "{f}", question_id: "{f}"}}' for f in FIELDS]
    (survey / "schema.yaml").write_text("\n".join(schema) + "\n", encoding="utf-8")
    return out_dir

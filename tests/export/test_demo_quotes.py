"""Quotes and sources on the demo as `hoi run corpora/demo` leaves it (issue 15 and issue 12).

Best quotes stand on their own (no «"Nej."», «"Ja."», «"Mange har."»), the same text is never listed
twice under two ids, every quote carries its source reference (material, question and row, or
interview turn), and `hoi quote ID` prints the pseudonymised text and its place without loading the
study (well under a second of CPU).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time

from hoi_nlp.segment.sentences import content_words
from tests.conftest import REPO, hoi

BARE = ("Nej.", "Ja.", "Mange har.", "Godt spørgsmål.", "Det gør vi ikke (griner).",
        "Det gør vi ikke rigtig.")
QUOTE = re.compile(r'«"(.+?)" \((?:Kommunaldirektør|Direktør|Leder|Respondent)[^)]*\)»')
REFERENCE = re.compile(r"(Spørgeskema, R\d+, spm\. \S+, række \d+|Interview \S+, tur \d+)")


def test_cite_gives_quotes_that_stand_on_their_own_with_their_source(demo_run):
    out = hoi("cite", "barrier.oekonomiske_incitamenter", "-w", str(demo_run), "--format", "json").stdout
    quotes = json.loads(out)["quotes"]
    assert len(quotes) == 5
    for quote in quotes:
        assert quote["text"] not in BARE and content_words(quote["text"]) >= 3, quote["text"]
        assert REFERENCE.fullmatch(quote["source"]), quote["source"]
    assert len({q["text"] for q in quotes}) == len(quotes)
    listing = hoi("cite", "barrier.oekonomiske_incitamenter", "-w", str(demo_run)).stdout
    assert all(REFERENCE.search(line) for line in listing.splitlines() if line.startswith("- «"))


def test_quote_extract_and_report_carry_no_bare_answers_and_no_repeats(demo_run):
    for name in ("quotes.md", "rapport.md"):
        text = (demo_run / "exports" / name).read_text(encoding="utf-8")
        quoted = QUOTE.findall(text)
        assert len(quoted) > 50, name
        assert not [q for q in quoted if q in BARE or content_words(q) < 3], name
        assert len(set(quoted)) == len(quoted), f"{name} lists a text twice"
        quote_lines = [line for line in text.splitlines() if "«\"" in line]
        assert all(REFERENCE.search(line) and re.search(r"Q-[0-9a-f]{10}", line)
                   for line in quote_lines), name


def test_hoi_quote_prints_text_and_turn_fast(demo_run):
    quotes = json.loads(hoi("cite", "barrier.tvaergaaende_oekonomistyring", "-w", str(demo_run), "-n", "5",
                            "--format", "json").stdout)["quotes"]
    interview = next(q for q in quotes if q["source"].startswith("Interview "))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    shown = hoi("quote", interview["quote_id"], "-w", str(demo_run)).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert interview["source"] in shown and re.search(r"tur \d+", shown)
    assert f'«"{interview["text"]}"»' in shown  # pseudonymised, as cited
    assert "fil-" in shown and ".docx" in shown and "interview_0" not in shown  # the file by its id only
    assert cpu < 1.0, f"hoi quote used {cpu:.2f} s of CPU"  # no study, coder or spaCy loaded (below)
    assert wall < 15, f"hoi quote took {wall:.1f} s"  # loose: the test machine is shared
    original = hoi("quote", interview["quote_id"], "-w", str(demo_run), "--original")
    assert "IKKE pseudonymiseret" in original.stderr and "interview_0" in original.stdout


def test_survey_quote_resolves_to_question_and_row(demo_run):
    hits = hoi("quotes", "search", "budgetterne ligger i søjlerne", "-w", str(demo_run), "-n", "8").stdout
    lines = [line for line in hits.splitlines() if line.strip()]
    assert len(lines) == 8 and all(REFERENCE.search(line) for line in lines)
    survey = next(line for line in lines if "Spørgeskema, R" in line)
    quote_id = re.search(r"Q-[0-9a-f]{10}", survey).group(0)
    shown = hoi("quote", quote_id, "-w", str(demo_run)).stdout
    assert re.search(r"spm\. \S+, række \d+", shown) and "fil-" in shown


def test_hoi_quote_imports_no_language_pipeline(demo_run):
    """`hoi quote` answers from the registry: spaCy (0.6 s of CPU to import, with its models' code) is not
    even imported. It was, through the privacy filter's type imports, and the quote took 1.1 s."""
    quotes = json.loads(hoi("cite", "barrier.tvaergaaende_oekonomistyring", "-w", str(demo_run), "-n", "1",
                            "--format", "json").stdout)["quotes"]
    heavy = "('spacy', 'torch', 'prefect', 'sentence_transformers')"
    probe = ("import sys\nfrom hoi_nlp.cli import app\ntry:\n    app(sys.argv[1:], prog_name='hoi')\n"
             "except SystemExit:\n    pass\n"
             f"print('IMPORTED', sorted(m for m in {heavy} if m in sys.modules))")
    command = [sys.executable, "-c", probe, "quote", quotes[0]["quote_id"], "-w", str(demo_run)]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=300,
                         env=os.environ | {"PYTHONPATH": str(REPO)})
    assert "IMPORTED []" in ran.stdout, ran.stdout + ran.stderr

"""The report author's journey on the demo as `make demo` leaves it (`hoi run corpora/demo
--workspace outputs/demo`, run here in a copy): `hoi cite`, `hoi quote`, `hoi quotes search` and
`hoi export --format docx|html|qdpx|qdc`, each pseudonymised; the same segment reads the same in
every format (one redaction per source).
"""

from __future__ import annotations

import re
import zipfile

import pytest

from tests.journeys.conftest import RUN_DEMO_S, TELEMETRY_NOTICE, export_texts, hoi, leaks

pytestmark = pytest.mark.journey

CODE = "barrier.oekonomiske_incitamenter"


def test_make_demo_run_reports_progress_in_a_log(demo):
    ran = demo.run.check(limit=RUN_DEMO_S)
    # Piped (make's log): plain progress lines per stage and a timing summary, nothing from Prefect.
    assert re.search(r"^  code: 866/866 coding units in ", ran.stderr, re.M), ran.stderr
    assert re.search(r"^  segment: \d+/\d+ sources in ", ran.stderr, re.M), ran.stderr
    assert "cut into 866 coding units" in ran.stdout
    assert re.search(r"Time per stage: start-up .* · code .* · export .*\(total", ran.stdout), ran.stdout
    assert TELEMETRY_NOTICE not in ran.output and "Finished in state" not in ran.output
    texts = export_texts(demo.workspace / "exports")
    assert {"coded_dataset.xlsx", "coded_dataset_segments.csv", "quotes.md", "rapport.md"} <= set(texts)
    assert leaks(texts, demo.names) == []


def test_cite_quote_and_search(demo):
    assert demo.run.returncode == 0, demo.run.output[-3000:]
    cited = hoi("cite", CODE, "--study", "corpora/demo", "--n", "5", "--format", "md",
                cwd=demo.cwd, home=demo.home).check()
    lines = [line for line in cited.stdout.splitlines() if line.startswith("- «")]
    assert 1 <= len(lines) <= 5, cited.stdout
    assert all(re.search(r'«".+" \(.+\)» — .+ · `Q-[0-9a-f]{10}`', line) for line in lines), cited.stdout
    quote_id = re.search(r"`(Q-[0-9a-f]{10})`", lines[0]).group(1)

    found = hoi("quote", quote_id, "--study", "corpora/demo", cwd=demo.cwd, home=demo.home).check()
    assert re.search(rf"^citat\s+{quote_id}$", found.stdout, re.M)
    assert re.search(rf"^kode\s+{CODE} \(.+\)$", found.stdout, re.M)
    assert re.search(r"^position\s+\d+-\d+$", found.stdout, re.M)

    searched = hoi("quotes", "search", "økonomien ligger i søjlerne", "--study", "corpora/demo",
                   cwd=demo.cwd, home=demo.home).check()
    hit = re.compile(r"^-?\d\.\d{3}  Q-[0-9a-f]{10}  \[")
    hits = [line for line in searched.stdout.splitlines() if hit.match(line)]
    assert hits, searched.stdout
    assert leaks({"cite": cited.stdout, "search": searched.stdout}, demo.names) == []


@pytest.mark.parametrize("fmt, produced", [("docx", "rapport.docx"), ("html", "rapport.html"),
                                           ("qdpx", "demo.qdpx"), ("qdc", "codebook.qdc")])
def test_export_formats(demo, fmt, produced):
    assert demo.run.returncode == 0, demo.run.output[-3000:]
    ran = hoi("export", "corpora/demo", "--format", fmt, cwd=demo.cwd, home=demo.home).check()
    target = demo.workspace / "exports" / produced
    assert f"skrev {target}" in ran.stdout, ran.stdout
    assert target.stat().st_size > 0
    texts = export_texts(demo.workspace / "exports", only=produced)
    assert len(texts) > 1
    assert leaks(texts, demo.names) == []


def test_a_segment_reads_the_same_in_every_format(demo):
    """One redaction per source: every segment's text in the dataset is a slice of its source's text
    in the .qdpx project (the qdpx used to cut sources at coding boundaries: "Roskilde-modellen")."""
    import pandas as pd

    exports = demo.workspace / "exports"
    project = exports / "demo.qdpx"
    if not project.exists():
        hoi("export", "corpora/demo", "--format", "qdpx", cwd=demo.cwd, home=demo.home).check()
    with zipfile.ZipFile(project) as archive:
        sources = "\n\x00".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                                if name.lower().startswith("sources/"))
    segments = pd.read_csv(exports / "coded_dataset_segments.csv")
    parquet = pd.read_parquet(exports / "coded_dataset_segments.parquet")
    assert list(segments["text"]) == list(parquet["text"])
    redacted = [text for text in segments["text"] if "[" in text]
    assert redacted, "no pseudonymised segment in the demo"
    missing = [text for text in segments["text"] if text not in sources]
    assert missing == [], missing[:3]

"""The export CLI end to end on the fabricated workspace (real redactor and embeddings)."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from typer.testing import CliRunner

from hoi_nlp.cli import app
from tests.conftest import DATA

pytestmark = pytest.mark.slow
CODEBOOK = str(DATA / "codebooks" / "small.yaml")


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cite_then_quote_resolves(coded_workspace):
    ws = str(coded_workspace.root)
    out = _run("cite", "area.beskaeftigelse", "-w", ws, "-c", CODEBOOK, "--n", "3", "--format", "json")
    quotes = json.loads(out)["quotes"]
    assert 1 <= len(quotes) <= 3
    assert all(re.match(r'^«".+" \((Kommunaldirektør|Direktør)\)»$', q["citation"]) for q in quotes)
    assert not any("Mette" in q["citation"] or "Lemvig" in q["citation"] for q in quotes)
    assert all(q["source"].startswith(("Spørgeskema, R", "Interview T5")) for q in quotes)
    shown = _run("quote", quotes[0]["quote_id"], "-w", ws, "-c", CODEBOOK)
    assert "position" in shown and f'«"{quotes[0]["text"]}"»' in shown  # the pseudonymised text
    assert quotes[0]["source"] in shown
    original = CliRunner().invoke(
        app, ["quote", quotes[0]["quote_id"], "-w", ws, "-c", CODEBOOK, "--original"]
    )
    assert "IKKE pseudonymiseret" in original.output


def test_cite_json_opens_with_what_the_quotes_are_and_rest_on(coded_workspace):
    """A report author's JSON says which code, study and version, whether the texts are pseudonymised, what
    the quotes rest on (as the md header says it in words) and what each field means, then the quotes."""
    from hoi_nlp import __version__

    ws = str(coded_workspace.root)
    cited = json.loads(_run("cite", "barrier.it_integration", "-w", ws, "-c", CODEBOOK, "--format", "json"))
    assert list(cited) == ["code", "study", "hoi_nlp", "pseudonymised", "selection", "fields", "quotes"]
    assert cited["code"] == {"id": "barrier.it_integration",
                             "label": "Utilstrækkelig integration af IT-systemer",
                             "family": {"id": "barrier", "label": "Barrierer"}}
    assert cited["study"] == "fixture" and cited["hoi_nlp"] == __version__ and cited["pseudonymised"] is True
    selection = cited["selection"]
    assert selection["quotes"] == len(cited["quotes"]) == selection["reviewed"] + selection["machine_only"]
    assert selection["stance"] == "hindrance" and selection["group"] is None
    assert selection["codebook"].startswith("small@0.1") and selection["coders"] == ["hoi.rules.v1"]
    assert set(cited["fields"]) >= set(cited["quotes"][0])
    md = _run("cite", "barrier.it_integration", "-w", ws, "-c", CODEBOOK)
    assert f"{selection['quotes']} citater: {selection['reviewed']} accepteret" in md
    assert f"kodebog {selection['codebook']}" in md and f"udtrukket {selection['drawn']}" in md


def test_cite_json_without_quotes_is_still_one_object(coded_workspace):
    """No quotes for the stance asked: the json printed a Danish sentence instead of an object (a script's
    `| jq` broke); it is the header with no quotes, the reason on stderr."""
    result = CliRunner().invoke(app, ["cite", "barrier.it_integration", "-w", str(coded_workspace.root), "-c",
                                      CODEBOOK, "--stance", "overcome", "--format", "json"])
    assert result.exit_code == 0, result.output
    cited = json.loads(result.stdout)
    assert cited["quotes"] == [] and cited["selection"]["quotes"] == 0
    assert cited["code"]["id"] == "barrier.it_integration" and cited["selection"]["stance"] == "overcome"
    assert "Ingen citater for barrier.it_integration" in result.stderr


def test_search_and_group_filter(coded_workspace, tmp_path):
    ws = str(coded_workspace.root)
    hits = _run("quotes", "search", "IT-systemer der ikke virker", "-w", ws, "-c", CODEBOOK, "--n", "2")
    assert len(hits.strip().splitlines()) == 2
    tiny = tmp_path / "tiny.toml"  # the fixture's groups are tiny: two survey directors of smaller ones
    tiny.write_text("[report]\nmin_group_size = 2\n", encoding="utf-8")
    small = _run(
        "cite",
        "barrier.it_integration",
        "-w",
        ws,
        "-c",
        CODEBOOK,
        "--group",
        "size_group=Mindre kommune",
        "--with-attributes",
        "--settings",
        str(tiny),
    )
    assert "Mindre kommune" in small and "Større kommune" not in small
    # with the default small-group limit (5) the two directors' size group and region are not shown
    shown = _run("cite", "barrier.it_integration", "-w", ws, "-c", CODEBOOK,
                 "--group", "size_group=Mindre kommune", "--with-attributes")
    assert "(Direktør)»" in shown and "Mindre kommune)»" not in shown


def test_cite_says_why_it_has_no_quotes_when_every_coding_is_too_short(coded_workspace, tmp_path):
    strict = tmp_path / "strict.toml"
    strict.write_text("[report]\nquote_min_content_words = 1000\n", encoding="utf-8")
    out = _run("cite", "barrier.it_integration", "-w", str(coded_workspace.root), "-c", CODEBOOK,
               "--settings", str(strict))
    assert "Ingen citater for barrier.it_integration" in out
    assert re.search(r"\d+ kodning\(er\) er udeladt, fordi de har færre end 1000 indholdsord", out)


def test_export_qdpx_and_import_back_as_decisions(coded_workspace, tmp_path):
    from hoi_nlp.review.decisions import current_state

    ws = str(coded_workspace.root)
    target = tmp_path / "fixture.qdpx"
    _run("export", ws, "-c", CODEBOOK, "--format", "qdpx", "--output", str(target))
    out = _run("import-qdpx", ws, str(target), "--analyst", "ana", "-c", CODEBOOK)
    # an untouched export records no decisions (issue 14: the machine's own codings are not reviews)
    assert "7 codings read" in out and "accept 0, reject 0, add 0, span 0, unchanged 7" in out
    state = current_state(coded_workspace)
    assert {s.status for s in state.codes.values()} == {"suggested"}


def test_export_to_a_qdpx_file_writes_that_project_without_a_format(coded_workspace, tmp_path):
    """`hoi export STUDY -o project.qdpx` as the --output help offers: it wrote the tables (xlsx, parquet,
    csv, md) beside the named file, into the folder the user ran it from, and no .qdpx at all."""
    out = _run("export", str(coded_workspace.root), "-c", CODEBOOK, "-o", str(tmp_path / "projekt.qdpx"))
    written = [path.name for path in tmp_path.iterdir() if path.is_file() and not path.name.startswith(".")]
    assert written == ["projekt.qdpx"]
    assert "projekt.qdpx" in out
    assert zipfile.is_zipfile(tmp_path / "projekt.qdpx")


def test_qdc_export_and_import(coded_workspace, tmp_path):
    _run(
        "export",
        str(coded_workspace.root),
        "-c",
        CODEBOOK,
        "--format",
        "qdc",
        "--output",
        str(tmp_path / "k.qdc"),
    )
    out = _run("codebook", "import-qdc", str(tmp_path / "k.qdc"), "--output", str(tmp_path / "k.yaml"))
    assert "2 families, 3 codes" in out


def test_cite_says_what_its_quotes_rest_on_in_md_and_docx(coded_workspace, tmp_path):
    """`hoi cite` in md and docx: a header with the reviewed/machine-only counts, selection, codebook,
    coder and date; each quote with its id and state in both; the Word file's own properties are the
    list's (python-docx's template said «python-docx» and 23 Dec 2013)."""
    from datetime import UTC, datetime

    import docx

    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import load_segments

    unit = next(s.segment_id for s in load_segments(coded_workspace, codable=True) if s.source_id == "R3:q0")
    record_decision(coded_workspace, segment_id=unit, action="accept", analyst="ana",
                    code_id="barrier.it_integration")
    ws = str(coded_workspace.root)
    md = _run("cite", "barrier.it_integration", "-w", ws, "-c", CODEBOOK,
              "--group", "size_group=Større kommune")
    today = datetime.now().date().isoformat()
    assert re.search(r"^2 citater: 1 accepteret eller tilføjet af en analytiker, 1 kun maskinkodet .*"
                     r"holdning: hindring \(eller ikke angivet\) · gruppe: size_group=Større kommune · "
                     rf"kodebog \S+ · kodet af hoi\.rules\.v1 · udtrukket {today}\.$", md, re.M), md
    lines = [line for line in md.splitlines() if line.startswith("- «")]
    assert len(lines) == 2 and "(accepteret, sikkerhed 0,70, holdning ukendt)" in lines[0], md
    target = tmp_path / "citater.docx"
    _run("cite", "barrier.it_integration", "-w", ws, "-c", CODEBOOK, "--format", "docx", "-o", str(target))
    document = docx.Document(str(target))
    paragraphs = [p.text for p in document.paragraphs]
    assert any("3 citater: 1 accepteret" in p and f"udtrukket {today}" in p for p in paragraphs), paragraphs
    quoted = [p for p in paragraphs if p.startswith("«")]
    ids = [re.search(r"`(Q-[0-9a-f]{10})`", line).group(1) for line in lines]
    assert ids[0] in quoted[0] and quoted[0].endswith("(accepteret, sikkerhed 0,70, holdning ukendt)"), quoted
    workbook = tmp_path / "citater.xlsx"
    _run("cite", "barrier.it_integration", "-w", ws, "-c", CODEBOOK, "--format", "xlsx", "-o", str(workbook))
    import pandas as pd

    sheets = pd.read_excel(workbook, sheet_name=None)
    assert list(sheets["quotes"].columns) == ["quote_id", "code_id", "text", "citation", "source",
                                              "review_state", "confidence", "stance"]
    assert list(sheets["quotes"]["quote_id"])[:1] == ids[:1]
    assert list(sheets["quotes"]["citation"]) == [p.split("  — ")[0] for p in quoted]
    assert any(str(v).startswith("3 citater: 1 accepteret") for v in sheets["about"]["value"])
    blocked = tmp_path / "a-file"  # a folder that cannot be made: an error naming the file, no traceback
    blocked.write_text("", encoding="utf-8")
    for fmt in ("md", "docx", "xlsx"):
        failed = CliRunner().invoke(app, ["cite", "barrier.it_integration", "-w", ws, "-c", CODEBOOK,
                                          "--format", fmt, "-o", str(blocked / f"x.{fmt}")])
        assert failed.exit_code == 1 and "cannot write the file" in failed.output, failed.output
        assert f"x.{fmt}" in failed.output and "Traceback" not in failed.output
    properties = document.core_properties
    assert properties.author == "hoi_nlp" and "generated by" not in properties.comments
    assert properties.title.startswith("Citater: ") and properties.created.year == datetime.now(UTC).year


def test_export_into_a_folder_that_cannot_be_made_says_so(coded_workspace, tmp_path):
    """`hoi export -o` into a folder that cannot be made ended in a traceback."""
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    failed = CliRunner().invoke(app, ["export", str(coded_workspace.root), "-c", CODEBOOK, "-f", "md",
                                      "-o", str(blocked / "out")])
    assert failed.exit_code == 1 and "cannot write to the export folder" in failed.output, failed.output
    assert str(blocked / "out") in failed.output and "Traceback" not in failed.output


def test_cite_quote_and_search_take_the_study_first_as_export_does(coded_workspace):
    """`hoi cite STUDY CODE` (the study first, as `hoi export STUDY` takes it) was refused by typer with
    «Got unexpected extra argument»; it reads as `hoi cite CODE --study STUDY`, and so do quote and search."""
    ws = str(coded_workspace.root)
    code = "barrier.it_integration"
    given_first = json.loads(_run("cite", ws, code, "-c", CODEBOOK, "--format", "json"))["quotes"]
    assert given_first and given_first == json.loads(
        _run("cite", code, "--study", ws, "-c", CODEBOOK, "--format", "json"))["quotes"]
    quote_id = given_first[0]["quote_id"]
    assert _run("quote", ws, quote_id, "-c", CODEBOOK) == _run("quote", quote_id, "-w", ws, "-c", CODEBOOK)
    assert _run("quotes", "search", ws, "IT-systemer", "-c", CODEBOOK, "--n", "2") == _run(
        "quotes", "search", "IT-systemer", "-w", ws, "-c", CODEBOOK, "--n", "2")
    assert "[STUDY] CODE" in _run("cite", "--help")
    twice = CliRunner().invoke(app, ["cite", ws, code, "--study", ws, "-c", CODEBOOK])
    assert twice.exit_code == 1 and "two studies given" in twice.output
    assert "hoi cite STUDY CODE" in twice.output and "Traceback" not in twice.output
    swapped = CliRunner().invoke(app, ["cite", code, ws, "-c", CODEBOOK])  # the code first, then the study
    assert swapped.exit_code == 1 and f"give the study first: `hoi cite {ws} {code}`" in swapped.output


def test_a_first_word_is_the_study_only_when_it_names_one(coded_workspace):
    """`hoi quotes search IT-systemer siloer -w WS` searched «siloer» alone (IT-systemer taken for the
    study, then dropped for -w); `hoi cite nostudy CODE -w WS` cited. A first word that names no study
    folder or workspace is refused (a search says to quote its words), and so is a study given first and
    with --workspace too."""
    ws = str(coded_workspace.root)

    def refused(*args: str) -> str:
        ran = CliRunner().invoke(app, [*args, "-c", CODEBOOK])
        assert ran.exit_code == 1 and "Traceback" not in ran.output, ran.output
        return " ".join(ran.output.split())

    for given in (["-w", ws], ["--study", ws], []):
        said = refused("quotes", "search", "IT-systemer", "siloer", *given)
        assert "'IT-systemer' is no study folder or workspace" in said and "two studies" not in said
        assert '`hoi quotes search "IT-systemer siloer"' in said
    said = refused("cite", "nostudy", "barrier.it_integration", "-w", ws)
    assert "'nostudy' is no study folder or workspace" in said
    assert "two studies given: " in refused("cite", ws, "barrier.it_integration", "-w", ws)
    assert "give the study first: `hoi cite STUDY CODE`" in refused("cite", "barrier.it_integration")

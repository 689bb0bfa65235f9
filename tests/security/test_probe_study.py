"""The issue's check: the demo study plus probes (names in a transcript's file name and in free-text
roles, odd contact forms, formula-like answers), run and exported in every format with the real
CLI, holds no probe string and no formula cell; its workspace is private; a reviewer without
original-text rights sees no speaker or municipality name and their hidden filters find nothing."""

from __future__ import annotations

import csv
import io
import re
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.security.conftest import PASSWORD, PROBE_STRINGS, PROBE_SURVEY_ROWS, hoi, login, make_client
from tests.security.test_export_leaks import all_text, files

SPEAKERS = ("Anne", "Henrik", "Birgitte")  # named speakers of interviews 06 and 07


def found(probe: str, text: str) -> bool:
    return re.search(r"(?<![^\W_])" + re.escape(probe) + r"(?![^\W_])", text) is not None


def is_formula(cell: str) -> bool:
    from hoi_nlp.io import is_formula_like

    return is_formula_like(cell)


def table_cells(path: Path) -> list[str]:
    """The cells of a file's tables that a spreadsheet reads as typed: CSV cells and report tables (md,
    html, docx). XLSX cells are typed strings (no formula element: checked separately)."""
    if path.suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
        return [c for row in csv.reader(io.StringIO(text, newline=""), dialect) for c in row]
    if path.suffix == ".docx":
        import docx

        return [c.text for t in docx.Document(str(path)).tables for r in t.rows for c in r.cells]
    if path.suffix == ".html":
        import html

        return [html.unescape(c) for c in re.findall(r"<t[dh]>(.*?)</t[dh]>", path.read_text("utf-8"), re.S)]
    if path.suffix == ".md":
        return [c.strip() for line in path.read_text("utf-8").splitlines()
                if line.startswith("|") and not line.startswith("|-") for c in line.strip("|").split(" | ")]
    return []


def test_every_export_format_holds_no_probe_string_and_no_formula_cell(probe_run):
    _, _, runs, folders = probe_run
    every = files(folders[1])
    suffixes = {".xlsx", ".parquet", ".csv", ".md", ".docx", ".html", ".qdpx", ".qdc", ".png"}
    assert {p.suffix for p in every} >= suffixes
    leaks, formulas, neutralised = {}, {}, 0
    for path in [p for folder in folders for p in files(folder)]:
        text = all_text(path) + "\n" + path.name
        hits = [probe for probe in PROBE_STRINGS if found(probe, text)]
        if hits:
            leaks[str(path)] = hits
        cells = table_cells(path)
        if [c for c in cells if is_formula(c)]:
            formulas[str(path)] = [c for c in cells if is_formula(c)][:3]
        neutralised += sum(1 for c in cells if c.startswith(("'=", "'+", "'@", "'-")))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
                assert not [n for n in sheets if b"<f>" in archive.read(n) or b"<f " in archive.read(n)]
    assert not leaks
    assert not formulas
    assert neutralised >= 4  # the formula-like answers were exported, as text
    for name, run in runs.items():  # the files the commands say they wrote (the researcher's terminal
        wrote = "\n".join(line for line in run.stdout.splitlines() if "wrote" in line)  # may show the
        assert not [p for p in PROBE_STRINGS if found(p, wrote)], name  # study's own file names)


def test_file_names_and_roles_are_replaced_in_the_tables(probe_run):
    import pandas as pd

    _, _, _, folders = probe_run
    segments = pd.read_parquet(folders[1] / "coded_dataset_segments.parquet")
    assert segments["source_file"].str.fullmatch(r"fil-[0-9a-f]{8}\.(xlsx|docx)").all()
    roles = set(segments["role"].dropna())
    assert any(r.startswith("Socialchef [PERSON") for r in roles) and "Direktør i [KOMMUNE]" in roles
    assert {"Region Hovedstaden", "Region Sjælland"} & set(segments["region"].dropna())  # regions stay


def test_the_workspace_and_prefects_database_are_private(probe_run):
    _, workspace, _, _ = probe_run

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(workspace) == 0o700
    for name in ("hoi.db", "hoi.db-wal", "hoi.db-shm"):
        if (workspace / name).exists():
            assert mode(workspace / name) == 0o600, name
    assert mode(workspace / "prefect") == 0o700
    prefect_files = [p for p in (workspace / "prefect").iterdir() if p.is_file()]
    assert any(p.name == "prefect.db" for p in prefect_files)
    assert {p.name: oct(mode(p)) for p in prefect_files if mode(p) != 0o600} == {}
    open_to_others = [str(p.relative_to(workspace)) for p in workspace.rglob("*") if mode(p) & 0o077]
    assert open_to_others == []


@pytest.fixture(scope="module")
def probe_reviewer(probe_run, hoi_codebook):
    """An analyst without original-text rights, added with the CLI, in the review app over the probe run."""
    from hoi_nlp.settings import Settings
    from hoi_nlp.store import Workspace

    _, workspace, _, _ = probe_run
    added = hoi("users", "add", str(workspace), "anna", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    client = make_client(Workspace.open(workspace, create=False), hoi_codebook,
                         settings=Settings(review={"language": "en"}))  # the assertions' language
    login(client, "anna")
    return client


def _municipalities(study: Path) -> set[str]:
    rows = list(csv.DictReader((study / "transcripts" / "metadata.csv").open(encoding="utf-8")))
    names = {r["municipality"] for r in rows}
    sheet = openpyxl.load_workbook(study / "survey" / "hoi_kommuneundersoegelse_2024.xlsx").active
    header = [c.value for c in sheet[1]]
    column = header.index("Kommune")
    rows = sheet.iter_rows(min_row=2, max_row=PROBE_SURVEY_ROWS + 1, values_only=True)
    names |= {row[column] for row in rows}
    return {n for n in names if n}


def test_a_reviewer_without_rights_sees_no_speaker_or_municipality_name(probe_run, probe_reviewer):
    study = probe_run[0]
    names = (*SPEAKERS, *sorted(_municipalities(study)), *PROBE_STRINGS)
    browse = probe_reviewer.get("/browse")
    assert browse.status_code == 200
    pages = {"/browse": browse.text, "/queue": probe_reviewer.get("/queue").text}
    links = sorted(set(re.findall(r'href="(/segment/[^"?]+)', browse.text)))
    assert links and not [url for url in links if re.search(r":[a-z]\d+-\d+$", url)]  # keyed, no offsets
    interviews = [url for url in links if not re.match(r"/segment/R\d{3}:", url)]
    assert interviews, "the interviews' units are listed"
    for url in interviews + [u for u in links if u not in interviews][:30]:
        page = probe_reviewer.get(url)
        assert page.status_code == 200, url
        pages[url] = page.text
    leaks = {url: [n for n in names if found(n, page)] for url, page in pages.items()}
    assert not {url: hits for url, hits in leaks.items() if hits}
    assert "[PERSON" in " ".join(pages[url] for url in interviews)


def test_a_reviewer_without_rights_finds_nothing_with_hidden_filters(probe_run, probe_reviewer):
    municipality = sorted(_municipalities(probe_run[0]))[0]
    hidden = (f"attr=municipality={municipality}", "attr=municipality=Ballerup", "attr=interviewer=Anne Kjær",
              "attr=date=2024-04-02")
    for query in hidden:
        assert probe_reviewer.get(f"/browse?{query}").status_code == 400, query
    for query in ("speaker=Henrik", "speaker=Birgitte", "attr=role=Socialchef Lone Madsen",
                  "source=interview_Ballerup_Henrik"):
        page = probe_reviewer.get(f"/browse?{query}")
        assert page.status_code == 200 and re.search(r"\b0 coding units\b", page.text), query


# ---------------------------------------------------------------- offsets and ids (names' lengths)


@pytest.fixture(scope="module")
def probe_units(probe_run):
    """The probe run's workspace, its redactor (as `hoi run` made it), sources and segments."""
    from hoi_nlp.privacy.redact import StudyRedactor
    from hoi_nlp.stages.study import load_run_settings
    from hoi_nlp.store import Workspace, load_segments, load_sources

    workspace = Workspace.open(probe_run[1], create=False)
    redactor = StudyRedactor(workspace, load_run_settings(None))
    sources = {s.source_id: s for s in load_sources(workspace)}
    return workspace, redactor, sources, load_segments(workspace)


def _segment_tables(folders: list[Path]):
    """Every pseudonymised segments table: Parquet, both CSV dialects and the workbook's sheet."""
    import pandas as pd

    tables = {}
    for folder in folders:
        for path in files(folder):
            if path.name == "coded_dataset_segments.parquet":
                tables[str(path)] = pd.read_parquet(path)
            elif path.name == "coded_dataset_segments.csv":
                text = path.read_bytes().decode("utf-8-sig")
                separator = ";" if "excel-da" in str(path) else ","
                tables[str(path)] = pd.read_csv(io.StringIO(text), sep=separator, dtype=str,
                                                keep_default_na=False)
            elif path.name == "coded_dataset.xlsx":
                tables[str(path)] = pd.read_excel(path, sheet_name="Segmenter", dtype=str,
                                                  keep_default_na=False)
    return tables


def test_no_offset_or_id_of_a_pseudonymised_export_tells_a_hidden_names_length(probe_run, probe_units,
                                                                               hoi_codebook):
    """A long person and municipality name in a survey answer and an interview turn: every export's
    segment ids are keyed and its offsets are into the source's redaction (the slice is the text shown);
    no original segment id (which carries the original offsets), nor a GUID made from one, appears."""
    from lxml import etree

    from hoi_nlp.qda import guid
    from tests.export.test_refi_interchange import qdpx_strings
    from tests.security.conftest import LONG_PERSON

    _, _, _, folders = probe_run
    _, redactor, sources, segments = probe_units
    long_units = [s for s in segments if s.codable and LONG_PERSON in s.text]
    assert len({s.source_id for s in long_units}) == 2
    assert {sources[s.source_id].kind == "transcript" for s in long_units} == {True, False}
    raw_ids = {s.segment_id for s in segments}
    every = [p for folder in folders for p in files(folder) if p.suffix != ".png"]
    texts = {str(p): all_text(p) for p in every}
    assert not {name: [i for i in raw_ids if i in text][:3] for name, text in texts.items()
                if any(i in text for i in raw_ids)}
    shown = {redactor.segment_id(s.segment_id): s for s in segments}
    assert len(shown) == len(segments)
    tables = _segment_tables(folders)
    assert len(tables) >= 5 and any("excel-da" in name for name in tables)  # Parquet, CSV, XLSX
    for name, table in tables.items():
        assert len(table) and set(table["segment_id"]) <= set(shown), name
        for row in table.itertuples():
            seg = shown[row.segment_id]
            redaction = redactor.redaction(sources[seg.source_id])
            start, end = int(row.start), int(row.end)
            wanted = (redaction.position(seg.start), redaction.position(seg.end, end=True))
            assert (start, end) == wanted, name
            if seg in long_units:  # the original's offsets would give the names' lengths
                assert row.text == redaction.text[start:end] and "[PERSON" in row.text
                assert end - start == len(row.text) < seg.end - seg.start - 30, name
    project = next(p for p in every if p.suffix == ".qdpx")
    with zipfile.ZipFile(project) as archive:
        root = etree.fromstring(archive.read("project.qde"))
    code_of = {guid("code", c.id): c.id for c in hoi_codebook.codes}
    used = {code_of[e.get("targetGUID")] for e in root.iter()
            if etree.QName(e).localname == "CodeRef" and e.get("targetGUID") in code_of}
    made_from_raw = {guid(kind, sid, code) for kind in ("selection", "coding") for sid in raw_ids
                     for code in used}
    everything = qdpx_strings(project)  # attribute values (targetGUID, plainTextPath), texts, member names
    assert used and not [g for g in made_from_raw if g in everything]  # found by trying every pair of offsets
    # nor a uuid5 of a raw source or respondent id (a transcript's file name holds a name)
    made_from_ids = {guid("source", sid) for sid in sources} | {guid("case", s.respondent_id)
                                                               for s in sources.values()}
    assert not [g for g in made_from_ids if g in everything]


def test_the_ids_of_a_pseudonymised_export_resolve_back_for_those_with_rights(probe_run, probe_units,
                                                                             probe_reviewer):
    """A report author holding the study finds an exported (keyed) segment id's source and span with
    `hoi quote`, a reviewer with rights opens it in the app, the pseudonymised .qdpx imports again;
    a reviewer without rights opens it too, but not the real id (it would confirm the offsets)."""
    import pandas as pd

    from hoi_nlp.settings import Settings
    from tests.security.conftest import LONG_PERSON

    _, workspace, _, folders = probe_run
    ws, redactor, sources, segments = probe_units
    table = pd.read_parquet(folders[1] / "coded_dataset_segments.parquet")
    turn = next(s for s in segments if s.codable and LONG_PERSON in s.text and s.kind != "answer")
    shown = table.loc[table["text"].str.contains("PERSON") & (table["source_id"] == turn.source_id)
                      & (table["turn_index"] == turn.turn_index), "segment_id"].item()
    found = hoi("quote", shown, "--workspace", str(workspace), "--original")
    assert found.returncode == 0, found.stderr
    assert turn.segment_id in found.stdout and f"{turn.start}-{turn.end}" in found.stdout
    assert LONG_PERSON in found.stdout  # the original span, for those who hold the study
    public = hoi("quote", shown, "--workspace", str(workspace))
    redaction = redactor.redaction(sources[turn.source_id])
    span = (redaction.position(turn.start), redaction.position(turn.end, end=True))
    assert public.returncode == 0 and shown in public.stdout and f"{span[0]}-{span[1]}" in public.stdout
    assert turn.segment_id not in public.stdout and LONG_PERSON not in public.stdout
    added = hoi("users", "add", str(workspace), "chef", "--can-see-original", "--password-stdin",
                stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    chef = make_client(ws, probe_reviewer.app.state.config.codebook,
                       settings=Settings(review={"language": "en"}))
    login(chef, "chef")
    assert LONG_PERSON in chef.get(f"/segment/{shown}").text
    assert probe_reviewer.get(f"/segment/{shown}").status_code == 200
    assert probe_reviewer.get(f"/segment/{turn.segment_id}").status_code == 404
    project = next(p for p in files(folders[1]) if p.suffix == ".qdpx")
    back = hoi("import-qdpx", str(workspace), str(project), "--dry-run")
    assert back.returncode == 0, back.stderr
    assert re.search(r"add 0, span 0, unchanged [1-9]", back.stdout), back.stdout

"""The coded dataset: XLSX read back cell by cell, Danish-Excel CSV, raw marking."""

from __future__ import annotations

import openpyxl

from hoi_nlp.privacy.guard import RAW_MARK
from hoi_nlp.privacy.redact import KeyRedactor
from tests.export.conftest import export_formats


def _rows(book, sheet):
    rows = list(book[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_xlsx_cells_match_the_study(study, redact, tmp_path):
    export_formats(study, tmp_path, redact=redact, formats=["xlsx"], figures=False)
    book = openpyxl.load_workbook(tmp_path / "coded_dataset.xlsx")
    assert book.sheetnames[:4] == ["Segmenter", "Koder", "Frekvens barrier", "Frekvens area"]
    segments = {r["source_id"]: r for r in _rows(book, "Segmenter")}
    r1 = segments["R1:q0"]
    assert r1["text"] == "Vores IT-systemer taler ikke sammen. Økonomien ligger i søjlerne, og det er svært."
    assert r1["machine_barrier"] == "barrier.it_integration; barrier.tvaergaaende_oekonomistyring"
    assert r1["counted_barrier"] == r1["machine_barrier"]
    assert r1["confidence"] == "barrier.it_integration=0.92; barrier.tvaergaaende_oekonomistyring=0.90"
    assert (r1["size_group"], r1["region"], r1["role"]) == (
        "Større kommune",
        "Region Syddanmark",
        "Kommunaldirektør",
    )
    assert "municipality" not in r1  # identifying: raw exports only
    assert segments["R2:q1"]["text"] == "Jobcentret deltager i teamet. [PERSON 1] leder det."
    # shares per material: the survey's four respondents and the one interview are never mixed
    frequencies = {(r["code_id"], r["material"]): r for r in _rows(book, "Frekvens barrier")}
    survey_it = frequencies[("barrier.it_integration", "survey")]
    assert (survey_it["mentioning"], survey_it["base"], survey_it["share_pct"]) == (3, 4, 75)
    assert survey_it["share"] == "75 pct. (3 af 4)"
    assert frequencies[("barrier.it_integration", "interview")]["share"] == "0 pct. (0 af 1)"
    crosstab = [r for r in _rows(book, "Krydstabel size_group")
                if r["code_id"] == "barrier.it_integration" and r["material"] == "survey"]
    assert {(r["group"], r["mentioning"], r["respondents"]) for r in crosstab} == {
        ("Større kommune", 2, 2),
        ("Mindre kommune", 1, 2),
    }
    assert {r["test"] for r in crosstab} == {"fisher"}
    assert all(r["p_adjusted"] >= r["p_value"] for r in crosstab)
    co = {r["code_id"]: r for r in _rows(book, "Samforekomst respondent")}
    assert co["barrier.it_integration"]["area.beskaeftigelse"] == 2


def test_danish_excel_csv_dialect(study, redact, tmp_path):
    export_formats(study, tmp_path, redact=redact, formats=["csv"], csv_dialect="excel-da", figures=False)
    data = (tmp_path / "frekvenser.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("code_id;label;material;base;mentioning;share_pct;share")
    it_line = next(line for line in lines if line.startswith("barrier.it_integration;"))
    assert ";survey;4;3;75,0;75 pct. (3 af 4);" in it_line


def test_raw_export_says_so_in_the_file(study, key, tmp_path):
    export_formats(study, tmp_path, redact=KeyRedactor(key, raw=True), formats=["xlsx", "csv"], raw=True,
                   figures=False)
    book = openpyxl.load_workbook(tmp_path / "coded_dataset.xlsx")
    assert book.sheetnames[0] == RAW_MARK
    assert RAW_MARK in str(book[RAW_MARK]["A2"].value)
    assert "municipality" in [c.value for c in book["Segmenter"][1]]
    assert RAW_MARK in (tmp_path / "coded_dataset_segments.csv").read_text(encoding="utf-8-sig")


def test_figures_are_written(study, redact, tmp_path):
    paths = export_formats(study, tmp_path, redact=redact, formats=["xlsx"])
    names = {p.name for p in paths}
    assert {"andele_barrier.png", "krydstabel_barrier_size_group.png", "samforekomst_respondent.png"} <= names
    assert (tmp_path / "figurer" / "andele_barrier.png").read_bytes()[:4] == b"\x89PNG"


def _cells(path):
    book = openpyxl.load_workbook(path, read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def test_a_large_workbook_written_by_the_helper_process_has_the_same_cells(coded_workspace, small_codebook,
                                                                           tmp_path, monkeypatch):
    """export_study hands a large workbook to a helper process (here: every workbook); the
    published file is the one written here, cell for cell, and nothing of the helper is left."""
    from hoi_nlp.export import helper
    from hoi_nlp.export.api import export_study
    from hoi_nlp.settings import Settings

    settings = Settings(pseudonymize={"recogniser": "patterns"})
    here = export_study(coded_workspace, small_codebook, settings=settings, formats=["xlsx"],
                        output=tmp_path / "here")
    monkeypatch.setattr(helper, "HELPER_MIN_CELLS", 0)
    logged = []
    monkeypatch.setattr(helper.logger, "info", lambda message, *args: logged.append(message % args))
    beside = export_study(coded_workspace, small_codebook, settings=settings, formats=["xlsx"],
                          output=tmp_path / "beside")
    assert any("coded_dataset.xlsx in a helper process" in line for line in logged)
    assert [p.name for p in beside] == [p.name for p in here]
    assert _cells(tmp_path / "beside" / "coded_dataset.xlsx") == _cells(
        tmp_path / "here" / "coded_dataset.xlsx")
    assert not [p for p in (tmp_path / "beside").rglob(".*")]


def test_units_flagged_for_discussion_are_marked_in_the_segments_sheet(study, redact, tmp_path):
    import dataclasses

    r1 = next(s for s in study.segments if s.source_id == "R1:q0")
    flagged = dataclasses.replace(study, flagged=frozenset({r1.segment_id}))
    export_formats(flagged, tmp_path, redact=redact, formats=["xlsx"], figures=False)
    segments = {r["source_id"]: r for r in _rows(openpyxl.load_workbook(tmp_path / "coded_dataset.xlsx"),
                                                 "Segmenter")}
    assert segments["R1:q0"]["flagged"] is True and segments["R2:q1"]["flagged"] is False


def test_a_text_longer_than_an_excel_cell_is_cut_visibly_in_the_xlsx_and_whole_elsewhere(
        small_codebook, redact, tmp_path, monkeypatch, caplog):
    """Excel keeps 32,767 characters of a cell and drops the rest without a word (xlsxwriter cut it
    silently too): the XLSX cell says it was cut and where the whole text is; CSV and Parquet hold it."""
    import pandas as pd

    from hoi_nlp.export.study import CodedStudy
    from tests.export import conftest

    long = ("Økonomien ligger i søjlerne og vi mangler fælles budgetter " * 700).strip()  # one sentence, 41k
    respondents = [(r, k, a, [long] if r == "R4" else t) for r, k, a, t in conftest.RESPONDENTS]
    monkeypatch.setattr(conftest, "RESPONDENTS", respondents)
    sources, segments, assignments = conftest.build_records()
    study = CodedStudy(codebook=small_codebook, sources={s.source_id: s for s in sources},
                       segments=[s for s in segments if s.codable], assignments=assignments, sentences={},
                       name="fixture")
    with caplog.at_level("WARNING"):
        export_formats(study, tmp_path, redact=redact, formats=["xlsx", "csv", "parquet"], figures=False)
    book = openpyxl.load_workbook(tmp_path / "coded_dataset.xlsx")
    cell = {r["source_id"]: r for r in _rows(book, "Segmenter")}["R4:q0"]["text"]
    assert len(cell) == 32_767 and long.startswith(cell[: 32_000])
    assert cell.endswith("[afkortet: 41.299 tegn, Excel rummer højst 32.767 i en celle; hele teksten står i "
                         "Parquet- og CSV-filerne]")
    assert "sheet 'Segmenter', column 'text': 1 text(s) longer than Excel's cell limit" in caplog.text
    parquet = pd.read_parquet(tmp_path / "coded_dataset_segments.parquet")
    assert parquet.set_index("source_id").loc["R4:q0", "text"] == long
    assert long in (tmp_path / "coded_dataset_segments.csv").read_text("utf-8-sig")


def test_crosstab_sheets_of_long_attribute_names_alike_in_31_characters_both_written(small_codebook,
                                                                                      redact, tmp_path):
    """Excel sheet names hold 31 characters: 'Krydstabel maalgruppe_udsatte_unge_15_17' and '..._18_25'
    were cut to the same name and the export failed (xlsxwriter: duplicate sheet name)."""
    from hoi_nlp.export.study import CodedStudy
    from tests.export import conftest

    sources, segments, assignments = conftest.build_records()
    for n, source in enumerate(sources):
        source.attributes.update({"maalgruppe_udsatte_unge_15_17": "Valgt" if n % 2 else "Ikke valgt",
                                  "maalgruppe_udsatte_unge_18_25": "Valgt" if n % 3 else "Ikke valgt"})
    study = CodedStudy(codebook=small_codebook, sources={s.source_id: s for s in sources},
                       segments=[s for s in segments if s.codable], assignments=assignments, sentences={},
                       name="fixture")
    export_formats(study, tmp_path, redact=redact, formats=["xlsx"], figures=False)
    names = openpyxl.load_workbook(tmp_path / "coded_dataset.xlsx").sheetnames
    crosstabs = [n for n in names if n.startswith("Krydstabel maalgruppe")]
    assert crosstabs == ["Krydstabel maalgruppe_udsatte_u", "Krydstabel maalgruppe_udsatte~2"], names


def test_memo_times_in_the_memo_sheet_name_their_zone(coded_workspace, small_codebook, redact, memo_unit):
    # an export travels: a bare "2026-12-07 09:05" was read as Danish time by a reader an hour ahead
    from hoi_nlp.export.dataset import load_coded_study
    from hoi_nlp.export.tables import memo_rows

    rows = memo_rows(load_coded_study(coded_workspace, small_codebook), redact=redact)
    assert len(rows) == 2 and all(str(t).endswith(" UTC") for t in rows["created_at"])


def test_loading_the_study_for_an_export_reads_only_the_suggestions_that_count(coded_workspace,
                                                                               small_codebook):
    """The "possible" candidates never count in an export or a citation, but every one was read and built
    (18 % of a study's assignments) before it was dropped; the database leaves them out now."""
    from hoi_nlp.export.dataset import load_coded_study
    from hoi_nlp.store import load_assignments
    from tests.sql_count import reading, statements

    with statements(coded_workspace) as sent:
        study = load_coded_study(coded_workspace, small_codebook)
    loads = [s for s in reading(sent, "assignments") if "ORDER BY assignments.segment_id" in s]
    assert len(loads) == 1 and "assignments.tier = " in loads[0]
    assert study.assignments == [a for a in load_assignments(coded_workspace)
                                 if a.tier == "suggested" and small_codebook.has_code(a.code_id)]

"""Every export is checked against the pseudonymisation key; a leaking file is removed."""

from __future__ import annotations

import pytest

from hoi_nlp.errors import ExportError
from hoi_nlp.export.dataset import load_coded_study
from hoi_nlp.privacy.guard import LeakGuard, exported_text
from hoi_nlp.privacy.key import PseudonymKey, key_path, load_key
from hoi_nlp.privacy.redact import KeyRedactor
from tests.export.conftest import export_formats

NAMES = ("Mette Hansen", "Mette", "Lemvig", "Vejle", "Gentofte", "Aalborg")


def test_no_export_contains_a_name_from_the_key(coded_workspace, small_codebook, redact, tmp_path):
    study = load_coded_study(coded_workspace, small_codebook)
    paths = export_formats(study, tmp_path, redact=redact, formats=["xlsx", "csv", "parquet", "qdpx"],
                           workspace=coded_workspace)
    for path in paths:
        text = exported_text(path)
        assert not [name for name in NAMES if name in text], path.name


def test_a_file_with_an_original_name_is_refused_and_removed(coded_workspace, small_codebook, tmp_path):
    import pandas as pd

    from hoi_nlp.export.dataset import write_xlsx

    study = load_coded_study(coded_workspace, small_codebook)
    key = load_key(key_path(coded_workspace))
    guard = LeakGuard.for_study(key, small_codebook, study.sources.values())
    path = tmp_path / "leak.xlsx"
    write_xlsx(path, {"Segmenter": pd.DataFrame({"text": ["Spørg Mette om det."]})})
    with pytest.raises(ExportError, match="leak"):
        guard.check_file(path)
    assert not path.exists()


def test_the_key_pass_cleans_what_the_recogniser_missed(study, key, tmp_path):
    export_formats(study, tmp_path, redact=KeyRedactor(key), formats=["xlsx"], figures=False)
    text = exported_text(tmp_path / "coded_dataset.xlsx")
    assert "[PERSON 1] leder det" in text and "[KOMMUNE]" in text


def test_municipality_names_are_guarded_even_without_a_key(study):
    guard = LeakGuard.for_study(PseudonymKey(), study.codebook, study.sources.values())
    text = "Her i Gentofte går det godt."
    assert [text[s:e] for s, e in guard.leaks(text)] == ["Gentofte"]
    assert LeakGuard.for_study(PseudonymKey(), study.codebook, study.sources.values(),
                               raw=True).leaks(text) == []


def test_xlsx_cells_stay_text_and_the_leak_check_reads_every_sheet(tmp_path):
    """A comment starting with '=' is not a formula; URLs stay plain text; every sheet is read back."""
    import zipfile

    import pandas as pd
    from python_calamine import CalamineWorkbook

    from hoi_nlp.export.dataset import write_xlsx
    from hoi_nlp.privacy.guard import exported_text

    path = tmp_path / "cells.xlsx"
    texts = ["=HYPERLINK(\"http://x.dk\",\"klik\")", "Se https://kommune.dk/side", "+45 mere tid"]
    write_xlsx(path, {"Segmenter": pd.DataFrame({"text": texts}), "Andet ark": pd.DataFrame({"n": [1, 2]})})
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Segmenter").to_python()
    assert [row[0] for row in sheet[1:]] == texts
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<hyperlink" not in xml.lower()  # no formula cell, no link element
    text = exported_text(path)
    assert "Andet ark" in text and all(t in text for t in texts)


def test_a_pseudonymised_segments_table_has_keyed_ids_and_offsets_into_the_redaction(study, key):
    """A segment id carries its source offsets and the table has start/end columns: pseudonymised, both
    are into (or keyed over) the source's redaction, so they tell no hidden name's length; raw, the
    source's own."""
    from hoi_nlp.export.tables import segment_rows

    for raw in (False, True):
        redact = KeyRedactor(key, raw=raw)
        shown = {redact.segment_id(seg.segment_id): seg for seg in study.segments}
        rows = segment_rows(study, redact=redact, raw=raw)
        hiding = 0
        for row in rows.itertuples():
            seg = shown[row.segment_id]
            redaction = redact.redaction(study.sources[seg.source_id])
            assert redaction.text[row.start:row.end] == row.text
            if raw:
                assert (row.segment_id, row.start, row.end) == (seg.segment_id, seg.start, seg.end)
            elif len(row.text) != seg.end - seg.start:  # the unit hides a name of another length
                hiding += 1
                assert seg.segment_id != row.segment_id and f"{seg.start}-{seg.end}" not in row.segment_id
                assert row.end - row.start == len(row.text)
        assert raw or hiding >= 2


def test_the_memo_and_codes_sheets_and_the_project_hold_no_raw_segment_id(coded_workspace, small_codebook,
                                                                         redact, memo_unit, tmp_path):
    """The memo and codes sheets name the unit by its keyed id; the .qdpx GUIDs are no uuid5 of a raw id
    (found by trying every pair of offsets)."""
    import zipfile

    import pandas as pd

    from hoi_nlp.export.study import public_view
    from hoi_nlp.qda import guid

    study = public_view(load_coded_study(coded_workspace, small_codebook), redact)  # as export_study gives it
    paths = export_formats(study, tmp_path, redact=redact, formats=["xlsx", "qdpx"],
                           workspace=coded_workspace)
    raw = {seg.segment_id for seg in study.segments}
    codes = pd.read_excel(tmp_path / "coded_dataset.xlsx", sheet_name="Koder")
    assert len(codes) and not set(codes["segment_id"]) & raw
    project = next(p for p in paths if p.suffix == ".qdpx")
    with zipfile.ZipFile(project) as archive:
        xml = archive.read("project.qde").decode("utf-8")
    made = {guid(kind, sid, code.id) for kind in ("selection", "coding") for sid in raw
            for code in small_codebook.codes}
    assert "PlainTextSelection" in xml and not [g for g in made if g in xml]
    assert not [i for i in raw if i in xml]
    memos = pd.read_excel(tmp_path / "coded_dataset.xlsx", sheet_name="Memoer")
    assert set(memos["segment_id"]) == {redact.segment_id(memo_unit)} != {memo_unit}


def test_memos_are_pseudonymised_once_in_the_public_view(coded_workspace, small_codebook, redact, memo_unit,
                                                         tmp_path):
    """Every memo (on a coding, on a unit, on the study: text and title) is pseudonymised where the public
    view is made, and the memo sheet and the .qdpx write that text as it is: the XLSX, the report and the
    project each pseudonymised the decision log's and the study's memos again."""
    import zipfile

    import pandas as pd

    from hoi_nlp.export.study import public_view
    from hoi_nlp.review.study_memos import record_study_memo

    record_study_memo(coded_workspace, analyst="carl", title="Om Mette Hansen",
                      text="Mette Hansen mener at økonomien fylder.")
    shown = public_view(load_coded_study(coded_workspace, small_codebook), redact)
    assert sorted(d.memo for d in shown.memos) == ["Hele svaret er uklart", "Spørg [PERSON 1] om teamet"]
    assert [(m.title, m.text) for m in shown.study_memos] == [
        ("Om [PERSON 1]", "[PERSON 1] mener at økonomien fylder.")]
    export_formats(shown, tmp_path, redact=redact, formats=["xlsx", "qdpx"], workspace=coded_workspace)
    sheet = pd.read_excel(tmp_path / "coded_dataset.xlsx", sheet_name="Memoer")
    assert sorted(sheet["memo"]) == sorted([*(d.memo for d in shown.memos), shown.study_memos[0].text])
    [project] = tmp_path.glob("*.qdpx")
    with zipfile.ZipFile(project) as archive:
        xml = archive.read("project.qde").decode("utf-8")
    assert "Spørg [PERSON 1] om teamet" in xml and 'name="Om [PERSON 1]"' in xml and "Mette" not in xml


def test_every_column_an_export_names_an_analyst_in_is_a_coder_column(coded_workspace, small_codebook, redact,
                                                                       memo_unit, tmp_path):
    """The leak check lets an analyst's user name stand only in a column headed as one that names who coded
    (:data:`hoi_nlp.privacy.guard.CODER_COLUMNS`, which cannot import the export's names): every table cell
    of every format that holds an analyst's name is in such a column."""
    from hoi_nlp.export.study import public_view
    from hoi_nlp.privacy.guard import _CODER_LIST, CODER_COLUMNS, _pieces
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.review.study_memos import record_study_memo

    record_decision(coded_workspace, segment_id=memo_unit, action="add", analyst="bo",
                    code_id="barrier.it_integration")
    record_study_memo(coded_workspace, analyst="carl", title="Om teamet", text="Økonomien fylder.")
    shown = public_view(load_coded_study(coded_workspace, small_codebook), redact)
    paths = export_formats(shown, tmp_path, redact=redact, workspace=coded_workspace, figures=False,
                           formats=["xlsx", "csv", "parquet", "md", "docx", "html"])
    analysts = {"ana", "bo", "carl"}
    columns = {(path.suffix, column) for path in paths for _, text, column in _pieces(path)
               if column and {part.strip() for part in _CODER_LIST.split(text)} & analysts}
    assert {suffix for suffix, _ in columns} == {".xlsx", ".csv", ".parquet", ".md", ".docx", ".html"}
    assert {column for _, column in columns if column.casefold() not in CODER_COLUMNS} == set()

"""Numbers a report can print, on the demo as `hoi run corpora/demo` leaves it (issue 15).

Bases per material and per question beside every share, no shown number for a group below the
threshold, Benjamini–Hochberg adjusted p-values, barriers counted by stance, the study's own name as
title, one language (Danish by default, English by a setting), memos in the XLSX and the report.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.conftest import hoi

SHARE = re.compile(r"(\d+) pct\. \((\d+) af (\d+)\)")
SURVEY_RESPONDENTS, INTERVIEWS = 70, 8


def _sheet(path: Path, name: str) -> pd.DataFrame:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def demo_report(demo_run, tmp_path_factory) -> Path:
    """The demo's report as DOCX and Markdown next to the tables `hoi run` wrote."""
    out = tmp_path_factory.mktemp("demo-report")
    hoi("export", str(demo_run), "-o", str(out), "-f", "xlsx", "-f", "md", "-f", "docx")
    return out


def test_title_is_the_studys_name_not_the_workspace_folder(demo_report):
    import docx

    first = (demo_report / "rapport.md").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# Kommuneundersøgelse om helhedsorienterede indsatser 2024"
    document = docx.Document(str(demo_report / "rapport.docx"))
    assert document.paragraphs[0].text == "Kommuneundersøgelse om helhedsorienterede indsatser 2024"
    assert "Studie:" not in (demo_report / "rapport.md").read_text(encoding="utf-8")


def test_shares_per_material_never_mixed(demo_report):
    frequencies = _sheet(demo_report / "coded_dataset.xlsx", "Frekvens barrier")
    assert dict(frequencies.groupby("material")["base"].first()) == {"survey": SURVEY_RESPONDENTS,
                                                                      "interview": INTERVIEWS}
    report = (demo_report / "rapport.md").read_text(encoding="utf-8")
    assert f"N = {SURVEY_RESPONDENTS + INTERVIEWS}" not in report
    assert f"Spørgeskema (N = {SURVEY_RESPONDENTS})" in report and f"Interview (N = {INTERVIEWS})" in report
    # every share in the report's tables carries its base, and the base is a material's or a question's
    bases = {SURVEY_RESPONDENTS, INTERVIEWS} | set(_sheet(demo_report / "coded_dataset.xlsx",
                                                          "Frekvens pr. spørgsmål")["base"])
    table_lines = [line for line in report.splitlines() if line.startswith("|")]
    assert not any(re.search(r"\d+ pct\.(?! \(\d+ af \d+\))", line) for line in table_lines)
    shares = [tuple(map(int, m)) for line in table_lines for m in SHARE.findall(line)]
    assert shares and all(n in bases or n >= 5 for _, _, n in shares)
    assert all(round(100 * k / n) == pct for pct, k, n in shares)


def test_question_bases_are_who_answered_the_question(demo_run, demo_report):
    segments = pd.read_csv(demo_run / "exports" / "coded_dataset_segments.csv", dtype={"question_id": str})
    answered = segments[segments["question_id"].notna()].groupby("question_id")["respondent_id"].nunique()
    by_question = _sheet(demo_report / "coded_dataset.xlsx", "Frekvens pr. spørgsmål")
    assert len(by_question) > 20
    for row in by_question.itertuples():
        assert row.base == answered[row.question_id], row.question_id
        if row.base >= 5:
            k = int(row.mentioning)
            assert row.share == f"{round(100 * k / row.base)} pct. ({k} af {row.base})"
        else:
            assert row.share == "–" and pd.isna(row.mentioning)


def test_no_shown_cell_for_a_group_below_the_threshold(demo_run, demo_report, tmp_path):
    book = openpyxl.load_workbook(demo_report / "coded_dataset.xlsx", read_only=True)
    crosstabs = [name for name in book.sheetnames if name.startswith("Krydstabel")]
    assert {"Krydstabel size_group", "Krydstabel role"} <= set(crosstabs)
    for name in crosstabs:
        frame = _sheet(demo_report / "coded_dataset.xlsx", name)
        small = frame[frame["respondents"].isna()]
        assert (small["share"] == "–").all() and small["mentioning"].isna().all()
        assert (frame["respondents"].dropna() >= 5).all(), name
    report = (demo_report / "rapport.md").read_text(encoding="utf-8")
    assert all(int(n) >= 5 for n in re.findall(r"\(n = (\d+)\)", report))
    # a stricter threshold merges the small roles (Direktør 15, Leder 8) into "Øvrige" (23), in the tables
    # and in the figures' data
    settings = tmp_path / "strict.toml"
    settings.write_text("[report]\nmin_group_size = 16\n", encoding="utf-8")
    hoi("export", str(demo_run), "-o", str(tmp_path / "out"), "-f", "xlsx", "--settings", str(settings))
    roles = _sheet(tmp_path / "out" / "coded_dataset.xlsx", "Krydstabel role")
    survey = roles[roles["material"] == "survey"]
    assert dict(survey.groupby("group")["respondents"].first()) == {"Kommunaldirektør": 47, "Øvrige": 23}
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.export.dataset import load_coded_study
    from hoi_nlp.export.stats import StudyStats
    from hoi_nlp.settings import ReportSettings
    from hoi_nlp.store import Workspace

    study = load_coded_study(Workspace.open(demo_run, create=False), load_codebook())
    strict = StudyStats(study, ReportSettings(min_group_size=10))  # Leder (8) alone: suppressed, not merged
    heatmap = strict.crosstab_shares("barrier", "role", "survey")
    assert list(heatmap.columns) == ["Direktør (n = 15)", "Kommunaldirektør (n = 47)"]
    frame = strict.crosstabs
    leder = frame[(frame["group"] == "Leder") & (frame["attribute"] == "role")]
    assert len(leder) and (leder["share"] == "–").all() and leder["mentioning"].isna().all()


def test_adjusted_p_values_beside_the_raw_ones(demo_report):
    frame = _sheet(demo_report / "coded_dataset.xlsx", "Krydstabel size_group")
    tested = frame.dropna(subset=["p_value"])
    assert len(tested) > 50
    assert (tested["p_adjusted"] >= tested["p_value"] - 1e-12).all()
    assert set(tested["significant"]) <= {True, False}
    assert (tested["significant"] == (tested["p_adjusted"] < 0.05)).all()
    report = (demo_report / "rapport.md").read_text(encoding="utf-8")
    assert "justeret p = " in report and "Benjamini–Hochberg" in report
    method = re.search(r"\| Signifikanstest \| (.+) \|", report).group(1)
    assert re.search(r"Der er kørt \d{2,} test", method) and "justeret p < 0,05" in method


def test_barrier_tables_count_hindrances_apart_and_say_what_they_count(demo_report):
    report = (demo_report / "rapport.md").read_text(encoding="utf-8")
    caption = next(line for line in report.splitlines() if line.startswith("**Barrierer, Spørgeskema"))
    assert "hindringer talt for sig" in caption and "overvundet eller fraværende" in caption
    assert "Holdning ukendt" in caption  # what a coding without a stance would be counted as, said so
    # the coder gives every barrier a stance (issue 17): hindrances first, then the other stances found
    assert re.search(r"^\| Kode \| Hindring \|( Forudsætning \|)? Overvundet/fraværende \|", report, re.M)
    assert re.search(r"\| Barrierer og holdning \| .*Holdning ukendt.* \d+ af \d+ barrierekodninger", report)


def test_codes_sheet_carries_text_label_and_source_and_a_case_matrix(demo_run, demo_report):
    codes = _sheet(demo_report / "coded_dataset.xlsx", "Koder")
    mine = codes[codes["code_id"] == "barrier.it_integration"]
    assert len(mine) > 5
    assert mine["label"].eq("Utilstrækkelig integration af IT-systemer").all()
    assert mine["text"].str.len().gt(10).all()
    reference = r"^(Spørgeskema, R\d+, spm\. \S+, række \d+|Interview \S+, tur \d+)$"
    assert mine["reference"].str.match(reference).all()
    matrix = _sheet(demo_report / "coded_dataset.xlsx", "Case × kode")
    assert len(matrix) == SURVEY_RESPONDENTS + INTERVIEWS
    assert set(matrix["material"]) == {"Spørgeskema", "Interview"}
    assert matrix["barrier.it_integration"].sum() == mine[mine["counted"]]["segment_id"].nunique()


def test_csv_and_parquet_integer_columns_are_integers(demo_run):
    exports = demo_run / "exports"
    text = (exports / "coded_dataset_segments.csv").read_text(encoding="utf-8-sig")
    header, *lines = text.splitlines()
    column = header.split(",").index("turn_index")
    segments = pd.read_csv(exports / "coded_dataset_segments.csv", dtype=str)
    turns = segments["turn_index"].dropna()
    assert len(turns) > 100 and turns.str.fullmatch(r"\d+").all()  # "12", never "12.0"
    assert column >= 0 and lines
    parquet = pd.read_parquet(exports / "coded_dataset_segments.parquet")
    assert str(parquet["turn_index"].dtype) in ("Int64", "int64")
    codes = pd.read_parquet(exports / "coded_dataset_codes.parquet")
    assert str(codes["turn_index"].dtype) in ("Int64", "int64")


def test_memos_in_the_xlsx_and_the_reports_appendix_pseudonymised(demo_copy, tmp_path):
    from hoi_nlp.privacy.key import key_path, load_key
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import Workspace, load_segments

    workspace = Workspace.open(demo_copy, create=False)
    key = load_key(key_path(workspace), study=workspace.study)
    name = next(o for o, p in sorted(key.originals.items()) if p.startswith("[PERSON") and " " in o)
    unit = next(s for s in load_segments(workspace, codable=True) if s.source_id.startswith("int"))
    record_decision(workspace, segment_id=unit.segment_id, code_id=None, action="memo", analyst="anna",
                    memo=f"Spørg {name} om budgetmodellen; lyder som en overvundet barriere.")
    hoi("export", str(demo_copy), "-o", str(tmp_path / "out"), "-f", "xlsx", "-f", "md")
    memos = _sheet(tmp_path / "out" / "coded_dataset.xlsx", "Memoer")
    assert len(memos) == 1
    memo = memos.iloc[0]
    assert memo["analyst"] == "anna" and memo["reference"].startswith("Interview ")
    assert name not in memo["memo"] and "[PERSON" in memo["memo"] and "budgetmodellen" in memo["memo"]
    report = (tmp_path / "out" / "rapport.md").read_text(encoding="utf-8")
    appendix = report.split("## Bilag: analytikernes memoer", 1)[1]
    assert "budgetmodellen" in appendix and name not in report


def test_english_report_speaks_one_language(demo_run, tmp_path):
    settings = tmp_path / "en.toml"
    settings.write_text('[report]\nlanguage = "en"\n', encoding="utf-8")
    out = hoi("export", str(demo_run), "-o", str(tmp_path / "out"), "-f", "md", "--settings", str(settings))
    assert "wrote " in out.stdout and "skrev " not in out.stdout
    report = (tmp_path / "out" / "rapport.md").read_text(encoding="utf-8")
    assert f"Survey (N = {SURVEY_RESPONDENTS})" in report and "## Method" in report
    assert re.search(r"\d+% \(\d+ of \d+\)", report)
    for danish in ("Spørgeskema", " pct. ", "Metodenoter", "Enighed", "justeret", "Holdning ukendt",
                   " af 70)"):
        assert danish not in report, danish
    quotes = (tmp_path / "out" / "quotes.md").read_text(encoding="utf-8")
    assert "Quotes by code" in quotes and "Interview int" in quotes and ", turn " in quotes

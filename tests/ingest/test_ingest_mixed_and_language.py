"""Bad input: mixed CSV delimiters are refused with the row; answers in other languages are flagged."""

from __future__ import annotations

import shutil

import pytest

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.language import guess_language
from hoi_nlp.ingest.study import ingest_study
from hoi_nlp.ingest.tables import read_table
from tests.conftest import DATA

HEADER = ("Respondent-ID;Kommune;Region;Størrelsesgruppe;Respondentrolle;"
          "1.2_1;1.2_kommentar;4.2a_indsats1;7_afsluttende_kommentar")


def _study(tmp_path, rows: list[str]):
    study = tmp_path / "study"
    (study / "survey").mkdir(parents=True)
    shutil.copy(DATA / "study_small" / "survey" / "schema.yaml", study / "survey")
    (study / "survey" / "export.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return study


def test_mixed_delimiters_name_the_row(tmp_path):
    study = _study(tmp_path, [
        "R001;Vejle;Region Syddanmark;Større kommune;Direktør;I høj grad;Tekst;Mere;-",
        "R002,Lemvig,Region Midtjylland,Mindre kommune,Direktør,I nogen grad,Tekst,Mere,-",
    ])
    with pytest.raises(IngestError, match=r"row 3.*mixed delimiters") as info:
        read_table(study / "survey" / "export.csv", display="survey/export.csv")
    assert "survey/export.csv" in str(info.value)


def test_short_rows_with_commas_in_text_are_not_mistaken_for_mixed_delimiters(tmp_path):
    study = _study(tmp_path, ["R001;Vejle;Region Syddanmark;Større kommune;Direktør;I høj grad;"
                              "Tid, penge, ledelse og IT, kort sagt"])
    with pytest.raises(IngestError, match=r"row 2.*7 cells but the header has 9") as info:
        read_table(study / "survey" / "export.csv", display="x")
    assert "mixed delimiters" not in str(info.value)


@pytest.mark.parametrize(("text", "language"), [
    ("Vi har lavet et fast tværgående team med jobcentret, og det fungerer godt.", "da"),
    ("We have set up a cross-cutting team with the job centre and it works well for the families.", "en"),
    ("Wir haben ein Team mit dem Jobcenter gegründet und es funktioniert gut.", "de"),
    ("IT, økonomi, ledelse, kultur, lovgivning, data", "unknown"),
    ("Mangler tid", "unknown"),
])
def test_guess_language(text, language):
    assert guess_language(text) == language


def test_answers_in_other_languages_are_ingested_with_a_warning(tmp_path):
    study = _study(tmp_path, ["R001;Vejle;Region Syddanmark;Større kommune;Direktør;I høj grad;"
                              "We have set up a cross-cutting team with the job centre and it works well.;"
                              "Vi har et fast team med jobcentret, der mødes hver uge.;-"])
    result = ingest_study(study)
    assert len(result.sources) == 2 and result.ok
    assert any("row 2, column '1.2_kommentar'" in w and "English" in w for w in result.warnings)
    assert not any("4.2a_indsats1" in w for w in result.warnings)

from __future__ import annotations

import textwrap

import pytest

from hoi_nlp.codebook import check_against_spec, load_codebook
from hoi_nlp.errors import CodebookError
from tests.conftest import SHARED

SPEC = SHARED / "codebook-spec.yaml"


def _write(tmp_path, body: str):
    path = tmp_path / "cb.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


HEADER = """\
id: t
version: "1"
families:
  - id: barrier
    label: Barrierer
    codes:
"""


def test_small_codebook_loads(small_codebook):
    assert small_codebook.code_ids == ["barrier.it_integration", "barrier.tvaergaaende_oekonomistyring",
                                       "area.beskaeftigelse"]
    assert small_codebook.code("area.beskaeftigelse").family == "area"
    assert small_codebook.version_tag.startswith("small@0.1+")


@pytest.mark.skipif(not SPEC.exists(), reason="shared codebook spec not available")
def test_default_codebook_has_exactly_the_spec_ids_and_labels(hoi_codebook):
    assert check_against_spec(hoi_codebook, SPEC) == []


def test_default_codebook_codes_have_patterns_and_examples(hoi_codebook):
    for code in hoi_codebook.codes:
        assert code.patterns, code.id
        assert len(code.examples) >= 3, code.id


def test_duplicate_id_is_rejected_with_line(tmp_path):
    path = _write(tmp_path, HEADER + """\
      - id: barrier.a
        label: A
      - id: barrier.a
        label: B
""")
    with pytest.raises(CodebookError, match=r"duplicate code id 'barrier.a'.*") as info:
        load_codebook(path)
    assert "line 9" in str(info.value) and str(path) in str(info.value)


def test_code_outside_its_family_is_an_unknown_id(tmp_path):
    path = _write(tmp_path, HEADER + """\
      - id: goal.a
        label: A
""")
    with pytest.raises(CodebookError, match="unknown code id 'goal.a'"):
        load_codebook(path)


def test_malformed_token_pattern_is_rejected_with_line(tmp_path):
    path = _write(tmp_path, HEADER + """\
      - id: barrier.a
        label: A
        patterns:
          - lemma: "fin"
          - tokens: [{"LOWR": "x"}]
""")
    with pytest.raises(CodebookError, match="pattern 2 is not a valid spaCy token pattern") as info:
        load_codebook(path)
    assert "line 11" in str(info.value)


def test_pattern_needs_exactly_one_kind(tmp_path):
    path = _write(tmp_path, HEADER + """\
      - id: barrier.a
        label: A
        patterns:
          - lemma: "x"
            phrase: "y"
""")
    with pytest.raises(CodebookError, match="exactly one of"):
        load_codebook(path)


def test_unknown_key_is_rejected(tmp_path):
    path = _write(tmp_path, HEADER + """\
      - id: barrier.a
        label: A
        colour: red
""")
    with pytest.raises(CodebookError, match="colour"):
        load_codebook(path)


def test_unknown_code_lookup_suggests_close_ids(small_codebook):
    with pytest.raises(CodebookError, match="did you mean barrier.it_integration"):
        small_codebook.code("barrier.it_integratoin")


def test_invalid_yaml_names_the_line(tmp_path):
    path = _write(tmp_path, "id: t\nfamilies: [\n")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(path)


def test_validate_warns_of_rules_that_name_a_code_the_codebook_lacks(tmp_path, hoi_codebook):
    """A code deleted from one's own copy of the codebook is still named by other codes' exclude rules
    ("… (barrier.ressourcer)"), which the review app shows analysts as the code to use instead."""
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.codebook import dangling_references

    path = _write(tmp_path, HEADER + """\
          - id: barrier.it_integration
            label: IT
            exclude: "Kodes ikke for lovhjemmel (barrier.lovhjemmel_datadeling) eller barrier.it_integration."
          - id: barrier.ressourcer
            label: Ressourcer
            description: "Se også goal.bedre_service_ressourcer; fx. kl.8.30 eller hoi.yaml."
    """)
    assert dangling_references(load_codebook(path)) == [
        "barrier.it_integration: exclude names barrier.lovhjemmel_datadeling, which this codebook lacks"]
    assert dangling_references(hoi_codebook) == []
    result = CliRunner().invoke(app, ["codebook", "validate", str(path)])
    assert result.exit_code == 0 and "OK:" in result.output
    assert "barrier.lovhjemmel_datadeling, which this codebook lacks" in result.output

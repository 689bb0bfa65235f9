"""The compact lemma table: the same answers as spacy-lookups-data's table, kept on disk once."""

from __future__ import annotations

import gzip
import json
import random

import pytest

from hoi_nlp.nlp import pipeline


@pytest.fixture(scope="module")
def source_table() -> dict[str, str]:
    with gzip.open(pipeline._lookups_source(), "rb") as stream:
        return json.loads(stream.read())


def test_compact_table_answers_as_the_lookups_table(source_table):
    table = pipeline.danish_lemma_table()
    assert len(table) == len(source_table)
    forms = random.Random(0).sample(sorted(source_table), 3000)
    assert all(table.get(form) == source_table[form] and form in table for form in forms)
    assert all(table[form] == source_table[form] for form in forms[:50])
    absent = [f"{form}qx" for form in forms if f"{form}qx" not in source_table]
    assert not any(form in table for form in absent)
    assert table.get(absent[0]) is None and table.get(absent[0], "-") == "-"
    with pytest.raises(KeyError):
        table[absent[0]]


def test_table_is_built_once_then_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv(pipeline.LEMMA_CACHE_ENV, str(tmp_path))
    pipeline.danish_lemma_table.cache_clear()
    try:
        built = pipeline.danish_lemma_table()
        files = list(tmp_path.glob("da-lemma-lookup-*.npz"))
        assert len(files) == 1
        pipeline.danish_lemma_table.cache_clear()
        loaded = pipeline.danish_lemma_table()
        assert loaded is not built and len(loaded) == len(built)
        assert loaded.get("borgerne") == built.get("borgerne") == "borger"
        files[0].write_bytes(b"not a table")  # a damaged file is rebuilt, not an error
        pipeline.danish_lemma_table.cache_clear()
        assert pipeline.danish_lemma_table().get("borgerne") == "borger"
    finally:
        pipeline.danish_lemma_table.cache_clear()


def test_pipelines_load_the_lemma_table_only_to_lemmatise(monkeypatch):
    """Splitting sentences never loads the lemma table; the lemmatiser loads it on first use."""
    loads = []
    real = pipeline.danish_lemma_table
    monkeypatch.setattr(pipeline, "danish_lemma_table", lambda: loads.append(1) or real())
    nlp = pipeline.build_bundled_pipeline()
    sentences = pipeline.load_sentence_pipeline()("Én sætning. To sætninger.").sents
    assert [s.text for s in sentences] == ["Én sætning.", "To sætninger."]
    assert loads == []
    assert [t.lemma_ for t in nlp("borgerne blev")] == ["borger", "blive"]
    assert len(loads) == 1

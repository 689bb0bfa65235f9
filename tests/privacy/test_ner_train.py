"""IOB2 conversion, and (slow) training on a tiny subset of UNER_Danish-DDT."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoi_nlp.errors import HoiError
from hoi_nlp.privacy.ner_train import convert_split, read_iob2, split_path

UNER = Path("/work/shared/data/uner_danish_ddt")
IOB2 = """# sent_id = t-1
# text = Direktør Mette Hansen bor i Vejle.
1\tDirektør\tO\tO#O\ts
2\tMette\tB-PER\tB-PER#O\ts
3\tHansen\tI-PER\tI-PER#O\ts
4\tbor\tO\tO#O\ts
5\ti\tO\tO#O\ts
6\tVejle\tB-LOC\tB-LOC#O\ts
7\t.\tO\tO#O\ts

"""


def test_read_iob2_rebuilds_text_and_offsets(tmp_path) -> None:
    path = tmp_path / "x.iob2"
    path.write_text(IOB2, encoding="utf-8")
    [sent] = list(read_iob2(path))
    assert sent.as_text() == sent.text == "Direktør Mette Hansen bor i Vejle."
    start, end = sent.token_offsets()[5]
    assert sent.text[start:end] == "Vejle"


def test_convert_split_writes_docbin(tmp_path) -> None:
    import spacy
    from spacy.tokens import DocBin

    source = tmp_path / "x.iob2"
    source.write_text(IOB2, encoding="utf-8")
    assert convert_split(source, tmp_path / "x.spacy") == 1
    [doc] = DocBin().from_disk(tmp_path / "x.spacy").get_docs(spacy.blank("da").vocab)
    assert [(e.text, e.label_) for e in doc.ents] == [("Mette Hansen", "PER"), ("Vejle", "LOC")]


def test_missing_split_names_the_folder(tmp_path) -> None:
    with pytest.raises(HoiError, match="--data"):
        split_path(tmp_path, "train")


@pytest.mark.slow
@pytest.mark.skipif(not UNER.is_dir(), reason="UNER_Danish-DDT not available")
def test_train_ner_on_tiny_subset(tmp_path) -> None:
    from hoi_nlp.privacy.ner_train import train_ner

    scores = train_ner(data_dir=UNER, output=tmp_path / "ner", max_steps=20, limit=60, work_dir=tmp_path)
    assert (tmp_path / "ner" / "meta.json").is_file()
    assert not (tmp_path / "ner" / "model-last").exists()
    assert set(scores["per_type"]) <= {"PER", "LOC", "ORG"} and 0.0 <= scores["ents_f"] <= 1.0

"""The review app's "why" gets the coder's nearest training passages for a code (stages/review.py)."""

from __future__ import annotations

from hoi_nlp.codebook import load_codebook
from hoi_nlp.settings import Settings
from hoi_nlp.stages.review import CoderExamples
from hoi_nlp.stages.study import RunInputs
from hoi_nlp.store import Workspace

TEXT = "Budgetterne ligger i søjlerne, så den der betaler for forebyggelsen, får ikke gevinsten."
CODE = "barrier.oekonomiske_incitamenter"


def test_nearest_training_passages_carry_the_code(tmp_path):
    from hoi_nlp.coding.training.data import load_labelled

    examples = CoderExamples(RunInputs(Workspace.open(tmp_path / "ws"), load_codebook(), Settings()))
    found = examples(TEXT, CODE)
    assert 1 <= len(found) <= 3
    coded = {row.text for row in _rows("corpora/train", load_labelled) if CODE in row.codes}
    coded |= set(load_codebook().code(CODE).examples)
    assert {e.text for e in found} <= coded, found
    # raw training text with its origin, for the app to pseudonymise; no study unit behind them
    assert all(e.origin and e.segment_id is None for e in found), found
    assert examples(TEXT, "no.such_code") == []


def _rows(folder, load_labelled):
    from pathlib import Path

    for path in sorted(Path(folder).glob("*.jsonl")):
        yield from load_labelled(path, codebook=load_codebook(), unknown="drop")

"""Measure the pseudonymiser on UNER_Danish-DDT: which gold entity tokens end up replaced.

Recall per type is the share of tokens inside gold PER/LOC/ORG spans that lie inside a
replaced span; ``<TYPE>_identifying`` leaves out words of names that are kept on purpose
(countries, national bodies and parties such as "Danmark", "Folketinget", generic programmes
and systems such as "FGU", "Nexus"). The precision side is the share
of non-entity tokens that were replaced.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hoi_nlp.privacy.gazetteers import generic_terms, national_bodies
from hoi_nlp.privacy.key import PseudonymKey
from hoi_nlp.privacy.ner_train import DEFAULT_DATA, read_iob2, split_path
from hoi_nlp.privacy.pseudonymize import PseudonymizedText, Pseudonymizer
from hoi_nlp.settings import Settings


def _covered(start: int, end: int, result: PseudonymizedText) -> bool:
    return any(r.start <= start and end <= r.end for r in result.replaced)


def _count(counts: dict[str, list[int]], label: str, hit: bool) -> None:
    pair = counts.setdefault(label, [0, 0])
    pair[0] += int(hit)
    pair[1] += 1


def evaluate_pseudonymizer(*, data_dir: str | Path = DEFAULT_DATA, split: str = "test", limit: int = 0,
                           settings: Settings | None = None,
                           pseudonymizer: Pseudonymizer | None = None) -> dict[str, Any]:
    """Token recall per gold type and the share of non-entity tokens replaced, on a UNER split."""
    sentences = list(read_iob2(split_path(data_dir, split), limit=limit))
    pseudo = pseudonymizer or Pseudonymizer(key=PseudonymKey(study=f"uner-{split}"),
                                            settings=settings or Settings())
    started = time.monotonic()
    results = pseudo.pseudonymize_many([s.as_text() for s in sentences])
    seconds = time.monotonic() - started
    counts: dict[str, list[int]] = {}
    kept = {word for name in (*national_bodies(), *generic_terms()) for word in name.split()}
    for sent, result in zip(sentences, results, strict=True):
        for (start, end), tag, word in zip(sent.token_offsets(), sent.tags, sent.words, strict=True):
            label = tag.split("-", 1)[1] if "-" in tag else "O"
            if label == "O" and not any(ch.isalnum() for ch in word):
                continue
            hit = _covered(start, end, result)
            _count(counts, label, hit)
            if label in ("LOC", "ORG") and word.rstrip("'’s") not in kept and word not in kept:
                _count(counts, f"{label}_identifying", hit)
    return _summary(counts, sentences=len(sentences), seconds=seconds)


def _summary(counts: dict[str, list[int]], *, sentences: int, seconds: float) -> dict[str, Any]:
    recall = {label: round(hit / total, 4) for label, (hit, total) in counts.items() if label != "O"}
    entity_hits = sum(hit for label, (hit, _) in counts.items() if label in ("PER", "LOC", "ORG"))
    o_hit, o_total = counts.get("O", [0, 0])
    return {
        "sentences": sentences,
        "token_recall": recall,
        "tokens": {label: total for label, (_, total) in counts.items()},
        "non_entity_replaced_rate": round(o_hit / max(o_total, 1), 4),
        "replaced_token_precision": round(entity_hits / max(entity_hits + o_hit, 1), 4),
        "segments_per_second": round(sentences / max(seconds, 1e-9), 1),
    }

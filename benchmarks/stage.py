"""Run one pipeline stage on a benchmark workspace in this process; print a JSON result line.

Each stage runs in its own process so ``ru_maxrss`` is that stage's peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path

from hoi_nlp.codebook import load_codebook
from hoi_nlp.settings import load_settings
from hoi_nlp.store import Workspace, load_segments


def _texts(workspace: Workspace) -> list[str]:
    return [seg.text for seg in load_segments(workspace, codable=True)]


def _ingest(study: Path, workspace: Workspace) -> int:
    from hoi_nlp.stages.study import ingest_stage

    ingest_stage(study, workspace)
    from hoi_nlp.store import load_sources

    return len(load_sources(workspace))


def _segment(study: Path, workspace: Workspace) -> int:
    from hoi_nlp.stages.study import segment_stage

    segment_stage(workspace, load_settings())
    return len(_texts(workspace))


def _nlp(study: Path, workspace: Workspace) -> int:
    from hoi_nlp.nlp.pipeline import pipe

    texts = _texts(workspace)
    for _ in pipe(texts):
        pass
    return len(texts)


def _embed_raw(study: Path, workspace: Workspace) -> int:
    from hoi_nlp.nlp.embed import get_embedder

    texts = _texts(workspace)
    embedder = get_embedder(load_settings().embeddings)
    for start in range(0, len(texts), 256):
        embedder.embed(texts[start:start + 256])
    return len(texts)


def _code(coder_name: str) -> Callable[[Path, Workspace], int]:
    def run(study: Path, workspace: Workspace) -> int:
        from hoi_nlp.coding.registry import make_coder
        from hoi_nlp.nlp.embed import EmbeddingCache
        from hoi_nlp.stages.study import code_stage

        settings = load_settings()
        codebook = load_codebook()
        cache = EmbeddingCache(workspace.cache_dir / "embeddings")
        coder = make_coder(coder_name, codebook, settings, cache=cache)
        return code_stage(workspace, codebook, settings, coder=coder)["segments_total"]

    return run


def _export(study: Path, workspace: Workspace) -> int:
    from hoi_nlp.stages.study import RunInputs, export_stage

    export_stage(RunInputs(workspace, load_codebook(), load_settings()), formats=["xlsx", "parquet", "md"])
    return len(_texts(workspace))


STAGES: dict[str, Callable[[Path, Workspace], int]] = {
    "ingest": _ingest, "segment": _segment, "nlp": _nlp, "embed_raw": _embed_raw,
    "rules": _code("rules"), "combined": _code("combined"), "combined_rerun": _code("combined"),
    "export": _export,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", required=True, choices=sorted(STAGES))
    parser.add_argument("--study", required=True, type=Path)
    parser.add_argument("--workspace", required=True, type=Path)
    args = parser.parse_args()
    workspace = Workspace.open(args.workspace)
    started = time.perf_counter()
    items = STAGES[args.stage](args.study, workspace)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"stage": args.stage, "items": items, "seconds": round(seconds, 2),
                      "per_second": round(items / seconds, 1) if seconds else None,
                      "peak_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()

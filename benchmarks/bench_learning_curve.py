"""Learning curve: F1 on the hard (or dense) set against 0, 25, … 200 study passages drawn from it.

``python -m benchmarks --learning-curve [--set hard|dense] [--repeats 2] [--sides 0 1]
[--ks 0 25 50 100 200] [--timings]``

Cross-fitted: the 400 passages of ``corpora/eval/hard.jsonl`` (or the 207 turns of ``dense.jsonl``)
are split in two random halves (seed = repeat; the turns of one interview stay in one half); the
coder learns from ``k`` passages of one half as the study's own labelled passages
(``train_with_study``: added to the bundled coder, weighted by cross-validation) and is scored on
the *other* half, then the halves swap. Every ``k`` of a split is scored on the same held-out half,
and the passages of a smaller ``k`` are a subset of a larger one's (``k`` larger than a half is
skipped). This is the one use of these sets for learning: they stand for a study's analysts coding
their own material; the shipped model never sees them.

``--timings`` also times, in fresh processes, ``hoi train --study-data`` with 200 passages and
``hoi retrain`` on a workspace with 300 reviewed passages (decisions recorded as analysts
would: the gold codes accepted or added, stances set; the segments coded first, as a study's are
before review), both on top of the bundled model.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

EVAL_DIR = Path("corpora/eval")


def eval_rows(codebook: object, name: str = "hard") -> list[object]:
    from hoi_nlp.coding.training.data import load_labelled

    return load_labelled(EVAL_DIR / f"{name}.jsonl", codebook=codebook, unknown="drop")  # type: ignore[arg-type]


def halves(rows: list, seed: int) -> list[np.ndarray]:
    """Two random halves of ``rows``; the turns of one interview (``dialogue``) stay in one half.

    Without dialogues this is the first and second half of one random permutation of the rows.
    """
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row.dialogue or f"row-{i}", []).append(i)
    members = list(groups.values())
    first: list[int] = []
    second: list[int] = []
    for g in np.random.default_rng(seed).permutation(len(members)):
        (first if len(first) < len(rows) // 2 else second).extend(members[g])
    return [np.array(first), np.array(second)]


def score(coder: object, rows: list[object], code_ids: list[str], name: str = "hard") -> dict[str, float]:
    """Micro P/R/F1 (and per register F1) of ``coder`` on ``rows``, with their questions as context."""
    from hoi_nlp.coding.evaluate import evaluate_coders

    report = evaluate_coders(rows, {"combined": coder}, code_ids, data=f"{name} (held-out half)")[0]
    out = {
        "precision": report.micro.precision,
        "recall": report.micro.recall,
        "f1": report.micro.f1,
        "fbeta": report.micro.fbeta or 0.0,
    }
    for register, scores in report.per_register.items():
        out[f"f1_{register}"] = scores.f1
    return out


def learning_curve(
    ks: list[int],
    repeats: int,
    root: Path,
    model_dir: Path | None = None,
    sides: tuple[int, ...] = (0, 1),
    name: str = "hard",
) -> list[dict]:
    """One row per (repeat, half, k) with the scores on the held-out half and the training seconds.

    ``sides`` picks which half of each split is learnt from (both by default; ``(0,)`` halves the time).
    """
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR, load_trained_coder
    from hoi_nlp.coding.training.data import LabelledRow
    from hoi_nlp.coding.training.train import train_with_study
    from hoi_nlp.nlp.embed import EmbeddingCache

    codebook = load_codebook()
    base = model_dir or DEFAULT_MODEL_DIR
    cache = EmbeddingCache(root / "cache")
    rows = eval_rows(codebook, name)
    bundled = load_trained_coder(codebook, model_dir=base, cache=cache)
    results = []
    for repeat in range(repeats):
        split = halves(rows, repeat)
        for side in sides:
            pool, held = split[side], split[1 - side]
            test = [rows[i] for i in held]
            for k in [k for k in ks if k <= len(pool)]:
                started = time.perf_counter()
                if k == 0:
                    coder = bundled
                    seconds = 0.0
                    weight = None
                else:
                    study = [
                        LabelledRow(
                            f"study-{i}",
                            rows[i].text,
                            rows[i].codes,
                            rows[i].register,
                            context=rows[i].context,
                            stance=rows[i].stance,
                        )
                        for i in pool[:k]
                    ]
                    out = root / f"r{repeat}s{side}k{k}"
                    report = train_with_study(
                        codebook, study, base_dir=base, out_dir=out, cache=cache, seed=repeat
                    )
                    seconds = time.perf_counter() - started
                    weight = report.manifest["study_weight"]["chosen"]
                    coder = load_trained_coder(codebook, model_dir=out, cache=cache)
                scores = score(coder, test, codebook.code_ids, name)
                results.append(
                    {
                        "repeat": repeat,
                        "half": side,
                        "k": k,
                        "seconds": round(seconds, 1),
                        "weight": weight,
                        **scores,
                    }
                )
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
                if k:
                    shutil.rmtree(root / f"r{repeat}s{side}k{k}", ignore_errors=True)
    return results


def curve_table(results: list[dict]) -> str:
    """Mean (and range) per k over the cross-fitted halves."""
    lines = [
        "| study passages | micro P | micro R | micro F1 (range) | interview F1 | survey F1 | report F1 "
        "| study weight | train s |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for k in sorted({r["k"] for r in results}):
        rs = [r for r in results if r["k"] == k]

        def mean(key: str, rs: list[dict] = rs) -> str:
            values = [r[key] for r in rs if key in r]
            return f"{np.mean(values):.3f}" if values else "–"

        f1s = [r["f1"] for r in rs]
        weights = sorted({r["weight"] for r in rs if r["weight"] is not None})
        lines.append(
            f"| {k} | {mean('precision')} | {mean('recall')} | {mean('f1')} "
            f"({min(f1s):.3f}–{max(f1s):.3f}) | {mean('f1_interview')} | {mean('f1_survey')} "
            f"| {mean('f1_report')} | {', '.join(f'{w:g}' for w in weights) or '–'} "
            f"| {np.mean([r['seconds'] for r in rs]):.0f} |"
        )
    return "\n".join(lines)


def _hoi() -> str:
    return str(Path(sys.executable).with_name("hoi"))


def time_train_study_data(root: Path, n: int = 200) -> dict:
    """``hoi train --study-data`` with ``n`` hard passages, in a fresh process."""
    from hoi_nlp.codebook import load_codebook

    rows = eval_rows(load_codebook())[:n]
    path = root / "study.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"s{i}",
                    "text": r.text,
                    "codes": list(r.codes),
                    "context": r.context,
                    "stance": r.stance,
                },
                ensure_ascii=False,
            )
            + "\n"
            for i, r in enumerate(rows)
        ),
        encoding="utf-8",
    )
    started = time.perf_counter()
    out = subprocess.run(
        [_hoi(), "train", "--study-data", str(path), "--out", str(root / "coder-study")],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    return {
        "what": f"hoi train --study-data ({n} passages)",
        "seconds": round(seconds, 1),
        "ok": out.returncode == 0,
        "tail": (out.stdout + out.stderr).strip().splitlines()[-1:],
    }


def reviewed_workspace(root: Path, n: int = 300, name: str = "ws_reviewed") -> Path:
    """A workspace (``root/name``) whose ``n`` segments (hard passages as survey answers) were reviewed."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.records import Segment, Source, content_hash
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import Workspace, save_segments, save_sources

    rows = eval_rows(load_codebook())[:n]
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    workspace = Workspace.open(folder, study="bench")
    sources = [
        Source(
            source_id=f"R{i:03d}:q",
            study="bench",
            kind="survey_answer",
            path="survey/x.xlsx",
            text=r.text,
            content_hash=content_hash(r.text),
            respondent_id=f"R{i:03d}",
            question_id="q",
            attributes={"question": r.context},
        )
        for i, r in enumerate(rows)
    ]
    save_sources(workspace, sources)
    save_segments(
        workspace,
        [
            Segment(
                segment_id=f"{s.source_id}:a0-{len(s.text)}",
                source_id=s.source_id,
                kind="answer",
                start=0,
                end=len(s.text),
                text=s.text,
                question_id="q",
            )
            for s in sources
        ],
    )
    for source, row in zip(sources, rows, strict=True):
        segment_id = f"{source.source_id}:a0-{len(source.text)}"
        if not row.codes:
            record_decision(
                workspace,
                segment_id=segment_id,
                action="reject",
                code_id="barrier.ressourcer",
                analyst="bench",
            )
        for code in row.codes:
            record_decision(workspace, segment_id=segment_id, action="add", code_id=code, analyst="bench")
            if code in row.stance:
                record_decision(
                    workspace,
                    segment_id=segment_id,
                    action="stance",
                    code_id=code,
                    analyst="bench",
                    outcome=row.stance[code],
                )
    return folder


def time_retrain(root: Path, n: int = 300) -> dict:
    """``hoi retrain --no-rescore`` on a workspace with ``n`` reviewed passages, in a fresh process."""
    folder = reviewed_workspace(root, n)
    # a study's segments are coded (their embeddings cached) before anyone reviews them
    subprocess.run([_hoi(), "code", str(folder)], capture_output=True, text=True, check=False)
    return _timed_retrain(folder, f"hoi retrain ({n} reviewed passages, no re-scoring)")


def _timed_retrain(folder: Path, what: str) -> dict:
    """``hoi retrain --no-rescore`` on ``folder`` in a fresh process, timed."""
    started = time.perf_counter()
    out = subprocess.run(
        [_hoi(), "retrain", str(folder), "--no-rescore"], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    return {
        "what": what,
        "seconds": round(seconds, 1),
        "ok": out.returncode == 0,
        "tail": (out.stdout + out.stderr).strip().splitlines()[-1:],
    }


def time_retrain_new_code(root: Path, n: int = 300, uses: int = 12) -> dict:
    """``hoi retrain --no-rescore`` as :func:`time_retrain`, after an analyst created a code in the review
    app (from a quote) and added it to ``uses`` passages: the coder does not know the code."""
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.review.codebook_edit import create_code
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import Workspace, load_segments

    folder = reviewed_workspace(root, n, name="ws_reviewed_new_code")
    subprocess.run([_hoi(), "code", str(folder)], capture_output=True, text=True, check=False)
    workspace = Workspace.open(folder, create=False)
    segments = load_segments(workspace)
    create_code(workspace, load_codebook(), analyst="bench", family_id="barrier", label="Mangel på tid",
                example=segments[0].text)
    for segment in segments[1 : 1 + uses]:
        record_decision(workspace, segment_id=segment.segment_id, action="add",
                        code_id="barrier.mangel_paa_tid", analyst="bench")
    return _timed_retrain(folder, f"hoi retrain ({n} reviewed passages, a new code on {uses + 1}, "
                                  "no re-scoring)")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ks", type=int, nargs="+", default=[0, 25, 50, 100, 200])
    parser.add_argument(
        "--repeats", type=int, default=2, help="random splits in halves (each scored both ways)"
    )
    parser.add_argument(
        "--sides", type=int, nargs="+", choices=[0, 1], default=[0, 1],
        help="which half of each split to learn from (default both; 0 alone halves the time)",
    )
    parser.add_argument("--set", dest="name", choices=["hard", "dense"], default="hard",
                        help="the evaluation set that stands for the study (corpora/eval/NAME.jsonl)")
    parser.add_argument("--root", type=Path, default=Path("outputs/bench/learning_curve"))
    parser.add_argument(
        "--timings", action="store_true", help="also time hoi train --study-data and hoi retrain"
    )
    parser.add_argument("--no-curve", action="store_true", help="only the timings")
    args = parser.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    if not args.no_curve:
        results = learning_curve(args.ks, args.repeats, args.root, sides=tuple(args.sides), name=args.name)
        (args.root / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        print(curve_table(results))
    if args.timings or args.no_curve:
        timings = [time_train_study_data(args.root), time_retrain(args.root),
                   time_retrain_new_code(args.root)]
        print("\n| what | seconds | ok |\n|---|---:|---|")
        for t in timings:
            print(f"| {t['what']} | {t['seconds']} | {'yes' if t['ok'] else 'no: ' + ' '.join(t['tail'])} |")


if __name__ == "__main__":
    main()

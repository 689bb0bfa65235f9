"""``python -m benchmarks [--sizes 1000 10000] [--stages ...]``: per-stage throughput and peak memory.

``python -m benchmarks --learning-curve [...]`` runs the coder's learning curve on the hard set
instead (benchmarks/bench_learning_curve.py; its options follow).

Generates a study of each size from the demo corpus (benchmarks/generate.py), runs every stage
in its own process with cold caches, and prints a Markdown table. ``end_to_end`` is ingest
through export; the embedding model's raw throughput on the same texts is shown beside it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.generate import generate_study

DEFAULT_STAGES = ["ingest", "segment", "nlp", "embed_raw", "rules", "combined", "combined_rerun", "export",
                  "hoi_run"]
END_TO_END = ("ingest", "segment", "combined", "export")


def run_stage(stage: str, study: Path, workspace: Path) -> dict:
    """Run one stage in a fresh process and return its JSON result."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.stage", "--stage", stage, "--study", str(study),
                          "--workspace", str(workspace)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"stage": stage, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_flow_timed(study: Path, workspace: Path, *, label: str, size: int) -> dict:
    """Time a whole ``hoi run`` (the Prefect flow, exports included) in a fresh process."""
    import time

    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK_WRAPPER, "run", str(study), "--workspace", str(workspace)],
                         capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        return {"stage": label, "size": size, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    peak_kb = int(out.stderr.rsplit("PEAK_KB ", 1)[1].split()[0])
    return {"stage": label, "size": size, "items": size, "seconds": round(seconds, 1),
            "per_second": round(size / seconds, 1), "peak_mb": round(peak_kb / 1024)}


# Runs the CLI and reports the process's own peak RSS on stderr (also when typer exits).
_PEAK_WRAPPER = """
import resource, sys
try:
    from hoi_nlp.cli import app
    sys.argv = ["hoi", *sys.argv[1:]]
    app()
finally:
    print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def bench_size(size: int, stages: list[str], root: Path) -> list[dict]:
    """All stages on a study of ``size`` answers."""
    study = generate_study(size, root / f"study_{size}")
    workspace = root / f"ws_{size}"
    shutil.rmtree(workspace, ignore_errors=True)
    results = [run_stage(stage, study, workspace) | {"size": size} for stage in stages if stage != "hoi_run"]
    done = {r["stage"]: r for r in results if "seconds" in r}
    if all(stage in done for stage in END_TO_END):
        seconds = sum(done[s]["seconds"] for s in END_TO_END)
        items = done["combined"]["items"]
        results.append({"stage": "end_to_end", "size": size, "items": items, "seconds": round(seconds, 1),
                        "per_second": round(items / seconds, 1),
                        "peak_mb": max(done[s]["peak_mb"] for s in END_TO_END)})
    if "hoi_run" in stages:
        flow_ws = root / f"ws_{size}_flow"
        shutil.rmtree(flow_ws, ignore_errors=True)
        results = [r for r in results if r["stage"] != "hoi_run"]
        results.append(run_flow_timed(study, flow_ws, label="hoi run (cold)", size=size))
        results.append(run_flow_timed(study, flow_ws, label="hoi run (re-run, nothing changed)", size=size))
    return results


def table(results: list[dict]) -> str:
    """Markdown table of the results."""
    lines = ["| size | stage | items | seconds | items/s | peak MiB |", "|---:|---|---:|---:|---:|---:|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['size']} | {r['stage']} | error: {r['error'][:60]} | | | |")
        else:
            lines.append(f"| {r['size']} | {r['stage']} | {r['items']} | {r['seconds']} | {r['per_second']} "
                         f"| {r['peak_mb']} |")
    return "\n".join(lines)


def main() -> None:
    if "--learning-curve" in sys.argv[1:]:
        from benchmarks.bench_learning_curve import main as learning_curve

        learning_curve([a for a in sys.argv[1:] if a != "--learning-curve"])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--stages", nargs="+", default=DEFAULT_STAGES)
    parser.add_argument("--root", type=Path, default=Path("outputs/bench"))
    args = parser.parse_args()
    results = [r for size in args.sizes for r in bench_size(size, args.stages, args.root)]
    print(table(results))


if __name__ == "__main__":
    main()

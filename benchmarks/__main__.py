"""``python -m benchmarks``: start-up, the cost around the model, a study end to end, Dask scaling.

Suites (``--suites``, default all but ``stages``):

- ``startup``: ``hoi --help`` and ``hoi code`` on one text (wall, CPU, peak RSS; the embedding
  cache cold every time), and what each part costs to load on its own (``--repeat`` runs each).
- ``vs-raw``: ``hoi code`` on ``--texts`` demo sentences against the embedding model alone on the
  same texts, alternating, caches cold (``--repeat`` pairs).
- ``study``: for each of ``--sizes``, a generated study (benchmarks/generate.py) through the whole
  ``hoi run`` (Prefect flow: ingest, segment, code, pseudonymised export) in a fresh workspace,
  then the embedding model alone on that study's codable segments; then ``hoi run`` again with
  nothing changed.
- ``dask``: coding a ``--dask-size`` study in tasks of ``--dask-batch`` segments on a local Dask
  cluster of 1 and 2 worker processes (benchmarks/dask_scaling.py).
- ``stages``: each stage in its own process at each of ``--sizes`` (the older per-stage table).
- ``journeys``: a coded study as analysts and report authors use it — review-app page loads (CPU per
  request), the app's per-request checks, ``hoi export`` and ``hoi cite`` (benchmarks/journeys.py) — on
  ``--workspace`` (a coded study's workspace), else on the ``study`` suite's workspace of each of
  ``--sizes`` (``hoi run`` on the generated study first when there is none).

Every figure comes from a fresh process; wall times on a machine shared with other jobs include
waiting for a core, CPU times do not. Prints Markdown.

``python -m benchmarks --learning-curve [...]`` runs the coder's learning curve on the hard set
instead (benchmarks/bench_learning_curve.py; its options follow ``--learning-curve``).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.generate import generate_study

SUITES = ("startup", "vs-raw", "study", "dask", "stages", "journeys")
DEFAULT_SUITES = ("startup", "vs-raw", "study", "dask")
DEFAULT_STAGES = ["ingest", "segment", "nlp", "embed_raw", "rules", "combined", "combined_rerun", "export"]
END_TO_END = ("ingest", "segment", "combined", "export")


def run_stage(stage: str, study: Path, workspace: Path) -> dict:
    """Run one stage in a fresh process and return its JSON result."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.stage", "--stage", stage, "--study", str(study),
                          "--workspace", str(workspace)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"stage": stage, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_stages(size: int, stages: list[str], root: Path) -> list[dict]:
    """All stages on a study of ``size`` answers."""
    study = generate_study(size, root / f"study_{size}")
    workspace = root / f"ws_{size}"
    shutil.rmtree(workspace, ignore_errors=True)
    results = [run_stage(stage, study, workspace) | {"size": size} for stage in stages]
    done = {r["stage"]: r for r in results if "seconds" in r}
    if all(stage in done for stage in END_TO_END):
        seconds = sum(done[s]["seconds"] for s in END_TO_END)
        items = done["combined"]["items"]
        results.append({"stage": "end_to_end", "size": size, "items": items, "seconds": round(seconds, 1),
                        "per_second": round(items / seconds, 1),
                        "peak_mb": max(done[s]["peak_mb"] for s in END_TO_END)})
    return results


def stages_table(results: list[dict]) -> str:
    lines = ["### Stages, each in its own process", "",
             "| size | stage | items | seconds | items/s | peak MiB |", "|---:|---|---:|---:|---:|---:|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['size']} | {r['stage']} | error: {r['error'][:60]} | | | |")
        else:
            lines.append(f"| {r['size']} | {r['stage']} | {r['items']} | {r['seconds']} | {r['per_second']} "
                         f"| {r['peak_mb']} |")
    return "\n".join(lines)


def bench_study(size: int, root: Path) -> list[dict]:
    """``hoi run`` cold on a generated study, the raw model on its texts, and a re-run."""
    from benchmarks.startup import HOI, REPO, _check, measure, write_jsonl
    from hoi_nlp.store import Workspace, load_segments

    study = generate_study(size, root / f"study_{size}")
    workspace = root / f"ws_{size}_flow"
    shutil.rmtree(workspace, ignore_errors=True)
    cold = _check(measure([*HOI, "run", str(study), "--workspace", str(workspace)]), "hoi run")
    texts = [seg.text for seg in load_segments(Workspace.open(workspace, create=False), codable=True)]
    texts_file = write_jsonl(root / f"study_{size}_texts.jsonl", texts)
    raw_run = _check(measure([sys.executable, "-m", "benchmarks.raw_embed", "--input", str(texts_file)],
                             cwd=REPO), "raw model")
    raw = json.loads(raw_run["stdout"].strip().splitlines()[-1])
    rerun = _check(measure([*HOI, "run", str(study), "--workspace", str(workspace)]), "hoi run (re-run)")
    return [{"size": size, "segments": len(texts), "hoi_wall": cold["wall"], "hoi_cpu": cold["cpu"],
             "hoi_peak_mb": cold["peak_mb"], "raw_embed": raw["embed_seconds"], "raw_cpu": raw_run["cpu"],
             "raw_per_s": raw["per_second"],
             "ratio": round(raw["embed_seconds"] / cold["wall"], 3), "rerun_wall": rerun["wall"],
             "rerun_cpu": rerun["cpu"]}]


def coded_workspace(size: int, root: Path) -> Path:
    """The ``study`` suite's workspace of ``size`` answers, coded by ``hoi run`` when it is not there."""
    from benchmarks.startup import HOI, _check, measure
    from hoi_nlp.store import Workspace

    workspace = root / f"ws_{size}_flow"
    if not Workspace.is_workspace_dir(workspace):
        study = generate_study(size, root / f"study_{size}")
        _check(measure([*HOI, "run", str(study), "--workspace", str(workspace)]), "hoi run")
    return workspace


def study_table(rows: list[dict]) -> str:
    lines = ["### A generated study end to end (`hoi run`, caches cold) vs the embedding model alone on its "
             "segments", "",
             "| answers | codable segments | `hoi run` wall s | `hoi run` CPU s | peak MiB (largest process) "
             "| model alone: embed s / process CPU s | ratio (model embed ÷ `hoi run` wall) "
             "| re-run, nothing changed: wall s / CPU s |",
             "|---:|---:|---:|---:|---:|---|---:|---|"]
    lines += [f"| {r['size']} | {r['segments']} | {r['hoi_wall']} | {r['hoi_cpu']} | {r['hoi_peak_mb']} | "
              f"{r['raw_embed']} / {r['raw_cpu']} | **{r['ratio']:.2f}** | "
              f"{r['rerun_wall']} / {r['rerun_cpu']} |" for r in rows]
    return "\n".join(lines)


def machine() -> str:
    """One line about where this ran (load average: other jobs on the machine)."""
    import os

    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return (f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {load}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--learning-curve" in argv:
        from benchmarks.bench_learning_curve import main as learning_curve

        learning_curve([a for a in argv if a != "--learning-curve"])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--suites", nargs="+", choices=SUITES, default=list(DEFAULT_SUITES))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000],
                        help="study sizes (answers) for the study and stages suites")
    parser.add_argument("--texts", type=int, default=1128, help="texts for the vs-raw suite")
    parser.add_argument("--dask-size", type=int, default=400, help="study size for the dask suite")
    parser.add_argument("--dask-batch", type=int, default=50, help="segments per coding task (dask suite)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per start-up / vs-raw measurement")
    parser.add_argument("--stages", nargs="+", default=DEFAULT_STAGES, help="stages for the stages suite")
    parser.add_argument("--root", type=Path, default=Path("outputs/bench"))
    parser.add_argument("--workspace", type=Path, help="a coded study's workspace for the journeys suite")
    args = parser.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    root = args.root.resolve()
    print(f"Machine: {machine()}\n", flush=True)
    if "startup" in args.suites:
        from benchmarks.startup import format_runs, parts, startup

        print(format_runs(startup(root, repeat=args.repeat), "Start-up: `hoi code` on one text"), "\n",
              flush=True)
        print(format_runs(parts(repeat=args.repeat),
                          "What each part costs to load (each in a fresh process)"), "\n", flush=True)
    if "vs-raw" in args.suites:
        from benchmarks.startup import format_vs_raw, vs_raw

        print(format_vs_raw(vs_raw(root, args.texts, repeat=args.repeat)), "\n", flush=True)
    if "study" in args.suites:
        print(study_table([row for size in args.sizes for row in bench_study(size, root)]), "\n", flush=True)
    if "dask" in args.suites:
        from benchmarks.dask_scaling import format_rows, run

        print(format_rows(run(args.dask_size, root, batch_size=args.dask_batch)), "\n", flush=True)
    if "stages" in args.suites:
        results = [r for size in args.sizes for r in bench_stages(size, args.stages, root)]
        print(stages_table(results), flush=True)
    if "journeys" in args.suites:
        from benchmarks.journeys import format_rows
        from benchmarks.journeys import run as journeys

        for workspace in [args.workspace.resolve()] if args.workspace else \
                [coded_workspace(size, root) for size in args.sizes]:
            print(format_rows(journeys(workspace, root, repeat=args.repeat), workspace), "\n", flush=True)
    print(f"Finished; machine: {machine()}")


if __name__ == "__main__":
    main()

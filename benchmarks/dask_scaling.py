"""Coding on a local Dask cluster of worker *processes*, 1 and 2 workers: does it scale, and are the
models loaded once per worker?

A study of ``size`` answers is generated, ingested and segmented once. For each cluster size a
``distributed.LocalCluster`` (processes, one thread per worker: Dask sets OMP_NUM_THREADS=1 in
its workers, so one worker is one core) starts; the flow's worker plugin
(:class:`flows.dask_workers.HoiModelsPlugin`) is registered and the load timed; then two runs code
all batches of a fresh copy of the segmented workspace each (run 2 = the next flow run on the
same cluster: the models are already there). Batches of ``batch_size`` segments (smaller than the
flow's default 500, so that a small study still gives every worker several) go through the same
stage function as the flow's coding task (Prefect itself is left out: its worker processes would
need a Prefect server). The workers' CPU time per segment is the cost a machine pays per segment:
N machines code about N × (their cores ÷ that cost) segments per second while the coordinator
(planning, one database write per batch) keeps up.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from hoi_nlp.stages import study as stages
from hoi_nlp.store import load_segments


def code_batch(workspace_dir: str, segment_ids: list[str], coder: str | None) -> int:
    """One coding task, as the flow's ``code_batch_task`` runs it (on a worker)."""
    inputs = stages.run_inputs(workspace_dir)
    return stages.code_batch_ids(inputs, segment_ids, coder_name=coder)


def _models_on_worker() -> int:
    return stages.loaded_coders()


def _cpu_seconds() -> float:
    """CPU time of this (worker) process so far, all threads."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def prepare(study_dir: Path, workspace_dir: Path) -> Path:
    """Ingest and segment the study once (the copy each run codes)."""
    shutil.rmtree(workspace_dir, ignore_errors=True)
    inputs = stages.run_inputs(workspace_dir)
    stages.ingest_stage(study_dir, inputs.workspace)
    stages.segment_stage(inputs.workspace, inputs.settings)
    return workspace_dir


def run(size: int, root: Path, *, workers: tuple[int, ...] = (1, 2), coder: str | None = None,
        batch_size: int = 50) -> list[dict]:
    """Rows of: workers, model load, two coding runs, throughput, loads per worker."""
    from distributed import Client, LocalCluster

    from benchmarks.generate import generate_study
    from flows.dask_workers import PLUGIN_NAME, HoiModelsPlugin

    study = generate_study(size, root / f"study_{size}")
    base = prepare(study, root / f"dask_base_{size}")
    inputs = stages.run_inputs(base)
    ids = [seg.segment_id for seg in load_segments(inputs.workspace, codable=True)]
    segments = len(ids)
    plan = [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)]
    rows = []
    for n in workers:
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            started = time.perf_counter()
            client.register_plugin(HoiModelsPlugin(None, coder, None), name=PLUGIN_NAME)
            client.run(_wait_for_plugin)
            load = time.perf_counter() - started
            runs = []
            for attempt in (1, 2):
                workspace = root / f"dask_ws_{size}_{n}_{attempt}"
                shutil.rmtree(workspace, ignore_errors=True)
                shutil.copytree(base, workspace)
                if attempt == 2:  # the next flow run registers the plugin again
                    client.register_plugin(HoiModelsPlugin(None, coder, None), name=PLUGIN_NAME)
                cpu_before = client.run(_cpu_seconds)
                started = time.perf_counter()
                futures = [client.submit(code_batch, str(workspace), batch_ids, coder, pure=False)
                           for batch_ids in plan]
                client.gather(futures)
                runs.append(time.perf_counter() - started)
                cpu_after = client.run(_cpu_seconds)
            cpu = sum(cpu_after[w] - cpu_before[w] for w in cpu_after)
            loads = client.run(_models_on_worker)
        rows.append({"workers": n, "segments": segments, "batches": len(plan), "load": round(load, 1),
                     "run1": round(runs[0], 1), "run2": round(runs[1], 1),
                     "per_second": round(segments / runs[1], 1), "loads_per_worker": sorted(loads.values()),
                     "cpu_per_segment": round(cpu / segments, 4)})
    one = next((r for r in rows if r["workers"] == 1), None)
    for row in rows:
        row["speedup"] = round(one["run2"] / row["run2"], 2) if one else None
    return rows


def _wait_for_plugin(dask_worker=None) -> dict | None:
    """On a worker: wait for the plugin's background load to finish."""
    from flows.dask_workers import PLUGIN_NAME

    plugin = dask_worker.plugins.get(PLUGIN_NAME) if dask_worker is not None else None
    return plugin.wait(600) if plugin is not None else None


def format_rows(rows: list[dict]) -> str:
    lines = ["### Coding on a local Dask cluster (worker processes, 1 core each)", "",
             "| workers | segments | batches | model load s (all workers, parallel) | run 1 s | run 2 s "
             "| segments/s (run 2) | speed-up | workers' CPU s per segment (run 2) "
             "| coders loaded per worker |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    lines += [f"| {r['workers']} | {r['segments']} | {r['batches']} | {r['load']} | {r['run1']} | "
              f"{r['run2']} | {r['per_second']} | {r['speedup']} | {r['cpu_per_segment']} | "
              f"{r['loads_per_worker']} |" for r in rows]
    return "\n".join(lines)

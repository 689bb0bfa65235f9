"""A coded study as its analysts and report authors use it: review-app page loads, ``hoi export``,
``hoi cite`` (the ``journeys`` suite of ``python -m benchmarks``).

Review-app requests run in one fresh process (``python -m benchmarks.journeys --requests WORKSPACE``)
through the app's own ASGI stack (Starlette's test client, logins off, the pseudonymised view of a
reviewer without original-text rights, as ``hoi review`` serves it), after the app's background start-up
work is done; each path is asked ``repeat`` times and the median CPU time of the process per request is
reported beside the wall time (CPU time is what the request needed; wall time on a shared machine
includes waiting for a core); then (``--decide``, which writes decisions: ``run`` gives it a copy of the
workspace) an analyst clicking through the queue: accept a suggestion, open Next, look at the queue and
at the accepted quotes, ``repeat`` times. The first queue page after start is timed on its own. The
middleware's three per-request checks (codebook, coder, units) are timed on their own. ``hoi export`` and
``hoi cite`` each run as a user runs them, in a fresh process, on a copy of the workspace (an export
writes into it).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

PATHS = ("/login", "/queue", "/browse", "/segment", "/codebook")
CITE_CODE = "barrier.it_integration"


def requests(workspace: Path, *, repeat: int = 5, decide: bool = False) -> list[dict]:
    """Median CPU and wall milliseconds per request of each of :data:`PATHS` ("/segment": the queue's
    first unit), then per call of each per-request check."""
    import threading

    from fastapi.testclient import TestClient

    from hoi_nlp.review.accounts import ensure_local_user
    from hoi_nlp.review.app import create_app, routes
    from hoi_nlp.review.app.state import refresh_codebook, refresh_corpus
    from hoi_nlp.review.tables import ensure_review_schema
    from hoi_nlp.stages.review import review_app_config
    from hoi_nlp.stages.study import run_inputs

    inputs = run_inputs(workspace, create=False)
    config = review_app_config(inputs, login=False, local_user="bench-reader", active_learning=False)
    ensure_review_schema(inputs.workspace)
    ensure_local_user(inputs.workspace, "bench-reader")  # no original-text rights: the pseudonymised view
    client = TestClient(create_app(config), base_url="http://127.0.0.1")
    for thread in threading.enumerate():
        if thread.name.startswith("hoi-"):
            thread.join()
    started, used = time.perf_counter(), time.process_time()
    queue = client.get("/queue")
    rows = [{"what": "GET /queue, the first after start (builds what the app keeps)",
             "status": queue.status_code,
             "cpu_ms": round(1000 * (time.process_time() - used), 1),
             "wall_ms": round(1000 * (time.perf_counter() - started), 1)}]
    first = re.search(r'href="(/segment/[^"?]+)', queue.text)
    for path in PATHS:
        url = first.group(1) if path == "/segment" and first else path
        cpu, wall = [], []
        for _ in range(repeat):
            started, used = time.perf_counter(), time.process_time()
            status = client.get(url, follow_redirects=False).status_code
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        rows.append({"what": f"GET {path}", "status": status,
                     "cpu_ms": round(1000 * statistics.median(cpu), 1),
                     "wall_ms": round(1000 * statistics.median(wall), 1)})
    rows += _click_through(client, first.group(1), repeat) if first and decide else []
    for name, check in (("codebook", refresh_codebook), ("coder", routes.refresh_coder),
                        ("units", refresh_corpus)):
        n = 50 * repeat
        started, used = time.perf_counter(), time.process_time()
        for _ in range(n):
            check(config)
        rows.append({"what": f"per-request check: {name}", "status": "",
                     "cpu_ms": round(1000 * (time.process_time() - used) / n, 2),
                     "wall_ms": round(1000 * (time.perf_counter() - started) / n, 2)})
    rows.insert(0, {"what": "coding units", "status": "", "cpu_ms": len(config.corpus.units), "wall_ms": ""})
    return rows


def _click_through(client, url: str, repeat: int) -> list[dict]:
    """An analyst working through the queue: accept a unit's first suggestion (the page's htmx request,
    which renders the unit again), open Next, look at the queue and at the accepted quotes; median CPU and
    wall ms of each, over ``repeat`` units."""
    steps: dict[str, tuple[list[float], list[float]]] = {"decide": ([], []), "next": ([], []),
                                                         "queue": ([], []), "browse": ([], [])}

    def timed(step: str, call, *args, **kwargs):
        started, used = time.perf_counter(), time.process_time()
        response = call(*args, **kwargs)
        steps[step][0].append(time.process_time() - used)
        steps[step][1].append(time.perf_counter() - started)
        return response

    page = client.get(url)
    for _ in range(repeat):
        csrf = re.search(r'name="csrf_token" value="([^"]+)', page.text)
        code = re.search(r'name="code_id" value="([^"]+)"', page.text)
        if not csrf or not code:
            break
        body = timed("decide", client.post, url + "/decide", headers={"HX-Request": "true"},
                     data={"action": "accept", "code_id": code.group(1), "q": "",
                           "csrf_token": csrf.group(1)})
        following = re.search(r'data-next="(/segment/[^"?]+)', body.text)
        if not following:
            break
        url = following.group(1)
        page = timed("next", client.get, url)
        timed("queue", client.get, "/queue")
        timed("browse", client.get, "/browse?status=accepted")
    names = {"decide": "POST decide (accept, the unit page again)", "next": "GET /segment, the next unit",
             "queue": "GET /queue after a decision", "browse": "GET /browse?status=accepted after a decision"}
    return [{"what": names[step], "status": "", "cpu_ms": round(1000 * statistics.median(cpu), 1),
             "wall_ms": round(1000 * statistics.median(wall), 1)}
            for step, (cpu, wall) in steps.items() if cpu]


def run(workspace: Path, root: Path, *, repeat: int = 5) -> list[dict]:
    """The request timings (a fresh process), then ``hoi export`` and ``hoi cite`` on a copy."""
    from benchmarks.startup import HOI, REPO, _check, measure

    reviewed = root / f"{workspace.name}_review"  # the requests decide: on a copy
    shutil.rmtree(reviewed, ignore_errors=True)
    shutil.copytree(workspace, reviewed)
    out = _check(measure([sys.executable, "-m", "benchmarks.journeys", "--requests", str(reviewed),
                          "--repeat", str(repeat), "--decide"], cwd=REPO), "review app requests")
    shutil.rmtree(reviewed, ignore_errors=True)
    rows = json.loads(out["stdout"].strip().splitlines()[-1])
    copy = root / f"{workspace.name}_journeys"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(workspace, copy)
    exports = root / f"{copy.name}_exports"
    export = _check(measure([*HOI, "export", str(copy), "-o", str(exports)]), "hoi export")
    cite = _check(measure([*HOI, "cite", CITE_CODE, "-w", str(copy), "--n", "5"]), "hoi cite")
    rows += [{"what": "`hoi export` (xlsx, parquet, csv, md)", "status": "",
              "cpu_ms": round(1000 * export["cpu"]), "wall_ms": round(1000 * export["wall"])},
             {"what": f"`hoi cite {CITE_CODE} --n 5`", "status": "",
              "cpu_ms": round(1000 * cite["cpu"]), "wall_ms": round(1000 * cite["wall"])}]
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(exports, ignore_errors=True)
    return rows


def format_rows(rows: list[dict], workspace: Path) -> str:
    units = next((r["cpu_ms"] for r in rows if r["what"] == "coding units"), "?")
    lines = [f"### A coded study's review and report journeys ({workspace.name}: {units} coding units)", "",
             "| what | CPU ms (median) | wall ms (median) |", "|---|---:|---:|"]
    lines += [f"| {r['what']} | {r['cpu_ms']} | {r['wall_ms']} |" for r in rows
              if r["what"] != "coding units"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=Path, help="time the review app's requests on this workspace")
    parser.add_argument("--workspace", type=Path, help="a coded study's workspace: all the journeys")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--decide", action="store_true",
                        help="with --requests: also accept suggestions through the queue (writes decisions)")
    parser.add_argument("--root", type=Path, default=Path("outputs/bench"))
    args = parser.parse_args(argv)
    if args.requests:
        print(json.dumps(requests(args.requests.resolve(), repeat=args.repeat, decide=args.decide)))
        return
    if not args.workspace:
        parser.error("give --workspace (a coded study's workspace)")
    args.root.mkdir(parents=True, exist_ok=True)
    workspace = args.workspace.resolve()
    print(format_rows(run(workspace, args.root.resolve(), repeat=args.repeat), workspace), flush=True)


if __name__ == "__main__":
    main()

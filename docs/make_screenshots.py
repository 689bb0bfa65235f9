"""Take the screenshots for the README (docs/screenshots/*.png): the review app and the report.

Walks the README as a user would: ``hoi run corpora/demo --workspace WS`` (skipped when WS already
holds a run), ``hoi export WS --format html`` for the report, two analysts' accounts, a few
decisions and a finished blind round (recorded through the library: the analysts' work), then
``hoi review WS`` on a free localhost port, photographed in Debian chromium (launched by the
helper the browser tests use, tests/browser.py; ``make browser`` installs chromium).
Run: ``.venv/bin/python docs/make_screenshots.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.browser: the one chromium launch helper

PASSWORD = "demo-password-1"
HOI = [str(Path(sys.executable).parent / "hoi")]


def build_workspace(root: Path) -> object:
    """The demo study run and exported as the README shows (``hoi run``, ``hoi export --format html``)."""
    from hoi_nlp.store import Workspace

    if not (root / "hoi.db").exists():
        subprocess.run([*HOI, "run", str(REPO / "corpora" / "demo"), "--workspace", str(root)], check=True)
    if not (root / "exports" / "rapport.html").exists():
        subprocess.run([*HOI, "export", str(root), "--format", "html"], check=True)
    return Workspace.open(root, create=False)


def seed_review(workspace: object) -> None:
    """Accounts, some decisions and a finished blind round with disagreements."""
    from hoi_nlp.review.accounts import add_user, get_user
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.review.rounds import assign_round, finish_round, list_rounds

    if get_user(workspace, "anna") is None:
        add_user(workspace, "anna", PASSWORD, role="admin")
        add_user(workspace, "bo", PASSWORD)
    if list_rounds(workspace):
        return
    state = current_state(workspace)
    by_segment: dict[str, list[str]] = {}
    for (seg, code), _state in sorted(state.codes.items(), key=lambda kv: -(kv[1].confidence or 0)):
        by_segment.setdefault(seg, []).append(code)
    segments = list(by_segment)[:40]
    for i, seg in enumerate(segments[:14]):
        for j, code in enumerate(by_segment[seg]):
            action = "reject" if (i + j) % 4 == 3 else "accept"
            record_decision(
                workspace, segment_id=seg, action=action, code_id=code, analyst="anna" if i % 2 else "bo"
            )
    round_segments = segments[14:26]
    assign_round(workspace, "R1", ["anna", "bo"], segment_ids=round_segments)
    for i, seg in enumerate(round_segments):
        for code in by_segment[seg]:
            record_decision(
                workspace, segment_id=seg, action="accept", code_id=code, analyst="anna", round="R1"
            )
            bo_action = "reject" if i % 3 == 0 else "accept"
            record_decision(
                workspace, segment_id=seg, action=bo_action, code_id=code, analyst="bo", round="R1"
            )
    finish_round(workspace, "R1", "anna")
    finish_round(workspace, "R1", "bo")


def serve(workspace_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """``hoi review WS --port PORT`` in a subprocess; returns once it answers."""
    server = subprocess.Popen([*HOI, "review", str(workspace_dir), "--port", str(port)],
                              env=os.environ | {"PYTHONUNBUFFERED": "1"})
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("hoi review did not start")


def shoot(port: int, out: Path, report: Path) -> list[Path]:
    """Log in and photograph the main views, then the HTML report."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    url = f"http://127.0.0.1:{port}"
    shots = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page.set_default_timeout(60_000)
        page.goto(url + "/login")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue")
        views = [("queue", "/queue"), ("browse", "/browse?band=mid")]
        turn_label = re.compile(r"\b(tur|turn) \d+")  # the app speaks Danish by default
        first = page.locator("tr.unit-row").filter(has_not_text=turn_label).first.get_attribute("data-href")
        turn = page.locator("tr.unit-row", has_text=turn_label).first.get_attribute("data-href")
        views += [
            ("segment", first or "/queue"),
            ("segment_interview", turn or "/queue"),
            ("codebook", "/codebook"),
            ("agreement", "/agreement"),
            ("round", "/rounds/R1"),
        ]
        for name, path in views:
            page.goto(url + path)
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=False)
            shots.append(target)
        page.goto(report.resolve().as_uri())
        target = out / "report.png"
        page.screenshot(path=str(target), full_page=False)
        shots.append(target)
        browser.close()
    return shots


def main() -> None:
    """Build (or reuse) the demo workspace and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=REPO / "outputs" / "screenshots_demo")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()

    workspace = build_workspace(args.workspace)
    seed_review(workspace)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = serve(args.workspace, port)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for path in shoot(port, args.out, args.workspace / "exports" / "rapport.html"):
            print(path)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

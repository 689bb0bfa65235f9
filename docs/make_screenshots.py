"""Take the review app's screenshots for the docs (docs/screenshots/*.png).

Builds a demo workspace from ``corpora/demo`` (coded with the combined coder when its model
loads, else the rule coder), records a few analysts' decisions and a finished blind round,
serves the app on a free localhost port and photographs the main views with Playwright and
Debian chromium (``make browser``). Run: ``.venv/bin/python docs/make_screenshots.py``.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo-password-1"


def build_workspace(root: Path, coder_name: str) -> object:
    """Ingest, segment and code the demo study into ``root``."""
    from hoi_nlp.coding.factory import make_coder

    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.errors import HoiError
    from hoi_nlp.settings import load_settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    settings = load_settings()
    codebook = load_codebook()
    workspace = Workspace.open(root, study="demo")
    ingest_stage(REPO / "corpora" / "demo", workspace)
    segment_stage(workspace, settings)
    try:
        coder = make_coder(coder_name, codebook, settings)
    except HoiError:
        coder = make_coder("rules", codebook, settings)
    code_stage(workspace, codebook, settings, coder=coder)
    return workspace


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


def serve(workspace: object, port: int) -> None:
    """Run the app in a daemon thread."""
    import uvicorn

    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.review.app import AppConfig, create_app

    config = AppConfig(workspace=workspace, codebook=load_codebook(), active_learning=False)  # type: ignore[arg-type]
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)


def shoot(port: int, out: Path) -> list[Path]:
    """Log in and photograph the main views."""
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}"
    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page.goto(url + "/login")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue")
        views = [("queue", "/queue"), ("browse", "/browse?band=mid")]
        first = page.locator("tr.unit-row").first.get_attribute("data-href")
        turn = page.locator("tr.unit-row", has_text="turn").first.get_attribute("data-href")
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
        browser.close()
    return shots


def main() -> None:
    """Build (or reuse) the demo workspace and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=REPO / "outputs" / "screenshots_demo")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--coder", default="combined")
    args = parser.parse_args()
    from hoi_nlp.review.masking import PrivacyView
    from hoi_nlp.store import Workspace

    if (args.workspace / "hoi.db").exists():
        workspace = Workspace.open(args.workspace, study="demo", create=False)
    else:
        workspace = build_workspace(args.workspace, args.coder)
    seed_review(workspace)
    PrivacyView(workspace).prepare_all()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve(workspace, port)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in shoot(port, args.out):
        print(path)


if __name__ == "__main__":
    main()

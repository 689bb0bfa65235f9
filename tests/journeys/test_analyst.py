"""The analyst's journey on the workspace `hoi run` left (no preparation step): `hoi users add` →
`hoi review` → log in → queue → decide every suggestion of a unit with the keyboard alone → `j`
to the next unit → a memo, and shortcuts again right after it is saved → the last unit of the
queue leads on → restart the server → everything decided is still there, in the page and the DB.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import MISSING, have_chromium, running_chromium
from tests.journeys.conftest import FIRST_QUEUE_S, PAGE_S, hoi, hoi_command, user_env

pytestmark = [pytest.mark.journey, pytest.mark.browser,
              pytest.mark.skipif(not have_chromium(), reason=MISSING)]

PASSWORD = "en-lang-nok-adgangskode"
MEMO = "Godt eksempel på økonomi i søjler"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ReviewServer:
    """`hoi review STUDY --port P`, run from the folder `hoi run` was run from."""

    def __init__(self, study: str, cwd: Path, home: Path) -> None:
        self.study, self.cwd, self.home = study, cwd, home
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.log = cwd / "review.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("a") as log:
            self.proc = subprocess.Popen([*hoi_command(), "review", self.study, "--port", str(self.port)],
                                         cwd=self.cwd, env=user_env(self.home), stdout=log,
                                         stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"hoi review stopped:\n{self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"hoi review did not answer within 90 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None


def timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def log_in(page, url: str) -> float:
    """Log in with the keyboard; returns the seconds from Enter to the loaded queue."""
    page.goto(url + "/")
    assert "/login" in page.url
    # the username field takes the focus by itself (autofocus); on a busy machine that can come a
    # moment after the page has loaded, and keys typed before it would be lost
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type("anna")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    return timed(lambda: (page.keyboard.press("Enter"),
                          page.wait_for_url(lambda url: urlsplit(url).path == "/queue"),  # not /login?next=…
                          page.wait_for_selector("tr.unit-row")))


def pending(page) -> int:
    return page.locator("#codes .code-row.suggested").count()


def history(page) -> int:
    return page.locator(".history li:not(.muted)").count()


def position(page) -> tuple[int, int]:
    found = re.match(r"\s*(\d+) / (\d+)", page.inner_text(".seg-nav .pos"))
    assert found, page.inner_text(".seg-nav")
    return int(found.group(1)), int(found.group(2))


def press_and_wait(page, key: str, predicate, what: str) -> None:
    """Press ``key``; wait (a page's time at most) until ``predicate(page)`` holds."""
    page.keyboard.press(key)
    deadline = time.monotonic() + PAGE_S
    while time.monotonic() < deadline:
        if predicate(page):
            return
        time.sleep(0.05)
    raise AssertionError(f"after '{key}': {what} did not happen within {PAGE_S} s")


def decide_all(page, keys: str = "ar") -> list[str]:
    """Decide every pending suggestion of the open unit with a/r only; returns the keys pressed."""
    pressed = []
    for i in range(pending(page)):
        before = history(page)
        key = keys[i % len(keys)]
        press_and_wait(page, key, lambda p, n=before: history(p) == n + 1, f"decision {i + 1}")
        pressed.append(key)
    assert pending(page) == 0
    return pressed


def go_next(page) -> str:
    """`j` → the next unit; returns its URL (checks the page came within a page's time)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    here, nav = page.url, page.inner_text(".seg-nav")
    try:
        seconds = timed(lambda: (page.keyboard.press("j"),
                                 page.wait_for_url(lambda u: u != here, timeout=PAGE_S * 1000),
                                 page.wait_for_selector("#segment-body", timeout=PAGE_S * 1000)))
    except PlaywrightTimeout:
        raise AssertionError(f"`j` led nowhere within {PAGE_S} s from {unit_id(here)} ({nav!r})") from None
    assert seconds < PAGE_S, f"the next unit took {seconds:.1f} s"
    return page.url


def unit_id(url: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(url).path.removeprefix("/segment/"))


def statuses(workspace_dir: Path, segment_id: str) -> dict[str, str]:
    from hoi_nlp.privacy.key import key_path, load_key
    from hoi_nlp.privacy.redact import KeyRedactor
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(workspace_dir, create=False)
    try:
        codes = current_state(workspace).codes
        ids = {seg for seg, _ in codes}
        if segment_id not in ids:  # the keyed id in a link of a reviewer without rights
            key = load_key(key_path(workspace), study=workspace.study)
            segment_id = KeyRedactor(key).real_segment_id(segment_id, ids) or segment_id
        return {code: state.status for (seg, code), state in codes.items() if seg == segment_id}
    finally:
        workspace.engine.dispose()


def decisions(workspace_dir: Path) -> list[tuple[str, str, str | None, str | None]]:
    from hoi_nlp.review.decisions import load_decisions
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(workspace_dir, create=False)
    try:
        return [(d.segment_id, d.action, d.code_id, d.memo) for d in load_decisions(workspace)]
    finally:
        workspace.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    with running_chromium() as chromium:
        yield chromium


def test_review_a_fresh_run_with_the_keyboard(researcher, browser):
    assert researcher.run.returncode == 0, researcher.run.output[-3000:]
    study, cwd, home, ws = researcher.study.root.name, researcher.cwd, researcher.home, researcher.workspace
    added = hoi("users", "add", study, "anna", "--password-stdin", cwd=cwd, home=home, stdin=PASSWORD + "\n")
    assert "Added anna" in added.check().stdout

    server = ReviewServer(study, cwd, home)
    server.start()
    try:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        # --- log in; the first queue of a workspace fresh from `hoi run` comes in seconds
        first_queue = log_in(page, server.url)
        assert first_queue < FIRST_QUEUE_S, f"the first /queue took {first_queue:.1f} s"
        rows = page.locator("tr.unit-row").count()
        assert rows >= 10
        # Danish
        assert re.search(r"\d+ kodeenhed(er)? med uafklarede forslag", page.inner_text(".page-head"))
        assert "[KOMMUNE]" in page.inner_text("#units") or "[PERSON" in page.inner_text("#units")
        for name in researcher.study.names:
            assert name not in page.inner_text("main"), name
        assert timed(lambda: page.goto(server.url + "/browse")) < PAGE_S
        page.goto(server.url + "/queue")

        # --- j, Enter: the first unit; decide every suggestion with a / r
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_selector("#segment-body")
        first = page.url
        assert position(page)[0] == 1 and pending(page) >= 1
        pressed = decide_all(page)
        decided_first = statuses(ws, unit_id(first))
        assert sorted(decided_first.values()) == sorted(
            {"a": "accepted", "r": "rejected"}[k] for k in pressed)

        # --- j: on to the next unit (still undecided)
        second = go_next(page)
        assert second != first and pending(page) >= 1

        # --- a memo with m … Ctrl+Enter, then straight on with shortcuts
        before = history(page)
        page.keyboard.press("m")
        page.keyboard.type(MEMO)
        press_and_wait(page, "Control+Enter", lambda p: history(p) == before + 1, "the memo was saved")
        assert page.evaluate("document.activeElement.tagName") not in ("TEXTAREA", "INPUT")
        decide_all(page, keys="ra")
        assert page.input_value("#memo-text") == ""
        third = go_next(page)
        assert third not in (first, second)
        memos = [d[3] for d in decisions(ws) if d[1] == "memo"]
        assert memos == [MEMO]

        # --- the last unit of the queue leads on to what is still undecided
        page.goto(server.url + "/queue")
        total = page.locator("tr.unit-row").count()
        for _ in range(total):
            page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_selector("#segment-body")
        while position(page)[0] < position(page)[1]:
            go_next(page)
        last = page.url
        assert position(page) == (total, total)
        decide_all(page)
        assert position(page) == (total, total)  # the decided unit keeps its place
        after_last = go_next(page)
        assert after_last != last and "/segment/" in after_last and pending(page) >= 1

        # --- restart the server: every decision is still there, on the page and in the DB
        before_restart = decisions(ws)
        decided = {unit_id(url): statuses(ws, unit_id(url)) for url in (first, second, last)}
        context.close()
        server.stop()
        server.start()
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        log_in(page, server.url)
        assert decisions(ws) == before_restart
        for url in (first, second, last):
            assert timed(lambda u=url: page.goto(u)) < PAGE_S  # the same port as before
            segment_id = unit_id(url)
            for code, status in decided[segment_id].items():
                row = page.locator(f'#codes .code-row[data-code="{code}"]')
                assert status in row.get_attribute("class"), (segment_id, code, status)
            assert pending(page) == 0
        page.goto(second)
        assert MEMO in page.inner_text(".memo")
        context.close()
    finally:
        server.stop()


def test_the_demo_opens_in_seconds(demo, browser):
    """The workspace `make demo` leaves (866 coding units): users add → review → log in → queue →
    first unit → a decision, each in seconds, with no preparation step."""
    assert demo.run.returncode == 0, demo.run.output[-3000:]
    hoi("users", "add", "corpora/demo", "anna", "--password-stdin", cwd=demo.cwd, home=demo.home,
        stdin=PASSWORD + "\n").check()
    server = ReviewServer("corpora/demo", demo.cwd, demo.home)
    server.start()
    try:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        first_queue = log_in(page, server.url)
        assert first_queue < FIRST_QUEUE_S, f"the first /queue took {first_queue:.1f} s"
        assert re.search(r"\d{3} kodeenheder med uafklarede forslag", page.inner_text(".page-head"))
        opened = timed(lambda: (page.keyboard.press("j"), page.keyboard.press("Enter"),
                                page.wait_for_selector("#segment-body")))
        assert opened < PAGE_S, f"the first unit took {opened:.1f} s"
        assert "pseudonymiseret" in page.inner_text(".ctx-head")
        before = history(page)
        decided = timed(lambda: press_and_wait(page, "a", lambda p: history(p) == before + 1, "a decision"))
        assert decided < PAGE_S
        assert [d for d in decisions(demo.workspace) if d[1] == "accept"]
        context.close()
    finally:
        server.stop()

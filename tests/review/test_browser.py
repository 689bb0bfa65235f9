"""End to end in a real browser: Debian chromium driven by Playwright, against a real uvicorn server.

Runs when /usr/bin/chromium exists (``make browser`` installs it); skipped otherwise.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import MISSING, have_chromium, running_chromium
from tests.review.conftest import PASSWORD, copy_study, shown_segment_id

IT = "barrier.it_integration"
OEK = "barrier.tvaergaaende_oekonomistyring"
JOB = "area.beskaeftigelse"
R001 = "R001:1.2_kommentar:a0-68"
LEMVIG = "R002:7_afsluttende_kommentar:a0-65"
INT_A = "INT-A:t109-259"
INT_B = "INT-A:t291-447"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not have_chromium(), reason=MISSING),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``hoi review WORKSPACE`` in a subprocess on a free localhost port."""

    def __init__(self, workspace: Path, settings: Path | None = None) -> None:
        self.workspace = workspace
        self.settings = settings
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from hoi_nlp.cli import app; app(prog_name='hoi')",
                "review",
                str(self.workspace),
                "--port",
                str(self.port),
                "--codebook",
                str(Path(__file__).parent.parent / "data" / "codebooks" / "small.yaml"),
                "--confidence-order",
                *(["--settings", str(self.settings)] if self.settings else []),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode() if self.proc.stdout else "server died")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start in 60 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


@pytest.fixture(scope="module")
def browser_study(built_study, tmp_path_factory):
    return copy_study(built_study, tmp_path_factory.mktemp("browser"), {"anna": "analyst", "bo": "analyst"})


def english_settings(folder: Path) -> Path:
    """Run settings that only switch the app to English (the language these assertions use)."""
    path = folder / "english.toml"
    path.write_text('[review]\nlanguage = "en"\n', encoding="utf-8")
    return path


def _serving(root: Path):
    """The review app served on the study at ``root`` in English, stopped after its tests."""
    srv = Server(root, english_settings(root.parent))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def server(browser_study):
    yield from _serving(browser_study.root)


@pytest.fixture(scope="module")
def browser():
    with running_chromium() as chromium:
        yield chromium


def log_in(browser, server, username):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(server.url + "/queue")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/queue")  # not /login?next=/queue
    return context, page


def _status(workspace, segment_id, code_id):
    from hoi_nlp.review.decisions import current_state

    code_state = current_state(workspace).codes.get((segment_id, code_id))
    return code_state.status if code_state else None


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def select_text(page, needle: str, length: int) -> None:
    """Select ``length`` characters from the first occurrence of ``needle`` inside #context."""
    page.evaluate(
        """([needle, length]) => {
        const walker = document.createTreeWalker(document.getElementById('context'), NodeFilter.SHOW_TEXT);
        const nodes = []; let all = '', node;
        while ((node = walker.nextNode())) { nodes.push([node, all.length]); all += node.data; }
        const at = all.indexOf(needle);
        if (at < 0) throw new Error('text not found: ' + needle);
        const locate = (pos, isEnd) => {
          for (const [n, base] of nodes) {
            if (pos < base + n.data.length || (isEnd && pos === base + n.data.length)) return [n, pos - base];
          }
        };
        const range = document.createRange();
        range.setStart(...locate(at, false));
        range.setEnd(...locate(at + length, true));
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        document.dispatchEvent(new Event('selectionchange'));
    }""",
        [needle, length],
    )


def test_enter_on_a_list_with_no_row_chosen_opens_the_first(browser, server):
    """A new analyst lands on the queue and presses Enter, as the README's keys suggest: nothing
    happened until a row had been chosen with `j`. Enter opens the first (most informative) unit."""
    context, page = log_in(browser, server, "bo")
    try:
        first = page.locator("tr.unit-row").first.get_attribute("data-href")
        assert first and page.locator("tr.unit-row.sel").count() == 0
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(server.url + first).path)
    finally:
        context.close()


def test_review_in_the_browser(browser, server, browser_study):
    from playwright.sync_api import expect

    from hoi_nlp.review.decisions import current_state, load_decisions
    from hoi_nlp.store import load_sources

    ws = browser_study
    context, page = log_in(browser, server, "anna")
    assert page.locator("tr.unit-row").count() >= 4
    # --- keyboard: open the segment, accept the selected (first pending) code with "a"
    page.goto(f"{server.url}/segment/{R001}")
    assert page.locator("#codes .code-row.sel").get_attribute("data-code") == IT
    page.keyboard.press("a")
    assert wait_for(lambda: _status(ws, R001, IT) == "accepted")
    history = page.locator(".history li:not(.muted)")
    expect(history).to_have_count(1)
    page.wait_for_selector(f'#codes .code-row.sel[data-code="{OEK}"]')  # selection moved to the next pending
    page.keyboard.press("r")
    assert wait_for(lambda: _status(ws, R001, OEK) == "rejected")
    expect(history).to_have_count(2)
    # --- add a code from the codebook with "c"
    page.keyboard.press("c")
    page.keyboard.type(JOB)
    page.keyboard.press("Enter")
    assert wait_for(lambda: _status(ws, R001, JOB) == "added")
    expect(history).to_have_count(3)
    # --- adjust the span: select text, press "s"; offsets are exact source offsets
    page.locator("#context").click(position={"x": 2, "y": 2})
    select_text(page, "IT-systemer taler", len("IT-systemer taler ikke sammen"))
    page.keyboard.press("s")
    assert wait_for(lambda: current_state(ws).note(R001).span == (6, 35))
    expect(page.locator("#span-label")).to_have_text("6–35")
    expect(history).to_have_count(4)
    # --- memo, flag, undo
    page.keyboard.press("m")
    page.keyboard.type("Godt citat om IT")
    page.keyboard.press("Control+Enter")
    assert wait_for(lambda: [m.text for m in current_state(ws).note(R001).memos] == ["Godt citat om IT"])
    expect(history).to_have_count(5)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("f")
    assert wait_for(lambda: current_state(ws).note(R001).flagged)
    expect(history).to_have_count(6)
    page.keyboard.press("u")
    assert wait_for(lambda: not current_state(ws).note(R001).flagged)
    expect(page.locator(".history li")).to_have_count(7)
    # --- selection across a pseudonymised name maps to the name's source offsets
    page.goto(f"{server.url}/segment/{shown_segment_id(ws, LEMVIG)}?status=all")  # anna's link: keyed
    assert "Lemvig" not in page.inner_text("#context") and "[KOMMUNE]" in page.inner_text("#context")
    select_text(page, "mangler vi", len("mangler vi tid. Kontakt [PERSON 1]"))
    page.keyboard.press("s")
    source = next(s for s in load_sources(ws) if s.source_id == "R002:7_afsluttende_kommentar")
    assert wait_for(lambda: current_state(ws).note(LEMVIG).span is not None)
    start, end = current_state(ws).note(LEMVIG).span
    assert source.text[start:end] == "mangler vi tid. Kontakt Mette Hansen"
    # --- j / k move through the list
    page.goto(f"{server.url}/queue?status=all")
    first = page.locator("tr.unit-row").first.get_attribute("data-href")
    page.goto(server.url + first)
    page.keyboard.press("j")
    page.wait_for_url(lambda url: url != server.url + first)
    page.keyboard.press("k")
    page.wait_for_url(server.url + first)
    # --- two analysts at once, in two browser contexts
    context_b, page_b = log_in(browser, server, "bo")
    turn = "INT-A:t291-447"
    page.goto(f"{server.url}/segment/{shown_segment_id(ws, turn)}?status=all")
    page_b.goto(f"{server.url}/segment/{shown_segment_id(ws, turn)}?status=all")
    page.locator(f'#codes .code-row[data-code="{JOB}"] button[data-act=accept]').click()
    page_b.locator("#memo-text").fill("Bo: se også næste tur")
    page_b.locator("#memo-form button[type=submit]").click()
    assert wait_for(
        lambda: _status(ws, turn, JOB) == "accepted" and len(current_state(ws).note(turn).memos) == 1
    )
    page_b.reload()
    assert "anna" in page_b.inner_text(".history") and "bo" in page_b.inner_text(".history")
    context_b.close()
    context.close()
    before = [d.decision_id for d in load_decisions(ws)]
    assert len(before) == 10
    # --- restart the server: every decision is still there and shown
    server.stop()
    server.start()
    context, page = log_in(browser, server, "anna")
    page.goto(f"{server.url}/segment/{R001}")
    expect(page.locator(".history li")).to_have_count(7)
    assert "accepted" in page.inner_text(f'#codes .code-row[data-code="{IT}"]')
    assert [d.decision_id for d in load_decisions(ws)] == before
    context.close()


@pytest.fixture(scope="module")
def quick_study(built_study, tmp_path_factory):
    """A study of its own for the fast-keys tests: R001 with its two suggestions undecided."""
    return copy_study(built_study, tmp_path_factory.mktemp("quick"), {"bo": "analyst"})


@pytest.fixture(scope="module")
def quick_server(quick_study):
    yield from _serving(quick_study.root)


def _press_at_once(page, *keys: str) -> None:
    """Press ``keys`` in one go, as a fast analyst does, before the server has answered the first."""
    page.evaluate("(keys) => keys.forEach((key) => document.dispatchEvent("
                  "new KeyboardEvent('keydown', {key: key, bubbles: true})))", list(keys))


def test_keys_pressed_before_the_page_confirms_a_decision_apply_in_order(browser, quick_server, quick_study):
    """An analyst presses `a` `r` to accept the first suggestion and reject the second, faster than the server
    confirms the accept (a 17k-unit study's page takes a few hundred ms): the `r` rejected the code just
    accepted — still selected on the page not yet replaced —, and the page showed it accepted (`a` `a` lost
    the second accept). Keys wait for the page that confirms the decision before them."""
    from playwright.sync_api import expect

    from hoi_nlp.review.decisions import load_decisions

    context, page = log_in(browser, quick_server, "bo")
    try:
        page.goto(f"{quick_server.url}/segment/{shown_segment_id(quick_study, R001)}")
        codes = [row.get_attribute("data-code") for row in page.locator("#codes .code-row.suggested").all()]
        assert len(codes) == 2
        page.evaluate("() => { window.stillThisPage = true; }")
        _press_at_once(page, "a", "r")
        expect(page.locator(".history li:not(.muted)")).to_have_count(2)
        assert page.evaluate("() => window.stillThisPage === true")  # swapped in place, not sent as a page
        decided = [(d.action, d.code_id) for d in load_decisions(quick_study, segment_id=R001, analyst="bo")]
        assert decided == [("accept", codes[0]), ("reject", codes[1])]
        for code, shown in zip(codes, ("accepted", "rejected"), strict=False):
            assert shown in page.inner_text(f'#codes .code-row[data-code="{code}"]')
    finally:
        context.close()


def test_a_memo_typed_while_a_decision_is_saved_is_kept(browser, quick_server, quick_study):
    """`a`, then `m` and the memo typed at once: the page that confirmed the accept replaced the memo box, and
    what the analyst had typed was gone. The box keeps its text and focus across the confirmation."""
    from playwright.sync_api import expect

    from hoi_nlp.review.decisions import current_state

    context, page = log_in(browser, quick_server, "bo")
    try:
        page.goto(f"{quick_server.url}/segment/{shown_segment_id(quick_study, INT_A)}")
        before = page.locator(".history li:not(.muted)").count()
        _press_at_once(page, "a", "m")
        page.keyboard.type("Se også tur 12")
        expect(page.locator(".history li:not(.muted)")).to_have_count(before + 1)
        expect(page.locator("#memo-text")).to_have_value("Se også tur 12")
        page.keyboard.press("Control+Enter")
        memos = lambda: [m.text for m in current_state(quick_study).note(INT_A).memos]  # noqa: E731
        assert wait_for(lambda: memos() == ["Se også tur 12"])
    finally:
        context.close()


def test_a_memo_sent_after_the_session_ended_comes_back_after_the_login(browser, quick_server, quick_study):
    """An analyst writes a memo on a page left open (the session ended: 8 hours idle, or an admin set a new
    password) and presses Ctrl+Enter: the login page led to «no coding unit '…/decide'» and the memo was
    gone. After the login the analyst is back on the unit with the memo in its box, and saves it."""
    from playwright.sync_api import expect

    from hoi_nlp.review.accounts import set_password
    from hoi_nlp.review.decisions import current_state

    context, page = log_in(browser, quick_server, "bo")
    try:
        unit_url = f"{quick_server.url}/segment/{shown_segment_id(quick_study, INT_B)}?status=all"
        page.goto(unit_url)
        page.keyboard.press("m")
        page.keyboard.type("Lang tanke om koordinering")
        set_password(quick_study, "bo", PASSWORD)  # ends bo's sessions
        page.keyboard.press("Control+Enter")
        page.wait_for_url(lambda url: urlsplit(url).path == "/login")
        page.fill("input[name=username]", "bo")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(unit_url)
        expect(page.locator("#memo-text")).to_have_value("Lang tanke om koordinering")
        page.locator("#memo-text").focus()
        page.keyboard.press("Control+Enter")
        memos = lambda: [m.text for m in current_state(quick_study).note(INT_B).memos]  # noqa: E731
        assert wait_for(lambda: memos() == ["Lang tanke om koordinering"])
        expect(page.locator("#memo-text")).to_have_value("")
        page.reload()  # saved: the draft is gone
        expect(page.locator("#memo-text")).to_have_value("")
    finally:
        context.close()


def test_a_decision_the_app_did_not_answer_says_it_was_not_saved(browser, built_study, tmp_path):
    """The app stopped (killed, restarting) while an analyst pressed `a`: the page stayed as it was and said
    nothing, so the analyst moved on believing it saved. A message says it was not saved."""
    study = copy_study(built_study, tmp_path, {"bo": "analyst"})
    srv = Server(study.root, english_settings(tmp_path))
    srv.start()
    try:
        context, page = log_in(browser, srv, "bo")
        page.goto(f"{srv.url}/segment/{shown_segment_id(study, R001)}")
        srv.proc.kill()
        srv.proc.wait(timeout=20)
        srv.proc = None
        said: list[str] = []
        page.on("dialog", lambda dialog: (said.append(dialog.message), dialog.dismiss()))
        page.keyboard.press("a")
        for _ in range(50):  # the page's own wait lets the dialog through (time.sleep would not)
            if said:
                break
            page.wait_for_timeout(200)
        assert said == [
            "The app did not answer: this was not saved. Check that `hoi review` runs, then reload the page."]
        context.close()
    finally:
        if srv.proc is not None:
            srv.stop()


@pytest.fixture()
def own_server(built_study, tmp_path):
    """A study and server of this test's own: R001 with its two suggestions undecided, users bo and anna."""
    study = copy_study(built_study, tmp_path, {"bo": "analyst", "anna": "analyst"})
    srv = Server(study.root, english_settings(tmp_path))
    srv.start()
    yield study, srv
    srv.stop()


def _decided(study, segment_id, analyst="bo"):
    from hoi_nlp.review.decisions import load_decisions

    return [(d.action, d.code_id) for d in load_decisions(study, segment_id=segment_id, analyst=analyst)]


def test_a_key_pressed_after_next_does_not_act_on_the_unit_left(browser, own_server):
    """`a` `j` `a` pressed at once: the `j` sent the browser to the next unit, but the page left stayed live
    until it came, and the second `a` accepted R001's other suggestion — a decision the analyst never saw,
    being on the next unit already. Keys pressed after `j` do nothing."""
    study, srv = own_server
    context, page = log_in(browser, srv, "bo")
    try:
        page.goto(f"{srv.url}/segment/{shown_segment_id(study, R001)}")
        codes = [row.get_attribute("data-code") for row in page.locator("#codes .code-row.suggested").all()]
        assert len(codes) == 2
        next_path = urlsplit(page.locator("#segment-body").get_attribute("data-next")).path
        _press_at_once(page, "a", "j", "a")
        page.wait_for_url(lambda url: urlsplit(url).path == next_path)
        page.wait_for_timeout(1000)  # a request the page left sent would be saved by now
        assert _decided(study, R001) == [("accept", codes[0])]
    finally:
        context.close()


def test_a_span_selected_and_saved_while_a_decision_is_saved_is_kept(browser, own_server):
    """Text selected in the context, then `a` `s` at once: the `s` waited for the page confirming the accept,
    which has no selection, and the span was lost. The span selected when `s` was pressed is saved."""
    from hoi_nlp.review.decisions import load_decisions

    study, srv = own_server
    context, page = log_in(browser, srv, "bo")
    try:
        page.goto(f"{srv.url}/segment/{shown_segment_id(study, R001)}")
        code = page.locator("#codes .code-row.suggested").first.get_attribute("data-code")
        select_text(page, "IT-systemer taler", len("IT-systemer taler ikke sammen"))
        span = page.evaluate("() => window.hoiSelectionOffsets()")
        _press_at_once(page, "a", "s")
        decided = lambda: [(d.action, d.code_id, d.start, d.end)  # noqa: E731
                           for d in load_decisions(study, segment_id=R001, analyst="bo")]
        assert wait_for(lambda: len(decided()) == 2, timeout=5)
        assert decided() == [("accept", code, None, None), ("span", None, span["start"], span["end"])]
    finally:
        context.close()


def test_a_double_click_on_a_button_acts_once_and_its_span_is_kept_during_a_save(browser, own_server):
    """The forms held back while a decision was saved were sent again from the page confirming it, which shows
    something else: a double click on «Flag» flagged and unflagged, on «Undo last» undid two decisions, and
    «Set quote to selection» clicked during an accept sent no span. Only a typed code or memo waits."""
    from hoi_nlp.review.decisions import load_decisions

    study, srv = own_server
    context, page = log_in(browser, srv, "bo")
    try:
        page.goto(f"{srv.url}/segment/{shown_segment_id(study, R001)}")
        page.dblclick("#flag-btn")
        assert wait_for(lambda: _decided(study, R001), timeout=5)
        page.wait_for_timeout(1500)
        assert _decided(study, R001) == [("flag", None)]

        code = page.locator("#codes .code-row.suggested").first.get_attribute("data-code")
        page.keyboard.press("a")
        assert wait_for(lambda: len(_decided(study, R001)) == 2, timeout=5)
        page.wait_for_timeout(500)
        page.dblclick("#undo-form button")
        page.wait_for_timeout(1500)
        assert [action for action, _ in _decided(study, R001)] == ["flag", "accept", "undo"]
        assert _decided(study, R001)[1] == ("accept", code)

        select_text(page, "IT-systemer taler", len("IT-systemer taler ikke sammen"))
        span = page.evaluate("() => window.hoiSelectionOffsets()")
        _press_at_once(page, "a")
        page.click("#span-btn")
        spans = lambda: [(d.start, d.end) for d in load_decisions(study, segment_id=R001, analyst="bo")  # noqa: E731
                         if d.action == "span"]
        assert wait_for(lambda: spans(), timeout=5)
        assert spans() == [(span["start"], span["end"])]
    finally:
        context.close()


def _log_in_here(page, username):
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _drafts(page):
    return page.evaluate("() => Object.keys(sessionStorage).filter((key) => key.startsWith('hoi-memo:'))")


def test_a_memo_draft_is_not_shown_to_the_next_user_of_the_tab(browser, own_server):
    """bo writes a memo, does not save it and logs out; anna logs in on the same tab: bo's text was in her
    memo box (Ctrl+Enter saved it as hers; original names in it shown to a user who may not see them).
    Logging out drops every draft; a draft kept over an ended session is only its writer's."""
    study, srv = own_server
    context, page = log_in(browser, srv, "bo")
    try:
        unit_url = f"{srv.url}/segment/{shown_segment_id(study, INT_B)}"
        page.goto(unit_url)
        page.keyboard.press("m")
        page.keyboard.type("Mette Hansen sagde noget privat")
        page.keyboard.press("Escape")
        assert len(_drafts(page)) == 1
        page.click("#logout-form button")
        page.wait_for_url(lambda url: urlsplit(url).path == "/login")
        assert _drafts(page) == []
        _log_in_here(page, "anna")
        page.wait_for_url(lambda url: urlsplit(url).path == "/queue")
        page.goto(unit_url)
        assert page.locator("#memo-text").input_value() == ""

        page.keyboard.press("m")  # anna's draft, then her session ends: bo logs in on the tab
        page.keyboard.type("Annas udkast")
        page.keyboard.press("Escape")
        context.clear_cookies()
        page.goto(unit_url)
        page.wait_for_url(lambda url: urlsplit(url).path == "/login")
        _log_in_here(page, "bo")
        page.wait_for_url(unit_url)
        assert page.locator("#memo-text").input_value() == ""
    finally:
        context.close()


def test_a_code_added_while_a_decision_is_saved_does_not_come_back(browser, own_server):
    """`a`, then a code typed into the add box and sent with Enter before the accept was confirmed: once both
    were saved the code was back in the box and missing from the page (htmx drops the answer to a form of a
    page replaced meanwhile). The code is sent from the page confirming the accept, and shown."""
    study, srv = own_server
    context, page = log_in(browser, srv, "bo")
    try:
        page.goto(f"{srv.url}/segment/{shown_segment_id(study, R001)}")

        def add_answered_after_the_accept(route):
            if "action=add" in (route.request.post_data or ""):
                time.sleep(0.5)
            route.continue_()

        page.route("**/decide", add_answered_after_the_accept)
        page.evaluate("""(code) => {
            document.dispatchEvent(new KeyboardEvent('keydown', {key: 'a', bubbles: true}));
            const box = document.getElementById('add-code');
            box.value = code;
            box.form.requestSubmit();
        }""", JOB)
        for _ in range(50):  # the page's own wait answers the route above (time.sleep would not)
            if ("add", JOB) in _decided(study, R001):
                break
            page.wait_for_timeout(100)
        assert ("add", JOB) in _decided(study, R001)
        page.wait_for_timeout(1000)
        assert page.locator(f'#codes .code-row[data-code="{JOB}"]').count() == 1  # shown as added
        assert page.locator("#add-code").input_value() == ""
    finally:
        context.close()

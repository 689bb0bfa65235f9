"""The analyst's workbench in a real browser (Debian chromium via Playwright, `hoi review` as served):
page through all units, create a code from a quote, merge two codes and read the audit trail,
manage accounts on the admin page — in Danish, the app's default language.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.browser import MISSING, have_chromium, running_chromium
from tests.review.conftest import copy_study, shown_segment_id
from tests.review.test_browser import Server, log_in, select_text

IT = "barrier.it_integration"
OEK = "barrier.tvaergaaende_oekonomistyring"
LEMVIG = "R002:7_afsluttende_kommentar:a0-65"
NEW = "barrier.mangel_paa_tid"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not have_chromium(), reason=MISSING),
]


@pytest.fixture(scope="module")
def study(built_study, tmp_path_factory):
    return copy_study(built_study, tmp_path_factory.mktemp("workbench"), {"anna": "analyst", "chef": "admin"})


@pytest.fixture(scope="module")
def server(study):
    settings = study.root.parent / "review.toml"
    settings.write_text("[review]\npage_size = 2\n", encoding="utf-8")  # Danish, the default
    srv = Server(study.root, settings)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    with running_chromium() as chromium:
        yield chromium


def timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def test_browse_pages_through_every_unit(browser, server):
    from playwright.sync_api import expect

    context, page = log_in(browser, server, "anna")
    assert timed(lambda: page.goto(f"{server.url}/browse")) < 10
    expect(page.locator("#list-summary")).to_contain_text("6 kodeenheder")
    expect(page.locator(".pager .pos").first).to_contain_text("side 1 af 3")
    seen = [page.locator("tr.unit-row").nth(i).get_attribute("data-href") for i in range(2)]
    page.keyboard.press("]")  # next page from the keyboard
    page.wait_for_url("**/browse?status=all&page=2")
    expect(page.locator("td.num").first).to_have_text("3")
    seen += [page.locator("tr.unit-row").nth(i).get_attribute("data-href") for i in range(2)]
    page.locator('.pager a[data-page="next"]').first.click()
    page.wait_for_url("**page=3")
    expect(page.locator(".pager .pos").first).to_contain_text("side 3 af 3")
    seen += [page.locator("tr.unit-row").nth(i).get_attribute("data-href") for i in range(2)]
    assert len(set(seen)) == 6
    page.keyboard.press("[")
    page.wait_for_url("**page=2")
    # counts per filter value in the code filter and the side bar
    expect(page.locator('select[name=code] option[value="area.beskaeftigelse"]')).to_have_text(
        "Beskæftigelsesområdet (3)")
    page.locator(".side a", has_text="Større kommune").click()
    expect(page.locator("#list-summary")).to_contain_text("4 kodeenheder")
    context.close()


def test_create_a_code_from_a_quote_merge_two_codes_and_read_the_audit_trail(browser, server, study):
    from playwright.sync_api import expect

    from hoi_nlp.review.codebook_edit import codebook_history
    from hoi_nlp.review.decisions import current_state
    from hoi_nlp.store import load_sources

    context, page = log_in(browser, server, "anna")
    lemvig = shown_segment_id(study, LEMVIG)  # the id in anna's links (keyed, without offsets)
    page.goto(f"{server.url}/segment/{lemvig}?status=all")
    expect(page.locator("#context")).not_to_contain_text("Lemvig")
    # --- select the quote in the pseudonymised text, open "new code from this quote", name it
    select_text(page, "mangler vi", len("mangler vi tid. Kontakt [PERSON 1]"))
    page.locator("#create-code summary").click()
    quoted = re.compile(r"mangler vi tid\. Kontakt \[PERSON \d\]")
    expect(page.locator("#create-quote")).to_contain_text(quoted)
    page.locator("#create-label").fill("Mangel på tid")
    assert timed(lambda: page.locator("#create-code-btn").click()) < 10
    page.wait_for_url(f"**/segment/{lemvig}?status=all")
    row = page.locator(f'#codes .code-row[data-code="{NEW}"]')
    expect(row).to_contain_text("Mangel på tid")
    expect(row.locator("[data-status]")).to_have_text("tilføjet")
    source = next(s for s in load_sources(study) if s.source_id == "R002:7_afsluttende_kommentar")
    start, end = current_state(study).codes[(LEMVIG, NEW)].span
    assert source.text[start:end] == "mangler vi tid. Kontakt Mette Hansen"
    # the keyboard still works on the page: the previous unit with k (this one is the list's last)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("k")
    page.wait_for_url(lambda url: lemvig not in url)
    # --- merge the budget code into the IT code on its codebook page
    page.goto(f"{server.url}/codebook")
    page.locator(f'a[href="/codebook/{OEK}"]').click()
    page.select_option("#merge-into", IT)
    page.locator("#merge-form button[type=submit]").click()
    page.wait_for_url(f"**/codebook/{IT}?saved=3")
    expect(page.locator("#saved")).to_contain_text("Gemt: kodebogens version 3.")
    expect(page.locator("#retrain-advice")).to_contain_text("Gentræn")
    assert (OEK not in page.locator("#merge-into").inner_text())
    # --- the audit trail: newest first, who and what
    page.locator("#saved a").click()
    page.wait_for_url("**/codebook/history")
    rows = page.locator("#audit tr.change")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-action") for i in range(3)] == ["merge", "create", "import"]
    expect(rows.nth(0)).to_contain_text(f"Slog {OEK}")
    expect(rows.nth(0)).to_contain_text("anna")
    expect(rows.nth(1)).to_contain_text(f"Oprettede {NEW} «Mangel på tid» (ud fra et citat)")
    assert [c.action for c in codebook_history(study)] == ["import", "create", "merge"]
    example = (study.root / "codebook" / "v0003.yaml").read_text(encoding="utf-8")
    assert "Mangel på tid" in example and "Mette" not in example
    # --- a restarted server keeps the study's codebook
    server.stop()
    server.start()
    context.close()
    context, page = log_in(browser, server, "anna")
    page.goto(f"{server.url}/codebook/{NEW}")
    expect(page.locator("h1")).to_contain_text("Mangel på tid")
    context.close()


def test_the_admin_page_in_the_browser(browser, server, study):
    from playwright.sync_api import expect

    from hoi_nlp.review.accounts import authenticate

    anna_context, anna = log_in(browser, server, "anna")
    expect(anna.locator('nav a[href="/admin/users"]')).to_have_count(0)
    context, page = log_in(browser, server, "chef")
    page.locator('nav a[href="/admin/users"]').click()
    page.wait_for_url("**/admin/users")
    expect(page.locator("h1")).to_have_text("Brugere")
    form = page.locator("#add-user-form")
    form.locator("input[name=username]").fill("cai")
    form.locator("input[name=password]").fill("blaa-hus-kop-3")
    form.locator("button[type=submit]").click()
    expect(page.locator("#saved")).to_contain_text("Tilføjede cai.")
    expect(page.locator('tr[data-user="cai"]')).to_have_count(1)
    reset = page.locator('tr[data-user="anna"] .reset-form')
    reset.locator("input[name=password]").fill("rosen-sommer-9")
    reset.locator("button[type=submit]").click()
    expect(page.locator("#saved")).to_contain_text("Ny adgangskode sat for anna")
    anna.goto(f"{server.url}/queue")
    assert "/login" in anna.url  # her session ended
    assert authenticate(study, "anna", "rosen-sommer-9") is not None
    page.locator('tr[data-user="cai"] .remove-form button').click()
    expect(page.locator("#saved")).to_contain_text("Fjernede cai")
    expect(page.locator('tr[data-user="cai"]')).to_have_count(0)
    # the analyst's own language choice
    page.locator('.lang-switch button[value="en"]').click()
    expect(page.locator("h1")).to_have_text("Users")
    page.locator('.lang-switch button[value="da"]').click()
    expect(page.locator("h1")).to_have_text("Brugere")
    anna_context.close()
    context.close()

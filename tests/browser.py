"""Debian chromium for Playwright, launched one way everywhere: the browser tests, the journeys
and ``docs/make_screenshots.py`` (``make browser`` installs chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
MISSING = "needs Debian chromium at /usr/bin/chromium (install it with `make browser`)"


def have_chromium() -> bool:
    """Whether Debian chromium is installed."""
    return Path(CHROMIUM).exists()


def launch_chromium(playwright: Any, **options: Any) -> Any:
    """``playwright.chromium.launch`` with Debian chromium and the options every caller uses."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, **options)


@contextmanager
def running_chromium(**options: Any) -> Iterator[Any]:
    """Playwright's chromium (Debian's) for the block; closed after it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw, **options)
        try:
            yield chromium
        finally:
            chromium.close()

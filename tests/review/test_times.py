"""Times in the review app are the analyst's clock with its zone (stored as naive UTC)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from hoi_nlp.review.app.views import local_time


@pytest.fixture
def copenhagen(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Copenhagen")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_stored_utc_time_is_shown_on_the_analysts_clock_with_its_zone(copenhagen) -> None:
    assert local_time(datetime(2026, 12, 7, 9, 5)) == "2026-12-07 10:05 CET"
    assert local_time(datetime(2026, 7, 1, 9, 5, 30), seconds=True) == "2026-07-01 11:05:30 CEST"

"""The queue and browse lists page by page, with how many units each filter value would show.

Nothing here knows about HTTP. :func:`page_of` cuts one page out of the filtered list;
:func:`filter_counts` counts, for every value of every filter, the units that match it
together with the *other* active filters (faceted counts: picking that value shows that many).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.records import Source
from hoi_nlp.review.app.views import (
    BANDS,
    FULL_VIEW,
    LIST_ATTRIBUTES,
    Corpus,
    Filters,
    Unit,
    _attr_match,
    _in_band,
    _status_match,
    build_units,
    unit_codes,
)
from hoi_nlp.review.decisions import ReviewState
from hoi_nlp.review.masking import FullView

PAGE_SIZE = 100
STATUSES = ("pending", "possible", "all", "accepted", "added", "rejected", "flagged")


@dataclass(frozen=True)
class Page:
    """One page of a list: its number (from 1), the number of pages and the slice it shows."""

    number: int
    pages: int
    total: int
    size: int

    @property
    def first(self) -> int:
        """1-based index of the page's first unit (0 when the list is empty)."""
        return min(self.total, (self.number - 1) * self.size + 1)

    @property
    def last(self) -> int:
        """1-based index of the page's last unit."""
        return min(self.total, self.number * self.size)

    @property
    def offset(self) -> int:
        """0-based index of the page's first unit."""
        return (self.number - 1) * self.size


def page_of(units: Sequence[Unit], requested: Any, *, size: int = PAGE_SIZE) -> tuple[Page, list[Unit]]:
    """The page ``requested`` (a number or text; out of range is clamped) and its units."""
    try:
        number = int(str(requested or 1))
    except ValueError:
        number = 1
    pages = max(1, -(-len(units) // size))
    number = min(max(1, number), pages)
    page = Page(number, pages, len(units), size)
    return page, list(units[page.offset : page.offset + size])


def _checks(unit: Unit, filters: Filters, corpus: Corpus, shown: FullView) -> dict[str, bool]:
    seg = unit.segment
    codes = unit_codes(unit, filters.status)
    return {
        "code": not filters.code or filters.code in codes,
        "family": not filters.family or any(c.split(".", 1)[0] == filters.family for c in codes),
        "question": not filters.question or corpus.question(seg, shown) == filters.question,
        "speaker": not filters.speaker or shown.speaker(seg.speaker) == filters.speaker,
        "source": not filters.source or shown.ident(seg.source_id) == filters.source,
        "attr": not filters.attr or _attr_match(unit.source, filters.attr, shown),
        "band": not filters.band or _in_band(unit, filters.band),
        "status": _status_match(unit, filters.status, code=filters.code),
    }


def _values(unit: Unit, filters: Filters, corpus: Corpus, shown: FullView,
            public: Source) -> dict[str, set[str]]:
    """The unit's value of each filter (``public``: its source as the reader is shown it)."""
    seg = unit.segment
    codes = unit_codes(unit, filters.status)
    in_status = {c for c in codes if _status_match(unit, filters.status, code=c)}  # status is per code
    attributes = {a: str(public.attributes.get(a, "") or "") for a in LIST_ATTRIBUTES}  # shown.attribute
    return {
        "code": in_status,
        "family": {c.split(".", 1)[0] for c in codes},
        "question": {corpus.question(seg, shown)} - {""},
        "speaker": {shown.speaker(seg.speaker)} - {""},
        "source": {shown.ident(seg.source_id)},
        "attr": {f"{a}={value}" for a, value in attributes.items() if value},
        "band": {band for band in BANDS if _in_band(unit, band)},
        "status": {s for s in STATUSES if _status_match(unit, s, code=filters.code)},
    }


def unit_counts(unit: Unit, filters: Filters, corpus: Corpus, shown: FullView,
                public: Source) -> dict[str, set[str]]:
    """What ``unit`` adds to :func:`filter_counts`: per filter key, the values it counts one unit for
    (``public``: its source as the reader is ``shown`` it). A unit that fails two active filters counts
    for none; one that fails one counts only for that filter's values (picking another value of it
    would show the unit)."""
    checks = _checks(unit, filters, corpus, shown)
    failed = [k for k, ok in checks.items() if not ok]
    if len(failed) > 1:
        return {}
    values = _values(unit, filters, corpus, shown, public)
    if failed:
        return {failed[0]: values[failed[0]]} if values[failed[0]] else {}
    return {key: found for key, found in values.items() if found}


def add_counts(counts: dict[str, dict[str, int]], counted: dict[str, set[str]], step: int = 1) -> None:
    """Add one unit's :func:`unit_counts` to ``counts`` (``step`` -1: take them out; a value no unit
    counts for any more is left out, as if never counted)."""
    for key, values in counted.items():
        bucket = counts.setdefault(key, {})
        for value in values:
            total = bucket.get(value, 0) + step
            if total:
                bucket[value] = total
            else:
                del bucket[value]
        if not bucket:
            del counts[key]


def filter_counts(
    corpus: Corpus,
    state: ReviewState,
    filters: Filters,
    *,
    segment_ids: Sequence[str] | None = None,
    shown: FullView = FULL_VIEW,
) -> dict[str, dict[str, int]]:
    """Per filter key and value: how many units match that value and every other active filter
    (labels, ids and attributes as the reader is ``shown`` them, like the filters themselves)."""
    return count_units(corpus, build_units(corpus, state, segment_ids=segment_ids), filters, shown=shown)


def count_units(corpus: Corpus, units: Sequence[Unit], filters: Filters, *,
                shown: FullView = FULL_VIEW) -> dict[str, dict[str, int]]:
    """:func:`filter_counts` of the units given."""
    counts: dict[str, dict[str, int]] = {}
    public = shown.sources(unit.source for unit in units)  # one look-up of each source, not one per value
    for unit in units:
        add_counts(counts, unit_counts(unit, filters, corpus, shown, public[unit.source.source_id]))
    return counts


def code_chip(codebook: Codebook, code_id: str) -> dict[str, Any]:
    """How a code shows on a chip: its family's label beside its own (goal vs area "Beskæftigelse")."""
    family_id = code_id.split(".", 1)[0]
    if not codebook.has_code(code_id):
        return {"family": family_id, "family_label": family_id, "label": code_id, "deprecated": False}
    code = codebook.code(code_id)
    family_label = next((f.label for f in codebook.families if f.id == family_id), family_id)
    return {
        "family": family_id,
        "family_label": family_label,
        "label": code.label,
        "deprecated": code.deprecated,
    }

"""Where a coding unit stands in the main review's lists, kept between requests.

The unit page shows Previous/Next and "n / total" under the list's filters. Working that out from
scratch folds the whole review log over every machine suggestion and filters every unit of the study
(hundreds of milliseconds at 17,000 units) on each page an analyst opens. :class:`UnitIndex` keeps the
units with their code states and each filtered list it was asked for, and follows the study:

- a decision written since (by this app, another analyst's app, an import): the units it is on are
  folded again from their own decisions, and each list kept takes them in or out in their place;
- a run or a retraining that changed the units or the machine's suggestions, a codebook rename or merge,
  a moved source, another codebook or queue order: everything is built again.

What changed is read from the study on every request (a few counters and the log's length), so a page
never shows a list older than the study. Lists are kept per filters and per view (a reviewer without
original-text rights filters by placeholders: their lists are their own, and follow the privacy key).
The order of a list does not depend on decisions (a decided unit keeps its place), so a unit that
joins or leaves a list is put in, or taken out, where it belongs.

The queue and browse pages come from here too (:meth:`UnitIndex.listing`): the list, and the counts
beside each filter value, kept per filters and view like the lists; a unit decided on since is taken out
of them as it was counted and put in as it is now. A list or counts not kept yet are made outside the
index's lock (filtering or counting every unit of a large study takes a while; other reviewers' pages
whose lists are kept do not wait for it).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from hoi_nlp.codebook import Codebook
from hoi_nlp.review.app.paging import add_counts, count_units, unit_counts
from hoi_nlp.review.app.views import (
    FULL_VIEW,
    Corpus,
    Filters,
    Unit,
    build_units,
    facet_values,
    unit_matches,
)
from hoi_nlp.review.decisions import current_state
from hoi_nlp.review.masking import FullView
from hoi_nlp.review.tables import codebook_changes_table, decisions_table, ensure_review_schema
from hoi_nlp.store import (
    ASSIGNMENTS_COUNTER,
    UNITS_COUNTER,
    Workspace,
    change_counts_table,
    moved_segment_id,
    source_moves,
    source_moves_table,
)

#: How many decision batches (one per request that found new decisions) a kept list can catch up on.
HISTORY = 512
#: At most this many new decisions are folded unit by unit (more: an import; everything is built again).
CATCH_UP = 2000
#: How many filtered lists are kept (the least recently used goes first).
LISTS = 64
#: How many active-learning orders' ranks (and lists) are kept: the order in place and the one before it, so
#: the pages still in flight with the older order when a new one arrives do not evict the newer one's
#: ranks and lists, and theirs, in turn (every list sorted and filtered again on every request).
ORDERS = 2
#: How many lists' counts are kept (a count per source of the study: ~1 MB each at 17k units).
COUNTS = 16


@dataclass(frozen=True)
class Place:
    """A unit's place in its list: 1-based position, the list's length, the units before and after."""

    position: int
    total: int
    prev_id: str | None
    next_id: str | None


@dataclass
class _List:
    generation: int
    ids: list[str]
    members: set[str]
    rank: dict[str, int]


@dataclass(frozen=True)
class _Counts:
    generation: int
    counts: dict[str, dict[str, int]]  # never changed once made: a page may still be rendering it


@dataclass
class _Built:
    base: tuple[Any, ...]
    decisions: tuple[int, int]
    units: dict[str, Unit]
    corpus_order: list[str]
    corpus_version: int
    generation: int = 0
    # per catch-up: its generation and the units it folded again, as they were before it
    changes: list[tuple[int, dict[str, Unit]]] = field(default_factory=list)
    ranks: list[tuple[Sequence[str] | None, str, dict[str, int]]] = field(default_factory=list)
    lists: dict[tuple[Any, ...], _List] = field(default_factory=dict)
    counts: dict[tuple[Any, ...], _Counts] = field(default_factory=dict)
    facets: dict[tuple[Any, ...], dict[str, list[tuple[str, int]]]] = field(default_factory=dict)


def _counter(name: str) -> Any:
    return (select(change_counts_table.c.count).where(change_counts_table.c.name == name)
            .scalar_subquery())


def study_stamp(workspace: Workspace) -> tuple[int, ...]:
    """(units counter, assignments counter, last codebook change, last source move, decisions in the log,
    last decision): one read that tells whether anything a unit list shows may have changed."""
    query = select(
        _counter(UNITS_COUNTER),
        _counter(ASSIGNMENTS_COUNTER),
        select(func.max(codebook_changes_table.c.seq)).scalar_subquery(),
        select(func.max(source_moves_table.c.seq)).scalar_subquery(),
        select(func.count()).select_from(decisions_table).scalar_subquery(),
        select(func.max(decisions_table.c.seq)).scalar_subquery(),
    )
    with workspace.engine.connect() as conn:
        row = conn.execute(query).one()
    return tuple(int(value or 0) for value in row)


class UnitIndex:
    """The main review's units and filtered lists, as of the study's last change (see the module)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: _Built | None = None

    def place(self, corpus: Corpus, codebook: Codebook, filters: Filters, unit_id: str, *,
              order: Sequence[str] | None = None, shown: FullView = FULL_VIEW) -> Place:
        """Where ``unit_id`` stands in the main review's list under ``filters`` (the unit itself stays in
        its place when it no longer matches them, as after a decision); at the end of the queue, Next
        goes round to the first unit still pending."""
        seen = shown.stamp()
        built = self._prepare(corpus, codebook, filters, order, shown, seen, counts=False)
        with self._lock:
            entry = self._list(built, corpus, filters, order, shown, seen)
            ids, rank = entry.ids, entry.rank
            if unit_id not in rank:  # gone from the study since the page looked it up (a run removed it):
                # no place in the list; Next only where the list goes round, to its first unit
                first = ids[0] if ids and filters.status in ("", "pending") else None
                return Place(0, len(ids), None, first)
            if unit_id in entry.members:
                index = ids.index(unit_id)
                after = index + 1
                total = len(ids)
            else:
                index = after = bisect.bisect_left(ids, rank[unit_id], key=rank.__getitem__)
                total = len(ids) + 1
            prev_id = ids[index - 1] if index > 0 else None
            next_id = ids[after] if after < len(ids) else None
            if next_id is None and filters.status in ("", "pending"):
                next_id = next((i for i in ids[:2] if i != unit_id), None)
            return Place(index + 1, total, prev_id, next_id)

    def study(self, corpus: Corpus, codebook: Codebook, *, order: Sequence[str] | None = None) -> _Built:
        """The units as of the study's last change (read from the study once): what one request's calls
        of :meth:`units` and :meth:`listing` list from (``study=``)."""
        with self._lock:
            return self._current(corpus, codebook, order)

    def units(self, corpus: Corpus, codebook: Codebook, filters: Filters, *,
              order: Sequence[str] | None = None, shown: FullView = FULL_VIEW,
              study: _Built | None = None) -> list[Unit]:
        """The main review's list under ``filters``, its units in the list's order (what
        :meth:`listing` lists, without its counts and facets)."""
        seen = shown.stamp()
        built = self._prepare(corpus, codebook, filters, order, shown, seen, counts=False, study=study)
        with self._lock:
            entry = self._list(built, corpus, filters, order, shown, seen)
            return [built.units[sid] for sid in entry.ids]

    def listing(self, corpus: Corpus, codebook: Codebook, filters: Filters, *,
                order: Sequence[str] | None = None, shown: FullView = FULL_VIEW, facets: bool = False,
                study: _Built | None = None,
                ) -> tuple[list[Unit], dict[str, dict[str, int]], dict[str, list[tuple[str, int]]]]:
        """What the queue and browse pages show, from the units, lists and counts kept: the main
        review's list under ``filters`` (its units, in the list's order), how many units each filter
        value would show with the other filters (as :func:`~hoi_nlp.review.app.paging.filter_counts`
        counts them) and, with ``facets``, the values to browse by with their units
        (:func:`~hoi_nlp.review.app.views.facet_values`; else empty). Counts and facets are the app's:
        read them, never change them."""
        seen = shown.stamp()  # the key's, once: the list, its counts and facets kept under what made them
        built = self._prepare(corpus, codebook, filters, order, shown, seen, counts=True, study=study)
        key = (shown, seen)
        with self._lock:
            entry = self._list(built, corpus, filters, order, shown, seen)
            units = [built.units[sid] for sid in entry.ids]
            counts = _counts_of(built, corpus, filters, shown, seen)
            found = built.facets.get(key) if facets else {}
        if found is None:  # made outside the lock, as a new list is (see _prepare)
            found = facet_values(corpus, shown)
            if shown.stamp() != seen:  # the key learnt a name meanwhile: not the facets of ``seen``
                return units, counts, found
            with self._lock:
                built.facets = {k: v for k, v in built.facets.items() if k[0] is not shown}  # its older key's
                built.facets[key] = found
        return units, counts, found

    def _prepare(self, corpus: Corpus, codebook: Codebook, filters: Filters, order: Sequence[str] | None,
                 shown: FullView, seen: tuple[int, ...], *, counts: bool, study: _Built | None = None,
                 ) -> _Built:
        """The units as of the study's last change (read once per request), with the list under
        ``filters`` (and, with ``counts``, its counts) made when it is not kept yet: from the units as
        they are now, outside the lock, then kept; the caller brings it up to the last decision under
        the lock. Filtering and counting every unit takes a while at a large study (a reviewer's first
        page under new filters, a browse click): meanwhile other pages, whose lists are kept, do not wait
        for it. (A study changed by a run is still read again under the lock: every page needs its
        units.) What is made is kept under the key's stamp ``seen`` only when the key did not learn a
        name meanwhile (it would mix what two keys show)."""
        effective = _effective(filters)
        key = (effective, shown, seen)
        with self._lock:
            built = study if study is not None else self._current(corpus, codebook, order)
            rank = self._rank(built, order, effective.status)
            # a list per order kept (its entry holds the rank: the id is its own)
            list_key = (effective, *_view(effective, shown, seen), id(rank))
            known, kept = built.lists.get(list_key), built.counts.get(key)
            make_list = known is None or known.rank is not rank or _too_old(built, known.generation)
            make_counts = counts and (kept is None or _too_old(built, kept.generation))
            if not (make_list or make_counts):
                return built
            generation, units = built.generation, dict(built.units)  # a catch-up replaces units in place
        made_list = made_counts = None
        if make_list:
            ids = [sid for sid in sorted(rank, key=rank.__getitem__)
                   if unit_matches(units[sid], effective, corpus, shown)]
            made_list = _List(generation, ids, set(ids), rank)
        if make_counts:
            every = [units[sid] for sid in built.corpus_order]
            made_counts = _Counts(generation, count_units(corpus, every, effective, shown=shown))
        learnt = shown.stamp() != seen  # then nothing made by the key of ``seen`` is kept
        with self._lock:  # kept as of ``generation``: _list and _counts_of patch them up to now
            known = built.lists.get(list_key)
            by_key = list_key[2] is not None  # a list filtered by what the key of ``seen`` showed
            if made_list is not None and (known is None or known.rank is not rank
                                          or known.generation < generation) and not (learnt and by_key):
                built.lists[list_key] = made_list
            kept = built.counts.get(key)
            if made_counts is not None and (kept is None or kept.generation < generation) and not learnt:
                built.counts[key] = made_counts
        return built

    # ------------------------------------------------------------ the units

    def _current(self, corpus: Corpus, codebook: Codebook, order: Sequence[str] | None) -> _Built:
        workspace = corpus.workspace
        if self._built is None:
            ensure_review_schema(workspace)
        stamp = study_stamp(workspace)  # read before the data: a change meanwhile shows at the next request
        base = (corpus.by_id, codebook, id(corpus.units), *stamp[:4])  # units: a reload's, not its half
        built = self._built
        if built is not None and corpus.version < built.corpus_version:  # a request begun before a reload:
            return self._build(corpus, base, stamp)  # its own units, not kept (the study moved on)
        if built is None or not _same(built.base, base):
            built = self._built = self._build(corpus, base, stamp)
        elif built.decisions != stamp[4:]:
            if not self._catch_up(built, corpus, stamp):
                built = self._built = self._build(corpus, base, stamp)
        return built

    def _build(self, corpus: Corpus, base: tuple[Any, ...], stamp: tuple[int, ...]) -> _Built:
        units = build_units(corpus, current_state(corpus.workspace))
        return _Built(base=base, decisions=(stamp[4], stamp[5]),
                      units={u.segment.segment_id: u for u in units},
                      corpus_order=[u.segment.segment_id for u in units], corpus_version=corpus.version)

    def _catch_up(self, built: _Built, corpus: Corpus, stamp: tuple[int, ...]) -> bool:
        """Fold again the units that decisions written since were made on; False when the log did not
        just grow (then everything is built again)."""
        count, last = built.decisions
        query = (select(decisions_table.c.segment_id)
                 .where(decisions_table.c.seq > last, decisions_table.c.seq <= stamp[5]))
        with corpus.workspace.engine.connect() as conn:
            written = list(conn.execute(query).scalars())
        if stamp[4] - count != len(written) or len(written) > CATCH_UP:
            return False
        moves = source_moves(corpus.workspace) if stamp[3] else {}
        changed = sorted({moved_segment_id(s, moves) for s in written} & built.units.keys())
        before = {sid: built.units[sid] for sid in changed}
        if changed:
            state = current_state(corpus.workspace, segment_ids=changed)
            for unit in build_units(corpus, state, segment_ids=changed):
                built.units[unit.segment.segment_id] = unit
        built.decisions = (stamp[4], stamp[5])
        built.generation += 1
        built.changes.append((built.generation, before))
        del built.changes[:-HISTORY]
        return True

    # ------------------------------------------------------------ the lists

    def _rank(self, built: _Built, order: Sequence[str] | None, status: str) -> dict[str, int]:
        """Each unit's place in the list's order: the active-learning ``order`` (units it does not rank
        follow), else the lowest confidence of the machine's suggestions first for the queue, else the
        study's order (as :func:`~hoi_nlp.review.app.views.unit_list` sorts)."""
        kind = "order" if order else "pending" if status == "pending" else "study"
        ranked = order if order else None
        for known, known_kind, rank in built.ranks:
            if known is ranked and known_kind == kind:
                return rank
        units = [built.units[sid] for sid in built.corpus_order]
        if order:
            position = {sid: i for i, sid in enumerate(order)}
            units.sort(key=lambda u: (position.get(u.segment.segment_id, len(position)), u.priority))
        elif kind == "pending":
            units.sort(key=lambda u: (u.priority, u.segment.source_id, u.segment.start))
        rank = {u.segment.segment_id: i for i, u in enumerate(units)}
        orders = [r for r in built.ranks if r[0] is not None and r[0] is not ranked]
        kept = [r for r in built.ranks if r[0] is None or r[0] is ranked]
        built.ranks = [*orders[len(orders) - ORDERS + 1:], *kept, (ranked, kind, rank)]  # the oldest goes
        return rank

    def _list(self, built: _Built, corpus: Corpus, filters: Filters, order: Sequence[str] | None,
              shown: FullView, seen: tuple[int, ...]) -> _List:
        effective = _effective(filters)
        rank = self._rank(built, order, effective.status)
        view = _view(effective, shown, seen)
        key = (effective, *view, id(rank))  # as _prepare keeps it
        entry = built.lists.pop(key, None)
        if entry is not None and entry.rank is not rank:
            entry = None
        if entry is not None and entry.generation != built.generation:
            entry = self._patched(built, corpus, entry, effective, shown)
        if entry is None:
            ordered = sorted(rank, key=rank.__getitem__)
            ids = [sid for sid in ordered if unit_matches(built.units[sid], effective, corpus, shown)]
            entry = _List(built.generation, ids, set(ids), rank)
            if view[1] and shown.stamp() != seen:  # the key learnt a name while it was made: not the list
                return entry  # of ``seen``
        built.lists[key] = entry  # last used: kept longest
        while len(built.lists) > LISTS:
            del built.lists[next(iter(built.lists))]
        return entry

    def _patched(self, built: _Built, corpus: Corpus, entry: _List, filters: Filters,
                 shown: FullView) -> _List | None:
        """``entry`` with the units decided on since it was made taken in or out (None when it is older
        than the changes remembered)."""
        if not built.changes or built.changes[0][0] > entry.generation + 1:
            return None
        changed: set[str] = set()
        for generation, units in built.changes:
            if generation > entry.generation:
                changed |= units.keys()
        rank = entry.rank
        for sid in changed:
            now = unit_matches(built.units[sid], filters, corpus, shown)
            if now and sid not in entry.members:
                bisect.insort(entry.ids, sid, key=rank.__getitem__)
                entry.members.add(sid)
            elif not now and sid in entry.members:
                entry.ids.remove(sid)
                entry.members.discard(sid)
        entry.generation = built.generation
        return entry


def learn_first(corpus: Corpus, shown: FullView) -> None:
    """Let the key learn what the study's sources show (their attributes as shown: names the recogniser
    finds in them) before a page filters or counts by them: learnt meanwhile, the page was made again
    (:func:`~hoi_nlp.review.app.state.with_one_key`), a fresh app's first list page twice."""
    shown.sources(corpus.sources.values())


def _too_old(built: _Built, generation: int) -> bool:
    """Whether a list or counts kept as of ``generation`` are older than the changes remembered (they would
    be made again from every unit, under the lock: a list not opened for HISTORY batches of decisions)."""
    return generation != built.generation and (not built.changes or built.changes[0][0] > generation + 1)


#: The filters that compare what the reader is shown (placeholders, opaque ids): a list under them is the
#: list of one view and one state of the pseudonym key; under the others, every reader's, whatever the key.
SHOWN_FILTERS = ("question", "speaker", "source", "attr")


def _view(filters: Filters, shown: FullView, seen: tuple[int, ...]) -> tuple[Any, ...]:
    """What a list under ``filters`` is kept for: the view and the key's stamp it filtered by, or nothing
    (a name the key learns from a page's texts then leaves the kept list alone: before a study's first
    export, when the first pages learn them, every list page was made twice, see :func:`learn_first`)."""
    return (shown, seen) if any(getattr(filters, k) for k in SHOWN_FILTERS) else (None, None)


def _effective(filters: Filters) -> Filters:
    """The filters of a main-review list as kept: the queue's status when none is chosen, no round."""
    return Filters(**{**filters.__dict__, "status": filters.status or "pending", "round": ""})


def _counts_of(built: _Built, corpus: Corpus, filters: Filters, shown: FullView,
               seen: tuple[int, ...]) -> dict[str, dict[str, int]]:
    """The counts of the main review's list under ``filters`` (kept per filters and view, like the lists):
    made once from every unit, then each unit decided on since taken out as it was counted and put in
    as it is now."""
    effective = _effective(filters)
    key = (effective, shown, seen)
    entry = built.counts.pop(key, None)
    if entry is not None and entry.generation != built.generation:
        entry = _counts_patched(built, corpus, entry, effective, shown)
    if entry is None:
        units = [built.units[sid] for sid in built.corpus_order]
        entry = _Counts(built.generation, count_units(corpus, units, effective, shown=shown))
        if shown.stamp() != seen:  # the key learnt a name while they were made: not the counts of ``seen``
            return entry.counts
    built.counts[key] = entry  # last used: kept longest
    while len(built.counts) > COUNTS:
        del built.counts[next(iter(built.counts))]
    return entry.counts


def _counts_patched(built: _Built, corpus: Corpus, entry: _Counts, filters: Filters,
                    shown: FullView) -> _Counts | None:
    """New counts: ``entry``'s with the units decided on since it was made counted again (None when it
    is older than the changes remembered)."""
    if not built.changes or built.changes[0][0] > entry.generation + 1:
        return None
    counted: dict[str, Unit] = {}  # each unit as these counts counted it: before the first change since
    for generation, units in built.changes:
        if generation > entry.generation:
            for sid, unit in units.items():
                counted.setdefault(sid, unit)
    counts = {key: dict(bucket) for key, bucket in entry.counts.items()}
    now = {sid: built.units[sid] for sid in counted}
    public = shown.sources(unit.source for unit in [*counted.values(), *now.values()])
    for sid, was in counted.items():
        add_counts(counts, unit_counts(was, filters, corpus, shown, public[was.source.source_id]), -1)
        add_counts(counts, unit_counts(now[sid], filters, corpus, shown, public[now[sid].source.source_id]))
    return _Counts(built.generation, counts)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Base keys compared: the corpus's segments and the codebook by identity, the rest (the id of its
    units' list, the counters) by value."""
    return a[0] is b[0] and a[1] is b[1] and a[2:] == b[2:]

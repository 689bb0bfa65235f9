"""View models of the review app: lists of coding units, filters, context pieces, counts.

Nothing here knows about HTTP; the routes call these functions and render the results.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, urlencode

from hoi_nlp.codebook import Codebook
from hoi_nlp.records import Segment, Source
from hoi_nlp.review.decisions import CodeState, ReviewState
from hoi_nlp.review.masking import FullView, Hidden, PrivacyView, masked
from hoi_nlp.store import Workspace, load_segments, load_sources, units_stamp

logger = logging.getLogger(__name__)

BANDS = {"low": (0.0, 0.5), "mid": (0.5, 0.8), "high": (0.8, 1.01)}
FILTER_KEYS = ("code", "family", "question", "speaker", "attr", "band", "source", "status", "round")
LIST_ATTRIBUTES = ("role", "size_group", "region")
FULL_VIEW = FullView()


@dataclass(frozen=True)
class Filters:
    """List filters from the query string (all optional)."""

    code: str = ""
    family: str = ""
    question: str = ""
    speaker: str = ""
    attr: str = ""
    band: str = ""
    source: str = ""
    status: str = ""
    round: str = ""

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        """Read the known keys from a mapping (e.g. ``request.query_params``)."""
        return cls(**{k: str(query.get(k) or "").strip() for k in FILTER_KEYS})

    def query(self, **override: str) -> str:
        """The query string of these filters (empty values dropped)."""
        values = {k: getattr(self, k) for k in FILTER_KEYS} | override
        return urlencode({k: v for k, v in values.items() if v})

    def linker(self, key: str) -> Callable[[str], str]:
        """``lambda value: self.query(**{key: value})`` for one of :data:`FILTER_KEYS`, the other filters
        encoded once (browse lists a link for each value of a facet: thousands of sources)."""
        at = FILTER_KEYS.index(key)
        before = urlencode({k: getattr(self, k) for k in FILTER_KEYS[:at] if getattr(self, k)})
        after = urlencode({k: getattr(self, k) for k in FILTER_KEYS[at + 1:] if getattr(self, k)})
        name = quote_plus(key)

        def query(value: str) -> str:
            own = f"{name}={quote_plus(str(value))}" if value else ""
            return "&".join(part for part in (before, own, after) if part)

        return query

    @property
    def active(self) -> dict[str, str]:
        """The filters that are set (without the round)."""
        return {k: getattr(self, k) for k in FILTER_KEYS if getattr(self, k) and k != "round"}


@dataclass
class Unit:
    """A coding unit in a list: segment, source and its code states."""

    segment: Segment
    source: Source
    codes: list[CodeState] = field(default_factory=list)
    flagged: bool = False  # the unit flagged for discussion (the Flag button)
    possible: list[str] = field(default_factory=list)  # "possible" candidates nobody has decided on

    @property
    def pending(self) -> list[CodeState]:
        """Suggestions nobody has decided yet."""
        return [c for c in self.codes if c.status == "suggested"]

    @property
    def lowest(self) -> float:
        """Lowest confidence among pending suggestions (1.0 when none)."""
        return min((c.confidence or 0.0 for c in self.pending), default=1.0)

    @property
    def priority(self) -> float:
        """Lowest machine confidence of the unit's suggestions, whatever was decided since: the
        queue's order, so a unit keeps its place (and Next its meaning) while it is being decided."""
        return min((c.confidence or 0.0 for c in self.codes if c.suggested), default=1.0)

    @property
    def top(self) -> float:
        """Highest machine confidence on the unit (0 when none)."""
        return max((c.confidence or 0.0 for c in self.codes if c.suggested), default=0.0)


class Corpus:
    """Sources and segments of a study, loaded once and again when a run changed them (:meth:`refresh`)
    or after re-scoring."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.RLock()
        self.stamp: tuple[Any, ...] = ()
        self.version = 0  # raised by every reload: a snapshot older than the units kept is not kept
        self.reload()

    def refresh(self) -> bool:
        """Reload when the study's sources or segments changed since they were loaded (`hoi run` added an
        interview, or removed a withdrawn respondent's answers, while the app runs); True when it did."""
        stamp = units_stamp(self.workspace)
        if stamp == self.stamp:
            return False
        with self._lock:  # a request beside this one waits for the reload, not reads it half done
            if stamp == self.stamp:
                return False
            self.reload()
        return True

    def reload(self) -> None:
        """(Re)load sources and segments from the workspace: everything read first, then set at once with
        the stamp last (a request reading ``by_id`` of the new study with ``units`` of the old one built
        the review app's kept lists from the old units, and kept them)."""
        with self._lock:
            stamp = units_stamp(self.workspace)
            sources = {s.source_id: s for s in load_sources(self.workspace)}
            segments = load_segments(self.workspace)
            by_source: dict[str, list[Segment]] = {}
            for seg in segments:
                by_source.setdefault(seg.source_id, []).append(seg)
            self.sources, self.units, self.by_source = sources, [s for s in segments if s.codable], by_source
            self.by_id = {s.segment_id: s for s in segments}  # what the unit index keys on: set after units
            self.version += 1
            self.stamp = stamp

    def snapshot(self) -> Corpus:
        """The study's units as loaded now, untouched by a later reload (it replaces the parts of this
        corpus, never changes them): what one request reads from start to end (a list made from the
        units of before a `hoi run` beside the app, then shown with the study's sources of after it,
        looked up a removed respondent's source and answered 500)."""
        with self._lock:
            return copy.copy(self)

    def question(self, seg: Segment, shown: FullView = FULL_VIEW) -> str:
        """The question id of a unit (from the segment or its source), as the reader is ``shown`` it
        (an id holding a name, "7_fanoe_vejle_kommentar", is an opaque id without original-text rights)."""
        return shown.ident(seg.question_id or self.sources[seg.source_id].question_id or "")


def unit_matches(unit: Unit, filters: Filters, corpus: Corpus, shown: FullView = FULL_VIEW) -> bool:
    """Whether ``unit`` passes ``filters``, compared with what the reader is ``shown`` (a reviewer
    without original-text rights filters by placeholders: an original name matches nothing)."""
    seg, source = unit.segment, unit.source
    codes = unit_codes(unit, filters.status)
    checks = [
        not filters.code or filters.code in codes,
        not filters.family or any(c.split(".", 1)[0] == filters.family for c in codes),
        not filters.question or corpus.question(seg, shown) == filters.question,
        not filters.speaker or shown.speaker(seg.speaker) == filters.speaker,
        not filters.source or shown.ident(seg.source_id) == filters.source,
        not filters.attr or _attr_match(source, filters.attr, shown),
        not filters.band or _in_band(unit, filters.band),
        _status_match(unit, filters.status, code=filters.code),
    ]
    return all(checks)


def unit_codes(unit: Unit, status: str) -> set[str]:
    """The codes a code filter looks for on a unit: its code states, and its "possible" candidates
    when the list is of those."""
    return {c.code_id for c in unit.codes} | (set(unit.possible) if status == "possible" else set())


def _attr_match(source: Source, attr: str, shown: FullView) -> bool:
    key, _, value = attr.partition("=")
    return shown.attribute(source, key) == value


def _in_band(unit: Unit, band: str) -> bool:
    low, high = BANDS.get(band, (0.0, 1.01))
    values = [c.confidence for c in (unit.pending or unit.codes) if c.confidence is not None]
    return any(low <= v < high for v in values)


def _status_match(unit: Unit, status: str, *, code: str = "") -> bool:
    """Whether the unit has a code in ``status`` — the filtered ``code`` itself when one is chosen
    ("accepted quotes of code X"), else any of its codes."""
    if status in ("", "all"):
        return True
    if status == "flagged":
        return unit.flagged or any(c.flagged for c in unit.codes)
    if status == "possible":
        return any(not code or c == code for c in unit.possible)
    codes = [c for c in unit.codes if not code or c.code_id == code]
    if status == "pending":
        return any(c.status == "suggested" for c in codes)
    return any(c.status == status for c in codes)


def build_units(
    corpus: Corpus, state: ReviewState, *, segment_ids: Sequence[str] | None = None
) -> list[Unit]:
    """Units (all coding units, or ``segment_ids`` in that order) with their code states."""
    by_segment: dict[str, list[CodeState]] = {}
    for (seg_id, _), code_state in state.codes.items():
        by_segment.setdefault(seg_id, []).append(code_state)
    possible_by_segment: dict[str, list[str]] = {}
    for seg_id, code_id in sorted(state.possible):
        possible_by_segment.setdefault(seg_id, []).append(code_id)
    segments = (
        corpus.units if segment_ids is None else [corpus.by_id[s] for s in segment_ids if s in corpus.by_id]
    )
    units = []
    for seg in segments:
        codes = sorted(
            by_segment.get(seg.segment_id, []),
            key=lambda c: (not c.suggested, -(c.confidence or 0.0), c.code_id),
        )
        flagged = state.note(seg.segment_id).flagged
        decided = {c.code_id for c in codes}
        possible = [c for c in possible_by_segment.get(seg.segment_id, []) if c not in decided]
        units.append(Unit(seg, corpus.sources[seg.source_id], codes, flagged=flagged, possible=possible))
    return units


def unit_list(
    corpus: Corpus,
    state: ReviewState,
    filters: Filters,
    codebook: Codebook,
    *,
    order: Sequence[str] | None = None,
    keep: str | None = None,
    segment_ids: Sequence[str] | None = None,
    shown: FullView = FULL_VIEW,
) -> list[Unit]:
    """The filtered list; ``keep`` stays in the list, in its place (so next/previous work after a decision).

    Default status filter is ``pending`` (the queue). Order: the active-learning ``order`` when
    given (units it does not rank follow), else the lowest confidence of the machine's suggestions
    first (decisions do not move a unit).
    """
    status = filters.status or "pending"
    effective = Filters(**{**filters.__dict__, "status": status})
    units = [
        u
        for u in build_units(corpus, state, segment_ids=segment_ids)
        if u.segment.segment_id == keep or unit_matches(u, effective, corpus, shown)
    ]
    if segment_ids is not None:
        return units
    if order:
        rank = {sid: i for i, sid in enumerate(order)}
        return sorted(units, key=lambda u: (rank.get(u.segment.segment_id, len(rank)), u.priority))
    if status == "pending":
        return sorted(units, key=lambda u: (u.priority, u.segment.source_id, u.segment.start))
    return units


@dataclass(frozen=True)
class Piece:
    """A piece of displayed text with its source offsets (a placeholder stands for the whole span)."""

    text: str
    start: int
    end: int
    quote: bool = False
    evidence: bool = False
    hidden: bool = False


def pieces(
    text: str,
    start: int,
    end: int,
    *,
    quote: tuple[int, int] | None,
    evidence: Sequence[tuple[int, int]],
    hidden: Sequence[Hidden],
    place: Callable[[int, bool], int] = lambda offset, end: offset,
) -> list[Piece]:
    """Cut ``text[start:end]`` at quote, evidence and hidden-span edges; each piece carries its offsets
    as ``place`` gives them to the page (``place(offset, is_end)``: for a reviewer without rights,
    offsets into the source's redaction)."""
    cuts = {start, end}
    for s, e in [*(quote and [quote] or []), *evidence]:
        cuts |= {min(max(s, start), end), min(max(e, start), end)}
    visible = [h for h in hidden if h.end > start and h.start < end]
    for h in visible:
        cuts |= {max(h.start, start), min(h.end, end)}
    out: list[Piece] = []
    points = sorted(cuts)
    done_hidden: set[int] = set()
    for a, b in zip(points, points[1:], strict=False):
        if a >= b:
            continue
        covering = next((h for h in visible if h.start <= a and b <= h.end), None)
        in_quote = bool(quote and quote[0] <= a and b <= quote[1])
        is_evidence = any(s <= a and b <= e for s, e in evidence)
        if covering is not None:
            if id(covering) not in done_hidden:
                done_hidden.add(id(covering))
                out.append(Piece(covering.placeholder, place(covering.start, False),
                                 place(covering.end, True), in_quote, is_evidence, True))
            continue
        out.append(Piece(text[a:b], place(a, False), place(b, True), in_quote, is_evidence))
    return out


@dataclass
class ContextBlock:
    """One block of context: an answer, or a speaker turn with its label."""

    pieces: list[Piece]
    speaker: str = ""
    role: str = ""
    timestamp: str = ""
    current: bool = False


def context_blocks(
    corpus: Corpus,
    seg: Segment,
    *,
    quote: tuple[int, int],
    evidence: Sequence[tuple[int, int]],
    hidden: Sequence[Hidden],
    neighbours: int = 2,
    shown: FullView = FULL_VIEW,
) -> list[ContextBlock]:
    """The unit inside its context: the whole answer, or the neighbouring turns of an interview
    (speaker labels as the reader is ``shown`` them)."""
    source = corpus.sources[seg.source_id]

    def place(offset: int, end: bool) -> int:
        return shown.offset(source, offset, end=end)

    parent = corpus.by_id.get(seg.parent_id or "") or seg
    if seg.kind not in ("turn", "passage") and parent.kind != "turn":
        return [
            ContextBlock(
                pieces(
                    source.text,
                    min(parent.start, seg.start),
                    max(parent.end, seg.end),
                    quote=quote,
                    evidence=evidence,
                    hidden=hidden,
                    place=place,
                ),
                current=True,
            )
        ]
    turns = [s for s in corpus.by_source.get(seg.source_id, []) if s.kind == "turn"]
    index = next((i for i, t in enumerate(turns) if t.segment_id == parent.segment_id), 0)
    blocks = []
    for turn in turns[max(0, index - neighbours) : index + neighbours + 1]:
        current = turn.segment_id == parent.segment_id
        blocks.append(
            ContextBlock(
                pieces(
                    source.text,
                    turn.start,
                    turn.end,
                    quote=quote if current else None,
                    evidence=evidence if current else (),
                    hidden=hidden,
                    place=place,
                ),
                speaker=shown.speaker(turn.speaker),
                role=turn.speaker_role or "",
                timestamp=turn.timestamp or "",
                current=current,
            )
        )
    return blocks


def preview(corpus: Corpus, privacy: PrivacyView | None, seg: Segment, *, limit: int = 220) -> str:
    """The unit's text for lists (pseudonymised when ``privacy`` is given), shortened."""
    source = corpus.sources[seg.source_id]
    text = seg.text if privacy is None else masked(source.text, seg.start, seg.end, privacy.hidden(source))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def code_counts(state: ReviewState) -> dict[str, dict[str, int]]:
    """Per code: suggested (by the machine), accepted, added, rejected, pending."""
    counts: dict[str, dict[str, int]] = {}
    for (_, code_id), code_state in state.codes.items():
        row = counts.setdefault(
            code_id, {"suggested": 0, "accepted": 0, "added": 0, "rejected": 0, "pending": 0}
        )
        row["suggested"] += int(code_state.suggested)
        if code_state.status == "suggested":
            row["pending"] += 1
        elif code_state.status in row:
            row[code_state.status] += 1
    return counts


def facet_values(corpus: Corpus, shown: FullView = FULL_VIEW) -> dict[str, list[tuple[str, int]]]:
    """Values to browse by: questions, speakers, sources and respondent attributes, with unit counts
    (as the reader is ``shown`` them: placeholders, never the hidden originals)."""
    facets: dict[str, dict[str, int]] = {"question": {}, "speaker": {}, "source": {}}
    shown.sources(corpus.sources.values())
    for seg in corpus.units:
        source = corpus.sources[seg.source_id]
        for key, value in (
            ("question", corpus.question(seg, shown)),
            ("speaker", shown.speaker(seg.speaker)),
            ("source", shown.ident(seg.source_id)),
        ):
            if value:
                facets[key][value] = facets[key].get(value, 0) + 1
        for attr in LIST_ATTRIBUTES:
            value = shown.attribute(source, attr)
            if value:
                key = f"attr:{attr}"
                facets.setdefault(key, {})
                facets[key][f"{attr}={value}"] = facets[key].get(f"{attr}={value}", 0) + 1
    return {k: sorted(v.items()) for k, v in facets.items()}


def segment_url(segment_id: str) -> str:
    """The page of a coding unit, its id quoted: a respondent id with '#', '?', '%' or a space
    ("R#12", a Google Forms time stamp) is part of the id, not a fragment or a query."""
    from urllib.parse import quote

    return "/segment/" + quote(segment_id, safe="/:")


def local_time(moment: datetime, *, seconds: bool = False) -> str:
    """A stored time (naive UTC) as the analyst's clock shows it, with its zone ("2026-12-07 10:15 CET"):
    the app runs on the analyst's machine, so the machine's zone is theirs."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")

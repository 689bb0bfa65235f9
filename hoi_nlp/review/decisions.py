"""The analysts' decisions: an append-only log and the current state derived from it.

Every action (accept, reject, add, remove, span, memo, flag, unflag, consensus, undo) is one
row in ``review_decisions``; nothing is updated or deleted. :func:`current_state` folds the
log, in insertion order, over the machine's suggestions into one status per (segment, code).
An ``undo`` row reverts the decision it names; undoing an undo restores the decision.
Span adjustments are offsets into the SOURCE text and must lie inside the coding unit's
parent context (its turn or answer).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ReviewError
from hoi_nlp.qda import lf_only
from hoi_nlp.records import STANCES, CodeReview, ReviewDecision, is_stance_code, utcnow
from hoi_nlp.review.codebook_edit import CodeLineage, code_id_map, code_lineage
from hoi_nlp.review.tables import decisions_table, ensure_review_schema
from hoi_nlp.store import (
    Whereabouts,
    Workspace,
    assignments_table,
    moved_segment_id,
    segments_table,
    sources_table,
    stored_segment_ids,
    unit_moves_table,
    whereabouts,
    whereabouts_in,
)

logger = logging.getLogger(__name__)

MAIN_ROUND = "main"
ACTIONS = (
    "accept", "reject", "add", "remove", "span", "memo", "flag", "unflag", "consensus", "undo", "stance",
)
CODE_ACTIONS = frozenset({"accept", "reject", "add", "remove", "consensus"})
PRESENT = frozenset({"accepted", "added"})
OUTCOMES = ("present", "absent")
REVIEW_STATUSES = frozenset({"suggested", "accepted", "rejected", "added", "unreviewed"})


@dataclass
class Memo:
    """A memo written by an analyst."""

    analyst: str
    created_at: datetime
    text: str
    decision_id: str


@dataclass
class CodeState:
    """The current state of one code on one segment."""

    segment_id: str
    code_id: str
    status: str = "suggested"
    suggested: bool = False
    confidence: float | None = None
    span: tuple[int, int] | None = None
    memos: list[Memo] = field(default_factory=list)
    flagged: bool = False
    decided_by: str | None = None
    decided_at: datetime | None = None
    stance: str | None = None  # set by a "stance" decision (barrier codes)
    # before a merge into this code: the status each merged code had on the unit (present wins)
    merged: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def present(self) -> bool:
        """Whether an analyst has applied the code (accepted or added)."""
        return self.status in PRESENT


@dataclass
class SegmentNote:
    """Segment-level state: memos, flag, adjusted quote span and who touched it last."""

    segment_id: str
    memos: list[Memo] = field(default_factory=list)
    flagged: bool = False
    span: tuple[int, int] | None = None
    last_by: str | None = None
    last_at: datetime | None = None
    reviewed: bool = False


@dataclass
class ReviewState:
    """Current state: per (segment, code) and per segment."""

    codes: dict[tuple[str, str], CodeState]
    segments: dict[str, SegmentNote]
    # the machine's below-threshold candidates ("possible" tier), by (segment, code): confidence
    possible: dict[tuple[str, str], float] = field(default_factory=dict)

    def for_segment(self, segment_id: str) -> list[CodeState]:
        """The code states of one segment, suggested codes by confidence first, then added codes."""
        states = [s for (seg, _), s in self.codes.items() if seg == segment_id]
        return sorted(states, key=lambda s: (not s.suggested, -(s.confidence or 0.0), s.code_id))

    def note(self, segment_id: str) -> SegmentNote:
        """The segment-level state (empty when nothing was decided)."""
        return self.segments.get(segment_id) or SegmentNote(segment_id)


# ---------------------------------------------------------------- writing


def new_decision_id() -> str:
    """A random, time-independent decision id."""
    return "D-" + uuid.uuid4().hex


def _segment_context(conn: Any, segment_id: str) -> tuple[Any, str, tuple[int, int]]:
    """The segment row, its source text and the parent context span (turn or answer)."""
    seg = (
        conn.execute(select(segments_table).where(segments_table.c.segment_id == segment_id))
        .mappings()
        .first()
    )
    if seg is None:
        raise ReviewError("unknown segment '{segment}'", segment=segment_id,
                          hint="reload the page; the study may have been re-run")
    text = conn.execute(
        select(sources_table.c.text).where(sources_table.c.source_id == seg["source_id"])
    ).scalar()
    context = (seg["start"], seg["end"])
    if seg["parent_id"]:
        parent = conn.execute(
            select(segments_table.c.start, segments_table.c.end).where(
                segments_table.c.segment_id == seg["parent_id"]
            )
        ).first()
        if parent is not None:
            context = (parent[0], parent[1])
    return seg, text or "", context


def check_span(
    segment_id: str, start: object, end: object, *, text_length: int, context: tuple[int, int]
) -> tuple[int, int]:
    """Validate a span: integers, ``0 <= start < end <= len(text)`` and inside ``context``."""
    if (
        isinstance(start, bool)
        or isinstance(end, bool)
        or not isinstance(start, int)
        or not isinstance(end, int)
    ):
        raise ReviewError("span of segment '{segment}' needs integer start and end, got {start}, {end}",
                          segment=segment_id, start=repr(start), end=repr(end))
    if not 0 <= start < end <= text_length:
        raise ReviewError("span {start}-{end} of segment '{segment}' is outside its source (0-{length})",
                          hint="select text inside the quote's context", start=start, end=end,
                          segment=segment_id, length=text_length)
    if start < context[0] or end > context[1]:
        raise ReviewError(
            "span {start}-{end} of segment '{segment}' leaves the coding unit's context {first}-{last}",
            hint="select text inside the highlighted answer or turn",
            start=start, end=end, segment=segment_id, first=context[0], last=context[1])
    return start, end


def _validate(conn: Any, decision: ReviewDecision, codebook: Codebook | None) -> None:
    if decision.action not in ACTIONS:
        raise ReviewError("unknown action '{action}'", hint="use one of {actions}", action=decision.action,
                          actions=", ".join(ACTIONS))
    if not decision.analyst.strip():
        raise ReviewError("a decision needs the analyst's name")
    seg, text, context = _segment_context(conn, decision.segment_id)
    if decision.action in CODE_ACTIONS and not decision.code_id:
        raise ReviewError("action '{action}' needs a code", where=f"segment {decision.segment_id}",
                          action=decision.action)
    if decision.code_id and codebook is not None and not codebook.has_code(decision.code_id):
        codebook.code(decision.code_id)  # raises with close matches
    if decision.action == "add" and codebook is not None and codebook.code(decision.code_id or "").deprecated:
        raise ReviewError("code '{code}' is deprecated: it is not used for new coding",
                          hint="choose another code, or restore it on its codebook page",
                          code=decision.code_id)
    if decision.action == "span":
        check_span(decision.segment_id, decision.start, decision.end, text_length=len(text), context=context)
    if decision.action == "memo" and not (decision.memo or "").strip():
        raise ReviewError("a memo cannot be empty", where=f"segment {decision.segment_id}")
    if decision.action == "stance" and (not decision.code_id or decision.outcome not in STANCES):
        raise ReviewError("a stance needs a code and one of {stances}, got {outcome}",
                          where=f"segment {decision.segment_id}", stances=", ".join(STANCES),
                          outcome=repr(decision.outcome))
    if decision.action == "stance" and codebook is not None and not is_stance_code(decision.code_id or ""):
        raise ReviewError("a stance is for barrier codes; '{code}' is not one",
                          where=f"segment {decision.segment_id}", code=decision.code_id,
                          hint="set the stance of a code of the barrier family")
    if decision.action == "consensus" and decision.outcome not in OUTCOMES:
        raise ReviewError("a consensus needs outcome 'present' or 'absent', got {outcome}",
                          outcome=repr(decision.outcome))
    if decision.action == "undo":
        _validate_undo(conn, decision)


def _validate_undo(conn: Any, decision: ReviewDecision) -> None:
    target = (
        conn.execute(select(decisions_table).where(decisions_table.c.decision_id == decision.undoes))
        .mappings()
        .first()
    )
    if target is None:
        raise ReviewError("cannot undo unknown decision '{decision}'", decision=decision.undoes)
    target_segment, _ = whereabouts_in(conn).now(target["segment_id"], target["created_at"])
    if target_segment != decision.segment_id or target["round"] != decision.round:
        raise ReviewError("decision '{decision}' belongs to another segment or round",
                          decision=decision.undoes)


def record_decision(
    workspace: Workspace,
    *,
    segment_id: str,
    action: str,
    analyst: str,
    code_id: str | None = None,
    start: int | None = None,
    end: int | None = None,
    memo: str | None = None,
    round: str = MAIN_ROUND,
    undoes: str | None = None,
    outcome: str | None = None,
    codebook: Codebook | None = None,
) -> ReviewDecision:
    """Validate and append one decision; it is committed when this returns."""
    if action not in ACTIONS:  # a forged form value: a ReviewError, not the record's validation error
        raise ReviewError("unknown action '{action}'", hint="use one of {actions}", action=action,
                          actions=", ".join(ACTIONS))
    ensure_review_schema(workspace)
    decision = ReviewDecision(
        decision_id=new_decision_id(),
        segment_id=segment_id,
        code_id=code_id or None,
        action=action,  # type: ignore[arg-type]
        analyst=analyst,
        created_at=utcnow(),
        start=start,
        end=end,
        memo=lf_only(memo) if memo else memo,  # LF line breaks (a browser sends CRLF), else as written
        round=round or MAIN_ROUND,
        undoes=undoes,
        outcome=outcome,
    )
    with workspace.engine.begin() as conn:
        _validate(conn, decision, codebook)
        conn.execute(insert(decisions_table), [decision.model_dump()])
    logger.info("%s %s %s on %s (%s)", analyst, action, code_id or "", segment_id, decision.round)
    return decision


# ---------------------------------------------------------------- reading


def load_decisions(
    workspace: Workspace,
    *,
    segment_id: str | None = None,
    round: str | None = None,
    analyst: str | None = None,
    segment_ids: Sequence[str] | None = None,
) -> list[ReviewDecision]:
    """Decisions in the order they were written, optionally filtered.

    Code ids are read through the study's codebook renames (rename, move, merge): a decision on
    an old id counts for the code it became (see :func:`_read_through`). Decisions on units the study
    no longer holds (their source's file or row was removed from the study folder) are left out:
    they stay in the log and count again if the same unit returns. The log itself is never rewritten.
    """
    ensure_review_schema(workspace)
    where = whereabouts(workspace)
    column = decisions_table.c.segment_id
    in_study = column.in_(select(segments_table.c.segment_id))
    if where.sources:  # decisions made on a source before it was renamed follow it
        in_study = or_(in_study, *(column.startswith(old + ":", autoescape=True) for old in where.sources))
    if where.changes:  # and those made on a unit before its source changed around it
        in_study = or_(in_study, column.in_(select(unit_moves_table.c.old_segment_id)))
    query = select(decisions_table).order_by(decisions_table.c.seq).where(in_study)
    wanted = None if segment_id is None and segment_ids is None else set(
        ([segment_id] if segment_id is not None else []) + list(segment_ids or ()))
    if wanted is not None:
        query = query.where(column.in_(sorted(where.former_ids(wanted))))
    if round is not None:
        query = query.where(decisions_table.c.round == round)
    if analyst is not None:
        query = query.where(decisions_table.c.analyst == analyst)
    with workspace.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    lineage = code_lineage(workspace)
    # a memo an earlier version stored as the browser sent it (CRLF) reads with LF, as memos are written now
    decisions = [_read_through(ReviewDecision(**{k: lf_only(v) if k == "memo" and v else v
                                                 for k, v in row.items() if k != "seq"}), lineage)
                 for row in rows]
    if not where.sources and not where.changes:
        return decisions
    followed = [_followed(d, where) for d in decisions]
    if where.changes:  # a unit moved to a place a later change left empty is gone, as a removed one is
        moved_from = where.moved_ids
        moved = {f.segment_id for d, f in zip(decisions, followed, strict=True)
                 if (named := moved_segment_id(d.segment_id, where.sources)) in moved_from
                 or f.segment_id != named}
        gone = moved - set(wanted or ()) - _held(workspace, moved)
        followed = [d for d in followed if d.segment_id not in gone]
    return followed if wanted is None else [d for d in followed if d.segment_id in wanted]


def decisions_left_behind(workspace: Workspace, source_ids: Iterable[str]) -> dict[str, int]:
    """Per source of ``source_ids``: how many units it no longer holds carry decisions or memos in effect
    (main review), their own words changed (a corrected turn) or cut otherwise (speakers listed since):
    the study holds no unit the decisions follow to, so they are not shown or counted. They stay in the
    log, and apply again if the same unit returns."""
    wanted = set(source_ids)
    if not wanted:
        return {}
    ensure_review_schema(workspace)
    where = whereabouts(workspace)
    main = decisions_table.c.round == MAIN_ROUND
    query = select(decisions_table).where(main).order_by(decisions_table.c.seq)
    with workspace.engine.connect() as conn:
        decisions = [ReviewDecision(**{k: v for k, v in row.items() if k != "seq"})
                     for row in conn.execute(query).mappings()]
    followed = [_followed(d, where) for d in effective_decisions(decisions)]
    mine = {d.segment_id for d in followed if d.segment_id.rpartition(":")[0] in wanted}
    held = _held(workspace, mine)
    left: dict[str, int] = {}
    for segment_id in mine:
        if segment_id not in held:
            source = segment_id.rpartition(":")[0]
            left[source] = left.get(source, 0) + 1
    return left


def _held(workspace: Workspace, segment_ids: Iterable[str]) -> set[str]:
    """Those of ``segment_ids`` the study holds."""
    with workspace.engine.connect() as conn:
        return stored_segment_ids(conn, segment_ids)


def _followed(decision: ReviewDecision, where: Whereabouts) -> ReviewDecision:
    """``decision`` on the unit it was made on as the study holds that unit now: under its source's id
    now, and moved (its span with it) by each change of its source after it was made."""
    segment_id, shift = where.now(decision.segment_id, decision.created_at)
    if segment_id == decision.segment_id:
        return decision
    update: dict[str, Any] = {"segment_id": segment_id}
    if shift and decision.start is not None and decision.end is not None:
        update |= {"start": decision.start + shift, "end": decision.end + shift}
    return decision.model_copy(update=update)


def _read_through(decision: ReviewDecision, lineage: CodeLineage) -> ReviewDecision:
    """``decision`` with its code id as the code is called now; where a merge made that code, the
    code the analyst decided on is kept as ``merged_from`` (see :func:`fold`)."""
    if not decision.code_id:
        return decision
    now = lineage.current.get(decision.code_id, decision.code_id)
    origin = lineage.origin(decision.code_id, decision.created_at)
    if now == decision.code_id and origin is None:
        return decision
    return decision.model_copy(update={"code_id": now, "merged_from": origin})


def undone_ids(decisions: Sequence[ReviewDecision]) -> set[str]:
    """Ids of decisions reverted by an undo that is itself in effect."""
    undos: dict[str, list[ReviewDecision]] = {}
    for decision in decisions:
        if decision.action == "undo" and decision.undoes:
            undos.setdefault(decision.undoes, []).append(decision)
    memo: dict[str, bool] = {}

    def active(decision_id: str, depth: int = 0) -> bool:
        if decision_id not in memo:
            memo[decision_id] = depth > 50 or not any(
                active(u.decision_id, depth + 1) for u in undos.get(decision_id, [])
            )
        return memo[decision_id]

    return {d.decision_id for d in decisions if not active(d.decision_id)}


def effective_decisions(decisions: Sequence[ReviewDecision]) -> list[ReviewDecision]:
    """The decisions in effect: neither undo rows nor undone."""
    undone = undone_ids(decisions)
    return [d for d in decisions if d.action != "undo" and d.decision_id not in undone]


def decided_pairs(workspace: Workspace, segment_ids: Sequence[str]) -> set[tuple[str, str]]:
    """The (segment, code) pairs of these segments an analyst decided (an accept, reject, add, remove
    or consensus in effect, in any round). Re-coding leaves the machine's suggestion on them as it was:
    the decision stays a decision on the suggestion it was made on (its coder, model version and
    confidence), and a code an analyst added does not turn into a machine suggestion because a coder
    retrained on that very decision now suggests it."""
    return decided_pair_sets(workspace, segment_ids)[0]


def decided_pair_sets(workspace: Workspace,
                      segment_ids: Sequence[str]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """:func:`decided_pairs` of these segments and, apart, those whose decision in effect is an accept or
    a reject (made on a machine suggestion, not a code an analyst added): one read of their decisions
    for both, what re-coding a batch needs."""
    decisions = effective_decisions(load_decisions(workspace, segment_ids=list(segment_ids)))
    decided = {(d.segment_id, d.code_id) for d in decisions if d.action in CODE_ACTIONS and d.code_id}
    on_suggestions = {(d.segment_id, d.code_id) for d in decisions
                      if d.action in ("accept", "reject") and d.code_id}
    return decided, on_suggestions


def machine_suggestions(
    workspace: Workspace, *, segment_ids: Sequence[str] | None = None, tier: str = "suggested"
) -> dict[tuple[str, str], float]:
    """Highest machine confidence per (segment, code) over all coders, of the suggestions (or, with
    ``tier="possible"``, of the below-threshold candidates)."""
    query = select(
        assignments_table.c.segment_id, assignments_table.c.code_id, assignments_table.c.confidence
    ).where(assignments_table.c.tier == tier)
    if segment_ids is not None:
        query = query.where(assignments_table.c.segment_id.in_(list(segment_ids)))
    best: dict[tuple[str, str], float] = {}
    renamed = code_id_map(workspace)
    with workspace.engine.connect() as conn:
        for seg, code, confidence in conn.execute(query):
            code = renamed.get(code, code)
            best[(seg, code)] = max(confidence, best.get((seg, code), 0.0))
    return best


def _apply_code(state: CodeState, decision: ReviewDecision) -> None:
    """One code decision. A decision made before codes were merged into this one decides for the
    code it was made on: the merged code is present where any of them was (an analyst who accepted
    the right code and rejected its duplicate keeps the right one); a decision after the merge
    decides for the merged code."""
    action = decision.action
    if action == "consensus":
        action = "add" if decision.outcome == "present" else "reject"
    if action in ("accept", "add"):
        status = "accepted" if state.suggested else "added"
    elif action in ("reject", "remove"):
        status = "rejected"
    else:
        status = state.status
    if decision.merged_from is None:
        state.merged.clear()
    else:
        state.merged[decision.merged_from] = status
        if any(s in PRESENT for s in state.merged.values()):
            status = "accepted" if state.suggested else "added"
    state.status = status
    state.decided_by, state.decided_at = decision.analyst, decision.created_at


def _apply(state: ReviewState, decision: ReviewDecision, suggestions: dict[tuple[str, str], float]) -> None:
    note = state.segments.setdefault(decision.segment_id, SegmentNote(decision.segment_id))
    note.last_by, note.last_at = decision.analyst, decision.created_at
    code_state = None
    if decision.code_id:
        key = (decision.segment_id, decision.code_id)
        code_state = state.codes.get(key)
        if code_state is None:
            code_state = state.codes[key] = CodeState(decision.segment_id, decision.code_id, status="none")
    if decision.action in CODE_ACTIONS and code_state is not None:
        _apply_code(code_state, decision)
        note.reviewed = True
    elif decision.action == "span":
        span = (int(decision.start or 0), int(decision.end or 0))
        if code_state is not None:
            code_state.span = span
        else:
            note.span = span
    elif decision.action == "memo":
        memo = Memo(decision.analyst, decision.created_at, decision.memo or "", decision.decision_id)
        (code_state.memos if code_state is not None else note.memos).append(memo)
    elif decision.action in ("flag", "unflag"):
        target: Any = code_state if code_state is not None else note
        target.flagged = decision.action == "flag"
    elif decision.action == "stance" and code_state is not None and is_stance_code(decision.code_id or ""):
        code_state.stance = decision.outcome


def fold(decisions: Iterable[ReviewDecision], suggestions: dict[tuple[str, str], float]) -> ReviewState:
    """Fold decisions (in order) over machine suggestions into the current state."""
    state = ReviewState(
        codes={
            key: CodeState(key[0], key[1], suggested=True, confidence=conf)
            for key, conf in suggestions.items()
        },
        segments={},
    )
    for decision in effective_decisions(list(decisions)):
        _apply(state, decision, suggestions)
    state.codes = {k: v for k, v in state.codes.items() if v.status != "none" or v.suggested}
    return state


def current_state(
    workspace: Workspace,
    *,
    analyst: str | None = None,
    round: str = MAIN_ROUND,
    segment_ids: Sequence[str] | None = None,
) -> ReviewState:
    """The current state of the review, per (segment, code) and per segment.

    ``round="main"`` folds the shared review plus every round's ``consensus`` decisions; a
    blind round id folds only that round's independent codings (pass ``analyst`` for one analyst's):
    its ``consensus`` decisions resolve the round into the main state and never change the blind
    coding of the analyst who recorded them.
    """
    decisions = load_decisions(workspace, analyst=analyst, segment_ids=segment_ids)
    if round == MAIN_ROUND:
        chosen = [
            d
            for d in decisions
            if d.round == MAIN_ROUND
            or d.action == "consensus"
            or (d.action == "undo" and d.round != MAIN_ROUND)
        ]
    else:
        chosen = [d for d in decisions if d.round == round and d.action != "consensus"]
    state = fold(chosen, machine_suggestions(workspace, segment_ids=segment_ids))
    state.possible = machine_suggestions(workspace, segment_ids=segment_ids, tier="possible")
    return state


def _memo_text(memos: Sequence[Memo]) -> str:
    return " | ".join(memo.text for memo in memos if memo.text)


def code_reviews(state: ReviewState,
                 segment_ids: Iterable[str] | None = None) -> dict[tuple[str, str], CodeReview]:
    """The review as exports read it: one :class:`CodeReview` per (segment, code).

    A code without its own span takes the segment's adjusted quote span; memos on the code
    and on its segment are joined. ``segment_ids`` limits the result to those segments.
    """
    wanted = set(segment_ids) if segment_ids is not None else None
    out: dict[tuple[str, str], CodeReview] = {}
    for (segment_id, code_id), code in state.codes.items():
        if code.status not in REVIEW_STATUSES or (wanted is not None and segment_id not in wanted):
            continue
        note = state.segments.get(segment_id)
        span = code.span or (note.span if note is not None else None)
        memo = " | ".join(m for m in (_memo_text(code.memos), _memo_text(note.memos) if note else "") if m)
        out[(segment_id, code_id)] = CodeReview(
            status=code.status,  # type: ignore[arg-type]
            start=span[0] if span else None,
            end=span[1] if span else None,
            memo=memo,
            analyst=code.decided_by or "",
            stance=code.stance,  # type: ignore[arg-type]
        )
    return out


_DECIDED = {"accept": "accepted", "reject": "rejected", "add": "added", "remove": "removed",
            "span": "quote span", "stance": "stance", "consensus": "consensus", "memo": "memo"}


def decided_codes_missing(workspace: Workspace, codebook: Codebook) -> dict[str, dict[str, int]]:
    """Codes analysts decided on (decisions in effect, any round, read through the study's renames)
    that ``codebook`` lacks: code id -> {what was decided ("accepted", ...): how many times}."""
    missing: dict[str, dict[str, int]] = {}
    for decision in effective_decisions(load_decisions(workspace)):
        if decision.code_id and not codebook.has_code(decision.code_id):
            counts = missing.setdefault(decision.code_id, {})
            what = _DECIDED.get(decision.action, decision.action)
            counts[what] = counts.get(what, 0) + 1
    return missing


#: What to do about a codebook file that lacks decided codes (its commands print it; the app keeps the
#: codebook it has and logs why).
DECIDED_CODES_HINT = (
    "keep each such code in the codebook file with `deprecated: true` (its decisions keep counting; it is "
    "no longer offered for new coding); to rename a code keep its id and change its label, or rename it on "
    "its page in the review app, which carries the decisions over. Nothing was changed, and the decisions "
    "stay in the log")


def check_decided_codes(workspace: Workspace, codebook: Codebook) -> None:
    """Refuse a codebook that lacks codes analysts have decided on: their decisions would count
    nowhere (no export, table or app page shows a code the codebook does not have)."""
    from hoi_nlp.errors import CodebookError

    missing = decided_codes_missing(workspace, codebook)
    if not missing:
        return
    listed = "; ".join(
        f"{code_id} ({', '.join(f'{n} {what}' for what, n in counts.items())})"
        for code_id, counts in sorted(missing.items()))
    raise CodebookError(
        "codebook {version} lacks {n} decided code(s): {codes}; their decisions would count nowhere",
        hint=DECIDED_CODES_HINT, version=codebook.version_tag, n=len(missing), codes=listed)


def decision_counts(workspace: Workspace) -> dict[str, int]:
    """How many decisions of each action the log holds."""
    counts: dict[str, int] = {}
    for decision in load_decisions(workspace):
        counts[decision.action] = counts.get(decision.action, 0) + 1
    return counts


def reviewed_rows(workspace: Workspace, *, round: str = MAIN_ROUND,
                  state: ReviewState | None = None) -> list[dict[str, Any]]:
    """Segments with at least one code decision, as training rows.

    Each row: ``segment_id``, ``text`` (the adjusted quote span when set), ``codes_accepted``
    (accepted or added), ``codes_rejected`` and ``codes_pending`` (machine suggestions on the segment
    nobody has decided yet). ``state``: the round's :func:`current_state` when the caller read it already.
    """
    state = state if state is not None else current_state(workspace, round=round)
    by_segment: dict[str, list[CodeState]] = {}
    pending: dict[str, list[str]] = {}
    for (segment_id, code_id), code_state in state.codes.items():
        if code_state.status in ("accepted", "added", "rejected"):
            by_segment.setdefault(segment_id, []).append(code_state)
        elif code_state.status == "suggested" and code_state.suggested:
            pending.setdefault(segment_id, []).append(code_id)
    if not by_segment:
        return []
    texts = _segment_texts(workspace, list(by_segment))
    rows = []
    for segment_id in sorted(by_segment):
        states = by_segment[segment_id]
        span = state.note(segment_id).span
        text = texts[segment_id][1][span[0] : span[1]] if span else texts[segment_id][0]
        rows.append(
            {
                "segment_id": segment_id,
                "text": text,
                "codes_accepted": sorted(s.code_id for s in states if s.present),
                "codes_rejected": sorted(s.code_id for s in states if s.status == "rejected"),
                "codes_pending": sorted(pending.get(segment_id, [])),
            }
        )
    return rows


def _segment_texts(workspace: Workspace, segment_ids: list[str]) -> dict[str, tuple[str, str]]:
    """segment_id -> (segment text, source text)."""
    query = (
        select(segments_table.c.segment_id, segments_table.c.text, sources_table.c.text)
        .join(sources_table, sources_table.c.source_id == segments_table.c.source_id)
        .where(segments_table.c.segment_id.in_(segment_ids))
    )
    with workspace.engine.connect() as conn:
        return {row[0]: (row[1], row[2]) for row in conn.execute(query)}

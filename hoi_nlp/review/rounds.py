"""Blind double coding: rounds of the same segments coded independently by several analysts.

While a round is open, an analyst sees only their own decisions of that round. When every
analyst of the round has finished, the round is *complete*: its disagreements are listed and
each resolution is recorded as a ``consensus`` decision (which also sets the main state).
A round nobody can finish can be *cancelled* (recorded, never deleted): it is then locked, never
complete, and left out of agreement; its decisions stay in the log.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from hoi_nlp.errors import ReviewError
from hoi_nlp.records import utcnow
from hoi_nlp.review.accounts import list_users
from hoi_nlp.review.decisions import MAIN_ROUND, current_state, load_decisions, machine_suggestions
from hoi_nlp.review.tables import (
    ensure_review_schema,
    round_cancelled_table,
    round_done_table,
    round_items_table,
    rounds_table,
)
from hoi_nlp.store import Workspace, load_segments, upsert, whereabouts_in

logger = logging.getLogger(__name__)

_ROUND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Round:
    """A blind double-coding round."""

    round_id: str
    analysts: tuple[str, ...]
    segment_ids: tuple[str, ...]
    finished: dict[str, datetime]
    created_at: datetime
    cancelled: datetime | None = None

    @property
    def complete(self) -> bool:
        """Whether every analyst has finished (a cancelled round is never complete)."""
        return self.cancelled is None and all(a in self.finished for a in self.analysts)

    def locked_for(self, analyst: str) -> bool:
        """Whether ``analyst`` can no longer code in this round (complete, cancelled or finished)."""
        return self.complete or self.cancelled is not None or analyst in self.finished

    def member(self, analyst: str) -> bool:
        """Whether ``analyst`` codes in this round."""
        return analyst in self.analysts


@dataclass(frozen=True)
class Disagreement:
    """A (segment, code) the round's analysts coded differently."""

    segment_id: str
    code_id: str
    values: dict[str, bool]
    resolved: str | None = None


def assign_round(
    workspace: Workspace,
    round_id: str,
    analysts: Sequence[str],
    *,
    sample: int | None = None,
    seed: int = 0,
    created_by: str = "admin",
    segment_ids: Sequence[str] | None = None,
) -> Round:
    """Create round ``round_id``: the same segments for every analyst (a random sample when ``sample``)."""
    ensure_review_schema(workspace)
    analysts = tuple(dict.fromkeys(a.strip() for a in analysts if a.strip()))
    if not _ROUND_ID.match(round_id) or round_id == MAIN_ROUND:
        raise ReviewError("round id '{round}' must be letters/digits/._- and not 'main'", round=round_id)
    if len(analysts) < 2:
        raise ReviewError("blind double coding needs at least two analysts", hint="--analysts a,b")
    if sample is not None and sample < 1:
        raise ReviewError("--sample {sample}: a round needs at least one coding unit", sample=sample,
                          hint="give a sample of 1 or more units, or leave --sample out for all of them")
    _check_accounts(workspace, analysts)
    ids = (
        list(segment_ids)
        if segment_ids is not None
        else [s.segment_id for s in load_segments(workspace, codable=True)]
    )
    if sample is not None and sample < len(ids):
        ids = sorted(random.Random(seed).sample(ids, sample))
    if not ids:
        raise ReviewError("no coding units to assign", hint="run the study first (`hoi run STUDY`)")
    with workspace.engine.begin() as conn:
        if conn.execute(select(rounds_table.c.round_id).where(rounds_table.c.round_id == round_id)).first():
            raise ReviewError("round '{round}' exists already", hint="choose a new round id", round=round_id)
        conn.execute(
            insert(rounds_table),
            [
                {
                    "round_id": round_id,
                    "analysts": list(analysts),
                    "created_at": utcnow(),
                    "created_by": created_by,
                }
            ],
        )
        conn.execute(
            insert(round_items_table),
            [{"round_id": round_id, "segment_id": sid, "position": i} for i, sid in enumerate(ids)],
        )
    logger.info("round %s: %d segments for %s", round_id, len(ids), ", ".join(analysts))
    return get_round(workspace, round_id)


def _check_accounts(workspace: Workspace, analysts: Sequence[str]) -> None:
    """Every analyst of a round needs an active account: nobody else could ever finish it."""
    known = sorted(u.username for u in list_users(workspace) if u.active)
    unknown = [a for a in analysts if a not in known]
    if unknown:
        raise ReviewError("no account for {unknown}: a round's analysts must be users of the study",
                          hint="known users: {known}; add one with `hoi users add STUDY NAME`",
                          unknown=", ".join(repr(a) for a in unknown), known=", ".join(known) or "none yet")


def get_round(workspace: Workspace, round_id: str) -> Round:
    """Round ``round_id`` or :class:`ReviewError`."""
    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        row = conn.execute(select(rounds_table).where(rounds_table.c.round_id == round_id)).mappings().first()
        if row is None:
            raise ReviewError(
                "unknown round '{round}'", hint="see the rounds page or `hoi review assign`", round=round_id
            )
        items = (
            conn.execute(
                select(round_items_table.c.segment_id)
                .where(round_items_table.c.round_id == round_id)
                .order_by(round_items_table.c.position)
            )
            .scalars()
            .all()
        )
        done = conn.execute(
            select(round_done_table.c.analyst, round_done_table.c.finished_at).where(
                round_done_table.c.round_id == round_id
            )
        ).all()
        cancelled = conn.execute(
            select(round_cancelled_table.c.cancelled_at).where(round_cancelled_table.c.round_id == round_id)
        ).scalar()
        where = whereabouts_in(conn)
    # a unit of a source renamed, or moved by a change of its source, since the round began is the round's
    # under the id it has now, as the coders' decisions on it are
    units = tuple(where.now(sid, row["created_at"])[0] for sid in items)
    return Round(round_id, tuple(row["analysts"]), units, dict(done), row["created_at"], cancelled)


def list_rounds(workspace: Workspace) -> list[Round]:
    """All rounds, newest first."""
    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        ids = conn.execute(
            select(rounds_table.c.round_id).order_by(rounds_table.c.created_at.desc())
        ).scalars()
        round_ids = list(ids)
    return [get_round(workspace, rid) for rid in round_ids]


def finish_round(workspace: Workspace, round_id: str, analyst: str) -> Round:
    """Mark ``analyst`` as finished with round ``round_id``."""
    current = get_round(workspace, round_id)
    if not current.member(analyst):
        raise ReviewError("'{analyst}' is not an analyst of round '{round}'", analyst=analyst,
                                      round=round_id)
    if current.cancelled is not None:
        raise ReviewError("round '{round}' was cancelled", round=round_id)
    if analyst not in current.finished:
        with workspace.engine.begin() as conn:
            upsert(
                conn,
                round_done_table,
                [{"round_id": round_id, "analyst": analyst, "finished_at": utcnow()}],
                keys=["round_id", "analyst"],
                replace=False,
            )
    return get_round(workspace, round_id)


def cancel_round(workspace: Workspace, round_id: str, *, by: str, reason: str = "") -> Round:
    """Cancel round ``round_id``, which is not complete: a row records who and when; no decision is
    deleted. Its analysts can no longer code or finish it, and it counts in no agreement."""
    current = get_round(workspace, round_id)
    if current.complete:
        raise ReviewError("round '{round}' is complete: its agreement stands and it cannot be cancelled",
                          round=round_id)
    if current.cancelled is not None:
        raise ReviewError("round '{round}' was cancelled already", round=round_id)
    with workspace.engine.begin() as conn:
        conn.execute(insert(round_cancelled_table), [
            {"round_id": round_id, "cancelled_by": by, "cancelled_at": utcnow(), "reason": reason or None}
        ])
    logger.info("round %s cancelled by %s", round_id, by)
    return get_round(workspace, round_id)


def round_progress(workspace: Workspace, current: Round) -> str:
    """How far each analyst is, e.g. "anna 8 of 8, carl 0 of 8 units reviewed"."""
    total = len(current.segment_ids)
    done = [f"{a} {total - unreviewed_count(workspace, current, a)} of {total}" for a in current.analysts]
    return ", ".join(done) + " units reviewed"


def visible_rounds(workspace: Workspace, analyst: str) -> set[str]:
    """Rounds whose decisions ``analyst`` may see from others: the complete ones."""
    return {r.round_id for r in list_rounds(workspace) if r.complete}


@dataclass(frozen=True)
class RoundCodings:
    """The analysts' independent codings of a round (consensus decisions left out).

    ``reviewed``: per analyst, the round's units on which they decided at least one code (accept,
    reject, add or remove). ``applied``: per analyst, the (unit, code) pairs they applied (accepted
    or added). ``in_play``: the (unit, code) pairs some analyst faced — the machine's suggestions on
    the round's units and every code an analyst decided there.
    """

    segment_ids: tuple[str, ...]
    reviewed: dict[str, frozenset[str]]
    applied: dict[str, frozenset[tuple[str, str]]]
    in_play: frozenset[tuple[str, str]]

    def compared(self) -> list[str]:
        """The units every analyst reviewed, in the round's order: the units agreement is computed on."""
        return [s for s in self.segment_ids if all(s in seen for seen in self.reviewed.values())]

    def not_reviewed(self) -> dict[str, list[str]]:
        """Per unit that some analyst did not review: who did not (in the round's order)."""
        out = {s: [a for a, seen in self.reviewed.items() if s not in seen] for s in self.segment_ids}
        return {s: who for s, who in out.items() if who}


def round_codings(workspace: Workspace, current: Round) -> RoundCodings:
    """Each analyst's independent coding of round ``current``."""
    states = {
        a: current_state(workspace, analyst=a, round=current.round_id, segment_ids=current.segment_ids)
        for a in current.analysts
    }
    in_play = set(machine_suggestions(workspace, segment_ids=current.segment_ids))
    for state in states.values():
        in_play |= set(state.codes)
    return RoundCodings(
        segment_ids=current.segment_ids,
        reviewed={a: frozenset(s for s, note in states[a].segments.items() if note.reviewed
                               and s in current.segment_ids) for a in current.analysts},
        applied={a: frozenset(k for k, code in states[a].codes.items() if code.present)
                 for a in current.analysts},
        in_play=frozenset(in_play),
    )


def unreviewed_count(workspace: Workspace, current: Round, analyst: str) -> int:
    """How many of the round's units ``analyst`` has not reviewed (decided no code on)."""
    state = current_state(workspace, analyst=analyst, round=current.round_id, segment_ids=current.segment_ids)
    return sum(1 for s in set(current.segment_ids) if not state.note(s).reviewed)


def disagreements(workspace: Workspace, current: Round, *,
                  codings: RoundCodings | None = None) -> list[Disagreement]:
    """The (unit, code) pairs the analysts coded differently, on units every analyst reviewed, with
    any consensus recorded. A unit some analyst did not review is no disagreement (see
    :meth:`RoundCodings.not_reviewed`). ``codings``: the round's, when already read."""
    codings = codings or round_codings(workspace, current)
    compared = set(codings.compared())
    resolved = {(d.segment_id, d.code_id): d.outcome for d in _consensus(workspace, current.round_id)}
    out = []
    for key in sorted(k for k in codings.in_play if k[0] in compared):
        per = {a: key in codings.applied[a] for a in current.analysts}
        if len(set(per.values())) > 1:
            out.append(Disagreement(key[0], key[1], per, resolved.get(key)))
    return out


def agreements(workspace: Workspace, current: Round, *,
               codings: RoundCodings | None = None) -> list[tuple[str, str, str]]:
    """The (unit, code, outcome) pairs every analyst coded alike on units every analyst reviewed —
    "present" where all applied the code, "absent" where none did — with no consensus recorded yet."""
    codings = codings or round_codings(workspace, current)
    compared = set(codings.compared())
    resolved = {(d.segment_id, d.code_id) for d in _consensus(workspace, current.round_id)}
    out = []
    for key in sorted(k for k in codings.in_play if k[0] in compared and k not in resolved):
        applied = {key in codings.applied[a] for a in current.analysts}
        if len(applied) == 1:
            out.append((key[0], key[1], "present" if applied.pop() else "absent"))
    return out


def apply_agreements(workspace: Workspace, current: Round, *, analyst: str, codebook: object = None) -> int:
    """Carry a complete round's agreements into the main review, as the consensus they are (one
    ``consensus`` decision each, by ``analyst``; agreement figures do not change). Returns how many."""
    from hoi_nlp.review.decisions import record_decision

    if not current.complete:
        raise ReviewError("round '{round}' is not complete: every analyst must finish first",
                                      round=current.round_id)
    found = agreements(workspace, current)
    who = ", ".join(current.analysts)
    for segment_id, code_id, outcome in found:
        record_decision(workspace, segment_id=segment_id, action="consensus", code_id=code_id,
                        outcome=outcome, memo=f"agreed by {who}", analyst=analyst, round=current.round_id,
                        codebook=codebook)  # type: ignore[arg-type]
    logger.info("round %s: %d agreements carried into the main review by %s", current.round_id, len(found),
                analyst)
    return len(found)


def _consensus(workspace: Workspace, round_id: str) -> list:  # type: ignore[type-arg]
    from hoi_nlp.review.decisions import effective_decisions

    decisions = effective_decisions(load_decisions(workspace, round=round_id))
    return [d for d in decisions if d.action == "consensus"]

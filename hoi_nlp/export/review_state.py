"""The analysts' review as exports see it: per (segment, code) a status, span and memo.

Reads :func:`hoi_nlp.review.decisions.current_state` when the review module is installed;
without it every coding is in its machine state. Spans are offsets into the source text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hoi_nlp.export.tables import ReviewState

if TYPE_CHECKING:
    from hoi_nlp.records import Segment
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

_STATUSES = {"suggested", "accepted", "rejected", "added", "unreviewed"}


def review_available() -> bool:
    """Whether the review module's decision log can be read."""
    try:
        from hoi_nlp.review.decisions import current_state  # noqa: F401
    except ImportError:
        return False
    return True


def load_review_states(
    workspace: Workspace, segments: Mapping[str, Segment]
) -> dict[tuple[str, str], ReviewState]:
    """Current review state per (segment, code); empty when there is no review module or log."""
    try:
        from hoi_nlp.review.decisions import current_state
    except ImportError:
        logger.info("no review module: exporting the machine coding only")
        return {}
    return normalise_states(current_state(workspace), segments)


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _memo_text(memos: Any) -> str:
    return " | ".join(str(_get(m, "text", m)) for m in memos or [] if _get(m, "text", m))


def normalise_states(state: Any, segments: Mapping[str, Segment]) -> dict[tuple[str, str], ReviewState]:
    """Turn the review module's state (``.codes`` per (segment, code), ``.segments`` notes) into ours.

    Spans are source offsets; a code without its own span takes the segment's quote span.
    """
    codes = _get(state, "codes", state)
    notes = _get(state, "segments", {}) or {}
    out: dict[tuple[str, str], ReviewState] = {}
    for item in codes.values() if isinstance(codes, Mapping) else codes or []:
        segment_id, code_id = _get(item, "segment_id"), _get(item, "code_id")
        status = str(_get(item, "status", "") or "")
        if not segment_id or not code_id or status not in _STATUSES or segment_id not in segments:
            continue
        note = notes.get(segment_id)
        span = _get(item, "span") or (_get(note, "span") if note is not None else None)
        memo = " | ".join(
            m
            for m in (
                _memo_text(_get(item, "memos")),
                _memo_text(_get(note, "memos")) if note is not None else "",
            )
            if m
        )
        out[(segment_id, code_id)] = ReviewState(
            status=status,
            start=int(span[0]) if span else None,
            end=int(span[1]) if span else None,
            memo=memo,
            analyst=str(_get(item, "decided_by", "") or ""),
        )
    return out


def decision_counts(workspace: Workspace) -> dict[str, int]:
    """How many review decisions of each action the log holds (empty without the review module)."""
    try:
        from hoi_nlp.review import decisions
    except ImportError:
        return {}
    loader = getattr(decisions, "load_decisions", None)
    if loader is None:
        return {}
    counts: dict[str, int] = {}
    for decision in loader(workspace):
        action = str(_get(decision, "action", ""))
        counts[action] = counts.get(action, 0) + 1
    return counts

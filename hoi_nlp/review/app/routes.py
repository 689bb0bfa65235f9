"""Routes of the review app: login, queue/browse lists, segment view, codebook, agreement, rounds."""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from hoi_nlp.errors import HoiError, ReviewError
from hoi_nlp.records import ReviewDecision, Source
from hoi_nlp.review import agreement as agreement_mod
from hoi_nlp.review.accounts import (
    LoginBlocked,
    Session,
    User,
    authenticate,
    create_session,
    end_session,
)
from hoi_nlp.review.app.explain import segment_extras
from hoi_nlp.review.app.i18n import Words
from hoi_nlp.review.app.paging import filter_counts, page_of
from hoi_nlp.review.app.state import (
    COOKIE,
    AppConfig,
    AppError,
    Refused,
    check_csrf,
    current_session,
    html,
    refusal_text,
    set_session_cookie,
    with_one_key,
)
from hoi_nlp.review.app.unit_index import SHOWN_FILTERS, Place, learn_first
from hoi_nlp.review.app.views import (
    BANDS,
    FULL_VIEW,
    Corpus,
    Filters,
    Unit,
    code_counts,
    context_blocks,
    facet_values,
    preview,
    segment_url,
    unit_list,
)
from hoi_nlp.review.decisions import (
    MAIN_ROUND,
    ReviewState,
    current_state,
    effective_decisions,
    load_decisions,
    record_decision,
)
from hoi_nlp.review.masking import SHOWN_ATTRIBUTES, FullView, masked
from hoi_nlp.review.rounds import (
    Round,
    agreements,
    apply_agreements,
    disagreements,
    finish_round,
    get_round,
    list_rounds,
    round_codings,
    unreviewed_count,
    visible_rounds,
)
from hoi_nlp.store import Whereabouts, assignments_table, whereabouts

logger = logging.getLogger(__name__)
router = APIRouter()
CSRF = Depends(check_csrf)
PAGE = 200


def _config(request: Request) -> AppConfig:
    return request.app.state.config  # type: ignore[no-any-return]


def _corpus(config: AppConfig) -> Corpus:
    assert config.corpus is not None
    return config.corpus


# ---------------------------------------------------------------- login


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/queue") -> Response:
    """The login form."""
    return html(request, "login.html", {"next": _safe_next(next), "error": ""})


def _safe_next(target: str) -> str:
    """A path of this app to go to after the login, else /queue: never another site, also not in the forms
    a browser reads as one (``/\\evil.example``: a backslash is a slash to it; a tab or line break is
    dropped)."""
    read = target.replace("\\", "/").translate({ord(c): None for c in "\t\r\n"})
    return read if read.startswith("/") and not read.startswith("//") else "/queue"


@router.post("/login")
def login(
    request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/queue")
) -> Response:
    """Check the password and start a session (HttpOnly cookie)."""
    config = _config(request)
    address = request.client.host if request.client else None
    try:
        user = authenticate(config.workspace, username.strip(), password, address=address,
                            limits=config.login_limits)
    except LoginBlocked as exc:
        error = refusal_text(request, exc).capitalize() + "."
        response = html(request, "login.html", {"next": _safe_next(next), "error": error}, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if user is None:
        return html(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "Wrong username or password."},
            status_code=401,
        )
    token, _ = create_session(config.workspace, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, token, secure=config.secure_cookie)
    return response


@router.post("/logout")
def logout(request: Request, session: Session = CSRF) -> Response:
    """End the session."""
    end_session(_config(request).workspace, request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# ---------------------------------------------------------------- state helpers


def _round_for(config: AppConfig, session: Session, round_id: str) -> Round | None:
    if not round_id or round_id == MAIN_ROUND:
        return None
    current = _known_round(config, round_id)
    if not current.member(session.user.username):
        raise AppError(403, "you are not an analyst of round '{round}'", round=round_id)
    return current


def _known_round(config: AppConfig, round_id: str) -> Round:
    """Round ``round_id``; an unknown one is a 404 naming it."""
    try:
        return get_round(config.workspace, round_id)
    except ReviewError as exc:
        raise Refused(404, exc) from None


def _state(
    config: AppConfig, session: Session, current: Round | None, segment_ids: list[str] | None = None
) -> ReviewState:
    if current is None:
        return current_state(config.workspace, segment_ids=segment_ids)
    return current_state(
        config.workspace, analyst=session.user.username, round=current.round_id, segment_ids=segment_ids
    )


def _units(config: AppConfig, session: Session, filters: Filters, corpus: Corpus, *, keep: str | None = None,
           state: ReviewState | None = None) -> list[Unit]:
    """The units of the list ``filters`` ask for, of the page's ``corpus`` (its snapshot of the study);
    ``state``: the review state of the filters' round when the page has read it already."""
    current = _round_for(config, session, filters.round)
    ids = list(current.segment_ids) if current else None
    state = state if state is not None else _state(config, session, current, ids)  # a round: its units only
    shown = _shown(config, session)
    _check_filters(shown, filters)
    units = unit_list(
        corpus, state, filters, config.codebook, order=config.order, keep=keep, segment_ids=ids,
        shown=shown,
    )
    return units


def _privacy(config: AppConfig, session: Session) -> Any:
    return None if session.user.can_see_original else config.privacy


def _shown(config: AppConfig, session: Session) -> FullView:
    """What this reviewer sees of labels and ids: all of it, or the pseudonymised view."""
    privacy = _privacy(config, session)
    return FULL_VIEW if privacy is None else privacy  # type: ignore[no-any-return]


def _check_filters(shown: FullView, filters: Filters) -> None:
    """A reviewer may filter only by what the page may show them (no lookup of hidden attributes)."""
    key = filters.attr.partition("=")[0]
    if shown.private and filters.attr and key not in SHOWN_ATTRIBUTES:
        raise AppError(400, "you can filter by the attributes {attributes} only",
                       attributes=Words(SHOWN_ATTRIBUTES))


def _real_id(config: AppConfig, session: Session, segment_id: str, corpus: Corpus | None = None) -> str:
    """The segment behind an id from a link (a reviewer without rights gets keyed ids, without names or
    offsets); a reviewer with rights may also open the id a pseudonymised export shows. ``corpus``: the
    request's snapshot of the study (else one is taken here)."""
    corpus = corpus if corpus is not None else _corpus(config).snapshot()
    shown = _shown(config, session)
    if not shown.private:
        by_id = corpus.by_id
        if segment_id in by_id or config.privacy is None:
            return segment_id
        return config.privacy.real_id(segment_id, by_id) or segment_id
    real = shown.real_id(segment_id, corpus.by_id,
                         lambda sid: (corpus.by_id[sid], corpus.sources[corpus.by_id[sid].source_id]))
    if real is None:
        raise HTTPException(404, "no such coding unit")
    return real


def _shown_unit(shown: FullView, unit: Unit, sources: dict[str, Any]) -> Unit:
    return Unit(shown.segment(unit.segment), sources[unit.source.source_id], unit.codes, flagged=unit.flagged,
                possible=unit.possible)


# ---------------------------------------------------------------- lists


@router.get("/")
def home() -> Response:
    """Start at the queue."""
    return RedirectResponse("/queue", status_code=303)


def _list_page(request: Request, mode: str) -> Response:
    """A queue or browse page, its list filtered and shown with one pseudonym key."""
    config, session = _config(request), current_session(request)
    corpus, shown = _corpus(config).snapshot(), _shown(config, session)  # one study for the list and rows
    filters = Filters.from_query(request.query_params)
    if mode == "browse" and not filters.status:
        filters = Filters(**{**filters.__dict__, "status": "all"})
    learn_first(corpus, shown)
    study = None
    if not filters.round or filters.round == MAIN_ROUND:  # the main review: its units read once
        study = config.unit_index.study(corpus, config.codebook, order=config.order)
        _learn_listed(request, corpus, filters, study)
    return with_one_key(shown, lambda: _made_list_page(request, mode, corpus, filters, study))


def _learn_listed(request: Request, corpus: Corpus, filters: Filters, study: Any) -> None:
    """Let the key learn the names in the texts the page lists before the page is made: a study not yet
    exported (its texts never pseudonymised) learnt them while its first list pages showed their
    previews, and made each of them again (:func:`with_one_key`). Only where the list does not depend on
    the key (no filter by what the reader is shown): it is kept as it is made here."""
    config, session = _config(request), current_session(request)
    privacy = _privacy(config, session)
    if privacy is None or any(getattr(filters, key) for key in SHOWN_FILTERS):
        return
    units = config.unit_index.units(corpus, config.codebook, filters, order=config.order, shown=privacy,
                                    study=study)
    _page, listed = page_of(units, request.query_params.get("page"), size=config.settings.review.page_size)
    privacy.hidden_many([u.source for u in listed])


def _made_list_page(request: Request, mode: str, corpus: Corpus, filters: Filters, study: Any) -> Response:
    config, session = _config(request), current_session(request)
    current = _round_for(config, session, filters.round)
    privacy = _privacy(config, session)
    shown = _shown(config, session)
    if current is None:  # the main review: from the units, lists and counts the app keeps up to date
        _check_filters(shown, filters)
        units, counts, facets = config.unit_index.listing(
            corpus, config.codebook, filters, order=config.order, shown=shown, facets=mode == "browse",
            study=study)
    else:  # a round: read once, for the list and (below) the filters' counts of its units only
        state = _state(config, session, current, list(current.segment_ids))
        units = _units(config, session, filters, corpus, state=state)
    page, listed = page_of(units, request.query_params.get("page"), size=config.settings.review.page_size)
    if privacy is not None:
        privacy.hidden_many([u.source for u in listed])
    sources = shown.sources(u.source for u in listed)
    rows = [
        {"unit": _shown_unit(shown, u, sources), "text": preview(corpus, privacy, u.segment),
         "question": corpus.question(u.segment, shown)}
        for u in listed
    ]
    if current is not None:
        counted = Filters(**{**filters.__dict__, "status": filters.status or "pending"})
        counts = filter_counts(corpus, state, counted, segment_ids=list(current.segment_ids), shown=shown)
        facets = facet_values(corpus, shown) if mode == "browse" else {}  # of the whole study
    return html(
        request,
        "list.html",
        {
            "mode": mode,
            "rows": rows,
            "total": len(units),
            "filters": filters,
            "query": filters.query(),
            "facets": facets,
            "bands": BANDS,
            "order": "active learning (the coder's most uncertain units first, varied)"
            if config.order
            else "lowest confidence first",
            "round": filters.round,
            "families": config.codebook.families,
            "attr_label": _attribute_label,
            "counts": counts,
            "page": page,
        },
    )


def _attribute_label(value: str) -> str:
    key, _, rest = value.partition("=")
    return f"{key.replace('_', ' ')}: {rest}"


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request) -> Response:
    """Units with undecided suggestions, most informative / least confident first."""
    return _list_page(request, "queue")


@router.get("/browse", response_class=HTMLResponse)
def browse(request: Request) -> Response:
    """All coding units, by code, source, question, speaker, attribute or confidence band."""
    return _list_page(request, "browse")


# ---------------------------------------------------------------- segment view


def _evidence(config: AppConfig, segment_id: str, offset: int) -> dict[str, list[dict[str, Any]]]:
    query = select(
        assignments_table.c.code_id,
        assignments_table.c.coder,
        assignments_table.c.evidence,
        assignments_table.c.confidence,
    ).where(assignments_table.c.segment_id == segment_id)
    out: dict[str, list[dict[str, Any]]] = {}
    with config.workspace.engine.connect() as conn:
        for code_id, coder, evidence, confidence in conn.execute(query):
            for ev in evidence or []:
                out.setdefault(code_id, []).append(
                    {
                        "start": offset + int(ev["start"]),
                        "end": offset + int(ev["end"]),
                        "pattern": ev.get("pattern", ""),
                        "coder": coder,
                        "confidence": confidence,
                    }
                )
            if not evidence:
                out.setdefault(code_id, [])
    return out


def _shown_span(shown: FullView, source: Source, span: tuple[int, int]) -> tuple[int, int]:
    return shown.offset(source, span[0]), shown.offset(source, span[1], end=True)


def _source_offsets(corpus: Corpus, shown: FullView, segment_id: str, start: str, end: str,
                    ) -> tuple[int | None, int | None]:
    """A span the page sent, as source offsets (the page carries offsets into the redaction for a
    reviewer without rights); ``corpus``: the request's snapshot of the study."""
    first, last = _int_or_none(start), _int_or_none(end)
    seg = corpus.by_id.get(segment_id)
    if not shown.private or seg is None or first is None or last is None:
        return first, last
    source = corpus.sources[seg.source_id]
    return shown.source_offset(source, first), shown.source_offset(source, last, end=True)


def _history(
    config: AppConfig, session: Session, segment_id: str, current: Round | None
) -> list[ReviewDecision]:
    decisions = load_decisions(config.workspace, segment_id=segment_id)
    me = session.user.username
    if current is not None:
        return [d for d in decisions if d.round == current.round_id and (d.analyst == me or current.complete)]
    visible = visible_rounds(config.workspace, me)
    return [
        d
        for d in decisions
        if d.round == MAIN_ROUND or d.round in visible or d.analyst == me or d.action == "consensus"
    ]


def _place(config: AppConfig, session: Session, corpus: Corpus, filters: Filters, segment_id: str,
           current: Round | None) -> Place:
    """Where the unit stands in the list it was opened from: its position, the list's length, the units
    before and after it (the unit stays in its place when a decision took it out of the list)."""
    shown = _shown(config, session)
    _check_filters(shown, filters)
    if current is None:  # the main review: from the units and lists the app keeps up to date
        return config.unit_index.place(corpus, config.codebook, filters, segment_id,
                                       order=config.order, shown=shown)
    ids = [u.segment.segment_id for u in _units(config, session, filters, corpus, keep=segment_id)]
    position = ids.index(segment_id) if segment_id in ids else -1
    next_id = ids[position + 1] if 0 <= position < len(ids) - 1 else None
    if next_id is None and filters.status in ("", "pending"):
        # The end of the queue: go round to a unit still pending (one skipped earlier), if any.
        next_id = next((i for i in ids if i != segment_id), None)
    return Place(position + 1, len(ids), ids[position - 1] if position > 0 else None, next_id)


def segment_context(
    request: Request, segment_id: str, filters: Filters, *, error: str = "", corpus: Corpus | None = None
) -> dict[str, Any]:
    """Everything the segment page shows (``corpus``: the request's snapshot of the study, else one is
    taken here)."""
    config, session = _config(request), current_session(request)
    # the unit and its place in its list from one study
    corpus = corpus if corpus is not None else _corpus(config).snapshot()
    shown = _shown(config, session)
    segment_id = _real_id(config, session, segment_id, corpus)
    seg = corpus.by_id.get(segment_id)
    if seg is None or not seg.codable:
        raise AppError(404, "no coding unit '{segment}'", segment=shown.segment_id(segment_id))
    current = _round_for(config, session, filters.round)
    if current is not None and segment_id not in current.segment_ids:
        shown_id = shown.segment_id(segment_id)
        raise AppError(404, "segment '{segment}' is not part of round '{round}'", segment=shown_id,
                       round=current.round_id)
    state = _state(config, session, current, [segment_id])
    codes = state.for_segment(segment_id)
    note = state.note(segment_id)
    source = corpus.sources[seg.source_id]
    evidence = _evidence(config, segment_id, seg.start)
    quote = note.span or (seg.start, seg.end)
    privacy = _privacy(config, session)
    hidden = privacy.hidden(source) if privacy is not None else []
    for items in evidence.values():
        for item in items:
            item["text"] = masked(source.text, item["start"], item["end"], hidden)
    all_evidence = [(e["start"], e["end"]) for c in codes for e in evidence.get(c.code_id, [])]
    place = _place(config, session, corpus, filters, segment_id, current)
    history = _history(config, session, segment_id, current)
    effective = {d.decision_id for d in effective_decisions(history)}
    locked = bool(current and current.locked_for(session.user.username))
    undoable = set() if locked else _undoable(history, effective, current, session.user)
    public = shown.source(source)
    if shown.private:  # memos may name someone an analyst with rights saw
        note = dataclasses.replace(note, memos=_memos_shown(shown, note.memos))
        codes = [dataclasses.replace(c, memos=_memos_shown(shown, c.memos)) for c in codes]
    extras = segment_extras(workspace=config.workspace, codebook=config.codebook, corpus=corpus, seg=seg,
                            source=source, codes=codes, hidden=hidden, privacy=privacy,
                            nearest_examples=config.nearest_examples)
    return extras | {
        "seg": shown.segment(seg),
        "source": public,
        "codes": codes,
        "note": note,
        "evidence": evidence,
        "quote": quote,
        # Offsets as the page carries them (into the redaction for a reviewer without rights).
        "quote_shown": _shown_span(shown, source, quote),
        "unit_shown": _shown_span(shown, source, (seg.start, seg.end)),
        "spans_shown": {d.decision_id: _shown_span(shown, source, (d.start, d.end)) for d in history
                        if d.action == "span" and d.start is not None and d.end is not None},
        "quote_text": masked(source.text, quote[0], quote[1], hidden)
        if hidden
        else source.text[quote[0] : quote[1]],
        "blocks": context_blocks(corpus, seg, quote=quote, evidence=all_evidence, hidden=hidden, shown=shown),
        "question": corpus.question(seg, shown),
        "question_text": public.attributes.get("question", ""),
        "prev_id": shown.segment_id(place.prev_id) if place.prev_id else None,
        "next_id": shown.segment_id(place.next_id) if place.next_id else None,
        "list_url": _list_url(filters),
        "position": place.position,
        "total": place.total,
        "filters": filters,
        "query": filters.query(),
        "history": list(reversed(history)),
        "effective": effective,
        "undoable": undoable,
        "round": current,
        "locked": locked,
        "error": error,
        "show_original": privacy is None,
        "added_codes": [c for c in codes if not c.suggested],
        "attributes": {
            k: v
            for k, v in public.attributes.items()
            if k in SHOWN_ATTRIBUTES or (privacy is None and k == "municipality")
        },
    }


def _undoable(history: list[ReviewDecision], effective: set[str], current: Round | None,
              me: User) -> set[str]:
    """The decisions the undo route accepts from this page: in effect, of the page's own round, mine
    (an admin may undo anyone's in the main review), and no consensus (a round's resolution is final)."""
    round_id = current.round_id if current is not None else MAIN_ROUND
    return {
        d.decision_id
        for d in history
        if d.decision_id in effective
        and d.action not in ("undo", "consensus")
        and d.round == round_id
        and _may_undo(d, current, me)
    }


def _may_undo(decision: ReviewDecision, current: Round | None, me: User) -> bool:
    """My own decisions; in the main review an admin's too (to change another analyst's decision, an
    analyst decides again: both stay in the history)."""
    return decision.analyst == me.username or (current is None and me.is_admin)


def _list_url(filters: Filters) -> str:
    """The list a unit was opened from (where Next leads after the last unit)."""
    mode = "browse" if filters.status and filters.status != "pending" else "queue"
    query = filters.query()
    return f"/{mode}" + (f"?{query}" if query else "")


@router.get("/segment/{segment_id:path}", response_class=HTMLResponse)
def segment_page(request: Request, segment_id: str) -> Response:
    """One coding unit in its context, with the machine's suggestions and the review actions; a link that
    names the unit by an id it had before its transcript was corrected or its source renamed leads to the
    unit as it is now."""
    filters = Filters.from_query(request.query_params)
    config, session = _config(request), current_session(request)
    corpus = _corpus(config).snapshot()  # the link's unit and the page from one study
    moved = _moved_unit(config, session, segment_id, corpus)
    if isinstance(moved, Moved):
        query = request.url.query
        return RedirectResponse(segment_url(moved.now) + (f"?{query}" if query else ""), status_code=303)
    if isinstance(moved, Changed):
        raise AppError(404, CHANGED_UNIT, segment=segment_id)
    return with_one_key(_shown(config, session), lambda: html(
        request, "segment.html", segment_context(request, segment_id, filters, corpus=corpus)))


#: A link's unit gone with a correction of its source that changed its own words.
CHANGED_UNIT = "no coding unit '{segment}': its transcript was corrected since, and the unit's words with it"


@dataclasses.dataclass(frozen=True)
class Moved:
    """A link's unit under another id now (as the reader is shown it)."""

    now: str


@dataclasses.dataclass(frozen=True)
class Changed:
    """A link's unit gone with a correction of its source that changed its own words."""


def _moved_unit(config: AppConfig, session: Session, segment_id: str,
                corpus: Corpus) -> Moved | Changed | None:
    """Where the unit a link names is now when the id is one it had before a later run cut its corrected
    source again or renamed its source (a bookmark, a link in a memo or an e-mail, a pseudonymised export's
    id): moved, its words unchanged (at new offsets) under a new id; or changed with the correction. None:
    the id names a unit now, or none of a corrected or renamed source."""
    shown = _shown(config, session)
    try:
        if _real_id(config, session, segment_id, corpus) in corpus.by_id:
            return None
    except HTTPException:  # a keyed id of no unit now
        pass
    moves = whereabouts(config.workspace)
    if not moves.changes and not moves.sources:
        return None
    named = _former_id(config, shown, segment_id, moves, corpus)
    if named is not None:
        now, _shift = moves.now(named, datetime.min)
        seg = corpus.by_id.get(now)
        if now != named and seg is not None and seg.codable:
            return Moved(shown.segment_id(now))
    return Changed() if _of_a_corrected_source(config, shown, segment_id, moves, corpus) else None


def _former_id(config: AppConfig, shown: FullView, segment_id: str, moves: Whereabouts,
               corpus: Corpus) -> str | None:
    """The id a unit had before a correction moved it or its source was renamed that ``segment_id`` names:
    the keyed id's (a page's link for a reviewer without rights, an id in a pseudonymised export), or
    itself (a reader with rights)."""
    keyed = config.privacy.former_id(segment_id, moves, corpus.by_id) if config.privacy is not None else None
    return keyed if keyed is not None or shown.private else segment_id


def _of_a_corrected_source(config: AppConfig, shown: FullView, segment_id: str, moves: Whereabouts,
                           corpus: Corpus) -> bool:
    """Whether ``segment_id`` is under the id of a source corrected since (or its id before a rename), as
    the reader was shown it (a reader with rights may also hold the id a pseudonymised export shows)."""
    corrected = {source_id for source_id in moves.changes if source_id in corpus.sources}
    corrected |= {old for old, new in moves.sources.items() if new in corrected}
    views = [shown] if shown.private or config.privacy is None else [shown, config.privacy]
    source_part = segment_id.rpartition(":")[0]
    return any(view.ident(source_id) == source_part for view in views for source_id in corrected)


def _filters_from(q: str) -> Filters:
    return Filters.from_query(dict(parse_qsl(q)))


def _int_or_none(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise ReviewError("offset {value} is not a whole number", value=repr(value)) from None


def _after_decision(request: Request, segment_id: str, filters: Filters, error: str = "") -> Response:
    if request.headers.get("HX-Request"):
        config, session = _config(request), current_session(request)
        return with_one_key(_shown(config, session), lambda: html(
            request, "_segment_body.html", segment_context(request, segment_id, filters, error=error),
            status_code=422 if error else 200))
    if error:
        raise HTTPException(422, error)
    query = filters.query()
    return RedirectResponse(segment_url(segment_id) + (f"?{query}" if query else ""), status_code=303)


def _memos_shown(shown: Any, memos: list[Any]) -> list[Any]:
    """Memos as a viewer sees them (pseudonymised for one without original-text rights)."""
    return [dataclasses.replace(m, text=shown.memo(m.text)) for m in memos]


@router.post("/segment/{segment_id:path}/decide")
def decide(
    request: Request,
    segment_id: str,
    action: str = Form(...),
    code_id: str = Form(""),
    start: str = Form(""),
    end: str = Form(""),
    memo: str = Form(""),
    outcome: str = Form(""),
    q: str = Form(""),
    session: Session = CSRF,
) -> Response:
    """Append one decision (accept, reject, add, remove, span, memo, flag, unflag) and re-render."""
    config = _config(request)
    filters = _filters_from(q)
    corpus = _corpus(config).snapshot()  # the unit and its source from one study
    shown_id, segment_id = segment_id, _real_id(config, session, segment_id, corpus)
    current = _round_for(config, session, filters.round)
    if current is not None and current.locked_for(session.user.username):
        return _after_decision(request, shown_id, filters, "this round is finished; decisions are locked")
    if action in ("consensus", "undo"):
        return _after_decision(request, shown_id, filters, f"'{action}' has its own button")
    first = last = None
    try:
        first, last = _source_offsets(corpus, _shown(config, session), segment_id, start, end)
        record_decision(
            config.workspace,
            segment_id=segment_id,
            action=action,
            analyst=session.user.username,
            code_id=code_id.strip() or None,
            start=first,
            end=last,
            memo=memo.strip() or None,
            round=current.round_id if current else MAIN_ROUND,
            codebook=config.codebook,
        )
    except HoiError as exc:
        return _after_decision(request, shown_id, filters, _decision_error(request, exc))
    learn_from_memo(config, memo)
    return _after_decision(request, shown_id, filters)


def learn_from_memo(config: AppConfig, *texts: str) -> None:
    """Let the study's key learn what a memo just written names, now: a signature («… /LB») makes those
    initials hidden on every page, quote and export, but the key learnt it only once a reviewer without
    rights opened that very memo (or an export read it), so «Spørg LB» in another memo showed before."""
    wanted = [text for text in texts if text and text.strip()]
    if config.privacy is None or not wanted:
        return
    try:
        config.privacy.values(wanted)
    except Exception as exc:  # noqa: BLE001 - the memo is saved; a page showing it reports the problem
        logger.warning("reading a new memo for the pseudonym key failed: %s", exc)


SPAN_OUTSIDE = "the selection lies outside the highlighted answer or turn — select text inside it"
#: The parameters of a refused span that are source offsets.
SPAN_OFFSETS = ("start", "end", "length", "first", "last")


def _decision_error(request: Request, error: HoiError) -> str:
    """A refused decision as this reviewer may read it, in their language (:func:`refusal_text`: the
    unit by the id their pages show); a span refused by its source offsets, which tell a reviewer
    without rights how long the hidden names are, only says where to select."""
    config, session = _config(request), current_session(request)
    if _shown(config, session).private and any(key in error.params for key in SPAN_OFFSETS):
        return SPAN_OUTSIDE
    return refusal_text(request, error)


@router.post("/segment/{segment_id:path}/undo")
def undo(
    request: Request, segment_id: str, decision_id: str = Form(""), q: str = Form(""), session: Session = CSRF
) -> Response:
    """Undo a decision (the latest of mine on this segment when no id is given) by appending an ``undo``."""
    config = _config(request)
    filters = _filters_from(q)
    shown_id, segment_id = segment_id, _real_id(config, session, segment_id)
    current = _round_for(config, session, filters.round)
    round_id = current.round_id if current else MAIN_ROUND
    if current is not None and current.locked_for(session.user.username):
        return _after_decision(request, shown_id, filters, "this round is finished; decisions are locked")
    history = [d for d in load_decisions(config.workspace, segment_id=segment_id, round=round_id)]
    effective = effective_decisions(history)
    if not decision_id:
        mine = [d for d in effective if d.analyst == session.user.username]
        if not mine:
            return _after_decision(request, shown_id, filters, "nothing of yours to undo here")
        decision_id = mine[-1].decision_id
    target = next((d for d in history if d.decision_id == decision_id), None)
    if target is None:
        return _after_decision(request, shown_id, filters, "unknown decision")
    if not _may_undo(target, current, session.user):
        refusal = ("in a blind round you can only undo your own decisions" if current is not None else
                   "you can only undo your own decisions; decide again to change another analyst's "
                   "(both stay in the history)")
        return _after_decision(request, shown_id, filters, refusal)
    try:
        record_decision(
            config.workspace,
            segment_id=segment_id,
            action="undo",
            analyst=session.user.username,
            undoes=decision_id,
            code_id=target.code_id,
            round=round_id,
        )
    except HoiError as exc:
        return _after_decision(request, shown_id, filters, refusal_text(request, exc))
    return _after_decision(request, shown_id, filters)


# ---------------------------------------------------------------- codebook


@router.get("/codebook", response_class=HTMLResponse)
def codebook_page(request: Request) -> Response:
    """Codes with descriptions and counts (suggested / accepted / rejected)."""
    config, _session = _config(request), current_session(request)
    counts = code_counts(current_state(config.workspace))
    return html(
        request,
        "codebook.html",
        {"counts": counts, "families": config.codebook.families, "retrain": dict(config.retrain)},
    )


@router.get("/codebook/{code_id}", response_class=HTMLResponse)
def code_page(request: Request, code_id: str) -> Response:
    """One code: description, rules, counts and example quotes (accepted first)."""
    config, session = _config(request), current_session(request)
    if not config.codebook.has_code(code_id):
        raise AppError(404, "unknown code '{code}'", code=code_id)
    state = current_state(config.workspace)
    corpus = _corpus(config).snapshot()  # the quotes and their sources from one study
    privacy = _privacy(config, session)
    examples = sorted(
        (s for (_, c), s in state.codes.items() if c == code_id and s.segment_id in corpus.by_id),
        key=lambda s: (
            {"accepted": 0, "added": 0, "suggested": 1, "rejected": 2}.get(s.status, 3),
            -(s.confidence or 0),
        ),
    )
    if privacy is not None:
        privacy.hidden_many([corpus.sources[corpus.by_id[s.segment_id].source_id] for s in examples[:12]])
    shown = _shown(config, session)
    sources = shown.sources(corpus.sources[corpus.by_id[s.segment_id].source_id] for s in examples[:12])
    quotes = [
        {
            "state": dataclasses.replace(s, segment_id=shown.segment_id(s.segment_id)),
            "text": preview(corpus, privacy, corpus.by_id[s.segment_id], limit=400),
            "source": sources[corpus.by_id[s.segment_id].source_id],
        }
        for s in examples[:12]
    ]
    code = config.codebook.code(code_id)
    # the codebook's examples: pseudonymised too (a codebook file may name someone; the app's own
    # examples were pseudonymised when they were added and stay as they are)
    shown_examples = privacy.values(code.examples) if privacy is not None else {}
    return html(
        request,
        "code.html",
        {
            "code": code,
            "examples": [shown_examples.get(e, "") if privacy is not None else e for e in code.examples],
            "quotes": quotes,
            "counts": code_counts(state).get(code_id, {}),
        },
    )


# ---------------------------------------------------------------- agreement


@router.get("/agreement", response_class=HTMLResponse)
def agreement_page(request: Request, round: str = "") -> Response:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha per code and overall."""
    config, _session = _config(request), current_session(request)
    rounds = list_rounds(config.workspace)
    visible = [r for r in rounds if r.complete]
    rows = _visible_agreement(config, rounds, round)
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.comparison, []).append(row)
    return html(
        request, "agreement.html", {"groups": groups, "rounds": rounds, "visible": visible, "selected": round}
    )


def _visible_agreement(config: AppConfig, rounds: list[Round], round_id: str) -> list[Any]:
    """Agreement rows anyone may see: nothing of a blind round until every analyst has finished it
    (not its inter-coder rows, not its machine-vs-analyst rows), for any user and any route."""
    visible = {r.round_id for r in rounds if r.complete}
    if round_id and round_id not in visible:
        return []
    rows = agreement_mod.all_agreement(config.workspace, round_id=round_id or None)
    hidden = [r.round_id for r in rounds if r.round_id not in visible]
    return [r for r in rows if not any(f"round {rid}" in r.comparison for rid in hidden)]


@router.get("/agreement.csv")
def agreement_csv(request: Request, round: str = "", dialect: str = "excel") -> Response:
    """The agreement table as CSV (``dialect=excel-da``: semicolons and decimal commas, for Danish Excel)."""
    import io
    from dataclasses import asdict

    import pandas as pd

    from hoi_nlp.io import CSV_DIALECTS, write_csv_frame

    config, _session = _config(request), current_session(request)
    if dialect not in CSV_DIALECTS:
        raise HTTPException(status_code=400, detail="unknown CSV dialect")
    rows = _visible_agreement(config, list_rounds(config.workspace), round)
    buffer = io.StringIO()
    write_csv_frame(pd.DataFrame([asdict(r) for r in rows],
                                 columns=list(agreement_mod.AgreementRow.__dataclass_fields__)),
                    buffer, dialect=dialect)
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="agreement.csv"'},
    )


# ---------------------------------------------------------------- rounds


@router.get("/rounds", response_class=HTMLResponse)
def rounds_page(request: Request) -> Response:
    """Blind double-coding rounds and my progress in each."""
    config, session = _config(request), current_session(request)
    rounds = list_rounds(config.workspace)
    progress = {r.round_id: _progress(config, session.user.username, r) for r in rounds}
    return html(request, "rounds.html", {"rounds": rounds, "progress": progress})


def _progress(config: AppConfig, analyst: str, current: Round) -> int:
    """How many of the round's units ``analyst`` has reviewed (decided a code on)."""
    return len(current.segment_ids) - unreviewed_count(config.workspace, current, analyst)


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(request: Request, round_id: str) -> Response:
    """A round: my progress, finish button; once complete, the disagreements to resolve."""
    return _round_page(request, round_id)


def _round_page(request: Request, round_id: str, *, confirm_finish: bool = False) -> Response:
    config, session = _config(request), current_session(request)
    current = _known_round(config, round_id)
    codings = round_codings(config.workspace, current) if current.complete else None
    items = disagreements(config.workspace, current, codings=codings) if codings else []
    agreed = len(agreements(config.workspace, current, codings=codings)) if codings else 0
    missing = codings.not_reviewed() if codings else {}
    corpus = _corpus(config).snapshot()  # the units and their sources from one study
    privacy = _privacy(config, session)
    shown = _shown(config, session)
    texts = {
        shown.segment_id(sid): preview(corpus, privacy, corpus.by_id[sid])
        for sid in [*(d.segment_id for d in items), *missing]
        if sid in corpus.by_id
    }
    items = [dataclasses.replace(d, segment_id=shown.segment_id(d.segment_id)) for d in items]
    rows = agreement_mod.round_agreement(config.workspace, round_id, codings=codings) if codings else []
    progress = _progress(config, session.user.username, current)
    return html(
        request,
        "round.html",
        {
            "round": current,
            "items": items,
            "missing": {shown.segment_id(sid): who for sid, who in missing.items()},
            "texts": texts,
            "rows": rows,
            "agreed": agreed,
            "progress": progress,
            "unreviewed": len(current.segment_ids) - progress,
            "confirm_finish": confirm_finish,
            "member": current.member(session.user.username),
        },
    )


@router.post("/rounds/{round_id}/finish")
def round_finish(
    request: Request, round_id: str, confirm: str = Form(""), session: Session = CSRF
) -> Response:
    """I am done coding this round (with units I did not review: only once I confirm it)."""
    config = _config(request)
    try:
        current = get_round(config.workspace, round_id)
        if (confirm != "yes" and current.member(session.user.username)
                and unreviewed_count(config.workspace, current, session.user.username)):
            return _round_page(request, round_id, confirm_finish=True)
        finish_round(config.workspace, round_id, session.user.username)
    except ReviewError as exc:
        raise Refused(422, exc) from None
    return RedirectResponse(f"/rounds/{round_id}", status_code=303)


@router.post("/rounds/{round_id}/apply-agreements")
def round_apply_agreements(request: Request, round_id: str, session: Session = CSRF) -> Response:
    """Carry every agreement of a complete round into the main review (as consensus decisions)."""
    config = _config(request)
    current = _known_round(config, round_id)
    if not (current.member(session.user.username) or session.user.is_admin):
        raise HTTPException(403, "only the round's analysts or an admin can resolve it")
    try:
        apply_agreements(config.workspace, current, analyst=session.user.username, codebook=config.codebook)
    except HoiError as exc:
        raise Refused(409, exc) from None
    return RedirectResponse(f"/rounds/{round_id}", status_code=303)


@router.post("/rounds/{round_id}/resolve")
def round_resolve(
    request: Request,
    round_id: str,
    segment_id: str = Form(...),
    code_id: str = Form(...),
    outcome: str = Form(...),
    memo: str = Form(""),
    session: Session = CSRF,
) -> Response:
    """Record the consensus on one disagreement."""
    config = _config(request)
    current = _known_round(config, round_id)
    if not current.complete:
        raise HTTPException(409, "the round is not complete: every analyst must finish first")
    shown_id, segment_id = segment_id, _real_id(config, session, segment_id)
    if not (current.member(session.user.username) or session.user.is_admin):
        raise HTTPException(403, "only the round's analysts or an admin can resolve it")
    try:
        record_decision(
            config.workspace,
            segment_id=segment_id,
            action="consensus",
            code_id=code_id,
            outcome=outcome,
            memo=memo.strip() or None,
            analyst=session.user.username,
            round=round_id,
            codebook=config.codebook,
        )
    except HoiError as exc:
        raise Refused(422, exc) from None
    return RedirectResponse(f"/rounds/{round_id}#d-{shown_id}-{code_id}", status_code=303)


# ---------------------------------------------------------------- retraining


def compute_order(config: AppConfig) -> None:
    """Active-learning order from the study's (or the bundled) trained coder, when one fits the codebook.

    The order in place stays until the new one is ready; an order computed from a coder that was
    replaced meanwhile (``config.coder_key`` moved on) is not taken."""
    with config.lock:
        model_dir, key = config.model_dir, config.coder_key
    order: list[str] | None = None
    if model_dir is not None:
        try:
            from hoi_nlp.coding.model_io import load_trained_coder
            from hoi_nlp.nlp.embed import EmbeddingCache
            from hoi_nlp.review.queue import review_queue_from_coder

            cache = EmbeddingCache(config.workspace.cache_dir / "embeddings")  # what `hoi run` embedded
            coder = load_trained_coder(config.codebook, model_dir=model_dir, method="combined", cache=cache)
            units = _corpus(config).units
            order = review_queue_from_coder(coder, units, k=len(units))
            logger.info("active-learning order over %d units from %s", len(units), model_dir)
        except (HoiError, ImportError, OSError, ValueError) as exc:
            logger.info("no active-learning order (%s); lowest confidence first", exc)
    with config.lock:
        if config.coder_key == key:
            config.order = order


def refresh_coder(config: AppConfig) -> None:
    """Follow the study's coder when it was swapped outside the app (`hoi retrain`, `hoi retrain
    --restore-previous`): use its model folder from now on and order the queue with it in the
    background (the old order serves until then). Decisions are untouched: they live in the log, and
    the suggestions the app shows are read from the study at each request."""
    if config.coder_state is None:
        return
    directory, key = config.coder_state()
    with config.lock:
        if key == config.coder_key or config.retrain.get("running"):
            return  # unchanged, or the app's own retraining is installing it (and orders after)
        config.coder_key, config.model_dir = key, directory
    logger.info("the study's coder changed: the review app now uses %s", directory)
    if config.active_learning:
        threading.Thread(target=compute_order, args=(config,), daemon=True, name="hoi-queue").start()


def _run_retrain(config: AppConfig, analyst: str) -> None:
    try:
        if config.retrainer is None:
            raise ReviewError("retraining is not available in this app")
        summary = config.retrainer(config.workspace, config.codebook)
        with config.lock:
            config.model_dir = config.workspace.coder_model_dir
            if config.coder_state is not None:
                config.coder_key = config.coder_state()[1]
        _corpus(config).reload()
        if config.active_learning:
            compute_order(config)
        config.retrain.update(running=False, summary=summary, error="")
    except (HoiError, ValueError, OSError) as exc:
        logger.warning("retraining failed: %s", exc)
        # kept to be shown in the analyst's language: without the retraining's frames (its data, its arrays)
        exc.__traceback__ = exc.__context__ = exc.__cause__ = None
        config.retrain.update(running=False, error=exc)


@router.post("/retrain")
def retrain(request: Request, session: Session = CSRF) -> Response:
    """Start retraining with the reviewed rows in the background (admins)."""
    config = _config(request)
    if not session.user.is_admin:
        raise HTTPException(403, "only admins can retrain the coders")
    with config.lock:
        if not config.retrain.get("running"):
            config.retrain.clear()
            config.retrain.update(running=True, by=session.user.username)
            threading.Thread(target=_run_retrain, args=(config, session.user.username), daemon=True).start()
    return RedirectResponse("/codebook", status_code=303)


def list_link(filters: Filters, **override: str) -> str:
    """A /queue link with the given filters."""
    return "/queue?" + urlencode({**filters.active, **override})

"""Routes of the analyst's workbench: codebook work with its audit trail, accounts, language, stance.

- ``/codebook/new`` (from the codebook page or from a quote on a segment page),
  ``/codebook/{id}/rename|merge|move|deprecate|restore``: each writes a new codebook version
  (:mod:`hoi_nlp.review.codebook_edit`) and the app switches to it at once;
  ``/codebook/history``: the audit trail and whether the coder needs retraining.
- ``/admin/users``: the accounts (admins only), the same as ``hoi users``.
- ``/language``: the analyst's language (cookie).
- ``/memos``: memos on the study as a whole (journals imported from other tools, or written here).
- ``/segment/{id}/stance``: the analyst's barrier stance for a code (a ``stance`` decision).

Every state-changing route checks the CSRF token.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any
from urllib.parse import quote as url_quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hoi_nlp.errors import HoiError
from hoi_nlp.records import STANCES
from hoi_nlp.review import codebook_edit
from hoi_nlp.review.accounts import (
    ROLES,
    Session,
    add_user,
    list_users,
    remove_user,
    set_password,
)
from hoi_nlp.review.app.i18n import COOKIE as LANGUAGE_COOKIE
from hoi_nlp.review.app.i18n import LANGUAGES, Words, error_text, language_of, translator
from hoi_nlp.review.app.routes import (
    _after_decision,
    _corpus,
    _decision_error,
    _filters_from,
    _real_id,
    _round_for,
    _safe_next,
    _shown,
    _source_offsets,
    learn_from_memo,
)
from hoi_nlp.review.app.state import (
    AppConfig,
    Refused,
    check_csrf,
    current_session,
    html,
    refusal_text,
    with_one_key,
)
from hoi_nlp.review.app.views import Corpus
from hoi_nlp.review.decisions import MAIN_ROUND, check_span, record_decision

logger = logging.getLogger(__name__)
router = APIRouter()
CSRF = Depends(check_csrf)


def _config(request: Request) -> AppConfig:
    return request.app.state.config  # type: ignore[no-any-return]


def _language(request: Request) -> str:
    return language_of(request, _config(request).settings.review.language)


def _fail(request: Request, exc: HoiError, status: int = 422) -> HTTPException:
    return Refused(status, exc)


# ---------------------------------------------------------------- language


@router.post("/language")
def set_language(
    request: Request, language: str = Form(...), next: str = Form("/queue"), session: Session = CSRF
) -> Response:
    """Remember the analyst's language (a cookie for a year) and go back to the page."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=_config(request).secure_cookie,
            path="/",
        )
    return response


# ---------------------------------------------------------------- codebook work


@router.get("/codebook/history", response_class=HTMLResponse)
def codebook_history_page(request: Request) -> Response:
    """Every codebook version of the study: who changed what, when; and whether to retrain."""
    config, _session = _config(request), current_session(request)
    return html(
        request, "codebook_history.html", {"changes": codebook_edit.codebook_history(config.workspace)}
    )


@router.get("/memos", response_class=HTMLResponse)
def study_memos_page(request: Request) -> Response:
    """Memos on the study as a whole (a journal imported from QualCoder, or written here), newest first;
    pseudonymised for a reviewer without original-text rights."""
    from hoi_nlp.review.study_memos import load_study_memos

    config, session = _config(request), current_session(request)
    memos = load_study_memos(config.workspace)
    if not session.user.can_see_original and config.privacy is not None:
        memos = [dataclasses.replace(m, text=config.privacy.memo(m.text), title=config.privacy.memo(m.title),
                                     origin=m.origin if m.origin == "app" else config.privacy.memo(m.origin))
                 for m in memos]  # the imported file's name may hold one too ("Journal Lemvig.qdpx")
    return html(request, "study_memos.html", {"memos": list(reversed(memos))})


@router.post("/memos")
def add_study_memo(request: Request, text: str = Form(""), title: str = Form(""),
                   session: Session = CSRF) -> Response:
    """Write a memo on the study as a whole."""
    from hoi_nlp.review.study_memos import record_study_memo

    try:
        record_study_memo(_config(request).workspace, analyst=session.user.username, text=text, title=title)
    except HoiError as exc:
        raise _fail(request, exc) from None
    learn_from_memo(_config(request), text, title)
    return RedirectResponse("/memos", status_code=303)


def _quote_example(request: Request, session: Session, corpus: Corpus, segment_id: str, start: str, end: str,
                   ) -> tuple[str, tuple[int, int]]:
    """The pseudonymised text of the quote a code is created from, and its span (always redacted:
    the codebook travels into exports and to every reviewer); the page's offsets are the reader's
    (into the redaction for a reviewer without rights); ``corpus``: the request's snapshot of the study."""
    config = _config(request)
    seg = corpus.by_id.get(segment_id)
    if seg is None or not seg.codable:
        raise HTTPException(404, "no such coding unit")
    source = corpus.sources[seg.source_id]
    span = (seg.start, seg.end)
    if start.strip() and end.strip():
        try:
            int(start), int(end)
        except ValueError:
            raise HTTPException(422, "bad span") from None
        first, last = _source_offsets(corpus, _shown(config, session), segment_id, start, end)
        wanted = (int(first or 0), int(last or 0))
        parent = corpus.by_id.get(seg.parent_id or "") or seg
        context = (min(parent.start, seg.start), max(parent.end, seg.end))
        try:
            span = check_span(segment_id, wanted[0], wanted[1], text_length=len(source.text), context=context)
        except HoiError as exc:
            raise HTTPException(422, _decision_error(request, exc)) from None
    assert config.privacy is not None
    return config.privacy.text(source, span[0], span[1]), span


def _typed(config: AppConfig, text: str) -> str:
    """Text an analyst types into the codebook, pseudonymised with the study's key like a memo: the
    codebook goes into every export, and its words are left out of the exports' leak check."""
    return config.privacy.value(text) if config.privacy is not None and text.strip() else text


@router.post("/codebook/new")
def create_code(
    request: Request,
    family: str = Form(...),
    label: str = Form(...),
    name: str = Form(""),
    description: str = Form(""),
    include: str = Form(""),
    exclude: str = Form(""),
    segment_id: str = Form(""),
    start: str = Form(""),
    end: str = Form(""),
    q: str = Form(""),
    session: Session = CSRF,
) -> Response:
    """A new code; from a quote, the quote becomes its example and the code is added to that unit."""
    config = _config(request)
    filters = _filters_from(q)
    corpus = _corpus(config).snapshot()  # the quote, its unit and its source from one study
    shown_id, segment_id = segment_id, _real_id(config, session, segment_id, corpus) if segment_id else ""
    current = _round_for(config, session, filters.round) if segment_id else None
    if current is not None and current.locked_for(session.user.username):
        raise HTTPException(
            422, translator(_language(request))("This round is finished for you; decisions are locked.")
        )
    example, span = (_quote_example(request, session, corpus, segment_id, start, end) if segment_id
                     else ("", None))
    with config.lock:
        try:
            codebook, change = codebook_edit.create_code(
                config.workspace,
                config.codebook,
                analyst=session.user.username,
                family_id=family,
                label=_typed(config, label),
                name=name,
                description=_typed(config, description),
                include=_typed(config, include),
                exclude=_typed(config, exclude),
                example=example,
            )
        except HoiError as exc:
            if not segment_id:
                raise _fail(request, exc) from None
            failed = exc
        else:
            failed = None
            config.codebook = codebook
    if failed is not None:  # the segment page again, the form as the analyst filled it in and why
        from hoi_nlp.review.app.routes import segment_context

        typed = {"family": family, "label": label, "name": name, "description": description,
                 "include": include, "exclude": exclude, "start": start, "end": end,
                 "error": refusal_text(request, failed)}
        return with_one_key(_shown(config, session), lambda: html(
            request, "segment.html", segment_context(request, shown_id, filters) | {"create_form": typed},
            status_code=422))
    if not segment_id:
        return RedirectResponse(f"/codebook/{change.code_id}?saved={change.version}", status_code=303)
    round_id = current.round_id if current else MAIN_ROUND
    seg = corpus.by_id[segment_id]
    try:
        record_decision(config.workspace, segment_id=segment_id, action="add", analyst=session.user.username,
                        code_id=change.code_id, round=round_id, codebook=codebook)
        if span is not None and span != (seg.start, seg.end):
            record_decision(config.workspace, segment_id=segment_id, action="span",
                            analyst=session.user.username, code_id=change.code_id, start=span[0], end=span[1],
                            round=round_id, codebook=codebook)
    except HoiError as exc:  # the unit left the study meanwhile (a run beside the app): the code stays
        raise _fail(request, exc) from None
    query = filters.query()
    from hoi_nlp.review.app.views import segment_url

    return RedirectResponse(segment_url(shown_id) + (f"?{query}" if query else ""), status_code=303)


def _edit(request: Request, session: Session, edit: Any, code_id: str, **options: Any) -> Response:
    """Apply one codebook edit under the app's lock, switch the app to the new version, show the code."""
    config = _config(request)
    with config.lock:
        try:
            codebook, change = edit(
                config.workspace, config.codebook, analyst=session.user.username, code_id=code_id, **options
            )
        except HoiError as exc:
            raise _fail(request, exc) from None
        config.codebook = codebook
    shown = change.target if change.target and codebook.has_code(change.target) else code_id
    return RedirectResponse(f"/codebook/{url_quote(shown)}?saved={change.version}", status_code=303)


@router.post("/codebook/{code_id}/rename")
def rename_code(
    request: Request, code_id: str, label: str = Form(...), name: str = Form(""), session: Session = CSRF
) -> Response:
    """A new label (and optionally a new id) for a code."""
    label = _typed(_config(request), label)
    return _edit(request, session, codebook_edit.rename_code, code_id, label=label, name=name)


@router.post("/codebook/{code_id}/merge")
def merge_code(request: Request, code_id: str, into: str = Form(...), session: Session = CSRF) -> Response:
    """Merge a code into another one."""
    return _edit(request, session, codebook_edit.merge_codes, code_id, into=into)


@router.post("/codebook/{code_id}/move")
def move_code(request: Request, code_id: str, family: str = Form(...), session: Session = CSRF) -> Response:
    """Move a code to another family."""
    return _edit(request, session, codebook_edit.move_code, code_id, family_id=family)


@router.post("/codebook/{code_id}/deprecate")
def deprecate_code(
    request: Request, code_id: str, reason: str = Form(""), session: Session = CSRF
) -> Response:
    """Stop offering a code for new coding (earlier codings stay)."""
    reason = _typed(_config(request), reason)
    return _edit(request, session, codebook_edit.deprecate_code, code_id, reason=reason)


@router.post("/codebook/{code_id}/restore")
def restore_code(request: Request, code_id: str, session: Session = CSRF) -> Response:
    """Offer a deprecated code again."""
    return _edit(request, session, codebook_edit.deprecate_code, code_id, restore=True)


# ---------------------------------------------------------------- barrier stance


@router.post("/segment/{segment_id:path}/stance")
def set_stance(
    request: Request,
    segment_id: str,
    code_id: str = Form(...),
    outcome: str = Form(...),
    q: str = Form(""),
    session: Session = CSRF,
) -> Response:
    """The analyst's stance on a (barrier) code of this unit: hindrance, precondition, overcome or rating."""
    config = _config(request)
    filters = _filters_from(q)
    shown_id, segment_id = segment_id, _real_id(config, session, segment_id)
    current = _round_for(config, session, filters.round)
    _ = translator(_language(request))
    if current is not None and current.locked_for(session.user.username):
        return _after_decision(
            request, shown_id, filters, _("This round is finished for you; decisions are locked.")
        )
    if outcome not in STANCES:
        return _after_decision(request, shown_id, filters, _("'{outcome}' is no stance: use one of {stances}",
                                                             outcome=outcome, stances=Words(STANCES)))
    try:
        record_decision(
            config.workspace,
            segment_id=segment_id,
            action="stance",
            analyst=session.user.username,
            code_id=code_id,
            outcome=outcome,
            round=current.round_id if current else MAIN_ROUND,
            codebook=config.codebook,
        )
    except HoiError as exc:
        return _after_decision(request, shown_id, filters, refusal_text(request, exc))
    return _after_decision(request, shown_id, filters)


# ---------------------------------------------------------------- accounts (admins)


def _admin(request: Request) -> Session:
    session = current_session(request)
    if not session.user.is_admin:
        _ = translator(_language(request))
        raise HTTPException(403, _("only admins can manage users"))
    return session


DONE = {
    "added": "Added {user}.",
    "password": "New password set for {user}; their sessions were ended.",
    "removed": "Removed {user}; their decisions stay in the log.",
}


def _users_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    users = list_users(_config(request).workspace)
    done, who = request.query_params.get("done", ""), request.query_params.get("user", "")
    _ = translator(_language(request))
    message = _(DONE[done], user=who) if done in DONE else ""
    context = {"users": users, "message": message, "error": error, "roles": ROLES}
    return html(request, "admin_users.html", context, status_code=status)


def _done(done: str, username: str) -> Response:
    """Back to the users page after a change (a reload does not repeat it)."""
    return RedirectResponse(f"/admin/users?done={done}&user={url_quote(username)}", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    """The study's accounts: add, reset a password, remove (admins only)."""
    _admin(request)
    return _users_page(request)


@router.post("/admin/users/add")
def users_add(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form("analyst"),
    can_see_original: str = Form(""),
    session: Session = CSRF,
) -> Response:
    """Create an account."""
    _admin(request)
    try:
        user = add_user(_config(request).workspace, username.strip(), password, role=role,
                        can_see_original=bool(can_see_original))
    except HoiError as exc:
        return _users_page(request, error=error_text(exc, _language(request)), status=422)
    logger.info("%s added user %s", session.user.username, user.username)
    return _done("added", user.username)


@router.post("/admin/users/{username}/password")
def users_password(
    request: Request, username: str, password: str = Form(...), session: Session = CSRF
) -> Response:
    """Set a new password (the user's sessions end)."""
    _admin(request)
    try:
        set_password(_config(request).workspace, username, password)
    except HoiError as exc:
        return _users_page(request, error=error_text(exc, _language(request)), status=422)
    logger.info("%s reset the password of %s", session.user.username, username)
    return _done("password", username)


@router.post("/admin/users/{username}/remove")
def users_remove(request: Request, username: str, session: Session = CSRF) -> Response:
    """Remove an account (not one's own); its decisions stay in the log."""
    _admin(request)
    if username == session.user.username:
        _ = translator(_language(request))
        return _users_page(request, error=_("you cannot remove yourself"), status=422)
    try:
        remove_user(_config(request).workspace, username)
    except HoiError as exc:
        return _users_page(request, error=error_text(exc, _language(request)), status=422)
    logger.info("%s removed user %s", session.user.username, username)
    return _done("removed", username)

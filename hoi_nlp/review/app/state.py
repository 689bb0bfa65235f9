"""What every route of the review app shares: its configuration, the session, CSRF and page rendering."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import HoiError
from hoi_nlp.review.accounts import (
    DEFAULT_IDLE,
    DEFAULT_LIMITS,
    LoginLimits,
    Session,
    create_session,
    csrf_ok,
    ensure_local_user,
    get_session,
)
from hoi_nlp.review.app.unit_index import UnitIndex
from hoi_nlp.review.app.views import Corpus
from hoi_nlp.review.masking import FullView, PrivacyView
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

COOKIE = "hoi_session"
# Host headers always accepted: the app on this machine. Others only when configured (DNS rebinding:
# a page on another site that resolves its own name to 127.0.0.1 must not reach the app).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CSRF_HEADER = "X-CSRF-Token"
Retrainer = Callable[[Workspace, Codebook], dict[str, Any]]
#: How often a page is made again when the pseudonym key learnt a name while it was made.
KEY_TRIES = 3
Made = TypeVar("Made")


@dataclass
class AppConfig:
    """How the app runs: which study, whether logins are required, what analysts may see."""

    workspace: Workspace
    codebook: Codebook
    settings: Settings = field(default_factory=Settings)
    login: bool = True
    local_user: str = "analyst"
    idle: timedelta = DEFAULT_IDLE
    privacy: PrivacyView | None = None
    active_learning: bool = True
    secure_cookie: bool = False
    corpus: Corpus | None = None
    order: list[str] | None = None
    retrain: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    model_dir: Path | None = None  # the trained coder that orders the queue (active learning)
    retrainer: Retrainer | None = None  # retrains and re-scores the study (the retrain stage)
    # Nearest training examples for a suggestion: (unit text, code id) -> examples (raw texts, or
    # NearExample with their origin and reviewed unit; the app pseudonymises them for readers without
    # rights). The hook for the coder's own explanations (set it in stages/review.py's
    # review_app_config); without it the app ranks the codebook's examples and the study's reviewed
    # quotes by shared words.
    nearest_examples: Callable[[str, str], Sequence[Any]] | None = None
    allowed_hosts: tuple[str, ...] = ()  # Host names accepted besides LOCAL_HOSTS (--host, --allowed-host)
    login_limits: LoginLimits | None = DEFAULT_LIMITS  # back-off after failed logins (None: off, tests only)
    # The study's codebook as its commands read it now, when that changed since the last call (None when
    # not): a codebook file edited while the app runs (a code marked deprecated, then `hoi run`) reaches
    # the app without a restart. Set by stages/review.py; None keeps the codebook the app started with.
    codebook_refresh: Callable[[], Codebook | None] | None = None
    # The study's coder as it is now: (its model folder, a key that changes when it is replaced). A
    # `hoi retrain` (or `--restore-previous`) run from the command line while the app runs swaps the
    # study's coder: the app then orders the queue and advises with the new one, without a restart.
    # Set by stages/review.py; None keeps the coder the app started with. ``coder_key`` is the key of
    # the coder the app uses (``model_dir``, the queue order).
    coder_state: Callable[[], tuple[Path, tuple[Any, ...]]] | None = None
    coder_key: tuple[Any, ...] | None = None
    # the main review's units and filtered lists, kept between requests (the unit page's place in its list)
    unit_index: UnitIndex = field(default_factory=UnitIndex)

    def host_allowed(self, header: str | None) -> bool:
        """Whether a request's Host header names this app (port ignored)."""
        host = host_name(header)
        allowed = {*LOCAL_HOSTS, *(host_name(h) for h in self.allowed_hosts)}
        return bool(host) and host in allowed


def refresh_corpus(config: AppConfig) -> None:
    """Follow the study's units when a run changed them while the app runs: a withdrawn respondent's
    answers leave the lists and pages, an added interview's passages join them (after the units the
    queue's active-learning order ranks, until the next retraining orders them too)."""
    if isinstance(config.privacy, PrivacyView):  # first the names a run beside the app learnt
        config.privacy.follow_saved_key()
    if config.corpus is not None and config.corpus.refresh():
        logger.info("the study's sources changed: the review app now shows %d coding units",
                    len(config.corpus.units))


def refresh_codebook(config: AppConfig) -> None:
    """Switch the app to the study's codebook when its file or its latest version changed. A codebook
    the study's commands refuse (a decided code deleted) is not taken: the app keeps the one it has
    and says why in the log (every command on the study names the codes)."""
    if config.codebook_refresh is None:
        return
    with config.lock:
        try:
            fresh = config.codebook_refresh()
        except HoiError as exc:
            logger.warning("the study's codebook changed but is refused; the review app keeps the codebook "
                           "it had: %s", exc)
            return
        if fresh is not None:
            logger.info("the study's codebook changed: the review app now uses %s %s", fresh.id,
                        fresh.version)
            config.codebook = fresh


def host_name(header: str | None) -> str:
    """The name in a Host header, lower case, without port or brackets ("[::1]:8765" -> "::1")."""
    value = (header or "").strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else ""
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


class LoginRequired(Exception):
    """Raised by :func:`current_session` when the request has no live session."""


def current_session(request: Request) -> Session:
    """The request's session or :class:`LoginRequired`."""
    session = getattr(request.state, "session", None)
    if session is None:
        raise LoginRequired
    return session


async def check_csrf(request: Request) -> Session:
    """The session, after checking the CSRF token of a state-changing request (header or form field)."""
    session = current_session(request)
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        form = await request.form()
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    if not csrf_ok(session, submitted):
        raise HTTPException(status_code=403, detail="invalid or missing CSRF token; reload the page")
    return session


def attach_session(config: AppConfig, request: Request) -> str | None:
    """Resolve the cookie's session; with logins off, start one for the local user. Returns a new token."""
    token = request.cookies.get(COOKIE)
    session = get_session(config.workspace, token, idle=config.idle)
    new_token = None
    if session is None and not config.login:
        user = ensure_local_user(config.workspace, config.local_user)
        new_token, session = create_session(config.workspace, user)
    request.state.session = session
    return new_token


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, for the whole site."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")


def _study_name(config: AppConfig, session: Session | None) -> str:
    """The study's name as this reader sees it (a name holding a place is an id to anyone without
    original-text rights, the login page's visitors included)."""
    study = config.workspace.study
    if (session is not None and session.user.can_see_original) or config.privacy is None:
        return study
    return config.privacy.ident(study)


def with_one_key(shown: FullView, make: Callable[[], Made]) -> Made:
    """``make()`` (a page), made again when the pseudonym key learnt a name meanwhile (another page, a run
    beside the app): a page whose list was filtered with the older key and shown with the newer one told
    a reviewer without original-text rights which placeholder or opaque id stands for the name they
    typed as a filter («source=INT-A» listed units shown by the id that hides «INT-A» from then on)."""
    for _ in range(KEY_TRIES):
        stamp = shown.stamp()
        made = make()
        if shown.stamp() == stamp:
            return made
    raise AppError(503, "the study's pseudonym key is changing; reload the page in a moment")


class AppError(HTTPException):
    """An HTTP error whose message is a template the app translates (``detail`` stays the English text)."""

    def __init__(self, status_code: int, template: str, **params: Any) -> None:
        super().__init__(status_code, template.format(**params) if params else template)
        self.template, self.params = template, params


class Refused(HTTPException):
    """An HTTP error showing a refusal (a library's error, or the app's own :class:`HoiError`) in the
    analyst's language (:func:`~hoi_nlp.review.app.i18n.error_text`; ``detail`` stays the English)."""

    def __init__(self, status_code: int, error: HoiError) -> None:
        super().__init__(status_code, error.message)
        self.error = error


def refusal_text(request: Request, error: Exception) -> str:
    """``error`` as the analyst reads it, in their language (see :class:`Refused`), the unit it names
    by the id this reader's pages show (a library's refusal names the real one, whose source name and
    offsets a reviewer without original-text rights must not read)."""
    from hoi_nlp.review.app.i18n import error_text, language_of

    config: AppConfig = request.app.state.config
    return error_text(_shown_refusal(config, getattr(request.state, "session", None), error),
                      language_of(request, config.settings.review.language))


def _shown_refusal(config: AppConfig, session: Session | None, error: Exception) -> Exception:
    """``error`` with the segment id among its parameters as the reader is shown it."""
    params = getattr(error, "params", None)
    private = config.privacy is not None and not (session is not None and session.user.can_see_original)
    if not private or not isinstance(params, dict) or not params.get("segment"):
        return error
    assert config.privacy is not None
    shown = copy.copy(error)  # its attributes, not its constructor's arguments (HoiError.__reduce__)
    shown.params = {**params, "segment": config.privacy.segment_id(str(params["segment"]))}
    return shown


def html(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """Render ``template`` with the common context (session, CSRF token, config)."""
    from hoi_nlp.review.advice import retrain_advice
    from hoi_nlp.review.app.i18n import comparison_heading, language_of, number, translator
    from hoi_nlp.review.app.paging import code_chip

    config: AppConfig = request.app.state.config
    session = getattr(request.state, "session", None)
    language = language_of(request, config.settings.review.language)
    base = {
        "session": session,
        "user": session.user if session else None,
        "csrf": session.csrf_token if session else "",
        "login": config.login,
        "study": _study_name(config, session),
        "codebook": config.codebook,
        "_": translator(language),
        "lang": language,
        "num": lambda value, digits: "—" if value is None else number(value, digits, language),
        "comparison_heading": lambda row: comparison_heading(row, translator(language)),
        "chip": lambda code_id: code_chip(config.codebook, code_id),
        "retrain_advice": lambda: retrain_advice(config.workspace, config.codebook, config.model_dir),
        "refusal": lambda error: refusal_text(request, error),
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, base | context, status_code=status_code)

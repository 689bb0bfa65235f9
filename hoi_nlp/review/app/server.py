"""App factory, configuration, sessions and CSRF for the review app."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hoi_nlp.codebook import Codebook
from hoi_nlp.review.accounts import (
    DEFAULT_IDLE,
    Session,
    create_session,
    csrf_ok,
    ensure_local_user,
    get_session,
)
from hoi_nlp.review.app.views import Corpus
from hoi_nlp.review.privacy import PrivacyView
from hoi_nlp.review.tables import ensure_review_schema
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "hoi_session"
CSRF_HEADER = "X-CSRF-Token"


@dataclass
class AppConfig:
    """How the app runs: which study, whether logins are required, what analysts may see."""

    workspace: Workspace
    codebook: Codebook
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


def _attach_session(config: AppConfig, request: Request) -> str | None:
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


def _login_redirect(request: Request) -> Response:
    target = "/login?next=" + request.url.path
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def create_app(config: AppConfig) -> FastAPI:
    """The review app for ``config.workspace``."""
    from hoi_nlp.review.app import routes

    ensure_review_schema(config.workspace)
    if config.corpus is None:
        config.corpus = Corpus(config.workspace)
    if config.privacy is None:
        config.privacy = PrivacyView(config.workspace)
    app = FastAPI(title="hoi review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def sessions(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/static/"):
            return await call_next(request)
        import anyio

        new_token = await anyio.to_thread.run_sync(_attach_session, config, request)
        response = await call_next(request)
        if new_token:
            set_session_cookie(response, new_token, secure=config.secure_cookie)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        return _login_redirect(request)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        return html(
            request,
            "error.html",
            {"message": exc.detail, "status": exc.status_code},
            status_code=exc.status_code,
        )

    app.include_router(routes.router)
    if config.active_learning:
        threading.Thread(target=routes.compute_order, args=(config,), daemon=True, name="hoi-queue").start()
    return app


def html(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """Render ``template`` with the common context (session, CSRF token, config)."""
    config: AppConfig = request.app.state.config
    session = getattr(request.state, "session", None)
    base = {
        "session": session,
        "user": session.user if session else None,
        "csrf": session.csrf_token if session else "",
        "login": config.login,
        "study": config.workspace.study,
        "codebook": config.codebook,
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, base | context, status_code=status_code)

"""The review app's factory: middleware (sessions, security headers), error pages and routes."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hoi_nlp.review.accounts import get_user, list_users
from hoi_nlp.review.app import routes, workbench
from hoi_nlp.review.app.state import (
    AppConfig,
    LoginRequired,
    Refused,
    attach_session,
    html,
    refresh_codebook,
    refresh_corpus,
    refusal_text,
    set_session_cookie,
)
from hoi_nlp.review.app.views import Corpus, local_time, segment_url
from hoi_nlp.review.codebook_edit import current_codebook
from hoi_nlp.review.masking import PrivacyView
from hoi_nlp.review.tables import ensure_review_schema

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent


def _login_redirect(request: Request) -> Response:
    if request.headers.get("HX-Request"):  # back to the page the analyst is on, not the form's address
        target = "/login?next=" + url_quote(_page_shown(request), safe="/:")
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse("/login?next=" + request.url.path, status_code=303)


def _page_shown(request: Request) -> str:
    """The path (and query) of the page an htmx request was sent from (htmx names it in HX-Current-URL): a
    decision or an undo posted after the session ended led, after the login, to the form's address
    (``/segment/X/decide``: «no coding unit 'X/decide'»)."""
    shown = urlsplit(request.headers.get("HX-Current-URL", ""))
    if not shown.path.startswith("/"):
        return request.url.path
    return shown.path + (f"?{shown.query}" if shown.query else "")


def _warm_privacy(config: AppConfig) -> None:
    """Load now what the first page would load (seconds): the pseudonymiser's word lists, and, when a reviewer
    without original-text rights may open the app, the recogniser and the sources' attributes as shown (the
    most of their first /queue). An app whose accounts all have rights does not load the recogniser (an
    account without them added while it runs loads it with its first page, as it did before)."""
    assert config.privacy is not None and config.corpus is not None
    try:
        pseudonymised = _someone_reads_pseudonymised(config)
    except Exception as exc:  # noqa: BLE001 - the accounts are read again by every login
        logger.warning("reading the study's accounts failed: %s", exc)
        pseudonymised = True
    config.privacy.warm(list(config.corpus.snapshot().sources.values()) if pseudonymised else None)


def _someone_reads_pseudonymised(config: AppConfig) -> bool:
    """Whether an account without original-text rights may open the app (with logins off: the local
    user's account, made without rights when there is none yet)."""
    if not config.login:  # nobody else opens it
        local = get_user(config.workspace, config.local_user)
        return local is None or not local.can_see_original
    return any(user.active and not user.can_see_original for user in list_users(config.workspace))


def create_app(config: AppConfig) -> FastAPI:
    """The review app for ``config.workspace``."""
    ensure_review_schema(config.workspace)
    config.codebook = current_codebook(config.workspace, config.codebook)
    if config.corpus is None:
        config.corpus = Corpus(config.workspace)
    if config.privacy is None:
        config.privacy = PrivacyView(config.workspace, config.settings)
    if config.coder_state is not None:
        config.model_dir, config.coder_key = config.coder_state()
    app = FastAPI(title="hoi review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.templates.env.filters["local_time"] = local_time
    app.state.templates.env.filters["segment_url"] = segment_url
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def sessions(request: Request, call_next: Any) -> Response:
        if not config.host_allowed(request.headers.get("host")):  # DNS rebinding
            logger.warning("refused a request for another host (Host header not allowed)")
            return PlainTextResponse(
                "400 Bad Request: this Host is not allowed. Open the app as http://127.0.0.1:PORT/, or start "
                "`hoi review` with --allowed-host NAME for a name that should reach it.",
                status_code=400, headers={"Cache-Control": "no-store"})
        if request.url.path.startswith("/static/"):
            return await call_next(request)
        import anyio

        await anyio.to_thread.run_sync(refresh_codebook, config)
        await anyio.to_thread.run_sync(routes.refresh_coder, config)
        await anyio.to_thread.run_sync(refresh_corpus, config)
        new_token = await anyio.to_thread.run_sync(attach_session, config, request)
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
        # an AppError's template and values are translated apart (a formatted message matches no entry)
        if isinstance(exc, Refused):
            message, params = refusal_text(request, exc.error), {}
        else:
            message, params = getattr(exc, "template", exc.detail), getattr(exc, "params", {})
        return html(request, "error.html", {"message": message, "params": params, "status": exc.status_code},
                    status_code=exc.status_code)

    app.include_router(workbench.router)  # first: /codebook/history before /codebook/{code_id}
    app.include_router(routes.router)
    threading.Thread(target=_warm_privacy, args=(config,), daemon=True, name="hoi-privacy").start()
    if config.active_learning:
        threading.Thread(target=routes.compute_order, args=(config,), daemon=True, name="hoi-queue").start()
    return app



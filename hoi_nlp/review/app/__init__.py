"""The analysts' review app: FastAPI + Jinja2 pages + htmx, served locally.

:func:`create_app` builds the app for one study workspace; ``hoi review`` serves it with
uvicorn on 127.0.0.1. Every decision is appended to the workspace's decision log and
committed before the response confirms it. Static files (htmx, CSS, JS) are served from the
package: the app works offline and loads nothing from the internet.
"""

from __future__ import annotations

from hoi_nlp.review.app.server import AppConfig, create_app

__all__ = ["AppConfig", "create_app"]

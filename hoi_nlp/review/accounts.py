"""Local analyst accounts for the review app: argon2 password hashes and server-side sessions.

A session is a random token sent as an HttpOnly cookie; the database keeps only its sha256,
with a per-session CSRF token and the time it was last used. A session expires after
``idle`` without use (default 8 hours) or when its owner logs out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from hoi_nlp.errors import ReviewError
from hoi_nlp.records import utcnow
from hoi_nlp.review.tables import ensure_review_schema, sessions_table, users_table
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

ROLES = ("analyst", "admin")
DEFAULT_IDLE = timedelta(hours=8)
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AccountError(ReviewError):
    """An account change that cannot be made; ``template``/``params`` let the app translate it."""

    def __init__(self, template: str, hint: str | None = None, **params: Any) -> None:
        super().__init__(template.format(**params), hint=hint)
        self.template = template
        self.params = params


@dataclass(frozen=True)
class User:
    """An analyst account (never carries the password hash out of this module)."""

    username: str
    role: str
    can_see_original: bool
    active: bool = True

    @property
    def is_admin(self) -> bool:
        """Admins may start retraining and manage rounds."""
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    """A logged-in session."""

    user: User
    csrf_token: str
    token_hash: str


def _hasher():  # noqa: ANN202 - argon2 is imported lazily
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return str(_hasher().hash(password))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("the password must have at least {n} characters", n=MIN_PASSWORD)


def _check_new_user(username: str, password: str, role: str) -> None:
    if not _USERNAME.match(username):
        raise AccountError("username '{user}' may use letters, digits, '.', '_' and '-' (max 64)",
                           user=username)
    if role not in ROLES:
        raise AccountError("unknown role '{role}'", hint=f"use one of {', '.join(ROLES)}", role=role)
    _check_password(password)


def add_user(
    workspace: Workspace,
    username: str,
    password: str,
    *,
    role: str = "analyst",
    can_see_original: bool = False,
) -> User:
    """Create an account; fails if the username is taken."""
    _check_new_user(username, password, role)
    ensure_review_schema(workspace)
    with workspace.engine.begin() as conn:
        exists = conn.execute(
            select(users_table.c.username).where(users_table.c.username == username)
        ).first()
        if exists:
            raise AccountError("user '{user}' exists already", hint="choose another name", user=username)
        conn.execute(
            insert(users_table),
            [
                {
                    "username": username,
                    "password_hash": hash_password(password),
                    "role": role,
                    "can_see_original": can_see_original,
                    "active": True,
                    "created_at": utcnow(),
                }
            ],
        )
    logger.info("added user %s (%s)", username, role)
    return User(username, role, can_see_original)


def ensure_local_user(workspace: Workspace, username: str) -> User:
    """The account used by ``--no-login`` (created with an unusable random password)."""
    user = get_user(workspace, username)
    if user is not None:
        return user
    return add_user(workspace, username, secrets.token_urlsafe(32), role="admin")


def get_user(workspace: Workspace, username: str) -> User | None:
    """The account ``username`` or None."""
    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.username == username)).mappings().first()
    if row is None:
        return None
    return User(row["username"], row["role"], bool(row["can_see_original"]), bool(row["active"]))


def list_users(workspace: Workspace) -> list[User]:
    """All accounts, by name."""
    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        rows = conn.execute(select(users_table).order_by(users_table.c.username)).mappings().all()
    return [User(r["username"], r["role"], bool(r["can_see_original"]), bool(r["active"])) for r in rows]


def _existing(conn: Any, username: str) -> dict[str, Any]:
    row = conn.execute(select(users_table).where(users_table.c.username == username)).mappings().first()
    if row is None:
        raise AccountError("unknown user '{user}'", hint="see `hoi users list`", user=username)
    return dict(row)


def remove_user(workspace: Workspace, username: str) -> User:
    """Delete an account and end its sessions; the user's decisions stay in the log under their name.

    The last admin cannot be removed (nobody could manage the app's accounts).
    """
    ensure_review_schema(workspace)
    with workspace.engine.begin() as conn:
        row = _existing(conn, username)
        if row["role"] == "admin":
            admins = conn.execute(select(users_table.c.username).where(users_table.c.role == "admin")).all()
            if len(admins) <= 1:
                raise AccountError("'{user}' is the last admin: add another admin first", user=username)
        conn.execute(delete(users_table).where(users_table.c.username == username))
        conn.execute(update(sessions_table).where(sessions_table.c.username == username).values(ended=True))
    logger.info("removed user %s", username)
    return User(username, str(row["role"]), bool(row["can_see_original"]), False)


def reset_password(workspace: Workspace, username: str, password: str) -> User:
    """Give an account a new password and end its open sessions."""
    _check_password(password)
    ensure_review_schema(workspace)
    with workspace.engine.begin() as conn:
        row = _existing(conn, username)
        conn.execute(update(users_table).where(users_table.c.username == username)
                     .values(password_hash=hash_password(password)))
        conn.execute(update(sessions_table).where(sessions_table.c.username == username).values(ended=True))
    logger.info("new password for user %s", username)
    return User(username, str(row["role"]), bool(row["can_see_original"]), bool(row["active"]))


def authenticate(workspace: Workspace, username: str, password: str) -> User | None:
    """The user when ``password`` matches, else None (timing does not reveal unknown names)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.username == username)).mappings().first()
    stored = row["password_hash"] if row else hash_password(secrets.token_hex(8))
    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row["active"]:
        return None
    return User(row["username"], row["role"], bool(row["can_see_original"]), True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(workspace: Workspace, user: User) -> tuple[str, Session]:
    """Start a session; returns the cookie token (shown once) and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    with workspace.engine.begin() as conn:
        conn.execute(
            insert(sessions_table),
            [
                {
                    "token_hash": _digest(token),
                    "username": user.username,
                    "csrf_token": csrf,
                    "created_at": now,
                    "last_seen": now,
                    "ended": False,
                }
            ],
        )
    return token, Session(user, csrf, _digest(token))


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def get_session(
    workspace: Workspace, token: str | None, *, idle: timedelta = DEFAULT_IDLE, now: datetime | None = None
) -> Session | None:
    """The live session of ``token`` (its idle clock restarts), or None when unknown/expired."""
    if not token:
        return None
    now = now or utcnow()
    digest = _digest(token)
    with workspace.engine.begin() as conn:
        row = (
            conn.execute(select(sessions_table).where(sessions_table.c.token_hash == digest))
            .mappings()
            .first()
        )
        if row is None or row["ended"] or now - _aware(row["last_seen"]) > idle:
            return None
        conn.execute(
            update(sessions_table).where(sessions_table.c.token_hash == digest).values(last_seen=now)
        )
    user = get_user(workspace, row["username"])
    if user is None or not user.active:
        return None
    return Session(user, row["csrf_token"], digest)


def end_session(workspace: Workspace, token: str | None) -> None:
    """Log out: the token no longer opens a session."""
    if not token:
        return
    with workspace.engine.begin() as conn:
        conn.execute(
            update(sessions_table).where(sessions_table.c.token_hash == _digest(token)).values(ended=True)
        )


def csrf_ok(session: Session, submitted: str | None) -> bool:
    """Whether the submitted CSRF token is the session's (constant-time comparison)."""
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted or "")

"""Local analyst accounts for the review app: argon2 password hashes and server-side sessions.

A session is a random token sent as an HttpOnly cookie; the database keeps only its sha256,
with a per-session CSRF token and the time it was last used. A session expires after
``idle`` without use (default 8 hours) or when its owner logs out.

Against password guessing: a password policy (:func:`check_password`: at least
:data:`MIN_PASSWORD` characters, not a common password, not the username), a back-off per
username and per client address kept in the workspace database (:class:`LoginLimits`: after a
few failures each further one doubles the wait, so a restart does not reset it), and the same
argon2 work for unknown usernames as for known ones (a dummy hash), so timing does not tell
which usernames exist.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import delete, insert, select, update

from hoi_nlp.errors import ReviewError
from hoi_nlp.records import utcnow
from hoi_nlp.review.tables import ensure_review_schema, login_failures_table, sessions_table, users_table
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

ROLES = ("analyst", "admin")
DEFAULT_IDLE = timedelta(hours=8)
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_TRAILING = re.compile(r"[\d\W_]+$")


class AccountError(ReviewError):
    """An account change that cannot be made; ``template``/``params`` let the app translate it."""


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


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lower case)."""
    text = resources.files("hoi_nlp.resources").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _is_sequence(text: str) -> bool:
    """Runs such as "abcdefghij", "9876543210" or "aaaaaaaaaa" (each step the same)."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is too weak (None when it is fine)."""
    if len(password) < MIN_PASSWORD:
        return f"the password must have at least {MIN_PASSWORD} characters"
    lowered = password.lower()
    base = _TRAILING.sub("", lowered)
    if lowered in common_passwords() or base in common_passwords():
        return "the password is on the list of common passwords"
    if len(set(lowered)) < 4 or _is_sequence(lowered) or any(
        lowered == lowered[:n] * (len(lowered) // n) + lowered[:len(lowered) % n] for n in range(1, 5)
    ):
        return "the password is a repetition or a sequence of characters"
    if username and len(username) >= 3 and username.lower() in lowered:
        return "the password must not contain the username"
    return None


def check_password(password: str, username: str = "") -> None:
    """Raise :class:`ReviewError` (an :class:`AccountError`) when ``password`` does not meet the policy."""
    problem = password_problem(password, username)
    if problem:
        hint = "choose a passphrase of {n}+ characters, e.g. four unrelated words"
        if len(password) < MIN_PASSWORD:
            raise AccountError("the password must have at least {n} characters", hint=hint, n=MIN_PASSWORD)
        raise AccountError(problem, hint=hint, n=MIN_PASSWORD)


def _check_new_user(username: str, password: str, role: str) -> None:
    if not _USERNAME.match(username):
        raise AccountError("username '{user}' may use letters, digits, '.', '_' and '-' (max 64)",
                           user=username)
    if role not in ROLES:
        raise AccountError("unknown role '{role}'", hint="use one of {roles}", role=role,
                           roles=", ".join(ROLES))
    check_password(password, username)


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


def set_password(workspace: Workspace, username: str, password: str) -> User:
    """Give ``username`` a new password (the policy applies); its sessions end, its back-off is cleared."""
    user = get_user(workspace, username)
    if user is None:
        raise ReviewError("unknown user '{user}'", hint="see `hoi users list`", user=username)
    check_password(password, username)
    with workspace.engine.begin() as conn:
        conn.execute(update(users_table).where(users_table.c.username == username)
                     .values(password_hash=hash_password(password)))
        conn.execute(update(sessions_table).where(sessions_table.c.username == username).values(ended=True))
        conn.execute(delete(login_failures_table).where(login_failures_table.c.key == _user_key(username)))
    logger.info("new password for user %s", username)
    return user


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


def _removable(conn: Any, username: str) -> dict[str, Any]:
    row = _existing(conn, username)
    if row["role"] == "admin":
        admins = conn.execute(select(users_table.c.username).where(users_table.c.role == "admin")).all()
        if len(admins) <= 1:
            raise AccountError("'{user}' is the last admin: add another admin first", user=username)
    return row


def check_removable(workspace: Workspace, username: str) -> User:
    """The account :func:`remove_user` would remove, or the :class:`AccountError` it would raise
    (unknown user, last admin): ask before removing only when there is something to remove."""
    ensure_review_schema(workspace)
    with workspace.engine.connect() as conn:
        row = _removable(conn, username)
    return User(row["username"], str(row["role"]), bool(row["can_see_original"]), bool(row["active"]))


def remove_user(workspace: Workspace, username: str) -> User:
    """Delete an account and end its sessions; the user's decisions stay in the log under their name.

    The last admin cannot be removed (nobody could manage the app's accounts).
    """
    ensure_review_schema(workspace)
    with workspace.engine.begin() as conn:
        row = _removable(conn, username)
        conn.execute(delete(users_table).where(users_table.c.username == username))
        conn.execute(update(sessions_table).where(sessions_table.c.username == username).values(ended=True))
    logger.info("removed user %s", username)
    return User(username, str(row["role"]), bool(row["can_see_original"]), False)


@cache
def _dummy_hash() -> str:
    """A hash of a random password: unknown usernames are verified against it (the same argon2 work)."""
    return hash_password(secrets.token_hex(16))


@dataclass(frozen=True)
class LoginLimits:
    """Back-off after failed logins, per username and per client address.

    ``free`` failures cost nothing; each further one locks the name (or the address) for
    ``base`` seconds, doubling up to ``cap``. Failures older than ``forget`` are forgotten, and a
    successful login clears the name's and the address's count.
    """

    free: int = 5
    base: float = 2.0
    cap: float = 900.0
    forget: timedelta = timedelta(hours=1)

    def wait(self, failures: int) -> float:
        """Seconds locked after ``failures`` failures in a row."""
        return 0.0 if failures < self.free else min(self.cap, self.base * 2 ** (failures - self.free))


DEFAULT_LIMITS = LoginLimits()


class LoginBlocked(ReviewError):
    """Too many failed logins for this name or address: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__("too many failed logins; try again in {seconds} seconds", seconds=self.retry_after)


def _user_key(username: str) -> str:
    return "user:" + username.casefold()[:100]


def _keys(username: str, address: str | None) -> list[str]:
    return [_user_key(username)] + ([f"addr:{address[:100]}"] if address else [])


def login_wait(workspace: Workspace, username: str, address: str | None = None, *,
               now: datetime | None = None) -> float:
    """Seconds before ``username`` (or anyone from ``address``) may try to log in again (0: now)."""
    ensure_review_schema(workspace)
    now = now or utcnow()
    with workspace.engine.connect() as conn:
        rows = conn.execute(select(login_failures_table.c.locked_until)
                            .where(login_failures_table.c.key.in_(_keys(username, address)))).all()
    return max([(_aware(r[0]) - now).total_seconds() for r in rows if r[0] is not None] + [0.0])


def record_login(workspace: Workspace, username: str, address: str | None, ok: bool, *,
                 limits: LoginLimits = DEFAULT_LIMITS, now: datetime | None = None) -> None:
    """Count a failed login (and lock when due) or clear the counts after a successful one."""
    now = now or utcnow()
    keys = _keys(username, address)
    table = login_failures_table
    with workspace.engine.begin() as conn:
        conn.execute(delete(table).where(table.c.last_failure < now - limits.forget))
        if ok:
            conn.execute(delete(table).where(table.c.key.in_(keys)))
            return
        query = select(table.c.key, table.c.failures).where(table.c.key.in_(keys))
        known: dict[str, int] = {r[0]: r[1] for r in conn.execute(query)}
        for key in keys:
            failures = known.get(key, 0) + 1
            wait = limits.wait(failures)
            values = {"failures": failures, "last_failure": now,
                      "locked_until": now + timedelta(seconds=wait) if wait else None}
            if key in known:
                conn.execute(update(table).where(table.c.key == key).values(**values))
            else:
                conn.execute(insert(table), [{"key": key, **values}])
    if limits.wait(max(known.values(), default=0) + 1):
        logger.warning("repeated failed logins (name or address locked for a while)")


def authenticate(workspace: Workspace, username: str, password: str, *, address: str | None = None,
                 limits: LoginLimits | None = DEFAULT_LIMITS) -> User | None:
    """The user when ``password`` matches, else None.

    Unknown names cost the same argon2 work as known ones (timing does not reveal which exist).
    With ``limits``, a name or ``address`` locked after repeated failures raises
    :class:`LoginBlocked` before the password is looked at; ``limits=None`` skips the back-off.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    ensure_review_schema(workspace)
    dummy = _dummy_hash()  # made once per process, before any name is looked up
    if limits is not None:
        wait = login_wait(workspace, username, address)
        if wait > 0:
            raise LoginBlocked(wait)
    with workspace.engine.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.username == username)).mappings().first()
    stored = row["password_hash"] if row else dummy
    try:
        ok = bool(_hasher().verify(stored, password)) and row is not None and bool(row["active"])
    except (VerificationError, InvalidHashError):
        ok = False
    if limits is not None:
        record_login(workspace, username, address, ok, limits=limits)
    if not ok or row is None:
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

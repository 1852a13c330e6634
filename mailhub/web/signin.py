"""Who is signed in to the console: sessions, roles, CSRF tokens, the sign-in throttle.

A session is a random token in an HttpOnly, SameSite=Strict cookie; the database keeps
only its sha256 with the staff account, an expiry and the session's CSRF token, which
every form (field `csrf`) and every API call that changes something (header
X-CSRF-Token) must carry. The cookie is Secure when the console is reached over HTTPS
(its own [web] tls_cert, or a TLS proxy on this machine saying X-Forwarded-Proto:
https). On plain http://127.0.0.1 it is not: a browser would then not send it back, and
loopback traffic never leaves the machine ([web] refuses other addresses without TLS).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, timedelta

from sqlalchemy import delete, insert, select

from mailhub import models
from mailhub.hub import Hub
from mailhub.registry import Unit
from mailhub.staff import Role

SESSION = models.ConsoleSession.__table__  # type: ignore[attr-defined]
STAFF = models.Staff.__table__  # type: ignore[attr-defined]
COOKIE = "mailhub_phien"         # the session
SIGNIN_COOKIE = "mailhub_dangnhap"  # the sign-in form's CSRF token, before any session
WINDOW = 15 * 60                 # seconds the failed sign-ins are counted over


@dataclass(frozen=True)
class Visitor:
    """A signed-in staff member, as each request sees them."""

    email: str
    role: Role
    team: Unit | None   # a team account's team; None for leaders, inspectors, admins
    csrf: str

    @property
    def acts(self) -> bool:
        """May change something (send, remind, release): all but inspectors."""
        return self.role is not Role.INSPECTOR

    @property
    def admin(self) -> bool:
        return self.role is Role.ADMIN


def start(hub: Hub, staff_id: int) -> tuple[str, str]:
    """A new session for the account: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = hub.clock()
    with hub.engine.begin() as db:
        db.execute(delete(SESSION).where(SESSION.c.expires_at < now.astimezone(UTC)))
        db.execute(insert(SESSION).values(
            token_hash=_hash(token), staff=staff_id, csrf=csrf, created_at=now,
            expires_at=now + timedelta(hours=hub.settings.web.session_hours)))
    return token, csrf


def end(hub: Hub, token: str) -> None:
    with hub.engine.begin() as db:
        db.execute(delete(SESSION).where(SESSION.c.token_hash == _hash(token)))


def visitor(hub: Hub, token: str | None) -> Visitor | None:
    """The staff member of a live session: not expired, the account enabled, a team
    account with its team still in the registry."""
    if not token:
        return None
    with hub.engine.connect() as db:
        found = db.execute(
            select(SESSION.c.csrf, SESSION.c.expires_at, STAFF.c.email, STAFF.c.role,
                   STAFF.c.team, STAFF.c.disabled)
            .join(STAFF, STAFF.c.id == SESSION.c.staff)
            .where(SESSION.c.token_hash == _hash(token))).first()
    if found is None or found.disabled:
        return None
    expires = found.expires_at if found.expires_at.tzinfo else found.expires_at.replace(
        tzinfo=UTC)
    if expires <= hub.clock():
        return None
    role = Role(found.role)
    team = hub.registry.by_code.get(found.team) if role is Role.TEAM else None
    if role is Role.TEAM and team is None:
        return None
    return Visitor(found.email, role, team, found.csrf)


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Throttle:
    """Failed sign-ins per client address and per account over the last WINDOW seconds;
    at `limit` of either, sign-in is refused until the oldest failure ages out (checking
    the password is not even tried, so guessing costs the guesser time, not the CPU)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.limit for key in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= now - WINDOW:
            found.popleft()
        return found

"""Office staff accounts: who may log in (SMTP AUTH and the web console).

Passwords are kept only as scrypt hashes (a memory-hard KDF from the standard
library); checking one takes tens of milliseconds on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from enum import StrEnum

from sqlmodel import Session, select

from mailhub import models
from mailhub.errors import MailhubError
from mailhub.hub import Hub

_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 10


class Role(StrEnum):
    TEAM = "team"            # a team's staff: their team's filings and directives
    LEADER = "leader"        # the office's leadership: everything
    INSPECTOR = "inspector"  # everything, read-only
    ADMIN = "admin"          # also manages users


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(key)])


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                               r=int(r), p=int(p), dklen=len(base64.b64decode(key)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, base64.b64decode(key))


def add_user(hub: Hub, email: str, role: Role, password: str, team: str = "") -> None:
    """Create an account, or set the password, role and team of an existing one. A team
    account belongs to `team` (a TEAM code of the registry; default: the team whose address
    it is); one without a team may use SMTP AUTH but not the console."""
    email = email.strip().lower()
    if "@" not in email:
        raise MailhubError(f"địa chỉ không hợp lệ / not an address: {email!r}")
    if len(password) < MIN_PASSWORD:
        raise MailhubError(f"mật khẩu quá ngắn (tối thiểu {MIN_PASSWORD} ký tự) / "
                           f"password too short (at least {MIN_PASSWORD} characters)")
    team = team_code(hub, role, team, email)
    with Session(hub.engine) as session:
        account = session.exec(select(models.Staff).where(models.Staff.email == email)).first()
        if account is None:
            account = models.Staff(email=email, role=role.value, password_hash="",
                                   created_at=hub.clock())
        account.role, account.password_hash = role.value, hash_password(password)
        account.team = team
        session.add(account)
        session.commit()


def team_code(hub: Hub, role: Role, team: str, email: str = "") -> str:
    """The registry's code of a team account's team ("" if none is given and `email` is
    no team's address); MailhubError for a code that is no team."""
    teams = {u.code.lower(): u.code for u in hub.registry.teams()}
    if role is not Role.TEAM:
        if team:
            raise MailhubError(f"chỉ tài khoản vai trò team mới thuộc một tổ / only a team "
                               f"account belongs to a team (role {role.value})")
        return ""
    if not team:
        own = hub.registry.find(email)
        return own.code if own is not None and own.code.lower() in teams else ""
    if team.lower() not in teams:
        raise MailhubError(f"tài khoản tổ cần --team, một trong / a team account needs "
                           f"--team, one of: {', '.join(sorted(teams.values()))}")
    return teams[team.lower()]


def users(hub: Hub) -> list[models.Staff]:
    with Session(hub.engine) as session:
        return list(session.exec(select(models.Staff).order_by(models.Staff.email)).all())


def set_disabled(hub: Hub, email: str, disabled: bool) -> None:
    """Lock an account out (or let it in again); its console sessions end at once."""
    with Session(hub.engine) as session:
        account = session.exec(select(models.Staff).where(
            models.Staff.email == email.strip().lower())).first()
        if account is None:
            raise MailhubError(f"không có tài khoản / no account {email!r}")
        account.disabled = disabled
        session.add(account)
        if disabled:
            for open_session in session.exec(select(models.ConsoleSession).where(
                    models.ConsoleSession.staff == account.id)).all():
                session.delete(open_session)
        session.commit()


def check_login(hub: Hub, email: str, password: str) -> models.Staff | None:
    """The account if the password is right and the account is enabled."""
    with Session(hub.engine) as session:
        account = session.exec(select(models.Staff).where(
            models.Staff.email == email.strip().lower())).first()
    if account is None or account.disabled:
        password_matches(password, hash_password("x" * MIN_PASSWORD))  # same time either way
        return None
    return account if password_matches(password, account.password_hash) else None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

"""Who looked: each audit search, show, export (and verify) is recorded with the user, the
time and what was asked, so the archive's readers are themselves on record."""

from __future__ import annotations

import getpass
from typing import Any

from sqlalchemy import insert, select

from mailhub import models
from mailhub.db import transaction
from mailhub.hub import Hub

ACCESS = models.AccessLog.__table__  # type: ignore[attr-defined]


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container, say)
        return "?"


def record_access(hub: Hub, action: str, detail: str, user: str | None = None) -> None:
    with transaction(hub.engine, durable=False) as db:
        db.execute(insert(ACCESS).values(at=hub.clock(), user=(user or os_user())[:200],
                                         action=action[:16], detail=detail[:4000]))


def access_log(hub: Hub, limit: int = 100) -> list[dict[str, Any]]:
    """The newest records first."""
    with hub.engine.connect() as db:
        rows = db.execute(select(ACCESS).order_by(ACCESS.c.id.desc()).limit(limit)).all()
    return [dict(id=r.id, at=r.at.isoformat(), user=r.user, action=r.action, detail=r.detail)
            for r in rows]

"""What a team's staff may see: mail filed to their team, the directives their team sent,
and mail not filed (quarantined, rejected) that was addressed to the team's mailbox.

One SQL condition on the `message` table, used by search (search.Filters.team), by the
console's Today and Quarantine pages and by the check before a message is shown.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, text

from mailhub import models
from mailhub.hub import Hub
from mailhub.registry import Unit

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]

CONDITION = (
    "(EXISTS (SELECT 1 FROM filing WHERE filing.message = message.id AND filing.team = "
    ":team_code) OR EXISTS (SELECT 1 FROM directive WHERE directive.message = message.id "
    "AND directive.sender_unit = :team_code) OR (NOT EXISTS (SELECT 1 FROM filing WHERE "
    "filing.message = message.id) AND message.envelope_to LIKE :team_rcpt ESCAPE '\\'))")


def params(team: Unit) -> dict[str, Any]:
    """The values CONDITION names."""
    return dict(team_code=team.code, team_rcpt=_rcpt_pattern(team.email))


def addressed_to(team: Unit) -> ColumnElement[bool]:
    """Messages whose envelope named the team's mailbox (envelope_to is a JSON list)."""
    found: ColumnElement[bool] = MESSAGE.c.envelope_to.like(_rcpt_pattern(team.email),
                                                            escape="\\")
    return found


def sees(hub: Hub, team: Unit, message: int) -> bool:
    with hub.engine.connect() as db:
        return db.execute(text(f"SELECT 1 FROM message WHERE message.id = :id AND {CONDITION}"),
                          dict(params(team), id=message)).first() is not None


def _rcpt_pattern(address: str) -> str:
    escaped = address.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'

"""Who has reported: for a month and a required report, every school is on time, late or
missing, from the filed mail. The time that counts is when the office received the
report (message.received_at, see pipeline.Envelope); a school's first report counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from mailhub import models
from mailhub.hub import Hub
from mailhub.registry import Kind, Unit
from mailhub.reporting import Requirement
from mailhub.verdict import State

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
FILING = models.Filing.__table__  # type: ignore[attr-defined]
TOPIC = models.FilingTopic.__table__  # type: ignore[attr-defined]

ON_TIME, LATE, MISSING = "on_time", "late", "missing"


@dataclass(frozen=True)
class Standing:
    unit: Unit
    state: str                  # on_time | late | missing
    deadline: datetime          # received before this: on time
    received_at: datetime | None
    message: int | None

    def as_dict(self) -> dict[str, object]:
        return dict(unit=self.unit.code, name=self.unit.name, email=self.unit.email,
                    level=self.unit.kind.value, ward=self.unit.ward, state=self.state,
                    deadline=self.deadline.isoformat(),
                    filed_at=self.received_at.isoformat() if self.received_at else None,
                    message=self.message)


def compliance(hub: Hub, month: str, level: Kind | None = None,
               requirement: Requirement | None = None) -> list[Standing]:
    """Every school that owes `requirement` (default: the monthly report) for YYYY-MM."""
    reporting = hub.rules.reporting
    owed = requirement or reporting.monthly
    schools = [u for u in hub.registry.units
               if u.kind in owed.levels and (level is None or u.kind is level)]
    first: dict[str, tuple[datetime, int]] = {}
    with hub.engine.connect() as db:
        rows = db.execute(
            select(FILING.c.unit, MESSAGE.c.received_at, MESSAGE.c.id)
            .join(MESSAGE, MESSAGE.c.id == FILING.c.message)
            .join(TOPIC, TOPIC.c.message == FILING.c.message)
            .where(FILING.c.period == month, TOPIC.c.topic == owed.topic,
                   MESSAGE.c.state == State.FILED.value,
                   FILING.c.unit.in_([u.code for u in schools]))
            .order_by(MESSAGE.c.received_at, MESSAGE.c.id)).all()
    for unit, received, message in rows:
        first.setdefault(unit, (_utc(received), message))
    standings = []
    for school in schools:
        deadline = reporting.deadline(owed, school.kind, month, hub.settings.zone)
        found = first.get(school.code)
        if found is None:
            standings.append(Standing(school, MISSING, deadline, None, None))
        else:
            state = ON_TIME if found[0] < deadline else LATE
            standings.append(Standing(school, state, deadline, *found))
    return standings


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)

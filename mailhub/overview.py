"""What the office looks at first: today's filings by topic, urgent reports, the
quarantine queue, delivery problems; and over months, filings by topic and how many
schools reported on time. Read-only; with `team`, only that team's share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select

from mailhub import models
from mailhub.compliance import LATE, MISSING, ON_TIME, compliance
from mailhub.hub import Hub
from mailhub.registry import Kind, Unit
from mailhub.teams import addressed_to
from mailhub.verdict import State

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
FILING = models.Filing.__table__  # type: ignore[attr-defined]
TOPIC = models.FilingTopic.__table__  # type: ignore[attr-defined]
DIRECTIVE = models.Directive.__table__  # type: ignore[attr-defined]
OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
URGENT_DAYS = 7       # an urgent report stays at the top of Today this long
PROBLEMS = ("failed", "deferred")


@dataclass(frozen=True)
class TopicCount:
    topic: str
    name: str
    count: int


def office_day(hub: Hub) -> date:
    return hub.clock().astimezone(hub.settings.zone).date()


def months_back(hub: Hub, count: int) -> list[str]:
    """The last `count` months (YYYY-MM), oldest first, ending with this month."""
    day = office_day(hub).replace(day=1)
    months = []
    for _ in range(count):
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = (day - timedelta(days=1)).replace(day=1)
    return months[::-1]


def today(hub: Hub, team: Unit | None = None) -> dict[str, Any]:
    """Today's (office time) filings by main topic and the latest of them, urgent reports
    of the last URGENT_DAYS days, how many messages wait in quarantine, and outbox copies
    that failed or wait for a retry."""
    start = datetime.combine(office_day(hub), time(), hub.settings.zone).astimezone(UTC)
    mine = _team_filings(team)
    with hub.engine.connect() as db:
        counts = db.execute(
            select(TOPIC.c.topic, func.count()).join(FILING, FILING.c.message == TOPIC.c.message)
            .join(MESSAGE, MESSAGE.c.id == TOPIC.c.message)
            .where(TOPIC.c.rank == 0, MESSAGE.c.state == State.FILED.value,
                   MESSAGE.c.received_at >= start, mine)
            .group_by(TOPIC.c.topic).order_by(func.count().desc(), TOPIC.c.topic)).all()
        latest = _filed(db, (MESSAGE.c.received_at >= start) & mine, 20)
        urgent = _filed(db, (FILING.c.urgent.is_(True)) & mine & (
            MESSAGE.c.received_at >= start - timedelta(days=URGENT_DAYS)), 50)
        held = select(func.count()).select_from(MESSAGE).where(
            MESSAGE.c.state == State.QUARANTINED.value)
        quarantined = db.execute(held.where(addressed_to(team)) if team else held).scalar_one()
        problems = select(OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.recipient, OUTBOX.c.unit,
                          OUTBOX.c.subject, OUTBOX.c.state, OUTBOX.c.attempts,
                          OUTBOX.c.last_reply, OUTBOX.c.directive, OUTBOX.c.next_attempt_at
                          ).where(OUTBOX.c.state.in_(PROBLEMS)).order_by(OUTBOX.c.id.desc())
        if team is not None:
            problems = problems.where(OUTBOX.c.directive.in_(
                select(DIRECTIVE.c.id).where(DIRECTIVE.c.sender_unit == team.code)))
        undelivered = [dict(r._mapping, next_attempt_at=_iso(r.next_attempt_at))
                       for r in db.execute(problems.limit(50))]
    return dict(day=office_day(hub).isoformat(),
                by_topic=[TopicCount(t, _topic_name(hub, t), n) for t, n in counts],
                latest=latest, urgent=urgent, quarantined=quarantined, undelivered=undelivered)


def filings_by_month(hub: Hub, months: list[str], team: Unit | None = None,
                     top: int = 6) -> dict[str, Any]:
    """Filings per reporting period and main topic: the `top` topics over these months by
    name, the rest together as "khac" (other)."""
    with hub.engine.connect() as db:
        rows = db.execute(
            select(FILING.c.period, TOPIC.c.topic, func.count())
            .join(TOPIC, (TOPIC.c.message == FILING.c.message) & (TOPIC.c.rank == 0))
            .join(MESSAGE, MESSAGE.c.id == FILING.c.message)
            .where(FILING.c.period.in_(months), MESSAGE.c.state == State.FILED.value,
                   _team_filings(team))
            .group_by(FILING.c.period, TOPIC.c.topic)).all()
    totals: dict[str, int] = {}
    for _, topic, n in rows:
        totals[topic] = totals.get(topic, 0) + n
    shown = sorted(totals, key=lambda t: (-totals[t], t))[:top]
    series = {t: [0] * len(months) for t in shown}
    other = [0] * len(months)
    for period, topic, n in rows:
        (series[topic] if topic in series else other)[months.index(period)] += n
    named = [dict(topic=t, name=_topic_name(hub, t), counts=series[t]) for t in shown]
    if any(other):
        named.append(dict(topic="khac", name="Khác", counts=other))
    return dict(months=months, series=named)


def compliance_by_month(hub: Hub, months: list[str], level: Kind | None = None,
                        ward: str | None = None) -> list[dict[str, Any]]:
    """Per month, how many schools reported the monthly report on time, late, not at all."""
    rates = []
    for month in months:
        standings = [s for s in compliance(hub, month, level)
                     if not ward or s.unit.ward == ward]
        counts = {state: sum(s.state == state for s in standings)
                  for state in (ON_TIME, LATE, MISSING)}
        rates.append(dict(month=month, schools=len(standings), **counts))
    return rates


def _filed(db: Any, where: ColumnElement[bool], limit: int) -> list[dict[str, Any]]:
    rows = db.execute(
        select(MESSAGE.c.id, MESSAGE.c.subject, MESSAGE.c.from_address, MESSAGE.c.received_at,
               FILING.c.unit, FILING.c.team, FILING.c.urgent, TOPIC.c.topic)
        .join(FILING, FILING.c.message == MESSAGE.c.id)
        .outerjoin(TOPIC, (TOPIC.c.message == MESSAGE.c.id) & (TOPIC.c.rank == 0))
        .where(MESSAGE.c.state == State.FILED.value, where)
        .order_by(MESSAGE.c.received_at.desc(), MESSAGE.c.id.desc()).limit(limit)).all()
    return [dict(r._mapping, received_at=_iso(r.received_at)) for r in rows]


def _team_filings(team: Unit | None) -> ColumnElement[bool]:
    found: ColumnElement[bool] = (FILING.c.team == team.code if team is not None
                                  else FILING.c.message.is_not(None))
    return found


def _topic_name(hub: Hub, topic: str) -> str:
    found = hub.rules.topic(topic)
    return found.name_vi if found else topic


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()

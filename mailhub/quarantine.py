"""Quarantined mail and a person's decision on it: release (file it under a topic the
person chooses) or reject (with the person's reason).

A decision is written like a filing: in one transaction the message's new state, a rule
hit naming who decided and why (chain "review"), for a release the filing (school, period
and team as classify() finds them, the topic as chosen), the search index, a `review`
row and a new decision entry in the audit chain. Only a message still quarantined can be
decided, once: a second decision (another person, a second click) raises NotQuarantined.
No notice is sent to the sender of a rejected message: quarantined mail is often forged,
and a notice would go to the person whose address was forged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from mailhub import chain, models
from mailhub.classify import classify, responsible_team
from mailhub.db import transaction
from mailhub.errors import MailhubError
from mailhub.hub import Hub
from mailhub.message import parse
from mailhub.registry import Unit
from mailhub.replies import Reply, acknowledge
from mailhub.search import index as search_index
from mailhub.teams import addressed_to
from mailhub.verdict import Action, State

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
HIT = models.RuleHit.__table__  # type: ignore[attr-defined]
FILING = models.Filing.__table__  # type: ignore[attr-defined]
TOPIC = models.FilingTopic.__table__  # type: ignore[attr-defined]
REVIEW = models.Review.__table__  # type: ignore[attr-defined]


class NotQuarantined(MailhubError):
    """The message is not (or no longer) in quarantine."""


@dataclass(frozen=True)
class Decided:
    message: int
    state: str           # filed | rejected
    topic: str = ""
    team: str | None = None


def waiting(hub: Hub, team: Unit | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Quarantined messages, oldest first, each with the rules that held it back; with
    `team`, only those addressed to the team's mailbox."""
    query = (select(MESSAGE.c.id, MESSAGE.c.received_at, MESSAGE.c.from_address,
                    MESSAGE.c.from_name, MESSAGE.c.subject, MESSAGE.c.envelope_to)
             .where(MESSAGE.c.state == State.QUARANTINED.value)
             .order_by(MESSAGE.c.received_at, MESSAGE.c.id).limit(limit))
    if team is not None:
        query = query.where(addressed_to(team))
    with hub.engine.connect() as db:
        rows = db.execute(query).all()
        hits: dict[int, list[dict[str, str]]] = {}
        for hit in db.execute(select(HIT).where(HIT.c.message.in_([r.id for r in rows]),
                                                HIT.c.action != Action.NOTE.value)
                              .order_by(HIT.c.message, HIT.c.position)):
            hits.setdefault(hit.message, []).append(dict(
                rule=hit.rule, reason_vi=hit.reason_vi, reason_en=hit.reason_en,
                detail=hit.detail))
    return [dict(id=r.id, received_at=_utc(r.received_at).isoformat(),
                 from_address=r.from_address, from_name=r.from_name, subject=r.subject,
                 hits=hits.get(r.id, [])) for r in rows]


def release(hub: Hub, message: int, topic: str, staff: str, note: str = "") -> Decided:
    """File a quarantined message under `topic`, as `staff` decided. The school, period and
    team are found as for any filing (the team from the chosen topic first)."""
    chosen = hub.rules.topic(topic)
    if chosen is None:
        raise MailhubError(f"không có chủ đề / no topic {topic!r}")
    row = _quarantined(hub, message)
    raw = hub.archive.read(row["sha256"])
    parsed = parse(raw)
    received = _utc(row["received_at"]).astimezone(hub.settings.zone)
    unit = hub.registry.find(parsed.from_address)
    found = classify(hub.rules, hub.registry, unit, parsed, received)
    # The chosen topic leads; what classify() found stays behind it, as evidence.
    topics = [(chosen.id, 0.0)] + [t for t in found.topics if t[0] != chosen.id]
    responsible, _ = responsible_team(hub.registry, unit, chosen, parsed)
    team = responsible.code if responsible else None
    now = hub.clock()
    with transaction(hub.engine, durable=False) as db:
        _still_quarantined(db, message)
        position = _next_position(db, message)
        db.execute(insert(HIT).values(
            message=message, position=position, chain="review", rule="review.release",
            action=Action.ACCEPT.value,
            reason_vi=f"Cán bộ {staff} cho lưu với chủ đề {chosen.name_vi}",
            reason_en=f"Released by {staff} under the topic {chosen.name_en}",
            detail=note[:1000]))
        db.execute(insert(FILING).values(
            message=message, unit=unit.code if unit else None, level=found.level,
            period=found.period, team=team, urgent=chosen.urgent))
        db.execute(insert(TOPIC), [dict(message=message, rank=rank, topic=t, score=score)
                                   for rank, (t, score) in enumerate(topics[:5])])
        db.execute(update(MESSAGE).where(MESSAGE.c.id == message).values(
            state=State.FILED.value, filed_at=now))
        db.execute(insert(REVIEW).values(message=message, at=now, staff=staff,
                                         action="release", topic=chosen.id, reason=note))
        if unit is not None:
            acknowledge(db, [Reply(message, unit.code, parsed.references, parsed.subject,
                                   row["received_at"])])
        search_index(db, [message])
        chain.append(db, chain.decisions(db, [message]), datetime.now(UTC))
    return Decided(message, State.FILED.value, chosen.id, team)


def reject(hub: Hub, message: int, reason: str, staff: str) -> Decided:
    """Reject a quarantined message for `reason` (required: it is the record of why)."""
    reason = reason.strip()
    if not reason:
        raise MailhubError("cần ghi lý do từ chối / a reason is required to reject")
    _quarantined(hub, message)
    now = hub.clock()
    with transaction(hub.engine, durable=False) as db:
        _still_quarantined(db, message)
        db.execute(insert(HIT).values(
            message=message, position=_next_position(db, message), chain="review",
            rule="review.reject", action=Action.REJECT.value,
            reason_vi=f"Cán bộ {staff} từ chối: {reason}"[:2000],
            reason_en=f"Rejected by {staff}: {reason}"[:2000], detail=""))
        db.execute(update(MESSAGE).where(MESSAGE.c.id == message).values(
            state=State.REJECTED.value, filed_at=now))
        db.execute(insert(REVIEW).values(message=message, at=now, staff=staff,
                                         action="reject", topic="", reason=reason))
        search_index(db, [message])
        chain.append(db, chain.decisions(db, [message]), datetime.now(UTC))
    return Decided(message, State.REJECTED.value)


def reviews(hub: Hub, message: int) -> list[dict[str, Any]]:
    """Who decided what about a message that was in quarantine, oldest first."""
    with hub.engine.connect() as db:
        rows = db.execute(select(REVIEW).where(REVIEW.c.message == message)
                          .order_by(REVIEW.c.id)).all()
    return [dict(at=_utc(r.at).isoformat(), staff=r.staff, action=r.action, topic=r.topic,
                 reason=r.reason) for r in rows]


def _quarantined(hub: Hub, message: int) -> dict[str, Any]:
    with hub.engine.connect() as db:
        row = db.execute(select(MESSAGE).where(MESSAGE.c.id == message)).mappings().first()
    if row is None:
        raise KeyError(message)
    if row["state"] != State.QUARANTINED.value:
        raise NotQuarantined(f"thư #{message} không còn chờ xem xét ({row['state']}) / "
                             f"message #{message} is not in quarantine ({row['state']})")
    return dict(row)


def _still_quarantined(db: Any, message: int) -> None:
    """Checked again under the write lock: two people deciding at once decide once."""
    state = db.execute(select(MESSAGE.c.state).where(MESSAGE.c.id == message)
                       .with_for_update()).scalar()
    if state != State.QUARANTINED.value:
        raise NotQuarantined(f"thư #{message} đã được xử lý ({state}) / message #{message} "
                             f"was decided meanwhile ({state})")


def _next_position(db: Any, message: int) -> int:
    positions = db.execute(select(HIT.c.position).where(HIT.c.message == message)).scalars()
    return max(positions, default=-1) + 1


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)

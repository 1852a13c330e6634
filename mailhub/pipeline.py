"""The one path every inbound message takes, whatever door it came through.

receive(): store the bytes durably and insert the message row ('received');
           a door acknowledges only after this returns.
file():    parse -> sender policy -> classification -> one transaction with the
           filing, every rule hit and the new state. Never raises for a bad
           message: a failure is recorded as state 'error' with its reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mailhub import models
from mailhub.classify import Filing, classify
from mailhub.hub import Hub
from mailhub.message import ParsedMessage, message_id, parse
from mailhub.policy import decide, gather
from mailhub.verdict import Action, Hit, State

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """What the door knows besides the bytes."""

    door: str = "ingest"                 # ingest | import | smtp | lmtp | imap
    source: str = ""                     # file path, peer address, mailbox and UID
    mail_from: str = ""
    rcpt_to: tuple[str, ...] = ()
    received_at: datetime | None = None  # when the office received it; default: now


@dataclass(frozen=True)
class Receipt:
    id: int
    sha256: str
    duplicate: bool  # the same bytes were already received


@dataclass
class Outcome:
    """What became of one message; the shape `mailhub ingest --json` prints."""

    id: int
    source: str
    message_id: str
    verdict: str
    sha256: str
    reasons: list[str] = field(default_factory=list)
    unit: str | None = None
    level: str | None = None
    topics: list[str] = field(default_factory=list)
    period: str | None = None
    team: str | None = None
    urgent: bool = False
    subject: str = ""
    sender: str = ""


def receive(hub: Hub, raw: bytes, envelope: Envelope) -> Receipt:
    """Archive the bytes (fsync'd) and commit the row; the same bytes twice are a duplicate."""
    sha256, _ = hub.archive.store(raw)
    with Session(hub.engine) as session:
        existing = _by_sha(session, sha256)
        if existing is not None:
            return Receipt(existing, sha256, True)
        row = models.Message(
            sha256=sha256, message_id=_header_message_id(raw), door=envelope.door,
            source=envelope.source, envelope_from=envelope.mail_from.lower(),
            envelope_to=json.dumps(list(envelope.rcpt_to)), size=len(raw),
            received_at=envelope.received_at or hub.clock(), state=State.RECEIVED)
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # the same bytes arrived through another door just now
            session.rollback()
            existing = _by_sha(session, sha256)
            if existing is None:
                raise
            return Receipt(existing, sha256, True)
        assert row.id is not None
        return Receipt(row.id, sha256, False)


def file(hub: Hub, message: int) -> Outcome:
    """Decide and record what a received message is. Filing a message twice does nothing."""
    with Session(hub.engine) as session:
        row = session.get(models.Message, message)
        if row is None:
            raise KeyError(f"no message {message}")
        if row.state != State.RECEIVED:
            return outcome_of(session, row)
        try:
            _decide(hub, session, row)
            session.commit()
        except Exception as exc:  # one bad message never stops the loop
            session.rollback()
            log.exception("filing message %s failed", message)
            row = session.get(models.Message, message)
            assert row is not None
            row.state, row.state_reason = State.ERROR, f"{type(exc).__name__}: {exc}"[:2000]
            session.add(row)
            session.commit()
        return outcome_of(session, row)


def ingest(hub: Hub, raw: bytes, envelope: Envelope) -> Outcome:
    """receive() then file(); a repeat of known bytes reports the earlier message."""
    receipt = receive(hub, raw, envelope)
    if receipt.duplicate:
        return duplicate_outcome(hub, receipt, envelope.source)
    return file(hub, receipt.id)


def file_pending(hub: Hub) -> list[Outcome]:
    """File every message still 'received' (after a crash or restart): the table is the queue."""
    with Session(hub.engine) as session:
        pending = session.exec(select(models.Message.id).where(
            models.Message.state == State.RECEIVED).order_by(col(models.Message.id))).all()
    return [file(hub, message) for message in pending if message is not None]


def duplicate_outcome(hub: Hub, receipt: Receipt, source: str) -> Outcome:
    with Session(hub.engine) as session:
        row = session.get(models.Message, receipt.id)
        assert row is not None
        earlier = outcome_of(session, row)
    return Outcome(receipt.id, source, earlier.message_id, State.DUPLICATE, receipt.sha256,
                   [f"dedupe.sha256: same bytes as message #{receipt.id} ({earlier.verdict})"],
                   subject=earlier.subject, sender=earlier.sender)


def _decide(hub: Hub, session: Session, row: models.Message) -> None:
    parsed = parse(hub.archive.read(row.sha256))
    received_at = _utc(row.received_at)
    row.message_id = parsed.message_id or row.message_id
    row.from_address, row.from_name = parsed.from_address, parsed.from_name
    row.subject, row.body_text = parsed.subject, parsed.text
    row.sent_at = parsed.date.astimezone(UTC) if parsed.date else None
    row.filed_at = hub.clock()
    hits: list[Hit] = []
    earlier = _same_message_id(session, row)
    filing: Filing | None = None
    if earlier is not None:
        row.state, row.duplicate_of = State.DUPLICATE, earlier
        hits.append(Hit("dedupe", "dedupe.message_id", Action.NOTE,
                        "Thư này đã được nhận (cùng Message-ID và người gửi)",
                        "Already received (same Message-ID and sender)", f"message #{earlier}"))
    else:
        if parsed.problems:
            hits.append(Hit("parse", "parse.defects", Action.NOTE, "Thư có lỗi định dạng",
                            "The message has format defects", "; ".join(parsed.problems)[:1000]))
        today = hub.clock().astimezone(hub.settings.zone).date()
        facts = gather(hub.rules.senders, hub.registry, parsed.from_address, row.envelope_from,
                       parsed.unreadable, today)
        verdict, unit = decide(hub.rules.senders, facts)
        hits += verdict.hits
        row.state = verdict.state
        if verdict.action is Action.ACCEPT:
            filing = classify(hub.rules, hub.registry, unit, parsed,
                              received_at.astimezone(hub.settings.zone))
            hits += filing.hits
    _save(session, row, parsed, hits, filing)


def _save(session: Session, row: models.Message, parsed: ParsedMessage, hits: list[Hit],
          filing: Filing | None) -> None:
    assert row.id is not None
    session.add(row)
    for position, part in enumerate(parsed.attachments):
        session.add(models.Attachment(message=row.id, position=position, name=part.name,
                                      content_type=part.content_type[:255], size=part.size,
                                      sha256=part.sha256))
    for position, hit in enumerate(hits):
        session.add(models.RuleHit(message=row.id, position=position, chain=hit.chain,
                                   rule=hit.rule[:200], action=hit.action.value,
                                   reason_vi=hit.reason_vi, reason_en=hit.reason_en,
                                   detail=hit.detail))
    if filing is not None:
        session.add(models.Filing(message=row.id, unit=filing.unit.code if filing.unit else None,
                                  level=filing.level, period=filing.period, team=filing.team,
                                  urgent=filing.urgent))
        for rank, (topic, score) in enumerate(filing.topics):
            session.add(models.FilingTopic(message=row.id, rank=rank, topic=topic, score=score))


def outcome_of(session: Session, row: models.Message) -> Outcome:
    """The recorded outcome of a message, read back from the database."""
    assert row.id is not None
    hits = session.exec(select(models.RuleHit).where(models.RuleHit.message == row.id)
                        .order_by(col(models.RuleHit.position))).all()
    outcome = Outcome(row.id, row.source, row.message_id, row.state, row.sha256,
                      [_reason(h) for h in hits], subject=row.subject, sender=row.from_address)
    if row.state == State.ERROR:
        outcome.reasons.append(f"error: {row.state_reason}")
    filing = session.get(models.Filing, row.id)
    if filing is not None:
        outcome.unit, outcome.level, outcome.period = filing.unit, filing.level, filing.period
        outcome.team, outcome.urgent = filing.team, filing.urgent
        outcome.topics = list(session.exec(
            select(models.FilingTopic.topic).where(models.FilingTopic.message == row.id)
            .order_by(col(models.FilingTopic.rank))).all())
    return outcome


def _reason(hit: models.RuleHit) -> str:
    return f"{hit.rule}: {hit.detail}" if hit.detail else hit.rule


def _by_sha(session: Session, sha256: str) -> int | None:
    return session.exec(select(models.Message.id).where(models.Message.sha256 == sha256)).first()


def _same_message_id(session: Session, row: models.Message) -> int | None:
    """An earlier, non-duplicate message with the same Message-ID from the same sender."""
    if not row.message_id:
        return None
    return session.exec(select(func.min(models.Message.id)).where(
        models.Message.message_id == row.message_id,
        models.Message.from_address == row.from_address,
        models.Message.id != row.id,
        models.Message.state != State.DUPLICATE,
        models.Message.state != State.RECEIVED)).first()


def _header_message_id(raw: bytes) -> str:
    try:
        return message_id(BytesHeaderParser(policy=compat32).parsebytes(raw))
    except Exception:
        return ""


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)

"""The outbox: the hub's one way out. Rows queued by notices (and directives later) are
sent through the relay (`[relay]`). A temporary failure (4xx, a lost connection) is
tried again later with growing delays; a permanent one (5xx) is kept as 'failed' with
the server's reply. Auto-replies go out with an empty envelope sender (RFC 3834), so
that a bounce of a notice is never answered in turn.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from mailhub import models
from mailhub.db import transaction
from mailhub.hub import Hub

log = logging.getLogger(__name__)

# Delay before attempt n + 1 after n temporary failures; then the row is 'failed'.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2), timedelta(hours=8))
BATCH = 100  # rows sent per connection


@dataclass
class Sent:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]


def send_due(hub: Hub) -> Sent:
    """Send what is due; nothing when no relay is configured (the rows wait)."""
    result = Sent()
    relay = hub.settings.relay
    if not relay.host:
        return result
    now = hub.clock()
    with hub.engine.connect() as db:
        due = db.execute(select(OUTBOX.c.id, OUTBOX.c.recipient, OUTBOX.c.raw,
                                OUTBOX.c.kind, OUTBOX.c.attempts)
                         .where(OUTBOX.c.state == "queued",
                                or_(OUTBOX.c.next_attempt_at.is_(None),
                                    OUTBOX.c.next_attempt_at <= now))
                         .order_by(OUTBOX.c.id).limit(BATCH)).all()
    if not due:
        return result
    try:
        client = _connect(hub)
    except (OSError, smtplib.SMTPException) as exc:  # the relay is away: all wait
        for row in due:
            _failed(hub, row, f"relay {relay.host}:{relay.port}: {exc}", result, permanent=False)
        return result
    try:
        for row in due:
            sender = "" if row.kind == "notice" else relay.username
            try:
                refused = client.sendmail(sender, [row.recipient], row.raw)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = exc.recipients[row.recipient]
                _failed(hub, row, f"{code} {_text(reply)}", result, permanent=code >= 500)
            except smtplib.SMTPResponseException as exc:
                _failed(hub, row, f"{exc.smtp_code} {_text(exc.smtp_error)}", result,
                        permanent=exc.smtp_code >= 500)
                client.rset()
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                _failed(hub, row, str(exc), result, permanent=False)
                break  # the connection is gone: the rest wait for the next run
            else:
                if not refused:
                    _update(hub, row.id, state="sent", sent_at=hub.clock(),
                            attempts=row.attempts + 1, last_error="")
                    result.sent += 1
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            pass
    if result.sent or result.failed:
        log.info("outbox: %s sent, %s to retry, %s failed", result.sent, result.retrying,
                 result.failed)
    return result


def _connect(hub: Hub) -> smtplib.SMTP:
    relay = hub.settings.relay
    client = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout)
    try:
        client.ehlo()
        if relay.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if relay.username:
            client.login(relay.username, relay.password())
    except BaseException:
        client.close()
        raise
    return client


def _failed(hub: Hub, row: Any, error: str, result: Sent, permanent: bool) -> None:
    attempts = row.attempts + 1
    if permanent or attempts > len(RETRY_DELAYS):
        _update(hub, row.id, state="failed", attempts=attempts, last_error=error[:2000])
        result.failed += 1
        log.warning("outbox #%s to %s failed: %s", row.id, row.recipient, error)
        return
    _update(hub, row.id, attempts=attempts, last_error=error[:2000],
            next_attempt_at=hub.clock() + RETRY_DELAYS[attempts - 1])
    result.retrying += 1


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _update(hub: Hub, outbox_id: int, **values: Any) -> None:
    with transaction(hub.engine, durable=False) as db:
        db.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id).values(**values))

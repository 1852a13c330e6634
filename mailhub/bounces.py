"""Bounces: a delivery status notification (RFC 3464) for a copy the hub sent comes back
to that copy's own return path, bounce+<outbox id>-<token>@hub_domain (VERP), so it
names one row, hence one school, whatever the reporting server wrote in it. The token
makes return paths unguessable: nobody can mark a school's copy failed by forging one.
"""

from __future__ import annotations

import email
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.policy import compat32

from sqlalchemy import select, update

from mailhub import chain, models
from mailhub.db import transaction
from mailhub.hub import Hub
from mailhub.pipeline import MESSAGE, Envelope, insert_rows_in, stored_row
from mailhub.verdict import State

log = logging.getLogger(__name__)

OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
_VERP = re.compile(r"^bounce\+(\d{1,18})-([0-9a-f]{4,32})@(.+)$", re.IGNORECASE)


def verp_row(hub: Hub, address: str) -> int | None:
    """The outbox row a return path names, if it is one of ours."""
    found = _VERP.match(address.strip().strip("<>"))
    if found is None or found.group(3).lower() != hub.settings.hub_domain.lower():
        return None
    outbox_id, token = int(found.group(1)), found.group(2).lower()
    with hub.engine.connect() as db:
        known = db.execute(select(OUTBOX.c.id).where(OUTBOX.c.id == outbox_id,
                                                     OUTBOX.c.token == token)).scalar()
    return int(known) if known is not None else None


@dataclass(frozen=True)
class Status:
    """What a DSN says about the recipient: Action, Status and Diagnostic-Code."""

    action: str
    status: str
    diagnostic: str

    @property
    def failed(self) -> bool:
        return self.action == "failed" or self.status.startswith("5")

    def __str__(self) -> str:
        return f"DSN {self.action} {self.status} {self.diagnostic}".strip()


def report(raw: bytes) -> Status | None:
    """The per-recipient status of a DSN; None when the message is no DSN (an
    out-of-office reply sent to the return path, say)."""
    msg = email.message_from_bytes(raw, policy=compat32)
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:] or blocks:  # the first block is about the message
            if isinstance(block, Message) and (block.get("Action") or block.get("Status")):
                return Status(_field(block, "Action").lower(), _field(block, "Status"),
                              _field(block, "Diagnostic-Code"))
    return None


def _field(block: Message, name: str) -> str:
    return " ".join(str(block.get(name) or "").split())[:500]


def take_bounce(hub: Hub, raw: bytes, outbox_id: int, envelope: Envelope) -> Status | None:
    """Archive a message sent to a row's return path; a failure report marks the copy
    failed with the reporting server's status and text."""
    status = report(raw)
    row = stored_row(hub, raw, envelope)
    with transaction(hub.engine) as db:
        receipt = insert_rows_in(db, [row])[0]
        db.execute(update(MESSAGE).where(MESSAGE.c.id == receipt.id,
                                         MESSAGE.c.state == State.RECEIVED.value)
                   .values(state=State.BOUNCE.value, filed_at=hub.clock(),
                           state_reason=str(status) if status else "not a DSN"))
        if status is not None and status.failed:
            db.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id)
                       .values(state="failed", last_reply=str(status)[:2000]))
        chain.append(db, chain.decisions(db, [receipt.id]) + chain.deliveries(db, [outbox_id]),
                     datetime.now(UTC))
    if status is not None and status.failed:
        log.warning("outbox #%s bounced: %s", outbox_id, status)
    return status

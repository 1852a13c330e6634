"""A school's reply to a directive is its acknowledgement (xác nhận đã nhận công văn).

A reply is recognised by In-Reply-To/References naming the copy that school was sent,
or by the directive's official number (số công văn) in its subject. Matched when the
reply is filed, in the same transaction, so an acknowledgement is never half-recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select, update

from mailhub import models

OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
DIRECTIVE = models.Directive.__table__  # type: ignore[attr-defined]

# "3851/KH-SGD&ĐT", "123/PGDĐT-TH", "45/QĐ-UBND": a number, a slash, the kind of document
# and the issuing body in capitals joined by hyphens.
_NUMBER = re.compile(r"(?<![\w/])(\d{1,6}/[A-ZĐ][A-ZĐ0-9&.]*(?:-[A-ZĐ0-9&.]+)*)(?![\w/])")


def directive_number(*texts: str) -> str:
    """The first official number found in the texts (subject first), else ""."""
    for text in texts:
        found = _NUMBER.search(text)
        if found:
            return found.group(1).rstrip(".")
    return ""


@dataclass(frozen=True)
class Reply:
    """A filed message from a school, as much as acknowledging needs."""

    message: int
    unit: str
    references: tuple[str, ...]
    subject: str
    received_at: datetime


def acknowledge(db: Connection, replies: Sequence[Reply]) -> int:
    """Mark the directive copies these replies answer as acknowledged (the first reply
    counts); returns how many copies were marked."""
    marked = 0
    for reply in replies:
        by_reference = OUTBOX.c.message_id.in_(reply.references) if reply.references else None
        number = directive_number(reply.subject)
        by_number = (OUTBOX.c.directive.in_(select(DIRECTIVE.c.id)
                                            .where(DIRECTIVE.c.number == number))
                     if number else None)
        matches = [m for m in (by_reference, by_number) if m is not None]
        if not matches:
            continue
        marked += db.execute(update(OUTBOX).where(and_(
            OUTBOX.c.kind == "directive", OUTBOX.c.unit == reply.unit,
            OUTBOX.c.acknowledged_at.is_(None), or_(*matches)))
            .values(acknowledged_at=reply.received_at, ack_message=reply.message)).rowcount
    return marked

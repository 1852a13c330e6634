"""What filing decides about a message, before anything is recorded: parse, the sender
chain, classification, the words search will index.

No database here, so a filing worker that only decides (a bulk import's) never loads
SQLAlchemy: pipeline.py records what is decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailhub import authenticity
from mailhub.classify import Filing, classify
from mailhub.message import ParsedMessage, parse
from mailhub.policy import decide, gather
from mailhub.search_text import document
from mailhub.verdict import Action, Hit

if TYPE_CHECKING:
    from mailhub.hub import Hub


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


@dataclass
class Decision:
    """What filing a message decided, before it is recorded."""

    changes: dict[str, object]
    parsed: ParsedMessage
    hits: list[Hit]
    filing: Filing | None
    outcome: Outcome
    # what search indexes, joined by spaces: folded where the CPU work is done, and one
    # string is far cheaper than a list to send back from a filing worker
    words: str


def decide_filing(hub: Hub, row: dict[str, Any], raw: bytes | None = None,
                  now: datetime | None = None) -> Decision:
    """Parse, run the sender chain and classify a received row (or one not inserted yet,
    without an id: record_stored() sets it): no database needed, so it may run in another
    process (which is told the time: `now`, default the hub's clock). `raw` saves reading
    the archive when the caller has it."""
    now = now or hub.clock()
    received = _utc(row["received_at"]).astimezone(hub.settings.zone)
    raw = raw if raw is not None else hub.archive.read(row["sha256"])
    parsed = parse(raw, hub.settings.filing.max_depth)
    changes: dict[str, object] = dict(
        message_id=parsed.message_id or row["message_id"], from_address=parsed.from_address,
        from_name=parsed.from_name, subject=parsed.subject, body_text=parsed.text,
        sent_at=parsed.date.astimezone(UTC) if parsed.date else None, filed_at=now)
    hits: list[Hit] = []
    if parsed.problems:
        hits.append(Hit("parse", "parse.defects", Action.NOTE, "Thư có lỗi định dạng",
                        "The message has format defects", "; ".join(parsed.problems)[:1000]))
    # The sender chain judges a message as of the day it arrived, however late it is filed,
    # and by the SPF/DKIM/DMARC results written in it (no DNS here: see authenticity.py).
    facts = gather(hub.rules.senders, hub.registry, parsed.from_address, row["envelope_from"],
                   parsed.unreadable, received.date(),
                   authenticity.read(raw, hub.settings, row["door"]))
    verdict, unit = decide(hub.rules.senders, facts)
    hits += verdict.hits
    changes["state"] = verdict.state.value
    filing = None
    if verdict.action is Action.ACCEPT:
        filing = classify(hub.rules, hub.registry, unit, parsed, received)
        hits += filing.hits
    outcome = Outcome(row.get("id", 0), row["source"], str(changes["message_id"]),
                      verdict.state.value, row["sha256"], [str(h) for h in hits],
                      subject=parsed.subject, sender=parsed.from_address)
    if filing is not None:
        outcome.unit = filing.unit.code if filing.unit else None
        outcome.level, outcome.period = filing.level, filing.period
        outcome.topics = filing.topic_ids
        outcome.team, outcome.urgent = filing.team, filing.urgent
    words = " ".join(document([parsed.subject, *(a.name for a in parsed.attachments),
                               parsed.text]))
    return Decision(changes, parsed, hits, filing, outcome, words)


def decide_many(hub: Hub, rows: Sequence[dict[str, Any]], raws: Sequence[bytes] | None,
                now: datetime) -> list[Decision | Exception]:
    """decide_filing() for a group; a message that fails gives its exception."""
    decided: list[Decision | Exception] = []
    for i, row in enumerate(rows):
        try:
            decided.append(decide_filing(hub, row, raws[i] if raws else None, now))
        except Exception as exc:  # one bad message fails only itself
            decided.append(exc)
    return decided


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)

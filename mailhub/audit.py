"""Reading the record back: one message in full (show, raw), who tried to send from refused
addresses (rejected_senders), and what a candidate rules directory would change in the
archive (try_rules). Nothing here writes to the database or the archive."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from mailhub import models
from mailhub.deciding import decide_filing
from mailhub.errors import ArchiveError
from mailhub.hub import Hub, Office, read_office
from mailhub.message import header_block, header_text
from mailhub.verdict import Action, State

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
HIT = models.RuleHit.__table__  # type: ignore[attr-defined]
FILING = models.Filing.__table__  # type: ignore[attr-defined]
TOPIC = models.FilingTopic.__table__  # type: ignore[attr-defined]
ATTACHMENT = models.Attachment.__table__  # type: ignore[attr-defined]
DIRECTIVE = models.Directive.__table__  # type: ignore[attr-defined]
OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
REFUSAL = models.Refusal.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------ one message


def find(hub: Hub, ref: str) -> dict[str, Any]:
    """The message row `ref` names: its number, else its Message-ID (with or without <>);
    of several copies with one Message-ID, the first received. KeyError if none."""
    ref = ref.strip()
    with hub.engine.connect() as db:
        found = None
        if ref.isdigit():
            found = db.execute(select(MESSAGE).where(MESSAGE.c.id == int(ref))).mappings().first()
        if found is None and ref.strip("<>"):
            found = db.execute(select(MESSAGE).where(MESSAGE.c.message_id == ref.strip("<>"))
                               .order_by(MESSAGE.c.id).limit(1)).mappings().first()
    if found is None:
        raise KeyError(ref)
    return dict(found)


def raw(hub: Hub, ref: str) -> bytes:
    """The bytes as received, unchanged. KeyError, or ArchiveError if the file is gone."""
    return hub.archive.read(find(hub, ref)["sha256"])


def show(hub: Hub, ref: str) -> dict[str, Any]:
    """Everything the record holds about one message, JSON-ready: headers, the verdict with
    every rule hit and its reason, the filing, attachments, the directive it answers (or is),
    and where the raw bytes are."""
    row = find(hub, ref)
    message = row["id"]
    with hub.engine.connect() as db:
        hits = db.execute(select(HIT).where(HIT.c.message == message)
                          .order_by(HIT.c.position)).all()
        attachments = db.execute(select(ATTACHMENT).where(ATTACHMENT.c.message == message)
                                 .order_by(ATTACHMENT.c.position)).all()
        filing = _filing(hub, db, message)
        answers = db.execute(
            select(OUTBOX.c.id, OUTBOX.c.unit, OUTBOX.c.acknowledged_at, DIRECTIVE.c.id.label(
                "directive"), DIRECTIVE.c.number, DIRECTIVE.c.subject)
            .join(DIRECTIVE, DIRECTIVE.c.id == OUTBOX.c.directive)
            .where(OUTBOX.c.ack_message == message).order_by(OUTBOX.c.id)).all()
        directive = db.execute(select(DIRECTIVE).where(DIRECTIVE.c.message == message)).first()
    path = hub.archive.path_for(row["sha256"])
    return dict(
        id=message, message_id=row["message_id"], state=row["state"],
        state_reason=row["state_reason"], duplicate_of=row["duplicate_of"], door=row["door"],
        source=row["source"], envelope_from=row["envelope_from"],
        envelope_to=_json_list(row["envelope_to"]), from_address=row["from_address"],
        from_name=row["from_name"], subject=row["subject"], size=row["size"],
        received_at=_iso(row["received_at"]), sent_at=_iso(row["sent_at"]),
        filed_at=_iso(row["filed_at"]), headers=_headers(hub, row["sha256"]),
        hits=[dict(chain=h.chain, rule=h.rule, action=h.action, reason_vi=h.reason_vi,
                   reason_en=h.reason_en, detail=h.detail) for h in hits],
        filing=filing,
        attachments=[dict(name=a.name, content_type=a.content_type, size=a.size,
                          sha256=a.sha256) for a in attachments],
        answers=[dict(directive=a.directive, number=a.number, subject=a.subject, copy=a.id,
                      unit=a.unit, acknowledged_at=_iso(a.acknowledged_at)) for a in answers],
        directive=dict(id=directive.id, number=directive.number, lists=directive.lists.split(","),
                       sender=directive.sender, staff=directive.staff,
                       created_at=_iso(directive.created_at)) if directive else None,
        archive=dict(sha256=row["sha256"], path=str(path), present=path.is_file()))


def _filing(hub: Hub, db: Connection, message: int) -> dict[str, Any] | None:
    found = db.execute(select(FILING).where(FILING.c.message == message)).first()
    if found is None:
        return None
    topics = db.execute(select(TOPIC.c.topic, TOPIC.c.score).where(TOPIC.c.message == message)
                        .order_by(TOPIC.c.rank)).all()
    unit = hub.registry.by_code.get(found.unit) if found.unit else None
    team = hub.registry.by_code.get(found.team) if found.team else None
    return dict(unit=found.unit, unit_name=unit.name if unit else "", level=found.level,
                period=found.period, team=found.team, team_name=team.name if team else "",
                urgent=bool(found.urgent),
                topics=[dict(id=t.topic, name=_topic_name(hub, t.topic), score=t.score)
                        for t in topics])


def _topic_name(hub: Hub, topic: str) -> str:
    found = hub.rules.topic(topic)
    return found.name_vi if found else ""  # a topic since taken out of the rules


def _headers(hub: Hub, sha256: str) -> list[dict[str, str]]:
    """Every header as received, in order, made readable; none if the file is missing."""
    try:
        block = header_block(hub.archive.read(sha256))
    except ArchiveError:
        return []  # show says so: archive.present is false
    return [dict(name=name, value=header_text(str(value))) for name, value in block.raw_items()]


def _json_list(text: str) -> list[str]:
    try:
        found = json.loads(text) if text else []
    except ValueError:
        return [text]
    return [str(x) for x in found] if isinstance(found, list) else [text]


# ------------------------------------------------------------------ refused senders


def rejected_senders(hub: Hub, since: datetime | None = None) -> list[dict[str, Any]]:
    """Who tried to send from an address the sender rules refuse (personal mailboxes above
    all), most attempts first: refusals in the SMTP dialogue and rejected messages together,
    by address, with how often, when first and last, which rules and through which doors."""
    refusals = select(REFUSAL.c.id, REFUSAL.c.header_from, REFUSAL.c.mail_from, REFUSAL.c.at,
                      REFUSAL.c.rule, REFUSAL.c.door)
    rejected = (select(MESSAGE.c.id, MESSAGE.c.from_address, MESSAGE.c.envelope_from,
                       MESSAGE.c.received_at, HIT.c.rule, MESSAGE.c.door)
                .outerjoin(HIT, (HIT.c.message == MESSAGE.c.id)
                           & (HIT.c.action == Action.REJECT.value))
                .where(MESSAGE.c.state == State.REJECTED.value))
    if since is not None:
        refusals = refusals.where(REFUSAL.c.at >= since.astimezone(UTC))
        rejected = rejected.where(MESSAGE.c.received_at >= since.astimezone(UTC))
    senders: dict[str, dict[str, Any]] = {}
    counted: set[tuple[str, int]] = set()  # a message with two reject hits is one attempt
    with hub.engine.connect() as db:
        for kind, query in (("refused", refusals), ("rejected", rejected)):
            for id_, header, envelope, at, rule, door in db.execute(query):
                address = (header or envelope or "").lower()
                entry = senders.setdefault(address, dict(
                    address=address, attempts=0, refused=0, rejected=0, first_at=None,
                    last_at=None, rules=set(), doors=set()))
                entry["rules"].add(rule or "?")
                if (kind, id_) in counted:
                    continue
                counted.add((kind, id_))
                entry["attempts"] += 1
                entry[kind] += 1
                when = _utc(at)
                entry["first_at"] = min(entry["first_at"] or when, when)
                entry["last_at"] = max(entry["last_at"] or when, when)
                entry["doors"].add(door)
    found = sorted(senders.values(), key=lambda e: (-e["attempts"], -e["last_at"].timestamp(),
                                                    e["address"]))
    return [{**e, "first_at": e["first_at"].isoformat(), "last_at": e["last_at"].isoformat(),
             "rules": sorted(e["rules"]), "doors": sorted(e["doors"])} for e in found]


# ------------------------------------------------------------------ rules dry run

# What a filing is judged by: a change in any of these is a change the office should see.
COMPARED = ("verdict", "unit", "period", "team", "topics", "urgent")
TRIED = (State.FILED.value, State.REJECTED.value, State.QUARANTINED.value)
CHUNK = 500  # messages read from the database at a time


def candidate_office(hub: Hub, rules_dir: Path) -> Office:
    """The registry with the candidate rules and lists, validated exactly as `serve` would
    load them; raises ConfigError naming file and line."""
    return read_office(hub.settings.model_copy(update={"rules_dir": rules_dir}))


def try_rules(hub: Hub, rules_dir: Path, since: datetime | None = None) -> list[dict[str, Any]]:
    """Decide every archived message received since `since` again with the rules in
    `rules_dir`, and list those whose filing would change (old_* → new_*, and `changes`
    naming the fields), oldest first. Read-only: nothing is recorded."""
    office = candidate_office(hub, rules_dir)
    trial = replace(hub, registry=office.registry, rules=office.rules, lists=office.lists)
    changed = []
    for rows in _decided_messages(hub, since):
        for row in rows:
            try:
                outcome = decide_filing(trial, row).outcome
                new = dict(verdict=outcome.verdict, unit=outcome.unit, period=outcome.period,
                           team=outcome.team, topics=outcome.topics, urgent=outcome.urgent)
                error = ""
            except Exception as exc:  # the archive lost it, or the rules trip on it: say so
                new = dict(verdict=State.ERROR.value, unit=None, period=None, team=None,
                           topics=[], urgent=False)
                error = f"{type(exc).__name__}: {exc}"
            old = row["old"]
            changes = [key for key in COMPARED if old[key] != new[key]]
            if changes:
                changed.append(dict(
                    id=row["id"], received_at=_iso(row["received_at"]),
                    sender=row["from_address"], subject=row["subject"], changes=changes,
                    **{f"old_{k}": old[k] for k in COMPARED},
                    **{f"new_{k}": new[k] for k in COMPARED}, error=error))
    return changed


def _decided_messages(hub: Hub, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    """Decided messages in chunks, each row whole (as pipeline.file() hands it to
    decide_filing) with what its filing recorded (`old`)."""
    query = select(MESSAGE).where(MESSAGE.c.state.in_(TRIED)).order_by(MESSAGE.c.id)
    if since is not None:  # in UTC, as stored: SQLite compares the digits
        query = query.where(MESSAGE.c.received_at >= since.astimezone(UTC))
    last = 0
    while True:
        with hub.engine.connect() as db:
            rows = [dict(r) for r in db.execute(query.where(MESSAGE.c.id > last).limit(CHUNK))
                    .mappings()]
            if not rows:
                return
            _attach_old(db, rows)
        last = rows[-1]["id"]
        yield rows


def _attach_old(db: Connection, rows: Sequence[dict[str, Any]]) -> None:
    ids = [row["id"] for row in rows]
    filings = {f.message: f for f in db.execute(select(FILING).where(FILING.c.message.in_(ids)))}
    topics: dict[int, list[str]] = {}
    for message, topic in db.execute(select(TOPIC.c.message, TOPIC.c.topic)
                                     .where(TOPIC.c.message.in_(ids))
                                     .order_by(TOPIC.c.message, TOPIC.c.rank)):
        topics.setdefault(message, []).append(topic)
    for row in rows:
        filing = filings.get(row["id"])
        row["old"] = dict(verdict=row["state"], unit=filing.unit if filing else None,
                          period=filing.period if filing else None,
                          team=filing.team if filing else None, topics=topics.get(row["id"], []),
                          urgent=bool(filing.urgent) if filing else False)


# ------------------------------------------------------------------ helpers


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite drops the zone


def _iso(when: datetime | None) -> str | None:
    return _utc(when).isoformat() if when is not None else None

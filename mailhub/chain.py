"""Tamper evidence: every archived message, every decision about a message, every
directive and every finished delivery is appended to a hash chain (table audit_entry),
in the same transaction as the event itself.

An entry records the sha256 of what it is about — the message's bytes; or a canonical
form of the rows the decision wrote (state, rule hits, filing, topics), read back from
the database so that verify() computes exactly the same — and hashes the entry before it.
verify() re-hashes the archive files and the chain and recomputes each record from the
rows as they are now: a changed byte, a missing file, an edited or deleted row, an entry
inserted or removed, each is reported by id. An anchor (the chain head, printed or mailed
out) lets an outsider later check that nothing before it was rewritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from mailhub import models
from mailhub.db import lock_key
from mailhub.hub import Hub

ENTRY = models.AuditEntry.__table__  # type: ignore[attr-defined]
MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
HIT = models.RuleHit.__table__  # type: ignore[attr-defined]
FILING = models.Filing.__table__  # type: ignore[attr-defined]
TOPIC = models.FilingTopic.__table__  # type: ignore[attr-defined]
DIRECTIVE = models.Directive.__table__  # type: ignore[attr-defined]
OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
GENESIS = "0" * 64
FINAL = ("sent", "failed")  # a delivery is recorded when it ends


def _sha(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _stamp(when: datetime) -> str:
    """A time as the chain hashes it: UTC to the microsecond (SQLite gives it back naive)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def link(previous: str, kind: str, ref: str, content: str, at: datetime) -> str:
    return hashlib.sha256(f"{previous}|{kind}|{ref}|{content}|{_stamp(at)}".encode()).hexdigest()


def append(db: Connection, entries: Sequence[tuple[str, str, str]], at: datetime) -> None:
    """Append (kind, ref, content) entries, in order, in the caller's transaction."""
    if not entries:
        return
    lock_key(db, "audit-chain")  # one writer of the chain's head at a time
    head = db.execute(select(ENTRY.c.hash).order_by(ENTRY.c.seq.desc()).limit(1)).scalar()
    previous, rows = head or GENESIS, []
    for kind, ref, content in entries:
        digest = link(previous, kind, ref, content, at)
        rows.append(dict(at=at, kind=kind, ref=ref, content=content, previous=previous,
                         hash=digest))
        previous = digest
    db.execute(insert(ENTRY), rows)


# What each kind of entry records, computed from the rows as they are -------------------


def archived(messages: Iterable[tuple[int, str]]) -> list[tuple[str, str, str]]:
    """Entries for newly archived messages, given as (id, sha256 of their bytes)."""
    return [("archive", f"message:{i}", sha) for i, sha in messages]


def decisions(db: Connection, ids: Iterable[int]) -> list[tuple[str, str, str]]:
    """Entries for what was decided about messages: their state, hits and filing."""
    return decided(_decision_records(db, list(ids)))


def decided(records: dict[int, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Entries for decision records (decision_record()) by message id."""
    return [("decision", f"message:{i}", _sha(record)) for i, record in records.items()]


def decision_record(message: Mapping[Any, Any], hits: Iterable[Mapping[Any, Any]],
                    filing: Mapping[Any, Any] | None, topics: Iterable[str]
                    ) -> dict[str, Any]:
    """What a decision entry records, from the values of the rows it wrote (the message's,
    its rule hits in order, its filing and topics by rank): the filing computes it from
    the rows it inserts, verify() from the rows read back."""
    return dict(state=message["state"], duplicate_of=message["duplicate_of"],
                sender=message["from_address"], subject=message["subject"],
                sha256=message["sha256"],
                hits=[[hit["rule"], hit["action"], hit["detail"]] for hit in hits],
                filing=None if filing is None else [filing["unit"], filing["level"],
                                                    filing["period"], filing["team"],
                                                    bool(filing["urgent"])],
                topics=list(topics))


def _decision_records(db: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    records: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        hits: dict[int, list[Mapping[Any, Any]]] = {}
        for hit in db.execute(select(HIT.c.message, HIT.c.rule, HIT.c.action, HIT.c.detail)
                              .where(HIT.c.message.in_(chunk))
                              .order_by(HIT.c.message, HIT.c.position)).mappings():
            hits.setdefault(hit["message"], []).append(hit)
        filings = {filing["message"]: filing for filing in
                   db.execute(select(FILING).where(FILING.c.message.in_(chunk))).mappings()}
        topics: dict[int, list[str]] = {}
        for message, topic in db.execute(select(TOPIC.c.message, TOPIC.c.topic)
                                         .where(TOPIC.c.message.in_(chunk))
                                         .order_by(TOPIC.c.message, TOPIC.c.rank)):
            topics.setdefault(message, []).append(topic)
        for row in db.execute(select(MESSAGE.c.id, MESSAGE.c.state, MESSAGE.c.duplicate_of,
                                     MESSAGE.c.from_address, MESSAGE.c.subject,
                                     MESSAGE.c.sha256).where(MESSAGE.c.id.in_(chunk))
                              ).mappings():
            records[row["id"]] = decision_record(row, hits.get(row["id"], ()),
                                                 filings.get(row["id"]),
                                                 topics.get(row["id"], ()))
    return records


def directives(db: Connection, ids: Iterable[int]) -> list[tuple[str, str, str]]:
    """Entries for directives: who sent what to which lists, and every recipient."""
    entries = []
    for directive in ids:
        row = db.execute(select(DIRECTIVE).where(DIRECTIVE.c.id == directive)).one()
        recipients = sorted(db.execute(select(OUTBOX.c.recipient).where(
            OUTBOX.c.directive == directive, OUTBOX.c.kind == "directive")).scalars())
        entries.append(("directive", f"directive:{directive}", _sha(dict(
            message=row.message, sender=row.sender, lists=row.lists, number=row.number,
            subject=row.subject, recipients=recipients))))
    return entries


def deliveries(db: Connection, ids: Iterable[int]) -> list[tuple[str, str, str]]:
    """Entries for copies whose delivery ended (sent or failed), with the relay's word.
    (Pending, sending and deferred are passing states: not recorded, so a claim changes
    nothing the chain holds.)"""
    records = _delivery_records(db, list(ids))
    return [("delivery", f"outbox:{i}", _sha(r)) for i, r in records.items()
            if r["state"] in FINAL]


def _delivery_records(db: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    records = {}
    for chunk in _chunks(ids):
        for row in db.execute(select(OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.recipient,
                                     OUTBOX.c.directive, OUTBOX.c.state, OUTBOX.c.last_reply,
                                     OUTBOX.c.sent_at).where(OUTBOX.c.id.in_(chunk))):
            records[row.id] = dict(kind=row.kind, recipient=row.recipient,
                                   directive=row.directive, state=row.state,
                                   reply=row.last_reply,
                                   sent_at=_stamp(row.sent_at) if row.sent_at else None)
    return records


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


# Checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    ref: str       # message:12, outbox:40, entry:7
    problem: str   # what is wrong, in both languages

    def __str__(self) -> str:
        return f"{self.ref}: {self.problem}"


def verify(hub: Hub) -> list[Finding]:
    """Everything changed, missing or inserted since it was recorded; [] when intact."""
    findings: list[Finding] = []
    latest: dict[tuple[str, str], str] = {}  # (kind, ref) -> the newest content recorded
    previous = GENESIS
    with hub.engine.connect() as db:
        for entry in db.execute(select(ENTRY).order_by(ENTRY.c.seq)):
            if entry.previous != previous:
                findings.append(Finding(f"entry:{entry.seq}", "chuỗi bị đứt: mục bị chèn "
                                        "hoặc xoá trước mục này / chain broken: an entry "
                                        "was inserted or removed before this one"))
            if link(entry.previous, entry.kind, entry.ref, entry.content, entry.at) != \
                    entry.hash:
                findings.append(Finding(f"entry:{entry.seq}", "mục đã bị sửa / entry altered"))
            previous = entry.hash
            latest[(entry.kind, entry.ref)] = entry.content
        findings += _messages(hub, db, latest)
        findings += _recorded(db, latest)
    return findings


def _messages(hub: Hub, db: Connection, latest: dict[tuple[str, str], str]) -> list[Finding]:
    findings = []
    for row in db.execute(select(MESSAGE.c.id, MESSAGE.c.sha256).order_by(MESSAGE.c.id)):
        ref = f"message:{row.id}"
        recorded = latest.get(("archive", ref))
        if recorded is None:
            findings.append(Finding(ref, "không có trong chuỗi (bị chèn?) / not in the chain "
                                    "(inserted?)"))
        elif recorded != row.sha256:
            findings.append(Finding(ref, "mã băm trong CSDL đã bị sửa / its sha256 in the "
                                    "database was changed"))
        path = hub.archive.path_for(row.sha256)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            findings.append(Finding(ref, f"thiếu tệp / file missing: {path}"))
            continue
        if digest != row.sha256:
            findings.append(Finding(ref, f"tệp đã bị sửa / file altered: {path}"))
    return findings


def _recorded(db: Connection, latest: dict[tuple[str, str], str]) -> list[Finding]:
    """Each decision, directive and delivery as recorded against its rows now."""
    findings = []
    wanted: dict[str, list[int]] = {"decision": [], "directive": [], "delivery": []}
    for kind, ref in latest:
        if kind in wanted:
            wanted[kind].append(int(ref.split(":")[1]))
    now = {ref: content for _, ref, content in decisions(db, wanted["decision"])}
    now.update({ref: content for _, ref, content in
                directives(db, _existing(db, wanted["directive"]))})
    now.update({f"outbox:{i}": _sha(record)
                for i, record in _delivery_records(db, wanted["delivery"]).items()})
    messages = set(db.execute(select(MESSAGE.c.id)).scalars())
    for (kind, ref), content in latest.items():
        if kind == "archive":
            if int(ref.split(":")[1]) not in messages:
                findings.append(Finding(ref, "đã bị xoá / deleted"))
            continue
        if ref not in now:
            findings.append(Finding(ref, "đã bị xoá / deleted"))
        elif now[ref] != content:
            findings.append(Finding(ref, "đã bị sửa sau khi ghi nhận / changed since it was "
                                    f"recorded ({kind})"))
    recorded_outbox = set(wanted["delivery"])
    for row in db.execute(select(OUTBOX.c.id).where(OUTBOX.c.state.in_(FINAL))):
        if row.id not in recorded_outbox:
            findings.append(Finding(f"outbox:{row.id}", "không có trong chuỗi (bị chèn?) / "
                                    "not in the chain (inserted?)"))
    return findings


def _existing(db: Connection, directive_ids: list[int]) -> list[int]:
    return list(db.execute(select(DIRECTIVE.c.id).where(DIRECTIVE.c.id.in_(directive_ids)))
                .scalars())


def anchor(hub: Hub) -> dict[str, Any]:
    """The chain's head now: kept outside (printed, mailed), it proves later that nothing
    recorded before it was rewritten."""
    with hub.engine.connect() as db:
        head = db.execute(select(ENTRY).order_by(ENTRY.c.seq.desc()).limit(1)).first()
    if head is None:
        return dict(seq=0, hash=GENESIS, at=None)
    return dict(seq=head.seq, hash=head.hash, at=_stamp(head.at))


def holds(hub: Hub, seq: int, digest: str) -> bool:
    """Whether the chain still has this anchor at this place."""
    with hub.engine.connect() as db:
        found = db.execute(select(ENTRY.c.hash).where(ENTRY.c.seq == seq)).scalar()
    return found == digest

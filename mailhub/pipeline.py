"""The one path every inbound message takes, whatever door it came through.

receive(): store the bytes durably and insert the message row ('received');
           a door acknowledges only after this returns.
file():    decide (deciding.py: parse -> sender policy -> classification), then one
           transaction with the filing, every rule hit and the new state. Never
           raises for a bad message: a failure is recorded as state 'error' with
           its reason.

A bulk import (batch.Filer) decides before it inserts: its source keeps each message
until told it is stored (an IMAP server, files on disk), so the bytes are archived,
decided (deciding.decide_many) and the row written once, complete (record_stored).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, update
from sqlalchemy import select as select_rows  # Core: sqlmodel's select wants models
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from mailhub import chain, models, search
from mailhub.db import lock_key, transaction
from mailhub.deciding import Decision, Outcome, decide_filing
from mailhub.faults import temporary
from mailhub.hub import Hub
from mailhub.message import header_block, message_id
from mailhub.replies import Reply, acknowledge
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
    row: dict[str, Any] = field(default_factory=dict)  # the row stored, when new


def receive(hub: Hub, raw: bytes, envelope: Envelope) -> Receipt:
    """Archive the bytes (fsync'd) and commit the row; the same bytes twice are a duplicate."""
    return insert_rows(hub, [stored_row(hub, raw, envelope)])[0]


def stored_rows(hub: Hub, messages: Sequence[tuple[bytes, Envelope, str | None]]
                ) -> list[dict[str, Any] | Exception]:
    """stored_row() for a group, the files made durable together (Archive.store_many); a
    message whose file failed gives its exception."""
    if len(messages) == 1:
        try:
            return [stored_row(hub, *messages[0])]
        except Exception as exc:  # disk full: this message fails, the caller says so
            return [exc]
    stored = hub.archive.store_many([raw for raw, _, _ in messages])
    return [result if isinstance(result, Exception) else _row(hub, result[0], *message)
            for result, message in zip(stored, messages, strict=True)]


def stored_row(hub: Hub, raw: bytes, envelope: Envelope,
               message_id_found: str | None = None) -> dict[str, Any]:
    """Archive the bytes (fsync'd); the message row to insert. `message_id_found`: the
    Message-ID when the caller has read the headers already."""
    return _row(hub, hub.archive.store(raw)[0], raw, envelope, message_id_found)


def _row(hub: Hub, sha256: str, raw: bytes, envelope: Envelope,
         message_id_found: str | None) -> dict[str, Any]:
    if message_id_found is None:
        message_id_found = header_message_id(raw)
    return dict(sha256=sha256, message_id=message_id_found, door=envelope.door,
                source=envelope.source, envelope_from=envelope.mail_from.lower(),
                envelope_to=json.dumps(list(envelope.rcpt_to)), size=len(raw),
                # in UTC: SQLite keeps the digits and drops the zone
                received_at=(envelope.received_at or hub.clock()).astimezone(UTC),
                state=State.RECEIVED.value)


def known_bytes(hub: Hub, shas: Iterable[str]) -> set[str]:
    """Which of these sha256 the database holds a message of."""
    with hub.engine.connect() as db:
        return set(_ids_by_sha(db, shas))


def _ids_by_sha(db: Connection, shas: Iterable[str]) -> dict[str, int]:
    """The ids of the messages the database holds of these sha256."""
    return dict(db.execute(select_rows(MESSAGE.c.sha256, MESSAGE.c.id)
                           .where(MESSAGE.c.sha256.in_(set(shas)))).all())


def _insert_new(db: Connection, rows: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Insert message rows of bytes the database lacks (by sha256) and record them as
    archived; their ids by sha256, read back by it (it is unique), as RETURNING in
    parameter order would cost one statement per row on SQLite."""
    db.execute(insert(MESSAGE), list(rows.values()))
    ids = _ids_by_sha(db, rows)
    chain.append(db, chain.archived((ids[sha256], sha256) for sha256 in rows),
                 datetime.now(UTC))
    return ids


def header_message_id(raw: bytes) -> str:
    try:
        return message_id(header_block(raw))
    except Exception:  # the filing reports what is wrong with the headers
        return ""


def insert_rows(hub: Hub, rows: Sequence[dict[str, Any]]) -> list[Receipt]:
    """Insert archived messages' rows in one durable commit; known bytes are duplicates."""
    try:
        with transaction(hub.engine) as db:
            return insert_rows_in(db, rows)
    except IntegrityError:  # the same bytes arrived through another process just now
        if len(rows) > 1:
            return [insert_rows(hub, [row])[0] for row in rows]
        with hub.engine.connect() as db:
            existing = _by_sha(db, str(rows[0]["sha256"]))
        if existing is None:
            raise
        return [Receipt(existing, str(rows[0]["sha256"]), True)]


def insert_rows_in(db: Connection, rows: Sequence[dict[str, Any]]) -> list[Receipt]:
    """A few statements for the whole group: a group commit is cheap only if its
    statements are."""
    known = _ids_by_sha(db, [row["sha256"] for row in rows])
    new: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["sha256"] not in known:
            new.setdefault(row["sha256"], row)  # the same bytes twice in one group
    if new:
        known.update(_insert_new(db, new))
    receipts = []
    for row in rows:
        first = new.pop(row["sha256"], None) is row
        id_ = known[row["sha256"]]
        receipts.append(Receipt(id_, row["sha256"], not first,
                                {**row, "id": id_} if first else {}))
    return receipts


def file(hub: Hub, message: int) -> Outcome:
    """Decide and record what a received message is. Filing a message twice does nothing,
    and several workers may file at once: the decision is made outside any transaction,
    and recorded only if the message is still 'received'."""
    with hub.engine.connect() as db:
        found = db.execute(select_rows(MESSAGE).where(MESSAGE.c.id == message)).mappings().first()
    if found is None:
        raise KeyError(f"no message {message}")
    row = dict(found)
    if row["state"] != State.RECEIVED:
        return recorded_outcome(hub, message)
    try:
        decision = decide_filing(hub, row)
    except Exception as exc:  # one bad message never stops the loop
        return record_failure(hub, message, exc)
    return record_filing(hub, row, decision)


def record_filing(hub: Hub, row: dict[str, Any], decision: Decision) -> Outcome:
    """Write a decision in one transaction, unless the message was filed meanwhile."""
    return record_many(hub, [(row, decision)])[0]


def record_many(hub: Hub, decided: Sequence[tuple[dict[str, Any], Decision]]) -> list[Outcome]:
    """Write decisions in one transaction; each one unless its message was filed meanwhile.
    If the group fails, each is tried alone, so one bad message fails only itself; if the
    database fails (faults.temporary), that is raised and nothing is recorded."""
    try:
        with transaction(hub.engine, durable=False) as db:
            recorded = _record(db, decided)
    except Exception as exc:
        if temporary(exc):  # the database failed, not a message: all stay 'received'
            raise
        if len(decided) > 1:
            return [record_filing(hub, row, decision) for row, decision in decided]
        return [record_failure(hub, decided[0][0]["id"], exc)]
    return [decision.outcome if done else recorded_outcome(hub, row["id"])
            for (row, decision), done in zip(decided, recorded, strict=True)]


def record_failure(hub: Hub, message: int, exc: BaseException) -> Outcome:
    """Keep a message that could not be filed in state 'error', with the reason."""
    log.error("filing message %s failed", message, exc_info=exc)
    with transaction(hub.engine, durable=False) as db:
        changed = db.execute(update(MESSAGE).where(MESSAGE.c.id == message,
                                                   MESSAGE.c.state == State.RECEIVED.value)
                             .values(state=State.ERROR.value,
                                     state_reason=f"{type(exc).__name__}: {exc}"[:2000]))
        if changed.rowcount:
            chain.append(db, chain.decisions(db, [message]), datetime.now(UTC))
    return recorded_outcome(hub, message)


def recorded_outcome(hub: Hub, message: int) -> Outcome:
    """What the database says became of a message (filed here or by another worker)."""
    with Session(hub.engine) as session:
        stored = session.get(models.Message, message)
        assert stored is not None
        return outcome_of(session, stored)


def ingest(hub: Hub, raw: bytes, envelope: Envelope) -> Outcome:
    """receive() then file(); a repeat of known bytes reports the earlier message."""
    receipt = receive(hub, raw, envelope)
    if receipt.duplicate:
        return duplicate_outcome(hub, receipt, envelope.source)
    return file(hub, receipt.id)


def duplicate_outcome(hub: Hub, receipt: Receipt, source: str) -> Outcome:
    with Session(hub.engine) as session:
        row = session.get(models.Message, receipt.id)
        assert row is not None
        earlier = outcome_of(session, row)
    return Outcome(receipt.id, source, earlier.message_id, State.DUPLICATE, receipt.sha256,
                   [f"dedupe.sha256: same bytes as message #{receipt.id} ({earlier.verdict})"],
                   subject=earlier.subject, sender=earlier.sender)


def record_stored(hub: Hub, stored: Sequence[tuple[dict[str, Any], bytes, Decision | Exception
                                                   | None]], retry: bool = True) -> list[Outcome]:
    """Insert messages archived but not yet in the database (stored_rows()), each row
    written once, complete, with what was decided about it, in one durable commit: the
    door may let its source drop them after this. Bytes the database holds already make a
    duplicate (decision None: they were known when archived, nothing was decided); a
    failed decision is kept as state 'error'. If the group fails, each message is tried
    alone, and one that fails alone is kept as 'error'; if the database fails
    (faults.temporary), that is raised and nothing is recorded."""
    try:
        with transaction(hub.engine) as db:
            recorded = _insert_stored(db, stored)
    except Exception as exc:
        if temporary(exc):
            raise
        if retry and isinstance(exc, IntegrityError):  # the same bytes came in through
            return record_stored(hub, stored, retry=False)  # another process just now
        if len(stored) > 1:
            return [outcome for item in stored for outcome in record_stored(hub, [item])]
        row, raw, decision = stored[0]
        if not isinstance(decision, Decision):
            raise  # keeping the failure failed too
        return record_stored(hub, [(row, raw, exc)])
    outcomes = []
    for (row, _, decision), (message, new) in zip(stored, recorded, strict=True):
        if not new:
            outcomes.append(duplicate_outcome(hub, Receipt(message, row["sha256"], True),
                                              row["source"]))
        elif isinstance(decision, Decision):
            decision.outcome.id = message
            outcomes.append(decision.outcome)
        else:
            log.error("filing message %s failed", message, exc_info=decision)
            outcomes.append(recorded_outcome(hub, message))
    return outcomes


def _insert_stored(db: Connection, stored: Sequence[tuple[dict[str, Any], bytes, Decision
                                                          | Exception | None]]
                   ) -> list[tuple[int, bool]]:
    """record_stored()'s statements; per message (its id, whether inserted now)."""
    known = _ids_by_sha(db, [row["sha256"] for row, _, _ in stored])
    new: dict[str, dict[str, Any]] = {}  # sha256 -> the row to insert (the first copy's)
    decided: dict[str, Decision] = {}
    for row, raw, decision in stored:
        if row["sha256"] in known or row["sha256"] in new:
            continue
        if isinstance(decision, Decision):
            new[row["sha256"]] = {**row, "duplicate_of": None, **decision.changes}
            decided[row["sha256"]] = decision
            continue
        failure = decision if decision is not None else LookupError(  # deleted meanwhile
            "the same bytes were in the database when archived, and are not now")
        new[row["sha256"]] = {**row, "message_id": header_message_id(raw),
                              "state": State.ERROR.value,
                              "state_reason": f"{type(failure).__name__}: {failure}"[:2000]}
    if new:
        _lock_message_ids(db, decided.values())
        for sha256, message in _insert_new(db, new).items():
            new[sha256]["id"] = known[sha256] = message
        written = [(new[sha256], decision) for sha256, decision in decided.items()]
        _keep_first_by_message_id(db, written)
        _save(db, written, fresh=True)
        chain.append(db, chain.decisions(db, [new[sha256]["id"] for sha256 in new
                                              if sha256 not in decided]), datetime.now(UTC))
        _acknowledge(db, written)
    return [(known[row["sha256"]], new.pop(row["sha256"], None) is not None)
            for row, _, _ in stored]


def _keep_first_by_message_id(db: Connection,
                              written: list[tuple[dict[str, Any], Decision]]) -> None:
    """Rows just inserted that repeat the Message-ID and sender of one filed before them (or
    earlier in the group) become its duplicates."""
    keys = {(str(d.changes["message_id"]), d.parsed.from_address) for _, d in written}
    first = _earlier_by_message_id(db, {key for key in keys if key[0]})
    changes = []
    for row, decision in written:
        earlier = first.get((str(decision.changes["message_id"]), decision.parsed.from_address))
        if earlier is not None and earlier != row["id"]:
            _mark_duplicate(row, decision, earlier)
            changes.append(dict(_id=row["id"], state=State.DUPLICATE.value,
                                duplicate_of=earlier))
    if changes:
        db.execute(update(MESSAGE).where(MESSAGE.c.id == bindparam("_id")), changes)


def _record(db: Connection, decided: Sequence[tuple[dict[str, Any], Decision]]) -> list[bool]:
    """Write a group of decisions with a few statements; False for a message another
    worker filed first. A message received earlier with the same Message-ID from the same
    sender makes a duplicate: checked here, under a lock, so two copies cannot both be
    filed."""
    keys = {(str(d.changes["message_id"]), d.parsed.from_address) for _, d in decided}
    _lock_message_ids(db, [d for _, d in decided])
    still = set(db.execute(select_rows(MESSAGE.c.id).where(
        MESSAGE.c.id.in_([row["id"] for row, _ in decided]),
        MESSAGE.c.state == State.RECEIVED.value).with_for_update()).scalars())
    earlier = _earlier_by_message_id(db, {key for key in keys if key[0]})
    done: list[bool] = []
    changes: list[dict[str, object]] = []
    for row, decision in decided:
        done.append(row["id"] in still)
        if not done[-1]:
            continue
        key = (str(decision.changes["message_id"]), decision.parsed.from_address)
        if key in earlier:
            _mark_duplicate(row, decision, earlier[key])
        elif key[0]:
            earlier[key] = row["id"]  # a later copy in this very group is its duplicate
        changes.append({"duplicate_of": None, **decision.changes, "_id": row["id"]})
    if changes:
        db.execute(update(MESSAGE).where(MESSAGE.c.id == bindparam("_id")), changes)
        written = [(row, decision) for (row, decision), ok in zip(decided, done, strict=True)
                   if ok]
        _save(db, written)
        _acknowledge(db, written)
    return done


def _lock_message_ids(db: Connection, decisions: Iterable[Decision]) -> None:
    """Until commit, no other transaction files these Message-IDs (sorted: no deadlock)."""
    for mid in sorted({str(d.changes["message_id"]) for d in decisions} - {""}):
        lock_key(db, f"message-id:{mid}")


def _acknowledge(db: Connection, written: list[tuple[dict[str, Any], Decision]]) -> None:
    """Replies from schools acknowledge the directives they answer (replies.py)."""
    acknowledge(db, [Reply(row["id"], decision.filing.unit.code, decision.parsed.references,
                           decision.parsed.subject, row["received_at"])
                     for row, decision in written
                     if decision.filing is not None and decision.filing.unit])


def _mark_duplicate(row: dict[str, Any], decision: Decision, earlier: int) -> None:
    dedupe = Hit("dedupe", "dedupe.message_id", Action.NOTE,
                 "Thư này đã được nhận (cùng Message-ID và người gửi)",
                 "Already received (same Message-ID and sender)", f"message #{earlier}")
    decision.changes.update(state=State.DUPLICATE.value, duplicate_of=earlier)
    decision.hits, decision.filing = [dedupe], None
    decision.outcome = Outcome(row["id"], row["source"], str(decision.changes["message_id"]),
                               State.DUPLICATE, row["sha256"], [str(dedupe)],
                               subject=decision.parsed.subject,
                               sender=decision.parsed.from_address)


def _save(db: Connection, decided: list[tuple[dict[str, Any], Decision]],
          fresh: bool = False) -> None:
    """One statement per table for the group (the ORM's object-at-a-time inserts would cost
    more than the filing); then the search entries and the chain's decision entries, made
    from the values just written rather than read back. `fresh`: the messages were just
    inserted (nothing of them is in the search index)."""
    rows: dict[Table, list[dict[str, Any]]] = {
        _table(model): [] for model in (models.Attachment, models.RuleHit, models.Filing,
                                        models.FilingTopic)}
    entries, records = [], {}
    for row, decision in decided:
        message = row["id"]
        rows[_table(models.Attachment)] += [
            dict(message=message, position=i, name=part.name,
                 content_type=part.content_type[:255], size=part.size, sha256=part.sha256)
            for i, part in enumerate(decision.parsed.attachments)]
        hits = [dict(message=message, position=i, chain=hit.chain, rule=hit.rule[:200],
                     action=hit.action.value, reason_vi=hit.reason_vi,
                     reason_en=hit.reason_en, detail=hit.detail)
                for i, hit in enumerate(decision.hits)]
        rows[_table(models.RuleHit)] += hits
        filed: dict[str, Any] | None = None
        topics: list[str] = []
        if decision.filing is not None:
            filing = decision.filing
            filed = dict(message=message, period=filing.period,
                         unit=filing.unit.code if filing.unit else None, level=filing.level,
                         team=filing.team, urgent=filing.urgent)
            topics = filing.topic_ids
            rows[_table(models.Filing)].append(filed)
            rows[_table(models.FilingTopic)] += [
                dict(message=message, rank=rank, topic=topic, score=score)
                for rank, (topic, score) in enumerate(filing.topics)]
        entries.append(search.entry(
            message, row["received_at"], str(decision.changes["state"]), decision.words,
            None if filed is None else (filed["unit"], filed["level"], filed["period"]), topics))
        records[message] = chain.decision_record(
            {"duplicate_of": None, **decision.changes, "sha256": row["sha256"]}, hits, filed,
            topics)
    for table, values in rows.items():
        if values:
            db.execute(insert(table), values)
    search.write(db, entries, fresh)  # searchable once committed
    chain.append(db, chain.decided(records), datetime.now(UTC))


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


def _by_sha(db: Connection, sha256: str) -> int | None:
    found = db.execute(select_rows(MESSAGE.c.id).where(MESSAGE.c.sha256 == sha256)).scalar()
    return int(found) if found is not None else None


def _earlier_by_message_id(db: Connection,
                           keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """For (Message-ID, sender) pairs, the first message filed or decided with them."""
    if not keys:
        return {}
    found = db.execute(select_rows(MESSAGE.c.message_id, MESSAGE.c.from_address,
                                   func.min(MESSAGE.c.id))
                       .where(MESSAGE.c.message_id.in_({key[0] for key in keys}),
                              MESSAGE.c.state.not_in([State.DUPLICATE.value,
                                                      State.RECEIVED.value]))
                       .group_by(MESSAGE.c.message_id, MESSAGE.c.from_address)).all()
    return {(mid, sender): int(first) for mid, sender, first in found if (mid, sender) in keys}


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


MESSAGE = _table(models.Message)

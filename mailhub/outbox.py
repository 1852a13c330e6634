"""The outbox: the hub's one way out. Every copy the hub sends (directive copies,
reminders, rejection notices) is an outbox row; the delivery worker here claims the
rows that are due, sends them over a few reused connections to the relay (`[relay]`)
at once, and records each answer.

States: pending → sending (claimed by one worker: `claimed_by` host:pid, until
`claimed_until`) → sent | deferred (4xx, a lost connection: tried again after
retry_minutes, doubled each time up to retry_max_minutes — RFC 5321 §4.5.4.1) |
failed (5xx, or still deferred after give_up_days). On PostgreSQL rows are claimed
with SELECT … FOR UPDATE SKIP LOCKED, so several daemons share the work and never
send a row twice; on SQLite claims queue on the database's single writer.

Exactly once, but for one window: the relay has said 250 for a copy and the worker dies
before the answer is committed (answers are committed together every FLUSH seconds).
That row is still 'sending'; once the dead worker's claim is released (at the next
start on the same host, or when the claim expires) it is sent again, and that school
gets a second copy. Every other crash — before DATA ended, or after the commit — sends
each copy exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosmtplib
from sqlalchemy import and_, bindparam, case, or_, select, update

from mailhub import chain, models
from mailhub.db import transaction
from mailhub.hub import Hub
from mailhub.running import alive

log = logging.getLogger(__name__)

OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
CLAIM = 200                      # rows claimed at once
LEASE = timedelta(minutes=15)    # a claim not answered by then is taken over
FLUSH = 0.05                     # seconds between commits of the answers
POLL = 2.0                       # seconds between looks for due rows when idle
COLUMNS = (OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.recipient, OUTBOX.c.raw, OUTBOX.c.directive,
           OUTBOX.c.unit, OUTBOX.c.list_name, OUTBOX.c.message_id, OUTBOX.c.token,
           OUTBOX.c.attempts, OUTBOX.c.created_at)


@dataclass
class Sent:
    sent: int = 0
    deferred: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.deferred} deferred, {self.failed} failed"


@dataclass(frozen=True)
class Answer:
    """What the relay said about one row."""

    row: Claimed
    code: int        # 250, 4xx, 5xx; 0 when the connection failed
    reply: str
    at: datetime


Claimed = Any  # an outbox row as claimed: a sqlalchemy Row of COLUMNS
Composer = Callable[[Claimed], tuple[str, bytes]]  # row -> (envelope sender, bytes)


def owner() -> str:
    """Who claims rows: this process on this host."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(hub: Hub, me: str, limit: int = CLAIM) -> list[Claimed]:
    """Take up to `limit` due rows for this worker (rows of a dead worker whose claim
    has expired are due again)."""
    now = hub.clock()
    due = or_(and_(OUTBOX.c.state.in_(("pending", "deferred")),
                   or_(OUTBOX.c.next_attempt_at.is_(None), OUTBOX.c.next_attempt_at <= now)),
              and_(OUTBOX.c.state == "sending", OUTBOX.c.claimed_until < now))
    with transaction(hub.engine, durable=False) as db:  # a lost claim is only claimed again
        ids = db.execute(select(OUTBOX.c.id).where(due).order_by(OUTBOX.c.id).limit(limit)
                         .with_for_update(skip_locked=True)).scalars().all()
        if not ids:
            return []
        db.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(
            state="sending", claimed_by=me, claimed_until=now + LEASE,
            attempts=OUTBOX.c.attempts + 1))
        return list(db.execute(select(*COLUMNS).where(OUTBOX.c.id.in_(ids))
                               .order_by(OUTBOX.c.id)).all())


def release_dead_claims(hub: Hub) -> int:
    """Rows claimed by a process of this host that no longer runs are due again now
    (a daemon restarted after a crash need not wait for the claims to expire)."""
    host = socket.gethostname()
    with hub.engine.connect() as db:
        claimers = db.execute(select(OUTBOX.c.claimed_by).distinct()
                              .where(OUTBOX.c.state == "sending",
                                     OUTBOX.c.claimed_by.like(f"{host}:%"))).scalars().all()
    dead = [c for c in claimers if not alive(int(c.rsplit(":", 1)[1]))]
    if not dead:
        return 0
    with transaction(hub.engine) as db:
        released = db.execute(update(OUTBOX).where(OUTBOX.c.state == "sending",
                                                   OUTBOX.c.claimed_by.in_(dead))
                              .values(claimed_until=hub.clock())).rowcount
    log.warning("outbox: %s row(s) of stopped process(es) %s are due again", released,
                ", ".join(dead))
    return int(released)


def release(hub: Hub, me: str, rows: list[Claimed]) -> None:
    """Give back rows claimed but not tried (stopping): as they were before the claim."""
    if not rows:
        return
    with transaction(hub.engine, durable=False) as db:
        db.execute(update(OUTBOX).where(OUTBOX.c.id.in_([r.id for r in rows]),
                                        OUTBOX.c.state == "sending",
                                        OUTBOX.c.claimed_by == me)
                   .values(state=case((OUTBOX.c.attempts <= 1, "pending"), else_="deferred"),
                           attempts=OUTBOX.c.attempts - 1, claimed_by="",
                           claimed_until=None))


def record(hub: Hub, me: str, answers: list[Answer]) -> Sent:
    """Commit a group of answers (durably: a 'sent' lost to power loss is a second copy)."""
    result, values = Sent(), []
    relay = hub.settings.relay
    for answer in answers:
        row, state, later = answer.row, "sent", None
        if answer.code >= 500:
            state = "failed"
        elif answer.code < 200 or 400 <= answer.code < 500:
            created = row.created_at  # SQLite gives it back without its zone (UTC)
            waited = answer.at - (created if created.tzinfo else created.replace(tzinfo=UTC))
            if waited >= timedelta(days=relay.give_up_days):
                state = "failed"
            else:
                state = "deferred"
                minutes = min(relay.retry_minutes * 2 ** max(row.attempts - 1, 0),
                              relay.retry_max_minutes)
                later = answer.at + timedelta(minutes=minutes)
        setattr(result, state, getattr(result, state) + 1)
        if state != "sent":
            log.warning("outbox #%s %s to %s: %s", row.id, state, row.recipient, answer.reply)
        values.append(dict(_id=row.id, _me=me, state=state, last_reply=answer.reply[:2000],
                           next_attempt_at=later,
                           sent_at=answer.at if state == "sent" else None))
    with transaction(hub.engine) as db:
        db.execute(update(OUTBOX)
                   .where(OUTBOX.c.id == bindparam("_id"), OUTBOX.c.claimed_by == bindparam("_me"),
                          OUTBOX.c.state == "sending")
                   .values(claimed_by="", claimed_until=None), values)
        chain.append(db, chain.deliveries(db, [v["_id"] for v in values]), datetime.now(UTC))
    return result


class Delivery:
    """One delivery worker: a producer claims due rows, `[relay] connections` senders
    each keep a connection open and send a row at a time, and the answers are committed
    together every FLUSH seconds."""

    def __init__(self, hub: Hub, compose: Composer) -> None:
        self.hub, self.compose = hub, compose
        self.me = owner()
        self.total = Sent()
        self._queue: asyncio.Queue[Claimed | None] = asyncio.Queue(CLAIM)
        self._answers: list[Answer] = []

    async def run(self, once: bool = False, stop: asyncio.Event | None = None,
                  wake: asyncio.Event | None = None) -> Sent:
        """Deliver what is due; with `once`, return when nothing is due, else run until
        `stop` is set, looking again every POLL seconds or when `wake` is set."""
        stop = stop or asyncio.Event()
        if not self.hub.settings.relay.host:
            log.warning("outbox: no [relay] host configured; mail waits in the outbox")
            return self.total
        await asyncio.to_thread(release_dead_claims, self.hub)
        senders = [asyncio.create_task(self._sender())
                   for _ in range(self.hub.settings.relay.connections)]
        sending = asyncio.Event()
        sending.set()
        recorder = asyncio.create_task(self._recorder(sending))
        try:
            await self._produce(once, stop, wake)
        finally:
            for _ in senders:
                await self._queue.put(None)
            await asyncio.gather(*senders, return_exceptions=True)
            sending.clear()  # not cancelled: a commit under way must be counted
            await asyncio.gather(recorder, return_exceptions=True)
            await self._flush()
            leftover = []
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is not None:
                    leftover.append(item)
            await asyncio.to_thread(release, self.hub, self.me, leftover)
        return self.total

    async def _produce(self, once: bool, stop: asyncio.Event,
                       wake: asyncio.Event | None) -> None:
        while not stop.is_set():
            rows = await asyncio.to_thread(claim, self.hub, self.me)
            for row in rows:
                await self._queue.put(row)
            if rows:
                continue
            if once:
                await self._queue.join()  # sent, and answered: a retry may be due now
                if not await asyncio.to_thread(claim_would_find, self.hub):
                    return
                continue
            waiters = [asyncio.ensure_future(stop.wait())]
            if wake is not None:
                waiters.append(asyncio.ensure_future(wake.wait()))
            await asyncio.wait(waiters, timeout=POLL, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if wake is not None:
                wake.clear()

    async def _sender(self) -> None:
        client: aiosmtplib.SMTP | None = None
        try:
            while (row := await self._queue.get()) is not None:
                try:
                    client = await self._send(client, row)
                finally:
                    self._queue.task_done()
        finally:
            if client is not None:
                await _quit(client)

    async def _send(self, client: aiosmtplib.SMTP | None, row: Claimed
                    ) -> aiosmtplib.SMTP | None:
        """Send one row; returns the connection to go on with (None: it is gone)."""
        relay = self.hub.settings.relay
        try:
            sender, raw = self.compose(row)
        except Exception as exc:  # the archive lost the original: a person must look
            log.exception("outbox #%s cannot be composed", row.id)
            self._answer(row, 554, f"554 cannot compose the message: {exc}")
            return client
        try:
            if client is None:
                client = await _connect(self.hub)
            _, reply = await client.sendmail(sender, [row.recipient], raw)
            self._answer(row, 250, reply)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            self._answer(row, refused.code, f"{refused.code} {refused.message}")
            await _reset(client)
        except aiosmtplib.SMTPResponseException as exc:
            self._answer(row, exc.code, f"{exc.code} {exc.message}")
            if exc.code == 421 or not await _reset(client):
                _drop(client)
                client = None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            self._answer(row, 0, f"relay {relay.host}:{relay.port}: {exc or type(exc).__name__}")
            _drop(client)
            client = None
        return client

    def _answer(self, row: Claimed, code: int, reply: str) -> None:
        self._answers.append(Answer(row, code, reply.strip(), self.hub.clock()))

    async def _recorder(self, sending: asyncio.Event) -> None:
        while sending.is_set():
            await asyncio.sleep(FLUSH)
            await self._flush()

    async def _flush(self) -> None:
        answers, self._answers = self._answers, []
        if answers:
            done = await asyncio.to_thread(record, self.hub, self.me, answers)
            for name in ("sent", "deferred", "failed"):
                setattr(self.total, name, getattr(self.total, name) + getattr(done, name))


def claim_would_find(hub: Hub) -> bool:
    """Whether a row is due now (without claiming it)."""
    now = hub.clock()
    with hub.engine.connect() as db:
        return db.execute(select(OUTBOX.c.id).where(
            OUTBOX.c.state.in_(("pending", "deferred")),
            or_(OUTBOX.c.next_attempt_at.is_(None), OUTBOX.c.next_attempt_at <= now))
            .limit(1)).first() is not None


async def _connect(hub: Hub) -> aiosmtplib.SMTP:
    relay = hub.settings.relay
    client = aiosmtplib.SMTP(hostname=relay.host, port=relay.port, timeout=relay.timeout,
                             start_tls=relay.starttls,
                             tls_context=ssl.create_default_context() if relay.starttls else None)
    await client.connect()
    try:
        if relay.username:
            await client.login(relay.username, relay.password())
    except BaseException:
        _drop(client)
        raise
    return client


async def _reset(client: aiosmtplib.SMTP | None) -> bool:
    if client is None:
        return False
    try:
        await client.rset()
        return True
    except (TimeoutError, aiosmtplib.SMTPException, OSError):
        return False


def _drop(client: aiosmtplib.SMTP | None) -> None:
    """Close a connection that cannot go on: the next message opens a new one."""
    if client is not None:
        client.close()


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except (TimeoutError, aiosmtplib.SMTPException, OSError):
        client.close()

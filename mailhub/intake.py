"""The daemon's one writer: messages in, filings out, in groups.

A door hands the bytes in; the intake thread archives every message handed in meanwhile
and commits their rows in one durable commit (eight sessions wait for the database's
disk once, not eight times), answers each door, and sends each new message to the
filing workers.
Their decisions come back here and are recorded in groups as well, after a short wait
for company (no sender waits on a filing, so its commit need not be alone). With one
writer no
thread of the daemon queues on the database lock, and the event loop never waits on
the database. A message not filed yet stays 'received': the table is the queue, so
what a stop or a crash interrupts is filed at the next start.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from email.message import Message
from typing import Any

from sqlalchemy import select

from mailhub.errors import MailhubError
from mailhub.hub import Hub
from mailhub.pipeline import (
    MESSAGE,
    Decision,
    Envelope,
    Outcome,
    Receipt,
    insert_rows,
    record_failure,
    record_many,
    stored_row,
)
from mailhub.verdict import State
from mailhub.workers import FilingPool

log = logging.getLogger(__name__)

GROUP = 64            # most messages in one commit
RECORD_DELAY = 0.05   # seconds a decision may wait for others to share its commit
ATTEMPTS = 3   # a message that took a worker down this often is kept in 'error'


class Stopping(MailhubError):
    """The intake no longer takes messages: the daemon is stopping."""


@dataclass
class _Arrival:
    raw: bytes
    envelope: Envelope
    headers: Message | None
    reply: Future[Receipt]


@dataclass
class _Decided:
    rows: list[dict[str, Any]]
    decisions: Future[list[Decision | Exception]]
    attempt: int


class Intake:
    def __init__(self, hub: Hub, pool: FilingPool) -> None:
        self.hub, self.pool = hub, pool
        self._jobs: queue.SimpleQueue[_Arrival | _Decided | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake", daemon=True)
        self._closing = threading.Lock()  # no arrival slips in behind the stop mark
        self._closed = False

    def start(self) -> None:
        self._thread.start()

    def receive(self, raw: bytes, envelope: Envelope,
                headers: Message | None = None) -> Future[Receipt]:
        """pipeline.receive() in the intake thread: the future resolves once the message
        is durable (or fails), and the door answers accordingly."""
        reply: Future[Receipt] = Future()
        with self._closing:
            if self._closed:
                reply.set_exception(Stopping("mailhub is stopping"))
            else:
                self._jobs.put(_Arrival(raw, envelope, headers, reply))
        return reply

    def close(self) -> None:
        """Let the workers finish the filings under way and drop the rest (still
        'received', they are filed at the next start); record; stop the thread."""
        with self._closing:
            self._closed = True
        self.pool.close(cancel=True)  # every finished filing is queued once this returns
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        self._file_pending()
        decided: list[_Decided] = []
        due = 0.0  # when the oldest waiting decision must be recorded
        stopping = False
        while not stopping:
            arrivals: list[_Arrival] = []
            wait = None if not decided else max(0.0, due - time.monotonic())
            try:
                job = self._jobs.get(timeout=wait)
                while True:
                    if job is None:
                        stopping = True
                    elif isinstance(job, _Arrival):
                        arrivals.append(job)
                    else:
                        if not decided:
                            due = time.monotonic() + RECORD_DELAY
                        decided.append(job)
                    if len(arrivals) >= GROUP:
                        break
                    job = self._jobs.get_nowait()
            except queue.Empty:
                pass
            if arrivals:
                self._store(arrivals)  # senders are waiting: at once
            if decided and (stopping or len(decided) >= GROUP or time.monotonic() >= due):
                self._record(decided)
                decided = []

    def _file_pending(self) -> None:
        """Stored before a stop or a crash but not filed yet."""
        try:
            with self.hub.engine.connect() as db:
                pending = db.execute(select(MESSAGE).where(MESSAGE.c.state == State.RECEIVED.value)
                                     .order_by(MESSAGE.c.id)).mappings().all()
        except Exception:
            log.exception("listing the messages not filed yet failed; they wait for a restart")
            return
        if pending:
            log.info("filing %s message(s) received before the last stop", len(pending))
        for start in range(0, len(pending), GROUP):
            self._submit([dict(row) for row in pending[start:start + GROUP]], 1)

    def _store(self, arrivals: list[_Arrival]) -> None:
        stored: list[tuple[_Arrival, dict[str, Any]]] = []
        for arrival in arrivals:
            try:
                stored.append((arrival, stored_row(self.hub, arrival.raw, arrival.envelope,
                                                   arrival.headers)))
            except Exception as exc:  # disk full: this sender retries later
                arrival.reply.set_exception(exc)
        if stored:
            self._insert(stored)

    def _insert(self, stored: list[tuple[_Arrival, dict[str, Any]]]) -> None:
        try:
            receipts = insert_rows(self.hub, [row for _, row in stored])
        except Exception as exc:
            if len(stored) > 1:  # one bad row fails only itself
                for one in stored:
                    self._insert([one])
                return
            stored[0][0].reply.set_exception(exc)
            return
        for (arrival, _), receipt in zip(stored, receipts, strict=True):
            arrival.reply.set_result(receipt)
        new = [receipt.row for receipt in receipts if not receipt.duplicate]
        if new:
            self._submit(new, 1)

    def _submit(self, rows: list[dict[str, Any]], attempt: int) -> None:
        try:
            decisions = self.pool.decide(rows, None, self.hub.clock())
        except BrokenProcessPool:  # a worker died: the pool is unusable until replaced
            log.warning("a filing worker died; starting new workers")
            self.pool.restart()
            decisions = self.pool.decide(rows, None, self.hub.clock())
        except RuntimeError:  # the pool is shut down: stopping, filed at the next start
            return
        decisions.add_done_callback(lambda done: self._jobs.put(_Decided(rows, done, attempt)))

    def _record(self, decided: list[_Decided]) -> None:
        ready: list[tuple[dict[str, Any], Decision]] = []
        outcomes: list[Outcome] = []
        try:
            for job in decided:
                if job.decisions.cancelled():
                    continue  # stopping: filed at the next start
                exc = job.decisions.exception()
                if isinstance(exc, BrokenProcessPool) and job.attempt < ATTEMPTS:
                    self._submit(job.rows, job.attempt + 1)
                    continue
                results = [exc] * len(job.rows) if exc else job.decisions.result()
                for row, result in zip(job.rows, results, strict=True):
                    if isinstance(result, BaseException):
                        outcomes.append(record_failure(self.hub, row["id"], result))
                    else:
                        ready.append((row, result))
            if ready:
                outcomes += record_many(self.hub, ready)
        except Exception:  # the database is down: the messages stay 'received'
            log.exception("recording filings failed; they are filed at the next start")
        doors = {row["id"]: row["door"] for job in decided for row in job.rows}
        for outcome in outcomes:
            log.info("%s #%s %s %s %s %s", doors[outcome.id], outcome.id, outcome.verdict,
                     outcome.sender, ",".join(outcome.topics),
                     outcome.reasons[-1] if outcome.reasons else "")

"""The daemon's intake: messages in, durably and in groups; filing handed on.

It runs in a process of its own (intake_process.py), so its disk and database work
never competes with the doors' event loop for one interpreter. The doors hand the
bytes in; the intake thread archives every message handed in meanwhile and commits
their rows in one durable commit (eight sessions wait for the database's disk once,
not eight times), then answers each door. New messages gather
for a moment (no sender waits on a filing) and go to the filing workers in groups,
which decide and record them in their own processes: the process that talks SMTP
never waits on parsing, classification or their database writes. A message not
filed yet stays 'received': the table is the queue, so what a stop or a crash
interrupts is filed at the next start.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from mailhub.errors import MailhubError
from mailhub.faults import temporary
from mailhub.hub import Hub
from mailhub.pipeline import (
    MESSAGE,
    Envelope,
    Receipt,
    insert_rows,
    record_failure,
    stored_rows,
)
from mailhub.verdict import State
from mailhub.workers import FilingPool

log = logging.getLogger(__name__)

GROUP = 64            # most messages in one commit or one filing round trip
FILING_DELAY = 0.05   # seconds a new message may wait for others to share its filing
ATTEMPTS = 3          # a group that took a worker down this often is kept in 'error'
RETRY_FIRST = 0.5     # seconds before a filing the database failed is tried again,
RETRY_LONGEST = 10.0  # doubled after each failure up to this


class Stopping(MailhubError):
    """The intake no longer takes messages: the daemon is stopping."""


@dataclass
class _Arrival:
    raw: bytes
    envelope: Envelope
    message_id: str | None  # when the door has read the headers already
    reply: Future[Receipt]


@dataclass
class _Filed:
    rows: list[dict[str, Any]]
    done: Future[int]
    attempt: int   # workers it took down so far
    failures: int  # times the database or the disk failed it so far


class Intake:
    def __init__(self, hub: Hub, pool: FilingPool) -> None:
        self.hub, self.pool = hub, pool
        self._jobs: queue.SimpleQueue[_Arrival | _Filed | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake", daemon=True)
        self._closing = threading.Lock()  # no arrival slips in behind the stop mark
        self._closed = False
        self._later: list[tuple[float, list[dict[str, Any]] | None, int]] = []  # to retry

    def start(self) -> None:
        self._thread.start()

    def receive(self, raw: bytes, envelope: Envelope,
                message_id: str | None = None) -> Future[Receipt]:
        """pipeline.receive() in the intake thread: the future resolves once the message
        is durable (or fails), and the door answers accordingly."""
        reply: Future[Receipt] = Future()
        with self._closing:
            if self._closed:
                reply.set_exception(Stopping("mailhub is stopping"))
            else:
                self._jobs.put(_Arrival(raw, envelope, message_id, reply))
        return reply

    def close(self) -> None:
        """Hand the last messages to the workers, let them finish what they have begun
        and drop the rest (still 'received', filed at the next start)."""
        with self._closing:
            self._closed = True
        self._jobs.put(None)
        self._thread.join()
        self.pool.close(cancel=True)

    def _run(self) -> None:
        waiting = self._pending()  # stored before a stop or a crash, not filed yet
        due = time.monotonic()     # when the oldest waiting message goes to the workers
        stopping = False
        while not stopping:
            arrivals: list[_Arrival] = []
            try:
                job = self._jobs.get(timeout=self._timeout(waiting, due))
                while True:
                    if job is None:
                        stopping = True
                    elif isinstance(job, _Arrival):
                        arrivals.append(job)
                    else:
                        self._check(job)
                    if len(arrivals) >= GROUP:
                        break
                    job = self._jobs.get_nowait()
            except queue.Empty:
                pass
            if arrivals:  # senders are waiting: at once
                if not waiting:
                    due = time.monotonic() + FILING_DELAY
                waiting += self._store(arrivals)
            self._file_again()
            if waiting and (stopping or len(waiting) >= GROUP or time.monotonic() >= due):
                # Shared out so that every worker has a part (and none a group alone).
                share = min(GROUP, -(-len(waiting) // self.pool.processes))
                for start in range(0, len(waiting), share):
                    self._submit(waiting[start:start + share], 1)
                waiting = []

    def _timeout(self, waiting: list[dict[str, Any]], due: float) -> float | None:
        """How long the queue may be waited on: until the waiting messages are due for
        the workers, or a failed filing is due again; forever when nothing is."""
        times = ([due] if waiting else []) + [when for when, _, _ in self._later]
        return max(0.0, min(times) - time.monotonic()) if times else None

    def _again(self, rows: list[dict[str, Any]] | None, failures: int) -> None:
        """File `rows` again later (None: every message still 'received'), waiting
        longer after each failure: the database or the disk is back in a while."""
        delay = min(RETRY_LONGEST, RETRY_FIRST * 2 ** min(failures, 16))
        self._later.append((time.monotonic() + delay, rows, failures + 1))

    def _file_again(self) -> None:
        """Hand the workers again the failed filings that are due."""
        now = time.monotonic()
        due = [entry for entry in self._later if entry[0] <= now]
        self._later = [entry for entry in self._later if entry[0] > now]
        for _, rows, failures in due:
            rows = self._pending(failures) if rows is None else rows
            for start in range(0, len(rows), GROUP):
                self._submit(rows[start:start + GROUP], 1, failures)

    def _pending(self, failures: int = 0) -> list[dict[str, Any]]:
        try:
            with self.hub.engine.connect() as db:
                pending = db.execute(select(MESSAGE).where(
                    MESSAGE.c.state == State.RECEIVED.value).order_by(MESSAGE.c.id))
                rows = [dict(row) for row in pending.mappings()]
        except Exception as exc:
            log.error("listing the messages not filed yet failed; trying again later: %s", exc)
            self._again(None, failures)
            return []
        if rows:
            log.info("filing %s message(s) received before the last stop", len(rows))
        return rows

    def _store(self, arrivals: list[_Arrival]) -> list[dict[str, Any]]:
        """Archive (the group's files at once: the file system then commits their fsyncs
        together) and commit; the rows of the new messages."""
        rows = stored_rows(self.hub, [(arrival.raw, arrival.envelope, arrival.message_id)
                                      for arrival in arrivals])
        stored: list[tuple[_Arrival, dict[str, Any]]] = []
        for arrival, row in zip(arrivals, rows, strict=True):
            if isinstance(row, Exception):  # disk full: this sender retries later
                arrival.reply.set_exception(row)
            else:
                stored.append((arrival, row))
        return self._insert(stored) if stored else []

    def _insert(self, stored: list[tuple[_Arrival, dict[str, Any]]]) -> list[dict[str, Any]]:
        try:
            receipts = insert_rows(self.hub, [row for _, row in stored])
        except Exception as exc:
            if temporary(exc):  # the database failed: every sender retries, at once
                for arrival, _ in stored:
                    arrival.reply.set_exception(exc)
                return []
            if len(stored) > 1:  # one bad row fails only itself
                return [row for one in stored for row in self._insert([one])]
            stored[0][0].reply.set_exception(exc)
            return []
        for (arrival, _), receipt in zip(stored, receipts, strict=True):
            arrival.reply.set_result(receipt)
        return [receipt.row for receipt in receipts if not receipt.duplicate]

    def _submit(self, rows: list[dict[str, Any]], attempt: int, failures: int = 0) -> None:
        try:
            done = self.pool.file(rows, self.hub.clock())
        except BrokenProcessPool:  # a worker died: the pool is unusable until replaced
            log.warning("a filing worker died; starting new workers")
            self.pool.restart()
            done = self.pool.file(rows, self.hub.clock())
        except RuntimeError:  # the pool is shut down: stopping, filed at the next start
            return
        done.add_done_callback(lambda _: self._jobs.put(_Filed(rows, done, attempt, failures)))

    def _check(self, job: _Filed) -> None:
        """A group back from the workers. They record and log each message themselves;
        what is left here is a worker that died, or a database that failed them."""
        if job.done.cancelled():
            return  # stopping: filed at the next start
        exc = job.done.exception()
        if exc is None:
            return
        if not isinstance(exc, BrokenProcessPool):  # the database or the disk failed them
            log.error("filing %s message(s) failed; trying again later: %s",
                      len(job.rows), exc)
            self._again(job.rows, job.failures)
        elif job.attempt < ATTEMPTS:
            self._submit(job.rows, job.attempt + 1, job.failures)
        else:  # one of them kills the worker that files it: keep them all for a person
            for row in job.rows:
                try:
                    record_failure(self.hub, row["id"], exc)
                except Exception:
                    log.exception("recording the failure of message %s failed", row["id"])

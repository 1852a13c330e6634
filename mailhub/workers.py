"""Worker processes for filing: parsing, the sender chain, classification.

Each worker has its own Hub. For a bulk import (batch.Filer) a worker decides and the
importing process records; for the daemon (intake.Intake) a worker also records and
logs, so the process that talks SMTP does neither. Workers run at a lower priority:
when the CPU is short, the doors answer first and filing catches up after.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from mailhub import logs
from mailhub.config import Settings
from mailhub.deciding import Decision, decide_many
from mailhub.hub import Hub, Office, open_hub

log = logging.getLogger(__name__)

NICENESS = 10  # filing is background work: senders waiting on SMTP replies come first

_worker_hub: Hub | None = None  # the configured application object of a worker process


class FilingPool:
    """`processes` workers, started (spawned: no inherited locks or engines) on demand."""

    def __init__(self, settings: Settings, processes: int, logging_on: bool = False,
                 office: Office | None = None) -> None:
        self.settings, self.processes, self.logging_on = settings, processes, logging_on
        self.office = office
        self._pool = self._start()
        self._starting: threading.Thread | None = None
        self._ready: list[Future[None]] = []

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker,
                                   initargs=(self.settings, self.logging_on, self.office))

    def decide(self, rows: list[dict[str, Any]], raws: list[bytes] | None,
               now: datetime) -> Future[list[Decision | Exception]]:
        """decide_filing() for a group of messages in one worker (one round trip for the
        group); a message that fails gives its exception. Without `raws` the worker reads
        the archive."""
        return self._pool.submit(_decide, rows, raws, now)

    def file(self, rows: list[dict[str, Any]], now: datetime) -> Future[int]:
        """Decide, record and log a group of received messages in a worker, which reads
        them from the archive; the future gives how many it recorded."""
        return self._pool.submit(_file, rows, now)

    def start(self) -> None:
        """Start every worker now, in a thread: starting one waits until it has imported
        mailhub (~0.4 s) and read the office's rules, and the pool takes nothing
        meanwhile (see started())."""
        if self._starting is None:
            self._starting = threading.Thread(target=self._start_all, name="filing-start")
            self._starting.start()

    def _start_all(self) -> None:
        self._ready = [self._pool.submit(_ready) for _ in range(self.processes)]

    def started(self) -> bool:
        """Every worker started: work submitted now is not held up by the starting."""
        return self._starting is not None and not self._starting.is_alive()

    def warm(self) -> None:
        """Wait until every worker has loaded the rules, so later timings are work."""
        self.start()
        assert self._starting is not None
        self._starting.join()
        for ready in self._ready:
            ready.result()

    def restart(self) -> None:
        """A new set of workers after one died (the old pool is broken for good)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()

    def close(self, cancel: bool = False) -> None:
        """Stop the workers once they finish; `cancel` drops what has not started."""
        if self._starting is not None:
            self._starting.join()
        self._pool.shutdown(wait=True, cancel_futures=cancel)


def follow_the_daemon(logging_on: bool) -> None:
    """In a child process of `mailhub serve`: SIGTERM and SIGINT, which a service manager
    or a terminal sends to every process of the service, are the daemon's to act on (it
    stops its children in order); log as the daemon does, if it logs."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    if logging_on:
        logs.configure()


def _start_worker(settings: Settings, logging_on: bool, office: Office | None) -> None:
    global _worker_hub
    os.nice(NICENESS)
    follow_the_daemon(logging_on)  # the pool stops us; we log each filed message
    _worker_hub = open_hub(settings, office=office, migrate=False)  # the parent did
    gc.freeze()  # the hub, rules and modules live as long as the worker: never collected


def _ready() -> None:
    time.sleep(0.05)  # long enough that each worker, not one, takes one of these


def _decide(rows: list[dict[str, Any]], raws: list[bytes] | None,
            now: datetime) -> list[Decision | Exception]:
    assert _worker_hub is not None, "worker started without a hub"
    return decide_many(_worker_hub, rows, raws, now)


def _file(rows: list[dict[str, Any]], now: datetime) -> int:
    # Only the daemon's workers record: a bulk import's, which only decide, never load the
    # database layer (a fifth of a second of every worker's start).
    from mailhub.pipeline import record_failure, record_many

    assert _worker_hub is not None, "worker started without a hub"
    decided: list[tuple[dict[str, Any], Decision]] = []
    for row, result in zip(rows, _decide(rows, None, now), strict=True):
        if isinstance(result, Exception):
            record_failure(_worker_hub, row["id"], result)
        else:
            decided.append((row, result))
    doors = {row["id"]: row["door"] for row in rows}
    for outcome in record_many(_worker_hub, decided) if decided else []:
        log.info("decision", extra={"kv": dict(
            door=doors[outcome.id], id=outcome.id, verdict=outcome.verdict,
            sender=outcome.sender, unit=outcome.unit or "", topics=",".join(outcome.topics),
            reason=outcome.reasons[-1] if outcome.reasons else "")})
    return len(rows)

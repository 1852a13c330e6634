"""Worker processes for the CPU part of filing: parsing, the sender chain, classification.

Each worker has its own Hub (rules, registry) and touches no database, so filing uses
every core while one process stores and records: a bulk import (batch.Filer) and the
daemon (intake.Intake) both work this way.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from mailhub.config import Settings
from mailhub.hub import Hub, open_hub
from mailhub.pipeline import Decision, decide_filing

log = logging.getLogger(__name__)

_worker_hub: Hub | None = None  # the configured application object of a worker process


class FilingPool:
    """`processes` workers, started (spawned: no inherited locks or engines) on demand."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings, self.processes = settings, processes
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(self.settings,))

    def decide(self, rows: list[dict[str, Any]], raws: list[bytes] | None,
               now: datetime) -> Future[list[Decision | Exception]]:
        """decide_filing() for a group of messages in one worker (one round trip for the
        group); a message that fails gives its exception. Without `raws` the worker reads
        the archive."""
        return self._pool.submit(_decide, rows, raws, now)

    def warm(self) -> None:
        """Wait until every worker has loaded the rules, so later timings are work."""
        for ready in [self._pool.submit(_ready) for _ in range(self.processes)]:
            ready.result()

    def restart(self) -> None:
        """A new set of workers after one died (the old pool is broken for good)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()

    def close(self, cancel: bool = False) -> None:
        """Stop the workers once they finish; `cancel` drops what has not started."""
        self._pool.shutdown(wait=True, cancel_futures=cancel)


def _start_worker(settings: Settings) -> None:
    global _worker_hub
    _worker_hub = open_hub(settings)


def _ready() -> None:
    time.sleep(0.05)  # long enough that each worker, not one, takes one of these


def _decide(rows: list[dict[str, Any]], raws: list[bytes] | None,
            now: datetime) -> list[Decision | Exception]:
    assert _worker_hub is not None, "worker started without a hub"
    decided: list[Decision | Exception] = []
    for i, row in enumerate(rows):
        try:
            decided.append(decide_filing(_worker_hub, row, raws[i] if raws else None, now))
        except Exception as exc:  # one bad message fails only itself
            log.exception("filing message %s failed", row.get("id"))
            decided.append(exc)
    return decided

"""Filing many messages at once (`mailhub ingest`, `mailhub import`).

Parsing and classifying are CPU work, so a bulk import spreads them over worker
processes (workers.FilingPool) while the calling process stores the bytes and
records the decisions. Outcomes come back in input order, with a bounded number of
messages in flight.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from mailhub.hub import Hub
from mailhub.pipeline import (
    Decision,
    Envelope,
    Outcome,
    Receipt,
    duplicate_outcome,
    ingest,
    receive_many,
    record_failure,
    record_many,
)
from mailhub.workers import FilingPool

SMALL = 64  # fewer messages than this are filed in-process: starting workers costs more

GROUP = 100  # messages stored in one durable commit and recorded in one transaction


def default_jobs(count: int) -> int:
    return 1 if count < SMALL else max(1, os.cpu_count() or 1)


class Filer:
    """receive() + file() for a stream of messages, in order.

    With jobs > 1 the CPU work (parsing, the sender chain, classification) runs in worker
    processes that live as long as the Filer (use it as a context manager), while this
    process stores and records: one writer, so no worker waits on a database lock."""

    def __init__(self, hub: Hub, jobs: int = 1) -> None:
        self.hub, self.jobs = hub, jobs
        self._pool: FilingPool | None = None

    def __enter__(self) -> Filer:
        if self.jobs > 1:
            self._pool = FilingPool(self.hub.settings, self.jobs, office=self.hub.office)
            self._pool.start()
        return self

    def warm(self) -> None:
        """Wait until the workers are ready (benchmarks time the work, not the start)."""
        if self._pool is not None:
            self._pool.warm()

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def ingest_all(self, messages: Iterable[tuple[bytes, Envelope]]) -> Iterator[Outcome]:
        if self._pool is None:
            for raw, envelope in messages:
                yield ingest(self.hub, raw, envelope)
            return
        in_flight: deque[_Group] = deque()
        for group in _groups(messages, GROUP):
            in_flight.append(self._start(group))
            if len(in_flight) > 2:  # keep the workers busy while a group is recorded
                yield from self._finish(in_flight.popleft())
        while in_flight:
            yield from self._finish(in_flight.popleft())

    def _start(self, group: list[tuple[bytes, Envelope]]) -> _Group:
        assert self._pool is not None
        receipts = receive_many(self.hub, group)
        new = [(receipt.row, raw) for (raw, _), receipt in zip(group, receipts, strict=True)
               if not receipt.duplicate]
        rows = [row for row, _ in new]
        decided = self._pool.decide(rows, [raw for _, raw in new], self.hub.clock())
        return _Group(group, receipts, rows, decided)

    def _finish(self, started: _Group) -> list[Outcome]:
        try:
            results = started.decided.result()
        except Exception as exc:  # a worker died: the group fails, the import goes on
            results = [exc] * len(started.rows)
        decided: list[tuple[dict[str, Any], Decision]] = []
        failed: dict[int, Outcome] = {}
        for row, result in zip(started.rows, results, strict=True):
            if isinstance(result, Exception):
                failed[row["id"]] = record_failure(self.hub, row["id"], result)
            else:
                decided.append((row, result))
        recorded = {o.id: o for o in record_many(self.hub, decided)} if decided else {}
        return [duplicate_outcome(self.hub, receipt, envelope.source) if receipt.duplicate
                else failed.get(receipt.id) or recorded[receipt.id]
                for (_, envelope), receipt in zip(started.group, started.receipts, strict=True)]


@dataclass
class _Group:
    """A group of messages received, with its filing under way in a worker."""

    group: list[tuple[bytes, Envelope]]
    receipts: list[Receipt]
    rows: list[dict[str, Any]]  # the new messages' rows, in order
    decided: Future[list[Decision | Exception]]


def _groups(messages: Iterable[tuple[bytes, Envelope]],
            size: int) -> Iterator[list[tuple[bytes, Envelope]]]:
    group: list[tuple[bytes, Envelope]] = []
    for message in messages:
        group.append(message)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def ingest_all(hub: Hub, messages: Iterable[tuple[bytes, Envelope]],
               jobs: int = 1) -> Iterator[Outcome]:
    """File every message in order with a Filer of `jobs` processes."""
    with Filer(hub, jobs) as filer:
        yield from filer.ingest_all(messages)

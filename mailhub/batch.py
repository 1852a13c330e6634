"""Filing many messages at once (`mailhub ingest`, `mailhub import`, the IMAP door).

Their sources keep each message until told it is stored (files on disk, an IMAP
server), so a group is archived, decided and only then inserted, each row written once,
complete (pipeline.record_stored). Parsing and classifying are CPU work: with jobs > 1
they run in worker processes (workers.FilingPool) while the calling process stores the
bytes and records the decisions. Outcomes come back in input order, with a bounded number
of messages in flight.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from mailhub.deciding import Decision, Outcome, decide_many
from mailhub.hub import Hub
from mailhub.pipeline import Envelope, known_bytes, record_stored, stored_rows
from mailhub.workers import FilingPool

SMALL = 64  # fewer messages than this are filed in-process: starting workers costs more

# Messages archived with one flush and recorded in one durable commit. 200 rather than 100:
# half the flushes and commits, 6 % less CPU over 10,000 messages; 400 leaves a worker idle
# at the start and the end of a run.
GROUP = 200


def default_jobs(count: int) -> int:
    return 1 if count < SMALL else max(1, os.cpu_count() or 1)


class Filer:
    """Archive, decide and record a stream of messages, a group at a time, in order.

    With jobs > 1 the CPU work (parsing, the sender chain, classification) runs in worker
    processes that live as long as the Filer (use it as a context manager), while this
    process stores and records: one writer, so no worker waits on a database lock."""

    def __init__(self, hub: Hub, jobs: int = 1) -> None:
        self.hub, self.jobs = hub, jobs
        self._pool: FilingPool | None = None

    def __enter__(self) -> Filer:
        # What exists by now (modules, the hub, the rules) lives as long as the process:
        # frozen, the garbage collector no longer walks it each time the many objects of a
        # filing make it run (a tenth of the cost of recording, else; workers do the same).
        gc.freeze()
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
        ahead = 2 if self._pool is not None else 0  # keep the workers busy meanwhile
        in_flight: deque[_Group] = deque()
        for group in _groups(messages, GROUP):
            in_flight.append(self._start(group))
            if len(in_flight) > ahead:
                yield from self._finish(in_flight.popleft())
        while in_flight:
            yield from self._finish(in_flight.popleft())

    def _start(self, group: list[tuple[bytes, Envelope]]) -> _Group:
        """Archive the group and start deciding the messages whose bytes are new."""
        rows = []
        for row in stored_rows(self.hub, [(raw, envelope, "") for raw, envelope in group]):
            if isinstance(row, Exception):  # the disk: nothing more can be stored
                raise row
            rows.append(row)
        seen = known_bytes(self.hub, {row["sha256"] for row in rows})
        new = []  # places in the group of the first copy of bytes the database lacks
        for place, row in enumerate(rows):
            if row["sha256"] not in seen:
                seen.add(row["sha256"])
                new.append(place)
        new_rows, raws = [rows[i] for i in new], [group[i][0] for i in new]
        if self._pool is not None and self._pool.started():
            decided = self._pool.decide(new_rows, raws, self.hub.clock())
        else:  # no workers, or not yet: this process decides rather than wait
            decided = Future()
            decided.set_result(decide_many(self.hub, new_rows, raws, self.hub.clock()))
        return _Group(group, rows, new, decided)

    def _finish(self, started: _Group) -> list[Outcome]:
        try:
            results = started.decided.result()
        except Exception as exc:  # a worker died: the group fails, the import goes on
            results = [exc] * len(started.new)
        decisions = dict(zip(started.new, results, strict=True))
        return record_stored(self.hub, [(row, started.group[place][0], decisions.get(place))
                                        for place, row in enumerate(started.rows)])


@dataclass
class _Group:
    """A group of messages archived, with the deciding of the new ones under way."""

    group: list[tuple[bytes, Envelope]]
    rows: list[dict[str, Any]]  # stored_rows(), in order
    new: list[int]  # the places of the messages being decided
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

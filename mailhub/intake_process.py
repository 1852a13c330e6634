"""The intake in a process of its own, and the daemon's end of the line to it.

The daemon's event loop talks SMTP; the intake archives, commits and hands on to the
filing workers (intake.py). In one process they would take turns on one interpreter
lock, and every file operation of the intake would wait for the loop's turn to end:
so the intake has a process of its own, and the two exchange frames over a socket
pair — a message (ticket, bytes, envelope) one way, its receipt or the reason it
failed the other. When the daemon's end closes (it stops, or it was killed), the
intake hands what it holds to the workers and exits. It ignores SIGTERM and SIGINT,
which a service manager or a terminal sends to every process of the service: it
stops when the daemon does, after the daemon's last message.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import pickle
import socket
import struct
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from functools import partial
from typing import Any

from mailhub.config import Settings
from mailhub.errors import MailhubError
from mailhub.faults import Fault, fault
from mailhub.hub import Office, open_hub
from mailhub.intake import Intake
from mailhub.pipeline import Envelope, Receipt
from mailhub.workers import FilingPool, follow_the_daemon

log = logging.getLogger(__name__)

_SIZE = struct.Struct("!Q")
RESTART_DELAY = 1.0  # seconds


class IntakeError(MailhubError):
    """The intake could not store a message; the door answers 451 and the sender retries.
    `fault` says why (faults.Fault): the disk full, the database failing, ..."""

    def __init__(self, message: str, fault: Fault = Fault.OTHER) -> None:
        super().__init__(message)
        self.fault = fault


def _frame(value: object) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _SIZE.pack(len(payload)) + payload


# ------------------------------------------------------------------ the intake process


def run(settings: Settings, sock: socket.socket, logging_on: bool, office: Office) -> None:
    """The intake process: take messages from the socket until the daemon closes it."""
    follow_the_daemon(logging_on)
    hub = open_hub(settings, office=office)
    for leftover in hub.archive.remove_leftovers():
        log.info("removed %s, a temporary file of a writer that stopped", leftover.name)
    intake = Intake(hub, FilingPool(settings, settings.filing.processes, logging_on, office))
    intake.start()
    sending = threading.Lock()

    def answer(ticket: int, stored: Future[Receipt]) -> None:
        exc = stored.exception()
        if exc is None:
            receipt = stored.result()
            reply: tuple[Any, ...] = (ticket, Receipt(receipt.id, receipt.sha256,
                                                      receipt.duplicate), "", Fault.OTHER)
        else:
            log.error("storing a message failed: %s: %s", type(exc).__name__, exc)
            reply = (ticket, None, f"{type(exc).__name__}: {exc}", fault(exc))
        with sending:
            try:
                sock.sendall(_frame(reply))
            except OSError:  # the daemon is gone; the message is stored all the same
                pass

    try:
        for ticket, raw, envelope, message_id in _frames(sock):
            intake.receive(raw, envelope, message_id).add_done_callback(partial(answer, ticket))
    finally:
        intake.close()
        sock.close()


def _frames(sock: socket.socket) -> Iterator[Any]:
    with sock.makefile("rb") as stream:
        while True:
            header = stream.read(_SIZE.size)
            if len(header) < _SIZE.size:
                return  # the daemon closed its end
            (size,) = _SIZE.unpack(header)
            payload = stream.read(size)
            if len(payload) < size:
                return
            yield pickle.loads(payload)


# ------------------------------------------------------------------ the daemon's end


class IntakeProcess:
    """Starts the intake process and passes it messages; started again if it dies."""

    def __init__(self, settings: Settings, office: Office, logging_on: bool = False) -> None:
        self.settings, self.office, self.logging_on = settings, office, logging_on
        self._tickets = itertools.count()
        self._waiting: dict[int, tuple[asyncio.Future[Receipt], Any]] = {}  # with its process
        self._process: Any = None
        self._writer: asyncio.StreamWriter | None = None
        self._replies: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        ours, theirs = socket.socketpair()
        self._process = multiprocessing.get_context("spawn").Process(
            target=run, args=(self.settings, theirs, self.logging_on, self.office),
            name="mailhub-intake")
        self._process.start()
        theirs.close()
        reader, self._writer = await asyncio.open_unix_connection(sock=ours)
        self._replies = asyncio.create_task(self._read_replies(reader, self._process))

    async def reload(self, office: Office) -> None:
        """A new intake (with new workers) reads the registry and rules again and takes the
        messages from now on; the old one finishes what it holds, then exits. A message
        in both hands is filed once: filing records only what is still 'received'."""
        writer, replies, process = self._writer, self._replies, self._process
        self.office = office
        await self.start()
        if writer is not None:
            writer.close()
        if replies is not None:
            await replies
        if process is not None:
            await asyncio.get_running_loop().run_in_executor(None, process.join)

    async def receive(self, raw: bytes, envelope: Envelope,
                      message_id: str | None = None) -> Receipt:
        """The receipt once the message is durable; IntakeError if it is not."""
        if self._closing or self._writer is None:
            raise IntakeError("mailhub is stopping")
        ticket = next(self._tickets)
        waiter: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._waiting[ticket] = (waiter, self._process)
        try:
            self._writer.write(_frame((ticket, raw, envelope, message_id)))
            await self._writer.drain()
        except ConnectionError as exc:
            self._waiting.pop(ticket, None)
            raise IntakeError("the intake process is not running") from exc
        return await waiter

    async def close(self) -> None:
        """Close our end; the intake hands on what it holds and exits."""
        self._closing = True
        if self._writer is not None:
            self._writer.close()
        if self._replies is not None:
            await self._replies
        if self._process is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._process.join)

    async def _read_replies(self, reader: asyncio.StreamReader, process: Any) -> None:
        try:
            while True:
                (size,) = _SIZE.unpack(await reader.readexactly(_SIZE.size))
                ticket, receipt, error, why = pickle.loads(await reader.readexactly(size))
                waiter, _ = self._waiting.pop(ticket, (None, None))
                if waiter is None or waiter.done():
                    continue
                if error:
                    waiter.set_exception(IntakeError(error, why))
                else:
                    waiter.set_result(receipt)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        for ticket, (waiter, owner) in list(self._waiting.items()):
            if owner is process:  # never answered: their senders retry
                del self._waiting[ticket]
                if not waiter.done():
                    waiter.set_exception(IntakeError("the intake process stopped"))
        if not self._closing and process is self._process:  # not one retired by reload()
            await asyncio.get_running_loop().run_in_executor(None, process.join)
            log.error("the intake process stopped (exit status %s); starting it again in %s s",
                      process.exitcode, RESTART_DELAY)
            await asyncio.sleep(RESTART_DELAY)  # a process that cannot start is not spun
            if not self._closing:
                await self.start()

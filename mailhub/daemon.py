"""`mailhub serve`: wires the doors to the intake process (which has the filing workers),
runs the IMAP watchers and the delivery worker in processes of their own, and stops
cleanly on signals."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from mailhub import logs
from mailhub.config import Settings
from mailhub.directives import Copies
from mailhub.hub import Hub, open_hub
from mailhub.ingress.imap import run_watchers
from mailhub.ingress.smtp import Sessions, start_lmtp, start_smtp
from mailhub.intake_process import IntakeProcess
from mailhub.outbox import Delivery
from mailhub.workers import follow_the_daemon

log = logging.getLogger("mailhub")


async def serve(hub: Hub, stop: asyncio.Event | None = None,
                ready: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (SIGTERM or SIGINT set it when running as the service)."""
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    if ready is None:  # as the service: signals stop it
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    # The intake and the workers log as this process does, if it logs (`mailhub serve`).
    logging_on = logging.getLogger().hasHandlers()
    intake = IntakeProcess(hub.settings, logging_on)
    await intake.start()  # first it files what was stored before a stop or crash, not filed
    delivery = _Child("mailhub-outbox", run_delivery, hub.settings, logging_on)
    children = [asyncio.create_task(child.run(stop)) for child, wanted in (
        (_Child("mailhub-imap", run_watchers, hub.settings, logging_on), hub.settings.imap),
        (delivery, hub.settings.relay.host)) if wanted]
    try:
        await _doors(hub, intake, stop, ready, delivery.tell)
    finally:
        stop.set()
        await asyncio.gather(*children)
        await intake.close()


class _Child:
    """A process of the service (the IMAP watchers, the delivery worker) while the daemon
    runs; started again if it dies. It stops when the pipe from the daemon closes, and
    wakes up when the daemon sends something down it (tell)."""

    def __init__(self, name: str, target: Callable[[Settings, Connection, bool], None],
                 settings: Settings, logging_on: bool) -> None:
        self.name, self.target, self.settings, self.logging_on = name, target, settings, logging_on
        self._pipe: Connection | None = None

    def tell(self) -> None:
        if self._pipe is not None:
            try:
                self._pipe.send(None)
            except OSError:  # it died; it looks at the database when it starts again
                pass

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            reader, self._pipe = multiprocessing.Pipe(duplex=False)
            process = multiprocessing.get_context("spawn").Process(
                target=self.target, args=(self.settings, reader, self.logging_on),
                name=self.name)
            process.start()
            reader.close()
            ended: asyncio.Future[Any] = loop.run_in_executor(None, process.join)
            stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
            self._pipe.close()  # the child sees the pipe close: it finishes its work, exits
            self._pipe = None
            await ended
            stopping.cancel()
            if not stop.is_set():
                log.error("%s stopped (exit status %s); starting it again in 5 s", self.name,
                          process.exitcode)
                await asyncio.sleep(5)


def run_delivery(settings: Settings, conn: Connection, logging_on: bool) -> None:
    """The delivery worker's process: sends what the outbox holds, at once when the
    daemon says something was queued, else every few seconds; stops when the daemon
    closes its end of `conn`."""
    follow_the_daemon(logging_on)
    hub = open_hub(settings)

    async def deliver() -> None:
        loop = asyncio.get_running_loop()
        stop, wake = asyncio.Event(), asyncio.Event()

        def listen() -> None:
            try:
                while True:
                    conn.recv()
                    loop.call_soon_threadsafe(wake.set)
            except (EOFError, OSError):
                loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=listen, name="daemon-pipe", daemon=True).start()
        await Delivery(hub, Copies(hub)).run(stop=stop, wake=wake)

    asyncio.run(deliver())


async def _doors(hub: Hub, intake: IntakeProcess, stop: asyncio.Event,
                 ready: asyncio.Event | None, queued: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    sessions = Sessions(limit=hub.settings.smtp.max_sessions)
    servers = [await start_smtp(hub, intake, sessions, queued)]
    lmtp = await start_lmtp(hub, intake, sessions, queued)
    if lmtp is not None:
        servers.append(lmtp)
    log.info("mailhub: SMTP %s, LMTP %s, database %s, %s filing worker(s)",
             hub.settings.smtp.listen, hub.settings.lmtp.listen or "off",
             hub.engine.url.render_as_string(hide_password=True),
             hub.settings.filing.processes)
    if ready is not None:
        ready.set()
    await stop.wait()
    log.info("mailhub: stopping")
    for server in servers:
        server.close()  # no new sessions; the open ones may finish their message
    deadline = loop.time() + hub.settings.smtp.shutdown_grace
    while sessions.open and loop.time() < deadline:
        await asyncio.sleep(0.05)
    if sessions.open:
        log.warning("mailhub: %s sessions still open after %ss", sessions.open,
                    hub.settings.smtp.shutdown_grace)


def run(hub: Hub) -> None:
    logs.configure()
    asyncio.run(serve(hub))

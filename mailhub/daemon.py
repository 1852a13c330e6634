"""`mailhub serve`: wires the doors to the intake process (which has the filing workers),
and stops cleanly on signals."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from typing import Any

from mailhub import logs
from mailhub.config import Settings
from mailhub.hub import Hub
from mailhub.ingress.imap import run_watchers
from mailhub.ingress.smtp import Sessions, start_lmtp, start_smtp
from mailhub.intake_process import IntakeProcess

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
    watchers = asyncio.create_task(_imap(hub.settings, logging_on, stop))
    try:
        await _doors(hub, intake, stop, ready)
    finally:
        stop.set()
        await watchers
        await intake.close()


async def _imap(settings: Settings, logging_on: bool, stop: asyncio.Event) -> None:
    """The IMAP watchers' process, while the daemon runs; started again if it dies."""
    if not settings.imap:
        return
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        reader, writer = multiprocessing.Pipe(duplex=False)
        process = multiprocessing.get_context("spawn").Process(
            target=run_watchers, args=(settings, reader, logging_on), name="mailhub-imap")
        process.start()
        reader.close()
        ended: asyncio.Future[Any] = loop.run_in_executor(None, process.join)
        stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
        writer.close()  # the watchers see the pipe close: they finish their batch and exit
        await ended
        stopping.cancel()
        if not stop.is_set():
            log.error("the IMAP process stopped (exit status %s); starting it again in 5 s",
                      process.exitcode)
            await asyncio.sleep(5)


async def _doors(hub: Hub, intake: IntakeProcess, stop: asyncio.Event,
                 ready: asyncio.Event | None) -> None:
    loop = asyncio.get_running_loop()
    sessions = Sessions(limit=hub.settings.smtp.max_sessions)
    servers = [await start_smtp(hub, intake, sessions)]
    lmtp = await start_lmtp(hub, intake, sessions)
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

"""`mailhub serve`: wires the doors and the filing worker, and stops cleanly on signals."""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from mailhub.hub import Hub
from mailhub.ingress.smtp import Sessions, start_lmtp, start_smtp
from mailhub.pipeline import file_pending

log = logging.getLogger("mailhub")


async def serve(hub: Hub, stop: asyncio.Event | None = None,
                ready: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (SIGTERM or SIGINT set it when running as the service)."""
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    if ready is None:  # as the service: signals stop it
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    filing = ThreadPoolExecutor(1, thread_name_prefix="filing")
    # Stored before a crash or restart but not filed yet: the table is the queue.
    loop.run_in_executor(filing, file_pending, hub)
    sessions = Sessions(limit=hub.settings.smtp.max_sessions)
    servers = [await start_smtp(hub, filing, sessions)]
    lmtp = await start_lmtp(hub, filing, sessions)
    if lmtp is not None:
        servers.append(lmtp)
    log.info("mailhub: SMTP %s, LMTP %s, database %s", hub.settings.smtp.listen,
             hub.settings.lmtp.listen or "off", hub.engine.url.render_as_string(hide_password=True))
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
    await loop.run_in_executor(None, filing.shutdown)


def run(hub: Hub) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # aiosmtpd logs every command at INFO, AUTH credentials included: keep its warnings only.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    asyncio.run(serve(hub))

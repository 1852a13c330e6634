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

from mailhub import logs, scheduler, sd_notify, status
from mailhub.config import Settings
from mailhub.directives import Copies
from mailhub.errors import ConfigError
from mailhub.hub import Hub, Office, open_hub, reload_office
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
    # The intake and the workers log as this process does, if it logs (`mailhub serve`).
    logging_on = logging.getLogger().hasHandlers()
    intake = IntakeProcess(hub.settings, hub.office, logging_on)
    await intake.start()  # first it files what was stored before a stop or crash, not filed
    delivery = _Child("mailhub-outbox", run_delivery, hub, logging_on)
    wanted = [child for child, on in (
        (_Child("mailhub-imap", run_watchers, hub, logging_on), hub.settings.imap),
        (delivery, hub.settings.relay.host),
        (_Child("mailhub-web", _run_web, hub, logging_on), hub.settings.web.listen)) if on]
    children = [asyncio.create_task(child.run(stop)) for child in wanted]
    if ready is None:  # as the service: signals stop it, SIGHUP reloads the office's files
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(
            reload(hub, intake, wanted)))
    timetable = scheduler.start(hub)
    running = dict(state="running", started_at=hub.clock().isoformat(),
                   smtp=hub.settings.smtp.listen, lmtp=hub.settings.lmtp.listen,
                   web=hub.settings.web.listen,
                   processes=["mailhub-intake"] + [child.name for child in wanted])
    heartbeat = asyncio.create_task(_heartbeat(hub, running))
    try:
        await _doors(hub, intake, stop, ready, delivery.tell)
    finally:
        stop.set()
        heartbeat.cancel()
        _write_status(hub, {**running, "state": "stopped"})
        timetable.shutdown(wait=False)
        await asyncio.gather(*children)
        await intake.close()


async def _heartbeat(hub: Hub, running: dict[str, Any]) -> None:
    """Keep status.json fresh for `mailhub status`."""
    while True:
        await asyncio.to_thread(_write_status, hub, running)
        await asyncio.sleep(status.HEARTBEAT)


def _write_status(hub: Hub, running: dict[str, Any]) -> None:
    try:
        status.write(hub, running)
    except OSError as exc:  # the disk is full: the doors answer 451 meanwhile, and go on
        log.warning("cannot write %s: %s", status.status_file(hub), exc)


async def reload(hub: Hub, intake: IntakeProcess, children: list[_Child]) -> bool:
    """SIGHUP: read the registry, rules and lists again. A broken file keeps the old ones
    in force everywhere and says exactly why; good ones reach every process (the intake
    and the other children start again and read them)."""
    sd_notify.reloading()
    try:
        reload_office(hub)
    except ConfigError as exc:
        for problem in exc.problems:
            log.error("reload refused, the rules in force stay: %s", problem)
        sd_notify.ready("reload refused: the rules in force stay")
        return False
    log.info("reloaded: %s units, %s topics, %s lists; the other processes start again",
             len(hub.registry.units), len(hub.rules.topics), len(hub.lists.lists))
    for child in children:
        child.reload(hub.office)
    await intake.reload(hub.office)
    sd_notify.ready("reloaded")
    return True


class _Child:
    """A process of the service (the IMAP watchers, the delivery worker) while the daemon
    runs; started again if it dies. It stops when the pipe from the daemon closes, and
    wakes up when the daemon sends something down it (tell)."""

    def __init__(self, name: str, target: Callable[[Settings, Connection, bool, Office], None],
                 hub: Hub, logging_on: bool) -> None:
        self.name, self.target, self.logging_on = name, target, logging_on
        self.settings, self.office = hub.settings, hub.office
        self._pipe: Connection | None = None
        self._reloading = False

    def reload(self, office: Office) -> None:
        """Stop the process after its current work; it starts again at once, with `office`."""
        self.office = office
        if self._pipe is not None:
            self._reloading = True
            self._pipe.close()

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
                target=self.target, args=(self.settings, reader, self.logging_on, self.office),
                name=self.name)
            process.start()
            reader.close()
            ended: asyncio.Future[Any] = loop.run_in_executor(None, process.join)
            stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if self._pipe is not None:
                self._pipe.close()  # the child sees it close: it finishes its work, exits
            self._pipe = None
            await ended
            stopping.cancel()
            if self._reloading:
                self._reloading = False
            elif not stop.is_set():
                log.error("%s stopped (exit status %s); starting it again in 5 s", self.name,
                          process.exitcode)
                await asyncio.sleep(5)


def run_delivery(settings: Settings, conn: Connection, logging_on: bool, office: Office) -> None:
    """The delivery worker's process: sends what the outbox holds, at once when the
    daemon says something was queued, else every few seconds; stops when the daemon
    closes its end of `conn`."""
    follow_the_daemon(logging_on)
    hub = open_hub(settings, office=office)

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


def _run_web(settings: Settings, conn: Connection, logging_on: bool, office: Office) -> None:
    """The office console's process (imported there: the web stack stays out of the rest)."""
    from mailhub.web.server import run_web

    run_web(settings, conn, logging_on, office)


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
    sd_notify.ready(f"SMTP {hub.settings.smtp.listen}")  # systemd: Type=notify
    await stop.wait()
    sd_notify.stopping()
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

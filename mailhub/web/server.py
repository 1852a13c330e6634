"""Running the console: `mailhub web` in the foreground, or as a child process of
`mailhub serve` that stops when the daemon closes its pipe."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

import uvicorn

from mailhub.config import Settings
from mailhub.hub import Hub, Office, open_hub
from mailhub.web.app import create_app
from mailhub.workers import follow_the_daemon

log = logging.getLogger("mailhub.web")


def server(hub: Hub, queued: Callable[[], None] = lambda: None) -> uvicorn.Server:
    """The console's HTTP(S) server on [web] listen."""
    web = hub.settings.web
    host, port = web.host_port
    config = uvicorn.Config(
        create_app(hub, queued), host=host, port=port, log_config=None, access_log=False,
        ssl_certfile=web.tls_cert or None, ssl_keyfile=web.tls_key or None,
        # A TLS proxy on this machine may say the browser used HTTPS (Secure cookies).
        proxy_headers=True, forwarded_allow_ips="127.0.0.1,::1")
    return uvicorn.Server(config)


def run(hub: Hub) -> None:
    """`mailhub web`: until Ctrl-C or SIGTERM."""
    log.info("console on %s://%s", "https" if hub.settings.web.tls_cert else "http",
             hub.settings.web.listen)
    server(hub).run()


class _Quiet(uvicorn.Server):
    """Under `mailhub serve` the daemon owns the signals: it closes the pipe to stop us."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def run_web(settings: Settings, conn: Connection, logging_on: bool, office: Office) -> None:
    """The console's process under `mailhub serve`."""
    follow_the_daemon(logging_on)
    hub = open_hub(settings, office=office)
    found = server(hub)
    quiet = _Quiet(found.config)

    def listen() -> None:
        try:
            while True:
                conn.recv()
        except (EOFError, OSError):
            quiet.should_exit = True

    threading.Thread(target=listen, name="daemon-pipe", daemon=True).start()
    log.info("console on %s", settings.web.listen)
    quiet.run()

"""Telling systemd how the service is doing (sd_notify), without libsystemd.

Under `Type=notify` systemd waits for READY=1 before it calls the service started, so
`systemctl start mailhub` returns once the doors listen, and units ordered after
mailhub start only then. The protocol is one datagram of `KEY=value` lines to the
socket named in $NOTIFY_SOCKET (a path, or an abstract name written with a leading
'@'). Outside systemd the variable is unset and every call is a harmless no-op, so
`mailhub serve` in a terminal behaves the same. The unit has NotifyAccess=main: only
the daemon's own process may send, not its children.
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger(__name__)

NOTIFY_SOCKET = "NOTIFY_SOCKET"


def _address(name: str) -> str | None:
    if name.startswith("@"):
        return "\0" + name[1:]  # abstract namespace: no file, the name starts with NUL
    if name.startswith("/"):
        return name
    return None  # vsock:… and relative names: not ours to guess


def notify(state: str) -> bool:
    """Send `state` (newline-separated KEY=value lines) to systemd.

    True when sent; False when not running under systemd, or when the datagram could
    not be sent (logged: a service must not die because its manager is unreachable).
    """
    name = os.environ.get(NOTIFY_SOCKET, "")
    if not name:
        return False
    address = _address(name)
    if address is None:
        log.warning("sd_notify: unsupported NOTIFY_SOCKET %r", name)
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
    except OSError as exc:
        log.warning("sd_notify: cannot reach %s: %s", name, exc)
        return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())  # a newline would start a new KEY=value


def ready(status: str = "") -> bool:
    """The service is up (after start, and again after a reload)."""
    return notify("READY=1" + (f"\nSTATUS={_one_line(status)}" if status else ""))


def reloading() -> bool:
    """A reload (SIGHUP) has begun; call ready() when it is done. MONOTONIC_USEC is
    the clock reading systemd ≥ 253 wants with RELOADING=1 (harmless before)."""
    usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    return notify(f"RELOADING=1\nMONOTONIC_USEC={usec}")


def stopping() -> bool:
    """The service is shutting down (on SIGTERM), so systemd shows 'deactivating'."""
    return notify("STOPPING=1")


def status(text: str) -> bool:
    """A one-line status shown by `systemctl status mailhub`."""
    return notify(f"STATUS={_one_line(text)}")

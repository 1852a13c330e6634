"""sd_notify: the exact datagrams systemd would receive, on a real socket."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailhub import sd_notify


def _receive(sock: socket.socket) -> str:
    sock.settimeout(2)
    return sock.recv(4096).decode("utf-8")


@pytest.fixture
def manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A datagram socket standing in for systemd, named in $NOTIFY_SOCKET."""
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        yield sock


def test_not_under_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sd_notify.notify("READY=1") is False
    assert sd_notify.ready() is False
    assert sd_notify.stopping() is False


def test_ready(manager: socket.socket) -> None:
    assert sd_notify.ready() is True
    assert _receive(manager) == "READY=1"
    assert sd_notify.ready("Đang nhận thư / receiving on 127.0.0.1:2525") is True
    assert _receive(manager) == "READY=1\nSTATUS=Đang nhận thư / receiving on 127.0.0.1:2525"


def test_status_stopping_and_a_newline(manager: socket.socket) -> None:
    assert sd_notify.status("line one\nline two") is True
    assert _receive(manager) == "STATUS=line one line two"
    assert sd_notify.stopping() is True
    assert _receive(manager) == "STOPPING=1"


def test_reloading_sends_the_monotonic_clock(manager: socket.socket) -> None:
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert sd_notify.reloading() is True
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    first, second = _receive(manager).split("\n")
    assert first == "RELOADING=1"
    key, value = second.split("=")
    assert key == "MONOTONIC_USEC" and before <= int(value) <= after


def test_abstract_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"mailhub-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sd_notify.notify("READY=1\nSTATUS=ok") is True
        assert _receive(sock) == "READY=1\nSTATUS=ok"


def test_unreachable_or_odd_socket_is_false_not_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody-listens.sock"))
    assert sd_notify.ready() is False
    monkeypatch.setenv("NOTIFY_SOCKET", "vsock:2:1234")
    assert sd_notify.ready() is False

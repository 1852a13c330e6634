"""`mailhub serve` as the service runs it: a subprocess, SIGKILL and SIGTERM."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from mailhub import models
from mailhub.config import Settings
from mailhub.hub import open_hub

from .factory import mail
from .test_smtp import SCHOOL, TEAM, free_port


class Daemon:
    def __init__(self, config: Path, port: int) -> None:
        self.config, self.port = config, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailhub", "--config", str(self.config), "serve"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read().decode()  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("mailhub serve did not start listening")

    def stop(self, sig: int) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(30)


@pytest.fixture
def daemon(config_file: Path) -> Iterator[Daemon]:
    port = free_port()
    with config_file.open("a", encoding="utf-8") as handle:
        handle.write(f'[smtp]\nlisten = "127.0.0.1:{port}"\n')
    running = Daemon(config_file, port)
    yield running
    if running.process is not None and running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_acknowledged_mail_survives_sigkill_and_is_filed_after_restart(
        daemon: Daemon, settings: Settings) -> None:
    daemon.start()
    with smtplib.SMTP("127.0.0.1", daemon.port, timeout=10) as client:
        assert client.sendmail(SCHOOL, [TEAM], mail(subject="Báo cáo tháng 11/2026")) == {}
    daemon.stop(signal.SIGKILL)  # right after the 250
    hub = open_hub(settings)
    with Session(hub.engine) as session:
        stored = session.exec(select(models.Message)).one()
    assert hub.archive.path_for(stored.sha256).is_file()
    daemon.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with Session(hub.engine) as session:
            if session.get(models.Message, stored.id).state == "filed":  # type: ignore[union-attr]
                break
        time.sleep(0.1)
    with Session(hub.engine) as session:
        assert session.get(models.Message, stored.id).state == "filed"  # type: ignore[union-attr]
        assert len(session.exec(select(models.Filing)).all()) == 1
    assert daemon.stop(signal.SIGTERM) == 0
    hub.engine.dispose()

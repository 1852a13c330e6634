"""`mailhub serve` as the service runs it: a subprocess, SIGKILL and SIGTERM."""

from __future__ import annotations

import contextlib
import os
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
    """`mailhub serve` in a subprocess. Its output goes to a pipe, or to `log` (appended)
    for a test that makes it log more than a pipe holds unread."""

    def __init__(self, config: Path, port: int, log: Path | None = None) -> None:
        self.config, self.port, self.log = config, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def output(self) -> str:
        if self.log is not None:
            return self.log.read_text(encoding="utf-8", errors="replace")
        assert self.process is not None and self.process.stdout is not None
        return self.process.stdout.read().decode()

    def start(self) -> None:
        # A session of its own, as a service has: a signal to the group reaches all of it.
        output = self.log.open("ab") if self.log is not None else subprocess.PIPE
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailhub", "--config", str(self.config), "serve"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        if self.log is not None:
            output.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
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
        handle.write(f'[smtp]\nlisten = "127.0.0.1:{port}"\n[web]\nlisten = ""\n')
    running = Daemon(config_file, port)
    yield running
    if running.process is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.process.pid, signal.SIGKILL)
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


def test_sigterm_to_the_whole_service_stops_every_process_cleanly(
        daemon: Daemon, settings: Settings) -> None:
    """systemd (KillMode=control-group) and a terminal's Ctrl-C signal every process of the
    service: the intake and the filing workers wait for the daemon, which exits 0."""
    daemon.start()
    assert daemon.process is not None
    with smtplib.SMTP("127.0.0.1", daemon.port, timeout=10) as client:
        for month in range(1, 6):
            assert client.sendmail(SCHOOL, [TEAM], mail(subject=f"Báo cáo tháng {month}")) == {}
    os.killpg(daemon.process.pid, signal.SIGTERM)
    assert daemon.process.wait(30) == 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _group_alive(daemon.process.pid):
        time.sleep(0.1)
    assert not _group_alive(daemon.process.pid), "a process of the service outlived it"
    hub = open_hub(settings)
    with Session(hub.engine) as session:
        states = [m.state for m in session.exec(select(models.Message)).all()]
    hub.engine.dispose()
    assert len(states) == 5 and set(states) <= {"filed", "received"}


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_sighup_reloads_the_rules_and_a_broken_file_keeps_the_old_ones(
        daemon: Daemon, settings: Settings) -> None:
    new_list = "thu-nghiem@mailhub.localhost"
    topics = settings.rules_dir / "topics.toml"
    good = topics.read_text(encoding="utf-8")

    def rcpt() -> int:
        with smtplib.SMTP("127.0.0.1", daemon.port, timeout=10) as client:
            client.ehlo()
            client.mail(TEAM)
            return client.rcpt(new_list)[0]

    daemon.start()
    assert rcpt() == 550
    with (settings.rules_dir / "lists.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[lists.thu-nghiem]\nmembers = ["level:MN"]\nsenders = ["PGD-HM"]\n')
    topics.write_text(good + "\n[[topic]]\nid = \n", encoding="utf-8")  # broken TOML
    assert daemon.process is not None
    daemon.process.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    assert rcpt() == 550  # nothing of the new files taken: the old rules stay in force
    with smtplib.SMTP("127.0.0.1", daemon.port, timeout=10) as client:
        assert client.sendmail(SCHOOL, [TEAM], mail(subject="Báo cáo tháng 11/2026")) == {}
    topics.write_text(good, encoding="utf-8")
    daemon.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while rcpt() != 250 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert rcpt() == 250
    hub = open_hub(settings)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with Session(hub.engine) as session:
            if [m.state for m in session.exec(select(models.Message))] == ["filed"]:
                break
        time.sleep(0.1)
    with Session(hub.engine) as session:
        assert [m.state for m in session.exec(select(models.Message))] == ["filed"]
    assert daemon.stop(signal.SIGTERM) == 0
    output = daemon.process.stdout.read().decode()  # type: ignore[union-attr]
    refused = [line for line in output.splitlines() if "reload refused" in line]
    assert refused and all("topics.toml" in line for line in refused), output
    assert any("topics.toml:" in line for line in refused)  # file and line
    assert "reloaded:" in output


def test_status_shows_what_runs_the_queues_and_the_next_jobs(daemon: Daemon,
                                                             config_file: Path) -> None:
    import json

    from typer.testing import CliRunner

    from mailhub.cli import app

    daemon.start()
    with smtplib.SMTP("127.0.0.1", daemon.port, timeout=10) as client:
        assert client.sendmail(SCHOOL, [TEAM], mail(subject="Báo cáo tháng 11/2026")) == {}
    runner = CliRunner()
    shown = json.loads(runner.invoke(app, ["--config", str(config_file), "status",
                                           "--json"]).output)
    assert daemon.process is not None
    assert shown["daemon"]["running"] and shown["daemon"]["pid"] == daemon.process.pid
    assert "mailhub-intake" in shown["daemon"]["processes"]
    assert sum(shown["messages"].values()) == 1
    assert [job["id"] for job in shown["jobs"]] == ["reporting-day"]
    assert daemon.stop(signal.SIGTERM) == 0
    after = json.loads(runner.invoke(app, ["--config", str(config_file), "status",
                                           "--json"]).output)
    assert not after["daemon"]["running"]
    table = runner.invoke(app, ["--config", str(config_file), "status"])
    assert "không chạy / not running" in table.output and "reporting-day" in table.output

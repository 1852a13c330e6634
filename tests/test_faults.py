"""Faults under `mailhub serve` (the daemon as a subprocess, SMTP over 127.0.0.1): the
disk full, the database locked or gone, SIGKILL in a storm of 2,000 messages. While a
fault lasts the door answers 451 with the reason and stores nothing half; a message
answered 250 is filed once the fault is over, and none is filed twice.

The relay refusing everything for a while is tests/test_outbox.py's
(test_a_relay_down_for_a_while_then_up_gets_everything_once, test_4xx_is_retried_after_
the_rfc_5321_delay_and_5xx_kept_failed) and tests/test_directives.py's (a delivery worker
killed mid fan-out).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from mailhub import models
from mailhub.archive import Archive
from mailhub.db import make_engine

from .conftest import TEST_DATABASE
from .factory import mail
from .test_daemon import Daemon
from .test_smtp import SCHOOL, TEAM, free_port

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
ON_SQLITE = not TEST_DATABASE
FILED_WITHIN = 60.0  # seconds for the filing to catch up once a fault is over


# ------------------------------------------------------------------ helpers


def write_config(path: Path, state_dir: Path, database_url: str, port: int,
                 database_timeout: float = 30.0) -> Path:
    path.write_text(f'state_dir = "{state_dir}"\ndatabase_url = "{database_url}"\n'
                    f"database_timeout = {database_timeout}\n"
                    f'registry = "{path.parent / "data" / "units.csv"}"\n'
                    f'rules_dir = "{path.parent / "rules"}"\n'
                    f'[smtp]\nlisten = "127.0.0.1:{port}"\n[web]\nlisten = ""\n',
                    encoding="utf-8")
    return path


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[list[Daemon]]:
    """Daemons a test starts; every process of each is killed at the end."""
    started: list[Daemon] = []
    yield started
    for daemon in started:
        if daemon.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(daemon.process.pid, signal.SIGKILL)
            daemon.process.wait()
            gone(daemon)


def gone(daemon: Daemon) -> None:
    """Wait until no process of the daemon's group is left (one may hold a mount)."""
    assert daemon.process is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(daemon.process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def new_daemon(daemons: list[Daemon], config: Path, port: int) -> Daemon:
    daemon = Daemon(config, port, log=config.with_suffix(".log"))
    daemons.append(daemon)
    daemon.start()
    return daemon


def send(port: int, raw: bytes) -> tuple[int, str]:
    """One message over its own session: the reply to DATA (code, text)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        client.ehlo()
        assert client.mail(SCHOOL)[0] == 250
        assert client.rcpt(TEAM)[0] == 250
        code, text = client.data(raw)
        return code, text.decode("utf-8", "replace")


def send_until_accepted(port: int, raw: bytes, within: float = 30.0) -> list[int]:
    """As a sending MTA does after a 451: again until 250; the codes answered."""
    deadline, codes = time.monotonic() + within, []
    while time.monotonic() < deadline:
        code, _ = send(port, raw)
        codes.append(code)
        if code == 250:
            return codes
        time.sleep(0.3)
    raise AssertionError(f"not accepted within {within} s: {codes}")


def messages(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as db:
        return [dict(row) for row in db.execute(
            select(MESSAGE.c.id, MESSAGE.c.message_id, MESSAGE.c.state, MESSAGE.c.sha256,
                   MESSAGE.c.state_reason)).mappings()]


def wait_filed(engine: Engine, count: int, within: float = FILED_WITHIN) -> list[dict[str, object]]:
    """The rows once `count` of them are there and none is left 'received'."""
    deadline = time.monotonic() + within
    while True:
        rows = messages(engine)
        if (len(rows) >= count and all(row["state"] != "received" for row in rows)) \
                or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def assert_filed_once(rows: list[dict[str, object]], sent: dict[str, bytes],
                      archive: Archive) -> None:
    """Each message sent is one row, filed, its exact bytes archived; nothing else."""
    by_id = Counter(str(row["message_id"]) for row in rows)
    assert {mid: n for mid, n in by_id.items() if n > 1} == {}, "filed twice"
    assert set(by_id) == set(sent), "lost, or a row nobody sent"
    assert [(row["message_id"], row["state_reason"]) for row in rows
            if row["state"] != "filed"] == []
    for row in rows:
        raw = sent[str(row["message_id"])]
        assert row["sha256"] == hashlib.sha256(raw).hexdigest()
        assert archive.read(str(row["sha256"])) == raw
    assert leftovers(archive) == []


def leftovers(archive: Archive) -> list[str]:
    """Temporary files in the archive: a write begun and never finished."""
    return sorted(p.name for p in (archive.root / "tmp").glob("*")) \
        if (archive.root / "tmp").is_dir() else []


def report(n: int, size: int = 0, tag: str = "f") -> tuple[str, bytes]:
    """(its Message-ID as stored: no angle brackets, its bytes)"""
    message_id = f"{tag}-{n}@test.hanoiedu.vn"
    attachments = (("bao-cao.xlsx", os.urandom(size)),) if size else ()
    raw = mail(subject=f"Báo cáo tháng {1 + n % 12}/2026 số {n}", message_id=f"<{message_id}>",
               attachments=attachments)
    return message_id, raw.replace(b"\n", b"\r\n")  # as on the wire, and so archived


def accepted_before(daemon: Daemon, raw: bytes, fault: Callable[[], None]) -> None:
    """Send `raw` (answered 250), then cause `fault` before its filing is recorded: the
    filing workers are held back (SIGSTOP) until the fault is there."""
    filing = workers(daemon)
    for pid in filing:
        os.kill(pid, signal.SIGSTOP)
    try:
        assert send(daemon.port, raw)[0] == 250
        fault()
    finally:
        for pid in filing:
            os.kill(pid, signal.SIGCONT)


def workers(daemon: Daemon) -> list[int]:
    """The filing workers' pids: the processes the daemon's intake process started
    (the daemon's own children are the intake and the resource tracker)."""
    assert daemon.process is not None
    found = []
    for intake in children(daemon.process.pid):
        found += [pid for pid in children(intake) if b"spawn_main" in cmdline(pid)]
    assert found, "no filing worker is running"
    return found


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# ------------------------------------------------------------------ disk full


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB tmpfs the test fills; unmounted at the end (the test runs as root, as CI)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mountpoint)],
                   check=True)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)


def fill(disk: Path, name: str) -> Path:
    """A file that takes every byte left on `disk`."""
    filler = disk / name
    with filler.open("wb", buffering=0) as handle:
        for chunk in (1 << 20, 4096, 1):
            try:
                while True:
                    handle.write(b"\0" * chunk)
            except OSError:
                continue
    return filler


def test_a_full_disk_answers_451_leaves_no_partial_file_and_recovers(
        small_disk: Path, office: Path, database_url: str, daemons: list[Daemon]) -> None:
    """The archive, and on SQLite the database too, on a disk that fills up."""
    state = small_disk / "state"
    # SQLite: the database in state_dir, on the full disk (the default); PostgreSQL keeps
    # its own disk, and only the archive fills.
    port = free_port()
    config = write_config(office / "mailhub.toml", state, "" if ON_SQLITE else database_url,
                          port)
    archive = Archive(state / "archive")
    engine = make_engine(f"sqlite:///{state / 'mailhub.db'}" if ON_SQLITE else database_url)
    daemon = new_daemon(daemons, config, port)
    sent = dict([report(0)])
    assert send(port, sent["f-0@test.hanoiedu.vn"])[0] == 250
    assert [row["state"] for row in wait_filed(engine, 1)] == ["filed"]
    # Already archived, not yet in the database (as after a crash between the two): the
    # database, not the archive, is what the disk refuses them.
    archived = dict(report(n, tag="in-archive") for n in range(1, 31))
    for raw in archived.values():
        archive.store(raw)
    big_id, big = report(100, size=400_000)
    fillers = [fill(small_disk, "filler")]
    os.truncate(fillers[0], fillers[0].stat().st_size - 100 * 1024)  # room for a part

    code, text = send(port, big)  # its file is begun, and cannot be finished
    assert (code, text[:5]) == (451, "4.3.1"), text
    assert "Mail system full" in text and "het cho luu tru" in text
    assert leftovers(archive) == []
    assert not archive.path_for(hashlib.sha256(big).hexdigest()).exists()
    fillers.append(fill(small_disk, "filler-2"))
    answers = {mid: send(port, raw) for mid, raw in archived.items()}
    assert {(code, text[:5]) for code, text in answers.values()} <= {(250, "2.0.0"),
                                                                     (451, "4.3.1")}
    if ON_SQLITE:  # the database's file cannot grow either
        assert any(code == 451 for code, _ in answers.values()), answers
    stored = {str(row["message_id"]) for row in messages(engine)}
    assert {mid for mid, (code, _) in answers.items() if code == 250} <= stored
    assert daemon.process is not None and daemon.process.poll() is None

    for filler in fillers:  # space again: what was refused is sent again, and taken
        filler.unlink()
    sent |= {big_id: big, **archived}
    for mid, (code, _) in answers.items():
        if code != 250:
            assert send_until_accepted(port, archived[mid])[-1] == 250
    assert send_until_accepted(port, big)[-1] == 250
    assert_filed_once(wait_filed(engine, len(sent)), sent, archive)
    assert daemon.stop(signal.SIGTERM) == 0
    engine.dispose()


# ------------------------------------------------------------------ the database


@dataclass
class Locker:
    """Another process holding SQLite's write lock (an admin's sqlite3 shell, a backup)."""

    process: subprocess.Popen[str]

    @classmethod
    def ready(cls, database: Path) -> Locker:
        script = ("import sqlite3, sys\n"
                  f"db = sqlite3.connect({str(database)!r}, isolation_level=None)\n"
                  "sys.stdin.readline(); db.execute('BEGIN IMMEDIATE')\n"
                  "print('locked', flush=True)\n"
                  "sys.stdin.readline(); db.execute('COMMIT')\n")
        return cls(subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True))

    def lock(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.wait(10) == 0


class Proxy:
    """A TCP proxy from a port of 127.0.0.1 to PostgreSQL, which the test cuts (every
    connection closed, nothing listening: the server is gone) and restores."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream, self.port = upstream, free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            doomed, self._sockets = [*self._sockets], set()
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


class Outage:
    """The database out of reach for a while: SQLite held locked by another process;
    PostgreSQL behind a proxy the test cuts (the machine's server itself keeps running)."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.timeout = 1 if ON_SQLITE else 2  # libpq waits 2 s at least
        self._locker: Locker | None = None
        self.out = False
        self._proxy = None if ON_SQLITE else Proxy((url.host or "127.0.0.1", url.port or 5432))
        self.url, self._database = database_url, Path(url.database or "")
        if self._proxy is not None:
            self._proxy.restore()
            self.url = url.set(host="127.0.0.1", port=self._proxy.port).render_as_string(
                hide_password=False)

    def begin(self) -> None:
        self.out = True
        if self._proxy is not None:
            self._proxy.cut()
        else:
            self._locker = Locker.ready(self._database)
            self._locker.lock()

    def end(self) -> None:
        if not self.out:
            return
        self.out = False
        if self._proxy is not None:
            self._proxy.restore()
        elif self._locker is not None:
            self._locker.release()

    def close(self) -> None:
        self.end()
        if self._proxy is not None:
            self._proxy.cut()


def test_the_database_out_of_reach_answers_451_then_everything_is_filed_once(
        tmp_path: Path, office: Path, database_url: str, daemons: list[Daemon]) -> None:
    outage = Outage(database_url)
    state, port = tmp_path / "state", free_port()
    config = write_config(office / "mailhub.toml", state, outage.url, port,
                          database_timeout=outage.timeout)
    engine = make_engine(database_url)
    try:
        daemon = new_daemon(daemons, config, port)
        sent = dict(report(n) for n in range(3))
        before, during, paused = sent.values()
        assert send(port, before)[0] == 250
        wait_filed(engine, 1)
        # Answered 250 just before the outage: its filing fails, and is done after it.
        accepted_before(daemon, paused, outage.begin)
        began = time.monotonic()
        code, text = send(port, during)
        waited = time.monotonic() - began
        assert (code, text[:5]) == (451, "4.3.0"), text
        assert "Database temporarily unavailable" in text
        # Not every waiting row's timeout in turn (minutes): at most a few timeouts, the
        # intake queueing behind each worker's wait.
        assert waited < 10 * outage.timeout, f"451 only after {waited:.1f} s"
        time.sleep(2)  # the paused message's filing has failed by now
        if not ON_SQLITE:  # (a SQLite reader would wait for the lock as well)
            assert {row["message_id"]: row["state"] for row in messages(engine)}[
                "f-2@test.hanoiedu.vn"] == "received"
        outage.end()
        assert send_until_accepted(port, during)[-1] == 250
        assert_filed_once(wait_filed(engine, 3), sent, Archive(state / "archive"))
        assert "trying again later" in daemon.output()
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        outage.close()
        engine.dispose()


# ------------------------------------------------------------------ SIGKILL in a storm

STORM, CLIENTS = 2_000, 20
KILL_AFTER = 800  # messages answered 250 when every process of the service is killed


def storm(port: int, messages: list[tuple[str, bytes]],
          answered: Callable[[str, int], None]) -> None:
    """CLIENTS sessions at once, each sending its share one message after another; a
    session whose server goes away leaves the rest of its share unanswered."""
    def client(share: list[tuple[str, bytes]]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=120) as session:
                session.ehlo()
                for message_id, raw in share:
                    assert session.mail(SCHOOL)[0] == 250
                    assert session.rcpt(TEAM)[0] == 250
                    answered(message_id, session.data(raw)[0])
        except (smtplib.SMTPException, OSError):
            return

    with ThreadPoolExecutor(CLIENTS) as clients:
        for done in [clients.submit(client, messages[i::CLIENTS]) for i in range(CLIENTS)]:
            done.result()


def test_sigkill_in_a_storm_of_2000_messages_loses_and_doubles_nothing(
        tmp_path: Path, office: Path, database_url: str, daemons: list[Daemon]) -> None:
    state, port = tmp_path / "storm", free_port()
    config = write_config(office / "mailhub.toml", state, database_url, port)
    engine = make_engine(database_url)
    archive = Archive(state / "archive")
    sent = dict(report(n, tag="s") for n in range(STORM))
    daemon = new_daemon(daemons, config, port)
    answers: dict[str, int] = {}
    enough, lock = threading.Event(), threading.Lock()

    def answered(message_id: str, code: int) -> None:
        with lock:
            answers[message_id] = code
            if sum(c == 250 for c in answers.values()) >= KILL_AFTER:
                enough.set()

    sending = threading.Thread(target=storm, args=(port, [*sent.items()], answered))
    sending.start()
    assert enough.wait(120), f"only {len(answers)} answered"
    assert daemon.process is not None
    os.killpg(daemon.process.pid, signal.SIGKILL)  # every process of the service at once
    daemon.process.wait()
    gone(daemon)
    sending.join()
    accepted = {mid for mid, code in answers.items() if code == 250}
    assert KILL_AFTER <= len(accepted) < STORM, "the kill came after the storm"

    new_daemon(daemons, config, port)  # the restart files what was stored
    rows = wait_filed(engine, len(accepted))
    by_id = Counter(str(row["message_id"]) for row in rows)
    assert {mid: n for mid, n in by_id.items() if n > 1} == {}, "filed twice"
    assert accepted <= {str(row["message_id"]) for row in rows if row["state"] == "filed"}
    assert leftovers(archive) == []

    # The clients send again what was not answered 250 (as MTAs do): each once in all.
    rest = [(mid, raw) for mid, raw in sent.items() if mid not in accepted]
    answers.clear()
    storm(port, rest, answered)
    assert {mid: code for mid, code in answers.items() if code != 250} == {}
    assert len(answers) == len(rest)
    assert_filed_once(wait_filed(engine, STORM), sent, archive)
    engine.dispose()

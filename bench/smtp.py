"""SMTP benchmark: `mailhub serve` end to end (SMTP in, message filed) against a bare
aiosmtpd server that only writes each message durably.

It generates N deterministic (seeded) messages of about 20 KiB with the generator of
bench/ingest.py: school reports to the Education Office, Vietnamese UTF-8 text (base64 or
quoted-printable), a third with a pdf/xlsx/docx attachment, each from a school of
data/units.csv (kinds MN/TH/THCS) to the team of its level (the TEAM row whose `levels`
holds the school's kind), with CRLF line ends as on the wire. Generation is not timed.

Each side is a server process on 127.0.0.1 (a free port, its own temp dir), both started
first; this process is the client. In interleaved blocks (--block), it sends the block's
messages to each side over C concurrent SMTP sessions (smtplib, one thread each), every
session its share one after another (MAIL, RCPT, DATA):

  baseline  a bare aiosmtpd server (this script with --baseline-server) whose handle_DATA
            writes the message to its own file with flush + os.fsync, on the event loop's
            default executor as mailhub's door stores, and answers 250;
  mailhub   `python -m mailhub --config FILE serve` over a fresh state dir (SQLite); its
            clock runs until every message of the block has left state 'received'
            (polling the database), so the filing is counted.

Sessions are opened (EHLO said) before each block's clock starts. A message's latency runs
from its MAIL FROM to the 250 after its DATA. Afterwards every 250 must name a stored copy
of the bytes sent: a file for the baseline; for mailhub the row whose id the reply gives,
with the sha256 of those bytes, none left in 'received' or in 'error', no row without a 250.
The last line is `RESULT smtp value=<msg/s> baseline=<msg/s> ratio=<r>`. The exit status is
0 whatever the ratio (a WARNING line comes before RESULT below the target); it is 1, with
ERROR lines and no RESULT, when a run is invalid (a message refused, lost, duplicated,
altered or in 'error').

    python bench/smtp.py --count 200               # quick check
    python bench/smtp.py                           # 2,000 messages over 8 sessions
    python bench/smtp.py --count 500 --profile smtp.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType

from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope
from ingest import (
    FIRST_DAY,
    KIB,
    LAST_DAY,
    OFFICE_SENDER,
    SUBJECTS,
    Sender,
    _add_text,
    _attach,
    _fields,
    _headers,
    _serialize,
    blocks,
    load_senders,
    report_text,
    revision,
)
from sqlalchemy import Engine, func
from sqlmodel import Session as DbSession
from sqlmodel import select

from mailhub import models
from mailhub.config import Settings
from mailhub.daemon import serve
from mailhub.db import make_engine
from mailhub.hub import Hub, open_hub

ROOT = Path(__file__).resolve().parents[1]
MIN_SIZE, MAX_SIZE = 16 * KIB, 24 * KIB   # about 20 KiB
ATTACHMENT_SHARE = 1 / 3
TARGET_RATIO = 0.5
HOST = "127.0.0.1"
START_TIMEOUT = 60.0   # seconds for a server to listen
STOP_GRACE = 60.0      # seconds for a server to exit after SIGTERM
SOCKET_TIMEOUT = 60.0  # seconds the client waits for any one reply
POLL = 0.02            # seconds between looks at the database while mailhub files
CLIENT_THREAD = "smtp-client"
QUEUED_AS = re.compile(r"queued as (\S+)")

# ------------------------------------------------------------------ generation


@dataclass(frozen=True)
class Letter:
    raw: bytes          # CRLF line ends, ending in CRLF
    sender: str         # MAIL FROM, the school
    recipient: str      # RCPT TO, the team of its level
    attachments: int


def make_letter(rng: random.Random, index: int, schools: Sequence[Sender],
                teams: dict[str, Sender]) -> Letter:
    """One deterministic school report of MIN_SIZE-MAX_SIZE bytes to its team."""
    school = rng.choice(schools)
    team = teams.get(school.kind, OFFICE_SENDER)
    sent = FIRST_DAY + timedelta(seconds=rng.randrange(int((LAST_DAY - FIRST_DAY).total_seconds())))
    fields = _fields(school, sent - timedelta(days=rng.choice((0, 0, 20))))
    subject = rng.choice(SUBJECTS).format(**fields)
    msg = _headers(rng, index, school, team, sent, subject)
    target = rng.randint(MIN_SIZE, MAX_SIZE)
    attachments = 1 if rng.random() < ATTACHMENT_SHARE else 0
    text_budget = rng.randint(4 * KIB, 12 * KIB) if attachments else target
    _add_text(rng, msg, report_text(rng, school, team, subject), text_budget)
    _attach(rng, msg, attachments, target - len(_serialize(rng, msg)), fields)
    raw = _serialize(rng, msg)
    assert b"\r" not in raw
    return Letter(raw.replace(b"\n", b"\r\n"), school.address, team.address, attachments)


def generate(count: int, seed: int, registry: Path) -> list[Letter]:
    rng = random.Random(seed)
    schools, teams = load_senders(registry)
    return [make_letter(rng, index, schools, teams) for index in range(count)]


def describe(letters: Sequence[Letter]) -> str:
    sizes = [len(letter.raw) for letter in letters]
    return (f"messages: {len(letters)}, {sum(sizes) / 2**20:.1f} MiB; size KiB "
            f"min {min(sizes) / KIB:.1f} / median {statistics.median(sizes) / KIB:.1f} / "
            f"max {max(sizes) / KIB:.1f}; with an attachment "
            f"{sum(1 for letter in letters if letter.attachments)}")


# ------------------------------------------------------------------ the client


@dataclass(frozen=True)
class Delivery:
    index: int
    latency: float   # seconds from MAIL FROM to the 250 after DATA
    done: float      # perf_counter() at that 250
    reply: str


@dataclass
class Traffic:
    started: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    client_cpu: float = 0.0  # this process's CPU seconds while sending

    @property
    def last_reply(self) -> float:
        return max((d.done for d in self.deliveries), default=self.started)


def send_all(port: int, letters: Sequence[Letter], block: Sequence[int], connections: int,
             timeout: float) -> Traffic:
    """Send the letters of `block` over `connections` sessions opened before the clock starts.

    Session k sends the block's letters k, k + C, k + 2C, ... one after another; each thread
    appends to its own list, so the only shared state is the failures list (list.append is
    atomic).
    """
    sessions = max(1, min(connections, len(block)))
    shares = [block[k::sessions] for k in range(sessions)]
    barrier = threading.Barrier(sessions + 1, timeout=timeout)
    done: list[list[Delivery]] = [[] for _ in shares]
    traffic = Traffic()

    def session(k: int) -> None:
        sent = 0
        try:
            with smtplib.SMTP(HOST, port, timeout=min(timeout, SOCKET_TIMEOUT)) as client:
                client.ehlo()
                barrier.wait()
                for index in shares[k]:
                    letter = letters[index]
                    began = time.perf_counter()
                    code, text = client.mail(letter.sender)
                    if code == 250:
                        code, text = client.rcpt(letter.recipient)
                    if code == 250:
                        code, text = client.data(letter.raw)
                    finished = time.perf_counter()
                    sent += 1
                    if code != 250:
                        traffic.failures.append(f"message {index} answered {code} {text!r}")
                        client.rset()
                        continue
                    done[k].append(Delivery(index, finished - began, finished,
                                            text.decode("utf-8", "replace")))
                client.quit()
        except (OSError, smtplib.SMTPException, threading.BrokenBarrierError) as exc:
            barrier.abort()
            traffic.failures.append(f"session {k}: {type(exc).__name__}: {exc} "
                                    f"({len(shares[k]) - sent} message(s) not sent)")

    threads = [threading.Thread(target=session, args=(k,), name=f"{CLIENT_THREAD}-{k}",
                                daemon=True) for k in range(sessions)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    traffic.started = time.perf_counter()
    cpu = process_cpu()
    deadline = traffic.started + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
        if thread.is_alive():
            traffic.failures.append(f"{thread.name} still sending after {timeout:.0f} s")
    traffic.client_cpu = process_cpu() - cpu
    traffic.deliveries = sorted((d for share in done for d in share), key=lambda d: d.index)
    return traffic


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ the servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, alive: Callable[[], bool], what: str) -> None:
    """Until the port greets with 220 while the process runs (not someone else's socket)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not alive():
            raise SystemExit(f"{what} exited before listening")
        try:
            with smtplib.SMTP(HOST, port, timeout=5) as probe:
                probe.noop()
            if alive():
                return
        except (OSError, smtplib.SMTPException):
            time.sleep(0.05)
    raise SystemExit(f"{what} did not listen on {HOST}:{port} within {START_TIMEOUT:.0f} s")


@dataclass
class ServerRun:
    name: str
    cpu: float | None = 0.0    # the server process's user + system seconds while timed
    exit_status: int | None = None
    log: Path | None = None
    in_process: bool = False   # --profile: mailhub runs in the client's process


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process and its live descendants (mailhub's filing
    workers), all threads (Linux /proc; else None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]
    except (OSError, IndexError, ValueError):
        return None
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for child in children:
        total += cpu_seconds(child) or 0.0  # a child that just ended has no /proc entry
    return total


@contextmanager
def server_process(run: ServerRun, argv: list[str], port: int,
                   log: Path) -> Iterator[Callable[[], float | None]]:
    """A server process with its output in `log`, listening; SIGTERM (then SIGKILL) at the
    end. Yields a reader of its CPU seconds so far."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILHUB_")}
    run.log = log
    with log.open("wb") as output:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        wait_listening(port, lambda: process.poll() is None, f"the {run.name} server")
        yield lambda: cpu_seconds(process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        run.exit_status = process.returncode


def add_cpu(run: ServerRun, before: float | None, after: float | None) -> None:
    if run.cpu is None or before is None or after is None:
        run.cpu = None
    else:
        run.cpu += after - before


# The baseline server: this script with --baseline-server FOLDER --port PORT.


class FsyncHandler:
    """aiosmtpd handler: each message to its own file, flushed and fsync'd, then 250."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.count = folder, 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        self.count += 1
        name = f"{self.count:06d}"
        raw = envelope.original_content or b""
        await asyncio.get_running_loop().run_in_executor(None, self.write, name, raw)
        return f"250 2.0.0 OK: queued as {name}"

    def write(self, name: str, raw: bytes) -> None:
        with open(self.folder / f"{name}.eml", "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())


async def baseline_server(folder: Path, port: int) -> None:
    """Serve until SIGTERM or SIGINT, with the SMTP options mailhub's door uses."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    handler = FsyncHandler(folder)
    defaults = Settings.model_validate({}).smtp
    server = await loop.create_server(
        lambda: SMTP(handler, data_size_limit=defaults.max_message_size, enable_SMTPUTF8=True,
                     timeout=defaults.timeout, loop=loop),
        host=HOST, port=port)
    await stop.wait()
    server.close()
    await server.wait_closed()


# mailhub's event loop in this process (--profile), as tests/test_smtp.py's Running, with a
# cProfile in every thread it starts.

# Where the loop and the executors' threads wait for work (not for a lock: that is busy).
IDLE = ("<method 'poll' of 'select.epoll' objects>",
        "<method 'get' of '_queue.SimpleQueue' objects>")


class ProfiledServer:
    def __init__(self, hub: Hub) -> None:
        self.profiles: list[tuple[str, cProfile.Profile]] = []
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        ready = threading.Event()

        async def main() -> None:
            started = asyncio.Event()
            task = asyncio.ensure_future(serve(hub, self.stop, started))
            await started.wait()
            ready.set()
            await task
            await self.loop.shutdown_default_executor()

        threading.setprofile(self._first_event)  # every thread started from now on
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(main(),),
                                       name="event-loop")
        self.thread.start()
        if not ready.wait(START_TIMEOUT):
            self.close()
            raise SystemExit("the in-process mailhub server did not start")

    def _first_event(self, frame: FrameType, event: str, arg: object) -> None:
        """A new thread's first event: a cProfile of its own, unless it is a client's."""
        name = threading.current_thread().name
        if name.startswith(CLIENT_THREAD):
            sys.setprofile(None)
            return
        profile = cProfile.Profile()
        self.profiles.append((name, profile))
        profile.enable()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(STOP_GRACE)
        threading.setprofile(None)
        if not self.thread.is_alive():
            self.loop.close()

    def report(self, path: Path, top: int = 15) -> None:
        """Busy time per kind of thread (idle waits left out), the top hotspots of each by
        own time, and the top mailhub functions by cumulative time over them all."""
        groups: dict[str, tuple[int, pstats.Stats]] = {}
        for name, profile in self.profiles:
            group = re.sub(r"[_\d]+$", "", name)  # asyncio_3 -> asyncio
            stats = pstats.Stats(profile)
            if group in groups:
                count, merged = groups[group]
                groups[group] = count + 1, merged.add(stats)
            else:
                groups[group] = 1, stats
        total: pstats.Stats | None = None
        print("profile of the in-process mailhub server by kind of thread (busy = profiled "
              "time less waits for work in epoll/queue); the intake and the filing workers "
              "are processes of their own, not profiled here (a run without --profile counts "
              "their CPU):")
        for group, (count, stats) in groups.items():
            table = stats.stats  # type: ignore[attr-defined]
            idle = sum(table.pop(key)[2] for key in [k for k in table if k[2] in IDLE])
            busy = sum(stat[2] for stat in table.values())
            if busy < 0.01:
                continue
            print(f"== {group} ({count} thread{'s' if count > 1 else ''}): busy {busy:.2f} s, "
                  f"idle {idle:.2f} s; top {top // 2} by own time")
            stats.stream = sys.stdout  # type: ignore[attr-defined]
            stats.sort_stats("tottime").print_stats(top // 2)
            total = stats if total is None else total.add(stats)
        if total is None:
            return
        total.dump_stats(path)
        print(f"merged profile written to {path}; top {top} mailhub functions by cumulative "
              "time, all threads:")
        total.sort_stats("cumulative").print_stats(
            re.escape(str(Path(models.__file__).parent)), top)


# ------------------------------------------------------------------ the two runs


@dataclass
class Side:
    """One server's measurement, summed over the blocks."""

    name: str
    server: ServerRun
    seconds: float = 0.0     # clock start to the last 250 (mailhub: to no row 'received')
    accepting: float = 0.0   # clock start to the last 250
    client_cpu: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, traffic: Traffic, finished: float) -> None:
        self.seconds += finished - traffic.started
        self.accepting += traffic.last_reply - traffic.started
        self.client_cpu += traffic.client_cpu
        self.deliveries += traffic.deliveries
        self.failures += traffic.failures

    @property
    def rate(self) -> float:
        return len(self.deliveries) / self.seconds if self.seconds > 0 else 0.0

    def latency_ms(self, percentile: int) -> float:
        latencies = [d.latency for d in self.deliveries]
        if len(latencies) < 2:
            return 1000 * latencies[0] if latencies else 0.0
        return 1000 * statistics.quantiles(latencies, n=100, method="inclusive")[percentile - 1]


CpuReader = Callable[[], float | None]


@contextmanager
def baseline_up(folder: Path, work: Path, run: ServerRun) -> Iterator[tuple[int, CpuReader]]:
    port = free_port()
    argv = [sys.executable, str(Path(__file__).resolve()), "--baseline-server", str(folder),
            "--port", str(port)]
    with server_process(run, argv, port, work / "baseline.log") as cpu:
        yield port, cpu


def bench_settings(state_dir: Path, port: int, database_url: str = "") -> Settings:
    # model_validate == Settings(...): mypy misses defaults given to Field() positionally.
    return Settings.model_validate({
        "state_dir": state_dir, "database_url": database_url,
        "registry": ROOT / "data" / "units.csv", "rules_dir": ROOT / "rules",
        "smtp": {"listen": f"{HOST}:{port}"}, "web": {"listen": ""}})  # no console


def write_config(settings: Settings, path: Path) -> None:
    """The settings as a mailhub.toml (JSON strings are TOML basic strings)."""
    lines = [f"{name} = {json.dumps(str(getattr(settings, name)))}"
             for name in ("state_dir", "database_url", "registry", "rules_dir")]
    lines += ["[smtp]", f"listen = {json.dumps(settings.smtp.listen)}",
              "[web]", f"listen = {json.dumps(settings.web.listen)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextmanager
def mailhub_up(work: Path, run: ServerRun, profile: Path | None,
               database_url: str = "") -> Iterator[tuple[int, Engine, CpuReader]]:
    """`mailhub serve` over a fresh state dir (and `database_url`, else SQLite there), and
    an engine on its database; with `profile`, in this process under cProfile (the report
    is printed when it stops)."""
    port = free_port()
    settings = bench_settings(work / "state", port, database_url)
    if profile is None:
        config = work / "mailhub.toml"
        write_config(settings, config)
        argv = [sys.executable, "-m", "mailhub", "--config", str(config), "serve"]
        with server_process(run, argv, port, work / "mailhub.log") as cpu:
            engine = make_engine(settings.database)
            try:
                yield port, engine, cpu
            finally:
                engine.dispose()
        return
    run.in_process = True
    hub = open_hub(settings)
    try:
        profiled = ProfiledServer(hub)
        try:
            yield port, hub.engine, lambda: None
        finally:
            profiled.close()
    finally:
        hub.engine.dispose()
    profiled.report(profile)


def run(letters: Sequence[Letter], work: Path, args: argparse.Namespace) -> tuple[Side, Side]:
    """Both servers up, then block by block: the baseline, then mailhub until filed."""
    base, mine = Side("baseline", ServerRun("baseline")), Side("mailhub", ServerRun("mailhub"))
    folder = work / "baseline"
    folder.mkdir()
    with baseline_up(folder, work, base.server) as (base_port, base_cpu), \
            mailhub_up(work, mine.server, args.profile) as (port, engine, cpu):
        for start, end in blocks(len(letters), args.block):
            block = range(start, end)
            before = base_cpu()
            traffic = send_all(base_port, letters, block, args.connections, args.timeout)
            add_cpu(base.server, before, base_cpu())
            base.add(traffic, traffic.last_reply)
            before = cpu()
            traffic = send_all(port, letters, block, args.connections, args.timeout)
            finished, mine.states = wait_filed(engine, traffic.started + args.timeout)
            add_cpu(mine.server, before, cpu())
            mine.add(traffic, finished)
            if base.failures or mine.failures or mine.states.get("received"):
                break  # invalid already: stop sending
        base.problems = base.failures + verify_files(folder, letters, base.deliveries)
        mine.problems = mine.failures + verify_rows(engine, letters, mine.deliveries,
                                                    mine.states)
    return base, mine


def message_states(engine: Engine) -> dict[str, int]:
    with DbSession(engine) as session:
        rows = session.exec(select(models.Message.state, func.count())
                            .group_by(models.Message.state)).all()
    return {state: count for state, count in rows}


def wait_filed(engine: Engine, deadline: float) -> tuple[float, dict[str, int]]:
    """When no row is left in 'received' (or the deadline passed), and the states then.
    Every 250 follows its row's commit, so no row appears once the last 250 is in."""
    while True:
        states = message_states(engine)
        now = time.perf_counter()
        if not states.get("received") or now > deadline:
            return now, states
        time.sleep(POLL)


# ------------------------------------------------------------------ verification


def replies(deliveries: Sequence[Delivery]) -> tuple[dict[str, int], list[str]]:
    """The name each 250 gave its message (file or row id) -> the message's index."""
    named: dict[str, int] = {}
    problems = []
    for delivery in deliveries:
        match = QUEUED_AS.search(delivery.reply)
        if match is None:
            problems.append(f"message {delivery.index}: no 'queued as' in {delivery.reply!r}")
        elif match[1] in named:
            problems.append(f"messages {named[match[1]]} and {delivery.index} both "
                            f"queued as {match[1]}")
        else:
            named[match[1]] = delivery.index
    return named, problems


def verify_files(folder: Path, letters: Sequence[Letter],
                 deliveries: Sequence[Delivery]) -> list[str]:
    named, problems = replies(deliveries)
    for name, index in named.items():
        path = folder / f"{name}.eml"
        if not path.is_file():
            problems.append(f"message {index}: its file {path.name} is missing")
        elif path.read_bytes() != letters[index].raw:
            problems.append(f"message {index}: {path.name} holds other bytes")
    extra = len(list(folder.glob("*.eml"))) - len(named)
    if extra > 0:
        problems.append(f"{extra} file(s) more than 250 replies")
    return problems


def verify_rows(engine: Engine, letters: Sequence[Letter], deliveries: Sequence[Delivery],
                states: dict[str, int]) -> list[str]:
    named, problems = replies(deliveries)
    with DbSession(engine) as session:
        rows = {id_: sha256 for id_, sha256 in
                session.exec(select(models.Message.id, models.Message.sha256)).all()
                if id_ is not None}
    for name, index in named.items():
        sha256 = rows.pop(int(name), None) if name.isdigit() else None
        if sha256 is None:
            problems.append(f"message {index}: no row {name} (lost)")
        elif sha256 != hashlib.sha256(letters[index].raw).hexdigest():
            problems.append(f"message {index}: row {name} holds other bytes")
    if rows:
        problems.append(f"{len(rows)} row(s) without a 250 (duplicated?): "
                        f"{sorted(rows)[:10]}")
    for state in ("received", "error", "duplicate"):
        if states.get(state):
            problems.append(f"{states[state]} message(s) in state '{state}'"
                            + (" when the time ran out" if state == "received" else ""))
    return problems


# ------------------------------------------------------------------ reporting


def summary(side: Side, letters: Sequence[Letter]) -> str:
    count = len(side.deliveries)
    mib = sum(len(letters[d.index].raw) for d in side.deliveries) / 2**20
    line = (f"{side.name:9s} {side.rate:8.1f} msg/s {mib / side.seconds:6.1f} MiB/s  "
            f"latency p50 {side.latency_ms(50):6.1f} ms  p99 {side.latency_ms(99):6.1f} ms  "
            f"({side.seconds:.1f} s")
    if side.name == "mailhub":
        line += (f": to the last 250 {side.accepting:.1f} s = "
                 f"{count / side.accepting if side.accepting else 0:.1f} msg/s, "
                 f"then filing {side.seconds - side.accepting:.1f} s more")
    per_message = 1000 / max(1, count)
    if side.server.cpu is not None:
        line += (f"; CPU server {side.server.cpu:.1f} s = {side.server.cpu * per_message:.1f} "
                 "ms/msg")
    client = "client + in-process server" if side.server.in_process else "client"
    line += f"; CPU {client} {side.client_cpu:.1f} s = {side.client_cpu * per_message:.1f} ms/msg"
    return line + ")"


def log_errors(log: Path | None) -> int:
    if log is None or not log.is_file():
        return 0
    text = log.read_text(encoding="utf-8", errors="replace")
    return sum(1 for line in text.splitlines() if " ERROR " in line or "Traceback" in line)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--count", type=int, default=2_000, help="messages (default 2000)")
    parser.add_argument("--connections", type=int, default=8,
                        help="concurrent SMTP sessions (default 8)")
    parser.add_argument("--seed", type=int, default=20261125, help="generator seed")
    parser.add_argument("--block", type=int, default=500,
                        help="interleave baseline and mailhub in blocks of this many messages "
                        "(mailhub's block timed until filed); 0 = one block (default 500)")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for both servers' temp dirs (default: the system temp dir)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds each side may take to send (and file) everything "
                        "(default 600); a reply may take at most 60")
    parser.add_argument("--profile", type=Path, default=None,
                        help="run the mailhub server in this process with a cProfile per "
                        "thread, write the merged profile here and print the hotspots "
                        "(its rate is then slower and shares the client's process)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs")
    parser.add_argument("--baseline-server", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.count < 1 or args.connections < 1 or args.block < 0:
        parser.error("--count and --connections must be at least 1, --block at least 0")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline_server is not None:
        asyncio.run(baseline_server(args.baseline_server, args.port))
        return 0
    began = time.perf_counter()
    letters = generate(args.count, args.seed, ROOT / "data" / "units.csv")
    print(f"generated in {time.perf_counter() - began:.1f} s (not timed); {describe(letters)}",
          flush=True)
    with temp_work("smtp", args.tmp, args.keep) as work:
        base, mine = run(letters, work, args)
        errors_logged = log_errors(mine.server.log)
    print(f"mailhub {revision()}, python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"temp dir {work.parent}, SQLite (WAL) in the temp state dir, "
          f"{args.connections} SMTP sessions, block {args.block or 'all'}"
          + (", mailhub in-process under cProfile" if args.profile else ""))
    for side in (base, mine):
        print(summary(side, letters))
    print("mailhub states: " + ", ".join(f"{k} {v}" for k, v in sorted(mine.states.items())))
    if errors_logged:
        print(f"mailhub's log has {errors_logged} ERROR/Traceback line(s)")
    problems = [f"{side.name}: {problem}" for side in (base, mine) for problem in side.problems]
    problems += [f"{side.name}: the server exited with status {side.server.exit_status}"
                 for side in (base, mine) if side.server.exit_status not in (None, 0)]
    return result("smtp", problems, mine.rate, base.rate, TARGET_RATIO)


@contextmanager
def temp_work(name: str, tmp: Path | None, keep: bool) -> Iterator[Path]:
    """A fresh temp dir under `tmp` for a benchmark's servers; removed at the end, or
    kept (and said so) with --keep."""
    work = Path(tempfile.mkdtemp(prefix=f"mailhub-bench-{name}-", dir=tmp))
    try:
        yield work
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def wait_timed(process: subprocess.Popen[bytes], began: float, timeout: float,
               problems: list[str], what: str) -> tuple[float, float, int]:
    """Wait for a command started in a session of its own (so it can be stopped with its
    children): (seconds since `began`, CPU seconds of it and the children it reaped, exit
    status). Past `timeout` it is killed and a problem noted; Ctrl-C kills it too."""
    def expire() -> None:
        problems.append(f"{what} still running after {timeout:.0f} s; killed")
        os.killpg(process.pid, signal.SIGKILL)

    watchdog = threading.Timer(timeout, expire)
    watchdog.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except BaseException:  # Ctrl-C: its own session does not get the terminal's SIGINT
        os.killpg(process.pid, signal.SIGKILL)
        os.waitpid(process.pid, 0)
        process.returncode = -signal.SIGKILL
        raise
    finally:
        seconds = time.perf_counter() - began
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return seconds, usage.ru_utime + usage.ru_stime, process.returncode


def result(name: str, problems: Sequence[str], value: float, baseline: float, target: float,
           warnings: Sequence[str] = (), lower_is_better: bool = False) -> int:
    """ERROR lines and status 1 for an invalid run; else WARNING lines and the RESULT line.
    The ratio is value/baseline, or baseline/value for times (`lower_is_better`)."""
    if problems:
        for problem in problems[:20]:
            print(f"ERROR: {problem}; the measurement is invalid")
        if len(problems) > 20:
            print(f"ERROR: ... and {len(problems) - 20} more")
        return 1
    ratio = baseline / value if lower_is_better else value / baseline
    if ratio < target:
        print(f"WARNING: ratio {ratio:.2f} is below the target {target}")
    for warning in warnings:
        print(f"WARNING: {warning}")
    print(f"RESULT {name} value={value:.1f} baseline={baseline:.1f} ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

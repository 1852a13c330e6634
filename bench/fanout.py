"""Fan-out benchmark: one directive (công văn) with a 200 KiB attachment to every school,
`mailhub outbox run --once` against a plain aiosmtplib loop sending the same copies.

It generates, deterministically (--seed), in a temp dir: a registry CSV with the header,
PGD and TEAM rows of data/units.csv and N schools of kinds MN/TH/THCS with distinct
addresses on hanoiedu.vn; a rules dir copied from rules/ whose lists.toml lets PGD-HM send
to the built-in list `tat-ca-truong` (every school of the registry); a mailhub.toml (SQLite
in the temp state dir, [relay] on 127.0.0.1 with --connections connections); and the
directive: an e-mail from the office with a Vietnamese subject carrying the official number
3851/KH-PGDĐT, a short Vietnamese body and a pseudo-random PDF-like attachment of
--attachment-kib KiB in base64 (about 1.37 times that on the wire). Generation is not timed.

Each side sends through its own recording relay: this script with --relay-server, an
aiosmtpd server on 127.0.0.1 (a fresh process per side, so the counts are per side) that
accepts every message and keeps, per message, the envelope, the header block and which
distinct body it carried (one sample of each distinct body is written to a file); on
SIGTERM it writes that tally as JSON and exits. Its DATA phase reads up to the final
<CRLF>.<CRLF> in large chunks instead of aiosmtpd's line-by-line loop: that loop costs
about 7 ms of relay CPU for a 276 KiB message (3,600 lines of base64), against about 1.3 ms,
and held both sides near 80 msg/s on 2 CPUs, measuring the relay rather than the sender
(--stock-relay keeps aiosmtpd's own loop, to see that).

  baseline  in this process: the same N copies composed up front (each the directive with
            its own To: naming the school), sent over --connections aiosmtplib.SMTP
            connections (opened and EHLO said before the clock starts), N asyncio tasks
            taking the next copy from one queue and calling sendmail one at a time; timed
            from the first send to the last reply;
  mailhub   `python -m mailhub --config FILE broadcast --list tat-ca-truong --json FILE`
            first (not timed: it archives the directive and queues N outbox rows; its time
            is printed), then `python -m mailhub --config FILE outbox run --once` timed as
            a subprocess from start to exit, so start-up (settings, registry, rules, lists,
            database) counts. The relay's first MAIL FROM and last reply give the time
            without start-up and exit, printed as information.

Afterwards every school must have got exactly one copy on each side, with the attachment
unchanged (the sha256 of the decoded attachment of every distinct body). The baseline's
copies must carry the headers sent; mailhub's must each have To: its own school,
X-Mailhub-Directive (the directive's id), List-Id naming tat-ca-truong, a Message-ID of its
own, References to the directive's Message-ID, and MAIL FROM the VERP return path
bounce+<outbox id>-<token>@<hub_domain> of the school's outbox row; the database must hold
N outbox rows kind 'directive' in state 'sent' and nothing else.

The last line is `RESULT fanout value=<msg/s> baseline=<msg/s> ratio=<r>`. The exit status
is 0 whatever the figures (WARNING lines come before RESULT below the targets: ratio 0.7,
3,000 copies in under 5 s); it is 1, with ERROR lines and no RESULT, when a run is invalid
(a copy missing, duplicated, altered, refused, or mailhub failing).

    python bench/fanout.py --count 300               # quick check
    python bench/fanout.py                           # 3,000 schools over 4 connections
    python bench/fanout.py --count 1000 --profile fanout.prof
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import email.policy
import hashlib
import json
import os
import platform
import pstats
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.smtp import SMTP, Session, syntax
from aiosmtpd.smtp import Envelope as SmtpEnvelope
from ingest import KIB, VN, _ascii, revision
from smtp import (
    HOST,
    ServerRun,
    free_port,
    process_cpu,
    result,
    server_process,
    wait_timed,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.7
TARGET_COUNT, TARGET_SECONDS = 3_000, 5.0   # the issue: 3,000 copies in under 5 s
LIST = "tat-ca-truong"
HUB_DOMAIN = "hub.pgdhm.hanoiedu.vn"
DOMAIN = "hanoiedu.vn"                      # the official domain of the schools
OFFICE_CODE = "PGD-HM"
NUMBER = "3851/KH-PGDĐT"
DIRECTIVE_ID = "<kh3851.pgdhm.20261118@hanoiedu.vn>"
SENT = datetime(2026, 11, 18, 8, 30, tzinfo=VN)
DATA_SIZE_LIMIT = 64 * 2**20               # the relay's SIZE
RELAY_BUFFER = 2**20                       # the relay's stream buffer limit (DATA chunks)
SOCKET_TIMEOUT = 60                        # seconds for any one SMTP reply
VERP = re.compile(r"^bounce\+(\d+)-([0-9a-f]+)@" + re.escape(HUB_DOMAIN) + r"$")

LEVELS = {"MN": ("Trường Mầm non", "mn"), "TH": ("Trường Tiểu học", "c1"),
          "THCS": ("Trường THCS", "c2")}
ROOTS = ("Hoa Sen", "Họa Mi", "Sơn Ca", "Ánh Dương", "Bình Minh", "Hoa Mai", "Tuổi Thơ",
         "Chu Văn An", "Lê Quý Đôn", "Nguyễn Du", "Lý Thường Kiệt", "Ngô Quyền", "Quang Trung",
         "Kim Đồng", "Võ Thị Sáu", "Đoàn Thị Điểm", "Nguyễn Trãi", "Hoàng Hoa Thám",
         "Phan Chu Trinh", "Lương Thế Vinh", "Tô Hiến Thành", "Mạc Đĩnh Chi", "Ban Mai",
         "Hướng Dương", "Thăng Long", "Đông Đô", "Sao Mai", "Măng Non", "Hoa Hồng", "Vàng Anh",
         "Trưng Vương", "Lê Lợi", "Hai Bà Trưng", "Nguyễn Bỉnh Khiêm", "Tân Định", "Yên Sở")
SUBJECT = (f"Kế hoạch số {NUMBER} tổ chức Hội khỏe Phù Đổng cấp trường và triển khai "
           "công tác giáo dục thể chất năm học 2026-2027")
BODY = f"""Kính gửi: Hiệu trưởng các trường Mầm non, Tiểu học, THCS trên địa bàn quận.

Thực hiện Kế hoạch năm học 2026-2027 của Sở Giáo dục và Đào tạo Hà Nội, Phòng Giáo dục
và Đào tạo quận Hoàng Mai gửi kèm Kế hoạch số {NUMBER} về việc tổ chức Hội khỏe Phù Đổng
cấp trường và triển khai công tác giáo dục thể chất năm học 2026-2027.

Đề nghị Hiệu trưởng các trường nghiên cứu, xây dựng kế hoạch của đơn vị, tổ chức thực
hiện và báo cáo kết quả về Phòng (qua Tổ chuyên môn phụ trách cấp học) trước ngày
15/12/2026. Khi nhận được văn bản, đề nghị nhà trường trả lời thư này để xác nhận.

Trân trọng./.

KT. TRƯỞNG PHÒNG
PHÓ TRƯỞNG PHÒNG
Nguyễn Thị Hà
"""
ATTACHMENT_NAME = "Kế hoạch 3851-KH-PGDĐT Hội khỏe Phù Đổng.pdf"


# ------------------------------------------------------------------ generation


@dataclass(frozen=True)
class School:
    code: str
    name: str
    kind: str
    email: str
    ward: str


@dataclass(frozen=True)
class Copy:
    """One baseline copy: the envelope and the bytes, composed before the clock starts."""

    sender: str
    recipient: str
    raw: bytes


@dataclass(frozen=True)
class Directive:
    raw: bytes          # as queued by `mailhub broadcast`: To: the list, then the rest
    rest: bytes         # the directive without its To: header (every copy's tail)
    body: bytes         # after the blank line that ends the headers
    attachment_sha256: str


def make_registry(path: Path, count: int, seed: int) -> list[School]:
    """The header, PGD and TEAM rows of data/units.csv, then `count` generated schools."""
    with (ROOT / "data" / "units.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, units = rows[0], rows[1:]
    kind_at, ward_at = header.index("kind"), header.index("ward")
    kept = [row for row in units if row[kind_at] in ("PGD", "TEAM")]
    wards = sorted({row[ward_at] for row in units if row[ward_at]})
    rng = random.Random(seed)
    campuses: Counter[tuple[str, str]] = Counter()
    schools = []
    for _ in range(count):
        kind = rng.choice(tuple(LEVELS))
        root = rng.choice(ROOTS)
        campuses[kind, root] += 1
        serial = campuses[kind, root]
        title, prefix = LEVELS[kind]
        ascii_root = _ascii(root)
        suffix = str(serial) if serial > 1 else ""
        schools.append(School(
            code=f"{kind}-{ascii_root.upper()}{suffix}",
            name=f"{title} {root}" + (f" cơ sở {serial}" if serial > 1 else ""),
            kind=kind, email=f"{prefix}{ascii_root.lower()}{suffix}-hm@{DOMAIN}",
            ward=rng.choice(wards)))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(kept)
        for school in schools:
            row = dict.fromkeys(header, "")
            row.update(code=school.code, name=school.name, kind=school.kind,
                       email=school.email, ward=school.ward)
            writer.writerow([row[name] for name in header])
    return schools


def make_rules(folder: Path) -> None:
    """rules/ as it is, with a lists.toml letting the office send to every school."""
    shutil.copytree(ROOT / "rules", folder)
    (folder / "lists.toml").write_text(
        f"# bench/fanout.py: the office may send to every school\n"
        f"[lists.{LIST}]\nsenders = [{json.dumps(OFFICE_CODE)}]\n", encoding="utf-8")


def write_config(work: Path, relay_port: int, connections: int) -> Path:
    values = {"state_dir": str(work / "state"), "registry": str(work / "units.csv"),
              "rules_dir": str(work / "rules"), "hub_domain": HUB_DOMAIN}
    relay = {"host": HOST, "port": relay_port, "connections": connections,
             "timeout": SOCKET_TIMEOUT}
    lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    lines += ["", "[relay]"] + [f"{key} = {json.dumps(value)}" for key, value in relay.items()]
    config = work / "mailhub.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def to_header(name: str, address: str) -> bytes:
    """A To: header as the email package writes it (CRLF, folded, encoded words)."""
    user, _, domain = address.partition("@")
    head = EmailMessage(policy=email.policy.SMTP)
    head["To"] = Address(name, user, domain)
    return head.as_bytes()[:-2]  # without the blank line that ends the headers


def make_directive(seed: int, kib: int) -> Directive:
    rng = random.Random(seed + 1)
    start, end = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
    attachment = start + rng.randbytes(max(0, kib * KIB - len(start) - len(end))) + end
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = Address("Phòng Giáo dục và Đào tạo quận Hoàng Mai", "pgd-hoangmai", DOMAIN)
    msg["Subject"] = SUBJECT
    msg["Date"] = SENT
    msg["Message-ID"] = DIRECTIVE_ID
    msg.set_content(BODY)
    msg.add_attachment(attachment, maintype="application", subtype="pdf",
                       filename=ATTACHMENT_NAME)
    msg.set_boundary(f"=_mailhub-bench-fanout-{seed}")  # else a random one: not reproducible
    rest = msg.as_bytes()
    head_end = rest.index(b"\r\n\r\n")
    return Directive(raw=to_header("Tất cả các trường", f"{LIST}@{HUB_DOMAIN}") + rest,
                     rest=rest, body=rest[head_end + 4:],
                     attachment_sha256=hashlib.sha256(attachment).hexdigest())


def make_copies(schools: Sequence[School], directive: Directive, seed: int) -> list[Copy]:
    """The baseline's copies: To: the school, then the directive; a VERP-shaped sender."""
    rng = random.Random(seed + 2)
    return [Copy(f"bounce+{index + 1}-{rng.getrandbits(32):08x}@{HUB_DOMAIN}", school.email,
                 to_header(school.name, school.email) + directive.rest)
            for index, school in enumerate(schools)]


# ------------------------------------------------------------------ the recording relay
# This script with --relay-server PORT --relay-dir DIR: serves until SIGTERM, then writes
# DIR/tally.json (and DIR/body-<k>.eml, one message for each distinct body, as it comes).


class Recorder:
    """aiosmtpd handler: accepts everything and remembers what it would need to check."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.messages: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []
        self.peers: set[str] = set()
        self.bytes = 0
        self.first_mail = self.last_reply = 0.0

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: SmtpEnvelope,
                          address: str, mail_options: list[str]) -> str:
        if not self.first_mail:
            self.first_mail = time.time()
        self.peers.add(str(session.peer))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content or b""
        end = raw.find(b"\r\n\r\n")
        head, body = (raw[:end + 2], raw[end + 4:]) if end >= 0 else (raw, b"")
        # Usually one distinct body: a memcmp per message.
        index = next((k for k, known in enumerate(self.bodies) if body == known), -1)
        if index < 0:
            index = len(self.bodies)
            self.bodies.append(body)
            (self.folder / f"body-{index}.eml").write_bytes(raw)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "head": head.decode("latin-1"), "body": index,
                              "size": len(raw)})
        self.bytes += len(raw)
        self.last_reply = time.time()  # the reply follows at once
        return f"250 2.0.0 OK: queued as {len(self.messages)}"

    def tally(self) -> dict[str, Any]:
        recipients = Counter(to for message in self.messages for to in message["to"])
        return {"total": len(self.messages), "bytes": self.bytes,
                "recipients": dict(recipients), "bodies": len(self.bodies),
                "connections": len(self.peers), "first_mail": self.first_mail,
                "last_reply": self.last_reply, "messages": self.messages}


class ChunkedSMTP(SMTP):
    """aiosmtpd's SMTP with a DATA phase read up to <CRLF>.<CRLF> in large chunks rather
    than a line at a time (its stream buffer limit is RELAY_BUFFER instead of a line's
    1001 bytes). It assumes what both sides send: a message of at least one line."""

    line_length_limit = RELAY_BUFFER  # the StreamReader's limit: see smtp_DATA

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        parts = []
        while True:
            try:
                parts.append(await self._reader.readuntil(b"\r\n.\r\n"))
                break
            except asyncio.LimitOverrunError as exc:  # longer than the buffer: go on
                parts.append(await self._reader.readexactly(exc.consumed))
        data = b"".join(parts)[:-3]  # the CRLF before the dot ends the last line
        if data.startswith(b"."):
            data = data[1:]
        content = data.replace(b"\r\n.", b"\r\n")  # RFC 5321 4.5.2: remove dot-stuffing
        if self.data_size_limit and len(content) > self.data_size_limit:
            self._set_post_data_state()
            await self.push("552 Error: Too much mail data")
            return
        self.envelope.original_content = content
        self.envelope.content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push(status)


async def relay_server(port: int, folder: Path, stock: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    recorder = Recorder(folder)
    kind = SMTP if stock else ChunkedSMTP
    server = await loop.create_server(
        lambda: kind(recorder, data_size_limit=DATA_SIZE_LIMIT, enable_SMTPUTF8=True,
                     timeout=300, loop=loop),
        host=HOST, port=port)
    await stop.wait()
    server.close()
    partial = folder / "tally.json.part"
    partial.write_text(json.dumps(recorder.tally()), encoding="utf-8")
    partial.replace(folder / "tally.json")


@dataclass
class Relay:
    """One side's relay process: its tally once stopped, its CPU while timed."""

    folder: Path
    run: ServerRun = field(default_factory=lambda: ServerRun("relay"))
    cpu: float | None = None
    tally: dict[str, Any] = field(default_factory=dict)

    def samples(self) -> list[bytes]:
        return [(self.folder / f"body-{k}.eml").read_bytes()
                for k in range(int(self.tally.get("bodies", 0)))]


def relay_argv(port: int, folder: Path, stock: bool) -> list[str]:
    return ([sys.executable, str(Path(__file__).resolve()), "--relay-server", str(port),
             "--relay-dir", str(folder)] + (["--stock-relay"] if stock else []))


def read_tally(relay: Relay, problems: list[str]) -> None:
    path = relay.folder / "tally.json"
    if not path.is_file():
        problems.append(f"the relay wrote no tally (exit status {relay.run.exit_status}; "
                        f"see {relay.run.log})")
        return
    relay.tally = json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the two sides


@dataclass
class Side:
    name: str
    relay: Relay
    seconds: float = 0.0         # baseline: first send to last reply; mailhub: start to exit
    messages: int = 0
    cpu: float | None = None     # the sending process(es)
    began: float = 0.0           # time.time() when the clock started (mailhub: the spawn)
    ended: float = 0.0
    output: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


async def send_copies(port: int, copies: Sequence[Copy], connections: int, side: Side) -> None:
    """The baseline: `connections` aiosmtplib connections, each sending the next copy of a
    shared queue, one at a time. Connections are opened and EHLO said before the clock."""
    clients = []
    for _ in range(max(1, min(connections, len(copies)))):
        client = aiosmtplib.SMTP(hostname=HOST, port=port, timeout=SOCKET_TIMEOUT,
                                 start_tls=False)
        await client.connect()
        await client.ehlo()
        clients.append(client)
    queue: asyncio.Queue[Copy] = asyncio.Queue()
    for item in copies:
        queue.put_nowait(item)

    async def worker(client: aiosmtplib.SMTP) -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                await client.sendmail(item.sender, [item.recipient], item.raw)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                side.problems.append(f"to {item.recipient}: {type(exc).__name__}: {exc}")
                return

    cpu = process_cpu()
    side.began, began = time.time(), time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    side.seconds = time.perf_counter() - began
    side.ended = time.time()
    side.cpu = process_cpu() - cpu
    for client in clients:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


def mailhub_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILHUB_")}
    env["COLUMNS"] = "1000"  # rich wraps at 80 columns when not on a terminal
    return env


def mailhub_broadcast(config: Path, directive: Path, count: int) -> tuple[dict[str, Any], float,
                                                                          list[str]]:
    """`mailhub broadcast --json`: its answer, its seconds, and what went wrong."""
    argv = [sys.executable, "-m", "mailhub", "--config", str(config), "broadcast",
            "--list", LIST, "--json", str(directive)]
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=mailhub_env(), cwd=ROOT)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        return {}, seconds, [f"mailhub broadcast exited with status {done.returncode}:\n"
                             f"{done.stdout}{done.stderr}"]
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {}, seconds, [f"mailhub broadcast said no JSON: {done.stdout!r}"]
    problems = []
    if answer.get("recipients") != count or answer.get("known"):
        problems.append(f"mailhub broadcast queued {answer.get('recipients')} copies "
                        f"(known: {answer.get('known')}), not {count}")
    if answer.get("number") != NUMBER:
        problems.append(f"mailhub broadcast read the number {answer.get('number')!r}, "
                        f"not {NUMBER!r}")
    return answer, seconds, problems


def mailhub_outbox(config: Path, timeout: float, log: Path, side: Side,
                   profile: Path | None) -> int:
    """`mailhub outbox run --once`, start to exit; its CPU (os.wait4: the process and the
    children it reaped). Returns its exit status."""
    profiler = ["-m", "cProfile", "-o", str(profile.resolve())] if profile else []
    argv = [sys.executable, *profiler, "-m", "mailhub", "--config", str(config),
            "outbox", "run", "--once"]
    with log.open("wb") as output:
        side.began, began = time.time(), time.perf_counter()
        # A session of its own, so a timeout can stop the command and its children together.
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, env=mailhub_env(), cwd=ROOT,
                                   start_new_session=True)
    side.seconds, side.cpu, status = wait_timed(process, began, timeout, side.problems,
                                                "mailhub outbox run")
    side.ended = time.time()
    side.output = log.read_text(encoding="utf-8", errors="replace")
    return status


def run(work: Path, schools: Sequence[School], directive: Directive, copies: Sequence[Copy],
        args: argparse.Namespace) -> tuple[Side, Side, dict[str, Any]]:
    base = Side("baseline", Relay(work / "relay-baseline"))
    mine = Side("mailhub", Relay(work / "relay-mailhub"))
    info: dict[str, Any] = {}

    # mailhub's queue first (not timed): the relay port is not needed yet.
    config = write_config(work, 25, args.connections)
    eml = work / "directive.eml"
    eml.write_bytes(directive.raw)
    answer, seconds, problems = mailhub_broadcast(config, eml, len(schools))
    info.update(answer=answer, broadcast_seconds=seconds)
    print(f"mailhub broadcast queued {answer.get('recipients', 0)} copies in {seconds:.2f} s "
          f"(not timed): directive {answer.get('id')}, number {answer.get('number')!r}",
          flush=True)
    if problems:
        mine.problems += problems
        return base, mine, info

    # baseline
    base.relay.folder.mkdir()
    port = free_port()
    with server_process(base.relay.run, relay_argv(port, base.relay.folder, args.stock_relay),
                        port, work / "relay-baseline.log") as relay_cpu:
        before = relay_cpu()
        asyncio.run(send_copies(port, copies, args.connections, base))
        after = relay_cpu()
    base.relay.cpu = None if before is None or after is None else after - before
    read_tally(base.relay, base.problems)
    print(f"baseline done in {base.seconds:.2f} s", flush=True)

    # mailhub
    mine.relay.folder.mkdir()
    port = free_port()
    config = write_config(work, port, args.connections)
    with server_process(mine.relay.run, relay_argv(port, mine.relay.folder, args.stock_relay),
                        port, work / "relay-mailhub.log") as relay_cpu:
        before = relay_cpu()
        status = mailhub_outbox(config, args.timeout, work / "mailhub.log", mine, args.profile)
        after = relay_cpu()
    mine.relay.cpu = None if before is None or after is None else after - before
    if status != 0:
        mine.problems.append(f"mailhub outbox run exited with status {status}:\n"
                             + mine.output[-4000:])
    read_tally(mine.relay, mine.problems)
    print(f"mailhub done in {mine.seconds:.2f} s", flush=True)

    for side in (base, mine):
        if side.relay.run.exit_status not in (None, 0):
            side.problems.append(f"the relay exited with status {side.relay.run.exit_status}")
    if base.relay.tally:
        base.problems += verify_baseline(base.relay, copies, directive)
    if mine.relay.tally:
        mine.problems += verify_mailhub(mine.relay, schools, directive, answer,
                                        work / "state" / "mailhub.db", info)
    for side in (base, mine):
        side.messages = len(schools) if not side.problems else 0
    return base, mine, info


# ------------------------------------------------------------------ verification


def verify_delivery(relay: Relay, recipients: Sequence[str], directive: Directive
                    ) -> list[str]:
    """Every recipient exactly once, each message to one recipient, the attachment intact."""
    problems = []
    tally = relay.tally
    counts = Counter(tally["recipients"])
    missing = [address for address in recipients if not counts.get(address)]
    twice = sorted(address for address, count in counts.items() if count > 1)
    wanted = set(recipients)
    strangers = sorted(address for address in counts if address not in wanted)
    if missing:
        problems.append(f"{len(missing)} school(s) got no copy: {missing[:5]}")
    if twice:
        problems.append(f"{len(twice)} school(s) got more than one copy: {twice[:5]}")
    if strangers:
        problems.append(f"{len(strangers)} address(es) not in the registry got a copy: "
                        f"{strangers[:5]}")
    several = sum(1 for message in tally["messages"] if len(message["to"]) != 1)
    if several:
        problems.append(f"{several} message(s) with other than one RCPT TO")
    for index, sample in enumerate(relay.samples()):
        found = [part.get_content() for part in
                 message_from_bytes(sample, policy=email.policy.default).iter_attachments()]
        hashes = [hashlib.sha256(data).hexdigest() for data in found if isinstance(data, bytes)]
        if hashes != [directive.attachment_sha256]:
            users = sum(1 for message in tally["messages"] if message["body"] == index)
            problems.append(f"body {index} ({users} message(s)): the attachment is altered or "
                            f"missing (sha256 {hashes}, want {directive.attachment_sha256})")
    return problems


def verify_baseline(relay: Relay, copies: Sequence[Copy], directive: Directive) -> list[str]:
    problems = verify_delivery(relay, [c.recipient for c in copies], directive)
    sent = {c.recipient: c.raw[:c.raw.index(b"\r\n\r\n") + 2] for c in copies}
    altered = sum(1 for message in relay.tally["messages"] if message["to"]
                  and sent.get(message["to"][0]) != message["head"].encode("latin-1"))
    if altered:
        problems.append(f"{altered} message(s) arrived with other headers than sent")
    samples = relay.samples()
    if len(samples) != 1 or samples[0][samples[0].index(b"\r\n\r\n") + 4:] != directive.body:
        problems.append("the bodies that arrived are not the directive's body")
    return problems


def verify_mailhub(relay: Relay, schools: Sequence[School], directive: Directive,
                   answer: dict[str, Any], database: Path, info: dict[str, Any]) -> list[str]:
    problems = verify_delivery(relay, [s.email for s in schools], directive)
    rows: dict[str, tuple[int, str, str]] = {}
    if not database.is_file():
        problems.append(f"no database at {database}")
    else:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            states = {f"{kind} {state}": count for kind, state, count in db.execute(
                "SELECT kind, state, count(*) FROM outbox GROUP BY kind, state")}
            rows = {recipient: (id_, token, message_id) for id_, token, message_id, recipient
                    in db.execute("SELECT id, token, message_id, recipient FROM outbox "
                                  "WHERE kind = 'directive'")}
        info["outbox"] = states
        if states != {"directive sent": len(schools)}:
            problems.append(f"the outbox holds {states}, not {len(schools)} rows "
                            "kind 'directive' state 'sent'")
    parser = BytesHeaderParser(policy=email.policy.default)
    wrong: Counter[str] = Counter()
    examples: dict[str, str] = {}
    ids: Counter[str] = Counter()
    list_id = f"<{LIST}.{HUB_DOMAIN}>"
    for message in relay.tally["messages"]:
        recipient = message["to"][0] if message["to"] else ""
        head = parser.parsebytes(message["head"].encode("latin-1"))
        checks = {
            "To: not its own school": _to_address(head) != recipient,
            "X-Mailhub-Directive not the directive's id":
                str(head.get("X-Mailhub-Directive", "")).strip() != str(answer.get("id")),
            f"List-Id without {list_id}": list_id not in str(head.get("List-Id", "")),
            "References not the directive's Message-ID":
                str(head.get("References", "")).strip() != DIRECTIVE_ID,
            "Message-ID missing": not str(head.get("Message-ID", "")).strip(),
        }
        row = rows.get(recipient)
        verp = VERP.match(message["from"])
        checks["MAIL FROM not bounce+<id>-<token>@hub_domain"] = verp is None
        checks["MAIL FROM not the VERP of the school's outbox row"] = (
            verp is not None and (row is None or (int(verp[1]), verp[2]) != row[:2]))
        checks["Message-ID not the school's outbox row's"] = (
            row is not None and str(head.get("Message-ID", "")).strip() != f"<{row[2]}>")
        ids[str(head.get("Message-ID", "")).strip()] += 1
        for what, failed in checks.items():
            if failed:
                wrong[what] += 1
                examples.setdefault(what, f"to {recipient} from {message['from']}")
    for what, count in wrong.items():
        problems.append(f"{count} copy(ies): {what} (e.g. {examples[what]})")
    shared = sum(count for count in ids.values() if count > 1)
    if shared:
        problems.append(f"{shared} copies share a Message-ID with another")
    return problems


def _to_address(head: Any) -> str:
    try:
        addresses = head["To"].addresses
        return str(addresses[0].addr_spec).lower() if len(addresses) == 1 else ""
    except (AttributeError, IndexError, TypeError, ValueError):
        return ""


# ------------------------------------------------------------------ reporting


def summary(side: Side) -> str:
    tally = side.relay.tally
    mib = tally.get("bytes", 0) / 2**20
    line = (f"{side.name:9s} {side.rate:8.1f} msg/s  "
            f"{1000 / side.rate if side.rate else 0:6.2f} ms/msg  "
            f"{mib / side.seconds if side.seconds else 0:6.1f} MiB/s  ({side.seconds:.2f} s"
            + (" start to exit" if side.name == "mailhub" else " first send to last reply"))
    per_message = 1000 / max(1, side.messages)
    what = "mailhub process" if side.name == "mailhub" else "client (this process)"
    if side.cpu is not None:
        line += f"; CPU {what} {side.cpu:.2f} s = {side.cpu * per_message:.2f} ms/msg"
    if side.relay.cpu is not None:
        line += f"; CPU relay {side.relay.cpu:.2f} s = {side.relay.cpu * per_message:.2f} ms/msg"
    return line + ")"


def timeline(side: Side) -> str | None:
    """mailhub's wall time split by the relay's clock: start-up, sending, exit."""
    tally = side.relay.tally
    first, last = tally.get("first_mail", 0.0), tally.get("last_reply", 0.0)
    if not first or not last or not side.messages:
        return None
    sending = last - first
    return (f"mailhub timeline (the relay's clock): start-up to the first MAIL FROM "
            f"{first - side.began:.2f} s, sending {sending:.2f} s = "
            f"{side.messages / sending if sending > 0 else 0:.1f} msg/s without start-up, "
            f"last reply to exit {side.ended - last:.2f} s; "
            f"{tally.get('connections')} connection(s) used")


def print_profile(path: Path, top: int = 25) -> None:
    print(f"profile of `mailhub outbox run --once` (its main thread: the event loop; the "
          f"database work in asyncio.to_thread is not in it) written to {path}; top {top} "
          "functions by own time:")
    stats = pstats.Stats(str(path), stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)


def describe(schools: Sequence[School], directive: Directive) -> str:
    kinds = Counter(school.kind for school in schools)
    return (f"{len(schools)} schools ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}"
            f"); directive {len(directive.raw) / KIB:.0f} KiB on the wire, "
            f"{len(schools) * len(directive.raw) / 2**20:.0f} MiB for all copies")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--count", type=int, default=TARGET_COUNT,
                        help="schools, i.e. copies (default 3000)")
    parser.add_argument("--connections", type=int, default=4,
                        help="SMTP connections to the relay for both sides, mailhub's "
                        "[relay] connections (default 4, mailhub's default)")
    parser.add_argument("--attachment-kib", type=int, default=200,
                        help="the attachment's size before base64 (default 200)")
    parser.add_argument("--seed", type=int, default=20261118, help="generator seed")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds `mailhub outbox run --once` may take (default 600)")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for the temp dir (default: the system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--profile", type=Path, default=None,
                        help="run `mailhub outbox run` under cProfile into this file and print "
                        "its hotspots (the rate is then slower and not comparable)")
    parser.add_argument("--stock-relay", action="store_true",
                        help="the relays read DATA with aiosmtpd's own line-by-line loop "
                        "(slow: both sides then mostly measure the relay)")
    parser.add_argument("--relay-server", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--relay-dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.count < 1 or not 1 <= args.connections <= 64 or args.attachment_kib < 1:
        parser.error("--count and --attachment-kib must be at least 1, --connections 1 to 64 "
                     "(as mailhub's [relay] connections)")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.relay_server:
        if args.relay_dir is None:
            raise SystemExit("--relay-server needs --relay-dir")
        asyncio.run(relay_server(args.relay_server, args.relay_dir, args.stock_relay))
        return 0
    work = Path(tempfile.mkdtemp(prefix="mailhub-bench-fanout-", dir=args.tmp))
    try:
        began = time.perf_counter()
        schools = make_registry(work / "units.csv", args.count, args.seed)
        make_rules(work / "rules")
        directive = make_directive(args.seed, args.attachment_kib)
        copies = make_copies(schools, directive, args.seed)
        print(f"generated in {time.perf_counter() - began:.1f} s (not timed); "
              f"{describe(schools, directive)}", flush=True)
        base, mine, info = run(work, schools, directive, copies, args)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"mailhub {revision()}, python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"temp dir {work.parent}, SQLite (WAL) in the temp state dir, {args.connections} "
          f"connection(s) each side, relay "
          f"{'stock aiosmtpd' if args.stock_relay else 'aiosmtpd with chunked DATA'}"
          + (", mailhub under cProfile" if args.profile else ""))
    for side in (base, mine):
        if side.seconds:
            print(summary(side))
    line = timeline(mine)
    if line:
        print(line)
    said = [text for text in mine.output.splitlines() if text.startswith("outbox:")]
    errors = [text for text in mine.output.splitlines()
              if re.search(r"\bERROR\b|Traceback|lỗi / error|Error:", text)]
    for text in said:
        print(f"mailhub said: {text}")
    if info.get("outbox"):
        print("mailhub outbox: " + ", ".join(f"{k} {v}" for k, v in info["outbox"].items()))
    if args.profile is not None and args.profile.is_file():
        print_profile(args.profile)
    if errors:
        print(f"mailhub's output has {len(errors)} error line(s):")
        for text in errors[:10]:
            print(f"  {text}")
    problems = [f"{side.name}: {problem}" for side in (base, mine) for problem in side.problems]
    if not problems and not (base.rate and mine.rate):
        problems.append("nothing was measured")
    warnings = []
    needed = TARGET_COUNT / TARGET_SECONDS
    if mine.rate and mine.rate < needed:
        warnings.append(f"at {mine.rate:.1f} msg/s mailhub takes {TARGET_COUNT / mine.rate:.1f} s "
                        f"for {TARGET_COUNT:,} copies, not under {TARGET_SECONDS:.0f} s (needs "
                        f"{needed:.0f} msg/s)")
    counted = [int(found[1]) for text in said if (found := re.search(r"(\d+) sent", text))]
    if mine.messages and counted and counted[-1] != mine.messages:
        warnings.append(f"mailhub said {counted[-1]} sent, but the relay took and the outbox "
                        f"marked {mine.messages} (its tally of sent copies is off)")
    return result("fanout", problems, mine.rate, base.rate, TARGET_RATIO, warnings)


if __name__ == "__main__":
    sys.exit(main())

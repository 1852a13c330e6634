"""Deadline-day storm: every school of the registry sends its reports at once to
`mailhub serve`, which must take them all, file them all, and lose or double none.

It generates, seeded, `--reports` (5) reports for each of the `--schools` (100) schools of
data/units.csv (MN/TH/THCS), each to the team of its level, dated the 24th of November 2026
(the monthly report is due before the 25th): the monthly report and four other topics
(food safety, facilities, enrolment, STEM, finances, ...; ingest.py's subjects), Vietnamese
UTF-8 text (base64 or quoted-printable), one or two pdf/xlsx/docx attachments of
`--attachment-kib` (20-1024 KiB, log-uniform: many small sheets, a few large scans), CRLF
line ends as on the wire. Generation is not timed.

`mailhub serve` runs in a process of its own (a free port on 127.0.0.1, a fresh temp state
dir; SQLite there, or a fresh schema of `--database-url`, dropped afterwards), and this
process is the `--connections` (20) clients: smtplib sessions opened before the clock
starts, each sending its share one report after another, as fast as replies come (smtp.py's
client). The clock stops when no row is left in state 'received': the rate includes filing.
A report's latency runs from its MAIL FROM to the 250 after its DATA.

Then the database and the archive are checked against what was sent, report by report:

  lost        no row with the report's Message-ID whose archive file holds its exact bytes
              (sha256 re-computed from the file) in a final state (filed, rejected,
              quarantined); a report refused (not answered 250) counts, since this client
              does not retry;
  duplicated  a row more than one per report (by Message-ID or by sha256), and a row that
              is no report's.

The last line is `RESULT storm value=<msg/s> lost=<n> duplicated=<n>`, always; the exit
status is 1 when lost or duplicated is not 0, or when something else went wrong (a refusal,
a 250 naming another row, the server failing), with ERROR lines before it.

    python bench/storm.py                   # 100 schools x 5 reports over 20 sessions
    python bench/storm.py --schools 20      # quick check
    python bench/storm.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ingest import (
    KIB,
    OFFICE_SENDER,
    SUBJECTS,
    VN,
    Sender,
    _add_text,
    _attach,
    _fields,
    _headers,
    _serialize,
    load_senders,
    report_text,
    revision,
)
from search import with_postgres
from smtp import (
    QUEUED_AS,
    Letter,
    ServerRun,
    Side,
    add_cpu,
    log_errors,
    mailhub_up,
    send_all,
    summary,
    temp_work,
    wait_filed,
)
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from mailhub import models
from mailhub.archive import Archive
from mailhub.errors import ArchiveError

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
DEADLINE_EVE = datetime(2026, 11, 24, 7, 0, tzinfo=VN)  # reports are due before the 25th
MONTHLY = SUBJECTS[0]                                   # "Báo cáo tháng {m}/{y} - {school}"
# The other topics a school reports on: ingest.py's report subjects, not its replies.
TOPICS = tuple(s for s in SUBJECTS[3:] if s.startswith(("Báo cáo", "V/v báo cáo", "Kế hoạch")))
FINAL = ("filed", "rejected", "quarantined")


# ------------------------------------------------------------------ generation


def make_report(rng: random.Random, index: int, school: Sender, team: Sender, subject: str,
                sizes: tuple[int, int]) -> Letter:
    """One report of the deadline's eve with 1-2 attachments of realistic size."""
    sent = DEADLINE_EVE + timedelta(seconds=rng.randrange(16 * 3600))
    fields = _fields(school, sent)
    subject = subject.format(**fields)
    msg = _headers(rng, index, school, team, sent, subject)
    _add_text(rng, msg, report_text(rng, school, team, subject), rng.randint(3 * KIB, 12 * KIB))
    count = rng.choice((1, 1, 2))
    low, high = (math.log(size * KIB) for size in sizes)
    budget = sum(int(math.exp(rng.uniform(low, high))) * 4 // 3 for _ in range(count))
    _attach(rng, msg, count, budget, fields)
    raw = _serialize(rng, msg)
    return Letter(raw.replace(b"\n", b"\r\n"), school.address, team.address, count)


def generate(schools: int, reports: int, seed: int, sizes: tuple[int, int],
             registry: Path) -> list[Letter]:
    """`reports` reports of different topics from each of the first `schools` schools,
    in the order the clients send them: schools interleaved, as on the day."""
    rng = random.Random(seed)
    found, teams = load_senders(registry)
    chosen = [found[i % len(found)] for i in range(schools)]
    plans = [[MONTHLY, *rng.sample(TOPICS, reports - 1)] for _ in chosen]
    letters = []
    for round_ in range(reports):
        for number, school in enumerate(chosen):
            letters.append(make_report(rng, len(letters), school,
                                       teams.get(school.kind, OFFICE_SENDER),
                                       plans[number][round_], sizes))
    return letters


def describe(letters: Sequence[Letter]) -> str:
    sizes = [len(letter.raw) for letter in letters]
    return (f"{len(letters)} reports from {len({letter.sender for letter in letters})} "
            f"schools, {sum(sizes) / 2**20:.1f} MiB; size KiB min {min(sizes) / KIB:.0f} / "
            f"median {statistics.median(sizes) / KIB:.0f} / max {max(sizes) / KIB:.0f}; "
            f"{sum(letter.attachments for letter in letters)} attachments")


# ------------------------------------------------------------------ verification


@dataclass
class Check:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    states: Counter[str] = field(default_factory=Counter)


def message_id(raw: bytes) -> str:
    """The Message-ID as mailhub stores it (no angle brackets); the generator writes it
    on one line."""
    start = raw.index(b"Message-ID: <") + len(b"Message-ID: <")
    return raw[start:raw.index(b">", start)].decode()


def verify(engine: Engine, archive: Archive, letters: Sequence[Letter], side: Side) -> Check:
    """Every report against the rows and the archive files (see the module docstring)."""
    check = Check()
    with engine.connect() as db:
        rows = [dict(row) for row in db.execute(select(
            MESSAGE.c.id, MESSAGE.c.message_id, MESSAGE.c.sha256, MESSAGE.c.state)).mappings()]
    check.states.update(str(row["state"]) for row in rows)
    by_id: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_id.setdefault(str(row["message_id"]), []).append(row)
    for sha, n in Counter(str(row["sha256"]) for row in rows).items():
        if n > 1:
            check.duplicated.append(f"{n} rows hold the bytes {sha[:12]}…")
    answered = {d.index: d for d in side.deliveries}
    wanted = set()
    for index, letter in enumerate(letters):
        mid = message_id(letter.raw)
        wanted.add(mid)
        found = by_id.get(mid, [])
        if len(found) > 1:
            check.duplicated.append(f"report {index} ({mid}): {len(found)} rows")
        if not _kept(archive, letter.raw, found):
            reply = "answered 250" if index in answered else "not answered 250"
            check.lost.append(f"report {index} ({mid}, {reply}): no row in a final state "
                              "with its bytes in the archive")
        named = QUEUED_AS.search(answered[index].reply) if index in answered else None
        if named and found and named[1] not in {str(row["id"]) for row in found}:
            check.problems.append(f"report {index}: its 250 named row {named[1]}, "
                                  f"not {[row['id'] for row in found]}")
    check.duplicated += [f"row {row['id']} ({mid}) is no report's"
                         for mid, extra in by_id.items() if mid not in wanted for row in extra]
    return check


def _kept(archive: Archive, raw: bytes, rows: Sequence[dict[str, object]]) -> bool:
    sha = hashlib.sha256(raw).hexdigest()
    for row in rows:
        if row["sha256"] == sha and row["state"] in FINAL:
            try:
                return hashlib.sha256(archive.read(sha)).hexdigest() == sha
            except ArchiveError:  # the file is missing
                return False
    return False


# ------------------------------------------------------------------ the run


def storm(letters: Sequence[Letter], work: Path, database_url: str,
          args: argparse.Namespace) -> tuple[Side, Check]:
    side = Side("mailhub", ServerRun("mailhub"))
    with mailhub_up(work, side.server, None, database_url) as (port, engine, cpu):
        before = cpu()
        traffic = send_all(port, letters, range(len(letters)), args.connections, args.timeout)
        finished, _ = wait_filed(engine, traffic.started + args.timeout)
        add_cpu(side.server, before, cpu())
        side.add(traffic, finished)
        check = verify(engine, Archive(work / "state" / "archive"), letters, side)
    check.problems[:0] = side.failures
    if side.server.exit_status not in (None, 0):
        check.problems.append(f"the server exited with status {side.server.exit_status}")
    return side, check


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--schools", type=int, default=100,
                        help="schools sending (default 100: the sample registry's)")
    parser.add_argument("--reports", type=int, default=5,
                        help=f"reports per school, each of another topic (default 5, at most "
                        f"{len(TOPICS) + 1})")
    parser.add_argument("--connections", type=int, default=20,
                        help="concurrent SMTP clients (default 20)")
    parser.add_argument("--attachment-kib", type=int, nargs=2, default=(20, 1024),
                        metavar=("LOW", "HIGH"),
                        help="attachment sizes, log-uniform between (default 20 1024)")
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL server whose fresh schema is used (dropped "
                        "afterwards); default SQLite in the temp state dir")
    parser.add_argument("--seed", type=int, default=20261124, help="generator seed")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for the temp dir (default: the system temp dir)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds to send and file everything (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.schools < 1 or args.connections < 1 or not 1 <= args.reports <= len(TOPICS) + 1:
        parser.error(f"--schools and --connections at least 1, --reports 1 to {len(TOPICS) + 1}")
    if not 0 < args.attachment_kib[0] <= args.attachment_kib[1]:
        parser.error("--attachment-kib LOW HIGH with 0 < LOW <= HIGH")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    letters = generate(args.schools, args.reports, args.seed, tuple(args.attachment_kib),
                       ROOT / "data" / "units.csv")
    print(f"generated in {time.perf_counter() - began:.1f} s (not timed): {describe(letters)}",
          flush=True)
    with temp_work("storm", args.tmp, args.keep) as work:
        if args.database_url:
            for _, url in with_postgres(args.database_url, "bench_storm"):
                side, check = storm(letters, work, url, args)
            database = make_url(args.database_url).render_as_string(hide_password=True)
        else:
            side, check = storm(letters, work, "", args)
            database = "SQLite (WAL) in the temp state dir"
        errors_logged = log_errors(side.server.log)
    print(f"mailhub {revision()}, python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{database}, {args.connections} SMTP clients")
    print(summary(side, letters))
    print(f"accepted {len(side.deliveries)} of {len(letters)}: "
          f"{len(side.deliveries) / side.accepting if side.accepting else 0:.1f} msg/s to the "
          f"last 250; latency p99 {side.latency_ms(99):.0f} ms")
    print("states: " + ", ".join(f"{k} {v}" for k, v in sorted(check.states.items())))
    if errors_logged:
        print(f"mailhub's log has {errors_logged} ERROR/Traceback line(s)")
    for problem in (check.problems + check.lost + check.duplicated)[:20]:
        print(f"ERROR: {problem}")
    print(f"RESULT storm value={side.rate:.1f} lost={len(check.lost)} "
          f"duplicated={len(check.duplicated)}")
    return 1 if check.problems or check.lost or check.duplicated else 0


if __name__ == "__main__":
    sys.exit(main())

"""IMAP benchmark: `mailhub imap sync --once` over a backlog in one Dovecot mailbox against
a plain imapclient loop that only fetches, writes durably and moves.

It generates N deterministic (seeded) school reports of about 20 KiB with the generator of
bench/smtp.py (CRLF line ends, as an IMAP server hands them out), starts a throwaway
Dovecot (tests/dovecot.py) on 127.0.0.1 with two users, and APPENDs the same messages to
the INBOX of each. Generation and filling are not timed. Then, one after the other:

  baseline  one imapclient connection: select INBOX, UID SEARCH ALL, then per batch of
            --batch UIDs: FETCH BODY.PEEK[], each message to its own file with flush +
            os.fsync, UID MOVE of the batch to the folder Done;
  mailhub   `python -m mailhub --config FILE imap sync --once` over a fresh state dir
            (SQLite), one [[imap]] account with the same batch; timed from process start
            to exit, so start-up (migrations, registry, rules, filing workers) counts.

Afterwards both INBOXes must be empty and every message elsewhere: the baseline's in Done
and in one file each (same bytes as appended), mailhub's in its folders with one row per
message in the database (sha256 of the bytes appended), none in 'received' or 'error'.
The last line is `RESULT imap value=<msg/s> baseline=<msg/s> ratio=<r>`. The exit status
is 0 whatever the figures (WARNING lines come before RESULT below the targets: ratio 0.5,
10,000 messages in 15 s); it is 1, with ERROR lines and no RESULT, when a run is invalid.

    python bench/imap.py --count 300                # quick check
    python bench/imap.py                            # 10,000 messages, batches of 100
    python bench/imap.py --count 2000 --jobs 1 --profile imap.prof
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from ingest import revision
from smtp import Letter, describe, generate, result, wait_timed

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.5
TARGET_COUNT, TARGET_SECONDS = 10_000, 15.0   # the issue: 10,000 messages in under 15 s
BASELINE_USER, BASELINE_PASSWORD = "baseline", "baseline-pw-1"
MAILHUB_USER, MAILHUB_PASSWORD = "mailhub", "mailhub-pw-2"
DONE = "Done"             # the baseline's one destination folder
APPEND_CHUNK = 100        # messages per MULTIAPPEND command while filling
SAMPLE_EVERY = 0.05       # seconds between looks at the mailhub process tree's RSS
SOCKET_TIMEOUT = 120.0    # seconds for any one IMAP reply (a 100-message FETCH included)

# ------------------------------------------------------------------ Dovecot and filling


def start_dovecot(base: Path) -> Any:
    """A started throwaway Dovecot with the two users (tests/dovecot.py, from the checkout:
    importing it here keeps the repository root off sys.path for everything else)."""
    sys.path.insert(0, str(ROOT))
    from tests.dovecot import Dovecot

    server = Dovecot(base)
    server.add_user(BASELINE_USER, BASELINE_PASSWORD)
    server.add_user(MAILHUB_USER, MAILHUB_PASSWORD)
    server.start()
    return server


def login(server: Any, user: str, password: str) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=SOCKET_TIMEOUT)
    client.login(user, password)
    return client


def fill(server: Any, user: str, password: str, letters: Sequence[Letter],
         failures: list[str]) -> None:
    """APPEND every letter to the user's INBOX, in order (so UID i+1 is letter i)."""
    try:
        client = login(server, user, password)
        try:
            multi = client.has_capability("MULTIAPPEND")
            for start in range(0, len(letters), APPEND_CHUNK):
                chunk = [letter.raw for letter in letters[start:start + APPEND_CHUNK]]
                if multi:
                    client.multiappend("INBOX", chunk)
                else:
                    for raw in chunk:
                        client.append("INBOX", raw)
            if user == BASELINE_USER:
                client.create_folder(DONE)
        finally:
            client.logout()
    except Exception as exc:  # reported by the caller: the run is then invalid
        failures.append(f"filling {user}'s INBOX: {type(exc).__name__}: {exc}")


def fill_both(server: Any, letters: Sequence[Letter]) -> list[str]:
    """Both INBOXes at once (one connection each): this wait is not measured anyway."""
    failures: list[str] = []
    threads = [threading.Thread(target=fill, args=(server, user, password, letters, failures))
               for user, password in ((BASELINE_USER, BASELINE_PASSWORD),
                                      (MAILHUB_USER, MAILHUB_PASSWORD))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for user, password in ((BASELINE_USER, BASELINE_PASSWORD), (MAILHUB_USER, MAILHUB_PASSWORD)):
        waiting = folder_counts(server, user, password).get("INBOX", 0)
        if waiting != len(letters):
            failures.append(f"{user}'s INBOX holds {waiting} messages after filling, "
                            f"not {len(letters)}")
    return failures


def folder_counts(server: Any, user: str, password: str) -> dict[str, int]:
    """Messages per selectable folder of the user's mailbox."""
    client = login(server, user, password)
    try:
        counts = {}
        for flags, _, name in client.list_folders():
            if b"\\Noselect" in flags or b"\\NonExistent" in flags:
                continue
            counts[name] = int(client.folder_status(name, [b"MESSAGES"])[b"MESSAGES"])
        return counts
    finally:
        client.logout()


def dovecot_pid(server: Any) -> int | None:
    """The Dovecot master's pid, found by its config path (the helper does not expose it)."""
    wanted = str(server.conf_path).encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if wanted in cmdline.read_bytes().split(b"\0"):
                return int(cmdline.parent.name)
        except (OSError, ValueError):
            continue
    return None


# ------------------------------------------------------------------ /proc


def children(pid: int) -> list[int]:
    try:
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except (OSError, ValueError):
        return []


def tree(pid: int) -> Iterator[int]:
    yield pid
    for child in children(pid):
        yield from tree(child)


def tree_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of a process tree so far, reaped children included (the
    Dovecot master reaps its imap processes); None without /proc."""
    if pid is None:
        return None
    total = 0.0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile: counted in its parent's cutime from now on
        total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def settle(pid: int | None, limit: float = 5.0) -> None:
    """Until the Dovecot master has reaped its imap processes: one that ended but is not
    yet reaped is in neither its stat nor its parent's, and its CPU would be missed."""
    deadline = time.monotonic() + limit
    while pid is not None and time.monotonic() < deadline:
        comms = []
        for member in tree(pid):
            try:
                comms.append(Path(f"/proc/{member}/comm").read_text().strip())
            except OSError:
                continue
        if "imap" not in comms:
            return
        time.sleep(0.02)


def own_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process, its children left out."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> dict[int, tuple[int, int]]:
    """pid -> (resident bytes now, peak resident bytes so far) over a process and its live
    descendants. The peak is the kernel's VmHWM, of the process's own address space since
    its exec: ru_maxrss would not do, as it keeps the high-water mark of the address space
    before exec, i.e. of this benchmark's, with every generated message in it."""
    found = {}
    for member in tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        now = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        peak = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if now and peak:  # a zombie has neither
            found[member] = int(now[1]) * 1024, int(peak[1]) * 1024
    return found


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ the two runs


@dataclass
class Side:
    name: str
    seconds: float = 0.0
    messages: int = 0
    cpu: float | None = 0.0       # the client: this loop, or the mailhub process tree
    dovecot_cpu: float | None = None
    peaks: dict[int, int] = field(default_factory=dict)  # mailhub: pid -> its VmHWM
    peak_tree_rss: int = 0        # mailhub: the sampled sum over the process tree
    pid: int = 0                  # mailhub: its main process
    main_cpu: float | None = None  # mailhub: its main process alone (sampled), not workers
    folders: dict[str, int] = field(default_factory=dict)
    output: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def baseline(server: Any, folder: Path, batch: int, side: Side) -> None:
    """Fetch, write durably, move: what any IMAP filer does at the least."""
    cpu = process_cpu()
    began = time.perf_counter()
    client = login(server, BASELINE_USER, BASELINE_PASSWORD)
    try:
        client.select_folder("INBOX")
        uids = sorted(client.search("ALL"))
        for start in range(0, len(uids), batch):
            chunk = uids[start:start + batch]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                with open(folder / f"{uid:06d}.eml", "wb") as handle:
                    handle.write(fetched[uid][b"BODY[]"])
                    handle.flush()
                    os.fsync(handle.fileno())
            client.move(chunk, DONE)
            side.messages += len(chunk)
    finally:
        client.logout()
    side.seconds = time.perf_counter() - began
    side.cpu = process_cpu() - cpu


def write_config(work: Path, port: int, batch: int) -> Path:
    """A mailhub.toml for a fresh state dir and one account (JSON strings are TOML basic
    strings)."""
    password = work / "mailhub.password"
    password.write_text(MAILHUB_PASSWORD + "\n", encoding="utf-8")
    password.chmod(0o600)
    values: list[tuple[str, object]] = [
        ("state_dir", str(work / "state")), ("registry", str(ROOT / "data" / "units.csv")),
        ("rules_dir", str(ROOT / "rules"))]
    account: list[tuple[str, object]] = [
        ("name", "bench"), ("host", "127.0.0.1"), ("port", port), ("tls", "none"),
        ("username", MAILHUB_USER), ("password_file", str(password)), ("batch", batch)]
    lines = [f"{key} = {json.dumps(value)}" for key, value in values]
    lines += ["", "[[imap]]"] + [f"{key} = {json.dumps(value)}" for key, value in account]
    config = work / "mailhub.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def mailhub(config: Path, jobs: int, timeout: float, log: Path, side: Side,
            profile: Path | None) -> int:
    """The real command, start to exit; its CPU with its workers (os.wait4 reports the
    process and the children it reaped) and their memory (sampled). Returns its exit
    status."""
    profiler = ["-m", "cProfile", "-o", str(profile.resolve())] if profile else []
    argv = [sys.executable, *profiler, "-m", "mailhub", "--config", str(config),
            "imap", "sync", "--once"]
    if jobs:
        argv += ["--jobs", str(jobs)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILHUB_")}
    env["COLUMNS"] = "1000"  # rich wraps at 80 columns when not on a terminal
    done = threading.Event()
    with log.open("wb") as output:
        began = time.perf_counter()
        # A session of its own, so a timeout can stop the command and its workers together.
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                   start_new_session=True)
    side.pid = process.pid

    def sample() -> None:
        while not done.wait(SAMPLE_EVERY):
            found = memory(process.pid)
            side.peak_tree_rss = max(side.peak_tree_rss, sum(now for now, _ in found.values()))
            side.peaks.update((pid, peak) for pid, (_, peak) in found.items())
            own = own_cpu(process.pid)  # the last look before exit splits main vs workers
            side.main_cpu = own if own is not None else side.main_cpu

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        side.seconds, side.cpu, status = wait_timed(process, began, timeout, side.problems,
                                                    "mailhub imap sync")
    finally:
        done.set()
        sampler.join()
    side.output = log.read_text(encoding="utf-8", errors="replace")
    return status


def run(letters: Sequence[Letter], work: Path, args: argparse.Namespace) -> tuple[Side, Side]:
    base, mine = Side("baseline"), Side("mailhub")
    hashes = sorted(hashlib.sha256(letter.raw).hexdigest() for letter in letters)
    server = start_dovecot(work / "dovecot")
    try:
        began = time.perf_counter()
        failures = fill_both(server, letters)
        mib = sum(len(letter.raw) for letter in letters) / 2**20
        print(f"filled both INBOXes in {time.perf_counter() - began:.1f} s (not timed; "
              f"{mib:.0f} MiB each, Dovecot {dovecot_version(server)} on "
              f"{server.host}:{server.port})", flush=True)
        if failures:
            base.problems += failures
            return base, mine
        master = dovecot_pid(server)

        folder = work / "baseline"
        folder.mkdir()
        settle(master)
        before = tree_cpu(master)
        try:
            baseline(server, folder, args.batch, base)
        except Exception as exc:  # IMAP or disk: this run is invalid, mailhub's still runs
            base.problems.append(f"{type(exc).__name__}: {exc}")
        settle(master)
        base.dovecot_cpu = cpu_delta(before, tree_cpu(master))
        print(f"baseline done in {base.seconds:.1f} s", flush=True)

        config = write_config(work, server.port, args.batch)
        before = tree_cpu(master)
        status = mailhub(config, args.jobs, args.timeout, work / "mailhub.log", mine,
                         args.profile)
        settle(master)
        mine.dovecot_cpu = cpu_delta(before, tree_cpu(master))
        print(f"mailhub done in {mine.seconds:.1f} s", flush=True)
        if status != 0:
            mine.problems.append(f"mailhub imap sync exited with status {status}")

        base.folders = folder_counts(server, BASELINE_USER, BASELINE_PASSWORD)
        mine.folders = folder_counts(server, MAILHUB_USER, MAILHUB_PASSWORD)
        base.problems += verify_baseline(folder, base.folders, hashes)
        mine.problems += verify_mailhub(work / "state" / "mailhub.db", mine, hashes)
        mine.messages = len(letters) if not mine.problems else 0
        dovecot_errors = [line for line in server.log().splitlines()
                          if re.search(r"\b(Error|Fatal|Panic):", line)]
        if dovecot_errors:
            print(f"Dovecot's log has {len(dovecot_errors)} error line(s), the first: "
                  f"{dovecot_errors[0]}")
    finally:
        server.close()
    return base, mine


def cpu_delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def dovecot_version(server: Any) -> str:
    try:
        return subprocess.run([server.binary, "--version"], capture_output=True, text=True,
                              check=True).stdout.split()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "?"


# ------------------------------------------------------------------ verification


def verify_baseline(folder: Path, folders: dict[str, int], hashes: list[str]) -> list[str]:
    problems = []
    if folders.get("INBOX"):
        problems.append(f"{folders['INBOX']} message(s) left in INBOX")
    if folders.get(DONE, 0) != len(hashes):
        problems.append(f"{folders.get(DONE, 0)} message(s) in {DONE}, not {len(hashes)}")
    written = sorted(hashlib.sha256(path.read_bytes()).hexdigest()
                     for path in folder.glob("*.eml"))
    if written != hashes:
        problems.append(f"the {len(written)} files written are not the {len(hashes)} "
                        "messages appended")
    return problems


def verify_mailhub(database: Path, side: Side, hashes: list[str]) -> list[str]:
    problems = []
    if side.folders.get("INBOX"):
        problems.append(f"{side.folders['INBOX']} message(s) left in INBOX")
    elsewhere = sum(count for name, count in side.folders.items() if name != "INBOX")
    if elsewhere != len(hashes):
        problems.append(f"{elsewhere} message(s) in folders other than INBOX, "
                        f"not {len(hashes)}")
    if not database.is_file():
        return problems + [f"no database at {database}"]
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        states = dict(db.execute("SELECT state, count(*) FROM message GROUP BY state"))
        stored = sorted(sha for (sha,) in db.execute("SELECT sha256 FROM message"))
    side.output += "\nstates: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    if sum(states.values()) != len(hashes):
        problems.append(f"{sum(states.values())} message rows for {len(hashes)} messages")
    elif stored != hashes:
        problems.append("the rows' sha256 are not those of the messages appended")
    for state in ("received", "error"):
        if states.get(state):
            problems.append(f"{states[state]} message(s) left in state '{state}'")
    return problems


# ------------------------------------------------------------------ reporting


def summary(side: Side, mib: float) -> str:
    line = (f"{side.name:9s} {side.rate:8.1f} msg/s  {1000 / side.rate if side.rate else 0:6.2f}"
            f" ms/msg  {mib / side.seconds if side.seconds else 0:6.1f} MiB/s  "
            f"({side.seconds:.2f} s")
    per_message = 1000 / max(1, side.messages)
    what = "mailhub + workers" if side.name == "mailhub" else "client"
    if side.cpu is not None:
        line += f"; CPU {what} {side.cpu:.1f} s = {side.cpu * per_message:.2f} ms/msg"
        if side.main_cpu is not None:
            line += (f" (main process about {side.main_cpu:.1f} s, workers "
                     f"{side.cpu - side.main_cpu:.1f} s)")
    if side.dovecot_cpu is not None:
        line += (f"; CPU Dovecot {side.dovecot_cpu:.1f} s = "
                 f"{side.dovecot_cpu * per_message:.2f} ms/msg")
    return line + ")"


def folder_summary(folders: dict[str, int]) -> str:
    """Messages per top-level folder (Filed/<topic> summed): the tally line lists each."""
    groups: dict[str, list[int]] = {}
    for name, count in folders.items():
        if count:
            top, _, rest = name.partition("/")
            groups.setdefault(f"{top}/*" if rest else top, []).append(count)
    return ", ".join(f"{name} {sum(counts)}" + (f" in {len(counts)} folders"
                                                if name.endswith("/*") else "")
                     for name, counts in sorted(groups.items()))


def mailhub_lines(output: str) -> tuple[list[str], list[str]]:
    """Its summary (the account's line, the states) and what looks like an error."""
    lines = output.splitlines()
    said = [line for line in lines if line.startswith(("bench:", "states:"))]
    errors = [line for line in lines
              if re.search(r"\bERROR\b|Traceback|lỗi / error|Error:", line)]
    return said, errors


def print_profile(path: Path, top: int = 15) -> None:
    print(f"profile of `mailhub imap sync` written to {path}; top {top} mailhub functions by "
          "cumulative time:")
    stats = pstats.Stats(str(path), stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(re.escape(str(package_dir())), top)


def package_dir() -> Path:
    """Where the mailhub the command ran is, without importing it here."""
    spec = importlib.util.find_spec("mailhub")
    origin = spec.origin if spec is not None else None
    return Path(origin).parent if origin else ROOT / "mailhub"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--count", type=int, default=TARGET_COUNT,
                        help="messages in each INBOX (default 10000)")
    parser.add_argument("--batch", type=int, default=100,
                        help="UIDs per FETCH for both sides, mailhub's [[imap]] batch "
                        "(default 100, mailhub's default)")
    parser.add_argument("--seed", type=int, default=20261125, help="generator seed")
    parser.add_argument("--jobs", type=int, default=0,
                        help="passed to `mailhub imap sync --jobs` (default: not passed, "
                        "mailhub's default of one worker process per CPU)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds `mailhub imap sync` may take (default 900)")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for the temp dir: baseline files, mailhub state, "
                        "Dovecot config (its mail is always under /tmp; default: the "
                        "system temp dir)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="run the command under cProfile into this file and print its "
                        "top mailhub functions (only the main process: use --jobs 1 to see "
                        "the filing; the rate is then slower and not comparable)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.count < 1 or not 1 <= args.batch <= 1000 or args.jobs < 0:
        parser.error("--count must be at least 1, --batch 1 to 1000 (as mailhub's batch), "
                     "--jobs at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    letters = generate(args.count, args.seed, ROOT / "data" / "units.csv")
    print(f"generated in {time.perf_counter() - began:.1f} s (not timed); {describe(letters)}",
          flush=True)
    mib = sum(len(letter.raw) for letter in letters) / 2**20
    work = Path(tempfile.mkdtemp(prefix="mailhub-bench-imap-", dir=args.tmp))
    try:
        base, mine = run(letters, work, args)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"mailhub {revision()}, python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"temp dir {work.parent}, SQLite (WAL) in the temp state dir, batch {args.batch}, "
          f"mailhub jobs {args.jobs or f'default ({os.cpu_count()})'}")
    for side in (base, mine):
        if side.seconds:
            print(summary(side, mib))
    said, errors = mailhub_lines(mine.output)
    for line in said:
        print(f"mailhub said: {line}")
    if mine.peaks:
        workers = [peak for pid, peak in mine.peaks.items() if pid != mine.pid]
        print(f"mailhub peak RSS (VmHWM, looked at every {SAMPLE_EVERY * 1000:.0f} ms): main "
              f"process {mine.peaks.get(mine.pid, 0) / 2**20:.0f} MiB"
              + (f", {len(workers)} other process(es) at most {max(workers) / 2**20:.0f} MiB "
                 f"each" if workers else "")
              + f", the whole tree at once {mine.peak_tree_rss / 2**20:.0f} MiB (a batch of "
              f"{args.batch} is about {mib / len(letters) * args.batch:.1f} MiB of messages)")
    if mine.folders:
        print("mailhub folders: " + folder_summary(mine.folders))
    if args.profile is not None and args.profile.is_file():
        print_profile(args.profile)
    if errors:
        print(f"mailhub's output has {len(errors)} error line(s):")
        for line in errors[:10]:
            print(f"  {line}")
    problems = [f"{side.name}: {problem}" for side in (base, mine) for problem in side.problems]
    needed = TARGET_COUNT / TARGET_SECONDS
    slow = [] if not mine.rate or mine.rate >= needed else [
        f"at {mine.rate:.1f} msg/s mailhub takes {TARGET_COUNT / mine.rate:.1f} s for "
        f"{TARGET_COUNT:,} messages, not under {TARGET_SECONDS:.0f} s (needs {needed:.1f} msg/s)"]
    return result("imap", problems, mine.rate, base.rate, TARGET_RATIO, slow)


if __name__ == "__main__":
    sys.exit(main())

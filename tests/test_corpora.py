"""Mail nobody on this project wrote: every file gets a verdict and is archived byte for byte,
through `pipeline.ingest` and through the SMTP door.

Corpora: ../shared/corpora (mikel-mail, flanker, spamassassin; see its README),
CPython's own test/test_email/data/msg_*.txt, and the registries' test mail vendored in
tests/mail (mail-parser's sdist, dkimpy's sdist, Debian's spamassassin samples; each with
its licence and SOURCE.md: vendored, so CI needs no network). Each file goes through
pipeline.ingest(); a verdict of "error" or an exception is a failure, and so is an
archive copy that differs from the input. One hub per corpus folder, one test per
folder: failures are collected and reported together with their file names.

Through the SMTP door (`serve` on 127.0.0.1, one server per folder, 8 sessions at once),
each file is sent as a conforming client sends it: lines end in CRLF whatever the file
used, a last line ending is added when missing, leading dots are doubled. That wire form
is what the door receives, and what the archive must hold byte for byte. Bare CR and NUL
in a line are sent as they are, and kept exactly. What SMTP cannot carry unaltered, a line
over 998 octets (RFC 5321 4.5.3.1.6), is refused with 500 and nothing is stored: never cut
or folded. Each file gets a reply: 250 (stored, then filed), or a refusal: 550 5.7.1 for a
personal sender (recorded in the `refusal` table), 500 for an overlong line. The server
answers to the end.
"""

from __future__ import annotations

import email
import hashlib
import re
import smtplib
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from mailhub import models
from mailhub.config import Settings, SmtpSettings
from mailhub.hub import Hub, open_hub
from mailhub.pipeline import Envelope, ingest

from .test_smtp import SCHOOL, TEAM, Running, free_port

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"  # as conftest.CORPORA; CI has it too
CPYTHON = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
VENDORED = Path(__file__).parent / "mail"

VERDICTS = {"filed", "rejected", "quarantined", "duplicate"}
# Licence and provenance notes that sit beside the mail; everything else is fed in,
# including the odd non-message (an Outlook .msg, a .wav) — it must still get a verdict.
NOT_MAIL = ("LICENSE", "NOTICE", "README", "SOURCE", "COPYING", "COPYRIGHT")

# (name, folder, floor): the floor stops a test that silently sees nothing from passing.
SHARED = [
    ("mikel-mail", CORPORA / "mikel-mail", 100),
    ("flanker", CORPORA / "flanker", 150),
    ("spamassassin", CORPORA / "spamassassin", 130),
]
# The package registries' test mail, vendored with licence and SOURCE.md.
REGISTRIES = [
    ("mail-parser", VENDORED / "mail-parser", 22),
    ("dkimpy", VENDORED / "dkimpy", 13),
    ("spamassassin-debian", VENDORED / "spamassassin-debian", 2),
]


def mail_files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and not p.name.startswith(".")
                  and not p.name.upper().startswith(NOT_MAIL))


def feed(hub: Hub, root: Path, files: Iterable[Path]) -> tuple[int, list[str], dict[str, int]]:
    """Ingest every file; returns (files seen, failures, count per verdict)."""
    seen, failures, verdicts = 0, [], {}
    for path in files:
        seen += 1
        name = str(path.relative_to(root))
        raw = path.read_bytes()
        try:
            outcome = ingest(hub, raw, Envelope(door="ingest", source=name))
        except Exception as exc:  # noqa: BLE001 - the point is that nothing escapes
            failures.append(f"{name}: raised {type(exc).__name__}: {exc}")
            continue
        verdicts[outcome.verdict] = verdicts.get(outcome.verdict, 0) + 1
        if outcome.verdict not in VERDICTS:
            failures.append(f"{name}: verdict {outcome.verdict!r} {outcome.reasons}")
        if outcome.sha256 != hashlib.sha256(raw).hexdigest():
            failures.append(f"{name}: sha256 {outcome.sha256} is not the hash of the input")
            continue
        try:
            stored = hub.archive.read(outcome.sha256)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{name}: not in the archive: {type(exc).__name__}: {exc}")
            continue
        if stored != raw:
            failures.append(f"{name}: archive holds {len(stored)} bytes, not the "
                            f"{len(raw)} bytes received")
    return seen, failures, verdicts


def check(hub: Hub, name: str, root: Path, files: list[Path], floor: int) -> None:
    started = time.monotonic()
    seen, failures, verdicts = feed(hub, root, files)
    took = time.monotonic() - started
    print(f"{name}: {seen} files in {took:.1f}s, {dict(sorted(verdicts.items()))}")
    assert not failures, (f"{name}: {len(failures)} of {seen} files failed:\n"
                          + "\n".join(failures))
    assert seen >= floor, f"{name}: only {seen} files under {root}, expected at least {floor}"


@pytest.mark.parametrize("name, folder, floor", SHARED, ids=[s[0] for s in SHARED])
def test_shared_corpus(hub: Hub, name: str, folder: Path, floor: int) -> None:
    assert folder.is_dir(), (
        f"{folder} is missing: the shared corpora live at ../shared/corpora beside the "
        "project (CI has them there too); this test must not pass without them")
    check(hub, name, folder, mail_files(folder), floor)


def test_cpython_email_test_data(hub: Hub) -> None:
    assert CPYTHON.is_dir(), (
        f"CPython's email test data is not installed ({CPYTHON} is missing). Install the "
        "Python test suite: on Debian/Ubuntu `apt-get install libpython3.11-testsuite` "
        "(or the package for your Python version); python.org and pyenv builds ship it; "
        "the official Docker images delete it.")
    check(hub, "cpython", CPYTHON, mail_files(CPYTHON, "msg_*.txt"), 48)


@pytest.mark.parametrize("name, folder, floor", REGISTRIES, ids=[r[0] for r in REGISTRIES])
def test_registry_corpus(hub: Hub, name: str, folder: Path, floor: int) -> None:
    assert (folder / "LICENSE.txt").is_file() and (folder / "SOURCE.md").is_file()
    check(hub, name, folder, mail_files(folder), floor)


# ------------------------------------------------------------------ through the SMTP door

MAX_LINE = 998  # octets before CRLF (RFC 5321 4.5.3.1.6)
SESSIONS = 8


def wire_form(raw: bytes) -> bytes:
    """The message as a conforming client puts it on the wire, before dot-stuffing."""
    if not raw:
        return b""
    wire = re.sub(rb"\r?\n", b"\r\n", raw)
    return wire if wire.endswith(b"\r\n") else wire + b"\r\n"


def longest_line(wire: bytes) -> int:
    return max(map(len, wire.split(b"\r\n")))


def send(client: smtplib.SMTP, wire: bytes) -> tuple[int, bytes]:
    """One transaction, DATA sent byte for byte (smtplib's data() would rewrite bare CR)."""
    code, reply = client.mail(SCHOOL)
    if code != 250:
        return code, reply
    code, reply = client.rcpt(TEAM)
    if code != 250:
        client.rset()
        return code, reply
    client.putcmd("data")
    code, reply = client.getreply()
    if code != 354:
        return code, reply
    client.send(re.sub(rb"(?m)^\.", b"..", wire) + b".\r\n")
    return client.getreply()


@pytest.fixture
def door_hub(settings: Settings, clock: Callable[[], datetime]) -> Iterator[Hub]:
    # The shipped limits (25 MB): every corpus file fits, so none is refused for its size.
    hub = open_hub(settings.model_copy(update={"smtp": SmtpSettings(
        listen=f"127.0.0.1:{free_port()}")}), clock)
    yield hub
    hub.engine.dispose()


def filed(hub: Hub, expected: int) -> dict[str, int]:
    """Message states once `expected` rows have left 'received' (or after a minute)."""
    deadline = time.monotonic() + 60
    while True:
        with Session(hub.engine) as session:
            found = dict(session.exec(select(models.Message.state, func.count())
                                      .group_by(models.Message.state)).all())
        if sum(n for s, n in found.items() if s != "received") >= expected or \
                time.monotonic() > deadline:
            return found
        time.sleep(0.1)


ALL = SHARED + REGISTRIES + [("cpython", CPYTHON, 48)]


@pytest.mark.parametrize("name, folder, floor", ALL, ids=[c[0] for c in ALL])
def test_corpus_through_the_smtp_door(door_hub: Hub, name: str, folder: Path,
                                      floor: int) -> None:
    assert folder.is_dir(), f"{folder} is missing: this test must not pass without it"
    files = mail_files(folder, "msg_*.txt" if name == "cpython" else "*")
    assert len(files) >= floor, f"{name}: only {len(files)} files under {folder}"
    wires = {str(path.relative_to(folder)): wire_form(path.read_bytes()) for path in files}
    started = time.monotonic()
    server = Running(door_hub)
    try:
        names = sorted(wires)

        def session(share: list[str]) -> list[tuple[str, int, bytes]]:
            with server.client() as client:
                client.ehlo()
                return [(n, *send(client, wires[n])) for n in share]

        with ThreadPoolExecutor(SESSIONS) as pool:
            replies = [r for rs in pool.map(session, [names[i::SESSIONS]
                                                      for i in range(SESSIONS)]) for r in rs]
        with server.client() as client:  # the door still answers
            assert client.noop()[0] == 250
        accepted = {hashlib.sha256(wires[n]).hexdigest() for n, code, _ in replies
                    if code == 250}
        states = filed(door_hub, len(accepted))
    finally:
        server.close()
    failures, refused = [], 0
    for file, code, reply in replies:
        wire = wires[file]
        too_long = longest_line(wire) > MAX_LINE + 1  # the door allows one octet of slack
        if too_long:
            if code != 500 or b"Line too long" not in reply:
                failures.append(f"{file}: a line of {longest_line(wire)} octets got {code} "
                                f"{reply[:80]!r}, not 500")
        elif code == 250:
            sha256 = hashlib.sha256(wire).hexdigest()
            try:
                if door_hub.archive.read(sha256) != wire:
                    failures.append(f"{file}: the archive differs from what was sent")
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{file}: 250 but not archived: {exc}")
        elif code == 550 and reply.startswith(b"5.7.1"):
            refused += 1
        else:
            failures.append(f"{file}: {code} {reply[:120]!r}")
    with Session(door_hub.engine) as db:
        recorded = db.exec(select(func.count()).select_from(models.Refusal)).one()
    counts: dict[int, int] = {}
    for _, code, _ in replies:
        counts[code] = counts.get(code, 0) + 1
    print(f"{name} over SMTP: {len(replies)} files in {time.monotonic() - started:.1f}s, "
          f"replies {dict(sorted(counts.items()))}, states {dict(sorted(states.items()))}")
    assert not failures, f"{name}: {len(failures)} failures:\n" + "\n".join(failures)
    assert recorded == refused, "each 550 refusal is recorded"
    assert sum(states.values()) == len(accepted) and "error" not in states \
        and "received" not in states, states

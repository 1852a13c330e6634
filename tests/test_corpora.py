"""Mail nobody on this project wrote: every file gets a verdict and is archived byte for byte.

Corpora: ../shared/corpora (mikel-mail, flanker, spamassassin; see its README),
CPython's own test/test_email/data/msg_*.txt, and mail-parser's tests/mails
(vendored in tests/mail/mail-parser, see SOURCE.md there). Each file goes through
pipeline.ingest(); a verdict of "error" or an exception is a failure, and so is an
archive copy that differs from the input. One hub per corpus folder, one test per
folder: failures are collected and reported together with their file names.
"""

from __future__ import annotations

import email
import hashlib
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from mailhub.hub import Hub
from mailhub.pipeline import Envelope, ingest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"  # as conftest.CORPORA; CI has it too
CPYTHON = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
VENDORED = Path(__file__).parent / "mail"

VERDICTS = {"filed", "rejected", "quarantined", "duplicate"}
# Licence and provenance notes that sit beside the mail; everything else is fed in,
# including the odd non-message (an Outlook .msg, a .wav) — it must still get a verdict.
NOT_MAIL = ("LICENSE", "NOTICE", "README", "SOURCE", "COPYING")

# (name, folder, floor): the floor stops a test that silently sees nothing from passing.
SHARED = [
    ("mikel-mail", CORPORA / "mikel-mail", 100),
    ("flanker", CORPORA / "flanker", 150),
    ("spamassassin", CORPORA / "spamassassin", 130),
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


def test_mail_parser_sdist_mails(hub: Hub) -> None:
    folder = VENDORED / "mail-parser"
    assert (folder / "LICENSE.txt").is_file()
    check(hub, "mail-parser", folder, mail_files(folder), 22)

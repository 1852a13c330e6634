"""The exceptions mailhub raises, as one tree.

    MailhubError
     ├── ConfigError        a settings, registry or rules file is wrong; carries Problems
     ├── ArchiveError       the raw archive could not store or find bytes
     └── TemporaryDnsError  DNS gave no answer in time (or failed): check again later

A verdict about a message (rejected, quarantined) is never an exception: the
pipeline records it. Exceptions are for the service itself going wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file the office edits: where, what, and how to fix it."""

    file: Path
    line: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{where}: {self.message} — sửa / fix: {self.fix}"


class MailhubError(Exception):
    """Base of every error mailhub raises on purpose."""


class ConfigError(MailhubError):
    """Configuration, registry or rules failed validation."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ArchiveError(MailhubError):
    """The raw archive could not store or return a message's bytes."""


class TemporaryDnsError(MailhubError):
    """A lookup the sender checks need did not get an answer (timeout, SERVFAIL, no server).
    Never read as "no record": the SMTP door answers 451 and the sender retries."""

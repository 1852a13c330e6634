"""What kind of failure an exception is: the service's storage, or the message.

The disk full, the database unreachable, locked or out of space are the service's
faults and pass: a message not stored yet is refused with 451 (its sender retries),
one not filed yet stays 'received' and is filed when the storage is back. Only a
failure that is about the message itself is recorded against it (state 'error').
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from enum import StrEnum

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from mailhub.errors import ArchiveError

SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class Fault(StrEnum):
    FULL = "full"            # no space left: the archive's disk or the database's
    DATABASE = "database"    # the database unreachable, locked, failing
    STORAGE = "storage"      # the archive cannot write for another reason
    OTHER = "other"          # not the storage: something about the message, or a bug


def fault(exc: BaseException) -> Fault:
    """The kind of failure `exc` (or what caused it) is."""
    causes = list(_chain(exc))
    for cause in causes:
        if isinstance(cause, OSError) and cause.errno in NO_SPACE:
            return Fault.FULL
        if isinstance(cause, sqlite3.Error) and (
                getattr(cause, "sqlite_errorcode", None) == SQLITE_FULL
                or "database or disk is full" in str(cause)):
            return Fault.FULL
        if getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL:
            return Fault.FULL
    if any(isinstance(cause, OperationalError | InterfaceError) for cause in causes):
        return Fault.DATABASE
    if any(isinstance(cause, ArchiveError) for cause in causes):
        return Fault.STORAGE
    return Fault.OTHER


def temporary(exc: BaseException) -> bool:
    """True when the storage failed, not the message: try again later, record nothing."""
    return fault(exc) in (Fault.FULL, Fault.DATABASE)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]
        if isinstance(current, DBAPIError):
            todo.append(current.orig)

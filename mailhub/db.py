"""Database engine and schema: SQLite (WAL) by default, PostgreSQL by URL.

The schema is managed by Alembic (mailhub/migrations). `ensure_schema` brings
a database to the newest revision, so every command works on an empty one.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0008"  # the newest revision in migrations/versions (a test keeps the two equal)


def make_engine(url: str, timeout: float = 30.0) -> Engine:
    """An engine for the URL; SQLite gets WAL, full fsync on commit and a busy timeout.
    `timeout`: seconds to wait for SQLite's write lock, or for a PostgreSQL connection;
    then the statement fails (and a door answers 451) rather than keep a sender waiting."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": timeout})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        _WRITERS[engine] = WriteLock(Path(path) if path and path != ":memory:" else None)
        if path and path != ":memory:":
            checkpointer = Checkpointer.of(Path(path))
            event.listen(engine, "commit", lambda _: checkpointer.nudge())
        return engine
    # libpq counts whole seconds, and fewer than 2 as 2.
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"connect_timeout": max(2, round(timeout))})


class WriteLock:
    """SQLite has one writer at a time. Writers queue here, and each is handed the lock
    the moment it is free, instead of polling through SQLite's busy handler, which sleeps
    milliseconds between tries: threads of a process on a lock, processes (the daemon's
    filing workers, a `mailhub ingest` beside the daemon) on an flock of <db>.lock."""

    def __init__(self, database: Path | None) -> None:
        self._threads = threading.Lock()
        self._path = database.with_name(database.name + ".lock") if database else None
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)


_WRITERS: WeakKeyDictionary[Engine, WriteLock] = WeakKeyDictionary()

CHECKPOINT_BYTES = 4 << 20   # WAL copied back into the database past this (SQLite's default)
WRITER_CHECKPOINT_PAGES = 16384  # a committing writer still does it past 64 MiB: the bound
CHECKPOINTER_IDLE = 60.0     # seconds without a commit before the thread ends


class Checkpointer:
    """Copies an SQLite database's WAL back into the database in a thread of its own.

    SQLite's automatic checkpoint runs inside the commit that crosses 1,000 pages: a
    filing group's commit waited ~25 ms for it, the recording thread with it. Here a
    commit only nudges this thread, whose PASSIVE checkpoint blocks no reader or writer.
    The writers' own automatic checkpoint stays on at 64 MiB, should this one fall behind.
    One per database file in a process; the thread ends after an idle minute."""

    _all: dict[Path, Checkpointer] = {}
    _made = threading.Lock()

    @classmethod
    def of(cls, database: Path) -> Checkpointer:
        with cls._made:
            return cls._all.setdefault(database.resolve(), cls(database.resolve()))

    def __init__(self, database: Path) -> None:
        self.database = database
        self._wal = database.with_name(database.name + "-wal")
        self._nudged = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def nudge(self) -> None:
        with self._lock:
            self._nudged.set()
            if self._thread is None or not self._thread.is_alive():  # idle, or forked
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"checkpoint {self.database.name}")
                self._thread.start()

    def _run(self) -> None:
        try:  # mode=rw: a database removed meanwhile is not created anew
            with closing(sqlite3.connect(f"{self.database.as_uri()}?mode=rw", uri=True,
                                         timeout=30.0, check_same_thread=False)) as connection:
                while self._nudge_came():
                    if _size(self._wal) >= CHECKPOINT_BYTES:
                        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # the next commit starts another; writers bound the WAL anyway
            with self._lock:
                self._thread = None

    def _nudge_came(self) -> bool:
        """Wait for a nudge; False after an idle spell, and the thread is then let go
        (decided under the lock, so a nudge meanwhile is never left to a dying thread)."""
        if not self._nudged.wait(CHECKPOINTER_IDLE):
            with self._lock:
                if not self._nudged.is_set():
                    self._thread = None
                    return False
        self._nudged.clear()
        return True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")  # see Checkpointer
    cursor.close()


def _sqlite_begin(db: Connection) -> None:
    # A write transaction (see transaction()) is IMMEDIATE: it takes the write lock up
    # front, so a check-then-write (is this Message-ID known?) cannot interleave with
    # another process's and never fails half-way. Reads begin deferred and lock nothing.
    options = db.get_execution_options()
    if not options.get("write"):
        db.exec_driver_sql("BEGIN")
        return
    synchronous = "FULL" if options.get("durable") else "NORMAL"
    if db.info.get("synchronous") != synchronous:  # kept per connection: set on change only
        db.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
        db.info["synchronous"] = synchronous
    db.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine, durable: bool = True) -> Iterator[Connection]:
    """One transaction. durable=True: its commit survives power loss (a received message:
    the door has acknowledged it). durable=False: a commit lost to power loss is redone
    (a filing: the message is still 'received' and is filed again at start)."""
    with _WRITERS.get(engine, nullcontext()), \
            engine.connect().execution_options(write=True, durable=durable) as db, db.begin():
        if db.dialect.name == "postgresql" and not durable:
            db.exec_driver_sql("SET LOCAL synchronous_commit = off")
        yield db


def lock_key(db: Connection, key: str) -> None:
    """Serialise transactions that touch the same key (SQLite's IMMEDIATE already does)."""
    if db.dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """What the migrations compare with the models: not apscheduler's table, and not the
    search index (search.py), which each database keeps its own way (FTS5 adds the
    tables search_index_data, _idx, _content, _docsize and _config)."""
    if type_ != "table" or name is None:
        return True
    return name != "apscheduler_jobs" and name != "search_index" \
        and not name.startswith("search_index_")


# Alembic (and the template engine it brings) is imported where migrations are looked at:
# a filing worker, whose parent has brought the schema up to date, never loads it.


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database if it is behind. When it is current, one query says so:
    Alembic (a quarter of a second to import and read the migrations) is not loaded."""
    if stored_revision(engine) != HEAD:
        upgrade(engine)


def stored_revision(engine: Engine) -> str | None:
    """The revision the database says it is at (Alembic's table), None if none."""
    with engine.connect() as db:
        if not engine.dialect.has_table(db, "alembic_version"):
            return None
        return db.execute(text("SELECT version_num FROM alembic_version")).scalar()

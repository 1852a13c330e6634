"""SQLite's WAL is copied back into the database by a thread of its own (db.Checkpointer),
not by the commit that crosses the threshold; what was committed stays, and is read back
by a process that opens the database afresh."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from mailhub import db

ROWS = 400
ROW = "x" * 20_000  # 400 rows of 20 kB: about twice the threshold of WAL


def test_the_checkpointer_thread_copies_the_wal_back(tmp_path: Path) -> None:
    path = tmp_path / "mailhub.db"
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with db.transaction(engine) as connection:
            connection.execute(text("CREATE TABLE page (id INTEGER PRIMARY KEY, body TEXT)"))
        with engine.connect() as connection:  # the writers' own threshold: 64 MiB
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == \
                db.WRITER_CHECKPOINT_PAGES
        before = path.stat().st_size
        for _ in range(0, ROWS, 50):
            with db.transaction(engine, durable=False) as connection:
                connection.execute(text("INSERT INTO page (body) VALUES (:body)"),
                                   [{"body": ROW}] * 50)
        # No writer crossed 64 MiB, so only the thread can have grown the database file.
        deadline = time.monotonic() + 10
        while path.stat().st_size < before + ROWS * len(ROW) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= before + ROWS * len(ROW)
        checkpointer = db.Checkpointer.of(path)
        assert checkpointer.database == path.resolve()
    finally:
        engine.dispose()
    with sqlite3.connect(path) as fresh:
        assert fresh.execute("SELECT count(*), min(length(body)) FROM page").fetchone() == \
            (ROWS, len(ROW))


def test_one_checkpointer_per_database_file(tmp_path: Path) -> None:
    path = tmp_path / "mailhub.db"
    assert db.Checkpointer.of(path) is db.Checkpointer.of(tmp_path / "." / "mailhub.db")
    assert db.Checkpointer.of(path) is not db.Checkpointer.of(tmp_path / "other.db")


def test_the_thread_ends_when_idle_and_comes_back(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "CHECKPOINTER_IDLE", 0.1)
    path = tmp_path / "mailhub.db"
    sqlite3.connect(path).close()
    checkpointer = db.Checkpointer.of(path)
    checkpointer.nudge()
    first = checkpointer._thread
    assert first is not None and first.is_alive()
    first.join(timeout=5)
    assert not first.is_alive() and checkpointer._thread is None
    checkpointer.nudge()
    assert checkpointer._thread is not None and checkpointer._thread is not first

"""Bulk filing in worker processes: same outcomes as one process, nothing filed twice."""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from mailhub import deciding, models, pipeline
from mailhub.batch import Filer, ingest_all
from mailhub.chain import verify
from mailhub.config import Settings
from mailhub.hub import Hub, open_hub
from mailhub.pipeline import Envelope, ingest

from .conftest import ROOT
from .factory import mail

SAMPLES = ROOT / "data" / "samples"


def messages(folder: Path) -> list[tuple[bytes, Envelope]]:
    return [(p.read_bytes(), Envelope(source=p.name)) for p in sorted(folder.glob("*.eml"))]


def test_workers_give_the_outcomes_of_one_process_in_input_order(hub: Hub) -> None:
    batch = messages(SAMPLES)
    with Filer(hub, jobs=2) as filer:
        filer.warm()  # else this process decides these few while the workers start
        outcomes = list(filer.ingest_all(batch))
    assert [o.source for o in outcomes] == [envelope.source for _, envelope in batch]
    verdicts = {o.source: o.verdict for o in outcomes}
    assert verdicts["z-gui-lai-bao-cao-thang.eml"] == "duplicate"
    assert verdicts["gia-mao-gmail-tieu-hoc-dai-kim.eml"] == "rejected"
    assert sum(v == "filed" for v in verdicts.values()) == 9
    # The bulk path writes the chain's entries and the search entries from the values it
    # inserts: verify() recomputes them from the rows and must find them all as written.
    assert verify(hub) == []
    with hub.engine.connect() as db:  # every sample has words: each message row is indexed
        rows, indexed = (db.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                         for table in ("message", "search_index"))
    assert indexed == rows == len({o.id for o in outcomes})


def _file_in_own_process(settings: Settings, batch: list[tuple[bytes, Envelope]],
                         bulk: bool) -> list[str]:
    hub = open_hub(settings)
    try:
        if bulk:
            return [outcome.verdict for outcome in ingest_all(hub, batch)]
        return [ingest(hub, raw, envelope).verdict for raw, envelope in batch]
    finally:
        hub.engine.dispose()


def _race(hub: Hub, bulk: bool, *batches: list[tuple[bytes, Envelope]]) -> list[str]:
    """Each batch filed by a process of its own, all at once; their verdicts."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(len(batches), mp_context=spawn) as pool:
        return [verdict for done in pool.map(_file_in_own_process, [hub.settings] * len(batches),
                                             batches, [bulk] * len(batches))
                for verdict in done]


def _reports(tag: str) -> tuple[list[bytes], list[bytes]]:
    """40 reports, and each relayed: a Received line more, the same Message-ID and sender."""
    originals = [mail(subject=f"Báo cáo tháng {1 + i % 12}/2026 lần {i}",
                      message_id=f"<{tag}{i}@c1dinhcong-hm.hanoiedu.vn>") for i in range(40)]
    return originals, [b"Received: from mx by hub; Wed, 18 Nov 2026 09:31:00 +0700\r\n" + raw
                       for raw in originals]


def _filings(hub: Hub) -> int:
    with Session(hub.engine) as session:
        return session.exec(select(func.count()).select_from(models.Filing)).one()


def _sources(route: str, copies: list[bytes]) -> list[tuple[bytes, Envelope]]:
    return [(raw, Envelope(source=f"{route}/{i}")) for i, raw in enumerate(copies)]


def test_two_processes_racing_with_copies_file_each_message_once(hub: Hub) -> None:
    # Two hubs (as two `mailhub serve` processes) get the same 40 reports at the same time,
    # through two routes: same Message-ID and sender, different bytes.
    originals, relayed = _reports("r")
    verdicts = _race(hub, False, _sources("a", originals), _sources("b", relayed))
    assert verdicts.count("filed") == 40 and verdicts.count("duplicate") == 40, verdicts
    assert _filings(hub) == 40


def test_two_bulk_imports_racing_over_the_same_mail_file_each_message_once(hub: Hub) -> None:
    # Two imports (as `mailhub imap sync` from cron beside `mailhub serve`) record the same
    # reports at the same time, a group each: the same bytes, and relayed copies.
    originals, relayed = _reports("b")
    verdicts = _race(hub, True, _sources("a", originals + relayed),
                     _sources("b", relayed + originals))
    assert verdicts.count("filed") == 40 and verdicts.count("duplicate") == 120, verdicts
    assert _filings(hub) == 40
    assert verify(hub) == []


def test_workers_and_the_recording_process_keep_dedupe(hub: Hub) -> None:
    raw = mail(message_id="<same@c1dinhcong-hm.hanoiedu.vn>")
    batch = [(raw, Envelope(source="1")), (b"X-Copy: 1\r\n" + raw, Envelope(source="2")),
             (raw, Envelope(source="3"))] * 30
    with Filer(hub, jobs=2) as filer:
        filer.warm()
        verdicts = [o.verdict for o in filer.ingest_all(batch)]
    assert verdicts[0] == "filed" and verdicts[1:] == ["duplicate"] * (len(batch) - 1)


def test_cli_ingest_with_workers(hub: Hub, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    shutil.copytree(SAMPLES, folder)
    with Filer(hub, jobs=2) as filer:
        first = [o.verdict for o in filer.ingest_all(messages(folder))]
        again = [o.verdict for o in filer.ingest_all(messages(folder))]
    assert first.count("filed") == 9
    assert again == ["duplicate"] * len(again)


def test_a_bulk_import_writes_each_message_once_and_only_when_decided(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    batch = messages(SAMPLES)
    statements: list[str] = []
    event.listen(hub.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: statements.append(sql.lstrip().upper()))

    def disk_failed(*_: object) -> None:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))

    # The database fails as the first group is recorded: the bytes are archived, nothing
    # is in the database (no row waits in 'received'), and the import says so.
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "_insert_stored", disk_failed)
        with pytest.raises(OperationalError):
            list(ingest_all(hub, batch))
    with hub.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM message")).scalar() == 0
    assert all(hub.archive.path_for(sha256(raw).hexdigest()).exists() for raw, _ in batch)

    # The same import again files each message once; each row is inserted complete, never
    # rewritten, and the chain holds an archive and a decision entry for each.
    statements.clear()
    outcomes = list(ingest_all(hub, batch))
    assert [o.verdict for o in outcomes].count("filed") == 9
    assert not [sql for sql in statements if sql.startswith("UPDATE MESSAGE")]
    assert verify(hub) == []
    rows = len({o.id for o in outcomes})  # a repeat of the same bytes adds no row
    with hub.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM message")).scalar() == rows
        kinds = db.execute(text("SELECT kind, count(*) FROM audit_entry GROUP BY kind")).all()
    assert dict(kinds) == {"archive": rows, "decision": rows}


def test_a_message_that_cannot_be_decided_is_kept_as_error_with_its_headers(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = mail(subject="Báo cáo hỏng", message_id="<hong@c1dinhcong-hm.hanoiedu.vn>")
    batch = [(mail(), Envelope(source="1")), (broken, Envelope(source="2")),
             (mail(), Envelope(source="3"))]
    decide = deciding.decide_filing

    def fails_on_the_broken_one(hub: Hub, row: dict[str, Any], raw: bytes | None = None,
                                now: datetime | None = None) -> deciding.Decision:
        if raw == broken:
            raise ValueError("bộ phân loại hỏng / classifier broken")
        return decide(hub, row, raw, now)

    monkeypatch.setattr(deciding, "decide_filing", fails_on_the_broken_one)
    outcomes = list(ingest_all(hub, batch))
    assert [o.verdict for o in outcomes] == ["filed", "error", "filed"]
    assert "error: ValueError: bộ phân loại hỏng / classifier broken" in outcomes[1].reasons
    with Session(hub.engine) as session:
        row = session.get(models.Message, outcomes[1].id)
        assert row is not None and row.message_id == "hong@c1dinhcong-hm.hanoiedu.vn"
        assert row.source == "2" and row.state_reason.startswith("ValueError")
    assert verify(hub) == []

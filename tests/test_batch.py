"""Bulk filing in worker processes: same outcomes as one process, nothing filed twice."""

from __future__ import annotations

import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import Session, select

from mailhub import models
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
    outcomes = list(ingest_all(hub, batch, jobs=2))
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


def _file_in_own_process(settings: Settings, batch: list[tuple[bytes, Envelope]]) -> list[str]:
    hub = open_hub(settings)
    try:
        return [ingest(hub, raw, envelope).verdict for raw, envelope in batch]
    finally:
        hub.engine.dispose()


def test_two_processes_racing_with_copies_file_each_message_once(hub: Hub) -> None:
    # Two hubs (as two `mailhub serve` processes) get the same 40 reports at the same time,
    # through two routes: same Message-ID and sender, different bytes.
    originals = [mail(subject=f"Báo cáo tháng {1 + i % 12}/2026 lần {i}",
                      message_id=f"<r{i}@c1dinhcong-hm.hanoiedu.vn>") for i in range(40)]
    relayed = [b"Received: from mx by hub; Wed, 18 Nov 2026 09:31:00 +0700\r\n" + raw
               for raw in originals]
    batches = [[(raw, Envelope(source=f"{route}/{i}")) for i, raw in enumerate(copies)]
               for route, copies in (("a", originals), ("b", relayed))]
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        verdicts = [v for done in pool.map(_file_in_own_process, [hub.settings] * 2, batches)
                    for v in done]
    assert verdicts.count("filed") == 40 and verdicts.count("duplicate") == 40, verdicts
    with Session(hub.engine) as session:
        filed = session.exec(select(func.count()).select_from(models.Filing)).one()
    assert filed == 40


def test_workers_and_the_recording_process_keep_dedupe(hub: Hub) -> None:
    raw = mail(message_id="<same@c1dinhcong-hm.hanoiedu.vn>")
    batch = [(raw, Envelope(source="1")), (b"X-Copy: 1\r\n" + raw, Envelope(source="2")),
             (raw, Envelope(source="3"))] * 30
    with Filer(hub, jobs=2) as filer:
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

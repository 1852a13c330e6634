"""Bulk filing in worker processes: same outcomes as one process, nothing filed twice."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from mailhub import models
from mailhub.batch import Filer, ingest_all
from mailhub.hub import Hub
from mailhub.pipeline import Envelope

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


def test_copies_racing_through_workers_are_filed_once(hub: Hub, tmp_path: Path) -> None:
    # 40 messages, each sent twice with the same Message-ID but different bytes (as when
    # a report reaches the office through two routes), interleaved so workers race.
    originals = [mail(subject=f"Báo cáo tháng {1 + i % 12}/2026 lần {i}",
                      message_id=f"<r{i}@c1dinhcong-hm.hanoiedu.vn>") for i in range(40)]
    relayed = [b"Received: from mx by hub; Wed, 18 Nov 2026 09:31:00 +0700\r\n" + raw
               for raw in originals]
    batch = [(raw, Envelope(source=str(i))) for i, pair in enumerate(zip(originals, relayed,
             strict=True)) for raw in pair]
    with Filer(hub, jobs=2) as filer:
        verdicts = [o.verdict for o in filer.ingest_all(batch)]
    assert verdicts.count("filed") == 40 and verdicts.count("duplicate") == 40
    with Session(hub.engine) as session:
        filed = session.exec(select(func.count()).select_from(models.Filing)).one()
    assert filed == 40


def test_cli_ingest_with_workers(hub: Hub, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    shutil.copytree(SAMPLES, folder)
    with Filer(hub, jobs=2) as filer:
        first = [o.verdict for o in filer.ingest_all(messages(folder))]
        again = [o.verdict for o in filer.ingest_all(messages(folder))]
    assert first.count("filed") == 9
    assert again == ["duplicate"] * len(again)

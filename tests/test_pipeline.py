"""The filing pipeline end to end: receive -> file, verdicts, reasons, archive, dedupe."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from mailhub import models
from mailhub.hub import Hub, open_hub
from mailhub.pipeline import Envelope, file, ingest, receive

from .conftest import ROOT
from .factory import mail

SAMPLES = ROOT / "data" / "samples"


def run(hub: Hub, raw: bytes, source: str = "test") -> object:
    return ingest(hub, raw, Envelope(door="ingest", source=source))


def count(hub: Hub, table: type) -> int:
    with Session(hub.engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_samples_get_the_outcomes_their_readme_promises(hub: Hub) -> None:
    outcomes = {p.name: run(hub, p.read_bytes(), p.name) for p in sorted(SAMPLES.glob("*.eml"))}
    expected = {
        "bao-cao-thang-11-tieu-hoc-dinh-cong.eml": ("filed", "bao-cao-thang", "2026-11"),
        "csvc-chi-o-ten-tep-tieu-hoc-hoang-liet.eml": ("filed", "co-so-vat-chat", "2026-10"),
        "gia-mao-gmail-tieu-hoc-dai-kim.eml": ("rejected", None, None),
        "khan-phan-anh-phu-huynh-thcs-hoang-liet.eml": ("filed", "du-luan", "2026-11"),
        "khong-co-trong-danh-ba-c1khongco.eml": ("quarantined", None, None),
        "khong-dau-vsattp-mam-non-hoa-mi.eml": ("filed", "ve-sinh-an-toan-thuc-pham", "2026-10"),
        "ky-nang-song-windows-1258-tieu-hoc-tan-mai.eml": ("filed", "ky-nang-song", "2026-10"),
        "re-phong-chong-tai-nan-thuong-tich-mam-non-son-ca.eml":
            ("filed", "truong-hoc-an-toan", "2026-10"),
        "stem-html-thcs-dinh-cong.eml": ("filed", "stem", "2026-11"),
        "tuyen-sinh-thcs-tan-mai.eml": ("filed", "tuyen-sinh", "2026-10"),
        "vsattp-mam-non-hoa-lan.eml": ("filed", "ve-sinh-an-toan-thuc-pham", "2026-10"),
        "z-gui-lai-bao-cao-thang.eml": ("duplicate", None, None),
    }
    got = {name: (o.verdict, o.topics[0] if o.topics else None, o.period)  # type: ignore[attr-defined]
           for name, o in outcomes.items()}
    assert got == expected
    urgent = outcomes["khan-phan-anh-phu-huynh-thcs-hoang-liet.eml"]
    assert urgent.urgent and urgent.team == "TO-THCS" and urgent.unit == "THCS-HOANGLIET"  # type: ignore[attr-defined]


def test_personal_sender_is_rejected_with_a_bilingual_reason(hub: Hub) -> None:
    outcome = run(hub, mail(sender="Trường TH Định Công <truongdinhcong@GMail.com>"))
    assert outcome.verdict == "rejected"  # type: ignore[attr-defined]
    assert "sender.personal_domain: gmail.com" in outcome.reasons  # type: ignore[attr-defined]
    with Session(hub.engine) as session:
        hit = session.exec(select(models.RuleHit).where(
            models.RuleHit.rule == "sender.personal_domain")).one()
    assert "hộp thư cá nhân" in hit.reason_vi and "Personal mailboxes" in hit.reason_en
    assert count(hub, models.Filing) == 0


def test_unknown_official_sender_is_quarantined(hub: Hub) -> None:
    outcome = run(hub, mail(sender="c1truongmoi-hm@hanoiedu.vn"))
    assert outcome.verdict == "quarantined"  # type: ignore[attr-defined]
    # the deciding rule, after the note that nothing authenticated the sender
    assert outcome.reasons[-1] == "sender.unknown_official: hanoiedu.vn"  # type: ignore[attr-defined]


def test_missing_from_is_quarantined_not_crashed(hub: Hub) -> None:
    outcome = run(hub, mail(sender=""))
    assert outcome.verdict == "quarantined"  # type: ignore[attr-defined]
    assert any(r.startswith("sender.missing_from") for r in outcome.reasons)  # type: ignore[attr-defined]


def test_unreadable_bytes_are_archived_and_get_a_verdict(hub: Hub) -> None:
    raw = b"\x00\xff garbage \r\n\r\n\x00"
    outcome = run(hub, raw)
    assert outcome.verdict == "quarantined"  # type: ignore[attr-defined]
    assert hub.archive.read(outcome.sha256) == raw  # type: ignore[attr-defined]


def test_filed_report_records_school_level_topic_period_team(hub: Hub) -> None:
    outcome = run(hub, mail(sender="MNHoaLan-HM@hanoiedu.vn", to="tomamnon.pgdhm@hanoiedu.vn",
                            subject="BC VSATTP T10-2026",
                            body="Trường MN Hoa Lan gửi báo cáo công tác vệ sinh an toàn thực "
                                 "phẩm, bếp ăn bán trú."))
    assert (outcome.verdict, outcome.unit, outcome.level, outcome.team, outcome.period) == (  # type: ignore[attr-defined]
        "filed", "MN-HOALAN", "MN", "TO-MN", "2026-10")
    assert outcome.topics[0] == "ve-sinh-an-toan-thuc-pham"  # type: ignore[attr-defined]
    assert any(r.startswith('topic.ve-sinh-an-toan-thuc-pham: subject "VSATTP"')
               for r in outcome.reasons), outcome.reasons  # type: ignore[attr-defined]
    assert 'period.subject: 2026-10 from "t10-2026"' in outcome.reasons  # type: ignore[attr-defined]


def test_same_bytes_twice_is_a_duplicate_and_files_nothing_twice(hub: Hub) -> None:
    raw = mail()
    first, second = run(hub, raw), run(hub, raw)
    assert (first.verdict, second.verdict) == ("filed", "duplicate")  # type: ignore[attr-defined]
    assert count(hub, models.Message) == 1 and count(hub, models.Filing) == 1


def test_same_message_id_through_another_route_is_a_duplicate(hub: Hub) -> None:
    raw = mail(message_id="<report-1@c1dinhcong-hm.hanoiedu.vn>")
    relayed = b"Received: from mx.hanoiedu.vn by hub; Wed, 18 Nov 2026 09:31:00 +0700\r\n" + raw
    first, second = run(hub, raw), run(hub, relayed)
    assert (first.verdict, second.verdict) == ("filed", "duplicate")  # type: ignore[attr-defined]
    assert count(hub, models.Filing) == 1
    assert hub.archive.read(second.sha256) == relayed  # type: ignore[attr-defined]


def test_archive_is_content_addressed_and_leaves_no_temporary_files(hub: Hub) -> None:
    raw = mail()
    receipt = receive(hub, raw, Envelope())
    path = hub.archive.path_for(receipt.sha256)
    assert path.read_bytes() == raw and path.name == f"{receipt.sha256}.eml"
    assert list((hub.settings.archive_dir / "tmp").iterdir()) == []


def test_received_rows_are_filed_after_a_restart_and_filing_is_idempotent(hub: Hub) -> None:
    receipts = [receive(hub, mail(subject=f"Báo cáo tháng {m}/2026"), Envelope())
                for m in (9, 10)]
    restarted = open_hub(hub.settings, hub.clock)  # as after a crash between receive and file
    outcomes = [file(restarted, receipt.id) for receipt in receipts]
    assert [o.verdict for o in outcomes] == ["filed", "filed"]
    assert [o.period for o in outcomes] == ["2026-09", "2026-10"]
    assert file(restarted, receipts[0].id).verdict == "filed"
    assert count(hub, models.Filing) == 2
    restarted.engine.dispose()


def test_a_failing_message_is_recorded_as_error_and_the_next_one_is_filed(hub: Hub) -> None:
    broken = receive(hub, mail(subject="Báo cáo tháng 9/2026"), Envelope())
    fine = receive(hub, mail(subject="Báo cáo tháng 10/2026"), Envelope())
    os.remove(hub.archive.path_for(broken.sha256))  # the disk lost it
    outcomes = [file(hub, receipt.id) for receipt in (broken, fine)]
    assert [o.verdict for o in outcomes] == ["error", "filed"]
    assert "missing from" in outcomes[0].reasons[-1]
    assert outcomes[1].id == fine.id


def test_exception_address_is_accepted_until_it_expires(hub: Hub, office: Path) -> None:
    senders = office / "rules" / "senders.toml"
    senders.write_text(senders.read_text(encoding="utf-8") + """
[[exception]]
address = "mnhoalan.tam@gmail.com"
unit = "MN-HOALAN"
expires = 2026-11-30
reason = { vi = "Hộp thư công vụ đang cấp lại", en = "Official mailbox being reissued" }
""", encoding="utf-8")
    excepted = open_hub(hub.settings, hub.clock)
    outcome = run(excepted, mail(sender="mnhoalan.tam@gmail.com"))
    assert (outcome.verdict, outcome.unit) == ("filed", "MN-HOALAN")  # type: ignore[attr-defined]
    later = open_hub(hub.settings, lambda: hub.clock().replace(month=12, day=5))
    assert run(later, mail(sender="mnhoalan.tam@gmail.com")).verdict == "rejected"  # type: ignore[attr-defined]
    excepted.engine.dispose()
    later.engine.dispose()


def test_topic_routed_to_its_own_team(hub: Hub, office: Path) -> None:
    topics = office / "rules" / "topics.toml"
    text = topics.read_text(encoding="utf-8")
    topics.write_text(text.replace('id = "thu-chi"', 'id = "thu-chi"\nteam = "TO-VP"'),
                      encoding="utf-8")
    routed = open_hub(hub.settings, hub.clock)
    outcome = run(routed, mail(subject="Công khai tài chính, các khoản thu năm học 2026-2027"))
    assert (outcome.topics[0], outcome.team) == ("thu-chi", "TO-VP")  # type: ignore[attr-defined]
    routed.engine.dispose()

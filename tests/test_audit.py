"""Audit: one message in full, the views, CSV/XLSX exports, who looked, and the rules dry run
that changes nothing."""

from __future__ import annotations

import codecs
import csv
import email.policy
import json
import re
import shutil
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select
from typer.testing import CliRunner

from mailhub import models
from mailhub.access import os_user
from mailhub.audit import raw, rejected_senders, show, try_rules
from mailhub.cli import app
from mailhub.directives import broadcast
from mailhub.errors import ConfigError, MailhubError
from mailhub.exports import write_rows
from mailhub.hub import Hub
from mailhub.pipeline import Envelope, ingest
from mailhub.registry import Kind

from .factory import VN, mail

runner = CliRunner()
OFFICE = "pgd-hoangmai@hanoiedu.vn"
LIBRARY = "Báo cáo về thư viện trường học"  # co-so-vat-chat by the shipped rules


def schools(hub: Hub, kind: Kind) -> list[str]:
    return [u.email for u in hub.registry.units if u.kind is kind]


def cli(config: Path, *args: str) -> Any:
    # wide enough that no table cell is folded: the tests look for whole words
    return runner.invoke(app, ["--config", str(config), *args], env={"COLUMNS": "250"})


def filed(hub: Hub, raw_bytes: bytes, received: datetime | None = None) -> int:
    outcome = ingest(hub, raw_bytes, Envelope(door="smtp", received_at=received))
    assert outcome.verdict in ("filed", "rejected"), outcome
    return outcome.id


def directive() -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Phòng GD&ĐT Hoàng Mai <{OFFICE}>"
    msg["To"] = "thcs@mailhub.localhost"
    msg["Subject"] = "Công văn số 3851/KH-PGDĐT về kế hoạch thi học sinh giỏi"
    msg["Date"] = "Fri, 20 Nov 2026 09:00:00 +0700"
    msg["Message-ID"] = "<cv3851@pgd.hanoiedu.vn>"
    msg.set_content("Kính gửi các trường THCS,\nPhòng gửi kế hoạch kèm theo.\n")
    return msg.as_bytes(policy=email.policy.SMTP)


# ------------------------------------------------------------------ show, raw


def test_show_by_number_and_by_message_id_gives_the_whole_record(hub: Hub) -> None:
    school = schools(hub, Kind.TH)[0]
    message = filed(hub, mail(sender=school, subject="Báo cáo tuyển sinh lớp 1 năm 2026",
                              message_id="<ts-2026@c1.hanoiedu.vn>",
                              attachments=(("TS-lop1.xlsx", b"x" * 1234),)))
    found = show(hub, str(message))
    assert show(hub, "<ts-2026@c1.hanoiedu.vn>") == found == show(hub, "ts-2026@c1.hanoiedu.vn")
    assert found["state"] == "filed" and found["from_address"] == school
    assert {"name": "Subject", "value": "Báo cáo tuyển sinh lớp 1 năm 2026"} in found["headers"]
    rules = {hit["rule"]: hit for hit in found["hits"]}
    assert rules["sender.registered"]["reason_vi"] and rules["sender.registered"]["reason_en"]
    assert rules["topic.tuyen-sinh"]["detail"].startswith("subject")
    unit = hub.registry.by_email[school]
    assert found["filing"]["unit"] == unit.code and found["filing"]["unit_name"] == unit.name
    assert found["filing"]["topics"][0] == {"id": "tuyen-sinh", "name": "Tuyển sinh",
                                            "score": found["filing"]["topics"][0]["score"]}
    assert found["filing"]["period"] == "2026-11" and found["filing"]["team"] == "TO-TH"
    assert found["attachments"] == [{"name": "TS-lop1.xlsx", "content_type":
                                     "application/octet-stream", "size": 1234,
                                     "sha256": found["attachments"][0]["sha256"]}]
    archive = found["archive"]
    assert archive["present"] and archive["path"] == str(hub.archive.path_for(archive["sha256"]))
    assert found["answers"] == [] and found["directive"] is None
    with pytest.raises(KeyError):
        show(hub, "999999")


def test_show_names_the_directive_a_reply_answers_and_the_directive_itself(hub: Hub) -> None:
    done = broadcast(hub, directive(), ["thcs"])
    school = schools(hub, Kind.THCS)[0]
    reply = filed(hub, mail(sender=school, to=OFFICE, subject="V/v xác nhận CV 3851/KH-PGDĐT",
                            body="Trường đã nhận."))
    answers = show(hub, str(reply))["answers"]
    assert [(a["directive"], a["number"], a["unit"]) for a in answers] == [
        (done.id, "3851/KH-PGDĐT", hub.registry.by_email[school].code)]
    assert answers[0]["acknowledged_at"]
    itself = show(hub, "cv3851@pgd.hanoiedu.vn")
    assert itself["state"] == "directive" and itself["directive"]["id"] == done.id
    assert itself["directive"]["lists"] == ["thcs"]


def test_raw_gives_the_bytes_as_received(hub: Hub, config_file: Path) -> None:
    sent = (mail(subject="Báo cáo tháng 11/2026").replace(b"\n", b"\r\n")
            + b"\r\n-- \r\n\xff\xfe 8-bit tail, no final newline")
    message = filed(hub, sent)
    assert raw(hub, str(message)) == sent
    result = cli(config_file, "audit", "show", str(message), "--raw")
    assert result.exit_code == 0 and result.stdout_bytes == sent


def test_the_show_command_prints_and_fails_clearly(hub: Hub, config_file: Path) -> None:
    message = filed(hub, mail(subject="Báo cáo tuyển sinh lớp 1"))
    shown = cli(config_file, "audit", "show", str(message))
    assert shown.exit_code == 0, shown.output
    for text in ("sender.registered", "Địa chỉ có trong danh bạ", "tuyen-sinh", "TO-TH",
                 str(hub.archive.path_for(show(hub, str(message))["archive"]["sha256"]))):
        assert text in shown.output.replace("\n", ""), text
    as_json = cli(config_file, "audit", "show", str(message), "--json")
    assert json.loads(as_json.output) == show(hub, str(message))
    missing = cli(config_file, "audit", "show", "<nobody@nowhere>")
    assert missing.exit_code == 1 and "nobody@nowhere" in missing.output


# ------------------------------------------------------------------ views


def a_month(hub: Hub) -> list[str]:
    """Two primary schools report in November, one on time and one late."""
    codes = [u.code for u in hub.registry.units if u.kind is Kind.TH][:2]
    for code, day in zip(codes, (20, 26), strict=True):
        filed(hub, mail(sender=hub.registry.by_code[code].email, subject="Báo cáo tháng 11/2026"),
              datetime(2026, 11, day, 10, 0, tzinfo=VN))
    return codes


def test_the_compliance_view_is_report_status(hub: Hub, config_file: Path) -> None:
    on_time, late = a_month(hub)
    view = cli(config_file, "audit", "compliance", "--month", "2026-11", "--level", "TH",
               "--json")
    report = cli(config_file, "report", "status", "--month", "2026-11", "--level", "TH", "--json")
    assert view.exit_code == 0 and json.loads(view.output) == json.loads(report.output)
    states = {row["unit"]: row["state"] for row in json.loads(view.output)}
    assert states[on_time] == "on_time" and states[late] == "late"
    table = cli(config_file, "audit", "compliance", "--month", "2026-11", "--level", "TH")
    assert table.exit_code == 0 and on_time in table.output and "missing" in table.output
    bad = cli(config_file, "audit", "compliance", "--month", "11/2026")
    assert bad.exit_code == 1 and "YYYY-MM" in bad.output


def test_the_directives_view_shows_reach_and_acknowledgements(hub: Hub,
                                                              config_file: Path) -> None:
    done = broadcast(hub, directive(), ["thcs"])
    filed(hub, mail(sender=schools(hub, Kind.THCS)[0], to=OFFICE,
                    subject="V/v xác nhận CV 3851/KH-PGDĐT"))
    view = cli(config_file, "audit", "directives", "--json")
    assert view.exit_code == 0, view.output
    rows = json.loads(view.output)
    assert rows == json.loads(cli(config_file, "directive", "list", "--json").output)
    assert (rows[0]["id"], rows[0]["recipients"], rows[0]["acknowledged"]) == (
        done.id, len(schools(hub, Kind.THCS)), 1)
    table = cli(config_file, "audit", "directives")
    assert f"1/{len(schools(hub, Kind.THCS))}" in table.output
    later = cli(config_file, "audit", "directives", "--since", "2027-01-01", "--json")
    assert json.loads(later.output) == []


def refusal(hub: Hub, at: datetime, mail_from: str, header_from: str = "",
            stage: str = "MAIL") -> None:
    """A refusal as the SMTP door records it (ingress/smtp.py)."""
    with hub.engine.begin() as db:
        db.execute(insert(models.Refusal.__table__).values(  # type: ignore[attr-defined]
            at=at, door="smtp", peer="203.0.113.9", mail_from=mail_from, header_from=header_from,
            recipients="totieuhoc.pgdhm@hanoiedu.vn", stage=stage,
            rule="sender.personal_domain", reply="550 5.7.1 ..."))


def test_the_senders_view_counts_refusals_and_rejected_messages(hub: Hub,
                                                                config_file: Path) -> None:
    refusal(hub, datetime(2026, 11, 2, 1, 0, tzinfo=UTC), "hieutruong.c1@gmail.com")
    refusal(hub, datetime(2026, 11, 9, 1, 0, tzinfo=UTC), "bounce@relay.example",
            "hieutruong.c1@gmail.com", stage="DATA")
    filed(hub, mail(sender="hieutruong.c1@gmail.com"), datetime(2026, 11, 12, 8, 0, tzinfo=VN))
    # early on the 10th in Hà Nội, still the 9th in UTC: `since` is the office's day
    filed(hub, mail(sender="ketoan.mn@yahoo.com"), datetime(2026, 11, 10, 2, 0, tzinfo=VN))
    filed(hub, mail())  # an official sender is nobody's concern here
    found = rejected_senders(hub)
    assert [s["address"] for s in found] == ["hieutruong.c1@gmail.com", "ketoan.mn@yahoo.com"]
    first = found[0]
    assert (first["attempts"], first["refused"], first["rejected"]) == (3, 2, 1)
    assert first["first_at"] == "2026-11-02T01:00:00+00:00"
    assert first["last_at"] == "2026-11-12T01:00:00+00:00"
    assert first["rules"] == ["sender.personal_domain"] and first["doors"] == ["smtp"]
    since = rejected_senders(hub, datetime(2026, 11, 10, tzinfo=VN))
    assert [(s["address"], s["attempts"]) for s in since] == [("hieutruong.c1@gmail.com", 1),
                                                              ("ketoan.mn@yahoo.com", 1)]
    view = cli(config_file, "audit", "senders", "--rejected", "--json")
    assert json.loads(view.output) == found
    table = cli(config_file, "audit", "senders", "--rejected")
    assert "hieutruong.c1@gmail.com" in table.output and "sender.personal_domain" in table.output
    assert cli(config_file, "audit", "senders").exit_code == 1


# ------------------------------------------------------------------ exports


def test_a_csv_export_has_a_bom_vietnamese_headings_and_reads_back(hub: Hub, config_file: Path,
                                                                   tmp_path: Path) -> None:
    on_time, _ = a_month(hub)
    path = tmp_path / "bao-cao.csv"
    done = cli(config_file, "audit", "compliance", "--month", "2026-11", "--level", "TH",
               "--output", str(path))
    assert done.exit_code == 0, done.output
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    assert list(rows[0])[:3] == ["Mã đơn vị", "Tên đơn vị", "Cấp học"]
    mine = next(r for r in rows if r["Mã đơn vị"] == on_time)
    assert mine["Trạng thái"] == "on_time" and mine["Nhận lúc"] == "2026-11-20 10:00:00"
    assert mine["Tên đơn vị"] == hub.registry.by_code[on_time].name


def test_an_xlsx_export_has_bold_headings_and_real_dates(hub: Hub, config_file: Path,
                                                         tmp_path: Path) -> None:
    on_time, _ = a_month(hub)
    path = tmp_path / "bao-cao.xlsx"
    done = cli(config_file, "audit", "compliance", "--month", "2026-11", "--level", "TH",
               "-o", str(path))
    assert done.exit_code == 0, done.output
    sheet = load_workbook(path).active
    headings = [c.value for c in sheet[1]]
    assert headings[:3] == ["Mã đơn vị", "Tên đơn vị", "Cấp học"] and sheet["A1"].font.b
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == on_time)
    assert row[headings.index("Nhận lúc")] == datetime(2026, 11, 20, 10, 0)  # office time
    assert row[headings.index("Trạng thái")] == "on_time"


def test_export_cells_are_never_formulas_and_odd_suffixes_are_refused(tmp_path: Path) -> None:
    rows = [{"subject": '=HYPERLINK("http://x","y")', "topics": ["a", "b"], "n": 3,
             "at": "2026-11-20T03:00:00+00:00", "none": None}]
    headings = {"subject": "Tiêu đề", "topics": "Chủ đề", "n": "Số", "at": "Nhận lúc",
                "none": "Trống"}
    write_rows(tmp_path / "x.xlsx", rows, headings, VN)
    sheet = load_workbook(tmp_path / "x.xlsx").active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == rows[0]["subject"]
    assert [c.value for c in sheet[2]][1:4] == ["a, b", 3, datetime(2026, 11, 20, 10, 0)]
    write_rows(tmp_path / "x.csv", rows, headings, VN)
    cells = next(iter(csv.reader((tmp_path / "x.csv").read_text("utf-8-sig").splitlines()[1:])))
    assert cells == ["'" + rows[0]["subject"], "a, b", "3", "2026-11-20 10:00:00", ""]
    with pytest.raises(MailhubError, match=r"\.csv or \.xlsx"):
        write_rows(tmp_path / "x.txt", rows, headings)
    assert not (tmp_path / "x.txt").exists()


def test_an_export_to_an_unknown_format_fails_clearly(hub: Hub, config_file: Path,
                                                      tmp_path: Path) -> None:
    result = cli(config_file, "audit", "directives", "--output", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1 and ".xlsx" in result.output


# ------------------------------------------------------------------ who looked


def test_each_show_view_and_export_is_in_the_access_log(hub: Hub, config_file: Path,
                                                        tmp_path: Path) -> None:
    message = filed(hub, mail(subject=LIBRARY))
    cli(config_file, "audit", "show", str(message))
    cli(config_file, "audit", "show", str(message), "--raw")
    cli(config_file, "audit", "compliance", "--month", "2026-11")
    cli(config_file, "audit", "senders", "--rejected", "--output", str(tmp_path / "s.csv"))
    cli(config_file, "audit", "search", "thư viện")
    result = cli(config_file, "audit", "access-log", "--json")
    assert result.exit_code == 0, result.output
    log = json.loads(result.output)
    assert [(e["action"], e["detail"]) for e in reversed(log)][:4] == [
        ("show", f"audit show {message}"), ("raw", f"audit show {message} --raw"),
        ("compliance", "audit compliance --month 2026-11"),
        ("export", f"audit senders --rejected --output {tmp_path / 's.csv'}")]
    assert log[0]["action"] == "search" and "thư viện" in log[0]["detail"]
    assert {e["user"] for e in log} == {os_user()}
    assert all(e["at"] for e in log)
    again = json.loads(cli(config_file, "audit", "access-log", "--json", "--limit", "1").output)
    assert again[0]["action"] == "access-log"  # reading the log is itself on record
    odd = cli(config_file, "audit", "show", "[/x]")  # what people type is never markup
    assert odd.exit_code == 1 and "[/x]" in odd.output
    table = cli(config_file, "audit", "access-log")
    assert table.exit_code == 0, table.output
    assert "audit senders --rejected" in table.output and "audit show [/x]" in table.output


# ------------------------------------------------------------------ rules dry run


def dump(hub: Hub) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the filing writes: a dry run must leave each one as it was."""
    tables = (models.Message, models.Filing, models.FilingTopic, models.RuleHit,
              models.Attachment, models.Outbox, models.Directive, models.AuditEntry)
    with hub.engine.connect() as db:
        return {model.__name__: [tuple(r) for r in db.execute(
            select(model.__table__).order_by(*model.__table__.primary_key.columns))]  # type: ignore[attr-defined]
            for model in tables}


@pytest.fixture
def candidate(office: Path, tmp_path: Path) -> Path:
    """A copy of the rules in which "thư viện" (library) moves from facilities to e-schools."""
    rules = tmp_path / "candidate"
    shutil.copytree(office / "rules", rules)
    topics = rules / "topics.toml"
    text = topics.read_text(encoding="utf-8")
    assert '"thư viện", ' in text and '"trường học điện tử", ' in text
    text = text.replace('"thư viện", ', "", 1).replace(
        '"trường học điện tử", ', '"trường học điện tử", "thư viện", ', 1)
    topics.write_text(text, encoding="utf-8")
    return rules


def test_rules_try_lists_exactly_the_mail_that_would_move_and_changes_nothing(
        hub: Hub, config_file: Path, candidate: Path) -> None:
    school = schools(hub, Kind.TH)[0]
    moving = [filed(hub, mail(sender=school, subject=f"{LIBRARY} đợt {i}"),
                    datetime(2026, 11, 3 + i, 2, 0, tzinfo=VN)) for i in range(2)]
    filed(hub, mail(sender=school, subject="Báo cáo tuyển sinh lớp 1"))
    filed(hub, mail(sender=school, subject="Kế hoạch sửa chữa phòng học"))
    filed(hub, mail(sender="ketoan@gmail.com", subject=LIBRARY))
    assert show(hub, str(moving[0]))["filing"]["topics"][0]["id"] == "co-so-vat-chat"
    before = dump(hub)
    found = try_rules(hub, candidate)
    assert [(r["id"], r["old_topics"][0], r["new_topics"][0], r["changes"]) for r in found] == [
        (m, "co-so-vat-chat", "truong-hoc-dien-tu", ["topics"]) for m in moving]
    assert found[0]["old_verdict"] == found[0]["new_verdict"] == "filed"
    assert found[0]["sender"] == school and found[0]["subject"].startswith(LIBRARY)
    assert try_rules(hub, candidate, since=datetime(2026, 11, 4, tzinfo=VN))[0]["id"] == moving[1]
    assert try_rules(hub, hub.settings.rules_dir) == []  # the rules in force change nothing
    result = cli(config_file, "rules", "try", str(candidate), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == found
    table = cli(config_file, "rules", "try", str(candidate))
    assert "co-so-vat-chat" in table.output and "truong-hoc-dien-tu" in table.output
    assert "2 thư sẽ thay đổi" in table.output
    export = cli(config_file, "rules", "try", str(candidate), "-o", str(candidate / "x.xlsx"))
    assert export.exit_code == 0, export.output
    sheet = load_workbook(candidate / "x.xlsx").active
    headings = [c.value for c in sheet[1]]
    assert sheet.cell(2, headings.index("Chủ đề mới") + 1).value == "truong-hoc-dien-tu"
    assert dump(hub) == before
    assert hub.rules.topic("co-so-vat-chat").phrases.count("thư viện") == 1  # type: ignore[union-attr]


def test_a_broken_candidate_is_refused_with_file_and_line(hub: Hub, config_file: Path,
                                                          candidate: Path) -> None:
    topics = candidate / "topics.toml"
    lines = topics.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith('id = "stem"'))
    lines.insert(at + 1, 'phrasez = ["STEM"]')
    topics.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        try_rules(hub, candidate)
    result = cli(config_file, "rules", "try", str(candidate))
    assert result.exit_code == 1
    assert re.search(rf"topics\.toml:{at + 2}\b", result.output.replace("\n", "")), result.output
    assert cli(config_file, "rules", "try", str(candidate / "nowhere")).exit_code == 1

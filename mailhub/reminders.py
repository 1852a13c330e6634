"""The reporting cycle's mail: reminders to schools that have not reported yet, and after
the deadline one summary per team of its late and missing schools. Both go through the
outbox. Each message has a Message-ID made from what it is about (report, month,
reminder, school or team), and is queued only if no row has it yet: running a job twice,
or again after a restart, sends nothing twice.
"""

from __future__ import annotations

import email.policy
import logging
import secrets
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

from sqlalchemy import insert, select

from mailhub import models
from mailhub.compliance import LATE, MISSING, Standing, compliance
from mailhub.db import lock_key, transaction
from mailhub.hub import Hub
from mailhub.registry import Kind, Unit
from mailhub.reporting import Requirement, month_of

log = logging.getLogger(__name__)

OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
SUMMARY_LATE_DAYS = 7


def run_reporting_day(hub: Hub) -> tuple[int, int]:
    """What the scheduler runs each day: (reminders, summaries) queued."""
    return remind_schools(hub), send_summaries(hub)


def remind_schools(hub: Hub) -> int:
    """Queue a reminder to each school that owes a report due within a reminder period.
    Only the nearest reminder counts (after downtime, an older one is not sent late)."""
    reporting, zone = hub.rules.reporting, hub.settings.zone
    now = hub.clock().astimezone(zone)
    month, queued = month_of(now.date()), 0
    for owed in reporting.requirements:
        for standing in compliance(hub, month, requirement=owed):
            if standing.state != MISSING:
                continue
            due = standing.deadline.date()
            started = [days for days in reporting.reminder_days
                       if reporting.at_send_hour(due - timedelta(days=days), zone) <= now]
            if not started or now >= standing.deadline:
                continue
            days = min(started)
            key = f"nhac.{owed.topic}.{month}.{days}.{standing.unit.code}"
            queued += _queue(hub, key, "reminder", standing.unit.email, standing.unit.code,
                             _reminder(hub, owed, standing, month))
    if queued:
        log.info("reporting: %s reminder(s) queued for %s", queued, month)
    return queued


def send_summaries(hub: Hub) -> int:
    """After each deadline (and summary_delay_days), one mail per team listing its late and
    missing schools. A summary missed while the daemon was down goes out when it is back,
    within SUMMARY_LATE_DAYS; after that it is news nobody needs (nor a new install)."""
    reporting, zone = hub.rules.reporting, hub.settings.zone
    now = hub.clock().astimezone(zone)
    this_month = now.date().replace(day=1)
    queued = 0
    for month in (month_of(this_month - timedelta(days=1)), month_of(this_month)):
        for owed in reporting.requirements:
            standings = compliance(hub, month, requirement=owed)
            by_team: dict[str, list[Standing]] = {}
            for standing in standings:
                send_day = standing.deadline.date() + timedelta(days=reporting.summary_delay_days)
                send_at = reporting.at_send_hour(send_day, zone)
                if not send_at <= now < send_at + timedelta(days=SUMMARY_LATE_DAYS):
                    continue
                team = hub.registry.team_for(standing.unit)
                if team is not None:
                    by_team.setdefault(team.code, []).append(standing)
            for code, team_standings in sorted(by_team.items()):
                team = hub.registry.by_code[code]
                key = f"tonghop.{owed.topic}.{month}.{code}"
                queued += _queue(hub, key, "summary", team.email, team.code,
                                 _summary(hub, owed, team, team_standings, month))
    if queued:
        log.info("reporting: %s summary/summaries queued", queued)
    return queued


def queue_letter(hub: Hub, key: str, kind: str, recipient: str, subject: str, body: str,
                 unit: str | None = None) -> int:
    """Queue a letter from the office once for `key` (its Message-ID); 1 if queued."""
    return _queue(hub, key, kind, recipient, unit, _letter(hub, recipient, subject, body))


def _queue(hub: Hub, key: str, kind: str, recipient: str, unit: str | None,
           message: EmailMessage) -> int:
    message_id = f"{key}@{hub.settings.hub_domain}"
    message["Message-ID"] = f"<{message_id}>"
    with transaction(hub.engine) as db:
        lock_key(db, message_id)
        if db.execute(select(OUTBOX.c.id).where(OUTBOX.c.message_id == message_id)).first():
            return 0
        db.execute(insert(OUTBOX).values(
            kind=kind, recipient=recipient, unit=unit, subject=str(message["Subject"]),
            raw=message.as_bytes(), message_id=message_id, token=secrets.token_hex(4),
            list_name="", created_at=hub.clock(), state="pending", attempts=0, last_reply="",
            claimed_by=""))
    return 1


def _office(hub: Hub) -> str:
    office = next((u for u in hub.registry.units if u.kind is Kind.PGD), None)
    return office.email if office else f"mailhub@{hub.settings.hub_domain}"


def _letter(hub: Hub, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = _office(hub)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(hub.clock().timestamp())
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: not to be answered by robots
    message.set_content(body)
    return message


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _month_vn(month: str) -> str:
    year, number = month.split("-")
    return f"{int(number)}/{year}"


def _topic_name(hub: Hub, owed: Requirement) -> str:
    topic = hub.rules.topic(owed.topic)
    return topic.name_vi if topic else owed.topic


def _reminder(hub: Hub, owed: Requirement, standing: Standing, month: str) -> EmailMessage:
    name, due = _topic_name(hub, owed), standing.deadline.date()
    office = hub.registry.find(_office(hub))
    return _letter(
        hub, standing.unit.email,
        f"Nhắc nộp {name} tháng {_month_vn(month)} (hạn trước {_vn(due)}) / "
        f"Reminder: report due",
        f"Kính gửi {standing.unit.name},\n\n"
        f"Đến nay Phòng chưa nhận được {name.lower()} tháng {_month_vn(month)} của đơn vị.\n"
        f"Hạn nộp: trước ngày {_vn(due)}.\n"
        f"Đề nghị đơn vị gửi báo cáo từ hộp thư công vụ tới "
        f"{office.name if office else 'Phòng'}.\n"
        f"Nếu đã gửi, xin bỏ qua thư này.\n\n"
        f"---\n"
        f"The office has not yet received your {owed.topic} report for {month}; it is due "
        f"before {due.isoformat()}. Please send it from your official mailbox.\n")


def _summary(hub: Hub, owed: Requirement, team: Unit, standings: list[Standing],
             month: str) -> EmailMessage:
    name = _topic_name(hub, owed)
    late = [s for s in standings if s.state == LATE]
    missing = [s for s in standings if s.state == MISSING]
    on_time = len(standings) - len(late) - len(missing)

    def lines(items: list[Standing], with_time: bool) -> str:
        rows = [f"  - {s.unit.name} ({s.unit.email})"
                + (f", nhận lúc {_when(hub, s.received_at)}" if with_time else "")
                for s in items]
        return "\n".join(rows) or "  (không có / none)"

    return _letter(
        hub, team.email,
        f"Tổng hợp {name} tháng {_month_vn(month)}: {len(late)} muộn, {len(missing)} chưa nộp "
        f"/ {len(late)} late, {len(missing)} missing",
        f"Kính gửi {team.name},\n\n"
        f"Tình hình nộp {name.lower()} tháng {_month_vn(month)} của các trường do Tổ phụ trách "
        f"({len(standings)} trường; đúng hạn {on_time}):\n\n"
        f"Nộp muộn ({len(late)}):\n{lines(late, True)}\n\n"
        f"Chưa nộp ({len(missing)}):\n{lines(missing, False)}\n\n"
        f"---\n"
        f"{owed.topic} {month}: {on_time} on time, {len(late)} late, {len(missing)} missing "
        f"of {len(standings)} schools. `mailhub report status --month {month}` has the "
        f"details.\n")


def _when(hub: Hub, when: datetime | None) -> str:
    return when.astimezone(hub.settings.zone).strftime("%H:%M %d/%m/%Y") if when else ""



def remind_missing(hub: Hub, month: str, requirement: Requirement | None = None,
                   level: Kind | None = None, codes: set[str] | None = None) -> int:
    """Queue a reminder now to each school still missing the report for `month` (of
    `level`, of `codes` if given): a person asked for it (`mailhub report remind`, the
    console's compliance page). Once a day per school at most; returns how many queued."""
    owed = requirement or hub.rules.reporting.monthly
    today = hub.clock().astimezone(hub.settings.zone).date().isoformat()
    queued = 0
    for standing in compliance(hub, month, level, owed):
        if standing.state != MISSING or (codes is not None and standing.unit.code not in codes):
            continue
        key = f"nhac.{owed.topic}.{month}.tay.{today}.{standing.unit.code}"
        queued += _queue(hub, key, "reminder", standing.unit.email, standing.unit.code,
                         _reminder(hub, owed, standing, month))
    return queued

"""The monthly reporting cycle with an injected clock: deadlines, compliance, reminders,
the teams' summaries, and the timetable kept in the database."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailhub import models, scheduler
from mailhub.cli import app
from mailhub.compliance import compliance
from mailhub.config import Settings
from mailhub.errors import ConfigError
from mailhub.hub import Hub, open_hub
from mailhub.pipeline import Envelope, ingest
from mailhub.registry import Kind, load_registry
from mailhub.reminders import remind_schools, run_reporting_day, send_summaries
from mailhub.rules import load_rules

from .factory import mail

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONTH = "2026-11"


class Clock:
    """The hub's clock, moved by the test."""

    def __init__(self, when: datetime) -> None:
        self.now = when

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock_hub(settings: Settings) -> Iterator[tuple[Hub, Clock]]:
    clock = Clock(datetime(2026, 11, 10, 9, 0, tzinfo=VN))
    hub = open_hub(settings, clock)
    yield hub, clock
    hub.engine.dispose()


def primary(hub: Hub) -> list[str]:
    return [u.code for u in hub.registry.units if u.kind is Kind.TH]


def report(hub: Hub, code: str, received: datetime) -> None:
    school = hub.registry.by_code[code]
    outcome = ingest(hub, mail(sender=school.email, subject="Báo cáo tháng 11/2026"),
                     Envelope(door="smtp", received_at=received))
    assert outcome.verdict == "filed" and "bao-cao-thang" in outcome.topics, outcome


def a_month(hub: Hub) -> tuple[list[str], str, list[str]]:
    """Three primary schools report on time, one late, the rest not at all."""
    codes = primary(hub)
    on_time, late = codes[:3], codes[3]
    for i, code in enumerate(on_time):
        report(hub, code, datetime(2026, 11, 20 + i, 10, 0, tzinfo=VN))
    report(hub, late, datetime(2026, 11, 25, 0, 0, tzinfo=VN))  # the 25th itself: late
    return on_time, late, codes[4:]


def test_a_month_gives_each_school_its_state(clock_hub: tuple[Hub, Clock]) -> None:
    hub, _ = clock_hub
    on_time, late, missing = a_month(hub)
    states = {s.unit.code: s for s in compliance(hub, MONTH, Kind.TH)}
    assert {c for c, s in states.items() if s.state == "on_time"} == set(on_time)
    assert {c for c, s in states.items() if s.state == "late"} == {late}
    assert {c for c, s in states.items() if s.state == "missing"} == set(missing)
    assert states[late].received_at == datetime(2026, 11, 25, tzinfo=VN)
    assert states[late].deadline == datetime(2026, 11, 25, tzinfo=VN)
    everyone = compliance(hub, MONTH)
    assert {s.unit.kind for s in everyone} == {Kind.MN, Kind.TH, Kind.THCS}


def test_a_deadline_on_a_day_off_moves_as_documented(office: Path) -> None:
    registry = load_registry(office / "data" / "units.csv")
    reporting = load_rules(office / "rules", registry).reporting
    # 25/4/2026 is a Saturday, 26 a Sunday, 27 the Hùng Kings' day off: Tuesday the 28th.
    assert reporting.due_day(reporting.monthly, Kind.TH, "2026-04") == date(2026, 4, 28)
    assert reporting.due_day(reporting.monthly, Kind.TH, "2026-11") == date(2026, 11, 25)
    toml = office / "rules" / "reporting.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('shift = "later"',
                                                             'shift = "earlier"')
                    .replace("THCS = 25", "THCS = 20"), encoding="utf-8")
    reporting = load_rules(office / "rules", registry).reporting
    assert reporting.due_day(reporting.monthly, Kind.TH, "2026-04") == date(2026, 4, 24)
    assert reporting.due_day(reporting.monthly, Kind.THCS, "2026-11") == date(2026, 11, 20)


def test_a_bad_calendar_names_the_line(office: Path) -> None:
    toml = office / "rules" / "reporting.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("deadline_day"))
    lines[at] = "deadline_day = 31"
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(office / "rules", load_registry(office / "data" / "units.csv"))
    assert f"reporting.toml:{at + 1}" in str(error.value) and "deadline_day" in str(error.value)


def outbox(hub: Hub, kind: str) -> list[models.Outbox]:
    with Session(hub.engine) as session:
        return list(session.exec(select(models.Outbox).where(models.Outbox.kind == kind)))


def test_reminders_reach_only_schools_that_have_not_reported_once_each(
        clock_hub: tuple[Hub, Clock], settings: Settings) -> None:
    hub, clock = clock_hub
    codes = primary(hub)
    report(hub, codes[0], datetime(2026, 11, 12, 10, 0, tzinfo=VN))
    clock.now = datetime(2026, 11, 19, 9, 0, tzinfo=VN)  # before the first reminder day
    assert remind_schools(hub) == 0
    clock.now = datetime(2026, 11, 20, 8, 0, tzinfo=VN)  # 5 days before the 25th
    owing = {u.code for u in hub.registry.units if u.is_school} - {codes[0]}
    assert remind_schools(hub) == len(owing)
    assert remind_schools(hub) == 0  # the job ran twice
    restarted = open_hub(settings, clock)  # the daemon restarted in between
    assert remind_schools(restarted) == 0
    reminders = outbox(hub, "reminder")
    assert {r.unit for r in reminders} == owing
    letter = email.message_from_bytes(reminders[0].raw or b"", policy=email.policy.default)
    assert "tháng 11/2026" in letter["Subject"] and "25/11/2026" in letter["Subject"]
    assert "Kính gửi" in letter.get_content() and letter["Auto-Submitted"] == "auto-generated"
    report(restarted, codes[1], datetime(2026, 11, 22, 10, 0, tzinfo=VN))
    clock.now = datetime(2026, 11, 24, 8, 30, tzinfo=VN)  # the day before: one more each
    assert remind_schools(restarted) == len(owing) - 1
    assert codes[1] not in {r.unit for r in outbox(hub, "reminder")[len(owing):]}
    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=VN)  # past the deadline: none
    assert remind_schools(restarted) == 0
    restarted.engine.dispose()


def test_after_the_deadline_each_team_gets_its_late_and_missing_schools(
        clock_hub: tuple[Hub, Clock]) -> None:
    hub, clock = clock_hub
    on_time, late, missing = a_month(hub)
    clock.now = datetime(2026, 11, 24, 23, 0, tzinfo=VN)
    assert send_summaries(hub) == 0  # not before the deadline
    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=VN)
    teams = {hub.registry.team_for(u).code for u in hub.registry.units  # type: ignore[union-attr]
             if u.is_school}
    assert send_summaries(hub) == len(teams)
    assert send_summaries(hub) == 0
    summaries = {r.unit: r for r in outbox(hub, "summary")}
    assert set(summaries) == teams
    primary_team = hub.registry.team_for(hub.registry.by_code[late])
    assert primary_team is not None
    text = email.message_from_bytes(summaries[primary_team.code].raw or b"",
                                    policy=email.policy.default).get_content()
    names = {code: hub.registry.by_code[code].name for code in [*on_time, late, *missing]}
    late_part, missing_part = text.split("Chưa nộp")[0], text.split("Chưa nộp")[1]
    assert names[late] in late_part.split("Nộp muộn")[1]
    assert all(names[code] in missing_part for code in missing)
    assert not any(names[code] in text for code in on_time)
    assert summaries[primary_team.code].recipient == primary_team.email


def test_the_timetable_is_kept_in_the_database_and_not_doubled(
        clock_hub: tuple[Hub, Clock]) -> None:
    hub, _ = clock_hub
    for _ in range(2):  # start, stop, start again: the daemon restarted
        timetable = scheduler.start(hub)
        jobs = timetable.get_jobs()
        timetable.shutdown(wait=False)
        assert [job.id for job in jobs] == ["reporting-day"]
        assert jobs[0].next_run_time.hour == hub.rules.reporting.send_hour
        assert jobs[0].coalesce and jobs[0].misfire_grace_time >= 3600
    with hub.engine.connect() as db:
        stored = db.exec_driver_sql("SELECT id FROM apscheduler_jobs").all()
    assert [row[0] for row in stored] == ["reporting-day"]


def test_report_status_json_and_run(clock_hub: tuple[Hub, Clock], config_file: Path) -> None:
    hub, clock = clock_hub
    on_time, late, _ = a_month(hub)
    runner = CliRunner()
    shown = runner.invoke(app, ["--config", str(config_file), "report", "status", "--month",
                                MONTH, "--level", "TH", "--json"])
    assert shown.exit_code == 0, shown.output
    rows = {row["unit"]: row for row in json.loads(shown.output)}
    assert set(rows) == set(primary(hub))
    assert {rows[c]["state"] for c in on_time} == {"on_time"} and rows[late]["state"] == "late"
    assert set(next(iter(rows.values()))) >= {"unit", "email", "level", "state", "filed_at"}
    as_csv = runner.invoke(app, ["--config", str(config_file), "report", "status", "--month",
                                 MONTH, "--csv"])
    assert as_csv.output.splitlines()[0].startswith("unit,")
    bad = runner.invoke(app, ["--config", str(config_file), "report", "status", "--month",
                              "2026-13"])
    assert bad.exit_code == 1
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=VN)
    assert run_reporting_day(hub)[0] == 0  # past the deadline: summaries only


def test_old_mail_imported_today_counts_when_it_was_received(clock_hub: tuple[Hub, Clock]
                                                            ) -> None:
    hub, clock = clock_hub
    clock.now = datetime(2027, 6, 1, 9, 0, tzinfo=VN)  # a year later
    code = primary(hub)[0]
    report(hub, code, datetime(2026, 11, 24, 16, 0, tzinfo=VN) - timedelta(minutes=1))
    assert {s.unit.code: s.state for s in compliance(hub, MONTH, Kind.TH)}[code] == "on_time"

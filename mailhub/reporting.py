"""The reporting calendar (rules/reporting.toml): which reports the schools owe each month,
by when, when they are reminded, and when the teams get the list of who is late.

A report is on time when the office received it before its deadline: 00:00 (office
time) of the deadline day — "trước ngày 25" — so on the 25th itself it is late. A
deadline day that is not a working day (a weekend day or a listed holiday, Tết
included) moves to the next working day (`shift = "later"`, the default: the office is
closed, nobody can be blamed), or to the one before (`shift = "earlier"`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mailhub import tomlfile
from mailhub.errors import Problem
from mailhub.registry import SCHOOL_LEVELS, Kind

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Requirement:
    """A report every school (of `levels`) owes each month, due before `deadline_day`."""

    topic: str
    deadline_day: int
    levels: tuple[Kind, ...] = SCHOOL_LEVELS
    by_level: dict[Kind, int] = field(default_factory=dict)  # per-level deadline days

    def day_for(self, level: Kind) -> int:
        return self.by_level.get(level, self.deadline_day)


@dataclass(frozen=True)
class Reporting:
    monthly: Requirement
    required: tuple[Requirement, ...] = ()     # other monthly reports
    reminder_days: tuple[int, ...] = (5, 1)   # days before the deadline
    summary_delay_days: int = 0               # the teams' summary: this many days after it
    send_hour: int = 8                        # office time of reminders and summaries
    weekend: tuple[int, ...] = (5, 6)         # Saturday, Sunday
    holidays: frozenset[date] = frozenset()
    shift: str = "later"
    line: int | None = None

    @property
    def deadline_day(self) -> int:  # the monthly report's, as before per-level overrides
        return self.monthly.deadline_day

    @property
    def monthly_topic(self) -> str:
        return self.monthly.topic

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        return (self.monthly, *self.required)

    def working(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def due_day(self, requirement: Requirement, level: Kind, month: str) -> date:
        """The (moved) deadline day of `requirement` for a school level in YYYY-MM."""
        year, number = (int(part) for part in month.split("-"))
        day = date(year, number, requirement.day_for(level))
        step = timedelta(days=1 if self.shift == "later" else -1)
        while not self.working(day):
            day += step
        return day

    def deadline(self, requirement: Requirement, level: Kind, month: str,
                 zone: ZoneInfo) -> datetime:
        """Received before this instant: on time."""
        return datetime.combine(self.due_day(requirement, level, month), time(), tzinfo=zone)

    def at_send_hour(self, day: date, zone: ZoneInfo) -> datetime:
        return datetime.combine(day, time(self.send_hour), tzinfo=zone)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# reporting.toml -------------------------------------------------------------------

_MONTHLY_KEYS = ("deadline_day", "monthly_topic", "levels", "reminder_days",
                 "summary_delay_days", "send_hour")
_REQUIRED_KEYS = ("topic", "deadline_day", "levels")
_CALENDAR_KEYS = ("weekend", "holidays", "shift")


def load_reporting(path: Path, problems: list[Problem]) -> Reporting:
    """Read reporting.toml; every problem names its line and the fix."""
    data, loc = tomlfile.load(path)
    unknown(loc, data, ("monthly", "required", "calendar"), None, problems)
    monthly = _table(data, "monthly")
    calendar = _table(data, "calendar")
    unknown(loc, monthly, _MONTHLY_KEYS, loc.table("monthly"), problems)
    unknown(loc, calendar, _CALENDAR_KEYS, loc.table("calendar"), problems)
    day = _day(loc, monthly.get("deadline_day", 25), "deadline_day", loc.table("monthly"),
               problems)
    overrides: dict[Kind, int] = {}
    for level, value in _table(monthly, "levels").items():
        kind = _level(loc, level, problems)
        if kind is not None:
            overrides[kind] = _day(loc, value, level, loc.table("monthly.levels"), problems)
    required = []
    for index, entry in enumerate(data.get("required", [])):
        line = loc.table("required", index)
        if not isinstance(entry, dict) or not isinstance(entry.get("topic"), str):
            problems.append(loc.problem(line, "[[required]] cần topic / needs a topic",
                                        'topic = "ve-sinh-an-toan-thuc-pham"'))
            continue
        unknown(loc, entry, _REQUIRED_KEYS, line, problems)
        levels = tuple(k for k in (_level(loc, v, problems) for v in entry.get("levels", []))
                       if k is not None) or SCHOOL_LEVELS
        required.append(Requirement(entry["topic"], _day(loc, entry.get("deadline_day", day),
                                                        "deadline_day", line, problems), levels))
    reminders = monthly.get("reminder_days", [5, 1])
    if not (isinstance(reminders, list) and all(isinstance(d, int) and 0 < d < 28
                                                for d in reminders)):
        problems.append(loc.problem(loc.key("reminder_days"), "reminder_days sai / bad "
                                    f"reminder_days {reminders!r}", "reminder_days = [5, 1]"))
        reminders = [5, 1]
    hour = monthly.get("send_hour", 8)
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        problems.append(loc.problem(loc.key("send_hour"), f"giờ sai / bad send_hour {hour!r}",
                                    "send_hour = 8"))
        hour = 8
    delay = monthly.get("summary_delay_days", 0)
    if not isinstance(delay, int) or not 0 <= delay <= 10:
        problems.append(loc.problem(loc.key("summary_delay_days"), "summary_delay_days sai / "
                                    f"bad summary_delay_days {delay!r}", "0 … 10"))
        delay = 0
    weekend = []
    for name in calendar.get("weekend", ["sat", "sun"]):
        if isinstance(name, str) and name.lower()[:3] in WEEKDAYS:
            weekend.append(WEEKDAYS.index(name.lower()[:3]))
        else:
            problems.append(loc.problem(loc.key("weekend"), f"ngày sai / bad weekday {name!r}",
                                        'weekend = ["sat", "sun"]'))
    holidays = set()
    for value in calendar.get("holidays", []):
        try:
            holidays.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            problems.append(loc.problem(loc.key("holidays"), f"ngày sai / bad date {value!r}",
                                        "YYYY-MM-DD, e.g. 2027-02-06"))
    shift = calendar.get("shift", "later")
    if shift not in ("later", "earlier"):
        problems.append(loc.problem(loc.key("shift"), f"shift sai / bad shift {shift!r}",
                                    'shift = "later" (or "earlier")'))
        shift = "later"
    topic = str(monthly.get("monthly_topic", "bao-cao-thang"))
    return Reporting(Requirement(topic, day, SCHOOL_LEVELS, overrides), tuple(required),
                     tuple(sorted(set(reminders), reverse=True)), delay, hour, tuple(weekend),
                     frozenset(holidays), shift, loc.table("monthly"))


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    return value if isinstance(value, dict) else {}


def unknown(loc: tomlfile.Locator, table: dict[str, Any], known: tuple[str, ...],
            line: int | None, problems: list[Problem]) -> None:
    for key in table:
        if key not in known:
            problems.append(loc.problem(loc.key(key, line), f"khoá không biết / unknown key "
                                        f"'{key}' in reporting.toml",
                                        f"các khoá hợp lệ / known keys: {', '.join(known)}"))


def _day(loc: tomlfile.Locator, value: Any, key: str, line: int | None,
         problems: list[Problem]) -> int:
    if isinstance(value, int) and 1 <= value <= 28:
        return value
    problems.append(loc.problem(loc.key(key, line), f"hạn nộp sai / bad {key} {value!r}",
                                "một số từ 1 đến 28 / a day from 1 to 28"))
    return 25


def _level(loc: tomlfile.Locator, value: Any, problems: list[Problem]) -> Kind | None:
    try:
        kind = Kind(str(value).upper())
    except ValueError:
        kind = None
    if kind in SCHOOL_LEVELS:
        return kind
    problems.append(loc.problem(loc.key(str(value)), f"cấp học sai / bad level {value!r}",
                                "MN, TH hoặc / or THCS"))
    return None

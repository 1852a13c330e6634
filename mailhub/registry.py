"""The registry: who the office, its teams, its schools and outside bodies are.

Read from `data/units.csv` (UTF-8, spreadsheet-friendly). Nothing about one
district lives in code: a ward's office or the city Department is another CSV.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from mailhub.errors import ConfigError, Problem


class Kind(StrEnum):
    PGD = "PGD"            # the office (Phòng GD&ĐT)
    TEAM = "TEAM"          # a professional team (Tổ nghiệp vụ)
    MN = "MN"              # preschool (Mầm non)
    TH = "TH"              # primary (Tiểu học)
    THCS = "THCS"          # lower secondary
    EXTERNAL = "EXTERNAL"  # e.g. the city Department (Sở GD&ĐT)


SCHOOL_LEVELS = (Kind.MN, Kind.TH, Kind.THCS)
COLUMNS = ("code", "name", "kind", "email", "ward", "levels", "team", "note")
REQUIRED = ("code", "name", "kind", "email")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: Kind
    email: str
    ward: str = ""
    levels: tuple[Kind, ...] = ()
    team: str = ""
    note: str = ""
    line: int = 0

    @property
    def is_school(self) -> bool:
        return self.kind in SCHOOL_LEVELS


@dataclass(frozen=True)
class Registry:
    """Units by code and by address (addresses are compared in lower case)."""

    path: Path
    units: tuple[Unit, ...]
    by_code: dict[str, Unit] = field(repr=False)
    by_email: dict[str, Unit] = field(repr=False)

    def find(self, address: str | None) -> Unit | None:
        return self.by_email.get(address.lower()) if address else None

    def team_for(self, unit: Unit) -> Unit | None:
        """The school's responsible team: its `team` column, else the team handling its level."""
        if unit.team:
            return self.by_code.get(unit.team)
        for team in self.units:
            if team.kind is Kind.TEAM and unit.kind in team.levels:
                return team
        return None

    def teams(self) -> list[Unit]:
        return [u for u in self.units if u.kind is Kind.TEAM]


def load_registry(path: Path) -> Registry:
    """Load and validate the registry; every problem names the line and the fix."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
            header = tuple(rows[0].keys()) if rows else _header(path)
    except FileNotFoundError:
        raise ConfigError([Problem(path, None, "không tìm thấy danh bạ / registry not found",
                                   "sửa `registry` trong mailhub.toml / fix `registry`")]) from None
    except UnicodeDecodeError:
        raise ConfigError([Problem(path, None, "tệp không phải UTF-8 / file is not UTF-8",
                                   "trong Excel chọn Lưu thành 'CSV UTF-8' / "
                                   "in Excel, save as 'CSV UTF-8 (comma delimited)'")]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        fix = f"dòng tiêu đề phải có các cột / the header must name: {','.join(COLUMNS)}"
        if len(header) == 1 and ";" in header[0]:
            fix = "tệp dùng dấu ; — lưu lại với dấu phẩy / saved with ';': save comma-separated"
        raise ConfigError([Problem(path, 1, f"thiếu cột / missing columns: {', '.join(missing)}",
                                   fix)])
    units: list[Unit] = []
    problems: list[Problem] = []
    for line, row in enumerate(rows, start=2):
        unit = _unit(path, line, row, problems)
        if unit:
            units.append(unit)
    by_code, by_email = _index(path, units, problems)
    registry = Registry(path, tuple(units), by_code, by_email)
    problems += _check_teams(registry)
    if problems:
        raise ConfigError(problems)
    return registry


def _header(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return tuple(next(csv.reader(handle), []))


def _unit(path: Path, line: int, row: dict[str, str | None],
          problems: list[Problem]) -> Unit | None:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    if not any(cell(c) for c in COLUMNS):
        return None  # blank spreadsheet row
    kinds = ", ".join(k.value for k in Kind)
    try:
        kind = Kind(cell("kind").upper())
    except ValueError:
        problems.append(Problem(path, line, f"loại đơn vị không hợp lệ / unknown kind "
                                f"'{cell('kind')}'", f"dùng một trong / use one of: {kinds}"))
        return None
    for name in REQUIRED:
        if not cell(name):
            problems.append(Problem(path, line, f"thiếu / missing '{name}'",
                                    f"điền cột {name} / fill in the {name} column"))
            return None
    email = cell("email").lower()
    if not _EMAIL.match(email):
        problems.append(Problem(path, line, f"địa chỉ e-mail sai / bad address '{email}'",
                                "một địa chỉ dạng ten@mien.vn / one address like name@domain.vn"))
        return None
    levels: list[Kind] = []
    for word in cell("levels").replace(",", " ").split():
        if word.upper() not in {k.value for k in SCHOOL_LEVELS}:
            problems.append(Problem(path, line, f"cấp học không hợp lệ / unknown level '{word}'",
                                    "dùng MN, TH, THCS cách nhau bởi dấu cách / "
                                    "use MN, TH, THCS separated by spaces"))
        else:
            levels.append(Kind(word.upper()))
    if levels and kind is not Kind.TEAM:
        problems.append(Problem(path, line, "chỉ Tổ (TEAM) mới có cột levels / "
                                "only a TEAM row has levels",
                                "xoá ô levels / clear the levels cell"))
    return Unit(code=cell("code").upper(), name=cell("name"), kind=kind, email=email,
                ward=cell("ward"), levels=tuple(levels), team=cell("team").upper(),
                note=cell("note"), line=line)


def _index(path: Path, units: list[Unit],
           problems: list[Problem]) -> tuple[dict[str, Unit], dict[str, Unit]]:
    by_code: dict[str, Unit] = {}
    by_email: dict[str, Unit] = {}
    for unit in units:
        if unit.code in by_code:
            problems.append(Problem(path, unit.line, f"mã trùng / duplicate code '{unit.code}' "
                                    f"(dòng / line {by_code[unit.code].line})",
                                    "mỗi đơn vị một mã riêng / give each unit its own code"))
        if unit.email in by_email:
            problems.append(Problem(path, unit.line, f"địa chỉ trùng / duplicate address "
                                    f"'{unit.email}' (dòng / line {by_email[unit.email].line})",
                                    "mỗi địa chỉ chỉ thuộc một đơn vị / "
                                    "an address belongs to one unit"))
        by_code.setdefault(unit.code, unit)
        by_email.setdefault(unit.email, unit)
    return by_code, by_email


def _check_teams(registry: Registry) -> list[Problem]:
    problems = []
    for unit in registry.units:
        if unit.team:
            team = registry.by_code.get(unit.team)
            if team is None or team.kind is not Kind.TEAM:
                problems.append(Problem(registry.path, unit.line,
                                        f"tổ không tồn tại / no team with code '{unit.team}'",
                                        "dùng mã của một dòng TEAM / use the code of a TEAM row"))
        elif unit.is_school and registry.team_for(unit) is None:
            problems.append(Problem(registry.path, unit.line,
                                    f"không tổ nào phụ trách cấp {unit.kind.value} / "
                                    f"no team handles level {unit.kind.value}",
                                    "thêm cấp này vào cột levels của một Tổ / "
                                    "add the level to a TEAM row's levels"))
    return problems

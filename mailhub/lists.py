"""Broadcast lists: who a directive sent to `thcs@<hub_domain>` reaches, and who may send it.

Four lists come from the registry and always exist (all schools, and one per level); the
office adds its own in `rules/lists.toml` and says there who may broadcast to which list.
Without that file nobody may broadcast: being on the registry is not permission to send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailhub import tomlfile
from mailhub.errors import ConfigError, Problem
from mailhub.registry import SCHOOL_LEVELS, Kind, Registry, Unit
from mailhub.vietnamese import fold, nfc

FILE = "lists.toml"
SENDER_KINDS = (Kind.PGD, Kind.TEAM)
# name, title, kinds of school: the lists every office has, straight from the registry
BUILTIN: tuple[tuple[str, str, tuple[Kind, ...]], ...] = (
    ("tat-ca-truong", "Tất cả các trường", SCHOOL_LEVELS),
    ("mam-non", "Các trường mầm non", (Kind.MN,)),
    ("tieu-hoc", "Các trường tiểu học", (Kind.TH,)),
    ("thcs", "Các trường THCS", (Kind.THCS,)),
)
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MAX_NAME = 64  # the longest local part of an address (RFC 5321)
_EMAIL = re.compile(r"^[^@\s,;<>:]+@[a-z0-9.-]+\.[a-z]{2,}$")
_PREFIXES = ("unit", "level", "ward", "list")
_CUSTOM_KEYS = ("title", "members", "senders")
_BUILTIN_KEYS = ("title", "senders")


@dataclass(frozen=True)
class Member:
    email: str            # lower case
    unit: Unit | None     # None for a plain address (e.g. an archive copy)


@dataclass(frozen=True)
class MailingList:
    name: str                      # e.g. "thcs"
    title: str
    address: str                   # f"{name}@{hub_domain}", lower case
    members: tuple[Member, ...]    # unique by email: registry order, then plain addresses
    senders: tuple[str, ...]       # unit codes (PGD or TEAM) allowed to broadcast to it
    builtin: bool


@dataclass(frozen=True)
class Lists:
    lists: dict[str, MailingList]

    def by_address(self, address: str) -> MailingList | None:
        wanted = address.strip().lower()
        return next((m for m in self.lists.values() if m.address == wanted), None)

    def may_send(self, mailing_list: MailingList, unit: Unit | None) -> bool:
        """Only the office and its teams broadcast, and only to lists that name them."""
        return (unit is not None and unit.kind in SENDER_KINDS
                and unit.code in mailing_list.senders)

    def recipients(self, names: Sequence[str]) -> list[Member]:
        """Everyone on any of the lists, once each: a school on two lists gets one copy."""
        chosen = [self.lists[name] for name in names]  # KeyError names an unknown list
        return _unique(m for mailing_list in chosen for m in mailing_list.members)


def load_lists(rules_dir: Path, registry: Registry, hub_domain: str) -> Lists:
    """The built-in lists plus those of rules/lists.toml; raise ConfigError listing every
    problem. A missing file leaves the built-in lists with no senders."""
    path = rules_dir / FILE
    domain = hub_domain.strip().lower()
    drafts = {name: _Draft(name, title, (), (), None, True, kinds)
              for name, title, kinds in BUILTIN}
    problems: list[Problem] = []
    if path.exists():
        data, loc = tomlfile.load(path)
        _read(loc, data, registry, drafts, problems)
    else:
        loc = tomlfile.Locator(path, ())
    resolved = _Resolver(loc, registry, drafts, domain, problems).all()
    lists: dict[str, MailingList] = {}
    for name, draft in drafts.items():
        address = f"{name}@{domain}"
        if address in registry.by_email:
            problems.append(loc.problem(draft.line, f"địa chỉ danh sách '{address}' trùng địa chỉ "
                                        f"một đơn vị / the list address is a unit's address",
                                        "đổi tên danh sách / rename the list"))
        lists[name] = MailingList(name, draft.title, address, resolved[name], draft.senders,
                                  draft.builtin)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0))  # as the file reads
    return Lists(lists)


def _unique(members: Iterable[Member]) -> list[Member]:
    """One member per address: units in registry (CSV line) order, then plain addresses
    in the order first met."""
    found: dict[str, Member] = {}
    for member in members:
        found.setdefault(member.email, member)
    return sorted(found.values(), key=lambda m: (m.unit is None, m.unit.line if m.unit else 0))


@dataclass(frozen=True)
class _Draft:
    """A list as the file declares it, before its members are resolved."""

    name: str
    title: str
    entries: tuple[tuple[str, int | None], ...]  # member entries as written, with their line
    senders: tuple[str, ...]
    line: int | None
    builtin: bool
    kinds: tuple[Kind, ...] = ()  # a built-in list's kinds of school


# reading lists.toml ---------------------------------------------------------

def _read(loc: tomlfile.Locator, data: dict[str, Any], registry: Registry,
          drafts: dict[str, _Draft], problems: list[Problem]) -> None:
    for key in data:
        if key != "lists":
            problems.append(loc.problem(loc.key(key), f"khoá không biết / unknown key '{key}'",
                                        "mỗi danh sách là một bảng [lists.<tên>] / "
                                        "each list is a [lists.<name>] table"))
    tables = data.get("lists", {})
    if not isinstance(tables, dict):
        problems.append(loc.problem(loc.key("lists"), "'lists' phải là bảng / must be a table",
                                    "[lists.<tên>] / [lists.<name>]"))
        return
    for name, table in tables.items():
        line = _table_line(loc, name) or loc.key(name)
        if not isinstance(table, dict):
            problems.append(loc.problem(line, f"'{name}' phải là bảng / must "
                                        "be a table", f"[lists.{name}]"))
            continue
        if not _NAME.match(name) or len(name) > _MAX_NAME:
            problems.append(loc.problem(line, f"tên danh sách không hợp lệ / bad list name "
                                        f"'{name}'", "chữ thường không dấu, số, nối bằng \"-\" / "
                                        "lower-case ascii letters and digits joined by \"-\", "
                                        "e.g. truong-phuong-dai-kim"))
        builtin = drafts.get(name)
        if builtin is not None:
            drafts[name] = _builtin(loc, builtin, table, line, registry, problems)
        else:
            drafts[name] = _custom(loc, name, table, line, registry, problems)


def _builtin(loc: tomlfile.Locator, draft: _Draft, table: dict[str, Any], line: int | None,
             registry: Registry, problems: list[Problem]) -> _Draft:
    if "members" in table:
        problems.append(loc.problem(loc.key("members", line), f"'{draft.name}' là danh sách có "
                                    "sẵn, thành viên lấy từ danh bạ / a built-in list: its "
                                    "members come from the registry",
                                    f"xoá members, hoặc lập danh sách mới với \"list:{draft.name}"
                                    "\" / remove members, or make a new list with "
                                    f"\"list:{draft.name}\""))
    _unknown_keys(loc, {k: v for k, v in table.items() if k != "members"}, _BUILTIN_KEYS, line,
                  problems)
    title = _title(loc, table, line, draft.title, problems)
    return _Draft(draft.name, title, (), _senders(loc, table, line, registry, problems), line,
                  True, draft.kinds)


def _custom(loc: tomlfile.Locator, name: str, table: dict[str, Any], line: int | None,
            registry: Registry, problems: list[Problem]) -> _Draft:
    _unknown_keys(loc, table, _CUSTOM_KEYS, line, problems)
    members = _strings(loc, table, "members", line, problems)
    if table.get("members", []) == []:
        problems.append(loc.problem(line, f"danh sách '{name}' không có thành viên / "
                                    "the list has no members",
                                    'members = ["level:THCS", "ward:Đại Kim", "unit:MÃ", …]'))
    key_line = loc.key("members", line) if "members" in table else line
    entries = tuple((m, _value_line(loc, key_line, m)) for m in members)
    return _Draft(name, _title(loc, table, line, name, problems), entries,
                  _senders(loc, table, line, registry, problems), line, False)


def _unknown_keys(loc: tomlfile.Locator, table: dict[str, Any], known: tuple[str, ...],
                  line: int | None, problems: list[Problem]) -> None:
    for key in table:
        if key not in known:
            problems.append(loc.problem(loc.key(key, line), f"khoá không biết / unknown key "
                                        f"'{key}'", f"các khoá hợp lệ / known keys: "
                                        f"{', '.join(known)}"))


def _title(loc: tomlfile.Locator, table: dict[str, Any], line: int | None, default: str,
           problems: list[Problem]) -> str:
    title = table.get("title", default)
    if isinstance(title, str) and title.strip():
        return nfc(title.strip())
    problems.append(loc.problem(loc.key("title", line), "tiêu đề phải là chuỗi / title must be "
                                "a non-empty string", 'title = "Các trường phường Đại Kim"'))
    return default


def _strings(loc: tomlfile.Locator, table: dict[str, Any], key: str, line: int | None,
             problems: list[Problem]) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    problems.append(loc.problem(loc.key(key, line), f"'{key}' phải là danh sách chuỗi / "
                                "must be a list of strings", f'{key} = ["…", "…"]'))
    return []


def _senders(loc: tomlfile.Locator, table: dict[str, Any], line: int | None,
             registry: Registry, problems: list[Problem]) -> tuple[str, ...]:
    key_line = loc.key("senders", line) if "senders" in table else line
    codes: list[str] = []
    for written in _strings(loc, table, "senders", line, problems):
        code = written.upper()
        unit = registry.by_code.get(code)
        where = _value_line(loc, key_line, written)
        if unit is None:
            problems.append(loc.problem(where, f"đơn vị không tồn tại / unknown unit '{written}'",
                                        f"dùng mã trong / use a code from {registry.path}"))
        elif unit.kind not in SENDER_KINDS:
            problems.append(loc.problem(where, f"'{code}' ({unit.kind.value}) không được gửi "
                                        "văn bản chỉ đạo / may not broadcast",
                                        "chỉ Phòng (PGD) hoặc Tổ (TEAM) / only a PGD or TEAM "
                                        "unit"))
        elif code not in codes:
            codes.append(code)
    return tuple(codes)


def _table_line(loc: tomlfile.Locator, name: str) -> int | None:
    """Line of `[lists.name]`, quoted or not (tomlfile's Locator only knows bare keys)."""
    header = re.compile(rf"^\s*\[\s*lists\s*\.\s*(\"|')?{re.escape(name)}(\"|')?\s*\]")
    return next((n for n, text in enumerate(loc.lines, start=1) if header.match(text)), None)


def _value_line(loc: tomlfile.Locator, start: int | None, value: str) -> int | None:
    """Line of a string inside a (possibly multi-line) array, from its key's line on."""
    if start is None:
        return None
    for number in range(start, len(loc.lines) + 1):
        text = loc.lines[number - 1]
        if number > start and text.lstrip().startswith("["):
            break
        if f'"{value}"' in text or f"'{value}'" in text:
            return number
    return start


# resolving members ----------------------------------------------------------

class _Resolver:
    """Turns each list's entries into members, following `list:` references once each."""

    def __init__(self, loc: tomlfile.Locator, registry: Registry, drafts: dict[str, _Draft],
                 domain: str, problems: list[Problem]) -> None:
        self.loc, self.registry, self.drafts = loc, registry, drafts
        self.domain, self.problems = domain, problems
        self.order = {u.code: i for i, u in enumerate(registry.units)}
        self.done: dict[str, tuple[set[str], list[str]]] = {}  # unit codes, plain addresses
        self.wards: dict[str, list[Unit]] = {}
        for unit in registry.units:
            if unit.is_school and unit.ward:
                self.wards.setdefault(_ward_key(unit.ward), []).append(unit)

    def all(self) -> dict[str, tuple[Member, ...]]:
        members: dict[str, tuple[Member, ...]] = {}
        for name in self.drafts:
            codes, plain = self.reach(name, [])
            units = sorted((self.registry.by_code[c] for c in codes),
                           key=lambda u: self.order[u.code])
            members[name] = tuple([Member(u.email, u) for u in units]
                                  + [Member(a, None) for a in plain])
        return members

    def reach(self, name: str, path: list[str]) -> tuple[set[str], list[str]]:
        if name in self.done:
            return self.done[name]
        draft = self.drafts[name]
        codes: set[str] = set()
        plain: list[str] = []
        if draft.builtin:
            codes = {u.code for u in self.registry.units if u.kind in draft.kinds}
        before = len(self.problems)
        for entry, line in draft.entries:
            self.entry(entry, line, path + [name], codes, plain)
        if draft.entries and not codes and not plain and len(self.problems) == before:
            self.problems.append(self.loc.problem(draft.line, f"danh sách '{name}' không có ai "
                                                  "/ the list reaches no one",
                                                  "kiểm tra các thành viên / check its members"))
        self.done[name] = (codes, plain)
        return codes, plain

    def entry(self, entry: str, line: int | None, path: list[str], codes: set[str],
              plain: list[str]) -> None:
        prefix, colon, value = entry.partition(":")
        prefix, value = prefix.strip().lower(), value.strip()
        if not colon or prefix not in _PREFIXES:
            if "@" in entry:
                self.address(entry, line, codes, plain)
            else:
                self.bad(line, f"thành viên không hợp lệ / bad member '{entry}'",
                         'dùng / use "unit:MÃ", "level:MN|TH|THCS", "ward:Tên phường", '
                         '"list:tên", hoặc / or an e-mail address')
            return
        if prefix == "unit":
            unit = self.registry.by_code.get(value.upper())
            if unit is None:
                self.bad(line, f"đơn vị không tồn tại / unknown unit '{value}'",
                         f"dùng mã trong / use a code from {self.registry.path}")
            else:
                codes.add(unit.code)
        elif prefix == "level":
            kind = next((k for k in SCHOOL_LEVELS if k.value == value.upper()), None)
            if kind is None:
                self.bad(line, f"cấp học không hợp lệ / unknown level '{value}'",
                         "dùng / use level:MN, level:TH hoặc / or level:THCS")
            else:
                codes.update(u.code for u in self.registry.units if u.kind is kind)
        elif prefix == "ward":
            schools = self.wards.get(_ward_key(value))
            if not schools:
                self.bad(line, f"không có trường nào ở phường / no school in ward '{value}'",
                         f"viết tên phường như cột ward của / spell the ward as in "
                         f"{self.registry.path}")
            else:
                codes.update(u.code for u in schools)
        else:
            self.reference(value.lower(), line, path, codes, plain)

    def reference(self, name: str, line: int | None, path: list[str], codes: set[str],
                  plain: list[str]) -> None:
        if name in path:
            cycle = " → ".join(path[path.index(name):] + [name])
            self.bad(line, f"danh sách lồng vòng / lists include each other: {cycle}",
                     "bỏ một tham chiếu list: trong vòng / remove one list: reference of the "
                     "cycle")
        elif name not in self.drafts:
            self.bad(line, f"danh sách không tồn tại / unknown list '{name}'",
                     f"dùng tên một danh sách / use the name of a list: "
                     f"{', '.join(self.drafts)}")
        else:
            sub_codes, sub_plain = self.reach(name, path)
            codes.update(sub_codes)
            plain.extend(a for a in sub_plain if a not in plain)

    def address(self, written: str, line: int | None, codes: set[str],
                plain: list[str]) -> None:
        address = written.strip().lower()
        if not _EMAIL.match(address):
            self.bad(line, f"địa chỉ e-mail sai / bad address '{written}'",
                     "một địa chỉ dạng ten@mien.vn / one address like name@domain.vn")
        elif (name := _list_name(address, self.domain)) in self.drafts:
            self.bad(line, f"'{address}' là địa chỉ một danh sách (thư sẽ quay vòng) / is a "
                     "list's address (mail would loop)", f"dùng / use \"list:{name}\"")
        elif (unit := self.registry.find(address)) is not None:
            codes.add(unit.code)  # a unit's address is that unit, in registry order
        elif address not in plain:
            plain.append(address)

    def bad(self, line: int | None, message: str, fix: str) -> None:
        self.problems.append(self.loc.problem(line, message, fix))


def _list_name(address: str, domain: str) -> str:
    local, _, address_domain = address.rpartition("@")
    return local if address_domain == domain else ""


def _ward_key(ward: str) -> str:
    """'Phường Hoàng Liệt', 'hoang  liet' and 'Hoàng Liệt' are the same ward."""
    words = fold(ward).split()
    return " ".join(words[1:] if words[:1] == ["phuong"] else words)

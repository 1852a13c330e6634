"""Broadcast lists: built-in lists from the registry, rules/lists.toml, who may send, errors
that name the line, and `mailhub lists`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailhub.cli import app
from mailhub.errors import ConfigError, Problem
from mailhub.hub import Hub
from mailhub.lists import Lists, load_lists
from mailhub.registry import SCHOOL_LEVELS, Kind, Registry, load_registry

from .conftest import ROOT

DOMAIN = "hub.hoangmai.vn"
runner = CliRunner()


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "data" / "units.csv")


def lists_from(tmp_path: Path, registry: Registry, text: str) -> Lists:
    (tmp_path / "lists.toml").write_text(text, encoding="utf-8")
    return load_lists(tmp_path, registry, DOMAIN)


def problems_from(tmp_path: Path, registry: Registry, text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as exc:
        lists_from(tmp_path, registry, text)
    return exc.value.problems


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def codes(registry: Registry, kinds: tuple[Kind, ...]) -> list[str]:
    return [u.code for u in registry.units if u.kind in kinds]


def test_builtin_lists_are_the_registry_kinds_and_nobody_may_send_without_the_file(
        tmp_path: Path, registry: Registry) -> None:
    lists = load_lists(tmp_path, registry, "Hub.HoangMai.VN")  # no lists.toml here
    expected = {"tat-ca-truong": SCHOOL_LEVELS, "mam-non": (Kind.MN,), "tieu-hoc": (Kind.TH,),
                "thcs": (Kind.THCS,)}
    assert list(lists.lists) == list(expected)
    for name, kinds in expected.items():
        mailing_list = lists.lists[name]
        assert [m.unit.code for m in mailing_list.members if m.unit] == codes(registry, kinds)
        assert [m.email for m in mailing_list.members] == [
            u.email for u in registry.units if u.kind in kinds]
        assert mailing_list.address == f"{name}@hub.hoangmai.vn"
        assert mailing_list.builtin and mailing_list.senders == ()
    assert len(lists.lists["tat-ca-truong"].members) == 100
    assert lists.lists["mam-non"].title == "Các trường mầm non"
    office = registry.by_code["PGD-HM"]
    assert not any(lists.may_send(m, office) for m in lists.lists.values())


def test_custom_list_resolves_every_kind_of_member_once(tmp_path: Path,
                                                       registry: Registry) -> None:
    lists = lists_from(tmp_path, registry, """
[lists.cum-dai-kim]
title = "Cụm Đại Kim"
members = [
  "ward:Phường dai  KIM",           # folded: Đại Kim
  "level:thcs",
  "unit:SO-GDDT",
  "unit:th-daikim",                 # already in the ward
  "list:mam-non",
  "LuuTru.PGDHM@HanoiEdu.vn",
  "c2daikim-hm@hanoiedu.vn",        # a school's address is that school
  "luutru.pgdhm@hanoiedu.vn",       # the same archive copy again
]
senders = ["pgd-hm"]
""")
    mailing_list = lists.lists["cum-dai-kim"]
    ward = {u.code for u in registry.units if u.is_school and u.ward == "Đại Kim"}
    assert {"TH-DAIKIM", "TH-KIMGIANG", "TH-DAITU", "THCS-DAIKIM"} <= ward
    wanted = ward | set(codes(registry, (Kind.THCS, Kind.MN))) | {"SO-GDDT"}
    units = [m.unit.code for m in mailing_list.members if m.unit]
    assert units == [u.code for u in registry.units if u.code in wanted]  # registry order
    assert "TO-MN" not in units and "TH-DINHCONG" not in units
    assert mailing_list.members[-1].email == "luutru.pgdhm@hanoiedu.vn"
    assert mailing_list.members[-1].unit is None
    emails = [m.email for m in mailing_list.members]
    assert len(emails) == len(set(emails)) == len(wanted) + 1
    department = next(m for m in mailing_list.members if m.email == "sogddt@hanoiedu.vn")
    assert department.unit is not None and department.unit.kind is Kind.EXTERNAL
    assert mailing_list.senders == ("PGD-HM",) and not mailing_list.builtin
    assert mailing_list.address == f"cum-dai-kim@{DOMAIN}"
    assert mailing_list.title == "Cụm Đại Kim"


def test_recipients_of_overlapping_lists_are_unique_and_stable(tmp_path: Path,
                                                               registry: Registry) -> None:
    lists = lists_from(tmp_path, registry, """
[lists.hsg]
members = ["list:thcs", "unit:SO-GDDT", "luutru.pgdhm@hanoiedu.vn"]
[lists.ban-tin]
members = ["thuvien.pgdhm@hanoiedu.vn", "level:TH", "luutru.pgdhm@hanoiedu.vn"]
""")
    people = lists.recipients(["hsg", "tieu-hoc", "tat-ca-truong", "ban-tin", "thcs"])
    emails = [m.email for m in people]
    assert len(emails) == len(set(emails))
    schools = [u.email for u in registry.units if u.is_school]
    assert emails == [u.email for u in registry.units if u.is_school or u.code == "SO-GDDT"] + [
        "luutru.pgdhm@hanoiedu.vn", "thuvien.pgdhm@hanoiedu.vn"]
    assert set(schools) <= set(emails)
    assert lists.recipients(["thcs", "thcs"]) == list(lists.lists["thcs"].members)
    assert lists.recipients([]) == []
    with pytest.raises(KeyError):
        lists.recipients(["thcs", "khong-co"])


def test_may_send_only_for_named_office_and_teams(tmp_path: Path, registry: Registry) -> None:
    lists = load_lists(ROOT / "rules", registry, DOMAIN)
    thcs = lists.by_address(f"THCS@{DOMAIN.upper()}")
    assert thcs is not None and thcs.name == "thcs"
    assert lists.by_address(f"  thcs@{DOMAIN} ") is thcs
    assert lists.by_address("thcs@hanoiedu.vn") is None
    assert lists.by_address(f"khong-co@{DOMAIN}") is None
    by_code = registry.by_code
    assert lists.may_send(thcs, by_code["PGD-HM"])
    assert lists.may_send(thcs, by_code["TO-THCS"])
    assert not lists.may_send(thcs, by_code["TO-MN"])            # a team, not this list's
    assert not lists.may_send(thcs, by_code["THCS-TANMAI"])      # a school never broadcasts
    assert not lists.may_send(thcs, by_code["SO-GDDT"])
    assert not lists.may_send(thcs, registry.find("nguoi.la@gmail.com"))  # unknown: None
    assert registry.find("nguoi.la@gmail.com") is None
    assert lists.may_send(lists.lists["mam-non"], by_code["TO-MN"])


def test_shipped_lists_load_against_the_sample_registry(registry: Registry) -> None:
    lists = load_lists(ROOT / "rules", registry, "mailhub.localhost")
    builtin = [m for m in lists.lists.values() if m.builtin]
    assert [m.name for m in builtin] == ["tat-ca-truong", "mam-non", "tieu-hoc", "thcs"]
    assert all("PGD-HM" in m.senders for m in builtin)
    assert lists.lists["mam-non"].senders == ("PGD-HM", "TO-MN")
    assert lists.lists["tieu-hoc"].senders == ("PGD-HM", "TO-TH")
    assert lists.lists["thcs"].senders == ("PGD-HM", "TO-THCS")
    assert lists.lists["tat-ca-truong"].senders == ("PGD-HM",)
    custom = [m for m in lists.lists.values() if not m.builtin]
    assert custom and all(m.members and m.senders for m in custom)
    everyone = {m.email for m in lists.recipients(list(lists.lists))}
    assert "sogddt@hanoiedu.vn" in everyone
    for mailing_list in lists.lists.values():
        for sender in mailing_list.senders:
            assert registry.by_code[sender].kind in (Kind.PGD, Kind.TEAM)


def test_hub_carries_the_lists(hub: Hub) -> None:
    found = hub.lists.by_address(f"tieu-hoc@{hub.settings.hub_domain}")
    assert found is not None and len(found.members) == 30
    assert hub.lists.may_send(found, hub.registry.by_code["TO-TH"])


BAD = """\
colour = "red"

[lists.thcs]
members = ["level:TH"]
senders = ["PGD-HM", "THCS-TANMAI"]
tittle = "THCS"

[lists.Truong_A]
members = ["level:MN"]

[lists.hop-cum]
title = "Họp cụm"
members = [
  "unit:MN-KHONGCO",
  "level:THPT",
  "ward:Phường Không Có",
  "list:khong-co",
  "hieu truong",
  "nguoi@@hanoiedu",
  "thcs@hub.hoangmai.vn",
]
senders = ["TO-KHONGCO"]

[lists.rong]
title = "Rỗng"
senders = ["PGD-HM"]

[lists.rong-nua]
members = []
"""


def test_each_problem_names_its_line(tmp_path: Path, registry: Registry) -> None:
    problems = problems_from(tmp_path, registry, BAD)
    path = tmp_path / "lists.toml"
    assert all(p.file == path for p in problems)
    found = [(p.line, p.message) for p in problems]

    def at(needle: str, words: str) -> None:
        line = line_of(path, needle)
        assert any(ln == line and words in message for ln, message in found), (needle, found)

    at("colour", "unknown key 'colour'")
    at('members = ["level:TH"]', "built-in list")
    at("senders = [\"PGD-HM\", \"THCS-TANMAI\"]", "'THCS-TANMAI' (THCS) không được gửi")
    at("tittle", "unknown key 'tittle'")
    at("[lists.Truong_A]", "bad list name 'Truong_A'")
    at("MN-KHONGCO", "unknown unit 'MN-KHONGCO'")
    at("THPT", "unknown level 'THPT'")
    at("Không Có", "no school in ward")
    at("list:khong-co", "unknown list 'khong-co'")
    at('"hieu truong"', "bad member 'hieu truong'")
    at("nguoi@@", "bad address")
    at("thcs@hub.hoangmai.vn", "mail would loop")
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)
    at("TO-KHONGCO", "unknown unit 'TO-KHONGCO'")
    at("[lists.rong]", "no members")
    at("[lists.rong-nua]", "no members")
    assert len(problems) == 15, found
    assert all(p.fix for p in problems)


def test_a_cycle_is_reported_at_the_reference_that_closes_it(tmp_path: Path,
                                                             registry: Registry) -> None:
    problems = problems_from(tmp_path, registry, """
[lists.a]
members = ["list:b", "level:MN"]
[lists.b]
members = ["level:TH", "list:c"]
[lists.c]
members = ["list:a"]
[lists.tu-than]
members = ["unit:PGD-HM", "list:tu-than"]
""")
    path = tmp_path / "lists.toml"
    cycles = [p for p in problems if "lists include each other" in p.message]
    assert [(p.line, p.message.split(": ")[-1]) for p in cycles] == [
        (line_of(path, '["list:a"]'), "a → b → c → a"),
        (line_of(path, '"list:tu-than"'), "tu-than → tu-than")]
    assert len(problems) == 2


def test_all_problems_are_collected_then_raised_once(tmp_path: Path,
                                                    registry: Registry) -> None:
    problems = problems_from(tmp_path, registry, '[lists.x]\nmembers = ["unit:A"]\n'
                             '[lists.y]\nmembers = ["unit:B"]\nsenders = ["MN-DAIKIM"]\n')
    assert [(p.line, p.message.split(" / ")[-1]) for p in problems] == [
        (2, "unknown unit 'A'"), (4, "unknown unit 'B'"), (5, "may not broadcast")]
    assert "MN-DAIKIM" in problems[2].message


def test_a_ward_without_schools_or_a_list_reaching_no_one_is_an_error(
        tmp_path: Path, registry: Registry) -> None:
    """A list whose only entries are valid but match nobody would send a directive to no one."""
    (tmp_path / "units.csv").write_text(
        "code,name,kind,email,ward,levels,team\n"
        "PGD,Phòng,PGD,pgd@hanoiedu.vn,,,\n"
        "TO,Tổ,TEAM,to@hanoiedu.vn,,MN TH THCS,\n"
        "MN-A,Mầm non A,MN,mna@hanoiedu.vn,Đại Kim,,\n", encoding="utf-8")
    small = load_registry(tmp_path / "units.csv")
    problems = problems_from(tmp_path, small, '[lists.c2]\nmembers = ["list:thcs"]\n')
    assert [(p.line, "reaches no one" in p.message) for p in problems] == [(1, True)]
    lists = lists_from(tmp_path, small, '[lists.c2]\nmembers = ["list:thcs", "ward:ĐẠI KIM"]\n')
    assert [m.email for m in lists.lists["c2"].members] == ["mna@hanoiedu.vn"]
    assert lists.lists["thcs"].members == ()  # a built-in list may be empty


def test_cli_lists_json_and_table(config_file: Path) -> None:
    result = runner.invoke(app, ["--config", str(config_file), "lists", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"name", "address", "title", "members", "senders", "builtin"} <= set(data[0])
    thcs = next(d for d in data if d["name"] == "thcs")
    assert thcs["address"] == "thcs@mailhub.localhost" and thcs["builtin"] is True
    assert len(thcs["members"]) == 20 and "c2tanmai-hm@hanoiedu.vn" in thcs["members"]
    assert thcs["senders"] == ["PGD-HM", "TO-THCS"]
    assert all(isinstance(e, str) and "@" in e for d in data for e in d["members"])
    table = runner.invoke(app, ["--config", str(config_file), "lists"])
    assert table.exit_code == 0 and "tat-ca-truong" in table.output, table.output


def test_check_config_reports_lists_problems(config_file: Path, office: Path) -> None:
    ok = runner.invoke(app, ["--config", str(config_file), "check-config"])
    assert ok.exit_code == 0 and "danh sách / lists" in ok.output, ok.output
    with (office / "rules" / "lists.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[lists.moi]\nmembers = ["unit:KHONG-CO"]\n')
    bad = runner.invoke(app, ["--config", str(config_file), "check-config"])
    said = bad.output.replace("\n", "")  # the console wraps long lines at its width
    assert bad.exit_code == 1 and "unknown unit 'KHONG-CO'" in said
    assert f"lists.toml:{line_of(office / 'rules' / 'lists.toml', 'KHONG-CO')}" in said

"""Settings, registry and rules: defaults, overrides, and errors that name file, line and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from mailhub.cli import app
from mailhub.config import ROOT_EXAMPLE, Settings, example_config, load_settings
from mailhub.errors import ConfigError
from mailhub.registry import Kind, load_registry
from mailhub.rules import load_rules

from .conftest import ROOT


def problems_of(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_every_key_has_a_default() -> None:
    settings = load_settings(None, environ={})
    assert settings.state_dir == Path("data/state")
    assert settings.database == "sqlite:///data/state/mailhub.db"
    assert settings.registry == Path("data/units.csv")


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "mailhub.toml"
    config.write_text('state_dir = "st"\nhub_domain = "hub.example.vn"\n', encoding="utf-8")
    settings = load_settings(None, environ={"MAILHUB_CONFIG": str(config),
                                            "MAILHUB_DATABASE_URL": "postgresql+psycopg://x/y"})
    assert settings.state_dir == tmp_path / "st"  # relative to the config file
    assert settings.hub_domain == "hub.example.vn"
    assert settings.database == "postgresql+psycopg://x/y"
    env = {"MAILHUB_STATE_DIR": "/srv/mailhub"}
    assert load_settings(config, environ=env).state_dir == Path("/srv/mailhub")


def test_unknown_key_names_file_line_and_known_keys(tmp_path: Path) -> None:
    config = tmp_path / "mailhub.toml"
    config.write_text('# comment\nstate_dir = "x"\nstate_dri = "y"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config, environ={})
    (message,) = problems_of(exc)
    assert f"{config}:3" in message and "state_dri" in message and "state_dir" in message


def test_bad_timezone_and_syntax_are_reported(tmp_path: Path) -> None:
    config = tmp_path / "mailhub.toml"
    config.write_text('timezone = "Mars/Olympus"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config, environ={})
    assert "Mars/Olympus" in problems_of(exc)[0] and f"{config}:1" in problems_of(exc)[0]
    config.write_text('state_dir = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config, environ={})
    assert f"{config}:1" in problems_of(exc)[0]


def test_shipped_example_config_is_generated_and_loads(tmp_path: Path) -> None:
    assert ROOT_EXAMPLE.read_text(encoding="utf-8") == example_config()
    config = tmp_path / "mailhub.toml"
    config.write_text(example_config().replace("# state_dir", "state_dir"), encoding="utf-8")
    assert load_settings(config, environ={}).state_dir == tmp_path / "data/state"


def test_sample_registry_is_a_realistic_district() -> None:
    registry = load_registry(ROOT / "data" / "units.csv")
    count = {kind: sum(u.kind is kind for u in registry.units) for kind in Kind}
    assert count[Kind.PGD] == 1 and count[Kind.TEAM] >= 4
    assert count[Kind.MN] >= 40 and count[Kind.TH] >= 25 and count[Kind.THCS] >= 15
    school = registry.find("C1DINHCONG-HM@HANOIEDU.VN")  # addresses compare case-insensitively
    assert school is not None and school.kind is Kind.TH
    team = registry.team_for(school)
    assert team is not None and Kind.TH in team.levels


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "code,name,kind,email,ward,levels,team,note\n"


def test_registry_errors_name_line_and_fix(tmp_path: Path) -> None:
    csv = write(tmp_path / "units.csv", HEADER +
                "TO-MN,Tổ Mầm non,TEAM,tomn@x.vn,,MN,,\n"
                "MN-A,Mầm non A,MN,a@x.vn,,,,\n"
                "MN-B,Mầm non B,SCHOOL,b@x.vn,,,,\n"
                "MN-C,Mầm non C,MN,A@x.vn,,,,\n"
                "MN-A,Mầm non D,MN,d@x.vn,,,,\n"
                "TH-E,Tiểu học E,TH,e@x.vn,,,,\n"
                "MN-F,Mầm non F,MN,not-an-address,,,,\n")
    with pytest.raises(ConfigError) as exc:
        load_registry(csv)
    found = "\n".join(problems_of(exc))
    assert f"{csv}:4" in found and "SCHOOL" in found and "PGD, TEAM, MN" in found
    assert f"{csv}:5" in found and "duplicate address 'a@x.vn'" in found
    assert f"{csv}:6" in found and "duplicate code 'MN-A'" in found
    assert f"{csv}:7" in found and "no team handles level TH" in found
    assert f"{csv}:8" in found and "not-an-address" in found


def test_registry_accepts_excel_bom_and_reports_semicolons(tmp_path: Path) -> None:
    csv = tmp_path / "units.csv"
    csv.write_bytes(("\ufeff" + HEADER + "TO-MN,Tổ,TEAM,t@x.vn,,MN,,\n").encode("utf-8"))
    assert load_registry(csv).units[0].code == "TO-MN"
    write(csv, HEADER.replace(",", ";") + "TO-MN;Tổ;TEAM;t@x.vn;;MN;;\n")
    with pytest.raises(ConfigError) as exc:
        load_registry(csv)
    assert "';'" in problems_of(exc)[0]


def test_shipped_rules_load_with_every_required_topic() -> None:
    rules = load_rules(ROOT / "rules", load_registry(ROOT / "data" / "units.csv"))
    required = """tuyen-sinh phat-trien-doi-ngu xa-hoi-hoa co-so-vat-chat truong-chuan-quoc-gia
        kiem-dinh-chat-luong thu-chi quy-che-dan-chu truong-hoc-an-toan ky-nang-song
        ve-sinh-an-toan-thuc-pham dinh-duong dao-duc-loi-song danh-gia-hoc-sinh esams
        truong-hoc-dien-tu vnen day-bo-tro day-them-hoc-them so-diem-dien-tu stem ngoai-ngu
        hoc-sinh-gioi day-nghe bao-cao-thang du-luan guong-dien-hinh chua-phan-loai""".split()
    assert set(required) <= {t.id for t in rules.topics}
    assert rules.reporting.deadline_day == 25
    assert "gmail.com" in rules.senders.personal_domains
    assert rules.senders.official_domains == ("hanoiedu.vn",)
    assert rules.topic("du-luan").urgent  # type: ignore[union-attr]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_rule_errors_name_file_line_and_fix(office: Path) -> None:
    rules = office / "rules"
    edit(rules / "senders.toml", "when = { from_registered = true }",
         "when = { from_registred = true }")
    edit(rules / "topics.toml", 'patterns = [\'\\bts', 'patterns = [\'(unclosed\', \'\\bts')
    edit(rules / "topics.toml", 'id = "stem"', 'id = "stem"\nteam = "TO-KHONGCO"')
    edit(rules / "senders.toml", 'action = "quarantine"', 'action = "drop"')
    with pytest.raises(ConfigError) as exc:
        load_rules(rules, load_registry(office / "data" / "units.csv"))
    found = problems_of(exc)
    senders, topics = rules / "senders.toml", rules / "topics.toml"
    assert any(f"{senders}:{line_of(senders, 'from_registred')}" in p and "from_registered" in p
               for p in found), found
    assert any(f"{topics}:{line_of(topics, '(unclosed')}" in p and "bad regex" in p
               for p in found), found
    assert any(f"{topics}:" in p and "TO-KHONGCO" in p for p in found), found
    assert any(f"{senders}:{line_of(senders, 'drop')}" in p and "accept, reject" in p
               for p in found), found


def test_check_config_exit_codes(office: Path) -> None:
    config = write(office / "mailhub.toml", 'registry = "data/units.csv"\nrules_dir = "rules"\n'
                   'state_dir = "state"\n')
    runner = CliRunner()
    ok = runner.invoke(app, ["--config", str(config), "check-config"])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    with (office / "data" / "units.csv").open("a", encoding="utf-8") as handle:
        handle.write("MN-X,Mầm non X,MN,tomamnon.pgdhm@hanoiedu.vn,,,,\n")
    bad = runner.invoke(app, ["--config", str(config), "check-config"])
    assert bad.exit_code == 1
    assert "duplicate address 'tomamnon.pgdhm@hanoiedu.vn'" in bad.output
    assert "units.csv:" in bad.output


def test_settings_are_immutable() -> None:
    with pytest.raises(ValidationError):
        Settings().hub_domain = "x"  # type: ignore[misc]


def test_imap_accounts_are_checked_with_file_line_and_fix(tmp_path: Path) -> None:
    config = tmp_path / "mailhub.toml"
    config.write_text('[[imap]]\nname = "totieuhoc"\nhost = "mail.hanoiedu.vn"\n'
                      'tls = "none"\nusername = "totieuhoc.pgdhm@hanoiedu.vn"\n'
                      'password_file = "secret.txt"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(config, environ={})
    assert "loopback" in str(refused.value) and str(config) in str(refused.value)
    config.write_text('[[imap]]\nname = "totieuhoc"\nhost = "mail.hanoiedu.vn"\n'
                      'username = "totieuhoc.pgdhm@hanoiedu.vn"\npassword_file = "secret.txt"\n',
                      encoding="utf-8")
    account = load_settings(config, environ={}).imap[0]
    assert account.server_port == 993
    assert account.password_file == str(tmp_path / "secret.txt")  # beside the config file
    with pytest.raises(ConfigError) as unreadable:
        account.password()
    assert "secret.txt" in str(unreadable.value)

"""The command line as a user runs it: ingest, import, units, JSON shapes, exit codes."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailhub import db, models
from mailhub.cli import app
from mailhub.hub import Hub

from .conftest import ROOT
from .factory import VN, mail

runner = CliRunner()


@pytest.fixture
def config(config_file: Path) -> Path:
    return config_file


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_ingest_json_has_one_object_per_message(config: Path) -> None:
    result = runner.invoke(app, ["--config", str(config), "ingest", "--json",
                                 str(ROOT / "data" / "samples")])
    assert result.exit_code == 0, result.output
    rows = lines(result.output)
    assert len(rows) == len(list((ROOT / "data" / "samples").glob("*.eml")))
    for key in ("source", "message_id", "verdict", "reasons", "unit", "level", "topics",
                "period", "team", "sha256"):
        assert all(key in row for row in rows), key
    verdicts = sorted({str(row["verdict"]) for row in rows})
    assert verdicts == ["duplicate", "filed", "quarantined", "rejected"]


def test_ingest_table_and_missing_file(config: Path, tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail())
    result = runner.invoke(app, ["--config", str(config), "ingest", str(eml)])
    assert result.exit_code == 0 and "filed: 1" in result.output, result.output
    missing = runner.invoke(app, ["--config", str(config), "ingest", str(tmp_path / "no.eml")])
    assert missing.exit_code == 1 and "no.eml" in missing.output


def test_an_ingested_file_was_received_when_its_received_header_says(config: Path, hub: Hub,
                                                                     tmp_path: Path) -> None:
    eml = tmp_path / "old.eml"
    eml.write_bytes(b"Received: from mail.hanoiedu.vn by mailhub.pgdhm.hanoiedu.vn with LMTP;\r\n"
                    b"\tMon, 24 Mar 2025 09:15:02 +0700\r\n"
                    + mail(subject="Báo cáo tháng 3/2025", date=datetime(2025, 3, 24, 8, 50,
                                                                         tzinfo=VN)))
    result = runner.invoke(app, ["--config", str(config), "ingest", str(eml)])
    assert result.exit_code == 0, result.output
    with Session(hub.engine) as session:
        received = session.exec(select(models.Message.received_at)).one()
    received = received if received.tzinfo else received.replace(tzinfo=UTC)  # SQLite: naive
    assert received == datetime(2025, 3, 24, 2, 15, 2, tzinfo=UTC)


def test_import_mbox_and_maildir(config: Path, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "old.mbox")
    for month in (8, 9, 10):
        box.add(mail(subject=f"Báo cáo tháng {month}/2026"))
    box.flush()
    result = runner.invoke(app, ["--config", str(config), "import", "mbox", "--json",
                                 str(tmp_path / "old.mbox")])
    assert result.exit_code == 0, result.output
    assert [row["period"] for row in lines(result.output)] == ["2026-08", "2026-09", "2026-10"]
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(mail(sender="someone@yahoo.com.vn"))
    result = runner.invoke(app, ["--config", str(config), "import", "maildir", "--json",
                                 str(tmp_path / "Maildir")])
    assert [row["verdict"] for row in lines(result.output)] == ["rejected"], result.output


def test_units_json_lists_the_registry(config: Path) -> None:
    result = runner.invoke(app, ["--config", str(config), "units", "--json"])
    assert result.exit_code == 0, result.output
    units = json.loads(result.output)
    assert {"code", "name", "kind", "email"} <= set(units[0])
    school = next(u for u in units if u["email"] == "c2tanmai-hm@hanoiedu.vn")
    assert school["kind"] == "THCS" and school["team"] == "TO-THCS"
    teams = runner.invoke(app, ["--config", str(config), "units", "--json", "--kind", "team"])
    assert {u["kind"] for u in json.loads(teams.output)} == {"TEAM"}


def test_bad_config_is_an_error_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "mailhub.toml"
    bad.write_text('registry = "nowhere.csv"\n', encoding="utf-8")
    result = runner.invoke(app, ["--config", str(bad), "ingest", str(tmp_path)])
    assert result.exit_code == 1
    assert "nowhere.csv" in result.output


def test_db_upgrade_reports_the_revision(config: Path) -> None:
    result = runner.invoke(app, ["--config", str(config), "db", "upgrade"])
    head = db.head_revision(db.make_engine("sqlite://"))
    assert result.exit_code == 0 and f"OK: {head}" in result.output, result.output

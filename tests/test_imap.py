"""The IMAP door against a real Dovecot on 127.0.0.1 (tests/dovecot.py starts it)."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient
from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailhub import models
from mailhub.batch import Filer
from mailhub.cli import app
from mailhub.config import ImapAccount, Settings, SmtpSettings
from mailhub.hub import Hub, open_hub
from mailhub.ingress import imap
from mailhub.ingress.imap import Tally, Watcher, connect, move_round, watch

from .dovecot import PASSWORD, USER, Dovecot, dovecot_fixture  # noqa: F401
from .factory import mail
from .test_smtp import Running, free_port

SCHOOL = "c1dinhcong-hm@hanoiedu.vn"
REPORT = "BC VSATTP tháng 11/2026"


def account_for(server: Dovecot, tmp_path: Path, **changes: Any) -> ImapAccount:
    password = tmp_path / "imap.password"
    password.write_text(PASSWORD + "\n")
    return ImapAccount.model_validate({
        "name": "totieuhoc", "host": server.host, "port": server.port, "tls": "none",
        "username": USER, "password_file": str(password), "batch": 50, **changes})


@pytest.fixture
def imap_hub(settings: Settings, clock: Callable[[], datetime], dovecot: Dovecot,
             tmp_path: Path) -> Iterator[Hub]:
    hub = open_hub(settings.model_copy(update={"imap": [account_for(dovecot, tmp_path)]}),
                   clock)
    yield hub
    hub.engine.dispose()


def append(server: Dovecot, *messages: bytes, folder: str = "INBOX",
           msg_time: datetime | None = None) -> None:
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        for raw in messages:
            client.append(folder, raw, msg_time=msg_time)


def sync(hub: Hub, account: ImapAccount | None = None) -> Tally:
    account = account or hub.settings.imap[0]
    client = connect(account)
    try:
        with Filer(hub) as filer:
            return Watcher(hub, account, filer).sync(client)
    finally:
        client.logout()


def folders(server: Dovecot) -> dict[str, int]:
    """Message count per folder."""
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        names = [name for flags, _, name in client.list_folders()
                 if b"\\Noselect" not in flags and b"\\NonExistent" not in flags]
        return {name: client.folder_status(name, [b"MESSAGES"])[b"MESSAGES"] for name in names}


def states(hub: Hub) -> dict[str, int]:
    with Session(hub.engine) as session:
        rows = session.exec(select(models.Message.state, func.count())
                            .group_by(models.Message.state)).all()
    return {state: count for state, count in rows}


def test_new_mail_is_filed_and_moved_to_the_folder_of_its_verdict(imap_hub: Hub,
                                                                   dovecot: Dovecot
                                                                   ) -> None:
    append(dovecot, mail(subject=REPORT),
           mail(sender="Trường TH <th.dinhcong@gmail.com>"),
           mail(sender="Ai đó <khongro@hanoiedu.vn>"))
    tally = sync(imap_hub)
    assert tally.fetched == 3
    assert states(imap_hub) == {"filed": 1, "rejected": 1, "quarantined": 1}
    found = folders(dovecot)
    assert found["INBOX"] == 0
    assert found["Filed/ve-sinh-an-toan-thuc-pham"] == 1
    assert found["Rejected"] == 1 and found["Quarantine"] == 1
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.select_folder("Filed/ve-sinh-an-toan-thuc-pham")
        flags = client.get_flags(client.search())
    assert all(b"\\Seen" not in f for f in flags.values())  # fetched with BODY.PEEK[]
    with Session(imap_hub.engine) as session:
        checkpoint = session.exec(select(models.ImapCheckpoint)).one()
        row = session.exec(select(models.Message).where(models.Message.state == "filed")).one()
    assert (checkpoint.account, checkpoint.folder, checkpoint.last_uid) == (
        "totieuhoc", "INBOX", 3)
    assert row.door == "imap" and row.source.startswith("totieuhoc/INBOX/")


def test_a_backlog_is_filed_exactly_once(imap_hub: Hub, dovecot: Dovecot) -> None:
    append(dovecot, *(mail(subject=f"Báo cáo tháng {1 + i % 12}/2026 số {i}")
                      for i in range(500)))
    assert sync(imap_hub).fetched == 500
    assert sync(imap_hub).fetched == 0
    assert sum(states(imap_hub).values()) == 500
    assert folders(dovecot)["INBOX"] == 0


def test_a_backlog_is_moved_in_rounds_of_half_what_is_left() -> None:
    rounds, unmoved = [], 10_000
    while unmoved >= move_round(unmoved):
        rounds.append(move_round(unmoved))
        unmoved -= rounds[-1]
    assert rounds + [unmoved] == [5000, 2500, 1250, 1000, 250]  # the rest at the end
    assert move_round(100_000) == imap.MOVE_ROUND_MAX  # a crash fetches that much again
    assert move_round(300) == imap.MOVE_EVERY  # more than waits: moved when the pass ends


def test_each_round_is_moved_then_checkpointed_in_commands_of_bounded_length(
        imap_hub: Hub, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imap, "MOVE_EVERY", 10)
    monkeypatch.setattr(imap, "MOVE_UIDS", 7)
    append(dovecot, *(mail(subject=f"{REPORT} số {i}") for i in range(45)))
    commands: list[int] = []
    checkpoints: list[int] = []
    move, save = IMAPClient.move, Watcher._save_checkpoint

    def counted_move(client: IMAPClient, uids: list[int], folder: str) -> Any:
        commands.append(len(uids))
        return move(client, uids, folder)  # the real command, to the real server

    def counted_save(watcher: Watcher, folder: str, uidvalidity: int, last: int) -> None:
        checkpoints.append(last)
        save(watcher, folder, uidvalidity, last)

    monkeypatch.setattr(IMAPClient, "move", counted_move)
    monkeypatch.setattr(Watcher, "_save_checkpoint", counted_save)
    assert sync(imap_hub).fetched == 45
    assert checkpoints == [22, 33, 43, 45]  # rounds of 22, 11 and 10, then the 2 left
    assert commands == [7, 7, 7, 1, 7, 4, 7, 3, 2]
    assert folders(dovecot)["Filed/ve-sinh-an-toan-thuc-pham"] == 45
    assert folders(dovecot)["INBOX"] == 0


def test_dovecot_restarted_in_the_middle_of_a_batch_loses_and_doubles_nothing(
        imap_hub: Hub, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    append(dovecot, *(mail(subject=f"Báo cáo tháng 11/2026 số {i}") for i in range(120)))
    moves = {"count": 0}
    original = Watcher._move

    def move_then_crash(self: Watcher, *args: Any) -> None:
        moves["count"] += 1
        if moves["count"] == 1:  # the batches are stored, then the server goes away
            dovecot.restart()
        original(self, *args)

    monkeypatch.setattr(Watcher, "_move", move_then_crash)
    with pytest.raises(Exception):  # noqa: B017 - any connection error will do
        sync(imap_hub)
    monkeypatch.setattr(Watcher, "_move", original)
    tally = sync(imap_hub)
    assert tally.duplicates >= 1  # stored before the restart, fetched again, not filed again
    assert sum(states(imap_hub).values()) == 120
    assert folders(dovecot)["INBOX"] == 0


def test_a_new_uidvalidity_files_nothing_twice(settings: Settings, dovecot: Dovecot,
                                               tmp_path: Path) -> None:
    account = account_for(dovecot, tmp_path, folders=["Reports"])
    hub = open_hub(settings.model_copy(update={"imap": [account]}))
    reports = [mail(subject=f"Báo cáo tháng {m}/2026") for m in (9, 10, 11)]
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.create_folder("Reports")
    append(dovecot, *reports, folder="Reports")
    assert sync(hub, account).fetched == 3
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:  # recreated
        client.login(USER, PASSWORD)
        client.delete_folder("Reports")
        client.create_folder("Reports")
    append(dovecot, *reports, folder="Reports")
    tally = sync(hub, account)
    assert (tally.fetched, tally.duplicates) == (3, 3)
    assert states(hub) == {"filed": 3}
    hub.engine.dispose()


def test_a_personal_sender_gets_one_notice_and_an_auto_reply_none(imap_hub: Hub,
                                                                  dovecot: Dovecot
                                                                  ) -> None:
    personal = "Trường TH <th.dinhcong@gmail.com>"
    auto = mail(sender="Nghỉ phép <co.giao@yahoo.com>").replace(
        b"\nSubject:", b"\nAuto-Submitted: auto-replied\nSubject:", 1)
    append(dovecot, mail(sender=personal, subject="Báo cáo 1"),
           mail(sender=personal, subject="Báo cáo 2"), auto)
    assert sync(imap_hub).notices == 1
    assert folders(dovecot)["Rejected"] == 3
    with Session(imap_hub.engine) as session:
        notice = session.exec(select(models.Outbox)).one()
    assert notice.recipient == "th.dinhcong@gmail.com" and notice.state == "pending"
    sent = message_from_bytes(notice.raw, policy=default)
    assert sent["Auto-Submitted"] == "auto-replied" and sent["In-Reply-To"]
    assert sent["From"] == "pgd-hoangmai@hanoiedu.vn"  # the login is no address: the office
    body = sent.get_content()  # type: ignore[attr-defined]
    assert body.startswith("Kính gửi") and "Personal mailboxes are not accepted" in body
    assert "hanoiedu.vn" in body


@contextmanager
def watching(hub: Hub) -> Iterator[threading.Thread]:
    """watch() of the hub's first account in a thread, stopped on leaving."""
    stop = threading.Event()
    with Filer(hub) as filer:
        watcher = threading.Thread(target=watch, args=(hub, hub.settings.imap[0], filer, stop))
        watcher.start()
        try:
            yield watcher
        finally:
            stop.set()
            watcher.join(10)


def wait_filed(hub: Hub, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not states(hub) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_idle_takes_in_new_mail_within_two_seconds(imap_hub: Hub,
                                                   dovecot: Dovecot) -> None:
    with watching(imap_hub):
        time.sleep(1.0)  # connected, synced (nothing), idling
        append(dovecot, mail(subject=REPORT))
        appended = time.monotonic()
        wait_filed(imap_hub, 5)
        took = time.monotonic() - appended
    assert states(imap_hub) == {"filed": 1}
    assert took < 2.0


def test_a_watcher_outlives_a_database_failure(imap_hub: Hub, dovecot: Dovecot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The first pass fails as if the database were down: the watcher waits, connects
    # again and files the message then; it is never dropped.
    passes: list[str] = []
    sync_folder = Watcher.sync_folder

    def down_at_first(watcher: Watcher, *args: Any) -> Tally:
        passes.append("failed" if not passes else "ok")
        if passes[-1] == "failed":
            raise OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked"))
        return sync_folder(watcher, *args)

    monkeypatch.setattr(Watcher, "sync_folder", down_at_first)
    append(dovecot, mail(subject=REPORT))
    with watching(imap_hub) as watcher:
        wait_filed(imap_hub, 10)
        alive = watcher.is_alive()
    assert passes[:2] == ["failed", "ok"] and alive
    assert states(imap_hub) == {"filed": 1}
    assert folders(dovecot)["INBOX"] == 0


def test_a_vietnamese_folder_name_round_trips(settings: Settings, dovecot: Dovecot,
                                              tmp_path: Path) -> None:
    account = account_for(dovecot, tmp_path, filed_folder="Đã lọc/{topic_name}")
    hub = open_hub(settings.model_copy(update={"imap": [account]}))
    append(dovecot, mail(subject=REPORT))
    sync(hub, account)
    assert folders(dovecot)["Đã lọc/Vệ sinh an toàn thực phẩm"] == 1
    hub.engine.dispose()


def test_imap_check_and_sync_commands(imap_hub: Hub, dovecot: Dovecot,
                                      tmp_path: Path) -> None:
    account = imap_hub.settings.imap[0]
    config = tmp_path / "imap.toml"
    settings = imap_hub.settings
    config.write_text(
        f'state_dir = "{settings.state_dir}"\ndatabase_url = "{settings.database}"\n'
        f'registry = "{settings.registry}"\nrules_dir = "{settings.rules_dir}"\n'
        f'[[imap]]\nname = "totieuhoc"\nhost = "{account.host}"\nport = {account.port}\n'
        f'tls = "none"\nusername = "{USER}"\npassword_file = "{account.password_file}"\n'
        f'[[imap]]\nname = "sai-mat-khau"\nhost = "{account.host}"\nport = {account.port}\n'
        f'tls = "none"\nusername = "{USER}"\npassword_env = "MAILHUB_TEST_WRONG_PW"\n',
        encoding="utf-8")
    runner = CliRunner()
    env = {"MAILHUB_TEST_WRONG_PW": "not-the-password", "COLUMNS": "250"}
    checked = runner.invoke(app, ["--config", str(config), "imap", "check"], env=env)
    assert checked.exit_code == 1  # the second account cannot log in
    assert "IDLE MOVE UIDPLUS" in checked.output and "INBOX: 0" in checked.output
    append(dovecot, mail(subject=REPORT))
    synced = runner.invoke(app, ["--config", str(config), "imap", "sync", "--once",
                                 "--account", "totieuhoc"], env=env)
    assert synced.exit_code == 0, synced.output
    assert "totieuhoc: 1" in synced.output
    assert states(imap_hub) == {"filed": 1}


def test_serve_runs_the_watchers_beside_the_smtp_door(imap_hub: Hub,
                                                      dovecot: Dovecot) -> None:
    hub = open_hub(imap_hub.settings.model_copy(update={
        "smtp": SmtpSettings(listen=f"127.0.0.1:{free_port()}")}), imap_hub.clock)
    running = Running(hub)
    try:
        append(dovecot, mail(subject=REPORT))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and folders(dovecot).get("INBOX", 1):
            time.sleep(0.1)
    finally:
        running.close()
    assert states(hub) == {"filed": 1}
    assert folders(dovecot)["Filed/ve-sinh-an-toan-thuc-pham"] == 1
    assert not [p for p in multiprocessing.active_children() if p.name == "mailhub-imap"]
    hub.engine.dispose()


def test_a_resent_report_goes_where_the_first_went(imap_hub: Hub,
                                                   dovecot: Dovecot) -> None:
    first = mail(subject=REPORT, message_id="<bc-vsattp-11@c1dinhcong.hanoiedu.vn>")
    again = mail(subject=REPORT, message_id="<bc-vsattp-11@c1dinhcong.hanoiedu.vn>",
                 body="Nhà trường gửi lại báo cáo.")
    append(dovecot, first)
    sync(imap_hub)
    append(dovecot, again)
    assert sync(imap_hub).duplicates == 1
    assert states(imap_hub) == {"filed": 1, "duplicate": 1}
    assert folders(dovecot)["Filed/ve-sinh-an-toan-thuc-pham"] == 2


def test_without_move_only_the_moved_messages_are_expunged(
        imap_hub: Hub, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    append(dovecot, mail(subject="Thư nháp của cán bộ / a staff draft"))
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.select_folder("INBOX")
        client.delete_messages(client.search())  # marked \Deleted by someone, not expunged
        draft = client.search()
    original = IMAPClient.capabilities
    monkeypatch.setattr(IMAPClient, "capabilities",
                        lambda self: tuple(c for c in original(self) if c != b"MOVE"))
    monkeypatch.setattr(IMAPClient, "move", lambda *_: pytest.fail("MOVE is not offered"))
    checkpoint_start = draft[-1]
    with Session(imap_hub.engine) as session:  # the draft is not ours to take in
        session.add(models.ImapCheckpoint(account="totieuhoc", folder="INBOX",
                                          uidvalidity=_uidvalidity(dovecot),
                                          last_uid=checkpoint_start, updated_at=imap_hub.clock()))
        session.commit()
    append(dovecot, mail(subject=REPORT))
    assert sync(imap_hub).fetched == 1
    found = folders(dovecot)
    assert found["Filed/ve-sinh-an-toan-thuc-pham"] == 1
    assert found["INBOX"] == 1  # the draft, still there: UID EXPUNGE touched only ours


def _uidvalidity(server: Dovecot) -> int:
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        return int(client.select_folder("INBOX")[b"UIDVALIDITY"])


@pytest.mark.parametrize("normalise_times", [False, True])
def test_received_at_is_when_the_mailbox_received_the_message(
        imap_hub: Hub, dovecot: Dovecot, normalise_times: bool) -> None:
    """INTERNALDATE, not the hub's clock, nor the Date: header; whether imapclient gives it
    with its zone or (normalise_times, its default) naive in the system's local time."""
    arrived = datetime(2026, 11, 19, 16, 45, 30, tzinfo=timezone(timedelta(hours=7)))
    append(dovecot, mail(subject=REPORT), msg_time=arrived)
    account = imap_hub.settings.imap[0]
    client = connect(account)
    client.normalise_times = normalise_times
    try:
        with Filer(imap_hub) as filer:
            assert Watcher(imap_hub, account, filer).sync(client).fetched == 1
    finally:
        client.logout()
    with Session(imap_hub.engine) as session:
        row = session.exec(select(models.Message)).one()
    stored = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=UTC)
    assert stored == datetime(2026, 11, 19, 9, 45, 30, tzinfo=UTC)
    assert stored != imap_hub.clock()


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_imaplib_traces_only_for_a_logger_that_shows_it(
        imap_hub: Hub, dovecot: Dovecot, caplog: pytest.LogCaptureFixture, level: int) -> None:
    """imapclient turns imaplib's trace on, and imaplib then formats every message it
    fetches for a logger that may drop it: connect() turns it off unless "imapclient.imaplib"
    shows DEBUG."""
    raw = mail(subject=REPORT)
    append(dovecot, raw)
    with caplog.at_level(level, logger="imapclient.imaplib"):
        client = connect(imap_hub.settings.imap[0])
        traced: list[str] = []
        client._imap._mesg = traced.append  # what imaplib hands imapclient's logger
        try:
            client.select_folder("INBOX", readonly=True)
            fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
        finally:
            client.logout()
    assert [data[b"BODY[]"] for data in fetched.values()] == [raw.replace(b"\n", b"\r\n")]
    assert any("FETCH" in line for line in traced) == (level == logging.DEBUG)

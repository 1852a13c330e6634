"""The SMTP door, with a real SMTP client against `serve` on 127.0.0.1."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from mailhub import models
from mailhub.config import LmtpSettings, Settings, SmtpSettings
from mailhub.daemon import serve
from mailhub.hub import Hub, open_hub
from mailhub.pipeline import Envelope, receive

from .factory import mail

SCHOOL = "c1dinhcong-hm@hanoiedu.vn"
TEAM = "totieuhoc.pgdhm@hanoiedu.vn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Running:
    """`serve` on its own event loop thread, stopped at the end of the test."""

    def __init__(self, hub: Hub) -> None:
        self.hub, self.port = hub, int(hub.settings.smtp.listen.rsplit(":", 1)[1])
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        ready = threading.Event()

        async def main() -> None:
            started = asyncio.Event()
            task = asyncio.ensure_future(serve(hub, self.stop, started))
            await started.wait()
            ready.set()
            await task

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(main(),))
        self.thread.start()
        assert ready.wait(10), "the SMTP server did not start"

    def client(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port, timeout=10)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)


@pytest.fixture
def smtp_hub(settings: Settings, clock: Callable[[], datetime]) -> Iterator[Hub]:
    limits = SmtpSettings(listen=f"127.0.0.1:{free_port()}", max_message_size=200_000,
                          max_recipients=3)
    hub = open_hub(settings.model_copy(update={"smtp": limits}), clock)
    yield hub
    hub.engine.dispose()


@pytest.fixture
def server(smtp_hub: Hub) -> Iterator[Running]:
    running = Running(smtp_hub)
    yield running
    running.close()


def states(hub: Hub, wait: int = 0) -> dict[str, int]:
    """Message states, waiting up to 10 s until `wait` messages have left 'received'."""
    deadline = time.monotonic() + 10
    while True:
        with Session(hub.engine) as session:
            rows = session.exec(select(models.Message.state, func.count())
                                .group_by(models.Message.state)).all()
        found = {state: count for state, count in rows}
        if sum(n for s, n in found.items() if s != "received") >= wait or \
                time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_school_report_is_accepted_then_filed(server: Running) -> None:
    with server.client() as client:
        refused = client.sendmail(SCHOOL, [TEAM], mail(subject="BC VSATTP tháng 11/2026"))
    assert refused == {}
    assert states(server.hub, wait=1) == {"filed": 1}
    with Session(server.hub.engine) as session:
        topic = session.exec(select(models.FilingTopic.topic)
                             .where(models.FilingTopic.rank == 0)).one()
        row = session.exec(select(models.Message)).one()
    assert topic == "ve-sinh-an-toan-thuc-pham"
    assert (row.door, row.envelope_from) == ("smtp", SCHOOL)


def test_personal_mail_from_is_refused_at_mail_and_recorded(server: Running) -> None:
    with server.client() as client:
        client.ehlo()
        code, reply = client.mail("truongdinhcong@gmail.com")
    assert code == 550
    assert reply.startswith(b"5.7.1 Khong su dung hop thu ca nhan")
    assert b"Personal mailboxes are not accepted" in reply
    with Session(server.hub.engine) as session:
        refusal = session.exec(select(models.Refusal)).one()
    assert (refusal.stage, refusal.rule, refusal.mail_from) == (
        "MAIL", "sender.personal_domain", "truongdinhcong@gmail.com")


def test_personal_header_from_is_refused_after_data(server: Running) -> None:
    with server.client() as client, pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail(SCHOOL, [TEAM], mail(sender="Trường TH <th.dinhcong@yahoo.com.vn>"))
    assert refused.value.smtp_code == 550
    assert b"yahoo.com.vn" in refused.value.smtp_error
    assert states(server.hub) == {}  # nothing stored
    with Session(server.hub.engine) as session:
        refusal = session.exec(select(models.Refusal)).one()
    assert (refusal.stage, refusal.header_from) == ("DATA", "th.dinhcong@yahoo.com.vn")


def test_unknown_recipient_and_relay_are_refused(server: Running) -> None:
    with server.client() as client:
        client.ehlo()
        assert client.mail(SCHOOL)[0] == 250
        assert client.rcpt("khongco.pgdhm@hanoiedu.vn")[0] == 550
        code, reply = client.rcpt("someone@example.com")
        assert (code, reply[:5]) == (550, b"5.1.1")
        assert client.rcpt(SCHOOL)[0] == 550  # a school's address is not the hub's to take


def test_size_limit_is_advertised_and_enforced(server: Running) -> None:
    with server.client() as client:
        client.ehlo()
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == 200_000
        assert client.has_extn("smtputf8") and client.has_extn("8bitmime")
        big = mail(attachments=(("bc.pdf", b"x" * 300_000),))
        with pytest.raises(smtplib.SMTPException) as refused:
            client.sendmail(SCHOOL, [TEAM], big)
    assert "552" in str(refused.value)


def test_too_many_recipients(server: Running) -> None:
    teams = ["totieuhoc.pgdhm@hanoiedu.vn", "tomamnon.pgdhm@hanoiedu.vn",
             "tothcs.pgdhm@hanoiedu.vn", "vanphong.pgdhm@hanoiedu.vn"]
    with server.client() as client:
        client.ehlo()
        client.mail(SCHOOL)
        codes = [client.rcpt(address)[0] for address in teams]
    assert codes == [250, 250, 250, 452]


def test_concurrent_clients_are_all_filed(server: Running) -> None:
    def send(i: int) -> dict[str, tuple[int, bytes]]:
        with server.client() as client:
            return client.sendmail(SCHOOL, [TEAM], mail(subject=f"Báo cáo tháng {1 + i % 12}"))

    with ThreadPoolExecutor(25) as pool:
        assert all(r == {} for r in pool.map(send, range(50)))
    assert states(server.hub, wait=50) == {"filed": 50}


def test_storage_failure_answers_451_and_stores_nothing(server: Running) -> None:
    # The archive cannot write: a file stands where its folder for new files must be.
    archive = server.hub.settings.archive_dir
    archive.mkdir(parents=True, exist_ok=True)
    (archive / "tmp").write_bytes(b"")
    with server.client() as client, pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail(SCHOOL, [TEAM], mail())
    assert refused.value.smtp_code == 451
    assert states(server.hub) == {}


def test_messages_stored_before_a_restart_are_filed_on_start(smtp_hub: Hub) -> None:
    receive(smtp_hub, mail(), Envelope(door="smtp"))  # stored, then the process died
    running = Running(smtp_hub)
    try:
        assert states(smtp_hub, wait=1) == {"filed": 1}
    finally:
        running.close()


@pytest.fixture
def lmtp_hub(settings: Settings, clock: Callable[[], datetime],
             tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Hub]:
    socket_path = tmp_path_factory.mktemp("lmtp") / "mailhub.sock"
    hub = open_hub(settings.model_copy(update={
        "smtp": SmtpSettings(listen=f"127.0.0.1:{free_port()}"),
        "lmtp": LmtpSettings(listen=str(socket_path))}), clock)
    yield hub
    hub.engine.dispose()


def test_lmtp_answers_once_per_recipient(lmtp_hub: Hub) -> None:
    running = Running(lmtp_hub)
    try:
        client = smtplib.LMTP(lmtp_hub.settings.lmtp.listen)
        client.ehlo()  # smtplib.LMTP sends LHLO
        assert client.mail(SCHOOL)[0] == 250
        assert client.rcpt(TEAM)[0] == 250
        assert client.rcpt("tomamnon.pgdhm@hanoiedu.vn")[0] == 250
        assert client.rcpt("nobody@example.com")[0] == 550
        client.putcmd("data")
        assert client.getreply()[0] == 354
        client.send(mail().replace(b"\n.", b"\n..") + b"\r\n.\r\n")
        replies = [client.getreply() for _ in range(2)]
        client.quit()
    finally:
        running.close()
    assert [code for code, _ in replies] == [250, 250]
    assert states(lmtp_hub, wait=1) == {"filed": 1}
    with Session(lmtp_hub.engine) as session:
        assert session.exec(select(models.Message.door)).one() == "lmtp"


def test_sessions_beyond_the_limit_are_refused(settings: Settings,
                                               clock: Callable[[], datetime]) -> None:
    hub = open_hub(settings.model_copy(update={"smtp": SmtpSettings(
        listen=f"127.0.0.1:{free_port()}", max_sessions=2)}), clock)
    running = Running(hub)
    try:
        first, second = running.client(), running.client()
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            running.client()
        assert refused.value.smtp_code == 421
        first.quit()
        third = running.client()  # a place is free again
        assert third.noop()[0] == 250
        second.quit()
        third.quit()
    finally:
        running.close()
        hub.engine.dispose()


def test_stopping_lets_an_open_session_finish_its_message(server: Running) -> None:
    client = server.client()
    client.ehlo()
    client.mail(SCHOOL)
    client.rcpt(TEAM)
    server.loop.call_soon_threadsafe(server.stop.set)  # SIGTERM arrives mid-transaction
    time.sleep(0.2)
    assert client.data(mail())[0] == 250
    client.quit()
    server.thread.join(10)
    assert not server.thread.is_alive()
    assert states(server.hub) == {"filed": 1}  # filed before the worker stopped


def test_the_intake_process_is_started_again_if_it_dies(server: Running) -> None:
    intake = next(p for p in multiprocessing.active_children() if p.name == "mailhub-intake")
    os.kill(intake.pid, signal.SIGKILL)
    deadline, codes = time.monotonic() + 30, []
    while time.monotonic() < deadline:  # a sender retries after a 451, as MTAs do
        try:
            with server.client() as client:
                client.sendmail(SCHOOL, [TEAM], mail(subject="BC VSATTP tháng 11/2026"))
            break
        except smtplib.SMTPDataError as refused:
            codes.append(refused.smtp_code)
            time.sleep(0.2)
    assert set(codes) <= {451}
    assert states(server.hub, wait=1) == {"filed": 1}

"""Directives: one e-mail in, one tracked copy per school out, through a recording relay."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailhub import models
from mailhub.cli import app
from mailhub.config import RelaySettings, Settings, SmtpSettings
from mailhub.directives import Copies, Refused, broadcast, remind, status
from mailhub.hub import Hub, open_hub
from mailhub.outbox import Delivery, Sent
from mailhub.pipeline import Envelope, ingest
from mailhub.registry import Kind
from mailhub.staff import Role, add_user

from .factory import mail
from .relay import Recorder, relay_fixture  # noqa: F401
from .test_smtp import Running, free_port
from .test_smtp_auth import PASSWORD, STAFF, client_context
from .test_smtp_auth import ca as ca  # noqa: F401  (the fixture)

OFFICE = "pgd-hoangmai@hanoiedu.vn"
TEAM_THCS = "tothcs.pgdhm@hanoiedu.vn"
TEAM_TH = "totieuhoc.pgdhm@hanoiedu.vn"
ATTACHMENT = bytes(range(256)) * 400  # 100 KiB that no text transform leaves alone


def directive(sender: str = OFFICE, subject: str = "Công văn số 3851/KH-PGDĐT về kế hoạch "
              "thi học sinh giỏi", attachment: bytes = ATTACHMENT) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Phòng GD&ĐT Hoàng Mai <{sender}>"
    msg["To"] = "thcs@mailhub.localhost"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 20 Nov 2026 09:00:00 +0700"
    msg["Message-ID"] = "<cv3851@pgd.hanoiedu.vn>"
    msg.set_content("Kính gửi các trường THCS,\nPhòng gửi kế hoạch kèm theo.\n")
    msg.add_attachment(attachment, maintype="application", subtype="pdf",
                       filename="KH-3851.pdf")
    return msg.as_bytes(policy=email.policy.SMTP)  # CRLF, as on the wire


def with_relay(settings: Settings, port: int, clock: Callable[[], datetime],
               **relay: object) -> Hub:
    config = RelaySettings(host="127.0.0.1", port=port, timeout=5, **relay)  # type: ignore[arg-type]
    return open_hub(settings.model_copy(update={"relay": config}), clock)


def deliver(hub: Hub) -> Sent:
    return asyncio.run(Delivery(hub, Copies(hub)).run(once=True))


def schools(hub: Hub, kind: Kind) -> set[str]:
    return {u.email for u in hub.registry.units if u.kind is kind}


@pytest.fixture
def relay_hub(settings: Settings, clock: Callable[[], datetime],
              relay: tuple[Recorder, int]) -> Iterator[tuple[Hub, Recorder]]:
    recorder, port = relay
    hub = with_relay(settings, port, clock)
    yield hub, recorder
    hub.engine.dispose()


def test_a_directive_to_thcs_reaches_exactly_the_thcs_schools_once_each(
        relay_hub: tuple[Hub, Recorder]) -> None:
    hub, recorder = relay_hub
    raw = directive()
    done = broadcast(hub, raw, ["thcs"])
    thcs = schools(hub, Kind.THCS)
    assert done.recipients == len(thcs) > 10 and done.number == "3851/KH-PGDĐT"
    assert deliver(hub).sent == len(thcs)
    assert Counter(d.rcpt_tos[0] for d in recorder.delivered) == Counter(thcs)
    ids, body = set(), raw.split(b"\r\n\r\n", 1)[1]
    for delivery in recorder.delivered:
        copy = email.message_from_bytes(delivery.data, policy=email.policy.default)
        school = hub.registry.find(delivery.rcpt_tos[0])
        assert school is not None
        assert copy["To"].addresses[0].addr_spec == school.email
        assert copy["To"].addresses[0].display_name == school.name
        assert copy["Subject"] == "Công văn số 3851/KH-PGDĐT về kế hoạch thi học sinh giỏi"
        assert copy["From"].addresses[0].addr_spec == OFFICE
        assert copy["References"] == "<cv3851@pgd.hanoiedu.vn>"
        assert copy["X-Mailhub-Directive"] == str(done.id)
        assert copy["List-Id"] == "Các trường THCS <thcs.mailhub.localhost>"
        assert "Bcc" not in copy and "Cc" not in copy
        ids.add(copy["Message-ID"])
        assert delivery.mail_from.startswith("bounce+") and \
            delivery.mail_from.endswith("@mailhub.localhost")
        attachment = next(iter(copy.iter_attachments()))
        assert attachment.get_content() == ATTACHMENT  # the bytes, unchanged
        assert delivery.data.endswith(body)
    assert len(ids) == len(thcs)  # a fresh Message-ID for each copy
    totals = status(hub, done.id)["totals"]
    assert totals["schools_reached"] == totals["schools"] == len(thcs)
    assert totals["all_schools_reached"]
    assert deliver(hub).sent == 0  # nothing twice


def test_a_school_on_several_chosen_lists_gets_one_copy(relay_hub: tuple[Hub, Recorder]
                                                         ) -> None:
    hub, recorder = relay_hub
    done = broadcast(hub, directive(), ["thcs", "hsg-thcs", "tat-ca-truong"])
    deliver(hub)
    counts = Counter(d.rcpt_tos[0] for d in recorder.delivered)
    assert set(counts.values()) == {1}
    everyone = {m.email for m in hub.lists.recipients(["thcs", "hsg-thcs", "tat-ca-truong"])}
    assert set(counts) == everyone and done.recipients == len(everyone)
    assert hub.registry.by_code["SO-GDDT"].email in counts  # the city Department too


def test_the_same_bytes_sent_again_are_not_fanned_out_twice(hub: Hub) -> None:
    raw = directive()  # the same bytes: a client sending again after a lost reply
    first = broadcast(hub, raw, ["thcs"])
    again = broadcast(hub, raw, ["thcs"])
    assert again.known and again.id == first.id
    with Session(hub.engine) as session:
        rows = session.exec(select(models.Outbox.id)).all()
    assert len(rows) == first.recipients


@pytest.mark.parametrize("sender, lists, rule", [
    ("c2dinhcong-hm@hanoiedu.vn", ["thcs"], "broadcast.sender_not_allowed"),  # a school
    (TEAM_TH, ["thcs"], "broadcast.sender_not_allowed"),         # another level's team
    ("someone@gmail.com", ["thcs"], "broadcast.sender_not_allowed"),
    (OFFICE, ["khong-co"], "broadcast.unknown_list"),
])
def test_who_may_not_broadcast_is_refused_with_the_reason(hub: Hub, sender: str,
                                                          lists: list[str], rule: str) -> None:
    with pytest.raises(Refused) as refused:
        broadcast(hub, directive(sender=sender), lists)
    assert refused.value.rule == rule and refused.value.reason_vi and refused.value.reason_en
    with Session(hub.engine) as session:
        assert session.exec(select(models.Outbox.id)).all() == []


def test_a_subject_cannot_inject_headers_into_the_copies(relay_hub: tuple[Hub, Recorder]
                                                         ) -> None:
    hub, recorder = relay_hub
    raw = directive().replace(
        b"Subject: ", b"Subject: =?utf-8?b?" +
        base64.b64encode(b"Hop\r\nBcc: victim@example.com\r\n") + b"?= ", 1)
    broadcast(hub, raw, ["mam-non"])
    deliver(hub)
    assert recorder.delivered
    for delivery in recorder.delivered:
        copy = email.message_from_bytes(delivery.data, policy=email.policy.default)
        assert "Bcc" not in copy and b"\r\nBcc:" not in delivery.data
        assert delivery.rcpt_tos == [copy["To"].addresses[0].addr_spec]


def dsn(recipient: str, status_code: str = "5.1.1") -> bytes:
    return (f"From: MAILER-DAEMON@mx.example\r\nTo: x\r\nSubject: Undelivered\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
            f" boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n"
            f"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n"
            f"\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\n"
            f"Status: {status_code}\r\nDiagnostic-Code: smtp; 550 {status_code} User unknown\r\n"
            f"\r\n--b1--\r\n").encode()


def test_a_bounce_and_a_reply_are_matched_to_the_right_school(
        relay_hub: tuple[Hub, Recorder]) -> None:
    from mailhub.bounces import take_bounce, verp_row

    hub, recorder = relay_hub
    done = broadcast(hub, directive(), ["thcs"])
    deliver(hub)
    by_school = {d.rcpt_tos[0]: d for d in recorder.delivered}
    bounced, replying, by_number = sorted(by_school)[:3]
    row_id = verp_row(hub, by_school[bounced].mail_from)
    assert row_id is not None
    assert verp_row(hub, by_school[bounced].mail_from.replace("bounce+", "bounce+9")) is None
    assert take_bounce(hub, dsn(bounced), row_id, Envelope(door="smtp")) is not None
    copy = email.message_from_bytes(by_school[replying].data, policy=email.policy.default)
    reply = mail(sender=replying, to=OFFICE, subject="Re: Công văn kế hoạch thi HSG",
                 body="Trường đã nhận.")
    reply = reply.replace(b"Subject:", f"In-Reply-To: {copy['Message-ID']}\r\nSubject:".encode(),
                          1)
    assert ingest(hub, reply, Envelope(door="smtp")).verdict == "filed"
    ingest(hub, mail(sender=by_number, to=OFFICE, subject="V/v xác nhận CV 3851/KH-PGDĐT",
                     body="Đã nhận."), Envelope(door="smtp"))
    found = {r["email"]: r for r in status(hub, done.id)["recipients"]}
    assert found[bounced]["state"] == "failed" and "5.1.1" in found[bounced]["last_reply"]
    assert found[replying]["acknowledged_at"] and found[by_number]["acknowledged_at"]
    others = [r for email_, r in found.items() if email_ not in (replying, by_number)]
    assert all(r["acknowledged_at"] is None for r in others)
    assert status(hub, done.id)["totals"]["acknowledged"] == 2


def test_remind_writes_only_to_schools_that_have_not_acknowledged(
        relay_hub: tuple[Hub, Recorder]) -> None:
    hub, recorder = relay_hub
    done = broadcast(hub, directive(), ["thcs"], ack_by=hub.clock())
    deliver(hub)
    first = sorted(d.rcpt_tos[0] for d in recorder.delivered)[0]
    ingest(hub, mail(sender=first, to=OFFICE, subject="Xác nhận CV 3851/KH-PGDĐT"),
           Envelope(door="smtp"))
    assert remind(hub, done.id) == len(schools(hub, Kind.THCS)) - 1
    assert remind(hub, done.id) == 0  # once a day
    recorder.delivered.clear()
    deliver(hub)
    reminded = {d.rcpt_tos[0] for d in recorder.delivered}
    assert first not in reminded and len(reminded) == len(schools(hub, Kind.THCS)) - 1
    text = recorder.delivered[0].data.decode()
    assert "Reminder" in text and "X-Mailhub-Directive" in text
    assert status(hub, done.id)["totals"]["not_acknowledged"]


def test_the_cli_broadcasts_and_reports_status(relay_hub: tuple[Hub, Recorder],
                                               config_file: Path, tmp_path: Path) -> None:
    hub, recorder = relay_hub
    port = hub.settings.relay.port
    config_file.write_text(config_file.read_text() + f"[relay]\nhost = \"127.0.0.1\"\n"
                           f"port = {port}\n", encoding="utf-8")
    eml = tmp_path / "cv.eml"
    eml.write_bytes(directive())
    runner = CliRunner()
    sent = runner.invoke(app, ["--config", str(config_file), "broadcast", "--list", "mam-non",
                               "--json", str(eml)])
    assert sent.exit_code == 0, sent.output
    directive_id = json.loads(sent.output)["id"]
    ran = runner.invoke(app, ["--config", str(config_file), "outbox", "run", "--once"])
    assert ran.exit_code == 0, ran.output
    shown = runner.invoke(app, ["--config", str(config_file), "directive", "status",
                                str(directive_id), "--json"])
    data = json.loads(shown.output)
    assert data["id"] == directive_id and data["number"] == "3851/KH-PGDĐT"
    assert {r["email"] for r in data["recipients"]} == schools(hub, Kind.MN)
    assert all(r["state"] == "sent" and r["sent_at"] and r["attempts"] == 1
               for r in data["recipients"])
    assert set(data["recipients"][0]) >= {"email", "unit", "state", "attempts", "last_reply",
                                          "sent_at", "acknowledged_at"}
    listed = runner.invoke(app, ["--config", str(config_file), "directive", "list", "--json"])
    assert json.loads(listed.output)[0]["sent"] == len(schools(hub, Kind.MN))
    refused = runner.invoke(app, ["--config", str(config_file), "broadcast", "--list", "thcs",
                                  "--from", TEAM_TH, str(eml)])
    assert refused.exit_code == 1 and "thcs@" in refused.output


def test_two_workers_at_once_never_send_a_row_twice(relay_hub: tuple[Hub, Recorder]) -> None:
    hub, recorder = relay_hub
    broadcast(hub, directive(), ["tat-ca-truong"])
    everyone = len(hub.lists.lists["tat-ca-truong"].members)
    totals: list[Sent] = []

    def worker() -> None:
        other = open_hub(hub.settings, hub.clock)
        totals.append(asyncio.run(Delivery(other, Copies(other)).run(once=True)))
        other.engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(t.sent for t in totals) == everyone
    assert Counter(Counter(d.rcpt_tos[0] for d in recorder.delivered).values()) == {1: everyone}


def test_a_worker_killed_mid_fan_out_leaves_no_school_without_and_none_with_two_copies(
        relay_hub: tuple[Hub, Recorder], config_file: Path) -> None:
    """SIGKILL while copies go out; after a restart every school has its copy, and a
    second copy only where the relay had taken it but the row was not yet marked sent
    (the documented window)."""
    hub, recorder = relay_hub
    recorder.delay = 0.02  # 50 copies a second over one connection: time to kill mid-way
    config_file.write_text(config_file.read_text() + f"[relay]\nhost = \"127.0.0.1\"\n"
                           f"port = {hub.settings.relay.port}\nconnections = 1\n",
                           encoding="utf-8")
    broadcast(hub, directive(attachment=b"x" * 1000), ["tat-ca-truong"])
    everyone = {m.email for m in hub.lists.lists["tat-ca-truong"].members}
    command = [sys.executable, "-m", "mailhub", "--config", str(config_file), "outbox", "run"]
    worker = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 30
    while len(recorder.delivered) < len(everyone) // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    before = Counter(d.rcpt_tos[0] for d in recorder.delivered)
    assert 0 < len(before) < len(everyone), "killed too late to test anything"
    with Session(hub.engine) as session:
        at_kill = {r.recipient: r.state for r in session.exec(select(models.Outbox)).all()}
    assert "sending" in at_kill.values()
    subprocess.run([*command, "--once"], check=True, timeout=60)
    after = Counter(d.rcpt_tos[0] for d in recorder.delivered)
    assert set(after) == everyone
    twice = {school for school, n in after.items() if n > 1}
    assert all(after[school] == 2 for school in twice)
    # Only the window: the relay had it before the kill, the row did not say 'sent'.
    assert all(school in before and at_kill[school] == "sending" for school in twice)
    assert all(after[school] == 1 for school, state in at_kill.items() if state == "sent")


# ------------------------------------------------------------------ over SMTP, in `serve`


@pytest.fixture
def smtp_relay_hub(settings: Settings, clock: Callable[[], datetime], ca: trustme.CA,
                   tmp_path: Path, relay: tuple[Recorder, int]) -> Iterator[Hub]:
    cert = ca.issue_cert("127.0.0.1")
    chain, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_pem.write_to_path(str(key))
    cert.cert_chain_pems[0].write_to_path(str(chain))
    smtp = SmtpSettings(listen=f"127.0.0.1:{free_port()}", tls_cert=str(chain),
                        tls_key=str(key))
    config = RelaySettings(host="127.0.0.1", port=relay[1], timeout=5)
    hub = open_hub(settings.model_copy(update={"smtp": smtp, "relay": config}), clock)
    add_user(hub, STAFF, Role.TEAM, PASSWORD)
    yield hub
    hub.engine.dispose()


def test_mail_to_a_list_address_is_fanned_out_by_serve_and_its_bounce_taken(
        smtp_relay_hub: Hub, relay: tuple[Recorder, int], ca: trustme.CA) -> None:
    hub, (recorder, _) = smtp_relay_hub, relay
    running = Running(hub)
    try:
        with running.client() as client:  # no AUTH: refused, and the attempt kept
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail(OFFICE, ["thcs@mailhub.localhost"], directive())
            assert refused.value.smtp_code == 550 and b"5.7.1" in refused.value.smtp_error
        with running.client() as client:
            client.starttls(context=client_context(ca))
            client.login(STAFF, PASSWORD)
            assert client.sendmail(OFFICE, ["THCS@mailhub.localhost"], directive()) == {}
        thcs = schools(hub, Kind.THCS)
        deadline = time.monotonic() + 20
        while len(recorder.delivered) < len(thcs) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Counter(d.rcpt_tos[0] for d in recorder.delivered) == Counter(thcs)
        bounced = recorder.delivered[0]
        with running.client() as client:  # the DSN comes back to the copy's return path
            assert client.sendmail("", [bounced.mail_from], dsn(bounced.rcpt_tos[0])) == {}
        with running.client() as client:  # a made-up return path is nobody's
            client.ehlo()
            client.mail("")
            assert client.rcpt("bounce+1-00000000@mailhub.localhost")[0] == 550
    finally:
        running.close()
    with Session(hub.engine) as session:
        refusal = session.exec(select(models.Refusal)).one()
        directive_row = session.exec(select(models.Directive)).one()
        failed = session.exec(select(models.Outbox).where(models.Outbox.state == "failed")).all()
    assert refusal.rule == "broadcast.unauthenticated"
    assert directive_row.staff == STAFF and directive_row.door == "smtp"
    assert [row.recipient for row in failed] == [bounced.rcpt_tos[0]]

"""Nothing a sender writes can add a header or a line to what the hub writes itself:
rejection notices, directive copies and reminders (the relay sees them as sent), and log
lines. The sender controls the subject, display names, file names, Return-Path and the
directive's official number; the attempts: CR/LF encoded in RFC 2047 words (B and Q), raw
CR, the Unicode line breaks U+2028 and U+0085, NUL, and values far past a line's length.
"""

from __future__ import annotations

import base64
import email
import email.policy
import logging
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from mailhub import models
from mailhub.directives import Refused, broadcast, remind
from mailhub.hub import Hub
from mailhub.logs import Logfmt, value
from mailhub.notices import queue_rejection_notice
from mailhub.pipeline import Envelope, ingest

from .relay import Recorder, relay_fixture  # noqa: F401
from .test_directives import OFFICE, deliver, directive, with_relay

VICTIM = "victim@example.com"


def b_word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode()}?="


# What a sender may write into a header, each trying to start a "Bcc:" line of its own.
NASTY = {
    "encoded-crlf-b": b_word(f"Hợp đồng\r\nBcc: {VICTIM}\r\n"),
    # Q words as a phrase allows them (RFC 2047 5(3)): ":" and "@" encoded too.
    "encoded-crlf-q": "=?utf-8?q?H=E1=BB=A3p=0D=0ABcc=3A_victim=40example.com=0D=0A?=",
    "encoded-lf-latin1": "=?iso-8859-1?q?Hop=0ABcc=3A=20victim=40example.com?=",
    "u2028": b_word(f"Hợp đồng\u2028Bcc: {VICTIM}\u2029X-Evil: 1"),
    "u0085": b_word(f"Hợp đồng\x85Bcc: {VICTIM}"),
    "nul": b_word(f"Hợp\x00 đồng\x00\r\nBcc: {VICTIM}"),
    "split-words": b_word("Hợp\r") + " " + b_word(f"\nBcc: {VICTIM}"),
    "long": "Báo cáo tuyển sinh " * 250,  # 4,750 characters
}


def header_lines(data: bytes) -> list[bytes]:
    """The header block's lines; no bare CR or LF, none longer than SMTP carries."""
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"\r" not in head.replace(b"\r\n", b"") and b"\n" not in head.replace(b"\r\n", b"")
    lines = head.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    return lines


def header_names(data: bytes) -> list[str]:
    return [line.split(b":", 1)[0].decode("ascii", "replace").lower()
            for line in header_lines(data) if line[:1] not in (b" ", b"\t")]


def body_lines(data: bytes) -> list[str]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    return message.get_content().split("\n")  # type: ignore[attr-defined]


def assert_no_line_breakers(text: str) -> None:
    for breaker in ("\r", "\x00", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
                    "\u2029"):
        assert breaker not in text, repr(breaker)


# ------------------------------------------------------------------ rejection notices

@pytest.fixture
def relay_hub(hub: Hub, relay: tuple[Recorder, int]) -> Iterator[tuple[Hub, Recorder]]:
    recorder, port = relay
    sending = with_relay(hub.settings, port, hub.clock)
    yield sending, recorder
    sending.engine.dispose()



NOTICE_HEADERS = {"from", "to", "subject", "date", "message-id", "auto-submitted",
                  "in-reply-to", "references", "content-type", "content-transfer-encoding",
                  "mime-version"}


def personal_report(subject: str, name: str = "Trường TH", return_path: str = "",
                    address: str = "th.dinhcong@gmail.com") -> bytes:
    head = f"Return-Path: {return_path}\r\n" if return_path else ""
    return (f"{head}From: {name} <{address}>\r\nTo: totieuhoc.pgdhm@hanoiedu.vn\r\n"
            f"Subject: {subject}\r\nMessage-ID: <bc1@gmail.com>\r\n"
            f"Date: Wed, 18 Nov 2026 09:30:00 +0700\r\n\r\nBao cao\r\n").encode()


def notice_for(hub: Hub, raw: bytes) -> models.Outbox | None:
    outcome = ingest(hub, raw, Envelope())
    assert outcome.verdict == "rejected"
    queue_rejection_notice(hub, outcome, raw, "totieuhoc.pgdhm@hanoiedu.vn")
    with Session(hub.engine) as session:
        return session.exec(select(models.Outbox).where(models.Outbox.message == outcome.id)
                            ).first()


@pytest.mark.parametrize("where", ["subject", "name"])
@pytest.mark.parametrize("kind", sorted(NASTY))
def test_a_notice_keeps_its_headers_and_lines(relay_hub: tuple[Hub, Recorder], where: str,
                                              kind: str) -> None:
    hub, recorder = relay_hub
    assert notice_for(hub, personal_report("Bao cao thang 11", address="plain@gmail.com"))
    nasty = personal_report(NASTY[kind] if where == "subject" else "Báo cáo",
                            name=NASTY[kind] if where == "name" else "Trường TH")
    notice = notice_for(hub, nasty)
    assert notice is not None and notice.recipient == "th.dinhcong@gmail.com"
    assert deliver(hub).sent == 2
    sent = {d.rcpt_tos[0]: d.data for d in recorder.delivered}
    assert set(header_names(sent["th.dinhcong@gmail.com"])) == NOTICE_HEADERS
    assert len(body_lines(sent["th.dinhcong@gmail.com"])) == \
        len(body_lines(sent["plain@gmail.com"]))
    message = email.message_from_bytes(sent["th.dinhcong@gmail.com"],
                                       policy=email.policy.default)
    assert_no_line_breakers(str(message["Subject"]))
    assert [a.addr_spec for a in message["To"].addresses] == ["th.dinhcong@gmail.com"]


@pytest.mark.parametrize("return_path", [
    f"<x\r\n RCPT TO:<{VICTIM}>@gmail.com>",        # a folded line carrying a command
    f"<th.dinhcong@gmail.com>, <{VICTIM}>",           # a second recipient
    f"<th.dinhcong@gmail.com\x00{VICTIM}>",
    "<\u2028th.dinhcong@gmail.com>",
    f"{'x' * 400}@gmail.com",
])
def test_a_return_path_cannot_choose_extra_or_odd_recipients(hub: Hub, return_path: str
                                                             ) -> None:
    notice = notice_for(hub, personal_report("Bao cao", return_path=return_path))
    if notice is not None:  # a notice goes to one plain address of a personal domain, or none
        assert notice.recipient.isascii() and notice.recipient.isprintable()
        assert " " not in notice.recipient and "," not in notice.recipient
        assert VICTIM not in notice.recipient and len(notice.recipient) <= 254
        assert notice.raw is not None and VICTIM.encode() not in notice.raw


# ------------------------------------------------------------------ directive copies

COPY_HEADERS = {"to", "message-id", "list-id", "from", "subject", "date", "references",
                "x-mailhub-directive", "mime-version", "content-type",
                "content-transfer-encoding", "reply-to"}


def nasty_directive(kind: str) -> bytes:
    raw = directive(subject="Công văn số 3851/KH-PGDĐT X", attachment=b"%PDF-1.4 x")
    nasty = NASTY[kind].encode()
    raw = raw.replace(b"Subject: ", b"Subject: " + nasty + b" ", 1)
    raw = raw.replace(b"From: ", b"Reply-To: " + nasty + b" <" + OFFICE.encode() + b">\r\n"
                      b"From: " + nasty + b" ", 1)
    return raw.replace(b'filename="KH-3851.pdf"', b'filename="' + nasty[:300] + b'"')


@pytest.mark.parametrize("kind", sorted(NASTY))
def test_directive_copies_and_reminders_keep_their_headers(relay_hub: tuple[Hub, Recorder],
                                                           kind: str) -> None:
    hub, recorder = relay_hub
    done = broadcast(hub, nasty_directive(kind), ["truong-phuong-hoang-liet"])
    assert done.number == "3851/KH-PGDĐT"
    deliver(hub)
    assert len(recorder.delivered) == done.recipients > 0
    for delivery in recorder.delivered:
        assert set(header_names(delivery.data)) <= COPY_HEADERS
        assert b"\r\nBcc:" not in delivery.data and b"\r\nX-Evil" not in delivery.data
        assert len(delivery.rcpt_tos) == 1
    assert remind(hub, done.id) > 0
    recorder.delivered.clear()
    deliver(hub)
    for delivery in recorder.delivered:
        assert set(header_names(delivery.data)) <= {
            "from", "to", "subject", "date", "message-id", "references",
            "x-mailhub-directive", "mime-version", "content-type",
            "content-transfer-encoding"}
        reminder = email.message_from_bytes(delivery.data, policy=email.policy.default)
        assert_no_line_breakers(str(reminder["Subject"]))
        lines = body_lines(delivery.data)
        assert len(lines) == 9, lines  # the letter's own lines, none added
        assert not any(line.startswith("Bcc") for line in lines)


def test_a_directive_with_a_line_smtp_cannot_carry_is_refused_before_any_copy(
        hub: Hub) -> None:
    raw = directive(subject="Công văn số 3851/KH-PGDĐT", attachment=b"%PDF")
    raw = raw.replace(b'filename="KH-3851.pdf"', b'filename="' + b"x" * 2000 + b'.pdf"')
    with pytest.raises(Refused) as refused:
        broadcast(hub, raw, ["mam-non"])
    assert refused.value.rule == "broadcast.line_too_long"
    assert "998" in refused.value.reason_vi and "SMTP cannot carry" in refused.value.reason_en
    with Session(hub.engine) as session:
        assert session.exec(select(models.Outbox.id)).all() == []


def test_a_long_file_name_in_the_directive_s_own_headers_is_folded(
        relay_hub: tuple[Hub, Recorder]) -> None:
    hub, recorder = relay_hub
    name = "Kế hoạch tuyển sinh " * 80 + ".pdf"
    raw = (f"From: {OFFICE}\r\nSubject: Công văn số 12/KH-PGDĐT\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
           f'Content-Disposition: attachment; filename="{name}"\r\n\r\nJVBERi0xLjQ=\r\n'
           ).encode()  # the file name raw in UTF-8 on one line, as some clients write it
    broadcast(hub, raw, ["mam-non"])
    deliver(hub)
    assert recorder.delivered
    for delivery in recorder.delivered:
        header_lines(delivery.data)  # every line within 998 octets
        copy = email.message_from_bytes(delivery.data, policy=email.policy.default)
        assert copy.get_filename() == name


# ------------------------------------------------------------------ log lines


def formatted(**kv: object) -> str:
    record = logging.LogRecord("mailhub.workers", logging.INFO, __file__, 1, "decision %s",
                               (kv.get("subject", ""),), None)
    record.kv = kv
    return Logfmt().format(record)


@pytest.mark.parametrize("kind", sorted(NASTY))
def test_a_log_line_stays_one_line(hub: Hub, kind: str) -> None:
    outcome = ingest(hub, personal_report(NASTY[kind], name=NASTY[kind]), Envelope())
    for text in (NASTY[kind], outcome.subject, "a\u2028b\x85c\u2029d\x00e\x9bf\rg\nh"):
        shown = formatted(subject=text, sender=text)
        assert len(shown.splitlines()) == 1  # Python's own idea of a line: U+2028 included
        assert shown.isprintable()


def test_a_huge_value_is_cut_before_journald_would_split_the_line() -> None:
    # journald breaks lines longer than LineMax (48 KiB) into entries of their own: the
    # rest would start a log entry the sender wrote.
    shown = formatted(subject="x" * 1_000_000 + " level=ERROR msg=forged")
    assert len(shown.encode()) < 48 * 1024 and "msg=forged" not in shown
    assert value("y" * 10_000).endswith('…(+5904)"')

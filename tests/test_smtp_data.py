"""The DATA command as the door reads it (ingress/data.py), byte for byte, over a raw
socket: what a client sends is what the archive keeps."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from mailhub import models

from .factory import mail
from .test_smtp import SCHOOL, TEAM, Running, server, smtp_hub, states  # noqa: F401


class Wire:
    """A raw SMTP client: lines out, replies in, nothing smtplib would fix up."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        assert self.reply().startswith(b"220")
        assert self.command("EHLO school.test").startswith(b"250")

    def reply(self) -> bytes:
        lines = [self.file.readline()]
        while lines[-1][3:4] == b"-":
            lines.append(self.file.readline())
        return b"".join(lines)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def command(self, line: str) -> bytes:
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def envelope(self) -> None:
        assert self.command(f"MAIL FROM:<{SCHOOL}>").startswith(b"250")
        assert self.command(f"RCPT TO:<{TEAM}>").startswith(b"250")
        assert self.command("DATA").startswith(b"354")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def wire(server: Running) -> Iterator[Wire]:  # noqa: F811
    client = Wire(server.port)
    yield client
    client.close()


def stored(server: Running) -> list[bytes]:  # noqa: F811
    with Session(server.hub.engine) as session:
        rows = session.exec(select(models.Message).order_by(models.Message.id)).all()
    return [server.hub.archive.read(row.sha256) for row in rows]


def test_dot_stuffed_lines_and_blank_lines_are_kept_exactly(server: Running,  # noqa: F811
                                                            wire: Wire) -> None:
    message = mail().replace(b"\n", b"\r\n") + b".hidden line\r\n\r\n..\r\nend\r\n"
    wire.envelope()
    # Transparency (RFC 5321 4.5.2): every line starting with a dot gets one more.
    stuffed = b"\r\n".join(b"." + line if line.startswith(b".") else line
                           for line in message.split(b"\r\n"))
    wire.send(stuffed + b".\r\n")
    assert wire.reply().startswith(b"250 2.0.0")
    assert stored(server) == [message]


def test_a_message_sent_in_many_small_pieces(server: Running, wire: Wire) -> None:  # noqa: F811
    message = mail(body="dòng\n" * 500).replace(b"\n", b"\r\n")
    wire.envelope()
    data = message + b".\r\n"
    for start in range(0, len(data), 7):  # the terminator itself arrives split
        wire.send(data[start:start + 7])
    assert wire.reply().startswith(b"250 2.0.0")
    assert stored(server) == [message]


def test_oversize_data_is_read_to_the_end_then_refused_and_the_session_goes_on(
        server: Running, wire: Wire) -> None:  # noqa: F811
    wire.envelope()  # no SIZE= at MAIL: the limit (200,000 bytes here) is met in DATA
    wire.send(b"Subject: big\r\n\r\n" + b"x" * 998 + b"\r\n")
    wire.send((b"y" * 998 + b"\r\n") * 250 + b".\r\n")
    assert wire.reply().startswith(b"552 5.3.4")
    report = mail().replace(b"\n", b"\r\n")
    wire.envelope()
    wire.send(report + b".\r\n")
    assert wire.reply().startswith(b"250 2.0.0")
    assert stored(server) == [report]


def test_a_line_longer_than_the_limit_is_refused(server: Running, wire: Wire) -> None:  # noqa: F811
    wire.envelope()
    wire.send(b"Subject: long\r\n\r\n" + b"z" * 2000 + b"\r\n.\r\n")
    assert wire.reply().startswith(b"500")
    assert states(server.hub) == {}


def test_an_empty_message_and_a_command_sent_on_without_waiting(
        server: Running, wire: Wire) -> None:  # noqa: F811
    wire.envelope()
    wire.send(b".\r\nNOOP\r\n")  # the NOOP arrives with the end of DATA
    assert wire.reply().startswith(b"250")   # DATA: stored, the filing says what is wrong
    assert wire.reply().startswith(b"250")   # NOOP, read after DATA: nothing was lost
    assert stored(server) == [b""]
    assert wire.command("QUIT").startswith(b"221")

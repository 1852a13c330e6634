"""A recording SMTP relay for tests (aiosmtpd on 127.0.0.1), with faults on demand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from .test_smtp import free_port


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class Recorder:
    """aiosmtpd handler: records what it accepts; `replies` are given first, one each."""

    delivered: list[Delivery] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # e.g. "451 4.3.0 try later"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        self.delivered.append(Delivery(envelope.mail_from or "", list(envelope.rcpt_tos),
                                       envelope.original_content or b""))
        return "250 2.0.0 OK"


@pytest.fixture(name="relay")
def relay_fixture() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()

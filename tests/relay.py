"""A recording SMTP relay for tests (aiosmtpd on 127.0.0.1), with faults on demand."""

from __future__ import annotations

import asyncio
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
    """aiosmtpd handler: records what it accepts. Faults, each used once:
    `replies` answer the next DATA commands (e.g. "451 4.3.0 try later"), `refuse`
    answers RCPT for chosen recipients, `drops` closes the connection instead of
    answering the next DATA commands (the message is not taken)."""

    delivered: list[Delivery] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    refuse: dict[str, list[str]] = field(default_factory=dict)
    drops: int = 0
    delay: float = 0.0  # seconds before each DATA is answered: a slow relay

    def to(self, address: str) -> list[Delivery]:
        return [d for d in self.delivered if address in d.rcpt_tos]

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if self.refuse.get(address):
            return self.refuse[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.drops:
            self.drops -= 1
            assert server.transport is not None
            server.transport.close()
            return "421 4.4.2 gone"  # never reaches the client: the connection is closed
        if self.replies:
            return self.replies.pop(0)
        self.delivered.append(Delivery(envelope.mail_from or "", list(envelope.rcpt_tos),
                                       envelope.original_content or b""))
        return "250 2.0.0 OK"


@pytest.fixture(name="relay")
def relay_fixture() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port,
                            data_size_limit=64 * 2**20)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()

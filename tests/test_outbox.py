"""The outbox sends through a real SMTP relay on 127.0.0.1 that records and fails on demand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from mailhub import models
from mailhub.config import RelaySettings, Settings
from mailhub.hub import Hub, open_hub
from mailhub.outbox import send_due

from .relay import Recorder, relay_fixture  # noqa: F401
from .test_smtp import free_port

NOTICE = (b"From: pgd-hoangmai@hanoiedu.vn\r\nTo: th.dinhcong@gmail.com\r\nSubject: x\r\n"
          b"\r\nbody\r\n")


def hub_with_relay(settings: Settings, port: int, now: list[datetime]) -> Hub:
    relay = RelaySettings(host="127.0.0.1", port=port, timeout=5)
    return open_hub(settings.model_copy(update={"relay": relay}), lambda: now[0])


def queue(hub: Hub, recipient: str = "th.dinhcong@gmail.com") -> int:
    with Session(hub.engine) as session:
        row = models.Outbox(kind="notice", recipient=recipient, subject="x", raw=NOTICE,
                            created_at=hub.clock())
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def row(hub: Hub, outbox_id: int) -> models.Outbox:
    with Session(hub.engine) as session:
        found = session.get(models.Outbox, outbox_id)
        assert found is not None
        return found


def test_a_notice_is_sent_with_an_empty_envelope_sender(settings: Settings,
                                                        clock: Callable[[], datetime],
                                                        relay: tuple[Recorder, int]) -> None:
    recorder, port = relay
    hub = hub_with_relay(settings, port, [clock()])
    sent = queue(hub)
    assert send_due(hub).sent == 1
    assert [(d.mail_from, d.rcpt_tos, d.data) for d in recorder.delivered] == [
        ("<>", ["th.dinhcong@gmail.com"], NOTICE)]
    assert row(hub, sent).state == "sent"
    assert send_due(hub).sent == 0  # sent once
    hub.engine.dispose()


def test_a_temporary_failure_is_retried_later_and_a_permanent_one_kept(
        settings: Settings, clock: Callable[[], datetime],
        relay: tuple[Recorder, int]) -> None:
    recorder, port = relay
    now = [clock()]
    hub = hub_with_relay(settings, port, now)
    later, never = queue(hub), queue(hub, "khongco@gmail.com")
    recorder.replies = ["451 4.3.0 Thu lai sau", "550 5.1.1 No such user"]
    result = send_due(hub)
    assert (result.sent, result.retrying, result.failed) == (0, 1, 1)
    assert row(hub, never).state == "failed" and "550 5.1.1" in row(hub, never).last_error
    waiting = row(hub, later)
    assert waiting.state == "queued" and waiting.attempts == 1 and "451" in waiting.last_error
    assert send_due(hub).sent == 0  # not due yet
    now[0] += timedelta(minutes=2)
    assert send_due(hub).sent == 1
    assert row(hub, later).state == "sent" and len(recorder.delivered) == 1
    hub.engine.dispose()


def test_a_relay_that_is_down_leaves_the_outbox_waiting(settings: Settings,
                                                        clock: Callable[[], datetime]) -> None:
    hub = hub_with_relay(settings, free_port(), [clock()])  # nothing listens there
    waiting = queue(hub)
    assert send_due(hub).retrying == 1
    assert row(hub, waiting).state == "queued" and row(hub, waiting).last_error
    hub.engine.dispose()


def test_without_a_relay_nothing_is_sent(hub: Hub) -> None:
    waiting = queue(hub)
    assert send_due(hub).sent == 0
    assert row(hub, waiting).state == "queued" and row(hub, waiting).attempts == 0

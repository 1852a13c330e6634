"""The outbox sends through a real SMTP relay on 127.0.0.1 that records and fails on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from sqlmodel import Session

from mailhub import models
from mailhub.config import RelaySettings, Settings
from mailhub.directives import Copies
from mailhub.hub import Hub, open_hub
from mailhub.outbox import Delivery, Sent

from .relay import Recorder, relay_fixture  # noqa: F401
from .test_smtp import free_port

NOTICE = (b"From: pgd-hoangmai@hanoiedu.vn\r\nTo: th.dinhcong@gmail.com\r\nSubject: x\r\n"
          b"\r\nbody\r\n")


def hub_with_relay(settings: Settings, port: int, now: list[datetime], **relay: object) -> Hub:
    config = RelaySettings(host="127.0.0.1", port=port, timeout=5, **relay)  # type: ignore[arg-type]
    return open_hub(settings.model_copy(update={"relay": config}), lambda: now[0])


def deliver(hub: Hub) -> Sent:
    """`mailhub outbox run --once`."""
    return asyncio.run(Delivery(hub, Copies(hub)).run(once=True))


def queue(hub: Hub, recipient: str = "th.dinhcong@gmail.com") -> int:
    with Session(hub.engine) as session:
        row = models.Outbox(kind="notice", recipient=recipient, subject="x", raw=NOTICE,
                            created_at=hub.clock())
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def utc(when: datetime | None) -> datetime:
    """A time read back from the database (SQLite drops the zone: it is UTC)."""
    assert when is not None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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
    assert deliver(hub).sent == 1
    assert [(d.mail_from, d.rcpt_tos, d.data) for d in recorder.delivered] == [
        ("<>", ["th.dinhcong@gmail.com"], NOTICE)]
    found = row(hub, sent)
    assert (found.state, found.attempts, found.claimed_by) == ("sent", 1, "")
    assert found.last_reply.startswith("2.0.0 OK") or "OK" in found.last_reply
    assert deliver(hub).sent == 0  # sent once
    hub.engine.dispose()


def test_4xx_is_retried_after_the_rfc_5321_delay_and_5xx_kept_failed(
        settings: Settings, clock: Callable[[], datetime],
        relay: tuple[Recorder, int]) -> None:
    recorder, port = relay
    now = [clock()]
    hub = hub_with_relay(settings, port, now)
    later, never = queue(hub), queue(hub, "khongco@gmail.com")
    recorder.refuse = {"th.dinhcong@gmail.com": ["451 4.3.0 Thu lai sau"],
                       "khongco@gmail.com": ["550 5.1.1 No such user"]}
    result = deliver(hub)
    assert (result.sent, result.deferred, result.failed) == (0, 1, 1)
    assert row(hub, never).state == "failed" and "550 5.1.1" in row(hub, never).last_reply
    waiting = row(hub, later)
    assert waiting.state == "deferred" and waiting.attempts == 1
    assert "451" in waiting.last_reply
    assert waiting.next_attempt_at is not None
    assert utc(waiting.next_attempt_at) - now[0] == timedelta(minutes=30)  # RFC 5321 §4.5.4.1
    now[0] += timedelta(minutes=29)
    assert deliver(hub).sent == 0  # not due yet
    now[0] += timedelta(minutes=1)
    assert deliver(hub).sent == 1
    assert row(hub, later).state == "sent" and len(recorder.delivered) == 1
    assert row(hub, later).attempts == 2
    hub.engine.dispose()


def test_retries_double_up_to_the_longest_wait_then_give_up_after_days(
        settings: Settings, clock: Callable[[], datetime],
        relay: tuple[Recorder, int]) -> None:
    recorder, port = relay
    now = [clock()]
    hub = hub_with_relay(settings, port, now)
    waiting = queue(hub)
    recorder.refuse = {"th.dinhcong@gmail.com": ["452 4.2.2 Mailbox full"] * 100}
    waits = []
    while row(hub, waiting).state != "failed":
        deliver(hub)
        found = row(hub, waiting)
        if found.next_attempt_at is not None and found.state == "deferred":
            waits.append(utc(found.next_attempt_at) - now[0])
            now[0] = utc(found.next_attempt_at)
    assert [w.total_seconds() / 60 for w in waits[:5]] == [30, 60, 120, 240, 240]
    assert now[0] - clock() >= timedelta(days=3)  # given up after days, not minutes
    assert "452" in row(hub, waiting).last_reply
    hub.engine.dispose()


def test_a_relay_down_for_a_while_then_up_gets_everything_once(
        settings: Settings, clock: Callable[[], datetime]) -> None:
    port, now = free_port(), [clock()]
    hub = hub_with_relay(settings, port, now)  # nothing listens there yet
    waiting = [queue(hub, f"truong{i}@gmail.com") for i in range(5)]
    assert deliver(hub).deferred == 5
    found = row(hub, waiting[0])
    assert found.state == "deferred" and "relay 127.0.0.1" in found.last_reply
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()  # the relay is back
    try:
        now[0] += timedelta(minutes=30)
        assert deliver(hub).sent == 5
        assert deliver(hub).sent == 0
        assert sorted(d.rcpt_tos[0] for d in recorder.delivered) == [
            f"truong{i}@gmail.com" for i in range(5)]
    finally:
        controller.stop()
    hub.engine.dispose()


def test_a_dropped_connection_defers_only_the_message_in_flight(
        settings: Settings, clock: Callable[[], datetime],
        relay: tuple[Recorder, int]) -> None:
    recorder, port = relay
    now = [clock()]
    hub = hub_with_relay(settings, port, now, connections=1)
    ids = [queue(hub, f"truong{i}@gmail.com") for i in range(5)]
    recorder.drops = 1
    result = deliver(hub)
    assert (result.sent, result.deferred) == (4, 1)
    assert row(hub, ids[0]).state == "deferred"  # the first DATA was cut off
    now[0] += timedelta(minutes=30)
    assert deliver(hub).sent == 1
    assert sorted(d.rcpt_tos[0] for d in recorder.delivered) == [
        f"truong{i}@gmail.com" for i in range(5)]
    hub.engine.dispose()


def test_without_a_relay_nothing_is_sent(hub: Hub) -> None:
    waiting = queue(hub)
    assert deliver(hub).sent == 0
    assert row(hub, waiting).state == "pending" and row(hub, waiting).attempts == 0

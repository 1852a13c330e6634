"""The SMTP door (aiosmtpd): each hook answers one command with a reply string.

RCPT accepts only addresses the hub owns (never an open relay); MAIL and the end of
DATA run the sender chain, so a personal mailbox is refused in the dialogue with the
rule's bilingual reason and the attempt is recorded. As the first hop ([auth] verify),
the end of DATA also checks SPF, DKIM and DMARC: a forgery the policy rejects is
refused (550), a DNS failure answers 451, and the stored copy carries the results.
250 is answered only after the intake has archived the bytes and committed the row; it
then has the message filed.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from mailhub import models
from mailhub.authenticity import Check, without_claims
from mailhub.bounces import take_bounce, verp_row
from mailhub.db import transaction
from mailhub.directives import Refused, broadcast
from mailhub.errors import TemporaryDnsError
from mailhub.faults import Fault
from mailhub.hub import Hub
from mailhub.ingress.data import WholeData
from mailhub.intake_process import IntakeError, IntakeProcess
from mailhub.message import header_block, message_id, sender
from mailhub.pipeline import Envelope
from mailhub.policy import decide, gather
from mailhub.registry import Kind
from mailhub.staff import check_login
from mailhub.verdict import Action
from mailhub.verification import Verifier
from mailhub.vietnamese import unaccent

log = logging.getLogger(__name__)

SENDER_OK = "250 2.1.0 OK"
RECIPIENT_OK = "250 2.1.5 OK"
NO_SUCH_RECIPIENT = ("550 5.1.1 Dia chi nguoi nhan khong thuoc he thong nay / "
                     "No such recipient here")
TOO_MANY_RECIPIENTS = "452 4.5.3 Qua nhieu nguoi nhan / Too many recipients"
TRY_LATER = ("451 4.3.0 Loi tam thoi khi luu thu, xin gui lai sau / "
             "Temporary failure storing the message, please retry later")
DISK_FULL = ("451 4.3.1 May chu het cho luu tru, xin gui lai sau / "
             "Mail system full (no space left to store the message), please retry later")
DATABASE_DOWN = ("451 4.3.0 Co so du lieu tam thoi khong san sang, xin gui lai sau / "
                 "Database temporarily unavailable, please retry later")
TOO_MANY_SESSIONS = "421 4.7.0 Qua nhieu ket noi, xin thu lai sau / Too many connections"
DNS_TRY_LATER = ("451 4.4.3 Loi tam thoi khi tra cuu DNS de xac thuc nguoi gui, xin gui lai "
                 "sau / Temporary DNS failure checking the sender (SPF/DKIM/DMARC), please "
                 "retry later")
TOO_MANY_FAILED_LOGINS = ("454 4.7.0 Dang nhap sai qua nhieu lan, xin thu lai sau / "
                          "Too many failed logins, try again later")
OWNED_KINDS = (Kind.PGD, Kind.TEAM)
TRY_AGAIN = {Fault.FULL: DISK_FULL, Fault.DATABASE: DATABASE_DOWN}  # else TRY_LATER


class Door:
    """aiosmtpd handler: the hub's decisions for one SMTP or LMTP listener.

    Recipients are the office's and teams' addresses (a report: to the intake), the
    hub's list addresses (a directive: fanned out, see directives.py) and the return
    paths of copies the hub sent (a bounce: bounces.py)."""

    def __init__(self, hub: Hub, intake: IntakeProcess, door: str = "smtp",
                 queued: Callable[[], None] = lambda: None) -> None:
        self.hub, self.intake, self.door = hub, intake, door
        self.queued = queued  # told when copies were queued in the outbox
        # The SMTP door may face the internet: it removes Authentication-Results claiming
        # the hub's own id (RFC 8601 §5) and, as the first hop ([auth] verify), checks SPF,
        # DKIM and DMARC itself. LMTP comes from the office's own server, which checks.
        self.authserv_id = hub.settings.authserv_id if door == "smtp" else ""
        self.verifier = Verifier.from_settings(hub.settings) \
            if door == "smtp" and hub.settings.auth.verify else None

    def owns(self, address: str) -> bool:
        unit = self.hub.registry.find(address)
        return (unit is not None and unit.kind in OWNED_KINDS) or \
            self.hub.lists.by_address(address) is not None

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: SmtpEnvelope,
                          address: str, mail_options: list[str]) -> str:
        refused = self.refusal(address, envelope.smtp_utf8)
        if refused:
            await self._record(session, address, "", [], "MAIL", refused)
            return refused[1]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return SENDER_OK

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: SmtpEnvelope,
                          address: str, rcpt_options: list[str]) -> str:
        if not self.owns(address) and not await self._bounce_address(address):
            return NO_SUCH_RECIPIENT
        if len(envelope.rcpt_tos) >= self.hub.settings.smtp.max_recipients:
            return TOO_MANY_RECIPIENTS
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        reply = await self._data(session, envelope)
        if self.door == "lmtp":  # LMTP answers once per accepted recipient
            return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))
        return reply

    async def _data(self, session: Session, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content or b""
        arrival = Envelope(door=self.door, source=_peer(session),
                           mail_from=envelope.mail_from or "",
                           rcpt_to=tuple(envelope.rcpt_tos), received_at=self.hub.clock())
        run = asyncio.get_running_loop().run_in_executor
        bounced = [row for row in [await self._bounce_address(a) for a in envelope.rcpt_tos]
                   if row is not None]
        if bounced:  # before the sender chain: a report server's address may be anyone's
            try:
                for row in bounced:
                    await run(None, take_bounce, self.hub, raw, row, arrival)
            except Exception:
                log.exception("storing a bounce from %s failed", arrival.source)
                return TRY_LATER
            return "250 2.0.0 OK: da nhan bao loi / bounce taken"
        lists = [a for a in envelope.rcpt_tos if self.hub.lists.by_address(a) is not None]
        if lists:
            return await self._directive(session, envelope, raw, lists, arrival)
        try:
            headers = header_block(raw)
            header_from, found_id = sender(headers)[1], message_id(headers)
        except Exception:  # unreadable headers: stored, and the filing says why
            header_from, found_id = "", ""
        refused = self.refusal(header_from, envelope.smtp_utf8)
        if refused:
            await self._record(session, envelope.mail_from or "", header_from,
                               envelope.rcpt_tos, "DATA", refused)
            return refused[1]
        if self.authserv_id:
            raw = without_claims(raw, self.authserv_id)
        if self.verifier is not None:
            try:
                verified = await run(None, self.verifier.verify, raw, _peer_ip(session),
                                     session.host_name or "", envelope.mail_from or "",
                                     header_from)
            except TemporaryDnsError as exc:  # never a silent pass: the sender retries
                log.warning("checking the sender of mail from %s: %s", arrival.source, exc)
                return DNS_TRY_LATER
            # A forged official sender the policy rejects is refused in the dialogue.
            refused = self.refusal(header_from, envelope.smtp_utf8, verified.checks)
            if refused:
                await self._record(session, envelope.mail_from or "", header_from,
                                   envelope.rcpt_tos, "DATA", refused)
                return refused[1]
            raw = verified.stamped(raw)
        try:
            receipt = await self.intake.receive(raw, arrival, found_id)
        except IntakeError as exc:  # disk full, database down: the sender retries
            log.warning("storing a message from %s failed: %s", arrival.source, exc)
            return TRY_AGAIN.get(exc.fault, TRY_LATER)
        except Exception:  # never lost either: not acknowledged, so the sender retries
            log.exception("storing a message from %s failed", arrival.source)
            return TRY_LATER
        return f"250 2.0.0 OK: da nhan / queued as {receipt.id}"

    async def _directive(self, session: Session, envelope: SmtpEnvelope, raw: bytes,
                         lists: list[str], arrival: Envelope) -> str:
        """Mail to list addresses: a directive to fan out (its other recipients are the
        lists' business, not the intake's)."""
        staff = str(session.auth_data or "") if session.authenticated else ""
        try:
            done = await asyncio.get_running_loop().run_in_executor(None, partial(
                broadcast, self.hub, raw, lists, door=self.door, staff=staff,
                authenticated=bool(session.authenticated), envelope_from=arrival.mail_from,
                source=arrival.source))
        except Refused as exc:
            reason_vi = exc.reason_vi if envelope.smtp_utf8 else unaccent(exc.reason_vi)
            refused = (exc.rule, f"550 5.7.1 {reason_vi} / {exc.reason_en}")
            await self._record(session, envelope.mail_from or "", "", envelope.rcpt_tos,
                               "DATA", refused)
            return refused[1]
        except Exception:
            log.exception("queueing a directive from %s failed", arrival.source)
            return TRY_LATER
        log.info("%s directive #%s from %s to %s: %s copies", self.door, done.id,
                 arrival.mail_from, ",".join(lists), done.recipients)
        self.queued()
        return f"250 2.0.0 OK: cong van / directive {done.id}, {done.recipients} ban / copies"

    async def _bounce_address(self, address: str) -> int | None:
        """The outbox row whose return path this is, if it is one."""
        if not address.lower().startswith("bounce+"):
            return None
        return await asyncio.get_running_loop().run_in_executor(None, verp_row, self.hub,
                                                                address)

    def refusal(self, address: str, utf8: bool,
                checks: Sequence[Check] | None = None) -> tuple[str, str] | None:
        """(rule, reply) when the sender chain rejects this address outright; with the
        `checks` of the first hop, when it rejects the message as forged."""
        if not address or address == "<>":
            return None  # a bounce, or no From: the filing decides
        today = self.hub.clock().astimezone(self.hub.settings.zone).date()
        facts = gather(self.hub.rules.senders, self.hub.registry, address, address, "", today,
                       checks)
        verdict, _ = decide(self.hub.rules.senders, facts)
        if verdict.action is not Action.REJECT:
            return None
        hit = verdict.hits[-1]
        vietnamese = hit.reason_vi if utf8 else unaccent(hit.reason_vi)
        # A reply line holds 512 octets (RFC 5321 §4.5.3.1.5); the checks may list many.
        detail = (hit.detail if utf8 else unaccent(hit.detail))[:240]
        return hit.rule, f"550 5.7.1 {vietnamese} / {hit.reason_en} ({detail})"

    async def _record(self, session: Session, mail_from: str, header_from: str,
                      recipients: list[str], stage: str, refused: tuple[str, str]) -> None:
        row: dict[str, Any] = dict(at=self.hub.clock(), door=self.door, peer=_peer(session),
                                   mail_from=mail_from.lower()[:500],
                                   header_from=header_from.lower()[:500],
                                   recipients=",".join(recipients), stage=stage,
                                   rule=refused[0], reply=refused[1])
        log.info("%s refused at %s: %s %s", self.door, stage, mail_from or header_from,
                 refused[0])
        await asyncio.get_running_loop().run_in_executor(None, self._insert_refusal, row)

    def _insert_refusal(self, row: dict[str, Any]) -> None:
        with transaction(self.hub.engine, durable=False) as db:
            db.execute(models.Refusal.__table__.insert().values(row))  # type: ignore[attr-defined]


class LoginGuard:
    """aiosmtpd authenticator: office staff accounts, with failed logins limited per IP."""

    WINDOW = timedelta(minutes=15)

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.failures: dict[str, deque[datetime]] = defaultdict(deque)

    def __call__(self, server: SMTP, session: Session, envelope: SmtpEnvelope,
                 mechanism: str, auth_data: Any) -> AuthResult:
        ip = _peer(session).rsplit(":", 1)[0]
        now = self.hub.clock()
        recent = self.failures[ip]
        while recent and now - recent[0] > self.WINDOW:
            recent.popleft()
        if len(recent) >= self.hub.settings.smtp.max_failed_logins:
            log.warning("AUTH from %s refused: %s failed logins", ip, len(recent))
            return AuthResult(success=False, handled=False, message=TOO_MANY_FAILED_LOGINS)
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            account = check_login(self.hub, login, auth_data.password.decode("utf-8", "replace"))
            if account is not None:
                log.info("AUTH %s from %s", account.email, ip)
                return AuthResult(success=True, auth_data=account.email)
            log.warning("AUTH failed for %r from %s", login[:100], ip)
        recent.append(now)
        return AuthResult(success=False, handled=False)


@dataclass
class Sessions:
    """Open sessions of the doors: capped while running, drained when stopping."""

    limit: int
    open: int = 0


class _Counted(WholeData):
    """A session that counts itself in Sessions and refuses to start beyond the limit."""

    def __init__(self, *args: Any, sessions: Sessions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions, self._counted = sessions, False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._counted:  # STARTTLS hands the same session a TLS transport
            super().connection_made(transport)
            return
        self.sessions.open += 1
        self._counted = True
        if self.sessions.open > self.sessions.limit:
            transport.write((TOO_MANY_SESSIONS + "\r\n").encode())  # type: ignore[attr-defined]
            transport.close()
            return
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._counted:
            self.sessions.open -= 1
            self._counted = False
        super().connection_lost(exc)


class _CountedLMTP(_Counted, LMTP):
    pass


async def start_smtp(hub: Hub, intake: IntakeProcess, sessions: Sessions,
                     queued: Callable[[], None] = lambda: None) -> asyncio.Server:
    """Listen on [smtp] listen; returns the asyncio server."""
    config = hub.settings.smtp
    host, _, port = config.listen.rpartition(":")
    door = Door(hub, intake, queued=queued)
    loop = asyncio.get_running_loop()
    tls = _tls_context(config.tls_cert, config.tls_key)
    guard = LoginGuard(hub)
    # AUTH is offered only once STARTTLS has run (auth_require_tls), never in the clear.
    return await loop.create_server(
        lambda: _Counted(door, data_size_limit=config.max_message_size, enable_SMTPUTF8=True,
                         hostname=config.hostname or None, timeout=config.timeout, loop=loop,
                         tls_context=tls, authenticator=guard, auth_require_tls=True,
                         sessions=sessions),
        host=host or "127.0.0.1", port=int(port))


def _tls_context(cert: str, key: str) -> ssl.SSLContext | None:
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key or None)
    return context


async def start_lmtp(hub: Hub, intake: IntakeProcess, sessions: Sessions,
                     queued: Callable[[], None] = lambda: None) -> asyncio.Server | None:
    """Listen on [lmtp] listen (host:port, or a Unix socket path); None when it is off."""
    listen = hub.settings.lmtp.listen
    if not listen:
        return None
    config, door = hub.settings.smtp, Door(hub, intake, door="lmtp", queued=queued)
    loop = asyncio.get_running_loop()

    def session() -> LMTP:
        return _CountedLMTP(door, data_size_limit=config.max_message_size,
                            enable_SMTPUTF8=True, hostname=config.hostname or None,
                            timeout=config.timeout, loop=loop, sessions=sessions)

    if listen.startswith("/"):
        return await loop.create_unix_server(session, path=listen)
    host, _, port = listen.rpartition(":")
    return await loop.create_server(session, host=host or "127.0.0.1", port=int(port))


def _peer_ip(session: Session) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) else ""


def _peer(session: Session) -> str:
    peer = session.peer
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer or "")

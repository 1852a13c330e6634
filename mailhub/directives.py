"""Directives (công văn): the office sends one e-mail to lists, every member gets its own
copy, and each copy is tracked — sent, failed, acknowledged.

broadcast() checks who may send to each list, archives the original, and in one durable
transaction records the directive and one outbox row per recipient (a recipient on
several lists once). The copies are composed when sent (Copies), from the archived
original: the body and attachments byte for byte, headers rebuilt with the email
package's policy, so nothing in a subject or a name can add a header.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, time
from email.header import Header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import formatdate
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, insert, select, update

from mailhub import chain, models
from mailhub.db import transaction
from mailhub.errors import MailhubError
from mailhub.hub import Hub
from mailhub.lists import MailingList
from mailhub.message import decode_bytes, head_end, parse
from mailhub.outbox import Claimed
from mailhub.pipeline import MESSAGE, Envelope, insert_rows_in, stored_row
from mailhub.registry import Kind
from mailhub.replies import directive_number
from mailhub.search import index as search_index
from mailhub.verdict import State

DIRECTIVE = models.Directive.__table__  # type: ignore[attr-defined]
OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]
# The original's headers that describe its body: copied as they are, with the body.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # no line breaks in what is written directly
_BODY_HEADERS = ("mime-version", "content-type", "content-transfer-encoding",
                 "content-disposition", "content-language")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # the email parser ends a line at each of them
MAX_LINE = 998  # octets in a line, CRLF not counted (RFC 5322 2.1.1)


class Refused(MailhubError):
    """This sender may not broadcast to this list; the reason in both languages."""

    def __init__(self, rule: str, reason_vi: str, reason_en: str) -> None:
        self.rule, self.reason_vi, self.reason_en = rule, reason_vi, reason_en
        super().__init__(f"{reason_vi} / {reason_en}")


@dataclass(frozen=True)
class Broadcast:
    id: int
    recipients: int
    number: str
    known: bool = False  # the same bytes were broadcast before: nothing new was queued


def broadcast(hub: Hub, raw: bytes, list_names: list[str], *, sender: str = "",
              door: str = "cli", staff: str = "", authenticated: bool = True,
              envelope_from: str = "", source: str = "",
              ack_by: datetime | None = None) -> Broadcast:
    """Queue a copy of `raw` for every member of the lists. `sender` (default: the
    message's From) must be a PGD or TEAM address that lists.toml allows for each list;
    over SMTP the session must also be authenticated. Raises Refused."""
    parsed = parse(raw, hub.settings.filing.max_depth)
    address = (sender or parsed.from_address).lower()
    chosen = _lists(hub, list_names)
    unit = hub.registry.find(address)
    for mailing_list in chosen:
        if not hub.lists.may_send(mailing_list, unit):
            raise Refused("broadcast.sender_not_allowed",
                          f"{address or 'người gửi không rõ'} không được gửi tới danh sách "
                          f"{mailing_list.address}",
                          f"{address or 'unknown sender'} may not send to the list "
                          f"{mailing_list.address}")
    if not authenticated:
        raise Refused("broadcast.unauthenticated",
                      "Gửi tới danh sách phải đăng nhập (SMTP AUTH)",
                      "Sending to a list needs an authenticated session (SMTP AUTH)")
    assert unit is not None  # may_send said yes
    # The body goes out byte for byte: a line SMTP cannot carry would fail at every school.
    if _longest_line(_split(raw)[1]) > MAX_LINE:
        raise Refused("broadcast.line_too_long",
                      f"Thư có dòng dài quá {MAX_LINE} byte, không gửi qua SMTP được; hãy đính "
                      f"kèm nội dung dài dưới dạng tệp",
                      f"The message has a line longer than {MAX_LINE} bytes, which SMTP cannot "
                      f"carry; attach long content as a file")
    now = hub.clock()
    members = _members(hub, chosen)
    number = directive_number(parsed.subject, parsed.text[:3000])
    row = stored_row(hub, raw, Envelope(door=door, source=source, mail_from=envelope_from,
                                        rcpt_to=tuple(m.address for m in chosen),
                                        received_at=now))
    with transaction(hub.engine) as db:
        receipt = insert_rows_in(db, [row])[0]
        known = db.execute(select(DIRECTIVE.c.id).where(DIRECTIVE.c.message == receipt.id)
                           ).scalar()
        if known is not None:  # a client sending again after a lost reply: no second fan-out
            return Broadcast(int(known), 0, number, known=True)
        db.execute(update(MESSAGE).where(MESSAGE.c.id == receipt.id).values(
            state=State.DIRECTIVE.value, message_id=parsed.message_id,
            from_address=parsed.from_address, from_name=parsed.from_name,
            subject=parsed.subject, body_text=parsed.text, filed_at=now))
        search_index(db, [receipt.id])
        directive = db.execute(insert(DIRECTIVE).returning(DIRECTIVE.c.id).values(
            message=receipt.id, sender=address, sender_unit=unit.code, staff=staff,
            subject=parsed.subject, number=number, lists=",".join(m.name for m in chosen),
            message_id=parsed.message_id, door=door, created_at=now, ack_by=ack_by)).scalar_one()
        domain = hub.settings.hub_domain
        db.execute(insert(OUTBOX), [
            dict(kind="directive", recipient=email, unit=code, subject=parsed.subject[:2000],
                 raw=None, message=receipt.id, directive=directive, list_name=list_name,
                 message_id=f"d{directive}.{secrets.token_hex(6)}@{domain}",
                 token=secrets.token_hex(4), created_at=now, state="pending", attempts=0,
                 last_reply="", claimed_by="")
            for email, (code, list_name) in members.items()])
        chain.append(db, chain.decisions(db, [receipt.id]) + chain.directives(db, [directive]),
                     datetime.now(UTC))
    return Broadcast(int(directive), len(members), number)


def _lists(hub: Hub, names: list[str]) -> list[MailingList]:
    chosen = []
    for name in dict.fromkeys(names):
        found = hub.lists.lists.get(name) or hub.lists.by_address(name)
        if found is None:
            known = ", ".join(sorted(hub.lists.lists))
            raise Refused("broadcast.unknown_list", f"Không có danh sách {name!r} (có: {known})",
                          f"No list {name!r} (known: {known})")
        chosen.append(found)
    if not chosen:
        raise Refused("broadcast.no_list", "Chưa chọn danh sách nào", "No list chosen")
    return chosen


def _members(hub: Hub, chosen: list[MailingList]) -> dict[str, tuple[str | None, str]]:
    """E-mail -> (unit code, the first chosen list naming it): one copy per address."""
    members: dict[str, tuple[str | None, str]] = {}
    for mailing_list in chosen:
        for member in mailing_list.members:
            members.setdefault(member.email, (member.unit.code if member.unit else None,
                                              mailing_list.name))
    return members


class Copies:
    """The outbox's composer: a row -> (envelope sender, bytes). A notice goes out with an
    empty envelope sender (RFC 3834); the rest with a return path naming the row
    (bounce+<id>-<token>@hub_domain: VERP, so a bounce maps back to one school)."""

    KEEP = 8  # directives whose original is kept parsed

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._templates: OrderedDict[int, _Template] = OrderedDict()

    def __call__(self, row: Claimed) -> tuple[str, bytes]:
        if row.kind == "notice":
            return "", bytes(row.raw)
        verp = return_path(self.hub, row.id, row.token)
        if row.kind != "directive":
            return verp, bytes(row.raw)
        template = self._templates.get(row.directive)
        if template is None:
            template = self._templates[row.directive] = _Template.load(self.hub, row.directive)
            while len(self._templates) > self.KEEP:
                self._templates.popitem(last=False)
        self._templates.move_to_end(row.directive)
        return verp, template.copy(self.hub, row)


def return_path(hub: Hub, outbox_id: int, token: str) -> str:
    return f"bounce+{outbox_id}-{token}@{hub.settings.hub_domain}"


@dataclass(frozen=True)
class _Template:
    """A directive's original, split once: the headers every copy shares, and the body."""

    directive: int
    common: bytes  # From, Subject, Date, References, X-Mailhub-Directive, the body headers
    body: bytes

    @classmethod
    def load(cls, hub: Hub, directive: int) -> _Template:
        with hub.engine.connect() as db:
            found = db.execute(select(DIRECTIVE.c.message_id, DIRECTIVE.c.sender,
                                      MESSAGE.c.sha256)
                               .join(MESSAGE, MESSAGE.c.id == DIRECTIVE.c.message)
                               .where(DIRECTIVE.c.id == directive)).one()
        raw = hub.archive.read(found.sha256)
        head, body = _split(raw)
        original = BytesHeaderParser(policy=email.policy.default).parsebytes(head)
        fixed = EmailMessage(policy=email.policy.SMTP)
        for name in ("From", "Reply-To", "Subject", "Date"):
            try:
                value = original[name]
                if value is not None:
                    fixed[name] = str(value)
            except (ValueError, TypeError, IndexError):  # unreadable: rebuilt below
                pass
        if fixed["From"] is None:
            fixed["From"] = found.sender
        if fixed["Date"] is None:
            fixed["Date"] = formatdate(hub.clock().timestamp())
        if found.message_id:
            fixed["References"] = f"<{found.message_id}>"
        fixed["X-Mailhub-Directive"] = str(directive)
        shared = fixed.as_bytes()[:-2]  # without the blank line that ends the headers
        described = BytesHeaderParser(policy=compat32).parsebytes(head)
        body_headers = b"".join(_body_header(name, value) for name, value in
                                described.raw_items() if name.lower() in _BODY_HEADERS)
        return cls(directive, shared + body_headers, body)

    def copy(self, hub: Hub, row: Claimed) -> bytes:
        """This recipient's copy: its own To, Message-ID and List-Id, then the rest.
        (Written directly: the email policy takes milliseconds to fold one Vietnamese
        name. What goes in is the registry's and the hub's own, never the sender's,
        and control characters are taken out.)"""
        unit = hub.registry.by_code.get(row.unit) if row.unit else None
        to = _address_line("To", unit.name if unit else "", row.recipient)
        return (to + b"Message-ID: <" + _clean(row.message_id).encode() + b">\r\n" +
                _list_id(hub, row.list_name) + self.common + b"\r\n" + self.body)


def _body_header(name: str, value: str) -> bytes:
    """One of the original's headers that describe its body, as it was, in CRLF lines; built
    again only if a line is too long for SMTP (a file name of thousands of characters)."""
    lines = _LINE_BREAK.split(f"{name}: {value}".encode("utf-8", "surrogateescape"))
    if max(map(len, lines)) <= MAX_LINE:
        return b"\r\n".join(lines) + b"\r\n"
    text = decode_bytes(_LINE_BREAK.sub(b" ", value.encode("utf-8", "surrogateescape")))
    found = Message()
    found[name] = text
    params = found.get_params(header=name) or [(text, "")]
    header = EmailMessage(policy=email.policy.SMTP)
    header[name] = params[0][0]
    for key, param in params[1:]:  # folded by the policy: RFC 2231 pieces where needed
        header.set_param(key, email.utils.collapse_rfc2231_value(param), header=name)
    return header.as_bytes()[:-2]


def _longest_line(data: bytes) -> int:
    return max(map(len, _LINE_BREAK.split(data)), default=0)


def _address_line(name: str, display: str, address: str) -> bytes:
    display, address = _clean(display), f"<{_clean(address)}>"
    if not display:
        return f"{name}: {address}\r\n".encode()
    shown = (f'"{email.utils.quote(display)}"' if display.isascii()
             else Header(display, "utf-8").encode(linesep="\r\n"))  # RFC 2047 words
    return f"{name}: {shown} {address}\r\n".encode()


@lru_cache(maxsize=64)
def _list_id_line(title: str, name: str, domain: str) -> bytes:
    header = EmailMessage(policy=email.policy.SMTP)
    header["List-Id"] = f"{title} <{name}.{domain}>"
    return header.as_bytes()[:-2]


def _list_id(hub: Hub, name: str) -> bytes:
    mailing_list = hub.lists.lists.get(name)
    return _list_id_line(_clean(mailing_list.title if mailing_list else name), _clean(name),
                         hub.settings.hub_domain)


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _split(raw: bytes) -> tuple[bytes, bytes]:
    """Headers and body of a message, at the first empty line."""
    head, body = head_end(raw)
    return raw[:head], raw[body:]


# ------------------------------------------------------------------ reading back


def status(hub: Hub, directive: int) -> dict[str, Any]:
    """One directive, and where each copy stands."""
    with hub.engine.connect() as db:
        found = db.execute(select(DIRECTIVE).where(DIRECTIVE.c.id == directive)).first()
        if found is None:
            raise KeyError(directive)
        rows = db.execute(select(OUTBOX).where(OUTBOX.c.directive == directive,
                                               OUTBOX.c.kind == "directive")
                          .order_by(OUTBOX.c.id)).all()
    recipients = [dict(email=r.recipient, unit=r.unit, list=r.list_name, state=r.state,
                       attempts=r.attempts, last_reply=r.last_reply,
                       sent_at=_iso(r.sent_at), acknowledged_at=_iso(r.acknowledged_at))
                  for r in rows]
    return dict(id=found.id, subject=found.subject, number=found.number, sender=found.sender,
                lists=found.lists.split(","), created_at=_iso(found.created_at),
                ack_by=_iso(found.ack_by), recipients=recipients,
                totals=_totals(hub, recipients, found.ack_by))


def _totals(hub: Hub, recipients: list[dict[str, Any]], ack_by: datetime | None
            ) -> dict[str, Any]:
    states = {state: sum(r["state"] == state for r in recipients)
              for state in ("pending", "sending", "deferred", "sent", "failed")}
    schools = [r for r in recipients if r["unit"] and _is_school(hub, r["unit"])]
    return dict(recipients=len(recipients), **states,
                acknowledged=sum(r["acknowledged_at"] is not None for r in recipients),
                schools=len(schools),
                schools_reached=sum(r["state"] == "sent" for r in schools),
                all_schools_reached=bool(schools) and all(r["state"] == "sent" for r in schools),
                not_acknowledged=[r["unit"] for r in schools if r["acknowledged_at"] is None]
                if ack_by is not None else [])


def _is_school(hub: Hub, code: str) -> bool:
    unit = hub.registry.by_code.get(code)
    return unit is not None and unit.kind in (Kind.MN, Kind.TH, Kind.THCS)


def summaries(hub: Hub, since: datetime | None = None) -> list[dict[str, Any]]:
    """Every directive (newest first) with its reach and acknowledgements."""
    sent = func.sum(case((OUTBOX.c.state == "sent", 1), else_=0))
    query = (select(DIRECTIVE.c.id, DIRECTIVE.c.subject, DIRECTIVE.c.number,
                    DIRECTIVE.c.sender, DIRECTIVE.c.lists, DIRECTIVE.c.created_at,
                    func.count(OUTBOX.c.id).label("recipients"), sent.label("sent"),
                    func.count(OUTBOX.c.acknowledged_at).label("acknowledged"))
             .join(OUTBOX, (OUTBOX.c.directive == DIRECTIVE.c.id) & (OUTBOX.c.kind == "directive"))
             .group_by(DIRECTIVE.c.id).order_by(DIRECTIVE.c.id.desc()))
    if since is not None:
        query = query.where(DIRECTIVE.c.created_at >= since.astimezone(UTC))  # stored in UTC
    with hub.engine.connect() as db:
        rows = db.execute(query).all()
    return [dict(id=r.id, subject=r.subject, number=r.number, sender=r.sender,
                 lists=r.lists.split(","), created_at=_iso(r.created_at),
                 recipients=r.recipients, sent=int(r.sent or 0), acknowledged=r.acknowledged)
            for r in rows]


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def remind(hub: Hub, directive: int) -> int:
    """Queue a reminder to each school that has not acknowledged the directive (one a
    day at most); returns how many were queued."""
    today = datetime.combine(hub.clock().astimezone(hub.settings.zone).date(), time(),
                             tzinfo=hub.settings.zone)
    with hub.engine.connect() as db:
        found = db.execute(select(DIRECTIVE).where(DIRECTIVE.c.id == directive)).first()
        if found is None:
            raise KeyError(directive)
        waiting = db.execute(select(OUTBOX.c.recipient, OUTBOX.c.unit, OUTBOX.c.message_id)
                             .where(OUTBOX.c.directive == directive,
                                    OUTBOX.c.kind == "directive", OUTBOX.c.unit.is_not(None),
                                    OUTBOX.c.acknowledged_at.is_(None))).all()
        reminded = set(db.execute(select(OUTBOX.c.recipient).where(
            OUTBOX.c.directive == directive, OUTBOX.c.kind == "reminder",
            OUTBOX.c.created_at >= today)).scalars())
    rows = []
    for copy in waiting:
        if copy.recipient in reminded or not _is_school(hub, copy.unit):
            continue
        message = _reminder(hub, found, copy)
        rows.append(dict(kind="reminder", recipient=copy.recipient, unit=copy.unit,
                         subject=str(message["Subject"]), raw=message.as_bytes(),
                         message=found.message, directive=directive, list_name="",
                         message_id=str(message["Message-ID"]).strip("<>"),
                         token=secrets.token_hex(4), created_at=hub.clock(), state="pending",
                         attempts=0, last_reply="", claimed_by=""))
    if rows:
        with transaction(hub.engine) as db:
            db.execute(insert(OUTBOX), rows)
    return len(rows)


def _reminder(hub: Hub, directive: Claimed, copy: Claimed) -> EmailMessage:
    unit = hub.registry.by_code.get(copy.unit)
    name = unit.name if unit else copy.recipient
    title = f"{directive.number} " if directive.number else ""
    deadline = (directive.ack_by.astimezone(hub.settings.zone).strftime("%d/%m/%Y")
                if directive.ack_by else "")
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = directive.sender
    message["To"] = copy.recipient
    message["Subject"] = f"Nhắc xác nhận đã nhận công văn / Reminder: {title}{directive.subject}"
    message["Date"] = formatdate(hub.clock().timestamp())
    message["Message-ID"] = f"<r{directive.id}.{secrets.token_hex(6)}@{hub.settings.hub_domain}>"
    message["References"] = f"<{copy.message_id}>"  # a reply to this acknowledges the copy
    message["X-Mailhub-Directive"] = str(directive.id)
    message.set_content(
        f"Kính gửi {name},\n\n"
        f"Phòng chưa nhận được xác nhận của đơn vị về công văn {title}\"{directive.subject}\""
        f"{f' (hạn xác nhận {deadline})' if deadline else ''}.\n"
        f"Đề nghị đơn vị trả lời thư này để xác nhận đã nhận.\n\n"
        f"---\n"
        f"Dear {name},\n"
        f"The office has no acknowledgement yet of the directive {title}\"{directive.subject}\""
        f"{f' (due {deadline})' if deadline else ''}. Please reply to this e-mail to "
        f"acknowledge it.\n")
    return message

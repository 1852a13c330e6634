"""Rejection notices: the personal-address sender of a refused report is told, once a day
at most, why, and which mailbox to use instead (RFC 3834 auto-reply rules).

A notice is composed here and queued in the outbox (models.Outbox), the hub's one
outbound path; sending is the outbox's business.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time
from email.message import EmailMessage, Message
from email.utils import formatdate, make_msgid

from sqlalchemy import func, select

from mailhub import models
from mailhub.db import transaction
from mailhub.deciding import Outcome
from mailhub.hub import Hub
from mailhub.message import header_block, message_id, raw_header, sender
from mailhub.verdict import Action

log = logging.getLogger(__name__)

# Never answered (RFC 3834 section 2): robots, bounces and list traffic.
ROBOTS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply",
          "donotreply", "bounce", "bounces")
LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post")
MASS_PRECEDENCE = ("bulk", "list", "junk")
# The one shape of address a notice goes to: a plain ASCII addr-spec (RFC 5321 sizes). A
# Return-Path is the sender's to write: folded lines, lists, NUL or a Unicode line break
# in it must not become a recipient nor a header of the notice.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                      r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def queue_rejection_notice(hub: Hub, outcome: Outcome, raw: bytes, mailbox: str) -> int:
    """Queue one notice for a rejected message from a personal address; 1 if queued,
    0 when the rules say not to answer (robot, list, auto-reply, already told today)."""
    try:
        headers = header_block(raw)
    except Exception:
        return 0
    recipient = _reply_address(headers)
    if not recipient or not _personal(hub, recipient) or _automatic(headers, recipient):
        return 0
    reason_vi, reason_en = _reason(hub, outcome.id)
    notice = _compose(hub, mailbox, recipient, headers, outcome.subject, reason_vi, reason_en)
    outbox = models.Outbox.__table__  # type: ignore[attr-defined]
    start_of_day = datetime.combine(hub.clock().astimezone(hub.settings.zone).date(), time(),
                                    tzinfo=hub.settings.zone)
    with transaction(hub.engine, durable=False) as db:
        told = db.execute(select(func.count()).select_from(outbox).where(
            outbox.c.kind == "notice", outbox.c.recipient == recipient,
            outbox.c.created_at >= start_of_day)).scalar()
        if told:
            return 0
        db.execute(outbox.insert().values(
            kind="notice", recipient=recipient, subject=str(notice["Subject"]),
            raw=notice.as_bytes(), message=outcome.id, created_at=hub.clock(),
            state="pending", attempts=0, last_reply=""))
    log.info("notice queued for %s (message #%s)", recipient, outcome.id)
    return 1


def _reply_address(headers: Message) -> str:
    """Return-Path when the message has one (an empty one is a bounce: no answer), else From;
    "" when that is not one plain address."""
    return_path = raw_header(headers, "Return-Path")
    address = (return_path.strip().removeprefix("<").removesuffix(">").strip()
               if return_path is not None else sender(headers)[1])
    return address.lower() if _ADDRESS.fullmatch(address) else ""


def _personal(hub: Hub, address: str) -> bool:
    domain = address.rpartition("@")[2]
    return any(domain == d or domain.endswith("." + d)
               for d in hub.rules.senders.personal_domains)


def _automatic(headers: Message, address: str) -> bool:
    auto = str(headers.get("Auto-Submitted") or "no").strip().lower()
    precedence = str(headers.get("Precedence") or "").strip().lower()
    local = address.partition("@")[0]
    return (auto != "no" or precedence in MASS_PRECEDENCE
            or any(headers.get(name) is not None for name in LIST_HEADERS)
            or local in ROBOTS or local.startswith("owner-") or local.endswith("-request"))


def _reason(hub: Hub, message: int) -> tuple[str, str]:
    hits = models.RuleHit.__table__  # type: ignore[attr-defined]
    with hub.engine.connect() as db:
        found = db.execute(select(hits.c.reason_vi, hits.c.reason_en).where(
            hits.c.message == message, hits.c.action == Action.REJECT.value)
            .order_by(hits.c.position.desc())).first()
    if found is None:
        return ("Thư không được tiếp nhận", "The message was not accepted")
    return str(found[0]), str(found[1])


def _compose(hub: Hub, mailbox: str, recipient: str, original: Message, subject: str,
             reason_vi: str, reason_en: str) -> EmailMessage:
    official = ", ".join(f"…@{d}" for d in hub.rules.senders.official_domains)
    notice = EmailMessage()
    notice["From"] = mailbox
    notice["To"] = recipient
    notice["Subject"] = f"Không tiếp nhận / Not accepted: {subject}"[:300]
    notice["Date"] = formatdate(hub.clock().timestamp(), localtime=False)
    notice["Message-ID"] = make_msgid(domain=mailbox.rpartition("@")[2] or None)
    notice["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply to this one
    original_id = message_id(original)
    if original_id:
        notice["In-Reply-To"] = notice["References"] = f"<{original_id}>"
    notice.set_content(
        f"Kính gửi Quý đơn vị,\n\n"
        f"Thư \"{subject}\" gửi tới {mailbox} không được tiếp nhận.\n"
        f"Lý do: {reason_vi}.\n"
        f"Đề nghị gửi lại từ hộp thư công vụ của đơn vị ({official}).\n\n"
        f"Đây là thư trả lời tự động; mỗi ngày chỉ gửi một lần.\n\n"
        f"---\n"
        f"Your message \"{subject}\" to {mailbox} was not accepted.\n"
        f"Reason: {reason_en}.\n"
        f"Please send it again from your unit's official mailbox ({official}).\n"
        f"This is an automatic reply, sent at most once a day.\n")
    return notice

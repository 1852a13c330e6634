"""Build test messages with the stdlib, so each test states only what matters to it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

VN = timezone(timedelta(hours=7))


def mail(sender: str = "c1dinhcong-hm@hanoiedu.vn", subject: str = "Báo cáo tháng 11/2026",
         body: str = "Kính gửi Tổ Tiểu học,\nNhà trường gửi báo cáo.\nTrân trọng!",
         to: str = "totieuhoc.pgdhm@hanoiedu.vn", date: datetime | None = None,
         attachments: tuple[tuple[str, bytes], ...] = (), message_id: str | None = None,
         html: bool = False) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 18, 9, 30, tzinfo=VN))
    msg["Message-ID"] = message_id or make_msgid(domain="test.hanoiedu.vn")
    if html:
        msg.set_content(body, subtype="html")
    else:
        msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(msg)

"""The console as a door for directives: a filled-in form becomes the e-mail a staff
member would have sent to the list addresses, and goes through directives.broadcast()
like one from SMTP or the CLI."""

from __future__ import annotations

import mimetypes
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from mailhub.hub import Hub
from mailhub.lists import MailingList


def directive_mail(hub: Hub, sender: str, lists: list[MailingList], subject: str, body: str,
                   attachment: tuple[str, bytes] | None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(m.address for m in lists)
    message["Subject"] = subject
    message["Date"] = formatdate(hub.clock().timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain=hub.settings.hub_domain)
    message.set_content(body)
    if attachment is not None:
        name, data = attachment
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)

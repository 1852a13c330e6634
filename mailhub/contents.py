"""What a reader opens in an archived message: its HTML body and its attachments' bytes.

Read from the raw bytes with mail-parser, as message.parse() reads them; an attachment is
found by the sha256 the filing recorded, so what is downloaded is what was filed.
"""

from __future__ import annotations

import base64
import email
import hashlib
from dataclasses import dataclass
from typing import Any

import mailparser

from mailhub.message import decode_bytes


@dataclass(frozen=True)
class Part:
    name: str
    content_type: str
    data: bytes


def html_body(raw: bytes) -> str:
    """The text/html parts of the body, joined; "" when there are none. Unsanitised:
    whoever shows it must clean it first (the console uses nh3)."""
    try:
        parsed = mailparser.MailParser(email.message_from_bytes(raw))
        parts = [p for p in parsed.text_html if p and p.strip()]
    except Exception:  # what cannot be read is shown as text, which parse() gave
        return ""
    return "\n".join(parts)


def attachment(raw: bytes, sha256: str) -> Part | None:
    """The attachment whose bytes hash to `sha256`, or None."""
    try:
        items: list[dict[str, Any]] = mailparser.MailParser(
            email.message_from_bytes(raw)).attachments
    except Exception:
        return None
    for item in items:
        payload = item.get("payload") or ""
        try:
            data = (base64.b64decode(payload) if item.get("binary")
                    else str(payload).encode("utf-8", "surrogateescape"))
        except Exception:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            name = item.get("filename") or "tep-dinh-kem"
            return Part(decode_bytes(str(name).encode("utf-8", "surrogateescape")),
                        str(item.get("mail_content_type") or "application/octet-stream"), data)
    return None

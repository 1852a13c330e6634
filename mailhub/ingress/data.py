"""DATA read in large pieces instead of a line at a time.

aiosmtpd reads a message one line per await (some 300 of them for a 20 KB report),
which costs the event loop more than everything else the door does with the message.
WholeData reads whatever has arrived, looks for the end-of-data line in C
(bytes.find), and applies the same rules as aiosmtpd: the size limit (552, after
the client has sent everything), the line length limit (500), dot-unstuffing, an
empty message. The rest of the command (the handler's DATA hook, the reply, the
state after DATA) is aiosmtpd's own. The content stays bytes (no decode_data).
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.smtp import MISSING, SMTP, syntax

log = logging.getLogger(__name__)

END = b"\r\n.\r\n"
CHUNK = 1 << 20   # at most this much is taken from the stream per read
# Vietnamese without marks first (the reply may not be UTF-8), then English.
TOO_LONG = ("500 5.5.6 Thu co dong dai qua 998 ky tu, SMTP khong chuyen nguyen ven duoc; "
            "hay gui lai duoi dang tep dinh kem / Line too long (RFC 5321 4.5.3.1.6)")
TOO_MUCH = "552 5.3.4 Thu qua lon / Too much mail data"


class WholeData(SMTP):
    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            content = await self._read_data()
        except asyncio.CancelledError:
            log.info("connection lost during DATA")
            self._writer.close()
            raise
        if content is None:
            reply = TOO_MUCH
        elif _longest_line(content) > self.line_length_limit:
            reply = TOO_LONG
        else:
            # Dot-unstuffing (RFC 5321 4.5.2): a leading dot of any line is dropped.
            content = (b"\r\n" + content).replace(b"\r\n.", b"\r\n")[2:]
            self.envelope.content = self.envelope.original_content = content
            status = await self._call_handler_hook("DATA")
            reply = "250 OK" if status is MISSING else str(status)
        self._set_post_data_state()  # type: ignore[no-untyped-call]
        await self.push(reply)

    async def _read_data(self) -> bytes | None:
        """The bytes up to the end-of-data line, its own CRLF included; None when they
        exceed the size limit (then read to the end and dropped, so the reply is in step)."""
        # The CRLF that ended the DATA command begins the terminator of an empty message.
        buffer = bytearray(b"\r\n")
        limit = self.data_size_limit
        too_much = False
        while True:
            chunk = await self._reader.read(CHUNK)
            if not chunk:  # the client hung up: aiosmtpd's loop ends the session
                raise asyncio.CancelledError
            searched = max(0, len(buffer) - len(END) + 1)
            buffer += chunk
            end = buffer.find(END, searched)
            if end >= 0:
                break
            if limit and len(buffer) - 2 > limit:
                too_much = True
                del buffer[:-len(END)]  # keep only what may start the terminator
        rest = bytes(buffer[end + len(END):])
        if rest and not self._reader.at_eof():  # sent on without waiting: the next command
            self._reader.feed_data(rest)
        if too_much or (limit and end > limit):
            return None
        return bytes(buffer[2:end + 2])


def _longest_line(content: bytes) -> int:
    """Length of the longest line with its CRLF."""
    return max(map(len, content.split(b"\r\n")), default=0) + 2

"""Raw bytes -> ParsedMessage: decoded headers, body text, attachments.

Parsing uses mail-parser; header decoding is our own because real mail
mislabels charsets (UTF-8 sent as iso-8859-1, raw 8-bit bytes, windows-1258,
TCVN3 pasted from old documents). Every string leaves here repaired and NFC.
parse() never raises: what it cannot read it reports in `problems`.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesHeaderParser, HeaderParser
from email.policy import compat32
from html.parser import HTMLParser
from typing import Any, AnyStr

import mailparser

from mailhub.vietnamese import LEGACY_MARKS, nfc, repair, utf8_as_latin

logging.getLogger("mailparser").setLevel(logging.CRITICAL)

# Charsets tried, in order, when the declared one is missing or wrong.
_FALLBACK_CHARSETS = ("utf-8", "cp1258", "cp1252", "latin-1")
_SPACES = re.compile(r"\s+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_REFERENCE = re.compile(r"<([^<>\s]{1,500})>")
# What mail-parser is given of the top-level headers: the MIME ones it reads the body by,
# and Date, whose defects it reports. The rest (addresses, Received, DKIM-Signature, …) we
# read ourselves or not at all, and its parse of them would be most of its time.
_MAILPARSER_HEADERS = ("content-", "mime-version", "date")
# Control characters (NUL, ESC, …) are noise in text and must never reach a terminal
# (`audit show`) or a database column. C1 controls (U+0080–U+009F, the 8-bit CSI among
# them) go only after repair(): mojibake of UTF-8 read as latin-1 is made of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C1 = re.compile(r"[\x80-\x9f]")
# Any of these (controls, legacy marks) or UTF-8 read as Latin-1, and _cleaned() has work
# to do; nearly every text has none, and is then only made NFC.
_UNCLEAN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{LEGACY_MARKS}]")
MAX_DEPTH = 30  # the default of [filing] max_depth
_FEED = 1 << 20  # bytes handed to the email parser at a time
_PLAIN_DEPTH = 8  # multiparts nested deeper are left to the parser, whose depth is checked
_EMPTY_LINE: dict[type, tuple[Any, Any]] = {bytes: (b"\r\n\r\n", b"\n\n"),
                                            str: ("\r\n\r\n", "\n\n")}


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: tuple[str, ...]
    date: datetime | None
    text: str
    attachments: tuple[Attachment, ...]
    problems: tuple[str, ...] = field(default=())
    unreadable: str = ""  # why the message could not be parsed at all
    references: tuple[str, ...] = ()  # In-Reply-To and References: what it answers


def parse(raw: bytes, max_depth: int = MAX_DEPTH) -> ParsedMessage:
    """Parse a message; a message mail-parser cannot read still gets its headers. One nested
    more than `max_depth` levels is not read further: its headers, and `unreadable` says why."""
    try:
        msg = message_from_bytes(raw)
    except RecursionError:  # only hundreds of levels exhaust the stack: far past any limit
        return _headers_only(raw, _nested(0, max_depth))
    except Exception as exc:
        return _headers_only(raw, f"{type(exc).__name__}: {exc}")
    try:
        too_deep = _too_deep(msg, max_depth)
        if too_deep:
            return _headers_only(raw, too_deep)
        headers = _header_fields(msg)
        # mail-parser reads the body and attachments; the headers were read above (ours
        # repair mislabelled charsets), so it is handed only _MAILPARSER_HEADERS.
        for name in {name.lower() for name in msg.keys()}:
            if not name.startswith(_MAILPARSER_HEADERS):
                del msg[name]
        parsed = _BodyParser(msg)
    except Exception as exc:  # a parser failure is a verdict, not a crash
        return _headers_only(raw, f"{type(exc).__name__}: {exc}")
    try:
        problems: list[str] = []
        return ParsedMessage(**headers, text=_body_text(parsed, problems),
                             attachments=tuple(_attachments(parsed, problems)),
                             problems=tuple(problems + _defects(parsed)))
    except Exception as exc:
        return _headers_only(raw, f"{type(exc).__name__}: {exc}")


class _BodyParser(mailparser.MailParser):  # type: ignore[misc]  # untyped
    """mail-parser as parse() reads it: text parts, attachments and defects. Its summaries
    of the whole message as dicts (`mail`, `mail_partial`: every header and part once more,
    a fifth of its time) are never read here, so not made."""

    def _make_mail(self, complete: bool = True) -> dict[str, Any]:
        return {}


def message_from_bytes(raw: bytes) -> Message:
    """email.message_from_bytes, the same Message, built without reading the mail a line at
    a time when it is plain: a header block the parser reads to its blank line, a body of
    one part, or multipart whose parts are plain again, with boundaries found by a search
    (half the parser's cost for the bench's reports of one part, a quarter for multipart ones).
    Anything else is fed to the parser a mebibyte at a time: half the peak memory of feeding
    it the whole text, held 4 bytes a character."""
    body = head_end(raw)[1]
    head = BytesHeaderParser(policy=compat32).parsebytes(raw[:body])
    if _headers_alone(head):
        if head.get_content_maintype() not in ("multipart", "message"):
            head.set_payload(str(memoryview(raw)[body:], "ascii", "surrogateescape"))
            return head
        text = str(raw, "ascii", "surrogateescape")
        # A lone CR ends a line to the parser: such a body is left to it.
        if (text.count("\r", body) == text.count("\r\n", body)
                and _plain_multipart(head, text, body, len(text), ())):
            return head
    feeder = BytesFeedParser(_factory=Message, policy=compat32)
    view = memoryview(raw)
    for start in range(0, len(raw), _FEED):
        feeder.feed(bytes(view[start:start + _FEED]))
    return feeder.close()


def _headers_alone(head: Message) -> bool:
    """Whether the parser read the header block given, to its end, without a defect: then
    it would have read them so within the whole message too."""
    return not head.defects and head.get_payload() == ""


def _plain_multipart(msg: Message, text: str, body: int, end: int,
                     outer: tuple[str, ...]) -> bool:
    """Give the multipart `msg` its preamble, parts and epilogue from text[body:end], as
    the parser would (email.feedparser, RFC 2046: the line end before a boundary line
    belongs to it); False, with `msg` to be thrown away, for what the parser would read
    otherwise or note a defect of: no boundary, a doubled or missing one, one that could be
    read as another's, a digest, a message/* part. No lone CR is in the text."""
    boundary = msg.get_boundary()
    separator = f"--{boundary}"
    if (not boundary or len(outer) >= _PLAIN_DEPTH or msg.get_content_subtype() == "digest"
            or str(msg.get("content-transfer-encoding", "8bit")).lower()
            not in ("7bit", "8bit", "binary")
            or any(s.startswith(separator) or separator.startswith(s) for s in outer)):
        return False
    lines = _boundary_lines(text, separator, body, end)
    if not lines or not lines[-1][2] or lines[0][2]:  # no closing line, or only one
        return False
    if lines[0][0] > body:
        msg.preamble = text[body:_less_line_end(text, body, lines[0][0])]
    parts: list[Message | str] = []
    for (_, start, _), (stop, _, _) in zip(lines, lines[1:], strict=False):
        if start == stop:  # a doubled boundary line: the parser skips it
            return False
        part = _plain_part(text, start, stop, (*outer, separator))
        if part is None:
            return False
        parts.append(part)
    msg.set_payload(parts)
    msg.epilogue = text[lines[-1][1]:end]
    return True


def _plain_part(text: str, start: int, end: int, outer: tuple[str, ...]) -> Message | None:
    """The part in text[start:end], a boundary line after it, or None (_plain_multipart)."""
    if text.startswith(("\r\n", "\n"), start, end):  # no headers, then the blank line
        body = start + (2 if text[start] == "\r" else 1)
    else:
        body = head_end(text, start, end)[1]
    part = HeaderParser(policy=compat32).parsestr(text[start:body])
    if not _headers_alone(part) or part.get_content_maintype() == "message":
        return None
    if part.get_content_maintype() != "multipart":
        part.set_payload(text[body:_less_line_end(text, body, end)])
        return part
    if not _plain_multipart(part, text, body, end, outer):
        return None
    epilogue = part.epilogue  # its last line end belongs to the outer boundary line
    part.epilogue = epilogue[:_less_line_end(epilogue, 0, len(epilogue))] if epilogue else None
    return part


def _boundary_lines(text: str, separator: str, start: int,
                    end: int) -> list[tuple[int, int, bool]]:
    """(where the line begins, where the next one does, closing?) of each line of
    text[start:end] that is a boundary line to the parser ("--boundary", "--" if closing,
    spaces or tabs, the line end), up to the closing one."""
    found = []
    at = text.find(separator, start, end)
    while at >= 0:
        after = at + len(separator)
        closing = text.startswith("--", after, end)
        after += 2 * closing
        while after < end and text[after] in " \t":
            after += 1
        line_end = (after if after == end else after + 1 if text[after] == "\n"
                    else after + 2 if text.startswith("\r\n", after, end) else -1)
        if line_end >= 0 and (at == 0 or text[at - 1] == "\n"):
            found.append((at, line_end, closing))
            if closing:
                break
        at = text.find(separator, at + 1, end)
    return found


def _less_line_end(text: str, start: int, end: int) -> int:
    """`end`, less the line end text[start:end] ends with (it belongs to a boundary)."""
    if end > start and text[end - 1] == "\n":
        return end - 2 if end - 2 >= start and text[end - 2] == "\r" else end - 1
    return end


def _too_deep(msg: Message, max_depth: int) -> str:
    """Why `msg` is nested deeper than `max_depth` (multiparts and attached messages), or "".
    A walk of the parsed tree costs microseconds: a scan of the raw bytes would cost more."""
    deepest, stack = 0, [(msg, 0)]
    while stack:  # iterative: a recursive walk is what such a message is built to break
        part, depth = stack.pop()
        children = part.get_payload()
        if isinstance(children, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children
                         if isinstance(child, Message))
    return _nested(deepest, max_depth) if deepest > max_depth else ""


def _nested(depth: int, max_depth: int) -> str:
    levels = f"{depth} tầng" if depth else "quá nhiều tầng"
    levels_en = f"{depth} levels" if depth else "too many levels"
    return (f"thư lồng nhau {levels}, quá giới hạn {max_depth} / nested {levels_en} deep, "
            f"more than the limit of {max_depth} ([filing] max_depth)")


def _header_fields(msg: Message) -> dict[str, Any]:
    name, address = sender(msg)
    return dict(message_id=message_id(msg), subject=header_text(raw_header(msg, "Subject")),
                from_name=name, from_address=address,
                to=tuple(a for _, a in _address_pairs(msg, ("To", "Cc"))), date=header_date(msg),
                references=references(msg))


def _headers_only(raw: bytes, problem: str) -> ParsedMessage:
    try:
        msg = header_block(raw)
        name, address = sender(msg)
        subject = header_text(raw_header(msg, "Subject"))
        return ParsedMessage(message_id(msg), subject, name, address, (), header_date(msg), "",
                             (), (problem,), unreadable=problem)
    except Exception as exc:
        return ParsedMessage("", "", "", "", (), None, "", (), (problem,),
                             unreadable=f"{problem}; {type(exc).__name__}: {exc}")


def header_block(raw: bytes) -> Message:
    """The headers alone (the body is not read): what a door needs to decide at once."""
    return BytesHeaderParser(policy=compat32).parsebytes(raw[:head_end(raw)[1]])


def head_end(raw: AnyStr, start: int = 0, end: int | None = None) -> tuple[int, int]:
    """Where the header lines of raw[start:end] end (after the last one's line end) and
    where the body begins (after the empty line); both `end` when there is no empty line.
    A CRLF message is not scanned to its end for an LF-only empty line."""
    end = len(raw) if end is None else end
    crlf = raw.find(_EMPTY_LINE[type(raw)][0], start, end)
    lf = raw.find(_EMPTY_LINE[type(raw)][1], start, end if crlf < 0 else crlf)
    if lf >= 0:
        return lf + 1, lf + 2
    if crlf >= 0:
        return crlf + 2, crlf + 4
    return end, end


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset, else the usual suspects; never raises."""
    for name in ((charset,) if charset else ()) + _FALLBACK_CHARSETS:
        try:
            return data.decode(name)
        except (LookupError, UnicodeError):
            continue
    return data.decode("utf-8", "replace")  # unreachable: latin-1 decodes anything


def raw_headers(msg: Message, name: str) -> list[str]:
    """A header's values as stored: 8-bit bytes kept as surrogate escapes, nothing decoded.
    (Message.get() would already have replaced such bytes with U+FFFD.)"""
    wanted = name.lower()
    return [str(v) for k, v in msg.raw_items() if k.lower() == wanted]


def raw_header(msg: Message, name: str) -> str | None:
    values = raw_headers(msg, name)
    return values[0] if values else None


def header_text(value: str | None) -> str:
    """A header as readable text: RFC 2047 decoded, raw 8-bit bytes guessed, mislabelled
    charsets repaired, NFC, one line."""
    if not value:
        return ""
    parts: list[str] = []
    pending: tuple[str, bytearray] | None = None  # adjacent encoded words of one charset
    position = 0
    for word in _ENCODED_WORD.finditer(value):
        between = value[position:word.start()]
        if between and not (pending and between.isspace()):  # space between words is folding
            parts.append(_flush(pending))
            pending = None
            parts.append(_raw_text(between))
        charset = word.group(1).split("*")[0].lower()  # RFC 2231 adds *language
        data = _decode_word(word.group(2), word.group(3))
        if pending and pending[0] == charset:
            pending[1].extend(data)  # a character may be split across two encoded words
        else:
            parts.append(_flush(pending))
            pending = (charset, bytearray(data))
        position = word.end()
    parts.append(_flush(pending))
    parts.append(_raw_text(value[position:]))
    text = _cleaned("".join(parts))  # before collapsing spaces: "à" in UTF-8 is C3 A0,
    return _SPACES.sub(" ", text).strip()  # and A0 is a space in latin-1


def _cleaned(text: str) -> str:
    """Control characters out, mislabelled charsets repaired, NFC. C1 controls go only
    after repair(): mojibake of UTF-8 read as latin-1 is made of them."""
    if not _UNCLEAN.search(text) and not utf8_as_latin(text):
        return nfc(text)  # what the rest makes of such a text: two scans instead of four
    return _C1.sub("", repair(_CONTROL.sub("", text)))


def _flush(pending: tuple[str, bytearray] | None) -> str:
    return decode_bytes(bytes(pending[1]), pending[0]) if pending else ""


def _raw_text(text: str) -> str:
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


def _decode_word(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "surrogateescape")
    try:
        if encoding in "bB":
            return base64.b64decode(data + b"=" * (-len(data) % 4))
        return binascii.a2b_qp(data, header=True)
    except (binascii.Error, ValueError):
        return data


def addresses(msg: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs of the named headers."""
    return [(header_text(name), address) for name, address in _address_pairs(msg, names)]


def _address_pairs(msg: Message, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(display name as written, lower-case address) pairs of the named headers."""
    values = [v for n in names for v in raw_headers(msg, n)]
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:
        return []
    return [(n, _raw_text(a).strip().lower()) for n, a in pairs if "@" in a]


def sender(msg: Message) -> tuple[str, str]:
    found = addresses(msg, "From")
    return found[0] if found else ("", "")


def message_id(msg: Message) -> str:
    value = _raw_text(raw_header(msg, "Message-ID") or "")
    return _C1.sub("", _CONTROL.sub("", _SPACES.sub("", value))).strip("<>")[:500]


def references(msg: Message) -> tuple[str, ...]:
    """The Message-IDs a message answers (In-Reply-To, then References), without <>."""
    values = raw_headers(msg, "In-Reply-To") + raw_headers(msg, "References")
    return tuple(dict.fromkeys(_REFERENCE.findall(" ".join(values))))[:50]


def header_date(msg: Message) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(str(msg.get("Date") or ""))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # older "dates" are broken clocks


def received_date(raw: bytes, now: datetime | None = None) -> datetime | None:
    """When the office received a message that arrives as a file (an import): the newest
    Received: header's date (the office's own server added it), else the Date: header;
    in UTC. Dates before 1990 or over a day after `now` are ignored; never raises."""
    now = now or datetime.now(UTC)
    latest = (now if now.tzinfo else now.replace(tzinfo=UTC)) + timedelta(days=1)
    try:
        msg = header_block(raw)
        stamps = [value.rpartition(";")[2] for value in raw_headers(msg, "Received")]
        for values in (stamps, raw_headers(msg, "Date")):
            dates = [when for when in map(_rfc5322_date, values)
                     if when is not None and _EARLIEST <= when <= latest]
            if dates:
                return max(dates)
    except Exception:  # a header block too broken to read has no date
        return None
    return None


def _rfc5322_date(value: str) -> datetime | None:
    """A header's date in UTC (no zone, or -0000: taken as UTC); None if unreadable."""
    try:
        when = email.utils.parsedate_to_datetime(_SPACES.sub(" ", value).strip())
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _body_text(parsed: Any, problems: list[str]) -> str:
    """text/plain, else the visible text of text/html. Control characters (NUL above all)
    are noise here and no database column takes NUL."""
    plain = [p for p in parsed.text_plain if p and not p.isspace()]  # no copy, as strip()
    html = [p for p in parsed.text_html if p and not p.isspace()]
    if any("\ufffd" in p for p in plain + html):
        # mail-parser fell back to UTF-8 with replacement: the charset label was wrong.
        plain, html = _decode_parts(parsed.message, "plain"), _decode_parts(parsed.message, "html")
        problems.append("body charset label was wrong; decoded by guessing")
    if plain:
        return _cleaned(_lines("\n".join(plain)))
    if html:
        return _cleaned(html_to_text(_CONTROL.sub("", _lines("\n".join(html)))))
    return ""


def _decode_parts(msg: Message, subtype: str) -> list[str]:
    """Inline text parts of a subtype, decoded with the declared charset or the usual suspects."""
    texts = []
    for part in msg.walk():
        if (part.get_content_maintype() == "text" and part.get_content_subtype() == subtype
                and part.get_content_disposition() != "attachment"):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and data.strip():
                texts.append(decode_bytes(data, part.get_content_charset()))
    return texts


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _TextOfHtml(HTMLParser):
    """Visible text of an HTML body: no scripts or styles, block tags become lines."""

    _BLOCKS = {"p", "br", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "td", "th"}
    _HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    reader = _TextOfHtml()
    try:
        reader.feed(html)
        reader.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    lines = (_SPACES.sub(" ", line.replace("\xa0", " ")).strip()
             for line in "".join(reader.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _attachments(parsed: Any, problems: list[str]) -> list[Attachment]:
    found = []
    for item in parsed.attachments:
        payload = item.get("payload") or ""
        try:
            data = (base64.b64decode(payload) if item.get("binary")
                    else str(payload).encode("utf-8", "surrogateescape"))
        except Exception as exc:
            problems.append(f"attachment {item.get('filename')!r}: {exc}")
            data = b""
        content_type = str(item.get("mail_content_type") or "")
        found.append(Attachment(name=header_text(item.get("filename") or ""),
                                content_type=_CONTROL.sub("", content_type),
                                size=len(data), sha256=hashlib.sha256(data).hexdigest()))
    return found


def _defects(parsed: Any) -> list[str]:
    try:
        return sorted(str(c) for c in parsed.defects_categories)
    except Exception:
        return []

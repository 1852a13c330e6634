"""Hostile and broken mail, generated: whatever arrives gets a verdict and is archived byte for
byte, no exception escapes the pipeline, and memory stays in proportion to the message.

Hypothesis builds messages from the pieces that break mail software: header folding in odd
places, bare CR or LF, encoded words with broken payloads or unknown charsets, raw 8-bit and
NUL bytes, missing and repeated headers, multiparts with wrong or missing boundaries nested
past [filing] max_depth, invalid base64 and quoted-printable. Fixed tests cover what is too
big to generate: a 50 MB line, thousands of parts, nesting far past the limit.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailhub.config import FilingSettings, Settings
from mailhub.hub import Hub, open_hub
from mailhub.message import parse
from mailhub.pipeline import Envelope, ingest

SCHOOL = "c1dinhcong-hm@hanoiedu.vn"
VERDICTS = {"filed", "rejected", "quarantined", "duplicate"}
MAX_DEPTH = 4  # small here, so generated nesting crosses it often
# Characters that would start a new line or field wherever a parsed string is written again
# (a notice, a log line, a terminal): none may survive parsing in a one-line field.
LINE_BREAKERS = ("\r", "\n", "\x00", "\x0b", "\x0c", "\x1b", "\x1c", "\x1d", "\x1e", "\x85",
                 "\u2028", "\u2029", "\x9b")

# ------------------------------------------------------------------ pieces of hostile mail

TEXT = st.lists(st.sampled_from(
    list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĐÊƠ ạảấầẩẫậếịọổờụừữỹ0129-_.,:;<>\"'()[]=?@/\\") +
    ["\r", "\n", "\r\n", "\t", "\x00", "\x1b", "\x85", "\u2028", "\u202e", "\ufeff", "\udcff",
     "=?", "?=", "\x7f", "\x9b"]), max_size=60).map("".join)
CHARSETS = st.sampled_from(["utf-8", "UTF-8", "windows-1258", "iso-8859-1", "x-no-such",
                            "utf-7", "utf-16", "", "utf-8*vi", "gb2312", "tcvn", "us-ascii"])
ADDRESSES = st.sampled_from([SCHOOL, "totieuhoc.pgdhm@hanoiedu.vn", "ai.do@gmail.com",
                             "khong-co@hanoiedu.vn", "<>", "@", "a@", "x@y@z", "",
                             "MAILER-DAEMON@mx.example", '"a\r\nBcc: v@x.vn" <b@gmail.com>'])
ENCODINGS = st.sampled_from(["base64", "quoted-printable", "7bit", "8bit", "binary",
                             "x-uuencode", "7-bit", "bäse64", ""])


def _raw(text: str, charset: str) -> bytes:
    try:
        return text.encode(charset or "utf-8", "surrogateescape")
    except (LookupError, UnicodeError):
        return text.encode("utf-8", "surrogateescape")


@st.composite
def encoded_words(draw: st.DrawFn) -> bytes:
    """An RFC 2047 word, valid or not: wrong padding, junk in base64, a lone '=' in Q."""
    charset, text = draw(CHARSETS), draw(TEXT)
    data = _raw(text, charset)
    kind = draw(st.sampled_from(["B", "Q", "b", "q", "X"]))
    if kind in "Bb":
        import base64
        payload = base64.b64encode(data)
        payload = draw(st.sampled_from([payload, payload.rstrip(b"="), payload[:-1] + b"!",
                                        b"@@==" + payload]))
    else:
        payload = b"".join(b"=%02X" % c if c > 126 or c < 33 or c in b"=?_" else bytes([c])
                           for c in data)
        payload = draw(st.sampled_from([payload, payload + b"=", payload.replace(b"=", b"=Z")]))
    return b"=?" + charset.encode() + b"?" + kind.encode() + b"?" + payload + b"?="


@st.composite
def header_values(draw: st.DrawFn) -> bytes:
    pieces = draw(st.lists(st.one_of(encoded_words(), TEXT.map(lambda t: _raw(t, "utf-8")),
                                     TEXT.map(lambda t: _raw(t, "windows-1258")),
                                     ADDRESSES.map(str.encode)), max_size=4))
    value = b" ".join(pieces)
    for at in sorted(draw(st.lists(st.integers(0, max(0, len(value))), max_size=3)),
                     reverse=True):  # fold anywhere, even inside a word
        value = value[:at] + draw(st.sampled_from([b"\r\n ", b"\n\t", b"\r\n", b"\r"])) + \
            value[at:]
    return value


@st.composite
def header_blocks(draw: st.DrawFn) -> list[bytes]:
    names = draw(st.lists(st.sampled_from(
        ["From", "From", "To", "Cc", "Subject", "Subject", "Date", "Message-ID", "Reply-To",
         "Return-Path", "In-Reply-To", "References", "X-Mailer", "Content-Disposition",
         "Received", "Authentication-Results", "MIME-Version", "", "Bad Name", "Sub\x00ject"]),
        max_size=8))
    lines = [name.encode() + b": " + draw(header_values()) for name in names]
    if draw(st.booleans()):
        lines.insert(0, b"From: " + draw(ADDRESSES).encode())
    if draw(st.booleans()):
        lines.append(b"Date: " + draw(st.sampled_from(
            [b"Wed, 18 Nov 2026 09:30:00 +0700", b"31 Feb 2026 25:61:00 +9999", b"yesterday",
             b"Mon, 1 Jan 0001 00:00:00 -0000", b"Tue, 10 Nov 9999 23:59:59 +1400"])))
    return lines


@st.composite
def bodies(draw: st.DrawFn, depth: int = 0) -> tuple[list[bytes], bytes, int]:
    """(headers describing the body, the body, how deep it nests)."""
    if depth < MAX_DEPTH + 2 and draw(st.integers(0, 3)) == 0:
        boundary = draw(st.sampled_from([b"b%d" % depth, b"=_x", b"", b" spaced ",
                                         b"b" * 80]))
        children = draw(st.lists(bodies(depth + 1), min_size=0, max_size=3))
        kind = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"digest"]))
        parts = [b"--" + boundary + b"\r\n" + b"\r\n".join(h) + b"\r\n\r\n" + body
                 for h, body, _ in children]
        close = draw(st.sampled_from([b"--" + boundary + b"--\r\n", b"", b"--wrong--\r\n"]))
        deepest = 1 + max((d for _, _, d in children), default=0)
        return ([b'Content-Type: multipart/' + kind + b'; boundary="' + boundary + b'"'],
                b"preamble\r\n" + b"\r\n".join(parts) + b"\r\n" + close, deepest)
    encoding = draw(ENCODINGS)
    charset = draw(CHARSETS)
    data = _raw(draw(TEXT), charset) + draw(st.binary(max_size=40))
    if encoding == "base64" and draw(st.booleans()):
        import base64
        data = base64.encodebytes(data)
    headers = [b"Content-Type: " + draw(st.sampled_from(
        [b"text/plain", b"text/html", b"application/pdf", b"application/zip", b"message/rfc822",
         b"text/plain; charset=" + charset.encode(), b"image/png; name=\"../../x.png\"",
         b"garbage", b""])), b"Content-Transfer-Encoding: " + encoding.encode()]
    if draw(st.booleans()):
        headers.append(b"Content-Disposition: attachment; filename=\"" +
                       draw(header_values()).replace(b'"', b"") + b"\"")
    return headers, data, 0


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    head, (described, body, _) = draw(header_blocks()), draw(bodies())
    raw = b"\r\n".join(head + [b"MIME-Version: 1.0"] + described) + b"\r\n\r\n" + body
    ending = draw(st.sampled_from(["crlf", "lf", "cr", "mixed"]))
    if ending == "lf":
        raw = raw.replace(b"\r\n", b"\n")
    elif ending == "cr":
        raw = raw.replace(b"\r\n", b"\r")
    elif ending == "mixed":
        raw = raw.replace(b"\r\n\r\n", b"\n\r\n", 1)
    return raw


# ------------------------------------------------------------------ the properties


@pytest.fixture
def fuzz_hub(settings: Settings, clock: Callable[[], datetime]) -> Iterator[Hub]:
    hub = open_hub(settings.model_copy(update={"filing": FilingSettings(max_depth=MAX_DEPTH)}),
                   clock)
    yield hub
    hub.engine.dispose()


def assert_kept(hub: Hub, raw: bytes) -> str:
    """Ingest `raw`: a verdict, its exact bytes in the archive, one-line fields; the verdict."""
    outcome = ingest(hub, raw, Envelope(door="ingest", source="fuzz"))
    assert outcome.verdict in VERDICTS, (outcome.verdict, outcome.reasons)
    assert outcome.sha256 == hashlib.sha256(raw).hexdigest()
    assert hub.archive.read(outcome.sha256) == raw
    for field in (outcome.subject, outcome.sender, outcome.message_id):
        assert not any(c in field for c in LINE_BREAKERS), field
    return outcome.verdict


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=messages())
def test_generated_mail_gets_a_verdict_and_is_archived_exactly(fuzz_hub: Hub, raw: bytes
                                                                ) -> None:
    # One hub for every example: a repeated message is a 'duplicate', which is a verdict too.
    assert_kept(fuzz_hub, raw)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw=st.one_of(messages(), st.binary(max_size=400)))
def test_parsing_never_raises_and_gives_one_line_fields(raw: bytes) -> None:
    parsed = parse(raw, MAX_DEPTH)
    one_line = [parsed.subject, parsed.from_name, parsed.from_address, parsed.message_id,
                *parsed.to, *(a.name for a in parsed.attachments),
                *(a.content_type for a in parsed.attachments)]
    for field in one_line:
        assert not any(c in field for c in LINE_BREAKERS), field
    assert "\x00" not in parsed.text and "\x1b" not in parsed.text


# ------------------------------------------------------------------ nesting


def nested(depth: int, inner: bytes = b"Content-Type: text/plain\r\n\r\nBao cao\r\n") -> bytes:
    """A report whose text sits `depth` multiparts deep (attached messages alternate in)."""
    opened, closed = [], []
    for level in range(depth):
        if level % 2:
            opened.append(b"Content-Type: message/rfc822\r\n\r\n")
            continue
        opened.append(b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n'
                      % (level, level))
        closed.insert(0, b"\r\n--n%d--\r\n" % level)
    return (b"From: " + SCHOOL.encode() + b"\r\nTo: totieuhoc.pgdhm@hanoiedu.vn\r\n"
            b"Subject: Bao cao thang 11/2026\r\nMIME-Version: 1.0\r\n" + b"".join(opened) +
            inner + b"".join(closed))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 60, 250, 2000])
def test_mail_nested_past_the_limit_is_quarantined_with_the_reason(fuzz_hub: Hub,
                                                                   depth: int) -> None:
    raw = nested(depth)
    assert assert_kept(fuzz_hub, raw) == "quarantined"
    outcome = ingest(fuzz_hub, raw, Envelope())  # the duplicate reports the first verdict
    assert "quarantined" in outcome.reasons[0]
    from mailhub.audit import show
    hits = show(fuzz_hub, str(outcome.id))["hits"]
    rule = next(h for h in hits if h["rule"] == "sender.parse_failed")
    assert "[filing] max_depth" in rule["detail"] and f"quá giới hạn {MAX_DEPTH}" in rule["detail"]
    assert rule["action"] == "quarantine"


def test_mail_nested_up_to_the_limit_is_read(fuzz_hub: Hub) -> None:
    assert assert_kept(fuzz_hub, nested(MAX_DEPTH)) == "filed"
    assert parse(nested(MAX_DEPTH), MAX_DEPTH).text.strip() == "Bao cao"


def test_the_default_limit_leaves_every_corpus_message_readable() -> None:
    # The deepest message of the shared corpora (flanker's torture.eml) nests 6 levels.
    assert FilingSettings().max_depth >= 6
    assert parse(nested(FilingSettings().max_depth)).unreadable == ""


# ------------------------------------------------------------------ big and broken


def many_parts(count: int) -> bytes:
    parts = b"".join(b'--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: '
                     b'attachment; filename="bc-%d.xlsx"\r\nContent-Transfer-Encoding: base64'
                     b'\r\n\r\nUEsDBA==\r\n' % i for i in range(count))
    return (b"From: " + SCHOOL.encode() + b"\r\nSubject: Bao cao thang 11/2026\r\n"
            b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n' +
            parts + b"--p--\r\n")


def test_thousands_of_parts(fuzz_hub: Hub) -> None:
    raw = many_parts(3000)
    assert assert_kept(fuzz_hub, raw) == "filed"
    assert len(parse(raw).attachments) == 3000


@pytest.mark.parametrize("body, encoding", [
    (b"@@@ not base64 at all ===\r\n====\r\nQUJD\x00RA\r\n", "base64"),
    (b"=ZZ=\r\n=\r\n=C3=A=\r\ntr=E1=BB=9Dng \x00 =\r\n", "quoted-printable"),
    (b"begin 644 ../../etc/passwd\r\n#0V%T\r\nend\r\n", "x-uuencode"),
])
def test_invalid_transfer_encodings(fuzz_hub: Hub, body: bytes, encoding: str) -> None:
    raw = (b"From: " + SCHOOL.encode() + b"\r\nSubject: Bao cao\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="q"\r\n\r\n--q\r\n'
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: " +
           encoding.encode() + b"\r\n\r\n" + body + b"--q\r\nContent-Type: application/pdf; "
           b'name="bc.pdf"\r\nContent-Transfer-Encoding: ' + encoding.encode() + b"\r\n\r\n" +
           body + b"--q--\r\n")
    assert assert_kept(fuzz_hub, raw) == "filed"


def test_nul_bytes_everywhere(fuzz_hub: Hub) -> None:
    raw = (b"From: Tr\x00uong <" + SCHOOL.encode() + b">\r\nSubject: B\x00ao cao\x00\r\n"
           b"Message-ID: <a\x00b@x>\r\n\r\n\x00\x00 b\xe1\xba\xa1o c\x00\xc3\xa1o\r\n")
    assert assert_kept(fuzz_hub, raw) == "filed"


# ------------------------------------------------------------------ memory

# The filing of one message is measured in a process of its own, from the kernel's count of
# its resident memory (C allocations included): the high-water mark is reset once the message
# is built (/proc/self/clear_refs), so building it cannot hide what filing it costs.
MEASURE = textwrap.dedent("""
    import base64, gc, json, re, sys
    from datetime import UTC, datetime
    from mailhub.config import Settings
    from mailhub.hub import open_hub
    from mailhub.pipeline import Envelope, ingest

    def kib(field):
        with open("/proc/self/status") as status:
            return int(re.search(field + r":\\s+(\\d+)", status.read()).group(1)) * 1024

    args = json.loads(sys.argv[1])
    settings = Settings.model_validate(args["settings"])
    hub = open_hub(settings, lambda: datetime(2026, 11, 20, 3, tzinfo=UTC))
    head = b"From: c1dinhcong-hm@hanoiedu.vn\\r\\nSubject: Bao cao thang 11/2026\\r\\n"
    ingest(hub, head + b"\\r\\nwarm up\\r\\n", Envelope())  # imports, caches, the schema
    size, kind = args["size"], args["kind"]
    if kind == "line":
        raw = head + b"\\r\\n" + b"tuyen sinh " * (size // 11) + b"\\r\\n"
    elif kind == "attachment":  # one attachment, base64 in one unbroken line
        raw = (head + b'MIME-Version: 1.0\\r\\nContent-Type: application/pdf; name="a.pdf"'
               b"\\r\\nContent-Transfer-Encoding: base64\\r\\n\\r\\n" +
               base64.b64encode(bytes(size * 3 // 4)) + b"\\r\\n")
    else:  # a report with an attachment, base64 in lines of 76
        data = base64.encodebytes(bytes(size * 3 // 4)).replace(b"\\n", b"\\r\\n")
        raw = (head + b"MIME-Version: 1.0\\r\\nContent-Type: multipart/mixed; boundary=b\\r\\n"
               b"\\r\\n--b\\r\\nContent-Type: text/plain\\r\\n\\r\\ntuyen sinh\\r\\n--b\\r\\n"
               b'Content-Type: application/pdf; name="a.pdf"\\r\\n'
               b"Content-Transfer-Encoding: base64\\r\\n\\r\\n" + data + b"--b--\\r\\n")
    gc.collect()
    with open("/proc/self/clear_refs", "w") as reset:
        reset.write("5")  # the peak (VmHWM) starts again from what is resident now
    before = kib("VmRSS")
    outcome = ingest(hub, raw, Envelope())
    grew = kib("VmHWM") - before
    print(json.dumps({"size": len(raw), "grew": grew, "verdict": outcome.verdict}))
""")
# Measured on CPython 3.11, SQLite and PostgreSQL alike: filing a 50 MB single line raises
# the peak by 4.0x its size, a 20 MB one-line base64 attachment by 3.7x, a 20 MB multipart
# report by 2.7x. The copies: the archive's read (1x), the body as the message's payload
# (1x: neither a message of one part nor a plain multipart one is parsed a line at a time,
# which cost ~3x; what is left to the parser is fed to it a mebibyte at a time, as fed all
# at once it held the text 4 bytes a character), mail-parser's decoded text and the
# cleaned body text. 6x leaves room for another allocator; going past it means a new
# whole-message copy somewhere.
PEAK_PER_BYTE = 6
PEAK_CONSTANT = 32 << 20


@pytest.mark.parametrize("kind, size", [("line", 50_000_000), ("attachment", 20_000_000),
                                        ("multipart", 20_000_000)])
def test_memory_grows_in_proportion_to_the_message(settings: Settings, kind: str,
                                                   size: int) -> None:
    args = {"settings": json.loads(settings.model_dump_json()), "kind": kind, "size": size}
    done = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(args)], check=True,
                          capture_output=True, text=True, timeout=300)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{kind} {found['size'] / 1e6:.0f} MB: peak grew {found['grew'] / 1e6:.0f} MB = "
          f"{found['grew'] / found['size']:.1f}x")
    assert found["verdict"] == "filed"
    assert found["grew"] < PEAK_PER_BYTE * found["size"] + PEAK_CONSTANT

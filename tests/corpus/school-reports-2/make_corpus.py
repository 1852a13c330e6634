#!/usr/bin/env python3
"""Generate the "holdout2" corpus of school report e-mails.

Written independently of tests/corpus/school-reports/ (a second writer, a
second set of clerks).  Standard library only, fixed seed: running it again
rewrites byte-identical files::

    python3 tests/corpus/school-reports-2/make_corpus.py

Writes mail/NNN.eml, labels.csv next to this file.  See README.md for the
label rules.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import os
import quopri
import random
import shutil
import sys
import unicodedata
import zipfile
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy as email_policy, utils as email_utils
from email.generator import BytesGenerator
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from html.entities import codepoint2name
from urllib.parse import quote as urlquote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
UNITS_CSV = os.path.join(ROOT, "data", "units.csv")
MAIL_DIR = os.path.join(HERE, "mail")
LABELS = os.path.join(HERE, "labels.csv")
SEED = 20261120
SET_NAME = "holdout2"
TZ7 = timezone(timedelta(hours=7))

TOPICS = [
    "tuyen-sinh", "phat-trien-doi-ngu", "xa-hoi-hoa", "co-so-vat-chat",
    "truong-chuan-quoc-gia", "kiem-dinh-chat-luong", "thu-chi", "quy-che-dan-chu",
    "truong-hoc-an-toan", "ky-nang-song", "ve-sinh-an-toan-thuc-pham", "dinh-duong",
    "dao-duc-loi-song", "danh-gia-hoc-sinh", "esams", "truong-hoc-dien-tu", "vnen",
    "day-bo-tro", "day-them-hoc-them", "so-diem-dien-tu", "stem", "ngoai-ngu",
    "hoc-sinh-gioi", "day-nghe", "bao-cao-thang", "du-luan", "guong-dien-hinh",
]


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------

def load_units():
    with open(UNITS_CSV, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    units = {r["code"]: r for r in rows}
    teams = {r["levels"]: r for r in rows if r["kind"] == "TEAM" and r["levels"]}
    emails = {r["email"].lower() for r in rows}
    return units, teams, emails


UNITS, TEAMS, KNOWN_EMAILS = load_units()
PGD = UNITS["PGD-HM"]


def short_name(unit):
    """'Trường Mầm non tư thục Hoa Cúc' -> 'MN Hoa Cúc'."""
    name = unit["name"]
    for long, short in (("Trường Mầm non tư thục ", "MN "), ("Trường Tiểu học tư thục ", "TH "),
                        ("Trường Mầm non ", "MN "), ("Trường Tiểu học ", "TH "),
                        ("Trường THCS ", "THCS ")):
        if name.startswith(long):
            return short + name[len(long):]
    return name


# --------------------------------------------------------------------------
# text forms and legacy encodings
# --------------------------------------------------------------------------

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
PUNCT_ASCII = {"\u2013": "-", "\u2014": "-", "\u201c": '"', "\u201d": '"', "\u2018": "'",
               "\u2019": "'", "\u2026": "...", "\u00a0": " ", "\u2022": "-"}


def strip_diacritics(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    for k, v in PUNCT_ASCII.items():
        s = s.replace(k, v)
    return "".join(ch for ch in unicodedata.normalize("NFD", s) if not unicodedata.combining(ch))


def cp1258_bytes(s: str) -> bytes:
    """Windows-1258 the way Windows writes it: base letters (with their
    circumflex/breve/horn, which cp1258 has precomposed) followed by the tone
    as a combining mark."""
    out = []
    for ch in unicodedata.normalize("NFC", s):
        d = unicodedata.normalize("NFD", ch)
        tones = "".join(x for x in d if x in TONE_MARKS)
        if tones:
            base = unicodedata.normalize("NFC", "".join(x for x in d if x not in TONE_MARKS))
            out.append(base + tones)
        else:
            out.append(ch)
    return "".join(out).encode("cp1258")


# TCVN 5712:1993 "VN3" (the ABC / .VnTime fonts).  Upper-case letters with a
# tone have no code of their own: documents typed in an upper-case font
# (.VnTimeH) store the lower-case code, so that is what gets pasted.
_TCVN3_PAIRS = (
    "Ă\xa1 Â\xa2 Ê\xa3 Ô\xa4 Ơ\xa5 Ư\xa6 Đ\xa7 ă\xa8 â\xa9 ê\xaa ô\xab ơ\xac ư\xad đ\xae "
    "à\xb5 ả\xb6 ã\xb7 á\xb8 ạ\xb9 ằ\xbb ẳ\xbc ẵ\xbd ắ\xbe ặ\xc6 "
    "ầ\xc7 ẩ\xc8 ẫ\xc9 ấ\xca ậ\xcb è\xcc ẻ\xce ẽ\xcf é\xd0 ẹ\xd1 "
    "ề\xd2 ể\xd3 ễ\xd4 ế\xd5 ệ\xd6 ì\xd7 ỉ\xd8 ĩ\xdc í\xdd ị\xde "
    "ò\xdf ỏ\xe1 õ\xe2 ó\xe3 ọ\xe4 ồ\xe5 ổ\xe6 ỗ\xe7 ố\xe8 ộ\xe9 "
    "ờ\xea ở\xeb ỡ\xec ớ\xed ợ\xee ù\xef ủ\xf1 ũ\xf2 ú\xf3 ụ\xf4 "
    "ừ\xf5 ử\xf6 ữ\xf7 ứ\xf8 ự\xf9 ỳ\xfa ỷ\xfb ỹ\xfc ý\xfd ỵ\xfe"
)
TCVN3 = {pair[0]: ord(pair[1]) for pair in _TCVN3_PAIRS.split(" ")}
assert len(TCVN3) == 74, len(TCVN3)  # 14 letters with a hat or đ + 12 vowels x 5 tones


def tcvn3_bytes(s: str) -> bytes:
    out = bytearray()
    for ch in unicodedata.normalize("NFC", s):
        if ord(ch) < 128:
            out.append(ord(ch))
        elif ch in TCVN3:
            out.append(TCVN3[ch])
        elif ch.lower() in TCVN3:
            out.append(TCVN3[ch.lower()])
        else:
            out.extend(PUNCT_ASCII.get(ch, "?").encode("ascii"))
    return bytes(out)


assert tcvn3_bytes("Báo cáo") == b"B\xb8o c\xb8o"


def encode_text(text: str, form: str) -> bytes:
    if form == "nfc":
        return unicodedata.normalize("NFC", text).encode("utf-8")
    if form == "nfd":
        return unicodedata.normalize("NFD", text).encode("utf-8")
    if form == "cp1258":
        return cp1258_bytes(text)
    if form == "tcvn3":
        return tcvn3_bytes(text)
    if form == "ascii":
        return strip_diacritics(text).encode("ascii")
    raise ValueError(form)


# profile -> (charset label or None, Content-Transfer-Encoding, byte form)
PROFILES = {
    "b64": ("utf-8", "base64", "nfc"),
    "B64": ("UTF-8", "base64", "nfc"),
    "qp": ("utf-8", "quoted-printable", "nfc"),
    "QP": ("UTF-8", "quoted-printable", "nfc"),
    "8bit": ("utf-8", "8bit", "nfc"),
    "nfd-b64": ("utf-8", "base64", "nfd"),
    "nfd-qp": ("UTF-8", "quoted-printable", "nfd"),
    "nfd-8bit": ("utf-8", "8bit", "nfd"),
    "cp1258-qp": ("windows-1258", "quoted-printable", "cp1258"),
    "cp1258-8bit": ("windows-1258", "8bit", "cp1258"),
    "cp1258-b64": ("Windows-1258", "base64", "cp1258"),
    "tcvn3-8bit": ("iso-8859-1", "8bit", "tcvn3"),
    "tcvn3-qp": ("ISO-8859-1", "quoted-printable", "tcvn3"),
    "ascii": ("us-ascii", "7bit", "ascii"),
    # deliberately mislabelled
    "mis-latin1": ("iso-8859-1", "quoted-printable", "nfc"),   # UTF-8 bytes said to be Latin-1
    "mis-none": (None, "8bit", "nfc"),                         # UTF-8 bytes, no charset at all
    "mis-1252": ("windows-1252", "base64", "nfc"),             # UTF-8 bytes said to be cp1252
    "mis-utf8": ("utf-8", "quoted-printable", "cp1258"),       # cp1258 bytes said to be UTF-8
}


def cte_encode(b: bytes, cte: str) -> str:
    if cte == "base64":
        return base64.encodebytes(b).decode("ascii")
    if cte == "quoted-printable":
        return quopri.encodestring(b).decode("ascii")
    return b.decode("ascii", "surrogateescape")


# --------------------------------------------------------------------------
# headers
# --------------------------------------------------------------------------

def q_word(b: bytes) -> str:
    out = []
    for x in b:
        c = chr(x)
        if c == " ":
            out.append("_")
        elif c.isascii() and (c.isalnum() or c in "!*+-/"):
            out.append(c)
        else:
            out.append("=%02X" % x)
    return "".join(out)


def encoded_words(text: str, mode: str = "B", charset: str = "utf-8", form: str = "nfc",
                  size: int = 42, exact_split: bool = False, fold: str = "\n ") -> str:
    """RFC 2047 encoded words, folded."""
    b = encode_text(text, form)
    if form in ("nfc", "nfd") and not exact_split:
        # split on characters of the chosen normal form
        t = unicodedata.normalize("NFD" if form == "nfd" else "NFC", text)
        pieces, cur = [], b""
        for ch in t:
            eb = ch.encode("utf-8")
            if cur and len(cur) + len(eb) > size:
                pieces.append(cur)
                cur = b""
            cur += eb
        pieces.append(cur)
    else:
        pieces = [b[i:i + size] for i in range(0, len(b), size)]
    words = []
    for p in pieces:
        if mode.upper() == "B":
            words.append("=?%s?%s?%s?=" % (charset, mode, base64.b64encode(p).decode("ascii")))
        else:
            words.append("=?%s?%s?%s?=" % (charset, mode, q_word(p)))
    return fold.join(words)


def raw8(text: str, form: str = "nfc") -> str:
    """Header value carried as raw 8-bit bytes (no RFC 2047)."""
    return encode_text(text, form).decode("ascii", "surrogateescape")


def needs_encoding(s: str) -> bool:
    return any(ord(c) > 127 for c in s)


def subject_value(subj: str, senc: str) -> str:
    """senc: ascii | B | b | Q | q | Bsplit | raw | nfdB | cp1258Q | tcvn3Q |
    prefix:<enc> (leading Re:/TL: kept in clear, rest encoded) | latin1B-utf8
    (UTF-8 bytes in a word labelled iso-8859-1)"""
    if senc.startswith("prefix:"):
        enc = senc.split(":", 1)[1]
        head, _, rest = subj.partition(": ")
        if needs_encoding(head):   # "Trả lời:", "Chuyển tiếp:" get encoded with the rest
            return subject_value(subj, enc)
        return head + ": " + subject_value(rest, enc)
    if (senc == "ascii" or not needs_encoding(subj)) and senc != "tcvn3Q":
        return subj
    if senc == "B":
        return encoded_words(subj, "B", "UTF-8")
    if senc == "b":
        return encoded_words(subj, "b", "utf-8", size=60)
    if senc == "Q":
        return encoded_words(subj, "Q", "UTF-8", size=30)
    if senc == "q":
        return encoded_words(subj, "q", "utf-8", size=24, fold=" ")
    if senc == "Bsplit":
        return encoded_words(subj, "B", "UTF-8", size=19, exact_split=True)
    if senc == "raw":
        return raw8(subj)
    if senc == "nfdB":
        return encoded_words(subj, "B", "utf-8", form="nfd")
    if senc == "cp1258Q":
        return encoded_words(subj, "Q", "windows-1258", form="cp1258", size=40)
    if senc == "tcvn3Q":
        return encoded_words(subj, "Q", "iso-8859-1", form="tcvn3", size=40)
    if senc == "latin1B-utf8":
        return encoded_words(subj, "B", "iso-8859-1", form="nfc", size=45, exact_split=True)
    raise ValueError(senc)


def addr_value(name: str | None, addr: str, how: str = "B") -> str:
    if not name:
        return addr if how != "angle" else "<%s>" % addr
    if not needs_encoding(name):
        if any(c in name for c in '(),.:;<>@[]"'):
            return '"%s" <%s>' % (name.replace('"', ""), addr)
        return "%s <%s>" % (name, addr)
    if how == "raw":
        return '"%s" <%s>' % (raw8(name), addr)
    if how == "Q":
        return "%s <%s>" % (encoded_words(name, "Q", "utf-8", size=60, fold=" "), addr)
    if how == "cp1258":
        return "%s <%s>" % (encoded_words(name, "Q", "windows-1258", form="cp1258", size=60,
                                          fold=" "), addr)
    return "%s <%s>" % (encoded_words(name, "B", "UTF-8", size=60, fold=" "), addr)


# --------------------------------------------------------------------------
# MIME parts
# --------------------------------------------------------------------------

def text_part(text: str, subtype: str, profile: str, flowed: bool = False) -> Message:
    cs, cte, form = PROFILES[profile]
    m = Message()
    ct = "text/%s" % subtype
    if cs:
        ct += '; charset="%s"' % cs if profile in ("b64", "qp", "cp1258-qp", "nfd-b64") else "; charset=%s" % cs
    if flowed:
        ct += "; format=flowed"
    m["Content-Type"] = ct
    m["Content-Transfer-Encoding"] = cte
    m.set_payload(cte_encode(encode_text(text, form), cte))
    return m


def multipart(subtype: str, boundary: str, parts, preamble: str | None = None) -> Message:
    m = Message()
    m["Content-Type"] = 'multipart/%s;\n\tboundary="%s"' % (subtype, boundary)
    for p in parts:
        m.attach(p)
    if preamble:
        m.preamble = preamble
    return m


MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "rar": "application/x-rar-compressed",
}


def attachment_part(filename: str, data: bytes, aenc: str, octet: bool = False) -> Message:
    ext = filename.rsplit(".", 1)[-1].lower()
    ctype = "application/octet-stream" if octet else MIME_TYPES.get(ext, "application/octet-stream")
    m = Message()
    ascii_name = not needs_encoding(filename)
    if ascii_name or aenc == "plain":
        name = strip_diacritics(filename) if not ascii_name else filename
        m["Content-Type"] = '%s;\n\tname="%s"' % (ctype, name)
        m["Content-Disposition"] = 'attachment;\n\tfilename="%s"' % name
    elif aenc == "2231":
        # Thunderbird style: RFC 2047 in name=, RFC 2231 in filename*=
        m["Content-Type"] = '%s;\n name="%s"' % (ctype, encoded_words(filename, "B", "UTF-8", size=40, fold="\n "))
        m["Content-Disposition"] = "attachment;\n filename*=UTF-8''%s" % urlquote(filename, safe="")
    elif aenc == "2231only":
        m["Content-Type"] = ctype
        m["Content-Disposition"] = "attachment; filename*=utf-8''%s" % urlquote(filename, safe="")
    elif aenc == "2231cont":
        q = urlquote(filename, safe="")
        cut = [q[i:i + 40] for i in range(0, len(q), 40)]
        # do not cut inside a %XX escape
        fixed, carry = [], ""
        for piece in cut:
            piece = carry + piece
            carry = ""
            k = piece.rfind("%")
            if k != -1 and k > len(piece) - 3:
                carry = piece[k:]
                piece = piece[:k]
            fixed.append(piece)
        if carry:
            fixed.append(carry)
        params = ";\n ".join(
            ("filename*%d*=utf-8''%s" % (i, p)) if i == 0 else ("filename*%d*=%s" % (i, p))
            for i, p in enumerate(fixed))
        m["Content-Type"] = ctype
        m["Content-Disposition"] = "attachment;\n " + params
    elif aenc == "2047B":
        w = encoded_words(filename, "B", "UTF-8", size=45, fold="\n ")
        m["Content-Type"] = '%s; name="%s"' % (ctype, w)
        m["Content-Disposition"] = 'attachment; filename="%s"' % w
    elif aenc == "2047Q":
        w = encoded_words(filename, "Q", "utf-8", size=40, fold=" ")
        m["Content-Type"] = '%s;\n\tname="%s"' % (ctype, w)
        m["Content-Disposition"] = 'attachment;\n\tfilename="%s"' % w
    elif aenc == "raw":
        m["Content-Type"] = '%s; name="%s"' % (ctype, raw8(filename))
        m["Content-Disposition"] = 'attachment; filename="%s"' % raw8(filename)
    elif aenc == "cp1258":
        w = encoded_words(filename, "Q", "windows-1258", form="cp1258", size=40, fold=" ")
        m["Content-Type"] = '%s; name="%s"' % (ctype, w)
        m["Content-Disposition"] = 'attachment; filename="%s"' % w
    else:
        raise ValueError(aenc)
    m["Content-Transfer-Encoding"] = "base64"
    m.set_payload(base64.encodebytes(data).decode("ascii"))
    return m


def _zip(files, when) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, content in files:
            zi = zipfile.ZipInfo(name, date_time=when)
            zi.compress_type = zipfile.ZIP_STORED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, content)
    return buf.getvalue()


def _xml(s: str) -> str:
    return html.escape(s, quote=True)


def fake_document(filename: str, lines, when: datetime) -> bytes:
    """Small but well-formed stand-ins for what schools attach."""
    ext = filename.rsplit(".", 1)[-1].lower()
    dt = (when.year, when.month, when.day, when.hour, when.minute, 0)
    if ext == "docx":
        body = "".join('<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % _xml(x) for x in lines)
        return _zip([
            ("[Content_Types].xml",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
             '</Types>'),
            ("_rels/.rels",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
             '</Relationships>'),
            ("word/document.xml",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             '<w:body>%s</w:body></w:document>' % body),
        ], dt)
    if ext == "xlsx":
        rows = "".join(
            '<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (i + 1, i + 1, _xml(x))
            for i, x in enumerate(lines))
        return _zip([
            ("[Content_Types].xml",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
             '</Types>'),
            ("_rels/.rels",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
             '</Relationships>'),
            ("xl/workbook.xml",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
            ("xl/_rels/workbook.xml.rels",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
             '</Relationships>'),
            ("xl/worksheets/sheet1.xml",
             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData>%s</sheetData></worksheet>' % rows),
        ], dt)
    if ext == "pdf":
        text = " ".join(strip_diacritics(x) for x in lines)[:400].replace("(", "[").replace(")", "]")
        stream = "BT /F1 11 Tf 50 780 Td (%s) Tj ET" % text
        return ("%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
                "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n"
                "4 0 obj << /Length %d >> stream\n%s\nendstream endobj\n"
                "trailer << /Root 1 0 R >>\n%%%%EOF\n" % (len(stream), stream)).encode("latin-1")
    if ext == "jpg":
        seed = sum(map(ord, filename))
        r = random.Random(seed)
        return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
                + bytes(r.randrange(256) for _ in range(600)) + b"\xff\xd9")
    if ext in ("doc", "xls"):
        text = "\n".join(lines).encode("cp1258", "replace")
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + text
    return "\n".join(lines).encode("utf-8")


# --------------------------------------------------------------------------
# body blocks -> plain text / HTML
# --------------------------------------------------------------------------

def render_plain(blocks, table_style: str = "pipe") -> str:
    out = []
    for b in blocks:
        kind = b[0]
        if kind in ("p", "pre", "h"):
            out.append(b[1])
        elif kind == "blank":
            out.append("")
            continue
        elif kind == "ul":
            out.append("\n".join("- " + x for x in b[1]))
        elif kind == "ol":
            out.append("\n".join("%d. %s" % (i + 1, x) for i, x in enumerate(b[1])))
        elif kind == "table":
            hdr, rows = b[1], b[2]
            if table_style == "tab":
                out.append("\n".join("\t".join(r) for r in [hdr] + rows))
            else:
                out.append("\n".join("| " + " | ".join(r) + " |" for r in [hdr] + rows))
        elif kind == "quote":
            inner = render_plain(b[1], table_style)
            out.append("\n".join((">" + (" " + ln if ln else "")) for ln in inner.split("\n")))
        elif kind == "raw":
            out.append(b[1])
        else:
            raise ValueError(kind)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def html_escape(s: str, entities: str | None) -> str:
    s = html.escape(s, quote=False)
    if not entities:
        return s
    out = []
    for ch in s:
        o = ord(ch)
        if o < 128:
            out.append(ch)
        elif entities == "named" and o in codepoint2name:
            out.append("&%s;" % codepoint2name[o])
        elif entities == "hex":
            out.append("&#x%X;" % o)
        else:
            out.append("&#%d;" % o)
    return "".join(out)


def render_html(blocks, entities: str | None = None, flavour: str = "div") -> str:
    e = lambda s: html_escape(s, entities).replace("\n", "<br>\n")  # noqa: E731
    parts = []
    for b in blocks:
        kind = b[0]
        if kind == "p" or kind == "raw":
            if flavour == "word":
                parts.append('<p class=MsoNormal><span style=\'font-size:13.0pt;font-family:"Times New Roman",serif\'>%s<o:p></o:p></span></p>' % e(b[1]))
            elif flavour == "p":
                parts.append("<p>%s</p>" % e(b[1]))
            else:
                parts.append("<div>%s</div>" % e(b[1]))
        elif kind == "pre":
            parts.append('<pre style="font-family:Times New Roman">%s</pre>' % html_escape(b[1], entities))
        elif kind == "h":
            parts.append('<p align="center"><b>%s</b></p>' % e(b[1]))
        elif kind == "blank":
            parts.append("<div><br></div>")
        elif kind == "ul":
            parts.append("<ul>%s</ul>" % "".join("<li>%s</li>" % e(x) for x in b[1]))
        elif kind == "ol":
            parts.append("<ol>%s</ol>" % "".join("<li>%s</li>" % e(x) for x in b[1]))
        elif kind == "table":
            hdr, rows = b[1], b[2]
            t = ['<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse">']
            t.append("<tr>%s</tr>" % "".join("<th>%s</th>" % e(x) for x in hdr))
            for r in rows:
                t.append("<tr>%s</tr>" % "".join("<td>%s</td>" % e(x) for x in r))
            t.append("</table>")
            parts.append("\n".join(t))
        elif kind == "quote":
            parts.append('<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">%s</blockquote>'
                         % render_html(b[1], entities, flavour="div"))
        else:
            raise ValueError(kind)
    inner = "\n".join(parts)
    if flavour == "word":
        return ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">\n'
                '<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">'
                '<meta name=Generator content="Microsoft Word 15 (filtered medium)"></head>\n'
                '<body lang=EN-US link="#0563C1" vlink="#954F72"><div class=WordSection1>\n%s\n</div></body></html>\n' % inner)
    if flavour == "frag":
        return '<div dir="ltr">%s</div>\n' % inner
    return "<html><head><meta charset=\"utf-8\"></head><body>\n%s\n</body></html>\n" % inner


# --------------------------------------------------------------------------
# what the schools write about
# --------------------------------------------------------------------------

def P(t):
    return ("p", t)


def H(t):
    return ("h", t)


def UL(x):
    return ("ul", x)


def OL(x):
    return ("ol", x)


def TB(h, r):
    return ("table", h, r)


class Ctx:
    def __init__(self, rng, unit, sent, period, pb):
        self.rng = rng
        self.unit = unit
        self.lv = unit["kind"] if unit["kind"] in ("MN", "TH", "THCS") else "TH"
        self.school = unit["name"]
        self.short = short_name(unit)
        self.ward = unit["ward"] or "Hoàng Liệt"
        self.sent = sent
        self.py, self.pm = period
        self.pb = pb                      # how the period is written in the body, or None
        y = sent.year
        self.nh = "%d-%d" % (y, y + 1) if sent.month >= 8 else "%d-%d" % (y - 1, y)
        # the school year an enrolment round is for: until September it is the one starting this year
        self.nh_next = "%d-%d" % (y, y + 1) if sent.month <= 9 else "%d-%d" % (y + 1, y + 2)
        self.hs = "trẻ" if self.lv == "MN" else "học sinh"
        self.HS = "Trẻ" if self.lv == "MN" else "Học sinh"
        self.team = TEAMS[self.lv]

    def n(self, a, b):
        return self.rng.randint(a, b)

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def k(self, before="", fallback=""):
        """the body's period phrase, or a fallback when the body omits it"""
        return before + self.pb if self.pb else fallback

    def pct(self, a, b):
        return "%d/%d (%.1f%%)" % (a, b, 100.0 * a / b)


MONTH_EVENTS = {
    1: "sơ kết học kỳ I và tổ chức các hoạt động mừng Đảng, mừng Xuân",
    2: "nghỉ Tết Nguyên đán Bính Ngọ theo lịch, sau Tết duy trì tỷ lệ chuyên cần và tổ chức \"Tết trồng cây\"",
    3: "kỷ niệm ngày Quốc tế Phụ nữ 8/3 và ngày thành lập Đoàn TNCS Hồ Chí Minh 26/3",
    4: "kỷ niệm Giỗ Tổ Hùng Vương và ngày Giải phóng miền Nam, thống nhất đất nước 30/4",
    5: "kỷ niệm ngày sinh Chủ tịch Hồ Chí Minh 19/5, tổng kết năm học",
    6: "tổ chức sinh hoạt hè tại địa phương",
    7: "tham gia lớp bồi dưỡng chính trị hè",
    8: "chuẩn bị các điều kiện cho năm học mới",
    9: "tổ chức Lễ khai giảng năm học mới và đêm hội Trăng rằm cho học sinh",
    10: "kỷ niệm ngày Phụ nữ Việt Nam 20/10",
    11: "tổ chức các hoạt động thi đua chào mừng ngày Nhà giáo Việt Nam 20/11",
    12: "kỷ niệm ngày thành lập Quân đội nhân dân Việt Nam 22/12 và tổ chức hội thi giáo viên dạy giỏi cấp trường",
}


# ---- tuyển sinh ---------------------------------------------------------

def ts_0(c):
    grade = {"MN": "nhà trẻ và mẫu giáo", "TH": "lớp 1", "THCS": "lớp 6"}[c.lv]
    pop = c.n(260, 520)
    cls = c.n(5, 9)
    per = c.n(30, 35) if c.lv != "MN" else c.n(25, 30)
    return [
        P("Căn cứ kết quả điều tra trẻ trong độ tuổi trên địa bàn phường %s, năm học %s có %d %s "
          "thuộc diện tuyển sinh vào %s của trường." % (c.ward, c.nh_next, pop, c.hs, grade)),
        P("Nhà trường dự kiến tuyển %d lớp, chỉ tiêu %d %s (bình quân %d %s/lớp). Kế hoạch tuyển sinh đã được "
          "niêm yết tại cổng trường, đăng trên trang thông tin điện tử của trường và gửi các tổ dân phố." % (
              cls, cls * per, c.hs, per, c.hs)),
        TB(["Nội dung", "Số lượng", "Ghi chú"], [
            ["Số %s trong độ tuổi" % c.hs, str(pop), "theo điều tra phổ cập"],
            ["Số lớp dự kiến", str(cls), ""],
            ["Chỉ tiêu tuyển mới", str(cls * per), "đúng tuyến"],
        ]),
        P("Thời gian nhận hồ sơ trực tuyến và trực tiếp thực hiện theo lịch chung của Thành phố. Nhà trường "
          "phân công cán bộ trực hỗ trợ cha mẹ %s đăng ký trên hệ thống tuyển sinh đầu cấp." % c.hs),
    ]


def ts_1(c):
    online = c.n(180, 420)
    direct = c.n(5, 40)
    right = online + direct - c.n(10, 30)
    conf = right + c.n(0, 12)
    grade = {"MN": "trẻ mẫu giáo 3 tuổi", "TH": "học sinh lớp 1", "THCS": "học sinh lớp 6"}[c.lv]
    return [
        P("Kết quả tuyển sinh %s năm học %s%s như sau:" % (grade, c.nh_next, c.k(" (", "") + (")" if c.pb else ""))),
        OL([
            "Tổng số hồ sơ đăng ký trực tuyến: %d; đăng ký trực tiếp tại trường: %d." % (online, direct),
            "Số hồ sơ đúng tuyến: %d; trái tuyến có nguyện vọng: %d." % (right, online + direct - right),
            "Số %s đã xác nhận nhập học: %d." % (c.hs, conf),
            "Số hồ sơ bị từ chối do sai thông tin cư trú: %d (đã hướng dẫn phụ huynh bổ sung)." % c.n(0, 6),
        ]),
        P("Trường không có hiện tượng thu tiền trái quy định trong quá trình tuyển sinh. Một số phụ huynh "
          "gặp khó khăn khi nhập mã định danh, nhà trường đã hỗ trợ trực tiếp."),
    ]


def ts_2(c):
    nt = c.n(40, 90)
    mg3, mg4, mg5 = c.n(70, 130), c.n(60, 110), c.n(70, 120)
    return [
        P("Trường %s báo cáo số liệu trẻ trong độ tuổi và khả năng tiếp nhận%s:" % (c.short, c.k(" ", ""))),
        TB(["Độ tuổi", "Số trẻ điều tra", "Khả năng tiếp nhận", "Ghi chú"], [
            ["Nhà trẻ (24-36 tháng)", str(nt + c.n(20, 60)), str(nt), "thiếu phòng nhóm"],
            ["Mẫu giáo 3 tuổi", str(mg3 + c.n(0, 25)), str(mg3), ""],
            ["Mẫu giáo 4 tuổi", str(mg4 + c.n(0, 10)), str(mg4), ""],
            ["Mẫu giáo 5 tuổi", str(mg5), str(mg5), "100% trẻ 5 tuổi ra lớp"],
        ]),
        P("Nhà trường đề nghị Phòng xem xét phân bổ bớt trẻ nhà trẻ sang các trường lân cận do số phòng nhóm "
          "hiện có chưa đáp ứng."),
    ]


def ts_3(c):
    return [
        P("Thực hiện đề nghị của Phòng về việc rà soát địa bàn tuyển sinh năm học %s, trường %s có ý kiến:"
          % (c.nh_next, c.short)),
        UL([
            "Giữ nguyên địa bàn tuyển sinh gồm các tổ dân phố số %d đến %d phường %s." % (c.n(1, 5), c.n(12, 20), c.ward),
            "Đề nghị chuyển tổ dân phố %d (khu đô thị mới) sang tuyển sinh tại trường lân cận do số %s tăng "
            "đột biến, vượt khả năng tiếp nhận." % (c.n(21, 30), c.hs),
            "Dự kiến số lớp tuyển mới: %d lớp, sĩ số tối đa %d %s/lớp." % (c.n(6, 10), 45 if c.lv == "THCS" else 35, c.hs),
        ]),
        P("Kèm theo là bảng thống kê số %s theo từng tổ dân phố." % c.hs),
    ]


def ts_4(c):
    inn = c.n(4, 15)
    out = c.n(1, 8)
    return [
        P("Báo cáo tình hình tiếp nhận %s chuyển đến, chuyển đi và tuyển sinh bổ sung%s:" % (c.hs, c.k(" ", ""))),
        UL([
            "Tiếp nhận chuyển đến: %d %s (trong đó %d từ tỉnh khác)." % (inn, c.hs, c.n(0, inn // 2)),
            "Chuyển đi: %d %s." % (out, c.hs),
            "Tuyển sinh bổ sung vào lớp đầu cấp: %d %s sau đợt tuyển sinh chính." % (c.n(2, 9), c.hs),
        ]),
        P("Các trường hợp chuyển đến đều có hồ sơ hợp lệ, đúng địa bàn cư trú."),
    ]


# ---- phát triển đội ngũ -------------------------------------------------

def dn_0(c):
    tot = c.n(38, 80)
    ok = tot - c.n(0, 2)
    return [
        P("Kết quả bồi dưỡng thường xuyên (BDTX) năm học %s của %s:" % (c.nh, c.school)),
        TB(["Đối tượng", "Số người tham gia", "Hoàn thành", "Chưa hoàn thành"], [
            ["Cán bộ quản lý", "3", "3", "0"],
            ["Giáo viên", str(tot), str(ok), str(tot - ok)],
        ]),
        P("Các module tự chọn được giáo viên đăng ký chủ yếu về phương pháp dạy học tích cực, ứng dụng CNTT "
          "và đánh giá học sinh theo chương trình mới. Trường chưa hoàn thành là do giáo viên nghỉ thai sản."),
        P("Đề xuất: tăng thời lượng bồi dưỡng trực tiếp, giảm bồi dưỡng qua tài liệu."),
    ]


def dn_1(c):
    names = ["Nguyễn Thị Thu Trang", "Lê Thị Hồng Nhung", "Phạm Minh Châu", "Đỗ Thị Hà", "Trần Thị Phương",
             "Vũ Thanh Hương", "Bùi Thị Lan", "Hoàng Thị Mai Anh"]
    c.rng.shuffle(names)
    rows = [[str(i + 1), nm, c.pick(["Toán", "Tiếng Việt", "Tiếng Anh", "Mỹ thuật", "Âm nhạc", "GDTC"]),
             c.pick(["GV hạng III", "GV hạng II"])] for i, nm in enumerate(names[:c.n(4, 7)])]
    return [
        P("%s gửi danh sách cán bộ, giáo viên tham gia lớp bồi dưỡng chuyên môn hè theo kế hoạch của Phòng:" % c.school),
        TB(["STT", "Họ và tên", "Môn dạy", "Hạng chức danh"], rows),
        P("Nhà trường cam kết cử giáo viên tham gia đầy đủ, đúng thời gian và hoàn thành bài thu hoạch."),
    ]


def dn_2(c):
    need = c.n(3, 9)
    return [
        P("Tổng số biên chế được giao năm học %s: %d; hiện có %d viên chức, %d hợp đồng lao động." % (
            c.nh, c.n(55, 80), c.n(45, 60), c.n(6, 15))),
        P("Theo định mức, nhà trường còn thiếu %d giáo viên (%d giáo viên %s, %d nhân viên). Đề nghị Phòng "
          "báo cáo UBND quận bổ sung chỉ tiêu tuyển dụng viên chức, trong thời gian chờ tuyển dụng cho phép "
          "trường hợp đồng giáo viên theo Nghị định 111/2022/NĐ-CP." % (
              need, need - 1, "mầm non" if c.lv == "MN" else "văn hóa", 1)),
        P("Số giáo viên chưa đạt chuẩn trình độ đào tạo theo Luật Giáo dục 2019: %d người, đang học nâng chuẩn." % c.n(0, 4)),
    ]


def dn_3(c):
    return [
        P("Danh sách viên chức đủ điều kiện, tiêu chuẩn dự xét thăng hạng chức danh nghề nghiệp giáo viên "
          "từ hạng III lên hạng II%s:" % c.k(" đợt ", "")),
        TB(["STT", "Họ và tên", "Năm sinh", "Trình độ", "Ghi chú"], [
            ["1", "Nguyễn Thị Kim Dung", "1985", "ĐHSP", ""],
            ["2", "Trần Văn Hải", "1988", "ThS", ""],
            ["3", "Phạm Thị Thúy Hằng", "1990", "ĐHSP", "có chứng chỉ bồi dưỡng hạng II"],
        ]),
        P("Hồ sơ của từng người đã được hội đồng nhà trường thẩm định, niêm yết công khai 05 ngày làm việc, "
          "không có ý kiến thắc mắc."),
    ]


def dn_4(c):
    t = c.n(30, 60)
    a, b = c.n(10, 20), c.n(10, 25)
    return [
        P("Kết quả đánh giá giáo viên theo chuẩn nghề nghiệp năm học %s:" % c.nh),
        UL(["Tổng số giáo viên được đánh giá: %d" % t,
            "Mức Tốt: %d; Khá: %d; Đạt: %d; Chưa đạt: 0" % (a, b, t - a - b),
            "Đánh giá hiệu trưởng, phó hiệu trưởng theo chuẩn: đạt mức Khá trở lên"]),
        P("Kế hoạch bồi dưỡng giáo viên năm học tới tập trung vào các tiêu chí còn hạn chế: phát triển "
          "chuyên môn bản thân và ứng dụng CNTT trong dạy học."),
    ]


# ---- xã hội hóa ---------------------------------------------------------

def xh_0(c):
    rows = [["1", "Ban đại diện cha mẹ %s" % c.hs, "Hiện vật: 06 ti vi 55 inch", "%d.000.000" % c.n(50, 80)],
            ["2", "Công ty CP Thực phẩm Hà Thành", "Tiền mặt (qua tài khoản)", "%d.000.000" % c.n(10, 30)],
            ["3", "Hội Cựu giáo chức phường %s" % c.ward, "Học bổng", "%d.000.000" % c.n(5, 12)]]
    return [
        P("Tổng hợp kết quả vận động, tiếp nhận tài trợ năm học %s theo Thông tư 16/2018/TT-BGDĐT:" % c.nh),
        TB(["STT", "Nhà tài trợ", "Hình thức", "Giá trị (đồng)"], rows),
        P("Các khoản tài trợ đều trên tinh thần tự nguyện, không ép buộc, được công khai trên bảng tin và "
          "quyết toán đầy đủ. Nhà trường không vận động tài trợ bình quân hay đồng loạt."),
    ]


def xh_1(c):
    return [
        P("Nhà trường xây dựng kế hoạch vận động tài trợ năm học %s với các nội dung:" % c.nh),
        OL(["Mục đích: tăng cường cơ sở vật chất phục vụ các hoạt động giáo dục mà ngân sách chưa đáp ứng.",
            "Đối tượng vận động: các tổ chức, doanh nghiệp, cá nhân và cha mẹ %s tự nguyện." % c.hs,
            "Dự kiến nội dung: lát lại sân chơi, mua sắm đồ chơi ngoài trời, rèm cửa các lớp; tổng dự toán "
            "khoảng %d triệu đồng." % c.n(120, 300),
            "Công khai kế hoạch, kết quả vận động và sử dụng theo quy định."]),
        P("Kính đề nghị Phòng xem xét, có ý kiến để nhà trường triển khai."),
    ]


def xh_2(c):
    return [
        P("Ngày %d vừa qua, nhà trường đã tiếp nhận %d máy điều hòa nhiệt độ do Ban đại diện cha mẹ %s "
          "các lớp tài trợ để lắp cho các phòng học tầng 3%s." % (c.n(3, 25), c.n(4, 8), c.hs, c.k(" (", "") + (")" if c.pb else ""))),
        P("Việc tiếp nhận có biên bản bàn giao, giá trị hiện vật đã được ghi tăng tài sản. Đính kèm biên bản "
          "tiếp nhận và danh sách cha mẹ %s đóng góp tự nguyện." % c.hs),
    ]


def xh_3(c):
    return [
        P("Trường %s tổng hợp các suất học bổng, quà tặng do nhà tài trợ trao cho %s có hoàn cảnh khó khăn:"
          % (c.short, c.hs)),
        UL(["Quỹ Khuyến học phường %s: %d suất x 1.000.000đ" % (c.ward, c.n(5, 15)),
            "Ngân hàng TMCP trên địa bàn: %d suất quà (sách vở, áo ấm)" % c.n(20, 40),
            "Nhà hảo tâm giấu tên: 01 xe đạp, 02 bộ máy tính bảng"]),
        P("Toàn bộ quà được trao tận tay %s, có ký nhận và công khai." % c.hs),
    ]


# ---- cơ sở vật chất -----------------------------------------------------

def vc_0(c):
    return [
        P("Kết quả rà soát cơ sở vật chất%s:" % c.k(" ", " đầu năm học")),
        TB(["Hạng mục", "Số lượng", "Kiên cố", "Xuống cấp"], [
            ["Phòng học/phòng nhóm", str(c.n(18, 32)), "100%", str(c.n(0, 3))],
            ["Phòng bộ môn, chức năng", str(c.n(4, 9)), "100%", "0"],
            ["Khu vệ sinh học sinh", str(c.n(6, 14)), "", str(c.n(1, 4))],
            ["Bếp ăn", "1" if c.lv != "THCS" else "0", "", "0"],
        ]),
        P("Bàn ghế học sinh đủ, đúng quy cách %d%%. Một số khu vệ sinh tầng 1 thấm dột, cần cải tạo." % c.n(85, 98)),
    ]


def vc_1(c):
    return [
        P("Hiện nay khu nhà B của trường (xây năm 2009) có nhiều hạng mục xuống cấp:"),
        UL(["Mái tôn tầng 4 bị dột, nước thấm xuống các phòng %s." % ", ".join("P%d" % (400 + i) for i in range(1, 4)),
            "Khu vệ sinh học sinh tầng 1, tầng 2 hỏng thiết bị, bong tróc gạch ốp.",
            "Hệ thống thoát nước sân trường tắc, ngập khi mưa lớn."]),
        P("Nhà trường đề xuất sửa chữa với tổng kinh phí dự kiến %d.%03d.000 đồng, đề nghị Phòng tổng hợp "
          "trình UBND quận bố trí kinh phí sửa chữa thường xuyên." % (c.n(350, 900), c.n(0, 999))),
    ]


def vc_2(c):
    grade = {"MN": "mẫu giáo 5-6 tuổi", "TH": "lớp 5", "THCS": "lớp 9"}[c.lv]
    return [
        P("Thống kê thiết bị dạy học tối thiểu %s theo danh mục của Bộ GD&ĐT:" % grade),
        TB(["Môn/nhóm thiết bị", "Yêu cầu", "Hiện có", "Còn thiếu"], [
            ["Khoa học tự nhiên" if c.lv == "THCS" else "Toán", "12 bộ", "%d bộ" % c.n(6, 12), ""],
            ["Tin học", "1 phòng", "1 phòng", "%d máy hỏng" % c.n(2, 8)],
            ["Thiết bị dùng chung (máy chiếu, loa)", "%d" % c.n(10, 20), "%d" % c.n(6, 10), ""],
        ]),
        P("Đề nghị bổ sung thiết bị còn thiếu trong kế hoạch mua sắm năm tới."),
    ]


def vc_3(c):
    return [
        P("Tiến độ các hạng mục sửa chữa, cải tạo trong dịp hè:"),
        TB(["Hạng mục", "Đơn vị thi công", "Tiến độ", "Dự kiến xong"], [
            ["Chống thấm mái nhà A", "Công ty TNHH Xây dựng Minh Phát", "%d%%" % c.n(60, 95), "20/8"],
            ["Cải tạo khu vệ sinh tầng 1, 2", "Công ty TNHH Xây dựng Minh Phát", "%d%%" % c.n(40, 80), "25/8"],
            ["Sơn lại tường rào, cổng trường", "Tự làm", "100%", "đã xong"],
        ]),
        P("Nhà trường đảm bảo hoàn thành, nghiệm thu và vệ sinh trước ngày tựu trường."),
    ]


def vc_4(c):
    return [
        P("Do ảnh hưởng của mưa lớn kèm gió giật, tại trường xảy ra các hư hỏng:"),
        UL(["Cây xà cừ trong sân đổ, làm sập một phần mái che nhà xe giáo viên.",
            "Tốc %d tấm tôn mái khu nhà đa năng; nước tràn vào phòng thiết bị." % c.n(6, 20),
            "Một đoạn tường rào phía sau dài khoảng %d m bị nghiêng." % c.n(5, 15)]),
        P("Không có thiệt hại về người. Nhà trường đã khoanh vùng, dọn dẹp; ước thiệt hại khoảng %d triệu "
          "đồng, đề nghị được hỗ trợ kinh phí khắc phục." % c.n(40, 120)),
    ]


def vc_5(c):
    return [
        P("Kết quả kiểm kê tài sản, cơ sở vật chất thời điểm 31/12:"),
        TB(["Nhóm tài sản", "Số lượng", "Nguyên giá (triệu đồng)", "Đề nghị thanh lý"], [
            ["Nhà, công trình", str(c.n(3, 5)), str(c.n(8000, 15000)), "0"],
            ["Máy tính, máy chiếu", str(c.n(40, 90)), str(c.n(500, 1200)), str(c.n(3, 12))],
            ["Bàn ghế học sinh (bộ)", str(c.n(300, 700)), str(c.n(400, 900)), str(c.n(10, 40))],
        ]),
        P("Hội đồng kiểm kê đề nghị thanh lý các tài sản hư hỏng không sửa chữa được."),
    ]


# ---- trường chuẩn quốc gia ---------------------------------------------

def cq_0(c):
    return [
        P("Tiến độ xây dựng trường đạt chuẩn quốc gia mức độ 1 theo Thông tư 19/2018/TT-BGDĐT:"),
        OL(["Tiêu chuẩn 1 - Tổ chức và quản lý nhà trường: đạt.",
            "Tiêu chuẩn 2 - Cán bộ quản lý, giáo viên, nhân viên: đạt; còn thiếu 01 nhân viên thư viện.",
            "Tiêu chuẩn 3 - Cơ sở vật chất và thiết bị: chưa đạt do thiếu phòng giáo dục thể chất; dự kiến "
            "hoàn thành khi khối nhà mới bàn giao.",
            "Tiêu chuẩn 4 - Quan hệ giữa nhà trường, gia đình và xã hội: đạt.",
            "Tiêu chuẩn 5 - Hoạt động giáo dục và kết quả giáo dục: đạt."]),
        P("Nhà trường phấn đấu hoàn thiện hồ sơ, đề nghị kiểm tra công nhận đạt chuẩn quốc gia trong năm học %s." % c.nh),
    ]


def cq_1(c):
    return [
        P("Quyết định công nhận trường đạt chuẩn quốc gia mức độ 2 của trường hết hiệu lực (05 năm). "
          "Nhà trường gửi hồ sơ đề nghị UBND Thành phố kiểm tra, công nhận lại, gồm:"),
        UL(["Tờ trình đề nghị công nhận lại trường đạt chuẩn quốc gia;",
            "Báo cáo quá trình duy trì các tiêu chuẩn trường chuẩn;",
            "Bản sao quyết định công nhận lần trước;",
            "Biên bản tự kiểm tra của nhà trường."]),
        P("Kính đề nghị Phòng thẩm định, tổng hợp trình cấp trên."),
    ]


def cq_2(c):
    return [
        P("Kế hoạch duy trì và nâng cao chất lượng trường đạt chuẩn quốc gia năm %d:" % c.sent.year),
        UL(["Duy trì sĩ số không quá %d %s/lớp, giảm dần lớp đông." % (45 if c.lv == "THCS" else 35, c.hs),
            "Giữ vững tỷ lệ giáo viên trên chuẩn trình độ đào tạo.",
            "Hoàn thiện phòng học bộ môn, thư viện đạt chuẩn.",
            "Chuẩn bị các điều kiện để đề nghị công nhận đạt chuẩn mức độ 2."]),
    ]


# ---- kiểm định chất lượng ----------------------------------------------

def kd_0(c):
    lv2 = c.n(18, 24)
    return [
        P("Hội đồng tự đánh giá của trường được thành lập theo Quyết định số %d/QĐ-%s. Sau %d tháng triển khai, "
          "nhà trường đã hoàn thành báo cáo tự đánh giá chu kỳ %d-%d." % (
              c.n(30, 120), initials(c.unit), c.n(4, 7),
              c.sent.year - 4, c.sent.year)),
        UL(["Tổng số tiêu chí đánh giá: %d; đạt Mức 1: %d; đạt Mức 2: %d; đạt Mức 3: %d." % (
            28, 28, lv2, c.n(4, 10)),
            "Tự đánh giá đạt: Cấp độ 2.",
            "Số minh chứng đã thu thập, mã hóa: %d." % c.n(160, 260)]),
        P("Trường gửi kèm báo cáo tự đánh giá (bản ký, đóng dấu) và đề nghị Phòng báo cáo Sở GD&ĐT đăng ký "
          "đánh giá ngoài."),
    ]


def kd_1(c):
    return [
        P("Báo cáo kết quả thực hiện các khuyến nghị của Đoàn đánh giá ngoài:"),
        OL(["Khuyến nghị về công tác xây dựng kế hoạch giáo dục: đã điều chỉnh kế hoạch theo hướng phù hợp "
            "điều kiện thực tế.",
            "Khuyến nghị về lưu trữ minh chứng: đã số hóa, lưu trữ trên máy chủ của trường.",
            "Khuyến nghị về bồi dưỡng đội ngũ: đã cử %d giáo viên tham gia bồi dưỡng." % c.n(3, 8)]),
        P("Kế hoạch cải tiến chất lượng giai đoạn tiếp theo được cập nhật vào báo cáo tự đánh giá hằng năm."),
    ]


def kd_2(c):
    return [
        P("%s đăng ký đánh giá ngoài, đề nghị công nhận đạt kiểm định chất lượng giáo dục Cấp độ %d." % (
            c.school, c.n(2, 3))),
        P("Báo cáo tự đánh giá đã được hoàn thiện, công khai trên trang thông tin điện tử của nhà trường. "
          "Hồ sơ minh chứng sắp xếp theo tiêu chuẩn, tiêu chí."),
    ]


def kd_3(c):
    return [
        P("Tiến độ tự đánh giá%s:" % c.k(" ", "")),
        UL(["Nhóm 1 (Tiêu chuẩn 1, 2): hoàn thành phiếu đánh giá tiêu chí.",
            "Nhóm 2 (Tiêu chuẩn 3): đang bổ sung minh chứng về thiết bị.",
            "Nhóm 3 (Tiêu chuẩn 4, 5): đã viết xong dự thảo."]),
        P("Dự kiến hoàn thiện báo cáo tự đánh giá, lấy ý kiến hội đồng trước khi gửi Phòng."),
    ]


# ---- thu chi ------------------------------------------------------------

def tc_0(c):
    a = c.n(800, 1600)
    b = a - c.n(50, 200)
    return [
        P("Công khai tình hình thu, chi ngân sách và các khoản thu%s:" % c.k(" ", "")),
        TB(["Nội dung", "Thu (triệu đồng)", "Chi (triệu đồng)", "Tồn"], [
            ["Ngân sách nhà nước cấp", str(a), str(b), str(a - b)],
            ["Học phí", str(c.n(100, 300)), str(c.n(80, 250)), ""],
            ["Tiền ăn bán trú", str(c.n(300, 700)), str(c.n(300, 700)), "0"],
        ]),
        P("Nhà trường đã niêm yết công khai tại bảng tin và trên trang thông tin điện tử theo quy định."),
    ]


def tc_1(c):
    return [
        P("Tổng hợp các khoản thu theo thỏa thuận với cha mẹ %s năm học %s:" % (c.hs, c.nh)),
        TB(["Khoản thu", "Mức thu", "Căn cứ"], [
            ["Tiền ăn bán trú", "%d.000đ/ngày" % c.n(30, 38), "Thỏa thuận với CMHS"],
            ["Tiền nước uống", "%d.000đ/tháng" % c.n(10, 15), "Thỏa thuận"],
            ["Chăm sóc bán trú", "%d.000đ/tháng" % c.n(150, 200), "Nghị quyết HĐND Thành phố"],
            ["Trông trẻ ngoài giờ", "%d.000đ/giờ" % c.n(15, 25), "Tự nguyện"],
        ]),
        P("Các khoản thu đều có dự toán, được thông qua cuộc họp phụ huynh đầu năm. Nhà trường không thu "
          "các khoản ngoài danh mục."),
    ]


def tc_2(c):
    t = c.n(700, 1200)
    return [
        P("Tình hình thu học phí học kỳ I%s:" % c.k(", số liệu đến hết ", "")),
        UL(["Tổng số %s phải thu: %d; đã thu: %d; chưa thu: %d." % (c.hs, t, t - 23, 23),
            "Số %s được miễn học phí: %d; giảm 50%%: %d; hỗ trợ chi phí học tập: %d." % (
                c.hs, c.n(5, 20), c.n(5, 15), c.n(3, 10)),
            "Học phí thu qua tài khoản, không thu tiền mặt."]),
        P("Các trường hợp chưa nộp chủ yếu là gia đình khó khăn, nhà trường đang phối hợp phường xác nhận."),
    ]


def tc_3(c):
    days = c.n(19, 22)
    kids = c.n(300, 600)
    return [
        P("Quyết toán tiền ăn bán trú%s:" % c.k(" ", "")),
        UL(["Số ngày ăn: %d; số suất ăn bình quân/ngày: %d." % (days, kids),
            "Tổng thu: %s đồng; tổng chi mua thực phẩm, chất đốt: %s đồng." % (
                "{:,}".format(days * kids * 32000).replace(",", "."), "{:,}".format(days * kids * 31800).replace(",", ".")),
            "Chênh lệch chuyển sang tháng sau để nâng chất lượng bữa ăn."]),
        P("Bảng quyết toán chi tiết theo ngày đính kèm."),
    ]


def tc_4(c):
    return [
        P("Thực hiện chỉ đạo về rà soát các khoản thu đầu năm học, nhà trường báo cáo:"),
        OL(["Không có khoản thu nào ngoài quy định; không thu quỹ lớp hộ Ban đại diện.",
            "Đã trả lại %d khoản thu chưa đúng (tiền photo tài liệu) cho phụ huynh." % c.n(1, 2),
            "Công khai các khoản thu tại bảng tin và nhóm Zalo của các lớp."]),
    ]


# ---- quy chế dân chủ ----------------------------------------------------

def dc_0(c):
    t = c.n(45, 85)
    return [
        P("Nhà trường đã tổ chức Hội nghị viên chức, người lao động năm học %s vào ngày %d/9/%d." % (
            c.nh, c.n(15, 26), c.sent.year)),
        UL(["Thành phần: %d/%d viên chức, người lao động (vắng %d có lý do)." % (t - 2, t, 2),
            "Nội dung: báo cáo tổng kết năm học trước, phương hướng năm học mới, sửa đổi quy chế chi tiêu nội bộ, "
            "quy chế thực hiện dân chủ, bầu Ban Thanh tra nhân dân.",
            "Nghị quyết hội nghị được biểu quyết thông qua %d%%." % c.n(95, 100)]),
    ]


def dc_1(c):
    return [
        P("Kết quả thực hiện quy chế dân chủ ở cơ sở%s:" % c.k(" ", "")),
        UL(["Công khai đầy đủ các nội dung viên chức được biết: kế hoạch năm học, tài chính, thi đua khen thưởng.",
            "Tổ chức lấy ý kiến về quy chế chi tiêu nội bộ, tiêu chí thi đua.",
            "Hòm thư góp ý: %d ý kiến, đã giải quyết xong." % c.n(0, 3),
            "Không có đơn thư khiếu nại, tố cáo vượt cấp."]),
    ]


def dc_2(c):
    return [
        P("Báo cáo hoạt động của Ban Thanh tra nhân dân%s:" % c.k(" ", "")),
        UL(["Giám sát việc thu, chi tiền ăn bán trú và quyết toán chi hội nghị.",
            "Giám sát việc bình xét thi đua tháng của các tổ.",
            "Kết quả: các nội dung đúng quy định; kiến nghị nhà trường công khai kịp thời hơn chứng từ chi."]),
    ]


def dc_3(c):
    return [
        P("Nhà trường gửi Quyết định kiện toàn Ban Thanh tra nhân dân gồm %d thành viên và Kế hoạch hoạt động "
          "năm %d của Ban." % (c.n(3, 5), c.sent.year)),
        P("Ban TTND do Hội nghị viên chức bầu, Chủ tịch Công đoàn ra quyết định công nhận."),
    ]


# ---- trường học an toàn -------------------------------------------------

def at_0(c):
    return [
        P("Công tác phòng chống tai nạn thương tích (PCTNTT)%s:" % c.k(" ", "")),
        UL(["Rà soát, khắc phục các điểm nguy cơ: lan can, cầu thang, ổ điện, cây xanh, đồ chơi ngoài trời.",
            "Số vụ tai nạn thương tích: %d (trầy xước nhẹ, đã sơ cứu tại phòng y tế)." % c.n(0, 3),
            "Không có trường hợp phải chuyển viện."]),
        P("Nhà trường tiếp tục tuyên truyền đến cha mẹ %s về phòng tránh tai nạn tại gia đình." % c.hs),
    ]


def at_1(c):
    return [
        P("Nhà trường đã phối hợp với Công an phường %s tổ chức diễn tập phương án chữa cháy và cứu nạn, cứu hộ:" % c.ward),
        UL(["Tình huống giả định: cháy tại phòng thiết bị tầng 2.",
            "Số người tham gia: %d cán bộ, giáo viên, nhân viên và %d %s." % (c.n(40, 70), c.n(300, 900), c.hs),
            "Thời gian sơ tán toàn trường: %d phút %d giây." % (c.n(3, 6), c.n(0, 59)),
            "Đã kiểm tra, nạp lại %d bình chữa cháy, thay mới đèn chiếu sáng sự cố." % c.n(15, 30)]),
    ]


def at_2(c):
    t = c.n(800, 1400)
    return [
        P("Kết quả tuyên truyền, giáo dục an toàn giao thông đầu năm học:"),
        UL(["Tổ chức tiết học chủ đề ATGT dưới cờ, phát động \"Cổng trường an toàn giao thông\".",
            "Số %s ký cam kết đội mũ bảo hiểm khi ngồi trên xe máy, xe đạp điện: %d/%d." % (c.hs, t, t),
            "Số %s vi phạm (đi xe đạp điện dàn hàng, không đội mũ): %d, đã nhắc nhở." % (c.hs, c.n(0, 6))]),
    ]


def at_3(c):
    return [
        P("Nhà trường đã triển khai tuyên truyền phòng chống đuối nước cho %s trước kỳ nghỉ hè:" % c.hs),
        UL(["Gửi thư tới cha mẹ %s nhắc nhở không để con chơi gần ao, hồ, sông, hố sâu." % c.hs,
            "Phối hợp Nhà văn hóa phường tổ chức lớp dạy bơi an toàn, %d %s đăng ký." % (c.n(40, 120), c.hs),
            "Rà soát các điểm nước nguy hiểm quanh trường: hồ điều hòa, ao tù, mương thoát nước."]),
    ]


def at_4(c):
    return [
        P("Kế hoạch phòng, chống bạo lực học đường theo Thông tư 45/2021/TT-BGDĐT:"),
        OL(["Thành lập tổ tư vấn tâm lý học đường, công khai số điện thoại, hòm thư tư vấn.",
            "Lồng ghép nội dung phòng chống bạo lực, bắt nạt trong tiết sinh hoạt lớp.",
            "Phân công giáo viên trực các khu vực khuất trong giờ ra chơi.",
            "Phối hợp cha mẹ %s kịp thời phát hiện biểu hiện bất thường." % c.hs]),
    ]


def at_5(c):
    return [
        P("Kết quả xây dựng trường học an toàn, phòng chống tai nạn thương tích%s:" % c.k(" ", "")),
        UL(["Tự đánh giá theo bộ tiêu chí trường học an toàn: đạt %d/%d tiêu chí." % (c.n(24, 27), 27),
            "Sửa chữa hàng rào, bọc cạnh bàn, lắp lưới an toàn lan can tầng 3.",
            "Tập huấn sơ cấp cứu cho %d giáo viên." % c.n(10, 30)]),
    ]


# ---- kỹ năng sống -------------------------------------------------------

def kn_0(c):
    return [
        P("Nhà trường tổ chức chuyên đề giáo dục kỹ năng sống \"Bé tự phục vụ\" cho trẻ các lớp mẫu giáo%s." % c.k(" ", "")),
        UL(["Nội dung: tự mặc, cởi quần áo; gấp khăn; rửa tay đúng cách; tự xúc cơm.",
            "Số trẻ tham gia: %d; %d%% trẻ 5 tuổi thực hiện thành thạo." % (c.n(200, 400), c.n(85, 97)),
            "Giáo viên được dự giờ, rút kinh nghiệm: %d tiết." % c.n(4, 10)]),
    ]


def kn_1(c):
    return [
        P("Trường đã tổ chức cho %s tham quan, trải nghiệm tại Nông trại giáo dục Ecopark%s." % (c.hs, c.k(" ", ""))),
        UL(["Số %s tham gia: %d; giáo viên đi kèm: %d." % (c.hs, c.n(300, 700), c.n(20, 40)),
            "Hoạt động: trồng rau, làm bánh, trò chơi dân gian, kỹ năng làm việc nhóm.",
            "Đã ký hợp đồng với đơn vị vận chuyển có đủ điều kiện, phụ huynh đăng ký tự nguyện."]),
        P("Chuyến đi diễn ra an toàn, %s hào hứng." % c.hs),
    ]


def kn_2(c):
    return [
        P("CLB Kỹ năng sống của trường sinh hoạt %d buổi%s với các chủ đề:" % (c.n(3, 5), c.k(" trong ", ""))),
        UL(["Kỹ năng thuyết trình trước đám đông;", "Kỹ năng quản lý cảm xúc;",
            "Kỹ năng ứng phó khi bị lạc, khi gặp người lạ."]),
        P("Số thành viên: %d. Hoạt động do Đoàn thanh niên và tổ tư vấn học đường phụ trách." % c.n(40, 80)),
    ]


def kn_3(c):
    return [
        P("Báo cáo hoạt động trải nghiệm \"Tết xưa - Tết nay\":"),
        UL(["Trẻ được gói bánh chưng, bày mâm ngũ quả, chơi trò chơi dân gian.",
            "Các lớp tổ chức \"Phiên chợ quê\" để trẻ trải nghiệm mua bán.",
            "Thu hút %d cha mẹ trẻ tham gia cùng." % c.n(60, 150)]),
    ]


# ---- vệ sinh an toàn thực phẩm ------------------------------------------

def tp_0(c):
    return [
        P("Công tác vệ sinh an toàn thực phẩm tại bếp ăn bán trú%s:" % c.k(" ", "")),
        UL(["Bếp ăn bố trí theo nguyên tắc một chiều; dụng cụ chế biến sống, chín riêng biệt.",
            "Thực hiện kiểm thực ba bước và lưu mẫu thức ăn 24 giờ đầy đủ, có sổ ghi chép hằng ngày.",
            "Số suất ăn bình quân: %d suất/ngày; không có trường hợp ngộ độc thực phẩm." % c.n(300, 900),
            "Nhân viên cấp dưỡng mặc trang phục, đeo khẩu trang, găng tay khi chia ăn."]),
        P("Tồn tại: một số ngày nhà cung cấp giao hàng muộn, nhà trường đã nhắc nhở bằng văn bản."),
    ]


def tp_1(c):
    return [
        P("Danh sách đơn vị cung cấp thực phẩm cho bếp ăn của trường:"),
        TB(["STT", "Đơn vị", "Mặt hàng", "Giấy chứng nhận ATTP"], [
            ["1", "Công ty TNHH Thực phẩm sạch An Phú", "Thịt, cá", "Còn hạn đến 2027"],
            ["2", "HTX Nông nghiệp Thanh Trì", "Rau, củ, quả", "VietGAP"],
            ["3", "Công ty CP Sữa Quốc tế", "Sữa, chế phẩm sữa", "Còn hạn"],
            ["4", "Cơ sở gạo Hải Hậu", "Gạo", "Còn hạn"],
        ]),
        P("Hợp đồng ghi rõ trách nhiệm về nguồn gốc, chất lượng thực phẩm; có hóa đơn, phiếu giao nhận hằng ngày."),
    ]


def tp_2(c):
    return [
        P("Hưởng ứng \"Tháng hành động vì an toàn thực phẩm\", nhà trường đã:"),
        UL(["Treo băng rôn, tuyên truyền trên loa phát thanh và nhóm Zalo phụ huynh.",
            "Tổ chức cho cha mẹ %s đến kiểm tra bếp ăn, dự bữa ăn cùng con: %d lượt." % (c.hs, c.n(20, 60)),
            "Kiểm tra hồ sơ nguồn gốc thực phẩm, sổ kiểm thực, mẫu lưu: đầy đủ."]),
    ]


def tp_3(c):
    n = c.n(6, 18)
    return [
        P("Kết quả khám sức khỏe định kỳ cho nhân viên nấu ăn và tập huấn kiến thức an toàn thực phẩm%s:" % c.k(" ", "")),
        UL(["Số nhân viên nuôi dưỡng được khám: %d/%d; tất cả đủ sức khỏe." % (n, n),
            "Có giấy xác nhận kiến thức về an toàn thực phẩm: %d/%d." % (n, n),
            "Xét nghiệm phân tìm người lành mang trùng: âm tính."]),
    ]


def tp_4(c):
    return [
        P("Đoàn kiểm tra liên ngành về an toàn thực phẩm của phường %s đã kiểm tra bếp ăn bán trú của trường." % c.ward),
        UL(["Nội dung kiểm tra: điều kiện cơ sở, hồ sơ pháp lý, nguồn gốc thực phẩm, lưu mẫu, sức khỏe nhân viên.",
            "Kết luận: đạt yêu cầu; đề nghị thay thớt gỗ bằng thớt nhựa, bổ sung lưới chắn côn trùng kho.",
            "Nhà trường đã khắc phục xong trong 03 ngày."]),
        P("Gửi kèm ảnh chụp biên bản kiểm tra."),
    ]


def tp_5(c):
    return [
        P("Kết quả xét nghiệm mẫu nước và kiểm tra dụng cụ bếp%s:" % c.k(" ", "")),
        UL(["Mẫu nước máy và nước sau lọc RO do Trung tâm Kiểm soát bệnh tật lấy mẫu: đạt QCVN.",
            "Thay lõi lọc máy RO bếp và các lớp.",
            "Khử trùng, tráng nước sôi khay, bát, thìa sau mỗi bữa ăn."]),
    ]


# ---- dinh dưỡng ---------------------------------------------------------

def dd_0(c):
    t = c.n(300, 600)
    a, b, o = c.n(5, 15), c.n(4, 12), c.n(8, 25)
    return [
        P("Kết quả cân đo, theo dõi biểu đồ tăng trưởng%s:" % c.k(" ", "")),
        TB(["Chỉ số", "Số trẻ", "Tỷ lệ"], [
            ["Tổng số trẻ được cân đo", str(t), "100%"],
            ["Cân nặng bình thường", str(t - a - o), "%.1f%%" % (100.0 * (t - a - o) / t)],
            ["Suy dinh dưỡng thể nhẹ cân", str(a), "%.1f%%" % (100.0 * a / t)],
            ["Suy dinh dưỡng thể thấp còi", str(b), "%.1f%%" % (100.0 * b / t)],
            ["Thừa cân, béo phì", str(o), "%.1f%%" % (100.0 * o / t)],
        ]),
        P("Nhà trường đã thông báo kết quả cho cha mẹ trẻ và có kế hoạch chăm sóc riêng cho trẻ suy dinh dưỡng, "
          "thừa cân."),
    ]


def dd_1(c):
    return [
        P("Nhà trường xây dựng thực đơn theo mùa, luân phiên 4 tuần, tính khẩu phần bằng phần mềm dinh dưỡng:"),
        UL(["Năng lượng bình quân tại trường: %d kcal/trẻ/ngày (nhà trẻ), %d kcal/trẻ/ngày (mẫu giáo)." % (
            c.n(640, 720), c.n(720, 800)),
            "Tỷ lệ P:L:G = %d:%d:%d, đạt khuyến nghị." % (15, c.n(25, 30), c.n(55, 60)),
            "Bổ sung món canh nóng, cháo, súp trong bữa phụ mùa lạnh."]),
        P("Gửi kèm thực đơn chi tiết."),
    ]


def dd_2(c):
    return [
        P("Tình hình trẻ suy dinh dưỡng, thừa cân béo phì và biện pháp can thiệp%s:" % c.k(" ", "")),
        UL(["Trẻ SDD nhẹ cân: %d; thấp còi: %d; đã phục hồi so với lần cân trước: %d." % (c.n(5, 12), c.n(4, 10), c.n(1, 5)),
            "Trẻ thừa cân, béo phì: %d; tăng cường vận động, giảm đồ ngọt, điều chỉnh thứ tự món ăn." % c.n(8, 20),
            "Phối hợp phụ huynh theo dõi chế độ ăn tại nhà."]),
    ]


def dd_3(c):
    return [
        P("Về chế độ dinh dưỡng bữa ăn bán trú và chương trình sữa học đường:"),
        UL(["Bữa chính đảm bảo 4 nhóm chất; mức ăn %d.000đ/ngày." % c.n(32, 38),
            "Số %s uống sữa học đường: %d; uống 5 buổi/tuần theo Đề án." % (c.hs, c.n(400, 900)),
            "Khảo sát cho thấy %d%% %s ăn hết suất." % (c.n(80, 95), c.hs)]),
    ]


# ---- đạo đức lối sống ---------------------------------------------------

def do_0(c):
    return [
        P("Kết quả thực hiện Bộ quy tắc ứng xử và xây dựng văn hóa học đường%s:" % c.k(" ", "")),
        UL(["100% cán bộ, giáo viên, nhân viên ký cam kết thực hiện quy tắc ứng xử.",
            "Tổ chức chuyên đề \"Lời chào cao hơn mâm cỗ\", thi đua \"Lớp học văn minh\".",
            "Xử lý %d trường hợp %s có lời nói chưa chuẩn mực trên mạng xã hội, đã giáo dục, phối hợp gia đình." % (
                c.n(0, 3), c.hs)]),
    ]


def do_1(c):
    return [
        P("Công tác giáo dục đạo đức, lối sống cho học sinh%s:" % c.k(" ", "")),
        UL(["Tiết chào cờ chủ đề \"Uống nước nhớ nguồn\", \"Lòng biết ơn\".",
            "Phong trào \"Nói lời hay, làm việc tốt\": %d tấm gương được biểu dương dưới cờ." % c.n(10, 30),
            "Giáo viên chủ nhiệm lồng ghép giáo dục lễ phép, trung thực trong các tiết học."]),
    ]


def do_2(c):
    return [
        P("Nhà trường tiếp tục xây dựng văn hóa ứng xử: giáo viên nhẹ nhàng, yêu thương trẻ; nhân viên niềm nở "
          "với phụ huynh."),
        UL(["Góc \"Lời hay ý đẹp\" tại các lớp.",
            "Sinh hoạt chuyên môn về ứng xử sư phạm, phòng ngừa bạo hành trẻ.",
            "Tổ chức lấy ý kiến phụ huynh về thái độ phục vụ: %d%% hài lòng." % c.n(90, 99)]),
    ]


def do_3(c):
    return [
        P("Giáo dục truyền thống, đạo đức lối sống học kỳ I:"),
        UL(["Tổ chức cho học sinh thăm Di tích lịch sử đình Đại Từ và nghĩa trang liệt sĩ phường.",
            "Thi kể chuyện về tấm gương đạo đức Hồ Chí Minh.",
            "Số học sinh vi phạm nội quy phải kiểm điểm: %d; giảm so với cùng kỳ." % c.n(2, 10)]),
    ]


# ---- đánh giá học sinh --------------------------------------------------

def dg_0(c):
    rows = []
    for g in range(1, 6):
        t = c.n(180, 260)
        a = c.n(int(t * .5), int(t * .7))
        cc = c.n(0, 4)
        rows.append(["Khối %d" % g, str(t), str(a), str(t - a - cc), str(cc)])
    return [
        P("Kết quả đánh giá học sinh cuối học kỳ I theo Thông tư 27/2020/TT-BGDĐT (môn Tiếng Việt):"),
        TB(["Khối", "Tổng số", "Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"], rows),
        P("Về phẩm chất, năng lực: trên 98% học sinh đạt mức Tốt và Đạt. Học sinh chưa hoàn thành được giáo viên "
          "lập kế hoạch hỗ trợ riêng."),
    ]


def dg_1(c):
    t = c.n(900, 1300)
    a, b, d = c.n(300, 400), c.n(350, 450), c.n(5, 20)
    return [
        P("Thống kê kết quả học tập và rèn luyện của học sinh theo Thông tư 22/2021/TT-BGDĐT:"),
        TB(["Xếp loại", "Học tập", "Rèn luyện"], [
            ["Tốt", str(a), str(c.n(800, 900))],
            ["Khá", str(b), str(c.n(80, 150))],
            ["Đạt", str(t - a - b - d), str(c.n(5, 15))],
            ["Chưa đạt", str(d), str(c.n(0, 3))],
        ]),
        P("Tổng số học sinh: %d. Học sinh xếp loại chưa đạt học tập sẽ được rèn luyện, kiểm tra lại trong hè." % t),
    ]


def dg_2(c):
    return [
        P("Kết quả kiểm tra định kỳ giữa học kỳ I%s:" % (c.k(" (", "") + (")" if c.pb else ""))),
        UL(["Môn Toán: điểm 9-10: %d%%; 7-8: %d%%; 5-6: %d%%; dưới 5: %d%%." % (c.n(40, 55), c.n(25, 35), c.n(8, 15), c.n(0, 3)),
            "Môn Tiếng Việt: điểm 9-10: %d%%; 7-8: %d%%; 5-6: %d%%; dưới 5: %d%%." % (c.n(35, 50), c.n(30, 40), c.n(8, 15), c.n(0, 3)),
            "Ra đề theo ma trận 3 mức, 100% đề do tổ chuyên môn thẩm định."]),
    ]


def dg_3(c):
    return [
        P("Kết quả khảo sát chất lượng đầu năm%s:" % c.k(" ", "")),
        TB(["Khối", "Số HS", "Giỏi", "Khá", "TB", "Yếu"], [
            ["%d" % g, str(c.n(180, 250)), str(c.n(60, 100)), str(c.n(60, 90)), str(c.n(20, 40)), str(c.n(0, 10))]
            for g in ((2, 3, 4, 5) if c.lv == "TH" else (6, 7, 8, 9))
        ]),
        P("Căn cứ kết quả, tổ chuyên môn xây dựng kế hoạch phụ đạo học sinh yếu và bồi dưỡng học sinh năng khiếu."),
    ]


# ---- ESAMS --------------------------------------------------------------

def es_0(c):
    return [
        P("Trường %s đã hoàn thành cập nhật số liệu đầu năm học %s lên hệ thống ESAMS:" % (c.short, c.nh)),
        UL(["Số lớp, số %s, số %s nữ, %s khuyết tật học hòa nhập." % (c.hs, c.hs, c.hs),
            "Danh sách cán bộ, giáo viên, nhân viên và trình độ đào tạo.",
            "Cơ sở vật chất: phòng học, phòng bộ môn, công trình vệ sinh."]),
        P("Đề nghị Phòng kiểm tra, duyệt số liệu trên ESAMS giúp trường."),
    ]


def es_1(c):
    return [
        P("Từ sáng nay tài khoản ESAMS của trường không nộp được báo cáo kỳ, hệ thống báo lỗi \"Phiên làm việc hết hạn\" "
          "dù đã đăng nhập lại nhiều lần."),
        P("Nhà trường đã thử trên 2 máy tính và 2 trình duyệt khác nhau. Kính đề nghị Phòng hỗ trợ cấp lại mật khẩu "
          "hoặc gia hạn thời gian nộp trên ESAMS để trường hoàn thành đúng yêu cầu."),
    ]


def es_2(c):
    return [
        P("Nhà trường xác nhận số liệu thống kê cuối năm học %s trên hệ thống eSAMS đã khớp với hồ sơ lưu tại trường:" % c.nh),
        UL(["Số %s cuối năm: %d; bỏ học: 0." % (c.hs, c.n(700, 1300)),
            "Kết quả xếp loại, lên lớp đã nhập đủ.",
            "Đã khóa số liệu, in biểu mẫu ký đóng dấu gửi kèm."]),
    ]


# ---- trường học điện tử / chuyển đổi số -------------------------------

def dt_0(c):
    return [
        P("Kế hoạch chuyển đổi số năm học %s của nhà trường gồm các nhiệm vụ trọng tâm:" % c.nh),
        OL(["Triển khai hồ sơ điện tử của giáo viên, tổ chuyên môn; sử dụng chữ ký số cho văn bản đi.",
            "100% giáo viên sử dụng hệ thống quản lý học tập (LMS) để giao bài, kiểm tra trực tuyến.",
            "Xây dựng kho học liệu số của trường: tối thiểu %d bài giảng điện tử/môn." % c.n(5, 10),
            "Thanh toán không dùng tiền mặt 100% các khoản thu."]),
    ]


def dt_1(c):
    t = c.n(600, 1100)
    s = t - c.n(20, 120)
    return [
        P("Tiến độ triển khai học bạ số%s:" % c.k(" ", "")),
        UL(["Số học sinh đã được khởi tạo học bạ số: %d/%d." % (t, t),
            "Số học bạ đã được giáo viên chủ nhiệm ký số: %s." % c.pct(s, t),
            "Hiệu trưởng đã được cấp chứng thư số, đang ký duyệt."]),
        P("Khó khăn: đường truyền chậm vào giờ cao điểm, một số giáo viên lớn tuổi còn lúng túng."),
    ]


def dt_2(c):
    return [
        P("Trong những ngày nhiệt độ xuống dưới 10 độ C, học sinh khối 1, 2 được nghỉ học theo chỉ đạo; nhà trường "
          "tổ chức dạy học trực tuyến trên nền tảng K12Online:"),
        UL(["Số lớp học trực tuyến: %d; tỷ lệ học sinh tham gia: %d%%." % (c.n(8, 14), c.n(85, 96)),
            "Giáo viên giao bài, chấm bài trên hệ thống; phụ huynh hỗ trợ tại nhà.",
            "Một số gia đình không có thiết bị, nhà trường gửi phiếu bài tập giấy."]),
    ]


def dt_3(c):
    return [
        P("Ứng dụng công nghệ thông tin, chuyển đổi số trong quản lý%s:" % c.k(" ", "")),
        UL(["Sử dụng phần mềm quản lý trường mầm non: quản lý trẻ, điểm danh, thu phí trực tuyến.",
            "Sổ sách của giáo viên chuyển sang hồ sơ điện tử; lưu trữ trên đám mây của trường.",
            "Trao đổi với phụ huynh qua ứng dụng liên lạc điện tử."]),
    ]


# ---- VNEN ---------------------------------------------------------------

def vn_0(c):
    return [
        P("Nhà trường tiếp tục duy trì các yếu tố tích cực của mô hình trường học mới VNEN:"),
        UL(["Hội đồng tự quản học sinh hoạt động ở 100% lớp.",
            "Góc học tập, thư viện lớp, \"hộp thư vui\", \"cây nội quy\" được duy trì.",
            "Tổ chức dạy học theo nhóm, học sinh tự đánh giá và đánh giá bạn."]),
    ]


def vn_1(c):
    return [
        P("Số lớp áp dụng mô hình VNEN: %d lớp (khối 3, 4, 5) với %d học sinh." % (c.n(6, 12), c.n(250, 450))),
        P("Khó khăn: tài liệu hướng dẫn học VNEN không còn được tái bản, giáo viên phải tự biên soạn phiếu học tập; "
          "bàn ghế chưa phù hợp kê theo nhóm."),
    ]


def vn_2(c):
    return [
        P("Chuyên đề \"Tổ chức hoạt động nhóm theo mô hình VNEN trong môn Tự nhiên và Xã hội\" cụm trường đã được tổ chức "
          "tại trường với %d giáo viên dự." % c.n(25, 45)),
        P("Ưu điểm: học sinh chủ động, tự tin. Hạn chế: thời gian hoạt động nhóm kéo dài, một số em chưa tích cực. "
          "Các trường trong cụm thống nhất tiếp tục vận dụng linh hoạt phương pháp VNEN."),
    ]


# ---- dạy bổ trợ ---------------------------------------------------------

def bt_0(c):
    return [
        P("Kế hoạch dạy bổ trợ, phụ đạo học sinh chưa hoàn thành%s:" % c.k(" ", "")),
        UL(["Đối tượng: %d học sinh có kết quả khảo sát chưa đạt yêu cầu môn Toán, Tiếng Việt." % c.n(20, 50),
            "Thời gian: 2 tiết/tuần vào buổi chiều thứ Ba, thứ Năm.",
            "Không thu bất kỳ khoản tiền nào của học sinh."]),
    ]


def bt_1(c):
    return [
        P("Nhà trường tổ chức dạy bổ trợ, ôn tập miễn phí cho học sinh lớp 9 chuẩn bị thi vào lớp 10%s:" % c.k(" ", "")),
        UL(["Môn: Toán, Ngữ văn, Tiếng Anh; 3 buổi/tuần.",
            "Số học sinh tham gia: %d/%d." % (c.n(250, 320), c.n(320, 340)),
            "Kinh phí chi trả giáo viên từ nguồn ngân sách, không thu tiền học sinh."]),
    ]


def bt_2(c):
    a = c.n(20, 40)
    return [
        P("Sau 2 tháng phụ đạo, bồi dưỡng học sinh chưa hoàn thành:"),
        UL(["Số học sinh được phụ đạo: %d." % a,
            "Số học sinh tiến bộ, đạt yêu cầu bài kiểm tra: %d." % (a - c.n(3, 8)),
            "Các em còn chậm tiếp tục được kèm cặp, phối hợp với gia đình."]),
    ]


# ---- dạy thêm, học thêm -------------------------------------------------

def dtht_0(c):
    return [
        P("Công tác quản lý dạy thêm, học thêm theo Thông tư 29/2024/TT-BGDĐT%s:" % c.k(" ", "")),
        UL(["100% giáo viên ký cam kết không dạy thêm trái quy định, không dạy thêm học sinh lớp mình chủ nhiệm có thu tiền.",
            "Nhà trường không tổ chức dạy thêm có thu tiền trong trường.",
            "Số giáo viên đăng ký dạy thêm ngoài nhà trường: %d (đã báo cáo Hiệu trưởng)." % c.n(0, 4),
            "Không có phản ánh về dạy thêm, học thêm."]),
    ]


def dtht_1(c):
    return [
        P("Danh sách giáo viên đăng ký dạy thêm ngoài nhà trường%s:" % c.k(" ", "")),
        TB(["STT", "Họ tên", "Môn", "Địa điểm", "Cam kết"], [
            ["1", "Nguyễn Văn Tùng", "Toán", "Trung tâm văn hóa ngoài giờ phường %s" % c.ward, "Có"],
            ["2", "Lê Thị Hạnh", "Tiếng Anh", "Trung tâm ngoại ngữ đã cấp phép", "Có"],
        ]),
        P("Các giáo viên cam kết không dạy thêm học sinh đang dạy chính khóa tại trường."),
    ]


def dtht_2(c):
    return [
        P("Nhà trường gửi bản tổng hợp cam kết không dạy thêm, học thêm trái quy định năm học %s của %d cán bộ, "
          "giáo viên." % (c.nh, c.n(40, 70))),
        P("Nhà trường đã phổ biến Thông tư 29/2024/TT-BGDĐT tới toàn thể giáo viên và cha mẹ học sinh trong họp phụ huynh đầu năm."),
    ]


# ---- sổ điểm điện tử ----------------------------------------------------

def sd_0(c):
    return [
        P("Triển khai sổ điểm điện tử học kỳ I năm học %s:" % c.nh),
        UL(["100%% lớp sử dụng sổ điểm điện tử trên phần mềm %s, thay thế sổ gọi tên ghi điểm giấy." % c.pick(["SMAS", "vnEdu"]),
            "Giáo viên bộ môn nhập điểm đúng hạn; đã khóa sổ điểm học kỳ I.",
            "Hiệu trưởng ký số sổ điểm, in lưu trữ theo quy định."]),
    ]


def sd_1(c):
    return [
        P("Tỷ lệ nhập điểm trên sổ điểm điện tử%s:" % c.k(" ", "")),
        TB(["Khối", "Tỷ lệ nhập đúng hạn", "Ghi chú"], [
            ["%d" % g, "%d%%" % c.n(88, 100), c.pick(["", "GV ốm", "lỗi đồng bộ"])]
            for g in ((3, 4, 5) if c.lv == "TH" else (6, 7, 8, 9))
        ]),
        P("Nhà trường đã nhắc nhở giáo viên chậm cập nhật điểm."),
    ]


def sd_2(c):
    return [
        P("Giáo viên bộ môn Khoa học tự nhiên nhập nhầm điểm kiểm tra giữa kỳ của 3 học sinh lớp 8A3 trên sổ điểm "
          "điện tử, hiện sổ đã khóa."),
        P("Nhà trường đề nghị Phòng mở khóa sổ điểm điện tử để giáo viên điều chỉnh. Gửi kèm biên bản xác nhận sai sót."),
    ]


# ---- STEM ---------------------------------------------------------------

def st_0(c):
    return [
        P("Kết quả tổ chức dạy học theo định hướng giáo dục STEM%s:" % c.k(" ", "")),
        TB(["Khối", "Số bài học STEM", "Chủ đề tiêu biểu"], [
            ["6", str(c.n(2, 4)), "Làm mô hình hệ Mặt Trời"],
            ["7", str(c.n(2, 4)), "Máy lọc nước mini"],
            ["8", str(c.n(1, 3)), "Đèn ngủ cảm ứng"],
            ["9", str(c.n(1, 3)), "Xe chạy bằng năng lượng mặt trời"],
        ]),
    ]


def st_1(c):
    return [
        P("Nhà trường tổ chức Ngày hội STEM cấp trường với chủ đề \"Sáng tạo cùng khoa học\":"),
        UL(["%d gian trưng bày sản phẩm STEM của các khối lớp." % c.n(12, 25),
            "Hoạt động trải nghiệm lắp ghép robot, thí nghiệm vui.",
            "Lựa chọn %d sản phẩm tiêu biểu dự Ngày hội STEM cấp quận." % c.n(3, 5)]),
    ]


def st_2(c):
    return [
        P("Tổ chức hoạt động giáo dục STEAM cho trẻ 5-6 tuổi%s:" % c.k(" ", "")),
        UL(["Chủ đề: \"Bé làm thuyền nổi\", \"Chiếc cầu giấy\".",
            "Mỗi lớp thực hiện %d hoạt động STEAM/tháng." % c.n(1, 2),
            "Giáo viên được bồi dưỡng thiết kế hoạt động theo quy trình 5E."]),
    ]


def st_3(c):
    return [
        P("CLB Robotics của trường%s:" % c.k(" ", "")),
        UL(["Số thành viên: %d học sinh khối 6-8." % c.n(20, 40),
            "Nội dung: lập trình robot bằng khối lệnh, lắp ráp cảm biến.",
            "Sản phẩm: robot dò line, xe tránh vật cản."]),
    ]


# ---- ngoại ngữ ----------------------------------------------------------

def nn_0(c):
    t = c.n(8, 15)
    return [
        P("Thực hiện Đề án Ngoại ngữ quốc gia, nhà trường báo cáo:"),
        UL(["Số giáo viên tiếng Anh: %d; đạt chuẩn B2 trở lên: %d; C1: %d." % (t, t - 1, c.n(2, 5)),
            "Thời lượng: 4 tiết/tuần lớp 3-5; 2 tiết/tuần làm quen lớp 1-2.",
            "Tổ chức câu lạc bộ tiếng Anh 1 buổi/tuần."]),
    ]


def nn_1(c):
    return [
        P("Tình hình tổ chức cho trẻ làm quen với tiếng Anh%s:" % c.k(" ", "")),
        UL(["Số trẻ mẫu giáo tham gia: %d/%d (tự nguyện)." % (c.n(150, 300), c.n(300, 400)),
            "Giáo viên nước ngoài phối hợp giáo viên Việt Nam, 2 tiết/tuần, mỗi tiết 30 phút.",
            "Chương trình đã được Phòng thẩm định; học liệu phù hợp độ tuổi."]),
    ]


def nn_2(c):
    return [
        P("Kết quả khảo sát năng lực tiếng Anh học sinh lớp 5 (4 kỹ năng):"),
        TB(["Mức", "Số học sinh", "Tỷ lệ"], [
            ["Starters trở lên", str(c.n(150, 200)), "%d%%" % c.n(60, 75)],
            ["Chưa đạt", str(c.n(10, 30)), "%d%%" % c.n(5, 12)],
        ]),
        P("Kỹ năng nói và viết còn yếu; đề xuất tăng hoạt động giao tiếp trong tiết học."),
    ]


def nn_3(c):
    return [
        P("Nhà trường tổ chức Ngày hội tiếng Anh (English Day)%s:" % c.k(" ", "")),
        UL(["Thi hùng biện tiếng Anh, hát tiếng Anh, trò chơi ngôn ngữ.",
            "Số học sinh tham gia: %d." % c.n(300, 800),
            "Giáo viên bản ngữ của trung tâm liên kết hỗ trợ làm giám khảo."]),
    ]


# ---- học sinh giỏi ------------------------------------------------------

def hg_0(c):
    return [
        P("Danh sách học sinh giỏi lớp 9 dự thi cấp quận năm học %s:" % c.nh),
        TB(["Môn", "Số học sinh", "Giáo viên bồi dưỡng"], [
            ["Toán", str(c.n(3, 6)), "Nguyễn Văn Thắng"],
            ["Ngữ văn", str(c.n(3, 6)), "Trần Thị Hòa"],
            ["Tiếng Anh", str(c.n(3, 6)), "Lê Thu Hà"],
            ["KHTN", str(c.n(3, 6)), "Phạm Quốc Việt"],
        ]),
    ]


def hg_1(c):
    return [
        P("Kết quả thi học sinh giỏi lớp 9 cấp Thành phố năm học %s:" % c.nh),
        UL(["Giải Nhất: %d; Giải Nhì: %d; Giải Ba: %d; Khuyến khích: %d." % (c.n(0, 1), c.n(1, 3), c.n(2, 4), c.n(3, 6)),
            "Môn có kết quả nổi bật: Tiếng Anh, Lịch sử và Địa lí.",
            "Đề nghị Phòng khen thưởng học sinh và giáo viên có thành tích."]),
    ]


def hg_2(c):
    return [
        P("Kết quả giao lưu \"Trạng Nguyên Tiếng Việt\" cấp quận dành cho học sinh tiểu học:"),
        UL(["Số học sinh dự thi: %d." % c.n(8, 15),
            "Đạt giải: %d (Nhất %d, Nhì %d, Ba %d)." % (c.n(5, 9), 1, 2, 3),
            "%d học sinh được chọn dự vòng cấp Thành phố." % c.n(2, 4)]),
    ]


def hg_3(c):
    return [
        P("Kế hoạch bồi dưỡng đội tuyển học sinh giỏi năm học %s:" % c.nh),
        UL(["Thành lập đội tuyển các môn văn hóa lớp 8, 9 qua 2 vòng khảo sát.",
            "Bồi dưỡng 2 buổi/tuần từ tháng 10 đến trước kỳ thi cấp quận.",
            "Phân công giáo viên cốt cán, có chế độ hỗ trợ theo quy chế chi tiêu nội bộ."]),
    ]


# ---- hướng nghiệp, dạy nghề ---------------------------------------------

def hn_0(c):
    t = c.n(280, 380)
    return [
        P("Công tác giáo dục hướng nghiệp và định hướng phân luồng học sinh sau THCS:"),
        UL(["Tổ chức tư vấn hướng nghiệp cho %d học sinh lớp 9, mời chuyên gia tâm lý." % t,
            "Số học sinh có nguyện vọng học trung cấp, cao đẳng nghề: %d (%d%%)." % (c.n(30, 70), c.n(10, 20)),
            "Phối hợp Trung tâm GDNN-GDTX quận giới thiệu các ngành nghề."]),
    ]


def hn_1(c):
    return [
        P("Tình hình học sinh lớp 8 học nghề phổ thông%s:" % c.k(" ", "")),
        UL(["Số học sinh đăng ký: %d; nghề: Tin học văn phòng, Nấu ăn, Điện dân dụng." % c.n(150, 300),
            "Địa điểm: Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên quận.",
            "Tỷ lệ chuyên cần: %d%%." % c.n(90, 99)]),
    ]


def hn_2(c):
    return [
        P("Nhà trường phối hợp các trường trung cấp, cao đẳng tổ chức Ngày hội tư vấn hướng nghiệp cho học sinh lớp 9:"),
        UL(["%d trường nghề tham gia tư vấn, giới thiệu chương trình 9+." % c.n(4, 8),
            "Học sinh được trải nghiệm thực hành nghề ô tô, điện tử, chăm sóc sắc đẹp.",
            "Phát phiếu khảo sát nguyện vọng phân luồng sau tốt nghiệp THCS."]),
    ]


# ---- dư luận ------------------------------------------------------------

def dl_0(c):
    return [
        P("Chiều ngày %d/%d, trên một số trang mạng xã hội (Facebook, TikTok) lan truyền đoạn clip dài khoảng 40 giây "
          "ghi lại cảnh 2 học sinh nữ lớp 8 của trường xô xát, giật tóc nhau ở khu vực gần cổng sau." % (
              c.sent.day - 1 if c.sent.day > 1 else 1, c.sent.month)),
        P("Ngay khi nắm được thông tin, nhà trường đã:"),
        UL(["Xác minh, mời 2 học sinh và cha mẹ lên làm việc; nguyên nhân do mâu thuẫn cá nhân trên mạng.",
            "Tổ tư vấn tâm lý làm việc với các em; hai gia đình đã hòa giải.",
            "Phối hợp Công an phường đề nghị gỡ clip, nhắc nhở học sinh quay và phát tán."]),
        P("Sức khỏe hai học sinh bình thường, đã đi học trở lại. Nhà trường sẽ báo cáo bổ sung nếu có diễn biến mới."),
    ]


def dl_1(c):
    return [
        P("Sáng nay, một phụ huynh lớp mẫu giáo nhỡ đăng ảnh suất ăn bán trú của con lên Facebook cá nhân và nhóm "
          "cư dân khu đô thị, cho rằng suất ăn ít thịt, không tương xứng mức tiền ăn. Bài đăng có khoảng %d lượt chia sẻ." % c.n(80, 400)),
        P("Nhà trường đã mời phụ huynh đến trường, cùng kiểm tra định lượng, sổ kiểm thực và mẫu lưu; giải thích bức ảnh "
          "chụp khi trẻ đã ăn bớt. Phụ huynh đã gỡ bài và xin lỗi."),
        P("Nhà trường kính báo cáo để Phòng nắm bắt."),
    ]


def dl_2(c):
    return [
        P("Báo điện tử ngày %d/%d đăng bài phản ánh \"Trường học thu hàng loạt khoản ngoài quy định\" có nhắc tên trường." % (
            c.sent.day - 1 if c.sent.day > 1 else 1, c.sent.month)),
        P("Nhà trường giải trình: các khoản nêu trong bài là khoản thu hộ theo thỏa thuận của Ban đại diện cha mẹ học sinh "
          "năm học trước, đã dừng từ đầu năm học này. Nhà trường đã liên hệ tòa soạn để cung cấp thông tin."),
        P("Kính báo cáo Phòng và xin ý kiến chỉ đạo."),
    ]


def dl_3(c):
    return [
        P("Ngày %d, phụ huynh cháu N.G.B (lớp mẫu giáo bé) gửi đơn và đăng lên nhóm Zalo lớp phản ánh cô giáo phạt "
          "cháu đứng góc lớp, cháu về nhà hoảng sợ." % c.n(20, 26)),
        P("Nhà trường đã trích xuất camera, làm việc với giáo viên và phụ huynh. Giáo viên nhận thiếu sót trong cách xử lý, "
          "đã xin lỗi gia đình. Nhà trường tạm thời điều chuyển giáo viên sang bộ phận khác, xem xét trách nhiệm theo quy định."),
    ]


def dl_4(c):
    return [
        P("Khoảng 9h30 ngày %d/%d/%d, trong giờ ra chơi, em H.V.N (lớp 7A2) trượt ngã ở cầu thang tầng 2, bị chấn thương "
          "tay trái. Nhà trường đã sơ cứu, đưa em đến Bệnh viện Thanh Nhàn và báo gia đình." % (
              c.sent.day - 2 if c.sent.day > 2 else 1, c.sent.month, c.sent.year)),
        P("Gia đình học sinh cho rằng nhà trường chậm thông báo, đã đăng bài lên mạng xã hội; một số phóng viên liên hệ "
          "nhà trường để xác minh. Hiện sức khỏe em N ổn định, nhà trường đã thăm hỏi, hỗ trợ viện phí và thống nhất với gia đình."),
        P("Nhà trường kính báo cáo nhanh để Phòng nắm thông tin."),
    ]


# ---- gương điển hình ----------------------------------------------------

def gd_0(c):
    return [
        P("Em Nguyễn Minh Khang, học sinh lớp 4A3, nhặt được chiếc ví trong đó có %d triệu đồng và giấy tờ tùy thân "
          "ở cổng trường, đã nộp cho cô giáo chủ nhiệm để tìm người đánh mất." % c.n(3, 12)),
        P("Nhà trường đã liên hệ trả lại cho chủ nhân. Hành động của em là tấm gương trung thực; nhà trường đã biểu dương "
          "dưới cờ và đề nghị Phòng biểu dương \"Người tốt, việc tốt\"."),
    ]


def gd_1(c):
    return [
        P("Chiều ngày %d, cô giáo Lê Thị Hương (giáo viên Ngữ văn) trên đường về đã phát hiện một học sinh lớp 6 bị trượt "
          "chân xuống hồ điều hòa; cô đã lao xuống cứu em lên bờ an toàn và sơ cứu kịp thời." % c.n(10, 18)),
        P("Nhà trường kính đề nghị Phòng xem xét khen thưởng, nêu gương người tốt việc tốt trong toàn ngành."),
    ]


def gd_2(c):
    return [
        P("Tối ngày %d, một nhà dân cạnh trường bị chập điện gây cháy. Ông Đặng Văn Tư, nhân viên bảo vệ của trường, đã "
          "dùng bình chữa cháy của trường dập lửa, giúp gia đình di chuyển người già ra ngoài an toàn trước khi lực lượng "
          "chức năng có mặt." % c.n(5, 20)),
        P("Nhà trường đề nghị biểu dương gương người tốt, việc tốt đối với ông Tư."),
    ]


# ---- báo cáo tháng (chung) ---------------------------------------------

def bct(c, long=True, numbering="roman"):
    m = c.pm
    sections = []
    sections.append(("Công tác tư tưởng chính trị", [
        "100% cán bộ, giáo viên, nhân viên chấp hành tốt chủ trương của Đảng, chính sách pháp luật của Nhà nước.",
        "Trong tháng nhà trường %s." % MONTH_EVENTS[m].replace("học sinh", c.hs)]))
    cls, kids = c.n(12, 36), c.n(400, 1300)
    sections.append(("Quy mô, chuyên cần", [
        "Tổng số lớp: %d; tổng số %s: %d; tỷ lệ chuyên cần %.1f%%." % (cls, c.hs, kids, c.n(920, 990) / 10)]))
    sections.append(("Công tác chuyên môn", [
        "Thực hiện chương trình đúng kế hoạch; dự giờ %d tiết, xếp loại Tốt %d tiết." % (c.n(20, 40), c.n(10, 20)),
        "Tổ chức %d chuyên đề cấp trường; kiểm tra nội bộ %d giáo viên." % (c.n(1, 3), c.n(2, 5))]))
    if c.lv != "THCS":
        sections.append(("Công tác bán trú, y tế", [
            "Số %s ăn bán trú: %d; bếp ăn đảm bảo vệ sinh, không có ngộ độc thực phẩm." % (c.hs, kids - c.n(10, 80)),
            "Nhân viên y tế theo dõi sức khỏe, phòng bệnh mùa %s." % ("đông" if m in (11, 12, 1, 2) else "mưa")]))
    sections.append(("Cơ sở vật chất", [
        "Bổ sung đồ dùng, thiết bị; sửa chữa nhỏ %s." % c.pick(["hệ thống điện lớp học", "vòi nước khu vệ sinh", "cửa sổ phòng học"])]))
    sections.append(("Các công tác khác", [
        ("Công đoàn hoạt động có hiệu quả" if c.lv == "MN" else "Công đoàn, Đoàn, Đội hoạt động có hiệu quả")
        + "; không có vụ việc mất an toàn, an ninh trật tự."]))
    nxt = m % 12 + 1
    sections.append(("Phương hướng tháng %d" % nxt, [
        "Thực hiện các nhiệm vụ theo kế hoạch năm học; %s." % MONTH_EVENTS[nxt].replace("học sinh", c.hs)]))
    if not long:
        sections = [sections[0], sections[2], sections[-1]]
    blocks = []
    for i, (title, items) in enumerate(sections):
        if numbering == "roman":
            head = "%s. %s" % (["I", "II", "III", "IV", "V", "VI", "VII", "VIII"][i], title.upper())
        elif numbering == "arabic":
            head = "%d. %s" % (i + 1, title)
        else:
            head = "%s) %s" % ("abcdefgh"[i], title)
        blocks.append(P(head))
        blocks.append(UL(items))
    return blocks


BANK = {
    "tuyen-sinh": [ts_0, ts_1, ts_2, ts_3, ts_4],
    "phat-trien-doi-ngu": [dn_0, dn_1, dn_2, dn_3, dn_4],
    "xa-hoi-hoa": [xh_0, xh_1, xh_2, xh_3],
    "co-so-vat-chat": [vc_0, vc_1, vc_2, vc_3, vc_4, vc_5],
    "truong-chuan-quoc-gia": [cq_0, cq_1, cq_2],
    "kiem-dinh-chat-luong": [kd_0, kd_1, kd_2, kd_3],
    "thu-chi": [tc_0, tc_1, tc_2, tc_3, tc_4],
    "quy-che-dan-chu": [dc_0, dc_1, dc_2, dc_3],
    "truong-hoc-an-toan": [at_0, at_1, at_2, at_3, at_4, at_5],
    "ky-nang-song": [kn_0, kn_1, kn_2, kn_3],
    "ve-sinh-an-toan-thuc-pham": [tp_0, tp_1, tp_2, tp_3, tp_4, tp_5],
    "dinh-duong": [dd_0, dd_1, dd_2, dd_3],
    "dao-duc-loi-song": [do_0, do_1, do_2, do_3],
    "danh-gia-hoc-sinh": [dg_0, dg_1, dg_2, dg_3],
    "esams": [es_0, es_1, es_2],
    "truong-hoc-dien-tu": [dt_0, dt_1, dt_2, dt_3],
    "vnen": [vn_0, vn_1, vn_2],
    "day-bo-tro": [bt_0, bt_1, bt_2],
    "day-them-hoc-them": [dtht_0, dtht_1, dtht_2],
    "so-diem-dien-tu": [sd_0, sd_1, sd_2],
    "stem": [st_0, st_1, st_2, st_3],
    "ngoai-ngu": [nn_0, nn_1, nn_2, nn_3],
    "hoc-sinh-gioi": [hg_0, hg_1, hg_2, hg_3],
    "day-nghe": [hn_0, hn_1, hn_2],
    "du-luan": [dl_0, dl_1, dl_2, dl_3, dl_4],
    "guong-dien-hinh": [gd_0, gd_1, gd_2],
}

# who in a school usually writes about what
TOPIC_ROLES = {
    "thu-chi": ["Kế toán", "Kế toán", "Hiệu trưởng"],
    "xa-hoi-hoa": ["Kế toán", "Hiệu trưởng", "Văn thư"],
    "co-so-vat-chat": ["Kế toán", "Phó Hiệu trưởng", "Văn thư"],
    "ve-sinh-an-toan-thuc-pham": ["Nhân viên y tế", "Phó Hiệu trưởng"],
    "dinh-duong": ["Nhân viên y tế", "Phó Hiệu trưởng"],
    "du-luan": ["Hiệu trưởng"],
    "guong-dien-hinh": ["Hiệu trưởng", "Văn thư"],
    "danh-gia-hoc-sinh": ["Phó Hiệu trưởng", "Tổ trưởng chuyên môn"],
    "so-diem-dien-tu": ["Phó Hiệu trưởng", "Nhân viên văn phòng"],
    "esams": ["Văn thư", "Nhân viên văn phòng"],
    "truong-hoc-dien-tu": ["Phó Hiệu trưởng", "Nhân viên văn phòng"],
    "hoc-sinh-gioi": ["Phó Hiệu trưởng", "Tổ trưởng chuyên môn"],
    "ky-nang-song": ["Phó Hiệu trưởng", "Tổng phụ trách Đội"],
    "dao-duc-loi-song": ["Phó Hiệu trưởng", "Tổng phụ trách Đội"],
}
DEFAULT_ROLES = ["Văn thư", "Phó Hiệu trưởng", "Hiệu trưởng", "Nhân viên văn phòng"]

# how the office's request and the formal title name each topic
WHAT = {
    "tuyen-sinh": "công tác tuyển sinh",
    "phat-trien-doi-ngu": "công tác bồi dưỡng, phát triển đội ngũ",
    "xa-hoi-hoa": "công tác xã hội hóa giáo dục",
    "co-so-vat-chat": "thực trạng cơ sở vật chất",
    "truong-chuan-quoc-gia": "công tác xây dựng trường chuẩn quốc gia",
    "kiem-dinh-chat-luong": "công tác kiểm định chất lượng giáo dục",
    "thu-chi": "tình hình thu, chi",
    "quy-che-dan-chu": "việc thực hiện quy chế dân chủ",
    "truong-hoc-an-toan": "công tác xây dựng trường học an toàn",
    "ky-nang-song": "công tác giáo dục kỹ năng sống",
    "ve-sinh-an-toan-thuc-pham": "công tác vệ sinh an toàn thực phẩm",
    "dinh-duong": "công tác chăm sóc, nuôi dưỡng và dinh dưỡng",
    "dao-duc-loi-song": "công tác giáo dục đạo đức, lối sống",
    "danh-gia-hoc-sinh": "kết quả đánh giá học sinh",
    "esams": "số liệu trên hệ thống ESAMS",
    "truong-hoc-dien-tu": "công tác chuyển đổi số",
    "vnen": "việc vận dụng mô hình VNEN",
    "day-bo-tro": "công tác dạy bổ trợ",
    "day-them-hoc-them": "công tác quản lý dạy thêm, học thêm",
    "so-diem-dien-tu": "việc sử dụng sổ điểm điện tử",
    "stem": "công tác giáo dục STEM",
    "ngoai-ngu": "công tác dạy và học ngoại ngữ",
    "hoc-sinh-gioi": "công tác bồi dưỡng học sinh giỏi",
    "day-nghe": "công tác giáo dục hướng nghiệp",
    "bao-cao-thang": "công tác",
    "du-luan": "vụ việc",
    "guong-dien-hinh": "gương người tốt việc tốt",
}


# --------------------------------------------------------------------------
# assembling one message
# --------------------------------------------------------------------------

PEOPLE = ["Hà Thị Thanh Nga", "Trương Thị Ánh Tuyết", "Nguyễn Hải Đăng", "Lương Thị Bảo Ngọc", "Võ Thị Kim Chi",
          "Phùng Thị Hương Giang", "Tô Thị Mỹ Hạnh", "Đoàn Minh Tuấn", "Nguyễn Thị Quỳnh Trang", "Lê Thị Thu Thủy",
          "Vương Thị Hằng", "Trần Quốc Khánh", "Hồ Thị Phương Lan", "Quách Thị Ngân", "Nguyễn Thị Tuyết Mai",
          "Đồng Thị Thanh Huyền", "Phí Thị Hồng", "Khúc Thị Yến", "Bạch Thị Kim Liên", "Giang Thị Minh Phương",
          "Nguyễn Thị Thu Hà", "Trần Thị Minh Nguyệt", "Lê Thị Hải Yến", "Phạm Văn Đức", "Đỗ Thị Phương Thảo",
          "Vũ Thị Ngọc Anh", "Hoàng Thị Lan Hương", "Bùi Thị Thanh Tâm", "Ngô Quang Huy", "Đặng Thị Kim Oanh",
          "Phan Thị Bích Ngọc", "Nguyễn Văn Long", "Trịnh Thị Hồng Vân", "Lưu Thị Mai", "Dương Thị Thúy",
          "Cao Thị Hạnh", "Tạ Thị Hoa", "Nguyễn Thị Liên", "Mai Thị Thanh Bình", "Kiều Thị Huyền",
          "Lại Thị Diệu Linh", "Chu Văn Thành", "Đinh Thị Xuân", "Nghiêm Thị Loan"]
WEEKDAY_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
WEEKDAY_VI_SHORT = ["Th 2", "Th 3", "Th 4", "Th 5", "Th 6", "Th 7", "CN"]
WEEKDAY_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December"]


def parse_dt(s: str, rng) -> datetime:
    d = datetime.strptime(s, "%Y-%m-%d %H:%M")
    return d.replace(second=rng.randrange(60), tzinfo=TZ7)


def initials(unit) -> str:
    words = strip_diacritics(short_name(unit)).split()
    return words[0] + "".join(w[0] for w in words[1:]).upper()


def phone(rng) -> str:
    return "09%d%d.%03d.%03d" % (rng.randrange(10), rng.randrange(10), rng.randrange(1000), rng.randrange(1000))


def cv_ref(c, days_before=None) -> tuple[str, datetime]:
    d = c.sent - timedelta(days=days_before if days_before is not None else c.n(3, 12))
    team = {"MN": "MN", "TH": "TH", "THCS": "THCS"}[c.lv]
    return "Công văn số %d/PGDĐT-%s ngày %02d/%02d/%d" % (c.n(700, 2600), team, d.day, d.month, d.year), d


def letterhead(c, docno: str, place_date: datetime, title: str) -> list:
    lv_upper = c.school.upper()
    return [
        ("pre", "UBND QUẬN HOÀNG MAI                      CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                "%-40s Độc lập - Tự do - Hạnh phúc\n"
                "Số: %-36s Hoàng Mai, ngày %02d tháng %02d năm %d" % (
                    lv_upper, docno, place_date.day, place_date.month, place_date.year)),
        H("BÁO CÁO\n%s" % title),
    ]


def signature(c, style: str, person: str, role: str) -> list:
    if style == "none":
        return []
    if style == "formal":
        return [("pre", "Nơi nhận:                                  %s\n"
                        "- Phòng GD&ĐT (để b/c);\n"
                        "- Lưu: VT.                                 (đã ký)\n\n"
                        "                                           %s" % (
                            "HIỆU TRƯỞNG" if role != "Phó Hiệu trưởng" else "KT. HIỆU TRƯỞNG\n                                           PHÓ HIỆU TRƯỞNG",
                            person))]
    if style == "dash":
        return [("raw", "-- \n%s\n%s - %s\nĐT: %s" % (person, role, c.school, phone(c.rng)))]
    if style == "short":
        return [("raw", "%s\n%s" % (person, c.short))]
    if style == "iphone":
        return [("raw", "Sent from my iPhone")]
    if style == "iphone-vi":
        return [("raw", "Được gửi từ iPhone của tôi")]
    if style == "android":
        return [("raw", "Gửi từ điện thoại Samsung Galaxy của tôi.")]
    if style == "stars":
        return [("raw", "********************************\n%s\n%s\nĐịa chỉ: phường %s, quận Hoàng Mai, Hà Nội\n"
                        "Điện thoại: 024.%04d.%04d\n********************************" % (
                            c.school.upper(), role + ": " + person, c.ward, c.n(3000, 3999), c.n(0, 9999)))]
    return [("raw", "%s\n%s - %s" % (person, role, c.short))]


def office_request(c, what: str, qpb: str | None, deadline: datetime) -> tuple[list, str]:
    lvname = {"MN": "mầm non", "TH": "tiểu học", "THCS": "THCS"}[c.lv]
    subj = "V/v báo cáo %s%s" % (what, " " + qpb if qpb else "")
    blocks = [
        P("Kính gửi: Hiệu trưởng các trường %s" % lvname),
        P("Để tổng hợp báo cáo Sở GD&ĐT và UBND quận, %s đề nghị các trường báo cáo %s%s (theo mẫu đính kèm), "
          "gửi về hộp thư %s trước ngày %02d/%02d/%d." % (
              c.team["name"], what, " " + qpb if qpb else "", c.team["email"], deadline.day, deadline.month,
              deadline.year)),
        P("Trân trọng!"),
        P("--\n%s - Phòng Giáo dục và Đào tạo quận Hoàng Mai" % c.team["name"]),
    ]
    return blocks, subj


def attribution(style: str, who: str, addr: str, when: datetime, subj: str, to: str) -> list:
    hh = when.strftime("%H:%M")
    if style == "gmail-vi":
        return [("raw", "Vào %s, %d thg %d, %d vào lúc %s %s <%s> đã viết:" % (
            WEEKDAY_VI_SHORT[when.weekday()], when.day, when.month, when.year, hh, who, addr))], True
    if style == "gmail-en":
        h12 = when.hour % 12 or 12
        return [("raw", "On %s, %s %d, %d at %d:%02d %s %s <%s> wrote:" % (
            WEEKDAY_EN[when.weekday()][:3], MONTH_EN[when.month - 1][:3], when.day, when.year, h12, when.minute,
            "AM" if when.hour < 12 else "PM", who, addr))], True
    if style == "thunderbird":
        return [("raw", "Vào %02d/%02d/%d %s, %s đã viết:" % (when.day, when.month, when.year, hh, who))], True
    if style == "iphone":
        return [("raw", "Vào lúc %s, %s, %d thg %d, %d, %s <%s> đã viết:" % (
            hh, WEEKDAY_VI_SHORT[when.weekday()], when.day, when.month, when.year, who, addr))], True
    if style == "outlook-vi":
        return [("raw", "-----Original Message-----\nFrom: %s [mailto:%s]\nSent: %s, %d tháng %d, %d %d:%02d %s\n"
                        "To: %s\nSubject: %s" % (
                            who, addr, WEEKDAY_VI[when.weekday()], when.day, when.month, when.year, when.hour % 12 or 12,
                            when.minute, "SA" if when.hour < 12 else "CH", to, subj))], False
    if style == "outlook-en":
        h12 = when.hour % 12 or 12
        return [("raw", "________________________________\nFrom: %s <%s>\nSent: %s, %s %d, %d %d:%02d %s\n"
                        "To: %s\nSubject: %s" % (
                            who, addr, WEEKDAY_EN[when.weekday()], MONTH_EN[when.month - 1], when.day, when.year, h12,
                            when.minute, "AM" if when.hour < 12 else "PM", to, subj))], False
    if style == "zimbra":
        return [("raw", "----- Original Message -----\nFrom: \"%s\" <%s>\nTo: %s\nSent: %s, %s %d, %d %s:%02d\n"
                        "Subject: %s" % (who, addr, to, WEEKDAY_EN[when.weekday()], MONTH_EN[when.month - 1], when.day,
                                         when.year, hh, when.second, subj))], False
    raise ValueError(style)


def forward_header(style: str, name: str, addr: str, when: datetime, subj: str, to: str) -> str:
    if style == "gmail-en":
        h12 = when.hour % 12 or 12
        return ("---------- Forwarded message ---------\nFrom: %s <%s>\nDate: %s, %s %d, %d at %d:%02d %s\n"
                "Subject: %s\nTo: <%s>" % (name, addr, WEEKDAY_EN[when.weekday()][:3], MONTH_EN[when.month - 1][:3],
                                            when.day, when.year, h12, when.minute, "AM" if when.hour < 12 else "PM",
                                            subj, to))
    if style == "gmail-vi":
        return ("---------- Thư đã chuyển tiếp ---------\nTừ: %s <%s>\nDate: %s, %d thg %d, %d vào lúc %s\n"
                "Subject: %s\nTo: <%s>" % (name, addr, WEEKDAY_VI_SHORT[when.weekday()], when.day, when.month,
                                            when.year, when.strftime("%H:%M"), subj, to))
    if style == "outlook":
        return ("________________________________\nFrom: %s <%s>\nSent: %s, %s %d, %d %s\nTo: %s\nSubject: %s" % (
            name, addr, WEEKDAY_EN[when.weekday()], MONTH_EN[when.month - 1], when.day, when.year,
            when.strftime("%I:%M %p"), to, subj))
    if style == "zimbra":
        return ("----- Forwarded Message -----\nFrom: \"%s\" <%s>\nTo: %s\nSent: %s\nSubject: %s" % (
            name, addr, to, when.strftime("%A, %B %d, %Y %I:%M:%S %p"), subj))
    raise ValueError(style)


def message_id(client: str, rng, when: datetime, domain: str) -> str:
    h = lambda n: "".join(rng.choice("0123456789abcdef") for _ in range(n))  # noqa: E731
    H_ = lambda n: h(n).upper()  # noqa: E731
    ts = int(when.timestamp())
    if client == "outlook":
        return "<000%s01dc%s$%s$%s@%s>" % (h(1), h(8), h(8), h(8), domain)
    if client == "zimbra":
        return "<%d.%d.%d%03d.JavaMail.zimbra@%s>" % (rng.randrange(10 ** 8, 10 ** 9), rng.randrange(10 ** 5, 10 ** 6),
                                                    ts, rng.randrange(1000), domain)
    if client == "thunderbird":
        return "<%s-%s-%s-%s-%s@%s>" % (h(8), h(4), h(4), h(4), h(12), domain)
    if client in ("iphone", "icloud"):
        return "<%s-%s-%s-%s-%s@%s>" % (H_(8), H_(4), H_(4), H_(4), H_(12), domain)
    if client == "roundcube":
        return "<%s@%s>" % (h(32), domain)
    if client == "oe":
        return "<000%s01dc%s$%s$%s@PCVANTHU>" % (h(1), h(8), h(8), h(8))
    if client == "gmail":
        return "<CA%s@mail.gmail.com>" % "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-") for _ in range(44))
    if client == "yahoo":
        return "<%d.%d.%d%03d@mail.yahoo.com>" % (rng.randrange(10 ** 8, 10 ** 9), rng.randrange(10 ** 6, 10 ** 7), ts,
                                                 rng.randrange(1000))
    if client == "hotmail":
        return "<SG2PR0%dMB%d%s@SG2PR0%dMB%d.apcprd06.prod.outlook.com>" % (
            rng.randrange(1, 7), rng.randrange(1000, 9999), H_(12), rng.randrange(1, 7), rng.randrange(1000, 9999))
    return "<%s.%d@%s>" % (h(16), ts, domain)


CLIENT_HEADERS = {
    "outlook": [("X-Mailer", "Microsoft Outlook 16.0"), ("Content-Language", "vi")],
    "zimbra": [("X-Mailer", "Zimbra 8.8.15_GA_4484 (ZimbraWebClient - GC141 (Win)/8.8.15_GA_4481)")],
    "thunderbird": [("User-Agent", "Mozilla Thunderbird"), ("Content-Language", "vi-VN")],
    "iphone": [("X-Mailer", "iPhone Mail (22B91)")],
    "icloud": [("X-Mailer", "iPhone Mail (21G93)")],
    "roundcube": [("User-Agent", "Roundcube Webmail/1.6.6")],
    "oe": [("X-Priority", "3"), ("X-MSMail-Priority", "Normal"),
           ("X-Mailer", "Microsoft Outlook Express 6.00.2900.5512"),
           ("X-MimeOLE", "Produced By Microsoft MimeOLE V6.00.2900.5512")],
    "gmail": [],
    "yahoo": [("X-Mailer", "WebService/1.1.22806 YMailNorrin")],
    "hotmail": [("x-ms-exchange-messagesentrepresentingtype", "1")],
}


def make_top(headers, body: Message) -> Message:
    top = Message()
    for k, v in headers:
        top[k] = v
    top["MIME-Version"] = "1.0"
    for k, v in body.items():
        top[k] = v
    top._payload = body._payload  # raw: get_payload() would decode 8-bit text
    top.preamble = body.preamble
    return top


def flatten(msg: Message, crlf: bool) -> bytes:
    buf = io.BytesIO()
    pol = compat32.clone(max_line_length=0, linesep="\r\n" if crlf else "\n")
    BytesGenerator(buf, mangle_from_=False, policy=pol).flatten(msg)
    return buf.getvalue()


class Built:
    pass


def build(spec: dict, no: int) -> Built:
    rng = random.Random(SEED * 1000 + no)
    topic = spec.get("t")
    if spec.get("fake_unit"):
        unit = spec["fake_unit"]
    else:
        unit = UNITS[spec.get("u") or spec["claims"]]
    sent = parse_dt(spec["d"], rng)
    if spec.get("p"):
        py, pm = map(int, spec["p"].split("-"))
    else:
        py, pm = sent.year, sent.month
    c = Ctx(rng, unit, sent, (py, pm), spec.get("pb"))
    sty = spec.get("sty", "")
    client = spec.get("cl") or rng.choice(["outlook", "zimbra", "zimbra", "thunderbird", "roundcube"])
    person = spec.get("person") or rng.choice(PEOPLE)
    roles = TOPIC_ROLES.get(topic or spec.get("like"), DEFAULT_ROLES)
    if c.lv == "MN":
        roles = [r for r in roles if r != "Tổng phụ trách Đội"] or DEFAULT_ROLES
    role = spec.get("role") or rng.choice(roles)
    what = spec.get("what") or WHAT[topic or spec["like"]]

    # ---- sender / recipients
    addr = spec.get("addr") or unit["email"]
    name = spec.get("name", "__auto__")
    if name == "__auto__":
        name = rng.choice([short_name(unit), "Trường " + short_name(unit), unit["name"], None,
                           "%s - %s" % (person, short_name(unit))])
    team = TEAMS[c.lv]
    to_name = spec.get("to_name", rng.choice([team["name"], None, team["name"] + " - PGD Hoàng Mai"]))

    # ---- content blocks
    if topic == "bao-cao-thang" or (not topic and spec.get("like") == "bao-cao-thang"):
        content = bct(c, long=spec.get("long", True), numbering=spec.get("num", "roman"))
    else:
        bank_topic = topic or spec.get("like")
        fns = BANK[bank_topic]
        content = fns[spec.get("v", 0) % len(fns)](c)
    title_what = what + (" " + c.pb if c.pb else "")

    blocks: list = []
    if spec.get("body") is not None:
        blocks.append(("raw", spec["body"]))
        if spec.get("body_content"):
            blocks.extend(content)
            if spec.get("body_tail"):
                blocks.append(("raw", spec["body_tail"]))
    else:
        greet = spec.get("greet") or rng.choice([
            "Kính gửi: %s - Phòng GD&ĐT quận Hoàng Mai" % team["name"],
            "Kính gửi Phòng Giáo dục và Đào tạo quận Hoàng Mai,",
            "Kính gửi: %s," % team["name"],
            "Kính gửi các đồng chí chuyên viên %s," % team["name"],
        ])
        if "formal" in sty:
            docno = "%d/BC-%s" % (c.n(12, 240), initials(unit))
            pd = sent - timedelta(days=spec.get("letter_back", 0))
            blocks += letterhead(c, docno, pd, title_what[0].upper() + title_what[1:])
            blocks.append(P("Kính gửi: Phòng Giáo dục và Đào tạo quận Hoàng Mai"))
        else:
            blocks.append(P(greet))
        if spec.get("intro"):
            blocks.append(P(spec["intro"]))
        else:
            kind = spec.get("intro_kind", rng.choice(["cv", "plain", "plain", "nh", "team", "terse"]))
            if kind == "cv":
                ref, _ = cv_ref(c)
                blocks.append(P("Thực hiện %s của Phòng GD&ĐT về việc báo cáo %s, %s báo cáo như sau:" % (
                    ref, what, c.school)))
            elif kind == "nh":
                blocks.append(P("Căn cứ kế hoạch năm học %s, trường %s báo cáo %s như sau:" % (c.nh, c.short, title_what)))
            elif kind == "team":
                blocks.append(P("Theo đề nghị của %s, trường %s gửi báo cáo %s như sau:" % (
                    team["name"], c.short, title_what)))
            elif kind == "terse":
                blocks.append(P("Nhà trường báo cáo %s:" % title_what))
            elif kind == "none":
                pass
            else:
                blocks.append(P("Trường %s xin gửi báo cáo %s, cụ thể như sau:" % (c.short, title_what)))
        if not spec.get("short"):
            blocks.extend(content)
        if spec.get("extra"):
            blocks.append(P(spec["extra"]))
        if "formal" in sty:
            blocks.append(P("Trên đây là báo cáo %s của %s./." % (title_what, c.school)))
        else:
            blocks.append(P(spec.get("closing") or rng.choice(["Trân trọng!", "Trân trọng cảm ơn.", "Trân trọng./.",
                                                             "Kính mong Phòng xem xét. Trân trọng."])))
    if spec.get("fwd") and spec.get("fwd_person", True) and not spec["fwd"][1].startswith(("THCS", "TH ", "MN", "Trường", "Kế toán")):
        person = spec["fwd"][1]
    sig = spec.get("sig") or ("formal" if "formal" in sty else rng.choice(["dash", "short", "plain", "stars", "dash"]))
    blocks += signature(c, sig, person, role)

    # ---- reply to the office's request
    in_reply_to = None
    if spec.get("q"):
        deadline = sent + timedelta(days=spec.get("deadline", 2))
        asked = sent - timedelta(days=spec.get("asked", rng.randint(2, 9)), hours=rng.randint(0, 6))
        asked = asked.replace(hour=rng.randint(8, 16), minute=rng.randrange(60))
        while asked.weekday() >= 5:          # the office writes on working days
            asked -= timedelta(days=1)
        req, req_subj = office_request(c, spec.get("qwhat") or what, spec.get("qpb"), deadline)
        att, quoted = attribution(spec["q"], team["name"], team["email"], asked, req_subj, unit["email"])
        blocks.append(("blank",))
        blocks += att
        blocks.append(("quote", req) if quoted else ("raw", render_plain(req).rstrip("\n")))
        in_reply_to = message_id("zimbra", random.Random(no), asked, "hanoiedu.vn")

    # ---- forwarded inline
    if spec.get("fwd"):
        fstyle, fname, faddr = spec["fwd"]
        fwhen = sent - timedelta(hours=spec.get("fwd_hours", rng.randint(2, 40)))
        note = spec.get("fwd_note", "")
        fsubj = spec.get("fwd_subj") or spec["s"].split(": ", 1)[-1]
        inner = blocks
        blocks = ([("raw", note)] if note else []) + [("blank",), ("raw", forward_header(
            fstyle, fname, faddr, fwhen, fsubj, spec.get("fwd_to", addr)))] + inner

    # ---- text forms
    plain = render_plain(blocks, spec.get("table", rng.choice(["pipe", "tab"])))
    if "nodiac" in sty:
        plain = strip_diacritics(plain)
    if "caps" in sty:
        plain = plain.upper()
    enc = spec.get("enc", "b64")
    html_flavour = spec.get("hf", rng.choice(["div", "p", "word", "frag"]))
    ent = spec.get("ent")
    hblocks = blocks
    if "nodiac" in sty:
        hblocks = _map_blocks(blocks, strip_diacritics)
    html_text = render_html(hblocks, ent, html_flavour)
    cs = PROFILES[enc][0]
    if cs and cs.lower() != "utf-8":
        html_text = html_text.replace("charset=utf-8", "charset=%s" % cs).replace('charset="utf-8"', 'charset="%s"' % cs)

    lay = spec.get("lay", "plain")
    when = sent
    att_parts = []
    doc_lines = [x for x in render_plain([H(title_what.upper())] + content).split("\n") if x.strip()]
    for a in spec.get("att", []):
        fn, aenc = a[0], a[1]
        data = fake_document(fn, doc_lines, when)
        att_parts.append(attachment_part(fn, data, aenc, octet=(len(a) > 2 and a[2] == "octet")))

    B = lambda k: "----=_Part_%d_%d.%d" % (no, k, 1760000000 + no * 7919 + k)  # noqa: E731
    if lay == "plain":
        body = text_part(plain, "plain", enc, flowed=spec.get("flowed", False))
    elif lay == "html":
        body = text_part(html_text, "html", enc)
    elif lay == "alt":
        body = multipart("alternative", B(1), [text_part(plain, "plain", enc), text_part(html_text, "html", enc)])
    else:
        raise ValueError(lay)
    if spec.get("rfc822"):
        inner_hdr = spec["rfc822"]
        inner_top = make_top([
            ("Date", email_utils.format_datetime(sent - timedelta(hours=inner_hdr.get("hours", 20)))),
            ("From", addr_value(inner_hdr["name"], inner_hdr["addr"])),
            ("To", addr_value(None, inner_hdr.get("to", addr))),
            ("Subject", subject_value(inner_hdr["subj"], "B")),
            ("Message-ID", message_id("outlook", rng, sent, inner_hdr["addr"].split("@")[1])),
        ], body)
        holder = Message()
        holder["Content-Type"] = "message/rfc822"
        holder["Content-Disposition"] = 'attachment; filename="%s"' % inner_hdr.get("file", "forwarded.eml")
        holder.set_payload([inner_top])
        note = text_part(spec["rfc822_note"], "plain", "qp")
        body = multipart("mixed", B(2), [note, holder], preamble="This is a multi-part message in MIME format.")
    if spec.get("legacy"):
        legacy_text = render_plain([H(title_what.upper())] + content)
        lp = text_part(legacy_text, "plain", "tcvn3-8bit")
        lp["Content-Disposition"] = "inline"
        body = multipart("mixed", B(3), [body, lp])
    if att_parts:
        if spec.get("att_only"):
            body = multipart("mixed", B(4), att_parts)
        else:
            body = multipart("mixed", B(4), [body] + att_parts,
                             preamble="This is a multi-part message in MIME format." if client in ("outlook", "thunderbird", "oe") else None)

    # ---- headers
    domain = addr.split("@")[1].lower()
    mid = spec.get("mid_client") or client
    headers = []
    if spec.get("received", rng.random() < 0.4):
        rh = sent + timedelta(seconds=rng.randint(2, 50))
        headers.append(("Received", "from mail.hanoiedu.vn (mail.hanoiedu.vn [10.%d.%d.%d])\n\tby mx1.hanoiedu.vn (Postfix) "
                                    "with ESMTPS id %s\n\tfor <%s>; %s" % (
                                        rng.randrange(256), rng.randrange(256), rng.randrange(256),
                                        "".join(rng.choice("0123456789ABCDEF") for _ in range(11)), team["email"],
                                        email_utils.format_datetime(rh))))
    date_str = email_utils.format_datetime(sent)
    if client in ("iphone", "icloud") and date_str[5] == "0":
        date_str = date_str[:5] + date_str[6:]
    from_v = addr_value(name, addr, spec.get("how", rng.choice(["B", "B", "Q"])))
    to_list = [addr_value(to_name, team["email"], "B")]
    if spec.get("to_pgd"):
        to_list.append(addr_value(None, PGD["email"]))
    order = [("Date", date_str), ("From", from_v), ("To", ",\n\t".join(to_list))]
    if spec.get("cc"):
        order.append(("Cc", spec["cc"]))
    if spec.get("reply_to"):
        order.append(("Reply-To", spec["reply_to"]))
    subj = spec.get("s")
    if subj is not None:
        order.append(("Subject", subject_value(subj, spec.get("senc", "B"))))
    order.append(("Message-ID", message_id(mid, rng, sent, domain)))
    if in_reply_to:
        order.append(("In-Reply-To", in_reply_to))
        order.append(("References", in_reply_to))
    if spec.get("urgent"):
        order += [("X-Priority", "1 (Highest)"), ("Importance", "High")]
    if client == "outlook":
        order.append(("Thread-Index", base64.b64encode(bytes(rng.randrange(256) for _ in range(22))).decode()))
    order += CLIENT_HEADERS.get(client, [])
    msg = make_top(headers + order, body)
    out = Built()
    out.data = flatten(msg, spec.get("crlf", rng.random() < 0.2))
    out.unit = unit
    out.addr = addr
    return out


def _map_blocks(blocks, f):
    out = []
    for b in blocks:
        if b[0] in ("p", "h", "pre", "raw"):
            out.append((b[0], f(b[1])))
        elif b[0] in ("ul", "ol"):
            out.append((b[0], [f(x) for x in b[1]]))
        elif b[0] == "table":
            out.append((b[0], [f(x) for x in b[1]], [[f(x) for x in r] for r in b[2]]))
        elif b[0] == "quote":
            out.append((b[0], _map_blocks(b[1], f)))
        else:
            out.append(b)
    return out


# --------------------------------------------------------------------------
# the 145 distinct messages (duplicates are added in main())
# --------------------------------------------------------------------------

SPECS: list[dict] = []


def F(t, u, d, p, s, **kw):
    """a report from a registered school mailbox -> filed"""
    kw.update(t=t, u=u, d=d, p=p, s=s, verdict="filed")
    SPECS.append(kw)


def REJ(claims, addr, d, s, like, **kw):
    """a personal mailbox -> rejected"""
    kw.update(claims=claims, addr=addr, d=d, s=s, like=like, verdict="rejected")
    SPECS.append(kw)


def QUA(claims, addr, d, s, like, **kw):
    """an official-looking address that is not in the registry -> quarantined"""
    kw.update(claims=claims, addr=addr, d=d, s=s, like=like, verdict="quarantined")
    SPECS.append(kw)


TS, DN, XH, CS = "tuyen-sinh", "phat-trien-doi-ngu", "xa-hoi-hoa", "co-so-vat-chat"
CQ, KD, TC, QC = "truong-chuan-quoc-gia", "kiem-dinh-chat-luong", "thu-chi", "quy-che-dan-chu"
AT, KN, VS, DD = "truong-hoc-an-toan", "ky-nang-song", "ve-sinh-an-toan-thuc-pham", "dinh-duong"
DO, DG, ES, DT, VN = "dao-duc-loi-song", "danh-gia-hoc-sinh", "esams", "truong-hoc-dien-tu", "vnen"
BT, DTHT, SD, ST, NN = "day-bo-tro", "day-them-hoc-them", "so-diem-dien-tu", "stem", "ngoai-ngu"
HG, HN, BCT, DL, GD = "hoc-sinh-gioi", "day-nghe", "bao-cao-thang", "du-luan", "guong-dien-hinh"

# ---- tuyển sinh (7)
F(TS, "TH-HOANGLIET", "2026-05-12 09:40", "2026-05", "Kế hoạch tuyển sinh lớp 1 năm học 2026-2027",
  v=0, sty="formal", letter_back=1, what="kế hoạch tuyển sinh lớp 1 năm học 2026-2027", lay="alt", hf="word",
  enc="b64", senc="B", cl="outlook")
F(TS, "THCS-HOANGVANTHU", "2026-07-20 15:02", "2026-07", "BC ket qua tuyen sinh lop 6 nam hoc 2026-2027",
  v=1, sty="nodiac", what="kết quả tuyển sinh lớp 6", enc="ascii", senc="ascii",
  att=[("KQ_TS_lop6_2026-2027.xlsx", "plain")], cl="roundcube")
F(TS, "MN-HOAMOCLAN", "2026-06-03 10:15", "2026-06", "Báo cáo số liệu trẻ trong độ tuổi tuyển sinh T6/2026",
  v=2, pb="tháng 6/2026", what="số liệu trẻ trong độ tuổi tuyển sinh", enc="qp", senc="Q", cl="zimbra")
F(TS, "MN-BANMAI", "2026-01-06 14:20", "2025-12", "BC tiếp nhận trẻ chuyển đến, tuyển sinh bổ sung tháng 12/2025",
  v=4, pb="tháng 12/2025", intro_kind="cv", enc="8bit", senc="raw", cl="thunderbird")
F(TS, "TH-VINHHOANG", "2026-09-08 07:55", "2026-08", "CT: TS bổ sung lớp 1 + HS chuyển đến T8",
  v=4, pb="tháng 8", fwd=("outlook", "Phạm Thị Thu Hằng", "hangpt.c1vinhhoang@gmail.com"),
  fwd_note="Em chuyển tiếp báo cáo của đ/c Hằng (PHT phụ trách tuyển sinh) ạ.", enc="b64", senc="prefix:B",
  cl="outlook")
F(TS, "THCS-LINHDAM", "2026-04-15 10:05", "2026-04", "Re: V/v đề xuất phân tuyến tuyển sinh năm học 2026-2027",
  v=3, q="gmail-vi", qwhat="đề xuất địa bàn tuyển sinh năm học 2026-2027", enc="qp", senc="prefix:B", cl="zimbra")
F(TS, "MN-HOATHUYTIEN", "2026-07-02 16:40", "2026-06", "Kết quả tuyển sinh trực tuyến đợt 1 (T6/2026)",
  v=1, pb="tháng 6/2026", lay="html", ent="named", hf="word", enc="b64", senc="B", cl="outlook")

# ---- vệ sinh an toàn thực phẩm (8)
F(VS, "MN-DAIKIM", "2026-10-05 08:20", "2026-09", "Báo cáo công tác VSATTP tháng 9/2026",
  v=0, pb="tháng 9/2026", sty="formal", lay="alt", enc="qp", senc="Q", cl="outlook")
F(VS, "MN-HOAPHUONG", "2026-04-28 15:12", "2026-04", "BC hưởng ứng Tháng hành động vì ATTP năm 2026",
  v=2, lay="alt", enc="b64", senc="b", cl="zimbra", reply_to="huongnt.mnhoaphuong@gmail.com")
F(VS, "TH-TUONGMAI", "2026-03-10 09:33", "2026-03", "V/v hợp đồng cung cấp thực phẩm HK2",
  v=1, intro_kind="nh", att=[("HD_cung_cap_thuc_pham_HK2_2026.pdf", "plain")], enc="8bit", senc="B",
  cl="thunderbird")
F(VS, "MN-NAMDU", "2026-11-02 08:47", "2026-10", "TL: V/v báo cáo ATTP T10",
  v=0, pb="tháng 10", q="outlook-vi", qwhat="công tác vệ sinh an toàn thực phẩm", qpb="tháng 10/2026",
  enc="cp1258-qp", senc="cp1258Q", how="cp1258", cl="outlook")
F(VS, "MN-CAUVONG", "2026-01-08 20:14", "2025-12", "Bao cao kham suc khoe nhan vien nuoi duong thang 12",
  v=3, body="Kinh gui To Mam non,\nTruong MN tu thuc Cau Vong gui bao cao kham suc khoe dinh ky nhan vien "
            "nuoi duong thang 12 a.", body_content=True, sty="nodiac", enc="ascii", senc="ascii",
  sig="iphone", cl="iphone", name="MN Cau Vong")
F(VS, "TH-NAMDU", "2026-12-15 11:02", "2026-12", "KẾT QUẢ KIỂM TRA LIÊN NGÀNH ATTP BẾP ĂN BÁN TRÚ",
  v=4, att=[("IMG_20261215_103412.jpg", "plain"), ("IMG_20261215_103420.jpg", "plain")], enc="b64", senc="B",
  cl="iphone", sig="iphone-vi")
F(VS, "MN-VINHHUNG", "2026-05-06 10:30", "2026-04", "Gửi Tổ MN",
  body="Kính gửi Tổ Mầm non,\nTrường MN Vĩnh Hưng gửi báo cáo theo quy định (file đính kèm).\nTrân trọng!",
  att=[("BC_VSATTP_T4.2026.docx", "plain")], enc="qp", senc="Q", cl="zimbra", sig="short")
F(VS, "MN-THONGOC", "2026-09-22 21:05", "2026-09", "Bc xet nghiem mau nuoc uong + dung cu bep th9",
  v=5, body="dạ e gửi bc xét nghiệm mẫu nước và kiểm tra dụng cụ bếp th9 ạ", body_content=True,
  enc="8bit", senc="ascii", cl="iphone", sig="iphone")

# ---- cơ sở vật chất (7)
F(CS, "TH-DINHCONG", "2026-08-10 14:25", "2026-08", "Báo cáo tiến độ sửa chữa, cải tạo CSVC hè 2026",
  v=3, what="tiến độ sửa chữa, cải tạo cơ sở vật chất hè 2026", att=[("Tiến độ sửa chữa hè 2026.xlsx", "2231")],
  lay="alt", enc="b64", senc="B", cl="thunderbird")
F(CS, "MN-HOANGLIET", "2026-03-05 09:18", "2026-03", "Đề xuất sửa chữa nhà vệ sinh và chống thấm mái khu nhà B",
  v=1, intro_kind="cv", what="đề xuất sửa chữa cơ sở vật chất", lay="alt", hf="word", enc="qp", senc="Q",
  cl="outlook")
F(CS, "THCS-YENSO", "2026-10-12 16:02", "2026-10", "RE: V/v thống kê thiết bị dạy học tối thiểu lớp 9 - tháng 10/2026",
  v=2, pb="tháng 10/2026", what="thống kê thiết bị dạy học tối thiểu lớp 9", q="outlook-en",
  qwhat="thống kê thiết bị dạy học tối thiểu lớp 9", qpb="tháng 10/2026", enc="b64", senc="prefix:B",
  cl="outlook")
F(CS, "MN-LINHNAM", "2026-07-24 18:40", "2026-07", "bao cao thiet hai sau mua bao",
  v=4, body="Kính gửi tổ MN. Trường MN Lĩnh Nam báo cáo nhanh thiệt hại CSVC sau trận mưa bão chiều qua:",
  body_content=True, body_tail="Em gửi kèm ảnh ạ.", att=[("IMG_4471.jpg", "plain"), ("IMG_4473.jpg", "plain")],
  enc="8bit", senc="ascii", cl="iphone", sig="iphone")
F(CS, "TH-TANDINH", "2026-12-29 10:10", "2026-12", "Kiểm kê tài sản, CSVC cuối năm 2026",
  v=5, what="kết quả kiểm kê tài sản, cơ sở vật chất", lay="html", ent="numeric", hf="div", enc="qp", senc="B",
  cl="zimbra")
F(CS, "MN-GIAPNHI", "2026-09-04 13:45", "2026-09", "BC rà soát CSVC đầu năm học 2026-2027",
  v=0, enc="nfd-b64", senc="nfdB", cl="thunderbird")
F(CS, "THCS-MAIDONG", "2026-02-05 08:05", "2026-01", "FW: Báo cáo CSVC T1/2026",
  v=0, pb="tháng 1/2026", fwd=("outlook", "THCS Mai Động", "c2maidong-hm@hanoiedu.vn"),
  fwd_to="pgd-hoangmai@hanoiedu.vn", fwd_hours=60,
  fwd_note="Kính gửi Tổ THCS, hôm trước trường gửi nhầm vào hộp thư chung, nay xin chuyển lại ạ.",
  enc="cp1258-8bit", senc="prefix:cp1258Q", how="cp1258", cl="outlook")

# ---- báo cáo tháng (14)
F(BCT, "MN-HOAMAI", "2026-01-05 09:12", "2025-12", "Báo cáo công tác tháng 12/2025",
  pb="tháng 12/2025", sty="formal", letter_back=1, att=[("BC tháng 12.2025 - MN Hoa Mai.docx", "2231")],
  enc="b64", senc="B", cl="outlook")
F(BCT, "TH-DAIKIM", "2026-01-04 21:47", "2025-12", "bc thang 12",
  body="Em gui to TH bao cao thang 12 cua truong TH Dai Kim a. File dinh kem.\nEm cam on",
  att=[("BCthang12.docx", "plain")], enc="ascii", senc="ascii", cl="iphone", sig="iphone", name=None)
F(BCT, "THCS-TANMAI", "2026-02-26 16:30", "2026-02", "BÁO CÁO CÔNG TÁC THÁNG 2 NĂM 2026",
  pb="tháng 2 năm 2026", sty="formal", lay="html", ent="named", hf="word", enc="b64", senc="B", cl="outlook")
F(BCT, "MN-LINHDAM", "2026-03-31 17:05", "2026-03", "Bc thang 3",
  body="Kính gửi tổ MN\nMN Linh Đàm gửi bc tháng 3 ạ:", body_content=True, num="arabic", enc="8bit",
  senc="raw", cl="zimbra", sig="short")
F(BCT, "TH-YENSO", "2026-04-03 10:44", "2026-03", "Re: V/v nộp báo cáo tháng",
  body="Trường TH Yên Sở gửi báo cáo ạ.", att=[("Bao cao.pdf", "plain")], q="gmail-vi", qwhat="công tác",
  qpb="tháng 3/2026", enc="qp", senc="prefix:Q", cl="roundcube", sig="short")
F(BCT, "MN-SONCA", "2026-05-04 08:30", "2026-04", "Gửi báo cáo",
  body="Kính gửi Tổ MN,\nTrường MN Sơn Ca gửi báo cáo theo quy định. Trân trọng",
  att=[("BC thang 4.2026.docx", "plain")], enc="b64", senc="B", cl="zimbra", sig="none")
F(BCT, "THCS-DINHCONG", "2026-09-30 15:20", "2026-09", "V/v báo cáo công tác tháng 9 năm học 2026-2027",
  pb="tháng 9/2026", sty="formal", lay="alt", hf="word", enc="qp", senc="Q", cl="outlook")
F(BCT, "MN-NGOISAONHO", "2026-10-05 09:05", "2026-09", "TL: V/v BC tháng T9-2026",
  pb="tháng 9/2026", q="outlook-vi", qwhat="công tác", qpb="tháng 9/2026", long=False,
  enc="cp1258-qp", senc="cp1258Q", how="cp1258", cl="outlook")
F(BCT, "TH-LINHNAM", "2026-11-02 07:50", "2026-10", "Fwd: BC tháng 10",
  pb="tháng 10", fwd=("gmail-en", "Phạm Thị Thu", "thupt.c1linhnam@gmail.com"),
  fwd_note="Trường TH Lĩnh Nam chuyển báo cáo tháng 10 ạ.", enc="b64", senc="prefix:B", cl="zimbra")
F(BCT, "MN-HOADAO", "2026-11-04 14:00", "2026-10", "báo cáo tháng 10/2026 - MN Hoa Đào",
  pb="tháng 10/2026", num="letters", enc="nfd-qp", senc="nfdB", cl="thunderbird")
F(BCT, "THCS-KIMGIANG", "2026-12-03 09:30", "2026-11", "BÁO CÁO THÁNG 11",
  pb="tháng 11", sty="formal", enc="tcvn3-8bit", senc="tcvn3Q", cl="oe", name="THCS Kim Giang")
F(BCT, "TH-THANHLAN", "2026-12-01 08:15", "2026-11", "Báo cáo công tác tháng 11 năm 2026",
  pb="tháng 11 năm 2026", sty="formal", letter_back=1, lay="html", ent="hex", hf="div", enc="qp", senc="B",
  cl="zimbra")
F(BCT, "MN-CHIMEN", "2026-11-13 16:50", "2026-09", "báo cáo hoạt động T9 (gửi bổ sung)",
  pb="tháng 9", long=False, intro_kind="plain", extra="Do sơ suất, trường chưa gửi báo cáo tháng 9 đúng hạn, nay xin gửi bổ sung.",
  lay="alt", enc="QP", senc="Q", cl="zimbra")
F(BCT, "THCS-VINHHUNG", "2026-12-28 11:11", "2026-12", "BC",
  body="Kinh gui To THCS,\nTruong THCS Vinh Hung gui bao cao cong tac thang cua truong (file dinh kem).\nTran trong.",
  att=[("BaoCao_THCS_VinhHung.doc", "plain")], enc="ascii", senc="ascii", cl="roundcube", sig="none")

# ---- dinh dưỡng (5)
F(DD, "MN-TUONGMAI", "2026-10-20 10:02", "2026-10",
  "Kết quả cân đo, theo dõi biểu đồ tăng trưởng đợt 1 năm học 2026-2027",
  v=0, lay="alt", enc="b64", senc="B", cl="zimbra", addr="mntuongmai-hm@Hanoiedu.vn")
F(DD, "MN-HOAHONG", "2026-12-02 09:48", "2026-12", "Thực đơn mùa đông 12/2026",
  v=1, pb="tháng 12/2026", att=[("Thực đơn mùa đông 2026 - 4 tuần.xlsx", "2047B")], enc="qp", senc="Q",
  cl="outlook")
F(DD, "MN-DENLU", "2026-03-16 15:30", "2026-02", "BC trẻ SDD, thừa cân béo phì tháng 2",
  v=2, pb="tháng 2", enc="8bit", senc="B", cl="thunderbird")
F(DD, "TH-GIAPNHI", "2026-11-20 13:40", "2026-11", "Báo cáo về chế độ dinh dưỡng bữa ăn bán trú và sữa học đường",
  v=3, enc="b64", senc="Bsplit", cl="zimbra")
F(DD, "MN-HOALAN", "2026-01-13 10:20", "2025-12", "Báo cáo kết quả cân đo T12/2025",
  v=0, pb="tháng 12/2025", lay="alt", enc="cp1258-8bit", senc="cp1258Q", how="cp1258", cl="outlook")

# ---- trường học an toàn (6)
F(AT, "TH-MAIDONG", "2026-11-25 14:15", "2026-11", "BC diễn tập PCCC và CNCH năm học 2026-2027",
  v=1, att=[("Biên bản diễn tập PCCC.pdf", "2047Q")], enc="qp", senc="Q", cl="zimbra")
F(AT, "MN-HOASEN", "2026-06-01 09:00", "2026-06", "V/v tuyên truyền phòng chống đuối nước cho trẻ dịp hè",
  v=3, enc="nfd-b64", senc="nfdB", cl="thunderbird")
F(AT, "THCS-GIAPBAT", "2026-09-18 10:35", "2026-09", "Báo cáo ATGT đầu năm học + cam kết đội mũ bảo hiểm T9/2026",
  v=2, pb="tháng 9/2026", lay="alt", enc="b64", senc="B", cl="outlook")
F(AT, "THCS-TRANPHU", "2026-03-09 08:25", "2026-03", "KH phòng chống bạo lực học đường HK2",
  v=4, intro="Trường THCS Trần Phú gửi Kế hoạch phòng, chống bạo lực học đường học kỳ II năm học 2025-2026 "
             "(file đính kèm), tóm tắt như sau:",
  att=[("KH phòng chống BLHĐ HK2 2025-2026.docx", "2047B")], enc="qp", senc="B", cl="outlook")
F(AT, "MN-VANGANH", "2026-01-07 15:15", "2025-12", "Bao cao PCTNTT thang 12/2025",
  v=0, pb="tháng 12/2025", sty="nodiac", enc="ascii", senc="ascii", cl="roundcube")
F(AT, "TH-CHUVANAN", "2026-04-06 09:50", "2026-03", "Re: BC xây dựng trường học an toàn tháng 3",
  v=5, pb="tháng 3", q="thunderbird", qwhat="kết quả xây dựng trường học an toàn, phòng chống tai nạn thương tích",
  qpb="tháng 3/2026", enc="8bit", senc="prefix:B", cl="thunderbird")

# ---- phát triển đội ngũ (5)
F(DN, "TH-PHAPVAN", "2026-07-28 10:00", "2026-07", "Danh sách GV tham gia bồi dưỡng hè 2026",
  v=1, att=[("Danh sách GV bồi dưỡng hè 2026 - TH Pháp Vân.xlsx", "2231cont")], att_only=True, senc="B",
  cl="thunderbird")
F(DN, "THCS-DAIKIM", "2026-05-25 16:10", "2026-05", "BC kết quả BDTX của CBGVNV năm học 2025-2026",
  v=0, what="kết quả bồi dưỡng thường xuyên năm học 2025-2026", sty="formal", enc="qp", senc="Q", cl="zimbra")
F(DN, "MN-DAITU", "2026-03-02 08:40", "2026-03", "V/v báo cáo nhu cầu biên chế, hợp đồng GV năm học 2026-2027",
  v=2, intro_kind="cv", what="nhu cầu biên chế, hợp đồng giáo viên", lay="alt", enc="b64", senc="B",
  cl="outlook")
F(DN, "TH-KHUYENLUONG", "2026-10-09 11:30", "2026-10", "DS GV đủ điều kiện xét thăng hạng CDNN T10/2026",
  v=3, pb="tháng 10/2026", enc="8bit", senc="raw", cl="roundcube")
F(DN, "MN-KHUYENLUONG", "2026-06-15 14:05", "2026-06",
  "BÁO CÁO ĐÁNH GIÁ CHUẨN NGHỀ NGHIỆP GIÁO VIÊN MẦM NON NĂM 2026",
  v=4, what="kết quả đánh giá chuẩn nghề nghiệp giáo viên", lay="html", hf="p", enc="qp", senc="Q", cl="zimbra")

# ---- thu chi (5)
F(TC, "TH-THINHLIET", "2026-10-08 15:45", "2026-09", "Báo cáo thu chi tháng 9/2026",
  v=0, pb="tháng 9/2026", sty="formal", enc="b64", senc="B", cl="outlook")
F(TC, "MN-TANMAI", "2026-09-25 10:55", "2026-09", "BC các khoản thu thỏa thuận đầu năm học 2026-2027",
  v=1, lay="html", ent="named", hf="div", enc="b64", senc="Q", cl="zimbra")
F(TC, "THCS-THANHTRI", "2026-01-15 09:10", "2025-12", "Báo cáo tình hình thu học phí HK1, miễn giảm đến T12/2025",
  v=2, pb="tháng 12/2025", enc="mis-latin1", senc="B", cl="oe", name="THCS Thanh Tri")
F(TC, "MN-MATTROIBECON", "2026-04-04 09:25", "2026-03", "quyết toán tiền ăn bán trú tháng 3",
  v=3, pb="tháng 3", att=[("QT tien an T3.xlsx", "plain")], enc="8bit", senc="B", cl="zimbra")
F(TC, "TH-HOANGMAI", "2026-09-14 16:20", "2026-09", "Chuyển tiếp: rà soát các khoản thu đầu năm",
  v=4, rfc822={"name": "Kế toán TH Hoàng Mai", "addr": "c1hoangmai-hm@hanoiedu.vn", "to": "pgd-hoangmai@hanoiedu.vn",
               "subj": "Rà soát các khoản thu đầu năm", "file": "Ra soat cac khoan thu dau nam.eml", "hours": 50},
  rfc822_note="Kính chuyển Tổ Tiểu học báo cáo nhà trường đã gửi vào hộp thư chung của Phòng (thư gốc đính kèm).\n\n"
              "Văn thư TH Hoàng Mai", enc="qp", senc="Q", cl="zimbra")

# ---- dư luận (5)
F(DL, "THCS-HOANGLIET", "2026-10-22 18:30", "2026-10",
  "BÁO CÁO NHANH: clip học sinh xô xát lan truyền trên mạng xã hội",
  intro_kind="plain", v=0, urgent=True, to_pgd=True, enc="b64", senc="B", cl="outlook")
F(DL, "MN-GIAPBAT", "2026-03-18 11:50", "2026-03",
  "KHẨN - V/v phụ huynh đăng bài phản ánh suất ăn bán trú trên facebook",
  intro_kind="plain", v=1, urgent=True, enc="qp", senc="Q", cl="zimbra")
F(DL, "TH-VINHHUNG", "2026-09-10 17:25", "2026-09", "Báo cáo giải trình nội dung báo điện tử phản ánh",
  v=2, what="giải trình nội dung báo điện tử phản ánh", sty="formal", enc="b64", senc="B", cl="thunderbird")
F(DL, "MN-HOATRANGNGUYEN", "2026-11-27 21:40", "2026-11", "bc nhanh vu viec phu huynh khieu nai co giao",
  v=3, body="Kinh gui to MN. Truong MN Hoa Trang Nguyen bao cao nhanh vu viec:", body_content=True,
  sty="nodiac", enc="ascii", senc="ascii", cl="iphone", sig="iphone", urgent=True)
F(DL, "THCS-LINHNAM", "2026-12-07 12:05", "2026-12", "Báo cáo vụ việc HS bị ngã cầu thang ngày 05/12/2026",
  intro_kind="plain", v=4, enc="8bit", senc="raw", cl="roundcube")

# ---- xã hội hóa (4)
F(XH, "TH-LYTHUONGKIET", "2026-06-20 09:35", "2026-06", "BC công tác XHH năm học 2025-2026",
  v=0, lay="alt", hf="word", enc="b64", senc="B", cl="outlook")
F(XH, "MN-ANHSAO", "2026-10-15 14:45", "2026-10", "KH vận động tài trợ năm học 2026-2027",
  v=1, att=[("KH van dong tai tro 2026-2027.pdf", "plain")], enc="qp", senc="Q", cl="zimbra")
F(XH, "MN-YENDUYEN", "2026-11-10 10:25", "2026-10",
  "Biên bản tiếp nhận tài trợ điều hòa của Ban đại diện CMHS T10/2026",
  v=2, pb="tháng 10/2026", att=[("Biên bản tiếp nhận tài trợ.pdf", "raw")], enc="b64", senc="B",
  cl="thunderbird")
F(XH, "THCS-DENLU", "2026-12-21 15:55", "2026-12", "Re: Fwd: V/v báo cáo tài trợ học bổng cuối năm 2026",
  v=3, q="zimbra", qwhat="kết quả tiếp nhận tài trợ học bổng, quà cho học sinh khó khăn", qpb="năm 2026",
  enc="b64", senc="prefix:B", cl="zimbra")

# ---- kiểm định chất lượng (4)
F(KD, "TH-GIAPBAT", "2026-05-20 10:15", "2026-05", "Nộp báo cáo tự đánh giá (KĐCL) năm 2026",
  v=0, att=[("Báo cáo tự đánh giá TH Giáp Bát 2026.pdf", "2047B")], enc="b64", senc="B", cl="outlook")
F(KD, "MN-MAIDONG", "2026-10-26 09:00", "2026-10", "BC thực hiện kế hoạch cải tiến chất lượng sau đánh giá ngoài",
  v=1, lay="alt", enc="qp", senc="Q", cl="zimbra")
F(KD, "THCS-VINHHOANG", "2026-03-23 14:35", "2026-03", "Đăng ký đánh giá ngoài năm 2026",
  v=2, what="đăng ký đánh giá ngoài", sty="formal", enc="b64", senc="B", cl="outlook")
F(KD, "MN-YENSO", "2026-11-30 16:45", "2026-11", "KĐCL - BC tiến độ tự đánh giá T11",
  v=3, pb="tháng 11", enc="cp1258-b64", senc="cp1258Q", how="cp1258", cl="outlook")

# ---- trường chuẩn quốc gia (3)
F(CQ, "TH-TRANPHU", "2026-04-22 08:50", "2026-04", "Hồ sơ đề nghị công nhận lại trường đạt chuẩn quốc gia mức độ 2",
  v=1, what="đề nghị công nhận lại trường đạt chuẩn quốc gia", sty="formal",
  att=[("To trinh cong nhan lai TCQG.pdf", "plain"), ("Bao cao duy tri TCQG.docx", "plain"),
       ("Bien ban tu kiem tra.pdf", "plain")], enc="qp", senc="Q", cl="outlook")
F(CQ, "MN-THANHTRI", "2026-09-29 10:40", "2026-09", "BC tiến độ xây dựng TCQG T9/2026",
  v=0, pb="tháng 9/2026", enc="b64", senc="B", cl="zimbra")
F(CQ, "THCS-NAMDU", "2026-02-09 15:05", "2026-02", "KH duy trì và nâng cao chất lượng trường đạt chuẩn QG",
  v=2, lay="alt", enc="8bit", senc="B", cl="thunderbird")

# ---- quy chế dân chủ (4)
F(QC, "TH-HOANGVANTHU", "2026-09-28 14:20", "2026-09",
  "Báo cáo kết quả tổ chức Hội nghị viên chức, người lao động năm học 2026-2027",
  v=0, what="kết quả tổ chức Hội nghị viên chức, người lao động", sty="formal", lay="alt", hf="word",
  enc="qp", senc="Q", cl="outlook")
F(QC, "MN-HOAANHDAO", "2026-06-26 10:10", "2026-06", "BC thực hiện QCDC 6 tháng đầu năm 2026",
  v=1, pb="6 tháng đầu năm 2026",
  body="Kính gửi Tổ Mầm non,\nTrường MN Hoa Anh Đào gửi báo cáo thực hiện quy chế dân chủ 6 tháng đầu năm 2026. "
       "Nội dung em dán từ file báo cáo cũ ở phần dưới ạ.",
  legacy=True, enc="b64", senc="B", cl="zimbra", sig="short")
F(QC, "THCS-THINHLIET", "2026-12-10 09:45", "2026-11", "BC hoạt động Ban TTND 11/2026",
  v=2, pb="tháng 11/2026", enc="b64", senc="B", cl="roundcube")
F(QC, "MN-TRANPHU", "2026-01-20 13:30", "2026-01", "kiện toàn Ban TTND + KH hoạt động năm 2026",
  v=3, att=[("QĐ kiện toàn Ban TTND.pdf", "2231"), ("KH hoạt động Ban TTND 2026.docx", "2231")],
  enc="8bit", senc="raw", cl="thunderbird")

# ---- kỹ năng sống (4)
F(KN, "MN-HOASUA", "2026-11-18 15:00", "2026-11", "BC chuyên đề GDKNS tự phục vụ cho trẻ T11-2026",
  v=0, pb="tháng 11-2026", enc="qp", senc="Q", cl="zimbra")
F(KN, "TH-DENLU", "2026-04-27 10:30", "2026-04", "Báo cáo hoạt động trải nghiệm tham quan dã ngoại HK2",
  v=1, lay="alt", enc="b64", senc="B", cl="outlook")
F(KN, "THCS-TANDINH", "2026-10-19 16:15", "2026-10", "CLB kỹ năng sống - báo cáo tháng 10",
  v=2, pb="tháng 10", enc="nfd-8bit", senc="nfdB", cl="thunderbird")
F(KN, "MN-BINHMINH", "2026-02-10 11:20", "2026-02", "BC HĐ trải nghiệm Tết xưa",
  v=3, att=[("Anh hoat dong.jpg", "plain")], enc="b64", senc="b", cl="zimbra")

# ---- đạo đức lối sống (4)
F(DO, "THCS-TUONGMAI", "2026-11-09 09:05", "2026-10",
  "BC thực hiện bộ quy tắc ứng xử, xây dựng văn hóa học đường T10/2026",
  v=0, pb="tháng 10/2026", sty="formal", what="việc thực hiện bộ quy tắc ứng xử, xây dựng văn hóa học đường",
  enc="b64", senc="B", cl="outlook")
F(DO, "TH-LINHDAM", "2026-03-13 14:50", "2026-02", "Giáo dục đạo đức, lối sống cho học sinh - tháng 2",
  v=1, pb="tháng 2", enc="qp", senc="Q", cl="zimbra")
F(DO, "MN-PHAPVAN", "2026-12-23 10:35", "2026-12", None,
  v=2, what="việc xây dựng văn hóa ứng xử trong nhà trường", enc="mis-none", cl="roundcube")
F(DO, "THCS-HOANGVANTHU", "2026-01-12 15:25", "2026-01", "BC giáo dục truyền thống, đạo đức lối sống HK1",
  v=3, lay="html", hf="frag", enc="b64", senc="B", cl="zimbra")

# ---- đánh giá học sinh (5)
F(DG, "TH-KIMGIANG", "2026-01-16 16:00", "2026-01",
  "Báo cáo kết quả đánh giá cuối học kỳ I năm học 2025-2026 (TT27)",
  v=0, what="kết quả đánh giá học sinh cuối học kỳ I", sty="formal", lay="html", ent="named", hf="word",
  enc="b64", senc="B", cl="outlook")
F(DG, "THCS-TANDINH", "2026-05-29 11:40", "2026-05", "KQ đánh giá HS cuối năm theo TT22 - THCS Tân Định",
  v=1, att=[("KQ danh gia cuoi nam 2025-2026.xlsx", "plain")], enc="qp", senc="Q", cl="zimbra")
F(DG, "TH-DAITU", "2026-11-12 09:20", "2026-10", "Kết quả kiểm tra giữa kỳ I (tháng 10/2026)",
  v=2, pb="tháng 10/2026", enc="b64", senc="B", cl="thunderbird")
F(DG, "TH-TAINANG", "2026-09-21 14:10", "2026-09", "BC khảo sát chất lượng đầu năm T9",
  v=3, pb="tháng 9", extra="Kết quả khảo sát chỉ dùng để nắm chất lượng đầu năm, không dùng để xếp loại học sinh "
                          "(khác với cách làm cũ theo Thông tư 22/2016/TT-BGDĐT).",
  enc="8bit", senc="B", cl="outlook")
F(DG, "THCS-DENLU", "2026-01-19 10:50", "2026-01", "Thống kê xếp loại kết quả học tập và rèn luyện HKI",
  v=1, enc="cp1258-qp", senc="cp1258Q", how="cp1258", cl="outlook")

# ---- ESAMS (3)
F(ES, "TH-YENDUYEN", "2026-10-06 08:55", "2026-10", "ESAMS - đã cập nhật số liệu đầu năm",
  v=0, enc="mis-utf8", senc="Q", cl="outlook")
F(ES, "MN-DINHCONG", "2026-01-09 15:35", "2026-01", "Trả lời: lỗi không nộp được báo cáo trên ESAMS",
  v=1, q="gmail-vi", qwhat="số liệu kỳ I trên hệ thống ESAMS", enc="b64", senc="prefix:B", cl="zimbra",
  intro="Trường MN Định Công báo cáo lỗi khi nộp số liệu trên hệ thống ESAMS như sau:")
F(ES, "THCS-MAIDONG", "2026-06-08 09:30", "2026-06", "xác nhận số liệu cuối năm trên hệ thống eSAMS",
  v=2, att=[("Bieu mau ESAMS cuoi nam.pdf", "plain")], enc="8bit", senc="raw", cl="roundcube")

# ---- trường học điện tử / chuyển đổi số (4)
F(DT, "THCS-GIAPBAT", "2026-10-27 10:05", "2026-10", "Gửi kế hoạch",
  v=0, body="Kính gửi Tổ THCS,\nTrường THCS Giáp Bát gửi kế hoạch (file đính kèm).\nTrân trọng.",
  att=[("KH CĐS 2026-2027.docx", "2231only")], enc="b64", senc="B", cl="thunderbird", sig="short")
F(DT, "TH-HOANGLIET", "2026-12-14 14:40", "2026-11", "Báo cáo tiến độ triển khai học bạ số T11/2026",
  v=1, pb="tháng 11/2026", lay="alt", enc="qp", senc="Q", cl="zimbra")
F(DT, "TH-THANHTRI", "2026-02-24 19:20", "2026-02", "bc day hoc truc tuyen tren K12Online nhung ngay ret dam",
  v=2, body="Kinh gui to Tieu hoc, truong TH Thanh Tri bao cao viec day hoc truc tuyen nhung ngay hoc sinh nghi "
            "do ret dam nhu sau:", body_content=True, sty="nodiac", enc="ascii", senc="ascii", cl="roundcube")
F(DT, "MN-VINHHOANG", "2026-11-05 11:45", "2026-10", "BC ứng dụng CNTT, CĐS trong quản lý MN tháng 10",
  v=3, pb="tháng 10", enc="b64", senc="Bsplit", cl="zimbra")

# ---- VNEN (3)
F(VN, "TH-TANMAI", "2026-10-16 14:25", "2026-10", "BC duy trì các yếu tố tích cực của mô hình VNEN",
  v=0, enc="qp", senc="Q", cl="zimbra")
F(VN, "TH-DINHCONG", "2026-03-25 09:15", "2026-03", "V/v số lớp áp dụng VNEN HK2 năm học 2025-2026",
  v=1, intro_kind="cv", enc="tcvn3-qp", senc="tcvn3Q", cl="oe", name="TH Dinh Cong")
F(VN, "TH-NAMDU", "2026-11-24 16:35", "2026-11", "Rút kinh nghiệm chuyên đề VNEN cụm 3",
  v=2, enc="cp1258-qp", senc="cp1258Q", how="cp1258", cl="outlook")

# ---- dạy bổ trợ (3)
F(BT, "TH-LINHNAM", "2026-10-13 10:40", "2026-10", "KH dạy bổ trợ, phụ đạo HS chưa hoàn thành T10/2026",
  v=0, pb="tháng 10/2026", enc="b64", senc="B", cl="zimbra")
F(BT, "THCS-HOANGVANTHU", "2026-03-03 15:10", "2026-02", "BC day bo tro on thi vao 10 (khong thu tien) thang 2",
  v=1, pb="tháng 2", enc="tcvn3-8bit", senc="ascii", cl="oe", name="THCS Hoang Van Thu")
F(BT, "TH-YENSO", "2026-12-18 14:00", "2026-12", "Trường TH Yên Sở gửi báo cáo",
  v=2, what="kết quả phụ đạo học sinh chưa hoàn thành", enc="8bit", senc="raw", cl="roundcube")

# ---- dạy thêm học thêm (3)
F(DTHT, "THCS-KIMGIANG", "2026-11-06 09:50", "2026-10", "Báo cáo công tác quản lý DTHT tháng 10/2026",
  v=0, pb="tháng 10/2026", sty="formal", what="công tác quản lý dạy thêm, học thêm", enc="b64", senc="B",
  cl="outlook")
F(DTHT, "THCS-VINHHOANG", "2026-02-02 10:30", "2026-01", "DS GV đăng ký dạy thêm ngoài nhà trường T1/2026",
  v=1, pb="tháng 1/2026", enc="qp", senc="Q", cl="zimbra")
F(DTHT, "TH-KHUYENLUONG", "2026-09-30 16:55", "2026-09", "Re: cam kết không dạy thêm học thêm trái quy định",
  v=2, q="iphone", qwhat="tổng hợp cam kết không dạy thêm, học thêm trái quy định", enc="b64",
  senc="prefix:B", cl="iphone", sig="iphone-vi")

# ---- sổ điểm điện tử (3)
F(SD, "THCS-THINHLIET", "2026-01-06 10:15", "2026-01", "BC triển khai sổ điểm điện tử HK1 - khóa sổ",
  v=0, enc="qp", senc="Q", cl="zimbra")
F(SD, "TH-DAIKIM", "2026-10-30 15:40", "2026-10", "tỷ lệ nhập điểm sổ điểm điện tử T10",
  v=1, pb="tháng 10", enc="8bit", senc="B", cl="thunderbird")
F(SD, "THCS-NAMDU", "2026-05-27 08:35", "2026-05", "Đề nghị hỗ trợ - THCS Nam Dư",
  v=2, urgent=True, enc="b64", senc="B", cl="outlook")

# ---- STEM (4)
F(ST, "THCS-TRANPHU", "2026-12-08 14:30", "2026-11", "Báo cáo tổ chức bài học STEM tháng 11/2026",
  v=0, pb="tháng 11/2026", lay="alt", enc="b64", senc="B", cl="outlook")
F(ST, "TH-HOANGVANTHU", "2026-04-08 09:40", "2026-04", "BC Ngày hội STEM cấp trường 2026",
  v=1, att=[("Ảnh ngày hội STEM.jpg", "2047B")], enc="qp", senc="Q", cl="zimbra")
F(ST, "MN-HOAMI", "2026-10-28 11:05", "2026-10", "Hoạt động STEAM cho trẻ 5 tuổi T10",
  v=2, pb="tháng 10", enc="nfd-b64", senc="nfdB", cl="thunderbird")
F(ST, "THCS-LINHNAM", "2026-03-20 16:25", "2026-03", "CLB Robotics - BC hoạt động T3/2026",
  v=3, pb="tháng 3/2026", enc="8bit", senc="raw", cl="roundcube")

# ---- ngoại ngữ (4)
F(NN, "TH-PHAPVAN", "2026-09-16 10:20", "2026-09", "Báo cáo thực hiện Đề án NNQG năm học 2026-2027",
  v=0, what="việc thực hiện Đề án Ngoại ngữ quốc gia", sty="formal", enc="b64", senc="B", cl="outlook")
F(NN, "MN-HOACUC", "2026-11-11 14:15", "2026-10", "BC cho trẻ làm quen tiếng Anh T10/2026",
  v=1, pb="tháng 10/2026", enc="qp", senc="Q", cl="zimbra")
F(NN, "TH-KIMGIANG", "2026-06-05 15:50", "2026-06", "KQ khảo sát năng lực tiếng Anh HS lớp 5",
  v=2, lay="html", hf="div", enc="b64", senc="B", cl="thunderbird")
F(NN, "THCS-DAIKIM", "2026-12-16 09:25", "2026-12", "English Day - báo cáo ngày hội tiếng Anh tháng 12",
  v=3, pb="tháng 12", enc="mis-1252", senc="latin1B-utf8", cl="outlook")

# ---- học sinh giỏi (4)
F(HG, "THCS-DINHCONG", "2026-11-19 10:45", "2026-11", "DS HSG lớp 9 dự thi cấp quận năm học 2026-2027",
  v=0, att=[("DS HSG lop 9 - THCS Dinh Cong.xlsx", "plain")], enc="b64", senc="B", cl="outlook")
F(HG, "THCS-HOANGLIET", "2026-03-30 15:30", "2026-03", "Báo cáo",
  v=1, what="kết quả thi học sinh giỏi lớp 9 cấp Thành phố", enc="qp", senc="Q", cl="zimbra")
F(HG, "TH-TANMAI", "2026-02-27 09:55", "2026-02", "",
  v=2, what="kết quả giao lưu Trạng Nguyên Tiếng Việt cấp quận", enc="8bit", cl="thunderbird")
F(HG, "THCS-TUONGMAI", "2026-09-24 14:05", "2026-09", "KH bồi dưỡng đội tuyển HSG năm học 2026-2027",
  v=3, lay="alt", enc="b64", senc="B", cl="zimbra")

# ---- hướng nghiệp, dạy nghề (3)
F(HN, "THCS-VINHHUNG", "2026-04-17 10:25", "2026-04", "BC công tác hướng nghiệp, phân luồng HS lớp 9",
  v=0, enc="qp", senc="Q", cl="zimbra")
F(HN, "THCS-TANMAI", "2026-11-03 15:15", "2026-10", "Báo cáo HS lớp 8 học nghề phổ thông tháng 10",
  v=1, pb="tháng 10", enc="b64", senc="B", cl="outlook")
F(HN, "THCS-YENSO", "2026-03-12 09:05", "2026-03", "Ngày hội tư vấn hướng nghiệp, tuyển sinh trường nghề",
  v=2, lay="alt", enc="b64", senc="B", cl="outlook")

# ---- gương điển hình (3)
F(GD, "TH-GIAPNHI", "2026-12-04 11:25", "2026-12", "Biểu dương HS nhặt được của rơi trả người đánh mất",
  v=0, enc="qp", senc="Q", cl="zimbra")
F(GD, "THCS-THANHTRI", "2026-06-22 08:45", "2026-06", "Đề nghị khen thưởng cô giáo cứu HS đuối nước",
  v=1, what="đề nghị khen thưởng gương người tốt việc tốt", sty="formal", enc="b64", senc="B", cl="outlook")
F(GD, "MN-DINHCONG", "2026-11-23 16:05", "2026-11", "Gương người tốt việc tốt - bác bảo vệ dập lửa cứu người",
  v=2, enc="8bit", senc="raw", cl="roundcube")

# ---- personal mailboxes -> rejected (10)
REJ("MN-HOASEN", "mnhoasen.hoangmai@gmail.com", "2026-10-06 09:10", "Báo cáo VSATTP tháng 9/2026", VS,
    v=0, pb="tháng 9/2026", p="2026-09", name="Trường MN Hoa Sen", lay="alt", hf="frag", enc="b64", senc="B", cl="gmail")
REJ("THCS-TANMAI", "vanthu.thcstanmai@gmail.com", "2026-11-04 10:20", "BC tháng 10", BCT,
    pb="tháng 10", p="2026-10", name="THCS Tân Mai - Văn thư", lay="alt", hf="frag", enc="QP", senc="B", cl="gmail")
REJ("MN-THANHLAN", "hongnhung.mnthanhlan@yahoo.com.vn", "2026-03-09 20:30", "Báo cáo cân đo T2", DD,
    v=0, pb="tháng 2", p="2026-02", name="Nguyễn Thị Hồng Nhung", person="Nguyễn Thị Hồng Nhung", role="Nhân viên y tế",
    extra="Em là nhân viên y tế trường MN Thanh Lân, hộp thư của trường bị lỗi nên em gửi tạm từ mail cá nhân ạ.",
    lay="alt", enc="qp", senc="B", cl="yahoo")
REJ("TH-TRANPHU", "ketoan_c1tranphu@yahoo.com", "2026-09-28 16:00", "Cong khai thu chi thang 9", TC,
    v=0, pb="tháng 9", p="2026-09", name=None, sty="nodiac", enc="ascii", senc="ascii", cl="yahoo")
REJ("TH-DINHCONG", "tuanlv.c1dc@hotmail.com", "2026-05-14 22:10", "DS GV tap huan", DN,
    v=1, name="Le Van Tuan (TH Dinh Cong)", enc="b64", senc="ascii", cl="hotmail")
REJ("TH-KIMGIANG", "thkimgiang@outlook.com", "2026-01-05 08:45", "Báo cáo tháng 12/2025", BCT,
    pb="tháng 12/2025", p="2025-12", name="Trường Tiểu học Kim Giang", sty="formal", enc="b64", senc="B", cl="hotmail")
REJ("THCS-GIAPBAT", "trangpt88@icloud.com", "2026-04-21 12:15", "Fwd: BC PCTNTT tháng 4", AT,
    v=0, pb="tháng 4", p="2026-04", name="Pham Thu Trang", fwd=("gmail-en", "THCS Giáp Bát", "c2giapbat-hm@hanoiedu.vn"), sig="iphone",
    enc="qp", senc="B", cl="icloud")
REJ("MN-ANHSAO", "mnanhsao-hm@gmail.com", "2026-12-02 09:00", "Báo cáo tháng 11/2026", BCT,
    pb="tháng 11/2026", p="2026-11", name="MN Ánh Sao", enc="b64", senc="B", cl="gmail")
REJ("THCS-DENLU", "hieutruong.thcsdenlu@gmail.com", "2026-02-03 21:30", "Fwd: BC KĐCL", KD,
    v=3, name="Hiệu trưởng THCS Đền Lừ", fwd=("gmail-vi", "THCS Đền Lừ", "c2denlu-hm@hanoiedu.vn"),
    fwd_note="Chị ơi em gửi lại bc tự đánh giá từ mail cá nhân vì mail trường đang lỗi ạ.", lay="alt", hf="frag",
    enc="b64", senc="B", cl="gmail")
REJ("MN-HOAHONG", "mnhoahong.ketoan@yahoo.com", "2026-10-19 14:40", "Re: V/v nộp báo cáo thu chi đầu năm", TC,
    v=1, name="Ke toan MN Hoa Hong", q="gmail-en", qwhat="các khoản thu đầu năm học 2026-2027", enc="qp",
    senc="prefix:B", cl="yahoo")

# ---- official-looking addresses not in the registry -> quarantined (8)
QUA("MN-DAIKIM", "mndaikim-hn@hanoiedu.vn", "2026-11-03 08:30", "Báo cáo công tác tháng 10/2026", BCT,
    pb="tháng 10/2026", p="2026-10", name="Trường MN Đại Kim", sty="formal", enc="b64", senc="B", cl="zimbra")
QUA("TH-DAIKIM", "c1dakim-hm@hanoiedu.vn", "2026-03-04 14:20", "BC bán trú, VSATTP T2", VS,
    v=0, pb="tháng 2", p="2026-02", name="TH Dai Kim", enc="qp", senc="Q", cl="zimbra")
QUA("MN-HOAMAI", "mnhoamai.hm@hanoiedu.vn", "2026-05-05 09:40", "BC VSATTP T4", VS,
    v=3, pb="tháng 4", p="2026-04", name=None, enc="8bit", senc="B", cl="thunderbird")
QUA(None, "c2hoangmai-hm@hanoiedu.vn", "2026-09-15 10:10", "Báo cáo tuyển sinh lớp 6 năm học 2026-2027", TS,
    v=1, name="THCS Hoàng Mai", what="kết quả tuyển sinh lớp 6",
    fake_unit={"code": "", "name": "Trường THCS Hoàng Mai", "kind": "THCS", "email": "c2hoangmai-hm@hanoiedu.vn",
               "ward": "Tương Mai"}, enc="b64", senc="B", cl="outlook")
QUA(None, "mnkimvan-hm@hanoiedu.vn", "2026-10-09 15:00", "Báo cáo rà soát CSVC đầu năm học - Trường MN Kim Văn", CS,
    v=0, name="Trường Mầm non Kim Văn",
    extra="Trường mới được thành lập và đi vào hoạt động từ năm học này, đề nghị Phòng cập nhật địa chỉ thư điện tử "
          "của trường vào danh bạ.",
    fake_unit={"code": "", "name": "Trường Mầm non Kim Văn", "kind": "MN", "email": "mnkimvan-hm@hanoiedu.vn",
               "ward": "Đại Kim"}, enc="qp", senc="Q", cl="zimbra")
QUA("TH-VINHHUNG", "c1vinhhung-hm1@hanoiedu.vn", "2026-12-07 09:20", "BC tháng 11", BCT,
    pb="tháng 11", p="2026-11", name="Tiểu học Vĩnh Hưng", enc="8bit", senc="raw", cl="roundcube")
QUA("TH-HOANGLIET", "c1hoangliet@hanoiedu.vn", "2026-04-02 10:45", "BC PCCC", AT,
    v=1, name="Trường Tiểu học Hoàng Liệt", enc="b64", senc="B", cl="outlook")
QUA("THCS-VINHHOANG", "thcsvinhhoang-hm@hanoiedu.vn", "2026-01-22 16:30", "Ke hoach KDCL", KD,
    v=3, name="THCS Vinh Hoang", sty="nodiac", enc="ascii", senc="ascii", cl="roundcube")

# originals that get an exact second copy (the clerk pressed Send twice, or re-sent)
DUPLICATE_OF = [
    ("MN-DAIKIM", "2026-10-05 08:20"),
    ("TH-THINHLIET", "2026-10-08 15:45"),
    ("THCS-TANMAI", "2026-02-26 16:30"),
    ("MN-HOAHONG", "2026-12-02 09:48"),
    ("TH-MAIDONG", "2026-11-25 14:15"),
]


# --------------------------------------------------------------------------
# write, label, check
# --------------------------------------------------------------------------

GARBLED_SUBJECTS = {"tcvn3Q", "latin1B-utf8"}   # legacy / mislabelled on purpose


def validate_specs():
    seen_addr_check = []
    for s in SPECS:
        if s["verdict"] == "filed":
            assert s["t"] in TOPICS, s["t"]
            assert s["u"] in UNITS and UNITS[s["u"]]["kind"] in ("MN", "TH", "THCS"), s["u"]
            y, m = map(int, s["p"].split("-"))
            assert 1 <= m <= 12 and y in (2025, 2026), s["p"]
            assert s["d"].startswith("2026-"), s["d"]
            if s.get("addr"):
                assert s["addr"].lower() == UNITS[s["u"]]["email"].lower()
        elif s["verdict"] == "quarantined":
            assert s["addr"].split("@")[1] == "hanoiedu.vn"
            assert s["addr"].lower() not in KNOWN_EMAILS, s["addr"]
            seen_addr_check.append(s["addr"])
        elif s["verdict"] == "rejected":
            assert s["addr"].split("@")[1] in ("gmail.com", "yahoo.com", "yahoo.com.vn", "hotmail.com",
                                                "outlook.com", "icloud.com"), s["addr"]
    counts = {}
    for s in SPECS:
        if s["verdict"] == "filed":
            counts[s["t"]] = counts.get(s["t"], 0) + 1
    missing = [t for t in TOPICS if counts.get(t, 0) < 3]
    assert not missing, missing


def raw_header(data: bytes, name: str) -> bytes | None:
    head = data.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
    if b"\n\n" not in data.replace(b"\r\n", b"\n"):
        return None
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines = head.split(b"\n")
    out, cur = None, None
    for ln in lines:
        if ln[:1] in (b" ", b"\t") and cur is not None:
            cur += b"\n" + ln
            continue
        if cur is not None and out is None and cur.lower().startswith(name.lower().encode() + b":"):
            out = cur
        cur = ln
    if out is None and cur is not None and cur.lower().startswith(name.lower().encode() + b":"):
        out = cur
    return None if out is None else out.split(b":", 1)[1]


def careful_subject(data: bytes) -> str | None:
    """RFC 2047 decoding, adjacent words of one charset joined before
    decoding, raw 8-bit taken as UTF-8 -- what a careful reader does."""
    raw = raw_header(data, "Subject")
    if raw is None:
        return None
    text = raw.decode("utf-8", "strict") if any(b > 127 for b in raw) else raw.decode("ascii")
    text = text.replace("\n", "").lstrip()
    if any(ord(ch) > 127 for ch in text):
        return unicodedata.normalize("NFC", text.strip())
    parts = decode_header(text)
    joined, buf, cs = [], b"", None
    for b, c in parts + [(b"", "__end__")]:
        if isinstance(b, str):
            b = b.encode("ascii")
        if c == cs:
            buf += b
            continue
        if buf or cs:
            joined.append(buf.decode(cs or "ascii"))
        buf, cs = b, c
    return unicodedata.normalize("NFC", "".join(joined).strip())


def check(written):
    problems = []
    for fn, spec, data in written:
        msg = message_from_bytes(data, policy=email_policy.default)
        for pol in (email_policy.default, compat32):
            for part in message_from_bytes(data, policy=pol).walk():
                if part.defects:
                    problems.append("%s: defects %r" % (fn, part.defects))
        subj = careful_subject(data)
        want = spec.get("s")
        if want is None:
            if subj is not None:
                problems.append("%s: unexpected Subject" % fn)
        elif spec.get("senc") in GARBLED_SUBJECTS:
            pass
        elif subj != unicodedata.normalize("NFC", want):
            problems.append("%s: subject %r != %r" % (fn, subj, want))
        for part in msg.walk():
            if part.get_content_maintype() != "text":
                continue
            if part.get_content_disposition() == "attachment":
                continue
            payload = part.get_payload(decode=True)
            cs = part.get_content_charset()
            profile = spec.get("enc", "b64")
            if profile.startswith("mis-") or "tcvn3" in profile or spec.get("legacy"):
                continue
            try:
                payload.decode(cs or "ascii")
            except (UnicodeDecodeError, LookupError) as e:
                problems.append("%s: body does not decode as %s: %s" % (fn, cs, e))
        for part in msg.walk():
            if part.get_content_disposition() == "attachment":
                if not part.get_filename():
                    problems.append("%s: attachment without a readable name" % fn)
    return problems


def main(argv):
    validate_specs()
    built = []
    for i, spec in enumerate(SPECS, 1):
        built.append((spec, build(spec, i)))
    order = list(range(len(built)))
    random.Random(SEED).shuffle(order)
    seq = [built[i] for i in order]
    # exact copies, each placed somewhere after its original
    rng = random.Random(SEED + 1)
    for unit, d in DUPLICATE_OF:
        pos = next(k for k, (s, _) in enumerate(seq) if s.get("u") == unit and s["d"] == d)
        assert pos < len(seq) - 1
        at = rng.randint(pos + 1, min(len(seq), pos + 40))
        orig_spec, orig = seq[pos]
        dup_spec = dict(orig_spec, verdict="duplicate")
        seq.insert(at, (dup_spec, orig))
    assert len(seq) == 150, len(seq)

    if os.path.isdir(MAIL_DIR):
        shutil.rmtree(MAIL_DIR)
    os.makedirs(MAIL_DIR)
    rows, written = [], []
    for k, (spec, b) in enumerate(seq, 1):
        fn = "mail/%03d.eml" % k
        with open(os.path.join(HERE, fn), "wb") as f:
            f.write(b.data)
        written.append((fn, spec, b.data))
        if spec["verdict"] == "filed":
            rows.append([fn, SET_NAME, "filed", spec["t"], spec["p"], spec["u"]])
        else:
            rows.append([fn, SET_NAME, spec["verdict"], "", "", ""])
    with open(LABELS, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "set", "verdict", "topic", "period", "unit"])
        w.writerows(rows)

    # duplicates really are byte-identical to an earlier file
    first = {}
    for fn, spec, data in written:
        if spec["verdict"] == "duplicate":
            assert data in first, fn
        else:
            assert data not in first, fn
            first[data] = fn

    if "--list" in argv:
        for fn, spec, data in written:
            tags = [spec.get("enc", "b64"), "subj:" + str(spec.get("senc", "B") if spec.get("s") else
                                                       ("none" if spec.get("s") is None else "empty"))]
            if spec.get("lay", "plain") != "plain":
                tags.append(spec["lay"])
            for k in ("q", "fwd", "rfc822", "legacy", "att_only", "urgent", "reply_to"):
                if spec.get(k):
                    tags.append(k if k != "q" else "quote")
            if spec.get("att"):
                tags.append("att:" + "+".join(a[1] for a in spec["att"]))
            if spec.get("sty"):
                tags.append(spec["sty"])
            if spec.get("body") is not None:
                tags.append("handwritten")
            print("%s\t%s\t%s\t%s\t%s\t%s" % (fn, spec["verdict"], spec.get("t", ""), spec.get("p", "") if
                                              spec["verdict"] == "filed" else "", spec.get("d"), " ".join(tags)))

    problems = check(written)
    for p in problems:
        print("PROBLEM", p, file=sys.stderr)
    verdicts, topics = {}, {}
    for r in rows:
        verdicts[r[2]] = verdicts.get(r[2], 0) + 1
        if r[3]:
            topics[r[3]] = topics.get(r[3], 0) + 1
    print("wrote %d messages to %s" % (len(rows), MAIL_DIR))
    print("verdicts:", ", ".join("%s=%d" % kv for kv in sorted(verdicts.items())))
    print("topics:", ", ".join("%s=%d" % (t, topics.get(t, 0)) for t in TOPICS))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Vietnamese text: NFC normalisation, diacritic folding, legacy charset repair.

Folding is what matching and search use: NFC -> strip combining marks ->
đ/Đ -> d/D -> lower case, so "VỆ SINH", "vệ sinh" (NFC or NFD) and "ve sinh"
all become "ve sinh". Display always keeps the original (NFC) text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

# Combining marks of the Latin script (tones and vowel marks once decomposed). A regex
# removes them several times faster than str.translate with a table.
_MARKS = re.compile("[\u0300-\u036f\u1dc0-\u1dff]")
_VIETNAMESE_MARKS = "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"  # tones, hats, breve, horn


def _marked_letters() -> list[tuple[str, str]]:
    """Each lower-case letter that is an ASCII letter with Vietnamese marks (ắ, ệ, ơ, ư …,
    and đ, ð), with that letter."""
    found = [("đ", "d"), ("ð", "d")]
    for code in range(0x80, 0x2000):
        letter = chr(code)
        decomposed = unicodedata.normalize("NFD", letter)
        base, marks = decomposed[0], decomposed[1:]
        if (letter.islower() and base.isascii() and base.isalpha() and marks
                and set(marks) <= set(_VIETNAMESE_MARKS)):
            found.append((letter, base))
    return found


# fold() of a text whose lower case is ASCII and such letters (nearly every report) is two
# table look-ups in C: each letter to a byte of its own (a single-byte codec, built as the
# stdlib builds cp1252's), then each byte to its ASCII letter.
_LETTERS = _marked_letters()
assert len(_LETTERS) <= 128, "one byte each above ASCII"
_TO_BYTE = codecs.charmap_build(
    "".join([chr(code) for code in range(128)] + [m for m, _ in _LETTERS]).ljust(256, "\ufffe"))
_TO_ASCII = bytes(range(128)) + "".join(a for _, a in _LETTERS).encode("ascii").ljust(128)

# Letters Unicode Vietnamese has and legacy text read as Latin-1 never does (ă đ ĩ ũ ơ ư ạ…ỹ):
# their presence means the text is already right.
_UNICODE_VIETNAMESE = re.compile(r"[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169"
                                 r"\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
# Latin-1 characters that are not Vietnamese letters: TCVN3/VNI text read as Latin-1 is full of
# them (B¸o c¸o, veä sinh). Symbols among them are stronger evidence than foreign letters.
_VIETNAMESE_LATIN1 = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý"
LEGACY_MARKS = "".join(chr(c) for c in range(0xA1, 0x100) if chr(c) not in _VIETNAMESE_LATIN1)
_LEGACY_MARK = re.compile(f"[{LEGACY_MARKS}]")
_LEGACY_SYMBOL = re.compile(r"[\u00a1-\u00a8\u00aa\u00ac\u00ad\u00af-\u00b6\u00b8-\u00ba"
                            r"\u00bc-\u00bf\u00d7\u00f7]")
# UTF-8 read as Latin-1/cp1252: "Ã¡", "áº", "Ä‘" …
_UTF8_AS_LATIN = re.compile(r"[\u00c2-\u00c3\u00c4\u00c6\u00e1][\u0080-\u00bf\u0152-\u2122]")


def nfc(text: str) -> str:
    """Canonical composed form: what every stored and displayed string uses."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=32)  # a filing folds a body for its topics, then for search: once
def fold(text: str) -> str:
    """Accent- and case-insensitive form for matching: 'Đổi mới' -> 'doi moi'."""
    try:
        coded = codecs.charmap_encode(text.lower(), "strict", _TO_BYTE)[0]
    except UnicodeEncodeError:  # other scripts, marks not composed: the general way
        return _fold_decomposed(text)
    return coded.translate(_TO_ASCII).decode("ascii")


def _fold_decomposed(text: str) -> str:
    """fold() by its definition: NFD, no marks, đ -> d, lower case."""
    bare = unicodedata.normalize("NFD", text)
    bare = bare.replace("đ", "d").replace("Đ", "d").replace("ð", "d").replace("Ð", "d")
    return _MARKS.sub("", bare).lower()


def unaccent(text: str) -> str:
    """Vietnamese without marks, case kept, for ASCII-only channels: 'Đổi mới' -> 'Doi moi'."""
    bare = _MARKS.sub("", unicodedata.normalize("NFD", text))
    return bare.replace("đ", "d").replace("Đ", "D")


def repair(text: str) -> str:
    """Undo the usual mislabelling: UTF-8 read as Latin-1, and TCVN3/VNI text pasted
    from old documents, then normalise to NFC. Text that needs nothing comes back as NFC."""
    if not text.isascii():
        text = _undo_utf8_as_latin(text)
        # Line by line: a TCVN3 paragraph pasted into a Unicode message is repaired alone.
        if _enough_marks(text):  # no line can qualify when the whole text does not
            text = "\n".join(_legacy_to_unicode(line) if _looks_legacy(line) else line
                             for line in text.split("\n"))
    return nfc(text)


def _looks_legacy(text: str) -> bool:
    """Conservative: short correct names ("Lê Hòa", "Toán") must never be converted."""
    return not _UNICODE_VIETNAMESE.search(text) and _enough_marks(text)


def _enough_marks(text: str) -> bool:
    marks = _LEGACY_MARK.findall(text)  # one pass over the text: the symbols are marks too
    return len(marks) >= 3 or sum(1 for mark in marks if _LEGACY_SYMBOL.match(mark)) >= 2


def utf8_as_latin(text: str) -> bool:
    """Whether the text holds UTF-8 read as Latin-1 ("Ã¡", "áº", "Ä‘"): what repair()
    undoes besides legacy marks (LEGACY_MARKS)."""
    return _UTF8_AS_LATIN.search(text) is not None


def _undo_utf8_as_latin(text: str) -> str:
    if not utf8_as_latin(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def _legacy_to_unicode(text: str) -> str:
    # viparse knows the TCVN3 (ABC), VNI, VISCII and VPS tables and leaves text
    # alone unless a conversion clearly reads as Vietnamese.
    import viparse  # imported late: only legacy-looking text pays for it

    try:
        encoding = viparse.detect_text_encoding(text)
        return str(viparse.fix(text, encoding=encoding)) if encoding else text
    except Exception:  # a repair is best effort; the original is never lost
        return text

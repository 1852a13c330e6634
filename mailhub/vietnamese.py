"""Vietnamese text: NFC normalisation, diacritic folding, legacy charset repair.

Folding is what matching and search use: NFC -> strip combining marks ->
đ/Đ -> d/D -> lower case, so "VỆ SINH", "vệ sinh" (NFC or NFD) and "ve sinh"
all become "ve sinh". Display always keeps the original (NFC) text.
"""

from __future__ import annotations

import re
import unicodedata

# Combining marks of the Latin script (tones and vowel marks once decomposed).
_MARKS = {cp: None for cp in range(0x0300, 0x0370)}
_MARKS.update({cp: None for cp in range(0x1DC0, 0x1E00)})
_DD = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})

# Letters only TCVN3/VNI/VISCII text decoded as Latin-1 or cp1252 is full of.
_LEGACY_HINT = re.compile(r"[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2013-\u203a]")
# UTF-8 read as Latin-1/cp1252: "Ã¡", "áº", "Ä‘" …
_UTF8_AS_LATIN = re.compile(r"[\u00c2-\u00c3\u00c4\u00c6\u00e1][\u0080-\u00bf\u0152-\u2122]")


def nfc(text: str) -> str:
    """Canonical composed form: what every stored and displayed string uses."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Accent- and case-insensitive form for matching: 'Đổi mới' -> 'doi moi'."""
    return unicodedata.normalize("NFD", text).translate(_MARKS).translate(_DD).lower()


def repair(text: str) -> str:
    """Undo the usual mislabelling: UTF-8 read as Latin-1, and TCVN3/VNI text pasted
    from old documents, then normalise to NFC. Text that needs nothing comes back as NFC."""
    if not text.isascii():
        text = _undo_utf8_as_latin(text)
        if _LEGACY_HINT.search(text):
            text = _legacy_to_unicode(text)
    return nfc(text)


def _undo_utf8_as_latin(text: str) -> str:
    if not _UTF8_AS_LATIN.search(text):
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
        return str(viparse.fix(text))
    except Exception:  # a repair is best effort; the original is never lost
        return text

"""Words of a text, for audit search: how a message is cut into words, how a query is read,
and the snippet shown for a hit. Pure: no database here (search.py stores and looks up).

Words are cut here, once, for both databases, so that one query finds the same messages on
SQLite and PostgreSQL: text is folded (vietnamese.fold: NFC/NFD -> no marks -> đ->d -> lower
case) and a word is a run of letters and digits. The limits are PostgreSQL's tsvector limits,
applied on both sides: the first MAX_WORDS words of a message count, a word keeps its first
MAX_LENGTH characters, and only the first MAX_REPEATS places of one word are kept (on SQLite
the later ones become PLACEHOLDER, a word no query can name, so phrases match the same).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate

from mailhub.errors import MailhubError
from mailhub.vietnamese import fold, nfc

MAX_WORDS = 16383    # PostgreSQL's last tsvector position
MAX_REPEATS = 256    # positions PostgreSQL keeps for one word
MAX_LENGTH = 40      # characters of a word that count (keeps a tsvector far below 1 MB)
PLACEHOLDER = "\u00b7"  # holds a dropped repeat's place on SQLite; never a query word

_WORD = re.compile(r"[^\W_]+")
_QUERY_PART = re.compile(r'"([^"]*)"?(\*?)|([^\s"]+)')  # "a phrase"* | a-word
_SPACE = re.compile(r"\s+")
_MARK = re.compile("[\u0300-\u036f\u1dc0-\u1dff]")  # in NFC text only where none composes
SNIPPET_BEFORE = 60   # characters of context before the first match
SNIPPET_LENGTH = 200  # characters a snippet shows at most
_SCANNED = 200_000    # characters of a long body looked at for a snippet
SLICE = 65_536        # characters of a long text folded at once
_NOT_ALNUM = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


class QueryError(MailhubError):
    """A query with nothing to search for."""


def words(text: str, limit: int | None = None) -> list[str]:
    """The folded words of `text`, in order, each cut to MAX_LENGTH; with `limit`, the first
    so many (a long text is folded a slice at a time, as far as they reach)."""
    found = _uncut_words(text, limit)
    if found and max(map(len, found)) > MAX_LENGTH:
        found = _shortened(found)
    return found


def _shortened(found: list[str]) -> list[str]:
    return [word[:MAX_LENGTH] for word in found]


def _uncut_words(text: str, limit: int | None) -> list[str]:
    found: list[str] = []
    start = 0
    while start < len(text) and (limit is None or len(found) < limit):
        end = len(text)
        if end - start > SLICE:  # cut between words: folding is letter by letter there
            space = max(text.rfind(" ", start, start + SLICE),
                        text.rfind("\n", start, start + SLICE))
            end = space if space > start else start + SLICE
        found += _folded_words(text[start:end])
        start = end
    if limit is not None:
        del found[limit:]
    return found


def _folded_words(text: str) -> list[str]:
    """_WORD.findall(fold(text)); folded Vietnamese is ASCII, whose words split in C."""
    folded = fold(text)
    if folded.isascii():
        return folded.encode("ascii").translate(_NOT_ALNUM).decode("ascii").split()
    return _WORD.findall(folded)


def document(fields: Sequence[str]) -> list[str]:
    """The words a message is indexed by (fields in order, as one run), at most MAX_WORDS;
    a word's repeats past MAX_REPEATS are PLACEHOLDER."""
    found: list[str] = []
    for field in fields:
        found += _uncut_words(field, MAX_WORDS - len(found))
        if len(found) >= MAX_WORDS:
            break
    if len(found) <= MAX_REPEATS:
        return _shortened(found) if found and max(map(len, found)) > MAX_LENGTH else found
    # The longest word is looked for among the distinct ones (a fraction of all): cutting
    # to MAX_LENGTH may merge words, so then they are counted again.
    counts = Counter(found)
    if max(map(len, counts)) > MAX_LENGTH:
        found = _shortened(found)
        counts = Counter(found)
    over = {word for word, n in counts.items() if n > MAX_REPEATS}
    if over:
        seen = dict.fromkeys(over, 0)
        for i, word in enumerate(found):
            if word in over:
                seen[word] += 1
                if seen[word] > MAX_REPEATS:
                    found[i] = PLACEHOLDER
    return found


@dataclass(frozen=True)
class Term:
    """One word or a phrase (words one after another); a word may be a prefix (`sinh*`)."""

    words: tuple[str, ...]
    prefixes: tuple[bool, ...]


@dataclass(frozen=True)
class Query:
    """Terms that must all be found: words, "quoted phrases", prefixes (word*)."""

    text: str
    terms: tuple[Term, ...]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Finds the terms in folded text, group `t<n>` for term n (for snippets)."""
        return re.compile("|".join(f"(?P<t{n}>{_regex(term)})"
                                   for n, term in enumerate(self.terms)))


def _regex(term: Term) -> str:
    """A term as a regex over folded text: its words apart from any others, one after
    another; a prefix (or a word cut to MAX_LENGTH) goes on to the end of a word."""
    words = [re.escape(w) + (r"[^\W_]*" if p or len(w) >= MAX_LENGTH else "")
             for w, p in zip(term.words, term.prefixes, strict=True)]
    return r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])"


def parse_query(text: str) -> Query:
    """Read a query; raises QueryError when it holds no word to search for."""
    terms: list[Term] = []
    for quoted, star, bare in _QUERY_PART.findall(text):
        term = _term((quoted + star).split() if quoted else [bare])
        if term is not None and term not in terms:
            terms.append(term)
    if not terms:
        raise QueryError(f"không có từ nào để tìm trong {text!r}: hãy nhập chữ hoặc số / "
                         f"nothing to search for in {text!r}: type letters or digits")
    return Query(text, tuple(terms))


def _term(pieces: list[str]) -> Term | None:
    found: list[str] = []
    prefixes: list[bool] = []
    for piece in pieces:
        piece_words = words(piece)
        found += piece_words
        prefixes += [False] * len(piece_words)
        if piece_words and piece.endswith("*"):
            prefixes[-1] = True
    return Term(tuple(found), tuple(prefixes)) if found else None


# ------------------------------------------------------------------ snippets


@dataclass(frozen=True)
class Snippet:
    """A piece of a message's original text around the first word the query names, and
    where the named words are in it (start, end), for highlighting."""

    text: str
    marks: tuple[tuple[int, int], ...]


def snippet(fields: Sequence[str], query: Query) -> Snippet:
    """From the field that holds the most of the query's terms (of equals, the first: pass
    the body first), the text around the first of them, in the original spelling (NFC);
    else the start of the first field that has any text."""
    best: tuple[int, str, int] = (0, "", 0)  # terms found, text, where the first is
    for field in fields:
        text = nfc(field[:_SCANNED])
        spans = _spans(text, query)
        found = {term for term, _ in spans}
        if len(found) > best[0]:
            best = (len(found), text, spans[0][1][0])
            if len(found) == len(query.terms):
                break
    if best[0]:
        return _cut(best[1], best[2], query)
    return _cut(next((nfc(f[:_SCANNED]) for f in fields if f.strip()), ""), 0, query)


def _spans(text: str, query: Query) -> list[tuple[int, tuple[int, int]]]:
    """Where the query's terms are in `text`, in order: (term number, (start, end)). A
    phrase counts only where its words follow one another."""
    folded = fold(text)
    if len(folded) == len(text) and not _MARK.search(text):
        def original(i: int) -> int:  # no letter folds to none: so each folds to one
            return i
    else:  # a letter folds to none or several (a lone mark, a Hangul syllable): map back
        starts = list(accumulate((len(_fold_letter(c)) for c in text), initial=0))
        folded = "".join(_fold_letter(c) for c in text)

        def original(i: int) -> int:
            return bisect_right(starts, i) - 1

    return [(int(m.lastgroup[1:]), (original(m.start()), original(m.end() - 1) + 1))
            for m in query.pattern.finditer(folded) if m.lastgroup]


@lru_cache(maxsize=4096)
def _fold_letter(letter: str) -> str:
    return fold(letter)


def _cut(text: str, at: int, query: Query) -> Snippet:
    start = max(0, at - SNIPPET_BEFORE)
    if start > 0:  # begin at a word, not in one
        space = _SPACE.search(text, start, at)
        start = space.end() if space else start
    end = min(len(text), start + SNIPPET_LENGTH)
    if end < len(text):  # end after a word
        spaces = [m.start() for m in _SPACE.finditer(text, at, end)]
        end = spaces[-1] if spaces else end
    shown = " ".join(text[start:end].split())
    shown = ("…" if start > 0 else "") + shown + ("…" if end < len(text) else "")
    return Snippet(shown, tuple(span for _, span in _spans(shown, query)))

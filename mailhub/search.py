"""Audit search: full text over the archive's subjects, bodies and attachment names.

index() keeps the search index in step with the record, in the caller's transaction (the
pipeline's filing, a directive's broadcast); search() answers a query with filters, newest
first or by relevance, each hit with a snippet of its original text.

The design, the same on both databases: words are folded and cut in Python
(search_text.py), so "ve sinh", "vệ sinh" and "VỆ SINH" (NFC or NFD) are one word list and
both databases hold exactly the same words at the same places.

- SQLite: an FTS5 table `search_index(words, tags)` over those words (tokenizer `ascii`,
  which only splits at the spaces between them: FTS5's own folding is not used —
  remove_diacritics leaves đ, and NFD text defeats it).
- PostgreSQL: a table `search_index(key, words tsvector, tags text[])` with one GIN index
  over both columns. The tsvector is written as a literal from the same word list, so no
  text search parser or dictionary, and no `unaccent` (an extension, per database and
  schema, that would also fold differently from Python) stands between the text and the
  index: the "simple" configuration's job is already done.

Filters a message is filed under (school, level, period, topics, verdict) are `tags` of
its index row, so the index answers them with the words. The row's key orders the archive
newest first: the second the message was received, then its number (id) —
`seconds << 31 | id` — so "newest first" is the index's own order, and a date range is a
range of keys. The sender filter (a substring) is checked on the message row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, select, text

from mailhub import models
from mailhub.errors import MailhubError
from mailhub.hub import Hub
from mailhub.registry import SCHOOL_LEVELS
from mailhub.search_text import PLACEHOLDER, Query, document, parse_query, snippet
from mailhub.verdict import State

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
FILING = models.Filing.__table__  # type: ignore[attr-defined]
TOPIC = models.FilingTopic.__table__  # type: ignore[attr-defined]
ATTACHMENT = models.Attachment.__table__  # type: ignore[attr-defined]

ID_BITS = 31               # a key is (second received) << ID_BITS | message id
_IDS = (1 << ID_BITS) - 1
_LAST_KEY = (1 << 63) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 500               # messages read and written per statement when indexing
MAX_LIMIT = 10_000


class SearchError(MailhubError):
    """A filter that cannot be right (an unknown verdict, a bad month)."""


# ------------------------------------------------------------------ the index


def key_of(received_at: datetime, message: int) -> int:
    """The index key of a message: newest first is descending key order."""
    if not 0 < message <= _IDS:
        raise ValueError(f"message id {message} does not fit the search key")
    return max(_seconds(received_at), 0) << ID_BITS | message


def tag(kind: str, value: str) -> str:
    """A filter value as one index word: kind letter + hex (any code, any character)."""
    return kind + value.encode().hex()


def index(db: Connection, messages: Iterable[int]) -> None:
    """(Re)index these messages as the database now holds them: subject, attachment names
    and body, and their filing as tags. A message without any word is only removed."""
    ids = sorted(set(messages))
    postgres = db.dialect.name == "postgresql"
    for start in range(0, len(ids), _CHUNK):
        rows = _documents(db, ids[start:start + _CHUNK])
        keys = [row["key"] for row in rows]
        kept = [row for row in rows if row["words"]]
        if postgres:
            db.execute(text("DELETE FROM search_index WHERE key = ANY(:keys)"), {"keys": keys})
            if kept:
                db.execute(text("INSERT INTO search_index (key, words, tags) "
                                "VALUES (:key, CAST(:words AS tsvector), :tags)"),
                           [dict(row, words=_tsvector(row["words"])) for row in kept])
        else:
            db.execute(text("DELETE FROM search_index WHERE rowid = :key"),
                       [{"key": key} for key in keys])
            if kept:
                db.execute(text("INSERT INTO search_index (rowid, words, tags) "
                                "VALUES (:key, :words, :tags)"),
                           [dict(key=row["key"], words=" ".join(row["words"]),
                                 tags=" ".join(row["tags"])) for row in kept])


def reindex(db: Connection) -> int:
    """Index every message that has been decided (all but 'received'); how many looked at."""
    last, count = 0, 0
    while True:
        ids = list(db.execute(select(MESSAGE.c.id).where(
            MESSAGE.c.id > last, MESSAGE.c.state != State.RECEIVED.value)
            .order_by(MESSAGE.c.id).limit(_CHUNK * 4)).scalars())
        if not ids:
            return count
        index(db, ids)
        last, count = ids[-1], count + len(ids)


def _documents(db: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Key, words and tags of each message."""
    names: dict[int, list[str]] = {}
    for message, name in db.execute(select(ATTACHMENT.c.message, ATTACHMENT.c.name)
                                    .where(ATTACHMENT.c.message.in_(ids))
                                    .order_by(ATTACHMENT.c.message, ATTACHMENT.c.position)):
        names.setdefault(message, []).append(name)
    tags: dict[int, list[str]] = {}
    for filing in db.execute(select(FILING.c.message, FILING.c.unit, FILING.c.level,
                                    FILING.c.period).where(FILING.c.message.in_(ids))):
        tags[filing.message] = [tag(kind, value) for kind, value in (
            ("u", filing.unit), ("l", filing.level), ("p", filing.period)) if value]
    for message, topic in db.execute(select(TOPIC.c.message, TOPIC.c.topic)
                                     .where(TOPIC.c.message.in_(ids))):
        tags.setdefault(message, []).append(tag("t", topic))
    rows = []
    for row in db.execute(select(MESSAGE.c.id, MESSAGE.c.received_at, MESSAGE.c.state,
                                 MESSAGE.c.subject, MESSAGE.c.body_text)
                          .where(MESSAGE.c.id.in_(ids))):
        found = document([row.subject, *names.get(row.id, ()), row.body_text])
        rows.append(dict(key=key_of(row.received_at, row.id), words=found,
                         tags=[tag("s", row.state), *tags.get(row.id, ())]))
    return rows


def _tsvector(found: Sequence[str]) -> str:
    """A tsvector literal: each word with its places (words are letters and digits only,
    so they need no escaping; a PLACEHOLDER's place stays empty)."""
    places: dict[str, list[str]] = {}
    for place, word in enumerate(found, 1):
        if word != PLACEHOLDER:
            places.setdefault(word, []).append(str(place))
    return " ".join(f"'{word}':{','.join(at)}" for word, at in places.items())


# ------------------------------------------------------------------ searching


@dataclass(frozen=True)
class Filters:
    """What a hit must also be. Dates are the office's (hub.settings.zone), inclusive."""

    school: str | None = None    # unit code of the filing
    level: str | None = None     # MN, TH, THCS
    topic: str | None = None     # any of the filing's topics
    sender: str | None = None    # part of the From address
    verdict: str | None = None   # the message's state: filed, rejected, ...
    since: date | None = None    # received on or after
    until: date | None = None    # received on or before
    period: str | None = None    # YYYY-MM the filing counts for


@dataclass
class Hit:
    id: int
    message_id: str
    subject: str
    from_address: str
    from_name: str
    unit: str | None
    level: str | None
    topics: list[str]
    period: str | None
    verdict: str
    received_at: datetime
    attachments: list[str]
    snippet: str
    marks: list[tuple[int, int]] = field(default_factory=list)  # matched words in snippet

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; `from` is the sender's address, times are UTC ISO 8601."""
        data = asdict(self)
        data["from"] = data.pop("from_address")
        data["received_at"] = self.received_at.isoformat()
        data["marks"] = [list(mark) for mark in self.marks]
        return data


def search(hub: Hub, query: str, filters: Filters | None = None, *, rank: bool = False,
           limit: int = 50) -> list[Hit]:
    """The messages that hold every term of `query` and pass `filters`: newest first, or
    with `rank` the most relevant first (then newest). Raises QueryError (nothing to
    search for) or SearchError (a bad filter). Reads only: the caller records who looked
    (access.record_access, as `mailhub audit search` does)."""
    parsed = parse_query(query)
    filters = _checked(hub, filters or Filters())
    limit = max(1, min(limit, MAX_LIMIT))
    with hub.engine.connect() as db:
        postgres = db.dialect.name == "postgresql"
        if postgres:  # a plan for these words, not a generic one for any words
            db.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        sql, values = (_postgres if postgres else _sqlite)(
            parsed, filters, _key_range(filters, hub.settings.zone), rank)
        keys = list(db.execute(text(sql), dict(values, limit=limit)).scalars())
        hits = _hits(db, [key & _IDS for key in keys], parsed)
    return hits


def _checked(hub: Hub, filters: Filters) -> Filters:
    """Filters in the record's spelling; SearchError for one that can match nothing."""
    states = [s.value for s in State if s is not State.RECEIVED]
    if filters.verdict is not None and filters.verdict.lower() not in states:
        raise SearchError(f"kết quả không hợp lệ / unknown verdict {filters.verdict!r}: "
                          f"{', '.join(states)}")
    levels = [k.value for k in SCHOOL_LEVELS]
    if filters.level is not None and filters.level.upper() not in levels:
        raise SearchError(f"cấp học sai / bad level {filters.level!r}: {', '.join(levels)}")
    period = filters.period
    if period is not None and not (len(period) == 7 and period[4] == "-" and
                                   period[:4].isdigit() and period[5:].isdigit() and
                                   1 <= int(period[5:]) <= 12):
        raise SearchError(f"tháng sai / bad month {period!r}: YYYY-MM, e.g. 2026-11")
    school = filters.school
    if school is not None:  # the registry's spelling of the code, whatever the case typed
        school = next((code for code in hub.registry.by_code
                       if code.lower() == school.lower()), school)
    return replace(filters, school=school, level=filters.level and filters.level.upper(),
                   topic=filters.topic and filters.topic.lower(),
                   sender=filters.sender and filters.sender.lower(),
                   verdict=filters.verdict and filters.verdict.lower())


def _tags(filters: Filters) -> list[str]:
    return [tag(kind, value) for kind, value in (
        ("u", filters.school), ("l", filters.level), ("t", filters.topic),
        ("s", filters.verdict), ("p", filters.period)) if value]


def _key_range(filters: Filters, zone: tzinfo) -> tuple[int, int]:
    """The keys of messages received from `since` to `until`, days of the office."""
    low, high = 0, _LAST_KEY
    if filters.since is not None:
        low = max(_seconds(datetime.combine(filters.since, time(), zone)), 0) << ID_BITS
    if filters.until is not None:
        day_after = datetime.combine(filters.until + timedelta(days=1), time(), zone)
        high = (max(_seconds(day_after), 0) << ID_BITS) - 1
    return low, high


def _sender(filters: Filters) -> tuple[str, dict[str, Any]]:
    if not filters.sender:
        return "", {}
    pattern = filters.sender.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (" AND lower(message.from_address) LIKE :sender ESCAPE '\\'",
            {"sender": f"%{pattern}%"})


def _sqlite(query: Query, filters: Filters, keys: tuple[int, int],
            rank: bool) -> tuple[str, dict[str, Any]]:
    """FTS5: the words and tags in one MATCH; the key range and order are the rowid's."""
    terms = " AND ".join(" + ".join(f'"{w}"' + (" *" if p else "")
                                    for w, p in zip(t.words, t.prefixes, strict=True))
                         for t in query.terms)
    match = f"words : ({terms})" + "".join(f' AND tags : "{t}"' for t in _tags(filters))
    sender, values = _sender(filters)
    join = (" JOIN message ON message.id = (search_index.rowid & 2147483647)"
            if sender else "")
    order = ("bm25(search_index, 1.0, 0.0), search_index.rowid DESC" if rank
             else "search_index.rowid DESC")
    low, high = keys
    return (f"SELECT search_index.rowid FROM search_index{join} WHERE search_index MATCH :match"
            f" AND search_index.rowid BETWEEN :low AND :high{sender}"
            f" ORDER BY {order} LIMIT :limit",
            dict(values, match=match, low=low, high=high))


def _postgres(query: Query, filters: Filters, keys: tuple[int, int],
              rank: bool) -> tuple[str, dict[str, Any]]:
    """The words as a tsquery literal, the tags as an array contained in the row's."""
    terms = " & ".join("(" + " <-> ".join(f"'{w}'" + (":*" if p else "")
                                          for w, p in zip(t.words, t.prefixes, strict=True))
                       + ")" for t in query.terms)
    tags = _tags(filters)
    sender, values = _sender(filters)
    join = " JOIN message ON message.id = (s.key & 2147483647)" if sender else ""
    order = ("ts_rank(s.words, CAST(:match AS tsquery)) DESC, s.key DESC" if rank
             else "s.key DESC")
    low, high = keys
    return (f"SELECT s.key FROM search_index AS s{join}"
            f" WHERE s.words @@ CAST(:match AS tsquery)"
            + (" AND s.tags @> CAST(:tags AS text[])" if tags else "")
            + f" AND s.key BETWEEN :low AND :high{sender} ORDER BY {order} LIMIT :limit",
            dict(values, match=terms, tags=tags, low=low, high=high))


def _hits(db: Connection, ids: Sequence[int], query: Query) -> list[Hit]:
    """The hits, in the order of `ids`, with what the record says of each."""
    if not ids:
        return []
    names: dict[int, list[str]] = {}
    for message, name in db.execute(select(ATTACHMENT.c.message, ATTACHMENT.c.name)
                                    .where(ATTACHMENT.c.message.in_(ids))
                                    .order_by(ATTACHMENT.c.message, ATTACHMENT.c.position)):
        names.setdefault(message, []).append(name)
    topics: dict[int, list[str]] = {}
    for message, topic in db.execute(select(TOPIC.c.message, TOPIC.c.topic)
                                     .where(TOPIC.c.message.in_(ids))
                                     .order_by(TOPIC.c.message, TOPIC.c.rank)):
        topics.setdefault(message, []).append(topic)
    filings = {f.message: f for f in db.execute(select(FILING).where(FILING.c.message.in_(ids)))}
    rows = {r.id: r for r in db.execute(select(
        MESSAGE.c.id, MESSAGE.c.message_id, MESSAGE.c.subject, MESSAGE.c.from_address,
        MESSAGE.c.from_name, MESSAGE.c.state, MESSAGE.c.received_at, MESSAGE.c.body_text)
        .where(MESSAGE.c.id.in_(ids)))}
    hits = []
    for message in ids:
        row, filing = rows[message], filings.get(message)
        attachments = names.get(message, [])
        shown = snippet([row.body_text, *attachments, row.subject], query)
        hits.append(Hit(message, row.message_id, row.subject, row.from_address, row.from_name,
                        filing.unit if filing else None, filing.level if filing else None,
                        topics.get(message, []), filing.period if filing else None, row.state,
                        _utc(row.received_at), attachments, shown.text, list(shown.marks)))
    return hits


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite drops the zone


def _seconds(when: datetime) -> int:
    return (_utc(when) - _EPOCH) // timedelta(seconds=1)

"""Audit search: full text over the archive's subjects, bodies and attachment names.

index() keeps the search index in step with the record, in the caller's transaction (the
pipeline's filing, a directive's broadcast); search() answers a query with filters, newest
first or by relevance, each hit with a snippet of its original text.

Words are folded and cut in Python (search_text.py), once for both databases: "ve sinh",
"vệ sinh" and "VỆ SINH" (NFC or NFD) give one word list, and both databases hold exactly
the same words at the same places, so one query finds the same messages on either.

- SQLite: an FTS5 table `search_index(words, tags)` over those words, tokenizer `ascii`,
  which only splits at the spaces between them. FTS5's own folding is not used:
  remove_diacritics leaves đ, misses letters with two marks (mode 1), and NFD text
  defeats it (mode 0).
- PostgreSQL: a table `search_index(key, words tsvector, tags text[])` with one GIN index
  over both columns. The tsvector is written as a literal from the same word list: no
  text search parser, dictionary or `unaccent` stands between the text and the index
  (`unaccent` is an extension to install per database, beside the schema the tables are
  in, and would fold other letters than Python does); the "simple" configuration's job
  is already done.

A row's key is `second received << 31 | message id`: newest first is descending key
order, a date range a key range. Filters on the filing (school, level, period, topics)
and the verdict are `tags` of the row, so the index answers them with the words; so is
the month received (UTC), see below. The sender (a part of an address) is checked on the
message row.

Newest first: FTS5 reads the matches in rowid order and stops at the limit. A GIN index
has no order, and a bitmap of every match of a common word costs a heap visit each; so
PostgreSQL is asked window by window, newest first (the last 3 months, the 21 before,
the rest; the month tags make each window's bitmap hold only its own matches) until the
limit is reached. --rank ranks the newest RANKED matches (bm25 on SQLite, ts_rank on
PostgreSQL): a word found in half the archive is not ranked across all of it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, select, text

from mailhub import models, teams
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
RANKED = 10_000            # --rank: the newest this many matches are ranked


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
    and body, and their filing as tags. A message without any word is only removed.
    (The filing writes entries it made itself: entry() and write().)"""
    ids = sorted(set(messages))
    for start in range(0, len(ids), _CHUNK):
        write(db, _documents(db, ids[start:start + _CHUNK]))


def entry(message: int, received_at: datetime, state: str, words: str,
          filing: tuple[str | None, str | None, str | None] | None = None,
          topics: Iterable[str] = ()) -> dict[str, Any]:
    """What the index holds for a message: its key, its words, and its filing (unit, level,
    period) and topics as tags."""
    key = key_of(received_at, message)
    tags = [tag("s", state), _month_tag(_month(key))]
    if filing is not None:
        tags += [tag(kind, value) for kind, value in zip("ulp", filing, strict=True) if value]
    return dict(key=key, words=words, tags=tags + [tag("t", topic) for topic in topics])


def write(db: Connection, rows: Sequence[dict[str, Any]], fresh: bool = False) -> None:
    """Put these entries in the index, replacing what it held under their keys (`fresh`:
    messages just inserted, which it cannot hold yet)."""
    if not rows:
        return
    keys = [] if fresh else [row["key"] for row in rows]
    kept = [row for row in rows if row["words"]]
    if db.dialect.name == "postgresql":
        if keys:
            db.execute(text("DELETE FROM search_index WHERE key = ANY(:keys)"), {"keys": keys})
        if kept:
            db.execute(text("INSERT INTO search_index (key, words, tags) "
                            "VALUES (:key, CAST(:words AS tsvector), :tags)"),
                       [dict(row, words=_tsvector(row["words"].split())) for row in kept])
    else:
        if keys:
            db.execute(text("DELETE FROM search_index WHERE rowid = :key"),
                       [{"key": key} for key in keys])
        if kept:
            db.execute(text("INSERT INTO search_index (rowid, words, tags) "
                            "VALUES (:key, :words, :tags)"),
                       [dict(key=row["key"], words=row["words"],
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
    """The index entry of each message, from its rows."""
    names: dict[int, list[str]] = {}
    for message, name in db.execute(select(ATTACHMENT.c.message, ATTACHMENT.c.name)
                                    .where(ATTACHMENT.c.message.in_(ids))
                                    .order_by(ATTACHMENT.c.message, ATTACHMENT.c.position)):
        names.setdefault(message, []).append(name)
    filings = {filing.message: (filing.unit, filing.level, filing.period) for filing in
               db.execute(select(FILING.c.message, FILING.c.unit, FILING.c.level,
                                 FILING.c.period).where(FILING.c.message.in_(ids)))}
    topics: dict[int, list[str]] = {}
    for message, topic in db.execute(select(TOPIC.c.message, TOPIC.c.topic)
                                     .where(TOPIC.c.message.in_(ids))):
        topics.setdefault(message, []).append(topic)
    return [entry(row.id, row.received_at, row.state,
                  " ".join(document([row.subject, *names.get(row.id, ()), row.body_text])),
                  filings.get(row.id), topics.get(row.id, ()))
            for row in db.execute(select(MESSAGE.c.id, MESSAGE.c.received_at, MESSAGE.c.state,
                                         MESSAGE.c.subject, MESSAGE.c.body_text)
                                  .where(MESSAGE.c.id.in_(ids)))]


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
    team: str | None = None      # only what this team's staff may see (teams.py)


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
    with `rank` the most relevant first (then newest) of the newest RANKED of them. Raises
    QueryError (nothing to search for) or SearchError (a bad filter). Reads only: the
    caller records who looked (access.record_access, as `mailhub audit search` does)."""
    parsed = parse_query(query)
    filters = _checked(hub, filters or Filters())
    limit = max(1, min(limit, MAX_LIMIT))
    keys = _key_range(filters, hub.settings.zone)
    with hub.engine.connect() as db:
        find = _postgres_keys if db.dialect.name == "postgresql" else _sqlite_keys
        found = find(db, parsed, filters, keys, limit, rank, _team(hub, filters))
        return _hits(db, [key & _IDS for key in found], parsed)


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


def _team(hub: Hub, filters: Filters) -> tuple[str, dict[str, Any]]:
    if not filters.team:
        return "", {}
    team = hub.registry.by_code.get(filters.team)
    if team is None:
        raise SearchError(f"không có tổ / no team {filters.team!r}")
    return f" AND {teams.CONDITION}", teams.params(team)


def _sender(filters: Filters) -> tuple[str, dict[str, Any]]:
    if not filters.sender:
        return "", {}
    pattern = filters.sender.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (" AND lower(message.from_address) LIKE :sender ESCAPE '\\'",
            {"sender": f"%{pattern}%"})


def _sqlite_keys(db: Connection, query: Query, filters: Filters, keys: tuple[int, int],
                 limit: int, rank: bool, team: tuple[str, dict[str, Any]]) -> list[int]:
    """FTS5: the words and tags in one MATCH; the key range and the order are the rowid's,
    so newest first reads only the matches it returns."""
    terms = " AND ".join(" + ".join(f'"{w}"' + (" *" if p else "")
                                    for w, p in zip(t.words, t.prefixes, strict=True))
                         for t in query.terms)
    match = f"words : ({terms})" + "".join(f' AND tags : "{t}"' for t in _tags(filters))
    sender, values = _sender(filters)
    sender, values = sender + team[0], {**values, **team[1]}
    join = " JOIN message ON message.id = (search_index.rowid & 2147483647)" if sender else ""
    found = (f"SELECT search_index.rowid FROM search_index{join} WHERE search_index MATCH "
             f":match AND search_index.rowid BETWEEN :low AND :high{sender} ORDER BY ")
    values.update(match=match, low=keys[0], high=keys[1], limit=limit)
    if rank:  # the newest RANKED matches are ranked: from the oldest of them on
        oldest = db.execute(text(found + "search_index.rowid DESC LIMIT 1 OFFSET :skip"),
                            dict(values, skip=RANKED - 1)).scalar()
        values["low"] = max(keys[0], oldest or 0)
        return list(db.execute(text(found + "bm25(search_index, 1.0, 0.0), "
                                    "search_index.rowid DESC LIMIT :limit"), values).scalars())
    return list(db.execute(text(found + "search_index.rowid DESC LIMIT :limit"),
                           values).scalars())


def _postgres_keys(db: Connection, query: Query, filters: Filters, keys: tuple[int, int],
                   limit: int, rank: bool, team: tuple[str, dict[str, Any]]) -> list[int]:
    """GIN: the words as a tsquery literal, the tags as an array the row's contains. A GIN
    index knows no order, so the newest matches are looked for window by window (_windows),
    each a bitmap of that window's matches, not of the whole archive's."""
    db.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")  # plan these words
    db.exec_driver_sql("SET LOCAL work_mem = '64MB'")  # a prefix's bitmap stays exact
    terms = " & ".join("(" + " <-> ".join(f"'{w}'" + (":*" if p else "")
                                          for w, p in zip(t.words, t.prefixes, strict=True))
                       + ")" for t in query.terms)
    tags = _tags(filters)
    sender, values = _sender(filters)
    sender, values = sender + team[0], {**values, **team[1]}
    join = " JOIN message ON message.id = (s.key & 2147483647)" if sender else ""
    newest = (f"SELECT s.key FROM search_index AS s{join} WHERE s.words @@ CAST(:match AS "
              "tsquery)" + (" AND s.tags @> CAST(:tags AS text[])" if tags else "") +
              f" AND s.tags && CAST(:years AS text[]) AND s.key BETWEEN :low AND :high{sender}"
              " ORDER BY s.key{} DESC LIMIT :wanted")
    # PostgreSQL takes a phrase for as common as its words, and would read a whole window
    # backwards for it; past the first window, a phrase's matches are sorted (key + 0).
    phrase = any(len(term.words) > 1 for term in query.terms)
    values.update(match=terms, tags=tags)
    wanted = RANKED if rank else limit
    found: list[int] = []
    for n, (years, low, high) in enumerate(_windows(db, *keys)):
        found += db.execute(text(newest.format(" + 0" if phrase and n else "")),
                            dict(values, years=years, low=low, high=high,
                                 wanted=wanted - len(found))).scalars()
        if len(found) >= wanted:
            break
    if not rank or not found:
        return found
    return list(db.execute(text(
        "SELECT key FROM search_index WHERE key = ANY(:keys) ORDER BY ts_rank(words, "
        "CAST(:match AS tsquery)) DESC, key DESC LIMIT :limit"),
        dict(keys=found, match=terms, limit=limit)).scalars())


WINDOWS = (3, 21)  # months: the newest three, the 21 before them, then the rest


def _windows(db: Connection, low: int, high: int) -> Iterator[tuple[list[str], int, int]]:
    """The key range split by calendar months (UTC) from its newest message back: the
    newest WINDOWS[0] months, the WINDOWS[1] before them, the rest; each window with the
    month tags that cover it exactly, and its keys."""
    top = db.execute(text("SELECT max(key) FROM search_index WHERE key <= :high"),
                     {"high": high}).scalar()
    bottom = db.execute(text("SELECT min(key) FROM search_index WHERE key >= :low"),
                        {"low": low}).scalar()
    if top is None or bottom is None or bottom > top:
        return
    first, last = _month(top), _month(bottom)  # months counted from year 0
    ends = [first + 1, first + 1 - WINDOWS[0], first + 1 - sum(WINDOWS), last]
    for end, start in itertools.pairwise(ends):  # months: start <= month < end
        start = max(start, last)
        if start < end:
            yield ([_month_tag(month) for month in range(start, end)],
                   max(bottom, _month_start(start)), min(top, _month_start(end) - 1))


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


def _month(key: int) -> int:
    """The month (UTC) of the second a key holds, counted from year 0."""
    when = _EPOCH + timedelta(seconds=key >> ID_BITS)
    return when.year * 12 + when.month - 1


def _month_tag(month: int) -> str:
    return tag("m", f"{month // 12:04d}-{month % 12 + 1:02d}")


def _month_start(month: int) -> int:
    """The first key of a month counted from year 0."""
    return _seconds(datetime(month // 12, month % 12 + 1, 1, tzinfo=UTC)) << ID_BITS

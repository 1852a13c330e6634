"""Load and validate rules/*.toml into one immutable Ruleset.

Office staff edit these files, so every error names the file, the line and
the fix, and an unknown key lists the keys that are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any

import ahocorasick

from mailhub import tomlfile
from mailhub.errors import ConfigError, Problem
from mailhub.registry import Kind, Registry
from mailhub.reporting import Reporting, load_reporting
from mailhub.verdict import Action
from mailhub.vietnamese import fold, nfc

FALLBACK_TOPIC = "chua-phan-loai"
_WORD = re.compile(r"[a-z0-9/&]+")
_NOT_WORD = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789/&" else 32
                  for c in range(256))  # ASCII folded text: what is not in a word -> space
PATTERN_SPECIFICITY = 2.0
MAX_SPECIFICITY = 4.0
_TOPIC_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Reason:
    vi: str
    en: str


@dataclass(frozen=True)
class SenderRule:
    name: str
    when: dict[str, Any]
    action: Action
    reason: Reason
    line: int | None
    by_authentication: bool = False  # action = "authentication": [authentication] decides


# The vocabulary of [authentication] and of `from_authentication`.
AUTH_METHODS = ("dmarc", "dkim", "spf")
AUTH_STATUSES = ("pass", "fail", "none")
BY_AUTHENTICATION = "authentication"


@dataclass(frozen=True)
class AuthenticationRule:
    """What counts as authenticated mail from one official domain."""

    accept: tuple[str, ...] = AUTH_METHODS     # the aligned passes that count
    on_fail: Action = Action.QUARANTINE         # a check failed and none that counts passed
    unauthenticated: Action = Action.ACCEPT     # no evidence; accept = noted, next rules decide
    line: int | None = None


@dataclass(frozen=True)
class Authentication:
    """[authentication] of senders.toml: the default, and overrides per domain."""

    default: AuthenticationRule = AuthenticationRule()
    domains: tuple[tuple[str, AuthenticationRule], ...] = ()  # the longest name first

    def rule_for(self, domain: str) -> AuthenticationRule:
        for name, rule in self.domains:
            if domain == name or domain.endswith("." + name):
                return rule
        return self.default


@dataclass(frozen=True)
class SenderException:
    """A named address allowed for a while, e.g. while a school's mailbox is repaired."""

    address: str
    unit: str
    expires: date
    reason: Reason
    line: int | None


@dataclass(frozen=True)
class SenderPolicy:
    official_domains: tuple[str, ...]
    personal_domains: tuple[str, ...]
    rules: tuple[SenderRule, ...]
    exceptions: tuple[SenderException, ...]
    authentication: Authentication = Authentication()


@dataclass(frozen=True)
class Topic:
    id: str
    name_vi: str
    name_en: str
    phrases: tuple[str, ...]      # as written, for reasons shown to people
    words: tuple[tuple[str, ...], ...]  # each phrase as folded words, what matching compares
    patterns: tuple[str, ...]
    matchers: tuple[Matcher, ...]   # the patterns, compiled, one per pattern
    specificity: tuple[float, ...]  # per phrase: how much one match of it says
    team: str
    urgent: bool
    general: bool   # a general report (the monthly one): specific topics in the subject win
    weight: float
    line: int | None

    @cached_property
    def rank(self) -> tuple[int, ...]:
        """Per phrase, its place in the order a match keeps them by: the most specific
        first, then the longer, then the order of the rules file (worked out once)."""
        order = sorted(range(len(self.phrases)), key=lambda i: (
            -self.specificity[i], -len(" ".join(self.words[i])), i))
        return tuple(sorted(range(len(order)), key=order.__getitem__))


def words_of(folded: str) -> list[str]:
    """The words matching compares: runs of letters, digits, '/' and '&' of folded text."""
    if folded.isascii():  # folded Vietnamese: cut in C
        return folded.encode("ascii").translate(_NOT_WORD).decode("ascii").split()
    return _WORD.findall(folded)


@dataclass(frozen=True)
class PhraseIndex:
    """Every topic's phrases, found in a text's " joined words " in one pass (Aho-Corasick:
    the cost grows with the text, not with the number of phrases)."""

    # " folded words " -> its number in `places`
    automaton: ahocorasick.Automaton
    places: tuple[tuple[tuple[int, int], ...], ...]  # per number, the (topic, phrase) pairs
    # per topic, per phrase: the topic's longer phrases that contain it (worked out once,
    # so that a text's matches are de-duplicated without comparing them pairwise)
    inside: tuple[tuple[frozenset[int], ...], ...]

    @classmethod
    def build(cls, topics: list[Topic]) -> PhraseIndex:
        where: dict[str, list[tuple[int, int]]] = {}
        inside = []
        for t, topic in enumerate(topics):
            spaced = [f" {' '.join(words)} " for words in topic.words]
            inside.append(tuple(frozenset(  # a phrase written twice (with and without
                j for j, longer in enumerate(spaced)  # marks) counts once: the first
                if (len(longer) > len(phrase) and phrase in longer)
                or (longer == phrase and j < i)) for i, phrase in enumerate(spaced)))
            for i, words in enumerate(topic.words):
                if words:
                    where.setdefault(spaced[i], []).append((t, i))
        automaton = ahocorasick.Automaton()
        for number, spaced_words in enumerate(where):
            automaton.add_word(spaced_words, number)
        if where:
            automaton.make_automaton()
        return cls(automaton, tuple(map(tuple, where.values())), tuple(inside))

    def find(self, words: list[str]) -> dict[int, set[int]]:
        """Per topic (by position), the phrases (by position) that `words` contain."""
        found: dict[int, set[int]] = {}
        if self.automaton.kind != ahocorasick.AHOCORASICK:
            return found  # no phrases at all
        # each phrase once, however often it is written (the set is made in C)
        for number in set(map(itemgetter(1), self.automaton.iter(f" {' '.join(words)} "))):
            for topic, phrase in self.places[number]:
                found.setdefault(topic, set()).add(phrase)
        return found


@dataclass(frozen=True)
class Scoring:
    subject: float = 3.0
    attachment: float = 2.0
    lead: float = 2.0
    lead_chars: int = 300     # the opening of the body that says what the mail is
    body: float = 1.0
    body_cap: int = 3         # distinct body phrases counted per topic (lead and rest each)
    near_tie: float = 0.75    # runners-up within this share of the best are kept
    max_topics: int = 3
    general_breadth: int = 3  # areas touched only in the body that make a general report
    generic_words: tuple[str, ...] = ()  # words every report uses: they add no specificity


@dataclass(frozen=True)
class Ruleset:
    topics: tuple[Topic, ...]
    phrase_index: PhraseIndex
    scoring: Scoring
    senders: SenderPolicy
    reporting: Reporting

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


def load_rules(rules_dir: Path, registry: Registry | None = None) -> Ruleset:
    """Read topics.toml, senders.toml and reporting.toml; raise ConfigError listing
    every problem. With a registry, team codes and exception units are checked too."""
    problems: list[Problem] = []
    topics, scoring = _guard(problems, lambda: _topics(rules_dir / "topics.toml", problems)) or (
        None, None)
    senders = _guard(problems, lambda: _senders(rules_dir / "senders.toml", problems))
    reporting = _guard(problems, lambda: load_reporting(rules_dir / "reporting.toml", problems))
    if registry is not None and topics is not None and senders is not None:
        problems += _cross_check(rules_dir, topics, senders, registry)
    if problems or topics is None or senders is None or reporting is None:
        raise ConfigError(problems)
    ids = {t.id for t in topics}
    unknown = [r.topic for r in reporting.requirements if r.topic not in ids]
    if unknown:
        raise ConfigError([Problem(rules_dir / "reporting.toml", reporting.line,
                                   f"chủ đề không tồn tại / unknown topic '{topic}'",
                                   "dùng một id trong topics.toml / use an id from topics.toml")
                           for topic in unknown])
    return Ruleset(tuple(topics), PhraseIndex.build(topics), scoring or Scoring(), senders,
                   reporting)


def _guard(problems: list[Problem], load: Any) -> Any:
    """Run one file's loader; a file that cannot be read adds its problem and gives None."""
    try:
        return load()
    except ConfigError as exc:
        problems += exc.problems
        return None


def _unknown_keys(loc: tomlfile.Locator, table: dict[str, Any], known: tuple[str, ...],
                  line: int | None, what: str, problems: list[Problem]) -> None:
    for key in table:
        if key not in known:
            problems.append(loc.problem(loc.key(key, line), f"khoá không biết / unknown key "
                                        f"'{key}' in {what}",
                                        f"các khoá hợp lệ / known keys: {', '.join(known)}"))


def _reason(loc: tomlfile.Locator, value: Any, line: int | None,
            problems: list[Problem]) -> Reason:
    if isinstance(value, dict) and isinstance(value.get("vi"), str) and isinstance(
            value.get("en"), str):
        return Reason(nfc(value["vi"]), value["en"])
    problems.append(loc.problem(line, "lý do phải có cả tiếng Việt và tiếng Anh / "
                                "reason needs vi and en", 'reason = { vi = "…", en = "…" }'))
    return Reason("", "")


def _strings(loc: tomlfile.Locator, value: Any, key: str, line: int | None,
             problems: list[Problem]) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    problems.append(loc.problem(loc.key(key, line), f"'{key}' phải là danh sách chuỗi / "
                                f"must be a list of strings", f'{key} = ["…", "…"]'))
    return []


# topics.toml ----------------------------------------------------------------

_TOPIC_KEYS = ("id", "name", "phrases", "patterns", "team", "urgent", "general", "weight")


def _topics(path: Path, problems: list[Problem]) -> tuple[list[Topic], Scoring]:
    data, loc = tomlfile.load(path)
    _unknown_keys(loc, data, ("scoring", "topic"), None, "topics.toml", problems)
    scoring = _scoring(loc, data.get("scoring", {}), problems)
    topics: list[Topic] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("topic", [])):
        line = loc.table("topic", index)
        _unknown_keys(loc, entry, _TOPIC_KEYS, line, "[[topic]]", problems)
        topic_id = entry.get("id", "")
        if not isinstance(topic_id, str) or not _TOPIC_ID.match(topic_id):
            problems.append(loc.problem(line, f"id chủ đề không hợp lệ / bad topic id {topic_id!r}",
                                        'chữ thường không dấu nối bằng "-" / '
                                        'lower-case ascii words joined by "-", e.g. "tuyen-sinh"'))
            continue
        if topic_id in seen:
            problems.append(loc.problem(line, f"id trùng / duplicate topic id '{topic_id}'",
                                        "mỗi chủ đề một id / one id per topic"))
        seen.add(topic_id)
        name = _reason(loc, entry.get("name"), line, problems)
        phrases = [nfc(p) for p in _strings(loc, entry.get("phrases", []), "phrases", line,
                                           problems)]
        patterns = _strings(loc, entry.get("patterns", []), "patterns", line, problems)
        matchers = _matchers(loc, topic_id, patterns, line, problems)
        weight = entry.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or weight <= 0:
            problems.append(loc.problem(loc.key("weight", line), "weight phải là số dương / "
                                        "weight must be a positive number", "weight = 1.0"))
            weight = 1.0
        topics.append(Topic(topic_id, name.vi, name.en, tuple(phrases),
                            tuple(tuple(words_of(fold(p))) for p in phrases), tuple(patterns),
                            matchers, tuple(specificity(p, scoring.generic_words) for p in phrases),
                            str(entry.get("team", "")).upper(), bool(entry.get("urgent", False)),
                            bool(entry.get("general", False)), float(weight), line))
    if FALLBACK_TOPIC not in seen:
        problems.append(loc.problem(None, f"thiếu chủ đề / missing topic '{FALLBACK_TOPIC}'",
                                    "thêm chủ đề cho thư không khớp gì / add the topic for mail "
                                    "nothing matched"))
    return topics, scoring


def specificity(phrase: str, generic: tuple[str, ...] = ()) -> float:
    """How much one match of a phrase says: a word counts 1, an abbreviation written in
    capitals (VSATTP, KĐCL) half its letters, generic words ("báo cáo", "công tác") nothing;
    at least 1, and capped so that one phrase never decides alone."""
    tokens = re.findall(r"\w+", phrase)
    folded = [fold(t) for t in tokens]
    keep = [True] * len(tokens)
    for words in (fold(g).split() for g in generic):
        for start in range(len(tokens) - len(words) + 1):
            if folded[start:start + len(words)] == words:
                keep[start:start + len(words)] = [False] * len(words)
    value = sum(len(t) / 2 if len(t) > 1 and t.isupper() else 1.0
                for t, kept in zip(tokens, keep, strict=True) if kept)
    return min(MAX_SPECIFICITY, max(1.0, value))


@dataclass(frozen=True)
class Matcher:
    """One pattern of a topic. A leading \\b is checked by hand: it would stop the regex
    engine from scanning for the literal that follows, which is many times slower."""

    label: str
    regex: re.Pattern[str]
    word_start: bool

    def found_in(self, text: str) -> bool:
        for match in self.regex.finditer(text):
            start = match.start()
            if not self.word_start or start == 0 or not text[start - 1].isalnum():
                return True
        return False


def _matchers(loc: tomlfile.Locator, topic_id: str, patterns: list[str],
              line: int | None, problems: list[Problem]) -> tuple[Matcher, ...]:
    found = []
    for pattern in patterns:
        word_start = pattern.startswith("\\b") and pattern[2:3].isalnum()
        try:
            found.append(Matcher(pattern, re.compile(pattern[2:] if word_start else pattern),
                                 word_start))
        except re.error as exc:
            problems.append(loc.problem(loc.key("patterns", line),
                                        f"biểu thức chính quy sai / bad regex {pattern!r} in "
                                        f"'{topic_id}': {exc}",
                                        "sửa biểu thức (so khớp trên chữ thường không dấu) / "
                                        "fix the regex (it runs on lower-case unaccented text)"))
    return tuple(found)


def _scoring(loc: tomlfile.Locator, table: dict[str, Any], problems: list[Problem]) -> Scoring:
    known = tuple(Scoring.__dataclass_fields__)
    line = loc.table("scoring")
    _unknown_keys(loc, table, known, line, "[scoring]", problems)
    values = {k: v for k, v in table.items() if k in known}
    if isinstance(values.get("generic_words"), list):
        values["generic_words"] = tuple(values["generic_words"])
    try:
        return Scoring(**values)
    except TypeError as exc:
        problems.append(loc.problem(line, f"[scoring] sai / invalid: {exc}", "xem chú thích / "
                                    "see the comments in topics.toml"))
        return Scoring()


# senders.toml ---------------------------------------------------------------

_RULE_KEYS = ("name", "when", "action", "reason")
_EXCEPTION_KEYS = ("address", "unit", "expires", "reason")


def _senders(path: Path, problems: list[Problem]) -> SenderPolicy:
    from mailhub.policy import SENDER_CHECKS  # the checks define the `when` vocabulary

    data, loc = tomlfile.load(path)
    _unknown_keys(loc, data, ("official_domains", "personal_domains", "authentication", "rule",
                              "exception"), None, "senders.toml", problems)
    official = [d.lower() for d in _strings(loc, data.get("official_domains", []),
                                            "official_domains", None, problems)]
    personal = [d.lower() for d in _strings(loc, data.get("personal_domains", []),
                                            "personal_domains", None, problems)]
    for domain in set(official) & set(personal):
        problems.append(loc.problem(loc.key("personal_domains"), f"'{domain}' vừa chính thức "
                                    "vừa cá nhân / both official and personal",
                                    "xoá khỏi một trong hai danh sách / remove it from one list"))
    authentication = _authentication(loc, data.get("authentication", {}), official, problems)
    rules = []
    names: set[str] = set()
    actions = ", ".join([a.value for a in Action] + [BY_AUTHENTICATION])
    for index, entry in enumerate(data.get("rule", [])):
        line = loc.table("rule", index)
        _unknown_keys(loc, entry, _RULE_KEYS, line, "[[rule]]", problems)
        name = str(entry.get("name", ""))
        if not name or name in names:
            problems.append(loc.problem(line, f"tên quy tắc thiếu hoặc trùng / missing or "
                                        f"duplicate rule name {name!r}",
                                        'name = "sender.<tên riêng>" / a unique name'))
        names.add(name)
        when = entry.get("when", {})
        if not isinstance(when, dict) or not when:
            problems.append(loc.problem(line, "thiếu điều kiện / missing `when`",
                                        'when = { from_domain_personal = true }'))
            when = {}
        for key in when:
            if key not in SENDER_CHECKS:
                problems.append(loc.problem(loc.key(key, line), f"điều kiện không biết / "
                                            f"unknown `when` key '{key}'",
                                            f"các khoá hợp lệ / known keys: "
                                            f"{', '.join(SENDER_CHECKS)}"))
        by_authentication = entry.get("action") == BY_AUTHENTICATION
        try:
            action = Action.NOTE if by_authentication else Action(entry.get("action", ""))
        except ValueError:
            problems.append(loc.problem(loc.key("action", line), f"hành động không biết / "
                                        f"unknown action {entry.get('action')!r}",
                                        f"dùng một trong / use one of: {actions}"))
            action = Action.QUARANTINE
        if by_authentication and "from_authentication" not in when:
            problems.append(loc.problem(loc.key("action", line), f'action = "{BY_AUTHENTICATION}"'
                                        " chỉ dùng với điều kiện from_authentication / only "
                                        "with a from_authentication condition",
                                        'when = { from_authentication = "fail" }'))
        if "from_authentication" in when and when["from_authentication"] not in AUTH_STATUSES:
            problems.append(loc.problem(loc.key("from_authentication", line),
                                        f"giá trị không biết / unknown from_authentication "
                                        f"{when['from_authentication']!r}",
                                        f"dùng một trong / use one of: {', '.join(AUTH_STATUSES)}"))
        reason = _reason(loc, entry.get("reason"), line, problems)
        if "from_kind_in" in when:
            when = {**when, "from_kind_in": _kinds(loc, when["from_kind_in"], line, problems)}
        rules.append(SenderRule(name, dict(when), action, reason, line, by_authentication))
    exceptions = [_exception(loc, index, entry, problems)
                  for index, entry in enumerate(data.get("exception", []))]
    return SenderPolicy(tuple(official), tuple(personal), tuple(rules), tuple(exceptions),
                        authentication)


_AUTH_KEYS = ("accept", "on_fail", "unauthenticated")
_AUTH_CHOICES = {"on_fail": (Action.QUARANTINE, Action.REJECT),
                 "unauthenticated": (Action.ACCEPT, Action.QUARANTINE, Action.REJECT)}


def _authentication(loc: tomlfile.Locator, table: Any, official: list[str],
                    problems: list[Problem]) -> Authentication:
    """[authentication] and its [[authentication.domain]] overrides; a key a domain leaves
    out is the default's."""
    line = loc.table("authentication")
    if not isinstance(table, dict):
        problems.append(loc.problem(line, "[authentication] phải là một bảng / must be a table",
                                    'on_fail = "quarantine" dưới / under [authentication]'))
        return Authentication()
    _unknown_keys(loc, table, (*_AUTH_KEYS, "domain"), line, "[authentication]", problems)
    default = _authentication_rule(loc, table, AuthenticationRule(line=line), line, problems)
    domains = []
    entries = table.get("domain", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(loc.problem(loc.key("domain", line), "mỗi tên miền một bảng / one "
                                    "table per domain", '[[authentication.domain]] rồi / then '
                                    'name = "…"'))
        entries = []
    for index, entry in enumerate(entries):
        at = loc.table("authentication.domain", index)
        _unknown_keys(loc, entry, ("name", *_AUTH_KEYS), at, "[[authentication.domain]]",
                      problems)
        name = str(entry.get("name", "")).strip().lower()
        if not any(name == d or name.endswith("." + d) for d in official):
            problems.append(loc.problem(loc.key("name", at), f"'{name}' không thuộc tên miền "
                                        "chính thức / is not an official domain",
                                        f"dùng một tên miền trong / use a domain in "
                                        f"official_domains: {', '.join(official)}"))
        domains.append((name, _authentication_rule(loc, entry, default, at, problems)))
    domains.sort(key=lambda item: -len(item[0]))
    return Authentication(default, tuple(domains))


def _authentication_rule(loc: tomlfile.Locator, table: dict[str, Any],
                         base: AuthenticationRule, line: int | None,
                         problems: list[Problem]) -> AuthenticationRule:
    accept = base.accept
    if "accept" in table:
        methods = [m.lower() for m in _strings(loc, table["accept"], "accept", line, problems)]
        unknown = [m for m in methods if m not in AUTH_METHODS]
        if unknown or not methods:
            problems.append(loc.problem(loc.key("accept", line), f"phương pháp không biết hoặc "
                                        f"danh sách trống / unknown method or empty list: "
                                        f"{', '.join(unknown) or '[]'}",
                                        f"dùng một hay nhiều trong / use some of: "
                                        f"{', '.join(AUTH_METHODS)}"))
        accept = tuple(m for m in methods if m in AUTH_METHODS) or accept
    actions = {"on_fail": base.on_fail, "unauthenticated": base.unauthenticated}
    for key, choices in _AUTH_CHOICES.items():
        if key not in table:
            continue
        value = table[key]
        if value not in [c.value for c in choices]:
            problems.append(loc.problem(loc.key(key, line), f"giá trị không biết / unknown "
                                        f"{key} {value!r}", f"dùng một trong / use one of: "
                                        f"{', '.join(c.value for c in choices)}"))
            continue
        actions[key] = Action(value)
    return AuthenticationRule(accept, actions["on_fail"], actions["unauthenticated"], line)


def _kinds(loc: tomlfile.Locator, value: Any, line: int | None,
           problems: list[Problem]) -> tuple[Kind, ...]:
    kinds = []
    for word in _strings(loc, value, "from_kind_in", line, problems):
        try:
            kinds.append(Kind(word.upper()))
        except ValueError:
            problems.append(loc.problem(loc.key("from_kind_in", line), f"loại không biết / "
                                        f"unknown kind '{word}'",
                                        f"dùng / use: {', '.join(k.value for k in Kind)}"))
    return tuple(kinds)


def _exception(loc: tomlfile.Locator, index: int, entry: dict[str, Any],
               problems: list[Problem]) -> SenderException:
    line = loc.table("exception", index)
    _unknown_keys(loc, entry, _EXCEPTION_KEYS, line, "[[exception]]", problems)
    expires = entry.get("expires")
    if not isinstance(expires, date):
        problems.append(loc.problem(loc.key("expires", line), "thiếu hạn / missing or bad "
                                    "`expires`", "expires = 2026-12-31 (ngày, không ngoặc kép / "
                                    "a date, no quotes)"))
        expires = date.min
    return SenderException(str(entry.get("address", "")).strip().lower(),
                           str(entry.get("unit", "")).upper(), expires,
                           _reason(loc, entry.get("reason"), line, problems), line)


def _cross_check(rules_dir: Path, topics: list[Topic], senders: SenderPolicy,
                 registry: Registry) -> list[Problem]:
    problems = []
    for topic in topics:
        team = registry.by_code.get(topic.team) if topic.team else None
        if topic.team and (team is None or team.kind is not Kind.TEAM):
            problems.append(Problem(rules_dir / "topics.toml", topic.line,
                                    f"chủ đề '{topic.id}' chuyển cho tổ không tồn tại / routed to "
                                    f"a team that does not exist: '{topic.team}'",
                                    f"dùng mã một Tổ trong {registry.path} / use a TEAM code from "
                                    f"{registry.path}"))
    for exc in senders.exceptions:
        if exc.unit not in registry.by_code:
            problems.append(Problem(rules_dir / "senders.toml", exc.line,
                                    f"đơn vị không tồn tại / unknown unit '{exc.unit}'",
                                    f"dùng mã trong {registry.path} / use a code from "
                                    f"{registry.path}"))
    return problems

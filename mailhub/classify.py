"""Classification: the school, its level, the topic(s), the reporting period and
the responsible team of an accepted message, each with its reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from mailhub.message import ParsedMessage
from mailhub.registry import Kind, Registry, Unit
from mailhub.rules import FALLBACK_TOPIC, PATTERN_SPECIFICITY, Ruleset, Topic, words_of
from mailhub.search_text import SLICE
from mailhub.verdict import Action, Hit
from mailhub.vietnamese import fold

BODY_LIMIT = 5_000  # characters of body text read; reports say what they are early

# Reporting period, most explicit first; all run on folded text. The two that also scan
# bodies say "not after a letter/digit" behind their first character ("t(?<![a-z0-9]t)"
# is "(?<![a-z0-9])t"): a pattern that begins with a lookbehind is tried at every
# position, one that begins with a character is scanned for it, 3-5 times faster.
_YEAR = r"(20\d\d)"
_PERIOD_WITH_YEAR = (
    re.compile(rf"thang\s*(\d{{1,2}})\s*(?:[/\-.]|nam)\s*{_YEAR}(?!\d)"),
    re.compile(rf"t(?<![a-z0-9]t)h?\.?\s*(\d{{1,2}})\s*[/\-._]\s*{_YEAR}(?!\d)"),
    re.compile(rf"(\d(?<![\d/.\-]\d)\d?)\s*[/\-.]\s*{_YEAR}(?![\d/])"),
)
# Year first, as file names write it: 2026.01, 2026-02, 202603.
_YEAR_FIRST = re.compile(r"(?<![\d/.\-])(20\d\d)(?:[.\-_]?)(0[1-9]|1[0-2])(?![\d/\-]|\.\d)")
_MONTH_ONLY = re.compile(r"thang\s*(\d{1,2})(?![\d/])")
_MONTH_ONLY_SHORT = re.compile(r"(?<![a-z0-9])th?\.?(\d{1,2})(?![\d/])")
# "Hà Nội, ngày 03 tháng 01 năm 2026": the date a letter was written, not its period.
_DATE_BEFORE = re.compile(r"ngay\s*\d{1,2}\s*$")


@dataclass
class Filing:
    unit: Unit | None
    level: str | None
    topics: list[tuple[str, float]]   # best first
    period: str                       # YYYY-MM
    team: str | None
    urgent: bool
    hits: list[Hit] = field(default_factory=list)

    @property
    def topic_ids(self) -> list[str]:
        return [t for t, _ in self.topics]


def classify(ruleset: Ruleset, registry: Registry, unit: Unit | None, message: ParsedMessage,
             received_at: datetime) -> Filing:
    """File an accepted message: by its unit, topics, period and team."""
    subject = fold(message.subject)
    names = fold(" ".join(_file_name_words(a.name) for a in message.attachments))
    # The whole body when the search document folds it whole too (search_text.SLICE):
    # fold() remembers it, so a report's body is folded once.
    text = message.text if len(message.text) <= SLICE else message.text[:BODY_LIMIT]
    body = fold(text)[:BODY_LIMIT]
    hits: list[Hit] = []
    ranked = rank_topics(ruleset, subject, names, body, hits)
    topics = [ruleset.topic(t) for t, _ in ranked]
    reference = message.date or received_at
    period, period_hit = reporting_period(subject, names, body, reference)
    hits.append(period_hit)
    team, team_hit = responsible_team(registry, unit, topics[0], message)
    if team_hit:
        hits.append(team_hit)
    level = unit.kind.value if unit is not None and unit.is_school else None
    return Filing(unit, level, ranked, period, team.code if team else None,
                  any(t is not None and t.urgent for t in topics), hits)


def _file_name_words(name: str) -> str:
    """'BaoCao_CSVC-T10.docx' -> 'Bao Cao CSVC-T10.docx': file names glue their words."""
    spaced = [" " if c == "_" else c for c in name]
    for i in range(len(name) - 1, 0, -1):
        if name[i - 1].islower() and name[i].isupper():
            spaced.insert(i, " ")
    return "".join(spaced)


@dataclass
class _Evidence:
    topic: Topic
    score: float
    headline: bool  # named in the subject or a file name
    found: list[str]


def rank_topics(ruleset: Ruleset, subject: str, names: str, body: str,
                hits: list[Hit]) -> list[tuple[str, float]]:
    """Score every topic on folded text; keep the best and its near ties.

    What the subject or a file name names comes first: clerks say there what they send.
    The body decides when they say nothing, and a general report (the monthly one)
    is recognised by its own words or by touching many areas at once."""
    weights = ruleset.scoring
    # The opening of a body says what the mail is; the rest mentions things in passing.
    cut = body.find(" ", weights.lead_chars)
    lead, rest = (body, "") if cut < 0 else (body[:cut], body[cut:])
    fields = (("subject", subject, weights.subject, None),
              ("attachment", names, weights.attachment, None),
              ("lead", lead, weights.lead, weights.body_cap),
              ("body", rest, weights.body, weights.body_cap))
    found_in = [(where, weight, find_phrases(ruleset, text, cap))
                for where, text, weight, cap in fields]
    evidence = []
    for t in sorted(set().union(*(per_topic for _, _, per_topic in found_in))):
        topic = ruleset.topics[t]
        score, found, seen, headline = 0.0, [], set[str](), False
        for where, weight, per_topic in found_in:
            if t not in per_topic:
                continue
            matched = {p: w for p, w in per_topic[t].items()
                       if where in ("subject", "attachment") or p not in seen}
            seen.update(matched)
            score += weight * sum(matched.values())
            found += [f'{where} "{p}"' for p in matched]
            headline = headline or (bool(matched) and where in ("subject", "attachment"))
        if score:
            evidence.append(_Evidence(topic, score * topic.weight, headline, found))
    if not evidence:
        hits.append(Hit("topic", f"topic.{FALLBACK_TOPIC}", Action.NOTE,
                        "Không khớp chủ đề nào", "No topic matched", ""))
        return [(FALLBACK_TOPIC, 0.0)]
    ranked = _order(evidence, weights.general_breadth)
    best = ranked[0].score
    kept = [ranked[0]] + [e for e in ranked[1:] if e.score >= best * weights.near_tie]
    for item in kept[: weights.max_topics]:
        hits.append(Hit("topic", f"topic.{item.topic.id}", Action.NOTE,
                        f"Chủ đề {item.topic.name_vi} (điểm {item.score:g})",
                        f"Topic {item.topic.name_en} (score {item.score:g})",
                        "; ".join(item.found)))
    return [(e.topic.id, round(e.score, 3)) for e in kept[: weights.max_topics]]


def _order(evidence: list[_Evidence], breadth: int) -> list[_Evidence]:
    by_score = sorted(evidence, key=lambda e: (-e.score, e.topic.general))
    general = next((e for e in by_score if e.topic.general), None)
    specific = [e for e in by_score if not e.topic.general]
    if any(e.headline for e in specific):  # a named area wins over what the body mentions
        return sorted(by_score, key=lambda e: not (e.headline and not e.topic.general))
    if general is not None and (general.headline or _broad(specific, breadth)):
        return [general] + specific
    return by_score


def _broad(specific: list[_Evidence], breadth: int) -> bool:
    """Many areas of comparable weight (half the best or more) in the body: a general report."""
    return bool(specific) and sum(e.score >= specific[0].score / 2 for e in specific) >= breadth


def find_phrases(ruleset: Ruleset, text: str,
                 cap: int | None) -> dict[int, dict[str, float]]:
    """Per topic (by position), the distinct phrases and patterns found in folded text,
    each with its specificity. A phrase inside a longer phrase of the same topic that
    matched does not count again; `cap` keeps the most specific ones."""
    found: dict[int, dict[str, float]] = {}
    if not text:
        return found
    index = ruleset.phrase_index
    matched = index.find(words_of(text))
    for topic, phrases in matched.items():
        owner, inside = ruleset.topics[topic], index.inside[topic]
        kept = [i for i in phrases if inside[i].isdisjoint(phrases)]
        best = sorted(kept, key=owner.rank.__getitem__)[:cap]
        found[topic] = {owner.phrases[i]: owner.specificity[i] for i in best}
    for t, owner in enumerate(ruleset.topics):
        for matcher in owner.matchers:
            mine = found.get(t, {})
            if (cap is None or len(mine) < cap) and matcher.found_in(text):
                found.setdefault(t, {})[matcher.label] = PATTERN_SPECIFICITY
    return found


def reporting_period(subject: str, names: str, body: str,
                     reference: datetime) -> tuple[str, Hit]:
    """The month a report is about: written in the subject, a file name or the body
    (subject first), else the month of the Date header."""
    for where, text in (("subject", subject), ("attachment", names), ("body", body)):
        for pattern in _PERIOD_WITH_YEAR:
            for match in pattern.finditer(text):
                month, year = int(match.group(1)), int(match.group(2))
                if 1 <= month <= 12 and not _is_letter_date(text, match):
                    return _period_hit(f"{year:04d}-{month:02d}", where, match.group(0))
        if where != "body":
            for match in _YEAR_FIRST.finditer(text):
                year, month = int(match.group(1)), int(match.group(2))
                return _period_hit(f"{year:04d}-{month:02d}", where, match.group(0))
        patterns = (_MONTH_ONLY,) if where == "body" else (_MONTH_ONLY, _MONTH_ONLY_SHORT)
        for pattern in patterns:
            for match in pattern.finditer(text):
                month = int(match.group(1))
                if 1 <= month <= 12 and not _is_letter_date(text, match):
                    # A report names a recent month: later than next month means last year.
                    year = reference.year - 1 if month > reference.month + 1 else reference.year
                    return _period_hit(f"{year:04d}-{month:02d}", where, match.group(0))
    period = f"{reference.year:04d}-{reference.month:02d}"
    return period, Hit("period", "period.date_header", Action.NOTE,
                       "Kỳ báo cáo theo ngày gửi thư", "Period from the message date", period)


def _is_letter_date(text: str, match: re.Match[str]) -> bool:
    return bool(_DATE_BEFORE.search(text, max(0, match.start() - 12), match.start()))


def _period_hit(period: str, where: str, text: str) -> tuple[str, Hit]:
    return period, Hit("period", f"period.{where}", Action.NOTE, "Kỳ báo cáo ghi trong thư",
                       "Period written in the message", f'{period} from "{text.strip()}"')


def responsible_team(registry: Registry, unit: Unit | None, topic: Topic | None,
                     message: ParsedMessage) -> tuple[Unit | None, Hit | None]:
    """The topic's own team, else the team of the school's level, else the team the
    sender belongs to, else the team the mail was addressed to."""
    if topic is not None and topic.team and topic.team in registry.by_code:
        return registry.by_code[topic.team], _team_hit(topic.team, f"topic {topic.id}")
    if unit is not None and unit.is_school:
        team = registry.team_for(unit)
        if team is not None:
            return team, _team_hit(team.code, f"level {unit.kind.value}")
    if unit is not None and unit.kind is Kind.TEAM:
        return unit, _team_hit(unit.code, "sender is the team")
    for address in message.to:
        recipient = registry.find(address)
        if recipient is not None and recipient.kind is Kind.TEAM:
            return recipient, _team_hit(recipient.code, f"addressed to {address}")
    return None, None


def _team_hit(code: str, why: str) -> Hit:
    return Hit("team", f"team.{code}", Action.NOTE, "Tổ phụ trách", "Responsible team", why)

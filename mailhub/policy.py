"""Sender policy: is this mail from an official, registered, authenticated sender?

The header From decides (the envelope sender is recorded beside it); for an official
domain, so do the SPF/DKIM/DMARC results believed (authenticity.py). The
order of checks lives in rules/senders.toml; each `when` key there maps to one
check below that answers with what it matched, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from mailhub import authenticity
from mailhub.authenticity import Judgement, judge
from mailhub.registry import Registry, Unit
from mailhub.rules import SenderPolicy, SenderRule
from mailhub.verdict import Action, Hit, Verdict


@dataclass(frozen=True)
class SenderFacts:
    """What the sender checks look at, gathered once per message."""

    address: str          # header From, lower case, "" when missing
    domain: str
    envelope_from: str
    unit: Unit | None     # the registry unit of the address
    excepted: Unit | None  # the unit a valid per-address exception stands for
    exception_reason: str
    parse_problem: str    # why the message could not be parsed, "" when it could
    policy: SenderPolicy
    # SPF/DKIM/DMARC for an official From domain; None: not known (yet), or not official
    authentication: Judgement | None = None


Check = Callable[[SenderFacts, Any], str | None]


def _flag(value: bool, detail: str) -> str | None:
    return detail if value else None


def _domain_in(domain: str, domains: tuple[str, ...] | list[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in domains)


SENDER_CHECKS: dict[str, Check] = {
    "always": lambda f, want: _flag(bool(want), f.address or "-"),
    "parse_failed": lambda f, want: _flag(bool(f.parse_problem) == want, f.parse_problem),
    "from_missing": lambda f, want: _flag((not f.address) == want, f.address or "no From"),
    "from_excepted": lambda f, want: _flag((f.excepted is not None) == want,
                                           f"{f.address} ({f.exception_reason})"),
    "from_registered": lambda f, want: _flag((f.unit is not None) == want, f.address),
    "from_kind_in": lambda f, kinds: _flag(f.unit is not None and f.unit.kind in kinds,
                                           f"{f.address} ({f.unit.kind if f.unit else '-'})"),
    "from_address_in": lambda f, addresses: _flag(f.address in addresses, f.address),
    "from_domain_in": lambda f, domains: _flag(_domain_in(f.domain, domains), f.domain),
    "from_domain_personal": lambda f, want: _flag(
        _domain_in(f.domain, f.policy.personal_domains) == want, f.domain),
    "from_domain_official": lambda f, want: _flag(
        _domain_in(f.domain, f.policy.official_domains) == want, f.domain),
    "from_authentication": lambda f, status: _flag(
        f.authentication is not None and f.authentication.status == status,
        f.authentication.detail if f.authentication else ""),
}


def gather(policy: SenderPolicy, registry: Registry, address: str, envelope_from: str,
           parse_problem: str, today: date,
           checks: Sequence[authenticity.Check] | None = None) -> SenderFacts:
    """The facts of one message. `checks`: the SPF/DKIM/DMARC results believed (None when
    they are not known yet, as at MAIL FROM: then no authentication rule fires)."""
    address = address.strip().lower()
    domain = address.rpartition("@")[2] if "@" in address else ""
    excepted, why = None, ""
    for exc in policy.exceptions:
        if exc.address == address and exc.expires >= today:
            excepted, why = registry.by_code.get(exc.unit), exc.reason.vi
            break
    judged = None
    if checks is not None and _domain_in(domain, policy.official_domains):
        judged = judge(policy.authentication.rule_for(domain), domain, checks)
    return SenderFacts(address, domain, envelope_from.lower(), registry.find(address),
                       excepted, why, parse_problem, policy, judged)


def decide(policy: SenderPolicy, facts: SenderFacts) -> tuple[Verdict, Unit | None]:
    """Run the sender chain top to bottom; the first deciding rule wins.

    Returns the verdict and the unit the mail is from (the registry unit, or the
    unit an exception stands for). No deciding rule means quarantine: a human looks.
    """
    verdict = Verdict(Action.QUARANTINE)
    for rule in policy.rules:
        detail = _matches(rule, facts)
        if detail is None:
            continue
        action = rule.action
        if rule.by_authentication and facts.authentication is not None:
            action = facts.authentication.action  # [authentication] of senders.toml
        verdict.hits.append(Hit("sender", rule.name, action, rule.reason.vi,
                                rule.reason.en, detail))
        if action is not Action.NOTE:
            verdict.action = action
            return verdict, facts.excepted or facts.unit
    verdict.hits.append(Hit("sender", "sender.no_rule", Action.QUARANTINE,
                            "Không quy tắc nào quyết định; cần người xem xét",
                            "No rule decided; a person must look", facts.address))
    return verdict, facts.excepted or facts.unit


def _matches(rule: SenderRule, facts: SenderFacts) -> str | None:
    details = []
    for key, arg in rule.when.items():
        detail = SENDER_CHECKS[key](facts, arg)
        if detail is None:
            return None
        details.append(detail)
    return ", ".join(dict.fromkeys(d for d in details if d))

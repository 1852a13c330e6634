"""Who vouches for the sender: Authentication-Results read, then judged for an official domain.

The filing never asks DNS. What it knows of SPF, DKIM and DMARC is what a server it
believes wrote in an Authentication-Results header (RFC 8601): the office's or the
sector's mail server ([auth] trusted_authserv_ids), or mailhub's own SMTP door
(verification.py) for mail that came through it. A header naming any other
authserv-id is ignored: a sender can write one too. judge() then says what the
evidence is worth under senders.toml's [authentication]: pass, fail or none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import authres
import authres.dmarc
from publicsuffixlist import PublicSuffixList

from mailhub.config import Settings
from mailhub.message import head_end
from mailhub.rules import AuthenticationRule
from mailhub.verdict import Action

FIELD = b"authentication-results"
FEATURES = authres.FeatureContext(authres.dmarc)  # the core methods (spf, dkim) and dmarc
PROPERTY = {"spf": "smtp.mailfrom", "dkim": "header.d", "dmarc": "header.from"}
# Results that speak against the sender; anything else without a pass is no evidence.
FAILED = {"dmarc": ("fail",), "dkim": ("fail", "permerror"), "spf": ("fail",)}
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._:/=+-]")
_NOT_DOMAIN = re.compile(r"[^a-z0-9._-]")


@dataclass(frozen=True)
class Check:
    """One method's result: spf for the MAIL FROM (or HELO) domain, dkim for one
    signature's d=, dmarc for the header From domain with the policy its owner published."""

    method: str       # spf | dkim | dmarc
    result: str       # pass | fail | softfail | neutral | none | temperror | permerror
    domain: str = ""
    prop: str = ""    # the A-R property the domain is: smtp.mailfrom, smtp.helo, header.d…
    policy: str = ""  # dmarc: p= (or sp=) of the record that applied
    reason: str = ""

    def __str__(self) -> str:
        text = f"{self.method}={self.result}"
        if self.domain:
            text += f" {self.prop or PROPERTY.get(self.method, 'domain')}={self.domain}"
        if self.policy:
            text += f" p={self.policy}"
        return f"{text} ({self.reason})" if self.reason else text


@dataclass(frozen=True)
class Judgement:
    """What the evidence is worth for the From's domain, and what the rule whose action is
    "authentication" does with it (NOTE: record and let the next rules decide)."""

    status: str       # pass | fail | none (rules.AUTH_STATUSES)
    action: Action
    detail: str       # every check and its result, for the verdict's reasons


def read(raw: bytes, settings: Settings, door: str) -> tuple[Check, ...]:
    """The checks in the message's Authentication-Results headers whose authserv-id is
    believed for this door, topmost first; () when there are none."""
    head = _head(raw)
    if FIELD not in head.lower():  # most mail without a server in front: nothing to parse
        return ()
    fields = [field for field in _fields(head) if _is_results(field)]
    believed = believed_ids(settings, door)
    checks: list[Check] = []
    for field in fields:
        header = _parsed(field)
        if header is not None and header.authserv_id in believed:
            checks += [c for c in map(_check, header.results) if c is not None]
    return tuple(checks)


def believed_ids(settings: Settings, door: str) -> frozenset[str]:
    """Whose results count. mailhub's own id only on mail of its SMTP door, which removes
    incoming headers claiming that id (RFC 8601 §5): through any other door (LMTP, IMAP,
    files) nobody removed them, so a header with our id there may be the sender's forgery."""
    ids = {i.strip().lower() for i in settings.auth.trusted_authserv_ids}
    if door == "smtp":
        ids.add(settings.authserv_id)
    return frozenset(ids)


def without_claims(raw: bytes, authserv_id: str) -> bytes:
    """The message without Authentication-Results headers naming `authserv_id`: arriving
    at the hub, such a header was written by someone else (RFC 8601 §5). Every other byte
    is kept as it came."""
    head, rest = _split(raw)
    if FIELD not in head.lower():
        return raw
    ours = authserv_id.lower()
    kept = [field for field in _fields(head) if not (
        _is_results(field) and _claimed_id(field) == ours)]
    return b"".join(kept) + rest


def judge(rule: AuthenticationRule, domain: str, checks: Sequence[Check]) -> Judgement:
    """pass: a check the rule accepts passed for this domain (dmarc for the From domain;
    dkim or spf for a domain aligned with it). fail: none did, and one failed for it.
    none: no evidence either way."""
    about = [c for c in checks if _concerns(c, domain)]
    if any(c.result == "pass" and c.method in rule.accept for c in about):
        status, action = "pass", Action.NOTE
    elif any(c.result in FAILED.get(c.method, ()) for c in about):
        status, action = "fail", rule.on_fail
    else:
        status = "none"
        action = Action.NOTE if rule.unauthenticated is Action.ACCEPT else rule.unauthenticated
    return Judgement(status, action, describe(checks))


def describe(checks: Iterable[Check]) -> str:
    """Each check and its result, e.g. "dkim=fail header.d=hanoiedu.vn; spf=none"."""
    return "; ".join(map(str, checks)) or "spf=none; dkim=none; dmarc=none (không có kết quả " \
        "đáng tin / no trusted Authentication-Results)"


def aligned(domain: str, other: str, strict: bool = False) -> bool:
    """DMARC identifier alignment (RFC 7489 §3.1): the same name (strict), or the same
    organizational domain (relaxed)."""
    a, b = domain.lower().rstrip("."), other.lower().rstrip(".")
    if not a or not b:
        return False
    return a == b if strict else organizational_domain(a) == organizational_domain(b)


def organizational_domain(domain: str) -> str:
    """The registered domain under a public suffix (hanoiedu.vn for x.hanoiedu.vn), from the
    Public Suffix List that publicsuffixlist bundles; a public suffix is its own."""
    domain = domain.lower().rstrip(".")
    return _suffixes().privatesuffix(domain) or domain


def safe(text: str, limit: int = 80) -> str:
    """Text fit for a reason: no line breaks, quotes, comments or separators."""
    return _UNSAFE.sub("", text)[:limit].strip()


def domain_of(value: str) -> str:
    """The domain of an address, or a domain: lower case, only the characters a DNS name
    has (it is written into a header and shown in reasons)."""
    return _NOT_DOMAIN.sub("", value.rpartition("@")[2].lower())[:253].strip(".")


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # read once per process (~40 ms)


def _concerns(check: Check, domain: str) -> bool:
    if check.method == "dmarc":
        return not check.domain or check.domain == domain
    return aligned(check.domain, domain)


def _check(result: Any) -> Check | None:
    method = str(result.method or "").lower()
    if method not in PROPERTY:
        return None
    value = str(result.result or "").lower()
    reason = safe(str(getattr(result, "reason", None) or ""))
    if method == "spf":
        mailfrom, helo = _property(result, "smtp", "mailfrom"), _property(result, "smtp", "helo")
        prop, domain = ("smtp.mailfrom", mailfrom) if mailfrom or not helo else (
            "smtp.helo", helo)
        return Check(method, value, domain_of(domain), prop, reason=reason)
    if method == "dkim":
        domain = _property(result, "header", "d") or _property(result, "header", "i")
        return Check(method, value, domain_of(domain), "header.d", reason=reason)
    return Check(method, value, domain_of(_property(result, "header", "from")), "header.from",
                 safe(_property(result, "policy", "dmarc").lower(), 20), reason)


def _property(result: Any, kind: str, name: str) -> str:
    for prop in result.properties or ():
        if str(prop.type).lower() == kind and str(prop.name).lower() == name:
            return str(prop.value or "")
    return ""


def _split(raw: bytes) -> tuple[bytes, bytes]:
    """(the header lines with their line ends, the rest from the blank line on)."""
    end = head_end(raw)[0]
    return raw[:end], raw[end:]


def _head(raw: bytes) -> bytes:
    return _split(raw)[0]


def _fields(head: bytes) -> list[bytes]:
    """Header fields as they came, each with its continuation lines."""
    fields: list[bytes] = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def _is_results(field: bytes) -> bool:
    return field.split(b":", 1)[0].strip().lower() == FIELD


def _parsed(field: bytes) -> Any:
    """The header as authres reads it; None when it cannot (then it is no evidence)."""
    value = _UNFOLD.sub("", field.split(b":", 1)[1].decode("utf-8", "replace")).strip()
    try:
        return FEATURES.parse_value(value)
    except Exception:  # authres raises its own errors and, on odd input, Python's
        return None


def _claimed_id(field: bytes) -> str:
    header = _parsed(field)
    if header is not None:
        return str(header.authserv_id or "")
    # Unreadable to authres, so never believed; still removed if it starts with our id.
    value = field.split(b":", 1)[1].decode("utf-8", "replace")
    return re.split(r"[\s;(]", value.strip(), maxsplit=1)[0].lower()

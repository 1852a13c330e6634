"""First-hop checks: SPF, DKIM and DMARC of one message, over DNS, for the SMTP door.

When mailhub is the office's MX ([auth] verify), nobody before it has checked the
sender, so the SMTP door does: SPF for the client IP and MAIL FROM (pyspf), every DKIM
signature (dkimpy), and DMARC (RFC 7489) for the header From — the policy record
looked up with dnspython, alignment by organizational domain from the Public Suffix
List (authenticity.aligned). The results become mailhub's own Authentication-Results
header (authres) on the stored copy, which the filing reads like a trusted server's.

Every lookup goes through one Resolver: the configured servers, a timeout, a cache.
A lookup that gets no answer raises TemporaryDnsError, never "no record": the door
answers 451 and the sender retries later.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import authres
import authres.dmarc
import dkim
import dkim.util
import dns.exception
import dns.name
import dns.nameserver
import dns.resolver
import spf

from mailhub.authenticity import (
    FEATURES,
    Check,
    aligned,
    domain_of,
    organizational_domain,
    safe,
)
from mailhub.config import Settings, dns_server
from mailhub.errors import TemporaryDnsError

log = logging.getLogger(__name__)

MAX_SIGNATURES = 5      # DKIM signatures checked per message; more is an attack on us
SPF_QUERY_TIME = 20.0   # seconds for a whole SPF evaluation (RFC 7208 §4.6.4: at least 20)
CACHE_SIZE = 10_000     # answers kept (each for its TTL)
_DMARC = re.compile(rb"^v\s*=\s*DMARC1\s*(;|$)")
_POLICIES = ("none", "quarantine", "reject")


class Resolver:
    """dnspython with the configured servers, timeout and a cache of answers."""

    def __init__(self, servers: Sequence[str], timeout: float) -> None:
        self.servers, self.timeout = tuple(servers), timeout
        self._cache = dns.resolver.LRUCache(CACHE_SIZE)
        self._resolver: dns.resolver.Resolver | None = None

    def records(self, name: str, rdtype: str) -> list[Any]:
        """The records of a type at a name; [] when the name or the type has none (or the
        name is not a valid DNS name). Raises TemporaryDnsError when no answer came."""
        try:
            qname = dns.name.from_text(name)
        except dns.exception.DNSException:  # a malformed name has no records, for good
            return []
        try:
            return list(self._ready().resolve(qname, rdtype, search=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.YXDOMAIN):
            return []
        except dns.exception.DNSException as exc:  # timeout, SERVFAIL, no server answered
            raise TemporaryDnsError(f"DNS {rdtype} {name}: {exc}") from None

    def txt(self, name: str) -> list[bytes]:
        return [b"".join(record.strings) for record in self.records(name, "TXT")]

    def _ready(self) -> dns.resolver.Resolver:
        """Made on first use: reading the system's configuration may fail, and that is a
        temporary failure of the checks, not of the service."""
        if self._resolver is None:
            try:
                resolver = dns.resolver.Resolver(configure=not self.servers)
            except dns.exception.DNSException as exc:
                raise TemporaryDnsError(f"no DNS resolver configured: {exc}") from None
            if self.servers:
                resolver.nameservers = [dns.nameserver.Do53Nameserver(*dns_server(s))
                                        for s in self.servers]
            resolver.timeout = resolver.lifetime = self.timeout
            resolver.cache = self._cache
            self._resolver = resolver
        return self._resolver


# pyspf looks names up through its module-level DNSLookup and takes no resolver, so the
# hook is pointed at the Resolver of the check in progress (a context variable: checks
# running at once in several threads each use their own).
_SPF_RESOLVER: ContextVar[Resolver | None] = ContextVar("spf_resolver", default=None)
_PYSPF_LOOKUP = spf.DNSLookup


def _spf_lookup(name: str, qtype: str, strict: bool = True,
                timeout: float | None = None) -> list[tuple[tuple[str, str], Any]]:
    resolver = _SPF_RESOLVER.get()
    if resolver is None:  # someone else's pyspf check: as pyspf would do it
        return _PYSPF_LOOKUP(name, qtype, strict, timeout)  # type: ignore[no-any-return]
    try:
        found = resolver.records(name, qtype)
    except TemporaryDnsError as exc:
        raise spf.TempError(str(exc)) from None
    return [((name, qtype), _spf_value(qtype, record)) for record in found]


def _spf_value(qtype: str, record: Any) -> Any:
    """A record in the shape pyspf's own dnspython lookup gives."""
    if qtype in ("A", "AAAA"):
        return record.address
    if qtype == "MX":
        return record.preference, record.exchange
    if qtype == "PTR":
        return record.target.to_text(True)
    return record.strings  # TXT, SPF


spf.DNSLookup = _spf_lookup


@dataclass(frozen=True)
class Verified:
    """The checks of one message and the Authentication-Results header that says them."""

    checks: tuple[Check, ...]
    header: bytes  # the whole field, folded, with its line end: prepended to the message

    def stamped(self, raw: bytes) -> bytes:
        return self.header + raw


class Verifier:
    """The first-hop checks of the SMTP door; thread-safe (the door runs it in threads)."""

    def __init__(self, authserv_id: str, resolver: Resolver) -> None:
        self.authserv_id, self.resolver = authserv_id, resolver

    @classmethod
    def from_settings(cls, settings: Settings) -> Verifier:
        return cls(settings.authserv_id,
                   Resolver(settings.auth.dns_servers, settings.auth.dns_timeout))

    def verify(self, raw: bytes, client_ip: str, helo: str, mail_from: str,
               header_from: str) -> Verified:
        """SPF, DKIM and DMARC of a message as received. Raises TemporaryDnsError when a
        lookup got no answer."""
        sender_policy = self.spf(client_ip, helo, mail_from)
        signatures = self.dkim(raw)
        domain = domain_of(header_from) if "@" in header_from else ""
        checks = (sender_policy, *(signatures or [Check("dkim", "none")]),
                  self.dmarc(domain, sender_policy, signatures))
        return Verified(checks, self.header(checks, b"\r\n" if b"\r\n" in raw[:2000]
                                            else b"\n"))

    def spf(self, client_ip: str, helo: str, mail_from: str) -> Check:
        """SPF (RFC 7208) of MAIL FROM, or of HELO for a null sender."""
        domain, prop = (domain_of(mail_from), "smtp.mailfrom") if mail_from else (
            domain_of(helo), "smtp.helo")
        try:
            ipaddress.ip_address(client_ip)
        except ValueError:
            return Check("spf", "none", domain, prop, reason="no client IP")
        if not domain:
            return Check("spf", "none", reason="no sender domain")
        token = _SPF_RESOLVER.set(self.resolver)
        try:
            result, _, explanation = spf.query(
                i=client_ip, s=mail_from, h=helo, timeout=self.resolver.timeout,
                querytime=max(SPF_QUERY_TIME, self.resolver.timeout)).check()
        finally:
            _SPF_RESOLVER.reset(token)
        if result == "temperror":
            raise TemporaryDnsError(f"SPF {domain}: {explanation}")
        return Check("spf", str(result), domain, prop,
                     reason=safe(str(explanation)) if result == "permerror" else "")

    def dkim(self, raw: bytes) -> list[Check]:
        """One check per DKIM-Signature (RFC 6376), the first MAX_SIGNATURES of them."""
        try:
            message = dkim.DKIM(raw, timeout=self.resolver.timeout)
        except dkim.DKIMException:  # headers dkimpy cannot read: no signature to check
            return []
        signatures = [value for name, value in message.headers
                      if name.lower() == b"dkim-signature"][:MAX_SIGNATURES]
        checks = []
        for idx, signature in enumerate(signatures):
            try:
                tags = dkim.util.parse_tag_value(signature)
            except dkim.util.InvalidTagValueList:
                tags = {}
            domain = domain_of(tags.get(b"d", b"").decode("ascii", "replace"))
            try:
                passed = message.verify(idx=idx, dnsfunc=self._key)
                reason = "" if passed else "signature did not verify"
            except dkim.DKIMException as exc:  # "body hash mismatch (got …)": the words
                passed, reason = False, str(exc).split("(")[0]
            checks.append(Check("dkim", "pass" if passed else "fail", domain, "header.d",
                                reason=safe(reason)))
        return checks

    def dmarc(self, domain: str, sender_policy: Check, signatures: Sequence[Check]) -> Check:
        """DMARC (RFC 7489) for the header From domain: pass when an aligned SPF or DKIM
        check passed; the policy is the record's p= (sp= when found at the organizational
        domain for a subdomain)."""
        if not domain:
            return Check("dmarc", "none", reason="no From domain")
        found = self.dmarc_record(domain)
        if found is None:
            return Check("dmarc", "none", domain, "header.from")
        tags, at_organization = found
        policy = tags.get("sp", tags["p"]) if at_organization else tags["p"]
        by_dkim = any(c.result == "pass" and aligned(c.domain, domain, tags.get("adkim") == "s")
                      for c in signatures)
        by_spf = sender_policy.result == "pass" and sender_policy.prop == "smtp.mailfrom" and \
            aligned(sender_policy.domain, domain, tags.get("aspf") == "s")
        return Check("dmarc", "pass" if by_dkim or by_spf else "fail", domain, "header.from",
                     policy)

    def dmarc_record(self, domain: str) -> tuple[dict[str, str], bool] | None:
        """The tags of the DMARC record for a domain, and whether it was the organizational
        domain's (RFC 7489 §6.6.3); None when there is none, or more than one."""
        records, at_organization = self._dmarc_records(domain), False
        organization = organizational_domain(domain)
        if not records and organization != domain:
            records, at_organization = self._dmarc_records(organization), True
        if len(records) != 1:
            return None
        tags = parse_dmarc(records[0])
        return (tags, at_organization) if tags is not None else None

    def header(self, checks: Sequence[Check], linesep: bytes) -> bytes:
        """mailhub's Authentication-Results (RFC 8601), one result per line."""
        results = [_result(check) for check in checks]
        value = FEATURES.header(authserv_id=self.authserv_id, results=results).header_value()
        folded = value.replace("; ", ";" + linesep.decode() + "\t")
        return f"Authentication-Results: {folded}".encode("ascii", "replace") + linesep

    def _dmarc_records(self, domain: str) -> list[bytes]:
        return [t for t in self.resolver.txt(f"_dmarc.{domain}") if _DMARC.match(t)]

    def _key(self, name: bytes, timeout: float = 5) -> bytes | None:
        """dkimpy's DNS hook: the key record of a selector, through our resolver."""
        found = self.resolver.txt(name.decode("ascii", "replace").rstrip("."))
        return found[0] if found else None


def parse_dmarc(record: bytes) -> dict[str, str] | None:
    """The tags of a DMARC record, names lower case; None when it applies no policy
    (RFC 7489 §6.6.3: an invalid p= counts as p=none only if reports are asked for)."""
    tags: dict[str, str] = {}
    for part in record.decode("ascii", "replace").split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags.setdefault(name.strip().lower(), value.strip().lower())
    if tags.get("p") not in _POLICIES:
        if "rua" not in tags:
            return None
        tags["p"] = "none"
    if tags.get("sp") not in _POLICIES:
        tags.pop("sp", None)
    return tags


def _result(check: Check) -> Any:
    """A check as an authres result, for the header."""
    reason = check.reason or None
    if check.method == "spf":
        if check.prop == "smtp.helo":
            return authres.SPFAuthenticationResult(result=check.result, reason=reason,
                                                   smtp_helo=check.domain or None)
        return authres.SPFAuthenticationResult(result=check.result, reason=reason,
                                               smtp_mailfrom=check.domain or None)
    if check.method == "dkim":
        return authres.DKIMAuthenticationResult(result=check.result, reason=reason,
                                                header_d=check.domain or None)
    return authres.dmarc.DMARCAuthenticationResult(result=check.result, reason=reason,
                                                   header_from=check.domain or None,
                                                   policy=check.policy or None)

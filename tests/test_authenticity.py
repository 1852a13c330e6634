"""Sender authentication: trusted Authentication-Results on every door, and the SMTP door
as the first hop — SPF, DKIM and DMARC checked against a DNS server the test runs on
127.0.0.1, with mail signed by a key made in the test. No internet."""

from __future__ import annotations

import base64
import smtplib
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import takewhile
from pathlib import Path
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from dnslib import QTYPE, RCODE, RR, TXT, DNSError
from dnslib.server import BaseResolver, DNSLogger, DNSServer
from sqlmodel import Session, select

from mailhub import models
from mailhub.authenticity import read, without_claims
from mailhub.config import AuthSettings, Settings, SmtpSettings
from mailhub.deciding import Outcome
from mailhub.errors import ConfigError, TemporaryDnsError
from mailhub.hub import Hub, open_hub
from mailhub.ingress.smtp import DNS_TRY_LATER
from mailhub.pipeline import Envelope, ingest
from mailhub.registry import load_registry
from mailhub.rules import load_rules
from mailhub.verification import Resolver, Verifier

from .factory import mail
from .test_smtp import Running, free_port, states

DOMAIN = "hanoiedu.vn"
SCHOOL = "c1dinhcong-hm@hanoiedu.vn"   # a registered school, data/units.csv
TEAM = "totieuhoc.pgdhm@hanoiedu.vn"
SELECTOR = "hm2026"
OWN_ID = "mailhub.test"       # the hub's authserv-id: its [smtp] hostname
MX_ID = "mx.hanoiedu.vn"      # the office's mail server, trusted
SPF_ELSEWHERE = "v=spf1 ip4:192.0.2.25 -all"  # the domain sends from its own server only
SPF_HERE = "v=spf1 ip4:127.0.0.1 -all"
DMARC_REJECT = "v=DMARC1; p=reject"


# ---------------------------------------------------------------- DNS served by the test

@dataclass
class Zone(BaseResolver):  # type: ignore[misc]
    """TXT records by name; any other name does not exist. `silent`: never answer."""

    records: dict[str, list[str]]
    silent: bool = False
    address: str = ""
    asked: list[str] = field(default_factory=list)

    def resolve(self, request: Any, handler: Any) -> Any:
        name = str(request.q.qname).rstrip(".").lower()
        self.asked.append(name)
        if self.silent:
            raise DNSError("silent")  # dnslib's server then sends nothing back
        reply = request.reply()
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for text in self.records[name]:
                chunks = [text[i:i + 255] for i in range(0, len(text), 255)]
                reply.add_answer(RR(name, QTYPE.TXT, ttl=300, rdata=TXT(chunks)))
        return reply


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def key() -> tuple[bytes, str]:
    """A DKIM key pair: the private key (PEM) and the p= of its DNS record."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    public = private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(public).decode()


@pytest.fixture
def zone(key: tuple[bytes, str]) -> Iterator[Zone]:
    zone = Zone({DOMAIN: [SPF_ELSEWHERE],
                 f"{SELECTOR}._domainkey.{DOMAIN}": [f"v=DKIM1; k=rsa; p={key[1]}"],
                 f"_dmarc.{DOMAIN}": [DMARC_REJECT]})
    port = free_udp_port()
    server = DNSServer(zone, address="127.0.0.1", port=port, logger=DNSLogger(logf=lambda _: None))
    server.start_thread()
    zone.address = f"127.0.0.1:{port}"
    yield zone
    server.stop()
    server.server.server_close()


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def signed(raw: bytes, key: tuple[bytes, str], selector: str = SELECTOR) -> bytes:
    raw = crlf(raw)
    return dkim.sign(raw, selector.encode(), DOMAIN.encode(), key[0],
                     include_headers=[b"from", b"to", b"subject", b"date", b"message-id"]) + raw


def results(header: str, raw: bytes) -> bytes:
    return f"Authentication-Results: {header}\r\n".encode() + crlf(raw)


# ---------------------------------------------------------------- the SMTP door, first hop

@contextmanager
def first_hop(settings: Settings, clock: Callable[[], datetime], zone: Zone,
              timeout: float = 2.0) -> Iterator[Running]:
    """`serve` with [auth] verify on, its DNS the test's zone."""
    smtp = SmtpSettings(listen=f"127.0.0.1:{free_port()}", hostname=OWN_ID)
    auth = AuthSettings(verify=True, dns_servers=[zone.address], dns_timeout=timeout)
    hub = open_hub(settings.model_copy(update={"smtp": smtp, "auth": auth}), clock)
    running = Running(hub)
    try:
        yield running
    finally:
        running.close()
        hub.engine.dispose()


def first_field(raw: bytes) -> str:
    """The topmost header field, unfolded."""
    lines = raw.decode("utf-8", "replace").split("\r\n")
    field = [lines[0]] + list(takewhile(lambda line: line.startswith("\t"), lines[1:]))
    return " ".join(line.strip() for line in field)


def stored(hub: Hub) -> list[tuple[models.Message, bytes, list[str]]]:
    """Each stored message, its bytes and its rule hits ("rule: detail")."""
    with Session(hub.engine) as session:
        rows = session.exec(select(models.Message).order_by(models.Message.id)).all()
        found = []
        for row in rows:
            hits = session.exec(select(models.RuleHit).where(models.RuleHit.message == row.id)
                                .order_by(models.RuleHit.position)).all()
            found.append((row, hub.archive.read(row.sha256),
                          [f"{h.rule}: {h.detail}" for h in hits]))
    return found


def test_aligned_dkim_pass_is_filed_with_our_results_on_top(
        settings: Settings, clock: Callable[[], datetime], zone: Zone,
        key: tuple[bytes, str]) -> None:
    with first_hop(settings, clock, zone) as server, server.client() as client:
        assert client.sendmail(SCHOOL, [TEAM], signed(mail(), key)) == {}
        assert states(server.hub, wait=1) == {"filed": 1}
        ((row, raw, hits),) = stored(server.hub)
    assert first_field(raw) == (
        "Authentication-Results: mailhub.test; spf=fail smtp.mailfrom=hanoiedu.vn; "
        "dkim=pass header.d=hanoiedu.vn; dmarc=pass header.from=hanoiedu.vn "
        "policy.dmarc=reject")  # SPF fails: 127.0.0.1 is not the domain's server
    assert b"policy.dmarc=reject\r\nDKIM-Signature:" in raw  # then the message as sent
    assert "sender.authenticated: spf=fail smtp.mailfrom=hanoiedu.vn; dkim=pass header.d=" \
        "hanoiedu.vn; dmarc=pass header.from=hanoiedu.vn p=reject" in hits
    assert "sender.registered: c1dinhcong-hm@hanoiedu.vn" in hits


def test_forged_official_sender_is_quarantined_and_a_forged_own_header_removed(
        settings: Settings, clock: Callable[[], datetime], zone: Zone) -> None:
    forged = results(f"{OWN_ID}; spf=pass smtp.mailfrom={DOMAIN}; dmarc=pass "
                     f"header.from={DOMAIN}", mail(subject="BC VSATTP tháng 11/2026"))
    with first_hop(settings, clock, zone) as server, server.client() as client:
        assert client.sendmail(SCHOOL, [TEAM], forged) == {}
        assert states(server.hub, wait=1) == {"quarantined": 1}
        ((row, raw, hits),) = stored(server.hub)
    assert raw.count(b"Authentication-Results:") == 1  # ours; the sender's copy is gone
    assert b"spf=pass" not in raw
    (hit,) = [h for h in hits if h.startswith("sender.forged")]
    assert hit == ("sender.forged: spf=fail smtp.mailfrom=hanoiedu.vn; dkim=none; "
                   "dmarc=fail header.from=hanoiedu.vn p=reject")
    assert not any(h.startswith("sender.registered") for h in hits)


def test_spf_fail_with_dmarc_reject_is_refused_in_the_dialogue_when_the_policy_says_so(
        settings: Settings, clock: Callable[[], datetime], zone: Zone, office: Path) -> None:
    senders = office / "rules" / "senders.toml"
    senders.write_text(senders.read_text(encoding="utf-8").replace(
        'on_fail = "quarantine"', 'on_fail = "reject"', 1), encoding="utf-8")
    with first_hop(settings, clock, zone) as server, server.client() as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail(SCHOOL, [TEAM], crlf(mail()))
        with Session(server.hub.engine) as session:
            refusal = session.exec(select(models.Refusal)).one()
        assert stored(server.hub) == []
    assert refused.value.smtp_code == 550
    reply = refused.value.smtp_error.decode()
    assert reply.startswith("5.7.1 Kiem tra xac thuc nguoi gui")
    assert "Sender authentication (SPF/DKIM/DMARC) failed" in reply
    assert "spf=fail smtp.mailfrom=hanoiedu.vn; dkim=none; dmarc=fail" in reply
    assert "p=reject" in reply
    assert (refusal.stage, refusal.rule, refusal.header_from) == ("DATA", "sender.forged",
                                                                  SCHOOL)


def test_a_body_changed_after_signing_fails_dkim_and_is_quarantined(
        settings: Settings, clock: Callable[[], datetime], zone: Zone,
        key: tuple[bytes, str]) -> None:
    tampered = signed(mail(), key) + b"So lieu da sua: 999 hoc sinh.\r\n"
    with first_hop(settings, clock, zone) as server, server.client() as client:
        assert client.sendmail(SCHOOL, [TEAM], tampered) == {}
        assert states(server.hub, wait=1) == {"quarantined": 1}
        ((_, raw, hits),) = stored(server.hub)
    (hit,) = [h for h in hits if h.startswith("sender.forged")]
    assert "dkim=fail header.d=hanoiedu.vn (body hash mismatch" in hit
    assert "dmarc=fail header.from=hanoiedu.vn p=reject" in hit


def test_answers_are_cached_and_a_dns_timeout_is_a_temporary_failure(
        settings: Settings, clock: Callable[[], datetime], zone: Zone,
        key: tuple[bytes, str]) -> None:
    with first_hop(settings, clock, zone, timeout=0.5) as server, server.client() as client:
        assert client.sendmail(SCHOOL, [TEAM], signed(mail(), key)) == {}
        zone.silent = True  # the DNS server stops answering
        asked = len(zone.asked)
        assert client.sendmail(SCHOOL, [TEAM], signed(mail(subject="BC lần 2"), key)) == {}
        assert len(zone.asked) == asked  # every answer came from the cache
        with pytest.raises(smtplib.SMTPDataError) as later:  # a key not asked before
            client.sendmail(SCHOOL, [TEAM], signed(mail(subject="BC lần 3"), key, "other"))
        assert states(server.hub, wait=2) == {"filed": 2}
        assert len(stored(server.hub)) == 2  # the third was not stored
    assert f"{later.value.smtp_code} {later.value.smtp_error.decode()}" == DNS_TRY_LATER


# ---------------------------------------------------------------- the checks themselves

def test_spf_pass_from_a_listed_ip_aligns_and_a_dns_timeout_raises(zone: Zone) -> None:
    zone.records[DOMAIN] = [SPF_HERE]
    verifier = Verifier(OWN_ID, Resolver([zone.address], 1.0))
    verified = verifier.verify(crlf(mail()), "127.0.0.1", "mx.truong.vn", SCHOOL, SCHOOL)
    assert [str(c) for c in verified.checks] == [
        "spf=pass smtp.mailfrom=hanoiedu.vn", "dkim=none",
        "dmarc=pass header.from=hanoiedu.vn p=reject"]
    assert verified.header.startswith(b"Authentication-Results: mailhub.test;\r\n\tspf=pass")
    # A subdomain without a record of its own falls back to the organizational domain's.
    assert verifier.dmarc_record("thcs.hanoiedu.vn") == ({"v": "dmarc1", "p": "reject"}, True)
    silent = Verifier(OWN_ID, Resolver([zone.address], 0.3))
    zone.silent = True
    with pytest.raises(TemporaryDnsError):
        silent.verify(crlf(mail()), "127.0.0.1", "mx.truong.vn", SCHOOL, SCHOOL)


def test_only_headers_naming_our_id_are_removed() -> None:
    raw = (b"Authentication-Results: MAILHUB.test;\r\n\tdmarc=pass header.from=hanoiedu.vn\r\n"
           b"Authentication-Results: mx.hanoiedu.vn; dkim=pass header.d=hanoiedu.vn\r\n"
           b"Subject: x\r\n\r\nAuthentication-Results: mailhub.test; body text\r\n")
    assert without_claims(raw, OWN_ID) == (
        b"Authentication-Results: mx.hanoiedu.vn; dkim=pass header.d=hanoiedu.vn\r\n"
        b"Subject: x\r\n\r\nAuthentication-Results: mailhub.test; body text\r\n")
    assert without_claims(b"Subject: x\r\n\r\nbody", OWN_ID) == b"Subject: x\r\n\r\nbody"


# ---------------------------------------------------------------- trusted headers, any door

def trusting(settings: Settings, clock: Callable[[], datetime]) -> Hub:
    return open_hub(settings.model_copy(update={
        "smtp": SmtpSettings(hostname=OWN_ID),
        "auth": AuthSettings(trusted_authserv_ids=[MX_ID.upper()])}), clock)


def filed(hub: Hub, raw: bytes, door: str = "ingest") -> Outcome:
    return ingest(hub, raw, Envelope(door=door, source="test"))


def test_trusted_results_decide_and_untrusted_ones_are_ignored(
        settings: Settings, clock: Callable[[], datetime]) -> None:
    hub = trusting(settings, clock)
    passed = filed(hub, results(f"{MX_ID}; dkim=pass header.d={DOMAIN}; dmarc=pass "
                                f"header.from={DOMAIN}", mail(subject="BC 1")))
    assert passed.verdict == "filed"
    assert passed.reasons[0] == ("sender.authenticated: dkim=pass header.d=hanoiedu.vn; "
                                 "dmarc=pass header.from=hanoiedu.vn")
    failed = filed(hub, results(f"{MX_ID}; spf=fail smtp.mailfrom={SCHOOL}; dmarc=fail "
                                f"(p=reject dis=none) header.from={DOMAIN}", mail(subject="BC 2")))
    assert failed.verdict == "quarantined"
    assert failed.reasons[-1] == ("sender.forged: spf=fail smtp.mailfrom=hanoiedu.vn; "
                                  "dmarc=fail header.from=hanoiedu.vn")
    # A pass written by anyone else, or by "us" through a door that does not remove such
    # headers, is no evidence: unauthenticated, accepted by default with the note.
    for header, door in ((f"evil.example; dmarc=pass header.from={DOMAIN}", "ingest"),
                         (f"{OWN_ID}; dmarc=pass header.from={DOMAIN}", "imap")):
        outcome = filed(hub, results(header, mail(subject=f"BC {door}")), door)
        assert outcome.verdict == "filed"
        assert outcome.reasons[0].startswith("sender.unauthenticated: spf=none; dkim=none")
    hub.engine.dispose()


def test_an_unaligned_pass_does_not_vouch_and_personal_mail_is_not_judged(
        settings: Settings, clock: Callable[[], datetime]) -> None:
    hub = trusting(settings, clock)
    other = filed(hub, results(f"{MX_ID}; dkim=pass header.d=evil.example; dkim=fail "
                               f"header.d={DOMAIN}", mail(subject="BC 3")))
    assert other.verdict == "quarantined"
    assert other.reasons[-1].startswith("sender.forged: dkim=pass header.d=evil.example")
    personal = filed(hub, results(f"{MX_ID}; dmarc=fail header.from=gmail.com",
                                  mail(sender="truongdinhcong@gmail.com")))
    assert personal.reasons == ["sender.personal_domain: gmail.com"]
    hub.engine.dispose()


def test_unauthenticated_can_be_quarantined_per_domain(
        settings: Settings, clock: Callable[[], datetime], office: Path) -> None:
    senders = office / "rules" / "senders.toml"
    senders.write_text(senders.read_text(encoding="utf-8") + """
[[authentication.domain]]
name = "HANOIEDU.VN"
unauthenticated = "quarantine"
""", encoding="utf-8")
    hub = trusting(settings, clock)
    outcome = filed(hub, mail())
    assert outcome.verdict == "quarantined"
    assert outcome.reasons == ["sender.unauthenticated: spf=none; dkim=none; dmarc=none "
                               "(không có kết quả đáng tin / no trusted Authentication-Results)"]
    # The domain's table keeps the default's other keys: a trusted pass still counts.
    assert filed(hub, results(f"{MX_ID}; spf=pass smtp.mailfrom={DOMAIN}",
                              mail(subject="BC 4"))).verdict == "filed"
    hub.engine.dispose()


def test_reading_results_needs_no_dns(settings: Settings) -> None:
    trusted = settings.model_copy(update={"auth": AuthSettings(trusted_authserv_ids=[MX_ID])})
    raw = results(f"{MX_ID}; dkim=pass reason=\"good sig\" header.d={DOMAIN} header.s=a",
                  results(f"{MX_ID} ;;; (", mail()))
    assert [str(c) for c in read(raw, trusted, "lmtp")] == [
        "dkim=pass header.d=hanoiedu.vn (good sig)"]


def test_bad_authentication_values_name_the_line(office: Path) -> None:
    senders = office / "rules" / "senders.toml"
    text = senders.read_text(encoding="utf-8")
    text = text.replace('on_fail = "quarantine"', 'on_fail = "drop"', 1)
    text = text.replace('accept = ["dmarc", "dkim", "spf"]', 'accept = ["dmarc", "arc"]', 1)
    text = text.replace('from_authentication = "none"', 'from_authentication = "maybe"', 1)
    text += '\n[[authentication.domain]]\nname = "gmail.com"\n'
    senders.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_rules(office / "rules", load_registry(office / "data" / "units.csv"))
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line and
                    not line.startswith("#"))

    found = [str(p) for p in exc.value.problems]
    bad_accept, not_official = line_of('"arc"'), line_of('name = "gmail.com"')
    assert any(f"senders.toml:{line_of('drop')}:" in p and "quarantine, reject" in p
               for p in found), found
    assert any(f"senders.toml:{bad_accept}:" in p and "arc" in p for p in found), found
    assert any(f"senders.toml:{line_of('maybe')}:" in p and "pass, fail, none" in p
               for p in found), found
    assert any(f"senders.toml:{not_official}:" in p and "official" in p
               for p in found), found


def test_dns_servers_must_be_addresses() -> None:
    assert AuthSettings(dns_servers=["127.0.0.1:5353", "[::1]:53", "10.0.0.2"]).dns_servers
    with pytest.raises(ValueError, match="ns1.example"):
        AuthSettings(dns_servers=["ns1.example"])

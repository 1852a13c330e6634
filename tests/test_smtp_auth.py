"""STARTTLS and SMTP AUTH against office staff accounts, over loopback."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner

from mailhub.cli import app
from mailhub.config import Settings, SmtpSettings
from mailhub.hub import Hub, open_hub
from mailhub.staff import Role, add_user, check_login, hash_password, password_matches

from .factory import mail
from .test_smtp import SCHOOL, TEAM, Running, free_port

STAFF = "totieuhoc.pgdhm@hanoiedu.vn"
PASSWORD = "mat-khau-rat-dai-2026"


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_hub(settings: Settings, clock: Callable[[], datetime], ca: trustme.CA,
            tmp_path: Path) -> Iterator[Hub]:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_pem.write_to_path(str(key))
    with chain.open("wb") as handle:
        for blob in cert.cert_chain_pems:
            handle.write(blob.bytes())
    smtp = SmtpSettings(listen=f"127.0.0.1:{free_port()}", tls_cert=str(chain),
                        tls_key=str(key), max_failed_logins=3)
    hub = open_hub(settings.model_copy(update={"smtp": smtp}), clock)
    add_user(hub, STAFF, Role.TEAM, PASSWORD)
    yield hub
    hub.engine.dispose()


@pytest.fixture
def tls_server(tls_hub: Hub) -> Iterator[Running]:
    running = Running(tls_hub)
    yield running
    running.close()


def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_auth_is_offered_only_after_starttls(tls_server: Running, ca: trustme.CA) -> None:
    with tls_server.client() as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth")
        code, _ = client.docmd("AUTH", "PLAIN AGZvbwBiYXI=")
        assert code == 538  # encryption required
        client.starttls(context=client_context(ca))
        client.ehlo()
        assert "PLAIN" in client.esmtp_features["auth"]
        assert client.login(STAFF, PASSWORD)[0] == 235
        assert client.sendmail(SCHOOL, [TEAM], mail()) == {}


def test_wrong_passwords_are_limited_per_address(tls_server: Running, ca: trustme.CA) -> None:
    codes = []
    for attempt in range(5):
        with tls_server.client() as client:
            client.starttls(context=client_context(ca))
            client.ehlo()
            client.user = STAFF
            client.password = PASSWORD if attempt == 4 else "sai-mat-khau-123"
            try:  # one AUTH PLAIN per connection (login() would also try LOGIN)
                codes.append(client.auth("PLAIN", client.auth_plain)[0])
            except smtplib.SMTPAuthenticationError as refused:
                codes.append(refused.smtp_code)
    assert codes == [535, 535, 535, 454, 454]  # even the right password waits now


def test_passwords_are_stored_as_scrypt_hashes(hub: Hub) -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert password_matches(PASSWORD, stored) and not password_matches("khac", stored)
    assert hash_password(PASSWORD) != stored  # salted


def test_user_add_reads_the_password_from_standard_input(settings: Settings,
                                                         config_file: Path) -> None:
    config = config_file
    runner = CliRunner()
    added = runner.invoke(app, ["--config", str(config), "user", "add", "Lanhdao@HanoiEdu.vn",
                                "--role", "leader"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(app, ["--config", str(config), "user", "add", "x@hanoiedu.vn"],
                          input="ngan\n")
    assert short.exit_code == 1 and "quá ngắn" in short.output
    hub = open_hub(settings)
    account = check_login(hub, "lanhdao@hanoiedu.vn", PASSWORD)
    assert account is not None and account.role == "leader"
    assert check_login(hub, "lanhdao@hanoiedu.vn", "sai") is None
    hub.engine.dispose()

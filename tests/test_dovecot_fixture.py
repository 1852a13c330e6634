"""The Dovecot fixture starts a real, isolated IMAP server that behaves like production."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from . import dovecot as dovecot_module
from .dovecot import PASSWORD, USER, Dovecot, DovecotError, dovecot_fixture  # noqa: F401

MESSAGE = (
    b"From: Ph\xc3\xb2ng GD&\xc4\x90T <pgd@example.edu.vn>\r\n"
    b"To: totieuhoc@example.edu.vn\r\n"
    b"Subject: =?utf-8?b?VGjDtG5nIGLDoW8=?=\r\n"
    b"Message-ID: <fixture-1@example.edu.vn>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"K\xc3\xadnh g\xe1\xbb\xadi c\xc3\xa1c tr\xc6\xb0\xe1\xbb\x9dng.\r\n"
)


@contextmanager
def logged_in(server: Dovecot, user: str = USER, password: str = PASSWORD) -> Iterator[IMAPClient]:
    client = IMAPClient(server.host, server.port, ssl=False, timeout=10)
    try:
        client.login(user, password)
        yield client
    finally:
        client.logout()


def test_listens_on_loopback_and_greets(dovecot: Dovecot) -> None:
    assert dovecot.host == "127.0.0.1"
    with socket.create_connection((dovecot.host, dovecot.port), timeout=5) as conn:
        assert conn.makefile("rb").readline().startswith(b"* OK")


def test_login_and_capabilities(dovecot: Dovecot) -> None:
    with logged_in(dovecot) as client:
        capabilities = client.capabilities()
    assert {b"IDLE", b"MOVE", b"UIDPLUS"} <= set(capabilities)


def test_wrong_password_is_refused(dovecot: Dovecot) -> None:
    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    with pytest.raises(LoginError):
        client.login(USER, "not-the-password")
    client.shutdown()


def test_user_added_while_running(dovecot: Dovecot) -> None:
    dovecot.add_user("thcs-le-loi", "pw-2")
    with logged_in(dovecot, "thcs-le-loi", "pw-2") as client:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0


def test_append_and_fetch_back(dovecot: Dovecot) -> None:
    with logged_in(dovecot) as client:
        response = client.append("INBOX", MESSAGE)
        # UIDPLUS: APPEND answers with [APPENDUID uidvalidity uid].
        assert b"APPENDUID" in response
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["ALL"])
        assert len(uids) == 1
        fetched = client.fetch(uids, [b"BODY.PEEK[]", b"FLAGS"])[uids[0]]
    assert fetched[b"BODY[]"] == MESSAGE
    assert b"\\Seen" not in fetched[b"FLAGS"]
    assert list((dovecot.maildir_root / USER).glob("*/*"))  # it really is on disk, as Maildir


def test_folder_with_vietnamese_name(dovecot: Dovecot) -> None:
    folder = "Đã lọc/Vệ sinh"
    with logged_in(dovecot) as client:
        client.create_folder(folder)
        names = [name for _flags, _delimiter, name in client.list_folders()]
        assert folder in names
        assert "Đã lọc" in names  # the parent exists as a folder of its own
        assert client.append(folder, MESSAGE)
        assert client.select_folder(folder)[b"EXISTS"] == 1
        client.move(client.search(["ALL"]), "INBOX")
        assert client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"] == 0
        assert client.select_folder("INBOX")[b"EXISTS"] == 1


def test_uidvalidity(dovecot: Dovecot) -> None:
    with logged_in(dovecot) as client:
        first = client.select_folder("INBOX")[b"UIDVALIDITY"]
        client.unselect_folder()
        again = client.select_folder("INBOX")[b"UIDVALIDITY"]
    assert isinstance(first, int) and first > 0
    assert again == first


def test_restart_keeps_mail_and_port(dovecot: Dovecot) -> None:
    with logged_in(dovecot) as client:
        client.append("INBOX", MESSAGE)
        before = client.select_folder("INBOX")
        uids = client.search(["ALL"])
    port = dovecot.port

    dovecot.restart()

    assert dovecot.port == port
    with logged_in(dovecot) as client:
        after = client.select_folder("INBOX")
        assert client.search(["ALL"]) == uids
        assert client.fetch(uids, [b"BODY.PEEK[]"])[uids[0]][b"BODY[]"] == MESSAGE
    assert after[b"UIDVALIDITY"] == before[b"UIDVALIDITY"]


def test_restart_drops_open_connections(dovecot: Dovecot) -> None:
    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    client.login(USER, PASSWORD)
    client.select_folder("INBOX")
    dovecot.restart()
    with pytest.raises(IMAPClient.AbortError):  # the server hung up, as a real restart does
        client.noop()
    client.shutdown()


def test_close_stops_the_server_and_removes_its_files(tmp_path: Path) -> None:
    server = Dovecot(tmp_path / "dovecot")
    server.add_user(USER, PASSWORD)
    with server:
        port = server.port
        assert server.running
    assert not server.running
    assert not server.short_dir.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert "starting up" in server.log()


def test_port_taken_before_dovecot_binds_it_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    squatter = socket.create_server(("127.0.0.1", 0))
    ports = iter([squatter.getsockname()[1], dovecot_module.free_port()])
    monkeypatch.setattr(dovecot_module, "free_port", lambda: next(ports))
    with squatter, Dovecot(tmp_path / "dovecot") as server:
        assert server.port != squatter.getsockname()[1]
        assert "Address already in use" in server.log()


def test_missing_dovecot_fails_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setattr(os, "access", lambda _path, _mode: False)
    with pytest.raises(DovecotError, match="apt-get install dovecot-imapd"):
        Dovecot(tmp_path / "dovecot")

"""A real Dovecot IMAP server for tests: loopback only, every file in a temp dir.

    with Dovecot(tmp_path / "dovecot") as server:
        server.add_user("alice", "pw")
        IMAPClient(server.host, server.port, ssl=False).login("alice", "pw")

The configuration is standalone (nothing from /etc/dovecot is read), plaintext over
TCP on 127.0.0.1. Config, passwd-file, state and log go in the given base dir. Sockets
and mail go in a short private dir under /tmp, because Unix socket paths are limited to
~108 bytes and because, when the tests run as root, Dovecot's mail processes must run as
an unprivileged user (it refuses uid 0), which cannot enter pytest's 0700 tmp dirs.

When Dovecot is missing the tests fail rather than skip: a skipped IMAP suite would hide
that nothing was tested.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

USER = "totieuhoc"
PASSWORD = "secret-pw-1"

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

CONF_TEMPLATE = """\
# Written by tests/dovecot.py: a throwaway server, nothing from /etc/dovecot.
protocols = imap
listen = 127.0.0.1
base_dir = {run}
state_dir = {state}
instance_name = mailhub-test-{port}
log_path = {log}
info_log_path = {log}
debug_log_path = {log}
auth_verbose = yes

ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login

default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}

mail_location = maildir:{mail}/%u
namespace inbox {{
  inbox = yes
  separator = /
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}

# The passwd-file is in the caller's base dir, which may be private to us (pytest's
# tmp dirs are 0700), so the auth process runs as we do, not as the internal user.
service auth {{
  user = {auth_user}
}}

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}

protocol imap {{
  # Tests open many connections from one address; the default (10) is too low.
  mail_max_userip_connections = 100
}}
"""

# Only root may chroot(); these services do so by default.
UNPRIVILEGED_CONF = "".join(
    f"service {name} {{\n  chroot =\n}}\n"
    for name in ("anvil", "ipc", "imap-login", "imap-urlauth-login", "aggregator", "old-stats")
)


class DovecotError(RuntimeError):
    """Dovecot is missing, or did not start as expected."""


def find_dovecot() -> str:
    """The path of the dovecot binary; Debian puts it in /usr/sbin, often not on PATH."""
    found = shutil.which("dovecot")
    if found:
        return found
    if os.access("/usr/sbin/dovecot", os.X_OK):
        return "/usr/sbin/dovecot"
    raise DovecotError("Dovecot is not installed: apt-get install dovecot-imapd")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mail_account() -> tuple[int, int]:
    """The uid/gid that owns the mail: ours, or when we are root an unprivileged one."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    for name in ("mail", "nobody"):  # Debian's base-passwd always has both
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise DovecotError("no unprivileged user ('mail' or 'nobody') to own the test mail")


def _has_live_members(pgid: int) -> bool:
    """Whether the process group has a member that is not a zombie (waiting for init)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Fields after "pid (comm) " are: state, ppid, pgrp, ...
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if int(pgrp) == pgid and state != "Z":
            return True
    return False


class Dovecot:
    """One Dovecot instance on a free loopback port; ``close()`` removes its /tmp dir."""

    host = "127.0.0.1"

    def __init__(self, base: Path | str) -> None:
        self.binary = find_dovecot()
        self.base = Path(base).resolve()
        self.conf_path = self.base / "dovecot.conf"
        self.passwd_path = self.base / "passwd"
        self.state_dir = self.base / "state"
        self.log_path = self.base / "dovecot.log"
        self.stderr_path = self.base / "dovecot.stderr"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.base.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(exist_ok=True)
        self.passwd_path.touch()

        self.uid, self.gid = _mail_account()
        # 0755 so the unprivileged Dovecot processes (login, stats, mail) can get in.
        self.short_dir = Path(tempfile.mkdtemp(prefix="dovecot-", dir="/tmp"))
        self.short_dir.chmod(0o755)
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.short_dir, True)
        self.run_dir = self.short_dir / "run"
        self.maildir_root = self.short_dir / "mail"
        self.home_root = self.short_dir / "home"
        for directory in (self.maildir_root, self.home_root):
            directory.mkdir()
            os.chown(directory, self.uid, self.gid)

    # -- users ---------------------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Add a login; Dovecot re-reads the changed passwd-file on the next authentication."""
        if not name or any(c in name + password for c in ":\r\n"):
            raise ValueError("user names and passwords must be non-empty, without ':' or newlines")
        text = self.passwd_path.read_text() + f"{name}:{{PLAIN}}{password}\n"
        # Replace rather than append in place, so the auth process never reads half a line.
        tmp = self.passwd_path.with_name(self.passwd_path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.passwd_path)

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start in the foreground; return once the IMAP port greets with ``* OK``."""
        if self.running:
            raise DovecotError("Dovecot is already running")
        if not self._cleanup.alive:
            raise DovecotError("this Dovecot was closed")
        if self.port:  # restart(): the same port, so clients can reconnect
            self._launch()
            return
        for attempt in range(3):
            # Another process may take the port between free_port() and Dovecot's bind().
            self.port = free_port()
            try:
                self._launch()
                return
            except DovecotError:
                clash = "Address already in use" in self.stderr_path.read_text(errors="replace")
                if not clash or attempt == 2:
                    self.port = 0
                    raise

    def _launch(self) -> None:
        self.run_dir.mkdir(exist_ok=True)
        self.conf_path.write_text(self.render_conf())
        # Fresh for each launch: start() looks in it for this launch's bind() failure.
        with self.stderr_path.open("wb") as stderr:
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,  # its own process group, so stop() can kill the lot
            )
        try:
            self._wait_for_greeting()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM the master (SIGKILL if it hangs), then SIGKILL whatever it left behind."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # Dovecot's master exits leaving some children (log, stats, imap sessions) behind;
        # they would keep clients connected and the mail open. Kill them, and wait for them.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while _has_live_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def restart(self) -> None:
        """Stop and start again on the same port with the same mail, as a real restart."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop, and remove the /tmp dir with the sockets and the mail."""
        self.stop()
        self._cleanup()

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------

    def render_conf(self) -> str:
        me = pwd.getpwuid(os.getuid()).pw_name
        if os.getuid() == 0:
            # Dovecot will not run its internal and login processes as root; the Debian
            # package created these two users for them.
            internal_user, login_user, extra = "dovecot", "dovenull", ""
        else:
            # Unprivileged, Dovecot can neither switch users nor chroot: all run as us.
            internal_user = login_user = me
            extra = UNPRIVILEGED_CONF
        conf = CONF_TEMPLATE.format(
            run=self.run_dir,
            state=self.state_dir,
            port=self.port,
            log=self.log_path,
            internal_user=internal_user,
            internal_group=grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name,
            login_user=login_user,
            auth_user=me,
            uid=self.uid,
            gid=self.gid,
            mail=self.maildir_root,
            home=self.home_root,
            passwd=self.passwd_path,
        )
        return conf + extra

    def log(self) -> str:
        """Dovecot's log, after anything it printed before opening the log."""
        return "".join(
            path.read_text(errors="replace")
            for path in (self.stderr_path, self.log_path)
            if path.exists()
        )

    def _wait_for_greeting(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        problem = "no attempt"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                problem = f"dovecot exited with status {self._process.returncode}"
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as conn:
                    greeting = conn.makefile("rb").readline()
                    conn.sendall(b"probe LOGOUT\r\n")  # a quiet goodbye, not an error in the log
                if greeting.startswith(b"* OK"):
                    return
                problem = f"unexpected greeting {greeting!r}"
            except OSError as error:
                problem = str(error)
            time.sleep(0.05)
        raise DovecotError(
            f"Dovecot did not start on {self.host}:{self.port} ({problem}; "
            f"waited up to {START_TIMEOUT:.0f} s for '* OK'). Log:\n{self.log()}"
        )


# Named apart from its fixture name, so a test module can import it without ruff's F811
# (a test parameter ``dovecot`` redefining an imported ``dovecot``); import it with
# ``from .dovecot import dovecot_fixture`` plus a noqa for F401.
@pytest.fixture(name="dovecot")
def dovecot_fixture(tmp_path: Path) -> Iterator[Dovecot]:
    """A started Dovecot with the user ``USER``/``PASSWORD``; stopped after the test."""
    server = Dovecot(tmp_path / "dovecot")
    try:
        server.add_user(USER, PASSWORD)
        server.start()
        yield server
    finally:
        server.close()


# The same fixture under its own name, for modules that import it as ``dovecot``.
dovecot = dovecot_fixture

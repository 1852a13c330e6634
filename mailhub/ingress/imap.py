"""The IMAP door (imapclient): files what arrives in the office's official mailboxes and
tidies each mailbox into folders the staff browse in their usual mail client.

Per account and folder: fetch new messages in batches with BODY.PEEK[] (nothing is
marked \\Seen) and INTERNALDATE (when the mailbox received the message: its received_at),
store and file each one (pipeline, through batch.Filer), and only then move it: filed
mail to its topic's folder, rejected mail to Rejected, quarantined mail (and mail that
could not be filed) to Quarantine. The checkpoint (UIDVALIDITY, last UID) advances
after the move. A crash between storing and moving fetches the message again, and the
content hash makes it a duplicate of itself: nothing is filed twice.
"""

from __future__ import annotations

import contextlib
import logging
import random
import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.fixed_offset import FixedOffset
from sqlmodel import Session

from mailhub import models
from mailhub.batch import Filer
from mailhub.config import ImapAccount, Settings
from mailhub.db import transaction
from mailhub.deciding import Outcome
from mailhub.errors import ConfigError
from mailhub.faults import temporary
from mailhub.hub import Hub, Office, open_hub
from mailhub.notices import queue_rejection_notice
from mailhub.pipeline import Envelope, recorded_outcome
from mailhub.registry import Kind
from mailhub.verdict import State
from mailhub.workers import follow_the_daemon

log = logging.getLogger(__name__)
T = TypeVar("T")
_IMAPLIB_LOG = logging.getLogger("imapclient.imaplib")  # where imapclient sends imaplib's trace

TIMEOUT = 60.0        # seconds for any one server reply
# Moves are sent in rounds, and the checkpoint follows each round. A MOVE costs the server
# about as much for one message as for a thousand, and more the fuller the folder, so a
# backlog is moved in rounds of half what is still there: a few passes over the full folder
# instead of one per thousand messages, and a small last round, which is all that waits
# once the filing is done. (Dovecot, 10,000 messages into 18 folders: 1.4 s of its CPU in
# rounds of 1,000, 0.6 s in rounds of 5,000.)
MOVE_EVERY = 1000      # messages in a round, at least
MOVE_ROUND_MAX = 5000  # at most: what a crash fetches again (as duplicates) stays bounded
MOVE_UIDS = 1000       # UIDs in one MOVE command: its line stays near 8 KB (RFC 7162)
# Batches fetched ahead of the one being filed: moves wait behind them in the connection's
# queue, so filing has messages while the server moves a round.
FETCH_AHEAD = 3
IDLE_RENEW = 25 * 60  # seconds: IDLE is re-issued before the server's 29-minute limit
MAX_BACKOFF = 300.0   # seconds between reconnection attempts, at most
WRONG_PASSWORD_WAIT = 600.0  # a refused login is retried slowly: it will not fix itself


@dataclass
class Tally:
    """What one pass over an account did."""

    fetched: int = 0
    duplicates: int = 0
    moved: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notices: int = 0

    def add(self, other: Tally) -> None:
        self.fetched += other.fetched
        self.duplicates += other.duplicates
        self.notices += other.notices
        for folder, count in other.moved.items():
            self.moved[folder] += count


def connect(account: ImapAccount) -> IMAPClient:
    """Logged in, over TLS unless the account says none (loopback only)."""
    context = ssl.create_default_context()
    client = IMAPClient(account.host, port=account.server_port,
                        ssl=account.tls == "implicit", ssl_context=context, timeout=TIMEOUT)
    client.normalise_times = False  # INTERNALDATE with the server's zone, not naive local
    _quiet_imaplib(client)
    try:
        if account.tls == "starttls":
            client.starttls(context)
        client.login(account.username, account.password())
    except BaseException:
        _close(client)
        raise
    return client


def _quiet_imaplib(client: IMAPClient) -> None:
    """imapclient sets imaplib's debug level to 5 so that imaplib's trace goes to the
    logger "imapclient.imaplib"; imaplib then formats the repr of every literal it reads,
    each message's bytes, even when that logger drops it: three quarters of the CPU of a
    FETCH of whole messages. The trace stays on where that logger shows DEBUG."""
    imap = getattr(client, "_imap", None)  # imapclient's imaplib connection
    if imap is not None and not _IMAPLIB_LOG.isEnabledFor(logging.DEBUG):
        imap.debug = 0


class Watcher:
    """One account's pass: every watched folder taken in, moved out, checkpointed."""

    def __init__(self, hub: Hub, account: ImapAccount, filer: Filer) -> None:
        self.hub, self.account, self.filer = hub, account, filer
        self._made: set[str] = set()  # destination folders known to exist

    def sync(self, client: IMAPClient) -> Tally:
        tally = Tally()
        self._made = {_name(f) for _, _, f in client.list_folders()}
        delimiter = _delimiter(client)
        for folder in self.account.folders:
            tally.add(self.sync_folder(client, folder, delimiter))
        return tally

    def sync_folder(self, client: IMAPClient, folder: str, delimiter: str = "/") -> Tally:
        tally = Tally()
        status = client.select_folder(folder)
        uidvalidity = int(status[b"UIDVALIDITY"])
        last = self._checkpoint(folder, uidvalidity)
        # "n:*" always matches the newest message, even when its UID is below n.
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        if not uids:
            return tally
        can_move = b"MOVE" in client.capabilities()
        # Moves wait for a round of messages (move_round): one MOVE per destination for all
        # of them. They are sent in the connection's thread, so filing goes on while the
        # server moves.
        moves: dict[str, list[int]] = defaultdict(list)
        sent: deque[tuple[Future[None], dict[str, list[int]], int]] = deque()
        waiting, unmoved = 0, len(uids)
        order: deque[int] = deque()  # UIDs handed to the filer, whose outcomes come in order

        def envelopes(fetched: Iterator[tuple[int, bytes, datetime | None]]
                      ) -> Iterator[tuple[bytes, Envelope]]:
            for uid, raw, received_at in fetched:
                order.append(uid)
                yield raw, Envelope(door="imap", source=f"{self.account.name}/{folder}/"
                                    f"{uidvalidity}/{uid}", received_at=received_at)

        def send_moves(checkpoint: int) -> None:
            batch = dict(moves)
            moves.clear()
            sent.append((connection.later(self._move_all, client, batch, can_move), batch,
                         checkpoint))

        def moved(wait: bool) -> None:
            """The checkpoint follows the moves done, in order (all of them, with `wait`): a
            move that failed fails the pass, and what it held is fetched again."""
            while sent and (wait or sent[0][0].done()):
                done, batch, checkpoint = sent.popleft()
                done.result()
                for destination, uids in batch.items():
                    tally.moved[destination] += len(uids)
                self._save_checkpoint(folder, uidvalidity, checkpoint)

        with _Connection(client, list(_batches(uids, self.account.batch))) as connection:
            for outcome in self.filer.ingest_all(envelopes(iter(connection))):
                uid = order.popleft()
                raw = connection.take(uid)
                tally.fetched += 1
                if outcome.verdict == State.DUPLICATE:  # it goes where its original went
                    tally.duplicates += 1
                    outcome = recorded_outcome(self.hub, self._original(outcome.id))
                elif outcome.verdict == State.REJECTED:
                    tally.notices += queue_rejection_notice(self.hub, outcome, raw,
                                                            self._address())
                moves[self._destination(outcome, delimiter)].append(uid)
                waiting += 1
                if waiting >= move_round(unmoved):
                    send_moves(uid)
                    moved(wait=False)
                    unmoved, waiting = unmoved - waiting, 0
            send_moves(uids[-1])  # every batch fetched: the UIDs that vanished meanwhile too
            moved(wait=True)
        return tally

    def _original(self, message: int) -> int:
        """Past same-bytes and same-Message-ID duplicates, the message first received."""
        with Session(self.hub.engine) as session:
            row = session.get(models.Message, message)
            while row is not None and row.duplicate_of is not None:
                row = session.get(models.Message, row.duplicate_of)
            return row.id if row is not None and row.id is not None else message

    def _address(self) -> str:
        """Who notices come from: the mailbox, or the office when the login is no address."""
        if "@" in self.account.username:
            return self.account.username
        office = next((u for u in self.hub.registry.units if u.kind is Kind.PGD), None)
        return office.email if office else self.account.username

    def _destination(self, outcome: Outcome, delimiter: str) -> str:
        account = self.account
        if outcome.verdict == State.FILED and outcome.topics:
            topic = self.hub.rules.topic(outcome.topics[0])
            name = account.filed_folder.format(
                topic=outcome.topics[0], topic_name=topic.name_vi if topic else outcome.topics[0])
        elif outcome.verdict == State.REJECTED:
            name = account.rejected_folder
        else:  # quarantined, or could not be filed: a person looks at it
            name = account.quarantine_folder
        return delimiter.join(part for part in name.split("/") if part)

    def _move_all(self, client: IMAPClient, batch: dict[str, list[int]],
                  can_move: bool) -> None:
        for folder, uids in batch.items():
            self._move(client, uids, folder, can_move)

    def _move(self, client: IMAPClient, uids: list[int], folder: str, can_move: bool) -> None:
        if folder not in self._made:
            try:
                client.create_folder(folder)
            except IMAPClientError as exc:
                if b"ALREADYEXISTS" not in str(exc).encode() and "exists" not in str(exc):
                    raise
            client.subscribe_folder(folder)
            self._made.add(folder)
        for some in _batches(uids, MOVE_UIDS):
            self._move_some(client, some, folder, can_move)

    def _move_some(self, client: IMAPClient, uids: list[int], folder: str,
                   can_move: bool) -> None:
        if can_move:
            client.move(uids, folder)
            return
        client.copy(uids, folder)
        client.delete_messages(uids)
        if b"UIDPLUS" in client.capabilities():
            client.uid_expunge(uids)  # only these: others marked \Deleted are left alone
        else:
            log.warning("%s: no MOVE or UIDPLUS; moved messages stay marked \\Deleted",
                        self.account.name)

    def _checkpoint(self, folder: str, uidvalidity: int) -> int:
        with Session(self.hub.engine) as session:
            found = session.get(models.ImapCheckpoint, (self.account.name, folder))
        if found is None:
            return 0
        if found.uidvalidity != uidvalidity:
            log.warning("%s/%s: UIDVALIDITY changed (%s -> %s); the folder is read again, "
                        "and what was stored before is not filed twice", self.account.name,
                        folder, found.uidvalidity, uidvalidity)
            return 0
        return int(found.last_uid)

    def _save_checkpoint(self, folder: str, uidvalidity: int, last_uid: int) -> None:
        table = models.ImapCheckpoint.__table__  # type: ignore[attr-defined]
        row: dict[str, Any] = dict(account=self.account.name, folder=folder,
                                   uidvalidity=uidvalidity, last_uid=last_uid,
                                   updated_at=self.hub.clock())
        with transaction(self.hub.engine, durable=False) as db:
            db.execute(table.delete().where(table.c.account == self.account.name,
                                            table.c.folder == folder))
            db.execute(table.insert().values(row))


def watch(hub: Hub, account: ImapAccount, filer: Filer, stop: threading.Event) -> None:
    """Keep an account's folders taken in until `stop` is set: IDLE where the server has it
    and one folder is watched, else a pass every poll_interval. A lost connection, or a
    pass that failed (the database down), is retried with exponential backoff and jitter;
    a refused login slowly."""
    delay = trouble = 1.0
    while not stop.is_set():
        try:
            client = connect(account)
        except LoginError as exc:
            log.error("%s: đăng nhập bị từ chối / login refused for %s: %s; retrying in %.0f s",
                      account.name, account.username, exc, WRONG_PASSWORD_WAIT)
            stop.wait(WRONG_PASSWORD_WAIT)
            continue
        except (OSError, IMAPClientError, ConfigError) as exc:
            log.warning("%s: cannot connect to %s:%s (%s); retrying in %.0f s", account.name,
                        account.host, account.server_port, exc, delay)
            stop.wait(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, MAX_BACKOFF)
            continue
        delay = 1.0
        began = time.monotonic()
        try:
            _serve_account(hub, account, filer, client, stop)
        except (OSError, IMAPClientError) as exc:
            log.warning("%s: connection lost (%s); reconnecting", account.name, exc)
        except Exception as exc:  # the database or the disk failed, or we did
            # Taken in again after a pause, longer each time in a row (what was not moved is
            # fetched again); a long healthy run before the failure starts the pauses over.
            if time.monotonic() - began > MAX_BACKOFF:
                trouble = 1.0
            log.error("%s: không lọc được thư / filing failed (%s: %s); retrying in %.0f s",
                      account.name, type(exc).__name__, exc, trouble,
                      exc_info=not temporary(exc))
            stop.wait(trouble * random.uniform(0.5, 1.5))
            trouble = min(trouble * 2, MAX_BACKOFF)
        finally:
            _close(client)


def _serve_account(hub: Hub, account: ImapAccount, filer: Filer, client: IMAPClient,
                   stop: threading.Event) -> None:
    watcher = Watcher(hub, account, filer)
    idle = b"IDLE" in client.capabilities() and len(account.folders) == 1
    while not stop.is_set():
        tally = watcher.sync(client)
        if tally.fetched:
            log.info("%s: %s message(s) taken in, %s already known, moved %s",
                     account.name, tally.fetched, tally.duplicates, dict(tally.moved))
        if not idle:
            stop.wait(account.poll_interval)
            continue
        client.idle()  # on the folder just synced (the only one watched)
        try:
            renew = time.monotonic() + IDLE_RENEW
            while not stop.is_set() and time.monotonic() < renew:
                if client.idle_check(timeout=1):
                    break  # something arrived (or left): take it in
        finally:
            client.idle_done()


class _Connection:
    """The connection's commands in a thread of their own, one at a time, in order: the
    next batches' FETCH (BODY.PEEK[] and INTERNALDATE, FETCH_AHEAD of them) while the
    current one is filed, so the workers are not idle during a FETCH or a MOVE, and the
    moves (later())."""

    def __init__(self, client: IMAPClient, batches: list[list[int]]) -> None:
        self.client, self.batches = client, batches
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="imap")
        self._raws: dict[int, bytes] = {}  # fetched, until its outcome is handled

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *_: object) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)  # the connection is ours again

    def __iter__(self) -> Iterator[tuple[int, bytes, datetime | None]]:
        batches = iter(self.batches)
        pending = deque(self.later(self._fetch, batch) for batch in islice(batches, FETCH_AHEAD))
        while pending:
            fetched = pending.popleft().result()
            following = next(batches, None)
            if following is not None:
                pending.append(self.later(self._fetch, following))
            for uid, raw, received_at in fetched:
                self._raws[uid] = raw
                yield uid, raw, received_at

    def later(self, command: Callable[..., T], *args: Any) -> Future[T]:
        """Send a command after those sent before it."""
        return self._thread.submit(command, *args)

    def take(self, uid: int) -> bytes:
        """A message's bytes once more, when its outcome is handled (then forgotten)."""
        return self._raws.pop(uid)

    def _fetch(self, batch: list[int]) -> list[tuple[int, bytes, datetime | None]]:
        fetched = self.client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        return [(uid, bytes(fetched[uid][b"BODY[]"]), _utc(fetched[uid].get(b"INTERNALDATE")))
                for uid in batch if b"BODY[]" in fetched.get(uid, {})]


def _utc(internaldate: object) -> datetime | None:
    """An INTERNALDATE as imapclient gives it, in UTC; None (then: now) when there is none.
    With normalise_times (its default) imapclient gives a naive time at the system's
    current UTC offset (FixedOffset.for_system(), not the offset of that date), else an
    aware one."""
    if not isinstance(internaldate, datetime):
        return None
    if internaldate.tzinfo is None:
        internaldate = internaldate.replace(tzinfo=FixedOffset.for_system())
    try:
        return internaldate.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 at an offset: no usable date
        return None


def move_round(unmoved: int) -> int:
    """Messages to store before the next round of moves, with `unmoved` still in the folder
    (see MOVE_EVERY): a backlog of 10,000 is moved in rounds of 5000, 2500, 1250, 1000, 250."""
    return min(MOVE_ROUND_MAX, max(MOVE_EVERY, unmoved // 2))


def _batches(uids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(uids), size):
        yield uids[start:start + size]


def _delimiter(client: IMAPClient) -> str:
    try:
        personal = client.namespace().personal
        return str(personal[0][1]) if personal and personal[0][1] else "/"
    except IMAPClientError:
        return "/"


def _name(folder: str | bytes) -> str:
    return folder.decode() if isinstance(folder, bytes) else folder


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (IMAPClientError, OSError):
        try:
            client.shutdown()
        except (OSError, IMAPClientError):
            pass


def run_watchers(settings: Settings, conn: Connection, logging_on: bool, office: Office) -> None:
    """The IMAP process of `mailhub serve`: one watcher thread per account (one broken
    account never stops the others), until the daemon closes its end of `conn` (it stops,
    or it died)."""
    follow_the_daemon(logging_on)
    hub = open_hub(settings, office=office)
    stop = threading.Event()
    with contextlib.ExitStack() as filers:
        threads = [threading.Thread(target=watch, name=f"imap-{account.name}",
                                    args=(hub, account, filers.enter_context(Filer(hub)), stop))
                   for account in settings.imap]
        for thread in threads:
            thread.start()
        try:
            conn.recv()  # nothing is ever sent: this returns (raises) when the daemon goes
        except EOFError:
            pass
        stop.set()
        for thread in threads:
            thread.join()

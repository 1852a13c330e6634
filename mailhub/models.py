"""Database tables. Times are stored in UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _when(nullable: bool = True, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class Message(SQLModel, table=True):
    """One inbound message: where its bytes are, where it stands, what it says."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)
    message_id: str = Field(default="", index=True, max_length=500)
    door: str = Field(max_length=16)               # ingest, import, smtp, lmtp, imap
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    envelope_from: str = Field(default="", max_length=500)
    envelope_to: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    size: int = 0
    received_at: datetime = Field(sa_column=_when(nullable=False, index=True))
    state: str = Field(default="received", index=True, max_length=16)
    state_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    duplicate_of: int | None = Field(default=None, foreign_key="message.id")
    from_address: str = Field(default="", index=True, max_length=500)
    from_name: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sent_at: datetime | None = Field(default=None, sa_column=_when())
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    filed_at: datetime | None = Field(default=None, sa_column=_when())


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    message: int = Field(foreign_key="message.id", index=True)
    position: int
    name: str = Field(sa_column=Column(Text, nullable=False))
    content_type: str = Field(max_length=255)
    size: int
    sha256: str = Field(max_length=64)


class RuleHit(SQLModel, table=True):
    """One rule that fired on a message, in the order it fired."""

    __tablename__ = "rule_hit"
    id: int | None = Field(default=None, primary_key=True)
    message: int = Field(foreign_key="message.id", index=True)
    position: int
    chain: str = Field(max_length=16)
    rule: str = Field(max_length=200)
    action: str = Field(max_length=16)
    reason_vi: str = Field(sa_column=Column(Text, nullable=False))
    reason_en: str = Field(sa_column=Column(Text, nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Filing(SQLModel, table=True):
    """Where a filed message belongs: school, level, period, team."""

    message: int = Field(foreign_key="message.id", primary_key=True)
    unit: str | None = Field(default=None, index=True, max_length=64)
    level: str | None = Field(default=None, max_length=8)
    period: str = Field(index=True, max_length=7)    # YYYY-MM
    team: str | None = Field(default=None, index=True, max_length=64)
    urgent: bool = False


class FilingTopic(SQLModel, table=True):
    """The topics of a filing, best first (rank 0 is the main topic)."""

    __tablename__ = "filing_topic"
    __table_args__ = (UniqueConstraint("message", "topic"),)
    id: int | None = Field(default=None, primary_key=True)
    message: int = Field(foreign_key="message.id", index=True)
    rank: int
    topic: str = Field(index=True, max_length=64)
    score: float


class Refusal(SQLModel, table=True):
    """A message refused in the SMTP dialogue: who tried, when, why. The bytes are not kept."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when(nullable=False, index=True))
    door: str = Field(max_length=16)
    peer: str = Field(default="", max_length=200)
    mail_from: str = Field(default="", index=True, max_length=500)
    header_from: str = Field(default="", index=True, max_length=500)
    recipients: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    stage: str = Field(max_length=8)   # MAIL | DATA
    rule: str = Field(max_length=200)
    reply: str = Field(sa_column=Column(Text, nullable=False))


class Staff(SQLModel, table=True):
    """An office staff account, for SMTP AUTH and the web console."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=500, unique=True)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=300)
    created_at: datetime = Field(sa_column=_when(nullable=False))
    disabled: bool = False
    team: str = Field(default="", max_length=64)  # role team: the registry code of its team


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser of the web console. The cookie holds a random token; only its
    sha256 is kept, so a copy of the database signs nobody in."""

    __tablename__ = "console_session"
    token_hash: str = Field(primary_key=True, max_length=64)
    staff: int = Field(foreign_key="staff.id", index=True)
    csrf: str = Field(max_length=64)                 # the token every form must carry
    created_at: datetime = Field(sa_column=_when(nullable=False))
    expires_at: datetime = Field(sa_column=_when(nullable=False, index=True))


class Review(SQLModel, table=True):
    """A person's decision on a quarantined message: released (filed under a topic) or
    rejected, by whom, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    message: int = Field(foreign_key="message.id", index=True)
    at: datetime = Field(sa_column=_when(nullable=False))
    staff: str = Field(max_length=500)
    action: str = Field(max_length=16)               # release | reject
    topic: str = Field(default="", max_length=64)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ImapCheckpoint(SQLModel, table=True):
    """How far an IMAP folder has been taken in: every UID up to last_uid of this
    UIDVALIDITY is stored and moved out. A new UIDVALIDITY starts the folder again."""

    __tablename__ = "imap_checkpoint"

    account: str = Field(primary_key=True, max_length=200)
    folder: str = Field(primary_key=True, max_length=500)
    uidvalidity: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_uid: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=_when(nullable=False))


class Directive(SQLModel, table=True):
    """A directive (công văn) the office broadcast: one e-mail in (archived as `message`),
    one copy out to each member of the chosen lists (an outbox row each)."""

    id: int | None = Field(default=None, primary_key=True)
    message: int = Field(foreign_key="message.id", unique=True)
    sender: str = Field(max_length=500)             # the office's or a team's address
    sender_unit: str = Field(max_length=64)
    staff: str = Field(default="", max_length=500)  # the SMTP AUTH login, or the CLI's user
    subject: str = Field(sa_column=Column(Text, nullable=False))
    number: str = Field(default="", index=True, max_length=100)  # số công văn, e.g. 3851/KH-SGD&ĐT
    lists: str = Field(max_length=500)              # list names, comma-separated
    message_id: str = Field(default="", max_length=500)  # the original's Message-ID
    door: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_when(nullable=False, index=True))
    ack_by: datetime | None = Field(default=None, sa_column=_when())


class Outbox(SQLModel, table=True):
    """Mail the hub sends, one row per recipient: directive copies, reminders, notices.
    A notice's bytes are composed when queued; a directive copy is composed from the
    archived original when sent. state: pending → sending → sent | deferred | failed."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)          # directive, reminder, notice
    recipient: str = Field(max_length=500, index=True)
    unit: str | None = Field(default=None, max_length=64)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    message: int | None = Field(default=None, foreign_key="message.id", index=True)
    directive: int | None = Field(default=None, foreign_key="directive.id", index=True)
    list_name: str = Field(default="", max_length=100)
    message_id: str = Field(default="", index=True, max_length=500)  # of the copy sent
    token: str = Field(default="", max_length=32)  # in the return path: bounces are ours
    created_at: datetime = Field(sa_column=_when(nullable=False, index=True))
    state: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=_when())
    claimed_by: str = Field(default="", max_length=200)  # host:pid sending it now
    claimed_until: datetime | None = Field(default=None, sa_column=_when())
    last_reply: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sent_at: datetime | None = Field(default=None, sa_column=_when())
    acknowledged_at: datetime | None = Field(default=None, sa_column=_when())
    ack_message: int | None = Field(default=None, foreign_key="message.id")


class AuditEntry(SQLModel, table=True):
    """One link of the tamper-evident chain: each entry hashes the one before it and the
    sha256 of what it records (archived bytes, a decision, a delivery). See chain.py."""

    __tablename__ = "audit_entry"
    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when(nullable=False))
    kind: str = Field(max_length=16, index=True)     # archive, decision, directive, delivery
    ref: str = Field(max_length=100, index=True)     # e.g. message:12, outbox:40
    content: str = Field(max_length=64)              # sha256 of what the entry records
    previous: str = Field(max_length=64)             # the hash of the entry before
    hash: str = Field(max_length=64, unique=True)


class AccessLog(SQLModel, table=True):
    """Who looked: every audit search, show and export, by whom, when, asking what."""

    __tablename__ = "access_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when(nullable=False, index=True))
    user: str = Field(max_length=200, index=True)    # the OS user, or the web console's
    action: str = Field(max_length=16)               # search, show, export, verify, ...
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

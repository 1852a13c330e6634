"""What a rule decided and why: Hit(rule, reason_vi, reason_en) and Verdict(action, hits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    QUARANTINE = "quarantine"
    NOTE = "note"  # records a hit and lets the next rule decide


class State(StrEnum):
    """Where a message stands; the first one is the queue of work to do."""

    RECEIVED = "received"
    FILED = "filed"
    REJECTED = "rejected"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    ERROR = "error"
    DIRECTIVE = "directive"  # the office's own mail, broadcast to lists (not filed)
    BOUNCE = "bounce"        # a delivery status notification for mail the hub sent


STATE_OF_ACTION = {Action.ACCEPT: State.FILED, Action.REJECT: State.REJECTED,
                   Action.QUARANTINE: State.QUARANTINED}


@dataclass(frozen=True)
class Hit:
    """One rule that fired: which chain, which rule, what it did, why, on what."""

    chain: str  # parse | sender | topic | period | team | dedupe
    rule: str
    action: Action
    reason_vi: str
    reason_en: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}" if self.detail else self.rule


@dataclass
class Verdict:
    action: Action
    hits: list[Hit] = field(default_factory=list)

    @property
    def state(self) -> State:
        return STATE_OF_ACTION.get(self.action, State.QUARANTINED)

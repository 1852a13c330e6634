"""The service's log: one line per event, the same from every process of `serve`, in
logfmt (key=value; journald and log tools read it as it is):

    time=2026-11-26T08:00:01+0700 level=INFO logger=mailhub.workers pid=812 msg=decision
    door=smtp id=1204 verdict=filed from=c1dinhcong-hm@hanoiedu.vn topics=bao-cao-thang

Values are quoted when they need it, and line breaks and other control characters are
escaped, so nothing a sender writes (a subject, a name) can start a line of its own.
Passwords and message bodies are never logged.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_BARE = re.compile(r"^[\w.@:/+,#<>=-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def value(text: object) -> str:
    """One logfmt value: bare when it can be, else quoted with escapes."""
    shown = str(text)
    if shown and _BARE.match(shown):
        return shown
    shown = shown.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(lambda c: f"\\x{ord(c.group()):02x}", shown) + '"'


class Logfmt(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname, "logger": record.name, "pid": record.process,
            "msg": record.getMessage()}
        fields.update(getattr(record, "kv", {}))
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        return " ".join(f"{key}={value(text)}" for key, text in fields.items())


def configure() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(Logfmt())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # aiosmtpd logs every command at INFO, AUTH credentials included; Alembic logs each
    # schema check of each process: keep their warnings only.
    for noisy in ("mail.log", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

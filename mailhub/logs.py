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
# C0 and C1 controls and what Unicode counts as a line break (U+2028, U+2029; U+0085 is C1):
# log viewers and str.splitlines() start a new line at each of them.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# journald cuts lines longer than its LineMax (48 KiB) into entries of their own, so the
# end of an overlong value would read as an entry the sender wrote: values are cut first.
MAX_VALUE = 4096
MAX_ERROR = 16384  # a traceback


def value(text: object, limit: int = MAX_VALUE) -> str:
    """One logfmt value: bare when it can be, else quoted with escapes; over `limit`
    characters, cut, with how many were left out."""
    shown = str(text)
    if len(shown) > limit:
        shown = f"{shown[:limit]}…(+{len(shown) - limit})"
    if shown and _BARE.match(shown):
        return shown
    shown = shown.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(_escape, shown) + '"'


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class Logfmt(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname, "logger": record.name, "pid": record.process,
            "msg": record.getMessage()}
        fields.update(getattr(record, "kv", {}))
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        return " ".join(f"{key}={value(text, MAX_ERROR if key == 'error' else MAX_VALUE)}"
                        for key, text in fields.items())


def configure() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(Logfmt())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # aiosmtpd logs every command at INFO, AUTH credentials included; Alembic logs each
    # schema check of each process: keep their warnings only.
    for noisy in ("mail.log", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

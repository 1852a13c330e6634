"""`mailhub status`: what runs, how long the queues are, the last errors, the next jobs.

The daemon writes state_dir/status.json when it starts and stops and every HEARTBEAT
seconds (its pid, doors, processes); the rest is read from the database, so the command
works whether or not the daemon runs, and from any user that can read the state dir.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select

from mailhub import models
from mailhub.hub import Hub
from mailhub.running import alive

HEARTBEAT = 30  # seconds
MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]


def status_file(hub: Hub) -> Path:
    return hub.settings.state_dir / "status.json"


def write(hub: Hub, running: dict[str, Any]) -> None:
    """The daemon's part: what it runs, now (written whole, then renamed: never half)."""
    path = status_file(hub)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    try:
        temporary.write_text(json.dumps({**running, "pid": os.getpid(),
                                         "updated_at": hub.clock().isoformat()},
                                        ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
    except OSError:  # the disk is full: no half-written file left behind
        temporary.unlink(missing_ok=True)
        raise


def collect(hub: Hub) -> dict[str, Any]:
    """Everything `mailhub status` shows."""
    daemon: dict[str, Any] = {"running": False}
    try:
        daemon = json.loads(status_file(hub).read_text(encoding="utf-8"))
        daemon["running"] = daemon.get("state") == "running" and alive(int(daemon["pid"]))
    except (OSError, ValueError, KeyError):
        pass
    with hub.engine.connect() as db:
        messages: dict[str, int] = {state: n for state, n in db.execute(
            select(MESSAGE.c.state, func.count()).group_by(MESSAGE.c.state))}
        outbox: dict[str, int] = {state: n for state, n in db.execute(
            select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state))}
        errors = [dict(at=_iso(r.created_at), what=f"outbox #{r.id} to {r.recipient}",
                       state=r.state, reply=r.last_reply)
                  for r in db.execute(select(OUTBOX).where(OUTBOX.c.state.in_(
                      ("failed", "deferred"))).order_by(OUTBOX.c.id.desc()).limit(5))]
        errors += [dict(at=_iso(r.received_at), what=f"message #{r.id}", state=r.state,
                        reply=r.state_reason)
                   for r in db.execute(select(MESSAGE).where(MESSAGE.c.state == "error")
                                       .order_by(MESSAGE.c.id.desc()).limit(5))]
        jobs = []
        if inspect(db).has_table("apscheduler_jobs"):
            stored = db.exec_driver_sql(
                "SELECT id, next_run_time FROM apscheduler_jobs ORDER BY next_run_time")
            jobs = [dict(id=job_id, next_run=_from_epoch(when)) for job_id, when in stored]
    return dict(daemon=daemon, messages=messages, outbox=outbox, last_errors=errors, jobs=jobs)


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


def _from_epoch(when: float | None) -> str | None:
    return datetime.fromtimestamp(when, UTC).isoformat() if when is not None else None

"""The daemon's timetable (apscheduler 3): the reporting day (reminders, then the teams'
summaries) at [monthly] send_hour, office time.

Jobs are kept in the database (table apscheduler_jobs, made by apscheduler), so a
restart neither loses nor doubles one: a run missed while the daemon was down is made up
once at start (coalesced, within the misfire grace time). Each job is idempotent anyway
(see reminders.py), so running it again sends nothing twice. Jobs name their function by
its import path and find the hub here, as a job stored in the database cannot hold one.
"""

from __future__ import annotations

import logging

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from mailhub.hub import Hub
from mailhub.reminders import run_reporting_day

log = logging.getLogger(__name__)

TABLE = "apscheduler_jobs"
MISFIRE_GRACE = 12 * 3600  # a reporting day missed by less than this is made up at start

_hub: Hub | None = None  # the daemon's; set by start()


def start(hub: Hub) -> BackgroundScheduler:
    """Start the timetable for this hub (`mailhub serve`)."""
    global _hub
    _hub = hub
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=hub.engine, tablename=TABLE)},
        timezone=hub.settings.zone,
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE,
                      "max_instances": 1})
    scheduler.add_job("mailhub.scheduler:reporting_day", "cron", id="reporting-day",
                      name="nhắc nộp báo cáo, tổng hợp cho Tổ / reminders and summaries",
                      hour=hub.rules.reporting.send_hour, minute=0, replace_existing=True)
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("scheduler: %s next at %s", job.id, job.next_run_time)
    return scheduler


def reporting_day() -> None:
    assert _hub is not None, "the scheduler runs jobs only in the daemon"
    reminders, summaries = run_reporting_day(_hub)
    log.info("reporting day: %s reminder(s), %s summary/summaries queued", reminders, summaries)


def set_hub(hub: Hub) -> None:
    """A reloaded hub (SIGHUP): the next runs use its rules and registry."""
    global _hub
    _hub = hub

"""The configured application object: settings, registry, rules, broadcast lists, database,
archive and clock. The only state shared across the service lives here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mailhub.archive import Archive
from mailhub.config import Settings
from mailhub.lists import Lists, load_lists
from mailhub.registry import Registry, load_registry
from mailhub.rules import Ruleset, load_rules

if TYPE_CHECKING:
    from sqlalchemy import Engine


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hub:
    settings: Settings
    registry: Registry
    rules: Ruleset
    lists: Lists
    archive: Archive
    clock: Callable[[], datetime] = field(default=utc_now)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The database, set up on first use: a filing worker that only decides never
        loads SQLAlchemy (a fifth of a second of its start)."""
        if self._engine is None:
            from mailhub.db import make_engine

            self._engine = make_engine(self.settings.database, self.settings.database_timeout)
        return self._engine

    @property
    def office(self) -> Office:
        return Office(self.registry, self.rules, self.lists)


@dataclass(frozen=True)
class Office:
    """The office's files, read and checked once: the daemon hands them to its processes,
    so that none of them reads a file that changed since (SIGHUP hands on new ones)."""

    registry: Registry
    rules: Ruleset
    lists: Lists


def load_office(settings: Settings) -> tuple[Registry, Ruleset]:
    """Registry and rules, validated against each other; raises ConfigError."""
    registry = load_registry(settings.registry)
    return registry, load_rules(settings.rules_dir, registry)


def read_office(settings: Settings) -> Office:
    """Registry, rules and lists, validated against each other; raises ConfigError."""
    registry, rules = load_office(settings)
    return Office(registry, rules, load_lists(settings.rules_dir, registry, settings.hub_domain))


def reload_office(hub: Hub) -> None:
    """Read the registry, rules and lists again into `hub`; on ConfigError (raised) the
    old ones stay in force."""
    office = read_office(hub.settings)
    hub.registry, hub.rules, hub.lists = office.registry, office.rules, office.lists


def open_hub(settings: Settings, clock: Callable[[], datetime] = utc_now,
             office: Office | None = None, migrate: bool = True) -> Hub:
    """Load and validate everything (or take `office` as read by the daemon), and bring
    the database schema up to date (`migrate`; a filing worker's parent has done so)."""
    office = office or read_office(settings)
    hub = Hub(settings, office.registry, office.rules, office.lists,
              Archive(settings.archive_dir), clock)
    if migrate:
        from mailhub.db import ensure_schema

        ensure_schema(hub.engine)
    return hub

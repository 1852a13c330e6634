"""The configured application object: settings, registry, rules, broadcast lists, database,
archive and clock. The only state shared across the service lives here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from mailhub.archive import Archive
from mailhub.config import Settings
from mailhub.db import ensure_schema, make_engine
from mailhub.lists import Lists, load_lists
from mailhub.registry import Registry, load_registry
from mailhub.rules import Ruleset, load_rules


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hub:
    settings: Settings
    registry: Registry
    rules: Ruleset
    lists: Lists
    engine: Engine
    archive: Archive
    clock: Callable[[], datetime] = field(default=utc_now)


def load_office(settings: Settings) -> tuple[Registry, Ruleset]:
    """Registry and rules, validated against each other; raises ConfigError."""
    registry = load_registry(settings.registry)
    return registry, load_rules(settings.rules_dir, registry)


def open_hub(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Hub:
    """Load and validate everything, and bring the database schema up to date."""
    registry, rules = load_office(settings)
    lists = load_lists(settings.rules_dir, registry, settings.hub_domain)
    engine = make_engine(settings.database)
    ensure_schema(engine)
    return Hub(settings, registry, rules, lists, engine, Archive(settings.archive_dir), clock)

"""Shared fixtures: a Hub on a fresh state dir and a fresh database.

The database is SQLite unless MAILHUB_TEST_DATABASE_URL names a PostgreSQL
server; then each test gets its own schema there, dropped afterwards. CI runs
the suite both ways.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mailhub.config import Settings
from mailhub.hub import Hub, open_hub

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
TEST_DATABASE = os.environ.get("MAILHUB_TEST_DATABASE_URL", "")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a new PostgreSQL schema."""
    if not TEST_DATABASE:
        yield f"sqlite:///{tmp_path / 'state' / 'mailhub.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in TEST_DATABASE else "?"
    yield f"{TEST_DATABASE}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A private copy of the shipped registry and rules, free to edit in a test."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "units.csv", tmp_path / "data" / "units.csv")
    return tmp_path


@pytest.fixture
def settings(office: Path, database_url: str) -> Settings:
    return Settings(state_dir=office / "state", database_url=database_url,
                    registry=office / "data" / "units.csv", rules_dir=office / "rules")


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def hub(settings: Settings, clock: Callable[[], datetime]) -> Iterator[Hub]:
    hub = open_hub(settings, clock)
    yield hub
    hub.engine.dispose()


@pytest.fixture
def config_file(settings: Settings, tmp_path: Path) -> Path:
    """A mailhub.toml naming the test's state dir, database, registry and rules."""
    path = tmp_path / "mailhub.toml"
    path.write_text(f'state_dir = "{settings.state_dir}"\ndatabase_url = "{settings.database}"\n'
                    f'registry = "{settings.registry}"\nrules_dir = "{settings.rules_dir}"\n',
                    encoding="utf-8")
    return path

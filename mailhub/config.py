"""Settings: `mailhub.toml` plus `MAILHUB_*` environment variables.

Every key has a default, so the demo needs no file. The file is found through
`--config PATH` or `MAILHUB_CONFIG`; `MAILHUB_<KEY>` (e.g. MAILHUB_STATE_DIR,
MAILHUB_DATABASE_URL) overrides the file. Relative paths in a file are taken
from the file's own folder, so a systemd unit can run from anywhere; without a
file they are taken from the working directory (the repository checkout).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mailhub import tomlfile
from mailhub.errors import ConfigError, Problem

CONFIG_ENV = "MAILHUB_CONFIG"
ENV_PREFIX = "MAILHUB_"


class Settings(BaseModel):
    """The service's settings. Each field's description is its documentation and
    the comment of the generated example config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state_dir: Path = Field(
        Path("data/state"),
        description="Thư mục dữ liệu chạy (CSDL SQLite + kho thư gốc) / "
        "runtime state: SQLite database and raw archive. Keep it backed up.",
    )
    database_url: str = Field(
        "",
        description="CSDL / database URL. Empty: SQLite file mailhub.db in state_dir (WAL). "
        "PostgreSQL: postgresql+psycopg://user@host/dbname",
    )
    registry: Path = Field(
        Path("data/units.csv"),
        description="Danh bạ đơn vị / registry of the office, its teams, schools (CSV, UTF-8).",
    )
    rules_dir: Path = Field(
        Path("rules"),
        description="Thư mục quy tắc / folder of topics.toml, senders.toml, reporting.toml.",
    )
    hub_domain: str = Field(
        "mailhub.localhost",
        description="Tên miền của các địa chỉ danh sách của hub / "
        "domain of the hub's own list addresses (e.g. thcs@<hub_domain>).",
    )

    timezone: str = Field(
        "Asia/Ho_Chi_Minh",
        description="Múi giờ của Phòng / the office's time zone (IANA name): months and "
        "deadlines are counted in it.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Ho_Chi_Minh") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database(self) -> str:
        """The database URL in force: the configured one or SQLite in state_dir."""
        return self.database_url or f"sqlite:///{self.state_dir / 'mailhub.db'}"

    @property
    def archive_dir(self) -> Path:
        return self.state_dir / "archive"


_PATH_FIELDS = ("state_dir", "registry", "rules_dir")


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read settings from `path` (or $MAILHUB_CONFIG) and the environment.

    Raises ConfigError naming the file, line and fix for an unknown key or a bad value.
    """
    env = dict(os.environ if environ is None else environ)
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    values: dict[str, Any] = {}
    locator = None
    if path is not None:
        values, locator = tomlfile.load(path)
        base = path.parent
        for name in _PATH_FIELDS:
            if isinstance(values.get(name), str) and not Path(values[name]).is_absolute():
                values[name] = str(base / values[name])
    for name in Settings.model_fields:
        if f"{ENV_PREFIX}{name.upper()}" in env:
            values[name] = env[f"{ENV_PREFIX}{name.upper()}"]
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError([_problem(err, path, locator) for err in exc.errors()]) from None


def _problem(err: Any, path: Path | None, locator: tomlfile.Locator | None) -> Problem:
    key = str(err["loc"][0]) if err["loc"] else ""
    line = locator.key(key) if locator else None
    source = path if path is not None else Path(f"${ENV_PREFIX}{key.upper()}")
    if err["type"] == "extra_forbidden":
        known = ", ".join(Settings.model_fields)
        return Problem(source, line, f"khoá không biết / unknown key '{key}'",
                       f"xoá hoặc sửa tên; các khoá hợp lệ / known keys: {known}")
    return Problem(source, line, f"giá trị sai cho / bad value for '{key}': {err['msg']}",
                   "xem mailhub.example.toml / see mailhub.example.toml")


def example_config() -> str:
    """The commented example config, generated from Settings so it is never written twice."""
    lines = ["# mailhub.toml — cấu hình / configuration.",
             "# Mọi khoá đều có mặc định; bỏ dấu # để thay đổi. Every key has a default;",
             "# uncomment to change. MAILHUB_<KEY> in the environment overrides this file.",
             ""]
    for name, field in Settings.model_fields.items():
        lines.append(f"# {field.description}")
        default = field.default
        value = f'"{default}"' if isinstance(default, (str, Path)) else repr(default)
        lines.append(f"# {name} = {value}")
        lines.append("")
    return "\n".join(lines)

"""Read the TOML files office staff edit, and point at the line an error is on.

tomllib gives values but no positions; staff need "file:line", so a Locator
finds the line of a key or of the N-th `[[table]]` by scanning the text.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailhub.errors import ConfigError, Problem

_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_SYNTAX_LINE = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class Locator:
    """Finds lines in one TOML file's text."""

    path: Path
    lines: tuple[str, ...]

    def table(self, name: str, index: int | None = None) -> int | None:
        """Line of `[name]`, or of the index-th (0-based) `[[name]]`."""
        seen = -1
        for number, text in enumerate(self.lines, start=1):
            if index is None:
                match = _TABLE.match(text)
                if match and match.group(1) == name and not text.lstrip().startswith("[["):
                    return number
                continue
            match = _HEADER.match(text)
            if match and match.group(1) == name:
                seen += 1
                if seen == index:
                    return number
        return None

    def key(self, key: str, after: int | None = None) -> int | None:
        """Line of the first `key =` (or `key=` inside an inline table) at or after a line."""
        pattern = re.compile(rf"(^|[{{,\s]){re.escape(key)}\s*=")
        start = (after or 1) - 1
        for number, text in enumerate(self.lines[start:], start=start + 1):
            if pattern.search(text.split("#", 1)[0]):
                return number
            if after is not None and number > start + 1 and _HEADER.match(text):
                break
        return after

    def problem(self, line: int | None, message: str, fix: str) -> Problem:
        return Problem(self.path, line, message, fix)


def load(path: Path) -> tuple[dict[str, Any], Locator]:
    """Parse a TOML file; a missing file or bad syntax is a ConfigError naming the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([Problem(path, None, "không tìm thấy tệp / file not found",
                                   "tạo tệp hoặc sửa đường dẫn / create it or fix the path")]
                          ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(path, None, f"không phải UTF-8 / not UTF-8: {exc}",
                                   "lưu lại tệp với mã UTF-8 / save the file as UTF-8")]) from None
    locator = Locator(path, tuple(text.splitlines()))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _SYNTAX_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        raise ConfigError([Problem(path, line, f"lỗi cú pháp TOML / TOML syntax error: {exc}",
                                   "sửa dòng này theo cú pháp TOML (chuỗi trong dấu \"...\") / "
                                   "fix the syntax on this line (strings in \"...\")")]) from None
    return data, locator

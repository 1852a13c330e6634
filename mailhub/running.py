"""Whether a process of this machine runs: claims, temporary files and status.json name
the process that made them, and what a dead process left is taken over or removed."""

from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Killed, but not yet reaped by its parent: it holds nothing and does nothing."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
